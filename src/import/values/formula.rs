//! Formula injection in CSV: what `anzen export` writes so that a
//! spreadsheet never runs a cell as a formula, and how `anzen import` reads
//! it back.

/// Whether Excel (or LibreOffice, Google Sheets) could read a CSV cell
/// starting like this as a formula: OWASP's `=`, `+`, `-`, `@`, tab and
/// carriage return, and the full-width `＝ ＋ － ＠` a Japanese IME types.
fn formula_lead(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'])
}

/// A plain number (`-3`, `+81`, `-0.5`): a spreadsheet reads it as that
/// number, never as a formula, so it is left alone.
fn plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn needs_quote(s: &str) -> bool {
    (formula_lead(s) && !plain_number(s)) || s.strip_prefix('\'').is_some_and(needs_quote)
}

/// A text cell as written to CSV: prefixed with `'` when a spreadsheet
/// would run it as a formula (`=HYPERLINK(…)`, `@SUM(…)`, `-2+3`), as OWASP
/// recommends; also when it already starts with `'` before such a character,
/// so that [`formula_unquoted`] gives back exactly the original.
pub fn formula_quoted(s: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(s) { format!("'{s}").into() } else { s.into() }
}

/// The inverse of [`formula_quoted`], for CSV cells read by `anzen import`.
pub fn formula_unquoted(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => s,
    }
}

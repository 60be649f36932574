//! Reading one spreadsheet cell as one field value: the [`Cell`] itself,
//! booleans, counts, text, lists and services; dates are in `dates`, the
//! lookup keys of headers and words (width folding) in `keys`, and the CSV
//! formula guard `anzen export` and `anzen import` share in `formula`.
//!
//! Every parser returns the value or a [`Text`] saying why the cell cannot be
//! read; the caller turns that into a problem at the cell's address.

mod dates;
mod formula;
mod keys;
#[cfg(test)]
mod tests;

pub use dates::{date, date_text, filetime_date, serial_date};
pub use formula::{formula_quoted, formula_unquoted};
pub use keys::{fold_width, key, key_without_parentheses};

use crate::kernel::finding::Text;

/// A cell as the spreadsheet gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number cell (XLSX) — an integer or a float.
    Number(f64),
    Bool(bool),
    /// A date-formatted number cell (XLSX): the serial day number and the
    /// calendar day the workbook's date system (1900 or 1904) makes of it.
    Serial {
        value: f64,
        ymd: (i64, u32, u32),
    },
    /// An Excel error value such as `#N/A`.
    Error(String),
}

impl Cell {
    /// The cell as text, as a person reading the sheet would see it
    /// (numbers without a trailing `.0`; serials as dates when they are valid).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => number_text(*n),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Cell::Serial { value, ymd } => date(&Cell::Serial { value: *value, ymd: *ymd })
                .map_or_else(|_| number_text(*value), |d| d.to_string()),
            Cell::Error(e) => e.clone(),
        }
    }

    /// Whether the cell holds nothing: empty, only spaces, or a lone dash
    /// (`-`, `－`, `―`, `‐`, `ー`), which spreadsheets use for "n/a".
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => is_blank_text(s),
            _ => false,
        }
    }
}

fn is_blank_text(s: &str) -> bool {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    t.is_empty() || matches!(t, "-" | "－" | "―" | "‐" | "ー" | "—" | "–" | "−")
}

/// A number as a spreadsheet shows it: `2019`, not `2019.0`.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

// ---------------------------------------------------------------------------
// Booleans, enums, numbers, lists

const TRUE_WORDS: &[&str] = &[
    "はい",
    "yes",
    "y",
    "true",
    "t",
    "1",
    "○",
    "〇",
    "◯",
    "◎",
    "✓",
    "✔",
    "有",
    "あり",
    "有り",
    "済",
    "済み",
    "実施済",
    "実施済み",
    "変更済",
    "変更済み",
    "対応済",
    "対応済み",
    "利用",
    "利用あり",
    "利用有",
    "使用",
    "使用あり",
    "する",
    "on",
    "要",
    "必要",
];
const FALSE_WORDS: &[&str] = &[
    "いいえ",
    "no",
    "n",
    "false",
    "f",
    "0",
    "×",
    "✕",
    "✗",
    "x",
    "無",
    "なし",
    "無し",
    "未",
    "未実施",
    "未変更",
    "未対応",
    "利用なし",
    "利用無",
    "不使用",
    "使用なし",
    "しない",
    "off",
    "不要",
];

/// Reads a yes/no cell: はい/いいえ, ○/×, 有/無, あり/なし, 済/未,
/// true/false, yes/no, 1/0 and Excel's TRUE/FALSE.
pub fn boolean(cell: &Cell) -> Result<bool, Text> {
    let text = match cell {
        Cell::Bool(b) => return Ok(*b),
        Cell::Number(n) if *n == 1.0 => return Ok(true),
        Cell::Number(n) if *n == 0.0 => return Ok(false),
        other => other.display(),
    };
    boolean_text(&text).ok_or_else(|| {
        Text::new(
            format!(
                "「{}」ははい／いいえとして読めません（はい・いいえ、○・×、有・無、true・false など）",
                text.trim()
            ),
            format!(
                "\"{}\" is not a yes/no value (write はい/いいえ, ○/×, 有/無, true/false, …)",
                text.trim()
            ),
        )
    })
}

pub fn boolean_text(text: &str) -> Option<bool> {
    let k = key(text);
    if k.is_empty() {
        // `key` drops punctuation; a lone `・` or `-` is no answer.
        return None;
    }
    static WORDS: std::sync::OnceLock<std::collections::HashMap<String, bool>> = std::sync::OnceLock::new();
    let words = WORDS.get_or_init(|| {
        let t = TRUE_WORDS.iter().map(|w| (key(w), true));
        let f = FALSE_WORDS.iter().map(|w| (key(w), false));
        t.chain(f).collect()
    });
    words.get(&k).copied()
}

/// A non-negative whole number; `3件`, `3個` and `3.0` are 3.
pub fn count(cell: &Cell) -> Result<i64, Text> {
    let bad = |s: &str| {
        Text::new(
            format!("「{s}」は 0 以上の整数ではありません"),
            format!("\"{s}\" is not a whole number of at least 0"),
        )
    };
    let n = match cell {
        Cell::Number(n) => *n,
        other => {
            let s = fold_width(&other.display());
            let t = s.trim_end_matches(['件', '個', '本']).trim();
            t.parse::<f64>().map_err(|_| bad(&s))?
        }
    };
    if !n.is_finite() || n.fract() != 0.0 || !(0.0..=9_007_199_254_740_992.0).contains(&n) {
        return Err(bad(&cell.display()));
    }
    Ok(n as i64)
}

/// A plain text value: the cell as shown, trimmed. Numbers keep their
/// spreadsheet form (`2019`, not `2019.0`).
pub fn text(cell: &Cell) -> String {
    cell.display().trim().to_owned()
}

/// Splits a list cell on commas, `、`, `;`, `；`, `・`-free separators and
/// line breaks; empty items are dropped.
pub fn list(cell: &Cell) -> Vec<String> {
    text(cell)
        .split([',', '、', '，', ';', '；', '\n', '\r'])
        .map(|s| s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}'))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One service from a services cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub port: Option<i64>,
    pub reason: Option<String>,
}

/// Reads a services cell: items separated by line breaks, `;` or `；`
/// (commas belong to names and reasons), each `NAME[:PORT][（REASON）]` or
/// `NAME(PORT)`. Returns the services read and, per bad item, why.
pub fn services(cell: &Cell) -> (Vec<Service>, Vec<Text>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for item in text(cell).split(['\n', '\r', ';', '；']) {
        let item = item.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        if item.is_empty() {
            continue;
        }
        match service(item) {
            Ok(s) => out.push(s),
            Err(t) => problems.push(t),
        }
    }
    (out, problems)
}

fn service(item: &str) -> Result<Service, Text> {
    let mut rest = item.trim();
    let mut reason = None;
    let mut port = None;
    // A bracketed tail: （保守用） is a reason, (3389) a port.
    if (rest.ends_with(')') || rest.ends_with('）'))
        && let Some(open) = rest.rfind(['(', '（'])
    {
        {
            let inner_start = open + rest[open..].chars().next().map_or(1, char::len_utf8);
            let inner_end = rest.len() - rest.chars().last().map_or(1, char::len_utf8);
            let inner = rest.get(inner_start..inner_end).unwrap_or("").trim();
            let folded = fold_width(inner);
            if !folded.is_empty() && folded.bytes().all(|b| b.is_ascii_digit()) {
                port = Some(folded);
            } else if !inner.is_empty() {
                reason = Some(inner.to_owned());
            }
            rest = rest[..open].trim_end();
        }
    }
    if port.is_none()
        && let Some(colon) = rest.rfind([':', '：'])
    {
        let tail = fold_width(&rest[colon + rest[colon..].chars().next().map_or(1, char::len_utf8)..]);
        let tail_ok = !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'+');
        if tail_ok {
            port = Some(tail);
            rest = rest[..colon].trim_end();
        }
    }
    if rest.is_empty() {
        return Err(Text::new(
            format!("サービス「{item}」に名前がありません"),
            format!("service \"{item}\" has no name"),
        ));
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=65_535).contains(&n) => Some(n),
            _ => {
                return Err(Text::new(
                    format!("サービス「{item}」のポート {p} は範囲外です（1〜65535）"),
                    format!("service \"{item}\": port {p} is out of range (1–65535)"),
                ));
            }
        },
    };
    Ok(Service { name: rest.to_owned(), port, reason })
}

/// Writes a service back in the form [`services`] reads.
pub fn service_text(name: &str, port: Option<i64>, reason: Option<&str>) -> String {
    let mut s = name.to_owned();
    if let Some(p) = port {
        s.push_str(&format!(":{p}"));
    }
    if let Some(r) = reason {
        s.push_str(&format!("（{r}）"));
    }
    s
}

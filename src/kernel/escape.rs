//! Making text from the repository safe to show.
//!
//! Every value anzen prints may come from a hostile repository. Terminal
//! escape sequences (ESC/CSI/OSC: clearing the screen, OSC 8 links, OSC 52
//! clipboard writes), other C0/C1 controls and bidirectional-text controls
//! (U+202E "Trojan Source") are rendered visibly as `\u{1b}` instead of
//! reaching a terminal, a CI log, or a report. Every writer runs its text
//! through [`visible`] (or [`is_hidden`] inside its own escaping).

use std::borrow::Cow;

/// Whether `c` must not reach output as itself: C0 controls (except line
/// feed and tab), DEL, C1 controls, bidirectional-text controls, line and
/// paragraph separators, and the noncharacters U+FFFE/U+FFFF (and the other
/// noncharacters, which XML forbids or discourages).
pub fn is_hidden(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidi marks, embeddings, overrides and isolates; Arabic letter mark.
        '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}' => true,
        '\u{2028}' | '\u{2029}' => true,
        '\u{fdd0}'..='\u{fdef}' => true,
        c => (c as u32) & 0xfffe == 0xfffe,
    }
}

/// `c` as shown: `\u{1b}`.
pub fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

/// `s` with every [`is_hidden`] character written as `\u{…}`; line feeds
/// and tabs stay.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` on one line: [`visible`], and line feeds as `\n` too.
pub fn visible_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c == '\n' || is_hidden(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\n' {
            out.push_str("\\n");
        } else if is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_marks_become_visible() {
        assert_eq!(visible("a\u{1b}]52;c;aGk=\u{7}b"), "a\\u{1b}]52;c;aGk=\\u{7}b");
        assert_eq!(visible("x\u{9b}2J\u{202e}gpj.exe"), "x\\u{9b}2J\\u{202e}gpj.exe");
        assert_eq!(visible("\r\u{fffe}\u{ffff}\u{1fffe}"), "\\u{d}\\u{fffe}\\u{ffff}\\u{1fffe}");
        assert_eq!(visible("電子カルテ\n\tok"), "電子カルテ\n\tok");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
        assert_eq!(visible_line("a\nb\u{0}"), "a\\nb\\u{0}");
    }
}

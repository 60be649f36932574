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

/// JSON whose strings spell every [`is_hidden`] character as a `\uXXXX`
/// escape (a surrogate pair above U+FFFF): a JSON reader gets the same
/// text, and a terminal or log that shows the JSON raw (`--format json`
/// without `-o`, SARIF in a CI log) never sees a bidi override or U+FFFE.
/// serde_json itself escapes only `"`, `\\` and C0 controls.
pub mod json {
    use std::io;

    use serde::Serialize;
    use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

    /// A formatter `F` whose string fragments are escaped (every other
    /// method is `F`'s: the layout methods `PrettyFormatter` overrides are
    /// passed on, the rest are serde_json's defaults for both).
    struct Escaping<F>(F);

    macro_rules! pass_on {
        ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
            #[inline]
            fn $name<W: ?Sized + io::Write>(&mut self, writer: &mut W $(, $arg: $ty)*) -> io::Result<()> {
                self.0.$name(writer $(, $arg)*)
            }
        )*};
    }

    impl<F: Formatter> Formatter for Escaping<F> {
        pass_on! {
            begin_array();
            end_array();
            begin_array_value(first: bool);
            end_array_value();
            begin_object();
            end_object();
            begin_object_key(first: bool);
            begin_object_value();
            end_object_value();
        }

        fn write_string_fragment<W: ?Sized + io::Write>(
            &mut self,
            writer: &mut W,
            fragment: &str,
        ) -> io::Result<()> {
            let mut start = 0;
            for (i, c) in fragment.char_indices() {
                if super::is_hidden(c) {
                    writer.write_all(&fragment.as_bytes()[start..i])?;
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        write!(writer, "\\u{unit:04x}")?;
                    }
                    start = i + c.len_utf8();
                }
            }
            writer.write_all(&fragment.as_bytes()[start..])
        }
    }

    /// `serde_json::to_writer`, escaped.
    pub fn to_writer<W: io::Write, T: ?Sized + Serialize>(writer: W, value: &T) -> serde_json::Result<()> {
        value.serialize(&mut serde_json::Serializer::with_formatter(writer, Escaping(CompactFormatter)))
    }

    /// `serde_json::to_writer_pretty`, escaped.
    pub fn to_writer_pretty<W: io::Write, T: ?Sized + Serialize>(
        writer: W,
        value: &T,
    ) -> serde_json::Result<()> {
        value.serialize(&mut serde_json::Serializer::with_formatter(writer, Escaping(PrettyFormatter::new())))
    }

    /// `serde_json::to_string_pretty`, escaped.
    pub fn to_string_pretty<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<String> {
        let mut out = Vec::with_capacity(128);
        to_writer_pretty(&mut out, value)?;
        // The serializer writes UTF-8 (escapes are ASCII).
        String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
    }
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

    #[test]
    fn json_spells_hidden_characters_as_escapes_and_reads_back_the_same() {
        let value = serde_json::json!({
            "message\u{202e}": "x\u{9b}2J\u{202e}gpj.exe \u{fffe}\u{1fffe} 電子カルテ\n\u{1b}",
            "n": [1, null, true],
        });
        let mut compact = Vec::new();
        json::to_writer(&mut compact, &value).unwrap();
        let compact = String::from_utf8(compact).unwrap();
        assert_eq!(
            compact,
            r#"{"message\u202e":"x\u009b2J\u202egpj.exe \ufffe\ud83f\udffe 電子カルテ\n\u001b","n":[1,null,true]}"#
        );
        let pretty = json::to_string_pretty(&value).unwrap();
        assert!(!pretty.chars().any(|c| is_hidden(c) && c != '\n'), "{pretty}");
        for text in [&compact, &pretty] {
            assert_eq!(serde_json::from_str::<serde_json::Value>(text).unwrap(), value);
        }
    }

    #[test]
    fn json_without_hidden_characters_is_serde_jsons_own() {
        let value = serde_json::json!({"rule": "BAK-002", "line": 3, "nested": {"a": [], "b": {}, "c": [1.5, "電子"]}});
        assert_eq!(json::to_string_pretty(&value).unwrap(), serde_json::to_string_pretty(&value).unwrap());
        let mut compact = Vec::new();
        json::to_writer(&mut compact, &value).unwrap();
        assert_eq!(String::from_utf8(compact).unwrap(), serde_json::to_string(&value).unwrap());
    }
}

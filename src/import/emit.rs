//! A small YAML writer for imported documents: block style, 2-space
//! indentation, keys in the order given, and a comment line before each list
//! item (where it came from in the spreadsheet).
//!
//! A string is written plain unless a YAML 1.2 core-schema reader would
//! misread it; then it is double-quoted with escapes. "Misread" is decided by
//! the same scalar resolution anzen's loader uses (`saphyr`), plus YAML's
//! syntax rules for plain scalars, so `"2019"`, `"true"`, `"null"`, `"~"`,
//! `"-x"`, `"a: b"`, `"a #b"` and `" padded "` are quoted and `Windows
//! Server`, `本館2F サーバ室` and `yes` (a string in YAML 1.2) are not.

use std::borrow::Cow;
use std::fmt::Write as _;

use saphyr::Scalar;
use saphyr_parser::ScalarStyle;
use serde_json::{Map, Value};

/// A whole document: leading comment lines, then the entries of `doc` in
/// order; the items of its list `list` each get the comment of the same
/// index in `item_comments` above them.
pub fn document(
    comments: &[String],
    doc: &Map<String, Value>,
    list: &str,
    item_comments: &[String],
) -> String {
    let mut out = String::new();
    for c in comments {
        comment_line(&mut out, 0, c);
    }
    for (k, v) in doc {
        match v {
            Value::Array(items) if k == list && !items.is_empty() => {
                let _ = writeln!(out, "{}:", key(list));
                for (i, item) in items.iter().enumerate() {
                    if let Some(c) = item_comments.get(i) {
                        comment_line(&mut out, 2, c);
                    }
                    seq_item(&mut out, 2, item);
                }
            }
            _ => entry(&mut out, 0, k, v),
        }
    }
    out
}

fn comment_line(out: &mut String, indent: usize, text: &str) {
    // A comment is one line: line breaks in it become spaces.
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let _ = writeln!(out, "{:indent$}# {}", "", one_line.trim_end());
}

fn key(k: &str) -> Cow<'_, str> {
    string(k)
}

/// `k: v` at `indent`, with nested collections below it.
fn entry(out: &mut String, indent: usize, k: &str, v: &Value) {
    let _ = write!(out, "{:indent$}{}:", "", key(k));
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            for (k2, v2) in m {
                entry(out, indent + 2, k2, v2);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            for item in a {
                seq_item(out, indent + 2, item);
            }
        }
        other => {
            let _ = writeln!(out, " {}", inline(other));
        }
    }
}

/// `- v` at `indent`; a mapping's first entry shares the dash's line.
fn seq_item(out: &mut String, indent: usize, v: &Value) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            let mut first = true;
            for (k, v2) in m {
                if first {
                    let _ = write!(out, "{:indent$}- ", "");
                    let mut line = String::new();
                    entry(&mut line, indent + 2, k, v2);
                    out.push_str(&line[indent + 2..]);
                    first = false;
                } else {
                    entry(out, indent + 2, k, v2);
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            let _ = writeln!(out, "{:indent$}-", "");
            for item in a {
                seq_item(out, indent + 2, item);
            }
        }
        other => {
            let _ = writeln!(out, "{:indent$}- {}", "", inline(other));
        }
    }
}

fn inline(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::String(s) => string(s),
        Value::Array(_) => Cow::Borrowed("[]"),
        Value::Object(_) => Cow::Borrowed("{}"),
    }
}

/// A string as a YAML scalar: plain when that reads back as the same
/// string, else double-quoted.
pub fn string(s: &str) -> Cow<'_, str> {
    if plain_ok(s) { Cow::Borrowed(s) } else { Cow::Owned(quoted(s)) }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let last = s.chars().last().unwrap_or(first);
    if first.is_whitespace() || last.is_whitespace() {
        return false;
    }
    if s.chars().any(escaped) {
        return false;
    }
    // Indicators that cannot start a plain scalar (`-`, `?`, `:` can when a
    // non-space follows, but are quoted anyway for readers that disagree).
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.starts_with("...") {
        return false;
    }
    // Whatever the core schema would read as null, a boolean or a number.
    matches!(
        Scalar::parse_from_cow_and_metadata(Cow::Borrowed(s), ScalarStyle::Plain, None),
        Some(Scalar::String(_))
    )
}

/// Written as an escape in a double-quoted scalar: controls, the byte-order
/// mark, and what anzen never prints raw (bidi controls, line separators,
/// noncharacters: [`crate::kernel::escape::is_hidden`]), so the YAML, on a
/// terminal or in a diff, shows them.
fn escaped(c: char) -> bool {
    c.is_control() || c == '\u{FEFF}' || crate::kernel::escape::is_hidden(c)
}

fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if escaped(c) && (c as u32) > 0xFFFF => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
            c if escaped(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::document::yaml::{Limits, parse};

    /// What `s` reads back as when written as the value of a key.
    fn reread(s: &str) -> Value {
        let text = format!("k: {}\n", string(s));
        let docs = parse(&text, &Limits::default()).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        docs[0].to_json()["k"].clone()
    }

    #[test]
    fn quotes_exactly_what_would_be_misread() {
        let plain = [
            "Windows Server",
            "本館2F サーバ室 ラック1",
            "yes",
            "no",
            "on",
            "Off",
            "2019 Standard",
            "v1.2.3",
            "a:b",
            "a#b",
            "http://example.jp/x",
            "RDP（保守用、VPN経由のみ）",
            "1.2.3",
            "sys-ehr",
            "x-備考",
            "a, b",
            "x]y",
            "back\\slash",
            "C:\\Windows",
        ];
        for s in plain {
            assert_eq!(string(s), s, "{s} should be plain");
            assert_eq!(reread(s), json!(s));
        }
        let quoted = [
            "",
            " ",
            "2019",
            "0017",
            "1e3",
            "0x1F",
            "0o17",
            "-1",
            "+1",
            ".5",
            "1.0",
            ".inf",
            "-.Inf",
            ".nan",
            "true",
            "False",
            "TRUE",
            "null",
            "Null",
            "~",
            "- x",
            "-x",
            "?x",
            ":x",
            "a: b",
            "a #b",
            "a:",
            " lead",
            "trail ",
            "#c",
            "&a",
            "*a",
            "!t",
            "|",
            ">",
            "'q'",
            "\"q\"",
            "%d",
            "@x",
            "`x",
            "[x]",
            "{x}",
            ",x",
            "...",
            "---",
            "line\nbreak",
            "tab\there",
            "bell\u{7}",
            "nel\u{85}",
            "ls\u{2028}",
            "bom\u{feff}",
            "サーバ\u{202e}室",
            "iso\u{2066}late",
            "non\u{fffe}char",
            "astral\u{1fffe}",
            "c1\u{9b}2J",
        ];
        for s in quoted {
            assert!(string(s).starts_with('"'), "{s:?} should be quoted, got {}", string(s));
            assert!(!string(s).chars().any(crate::kernel::escape::is_hidden), "{s:?} raw in {}", string(s));
            assert_eq!(reread(s), json!(s), "{s:?}");
        }
        assert_eq!(string("a\u{202e}b"), "\"a\\u202Eb\"");
        assert_eq!(string("a\u{1fffe}"), "\"a\\U0001FFFE\"");
    }

    #[test]
    fn writes_nested_block_style() {
        let doc = json!({"apiVersion": "anzen/v1", "kind": "AssetLedger", "assets": [
            {"id": "srv-01", "os": {"name": "Windows Server", "version": "2019"},
                "systems": ["sys-ehr", "sys-pacs"], "services": [{"name": "RDP", "port": 3389, "needed": true}],
                "remote_maintenance": {"used": false}},
            {"id": "true", "services": []},
        ]});
        let comments = ["台帳.xlsx 機器一覧!5".to_owned(), "台帳.xlsx 機器一覧!6".to_owned()];
        let text = document(&["generated".into()], doc.as_object().unwrap(), "assets", &comments);
        assert_eq!(
            text,
            "# generated\napiVersion: anzen/v1\nkind: AssetLedger\nassets:\n  # 台帳.xlsx 機器一覧!5\n  - id: srv-01\n    os:\n      name: Windows Server\n      version: \"2019\"\n    systems:\n      - sys-ehr\n      - sys-pacs\n    services:\n      - name: RDP\n        port: 3389\n        needed: true\n    remote_maintenance:\n      used: false\n  # 台帳.xlsx 機器一覧!6\n  - id: \"true\"\n    services: []\n"
        );
        let docs = parse(&text, &Limits::default()).unwrap();
        assert_eq!(docs[0].to_json(), doc);
    }

    #[test]
    fn empty_list_and_odd_keys() {
        let doc = json!({"apiVersion": "anzen/v1", "x-a: b": "c", "accounts": []});
        let text = document(&[], doc.as_object().unwrap(), "accounts", &[]);
        assert_eq!(text, "apiVersion: anzen/v1\n\"x-a: b\": c\naccounts: []\n");
    }
}

//! Tests of the YAML loader: spans, semantics, limits and errors.

use std::borrow::Cow;

use saphyr::Scalar;
use saphyr_parser::ScalarStyle;

use super::scalar::plain;
use super::text::Offsets;
use super::*;
use crate::document::node::{Entry, NodeValue, Str};

fn load(text: &str) -> Vec<Node> {
    match parse(text, &Limits::default()) {
        Ok(docs) => docs,
        Err(e) => panic!("{text:?} failed: {e:?}"),
    }
}

fn load_one(text: &str) -> Node {
    let mut docs = load(text);
    assert_eq!(docs.len(), 1, "{text:?}");
    docs.remove(0)
}

fn fail(text: &str, limits: &Limits) -> YamlError {
    match parse(text, limits) {
        Ok(docs) => panic!("{text:?} loaded: {docs:?}"),
        Err(e) => e,
    }
}

fn at(text: &str, span: Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

fn entry<'a>(node: &'a Node, key: &str) -> &'a Entry {
    node.entry(key).unwrap_or_else(|| panic!("no key {key}"))
}

fn items(node: &Node) -> &[Node] {
    match &node.value {
        NodeValue::Seq(items) => items,
        other => panic!("not a sequence: {other:?}"),
    }
}

fn string(s: &str) -> NodeValue {
    NodeValue::String(Str::from(s))
}

#[test]
fn japanese_keys_and_values_have_byte_spans() {
    let text = "# 設定ファイル\nシステム名: 電子カルテ\n説明: \"院内 の 端末\"\n世代: 3\n";
    let doc = load_one(text);
    assert_eq!(at(text, doc.span), "システム名: 電子カルテ\n説明: \"院内 の 端末\"\n世代: 3");
    let name = entry(&doc, "システム名");
    assert_eq!(at(text, name.key_span), "システム名");
    assert_eq!(at(text, name.value.span), "電子カルテ");
    assert_eq!(name.value.value, string("電子カルテ"));
    let desc = entry(&doc, "説明");
    assert_eq!(at(text, desc.value.span), "\"院内 の 端末\"");
    assert_eq!(desc.value.value, string("院内 の 端末"));
    let gen_ = entry(&doc, "世代");
    assert_eq!(at(text, gen_.key_span), "世代");
    assert_eq!(at(text, gen_.value.span), "3");
    assert_eq!(gen_.value.value, NodeValue::Int(3));
}

#[test]
fn list_item_mappings() {
    let text = "端末:\n  - 名前: 受付\n    台数: 2\n  - 名前: 病棟\n    台数: 10\nx: y\n";
    let doc = load_one(text);
    let list = &entry(&doc, "端末").value;
    assert_eq!(at(text, list.span), "- 名前: 受付\n    台数: 2\n  - 名前: 病棟\n    台数: 10");
    let seq = items(list);
    assert_eq!(seq.len(), 2);
    assert_eq!(at(text, seq[0].span), "名前: 受付\n    台数: 2");
    assert_eq!(at(text, entry(&seq[1], "台数").key_span), "台数");
    assert_eq!(at(text, entry(&seq[1], "台数").value.span), "10");
    // An indentless sequence starts at its first `-`.
    let text = "端末:\n- a\n- 名前: b\nx: y\n";
    let doc = load_one(text);
    let list = &entry(&doc, "端末").value;
    assert_eq!(at(text, list.span), "- a\n- 名前: b");
    assert_eq!(at(text, items(list)[1].span), "名前: b");
    // A nested compact sequence.
    let text = "- - a\n  - b\n- c\n";
    let doc = load_one(text);
    assert_eq!(at(text, doc.span), "- - a\n  - b\n- c");
    assert_eq!(at(text, items(&doc)[0].span), "- a\n  - b");
}

#[test]
fn block_scalars_span_indicator_to_last_line() {
    let text = "説明: |\n  一行目\n  二行目\n\n折り: >- # コメント | >\n  a\n  b\n次: 1\n";
    let doc = load_one(text);
    let lit = &entry(&doc, "説明").value;
    assert_eq!(lit.value, string("一行目\n二行目\n"));
    assert_eq!(at(text, lit.span), "|\n  一行目\n  二行目");
    let folded = &entry(&doc, "折り").value;
    assert_eq!(folded.value, string("a b"));
    assert_eq!(at(text, folded.span), ">- # コメント | >\n  a\n  b");
    // With properties, the span starts at the indicator.
    let text = "a: &x !!str |\n  text\nb: *x\n";
    let doc = load_one(text);
    assert_eq!(at(text, entry(&doc, "a").value.span), "|\n  text");
    assert_eq!(entry(&doc, "b").value.value, string("text\n"));
    assert_eq!(at(text, entry(&doc, "b").value.span), "*x");
    // At the root of an implicit document.
    let text = ">\n folded\n text\n";
    assert_eq!(at(text, load_one(text).span), ">\n folded\n text");
}

#[test]
fn flow_collections() {
    let text = "a: [1, \"二\", {k: v, 空: }, []]\nb: {x: [], y: {}}\n";
    let doc = load_one(text);
    let a = &entry(&doc, "a").value;
    assert_eq!(at(text, a.span), "[1, \"二\", {k: v, 空: }, []]");
    let seq = items(a);
    assert_eq!(seq[0].value, NodeValue::Int(1));
    assert_eq!(at(text, seq[1].span), "\"二\"");
    assert_eq!(at(text, seq[2].span), "{k: v, 空: }");
    assert_eq!(entry(&seq[2], "空").value.value, NodeValue::Null);
    assert_eq!(at(text, seq[3].span), "[]");
    assert_eq!(seq[3].value, NodeValue::Seq(vec![]));
    let b = &entry(&doc, "b").value;
    assert_eq!(at(text, b.span), "{x: [], y: {}}");
    assert_eq!(at(text, entry(b, "y").value.span), "{}");
    assert_eq!(entry(b, "y").value.value, NodeValue::Map(vec![]));
    // A trailing comma and a multi-line flow mapping.
    let text = "{\n  a: 1,\n  b: 2,\n}\n";
    assert_eq!(at(text, load_one(text).span), "{\n  a: 1,\n  b: 2,\n}");
    // A single-pair mapping inside a flow sequence.
    let text = "[a: b, c]";
    let doc = load_one(text);
    assert_eq!(at(text, items(&doc)[0].span), "a: b");
    // Quoted keys: the span stops at the closing quote.
    let text = "{ \"foo\" # comment\n  :bar }";
    let doc = load_one(text);
    assert_eq!(at(text, entry(&doc, "foo").key_span), "\"foo\"");
}

#[test]
fn documents() {
    let text = "a: 1\n---\n- x\n--- 三\n...\n---\n";
    let docs = load(text);
    assert_eq!(docs.len(), 4);
    assert_eq!(at(text, docs[0].span), "a: 1");
    assert_eq!(at(text, docs[1].span), "- x");
    assert_eq!(at(text, docs[2].span), "三");
    assert_eq!(docs[3].value, NodeValue::Null);
    assert!(load("").is_empty());
    assert!(load("# nothing\n").is_empty());
    let empty = load("---\n");
    assert_eq!(empty.len(), 1);
    assert_eq!(empty[0].value, NodeValue::Null);
    assert!(empty[0].span.end as usize <= 4);
}

#[test]
fn crlf_line_endings() {
    let text = "名前: 受付\r\n一覧:\r\n  - a\r\n  - \"b\"\r\n本文: |\r\n  x\r\n  y\r\n";
    let doc = load_one(text);
    assert_eq!(at(text, entry(&doc, "名前").value.span), "受付");
    let list = &entry(&doc, "一覧").value;
    assert_eq!(at(text, list.span), "- a\r\n  - \"b\"");
    assert_eq!(at(text, items(list)[1].span), "\"b\"");
    let body = &entry(&doc, "本文").value;
    assert_eq!(body.value, string("x\ny\n"));
    assert_eq!(at(text, body.span), "|\r\n  x\r\n  y");
}

#[test]
fn byte_order_mark() {
    let text = "\u{FEFF}名前: 受付\nn: 1\n";
    let doc = load_one(text);
    assert_eq!(at(text, doc.span), "名前: 受付\nn: 1");
    assert_eq!(at(text, entry(&doc, "名前").key_span), "名前");
    assert_eq!(at(text, entry(&doc, "n").value.span), "1");
    let ascii = "\u{FEFF}a: [1]\n";
    let doc = load_one(ascii);
    assert_eq!(at(ascii, entry(&doc, "a").value.span), "[1]");
    assert_eq!(load("\u{FEFF}").len(), 0);
}

#[test]
fn duplicate_keys() {
    let text = "a: 1\nb: 2\na: 3\n";
    let e = fail(text, &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::DuplicateKey { first: Span::new(0, 1) });
    assert_eq!(e.span, Span::new(10, 11));
    assert_eq!(e.message, "duplicate key `a` (first at line 1)");
    // Nested, non-ASCII, quoted and plain forms of one key.
    let text = "top:\n  x: 1\n  世代: 2\n  y: 3\n  \"世代\": 4\n";
    let e = fail(text, &Limits::default());
    let YamlErrorKind::DuplicateKey { first } = e.kind else { panic!("{e:?}") };
    assert_eq!(at(text, first), "世代");
    assert_eq!(at(text, e.span), "\"世代\"");
    assert_eq!(e.message, "duplicate key `世代` (first at line 3)");
    // Past the linear-scan threshold (hash index).
    let mut text: String = (0..50).map(|i| format!("k{i}: {i}\n")).collect();
    text.push_str("generations: 1\nk17: again\n");
    let e = fail(&text, &Limits::default());
    let YamlErrorKind::DuplicateKey { first } = e.kind else { panic!("{e:?}") };
    assert_eq!(at(&text, first), "k17");
    assert_eq!(e.message, "duplicate key `k17` (first at line 18)");
    assert!(text[e.span.start as usize..].starts_with("k17: again"));
    // Same key in different mappings is fine; so are `1` and `01`.
    load("a: {x: 1}\nb: {x: 2}\n1: a\n01: b\n");
    // In flow mappings too.
    let e = fail("{a: 1, a: 2}", &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::DuplicateKey { first: Span::new(1, 2) });
}

#[test]
fn core_schema_scalars() {
    let text = "a: yes\nb: on\nc: 017\nd: 0x1F\ne: 0o17\nf: 1.5\ng: .inf\nh: ~\ni:\nj: true\n\
                k: False\nl: '017'\nm: 12345678901234567890\nn: -3\no: 1e3\np: 0x\n";
    let doc = load_one(text);
    let v = |k: &str| entry(&doc, k).value.value.clone();
    assert_eq!(v("a"), string("yes"));
    assert_eq!(v("b"), string("on"));
    assert_eq!(v("c"), NodeValue::Int(17));
    assert_eq!(v("d"), NodeValue::Int(31));
    assert_eq!(v("e"), NodeValue::Int(15));
    assert_eq!(v("f"), NodeValue::Float(1.5));
    assert_eq!(v("g"), NodeValue::String("inf".into()));
    assert_eq!(v("h"), NodeValue::Null);
    assert_eq!(v("i"), NodeValue::Null);
    assert_eq!(v("j"), NodeValue::Bool(true));
    assert_eq!(v("k"), NodeValue::Bool(false));
    assert_eq!(v("l"), string("017"));
    assert!(matches!(v("m"), NodeValue::Float(_)));
    assert_eq!(v("n"), NodeValue::Int(-3));
    assert_eq!(v("o"), NodeValue::Float(1000.0));
    assert_eq!(v("p"), string("0x"));
}

#[test]
fn plain_scalars_resolve_as_saphyr_resolves_them() {
    // `plain` skips saphyr's resolution for scalars that cannot be
    // anything but strings: it must agree with it everywhere.
    let reference =
        |s: &str| match Scalar::parse_from_cow_and_metadata(Cow::Borrowed(s), ScalarStyle::Plain, None) {
            Some(Scalar::Null) | None => NodeValue::Null,
            Some(Scalar::Boolean(b)) => NodeValue::Bool(b),
            Some(Scalar::Integer(i)) => NodeValue::Int(i),
            Some(Scalar::FloatingPoint(f)) => NodeValue::Float(f.0),
            Some(Scalar::String(s)) => NodeValue::String(Str::from(s)),
        };
    let mut corpus: Vec<String> = [
        "",
        "~",
        "null",
        "Null",
        "NULL",
        "nULL",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "yes",
        "0",
        "017",
        "-3",
        "+1",
        "+-1",
        "0x1F",
        "0x-1",
        "0o17",
        "1e3",
        "1.5",
        ".5",
        "-.5",
        ".inf",
        "-.Inf",
        "+.INF",
        ".nan",
        ".NaN",
        "inf",
        "infinity",
        "Infinity",
        "nan",
        "NaN",
        "e5",
        "E5",
        "_1",
        " 1",
        "１",
        "12345678901234567890",
        "asset-0001",
        "2025-06-30",
        "サーバ",
        "network",
        "none",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    // Every first byte, before a few tails.
    for b in 0x20u8..0x7f {
        for tail in ["", "1", ".5", "e3", "inf", "nan", "ull", "rue", "alse"] {
            corpus.push(format!("{}{tail}", b as char));
        }
    }
    for s in &corpus {
        let (ours, theirs) = (plain(Cow::Borrowed(s)), reference(s));
        match (&ours, &theirs) {
            (NodeValue::Float(a), NodeValue::Float(b)) if a.is_nan() && b.is_nan() => {}
            _ => assert_eq!(ours, theirs, "`{s}`"),
        }
    }
}

#[test]
fn tags() {
    let text = "a: !!str 123\nb: !!int \"42\"\nc: !!float 1\nd: !!bool true\ne: !!null\n\
                f: !custom 7\ng: ! 12\nh: !<tag:yaml.org,2002:int> 8\ni: !!binary abc\n\
                j: !!str\nk: !local [1]\n";
    let doc = load_one(text);
    let v = |k: &str| entry(&doc, k).value.value.clone();
    assert_eq!(v("a"), string("123"));
    assert_eq!(at(text, entry(&doc, "a").value.span), "123");
    assert_eq!(v("b"), NodeValue::Int(42));
    assert_eq!(v("c"), NodeValue::Float(1.0));
    assert_eq!(v("d"), NodeValue::Bool(true));
    assert_eq!(v("e"), NodeValue::Null);
    assert_eq!(v("f"), NodeValue::Int(7));
    assert_eq!(v("g"), string("12"));
    assert_eq!(v("h"), NodeValue::Int(8));
    assert_eq!(at(text, entry(&doc, "h").value.span), "8");
    assert_eq!(v("i"), string("abc"));
    assert_eq!(v("j"), string(""));
    assert_eq!(entry(&doc, "k").value.to_json(), serde_json::json!([1]));
    assert_eq!(at(text, entry(&doc, "k").value.span), "[1]");
    let text = "x: 1\ny: !!int abc\n";
    let e = fail(text, &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::Syntax);
    assert_eq!(at(text, e.span), "abc");
    assert_eq!(e.message, "value `abc` does not match its tag !!int");
    let e = fail("!!bool yes", &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::Syntax);
    // Keys are checked too.
    let e = fail("!!null x: 1", &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::Syntax);
}

#[test]
fn key_forms() {
    let text = "1: a\ntrue: b\n~: c\n\"q\": d\n0x1F: e\n<<: f\n'': g\n";
    let doc = load_one(text);
    let keys: Vec<&str> = match &doc.value {
        NodeValue::Map(entries) => entries.iter().map(|e| e.key.as_str()).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(keys, ["1", "true", "~", "q", "0x1F", "<<", ""]);
    // `<<` is not a merge key.
    let doc = load_one("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n");
    let used = &entry(&doc, "use").value;
    assert!(used.get("x").is_none());
    assert_eq!(entry(used, "<<").value.to_json(), serde_json::json!({"x": 1}));
}

#[test]
fn complex_keys_rejected() {
    for (text, key) in [
        ("[a, b]: c\n", "["),
        ("? [a]\n: b\n", "["),
        ("{ {x: 1}: y }", "{"),
        ("? - a\n: b\n", "-"),
        ("? x: 1\n: b\n", "x"),
    ] {
        let e = fail(text, &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::UnsupportedKey, "{text:?}");
        assert_eq!(at(text, e.span), key, "{text:?}");
    }
    let text = "a: &s [1]\n*s : x\n";
    let e = fail(text, &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::UnsupportedKey);
    assert_eq!(at(text, e.span), "*s");
    // An alias to a scalar is a fine key.
    let doc = load_one("a: &k 世代\n*k : 3\n");
    assert_eq!(entry(&doc, "世代").value.value, NodeValue::Int(3));
}

#[test]
fn aliases() {
    // Anchors in a finished branch, in the open root, and deep inside.
    let text = "a: {b: &x [1, 2]}\nc: *x\nd: [&y [3], *y]\ne:\n  f:\n    g: &z {k: v}\n  h: *z\n";
    let doc = load_one(text);
    assert_eq!(
        doc.to_json(),
        serde_json::json!({
            "a": {"b": [1, 2]}, "c": [1, 2], "d": [[3], [3]],
            "e": {"f": {"g": {"k": "v"}}, "h": {"k": "v"}}
        })
    );
    let c = &entry(&doc, "c").value;
    assert_eq!(at(text, c.span), "*x");
    assert_eq!(at(text, items(c)[0].span), "1");
    // Mappings inside sequences inside mappings: the children of open
    // collections sit on the builder's two stacks, interleaved.
    let doc = load_one(
        "a:\n  - x: &m {k: 1}\n    y: [&s [1, 2], *s, *m, {z: *s}]\n  - *m\n  - [*s, [*m]]\nb: *s\n",
    );
    assert_eq!(
        doc.to_json(),
        serde_json::json!({
            "a": [
                {"x": {"k": 1}, "y": [[1, 2], [1, 2], {"k": 1}, {"z": [1, 2]}]},
                {"k": 1},
                [[1, 2], [{"k": 1}]]
            ],
            "b": [1, 2]
        })
    );
    // Redefined anchors: an alias uses the latest.
    let doc = load_one("- &a 1\n- *a\n- &a 2\n- *a\n");
    assert_eq!(doc.to_json(), serde_json::json!([1, 1, 2, 2]));
    // Unknown, unfinished, and other-document anchors.
    for text in ["*nope", "&a [*a]", "&a x\n--- *a\n", "a: &m {b: *m}"] {
        assert_eq!(fail(text, &Limits::default()).kind, YamlErrorKind::Syntax, "{text:?}");
    }
}

fn bomb(levels: usize, width: usize) -> String {
    let mut text = format!("l0: &l0 [{}]\n", vec!["\"lol\""; width].join(", "));
    for i in 1..levels {
        let refs = vec![format!("*l{}", i - 1); width].join(", ");
        text.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    text
}

#[test]
fn alias_bomb_fails_fast() {
    let text = bomb(9, 9);
    let e = fail(&text, &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::AliasLimit);
    assert_eq!(e.message, "alias expansion exceeds 10000 nodes (possible billion-laughs attack)");
    assert!(at(&text, e.span).starts_with("*l"));
    // Small legitimate use loads, and the budget is per document.
    let limits = Limits { max_alias_nodes: 12, ..Limits::default() };
    let doc = "base: &b {x: 1, y: 2}\na: *b\nb: *b\n";
    assert!(parse(doc, &limits).is_ok());
    assert!(parse(&format!("{doc}---\n{doc}---\n{doc}"), &limits).is_ok());
    let e = fail(&format!("{doc}c: *b\n"), &limits);
    assert_eq!(e.kind, YamlErrorKind::AliasLimit);
    assert_eq!(e.message, "alias expansion exceeds 12 nodes (possible billion-laughs attack)");
}

#[test]
fn deep_flow_nesting_fails_without_overflow() {
    let text = "[".repeat(100_000);
    // saphyr's scanner looks ahead through the `[`s and stops at its own
    // limit (255 flow levels) first; that error is a DepthLimit too.
    for max_depth in [128, 1_000] {
        let e = fail(&text, &Limits { max_depth, ..Limits::default() });
        assert_eq!(e.kind, YamlErrorKind::DepthLimit);
        assert_eq!(e.span, Span::new(255, 256));
        assert_eq!(e.message, "nesting exceeds the parser's limit of 255 flow levels");
    }
    // Exactly at the limit is fine.
    let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
    assert!(parse(&ok, &Limits::default()).is_ok());
    let over = format!("{}{}", "[".repeat(129), "]".repeat(129));
    let e = fail(&over, &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::DepthLimit);
    assert_eq!(e.span, Span::new(128, 129));
    assert_eq!(e.message, "nesting deeper than 128 levels");
}

#[test]
fn deep_block_nesting_fails() {
    let mut text = String::new();
    for i in 0..5_000 {
        text.push_str(&"  ".repeat(i));
        text.push_str("a:\n");
    }
    let e = fail(&text, &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::DepthLimit);
    // The 129th mapping starts on line 129.
    let line = text[..e.span.start as usize].matches('\n').count() + 1;
    assert_eq!(line, 129);
    // A configured limit is clamped to 10 000.
    let text = format!("{}x\n", "- ".repeat(10_001));
    let e = fail(&text, &Limits { max_depth: usize::MAX, ..Limits::default() });
    assert_eq!(e.kind, YamlErrorKind::DepthLimit);
    assert_eq!(e.message, "nesting deeper than 10000 levels");
    // Aliases count towards depth.
    let limits = Limits { max_depth: 3, ..Limits::default() };
    assert!(parse("a: &a [[1]]\nb: [x]\n", &limits).is_ok());
    let e = fail("a: &a [[1]]\nb: [*a]\n", &limits);
    assert_eq!(e.kind, YamlErrorKind::DepthLimit);
}

#[test]
fn document_limit() {
    let limits = Limits { max_documents: 2, ..Limits::default() };
    assert_eq!(parse("a\n---\nb\n", &limits).map(|d| d.len()), Ok(2));
    let text = "a\n---\nb\n--- c\n";
    let e = fail(text, &limits);
    assert_eq!(e.kind, YamlErrorKind::DocumentLimit);
    assert_eq!(at(text, e.span), "---");
    assert_eq!(e.message, "more than 2 documents in one file");
}

#[test]
fn syntax_errors_point_into_the_text() {
    let text = "名前: 受付\n  - 壊れた: [\n";
    let e = fail(text, &Limits::default());
    assert_eq!(e.kind, YamlErrorKind::Syntax);
    assert!(text.get(e.span.start as usize..e.span.end as usize).is_some());
    assert!(!e.message.is_empty() && !e.message.ends_with('.'));
    let text = "a: \"未完";
    let e = fail(text, &Limits::default());
    assert!(e.span.end as usize <= text.len() && text.is_char_boundary(e.span.start as usize));
    for text in ["a: b: c", "[1, 2", "{a", "- a\nb: c", "a: 'x", "key: - a", "]", "a:\n\t- b"] {
        let e = fail(text, &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::Syntax, "{text:?}");
        assert!(text.get(e.span.start as usize..e.span.end as usize).is_some(), "{text:?}");
    }
}

#[test]
fn offsets_convert_characters_to_bytes() {
    let text = "aé日🙂b";
    let mut off = Offsets::new(text);
    assert_eq!([0, 1, 2, 3, 4, 5, 6].map(|i| off.byte(i)), [0, 1, 3, 6, 10, 11, 11]);
    assert_eq!(off.byte(3), 6);
    assert_eq!(off.byte(1), 1);
    assert_eq!(off.byte(4), 10);
    let mut off = Offsets::new("abc");
    assert_eq!(off.byte(2), 2);
    assert_eq!(off.byte(9), 3);
}

#[test]
fn large_single_line_flow_sequence() {
    // 1 MiB here; the 16 MiB timing run is `large_flow_sequence_timing`.
    let text = big_sequence(1 << 20);
    let doc = load_one(&text);
    let all = items(&doc);
    let last = all.last().map(|n| at(&text, n.span));
    assert_eq!(last, Some("\"電子カルテ\""));
    assert_eq!(at(&text, doc.span), text);
}

fn big_sequence(size: usize) -> String {
    let mut text = String::with_capacity(size + 64);
    text.push('[');
    while text.len() < size {
        if text.len() > 1 {
            text.push_str(", ");
        }
        text.push_str("\"電子カルテ\"");
    }
    text.push(']');
    text
}

/// `cargo test --release -- --ignored --nocapture large_flow` prints the time.
#[test]
#[ignore = "timing run; use --release"]
#[allow(clippy::print_stderr)]
fn large_flow_sequence_timing() {
    let text = big_sequence(16 << 20);
    let started = std::time::Instant::now();
    let doc = load_one(&text);
    let elapsed = started.elapsed();
    eprintln!("16 MiB flow sequence: {} items in {elapsed:?}", items(&doc).len());
}

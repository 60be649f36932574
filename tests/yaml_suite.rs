//! The YAML loader against the yaml-test-suite
//! (`../shared/external/yaml-test-suite/`, data tag `data-2022-01-17`).
//!
//! * no case may panic;
//! * every `error` case must fail with a span inside the text, except
//!   [`ACCEPTED_ERRORS`];
//! * every `ok` case must load, except [`REJECTED_OK`];
//! * every `ok` case with an `in.json` must load to that JSON, except
//!   [`JSON_DIFFERENCES`].
//!
//! The allow-lists are repeated, with the same reasons, in `docs/yaml.md`.
//! An allow-listed case that starts behaving fails the test, so the lists
//! stay exact.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use anzen::document::node::{Node, NodeValue};
use anzen::document::yaml::{Limits, YamlErrorKind, parse};

/// `error` cases that saphyr-parser 0.3.4 accepts (none: it rejects all 94).
const ACCEPTED_ERRORS: &[(&str, &str)] = &[];

/// `ok` cases that anzen rejects by design: mapping keys must be scalars,
/// and keys must be unique. They must fail with `UnsupportedKey` or
/// `DuplicateKey`, never with a syntax error.
const REJECTED_OK: &[(&str, &str)] = &[
    ("2JQS", "two empty keys in one mapping are duplicate keys"),
    ("4FJ6", "flow sequences as implicit keys (complex keys)"),
    ("6BFJ", "a flow sequence as a mapping key (complex key)"),
    ("6PBE", "block sequences as explicit keys (complex keys)"),
    ("9MMW", "a flow mapping as a single-pair key (complex key)"),
    ("KK5P", "block sequences as explicit keys (complex keys)"),
    ("LX3P", "a flow sequence as an implicit key (complex key)"),
    ("M2N8/00", "a mapping as an explicit key (complex key)"),
    ("M2N8/01", "an empty flow sequence as a key (complex key)"),
    ("M5DY", "sequences as explicit keys (complex keys)"),
    ("Q9WF", "a flow mapping as an implicit key (complex key)"),
    ("RZP5", "a block sequence as an explicit key (complex key)"),
    ("SBG9", "a flow sequence as a key in a flow mapping (complex key)"),
    ("V9D5", "a mapping as an explicit key (complex key)"),
    ("X38W", "a flow sequence and an alias to it as keys (complex keys)"),
    ("XW4D", "a block sequence as an explicit key (complex key)"),
];

/// `ok` cases whose JSON form differs from `in.json`.
const JSON_DIFFERENCES: &[(&str, &str)] =
    &[("UGM3", "`450.00` is a float in the YAML 1.2 core schema (JSON 450.0); in.json writes 450")];

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/external/yaml-test-suite")
}

struct Case {
    id: String,
    error: bool,
    dir: PathBuf,
}

fn cases(root: &Path) -> Vec<Case> {
    let list = std::fs::read_to_string(root.join("cases.tsv")).unwrap_or_default();
    let mut cases = Vec::new();
    for line in list.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(id), Some(status), Some(path)) = (cols.first(), cols.get(1), cols.get(2)) else {
            continue;
        };
        let yaml = root.join(path);
        let Some(dir) = yaml.parent() else { continue };
        cases.push(Case { id: (*id).to_string(), error: *status == "error", dir: dir.to_path_buf() });
    }
    cases
}

fn listed(list: &[(&str, &str)], id: &str) -> bool {
    list.iter().any(|(i, _)| *i == id)
}

/// Every span in `doc` lies inside `text`, on character boundaries.
fn spans_ok(text: &str, doc: &Node) -> bool {
    let ok = |s: anzen::kernel::source::Span| {
        s.start <= s.end && text.get(s.start as usize..s.end as usize).is_some()
    };
    let mut stack = vec![doc];
    while let Some(node) = stack.pop() {
        if !ok(node.span) {
            return false;
        }
        match &node.value {
            NodeValue::Seq(items) => stack.extend(items),
            NodeValue::Map(entries) => {
                for e in entries {
                    if !ok(e.key_span) {
                        return false;
                    }
                    stack.push(&e.value);
                }
            }
            _ => {}
        }
    }
    true
}

fn json_documents(text: &str) -> Option<Vec<serde_json::Value>> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .collect::<Result<Vec<_>, _>>()
        .ok()
}

#[test]
#[allow(clippy::print_stderr)]
fn yaml_test_suite() {
    let root = suite_dir();
    if !root.join("cases.tsv").is_file() {
        eprintln!("yaml-test-suite not found at {}: skipped", root.display());
        return;
    }
    let cases = cases(&root);
    assert!(cases.len() > 300, "only {} cases listed", cases.len());
    let limits = Limits::default();
    let mut failures: Vec<String> = Vec::new();
    let mut panics: Vec<String> = Vec::new();
    let (mut ok, mut err, mut compared) = (0, 0, 0);

    for case in &cases {
        let id = case.id.as_str();
        let Ok(text) = std::fs::read_to_string(case.dir.join("in.yaml")) else {
            failures.push(format!("{id}: in.yaml unreadable"));
            continue;
        };
        let Ok(result) = catch_unwind(AssertUnwindSafe(|| parse(&text, &limits))) else {
            panics.push(id.to_string());
            continue;
        };
        match (&result, case.error) {
            (Err(e), true) => {
                err += 1;
                let inside = e.span.start <= e.span.end
                    && text.get(e.span.start as usize..e.span.end as usize).is_some();
                if !inside {
                    failures.push(format!("{id}: error span {:?} outside the text", e.span));
                }
                if matches!(
                    e.kind,
                    YamlErrorKind::AliasLimit | YamlErrorKind::DepthLimit | YamlErrorKind::DocumentLimit
                ) {
                    failures.push(format!("{id}: rejected by a limit, not as invalid: {e:?}"));
                }
                if listed(ACCEPTED_ERRORS, id) {
                    failures.push(format!("{id}: now rejected, remove it from ACCEPTED_ERRORS"));
                }
            }
            (Ok(_), true) => {
                ok += 1;
                if !listed(ACCEPTED_ERRORS, id) {
                    failures.push(format!("{id}: error case accepted"));
                }
            }
            (Err(e), false) => {
                err += 1;
                if !listed(REJECTED_OK, id) {
                    failures.push(format!("{id}: ok case rejected: {e:?}"));
                } else if !matches!(
                    e.kind,
                    YamlErrorKind::UnsupportedKey | YamlErrorKind::DuplicateKey { .. }
                ) {
                    failures.push(format!("{id}: rejected for an unexpected reason: {e:?}"));
                }
            }
            (Ok(docs), false) => {
                ok += 1;
                if listed(REJECTED_OK, id) {
                    failures.push(format!("{id}: now loads, remove it from REJECTED_OK"));
                }
                if !docs.iter().all(|d| spans_ok(&text, d)) {
                    failures.push(format!("{id}: a span lies outside the text"));
                }
                let Ok(json) = std::fs::read_to_string(case.dir.join("in.json")) else {
                    continue;
                };
                let Some(expected) = json_documents(&json) else {
                    failures.push(format!("{id}: in.json unreadable"));
                    continue;
                };
                compared += 1;
                let got: Vec<serde_json::Value> = docs.iter().map(Node::to_json).collect();
                let same = got == expected;
                match (same, listed(JSON_DIFFERENCES, id)) {
                    (false, false) => failures.push(format!(
                        "{id}: JSON differs\n  got:      {}\n  expected: {}",
                        serde_json::Value::Array(got),
                        serde_json::Value::Array(expected)
                    )),
                    (true, true) => {
                        failures.push(format!("{id}: JSON now equal, remove it from JSON_DIFFERENCES"));
                    }
                    _ => {}
                }
            }
        }
    }
    for (list, name) in [
        (ACCEPTED_ERRORS, "ACCEPTED_ERRORS"),
        (REJECTED_OK, "REJECTED_OK"),
        (JSON_DIFFERENCES, "JSON_DIFFERENCES"),
    ] {
        for (id, _) in list {
            if !cases.iter().any(|c| c.id == *id) {
                failures.push(format!("{id}: in {name} but not in the suite"));
            }
        }
    }
    eprintln!(
        "yaml-test-suite: {} cases, {ok} loaded, {err} rejected, {compared} compared with in.json \
         (allowed: {} accepted errors, {} rejected ok cases, {} JSON differences)",
        cases.len(),
        ACCEPTED_ERRORS.len(),
        REJECTED_OK.len(),
        JSON_DIFFERENCES.len()
    );
    assert!(panics.is_empty(), "parse panicked on: {}", panics.join(", "));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

//! Validate: every document against its kind's JSON Schema (DOC-002), dates
//! in the future (DOC-006), and the *view* rules read.
//!
//! Schemas are embedded and compiled once ([`Schemas`]), for the spanned
//! tree itself ([`crate::document::tree`]). The view of a document is its tree
//! with what SPEC counts as missing taken out: values
//! that broke the schema (a field of the wrong type counts as missing), empty
//! strings, and empty lists (except `services: []`, which records a review
//! that found nothing running).

use crate::document::Document;
use crate::document::node::{Node, NodeValue};
use crate::document::pointer::{self, tokens};
use crate::document::schemas::{Schemas, violations};
use crate::kernel::date::Date;
use crate::kernel::finding::{Finding, Text};
use crate::rules::catalog::Catalog;
use crate::rules::doc::Doc;

/// The fields DOC-002 reported (per file, by pointer): a rule finding at
/// such a field, or below it, repeats what DOC-002 said and is dropped.
#[derive(Debug, Default)]
pub struct Reported(std::collections::HashMap<crate::kernel::source::FileId, Vec<String>>);

impl Reported {
    /// Drops the rule findings about fields DOC-002 already reported.
    pub fn drop_repeats(&self, findings: &mut Vec<Finding>) {
        if self.0.is_empty() {
            return;
        }
        // Per file, the reported fields as a set: a finding is looked up by
        // each of its pointer's prefixes (findings × fields would be
        // quadratic in a big ledger with many schema errors).
        let fields: std::collections::HashMap<_, std::collections::HashSet<&str>> = self
            .0
            .iter()
            .map(|(file, fields)| (*file, fields.iter().map(String::as_str).collect()))
            .collect();
        findings.retain(|f| {
            let (Some(at), Some(fields)) = (f.pointer.as_deref(), fields.get(&f.file)) else {
                return true;
            };
            f.rule.id.starts_with("DOC-")
                || !at
                    .match_indices('/')
                    .map(|(i, _)| &at[..i])
                    .chain([at])
                    .any(|prefix| fields.contains(prefix))
        });
    }
}

/// What rules read of a document: its tree without the nodes that failed
/// the schema and without empty values; borrowed when that is the tree
/// itself (the common case), so nothing is copied.
pub type View<'d> = std::borrow::Cow<'d, Node>;

/// Checks each document: DOC-002 and DOC-006 findings, and the view per
/// document (same order as `docs`).
pub fn check<'d>(
    docs: &[&'d Document],
    schemas: &Schemas,
    catalog: &Catalog,
    as_of: Date,
) -> (Vec<Finding>, Vec<View<'d>>, Reported) {
    use rayon::prelude::*;
    let results: Vec<(Vec<Finding>, View<'d>, Vec<String>)> =
        docs.par_iter().map(|doc| check_one(doc, schemas, catalog, as_of)).collect();
    let mut findings = Vec::new();
    let mut views = Vec::with_capacity(results.len());
    let mut reported = Reported::default();
    for (doc, (f, v, fields)) in docs.iter().zip(results) {
        findings.extend(f);
        views.push(v);
        if !fields.is_empty() {
            reported.0.entry(doc.file).or_default().extend(fields);
        }
    }
    (findings, views, reported)
}

fn check_one<'d>(
    doc: &'d Document,
    schemas: &Schemas,
    catalog: &Catalog,
    as_of: Date,
) -> (Vec<Finding>, View<'d>, Vec<String>) {
    let mut findings = Vec::new();
    let mut prune = Vec::new();
    let mut fields = Vec::new();
    // `anzen init`'s placeholders left as they are: not filled in, so
    // missing (one finding each, instead of the type error `beds:
    // （許可病床数を記入）` also is).
    let placeholders = placeholders(&doc.root);
    for (ptr, value) in &placeholders {
        let field = tokens(ptr).filter(|t| t.parse::<usize>().is_err()).last().unwrap_or_default();
        let message = Text::new(
            format!("`{field}` がひな形の「{value}」のままです"),
            format!("`{field}` still holds the template's placeholder \"{value}\""),
        );
        let span = pointer::locate(&doc.root, ptr).span;
        findings.push(Finding {
            help: Some(Text::new("実際の値を記入してください。", "write the real value")),
            pointer: Some(ptr.clone()),
            ..catalog.finding(Doc::SchemaViolation, doc.file, span, message)
        });
        fields.push(ptr.clone());
        prune.push(ptr.clone());
    }
    for v in violations(schemas, doc.kind, &doc.root) {
        if v.key.is_none() && placeholders.iter().any(|(p, _)| *p == v.pointer) {
            continue;
        }
        fields.extend(v.field.clone());
        let span = match &v.key {
            Some(key) => pointer::locate_key(&doc.root, &v.pointer, key),
            None => pointer::locate(&doc.root, &v.pointer).span,
        };
        let full = match &v.key {
            Some(key) => format!("{}/{}", v.pointer, pointer::escape(key)),
            None => v.pointer.clone(),
        };
        if v.prune || v.key.is_some() {
            prune.push(full.clone());
        }
        findings.push(Finding {
            help: v.help,
            pointer: Some(full),
            ..catalog.finding(Doc::SchemaViolation, doc.file, span, v.message)
        });
    }
    let view = if prune.is_empty() && !needs_normalizing(&doc.root) {
        View::Borrowed(&doc.root)
    } else {
        let mut view = doc.root.clone();
        // Deepest first, and lists from the back, so indexes stay valid.
        prune.sort_by(|a, b| pointer_order(b, a));
        for p in &prune {
            remove(&mut view, p);
        }
        normalize(&mut view);
        View::Owned(view)
    };
    for (ptr, value) in future_dates(&doc.root, as_of) {
        let message = Text::new(
            format!("日付 {value} が評価日 {as_of} より後です（入力の誤りではありませんか）"),
            format!("date {value} is later than the evaluation date {as_of} (a typo?)"),
        );
        let span = pointer::locate(&doc.root, &ptr).span;
        findings.push(Finding {
            pointer: Some(ptr),
            ..catalog.finding(Doc::DateInFuture, doc.file, span, message)
        });
    }
    (findings, view, fields)
}

/// Removes the node at `pointer` from `value` (no-op when absent).
fn remove(value: &mut Node, pointer: &str) {
    let toks: Vec<String> = tokens(pointer).collect();
    let Some((last, parents)) = toks.split_last() else { return };
    let mut node = value;
    for t in parents {
        let next = match &mut node.value {
            NodeValue::Map(m) => m.iter_mut().find(|e| e.key == *t).map(|e| &mut e.value),
            NodeValue::Seq(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return,
        }
    }
    match &mut node.value {
        NodeValue::Map(m) => m.retain(|e| e.key != *last),
        NodeValue::Seq(a) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < a.len()) {
                // A broken item in a list of mappings becomes `{}`, so the
                // other items keep their indexes (and their locations); a
                // broken scalar is simply dropped.
                if a.iter().any(|n| n.as_map().is_some()) {
                    a[i].value = NodeValue::Map(Vec::new());
                } else {
                    a.remove(i);
                }
            }
        }
        _ => {}
    }
}

/// Orders pointers token by token, numerically where both tokens are.
fn pointer_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |p: &str| -> Vec<(u8, usize, String)> {
        tokens(p)
            .map(|t| match t.parse::<usize>() {
                Ok(n) => (0, n, String::new()),
                Err(_) => (1, 0, t),
            })
            .collect()
    };
    key(a).cmp(&key(b))
}

/// Whether [`normalize`] would change `value`.
fn needs_normalizing(value: &Node) -> bool {
    match &value.value {
        NodeValue::Map(map) => map.iter().any(|e| match &e.value.value {
            NodeValue::String(s) => s.is_empty(),
            NodeValue::Seq(a) if a.is_empty() => e.key != "services",
            _ => needs_normalizing(&e.value),
        }),
        NodeValue::Seq(items) => items.iter().any(needs_normalizing),
        _ => false,
    }
}

/// Drops empty strings and empty lists (but not `services: []`) from
/// mappings, recursively.
fn normalize(value: &mut Node) {
    match &mut value.value {
        NodeValue::Map(map) => {
            map.retain_mut(|e| {
                normalize(&mut e.value);
                match &e.value.value {
                    NodeValue::String(s) => !s.is_empty(),
                    NodeValue::Seq(a) => !a.is_empty() || e.key == "services",
                    _ => true,
                }
            });
        }
        NodeValue::Seq(items) => {
            for item in items.iter_mut() {
                normalize(item);
            }
        }
        _ => {}
    }
}

/// Keys whose dates lie in the future by design (SPEC §2).
const FUTURE_DATE_KEYS: [&str; 3] = ["support_ends_on", "planned_by", "expires_on"];

/// `(pointer, date)` of every event date later than `as_of`: values of keys
/// ending in `_on` or named `date`, outside `x-*` notes.
fn future_dates(value: &Node, as_of: Date) -> Vec<(String, String)> {
    let mut out = Vec::new();
    each_string(value, |path, key, s| {
        let Some(k) = key else { return };
        let is_date_key = (k.ends_with("_on") || k == "date") && !FUTURE_DATE_KEYS.contains(&k);
        if is_date_key && s.parse::<Date>().is_ok_and(|d| d > as_of) {
            out.push((path.pointer(), s.to_owned()));
        }
    });
    out
}

/// A step of the path to a node: a mapping key or a list index.
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// The path to the node being visited, spelled out as a JSON pointer only
/// on demand (for the few nodes reported).
struct Path<'a>(Vec<Seg<'a>>);

impl Path<'_> {
    fn pointer(&self) -> String {
        let mut p = String::new();
        for seg in &self.0 {
            p.push('/');
            match seg {
                Seg::Key(k) => p.push_str(&pointer::escape(k)),
                Seg::Index(i) => p.push_str(&i.to_string()),
            }
        }
        p
    }
}

/// Visits every string value of `value` outside `x-*` notes, in document
/// order, with its path and, for a mapping value, its key.
fn each_string<'n>(value: &'n Node, mut visit: impl FnMut(&Path<'n>, Option<&'n str>, &'n str)) {
    let mut path = Path(Vec::new());
    let mut stack: Vec<(usize, Option<Seg<'n>>, &'n Node)> = vec![(0, None, value)];
    let nested = |n: &Node| matches!(n.value, NodeValue::Map(_) | NodeValue::Seq(_) | NodeValue::String(_));
    while let Some((depth, seg, v)) = stack.pop() {
        path.0.truncate(depth);
        if let Some(seg) = seg {
            path.0.push(seg);
        }
        let depth = path.0.len();
        match &v.value {
            NodeValue::String(s) => {
                let key = match path.0.last() {
                    Some(Seg::Key(k)) => Some(*k),
                    _ => None,
                };
                visit(&path, key, s);
            }
            NodeValue::Map(map) => {
                for e in map.iter().rev().filter(|e| !e.key.starts_with("x-") && nested(&e.value)) {
                    stack.push((depth, Some(Seg::Key(&e.key)), &e.value));
                }
            }
            NodeValue::Seq(items) => {
                for (i, child) in items.iter().enumerate().rev().filter(|(_, c)| nested(c)) {
                    stack.push((depth, Some(Seg::Index(i)), child));
                }
            }
            _ => {}
        }
    }
}

/// A value `anzen init`'s templates write for the user to replace:
/// 「（病院名を記入）」 or `(病院名を記入)`.
pub fn is_placeholder(s: &str) -> bool {
    let s = s.trim();
    let inner = s
        .strip_prefix('（')
        .and_then(|r| r.strip_suffix('）'))
        .or_else(|| s.strip_prefix('(').and_then(|r| r.strip_suffix(')')));
    inner.map(str::trim).is_some_and(|i| {
        let what = i.strip_suffix("を記入してください").or_else(|| i.strip_suffix("を記入"));
        what.is_some_and(|w| !w.is_empty())
    })
}

/// The placeholders ([`is_placeholder`]) among the string values of
/// `value` (outside `x-` notes): pointer and text, in document order.
fn placeholders(value: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    each_string(value, |path, _, s| {
        if is_placeholder(s) {
            out.push((path.pointer(), s.to_owned()));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalize_drops_empty_values_but_keeps_services() {
        let mut v =
            Node::from_json(&json!({"a": "", "b": [], "services": [], "c": {"d": ""}, "e": [{"f": ""}]}));
        assert!(needs_normalizing(&v));
        normalize(&mut v);
        assert!(!needs_normalizing(&v));
        assert_eq!(v.to_json(), json!({"services": [], "c": {}, "e": [{}]}));
    }

    #[test]
    fn remove_deletes_keys_and_keeps_mapping_indexes() {
        let mut v =
            Node::from_json(&json!({"a": {"b": 1, "c": 2}, "l": [1, 2], "m": [{"x": 1}, 7, {"y": 2}]}));
        remove(&mut v, "/a/b");
        remove(&mut v, "/l/0");
        remove(&mut v, "/m/1");
        remove(&mut v, "/nothere/x");
        assert_eq!(v.to_json(), json!({"a": {"c": 2}, "l": [2], "m": [{"x": 1}, {}, {"y": 2}]}));
    }

    #[test]
    fn pointers_order_numerically() {
        let mut p = vec!["/a/9", "/a/10", "/a/2/x", "/b"];
        p.sort_by(|a, b| pointer_order(b, a));
        assert_eq!(p, ["/b", "/a/10", "/a/9", "/a/2/x"]);
    }

    #[test]
    fn placeholders_are_the_templates_fill_in_values() {
        for yes in ["（病院名を記入）", "(病院名を記入)", " （ 氏名を記入してください ） "]
        {
            assert!(is_placeholder(yes), "{yes}");
        }
        for no in ["病院名を記入", "（記入）", "（病院名）", "東京（本院）", "(記入済み)", ""]
        {
            assert!(!is_placeholder(no), "{no}");
        }
        let v = Node::from_json(&json!({
            "name": "（病院名を記入）",
            "beds": "(許可病床数を記入)",
            "members": ["a", "（氏名を記入）"],
            "x-note": "（メモを記入）",
            "nested": {"title": "院長"}
        }));
        let found: Vec<String> = placeholders(&v).into_iter().map(|(p, _)| p).collect();
        assert_eq!(found.len(), 3, "{found:?}");
        for p in ["/name", "/beds", "/members/1"] {
            assert!(found.iter().any(|f| f == p), "{p}: {found:?}");
        }
    }

    #[test]
    fn future_dates_skip_forward_looking_keys_and_notes() {
        let v = Node::from_json(&json!({
            "reviewed_on": "2030-01-01",
            "os": {"support_ends_on": "2030-01-01"},
            "drills": [{"date": "2029-01-01"}, {"date": "2020-01-01"}],
            "x-note": {"checked_on": "2031-01-01"}
        }));
        let as_of: Date = "2025-06-30".parse().unwrap();
        let found: Vec<String> = future_dates(&v, as_of).into_iter().map(|(p, _)| p).collect();
        assert_eq!(found, ["/reviewed_on", "/drills/0/date"]);
    }
}

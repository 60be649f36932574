//! Validate: every document against its kind's JSON Schema (DOC-002), dates
//! in the future (DOC-006), and the *view* rules read.
//!
//! Schemas are embedded and compiled once ([`Schemas`]), for the spanned
//! tree itself ([`crate::load::schema`]). The view of a document is its tree
//! with what SPEC counts as missing taken out: values
//! that broke the schema (a field of the wrong type counts as missing), empty
//! strings, and empty lists (except `services: []`, which records a review
//! that found nothing running).

use std::collections::HashMap;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::catalog::{Catalog, SCHEMA_FILES};
use crate::date::Date;
use crate::error::Fatal;
use crate::finding::{Finding, Text};
use crate::load::Document;
use crate::load::node::{Node, NodeValue};
use crate::load::pointer::{self, tokens};
use crate::load::schema::{self, Tree};
use crate::model::Kind;

/// Every embedded schema, compiled once.
pub struct Schemas {
    validators: HashMap<Kind, (Value, Validator<Tree>)>,
    rule: (Value, Validator<Tree>),
}

impl Schemas {
    pub fn load() -> Result<Schemas, Fatal> {
        use rayon::prelude::*;
        let mut validators = HashMap::new();
        let mut rule = None;
        type Compiled<'n> = (&'n str, Value, Validator<Tree>);
        let compiled: Vec<Result<Compiled<'_>, Fatal>> = SCHEMA_FILES
            .par_iter()
            .map(|(name, text)| {
                let schema: Value = serde_json::from_str(text)
                    .map_err(|e| Fatal::Internal(format!("schema {name} is not JSON: {e}")))?;
                let validator = schema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&schema)
                    .map_err(|e| Fatal::Internal(format!("schema {name} does not compile: {e}")))?;
                Ok((*name, schema, validator))
            })
            .collect();
        for result in compiled {
            let (name, schema, validator) = result?;
            let stem = name.trim_end_matches(".schema.json");
            if stem == "rule" {
                rule = Some((schema, validator));
            } else if let Some(kind) = Kind::parse(stem) {
                validators.insert(kind, (schema, validator));
            }
        }
        for kind in Kind::ALL {
            if !validators.contains_key(&kind) {
                return Err(Fatal::Internal(format!("no embedded schema for {kind}")));
            }
        }
        let rule = rule.ok_or_else(|| Fatal::Internal("no embedded rule schema".into()))?;
        Ok(Schemas { validators, rule })
    }

    pub fn validator(&self, kind: Kind) -> &Validator<Tree> {
        &self.validators[&kind].1
    }

    pub fn schema(&self, kind: Kind) -> &Value {
        &self.validators[&kind].0
    }

    pub fn rule(&self) -> &Validator<Tree> {
        &self.rule.1
    }

    /// The first problem of a rule file's `root` against the rule schema:
    /// its pointer and what is wrong, in both languages.
    pub fn rule_violation(&self, root: &Node) -> Option<(String, Text)> {
        let err = self.rule.1.iter_errors(root).next()?;
        let v = describe(&err, &self.rule.0).into_iter().next()?;
        Some((v.pointer, v.message))
    }
}

/// One schema violation, described for users.
pub struct Violation {
    /// Pointer of the node the finding is about.
    pub pointer: String,
    /// For unknown keys: the key (the finding points at the key itself).
    pub key: Option<String>,
    pub message: Text,
    pub help: Option<Text>,
    /// Whether the value at `pointer` is unusable (removed from the view).
    pub prune: bool,
    /// The field this violation reports as unusable, missing or (an
    /// unknown key that is a likely misspelling of it) misspelled: rules do
    /// not report it again (SPEC §2 evaluation details).
    pub field: Option<String>,
}

/// The fields DOC-002 reported (per file, by pointer): a rule finding at
/// such a field, or below it, repeats what DOC-002 said and is dropped.
#[derive(Debug, Default)]
pub struct Reported(std::collections::HashMap<crate::source::FileId, Vec<String>>);

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
            ..catalog.finding("DOC-002", doc.file, span, message)
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
            ..catalog.finding("DOC-002", doc.file, span, v.message)
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
        findings.push(Finding { pointer: Some(ptr), ..catalog.finding("DOC-006", doc.file, span, message) });
    }
    (findings, view, fields)
}

/// The schema violations of `value` as a document of `kind`, one per node
/// (the first error at a pointer wins), in a stable order.
pub fn violations(schemas: &Schemas, kind: Kind, value: &Node) -> Vec<Violation> {
    // Most documents are valid, and answering that is much cheaper than
    // collecting errors with their paths.
    if schemas.validator(kind).is_valid(value) {
        return Vec::new();
    }
    let schema = schemas.schema(kind);
    let mut out: Vec<Violation> = Vec::new();
    let mut seen_values: std::collections::HashSet<String> = std::collections::HashSet::new();
    for err in schemas.validator(kind).iter_errors(value) {
        for v in describe(&err, schema) {
            if v.key.is_none()
                && !matches!(err.kind(), ValidationErrorKind::Required { .. })
                && !seen_values.insert(v.pointer.clone())
            {
                continue;
            }
            out.push(v);
        }
    }
    // One mistake, one finding: a missing required key that an unknown key
    // beside it misspells is said by the unknown key's finding (which
    // points at the typo and suggests the right name).
    let misspelt: std::collections::HashSet<String> =
        out.iter().filter(|v| v.key.is_some()).filter_map(|v| v.field.clone()).collect();
    out.retain(|v| {
        let required = v.key.is_none() && v.field.as_ref().is_some_and(|f| *f != v.pointer);
        !(required && v.field.as_ref().is_some_and(|f| misspelt.contains(f)))
    });
    out.sort_by(|a, b| (&a.pointer, &a.key).cmp(&(&b.pointer, &b.key)));
    out
}

fn describe(err: &ValidationError<'_>, schema: &Value) -> Vec<Violation> {
    let pointer = err.instance_path().as_str().to_owned();
    let instance = err.instance();
    let shown = preview(instance);
    let one = |message: Text, help: Option<Text>, prune: bool| {
        let field = prune.then(|| pointer.clone());
        vec![Violation { pointer: pointer.clone(), key: None, message, help, prune, field }]
    };
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let allowed = allowed_keys(schema, err.schema_path().as_str());
            unexpected
                .iter()
                .map(|key| {
                    let shown = clip(key);
                    let suggestion = closest(key, allowed.iter().map(String::as_str));
                    // A likely misspelling of a key that is not there.
                    let field = suggestion
                        .filter(|s| instance.get(*s).is_none())
                        .map(|s| format!("{pointer}/{}", pointer::escape(s)));
                    let help = match suggestion {
                        Some(s) => Text::new(
                            format!("`{s}` の書き間違いではありませんか。自由記述のメモは `x-` で始まるキーに書けます。"),
                            format!("did you mean `{s}`? Free notes can go under a key starting with `x-`"),
                        ),
                        None => Text::new(
                            format!("使えるキー: {}。自由記述のメモは `x-` で始まるキーに書けます。", allowed.join(", ")),
                            format!("allowed keys: {}. Free notes can go under a key starting with `x-`", allowed.join(", ")),
                        ),
                    };
                    Violation {
                        pointer: pointer.clone(),
                        key: Some(key.clone()),
                        message: Text::new(format!("未知のキー `{shown}` です"), format!("unknown key `{shown}`")),
                        help: Some(help),
                        prune: false,
                        field,
                    }
                })
                .collect()
        }
        ValidationErrorKind::Required { property } => {
            let p = property.as_str().unwrap_or("?");
            vec![Violation {
                pointer: pointer.clone(),
                key: None,
                message: Text::new(
                    format!("必須のキー `{p}` がありません"),
                    format!("missing required key `{p}`"),
                ),
                help: None,
                prune: false,
                field: Some(format!("{pointer}/{}", pointer::escape(p))),
            }]
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => vec![t.to_string()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
            };
            let ja_types: Vec<&str> = expected.iter().map(|t| type_ja(t)).collect();
            let help = type_help(instance, &expected);
            one(
                Text::new(
                    format!("{shown} は{}ではありません", ja_types.join("・")),
                    format!("{shown} is not of type {}", expected.join(" or ")),
                ),
                help,
                true,
            )
        }
        ValidationErrorKind::Enum { options } => {
            let opts: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_owned)).collect())
                .unwrap_or_default();
            let suggestion = instance.as_str().and_then(|s| closest(s, opts.iter().map(String::as_str)));
            let mut help = type_help(instance, &[]);
            if let (None, Some(s)) = (&help, suggestion) {
                help = Some(Text::new(format!("`{s}` ではありませんか。"), format!("did you mean `{s}`?")));
            }
            one(
                Text::new(
                    format!("{shown} は使えません（使える値: {}）", opts.join(", ")),
                    format!("{shown} is not allowed (allowed: {})", opts.join(", ")),
                ),
                help,
                true,
            )
        }
        ValidationErrorKind::Constant { expected_value } => one(
            Text::new(
                format!("{shown} ではなく {expected_value} と書いてください"),
                format!("{shown} must be {expected_value}"),
            ),
            None,
            true,
        ),
        ValidationErrorKind::Format { format } if format == "date" => date_violation(&pointer, &shown),
        ValidationErrorKind::Pattern { pattern } if pattern.contains("[0-9]{4}-[0-9]{2}-[0-9]{2}") => {
            date_violation(&pointer, &shown)
        }
        ValidationErrorKind::Pattern { pattern } => one(
            Text::new(
                format!("{shown} は形式 `{pattern}` に合いません"),
                format!("{shown} does not match the pattern `{pattern}`"),
            ),
            None,
            true,
        ),
        ValidationErrorKind::Minimum { limit } => one(
            Text::new(
                format!("{shown} は {limit} 以上でなければなりません"),
                format!("{shown} must be at least {limit}"),
            ),
            None,
            true,
        ),
        ValidationErrorKind::Maximum { limit } => one(
            Text::new(
                format!("{shown} は {limit} 以下でなければなりません"),
                format!("{shown} must be at most {limit}"),
            ),
            None,
            true,
        ),
        // A key of the wrong form (`rules:` in anzen.yaml takes rule ids).
        ValidationErrorKind::PropertyNames { error } => {
            let key = error.instance().as_str().unwrap_or_default();
            let shown = clip(key);
            let (ja, en) = match error.kind() {
                ValidationErrorKind::Pattern { pattern } => (
                    format!("キー `{shown}` は形式 `{pattern}` に合いません"),
                    format!("key `{shown}` does not match the pattern `{pattern}`"),
                ),
                _ => (format!("キー `{shown}` は使えません"), format!("key `{shown}` is not allowed")),
            };
            vec![Violation {
                pointer: pointer.clone(),
                key: Some(key.to_owned()),
                message: Text::new(ja, en),
                help: None,
                prune: false,
                field: None,
            }]
        }
        ValidationErrorKind::MinLength { .. } => {
            one(Text::new("空にはできません", "must not be empty"), None, true)
        }
        _ => {
            let detail = err.masked().to_string();
            one(Text::new(format!("スキーマ違反: {detail}"), detail), None, true)
        }
    }
}

fn date_violation(pointer: &str, shown: &str) -> Vec<Violation> {
    vec![Violation {
        pointer: pointer.to_owned(),
        key: None,
        message: Text::new(
            format!("{shown} は正しい日付ではありません"),
            format!("{shown} is not a valid date"),
        ),
        help: Some(Text::new(
            "日付は YYYY-MM-DD（例: 2025-04-01）で、実在する日を書いてください。",
            "write dates as YYYY-MM-DD (e.g. 2025-04-01), and a day that exists",
        )),
        prune: true,
        field: Some(pointer.to_owned()),
    }]
}

fn type_ja(t: &str) -> &'static str {
    match t {
        "string" => "文字列",
        "integer" => "整数",
        "number" => "数値",
        "boolean" => "真偽値（true/false）",
        "object" => "マッピング",
        "array" => "リスト",
        "null" => "null",
        _ => "指定の型",
    }
}

/// Hints for the commonest type mistakes in hand-written YAML.
fn type_help(instance: &Value, expected: &[String]) -> Option<Text> {
    const YAML11_BOOLS: [&str; 16] =
        ["yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF", "Y", "N"];
    match instance {
        Value::String(s) if YAML11_BOOLS.contains(&s.as_str()) => Some(Text::new(
            format!(
                "YAML 1.2 では `{s}` は文字列です（YAML 1.1 では真偽値でした）。true か false と書いてください。"
            ),
            format!("`{s}` is a string in YAML 1.2 (it was a boolean in YAML 1.1); write true or false"),
        )),
        Value::String(s) if ["はい", "いいえ", "有", "無", "あり", "なし"].contains(&s.as_str()) => {
            Some(Text::new(
                format!("`{s}` は文字列です。true か false と書いてください。"),
                format!("`{s}` is a string; write true or false"),
            ))
        }
        Value::String(s) if expected.iter().any(|t| t == "integer") && s.trim().parse::<i64>().is_ok() => {
            Some(Text::new(
                "引用符で囲むと文字列になります。引用符を外してください。",
                "quotes make it a string; remove them",
            ))
        }
        Value::Number(_) if expected.iter().any(|t| t == "string") => Some(Text::new(
            "数字だけの値は数値になります。文字列にするには引用符で囲んでください（例: \"0123\"）。",
            "a value of digits is a number; quote it to make it a string (e.g. \"0123\")",
        )),
        _ => None,
    }
}

fn preview(v: &Value) -> String {
    match v {
        Value::Object(_) => "mapping".to_owned(),
        Value::Array(_) => "list".to_owned(),
        Value::String(s) => format!("`{}`", clip(s)),
        other => format!("`{}`", clip(&other.to_string())),
    }
}

/// `s` cut to 40 characters (hostile input may hold megabyte-long keys).
pub fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// The property names allowed where an `additionalProperties` error arose,
/// read from the schema along the error's schema path (following local `$ref`s).
fn allowed_keys(schema: &Value, schema_path: &str) -> Vec<String> {
    let mut node = schema;
    let toks: Vec<String> = tokens(schema_path).collect();
    let stop = toks.iter().rposition(|t| t == "additionalProperties" || t == "unevaluatedProperties");
    for t in toks.iter().take(stop.unwrap_or(toks.len())) {
        if t == "$ref" {
            let Some(target) = node.get("$ref").and_then(Value::as_str) else { return Vec::new() };
            let Some(local) = target.strip_prefix('#') else { return Vec::new() };
            match schema.pointer(local) {
                Some(n) => node = n,
                None => return Vec::new(),
            }
            continue;
        }
        match node.get(t.as_str()).or_else(|| t.parse::<usize>().ok().and_then(|i| node.get(i))) {
            Some(n) => node = n,
            None => return Vec::new(),
        }
    }
    if let Some(target) = node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#'))
        && let Some(n) = schema.pointer(target)
    {
        node = n;
    }
    node.get("properties").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

/// The candidate closest to `word` by edit distance, if close enough.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    if word.len() > 64 {
        return None; // not a typo; and edit distance is quadratic
    }
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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
    enum Seg<'a> {
        Key(&'a str),
        Index(usize),
    }
    let mut out = Vec::new();
    // The path to the node being visited; pointers are spelled out only for
    // the (rare) dates found.
    let mut path: Vec<Seg<'_>> = Vec::new();
    let mut stack: Vec<(usize, Option<Seg<'_>>, &Node)> = vec![(0, None, value)];
    while let Some((depth, seg, v)) = stack.pop() {
        path.truncate(depth);
        if let Some(seg) = seg {
            path.push(seg);
        }
        let depth = path.len();
        match &v.value {
            NodeValue::Map(map) => {
                for e in map.iter().rev() {
                    let (k, child) = (&e.key, &e.value);
                    if k.starts_with("x-") {
                        continue;
                    }
                    if let NodeValue::String(s) = &child.value {
                        let is_date_key =
                            (k.ends_with("_on") || k == "date") && !FUTURE_DATE_KEYS.contains(&k.as_str());
                        if is_date_key && s.parse::<Date>().is_ok_and(|d| d > as_of) {
                            let mut p = String::new();
                            for seg in &path {
                                p.push('/');
                                match seg {
                                    Seg::Key(k) => p.push_str(&pointer::escape(k)),
                                    Seg::Index(i) => p.push_str(&i.to_string()),
                                }
                            }
                            p.push('/');
                            p.push_str(&pointer::escape(k));
                            out.push((p, s.to_string()));
                        }
                    } else if matches!(child.value, NodeValue::Map(_) | NodeValue::Seq(_)) {
                        stack.push((depth, Some(Seg::Key(k)), child));
                    }
                }
            }
            NodeValue::Seq(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    if matches!(child.value, NodeValue::Map(_) | NodeValue::Seq(_)) {
                        stack.push((depth, Some(Seg::Index(i)), child));
                    }
                }
            }
            _ => {}
        }
    }
    out
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
    // (pointer of the node, node); pointers are short and few per document.
    let mut stack: Vec<(String, &Node)> = vec![(String::new(), value)];
    while let Some((at, node)) = stack.pop() {
        match &node.value {
            NodeValue::String(s) if is_placeholder(s) => out.push((at, s.to_string())),
            NodeValue::Map(map) => {
                for e in map.iter().rev().filter(|e| !e.key.starts_with("x-")) {
                    if matches!(e.value.value, NodeValue::Map(_) | NodeValue::Seq(_) | NodeValue::String(_)) {
                        stack.push((format!("{at}/{}", pointer::escape(&e.key)), &e.value));
                    }
                }
            }
            NodeValue::Seq(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    if matches!(child.value, NodeValue::Map(_) | NodeValue::Seq(_) | NodeValue::String(_)) {
                        stack.push((format!("{at}/{i}"), child));
                    }
                }
            }
            _ => {}
        }
    }
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

    #[test]
    fn closest_suggests_near_misses_only() {
        let keys = ["generations", "copies", "restore"];
        assert_eq!(closest("generation", keys.into_iter()), Some("generations"));
        assert_eq!(closest("zzz", keys.into_iter()), None);
    }
}

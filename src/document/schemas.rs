//! The embedded JSON Schemas of the document kinds and of rule files,
//! compiled once ([`Schemas`]), and schema violations described for people
//! ([`violations`], in Japanese and English, with hints).

use std::collections::HashMap;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::document::model::Kind;
use crate::document::node::Node;
use crate::document::pointer::{self, tokens};
use crate::document::tree::{self, Tree};
use crate::kernel::assets::SCHEMA_FILES;
use crate::kernel::error::Fatal;
use crate::kernel::finding::Text;
use crate::kernel::text::{clip, closest};

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
                let validator = tree::options()
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

//! Reading a rule file into a [`Rule`]: the YAML parsed, validated against
//! the rule schema, checked against its file name, and its expressions
//! compiled (CEL conditions and `require` schemas now; message
//! interpolations now for user rules, on first use for built-in ones), each
//! distinct expression once per load ([`ProgramCache`]). A bad rule file is
//! a fatal error pointing into it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::document::model::Kind;
use crate::document::node::{Node, NodeValue};
use crate::document::pointer;
use crate::document::schemas::Schemas;
use crate::document::yaml::{self, Limits};
use crate::kernel::error::Fatal;
use crate::kernel::finding::{References, RuleInfo, Severity, SurveyRef, Text};
use crate::kernel::source::{SourceFile, Span};
use crate::rules::catalog::{Check, Expr, ForEach, MessageExpr, Origin, Piece, Rule, Template, Test};
use crate::rules::doc::Doc;

/// Compiled programs by source text, shared by the rule files of one load.
pub(super) type ProgramCache = std::sync::Mutex<HashMap<String, Arc<cel::Program>>>;

/// The serde shape of a rule file (strictness is the schema's job).
#[derive(Deserialize)]
struct RuleFile {
    id: String,
    name: String,
    severity: Severity,
    kinds: Vec<String>,
    title: Text,
    description: Text,
    message: Text,
    remediation: Text,
    references: References,
    survey: Option<SurveyRef>,
    #[serde(default)]
    applies_without_medical_systems: bool,
    #[serde(default = "yes")]
    suppressible: bool,
    checks: Option<Vec<CheckFile>>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct CheckFile {
    for_each: String,
    condition: Option<String>,
    require: Option<Value>,
    at: Option<String>,
    severity: Option<Severity>,
    message: Option<Text>,
}

/// The label of an error at a place in a file.
fn here() -> Text {
    Text::new("ここ", "here")
}

/// Context for reporting a problem in one rule file.
struct RuleSource<'a> {
    file: &'a SourceFile,
    root: &'a Node,
    cache: &'a ProgramCache,
    /// Compile message expressions now (user rules) rather than on first
    /// use (built-in rules, compiled by a test instead).
    eager_messages: bool,
}

impl RuleSource<'_> {
    fn error(&self, pointer: &str, message: Text, label: Text, help: Option<Text>) -> Fatal {
        let span = pointer::locate(self.root, pointer).span;
        Fatal::rule(self.file, span, message, label, help)
    }
}

pub(super) fn parse_rule(
    file: Arc<SourceFile>,
    origin: Origin,
    schemas: &Schemas,
    cache: &ProgramCache,
) -> Result<Rule, Fatal> {
    let docs = yaml::parse(file.text(), &Limits::default()).map_err(|e| {
        let (what, help) = crate::document::yaml_error_text(&e, &file);
        Fatal::rule(
            &file,
            e.span,
            Text::new(
                format!("{}: 規則ファイルの YAML が正しくありません（{}）", file.display(), what.ja),
                format!("{}: invalid YAML: {}", file.display(), what.en),
            ),
            here(),
            help,
        )
    })?;
    let [root] = docs.as_slice() else {
        return Err(Fatal::rule(
            &file,
            Span::point(0),
            Text::new(
                format!("{}: 規則ファイルには YAML の文書をちょうど一つ書いてください", file.display()),
                format!("{}: a rule file holds exactly one YAML document", file.display()),
            ),
            here(),
            None,
        ));
    };
    let src = RuleSource { file: &file, root, cache, eager_messages: origin != Origin::Builtin };
    if let Some((ptr, detail)) = schemas.rule_violation(root) {
        return Err(src.error(
            &ptr,
            Text::new(
                format!("{}: 規則ファイルとして正しくありません: {}", file.display(), detail.ja),
                format!("{}: not a valid rule file: {}", file.display(), detail.en),
            ),
            here(),
            Some(Text::new(
                "docs/rule-authoring.md と `anzen schema rule` を参照してください。",
                "see docs/rule-authoring.md and `anzen schema rule`",
            )),
        ));
    }
    let raw: RuleFile = serde_json::from_value(root.to_json()).map_err(|e| {
        src.error(
            "",
            Text::new(
                format!("{}: 規則ファイルとして読めません: {e}", file.display()),
                format!("{}: {e}", file.display()),
            ),
            here(),
            None,
        )
    })?;
    let stem = file.path().file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if stem != raw.id {
        return Err(src.error(
            "/id",
            Text::new(
                format!("規則の ID {} がファイル名 {stem} と一致しません", raw.id),
                format!("rule id {} does not match its file name {stem}", raw.id),
            ),
            Text::new("ID", "id"),
            Some(Text::new(
                format!("ファイル名を {}.yaml にしてください。", raw.id),
                format!("name the file {}.yaml", raw.id),
            )),
        ));
    }
    let kinds = raw.kinds.iter().filter_map(|k| Kind::parse(k)).collect();
    let checks = match raw.checks {
        None if origin == Origin::Builtin && Doc::parse(&raw.id).is_some() => Vec::new(),
        None => {
            return Err(src.error(
                "",
                Text::new(
                    format!("規則 {} に `checks` がありません", raw.id),
                    format!("rule {} has no `checks`", raw.id),
                ),
                Text::new("checks がありません", "checks missing"),
                Some(Text::new(
                    "`checks` を省けるのは anzen 自身の DOC 規則だけです。",
                    "only anzen's own DOC rules may omit `checks`",
                )),
            ));
        }
        Some(list) => {
            list.into_iter().enumerate().map(|(i, c)| compile_check(&src, i, c)).collect::<Result<_, _>>()?
        }
    };
    let message = compile_template(&src, "/message", &raw.message)?;
    Ok(Rule {
        info: Arc::new(RuleInfo {
            id: raw.id,
            name: raw.name,
            title: raw.title,
            remediation: raw.remediation,
            references: raw.references,
            survey: raw.survey,
            suppressible: raw.suppressible,
        }),
        severity: raw.severity,
        kinds,
        description: raw.description,
        message,
        applies_without_medical_systems: raw.applies_without_medical_systems,
        checks,
        origin,
        id_span: pointer::locate(root, "/id").span,
        source: file.clone(),
    })
}

fn compile_check(src: &RuleSource<'_>, i: usize, c: CheckFile) -> Result<Check, Fatal> {
    let base = format!("/checks/{i}");
    let for_each = ForEach::parse(&c.for_each).ok_or_else(|| {
        src.error(
            &format!("{base}/for_each"),
            Text::new(
                format!("`for_each: {}` は施設のどのリストも指していません", c.for_each),
                format!("`for_each: {}` names no list of the facility", c.for_each),
            ),
            Text::new("未知のパス", "unknown path"),
            Some(Text::new(
                "facility、リスト名（backups、assets、systems、vendors、external_connections、segments、wireless）に /* を付けたもの、または種類名（AssetLedger/*）で書いてください。",
                "start with facility, a list (backups, assets, systems, vendors, external_connections, segments, wireless) followed by /*, or a kind name (AssetLedger/*)",
            )),
        )
    })?;
    let test = match (c.condition, c.require) {
        (Some(expr), None) => Test::Cel(compile_expr(src, &format!("{base}/condition"), &expr)?),
        (None, Some(schema)) => {
            let validator = crate::document::tree::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&schema)
                .map_err(|e| {
                    src.error(
                        &format!("{base}/require"),
                        Text::new(
                            format!("`require` のスキーマが正しくありません: {e}"),
                            format!("invalid `require` schema: {e}"),
                        ),
                        here(),
                        None,
                    )
                })?;
            Test::Schema(Box::new(validator), schema)
        }
        _ => {
            return Err(src.error(
                &base,
                Text::new(
                    "check には `condition` と `require` のどちらか一方だけを書いてください",
                    "a check needs exactly one of `condition` and `require`",
                ),
                here(),
                None,
            ));
        }
    };
    let message = match c.message {
        Some(m) => Some(compile_template(src, &format!("{base}/message"), &m)?),
        None => None,
    };
    Ok(Check { for_each, test, at: c.at, severity: c.severity, message })
}

fn compile_expr(src: &RuleSource<'_>, pointer: &str, expr: &str) -> Result<Expr, Fatal> {
    if let Some(program) = src.cache.lock().ok().and_then(|c| c.get(expr).cloned()) {
        return Ok(Expr::new(program, expr));
    }
    match cel::Program::compile(expr) {
        Ok(program) => {
            let program = Arc::new(program);
            if let Ok(mut c) = src.cache.lock() {
                c.insert(expr.to_owned(), Arc::clone(&program));
            }
            Ok(Expr::new(program, expr))
        }
        Err(errors) => {
            let first = errors.errors.first();
            let (line, col) = first.map_or((1, 1), |e| (e.pos.0.max(1) as usize, e.pos.1.max(1) as usize));
            let msg = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
            let at = pointer::locate(src.root, pointer);
            let span = expr_position(src.file, at.node, expr, line, col).unwrap_or(at.span);
            Err(Fatal::rule(
                src.file,
                span,
                Text::new(
                    format!("{}: CEL 式が正しくありません: {msg}", src.file.display()),
                    format!("{}: invalid CEL expression: {msg}", src.file.display()),
                ),
                Text::new(msg.clone(), msg),
                Some(Text::new(format!("CEL の解析結果:\n{errors}"), format!("cel says:\n{errors}"))),
            ))
        }
    }
}

/// The byte span, inside the rule file, of 1-based `line`/`col` of `expr`,
/// the value of scalar `node`. Exact for single-line scalars; for block
/// scalars the line is found by its text.
fn expr_position(file: &SourceFile, node: &Node, expr: &str, line: usize, col: usize) -> Option<Span> {
    let NodeValue::String(_) = node.value else { return None };
    let raw = file.text().get(node.span.start as usize..node.span.end as usize)?;
    let expr_line = expr.lines().nth(line - 1)?;
    let line_start_in_raw = if line == 1 && !raw.starts_with(['|', '>']) {
        usize::from(raw.starts_with(['"', '\'']))
    } else {
        raw.find(expr_line.trim_start())? - (expr_line.len() - expr_line.trim_start().len()).min(raw.len())
    };
    let byte_col: usize = expr_line.chars().take(col - 1).map(char::len_utf8).sum();
    let start = node.span.start as usize + line_start_in_raw + byte_col;
    let len = expr_line[byte_col.min(expr_line.len())..].chars().next().map_or(0, char::len_utf8);
    Some(Span::new(start as u32, (start + len) as u32))
}

fn compile_template(src: &RuleSource<'_>, pointer: &str, text: &Text) -> Result<Template, Fatal> {
    Ok(Template {
        ja: compile_pieces(src, &format!("{pointer}/ja"), &text.ja)?,
        en: compile_pieces(src, &format!("{pointer}/en"), &text.en)?,
    })
}

/// Splits `…${expr}…` into text and compiled expressions. Braces inside an
/// expression must balance.
fn compile_pieces(src: &RuleSource<'_>, pointer: &str, text: &str) -> Result<Vec<Piece>, Fatal> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            pieces.push(Piece::Text(rest[..start].to_owned()));
        }
        let body = &rest[start + 2..];
        let mut depth = 0usize;
        let end = body.char_indices().find_map(|(i, c)| match c {
            '{' => {
                depth += 1;
                None
            }
            '}' if depth == 0 => Some(i),
            '}' => {
                depth -= 1;
                None
            }
            _ => None,
        });
        let Some(end) = end else {
            return Err(src.error(
                pointer,
                Text::new("message の `${` が閉じていません", "unclosed `${` in message"),
                here(),
                None,
            ));
        };
        let source = body[..end].trim();
        let expr = MessageExpr::new(source);
        if src.eager_messages {
            let program = compile_expr(src, pointer, source)?.program;
            let _ = expr.program.set(Ok(program));
        }
        pieces.push(Piece::Expr(expr));
        rest = &body[end + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    Ok(pieces)
}

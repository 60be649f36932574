//! Catalog: the rule files (`rules/<ID>.yaml`), parsed and validated once
//! into ready [`Rule`]s with compiled CEL programs and schema validators.
//!
//! Built-in rules are embedded in the binary; `--rules DIR` adds a user's
//! own files in the same format. This file holds the catalogue and the
//! types of a ready rule; reading one rule file into a [`Rule`] (and the
//! diagnostics for a bad one) is `rules::parse`'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use crate::document::model::Kind;
use crate::document::schemas::Schemas;
use crate::kernel::assets::RULE_FILES;
use crate::kernel::error::Fatal;
use crate::kernel::finding::{Finding, RuleInfo, Severity, Text};
use crate::kernel::source::{FileId, SourceFile, Span};
use crate::rules::doc::Doc;
use crate::rules::parse::{ProgramCache, parse_rule};

/// Where a rule came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    User(PathBuf),
}

/// A ready rule.
pub struct Rule {
    pub info: Arc<RuleInfo>,
    pub severity: Severity,
    pub kinds: Vec<Kind>,
    pub description: Text,
    pub message: Template,
    pub applies_without_medical_systems: bool,
    /// Empty for rules anzen implements itself (DOC-*).
    pub checks: Vec<Check>,
    pub origin: Origin,
    /// The rule file's text, for `anzen explain`.
    pub source: Arc<SourceFile>,
    /// Where its `id` is written (for "defined twice").
    pub(super) id_span: Span,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.info.id
    }
}

/// One check of a rule: which items it judges, and how.
pub struct Check {
    pub for_each: ForEach,
    pub test: Test,
    /// Pointer relative to the item (`restore/procedure`); `None`: the item,
    /// or for schema checks the violation's own node.
    pub at: Option<String>,
    pub severity: Option<Severity>,
    pub message: Option<Template>,
}

/// The items a check judges: a root in the facility and a path pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ForEach {
    pub root: ForEachRoot,
    /// The rest of the pattern (`*/services/*`), see [`crate::document::model::walk`].
    pub path: String,
    /// The whole pattern as written.
    pub pattern: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ForEachRoot {
    /// The Facility document.
    Facility,
    /// A merged list (`backups`): its items.
    List(&'static str),
    /// The documents of a kind, as a list.
    Documents(Kind),
}

impl ForEach {
    pub(super) fn parse(pattern: &str) -> Option<ForEach> {
        let (head, rest) = pattern.split_once('/').unwrap_or((pattern, ""));
        let root = if head == "facility" {
            ForEachRoot::Facility
        } else if let Some(list) = crate::document::model::MERGED_LISTS.iter().find(|l| **l == head) {
            ForEachRoot::List(list)
        } else {
            ForEachRoot::Documents(Kind::parse(head).filter(|k| k.name() == head && *k != Kind::Config)?)
        };
        let rest = match &root {
            // A merged list is a list: `backups` alone would be the list.
            ForEachRoot::List(_) if rest.is_empty() => return None,
            _ => rest,
        };
        Some(ForEach { root, path: rest.to_owned(), pattern: pattern.to_owned() })
    }
}

/// How a check decides.
pub enum Test {
    /// A CEL expression; `true` makes a finding.
    Cel(Expr),
    /// A JSON Schema fragment the item must satisfy (compiled, and as written).
    Schema(Box<jsonschema::Validator<crate::document::tree::Tree>>, Value),
}

/// A compiled CEL expression with its text.
pub struct Expr {
    /// Shared between identical expressions (messages repeat many).
    pub program: Arc<cel::Program>,
    pub source: String,
    /// The same condition for the fast path, when it is in its subset
    /// (see [`crate::expr::fast`]).
    pub fast: Option<crate::expr::fast::Program>,
    /// The variables it reads, found once (planning asks per batch).
    variables: Vec<String>,
    /// The tree the interpreter runs, with its size checks.
    pub bounded: crate::expr::cel::Bounded,
}

impl Expr {
    pub(super) fn new(program: Arc<cel::Program>, source: &str) -> Expr {
        let fast = crate::expr::fast::Program::compile(program.expression());
        let variables = program.references().variables().into_iter().map(str::to_owned).collect();
        let bounded = crate::expr::cel::Bounded::new(program.expression());
        Expr { program, source: source.to_owned(), fast, variables, bounded }
    }

    /// Whether the expression reads variable `name`.
    pub fn reads(&self, name: &str) -> bool {
        self.variables.iter().any(|v| v == name)
    }
}

/// A message with `${CEL}` interpolations, per language.
#[derive(Default)]
pub struct Template {
    pub ja: Vec<Piece>,
    pub en: Vec<Piece>,
}

pub enum Piece {
    Text(String),
    Expr(MessageExpr),
}

/// An expression inside a message, compiled when a message first needs it:
/// most messages are never rendered in a run, and compiling CEL is most of
/// start-up. User rules' messages are compiled when the rule is loaded, so
/// a mistake is reported at once; the built-in ones are compiled by a test.
pub struct MessageExpr {
    pub source: String,
    pub(super) program: std::sync::OnceLock<Result<Arc<cel::Program>, String>>,
    /// The same for the fast path, when it is in its subset.
    fast: std::sync::OnceLock<Option<crate::expr::fast::Program>>,
    /// The tree the interpreter runs, with its size checks.
    bounded: std::sync::OnceLock<Option<crate::expr::cel::Bounded>>,
    /// The identifiers the source names outside member selections and
    /// string literals: a superset of the variables it reads.
    identifiers: Vec<String>,
}

impl MessageExpr {
    pub(super) fn new(source: &str) -> MessageExpr {
        MessageExpr {
            source: source.to_owned(),
            program: std::sync::OnceLock::new(),
            fast: std::sync::OnceLock::new(),
            bounded: std::sync::OnceLock::new(),
            identifiers: identifiers(source),
        }
    }

    /// The compiled program, or the compiler's message.
    pub fn program(&self) -> Result<&Arc<cel::Program>, &str> {
        self.program
            .get_or_init(|| cel::Program::compile(&self.source).map(Arc::new).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// The fast path's form (see [`crate::expr::fast`]), if it has one.
    pub fn fast(&self) -> Option<&crate::expr::fast::Program> {
        self.fast
            .get_or_init(|| {
                self.program().ok().and_then(|p| crate::expr::fast::Program::compile(p.expression()))
            })
            .as_ref()
    }

    /// The tree the interpreter runs (see [`crate::expr::cel::Bounded`]).
    pub fn bounded(&self) -> Option<&crate::expr::cel::Bounded> {
        self.bounded
            .get_or_init(|| self.program().ok().map(|p| crate::expr::cel::Bounded::new(p.expression())))
            .as_ref()
    }

    /// Whether the expression may read variable `name` (never a false no).
    pub fn may_read(&self, name: &str) -> bool {
        self.identifiers.iter().any(|i| i == name)
    }
}

/// The identifiers in CEL source `src` that are not field selections
/// (`x.name`) and not inside string literals.
fn identifiers(src: &str) -> Vec<String> {
    let bytes = src.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\'' || c == b'"' {
            // Skip the literal, escapes included.
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let selected = src[..start].trim_end().ends_with('.');
            let word = &src[start..i];
            if !selected && !out.iter().any(|w| w == word) {
                out.push(word.to_owned());
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Every rule, built-in first, then user rules in file-name order.
pub struct Catalog {
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
    /// The built-in DOC rules, indexed by [`Doc`] (every one has a file).
    docs: Vec<(Arc<RuleInfo>, Severity)>,
}

impl Catalog {
    /// The built-in rules only.
    pub fn builtin(schemas: &Schemas) -> Result<Catalog, Fatal> {
        Self::load(schemas, None)
    }

    /// The built-in rules plus every `*.yaml` in `user_dir`.
    pub fn load(schemas: &Schemas, user_dir: Option<&Path>) -> Result<Catalog, Fatal> {
        let mut catalog = Catalog { rules: Vec::new(), by_id: HashMap::new(), docs: Vec::new() };
        // Compiling CEL is most of start-up: the files compile in parallel,
        // and each distinct expression once.
        let cache = ProgramCache::default();
        let builtin: Vec<Result<Rule, Fatal>> = RULE_FILES
            .par_iter()
            .map(|(name, text)| {
                let file = SourceFile::new(
                    PathBuf::from(format!("rules/{name}")),
                    format!("rules/{name}"),
                    Arc::from(*text),
                );
                parse_rule(Arc::new(file), Origin::Builtin, schemas, &cache)
            })
            .collect();
        for rule in builtin {
            catalog.add(rule?)?;
        }
        for doc in Doc::ALL {
            let rule = catalog
                .get(doc.id())
                .ok_or_else(|| Fatal::Internal(format!("built-in rule {} has no rule file", doc.id())))?;
            let entry = (Arc::clone(&rule.info), rule.severity);
            catalog.docs.push(entry);
        }
        if let Some(dir) = user_dir {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|e| Fatal::Path { path: dir.to_path_buf(), source: e })?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| crate::kernel::fsutil::has_yaml_extension(p))
                .collect();
            paths.sort();
            let cwd = std::env::current_dir().ok();
            for path in paths {
                let text = crate::document::read_config_file(&path, Some(dir))?;
                let display = crate::kernel::fsutil::display_path(&path, cwd.as_deref());
                let file = Arc::new(SourceFile::new(path.clone(), display, Arc::from(text)));
                catalog.add(parse_rule(file, Origin::User(path), schemas, &cache)?)?;
            }
        }
        Ok(catalog)
    }

    fn add(&mut self, rule: Rule) -> Result<(), Fatal> {
        if let Some(&existing) = self.by_id.get(rule.id()) {
            let first = self.rules[existing].source.display().to_owned();
            let span = rule.id_span;
            return Err(Fatal::rule(
                &rule.source,
                span,
                Text::new(
                    format!("規則 {} が二度定義されています（最初は {first}）", rule.id()),
                    format!("rule {} is defined twice (first in {first})", rule.id()),
                ),
                Text::new("重複した ID", "duplicate id"),
                Some(Text::new(
                    "規則には独自の ID を付けてください。組み込みの ID は定義し直せません。",
                    "give your rule its own id; built-in ids cannot be redefined",
                )),
            ));
        }
        self.by_id.insert(rule.id().to_owned(), self.rules.len());
        self.rules.push(rule);
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    /// A finding of the built-in rule `doc` at its default severity (the
    /// finishing stage applies the configuration's; see
    /// [`crate::pipeline::finish`]). Built-in rules are named by [`Doc`],
    /// so an id without a rule does not compile:
    ///
    /// ```compile_fail
    /// # use anzen::kernel::source::{FileId, Span};
    /// # fn f(catalog: &anzen::rules::catalog::Catalog) {
    /// catalog.finding("DOC-011", FileId(0), Span::point(0), Default::default());
    /// # }
    /// ```
    pub fn finding(&self, doc: Doc, file: FileId, span: Span, message: Text) -> Finding {
        let (info, severity) = &self.docs[doc as usize];
        Finding::new(Arc::clone(info), *severity, file, span, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_message_compiles_and_is_on_the_fast_path() {
        // Built-in messages compile on first use; this is where a mistake in
        // one shows, rather than in the one run whose finding needs it.
        let schemas = Schemas::load().unwrap();
        let catalog = Catalog::builtin(&schemas).unwrap();
        let mut compiled = 0;
        for rule in catalog.iter() {
            let templates =
                std::iter::once(&rule.message).chain(rule.checks.iter().filter_map(|c| c.message.as_ref()));
            for t in templates {
                for piece in t.ja.iter().chain(&t.en) {
                    if let Piece::Expr(e) = piece {
                        assert!(
                            e.program().is_ok(),
                            "{}: `{}`: {:?}",
                            rule.id(),
                            e.source,
                            e.program().err()
                        );
                        // And runs on the fast path (src/expr/fast/).
                        assert!(e.fast().is_some(), "{}: `{}` is not on the fast path", rule.id(), e.source);
                        compiled += 1;
                    }
                }
            }
        }
        assert!(compiled > 100, "only {compiled} message expressions");
    }

    #[test]
    fn identifiers_skip_selections_and_strings() {
        let ids =
            identifiers("size(assets) + get_path(item, 'document.owner', \"as_of\") + item .vendors . x");
        assert_eq!(ids, ["size", "assets", "get_path", "item"]);
        let e = MessageExpr::new("documents.AssetLedger.exists(d, d.x == 'policy')");
        assert!(e.may_read("documents") && e.may_read("d"));
        assert!(!e.may_read("AssetLedger") && !e.may_read("policy") && !e.may_read("x"));
    }
}

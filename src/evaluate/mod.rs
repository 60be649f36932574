//! Evaluate: apply every enabled rule's checks to each facility, in
//! parallel over facilities.
//!
//! Per facility the documents' views are converted to CEL once and bound in
//! a root context (`facility`, the merged lists, `documents`, `policy`,
//! `as_of`); per judged item a child scope binds `item`, `owner` and
//! `document`, and every check with that `for_each` runs against it.

pub mod cel;
pub mod watchdog;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ::cel::common::types::{CelList, CelMap, CelMapKey, CelString};
use ::cel::common::value::Val;
use ::cel::{Context, Value as Cel};
use rayon::prelude::*;
use serde_json::Value;

use crate::catalog::{Catalog, Check, ForEach, ForEachRoot, MessageExpr, Piece, Rule, Template, Test};
use crate::date::Date;
use crate::facility::{self, Facility};
use crate::finding::{Finding, Text};
use crate::load::Document;
use crate::load::pointer;
use crate::model::{self, Kind, MERGED_LISTS};
use crate::validate::View;
use watchdog::Watchdog;

/// What the evaluation needs besides the documents.
pub struct Env<'a> {
    pub catalog: &'a Catalog,
    pub as_of: Date,
    /// The `policy` map rules read.
    pub policy: Value,
    /// Whether a rule id is enabled (select/ignore/config).
    pub enabled: &'a (dyn Fn(&str) -> bool + Sync),
    /// The run's files (to name them when an evaluation overruns).
    pub sources: &'a crate::source::SourceMap,
    /// Watches evaluations against the time budget (see [`watchdog`]).
    pub watchdog: &'a Watchdog,
}

/// A check with its number (its index in [`Plan::names`]) and rule.
type Numbered<'a> = (usize, &'a Rule, &'a Check);

/// The checks grouped by `for_each`, built once per run.
struct Plan<'a> {
    groups: Vec<(&'a ForEach, Vec<Numbered<'a>>)>,
    /// Per group: which of `owner` and `document` its expressions read (the
    /// others are not bound: binding copies the value).
    needs: Vec<Needs>,
    /// The facility-wide variables any check reads.
    reads: HashSet<&'static str>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Needs {
    owner: bool,
    document: bool,
}

/// The message expressions of a check (the rule's message, or the check's own).
fn message_exprs<'a>(rule: &'a Rule, check: &'a Check) -> impl Iterator<Item = &'a MessageExpr> {
    [Some(&rule.message), check.message.as_ref()]
        .into_iter()
        .flatten()
        .flat_map(|t| t.ja.iter().chain(&t.en))
        .filter_map(|piece| match piece {
            Piece::Expr(e) => Some(e),
            Piece::Text(_) => None,
        })
}

/// Whether a check may read variable `name`, in its condition or messages.
fn may_read(rule: &Rule, check: &Check, name: &str) -> bool {
    let condition = matches!(&check.test, Test::Cel(e) if e.program.references().has_variable(name));
    condition || message_exprs(rule, check).any(|e| e.may_read(name))
}

impl Needs {
    fn of(rule: &Rule, check: &Check) -> Needs {
        Needs { owner: may_read(rule, check, "owner"), document: may_read(rule, check, "document") }
    }

    fn or(self, other: Needs) -> Needs {
        Needs { owner: self.owner || other.owner, document: self.document || other.document }
    }
}

impl<'a> Plan<'a> {
    fn new(env: &Env<'a>) -> Self {
        let mut groups: Vec<(&'a ForEach, Vec<Numbered<'a>>)> = Vec::new();
        let mut n = 0;
        for rule in env.catalog.iter().filter(|r| (env.enabled)(r.id())) {
            for check in &rule.checks {
                match groups.iter_mut().find(|(fe, _)| **fe == check.for_each) {
                    Some((_, list)) => list.push((n, rule, check)),
                    None => groups.push((&check.for_each, vec![(n, rule, check)])),
                }
                n += 1;
            }
        }
        let needs = groups
            .iter()
            .map(|(_, checks)| checks.iter().fold(Needs::default(), |n, (_, r, c)| n.or(Needs::of(r, c))))
            .collect();
        let mut reads = HashSet::new();
        for (_, checks) in &groups {
            for (_, r, c) in checks {
                reads.extend(FACILITY_VARIABLES.into_iter().filter(|v| may_read(r, c, v)));
            }
        }
        Plan { groups, needs, reads }
    }
}

/// Runs the rules over every facility.
pub fn run(facilities: &[Facility], docs: &[&Document], views: &[View<'_>], env: &Env<'_>) -> Vec<Finding> {
    let plan = Plan::new(env);
    facilities.par_iter().flat_map_iter(|f| run_facility(f, docs, views, env, &plan, env.watchdog)).collect()
}

/// A description of each enabled check, by the number the watchdog shows.
pub fn check_names(catalog: &Catalog, enabled: &(dyn Fn(&str) -> bool + Sync)) -> Vec<String> {
    catalog
        .iter()
        .filter(|r| enabled(r.id()))
        .flat_map(|r| {
            r.checks.iter().map(move |c| format!("rule {} (for_each {})", r.id(), c.for_each.pattern))
        })
        .collect()
}

/// One judged node.
struct Entry<'v> {
    doc: usize,
    pointer: String,
    item: &'v Value,
    /// Pointer of the top-level item or document containing `item`.
    owner_pointer: String,
}

fn run_facility(
    f: &Facility,
    docs: &[&Document],
    views: &[View<'_>],
    env: &Env<'_>,
    plan: &Plan<'_>,
    dog: &Watchdog,
) -> Vec<Finding> {
    let facility_view = f.facility_doc.map(|i| views[i].as_ref());
    let medical = facility_view
        .and_then(|v| v.get("uses_medical_information_systems"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    // Every document of the facility as a CEL tree, built once; variables
    // and items are bound as references into these trees.
    let trees: HashMap<usize, Box<dyn Val + '_>> =
        f.docs.iter().map(|&i| (i, cel::to_val(views[i].as_ref()))).collect();
    let empty: Box<dyn Val + '_> = Box::new(CelMap::default());
    let policy = cel::to_val(&env.policy);
    let mut root = Context::default();
    if let Err(e) = cel::register(&mut root, env.as_of) {
        return vec![internal(f, docs, format!("cannot register CEL functions: {e}"))];
    }
    bind_facility(&mut root, f, docs, &trees, empty.as_ref(), policy.as_ref(), env, &plan.reads);
    // The groups share the facility's context and run in parallel.
    let per_group: Vec<Vec<Finding>> = plan
        .groups
        .par_iter()
        .zip(&plan.needs)
        .map(|((for_each, checks), needs)| {
            let checks: Vec<&Numbered<'_>> =
                checks.iter().filter(|(_, r, _)| medical || r.applies_without_medical_systems).collect();
            if checks.is_empty() {
                return Vec::new();
            }
            let slot = dog.slot();
            let found =
                judge_group(f, docs, views, &trees, env, &root, for_each, &checks, *needs, dog, &slot);
            dog.release(&slot);
            found
        })
        .collect();
    // One finding per item per rule, also across groups.
    let mut seen: HashSet<(String, crate::source::FileId, u32, String)> = HashSet::new();
    per_group
        .into_iter()
        .flatten()
        .filter(|x| {
            seen.insert((x.rule.id.clone(), x.file, x.span.start, x.pointer.clone().unwrap_or_default()))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn judge_group<'t>(
    f: &Facility,
    docs: &[&Document],
    views: &[View<'_>],
    trees: &'t HashMap<usize, Box<dyn Val + 't>>,
    env: &Env<'_>,
    root: &Context<'_, 't>,
    for_each: &ForEach,
    checks: &[&Numbered<'_>],
    needs: Needs,
    dog: &Watchdog,
    slot: &watchdog::Slot,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut reported: Vec<&str> = Vec::new();
    for entry in expand(for_each, f, docs, views) {
        let Some(tree) = trees.get(&entry.doc) else { continue };
        let mut scope = root.new_inner_scope();
        let Some(item) = cel::at_pointer(tree.as_ref(), &entry.pointer) else { continue };
        scope.add_variable_as_val("item", Box::new(cel::ValRef(item)));
        if needs.owner
            && let Some(owner) = cel::at_pointer(tree.as_ref(), &entry.owner_pointer)
        {
            scope.add_variable_as_val("owner", Box::new(cel::ValRef(owner)));
        }
        if needs.document {
            scope.add_variable_as_val("document", Box::new(cel::ValRef(tree.as_ref())));
        }
        dog.enter(slot, &[env.sources.get(docs[entry.doc].file).display(), " (", &entry.pointer, ")"]);
        // Rules already reported on this item (a rule's later checks skip it).
        reported.clear();
        for &&(n, rule, check) in checks {
            if reported.contains(&rule.id()) {
                continue;
            }
            dog.start(slot, n);
            let outcome = judge(check, entry.item, &scope);
            let (at, message) = match outcome {
                Outcome::Pass => {
                    dog.stop(slot);
                    continue;
                }
                Outcome::Fail { at } => (at, render(check.message.as_ref().unwrap_or(&rule.message), &scope)),
                Outcome::Error(e) => (
                    None,
                    Text::new(
                        format!("ルール {} をこの項目で評価できませんでした: {e}", rule.id()),
                        format!("rule {} could not be evaluated here: {e}", rule.id()),
                    ),
                ),
            };
            dog.stop(slot);
            reported.push(rule.id());
            let rel = at.or_else(|| check.at.clone()).unwrap_or_default();
            let ptr = join(&entry.pointer, &rel);
            let doc = docs[entry.doc];
            let severity = check.severity.unwrap_or(rule.severity);
            let span = pointer::locate(&doc.root, &ptr).span;
            findings.push(Finding {
                pointer: Some(ptr),
                facility: Some(Arc::clone(&f.root)),
                ..Finding::new(Arc::clone(&rule.info), severity, doc.file, span, message)
            });
        }
    }
    findings
}

enum Outcome {
    Pass,
    /// `at`: a pointer relative to the item chosen by the test itself
    /// (schema violations), overriding the check's `at`.
    Fail {
        at: Option<String>,
    },
    Error(String),
}

fn judge(check: &Check, item: &Value, scope: &Context<'_, '_>) -> Outcome {
    match &check.test {
        Test::Cel(expr) => match expr.program.execute(scope) {
            Ok(Cel::Bool(true)) => Outcome::Fail { at: None },
            Ok(Cel::Bool(false)) => Outcome::Pass,
            Ok(other) => Outcome::Error(format!("the condition gave {other:?}, not a bool")),
            Err(e) => Outcome::Error(e.to_string()),
        },
        Test::Schema(validator, _) if check.at.is_some() => {
            if validator.is_valid(item) {
                Outcome::Pass
            } else {
                Outcome::Fail { at: None }
            }
        }
        Test::Schema(validator, _) => match validator.iter_errors(item).next() {
            None => Outcome::Pass,
            Some(err) => {
                Outcome::Fail { at: Some(err.instance_path().as_str().trim_start_matches('/').to_owned()) }
            }
        },
    }
}

fn join(base: &str, rel: &str) -> String {
    if rel.is_empty() { base.to_owned() } else { format!("{base}/{}", rel.trim_start_matches('/')) }
}

fn render<'t>(t: &'t Template, scope: &Context<'_, '_>) -> Text {
    // An expression both languages share is evaluated once.
    let mut done: Vec<(&str, String)> = Vec::new();
    let mut one = |pieces: &'t [Piece]| -> String {
        let mut out = String::new();
        for p in pieces {
            match p {
                Piece::Text(s) => out.push_str(s),
                Piece::Expr(e) => {
                    if let Some((_, v)) = done.iter().find(|(src, _)| *src == e.source) {
                        out.push_str(v);
                        continue;
                    }
                    let v = match e.program() {
                        Ok(program) => {
                            program.execute(scope).map_or_else(|_| "?".to_owned(), |v| cel::display(&v))
                        }
                        Err(_) => "?".to_owned(),
                    };
                    out.push_str(&v);
                    done.push((e.source.as_str(), v));
                }
            }
        }
        out
    };
    let ja = one(&t.ja);
    Text::new(ja, one(&t.en))
}

/// Binds the facility-wide variables.
/// The facility-wide variables a rule may read.
const FACILITY_VARIABLES: [&str; 11] = [
    "facility",
    "systems",
    "assets",
    "external_connections",
    "segments",
    "wireless",
    "backups",
    "vendors",
    "documents",
    "policy",
    "as_of",
];

/// Binds the facility-wide variables the enabled rules read, as references
/// into the facility's document trees.
#[allow(clippy::too_many_arguments)]
fn bind_facility<'t>(
    ctx: &mut Context<'_, 't>,
    f: &Facility,
    docs: &[&Document],
    trees: &'t HashMap<usize, Box<dyn Val + 't>>,
    empty: &'t (dyn Val + 't),
    policy: &'t (dyn Val + 't),
    env: &Env<'_>,
    reads: &HashSet<&str>,
) {
    let tree = |i: usize| -> &'t (dyn Val + 't) { trees.get(&i).map_or(empty, |t| t.as_ref()) };
    let refer = |v: &'t (dyn Val + 't)| -> Box<dyn Val + 't> { Box::new(cel::ValRef(v)) };
    if reads.contains("facility") {
        ctx.add_variable_as_val("facility", refer(f.facility_doc.map_or(empty, tree)));
    }
    for list in MERGED_LISTS.into_iter().filter(|l| reads.contains(l)) {
        let mut items: Vec<Box<dyn Val + 't>> = Vec::new();
        for &i in f.docs.iter().filter(|&&i| docs[i].kind.merged_lists().contains(&list)) {
            if let Some(l) =
                cel::at_pointer(tree(i), &format!("/{list}")).and_then(|v| v.downcast_ref::<CelList>())
            {
                items.extend(l.inner().iter().map(|item| refer(item.as_ref())));
            }
        }
        ctx.add_variable_as_val(list, Box::new(CelList::from(items)));
    }
    if reads.contains("documents") {
        let mut by_kind = HashMap::new();
        for kind in Kind::ALL.into_iter().filter(|k| *k != Kind::Config) {
            let list: Vec<Box<dyn Val + 't>> = f.docs_of(docs, kind).map(|i| refer(tree(i))).collect();
            by_kind.insert(
                CelMapKey::String(CelString::from(kind.name())),
                Box::new(CelList::from(list)) as Box<_>,
            );
        }
        ctx.add_variable_as_val("documents", Box::new(CelMap::from(by_kind)));
    }
    if reads.contains("policy") {
        ctx.add_variable_as_val("policy", refer(policy));
    }
    if reads.contains("as_of") {
        ctx.add_variable_from_value("as_of", Cel::String(Arc::new(env.as_of.to_string())));
    }
}

/// The nodes `for_each` names in facility `f`.
fn expand<'v>(fe: &ForEach, f: &Facility, docs: &[&'v Document], views: &'v [View<'v>]) -> Vec<Entry<'v>> {
    // The list the first path segment selects from, and what follows.
    let (bases, rest): (Vec<(usize, String, &'v Value)>, &str) = match &fe.root {
        ForEachRoot::Facility => (
            f.facility_doc.map(|i| (i, String::new(), views[i].as_ref())).into_iter().collect(),
            fe.path.as_str(),
        ),
        ForEachRoot::List(list) => {
            let (sel, rest) = split_first(&fe.path);
            (select(facility::merged(f, docs, Some(views), list), sel), rest)
        }
        ForEachRoot::Documents(kind) => {
            let (sel, rest) = split_first(&fe.path);
            let all = f.docs_of(docs, *kind).map(|i| (i, String::new(), views[i].as_ref())).collect();
            (select(all, sel), rest)
        }
    };
    let mut out = Vec::new();
    for (doc, base, owner) in bases {
        model::walk(owner, rest, &base, &mut |pointer, item| {
            out.push(Entry { doc, pointer, item, owner_pointer: base.clone() });
        });
    }
    out
}

fn split_first(path: &str) -> (&str, &str) {
    path.split_once('/').unwrap_or((path, ""))
}

fn select<T>(items: Vec<T>, selector: &str) -> Vec<T> {
    match selector {
        "*" | "" => items,
        n => match n.parse::<usize>() {
            Ok(i) => items.into_iter().nth(i).into_iter().collect(),
            Err(_) => Vec::new(),
        },
    }
}

fn internal(f: &Facility, docs: &[&Document], message: String) -> Finding {
    let file = f.docs.first().map_or(crate::source::FileId(0), |&i| docs[i].file);
    let rule = Arc::new(crate::finding::RuleInfo {
        id: "ANZ-000".into(),
        name: "internal-error".into(),
        title: Text::new("内部エラー", "internal error"),
        remediation: Text::default(),
        references: Default::default(),
        survey: None,
        suppressible: false,
    });
    let message = Text::new(message.clone(), message);
    Finding {
        facility: Some(Arc::clone(&f.root)),
        ..Finding::new(rule, crate::finding::Severity::Error, file, crate::source::Span::point(0), message)
    }
}

//! Evaluate: apply every enabled rule's checks to each facility, in
//! parallel over facilities.
//!
//! Conditions and messages run on the fast path ([`fast`]) over the views'
//! trees. Where it declines, the interpreter takes over: per facility the
//! documents' views are converted to CEL once (on first need) and bound in a
//! root context (`facility`, the merged lists, `documents`, `policy`,
//! `as_of`); per judged item a child scope binds `item`, `owner` and
//! `document`, and every check with that `for_each` runs against it.

pub mod watchdog;

use crate::expr::{cel, fast};

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use ::cel::common::types::{CelList, CelMap, CelMapKey, CelString};
use ::cel::common::value::Val;
use ::cel::{Context, Value as Cel};
use rayon::prelude::*;

use crate::document::Document;
use crate::document::model::{self, Kind, MERGED_LISTS};
use crate::document::node::{Node, NodeValue};
use crate::document::pointer;
use crate::document::tree::Tree;
use crate::kernel::date::Date;
use crate::kernel::finding::{Finding, Text};
use crate::kernel::source::Span;
use crate::pipeline::facility::{self, Facility};
use crate::pipeline::validate::View;
use crate::rules::catalog::{Catalog, Check, ForEach, ForEachRoot, MessageExpr, Piece, Rule, Template, Test};
use watchdog::Watchdog;

/// What the evaluation needs besides the documents.
pub struct Env<'a> {
    pub catalog: &'a Catalog,
    pub as_of: Date,
    /// The `policy` map rules read.
    pub policy: Node,
    /// Whether a rule id is enabled (select/ignore/config).
    pub enabled: &'a (dyn Fn(&str) -> bool + Sync),
    /// The run's files (to name them when an evaluation overruns).
    pub sources: &'a crate::kernel::source::SourceMap,
    /// Watches evaluations against the time budget (see [`watchdog`]).
    pub watchdog: &'a Watchdog,
    /// Use the fast path for the conditions it covers (see [`fast`]); off
    /// only to compare (`ANZEN_INTERPRET_ONLY`).
    pub fast: bool,
    /// The bytes one evaluation may build (`limits.max_eval_bytes`; see
    /// [`cel::Bounded`]).
    pub max_eval_bytes: u64,
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
    let condition = matches!(&check.test, Test::Cel(e) if e.reads(name));
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
                reads.extend(crate::expr::vars::facility_wide().filter(|v| may_read(r, c, v)));
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
    item: &'v Node,
    /// The top-level item or document containing `item`, and where it is.
    owner: &'v Node,
    base: Base,
    /// The pointer of `item` relative to `owner`.
    rel: String,
}

/// Where an owner sits in its document: the document itself, or an item of
/// a top-level list. Pointers are spelled out only when needed (most items
/// pass every check).
#[derive(Clone, Copy, Debug)]
enum Base {
    Document,
    Item(&'static str, usize),
}

impl Base {
    fn write(self, out: &mut String) {
        if let Base::Item(list, index) = self {
            out.push('/');
            out.push_str(list);
            out.push('/');
            model::push_index(out, index);
        }
    }

    fn pointer(self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

impl Entry<'_> {
    /// The pointer of `item` in its document.
    fn pointer(&self) -> String {
        let mut out = self.base.pointer();
        out.push_str(&self.rel);
        out
    }
}

/// A facility's CEL side, built on first need: most facilities are judged
/// by the fast path alone and never need it (see [`fast`]).
struct Interpreter<'v, 'f> {
    f: &'f Facility,
    docs: &'f [&'f Document],
    views: &'f [View<'v>],
    env: &'f Env<'f>,
    reads: &'f HashSet<&'static str>,
    /// Every document of the facility as a CEL tree; variables and items
    /// are bound as references into these trees.
    trees: OnceLock<HashMap<usize, Box<dyn Val + 'f>>>,
    empty: Box<dyn Val + 'f>,
    policy: OnceLock<Box<dyn Val + 'f>>,
}

impl<'v: 'f, 'f> Interpreter<'v, 'f> {
    fn trees(&self) -> &HashMap<usize, Box<dyn Val + 'f>> {
        self.trees
            .get_or_init(|| self.f.docs.iter().map(|&i| (i, cel::to_val(self.views[i].as_ref()))).collect())
    }

    /// A context of its own for one item, binding copies of the item, its
    /// owner, the Facility document, `policy` and `as_of`: for messages
    /// that read nothing larger (see [`reads_only_small`]).
    fn small_scope(&self, entry: &Entry<'f>, needs: Needs) -> Result<Context<'f, 'f>, String> {
        let mut ctx = Context::default();
        cel::register(&mut ctx, self.env.as_of).map_err(|e| format!("cannot register CEL functions: {e}"))?;
        ctx.add_variable_as_val("item", cel::to_val(entry.item));
        if needs.owner {
            ctx.add_variable_as_val("owner", cel::to_val(entry.owner));
        }
        if self.reads.contains("facility") {
            let facility = self.f.facility_doc.map(|i| self.views[i].as_ref());
            ctx.add_variable_as_val(
                "facility",
                facility.map_or_else(|| self.empty.clone_as_boxed(), cel::to_val),
            );
        }
        if self.reads.contains("policy") {
            ctx.add_variable_as_val("policy", cel::to_val(&self.env.policy));
        }
        if self.reads.contains("as_of") {
            ctx.add_variable_from_value("as_of", Cel::String(Arc::new(self.env.as_of.to_string())));
        }
        Ok(ctx)
    }

    /// The facility's root context: helpers and facility-wide variables.
    fn root(&self) -> Result<Context<'_, '_>, String> {
        let mut root = Context::default();
        cel::register(&mut root, self.env.as_of)
            .map_err(|e| format!("cannot register CEL functions: {e}"))?;
        let policy = self.policy.get_or_init(|| cel::to_val(&self.env.policy));
        bind_facility(
            &mut root,
            self.f,
            self.docs,
            self.trees(),
            self.empty.as_ref(),
            policy.as_ref(),
            self.env,
            self.reads,
        );
        Ok(root)
    }
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
        .and_then(Node::as_bool)
        .unwrap_or(true);
    // The fast path's variables: references into the views.
    let empty = Node::new(Span::point(0), NodeValue::Map(Vec::new()));
    let lists: Vec<Vec<&Node>> = MERGED_LISTS
        .iter()
        .map(|list| {
            if !plan.reads.contains(list) {
                return Vec::new();
            }
            let in_kind = |&&i: &&usize| docs[i].kind.merged_lists().contains(list);
            f.docs
                .iter()
                .filter(in_kind)
                .filter_map(|&i| views[i].get(list).and_then(Node::as_seq))
                .flatten()
                .collect()
        })
        .collect();
    let documents: Vec<Vec<&Node>> = Kind::ALL
        .iter()
        .map(|&kind| match plan.reads.contains("documents") {
            true => f.docs_of(docs, kind).map(|i| views[i].as_ref()).collect(),
            false => Vec::new(),
        })
        .collect();
    let as_of = env.as_of.to_string();
    let joins = fast::Joins::default();
    let globals = fast::Globals {
        facility: facility_view.unwrap_or(&empty),
        policy: &env.policy,
        as_of: &as_of,
        as_of_date: env.as_of,
        lists: &lists,
        documents: &documents,
        joins: &joins,
        max_bytes: env.max_eval_bytes,
    };
    let interpreter = Interpreter {
        f,
        docs,
        views,
        env,
        reads: &plan.reads,
        trees: OnceLock::new(),
        empty: Box::new(CelMap::default()),
        policy: OnceLock::new(),
    };
    // The groups run in parallel.
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
            let group =
                Group { for_each, checks: &checks, needs: *needs, globals: &globals, dog, slot: &slot };
            let found = judge_group(&group, &interpreter);
            dog.release(&slot);
            found
        })
        .collect();
    // One finding per item per rule, also across groups.
    let mut seen: HashSet<(String, crate::kernel::source::FileId, u32, String)> = HashSet::new();
    per_group
        .into_iter()
        .flatten()
        .filter(|x| {
            seen.insert((x.rule.id.clone(), x.file, x.span.start, x.pointer.clone().unwrap_or_default()))
        })
        .collect()
}

/// The checks that share a `for_each`, and what judging them needs.
struct Group<'g> {
    for_each: &'g ForEach,
    checks: &'g [&'g Numbered<'g>],
    needs: Needs,
    globals: &'g fast::Globals<'g>,
    dog: &'g Watchdog,
    slot: &'g watchdog::Slot,
}

fn judge_group(g: &Group<'_>, cel: &Interpreter<'_, '_>) -> Vec<Finding> {
    let Interpreter { f, docs, views, env, .. } = *cel;
    let dog = g.dog;
    let mut findings = Vec::new();
    let mut reported: Vec<&str> = Vec::new();
    // The root context, made when the first item needs the interpreter.
    let root: OnceCell<Result<Context<'_, '_>, String>> = OnceCell::new();
    for entry in expand(g.for_each, f, docs, views) {
        dog.enter(g.slot, |label| {
            label.push_str(env.sources.get(docs[entry.doc].file).display());
            label.push_str(" (");
            entry.base.write(label);
            label.push_str(&entry.rel);
            label.push(')');
        });
        let item = fast::Item {
            item: entry.item,
            owner: Some(entry.owner),
            document: Some(views[entry.doc].as_ref()),
        };
        // The item's CEL scope, made when a check needs it.
        let scope: OnceCell<Result<Context<'_, '_>, String>> = OnceCell::new();
        let full_scope =
            || scope.get_or_init(|| entry_scope(root.get_or_init(|| cel.root()), cel, &entry, g.needs));
        // Rules already reported on this item (a rule's later checks skip it).
        reported.clear();
        for &&(n, rule, check) in g.checks {
            if reported.contains(&rule.id()) {
                continue;
            }
            dog.start(g.slot, n);
            let interpret = |expr: &crate::rules::catalog::Expr| -> Outcome {
                match full_scope() {
                    Ok(scope) => judge_cel(expr, scope, env.max_eval_bytes),
                    Err(e) => Outcome::Error(e.clone()),
                }
            };
            let outcome = match &check.test {
                Test::Cel(expr) => match expr.fast.as_ref().filter(|_| env.fast) {
                    Some(condition) => match condition.test(g.globals, &item) {
                        Ok(true) => Outcome::Fail { at: None },
                        Ok(false) => Outcome::Pass,
                        Err(fast::Declined) => interpret(expr),
                    },
                    None => interpret(expr),
                },
                Test::Schema(validator, _) => judge_schema(check, validator, entry.item),
            };
            let (at, message) = match outcome {
                Outcome::Pass => {
                    dog.stop(g.slot);
                    continue;
                }
                Outcome::Fail { at } => {
                    let template = check.message.as_ref().unwrap_or(&rule.message);
                    // A message that reads only the item and small variables
                    // gets a CEL scope of its own: no facility trees needed.
                    let small = OnceCell::new();
                    let scope = || match scope.get() {
                        Some(full) => full,
                        None if reads_only_small(rule, check) => {
                            small.get_or_init(|| cel.small_scope(&entry, g.needs))
                        }
                        None => full_scope(),
                    };
                    (at, render(template, env.fast.then_some((g.globals, &item)), scope, env.max_eval_bytes))
                }
                Outcome::Error(e) => (
                    None,
                    Text::new(
                        format!("ルール {} をこの項目で評価できませんでした: {e}", rule.id()),
                        format!("rule {} could not be evaluated here: {e}", rule.id()),
                    ),
                ),
                Outcome::TooLarge => (
                    None,
                    Text::new(
                        format!(
                            "ルール {} の評価を中止しました: この項目で作る値がメモリの上限 limits.max_eval_bytes（{} バイト）を超えます",
                            rule.id(),
                            env.max_eval_bytes
                        ),
                        format!(
                            "rule {} was stopped here: its evaluation builds values larger than limits.max_eval_bytes ({} bytes)",
                            rule.id(),
                            env.max_eval_bytes
                        ),
                    ),
                ),
            };
            dog.stop(g.slot);
            reported.push(rule.id());
            let rel = at.or_else(|| check.at.clone()).unwrap_or_default();
            let ptr = join(&entry.pointer(), &rel);
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

/// Whether a check's messages read nothing whose CEL form is large (whole
/// documents, the merged lists).
fn reads_only_small(rule: &Rule, check: &Check) -> bool {
    let large = ["document", "documents"].into_iter().chain(MERGED_LISTS);
    message_exprs(rule, check).all(|e| large.clone().all(|v| !e.may_read(v)))
}

/// The CEL scope of one judged item: `item`, and `owner`/`document` when
/// the group's expressions read them.
fn entry_scope<'c, 't>(
    root: &'c Result<Context<'_, 't>, String>,
    cel: &'t Interpreter<'_, '_>,
    entry: &Entry<'_>,
    needs: Needs,
) -> Result<Context<'c, 't>, String> {
    let root = root.as_ref().map_err(Clone::clone)?;
    let tree = cel.trees().get(&entry.doc).ok_or("no CEL tree for the document")?;
    let mut scope = root.new_inner_scope();
    let item = cel::at_pointer(tree.as_ref(), &entry.pointer()).ok_or("the item is not in its document")?;
    scope.add_variable_as_val("item", Box::new(cel::ValRef(item)));
    if needs.owner
        && let Some(owner) = cel::at_pointer(tree.as_ref(), &entry.base.pointer())
    {
        scope.add_variable_as_val("owner", Box::new(cel::ValRef(owner)));
    }
    if needs.document {
        scope.add_variable_as_val("document", Box::new(cel::ValRef(tree.as_ref())));
    }
    Ok(scope)
}

enum Outcome {
    Pass,
    /// `at`: a pointer relative to the item chosen by the test itself
    /// (schema violations), overriding the check's `at`.
    Fail {
        at: Option<String>,
    },
    Error(String),
    /// Over `limits.max_eval_bytes`.
    TooLarge,
}

fn judge_cel(expr: &crate::rules::catalog::Expr, scope: &Context<'_, '_>, max_bytes: u64) -> Outcome {
    match expr.bounded.execute(scope, max_bytes) {
        Ok(Cel::Bool(true)) => Outcome::Fail { at: None },
        Ok(Cel::Bool(false)) => Outcome::Pass,
        Ok(other) => Outcome::Error(format!("the condition gave {other:?}, not a bool")),
        Err(cel::Failure::Error(e)) => Outcome::Error(e.to_string()),
        Err(cel::Failure::TooLarge) => Outcome::TooLarge,
    }
}

fn judge_schema(check: &Check, validator: &jsonschema::Validator<Tree>, item: &Node) -> Outcome {
    if check.at.is_some() {
        return if validator.is_valid(item) { Outcome::Pass } else { Outcome::Fail { at: None } };
    }
    match validator.iter_errors(item).next() {
        None => Outcome::Pass,
        Some(err) => {
            Outcome::Fail { at: Some(err.instance_path().as_str().trim_start_matches('/').to_owned()) }
        }
    }
}

fn join(base: &str, rel: &str) -> String {
    if rel.is_empty() { base.to_owned() } else { format!("{base}/{}", rel.trim_start_matches('/')) }
}

/// A message's text: each interpolation on the fast path when it can
/// (`fast`), else in the interpreter (`scope`, made on first need); `?` for
/// one that fails.
fn render<'t, 's, 'c: 's, 'v: 'c>(
    t: &'t Template,
    fast: Option<(&fast::Globals<'_>, &fast::Item<'_>)>,
    scope: impl Fn() -> &'s Result<Context<'c, 'v>, String>,
    max_bytes: u64,
) -> Text {
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
                    let quick =
                        e.fast().zip(fast).and_then(|(program, (g, item))| program.text(g, item).ok());
                    let v = quick.unwrap_or_else(|| match (e.bounded(), scope()) {
                        (Some(program), Ok(scope)) => program
                            .execute(scope, max_bytes)
                            .map_or_else(|_| "?".to_owned(), |v| cel::display(&v)),
                        _ => "?".to_owned(),
                    });
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
    let document = |i: usize| (i, Base::Document, views[i].as_ref());
    // (document, place, node) of each owner, and the path below them.
    type Bases<'v> = Vec<(usize, Base, &'v Node)>;
    let (bases, rest): (Bases<'v>, &str) = match &fe.root {
        ForEachRoot::Facility => (f.facility_doc.map(document).into_iter().collect(), fe.path.as_str()),
        ForEachRoot::List(list) => {
            let (sel, rest) = split_first(&fe.path);
            let items = select(facility::merged(f, docs, Some(views), list), sel);
            (items.into_iter().map(|(i, j, item)| (i, Base::Item(list, j), item)).collect(), rest)
        }
        ForEachRoot::Documents(kind) => {
            let (sel, rest) = split_first(&fe.path);
            (select(f.docs_of(docs, *kind).map(document).collect(), sel), rest)
        }
    };
    let mut out = Vec::with_capacity(bases.len());
    for (doc, base, owner) in bases {
        model::walk(owner, rest, &mut |rel, item| {
            out.push(Entry { doc, item, owner, base, rel: rel.to_owned() });
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

//! The fast path for rule expressions: the part of CEL the rules use
//! (selections, `has`, comparisons, `in`, logic, `size`, `+` on ints,
//! strings and lists, `string()`, the macros `exists`/`all`/`exists_one`/
//! `filter`/`map`, and the helper functions), compiled once from the parsed
//! CEL and evaluated directly over the views' trees, without building CEL
//! values. Conditions are judged with it, and message interpolations
//! rendered.
//!
//! It is an accelerator, never a second meaning: whatever it cannot decide
//! exactly as the CEL interpreter would, it declines ([`Declined`]) and the
//! caller asks the interpreter. An expression that uses anything outside the
//! subset does not compile here at all ([`Program::compile`] gives `None`)
//! and always runs in the interpreter. So the fast path only has to agree
//! with CEL where it answers:
//! - every error CEL would raise (missing field, wrong type, bad date) is a
//!   decline, so the interpreter reports it in its own words;
//! - equality, ordering and `in` answer only for two values of the same
//!   kind (null, bool, int, double, string), and equality for a string and
//!   a value of another kind (never equal in CEL); other mixed kinds decline;
//! - a comprehension over a merged list that looks elements up by a key
//!   (`assets.exists(a, item.id in a.systems)`) visits only the elements a
//!   per-facility index says can match ([`Join`]), so that such rules are
//!   linear in the facility's size, not systems × assets;
//! - a comprehension element that errors declines the whole expression,
//!   although CEL may absorb it: the interpreter then decides;
//! - message text is [`super::cel::display`]'s, and declined for values it
//!   would show in debug form (maps, doubles through `string()`).
//!
//! `ANZEN_INTERPRET_ONLY=1` turns the fast path off (to compare; see
//! docs/rule-authoring.md), and a test runs every fixture both ways.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue, operators as op,
};

use crate::document::node::{Entry, Node as DocNode, NodeValue};

use crate::document::model::{Kind, MERGED_LISTS};
use crate::kernel::date::Date;

/// The fast path could not decide; ask the CEL interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declined;

type Result<T> = std::result::Result<T, Declined>;

/// An expression compiled for the fast path.
#[derive(Debug)]
pub struct Program {
    root: Node,
    /// Comprehension variables (iteration and accumulator), by slot.
    slots: usize,
}

/// The facility-wide variables, as document trees.
pub struct Globals<'a> {
    /// The Facility document (an empty map when there is none).
    pub facility: &'a DocNode,
    pub policy: &'a DocNode,
    pub as_of: &'a str,
    pub as_of_date: Date,
    /// The merged lists, in [`MERGED_LISTS`] order.
    pub lists: &'a [Vec<&'a DocNode>],
    /// The documents of each kind, in [`Kind::ALL`] order.
    pub documents: &'a [Vec<&'a DocNode>],
    /// The facility's join indexes (see [`Join`]).
    pub joins: &'a Joins,
    /// The bytes one evaluation may build (`limits.max_eval_bytes`): past
    /// it the fast path declines, and the interpreter, which charges at
    /// least as much for the same values, stops the evaluation.
    pub max_bytes: u64,
}

/// The variables bound per judged item.
pub struct Item<'a> {
    pub item: &'a DocNode,
    pub owner: Option<&'a DocNode>,
    pub document: Option<&'a DocNode>,
}

#[derive(Debug, Clone)]
enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(String),
}

#[derive(Debug, Clone, Copy)]
enum Var {
    Item,
    Owner,
    Document,
    Facility,
    Policy,
    AsOf,
    Documents,
    /// A merged list, by its index in [`MERGED_LISTS`].
    List(usize),
    /// A comprehension variable, by slot.
    Local(usize),
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy)]
enum Helper {
    HasPath,
    GetPath,
    OlderThanDays,
    WithinDays,
    DaysSince,
    DistinctCount,
    MfaEnabled,
    EffectiveAuth,
    IsAnyAddress,
    IsAddress,
    IsDate,
    NameKey,
    String,
    Join,
    Head,
}

impl Helper {
    fn of(name: &str) -> Option<(Helper, usize)> {
        Some(match name {
            "has_path" => (Helper::HasPath, 2),
            "get_path" => (Helper::GetPath, 3),
            "older_than_days" => (Helper::OlderThanDays, 2),
            "within_days" => (Helper::WithinDays, 2),
            "days_since" => (Helper::DaysSince, 1),
            "distinct_count" => (Helper::DistinctCount, 1),
            "mfa_enabled" => (Helper::MfaEnabled, 1),
            "effective_auth" => (Helper::EffectiveAuth, 2),
            "is_any_address" => (Helper::IsAnyAddress, 1),
            "is_address" => (Helper::IsAddress, 1),
            "is_date" => (Helper::IsDate, 1),
            "name_key" => (Helper::NameKey, 1),
            "string" => (Helper::String, 1),
            "join" => (Helper::Join, 2),
            "head" => (Helper::Head, 2),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
enum Node {
    Lit(Lit),
    /// A list literal whose elements are all literals.
    ConstList(Vec<Lit>),
    List(Vec<Node>),
    EmptyMap,
    /// A map literal with string keys.
    Map(Vec<(String, Node)>),
    Index(Box<Node>, Box<Node>),
    Var(Var),
    Select(Box<Node>, String),
    Has(Box<Node>, String),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    If(Box<[Node; 3]>),
    Cmp(Cmp, Box<Node>, Box<Node>),
    In(Box<Node>, Box<Node>),
    Add(Box<Node>, Box<Node>),
    /// `accu + list` as the step of a comprehension (`map`, `filter`):
    /// appends to the accumulator in place rather than copying it each step.
    Append(usize, Box<Node>),
    Size(Box<Node>),
    NotStrictlyFalse(Box<Node>),
    Call(Helper, Vec<Node>),
    Fold(Box<Fold>),
    /// A comprehension over a merged list that visits only the elements an
    /// index says can match (see [`Join`]).
    Join(Box<Join>),
}

#[derive(Debug, Clone)]
struct Fold {
    range: Node,
    iter: usize,
    accu: usize,
    init: Node,
    cond: Node,
    step: Node,
    result: Node,
}

/// A comprehension over a merged list (`assets.exists(a, … item.id in
/// a.systems …)`, `backups.filter(b, b.system == item.id)`) whose step leaves
/// the accumulator as it is for an element on which its predicate is false:
/// `@result || P` (`exists`) or `P ? … : @result` (`filter`, `exists_one`,
/// three-argument `map`). The predicate is an `||` of `&&`s, each with a
/// *key* conjunct comparing an expression of the element alone (`a.systems`,
/// `b.system`) with one that does not read the element (`item.id`):
/// `key == probe`, `probe == key` or `probe in key`.
///
/// Per facility, an index maps every string key to the elements that have
/// it ([`JoinIndex`]); evaluating then visits, in list order, only the
/// elements listed under the probe's value and those the index could not
/// classify, instead of the whole list for every judged item (systems ×
/// assets for AST-004). For every element left out, CEL's value of the
/// predicate is `false` without error: in CEL a conjunction with a `false`
/// conjunct is `false` whatever the others give (errors included), a
/// disjunction of `false`s is `false`, and a string equals no other string
/// and no value of another type. So the step would have left the
/// accumulator as it was, and the result is the same.
#[derive(Debug, Clone)]
struct Join {
    /// Which index of the facility's [`Joins`] is this join's.
    id: usize,
    /// The merged list, by its index in [`MERGED_LISTS`].
    list: usize,
    fold: Fold,
    disjuncts: Vec<Disjunct>,
}

/// One `&&` of a join's predicate.
#[derive(Debug, Clone)]
struct Disjunct {
    /// The conjuncts that read only the element (and facility-wide
    /// variables): one that is `false` rules the element out for any item.
    guards: Vec<Node>,
    /// The element's side of the key conjunct.
    key: Node,
    /// The other side, read once per evaluation.
    probe: Node,
    /// `probe in key` (else `key == probe`).
    within: bool,
}

/// The joins' indexes of one facility, built on first use (or by
/// [`Program::prepare`] before the rules run).
#[derive(Debug, Default)]
pub struct Joins {
    built: Mutex<HashMap<usize, Arc<OnceLock<JoinIndex>>>>,
}

/// Where the elements of a merged list can match a join's probe.
#[derive(Debug, Default)]
struct JoinIndex {
    /// Per disjunct: each string key, and the elements (ascending) that can
    /// match a probe of that value.
    keyed: Vec<HashMap<Box<str>, Vec<usize>>>,
    /// Elements some disjunct could not be decided for without the item:
    /// always visited.
    residual: Vec<usize>,
}

/// What one disjunct's key says about one element.
enum Keys {
    /// A guard is `false`: no probe matches.
    Never,
    /// Only a probe equal to one of these strings can match.
    Only(Vec<Box<str>>),
    /// Not decided here: visit the element.
    Unknown,
}

static NEXT_JOIN: AtomicUsize = AtomicUsize::new(0);

/// A value while evaluating: JSON borrowed from the views, or built.
#[derive(Debug, Clone)]
enum V<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(&'a str),
    /// A string built while evaluating.
    Text(Rc<str>),
    Arr(&'a [DocNode]),
    Refs(&'a [&'a DocNode]),
    Lits(&'a [Lit]),
    List(Rc<Vec<V<'a>>>),
    Obj(&'a [Entry]),
    /// A map literal, and `effective_auth`'s result.
    Fields(Rc<Vec<(&'a str, V<'a>)>>),
    EmptyMap,
    Documents,
}

impl<'a> V<'a> {
    fn json(v: &'a DocNode) -> V<'a> {
        match &v.value {
            NodeValue::Null => V::Null,
            NodeValue::Bool(b) => V::Bool(*b),
            NodeValue::Int(i) => V::Int(*i),
            NodeValue::Float(f) => V::Double(*f),
            NodeValue::String(s) => V::Str(s),
            NodeValue::Seq(items) => V::Arr(items),
            NodeValue::Map(m) => V::Obj(m),
        }
    }

    fn lit(l: &'a Lit) -> V<'a> {
        match l {
            Lit::Null => V::Null,
            Lit::Bool(b) => V::Bool(*b),
            Lit::Int(i) => V::Int(*i),
            Lit::Double(d) => V::Double(*d),
            Lit::Str(s) => V::Str(s),
        }
    }

    fn bool(&self) -> Result<bool> {
        match self {
            V::Bool(b) => Ok(*b),
            _ => Err(Declined),
        }
    }

    /// The length, for a list.
    fn list_len(&self) -> Option<usize> {
        match self {
            V::Arr(a) => Some(a.len()),
            V::Refs(r) => Some(r.len()),
            V::Lits(l) => Some(l.len()),
            V::List(l) => Some(l.len()),
            _ => None,
        }
    }

    /// Element `i` of a list.
    fn element(&self, i: usize) -> Option<V<'a>> {
        match self {
            V::Arr(a) => a.get(i).map(V::json),
            V::Refs(r) => r.get(i).map(|v| V::json(v)),
            V::Lits(l) => l.get(i).map(V::lit),
            V::List(l) => l.get(i).cloned(),
            _ => None,
        }
    }

    /// Field `name` of a map: `Ok(None)` when absent, declined for a value
    /// that is not a map.
    fn field(&self, name: &str) -> Result<Option<V<'a>>> {
        match self {
            V::Obj(m) => Ok(crate::document::node::find(m, name).map(|e| V::json(&e.value))),
            V::Fields(f) => Ok(f.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())),
            V::EmptyMap => Ok(None),
            _ => Err(Declined),
        }
    }
}

/// The string a value is, if it is one.
fn str_of<'s>(v: &'s V<'_>) -> Option<&'s str> {
    match v {
        V::Str(s) => Some(s),
        V::Text(s) => Some(s),
        _ => None,
    }
}

/// CEL equality, for two values of the same scalar kind, or a string and
/// any other value.
fn equal(a: &V<'_>, b: &V<'_>) -> Result<bool> {
    match (str_of(a), str_of(b)) {
        (Some(x), Some(y)) => return Ok(x == y),
        // CEL: a string equals no value of another type (its `equals` is a
        // downcast, and so is every other type's).
        (Some(_), None) | (None, Some(_)) => return Ok(false),
        (None, None) => {}
    }
    Ok(match (a, b) {
        (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Double(x), V::Double(y)) => x == y,
        _ => return Err(Declined),
    })
}

/// CEL ordering, for two ints, doubles or strings.
fn order(a: &V<'_>, b: &V<'_>) -> Result<std::cmp::Ordering> {
    if let (Some(x), Some(y)) = (str_of(a), str_of(b)) {
        return Ok(x.cmp(y));
    }
    match (a, b) {
        (V::Int(x), V::Int(y)) => Ok(x.cmp(y)),
        (V::Double(x), V::Double(y)) => x.partial_cmp(y).ok_or(Declined),
        _ => Err(Declined),
    }
}

/// `has_path`/`get_path`: a dotted path through maps and lists.
fn path_get<'a>(v: &V<'a>, path: &str) -> Result<Option<V<'a>>> {
    let mut node = v.clone();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let next = match &node {
            V::Obj(_) | V::Fields(_) | V::EmptyMap => node.field(part)?,
            V::Documents => return Err(Declined),
            _ if node.list_len().is_some() => part.parse::<usize>().ok().and_then(|i| node.element(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return Ok(None),
        }
    }
    Ok(Some(node))
}

/// The number of distinct elements of a list of scalars of one kind.
fn distinct_count(list: &V<'_>) -> Result<usize> {
    let n = list.list_len().ok_or(Declined)?;
    let mut seen: Vec<V<'_>> = Vec::new();
    for i in 0..n {
        let item = list.element(i).ok_or(Declined)?;
        let mut known = false;
        for s in &seen {
            if equal(s, &item)? {
                known = true;
                break;
            }
        }
        if !known {
            seen.push(item);
        }
    }
    Ok(seen.len())
}

fn string<'s>(v: &'s V<'_>) -> Result<&'s str> {
    str_of(v).ok_or(Declined)
}

fn date(v: &V<'_>) -> Result<Date> {
    string(v)?.parse::<Date>().map_err(|()| Declined)
}

fn int(v: &V<'_>) -> Result<i64> {
    match v {
        V::Int(i) => Ok(*i),
        _ => Err(Declined),
    }
}

struct Compiler {
    /// Comprehension variables in scope, innermost last.
    scope: Vec<(String, usize)>,
    slots: usize,
}

impl Program {
    /// Compiles a parsed CEL expression, or `None` when it uses anything the
    /// fast path does not evaluate.
    pub fn compile(expr: &IdedExpr) -> Option<Program> {
        let mut c = Compiler { scope: Vec::new(), slots: 0 };
        let root = c.expr(expr)?;
        Some(Program { root, slots: c.slots })
    }

    fn run<'a, T>(
        &'a self,
        globals: &Globals<'a>,
        item: &Item<'a>,
        then: impl FnOnce(V<'a>) -> Result<T>,
    ) -> Result<T> {
        // Comprehension variables: on the stack for the usual few.
        let mut stack: [V<'a>; 8] = std::array::from_fn(|_| V::Null);
        let mut heap = Vec::new();
        let locals = match stack.get_mut(..self.slots) {
            Some(l) => l,
            None => {
                heap.resize(self.slots, V::Null);
                &mut heap[..]
            }
        };
        let mut run = Run { globals, item, locals, left: globals.max_bytes };
        then(run.eval(&self.root)?)
    }

    /// How many comprehensions over merged lists are [`Join`]s (tests).
    #[cfg(test)]
    fn joins(&self) -> (usize, usize) {
        fn count(n: &Node, out: &mut (usize, usize)) {
            match n {
                Node::Join(j) => {
                    out.0 += 1;
                    for d in &j.disjuncts {
                        count(&d.probe, out);
                    }
                }
                Node::Fold(f) if matches!(f.range, Node::Var(Var::List(_))) => out.1 += 1,
                _ => {}
            }
            let mut children: Vec<&Node> = Vec::new();
            match n {
                Node::List(items) | Node::Call(_, items) => children.extend(items),
                Node::Map(entries) => children.extend(entries.iter().map(|(_, e)| e)),
                Node::Select(a, _)
                | Node::Has(a, _)
                | Node::Not(a)
                | Node::Size(a)
                | Node::NotStrictlyFalse(a) => children.push(a),
                Node::Index(a, b)
                | Node::And(a, b)
                | Node::Or(a, b)
                | Node::Cmp(_, a, b)
                | Node::In(a, b)
                | Node::Add(a, b) => children.extend([&**a, &**b]),
                Node::If(parts) => children.extend(parts.iter()),
                Node::Append(_, b) => children.push(b),
                Node::Fold(f) => children.extend([&f.range, &f.init, &f.cond, &f.step, &f.result]),
                Node::Join(j) => {
                    let f = &j.fold;
                    children.extend([&f.init, &f.cond, &f.step, &f.result]);
                }
                Node::Lit(_) | Node::ConstList(_) | Node::EmptyMap | Node::Var(_) => {}
            }
            children.into_iter().for_each(|c| count(c, out));
        }
        let mut out = (0, 0);
        count(&self.root, &mut out);
        out
    }

    /// Evaluates a condition: `Ok(true)` makes a finding.
    pub fn test<'a>(&'a self, globals: &Globals<'a>, item: &Item<'a>) -> Result<bool> {
        self.run(globals, item, |v| v.bool())
    }

    /// Evaluates a message interpolation to its text.
    pub fn text<'a>(&'a self, globals: &Globals<'a>, item: &Item<'a>) -> Result<String> {
        self.run(globals, item, |v| display(&v))
    }
}

/// The text of a value, as [`super::cel::display`] shows its CEL form.
fn display(v: &V<'_>) -> Result<String> {
    Ok(match v {
        V::Null => "—".to_owned(),
        V::Bool(b) => b.to_string(),
        V::Int(i) => i.to_string(),
        V::Double(d) => d.to_string(),
        V::Str(s) => (*s).to_owned(),
        V::Text(s) => s.to_string(),
        list => {
            let n = list.list_len().ok_or(Declined)?;
            let mut parts = Vec::with_capacity(n);
            for i in 0..n {
                parts.push(display(&list.element(i).ok_or(Declined)?)?);
            }
            parts.join(", ")
        }
    })
}

impl Compiler {
    fn expr(&mut self, e: &IdedExpr) -> Option<Node> {
        Some(match &e.expr {
            Expr::Literal(l) => Node::Lit(literal(l)?),
            Expr::Ident(name) => Node::Var(self.ident(name)?),
            Expr::Select(s) => {
                let operand = Box::new(self.expr(&s.operand)?);
                if s.test {
                    Node::Has(operand, s.field.clone())
                } else {
                    Node::Select(operand, s.field.clone())
                }
            }
            Expr::List(l) if l.optional_indices.is_empty() => {
                let consts: Option<Vec<Lit>> = l
                    .elements
                    .iter()
                    .map(|e| match &e.expr {
                        Expr::Literal(l) => literal(l),
                        _ => None,
                    })
                    .collect();
                match consts {
                    Some(c) => Node::ConstList(c),
                    None => Node::List(l.elements.iter().map(|e| self.expr(e)).collect::<Option<_>>()?),
                }
            }
            Expr::Map(m) if m.entries.is_empty() => Node::EmptyMap,
            Expr::Map(m) => {
                let mut entries: Vec<(String, Node)> = Vec::new();
                for entry in &m.entries {
                    let EntryExpr::MapEntry(e) = &entry.expr else { return None };
                    let Expr::Literal(LiteralValue::String(key)) = &e.key.expr else { return None };
                    if e.optional || entries.iter().any(|(k, _)| k == key.inner()) {
                        return None;
                    }
                    entries.push((key.inner().to_owned(), self.expr(&e.value)?));
                }
                Node::Map(entries)
            }
            Expr::Call(call) => self.call(call)?,
            Expr::Comprehension(c) => self.fold(c)?,
            _ => return None,
        })
    }

    fn ident(&self, name: &str) -> Option<Var> {
        if let Some((_, slot)) = self.scope.iter().rev().find(|(n, _)| n == name) {
            return Some(Var::Local(*slot));
        }
        Some(match name {
            "item" => Var::Item,
            "owner" => Var::Owner,
            "document" => Var::Document,
            "facility" => Var::Facility,
            "policy" => Var::Policy,
            "as_of" => Var::AsOf,
            "documents" => Var::Documents,
            list => Var::List(MERGED_LISTS.iter().position(|l| *l == list)?),
        })
    }

    fn boxed(&mut self, e: &IdedExpr) -> Option<Box<Node>> {
        self.expr(e).map(Box::new)
    }

    fn call(&mut self, call: &CallExpr) -> Option<Node> {
        let args = &call.args;
        if let Some(target) = &call.target {
            return match (call.func_name.as_str(), args.len()) {
                ("size", 0) => Some(Node::Size(self.boxed(target)?)),
                _ => None,
            };
        }
        let two = |c: &mut Compiler| -> Option<(Box<Node>, Box<Node>)> {
            match args.as_slice() {
                [a, b] => Some((c.boxed(a)?, c.boxed(b)?)),
                _ => None,
            }
        };
        let bin = |c: &mut Compiler, node: fn(Box<Node>, Box<Node>) -> Node| two(c).map(|(a, b)| node(a, b));
        let cmp = |c: &mut Compiler, op: Cmp| two(c).map(|(a, b)| Node::Cmp(op, a, b));
        Some(match call.func_name.as_str() {
            op::LOGICAL_AND => bin(self, Node::And)?,
            op::LOGICAL_OR => bin(self, Node::Or)?,
            op::LOGICAL_NOT if args.len() == 1 => Node::Not(self.boxed(&args[0])?),
            op::NOT_STRICTLY_FALSE if args.len() == 1 => Node::NotStrictlyFalse(self.boxed(&args[0])?),
            op::CONDITIONAL => match args.as_slice() {
                [c, a, b] => Node::If(Box::new([self.expr(c)?, self.expr(a)?, self.expr(b)?])),
                _ => return None,
            },
            op::EQUALS => cmp(self, Cmp::Eq)?,
            op::NOT_EQUALS => cmp(self, Cmp::Ne)?,
            op::LESS => cmp(self, Cmp::Lt)?,
            op::LESS_EQUALS => cmp(self, Cmp::Le)?,
            op::GREATER => cmp(self, Cmp::Gt)?,
            op::GREATER_EQUALS => cmp(self, Cmp::Ge)?,
            op::IN => bin(self, Node::In)?,
            op::ADD => bin(self, Node::Add)?,
            op::INDEX => bin(self, Node::Index)?,
            "size" if args.len() == 1 => Node::Size(self.boxed(&args[0])?),
            name => {
                let (helper, arity) = Helper::of(name)?;
                if args.len() != arity {
                    return None;
                }
                Node::Call(helper, args.iter().map(|a| self.expr(a)).collect::<Option<_>>()?)
            }
        })
    }

    fn fold(&mut self, c: &ComprehensionExpr) -> Option<Node> {
        if c.iter_var2.is_some() {
            return None;
        }
        let range = self.expr(&c.iter_range)?;
        let init = self.expr(&c.accu_init)?;
        let (iter, accu) = (self.slots, self.slots + 1);
        self.slots += 2;
        let depth = self.scope.len();
        self.scope.push((c.accu_var.clone(), accu));
        self.scope.push((c.iter_var.clone(), iter));
        let cond = self.expr(&c.loop_cond);
        let step = self.expr(&c.loop_step).map(|s| appending(s, accu));
        self.scope.truncate(depth + 1);
        let result = self.expr(&c.result);
        self.scope.truncate(depth);
        Some(joined(Fold { range, iter, accu, init, cond: cond?, step: step?, result: result? }))
    }
}

/// Calls `f` with every variable a node reads (in comprehensions too) and
/// every slot [`Node::Append`] writes.
fn each_var(n: &Node, f: &mut dyn FnMut(Var)) {
    let each = |nodes: &[&Node], f: &mut dyn FnMut(Var)| nodes.iter().for_each(|n| each_var(n, f));
    match n {
        Node::Lit(_) | Node::ConstList(_) | Node::EmptyMap => {}
        Node::Var(v) => f(*v),
        Node::List(items) | Node::Call(_, items) => items.iter().for_each(|i| each_var(i, f)),
        Node::Map(entries) => entries.iter().for_each(|(_, e)| each_var(e, f)),
        Node::Select(a, _) | Node::Has(a, _) | Node::Not(a) | Node::Size(a) | Node::NotStrictlyFalse(a) => {
            each_var(a, f)
        }
        Node::Index(a, b)
        | Node::And(a, b)
        | Node::Or(a, b)
        | Node::Cmp(_, a, b)
        | Node::In(a, b)
        | Node::Add(a, b) => each(&[a, b], f),
        Node::If(parts) => each(&[&parts[0], &parts[1], &parts[2]], f),
        Node::Append(slot, b) => {
            f(Var::Local(*slot));
            each_var(b, f);
        }
        Node::Fold(fold) => each(&[&fold.range, &fold.init, &fold.cond, &fold.step, &fold.result], f),
        Node::Join(j) => {
            let fold = &j.fold;
            each(&[&fold.range, &fold.init, &fold.cond, &fold.step, &fold.result], f)
        }
    }
}

fn all_vars(n: &Node, mut ok: impl FnMut(Var) -> bool) -> bool {
    let mut all = true;
    each_var(n, &mut |v| all &= ok(v));
    all
}

/// A comprehension over a merged list as a [`Join`] when its shape allows,
/// else as it is.
fn joined(f: Fold) -> Node {
    let (iter, accu) = (f.iter, f.accu);
    let is_accu = |n: &Node| matches!(n, Node::Var(Var::Local(s)) if *s == accu);
    // Reads only the element, nested comprehensions' own variables and
    // facility-wide ones: the same for every judged item.
    let element_only = |n: &Node| {
        all_vars(n, |v| match v {
            Var::Item | Var::Owner | Var::Document => false,
            Var::Local(s) => s == iter || s > accu,
            _ => true,
        })
    };
    // Does not read the element or the accumulator.
    let element_free = |n: &Node| all_vars(n, |v| !matches!(v, Var::Local(s) if s == iter || s == accu));
    let reads_element = |n: &Node| !all_vars(n, |v| !matches!(v, Var::Local(s) if s == iter));
    let Node::Var(Var::List(list)) = f.range else { return Node::Fold(Box::new(f)) };
    // The macros' loop conditions: `true`, or "no element matched yet".
    let cond = match &f.cond {
        Node::Lit(Lit::Bool(true)) => true,
        Node::NotStrictlyFalse(n) => matches!(&**n, Node::Not(a) if is_accu(a)),
        _ => false,
    };
    let predicate = match &f.step {
        Node::Or(a, p) if is_accu(a) => Some(&**p),
        Node::If(parts) if is_accu(&parts[2]) => Some(&parts[0]),
        _ => None,
    };
    let Some(predicate) =
        predicate.filter(|p| cond && all_vars(p, |v| !matches!(v, Var::Local(s) if s == accu)))
    else {
        return Node::Fold(Box::new(f));
    };
    let disjunct = |d: &Node| -> Option<Disjunct> {
        let mut conjuncts = Vec::new();
        flatten(d, true, &mut conjuncts);
        let mut guards = Vec::new();
        let mut key = None;
        for c in conjuncts {
            if element_only(c) {
                guards.push(c.clone());
                continue;
            }
            if key.is_some() {
                continue;
            }
            let keyed = |k: &Node| element_only(k) && reads_element(k);
            key = match c {
                Node::Cmp(Cmp::Eq, a, b) if keyed(a) && element_free(b) => Some((a, b, false)),
                Node::Cmp(Cmp::Eq, a, b) if keyed(b) && element_free(a) => Some((b, a, false)),
                Node::In(p, k) if keyed(k) && element_free(p) => Some((k, p, true)),
                _ => None,
            };
        }
        let (key, probe, within) = key?;
        Some(Disjunct { guards, key: (**key).clone(), probe: (**probe).clone(), within })
    };
    let mut disjuncts = Vec::new();
    flatten(predicate, false, &mut disjuncts);
    match disjuncts.into_iter().map(disjunct).collect::<Option<Vec<_>>>() {
        Some(disjuncts) => Node::Join(Box::new(Join {
            id: NEXT_JOIN.fetch_add(1, Ordering::Relaxed),
            list,
            fold: f,
            disjuncts,
        })),
        None => Node::Fold(Box::new(f)),
    }
}

/// The operands of nested `&&` (`and`) or `||`.
fn flatten<'n>(n: &'n Node, and: bool, out: &mut Vec<&'n Node>) {
    match n {
        Node::And(a, b) if and => {
            flatten(a, and, out);
            flatten(b, and, out);
        }
        Node::Or(a, b) if !and => {
            flatten(a, and, out);
            flatten(b, and, out);
        }
        other => out.push(other),
    }
}

/// A comprehension step that extends the accumulator (`@result + [x]`, or
/// `cond ? @result + [x] : @result`), rewritten to append in place.
fn appending(step: Node, accu: usize) -> Node {
    match step {
        Node::Add(a, b)
            if matches!(*a, Node::Var(Var::Local(s)) if s == accu)
                && matches!(*b, Node::List(_) | Node::ConstList(_)) =>
        {
            Node::Append(accu, b)
        }
        Node::If(parts) => {
            let [c, then, otherwise] = *parts;
            Node::If(Box::new([c, appending(then, accu), otherwise]))
        }
        other => other,
    }
}

fn literal(l: &LiteralValue) -> Option<Lit> {
    Some(match l {
        LiteralValue::Null => Lit::Null,
        LiteralValue::Boolean(b) => Lit::Bool(*b.inner()),
        LiteralValue::Int(i) => Lit::Int(*i.inner()),
        LiteralValue::Double(d) => Lit::Double(*d.inner()),
        LiteralValue::String(s) => Lit::Str(s.inner().to_owned()),
        LiteralValue::UInt(_) | LiteralValue::Bytes(_) => return None,
    })
}

/// One evaluation.
struct Run<'r, 'a> {
    globals: &'r Globals<'a>,
    item: &'r Item<'a>,
    locals: &'r mut [V<'a>],
    /// What is left of [`Globals::max_bytes`].
    left: u64,
}

/// A machine word: what a list slot or a reference costs.
const WORD: usize = 8;

impl<'a> Run<'_, 'a> {
    /// Takes `bytes` from the evaluation's allowance; declines past it.
    fn charge(&mut self, bytes: usize) -> Result<()> {
        let bytes = u64::try_from(bytes).map_err(|_| Declined)?;
        self.left = self.left.checked_sub(bytes).ok_or(Declined)?;
        Ok(())
    }

    fn var(&self, v: Var) -> Result<V<'a>> {
        let g = self.globals;
        Ok(match v {
            Var::Item => V::json(self.item.item),
            Var::Owner => V::json(self.item.owner.ok_or(Declined)?),
            Var::Document => V::json(self.item.document.ok_or(Declined)?),
            Var::Facility => V::json(g.facility),
            Var::Policy => V::json(g.policy),
            Var::AsOf => V::Str(g.as_of),
            Var::Documents => V::Documents,
            Var::List(i) => V::Refs(g.lists.get(i).ok_or(Declined)?),
            Var::Local(slot) => self.locals.get(slot).cloned().ok_or(Declined)?,
        })
    }

    fn eval(&mut self, node: &'a Node) -> Result<V<'a>> {
        Ok(match node {
            Node::Lit(l) => V::lit(l),
            Node::ConstList(items) => V::Lits(items),
            Node::List(items) => {
                self.charge(WORD * (3 + 2 * items.len()))?;
                V::List(Rc::new(items.iter().map(|e| self.eval(e)).collect::<Result<_>>()?))
            }
            Node::EmptyMap => V::EmptyMap,
            Node::Map(entries) => {
                self.charge(WORD * (3 + 4 * entries.len()))?;
                let mut fields = Vec::with_capacity(entries.len());
                for (k, e) in entries {
                    fields.push((k.as_str(), self.eval(e)?));
                }
                V::Fields(Rc::new(fields))
            }
            Node::Index(a, i) => {
                let (a, i) = (self.eval(a)?, self.eval(i)?);
                match (&a, &i) {
                    (V::Obj(_) | V::Fields(_) | V::EmptyMap, key) => {
                        a.field(string(key)?)?.ok_or(Declined)?
                    }
                    (_, V::Int(n)) => {
                        a.element(usize::try_from(*n).map_err(|_| Declined)?).ok_or(Declined)?
                    }
                    _ => return Err(Declined),
                }
            }
            Node::Var(v) => self.var(*v)?,
            Node::Select(operand, field) => match self.eval(operand)? {
                V::Documents => {
                    let kind = Kind::ALL.iter().position(|k| *k != Kind::Config && k.name() == field);
                    V::Refs(self.globals.documents.get(kind.ok_or(Declined)?).ok_or(Declined)?)
                }
                map => map.field(field)?.ok_or(Declined)?,
            },
            Node::Has(operand, field) => match self.eval(operand)? {
                V::Documents => return Err(Declined),
                map => V::Bool(map.field(field)?.is_some()),
            },
            Node::Not(a) => V::Bool(!self.eval(a)?.bool()?),
            Node::And(a, b) => V::Bool(self.eval(a)?.bool()? && self.eval(b)?.bool()?),
            Node::Or(a, b) => V::Bool(self.eval(a)?.bool()? || self.eval(b)?.bool()?),
            Node::If(parts) => {
                let [c, a, b] = &**parts;
                if self.eval(c)?.bool()? { self.eval(a)? } else { self.eval(b)? }
            }
            Node::Cmp(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                V::Bool(match op {
                    Cmp::Eq => equal(&a, &b)?,
                    Cmp::Ne => !equal(&a, &b)?,
                    Cmp::Lt => order(&a, &b)?.is_lt(),
                    Cmp::Le => order(&a, &b)?.is_le(),
                    Cmp::Gt => order(&a, &b)?.is_gt(),
                    Cmp::Ge => order(&a, &b)?.is_ge(),
                })
            }
            Node::In(a, b) => {
                let (x, list) = (self.eval(a)?, self.eval(b)?);
                let n = list.list_len().ok_or(Declined)?;
                let mut found = false;
                for i in 0..n {
                    if equal(&x, &list.element(i).ok_or(Declined)?)? {
                        found = true;
                        break;
                    }
                }
                V::Bool(found)
            }
            Node::Add(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                match (&a, &b) {
                    (V::Int(x), V::Int(y)) => V::Int(x.checked_add(*y).ok_or(Declined)?),
                    _ if str_of(&a).is_some() => {
                        let (x, y) = (string(&a)?, string(&b)?);
                        self.charge(3 * WORD + x.len() + y.len())?;
                        V::Text([x, y].concat().into())
                    }
                    _ => {
                        let (n, m) = (a.list_len().ok_or(Declined)?, b.list_len().ok_or(Declined)?);
                        self.charge(WORD * (3 + 2 * (n + m)))?;
                        let mut out = Vec::with_capacity(n + m);
                        for (list, len) in [(&a, n), (&b, m)] {
                            for i in 0..len {
                                out.push(list.element(i).ok_or(Declined)?);
                            }
                        }
                        V::List(Rc::new(out))
                    }
                }
            }
            Node::Append(slot, list) => {
                // The new elements first, while the accumulator is in place.
                let extra = self.eval(list)?;
                let n = extra.list_len().ok_or(Declined)?;
                self.charge(2 * WORD * n)?;
                let accu = std::mem::replace(self.locals.get_mut(*slot).ok_or(Declined)?, V::Null);
                let mut items = match accu {
                    V::List(rc) => Rc::try_unwrap(rc).unwrap_or_else(|rc| (*rc).clone()),
                    other => {
                        let len = other.list_len().ok_or(Declined)?;
                        (0..len).map(|i| other.element(i)).collect::<Option<Vec<_>>>().ok_or(Declined)?
                    }
                };
                for i in 0..n {
                    items.push(extra.element(i).ok_or(Declined)?);
                }
                V::List(Rc::new(items))
            }
            Node::Size(a) => {
                let v = self.eval(a)?;
                let n = match &v {
                    V::Str(_) | V::Text(_) => string(&v)?.chars().count(),
                    V::Obj(m) => m.len(),
                    V::Fields(f) => f.len(),
                    V::EmptyMap => 0,
                    other => other.list_len().ok_or(Declined)?,
                };
                V::Int(i64::try_from(n).map_err(|_| Declined)?)
            }
            Node::NotStrictlyFalse(a) => V::Bool(!matches!(self.eval(a)?, V::Bool(false))),
            Node::Call(helper, args) => self.helper(*helper, args)?,
            Node::Fold(f) => self.fold(f)?,
            Node::Join(j) => self.join(j)?,
        })
    }

    /// A [`Join`]: the fold over the elements its index leaves in.
    fn join(&mut self, j: &'a Join) -> Result<V<'a>> {
        let mut probes: Vec<V<'a>> = Vec::with_capacity(j.disjuncts.len());
        for d in &j.disjuncts {
            match self.eval(&d.probe) {
                Ok(v) if str_of(&v).is_some() => probes.push(v),
                // Not a string, or not decided here: the whole list.
                _ => return self.fold(&j.fold),
            }
        }
        let index = self.index(j)?;
        let index = index.get().ok_or(Declined)?;
        let mut visit = index.residual.clone();
        for (keyed, probe) in index.keyed.iter().zip(&probes) {
            if let Some(found) = str_of(probe).and_then(|p| keyed.get(p)) {
                visit.extend_from_slice(found);
            }
        }
        // In list order, each once: as the comprehension would meet them.
        visit.sort_unstable();
        visit.dedup();
        let list = self.globals.lists.get(j.list).ok_or(Declined)?;
        let f = &j.fold;
        self.locals[f.accu] = self.eval(&f.init)?;
        for i in visit {
            if !self.eval(&f.cond)?.bool()? {
                break;
            }
            self.locals[f.iter] = V::json(list.get(i).ok_or(Declined)?);
            self.locals[f.accu] = self.eval(&f.step)?;
        }
        self.eval(&f.result)
    }

    /// The facility's index for join `j`, built on first need.
    fn index(&mut self, j: &'a Join) -> Result<Arc<OnceLock<JoinIndex>>> {
        let cell = {
            let mut built = self.globals.joins.built.lock().map_err(|_| Declined)?;
            Arc::clone(built.entry(j.id).or_default())
        };
        cell.get_or_init(|| self.build(j));
        Ok(cell)
    }

    fn build(&mut self, j: &'a Join) -> JoinIndex {
        let list: &'a [&'a DocNode] = self.globals.lists.get(j.list).map_or(&[], |l| l.as_slice());
        let mut index = JoinIndex { keyed: vec![HashMap::new(); j.disjuncts.len()], residual: Vec::new() };
        let saved = std::mem::replace(&mut self.locals[j.fold.iter], V::Null);
        let mut keys: Vec<Keys> = Vec::with_capacity(j.disjuncts.len());
        for (i, element) in list.iter().enumerate() {
            self.locals[j.fold.iter] = V::json(element);
            keys.clear();
            for d in &j.disjuncts {
                keys.push(self.keys(d));
            }
            if keys.iter().any(|k| matches!(k, Keys::Unknown)) {
                index.residual.push(i);
                continue;
            }
            for (keyed, k) in index.keyed.iter_mut().zip(keys.drain(..)) {
                if let Keys::Only(found) = k {
                    for key in found {
                        let elements = keyed.entry(key).or_default();
                        if elements.last() != Some(&i) {
                            elements.push(i);
                        }
                    }
                }
            }
        }
        self.locals[j.fold.iter] = saved;
        index
    }

    /// What disjunct `d` says about the element bound to its comprehension
    /// variable, for a string probe.
    fn keys(&mut self, d: &'a Disjunct) -> Keys {
        for guard in &d.guards {
            if let Ok(V::Bool(false)) = self.eval(guard) {
                return Keys::Never;
            }
        }
        let Ok(key) = self.eval(&d.key) else { return Keys::Unknown };
        if !d.within {
            // `key == probe`: a string equals only itself, and no value of
            // another type.
            return Keys::Only(str_of(&key).map(Box::from).into_iter().collect());
        }
        // `probe in key`: a list's string elements (its other elements
        // equal no string). `in` a map or a string is left to the visit.
        let Some(n) = key.list_len() else { return Keys::Unknown };
        let mut found = Vec::new();
        for i in 0..n {
            match key.element(i) {
                Some(e) => found.extend(str_of(&e).map(Box::from)),
                None => return Keys::Unknown,
            }
        }
        Keys::Only(found)
    }

    fn fold(&mut self, f: &'a Fold) -> Result<V<'a>> {
        let init = self.eval(&f.init)?;
        let range = self.eval(&f.range)?;
        let n = range.list_len().ok_or(Declined)?;
        self.locals[f.accu] = init;
        for i in 0..n {
            if !self.eval(&f.cond)?.bool()? {
                break;
            }
            self.locals[f.iter] = range.element(i).ok_or(Declined)?;
            self.locals[f.accu] = self.eval(&f.step)?;
        }
        self.eval(&f.result)
    }

    fn helper(&mut self, helper: Helper, args: &'a [Node]) -> Result<V<'a>> {
        // Helpers take at most three arguments: evaluated onto the stack.
        let mut values = [V::Null, V::Null, V::Null];
        if args.len() > values.len() {
            return Err(Declined);
        }
        for (slot, a) in values.iter_mut().zip(args) {
            *slot = self.eval(a)?;
        }
        let arg = |i: usize| values.get(i).filter(|_| i < args.len()).ok_or(Declined);
        let as_of = self.globals.as_of_date;
        Ok(match helper {
            Helper::HasPath => V::Bool(path_get(arg(0)?, string(arg(1)?)?)?.is_some()),
            Helper::GetPath => match path_get(arg(0)?, string(arg(1)?)?)? {
                Some(v) => v,
                None => arg(2)?.clone(),
            },
            Helper::OlderThanDays => V::Bool(date(arg(0)?)?.days_until(as_of) > int(arg(1)?)?),
            Helper::WithinDays => V::Bool(date(arg(0)?)?.days_until(as_of) <= int(arg(1)?)?),
            Helper::DaysSince => V::Int(date(arg(0)?)?.days_until(as_of)),
            Helper::DistinctCount => V::Int(i64::try_from(distinct_count(arg(0)?)?).map_err(|_| Declined)?),
            Helper::MfaEnabled => {
                let mfa = arg(0)?;
                let enabled = matches!(path_get(mfa, "enabled")?, Some(V::Bool(true)));
                let factors = match path_get(mfa, "factors")? {
                    Some(list) if list.list_len().is_some() => distinct_count(&list)?,
                    _ => 0,
                };
                V::Bool(enabled && factors >= 2)
            }
            Helper::EffectiveAuth => {
                let own = path_get(arg(0)?, "authentication")?;
                let default = path_get(arg(1)?, "authentication")?;
                let mut fields = Vec::new();
                for field in ["password", "mfa"] {
                    let mut value = None;
                    for block in [&own, &default].into_iter().flatten() {
                        if value.is_none() {
                            value = path_get(block, field)?;
                        }
                    }
                    if let Some(v) = value {
                        fields.push((field, v));
                    }
                }
                V::Fields(Rc::new(fields))
            }
            Helper::IsAnyAddress => V::Bool(super::cel::is_any_address(string(arg(0)?)?)),
            Helper::IsAddress => V::Bool(super::cel::is_address(string(arg(0)?)?)),
            Helper::IsDate => V::Bool(str_of(arg(0)?).is_some_and(|s| s.parse::<Date>().is_ok())),
            Helper::NameKey => V::Text(str_of(arg(0)?).map_or_else(String::new, super::cel::name_key).into()),
            // CEL's own conversion, for the kinds whose text is certain.
            Helper::String => match arg(0)? {
                V::Int(i) => V::Text(i.to_string().into()),
                V::Bool(b) => V::Text(b.to_string().into()),
                s @ (V::Str(_) | V::Text(_)) => s.clone(),
                _ => return Err(Declined),
            },
            Helper::Join => {
                let (list, sep) = (arg(0)?, string(arg(1)?)?);
                let n = list.list_len().ok_or(Declined)?;
                let mut parts = Vec::with_capacity(n);
                for i in 0..n {
                    parts.push(display(&list.element(i).ok_or(Declined)?)?);
                }
                let len = parts.iter().map(|p| p.len() + sep.len()).sum::<usize>();
                self.charge(3 * WORD + len)?;
                V::Text(parts.join(sep).into())
            }
            Helper::Head => {
                let list = arg(0)?;
                let len = list.list_len().ok_or(Declined)?;
                let n = match arg(1)? {
                    V::Int(i) => usize::try_from((*i).max(0)).map_err(|_| Declined)?,
                    _ => 0,
                };
                self.charge(WORD * (3 + 2 * (len.min(n) + 1)))?;
                let mut out: Vec<V<'_>> = (0..len.min(n)).filter_map(|i| list.element(i)).collect();
                if len > n {
                    out.push(V::Text(format!("… (+{})", len - n).into()));
                }
                V::List(Rc::new(out))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::schemas::Schemas;
    use crate::rules::catalog::{Catalog, Test};
    use serde_json::{Value, json};

    const AS_OF: &str = "2025-06-30";

    /// The fast path's answer and the interpreter's, for `expr` on `item`
    /// (with `assets` bound to `assets`).
    fn both(
        expr: &str,
        item: &Value,
        assets: &[Value],
    ) -> (Result<bool>, std::result::Result<cel::Value, String>) {
        run_both(expr, item, assets, |p, g, i| p.test(g, i))
    }

    /// A message interpolation's text both ways.
    fn text_both(expr: &str, item: &Value) -> (Result<String>, std::result::Result<String, String>) {
        let (fast, interpreted) = run_both(expr, item, &[], |p, g, i| p.text(g, i));
        (fast, interpreted.map(|v| super::super::cel::display(&v)))
    }

    fn run_both<T>(
        expr: &str,
        item: &Value,
        assets: &[Value],
        eval: impl for<'a> Fn(&'a Program, &Globals<'a>, &Item<'a>) -> Result<T>,
    ) -> (Result<T>, std::result::Result<cel::Value, String>) {
        let program = cel::Program::compile(expr).unwrap();
        let condition = Program::compile(program.expression()).unwrap_or_else(|| panic!("`{expr}` compiles"));
        let policy = json!({"patch_max_age_days": 90});
        let facility = json!({"authentication": {"mfa": {"enabled": true, "factors": ["a", "b"]}}});
        let (policy_tree, facility_tree) = (DocNode::from_json(&policy), DocNode::from_json(&facility));
        let asset_trees: Vec<DocNode> = assets.iter().map(DocNode::from_json).collect();
        let item_tree = DocNode::from_json(item);
        let mut lists = vec![Vec::new(); MERGED_LISTS.len()];
        lists[1] = asset_trees.iter().collect();
        let documents = vec![Vec::new(); Kind::ALL.len()];
        let globals = Globals {
            facility: &facility_tree,
            policy: &policy_tree,
            as_of: AS_OF,
            as_of_date: AS_OF.parse().unwrap(),
            lists: &lists,
            documents: &documents,
            joins: &Joins::default(),
            max_bytes: u64::MAX,
        };
        let fast =
            eval(&condition, &globals, &Item { item: &item_tree, owner: Some(&item_tree), document: None });
        let mut ctx = cel::Context::default();
        super::super::cel::register(&mut ctx, AS_OF.parse().unwrap()).unwrap();
        let to_cel = super::super::cel::to_cel;
        ctx.add_variable_from_value("item", to_cel(item));
        ctx.add_variable_from_value("owner", to_cel(item));
        ctx.add_variable_from_value("policy", to_cel(&policy));
        ctx.add_variable_from_value("facility", to_cel(&facility));
        ctx.add_variable_from_value("as_of", to_cel(&json!(AS_OF)));
        ctx.add_variable_from_value("assets", to_cel(&Value::Array(assets.to_vec())));
        (fast, program.execute(&ctx).map_err(|e| e.to_string()))
    }

    /// Asserts the fast path answers `want` and the interpreter agrees.
    fn answers(expr: &str, item: Value, want: bool) {
        let (fast, interpreted) = both(expr, &item, &[]);
        assert_eq!(fast, Ok(want), "fast path: `{expr}` on {item}");
        assert_eq!(interpreted, Ok(cel::Value::Bool(want)), "interpreter: `{expr}` on {item}");
    }

    /// Asserts the fast path declines (the interpreter decides).
    fn declines(expr: &str, item: Value) {
        assert_eq!(both(expr, &item, &[]).0, Err(Declined), "`{expr}` on {item}");
    }

    #[test]
    fn every_builtin_condition_is_on_the_fast_path() {
        let schemas = Schemas::load().unwrap();
        let catalog = Catalog::builtin(&schemas).unwrap();
        let mut n = 0;
        for rule in catalog.iter() {
            for check in &rule.checks {
                if let Test::Cel(e) = &check.test {
                    assert!(e.fast.is_some(), "{}: `{}` is not on the fast path", rule.id(), e.source);
                    n += 1;
                }
            }
        }
        assert!(n > 40, "{n} conditions");
    }

    #[test]
    fn selections_presence_and_logic() {
        let item =
            json!({"type": "server", "os": {"name": "Windows", "support_ends_on": "2020-01-14"}, "n": 3});
        answers("has(item.type) && item.type == 'server'", item.clone(), true);
        answers("has(item.patch) && item.patch.x == 1", item.clone(), false);
        answers("!has(item.patch) || item.patch.x == 1", item.clone(), true);
        answers("item.os.support_ends_on < as_of", item.clone(), true);
        answers("item.n >= 3 && item.n < 4 && item.n != 5", item.clone(), true);
        answers("item.type in ['server', 'client_pc']", item.clone(), true);
        answers("'x' in ['server', 'client_pc']", item.clone(), false);
        answers("size(item.os) == 2 && item.os.size() == 2 && size('日本') == 2", item.clone(), true);
        answers("item.n > 2 ? item.type == 'server' : false", item.clone(), true);
        answers(
            "item['type'] == 'server' && {'a': 1, 'b': item.n}['b'] == 3 && {'a': 1}.a == 1",
            item.clone(),
            true,
        );
        answers("['x', 'y'][1] == 'y'", item.clone(), true);
        declines("['x', 'y'][2] == 'y'", item.clone());
        declines("{'a': 1}['b'] == 1", item);
    }

    #[test]
    fn helpers_agree_with_the_interpreter() {
        let item = json!({
            "patch": {"last_applied_on": "2025-01-01"},
            "classes": ["upper", "lower", "upper", "digit"],
            "src": ["10.0.0.0/8", "0.0.0.0/0"],
            "authentication": {"password": {"min_length": 8}},
        });
        answers("older_than_days(item.patch.last_applied_on, policy.patch_max_age_days)", item.clone(), true);
        answers("within_days(item.patch.last_applied_on, 180)", item.clone(), true);
        answers("days_since(item.patch.last_applied_on) == 180", item.clone(), true);
        answers(
            "has_path(item, 'patch.last_applied_on') && !has_path(item, 'patch.x.y')",
            item.clone(),
            true,
        );
        answers(
            "get_path(item, 'classes.1', '') == 'lower' && get_path(item, 'no.such', 7) == 7",
            item.clone(),
            true,
        );
        answers("distinct_count(item.classes) == 3 && distinct_count([]) == 0", item.clone(), true);
        answers(
            "item.src.exists(s, is_any_address(s)) && !item.src.all(s, is_any_address(s))",
            item.clone(),
            true,
        );
        answers("mfa_enabled(get_path(effective_auth(item, facility), 'mfa', {}))", item.clone(), true);
        answers("effective_auth(item, facility).password.min_length == 8", item.clone(), true);
        answers(
            "!has(effective_auth({}, {}).password) && is_date('2025-02-28') && !is_date('2025-02-30')",
            item.clone(),
            true,
        );
        answers("size(item.classes.filter(c, c != 'upper').map(c, size(c))) == 2", item, true);
        for (name, generic) in
            [("Admin01", true), ("ａｄｍｉｎ　１", true), ("共用-2", true), ("d0001", false)]
        {
            answers("name_key(item.id) in ['admin', 'root', '共用']", json!({"id": name}), generic);
        }
        // Not a string (a wrong-typed list item is `{}` in the view): the empty key.
        answers("name_key(item.id) == '' && name_key(item.n) == ''", json!({"id": 7, "n": {}}), true);
    }

    #[test]
    fn comprehensions_over_facility_lists_and_shadowing() {
        let assets = [json!({"id": "a1", "systems": ["ehr"]}), json!({"id": "a2"})];
        let item = json!({"id": "ehr"});
        for (expr, want) in [
            ("assets.exists(a, has(a.systems) && item.id in a.systems)", true),
            ("assets.all(a, has(a.systems))", false),
            ("assets.exists_one(a, a.id == 'a2')", true),
            ("['a1', 'a2'].all(t, assets.exists(a, a.id == t))", true),
            ("assets.exists(item, item.id == 'a2')", true),
        ] {
            let (fast, interpreted) = both(expr, &item, &assets);
            assert_eq!(fast, Ok(want), "{expr}");
            assert_eq!(interpreted, Ok(cel::Value::Bool(want)), "{expr}");
        }
    }

    #[test]
    fn errors_and_mixed_kinds_are_left_to_the_interpreter() {
        // CEL errors: a missing field, a bad date, a non-bool condition.
        declines("item.missing == 1", json!({}));
        declines("older_than_days(item.d, 30)", json!({"d": "2025-02-30"}));
        declines("older_than_days(item.d, 30)", json!({"d": 20250101}));
        declines("item.n", json!({"n": 1}));
        declines("has(item.s.x)", json!({"s": "text"}));
        // Mixed kinds: CEL's answers differ between them; not ours to give.
        declines("item.n == 1", json!({"n": 1.0}));
        declines("item.n < 'x'", json!({"n": 1}));
        declines("item.n == true", json!({"n": 1}));
        declines("1.0 in item.list", json!({"list": [true, 1]}));
        // An element error inside a comprehension (CEL may absorb it).
        declines("item.list.exists(x, x.a == 1)", json!({"list": [{"b": 1}, {"a": 1}]}));
    }

    #[test]
    fn a_string_equals_no_value_of_another_kind() {
        answers("item.flag == true", json!({"flag": "yes"}), false);
        answers("item.flag != 'yes'", json!({"flag": true}), true);
        answers("1 in item.list", json!({"list": ["1", 1]}), true);
        answers("'x' in item.list", json!({"list": [1, {}, [], null, "x"]}), true);
        answers("item.m == 'a'", json!({"m": {"a": 1}}), false);
    }

    /// The assets the join tests look up in: the shapes a key can take.
    fn join_assets() -> Vec<Value> {
        vec![
            json!({"id": "a1", "systems": ["s1", "s2", "s1"], "vendor": "v1"}),
            json!({"id": "a2", "vendor": "v2"}),
            json!({"id": "a3", "systems": [1, "s3", {}, "s2"], "remote_maintenance": {"vendor": "v1"}}),
            json!({"id": "a4", "systems": [], "vendor": 7}),
            json!({"id": 5, "systems": ["s3"], "remote_maintenance": {"vendor": "v3"}}),
        ]
    }

    #[test]
    fn joins_agree_with_the_interpreter() {
        let assets = join_assets();
        let probes = [
            json!({"id": "s1"}),
            json!({"id": "s3"}),
            json!({"id": "zz"}),
            json!({"id": "v1"}),
            json!({"id": "v3"}),
            json!({"id": "a1"}),
        ];
        let conditions = [
            "assets.exists(a, has(a.systems) && item.id in a.systems)",
            "!assets.exists(a, has(a.systems) && item.id in a.systems && a.id != 'a1')",
            "assets.exists_one(a, has(a.systems) && item.id in a.systems)",
            "assets.exists(a, get_path(a, 'vendor', '') == item.id || get_path(a, 'remote_maintenance.vendor', '') == item.id)",
            "assets.exists(a, item.id == a.id)",
            "[item.id, 's2'].all(t, assets.exists(a, has(a.systems) && t in a.systems))",
            "size(assets.filter(a, has(a.systems) && item.id in a.systems)) == 2",
        ];
        for expr in conditions {
            let program = cel::Program::compile(expr).unwrap();
            let compiled = Program::compile(program.expression()).unwrap();
            assert_eq!(compiled.joins().1, 0, "`{expr}` is not indexed");
            for item in &probes {
                let (fast, interpreted) = both(expr, item, &assets);
                let fast = fast.unwrap_or_else(|_| panic!("`{expr}` on {item} declined"));
                assert_eq!(interpreted, Ok(cel::Value::Bool(fast)), "`{expr}` on {item}");
            }
        }
        // Messages: the elements that match, in list order.
        for item in &probes {
            let expr = "assets.filter(a, get_path(a, 'vendor', '') == item.id || get_path(a, 'remote_maintenance.vendor', '') == item.id || has(a.systems) && item.id in a.systems).map(a, string(a.id))";
            let (fast, interpreted) = run_both(expr, item, &assets, |p, g, i| p.text(g, i));
            let interpreted = interpreted.map(|v| super::super::cel::display(&v));
            assert_eq!(fast.as_ref().ok(), interpreted.as_ref().ok(), "`{expr}` on {item}");
            assert!(fast.is_ok(), "`{expr}` on {item} declined");
        }
        let (fast, _) = run_both(
            "assets.filter(a, has(a.systems) && 's2' in a.systems || a.id == item.id).map(a, string(a.id))",
            &json!({"id": "a2"}),
            &assets,
            |p, g, i| p.text(g, i),
        );
        assert_eq!(fast, Ok("a1, a2, a3".to_owned()));
    }

    #[test]
    fn joins_leave_undecided_elements_and_probes_to_the_whole_list() {
        // `in` a string is an error in CEL: the element is always visited,
        // and the fast path declines when it meets it.
        let assets = [json!({"id": "a1", "systems": ["s1"]}), json!({"id": "a2", "systems": "s1"})];
        let expr = "assets.exists(a, has(a.systems) && item.id in a.systems)";
        assert_eq!(both(expr, &json!({"id": "s1"}), &assets).0, Ok(true));
        assert_eq!(both(expr, &json!({"id": "s2"}), &assets).0, Err(Declined));
        // A probe that is not a string: the whole list, as written.
        let (fast, interpreted) =
            both("assets.exists(a, has(a.systems) && item.n in a.systems)", &json!({"n": 1}), &join_assets());
        assert_eq!(fast, Ok(true));
        assert_eq!(interpreted, Ok(cel::Value::Bool(true)));
        // Not a join: the predicate reads the item on both sides, or has no key.
        for expr in [
            "assets.exists(a, a.id == item.id + a.id)",
            "assets.exists(a, has(a.systems))",
            "assets.all(a, item.id in a.systems)",
        ] {
            let program = cel::Program::compile(expr).unwrap();
            assert_eq!(Program::compile(program.expression()).unwrap().joins().0, 0, "`{expr}`");
        }
    }

    #[test]
    fn builtin_rules_index_every_per_item_scan_of_a_merged_list() {
        let schemas = Schemas::load().unwrap();
        let catalog = Catalog::builtin(&schemas).unwrap();
        let mut joins = 0;
        for rule in catalog.iter() {
            for check in &rule.checks {
                let per_item = check.for_each.pattern.contains('*');
                let mut programs: Vec<(&str, &Program)> = Vec::new();
                if let Test::Cel(e) = &check.test {
                    programs.extend(e.fast.as_ref().map(|p| (e.source.as_str(), p)));
                }
                for t in [Some(&rule.message), check.message.as_ref()].into_iter().flatten() {
                    for piece in t.ja.iter().chain(&t.en) {
                        if let crate::rules::catalog::Piece::Expr(e) = piece {
                            programs.extend(e.fast().map(|p| (e.source.as_str(), p)));
                        }
                    }
                }
                for (source, program) in programs {
                    let (indexed, scans) = program.joins();
                    joins += indexed;
                    assert!(
                        !per_item || scans == 0,
                        "{} ({}): `{source}` scans a merged list per item",
                        rule.id(),
                        check.for_each.pattern
                    );
                }
            }
        }
        assert!(joins >= 8, "{joins} joins");
    }

    #[test]
    fn message_text_is_the_interpreters() {
        let item = json!({
            "id": "srv-01", "n": 3, "ratio": 0.5, "on": true, "none": null,
            "list": ["a", "b", "c"], "nums": [1, 2], "patch": {"last_applied_on": "2025-01-01"},
        });
        for expr in [
            "item.id",
            "item.n",
            "item.ratio",
            "item.on",
            "item.none",
            "item.list",
            "item.nums + [3]",
            "string(item.n) + ' 日'",
            "string(item.on)",
            "has(item.x) ? 'x' : 'no ' + item.id",
            "join(head(item.list, 2), '・')",
            "join(head(item.list, 5), ', ')",
            "head(item.list, 0)",
            "join(item.nums, '+')",
            "days_since(item.patch.last_applied_on)",
            "get_path(item, 'patch.last_applied_on', '?')",
            "item.list.filter(x, x != 'b').map(x, x + '!')",
            "[item.id, has(item.n) ? '' : 'none'].filter(s, s != '')",
            "size(item.list)",
        ] {
            let (fast, interpreted) = text_both(expr, &item);
            assert_eq!(fast.as_ref().ok(), interpreted.as_ref().ok(), "`{expr}`");
            assert!(fast.is_ok(), "`{expr}` declined");
        }
        // Shown by the interpreter in debug form: not ours to imitate.
        assert_eq!(text_both("item.patch", &item).0, Err(Declined));
        assert_eq!(text_both("string(item.ratio)", &item).0, Err(Declined));
    }

    #[test]
    fn map_and_filter_append_in_place() {
        fn appends(n: &Node) -> bool {
            match n {
                Node::Append(..) => true,
                Node::If(parts) => appends(&parts[1]),
                _ => false,
            }
        }
        for expr in ["item.l.map(x, x)", "item.l.filter(x, x > 1)", "item.l.map(x, x > 1, x * 1)"] {
            let program = cel::Program::compile(expr).unwrap();
            match Program::compile(program.expression()).map(|p| p.root) {
                Some(Node::Fold(f)) => assert!(appends(&f.step), "`{expr}`: {:?}", f.step),
                Some(other) => panic!("`{expr}`: {other:?}"),
                None => assert!(expr.contains('*'), "`{expr}` should compile"),
            }
        }
        let item = json!({"l": [3, 1, 4, 1, 5]});
        let (fast, interpreted) = text_both("item.l.filter(x, x > 1).map(x, x)", &item);
        assert_eq!(fast, Ok("3, 4, 5".to_owned()));
        assert_eq!(interpreted, Ok("3, 4, 5".to_owned()));
    }

    #[test]
    fn conditions_outside_the_subset_do_not_compile() {
        for expr in
            ["item.n * 2 > 3", "item.s.startsWith('a')", "{1: 'a'}[1] == 'a'", "1u == 1u", "nosuch(item)"]
        {
            let program = cel::Program::compile(expr).unwrap();
            assert!(Program::compile(program.expression()).is_none(), "`{expr}`");
        }
    }
}

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
//!   per-facility index says can match (`Join`), so that such rules are
//!   linear in the facility's size, not systems × assets;
//! - a comprehension element that errors declines the whole expression,
//!   although CEL may absorb it: the interpreter then decides;
//! - message text is [`helpers::display`]'s, and declined for values it
//!   would show in debug form (maps, doubles through `string()`).
//!
//! `ANZEN_INTERPRET_ONLY=1` turns the fast path off (to compare; see
//! docs/rule-authoring.md), a test runs every fixture both ways, and the
//! `expr` fuzz target (`fuzz/bodies/expr.rs`) compares the two on
//! generated expressions.
//!
//! Here: the values and the tree; `compile.rs` turns parsed CEL into the
//! tree, `run.rs` evaluates it, `join.rs` indexes comprehensions over the
//! merged lists; the helpers themselves are [`super::helpers`]'.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue, operators as op,
};

use crate::document::node::{Entry, Node as DocNode, NodeValue};

use super::helpers::{self, Helper, Scalar, Shape};
use super::vars::{self, Variable};
use crate::document::model::Kind;
use crate::kernel::date::Date;

mod compile;
mod join;
mod run;

use compile::Compiler;
pub use join::Joins;
use join::{Join, joined};
use run::Run;

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
    /// The merged lists, in [`MERGED_LISTS`](crate::document::model::MERGED_LISTS) order.
    pub lists: &'a [Vec<&'a DocNode>],
    /// The documents of each kind, in [`Kind::ALL`] order.
    pub documents: &'a [Vec<&'a DocNode>],
    /// The facility's join indexes (see `Join`).
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
    /// A merged list, by its index in [`MERGED_LISTS`](crate::document::model::MERGED_LISTS).
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

/// A function call the fast path evaluates.
#[derive(Debug, Clone, Copy)]
enum Func {
    /// CEL's `string()`.
    String,
    /// One of anzen's helpers.
    Helper(Helper),
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
    Call(Func, Vec<Node>),
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

fn string<'s>(v: &'s V<'_>) -> Result<&'s str> {
    str_of(v).ok_or(Declined)
}

fn int(v: &V<'_>) -> Result<i64> {
    match v {
        V::Int(i) => Ok(*i),
        _ => Err(Declined),
    }
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

/// The text of a value, as the interpreter shows its CEL form (the same
/// [`helpers::display`]).
fn display(v: &V<'_>) -> Result<String> {
    Ok(helpers::display(v)?)
}

impl From<helpers::Failure<'_>> for Declined {
    /// Whatever a helper would fail with, the interpreter reports.
    fn from(_: helpers::Failure<'_>) -> Declined {
        Declined
    }
}

/// The fast path's values, as the helpers read them.
impl helpers::Value for V<'_> {
    fn scalar(&self) -> Scalar<'_> {
        match self {
            V::Null => Scalar::Null,
            V::Bool(b) => Scalar::Bool(*b),
            V::Int(i) => Scalar::Int(*i),
            V::Double(d) => Scalar::Double(*d),
            V::Str(s) => Scalar::Str(s),
            V::Text(s) => Scalar::Str(s),
            _ => Scalar::Other,
        }
    }

    fn shape(&self) -> helpers::Result<'static, Shape> {
        match self {
            V::Obj(_) | V::Fields(_) | V::EmptyMap => Ok(Shape::Map),
            // A map in CEL, but not one the fast path walks.
            V::Documents => Err(helpers::Failure::Undecided),
            other => Ok(other.list_len().map_or(Shape::Other, Shape::List)),
        }
    }

    fn get(&self, key: &str) -> Option<Self> {
        self.field(key).ok().flatten()
    }

    fn element(&self, i: usize) -> Option<Self> {
        V::element(self, i)
    }

    fn equals(&self, other: &Self) -> helpers::Result<'static, bool> {
        equal(self, other).map_err(|Declined| helpers::Failure::Undecided)
    }

    fn compare(&self, other: &Self) -> helpers::Result<'static, Option<std::cmp::Ordering>> {
        order(self, other).map(Some).map_err(|Declined| helpers::Failure::Undecided)
    }

    fn other_text(&self) -> helpers::Result<'static, String> {
        // Shown by the interpreter in debug form: not ours to imitate.
        Err(helpers::Failure::Undecided)
    }
}

#[cfg(test)]
mod tests;

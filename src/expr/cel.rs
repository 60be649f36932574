//! CEL for rules: JSON → CEL values (integers stay `int`), and the helper
//! functions every rule expression can call (documented in
//! `docs/rule-authoring.md`; keep the two in step).

use std::collections::HashMap;
use std::sync::Arc;

use cel::common::traits;
use cel::common::types::{CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString};
use cel::common::value::Val;
use cel::objects::{Key, Map};
use cel::{Context, ExecutionError, FunctionContext, Value as Cel};
#[cfg(test)]
use serde_json::Value;

use crate::document::node::{Node, NodeValue};

use crate::kernel::date::Date;

/// Converts JSON to an owned CEL value, as [`to_val`] does (tests bind
/// values with it). Integers become `int` (CEL's `uint` would make
/// `generations * 2` fail).
#[cfg(test)]
pub fn to_cel(v: &Value) -> Cel {
    match v {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cel::Int(i),
            None => Cel::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Array(items) => Cel::List(Arc::new(items.iter().map(to_cel).collect())),
        Value::Object(map) => {
            let m: HashMap<Key, Cel> = map.iter().map(|(k, v)| (Key::from(k.as_str()), to_cel(v))).collect();
            Cel::Map(Map { map: Arc::new(m) })
        }
    }
}

/// Converts a document tree to a CEL value tree that borrows the tree's
/// strings: the form bound into contexts (no intermediate value, no string
/// copies). Integers become `int`, as in [`to_cel`].
pub fn to_val<'v>(v: &'v Node) -> Box<dyn Val + 'v> {
    match &v.value {
        NodeValue::Null => Box::new(CelNull),
        NodeValue::Bool(b) => Box::new(CelBool::from(*b)),
        NodeValue::Int(i) => Box::new(CelInt::from(*i)),
        NodeValue::Float(f) => Box::new(CelDouble::from(*f)),
        NodeValue::String(s) => Box::new(CelString::from(s.as_str())),
        NodeValue::Seq(items) => Box::new(CelList::from(items.iter().map(to_val).collect::<Vec<_>>())),
        NodeValue::Map(entries) => {
            let m: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = entries
                .iter()
                .map(|e| (CelMapKey::String(CelString::from(e.key.as_str())), to_val(&e.value)))
                .collect();
            Box::new(CelMap::from(m))
        }
    }
}

/// A value borrowed from a tree built once per facility (see
/// the evaluation stage): binding `item`, `owner`, `document` and the merged
/// lists through it copies nothing. Every operation is the borrowed value's
/// own, so `downcast_ref` and the overloads see through it.
#[derive(Debug)]
pub struct ValRef<'v>(pub &'v (dyn Val + 'v));

impl<'v> Val for ValRef<'v> {
    fn get_type(&self) -> &cel::common::types::Type {
        self.0.get_type()
    }

    fn cel_type() -> &'static cel::common::types::Type {
        &cel::common::types::DYN_TYPE
    }

    fn as_adder<'b, 'w>(&'b self) -> Option<&'b (dyn traits::Adder + 'w)>
    where
        Self: 'w,
    {
        self.0.as_adder()
    }

    fn as_comparer(&self) -> Option<&dyn traits::Comparer> {
        self.0.as_comparer()
    }

    fn as_container(&self) -> Option<&dyn traits::Container> {
        self.0.as_container()
    }

    fn as_divider<'b, 'w>(&'b self) -> Option<&'b (dyn traits::Divider + 'w)>
    where
        Self: 'w,
    {
        self.0.as_divider()
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn traits::Indexer + 'w)>
    where
        Self: 'w,
    {
        self.0.as_indexer()
    }

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn traits::Indexer + 'w>>
    where
        Self: 'w,
    {
        self.0.clone_as_boxed().into_indexer()
    }

    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn traits::Iterable + 'w)>
    where
        Self: 'w,
    {
        self.0.as_iterable()
    }

    fn as_modder<'b, 'w>(&'b self) -> Option<&'b (dyn traits::Modder + 'w)>
    where
        Self: 'w,
    {
        self.0.as_modder()
    }

    fn as_multiplier<'b, 'w>(&'b self) -> Option<&'b (dyn traits::Multiplier + 'w)>
    where
        Self: 'w,
    {
        self.0.as_multiplier()
    }

    fn as_negator<'b, 'w>(&'b self) -> Option<&'b (dyn traits::Negator + 'w)>
    where
        Self: 'w,
    {
        self.0.as_negator()
    }

    fn as_sizer(&self) -> Option<&dyn traits::Sizer> {
        self.0.as_sizer()
    }

    fn as_subtractor<'b, 'w>(&'b self) -> Option<&'b (dyn traits::Subtractor + 'w)>
    where
        Self: 'w,
    {
        self.0.as_subtractor()
    }

    fn as_zeroer(&self) -> Option<&dyn traits::Zeroer> {
        self.0.as_zeroer()
    }

    fn equals(&self, other: &dyn Val) -> bool {
        self.0.equals(other)
    }

    /// Another reference to the same value: comprehensions clone every
    /// element they bind, and a deep copy of each asset would dominate.
    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(ValRef(self.0))
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        self.0.as_any()
    }

    fn as_builtin<'b, 'w>(&'b self) -> cel::common::value::BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        self.0.as_builtin()
    }

    fn into_builtin<'w>(self: Box<Self>) -> Option<cel::common::value::Builtin<'w>>
    where
        Self: 'w,
    {
        self.0.clone_as_boxed().into_builtin()
    }
}

/// A rule expression as the interpreter runs it: CEL's own tree, with every
/// operation that builds a value routed through a check against the
/// evaluation's allowance of bytes (`limits.max_eval_bytes`). A CEL program
/// cannot be interrupted, and a user's rule (`--rules`) could otherwise
/// build gigabytes within its time budget (`['ab'].map(s, s + s)` forty
/// times doubles a string forty times). The rewritten tree calls
/// [`ADD`] for `+`, [`GROW`] around list and map literals and every
/// function's result, and [`ITEM`] around each element a `map`/`filter`
/// appends (the append itself stays CEL's, which builds the list in place).
/// Those charge the size of what they build, before building it where they
/// build it (`+`); once the allowance is spent every such operation fails,
/// so nothing more grows, and [`Bounded::execute`] reports
/// [`Failure::TooLarge`]. Names starting with `@` cannot be written in CEL.
#[derive(Debug)]
pub struct Bounded(cel::IdedExpr);

/// Why an evaluation gave no value.
#[derive(Debug)]
pub enum Failure {
    /// It would have built more than its allowance of bytes.
    TooLarge,
    Error(ExecutionError),
}

/// The rewritten `_+_`.
pub const ADD: &str = "@add";
/// Charges for a value built by a literal or a function.
pub const GROW: &str = "@grow";
/// Charges for an element a comprehension appends.
pub const ITEM: &str = "@item";

thread_local! {
    /// The running evaluation's allowance left, in bytes (an evaluation
    /// runs on one thread).
    static LEFT: std::cell::Cell<u64> = const { std::cell::Cell::new(u64::MAX) };
    /// Whether the running evaluation went over its allowance.
    static OVER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Bounded {
    pub fn new(expr: &cel::IdedExpr) -> Bounded {
        Bounded(bound(expr.clone()))
    }

    /// Evaluates with an allowance of `max_bytes` for the values it builds.
    pub fn execute(&self, ctx: &Context<'_, '_>, max_bytes: u64) -> Result<Cel, Failure> {
        LEFT.set(max_bytes);
        OVER.set(false);
        let out = Cel::resolve(&self.0, ctx);
        LEFT.set(u64::MAX);
        // Over the allowance even if CEL absorbed the error (`error || true`).
        if OVER.replace(false) {
            return Err(Failure::TooLarge);
        }
        out.map_err(Failure::Error)
    }
}

/// Operators that build nothing (or numbers only): left as they are.
const PLAIN: [&str; 18] = [
    cel::common::ast::operators::LOGICAL_AND,
    cel::common::ast::operators::LOGICAL_OR,
    cel::common::ast::operators::LOGICAL_NOT,
    cel::common::ast::operators::CONDITIONAL,
    cel::common::ast::operators::EQUALS,
    cel::common::ast::operators::NOT_EQUALS,
    cel::common::ast::operators::LESS,
    cel::common::ast::operators::LESS_EQUALS,
    cel::common::ast::operators::GREATER,
    cel::common::ast::operators::GREATER_EQUALS,
    cel::common::ast::operators::IN,
    cel::common::ast::operators::NEGATE,
    cel::common::ast::operators::NOT_STRICTLY_FALSE,
    cel::common::ast::operators::INDEX,
    cel::common::ast::operators::SUBSTRACT,
    cel::common::ast::operators::MULTIPLY,
    cel::common::ast::operators::DIVIDE,
    cel::common::ast::operators::MODULO,
];

fn call(id: u64, name: &str, args: Vec<cel::IdedExpr>) -> cel::IdedExpr {
    use cel::common::ast::{CallExpr, Expr};
    cel::IdedExpr { id, expr: Expr::Call(CallExpr { func_name: name.to_owned(), target: None, args }) }
}

/// The rewrite [`Bounded`] describes.
fn bound(e: cel::IdedExpr) -> cel::IdedExpr {
    use cel::common::ast::{EntryExpr, Expr, operators};
    let id = e.id;
    match e.expr {
        Expr::Call(mut c) => {
            c.args = c.args.into_iter().map(bound).collect();
            c.target = c.target.map(|t| Box::new(bound(*t)));
            if c.func_name == operators::ADD && c.target.is_none() && c.args.len() == 2 {
                return call(id, ADD, c.args);
            }
            let plain = PLAIN.contains(&c.func_name.as_str()) || c.func_name.starts_with('@');
            let e = cel::IdedExpr { id, expr: Expr::Call(c) };
            if plain { e } else { call(id, GROW, vec![e]) }
        }
        Expr::Select(mut s) => {
            s.operand = Box::new(bound(*s.operand));
            cel::IdedExpr { id, expr: Expr::Select(s) }
        }
        Expr::List(mut l) => {
            l.elements = l.elements.into_iter().map(bound).collect();
            call(id, GROW, vec![cel::IdedExpr { id, expr: Expr::List(l) }])
        }
        Expr::Map(mut m) => {
            for entry in &mut m.entries {
                if let EntryExpr::MapEntry(e) = &mut entry.expr {
                    e.key = bound(std::mem::take(&mut e.key));
                    e.value = bound(std::mem::take(&mut e.value));
                }
            }
            call(id, GROW, vec![cel::IdedExpr { id, expr: Expr::Map(m) }])
        }
        Expr::Comprehension(mut c) => {
            c.iter_range = bound(std::mem::take(&mut c.iter_range));
            c.accu_init = bound(std::mem::take(&mut c.accu_init));
            c.loop_cond = bound(std::mem::take(&mut c.loop_cond));
            c.result = bound(std::mem::take(&mut c.result));
            let step = std::mem::take(&mut c.loop_step);
            c.loop_step = bound_step(step, &c.accu_var);
            cel::IdedExpr { id, expr: Expr::Comprehension(c) }
        }
        expr => cel::IdedExpr { id, expr },
    }
}

/// A comprehension's step: `@result + [x]` (optionally `g ? … : @result`)
/// keeps its shape, so CEL still appends in place, with `x` charged.
fn bound_step(step: cel::IdedExpr, accu: &str) -> cel::IdedExpr {
    use cel::common::ast::{Expr, operators};
    let is_accu = |e: &cel::IdedExpr| matches!(&e.expr, Expr::Ident(n) if n == accu);
    let id = step.id;
    match step.expr {
        Expr::Call(mut c)
            if c.func_name == operators::ADD
                && c.target.is_none()
                && c.args.len() == 2
                && is_accu(&c.args[0])
                && matches!(c.args[1].expr, Expr::List(_)) =>
        {
            if let Expr::List(l) = &mut c.args[1].expr {
                let elements = std::mem::take(&mut l.elements);
                l.elements = elements
                    .into_iter()
                    .map(|x| {
                        let xid = x.id;
                        call(xid, ITEM, vec![bound(x)])
                    })
                    .collect();
            }
            cel::IdedExpr { id, expr: Expr::Call(c) }
        }
        Expr::Call(mut c)
            if c.func_name == operators::CONDITIONAL
                && c.target.is_none()
                && c.args.len() == 3
                && is_accu(&c.args[2]) =>
        {
            let mut args = std::mem::take(&mut c.args).into_iter();
            let (g, then, otherwise) = match (args.next(), args.next(), args.next()) {
                (Some(g), Some(t), Some(o)) => (g, t, o),
                _ => return cel::IdedExpr { id, expr: Expr::Call(c) },
            };
            c.args = vec![bound(g), bound_step(then, accu), otherwise];
            cel::IdedExpr { id, expr: Expr::Call(c) }
        }
        expr => bound(cel::IdedExpr { id, expr }),
    }
}

/// A machine word: what a reference, a number or a list slot costs.
const WORD: u64 = 8;

/// Whether `v` is a [`ValRef`]: a reference into a facility's tree, which a
/// copy shares (its `as_any` is the referenced value's, elsewhere).
fn shared(v: &dyn Val) -> bool {
    v.as_any().is_some_and(|a| !std::ptr::addr_eq(a as *const dyn std::any::Any, v as *const dyn Val))
}

/// What a copy of `v` costs, in bytes (an upper bound: strings borrowed
/// from the documents count as copied).
fn cost(v: &dyn Val) -> u64 {
    if let Some(list) = v.downcast_ref::<CelList>() {
        return list.inner().iter().fold(3 * WORD, |n, e| n.saturating_add(2 * WORD + cost(e.as_ref())));
    }
    if shared(v) {
        return WORD;
    }
    if let Some(s) = v.downcast_ref::<CelString>() {
        return 3 * WORD + s.inner().len() as u64;
    }
    if let Some(b) = v.downcast_ref::<cel::common::types::CelBytes>() {
        return 3 * WORD + b.inner().len() as u64;
    }
    if let Some(map) = v.downcast_ref::<CelMap>() {
        return map.iter().fold(3 * WORD, |n, (k, v)| {
            let key = match k {
                CelMapKey::String(s) => s.inner().len() as u64,
                _ => 0,
            };
            n.saturating_add(4 * WORD + key + cost(v.as_ref()))
        });
    }
    0
}

/// Takes `bytes` from the running evaluation's allowance.
fn charge(bytes: u64) -> Result<(), ExecutionError> {
    let left = LEFT.get();
    if bytes > left {
        LEFT.set(0);
        OVER.set(true);
        return Err(ExecutionError::function_error(
            "limits.max_eval_bytes",
            "the evaluation builds values larger than its limit",
        ));
    }
    LEFT.set(left - bytes);
    Ok(())
}

/// Registers [`ADD`], [`GROW`] and [`ITEM`].
fn register_bounds(ctx: &mut Context<'_, '_>) -> Result<(), cel::DeclarationError> {
    use cel::common::value::CowVal;
    // cel's own type for a function handed the call's arguments by value.
    type F = Box<
        dyn for<'c, 'v> Fn(&mut FunctionContext<'c, 'v>) -> Result<CowVal<'c, 'v>, ExecutionError>
            + Send
            + Sync,
    >;
    let add: F = Box::new(|ftx: &mut FunctionContext| -> Result<CowVal, ExecutionError> {
        let mut args = std::mem::take(&mut ftx.args).into_iter();
        let (Some(a), Some(b), None) = (args.next(), args.next(), args.next()) else {
            return Err(ftx.error("expects two operands"));
        };
        // The sum holds copies of both operands.
        charge(cost(a.as_ref()).saturating_add(cost(b.as_ref())))?;
        let Some(adder) = a.as_adder() else {
            return Err(ExecutionError::UnsupportedBinaryOperator(
                "add",
                Cel::try_from(a.as_ref()).unwrap_or(Cel::Null),
                Cel::try_from(b.as_ref()).unwrap_or(Cel::Null),
            ));
        };
        Ok(CowVal::Owned(adder.add(b.as_ref())?.into_owned()))
    });
    ctx.add_function(ADD, add)?;
    for (name, slot) in [(GROW, 0), (ITEM, 2 * WORD)] {
        let grow: F = Box::new(move |ftx: &mut FunctionContext| -> Result<CowVal, ExecutionError> {
            let value = ftx.args.pop().ok_or_else(|| ftx.error("expects a value"))?;
            charge(slot.saturating_add(cost(value.as_ref())))?;
            Ok(value)
        });
        ctx.add_function(name, grow)?;
    }
    Ok(())
}

/// The node at RFC 6901 `pointer` below `v` (maps and lists), borrowed.
pub fn at_pointer<'a, 'v>(v: &'a (dyn Val + 'v), pointer: &str) -> Option<&'a (dyn Val + 'v)> {
    let mut node = v;
    for token in crate::document::pointer::tokens(pointer) {
        node = if let Some(map) = node.downcast_ref::<CelMap>() {
            map.iter().find(|(k, _)| matches!(k, CelMapKey::String(s) if s.inner() == token))?.1.as_ref()
        } else if let Some(list) = node.downcast_ref::<CelList>() {
            list.inner().get(token.parse::<usize>().ok()?)?.as_ref()
        } else {
            return None;
        };
    }
    Some(node)
}

/// A CEL value as message text.
pub fn display(v: &Cel) -> String {
    match v {
        Cel::String(s) => s.to_string(),
        Cel::Int(i) => i.to_string(),
        Cel::UInt(u) => u.to_string(),
        Cel::Float(f) => f.to_string(),
        Cel::Bool(b) => b.to_string(),
        Cel::Null => "—".to_owned(),
        Cel::List(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        other => format!("{other:?}"),
    }
}

fn date_arg(ftx: &FunctionContext, s: &str) -> Result<Date, ExecutionError> {
    s.parse::<Date>().map_err(|()| ftx.error(format!("`{s}` is not a date (YYYY-MM-DD)")))
}

/// Looks up a dotted path (`restore.procedure`, `copies.0.media`) in
/// nested maps and lists, borrowing.
fn path_get<'a, 'v>(v: &'a (dyn Val + 'v), path: &str) -> Option<&'a (dyn Val + 'v)> {
    let mut node = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        node = if let Some(map) = node.downcast_ref::<CelMap>() {
            // Maps here are small records: a scan avoids building a key
            // that would have to outlive the value.
            map.iter().find(|(k, _)| matches!(k, CelMapKey::String(s) if s.inner() == part))?.1.as_ref()
        } else if let Some(list) = node.downcast_ref::<CelList>() {
            list.inner().get(part.parse::<usize>().ok()?)?.as_ref()
        } else {
            return None;
        };
    }
    Some(node)
}

/// Argument `i` of a call, borrowed (no copy of the value).
fn arg<'a, 'v>(ftx: &'a FunctionContext<'a, 'v>, i: usize) -> Result<&'a (dyn Val + 'v), ExecutionError> {
    ftx.args
        .get(i)
        .map(|a| a.as_ref())
        .ok_or_else(|| ftx.error(format!("expects at least {} argument(s)", i + 1)))
}

fn str_arg<'a, 'v>(ftx: &'a FunctionContext<'a, 'v>, i: usize) -> Result<&'a str, ExecutionError> {
    arg(ftx, i)?
        .downcast_ref::<CelString>()
        .map(|s| s.inner())
        .ok_or_else(|| ftx.error(format!("argument {} must be a string", i + 1)))
}

fn to_value(ftx: &FunctionContext<'_, '_>, v: &dyn Val) -> Result<Cel, ExecutionError> {
    Cel::try_from(v).map_err(|e| ftx.error(e))
}

/// The elements of list argument `i`, borrowed.
fn list_arg<'a, 'v>(
    ftx: &'a FunctionContext<'a, 'v>,
    i: usize,
) -> Result<&'a [Box<dyn Val + 'v>], ExecutionError> {
    arg(ftx, i)?.downcast_ref::<CelList>().map(|l| l.inner()).ok_or_else(|| ftx.error("expects a list"))
}

/// Registers the rule helpers on a root context. `as_of` is the evaluation
/// date the date helpers measure from. Helpers that read structured values
/// borrow their arguments rather than copying them.
pub fn register(ctx: &mut Context<'_, '_>, as_of: Date) -> Result<(), cel::DeclarationError> {
    register_bounds(ctx)?;
    ctx.add_function(
        "days_since",
        move |ftx: &FunctionContext, d: Arc<String>| -> Result<i64, ExecutionError> {
            Ok(date_arg(ftx, &d)?.days_until(as_of))
        },
    )?;
    ctx.add_function(
        "within_days",
        move |ftx: &FunctionContext, d: Arc<String>, n: i64| -> Result<bool, ExecutionError> {
            Ok(date_arg(ftx, &d)?.days_until(as_of) <= n)
        },
    )?;
    ctx.add_function(
        "older_than_days",
        move |ftx: &FunctionContext, d: Arc<String>, n: i64| -> Result<bool, ExecutionError> {
            Ok(date_arg(ftx, &d)?.days_until(as_of) > n)
        },
    )?;
    ctx.add_function(
        "days_between",
        |ftx: &FunctionContext, a: Arc<String>, b: Arc<String>| -> Result<i64, ExecutionError> {
            Ok(date_arg(ftx, &a)?.days_until(date_arg(ftx, &b)?))
        },
    )?;
    ctx.add_function(
        "add_days",
        |ftx: &FunctionContext, d: Arc<String>, n: i64| -> Result<Arc<String>, ExecutionError> {
            Ok(Arc::new(date_arg(ftx, &d)?.add_days(n).to_string()))
        },
    )?;
    ctx.add_function("is_date", |ftx: &FunctionContext| -> Result<bool, ExecutionError> {
        Ok(arg(ftx, 0)?.downcast_ref::<CelString>().is_some_and(|s| s.inner().parse::<Date>().is_ok()))
    })?;
    ctx.add_function("has_path", |ftx: &FunctionContext| -> Result<bool, ExecutionError> {
        Ok(path_get(arg(ftx, 0)?, str_arg(ftx, 1)?).is_some())
    })?;
    ctx.add_function("get_path", |ftx: &FunctionContext| -> Result<Cel, ExecutionError> {
        let found = path_get(arg(ftx, 0)?, str_arg(ftx, 1)?);
        to_value(ftx, found.map_or(arg(ftx, 2)?, |v| v))
    })?;
    ctx.add_function("distinct_count", |ftx: &FunctionContext| -> Result<i64, ExecutionError> {
        Ok(distinct(list_arg(ftx, 0)?).len() as i64)
    })?;
    ctx.add_function("join", |ftx: &FunctionContext| -> Result<Arc<String>, ExecutionError> {
        let sep = str_arg(ftx, 1)?;
        let parts: Result<Vec<String>, ExecutionError> =
            list_arg(ftx, 0)?.iter().map(|v| to_value(ftx, v.as_ref()).map(|v| display(&v))).collect();
        Ok(Arc::new(parts?.join(sep)))
    })?;
    ctx.add_function("head", |ftx: &FunctionContext| -> Result<Cel, ExecutionError> {
        let items = list_arg(ftx, 0)?;
        let n = arg(ftx, 1)?.downcast_ref::<CelInt>().map_or(0, |i| (*i.inner()).max(0) as usize);
        let mut out: Vec<Cel> = Vec::with_capacity(n + 1);
        for item in items.iter().take(n) {
            out.push(to_value(ftx, item.as_ref())?);
        }
        if items.len() > n {
            out.push(Cel::String(Arc::new(format!("… (+{})", items.len() - n))));
        }
        Ok(Cel::List(Arc::new(out)))
    })?;
    ctx.add_function("latest", |ftx: &FunctionContext| -> Result<Cel, ExecutionError> {
        extreme(ftx, std::cmp::Ordering::Greater)
    })?;
    ctx.add_function("earliest", |ftx: &FunctionContext| -> Result<Cel, ExecutionError> {
        extreme(ftx, std::cmp::Ordering::Less)
    })?;
    ctx.add_function("mfa_enabled", |ftx: &FunctionContext| -> Result<bool, ExecutionError> {
        Ok(mfa_enabled(arg(ftx, 0)?))
    })?;
    ctx.add_function("effective_auth", |ftx: &FunctionContext| -> Result<Cel, ExecutionError> {
        effective_auth(ftx, arg(ftx, 0)?, arg(ftx, 1)?)
    })?;
    ctx.add_function("is_any_address", |s: Arc<String>| -> bool { is_any_address(&s) })?;
    ctx.add_function("is_address", |s: Arc<String>| -> bool { is_address(&s) })?;
    // Total, like `is_date`: a value that is not a string (a wrong-typed list
    // item is `{}` in the view) has the empty key, which matches no word.
    ctx.add_function("name_key", |ftx: &FunctionContext| -> Result<Arc<String>, ExecutionError> {
        Ok(Arc::new(
            arg(ftx, 0)?.downcast_ref::<CelString>().map_or_else(String::new, |s| name_key(s.inner())),
        ))
    })?;
    Ok(())
}

/// The distinct elements of a list (by CEL equality).
fn distinct<'a, 'v>(items: &'a [Box<dyn Val + 'v>]) -> Vec<&'a (dyn Val + 'v)> {
    let mut seen: Vec<&(dyn Val + 'v)> = Vec::new();
    for item in items {
        if !seen.iter().any(|s| s.equals(item.as_ref())) {
            seen.push(item.as_ref());
        }
    }
    seen
}

/// The greatest (`Greater`) or least (`Less`) element of a list of strings
/// (dates compare correctly as strings) or numbers; `null` for an empty list.
fn extreme(ftx: &FunctionContext<'_, '_>, want: std::cmp::Ordering) -> Result<Cel, ExecutionError> {
    let mut best: Option<Cel> = None;
    for item in list_arg(ftx, 0)? {
        let item = to_value(ftx, item.as_ref())?;
        best = match best {
            None => Some(item),
            Some(b) => match item.partial_cmp(&b) {
                Some(o) if o == want => Some(item),
                Some(_) => Some(b),
                None => return Err(ftx.error("list elements cannot be compared")),
            },
        };
    }
    Ok(best.unwrap_or(Cel::Null))
}

/// SPEC: a system's *effective* AuthPolicy is its own `authentication`
/// block, field by field (`password`, `mfa`), else the Facility's.
fn effective_auth(
    ftx: &FunctionContext<'_, '_>,
    system: &dyn Val,
    facility: &dyn Val,
) -> Result<Cel, ExecutionError> {
    let own = path_get(system, "authentication");
    let default = path_get(facility, "authentication");
    let mut out: HashMap<Key, Cel> = HashMap::new();
    for field in ["password", "mfa"] {
        let value = own.and_then(|a| path_get(a, field)).or_else(|| default.and_then(|a| path_get(a, field)));
        if let Some(v) = value {
            out.insert(Key::from(field), to_value(ftx, v)?);
        }
    }
    Ok(Cel::Map(Map { map: Arc::new(out) }))
}

/// An address or CIDR that admits everyone: a `/0` prefix (`0.0.0.0/0`,
/// `::/0`, `10.0.0.0/0`), or `any` / `*` / `0.0.0.0` / `::` alone.
pub(crate) fn is_any_address(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('/') {
        Some((addr, prefix)) => {
            prefix.trim().parse::<u8>() == Ok(0) && addr.trim().parse::<std::net::IpAddr>().is_ok()
        }
        None => matches!(s.to_ascii_lowercase().as_str(), "any" | "*" | "0.0.0.0" | "::" | "all"),
    }
}

/// An IPv4/IPv6 address, or a CIDR with a prefix that fits its family.
pub(crate) fn is_address(s: &str) -> bool {
    let (addr, prefix) = match s.trim().split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s.trim(), None),
    };
    let Ok(ip) = addr.parse::<std::net::IpAddr>() else { return false };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

/// A name reduced for comparing it with a list of words (AUT-007's generic
/// account names): full-width ASCII folded to ASCII, lower case, and digits
/// (ASCII and full-width), whitespace and the separators `-` `_` `.` left out,
/// so `Admin01`, `ADMIN_1` and `ａｄｍｉｎ　１` all give `admin`.
pub(crate) fn name_key(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !(c.is_ascii_digit() || c.is_whitespace() || matches!(c, '-' | '_' | '.')))
        .flat_map(char::to_lowercase)
        .collect()
}

/// SPEC: "mfa enabled" means `enabled: true` with at least two distinct
/// `factors`.
fn mfa_enabled(mfa: &dyn Val) -> bool {
    let enabled =
        path_get(mfa, "enabled").and_then(|v| v.downcast_ref::<CelBool>()).is_some_and(|b| *b.inner());
    let factors = path_get(mfa, "factors")
        .and_then(|v| v.downcast_ref::<CelList>())
        .map_or(0, |l| distinct(l.inner()).len());
    enabled && factors >= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(expr: &str, item: Value) -> Result<Cel, ExecutionError> {
        let mut ctx = Context::default();
        register(&mut ctx, "2025-06-30".parse().unwrap()).unwrap();
        ctx.add_variable_from_value("item", to_cel(&item));
        cel::Program::compile(expr).unwrap().execute(&ctx)
    }

    fn bounded(expr: &str, item: Value, max: u64) -> Result<Cel, Failure> {
        let mut ctx = Context::default();
        register(&mut ctx, "2025-06-30".parse().unwrap()).unwrap();
        ctx.add_variable_from_value("item", to_cel(&item));
        Bounded::new(cel::Program::compile(expr).unwrap().expression()).execute(&ctx, max)
    }

    #[test]
    fn bounded_evaluation_means_what_cel_means() {
        let item = json!({"l": [3, 1, 4], "s": "ab", "m": {"k": "v"}, "d": "2025-01-01"});
        for expr in [
            "item.s + 'c' + item.s",
            "item.l + [5] + []",
            "item.l.map(x, x + 1)",
            "item.l.filter(x, x > 1).map(x, string(x) + '!')",
            "item.l.map(x, x > 1, [x, x])",
            "{'a': item.s, 'b': [item.m]}",
            "item.l.exists(x, x == 4) && item.l.all(x, x > 0) && item.l.exists_one(x, x == 1)",
            "join(head(item.l.map(x, string(x)), 2), '-') + add_days(item.d, 1)",
            "size(item.s + item.s) == 4 ? get_path(item, 'm.k', '?') : 'no'",
            "1 + 'a'",
            "item.nothere + 'a'",
        ] {
            let plain = eval(expr, item.clone());
            match bounded(expr, item.clone(), 1 << 20) {
                Ok(v) => assert_eq!(plain, Ok(v), "`{expr}`"),
                Err(Failure::Error(e)) => assert_eq!(plain, Err(e), "`{expr}`"),
                Err(Failure::TooLarge) => panic!("`{expr}` is too large"),
            }
        }
    }

    #[test]
    fn values_beyond_the_allowance_stop_the_evaluation() {
        // Each stage doubles: 2^41 bytes unbounded.
        let doubling = format!("['ab']{}[0].size() > 0", ".map(s, s + s)".repeat(40));
        assert!(matches!(bounded(&doubling, json!({}), 64 << 20), Err(Failure::TooLarge)));
        let lists = format!("size([[1]]{}) > 0", ".map(l, l + l)".repeat(40));
        assert!(matches!(bounded(&lists, json!({}), 64 << 20), Err(Failure::TooLarge)));
        let nested = format!("size([[1]]{}) > 0", ".map(l, [l, l])".repeat(40));
        assert!(matches!(bounded(&nested, json!({}), 64 << 20), Err(Failure::TooLarge)));
        let range = json!({"r": (0..2000).collect::<Vec<_>>()});
        let product = "size(item.r.map(a, item.r.map(b, item.r.map(c, a)))) > 0";
        assert!(matches!(bounded(product, range, 64 << 20), Err(Failure::TooLarge)));
        // CEL would absorb the error (`error || true`): still stopped.
        let absorbed = format!("[1].exists(x, size(['ab']{}) > 0 || true)", ".map(s, s + s)".repeat(40));
        assert!(matches!(bounded(&absorbed, json!({}), 64 << 20), Err(Failure::TooLarge)));
        // Within the allowance: the value.
        assert_eq!(bounded("size(['ab'].map(s, s + s)[0])", json!({}), 64 << 20).ok(), Some(Cel::Int(4)));
        assert!(matches!(bounded("size('ab' + 'ab') == 4", json!({}), 40), Err(Failure::TooLarge)));
    }

    #[test]
    fn integers_are_cel_ints() {
        assert_eq!(eval("item.g * 2", json!({"g": 3})), Ok(Cel::Int(6)));
    }

    #[test]
    fn date_helpers_measure_from_as_of() {
        assert_eq!(eval("days_since(item.d)", json!({"d": "2025-06-01"})), Ok(Cel::Int(29)));
        assert_eq!(eval("days_since(item.d)", json!({"d": "2025-07-01"})), Ok(Cel::Int(-1)));
        assert_eq!(eval("within_days(item.d, 365)", json!({"d": "2024-06-30"})), Ok(Cel::Bool(true)));
        assert_eq!(eval("within_days(item.d, 365)", json!({"d": "2024-06-29"})), Ok(Cel::Bool(false)));
        assert_eq!(eval("older_than_days(item.d, 365)", json!({"d": "2024-06-29"})), Ok(Cel::Bool(true)));
        assert_eq!(eval("within_days(item.d, 0)", json!({"d": "2026-01-01"})), Ok(Cel::Bool(true)));
        assert_eq!(eval("days_between('2025-01-01', '2025-03-01')", json!({})), Ok(Cel::Int(59)));
        assert_eq!(
            eval("add_days('2025-01-31', 1)", json!({})),
            Ok(Cel::String(Arc::new("2025-02-01".into())))
        );
        assert!(eval("days_since('2025-02-30')", json!({})).is_err());
        assert_eq!(eval("is_date('2025-02-30')", json!({})), Ok(Cel::Bool(false)));
    }

    #[test]
    fn path_helpers_tolerate_missing_parents() {
        let item = json!({"restore": {"procedure": "手順書"}});
        assert_eq!(eval("has_path(item, 'restore.procedure')", item.clone()), Ok(Cel::Bool(true)));
        assert_eq!(eval("has_path(item, 'nothere.procedure')", item.clone()), Ok(Cel::Bool(false)));
        assert_eq!(eval("get_path(item, 'a.b', 7)", item), Ok(Cel::Int(7)));
    }

    #[test]
    fn effective_auth_takes_each_field_from_the_system_else_the_facility() {
        let item = json!({
            "system": {"authentication": {"mfa": {"enabled": true}}},
            "facility": {"authentication": {"password": {"min_length": 13}, "mfa": {"enabled": false}}}
        });
        assert_eq!(
            eval("effective_auth(item.system, item.facility).mfa.enabled", item.clone()),
            Ok(Cel::Bool(true))
        );
        assert_eq!(
            eval("effective_auth(item.system, item.facility).password.min_length", item.clone()),
            Ok(Cel::Int(13))
        );
        assert_eq!(eval("has(effective_auth({}, {}).password)", item), Ok(Cel::Bool(false)));
    }

    #[test]
    fn list_helpers() {
        let item = json!({"d": ["2024-01-01", "2025-03-01", "2023-12-31"], "n": [3, 9, 1]});
        assert_eq!(eval("latest(item.d)", item.clone()), Ok(Cel::String(Arc::new("2025-03-01".into()))));
        assert_eq!(eval("earliest(item.d)", item.clone()), Ok(Cel::String(Arc::new("2023-12-31".into()))));
        assert_eq!(eval("latest(item.n)", item.clone()), Ok(Cel::Int(9)));
        assert_eq!(eval("latest([])", item.clone()), Ok(Cel::Null));
        assert_eq!(eval("join(item.n, '・')", item.clone()), Ok(Cel::String(Arc::new("3・9・1".into()))));
        assert_eq!(
            eval("join(head(item.n, 2), ', ')", item.clone()),
            Ok(Cel::String(Arc::new("3, 9, … (+1)".into())))
        );
        assert_eq!(eval("size(head(item.n, 5))", item), Ok(Cel::Int(3)));
    }

    #[test]
    fn any_addresses_and_cidrs() {
        for any in ["0.0.0.0/0", "::/0", " 0.0.0.0/0 ", "any", "*", "10.0.0.0/0"] {
            assert!(is_any_address(any), "{any}");
        }
        for specific in ["203.0.113.0/24", "10.1.2.3", "2001:db8::/32", "0.0.0.0/8", "garbage/0"] {
            assert!(!is_any_address(specific), "{specific}");
        }
        for ok in ["203.0.113.0/24", "10.1.2.3", "2001:db8::/32", "::1"] {
            assert!(is_address(ok), "{ok}");
        }
        for bad in ["10.0.0.0/33", "999.1.1.1", "vpn.example.jp", "10.0.0.0/x"] {
            assert!(!is_address(bad), "{bad}");
        }
    }

    #[test]
    fn name_keys_ignore_case_digits_and_separators() {
        for (name, key) in [
            ("Admin01", "admin"),
            ("ADMIN_1", "admin"),
            ("ａｄｍｉｎ　１", "admin"),
            ("test-01", "test"),
            ("sys.admin", "sysadmin"),
            ("共用1", "共用"),
            ("管理者２", "管理者"),
            ("yamada.taro", "yamadataro"),
            ("d0001", "d"),
            ("1234", ""),
        ] {
            assert_eq!(name_key(name), key, "{name}");
        }
        assert_eq!(eval("name_key(item) in ['admin', 'root']", json!("Root2")), Ok(Cel::Bool(true)));
        assert_eq!(eval("name_key(item) == ''", json!({})), Ok(Cel::Bool(true)));
        assert_eq!(eval("name_key(item) == ''", json!(7)), Ok(Cel::Bool(true)));
    }

    #[test]
    fn mfa_needs_two_distinct_factors() {
        assert_eq!(
            eval("mfa_enabled(item)", json!({"enabled": true, "factors": ["knowledge", "possession"]})),
            Ok(Cel::Bool(true))
        );
        assert_eq!(
            eval("mfa_enabled(item)", json!({"enabled": true, "factors": ["knowledge", "knowledge"]})),
            Ok(Cel::Bool(false))
        );
        assert_eq!(
            eval("mfa_enabled(item)", json!({"enabled": false, "factors": ["knowledge", "possession"]})),
            Ok(Cel::Bool(false))
        );
        assert_eq!(eval("mfa_enabled(null)", json!({})), Ok(Cel::Bool(false)));
        assert_eq!(eval("distinct_count(['a', 'b', 'a'])", json!({})), Ok(Cel::Int(2)));
    }
}

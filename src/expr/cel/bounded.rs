//! The byte allowance an interpreted evaluation may build ([`Bounded`]).

use super::*;

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
pub(super) fn register_bounds(ctx: &mut Context<'_, '_>) -> Result<(), cel::DeclarationError> {
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

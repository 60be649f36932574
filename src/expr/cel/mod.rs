//! CEL for rules: JSON → CEL values (integers stay `int`), the helper
//! functions every rule expression can call registered on a context (their
//! table and code are [`super::helpers`]'), and the byte allowance an
//! evaluation may build ([`Bounded`]).

use std::collections::HashMap;
use std::sync::Arc;

use cel::common::traits;
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt,
};
use cel::common::value::Val;
use cel::objects::{Key, Map};
use cel::{Context, ExecutionError, FunctionContext, Value as Cel};
#[cfg(test)]
use serde_json::Value;

use crate::document::node::{Node, NodeValue};

use crate::kernel::date::Date;

use super::helpers::{self, HELPERS, Helper, Scalar, Shape, Value as _};

mod bounded;

use bounded::register_bounds;
pub use bounded::{ADD, Bounded, Failure, GROW, ITEM};

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
/// copies). Integers become `int`, as in `to_cel` (tests).
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

/// A CEL value as message text ([`helpers::display`]).
pub fn display(v: &Cel) -> String {
    // Total for CEL values: every kind has a text.
    helpers::display(&v).unwrap_or_default()
}

/// A value the interpreter bound or built, as the helpers read it
/// ([`helpers::Value`]): a borrow, so walking a path copies nothing.
#[derive(Debug, Clone, Copy)]
pub struct CelRef<'a, 'v>(pub &'a (dyn Val + 'v));

impl helpers::Value for CelRef<'_, '_> {
    fn scalar(&self) -> Scalar<'_> {
        let v = self.0;
        if let Some(s) = v.downcast_ref::<CelString>() {
            Scalar::Str(s.inner())
        } else if let Some(i) = v.downcast_ref::<CelInt>() {
            Scalar::Int(*i.inner())
        } else if let Some(b) = v.downcast_ref::<CelBool>() {
            Scalar::Bool(*b.inner())
        } else if let Some(d) = v.downcast_ref::<CelDouble>() {
            Scalar::Double(*d.inner())
        } else if let Some(u) = v.downcast_ref::<CelUInt>() {
            Scalar::UInt(*u.inner())
        } else if v.downcast_ref::<CelNull>().is_some() {
            Scalar::Null
        } else {
            Scalar::Other
        }
    }

    fn shape(&self) -> helpers::Result<'static, Shape> {
        Ok(if self.0.downcast_ref::<CelMap>().is_some() {
            Shape::Map
        } else if let Some(list) = self.0.downcast_ref::<CelList>() {
            Shape::List(list.inner().len())
        } else {
            Shape::Other
        })
    }

    fn get(&self, key: &str) -> Option<Self> {
        // Maps here are small records: a scan avoids building a key that
        // would have to outlive the value.
        let map = self.0.downcast_ref::<CelMap>()?;
        map.iter()
            .find(|(k, _)| matches!(k, CelMapKey::String(s) if s.inner() == key))
            .map(|(_, v)| CelRef(v.as_ref()))
    }

    fn element(&self, i: usize) -> Option<Self> {
        self.0.downcast_ref::<CelList>()?.inner().get(i).map(|v| CelRef(v.as_ref()))
    }

    fn equals(&self, other: &Self) -> helpers::Result<'static, bool> {
        Ok(self.0.equals(other.0))
    }

    fn compare(&self, other: &Self) -> helpers::Result<'static, Option<std::cmp::Ordering>> {
        match (self.scalar(), other.scalar()) {
            (Scalar::Other, _) | (_, Scalar::Other) => {
                // Timestamps, durations, …: CEL's own ordering.
                let (a, b) = (Cel::try_from(self.0), Cel::try_from(other.0));
                Ok(a.ok().zip(b.ok()).and_then(|(a, b)| a.partial_cmp(&b)))
            }
            (a, b) => Ok(helpers::order_scalars(a, b)),
        }
    }

    fn other_text(&self) -> helpers::Result<'static, String> {
        Ok(Cel::try_from(self.0).map_or_else(|_| format!("{:?}", self.0), |v| format!("{v:?}")))
    }
}

/// A value the interpreter gave (a message interpolation's result).
impl helpers::Value for &Cel {
    fn scalar(&self) -> Scalar<'_> {
        match self {
            Cel::Null => Scalar::Null,
            Cel::Bool(b) => Scalar::Bool(*b),
            Cel::Int(i) => Scalar::Int(*i),
            Cel::UInt(u) => Scalar::UInt(*u),
            Cel::Float(f) => Scalar::Double(*f),
            Cel::String(s) => Scalar::Str(s),
            _ => Scalar::Other,
        }
    }

    fn shape(&self) -> helpers::Result<'static, Shape> {
        Ok(match self {
            Cel::Map(_) => Shape::Map,
            Cel::List(l) => Shape::List(l.len()),
            _ => Shape::Other,
        })
    }

    fn get(&self, key: &str) -> Option<Self> {
        match self {
            Cel::Map(m) => m.map.get(&Key::from(key)),
            _ => None,
        }
    }

    fn element(&self, i: usize) -> Option<Self> {
        match self {
            Cel::List(l) => l.get(i),
            _ => None,
        }
    }

    fn equals(&self, other: &Self) -> helpers::Result<'static, bool> {
        Ok(self == other)
    }

    fn compare(&self, other: &Self) -> helpers::Result<'static, Option<std::cmp::Ordering>> {
        Ok((*self).partial_cmp(*other))
    }

    fn other_text(&self) -> helpers::Result<'static, String> {
        Ok(format!("{self:?}"))
    }
}

/// A helper's failure as the interpreter reports it.
fn failed(ftx: &FunctionContext<'_, '_>, f: helpers::Failure<'_>) -> ExecutionError {
    ftx.error(f.to_string())
}

/// Argument `i` of a call, borrowed (no copy of the value).
fn arg<'a, 'v>(ftx: &'a FunctionContext<'a, 'v>, i: usize) -> Result<CelRef<'a, 'v>, ExecutionError> {
    ftx.args
        .get(i)
        .map(|a| CelRef(a.as_ref()))
        .ok_or_else(|| ftx.error(format!("expects at least {} argument(s)", i + 1)))
}

fn str_arg<'a, 'v>(ftx: &'a FunctionContext<'a, 'v>, i: usize) -> Result<&'a str, ExecutionError> {
    arg(ftx, i)?
        .0
        .downcast_ref::<CelString>()
        .map(|s| s.inner())
        .ok_or_else(|| ftx.error(format!("argument {} must be a string", i + 1)))
}

fn to_value(ftx: &FunctionContext<'_, '_>, v: CelRef<'_, '_>) -> Result<Cel, ExecutionError> {
    Cel::try_from(v.0).map_err(|e| ftx.error(e))
}

/// Registers the rule helpers ([`HELPERS`]) on a root context. `as_of` is
/// the evaluation date the date helpers measure from. Each registration only
/// converts: the helper itself is [`helpers`]'s. Helpers that read
/// structured values borrow their arguments rather than copying them.
pub fn register(ctx: &mut Context<'_, '_>, as_of: Date) -> Result<(), cel::DeclarationError> {
    register_bounds(ctx)?;
    for spec in HELPERS {
        register_helper(ctx, spec.helper, spec.name, as_of)?;
    }
    Ok(())
}

type Ftx<'a, 'c, 'v> = &'a FunctionContext<'c, 'v>;

fn register_helper(
    ctx: &mut Context<'_, '_>,
    helper: Helper,
    name: &'static str,
    as_of: Date,
) -> Result<(), cel::DeclarationError> {
    match helper {
        Helper::DaysSince => ctx.add_function(name, move |ftx: Ftx, d: Arc<String>| {
            helpers::days_since(&d, as_of).map_err(|f| failed(ftx, f))
        }),
        Helper::WithinDays => ctx.add_function(name, move |ftx: Ftx, d: Arc<String>, n: i64| {
            helpers::within_days(&d, n, as_of).map_err(|f| failed(ftx, f))
        }),
        Helper::OlderThanDays => ctx.add_function(name, move |ftx: Ftx, d: Arc<String>, n: i64| {
            helpers::older_than_days(&d, n, as_of).map_err(|f| failed(ftx, f))
        }),
        Helper::DaysBetween => ctx.add_function(name, |ftx: Ftx, a: Arc<String>, b: Arc<String>| {
            helpers::days_between(&a, &b).map_err(|f| failed(ftx, f))
        }),
        Helper::AddDays => ctx.add_function(name, |ftx: Ftx, d: Arc<String>, n: i64| {
            helpers::add_days(&d, n).map(Arc::new).map_err(|f| failed(ftx, f))
        }),
        Helper::IsDate => ctx.add_function(name, |ftx: Ftx| -> Result<bool, ExecutionError> {
            Ok(helpers::is_date(&arg(ftx, 0)?))
        }),
        Helper::HasPath => ctx.add_function(name, |ftx: Ftx| -> Result<bool, ExecutionError> {
            let found = helpers::path_get(&arg(ftx, 0)?, str_arg(ftx, 1)?).map_err(|f| failed(ftx, f))?;
            Ok(found.is_some())
        }),
        Helper::GetPath => ctx.add_function(name, |ftx: Ftx| -> Result<Cel, ExecutionError> {
            let (v, path, default) = (arg(ftx, 0)?, str_arg(ftx, 1)?, arg(ftx, 2)?);
            to_value(ftx, helpers::get_path(&v, path, &default).map_err(|f| failed(ftx, f))?)
        }),
        Helper::DistinctCount => ctx.add_function(name, |ftx: Ftx| -> Result<i64, ExecutionError> {
            helpers::distinct_count(&arg(ftx, 0)?).map_err(|f| failed(ftx, f))
        }),
        Helper::Latest | Helper::Earliest => {
            let want =
                if helper == Helper::Latest { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less };
            ctx.add_function(name, move |ftx: Ftx| -> Result<Cel, ExecutionError> {
                match helpers::extreme(&arg(ftx, 0)?, want).map_err(|f| failed(ftx, f))? {
                    Some(v) => to_value(ftx, v),
                    None => Ok(Cel::Null),
                }
            })
        }
        Helper::Join => ctx.add_function(name, |ftx: Ftx| -> Result<Arc<String>, ExecutionError> {
            let (list, sep) = (arg(ftx, 0)?, str_arg(ftx, 1)?);
            helpers::join(&list, sep).map(Arc::new).map_err(|f| failed(ftx, f))
        }),
        Helper::Head => ctx.add_function(name, |ftx: Ftx| -> Result<Cel, ExecutionError> {
            let list = arg(ftx, 0)?;
            let (n, more) = helpers::head(&list, &arg(ftx, 1)?).map_err(|f| failed(ftx, f))?;
            let mut out: Vec<Cel> = Vec::with_capacity(n + 1);
            for i in 0..n {
                out.extend(list.element(i).map(|v| to_value(ftx, v)).transpose()?);
            }
            out.extend(more.map(|m| Cel::String(Arc::new(m))));
            Ok(Cel::List(Arc::new(out)))
        }),
        Helper::MfaEnabled => ctx.add_function(name, |ftx: Ftx| -> Result<bool, ExecutionError> {
            helpers::mfa_enabled(&arg(ftx, 0)?).map_err(|f| failed(ftx, f))
        }),
        Helper::EffectiveAuth => ctx.add_function(name, |ftx: Ftx| -> Result<Cel, ExecutionError> {
            let fields = helpers::effective_auth(&arg(ftx, 0)?, &arg(ftx, 1)?).map_err(|f| failed(ftx, f))?;
            let mut out: HashMap<Key, Cel> = HashMap::new();
            for (field, value) in helpers::AUTH_FIELDS.into_iter().zip(fields) {
                if let Some(v) = value {
                    out.insert(Key::from(field), to_value(ftx, v)?);
                }
            }
            Ok(Cel::Map(Map { map: Arc::new(out) }))
        }),
        Helper::IsAnyAddress => {
            ctx.add_function(name, |s: Arc<String>| -> bool { helpers::is_any_address(&s) })
        }
        Helper::IsAddress => ctx.add_function(name, |s: Arc<String>| -> bool { helpers::is_address(&s) }),
        Helper::NameKey => ctx.add_function(name, |ftx: Ftx| -> Result<Arc<String>, ExecutionError> {
            Ok(Arc::new(helpers::name_key_of(&arg(ftx, 0)?)))
        }),
    }
}

#[cfg(test)]
mod tests;

//! CEL for rules: JSON → CEL values (integers stay `int`), and the helper
//! functions every rule expression can call (documented in
//! `docs/rule-authoring.md`; keep the two in step).

use std::collections::HashMap;
use std::sync::Arc;

use cel::objects::{Key, Map};
use cel::{Context, ExecutionError, FunctionContext, Value as Cel};
use serde_json::Value;

use crate::date::Date;

/// Converts JSON to a CEL value. Integers become `int` (CEL's `uint` would
/// make `generations * 2` fail).
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

/// Looks up a dotted path (`restore.procedure`) in nested maps.
fn path_get<'a>(v: &'a Cel, path: &str) -> Option<&'a Cel> {
    let mut node = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        match node {
            Cel::Map(m) => node = m.map.get(&Key::from(part))?,
            Cel::List(items) => node = items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        }
    }
    Some(node)
}

/// Registers the rule helpers on a root context. `as_of` is the evaluation
/// date the date helpers measure from.
pub fn register(ctx: &mut Context<'_, '_>, as_of: Date) -> Result<(), cel::DeclarationError> {
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
    ctx.add_function("is_date", |d: Cel| -> bool {
        matches!(&d, Cel::String(s) if s.parse::<Date>().is_ok())
    })?;
    ctx.add_function("has_path", |v: Cel, path: Arc<String>| -> bool { path_get(&v, &path).is_some() })?;
    ctx.add_function("get_path", |v: Cel, path: Arc<String>, default: Cel| -> Cel {
        path_get(&v, &path).cloned().unwrap_or(default)
    })?;
    ctx.add_function("distinct_count", |ftx: &FunctionContext, list: Cel| -> Result<i64, ExecutionError> {
        let Cel::List(items) = &list else { return Err(ftx.error("expects a list")) };
        let mut seen: Vec<&Cel> = Vec::new();
        for item in items.iter() {
            if !seen.contains(&item) {
                seen.push(item);
            }
        }
        Ok(seen.len() as i64)
    })?;
    ctx.add_function(
        "join",
        |ftx: &FunctionContext, list: Cel, sep: Arc<String>| -> Result<Arc<String>, ExecutionError> {
            let Cel::List(items) = &list else { return Err(ftx.error("expects a list")) };
            Ok(Arc::new(items.iter().map(display).collect::<Vec<_>>().join(&sep)))
        },
    )?;
    ctx.add_function("latest", |ftx: &FunctionContext, list: Cel| -> Result<Cel, ExecutionError> {
        extreme(ftx, &list, std::cmp::Ordering::Greater)
    })?;
    ctx.add_function("earliest", |ftx: &FunctionContext, list: Cel| -> Result<Cel, ExecutionError> {
        extreme(ftx, &list, std::cmp::Ordering::Less)
    })?;
    ctx.add_function("mfa_enabled", |mfa: Cel| -> bool { mfa_enabled(&mfa) })?;
    ctx.add_function("effective_auth", |system: Cel, facility: Cel| -> Cel {
        effective_auth(&system, &facility)
    })?;
    ctx.add_function("is_any_address", |s: Arc<String>| -> bool { is_any_address(&s) })?;
    ctx.add_function("is_address", |s: Arc<String>| -> bool { is_address(&s) })?;
    Ok(())
}

/// SPEC: a system's *effective* AuthPolicy is its own `authentication`
/// block, field by field (`password`, `mfa`), else the Facility's.
fn effective_auth(system: &Cel, facility: &Cel) -> Cel {
    let own = path_get(system, "authentication");
    let default = path_get(facility, "authentication");
    let mut out: HashMap<Key, Cel> = HashMap::new();
    for field in ["password", "mfa"] {
        let value = own.and_then(|a| path_get(a, field)).or_else(|| default.and_then(|a| path_get(a, field)));
        if let Some(v) = value {
            out.insert(Key::from(field), v.clone());
        }
    }
    Cel::Map(Map { map: Arc::new(out) })
}

/// An address or CIDR that admits everyone: a `/0` prefix (`0.0.0.0/0`,
/// `::/0`, `10.0.0.0/0`), or `any` / `*` / `0.0.0.0` / `::` alone.
fn is_any_address(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('/') {
        Some((addr, prefix)) => {
            prefix.trim().parse::<u8>() == Ok(0) && addr.trim().parse::<std::net::IpAddr>().is_ok()
        }
        None => matches!(s.to_ascii_lowercase().as_str(), "any" | "*" | "0.0.0.0" | "::" | "all"),
    }
}

/// An IPv4/IPv6 address, or a CIDR with a prefix that fits its family.
fn is_address(s: &str) -> bool {
    let (addr, prefix) = match s.trim().split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s.trim(), None),
    };
    let Ok(ip) = addr.parse::<std::net::IpAddr>() else { return false };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

/// The greatest (`Greater`) or least (`Less`) element of a list of strings
/// (dates compare correctly as strings) or numbers; `null` for an empty list.
fn extreme(ftx: &FunctionContext, list: &Cel, want: std::cmp::Ordering) -> Result<Cel, ExecutionError> {
    let Cel::List(items) = list else { return Err(ftx.error("expects a list")) };
    let mut best: Option<&Cel> = None;
    for item in items.iter() {
        match best {
            None => best = Some(item),
            Some(b) => match item.partial_cmp(b) {
                Some(o) if o == want => best = Some(item),
                Some(_) => {}
                None => return Err(ftx.error("list elements cannot be compared")),
            },
        }
    }
    Ok(best.cloned().unwrap_or(Cel::Null))
}

/// SPEC: "mfa enabled" means `enabled: true` with at least two distinct
/// `factors`.
fn mfa_enabled(mfa: &Cel) -> bool {
    let Cel::Map(m) = mfa else { return false };
    let enabled = matches!(m.map.get(&Key::from("enabled")), Some(Cel::Bool(true)));
    let factors = match m.map.get(&Key::from("factors")) {
        Some(Cel::List(items)) => {
            let mut distinct: Vec<&Cel> = Vec::new();
            for f in items.iter() {
                if !distinct.contains(&f) {
                    distinct.push(f);
                }
            }
            distinct.len()
        }
        _ => 0,
    };
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
        assert_eq!(eval("join(item.n, '・')", item), Ok(Cel::String(Arc::new("3・9・1".into()))));
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

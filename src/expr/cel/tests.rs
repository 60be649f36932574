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
    assert_eq!(eval("add_days('2025-01-31', 1)", json!({})), Ok(Cel::String(Arc::new("2025-02-01".into()))));
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
fn name_key_is_total() {
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

use super::*;
use crate::document::model::MERGED_LISTS;
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
    let item = json!({"type": "server", "os": {"name": "Windows", "support_ends_on": "2020-01-14"}, "n": 3});
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
    answers("has_path(item, 'patch.last_applied_on') && !has_path(item, 'patch.x.y')", item.clone(), true);
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
    for (name, generic) in [("Admin01", true), ("ａｄｍｉｎ　１", true), ("共用-2", true), ("d0001", false)]
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
    for expr in ["item.n * 2 > 3", "item.s.startsWith('a')", "{1: 'a'}[1] == 'a'", "1u == 1u", "nosuch(item)"]
    {
        let program = cel::Program::compile(expr).unwrap();
        assert!(Program::compile(program.expression()).is_none(), "`{expr}`");
    }
}

//! The body of the `expr` fuzz target (`fuzz/fuzz_targets/expr.rs`), also
//! run by `tests/fuzz_targets.rs` on fixed inputs: the fuzzer's bytes choose
//! a CEL expression over the helper table ([`anzen::expr::helpers::HELPERS`]),
//! the variables ([`anzen::expr::vars::VARIABLES`]), literals, operators and
//! macros, evaluated on a fixed small set of documents by the fast path and
//! by the CEL interpreter. Invariant: wherever the fast path answers, it
//! answers exactly what the interpreter gives (the condition's bool, the
//! message text), and it declines wherever the interpreter fails; an
//! expression it does not compile always runs in the interpreter.

use std::collections::HashMap;
use std::sync::OnceLock;

use anzen::document::model::{Kind, MERGED_LISTS};
use anzen::document::node::Node;
use anzen::expr::cel::{self as interp, Bounded, Failure};
use anzen::expr::fast::{Globals, Item, Joins, Program};
use anzen::expr::helpers::HELPERS;
use anzen::kernel::date::Date;
use cel::common::types::{CelList, CelMap, CelMapKey, CelString};
use cel::common::value::Val;
use serde_json::json;

pub const AS_OF: &str = "2025-06-30";

/// What one input came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The expression did not parse as CEL (a gap in the generator).
    Unparsed,
    /// Outside the fast path's subset: the interpreter alone decides.
    NotCompiled,
    /// The fast path answered on at least one item, and agreed.
    Agreed,
    /// The fast path declined on every item.
    Declined,
}

/// The fixed documents: the judged items and the facility around them.
struct Scene {
    items: Vec<Node>,
    facility: Node,
    policy: Node,
    /// The merged lists, in `MERGED_LISTS` order.
    lists: Vec<Vec<Node>>,
}

fn scene() -> &'static Scene {
    static SCENE: OnceLock<Scene> = OnceLock::new();
    SCENE.get_or_init(|| {
        let items = [
            json!({
                "id": "srv-01", "name": "Admin01", "type": "server", "n": 3, "x": 2.5, "on": true,
                "d": "2025-01-01", "s": "0.0.0.0/0", "l": ["s1", "s2", "s1"], "nums": [3, 1, 4],
                "patch": {"last_applied_on": "2024-12-31"},
                "authentication": {"mfa": {"enabled": true, "factors": ["knowledge", "possession"]}},
                "systems": ["s1"], "vendor": "v1",
            }),
            json!({
                "id": "s1", "name": "ａｄｍｉｎ　１", "n": -1, "d": "2025-02-30", "s": "10.0.0.0/8",
                "l": [1, "1", null, true, 1.0], "nums": [], "patch": {}, "mfa": {"enabled": false},
                "remote_maintenance": {"vendor": "v2"}, "none": null,
            }),
            json!({"id": 7, "l": [{"a": 1}, [2], "2025-06-30"], "d": "2026-01-01", "x": -0.0}),
        ];
        let lists = MERGED_LISTS
            .iter()
            .map(|list| match *list {
                "assets" => vec![
                    json!({"id": "a1", "systems": ["s1", "s2", "s1"], "vendor": "v1"}),
                    json!({"id": "a2", "vendor": "v2", "n": 1}),
                    json!({"id": "a3", "systems": [1, "s3", {}, "s2"], "remote_maintenance": {"vendor": "v1"}}),
                    json!({"id": 5, "systems": [], "vendor": 7}),
                ],
                "systems" => vec![
                    json!({"id": "s1", "authentication": {"password": {"min_length": 8}}}),
                    json!({"id": "s2", "name": "EHR"}),
                ],
                "backups" => vec![json!({"id": "b1", "system": "s1", "generations": 3})],
                _ => Vec::new(),
            })
            .map(|items| items.iter().map(Node::from_json).collect())
            .collect();
        Scene {
            items: items.iter().map(Node::from_json).collect(),
            facility: Node::from_json(&json!({
                "name": "F",
                "authentication": {
                    "password": {"min_length": 12},
                    "mfa": {"enabled": true, "factors": ["a", "b", "a"]},
                },
            })),
            policy: Node::from_json(&json!({"patch_max_age_days": 90, "min_backup_generations": 3})),
            lists,
        }
    })
}

/// Reads choices from the fuzzer's bytes; zeros once they are used up, so
/// every expression ends.
struct Bytes<'d> {
    data: &'d [u8],
    at: usize,
}

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    fn done(&self) -> bool {
        self.at >= self.data.len()
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len())]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Bool,
    Int,
    Str,
    List,
    Any,
}

const FIELDS: &[&str] = &[
    "id",
    "name",
    "type",
    "n",
    "x",
    "on",
    "d",
    "s",
    "l",
    "nums",
    "patch",
    "authentication",
    "mfa",
    "enabled",
    "factors",
    "systems",
    "vendor",
    "remote_maintenance",
    "none",
    "missing",
    "password",
    "min_length",
    "last_applied_on",
];
const STRINGS: &[&str] = &[
    "''",
    "'s1'",
    "'a1'",
    "'v1'",
    "'admin'",
    "'2025-01-01'",
    "'2025-06-30'",
    "'2024-02-29'",
    "'2025-02-30'",
    "'0.0.0.0/0'",
    "'::/0'",
    "'10.0.0.1'",
    "'any'",
    "'日本'",
    "'x.y'",
    "'l.1'",
    "'patch.last_applied_on'",
    "'authentication.mfa'",
    "', '",
];
const INTS: &[&str] = &["0", "1", "2", "-1", "30", "365", "9223372036854775807", "-9223372036854775807"];
const PATHS: &[&str] = &[
    "'id'",
    "'l.0'",
    "'l.9'",
    "'patch.last_applied_on'",
    "'authentication.mfa.enabled'",
    "'a.b'",
    "''",
    "'systems.1'",
    "'mfa'",
];

struct Gen<'d> {
    bytes: Bytes<'d>,
    /// Comprehension variables in scope.
    locals: Vec<&'static str>,
}

impl Gen<'_> {
    fn expr(&mut self, ty: Ty, depth: usize) -> String {
        if depth == 0 || self.bytes.done() {
            return self.leaf(ty);
        }
        let d = depth - 1;
        match ty {
            Ty::Bool => match self.bytes.below(16) {
                0 => format!("!{}", self.paren(Ty::Bool, d)),
                1 => format!("{} && {}", self.paren(Ty::Bool, d), self.paren(Ty::Bool, d)),
                2 => format!("{} || {}", self.paren(Ty::Bool, d), self.paren(Ty::Bool, d)),
                3 => {
                    let op = self.bytes.pick(&["==", "!="]);
                    let t = self.any_ty();
                    format!("{} {op} {}", self.paren(t, d), self.paren(t, d))
                }
                4 => {
                    let op = self.bytes.pick(&["<", "<=", ">", ">="]);
                    let t = if self.bytes.below(2) == 0 { Ty::Int } else { Ty::Str };
                    format!("{} {op} {}", self.paren(t, d), self.paren(t, d))
                }
                5 => {
                    let t = self.any_ty();
                    format!("{} in {}", self.paren(t, d), self.paren(Ty::List, d))
                }
                6 => format!("has({}.{})", self.selectable(d), self.bytes.pick(FIELDS)),
                7..=9 => {
                    let m = self.bytes.pick(&["exists", "all", "exists_one"]);
                    self.comprehension(m, Ty::Bool, d)
                }
                10 => format!(
                    "{} ? {} : {}",
                    self.paren(Ty::Bool, d),
                    self.paren(Ty::Bool, d),
                    self.paren(Ty::Bool, d)
                ),
                _ => self.helper(Ty::Bool, d),
            },
            Ty::Int => match self.bytes.below(6) {
                0 => {
                    let t = self.sized();
                    format!("size({})", self.expr(t, d))
                }
                1 => format!("{} + {}", self.paren(Ty::Int, d), self.paren(Ty::Int, d)),
                2 => {
                    let t = self.sized();
                    format!("{}.size()", self.paren(t, d))
                }
                _ => self.helper(Ty::Int, d),
            },
            Ty::Str => match self.bytes.below(6) {
                0 => format!("{} + {}", self.paren(Ty::Str, d), self.paren(Ty::Str, d)),
                1 => {
                    let t = self.any_ty();
                    format!("string({})", self.expr(t, d))
                }
                _ => self.helper(Ty::Str, d),
            },
            Ty::List => match self.bytes.below(7) {
                0 => {
                    let n = self.bytes.below(4);
                    let t = self.any_ty();
                    let items: Vec<String> = (0..n).map(|_| self.expr(t, d)).collect();
                    format!("[{}]", items.join(", "))
                }
                1 => format!("{} + {}", self.paren(Ty::List, d), self.paren(Ty::List, d)),
                2 => self.comprehension("filter", Ty::Bool, d),
                3 => self.comprehension("map", Ty::Any, d),
                _ => self.helper(Ty::List, d),
            },
            Ty::Any => match self.bytes.below(8) {
                0 => format!("{}.{}", self.selectable(d), self.bytes.pick(FIELDS)),
                1 => format!("{}[{}]", self.paren(Ty::List, d), self.expr(Ty::Int, d)),
                2 => format!("{{'k': {}, 'j': {}}}", self.expr(Ty::Any, d), self.expr(Ty::Int, d)),
                3 => format!("{}[{}]", self.selectable(d), self.bytes.pick(STRINGS)),
                4 => self.helper(Ty::Any, d),
                _ => {
                    let t = self.any_ty();
                    self.expr(t, depth)
                }
            },
        }
    }

    fn paren(&mut self, ty: Ty, depth: usize) -> String {
        format!("({})", self.expr(ty, depth))
    }

    fn any_ty(&mut self) -> Ty {
        [Ty::Bool, Ty::Int, Ty::Str, Ty::List, Ty::Any][self.bytes.below(5)]
    }

    fn sized(&mut self) -> Ty {
        [Ty::Str, Ty::List, Ty::Any][self.bytes.below(3)]
    }

    /// Something `.field` can follow.
    fn selectable(&mut self, depth: usize) -> String {
        match self.bytes.below(6) {
            0 if !self.locals.is_empty() => self.local(),
            1 => "facility".to_owned(),
            2 if depth > 0 => format!("({})", self.expr(Ty::Any, depth - 1)),
            3 => {
                format!("item.{}", self.bytes.pick(&["patch", "authentication", "mfa", "remote_maintenance"]))
            }
            4 => "policy".to_owned(),
            _ => "item".to_owned(),
        }
    }

    fn local(&mut self) -> String {
        let i = self.bytes.below(self.locals.len());
        self.locals[i].to_owned()
    }

    fn comprehension(&mut self, name: &str, body: Ty, depth: usize) -> String {
        let range = if self.bytes.below(2) == 0 {
            self.bytes.pick(&["assets", "systems", "backups", "vendors", "item.l", "item.nums"]).to_owned()
        } else {
            self.paren(Ty::List, depth)
        };
        let var = ["x", "y", "z"][self.locals.len() % 3];
        self.locals.push(var);
        let inner = self.expr(body, depth);
        self.locals.pop();
        format!("{range}.{name}({var}, {inner})")
    }

    /// A call of a helper from the table whose result suits `ty`.
    fn helper(&mut self, ty: Ty, depth: usize) -> String {
        let results = |name: &str| -> Ty {
            match name {
                "within_days" | "older_than_days" | "is_date" | "has_path" | "mfa_enabled"
                | "is_any_address" | "is_address" => Ty::Bool,
                "days_since" | "days_between" | "distinct_count" => Ty::Int,
                "add_days" | "join" | "name_key" => Ty::Str,
                "head" => Ty::List,
                _ => Ty::Any,
            }
        };
        let fitting: Vec<_> = HELPERS.iter().filter(|s| ty == Ty::Any || results(s.name) == ty).collect();
        let Some(spec) = fitting.get(self.bytes.below(fitting.len())) else { return self.leaf(ty) };
        let mut args = Vec::with_capacity(spec.arity());
        for param in spec.params {
            let arg = match *param {
                "date" | "a" | "b" => {
                    if self.bytes.below(2) == 0 {
                        self.bytes
                            .pick(&["item.d", "'2025-01-01'", "as_of", "item.patch.last_applied_on"])
                            .to_owned()
                    } else {
                        self.expr(Ty::Str, depth)
                    }
                }
                "n" => self.expr(Ty::Int, depth),
                "'a.b.c'" => {
                    if self.bytes.below(3) == 0 {
                        self.expr(Ty::Str, depth)
                    } else {
                        self.bytes.pick(PATHS).to_owned()
                    }
                }
                "list" => self.expr(Ty::List, depth),
                "sep" | "s" => self.expr(Ty::Str, depth),
                "facility" => "facility".to_owned(),
                _ => self.expr(Ty::Any, depth),
            };
            args.push(arg);
        }
        format!("{}({})", spec.name, args.join(", "))
    }

    fn leaf(&mut self, ty: Ty) -> String {
        match ty {
            Ty::Bool => self.bytes.pick(&["true", "false", "has(item.n)", "item.on"]).to_owned(),
            Ty::Int => match self.bytes.below(3) {
                0 => "item.n".to_owned(),
                _ => self.bytes.pick(INTS).to_owned(),
            },
            Ty::Str => match self.bytes.below(5) {
                0 => self.bytes.pick(&["item.id", "item.d", "item.s", "item.name", "as_of"]).to_owned(),
                1 if !self.locals.is_empty() => {
                    let field = self.bytes.pick(&["id", "vendor", "system"]);
                    if self.bytes.below(2) == 0 {
                        format!("{}.{field}", self.local())
                    } else {
                        format!("get_path({}, '{field}', '')", self.local())
                    }
                }
                _ => self.bytes.pick(STRINGS).to_owned(),
            },
            // A comprehension variable's list: the shape joins index.
            Ty::List if !self.locals.is_empty() && self.bytes.below(3) == 0 => {
                format!("{}.{}", self.local(), self.bytes.pick(&["systems", "l"]))
            }
            Ty::List => self
                .bytes
                .pick(&[
                    "item.l",
                    "item.nums",
                    "assets",
                    "systems",
                    "[]",
                    "['s1', 's2']",
                    "[3, 1]",
                    "item.systems",
                ])
                .to_owned(),
            Ty::Any => match self.bytes.below(6) {
                0 if !self.locals.is_empty() => self.local(),
                1 => {
                    self.bytes.pick(&["null", "1.5", "{}", "facility", "policy", "item", "owner"]).to_owned()
                }
                2 => format!("item.{}", self.bytes.pick(FIELDS)),
                _ => {
                    let t = [Ty::Bool, Ty::Int, Ty::Str, Ty::List][self.bytes.below(4)];
                    self.leaf(t)
                }
            },
        }
    }
}

/// The expression `data` chooses.
pub fn expression(data: &[u8]) -> String {
    let mut g = Gen { bytes: Bytes { data, at: 0 }, locals: Vec::new() };
    let ty = [Ty::Bool, Ty::Bool, Ty::Any, Ty::Str, Ty::Int, Ty::List][g.bytes.below(6)];
    g.expr(ty, 4)
}

/// The bytes one evaluation may build, both ways (as `limits.max_eval_bytes`).
const MAX_BYTES: u64 = 1 << 20;

/// Runs the expression `data` chooses both ways on every item; panics when
/// the two disagree.
pub fn run(data: &[u8]) -> Outcome {
    let source = expression(data);
    let Ok(program) = cel::Program::compile(&source) else { return Outcome::Unparsed };
    let Some(fast) = Program::compile(program.expression()) else { return Outcome::NotCompiled };
    let bounded = Bounded::new(program.expression());
    let s = scene();
    let as_of: Date = AS_OF.parse().unwrap_or_else(|()| unreachable!());
    let lists: Vec<Vec<&Node>> = s.lists.iter().map(|l| l.iter().collect()).collect();
    let mut documents: Vec<Vec<&Node>> = vec![Vec::new(); Kind::ALL.len()];
    if let Some(i) = Kind::ALL.iter().position(|k| *k == Kind::Facility) {
        documents[i].push(&s.facility);
    }
    let joins = Joins::default();
    let globals = Globals {
        facility: &s.facility,
        policy: &s.policy,
        as_of: AS_OF,
        as_of_date: as_of,
        lists: &lists,
        documents: &documents,
        joins: &joins,
        max_bytes: MAX_BYTES,
    };
    // The interpreter's root context, bound as the evaluation stage binds it.
    let mut root = cel::Context::default();
    interp::register(&mut root, as_of).unwrap_or_else(|e| panic!("helpers register: {e}"));
    root.add_variable_as_val("facility", interp::to_val(&s.facility));
    root.add_variable_as_val("policy", interp::to_val(&s.policy));
    root.add_variable_from_value("as_of", cel::Value::String(std::sync::Arc::new(AS_OF.to_owned())));
    for (name, items) in MERGED_LISTS.iter().zip(&s.lists) {
        let items: Vec<Box<dyn Val>> = items.iter().map(interp::to_val).collect();
        root.add_variable_as_val(*name, Box::new(CelList::from(items)));
    }
    let mut by_kind = HashMap::new();
    for kind in Kind::ALL.into_iter().filter(|k| *k != Kind::Config) {
        let list: Vec<Box<dyn Val>> =
            if kind == Kind::Facility { vec![interp::to_val(&s.facility)] } else { Vec::new() };
        by_kind
            .insert(CelMapKey::String(CelString::from(kind.name())), Box::new(CelList::from(list)) as Box<_>);
    }
    root.add_variable_as_val("documents", Box::new(CelMap::from(by_kind)));

    let mut answered = false;
    for item in &s.items {
        let mut scope = root.new_inner_scope();
        scope.add_variable_as_val("item", interp::to_val(item));
        scope.add_variable_as_val("owner", interp::to_val(item));
        let interpreted = bounded.execute(&scope, MAX_BYTES);
        let bound = Item { item, owner: Some(item), document: None };
        let test = fast.test(&globals, &bound);
        let text = fast.text(&globals, &bound);
        let shown = || format!("`{source}` on {}", item.to_json());
        match &interpreted {
            Ok(value) => {
                if let Ok(b) = test {
                    assert_eq!(&cel::Value::Bool(b), value, "condition of {}", shown());
                    answered = true;
                }
                if let Ok(t) = &text {
                    assert_eq!(t, &interp::display(value), "message text of {}", shown());
                    answered = true;
                }
            }
            Err(e) => {
                let why = match e {
                    Failure::TooLarge => "too large".to_owned(),
                    Failure::Error(e) => e.to_string(),
                };
                assert!(
                    test.is_err(),
                    "{}: the interpreter fails ({why}), the fast path gives {test:?}",
                    shown()
                );
                assert!(
                    text.is_err(),
                    "{}: the interpreter fails ({why}), the fast path gives {text:?}",
                    shown()
                );
            }
        }
    }
    if answered { Outcome::Agreed } else { Outcome::Declined }
}

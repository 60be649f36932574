//! One cell → one field's value: the mapping file's words first, then the
//! field's type ([`Ty`]) picks the reader in [`values`], then `--repo`
//! turns vendor and system names into ids ([`refs`]).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::import::fields::{self, Field, Ty};
use crate::import::mapfile::MapFile;
use crate::import::problem::preview;
use crate::import::refs;
use crate::import::values::{self, Cell};
use crate::kernel::finding::Text;

/// Reads one cell as `field`'s value. `Ok((None, _))` when nothing usable
/// remains (e.g. a never-logged-in FILETIME); the second part lists problems
/// with parts of the cell (one bad service among several).
pub(super) fn read_cell(
    field: &Field,
    cell: &Cell,
    map: &MapFile,
) -> Result<(Option<Value>, Vec<Text>), Text> {
    let words = map.values.get(field.path);
    let mapped = |c: &Cell| -> Cell {
        match words.and_then(|w| w.get(&values::key(&c.display()))) {
            Some(to) => Cell::Text(to.clone()),
            None => c.clone(),
        }
    };
    let cell = &mapped(cell);
    let one = |v: Value| Ok((Some(v), Vec::new()));
    match field.ty {
        Ty::Text | Ty::Id => one(Value::String(values::text(cell))),
        Ty::Date => one(Value::String(values::date(cell)?.to_string())),
        Ty::Count => one(Value::from(values::count(cell)?)),
        Ty::Bool => {
            if field.target() == "enabled"
                && let Some(b) = enum_value(fields::ENABLED_WORDS, cell)
            {
                return one(Value::Bool(b == "true"));
            }
            one(Value::Bool(values::boolean(cell)?))
        }
        Ty::Enum(table) => match enum_value(table, cell) {
            Some(v) => one(Value::String(v.to_owned())),
            None => {
                let allowed = table.iter().map(|(v, _)| *v).collect::<Vec<_>>().join(", ");
                let examples: Vec<&str> = table.iter().filter_map(|(_, w)| w.first().copied()).collect();
                Err(Text::new(
                    format!(
                        "{} の値として読めません（使える値: {allowed}。例: {}）",
                        field.path,
                        examples.join("・")
                    ),
                    format!(
                        "not a known {} (allowed: {allowed}; Japanese words such as {} work too)",
                        field.path,
                        examples.join(", ")
                    ),
                ))
            }
        },
        Ty::List => {
            let items: Vec<Value> = values::list(cell)
                .into_iter()
                .map(|s| {
                    let to = words.and_then(|w| w.get(&values::key(&s))).cloned();
                    Value::String(to.unwrap_or(s))
                })
                .collect();
            if items.is_empty() { Ok((None, Vec::new())) } else { one(Value::Array(items)) }
        }
        Ty::Services { needed } => {
            let (services, problems) = values::services(cell);
            if services.is_empty() {
                let why = problems
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| Text::new("サービスがありません", "no service"));
                return Err(why);
            }
            let list = services
                .into_iter()
                .map(|s| {
                    let mut m = Map::new();
                    m.insert("name".into(), Value::String(s.name));
                    if let Some(p) = s.port {
                        m.insert("port".into(), Value::from(p));
                    }
                    m.insert("needed".into(), Value::Bool(needed));
                    if let Some(r) = s.reason {
                        m.insert("reason".into(), Value::String(r));
                    }
                    Value::Object(m)
                })
                .collect();
            Ok((Some(Value::Array(list)), problems))
        }
        Ty::AccountControl => {
            let n = values::count(cell).map_err(|_| {
                Text::new(
                    format!("「{}」は userAccountControl の数値ではありません", cell.display()),
                    format!("\"{}\" is not a userAccountControl number", cell.display()),
                )
            })?;
            one(Value::Bool(n & 2 == 0))
        }
        Ty::LastLogon => {
            if let Some(ft) = values::filetime_date(&cell.display()) {
                return Ok((ft?.map(|d| Value::String(d.to_string())), Vec::new()));
            }
            one(Value::String(values::date(cell)?.to_string()))
        }
    }
}

/// With `--repo`: a vendor or system named by its name (or id) becomes its
/// id. A single value that names nothing rejects the cell; in a list, that
/// item is left out (the cell is rejected only when nothing is left).
pub(super) fn resolve_refs(
    refs: &refs::Refs,
    field: &Field,
    read: (Option<Value>, Vec<Text>),
) -> Result<(Option<Value>, Vec<Text>), Text> {
    let (value, mut partial) = read;
    let Some(registry) = refs.for_field(field.target()) else { return Ok((value, partial)) };
    match value {
        Some(Value::String(s)) => Ok((Some(Value::String(registry.resolve(&s)?)), partial)),
        Some(Value::Array(items)) => {
            let mut kept = Vec::with_capacity(items.len());
            let mut failed = Vec::new();
            for item in items {
                let Value::String(s) = item else { continue };
                match registry.resolve(&s) {
                    Ok(id) => kept.push(Value::String(id)),
                    Err(why) => failed.push(Text::new(
                        format!("「{}」: {}", preview(&s), why.ja),
                        format!("\"{}\": {}", preview(&s), why.en),
                    )),
                }
            }
            if kept.is_empty() && !failed.is_empty() {
                let ja = failed.iter().map(|t| t.ja.clone()).collect::<Vec<_>>().join("; ");
                let en = failed.iter().map(|t| t.en.clone()).collect::<Vec<_>>().join("; ");
                return Err(Text::new(ja, en));
            }
            partial.extend(failed);
            Ok((if kept.is_empty() { None } else { Some(Value::Array(kept)) }, partial))
        }
        other => Ok((other, partial)),
    }
}

/// The enum value a cell names: the value itself or one of its words.
fn enum_value(
    table: &'static [(&'static str, &'static [&'static str])],
    cell: &Cell,
) -> Option<&'static str> {
    let k = values::key(&cell.display());
    if k.is_empty() {
        return None;
    }
    enum_index(table).get(&k).copied()
}

type EnumIndex = HashMap<String, &'static str>;

/// Word key → value, built once per enum table.
fn enum_index(table: &'static [(&'static str, &'static [&'static str])]) -> &'static EnumIndex {
    // Tables are told apart by their first value (server, blocked, active, true).
    static INDEXES: std::sync::OnceLock<Vec<(&'static str, EnumIndex)>> = std::sync::OnceLock::new();
    static EMPTY: std::sync::OnceLock<EnumIndex> = std::sync::OnceLock::new();
    let build = |t: &'static [(&'static str, &'static [&'static str])]| {
        let mut m = HashMap::new();
        for (value, words) in t {
            for w in words.iter().chain(std::iter::once(value)) {
                m.entry(values::key(w)).or_insert(*value);
            }
        }
        (t.first().map_or("", |(v, _)| *v), m)
    };
    let all = INDEXES.get_or_init(|| {
        [
            fields::ASSET_TYPES,
            fields::USB_STORAGE,
            fields::ANTI_MALWARE_KIND,
            fields::STAFF_STATUS,
            fields::ENABLED_WORDS,
        ]
        .into_iter()
        .map(build)
        .collect()
    });
    all.iter()
        .find(|(first, _)| table.first().is_some_and(|(v, _)| v == first))
        .map_or_else(|| EMPTY.get_or_init(HashMap::new), |(_, m)| m)
}

//! What every row or the document gets besides the cells: `--default` and
//! the mapping file's `defaults` (each read as a cell of its field), and the
//! top-level entries (`apiVersion`, `kind`, `--reviewed-on`, `--system`, …).

use serde_json::{Map, Value};

use crate::document::API_VERSION;
use crate::import::convert::{read_cell, resolve_refs};
use crate::import::fields::{Field, Target};
use crate::import::mapfile::MapFile;
use crate::import::options::Options;
use crate::import::refs;
use crate::import::values::{self, Cell};
use crate::kernel::error::Fatal;

/// `--default` (wins) and the mapping file's `defaults`, each read as a cell.
pub(super) fn parse_defaults(
    opts: &Options,
    map: &MapFile,
    refs: &refs::Refs,
    target: &Target,
) -> Result<Vec<(&'static Field, Value)>, Fatal> {
    let mut raw: Vec<(&'static str, String)> = map.defaults.clone();
    for d in &opts.defaults {
        let Some((field, value)) = d.split_once('=') else {
            return Err(Fatal::Usage(format!(
                "--default `{d}`: write FIELD=VALUE, e.g. --default location=本館"
            )));
        };
        let Some(f) = target.field(field.trim()) else {
            return Err(Fatal::Usage(format!(
                "--default `{d}`: `{field}` is not a field of {}",
                target.kind
            )));
        };
        raw.retain(|(p, _)| *p != f.path);
        raw.push((f.path, value.to_owned()));
    }
    let mut out = Vec::new();
    for (path, text) in raw {
        let Some(field) = target.field(path) else { continue };
        let cell = Cell::Text(text.clone());
        match read_cell(field, &cell, map).and_then(|r| resolve_refs(refs, field, r)) {
            Ok((Some(v), problems)) if problems.is_empty() => out.push((field, v)),
            Ok(_) => return Err(Fatal::Usage(format!("default for {path} `{text}` cannot be read"))),
            Err(why) => return Err(Fatal::Usage(format!("default for {path} `{text}`: {}", why.en))),
        }
    }
    Ok(out)
}

/// `apiVersion`, `kind` and the options' top-level entries.
pub(super) fn top_entries(
    opts: &Options,
    refs: &refs::Refs,
    target: &Target,
) -> Result<Map<String, Value>, Fatal> {
    let mut top = Map::new();
    top.insert("apiVersion".into(), Value::String(API_VERSION.into()));
    top.insert("kind".into(), Value::String(target.kind.name().into()));
    for (k, v) in &opts.top {
        let value = if k.ends_with("_on") {
            let d = values::date_text(v)
                .map_err(|why| Fatal::Usage(format!("--{}: {}", k.replace('_', "-"), why.en)))?;
            d.to_string()
        } else {
            let t = v.trim();
            if t.is_empty() {
                return Err(Fatal::Usage(format!("--{k} must not be empty")));
            }
            match (*k, &refs.systems) {
                // `--system 電子カルテ` names the system as --repo's catalogue does.
                ("system", Some(systems)) => systems.resolve(t).map_err(|why| {
                    Fatal::usage(
                        format!("--system 「{t}」: {}", why.ja),
                        format!("--system `{t}`: {}", why.en),
                    )
                })?,
                _ => t.to_owned(),
            }
        };
        top.insert((*k).to_owned(), Value::String(value));
    }
    Ok(top)
}

//! The mapping file (`--map MAP.yaml`): extra column headers, per-field
//! value words and defaults, read and checked with every problem pointing
//! at its place in the file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::document::node::{Node, NodeValue};
use crate::document::yaml;
use crate::import::fields::{Field, Target, Use};
use crate::import::values::key;
use crate::kernel::error::Fatal;
use crate::kernel::source::SourceFile;

/// A mapping file (`--map`): extra headers, value words, defaults.
#[derive(Debug, Default)]
pub struct MapFile {
    /// Header key → use.
    pub columns: HashMap<String, Use>,
    /// Field path → (value key → replacement text).
    pub values: HashMap<&'static str, HashMap<String, String>>,
    /// Field path → default text, in file order.
    pub defaults: Vec<(&'static str, String)>,
}

impl MapFile {
    /// Reads and checks a mapping file; problems point into it.
    pub fn load(path: &Path, target: &Target) -> Result<MapFile, Fatal> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Fatal::Path { path: path.to_path_buf(), source: e })?;
        let file = SourceFile::new(path.to_path_buf(), path.display().to_string(), Arc::from(text.as_str()));
        let fail = |span, message: String, help: Option<String>| {
            Fatal::config(&file, span, message, "here".into(), help)
        };
        let docs = yaml::parse(&text, &yaml::Limits::default())
            .map_err(|e| fail(e.span, format!("the mapping file is not valid YAML: {}", e.message), None))?;
        let mut map = MapFile::default();
        let Some(root) = docs.first() else {
            return Ok(map);
        };
        let NodeValue::Map(entries) = &root.value else {
            return Err(fail(
                root.span,
                "the mapping file must be a mapping (columns, values, defaults)".into(),
                None,
            ));
        };
        let paths = target.fields.iter().map(|f| f.path).collect::<Vec<_>>().join(", ");
        let field_of = |node: &Node, s: &str| -> Result<&'static Field, Fatal> {
            target.field(s).ok_or_else(|| {
                let hint = crate::kernel::text::closest(s, target.fields.iter().map(|f| f.path))
                    .map_or_else(String::new, |c| format!("did you mean `{c}`? "));
                fail(
                    node.span,
                    format!("`{s}` is not a field of {}", target.kind),
                    Some(format!("{hint}fields: {paths}")),
                )
            })
        };
        for entry in entries {
            let pairs = |node: &Node| -> Result<Vec<(String, Node)>, Fatal> {
                match &node.value {
                    NodeValue::Map(es) => {
                        Ok(es.iter().map(|e| (e.key.to_string(), e.value.clone())).collect())
                    }
                    NodeValue::Null => Ok(Vec::new()),
                    _ => Err(fail(node.span, format!("`{}` must be a mapping", entry.key), None)),
                }
            };
            match entry.key.as_str() {
                "columns" => {
                    for (header, node) in pairs(&entry.value)? {
                        let Some(s) = scalar_text(&node) else {
                            return Err(fail(
                                node.span,
                                format!("column `{header}`: write a field path, `x-…` or `ignore`"),
                                None,
                            ));
                        };
                        let used = match s.as_str() {
                            "ignore" => Use::Ignore,
                            x if x.starts_with("x-") => Use::Note(x.to_owned()),
                            p => Use::Field(field_of(&node, p)?.path),
                        };
                        map.columns.insert(key(&header), used);
                    }
                }
                "values" => {
                    for (field, node) in pairs(&entry.value)? {
                        let f = field_of(&entry.value, &field)?;
                        let mut words = HashMap::new();
                        for (word, to) in pairs(&node)? {
                            let Some(to) = scalar_text(&to) else {
                                return Err(fail(
                                    to.span,
                                    format!("values.{field}.{word}: write a single value"),
                                    None,
                                ));
                            };
                            words.insert(key(&word), to);
                        }
                        map.values.insert(f.path, words);
                    }
                }
                "defaults" => {
                    for (field, node) in pairs(&entry.value)? {
                        let f = field_of(&entry.value, &field)?;
                        let Some(v) = scalar_text(&node) else {
                            return Err(fail(
                                node.span,
                                format!("defaults.{field}: write a single value"),
                                None,
                            ));
                        };
                        map.defaults.push((f.path, v));
                    }
                }
                other => {
                    return Err(fail(
                        entry.key_span,
                        format!("unknown key `{other}` in the mapping file"),
                        Some("the mapping file has `columns`, `values` and `defaults`".into()),
                    ));
                }
            }
        }
        Ok(map)
    }
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        NodeValue::String(s) => Some(s.to_string()),
        NodeValue::Int(i) => Some(i.to_string()),
        NodeValue::Float(f) => Some(f.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

//! The last step of an import: the emitted YAML must read back, with
//! anzen's own loader, as exactly the values imported, and break its schema
//! only by the required fields already reported as missing.

use serde_json::Value;

use crate::document::schemas::{self, Schemas};
use crate::document::yaml;
use crate::import::fields::Target;
use crate::kernel::error::Fatal;

/// Whether a YAML node holds exactly `value` (without building its JSON).
fn same(node: &crate::document::node::Node, value: &Value) -> bool {
    use crate::document::node::NodeValue;
    match (&node.value, value) {
        (NodeValue::Null, Value::Null) => true,
        (NodeValue::Bool(a), Value::Bool(b)) => a == b,
        (NodeValue::Int(a), Value::Number(b)) => b.as_i64() == Some(*a),
        (NodeValue::String(a), Value::String(b)) => a == b,
        (NodeValue::Seq(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (NodeValue::Map(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(e, (k, v))| e.key == *k && same(&e.value, v))
        }
        _ => false,
    }
}

/// The emitted text must read back, with anzen's own loader, as exactly the
/// values imported, and break the schema only by leaving out required
/// fields (reported already).
pub(super) fn verify(text: &str, value: &Value, target: &Target, schemas: &Schemas) -> Result<(), Fatal> {
    let limits = yaml::Limits { max_documents: 1, ..yaml::Limits::default() };
    let docs = yaml::parse(text, &limits).map_err(|e| {
        Fatal::Internal(format!("the imported YAML does not parse: {} at byte {}", e.message, e.span.start))
    })?;
    if !docs.first().is_some_and(|n| same(n, value)) {
        return Err(Fatal::Internal("the imported YAML does not read back as the imported values".into()));
    }
    let Some(read_back) = docs.first() else {
        return Err(Fatal::Internal("the imported YAML is empty".into()));
    };
    let unexpected: Vec<String> = schemas::violations(schemas, target.kind, read_back)
        .into_iter()
        .filter(|v| !v.message.en.starts_with("missing required key"))
        .map(|v| format!("{}: {}", v.pointer, v.message.en))
        .collect();
    if !unexpected.is_empty() {
        return Err(Fatal::Internal(format!(
            "the imported document breaks its schema: {}",
            unexpected.join("; ")
        )));
    }
    Ok(())
}

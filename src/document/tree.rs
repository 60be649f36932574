//! The spanned tree as a `jsonschema` instance representation, so documents
//! are validated where they are, without a `serde_json` copy.
//!
//! `jsonschema` validates any representation that implements its accessor
//! traits ([`jsonschema::json`]); schemas stay `serde_json`. Values mean
//! what their JSON form ([`Node::to_json`]) means: integers and floats are
//! numbers compared mathematically, map keys are strings, entries keep their
//! document order. The test at the bottom runs the crate's own conformance
//! check of the contract.

use std::borrow::Cow;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, JsonNumber, NodeIdentity, Object};
use serde_json::{Number, Value};

use crate::document::node::{Entry, Node, NodeValue};

/// The representation: instances are `&Node`.
pub struct Tree;

impl Json for Tree {
    type Node<'a> = &'a Node;
    type PreparedKey = Box<str>;
    type StringBuffer = Option<Node>;

    /// Mappings are entry vectors, searched by a scan: visiting members is
    /// as cheap as one lookup per key.
    const KEYS_PER_LOOKUP: usize = 1;
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(buffer: &mut Option<Node>, string: &str, f: impl FnOnce(&Node) -> T) -> T {
        let node =
            buffer.get_or_insert_with(|| Node::new(crate::kernel::source::Span::point(0), NodeValue::Null));
        match &mut node.value {
            NodeValue::String(s) => {
                s.clear();
                s.push_str(string);
            }
            other => *other = NodeValue::String(string.into()),
        }
        f(node)
    }
}

/// A number of the tree: YAML integers are `i64`; floats are finite (the
/// parser makes the others strings).
#[derive(Clone, Copy, Debug)]
pub enum Num {
    Int(i64),
    Float(f64),
}

impl JsonNumber for Num {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            Num::Int(i) => u64::try_from(i).ok(),
            Num::Float(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            Num::Int(i) => Some(i),
            Num::Float(_) => None,
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn as_f64(&self) -> Option<f64> {
        match *self {
            Num::Int(i) => Some(i as f64),
            Num::Float(f) => Some(f),
        }
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> Cow<'_, Number> {
        Cow::Owned(match *self {
            Num::Int(i) => Number::from(i),
            Num::Float(f) => Number::from_f64(f).unwrap_or_else(|| Number::from(0)),
        })
    }

    fn is_written_as_integer(&self) -> bool {
        matches!(self, Num::Int(_))
    }
}

impl<'a> jsonschema::json::Node<'a, Tree> for &'a Node {
    type Object = &'a [Entry];
    type Array = &'a [Node];
    type Number = Num;

    fn as_object(&self) -> Option<&'a [Entry]> {
        Node::as_map(self)
    }

    fn as_array(&self) -> Option<&'a [Node]> {
        Node::as_seq(self)
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        Node::as_str(self).map(Cow::Borrowed)
    }

    fn as_number(&self) -> Option<Num> {
        match self.value {
            NodeValue::Int(i) => Some(Num::Int(i)),
            NodeValue::Float(f) => Some(Num::Float(f)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        Node::as_bool(self)
    }

    fn is_null(&self) -> bool {
        Node::is_null(self)
    }

    fn json_type(&self) -> JsonType {
        match self.value {
            NodeValue::Null => JsonType::Null,
            NodeValue::Bool(_) => JsonType::Boolean,
            NodeValue::Int(_) | NodeValue::Float(_) => JsonType::Number,
            NodeValue::String(_) => JsonType::String,
            NodeValue::Seq(_) => JsonType::Array,
            NodeValue::Map(_) => JsonType::Object,
        }
    }

    /// `minLength`/`maxLength` on every string: a code point is one to four
    /// bytes, so the byte length alone usually decides.
    fn string_length_within(&self, min: u64, max: u64) -> Option<bool> {
        let s = Node::as_str(self)?;
        let bytes = s.len() as u64;
        if bytes < min || bytes.div_ceil(4) > max {
            return Some(false);
        }
        if min <= bytes.div_ceil(4) && bytes <= max {
            return Some(true);
        }
        Some((min..=max).contains(&(s.chars().count() as u64)))
    }

    /// `enum` and `const` compare every value; scalars answer without
    /// building their JSON.
    fn equals_value(&self, expected: &Value) -> bool {
        match (&self.value, expected) {
            (NodeValue::String(s), Value::String(e)) => s == e,
            (NodeValue::String(_), _) | (_, Value::String(_)) => false,
            (NodeValue::Bool(b), Value::Bool(e)) => b == e,
            (NodeValue::Null, Value::Null) => true,
            _ => jsonschema::json::cmp::equal(&self.to_json(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Node>(*self) as usize))
    }
}

impl<'a> Object<'a, Tree> for &'a [Entry] {
    type Node = &'a Node;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        <[Entry]>::len(self)
    }

    fn get(&self, key: &Box<str>) -> Option<&'a Node> {
        crate::document::node::find(self, key).map(|e| &e.value)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

pub struct Members<'a>(std::slice::Iter<'a, Entry>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Node);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|e| (e.key.as_str(), &e.value))
    }
}

impl<'a> Array<'a, Tree> for &'a [Node] {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        <[Node]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.iter()
    }
}

/// Validation options for the tree (the crate's `options()` is for
/// `serde_json` instances).
pub fn options() -> jsonschema::ValidationOptions<'static, std::sync::Arc<dyn jsonschema::Retrieve>, Tree> {
    jsonschema::options_for::<Tree>()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_tree_meets_the_representation_contract() {
        let document = Node::from_json(&jsonschema::json::conformance::document());
        jsonschema::json::conformance::assert_conformance::<Tree>(&&document);
    }

    #[test]
    fn validates_like_its_json_form() {
        let schema = json!({
            "type": "object",
            "properties": {
                "n": {"type": "integer", "minimum": 1},
                "f": {"type": "number"},
                "e": {"enum": ["a", 2, true, null]},
                "d": {"type": "string", "format": "date"},
                "l": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
                "s": {"type": "string", "minLength": 2, "maxLength": 3}
            },
            "additionalProperties": false,
            "required": ["n"]
        });
        let ours_v = options().should_validate_formats(true).build(&schema).unwrap();
        let theirs_v = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
        for instance in [
            json!({"n": 1}),
            json!({"n": 0}),
            json!({"n": 1.0}),
            json!({"n": "1"}),
            json!({"f": 1, "n": 2}),
            json!({"n": 1, "e": "a"}),
            json!({"n": 1, "e": 2.0}),
            json!({"n": 1, "e": "b"}),
            json!({"n": 1, "e": null}),
            json!({"n": 1, "e": false}),
            json!({"n": 1, "d": "2025-02-29"}),
            json!({"n": 1, "d": "2024-02-29"}),
            json!({"n": 1, "l": ["x", "x"]}),
            json!({"n": 1, "l": ["x", 1]}),
            json!({"n": 1, "extra": 1}),
            // Lengths count code points: 2 and 3 of them in 6 and 9 bytes.
            json!({"n": 1, "s": "日本"}),
            json!({"n": 1, "s": "日本語"}),
            json!({"n": 1, "s": "日本語だ"}),
            json!({"n": 1, "s": "日"}),
            json!({"n": 1, "s": "abcd"}),
            json!({"n": 1, "s": "ab"}),
            json!([]),
        ] {
            let node = Node::from_json(&instance);
            assert_eq!(ours_v.is_valid(&node), theirs_v.is_valid(&instance), "{instance}");
            let ours: Vec<String> =
                ours_v.iter_errors(&node).map(|e| format!("{} {e}", e.instance_path().as_str())).collect();
            let theirs: Vec<String> = theirs_v
                .iter_errors(&instance)
                .map(|e| format!("{} {e}", e.instance_path().as_str()))
                .collect();
            assert_eq!(ours, theirs, "{instance}");
        }
    }
}

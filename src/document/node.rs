//! The spanned YAML tree anzen keeps for every document.
//!
//! The YAML parser builds this tree once per document, and it is the only
//! copy of a document anzen keeps: schemas validate it directly (it is a
//! `jsonschema` instance representation, [`crate::document::tree`]), rules read
//! it (the fast path and the CEL conversion), and everything that needs a
//! position walks it through [`crate::document::pointer`]. Its accessors read
//! like `serde_json::Value`'s. Rule files and the configuration take their
//! `serde_json` form ([`Node::to_json`]).

use serde_json::{Map, Number, Value};

use crate::kernel::source::Span;

/// The tree's strings: up to 24 bytes (most keys, ids, dates and enum
/// values) are held inline, so a tree is mostly its own nodes and the
/// parser's string buffers are freed, hot, for the next scalar.
pub type Str = compact_str::CompactString;

/// One YAML node with the byte span of its text.
///
/// For a scalar the span covers the scalar's text (quotes included); for a
/// collection it runs from its first to its last character.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: NodeValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Str),
    Seq(Vec<Node>),
    /// Entries in document order. Keys are scalars, stored as their string
    /// form (`1: x` has key `"1"`), each with its own span.
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Str,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(span: Span, value: NodeValue) -> Self {
        Self { span, value }
    }

    /// The entry under mapping key `key`, if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        find(self.as_map()?, key)
    }

    /// The value under mapping key `key` (`serde_json::Value::get` for a
    /// key). Documents' mappings are small records, so a scan is the
    /// cheapest lookup; key count is bounded by the file size limit.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Item `index` of a sequence.
    pub fn item(&self, index: usize) -> Option<&Node> {
        self.as_seq()?.get(index)
    }

    /// The node at RFC 6901 pointer `pointer` (`""` is this node).
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        let mut node = self;
        for token in crate::document::pointer::tokens(pointer) {
            node = match &node.value {
                NodeValue::Map(_) => node.get(&token)?,
                NodeValue::Seq(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            NodeValue::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            NodeValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            NodeValue::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, NodeValue::Null)
    }

    /// A tree with the values of `value` and empty spans: for values that
    /// come from elsewhere than a file (the configured `policy`; tests).
    pub fn from_json(value: &Value) -> Node {
        let at = Span::point(0);
        let value = match value {
            Value::Null => NodeValue::Null,
            Value::Bool(b) => NodeValue::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => NodeValue::Int(i),
                None => NodeValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => NodeValue::String(Str::from(s.as_str())),
            Value::Array(items) => NodeValue::Seq(items.iter().map(Node::from_json).collect()),
            Value::Object(map) => NodeValue::Map(
                map.iter()
                    .map(|(k, v)| Entry {
                        key: Str::from(k.as_str()),
                        key_span: at,
                        value: Node::from_json(v),
                    })
                    .collect(),
            ),
        };
        Node::new(at, value)
    }

    /// The JSON form of this tree, for what takes `serde_json` values (rule
    /// files, the configuration, error reports). Non-finite floats (`.inf`,
    /// `.nan`; the parser already makes those strings) become strings.
    pub fn to_json(&self) -> Value {
        // Iterative would be safer, but the parser already bounds nesting
        // depth (see `Limits::max_depth`), so plain recursion is fine here.
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::Number(Number::from(*i)),
            NodeValue::Float(f) => {
                Number::from_f64(*f).map_or_else(|| Value::String(f.to_string()), Value::Number)
            }
            NodeValue::String(s) => Value::String(s.to_string()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for e in entries {
                    map.insert(e.key.to_string(), e.value.to_json());
                }
                Value::Object(map)
            }
        }
    }
}

/// The entry of `entries` under `key`. Documents' mappings are small
/// records with short keys: a scan comparing bytes in place beats hashing
/// the key, and beats a `memcmp` call per candidate.
#[inline]
pub fn find<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| same(&e.key, key))
}

#[inline]
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_round_trips_and_reads_like_json() {
        let v = json!({"a": [1, "x", {"b~/c": null}], "f": 1.5, "t": true, "s": "ß"});
        let node = Node::from_json(&v);
        assert_eq!(node.to_json(), v);
        assert_eq!(node.pointer("/a/1").and_then(Node::as_str), Some("x"));
        assert!(node.pointer("/a/2/b~0~1c").is_some_and(Node::is_null));
        assert_eq!(node.pointer(""), Some(&node));
        assert_eq!(node.pointer("/a/9"), None);
        assert_eq!(node.pointer("/a/x"), None);
        assert_eq!(node.get("a").and_then(|a| a.item(0)).and_then(Node::as_i64), Some(1));
        assert_eq!(node.get("t").and_then(Node::as_bool), Some(true));
        assert_eq!(node.get("f").and_then(Node::as_i64), None, "1.5 is no integer, as in JSON");
        assert_eq!(node.get("missing"), None);
        assert_eq!(node.as_map().map(<[Entry]>::len), Some(4));
    }
}

//! The spanned YAML tree anzen keeps for every document.
//!
//! The YAML parser builds this tree once per document; everything that reads
//! values (schemas, rules) reads the `serde_json::Value` made from it
//! ([`Node::take_json`] for documents, which moves the strings out;
//! [`Node::to_json`] where the tree keeps its values, as for rule files), and
//! everything that needs a position walks the tree through
//! [`crate::load::pointer`].

use serde_json::{Map, Number, Value};

use crate::source::Span;

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
    String(String),
    Seq(Vec<Node>),
    /// Entries in document order. Keys are scalars, stored as their string
    /// form (`1: x` has key `"1"`), each with its own span.
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(span: Span, value: NodeValue) -> Self {
        Self { span, value }
    }

    /// The value under mapping key `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The JSON form of this tree, moving the scalar strings out of it
    /// rather than copying them: after this the tree carries its structure,
    /// keys and spans (all that locating needs), and its string scalars are
    /// empty. Loading uses this: a document's values live in its JSON.
    pub fn take_json(&mut self) -> Value {
        match &mut self.value {
            NodeValue::String(s) => Value::String(std::mem::take(s)),
            NodeValue::Seq(items) => Value::Array(items.iter_mut().map(Node::take_json).collect()),
            NodeValue::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for e in entries {
                    map.insert(e.key.clone(), e.value.take_json());
                }
                Value::Object(map)
            }
            _ => self.to_json(),
        }
    }

    /// The JSON form of this tree. Non-finite floats (`.inf`, `.nan`) have no
    /// JSON form and become strings, which any numeric schema rejects.
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
            NodeValue::String(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for e in entries {
                    map.insert(e.key.clone(), e.value.to_json());
                }
                Value::Object(map)
            }
        }
    }
}

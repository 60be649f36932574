//! Scalars: a scalar event becomes a value, a mapping key or an anchored
//! copy, and its value resolves under the YAML 1.2 core schema and its tag
//! (the core tags are honoured, `!` makes a string, other tags are ignored).

use std::borrow::Cow;

use saphyr::Scalar;
use saphyr_parser::{ScalarStyle, Tag};

use super::YamlError;
use super::alias::{Anchored, Target};
use super::builder::{Builder, Frame};
use super::error::{shorten, syntax};
use super::text::to_u32;
use crate::document::node::{Node, NodeValue, Str};
use crate::kernel::source::Span;

impl<'t> Builder<'t> {
    pub(super) fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        start: usize,
        end: usize,
    ) -> Result<(), YamlError> {
        let has_props = anchor != 0 || tag.is_some();
        let empty_plain = style == ScalarStyle::Plain && value.is_empty();
        let is_key = self.frames.last().is_some_and(Frame::wants_key);
        let span = if empty_plain && !has_props {
            self.empty_span(start)
        } else {
            self.scalar_span(style, has_props, start, end)
        };
        let bytes = value.len();
        if self.hash_scalars.is_some() {
            let text = self.text.as_bytes();
            let mut from = span.start as usize;
            if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                // A comment may follow the `|`/`>` header on its line.
                let rest = text.get(from..span.end as usize).unwrap_or_default();
                from += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            }
            if text.get(from..span.end as usize).is_some_and(|t| t.contains(&b'#'))
                && let Some(spans) = &mut self.hash_scalars
            {
                spans.push(Span::new(to_u32(from), span.end));
            }
        }
        if !is_key && anchor == 0 {
            let resolved = resolve(value, style, tag).map_err(|m| syntax(m, span))?;
            return self.attach(Node::new(span, resolved), 1, bytes, 0);
        }
        if is_key && anchor == 0 {
            if tag.is_some() {
                resolve(Cow::Borrowed(&*value), style, tag).map_err(|m| syntax(m, span))?;
            }
            return self.key(Str::from(value), span);
        }
        let resolved = resolve(Cow::Borrowed(&*value), style, tag).map_err(|m| syntax(m, span))?;
        let node = Node::new(span, resolved);
        // Anchored: keep a copy for aliases.
        let key_form = Str::from(value);
        let target = Target::Scalar(node.clone(), key_form.clone());
        self.anchors.insert(anchor, Anchored { target, count: 1, bytes, height: 0 });
        if is_key { self.key(key_form, span) } else { self.attach(node, 1, bytes, 0) }
    }
}

/// The core-schema tag name of `tag` (`"int"` for `!!int`), if it is one of
/// the five tags anzen honours.
fn core_tag(tag: &Tag) -> Option<&str> {
    const CORE: &str = "tag:yaml.org,2002:";
    let name = if tag.handle == CORE {
        tag.suffix.as_str()
    } else if tag.handle.is_empty() {
        // Verbatim `!<tag:yaml.org,2002:int>`.
        tag.suffix.strip_prefix(CORE)?
    } else {
        return None;
    };
    matches!(name, "str" | "int" | "float" | "bool" | "null").then_some(name)
}

/// The non-specific tag `!`: the scalar is a string.
fn is_non_specific(tag: &Tag) -> bool {
    tag.handle.is_empty() && tag.suffix == "!"
}

pub(super) fn plain(value: Cow<'_, str>) -> NodeValue {
    // Only these can start a core-schema null, bool, int or float (`~`,
    // `null`, `true`, `false`, `0x1F`, `-3`, `+1`, `.5`, `.inf`); anything
    // else is a string, which most values are.
    if let Some(first) = value.as_bytes().first()
        && !matches!(first, b'0'..=b'9' | b'+' | b'-' | b'.' | b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F')
    {
        return NodeValue::String(Str::from(value));
    }
    match Scalar::parse_from_cow_and_metadata(value, ScalarStyle::Plain, None) {
        Some(Scalar::Null) => NodeValue::Null,
        Some(Scalar::Boolean(b)) => NodeValue::Bool(b),
        Some(Scalar::Integer(i)) => NodeValue::Int(i),
        Some(Scalar::FloatingPoint(f)) => NodeValue::Float(f.0),
        Some(Scalar::String(s)) => NodeValue::String(Str::from(s)),
        None => NodeValue::Null,
    }
}

/// The value of a scalar. A non-finite float (`.inf`, `.nan`) has no JSON
/// form: it becomes its string (`inf`, `NaN`), which any numeric schema
/// rejects, so every reader of the tree sees what JSON would.
fn resolve(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Result<NodeValue, String> {
    resolve_tagged(value, style, tag).map(|v| match v {
        NodeValue::Float(f) if !f.is_finite() => NodeValue::String(Str::from(f.to_string())),
        v => v,
    })
}

fn resolve_tagged(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Result<NodeValue, String> {
    // Custom tags are ignored: the value resolves as if untagged.
    let name = match tag {
        Some(tag) if is_non_specific(tag) => "str",
        Some(tag) => core_tag(tag).unwrap_or(""),
        None => "",
    };
    match name {
        "" if style == ScalarStyle::Plain => return Ok(plain(value)),
        "" | "str" => return Ok(NodeValue::String(Str::from(value))),
        _ => {}
    }
    let shown = shorten(&value);
    match (name, plain(value)) {
        ("int", v @ NodeValue::Int(_))
        | ("float", v @ NodeValue::Float(_))
        | ("bool", v @ NodeValue::Bool(_))
        | ("null", v @ NodeValue::Null) => Ok(v),
        #[allow(clippy::cast_precision_loss)]
        ("float", NodeValue::Int(i)) => Ok(NodeValue::Float(i as f64)),
        _ => Err(format!("value `{shown}` does not match its tag !!{name}")),
    }
}

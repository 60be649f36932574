//! YAML 1.2 loader: text → spanned [`Node`] trees, one per document.
//!
//! Built on the pull API of `saphyr_parser`. The input is hostile, so:
//!
//! * nothing here recurses: the tree is built with an explicit stack of open
//!   collections, and aliases are copied with an explicit stack too;
//! * nesting depth, alias expansion and the number of documents are bounded
//!   by [`Limits`];
//! * anchored collections are not copied when they are anchored, only when an
//!   alias uses them (the anchor table keeps a path to the node instead), and
//!   every alias is charged its full expanded size *before* it is copied.
//!
//! Semantics (YAML 1.2 core schema):
//!
//! * plain scalars resolve like `saphyr` does: `yes`/`no`/`on`/`off` are
//!   strings, `017` is 17, `0x1F` is 31, `~`/`null`/empty are null;
//! * quoted and block scalars are strings;
//! * the core tags `!!str`, `!!int`, `!!float`, `!!bool` and `!!null` are
//!   honoured (on any scalar style); a value that does not fit its core tag is
//!   a [`YamlErrorKind::Syntax`] error. The non-specific tag `!` makes a string.
//!   Every other tag (local `!foo`, `!!binary`, `!!set`, tags on collections…)
//!   is ignored and the value resolved as if untagged;
//! * mapping keys are scalars, kept as their text (`1: x` has key `"1"`,
//!   `~: x` has key `"~"`); a sequence or mapping as a key is rejected;
//! * `<<` is an ordinary key (YAML 1.2 has no merge keys);
//! * duplicate keys in one mapping are an error.
//!
//! Spans are byte offsets into the text given to [`parse`] (saphyr's markers
//! count characters; a byte-order mark counts as one character there).
//!
//! The rooms:
//!
//! * this file: the public API ([`parse`], [`parse_with_hash_scalars`],
//!   [`Limits`], [`YamlError`]) and the loop that feeds saphyr's events to
//!   the builder;
//! * `builder`: the event-driven tree builder — its state (the stack of
//!   open collections and their children), documents, opening and closing
//!   collections, mapping keys and duplicate-key checks;
//! * `alias`: anchors and aliases — where an anchored node lives, the
//!   alias limits (nodes, bytes, depth) charged before copying, and the
//!   copy itself, without recursion;
//! * `scalar`: scalar events, and resolving a scalar's value under the core
//!   schema and its tag;
//! * `text`: positions — saphyr's character indices to byte offsets, and
//!   the spans of scalars, properties, block indicators and flow closers
//!   found in the text;
//! * `error`: building [`YamlError`]s, and mapping saphyr's scan errors to
//!   them.

mod alias;
mod builder;
mod error;
mod scalar;
#[cfg(test)]
mod tests;
mod text;

use saphyr_parser::Parser;

use crate::document::node::Node;
use crate::kernel::source::Span;

use builder::Builder;

/// Bounds that protect the loader from hostile input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of collections (aliases included). Values above
    /// 10 000 are treated as 10 000.
    pub max_depth: usize,
    /// Most nodes that aliases may add to one document, counted by expanded
    /// size (defends against "billion laughs").
    pub max_alias_nodes: usize,
    /// Most bytes of scalar text (keys included) that aliases may add to
    /// one document: one big string aliased many times is few nodes but
    /// much memory.
    pub max_alias_bytes: usize,
    /// Most documents in one file.
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_alias_nodes: 10_000,
            max_alias_bytes: 16 * 1024 * 1024,
            max_documents: 1_000,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum YamlErrorKind {
    /// Malformed YAML, an unknown alias, or a value that does not fit its
    /// core tag.
    Syntax,
    /// A key repeated in one mapping; the error spans the second key.
    DuplicateKey { first: Span },
    /// Aliases expand to more than [`Limits::max_alias_nodes`] nodes or
    /// [`Limits::max_alias_bytes`] bytes.
    AliasLimit,
    /// Collections nest deeper than [`Limits::max_depth`].
    DepthLimit,
    /// More than [`Limits::max_documents`] documents.
    DocumentLimit,
    /// A sequence or mapping used as a mapping key.
    UnsupportedKey,
}

/// A YAML error with its location. `message` is short English text, lower
/// case, without a final period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub kind: YamlErrorKind,
    pub message: String,
    pub span: Span,
}

/// Hard cap on [`Limits::max_depth`].
const MAX_DEPTH_CAP: usize = 10_000;

/// Parse every document of `text`. All or nothing: any error fails the whole file.
///
/// An empty stream gives no documents; an explicit empty document (`---`
/// alone) gives one null node.
///
/// # Errors
///
/// The first problem found: malformed YAML, a duplicate or non-scalar key, a
/// value that does not fit its core tag, or a [`Limits`] bound exceeded.
pub fn parse(text: &str, limits: &Limits) -> Result<Vec<Node>, YamlError> {
    parse_inner(text, limits, false).map(|(docs, _)| docs)
}

/// [`parse`], and the spans of the scalars (keys included) whose text holds
/// a `#`, in order: a `#` inside one of them is not a comment.
///
/// # Errors
///
/// As [`parse`].
pub fn parse_with_hash_scalars(text: &str, limits: &Limits) -> Result<(Vec<Node>, Vec<Span>), YamlError> {
    parse_inner(text, limits, true)
}

fn parse_inner(text: &str, limits: &Limits, record: bool) -> Result<(Vec<Node>, Vec<Span>), YamlError> {
    let limits = Limits { max_depth: limits.max_depth.min(MAX_DEPTH_CAP), ..*limits };
    let mut builder = Builder::new(text, limits);
    builder.hash_scalars = record.then(Vec::new);
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| builder.scan_error(&e))?;
        if builder.event(event, span)? {
            break;
        }
    }
    Ok((builder.docs, builder.hash_scalars.unwrap_or_default()))
}

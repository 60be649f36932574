//! The event-driven tree builder: its state (the stack of open collections,
//! their children so far, the documents finished), and what each event does
//! to it — documents start and end, collections open and close, keys are
//! checked against their mapping's other keys, finished nodes are attached.
//! Scalars are in `scalar`, aliases in `alias`.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::rc::Rc;

use saphyr_parser::Event;

use super::alias::{Anchored, PathLink, Target};
use super::error::{error, shorten, syntax};
use super::text::{Offsets, span, to_u32};
use super::{Limits, YamlError, YamlErrorKind};
use crate::document::node::{Entry, Node, NodeValue, Str};
use crate::kernel::source::Span;

/// Mappings with more keys than this get a hash index for duplicate checks.
const LINEAR_SCAN_KEYS: usize = 8;

pub(super) enum PathState {
    Unknown,
    Known(Option<Rc<PathLink>>),
}

pub(super) struct MapState {
    /// Where its entries start on [`Builder::entries`].
    pub(super) first: usize,
    /// A key waiting for its value.
    pub(super) key: Option<(Str, Span)>,
    /// Hash of key → index (in the mapping) of the first entry with that
    /// hash; built once the mapping has more than [`LINEAR_SCAN_KEYS`]
    /// entries.
    pub(super) index: Option<(RandomState, HashMap<u64, usize>)>,
}

/// An open collection. Its children so far sit on the builder's stacks
/// ([`Builder::items`], [`Builder::entries`]) from its `first` on, below any
/// deeper open collection's; closing it moves them into a vector of exactly
/// their number (no growth by doubling, no slack kept in the tree).
pub(super) enum Kind {
    Seq { first: usize },
    Map(MapState),
}

pub(super) struct Frame {
    /// Byte offset where the collection starts (properties excluded).
    pub(super) start: usize,
    /// End of the last child so far (bytes).
    pub(super) end: usize,
    pub(super) flow: bool,
    pub(super) anchor: usize,
    pub(super) count: usize,
    /// Bytes of scalar text so far (keys included).
    pub(super) bytes: usize,
    pub(super) height: usize,
    /// This collection's index among its parent's children.
    pub(super) index_in_parent: usize,
    pub(super) path: PathState,
    pub(super) kind: Kind,
}

impl Frame {
    /// Whether the next node in this collection is a mapping key.
    pub(super) fn wants_key(&self) -> bool {
        matches!(&self.kind, Kind::Map(map) if map.key.is_none())
    }
}

pub(super) struct Builder<'t> {
    pub(super) text: &'t str,
    pub(super) offsets: Offsets<'t>,
    pub(super) limits: Limits,
    pub(super) docs: Vec<Node>,
    pub(super) documents_seen: usize,
    pub(super) frames: Vec<Frame>,
    /// The children of open sequences, and the entries of open mappings,
    /// innermost last (see [`Kind`]).
    pub(super) items: Vec<Node>,
    pub(super) entries: Vec<Entry>,
    pub(super) root: Option<Node>,
    pub(super) anchors: HashMap<usize, Anchored>,
    pub(super) alias_total: usize,
    pub(super) alias_bytes: usize,
    /// When recorded: scalars whose text holds a `#` (see
    /// [`parse_with_hash_scalars`](super::parse_with_hash_scalars)).
    pub(super) hash_scalars: Option<Vec<Span>>,
    /// Byte end of the previous event (lower bound for a block scalar's
    /// indicator).
    pub(super) last_end: usize,
    /// Byte end of the current document's start marker.
    pub(super) doc_start: usize,
    pub(super) doc_explicit: bool,
}

impl<'t> Builder<'t> {
    pub(super) fn new(text: &'t str, limits: Limits) -> Self {
        Self {
            text,
            offsets: Offsets::new(text),
            limits,
            docs: Vec::new(),
            documents_seen: 0,
            frames: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            alias_total: 0,
            alias_bytes: 0,
            hash_scalars: None,
            last_end: 0,
            doc_start: 0,
            doc_explicit: false,
        }
    }

    /// Handle one event; `Ok(true)` at the end of the stream.
    pub(super) fn event(
        &mut self,
        event: Event<'_>,
        ev_span: saphyr_parser::Span,
    ) -> Result<bool, YamlError> {
        let start = self.offsets.byte(ev_span.start.index());
        let end = self.offsets.byte(ev_span.end.index()).max(start);
        match event {
            Event::StreamEnd => return Ok(true),
            Event::StreamStart | Event::Nothing => {}
            Event::DocumentStart(explicit) => {
                self.documents_seen += 1;
                if self.documents_seen > self.limits.max_documents {
                    let max = self.limits.max_documents;
                    let span = if end > start { span(start, end) } else { self.char_span(start) };
                    let message = format!("more than {max} documents in one file");
                    return Err(error(YamlErrorKind::DocumentLimit, message, span));
                }
                self.anchors.clear();
                self.alias_total = 0;
                self.alias_bytes = 0;
                self.frames.clear();
                self.items.clear();
                self.entries.clear();
                self.root = None;
                self.doc_explicit = explicit;
                self.doc_start = if explicit { end } else { start };
                if !explicit {
                    // The span of an implicit start is the first token, which
                    // may lie after a block scalar's indicator.
                    return Ok(false);
                }
            }
            Event::DocumentEnd => {
                let root = match self.root.take() {
                    Some(root) => root,
                    None => Node::new(Span::point(to_u32(self.doc_start)), NodeValue::Null),
                };
                self.docs.push(root);
                self.frames.clear();
                self.items.clear();
                self.entries.clear();
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.scalar(value, style, anchor, tag.as_deref(), start, end)?;
            }
            Event::Alias(id) => self.alias(id, span(start, end))?,
            Event::SequenceStart(anchor, _) => self.open(true, anchor, start, end)?,
            Event::MappingStart(anchor, _) => self.open(false, anchor, start, end)?,
            Event::SequenceEnd | Event::MappingEnd => self.close(start, end)?,
        }
        self.last_end = end;
        Ok(false)
    }

    /// The number of children the innermost open collection has so far.
    fn top_children(&self) -> usize {
        match self.frames.last().map(|f| &f.kind) {
            Some(Kind::Seq { first }) => self.items.len() - first,
            Some(Kind::Map(map)) => self.entries.len() - map.first,
            None => 0,
        }
    }

    pub(super) fn open(
        &mut self,
        seq: bool,
        anchor: usize,
        start: usize,
        end: usize,
    ) -> Result<(), YamlError> {
        // A flow collection's event spans its properties and its `[` or `{`
        // (and the blanks after it); a block collection's event ends where
        // its first key or `-` starts (for an indentless sequence, where the
        // first item starts).
        let own = if anchor != 0 || end > start { self.skip_properties(start) } else { start };
        let flow = end > start && matches!(self.byte_at(own), Some(b'[' | b'{'));
        let at = if flow {
            own
        } else if seq && matches!(self.frames.last(), Some(Frame { kind: Kind::Map(_), .. })) {
            // `key:\n- a`: step back over the first `- `.
            let mut i = end;
            while i > 0 && matches!(self.byte_at(i - 1), Some(b' ' | b'\t')) {
                i -= 1;
            }
            if i > 0 && self.byte_at(i - 1) == Some(b'-') { i - 1 } else { end }
        } else {
            end
        };
        let here = self.char_span(at);
        let parent = self.frames.last();
        if parent.is_some_and(Frame::wants_key) {
            let message = "a sequence or mapping as a mapping key is not supported".to_string();
            return Err(error(YamlErrorKind::UnsupportedKey, message, here));
        }
        if self.frames.len() >= self.limits.max_depth {
            return Err(self.depth_error(here));
        }
        let index_in_parent = self.top_children();
        let kind = if seq {
            Kind::Seq { first: self.items.len() }
        } else {
            Kind::Map(MapState { first: self.entries.len(), key: None, index: None })
        };
        self.frames.push(Frame {
            start: at,
            end: at,
            flow,
            anchor,
            count: 1,
            bytes: 0,
            height: 1,
            index_in_parent,
            path: PathState::Unknown,
            kind,
        });
        Ok(())
    }

    fn close(&mut self, start: usize, end: usize) -> Result<(), YamlError> {
        let path = match self.frames.last() {
            Some(f) if f.anchor != 0 => Some(self.top_path()),
            _ => None,
        };
        let children = self.top_children();
        let Some(frame) = self.frames.pop() else {
            return Err(syntax("unexpected end of a collection", self.char_span(start)));
        };
        let closer = if frame.flow { self.flow_closer(start) } else { None };
        let stop = if let Some(closer) = closer {
            closer + 1
        } else if children == 0 {
            end.max(frame.start)
        } else {
            frame.end
        };
        let value = match frame.kind {
            Kind::Seq { first } => NodeValue::Seq(self.items.drain(first..).collect()),
            Kind::Map(map) => {
                if let Some((_, key_span)) = map.key {
                    return Err(syntax("mapping key without a value", key_span));
                }
                NodeValue::Map(self.entries.drain(map.first..).collect())
            }
        };
        let node = Node::new(span(frame.start, stop), value);
        if let Some(path) = path {
            let target = Target::Collection(path);
            let anchored = Anchored { target, count: frame.count, bytes: frame.bytes, height: frame.height };
            self.anchors.insert(frame.anchor, anchored);
        }
        self.attach(node, frame.count, frame.bytes, frame.height)
    }

    /// A mapping key arrived: check it against the mapping's other keys.
    pub(super) fn key(&mut self, key: Str, key_span: Span) -> Result<(), YamlError> {
        let Some(Frame { kind: Kind::Map(map), count, bytes, end, .. }) = self.frames.last_mut() else {
            return Err(syntax("mapping key outside a mapping", key_span));
        };
        if let Some(first) = find_key(map, self.entries.get(map.first..).unwrap_or_default(), &key) {
            let line = self.line_of(first.start);
            let shown = shorten(&key);
            let message = format!("duplicate key `{shown}` (first at line {line})");
            return Err(error(YamlErrorKind::DuplicateKey { first }, message, key_span));
        }
        *count = count.saturating_add(1);
        *bytes = bytes.saturating_add(key.len());
        *end = (*end).max(key_span.end as usize);
        map.key = Some((key, key_span));
        Ok(())
    }

    /// A value node is finished: put it in its collection or make it the root.
    pub(super) fn attach(
        &mut self,
        node: Node,
        count: usize,
        bytes: usize,
        height: usize,
    ) -> Result<(), YamlError> {
        let Some(frame) = self.frames.last_mut() else {
            if self.root.is_some() {
                return Err(syntax("more than one root node in a document", node.span));
            }
            self.root = Some(node);
            return Ok(());
        };
        frame.count = frame.count.saturating_add(count);
        frame.bytes = frame.bytes.saturating_add(bytes);
        frame.height = frame.height.max(height.saturating_add(1));
        frame.end = frame.end.max(node.span.end as usize);
        match &mut frame.kind {
            Kind::Seq { .. } => self.items.push(node),
            Kind::Map(map) => {
                let Some((key, key_span)) = map.key.take() else {
                    return Err(syntax("mapping value without a key", node.span));
                };
                let i = self.entries.len() - map.first;
                if let Some((hasher, index)) = &mut map.index {
                    index.entry(hasher.hash_one(key.as_str())).or_insert(i);
                }
                self.entries.push(Entry { key, key_span, value: node });
                let entries = self.entries.get(map.first..).unwrap_or_default();
                if map.index.is_none() && entries.len() > LINEAR_SCAN_KEYS {
                    let hasher = RandomState::new();
                    let mut index = HashMap::with_capacity(entries.len() * 2);
                    for (i, e) in entries.iter().enumerate() {
                        index.entry(hasher.hash_one(e.key.as_str())).or_insert(i);
                    }
                    map.index = Some((hasher, index));
                }
            }
        }
        Ok(())
    }
}

/// The span of an earlier key equal to `key` among the mapping's `entries`,
/// if any.
fn find_key(map: &MapState, entries: &[Entry], key: &str) -> Option<Span> {
    let linear = || entries.iter().find(|e| e.key == key).map(|e| e.key_span);
    match &map.index {
        None => linear(),
        Some((hasher, index)) => {
            let i = *index.get(&hasher.hash_one(key))?;
            let e = entries.get(i)?;
            if e.key == key { Some(e.key_span) } else { linear() }
        }
    }
}

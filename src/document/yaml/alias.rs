//! Anchors and aliases. An anchored scalar is kept as a copy; an anchored
//! collection stays in the tree and the anchor table keeps the path to it.
//! Each alias is charged its full expanded size against
//! [`Limits`](super::Limits) (nodes, bytes of text, depth) *before* it is
//! copied, and the copy is made without recursion.

use std::rc::Rc;

use super::builder::{Builder, Frame, Kind, PathState};
use super::error::{error, syntax};
use super::{YamlError, YamlErrorKind};
use crate::document::node::{Entry, Node, NodeValue, Str};
use crate::kernel::source::Span;

/// One link of the path from a document's root collection to a node: the
/// node is child `index` of the node at `parent` (`None`: of the root).
/// Shared between siblings, so recording an anchor's location is O(1).
pub(super) struct PathLink {
    pub(super) parent: Option<Rc<PathLink>>,
    pub(super) index: usize,
}

/// Where an anchored node lives, so that an alias can copy it.
pub(super) enum Target {
    /// Scalars are small: keep a copy, and the key form of the scalar.
    Scalar(Node, Str),
    /// Collections stay in the tree; this is the path to them.
    Collection(Option<Rc<PathLink>>),
}

pub(super) struct Anchored {
    pub(super) target: Target,
    /// Nodes in the subtree (each scalar, collection and key counts 1).
    pub(super) count: usize,
    /// Bytes of scalar text in the subtree (keys included).
    pub(super) bytes: usize,
    /// Collection nesting inside the subtree (0 for a scalar).
    pub(super) height: usize,
}

impl<'t> Builder<'t> {
    pub(super) fn alias(&mut self, id: usize, at: Span) -> Result<(), YamlError> {
        let name = self.text.get(at.start as usize..at.end as usize).unwrap_or("*");
        let Some(anchored) = self.anchors.get(&id) else {
            let message = format!("alias `{name}` refers to no finished anchor in this document");
            return Err(syntax(message, at));
        };
        let (count, bytes, height) = (anchored.count, anchored.bytes, anchored.height);
        self.alias_total = self.alias_total.saturating_add(count);
        self.alias_bytes = self.alias_bytes.saturating_add(bytes);
        if self.alias_total > self.limits.max_alias_nodes {
            let max = self.limits.max_alias_nodes;
            let message = format!("alias expansion exceeds {max} nodes (possible billion-laughs attack)");
            return Err(error(YamlErrorKind::AliasLimit, message, at));
        }
        if self.alias_bytes > self.limits.max_alias_bytes {
            let max = self.limits.max_alias_bytes;
            let message =
                format!("alias expansion exceeds {max} bytes of text (possible billion-laughs attack)");
            return Err(error(YamlErrorKind::AliasLimit, message, at));
        }
        if self.frames.len().saturating_add(height) > self.limits.max_depth {
            return Err(self.depth_error(at));
        }
        let is_key = self.frames.last().is_some_and(Frame::wants_key);
        let copy = match &anchored.target {
            Target::Scalar(node, key_form) => {
                if is_key {
                    let key_form = key_form.clone();
                    return self.key(key_form, at);
                }
                Node::new(at, node.value.clone())
            }
            Target::Collection(path) => {
                if is_key {
                    let message = "an alias to a sequence or mapping cannot be a mapping key";
                    return Err(error(YamlErrorKind::UnsupportedKey, message.to_string(), at));
                }
                let Some(found) = self.find(path.as_ref()) else {
                    return Err(syntax(format!("alias `{name}` refers to an unfinished node"), at));
                };
                let mut copy = deep_clone(found);
                copy.span = at;
                copy
            }
        };
        self.attach(copy, count, bytes, height)
    }

    /// The finished node at `path` in the current document.
    pub(super) fn find(&self, path: Option<&Rc<PathLink>>) -> Option<&Node> {
        let mut indices = Vec::new();
        let mut link = path;
        while let Some(l) = link {
            indices.push(l.index);
            link = l.parent.as_ref();
        }
        let counts = self.child_counts();
        let mut level = 0;
        let mut node: Option<&Node> = None;
        for &i in indices.iter().rev() {
            node = match node {
                Some(n) => Some(child(n, i)?),
                None => {
                    let frame = self.frames.get(level)?;
                    match &frame.kind {
                        Kind::Seq { first } if i < counts[level] => Some(self.items.get(first + i)?),
                        Kind::Map(map) if i < counts[level] => Some(&self.entries.get(map.first + i)?.value),
                        _ => {
                            level += 1;
                            if self.frames.get(level)?.index_in_parent != i {
                                return None;
                            }
                            None
                        }
                    }
                }
            };
        }
        node
    }

    /// The number of children of every open collection so far, outermost
    /// first: a collection's run on its stack ends where the next deeper
    /// collection of the same sort starts (one pass, for alias lookups).
    fn child_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.frames.len()];
        let (mut items_end, mut entries_end) = (self.items.len(), self.entries.len());
        for (count, frame) in counts.iter_mut().zip(&self.frames).rev() {
            match &frame.kind {
                Kind::Seq { first } => {
                    *count = items_end - first;
                    items_end = *first;
                }
                Kind::Map(map) => {
                    *count = entries_end - map.first;
                    entries_end = map.first;
                }
            }
        }
        counts
    }

    /// The path to the innermost open collection, computing missing links.
    pub(super) fn top_path(&mut self) -> Option<Rc<PathLink>> {
        let top = self.frames.len().checked_sub(1)?;
        let mut k = top;
        while k > 0 && matches!(self.frames.get(k).map(|f| &f.path), Some(PathState::Unknown)) {
            k -= 1;
        }
        // frames[0] is the document root: its path is empty.
        let mut path = match self.frames.get(k).map(|f| &f.path) {
            Some(PathState::Known(p)) if k > 0 => p.clone(),
            _ => None,
        };
        for frame in self.frames.iter_mut().take(top + 1).skip(k + 1) {
            let link = Rc::new(PathLink { parent: path, index: frame.index_in_parent });
            frame.path = PathState::Known(Some(Rc::clone(&link)));
            path = Some(link);
        }
        path
    }
}

pub(super) fn child(node: &Node, i: usize) -> Option<&Node> {
    match &node.value {
        NodeValue::Seq(items) => items.get(i),
        NodeValue::Map(entries) => entries.get(i).map(|e| &e.value),
        _ => None,
    }
}

/// Copy a tree without recursion.
fn deep_clone(src: &Node) -> Node {
    enum Work<'a> {
        Seq(Span, std::slice::Iter<'a, Node>, Vec<Node>),
        Map(Span, std::slice::Iter<'a, Entry>, Vec<Entry>),
    }
    fn start(node: &Node) -> Result<Work<'_>, Node> {
        match &node.value {
            NodeValue::Seq(items) => Ok(Work::Seq(node.span, items.iter(), Vec::with_capacity(items.len()))),
            NodeValue::Map(entries) => {
                Ok(Work::Map(node.span, entries.iter(), Vec::with_capacity(entries.len())))
            }
            scalar => Err(Node::new(node.span, scalar.clone())),
        }
    }
    // Each open map entry's key waits in `keys`, parallel to map frames.
    let mut stack = match start(src) {
        Ok(work) => vec![work],
        Err(scalar) => return scalar,
    };
    let mut keys: Vec<(Str, Span)> = Vec::new();
    loop {
        let Some(top) = stack.last_mut() else {
            // Unreachable: the root frame returns below.
            return Node::new(src.span, NodeValue::Null);
        };
        let next = match top {
            Work::Seq(_, iter, _) => iter.next().map(|n| (n, None)),
            Work::Map(_, iter, _) => iter.next().map(|e| (&e.value, Some((e.key.clone(), e.key_span)))),
        };
        match next {
            Some((node, key)) => match start(node) {
                Ok(work) => {
                    if let Some(key) = key {
                        keys.push(key);
                    }
                    stack.push(work);
                }
                Err(scalar) => match top {
                    Work::Seq(_, _, out) => out.push(scalar),
                    Work::Map(_, _, out) => {
                        if let Some((key, key_span)) = key {
                            out.push(Entry { key, key_span, value: scalar });
                        }
                    }
                },
            },
            None => {
                let done = match stack.pop() {
                    Some(Work::Seq(span, _, out)) => Node::new(span, NodeValue::Seq(out)),
                    Some(Work::Map(span, _, out)) => Node::new(span, NodeValue::Map(out)),
                    None => return Node::new(src.span, NodeValue::Null),
                };
                match stack.last_mut() {
                    None => return done,
                    Some(Work::Seq(_, _, out)) => out.push(done),
                    Some(Work::Map(_, _, out)) => {
                        if let Some((key, key_span)) = keys.pop() {
                            out.push(Entry { key, key_span, value: done });
                        }
                    }
                }
            }
        }
    }
}

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

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::rc::Rc;

use saphyr::Scalar;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use crate::document::node::{Entry, Node, NodeValue, Str};
use crate::kernel::source::Span;

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
/// Mappings with more keys than this get a hash index for duplicate checks.
const LINEAR_SCAN_KEYS: usize = 8;
/// saphyr's scanner error for more than 255 nested flow collections.
const SAPHYR_RECURSION: &str = "recursion limit exceeded";

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

// ---------------------------------------------------------------------------
// Character index → byte offset

/// Converts saphyr's character indices to byte offsets, in amortised linear
/// time when the indices arrive roughly in order.
struct Offsets<'t> {
    bytes: &'t [u8],
    ascii: bool,
    /// A known pair: character `chars` starts at byte `byte`.
    chars: usize,
    byte: usize,
}

impl<'t> Offsets<'t> {
    fn new(text: &'t str) -> Self {
        Self { bytes: text.as_bytes(), ascii: text.is_ascii(), chars: 0, byte: 0 }
    }

    /// Byte offset of character `index`, clamped to the end of the text.
    fn byte(&mut self, index: usize) -> usize {
        let len = self.bytes.len();
        if self.ascii {
            return index.min(len);
        }
        if index < self.chars {
            if self.chars - index <= index {
                // Walk back: the target is nearer the cursor than the start.
                while self.chars > index && self.byte > 0 {
                    self.byte -= 1;
                    while self.byte > 0 && self.bytes.get(self.byte).is_some_and(|b| is_cont(*b)) {
                        self.byte -= 1;
                    }
                    self.chars -= 1;
                }
            } else {
                self.chars = 0;
                self.byte = 0;
            }
        }
        while self.chars < index && self.byte < len {
            let step = match self.bytes.get(self.byte) {
                Some(&b) if b < 0x80 => 1,
                Some(&b) if b < 0xE0 => 2,
                Some(&b) if b < 0xF0 => 3,
                _ => 4,
            };
            self.byte = (self.byte + step).min(len);
            self.chars += 1;
        }
        self.byte
    }
}

fn is_cont(b: u8) -> bool {
    b & 0xC0 == 0x80
}

fn to_u32(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

fn span(start: usize, end: usize) -> Span {
    Span::new(to_u32(start), to_u32(end.max(start)))
}

// ---------------------------------------------------------------------------
// Builder state

/// One link of the path from a document's root collection to a node: the
/// node is child `index` of the node at `parent` (`None`: of the root).
/// Shared between siblings, so recording an anchor's location is O(1).
struct PathLink {
    parent: Option<Rc<PathLink>>,
    index: usize,
}

/// Where an anchored node lives, so that an alias can copy it.
enum Target {
    /// Scalars are small: keep a copy, and the key form of the scalar.
    Scalar(Node, Str),
    /// Collections stay in the tree; this is the path to them.
    Collection(Option<Rc<PathLink>>),
}

struct Anchored {
    target: Target,
    /// Nodes in the subtree (each scalar, collection and key counts 1).
    count: usize,
    /// Bytes of scalar text in the subtree (keys included).
    bytes: usize,
    /// Collection nesting inside the subtree (0 for a scalar).
    height: usize,
}

enum PathState {
    Unknown,
    Known(Option<Rc<PathLink>>),
}

struct MapState {
    /// Where its entries start on [`Builder::entries`].
    first: usize,
    /// A key waiting for its value.
    key: Option<(Str, Span)>,
    /// Hash of key → index (in the mapping) of the first entry with that
    /// hash; built once the mapping has more than [`LINEAR_SCAN_KEYS`]
    /// entries.
    index: Option<(RandomState, HashMap<u64, usize>)>,
}

/// An open collection. Its children so far sit on the builder's stacks
/// ([`Builder::items`], [`Builder::entries`]) from its `first` on, below any
/// deeper open collection's; closing it moves them into a vector of exactly
/// their number (no growth by doubling, no slack kept in the tree).
enum Kind {
    Seq { first: usize },
    Map(MapState),
}

struct Frame {
    /// Byte offset where the collection starts (properties excluded).
    start: usize,
    /// End of the last child so far (bytes).
    end: usize,
    flow: bool,
    anchor: usize,
    count: usize,
    /// Bytes of scalar text so far (keys included).
    bytes: usize,
    height: usize,
    /// This collection's index among its parent's children.
    index_in_parent: usize,
    path: PathState,
    kind: Kind,
}

impl Frame {
    /// Whether the next node in this collection is a mapping key.
    fn wants_key(&self) -> bool {
        matches!(&self.kind, Kind::Map(map) if map.key.is_none())
    }
}

struct Builder<'t> {
    text: &'t str,
    offsets: Offsets<'t>,
    limits: Limits,
    docs: Vec<Node>,
    documents_seen: usize,
    frames: Vec<Frame>,
    /// The children of open sequences, and the entries of open mappings,
    /// innermost last (see [`Kind`]).
    items: Vec<Node>,
    entries: Vec<Entry>,
    root: Option<Node>,
    anchors: HashMap<usize, Anchored>,
    alias_total: usize,
    alias_bytes: usize,
    /// When recorded: scalars whose text holds a `#` (see
    /// [`parse_with_hash_scalars`]).
    hash_scalars: Option<Vec<Span>>,
    /// Byte end of the previous event (lower bound for a block scalar's
    /// indicator).
    last_end: usize,
    /// Byte end of the current document's start marker.
    doc_start: usize,
    doc_explicit: bool,
}

fn error(kind: YamlErrorKind, message: String, span: Span) -> YamlError {
    YamlError { kind, message, span }
}

fn syntax(message: impl Into<String>, span: Span) -> YamlError {
    error(YamlErrorKind::Syntax, message.into(), span)
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, limits: Limits) -> Self {
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

    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    fn byte_at(&self, at: usize) -> Option<u8> {
        self.bytes().get(at).copied()
    }

    /// A span of the character starting at byte `at` (empty at the end of
    /// the text or on a line break).
    fn char_span(&self, at: usize) -> Span {
        let at = at.min(self.text.len());
        let width = match self.text.get(at..).and_then(|rest| rest.chars().next()) {
            Some('\n' | '\r') | None => 0,
            Some(c) => c.len_utf8(),
        };
        span(at, at + width)
    }

    fn line_of(&self, at: u32) -> usize {
        let at = (at as usize).min(self.text.len());
        self.bytes().get(..at).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) + 1
    }

    fn scan_error(&mut self, e: &ScanError) -> YamlError {
        let at = self.offsets.byte(e.marker().index());
        let span = self.char_span(at);
        if e.info() == SAPHYR_RECURSION {
            let message = "nesting exceeds the parser's limit of 255 flow levels".to_string();
            return error(YamlErrorKind::DepthLimit, message, span);
        }
        // saphyr's messages are already short and lower case; make sure.
        let info = e.info().trim().trim_end_matches('.');
        let mut chars = info.chars();
        let message = match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => "invalid YAML".to_string(),
        };
        syntax(message, span)
    }

    /// Handle one event; `Ok(true)` at the end of the stream.
    fn event(&mut self, event: Event<'_>, ev_span: saphyr_parser::Span) -> Result<bool, YamlError> {
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

    // -- scalars ----------------------------------------------------------

    fn scalar(
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

    /// Span of an empty plain scalar without properties. saphyr places it at
    /// the next token, which may be lines away; keep it next to its owner.
    fn empty_span(&self, start: usize) -> Span {
        if self.frames.is_empty() {
            return Span::point(to_u32(if self.doc_explicit { self.doc_start } else { start }));
        }
        // A missing value goes right after its key unless saphyr's position
        // is on the key's line.
        if let Some(Frame { kind: Kind::Map(MapState { key: Some((_, k)), .. }), .. }) = self.frames.last() {
            let key_end = k.end as usize;
            let gap = self.bytes().get(key_end..start).unwrap_or(&[]);
            if key_end > start || gap.iter().any(|&b| b == b'\n' || b == b'\r') {
                return Span::point(k.end);
            }
        }
        Span::point(to_u32(start))
    }

    fn scalar_span(&self, style: ScalarStyle, has_props: bool, start: usize, end: usize) -> Span {
        let mut s = start;
        if has_props && !(style == ScalarStyle::Plain && s == end) {
            s = self.skip_properties(start);
            if s >= end {
                s = start;
            }
        }
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            if !has_props {
                s = self.block_indicator(self.last_end, start).unwrap_or(start);
            }
            // The scanner's end includes the final line break and any
            // trailing blank lines: stop at the last character of content.
            let mut e = end;
            while e > s + 1 && self.byte_at(e - 1).is_some_and(|b| b.is_ascii_whitespace()) {
                e -= 1;
            }
            return span(s, e);
        }
        if style != ScalarStyle::Plain {
            // A quoted key's token runs on over the blanks and comments before
            // its `:`: end at the closing quote.
            return span(s, self.closing_quote(s, style).map_or(end, |q| (q + 1).min(end)));
        }
        span(s, end)
    }

    /// The quote that closes the quoted scalar opening at `open`.
    fn closing_quote(&self, open: usize, style: ScalarStyle) -> Option<usize> {
        let rest = self.bytes().get(open..)?;
        let (quote, escape) = match style {
            ScalarStyle::SingleQuoted => (b'\'', None),
            ScalarStyle::DoubleQuoted => (b'"', Some(b'\\')),
            _ => return None,
        };
        if rest.first() != Some(&quote) {
            return None;
        }
        let mut i = 1;
        while let Some(&b) = rest.get(i) {
            if Some(b) == escape {
                i += 2;
            } else if b == quote {
                // In single quotes, `''` is an escaped quote.
                if escape.is_none() && rest.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return Some(open + i);
                }
            } else {
                i += 1;
            }
        }
        None
    }

    /// Skip the anchor and tag at `start` (and the blanks and comments after
    /// them) to where the scalar's own text begins.
    fn skip_properties(&self, start: usize) -> usize {
        let mut at = start;
        for _ in 0..2 {
            if !matches!(self.byte_at(at), Some(b'&' | b'!')) {
                break;
            }
            let verbatim = self.byte_at(at) == Some(b'!') && self.byte_at(at + 1) == Some(b'<');
            while let Some(b) = self.byte_at(at) {
                let flow_indicator = matches!(b, b',' | b'[' | b']' | b'{' | b'}');
                if b.is_ascii_whitespace() || (flow_indicator && !verbatim) {
                    break;
                }
                at += 1;
                if verbatim && b == b'>' {
                    break;
                }
            }
            at = self.skip_blanks_and_comments(at);
        }
        at
    }

    fn skip_blanks_and_comments(&self, mut at: usize) -> usize {
        loop {
            match self.byte_at(at) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
                Some(b'#') => {
                    while let Some(b) = self.byte_at(at) {
                        if b == b'\n' || b == b'\r' {
                            break;
                        }
                        at += 1;
                    }
                }
                _ => return at,
            }
        }
    }

    /// The `|` or `>` of a block scalar whose content starts at `content`:
    /// the first one outside comments after the previous event.
    fn block_indicator(&self, from: usize, content: usize) -> Option<usize> {
        let gap = self.bytes().get(from..content)?;
        let mut in_comment = false;
        let mut prev_blank = true;
        for (i, &b) in gap.iter().enumerate() {
            match b {
                b'\n' | b'\r' => in_comment = false,
                b'#' if prev_blank => in_comment = true,
                b'|' | b'>' if !in_comment => return Some(from + i),
                _ => {}
            }
            prev_blank = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        }
        None
    }

    // -- aliases ----------------------------------------------------------

    fn alias(&mut self, id: usize, at: Span) -> Result<(), YamlError> {
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
    fn find(&self, path: Option<&Rc<PathLink>>) -> Option<&Node> {
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

    // -- collections ------------------------------------------------------

    /// The number of children the innermost open collection has so far.
    fn top_children(&self) -> usize {
        match self.frames.last().map(|f| &f.kind) {
            Some(Kind::Seq { first }) => self.items.len() - first,
            Some(Kind::Map(map)) => self.entries.len() - map.first,
            None => 0,
        }
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

    fn depth_error(&self, at: Span) -> YamlError {
        let max = self.limits.max_depth;
        error(YamlErrorKind::DepthLimit, format!("nesting deeper than {max} levels"), at)
    }

    fn open(&mut self, seq: bool, anchor: usize, start: usize, end: usize) -> Result<(), YamlError> {
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

    /// The `]` or `}` that closes a flow collection whose end event starts
    /// at `from` (saphyr may point that event at a trailing `,`).
    fn flow_closer(&self, from: usize) -> Option<usize> {
        let mut at = from;
        loop {
            at = self.skip_blanks_and_comments(at);
            match self.byte_at(at)? {
                b',' => at += 1,
                b']' | b'}' => return Some(at),
                _ => return None,
            }
        }
    }

    /// The path to the innermost open collection, computing missing links.
    fn top_path(&mut self) -> Option<Rc<PathLink>> {
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

    // -- attaching finished nodes -------------------------------------------

    /// A mapping key arrived: check it against the mapping's other keys.
    fn key(&mut self, key: Str, key_span: Span) -> Result<(), YamlError> {
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
    fn attach(&mut self, node: Node, count: usize, bytes: usize, height: usize) -> Result<(), YamlError> {
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

fn shorten(key: &str) -> String {
    const MAX: usize = 60;
    let one_line: String = key.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() <= MAX {
        one_line
    } else {
        let mut s: String = one_line.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

fn child(node: &Node, i: usize) -> Option<&Node> {
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

// ---------------------------------------------------------------------------
// Scalar resolution

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

fn plain(value: Cow<'_, str>) -> NodeValue {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Vec<Node> {
        match parse(text, &Limits::default()) {
            Ok(docs) => docs,
            Err(e) => panic!("{text:?} failed: {e:?}"),
        }
    }

    fn load_one(text: &str) -> Node {
        let mut docs = load(text);
        assert_eq!(docs.len(), 1, "{text:?}");
        docs.remove(0)
    }

    fn fail(text: &str, limits: &Limits) -> YamlError {
        match parse(text, limits) {
            Ok(docs) => panic!("{text:?} loaded: {docs:?}"),
            Err(e) => e,
        }
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    fn entry<'a>(node: &'a Node, key: &str) -> &'a Entry {
        node.entry(key).unwrap_or_else(|| panic!("no key {key}"))
    }

    fn items(node: &Node) -> &[Node] {
        match &node.value {
            NodeValue::Seq(items) => items,
            other => panic!("not a sequence: {other:?}"),
        }
    }

    fn string(s: &str) -> NodeValue {
        NodeValue::String(Str::from(s))
    }

    #[test]
    fn japanese_keys_and_values_have_byte_spans() {
        let text = "# 設定ファイル\nシステム名: 電子カルテ\n説明: \"院内 の 端末\"\n世代: 3\n";
        let doc = load_one(text);
        assert_eq!(at(text, doc.span), "システム名: 電子カルテ\n説明: \"院内 の 端末\"\n世代: 3");
        let name = entry(&doc, "システム名");
        assert_eq!(at(text, name.key_span), "システム名");
        assert_eq!(at(text, name.value.span), "電子カルテ");
        assert_eq!(name.value.value, string("電子カルテ"));
        let desc = entry(&doc, "説明");
        assert_eq!(at(text, desc.value.span), "\"院内 の 端末\"");
        assert_eq!(desc.value.value, string("院内 の 端末"));
        let gen_ = entry(&doc, "世代");
        assert_eq!(at(text, gen_.key_span), "世代");
        assert_eq!(at(text, gen_.value.span), "3");
        assert_eq!(gen_.value.value, NodeValue::Int(3));
    }

    #[test]
    fn list_item_mappings() {
        let text = "端末:\n  - 名前: 受付\n    台数: 2\n  - 名前: 病棟\n    台数: 10\nx: y\n";
        let doc = load_one(text);
        let list = &entry(&doc, "端末").value;
        assert_eq!(at(text, list.span), "- 名前: 受付\n    台数: 2\n  - 名前: 病棟\n    台数: 10");
        let seq = items(list);
        assert_eq!(seq.len(), 2);
        assert_eq!(at(text, seq[0].span), "名前: 受付\n    台数: 2");
        assert_eq!(at(text, entry(&seq[1], "台数").key_span), "台数");
        assert_eq!(at(text, entry(&seq[1], "台数").value.span), "10");
        // An indentless sequence starts at its first `-`.
        let text = "端末:\n- a\n- 名前: b\nx: y\n";
        let doc = load_one(text);
        let list = &entry(&doc, "端末").value;
        assert_eq!(at(text, list.span), "- a\n- 名前: b");
        assert_eq!(at(text, items(list)[1].span), "名前: b");
        // A nested compact sequence.
        let text = "- - a\n  - b\n- c\n";
        let doc = load_one(text);
        assert_eq!(at(text, doc.span), "- - a\n  - b\n- c");
        assert_eq!(at(text, items(&doc)[0].span), "- a\n  - b");
    }

    #[test]
    fn block_scalars_span_indicator_to_last_line() {
        let text = "説明: |\n  一行目\n  二行目\n\n折り: >- # コメント | >\n  a\n  b\n次: 1\n";
        let doc = load_one(text);
        let lit = &entry(&doc, "説明").value;
        assert_eq!(lit.value, string("一行目\n二行目\n"));
        assert_eq!(at(text, lit.span), "|\n  一行目\n  二行目");
        let folded = &entry(&doc, "折り").value;
        assert_eq!(folded.value, string("a b"));
        assert_eq!(at(text, folded.span), ">- # コメント | >\n  a\n  b");
        // With properties, the span starts at the indicator.
        let text = "a: &x !!str |\n  text\nb: *x\n";
        let doc = load_one(text);
        assert_eq!(at(text, entry(&doc, "a").value.span), "|\n  text");
        assert_eq!(entry(&doc, "b").value.value, string("text\n"));
        assert_eq!(at(text, entry(&doc, "b").value.span), "*x");
        // At the root of an implicit document.
        let text = ">\n folded\n text\n";
        assert_eq!(at(text, load_one(text).span), ">\n folded\n text");
    }

    #[test]
    fn flow_collections() {
        let text = "a: [1, \"二\", {k: v, 空: }, []]\nb: {x: [], y: {}}\n";
        let doc = load_one(text);
        let a = &entry(&doc, "a").value;
        assert_eq!(at(text, a.span), "[1, \"二\", {k: v, 空: }, []]");
        let seq = items(a);
        assert_eq!(seq[0].value, NodeValue::Int(1));
        assert_eq!(at(text, seq[1].span), "\"二\"");
        assert_eq!(at(text, seq[2].span), "{k: v, 空: }");
        assert_eq!(entry(&seq[2], "空").value.value, NodeValue::Null);
        assert_eq!(at(text, seq[3].span), "[]");
        assert_eq!(seq[3].value, NodeValue::Seq(vec![]));
        let b = &entry(&doc, "b").value;
        assert_eq!(at(text, b.span), "{x: [], y: {}}");
        assert_eq!(at(text, entry(b, "y").value.span), "{}");
        assert_eq!(entry(b, "y").value.value, NodeValue::Map(vec![]));
        // A trailing comma and a multi-line flow mapping.
        let text = "{\n  a: 1,\n  b: 2,\n}\n";
        assert_eq!(at(text, load_one(text).span), "{\n  a: 1,\n  b: 2,\n}");
        // A single-pair mapping inside a flow sequence.
        let text = "[a: b, c]";
        let doc = load_one(text);
        assert_eq!(at(text, items(&doc)[0].span), "a: b");
        // Quoted keys: the span stops at the closing quote.
        let text = "{ \"foo\" # comment\n  :bar }";
        let doc = load_one(text);
        assert_eq!(at(text, entry(&doc, "foo").key_span), "\"foo\"");
    }

    #[test]
    fn documents() {
        let text = "a: 1\n---\n- x\n--- 三\n...\n---\n";
        let docs = load(text);
        assert_eq!(docs.len(), 4);
        assert_eq!(at(text, docs[0].span), "a: 1");
        assert_eq!(at(text, docs[1].span), "- x");
        assert_eq!(at(text, docs[2].span), "三");
        assert_eq!(docs[3].value, NodeValue::Null);
        assert!(load("").is_empty());
        assert!(load("# nothing\n").is_empty());
        let empty = load("---\n");
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].value, NodeValue::Null);
        assert!(empty[0].span.end as usize <= 4);
    }

    #[test]
    fn crlf_line_endings() {
        let text = "名前: 受付\r\n一覧:\r\n  - a\r\n  - \"b\"\r\n本文: |\r\n  x\r\n  y\r\n";
        let doc = load_one(text);
        assert_eq!(at(text, entry(&doc, "名前").value.span), "受付");
        let list = &entry(&doc, "一覧").value;
        assert_eq!(at(text, list.span), "- a\r\n  - \"b\"");
        assert_eq!(at(text, items(list)[1].span), "\"b\"");
        let body = &entry(&doc, "本文").value;
        assert_eq!(body.value, string("x\ny\n"));
        assert_eq!(at(text, body.span), "|\r\n  x\r\n  y");
    }

    #[test]
    fn byte_order_mark() {
        let text = "\u{FEFF}名前: 受付\nn: 1\n";
        let doc = load_one(text);
        assert_eq!(at(text, doc.span), "名前: 受付\nn: 1");
        assert_eq!(at(text, entry(&doc, "名前").key_span), "名前");
        assert_eq!(at(text, entry(&doc, "n").value.span), "1");
        let ascii = "\u{FEFF}a: [1]\n";
        let doc = load_one(ascii);
        assert_eq!(at(ascii, entry(&doc, "a").value.span), "[1]");
        assert_eq!(load("\u{FEFF}").len(), 0);
    }

    #[test]
    fn duplicate_keys() {
        let text = "a: 1\nb: 2\na: 3\n";
        let e = fail(text, &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::DuplicateKey { first: Span::new(0, 1) });
        assert_eq!(e.span, Span::new(10, 11));
        assert_eq!(e.message, "duplicate key `a` (first at line 1)");
        // Nested, non-ASCII, quoted and plain forms of one key.
        let text = "top:\n  x: 1\n  世代: 2\n  y: 3\n  \"世代\": 4\n";
        let e = fail(text, &Limits::default());
        let YamlErrorKind::DuplicateKey { first } = e.kind else { panic!("{e:?}") };
        assert_eq!(at(text, first), "世代");
        assert_eq!(at(text, e.span), "\"世代\"");
        assert_eq!(e.message, "duplicate key `世代` (first at line 3)");
        // Past the linear-scan threshold (hash index).
        let mut text: String = (0..50).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("generations: 1\nk17: again\n");
        let e = fail(&text, &Limits::default());
        let YamlErrorKind::DuplicateKey { first } = e.kind else { panic!("{e:?}") };
        assert_eq!(at(&text, first), "k17");
        assert_eq!(e.message, "duplicate key `k17` (first at line 18)");
        assert!(text[e.span.start as usize..].starts_with("k17: again"));
        // Same key in different mappings is fine; so are `1` and `01`.
        load("a: {x: 1}\nb: {x: 2}\n1: a\n01: b\n");
        // In flow mappings too.
        let e = fail("{a: 1, a: 2}", &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::DuplicateKey { first: Span::new(1, 2) });
    }

    #[test]
    fn core_schema_scalars() {
        let text = "a: yes\nb: on\nc: 017\nd: 0x1F\ne: 0o17\nf: 1.5\ng: .inf\nh: ~\ni:\nj: true\n\
                    k: False\nl: '017'\nm: 12345678901234567890\nn: -3\no: 1e3\np: 0x\n";
        let doc = load_one(text);
        let v = |k: &str| entry(&doc, k).value.value.clone();
        assert_eq!(v("a"), string("yes"));
        assert_eq!(v("b"), string("on"));
        assert_eq!(v("c"), NodeValue::Int(17));
        assert_eq!(v("d"), NodeValue::Int(31));
        assert_eq!(v("e"), NodeValue::Int(15));
        assert_eq!(v("f"), NodeValue::Float(1.5));
        assert_eq!(v("g"), NodeValue::String("inf".into()));
        assert_eq!(v("h"), NodeValue::Null);
        assert_eq!(v("i"), NodeValue::Null);
        assert_eq!(v("j"), NodeValue::Bool(true));
        assert_eq!(v("k"), NodeValue::Bool(false));
        assert_eq!(v("l"), string("017"));
        assert!(matches!(v("m"), NodeValue::Float(_)));
        assert_eq!(v("n"), NodeValue::Int(-3));
        assert_eq!(v("o"), NodeValue::Float(1000.0));
        assert_eq!(v("p"), string("0x"));
    }

    #[test]
    fn plain_scalars_resolve_as_saphyr_resolves_them() {
        // `plain` skips saphyr's resolution for scalars that cannot be
        // anything but strings: it must agree with it everywhere.
        let reference =
            |s: &str| match Scalar::parse_from_cow_and_metadata(Cow::Borrowed(s), ScalarStyle::Plain, None) {
                Some(Scalar::Null) | None => NodeValue::Null,
                Some(Scalar::Boolean(b)) => NodeValue::Bool(b),
                Some(Scalar::Integer(i)) => NodeValue::Int(i),
                Some(Scalar::FloatingPoint(f)) => NodeValue::Float(f.0),
                Some(Scalar::String(s)) => NodeValue::String(Str::from(s)),
            };
        let mut corpus: Vec<String> = [
            "",
            "~",
            "null",
            "Null",
            "NULL",
            "nULL",
            "true",
            "True",
            "TRUE",
            "false",
            "False",
            "FALSE",
            "yes",
            "0",
            "017",
            "-3",
            "+1",
            "+-1",
            "0x1F",
            "0x-1",
            "0o17",
            "1e3",
            "1.5",
            ".5",
            "-.5",
            ".inf",
            "-.Inf",
            "+.INF",
            ".nan",
            ".NaN",
            "inf",
            "infinity",
            "Infinity",
            "nan",
            "NaN",
            "e5",
            "E5",
            "_1",
            " 1",
            "１",
            "12345678901234567890",
            "asset-0001",
            "2025-06-30",
            "サーバ",
            "network",
            "none",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        // Every first byte, before a few tails.
        for b in 0x20u8..0x7f {
            for tail in ["", "1", ".5", "e3", "inf", "nan", "ull", "rue", "alse"] {
                corpus.push(format!("{}{tail}", b as char));
            }
        }
        for s in &corpus {
            let (ours, theirs) = (plain(Cow::Borrowed(s)), reference(s));
            match (&ours, &theirs) {
                (NodeValue::Float(a), NodeValue::Float(b)) if a.is_nan() && b.is_nan() => {}
                _ => assert_eq!(ours, theirs, "`{s}`"),
            }
        }
    }

    #[test]
    fn tags() {
        let text = "a: !!str 123\nb: !!int \"42\"\nc: !!float 1\nd: !!bool true\ne: !!null\n\
                    f: !custom 7\ng: ! 12\nh: !<tag:yaml.org,2002:int> 8\ni: !!binary abc\n\
                    j: !!str\nk: !local [1]\n";
        let doc = load_one(text);
        let v = |k: &str| entry(&doc, k).value.value.clone();
        assert_eq!(v("a"), string("123"));
        assert_eq!(at(text, entry(&doc, "a").value.span), "123");
        assert_eq!(v("b"), NodeValue::Int(42));
        assert_eq!(v("c"), NodeValue::Float(1.0));
        assert_eq!(v("d"), NodeValue::Bool(true));
        assert_eq!(v("e"), NodeValue::Null);
        assert_eq!(v("f"), NodeValue::Int(7));
        assert_eq!(v("g"), string("12"));
        assert_eq!(v("h"), NodeValue::Int(8));
        assert_eq!(at(text, entry(&doc, "h").value.span), "8");
        assert_eq!(v("i"), string("abc"));
        assert_eq!(v("j"), string(""));
        assert_eq!(entry(&doc, "k").value.to_json(), serde_json::json!([1]));
        assert_eq!(at(text, entry(&doc, "k").value.span), "[1]");
        let text = "x: 1\ny: !!int abc\n";
        let e = fail(text, &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::Syntax);
        assert_eq!(at(text, e.span), "abc");
        assert_eq!(e.message, "value `abc` does not match its tag !!int");
        let e = fail("!!bool yes", &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::Syntax);
        // Keys are checked too.
        let e = fail("!!null x: 1", &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::Syntax);
    }

    #[test]
    fn key_forms() {
        let text = "1: a\ntrue: b\n~: c\n\"q\": d\n0x1F: e\n<<: f\n'': g\n";
        let doc = load_one(text);
        let keys: Vec<&str> = match &doc.value {
            NodeValue::Map(entries) => entries.iter().map(|e| e.key.as_str()).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(keys, ["1", "true", "~", "q", "0x1F", "<<", ""]);
        // `<<` is not a merge key.
        let doc = load_one("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n");
        let used = &entry(&doc, "use").value;
        assert!(used.get("x").is_none());
        assert_eq!(entry(used, "<<").value.to_json(), serde_json::json!({"x": 1}));
    }

    #[test]
    fn complex_keys_rejected() {
        for (text, key) in [
            ("[a, b]: c\n", "["),
            ("? [a]\n: b\n", "["),
            ("{ {x: 1}: y }", "{"),
            ("? - a\n: b\n", "-"),
            ("? x: 1\n: b\n", "x"),
        ] {
            let e = fail(text, &Limits::default());
            assert_eq!(e.kind, YamlErrorKind::UnsupportedKey, "{text:?}");
            assert_eq!(at(text, e.span), key, "{text:?}");
        }
        let text = "a: &s [1]\n*s : x\n";
        let e = fail(text, &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::UnsupportedKey);
        assert_eq!(at(text, e.span), "*s");
        // An alias to a scalar is a fine key.
        let doc = load_one("a: &k 世代\n*k : 3\n");
        assert_eq!(entry(&doc, "世代").value.value, NodeValue::Int(3));
    }

    #[test]
    fn aliases() {
        // Anchors in a finished branch, in the open root, and deep inside.
        let text = "a: {b: &x [1, 2]}\nc: *x\nd: [&y [3], *y]\ne:\n  f:\n    g: &z {k: v}\n  h: *z\n";
        let doc = load_one(text);
        assert_eq!(
            doc.to_json(),
            serde_json::json!({
                "a": {"b": [1, 2]}, "c": [1, 2], "d": [[3], [3]],
                "e": {"f": {"g": {"k": "v"}}, "h": {"k": "v"}}
            })
        );
        let c = &entry(&doc, "c").value;
        assert_eq!(at(text, c.span), "*x");
        assert_eq!(at(text, items(c)[0].span), "1");
        // Mappings inside sequences inside mappings: the children of open
        // collections sit on the builder's two stacks, interleaved.
        let doc = load_one(
            "a:\n  - x: &m {k: 1}\n    y: [&s [1, 2], *s, *m, {z: *s}]\n  - *m\n  - [*s, [*m]]\nb: *s\n",
        );
        assert_eq!(
            doc.to_json(),
            serde_json::json!({
                "a": [
                    {"x": {"k": 1}, "y": [[1, 2], [1, 2], {"k": 1}, {"z": [1, 2]}]},
                    {"k": 1},
                    [[1, 2], [{"k": 1}]]
                ],
                "b": [1, 2]
            })
        );
        // Redefined anchors: an alias uses the latest.
        let doc = load_one("- &a 1\n- *a\n- &a 2\n- *a\n");
        assert_eq!(doc.to_json(), serde_json::json!([1, 1, 2, 2]));
        // Unknown, unfinished, and other-document anchors.
        for text in ["*nope", "&a [*a]", "&a x\n--- *a\n", "a: &m {b: *m}"] {
            assert_eq!(fail(text, &Limits::default()).kind, YamlErrorKind::Syntax, "{text:?}");
        }
    }

    fn bomb(levels: usize, width: usize) -> String {
        let mut text = format!("l0: &l0 [{}]\n", vec!["\"lol\""; width].join(", "));
        for i in 1..levels {
            let refs = vec![format!("*l{}", i - 1); width].join(", ");
            text.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        text
    }

    #[test]
    fn alias_bomb_fails_fast() {
        let text = bomb(9, 9);
        let e = fail(&text, &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::AliasLimit);
        assert_eq!(e.message, "alias expansion exceeds 10000 nodes (possible billion-laughs attack)");
        assert!(at(&text, e.span).starts_with("*l"));
        // Small legitimate use loads, and the budget is per document.
        let limits = Limits { max_alias_nodes: 12, ..Limits::default() };
        let doc = "base: &b {x: 1, y: 2}\na: *b\nb: *b\n";
        assert!(parse(doc, &limits).is_ok());
        assert!(parse(&format!("{doc}---\n{doc}---\n{doc}"), &limits).is_ok());
        let e = fail(&format!("{doc}c: *b\n"), &limits);
        assert_eq!(e.kind, YamlErrorKind::AliasLimit);
        assert_eq!(e.message, "alias expansion exceeds 12 nodes (possible billion-laughs attack)");
    }

    #[test]
    fn deep_flow_nesting_fails_without_overflow() {
        let text = "[".repeat(100_000);
        // saphyr's scanner looks ahead through the `[`s and stops at its own
        // limit (255 flow levels) first; that error is a DepthLimit too.
        for max_depth in [128, 1_000] {
            let e = fail(&text, &Limits { max_depth, ..Limits::default() });
            assert_eq!(e.kind, YamlErrorKind::DepthLimit);
            assert_eq!(e.span, Span::new(255, 256));
            assert_eq!(e.message, "nesting exceeds the parser's limit of 255 flow levels");
        }
        // Exactly at the limit is fine.
        let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(parse(&ok, &Limits::default()).is_ok());
        let over = format!("{}{}", "[".repeat(129), "]".repeat(129));
        let e = fail(&over, &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::DepthLimit);
        assert_eq!(e.span, Span::new(128, 129));
        assert_eq!(e.message, "nesting deeper than 128 levels");
    }

    #[test]
    fn deep_block_nesting_fails() {
        let mut text = String::new();
        for i in 0..5_000 {
            text.push_str(&"  ".repeat(i));
            text.push_str("a:\n");
        }
        let e = fail(&text, &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::DepthLimit);
        // The 129th mapping starts on line 129.
        let line = text[..e.span.start as usize].matches('\n').count() + 1;
        assert_eq!(line, 129);
        // A configured limit is clamped to 10 000.
        let text = format!("{}x\n", "- ".repeat(10_001));
        let e = fail(&text, &Limits { max_depth: usize::MAX, ..Limits::default() });
        assert_eq!(e.kind, YamlErrorKind::DepthLimit);
        assert_eq!(e.message, "nesting deeper than 10000 levels");
        // Aliases count towards depth.
        let limits = Limits { max_depth: 3, ..Limits::default() };
        assert!(parse("a: &a [[1]]\nb: [x]\n", &limits).is_ok());
        let e = fail("a: &a [[1]]\nb: [*a]\n", &limits);
        assert_eq!(e.kind, YamlErrorKind::DepthLimit);
    }

    #[test]
    fn document_limit() {
        let limits = Limits { max_documents: 2, ..Limits::default() };
        assert_eq!(parse("a\n---\nb\n", &limits).map(|d| d.len()), Ok(2));
        let text = "a\n---\nb\n--- c\n";
        let e = fail(text, &limits);
        assert_eq!(e.kind, YamlErrorKind::DocumentLimit);
        assert_eq!(at(text, e.span), "---");
        assert_eq!(e.message, "more than 2 documents in one file");
    }

    #[test]
    fn syntax_errors_point_into_the_text() {
        let text = "名前: 受付\n  - 壊れた: [\n";
        let e = fail(text, &Limits::default());
        assert_eq!(e.kind, YamlErrorKind::Syntax);
        assert!(text.get(e.span.start as usize..e.span.end as usize).is_some());
        assert!(!e.message.is_empty() && !e.message.ends_with('.'));
        let text = "a: \"未完";
        let e = fail(text, &Limits::default());
        assert!(e.span.end as usize <= text.len() && text.is_char_boundary(e.span.start as usize));
        for text in ["a: b: c", "[1, 2", "{a", "- a\nb: c", "a: 'x", "key: - a", "]", "a:\n\t- b"] {
            let e = fail(text, &Limits::default());
            assert_eq!(e.kind, YamlErrorKind::Syntax, "{text:?}");
            assert!(text.get(e.span.start as usize..e.span.end as usize).is_some(), "{text:?}");
        }
    }

    #[test]
    fn offsets_convert_characters_to_bytes() {
        let text = "aé日🙂b";
        let mut off = Offsets::new(text);
        assert_eq!([0, 1, 2, 3, 4, 5, 6].map(|i| off.byte(i)), [0, 1, 3, 6, 10, 11, 11]);
        assert_eq!(off.byte(3), 6);
        assert_eq!(off.byte(1), 1);
        assert_eq!(off.byte(4), 10);
        let mut off = Offsets::new("abc");
        assert_eq!(off.byte(2), 2);
        assert_eq!(off.byte(9), 3);
    }

    #[test]
    fn large_single_line_flow_sequence() {
        // 1 MiB here; the 16 MiB timing run is `large_flow_sequence_timing`.
        let text = big_sequence(1 << 20);
        let doc = load_one(&text);
        let all = items(&doc);
        let last = all.last().map(|n| at(&text, n.span));
        assert_eq!(last, Some("\"電子カルテ\""));
        assert_eq!(at(&text, doc.span), text);
    }

    fn big_sequence(size: usize) -> String {
        let mut text = String::with_capacity(size + 64);
        text.push('[');
        while text.len() < size {
            if text.len() > 1 {
                text.push_str(", ");
            }
            text.push_str("\"電子カルテ\"");
        }
        text.push(']');
        text
    }

    /// `cargo test --release -- --ignored --nocapture large_flow` prints the time.
    #[test]
    #[ignore = "timing run; use --release"]
    #[allow(clippy::print_stderr)]
    fn large_flow_sequence_timing() {
        let text = big_sequence(16 << 20);
        let started = std::time::Instant::now();
        let doc = load_one(&text);
        let elapsed = started.elapsed();
        eprintln!("16 MiB flow sequence: {} items in {elapsed:?}", items(&doc).len());
    }
}

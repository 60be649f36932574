//! Positions in the text. saphyr's markers count characters; spans are
//! byte offsets, so [`Offsets`] converts them. saphyr's event spans do not
//! always cover what a reader points at (a scalar's properties, a block
//! scalar's indicator, a quoted key's closing quote, a flow collection's
//! closer): the builder's methods here find those in the text.

use saphyr_parser::ScalarStyle;

use super::builder::{Builder, Frame, Kind, MapState};
use crate::kernel::source::Span;

/// Converts saphyr's character indices to byte offsets, in amortised linear
/// time when the indices arrive roughly in order.
pub(super) struct Offsets<'t> {
    bytes: &'t [u8],
    ascii: bool,
    /// A known pair: character `chars` starts at byte `byte`.
    chars: usize,
    byte: usize,
}

impl<'t> Offsets<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Self { bytes: text.as_bytes(), ascii: text.is_ascii(), chars: 0, byte: 0 }
    }

    /// Byte offset of character `index`, clamped to the end of the text.
    pub(super) fn byte(&mut self, index: usize) -> usize {
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

pub(super) fn to_u32(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

pub(super) fn span(start: usize, end: usize) -> Span {
    Span::new(to_u32(start), to_u32(end.max(start)))
}

impl<'t> Builder<'t> {
    pub(super) fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    pub(super) fn byte_at(&self, at: usize) -> Option<u8> {
        self.bytes().get(at).copied()
    }

    /// A span of the character starting at byte `at` (empty at the end of
    /// the text or on a line break).
    pub(super) fn char_span(&self, at: usize) -> Span {
        let at = at.min(self.text.len());
        let width = match self.text.get(at..).and_then(|rest| rest.chars().next()) {
            Some('\n' | '\r') | None => 0,
            Some(c) => c.len_utf8(),
        };
        span(at, at + width)
    }

    pub(super) fn line_of(&self, at: u32) -> usize {
        let at = (at as usize).min(self.text.len());
        self.bytes().get(..at).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) + 1
    }

    /// Span of an empty plain scalar without properties. saphyr places it at
    /// the next token, which may be lines away; keep it next to its owner.
    pub(super) fn empty_span(&self, start: usize) -> Span {
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

    pub(super) fn scalar_span(&self, style: ScalarStyle, has_props: bool, start: usize, end: usize) -> Span {
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
    pub(super) fn skip_properties(&self, start: usize) -> usize {
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

    /// The `]` or `}` that closes a flow collection whose end event starts
    /// at `from` (saphyr may point that event at a trailing `,`).
    pub(super) fn flow_closer(&self, from: usize) -> Option<usize> {
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
}

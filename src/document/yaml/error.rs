//! Building [`YamlError`]s: the constructors the builder uses, saphyr's scan
//! errors mapped to a kind and a short lower-case message, and keys
//! shortened for messages.

use saphyr_parser::ScanError;

use super::builder::Builder;
use super::{YamlError, YamlErrorKind};
use crate::kernel::source::Span;

/// saphyr's scanner error for more than 255 nested flow collections.
const SAPHYR_RECURSION: &str = "recursion limit exceeded";

pub(super) fn error(kind: YamlErrorKind, message: String, span: Span) -> YamlError {
    YamlError { kind, message, span }
}

pub(super) fn syntax(message: impl Into<String>, span: Span) -> YamlError {
    error(YamlErrorKind::Syntax, message.into(), span)
}

impl<'t> Builder<'t> {
    pub(super) fn scan_error(&mut self, e: &ScanError) -> YamlError {
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

    pub(super) fn depth_error(&self, at: Span) -> YamlError {
        let max = self.limits.max_depth;
        error(YamlErrorKind::DepthLimit, format!("nesting deeper than {max} levels"), at)
    }
}

pub(super) fn shorten(key: &str) -> String {
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

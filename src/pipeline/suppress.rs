//! Suppressions: inline `# anzen:ignore RULE-ID reason` comments and
//! waivers in anzen.yaml (SPEC §5), applied once, after evaluation.
//!
//! A suppressed finding stays in the results, marked, and no longer counts
//! for `--fail-on`. Suppressions that match nothing, give no reason, name no
//! rule, target a rule that cannot be suppressed, or (waivers) have expired,
//! are reported as DOC-010 where they are written.

use globset::{Glob, GlobMatcher};

use crate::document::node::Node;
use crate::document::pointer;
use crate::kernel::date::Date;
use crate::kernel::finding::{Finding, SuppressedBy, Suppression, Text};
use crate::kernel::source::{FileId, SourceFile, SourceMap, Span};
use crate::pipeline::config::Waiver;
use crate::rules::catalog::Catalog;
use crate::rules::doc::Doc;

/// The marker of an inline suppression.
pub const MARKER: &str = "anzen:ignore";

/// One `# anzen:ignore` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Inline {
    file: FileId,
    /// Where the comment is (for DOC-010).
    span: Span,
    /// The 1-based line it silences.
    target_line: u32,
    rules: Vec<String>,
    reason: String,
    used: bool,
}

/// Finds the inline suppressions of one file. A comment after content
/// silences its own line; a comment alone on its line silences the next.
/// Only real YAML comments count (the loader records where scalars hold a
/// `#`): text inside a quoted, flow or block scalar never suppresses, and a
/// file the parser did not read has none.
fn inline_in(file: FileId, source: &SourceFile) -> Vec<Inline> {
    let text = source.text();
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut offset = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let line_no = i as u32 + 1;
        if let Some(hash) = comment_start(source, offset, line) {
            let comment = line[hash + 1..].trim_start();
            if let Some(rest) = comment.strip_prefix(MARKER) {
                let rest = rest.trim();
                let (ids, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                // The reason runs to the end of the line or to a further ` #`.
                let reason = reason.trim_start();
                let reason =
                    if reason.starts_with('#') { "" } else { reason.split(" #").next().unwrap_or_default() };
                let own_line = line[..hash].trim().is_empty();
                let start = offset + hash;
                let end = offset + line.trim_end_matches(['\n', '\r']).len();
                out.push(Inline {
                    file,
                    span: Span::new(start as u32, end as u32),
                    target_line: if own_line { line_no + 1 } else { line_no },
                    rules: ids
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    reason: reason.trim().to_owned(),
                    used: false,
                });
            }
        }
        offset += line.len();
    }
    out
}

/// Byte index in `line` (which starts at byte `offset` of `source`) of the
/// `#` starting a YAML comment, if any.
fn comment_start(source: &SourceFile, offset: usize, line: &str) -> Option<usize> {
    line.match_indices('#').map(|(i, _)| i).find(|&i| source.is_comment_start(offset + i) == Some(true))
}

/// A waiver ready to match.
struct ReadyWaiver<'a> {
    waiver: &'a Waiver,
    index: usize,
    matcher: Option<GlobMatcher>,
    expired: bool,
    used: bool,
}

/// Where the config file is, to report waivers.
pub struct ConfigSource<'a> {
    pub file: FileId,
    pub root: &'a Node,
    /// Directory of the config file, as displayed (waiver paths are
    /// relative to it), `""` for the current directory.
    pub dir: String,
}

/// Applies the inline suppressions of `files` (whose texts are in
/// `sources`) to `findings`, and adds DOC-010 for the ones that misfire.
pub fn apply_inline(findings: &mut Vec<Finding>, files: &[FileId], sources: &SourceMap, catalog: &Catalog) {
    let mut inline: Vec<Inline> = files.iter().flat_map(|&id| inline_in(id, sources.get(id))).collect();
    if inline.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        let line = sources.get(f.file).line_col(f.span.start).line;
        if let Some(s) = inline
            .iter_mut()
            .find(|s| s.file == f.file && s.target_line == line && s.rules.iter().any(|r| *r == f.rule.id))
        {
            s.used = true;
            if f.rule.suppressible && !s.reason.is_empty() {
                f.suppressed = Some(Suppression { reason: s.reason.clone(), by: SuppressedBy::Inline });
            }
        }
    }
    let mut extra = Vec::new();
    for s in &inline {
        let problem = if s.rules.is_empty() {
            Some(Text::new("抑制するルール ID がありません", "the suppression names no rule id"))
        } else if let Some(unknown) = s.rules.iter().find(|r| catalog.get(r).is_none()) {
            Some(Text::new(format!("`{unknown}` というルールはありません"), format!("no rule `{unknown}`")))
        } else if let Some(fixed) =
            s.rules.iter().find(|r| catalog.get(r).is_some_and(|r| !r.info.suppressible))
        {
            Some(Text::new(
                format!("{fixed} は抑制できないルールです"),
                format!("{fixed} cannot be suppressed"),
            ))
        } else if s.reason.is_empty() {
            Some(Text::new(
                "抑制の理由が書かれていません（理由のない抑制は適用されません）",
                "the suppression gives no reason (a suppression without a reason does not apply)",
            ))
        } else if !s.used {
            Some(Text::new(
                format!("この抑制（{}）はどの指摘にも当たっていません", s.rules.join(", ")),
                format!("this suppression ({}) matches no finding", s.rules.join(", ")),
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            extra.push(doc_010(catalog, s.file, s.span, None, message));
        }
    }
    findings.extend(extra);
}

/// Applies the waivers of anzen.yaml to the findings not already silenced,
/// and adds DOC-010 for waivers that match nothing or have expired.
pub fn apply_waivers(
    findings: &mut Vec<Finding>,
    sources: &SourceMap,
    waivers: &[Waiver],
    config: Option<&ConfigSource<'_>>,
    as_of: Date,
    catalog: &Catalog,
) {
    let mut ready = Waivers::new(waivers, as_of);
    ready.apply(findings, sources, config);
    findings.extend(ready.misfired(config, catalog));
}

/// The waivers of a run, applied facility by facility: they remember which
/// of them matched, so the DOC-010 findings of those that misfired come at
/// the end ([`Waivers::misfired`]).
pub struct Waivers<'a> {
    ready: Vec<ReadyWaiver<'a>>,
}

impl<'a> Waivers<'a> {
    pub fn new(waivers: &'a [Waiver], as_of: Date) -> Self {
        let ready = waivers
            .iter()
            .enumerate()
            .map(|(index, waiver)| ReadyWaiver {
                waiver,
                index,
                matcher: Glob::new(&waiver.path).ok().map(|g| g.compile_matcher()),
                expired: waiver
                    .expires_on
                    .as_deref()
                    .and_then(|d| d.parse::<Date>().ok())
                    .is_some_and(|d| as_of > d),
                used: false,
            })
            .collect();
        Waivers { ready }
    }

    /// Silences the `findings` a waiver covers.
    pub fn apply(
        &mut self,
        findings: &mut [Finding],
        sources: &SourceMap,
        config: Option<&ConfigSource<'_>>,
    ) {
        if self.ready.is_empty() {
            return;
        }
        for f in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
            let display = sources.get(f.file).display();
            let relative = config.map_or(display, |c| {
                display.strip_prefix(&c.dir).map_or(display, |r| r.trim_start_matches('/'))
            });
            if let Some(w) = self.ready.iter_mut().find(|w| {
                w.waiver.rule == f.rule.id
                    && w.matcher.as_ref().is_some_and(|m| m.is_match(relative) || m.is_match(display))
                    && w.waiver.pointer.as_deref().is_none_or(|p| pointer_within(f.pointer.as_deref(), p))
                    && w.waiver.key.as_deref().is_none_or(|k| key_within(f.key.as_deref(), k))
            }) {
                w.used = true;
                if f.rule.suppressible && !w.expired {
                    f.suppressed = Some(Suppression {
                        reason: format!("{} ({})", w.waiver.reason, w.waiver.approved_by),
                        by: SuppressedBy::Waiver,
                    });
                }
            }
        }
    }

    /// DOC-010 for every waiver that expired, names a rule that cannot be
    /// waived, or matched nothing (so far: call it after the last facility).
    pub fn misfired(&self, config: Option<&ConfigSource<'_>>, catalog: &Catalog) -> Vec<Finding> {
        let mut extra = Vec::new();
        let Some(c) = config else { return extra };
        for w in &self.ready {
            let ptr = format!("/waivers/{}", w.index);
            let span = pointer::locate(c.root, &ptr).span;
            let message = if w.expired {
                Some(Text::new(
                    format!(
                        "{} の免除は {} に期限が切れ、適用されていません",
                        w.waiver.rule,
                        w.waiver.expires_on.as_deref().unwrap_or_default()
                    ),
                    format!(
                        "the waiver for {} expired on {} and no longer applies",
                        w.waiver.rule,
                        w.waiver.expires_on.as_deref().unwrap_or_default()
                    ),
                ))
            } else if catalog.get(&w.waiver.rule).is_some_and(|r| !r.info.suppressible) {
                Some(Text::new(
                    format!("{} は抑制できないルールです", w.waiver.rule),
                    format!("{} cannot be waived", w.waiver.rule),
                ))
            } else if !w.used {
                Some(Text::new(
                    format!("{} の免除（{}）はどの指摘にも当たっていません", w.waiver.rule, w.waiver.path),
                    format!("the waiver for {} ({}) matches no finding", w.waiver.rule, w.waiver.path),
                ))
            } else {
                None
            };
            if let Some(message) = message {
                extra.push(doc_010(catalog, c.file, span, Some(ptr), message));
            }
        }
        extra
    }
}

/// Whether finding pointer `at` is `waived` or below it.
fn pointer_within(at: Option<&str>, waived: &str) -> bool {
    at.is_some_and(|p| {
        p == waived || (p.starts_with(waived) && p[waived.len()..].starts_with('/')) || waived.is_empty()
    })
}

/// Whether finding key `at` is `waived` or a field of it (an item's key,
/// `AssetLedger:assets[id=pc-0001]`, covers `…/usb_storage`).
fn key_within(at: Option<&str>, waived: &str) -> bool {
    at.is_some_and(|k| {
        k == waived
            || k.strip_prefix(waived).is_some_and(|rest| rest.starts_with('/'))
            || (waived.ends_with(':') && k.starts_with(waived))
    })
}

fn doc_010(catalog: &Catalog, file: FileId, span: Span, pointer: Option<String>, message: Text) -> Finding {
    Finding { pointer, ..catalog.finding(Doc::UnusedSuppression, file, span, message) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::Arc;

    /// A file as the loader reads it (parsed for its comments).
    fn file(text: &str) -> SourceFile {
        let mut f = SourceFile::new(PathBuf::from("t.yaml"), "t.yaml".into(), Arc::from(text));
        let (_, spans) = crate::document::yaml::parse_with_hash_scalars(text, &Default::default()).unwrap();
        f.set_hash_scalars(spans);
        f
    }

    #[test]
    fn inline_comments_target_their_line_or_the_next() {
        let f = file(
            "a: 1 # anzen:ignore BAK-002 保守契約で2世代と合意\n# anzen:ignore BAK-003,BAK-004 理由\nb: 2\nc: \"# anzen:ignore X\"\n",
        );
        let found = inline_in(FileId(0), &f);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].target_line, found[0].rules.clone(), found[0].reason.as_str()),
            (1, vec!["BAK-002".to_owned()], "保守契約で2世代と合意")
        );
        assert_eq!((found[1].target_line, found[1].rules.len()), (3, 2));
    }

    #[test]
    fn only_real_comments_suppress() {
        let data = [
            // A double-quoted scalar with an escaped quote.
            "id: \"srv1\\\" # anzen:ignore PAT-001 ok\"\n",
            // Single-quoted, with a doubled quote.
            "id: 'srv1'' # anzen:ignore PAT-001 ok'\n",
            // Flow collections.
            "ids: [a, \"b # anzen:ignore PAT-001 ok\", c]\n",
            "m: {k: \"v\\\" # anzen:ignore PAT-001 ok\"}\n",
            // Block scalars: a marker-looking line is content.
            "note: |\n  text\n  # anzen:ignore PAT-001 ok\nx: 1\n",
            "note: >-\n  # anzen:ignore PAT-001 ok\n  more\nx: 1\n",
            // A multi-line quoted scalar.
            "note: \"first\n  # anzen:ignore PAT-001 ok\n  last\"\n",
        ];
        for text in data {
            assert!(inline_in(FileId(0), &file(text)).is_empty(), "{text:?}");
        }
        // Real comments next to such scalars still count.
        let real = [
            "id: \"srv1\\\" #x\" # anzen:ignore PAT-001 ok\n",
            "note: | # anzen:ignore PAT-001 ok\n  text\n",
            "note: |\n  text\n# anzen:ignore PAT-001 ok\nx: 1\n",
            "ids: [a, \"b#\"] # anzen:ignore PAT-001 ok\n",
        ];
        for text in real {
            assert_eq!(inline_in(FileId(0), &file(text)).len(), 1, "{text:?}");
        }
        // A file not parsed for comments has no suppressions.
        let unparsed =
            SourceFile::new(PathBuf::from("t.yaml"), "t.yaml".into(), Arc::from("a: 1 # anzen:ignore X y\n"));
        assert!(inline_in(FileId(0), &unparsed).is_empty());
    }

    #[test]
    fn waiver_keys_cover_their_fields() {
        let item = "AssetLedger:assets[id=pc-0001]";
        assert!(key_within(Some("AssetLedger:assets[id=pc-0001]/usb_storage"), item));
        assert!(key_within(Some(item), item));
        assert!(!key_within(Some("AssetLedger:assets[id=pc-00010]/usb_storage"), item));
        assert!(!key_within(None, item));
        assert!(key_within(Some("Facility:bcp"), "Facility:"));
    }

    #[test]
    fn waiver_pointers_cover_their_subtree() {
        assert!(pointer_within(Some("/backups/1/generations"), "/backups/1"));
        assert!(pointer_within(Some("/backups/1"), "/backups/1"));
        assert!(!pointer_within(Some("/backups/10"), "/backups/1"));
        assert!(!pointer_within(None, "/backups/1"));
    }
}

//! `--format human`: miette graphical diagnostics (source line, label at
//! the node, help = what to do + where the rule comes from), then a summary.
//!
//! The source shown is a [`Snippet`]: the finding's line and its neighbours,
//! clipped to a window around the span (as compilers do, so a finding on a
//! 30 KB line prints a few hundred bytes, and output stays linear in the
//! input) and with control characters made visible ([`crate::kernel::escape`]).

use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Context, End, FacilitySummary, Unit};
use crate::kernel::escape;
use crate::kernel::finding::{Finding, Lang, Severity};
use crate::kernel::source::{SourceFile, Span};
use crate::pipeline::engine::Summary;

/// Width the diagnostics are wrapped at.
const WIDTH: usize = 100;
/// Characters of a source line shown before the span when the line is clipped.
const CLIP_BEFORE: usize = 40;
/// Most characters of a source line shown.
const CLIP_WIDTH: usize = 120;
/// Marks text cut off a clipped line.
const ELLIPSIS: &str = "…";

struct Diag<'a> {
    finding: &'a Finding,
    snippet: Option<Snippet>,
    lang: Lang,
    message: String,
    code: String,
    help: String,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.help.is_empty()).then(|| Box::new(&self.help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let snippet = self.snippet.as_ref()?;
        let label = escape::visible(self.finding.rule.title.get(self.lang)).into_owned();
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(Some(label), snippet.label))))
    }
}

/// The lines shown for one finding: its line and the lines either side,
/// clipped and escaped, with the label's place in them.
struct Snippet {
    name: String,
    text: String,
    /// 0-based line number of the first line of `text` in the file.
    first_line: usize,
    /// 0-based line (in the file) and character column of the span's start.
    line: usize,
    column: usize,
    /// The label, as byte offsets into `text`.
    label: SourceSpan,
}

impl Snippet {
    fn new(source: &SourceFile, finding: &Finding) -> Option<Snippet> {
        let text = source.text();
        if text.is_empty() {
            return None;
        }
        let span = first_line(source, finding.span);
        let start = if finding.start.line > 0 { finding.start } else { source.line_col(span.start) };
        let line_no = start.line.max(1);
        let line_start = source.line_start(line_no) as usize;
        let line = source.line_text(line_no);
        let from = (span.start as usize).saturating_sub(line_start).min(line.len());
        let to = (span.end as usize).saturating_sub(line_start).clamp(from, line.len());
        // The window: up to CLIP_BEFORE characters before the span, and
        // CLIP_WIDTH in all. Walking stays within the window.
        let before: Vec<usize> =
            line[..from].char_indices().rev().take(CLIP_BEFORE + 1).map(|(i, _)| i).collect();
        let (win_start, clipped_front) = match before.get(CLIP_BEFORE) {
            Some(_) => (before[CLIP_BEFORE - 1], true),
            None => (0, false),
        };
        let win_col = (start.column as usize).saturating_sub(1) - before.len().min(CLIP_BEFORE);
        let win_end =
            line[win_start..].char_indices().nth(CLIP_WIDTH).map_or(line.len(), |(i, _)| win_start + i);
        let mut out = String::new();
        let mut first_line = line_no as usize - 1;
        if line_no > 1 {
            first_line -= 1;
            push_clipped(&mut out, source.line_text(line_no - 1), win_col);
            out.push('\n');
        }
        if clipped_front {
            out.push_str(ELLIPSIS);
        }
        let label_start = out.len() + escaped_len(&line[win_start..from.max(win_start)]);
        let label_end = label_start + escaped_len(&line[from.max(win_start)..to.clamp(win_start, win_end)]);
        push_escaped(&mut out, &line[win_start..win_end]);
        if win_end < line.len() {
            out.push_str(ELLIPSIS);
        }
        if (line_no as usize) < source.line_count() {
            out.push('\n');
            push_clipped(&mut out, source.line_text(line_no + 1), win_col);
        }
        Some(Snippet {
            name: escape::visible_line(source.display()).into_owned(),
            text: out,
            first_line,
            line: line_no as usize - 1,
            column: start.column.saturating_sub(1) as usize,
            label: (label_start..label_end).into(),
        })
    }
}

/// Appends `line` from character column `col` on, at most [`CLIP_WIDTH`]
/// characters of it, escaped and marked where clipped.
fn push_clipped(out: &mut String, line: &str, col: usize) {
    let skip = if col == 0 { Some(0) } else { line.char_indices().nth(col).map(|(i, _)| i) };
    let Some(skip) = skip else { return };
    let rest = &line[skip..];
    let end = rest.char_indices().nth(CLIP_WIDTH).map_or(rest.len(), |(i, _)| i);
    if skip > 0 {
        out.push_str(ELLIPSIS);
    }
    push_escaped(out, &rest[..end]);
    if end < rest.len() {
        out.push_str(ELLIPSIS);
    }
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        if escape::is_hidden(c) {
            escape::push_escaped(out, c);
        } else {
            out.push(c);
        }
    }
}

fn escaped_len(s: &str) -> usize {
    let mut out = String::new();
    push_escaped(&mut out, s);
    out.len()
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        _context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if span.offset() + span.len() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let lines = self.text.split('\n').count();
        if context_lines_before == 0 {
            // The `[file:line:col]` header: the position in the file.
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[span.offset()..],
                (span.offset()..self.text.len()).into(),
                self.line,
                self.column,
                1,
            )));
        }
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            (0..self.text.len()).into(),
            self.first_line,
            0,
            lines,
        )))
    }
}

/// `span` cut at the end of its first line: a label under a whole block
/// would underline nothing useful.
fn first_line(source: &SourceFile, span: Span) -> Span {
    let text = source.text();
    let start = (span.start as usize).min(text.len());
    let end = (span.end as usize).min(text.len()).max(start);
    let cut = text[start..end].find(['\n', '\r']).map_or(end, |i| start + i);
    Span::new(start as u32, cut as u32)
}

/// The human writer: one diagnostic per unsuppressed finding, rendered
/// while its facility's texts are at hand, then the summary line.
pub struct Human<'a> {
    cx: Context<'a>,
    handler: GraphicalReportHandler,
    fix_first: super::concise::FixFirst,
    checklist: super::concise::ChecklistSummary,
}

impl<'a> Human<'a> {
    pub fn new(cx: Context<'a>) -> Self {
        let theme = if cx.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        Human {
            cx,
            handler: GraphicalReportHandler::new_themed(theme).with_width(WIDTH),
            fix_first: super::concise::FixFirst::default(),
            checklist: super::concise::ChecklistSummary::default(),
        }
    }
}

impl super::Writer for Human<'_> {
    fn unit(&mut self, unit: &Unit<'_>, out: &mut dyn Write) -> io::Result<()> {
        let lang = self.cx.lang;
        self.fix_first.count(unit.findings);
        self.checklist.add(unit.checklist);
        for finding in unit.findings.iter().filter(|f| f.suppressed.is_none()) {
            let source = unit.sources.get(finding.file);
            let mut message = escape::visible(finding.message.get(lang)).into_owned();
            if source.text().is_empty() {
                message = format!("{}: {message}", escape::visible_line(source.display()));
            }
            let diag = Diag {
                finding,
                snippet: Snippet::new(source, finding),
                lang,
                message,
                code: format!("{} {}", finding.rule.id, finding.rule.name),
                help: escape::visible(&help(finding, facts_of(unit.facilities, finding), lang)).into_owned(),
            };
            let mut rendered = String::new();
            self.handler.render_report(&mut rendered, &diag).map_err(io::Error::other)?;
            out.write_all(rendered.as_bytes())?;
            writeln!(out)?;
        }
        Ok(())
    }

    fn end(&mut self, end: &End<'_>, out: &mut dyn Write) -> io::Result<()> {
        self.checklist.write(self.cx.lang, out)?;
        self.fix_first.write(self.cx.lang, out)?;
        writeln!(out, "{}", summary_line(&end.summary, self.cx.lang, self.cx.as_of))
    }
}

/// The document facts of the finding's facility (for the national rate in
/// its context).
fn facts_of<'a>(all: &'a [FacilitySummary], f: &Finding) -> Option<&'a crate::pipeline::facts::Facts> {
    let root = f.facility.as_deref()?;
    let at = all.binary_search_by(|s| s.root.as_str().cmp(root)).ok();
    at.map(|i| &all[i]).or_else(|| all.iter().find(|s| s.root == root)).map(|s| &s.facts)
}

fn help(f: &Finding, facts: Option<&crate::pipeline::facts::Facts>, lang: Lang) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(h) = &f.help {
        parts.push(h.get(lang).to_owned());
    }
    let remediation = f.rule.remediation.get(lang);
    if !remediation.is_empty() {
        parts.push(remediation.to_owned());
    }
    let refs = &f.rule.references;
    let mut cites: Vec<String> = Vec::new();
    for c in &refs.checklist {
        cites.push(match lang {
            Lang::Ja => format!("チェックリスト {} {}", c.edition, c.item),
            Lang::En => format!("checklist {} {}", c.edition, c.item),
        });
    }
    // Other references (one language only, as for an MHLW notice) when the
    // rule cites no guideline chapter: its source must still show.
    if refs.guideline.is_empty() {
        cites.extend(refs.other.iter().cloned());
    }
    cites.extend(refs.guideline.iter().map(|g| g.cite(lang)));
    // The national rate only where the finding lies in the item's base (SPEC §4).
    cites.extend(facts.and_then(|facts| crate::assess::rate_beside(f, facts, lang)));
    if !cites.is_empty() {
        parts.push(match lang {
            Lang::Ja => format!("根拠: {}", cites.join(" / ")),
            Lang::En => format!("source: {}", cites.join(" / ")),
        });
    }
    parts.join("\n")
}

pub(super) fn summary_line(s: &Summary, lang: Lang, as_of: crate::kernel::date::Date) -> String {
    let mut unreadable = match (lang, s.unreadable_files) {
        (_, 0) => String::new(),
        (Lang::Ja, n) => format!("、読めなかったファイル {n}"),
        (Lang::En, n) => format!(", {n} unreadable"),
    };
    if let Some(b) = s.baseline {
        unreadable.push_str(&match lang {
            Lang::Ja => format!("、ベースライン適用 {} 件（解消済み {} 件）", b.matched, b.gone),
            Lang::En => {
                format!(", {} in the baseline ({} baseline entries no longer occur)", b.matched, b.gone)
            }
        });
    }
    unreadable.push_str(&match (lang, s.suppressed) {
        (_, 0) => String::new(),
        (Lang::Ja, n) => format!("、抑制 {n} 件"),
        (Lang::En, n) => format!(", {n} suppressed"),
    });
    match lang {
        Lang::Ja => format!(
            "エラー {} 件、警告 {} 件、情報 {} 件（{} ファイル、{} 文書{unreadable}、評価日 {}）",
            s.error, s.warning, s.info, s.files, s.documents, as_of
        ),
        Lang::En => format!(
            "{} error(s), {} warning(s), {} info in {} file(s), {} document(s){unreadable} (as of {})",
            s.error, s.warning, s.info, s.files, s.documents, as_of
        ),
    }
}

//! `--format human`: miette graphical diagnostics (source line, label at
//! the node, help = what to do + where the rule comes from), then a summary.

use std::fmt;
use std::io::{self, Write};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::Report;
use crate::finding::{Finding, Lang, Severity};
use crate::source::{SourceFile, Span};

/// Width the diagnostics are wrapped at.
const WIDTH: usize = 100;

struct Diag<'a> {
    finding: &'a Finding,
    source: &'a SourceFile,
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
        (!self.source.text().is_empty()).then_some(self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.source.text().is_empty() {
            return None;
        }
        let span = first_line(self.source, self.finding.span);
        let label = self.finding.rule.title.get(self.lang).to_owned();
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(Some(label), span))))
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

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let theme = if report.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(WIDTH);
    let lang = report.lang;
    for finding in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        let source = report.sources.get(finding.file);
        let mut message = finding.message.get(lang).to_owned();
        if source.text().is_empty() {
            message = format!("{}: {message}", source.display());
        }
        let diag = Diag {
            finding,
            source,
            lang,
            message,
            code: format!("{} {}", finding.rule.id, finding.rule.name),
            help: help(finding, lang),
        };
        let mut rendered = String::new();
        handler.render_report(&mut rendered, &diag).map_err(io::Error::other)?;
        out.write_all(rendered.as_bytes())?;
        writeln!(out)?;
    }
    super::concise::fix_first(report, out)?;
    writeln!(out, "{}", summary_line(report))
}

fn help(f: &Finding, lang: Lang) -> String {
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
    cites.extend(refs.guideline.iter().map(|g| g.cite(lang)));
    cites.extend(f.rule.survey.iter().map(|s| s.cite(lang)));
    if !cites.is_empty() {
        parts.push(match lang {
            Lang::Ja => format!("根拠: {}", cites.join(" / ")),
            Lang::En => format!("source: {}", cites.join(" / ")),
        });
    }
    parts.join("\n")
}

pub(super) fn summary_line(report: &Report<'_>) -> String {
    let s = &report.summary;
    let mut unreadable = match (report.lang, s.unreadable_files) {
        (_, 0) => String::new(),
        (Lang::Ja, n) => format!("、読めなかったファイル {n}"),
        (Lang::En, n) => format!(", {n} unreadable"),
    };
    if let Some(b) = s.baseline {
        unreadable.push_str(&match report.lang {
            Lang::Ja => format!("、ベースライン適用 {} 件（解消済み {} 件）", b.matched, b.gone),
            Lang::En => {
                format!(", {} in the baseline ({} baseline entries no longer occur)", b.matched, b.gone)
            }
        });
    }
    unreadable.push_str(&match (report.lang, s.suppressed) {
        (_, 0) => String::new(),
        (Lang::Ja, n) => format!("、抑制 {n} 件"),
        (Lang::En, n) => format!(", {n} suppressed"),
    });
    match report.lang {
        Lang::Ja => format!(
            "エラー {} 件、警告 {} 件、情報 {} 件（{} ファイル、{} 文書{unreadable}、評価日 {}）",
            s.error, s.warning, s.info, s.files, s.documents, report.as_of
        ),
        Lang::En => format!(
            "{} error(s), {} warning(s), {} info in {} file(s), {} document(s){unreadable} (as of {})",
            s.error, s.warning, s.info, s.files, s.documents, report.as_of
        ),
    }
}

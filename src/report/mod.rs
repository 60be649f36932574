//! Report: write the sorted findings in the chosen format. A reporter is a
//! pure function of the [`Report`]; it never sees rules or documents.

mod human;
mod json;

use std::io::{self, Write};

use serde::Serialize;

use crate::date::Date;
use crate::finding::{Finding, Lang, Severity};
use crate::source::{LineCol, SourceMap};

/// Output format of `anzen check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with the source line, for people.
    Human,
    /// The stable machine format (docs/json-output.md).
    Json,
}

pub use crate::facility::FacilitySummary;

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    /// Files that could not be read or parsed (they have a DOC-001/DOC-009).
    pub unreadable_files: usize,
}

impl Summary {
    pub fn count(&mut self, findings: &[Finding]) {
        for f in findings {
            match f.severity {
                Severity::Error => self.error += 1,
                Severity::Warning => self.warning += 1,
                Severity::Info => self.info += 1,
            }
        }
    }
}

/// Everything a reporter may use.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub sources: &'a SourceMap,
    pub facilities: &'a [FacilitySummary],
    pub as_of: Date,
    pub summary: Summary,
    pub lang: Lang,
    pub color: bool,
}

impl Report<'_> {
    pub fn position(&self, f: &Finding) -> LineCol {
        self.sources.get(f.file).line_col(f.span.start)
    }
}

/// Writes `report` in `format`.
pub fn write(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, out),
        Format::Json => json::write(report, out),
    }
}

/// Sorts findings by file, line, column, rule (SPEC §4), then message, so
/// output is deterministic whatever the thread count.
pub fn sort(findings: &mut [Finding], sources: &SourceMap) {
    findings.sort_by_cached_key(|f| {
        let file = sources.get(f.file);
        let pos = file.line_col(f.span.start);
        (file.display().to_owned(), pos, f.rule.id.clone(), f.message.en.clone())
    });
}

//! Report: write the findings in the chosen format, as a stream. A
//! [`Writer`] gets a [`Context`] (what is known before the first finding),
//! then one [`Unit`] per facility in facility order (its findings sorted by
//! file, line, column, rule), then the [`End`] (summary, facilities). It
//! never sees rules' checks or documents, and it keeps nothing of a unit it
//! does not need for the end: memory stays flat in fleet size.

pub mod audit;
mod concise;
mod github;
mod human;
mod json;
mod junit;
mod sarif;
pub mod stats;
pub(crate) mod xlsx;

use std::io::{self, Write};

use crate::kernel::date::Date;
use crate::kernel::finding::{Finding, Lang, Severity};
use crate::kernel::source::{LineCol, SourceMap};
use crate::pipeline::engine::Summary;

/// Output format of `anzen check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Diagnostics with the source line, for people.
    Human,
    /// The stable machine format (docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one testcase per rule and facility.
    Junit,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// One line per finding (`file:line:col: severity RULE message`), then
    /// the rules to fix first.
    Concise,
    /// An Excel workbook, one row per finding, to track remediation in
    /// (needs `=FILE`).
    Xlsx,
}

impl Format {
    pub const fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Concise => "concise",
            Format::Xlsx => "xlsx",
        }
    }
}

/// What a reporter may say about a rule (SARIF's rule list, JUnit's test
/// cases): its metadata, never its checks.
#[derive(Clone, Debug)]
pub struct RuleDoc {
    pub info: std::sync::Arc<crate::kernel::finding::RuleInfo>,
    pub severity: Severity,
    pub description: crate::kernel::finding::Text,
}

pub use crate::pipeline::facility::FacilitySummary;

/// What a writer knows before the first finding.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub as_of: Date,
    pub lang: Lang,
    pub color: bool,
    /// Every enabled rule, in catalogue order.
    pub rules: &'a [RuleDoc],
    /// The lowest severity that fails the run (`--fail-on`), if any.
    pub fail_on: Option<Severity>,
}

/// One facility's finished findings (facility, key, suppressions, waivers,
/// severity overrides and positions applied), sorted by file, line, column,
/// rule; `sources` holds the files they point into (with their texts when
/// a writer shows source lines).
#[derive(Clone, Copy)]
pub struct Unit<'a> {
    /// The facilities the unit covers (usually one; none for the findings
    /// about anzen.yaml delivered last).
    pub facilities: &'a [FacilitySummary],
    pub findings: &'a [Finding],
    pub sources: &'a SourceMap,
    /// The checklist answers of the unit's facilities, from their one
    /// assessment (SPEC §4), for the summary `check` ends with.
    pub checklist: &'a [ChecklistTally],
}

/// One facility's R7 checklist answers, counted: what `check`'s summary
/// shows of the facility's assessment ([`crate::assess::assess`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChecklistTally {
    /// The facility's name, else its root.
    pub facility: String,
    /// Items per answer, in [`crate::assess::Answer::ALL`] order.
    pub counts: [usize; 5],
    /// The items answered いいえ, in checklist order.
    pub no: Vec<String>,
}

impl ChecklistTally {
    /// The tally of `assessment`'s checklist items.
    pub fn of(
        facility: &FacilitySummary,
        assessment: &crate::assess::Assessment,
        checklist: &crate::assess::checklist::Checklist,
    ) -> ChecklistTally {
        let items: Vec<&crate::assess::checklist::Item> = checklist.items().collect();
        let mut tally = ChecklistTally {
            facility: facility.name.clone().unwrap_or_else(|| facility.root.clone()),
            ..ChecklistTally::default()
        };
        for a in &assessment.items {
            if let Some(i) = crate::assess::Answer::ALL.iter().position(|x| *x == a.answer) {
                tally.counts[i] += 1;
            }
            if a.answer == crate::assess::Answer::No
                && let Some(item) = items.get(a.item)
            {
                tally.no.push(item.item.clone());
            }
        }
        tally
    }
}

/// What only the end of the run knows.
#[derive(Clone, Copy)]
pub struct End<'a> {
    pub summary: Summary,
    /// Every facility checked, sorted by root.
    pub facilities: &'a crate::pipeline::facility::Listing,
}

/// A streaming report writer: `begin`, then `unit` per facility in order,
/// then `end`, each writing to `out`.
pub trait Writer {
    /// What comes before the first facility (nothing, for most formats).
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    fn unit(&mut self, unit: &Unit<'_>, out: &mut dyn Write) -> io::Result<()>;
    fn end(&mut self, end: &End<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// The streaming writer of `format`.
pub fn writer<'a>(format: Format, cx: Context<'a>) -> Box<dyn Writer + 'a> {
    match format {
        Format::Human => Box::new(human::Human::new(cx)),
        Format::Json => Box::new(json::Json::new(cx)),
        Format::Sarif => Box::new(sarif::Sarif::new(cx)),
        Format::Junit => Box::new(junit::Junit::new(cx)),
        Format::Github => Box::new(github::Github::new(cx)),
        Format::Concise => Box::new(concise::Concise::new(cx)),
        Format::Xlsx => Box::new(xlsx::Xlsx::new(cx)),
    }
}

/// The writer of what goes to the terminal when every report goes to a
/// file: the rules to fix first and the summary line.
pub fn summary_writer<'a>(cx: Context<'a>) -> Box<dyn Writer + 'a> {
    Box::new(concise::SummaryOnly::new(cx))
}

/// Everything a reporter may use, all at once (one unit).
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub sources: &'a SourceMap,
    pub facilities: &'a [FacilitySummary],
    pub as_of: Date,
    pub summary: Summary,
    pub lang: Lang,
    pub color: bool,
    /// Every enabled rule, in catalogue order.
    pub rules: &'a [RuleDoc],
    /// The lowest severity that fails the run (`--fail-on`), if any.
    pub fail_on: Option<Severity>,
}

impl<'a> Report<'a> {
    pub fn position(&self, f: &Finding) -> LineCol {
        f.start
    }

    fn context(&self) -> Context<'a> {
        Context {
            as_of: self.as_of,
            lang: self.lang,
            color: self.color,
            rules: self.rules,
            fail_on: self.fail_on,
        }
    }

    fn unit(&self) -> Unit<'a> {
        Unit { facilities: self.facilities, findings: self.findings, sources: self.sources, checklist: &[] }
    }
}

/// Writes `report` in `format`, as one unit.
pub fn write(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    write_whole(writer(format, report.context()), report, out)
}

/// Runs `w` over `report` as one unit: begin, the unit, the end.
fn write_whole(mut w: Box<dyn Writer + '_>, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    w.begin(out)?;
    w.unit(&report.unit(), out)?;
    let listed: crate::pipeline::facility::Listing = report.facilities.iter().collect();
    w.end(&End { summary: report.summary, facilities: &listed }, out)
}

/// `ja` or `en`, as the machine formats name the language.
pub const fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    }
}

/// The summary and the rules to fix first, for the terminal when every
/// report goes to a file.
pub fn write_summary(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    write_whole(summary_writer(report.context()), report, out)
}

/// Escapes text for XML and HTML element content and quoted attribute
/// values (JUnit, the HTML report). Control characters, bidi controls and
/// the noncharacters XML 1.0 cannot hold are shown as `\u{…}`
/// ([`crate::kernel::escape`]).
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls, bidi overrides and U+FFFE/U+FFFF (not XML): shown as `\u{…}`.
            c if crate::kernel::escape::is_hidden(c) && c != '\r' => {
                crate::kernel::escape::push_escaped(&mut out, c)
            }
            c => out.push(c),
        }
    }
    out
}

//! `--format concise`: one line per finding (`file:line:col: severity RULE
//! message`, as compilers and ruff print them, for editors' problem
//! matchers and `grep`), then the summary. Also the "fix first" table that
//! ends the human output, and the summary printed when every report goes
//! to a file.

use std::collections::HashMap;
use std::io::{self, Write};

use super::{ChecklistTally, Context, End, Unit};
use crate::kernel::finding::{Finding, Lang, Severity};

/// How many rules the "fix first" table lists.
const FIX_FIRST_ROWS: usize = 10;

/// How many facilities check's checklist summary lists one by one.
const CHECKLIST_ROWS: usize = 10;

/// The concise writer: a line per unsuppressed finding as facilities are
/// delivered; the "fix first" table and the summary at the end.
pub struct Concise<'a> {
    cx: Context<'a>,
    fix_first: FixFirst,
    checklist: ChecklistSummary,
}

impl<'a> Concise<'a> {
    pub fn new(cx: Context<'a>) -> Self {
        Concise { cx, fix_first: FixFirst::default(), checklist: ChecklistSummary::default() }
    }
}

impl super::Writer for Concise<'_> {
    fn unit(&mut self, unit: &Unit<'_>, out: &mut dyn Write) -> io::Result<()> {
        self.fix_first.count(unit.findings);
        self.checklist.add(unit.checklist);
        for f in unit.findings.iter().filter(|f| f.suppressed.is_none()) {
            let file = one_line(unit.sources.get(f.file).display());
            // The severity word stays English in both languages: problem
            // matchers look for it.
            writeln!(
                out,
                "{file}:{}:{}: {} {} {}",
                f.start.line.max(1),
                f.start.column.max(1),
                f.severity,
                f.rule.id,
                one_line(f.message.get(self.cx.lang))
            )?;
        }
        Ok(())
    }

    fn end(&mut self, end: &End<'_>, out: &mut dyn Write) -> io::Result<()> {
        self.checklist.write(self.cx.lang, out)?;
        self.fix_first.write(self.cx.lang, out)?;
        writeln!(out, "{}", super::human::summary_line(&end.summary, self.cx.lang, self.cx.as_of))
    }
}

/// What goes to the terminal when every report goes to a file: the
/// "fix first" table and the summary line, nothing per finding.
pub struct SummaryOnly<'a> {
    cx: Context<'a>,
    fix_first: FixFirst,
    checklist: ChecklistSummary,
}

impl<'a> SummaryOnly<'a> {
    pub fn new(cx: Context<'a>) -> Self {
        SummaryOnly { cx, fix_first: FixFirst::default(), checklist: ChecklistSummary::default() }
    }
}

impl super::Writer for SummaryOnly<'_> {
    fn unit(&mut self, unit: &Unit<'_>, _out: &mut dyn Write) -> io::Result<()> {
        self.fix_first.count(unit.findings);
        self.checklist.add(unit.checklist);
        Ok(())
    }

    fn end(&mut self, end: &End<'_>, out: &mut dyn Write) -> io::Result<()> {
        self.checklist.write(self.cx.lang, out)?;
        self.fix_first.write(self.cx.lang, out)?;
        writeln!(out, "{}", super::human::summary_line(&end.summary, self.cx.lang, self.cx.as_of))
    }
}

/// The rules with unsuppressed findings, counted as facilities are
/// delivered (one row per rule and severity: memory follows the catalogue,
/// not the fleet).
#[derive(Default)]
pub struct FixFirst {
    index: HashMap<(String, Severity), usize>,
    rows: Vec<Row>,
}

struct Row {
    id: String,
    name: String,
    severity: Severity,
    count: usize,
}

impl FixFirst {
    pub fn count(&mut self, findings: &[Finding]) {
        for f in findings.iter().filter(|f| f.suppressed.is_none()) {
            let rows = &mut self.rows;
            let at = *self.index.entry((f.rule.id.clone(), f.severity)).or_insert_with(|| {
                rows.push(Row {
                    id: f.rule.id.clone(),
                    name: f.rule.name.clone(),
                    severity: f.severity,
                    count: 0,
                });
                rows.len() - 1
            });
            rows[at].count += 1;
        }
    }

    /// Most severe first, then most frequent: where to start. Nothing when
    /// there is no finding.
    pub fn write(&self, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.count.cmp(&a.count)).then(a.id.cmp(&b.id)));
        writeln!(
            out,
            "{}",
            match lang {
                Lang::Ja => "最初に直すもの（重大度、件数の順）:",
                Lang::En => "Fix first (by severity, then count):",
            }
        )?;
        let shown = &rows[..rows.len().min(FIX_FIRST_ROWS)];
        let id_width = shown.iter().map(|r| r.id.len()).max().unwrap_or(0);
        let name_width = shown.iter().map(|r| r.name.len()).max().unwrap_or(0);
        for Row { id, name, severity, count } in shown.iter().copied() {
            let word = severity_word(*severity, lang);
            // Pad by display width: a Japanese severity word is two columns a character.
            let pad = 8usize.saturating_sub(width(word));
            let count = match lang {
                Lang::Ja => format!("{count} 件"),
                Lang::En => count.to_string(),
            };
            writeln!(out, "  {word}{:pad$}{id:<id_width$}  {name:<name_width$}  {count:>5}", "")?;
        }
        if rows.len() > shown.len() {
            let more = rows.len() - shown.len();
            writeln!(
                out,
                "{}",
                match lang {
                    Lang::Ja => format!("  ほか {more} ルール"),
                    Lang::En => format!("  and {more} more rule(s)"),
                }
            )?;
        }
        Ok(())
    }
}

/// The checklist answers of the facilities checked, from each one's
/// assessment: a line per facility (the first [`CHECKLIST_ROWS`]), then
/// how many facilities answer いいえ somewhere. Memory: one tally per
/// listed facility and two counters.
#[derive(Default)]
pub struct ChecklistSummary {
    shown: Vec<ChecklistTally>,
    facilities: usize,
    with_no: usize,
}

impl ChecklistSummary {
    pub fn add(&mut self, tallies: &[ChecklistTally]) {
        for t in tallies {
            self.facilities += 1;
            self.with_no += usize::from(!t.no.is_empty());
            if self.shown.len() < CHECKLIST_ROWS {
                self.shown.push(t.clone());
            }
        }
    }

    /// Nothing when no facility was assessed.
    pub fn write(&self, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
        if self.facilities == 0 {
            return Ok(());
        }
        writeln!(
            out,
            "{}",
            match lang {
                Lang::Ja => "R7 チェックリストの回答（項目ごとの回答は anzen report）:",
                Lang::En => "R7 checklist answers (item by item: anzen report):",
            }
        )?;
        for t in &self.shown {
            let mut parts = Vec::new();
            for (answer, n) in crate::assess::Answer::ALL.iter().zip(t.counts) {
                if n == 0 {
                    continue;
                }
                let label = answer.label(lang);
                let mut part = match lang {
                    Lang::Ja => format!("{label} {n}"),
                    Lang::En => format!("{label} {n}"),
                };
                if *answer == crate::assess::Answer::No {
                    part.push_str(&match lang {
                        Lang::Ja => format!("（{}）", t.no.join("、")),
                        Lang::En => format!(" ({})", t.no.join(", ")),
                    });
                }
                parts.push(part);
            }
            let sep = match lang {
                Lang::Ja => "・",
                Lang::En => ", ",
            };
            writeln!(out, "  {}: {}", one_line(&t.facility), parts.join(sep))?;
        }
        if self.facilities > self.shown.len() {
            let more = self.facilities - self.shown.len();
            writeln!(
                out,
                "{}",
                match lang {
                    Lang::Ja => format!(
                        "  ほか {more} 施設（いいえ のある施設は全 {} 施設中 {}。集計は anzen stats）",
                        self.facilities, self.with_no
                    ),
                    Lang::En => format!(
                        "  and {more} more facilities ({} of {} answer No somewhere; fleet figures: anzen stats)",
                        self.with_no, self.facilities
                    ),
                }
            )?;
        }
        Ok(())
    }
}

fn severity_word(severity: Severity, lang: Lang) -> &'static str {
    match (lang, severity) {
        (Lang::Ja, Severity::Error) => "エラー",
        (Lang::Ja, Severity::Warning) => "警告",
        (Lang::Ja, Severity::Info) => "情報",
        (Lang::En, s) => s.as_str(),
    }
}

/// Terminal columns of `s` (CJK characters take two).
fn width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum()
}

/// `s` on one line, with no control character reaching the terminal.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() || crate::kernel::escape::is_hidden(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_strips_breaks_and_controls() {
        assert_eq!(one_line("a\nb\u{1b}[31m"), "a b\u{FFFD}[31m");
    }

    #[test]
    fn japanese_words_are_two_columns_a_character() {
        assert_eq!(width("エラー"), 6);
        assert_eq!(width("error"), 5);
    }
}

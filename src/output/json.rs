//! `--format json`: the machine contract of SPEC §4 (docs/json-output.md),
//! `schema_version` 2: what belongs to a rule (title, remediation,
//! description, references, survey rate) is written once, in `rules`; each
//! finding keeps its flat fields and names its rule by id. Written as a
//! stream: the header and `rules` first, then one finding per line as the
//! facilities are delivered, then `facilities` and `summary`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Context, End, Unit, lang_code};
use crate::kernel::escape::json::to_writer;
use crate::kernel::finding::{Finding, References, SurveyRef};

/// The JSON output's `schema_version`.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// A rule's entry in `rules`.
#[derive(Serialize)]
struct JsonRule<'a> {
    name: &'a str,
    severity: &'static str,
    title: &'a str,
    description: &'a str,
    remediation: &'a str,
    references: &'a References,
    survey: Option<&'a SurveyRef>,
    help_uri: String,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'static str,
    file: &'a str,
    line: u32,
    column: u32,
    pointer: Option<&'a str>,
    key: Option<&'a str>,
    facility: Option<&'a str>,
    message: &'a str,
    checklist: Vec<&'a str>,
    guideline: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    suppressed: Option<&'a crate::kernel::finding::Suppression>,
}

/// The streaming JSON writer.
pub struct Json<'a> {
    cx: Context<'a>,
    /// Findings written so far (to place the separators).
    written: usize,
}

impl<'a> Json<'a> {
    pub fn new(cx: Context<'a>) -> Self {
        Json { cx, written: 0 }
    }
}

impl super::Writer for Json<'_> {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let lang = self.cx.lang;
        write!(out, "{{\n  \"schema_version\": {SCHEMA_VERSION},\n  \"tool\": ")?;
        to_writer(&mut *out, &Tool { name: "anzen", version: env!("CARGO_PKG_VERSION") })?;
        write!(
            out,
            ",\n  \"as_of\": \"{}\",\n  \"lang\": \"{}\",\n  \"rules\": {{",
            self.cx.as_of,
            lang_code(lang)
        )?;
        for (i, r) in self.cx.rules.iter().enumerate() {
            let info = &r.info;
            out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            to_writer(&mut *out, &info.id)?;
            out.write_all(b": ")?;
            let rule = JsonRule {
                name: &info.name,
                severity: r.severity.as_str(),
                title: info.title.get(lang),
                description: r.description.get(lang),
                remediation: info.remediation.get(lang),
                references: &info.references,
                survey: info.survey.as_ref(),
                help_uri: format!("{}#{}", super::sarif::DOCS_URL, info.id.to_lowercase()),
            };
            to_writer(&mut *out, &rule)?;
        }
        if !self.cx.rules.is_empty() {
            out.write_all(b"\n  ")?;
        }
        out.write_all(b"},\n  \"findings\": [")
    }

    fn unit(&mut self, unit: &Unit<'_>, out: &mut dyn Write) -> io::Result<()> {
        let lang = self.cx.lang;
        for f in unit.findings {
            let f: &Finding = f;
            let finding = JsonFinding {
                rule: &f.rule.id,
                name: &f.rule.name,
                severity: f.severity.as_str(),
                file: unit.sources.get(f.file).display(),
                line: f.start.line,
                column: f.start.column,
                pointer: f.pointer.as_deref(),
                key: f.key.as_deref(),
                facility: f.facility.as_deref(),
                message: f.message.get(lang),
                checklist: f.rule.references.checklist.iter().map(|c| c.item.as_str()).collect(),
                guideline: f.rule.references.guideline.iter().map(|g| g.short()).collect(),
                help: f.help.as_ref().map(|h| h.get(lang)),
                suppressed: f.suppressed.as_ref(),
            };
            out.write_all(if self.written == 0 { b"\n    " } else { b",\n    " })?;
            to_writer(&mut *out, &finding)?;
            self.written += 1;
        }
        Ok(())
    }

    fn end(&mut self, end: &End<'_>, out: &mut dyn Write) -> io::Result<()> {
        if self.written > 0 {
            out.write_all(b"\n  ")?;
        }
        out.write_all(b"],\n  \"facilities\": [")?;
        for (i, fac) in end.facilities.iter().enumerate() {
            out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            to_writer(&mut *out, &fac)?;
        }
        if !end.facilities.is_empty() {
            out.write_all(b"\n  ")?;
        }
        out.write_all(b"],\n  \"summary\": ")?;
        to_writer(&mut *out, &end.summary)?;
        out.write_all(b"\n}\n")
    }
}

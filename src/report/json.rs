//! `--format json`: the machine contract of SPEC §4 (docs/json-output.md).

use std::io::{self, Write};

use serde::Serialize;

use super::{FacilitySummary, Report, Summary};
use crate::finding::Finding;

#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    tool: Tool,
    as_of: String,
    lang: &'static str,
    facilities: &'a [FacilitySummary],
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
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
    facility: Option<&'a str>,
    message: &'a str,
    title: &'a str,
    remediation: &'a str,
    help: Option<&'a str>,
    checklist: Vec<&'a str>,
    guideline: Vec<String>,
    key: Option<&'a str>,
    suppressed: Option<&'a crate::finding::Suppression>,
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let lang = report.lang;
    let findings = report
        .findings
        .iter()
        .map(|f: &Finding| {
            let pos = report.position(f);
            JsonFinding {
                rule: &f.rule.id,
                name: &f.rule.name,
                severity: f.severity.as_str(),
                file: report.sources.get(f.file).display(),
                line: pos.line,
                column: pos.column,
                pointer: f.pointer.as_deref(),
                facility: f.facility.as_deref(),
                message: f.message.get(lang),
                title: f.rule.title.get(lang),
                remediation: f.rule.remediation.get(lang),
                help: f.help.as_ref().map(|h| h.get(lang)),
                checklist: f.rule.references.checklist.iter().map(|c| c.item.as_str()).collect(),
                guideline: f.rule.references.guideline.iter().map(|g| g.short()).collect(),
                key: f.key.as_deref(),
                suppressed: f.suppressed.as_ref(),
            }
        })
        .collect();
    let output = Output {
        schema_version: 1,
        tool: Tool { name: "anzen", version: env!("CARGO_PKG_VERSION") },
        as_of: report.as_of.to_string(),
        lang: match lang {
            crate::finding::Lang::Ja => "ja",
            crate::finding::Lang::En => "en",
        },
        facilities: report.facilities,
        findings,
        summary: report.summary,
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}

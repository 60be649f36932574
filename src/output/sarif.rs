//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it, written
//! with our own small serde model.
//!
//! - `tool.driver.rules` is the catalogue, with help in both languages,
//!   `helpUri` to the rule's section of docs/rules.md, and
//!   `properties.security-severity`;
//! - `columnKind` is `unicodeCodePoints`: our columns count characters;
//! - `partialFingerprints` hash the finding's identity (rule, facility,
//!   stable key), so they survive line moves and reformatting;
//! - suppressed findings carry `suppressions`.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{Context, End, Unit};
use crate::kernel::escape::json::to_string_pretty;
use crate::kernel::finding::{Finding, Lang, Severity, SuppressedBy};
use crate::kernel::finding::{fingerprint, identity};
use crate::kernel::source::SourceMap;

/// Where the rule documentation lives.
pub const DOCS_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    as_of: String,
    lang: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<SarifRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "anzenIdentity/v1")]
    identity: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: Physical,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<Logical<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's security-severity scale (0–10): high, medium, low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "7.5",
        Severity::Warning => "5.0",
        Severity::Info => "2.0",
    }
}

/// `uri` relative to the checkout, `/`-separated, percent-encoding what a
/// URI reference may not hold literally (spaces etc.); non-ASCII stays as is
/// (IRI), which GitHub accepts.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    out
}

/// The streaming SARIF writer: the log up to `results` first (the rules
/// are known), one result per finding as facilities are delivered, then
/// the rest. The output is what serde_json's pretty printer writes for the
/// whole log: each result is pretty-printed alone and indented to its place.
pub struct Sarif<'a> {
    cx: Context<'a>,
    index: HashMap<&'a str, usize>,
    /// What follows the results (`]`, the run's properties, the closing
    /// brackets).
    tail: String,
    written: usize,
}

/// The indentation of a result inside the log (`runs[0].results[i]`).
const RESULT_INDENT: &str = "        ";

impl<'a> Sarif<'a> {
    pub fn new(cx: Context<'a>) -> Self {
        let index = cx.rules.iter().enumerate().map(|(i, r)| (r.info.id.as_str(), i)).collect();
        Sarif { cx, index, tail: String::new(), written: 0 }
    }

    fn rules(&self) -> Vec<SarifRule> {
        let lang = self.cx.lang;
        self.cx
            .rules
            .iter()
            .map(|r| {
                let info = &r.info;
                let mut tags = vec!["security".to_owned(), "compliance".to_owned(), "medical".to_owned()];
                tags.extend(
                    info.references.checklist.iter().map(|c| format!("checklist-{}-{}", c.edition, c.item)),
                );
                let anchor = info.id.to_lowercase();
                let cites: Vec<String> = info
                    .references
                    .checklist
                    .iter()
                    .map(|c| format!("checklist {} {}", c.edition, c.item))
                    .chain(info.references.guideline.iter().map(|g| g.cite(Lang::En)))
                    .collect();
                SarifRule {
                    id: info.id.clone(),
                    name: info.name.clone(),
                    short_description: Message { text: info.title.get(lang).to_owned() },
                    full_description: Message { text: r.description.get(lang).to_owned() },
                    help: Help {
                        text: format!(
                            "{}\n{}\n\n{}\n{}\n\n{}",
                            info.title.ja,
                            info.remediation.ja,
                            info.title.en,
                            info.remediation.en,
                            cites.join("; ")
                        ),
                        markdown: format!(
                            "**{}**\n\n{}\n\n**{}**\n\n{}\n\n{}",
                            info.title.ja,
                            info.remediation.ja,
                            info.title.en,
                            info.remediation.en,
                            cites.iter().map(|c| format!("- {c}")).collect::<Vec<_>>().join("\n")
                        ),
                    },
                    help_uri: format!("{DOCS_URL}#{anchor}"),
                    default_configuration: Configuration { level: level(r.severity) },
                    properties: RuleProperties {
                        tags,
                        precision: "high",
                        security_severity: security_severity(r.severity),
                    },
                }
            })
            .collect()
    }

    fn result<'f>(&self, f: &'f Finding, sources: &SourceMap) -> SarifResult<'f> {
        let file = sources.get(f.file);
        let (start, end) = (f.start, f.end);
        let (end_line, end_column) = if (end.line, end.column) > (start.line, start.column) {
            (end.line, end.column)
        } else {
            (start.line, start.column + 1)
        };
        let suppressions = f
            .suppressed
            .as_ref()
            .map(|s| SarifSuppression {
                kind: match s.by {
                    SuppressedBy::Inline => "inSource",
                    SuppressedBy::Waiver => "external",
                },
                status: "accepted",
                justification: s.reason.clone(),
            })
            .into_iter()
            .collect();
        SarifResult {
            rule_id: &f.rule.id,
            rule_index: self.index.get(f.rule.id.as_str()).copied().unwrap_or(0),
            level: level(f.severity),
            message: Message { text: f.message.get(self.cx.lang).to_owned() },
            locations: [Location {
                physical_location: Physical {
                    artifact_location: Artifact { uri: uri(file.display()) },
                    region: Region {
                        start_line: start.line,
                        start_column: start.column,
                        end_line,
                        end_column,
                    },
                },
                logical_locations: f
                    .pointer
                    .as_deref()
                    .map(|p| Logical { fully_qualified_name: p, kind: "member" })
                    .into_iter()
                    .collect(),
            }],
            partial_fingerprints: Fingerprints { identity: fingerprint(&identity(f, sources)) },
            suppressions,
        }
    }
}

impl super::Writer for Sarif<'_> {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let log = Log {
            schema: "https://json.schemastore.org/sarif-2.1.0.json",
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "anzen",
                        version: env!("CARGO_PKG_VERSION"),
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        information_uri: env!("CARGO_PKG_REPOSITORY"),
                        rules: self.rules(),
                    },
                },
                column_kind: "unicodeCodePoints",
                results: Vec::new(),
                properties: RunProperties {
                    as_of: self.cx.as_of.to_string(),
                    lang: super::lang_code(self.cx.lang),
                },
            }],
        };
        let whole = to_string_pretty(&log).map_err(io::Error::other)?;
        // The last `"results": []` (strings are escaped, so the marker
        // cannot occur inside one; only the run properties follow it).
        let marker = "\"results\": []";
        let at = whole
            .rfind(marker)
            .ok_or_else(|| io::Error::other("SARIF writer: no results list in the log"))?;
        let (head, rest) = whole.split_at(at + marker.len() - 1);
        self.tail = rest.to_owned();
        out.write_all(head.as_bytes())
    }

    fn unit(&mut self, unit: &Unit<'_>, out: &mut dyn Write) -> io::Result<()> {
        for f in unit.findings {
            let result = to_string_pretty(&self.result(f, unit.sources)).map_err(io::Error::other)?;
            out.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
            for (i, line) in result.lines().enumerate() {
                if i > 0 {
                    out.write_all(b"\n")?;
                }
                out.write_all(RESULT_INDENT.as_bytes())?;
                out.write_all(line.as_bytes())?;
            }
            self.written += 1;
        }
        Ok(())
    }

    fn end(&mut self, _end: &End<'_>, out: &mut dyn Write) -> io::Result<()> {
        if self.written > 0 {
            out.write_all(b"\n      ")?;
        }
        out.write_all(self.tail.as_bytes())?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_encode_what_must_be_encoded() {
        assert_eq!(uri("病院 A/backups#1.yaml"), "病院%20A/backups%231.yaml");
    }
}

//! `--format junit`: JUnit XML for CI systems that show test reports. One
//! test suite per facility, one test case per rule; a case fails when the
//! rule has findings at or above `--fail-on` there (listed with file:line),
//! and lists lower ones in `system-out`. Suppressed findings are left out.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Report;
use crate::finding::Finding;

use super::escape_markup as xml;

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let lang = report.lang;
    // Facility → rule → findings.
    let mut suites: BTreeMap<String, BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
    for fac in report.facilities {
        suites.entry(fac.root.clone()).or_default();
    }
    for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        let suite = f.facility.as_deref().unwrap_or("(no facility)").to_owned();
        suites.entry(suite).or_default().entry(f.rule.id.as_str()).or_default().push(f);
    }
    let fails = |f: &Finding| report.fail_on.is_some_and(|t| f.severity >= t);
    let total_failures: usize =
        suites.values().map(|rules| rules.values().filter(|fs| fs.iter().any(|f| fails(f))).count()).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="anzen" tests="{}" failures="{total_failures}">"#,
        suites.len() * report.rules.len()
    )?;
    for (suite, found) in &suites {
        let failures = found.values().filter(|fs| fs.iter().any(|f| fails(f))).count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="0">"#,
            xml(suite),
            report.rules.len()
        )?;
        for rule in report.rules {
            let id = rule.info.id.as_str();
            let name = format!("{id} {}", rule.info.name);
            let findings = found.get(id).map(Vec::as_slice).unwrap_or_default();
            let line = |f: &Finding| {
                let file = report.sources.get(f.file);
                let pos = f.start;
                format!(
                    "{}:{}:{}: {}: {}",
                    file.display(),
                    pos.line,
                    pos.column,
                    f.severity,
                    f.message.get(lang)
                )
            };
            let (failing, other): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| fails(f));
            if failing.is_empty() && other.is_empty() {
                writeln!(out, r#"    <testcase classname="{}" name="{}"/>"#, xml(suite), xml(&name))?;
                continue;
            }
            writeln!(out, r#"    <testcase classname="{}" name="{}">"#, xml(suite), xml(&name))?;
            if !failing.is_empty() {
                let body: Vec<String> = failing.iter().map(|f| line(f)).collect();
                writeln!(
                    out,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    xml(&format!("{} finding(s): {}", failing.len(), rule.info.title.get(lang))),
                    failing[0].severity,
                    xml(&body.join("\n"))
                )?;
            }
            if !other.is_empty() {
                let body: Vec<String> = other.iter().map(|f| line(f)).collect();
                writeln!(out, "      <system-out>{}</system-out>", xml(&body.join("\n")))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(xml("<a href=\"x\">&'\u{1}"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\\u{1}");
        // Not XML characters at all: a parser rejects the file with them.
        assert_eq!(xml("a\u{fffe}b\u{ffff}\u{1b}[2J"), "a\\u{fffe}b\\u{ffff}\\u{1b}[2J");
    }
}

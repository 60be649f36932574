//! Rule documentation generated from the rule files: `anzen rules`,
//! `anzen explain ID`, and `anzen schema`.

use std::io::{self, Write};

use serde::Serialize;

use crate::catalog::{Catalog, Rule, SCHEMA_FILES, Test};
use crate::cli::RulesFormat;
use crate::error::Fatal;
use crate::finding::{Lang, References, SurveyRef, Text};
use crate::model::Kind;

#[derive(Serialize)]
struct RuleJson<'a> {
    id: &'a str,
    name: &'a str,
    severity: &'static str,
    kinds: Vec<&'static str>,
    title: &'a Text,
    description: &'a Text,
    remediation: &'a Text,
    references: &'a References,
    survey: Option<&'a SurveyRef>,
    suppressible: bool,
    builtin: bool,
}

/// `anzen rules`.
pub fn list(catalog: &Catalog, format: RulesFormat, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    match format {
        RulesFormat::Json => {
            let rules: Vec<RuleJson<'_>> = catalog
                .iter()
                .map(|r| RuleJson {
                    id: r.id(),
                    name: &r.info.name,
                    severity: r.severity.as_str(),
                    kinds: r.kinds.iter().map(|k| k.name()).collect(),
                    title: &r.info.title,
                    description: &r.description,
                    remediation: &r.info.remediation,
                    references: &r.info.references,
                    survey: r.info.survey.as_ref(),
                    suppressible: r.info.suppressible,
                    builtin: matches!(r.origin, crate::catalog::Origin::Builtin),
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rules)?;
            writeln!(out)
        }
        RulesFormat::Table => {
            for r in catalog.iter() {
                writeln!(
                    out,
                    "{:<8} {:<8} {:<36} {}",
                    r.id(),
                    r.severity.as_str(),
                    r.info.name,
                    r.info.title.get(lang)
                )?;
            }
            Ok(())
        }
    }
}

/// `anzen explain ID`.
pub fn explain(rule: &Rule, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let info = &rule.info;
    writeln!(out, "{} {} ({})", info.id, info.name, rule.severity.as_str())?;
    writeln!(out, "{}", info.title.get(lang))?;
    writeln!(out)?;
    let (when, fix, kinds, refs) = match lang {
        Lang::Ja => ("指摘となる条件", "直し方", "対象の文書", "根拠"),
        Lang::En => ("Flags", "How to fix", "Reads", "Sources"),
    };
    writeln!(out, "{when}: {}", rule.description.get(lang))?;
    writeln!(out, "{fix}: {}", info.remediation.get(lang))?;
    let kind_names: Vec<&str> = rule.kinds.iter().map(|k| k.name()).collect();
    if !kind_names.is_empty() {
        writeln!(out, "{kinds}: {}", kind_names.join(", "))?;
    }
    let mut cites: Vec<String> = Vec::new();
    for c in &info.references.checklist {
        cites.push(format!("checklist {} {}", c.edition, c.item));
    }
    for g in &info.references.guideline {
        cites.push(format!("guideline {} {} {}", g.edition, g.part, g.chapter));
    }
    cites.extend(info.references.other.iter().cloned());
    if let Some(s) = &info.survey {
        cites.push(format!("survey {} {}: {}%", s.edition, s.item, s.rate));
    }
    if !cites.is_empty() {
        writeln!(out, "{refs}: {}", cites.join("; "))?;
    }
    for check in &rule.checks {
        match &check.test {
            Test::Cel(e) => writeln!(out, "  for_each {}: {}", check.for_each.pattern, e.source)?,
            Test::Schema(_) => writeln!(out, "  for_each {}: (schema)", check.for_each.pattern)?,
        }
    }
    Ok(())
}

/// `anzen schema [KIND]`.
pub fn schema(kind: Option<&str>, out: &mut dyn Write) -> Result<(), Fatal> {
    let write_err = |e: io::Error| Fatal::Write { path: "<stdout>".into(), source: e };
    let Some(kind) = kind else {
        let mut all = serde_json::Map::new();
        for (name, text) in SCHEMA_FILES {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| Fatal::Internal(e.to_string()))?;
            all.insert(name.trim_end_matches(".schema.json").to_owned(), value);
        }
        serde_json::to_writer_pretty(&mut *out, &all).map_err(|e| Fatal::Internal(e.to_string()))?;
        return writeln!(out).map_err(write_err);
    };
    let stem = if kind == "rule" { "rule" } else { Kind::parse(kind).map(Kind::file_stem).unwrap_or(kind) };
    let file = format!("{stem}.schema.json");
    let text = SCHEMA_FILES.iter().find(|(n, _)| *n == file).map(|(_, t)| *t).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        Fatal::Usage(format!("no schema for `{kind}`; choose one of: {}, rule", names.join(", ")))
    })?;
    out.write_all(text.as_bytes()).map_err(write_err)
}

//! Rule documentation generated from the rule files: `anzen rules`,
//! `anzen explain ID`, and `anzen schema`.

use std::io::{self, Write};

use serde::Serialize;

use crate::assess::checklist::Checklist;
use crate::commands::options::RulesFormat;
use crate::document::model::Kind;
use crate::kernel::assets::{FIXTURE_FILES, SCHEMA_FILES};
use crate::kernel::error::Fatal;
use crate::kernel::finding::{Lang, References, SurveyRef, Text};
use crate::rules::catalog::{Catalog, Rule, Test};

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
                    builtin: matches!(r.origin, crate::rules::catalog::Origin::Builtin),
                })
                .collect();
            crate::kernel::escape::json::to_writer_pretty(&mut *out, &rules)?;
            writeln!(out)
        }
        RulesFormat::Markdown => out.write_all(markdown(catalog).as_bytes()),
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

/// `anzen explain ID`: what the rule flags, how to fix it, its sources, its
/// checks, and a failing and a passing example from its fixtures.
pub fn explain(
    rule: &Rule,
    checklist: Option<&Checklist>,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    let info = &rule.info;
    writeln!(out, "{} {} ({})", info.id, info.name, rule.severity.as_str())?;
    writeln!(out, "{}", info.title.get(lang))?;
    writeln!(out)?;
    let ja = lang == Lang::Ja;
    let label = |ja_text: &'static str, en_text: &'static str| if ja { ja_text } else { en_text };
    writeln!(out, "{}: {}", label("指摘となる条件", "Flags"), rule.description.get(lang))?;
    writeln!(out, "{}: {}", label("直し方", "How to fix"), info.remediation.get(lang))?;
    let kind_names: Vec<&str> = rule.kinds.iter().map(|k| k.name()).collect();
    writeln!(out, "{}: {}", label("対象の文書", "Reads"), kind_names.join(", "))?;
    writeln!(out, "\n{}:", label("根拠", "Sources"))?;
    for c in &info.references.checklist {
        let text = checklist
            .filter(|cl| cl.edition == c.edition)
            .and_then(|cl| cl.items().find(|i| i.item == c.item))
            .map_or_else(String::new, |i| format!(" {}", i.text.get(lang)));
        writeln!(out, "  - {} {} {}{text}", label("チェックリスト", "checklist"), c.edition, c.item)?;
    }
    for g in &info.references.guideline {
        writeln!(out, "  - {}", g.cite(lang))?;
    }
    for o in &info.references.other {
        writeln!(out, "  - {o}")?;
    }
    // Each national rate with the findings it is printed beside (SPEC §4).
    for line in crate::assess::survey::Survey::embedded()
        .map(|s| crate::assess::rates_of_rule(s, &info.id, lang))
        .unwrap_or_default()
    {
        writeln!(out, "  - {line}")?;
    }
    if !rule.checks.is_empty() {
        writeln!(out, "\n{}:", label("判定（CEL）", "Checks (CEL)"))?;
        for check in &rule.checks {
            match &check.test {
                Test::Cel(e) => writeln!(
                    out,
                    "  for_each {}:\n    {}",
                    check.for_each.pattern,
                    e.source.trim().replace('\n', "\n    ")
                )?,
                Test::Schema(_, schema) => {
                    writeln!(out, "  for_each {}: require (JSON Schema) {schema}", check.for_each.pattern)?
                }
            }
        }
    }
    if let Some((path, text)) = failing_example(rule) {
        writeln!(out, "\n{} ({path}):", label("指摘される例", "Fails"))?;
        write_excerpt(out, text, &marked_lines(text, rule.id()))?;
    }
    if let Some((path, text)) = passing_example(rule) {
        writeln!(out, "\n{} ({path}):", label("指摘されない例", "Passes"))?;
        write_excerpt(out, text, &[])?;
    }
    Ok(())
}

/// 1-based lines of `text` carrying `# expect:` markers naming `id`.
fn marked_lines(text: &str, id: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.split_once("# expect:").is_some_and(|(_, m)| m.split(',').any(|x| x.trim().starts_with(id)))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// The first fixture file under `fail/` with a marker for the rule.
fn failing_example(rule: &Rule) -> Option<(&'static str, &'static str)> {
    let prefix = format!("fixtures/rules/{}/fail/", rule.id());
    FIXTURE_FILES
        .iter()
        .copied()
        .find(|(p, t)| p.starts_with(&prefix) && !marked_lines(t, rule.id()).is_empty())
}

/// A file under `pass/` holding a document of a kind the rule reads (the
/// Facility only when the rule reads nothing else).
fn passing_example(rule: &Rule) -> Option<(&'static str, &'static str)> {
    let prefix = format!("fixtures/rules/{}/pass/", rule.id());
    let files: Vec<(&str, &str)> =
        FIXTURE_FILES.iter().copied().filter(|(p, _)| p.starts_with(&prefix)).collect();
    let reads = |t: &str, kind: Kind| t.lines().any(|l| l.trim() == format!("kind: {}", kind.name()));
    let others: Vec<Kind> = rule.kinds.iter().copied().filter(|k| *k != Kind::Facility).collect();
    files
        .iter()
        .copied()
        .find(|(_, t)| others.iter().any(|k| reads(t, *k)))
        .or_else(|| files.iter().copied().find(|(_, t)| reads(t, Kind::Facility)))
}

/// Numbered lines of `text` without the test markers: around `focus` (3
/// lines either side) when given, else the first 30 lines.
fn write_excerpt(out: &mut dyn Write, text: &str, focus: &[usize]) -> io::Result<()> {
    let lines: Vec<&str> = text.lines().collect();
    let show = |n: usize| -> bool {
        if focus.is_empty() { n <= 30 } else { focus.iter().any(|&f| n + 3 >= f && n <= f + 3) }
    };
    let mut gap = false;
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        if !show(n) {
            gap = true;
            continue;
        }
        if gap && n > 1 {
            writeln!(out, "     …")?;
        }
        gap = false;
        let clean = line.split_once("# expect:").map_or(*line, |(code, _)| code.trim_end());
        let arrow = if focus.contains(&n) { "  ◀" } else { "" };
        writeln!(out, "{n:>4} │ {clean}{arrow}")?;
    }
    if gap && focus.is_empty() {
        writeln!(out, "     …")?;
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
        crate::kernel::escape::json::to_writer_pretty(&mut *out, &all).map_err(|e| write_err(e.into()))?;
        return writeln!(out).map_err(write_err);
    };
    let stem = if kind == "rule" { "rule" } else { Kind::parse(kind).map(Kind::file_stem).unwrap_or(kind) };
    let file = format!("{stem}.schema.json");
    let text = SCHEMA_FILES.iter().find(|(n, _)| *n == file).map(|(_, t)| *t).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        Fatal::usage(
            format!("`{kind}` のスキーマはありません。{}、rule のどれかを指定してください", names.join("、")),
            format!("no schema for `{kind}`; choose one of: {}, rule", names.join(", ")),
        )
    })?;
    out.write_all(text.as_bytes()).map_err(write_err)
}

/// The whole catalogue as Markdown, both languages (docs/rules.md).
pub fn markdown(catalog: &Catalog) -> String {
    use std::fmt::Write as _;
    let mut md = String::new();
    let _ = writeln!(md, "# Rules / ルール一覧\n");
    let _ = writeln!(
        md,
        "Generated from `rules/*.yaml` by `anzen rules --format markdown`; do not edit by hand.\n\n\
         `rules/*.yaml` から `anzen rules --format markdown` で生成しています。直接編集しないでください。\n"
    );
    let _ = writeln!(md, "| id | name | severity | title | checklist | survey |");
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for r in catalog.iter() {
        let checklist: Vec<String> =
            r.info.references.checklist.iter().map(|c| format!("{} {}", c.edition, c.item)).collect();
        let survey: Vec<String> = crate::assess::survey::Survey::embedded()
            .into_iter()
            .flat_map(|s| &s.items)
            .filter(|i| i.rules.iter().chain(&i.cited_by).any(|x| x == r.id()))
            .map(|i| format!("{}%", i.rate))
            .collect();
        let survey = survey.join(" / ");
        let _ = writeln!(
            md,
            "| [{id}](#{anchor}) | {name} | {sev} | {ja}<br>{en} | {cl} | {survey} |",
            id = r.id(),
            anchor = r.id().to_lowercase(),
            name = r.info.name,
            sev = r.severity.as_str(),
            ja = r.info.title.ja,
            en = r.info.title.en,
            cl = checklist.join(", "),
        );
    }
    for r in catalog.iter() {
        let info = &r.info;
        let _ = writeln!(md, "\n## {}\n", r.id());
        let _ = writeln!(md, "**{}** — {} / {}\n", info.name, info.title.ja, info.title.en);
        let kinds: Vec<&str> = r.kinds.iter().map(|k| k.name()).collect();
        let _ = writeln!(md, "- Severity / 重大度: `{}`", r.severity.as_str());
        let _ = writeln!(md, "- Reads / 対象: {}", kinds.join(", "));
        if r.applies_without_medical_systems {
            let _ = writeln!(md, "- Also applies when `uses_medical_information_systems: false`");
        }
        if !info.suppressible {
            let _ = writeln!(md, "- Cannot be suppressed / 抑制できません");
        }
        let _ =
            writeln!(md, "\n**Flags / 指摘となる条件**\n\n- {}\n- {}", r.description.ja, r.description.en);
        let _ =
            writeln!(md, "\n**How to fix / 直し方**\n\n- {}\n- {}", info.remediation.ja, info.remediation.en);
        let mut refs: Vec<String> = Vec::new();
        for c in &info.references.checklist {
            refs.push(format!("Checklist {} {}", c.edition, c.item));
        }
        for g in &info.references.guideline {
            refs.push(format!("Guideline {} {}（{}） {}", g.edition, g.part, g.part_en(), g.chapter));
        }
        refs.extend(info.references.other.iter().cloned());
        if let Some(survey) = crate::assess::survey::Survey::embedded() {
            refs.extend(crate::assess::rates_of_rule(survey, &info.id, Lang::Ja));
            refs.extend(crate::assess::rates_of_rule(survey, &info.id, Lang::En));
        }
        if !refs.is_empty() {
            let _ = writeln!(md, "\n**Sources / 根拠**\n");
            for line in refs {
                let _ = writeln!(md, "- {line}");
            }
        }
        if !r.checks.is_empty() {
            let _ = writeln!(md, "\n**Checks / 判定**\n");
            for c in &r.checks {
                let at = c.at.as_deref().map_or_else(String::new, |a| format!(", at `{a}`"));
                let sev = c.severity.map_or_else(String::new, |s| format!(", severity `{}`", s.as_str()));
                match &c.test {
                    Test::Cel(e) => {
                        let _ = writeln!(
                            md,
                            "- for each `{}`{at}{sev}:\n  ```cel\n  {}\n  ```",
                            c.for_each.pattern,
                            e.source.trim().replace('\n', "\n  ")
                        );
                    }
                    Test::Schema(_, schema) => {
                        let _ = writeln!(
                            md,
                            "- for each `{}`{at}{sev}, the item must satisfy the JSON Schema:\n  ```json\n  {schema}\n  ```",
                            c.for_each.pattern
                        );
                    }
                }
            }
        } else {
            let _ = writeln!(md, "\n*Checked by anzen itself while reading the files.*");
        }
    }
    md
}

//! The rule catalogue itself: complete, well-formed metadata for every rule.

use anzen::document::schemas::Schemas;
use anzen::rules::catalog::Catalog;

fn catalog() -> Catalog {
    Catalog::builtin(&Schemas::load().unwrap()).unwrap()
}

#[test]
fn every_rule_is_complete() {
    let catalog = catalog();
    assert!(!catalog.is_empty());
    for rule in catalog.iter() {
        let id = rule.id();
        let info = &rule.info;
        assert!(
            id.len() == 7 && id.as_bytes()[3] == b'-' && id[..3].chars().all(|c| c.is_ascii_uppercase()),
            "{id}: malformed id"
        );
        assert!(info.title.is_complete(), "{id}: needs ja and en title");
        assert!(rule.description.is_complete(), "{id}: needs ja and en description");
        assert!(info.remediation.is_complete(), "{id}: needs ja and en remediation");
        assert!(!rule.kinds.is_empty(), "{id}: names no kind");
        if !id.starts_with("DOC-") {
            assert!(!info.references.is_empty(), "{id}: needs references");
            assert!(!rule.checks.is_empty(), "{id}: has no checks");
        }
    }
}

#[test]
fn rule_names_are_unique_kebab_case() {
    let catalog = catalog();
    let mut names = std::collections::HashSet::new();
    for rule in catalog.iter() {
        let name = &rule.info.name;
        assert!(
            name.split('-')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
            "{}: name `{name}` is not kebab-case",
            rule.id()
        );
        assert!(names.insert(name.clone()), "{}: name `{name}` is used twice", rule.id());
    }
}

#[test]
fn docs_rules_md_is_up_to_date() {
    let generated = anzen::commands::explain::markdown(&catalog());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/rules.md is stale: regenerate it with `cargo run -- rules --format markdown > docs/rules.md`"
    );
}

#[test]
fn checklist_r7_and_rule_references_agree() {
    use anzen::assess::checklist::Checklist;
    use std::collections::BTreeSet;
    let catalog = catalog();
    let checklist = Checklist::edition("R7").unwrap();
    let mut from_file = BTreeSet::new();
    for item in checklist.items() {
        assert!(item.attest || !item.rules.is_empty(), "R7 {}: needs rules or attest: true", item.item);
        assert!(item.text.is_complete(), "R7 {}: needs ja and en text", item.item);
        for kind in &item.evidence {
            assert!(
                anzen::document::model::Kind::parse(kind).is_some(),
                "R7 {}: unknown evidence kind {kind}",
                item.item
            );
        }
        for rule in &item.rules {
            assert!(catalog.get(rule).is_some(), "R7 {}: names unknown rule {rule}", item.item);
            from_file.insert((item.item.clone(), rule.clone()));
        }
    }
    let mut from_rules = BTreeSet::new();
    for rule in catalog.iter() {
        for c in rule.info.references.checklist.iter().filter(|c| c.edition == "R7") {
            from_rules.insert((c.item.clone(), rule.id().to_owned()));
        }
    }
    let only_rules: Vec<_> = from_rules.difference(&from_file).collect();
    let only_file: Vec<_> = from_file.difference(&from_rules).collect();
    assert!(
        only_rules.is_empty(),
        "rules cite R7 items the checklist file does not list them under: {only_rules:?}"
    );
    assert!(only_file.is_empty(), "the checklist file lists rules that do not cite the item: {only_file:?}");
    let keys: Vec<&str> = checklist.sections.iter().flat_map(|s| &s.items).map(|i| i.item.as_str()).collect();
    assert_eq!(keys.len(), 18, "the R7 hospital form: 1①, 2①–2⑬, 3①–3③, 4①: {keys:?}");
}

#[test]
fn the_catalogue_is_exactly_specs() {
    let spec_ids = [
        "DOC-001", "DOC-002", "DOC-003", "DOC-004", "DOC-005", "DOC-006", "DOC-007", "DOC-008", "DOC-009",
        "DOC-010", "GOV-001", "GOV-002", "GOV-003", "GOV-004", "GOV-005", "GOV-006", "INC-001", "INC-002",
        "INC-003", "BCP-001", "BCP-002", "BCP-003", "AST-001", "AST-002", "AST-003", "AST-004", "NET-001",
        "NET-002", "NET-003", "NET-004", "NET-005", "NET-006", "NET-007", "NET-008", "NET-009", "NET-010",
        "PAT-001", "PAT-002", "PAT-003", "AUT-001", "AUT-002", "AUT-003", "AUT-004", "AUT-005", "AUT-006",
        "AUT-007", "LOG-001", "USB-001", "SVC-001", "SVC-002", "MAL-001", "MAL-002", "VEN-001", "VEN-002",
        "VEN-003", "VEN-004", "BAK-001", "BAK-002", "BAK-003", "BAK-004", "BAK-005", "BAK-006", "BAK-007",
        "BAK-008", "BAK-009",
    ];
    let catalog = catalog();
    let mut ours: Vec<&str> = catalog.iter().map(|r| r.id()).collect();
    ours.sort_unstable();
    let mut spec = spec_ids.to_vec();
    spec.sort_unstable();
    assert_eq!(ours, spec);
}

#[test]
fn survey_items_and_rule_survey_rates_agree() {
    // `rules/surveys/` decides the survey answers and which rate a finding
    // prints (in its base); a rule's own `survey:` citation must name a rate
    // of an item that lists it (PAT-001 has two: 74% and 61%).
    let catalog = catalog();
    let survey = anzen::assess::survey::Survey::builtin().unwrap();
    for item in &survey.items {
        for id in item.rules.iter().chain(&item.cited_by) {
            assert!(catalog.get(id).is_some(), "survey {} names unknown rule {id}", item.key);
        }
    }
    for rule in catalog.iter() {
        if let Some(s) = &rule.info.survey {
            let items: Vec<&anzen::assess::survey::SurveyItem> = survey
                .items
                .iter()
                .filter(|i| i.rules.iter().chain(&i.cited_by).any(|r| r == rule.id()))
                .collect();
            assert!(
                items.iter().any(|i| i.rate == s.rate),
                "{} cites the survey rate {}% which rules/surveys does not give it",
                rule.id(),
                s.rate
            );
        }
    }
}

#[test]
fn thresholds_called_anzen_defaults_are_the_defaults() {
    // Messages say 「anzen の既定値」 / "anzen default" when a threshold is at
    // its default (`policy.NAME == N ? …`), and 「設定値」 / "configured" when
    // a hospital changed it: every N written so must be the real default.
    let defaults = anzen::pipeline::config::Policy::default().to_json();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
    {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for (at, _) in text.match_indices("policy.") {
            let rest = &text[at + "policy.".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let Some(value) = rest[name.len()..].strip_prefix(" == ") else { continue };
            let n: String = value.chars().take_while(char::is_ascii_digit).collect();
            assert!(
                value[n.len()..].starts_with(" ?"),
                "{}: `policy.{name} == …` must compare with a number",
                entry.path().display()
            );
            assert_eq!(
                defaults[&name].as_i64(),
                n.parse::<i64>().ok(),
                "{}: policy.{name} is compared with {n}, but its default is {}",
                entry.path().display(),
                defaults[&name]
            );
            seen += 1;
        }
    }
    assert!(seen >= 10, "the rules word their thresholds as anzen's defaults ({seen} found)");
}

/// Issue 17.9: the Japanese description and remediation of every rule are
/// sentences ending with 「。」 (titles are headings and have none).
#[test]
fn japanese_descriptions_and_remediations_end_with_a_full_stop() {
    let mut bad = Vec::new();
    for rule in catalog().iter() {
        for (what, text) in
            [("description", &rule.description.ja), ("remediation", &rule.info.remediation.ja)]
        {
            if !text.trim_end().ends_with('。') {
                bad.push(format!(
                    "{} {what}: …{}",
                    rule.id(),
                    text.chars().rev().take(20).collect::<String>()
                ));
            }
        }
        if rule.info.title.ja.ends_with('。') {
            bad.push(format!("{} title ends with 。", rule.id()));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

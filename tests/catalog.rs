//! The rule catalogue itself: complete, well-formed metadata for every rule.

use anzen::catalog::Catalog;
use anzen::validate::Schemas;

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
    let generated = anzen::explain::markdown(&catalog());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/rules.md is stale: regenerate it with `cargo run -- rules --format markdown > docs/rules.md`"
    );
}

//! Every rule's fixtures: `fixtures/rules/<ID>/{pass,fail}/` (and any other
//! scenario folder beside them) are run through the real binary (`anzen check
//! DIR --format json`, as of 2025-06-30 unless the folder has its own
//! anzen.yaml, whose `as_of` then applies).
//!
//! Markers: a line carrying `# expect: RULE` (or `RULE(severity)`, several
//! separated by commas) must be exactly where a finding of RULE points, with
//! that severity (default: the rule's). For every rule named by a marker, and
//! for the folder's own rule, findings and markers must match line for line.
//! No other DOC finding may occur unless marked. `pass/` folders must give no
//! finding of their rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{check_json, repo, same_both_ways};

/// (file, line, rule, severity)
type Hit = (String, u64, String, String);

fn markers(dir: &Path, defaults: &BTreeMap<String, String>) -> BTreeSet<Hit> {
    let mut out = BTreeSet::new();
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        let rel = entry.strip_prefix(repo()).unwrap().to_string_lossy().replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            let Some((_, list)) = line.split_once("# expect:") else { continue };
            for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (rule, sev) = match item.split_once('(') {
                    Some((r, s)) => (r.trim().to_owned(), s.trim_end_matches(')').trim().to_owned()),
                    None => (
                        item.to_owned(),
                        defaults
                            .get(item)
                            .cloned()
                            .unwrap_or_else(|| panic!("{rel}:{}: unknown rule {item}", i + 1)),
                    ),
                };
                out.insert((rel.clone(), i as u64 + 1, rule, sev));
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn hits(json: &Value) -> BTreeSet<Hit> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn rule_defaults() -> BTreeMap<String, String> {
    let out = crate::support::anzen(&["rules", "--format", "json"]);
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r["severity"].as_str().unwrap().to_owned()))
        .collect()
}

/// Checks one fixture folder; returns problems (empty when it conforms).
fn check_folder(rule: &str, dir: &Path, pass: bool, defaults: &BTreeMap<String, String>) -> Vec<String> {
    let rel = dir.strip_prefix(repo()).unwrap().to_string_lossy().replace('\\', "/");
    // A folder's own anzen.yaml may set `as_of`; otherwise 2025-06-30.
    let own_config = std::fs::read_to_string(dir.join("anzen.yaml")).is_ok_and(|t| t.contains("as_of:"));
    let json = if own_config {
        let out =
            crate::support::anzen(&["check", &rel, "--format", "json", "--lang", "en", "--fail-on", "never"]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{rel}: {e}\n{}", crate::support::stderr(&out)))
    } else {
        check_json(&rel, &["--fail-on", "never"]).1
    };
    let found = hits(&json);
    let expected = markers(dir, defaults);
    let mut problems = Vec::new();
    let mut judged: BTreeSet<String> = expected.iter().map(|h| h.2.clone()).collect();
    judged.insert(rule.to_owned());
    for h in &found {
        let marked = expected.contains(h);
        if !marked && (judged.contains(&h.2) || h.2.starts_with("DOC-")) {
            problems.push(format!("unexpected {} ({}) at {}:{}", h.2, h.3, h.0, h.1));
        }
    }
    for h in &expected {
        if !found.contains(h) {
            problems.push(format!("missing {} ({}) at {}:{}", h.2, h.3, h.0, h.1));
        }
    }
    if pass && found.iter().any(|h| h.2 == rule) {
        problems.push(format!("{rel}: a pass/ folder produced {rule}"));
    }
    if !pass && !found.iter().any(|h| h.2 == rule) {
        problems.push(format!("{rel}: a fail/ folder produced no {rule}"));
    }
    if !problems.is_empty() {
        let all: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "    {}:{}:{} {} {} — {}",
                    f["file"], f["line"], f["column"], f["rule"], f["severity"], f["message"]
                )
            })
            .collect();
        problems.push(format!("  all findings in {rel}:\n{}", all.join("\n")));
    }
    problems
}

#[test]
fn every_rule_fixture_matches_its_markers() {
    let defaults = rule_defaults();
    let root = repo().join("fixtures/rules");
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        // `pass*` folders must not produce the rule; every other folder
        // (`fail`, or a named scenario such as `after-deadline`) must.
        let mut scenarios: Vec<PathBuf> =
            std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        scenarios.sort();
        for folder in scenarios {
            let pass = folder.file_name().unwrap().to_string_lossy().starts_with("pass");
            problems.extend(check_folder(&rule, &folder, pass, &defaults));
            checked += 1;
        }
    }
    assert!(checked > 0, "no fixtures found under {}", root.display());
    assert!(problems.is_empty(), "{} fixture problem(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn every_rule_has_pass_and_fail_fixtures() {
    let root = repo().join("fixtures/rules");
    let missing: Vec<String> = rule_defaults()
        .keys()
        .filter(|id| !root.join(id).join("pass").is_dir() || !root.join(id).join("fail").is_dir())
        .cloned()
        .collect();
    assert!(missing.is_empty(), "rules without fixtures/rules/<ID>/pass and fail: {missing:?}");
}

#[test]
fn fixture_folders_name_existing_rules() {
    let defaults = rule_defaults();
    for e in std::fs::read_dir(repo().join("fixtures/rules")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(defaults.contains_key(&name), "fixtures/rules/{name} names no rule");
    }
}

#[test]
fn the_fast_path_and_the_interpreter_agree_on_every_fixture() {
    // Every rule's pass and fail fixtures and the example hospital, in both
    // languages: same findings, messages and locations either way.
    for lang in ["en", "ja"] {
        for path in ["fixtures/rules", "fixtures/example-hospital"] {
            let out = same_both_ways(
                &repo(),
                &["check", path, "--format", "json", "--lang", lang, "--as-of", "2025-06-30"],
            );
            let json: Value = serde_json::from_str(&out).unwrap();
            assert!(json["findings"].as_array().unwrap().len() > 10, "{path}: findings expected");
        }
    }
}

#[test]
fn without_medical_information_systems_only_doc_rules_apply() {
    // SPEC §2 (r2): the checklist's opening question answered いいえ exempts
    // every item, 1① included. The fixture's documents are full of gaps.
    let dir = repo().join("fixtures/rules/GOV-001/pass/no-medical-systems");
    let args =
        ["check", ".", "--format", "json", "--lang", "en", "--as-of", "2025-06-30", "--fail-on", "never"];
    let rules_found = |out: &str| -> BTreeSet<String> {
        let json: Value = serde_json::from_str(out).unwrap();
        json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect()
    };
    let found = rules_found(&same_both_ways(&dir, &args));
    assert!(found.contains("DOC-006"), "DOC-* still apply: {found:?}");
    assert!(found.iter().all(|r| r.starts_with("DOC-")), "only DOC-* may apply: {found:?}");

    // The same documents answering はい: the gaps are found.
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let flipped =
            text.replace("uses_medical_information_systems: false", "uses_medical_information_systems: true");
        std::fs::write(tmp.path().join(e.file_name()), flipped).unwrap();
    }
    let found = rules_found(&same_both_ways(tmp.path(), &args));
    for rule in ["GOV-001", "AST-003", "USB-001", "NET-002", "NET-005", "BAK-002"] {
        assert!(found.contains(rule), "{rule} expected with medical systems: {found:?}");
    }
}

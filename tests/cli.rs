//! The real binary on the bundled example hospital and on small temporary
//! trees: formats, languages, exit codes, configuration.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::{anzen, anzen_in, check_json, stderr, stdout};

const EXAMPLE: &str = "fixtures/example-hospital";

fn rules_and_lines(json: &Value) -> Vec<(String, String, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file =
                f["file"].as_str().unwrap().trim_start_matches("fixtures/example-hospital/").to_owned();
            (f["rule"].as_str().unwrap().to_owned(), file, f["line"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn example_hospital_shows_its_planted_gaps() {
    let (code, json) = check_json(EXAMPLE, &[]);
    assert_eq!(code, 1, "errors make exit 1");
    let found = rules_and_lines(&json);
    // Exactly the gaps listed in fixtures/example-hospital/README.md.
    let planted = [
        ("AUT-005", "accounts/ehr-accounts.yaml", 22),
        ("PAT-001", "assets/clients.yaml", 58),
        ("AST-003", "assets/clients.yaml", 97),
        ("PAT-002", "assets/network.yaml", 33),
        ("BAK-002", "backups.yaml", 29),
        ("BAK-003", "backups.yaml", 30),
        ("BAK-004", "backups.yaml", 30),
        ("BAK-005", "backups.yaml", 30),
        ("NET-005", "network.yaml", 120),
        ("AUT-001", "systems.yaml", 16),
        ("AUT-001", "systems.yaml", 146),
        ("AUT-003", "systems.yaml", 152),
        ("VEN-001", "vendors.yaml", 21),
        ("VEN-004", "vendors.yaml", 28),
    ];
    let planted: Vec<(String, String, u64)> =
        planted.iter().map(|(r, f, l)| ((*r).to_owned(), (*f).to_owned(), *l)).collect();
    assert_eq!(found, planted);
    assert_eq!(json["summary"]["error"], 11);
    assert_eq!(json["summary"]["warning"], 3);
    assert!(found.iter().all(|(r, _, _)| !r.starts_with("DOC-")), "the example must be valid: {found:?}");
    assert_eq!(json["facilities"][0]["name"], "医療法人さくら会 さくら記念病院");
    assert_eq!(json["summary"]["files"], 9);
}

#[test]
fn json_output_has_the_documented_shape() {
    let (_, json) = check_json(EXAMPLE, &[]);
    assert_eq!(json["schema_version"], 2);
    assert_eq!(json["tool"]["name"], "anzen");
    assert_eq!(json["as_of"], "2025-06-30");
    let f = &json["findings"][0];
    for key in [
        "rule",
        "name",
        "severity",
        "file",
        "line",
        "column",
        "pointer",
        "facility",
        "message",
        "checklist",
        "guideline",
    ] {
        assert!(f.get(key).is_some(), "finding lacks `{key}`: {f}");
    }
    let bak2 = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "BAK-002").unwrap();
    assert_eq!(bak2["column"], 18);
    assert_eq!(bak2["pointer"], "/backups/1/generations");
    assert_eq!(bak2["facility"], EXAMPLE);
    // r2: BAK-002 is a guideline threshold; it decides no checklist item (3② is BAK-001, BAK-006).
    assert_eq!(bak2["checklist"], serde_json::json!([]));
    let pat2 = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "PAT-002").unwrap();
    assert_eq!(pat2["checklist"], serde_json::json!(["2⑥"]));
    assert_eq!(bak2["guideline"][0], "システム運用編 18①");
    for key in ["files", "documents", "error", "warning", "info"] {
        assert!(json["summary"][key].is_u64(), "summary lacks {key}");
    }
}

#[test]
fn findings_are_sorted_by_file_line_column_rule() {
    let (_, json) = check_json(EXAMPLE, &[]);
    let keys: Vec<(String, u64, u64, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn output_is_the_same_on_one_or_four_threads() {
    let one = anzen(&["check", EXAMPLE, "--format", "json", "--as-of", "2025-06-30", "--jobs", "1"]);
    let four = anzen(&["check", EXAMPLE, "--format", "json", "--as-of", "2025-06-30", "--jobs", "4"]);
    assert_eq!(stdout(&one), stdout(&four));
}

fn human(lang: &str) -> String {
    let out = anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--lang", lang, "--select", "BAK"]);
    assert_eq!(out.status.code(), Some(1));
    stdout(&out)
}

#[test]
fn human_output_in_english() {
    insta::assert_snapshot!(human("en"));
}

#[test]
fn human_output_in_japanese() {
    insta::assert_snapshot!(human("ja"));
}

#[test]
fn japanese_is_the_default_language() {
    let out = anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--select", "BAK-002"]);
    assert!(stdout(&out).contains("世代数"), "{}", stdout(&out));
}

#[test]
fn fail_on_decides_the_exit_code() {
    let never = anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--fail-on", "never"]);
    assert_eq!(never.status.code(), Some(0));
    let only_info = anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--select", "BAK-008"]);
    assert_eq!(only_info.status.code(), Some(0), "no BAK-008 finding: clean");
    let warn =
        anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--select", "BAK-003", "--fail-on", "warning"]);
    assert_eq!(warn.status.code(), Some(1));
    let err = anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--select", "BAK-003"]);
    assert_eq!(err.status.code(), Some(0), "a warning does not fail --fail-on error");
}

#[test]
fn select_and_ignore_filter_rules() {
    let (_, json) = check_json(EXAMPLE, &["--select", "BAK-002"]);
    assert!(rules_and_lines(&json).iter().all(|(r, _, _)| r == "BAK-002"));
    let (_, json) = check_json(EXAMPLE, &["--ignore", "BAK"]);
    assert!(rules_and_lines(&json).iter().all(|(r, _, _)| !r.starts_with("BAK")));
    let bad = anzen(&["check", EXAMPLE, "--select", "NOPE-1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("NOPE-1"));
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let out = anzen(&[
        "check",
        EXAMPLE,
        "--as-of",
        "2025-06-30",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let json: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    assert!(json["findings"].as_array().unwrap().len() >= 4);
}

#[test]
fn bad_arguments_exit_2() {
    let out = anzen(&["check", EXAMPLE, "--as-of", "2025-13-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--as-of"));
    let out = anzen(&["check", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/dir"));
    let out = anzen(&["check", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

const FACILITY: &str = "apiVersion: anzen/v1\nkind: Facility\nname: T病院\nbeds: 50\nuses_medical_information_systems: true\ngovernance: {}\n";
const SYSTEMS: &str = "apiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n  - {id: s1, name: 電子カルテ, category: ehr, patient_data: true}\n";
const BACKUPS: &str = "apiVersion: anzen/v1\nkind: BackupPlan\nbackups:\n  - id: b1\n    system: s1\n    generations: 2\n    copies: [{id: c1, media: nas, offline: false}]\n";

fn hospital() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "facility.yaml", FACILITY);
    write(dir.path(), "systems.yaml", SYSTEMS);
    write(dir.path(), "backups.yaml", BACKUPS);
    dir
}

fn check_in(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["check", ".", "--format", "json", "--lang", "en", "--as-of", "2025-06-30"];
    args.extend_from_slice(extra);
    let out = anzen_in(dir, &args);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr(&out))
}

fn rules(json: &Value) -> Vec<String> {
    json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn config_policy_rules_and_as_of_apply() {
    let dir = hospital();
    let (_, json, _) = check_in(dir.path(), &[]);
    assert!(rules(&json).contains(&"BAK-002".to_owned()));
    write(
        dir.path(),
        "anzen.yaml",
        "apiVersion: anzen/v1\nkind: Config\nas_of: 2025-01-01\npolicy:\n  min_backup_generations: 2\nrules:\n  BAK-005: off\n  BAK-004: warning\n",
    );
    let out = anzen_in(dir.path(), &["check", ".", "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["as_of"], "2025-01-01", "as_of comes from the config");
    let found = rules(&json);
    assert!(!found.contains(&"BAK-002".to_owned()), "policy lowered the threshold: {found:?}");
    assert!(!found.contains(&"BAK-005".to_owned()), "BAK-005 is off: {found:?}");
    let bak4 = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "BAK-004").unwrap();
    assert_eq!(bak4["severity"], "warning");
}

#[test]
fn a_bad_config_is_exit_2_pointing_into_it() {
    let dir = hospital();
    write(
        dir.path(),
        "anzen.yaml",
        "apiVersion: anzen/v1\nkind: Config\npolicy:\n  min_backup_generation: 2\n",
    );
    let (code, _, err) = check_in(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("anzen.yaml:4:3"), "{err}");
    assert!(err.contains("min_backup_generations"), "did-you-mean: {err}");
    write(dir.path(), "anzen.yaml", "apiVersion: anzen/v1\nkind: Config\nrules:\n  BAK-099: off\n");
    let (code, _, err) = check_in(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("BAK-099") && err.contains("anzen.yaml:4:3"), "{err}");
}

#[test]
fn a_named_file_without_anzen_documents_is_doc_003() {
    let dir = hospital();
    write(dir.path(), "other.yaml", "name: ci\non: [push]\n");
    let (code, json, _) = {
        let out = anzen_in(dir.path(), &["check", "other.yaml", "--format", "json", "--lang", "en"]);
        (out.status.code().unwrap(), serde_json::from_str::<Value>(&stdout(&out)).unwrap(), ())
    };
    assert_eq!(code, 1);
    assert_eq!(rules(&json), ["DOC-003"]);
}

#[test]
fn one_broken_file_does_not_hide_the_others() {
    let dir = hospital();
    write(dir.path(), "broken.yaml", "apiVersion: anzen/v1\nkind: AssetLedger\nassets: [\n");
    let (code, json, _) = check_in(dir.path(), &[]);
    assert_eq!(code, 1, "findings are never exit 2");
    let found = rules(&json);
    assert!(found.contains(&"DOC-001".to_owned()) && found.contains(&"BAK-002".to_owned()), "{found:?}");
    assert_eq!(json["summary"]["unreadable_files"], 1);
    let (_, json, _) = check_in(dir.path(), &["--select", "BAK-002"]);
    assert!(rules(&json).contains(&"DOC-001".to_owned()), "DOC-001 is never filtered out");
}

#[test]
fn user_rules_run_beside_the_builtin_ones() {
    let dir = hospital();
    write(
        dir.path(),
        "my-rules/XYZ-001.yaml",
        r#"id: XYZ-001
name: backup-too-old-for-us
severity: warning
kinds: [BackupPlan]
title: {ja: 自院ルール, en: House rule}
description: {ja: 世代数が 10 未満, en: fewer than ten generations}
message: {ja: "世代数 ${item.generations}", en: "generations ${item.generations}, ${days_since('2025-06-01')} days"}
remediation: {ja: 増やす, en: keep more}
references: {other: [house policy]}
checks:
  - for_each: backups/*
    condition: item.generations < 10 && within_days('2025-06-01', 60)
    at: generations
"#,
    );
    let (code, json, err) = check_in(dir.path(), &["--rules", "my-rules"]);
    assert_eq!(code, 1, "{err}");
    let mine = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "XYZ-001")
        .expect("user rule fired");
    assert_eq!(mine["line"], 6);
    assert_eq!(mine["message"], "generations 2, 29 days");
}

#[test]
fn a_broken_user_rule_is_exit_2_pointing_into_it() {
    let dir = hospital();
    write(
        dir.path(),
        "my-rules/XYZ-002.yaml",
        "id: XYZ-002\nname: broken\nseverity: error\nkinds: [BackupPlan]\ntitle: {ja: a, en: a}\ndescription: {ja: a, en: a}\nmessage: {ja: a, en: a}\nremediation: {ja: a, en: a}\nreferences: {}\nchecks:\n  - for_each: backups/*\n    condition: item.generations >= && true\n",
    );
    let (code, _, err) = check_in(dir.path(), &["--rules", "my-rules"]);
    assert_eq!(code, 2);
    assert!(err.contains("XYZ-002.yaml:12:"), "{err}");
    assert!(err.contains("invalid CEL"), "{err}");
}

#[test]
fn a_broken_message_in_a_user_rule_is_reported_at_load() {
    // Built-in messages compile on first use; user rules' compile at once,
    // so a mistake shows even when no finding needs the message.
    let dir = hospital();
    write(
        dir.path(),
        "my-rules/XYZ-003.yaml",
        "id: XYZ-003\nname: broken-message\nseverity: error\nkinds: [BackupPlan]\ntitle: {ja: a, en: a}\ndescription: {ja: a, en: a}\nmessage:\n  ja: \"a ${item.id +}\"\n  en: a\nremediation: {ja: a, en: a}\nreferences: {}\nchecks:\n  - for_each: backups/*\n    condition: \"false\"\n",
    );
    let (code, _, err) = check_in(dir.path(), &["--rules", "my-rules"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("XYZ-003.yaml:8:"), "{err}");
    assert!(err.contains("invalid CEL"), "{err}");
}

#[test]
fn schema_explain_and_rules_commands() {
    let out = anzen(&["schema", "AssetLedger"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(schema["$id"].as_str().unwrap().ends_with("asset-ledger.schema.json"));
    assert_eq!(anzen(&["schema", "nope"]).status.code(), Some(2));
    let all: Value = serde_json::from_str(&stdout(&anzen(&["schema"]))).unwrap();
    assert!(all.get("backup-plan").is_some() && all.get("config").is_some());

    let out = anzen(&["explain", "BAK-002", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("Fewer than three backup generations"));
    // No checklist item (r2), and the survey rate with its base and subject.
    assert!(!text.contains("checklist R7 3②"), "{text}");
    assert!(
        text.contains("among hospitals backing up their EHR): 65% (findings on the EHR's backups)"),
        "{text}"
    );
    assert!(text.contains("Fails (fixtures/rules/BAK-002/fail/backups.yaml)"), "{text}");
    assert!(text.contains("generations: 2  ◀") && !text.contains("# expect"), "{text}");
    assert!(text.contains("Passes (fixtures/rules/BAK-002/pass/backups.yaml)"), "{text}");
    let out = anzen(&["explain", "BAK-02"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("BAK-002"), "suggests the closest id");

    let out = anzen(&["rules", "--lang", "en"]);
    assert!(stdout(&out).lines().any(|l| l.starts_with("BAK-002")));
}

#[test]
fn no_medical_systems_switches_off_all_but_doc() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facility.yaml",
        "apiVersion: anzen/v1\nkind: Facility\nname: 診療所\nbeds: 19\nuses_medical_information_systems: false\ngovernance: {}\n",
    );
    write(dir.path(), "systems.yaml", SYSTEMS);
    write(dir.path(), "backups.yaml", BACKUPS);
    write(dir.path(), "bad.yaml", "apiVersion: anzen/v1\nkind: BackupPlan\nbackups: 7\n");
    let (_, json, _) = check_in(dir.path(), &[]);
    let mut found = rules(&json);
    found.sort();
    found.dedup();
    // SPEC §2 (r2): only DOC-*, 1① (GOV-001) included.
    assert_eq!(found, ["DOC-002"]);
}

#[test]
fn user_rules_can_use_every_helper_function() {
    let dir = hospital();
    write(
        dir.path(),
        "facility.yaml",
        &format!(
            "{FACILITY}authentication:\n  password: {{min_length: 13}}\n  mfa: {{enabled: true, factors: [knowledge, possession]}}\n"
        ),
    );
    let condition = [
        "days_since('2025-06-01') == 29",
        "within_days('2025-06-01', 29) && !within_days('2025-06-01', 28)",
        "older_than_days('2025-06-01', 28)",
        "days_between('2025-06-01', '2025-06-30') == 29",
        "add_days('2025-06-30', 1) == '2025-07-01'",
        "is_date('2025-06-30') && !is_date('2025-02-30')",
        "has_path(item, 'copies.0.media') && get_path(item, 'restore.procedure', 'none') == 'none'",
        "distinct_count(['a', 'b', 'a']) == 2",
        "latest(['2024-01-01', '2025-01-01']) == '2025-01-01' && earliest([3, 1]) == 1",
        "join(['a', 'b'], '・') == 'a・b'",
        "mfa_enabled(effective_auth(systems[0], facility).mfa)",
        "effective_auth(systems[0], facility).password.min_length == 13",
        "is_any_address('0.0.0.0/0') && is_address('10.0.0.0/8') && !is_address('x')",
        "documents.BackupPlan.size() == 1 && owner == item && document.kind == 'BackupPlan'",
        "as_of == '2025-06-30' && policy.min_backup_generations == 3",
    ]
    .join(" && ");
    write(
        dir.path(),
        "my-rules/XYZ-003.yaml",
        &format!(
            "id: XYZ-003\nname: every-helper\nseverity: info\nkinds: [BackupPlan]\ntitle: {{ja: a, en: a}}\ndescription: {{ja: a, en: a}}\nmessage: {{ja: a, en: a}}\nremediation: {{ja: a, en: a}}\nreferences: {{other: [test]}}\nchecks:\n  - for_each: backups/*\n    condition: \"{condition}\"\n"
        ),
    );
    let (code, json, err) = check_in(dir.path(), &["--rules", "my-rules", "--select", "XYZ"]);
    assert_eq!(code, 0, "{err}");
    let mine: Vec<&Value> =
        json["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "XYZ-003").collect();
    assert_eq!(mine.len(), 1, "{json}");
    assert_eq!(mine[0]["message"], "a", "the condition held (no evaluation error): {}", mine[0]);
}

#[test]
fn a_run_that_checks_nothing_is_exit_2_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("empty")).unwrap();
    write(dir.path(), "foreign/workflow.yaml", "name: ci\non: [push]\n");
    for path in ["empty", "foreign"] {
        for command in ["check", "report", "stats"] {
            for (lang, said) in [("ja", "anzen の文書がありません"), ("en", "no anzen document")] {
                let out = anzen_in(dir.path(), &[command, path, "--lang", lang]);
                let err = stderr(&out);
                assert_eq!(out.status.code(), Some(2), "{command} {path}: {err}");
                assert!(err.contains(said) && err.contains(path), "{command} {path} {lang}: {err}");
                assert!(!err.contains("anzen::"), "no internal codes: {err}");
            }
        }
    }
    // LANG decides when --lang is absent.
    let out = crate::support::anzen_env(dir.path(), &["check", "empty"], &[("LANG", "en_US.UTF-8")]);
    assert!(stderr(&out).contains("no anzen document"), "{}", stderr(&out));
    // A directory of broken YAML has findings: DOC-001, exit 1, never 2.
    write(dir.path(), "broken/a.yaml", "a: [\n");
    write(dir.path(), "broken/b.yaml", "apiVersion: anzen/v1\nkind: AssetLedger\nassets: [\n");
    let out = anzen_in(dir.path(), &["check", "broken", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rules(&json), ["DOC-001", "DOC-001"]);
}

/// (rule, line) of each finding in `json`.
fn rules_at(json: &Value) -> Vec<(String, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_owned(), f["line"].as_u64().unwrap()))
        .collect()
}

#[test]
fn one_mistake_is_one_finding() {
    let dir = hospital();
    let ehr = "apiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n  - {id: s1, name: 電子カルテ, category: ehr, patient_data: true}\n";
    write(dir.path(), "systems.yaml", ehr);
    let plan = |generations: &str| {
        format!(
            "apiVersion: anzen/v1\nkind: BackupPlan\nbackups:\n  - id: b1\n    system: s1\n{generations}    copies:\n      - {{id: c1, media: nas, offline: false}}\n      - {{id: c2, media: tape, offline: true}}\n      - {{id: c3, media: cloud, offline: false}}\n"
        )
    };
    let backups_findings = |json: &Value| -> Vec<(String, u64)> {
        rules_at(json)
            .into_iter()
            .zip(json["findings"].as_array().unwrap())
            .filter(|(_, f)| f["file"] == "backups.yaml")
            .map(|(r, _)| r)
            .filter(|(r, _)| ["DOC-002", "BAK-002", "BAK-008"].contains(&r.as_str()))
            .collect()
    };
    // The misspelling: one DOC-002 at the typo, with the hint; no
    // "missing" DOC-002, no BAK-002 / BAK-008 for the value it hides.
    write(dir.path(), "backups.yaml", &plan("    generation: 7\n"));
    let json: Value = serde_json::from_str(&crate::support::same_both_ways(
        dir.path(),
        &["check", ".", "--format", "json", "--lang", "en", "--as-of", "2025-06-30"],
    ))
    .unwrap();
    assert_eq!(backups_findings(&json), [("DOC-002".to_owned(), 6)], "{json}");
    let doc2 = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "DOC-002").unwrap();
    assert_eq!(doc2["message"], "unknown key `generation`");
    assert!(doc2["help"].as_str().unwrap().contains("did you mean `generations`?"), "{doc2}");
    // The wrong type and the missing key: DOC-002 alone as well.
    for (text, line) in [("    generations: seven\n", 6), ("", 4)] {
        write(dir.path(), "backups.yaml", &plan(text));
        let (_, json, _) = check_in(dir.path(), &[]);
        assert_eq!(backups_findings(&json), [("DOC-002".to_owned(), line)], "{text:?}: {json}");
    }
    // A correct value below the policy is still BAK-002's.
    write(dir.path(), "backups.yaml", &plan("    generations: 2\n"));
    let (_, json, _) = check_in(dir.path(), &[]);
    let found: Vec<String> = backups_findings(&json).into_iter().map(|(r, _)| r).collect();
    assert_eq!(found, ["BAK-002", "BAK-008"], "{json}");
    // An unknown key beside the real one is not a misspelling of it.
    write(dir.path(), "backups.yaml", &plan("    generations: 2\n    generation: 2\n"));
    let (_, json, _) = check_in(dir.path(), &[]);
    let found: Vec<String> = backups_findings(&json).into_iter().map(|(r, _)| r).collect();
    assert_eq!(found, ["BAK-002", "BAK-008", "DOC-002"], "{json}");
}

#[test]
fn as_of_reads_the_dates_import_reads() {
    for date in ["2025-06-30", "2025/6/30", "令和7年6月30日", "R7.6.30"] {
        let (code, json) = check_json(EXAMPLE, &["--as-of", date]);
        assert_eq!((code, json["as_of"].as_str()), (1, Some("2025-06-30")), "{date}");
    }
    let out = anzen(&["check", EXAMPLE, "--as-of", "令和7年2月30日"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--as-of"), "{}", stderr(&out));
}

#[test]
fn usage_errors_follow_the_language_and_explain_takes_any_case_or_a_name() {
    let out = anzen(&["explain", "bak-02"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("`bak-02` というルールはありません（BAK-002 ではありませんか）"), "{err}");
    assert!(!err.contains("anzen::"), "{err}");
    let out = anzen(&["explain", "bak-02", "--lang", "en"]);
    assert!(stderr(&out).contains("no rule `bak-02` (did you mean BAK-002?)"), "{}", stderr(&out));
    for id in ["bak-002", "BAK-002", "too-few-generations"] {
        let out = anzen(&["explain", id, "--lang", "en"]);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        assert!(stdout(&out).starts_with("BAK-002 too-few-generations"), "{id}: {}", stdout(&out));
    }
    let out = anzen(&["explain", "orphaned-account"]);
    assert!(stdout(&out).starts_with("AUT-005 orphaned-account"), "{}", stdout(&out));
    let out = anzen(&["check", EXAMPLE, "--format", "json", "--format", "sarif"]);
    assert!(
        stderr(&out).contains("標準出力（または --output）に出せる --format は一つだけです"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let commands: [&[&str]; 7] = [
        &["rules"],
        &["explain", "BAK-002"],
        &["schema"],
        &["check", EXAMPLE, "--as-of", "2025-06-30"],
        &["--help"],
        &["check", "--help"],
        &["report", EXAMPLE, "--as-of", "2025-06-30"],
    ];
    for args in commands {
        // The reading end is closed before anzen starts: every write fails.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_anzen"))
            .args(args)
            .current_dir(crate::support::repo())
            .env_remove("LANG")
            .stdout(writer)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(!err.to_lowercase().contains("broken pipe") && err.is_empty(), "{args:?}: {err}");
        let expected = if args == ["check", EXAMPLE, "--as-of", "2025-06-30"] { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(expected), "{args:?}: {err}");
    }
}

#[test]
fn command_line_errors_follow_the_language() {
    let out = anzen(&["check", "--nope"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("エラー: `--nope` という引数はありません"), "{err}");
    let out = anzen(&["check", "--fail-on", "sometimes"]);
    let err = stderr(&out);
    assert!(err.contains("`sometimes` は --fail-on <FAIL_ON> に指定できません"), "{err}");
    let out = anzen(&["chek"]);
    let err = stderr(&out);
    assert!(
        err.contains("`chek` というサブコマンドはありません") && err.contains("`check` ではありませんか。"),
        "{err}"
    );
    let out = anzen(&["check", "--nope", "--lang", "en"]);
    assert!(stderr(&out).contains("unexpected argument '--nope'"), "{}", stderr(&out));
    let out = crate::support::anzen_env(&crate::support::repo(), &["chek"], &[("LANG", "en_US.UTF-8")]);
    assert!(stderr(&out).contains("unrecognized subcommand 'chek'"), "{}", stderr(&out));
}

#[test]
fn wording_has_no_stray_spaces_and_help_ends_sentences() {
    let dir = hospital();
    write(
        dir.path(),
        "backups.yaml",
        "apiVersion: anzen/v1\nkind: BackupPlan\nbackups:\n  - id: b1\n    system: s1\n    generations: 2\n    copies: [{id: c1, media: nas, offline: false}]\n",
    );
    let out = anzen_in(dir.path(), &["check", ".", "--as-of", "2025-06-30", "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let message = |rule: &str| -> String {
        json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == rule).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(message("BAK-007"), "バックアップ b1 の復旧テストが記録されていません");
    assert!(message("BAK-002").starts_with("バックアップ b1 の世代数が 2 です（"), "{}", message("BAK-002"));
    // Help sentences end with 。
    write(
        dir.path(),
        "backups.yaml",
        "apiVersion: anzen/v1\nkind: BackupPlan\nbackups:\n  - id: b1\n    system: s1\n    generation: 2\n    copies: [{id: c1, media: nas, offline: yes}]\n",
    );
    let out = anzen_in(dir.path(), &["check", ".", "--as-of", "2025-06-30", "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let helps: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "DOC-002")
        .filter_map(|f| f["help"].as_str())
        .collect();
    assert_eq!(helps.len(), 2, "{json}");
    assert!(helps.iter().all(|h| h.ends_with('。')), "{helps:?}");
    // PAT-002 cites its source (the MHLW notice) like every rule.
    let out = anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--select", "PAT-002"]);
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l.contains("根拠: ") && l.contains("厚生労働省 注意喚起 2022-11-10")),
        "{text}"
    );
}

#[test]
fn help_follows_the_language() {
    let repo = crate::support::repo();
    let japanese = [
        anzen(&["--help"]),
        anzen(&["check", "--help"]),
        crate::support::anzen_env(&repo, &["check", "-h"], &[("LANG", "ja_JP.UTF-8")]),
        anzen(&["help", "import", "assets"]),
    ];
    for out in &japanese {
        assert_eq!(out.status.code(), Some(0));
        let text = stdout(out);
        assert!(text.contains("使い方: anzen") && text.contains("オプション:"), "{text}");
        assert!(text.contains("ヘルプを表示します。") && !text.contains("Print help"), "{text}");
    }
    let text = stdout(&japanese[1]);
    assert!(text.contains("引数:\n  [PATH]...  検査するファイルまたはディレクトリです。"), "{text}");
    assert!(text.contains("終了コードを 1 にする最も低い重大度です。省略すると error です。[指定できる値: error, warning, info, never]"), "{text}");
    assert!(stdout(&japanese[0]).contains("コマンド:\n  check    "), "{}", stdout(&japanese[0]));
    // English: --lang en, or LANG=en*, and clap's text as the doc comments write it.
    for out in [
        anzen(&["check", "--help", "--lang", "en"]),
        crate::support::anzen_env(&repo, &["check", "-h"], &[("LANG", "en_US.UTF-8")]),
    ] {
        let text = stdout(&out);
        assert!(text.starts_with("Check the YAML descriptions under PATH"), "{text}");
        assert!(
            text.contains("Usage: anzen check [OPTIONS] [PATH]...") && text.contains("  -h, --help "),
            "{text}"
        );
        assert!(text.contains("[default: human]") && !text.contains("使い方"), "{text}");
    }
}

/// Config and rule-file problems (exit 2) in Japanese and in English:
/// message, the label at the place in the file, and help.
#[test]
fn config_and_rule_file_errors_follow_the_language() {
    const RULE_HEAD: &str = "name: mine\nseverity: error\nkinds: [BackupPlan]\ntitle: {ja: a, en: a}\ndescription: {ja: a, en: a}\nmessage: {ja: a, en: a}\nremediation: {ja: a, en: a}\nreferences: {}\n";
    /// The file, its text, extra arguments, and the Japanese and English
    /// texts the error shows.
    type Case =
        (&'static str, String, &'static [&'static str], &'static [&'static str], &'static [&'static str]);
    let cases: [Case; 9] = [
        (
            "anzen.yaml",
            "apiVersion: anzen/v1\nkind: Config\nrules:\n  BAK-02: off\n".into(),
            &[],
            &[
                "anzen.yaml: キー `BAK-02` は形式 `^(?:[A-Z]{3}-[0-9]{3}|x-.*)$` に合いません",
                "anzen.yaml:4:3",
            ],
            &["anzen.yaml: key `BAK-02` does not match the pattern", "anzen.yaml:4:3"],
        ),
        (
            "anzen.yaml",
            "apiVersion: anzen/v1\nkind: Config\npolicy:\n  min_backup_generation: 2\n".into(),
            &[],
            &[
                "anzen.yaml: 未知のキー `min_backup_generation` です",
                "`min_backup_generations` の書き間違いではありませんか。",
            ],
            &["anzen.yaml: unknown key `min_backup_generation`", "did you mean `min_backup_generations`?"],
        ),
        (
            "anzen.yaml",
            "apiVersion: anzen/v1\nkind: Config\nrules:\n  BAK-099: off\n".into(),
            &[],
            &[
                "anzen.yaml: 規則 ID `BAK-099` はありません",
                "そのような規則はありません",
                "規則の一覧は `anzen rules` で表示できます。",
            ],
            &["anzen.yaml: unknown rule id `BAK-099`", "no such rule", "`anzen rules` lists every rule"],
        ),
        (
            "anzen.yaml",
            "apiVersion: anzen/v1\nkind: Config\nexclude: ['a[']\n".into(),
            &[],
            &["anzen.yaml: glob `a[` が正しくありません", "正しくない glob"],
            &["anzen.yaml: invalid glob `a[`", "invalid glob"],
        ),
        (
            "anzen.yaml",
            "apiVersion: anzen/v1\nkind: Config\nrules: [\n".into(),
            &[],
            &["anzen.yaml: 設定ファイルの YAML が正しくありません（YAML の構文エラー: ", "ここ"],
            &["anzen.yaml: invalid YAML: ", "here"],
        ),
        (
            "my-rules/XYZ-002.yaml",
            format!(
                "id: XYZ-002\n{RULE_HEAD}checks:\n  - for_each: backups/*\n    condition: item.generations >= && true\n"
            ),
            &["--rules", "my-rules"],
            &["XYZ-002.yaml: CEL 式が正しくありません: ", "CEL の解析結果:"],
            &["XYZ-002.yaml: invalid CEL expression: ", "cel says:"],
        ),
        (
            "my-rules/XYZ-002.yaml",
            format!("id: XYZ-003\n{RULE_HEAD}checks:\n  - for_each: backups/*\n    condition: 'true'\n"),
            &["--rules", "my-rules"],
            &[
                "規則の ID XYZ-003 がファイル名 XYZ-002 と一致しません",
                "ファイル名を XYZ-003.yaml にしてください。",
            ],
            &["rule id XYZ-003 does not match its file name XYZ-002", "name the file XYZ-003.yaml"],
        ),
        (
            "my-rules/XYZ-002.yaml",
            format!(
                "id: XYZ-002\n{RULE_HEAD}checks:\n  - for_each: backups/*\n    condition: 'true'\n    colour: red\n"
            ),
            &["--rules", "my-rules"],
            &[
                "XYZ-002.yaml: 規則ファイルとして正しくありません: 未知のキー `colour` です",
                "docs/rule-authoring.md と `anzen schema rule` を参照してください。",
            ],
            &["XYZ-002.yaml: not a valid rule file: unknown key `colour`", "see docs/rule-authoring.md"],
        ),
        (
            "my-rules/XYZ-002.yaml",
            format!("id: XYZ-002\n{RULE_HEAD}checks:\n  - for_each: backups\n    condition: 'true'\n"),
            &["--rules", "my-rules"],
            &["`for_each: backups` は施設のどのリストも指していません", "未知のパス"],
            &["`for_each: backups` names no list of the facility", "unknown path"],
        ),
    ];
    for (file, text, extra, ja, en) in cases {
        let dir = hospital();
        write(dir.path(), file, &text);
        for (lang, said) in [("ja", ja), ("en", en)] {
            let mut args = vec!["check", ".", "--as-of", "2025-06-30", "--lang", lang];
            args.extend_from_slice(extra);
            let out = anzen_in(dir.path(), &args);
            assert_eq!(out.status.code(), Some(2), "{file} {lang}: {}", stderr(&out));
            let err = stderr(&out);
            for s in said {
                assert!(err.contains(s), "{file} {lang}: no `{s}` in:\n{err}");
            }
            let english_only = ["unknown", "invalid", "here", "did you mean", "no such"];
            if lang == "ja" {
                assert!(!english_only.iter().any(|w| err.contains(w)), "{file}: English in:\n{err}");
            }
        }
    }
}

/// Is `c` Japanese script or punctuation (kana, kanji, 「」（）、。 and
/// full-width forms)?
fn japanese(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}

/// The stray spaces of a Japanese text: an ASCII space with Japanese on
/// both sides (「世代数が 未記載 です」). A quoted value (`…` or 「…」) keeps
/// its own spaces (`山田 健一`); its quotes still count as Japanese.
fn stray_spaces(text: &str) -> Vec<String> {
    let mut outside = Vec::new();
    let (mut code, mut quoted) = (false, 0usize);
    for c in text.chars() {
        match c {
            '`' => {
                code = !code;
                outside.push('`');
            }
            '「' if !code => {
                quoted += 1;
                outside.push(c);
            }
            '」' if !code && quoted > 0 => {
                quoted -= 1;
                outside.push(c);
            }
            _ if code || quoted > 0 => {
                if outside.last() != Some(&'v') {
                    outside.push('v');
                }
            }
            _ => outside.push(c),
        }
    }
    outside
        .windows(3)
        .filter(|w| w[1] == ' ' && japanese(w[0]) && japanese(w[2]))
        .map(|w| w.iter().collect())
        .collect()
}

#[test]
fn the_stray_space_check_sees_what_it_should() {
    assert_eq!(stray_spaces("バックアップ b1 の世代数が 未記載 です"), ["が 未", "載 で"]);
    assert_eq!(stray_spaces("文字種 （英字）"), ["種 （"]);
    assert!(stray_spaces("バックアップ b1 の世代数が 2 です").is_empty());
    assert!(stray_spaces("`山田 健一` はマッピングではありません").is_empty());
    assert!(stray_spaces("アカウント「管理者 一」は汎用です").is_empty());
    assert_eq!(stray_spaces("アカウント 「x」は"), ["ト 「"]);
}

/// Issue 17.9 over every rule's fixtures (fail and pass, one run over the
/// whole tree), in Japanese: no finding's message or help has a stray space
/// around a substituted value, and every help is sentences ending with 「。」.
#[test]
fn japanese_findings_have_no_stray_spaces_and_helps_end_sentences() {
    let out =
        anzen(&["check", "fixtures/rules", "--format", "json", "--lang", "ja", "--as-of", "2025-06-30"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let (mut checked, mut problems) = (0, Vec::new());
    for f in json["findings"].as_array().unwrap() {
        checked += 1;
        let (rule, file) = (f["rule"].as_str().unwrap(), f["file"].as_str().unwrap());
        for key in ["message", "help"] {
            if let Some(text) = f[key].as_str() {
                let stray = stray_spaces(text);
                if !stray.is_empty() {
                    problems.push(format!("{file} {rule} {key}: {stray:?} in {text}"));
                }
            }
        }
        if let Some(help) = f["help"].as_str().filter(|h| !h.trim_end().ends_with('。')) {
            problems.push(format!("{file} {rule} help does not end with 。: {help}"));
        }
    }
    assert!(checked > 1000, "only {checked} findings");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

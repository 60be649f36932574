//! The CI gate (issue 4): SARIF, JUnit, GitHub annotations, several outputs
//! in one run, suppressions and waivers, baselines, and the integrations
//! (pre-commit hook, the workflow examples in docs/ci.md).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{anzen, anzen_in, repo, stderr, stdout};

const EXAMPLE: &str = "fixtures/example-hospital";

fn sarif_for(args: &[&str]) -> Value {
    let mut all = vec!["check", EXAMPLE, "--as-of", "2025-06-30", "--lang", "en", "--format", "sarif"];
    all.extend_from_slice(args);
    let out = anzen(&all);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema_path = repo().join("../shared/external/sarif/sarif-schema-2.1.0.json");
    let Ok(text) = fs::read_to_string(&schema_path) else {
        eprintln!(
            "sarif_validates_against_the_official_schema: skipped ({} not found)",
            schema_path.display()
        );
        return;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft4::options().should_validate_formats(true).build(&schema).unwrap();
    let sarif = sarif_for(&[]);
    let errors: Vec<String> =
        validator.iter_errors(&sarif).map(|e| format!("{} at {}", e, e.instance_path().as_str())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
}

#[test]
fn sarif_carries_rules_locations_and_fingerprints() {
    let sarif = sarif_for(&[]);
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 65, "the whole catalogue");
    let bak2 = rules.iter().find(|r| r["id"] == "BAK-002").unwrap();
    assert!(bak2["help"]["text"].as_str().unwrap().contains("3 世代以上"), "help has Japanese");
    assert!(bak2["help"]["text"].as_str().unwrap().contains("at least three generations"), "and English");
    assert!(bak2["helpUri"].as_str().unwrap().ends_with("docs/rules.md#bak-002"));
    assert_eq!(bak2["properties"]["security-severity"], "7.5");
    let result = run["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "BAK-002").unwrap();
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "fixtures/example-hospital/backups.yaml");
    assert_eq!(
        (loc["region"]["startLine"].as_u64(), loc["region"]["startColumn"].as_u64()),
        (Some(29), Some(18))
    );
    assert_eq!(result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], "/backups/1/generations");
    assert_eq!(rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"], "BAK-002");
    assert!(result["partialFingerprints"]["anzenIdentity/v1"].as_str().unwrap().len() == 16);
}

fn copy_tree(from: &Path, to: &Path) {
    for e in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_tree(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A copy of the example hospital in a temporary directory.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join(EXAMPLE), dir.path());
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = anzen_in(dir, args);
    (out.status.code().unwrap_or(-1), stdout(&out), stderr(&out))
}

fn fingerprints(dir: &Path) -> Vec<(String, String)> {
    let (_, out, err) = run_in(dir, &["check", ".", "--as-of", "2025-06-30", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let mut fps: Vec<(String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["partialFingerprints"]["anzenIdentity/v1"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    fps.sort();
    fps
}

/// Moves the PACS backup first and reformats the file (flow style, blank lines).
fn reorder_backups(dir: &Path) {
    let path = dir.join("backups.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let docs = anzen::document::yaml::parse(&text, &anzen::document::yaml::Limits::default()).unwrap();
    let mut value = docs[0].to_json();
    let backups = value["backups"].as_array_mut().unwrap();
    backups.reverse();
    let mut out =
        String::from("# reordered and reformatted\n\n\napiVersion: anzen/v1\nkind: BackupPlan\nbackups:\n");
    for b in backups.iter() {
        out.push_str(&format!("\n  - {}\n", serde_json::to_string(b).unwrap()));
    }
    fs::write(path, out).unwrap();
}

#[test]
fn fingerprints_survive_moving_and_reformatting() {
    let dir = example_copy();
    let before = fingerprints(dir.path());
    reorder_backups(dir.path());
    let after = fingerprints(dir.path());
    assert_eq!(before, after);
}

#[test]
fn junit_has_one_testcase_per_rule_and_facility() {
    let out = anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--lang", "en", "--format", "junit"]);
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<testsuite ").count(), 1);
    assert_eq!(xml.matches("<testcase ").count(), 65);
    assert_eq!(xml.matches("<failure ").count(), 10, "ten rules with errors: {xml}");
    assert!(
        xml.contains("fixtures/example-hospital/backups.yaml:29:18: error: backup bk-pacs keeps 2"),
        "{xml}"
    );
    assert!(
        xml.contains("<system-out>fixtures/example-hospital/backups.yaml:30:5: warning"),
        "warnings are not failures"
    );
    let warn = stdout(&anzen(&[
        "check",
        EXAMPLE,
        "--as-of",
        "2025-06-30",
        "--format",
        "junit",
        "--fail-on",
        "warning",
    ]));
    assert_eq!(warn.matches("<failure ").count(), 13);
}

/// The example hospital under `hospital/`, its systems.yaml opening with an
/// inline suppression of a rule that does not fire there (one DOC-010).
fn example_with_an_unused_suppression() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("hospital")).unwrap();
    copy_tree(&repo().join(EXAMPLE), &dir.path().join("hospital"));
    let path = dir.path().join("hospital/systems.yaml");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("# anzen:ignore BAK-002 理由はある\n{text}")).unwrap();
    dir
}

#[test]
fn an_unused_inline_suppression_belongs_to_its_facility() {
    let dir = example_with_an_unused_suppression();
    let (_, json) = json_in(dir.path(), &[]);
    let doc10: Vec<&Value> =
        json["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "DOC-010").collect();
    assert_eq!(doc10.len(), 1, "{json}");
    assert_eq!(doc10[0]["facility"], "hospital", "{}", doc10[0]);
    let (_, xml, _) = run_in(dir.path(), &["check", ".", "--as-of", "2025-06-30", "--format", "junit"]);
    assert!(!xml.contains("(no facility)"), "{xml}");
    assert_eq!(xml.matches("<testsuite ").count(), 1, "{xml}");
    // A baseline records it under the facility, not under "".
    let (_, _, err) =
        run_in(dir.path(), &["check", ".", "--as-of", "2025-06-30", "--write-baseline", "b.json"]);
    let baseline = fs::read_to_string(dir.path().join("b.json")).unwrap_or_else(|_| panic!("{err}"));
    assert!(!baseline.contains(r#""facility": """#), "{baseline}");
}

#[test]
fn a_configured_severity_applies_to_unused_suppressions_too() {
    // DOC-010 is made after the other stages (inline suppressions, then the
    // waivers at the end of the run); the finishing stage still gives it
    // the configured severity, both kinds.
    let dir = example_with_an_unused_suppression();
    let waiver = "apiVersion: anzen/v1\nkind: Config\nwaivers:\n  - rule: NET-002\n    path: nowhere/*.yaml\n    reason: 更新予定\n    approved_by: 山田\n";
    let doc10 = |json: &Value| -> Vec<String> {
        let all = json["findings"].as_array().unwrap().iter();
        all.filter(|f| f["rule"] == "DOC-010").map(|f| f["severity"].as_str().unwrap().to_owned()).collect()
    };
    fs::write(dir.path().join("anzen.yaml"), waiver).unwrap();
    let (_, json) = json_in(dir.path(), &[]);
    assert_eq!(doc10(&json), ["warning", "warning"], "the default severity first: {json}");
    fs::write(dir.path().join("anzen.yaml"), format!("{waiver}rules:\n  DOC-010: info\n")).unwrap();
    let (_, json) = json_in(dir.path(), &[]);
    assert_eq!(doc10(&json), ["info", "info"], "{json}");
}

#[test]
fn github_annotations_are_workflow_commands() {
    let out = anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--lang", "en", "--format", "github"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 14);
    assert!(lines.iter().any(|l| l.starts_with(
        "::error file=fixtures/example-hospital/backups.yaml,line=29,col=18,title=BAK-002 too-few-generations%3A Fewer than three backup generations::backup bk-pacs keeps 2"
    )), "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::warning file=fixtures/example-hospital/systems.yaml,line=152,col=7,"))
    );
    assert!(lines.iter().all(|l| !l.contains('\n')));
}

#[test]
fn several_outputs_in_one_run() {
    let dir = example_copy();
    let (code, out, err) = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--as-of",
            "2025-06-30",
            "--format",
            "human",
            "--format",
            "sarif=out/a.sarif",
            "--format",
            "junit=b.xml",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("BAK-002"), "human goes to stdout");
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/a.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(fs::read_to_string(dir.path().join("b.xml")).unwrap().contains("<testsuites"));
    let (code, _, err) = run_in(dir.path(), &["check", ".", "--format", "json", "--format", "sarif"]);
    assert_eq!(code, 2);
    assert!(err.contains("--format は一つだけ"), "{err}");
}

#[test]
fn the_terminal_gets_a_summary_when_every_report_goes_to_a_file() {
    let dir = example_copy();
    let args = ["check", ".", "--as-of", "2025-06-30", "--lang", "en"];
    let files = ["--format", "sarif=a.sarif", "--format", "junit=b.xml"];
    let (code, out, err) = run_in(dir.path(), &[&args[..], &files[..]].concat());
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("11 error(s), 3 warning(s), 0 info"), "counts per severity: {out}");
    let fix_first = out.lines().skip_while(|l| !l.starts_with("Fix first")).nth(1).unwrap_or_default();
    assert!(fix_first.contains("error") && fix_first.contains("AUT-001"), "the top rules: {out}");
    assert!(!out.contains("╭"), "only the summary, not the diagnostics: {out}");
    assert!(dir.path().join("a.sarif").exists() && dir.path().join("b.xml").exists());
    // With a report on standard output (or --output), that report is all.
    let (_, out, _) = run_in(dir.path(), &[&args[..], &["--format", "json"], &files[..]].concat());
    assert!(serde_json::from_str::<Value>(&out).is_ok(), "{out}");
    let (_, out, _) = run_in(dir.path(), &[&args[..], &["-o", "c.txt"], &files[..]].concat());
    assert_eq!(out, "");
}

#[test]
fn concise_is_one_line_per_finding_then_the_rules_to_fix_first() {
    let (code, out, err) =
        run_in(&repo(), &["check", EXAMPLE, "--as-of", "2025-06-30", "--lang", "en", "--format", "concise"]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.iter().filter(|l| l.starts_with(EXAMPLE)).count(), 14, "{out}");
    assert!(
        lines.contains(&"fixtures/example-hospital/backups.yaml:29:18: error BAK-002 backup bk-pacs keeps 2 generation(s) (anzen default: at least 3)"),
        "{out}"
    );
    let table: Vec<&str> = lines
        .iter()
        .skip_while(|l| !l.starts_with("Fix first"))
        .skip(1)
        .take_while(|l| ["error", "warning", "info"].iter().any(|s| l.trim_start().starts_with(s)))
        .copied()
        .collect();
    // Errors before warnings (the table may stop before the warnings); every
    // row names a rule and its count.
    let first_warning =
        table.iter().position(|l| l.trim_start().starts_with("warning")).unwrap_or(table.len());
    assert!(table[..first_warning].iter().all(|l| l.trim_start().starts_with("error")), "{out}");
    assert!(table[0].ends_with(" 2") && table[0].contains("AUT-001"), "{out}");
    assert!(lines.last().unwrap().starts_with("11 error(s), 3 warning(s)"), "{out}");
    // The human output ends with the same table, in Japanese by default.
    let (_, out, _) = run_in(&repo(), &["check", EXAMPLE, "--as-of", "2025-06-30"]);
    assert!(out.contains("最初に直すもの（重大度、件数の順）:\n  エラー  AUT-001"), "{out}");
}

fn json_in(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", ".", "--as-of", "2025-06-30", "--lang", "en", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run_in(dir, &args);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}")))
}

fn unsuppressed(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn suppressions_silence_findings_without_hiding_them() {
    let dir = example_copy();
    let path = dir.path().join("backups.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "    generations: 2",
        "    # anzen:ignore BAK-002 PACS 画像はベンダー側にも保管、2世代で合意\n    generations: 2",
        1,
    );
    fs::write(&path, text).unwrap();
    fs::write(
        dir.path().join("anzen.yaml"),
        "apiVersion: anzen/v1\nkind: Config\nwaivers:\n  - rule: NET-005\n    path: network.yaml\n    reason: ゲスト Wi-Fi は診療系と物理分離\n    approved_by: 安全管理責任者\n    expires_on: 2025-12-31\n",
    )
    .unwrap();
    let (_, json) = json_in(dir.path(), &[]);
    let bak2 = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "BAK-002").unwrap();
    assert_eq!(bak2["suppressed"]["by"], "inline");
    assert_eq!(bak2["suppressed"]["reason"], "PACS 画像はベンダー側にも保管、2世代で合意");
    let net5 = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "NET-005").unwrap();
    assert_eq!(net5["suppressed"]["by"], "waiver");
    assert_eq!(json["summary"]["suppressed"], 2);
    assert!(!unsuppressed(&json).contains(&"DOC-010".to_owned()), "both suppressions are used");
    // Suppressed findings do not count for --fail-on.
    let (code, _) = json_in(dir.path(), &["--select", "BAK-002,NET-005"]);
    assert_eq!(code, 0);
    let (code, json) = json_in(dir.path(), &["--select", "BAK-002,NET-005", "--no-suppressions"]);
    assert_eq!(code, 1);
    assert!(json["findings"].as_array().unwrap().iter().all(|f| f["suppressed"].is_null()));
    // After the waiver expires it stops applying and says so.
    let (code, json) = json_in(dir.path(), &["--select", "NET-005,DOC-010", "--as-of", "2026-01-01"]);
    assert_eq!(code, 1);
    let found = unsuppressed(&json);
    assert!(found.contains(&"NET-005".to_owned()) && found.contains(&"DOC-010".to_owned()), "{found:?}");
    // SARIF keeps suppressed results, marked.
    let (_, out, _) = run_in(dir.path(), &["check", ".", "--as-of", "2025-06-30", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    let r =
        sarif["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "BAK-002").unwrap();
    assert_eq!(r["suppressions"][0]["kind"], "inSource");
    // Human output leaves them out and counts them.
    let (_, human, _) = run_in(dir.path(), &["check", ".", "--as-of", "2025-06-30", "--lang", "en"]);
    assert!(!human.contains("BAK-002 too-few-generations") && human.contains("2 suppressed"), "{human}");
}

#[test]
fn a_waiver_by_key_survives_a_device_added_above() {
    let dir = example_copy();
    let waiver = |how: &str| {
        format!(
            "apiVersion: anzen/v1\nkind: Config\nwaivers:\n  - rule: AST-003\n    path: assets/clients.yaml\n    {how}\n    reason: 検査システムの更新時に入れ替え（予算承認済み）\n    approved_by: 安全管理責任者\n"
        )
    };
    let ast3 = |json: &Value| -> Value {
        json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "AST-003").unwrap().clone()
    };
    let (_, json) = json_in(dir.path(), &[]);
    let (key, pointer) = (ast3(&json)["key"].as_str().unwrap().to_owned(), ast3(&json)["pointer"].clone());
    assert_eq!(key, "AssetLedger:assets[id=pc-lab-02]/os/support_ends_on");
    let item = "\"AssetLedger:assets[id=pc-lab-02]\"";
    let by_key = format!("key: \"{key}\"");
    let by_item = format!("key: {item}");
    let by_pointer = format!("pointer: {pointer}");
    for how in [&by_key, &by_item, &by_pointer] {
        fs::write(dir.path().join("anzen.yaml"), waiver(how)).unwrap();
        let (_, json) = json_in(dir.path(), &[]);
        assert_eq!(ast3(&json)["suppressed"]["by"], "waiver", "{how}");
        assert!(!unsuppressed(&json).contains(&"DOC-010".to_owned()), "{how}: {json}");
    }
    // One more PC above it: the key still names the same device, the list
    // position does not.
    let path = dir.path().join("assets/clients.yaml");
    let text = fs::read_to_string(&path).unwrap().replacen(
        "  - id: pc-ward3-01\n",
        "  - id: pc-new-01\n    type: client_pc\n    location: 本館1F\n    manager: 医事課\n    os: {name: Windows 11 Enterprise, version: \"24H2\", support_ends_on: 2027-10-12}\n    patch: {last_applied_on: 2025-06-17, pending_critical: 0}\n    usb_storage: blocked\n\n  - id: pc-ward3-01\n",
        1,
    );
    fs::write(&path, text).unwrap();
    for how in [&by_key, &by_item] {
        fs::write(dir.path().join("anzen.yaml"), waiver(how)).unwrap();
        let (_, json) = json_in(dir.path(), &[]);
        assert_eq!(ast3(&json)["suppressed"]["by"], "waiver", "{how}: {json}");
        assert!(!unsuppressed(&json).contains(&"DOC-010".to_owned()), "{how}: {json}");
    }
    fs::write(dir.path().join("anzen.yaml"), waiver(&by_pointer)).unwrap();
    let (_, json) = json_in(dir.path(), &[]);
    assert!(ast3(&json)["suppressed"].is_null(), "a list position moves with the list");
    // A key of another device does not waive this one.
    fs::write(dir.path().join("anzen.yaml"), waiver("key: \"AssetLedger:assets[id=pc-lab-0]\"")).unwrap();
    let (_, json) = json_in(dir.path(), &[]);
    assert!(ast3(&json)["suppressed"].is_null());
    assert!(unsuppressed(&json).contains(&"DOC-010".to_owned()));
}

#[test]
fn baselines_do_not_depend_on_the_working_directory() {
    let parent = tempfile::tempdir().unwrap();
    let hospital = parent.path().join("repo/hospital");
    fs::create_dir_all(&hospital).unwrap();
    copy_tree(&repo().join(EXAMPLE), &hospital);
    // A whole-file finding too (its key is the file).
    fs::write(hospital.join("broken.yaml"), "a: [\n").unwrap();
    let repo_dir = parent.path().join("repo");
    let (code, _, err) = run_in(
        &repo_dir,
        &[
            "check",
            "hospital",
            "--as-of",
            "2025-06-30",
            "--write-baseline",
            "baseline.json",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let text = fs::read_to_string(repo_dir.join("baseline.json")).unwrap();
    assert!(!text.contains("hospital"), "facility and files are relative to the scan root: {text}");
    let entries = serde_json::from_str::<Value>(&text).unwrap()["entries"].as_array().unwrap().len();
    assert!(entries > 1, "{text}");
    for (cwd, path, baseline) in [
        (parent.path().to_path_buf(), "repo/hospital", "repo/baseline.json"),
        (hospital.clone(), ".", "../baseline.json"),
        (repo_dir.clone(), "hospital", "baseline.json"),
    ] {
        let (code, out, err) = run_in(
            &cwd,
            &[
                "check",
                path,
                "--as-of",
                "2025-06-30",
                "--lang",
                "en",
                "--format",
                "json",
                "--baseline",
                baseline,
            ],
        );
        let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        assert_eq!(code, 0, "{path}: {json}");
        assert_eq!(json["summary"]["baseline"]["matched"], entries, "{path}: {json}");
        assert_eq!(json["summary"]["baseline"]["gone"], 0, "{path}: {json}");
    }
}

#[test]
fn a_bad_waiver_is_exit_2_pointing_into_the_config() {
    let dir = example_copy();
    fs::write(
        dir.path().join("anzen.yaml"),
        "apiVersion: anzen/v1\nkind: Config\nwaivers:\n  - rule: NET-005\n    path: network.yaml\n    approved_by: 安全管理責任者\n",
    )
    .unwrap();
    let (code, _, err) = run_in(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("reason") && err.contains("anzen.yaml:4:"), "{err}");
    fs::write(
        dir.path().join("anzen.yaml"),
        "apiVersion: anzen/v1\nkind: Config\nwaivers:\n  - rule: NET-055\n    path: \"[\"\n    reason: x\n    approved_by: y\n",
    )
    .unwrap();
    let (code, _, err) = run_in(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("glob `[` が正しくありません") && err.contains("anzen.yaml:5:11"), "{err}");
}

#[test]
fn baselines_hold_across_reordering_and_report_what_is_gone() {
    let dir = example_copy();
    let (code, _, err) = run_in(
        dir.path(),
        &["check", ".", "--as-of", "2025-06-30", "--write-baseline", "baseline.json", "--fail-on", "never"],
    );
    assert_eq!(code, 0, "{err}");
    let baseline: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("baseline.json")).unwrap()).unwrap();
    assert_eq!(baseline["entries"].as_array().unwrap().len(), 14);
    assert!(
        baseline["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["key"] == "BackupPlan:backups[id=bk-pacs]/generations")
    );
    let (code, json) = json_in(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "everything is in the baseline");
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
    assert_eq!(json["summary"]["baseline"]["matched"], 14);
    // Reordering and reformatting brings nothing back.
    reorder_backups(dir.path());
    let (code, json) = json_in(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{json}");
    // A new gap is reported; a fixed one is counted as gone.
    let path = dir.path().join("backups.yaml");
    let text = fs::read_to_string(&path).unwrap().replacen("\"generations\":2", "\"generations\":5", 1);
    fs::write(&path, text).unwrap();
    let net = dir.path().join("network.yaml");
    let text = fs::read_to_string(&net).unwrap().replace("mac_allowlist: true", "mac_allowlist: false");
    fs::write(&net, text).unwrap();
    let (code, json) = json_in(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 1);
    let found: Vec<&str> =
        json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(found, ["NET-005"], "only the new gap: {json}");
    assert_eq!(json["summary"]["baseline"]["gone"], 1, "BAK-002 was fixed");
    let (code, _, err) = run_in(dir.path(), &["check", ".", "--baseline", "nope.json"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_pre_commit_hook_runs() {
    let text = fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let docs = anzen::document::yaml::parse(&text, &anzen::document::yaml::Limits::default()).unwrap();
    let hooks = docs[0].to_json();
    let hook = &hooks[0];
    assert_eq!(hook["id"], "anzen");
    assert_eq!(hook["pass_filenames"], false);
    let mut args: Vec<String> =
        hook["entry"].as_str().unwrap().split_whitespace().skip(1).map(str::to_owned).collect();
    args.extend(hook["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()));
    args.extend(["--as-of".into(), "2025-06-30".into()]);
    let dir = example_copy();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run_in(dir.path(), &args);
    assert_eq!(code, 1, "the example hospital has errors: {err}");
}

/// The YAML code blocks of a Markdown file.
fn yaml_blocks(md: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in md.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```yaml") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_ci_examples_in_the_docs_parse_and_their_commands_work() {
    let md = fs::read_to_string(repo().join("docs/ci.md")).unwrap();
    let blocks = yaml_blocks(&md);
    assert!(blocks.len() >= 4, "docs/ci.md has its YAML examples");
    let mut commands: Vec<String> = Vec::new();
    for block in &blocks {
        anzen::document::yaml::parse(block, &anzen::document::yaml::Limits::default())
            .unwrap_or_else(|e| panic!("docs/ci.md example does not parse: {}\n{block}", e.message));
        for line in block.lines() {
            let line = line.trim().trim_start_matches("- ").trim_start_matches("run: ");
            if line.starts_with("anzen check") {
                commands.push(line.to_owned());
            }
        }
    }
    assert!(commands.len() >= 2, "{commands:?}");
    for command in commands {
        let dir = example_copy();
        let mut args: Vec<&str> = command.split_whitespace().skip(1).collect();
        args.extend(["--as-of", "2025-06-30"]);
        let (code, _, err) = run_in(dir.path(), &args);
        assert_eq!(code, 1, "`{command}`: {err}");
        let written: Vec<PathBuf> =
            args.iter().filter_map(|a| a.split_once('=')).map(|(_, f)| dir.path().join(f)).collect();
        for file in written {
            assert!(file.is_file(), "`{command}` wrote no {}", file.display());
        }
    }
}

//! `anzen init` (issue 5): the starter set validates out of the box, gives
//! the findings a blank hospital should get, and is never written over
//! existing files without `--force`.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::{anzen, anzen_in, stderr, stdout};

const FILES: [&str; 8] = [
    "accounts.yaml",
    "anzen.yaml",
    "assets.yaml",
    "backups.yaml",
    "facility.yaml",
    "network.yaml",
    "systems.yaml",
    "vendors.yaml",
];

fn init(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["init", "starter"];
    args.extend_from_slice(extra);
    anzen_in(dir, &args)
}

fn findings(dir: &Path) -> Vec<(String, String, String)> {
    let out = anzen_in(dir, &["check", ".", "--format", "json", "--lang", "en", "--as-of", "2025-06-30"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn init_writes_every_kind_and_a_config() {
    let tmp = tempfile::tempdir().unwrap();
    let out = init(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dir = tmp.path().join("starter");
    let mut written: Vec<String> =
        fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    written.sort();
    assert_eq!(written, FILES);
    let kinds: Vec<String> = FILES
        .iter()
        .map(|f| fs::read_to_string(dir.join(f)).unwrap())
        .filter_map(|t| {
            t.lines().find_map(|l| l.trim_start_matches("# ").strip_prefix("kind: ").map(str::to_owned))
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "AccountInventory",
            "Config",
            "AssetLedger",
            "BackupPlan",
            "Facility",
            "NetworkMap",
            "SystemCatalog",
            "VendorRegistry"
        ]
    );
    // Comments in Japanese name the checklist item each block evidences.
    let assets = fs::read_to_string(dir.join("assets.yaml")).unwrap();
    assert!(assets.contains("機器台帳（AssetLedger）【チェックリスト 2①】"));
    assert!(stdout(&out).contains("anzen check"), "says what to do next");
}

#[test]
fn a_blank_hospital_gets_exactly_the_documented_findings() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(init(tmp.path(), &[]).status.code(), Some(0));
    let found = findings(&tmp.path().join("starter"));
    // docs/reports.md lists these ("anzen init"); the only DOC findings are
    // the two placeholders to fill in (placeholders_left_as_they_are_are_reported).
    let mut rules: Vec<(&str, &str)> = found.iter().map(|(r, s, _)| (r.as_str(), s.as_str())).collect();
    rules.sort_unstable();
    assert_eq!(
        rules,
        [
            ("AST-001", "error"),
            ("AST-002", "warning"),
            ("BCP-001", "error"),
            ("DOC-002", "error"),
            ("DOC-002", "error"),
            ("GOV-001", "error"),
            ("GOV-002", "warning"),
            ("GOV-003", "error"),
            ("GOV-005", "warning"),
            ("GOV-006", "warning"),
            ("INC-001", "error"),
            ("INC-003", "warning"),
            ("NET-001", "warning"),
        ]
    );
}

/// The commented examples, uncommented: every `# key: …` or `# - …` line
/// after the document start (the templates' own convention), with the
/// `{}` / `[]` placeholders dropped.
fn uncomment(text: &str, whole: bool) -> String {
    let mut started = whole;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("apiVersion") {
            started = true;
        }
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let example = trimmed.strip_prefix('#').map(|r| r.strip_prefix(' ').unwrap_or(r)).filter(|r| {
            let body = r.trim_start();
            let key: String =
                body.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
            !r.starts_with('=')
                && !body.starts_with("yaml-language-server:")
                && (body.starts_with("- ") || (!key.is_empty() && body[key.len()..].starts_with(':')))
        });
        match example {
            Some(rest) if started => out.push(format!("{indent}{rest}")),
            _ => out.push(line.to_owned()),
        }
    }
    let mut s = out.join("\n");
    // The placeholders to fill in (placeholders_left_as_they_are_are_reported).
    s = s
        .replace("name: （病院名を記入）", "name: 見本病院")
        .replace("beds: （許可病床数を記入）", "beds: 120");
    for list in ["governance: {}", "systems: []", "assets: []", "backups: []", "vendors: []"] {
        s = s.replace(list, list.trim_end_matches(" {}").trim_end_matches(" []"));
    }
    s
}

#[test]
fn the_commented_examples_make_a_hospital_without_findings() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(init(tmp.path(), &[]).status.code(), Some(0));
    let dir = tmp.path().join("starter");
    for f in FILES {
        let text = fs::read_to_string(dir.join(f)).unwrap();
        fs::write(dir.join(f), uncomment(&text, f == "accounts.yaml")).unwrap();
    }
    // The waiver example in anzen.yaml silences nothing in a hospital
    // without gaps, so it is (rightly) reported as unused:
    assert_eq!(
        findings(&dir),
        [("DOC-010".to_owned(), "warning".to_owned(), "anzen.yaml".to_owned())],
        "the examples in the comments are valid and complete"
    );
}

#[test]
fn init_refuses_to_overwrite_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("starter");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("facility.yaml"), "# ours\n").unwrap();
    fs::write(dir.join("backups.yaml"), "# ours\n").unwrap();
    let out = init(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("backups.yaml, facility.yaml") && err.contains("--force"), "{err}");
    assert_eq!(fs::read_to_string(dir.join("facility.yaml")).unwrap(), "# ours\n", "nothing written");
    assert!(!dir.join("assets.yaml").exists(), "nothing written at all");
    let out = init(tmp.path(), &["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read_to_string(dir.join("facility.yaml")).unwrap().contains("kind: Facility"));
}

#[test]
fn the_starter_set_reports_as_a_blank_checklist() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(init(tmp.path(), &[]).status.code(), Some(0));
    let out =
        anzen_in(&tmp.path().join("starter"), &["report", ".", "--as-of", "2025-06-30", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(md.contains("| Yes | No | Not described | To confirm | N/A |\n|---:|---:|---:|---:|---:|\n| 0 | 4 | 14 | 0 | 0 |"), "{md}");
    // Empty lists describe nothing yet: 未記載, with the findings that say so.
    assert!(md.contains("| 2① | Servers, client PCs and network devices are managed in a ledger (all medical information systems). | **Not described** |"), "{md}");
}

#[test]
fn every_template_names_its_schema_for_editors() {
    // The first line of each template points yaml-language-server at the
    // schema `anzen schema KIND` writes (docs: templates/init/facility.yaml).
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(init(tmp.path(), &[]).status.code(), Some(0));
    for f in FILES {
        let text = fs::read_to_string(tmp.path().join("starter").join(f)).unwrap();
        let first = text.lines().next().unwrap();
        let stem = first
            .strip_prefix("# yaml-language-server: $schema=schemas/")
            .and_then(|s| s.strip_suffix(".schema.json"))
            .unwrap_or_else(|| panic!("{f}: first line is {first:?}"));
        let schema = anzen(&["schema", stem]);
        assert_eq!(schema.status.code(), Some(0), "{f}: `anzen schema {stem}` fails");
        let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
        let kind = text
            .lines()
            .find_map(|l| l.trim_start_matches("# ").strip_prefix("kind: "))
            .and_then(|k| k.split_whitespace().next())
            .unwrap();
        assert_eq!(schema["properties"]["kind"]["const"], kind, "{f}: the schema is the one of its kind");
    }
}

/// Issue 17.13: the values `anzen init` writes for the user to replace are
/// reported (DOC-002, at their line) while they are left as they are, and
/// not once they are filled in.
#[test]
fn placeholders_left_as_they_are_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(init(tmp.path(), &[]).status.code(), Some(0));
    let dir = tmp.path().join("starter");
    let doc002 = |lang: &str| -> Vec<(String, u64, String)> {
        let out =
            anzen_in(&dir, &["check", ".", "--format", "json", "--lang", lang, "--as-of", "2025-06-30"]);
        let json: Value =
            serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "DOC-002")
            .map(|f| {
                let at = format!("{}:{}", f["file"].as_str().unwrap(), f["line"]);
                (at, f["line"].as_u64().unwrap(), f["message"].as_str().unwrap().to_owned())
            })
            .collect()
    };
    let text = fs::read_to_string(dir.join("facility.yaml")).unwrap();
    let line_of = |start: &str| text.lines().position(|l| l.starts_with(start)).unwrap() as u64 + 1;
    let (name_line, beds_line) = (line_of("name: "), line_of("beds: "));
    assert_eq!(
        doc002("ja"),
        [
            (
                format!("facility.yaml:{name_line}"),
                name_line,
                "`name` がひな形の「（病院名を記入）」のままです".to_owned()
            ),
            (
                format!("facility.yaml:{beds_line}"),
                beds_line,
                "`beds` がひな形の「（許可病床数を記入）」のままです".to_owned()
            ),
        ],
        "one finding each (not also the type error of beds)"
    );
    let en = doc002("en");
    assert_eq!(en[0].2, "`name` still holds the template's placeholder \"（病院名を記入）\"");
    // The human output names the place.
    let out = anzen_in(&dir, &["check", ".", "--as-of", "2025-06-30"]);
    assert!(stdout(&out).contains(&format!("facility.yaml:{name_line}:7")), "{}", stdout(&out));
    // Placeholders in lists and the ASCII-bracket form count too; notes do not.
    fs::write(
        dir.join("facility.yaml"),
        text.replace("name: （病院名を記入）", "name: (病院名を記入)\nx-memo: （担当者を記入）")
            .replace("beds: （許可病床数を記入）", "beds: 0"),
    )
    .unwrap();
    let found = doc002("ja");
    assert_eq!(found.len(), 1, "beds: 0 is a bed count (a clinic without beds); notes are free: {found:?}");
    assert_eq!(found[0].2, "`name` がひな形の「(病院名を記入)」のままです");
    // Filled in: gone.
    fs::write(
        dir.join("facility.yaml"),
        text.replace("name: （病院名を記入）", "name: 見本病院")
            .replace("beds: （許可病床数を記入）", "beds: 120"),
    )
    .unwrap();
    assert_eq!(doc002("ja"), []);
}

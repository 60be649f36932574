//! `anzen report` (issue 5): the filled R7 checklist in Markdown, HTML and
//! OSCAL, from the real binary.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{anzen, anzen_in, repo, stderr, stdout};

const EXAMPLE: &str = "fixtures/example-hospital";

fn report(path: &str, format: &str, lang: &str) -> String {
    let out = anzen(&["report", path, "--as-of", "2025-06-30", "--format", format, "--lang", lang]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

fn report_in(dir: &Path, format: &str, lang: &str) -> String {
    let out = anzen_in(dir, &["report", ".", "--as-of", "2025-06-30", "--format", format, "--lang", lang]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// The answer cell of checklist item `item` in a Markdown report.
fn answer(markdown: &str, item: &str) -> String {
    let prefix = format!("| {item} | ");
    let line = markdown.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no row {item}"));
    line.split(" | ").nth(2).unwrap().trim_matches('*').to_owned()
}

#[test]
fn markdown_report_in_japanese() {
    insta::assert_snapshot!(report(EXAMPLE, "markdown", "ja"));
}

#[test]
fn markdown_report_in_english() {
    insta::assert_snapshot!(report(EXAMPLE, "markdown", "en"));
}

/// docs/reports.md, "Item wording": every item with its tag, and the report
/// marks 「※文言未確認」 exactly on the items the table does not call C
/// (issue 14 item 5: the stored `confidence` decides the mark).
#[test]
fn item_wording_table_agrees_with_the_report_marks() {
    let docs = fs::read_to_string(repo().join("docs/reports.md")).unwrap();
    let section = docs.split("## Item wording: what is confirmed").nth(1).expect("the Item wording section");
    let rows: Vec<Vec<&str>> = section
        .lines()
        .skip_while(|l| !l.starts_with("| item |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let items: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    let expected = [
        "冒頭",
        "1①",
        "2①",
        "2②",
        "2③",
        "2④",
        "2⑤",
        "2⑥",
        "2⑦",
        "2⑧",
        "2⑨",
        "2⑩",
        "2⑪",
        "2⑫",
        "2⑬",
        "3①",
        "3②",
        "3③",
        "4①",
        "事業者確認用",
    ];
    assert_eq!(items, expected, "one row per item, in the checklist's order");
    let md = report(EXAMPLE, "markdown", "ja");
    for row in rows.iter().skip(1) {
        let (item, tag, printed) = (row[0], row[1], row[3]);
        let confirmed = tag.starts_with("C");
        let prefix = format!("| {item} | ");
        let line = md.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no row {item}"));
        assert_eq!(!line.contains("※文言未確認"), confirmed, "{item}: tag {tag}, report row {line}");
        assert_eq!(printed == "confirmed", confirmed, "{item}: printed as {printed}");
    }
}

#[test]
fn example_hospital_answers_follow_its_planted_gaps() {
    let md = report(EXAMPLE, "markdown", "ja");
    // An error finding of the item's rules makes いいえ.
    for item in ["2③", "2⑤", "2⑥", "2⑦", "2⑬"] {
        assert_eq!(answer(&md, item), "いいえ", "{item}");
    }
    // 3② (r2): backups made and the restore procedure confirmed; the
    // thresholds of BAK-002..005 are guideline findings listed as such.
    for item in ["1①", "2①", "2②", "2④", "2⑧", "2⑨", "2⑪", "2⑫", "3①", "3②", "3③", "4①"]
    {
        assert_eq!(answer(&md, item), "はい", "{item}");
    }
    // AUT-003 is only a warning (2FA planned within FY2027, which 2⑩ accepts): はい with a note.
    assert_eq!(answer(&md, "2⑩"), "はい");
    assert!(md.contains("- **2⑩** はい — 規則 AUT-003: エラーなし、警告 1 件\n  - 警告 AUT-003"), "{md}");
    // The findings behind every いいえ, with file:line.
    assert!(md.contains("`fixtures/example-hospital/backups.yaml:29`"));
    assert!(md.contains("`fixtures/example-hospital/vendors.yaml:21`"));
    // 確認日 = as_of; the target-date column is empty; national and bed-class rates beside the answer.
    assert!(md.contains("| 2⑥ | セキュリティパッチ"), "{md}");
    let row = md.lines().find(|l| l.starts_with("| 2⑥ |")).unwrap();
    assert!(row.contains("| **いいえ** | 2025-06-30 |  | "), "{row}");
    // Both patch rates of the survey, each for its own devices; 1① shows the CISO rate.
    assert!(
        row.contains("パッチ（ネットワーク機器） 全国 74%<br>パッチ（サーバ・端末PC） 全国 61%"),
        "{row}"
    );
    assert!(md.lines().any(|l| l.starts_with("| 1① |") && l.contains("CISO設置 全国 73%")), "{md}");
    // The gateway patched 45 days ago decides 2⑥ (PAT-002), as `check` says.
    let basis = &md[md.find("- **2⑥**").unwrap()..];
    assert!(basis.lines().take(4).any(|l| l.contains("エラー PAT-002")), "{basis}");
    // Findings that decide no item are listed as such.
    let other = &md[md.find("### チェックリスト項目を判定しない指摘").unwrap()..];
    assert!(other.contains("AST-003") && other.contains("BAK-002") && !other.contains("PAT-002"), "{other}");
    // The scope question comes first.
    let scope = md.find("| 冒頭 |").unwrap();
    assert!(scope < md.find("| 1① |").unwrap());
}

#[test]
fn english_report_uses_english_answers() {
    let md = report(EXAMPLE, "markdown", "en");
    assert_eq!(answer(&md, "2⑥"), "No");
    assert_eq!(answer(&md, "2①"), "Yes");
    assert!(md.contains("EHR backup: national 97%"), "{md}");
    assert!(md.contains("| 3② | The data needed to continue care"), "{md}");
}

const FACILITY: &str = "apiVersion: anzen/v1\nkind: Facility\nname: T病院\nbeds: 50\nuses_medical_information_systems: true\ngovernance:\n  security_manager: {name: 山田, appointed_on: 2024-04-01}\n";
const SYSTEMS: &str = "apiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n  - {id: s1, name: 電子カルテ, category: ehr, patient_data: true}\n";

#[test]
fn absent_evidence_documents_make_not_described() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "facility.yaml", FACILITY);
    write(dir.path(), "systems.yaml", SYSTEMS);
    let md = report_in(dir.path(), "markdown", "ja");
    // No AssetLedger: 2① is 未記載 even though AST-001 ("no ledger") fires, and its
    // 確認日 is left for the person who checks.
    assert_eq!(answer(&md, "2①"), "未記載");
    let row = md.lines().find(|l| l.starts_with("| 2① |")).unwrap();
    assert!(row.contains("| **未記載** |  |  |"), "{row}");
    assert!(md.contains("根拠となる文書がありません: AssetLedger（機器台帳）"), "{md}");
    assert_eq!(answer(&md, "2⑤"), "未記載", "no AccountInventory");
    assert_eq!(answer(&md, "3②"), "未記載", "no BackupPlan");
    // Described, and failing: a system with patient data and no access log.
    assert_eq!(answer(&md, "2⑪"), "いいえ");
    assert_eq!(answer(&md, "1①"), "はい");
    // The survey result is unknown where nothing is described.
    // EHR in use but no BackupPlan: the EHR backup and the four backup items
    // (asked among hospitals backing up their EHR) are unknown.
    assert!(
        md.contains("| バックアップの世代数 3世代以上（電子カルテのバックアップデータを作成している病院のうち） | 65% | 57% | 未記載 | — |"),
        "{md}"
    );
    assert!(md.contains("| 自組織において電子カルテシステムを使用している | 71% | — | 実施 | — |"), "{md}");
}

#[test]
fn no_medical_systems_makes_every_item_not_applicable() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facility.yaml",
        "apiVersion: anzen/v1\nkind: Facility\nname: 診療所\nbeds: 19\nuses_medical_information_systems: false\ngovernance: {}\n",
    );
    let md = report_in(dir.path(), "markdown", "en");
    assert_eq!(answer(&md, "Scope"), "No");
    // r2: every item below the opening question, 1① included, need not be checked.
    for item in ["1①", "2①", "2⑥", "3②", "4①"] {
        assert_eq!(answer(&md, item), "N/A", "{item}");
    }
    assert!(md.contains("| Yes | No | Not described | To confirm | N/A |\n|---:|---:|---:|---:|---:|\n| 0 | 0 | 0 | 0 | 18 |"), "{md}");
    assert!(md.contains("19 (the survey covers hospitals of 20 beds or more)"), "{md}");
}

#[test]
fn rules_turned_off_make_to_confirm() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "facility.yaml", FACILITY);
    write(dir.path(), "anzen.yaml", "apiVersion: anzen/v1\nkind: Config\nrules:\n  GOV-001: off\n");
    let md = report_in(dir.path(), "markdown", "en");
    assert_eq!(answer(&md, "1①"), "To confirm");
    assert!(md.contains("the rules that decide it (GOV-001) are turned off"), "{md}");
}

#[test]
fn a_fleet_gives_one_section_per_facility() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/facility.yaml", &FACILITY.replace("T病院", "A病院"));
    write(
        dir.path(),
        "b/facility.yaml",
        &FACILITY.replace("T病院", "B病院").replace("beds: 50", "beds: 520"),
    );
    let md = report_in(dir.path(), "markdown", "ja");
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings, ["## A病院", "## B病院"]);
    assert!(md.contains("520床（全国調査の病床区分 500床以上）"), "{md}");
    let html = report_in(dir.path(), "html", "ja");
    assert_eq!(html.matches("<section class=\"facility\"").count(), 2);
    assert!(html.contains(".facility { break-before: page;"), "page break between facilities");
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checklist.html");
    let out = anzen(&[
        "report",
        EXAMPLE,
        "--as-of",
        "2025-06-30",
        "--format",
        "html",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "a report with findings still exits 0: {}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(fs::read_to_string(&file).unwrap().starts_with("<!DOCTYPE html>"));
}

/// Checks that every element opened is closed in order (void elements and
/// `/>` excepted), and returns the element names seen.
fn check_balanced(html: &str) -> Vec<String> {
    const VOID: [&str; 7] = ["meta", "col", "br", "wbr", "img", "hr", "input"];
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name.trim(), "</{name}> closes <{open}>");
            continue;
        }
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        assert!(!tag.contains('<'), "`<` inside tag <{tag}>");
        seen.push(name.clone());
        if !(VOID.contains(&name.as_str()) || tag.ends_with('/')) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    seen
}

fn check_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for banned in [
        "http://",
        "https://",
        "<script",
        "<link",
        "<img",
        "<iframe",
        "@import",
        "url(",
        " src=",
        "javascript:",
    ] {
        assert!(!lower.contains(banned), "HTML must not contain `{banned}`");
    }
}

#[test]
fn html_report_is_self_contained_and_well_formed() {
    for lang in ["ja", "en"] {
        let html = report(EXAMPLE, "html", lang);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\""));
        check_self_contained(&html);
        let seen = check_balanced(&html);
        for needed in ["style", "svg", "rect", "table", "section", "h1", "h2"] {
            assert!(seen.iter().any(|s| s == needed), "no <{needed}>");
        }
        assert!(html.contains("@page { size: A4;"), "print CSS");
        assert!(html.contains("@media print"));
        assert!(html.contains("<td class=\"target\"></td>"), "an empty target-date column");
    }
    let ja = report(EXAMPLE, "html", "ja");
    assert!(ja.contains("<td class=\"answer no\">いいえ</td>"));
    assert!(ja.contains("<span class=\"n\">13</span><span class=\"l\">はい</span>"), "summary of answers");
    // Header: code, prefecture, lines to sign; no internal directory.
    for needed in ["医療機関コード", "都道府県", "記入者", "確認者", "※文言未確認"] {
        assert!(ja.contains(needed), "{needed}");
    }
    assert!(!ja.contains("fixtures/example-hospital<"), "no internal directory in the header");
    assert!(!ja.contains("BCP BCP"));
    // The title breaks only between phrases, never inside a word.
    assert!(ja.contains("<h1><span class=\"phrase\">医療機関における</span><wbr><span class=\"phrase\">サイバーセキュリティ対策チェックリスト</span><wbr><span class=\"phrase\">（令和7年度版）</span><wbr>"), "{ja}");
    let en = report(EXAMPLE, "html", "en");
    assert!(
        en.contains("<span class=\"phrase\">Cybersecurity</span> <span class=\"phrase\">checklist</span> "),
        "{en}"
    );
    assert!(!en.contains("BCP</span>BCP") && !en.contains("USB</span>USB"), "natural area labels");
}

#[test]
fn input_text_cannot_inject_markup() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facility.yaml",
        &FACILITY.replace("T病院", "\"<script>alert('x')</script> & <b>病院</b>\""),
    );
    let html = report_in(dir.path(), "html", "ja");
    check_self_contained(&html);
    check_balanced(&html);
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;病院&lt;/b&gt;"));
    let md = report_in(dir.path(), "markdown", "ja");
    assert!(!md.contains("<script") && !md.contains("<b>"), "{md}");
    assert!(md.contains("## &lt;script&gt;"), "{md}");
}

fn oscal_schema() -> Option<PathBuf> {
    let path = repo().join("../shared/external/oscal/oscal_assessment-results_schema.json");
    path.is_file().then_some(path)
}

#[test]
fn oscal_output_validates_against_the_oscal_schema() {
    let Some(path) = oscal_schema() else {
        eprintln!(
            "oscal_output_validates_against_the_oscal_schema: skipped (../shared/external/oscal not found)"
        );
        return;
    };
    let schema: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::draft7::options().should_validate_formats(true).build(&schema).unwrap();
    let fleet = tempfile::tempdir().unwrap();
    write(fleet.path(), "a/facility.yaml", FACILITY);
    write(
        fleet.path(),
        "b/facility.yaml",
        &FACILITY
            .replace("uses_medical_information_systems: true", "uses_medical_information_systems: false"),
    );
    // (An empty directory is no longer a report: nothing checked is exit 2, issue 17.)
    let docs = [
        report(EXAMPLE, "oscal", "ja"),
        report(EXAMPLE, "oscal", "en"),
        report_in(fleet.path(), "oscal", "en"),
    ];
    for doc in &docs {
        let json: Value = serde_json::from_str(doc).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // The validator does look inside: a wrong status is rejected.
    let mut broken: Value = serde_json::from_str(&docs[0]).unwrap();
    broken["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "maybe".into();
    assert!(!validator.is_valid(&broken));
}

fn oscal(lang: &str) -> Value {
    serde_json::from_str(&report(EXAMPLE, "oscal", lang)).unwrap()
}

#[test]
fn oscal_has_one_finding_per_item_with_evidence_locations() {
    let doc = oscal("en");
    let ar = &doc["assessment-results"];
    assert_eq!(ar["metadata"]["oscal-version"], "1.0.4");
    assert_eq!(ar["metadata"]["last-modified"], "2025-06-30T00:00:00Z", "from as_of, not the clock");
    let results = ar["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "one result per facility");
    let findings = results[0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 19, "18 items of the form and the vendor form");
    let state = |target: &str| {
        let f = findings.iter().find(|f| f["target"]["target-id"] == target).unwrap();
        f["target"]["status"]["state"].as_str().unwrap().to_owned()
    };
    assert_eq!(state("r7-2-6"), "not-satisfied");
    assert_eq!(state("r7-3-2"), "satisfied", "guideline thresholds do not decide 3②");
    assert_eq!(state("r7-2-10"), "satisfied", "a warning alone does not fail the item");
    assert_eq!(state("r7-1-1"), "satisfied");
    // 2⑥ is backed by the PAT observations, which carry file, line and pointer.
    let f26 = findings.iter().find(|f| f["target"]["target-id"] == "r7-2-6").unwrap();
    let related: Vec<&str> = f26["related-observations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["observation-uuid"].as_str().unwrap())
        .collect();
    assert_eq!(related.len(), 2);
    let observations = results[0]["observations"].as_array().unwrap();
    assert_eq!(observations.len(), 14, "every finding of the example hospital");
    let pat2 = observations.iter().find(|o| o["title"].as_str().unwrap().starts_with("PAT-002")).unwrap();
    assert!(related.contains(&pat2["uuid"].as_str().unwrap()));
    assert!(
        pat2["relevant-evidence"][0]["href"]
            .as_str()
            .unwrap()
            .starts_with("fixtures/example-hospital/assets/network.yaml#L")
    );
    // Every finding is an observation, guideline findings included.
    assert!(observations.iter().any(|o| o["title"].as_str().unwrap().starts_with("BAK-002")));
    let props = results[0]["props"].as_array().unwrap();
    assert!(
        props.iter().any(|p| p["name"] == "survey-ciso" && p["value"] == "met"),
        "survey answers as props"
    );
    // UUIDs are unique within the document.
    let mut defined: Vec<&str> =
        observations.iter().chain(findings).map(|o| o["uuid"].as_str().unwrap()).collect();
    defined.push(results[0]["uuid"].as_str().unwrap());
    defined.push(ar["uuid"].as_str().unwrap());
    let all = defined.len();
    defined.sort_unstable();
    defined.dedup();
    assert_eq!(defined.len(), all);
}

#[test]
fn oscal_is_the_same_for_the_same_input() {
    let one = report(EXAMPLE, "oscal", "en");
    let two = report(EXAMPLE, "oscal", "en");
    assert_eq!(one, two, "two runs diff clean");
    // The UUIDs depend on stable inputs (directory, item, rule, location), not on the language.
    let ja = oscal("ja");
    let en = oscal("en");
    assert_eq!(ja["assessment-results"]["uuid"], en["assessment-results"]["uuid"]);
    assert_eq!(
        ja["assessment-results"]["results"][0]["findings"][5]["uuid"],
        en["assessment-results"]["results"][0]["findings"][5]["uuid"]
    );
}

use crate::stats::genfleet;

/// `anzen <args>` in `dir`, exit 0 or 1, its standard output.
fn run_in(dir: &Path, args: &[&str]) -> String {
    let out = anzen_in(dir, args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn oscal_and_stats_give_the_same_answers_for_every_facility() {
    let dir = tempfile::tempdir().unwrap();
    genfleet::generate(&genfleet::Args {
        hospitals: 40,
        seed: 5,
        out: dir.path().to_path_buf(),
        max_assets: 40,
        assets: None,
        missing_percent: genfleet::MISSING_PERCENT,
    })
    .unwrap();
    let oscal: Value = serde_json::from_str(&run_in(
        dir.path(),
        &["report", "hospitals", "--as-of", "2025-06-30", "--format", "oscal"],
    ))
    .unwrap();
    let stats: Value = serde_json::from_str(&run_in(
        dir.path(),
        &["stats", "hospitals", "--as-of", "2025-06-30", "--format", "json"],
    ))
    .unwrap();
    let results = oscal["assessment-results"]["results"].as_array().unwrap();
    let answers = stats["answers"].as_array().unwrap();
    assert_eq!(results.len(), 40);
    assert_eq!(answers.len(), 40);
    let mut kinds = std::collections::BTreeSet::new();
    for (result, answer) in results.iter().zip(answers) {
        let props = result["props"].as_array().unwrap();
        let prop = |name: &str| props.iter().find(|p| p["name"] == name).map(|p| p["value"].clone());
        assert_eq!(prop("facility-root").unwrap(), answer["root"]);
        let items = answer["items"].as_object().unwrap();
        assert_eq!(items.len(), 21);
        for (key, value) in items {
            assert_eq!(prop(&format!("survey-{key}")).as_ref(), Some(value), "{} {key}", answer["root"]);
            kinds.insert(value.as_str().unwrap().to_owned());
        }
    }
    assert_eq!(kinds.len(), 4, "the fleet exercises met, not met, unknown and N/A: {kinds:?}");
}

/// One hospital that meets everything (the generator with no gap planted).
fn clean_hospital(dir: &Path) {
    let files = genfleet::hospital(1, 150, 30, &std::collections::BTreeMap::new(), &mut genfleet::Rng(1));
    for (name, text) in files {
        write(dir, name, &text);
    }
}

/// The checklist answers (Markdown) and survey answers (stats JSON) of the
/// hospital in `dir`.
fn answers_of(dir: &Path) -> (String, Value) {
    let md = report_in(dir, "markdown", "ja");
    let stats: Value =
        serde_json::from_str(&run_in(dir, &["stats", ".", "--as-of", "2025-06-30", "--format", "json"]))
            .unwrap();
    let items = stats["answers"][0]["items"].clone();
    (md, items)
}

#[test]
fn each_planted_gap_makes_its_item_no_and_its_survey_item_not_met() {
    // (what, file, replace, with, checklist item → いいえ, survey item → not_met)
    type Plant =
        (&'static str, &'static str, &'static str, &'static str, Option<&'static str>, Option<&'static str>);
    let plants: [Plant; 17] = [
        (
            "GOV-001",
            "facility.yaml",
            "  security_manager: {name: 管理者1, appointed_on: 2022-04-01, qualifications: [fe]}\n",
            "",
            Some("1①"),
            Some("ciso"),
        ),
        (
            "GOV-002",
            "facility.yaml",
            "csirt: {established: true}",
            "csirt: {established: false}",
            None,
            Some("csirt"),
        ),
        ("GOV-004", "facility.yaml", ", officer: 担当者", "", None, Some("department_officers")),
        (
            "GOV-006",
            "facility.yaml",
            "vulnerability_info: {sources: [JPCERT/CC], review: weekly}\n",
            "",
            None,
            Some("vulnerability_info"),
        ),
        (
            "BCP-001",
            "facility.yaml",
            "cyber_attack_scenario: true",
            "cyber_attack_scenario: false",
            Some("3③"),
            Some("cyber_bcp"),
        ),
        (
            "AUT-003",
            "facility.yaml",
            "mfa: {enabled: true, factors: [knowledge, possession]}",
            "mfa: {enabled: false}",
            Some("2⑩"),
            Some("mfa"),
        ),
        ("AST-001", "assets.yaml", "type: network_device", "type: storage", Some("2①"), Some("asset_ledger")),
        (
            "PAT-001 (network)",
            "assets.yaml",
            "id: net-0000, type: network_device, location: 病棟, manager: 情報システム課, vendor: v-net, patch: {last_applied_on: 2025-0",
            "id: net-0000, type: network_device, location: 病棟, manager: 情報システム課, vendor: v-net, patch: {last_applied_on: 2024-0",
            Some("2⑥"),
            Some("patch_network"),
        ),
        (
            "PAT-001 (server)",
            "assets.yaml",
            "id: srv-0000, type: server, location: 病棟, manager: 情報システム課, vendor: v-net, patch: {last_applied_on: 2025-0",
            "id: srv-0000, type: server, location: 病棟, manager: 情報システム課, vendor: v-net, patch: {last_applied_on: 2024-0",
            Some("2⑥"),
            Some("patch_server_pc"),
        ),
        (
            "USB-001",
            "assets.yaml",
            "usb_storage: blocked",
            "usb_storage: unrestricted",
            Some("2⑨"),
            Some("usb"),
        ),
        (
            "NET-006",
            "assets.yaml",
            "remote_maintenance: {used: false, confirmed_on: 2025-04-01}",
            "x-note: none",
            Some("2②"),
            None,
        ),
        (
            "NET-001",
            "network.yaml",
            "updated_on: 2025-0",
            "updated_on: 2024-0",
            None,
            Some("network_diagram"),
        ),
        (
            "VEN-001",
            "vendors.yaml",
            "\n    mds_sds: {kind: SDS, received_on: 2024-04-01}",
            "",
            Some("2③"),
            Some("mds_sds"),
        ),
        ("VEN-002", "vendors.yaml", "sla: true", "sla: false", None, Some("contract_sla")),
        ("BAK-001", "backups.yaml", "system: sys-main", "system: sys-pacs", Some("3②"), Some("ehr_backup")),
        ("BAK-006", "backups.yaml", "procedure: 復旧手順書, ", "", Some("3②"), None),
        ("BAK-002", "backups.yaml", "generations: 7", "generations: 2", None, Some("backup_generations_3")),
    ];
    let clean = tempfile::tempdir().unwrap();
    clean_hospital(clean.path());
    let (md, survey) = answers_of(clean.path());
    for item in ["1①", "2①", "2②", "2③", "2⑥", "2⑨", "2⑩", "3②", "3③"] {
        assert_eq!(answer(&md, item), "はい", "clean hospital {item}");
    }
    assert!(survey.as_object().unwrap().values().all(|v| v == "met"), "clean hospital: {survey}");
    for (rule, file, from, to, item, key) in plants {
        let dir = tempfile::tempdir().unwrap();
        clean_hospital(dir.path());
        let path = dir.path().join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rule}: `{from}` not in {file}");
        fs::write(&path, text.replace(from, to)).unwrap();
        let (md, survey) = answers_of(dir.path());
        if let Some(item) = item {
            assert_eq!(answer(&md, item), "いいえ", "{rule} → {item}");
            let basis = md.lines().find(|l| l.starts_with(&format!("- **{item}** "))).unwrap();
            let first = md[md.find(basis).unwrap()..].lines().nth(1).unwrap_or("");
            assert!(first.contains(rule.split(' ').next().unwrap()), "{rule} listed under {item}: {first}");
        }
        if let Some(key) = key {
            assert_eq!(survey[key], "not_met", "{rule} → {key}: {survey}");
        }
        let changed: Vec<&String> =
            survey.as_object().unwrap().iter().filter(|(_, v)| *v != "met").map(|(k, _)| k).collect();
        assert!(changed.len() <= 5, "{rule} changed only its own items: {changed:?}");
    }
}

#[test]
fn guideline_thresholds_do_not_decide_3_2_and_pat_002_does_not_count_for_the_survey() {
    let dir = tempfile::tempdir().unwrap();
    clean_hospital(dir.path());
    // Two generations: a guideline finding, listed as such, not under 3②.
    let backups = dir.path().join("backups.yaml");
    fs::write(&backups, fs::read_to_string(&backups).unwrap().replace("generations: 7", "generations: 2"))
        .unwrap();
    let (md, survey) = answers_of(dir.path());
    assert_eq!(answer(&md, "3②"), "はい");
    let other = md.find("### チェックリスト項目を判定しない指摘").unwrap();
    assert!(md[other..].contains("BAK-002"), "{md}");
    assert!(!md[..other].contains("エラー BAK-002"), "BAK-002 is not under 3②: {md}");
    assert_eq!(survey["backup_generations_3"], "not_met");
    assert_eq!(survey["ehr_backup"], "met");
    // The JSON's `checklist` names exactly the items a finding decides.
    let json: Value = serde_json::from_str(&run_in(
        dir.path(),
        &["check", ".", "--as-of", "2025-06-30", "--format", "json"],
    ))
    .unwrap();
    let bak = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "BAK-002").unwrap();
    assert_eq!(bak["checklist"], serde_json::json!([]));
}

/// `check` ends with each facility's checklist answers, read from the same
/// assessment as the report: per facility, the items it answers いいえ are
/// the items OSCAL marks not satisfied.
#[test]
fn checks_summary_answers_as_the_report_does() {
    let dir = tempfile::tempdir().unwrap();
    genfleet::generate(&genfleet::Args {
        hospitals: 6,
        seed: 5,
        out: dir.path().to_path_buf(),
        max_assets: 30,
        assets: None,
        missing_percent: genfleet::MISSING_PERCENT,
    })
    .unwrap();
    let concise = anzen_in(
        dir.path(),
        &["check", "hospitals", "--as-of", "2025-06-30", "--format", "concise", "--lang", "en"],
    );
    let text = stdout(&concise);
    let summary: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("R7 checklist answers"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    let oscal: Value = serde_json::from_str(&run_in(
        dir.path(),
        &["report", "hospitals", "--as-of", "2025-06-30", "--format", "oscal"],
    ))
    .unwrap();
    let results = oscal["assessment-results"]["results"].as_array().unwrap();
    assert_eq!(summary.len(), results.len(), "{text}");
    let mut some_no = false;
    for (line, result) in summary.iter().zip(results) {
        let prop = |f: &Value, name: &str| {
            f["props"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["value"].clone()
        };
        let no: Vec<String> = result["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| prop(f, "answer") == "no")
            .map(|f| prop(f, "checklist-item").as_str().unwrap().to_owned())
            .collect();
        let expected =
            if no.is_empty() { String::new() } else { format!("No {} ({})", no.len(), no.join(", ")) };
        assert!(line.contains(&expected), "check says `{line}`, the report `{expected}`");
        if no.is_empty() {
            assert!(!line.contains("No "), "{line}");
        }
        some_no |= !no.is_empty();
    }
    assert!(some_no, "the fleet has gaps: {text}");

    // The example hospital, item by item, in Japanese.
    let out = anzen(&["check", EXAMPLE, "--as-of", "2025-06-30", "--format", "concise", "--lang", "ja"]);
    assert!(
        stdout(&out).contains(
            "  医療法人さくら会 さくら記念病院: はい 13・いいえ 6（2③、2⑤、2⑥、2⑦、2⑬、事業者確認用）"
        ),
        "{}",
        stdout(&out)
    );
}

//! `anzen import` and `anzen export` on the spreadsheets in
//! `fixtures/import/` (regenerate them with `make_fixtures.py` there).

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::{anzen, anzen_in, repo, stderr, stdout};

const XLSX: &str = "fixtures/import/機器台帳.xlsx";
const SJIS: &str = "fixtures/import/機器台帳_sjis.csv";
const AD: &str = "fixtures/import/ad-users.csv";

/// Runs anzen in the repository root; (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = anzen(args);
    (out.status.code().unwrap_or(-1), stdout(&out), stderr(&out))
}

/// The YAML without comment lines.
fn values_only(yaml: &str) -> String {
    yaml.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n")
}

#[test]
fn xlsx_with_a_two_row_merged_header() {
    let (code, yaml, problems) = run(&["import", "assets", XLSX, "--lang", "en"]);
    assert_eq!(code, 0, "{problems}");
    insta::assert_snapshot!("xlsx_yaml", yaml);
    insta::assert_snapshot!("xlsx_problems", problems);
}

#[test]
fn shift_jis_csv_with_era_dates_serials_and_bad_cells() {
    let (code, yaml, problems) = run(&["import", "assets", SJIS]);
    assert_eq!(code, 0, "{problems}");
    insta::assert_snapshot!("sjis_yaml", yaml);
    insta::assert_snapshot!("sjis_problems_ja", problems);
    let (_, _, en) = run(&["import", "assets", SJIS, "--lang", "en"]);
    insta::assert_snapshot!("sjis_problems_en", en);
}

#[test]
fn active_directory_accounts() {
    let (code, yaml, problems) =
        run(&["import", "accounts", AD, "--system", "sys-ehr", "--exported-on", "R7.7.1", "--lang", "en"]);
    assert_eq!(code, 0, "{problems}");
    insta::assert_snapshot!("accounts_yaml", yaml);
    insta::assert_snapshot!("accounts_problems", problems);
}

#[test]
fn summary_counts_rows_and_cells() {
    let (_, _, problems) = run(&["import", "assets", XLSX, "--lang", "en"]);
    assert!(problems.ends_with(
        "fixtures/import/機器台帳.xlsx: imported 7 rows (1 blank, 1 skipped without an id); cells: 93 imported, 0 defaulted, 2 rejected; 6 problems\n"
    ), "{problems}");
    let (_, _, problems) =
        run(&["import", "assets", SJIS, "--lang", "en", "--default", "manager=情報システム課"]);
    assert!(problems.ends_with(
        "imported 6 rows (2 blank, 0 skipped without an id); cells: 49 imported, 0 defaulted, 3 rejected; 5 problems\n"
    ), "{problems}");
    // A default fills only what the sheet leaves blank.
    let (_, _, problems) = run(&["import", "assets", SJIS, "--lang", "en", "--default", "usb_storage=禁止"]);
    assert!(problems.contains("cells: 49 imported, 3 defaulted, 3 rejected"), "{problems}");
}

#[test]
fn strict_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("assets.yaml");
    let (code, yaml, problems) =
        run(&["import", "assets", SJIS, "--strict", "-o", out.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(code, 2);
    assert!(yaml.is_empty());
    assert!(!out.exists(), "nothing is written under --strict");
    assert!(
        problems.contains("5 problem(s) in the spreadsheet; with --strict nothing was written"),
        "{problems}"
    );
    // A clean sheet passes --strict.
    let clean = dir.path().join("clean.csv");
    fs::write(&clean, "機器ID,種別,設置場所,管理部署\nsv-1,サーバ,サーバ室,情報システム課\n").unwrap();
    let (code, yaml, problems) = run(&["import", "assets", clean.to_str().unwrap(), "--strict"]);
    assert_eq!(code, 0, "{problems}");
    assert!(yaml.contains("  - id: sv-1\n    type: server\n"));
}

#[test]
fn importing_twice_gives_identical_bytes() {
    for file in [XLSX, SJIS] {
        let (_, first, _) = run(&["import", "assets", file]);
        let (_, second, _) = run(&["import", "assets", file]);
        assert_eq!(first, second, "{file}");
    }
}

fn facility_with(dir: &Path, name: &str, yaml: &str) {
    fs::write(
        dir.join("facility.yaml"),
        "apiVersion: anzen/v1\nkind: Facility\nname: テスト病院\nbeds: 120\nuses_medical_information_systems: true\ngovernance: {}\n",
    )
    .unwrap();
    fs::write(dir.join(name), yaml).unwrap();
}

fn doc_findings(dir: &Path) -> Vec<(String, String)> {
    let out = anzen_in(dir, &["check", ".", "--format", "json", "--as-of", "2025-06-30", "--lang", "en"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["rule"].as_str(), Some("DOC-001" | "DOC-002")))
        .map(|f| (f["rule"].as_str().unwrap().to_owned(), f["pointer"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[test]
fn imported_ledgers_pass_the_schema_check() {
    let dir = tempfile::tempdir().unwrap();
    let (_, yaml, _) = run(&["import", "assets", XLSX, "--reviewed-on", "令和7年6月1日"]);
    assert!(yaml.contains("\nreviewed_on: 2025-06-01\n"));
    facility_with(dir.path(), "assets.yaml", &yaml);
    assert_eq!(doc_findings(dir.path()), vec![]);

    // The unknown type was left out: `anzen check` reports exactly that.
    let dir = tempfile::tempdir().unwrap();
    let (_, yaml, _) = run(&["import", "assets", SJIS]);
    facility_with(dir.path(), "assets.yaml", &yaml);
    assert_eq!(doc_findings(dir.path()), vec![("DOC-002".to_owned(), "/assets/3".to_owned())]);

    let dir = tempfile::tempdir().unwrap();
    let (_, yaml, _) = run(&["import", "assets", SJIS, "--map", "fixtures/import/map.yaml"]);
    facility_with(dir.path(), "assets.yaml", &yaml);
    assert_eq!(doc_findings(dir.path()), vec![]);

    let dir = tempfile::tempdir().unwrap();
    let (_, yaml, _) =
        run(&["import", "accounts", AD, "--system", "sys-ehr", "--default", "staff_status=unknown"]);
    facility_with(dir.path(), "accounts.yaml", &yaml);
    // The default fills the blank cell, not sato.m's rejected `休職` (nor `Yes?`).
    let sato = ("DOC-002".to_owned(), "/accounts/4".to_owned());
    assert_eq!(doc_findings(dir.path()), vec![sato.clone(), sato]);
}

#[test]
fn mapping_file_names_columns_values_and_defaults() {
    let (code, yaml, problems) =
        run(&["import", "assets", SJIS, "--map", "fixtures/import/map.yaml", "--lang", "en"]);
    assert_eq!(code, 0);
    assert!(yaml.contains("  - id: PR-001\n    type: other\n"), "{yaml}");
    assert!(yaml.contains("    x-メモ: ﾘｰｽ\n"), "{yaml}");
    assert!(!problems.contains("not a known header"), "{problems}");
    assert!(!problems.contains("複合機X"), "{problems}");
    assert!(problems.contains("cells: 50 imported, 3 defaulted, 2 rejected; 3 problems"), "{problems}");
}

#[test]
fn a_bad_mapping_file_points_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.yaml");
    fs::write(&map, "columns:\n  部屋: locaton\n").unwrap();
    let (code, _, err) = run(&["import", "assets", SJIS, "--map", map.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("`locaton` is not a field of AssetLedger"), "{err}");
    assert!(err.contains("did you mean `location`?"), "{err}");
    assert!(err.contains("2 │   部屋: locaton"), "{err}");
}

#[test]
fn round_trip_import_export_import() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, first, _) = run(&["import", "assets", XLSX]);
    fs::write(d.join("a.yaml"), &first).unwrap();
    for format in ["csv", "xlsx"] {
        let sheet = d.join(format!("ledger.{format}"));
        let out =
            anzen_in(d, &["export", "assets", "a.yaml", "--format", format, "-o", sheet.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let again = anzen_in(d, &["import", "assets", sheet.to_str().unwrap()]);
        assert!(
            stderr(&again).contains("problems 0 件") || stderr(&again).contains("問題 0 件"),
            "{}",
            stderr(&again)
        );
        assert_eq!(values_only(&stdout(&again)), values_only(&first), "{format}");
        // Exporting the re-import and importing that again is a fixed point, comments included.
        fs::write(d.join("b.yaml"), stdout(&again)).unwrap();
        let sub = d.join(format);
        fs::create_dir_all(&sub).unwrap();
        let sheet2 = sub.join(format!("ledger.{format}"));
        let out =
            anzen_in(d, &["export", "assets", "b.yaml", "--format", format, "-o", sheet2.to_str().unwrap()]);
        assert!(out.status.success());
        let third = anzen_in(d, &["import", "assets", sheet2.to_str().unwrap()]);
        assert_eq!(stdout(&third), stdout(&again), "{format}");
    }
}

#[test]
fn export_writes_excel_friendly_csv() {
    let out = anzen_in(&repo().join("fixtures/example-hospital"), &["export", "assets"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = &out.stdout;
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark");
    let text = String::from_utf8_lossy(&bytes[3..]);
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with(
            "機器ID,種別,ホスト名,設置場所,管理部署,保守業者,機種,OS,OSバージョン,OSサポート終了日"
        ),
        "{header}"
    );
    assert!(text.contains("\r\n"), "CRLF line ends");
    assert!(text.contains("srv-ehr-db01,サーバ,EHR-DB01,"), "{text}");
    let en = anzen_in(&repo().join("fixtures/example-hospital"), &["export", "assets", "--headers", "en"]);
    let text = String::from_utf8_lossy(&en.stdout);
    assert!(text.contains("id,type,hostname,location,manager,vendor,model,os.name"), "{text}");
    assert!(text.contains("srv-ehr-db01,server,EHR-DB01,"));
    let (code, _, err) = run(&["export", "assets", "fixtures/example-hospital", "--format", "xlsx"]);
    assert_eq!(code, 2);
    assert!(err.contains("--format xlsx needs --output FILE"), "{err}");
}

#[test]
fn the_example_hospital_round_trips_through_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = d.join("ledger.csv");
    let out = anzen(&["export", "assets", "fixtures/example-hospital", "-o", csv.to_str().unwrap()]);
    assert!(out.status.success());
    let imported = anzen_in(d, &["import", "assets", "ledger.csv"]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(stderr(&imported).contains("問題 0 件"), "{}", stderr(&imported));
    let yaml = stdout(&imported);
    let docs = anzen::load::yaml::parse(&yaml, &anzen::load::yaml::Limits::default()).unwrap();
    let imported_assets = docs[0].to_json()["assets"].clone();
    let mut original = Vec::new();
    for f in ["clients.yaml", "network.yaml", "servers.yaml"] {
        let text = fs::read_to_string(repo().join("fixtures/example-hospital/assets").join(f)).unwrap();
        let docs = anzen::load::yaml::parse(&text, &anzen::load::yaml::Limits::default()).unwrap();
        original.extend(docs[0].to_json()["assets"].as_array().unwrap().iter().cloned());
    }
    // Services are regrouped (needed first, then unneeded); compare per asset.
    let norm = |mut a: Value| {
        if let Some(s) = a.get_mut("services").and_then(Value::as_array_mut) {
            s.sort_by_key(|x| !x["needed"].as_bool().unwrap_or(false));
        }
        a
    };
    let original: Vec<Value> = original.into_iter().map(norm).collect();
    let imported_assets: Vec<Value> = imported_assets.as_array().unwrap().iter().cloned().map(norm).collect();
    assert_eq!(imported_assets.len(), original.len());
    for (a, b) in imported_assets.iter().zip(&original) {
        assert!(a == b, "{} differs:\n{a}\n{b}", b["id"]);
    }
}

#[test]
fn unreadable_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("binary.csv"), [0u8, 1, 2, 3, 0xFF, 0xFE, 0, 0]).unwrap();
    fs::write(d.join("corrupt.xlsx"), b"PK\x03\x04 this is not a zip").unwrap();
    fs::write(d.join("noheader.csv"), "a,b\n1,2\n").unwrap();
    fs::write(d.join("empty.csv"), "").unwrap();
    let cases = [
        ("binary.csv", "this is a binary file, not CSV or XLSX"),
        ("corrupt.xlsx", "not a readable XLSX workbook"),
        ("noheader.csv", "no header row found"),
        ("empty.csv", "no header row found"),
        ("missing.csv", "を読めません"), // fatal errors follow the language (Japanese by default)
    ];
    for (file, message) in cases {
        let out = anzen_in(d, &["import", "assets", file]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(stderr(&out).contains(message), "{file}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{file}");
    }
    let (code, _, err) = run(&["import", "assets", SJIS, "--encoding", "utf-8"]);
    assert_eq!(code, 2);
    assert!(err.contains("not valid UTF-8"), "{err}");
    assert!(err.contains("--encoding shift_jis"), "{err}");
    let (code, yaml, _) = run(&["import", "assets", SJIS, "--encoding", "cp932"]);
    assert_eq!(code, 0);
    assert!(yaml.contains("本館B1F 機械室"));
    let (code, _, err) = run(&["import", "assets", XLSX, "--sheet", "台帳"]);
    assert_eq!(code, 2);
    assert!(err.contains("no sheet `台帳`; the sheets are: 表紙,"), "{err}");
    let (code, _, err) = run(&["import", "assets", XLSX, "--sheet", "表紙"]);
    assert_eq!(code, 2);
    assert!(err.contains("sheet `表紙`: no header row found"), "{err}");
}

#[test]
fn a_large_csv_streams_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("機器ID,種別,設置場所,管理部署,パッチ適用日,稼働サービス\n");
    for i in 0..20_000 {
        csv.push_str(&format!("pc-{i:05},端末,本館{}F,医事課,R7.6.{},RDP:3389\n", i % 9, i % 28 + 1));
    }
    fs::write(dir.path().join("big.csv"), csv).unwrap();
    let started = std::time::Instant::now();
    let out = anzen_in(dir.path(), &["import", "assets", "big.csv", "--lang", "en", "--strict"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("imported 20000 rows"));
    // Generous even for an unoptimised build on a busy two-core machine.
    assert!(started.elapsed().as_secs() < 60, "took {:?}", started.elapsed());
}

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
fn problems_show_controls_and_bidi_overrides_from_the_sheet_visibly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("ledger.csv");
    fs::write(
        &csv,
        "機器ID,種別,設置場所,管理部署,購入日,備\u{202e}考\nsv-1,サ\u{202e}exe.バ\u{1b}[2J,サーバ室,情報システム課,2020-13-45\u{9b}1m,x\n",
    )
    .unwrap();
    let (code, _, problems) = run(&["import", "assets", csv.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(code, 0, "{problems}");
    for c in ['\u{1b}', '\u{9b}', '\u{202e}'] {
        assert!(!problems.contains(c), "raw U+{:04X} in:\n{problems}", c as u32);
    }
    assert!(problems.contains("\\u{202e}"), "{problems}");
}

#[test]
fn device_names_and_job_types_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 機器名 is the asset's display name (`name`), 端末名 its computer name.
    fs::write(
        d.join("assets.csv"),
        "資産番号,種別,機器名称,端末名,設置場所,管理部署\npc-01,端末,外来受付端末３,GAIRAI-03,外来,医事課\n",
    )
    .unwrap();
    let out = anzen_in(d, &["import", "assets", "assets.csv", "--strict"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "  - id: pc-01\n    type: client_pc\n    name: 外来受付端末３\n    hostname: GAIRAI-03\n"
        ),
        "{}",
        stdout(&out)
    );
    // 職種 (医師, 看護師 …) is the account's role.
    fs::write(d.join("users.csv"), "ユーザID,職 種,有効,在籍状況\nd001,医師,有効,在職\n").unwrap();
    let out = anzen_in(d, &["import", "accounts", "users.csv", "--system", "sys-ehr", "--strict"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("  - user_id: d001\n    role: 医師\n    enabled: true\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn vendor_and_system_names_resolve_against_the_repo() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hospital = repo().join("fixtures/example-hospital");
    let hospital = hospital.to_str().unwrap();
    fs::write(
        d.join("ledger.csv"),
        "機器ID,種別,設置場所,管理部署,保守業者,利用システム,リモート保守,リモート保守業者\n\
         sv-1,サーバ,サーバ室,情報システム課,富士見メディカルシステムズ株式会社,\"電子カルテ、PACS\",あり,株式会社浜松ネットワークサービス\n\
         sv-2,サーバ,サーバ室,情報システム課,謎のベンダー,\"電子カルテシステム、謎システム\",なし,\n\
         sv-3,サーバ,サーバ室,情報システム課,v-pacs,sys-ris,,\n",
    )
    .unwrap();
    let out = anzen_in(d, &["import", "assets", "ledger.csv", "--repo", hospital, "--lang", "en"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = stdout(&out);
    for expected in [
        "  - id: sv-1\n    type: server\n    location: サーバ室\n    manager: 情報システム課\n    vendor: v-ehr\n    systems:\n      - sys-ehr\n      - sys-pacs\n    remote_maintenance:\n      used: true\n      vendor: v-net\n",
        "  - id: sv-2\n    type: server\n    location: サーバ室\n    manager: 情報システム課\n    systems:\n      - sys-ehr\n    remote_maintenance:\n      used: false\n",
        "  - id: sv-3\n    type: server\n    location: サーバ室\n    manager: 情報システム課\n    vendor: v-pacs\n    systems:\n      - sys-ris\n",
    ] {
        assert!(yaml.contains(expected), "{expected}\nin\n{yaml}");
    }
    // The names nobody registered are reported at their cells, not left for DOC-005.
    let err = stderr(&out);
    assert!(
        err.contains("ledger.csv:E3: vendor: \"謎のベンダー\": neither an id nor a name in the VendorRegistry; add it to the VendorRegistry, or map the name to an id under values in --map → field left out\n"),
        "{err}"
    );
    assert!(
        err.contains("ledger.csv:F3: systems: \"電子カルテシステム、謎システム\": \"謎システム\": neither an id nor a name in the SystemCatalog;"),
        "{err}"
    );
    assert!(err.contains("→ that part left out\n"), "{err}");
    assert!(err.contains("2 problems"), "{err}");
    // …so the ledger, checked with the hospital, has no unresolved reference.
    let check = d.join("hospital");
    fs::create_dir_all(&check).unwrap();
    for f in ["facility.yaml", "vendors.yaml", "systems.yaml"] {
        fs::copy(repo().join("fixtures/example-hospital").join(f), check.join(f)).unwrap();
    }
    fs::write(check.join("assets.yaml"), &yaml).unwrap();
    let json = anzen_in(&check, &["check", ".", "--format", "json", "--as-of", "2025-06-30"]);
    let json: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let doc005: Vec<&Value> =
        json["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "DOC-005").collect();
    assert!(doc005.is_empty(), "{doc005:?}");

    // Without --repo the cells are kept as written (as before).
    let out = anzen_in(d, &["import", "assets", "ledger.csv", "--strict"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("    vendor: 謎のベンダー\n"));

    // An account list's --system may name the system too.
    fs::write(d.join("users.csv"), "ユーザID,有効,在籍状況\nd001,有効,在職\n").unwrap();
    let out = anzen_in(d, &["import", "accounts", "users.csv", "--system", "電子カルテ", "--repo", hospital]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\nsystem: sys-ehr\n"), "{}", stdout(&out));
    let out = anzen_in(
        d,
        &["import", "accounts", "users.csv", "--system", "sys-ehrr", "--repo", hospital, "--lang", "en"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--system `sys-ehrr`: neither an id nor a name in the SystemCatalog; did you mean `sys-ehr` (電子カルテシステム)?"), "{}", stderr(&out));

    // A directory of several hospitals is refused: names resolve within one facility.
    for h in ["a", "b"] {
        fs::create_dir_all(d.join("fleet").join(h)).unwrap();
        fs::copy(
            repo().join("fixtures/example-hospital/facility.yaml"),
            d.join("fleet").join(h).join("facility.yaml"),
        )
        .unwrap();
    }
    let out = anzen_in(d, &["import", "assets", "ledger.csv", "--repo", "fleet", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--repo fleet: holds 2 facilities"), "{}", stderr(&out));
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
    let (_, first, _) = run(&["import", "assets", XLSX, "--reviewed-on", "R7.6.1"]);
    assert!(first.contains("\nreviewed_on: 2025-06-01\n"), "{first}");
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
    // The ledgers' review date, above the header.
    assert!(text.starts_with("台帳の見直し日,2025-06-02\r\n"), "{text}");
    let header = text.lines().nth(1).unwrap();
    assert!(
        header.starts_with(
            "機器ID,種別,機器名,ホスト名,設置場所,管理部署,保守業者,機種,OS,OSバージョン,OSサポート終了日"
        ),
        "{header}"
    );
    assert!(text.contains("\r\n"), "CRLF line ends");
    assert!(text.contains("srv-ehr-db01,サーバ,,EHR-DB01,"), "{text}");
    let en = anzen_in(&repo().join("fixtures/example-hospital"), &["export", "assets", "--headers", "en"]);
    let text = String::from_utf8_lossy(&en.stdout);
    assert!(text.contains("id,type,name,hostname,location,manager,vendor,model,os.name"), "{text}");
    assert!(text.contains("srv-ehr-db01,server,,EHR-DB01,"));
    let (code, _, err) = run(&["export", "assets", "fixtures/example-hospital", "--format", "xlsx"]);
    assert_eq!(code, 2);
    assert!(err.contains("--format xlsx needs --output FILE"), "{err}");
}

#[test]
fn export_keeps_reviewed_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ledger = |id: &str, reviewed: &str| {
        format!(
            "apiVersion: anzen/v1\nkind: AssetLedger\n{reviewed}assets:\n  - id: {id}\n    type: server\n    location: サーバ室\n    manager: 情報システム課\n"
        )
    };
    fs::create_dir_all(d.join("two")).unwrap();
    fs::write(d.join("two/a.yaml"), ledger("sv-1", "reviewed_on: 2025-06-02\n")).unwrap();
    fs::write(d.join("two/b.yaml"), ledger("sv-2", "reviewed_on: 2024-11-30\n")).unwrap();
    // Merged ledgers: the earliest review date (the table is only as fresh as its oldest part).
    for (format, headers) in [("csv", "ja"), ("xlsx", "ja"), ("csv", "en"), ("xlsx", "en")] {
        let sheet = format!("out-{headers}.{format}");
        let out =
            anzen_in(d, &["export", "assets", "two", "--format", format, "--headers", headers, "-o", &sheet]);
        assert!(out.status.success(), "{}", stderr(&out));
        let again = anzen_in(d, &["import", "assets", &sheet, "--strict"]);
        assert!(again.status.success(), "{}", stderr(&again));
        assert!(
            stdout(&again).contains("\nreviewed_on: 2024-11-30\nassets:\n"),
            "{format} {headers}: {}",
            stdout(&again)
        );
    }
    let csv = fs::read_to_string(d.join("out-en.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}reviewed_on,2024-11-30\r\nid,type,"), "{csv}");
    // A ledger without a review date: the row is there, empty, to be filled in.
    fs::write(d.join("two/c.yaml"), ledger("sv-3", "")).unwrap();
    let out = anzen_in(d, &["export", "assets", "two", "-o", "none.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        fs::read_to_string(d.join("none.csv")).unwrap().starts_with("\u{feff}台帳の見直し日,\r\n機器ID,")
    );
    let again = anzen_in(d, &["import", "assets", "none.csv", "--strict"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!stdout(&again).contains("reviewed_on"), "{}", stdout(&again));
    // Filled in by hand: any date form; --reviewed-on wins; a bad date is reported at its cell.
    let text = fs::read_to_string(d.join("none.csv")).unwrap();
    fs::write(d.join("filled.csv"), text.replacen("台帳の見直し日,", "台帳の見直し日,R7.7.1", 1)).unwrap();
    let again = anzen_in(d, &["import", "assets", "filled.csv"]);
    assert!(stdout(&again).contains("\nreviewed_on: 2025-07-01\n"), "{}", stdout(&again));
    let again = anzen_in(d, &["import", "assets", "filled.csv", "--reviewed-on", "2025-08-01"]);
    assert!(stdout(&again).contains("\nreviewed_on: 2025-08-01\n"), "{}", stdout(&again));
    fs::write(d.join("bad.csv"), text.replacen("台帳の見直し日,", "台帳の見直し日,2025/13/1", 1)).unwrap();
    let again = anzen_in(d, &["import", "assets", "bad.csv", "--lang", "en"]);
    assert!(stderr(&again).starts_with("bad.csv:B1: reviewed_on: \"2025/13/1\": "), "{}", stderr(&again));
    assert!(!stdout(&again).contains("reviewed_on"));
}

#[test]
fn xlsx_export_has_autofilter_frozen_header_and_dropdowns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hospital = repo().join("fixtures/example-hospital");
    let sheet_xml = |file: &Path| {
        let mut zip = zip::ZipArchive::new(fs::File::open(file).unwrap()).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut xml)
            .unwrap();
        xml
    };
    let ja = d.join("ja.xlsx");
    let out = anzen(&[
        "export",
        "assets",
        hospital.to_str().unwrap(),
        "--format",
        "xlsx",
        "-o",
        ja.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let xml = sheet_xml(&ja);
    // The header is row 2 (row 1 is 台帳の見直し日): frozen, with the autofilter over the table.
    assert!(
        xml.contains("<pane ySplit=\"2\" topLeftCell=\"A3\" activePane=\"bottomLeft\" state=\"frozen\"/>")
    );
    // (The review-date row, the header, one row per asset: the example hospital has 34.)
    assert_eq!(xml.matches("<row r=").count(), 36);
    let filter = "<autoFilter ref=\"A2:AB36\"/>";
    assert!(xml.contains(filter), "{filter}");
    // Enum columns offer the schema's values, as the Japanese words the cells use.
    for (col, list) in [
        ("B", "サーバ,端末,ネットワーク機器,ストレージ,医療機器,モバイル,その他"),
        ("P", "禁止,許可制,規程による制限,制限なし"),
        ("Y", "ウイルス対策,EDR,アプリケーション許可リスト,なし"),
        ("S", "はい,いいえ"),
    ] {
        let validation = xml
            .split("<dataValidation ")
            .find(|v| v.contains(&format!("sqref=\"{col}3:{col}1001\"")))
            .unwrap_or_else(|| panic!("no dropdown on column {col}"));
        assert!(validation.contains("type=\"list\""), "{validation}");
        assert!(validation.contains(&format!("<formula1>\"{list}\"</formula1>")), "{col}: {validation}");
    }
    // English headers: the schema's own values.
    let en = d.join("en.xlsx");
    let out = anzen(&[
        "export",
        "assets",
        hospital.to_str().unwrap(),
        "--format",
        "xlsx",
        "--headers",
        "en",
        "-o",
        en.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let xml = sheet_xml(&en);
    assert!(
        xml.contains(
            "<formula1>\"server,client_pc,network_device,storage,medical_device,mobile,other\"</formula1>"
        ),
        "{xml}"
    );
    assert!(xml.contains("<formula1>\"blocked,allowlist,policy,unrestricted\"</formula1>"), "{xml}");
    // Every word a dropdown offers reads back as its value.
    fs::write(
        d.join("choices.csv"),
        "機器ID,種別,設置場所,管理部署,USB制御\na,ストレージ,x,y,規程による制限\nb,server,x,y,policy\n",
    )
    .unwrap();
    let out = anzen_in(d, &["import", "assets", "choices.csv", "--strict"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("type: storage\n")
            && stdout(&out).matches("usb_storage: policy\n").count() == 2
    );
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
    let docs = anzen::document::yaml::parse(&yaml, &anzen::document::yaml::Limits::default()).unwrap();
    let imported_assets = docs[0].to_json()["assets"].clone();
    let mut original = Vec::new();
    for f in ["clients.yaml", "network.yaml", "servers.yaml"] {
        let text = fs::read_to_string(repo().join("fixtures/example-hospital/assets").join(f)).unwrap();
        let docs = anzen::document::yaml::parse(&text, &anzen::document::yaml::Limits::default()).unwrap();
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
        ("noheader.csv", "見出し行が見つかりません"),
        ("empty.csv", "見出し行が見つかりません"),
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
    let (code, _, err) = run(&["import", "assets", XLSX, "--sheet", "表紙", "--lang", "en"]);
    assert_eq!(code, 2);
    assert!(err.contains("sheet `表紙`: no header row found"), "{err}");
}

#[test]
fn a_missing_id_column_is_named_with_the_row_taken_as_header() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A title, then a header whose id column is called 番号 (not a known header).
    fs::write(
        d.join("noid.csv"),
        "機器台帳\n番号,種別,設置場所,管理部署\n1,サーバ,サーバ室,情報システム課\n",
    )
    .unwrap();
    let out = anzen_in(d, &["import", "assets", "noid.csv", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out).replace("\n  │ ", "");
    assert!(
        err.contains(
            "noid.csv:B2: row 2 was taken as the header row, but it has no id column (機器ID; recognised: 種別 (B2), 設置場所 (C2), 管理部署 (D2)); write one of 機器ID, 資産番号, 管理番号,"
        ),
        "{err}"
    );
    assert!(err.contains("columns: { 資産コード: id }"), "{err}");
    assert!(!err.contains("no header row"), "{err}");
    let out = anzen_in(d, &["import", "assets", "noid.csv"]);
    let err = stderr(&out).replace("\n  │ ", "");
    assert!(err.contains("noid.csv:B2: 2行目を見出し行と判断しましたが、機器ID（id）の列がありません（認識した見出し: 種別 (B2), 設置場所 (C2), 管理部署 (D2)）"), "{err}");

    // A workbook: the sheet that came closest is named; an id alone asks for the other columns.
    let mut book = Workbook::new();
    book.add_worksheet().set_name("表紙").unwrap().write_string(0, 0, "機器台帳").unwrap();
    let sheet = book.add_worksheet().set_name("一覧").unwrap();
    for (c, h) in ["ユーザID", "氏名", "部署"].iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    book.save(d.join("users.xlsx")).unwrap();
    let out = anzen_in(d, &["import", "accounts", "users.xlsx", "--system", "sys-ehr", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    // Long messages are wrapped for the terminal: join the lines again.
    let err = stderr(&out).replace("\n  │ ", "");
    assert!(
        err.contains("users.xlsx:一覧!A3: row 3 of sheet `一覧` was taken as the header row, but its only known header is the id column (ユーザID (A3)); the header also needs columns such as 有効/状態/アカウント状態/… (enabled), 在籍状況/在籍/在職状況/… (staff_status)"),
        "{err}"
    );
}

/// Import time grows linearly with the rows. Wall time alone depends on how
/// busy the machine is, so this compares two sizes (8× the rows) against
/// each other: each timed three times, interleaved, keeping the fastest run
/// (a busy moment slows a run, never speeds it up). Linear work is about 8×
/// (less, with the fixed start-up cost); quadratic work would be about 64×.
#[test]
fn a_large_csv_streams_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, rows: usize| {
        let mut csv = String::from("機器ID,種別,設置場所,管理部署,パッチ適用日,稼働サービス\n");
        for i in 0..rows {
            csv.push_str(&format!("pc-{i:05},端末,本館{}F,医事課,R7.6.{},RDP:3389\n", i % 9, i % 28 + 1));
        }
        fs::write(dir.path().join(name), csv).unwrap();
    };
    write("small.csv", 1_000);
    write("big.csv", 8_000);
    let time = |name: &str, rows: usize| {
        let started = std::time::Instant::now();
        let out = anzen_in(dir.path(), &["import", "assets", name, "--lang", "en", "--strict"]);
        let took = started.elapsed();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains(&format!("imported {rows} rows")), "{}", stderr(&out));
        took
    };
    let (mut small, mut big) = (std::time::Duration::MAX, std::time::Duration::MAX);
    for _ in 0..3 {
        small = small.min(time("small.csv", 1_000));
        big = big.min(time("big.csv", 8_000));
    }
    let ratio = big.as_secs_f64() / small.as_secs_f64().max(1e-3);
    assert!(ratio < 24.0, "8× the rows took {ratio:.1}× as long ({small:?} → {big:?}): not linear");
}

// ---------------------------------------------------------------------------
// Two-row headers: group cells over sub-headers, in any number and order.

const ONE_GROUP: &str = "fixtures/import/一グループ見出し.xlsx";

/// The workbook of `fixtures/import/一グループ見出し.xlsx`: a two-row header
/// whose only group cell is `OS` (merged over 名称 / バージョン / サポート期限),
/// every other header merged down over both rows, as Excel users make it.
/// `ANZEN_WRITE_FIXTURES=1 cargo test --test main one_group` rewrites the file.
fn one_group_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let epoch = ExcelDateTime::from_ymd(2025, 6, 1).unwrap();
    book.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
    let sheet = book.add_worksheet();
    sheet.set_name("機器台帳").unwrap();
    let head = Format::new().set_bold();
    for (col, text) in [(0u16, "管理番号"), (1, "種別"), (5, "設置場所"), (6, "管理部署")] {
        sheet.merge_range(0, col, 1, col, text, &head).unwrap();
    }
    sheet.merge_range(0, 2, 0, 4, "OS", &head).unwrap();
    for (col, text) in [(2u16, "名称"), (3, "バージョン"), (4, "サポート期限")] {
        sheet.write_string_with_format(1, col, text, &head).unwrap();
    }
    let rows = [
        ["PC-001", "端末", "Windows 10", "22H2", "R7.10.14", "外来", "医事課"],
        ["PC-002", "端末", "Windows 11", "23H2", "R8.11.10", "病棟3F", "看護部"],
        ["SV-001", "サーバ", "Windows Server", "2019", "R11.1.9", "サーバ室", "情報システム課"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 2, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn one_group_cell_over_sub_headers() {
    let path = repo().join(ONE_GROUP);
    if std::env::var_os("ANZEN_WRITE_FIXTURES").is_some() {
        fs::write(&path, one_group_workbook()).unwrap();
    }
    let (code, yaml, problems) = run(&["import", "assets", ONE_GROUP, "--lang", "en"]);
    assert_eq!(code, 0, "{problems}");
    assert!(!yaml.contains("管理番号"), "the sub-header row is not a device:\n{yaml}");
    assert!(
        yaml.contains(
            "  - id: PC-001\n    type: client_pc\n    location: 外来\n    manager: 医事課\n    os:\n      name: Windows 10\n      version: 22H2\n      support_ends_on: 2025-10-14\n"
        ),
        "{yaml}"
    );
    assert!(problems.contains("imported 3 rows (0 blank, 0 skipped without an id)"), "{problems}");
    assert!(problems.contains("0 rejected; 0 problems"), "{problems}");
    // And the check sees the unsupported OS.
    let dir = tempfile::tempdir().unwrap();
    facility_with(dir.path(), "assets.yaml", &yaml);
    let out = anzen_in(dir.path(), &["check", ".", "--format", "json", "--as-of", "2025-12-01"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ast003: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "AST-003")
        .map(|f| f["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(ast003, vec!["/assets/0/os/support_ends_on"]);
}

#[test]
fn a_row_that_reads_as_headers_stops_the_import_at_its_cell() {
    // Three header rows: anzen takes two and cannot tell whether the third is data.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("three.csv"),
        "機器ID,種別,OS,,設置場所,管理部署\n,,名称,,,\n,,OS名,OSバージョン,,\npc-1,端末,Windows 11,23H2,外来,医事課\n",
    )
    .unwrap();
    let out = anzen_in(dir.path(), &["import", "assets", "three.csv", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(err.contains("three.csv:C3: row 3 reads as column names, not a device"), "{err}");
    // A repeated header row further down is stopped at too, not imported as a device.
    fs::write(
        dir.path().join("repeated.csv"),
        "機器ID,種別,設置場所,管理部署\npc-1,端末,外来,医事課\n機器ID,種別,設置場所,管理部署\npc-2,端末,外来,医事課\n",
    )
    .unwrap();
    let out = anzen_in(dir.path(), &["import", "assets", "repeated.csv", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("repeated.csv:A3: row 3 reads as column names"), "{}", stderr(&out));
}

/// A small deterministic generator (xorshift64*), so each case can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// One column: its flat header, its sub-header under a group, the field and
/// the cell text and value of data row `r`.
struct Col {
    flat: &'static str,
    sub: &'static str,
    field: &'static str,
    cell: fn(usize) -> (String, Value),
}

fn text(s: String) -> (String, Value) {
    (s.clone(), Value::String(s))
}

fn singles() -> Vec<Col> {
    vec![
        Col { flat: "管理番号", sub: "", field: "id", cell: |r| text(format!("dev-{r:03}")) },
        Col {
            flat: "種別",
            sub: "",
            field: "type",
            cell: |r| {
                let (w, v) =
                    [("サーバ", "server"), ("端末", "client_pc"), ("ルータ", "network_device")][r % 3];
                (w.into(), Value::String(v.into()))
            },
        },
        Col { flat: "設置場所", sub: "", field: "location", cell: |r| text(format!("本館{r}F")) },
        Col { flat: "管理部署", sub: "", field: "manager", cell: |r| text(format!("部署{r}")) },
        Col { flat: "ホスト名", sub: "", field: "hostname", cell: |r| text(format!("HOST{r:02}")) },
        Col { flat: "機器名", sub: "", field: "name", cell: |r| text(format!("外来受付端末{r}")) },
        Col { flat: "機種", sub: "", field: "model", cell: |r| text(format!("DL{r}80 Gen10")) },
        Col {
            flat: "USB制御",
            sub: "",
            field: "usb_storage",
            cell: |r| {
                if r % 2 == 0 {
                    ("禁止".into(), "blocked".into())
                } else {
                    ("許可制".into(), "allowlist".into())
                }
            },
        },
    ]
}

/// Groups: the group header, its sub-columns (the first is the one the object requires).
fn groups() -> Vec<(&'static str, Vec<Col>)> {
    vec![
        (
            "OS",
            vec![
                Col {
                    flat: "OS名",
                    sub: "名称",
                    field: "os.name",
                    cell: |r| text(format!("Windows 1{}", r % 2)),
                },
                Col {
                    flat: "OSバージョン",
                    sub: "バージョン",
                    field: "os.version",
                    cell: |r| text(format!("2{r}H2")),
                },
                Col {
                    flat: "OSサポート期限",
                    sub: "サポート期限",
                    field: "os.support_ends_on",
                    cell: |r| (format!("R8.1.{}", r + 1), Value::String(format!("2026-01-{:02}", r + 1))),
                },
            ],
        ),
        (
            "パッチ",
            vec![
                Col {
                    flat: "パッチ適用日",
                    sub: "最終適用日",
                    field: "patch.last_applied_on",
                    cell: |r| (format!("2025/5/{}", r + 1), Value::String(format!("2025-05-{:02}", r + 1))),
                },
                Col {
                    flat: "未適用パッチ数",
                    sub: "未適用数",
                    field: "patch.pending_critical",
                    cell: |r| (format!("{r}"), Value::from(r)),
                },
            ],
        ),
        (
            "リモート保守",
            vec![
                Col {
                    flat: "リモート保守有無",
                    sub: "有無",
                    field: "remote_maintenance.used",
                    cell: |r| {
                        if r % 2 == 0 {
                            ("あり".into(), true.into())
                        } else {
                            ("なし".into(), false.into())
                        }
                    },
                },
                Col {
                    flat: "リモート保守業者",
                    sub: "業者",
                    field: "remote_maintenance.vendor",
                    cell: |r| text(format!("v-{r}")),
                },
                Col {
                    flat: "リモート保守確認日",
                    sub: "確認日",
                    field: "remote_maintenance.confirmed_on",
                    cell: |r| {
                        (format!("令和7年4月{}日", r + 1), Value::String(format!("2025-04-{:02}", r + 1)))
                    },
                },
            ],
        ),
    ]
}

fn put(item: &mut serde_json::Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            item.insert(path.into(), value);
        }
        Some((a, b)) => {
            let inner = item.entry(a).or_insert_with(|| Value::Object(Default::default()));
            inner.as_object_mut().unwrap().insert(b.into(), value);
        }
    }
}

/// A generated layout: the workbook and the assets it holds.
fn generated_layout(seed: u64) -> (Vec<u8>, Vec<Value>, String) {
    use rust_xlsxwriter::{Format, Workbook};
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let two_rows = rng.chance(70);
    // Units: a single column, or a group of columns (with or without a group cell).
    enum Unit {
        Single(Col),
        Group(&'static str, Vec<Col>, bool),
    }
    let mut units = Vec::new();
    for (i, col) in singles().into_iter().enumerate() {
        if i < 4 || rng.chance(50) {
            units.push(Unit::Single(col));
        }
    }
    for (name, mut cols) in groups() {
        if !rng.chance(60) {
            continue;
        }
        // The object's required field, and any of the others.
        let first = cols.remove(0);
        let mut kept: Vec<Col> = cols.into_iter().filter(|_| rng.chance(60)).collect();
        kept.push(first);
        rng.shuffle(&mut kept);
        let grouped = two_rows && rng.chance(75);
        units.push(Unit::Group(name, kept, grouped));
    }
    rng.shuffle(&mut units);

    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let fmt = Format::new();
    let mut describe = format!("seed {seed}: ");
    let titles = rng.below(3) as u32;
    for t in 0..titles {
        sheet.write_string(t, 0, ["機器台帳", "令和7年6月1日現在"][t as usize]).unwrap();
    }
    let top = titles + u32::from(rng.chance(30)); // sometimes a blank row before the header
    let data = top + if two_rows { 2 } else { 1 };
    let mut columns: Vec<&Col> = Vec::new();
    let mut c: u16 = 0;
    for unit in &units {
        match unit {
            Unit::Single(col) => {
                let style = if two_rows { rng.below(3) } else { 1 };
                match style {
                    0 => sheet.merge_range(top, c, top + 1, c, col.flat, &fmt).map(|_| ()).unwrap(),
                    1 => sheet.write_string(top, c, col.flat).map(|_| ()).unwrap(),
                    _ => sheet.write_string(top + 1, c, col.flat).map(|_| ()).unwrap(),
                }
                describe.push_str(&format!("{}[{}] ", col.flat, ["merged down", "top", "bottom"][style]));
                columns.push(col);
                c += 1;
            }
            Unit::Group(name, cols, true) => {
                let last = c + cols.len() as u16 - 1;
                let merged = last > c && rng.chance(80);
                if merged {
                    sheet.merge_range(top, c, top, last, name, &fmt).unwrap();
                } else {
                    sheet.write_string(top, c, *name).unwrap();
                }
                describe.push_str(&format!("{name}{}[", if merged { "(merged)" } else { "" }));
                for col in cols {
                    sheet.write_string(top + 1, c, col.sub).unwrap();
                    describe.push_str(col.sub);
                    describe.push(' ');
                    columns.push(col);
                    c += 1;
                }
                describe.push_str("] ");
            }
            Unit::Group(_, cols, false) => {
                for col in cols {
                    let row = if two_rows && rng.chance(30) { top + 1 } else { top };
                    sheet.write_string(row, c, col.flat).unwrap();
                    describe.push_str(col.flat);
                    describe.push(' ');
                    columns.push(col);
                    c += 1;
                }
            }
        }
    }
    let mut expected = Vec::new();
    for r in 0..1 + rng.below(4) {
        let mut item = serde_json::Map::new();
        for (c, col) in columns.iter().enumerate() {
            let (cell, value) = (col.cell)(r);
            sheet.write_string(data + r as u32, c as u16, &cell).unwrap();
            put(&mut item, col.field, value);
        }
        expected.push(Value::Object(item));
    }
    (book.save_to_buffer().unwrap(), expected, describe)
}

/// Property: whatever the header layout (one or two rows, any number of group
/// cells, merged or not, columns in any order, title rows above), the import
/// gives back exactly the data written, with no problem.
#[test]
fn generated_header_layouts_round_trip_their_data() {
    let schemas = anzen::document::schemas::Schemas::load().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("layout.xlsx");
    for seed in 0..300 {
        let (bytes, expected, describe) = generated_layout(seed);
        fs::write(&file, bytes).unwrap();
        let opts = anzen::import::Options {
            target: &anzen::import::fields::ASSETS,
            file: file.clone(),
            sheet: None,
            map: None,
            output: None,
            force: false,
            encoding: anzen::import::table::Encoding::Auto,
            strict: false,
            defaults: Vec::new(),
            repo: None,
            top: Vec::new(),
        };
        let imported = match anzen::import::import(&opts, &schemas) {
            Ok(i) => i,
            Err(e) => panic!("{describe}: {e}"),
        };
        let problems: Vec<String> =
            imported.problems.iter().map(|p| p.render(anzen::kernel::finding::Lang::En)).collect();
        assert!(problems.is_empty(), "{describe}: {problems:#?}");
        assert_eq!(imported.value["assets"], Value::Array(expected), "{describe}");
    }
}

#[test]
fn csv_export_neutralises_formulas_and_import_reads_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let yaml = "apiVersion: anzen/v1\nkind: AssetLedger\nassets:\n  - id: pc-1\n    type: client_pc\n    hostname: \"=HYPERLINK(\\\"http://evil.example\\\",\\\"x\\\")\"\n    location: \"@SUM(1+1)\"\n    manager: \"-2+3\"\n    model: \"+cmd|' /C calc'!A0\"\n    firmware: \"-3\"\n    x-備考: \"\\t=1+1\"\n    x-メモ: \"'=kept\"\n";
    fs::write(d.join("assets.yaml"), yaml).unwrap();
    let out = anzen_in(d, &["export", "assets", "assets.yaml", "-o", "ledger.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = fs::read_to_string(d.join("ledger.csv")).unwrap();
    // (Line 1 is the review date, line 2 the header.)
    let row = csv.lines().nth(2).unwrap();
    for cell in [
        "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"",
        ",'@SUM(1+1),",
        ",'-2+3,",
        ",'+cmd|' /C calc'!A0,",
        ",'\t=1+1,",
        ",''=kept",
    ] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
    // A negative number is a number, not a formula: left as it is.
    assert!(row.contains(",-3,"), "{row}");
    // And the import gives back exactly the values exported.
    let again = anzen_in(d, &["import", "assets", "ledger.csv"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let docs =
        anzen::document::yaml::parse(&stdout(&again), &anzen::document::yaml::Limits::default()).unwrap();
    let original = anzen::document::yaml::parse(yaml, &anzen::document::yaml::Limits::default()).unwrap();
    let mut expected = original[0].to_json()["assets"].clone();
    // (Import trims cells, the leading tab included.)
    expected[0]["x-備考"] = "=1+1".into();
    assert_eq!(docs[0].to_json()["assets"], expected);
}

#[cfg(unix)]
#[test]
fn output_files_are_never_written_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("victim"), "secret").unwrap();
    fs::write(d.join("a.csv"), "機器ID,種別,設置場所,管理部署\nsv-1,サーバ,サーバ室,情報システム課\n")
        .unwrap();
    std::os::unix::fs::symlink(d.join("victim"), d.join("out")).unwrap();
    let cases: [&[&str]; 3] = [
        &["import", "assets", "a.csv", "-o", "out"],
        &["export", "assets", "assets.yaml", "-o", "out"],
        &["export", "assets", "assets.yaml", "--format", "xlsx", "-o", "out"],
    ];
    let (_, yaml, _) = run(&["import", "assets", d.join("a.csv").to_str().unwrap()]);
    fs::write(d.join("assets.yaml"), yaml).unwrap();
    for args in cases {
        let out = anzen_in(d, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("シンボリックリンクです"), "{args:?}: {}", stderr(&out));
        assert_eq!(fs::read_to_string(d.join("victim")).unwrap(), "secret", "{args:?}");
    }
    // --force: the user says the link is meant.
    let out = anzen_in(d, &["import", "assets", "a.csv", "-o", "out", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fs::read_to_string(d.join("victim")).unwrap().contains("sv-1"));
}

// ---------------------------------------------------------------------------
// Hostile workbooks: small files that inflate to gigabytes or hours.

/// A plain ledger workbook: the header and `rows` devices; `extra` may add cells.
fn ledger_workbook(rows: u32, extra: impl Fn(&mut rust_xlsxwriter::Worksheet, u32)) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["機器ID", "種別", "設置場所", "管理部署"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=rows {
        for (c, v) in [format!("pc-{r:06}"), "端末".into(), "外来".into(), "医事課".into()].iter().enumerate()
        {
            sheet.write_string(r, c as u16, v).unwrap();
        }
        extra(sheet, r);
    }
    book.save_to_buffer().unwrap()
}

/// The workbook with one part's text changed (the zip is rewritten, deflated).
fn rewrite_part(bytes: &[u8], part: &str, change: impl Fn(String) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut text = Vec::new();
        file.read_to_end(&mut text).unwrap();
        if name == part {
            text = change(String::from_utf8(text).unwrap()).into_bytes();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&text).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Runs anzen on `bytes` saved as `name`, with its address space capped at
/// 2 GiB (a bomb that gets through fails to allocate instead of taking the
/// machine), and a time limit.
fn import_hostile(name: &str, bytes: &[u8]) -> (Option<i32>, String, std::time::Duration) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(name), bytes).unwrap();
    let started = std::time::Instant::now();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v 2097152; exec \"$0\" import assets {name} --lang en"))
        .arg(env!("CARGO_BIN_EXE_anzen"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    (out.status.code(), stderr(&out), started.elapsed())
}

#[cfg(unix)]
#[test]
fn a_cell_at_column_xfd_on_every_row_does_not_pad_the_rows() {
    // Before: every row padded to 16,384 cells (~512 KiB each): 20,000 rows is ~10 GB.
    let bytes = ledger_workbook(20_000, |sheet, r| {
        sheet.write_string(r, 16_383, "x").unwrap();
    });
    let (code, err, took) = import_hostile("xfd.xlsx", &bytes);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("imported 20000 rows"), "{err}");
    assert!(took.as_secs() < 120, "took {took:?}");
}

#[cfg(unix)]
#[test]
fn merged_region_bombs_are_bounded() {
    let sheet1 = "xl/worksheets/sheet1.xml";
    let with_merges = |refs: Vec<String>| {
        move |xml: String| {
            let cells: String = refs.iter().map(|r| format!("<mergeCell ref=\"{r}\"/>")).collect();
            xml.replace(
                "</sheetData>",
                &format!("</sheetData><mergeCells count=\"{}\">{cells}</mergeCells>", refs.len()),
            )
        }
    };
    // 100,000 identical merges are one merge (before: hours of CPU).
    let bytes =
        rewrite_part(&ledger_workbook(300, |_, _| {}), sheet1, with_merges(vec!["C2:D301".into(); 100_000]));
    let (code, err, took) = import_hostile("same.xlsx", &bytes);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("imported 300 rows"), "{err}");
    assert!(took.as_secs() < 60, "took {took:?}");
    // Regions that would fill gigabytes: a clear error (before: 10 M cells per region).
    let big: Vec<String> = (0..50).map(|i| format!("A{}:ALL{}", 2 + i, 9_000 + i)).collect();
    let bytes = rewrite_part(&ledger_workbook(60, |_, _| {}), sheet1, with_merges(big));
    let (code, err, _) = import_hostile("big.xlsx", &bytes);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("merged regions cover more than 2000000 cells"), "{err}");
    // Too many distinct merges: a clear error, not a silent cut.
    let many: Vec<String> = (0..100_001).map(|i| format!("E{}:F{}", i + 2, i + 2)).collect();
    let bytes = rewrite_part(&ledger_workbook(3, |_, _| {}), sheet1, with_merges(many));
    let (code, err, _) = import_hostile("many.xlsx", &bytes);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("has 100001 merged regions, more than 100000"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_shared_strings_table_is_measured_before_it_is_read() {
    // calamine reserves room for the `uniqueCount` the table declares.
    let bytes = rewrite_part(&ledger_workbook(3, |_, _| {}), "xl/sharedStrings.xml", |xml| {
        let at = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
        let end = at + xml[at..].find('"').unwrap();
        format!("{}2000000000{}", &xml[..at], &xml[end..])
    });
    let (code, err, _) = import_hostile("sst.xlsx", &bytes);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("shared-strings table has more than 4000000 strings"), "{err}");
    assert!(!err.contains("panicked") && !err.contains("memory allocation"), "{err}");
}

// ---------------------------------------------------------------------------
// Findings as a spreadsheet: `anzen check --format xlsx=FILE`.

#[test]
fn findings_as_a_spreadsheet() {
    use calamine::{Data, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("findings.xlsx");
    let hospital = "fixtures/example-hospital";
    let spec = format!("xlsx={}", file.display());
    let (code, _, err) = run(&["check", hospital, "--as-of", "2025-06-30", "--format", &spec]);
    assert_eq!(code, 1, "{err}");
    let (_, json, _) = run(&["check", hospital, "--as-of", "2025-06-30", "--format", "json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let expected: Vec<&Value> =
        json["findings"].as_array().unwrap().iter().filter(|f| f["suppressed"].is_null()).collect();
    assert!(!expected.is_empty());

    let mut book: Xlsx<_> = calamine::open_workbook(&file).unwrap();
    assert_eq!(book.sheet_names(), vec!["指摘事項".to_owned()]);
    let range = book.worksheet_range("指摘事項").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| if let Data::Empty = c { String::new() } else { c.to_string() }).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "施設",
            "ファイル",
            "行",
            "ルール",
            "重大度",
            "内容",
            "チェックリスト項目",
            "対処",
            "担当",
            "期限",
            "状況"
        ]
    );
    assert_eq!(rows.len() - 1, expected.len());
    for (row, f) in rows[1..].iter().zip(&expected) {
        assert_eq!(row[0], f["facility"].as_str().unwrap_or(""));
        assert_eq!(row[1], f["file"].as_str().unwrap());
        assert_eq!(row[2], f["line"].to_string());
        assert_eq!(row[3], f["rule"].as_str().unwrap());
        assert_eq!(row[5], f["message"].as_str().unwrap());
        let checklist: Vec<&str> =
            f["checklist"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert_eq!(row[6], checklist.join("\n"));
        // JSON v2 keeps the remediation once per rule, in `rules`.
        let rule = f["rule"].as_str().unwrap();
        assert_eq!(row[7], json["rules"][rule]["remediation"].as_str().unwrap());
        assert_eq!(&row[8..], ["", "", ""], "担当 / 期限 / 状況 are left for people");
    }
    assert!(rows[1..].iter().any(|r| r[4] == "エラー"));

    // Autofilter over the table, frozen header row, a dropdown for 状況.
    let mut zip = zip::ZipArchive::new(fs::File::open(&file).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut xml).unwrap();
    assert!(xml.contains(&format!("<autoFilter ref=\"A1:K{}\"/>", expected.len() + 1)), "{xml}");
    assert!(xml.contains("ySplit=\"1\"") && xml.contains("state=\"frozen\""), "{xml}");
    assert!(xml.contains("<dataValidation type=\"list\"") && xml.contains("未着手,対応中,完了"), "{xml}");

    // English headers with --lang en; the same findings give the same bytes.
    let again = dir.path().join("again.xlsx");
    let spec_en = format!("xlsx={}", again.display());
    run(&["check", hospital, "--as-of", "2025-06-30", "--format", &spec_en, "--lang", "en"]);
    let mut en: Xlsx<_> = calamine::open_workbook(&again).unwrap();
    let range = en.worksheet_range("Findings").unwrap();
    assert_eq!(range.get((0, 0)).unwrap().to_string(), "Facility");
    run(&["check", hospital, "--as-of", "2025-06-30", "--format", &spec]);
    let first = fs::read(&file).unwrap();
    run(&["check", hospital, "--as-of", "2025-06-30", "--format", &spec]);
    assert_eq!(first, fs::read(&file).unwrap());

    // XLSX is binary: it needs a file.
    let (code, out, err) = run(&["check", hospital, "--format", "xlsx", "--lang", "en"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("--format xlsx needs a file"), "{err}");
}

/// `src/import/` is a room of the library, not of the command line: it never
/// names clap, `cli` or `app` (cli/import_opts.rs fills in its options), and
/// none of its files grows past ~600 lines of code, the field table (pure
/// data) and test modules aside (issue 13).
#[test]
fn the_import_module_stays_small_and_off_the_command_line() {
    let root = repo().join("src/import");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for e in fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let text = fs::read_to_string(&path).unwrap();
        for banned in ["clap::", "crate::cli", "crate::app"] {
            assert!(!text.contains(banned), "src/import/{name} names {banned}");
        }
        if name == "fields.rs" || name.ends_with("tests.rs") {
            continue;
        }
        let code = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or_default();
        let lines = code.lines().count();
        assert!(lines <= 600, "src/import/{name}: {lines} lines besides its tests");
    }
}

//! Fleet scale (issue 6): `anzen stats` agrees with the synthetic fleet
//! generator's own counts, and output does not depend on the thread count.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::{anzen_in, same_both_ways, stdout};

#[path = "../examples/genfleet.rs"]
#[allow(dead_code)]
pub(crate) mod genfleet;

/// The survey's bed classes (`rules/surveys/R7.yaml`).
fn class_of(beds: u64) -> &'static str {
    match beds {
        0..=99 => "20-99",
        100..=199 => "100-199",
        200..=299 => "200-299",
        300..=399 => "300-399",
        400..=499 => "400-499",
        _ => "500+",
    }
}

fn fleet(hospitals: usize, seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    genfleet::generate(&genfleet::Args {
        hospitals,
        seed,
        out: dir.path().to_path_buf(),
        max_assets: 120,
        assets: None,
        missing_percent: genfleet::MISSING_PERCENT,
    })
    .unwrap();
    dir
}

/// `anzen stats hospitals --format json` in `dir`, with `extra` arguments.
fn stats_json(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["stats", "hospitals", "--as-of", "2025-06-30", "--format", "json"];
    args.extend_from_slice(extra);
    run(dir, &args)
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = anzen_in(dir, args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    stdout(&out)
}

#[test]
fn stats_reproduce_the_generators_true_answers() {
    let dir = fleet(150, 7);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    let stats: Value = serde_json::from_str(&stats_json(dir.path(), &[])).unwrap();
    assert_eq!(stats["facilities"], 150);
    assert_eq!(stats["judged"], 150);
    let hospitals = manifest["hospitals"].as_array().unwrap();
    // The generator planted gaps of every kind the answers distinguish.
    let planted = |what: &str| {
        hospitals.iter().filter(|h| h["answers"].as_object().unwrap().values().any(|v| v == what)).count()
    };
    assert!(planted("unknown") > 5 && planted("not_applicable") > 20, "a fleet with missing documents");
    assert!(hospitals.iter().any(|h| h["answers"]["ehr_use"] == "not_met"));
    // Every facility's answer to every item, exactly.
    let answers = stats["answers"].as_array().unwrap();
    assert_eq!(answers.len(), hospitals.len());
    for (h, a) in hospitals.iter().zip(answers) {
        assert_eq!(a["root"], h["root"]);
        assert_eq!(a["class"], class_of(h["beds"].as_u64().unwrap()));
        assert_eq!(a["items"], h["answers"], "{} (missing {})", h["root"], h["missing"]);
    }
    // The counts, overall and per class, follow from the true answers.
    let mut expected: BTreeMap<(String, String), [u64; 4]> = BTreeMap::new();
    for h in hospitals {
        let class = class_of(h["beds"].as_u64().unwrap());
        for (key, answer) in h["answers"].as_object().unwrap() {
            let slot =
                ["met", "not_met", "unknown", "not_applicable"].iter().position(|s| answer == s).unwrap();
            for bucket in ["overall", class] {
                expected.entry((key.clone(), bucket.to_owned())).or_default()[slot] += 1;
            }
        }
    }
    let items = stats["items"].as_array().unwrap();
    assert_eq!(items.len(), 21, "every survey item of SPEC §4");
    let counts = |v: &Value| ["met", "not_met", "unknown", "not_applicable"].map(|k| v[k].as_u64().unwrap());
    for item in items {
        let key = item["key"].as_str().unwrap().to_owned();
        let overall = expected[&(key.clone(), "overall".to_owned())];
        assert_eq!(counts(&item["overall"]), overall, "{key} overall");
        let (met, asked) = (overall[0], overall[0] + overall[1]);
        if asked > 0 {
            let share = item["overall"]["share"].as_f64().unwrap();
            assert!((share - 100.0 * met as f64 / asked as f64).abs() < 0.01, "{key} share");
            let ci = item["overall"]["ci95"].as_array().unwrap();
            assert!(ci[0].as_f64().unwrap() <= share && share <= ci[1].as_f64().unwrap(), "{key} ci95");
        }
        for (class, c) in item["by_class"].as_object().unwrap() {
            let want = expected.get(&(key.clone(), class.clone())).copied().unwrap_or_default();
            assert_eq!(counts(c), want, "{key} {class}");
            if want[0] + want[1] == 0 {
                assert!(c["share"].is_null() && c["ci95"].is_null(), "{key} {class}: nobody asked");
            }
        }
    }
    let classes: u64 =
        stats["classes"].as_array().unwrap().iter().map(|c| c["facilities"].as_u64().unwrap()).sum();
    assert_eq!(classes, 150);
}

#[test]
fn facilities_that_cannot_be_judged_are_counted_not_dropped() {
    let dir = fleet(4, 3);
    let hospitals = dir.path().join("hospitals");
    std::fs::write(hospitals.join("h00001/assets.yaml"), "assets: [\n").unwrap();
    let facility = hospitals.join("h00002/facility.yaml");
    let text = std::fs::read_to_string(&facility).unwrap();
    std::fs::write(
        &facility,
        text.replace("uses_medical_information_systems: true", "uses_medical_information_systems: false"),
    )
    .unwrap();
    std::fs::create_dir(hospitals.join("loose")).unwrap();
    std::fs::write(
        hospitals.join("loose/backups.yaml"),
        "apiVersion: anzen/v1\nkind: BackupPlan\nbackups: []\n",
    )
    .unwrap();
    let beds = hospitals.join("h00003/facility.yaml");
    let text = std::fs::read_to_string(&beds).unwrap();
    let start = text.find("beds: ").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    std::fs::write(&beds, format!("{}beds: 0{}", &text[..start], &text[end..])).unwrap();
    let stats: Value = serde_json::from_str(&stats_json(dir.path(), &[])).unwrap();
    assert_eq!(stats["facilities"], 5);
    assert_eq!(stats["judged"], 2);
    assert_eq!(stats["excluded"]["unreadable"], 1);
    assert_eq!(stats["excluded"]["no_facility"], 1);
    // `beds: 0` is no bed count, not "under 20".
    assert_eq!(stats["excluded"]["no_beds"], 1);
    assert_eq!(stats["excluded"]["under_20_beds"], 0);
    // Opening question いいえ: judged, every item 対象外.
    assert_eq!(stats["no_medical_systems"], 1);
    let h2 = stats["answers"].as_array().unwrap().iter().find(|a| a["root"] == "hospitals/h00002").unwrap();
    assert!(h2["items"].as_object().unwrap().values().all(|v| v == "not_applicable"), "{h2}");
    let table = run(dir.path(), &["stats", "hospitals", "--as-of", "2025-06-30", "--lang", "en"]);
    assert!(table.contains("unreadable files 1"), "{table}");
}

#[test]
fn one_thread_and_four_threads_give_identical_json() {
    let dir = fleet(12, 11);
    let one =
        run(dir.path(), &["check", "hospitals", "--as-of", "2025-06-30", "--format", "json", "--jobs", "1"]);
    let four =
        run(dir.path(), &["check", "hospitals", "--as-of", "2025-06-30", "--format", "json", "--jobs", "4"]);
    assert!(one.len() > 1000);
    assert_eq!(one, four);
    let one = stats_json(dir.path(), &["--jobs", "1"]);
    let four = stats_json(dir.path(), &["--jobs", "4"]);
    assert_eq!(one, four);
}

#[test]
fn no_missing_documents_changes_nothing_else_in_the_fleet() {
    // `--missing-percent 0`: every hospital describes everything; beds,
    // ledgers and planted gaps are those of the default fleet.
    let generate = |missing_percent: f64| {
        let dir = tempfile::tempdir().unwrap();
        genfleet::generate(&genfleet::Args {
            hospitals: 60,
            seed: 3,
            out: dir.path().to_path_buf(),
            max_assets: 50,
            assets: None,
            missing_percent,
        })
        .unwrap();
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        manifest["hospitals"].as_array().unwrap().clone()
    };
    let (default, complete) = (generate(genfleet::MISSING_PERCENT), generate(0.0));
    assert!(default.iter().any(|h| !h["missing"].as_array().unwrap().is_empty()), "a fleet with gaps");
    assert_eq!(default.len(), complete.len());
    for (d, c) in default.iter().zip(&complete) {
        assert_eq!(c["missing"].as_array().unwrap().len(), 0, "{}", c["root"]);
        for field in ["root", "beds", "assets", "meets"] {
            assert_eq!(d[field], c[field], "{} {field}", d["root"]);
        }
    }
}

#[test]
fn a_fixed_ledger_size_gives_every_hospital_that_many_assets() {
    // `--assets N`, the benchmark's "one ordinary hospital".
    let dir = tempfile::tempdir().unwrap();
    let args = genfleet::Args {
        hospitals: 3,
        seed: 2,
        out: dir.path().to_path_buf(),
        max_assets: 5000,
        assets: Some(37),
        missing_percent: genfleet::MISSING_PERCENT,
    };
    genfleet::generate(&args).unwrap();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    for h in manifest["hospitals"].as_array().unwrap() {
        assert_eq!(h["assets"], 37);
        let ledger =
            std::fs::read_to_string(dir.path().join(h["root"].as_str().unwrap()).join("assets.yaml"))
                .unwrap();
        assert_eq!(ledger.lines().filter(|l| l.starts_with("  - ")).count(), 37);
    }
}

#[test]
fn the_fast_path_and_the_interpreter_agree_on_a_fleet() {
    let dir = fleet(40, 11);
    let out =
        same_both_ways(dir.path(), &["check", "hospitals", "--as-of", "2025-06-30", "--format", "json"]);
    let json: Value = serde_json::from_str(&out).unwrap();
    assert!(json["findings"].as_array().unwrap().len() > 100);
}

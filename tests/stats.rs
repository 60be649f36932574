//! Fleet scale (issue 6): `anzen stats` agrees with the synthetic fleet
//! generator's own counts, and output does not depend on the thread count.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::{anzen_in, same_both_ways, stdout};

#[path = "../examples/genfleet.rs"]
#[allow(dead_code)]
mod genfleet;

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
fn stats_match_the_generators_counts() {
    let dir = fleet(60, 7);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    let stats: Value = serde_json::from_str(&stats_json(dir.path(), &[])).unwrap();
    assert_eq!(stats["facilities"], 60);
    assert_eq!(stats["judged"], 60);
    // Expected counts per item: overall and per class, from the manifest.
    let mut expected: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for h in manifest["hospitals"].as_array().unwrap() {
        let class = class_of(h["beds"].as_u64().unwrap());
        let meets = &h["meets"];
        for (key, met) in meets.as_object().unwrap() {
            if key == "bcp_drill" && meets["cyber_bcp"] == false {
                continue; // counted among hospitals with a BCP only
            }
            for bucket in ["overall", class] {
                let e = expected.entry((key.clone(), bucket.to_owned())).or_default();
                e.1 += 1;
                e.0 += u64::from(met.as_bool().unwrap());
            }
        }
    }
    let mut checked = 0;
    for item in stats["items"].as_array().unwrap() {
        let key = item["key"].as_str().unwrap().to_owned();
        let Some(&(met, total)) = expected.get(&(key.clone(), "overall".into())) else { continue };
        assert_eq!(
            (item["overall"]["met"].as_u64().unwrap(), item["overall"]["total"].as_u64().unwrap()),
            (met, total),
            "{key} overall"
        );
        for (class, share) in item["by_class"].as_object().unwrap() {
            let (met, total) = expected.get(&(key.clone(), class.clone())).copied().unwrap_or((0, 0));
            assert_eq!(
                (share["met"].as_u64().unwrap(), share["total"].as_u64().unwrap()),
                (met, total),
                "{key} {class}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 18, "every item the generator plants is judged");
    let classes: u64 =
        stats["classes"].as_array().unwrap().iter().map(|c| c["facilities"].as_u64().unwrap()).sum();
    assert_eq!(classes, 60);
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
    let stats: Value = serde_json::from_str(&stats_json(dir.path(), &[])).unwrap();
    assert_eq!(stats["facilities"], 5);
    assert_eq!(stats["judged"], 2);
    assert_eq!(stats["excluded"]["unreadable"], 1);
    assert_eq!(stats["excluded"]["no_medical_systems"], 1);
    assert_eq!(stats["excluded"]["no_facility"], 1);
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
fn a_fixed_ledger_size_gives_every_hospital_that_many_assets() {
    // `--assets N`, the benchmark's "one ordinary hospital".
    let dir = tempfile::tempdir().unwrap();
    let args = genfleet::Args {
        hospitals: 3,
        seed: 2,
        out: dir.path().to_path_buf(),
        max_assets: 5000,
        assets: Some(37),
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

//! National scale (#18): the JSON output says each rule's text once,
//! SARIF and JUnit never repeat it per result, `--jobs` is bounded, and the
//! streamed reports keep facility order.

use serde_json::Value;

use crate::support::{anzen, check_json, stderr, stdout};

const EXAMPLE: &str = "fixtures/example-hospital";

#[test]
fn json_v2_has_rule_metadata_once_and_flat_findings() {
    let (code, json) = check_json(EXAMPLE, &[]);
    assert_eq!(code, 1);
    assert_eq!(json["schema_version"], 2);
    let rules = json["rules"].as_object().expect("`rules` is an object keyed by rule id");
    let bak2 = &rules["BAK-002"];
    assert_eq!(bak2["name"], "too-few-generations");
    assert_eq!(bak2["severity"], "error");
    assert!(bak2["title"].as_str().unwrap().contains("generation"), "{bak2}");
    assert!(bak2["remediation"].as_str().unwrap().contains("at least three generations"), "{bak2}");
    assert!(!bak2["description"].as_str().unwrap().is_empty());
    // A guideline threshold decides no checklist item (SPEC §4 r2); BAK-001 decides 3②.
    assert_eq!(bak2["references"]["checklist"], serde_json::json!([]));
    assert_eq!(rules["BAK-001"]["references"]["checklist"][0]["item"], "3②");
    assert_eq!(bak2["references"]["guideline"][0]["part"], "システム運用編");
    assert!(bak2["survey"]["rate"].is_number(), "BAK-002 cites a survey rate: {bak2}");
    assert!(bak2["help_uri"].as_str().unwrap().ends_with("#bak-002"));

    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let required = [
        "rule",
        "name",
        "severity",
        "file",
        "line",
        "column",
        "pointer",
        "key",
        "facility",
        "message",
        "checklist",
        "guideline",
        "suppressed",
    ];
    for f in findings {
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        for key in required {
            assert!(keys.contains(&key), "finding lacks `{key}`: {f}");
        }
        for key in &keys {
            assert!(required.contains(key) || *key == "help", "finding has per-rule `{key}`: {f}");
        }
        let rule = f["rule"].as_str().unwrap();
        assert!(rules.contains_key(rule), "{rule} is not in `rules`");
        assert_eq!(f["name"], rules[rule]["name"]);
    }
    let bak2 = findings.iter().find(|f| f["rule"] == "BAK-002").unwrap();
    assert_eq!(bak2["checklist"], serde_json::json!([]), "a guideline finding decides no item");
    assert_eq!(bak2["guideline"][0], "システム運用編 18①");
    assert_eq!(json["facilities"][0]["root"], EXAMPLE);
    assert!(json["summary"]["error"].as_u64().unwrap() > 0);
}

/// One finding per line in the JSON output: no rule text on those lines.
#[test]
fn json_findings_do_not_repeat_rule_text() {
    let out = anzen(&["check", EXAMPLE, "--format", "json", "--lang", "en", "--as-of", "2025-06-30"]);
    let text = stdout(&out);
    let json: Value = serde_json::from_str(&text).unwrap();
    let remediation = json["rules"]["BAK-002"]["remediation"].as_str().unwrap();
    assert_eq!(text.matches(remediation).count(), 1, "the remediation is written once");
    let finding_lines = text.lines().filter(|l| l.trim_start().starts_with("{\"rule\":")).count();
    assert_eq!(finding_lines, json["findings"].as_array().unwrap().len(), "one finding per line");
}

#[test]
fn sarif_results_and_junit_cases_do_not_repeat_rule_text() {
    let out = anzen(&["check", EXAMPLE, "--format", "sarif", "--lang", "en", "--as-of", "2025-06-30"]);
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let i = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let text = r.to_string();
        for key in ["help", "shortDescription", "fullDescription", "helpUri"] {
            assert!(r.get(key).is_none(), "a result carries `{key}`");
        }
        let help = rules[i]["help"]["text"].as_str().unwrap();
        let remediation_en = help.split('\n').nth(4).unwrap_or_default();
        assert!(
            remediation_en.len() > 10 && !text.contains(remediation_en),
            "a result repeats its rule's help"
        );
    }

    let out = anzen(&["check", EXAMPLE, "--format", "junit", "--lang", "en", "--as-of", "2025-06-30"]);
    let junit = stdout(&out);
    let remediation =
        &sarif_rule(rules, "BAK-002")["help"]["text"].as_str().unwrap().split('\n').nth(4).unwrap();
    assert!(junit.contains("BAK-002"), "{junit}");
    assert!(!junit.contains(remediation), "JUnit repeats the remediation");
}

fn sarif_rule<'a>(rules: &'a [Value], id: &str) -> &'a Value {
    rules.iter().find(|r| r["id"] == id).unwrap()
}

#[test]
fn jobs_zero_is_a_usage_error() {
    let out = anzen(&["check", EXAMPLE, "--jobs", "0", "--as-of", "2025-06-30"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--jobs"), "{}", stderr(&out));
}

#[test]
fn jobs_above_four_per_core_are_clamped_with_a_notice() {
    let args = ["check", EXAMPLE, "--format", "json", "--lang", "en", "--as-of", "2025-06-30"];
    let plain = anzen(&args);
    let mut many = args.to_vec();
    many.extend(["--jobs", "100000"]);
    let clamped = anzen(&many);
    assert_eq!(clamped.status.code(), plain.status.code());
    assert_eq!(stdout(&clamped), stdout(&plain), "the same report");
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let notice = stderr(&clamped);
    assert!(
        notice.contains("--jobs 100000") && notice.contains(&format!("using {} threads", cores * 4)),
        "{notice}"
    );
    assert!(stderr(&plain).is_empty(), "no notice without --jobs: {}", stderr(&plain));
}

/// Copies directory `from` into `to`, recursively.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A fleet of copies of the example hospital (`h0` … `h{n-1}` under
/// `hospitals/`), with an anzen.yaml holding one waiver that applies (to
/// every hospital's NET-005) and one that matches nothing.
fn fleet(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        copy_tree(&crate::support::repo().join(EXAMPLE), &dir.path().join(format!("hospitals/h{i}")));
    }
    std::fs::write(
        dir.path().join("anzen.yaml"),
        "apiVersion: anzen/v1\nkind: Config\nwaivers:\n  - rule: NET-005\n    path: \"hospitals/*/network.yaml\"\n    reason: ゲスト Wi-Fi は分離\n    approved_by: 安全管理責任者\n  - rule: BAK-002\n    path: nowhere.yaml\n    reason: x\n    approved_by: y\n",
    )
    .unwrap();
    dir
}

fn run_json(dir: &std::path::Path, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["check", ".", "--format", "json", "--lang", "en", "--as-of", "2025-06-30"];
    args.extend_from_slice(extra);
    let out = crate::support::anzen_in(dir, &args);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out, json)
}

use std::process::Output;

/// Streamed per facility: facilities in path order, each sorted by file,
/// line, column, rule; waivers applied across facilities; the unused
/// waiver's DOC-010 (about anzen.yaml) last; the same bytes whatever the
/// number of threads, in every format.
#[test]
fn a_fleet_streams_in_facility_order_whatever_the_threads() {
    let dir = fleet(12);
    let (out, json) = run_json(dir.path(), &["--jobs", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let findings = json["findings"].as_array().unwrap();
    let last = findings.last().unwrap();
    assert_eq!(last["rule"], "DOC-010", "the unused waiver comes last: {last}");
    assert_eq!(last["file"], "anzen.yaml");
    assert!(last["message"].as_str().unwrap().contains("BAK-002"), "{last}");
    let keys: Vec<(String, String, u64, u64, String)> = findings[..findings.len() - 1]
        .iter()
        .map(|f| {
            (
                f["facility"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "facility, file, line, column, rule");
    let facilities: std::collections::BTreeSet<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(facilities.len(), 12);
    let net5: Vec<&Value> = findings.iter().filter(|f| f["rule"] == "NET-005").collect();
    assert_eq!(net5.len(), 12);
    assert!(net5.iter().all(|f| f["suppressed"]["by"] == "waiver"), "the waiver applies in every facility");
    assert_eq!(json["summary"]["suppressed"], 12);
    assert_eq!(json["facilities"].as_array().unwrap().len(), 12);

    for format in ["json", "human", "sarif", "junit", "github", "concise"] {
        let run = |jobs: &str| {
            let out = crate::support::anzen_in(
                dir.path(),
                &["check", ".", "--format", format, "--as-of", "2025-06-30", "--jobs", jobs],
            );
            (out.status.code(), stdout(&out))
        };
        let one = run("1");
        assert_eq!(one, run("3"), "{format}: --jobs 1 and --jobs 3 differ");
        assert_eq!(one, run("8"), "{format}: --jobs 1 and --jobs 8 differ");
    }
}

/// JUnit's totals come before the suites it streams: one suite per
/// facility, its tests counted once per rule.
#[test]
fn junit_totals_count_every_streamed_suite() {
    let dir = fleet(5);
    let out =
        crate::support::anzen_in(dir.path(), &["check", ".", "--format", "junit", "--as-of", "2025-06-30"]);
    let xml = stdout(&out);
    let suites = xml.matches("<testsuite ").count();
    // Five hospitals, and the unused waiver's DOC-010 about anzen.yaml
    // (no facility), delivered last.
    assert_eq!(suites, 6, "{xml}");
    let last = xml.rfind("<testsuite ").unwrap();
    assert!(xml[last..].starts_with(r#"<testsuite name="(no facility)""#), "{}", &xml[last..]);
    let cases = xml.matches("<testcase ").count();
    let header = xml.lines().nth(1).unwrap();
    assert!(header.contains(&format!("tests=\"{cases}\"")), "{header} vs {cases} cases");
    let failing = xml.matches("<failure ").count();
    assert!(header.contains(&format!("failures=\"{failing}\"")), "{header} vs {failing} failures");
}

/// A baseline written from a streamed fleet takes every finding back out.
#[test]
fn a_baseline_round_trips_over_a_streamed_fleet() {
    let dir = fleet(4);
    let (out, _) = run_json(dir.path(), &["--write-baseline", "base.json"]);
    assert_eq!(out.status.code(), Some(1));
    let (out, json) = run_json(dir.path(), &["--baseline", "base.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let left: Vec<&Value> =
        json["findings"].as_array().unwrap().iter().filter(|f| f["suppressed"].is_null()).collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(json["summary"]["baseline"]["matched"].as_u64().unwrap() > 4);
    assert_eq!(json["summary"]["baseline"]["gone"], 0);
}

/// A facility whose ledger has `pcs` client PCs with unrestricted USB
/// storage (one USB-001 finding each), with `config` as anzen.yaml.
fn usb_fleet(pcs: usize, config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = crate::support::repo().join("fixtures/rules/USB-001/fail/facility.yaml");
    std::fs::copy(fixture, dir.path().join("facility.yaml")).unwrap();
    let mut ledger = String::from("apiVersion: anzen/v1\nkind: AssetLedger\nassets:\n");
    for i in 0..pcs {
        ledger.push_str(&format!(
            "  - {{id: pc-{i:05}, type: client_pc, location: 外来, manager: 医事課, usb_storage: unrestricted}}\n"
        ));
    }
    std::fs::write(dir.path().join("assets.yaml"), ledger).unwrap();
    if !config.is_empty() {
        std::fs::write(dir.path().join("anzen.yaml"), config).unwrap();
    }
    dir
}

fn usb_findings(dir: &std::path::Path) -> Vec<Value> {
    let (code, json) = check_json(dir.to_str().unwrap(), &["--select", "USB-001"]);
    assert_eq!(code, 1);
    json["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "USB-001").cloned().collect()
}

#[test]
fn findings_of_one_rule_in_one_file_are_capped_with_one_summary() {
    let dir = usb_fleet(25, "apiVersion: anzen/v1\nkind: Config\nlimits:\n  max_findings_per_rule: 10\n");
    let usb = usb_findings(dir.path());
    assert_eq!(usb.len(), 11, "ten listed and one saying how many more");
    let last = &usb[10];
    assert!(last["message"].as_str().unwrap().contains("15"), "{last}");
    assert_eq!(last["severity"], "error", "the summary keeps the rule's severity: a gate still fails");
    assert_eq!(last["pointer"], Value::Null);
    // It stands where the eleventh finding would have been.
    assert_eq!(last["line"], usb[9]["line"].as_u64().unwrap() + 1);
    let ja = anzen(&[
        "check",
        dir.path().to_str().unwrap(),
        "--format",
        "concise",
        "--select",
        "USB-001",
        "--lang",
        "ja",
    ]);
    assert!(stdout(&ja).contains("ほかに15件"), "{}", stdout(&ja));

    // The default is 1,000 per rule and file.
    let dir = usb_fleet(1_200, "");
    let usb = usb_findings(dir.path());
    assert_eq!(usb.len(), 1_001);
    assert!(usb[1_000]["message"].as_str().unwrap().starts_with("200 more"), "{}", usb[1_000]);
}

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

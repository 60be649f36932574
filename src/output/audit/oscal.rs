//! `anzen report --format oscal`: an OSCAL 1.0.4 assessment-results
//! document (JSON). One `result` per facility; in it one `finding` per
//! checklist item (target `objective-id` `r7-2-6` for 2⑥, status
//! `satisfied` / `not-satisfied`) and one `observation` per anzen finding,
//! carrying its evidence location (file, line, column, JSON Pointer).
//!
//! Nothing depends on the clock or on chance: timestamps are `as_of` at
//! midnight UTC, and every UUID is a version-5 UUID of stable names (the
//! facility directory, the item, the finding's rule and location), so the
//! same input gives the same document and two runs diff clean.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::uuid::Uuid;
use super::{Answer, Audit, FacilityAudit, ItemAudit, Located, text, tr};
use crate::kernel::finding::Lang;

/// The namespace of anzen's property names.
const NS: &str = "urn:anzen";

pub fn write(audit: &Audit<'_>, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let doc = document(audit, lang);
    crate::kernel::escape::json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// The anzen namespace for UUIDs.
fn namespace() -> Uuid {
    Uuid::v5(Uuid::NAMESPACE_URL, NS)
}

fn uuid(name: &str) -> String {
    Uuid::v5(namespace(), name).to_string()
}

/// The document.
pub fn document(audit: &Audit<'_>, lang: Lang) -> Value {
    let timestamp = format!("{}T00:00:00Z", audit.as_of);
    let roots: Vec<&str> = audit.facilities.iter().map(|f| f.facility.root.as_str()).collect();
    let checklist_resource = uuid(&format!("resource|checklist|{}", audit.checklist.edition));
    let survey_resource = uuid(&format!("resource|survey|{}", audit.survey.edition));
    let mut results: Vec<Value> =
        audit.facilities.iter().map(|f| result(audit, f, lang, &timestamp)).collect();
    if results.is_empty() {
        results.push(json!({
            "uuid": uuid("result|none"),
            "title": tr(lang, "施設なし", "No facility"),
            "description": tr(lang, "施設が見つかりませんでした。", "No facility was found."),
            "start": timestamp,
            "reviewed-controls": reviewed_controls(audit),
        }));
    }
    let title = match lang {
        Lang::Ja => format!("{}（anzen による評価結果）", audit.checklist.title.ja),
        Lang::En => format!("{} (assessed by anzen)", audit.checklist.title.en),
    };
    json!({
        "assessment-results": {
            "uuid": uuid(&format!("assessment-results|{}", roots.join("\n"))),
            "metadata": {
                "title": title,
                "last-modified": timestamp,
                "version": audit.as_of.to_string(),
                "oscal-version": "1.0.4",
                "props": [
                    prop("tool", &format!("anzen {}", env!("CARGO_PKG_VERSION"))),
                    prop("as-of", &audit.as_of.to_string()),
                    prop("checklist-edition", &audit.checklist.edition),
                ],
                "remarks": text::intro(audit, lang),
            },
            "import-ap": {
                "href": format!("#{checklist_resource}"),
                "remarks": tr(
                    lang,
                    "OSCAL の評価計画はありません。評価の対象はチェックリスト（back-matter）の全項目です。",
                    "There is no OSCAL assessment plan: the plan is every item of the checklist in back-matter.",
                ),
            },
            "results": results,
            "back-matter": {
                "resources": [
                    {
                        "uuid": checklist_resource,
                        "title": audit.checklist.title.get(lang),
                        "citation": {"text": audit.checklist.title.ja},
                    },
                    {
                        "uuid": survey_resource,
                        "title": audit.survey.title.get(lang),
                        "citation": {"text": audit.survey.title.ja},
                    },
                ],
            },
        }
    })
}

/// `r7-2-6` for 2⑥; related items by position.
pub fn control_id(edition: &str, item: &str) -> String {
    let mut id = format!("{}-", edition.to_ascii_lowercase());
    for c in item.chars() {
        match c {
            '0'..='9' => id.push(c),
            // ① … ⑳
            '\u{2460}'..='\u{2473}' => {
                id.push('-');
                id.push_str(&(c as u32 - 0x2460 + 1).to_string());
            }
            c if c.is_ascii_alphanumeric() => id.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    id
}

fn item_control_id(audit: &Audit<'_>, item: &ItemAudit<'_>, related_index: Option<usize>) -> String {
    let edition = &audit.checklist.edition;
    match related_index {
        Some(i) => format!("{}-related-{}", edition.to_ascii_lowercase(), i + 1),
        None => control_id(edition, &item.item.item),
    }
}

fn reviewed_controls(audit: &Audit<'_>) -> Value {
    let mut ids: Vec<Value> = audit
        .checklist
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .map(|i| json!({"control-id": control_id(&audit.checklist.edition, &i.item)}))
        .collect();
    for i in 0..audit.checklist.related.len() {
        ids.push(json!({"control-id": format!("{}-related-{}", audit.checklist.edition.to_ascii_lowercase(), i + 1)}));
    }
    json!({
        "description": audit.checklist.title.ja,
        "control-selections": [{"include-controls": ids}],
    })
}

fn result(audit: &Audit<'_>, f: &FacilityAudit<'_>, lang: Lang, timestamp: &str) -> Value {
    let root = &f.facility.root;
    // Observations: one per finding of the facility, in report order.
    let mut observation_of: HashMap<*const crate::kernel::finding::Finding, String> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut observations = Vec::new();
    let all = f.items.iter().chain(&f.related).flat_map(|i| i.findings.iter()).chain(&f.other);
    let mut ordered: Vec<&Located<'_>> = Vec::new();
    for l in all {
        let key = std::ptr::from_ref(l.finding);
        if observation_of.contains_key(&key) {
            continue;
        }
        let name = format!(
            "observation|{root}|{}|{}|{}|{}|{}|{}",
            l.finding.rule.id,
            l.file,
            l.line,
            l.column,
            l.finding.pointer.as_deref().unwrap_or(""),
            l.finding.message.en
        );
        let n = seen.entry(name.clone()).or_insert(0);
        *n += 1;
        let id = if *n == 1 { uuid(&name) } else { uuid(&format!("{name}|{n}")) };
        observation_of.insert(key, id);
        ordered.push(l);
    }
    for l in ordered {
        let key = std::ptr::from_ref(l.finding);
        let id = observation_of.get(&key).cloned().unwrap_or_default();
        observations.push(observation(l, &id, lang, timestamp));
    }

    let mut findings = Vec::new();
    for item in &f.items {
        findings.push(finding(audit, f, item, None, &observation_of, lang));
    }
    for (i, item) in f.related.iter().enumerate() {
        findings.push(finding(audit, f, item, Some(i), &observation_of, lang));
    }

    let counts: Vec<String> =
        Answer::ALL.iter().map(|a| format!("{} {}", a.label(lang), f.count(*a))).collect();
    let mut props = vec![prop("facility-root", root), prop("scope-answer", f.scope.key())];
    if let Some(beds) = f.facility.beds {
        props.push(prop("beds", &beds.to_string()));
    }
    if let Some(c) = f.class {
        props.push(prop("survey-bed-class", &c.class));
    }
    // The survey answers (`anzen stats` counts these same answers).
    for r in &f.survey {
        props.push(prop(&format!("survey-{}", r.item.key), r.status.key()));
    }
    let mut result = json!({
        "uuid": uuid(&format!("result|{root}")),
        "title": f.title(),
        "description": match lang {
            Lang::Ja => format!("{} の {}: {}", f.title(), audit.checklist.title.ja, counts.join("、")),
            Lang::En => format!("{} for {}: {}", audit.checklist.title.en, f.title(), counts.join(", ")),
        },
        "start": timestamp,
        "end": timestamp,
        "props": props,
        "reviewed-controls": reviewed_controls(audit),
    });
    if let Value::Object(map) = &mut result {
        if !observations.is_empty() {
            map.insert("observations".into(), Value::Array(observations));
        }
        map.insert("findings".into(), Value::Array(findings));
    }
    result
}

fn observation(l: &Located<'_>, id: &str, lang: Lang, timestamp: &str) -> Value {
    let f = l.finding;
    let mut props = vec![prop("rule", &f.rule.id), prop("severity", f.severity.as_str())];
    if let Some(p) = f.pointer.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        props.push(prop("pointer", p));
    }
    props.push(prop("line", &l.line.to_string()));
    props.push(prop("column", &l.column.to_string()));
    let location = match f.pointer.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => format!("{}:{}:{} ({p})", l.file, l.line, l.column),
        None => format!("{}:{}:{}", l.file, l.line, l.column),
    };
    json!({
        "uuid": id,
        "title": format!("{} {}", f.rule.id, f.rule.title.get(lang)),
        "description": f.message.get(lang),
        "props": props,
        "methods": ["EXAMINE"],
        "types": ["finding"],
        "relevant-evidence": [{
            "href": format!("{}#L{}", uri_path(l.file), l.line),
            "description": location,
        }],
        "collected": timestamp,
        "remarks": f.rule.remediation.get(lang),
    })
}

fn finding(
    audit: &Audit<'_>,
    f: &FacilityAudit<'_>,
    item: &ItemAudit<'_>,
    related_index: Option<usize>,
    observation_of: &HashMap<*const crate::kernel::finding::Finding, String>,
    lang: Lang,
) -> Value {
    let (state, reason) = match item.answer {
        Answer::Yes => ("satisfied", "pass"),
        Answer::No => ("not-satisfied", "fail"),
        Answer::NotDescribed | Answer::ToConfirm => ("not-satisfied", "other"),
        Answer::NotApplicable => ("satisfied", "other"),
    };
    let control = item_control_id(audit, item, related_index);
    let related: Vec<Value> = item
        .findings
        .iter()
        .filter_map(|l| observation_of.get(&std::ptr::from_ref(l.finding)))
        .map(|id| json!({"observation-uuid": id}))
        .collect();
    let mut value = json!({
        "uuid": uuid(&format!("finding|{}|{}", f.facility.root, control)),
        "title": format!("{} {}", item.item.item, item.item.text.get(lang)),
        "description": text::basis(item, lang),
        "props": [
            prop("checklist-item", &item.item.item),
            prop("answer", item.answer.key()),
            prop("answer-label", item.answer.label(lang)),
        ],
        "target": {
            "type": "objective-id",
            "target-id": control,
            "status": {"state": state, "reason": reason},
        },
    });
    if !related.is_empty()
        && let Value::Object(map) = &mut value
    {
        map.insert("related-observations".into(), Value::Array(related));
    }
    value
}

fn prop(name: &str, value: &str) -> Value {
    json!({"name": name, "ns": NS, "value": value.trim()})
}

/// A relative path as a URI reference: every byte outside RFC 3986's
/// unreserved set and `/` percent-encoded.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_ids_are_oscal_tokens() {
        assert_eq!(control_id("R7", "1①"), "r7-1-1");
        assert_eq!(control_id("R7", "2⑬"), "r7-2-13");
        assert_eq!(control_id("R7", "4①"), "r7-4-1");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_path("h/backups.yaml"), "h/backups.yaml");
        assert_eq!(uri_path("病院 A/x.yaml"), "%E7%97%85%E9%99%A2%20A/x.yaml");
    }
}

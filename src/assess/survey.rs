//! The national survey anzen compares facilities with
//! (`rules/surveys/<edition>.yaml`, from the MHLW seed): the items, their
//! national and per-bed-class rates, and the rules that decide whether a
//! facility meets each item.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::document::yaml::{self, Limits};
use crate::kernel::assets::SURVEY_FILES;
use crate::kernel::error::Fatal;
use crate::kernel::finding::Text;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    pub edition: String,
    pub year: u32,
    pub title: Text,
    pub bed_classes: Vec<BedClass>,
    pub respondents: u32,
    pub surveyed: u32,
    pub items: Vec<SurveyItem>,
}

/// A bed-size class of the survey (`20-99`, …, `500+`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BedClass {
    pub class: String,
    pub min: u32,
    #[serde(default)]
    pub max: Option<u32>,
    pub respondents: u32,
    pub surveyed: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyItem {
    pub key: String,
    /// A short label for tables and charts (ours, not the survey's).
    pub short: Text,
    pub text: Text,
    /// National rate, percent.
    pub rate: f64,
    #[serde(default)]
    pub previous_rate: Option<f64>,
    /// Rates per bed class, where the seed gives them.
    #[serde(default)]
    pub by_class: BTreeMap<String, f64>,
    #[serde(default)]
    pub previous_by_class: BTreeMap<String, f64>,
    #[serde(default)]
    pub trend: Option<Text>,
    /// The R7 checklist item whose report row shows this rate.
    #[serde(default)]
    pub checklist_item: Option<String>,
    /// The item (key) whose *met* facilities form this item's base (the
    /// survey asked "among hospitals with a BCP").
    #[serde(default)]
    pub base: Option<String>,
    /// Document kinds that must describe something, else the answer is
    /// unknown (未記載).
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The objects the item judges; none of them → unknown.
    #[serde(default)]
    pub requires: Option<Requires>,
    /// Not met when one of these rules has a finding (any severity) on the
    /// item's subject.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Only findings on assets of these types count.
    #[serde(default)]
    pub asset_types: Vec<String>,
    /// Only findings on this subject count (and print the rate).
    #[serde(default)]
    pub subject: Option<Subject>,
    /// How an item no rule decides is decided.
    #[serde(default)]
    pub predicate: Option<Predicate>,
    /// Rules that print this item's rate beside their findings (in its
    /// base) without deciding it.
    #[serde(default)]
    pub cited_by: Vec<String>,
}

/// The objects a survey item judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requires {
    /// `governance.department_security_officers` entries.
    Departments,
    /// Systems with `patient_data: true`.
    PatientDataSystems,
    /// Assets of the item's `asset_types`.
    Assets,
    /// Vendors.
    Vendors,
    /// Vendors a system, asset or connection names.
    ReferencedVendors,
    /// Backups of the EHR.
    EhrBackups,
}

/// The subject a survey item is judged on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// The systems with `category: ehr`.
    Ehr,
    /// Every backup of the EHR.
    EhrBackups,
}

/// Items decided by a document fact rather than a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Predicate {
    /// The security manager lists at least one qualification.
    Qualified,
    /// A system with `category: ehr` exists.
    EhrSystem,
    /// Every backup of the EHR has a copy with `offline: true`.
    OfflineCopy,
}

impl Survey {
    /// The embedded survey of `edition` (e.g. `令和7年`), or the latest.
    pub fn builtin() -> Result<Survey, Fatal> {
        let (name, text) = SURVEY_FILES.last().ok_or_else(|| Fatal::Internal("no embedded survey".into()))?;
        let docs = yaml::parse(text, &Limits::default())
            .map_err(|e| Fatal::Internal(format!("survey {name}: {}", e.message)))?;
        let json = docs.first().map(|d| d.to_json()).unwrap_or_default();
        serde_json::from_value(json).map_err(|e| Fatal::Internal(format!("survey {name}: {e}")))
    }

    /// The embedded survey, parsed once (`None` only if the embedded file
    /// were broken, which a test rules out).
    pub fn embedded() -> Option<&'static Survey> {
        static SURVEY: std::sync::OnceLock<Option<Survey>> = std::sync::OnceLock::new();
        SURVEY.get_or_init(|| Survey::builtin().ok()).as_ref()
    }

    /// The item `key`.
    pub fn item(&self, key: &str) -> Option<&SurveyItem> {
        self.items.iter().find(|i| i.key == key)
    }

    /// The bed class of a facility with `beds` beds (under 20: none, as
    /// the survey covers hospitals of 20 beds or more).
    pub fn class_of(&self, beds: u32) -> Option<&BedClass> {
        self.bed_classes.iter().find(|c| beds >= c.min && c.max.is_none_or(|m| beds <= m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_survey_adds_up() {
        let s = Survey::builtin().unwrap();
        assert_eq!(s.bed_classes.iter().map(|c| c.respondents).sum::<u32>(), s.respondents);
        assert_eq!(s.bed_classes.iter().map(|c| c.surveyed).sum::<u32>(), s.surveyed);
        assert_eq!(s.class_of(19).map(|c| c.class.as_str()), None);
        assert_eq!(s.class_of(20).map(|c| c.class.as_str()), Some("20-99"));
        assert_eq!(s.class_of(199).map(|c| c.class.as_str()), Some("100-199"));
        assert_eq!(s.class_of(1200).map(|c| c.class.as_str()), Some("500+"));
        let generations = s.items.iter().find(|i| i.key == "backup_generations_3").unwrap();
        assert_eq!(generations.by_class.len(), 6);
        // SPEC §4: the items and rates, in order.
        let rates: Vec<(&str, f64)> = s.items.iter().map(|i| (i.key.as_str(), i.rate)).collect();
        assert_eq!(
            rates,
            [
                ("ciso", 73.0),
                ("ciso_qualified", 15.0),
                ("department_officers", 31.0),
                ("csirt", 42.0),
                ("mds_sds", 59.0),
                ("cyber_bcp", 57.0),
                ("bcp_drill", 38.0),
                ("asset_ledger", 90.0),
                ("network_diagram", 74.0),
                ("vulnerability_info", 83.0),
                ("patch_network", 74.0),
                ("patch_server_pc", 61.0),
                ("mfa", 11.0),
                ("usb", 83.0),
                ("contract_sla", 51.0),
                ("ehr_use", 71.0),
                ("ehr_backup", 97.0),
                ("backup_copies_3", 43.0),
                ("backup_media_2", 60.0),
                ("backup_generations_3", 65.0),
                ("backup_offline", 64.0),
            ]
        );
        for item in &s.items {
            assert!(
                item.rules.is_empty() != item.predicate.is_none(),
                "{}: exactly one of rules and predicate",
                item.key
            );
            if let Some(base) = &item.base {
                let at = s.items.iter().position(|i| &i.key == base);
                let me = s.items.iter().position(|i| i.key == item.key);
                assert!(at < me, "{}: its base {base} must come first", item.key);
            }
        }
    }
}

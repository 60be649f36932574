//! The national survey anzen compares facilities with
//! (`rules/surveys/<edition>.yaml`, from the MHLW seed): the items, their
//! national and per-bed-class rates, and the rules that decide whether a
//! facility meets each item.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::catalog::SURVEY_FILES;
use crate::error::Fatal;
use crate::finding::Text;
use crate::load::yaml::{self, Limits};

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
    #[serde(default)]
    pub checklist_item: Option<String>,
    /// A facility meets the item when none of these rules has a finding
    /// (on assets of `asset_types`, when given). Empty: descriptive only.
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub asset_types: Vec<String>,
    /// The item (key) whose facilities form this item's base (the survey
    /// asked "among hospitals with a BCP"): fleet statistics count only
    /// facilities that meet it.
    #[serde(default)]
    pub base: Option<String>,
    /// Document kinds without which a facility's result is unknown
    /// (default: those of the checklist items sharing its rules).
    #[serde(default)]
    pub evidence: Vec<String>,
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
        let generations = s.items.iter().find(|i| i.key == "backup_generations").unwrap();
        assert_eq!(generations.by_class.len(), 6);
    }
}

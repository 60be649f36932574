//! `anzen stats`: how a fleet compares with the national survey. Every
//! facility is assessed once ([`crate::assess`]); for each survey item this
//! module counts the answers — met, not met, 未記載 (unknown), 対象外 — overall
//! and per bed class, takes the share over the facilities that were asked
//! (met / (met + not met)) with its 95% Wilson interval, and marks the items
//! whose national rate lies outside it. Facilities that cannot be judged (no
//! Facility document, no bed count, files that could not be read) are counted
//! separately, never dropped.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::assess::survey::Survey;
use crate::assess::{self, Basis, Status};
use crate::kernel::finding::{Finding, Text};
use crate::pipeline::facility::FacilitySummary;
use crate::rules::doc::Doc;

/// The answers of a set of facilities to one survey item.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub met: usize,
    pub not_met: usize,
    /// 未記載
    pub unknown: usize,
    /// 対象外
    pub not_applicable: usize,
}

impl Counts {
    fn add(&mut self, status: Status) {
        match status {
            Status::Met => self.met += 1,
            Status::NotMet => self.not_met += 1,
            Status::Unknown => self.unknown += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }

    /// Facilities asked: met + not met.
    pub fn asked(self) -> usize {
        self.met + self.not_met
    }

    /// Met / asked, percent; `None` when nobody was asked.
    pub fn share(self) -> Option<f64> {
        (self.asked() > 0).then(|| 100.0 * self.met as f64 / self.asked() as f64)
    }

    /// The 95% Wilson score interval of the share, percent.
    pub fn ci95(self) -> Option<(f64, f64)> {
        wilson(self.met, self.asked())
    }
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Counts", 6)?;
        st.serialize_field("met", &self.met)?;
        st.serialize_field("not_met", &self.not_met)?;
        st.serialize_field("unknown", &self.unknown)?;
        st.serialize_field("not_applicable", &self.not_applicable)?;
        st.serialize_field("share", &self.share().map(round))?;
        st.serialize_field("ci95", &self.ci95().map(|(lo, hi)| [round(lo), round(hi)]))?;
        st.end()
    }
}

/// Two decimals (percent): enough for any fleet, stable in JSON.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The Wilson score interval (z = 1.96) of `k` successes in `n`, percent.
pub fn wilson(k: usize, n: usize) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n, z) = (k as f64, n as f64, 1.959_963_984_540_054_f64);
    let p = k / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some((100.0 * (center - half).max(0.0), 100.0 * (center + half).min(1.0)))
}

/// Does the national rate lie outside the fleet's interval?
fn outside(counts: Counts, national: Option<f64>) -> bool {
    match (counts.ci95(), national) {
        (Some((lo, hi)), Some(n)) => n < lo || n > hi,
        _ => false,
    }
}

#[derive(Debug, Serialize)]
pub struct ItemStats {
    pub key: String,
    pub text: Text,
    pub short: Text,
    /// National rate (percent) and per-class rates where the survey has them.
    pub national: f64,
    pub national_by_class: BTreeMap<String, f64>,
    /// The rules that decide it (empty: decided by a document fact).
    pub rules: Vec<String>,
    /// The item whose met facilities were asked (e.g. `cyber_bcp`).
    pub base: Option<String>,
    pub overall: Counts,
    pub by_class: BTreeMap<String, Counts>,
    /// The national rate lies outside the fleet's 95% interval.
    pub national_outside_ci95: bool,
    /// Bed classes whose national class rate (where published) lies
    /// outside the class's interval.
    pub classes_outside_ci95: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ClassStats {
    pub class: String,
    /// Facilities of the fleet in this class (judged).
    pub facilities: usize,
    /// The survey's respondents in this class.
    pub respondents: u32,
}

/// Facilities left out of the rates, by reason.
#[derive(Debug, Default, Serialize)]
pub struct Excluded {
    /// Documents without an enclosing Facility document.
    pub no_facility: usize,
    /// A Facility without a bed count (`beds` missing, invalid or 0).
    pub no_beds: usize,
    /// 1 to 19 beds (the survey covers hospitals of 20 beds or more).
    pub under_20_beds: usize,
    /// Some of their files could not be read or parsed (DOC-001/DOC-009).
    pub unreadable: usize,
}

/// One judged facility's answers (what the rates are made of), kept
/// compact: a fleet's stats hold one per judged facility until the end.
#[derive(Debug)]
pub struct FacilityAnswers {
    pub root: String,
    pub class: String,
    /// Per survey item, in the order of [`Stats::items`]: its answer, if
    /// the assessment gave one.
    statuses: Box<[Option<Status>]>,
}

/// Every judged facility's answers, in facility order. Written as a list
/// of `{"root", "class", "items": {survey item key: "met" | "not_met" |
/// "unknown" | "not_applicable"}}`, the keys in sorted order.
#[derive(Debug, Default)]
pub struct Answers {
    /// Indexes into [`Stats::items`] in the order of their keys.
    by_key: Vec<(String, usize)>,
    facilities: Vec<FacilityAnswers>,
}

impl Serialize for Answers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        /// One facility's answers, with the item keys.
        struct Row<'a>(&'a Answers, &'a FacilityAnswers);
        /// Its `items` map.
        struct Items<'a>(&'a Answers, &'a FacilityAnswers);
        impl Serialize for Row<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("FacilityAnswers", 3)?;
                st.serialize_field("root", &self.1.root)?;
                st.serialize_field("class", &self.1.class)?;
                st.serialize_field("items", &Items(self.0, self.1))?;
                st.end()
            }
        }
        impl Serialize for Items<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let answered: Vec<(&str, Status)> = self
                    .0
                    .by_key
                    .iter()
                    .filter_map(|(key, i)| Some((key.as_str(), self.1.statuses.get(*i).copied().flatten()?)))
                    .collect();
                let mut map = s.serialize_map(Some(answered.len()))?;
                for (key, status) in answered {
                    map.serialize_entry(key, status.key())?;
                }
                map.end()
            }
        }
        let mut seq = s.serialize_seq(Some(self.facilities.len()))?;
        for f in &self.facilities {
            seq.serialize_element(&Row(self, f))?;
        }
        seq.end()
    }
}

#[derive(Debug, Serialize)]
pub struct Stats {
    pub survey: String,
    pub year: u32,
    pub as_of: String,
    pub facilities: usize,
    pub judged: usize,
    /// Judged facilities whose opening question is いいえ (every item 対象外).
    pub no_medical_systems: usize,
    pub excluded: Excluded,
    pub classes: Vec<ClassStats>,
    pub items: Vec<ItemStats>,
    /// Per judged facility, in facility order.
    pub answers: Answers,
}

/// Why a facility is not judged, if it is not.
fn exclusion(
    fac: &FacilitySummary,
    findings: &[&Finding],
    survey: &Survey,
) -> Result<String, fn(&mut Excluded)> {
    if fac.implicit {
        return Err(|e| e.no_facility += 1);
    }
    if findings.iter().any(|f| f.suppressed.is_none() && Doc::is_unreadable(&f.rule.id)) {
        return Err(|e| e.unreadable += 1);
    }
    match fac.beds {
        None | Some(0) => Err(|e| e.no_beds += 1),
        Some(b) if b < 20 => Err(|e| e.under_20_beds += 1),
        Some(b) => survey
            .class_of(u32::try_from(b).unwrap_or(u32::MAX))
            .map(|c| c.class.clone())
            .ok_or(|e: &mut Excluded| e.no_beds += 1),
    }
}

/// Counts the fleet: `facilities` with their findings (any order; a finding
/// belongs to the facility its `facility` names).
pub fn compute(
    basis: &Basis<'_>,
    facilities: &[FacilitySummary],
    findings: &[Finding],
    as_of: String,
) -> Stats {
    let mut by_facility: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        if let Some(root) = f.facility.as_deref() {
            by_facility.entry(root).or_default().push(f);
        }
    }
    let mut stats = Stats::new(basis.survey, as_of);
    for fac in facilities {
        let mine = by_facility.get(fac.root.as_str()).map(Vec::as_slice).unwrap_or_default();
        stats.add(basis, fac, mine);
    }
    stats.finish(basis.survey);
    stats
}

impl Stats {
    /// No facility counted yet: add them one at a time ([`Stats::add`]),
    /// then [`Stats::finish`].
    pub fn new(survey: &Survey, as_of: String) -> Stats {
        Stats {
            survey: survey.edition.clone(),
            year: survey.year,
            as_of,
            facilities: 0,
            judged: 0,
            no_medical_systems: 0,
            excluded: Excluded::default(),
            classes: survey
                .bed_classes
                .iter()
                .map(|c| ClassStats { class: c.class.clone(), facilities: 0, respondents: c.respondents })
                .collect(),
            items: survey
                .items
                .iter()
                .map(|i| ItemStats {
                    key: i.key.clone(),
                    text: i.text.clone(),
                    short: i.short.clone(),
                    national: i.rate,
                    national_by_class: i.by_class.clone(),
                    rules: i.rules.clone(),
                    base: i.base.clone(),
                    overall: Counts::default(),
                    by_class: survey
                        .bed_classes
                        .iter()
                        .map(|c| (c.class.clone(), Counts::default()))
                        .collect(),
                    national_outside_ci95: false,
                    classes_outside_ci95: Vec::new(),
                })
                .collect(),
            answers: Answers {
                by_key: {
                    let mut keys: Vec<(String, usize)> =
                        survey.items.iter().enumerate().map(|(i, item)| (item.key.clone(), i)).collect();
                    keys.sort();
                    keys
                },
                facilities: Vec::new(),
            },
        }
    }

    /// Adds one facility (its unit: summary and finished findings).
    pub fn add(&mut self, basis: &Basis<'_>, fac: &FacilitySummary, findings: &[&Finding]) {
        self.facilities += 1;
        let class = match exclusion(fac, findings, basis.survey) {
            Ok(class) => class,
            Err(count) => {
                count(&mut self.excluded);
                return;
            }
        };
        self.judged += 1;
        if fac.uses_medical_information_systems == Some(false) {
            self.no_medical_systems += 1;
        }
        if let Some(c) = self.classes.iter_mut().find(|c| c.class == class) {
            c.facilities += 1;
        }
        let assessment = assess::assess(basis, fac, findings);
        let mut statuses = vec![None; self.items.len()].into_boxed_slice();
        for answer in &assessment.survey {
            let Some(item) = self.items.get_mut(answer.item) else { continue };
            item.overall.add(answer.status);
            if let Some(c) = item.by_class.get_mut(&class) {
                c.add(answer.status);
            }
            statuses[answer.item] = Some(answer.status);
        }
        self.answers.facilities.push(FacilityAnswers { root: fac.root.clone(), class, statuses });
    }

    /// The intervals and outlier marks, once every facility is in.
    pub fn finish(&mut self, survey: &Survey) {
        for (item, spec) in self.items.iter_mut().zip(&survey.items) {
            item.national_outside_ci95 = outside(item.overall, Some(spec.rate));
            item.classes_outside_ci95 = item
                .by_class
                .iter()
                .filter(|(class, counts)| outside(**counts, spec.by_class.get(*class).copied()))
                .map(|(class, _)| class.clone())
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survey_item_keys_are_unique() {
        // The answers are written as a map keyed by them.
        let survey = Survey::builtin().unwrap();
        let mut keys: Vec<&str> = survey.items.iter().map(|i| i.key.as_str()).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before);
    }

    #[test]
    fn shares_leave_out_unknown_and_not_applicable() {
        let c = Counts { met: 1, not_met: 3, unknown: 5, not_applicable: 7 };
        assert_eq!(c.asked(), 4);
        assert_eq!(c.share(), Some(25.0));
        assert_eq!(Counts::default().share(), None);
        assert_eq!(Counts::default().ci95(), None);
        let json = serde_json::to_value(Counts { unknown: 2, ..Counts::default() }).unwrap();
        assert_eq!(json["share"], serde_json::Value::Null);
        assert_eq!(json["ci95"], serde_json::Value::Null);
        assert_eq!(json["unknown"], 2);
    }

    #[test]
    fn wilson_intervals_match_published_values() {
        // Newcombe (1998), table I: 81/263 → 0.2553–0.3662; 0/10 → 0–0.2775.
        let (lo, hi) = wilson(81, 263).unwrap();
        assert!((lo - 25.53).abs() < 0.01 && (hi - 36.62).abs() < 0.01, "{lo} {hi}");
        let (lo, hi) = wilson(0, 10).unwrap();
        assert!(lo == 0.0 && (hi - 27.75).abs() < 0.01, "{hi}");
        let (lo, hi) = wilson(10, 10).unwrap();
        assert!((lo - 72.25).abs() < 0.01 && (hi - 100.0).abs() < 1e-9, "{lo} {hi}");
        assert!(outside(Counts { met: 1, not_met: 9, ..Counts::default() }, Some(73.0)));
        assert!(!outside(Counts { met: 7, not_met: 3, ..Counts::default() }, Some(73.0)));
    }
}

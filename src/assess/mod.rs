//! The assessment: one facility's answers to every R7 checklist item and
//! every survey item (SPEC §4), computed once from its finished findings
//! (after inline suppressions, waivers and severity overrides) and the
//! document facts of its [`FacilitySummary`]. `check`'s summary, `report`
//! (Markdown, HTML, OSCAL) and `stats` only render an [`Assessment`]; none
//! of them judges on its own, so they cannot disagree.
//!
//! [`assess`] is a pure function of one facility's unit (its summary and its
//! findings), so it fits a run that keeps every facility as well as one that
//! streams them one at a time.
//!
//! Checklist items (first match wins):
//! 1. 対象外 — the opening question is answered いいえ (every item, 1① too);
//! 2. 未記載 — none of the item's `evidence` kinds describes anything;
//! 3. いいえ — an unsuppressed **error** finding of a rule that decides it;
//! 4. 要確認 — `attest: true`, or every rule of the item is turned off;
//! 5. はい — its warning and info findings listed under it as 警告 / 情報.
//!
//! 事業者確認用 is answered per contracted vendor from its
//! `vendor_checklist`; survey items as `rules/surveys/R7.yaml` describes.

pub mod checklist;
pub mod stats;
pub mod survey;

use std::collections::BTreeSet;

use crate::assess::checklist::Checklist;
use crate::assess::survey::{Predicate, Requires, Subject, Survey, SurveyItem};
use crate::document::model::Kind;
use crate::kernel::finding::{Finding, Lang, Severity};
use crate::pipeline::facility::FacilitySummary;
use crate::pipeline::facts::Facts;

/// The key of the vendor form in `rules/checklists/`.
pub const VENDOR_FORM: &str = "事業者確認用";

/// The answer to one checklist item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// はい
    Yes,
    /// いいえ
    No,
    /// 未記載: the evidence is not described.
    NotDescribed,
    /// 要確認: a person must answer.
    ToConfirm,
    /// 対象外: the opening question is answered いいえ.
    NotApplicable,
}

impl Answer {
    pub const ALL: [Answer; 5] =
        [Answer::Yes, Answer::No, Answer::NotDescribed, Answer::ToConfirm, Answer::NotApplicable];

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Answer::Yes, Lang::Ja) => "はい",
            (Answer::No, Lang::Ja) => "いいえ",
            (Answer::NotDescribed, Lang::Ja) => "未記載",
            (Answer::ToConfirm, Lang::Ja) => "要確認",
            (Answer::NotApplicable, Lang::Ja) => "対象外",
            (Answer::Yes, Lang::En) => "Yes",
            (Answer::No, Lang::En) => "No",
            (Answer::NotDescribed, Lang::En) => "Not described",
            (Answer::ToConfirm, Lang::En) => "To confirm",
            (Answer::NotApplicable, Lang::En) => "N/A",
        }
    }

    /// A stable machine name (CSS classes, OSCAL properties).
    pub fn key(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::NotDescribed => "not-described",
            Answer::ToConfirm => "to-confirm",
            Answer::NotApplicable => "not-applicable",
        }
    }
}

/// A facility's answer to one survey item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Met,
    NotMet,
    /// 未記載: the evidence, or its base, is not described (or the rules
    /// that decide it are turned off).
    Unknown,
    /// 対象外: outside the item's base, or the opening question is いいえ.
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Met, Status::NotMet, Status::Unknown, Status::NotApplicable];

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Met, Lang::Ja) => "実施",
            (Status::NotMet, Lang::Ja) => "未実施",
            (Status::Unknown, Lang::Ja) => "未記載",
            (Status::NotApplicable, Lang::Ja) => "対象外",
            (Status::Met, Lang::En) => "met",
            (Status::NotMet, Lang::En) => "not met",
            (Status::Unknown, Lang::En) => "not described",
            (Status::NotApplicable, Lang::En) => "N/A",
        }
    }

    /// The machine name `stats --format json` and OSCAL use.
    pub fn key(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::Unknown => "unknown",
            Status::NotApplicable => "not_applicable",
        }
    }
}

/// One answered checklist item (index into the checklist's `items()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemAnswer {
    /// Index of the item in [`Checklist::items`] order.
    pub item: usize,
    pub answer: Answer,
    /// Indexes (into the facility's findings) of the findings that decide
    /// it, errors and notes alike, in the findings' order.
    pub findings: Vec<usize>,
    /// Its evidence kinds, when none of them is described (未記載).
    pub missing: Vec<String>,
    /// Every rule of the item is turned off.
    pub rules_off: bool,
}

/// The vendor form's answer for one contracted vendor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VendorAnswer {
    pub id: String,
    pub name: Option<String>,
    pub answer: Answer,
    /// `vendor_checklist.no_items`: where the vendor answered いいえ.
    pub no_items: Vec<String>,
    /// Indexes of the VEN-003 / VEN-004 findings about this vendor.
    pub findings: Vec<usize>,
}

/// One answered survey item (index into the survey's items).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyAnswer {
    pub item: usize,
    pub status: Status,
    /// Indexes of the findings that make it not met.
    pub findings: Vec<usize>,
}

/// One facility's answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The opening question (uses medical information systems).
    pub scope: Answer,
    /// Every item of the checklist, in [`Checklist::items`] order (the
    /// form's sections, then related items such as 事業者確認用).
    pub items: Vec<ItemAnswer>,
    /// 事業者確認用, per contracted vendor.
    pub vendors: Vec<VendorAnswer>,
    /// Every survey item, in survey order.
    pub survey: Vec<SurveyAnswer>,
    /// Findings that decide no checklist item (guideline findings and
    /// DOC-*), by index.
    pub other: Vec<usize>,
}

impl Assessment {
    /// The answer to survey item `key`.
    pub fn status(&self, survey: &Survey, key: &str) -> Option<Status> {
        let index = survey.items.iter().position(|i| i.key == key)?;
        self.survey.iter().find(|a| a.item == index).map(|a| a.status)
    }

    /// The answer to checklist item `key` (`2⑥`).
    pub fn answer(&self, checklist: &Checklist, key: &str) -> Option<Answer> {
        let index = checklist.items().position(|i| i.item == key)?;
        self.items.iter().find(|a| a.item == index).map(|a| a.answer)
    }
}

/// What an assessment is measured against, shared by every facility.
#[derive(Clone, Copy, Debug)]
pub struct Basis<'a> {
    pub checklist: &'a Checklist,
    pub survey: &'a Survey,
    /// Ids of the rules the configuration turned off.
    pub off: &'a BTreeSet<String>,
}

/// Does finding `f` lie on survey item `item`'s subject?
pub fn on_subject(item: &SurveyItem, f: &Finding, facts: &Facts) -> bool {
    let type_ok = item.asset_types.is_empty()
        || f.item_type.as_deref().is_none_or(|t| item.asset_types.iter().any(|a| a == t));
    let key = f.key.as_deref().unwrap_or("");
    let on = |prefix: &str, id: &str| {
        key.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(id))
            .is_some_and(|rest| rest.starts_with(']'))
    };
    let subject_ok = match item.subject {
        None => true,
        Some(Subject::Ehr) => facts.ehr_systems.iter().any(|id| on("SystemCatalog:systems[id=", id)),
        Some(Subject::EhrBackups) => facts.ehr_backups.iter().any(|b| on("BackupPlan:backups[id=", &b.id)),
    };
    type_ok && subject_ok
}

/// The survey item whose national rate belongs beside finding `f` (SPEC §4,
/// last paragraph): a rule of the item (or one citing it), the finding on
/// the item's subject (PAT-001 on a network device: 74%; on a server or PC:
/// 61%; BAK-001 only on the EHR; BAK-002..005 only on the EHR's backups).
pub fn rate_for<'a>(survey: &'a Survey, f: &Finding, facts: &Facts) -> Option<&'a SurveyItem> {
    survey.items.iter().find(|i| {
        (i.rules.iter().any(|r| *r == f.rule.id) || i.cited_by.iter().any(|r| *r == f.rule.id))
            && on_subject(i, f, facts)
    })
}

/// The national rate of `item` as printed beside a finding, with the
/// question (and so its base) it answers.
pub fn rate_note(survey: &Survey, item: &SurveyItem, lang: Lang) -> String {
    let rate = crate::kernel::text::percent(item.rate);
    match lang {
        Lang::Ja => format!("全国調査（{}）: {} {rate}", survey.edition, item.text.ja),
        Lang::En => format!("national survey ({}): {}: {rate}", survey.year, item.text.en),
    }
}

/// The survey items whose rate a finding of rule `id` may print, each with
/// where it applies: `全国調査（令和7年）: … 74%（ネットワーク機器への指摘）`.
pub fn rates_of_rule(survey: &Survey, id: &str, lang: Lang) -> Vec<String> {
    survey
        .items
        .iter()
        .filter(|i| i.rules.iter().chain(&i.cited_by).any(|r| r == id))
        .map(|item| {
            let types: Vec<&str> = item.asset_types.iter().map(String::as_str).collect();
            let scope = match (item.subject, types.as_slice(), lang) {
                (Some(Subject::Ehr), _, Lang::Ja) => Some("電子カルテシステムへの指摘"),
                (Some(Subject::Ehr), _, Lang::En) => Some("findings on the EHR system"),
                (Some(Subject::EhrBackups), _, Lang::Ja) => Some("電子カルテのバックアップへの指摘"),
                (Some(Subject::EhrBackups), _, Lang::En) => Some("findings on the EHR's backups"),
                (None, ["network_device"], Lang::Ja) => Some("ネットワーク機器への指摘"),
                (None, ["network_device"], Lang::En) => Some("findings on network devices"),
                (None, ["server", "client_pc"], Lang::Ja) => Some("サーバ・端末PCへの指摘"),
                (None, ["server", "client_pc"], Lang::En) => Some("findings on servers and client PCs"),
                _ => None,
            };
            let note = rate_note(survey, item, lang);
            match (scope, lang) {
                (Some(s), Lang::Ja) => format!("{note}（{s}）"),
                (Some(s), Lang::En) => format!("{note} ({s})"),
                (None, _) => note,
            }
        })
        .collect()
}

/// [`rate_for`] and [`rate_note`] together, with the embedded survey.
pub fn rate_beside(f: &Finding, facts: &Facts, lang: Lang) -> Option<String> {
    let survey = Survey::embedded()?;
    rate_for(survey, f, facts).map(|item| rate_note(survey, item, lang))
}

/// Assesses one facility: `findings` are its findings (suppressed ones are
/// skipped); indexes in the result point into this slice.
pub fn assess(basis: &Basis<'_>, facility: &FacilitySummary, findings: &[&Finding]) -> Assessment {
    let live: Vec<usize> = (0..findings.len()).filter(|&i| findings[i].suppressed.is_none()).collect();
    let scope = match facility.uses_medical_information_systems {
        Some(true) => Answer::Yes,
        Some(false) => Answer::No,
        None => Answer::NotDescribed,
    };
    let described = |name: &str| Kind::parse(name).is_some_and(|k| facility.described.contains(&k));
    let checklist = basis.checklist;
    let decides = |f: &Finding, key: &str| {
        checklist.decided_by(&f.rule.id, &f.rule.references.checklist).contains(&key)
    };

    let items: Vec<ItemAnswer> = checklist
        .items()
        .enumerate()
        .map(|(index, item)| {
            let mine: Vec<usize> =
                live.iter().copied().filter(|&i| decides(findings[i], &item.item)).collect();
            let has_evidence = item.evidence.is_empty() || item.evidence.iter().any(|k| described(k));
            let rules_off = !item.rules.is_empty() && item.rules.iter().all(|r| basis.off.contains(r));
            let answer = if scope == Answer::No {
                Answer::NotApplicable
            } else if !has_evidence {
                Answer::NotDescribed
            } else if mine.iter().any(|&i| findings[i].severity == Severity::Error) {
                Answer::No
            } else if item.attest || rules_off {
                Answer::ToConfirm
            } else if item.item == VENDOR_FORM {
                vendor_form_answer(&facility.facts)
            } else {
                Answer::Yes
            };
            let missing = if has_evidence { Vec::new() } else { item.evidence.clone() };
            ItemAnswer { item: index, answer, findings: mine, missing, rules_off }
        })
        .collect();

    let vendors = facility
        .facts
        .contracted
        .iter()
        .map(|v| {
            let answer = if scope == Answer::No {
                Answer::NotApplicable
            } else if !v.checklist {
                Answer::NotDescribed
            } else {
                match v.all_yes {
                    Some(true) => Answer::Yes,
                    Some(false) => Answer::No,
                    None => Answer::ToConfirm,
                }
            };
            let prefix = format!("VendorRegistry:vendors[id={}]", v.id);
            let about = |f: &Finding| {
                f.key.as_deref().is_some_and(|k| {
                    k.strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                })
            };
            let findings = live
                .iter()
                .copied()
                .filter(|&i| decides(findings[i], VENDOR_FORM) && about(findings[i]))
                .collect();
            VendorAnswer {
                id: v.id.clone(),
                name: v.name.clone(),
                answer,
                no_items: v.no_items.clone(),
                findings,
            }
        })
        .collect();

    let mut survey: Vec<SurveyAnswer> = Vec::with_capacity(basis.survey.items.len());
    for (index, item) in basis.survey.items.iter().enumerate() {
        let base = item.base.as_deref().map(|key| {
            basis.survey.items[..index]
                .iter()
                .position(|i| i.key == key)
                .map_or(Status::Unknown, |at| survey[at].status)
        });
        let hits: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&i| {
                let f = findings[i];
                item.rules.iter().any(|r| *r == f.rule.id) && on_subject(item, f, &facility.facts)
            })
            .collect();
        let status = if scope == Answer::No {
            Status::NotApplicable
        } else if base == Some(Status::Unknown) {
            Status::Unknown
        } else if matches!(base, Some(Status::NotMet | Status::NotApplicable)) {
            Status::NotApplicable
        } else if !item.evidence.iter().all(|k| described(k))
            || !has_objects(item, &facility.facts)
            || item.rules.iter().any(|r| basis.off.contains(r))
        {
            Status::Unknown
        } else {
            let met = match item.predicate {
                Some(p) => predicate(p, &facility.facts),
                None => hits.is_empty(),
            };
            if met { Status::Met } else { Status::NotMet }
        };
        let findings = if status == Status::NotMet { hits } else { Vec::new() };
        survey.push(SurveyAnswer { item: index, status, findings });
    }

    let other = live
        .iter()
        .copied()
        .filter(|&i| !checklist.items().any(|it| decides(findings[i], &it.item)))
        .collect();
    Assessment { scope, items, vendors, survey, other }
}

/// 事業者確認用 as a whole: いいえ when a contracted vendor answered いいえ,
/// 未記載 when one returned no form, 要確認 when a form records no overall
/// answer, はい when every contracted vendor answered all はい; no
/// contracted vendor: 対象外.
fn vendor_form_answer(facts: &Facts) -> Answer {
    let vendors = &facts.contracted;
    if vendors.is_empty() {
        Answer::NotApplicable
    } else if vendors.iter().any(|v| v.checklist && v.all_yes == Some(false)) {
        Answer::No
    } else if vendors.iter().any(|v| !v.checklist) {
        Answer::NotDescribed
    } else if vendors.iter().any(|v| v.all_yes.is_none()) {
        Answer::ToConfirm
    } else {
        Answer::Yes
    }
}

fn has_objects(item: &SurveyItem, facts: &Facts) -> bool {
    match item.requires {
        None => true,
        Some(Requires::Departments) => facts.departments > 0,
        Some(Requires::PatientDataSystems) => facts.patient_data_systems > 0,
        Some(Requires::Vendors) => facts.vendors > 0,
        Some(Requires::ReferencedVendors) => facts.referenced_vendors > 0,
        Some(Requires::EhrBackups) => !facts.ehr_backups.is_empty(),
        Some(Requires::Assets) => item.asset_types.iter().any(|t| match t.as_str() {
            "server" => facts.servers > 0,
            "client_pc" => facts.client_pcs > 0,
            "network_device" => facts.network_devices > 0,
            _ => false,
        }),
    }
}

fn predicate(p: Predicate, facts: &Facts) -> bool {
    match p {
        Predicate::Qualified => facts.qualifications > 0,
        Predicate::EhrSystem => !facts.ehr_systems.is_empty(),
        Predicate::OfflineCopy => {
            !facts.ehr_backups.is_empty() && facts.ehr_backups.iter().all(|b| b.offline)
        }
    }
}

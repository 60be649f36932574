//! Audit: the filled R7 checklist of each facility (`anzen report`).
//!
//! [`Audit::build`] answers every item of the checklist (`rules/checklists/`)
//! for every facility from the findings of a check, and sets the national
//! survey (`rules/surveys/`) beside the answers; the renderers (Markdown,
//! HTML, OSCAL) only format that model. Like every reporter, this module
//! reads findings and facility summaries, never rules or documents.
//!
//! How an item is answered (docs/reports.md), first match wins:
//! 1. 対象外 — the scope question is answered いいえ and the item is not one
//!    of `scope.applies_regardless` (1①);
//! 2. 未記載 — no document of the facility of any of the item's `evidence`
//!    kinds describes anything (`facility::describes`: an empty
//!    `assets: []` does not);
//! 3. いいえ — an **error** finding of the item's rules (the item's `rules`,
//!    or any rule citing the item) belongs to the facility;
//! 4. 要確認 — the item is `attest: true`, or every rule of the item is
//!    turned off in the configuration;
//! 5. はい — warnings and info findings of its rules are listed as notes.

mod html;
mod markdown;
mod oscal;
mod text;
pub mod uuid;

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

use crate::checklist::{Checklist, Item, Section};
use crate::date::Date;
use crate::facility::FacilitySummary;
use crate::finding::{Finding, Lang, Severity};
use crate::model::Kind;
use crate::source::SourceMap;
use crate::survey::{BedClass, Survey, SurveyItem};

/// Output format of `anzen report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// The filled checklist as Markdown.
    Markdown,
    /// One self-contained HTML page (inline CSS and SVG), printable on A4.
    Html,
    /// An OSCAL 1.0.4 assessment-results document (JSON).
    Oscal,
}

/// Writes `audit` in `format`.
pub fn write(format: ReportFormat, audit: &Audit<'_>, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    match format {
        ReportFormat::Markdown => markdown::write(audit, lang, out),
        ReportFormat::Html => html::write(audit, lang, out),
        ReportFormat::Oscal => oscal::write(audit, lang, out),
    }
}

/// The answer to one checklist item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// はい
    Yes,
    /// いいえ
    No,
    /// 未記載: none of the item's evidence documents is described.
    NotDescribed,
    /// 要確認: a person must answer.
    ToConfirm,
    /// 対象外: the facility uses no medical information systems.
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

/// A facility's result on one survey item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No finding of the item's rules.
    Met,
    /// Some finding (any severity) of the item's rules.
    NotMet,
    /// The documents that would show it are not described (or its rules
    /// are turned off).
    Unknown,
    /// The facility uses no medical information systems.
    NotApplicable,
    /// The item has no rules: anzen cannot tell.
    Descriptive,
}

impl Status {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Met, Lang::Ja) => "実施",
            (Status::NotMet, Lang::Ja) => "未実施",
            (Status::Unknown, Lang::Ja) => "未記載",
            (Status::NotApplicable, Lang::Ja) => "対象外",
            (Status::Descriptive, Lang::Ja) => "—",
            (Status::Met, Lang::En) => "met",
            (Status::NotMet, Lang::En) => "not met",
            (Status::Unknown, Lang::En) => "not described",
            (Status::NotApplicable, Lang::En) => "N/A",
            (Status::Descriptive, Lang::En) => "—",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not-met",
            Status::Unknown => "unknown",
            Status::NotApplicable => "not-applicable",
            Status::Descriptive => "descriptive",
        }
    }
}

/// A finding with its position resolved.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    pub finding: &'a Finding,
    pub file: &'a str,
    pub line: u32,
    pub column: u32,
}

impl Located<'_> {
    pub fn is_error(&self) -> bool {
        self.finding.severity == Severity::Error
    }

    /// `file:line`, as the report prints it.
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// One answered checklist item.
#[derive(Debug)]
pub struct ItemAudit<'a> {
    pub item: &'a Item,
    /// `None` for related items (outside the form's sections).
    pub section: Option<&'a Section>,
    pub answer: Answer,
    /// Every finding of the item's rules in the facility, in report order.
    pub findings: Vec<Located<'a>>,
    /// Its evidence kinds, when none of them is described (未記載).
    pub missing: Vec<&'a str>,
    /// Every rule of the item is turned off.
    pub rules_off: bool,
    /// Indexes into [`FacilityAudit::survey`] of the survey items it relates to.
    pub survey: Vec<usize>,
}

impl<'a> ItemAudit<'a> {
    /// The error findings (they make the answer いいえ).
    pub fn failing(&self) -> impl Iterator<Item = &Located<'a>> {
        self.findings.iter().filter(|f| f.is_error())
    }

    /// Warnings and info: notes under the answer.
    pub fn notes(&self) -> impl Iterator<Item = &Located<'a>> {
        self.findings.iter().filter(|f| !f.is_error())
    }
}

/// A facility's result on one survey item, with the national rates.
#[derive(Debug)]
pub struct SurveyResult<'a> {
    pub item: &'a SurveyItem,
    /// The rate of the facility's bed class, where the survey gives one.
    pub class_rate: Option<f64>,
    pub status: Status,
    /// The checklist items it relates to (by `checklist_item` or shared rules).
    pub checklist_items: Vec<&'a str>,
}

/// Findings per rule area (the id's prefix: GOV, INC, …, DOC).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AreaCount {
    pub area: String,
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

/// The areas of SPEC §2, in its order, then DOC.
pub const AREAS: [&str; 14] =
    ["GOV", "INC", "BCP", "AST", "NET", "PAT", "AUT", "LOG", "USB", "SVC", "VEN", "BAK", "DOC", "OTHER"];

/// The filled checklist of one facility.
#[derive(Debug)]
pub struct FacilityAudit<'a> {
    pub facility: &'a FacilitySummary,
    pub class: Option<&'a BedClass>,
    /// The answer to the scope question (uses medical information systems).
    pub scope: Answer,
    /// The form's items, in official order.
    pub items: Vec<ItemAudit<'a>>,
    /// Related items outside the form (the vendor form).
    pub related: Vec<ItemAudit<'a>>,
    /// Every survey item, in survey order.
    pub survey: Vec<SurveyResult<'a>>,
    /// Findings of the facility tied to no checklist item.
    pub other: Vec<Located<'a>>,
    /// Findings per area, every area of [`AREAS`] (OTHER only when used).
    pub areas: Vec<AreaCount>,
}

impl FacilityAudit<'_> {
    /// The facility's name, else its directory.
    pub fn title(&self) -> &str {
        self.facility.name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&self.facility.root)
    }

    /// How many of the form's items have `answer`.
    pub fn count(&self, answer: Answer) -> usize {
        self.items.iter().filter(|i| i.answer == answer).count()
    }
}

/// The filled checklist of every facility of a run.
#[derive(Debug)]
pub struct Audit<'a> {
    pub checklist: &'a Checklist,
    pub survey: &'a Survey,
    pub as_of: Date,
    pub facilities: Vec<FacilityAudit<'a>>,
    /// Findings that belong to no facility (normally none).
    pub unassigned: Vec<Located<'a>>,
}

impl<'a> Audit<'a> {
    /// Answers `checklist` for every facility of `facilities` from
    /// `findings` (sorted, as a check returns them). `off`: ids of the rules
    /// the configuration turned off.
    pub fn build(
        checklist: &'a Checklist,
        survey: &'a Survey,
        findings: &'a [Finding],
        sources: &'a SourceMap,
        facilities: &'a [FacilitySummary],
        as_of: Date,
        off: &BTreeSet<String>,
    ) -> Audit<'a> {
        let locate = |f: &'a Finding| {
            let file = sources.get(f.file);
            let pos = f.start;
            Located { finding: f, file: file.display(), line: pos.line, column: pos.column }
        };
        let mut by_root: HashMap<&str, Vec<Located<'a>>> =
            facilities.iter().map(|f| (f.root.as_str(), Vec::new())).collect();
        let mut unassigned = Vec::new();
        for f in findings {
            match f.facility.as_deref().and_then(|r| by_root.get_mut(r)) {
                Some(list) => list.push(locate(f)),
                None => unassigned.push(locate(f)),
            }
        }
        let audits = facilities
            .iter()
            .map(|facility| {
                let mine = by_root.remove(facility.root.as_str()).unwrap_or_default();
                audit_facility(checklist, survey, facility, mine, off)
            })
            .collect();
        Audit { checklist, survey, as_of, facilities: audits, unassigned }
    }

    /// The last day of the Japanese fiscal year of `as_of` (31 March): the
    /// R7 manual asks for target dates within the fiscal year.
    pub fn fiscal_year_end(&self) -> Date {
        let (y, m, _) = self.as_of.ymd();
        let end_year = if m >= 4 { y + 1 } else { y };
        Date::from_ymd(end_year, 3, 31).unwrap_or(self.as_of)
    }

    /// `令和7年度` / `FY2025` for the fiscal year of `as_of`.
    pub fn fiscal_year(&self, lang: Lang) -> String {
        let (end_year, _, _) = self.fiscal_year_end().ymd();
        let start = end_year - 1;
        match lang {
            Lang::Ja if start >= 2019 => format!("令和{}年度", start - 2018),
            Lang::Ja => format!("{start}年度"),
            Lang::En => format!("FY{start}"),
        }
    }
}

/// Does the finding belong to `item` (the item lists its rule, or its rule
/// cites the item in `edition`)?
fn belongs(f: &Finding, item: &Item, edition: &str) -> bool {
    item.rules.iter().any(|r| *r == f.rule.id)
        || f.rule.references.checklist.iter().any(|c| c.edition == edition && c.item == item.item)
}

fn audit_facility<'a>(
    checklist: &'a Checklist,
    survey: &'a Survey,
    facility: &'a FacilitySummary,
    findings: Vec<Located<'a>>,
    off: &BTreeSet<String>,
) -> FacilityAudit<'a> {
    let scope = match facility.uses_medical_information_systems {
        Some(true) => Answer::Yes,
        Some(false) => Answer::No,
        None => Answer::NotDescribed,
    };
    let has_kind = |name: &str| Kind::parse(name).is_some_and(|k| facility.described.contains(&k));
    let answer_item = |item: &'a Item, section: Option<&'a Section>| {
        let mine: Vec<Located<'a>> =
            findings.iter().filter(|f| belongs(f.finding, item, &checklist.edition)).copied().collect();
        let described = item.evidence.is_empty() || item.evidence.iter().any(|k| has_kind(k));
        let rules_off = !item.rules.is_empty() && item.rules.iter().all(|r| off.contains(r));
        let answer = if scope == Answer::No && !checklist.scope.applies_regardless.contains(&item.item) {
            Answer::NotApplicable
        } else if !described {
            Answer::NotDescribed
        } else if mine.iter().any(Located::is_error) {
            Answer::No
        } else if item.attest || rules_off {
            Answer::ToConfirm
        } else {
            Answer::Yes
        };
        let missing = if described { Vec::new() } else { item.evidence.iter().map(String::as_str).collect() };
        ItemAudit { item, section, answer, findings: mine, missing, rules_off, survey: Vec::new() }
    };
    let mut items: Vec<ItemAudit<'a>> = checklist
        .sections
        .iter()
        .flat_map(|s| s.items.iter().map(move |i| (i, s)))
        .map(|(i, s)| answer_item(i, Some(s)))
        .collect();
    let related: Vec<ItemAudit<'a>> = checklist.related.iter().map(|i| answer_item(i, None)).collect();

    let class = facility.beds.and_then(|b| u32::try_from(b).ok()).and_then(|b| survey.class_of(b));
    let mut results = Vec::new();
    for s in &survey.items {
        let linked: Vec<&'a Item> = checklist
            .sections
            .iter()
            .flat_map(|sec| &sec.items)
            .filter(|i| {
                s.checklist_item.as_deref() == Some(i.item.as_str())
                    || i.rules.iter().any(|r| s.rules.contains(r))
            })
            .collect();
        let mut evidence: Vec<&str> = s.evidence.iter().map(String::as_str).collect();
        if evidence.is_empty() {
            evidence = linked.iter().flat_map(|i| i.evidence.iter().map(String::as_str)).collect();
        }
        if evidence.is_empty() {
            evidence.push("Facility");
        }
        let hit = findings.iter().any(|f| {
            s.rules.contains(&f.finding.rule.id)
                && (s.asset_types.is_empty()
                    || f.finding.item_type.as_deref().is_none_or(|t| s.asset_types.iter().any(|a| a == t)))
        });
        let status = if scope == Answer::No {
            Status::NotApplicable
        } else if s.rules.is_empty() {
            Status::Descriptive
        } else if hit {
            Status::NotMet
        } else if s.rules.iter().any(|r| off.contains(r)) || !evidence.iter().any(|k| has_kind(k)) {
            Status::Unknown
        } else {
            Status::Met
        };
        results.push(SurveyResult {
            item: s,
            class_rate: class.and_then(|c| s.by_class.get(&c.class).copied()),
            status,
            checklist_items: linked.iter().map(|i| i.item.as_str()).collect(),
        });
    }
    for item in &mut items {
        item.survey = results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.checklist_items.contains(&item.item.item.as_str()))
            .map(|(i, _)| i)
            .collect();
    }

    let other: Vec<Located<'a>> = findings
        .iter()
        .filter(|f| !checklist.items().any(|i| belongs(f.finding, i, &checklist.edition)))
        .copied()
        .collect();
    FacilityAudit { facility, class, scope, items, related, survey: results, other, areas: areas(&findings) }
}

/// Findings per area; OTHER (rules of other prefixes) only when used.
fn areas(findings: &[Located<'_>]) -> Vec<AreaCount> {
    let mut counts: Vec<AreaCount> =
        AREAS.iter().map(|a| AreaCount { area: (*a).to_owned(), ..AreaCount::default() }).collect();
    for f in findings {
        let prefix = f.finding.rule.id.split('-').next().unwrap_or("");
        let index = AREAS[..AREAS.len() - 1].iter().position(|a| *a == prefix).unwrap_or(AREAS.len() - 1);
        let c = &mut counts[index];
        match f.finding.severity {
            Severity::Error => c.error += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
        }
    }
    if counts.last().is_some_and(|c| c.error + c.warning + c.info == 0) {
        counts.pop();
    }
    counts
}

/// The survey's bed class as printed: `100〜199床` / `100–199 beds`.
pub fn class_label(class: &BedClass, lang: Lang) -> String {
    match (lang, class.max) {
        (Lang::Ja, Some(max)) => format!("{}〜{max}床", class.min),
        (Lang::Ja, None) => format!("{}床以上", class.min),
        (Lang::En, Some(max)) => format!("{}–{max} beds", class.min),
        (Lang::En, None) => format!("{}+ beds", class.min),
    }
}

/// A rate as printed: `65%`, `12.5%`.
pub fn percent(rate: f64) -> String {
    if rate.fract() == 0.0 { format!("{rate:.0}%") } else { format!("{rate}%") }
}

/// The name of a document kind for people (`AssetLedger（機器台帳）`).
pub fn kind_label(kind: &str, lang: Lang) -> String {
    let ja = match kind {
        "Facility" => "施設・体制",
        "SystemCatalog" => "システム一覧",
        "AssetLedger" => "機器台帳",
        "NetworkMap" => "ネットワーク構成",
        "BackupPlan" => "バックアップ計画",
        "VendorRegistry" => "事業者一覧",
        "AccountInventory" => "アカウント一覧",
        _ => return kind.to_owned(),
    };
    match lang {
        Lang::Ja => format!("{kind}（{ja}）"),
        Lang::En => kind.to_owned(),
    }
}

/// A rule area for people; `short` for the HTML table's narrow columns.
pub fn area_label(area: &str, lang: Lang, short: bool) -> &'static str {
    let (ja, en, en_short) = match area {
        "GOV" => ("体制", "Governance", "Gov."),
        "INC" => ("連絡体制", "Incident contacts", "Contacts"),
        "BCP" => ("BCP", "BCP", "BCP"),
        "AST" => ("台帳", "Assets", "Assets"),
        "NET" => ("ネットワーク", "Network", "Network"),
        "PAT" => ("パッチ", "Patches", "Patches"),
        "AUT" => ("認証", "Authentication", "Auth"),
        "LOG" => ("ログ", "Access logs", "Logs"),
        "USB" => ("媒体", "USB media", "USB"),
        "SVC" => ("サービス", "Services", "Services"),
        "VEN" => ("事業者", "Vendors", "Vendors"),
        "BAK" => ("バックアップ", "Backups", "Backups"),
        "DOC" => ("記述", "Documents", "Docs"),
        _ => ("独自ルール", "Own rules", "Own rules"),
    };
    match (lang, short) {
        (Lang::Ja, _) => ja,
        (Lang::En, false) => en,
        (Lang::En, true) => en_short,
    }
}

/// Picks the text of `lang`.
pub(crate) fn tr(lang: Lang, ja: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit_on<'a>(
        checklist: &'a Checklist,
        survey: &'a Survey,
        sources: &'a SourceMap,
        day: &str,
    ) -> Audit<'a> {
        Audit::build(checklist, survey, &[], sources, &[], day.parse().unwrap(), &BTreeSet::new())
    }

    #[test]
    fn target_dates_fall_in_the_japanese_fiscal_year() {
        let (checklist, survey) = (Checklist::edition("R7").unwrap(), Survey::builtin().unwrap());
        let sources = SourceMap::default();
        let june = audit_on(&checklist, &survey, &sources, "2025-06-30");
        assert_eq!(june.fiscal_year_end().to_string(), "2026-03-31");
        assert_eq!(june.fiscal_year(Lang::Ja), "令和7年度");
        assert_eq!(june.fiscal_year(Lang::En), "FY2025");
        let march = audit_on(&checklist, &survey, &sources, "2026-03-31");
        assert_eq!(march.fiscal_year_end().to_string(), "2026-03-31");
        let april = audit_on(&checklist, &survey, &sources, "2026-04-01");
        assert_eq!(april.fiscal_year(Lang::Ja), "令和8年度");
    }

    #[test]
    fn labels_and_rates_print_as_the_survey_does() {
        let survey = Survey::builtin().unwrap();
        assert_eq!(class_label(survey.class_of(150).unwrap(), Lang::Ja), "100〜199床");
        assert_eq!(class_label(survey.class_of(600).unwrap(), Lang::En), "500+ beds");
        assert_eq!(percent(65.0), "65%");
        assert_eq!(percent(12.5), "12.5%");
        assert_eq!(Answer::ALL.map(|a| a.label(Lang::Ja)), ["はい", "いいえ", "未記載", "要確認", "対象外"]);
    }
}

//! Audit: the filled R7 checklist of each facility (`anzen report`).
//!
//! [`Audit::build`] answers every item of the checklist (`rules/checklists/`)
//! for every facility from the findings of a check, and sets the national
//! survey (`rules/surveys/`) beside the answers; the renderers (Markdown,
//! HTML, OSCAL) only format that model. Like every reporter, this module
//! reads findings and facility summaries, never rules or documents.
//!
//! The answers themselves come from [`crate::assess`]: this module only
//! lays them out with the findings' locations.

mod html;
mod markdown;
mod oscal;
mod text;
pub mod uuid;

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

use crate::assess::checklist::{Checklist, Item, Section};
use crate::assess::survey::{BedClass, Survey, SurveyItem};
pub use crate::assess::{Answer, Status};
use crate::assess::{Assessment, Basis};
use crate::kernel::date::Date;
use crate::kernel::finding::{Finding, Lang, Severity};
use crate::kernel::source::SourceMap;
use crate::pipeline::facility::FacilitySummary;

/// Output format of `anzen report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// Indexes into [`FacilityAudit::survey`] of the survey items whose
    /// rate its row shows.
    pub survey: Vec<usize>,
}

/// The vendor form's answer for one contracted vendor.
#[derive(Debug)]
pub struct VendorAudit<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub answer: Answer,
    pub no_items: &'a [String],
    pub findings: Vec<Located<'a>>,
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
    /// The checklist item whose row shows its rate.
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
pub const AREAS: [&str; 15] = [
    "GOV", "INC", "BCP", "AST", "NET", "PAT", "AUT", "LOG", "USB", "SVC", "MAL", "VEN", "BAK", "DOC", "OTHER",
];

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
    /// 事業者確認用, per contracted vendor.
    pub vendors: Vec<VendorAudit<'a>>,
    /// Every survey item, in survey order.
    pub survey: Vec<SurveyResult<'a>>,
    /// Findings of the facility that decide no checklist item (guideline
    /// findings, DOC-*).
    pub other: Vec<Located<'a>>,
    /// The assessment all of the above renders.
    pub assessment: Assessment,
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
        off: &'a BTreeSet<String>,
    ) -> Audit<'a> {
        let locate = |f: &'a Finding| {
            let file = sources.get(f.file);
            let pos = f.start;
            Located { finding: f, file: file.display(), line: pos.line, column: pos.column }
        };
        let mut by_root: HashMap<&str, Vec<Located<'a>>> =
            facilities.iter().map(|f| (f.root.as_str(), Vec::new())).collect();
        let mut unassigned = Vec::new();
        let basis = Basis { checklist, survey, off };
        for f in findings.iter().filter(|f| f.suppressed.is_none()) {
            match f.facility.as_deref().and_then(|r| by_root.get_mut(r)) {
                Some(list) => list.push(locate(f)),
                None => unassigned.push(locate(f)),
            }
        }
        let audits = facilities
            .iter()
            .map(|facility| {
                let mine = by_root.remove(facility.root.as_str()).unwrap_or_default();
                audit_facility(&basis, facility, mine)
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

fn audit_facility<'a>(
    basis: &Basis<'a>,
    facility: &'a FacilitySummary,
    findings: Vec<Located<'a>>,
) -> FacilityAudit<'a> {
    let (checklist, survey) = (basis.checklist, basis.survey);
    let refs: Vec<&Finding> = findings.iter().map(|l| l.finding).collect();
    let assessment = crate::assess::assess(basis, facility, &refs);
    let located = |indexes: &[usize]| -> Vec<Located<'a>> { indexes.iter().map(|&i| findings[i]).collect() };
    let class = facility.beds.and_then(|b| u32::try_from(b).ok()).and_then(|b| survey.class_of(b));
    let results: Vec<SurveyResult<'a>> = assessment
        .survey
        .iter()
        .map(|a| {
            let item = &survey.items[a.item];
            SurveyResult {
                item,
                class_rate: class.and_then(|c| item.by_class.get(&c.class).copied()),
                status: a.status,
                checklist_items: item.checklist_item.iter().map(String::as_str).collect(),
            }
        })
        .collect();
    let sections: Vec<Option<&'a Section>> = checklist
        .sections
        .iter()
        .flat_map(|s| s.items.iter().map(move |_| Some(s)))
        .chain(checklist.related.iter().map(|_| None))
        .collect();
    let all: Vec<&'a Item> = checklist.items().collect();
    let mut items = Vec::new();
    let mut related = Vec::new();
    for a in &assessment.items {
        let item = all[a.item];
        let audit = ItemAudit {
            item,
            section: sections[a.item],
            answer: a.answer,
            findings: located(&a.findings),
            missing: item.evidence.iter().filter(|k| a.missing.contains(k)).map(String::as_str).collect(),
            rules_off: a.rules_off,
            survey: results
                .iter()
                .enumerate()
                .filter(|(_, r)| r.checklist_items.contains(&item.item.as_str()))
                .map(|(i, _)| i)
                .collect(),
        };
        if audit.section.is_some() { items.push(audit) } else { related.push(audit) }
    }
    let vendors = assessment
        .vendors
        .iter()
        .zip(&facility.facts.contracted)
        .map(|(a, v)| VendorAudit {
            id: v.id.as_str(),
            name: v.name.as_deref(),
            answer: a.answer,
            no_items: &v.no_items,
            findings: located(&a.findings),
        })
        .collect();
    let other = located(&assessment.other);
    let scope = assessment.scope;
    FacilityAudit {
        facility,
        class,
        scope,
        items,
        related,
        vendors,
        survey: results,
        other,
        areas: areas(&findings),
        assessment,
    }
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
    // (ja, ja short, en, en short): never the code again (no 「BCP BCP」).
    // Short Japanese labels fit the HTML table's narrow columns (at most
    // four characters a line; a zero-width space marks the one break).
    let (ja, ja_short, en, en_short) = match area {
        "GOV" => ("体制", "体制", "Governance", "Gov."),
        "INC" => ("連絡体制", "連絡体制", "Incident contacts", "Contacts"),
        "BCP" => ("事業継続計画", "事業継続", "Business continuity", "Continuity"),
        "AST" => ("台帳", "台帳", "Assets", "Assets"),
        "NET" => ("ネットワーク", "ネット", "Network", "Network"),
        "PAT" => ("パッチ", "パッチ", "Patches", "Patches"),
        "AUT" => ("認証", "認証", "Authentication", "Auth"),
        "LOG" => ("ログ", "ログ", "Access logs", "Logs"),
        "USB" => ("外部記録媒体", "媒体", "External media", "Media"),
        "MAL" => ("マルウェア対策", "ウイルス", "Anti-malware", "Malware"),
        "SVC" => ("サービス", "サービス", "Services", "Services"),
        "VEN" => ("事業者", "事業者", "Vendors", "Vendors"),
        "BAK" => ("バックアップ", "バック\u{200b}アップ", "Backups", "Backups"),
        "DOC" => ("記述", "記述", "Documents", "Docs"),
        _ => ("独自ルール", "独自", "Own rules", "Own rules"),
    };
    match (lang, short) {
        (Lang::Ja, false) => ja,
        (Lang::Ja, true) => ja_short,
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
    use crate::kernel::text::percent;

    fn audit_on<'a>(
        checklist: &'a Checklist,
        survey: &'a Survey,
        sources: &'a SourceMap,
        day: &str,
    ) -> Audit<'a> {
        static NONE: BTreeSet<String> = BTreeSet::new();
        Audit::build(checklist, survey, &[], sources, &[], day.parse().unwrap(), &NONE)
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

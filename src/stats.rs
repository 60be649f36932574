//! `anzen stats`: how a fleet compares with the national survey. For each
//! survey item anzen can judge, the share of facilities that meet it —
//! overall and per bed class — beside the national rates, and how many
//! facilities fell in each class. Facilities that cannot be judged (no
//! Facility document, no bed count, files that could not be read, no
//! medical information systems) are counted separately, never dropped.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};

use serde::Serialize;

use crate::facility::FacilitySummary;
use crate::finding::{Finding, Lang, Text};
use crate::survey::{Survey, SurveyItem};

/// Met / judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Share {
    pub met: usize,
    pub total: usize,
}

impl Share {
    pub fn percent(self) -> Option<f64> {
        (self.total > 0).then(|| 100.0 * self.met as f64 / self.total as f64)
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
    pub rules: Vec<String>,
    /// Only facilities meeting this item count (e.g. `cyber_bcp`).
    pub base: Option<String>,
    pub overall: Share,
    pub by_class: BTreeMap<String, Share>,
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
    /// A Facility without a valid `beds`.
    pub no_beds: usize,
    /// Under 20 beds (the survey covers hospitals of 20 beds or more).
    pub under_20_beds: usize,
    /// Some of their files could not be read or parsed (DOC-001/DOC-009).
    pub unreadable: usize,
    /// `uses_medical_information_systems: false`.
    pub no_medical_systems: usize,
}

#[derive(Debug, Serialize)]
pub struct Stats {
    pub survey: String,
    pub year: u32,
    pub as_of: String,
    pub facilities: usize,
    pub judged: usize,
    pub excluded: Excluded,
    pub classes: Vec<ClassStats>,
    pub items: Vec<ItemStats>,
}

/// Which survey items facility `root` meets, from its findings.
fn meets(item: &SurveyItem, findings: &[&Finding]) -> bool {
    !findings.iter().any(|f| {
        item.rules.iter().any(|r| *r == f.rule.id)
            && (item.asset_types.is_empty()
                || f.item_type.as_deref().is_none_or(|t| item.asset_types.iter().any(|a| a == t)))
    })
}

pub fn compute(
    survey: &Survey,
    facilities: &[FacilitySummary],
    findings: &[Finding],
    as_of: String,
) -> Stats {
    let mut by_facility: HashMap<&str, Vec<&Finding>> = HashMap::new();
    let mut unreadable: HashSet<&str> = HashSet::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        let Some(root) = f.facility.as_deref() else { continue };
        if f.rule.id == "DOC-001" || f.rule.id == "DOC-009" {
            unreadable.insert(root);
        }
        by_facility.entry(root).or_default().push(f);
    }
    let judged_items: Vec<&SurveyItem> = survey.items.iter().filter(|i| !i.rules.is_empty()).collect();
    let mut items: Vec<ItemStats> = judged_items
        .iter()
        .map(|i| ItemStats {
            key: i.key.clone(),
            text: i.text.clone(),
            short: i.short.clone(),
            national: i.rate,
            national_by_class: i.by_class.clone(),
            rules: i.rules.clone(),
            base: i.base.clone(),
            overall: Share::default(),
            by_class: survey.bed_classes.iter().map(|c| (c.class.clone(), Share::default())).collect(),
        })
        .collect();
    let mut classes: Vec<ClassStats> = survey
        .bed_classes
        .iter()
        .map(|c| ClassStats { class: c.class.clone(), facilities: 0, respondents: c.respondents })
        .collect();
    let mut excluded = Excluded::default();
    let mut judged = 0;
    for fac in facilities {
        let class = match fac.beds {
            _ if fac.implicit => {
                excluded.no_facility += 1;
                continue;
            }
            _ if unreadable.contains(fac.root.as_str()) => {
                excluded.unreadable += 1;
                continue;
            }
            _ if fac.uses_medical_information_systems == Some(false) => {
                excluded.no_medical_systems += 1;
                continue;
            }
            None => {
                excluded.no_beds += 1;
                continue;
            }
            Some(b) if b < 20 => {
                excluded.under_20_beds += 1;
                continue;
            }
            Some(b) => survey.class_of(b.clamp(0, i64::from(u32::MAX)) as u32),
        };
        let Some(class) = class else {
            excluded.no_beds += 1;
            continue;
        };
        judged += 1;
        if let Some(c) = classes.iter_mut().find(|c| c.class == class.class) {
            c.facilities += 1;
        }
        let found = by_facility.get(fac.root.as_str()).map(Vec::as_slice).unwrap_or_default();
        let met: HashMap<&str, bool> =
            judged_items.iter().map(|i| (i.key.as_str(), meets(i, found))).collect();
        for item in &mut items {
            if item.base.as_deref().is_some_and(|b| !met.get(b).copied().unwrap_or(true)) {
                continue;
            }
            let ok = met.get(item.key.as_str()).copied().unwrap_or(false);
            for share in [Some(&mut item.overall), item.by_class.get_mut(&class.class)].into_iter().flatten()
            {
                share.total += 1;
                share.met += usize::from(ok);
            }
        }
    }
    Stats {
        survey: survey.edition.clone(),
        year: survey.year,
        as_of,
        facilities: facilities.len(),
        judged,
        excluded,
        classes,
        items,
    }
}

/// `--format json`.
pub fn write_json(stats: &Stats, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, stats)?;
    writeln!(out)
}

/// Terminal columns `s` takes: East Asian wide and full-width characters
/// take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            let wide = matches!(c, 0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// `s` padded to `w` columns, left- or right-aligned.
fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    if right { format!("{fill}{s}") } else { format!("{s}{fill}") }
}

fn pct(p: Option<f64>) -> String {
    p.map_or_else(|| "—".to_owned(), |p| format!("{p:.0}%"))
}

/// The text table.
pub fn write_table(stats: &Stats, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let ja = lang == Lang::Ja;
    writeln!(
        out,
        "{}",
        if ja {
            format!(
                "施設 {} 件（集計対象 {} 件）／評価日 {}／比較: 全国調査 {}",
                stats.facilities, stats.judged, stats.as_of, stats.survey
            )
        } else {
            format!(
                "{} facilities ({} judged), as of {}, compared with the {} national survey",
                stats.facilities, stats.judged, stats.as_of, stats.year
            )
        }
    )?;
    let e = &stats.excluded;
    writeln!(
        out,
        "{}",
        if ja {
            format!(
                "集計対象外: Facility 文書なし {}、病床数なし {}、20床未満 {}、読めないファイルあり {}、医療情報システムなし {}",
                e.no_facility, e.no_beds, e.under_20_beds, e.unreadable, e.no_medical_systems
            )
        } else {
            format!(
                "not judged: no Facility document {}, no bed count {}, under 20 beds {}, unreadable files {}, no medical information systems {}",
                e.no_facility, e.no_beds, e.under_20_beds, e.unreadable, e.no_medical_systems
            )
        }
    )?;
    writeln!(out)?;
    let classes: Vec<&str> = stats.classes.iter().map(|c| c.class.as_str()).collect();
    let label = |c: &str| if ja { format!("{c}床") } else { format!("{c} beds") };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut head = vec![
        (if ja { "項目" } else { "item" }).to_owned(),
        (if ja { "自施設群" } else { "fleet" }).to_owned(),
        (if ja { "全国" } else { "national" }).to_owned(),
    ];
    head.extend(classes.iter().map(|c| label(c)));
    rows.push(head);
    let mut counts = vec![
        (if ja { "施設数（全国の回答数）" } else { "facilities (national respondents)" }).to_owned(),
        stats.judged.to_string(),
        String::new(),
    ];
    counts.extend(stats.classes.iter().map(|c| format!("{} ({})", c.facilities, c.respondents)));
    rows.push(counts);
    for item in &stats.items {
        let mut row = vec![
            item.short.get(lang).to_owned(),
            format!("{} {}/{}", pct(item.overall.percent()), item.overall.met, item.overall.total),
            format!("{}%", item.national),
        ];
        for c in &classes {
            let share = item.by_class.get(*c).copied().unwrap_or_default();
            let national = item.national_by_class.get(*c).map_or_else(String::new, |n| format!(" ({n:.0}%)"));
            row.push(format!("{}{national}", pct(share.percent())));
        }
        rows.push(row);
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| width(c)).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let cells: Vec<String> = row.iter().enumerate().map(|(i, c)| pad(c, widths[i], i > 0)).collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        if ja {
            "自施設群 = 該当するルールの指摘がない施設の割合（件数）。床数ごとの括弧内は全国調査の値（公表されている項目のみ）。"
        } else {
            "fleet = share (count) of facilities with no finding of the item's rules; per bed class, the national rate in parentheses where the survey publishes it."
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_compute_percentages() {
        assert_eq!(Share { met: 1, total: 4 }.percent(), Some(25.0));
        assert_eq!(Share::default().percent(), None);
    }
}

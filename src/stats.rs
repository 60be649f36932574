//! `anzen stats`: how a fleet compares with the national survey. Every
//! facility is assessed once ([`crate::assess`]); for each survey item this
//! module counts the answers — met, not met, 未記載 (unknown), 対象外 — overall
//! and per bed class, takes the share over the facilities that were asked
//! (met / (met + not met)) with its 95% Wilson interval, and marks the items
//! whose national rate lies outside it. Facilities that cannot be judged (no
//! Facility document, no bed count, files that could not be read) are counted
//! separately, never dropped.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::assess::{self, Basis, Status};
use crate::facility::FacilitySummary;
use crate::finding::{Finding, Lang, Text};
use crate::survey::Survey;

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

/// One judged facility's answers (what the rates are made of).
#[derive(Debug, Serialize)]
pub struct FacilityAnswers {
    pub root: String,
    pub class: String,
    /// Survey item key → `met` / `not_met` / `unknown` / `not_applicable`.
    pub items: BTreeMap<String, &'static str>,
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
    pub answers: Vec<FacilityAnswers>,
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
    if findings.iter().any(|f| f.suppressed.is_none() && (f.rule.id == "DOC-001" || f.rule.id == "DOC-009")) {
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
            answers: Vec::new(),
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
        let mut items = BTreeMap::new();
        for answer in &assessment.survey {
            let Some(item) = self.items.get_mut(answer.item) else { continue };
            item.overall.add(answer.status);
            if let Some(c) = item.by_class.get_mut(&class) {
                c.add(answer.status);
            }
            items.insert(item.key.clone(), answer.status.key());
        }
        self.answers.push(FacilityAnswers { root: fac.root.clone(), class, items });
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

/// `--format json`.
pub fn write_json(stats: &Stats, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, stats)?;
    writeln!(out)
}

/// `--format csv`: one row per item and bucket (`overall`, then each bed
/// class), for spreadsheets.
pub fn write_csv(stats: &Stats, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "item,label_ja,label_en,base,bucket,met,not_met,unknown,not_applicable,asked,share,ci95_low,ci95_high,national,national_outside_ci95"
    )?;
    let num = |x: Option<f64>| x.map_or_else(String::new, |x| format!("{x:.1}"));
    for item in &stats.items {
        let buckets =
            std::iter::once(("overall", &item.overall, Some(item.national), item.national_outside_ci95))
                .chain(item.by_class.iter().map(|(c, counts)| {
                    (
                        c.as_str(),
                        counts,
                        item.national_by_class.get(c).copied(),
                        item.classes_outside_ci95.contains(c),
                    )
                }));
        for (bucket, c, national, out_of) in buckets {
            let ci = c.ci95();
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                csv(&item.key),
                csv(&item.short.ja),
                csv(&item.short.en),
                csv(item.base.as_deref().unwrap_or("")),
                csv(bucket),
                c.met,
                c.not_met,
                c.unknown,
                c.not_applicable,
                c.asked(),
                num(c.share()),
                num(ci.map(|x| x.0)),
                num(ci.map(|x| x.1)),
                num(national),
                out_of,
            )?;
        }
    }
    Ok(())
}

/// A CSV field: quoted when it holds a comma, quote or line break; a
/// leading `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets do not
/// run it as a formula.
fn csv(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
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
    let t = |j: &'static str, e: &'static str| if ja { j } else { e };
    writeln!(
        out,
        "{}",
        if ja {
            format!(
                "施設 {} 件（集計対象 {} 件、うち医療情報システムなし {} 件）／評価日 {}／比較: 全国調査 {}",
                stats.facilities, stats.judged, stats.no_medical_systems, stats.as_of, stats.survey
            )
        } else {
            format!(
                "{} facilities ({} judged, {} without medical information systems), as of {}, compared with the {} national survey",
                stats.facilities, stats.judged, stats.no_medical_systems, stats.as_of, stats.year
            )
        }
    )?;
    let e = &stats.excluded;
    writeln!(
        out,
        "{}",
        if ja {
            format!(
                "集計対象外: Facility 文書なし {}、病床数なし {}、20床未満 {}、読めないファイルあり {}",
                e.no_facility, e.no_beds, e.under_20_beds, e.unreadable
            )
        } else {
            format!(
                "not judged: no Facility document {}, no bed count {}, under 20 beds {}, unreadable files {}",
                e.no_facility, e.no_beds, e.under_20_beds, e.unreadable
            )
        }
    )?;
    writeln!(out)?;
    let mut rows: Vec<Vec<String>> = vec![
        [
            t("項目", "item"),
            t("母数", "base"),
            t("実施/回答", "met/asked"),
            t("割合", "share"),
            t("95%信頼区間", "95% CI"),
            t("未記載", "unknown"),
            t("対象外", "N/A"),
            t("全国", "national"),
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for item in &stats.items {
        let c = item.overall;
        let base = item
            .base
            .as_deref()
            .and_then(|b| stats.items.iter().find(|i| i.key == b))
            .map_or_else(|| t("全施設", "all").to_owned(), |b| b.short.get(lang).to_owned());
        rows.push(vec![
            item.short.get(lang).to_owned(),
            base,
            format!("{}/{}", c.met, c.asked()),
            pct(c.share()),
            c.ci95().map_or_else(|| "—".to_owned(), |(lo, hi)| format!("{lo:.0}–{hi:.0}%")),
            c.unknown.to_string(),
            c.not_applicable.to_string(),
            format!("{}%{}", item.national, if item.national_outside_ci95 { " *" } else { "" }),
        ]);
    }
    write_rows(&rows, out)?;
    writeln!(out)?;

    let classes: Vec<&str> = stats.classes.iter().map(|c| c.class.as_str()).collect();
    let mut head = vec![t("病床区分", "bed class").to_owned()];
    head.extend(classes.iter().map(|c| if ja { format!("{c}床") } else { format!("{c} beds") }));
    let mut rows = vec![head];
    let mut counts = vec![t("施設数（全国の回答数）", "facilities (national respondents)").to_owned()];
    counts.extend(stats.classes.iter().map(|c| format!("{} ({})", c.facilities, c.respondents)));
    rows.push(counts);
    for item in &stats.items {
        let mut row = vec![item.short.get(lang).to_owned()];
        for c in &classes {
            let counts = item.by_class.get(*c).copied().unwrap_or_default();
            let national = item.national_by_class.get(*c).map_or_else(String::new, |n| {
                let mark = if item.classes_outside_ci95.iter().any(|x| x == c) { "*" } else { "" };
                format!(" ({n:.0}%{mark})")
            });
            row.push(format!("{} {}/{}{national}", pct(counts.share()), counts.met, counts.asked()));
        }
        rows.push(row);
    }
    write_rows(&rows, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        t(
            "割合 = 実施 ÷ 回答（実施＋未実施）。未記載（根拠の文書がない）と対象外（調査の母数の外、または医療情報システムなし）は割合に含めず、別に数える。95%信頼区間は Wilson 法。* = 全国の値が自施設群の95%信頼区間の外にある（偶然では説明しにくい差）。病床区分ごとの括弧内は全国調査の値（公表されている項目のみ）。",
            "share = met / asked (met + not met). Unknown (no evidence document) and N/A (outside the survey's base, or no medical information systems) are counted beside it, never in it. 95% CI: Wilson score interval. * = the national rate lies outside the fleet's 95% interval (a difference chance hardly explains). Per bed class, the national rate in parentheses where the survey publishes it."
        )
    )
}

fn write_rows(rows: &[Vec<String>], out: &mut dyn Write) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| width(c)).max().unwrap_or(0))
        .collect();
    for row in rows {
        let cells: Vec<String> = row.iter().enumerate().map(|(i, c)| pad(c, widths[i], i > 0)).collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv("=1+1"), "'=1+1");
        assert_eq!(csv("20-99"), "20-99");
    }
}

//! `anzen stats` rendered: the fleet's rates beside the national survey's,
//! as a table for the terminal, JSON or CSV.

use std::io::{self, Write};

use crate::assess::stats::Stats;
use crate::kernel::finding::Lang;

/// `--format json`.
pub fn write_json(stats: &Stats, out: &mut dyn Write) -> io::Result<()> {
    crate::kernel::escape::json::to_writer_pretty(&mut *out, stats)?;
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
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv("=1+1"), "'=1+1");
        assert_eq!(csv("20-99"), "20-99");
    }
}

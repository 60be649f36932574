//! `anzen report --format html`: one self-contained page (inline CSS and
//! SVG; no script, font, image or any other network reference), readable
//! on screen and printable on A4: a summary and a chart at the top of each
//! facility, each facility on its own pages.
//!
//! Every text from the input (names, messages, paths) goes through [`esc`].

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Answer, Audit, FacilityAudit, ItemAudit, Located, Status, area_label, class_label, text, tr};
use crate::kernel::finding::Lang;
use crate::kernel::text::percent;

const STYLE: &str = r#"
@page { size: A4; margin: 12mm 11mm 14mm; }
:root { --yes: #1b7a3a; --no: #b3261e; --nd: #8a5a00; --tc: #1d5fa6; --na: #6b6b6b; --line: #b9bec5; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 230mm; padding: 10mm 8mm; color: #1d1d1f; background: #fff;
  font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic UI", "Yu Gothic", Meiryo, system-ui, sans-serif;
  font-size: 10pt; line-height: 1.5; }
h1 { font-size: 15pt; margin: 0 0 4pt; line-height: 1.35; }
h2 { font-size: 13.5pt; margin: 0 0 6pt; padding: 4pt 8pt; background: #eef2f6; border-left: 5pt solid #34506e; }
h3 { font-size: 11pt; margin: 12pt 0 5pt; border-bottom: 1px solid var(--line); padding-bottom: 2pt; break-after: avoid; }
p { margin: 0 0 6pt; }
.intro { color: #3b3b3f; font-size: 9pt; }
.facility { break-before: page; padding-top: 4pt; }
.facility:first-of-type { break-before: auto; padding-top: 10pt; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 1pt 10pt; margin: 0 0 8pt; font-size: 9.5pt; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; }
.cards { display: flex; gap: 5pt; margin: 0 0 8pt; }
.card { flex: 1; border: 1px solid var(--line); border-radius: 4pt; padding: 4pt 6pt; text-align: center; break-inside: avoid; }
.card .n { display: block; font-size: 17pt; font-weight: 700; line-height: 1.2; }
.card .l { font-size: 8.5pt; color: #444; }
.card.yes .n { color: var(--yes); } .card.no .n { color: var(--no); } .card.not-described .n { color: var(--nd); }
.card.to-confirm .n { color: var(--tc); } .card.not-applicable .n { color: var(--na); }
table { width: 100%; border-collapse: collapse; margin: 0 0 8pt; font-size: 9pt; }
th, td { border: 1px solid var(--line); padding: 2.5pt 4pt; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
th { background: #f2f4f7; font-weight: 600; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.areas { table-layout: fixed; }
table.areas th, table.areas td { text-align: center; padding: 2pt 1pt; font-size: 8pt; overflow-wrap: normal; }
table.areas .code { display: block; font-weight: 700; font-size: 8.5pt; }
table.areas thead th { word-break: keep-all; }
table.areas td.hot { color: var(--no); font-weight: 700; }
table.areas td.warm { color: var(--nd); font-weight: 700; }
table.checklist { table-layout: fixed; }
tr.section td { background: #e8edf3; font-weight: 700; }
td.no-col { white-space: nowrap; font-weight: 600; }
td.answer { text-align: center; font-weight: 700; white-space: nowrap; }
td.answer.yes { color: var(--yes); } td.answer.no { color: var(--no); background: #fbeaea; }
td.answer.not-described { color: var(--nd); background: #fbf3e2; } td.answer.to-confirm { color: var(--tc); background: #e8f0fb; }
td.answer.not-applicable { color: var(--na); }
td.date { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.target { background: #fff; }
td.rates { font-size: 8pt; color: #333; }
td.rates span { display: block; }
.note { font-size: 8.5pt; color: #444; }
ul.basis { list-style: none; padding: 0; margin: 0 0 8pt; font-size: 9pt; }
ul.basis > li { padding: 2pt 0; border-bottom: 1px dotted #d0d4d9; break-inside: avoid; }
ul.basis ul { margin: 2pt 0 0 0; padding-left: 14pt; }
ul.basis ul li { list-style: disc; }
.tag { display: inline-block; min-width: 3.4em; padding: 0 3pt; margin-right: 3pt; border-radius: 3pt; font-size: 8pt; font-weight: 700; text-align: center; color: #fff; }
.tag.yes { background: var(--yes); } .tag.no { background: var(--no); } .tag.not-described { background: var(--nd); }
.tag.to-confirm { background: var(--tc); } .tag.not-applicable { background: var(--na); }
.sev { font-weight: 700; } .sev.error { color: var(--no); } .sev.warning { color: var(--nd); } .sev.info { color: var(--tc); }
code { font-family: "Noto Sans Mono CJK JP", "DejaVu Sans Mono", Consolas, monospace; font-size: 8.5pt; background: #f3f4f6; padding: 0 2pt; border-radius: 2pt; }
figure.chart { margin: 0 0 8pt; break-inside: avoid; }
figure.chart svg { width: 100%; height: auto; display: block; }
figure.chart figcaption { font-size: 8.5pt; color: #444; }
td.st-met { color: var(--yes); font-weight: 700; } td.st-not_met { color: var(--no); font-weight: 700; }
td.st-unknown { color: var(--nd); } td.st-not_applicable { color: var(--na); }
h1 .phrase { display: inline-block; }
.unconfirmed { font-size: 7.5pt; color: var(--nd); white-space: nowrap; }
.sign { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 0 8pt; align-items: end; margin: 0 0 8pt; font-size: 9.5pt; }
.sign .who { color: #555; }
.sign .line { border-bottom: 1px solid #1d1d1f; min-height: 16pt; }
footer { margin-top: 12pt; padding-top: 6pt; border-top: 1px solid var(--line); font-size: 8.5pt; color: #444; break-inside: avoid; }
@media print {
  body { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
}
"#;

pub fn write(audit: &Audit<'_>, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    let title = audit.checklist.title.get(lang);
    h.push_str("<!DOCTYPE html>\n");
    let _ = writeln!(h, "<html lang=\"{}\">", tr(lang, "ja", "en"));
    h.push_str("<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let names: Vec<&str> = audit.facilities.iter().map(FacilityAudit::title).collect();
    let who = match names.len() {
        1..=3 => names.join(" / "),
        n => match lang {
            Lang::Ja => format!("{n} 施設"),
            Lang::En => format!("{n} facilities"),
        },
    };
    let _ = writeln!(h, "<title>{} — {}</title>", esc(&who), esc(title));
    let _ = writeln!(h, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(h, "<header>\n<h1>{}</h1>", phrases(title));
    let _ = writeln!(h, "<p class=\"intro\">{}</p>\n</header>", esc(&text::intro(audit, lang)));
    if audit.facilities.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", tr(lang, "施設が見つかりませんでした。", "No facility was found."));
    }
    for (i, f) in audit.facilities.iter().enumerate() {
        facility(&mut h, audit, f, i, lang);
    }
    if !audit.unassigned.is_empty() {
        let _ = writeln!(
            h,
            "<section class=\"facility\">\n<h2>{}</h2>",
            tr(lang, "施設に属さない指摘", "Findings outside any facility")
        );
        findings_table(&mut h, &audit.unassigned, lang);
        h.push_str("</section>\n");
    }
    let _ = writeln!(h, "<footer>\n<p>{}</p>\n</footer>\n</body>\n</html>", esc(&text::method(audit, lang)));
    out.write_all(h.as_bytes())
}

fn facility(h: &mut String, audit: &Audit<'_>, f: &FacilityAudit<'_>, index: usize, lang: Lang) {
    let _ = writeln!(h, "<section class=\"facility\" id=\"facility-{}\">", index + 1);
    let _ = writeln!(h, "<h2>{}</h2>", esc(f.title()));
    h.push_str("<dl class=\"facts\">\n");
    for (label, value) in text::facts(audit, f, lang, false) {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", esc(label), esc(&value));
    }
    h.push_str("</dl>\n<div class=\"sign\">");
    for label in text::signers(lang) {
        let _ = write!(h, "<span class=\"who\">{}</span><span class=\"line\"></span>", esc(label));
    }
    h.push_str("</div>\n");

    // Summary: answers, findings by area, chart.
    let _ = writeln!(h, "<h3>{}</h3>", tr(lang, "集計", "Summary"));
    h.push_str("<div class=\"cards\">\n");
    for a in Answer::ALL {
        let _ = writeln!(
            h,
            "<div class=\"card {}\"><span class=\"n\">{}</span><span class=\"l\">{}</span></div>",
            a.key(),
            f.count(a),
            esc(a.label(lang))
        );
    }
    h.push_str("</div>\n");
    areas_table(h, f, lang);
    chart(h, f, lang);

    // The checklist.
    let _ = writeln!(h, "<h3>{}</h3>", tr(lang, "チェックリスト", "Checklist"));
    h.push_str("<table class=\"checklist\">\n<colgroup><col style=\"width:6%\"><col style=\"width:39%\"><col style=\"width:9%\"><col style=\"width:11%\"><col style=\"width:11%\"><col style=\"width:24%\"></colgroup>\n");
    let rate_header = match lang {
        Lang::Ja => format!("全国調査（{}）", audit.survey.edition),
        Lang::En => format!("National survey ({})", audit.survey.year),
    };
    let _ = writeln!(
        h,
        "<thead><tr><th>No.</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        tr(lang, "確認項目", "Item"),
        tr(lang, "回答", "Answer"),
        tr(lang, "確認日", "Checked on"),
        tr(lang, "目標日", "Target date"),
        esc(&rate_header)
    );
    let scope = match lang {
        Lang::Ja => &audit.checklist.scope.ja,
        Lang::En => &audit.checklist.scope.en,
    };
    let _ = writeln!(
        h,
        "<tr><td class=\"no-col\">{}</td><td>{}</td><td class=\"answer {}\">{}</td><td class=\"date\">{}</td><td class=\"target\"></td><td class=\"rates\"></td></tr>",
        tr(lang, "冒頭", "Scope"),
        esc(scope),
        f.scope.key(),
        esc(f.scope.label(lang)),
        esc(&text::checked_on(audit, f.scope))
    );
    let mut section = "";
    for item in &f.items {
        if let Some(s) = item.section
            && s.number != section
        {
            section = &s.number;
            let _ = writeln!(
                h,
                "<tr class=\"section\"><td colspan=\"6\">{} {}</td></tr>",
                esc(&s.number),
                esc(s.title.get(lang))
            );
        }
        row(h, audit, f, item, lang);
    }
    h.push_str("</tbody>\n</table>\n");
    let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(&text::target_note(audit, lang)));

    // Basis.
    let _ = writeln!(h, "<h3>{}</h3>\n<ul class=\"basis\">", tr(lang, "回答の根拠", "Basis of each answer"));
    for item in f.items.iter().chain(&f.related) {
        basis(h, item, lang);
    }
    h.push_str("</ul>\n");

    if !f.related.is_empty() {
        let _ = writeln!(h, "<h3>{}</h3>", tr(lang, "関連する確認", "Related checks"));
        let _ = writeln!(
            h,
            "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            tr(lang, "確認", "Check"),
            tr(lang, "内容", "Item"),
            tr(lang, "回答", "Answer")
        );
        for item in &f.related {
            let _ = writeln!(
                h,
                "<tr><td class=\"no-col\">{}</td><td>{}{}</td><td class=\"answer {}\">{}</td></tr>",
                esc(&item.item.item),
                esc(item.item.text.get(lang)),
                mark(item, lang),
                item.answer.key(),
                esc(item.answer.label(lang))
            );
            if item.item.item == crate::assess::VENDOR_FORM {
                for v in &f.vendors {
                    let _ = writeln!(
                        h,
                        "<tr><td></td><td>{}</td><td class=\"answer {}\">{}</td></tr>",
                        esc(&text::vendor_line(v, lang)),
                        v.answer.key(),
                        esc(v.answer.label(lang))
                    );
                }
            }
        }
        h.push_str("</tbody>\n</table>\n");
    }

    // Survey.
    let _ = writeln!(h, "<h3>{}</h3>", esc(&text::survey_heading(audit, lang)));
    let class_header =
        f.class.map_or_else(|| tr(lang, "病床区分", "Bed class").to_owned(), |c| class_label(c, lang));
    let _ = writeln!(
        h,
        "<table>\n<colgroup><col style=\"width:50%\"><col style=\"width:10%\"><col style=\"width:13%\"><col style=\"width:13%\"><col style=\"width:14%\"></colgroup>\n<thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        tr(lang, "調査項目", "Survey item"),
        tr(lang, "全国", "National"),
        esc(&class_header),
        tr(lang, "当院", "This facility"),
        tr(lang, "チェックリスト", "Checklist")
    );
    for r in &f.survey {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"st-{}\">{}</td><td>{}</td></tr>",
            esc(r.item.text.get(lang)),
            percent(r.item.rate),
            r.class_rate.map_or_else(|| "—".to_owned(), percent),
            r.status.key(),
            esc(r.status.label(lang)),
            if r.checklist_items.is_empty() { "—".to_owned() } else { esc(&r.checklist_items.join(", ")) }
        );
    }
    h.push_str("</tbody>\n</table>\n");

    let _ = writeln!(
        h,
        "<h3>{}</h3>",
        tr(
            lang,
            "チェックリスト項目を判定しない指摘（ガイドラインの基準など）",
            "Findings that decide no checklist item (guideline thresholds and the like)"
        )
    );
    if f.other.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", tr(lang, "ありません。", "None."));
    } else {
        findings_table(h, &f.other, lang);
    }
    h.push_str("</section>\n");
}

fn areas_table(h: &mut String, f: &FacilityAudit<'_>, lang: Lang) {
    h.push_str("<table class=\"areas\">\n<thead><tr><th></th>");
    for a in &f.areas {
        // Narrow columns: let the long katakana words break in the middle.
        let label = esc(area_label(&a.area, lang, true))
            .replace("バックアップ", "バック<wbr>アップ")
            .replace("ネットワーク", "ネット<wbr>ワーク");
        let _ = write!(h, "<th><span class=\"code\">{}</span>{label}</th>", esc(&a.area));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (label, pick, class) in [
        (tr(lang, "エラー", "Errors"), 0, "hot"),
        (tr(lang, "警告", "Warnings"), 1, "warm"),
        (tr(lang, "情報", "Info"), 2, ""),
    ] {
        let _ = write!(h, "<tr><th>{label}</th>");
        for a in &f.areas {
            let n = [a.error, a.warning, a.info][pick];
            if n > 0 && !class.is_empty() {
                let _ = write!(h, "<td class=\"{class}\">{n}</td>");
            } else {
                let _ = write!(h, "<td>{n}</td>");
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

/// Horizontal bars: the national rate of every survey item anzen can
/// judge, the facility's bed-class rate as a tick where the survey has
/// one, and the facility's own result at the end of the row.
fn chart(h: &mut String, f: &FacilityAudit<'_>, lang: Lang) {
    let rows: Vec<_> = f.survey.iter().collect();
    if rows.is_empty() {
        return;
    }
    let (label_w, bar_x, bar_w, row_h, top) = (200.0, 206.0, 380.0, 20.0, 34.0);
    let width = 720.0;
    let height = top + row_h * rows.len() as f64 + 22.0;
    let _ = writeln!(
        h,
        "<figure class=\"chart\">\n<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\" font-size=\"11\">",
        esc(tr(lang, "全国の実施率と当院の状況", "National rates and this facility"))
    );
    // Legend.
    let class_name = f.class.map(|c| class_label(c, lang));
    let _ = writeln!(h, "<rect x=\"{bar_x}\" y=\"6\" width=\"14\" height=\"9\" fill=\"#8fa9c4\"/>");
    let _ = writeln!(
        h,
        "<text x=\"{}\" y=\"14\" fill=\"#333\">{}</text>",
        bar_x + 18.0,
        tr(lang, "全国の実施率", "National rate")
    );
    if let Some(c) = &class_name {
        let x = bar_x + 120.0;
        let _ = writeln!(
            h,
            "<line x1=\"{x}\" y1=\"4\" x2=\"{x}\" y2=\"17\" stroke=\"#1d1d1f\" stroke-width=\"2.5\"/>"
        );
        let _ = writeln!(h, "<text x=\"{}\" y=\"14\" fill=\"#333\">{}</text>", x + 6.0, esc(c));
    }
    let _ = writeln!(
        h,
        "<text x=\"{}\" y=\"14\" fill=\"#333\">{}</text>",
        bar_x + bar_w + 14.0,
        tr(lang, "当院", "This facility")
    );
    // Grid.
    for pct in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = bar_x + bar_w * pct / 100.0;
        let _ = writeln!(
            h,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#d9dde2\" stroke-width=\"1\"/>",
            top - 6.0,
            top + row_h * rows.len() as f64
        );
        let _ = writeln!(
            h,
            "<text x=\"{x}\" y=\"{}\" fill=\"#666\" font-size=\"9\" text-anchor=\"middle\">{pct}%</text>",
            top + row_h * rows.len() as f64 + 13.0
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let (mark, color) = match r.status {
            Status::Met => ("✓", "#1b7a3a"),
            Status::NotMet => ("✗", "#b3261e"),
            Status::Unknown => ("?", "#8a5a00"),
            Status::NotApplicable => ("—", "#6b6b6b"),
        };
        if r.status == Status::NotMet {
            let _ = writeln!(
                h,
                "<rect x=\"0\" y=\"{}\" width=\"{width}\" height=\"{row_h}\" fill=\"#fbeaea\"/>",
                y - 2.0
            );
        }
        let _ = writeln!(
            h,
            "<text x=\"{label_w}\" y=\"{}\" text-anchor=\"end\" fill=\"#1d1d1f\">{}</text>",
            y + 12.0,
            esc(r.item.short.get(lang))
        );
        let bar = bar_w * r.item.rate.clamp(0.0, 100.0) / 100.0;
        let _ = writeln!(
            h,
            "<rect x=\"{bar_x}\" y=\"{}\" width=\"{bar_w}\" height=\"11\" fill=\"#eef1f4\"/>",
            y + 3.0
        );
        let _ = writeln!(
            h,
            "<rect x=\"{bar_x}\" y=\"{}\" width=\"{bar:.1}\" height=\"11\" fill=\"#8fa9c4\"/>",
            y + 3.0
        );
        // The value after the bar; inside it when the bar nearly fills the track.
        let (value_x, anchor, fill) = if r.item.rate >= 88.0 {
            (bar_x + bar - 3.0, "end", "#fff")
        } else {
            (bar_x + bar + 4.0, "start", "#1d1d1f")
        };
        let _ = writeln!(
            h,
            "<text x=\"{value_x:.1}\" y=\"{}\" fill=\"{fill}\" font-size=\"9.5\" text-anchor=\"{anchor}\">{}</text>",
            y + 12.0,
            percent(r.item.rate)
        );
        if let Some(rate) = r.class_rate {
            let x = bar_x + bar_w * rate.clamp(0.0, 100.0) / 100.0;
            let _ = writeln!(
                h,
                "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#1d1d1f\" stroke-width=\"2.5\"><title>{} {}</title></line>",
                y + 1.0,
                y + 16.0,
                esc(class_name.as_deref().unwrap_or("")),
                percent(rate)
            );
        }
        let _ = writeln!(
            h,
            "<text x=\"{}\" y=\"{}\" fill=\"{color}\" font-weight=\"700\">{mark} {}</text>",
            bar_x + bar_w + 14.0,
            y + 12.0,
            esc(r.status.label(lang))
        );
    }
    h.push_str("</svg>\n");
    let _ = writeln!(
        h,
        "<figcaption>{}</figcaption>\n</figure>",
        tr(
            lang,
            "棒: 全国の実施率。縦線: 当院の病床区分の実施率（調査に病床区分別の値がある項目のみ）。右: 当院の回答（anzen stats と同じ判定。調査の母数の外なら対象外: 例 電子カルテのバックアップがなければバックアップの項目）。",
            "Bars: national rate. Tick: the rate of this facility's bed class (where the survey gives one). Right: this facility's answer, as anzen stats counts it (N/A outside the survey's base, e.g. backup items without an EHR backup)."
        )
    );
}

fn row(h: &mut String, audit: &Audit<'_>, f: &FacilityAudit<'_>, item: &ItemAudit<'_>, lang: Lang) {
    let mut rates = String::new();
    for &i in &item.survey {
        let _ = write!(rates, "<span>{}</span>", esc(&text::rate_line(f, &f.survey[i], lang)));
    }
    if rates.is_empty() {
        rates.push('—');
    }
    let _ = writeln!(
        h,
        "<tr><td class=\"no-col\">{}</td><td>{}{}</td><td class=\"answer {}\">{}</td><td class=\"date\">{}</td><td class=\"target\"></td><td class=\"rates\">{rates}</td></tr>",
        esc(&item.item.item),
        esc(item.item.text.get(lang)),
        mark(item, lang),
        item.answer.key(),
        esc(item.answer.label(lang)),
        esc(&text::checked_on(audit, item.answer)),
    );
}

/// ` <span class="unconfirmed">※文言未確認</span>` after an item text whose
/// wording is unconfirmed.
fn mark(item: &ItemAudit<'_>, lang: Lang) -> String {
    text::unconfirmed(item.item, lang)
        .map_or_else(String::new, |m| format!(" <span class=\"unconfirmed\">{}</span>", esc(m)))
}

/// The title with line breaks only between phrases (never inside
/// チェックリスト or a word): each phrase is an unbreakable inline block;
/// Japanese phrases end after 「における」 and around 「（…）」, English ones at
/// spaces.
fn phrases(title: &str) -> String {
    let mut parts: Vec<(String, &str)> = Vec::new();
    let mut current = String::new();
    for c in title.chars() {
        if c == '（' && !current.is_empty() {
            parts.push((std::mem::take(&mut current), "<wbr>"));
        }
        if c == ' ' {
            parts.push((std::mem::take(&mut current), " "));
            continue;
        }
        current.push(c);
        if c == '）' || current.ends_with("における") {
            parts.push((std::mem::take(&mut current), "<wbr>"));
        }
    }
    parts.push((current, ""));
    parts
        .iter()
        .filter(|(p, _)| !p.is_empty())
        .map(|(p, sep)| format!("<span class=\"phrase\">{}</span>{sep}", esc(p)))
        .collect()
}

fn basis(h: &mut String, item: &ItemAudit<'_>, lang: Lang) {
    let _ = write!(
        h,
        "<li><span class=\"tag {}\">{}</span><strong>{}</strong> {}",
        item.answer.key(),
        esc(item.answer.label(lang)),
        esc(&item.item.item),
        esc(&text::basis(item, lang))
    );
    let findings: Vec<&Located<'_>> = item.failing().chain(item.notes()).collect();
    if !findings.is_empty() {
        h.push_str("\n<ul>\n");
        for f in findings {
            let _ = writeln!(
                h,
                "<li><span class=\"sev {}\">{}</span> {} {} — <code>{}</code> {}</li>",
                f.finding.severity.as_str(),
                esc(text::severity_label(f.finding.severity, lang)),
                esc(&f.finding.rule.id),
                esc(f.finding.rule.title.get(lang)),
                esc(&f.at()),
                esc(f.finding.message.get(lang))
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</li>\n");
}

fn findings_table(h: &mut String, findings: &[Located<'_>], lang: Lang) {
    let _ = writeln!(
        h,
        "<table>\n<colgroup><col style=\"width:9%\"><col style=\"width:27%\"><col style=\"width:24%\"><col style=\"width:40%\"></colgroup>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        tr(lang, "重要度", "Severity"),
        tr(lang, "規則", "Rule"),
        tr(lang, "場所", "Location"),
        tr(lang, "内容", "Message")
    );
    for f in findings {
        let _ = writeln!(
            h,
            "<tr><td class=\"sev {}\">{}</td><td>{} {}</td><td><code>{}</code></td><td>{}</td></tr>",
            f.finding.severity.as_str(),
            esc(text::severity_label(f.finding.severity, lang)),
            esc(&f.finding.rule.id),
            esc(f.finding.rule.title.get(lang)),
            esc(&f.at()),
            esc(f.finding.message.get(lang))
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

/// Escapes text for HTML element content and quoted attribute values.
pub(super) use crate::output::escape_markup as esc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}

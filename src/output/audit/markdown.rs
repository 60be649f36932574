//! `anzen report --format markdown`: the filled checklist as GitHub-flavoured
//! Markdown (tables), one `##` section per facility.

use std::io::{self, Write};

use super::{Answer, Audit, FacilityAudit, ItemAudit, Located, Status, area_label, class_label, tr};
use crate::kernel::finding::Lang;
use crate::kernel::text::percent;

pub fn write(audit: &Audit<'_>, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# {}\n", md(audit.checklist.title.get(lang)))?;
    writeln!(out, "{}\n", md(&super::text::intro(audit, lang)))?;
    if audit.facilities.is_empty() {
        writeln!(out, "{}\n", tr(lang, "施設が見つかりませんでした。", "No facility was found."))?;
    }
    for facility in &audit.facilities {
        write_facility(audit, facility, lang, out)?;
    }
    if !audit.unassigned.is_empty() {
        writeln!(out, "## {}\n", tr(lang, "施設に属さない指摘", "Findings outside any facility"))?;
        write_findings_table(&audit.unassigned, lang, out)?;
    }
    writeln!(out, "---\n")?;
    writeln!(out, "{}", md(&super::text::method(audit, lang)))
}

fn write_facility(
    audit: &Audit<'_>,
    f: &FacilityAudit<'_>,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "## {}\n", md(f.title()))?;
    for (label, value) in super::text::facts(audit, f, lang, true) {
        writeln!(out, "- {label}: {}", md(&value))?;
    }
    for label in super::text::signers(lang) {
        writeln!(out, "- {label}: ＿＿＿＿＿＿＿＿＿＿＿＿")?;
    }
    writeln!(out)?;

    writeln!(out, "### {}\n", tr(lang, "集計", "Summary"))?;
    let answers = Answer::ALL;
    writeln!(out, "| {} |", answers.iter().map(|a| a.label(lang)).collect::<Vec<_>>().join(" | "))?;
    writeln!(out, "|{}", "---:|".repeat(answers.len()))?;
    writeln!(
        out,
        "| {} |\n",
        answers.iter().map(|a| f.count(*a).to_string()).collect::<Vec<_>>().join(" | ")
    )?;
    writeln!(
        out,
        "| {} | {} | {} | {} |\n|---|---:|---:|---:|",
        tr(lang, "分野", "Area"),
        tr(lang, "エラー", "Errors"),
        tr(lang, "警告", "Warnings"),
        tr(lang, "情報", "Info")
    )?;
    for a in &f.areas {
        writeln!(
            out,
            "| {} {} | {} | {} | {} |",
            a.area,
            area_label(&a.area, lang, false),
            a.error,
            a.warning,
            a.info
        )?;
    }
    writeln!(out)?;

    writeln!(out, "### {}\n", tr(lang, "チェックリスト", "Checklist"))?;
    let rate_header = match lang {
        Lang::Ja => format!("全国調査（{}）", audit.survey.edition),
        Lang::En => format!("National survey ({})", audit.survey.year),
    };
    writeln!(
        out,
        "| No. | {} | {} | {} | {} | {rate_header} |\n|---|---|---|---|---|---|",
        tr(lang, "確認項目", "Item"),
        tr(lang, "回答", "Answer"),
        tr(lang, "確認日", "Checked on"),
        tr(lang, "目標日", "Target date"),
    )?;
    writeln!(
        out,
        "| {} | {} | **{}** | {} |  |  |",
        tr(lang, "冒頭", "Scope"),
        md(scope_text(audit, lang)),
        f.scope.label(lang),
        super::text::checked_on(audit, f.scope)
    )?;
    let mut section = "";
    for item in &f.items {
        if let Some(s) = item.section
            && s.number != section
        {
            section = &s.number;
            writeln!(out, "| **{}** | **{}** |  |  |  |  |", s.number, md(s.title.get(lang)))?;
        }
        write_row(audit, f, item, lang, out)?;
    }
    writeln!(out)?;
    writeln!(out, "{}\n", md(&super::text::target_note(audit, lang)))?;

    writeln!(out, "### {}\n", tr(lang, "回答の根拠", "Basis of each answer"))?;
    for item in f.items.iter().chain(&f.related) {
        write_basis(item, lang, out)?;
        if item.item.item == crate::assess::VENDOR_FORM {
            for v in &f.vendors {
                writeln!(out, "  - {}: {}", v.answer.label(lang), md(&super::text::vendor_line(v, lang)))?;
            }
        }
    }
    writeln!(out)?;

    if !f.related.is_empty() {
        writeln!(out, "### {}\n", tr(lang, "関連する確認", "Related checks"))?;
        writeln!(
            out,
            "| {} | {} | {} |\n|---|---|---|",
            tr(lang, "確認", "Check"),
            tr(lang, "内容", "Item"),
            tr(lang, "回答", "Answer")
        )?;
        for item in &f.related {
            writeln!(
                out,
                "| {} | {}{} | **{}** |",
                md(&item.item.item),
                md(item.item.text.get(lang)),
                mark(item, lang),
                item.answer.label(lang)
            )?;
        }
        writeln!(out)?;
        if !f.vendors.is_empty() {
            writeln!(
                out,
                "| {} | {} | {} |\n|---|---|---|",
                tr(lang, "事業者", "Vendor"),
                tr(lang, "回答", "Answer"),
                tr(lang, "内容", "Details")
            )?;
            for v in &f.vendors {
                writeln!(
                    out,
                    "| {} | **{}** | {} |",
                    md(v.name.unwrap_or(v.id)),
                    v.answer.label(lang),
                    md(&super::text::vendor_detail(v, lang))
                )?;
            }
            writeln!(out)?;
        }
    }

    writeln!(out, "### {}\n", md(&super::text::survey_heading(audit, lang)))?;
    let class_header =
        f.class.map_or_else(|| tr(lang, "病床区分", "Bed class").to_owned(), |c| class_label(c, lang));
    writeln!(
        out,
        "| {} | {} | {class_header} | {} | {} |\n|---|---:|---:|---|---|",
        tr(lang, "調査項目", "Survey item"),
        tr(lang, "全国", "National"),
        tr(lang, "当院", "This facility"),
        tr(lang, "チェックリスト", "Checklist"),
    )?;
    for r in &f.survey {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            md(r.item.text.get(lang)),
            percent(r.item.rate),
            r.class_rate.map_or_else(|| "—".to_owned(), percent),
            status_cell(r.status, lang),
            if r.checklist_items.is_empty() { "—".to_owned() } else { r.checklist_items.join(", ") },
        )?;
    }
    writeln!(out)?;

    writeln!(
        out,
        "### {}\n",
        tr(
            lang,
            "チェックリスト項目を判定しない指摘（ガイドラインの基準など）",
            "Findings that decide no checklist item (guideline thresholds and the like)"
        )
    )?;
    if f.other.is_empty() {
        writeln!(out, "{}\n", tr(lang, "ありません。", "None."))?;
    } else {
        write_findings_table(&f.other, lang, out)?;
    }
    Ok(())
}

fn scope_text<'a>(audit: &'a Audit<'_>, lang: Lang) -> &'a str {
    match lang {
        Lang::Ja => &audit.checklist.scope.ja,
        Lang::En => &audit.checklist.scope.en,
    }
}

fn write_row(
    audit: &Audit<'_>,
    f: &FacilityAudit<'_>,
    item: &ItemAudit<'_>,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rates: Vec<String> =
        item.survey.iter().map(|&i| md(&super::text::rate_line(f, &f.survey[i], lang))).collect();
    writeln!(
        out,
        "| {} | {}{} | **{}** | {} |  | {} |",
        md(&item.item.item),
        md(item.item.text.get(lang)),
        mark(item, lang),
        item.answer.label(lang),
        super::text::checked_on(audit, item.answer),
        if rates.is_empty() { "—".to_owned() } else { rates.join("<br>") },
    )
}

/// ` ※文言未確認` after an item text whose wording is unconfirmed.
fn mark(item: &ItemAudit<'_>, lang: Lang) -> String {
    super::text::unconfirmed(item.item, lang).map_or_else(String::new, |m| format!(" {m}"))
}

fn write_basis(item: &ItemAudit<'_>, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "- **{}** {} — {}",
        md(&item.item.item),
        item.answer.label(lang),
        md(&super::text::basis(item, lang))
    )?;
    for f in item.failing().chain(item.notes()) {
        writeln!(out, "  - {}", finding_line(f, lang))?;
    }
    Ok(())
}

fn finding_line(f: &Located<'_>, lang: Lang) -> String {
    format!(
        "{} {} {} — {} {}",
        super::text::severity_label(f.finding.severity, lang),
        f.finding.rule.id,
        md(f.finding.rule.title.get(lang)),
        code(&f.at()),
        md(f.finding.message.get(lang)),
    )
}

fn write_findings_table(findings: &[Located<'_>], lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "| {} | {} | {} | {} |\n|---|---|---|---|",
        tr(lang, "重要度", "Severity"),
        tr(lang, "規則", "Rule"),
        tr(lang, "場所", "Location"),
        tr(lang, "内容", "Message"),
    )?;
    for f in findings {
        writeln!(
            out,
            "| {} | {} {} | {} | {} |",
            super::text::severity_label(f.finding.severity, lang),
            f.finding.rule.id,
            md(f.finding.rule.title.get(lang)),
            code(&f.at()),
            md(f.finding.message.get(lang)),
        )?;
    }
    writeln!(out)
}

fn status_cell(status: Status, lang: Lang) -> String {
    match status {
        Status::NotMet => format!("**{}**", status.label(lang)),
        _ => status.label(lang).to_owned(),
    }
}

/// Text from the input, made safe for a Markdown table cell: no raw HTML,
/// no links or images, no code spans, no `*` emphasis, no column breaks,
/// one line, control and bidi characters visible ([`crate::kernel::escape`]).
pub(super) fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '[' | ']' | '`' | '*' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if crate::kernel::escape::is_hidden(c) => crate::kernel::escape::push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// A code span (paths).
fn code(s: &str) -> String {
    format!("`{}`", crate::kernel::escape::visible_line(s).replace('`', "'").replace('|', "\\|"))
}

#[cfg(test)]
mod escaping_tests {
    use super::{code, md};

    #[test]
    fn data_cannot_make_links_images_or_hide_text() {
        let name = "![x](https://evil.example/p.png)[click](javascript:x) `c` *b* \u{202e}gpj.exe \u{1b}[2J";
        assert_eq!(
            md(name),
            "!\\[x\\](https://evil.example/p.png)\\[click\\](javascript:x) \\`c\\` \\*b\\* \\u{202e}gpj.exe \\u{1b}\\[2J"
        );
        assert_eq!(code("a\u{202e}b`|"), "`a\\u{202e}b'\\|`");
    }
}

//! Phrases the Markdown and HTML reports share (plain text: each renderer
//! escapes it for its own format).

use super::{Answer, Audit, FacilityAudit, ItemAudit, SurveyResult, class_label, kind_label, tr};
use crate::kernel::finding::{Lang, Severity};
use crate::kernel::text::percent;

pub fn severity_label(severity: Severity, lang: Lang) -> &'static str {
    match severity {
        Severity::Error => tr(lang, "エラー", "error"),
        Severity::Warning => tr(lang, "警告", "warning"),
        Severity::Info => tr(lang, "情報", "info"),
    }
}

/// The paragraph under the title.
pub fn intro(audit: &Audit<'_>, lang: Lang) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match lang {
        Lang::Ja => format!(
            "anzen {version} が YAML の記述から作成した回答案です（確認日 {} 時点の記述と、その日を評価日とした判定）。「未記載」「要確認」の項目は担当者が確認して回答し、「いいえ」の項目には{}中（{} まで）の目標日を記入してください。",
            audit.as_of,
            audit.fiscal_year(lang),
            audit.fiscal_year_end()
        ),
        Lang::En => format!(
            "Draft answers made by anzen {version} from the YAML descriptions, judged as of {} (the checklist's \"checked on\" date). A person must answer the items marked \"not described\" or \"to confirm\"; for every \"no\", write a target date within {} (by {}).",
            audit.as_of,
            audit.fiscal_year(lang),
            audit.fiscal_year_end()
        ),
    }
}

/// The closing note: how answers are derived.
pub fn method(audit: &Audit<'_>, lang: Lang) -> String {
    let _ = audit;
    tr(
        lang,
        "回答の決め方: 冒頭の設問が「いいえ」ならすべての項目（1① を含む）が「対象外」。項目の根拠となる種類の文書が施設に一つもなければ「未記載」。項目を判定する規則にエラーの指摘があれば「いいえ」（場所は file:line）。人が確認するしかない項目や、規則がすべて無効にされた項目は「要確認」。それ以外は「はい」（警告・情報の指摘は項目の下に載せる）。事業者確認用は、契約している事業者ごとに受領した事業者確認用チェックリストの回答から。項目を判定しない指摘（ガイドラインの基準など）は別に載せる。全国調査の「当院」欄は、調査の母数（例: 電子カルテのバックアップを作成している病院のうち）に入る場合に、調査項目の規則に重要度を問わず指摘がなければ「実施」。※文言未確認: 厚生労働省の確定版の文書で文言を確認できていない項目。詳しくは anzen の docs/reports.md を参照。",
        "How answers are derived: when the opening question is answered \"no\", every item (1① included) is N/A. An item whose evidence documents are all absent from the facility is \"not described\". An error finding of a rule that decides the item makes it \"no\" (with file:line). Items only a person can answer, and items whose rules are all turned off, are \"to confirm\". Otherwise \"yes\", with warning and info findings listed under it. The vendor form is answered per contracted vendor from the vendor form it returned. Findings that decide no item (guideline thresholds and the like) are listed separately. In the survey comparison, a facility inside the survey item's base (e.g. among hospitals backing up their EHR) \"meets\" it when the item's rules have no finding of any severity. *wording unconfirmed: the item text could not be checked against a final MHLW document. See docs/reports.md in anzen.",
    )
    .to_owned()
}

/// The facts listed under a facility's heading: name, 医療機関コード,
/// 都道府県, beds and bed class, 確認日; `directory`: also the facility's
/// directory (Markdown only: the HTML page is handed out and shows no
/// internal path).
pub fn facts(
    audit: &Audit<'_>,
    f: &FacilityAudit<'_>,
    lang: Lang,
    directory: bool,
) -> Vec<(&'static str, String)> {
    let unknown = || tr(lang, "記載なし", "not described").to_owned();
    let facts_of = &f.facility.facts;
    let mut facts = vec![
        (
            tr(lang, "施設名", "Facility"),
            f.facility.name.clone().unwrap_or_else(|| tr(lang, "（名称の記載なし）", "(no name)").to_owned()),
        ),
        (
            tr(lang, "医療機関コード", "Medical institution code"),
            facts_of.code.clone().unwrap_or_else(unknown),
        ),
        (tr(lang, "都道府県", "Prefecture"), facts_of.prefecture.clone().unwrap_or_else(unknown)),
    ];
    if directory {
        facts.push((tr(lang, "ディレクトリ", "Directory"), f.facility.root.clone()));
    }
    let beds = match (f.facility.beds, f.class, lang) {
        (None | Some(0), _, _) => unknown(),
        (Some(b), Some(c), Lang::Ja) => format!("{b}床（全国調査の病床区分 {}）", class_label(c, lang)),
        (Some(b), Some(c), Lang::En) => format!("{b} (survey bed class {})", class_label(c, lang)),
        (Some(b), None, Lang::Ja) => format!("{b}床（全国調査の対象は20床以上の病院）"),
        (Some(b), None, Lang::En) => format!("{b} (the survey covers hospitals of 20 beds or more)"),
    };
    facts.push((tr(lang, "病床数", "Beds"), beds));
    facts.push((tr(lang, "確認日", "Checked on"), audit.as_of.to_string()));
    facts
}

/// The lines a person signs: 記入者 (who filled it in) and 確認者 (who
/// checked it).
pub fn signers(lang: Lang) -> [&'static str; 2] {
    [tr(lang, "記入者", "Filled in by"), tr(lang, "確認者", "Checked by")]
}

/// Marks an item text whose official wording is not confirmed (its
/// `confidence` is not C: read in a final MHLW document).
pub fn unconfirmed(item: &crate::assess::checklist::Item, lang: Lang) -> Option<&'static str> {
    (item.confidence != "C").then(|| tr(lang, "※文言未確認", "*wording unconfirmed"))
}

/// One line per contracted vendor for 事業者確認用: name (id): detail.
pub fn vendor_line(v: &super::VendorAudit<'_>, lang: Lang) -> String {
    let name = match v.name {
        Some(n) => format!("{n}（{}）", v.id),
        None => v.id.to_owned(),
    };
    format!("{name}: {}", vendor_detail(v, lang))
}

/// What a contracted vendor's form says.
pub fn vendor_detail(v: &super::VendorAudit<'_>, lang: Lang) -> String {
    match (v.answer, lang) {
        (Answer::Yes, Lang::Ja) => "事業者確認用チェックリストを受領（すべて「はい」）".to_owned(),
        (Answer::Yes, Lang::En) => "vendor form received, all answers yes".to_owned(),
        (Answer::No, Lang::Ja) if v.no_items.is_empty() => {
            "事業者確認用チェックリストに「いいえ」の回答あり".to_owned()
        }
        (Answer::No, Lang::En) if v.no_items.is_empty() => "the vendor answered no somewhere".to_owned(),
        (Answer::No, Lang::Ja) => format!("「いいえ」の項目: {}", v.no_items.join("、")),
        (Answer::No, Lang::En) => format!("answered no: {}", v.no_items.join(", ")),
        (Answer::NotDescribed, Lang::Ja) => "事業者確認用チェックリストを受領していない".to_owned(),
        (Answer::NotDescribed, Lang::En) => "no vendor form received".to_owned(),
        (Answer::ToConfirm, Lang::Ja) => {
            "受領済み。all_yes の記載がないため回答を確認してください".to_owned()
        }
        (Answer::ToConfirm, Lang::En) => {
            "received, but all_yes is not recorded: check the answers".to_owned()
        }
        (Answer::NotApplicable, Lang::Ja) => "対象外".to_owned(),
        (Answer::NotApplicable, Lang::En) => "not applicable".to_owned(),
    }
}

/// The 確認日 cell: the evaluation date where anzen answered.
pub fn checked_on(audit: &Audit<'_>, answer: Answer) -> String {
    match answer {
        Answer::Yes | Answer::No => audit.as_of.to_string(),
        Answer::NotApplicable => "—".to_owned(),
        Answer::NotDescribed | Answer::ToConfirm => String::new(),
    }
}

/// The note under the checklist table about the two date columns.
pub fn target_note(audit: &Audit<'_>, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!(
            "確認日: anzen が判定した日（評価日 {}）。「未記載」「要確認」の項目は、担当者が確認した日を記入してください。目標日: 「いいえ」の項目について、対応の目標日（{}中、{} まで）を記入してください。",
            audit.as_of,
            audit.fiscal_year(lang),
            audit.fiscal_year_end()
        ),
        Lang::En => format!(
            "Checked on: the date anzen judged (evaluation date {}); for items \"not described\" or \"to confirm\", write the date a person checked. Target date: for every \"no\", write the date by which it will be fixed (within {}, by {}).",
            audit.as_of,
            audit.fiscal_year(lang),
            audit.fiscal_year_end()
        ),
    }
}

/// One line per answer: what it rests on.
pub fn basis(item: &ItemAudit<'_>, lang: Lang) -> String {
    let rules = if item.item.rules.is_empty() { String::new() } else { item.item.rules.join(", ") };
    let kinds =
        item.missing.iter().map(|k| kind_label(k, lang)).collect::<Vec<_>>().join(tr(lang, "、", ", "));
    let errors = item.failing().count();
    let notes = item.notes().count();
    let warnings = item.notes().filter(|f| f.finding.severity == Severity::Warning).count();
    let infos = notes - warnings;
    match (item.answer, lang) {
        (Answer::NotApplicable, Lang::Ja) if item.item.item == crate::assess::VENDOR_FORM => {
            "契約している事業者がないため対象外".to_owned()
        }
        (Answer::NotApplicable, Lang::En) if item.item.item == crate::assess::VENDOR_FORM => {
            "not applicable: no contracted vendor".to_owned()
        }
        (Answer::NotApplicable, Lang::Ja) => "医療情報システムを導入・運用していないため対象外".to_owned(),
        (Answer::NotApplicable, Lang::En) => "not applicable: no medical information systems".to_owned(),
        (Answer::NotDescribed, Lang::Ja) => format!("根拠となる文書がありません: {kinds}"),
        (Answer::NotDescribed, Lang::En) => format!("no evidence document: {kinds}"),
        (Answer::ToConfirm, Lang::Ja) if item.rules_off => {
            format!("判定する規則（{rules}）が設定で無効にされています。担当者が確認してください")
        }
        (Answer::ToConfirm, Lang::En) if item.rules_off => {
            format!(
                "the rules that decide it ({rules}) are turned off in the configuration; a person must check it"
            )
        }
        (Answer::ToConfirm, Lang::Ja) => {
            "記述からは判定できない項目です。担当者が確認してください".to_owned()
        }
        (Answer::ToConfirm, Lang::En) => {
            "cannot be judged from the descriptions; a person must check it".to_owned()
        }
        (Answer::No, Lang::Ja) if errors == 0 => {
            format!("規則 {rules}: 事業者の回答による{}", note_count_ja(warnings, infos))
        }
        (Answer::No, Lang::En) if errors == 0 => {
            format!("rules {rules}: from the vendors' answers{}", note_count_en(warnings, infos))
        }
        (Answer::No, Lang::Ja) => {
            format!("規則 {rules}: エラー {errors} 件{}", note_count_ja(warnings, infos))
        }
        (Answer::No, Lang::En) => {
            format!("rules {rules}: {errors} error(s){}", note_count_en(warnings, infos))
        }
        (Answer::Yes, Lang::Ja) if notes > 0 => {
            format!("規則 {rules}: エラーなし{}", note_count_ja(warnings, infos))
        }
        (Answer::Yes, Lang::En) if notes > 0 => {
            format!("rules {rules}: no error{}", note_count_en(warnings, infos))
        }
        (Answer::Yes, Lang::Ja) => format!("規則 {rules}: 指摘なし"),
        (Answer::Yes, Lang::En) => format!("rules {rules}: no finding"),
    }
}

/// `、警告 1 件、情報 2 件` (what `check` calls them).
fn note_count_ja(warnings: usize, infos: usize) -> String {
    let mut out = String::new();
    if warnings > 0 {
        out.push_str(&format!("、警告 {warnings} 件"));
    }
    if infos > 0 {
        out.push_str(&format!("、情報 {infos} 件"));
    }
    out
}

fn note_count_en(warnings: usize, infos: usize) -> String {
    let mut out = String::new();
    if warnings > 0 {
        out.push_str(&format!(", {warnings} warning(s)"));
    }
    if infos > 0 {
        out.push_str(&format!(", {infos} info"));
    }
    out
}

/// A survey rate beside a checklist answer: `バックアップ 3世代以上 全国 65%（100〜199床 65%）`.
pub fn rate_line(f: &FacilityAudit<'_>, r: &SurveyResult<'_>, lang: Lang) -> String {
    let class = match (f.class, r.class_rate) {
        (Some(c), Some(rate)) => match lang {
            Lang::Ja => format!("（{} {}）", class_label(c, lang), percent(rate)),
            Lang::En => format!(" ({} {})", class_label(c, lang), percent(rate)),
        },
        _ => String::new(),
    };
    match lang {
        Lang::Ja => format!("{} 全国 {}{class}", r.item.short.ja, percent(r.item.rate)),
        Lang::En => format!("{}: national {}{class}", r.item.short.en, percent(r.item.rate)),
    }
}

/// The heading of the survey comparison.
pub fn survey_heading(audit: &Audit<'_>, lang: Lang) -> String {
    let s = audit.survey;
    match lang {
        Lang::Ja => format!("全国調査との比較（{}調査、回答 {} 病院）", s.edition, thousands(s.respondents)),
        Lang::En => {
            format!(
                "Compared with the national survey ({}, {} hospitals answered)",
                s.year,
                thousands(s.respondents)
            )
        }
    }
}

/// `5842` → `5,842`.
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

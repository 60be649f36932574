//! `anzen check --format xlsx=FILE`: the findings as a workbook to track
//! remediation in, as hospitals do in Excel. One row per finding that is
//! not suppressed (facility, file, line, rule, severity, message, checklist
//! item, remediation), then empty 担当 / 期限 / 状況 columns for the people
//! fixing it; bold frozen header, autofilter, a dropdown for 状況. Headers
//! and text follow `--lang`. Every value is written as text (never a
//! formula), with control and bidi characters shown visibly. An XLSX file
//! is binary and written whole, so it needs `=FILE` (or `--output`).

use std::io::{self, Write};

use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};

use super::{Context, End, Unit};
use crate::kernel::escape::visible;
use crate::kernel::finding::{Lang, Severity};

/// (Japanese, English) header and column width.
const COLUMNS: &[(&str, &str, f64)] = &[
    ("施設", "Facility", 18.0),
    ("ファイル", "File", 28.0),
    ("行", "Line", 6.0),
    ("ルール", "Rule", 10.0),
    ("重大度", "Severity", 9.0),
    ("内容", "Message", 60.0),
    ("チェックリスト項目", "Checklist item", 14.0),
    ("対処", "Remediation", 60.0),
    ("担当", "Owner", 12.0),
    ("期限", "Due", 12.0),
    ("状況", "Status", 10.0),
];

/// The choices of the 状況 dropdown.
const STATUS: (&[&str], &[&str]) =
    (&["未着手", "対応中", "完了", "対応不要"], &["open", "in progress", "done", "won't fix"]);

/// One finding's row, kept until the end of the run (a workbook is one zip
/// written at once).
struct Row {
    texts: [String; 6],
    line: u32,
    checklist: String,
}

/// The XLSX writer: rows gathered facility by facility, the workbook
/// written at the end.
pub struct Xlsx<'a> {
    cx: Context<'a>,
    rows: Vec<Row>,
}

impl<'a> Xlsx<'a> {
    pub fn new(cx: Context<'a>) -> Self {
        Xlsx { cx, rows: Vec::new() }
    }
}

impl super::Writer for Xlsx<'_> {
    fn unit(&mut self, unit: &Unit<'_>, _out: &mut dyn Write) -> io::Result<()> {
        let lang = self.cx.lang;
        for f in unit.findings.iter().filter(|f| f.suppressed.is_none()) {
            let checklist: Vec<&str> = f.rule.references.checklist.iter().map(|c| c.item.as_str()).collect();
            self.rows.push(Row {
                texts: [
                    f.facility.as_deref().unwrap_or("").to_owned(),
                    unit.sources.get(f.file).display().to_owned(),
                    f.rule.id.as_str().to_owned(),
                    severity(f.severity, lang).to_owned(),
                    f.message.get(lang).to_owned(),
                    f.rule.remediation.get(lang).to_owned(),
                ],
                line: f.start.line,
                checklist: checklist.join("\n"),
            });
        }
        Ok(())
    }

    fn end(&mut self, _end: &End<'_>, out: &mut dyn Write) -> io::Result<()> {
        let bytes = workbook(&self.rows, self.cx.lang)
            .map_err(|e| io::Error::other(format!("cannot write XLSX: {e}")))?;
        out.write_all(&bytes)
    }
}

fn severity(s: Severity, lang: Lang) -> &'static str {
    match (lang, s) {
        (Lang::Ja, Severity::Error) => "エラー",
        (Lang::Ja, Severity::Warning) => "警告",
        (Lang::Ja, Severity::Info) => "情報",
        (Lang::En, s) => s.as_str(),
    }
}

fn workbook(rows: &[Row], lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    // A fixed creation time: the same findings give the same file.
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
    let sheet = book.add_worksheet();
    sheet.set_name(match lang {
        Lang::Ja => "指摘事項",
        Lang::En => "Findings",
    })?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let top = Format::new().set_align(FormatAlign::Top);
    let date = Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Top);
    for (c, (ja, en, width)) in COLUMNS.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, if lang == Lang::Ja { *ja } else { *en }, &bold)?;
        sheet.set_column_width(c, *width)?;
    }
    let mut row: u32 = 0;
    for r in rows {
        row += 1;
        for (c, text) in [0u16, 1, 3, 4, 5, 7].into_iter().zip(&r.texts) {
            sheet.write_string_with_format(row, c, visible(text), &wrap)?;
        }
        sheet.write_number_with_format(row, 2, f64::from(r.line), &top)?;
        sheet.write_string_with_format(row, 6, visible(&r.checklist), &wrap)?;
        // 期限 cells take dates when filled in.
        sheet.write_blank(row, 9, &date)?;
    }
    let choices = if lang == Lang::Ja { STATUS.0 } else { STATUS.1 };
    let status = DataValidation::new().allow_list_strings(choices)?;
    table_tools(sheet, 0, row, (COLUMNS.len() - 1) as u16, &[(10, status)])?;
    book.save_to_buffer()
}

/// A table's header tools, shared with `anzen export`: the `header` row
/// (0-based) frozen, an autofilter over it and the rows down to `last_row`,
/// and each `(column, validation)` (a dropdown) on the data rows, down to
/// row 1,000 at least so that rows typed in later get it too.
pub(crate) fn table_tools(
    sheet: &mut Worksheet,
    header: u32,
    last_row: u32,
    last_col: u16,
    validations: &[(u16, DataValidation)],
) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(header + 1, 0)?;
    sheet.autofilter(header, 0, last_row.max(header), last_col)?;
    let bottom = last_row.max(header + 1).max(1_000);
    for (col, v) in validations {
        sheet.add_data_validation(header + 1, *col, bottom, *col, v)?;
    }
    Ok(())
}

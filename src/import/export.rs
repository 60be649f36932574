//! `anzen export assets [PATH] --format csv|xlsx`: every AssetLedger under
//! PATH (or in one file), merged in path order, written as one table that
//! `anzen import assets` reads back to the same YAML values.
//!
//! One column per field, always all of them (a fixed template), in the order
//! of [`fields::ASSET_FIELDS`], then one column per `x-` note. Japanese
//! headers and words (サーバ, 禁止, はい) by default, field paths and the
//! schema's values with `--headers en`. CSV is UTF-8 with a byte-order mark
//! and CRLF line ends, so Excel opens it as UTF-8; XLSX has real date cells.

use std::io::Write;
use std::path::PathBuf;

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, Workbook,
};
use serde_json::Value;

use crate::document::InputLimits;
use crate::document::model::Kind;
use crate::document::node::Node;
use crate::document::schemas::Schemas;
use crate::import::fields::{self, Field, Ty};
use crate::import::headers;
use crate::import::values;
use crate::kernel::error::Fatal;
use crate::kernel::finding::Lang;
use crate::pipeline::discover::{self, WalkOptions};
use crate::pipeline::load;
use crate::rules::catalog::Catalog;

/// Output format of `anzen export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// What to export and how.
#[derive(Debug)]
pub struct ExportOptions {
    pub path: PathBuf,
    pub format: ExportFormat,
    pub output: Option<PathBuf>,
    /// Write `output` even if it is a symbolic link.
    pub force: bool,
    /// Header and value language.
    pub headers: Lang,
}

/// A cell of the exported table.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    Empty,
    Text(String),
    Number(f64),
    Date(String),
}

impl Out {
    fn text(&self) -> String {
        match self {
            Out::Empty => String::new(),
            Out::Text(s) | Out::Date(s) => s.clone(),
            Out::Number(n) => values::number_text(*n),
        }
    }
}

/// The label of the row above the header that carries the ledger's
/// `reviewed_on` (台帳の見直し日), in the header language; `anzen import`
/// reads it back ([`headers::REVIEWED_ON_LABELS`]).
pub fn reviewed_on_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => headers::REVIEWED_ON_LABELS[0],
        Lang::En => "reviewed_on",
    }
}

/// Runs `anzen export assets`.
pub fn run(opts: &ExportOptions, schemas: &Schemas, out: &mut dyn Write) -> Result<(), Fatal> {
    let (assets, reviewed_on) = read_assets(opts, schemas)?;
    let (head, rows) = table(&assets, opts.headers);
    let reviewed = (reviewed_on_label(opts.headers), reviewed_on);
    let choices = dropdowns(schemas, opts.headers);
    let bytes = match opts.format {
        ExportFormat::Csv => csv_bytes(&reviewed, &head, &rows)?,
        ExportFormat::Xlsx => {
            if opts.output.is_none() {
                return Err(Fatal::Usage(
                    "--format xlsx needs --output FILE (an XLSX file is binary)".into(),
                ));
            }
            xlsx_bytes(&reviewed, &head, &rows, &choices)?
        }
    };
    crate::import::write_output(opts.output.as_deref(), opts.force, &bytes, out)
}

/// Every asset of every AssetLedger under the path, in path order, and the
/// ledgers' `reviewed_on`: the earliest, when they differ (the merged table
/// is only as recently reviewed as its least recently reviewed part), and
/// none if any ledger has none.
fn read_assets(opts: &ExportOptions, schemas: &Schemas) -> Result<(Vec<Value>, Option<String>), Fatal> {
    let catalog = Catalog::builtin(schemas)?;
    let discovered = discover::walk(std::slice::from_ref(&opts.path), &WalkOptions::default())?;
    let all: Vec<usize> = (0..discovered.files.len()).collect();
    let loaded = load::load_files(&discovered, &all, &InputLimits::default(), &catalog);
    let broken: Vec<String> = loaded
        .files
        .iter()
        .filter(|f| f.failed)
        .map(|f| {
            let why = loaded.findings.iter().find(|x| x.file == f.id).map(|x| x.message.en.clone());
            format!("{} ({})", f.source.display(), why.unwrap_or_else(|| "unreadable".into()))
        })
        .collect();
    if !broken.is_empty() {
        return Err(Fatal::Input {
            path: opts.path.display().to_string(),
            message: format!("cannot read {}; nothing exported", broken.join(", ")),
        });
    }
    let mut assets = Vec::new();
    let mut ledgers = 0;
    let mut reviewed: Vec<Option<crate::kernel::date::Date>> = Vec::new();
    for doc in loaded.documents().filter(|d| d.kind == Kind::AssetLedger) {
        ledgers += 1;
        reviewed.push(doc.root.get("reviewed_on").and_then(Node::as_str).and_then(|s| s.parse().ok()));
        if let Some(list) = doc.root.get("assets").and_then(Node::as_seq) {
            assets.extend(list.iter().filter(|a| a.as_map().is_some()).map(Node::to_json));
        }
    }
    if ledgers == 0 {
        return Err(Fatal::Input {
            path: opts.path.display().to_string(),
            message: "no AssetLedger document found".into(),
        });
    }
    let earliest = reviewed.iter().copied().collect::<Option<Vec<_>>>().and_then(|d| d.into_iter().min());
    Ok((assets, earliest.map(|d| d.to_string())))
}

/// The header row and the data rows.
pub fn table(assets: &[Value], lang: Lang) -> (Vec<String>, Vec<Vec<Out>>) {
    let fields = fields::ASSET_FIELDS;
    let mut notes: Vec<String> = Vec::new();
    for a in assets {
        if let Some(m) = a.as_object() {
            for k in m.keys().filter(|k| k.starts_with("x-")) {
                if !notes.contains(k) {
                    notes.push(k.clone());
                }
            }
        }
    }
    let mut head: Vec<String> = fields
        .iter()
        .map(|f| match lang {
            Lang::Ja => f.ja().to_owned(),
            Lang::En => f.path.to_owned(),
        })
        .collect();
    head.extend(notes.iter().cloned());
    let rows = assets
        .iter()
        .map(|a| {
            let mut row: Vec<Out> = fields.iter().map(|f| cell(a, f, lang)).collect();
            row.extend(notes.iter().map(|k| match a.get(k) {
                None | Some(Value::Null) => Out::Empty,
                Some(v) => Out::Text(plain(v)),
            }));
            row
        })
        .collect();
    (head, rows)
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn cell(asset: &Value, field: &Field, lang: Lang) -> Out {
    let mut v = asset;
    for part in field.target().split('.') {
        match v.get(part) {
            Some(next) => v = next,
            None => return Out::Empty,
        }
    }
    match (field.ty, v) {
        (_, Value::Null) => Out::Empty,
        (Ty::Date, Value::String(s)) => Out::Date(s.clone()),
        (Ty::Count, Value::Number(n)) => n.as_f64().map_or(Out::Empty, Out::Number),
        (Ty::Bool, Value::Bool(b)) => Out::Text(
            match (lang, b) {
                (Lang::Ja, true) => "はい",
                (Lang::Ja, false) => "いいえ",
                (Lang::En, true) => "true",
                (Lang::En, false) => "false",
            }
            .to_owned(),
        ),
        (Ty::Enum(table), Value::String(s)) => {
            let word = table.iter().find(|(value, _)| value == s).and_then(|(_, words)| words.first());
            match (lang, word) {
                (Lang::Ja, Some(w)) => Out::Text((*w).to_owned()),
                _ => Out::Text(s.clone()),
            }
        }
        (Ty::List, Value::Array(items)) => {
            let texts: Vec<String> = items.iter().map(plain).collect();
            let sep = if texts.iter().any(|t| t.contains([',', '、', ';', '；'])) { "\n" } else { ", " };
            if texts.is_empty() { Out::Empty } else { Out::Text(texts.join(sep)) }
        }
        (Ty::Services { needed }, Value::Array(items)) => {
            let texts: Vec<String> = items
                .iter()
                .filter(|s| s.get("needed").and_then(Value::as_bool) == Some(needed))
                .filter_map(|s| {
                    let name = s.get("name")?.as_str()?;
                    let port = s.get("port").and_then(Value::as_i64);
                    let reason = s.get("reason").and_then(Value::as_str);
                    Some(values::service_text(name, port, reason))
                })
                .collect();
            if texts.is_empty() { Out::Empty } else { Out::Text(texts.join("\n")) }
        }
        (_, other) => Out::Text(plain(other)),
    }
}

/// The `reviewed_on` row's label and date.
type Reviewed<'a> = (&'a str, Option<String>);

fn csv_bytes(reviewed: &Reviewed<'_>, head: &[String], rows: &[Vec<Out>]) -> Result<Vec<u8>, Fatal> {
    let fail = |e: csv::Error| Fatal::Internal(format!("cannot write CSV: {e}"));
    let mut w =
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).flexible(true).from_writer(Vec::new());
    w.write_record([reviewed.0, reviewed.1.as_deref().unwrap_or("")]).map_err(fail)?;
    // A text cell a spreadsheet would run as a formula gets a leading `'`
    // (docs/decisions.md); `anzen import` drops it again.
    w.write_record(head.iter().map(|h| values::formula_quoted(h).into_owned())).map_err(fail)?;
    for row in rows {
        w.write_record(row.iter().map(|c| match c {
            Out::Text(s) => values::formula_quoted(s).into_owned(),
            other => other.text(),
        }))
        .map_err(fail)?;
    }
    let body = w.into_inner().map_err(|e| Fatal::Internal(format!("cannot write CSV: {e}")))?;
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(body);
    Ok(bytes)
}

/// The sheet's row of column headers (0-based; the `reviewed_on` row is above it).
const HEADER_ROW: u32 = 1;

/// The choices of each column that takes one of a few values: the schema's
/// enum (in Japanese words with `--headers ja`, as the cells are written)
/// and yes/no for booleans. Column index = the field's place in the table.
fn dropdowns(schemas: &Schemas, lang: Lang) -> Vec<(u16, Vec<String>)> {
    let item = &schemas.schema(Kind::AssetLedger)["properties"]["assets"]["items"];
    let mut out = Vec::new();
    for (c, field) in fields::ASSET_FIELDS.iter().enumerate() {
        let choices: Vec<String> = match field.ty {
            Ty::Enum(table) => {
                let mut node = item;
                for part in field.target().split('.') {
                    node = &node["properties"][part];
                }
                let Some(values) = node["enum"].as_array() else { continue };
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|v| {
                        let word = table.iter().find(|(value, _)| *value == v).and_then(|(_, w)| w.first());
                        match (lang, word) {
                            (Lang::Ja, Some(w)) => (*w).to_owned(),
                            _ => v.to_owned(),
                        }
                    })
                    .collect()
            }
            Ty::Bool => match lang {
                Lang::Ja => vec!["はい".into(), "いいえ".into()],
                Lang::En => vec!["true".into(), "false".into()],
            },
            _ => continue,
        };
        out.push((c as u16, choices));
    }
    out
}

fn xlsx_bytes(
    reviewed: &Reviewed<'_>,
    head: &[String],
    rows: &[Vec<Out>],
    choices: &[(u16, Vec<String>)],
) -> Result<Vec<u8>, Fatal> {
    let fail = |e: rust_xlsxwriter::XlsxError| Fatal::Internal(format!("cannot write XLSX: {e}"));
    let mut book = Workbook::new();
    // A fixed creation time keeps the file the same from run to run.
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1).map_err(fail)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let wrap = Format::new().set_text_wrap();
    let sheet = book.add_worksheet();
    sheet.set_name("機器一覧").map_err(fail)?;
    sheet.write_string_with_format(0, 0, reviewed.0, &bold).map_err(fail)?;
    match &reviewed.1 {
        Some(d) => write_date(sheet, 0, 1, d, &date).map_err(fail)?,
        // An empty date cell to fill in.
        None => {
            sheet.write_blank(0, 1, &date).map_err(fail)?;
        }
    }
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, c as u16, h, &bold).map_err(fail)?;
        let width = h.chars().map(|ch| if ch.is_ascii() { 1.0 } else { 2.0 }).sum::<f64>().max(10.0) + 2.0;
        sheet.set_column_width(c as u16, width).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + HEADER_ROW + 1;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                Out::Empty => {}
                Out::Text(s) if s.contains('\n') => {
                    sheet.write_string_with_format(r, c, s, &wrap).map_err(fail)?;
                }
                Out::Text(s) => {
                    sheet.write_string(r, c, s).map_err(fail)?;
                }
                Out::Number(n) => {
                    sheet.write_number(r, c, *n).map_err(fail)?;
                }
                Out::Date(s) => write_date(sheet, r, c, s, &date).map_err(fail)?,
            }
        }
    }
    // A value outside the list only warns: import reads more words than the
    // list shows (仮想サーバ, ○, …).
    let validations = choices
        .iter()
        .map(|(c, list)| {
            let v = DataValidation::new()
                .allow_list_strings(list)?
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_message(
                    "一覧にない値です。anzen import が読める書き方なら「はい」でそのまま入力できます。\n\
                     Not in the list; choose Yes to keep it if anzen import reads the word.",
                )?;
            Ok((*c, v))
        })
        .collect::<Result<Vec<_>, rust_xlsxwriter::XlsxError>>()
        .map_err(fail)?;
    let last_row = HEADER_ROW + rows.len() as u32;
    let last_col = head.len().saturating_sub(1) as u16;
    crate::output::xlsx::table_tools(sheet, HEADER_ROW, last_row, last_col, &validations).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

/// A date as a real date cell; a date Excel cannot hold (before 1900) or
/// text that is no date stays text.
fn write_date(
    sheet: &mut rust_xlsxwriter::Worksheet,
    r: u32,
    c: u16,
    s: &str,
    format: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    if let Ok(d) = s.parse::<crate::kernel::date::Date>() {
        let (y, m, day) = d.ymd();
        if y >= 1900
            && let Ok(dt) = ExcelDateTime::from_ymd(y as u16, m as u8, day as u8)
        {
            sheet.write_datetime_with_format(r, c, &dt, format)?;
            return Ok(());
        }
    }
    sheet.write_string(r, c, s)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value the schemas allow has a word in the import's tables (so
    /// the dropdown's Japanese words read back), and every table value is one
    /// the schema allows.
    #[test]
    fn enum_tables_follow_the_schemas() {
        let schemas = Schemas::load().unwrap();
        for (kind, list, fields) in [
            (Kind::AssetLedger, "assets", fields::ASSET_FIELDS),
            (Kind::AccountInventory, "accounts", fields::ACCOUNT_FIELDS),
        ] {
            let item = &schemas.schema(kind)["properties"][list]["items"];
            for field in fields {
                let Ty::Enum(table) = field.ty else { continue };
                let mut node = item;
                for part in field.target().split('.') {
                    node = &node["properties"][part];
                }
                let schema: Vec<&str> =
                    node["enum"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
                let ours: Vec<&str> = table.iter().map(|(v, _)| *v).collect();
                assert_eq!(ours, schema, "{}", field.path);
                assert!(table.iter().all(|(_, words)| !words.is_empty()), "{}", field.path);
            }
        }
    }

    #[test]
    fn dropdowns_offer_the_words_the_cells_use() {
        let schemas = Schemas::load().unwrap();
        let ja = dropdowns(&schemas, Lang::Ja);
        let type_col = fields::ASSET_FIELDS.iter().position(|f| f.path == "type").unwrap() as u16;
        let (_, types) = ja.iter().find(|(c, _)| *c == type_col).unwrap();
        assert_eq!(
            types,
            &["サーバ", "端末", "ネットワーク機器", "ストレージ", "医療機器", "モバイル", "その他"]
        );
        // One per enum or yes/no column, none for text.
        let expected = fields::ASSET_FIELDS.iter().filter(|f| matches!(f.ty, Ty::Enum(_) | Ty::Bool)).count();
        assert_eq!(ja.len(), expected);
        assert_eq!(dropdowns(&schemas, Lang::En).len(), expected);
    }
}

//! `anzen export assets [PATH] --format csv|xlsx`: every AssetLedger under
//! PATH (or in one file), merged in path order, written as one table that
//! `anzen import assets` reads back to the same YAML values.
//!
//! One column per field, always all of them (a fixed template), in the order
//! of [`headers::ASSET_FIELDS`], then one column per `x-` note. Japanese
//! headers and words (サーバ, 禁止, はい) by default, field paths and the
//! schema's values with `--headers en`. CSV is UTF-8 with a byte-order mark
//! and CRLF line ends, so Excel opens it as UTF-8; XLSX has real date cells.

use std::io::Write;
use std::path::PathBuf;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use serde_json::Value;

use crate::catalog::Catalog;
use crate::discover::{self, WalkOptions};
use crate::error::Fatal;
use crate::finding::Lang;
use crate::import::headers::{self, Field, Ty};
use crate::import::values;
use crate::load::node::Node;
use crate::load::{self, InputLimits};
use crate::model::Kind;
use crate::validate::Schemas;

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

impl ExportOptions {
    /// The options of `anzen export assets`.
    pub fn from_cli(cmd: &crate::cli::ExportCommand) -> ExportOptions {
        let crate::cli::ExportCommand::Assets(args) = cmd;
        ExportOptions {
            path: args.path.clone(),
            format: match args.format {
                crate::cli::ExportFormatArg::Csv => ExportFormat::Csv,
                crate::cli::ExportFormatArg::Xlsx => ExportFormat::Xlsx,
            },
            output: args.output.clone(),
            force: args.force,
            headers: args.headers,
        }
    }
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

/// Runs `anzen export assets`.
pub fn run(opts: &ExportOptions, schemas: &Schemas, out: &mut dyn Write) -> Result<(), Fatal> {
    let assets = read_assets(opts, schemas)?;
    let (head, rows) = table(&assets, opts.headers);
    let bytes = match opts.format {
        ExportFormat::Csv => csv_bytes(&head, &rows)?,
        ExportFormat::Xlsx => {
            if opts.output.is_none() {
                return Err(Fatal::Usage(
                    "--format xlsx needs --output FILE (an XLSX file is binary)".into(),
                ));
            }
            xlsx_bytes(&head, &rows)?
        }
    };
    crate::import::write_output(opts.output.as_deref(), opts.force, &bytes, out)
}

/// Every asset of every AssetLedger under the path, in path order.
fn read_assets(opts: &ExportOptions, schemas: &Schemas) -> Result<Vec<Value>, Fatal> {
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
    for doc in loaded.documents().filter(|d| d.kind == Kind::AssetLedger) {
        ledgers += 1;
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
    Ok(assets)
}

/// The header row and the data rows.
pub fn table(assets: &[Value], lang: Lang) -> (Vec<String>, Vec<Vec<Out>>) {
    let fields = headers::ASSET_FIELDS;
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

fn csv_bytes(head: &[String], rows: &[Vec<Out>]) -> Result<Vec<u8>, Fatal> {
    let fail = |e: csv::Error| Fatal::Internal(format!("cannot write CSV: {e}"));
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
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

fn xlsx_bytes(head: &[String], rows: &[Vec<Out>]) -> Result<Vec<u8>, Fatal> {
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
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(fail)?;
        let width = h.chars().map(|ch| if ch.is_ascii() { 1.0 } else { 2.0 }).sum::<f64>().max(10.0) + 2.0;
        sheet.set_column_width(c as u16, width).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
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
                Out::Date(s) => match s.parse::<crate::date::Date>() {
                    Ok(d) => {
                        let (y, m, day) = d.ymd();
                        let dt = ExcelDateTime::from_ymd(y as u16, m as u8, day as u8);
                        match dt {
                            Ok(dt) if y >= 1900 => {
                                sheet.write_datetime_with_format(r, c, &dt, &date).map_err(fail)?;
                            }
                            _ => {
                                sheet.write_string(r, c, s).map_err(fail)?;
                            }
                        }
                    }
                    Err(()) => {
                        sheet.write_string(r, c, s).map_err(fail)?;
                    }
                },
            }
        }
    }
    book.save_to_buffer().map_err(fail)
}

//! `anzen import assets|accounts FILE`: a spreadsheet (XLSX or CSV) → an
//! `AssetLedger` or `AccountInventory` YAML document; and `anzen export
//! assets` ([`export`]): the ledger back out as CSV or XLSX.
//!
//! ```text
//! table ──► sheet, headers ──► importer (per row) ──► emit ──► verify ──► output
//! rows of   which sheet, which   convert + values:      YAML     re-read by the
//! cells     column is which      cell → field value     text     loader + schema
//! ```
//!
//! The rooms, in that order: [`table`] (XLSX/CSV → rows of cells), `sheet`
//! (which sheet, where its header is), [`headers`] (which column is which
//! field) over [`fields`] (the field and word tables, pure data) and
//! [`mapfile`] (`--map`); `importer` (rows → items, problems, counts),
//! `convert` (one cell → one field's value) over [`values`] (the cell
//! readers) and [`refs`] (`--repo`: names → ids); `defaults` (`--default`,
//! top-level entries); [`emit`] (the YAML writer) and `verify`. `options` and
//! `problem` hold the types the caller sees; [`export`] goes the other way.
//! Nothing here knows the command line: `cli::import_opts` turns clap's
//! arguments into [`Options`] and [`export::ExportOptions`].
//!
//! A cell that cannot be read is a [`Problem`] at its address
//! (`台帳.xlsx:機器一覧!F23`, `assets.csv:F23`); its field is left out and the
//! row is still imported. Rows without an id are reported and skipped.
//! Problems and the summary go to the `err` stream, the YAML to `--output`
//! or `out`, so a pipe only ever carries YAML.

mod convert;
mod defaults;
pub mod emit;
pub mod export;
pub mod fields;
pub mod headers;
mod importer;
pub mod mapfile;
mod options;
mod problem;
pub mod refs;
mod sheet;
pub mod table;
pub mod values;
mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::document::schemas::Schemas;
use crate::kernel::error::Fatal;
use crate::kernel::finding::Lang;

pub use options::Options;
pub use problem::{Consequence, Problem, Summary};

use defaults::{parse_defaults, top_entries};
use headers::Headers;
use importer::Importer;
use mapfile::MapFile;
use problem::Place;
use sheet::{choose_sheet, not_a_header};

/// The result of reading a spreadsheet: the YAML text, the problems and the counts.
#[derive(Debug)]
pub struct Imported {
    pub yaml: String,
    pub value: Value,
    pub problems: Vec<Problem>,
    pub summary: Summary,
}

/// Runs `anzen import`: reads, converts, checks, writes the YAML to
/// `--output` or `out`, and the problems and summary to `err`.
pub fn run(
    opts: &Options,
    schemas: &Schemas,
    lang: Lang,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Fatal> {
    let imported = import(opts, schemas)?;
    let mut report = String::new();
    // Addresses, headers and cells come from the vendor's spreadsheet: one
    // line each, with controls and bidi overrides shown as `\u{…}`.
    for p in &imported.problems {
        report.push_str(&crate::kernel::escape::visible_line(&p.render(lang)));
        report.push('\n');
    }
    let file = opts.file.display().to_string();
    report.push_str(&format!(
        "{}: {}\n",
        crate::kernel::escape::visible_line(&file),
        imported.summary.render(lang)
    ));
    let _ = err.write_all(report.as_bytes());
    let _ = err.flush();
    if opts.strict && !imported.problems.is_empty() {
        return Err(Fatal::Strict { count: imported.problems.len() });
    }
    write_output(opts.output.as_deref(), opts.force, imported.yaml.as_bytes(), out)
}

/// Writes `bytes` to `path` (never through a symbolic link unless `force`),
/// or to `out` (a closed pipe is not an error).
pub fn write_output(
    path: Option<&Path>,
    force: bool,
    bytes: &[u8],
    out: &mut dyn Write,
) -> Result<(), Fatal> {
    match path {
        Some(p) => crate::kernel::fsutil::write(p, bytes, force),
        None => match out.write_all(bytes).and_then(|()| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|e| Fatal::Write { path: PathBuf::from("<stdout>"), source: e }),
        },
    }
}

/// Reads the spreadsheet and builds the document (nothing is written).
pub fn import(opts: &Options, schemas: &Schemas) -> Result<Imported, Fatal> {
    let target = opts.target;
    let display = opts.file.display().to_string();
    let map = match &opts.map {
        Some(p) => MapFile::load(p, target)?,
        None => MapFile::default(),
    };
    let headers = Headers::new(target, &map);
    let refs = match &opts.repo {
        Some(dir) => refs::Refs::load(dir, schemas)?,
        None => refs::Refs::default(),
    };
    let defaults = parse_defaults(opts, &map, &refs, target)?;
    let top = top_entries(opts, &refs, target)?;

    let source = table::open(&opts.file, &display, opts.encoding)?;
    let (mut table, buffered, header, used) =
        choose_sheet(source, opts.sheet.as_deref(), &display, &headers)?;
    let file_name =
        opts.file.file_name().map_or_else(|| display.clone(), |n| n.to_string_lossy().into_owned());
    let place = Place { display: display.clone(), file_name, sheet: table.sheet.clone() };
    let columns = header.columns.clone();
    let header_rows = header.rows;
    let header_top = header.rows.0;
    let mut importer = Importer::new(target, &map, &refs, place, header, defaults);
    let mut top = top;
    if target.kind == crate::document::model::Kind::AssetLedger && !top.contains_key("reviewed_on") {
        // The review date `anzen export` writes above the header.
        let above = buffered.iter().take_while(|r| r.number < header_top).count();
        if let Some((row, col, cell)) = headers::reviewed_on_cell(&buffered[..above]) {
            match values::date(cell) {
                Ok(d) => {
                    top.insert("reviewed_on".into(), Value::String(d.to_string()));
                }
                Err(why) => importer.problems.insert(
                    0,
                    Problem {
                        address: importer.place.cell(col, row),
                        field: Some("reviewed_on".into()),
                        value: Some(cell.display()),
                        reason: why,
                        consequence: Consequence::FieldLeftOut,
                    },
                ),
            }
        }
    }
    for row in &buffered[used..] {
        not_a_header(row, &columns, header_rows, &headers, &importer.place)?;
        importer.row(row);
    }
    while let Some(row) = table.next_row()? {
        not_a_header(&row, &columns, header_rows, &headers, &importer.place)?;
        importer.row(&row);
    }
    importer.finish(&top, schemas)
}

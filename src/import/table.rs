//! Reading a spreadsheet into rows of cells, each with its address.
//!
//! * XLSX (and XLSM) through `calamine`'s streaming cell reader: only the
//!   cells that exist are kept (a stray cell at `XFD1048576` costs nothing),
//!   and merged regions are filled with their top-left value, so a location
//!   merged over three rows applies to all three.
//! * CSV (or tab-separated) through `csv`, one record at a time, after the
//!   bytes are decoded: UTF-8 (with or without BOM), UTF-16 with BOM, or
//!   Shift_JIS (CP932), chosen by `--encoding` or detected.
//!
//! Rows are numbered from 1 as Excel shows them (for CSV: the record number,
//! which is the line number unless a quoted cell spans lines).

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek};
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

use crate::error::Fatal;
use crate::import::values::Cell;

/// Largest spreadsheet file read (bytes).
const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;
/// Most non-empty cells read from one sheet.
const MAX_CELLS: usize = 20_000_000;
/// Most merged regions honoured in one sheet.
const MAX_MERGES: usize = 100_000;
/// Widest row kept (Excel's own limit is 16 384 columns).
const MAX_COLUMNS: u32 = 16_384;

/// Text encoding of a CSV file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// BOM → UTF-8 or UTF-16; valid UTF-8 → UTF-8; otherwise Shift_JIS (CP932).
    #[default]
    Auto,
    Utf8,
    ShiftJis,
}

/// One row: its number and its cells by column (index 0 is column A).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub number: u32,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn cell(&self, col: u32) -> &Cell {
        self.cells.get(col as usize).unwrap_or(&Cell::Empty)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }
}

/// The column letters of a 0-based column: 0 → `A`, 26 → `AA`.
pub fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// A sheet being read, row by row.
pub struct Table {
    /// The sheet name (XLSX only).
    pub sheet: Option<String>,
    /// What the file was read as, for the report (`xlsx`, `utf-8`, `shift_jis`, …).
    pub format: &'static str,
    rows: Rows,
}

enum Rows {
    Sheet(std::collections::btree_map::IntoIter<u32, Vec<Cell>>),
    Csv {
        reader: csv::Reader<Cursor<Vec<u8>>>,
        /// Row number of the last record read.
        number: u32,
        /// Line on which the last record ended.
        end_line: u64,
        display: String,
    },
}

impl Table {
    /// The next row that has at least one cell, in order.
    pub fn next_row(&mut self) -> Result<Option<Row>, Fatal> {
        match &mut self.rows {
            Rows::Sheet(it) => Ok(it.next().map(|(number, cells)| Row { number, cells })),
            Rows::Csv { reader, number, end_line, display } => {
                let mut record = csv::StringRecord::new();
                match reader.read_record(&mut record) {
                    Ok(false) => Ok(None),
                    Ok(true) => {
                        // The csv reader skips empty lines; Excel shows each
                        // as a row, so they count.
                        let start = record.position().map_or(*end_line + 1, csv::Position::line);
                        let skipped = start.saturating_sub(*end_line + 1);
                        *number = number
                            .saturating_add(1)
                            .saturating_add(u32::try_from(skipped).unwrap_or(u32::MAX));
                        let breaks: usize = record.iter().map(|f| f.matches('\n').count()).sum();
                        *end_line = start + breaks as u64;
                        let cells = record
                            .iter()
                            .take(MAX_COLUMNS as usize)
                            .map(|s| if s.is_empty() { Cell::Empty } else { Cell::Text(unquoted(s)) })
                            .collect();
                        Ok(Some(Row { number: *number, cells }))
                    }
                    Err(e) => Err(Fatal::Input {
                        path: display.clone(),
                        message: format!("CSV row {}: {e}", *number + 1),
                    }),
                }
            }
        }
    }
}

/// A CSV cell's text, without the `'` that `anzen export` (and other tools
/// following OWASP's advice) puts before text a spreadsheet would run as a
/// formula.
fn unquoted(s: &str) -> String {
    crate::import::values::formula_unquoted(s).to_owned()
}

/// Opens `path`: a workbook (by its zip signature) or else CSV.
/// `sheet`: the sheet to read; `None` gives every sheet in workbook order,
/// for the caller to choose from.
pub fn open(path: &Path, display: &str, encoding: Encoding) -> Result<Source, Fatal> {
    let meta = std::fs::metadata(path).map_err(|e| Fatal::Path { path: path.to_path_buf(), source: e })?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(Fatal::Input {
            path: display.to_owned(),
            message: format!("the file is larger than {} MiB", MAX_FILE_SIZE / 1024 / 1024),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Fatal::Path { path: path.to_path_buf(), source: e })?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if bytes.starts_with(b"PK\x03\x04") || ext == "xlsx" || ext == "xlsm" {
        let book = Xlsx::new(Cursor::new(bytes)).map_err(|e| Fatal::Input {
            path: display.to_owned(),
            message: format!("not a readable XLSX workbook: {e}"),
        })?;
        return Ok(Source::Workbook(Box::new(book)));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) || ext == "xls" || ext == "ods" {
        return Err(Fatal::Input {
            path: display.to_owned(),
            message: "only .xlsx workbooks and CSV files can be imported; save the workbook as .xlsx".into(),
        });
    }
    let tab = ext == "tsv";
    csv_table(bytes, display, encoding, tab).map(|t| Source::Csv(Box::new(t)))
}

/// An opened input.
pub enum Source {
    Workbook(Box<Xlsx<Cursor<Vec<u8>>>>),
    Csv(Box<Table>),
}

impl Source {
    /// Sheet names in workbook order (none for CSV).
    pub fn sheet_names(&self) -> Vec<String> {
        match self {
            Source::Workbook(book) => book.sheet_names(),
            Source::Csv(_) => Vec::new(),
        }
    }
}

/// Reads one worksheet into sparse rows, merged regions filled in.
pub fn sheet<RS: Read + Seek>(book: &mut Xlsx<RS>, name: &str, display: &str) -> Result<Table, Fatal> {
    let err = |e: calamine::XlsxError| Fatal::Input {
        path: display.to_owned(),
        message: format!("sheet `{name}` cannot be read: {e}"),
    };
    let merges = book.merge_cells_by_sheet_name(name).map_err(err)?;
    let mut rows: BTreeMap<u32, Vec<Cell>> = BTreeMap::new();
    let mut count = 0usize;
    {
        let mut reader = book.worksheet_cells_reader(name).map_err(err)?;
        while let Some(cell) = reader.next_cell().map_err(err)? {
            let (r, c) = cell.get_position();
            if c >= MAX_COLUMNS {
                continue;
            }
            let value = convert(cell.get_value());
            if value == Cell::Empty {
                continue;
            }
            count += 1;
            if count > MAX_CELLS {
                return Err(Fatal::Input {
                    path: display.to_owned(),
                    message: format!("sheet `{name}` has more than {MAX_CELLS} cells"),
                });
            }
            let row = rows.entry(r + 1).or_default();
            if row.len() <= c as usize {
                row.resize(c as usize + 1, Cell::Empty);
            }
            row[c as usize] = value;
        }
    }
    for m in merges.iter().take(MAX_MERGES) {
        let (r0, c0) = m.start;
        let (r1, c1) = (m.end.0, m.end.1.min(MAX_COLUMNS - 1));
        let Some(top_left) =
            rows.get(&(r0 + 1)).map(|row| row.get(c0 as usize).cloned().unwrap_or(Cell::Empty))
        else {
            continue;
        };
        if top_left == Cell::Empty || r1.saturating_sub(r0) > 10_000 || c1.saturating_sub(c0) > 1_000 {
            continue;
        }
        for r in r0..=r1 {
            let row = rows.entry(r + 1).or_default();
            if row.len() <= c1 as usize {
                row.resize(c1 as usize + 1, Cell::Empty);
            }
            for c in c0..=c1 {
                if (r, c) != (r0, c0) && row[c as usize] == Cell::Empty {
                    row[c as usize] = top_left.clone();
                }
            }
        }
    }
    Ok(Table { sheet: Some(name.to_owned()), format: "xlsx", rows: Rows::Sheet(rows.into_iter()) })
}

fn convert(v: &DataRef<'_>) -> Cell {
    match v {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) => text_cell(s),
        DataRef::SharedString(s) => text_cell(s),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Serial { value: dt.as_f64(), ymd: (i64::from(y), u32::from(m), u32::from(d)) }
        }
        DataRef::DateTime(dt) => Cell::Number(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text_cell(s),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

fn text_cell(s: &str) -> Cell {
    if s.is_empty() { Cell::Empty } else { Cell::Text(s.to_owned()) }
}

fn csv_table(bytes: Vec<u8>, display: &str, encoding: Encoding, tab: bool) -> Result<Table, Fatal> {
    let (text, format) = decode(&bytes, display, encoding)?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter =
        if tab || (first_line.contains('\t') && !first_line.contains(',')) { b'\t' } else { b',' };
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(Cursor::new(text.into_bytes()));
    Ok(Table {
        sheet: None,
        format,
        rows: Rows::Csv { reader, number: 0, end_line: 0, display: display.to_owned() },
    })
}

/// Decodes CSV bytes to text; the byte-order mark is dropped.
pub fn decode(bytes: &[u8], display: &str, encoding: Encoding) -> Result<(String, &'static str), Fatal> {
    let input_err = |message: String| Fatal::Input { path: display.to_owned(), message };
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        if encoding == Encoding::ShiftJis {
            return Err(input_err(format!(
                "the file starts with a {} byte-order mark, not Shift_JIS; drop --encoding",
                enc.name()
            )));
        }
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(input_err(format!("the file is not valid {} text", enc.name())));
        }
        let format = if enc == encoding_rs::UTF_8 { "utf-8 (BOM)" } else { "utf-16" };
        return check_text(text.into_owned(), display).map(|t| (t, format));
    }
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err(input_err("this is a binary file, not CSV or XLSX".into()));
    }
    let utf8 = std::str::from_utf8(bytes);
    match (encoding, utf8) {
        (Encoding::Utf8 | Encoding::Auto, Ok(s)) => check_text(s.to_owned(), display).map(|t| (t, "utf-8")),
        (Encoding::Utf8, Err(e)) => Err(input_err(format!(
            "the file is not valid UTF-8 (byte {}); try --encoding shift_jis",
            e.valid_up_to() + 1
        ))),
        (Encoding::ShiftJis, _) | (Encoding::Auto, Err(_)) => {
            let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
            if had_errors {
                let hint = if encoding == Encoding::Auto { "neither UTF-8 nor " } else { "not valid " };
                return Err(input_err(format!("the file is {hint}Shift_JIS (CP932) text")));
            }
            check_text(text.into_owned(), display).map(|t| (t, "shift_jis"))
        }
    }
}

fn check_text(text: String, display: &str) -> Result<String, Fatal> {
    // Text with many control characters is not a CSV file.
    let controls =
        text.chars().take(8192).filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')).count();
    if controls > 8 {
        return Err(Fatal::Input {
            path: display.to_owned(),
            message: "this is a binary file, not CSV or XLSX".into(),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(16_383), "XFD");
    }

    #[test]
    fn decodes_and_detects() {
        let sjis = encoding_rs::SHIFT_JIS.encode("機器ID,種別\n").0.into_owned();
        assert_eq!(decode(&sjis, "f", Encoding::Auto).unwrap(), ("機器ID,種別\n".to_owned(), "shift_jis"));
        assert!(decode(&sjis, "f", Encoding::Utf8).is_err());
        let bom = [b"\xEF\xBB\xBF".as_slice(), "機器ID".as_bytes()].concat();
        assert_eq!(decode(&bom, "f", Encoding::Auto).unwrap(), ("機器ID".to_owned(), "utf-8 (BOM)"));
        assert_eq!(decode("機器ID".as_bytes(), "f", Encoding::Auto).unwrap().1, "utf-8");
        assert_eq!(decode("機器ID".as_bytes(), "f", Encoding::ShiftJis).unwrap().1, "shift_jis");
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("ID\tA".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16, "f", Encoding::Auto).unwrap(), ("ID\tA".to_owned(), "utf-16"));
        assert!(decode(b"PK\0\0\x01\x02", "f", Encoding::Auto).is_err());
        assert!(decode(&[0x82, 0xA0, 0xFF, 0xFF], "f", Encoding::Auto).is_err());
    }
}

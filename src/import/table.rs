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

use crate::import::values::Cell;
use crate::kernel::error::Fatal;

/// Largest spreadsheet file read (bytes).
const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;
/// Most non-empty cells read from one sheet.
const MAX_CELLS: usize = 20_000_000;
/// Most merged regions in one sheet (after identical ones are merged).
const MAX_MERGES: usize = 100_000;
/// Most cells that merged regions may fill in one sheet.
const MAX_MERGE_FILL: usize = 2_000_000;
/// Widest row kept (Excel's own limit is 16 384 columns).
const MAX_COLUMNS: u32 = 16_384;

/// Bounds on a workbook's parts, checked by decompressing them (sizes in
/// the zip directory can lie) before calamine reads anything.
#[derive(Clone, Copy, Debug)]
pub struct BookLimits {
    /// Most parts (files) in the zip.
    pub max_parts: usize,
    /// Largest decompressed part (a worksheet's XML).
    pub max_part_bytes: u64,
    /// Largest decompressed total.
    pub max_total_bytes: u64,
    /// Largest decompressed shared-strings table.
    pub max_shared_strings_bytes: u64,
    /// Most shared strings, declared (`uniqueCount`, which calamine reserves
    /// room for) or present.
    pub max_shared_strings: u64,
}

impl Default for BookLimits {
    fn default() -> Self {
        BookLimits {
            max_parts: 10_000,
            max_part_bytes: 1024 * 1024 * 1024,
            max_total_bytes: 2 * 1024 * 1024 * 1024,
            max_shared_strings_bytes: 128 * 1024 * 1024,
            max_shared_strings: 4_000_000,
        }
    }
}

/// Text encoding of a CSV file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// BOM → UTF-8 or UTF-16; valid UTF-8 → UTF-8; otherwise Shift_JIS (CP932).
    #[default]
    Auto,
    Utf8,
    ShiftJis,
}

/// One row: its number and its non-empty cells by column (0 is column A),
/// in column order. Sparse, so a lone cell at column XFD costs one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub number: u32,
    pub cells: Vec<(u32, Cell)>,
}

impl Row {
    /// A row from dense cells (index 0 is column A); empty cells are dropped.
    pub fn dense(number: u32, cells: Vec<Cell>) -> Row {
        let cells = cells
            .into_iter()
            .enumerate()
            .filter(|(_, c)| *c != Cell::Empty)
            .map(|(i, c)| (i as u32, c))
            .collect();
        Row { number, cells }
    }

    pub fn cell(&self, col: u32) -> &Cell {
        match self.cells.binary_search_by_key(&col, |(c, _)| *c) {
            Ok(i) => &self.cells[i].1,
            Err(_) => &Cell::Empty,
        }
    }

    /// One past the last column with a cell.
    pub fn width(&self) -> u32 {
        self.cells.last().map_or(0, |(c, _)| c + 1)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|(_, c)| c.is_blank())
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
    Sheet(std::collections::btree_map::IntoIter<u32, Vec<(u32, Cell)>>),
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
                            .enumerate()
                            .filter(|(_, s)| !s.is_empty())
                            .map(|(i, s)| (i as u32, Cell::Text(unquoted(s))))
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
        prescan(&bytes, display, &BookLimits::default())?;
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

/// Measures every part of a workbook by decompressing it, before calamine
/// reads it: a few kilobytes of zip can inflate to gigabytes, and calamine
/// reserves room for as many shared strings as the table declares.
pub fn prescan(bytes: &[u8], display: &str, limits: &BookLimits) -> Result<(), Fatal> {
    let fail = |message: String| Fatal::Input { path: display.to_owned(), message };
    let unreadable = |e: &dyn std::fmt::Display| fail(format!("not a readable XLSX workbook: {e}"));
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if zip.len() > limits.max_parts {
        return Err(fail(format!(
            "the workbook has {} parts, more than {}; it is not a spreadsheet anzen reads",
            zip.len(),
            limits.max_parts
        )));
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let name = part.name().map_err(|e| unreadable(&e))?.into_owned();
        let shared = name.rsplit('/').next().is_some_and(|n| n.eq_ignore_ascii_case("sharedStrings.xml"));
        let limit = if shared { limits.max_shared_strings_bytes } else { limits.max_part_bytes };
        let mut size: u64 = 0;
        let mut strings = StringCounter::default();
        loop {
            let n = part.read(&mut buf).map_err(|e| unreadable(&e))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if size > limit {
                return Err(fail(format!(
                    "part `{name}` of the workbook decompresses to more than {} MiB; anzen stops rather than fill memory",
                    limit / 1024 / 1024
                )));
            }
            if total > limits.max_total_bytes {
                return Err(fail(format!(
                    "the workbook decompresses to more than {} MiB; anzen stops rather than fill memory",
                    limits.max_total_bytes / 1024 / 1024
                )));
            }
            if shared {
                strings.feed(&buf[..n]);
                let most = strings.declared.unwrap_or(0).max(strings.present);
                if most > limits.max_shared_strings {
                    return Err(fail(format!(
                        "the workbook's shared-strings table has more than {} strings ({most} declared or present); anzen stops rather than fill memory",
                        limits.max_shared_strings
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Counts `<si` elements of a shared-strings table as it streams past, and
/// reads the `uniqueCount` its `<sst>` declares.
#[derive(Default)]
struct StringCounter {
    /// The last bytes of the previous chunk, so a tag split between chunks counts.
    carry: Vec<u8>,
    /// The start of the stream, until the `<sst …>` tag has been read.
    head: Vec<u8>,
    head_done: bool,
    declared: Option<u64>,
    present: u64,
}

impl StringCounter {
    fn feed(&mut self, chunk: &[u8]) {
        if !self.head_done {
            self.head.extend_from_slice(&chunk[..chunk.len().min(64 * 1024)]);
            if let Some(tag) = find(&self.head, b"sst").map(|i| &self.head[i..])
                && let Some(end) = tag.iter().position(|&b| b == b'>')
            {
                self.declared = unique_count(&tag[..end]);
                self.head_done = true;
            }
            if self.head.len() >= 64 * 1024 {
                self.head_done = true;
            }
            if self.head_done {
                self.head = Vec::new();
            }
        }
        let mut window = std::mem::take(&mut self.carry);
        window.extend_from_slice(chunk);
        // `<si>`, `<si …>`, `<x:si>`: an `si` element start, not `<sst`.
        self.present += window
            .windows(4)
            .filter(|w| {
                (w[0] == b'<' || w[0] == b':')
                    && w[1] == b's'
                    && w[2] == b'i'
                    && matches!(w[3], b'>' | b' ' | b'/')
            })
            .count() as u64;
        let keep = window.len().min(3);
        self.carry = window[window.len() - keep..].to_vec();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `uniqueCount="N"` inside a start tag.
fn unique_count(tag: &[u8]) -> Option<u64> {
    let at = find(tag, b"uniqueCount")?;
    let rest = &tag[at + b"uniqueCount".len()..];
    let digits: Vec<u8> = rest
        .iter()
        .skip_while(|b| matches!(b, b'=' | b'"' | b'\'' | b' '))
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    if digits.is_empty() {
        return None;
    }
    // A number too long for u64 is certainly too many.
    Some(std::str::from_utf8(&digits).ok()?.parse().unwrap_or(u64::MAX))
}

/// Reads one worksheet into sparse rows, merged regions filled in.
pub fn sheet<RS: Read + Seek>(book: &mut Xlsx<RS>, name: &str, display: &str) -> Result<Table, Fatal> {
    let err = |e: calamine::XlsxError| Fatal::Input {
        path: display.to_owned(),
        message: format!("sheet `{name}` cannot be read: {e}"),
    };
    let too_many = |message: String| Fatal::Input { path: display.to_owned(), message };
    let mut merges = book.merge_cells_by_sheet_name(name).map_err(err)?;
    // The same region written many times is one region.
    merges.sort_unstable_by_key(|m| (m.start, m.end));
    merges.dedup_by_key(|m| (m.start, m.end));
    if merges.len() > MAX_MERGES {
        return Err(too_many(format!(
            "sheet `{name}` has {} merged regions, more than {MAX_MERGES}",
            merges.len()
        )));
    }
    let mut rows: BTreeMap<u32, Vec<(u32, Cell)>> = BTreeMap::new();
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
                return Err(too_many(format!("sheet `{name}` has more than {MAX_CELLS} cells")));
            }
            rows.entry(r.saturating_add(1)).or_default().push((c, value));
        }
    }
    // Cells come in row order, usually in column order; a sheet written
    // otherwise is put in order (the first cell written for a column wins).
    for cells in rows.values_mut() {
        if !cells.is_sorted_by_key(|(c, _)| *c) {
            cells.sort_by_key(|(c, _)| *c);
        }
        cells.dedup_by_key(|(c, _)| *c);
    }
    let mut filled = 0usize;
    let mut touched: Vec<u32> = Vec::new();
    for m in &merges {
        let (r0, c0) = m.start;
        let (r1, c1) = (m.end.0, m.end.1.min(MAX_COLUMNS - 1));
        let top_left = rows
            .get(&(r0 + 1))
            .map(|row| row.binary_search_by_key(&c0, |(c, _)| *c).map_or(Cell::Empty, |i| row[i].1.clone()));
        let Some(top_left) = top_left else { continue };
        if top_left == Cell::Empty || r1.saturating_sub(r0) > 10_000 || c1.saturating_sub(c0) > 1_000 {
            continue;
        }
        let area = (r1 - r0 + 1) as usize * (c1.saturating_sub(c0) + 1) as usize;
        filled += area;
        if filled > MAX_MERGE_FILL {
            return Err(too_many(format!(
                "sheet `{name}`: merged regions cover more than {MAX_MERGE_FILL} cells"
            )));
        }
        for r in r0..=r1 {
            let row = rows.entry(r + 1).or_default();
            row.extend((c0..=c1).filter(|&c| (r, c) != (r0, c0)).map(|c| (c, top_left.clone())));
            touched.push(r + 1);
        }
    }
    // Filled cells were appended: sort them in, the cell already there wins
    // (a stable sort keeps it first).
    touched.sort_unstable();
    touched.dedup();
    for r in touched {
        if let Some(cells) = rows.get_mut(&r) {
            cells.sort_by_key(|(c, _)| *c);
            cells.dedup_by_key(|(c, _)| *c);
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

    /// A zip of `parts` (name, text), deflated.
    fn zip_of(parts: &[(&str, String)]) -> Vec<u8> {
        use std::io::Write;
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in parts {
            out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(text.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn prescan_measures_what_the_parts_inflate_to() {
        let small = BookLimits {
            max_parts: 3,
            max_part_bytes: 10_000,
            max_total_bytes: 15_000,
            max_shared_strings_bytes: 5_000,
            max_shared_strings: 50,
        };
        let ok = zip_of(&[("xl/worksheets/sheet1.xml", " ".repeat(9_000))]);
        assert!(prescan(&ok, "f", &small).is_ok());
        let err = |bytes: &[u8]| prescan(bytes, "f", &small).unwrap_err().to_string();
        // Deflate makes 10 KB of spaces a few bytes: the size is measured, not read from the directory.
        let big = zip_of(&[("xl/worksheets/sheet1.xml", " ".repeat(10_001))]);
        assert!(big.len() < 200);
        assert!(
            err(&big).contains("part `xl/worksheets/sheet1.xml` of the workbook decompresses to more than")
        );
        let total = zip_of(&[("a.xml", " ".repeat(8_000)), ("b.xml", " ".repeat(8_000))]);
        assert!(err(&total).contains("the workbook decompresses to more than"));
        let parts: Vec<(&str, String)> = ["a", "b", "c", "d"].iter().map(|n| (*n, String::new())).collect();
        assert!(err(&zip_of(&parts)).contains("has 4 parts, more than 3"));
        let sst = |body: String| zip_of(&[("xl/sharedStrings.xml", body)]);
        assert!(err(&sst(" ".repeat(5_001))).contains("part `xl/sharedStrings.xml`"));
        let declared =
            sst("<?xml version=\"1.0\"?><sst xmlns=\"x\" count=\"3\" uniqueCount=\"51\"></sst>".into());
        assert!(err(&declared).contains("more than 50 strings (51 declared or present)"));
        let present = sst(format!("<sst uniqueCount=\"1\">{}</sst>", "<si><t>a</t></si>".repeat(51)));
        assert!(err(&present).contains("(51 declared or present)"));
        let fine = sst(format!("<sst uniqueCount=\"50\">{}</sst>", "<si><t>a</t></si>".repeat(50)));
        assert!(prescan(&fine, "f", &small).is_ok());
        assert!(err(b"PK\x03\x04 not a zip").contains("not a readable XLSX workbook"));
    }

    #[test]
    fn string_counter_sees_tags_split_between_chunks() {
        let mut c = StringCounter::default();
        for chunk in ["<sst uniqueCount=\"7\"><s", "i><t>a</t></si><", "si>", "<x:si/>"] {
            c.feed(chunk.as_bytes());
        }
        assert_eq!((c.declared, c.present), (Some(7), 3));
    }

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

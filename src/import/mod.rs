//! `anzen import assets|accounts FILE`: a spreadsheet (XLSX or CSV) → an
//! `AssetLedger` or `AccountInventory` YAML document; and `anzen export
//! assets` ([`export`]): the ledger back out as CSV or XLSX.
//!
//! ```text
//! table ──► headers ──► values (per cell) ──► emit ──► re-read + schema check ──► output
//! rows of    which column   date, enum, bool…   YAML      the loader and the
//! cells      is which field problems per cell   text      AssetLedger schema
//! ```
//!
//! A cell that cannot be read is a [`Problem`] at its address
//! (`台帳.xlsx:機器一覧!F23`, `assets.csv:F23`); its field is left out and the
//! row is still imported. Rows without an id are reported and skipped.
//! Problems and the summary go to the `err` stream, the YAML to `--output`
//! or `out`, so a pipe only ever carries YAML.

pub mod emit;
pub mod export;
pub mod fields;
pub mod headers;
pub mod mapfile;
pub mod refs;
pub mod table;
pub mod values;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::Fatal;
use crate::finding::{Lang, Text};
use crate::load::API_VERSION;
use crate::load::yaml;
use crate::validate::{self, Schemas};

use fields::{Field, Target, Ty, Use};
use headers::{Column, Headers};
use mapfile::MapFile;
use table::{Encoding, Row, Source, Table, column_name};
use values::Cell;

/// Objects whose fields are required once the object exists.
const GROUP_REQUIRED: &[(&str, &[&str])] = &[
    ("os", &["name"]),
    ("patch", &["last_applied_on"]),
    ("remote_maintenance", &["used"]),
    ("admin_credential", &["changed_from_default", "unique_to_device"]),
    ("anti_malware", &["kind"]),
    ("management_access", &["from_internet"]),
];

/// What to import and how (from the command line).
#[derive(Debug)]
pub struct Options {
    pub target: &'static Target,
    pub file: PathBuf,
    pub sheet: Option<String>,
    pub map: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// Write `output` even if it is a symbolic link.
    pub force: bool,
    pub encoding: Encoding,
    pub strict: bool,
    /// `FIELD=VALUE` from `--default`.
    pub defaults: Vec<String>,
    /// `--repo DIR`: the hospital's directory whose VendorRegistry and
    /// SystemCatalog turn names into ids ([`refs`]).
    pub repo: Option<PathBuf>,
    /// Top-level entries written before the list, e.g. `("reviewed_on", "R7.4.1")`
    /// (dates are normalised) or `("system", "sys-ehr")`.
    pub top: Vec<(&'static str, String)>,
}

impl Options {
    /// The options of `anzen import assets|accounts`.
    pub fn from_cli(cmd: &crate::cli::ImportCommand) -> Options {
        use crate::cli::{CsvEncoding, ImportCommand};
        let (target, common, top) = match cmd {
            ImportCommand::Assets { common, reviewed_on } => {
                let top = reviewed_on.iter().map(|d| ("reviewed_on", d.clone())).collect();
                (&fields::ASSETS, common, top)
            }
            ImportCommand::Accounts { common, system, exported_on } => {
                let mut top = vec![("system", system.clone())];
                top.extend(exported_on.iter().map(|d| ("exported_on", d.clone())));
                (&fields::ACCOUNTS, common, top)
            }
        };
        Options {
            target,
            file: common.file.clone(),
            sheet: common.sheet.clone(),
            map: common.map.clone(),
            output: common.output.clone(),
            force: common.force,
            encoding: match common.encoding {
                CsvEncoding::Auto => Encoding::Auto,
                CsvEncoding::Utf8 => Encoding::Utf8,
                CsvEncoding::ShiftJis => Encoding::ShiftJis,
            },
            strict: common.strict,
            defaults: common.defaults.clone(),
            repo: common.repo.clone(),
            top,
        }
    }
}

/// A problem with one cell, column or row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `台帳.xlsx:機器一覧!F23`, `assets.csv:F23`, or the file (and sheet)
    /// for a problem with the whole sheet.
    pub address: String,
    /// The field (path) or column header concerned.
    pub field: Option<String>,
    /// The cell's text.
    pub value: Option<String>,
    pub reason: Text,
    pub consequence: Consequence,
}

/// What anzen did about a problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Consequence {
    /// The field was left out of the row's item.
    FieldLeftOut,
    /// That part of the cell (one service of several) was left out.
    PartLeftOut,
    /// The row was not imported.
    RowSkipped,
    /// The column's cells were kept under this `x-` key.
    KeptAsNote(String),
    /// The column was not imported.
    ColumnIgnored,
    /// A required field is missing; `anzen check` will report it (DOC-002).
    RequiredMissing,
}

impl Problem {
    /// One line, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let mut s = format!("{}: ", self.address);
        if let Some(f) = &self.field {
            s.push_str(f);
            s.push_str(": ");
        }
        if let Some(v) = &self.value {
            let shown = preview(v);
            match lang {
                Lang::Ja => s.push_str(&format!("「{shown}」: ")),
                Lang::En => s.push_str(&format!("\"{shown}\": ")),
            }
        }
        s.push_str(self.reason.get(lang));
        let then = match &self.consequence {
            Consequence::FieldLeftOut => Text::new("この項目は省略しました", "field left out"),
            Consequence::PartLeftOut => Text::new("その部分は省略しました", "that part left out"),
            Consequence::RowSkipped => Text::new("この行は取り込みませんでした", "row skipped"),
            Consequence::KeptAsNote(k) => Text::new(format!("{k} として残しました"), format!("kept as {k}")),
            Consequence::ColumnIgnored => Text::new("この列は取り込みませんでした", "column not imported"),
            Consequence::RequiredMissing => Text::new(
                "必須項目がありません（anzen check で DOC-002）",
                "required field missing (DOC-002 in anzen check)",
            ),
        };
        s.push_str(" → ");
        s.push_str(then.get(lang));
        s
    }
}

fn preview(v: &str) -> String {
    let one_line: String = v.chars().map(|c| if c.is_control() { '⏎' } else { c }).collect();
    if one_line.chars().count() > 60 {
        format!("{}…", one_line.chars().take(60).collect::<String>())
    } else {
        one_line
    }
}

/// What an import counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows_imported: usize,
    pub rows_blank: usize,
    pub rows_skipped: usize,
    pub cells_imported: usize,
    pub cells_defaulted: usize,
    pub cells_rejected: usize,
    pub problems: usize,
}

impl Summary {
    pub fn render(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => format!(
                "{}行を取り込みました（空行 {}、IDがなくスキップ {}）。セル: 取り込み {}、既定値 {}、除外 {}。問題 {} 件",
                self.rows_imported,
                self.rows_blank,
                self.rows_skipped,
                self.cells_imported,
                self.cells_defaulted,
                self.cells_rejected,
                self.problems
            ),
            Lang::En => format!(
                "imported {} rows ({} blank, {} skipped without an id); cells: {} imported, {} defaulted, {} rejected; {} problems",
                self.rows_imported,
                self.rows_blank,
                self.rows_skipped,
                self.cells_imported,
                self.cells_defaulted,
                self.cells_rejected,
                self.problems
            ),
        }
    }
}

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
    for p in &imported.problems {
        report.push_str(&p.render(lang));
        report.push('\n');
    }
    report.push_str(&format!("{}: {}\n", opts.file.display(), imported.summary.render(lang)));
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
        Some(p) => crate::fsutil::write(p, bytes, force),
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
    if target.kind == crate::model::Kind::AssetLedger && !top.contains_key("reviewed_on") {
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

/// A row below the header that reads as column names (`管理番号`, `名称`,
/// `バージョン` …) is never imported as a device: anzen cannot tell whether
/// the header has more rows than it found, so it stops at the first such cell.
fn not_a_header(
    row: &Row,
    columns: &[Column],
    header_rows: (u32, u32),
    headers: &Headers<'_>,
    place: &Place,
) -> Result<(), Fatal> {
    let cells = headers::header_like_cells(row, columns, headers);
    let Some(&first) = cells.first() else { return Ok(()) };
    let names: Vec<String> = cells
        .iter()
        .take(4)
        .map(|&c| format!("{}{} 「{}」", column_name(c), row.number, row.cell(c).display()))
        .collect();
    let (top, bottom) = header_rows;
    let (ja_header, en_header) = if top == bottom {
        (format!("{top}行目"), format!("row {top}"))
    } else {
        (format!("{top}〜{bottom}行目"), format!("rows {top}–{bottom}"))
    };
    let at = place.cell(first, row.number);
    let names = names.join(", ");
    let n = row.number;
    Err(Fatal::Said {
        message: Text::new(
            format!(
                "{at}: {n}行目は機器ではなく列名に見えます（{names}）。見出しを{ja_header}と判断しましたが、見出しがどこまでか決められません"
            ),
            format!(
                "{at}: row {n} reads as column names, not a device ({names}), but the header was taken to be {en_header}; anzen cannot tell where the header ends"
            ),
        ),
        help: Some(Text::new(
            "見出しを1行にするか、グループ行1行と小見出し1行の2行にするか、--map で列を指定してください。",
            "make the header one row, or one group row over one row of sub-headers, or name the columns with --map",
        )),
    })
}

/// A sheet with its header found, the rows read so far, and how many of
/// them the header used.
type Chosen = (Table, Vec<Row>, headers::Header, usize);

fn choose_sheet(
    source: Source,
    sheet: Option<&str>,
    display: &str,
    headers: &Headers<'_>,
) -> Result<Chosen, Fatal> {
    match source {
        Source::Csv(mut table) => {
            let rows = first_rows(&mut table)?;
            match headers::detect(&rows, headers) {
                Some((header, used)) => Ok((*table, rows, header, used)),
                None => Err(no_header(display, None, &[], headers::best_guess(&rows, headers), headers)),
            }
        }
        Source::Workbook(mut book) => {
            let names = calamine::Reader::sheet_names(book.as_ref());
            let wanted: Vec<String> = match sheet {
                Some(s) => {
                    if !names.iter().any(|n| n == s) {
                        return Err(Fatal::Input {
                            path: display.to_owned(),
                            message: format!("no sheet `{s}`; the sheets are: {}", names.join(", ")),
                        });
                    }
                    vec![s.to_owned()]
                }
                None => names.clone(),
            };
            // The sheet whose best row comes closest, for the error.
            let mut closest: Option<(String, headers::Guess)> = None;
            for name in &wanted {
                let mut table = table::sheet(book.as_mut(), name, display)?;
                let rows = first_rows(&mut table)?;
                if let Some((header, used)) = headers::detect(&rows, headers) {
                    return Ok((table, rows, header, used));
                }
                if let Some(g) = headers::best_guess(&rows, headers)
                    && closest.as_ref().is_none_or(|(_, c)| g.fields > c.fields)
                {
                    closest = Some((name.clone(), g));
                }
            }
            Err(match closest {
                Some((name, guess)) => no_header(display, Some(&name), &[], Some(guess), headers),
                None => no_header(display, sheet, &wanted, None, headers),
            })
        }
    }
}

/// The error when no header row is found: which row came closest (on which
/// sheet) and which column it lacks, in both languages.
fn no_header(
    display: &str,
    sheet: Option<&str>,
    sheets: &[String],
    guess: Option<headers::Guess>,
    headers: &Headers<'_>,
) -> Fatal {
    let target = headers.target();
    let id = target.id();
    let words = |f: &Field, n: usize| {
        let mut w: Vec<&str> = f.headers.iter().take(n).copied().collect();
        if f.headers.len() > n {
            w.push("…");
        }
        w
    };
    let id_words = words(id, 6);
    let place = match sheet {
        Some(s) => format!("{display}:{s}!"),
        None => format!("{display}:"),
    };
    let example = if target.list == "assets" { "資産コード" } else { "職員番号" };
    let map_help = Text::new(
        format!(
            "列の見出しが違う場合は、--map の対応表で指定してください（例: columns: {{ {example}: {} }}）。",
            id.path
        ),
        format!(
            "if a column has another header, name its field in a mapping file (--map), e.g. columns: {{ {example}: {} }}",
            id.path
        ),
    );
    let Some(guess) = guess else {
        let (ja_what, en_what) = match (sheet, sheets) {
            (Some(s), _) => (format!("シート `{s}`"), format!("sheet `{s}`")),
            (None, []) => ("ファイル".to_owned(), "the file".to_owned()),
            (None, all) => (format!("シート {}", all.join("、")), format!("sheets {}", all.join(", "))),
        };
        let n = headers::HEADER_SEARCH_ROWS;
        return Fatal::Said {
            message: Text::new(
                format!(
                    "{display}: {ja_what}の先頭 {n} 行に見出し行が見つかりません（{}の列（{}）と、ほかに既知の見出しが1つ以上ある行を探しました）",
                    id.ja(),
                    id_words.join("・"),
                ),
                format!(
                    "{display}: {en_what}: no header row found in the first {n} rows (a row with the id column, e.g. {}, and at least one more known header)",
                    id_words.join("/"),
                ),
            ),
            help: Some(map_help),
        };
    };
    let row = guess.row;
    let first_col = guess.found.first().map_or(0, |(c, _, _)| *c);
    let at = format!("{place}{}{row}", column_name(first_col));
    let seen: Vec<String> =
        guess.found.iter().take(6).map(|(c, h, _)| format!("{h} ({}{row})", column_name(*c))).collect();
    let seen = seen.join(", ");
    let (ja_row, en_row) = match sheet {
        Some(s) => (format!("シート「{s}」の{row}行目"), format!("row {row} of sheet `{s}`")),
        None => (format!("{row}行目"), format!("row {row}")),
    };
    let message = if guess.has_id(target) {
        // The id alone: name the other required columns.
        let others: Vec<String> = target
            .fields
            .iter()
            .filter(|f| f.required && f.path != id.path)
            .map(|f| format!("{}（{}）", words(f, 3).join("・"), f.path))
            .collect();
        let others_en: Vec<String> = target
            .fields
            .iter()
            .filter(|f| f.required && f.path != id.path)
            .map(|f| format!("{} ({})", words(f, 3).join("/"), f.path))
            .collect();
        Text::new(
            format!(
                "{at}: {ja_row}を見出し行と判断しましたが、既知の見出しは ID の列だけです（{seen}）。ほかの列、例えば {} の見出しが必要です",
                others.join("、")
            ),
            format!(
                "{at}: {en_row} was taken as the header row, but its only known header is the id column ({seen}); the header also needs columns such as {}",
                others_en.join(", ")
            ),
        )
    } else {
        Text::new(
            format!(
                "{at}: {ja_row}を見出し行と判断しましたが、{}（{}）の列がありません（認識した見出し: {seen}）。{} の列の見出しは {} のいずれかにしてください",
                id.ja(),
                id.path,
                id.path,
                id_words.join("・"),
            ),
            format!(
                "{at}: {en_row} was taken as the header row, but it has no {} column ({}; recognised: {seen}); write one of {} as that column's header",
                id.path,
                id.ja(),
                id_words.join(", "),
            ),
        )
    };
    Fatal::Said { message, help: Some(map_help) }
}

fn first_rows(table: &mut Table) -> Result<Vec<Row>, Fatal> {
    let mut rows = Vec::new();
    while rows.len() < headers::HEADER_SEARCH_ROWS {
        match table.next_row()? {
            Some(r) => rows.push(r),
            None => break,
        }
    }
    Ok(rows)
}

/// `--default` (wins) and the mapping file's `defaults`, each read as a cell.
fn parse_defaults(
    opts: &Options,
    map: &MapFile,
    refs: &refs::Refs,
    target: &Target,
) -> Result<Vec<(&'static Field, Value)>, Fatal> {
    let mut raw: Vec<(&'static str, String)> = map.defaults.clone();
    for d in &opts.defaults {
        let Some((field, value)) = d.split_once('=') else {
            return Err(Fatal::Usage(format!(
                "--default `{d}`: write FIELD=VALUE, e.g. --default location=本館"
            )));
        };
        let Some(f) = target.field(field.trim()) else {
            return Err(Fatal::Usage(format!(
                "--default `{d}`: `{field}` is not a field of {}",
                target.kind
            )));
        };
        raw.retain(|(p, _)| *p != f.path);
        raw.push((f.path, value.to_owned()));
    }
    let mut out = Vec::new();
    for (path, text) in raw {
        let Some(field) = target.field(path) else { continue };
        let cell = Cell::Text(text.clone());
        match read_cell(field, &cell, map).and_then(|r| resolve_refs(refs, field, r)) {
            Ok((Some(v), problems)) if problems.is_empty() => out.push((field, v)),
            Ok(_) => return Err(Fatal::Usage(format!("default for {path} `{text}` cannot be read"))),
            Err(why) => return Err(Fatal::Usage(format!("default for {path} `{text}`: {}", why.en))),
        }
    }
    Ok(out)
}

/// `apiVersion`, `kind` and the options' top-level entries.
fn top_entries(opts: &Options, refs: &refs::Refs, target: &Target) -> Result<Map<String, Value>, Fatal> {
    let mut top = Map::new();
    top.insert("apiVersion".into(), Value::String(API_VERSION.into()));
    top.insert("kind".into(), Value::String(target.kind.name().into()));
    for (k, v) in &opts.top {
        let value = if k.ends_with("_on") {
            let d = values::date_text(v)
                .map_err(|why| Fatal::Usage(format!("--{}: {}", k.replace('_', "-"), why.en)))?;
            d.to_string()
        } else {
            let t = v.trim();
            if t.is_empty() {
                return Err(Fatal::Usage(format!("--{k} must not be empty")));
            }
            match (*k, &refs.systems) {
                // `--system 電子カルテ` names the system as --repo's catalogue does.
                ("system", Some(systems)) => systems.resolve(t).map_err(|why| {
                    Fatal::usage(
                        format!("--system 「{t}」: {}", why.ja),
                        format!("--system `{t}`: {}", why.en),
                    )
                })?,
                _ => t.to_owned(),
            }
        };
        top.insert((*k).to_owned(), Value::String(value));
    }
    Ok(top)
}

/// Where rows come from, for addresses and comments.
struct Place {
    /// The path as given.
    display: String,
    /// The file name only (comments use it, so the output does not depend on
    /// the directory the import ran in).
    file_name: String,
    sheet: Option<String>,
}

impl Place {
    fn cell(&self, col: u32, row: u32) -> String {
        match &self.sheet {
            Some(s) => format!("{}:{s}!{}{row}", self.display, column_name(col)),
            None => format!("{}:{}{row}", self.display, column_name(col)),
        }
    }

    fn whole(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}:{s}", self.display),
            None => self.display.clone(),
        }
    }

    fn comment(&self, row: u32) -> String {
        match &self.sheet {
            Some(s) => format!("{} {s}!{row}", self.file_name),
            None => format!("{}:{row}", self.file_name),
        }
    }
}

/// One read value and the column it came from.
struct Got {
    target: &'static str,
    path: &'static str,
    col: u32,
    value: Value,
}

struct Importer<'m> {
    target: &'static Target,
    map: &'m MapFile,
    refs: &'m refs::Refs,
    place: Place,
    /// Columns that fill fields, in column order.
    columns: Vec<Column>,
    defaults: Vec<(&'static Field, Value)>,
    problems: Vec<Problem>,
    summary: Summary,
    items: Vec<Value>,
    /// The comment above each item: its source row.
    item_comments: Vec<String>,
    /// Column of each field path, for addressing blank required cells.
    column_of: HashMap<&'static str, u32>,
    /// The last row seen (rows missing in between were blank).
    last_row: u32,
}

impl<'m> Importer<'m> {
    fn new(
        target: &'static Target,
        map: &'m MapFile,
        refs: &'m refs::Refs,
        place: Place,
        header: headers::Header,
        defaults: Vec<(&'static Field, Value)>,
    ) -> Self {
        let mut problems = Vec::new();
        let mut columns = Vec::new();
        let mut column_of: HashMap<&'static str, u32> = HashMap::new();
        let mut targets_seen: HashMap<&'static str, (u32, String)> = HashMap::new();
        let header_row = header.rows.1;
        for col in &header.columns {
            match &col.used {
                Use::Field(path) => {
                    let Some(field) = target.field(path) else { continue };
                    if let Some((first, first_header)) = targets_seen.get(field.target())
                        && !matches!(field.ty, Ty::Text | Ty::Services { .. })
                    {
                        problems.push((
                            col.index,
                            Problem {
                                address: place.cell(col.index, header_row),
                                field: Some(col.header.clone()),
                                value: None,
                                reason: Text::new(
                                    format!(
                                        "{} 列（{first_header}）と同じ {} を表す列です",
                                        column_name(*first),
                                        field.target()
                                    ),
                                    format!(
                                        "column {} ({first_header}) already fills {}",
                                        column_name(*first),
                                        field.target()
                                    ),
                                ),
                                consequence: Consequence::ColumnIgnored,
                            },
                        ));
                        continue;
                    }
                    targets_seen.entry(field.target()).or_insert((col.index, col.header.clone()));
                    column_of.entry(field.path).or_insert(col.index);
                    columns.push(col.clone());
                }
                Use::Note(_) => columns.push(col.clone()),
                Use::Ignore => {}
                Use::Unknown(key) => {
                    problems.push((
                        col.index,
                        Problem {
                            address: place.cell(col.index, header_row),
                            field: Some(col.header.clone()),
                            value: None,
                            reason: Text::new(
                                "既知の見出しではありません（--map で項目を指定するか ignore にできます）",
                                "not a known header (name its field in --map, or map it to ignore)",
                            ),
                            consequence: Consequence::KeptAsNote(key.clone()),
                        },
                    ));
                    columns.push(col.clone());
                }
            }
        }
        for field in target.fields.iter().filter(|f| f.required && f.path != target.id().path) {
            let has_column = targets_seen.contains_key(field.target());
            let has_default = defaults.iter().any(|(f, _)| f.target() == field.target());
            if !has_column && !has_default {
                problems.push((
                    u32::MAX,
                    Problem {
                        address: place.whole(),
                        field: Some(field.path.to_owned()),
                        value: None,
                        reason: Text::new(
                            format!(
                                "{}（{}）の列がありません。--default {}=… で全行に値を入れられます",
                                field.path,
                                field.ja(),
                                field.path
                            ),
                            format!(
                                "no column for {} ({}); --default {}=… fills every row",
                                field.path,
                                field.ja(),
                                field.path
                            ),
                        ),
                        consequence: Consequence::RequiredMissing,
                    },
                ));
            }
        }
        // An object whose required field has no column (and no default)
        // cannot be written: its columns are not imported.
        for (group, required) in GROUP_REQUIRED {
            let prefix = format!("{group}.");
            let lacking: Vec<String> = required
                .iter()
                .map(|r| format!("{group}.{r}"))
                .filter(|p| {
                    !targets_seen.contains_key(p.as_str()) && !defaults.iter().any(|(f, _)| f.target() == p)
                })
                .collect();
            if lacking.is_empty() {
                continue;
            }
            let needs = lacking.join(", ");
            let mut kept = Vec::with_capacity(columns.len());
            for col in columns {
                let member = matches!(&col.used, Use::Field(p) if p.starts_with(&prefix));
                if !member {
                    kept.push(col);
                    continue;
                }
                problems.push((
                    col.index,
                    Problem {
                        address: place.cell(col.index, header_row),
                        field: Some(col.header.clone()),
                        value: None,
                        reason: Text::new(
                            format!("{group} には {needs} も必要ですが、その列がありません"),
                            format!("{group} also needs {needs}, and the sheet has no column for it"),
                        ),
                        consequence: Consequence::ColumnIgnored,
                    },
                ));
            }
            columns = kept;
        }
        // Column problems in column order, then those about the whole sheet.
        problems.sort_by_key(|(col, _)| *col);
        let problems = problems.into_iter().map(|(_, p)| p).collect();
        let last_row = header.rows.1;
        Importer {
            target,
            map,
            refs,
            place,
            columns,
            defaults,
            problems,
            summary: Summary::default(),
            items: Vec::new(),
            item_comments: Vec::new(),
            column_of,
            last_row,
        }
    }

    fn problem(
        &mut self,
        col: u32,
        row: u32,
        field: &str,
        value: Option<String>,
        reason: Text,
        then: Consequence,
    ) {
        self.problems.push(Problem {
            address: self.place.cell(col, row),
            field: Some(field.to_owned()),
            value,
            reason,
            consequence: then,
        });
    }

    fn row(&mut self, row: &Row) {
        if row.number <= self.last_row {
            return;
        }
        self.summary.rows_blank += (row.number - self.last_row - 1) as usize;
        self.last_row = row.number;
        if row.is_blank() {
            self.summary.rows_blank += 1;
            return;
        }
        let id_path = self.target.id().path;
        let id_col = self.column_of.get(id_path).copied().unwrap_or(0);
        if row.cell(id_col).is_blank() {
            self.summary.rows_skipped += 1;
            let id = self.target.id();
            self.problem(
                id_col,
                row.number,
                id.path,
                None,
                Text::new(
                    format!("{}（{}）が空です", id.path, id.ja()),
                    format!("the row has no {} ({})", id.path, id.ja()),
                ),
                Consequence::RowSkipped,
            );
            return;
        }
        let mut got: Vec<Got> = Vec::new();
        let mut notes: Vec<(String, Value)> = Vec::new();
        let mut rejected: Vec<&'static str> = Vec::new();
        let columns = std::mem::take(&mut self.columns);
        for col in &columns {
            let cell = row.cell(col.index);
            if cell.is_blank() {
                continue;
            }
            match &col.used {
                Use::Note(key) | Use::Unknown(key) => {
                    self.summary.cells_imported += 1;
                    let text = values::text(cell);
                    match notes.iter_mut().find(|(k, _)| k == key) {
                        Some((_, Value::String(s))) => {
                            s.push(' ');
                            s.push_str(&text);
                        }
                        _ => notes.push((key.clone(), Value::String(text))),
                    }
                }
                Use::Field(path) => {
                    let Some(field) = self.target.field(path) else { continue };
                    match read_cell(field, cell, self.map).and_then(|r| resolve_refs(self.refs, field, r)) {
                        Ok((value, partial)) => {
                            self.summary.cells_imported += 1;
                            for why in partial {
                                self.problem(
                                    col.index,
                                    row.number,
                                    field.path,
                                    Some(cell.display()),
                                    why,
                                    Consequence::PartLeftOut,
                                );
                            }
                            if let Some(value) = value {
                                merge(&mut got, field, col.index, value);
                            }
                        }
                        Err(why) => {
                            self.summary.cells_rejected += 1;
                            rejected.push(field.target());
                            self.problem(
                                col.index,
                                row.number,
                                field.path,
                                Some(cell.display()),
                                why,
                                Consequence::FieldLeftOut,
                            );
                        }
                    }
                }
                Use::Ignore => {}
            }
        }
        self.columns = columns;
        for (field, value) in &self.defaults {
            if !got.iter().any(|g| g.target == field.target()) && !rejected.contains(&field.target()) {
                self.summary.cells_defaulted += 1;
                got.push(Got {
                    target: field.target(),
                    path: field.path,
                    col: u32::MAX,
                    value: value.clone(),
                });
            }
        }
        self.check_groups(&mut got, row.number);
        for field in self.target.fields.iter().filter(|f| f.required) {
            if got.iter().any(|g| g.target == field.target()) || rejected.contains(&field.target()) {
                continue;
            }
            if let Some(col) = self.column_of.get(field.path).copied() {
                self.problem(
                    col,
                    row.number,
                    field.path,
                    None,
                    Text::new("必須項目が空です", "required, but the cell is empty"),
                    Consequence::RequiredMissing,
                );
            }
        }
        self.summary.rows_imported += 1;
        self.item_comments.push(self.place.comment(row.number));
        self.items.push(build(self.target, got, notes));
    }

    /// Drops an object (os, patch, …) whose required fields are missing,
    /// reporting each of its cells.
    fn check_groups(&mut self, got: &mut Vec<Got>, row: u32) {
        for (group, required) in GROUP_REQUIRED {
            let prefix = format!("{group}.");
            let members: Vec<usize> =
                (0..got.len()).filter(|&i| got[i].target.starts_with(&prefix)).collect();
            if members.is_empty() {
                continue;
            }
            let missing: Vec<String> = required
                .iter()
                .map(|r| format!("{group}.{r}"))
                .filter(|p| !got.iter().any(|g| g.target == p))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let needs = missing.join(", ");
            for &i in members.iter().rev() {
                let g = got.remove(i);
                if g.col == u32::MAX {
                    self.summary.cells_defaulted -= 1;
                } else {
                    self.summary.cells_imported -= 1;
                    self.summary.cells_rejected += 1;
                }
                self.problems.push(Problem {
                    address: if g.col == u32::MAX { self.place.whole() } else { self.place.cell(g.col, row) },
                    field: Some(g.path.to_owned()),
                    value: Some(display_value(&g.value)),
                    reason: Text::new(
                        format!("{needs} がない行では {group} を書けません"),
                        format!("{group} needs {needs}, which this row lacks"),
                    ),
                    consequence: Consequence::FieldLeftOut,
                });
            }
            // Reported in column order.
            let n = members.len();
            let len = self.problems.len();
            self.problems[len - n..].reverse();
        }
    }

    fn finish(mut self, top: &Map<String, Value>, schemas: &Schemas) -> Result<Imported, Fatal> {
        let what = self.target.list;
        let source = match &self.place.sheet {
            Some(s) => format!("{} {s}", self.place.file_name),
            None => self.place.file_name.clone(),
        };
        let comments = vec![
            format!("{source} から anzen import {what} で作成 (generated by anzen import {what})"),
            "各項目の上のコメントは元の表の行です (the comment above each item names its spreadsheet row)"
                .to_owned(),
        ];
        let mut doc = top.clone();
        doc.insert(self.target.list.to_owned(), Value::Array(std::mem::take(&mut self.items)));
        let yaml_text = emit::document(&comments, &doc, self.target.list, &self.item_comments);
        let value = Value::Object(doc);
        verify(&yaml_text, &value, self.target, schemas)?;
        self.summary.problems = self.problems.len();
        Ok(Imported { yaml: yaml_text, value, problems: self.problems, summary: self.summary })
    }
}

/// Adds a read value: text fields filled by several columns are joined with
/// a space (メーカー + 型番 → model); services from several columns are
/// appended.
fn merge(got: &mut Vec<Got>, field: &'static Field, col: u32, value: Value) {
    if let Some(g) = got.iter_mut().find(|g| g.path == field.path) {
        match (&mut g.value, value) {
            (Value::String(a), Value::String(b)) => {
                a.push(' ');
                a.push_str(&b);
            }
            (Value::Array(a), Value::Array(b)) => a.extend(b),
            _ => {}
        }
        return;
    }
    got.push(Got { target: field.target(), path: field.path, col, value });
}

/// The item: fields in the target's order, nested by path, notes last.
fn build(target: &Target, got: Vec<Got>, notes: Vec<(String, Value)>) -> Value {
    let mut item = Map::new();
    for field in target.fields {
        let Some(g) = got.iter().find(|g| g.path == field.path) else { continue };
        let mut parts = g.target.split('.');
        let first = parts.next().unwrap_or(g.target);
        match parts.next() {
            None => match (item.get_mut(first), &g.value) {
                (Some(Value::Array(a)), Value::Array(b)) => a.extend(b.iter().cloned()),
                _ => {
                    item.insert(first.to_owned(), g.value.clone());
                }
            },
            Some(second) => {
                let entry = item.entry(first.to_owned()).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = entry {
                    m.insert(second.to_owned(), g.value.clone());
                }
            }
        }
    }
    for (k, v) in notes {
        item.entry(k).or_insert(v);
    }
    Value::Object(item)
}

fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads one cell as `field`'s value. `Ok((None, _))` when nothing usable
/// remains (e.g. a never-logged-in FILETIME); the second part lists problems
/// with parts of the cell (one bad service among several).
fn read_cell(field: &Field, cell: &Cell, map: &MapFile) -> Result<(Option<Value>, Vec<Text>), Text> {
    let words = map.values.get(field.path);
    let mapped = |c: &Cell| -> Cell {
        match words.and_then(|w| w.get(&values::key(&c.display()))) {
            Some(to) => Cell::Text(to.clone()),
            None => c.clone(),
        }
    };
    let cell = &mapped(cell);
    let one = |v: Value| Ok((Some(v), Vec::new()));
    match field.ty {
        Ty::Text | Ty::Id => one(Value::String(values::text(cell))),
        Ty::Date => one(Value::String(values::date(cell)?.to_string())),
        Ty::Count => one(Value::from(values::count(cell)?)),
        Ty::Bool => {
            if field.target() == "enabled"
                && let Some(b) = enum_value(fields::ENABLED_WORDS, cell)
            {
                return one(Value::Bool(b == "true"));
            }
            one(Value::Bool(values::boolean(cell)?))
        }
        Ty::Enum(table) => match enum_value(table, cell) {
            Some(v) => one(Value::String(v.to_owned())),
            None => {
                let allowed = table.iter().map(|(v, _)| *v).collect::<Vec<_>>().join(", ");
                let examples: Vec<&str> = table.iter().filter_map(|(_, w)| w.first().copied()).collect();
                Err(Text::new(
                    format!(
                        "{} の値として読めません（使える値: {allowed}。例: {}）",
                        field.path,
                        examples.join("・")
                    ),
                    format!(
                        "not a known {} (allowed: {allowed}; Japanese words such as {} work too)",
                        field.path,
                        examples.join(", ")
                    ),
                ))
            }
        },
        Ty::List => {
            let items: Vec<Value> = values::list(cell)
                .into_iter()
                .map(|s| {
                    let to = words.and_then(|w| w.get(&values::key(&s))).cloned();
                    Value::String(to.unwrap_or(s))
                })
                .collect();
            if items.is_empty() { Ok((None, Vec::new())) } else { one(Value::Array(items)) }
        }
        Ty::Services { needed } => {
            let (services, problems) = values::services(cell);
            if services.is_empty() {
                let why = problems
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| Text::new("サービスがありません", "no service"));
                return Err(why);
            }
            let list = services
                .into_iter()
                .map(|s| {
                    let mut m = Map::new();
                    m.insert("name".into(), Value::String(s.name));
                    if let Some(p) = s.port {
                        m.insert("port".into(), Value::from(p));
                    }
                    m.insert("needed".into(), Value::Bool(needed));
                    if let Some(r) = s.reason {
                        m.insert("reason".into(), Value::String(r));
                    }
                    Value::Object(m)
                })
                .collect();
            Ok((Some(Value::Array(list)), problems))
        }
        Ty::AccountControl => {
            let n = values::count(cell).map_err(|_| {
                Text::new(
                    format!("「{}」は userAccountControl の数値ではありません", cell.display()),
                    format!("\"{}\" is not a userAccountControl number", cell.display()),
                )
            })?;
            one(Value::Bool(n & 2 == 0))
        }
        Ty::LastLogon => {
            if let Some(ft) = values::filetime_date(&cell.display()) {
                return Ok((ft?.map(|d| Value::String(d.to_string())), Vec::new()));
            }
            one(Value::String(values::date(cell)?.to_string()))
        }
    }
}

/// With `--repo`: a vendor or system named by its name (or id) becomes its
/// id. A single value that names nothing rejects the cell; in a list, that
/// item is left out (the cell is rejected only when nothing is left).
fn resolve_refs(
    refs: &refs::Refs,
    field: &Field,
    read: (Option<Value>, Vec<Text>),
) -> Result<(Option<Value>, Vec<Text>), Text> {
    let (value, mut partial) = read;
    let Some(registry) = refs.for_field(field.target()) else { return Ok((value, partial)) };
    match value {
        Some(Value::String(s)) => Ok((Some(Value::String(registry.resolve(&s)?)), partial)),
        Some(Value::Array(items)) => {
            let mut kept = Vec::with_capacity(items.len());
            let mut failed = Vec::new();
            for item in items {
                let Value::String(s) = item else { continue };
                match registry.resolve(&s) {
                    Ok(id) => kept.push(Value::String(id)),
                    Err(why) => failed.push(Text::new(
                        format!("「{}」: {}", preview(&s), why.ja),
                        format!("\"{}\": {}", preview(&s), why.en),
                    )),
                }
            }
            if kept.is_empty() && !failed.is_empty() {
                let ja = failed.iter().map(|t| t.ja.clone()).collect::<Vec<_>>().join("; ");
                let en = failed.iter().map(|t| t.en.clone()).collect::<Vec<_>>().join("; ");
                return Err(Text::new(ja, en));
            }
            partial.extend(failed);
            Ok((if kept.is_empty() { None } else { Some(Value::Array(kept)) }, partial))
        }
        other => Ok((other, partial)),
    }
}

/// The enum value a cell names: the value itself or one of its words.
fn enum_value(
    table: &'static [(&'static str, &'static [&'static str])],
    cell: &Cell,
) -> Option<&'static str> {
    let k = values::key(&cell.display());
    if k.is_empty() {
        return None;
    }
    enum_index(table).get(&k).copied()
}

type EnumIndex = HashMap<String, &'static str>;

/// Word key → value, built once per enum table.
fn enum_index(table: &'static [(&'static str, &'static [&'static str])]) -> &'static EnumIndex {
    // Tables are told apart by their first value (server, blocked, active, true).
    static INDEXES: std::sync::OnceLock<Vec<(&'static str, EnumIndex)>> = std::sync::OnceLock::new();
    static EMPTY: std::sync::OnceLock<EnumIndex> = std::sync::OnceLock::new();
    let build = |t: &'static [(&'static str, &'static [&'static str])]| {
        let mut m = HashMap::new();
        for (value, words) in t {
            for w in words.iter().chain(std::iter::once(value)) {
                m.entry(values::key(w)).or_insert(*value);
            }
        }
        (t.first().map_or("", |(v, _)| *v), m)
    };
    let all = INDEXES.get_or_init(|| {
        [
            fields::ASSET_TYPES,
            fields::USB_STORAGE,
            fields::ANTI_MALWARE_KIND,
            fields::STAFF_STATUS,
            fields::ENABLED_WORDS,
        ]
        .into_iter()
        .map(build)
        .collect()
    });
    all.iter()
        .find(|(first, _)| table.first().is_some_and(|(v, _)| v == first))
        .map_or_else(|| EMPTY.get_or_init(HashMap::new), |(_, m)| m)
}

/// Whether a YAML node holds exactly `value` (without building its JSON).
fn same(node: &crate::load::node::Node, value: &Value) -> bool {
    use crate::load::node::NodeValue;
    match (&node.value, value) {
        (NodeValue::Null, Value::Null) => true,
        (NodeValue::Bool(a), Value::Bool(b)) => a == b,
        (NodeValue::Int(a), Value::Number(b)) => b.as_i64() == Some(*a),
        (NodeValue::String(a), Value::String(b)) => a == b,
        (NodeValue::Seq(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (NodeValue::Map(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(e, (k, v))| e.key == *k && same(&e.value, v))
        }
        _ => false,
    }
}

/// The emitted text must read back, with anzen's own loader, as exactly the
/// values imported, and break the schema only by leaving out required
/// fields (reported already).
fn verify(text: &str, value: &Value, target: &Target, schemas: &Schemas) -> Result<(), Fatal> {
    let limits = yaml::Limits { max_documents: 1, ..yaml::Limits::default() };
    let docs = yaml::parse(text, &limits).map_err(|e| {
        Fatal::Internal(format!("the imported YAML does not parse: {} at byte {}", e.message, e.span.start))
    })?;
    if !docs.first().is_some_and(|n| same(n, value)) {
        return Err(Fatal::Internal("the imported YAML does not read back as the imported values".into()));
    }
    let Some(read_back) = docs.first() else {
        return Err(Fatal::Internal("the imported YAML is empty".into()));
    };
    let unexpected: Vec<String> = validate::violations(schemas, target.kind, read_back)
        .into_iter()
        .filter(|v| !v.message.en.starts_with("missing required key"))
        .map(|v| format!("{}: {}", v.pointer, v.message.en))
        .collect();
    if !unexpected.is_empty() {
        return Err(Fatal::Internal(format!(
            "the imported document breaks its schema: {}",
            unexpected.join("; ")
        )));
    }
    Ok(())
}

//! Choosing the sheet and finding its header row: the first sheet (or the
//! `--sheet`) whose first rows hold a recognisable header; the errors that
//! say which row came closest when none does; and the stop at a row below
//! the header that reads as column names.

use crate::import::fields::Field;
use crate::import::headers::{self, Column, Headers};
use crate::import::problem::Place;
use crate::import::table::{self, Row, Source, Table, column_name};
use crate::kernel::error::Fatal;
use crate::kernel::finding::Text;

/// A row below the header that reads as column names (`管理番号`, `名称`,
/// `バージョン` …) is never imported as a device: anzen cannot tell whether
/// the header has more rows than it found, so it stops at the first such cell.
pub(super) fn not_a_header(
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
pub(super) type Chosen = (Table, Vec<Row>, headers::Header, usize);

pub(super) fn choose_sheet(
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

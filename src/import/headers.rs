//! Which column holds which field: the header lookup (built-in headers,
//! field paths and the mapping file's columns) and finding the header row
//! (one row, or a group row over a row of sub-headers, as merged header
//! cells make). The fields themselves are in [`fields`](super::fields).

use std::collections::HashMap;

use crate::import::fields::{Target, Use};
use crate::import::mapfile::MapFile;
use crate::import::table::Row;
use crate::import::values::{self, Cell, key, key_without_parentheses};

/// The header lookup for one import: built-in headers, field paths and the
/// mapping file's columns.
pub struct Headers<'m> {
    target: &'static Target,
    map: &'m MapFile,
    builtin: HashMap<String, &'static str>,
}

impl<'m> Headers<'m> {
    pub fn new(target: &'static Target, map: &'m MapFile) -> Self {
        let mut builtin = HashMap::new();
        for f in target.fields {
            builtin.entry(key(f.path)).or_insert(f.path);
            if f.path == "services.unneeded" {
                continue;
            }
            for h in f.headers {
                builtin.entry(key(h)).or_insert(f.path);
            }
        }
        for f in target.fields.iter().filter(|f| f.path == "services.unneeded") {
            for h in f.headers {
                builtin.insert(key(h), f.path);
            }
        }
        Headers { target, map, builtin }
    }

    pub fn target(&self) -> &'static Target {
        self.target
    }

    /// What a header text is for, if it is recognised.
    pub fn lookup(&self, text: &str) -> Option<Use> {
        let k = key(text);
        if k.is_empty() {
            return None;
        }
        if let Some(u) = self.map.columns.get(&k) {
            return Some(u.clone());
        }
        let trimmed = values::fold_width(text);
        if trimmed.starts_with("x-") && trimmed.len() > 2 {
            return Some(Use::Note(trimmed));
        }
        if let Some(p) = self.builtin.get(&k) {
            return Some(Use::Field(p));
        }
        let bare = key_without_parentheses(text);
        if let Some(u) = self.map.columns.get(&bare) {
            return Some(u.clone());
        }
        self.builtin.get(&bare).map(|p| Use::Field(p))
    }
}

/// One column of the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// 0-based column index.
    pub index: u32,
    /// The header text as shown (group and sub-header joined by ` / `).
    pub header: String,
    pub used: Use,
}

/// The header found: its rows and its columns.
#[derive(Debug)]
pub struct Header {
    /// First and last header row (equal for a one-row header).
    pub rows: (u32, u32),
    pub columns: Vec<Column>,
}

/// Labels of a cell above an AssetLedger's header whose neighbour to the
/// right is the ledger's `reviewed_on`; the first is what `anzen export`
/// writes (`reviewed_on` with `--headers en`).
pub const REVIEWED_ON_LABELS: &[&str] =
    &["台帳の見直し日", "台帳見直し日", "見直し日", "最終見直し日", "台帳の最終見直し日", "reviewed_on"];

/// The `reviewed_on` label among the rows above the header, and the first
/// filled cell to its right: (row, column, cell).
pub fn reviewed_on_cell(rows: &[Row]) -> Option<(u32, u32, &Cell)> {
    let labels: Vec<String> = REVIEWED_ON_LABELS.iter().map(|l| key(l)).collect();
    rows.iter().find_map(|row| {
        let &(label_col, _) =
            row.cells.iter().find(|(_, c)| matches!(c, Cell::Text(t) if labels.contains(&key(t))))?;
        row.cells
            .iter()
            .filter(|(c, cell)| *c > label_col && !cell.is_blank())
            .map(|(c, cell)| (row.number, *c, cell))
            .next()
    })
}

/// Rows searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// Finds the header among the first rows: the row (or pair of rows: a group
/// row over sub-headers) that recognises the most distinct fields, at least
/// two, one of them the id. Returns the header and how many of `rows` it
/// used.
///
/// Fields are counted once however many columns name them: a group cell
/// merged over three columns (`OS` over 名称 / バージョン / サポート期限)
/// fills all three with `OS`, and must not make the group row alone look as
/// good as the pair. When a single row and the pair below it tie, the pair
/// is taken if its second row looks like a header (a header merged down two
/// rows repeats itself in the second).
pub fn detect(rows: &[Row], headers: &Headers<'_>) -> Option<(Header, usize)> {
    // (score, rows in the header, first row index, labels); the most fields
    // wins, then the fewer rows, then the earlier row.
    let mut best: Option<(usize, usize, usize, Labels)> = None;
    for (i, row) in rows.iter().enumerate() {
        let mut candidates = vec![(resolve(None, row, headers), 1usize)];
        let mut second_is_header = false;
        if let Some(next) = rows.get(i + 1).filter(|next| next.number == row.number + 1) {
            let labels = resolve(Some(row), next, headers);
            // Every filled cell of the second row names a column, alone or
            // under its group.
            let (named, filled) = named_cells(next, &columns_of(labels.clone()), headers);
            second_is_header = !named.is_empty() && named.len() == filled;
            candidates.push((labels, 2));
        }
        for (labels, height) in candidates {
            let score = distinct_fields(&labels);
            let has_id = labels
                .iter()
                .any(|l| matches!(l, Some((_, Use::Field(p))) if *p == headers.target.id().path));
            let better = match &best {
                None => true,
                Some((s, _, _, _)) if score != *s => score > *s,
                // The pair below a row only if its second row is a header too.
                Some((_, h, start, _)) if *start == i => second_is_header && height > *h,
                Some((_, h, _, _)) => height < *h,
            };
            if score >= 2 && has_id && better {
                best = Some((score, height, i, labels));
            }
        }
    }
    let (_, height, start, labels) = best?;
    let rows_span = (rows[start].number, rows[start + height - 1].number);
    Some((Header { rows: rows_span, columns: columns_of(labels) }, start + height))
}

/// The row that comes closest to a header when [`detect`] finds none.
#[derive(Debug)]
pub struct Guess {
    /// The row's number (1-based, as the sheet shows it).
    pub row: u32,
    /// The columns it recognised: index, header text, field path.
    pub found: Vec<(u32, String, &'static str)>,
    /// How many different fields they name.
    pub fields: usize,
}

impl Guess {
    /// Whether the row has the id column.
    pub fn has_id(&self, target: &Target) -> bool {
        self.found.iter().any(|(_, _, p)| *p == target.id().path)
    }
}

/// When [`detect`] finds no header: the single row that names the most
/// different fields (at least one; the earlier row on a tie), so the error
/// can say which row was taken for the header and what it lacks.
pub fn best_guess(rows: &[Row], headers: &Headers<'_>) -> Option<Guess> {
    let mut best: Option<Guess> = None;
    for row in rows {
        let labels = resolve(None, row, headers);
        let fields = distinct_fields(&labels);
        if fields == 0 || best.as_ref().is_some_and(|b| b.fields >= fields) {
            continue;
        }
        let found = labels
            .into_iter()
            .enumerate()
            .filter_map(|(i, l)| match l {
                Some((header, Use::Field(path))) => Some((i as u32, header, path)),
                _ => None,
            })
            .collect();
        best = Some(Guess { row: row.number, found, fields });
    }
    best
}

fn columns_of(labels: Labels) -> Vec<Column> {
    labels
        .into_iter()
        .enumerate()
        .filter_map(|(i, l)| l.map(|(header, used)| Column { index: i as u32, header, used }))
        .collect()
}

/// How many different fields the labels name.
fn distinct_fields(labels: &Labels) -> usize {
    let mut seen: Vec<&str> = labels
        .iter()
        .filter_map(|l| match l {
            Some((_, Use::Field(p))) => Some(*p),
            _ => None,
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// The cells of `row` that read as column names rather than values, when
/// they are at least two and at least half of the row's non-blank cells;
/// otherwise none. `columns` is the header found (empty while looking for it).
pub fn header_like_cells(row: &Row, columns: &[Column], headers: &Headers<'_>) -> Vec<u32> {
    let (named, filled) = named_cells(row, columns, headers);
    if named.len() >= 2 && named.len() * 2 >= filled { named } else { Vec::new() }
}

/// The cells of `row` whose text is a known header, alone or joined to its
/// column's group (`名称` under `OS`), and how many cells are not blank.
fn named_cells(row: &Row, columns: &[Column], headers: &Headers<'_>) -> (Vec<u32>, usize) {
    let mut filled = 0usize;
    let mut named = Vec::new();
    for (c, cell) in &row.cells {
        if cell.is_blank() {
            continue;
        }
        filled += 1;
        let Cell::Text(text) = cell else { continue };
        let known = |t: &str| matches!(headers.lookup(t), Some(Use::Field(_)));
        let group = columns
            .binary_search_by_key(c, |col| col.index)
            .ok()
            .and_then(|i| columns[i].header.split_once(" / ").map(|(g, _)| g));
        if known(text) || group.is_some_and(|g| known(&format!("{g}{text}"))) {
            named.push(*c);
        }
    }
    (named, filled)
}

/// Per column: its label and use, if it has a header.
type Labels = Vec<Option<(String, Use)>>;

/// The label and use of each column of `row`, under `group` (the row above,
/// for two-row headers). A sub-header is tried joined to its group
/// (`OS` + `バージョン` → `OSバージョン`), then alone; a column with no
/// sub-header takes the group row's text.
fn resolve(group: Option<&Row>, row: &Row, headers: &Headers<'_>) -> Labels {
    let width = group.map_or(0, Row::width).max(row.width());
    let mut out = Vec::with_capacity(width as usize);
    let mut group_label = String::new();
    for c in 0..width {
        let sub = header_text(row.cell(c));
        let top = group.map(|g| header_text(g.cell(c))).unwrap_or_default();
        if !top.is_empty() {
            group_label = top.clone();
        } else if sub.is_empty() {
            group_label.clear();
        }
        let label = match (group.is_some(), sub.is_empty()) {
            (_, true) if top.is_empty() => {
                out.push(None);
                continue;
            }
            (true, true) => top.clone(),
            (true, false) if !group_label.is_empty() && group_label != sub => {
                let joined = format!("{group_label}{sub}");
                if let Some(u) = headers.lookup(&joined) {
                    out.push(Some((format!("{group_label} / {sub}"), u)));
                    continue;
                }
                match headers.lookup(&sub) {
                    Some(u) => {
                        out.push(Some((sub.clone(), u)));
                        continue;
                    }
                    None => format!("{group_label} / {sub}"),
                }
            }
            _ => sub.clone(),
        };
        let used =
            headers.lookup(&label.replace(" / ", "")).unwrap_or_else(|| Use::Unknown(note_key(&label)));
        out.push(Some((label, used)));
    }
    out
}

fn header_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        Cell::Empty => String::new(),
        other => other.display(),
    }
}

/// The `x-` key an unrecognised column is kept under: `x-` and the header,
/// spaces collapsed.
pub fn note_key(header: &str) -> String {
    let folded = values::fold_width(header);
    let words: Vec<&str> = folded.split_whitespace().collect();
    format!("x-{}", words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::fields::{ACCOUNTS, ASSETS};

    fn row(number: u32, cells: &[&str]) -> Row {
        Row::dense(
            number,
            cells.iter().map(|s| if s.is_empty() { Cell::Empty } else { Cell::Text((*s).into()) }).collect(),
        )
    }

    #[test]
    fn recognises_common_headers() {
        let map = MapFile::default();
        let h = Headers::new(&ASSETS, &map);
        let f = |s: &str| match h.lookup(s) {
            Some(Use::Field(p)) => p.to_owned(),
            other => format!("{other:?}"),
        };
        assert_eq!(f("機器ID"), "id");
        assert_eq!(f("資産番号"), "id");
        assert_eq!(f("ＩＤ"), "id");
        assert_eq!(f(" 機器 種別 "), "type");
        assert_eq!(f("ｻﾎﾟｰﾄ終了日"), "os.support_ends_on");
        assert_eq!(f("OS バージョン"), "os.version");
        assert_eq!(f("設置場所（部屋）"), "location");
        assert_eq!(f("未適用の重要パッチ"), "patch.pending_critical");
        assert_eq!(f("USB 制御"), "usb_storage");
        assert_eq!(f("os.support_ends_on"), "os.support_ends_on");
        assert_eq!(f("不要なサービス"), "services.unneeded");
        assert_eq!(f("x-備考"), "Some(Note(\"x-備考\"))");
        assert_eq!(f("備考"), "None");
        let h = Headers::new(&ACCOUNTS, &map);
        assert_eq!(h.lookup("SamAccountName"), Some(Use::Field("user_id")));
        assert_eq!(h.lookup("管理者"), Some(Use::Field("admin")));
        assert_eq!(h.lookup("職種"), Some(Use::Field("role")));
        assert_eq!(h.lookup(" 職 種 "), Some(Use::Field("role")));
        assert_eq!(h.lookup("職種（医師・看護師等）"), Some(Use::Field("role")));
        let h = Headers::new(&ASSETS, &map);
        assert_eq!(h.lookup("機器名"), Some(Use::Field("name")));
        assert_eq!(h.lookup("機器名称"), Some(Use::Field("name")));
        assert_eq!(h.lookup("機器 名"), Some(Use::Field("name")));
        assert_eq!(h.lookup("機器名（通称）"), Some(Use::Field("name")));
        // 端末名 stays the computer name; 名称 alone is the OS sub-header's word.
        assert_eq!(h.lookup("端末名"), Some(Use::Field("hostname")));
        assert_eq!(h.lookup("名称"), None);
    }

    #[test]
    fn every_export_header_is_recognised_as_its_field() {
        let map = MapFile::default();
        for target in [&ASSETS, &ACCOUNTS] {
            let h = Headers::new(target, &map);
            for f in target.fields {
                assert_eq!(h.lookup(f.ja()), Some(Use::Field(f.path)), "{}", f.ja());
                assert_eq!(h.lookup(f.path), Some(Use::Field(f.path)), "{}", f.path);
            }
        }
    }

    #[test]
    fn two_row_header_with_group() {
        let map = MapFile::default();
        let h = Headers::new(&ASSETS, &map);
        let rows = vec![
            row(1, &["機器台帳（令和7年4月1日現在）"]),
            row(3, &["機器ID", "種別", "OS", "", "", "設置場所", "備考"]),
            row(4, &["", "", "名称", "バージョン", "サポート終了日", "", ""]),
            row(5, &["srv-01", "サーバ", "Windows Server", "2019", "2029/1/9", "サーバ室", ""]),
        ];
        let (header, used) = detect(&rows, &h).unwrap();
        assert_eq!(header.rows, (3, 4));
        assert_eq!(used, 3);
        let cols: Vec<(u32, String, Use)> =
            header.columns.into_iter().map(|c| (c.index, c.header, c.used)).collect();
        assert_eq!(
            cols,
            vec![
                (0, "機器ID".into(), Use::Field("id")),
                (1, "種別".into(), Use::Field("type")),
                (2, "OS / 名称".into(), Use::Field("os.name")),
                (3, "OS / バージョン".into(), Use::Field("os.version")),
                (4, "OS / サポート終了日".into(), Use::Field("os.support_ends_on")),
                (5, "設置場所".into(), Use::Field("location")),
                (6, "備考".into(), Use::Unknown("x-備考".into())),
            ]
        );
    }

    #[test]
    fn a_header_without_its_id_column_is_the_best_guess() {
        let map = MapFile::default();
        let h = Headers::new(&ASSETS, &map);
        let rows = vec![
            row(1, &["機器台帳"]),
            row(2, &["", "種別"]),
            row(3, &["番号", "種別", "設置場所", "管理部署"]),
            row(4, &["1", "サーバ", "サーバ室", "情報システム課"]),
        ];
        assert!(detect(&rows, &h).is_none());
        let guess = best_guess(&rows, &h).unwrap();
        assert_eq!((guess.row, guess.fields, guess.has_id(&ASSETS)), (3, 3, false));
        let found: Vec<(u32, &str)> = guess.found.iter().map(|(c, _, p)| (*c, *p)).collect();
        assert_eq!(found, vec![(1, "type"), (2, "location"), (3, "manager")]);
        assert!(best_guess(&rows[..1], &h).is_none());
    }

    #[test]
    fn one_row_header_below_a_title() {
        let map = MapFile::default();
        let h = Headers::new(&ASSETS, &map);
        let rows = vec![
            row(1, &["機器一覧"]),
            row(2, &["資産番号", "機器種別", "ホスト名"]),
            row(3, &["pc-01", "端末", "PC01"]),
        ];
        let (header, used) = detect(&rows, &h).unwrap();
        assert_eq!((header.rows, used, header.columns.len()), ((2, 2), 2, 3));
        assert!(detect(&rows[..1], &h).is_none());
    }
}

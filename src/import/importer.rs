//! Rows → items: the [`Importer`] takes the header's columns, reads each
//! row's cells into its fields (merging columns that fill one field, adding
//! defaults, dropping objects that lack a required member), reports every
//! problem at its cell, and at the end writes the YAML and verifies it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::document::schemas::Schemas;
use crate::import::convert::{read_cell, resolve_refs};
use crate::import::fields::{Field, Target, Ty, Use};
use crate::import::headers::{self, Column};
use crate::import::mapfile::MapFile;
use crate::import::problem::{Consequence, Place, Problem, Summary};
use crate::import::table::{Row, column_name};
use crate::import::verify::verify;
use crate::import::{Imported, emit, refs, values};
use crate::kernel::error::Fatal;
use crate::kernel::finding::Text;

/// Objects whose fields are required once the object exists.
const GROUP_REQUIRED: &[(&str, &[&str])] = &[
    ("os", &["name"]),
    ("patch", &["last_applied_on"]),
    ("remote_maintenance", &["used"]),
    ("admin_credential", &["changed_from_default", "unique_to_device"]),
    ("anti_malware", &["kind"]),
    ("management_access", &["from_internet"]),
];

/// One read value and the column it came from.
struct Got {
    target: &'static str,
    path: &'static str,
    col: u32,
    value: Value,
}

pub(super) struct Importer<'m> {
    target: &'static Target,
    map: &'m MapFile,
    refs: &'m refs::Refs,
    pub(super) place: Place,
    /// Columns that fill fields, in column order.
    columns: Vec<Column>,
    defaults: Vec<(&'static Field, Value)>,
    pub(super) problems: Vec<Problem>,
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
    pub(super) fn new(
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

    pub(super) fn row(&mut self, row: &Row) {
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

    pub(super) fn finish(mut self, top: &Map<String, Value>, schemas: &Schemas) -> Result<Imported, Fatal> {
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

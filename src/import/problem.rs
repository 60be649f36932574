//! What an import reports: a [`Problem`] at a cell, column or row (and what
//! anzen did about it), the [`Summary`] counts, both in Japanese and English,
//! and the [`Place`] that makes the addresses (`台帳.xlsx:機器一覧!F23`).

use crate::import::table::column_name;
use crate::kernel::finding::{Lang, Text};

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

pub(super) fn preview(v: &str) -> String {
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

/// Where rows come from, for addresses and comments.
pub(super) struct Place {
    /// The path as given.
    pub(super) display: String,
    /// The file name only (comments use it, so the output does not depend on
    /// the directory the import ran in).
    pub(super) file_name: String,
    pub(super) sheet: Option<String>,
}

impl Place {
    pub(super) fn cell(&self, col: u32, row: u32) -> String {
        match &self.sheet {
            Some(s) => format!("{}:{s}!{}{row}", self.display, column_name(col)),
            None => format!("{}:{}{row}", self.display, column_name(col)),
        }
    }

    pub(super) fn whole(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}:{s}", self.display),
            None => self.display.clone(),
        }
    }

    pub(super) fn comment(&self, row: u32) -> String {
        match &self.sheet {
            Some(s) => format!("{} {s}!{row}", self.file_name),
            None => format!("{}:{row}", self.file_name),
        }
    }
}

//! Source files, byte spans and the one place where byte offsets become
//! lines and columns.
//!
//! Every position anzen reports derives from a [`Span`] (byte offsets into a
//! [`SourceFile`]'s text). Lines are 1-based; columns are 1-based and count
//! Unicode scalar values (characters), so a column in Japanese text matches
//! what an editor shows. [`SourceFile`] also implements [`miette::SourceCode`]
//! with a line index, which keeps rendering linear (miette's own `str`
//! implementation rescans the text from the start for every label).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// A byte range in one source text, end exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Self { start, end }
    }

    /// An empty span at `at`.
    pub const fn point(at: u32) -> Self {
        Self { start: at, end: at }
    }

    pub const fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl From<Span> for SourceSpan {
    fn from(s: Span) -> Self {
        (s.start as usize..s.end as usize).into()
    }
}

/// A 1-based line and a 1-based column counted in characters (`0:0` until
/// resolved).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// The text of one file, with its line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to the user: relative to the current directory
    /// when possible, `/`-separated.
    display: String,
    /// The path used to open the file.
    path: PathBuf,
    text: Arc<str>,
    /// Byte offset of the start of every line.
    line_starts: Vec<u32>,
    /// Where the YAML parser found scalars holding a `#` (so a `#` there is
    /// no comment); `None` when the file was not parsed for them.
    hash_scalars: Option<Vec<Span>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: Arc<str>) -> Self {
        let line_starts = line_starts(&text);
        Self { display, path, text, line_starts, hash_scalars: None }
    }

    /// Records the parser's scalars holding a `#` (in text order).
    pub fn set_hash_scalars(&mut self, spans: Vec<Span>) {
        self.hash_scalars = Some(spans);
    }

    /// Whether byte `at` starts a YAML comment: a `#` at the start of a line
    /// or after a blank, outside every scalar. `None` when the file was not
    /// parsed for it.
    pub fn is_comment_start(&self, at: usize) -> Option<bool> {
        let spans = self.hash_scalars.as_ref()?;
        let bytes = self.text.as_bytes();
        if bytes.get(at) != Some(&b'#') {
            return Some(false);
        }
        if at > 0 && !matches!(bytes.get(at - 1), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            return Some(false);
        }
        let at = at as u32;
        let i = spans.partition_point(|s| s.start <= at);
        Some(!spans[..i].iter().rev().take(64).any(|s| at < s.end))
    }

    pub fn display(&self) -> &str {
        &self.display
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> usize {
        let n = self.line_starts.len();
        if n > 1 && self.line_starts[n - 1] as usize == self.text.len() { n - 1 } else { n }
    }

    /// The 0-based index of the line holding byte `offset`.
    fn line_index(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte offset of the start of 1-based `line`, clamped to the text.
    pub fn line_start(&self, line: u32) -> u32 {
        let i = (line.max(1) - 1) as usize;
        self.line_starts.get(i).copied().unwrap_or(self.text.len() as u32)
    }

    /// The text of 1-based `line`, without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let start = self.line_start(line) as usize;
        let end = self.line_starts.get(line as usize).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }

    /// Line and character column of byte `offset` (clamped to the text and
    /// moved back to a character boundary).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = self.floor_char_boundary(offset);
        let line = self.line_index(offset);
        let start = self.line_starts[line] as usize;
        let column = self.text[start..offset as usize].chars().count() as u32 + 1;
        LineCol { line: line as u32 + 1, column }
    }

    fn floor_char_boundary(&self, offset: u32) -> u32 {
        let mut o = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(o) {
            o -= 1;
        }
        o as u32
    }
}

fn line_starts(text: &str) -> Vec<u32> {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i as u32 + 1)).collect()
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text_len = self.text.len();
        let start = span.offset();
        let end = start + span.len();
        if start > text_len || end > text_len {
            return Err(MietteError::OutOfBounds);
        }
        let start_line = self.line_index(start as u32);
        let first = start_line.saturating_sub(context_lines_before);
        let last_of_span = self.line_index(end.saturating_sub(usize::from(!span.is_empty())) as u32);
        let last = (last_of_span + context_lines_after).min(self.line_starts.len() - 1);
        let to = self.line_starts.get(last + 1).map_or(text_len, |&e| e as usize);
        // Without context, the contents start at the span and `column` is
        // the span's (0-based, in characters): miette prints it in the
        // `[file:line:col]` header.
        let (from, column) = if context_lines_before == 0 {
            let line_start = self.line_starts[start_line] as usize;
            let start = self.floor_char_boundary(start as u32) as usize;
            (start, self.text[line_start..start].chars().count())
        } else {
            (self.line_starts[first] as usize, 0)
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.display.clone(),
            &self.text.as_bytes()[from..to],
            (from..to).into(),
            first,
            column,
            last - first + 1,
        )))
    }
}

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// Every file anzen read in this run, in discovery order; or, sparse, the
/// files of one batch under their run-wide ids.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
    /// A sparse map: the id of each of `files` (ascending), and what the
    /// ids not held read as. A batch's map holds its own files only, so
    /// making it costs nothing per file of the run.
    sparse: Option<(Vec<FileId>, Arc<SourceFile>)>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.add_shared(Arc::new(file))
    }

    /// Appends a file (to a dense map).
    pub fn add_shared(&mut self, file: Arc<SourceFile>) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// A map with a text-less entry per `(path, display)`, to be filled in
    /// with [`SourceMap::set`] as files are read.
    pub fn placeholders<'a>(files: impl Iterator<Item = (&'a Path, &'a str)>) -> Self {
        let files = files
            .map(|(p, d)| Arc::new(SourceFile::new(p.to_path_buf(), d.to_owned(), Arc::from(""))))
            .collect();
        Self { files, sparse: None }
    }

    /// A map holding only `files` (any other id reads as an empty file):
    /// the texts of one batch, addressed by their run-wide ids.
    pub fn sparse(mut files: Vec<(FileId, Arc<SourceFile>)>) -> Self {
        files.sort_by_key(|(id, _)| *id);
        files.dedup_by_key(|(id, _)| *id);
        let empty = Arc::new(SourceFile::new(PathBuf::new(), String::new(), Arc::from("")));
        let (ids, files) = files.into_iter().unzip();
        Self { files, sparse: Some((ids, empty)) }
    }

    /// Where file `id` is held in `files`.
    fn slot(&self, id: FileId) -> Option<usize> {
        match &self.sparse {
            None => Some(id.0 as usize).filter(|&i| i < self.files.len()),
            Some((ids, _)) => ids.binary_search(&id).ok(),
        }
    }

    /// Puts the text of file `id` in place (a file the map holds).
    pub fn set(&mut self, id: FileId, file: Arc<SourceFile>) {
        if let Some(i) = self.slot(id) {
            self.files[i] = file;
        }
    }

    pub fn get(&self, id: FileId) -> &Arc<SourceFile> {
        match (self.slot(id), &self.sparse) {
            (Some(i), _) => &self.files[i],
            (None, Some((_, empty))) => empty,
            (None, None) => &self.files[id.0 as usize],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from("t.yaml"), "t.yaml".into(), Arc::from(text))
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let f = file("name: 電子カルテ\nid: x\n");
        // "id" starts after the first line (6 + 3*5 + 1 bytes)
        let id = f.text().find("id").unwrap() as u32;
        assert_eq!(f.line_col(id), LineCol { line: 2, column: 1 });
        let x = f.text().find('x').unwrap() as u32;
        assert_eq!(f.line_col(x), LineCol { line: 2, column: 5 });
        let kana = f.text().find('カ').unwrap() as u32;
        assert_eq!(f.line_col(kana), LineCol { line: 1, column: 9 });
    }

    #[test]
    fn offsets_inside_a_character_move_back() {
        let f = file("電子");
        assert_eq!(f.line_col(1), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(100), LineCol { line: 1, column: 3 });
    }

    #[test]
    fn crlf_lines_keep_their_columns() {
        let f = file("a: 1\r\nbb: 2\r\n");
        let two = f.text().find('2').unwrap() as u32;
        assert_eq!(f.line_col(two), LineCol { line: 2, column: 5 });
        assert_eq!(f.line_text(2), "bb: 2");
        assert_eq!(f.line_count(), 2);
    }

    #[test]
    fn sparse_maps_hold_one_batch_under_run_wide_ids() {
        let held = |text: &str| Arc::new(file(text));
        let mut map = SourceMap::sparse(vec![(FileId(7), held("seven")), (FileId(2), held("two"))]);
        assert_eq!(map.get(FileId(2)).text(), "two");
        assert_eq!(map.get(FileId(7)).text(), "seven");
        assert_eq!(map.get(FileId(3)).text(), "", "an id the batch does not hold reads as empty");
        assert_eq!(map.get(FileId(1_000_000)).text(), "");
        map.set(FileId(7), held("seven again"));
        assert_eq!(map.get(FileId(7)).text(), "seven again");
    }
}

//! Load: read each discovered file once, parse it into spanned YAML
//! documents and keep those that are anzen's.
//!
//! A file that cannot be read or parsed contributes no documents and one
//! finding (DOC-001 / DOC-009); the other files are unaffected. Files are
//! read and parsed in parallel; results keep discovery order.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;

use crate::document::model::Kind;
use crate::document::node::{Node, NodeValue};
use crate::document::yaml::{self, YamlError};
use crate::document::{API_VERSION, Document, InputLimits, yaml_error_text};
use crate::kernel::finding::{Finding, Text};
use crate::kernel::source::{FileId, SourceFile, Span};
use crate::pipeline::discover::{Discovered, FileEntry, Problem};
use crate::rules::catalog::Catalog;
use crate::rules::doc::Doc;

/// Bytes searched for a NUL to call a file binary (SPEC §1).
const BINARY_SNIFF: usize = 8 * 1024;

/// What the load stage produced for a set of files.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Per file, in discovery order.
    pub files: Vec<LoadedFile>,
    pub findings: Vec<Finding>,
}

/// What one file contributed.
#[derive(Debug)]
pub struct LoadedFile {
    pub id: FileId,
    /// The file's text (empty when it could not be read).
    pub source: SourceFile,
    pub documents: Vec<Document>,
    /// The file could not be read or parsed (it has a DOC-001/DOC-009).
    pub failed: bool,
}

impl Loaded {
    pub fn documents(&self) -> impl Iterator<Item = &Document> {
        self.files.iter().flat_map(|f| f.documents.iter())
    }

    /// Adds `other`'s files (kept in file order).
    pub fn extend(&mut self, other: Loaded) {
        self.files.extend(other.files);
        self.files.sort_by_key(|f| f.id);
        self.findings.extend(other.findings);
    }
}

/// What loading one file produced.
pub struct FileResult {
    pub file: LoadedFile,
    pub findings: Vec<Finding>,
}

/// Reads and parses the discovered files `ids` (indexes into
/// `discovered.files`, which are also their `FileId`s), in parallel.
pub fn load_files(discovered: &Discovered, ids: &[usize], limits: &InputLimits, catalog: &Catalog) -> Loaded {
    let results: Vec<FileResult> =
        ids.par_iter().map(|&i| load_file(FileId(i as u32), &discovered.files[i], limits, catalog)).collect();
    let mut loaded = Loaded::default();
    for r in results {
        loaded.files.push(r.file);
        loaded.findings.extend(r.findings);
    }
    loaded
}

fn load_file(id: FileId, entry: &FileEntry, limits: &InputLimits, catalog: &Catalog) -> FileResult {
    if let Some(problem) = entry.problem.as_deref() {
        let message = match problem {
            Problem::SymlinkUnusable => Text::new(
                "スキャン対象の外を指す（またはリンク切れ・ループした）シンボリックリンクです。読み込みません",
                "symlink leads outside the scan root (or is broken or looping); not read",
            ),
            Problem::Unreadable { reason } => {
                Text::new(format!("読み込めません: {reason}"), format!("cannot be read: {reason}"))
            }
            Problem::NotRegularFile { what } => Text::new(
                format!("通常のファイルではありません（{what}）。読み込みません"),
                format!("not a regular file ({what}); not opened"),
            ),
        };
        return unreadable(id, entry, catalog, message, None);
    }
    let bytes = match read_limited(entry, limits.max_file_size) {
        Ok(b) => b,
        Err(ReadError::TooLarge(size)) => {
            return unreadable(
                id,
                entry,
                catalog,
                Text::new(
                    format!("ファイルが大きすぎます（{size} バイト、上限 {} バイト）", limits.max_file_size),
                    format!("file is too large ({size} bytes; the limit is {} bytes)", limits.max_file_size),
                ),
                Some(Text::new(
                    "ファイルを分割するか、anzen.yaml の limits.max_file_size を引き上げてください。",
                    "split the file, or raise limits.max_file_size in anzen.yaml",
                )),
            );
        }
        Err(ReadError::Io(e)) => {
            return unreadable(
                id,
                entry,
                catalog,
                Text::new(format!("ファイルを読めません: {e}"), format!("cannot read the file: {e}")),
                None,
            );
        }
    };
    load_bytes(id, entry, bytes, limits, catalog)
}

/// Loads a file's content (already read, within the size limit): the
/// binary and encoding checks, YAML, and document recognition.
pub fn load_bytes(
    id: FileId,
    entry: &FileEntry,
    bytes: Vec<u8>,
    limits: &InputLimits,
    catalog: &Catalog,
) -> FileResult {
    if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        return unreadable(
            id,
            entry,
            catalog,
            Text::new(
                "バイナリファイルです（先頭 8 KiB に NUL バイトがあります）",
                "binary file (a NUL byte in the first 8 KiB)",
            ),
            None,
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let sjis = looks_like_shift_jis(e.as_bytes());
            let (ja, en) = if sjis {
                (
                    format!(
                        "UTF-8 ではありません（{at} バイト目）。Shift_JIS (CP932) で保存されているようです"
                    ),
                    format!("not valid UTF-8 (at byte {at}); the file looks like Shift_JIS (CP932)"),
                )
            } else {
                (format!("UTF-8 ではありません（{at} バイト目）"), format!("not valid UTF-8 (at byte {at})"))
            };
            return unreadable(
                id,
                entry,
                catalog,
                Text::new(ja, en),
                Some(Text::new(
                    format!(
                        "UTF-8 に変換してください（iconv -f CP932 -t UTF-8 {0} > {0}.utf8）。",
                        entry.display()
                    ),
                    format!("convert it to UTF-8: iconv -f CP932 -t UTF-8 {0} > {0}.utf8", entry.display()),
                )),
            );
        }
    };
    let mut source = SourceFile::new(entry.path.to_path_buf(), entry.display().to_owned(), Arc::from(text));
    let mut findings = Vec::new();
    // Inline suppressions come from real comments only: the parser says
    // which `#` are inside scalars.
    let parsed = if source.text().contains(crate::pipeline::suppress::MARKER) {
        yaml::parse_with_hash_scalars(source.text(), &limits.yaml).map(|(nodes, spans)| {
            source.set_hash_scalars(spans);
            nodes
        })
    } else {
        yaml::parse(source.text(), &limits.yaml)
    };
    let nodes = match parsed {
        Ok(nodes) => nodes,
        Err(e) => {
            findings.push(yaml_finding(id, &e, &source, catalog));
            return FileResult {
                file: LoadedFile { id, source, documents: Vec::new(), failed: true },
                findings,
            };
        }
    };
    let mut documents = Vec::new();
    for (index, root) in nodes.into_iter().enumerate() {
        match recognise(&root) {
            Recognised::Foreign => {}
            Recognised::Anzen(Kind::Config) => {}
            Recognised::Anzen(kind) => documents.push(Document { file: id, index, kind, root }),
            Recognised::Problem { span, message } => findings.push(Finding {
                help: Some(Text::new(
                    format!("kind には次のいずれかを書いてください: {}。", kind_list()),
                    format!("`kind` must be one of: {}", kind_list()),
                )),
                pointer: Some(String::new()),
                ..catalog.finding(Doc::NotAnAnzenDocument, id, span, message)
            }),
        }
    }
    if entry.explicit && documents.is_empty() && findings.is_empty() {
        findings.push(catalog.finding(
            Doc::NotAnAnzenDocument,
            id,
            Span::point(0),
            Text::new(
                format!("anzen の文書がありません（`apiVersion: {API_VERSION}` と `kind` を持つ文書）"),
                format!("no anzen document in this file (a document with `apiVersion: {API_VERSION}` and a `kind`)"),
            ),
        ));
    }
    FileResult { file: LoadedFile { id, source, documents, failed: false }, findings }
}

fn kind_list() -> String {
    Kind::ALL.iter().filter(|k| **k != Kind::Config).map(|k| k.name()).collect::<Vec<_>>().join(", ")
}

enum ReadError {
    TooLarge(u64),
    Io(std::io::Error),
}

/// Reads at most `limit` bytes; a larger file is rejected without being
/// read whole (its size comes from metadata, and the read is capped in case
/// the file grows meanwhile).
fn read_limited(entry: &FileEntry, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = File::open(&entry.path).map_err(ReadError::Io)?;
    let size = file.metadata().map_err(ReadError::Io)?.len();
    if size > limit {
        return Err(ReadError::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// A cheap check: does the start of `bytes` decode as Shift_JIS double-byte
/// characters (lead 0x81–0x9F/0xE0–0xFC, trail 0x40–0xFC except 0x7F)?
fn looks_like_shift_jis(bytes: &[u8]) -> bool {
    let mut pairs = 0;
    let mut i = 0;
    let sample = &bytes[..bytes.len().min(4096)];
    while i < sample.len() {
        let b = sample[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        if (0xA1..=0xDF).contains(&b) {
            i += 1; // half-width katakana
            continue;
        }
        let lead = (0x81..=0x9F).contains(&b) || (0xE0..=0xFC).contains(&b);
        match sample.get(i + 1) {
            Some(&t) if lead && (0x40..=0xFC).contains(&t) && t != 0x7F => {
                pairs += 1;
                i += 2;
            }
            None => break,
            _ => return false,
        }
    }
    pairs > 0
}

/// The result for a file that could not be read or is not text: DOC-009.
fn unreadable(
    id: FileId,
    entry: &FileEntry,
    catalog: &Catalog,
    message: Text,
    help: Option<Text>,
) -> FileResult {
    let source = SourceFile::new(entry.path.to_path_buf(), entry.display().to_owned(), Arc::from(""));
    FileResult {
        file: LoadedFile { id, source, documents: Vec::new(), failed: true },
        findings: vec![Finding { help, ..catalog.finding(Doc::UnreadableFile, id, Span::point(0), message) }],
    }
}

fn yaml_finding(id: FileId, e: &YamlError, source: &SourceFile, catalog: &Catalog) -> Finding {
    let (message, help) = yaml_error_text(e, source);
    Finding { help, ..catalog.finding(Doc::YamlSyntax, id, e.span, message) }
}

enum Recognised {
    /// Not an anzen document: ignored.
    Foreign,
    Anzen(Kind),
    /// Meant for anzen, but unusable (DOC-003).
    Problem {
        span: Span,
        message: Text,
    },
}

fn recognise(root: &Node) -> Recognised {
    let NodeValue::Map(_) = root.value else { return Recognised::Foreign };
    let Some(api) = root.entry("apiVersion") else { return Recognised::Foreign };
    let Some(version) = api.value.as_str() else { return Recognised::Foreign };
    if version != API_VERSION {
        if version.starts_with("anzen/") {
            return Recognised::Problem {
                span: api.value.span,
                message: Text::new(
                    format!("未対応の apiVersion `{version}` です（対応: {API_VERSION}）"),
                    format!("unsupported apiVersion `{version}` (supported: {API_VERSION})"),
                ),
            };
        }
        return Recognised::Foreign;
    }
    let Some(kind) = root.entry("kind") else {
        return Recognised::Problem {
            span: api.key_span,
            message: Text::new("kind がありません", "the document has no `kind`"),
        };
    };
    match kind.value.as_str().and_then(Kind::parse) {
        Some(k) if kind.value.as_str() == Some(k.name()) => Recognised::Anzen(k),
        _ => {
            let shown = match &kind.value.value {
                NodeValue::String(s) => s.to_string(),
                _ => "?".to_owned(),
            };
            Recognised::Problem {
                span: kind.value.span,
                message: Text::new(format!("未知の kind `{shown}` です"), format!("unknown kind `{shown}`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_is_recognised() {
        // 「電子カルテ」 in CP932
        let sjis = [0x93, 0x64, 0x8E, 0x71, 0x83, 0x4A, 0x83, 0x8B, 0x83, 0x65];
        assert!(looks_like_shift_jis(&sjis));
        assert!(!looks_like_shift_jis(&[0xFF, 0xFE, 0x00]));
        assert!(!looks_like_shift_jis(b"plain ascii"));
    }
}

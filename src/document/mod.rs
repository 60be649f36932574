//! Documents: what an anzen document is, independent of how a run finds
//! it — the spanned YAML tree ([`yaml`] parses into [`node`]s, addressed
//! by JSON [`pointer`](mod@pointer)s), its [`model`] (kinds, lists, stable paths), the
//! embedded JSON Schemas ([`schemas`]) and the adapter that lets
//! `jsonschema` read a tree in place ([`tree`]).
//!
//! May import: `kernel` only.

pub mod model;
pub mod node;
pub mod pointer;
pub mod schemas;
pub mod tree;
pub mod yaml;

use std::fs::File;
use std::io::Read;

use crate::kernel::error::Fatal;
use crate::kernel::finding::Text;
use crate::kernel::source::{FileId, SourceFile};
use model::Kind;
use node::Node;
use yaml::{Limits, YamlError, YamlErrorKind};

/// The `apiVersion` of every anzen document.
pub const API_VERSION: &str = "anzen/v1";

/// Most bytes of a configuration or rule file.
pub const MAX_CONFIG_FILE_SIZE: u64 = 1024 * 1024;

/// Reads a configuration or rule file with the checks documents get: a
/// regular file (never a FIFO or device), at most [`MAX_CONFIG_FILE_SIZE`]
/// bytes, UTF-8; and when `root` is given (the file was found there rather
/// than named by the user) it must resolve inside `root`: a committed
/// `anzen.yaml -> ~/.aws/credentials` is refused, and the error does not
/// say where the link points.
pub fn read_config_file(path: &std::path::Path, root: Option<&std::path::Path>) -> Result<String, Fatal> {
    let shown = crate::kernel::fsutil::display_path(path, std::env::current_dir().ok().as_deref());
    let refuse = |ja: String, en: String| Fatal::Said { message: Text::new(ja, en), help: None };
    if let Some(root) = root {
        let root =
            std::fs::canonicalize(root).map_err(|e| Fatal::Path { path: root.to_path_buf(), source: e })?;
        if !std::fs::canonicalize(path).is_ok_and(|target| target.starts_with(&root)) {
            return Err(refuse(
                format!(
                    "{shown} はディレクトリの外を指す（またはリンク切れの）シンボリックリンクです。読み込みません"
                ),
                format!("{shown} is a symbolic link leading outside its directory (or broken); not read"),
            ));
        }
    }
    let meta = std::fs::metadata(path).map_err(|e| Fatal::Path { path: path.to_path_buf(), source: e })?;
    if !meta.is_file() {
        return Err(refuse(
            format!("{shown} は通常のファイルではありません。読み込みません"),
            format!("{shown} is not a regular file; not read"),
        ));
    }
    let too_large = |size: u64| {
        refuse(
            format!("{shown} が大きすぎます（{size} バイト、上限 {MAX_CONFIG_FILE_SIZE} バイト）"),
            format!("{shown} is too large ({size} bytes; the limit is {MAX_CONFIG_FILE_SIZE} bytes)"),
        )
    };
    if meta.len() > MAX_CONFIG_FILE_SIZE {
        return Err(too_large(meta.len()));
    }
    let file = File::open(path).map_err(|e| Fatal::Path { path: path.to_path_buf(), source: e })?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Fatal::Path { path: path.to_path_buf(), source: e })?;
    if bytes.len() as u64 > MAX_CONFIG_FILE_SIZE {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        refuse(
            format!("{shown} は UTF-8 ではありません（{at} バイト目）"),
            format!("{shown} is not valid UTF-8 (at byte {at})"),
        )
    })
}

/// Input limits (SPEC §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputLimits {
    pub max_file_size: u64,
    pub yaml: Limits,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self { max_file_size: 16 * 1024 * 1024, yaml: Limits::default() }
    }
}

/// One anzen document.
#[derive(Debug)]
pub struct Document {
    pub file: FileId,
    /// Index of the document within its file (0-based).
    pub index: usize,
    pub kind: Kind,
    /// Its values, with the span of each (see [`node`]).
    pub root: Node,
}

/// A YAML error of `source` in both languages, with help.
pub fn yaml_error_text(e: &YamlError, source: &SourceFile) -> (Text, Option<Text>) {
    let (ja, help) = match &e.kind {
        YamlErrorKind::Syntax => ("YAML の構文エラー".to_owned(), None),
        YamlErrorKind::DuplicateKey { first } => {
            let line = source.line_col(first.start).line;
            (
                format!("キーが重複しています（最初は {line} 行目）"),
                Some(Text::new(
                    "同じキーは一つの mapping に一度だけ書けます。どちらかを削除してください。",
                    "a key may appear once per mapping; remove one of the two",
                )),
            )
        }
        YamlErrorKind::AliasLimit => (
            "エイリアスの展開が上限を超えました（billion laughs 攻撃の可能性）".to_owned(),
            Some(Text::new(
                "エイリアス（*name）の多重展開をやめるか、limits.max_alias_nodes / max_alias_bytes を引き上げてください。",
                "avoid nested alias expansion, or raise limits.max_alias_nodes / max_alias_bytes",
            )),
        ),
        YamlErrorKind::DepthLimit => (
            "入れ子が深すぎます".to_owned(),
            Some(Text::new("limits.max_depth を確認してください。", "see limits.max_depth")),
        ),
        YamlErrorKind::DocumentLimit => (
            "1 ファイルの文書数が上限を超えました".to_owned(),
            Some(Text::new(
                "ファイルを分割するか limits.max_documents を引き上げてください。",
                "split the file, or raise limits.max_documents",
            )),
        ),
        YamlErrorKind::UnsupportedKey => {
            ("mapping のキーにはスカラー（文字列など）しか使えません".to_owned(), None)
        }
    };
    (Text::new(format!("{ja}: {}", e.message), e.message.clone()), help)
}

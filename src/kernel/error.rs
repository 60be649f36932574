//! Errors that stop anzen from doing its job (exit 2). Problems in the
//! input are never errors: they are findings.

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::kernel::finding::{Lang, Text};
use crate::kernel::source::SourceFile;

/// A problem that ends the run with exit code 2.
#[derive(Debug, Error, Diagnostic)]
pub enum Fatal {
    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(help("check the path and its permissions"))]
    Path {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("invalid glob `{glob}`: {reason}")]
    Glob { glob: String, reason: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<Located>),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Rule(Box<Located>),

    #[error("{0}")]
    Usage(String),

    #[error("not overwriting existing files in {}: {files}", dir.display())]
    #[diagnostic(help("pass --force to overwrite them, or give `anzen init` another directory"))]
    WouldOverwrite { dir: PathBuf, files: String },

    #[error("rule evaluation took longer than {limit_ms} ms: {what}")]
    #[diagnostic(help(
        "the rule is too expensive for this input (nested comprehensions over large lists?); simplify it, or raise limits.rule_timeout_ms in anzen.yaml"
    ))]
    RuleTimeout { what: String, limit_ms: u128 },

    /// A spreadsheet or ledger that cannot be imported or exported at all.
    #[error("{path}: {message}")]
    Input { path: String, message: String },

    /// `anzen import --strict` found problems; nothing was written.
    #[error("{count} problem(s) in the spreadsheet; with --strict nothing was written")]
    #[diagnostic(help("fix the cells listed above, map them with --map, or drop --strict"))]
    Strict { count: usize },

    /// A message written in both languages (usage errors, a run that
    /// checked nothing).
    #[error("{}", message.en)]
    Said { message: Text, help: Option<Text> },

    #[error("internal error: {0}")]
    #[diagnostic(help("this is a bug in anzen; please report it"))]
    Internal(String),
}

/// A problem in a configuration or rule file, located in it; every text
/// in both languages.
#[derive(Debug, Error)]
#[error("{}", message.en)]
pub struct Located {
    message: Text,
    src: NamedSource<String>,
    span: SourceSpan,
    label: Text,
    help: Option<Text>,
}

impl Diagnostic for Located {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(&h.en) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(miette::LabeledSpan::new_with_span(
            Some(self.label.en.clone()),
            self.span,
        ))))
    }
}

impl Located {
    fn new(
        file: &SourceFile,
        span: crate::kernel::source::Span,
        message: Text,
        label: Text,
        help: Option<Text>,
    ) -> Box<Self> {
        let (text, span) = excerpt(file, span);
        Box::new(Located {
            message,
            src: NamedSource::new(file.display(), text).with_language("yaml"),
            span,
            label,
            help,
        })
    }
}

impl Fatal {
    /// A config-file problem at `span` of `file`.
    pub fn in_config(
        file: &SourceFile,
        span: crate::kernel::source::Span,
        message: Text,
        label: Text,
        help: Option<Text>,
    ) -> Self {
        Fatal::Config(Located::new(file, span, message, label, help))
    }

    /// A config-file problem at `span` of `file`, in English only (shown
    /// as is in Japanese too). Only `import --map`'s mapping file still
    /// uses it; every other file problem is [`Fatal::in_config`].
    pub fn config(
        file: &SourceFile,
        span: crate::kernel::source::Span,
        message: String,
        label: String,
        help: Option<String>,
    ) -> Self {
        let same = |s: String| Text::new(s.clone(), s);
        Fatal::in_config(file, span, same(message), same(label), help.map(same))
    }

    /// A rule-file problem at `span` of `file`.
    pub fn rule(
        file: &SourceFile,
        span: crate::kernel::source::Span,
        message: Text,
        label: Text,
        help: Option<Text>,
    ) -> Self {
        Fatal::Rule(Located::new(file, span, message, label, help))
    }
}

/// What a diagnostic quotes of `file`: only the line `span` starts on, at
/// its line number, clipped around the span and with control characters
/// visible. Never the rest of the file: a config or rule file may be a
/// link to something the user did not mean to print (a secret).
fn excerpt(file: &SourceFile, span: crate::kernel::source::Span) -> (String, SourceSpan) {
    let at = file.line_col(span.start);
    let line_start = file.line_start(at.line) as usize;
    let line = file.line_text(at.line);
    let from = (span.start as usize).saturating_sub(line_start).min(line.len());
    let to = (span.end as usize).saturating_sub(line_start).clamp(from, line.len());
    let start = line[..from].char_indices().rev().nth(79).map_or(0, |(i, _)| i);
    let end = line[from..].char_indices().nth(160).map_or(line.len(), |(i, _)| from + i);
    let to = to.min(end);
    let mut text = "\n".repeat(at.line.saturating_sub(1) as usize);
    text.push_str(&crate::kernel::escape::visible_line(&line[start..from]));
    let label = text.len();
    text.push_str(&crate::kernel::escape::visible_line(&line[from..to]));
    let label_len = text.len() - label;
    text.push_str(&crate::kernel::escape::visible_line(&line[to..end]));
    text.push('\n');
    (text, (label, label_len).into())
}

impl Fatal {
    /// A usage error in both languages.
    pub fn usage(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Fatal::Said { message: Text::new(ja, en), help: None }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let io = |e: &std::io::Error| io_text(e, lang);
        match (lang, self) {
            (_, Fatal::Said { message, .. }) => message.get(lang).to_owned(),
            (_, Fatal::Config(located) | Fatal::Rule(located)) => located.message.get(lang).to_owned(),
            (Lang::En, Fatal::Path { path, source }) => {
                format!("cannot read {}: {}", path.display(), io(source))
            }
            (Lang::En, Fatal::Write { path, source }) => {
                format!("cannot write {}: {}", path.display(), io(source))
            }
            (Lang::En, other) => other.to_string(),
            (Lang::Ja, Fatal::Path { path, source }) => {
                format!("{} を読めません: {}", path.display(), io(source))
            }
            (Lang::Ja, Fatal::Write { path, source }) => {
                format!("{} に書き込めません: {}", path.display(), io(source))
            }
            (Lang::Ja, Fatal::Glob { glob, reason }) => format!("glob `{glob}` が正しくありません: {reason}"),
            (Lang::Ja, Fatal::WouldOverwrite { dir, files }) => {
                format!("{} の既存のファイルは上書きしません: {files}", dir.display())
            }
            (Lang::Ja, Fatal::RuleTimeout { what, limit_ms }) => {
                format!("ルールの評価が {limit_ms} ms を超えました: {what}")
            }
            (Lang::Ja, Fatal::Strict { count }) => {
                format!("表に問題が {count} 件あります。--strict のため何も書き出していません")
            }
            (Lang::Ja, Fatal::Internal(what)) => format!("内部エラー: {what}"),
            (Lang::Ja, other) => other.to_string(),
        }
    }

    /// The help in `lang`, if any.
    pub fn help_text(&self, lang: Lang) -> Option<String> {
        let ja = match self {
            Fatal::Said { help, .. } => return help.as_ref().map(|h| h.get(lang).to_owned()),
            Fatal::Config(located) | Fatal::Rule(located) => {
                return located.help.as_ref().map(|h| h.get(lang).to_owned());
            }
            Fatal::Path { .. } => "パスとその権限を確認してください。",
            Fatal::WouldOverwrite { .. } => {
                "上書きするには --force を付けるか、`anzen init` に別のディレクトリを指定してください。"
            }
            Fatal::RuleTimeout { .. } => {
                "この入力にはルールの計算量が大きすぎます（大きなリストに入れ子の内包表記？）。ルールを簡単にするか、anzen.yaml の limits.rule_timeout_ms を大きくしてください。"
            }
            Fatal::Strict { .. } => {
                "上に示したセルを直すか、--map で対応付けるか、--strict を外してください。"
            }
            Fatal::Internal(_) => "anzen の不具合です。報告してください。",
            _ => "",
        };
        match lang {
            Lang::Ja if !ja.is_empty() => Some(ja.to_owned()),
            _ => Diagnostic::help(self).map(|h| h.to_string()),
        }
    }

    /// The error as shown on the terminal in `lang`: message, the place in
    /// the file (config and rule errors) and help, without internal codes.
    pub fn render(self, lang: Lang, color: bool) -> String {
        let shown = Shown { message: self.message(lang), help: self.help_text(lang), lang, fatal: self };
        let theme =
            if color { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
        let mut text = String::new();
        match miette::GraphicalReportHandler::new_themed(theme).render_report(&mut text, &shown) {
            Ok(()) => text,
            Err(_) => format!("{}\n", shown.message),
        }
    }
}

/// An I/O error in `lang` (the system's own text when there is no
/// translation).
fn io_text(e: &std::io::Error, lang: Lang) -> String {
    use std::io::ErrorKind;
    match (lang, e.kind()) {
        (Lang::Ja, ErrorKind::NotFound) => "ファイルまたはディレクトリがありません".to_owned(),
        (Lang::Ja, ErrorKind::PermissionDenied) => "権限がありません".to_owned(),
        (Lang::Ja, ErrorKind::AlreadyExists) => "すでに存在します".to_owned(),
        (Lang::Ja, ErrorKind::IsADirectory) => "ディレクトリです".to_owned(),
        (Lang::Ja, ErrorKind::NotADirectory) => "ディレクトリではありません".to_owned(),
        _ => {
            // The OS text without Rust's " (os error N)" suffix.
            let text = e.to_string();
            match text.rsplit_once(" (os error ") {
                Some((head, _)) => head.to_owned(),
                None => text,
            }
        }
    }
}

/// A [`Fatal`] with its message and help in the chosen language; the
/// source and labels (of config and rule errors) are the error's own.
struct Shown {
    fatal: Fatal,
    lang: Lang,
    message: String,
    help: Option<String>,
}

impl std::fmt::Debug for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown {}

impl Diagnostic for Shown {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.fatal.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        match &self.fatal {
            Fatal::Config(located) | Fatal::Rule(located) => {
                let label = located.label.get(self.lang).to_owned();
                Some(Box::new(std::iter::once(miette::LabeledSpan::new_with_span(Some(label), located.span))))
            }
            other => other.labels(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_speak_the_chosen_language_without_codes() {
        let missing = || Fatal::Path {
            path: PathBuf::from("a/b"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let ja = missing().render(Lang::Ja, false);
        assert!(ja.contains("a/b を読めません: ファイルまたはディレクトリがありません"), "{ja}");
        assert!(ja.contains("パスとその権限を確認してください。"), "{ja}");
        let en = missing().render(Lang::En, false);
        assert!(en.contains("cannot read a/b"), "{en}");
        assert!(!ja.contains("anzen::") && !en.contains("anzen::"), "{ja}{en}");
        assert_eq!(Fatal::usage("日本語", "English").message(Lang::Ja), "日本語");
    }
}

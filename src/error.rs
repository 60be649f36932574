//! Errors that stop anzen from doing its job (exit 2). Problems in the
//! input are never errors: they are findings.

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::source::SourceFile;

/// A problem that ends the run with exit code 2.
#[derive(Debug, Error, Diagnostic)]
pub enum Fatal {
    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code(anzen::io::path), help("check the path and its permissions"))]
    Path {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(code(anzen::io::write))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("invalid glob `{glob}`: {reason}")]
    #[diagnostic(code(anzen::config::glob))]
    Glob { glob: String, reason: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Rule(Box<RuleError>),

    #[error("{0}")]
    #[diagnostic(code(anzen::usage))]
    Usage(String),

    #[error("not overwriting existing files in {}: {files}", dir.display())]
    #[diagnostic(
        code(anzen::init::exists),
        help("pass --force to overwrite them, or give `anzen init` another directory")
    )]
    WouldOverwrite { dir: PathBuf, files: String },

    #[error("rule evaluation took longer than {limit_ms} ms: {what}")]
    #[diagnostic(
        code(anzen::rules::timeout),
        help(
            "the rule is too expensive for this input (nested comprehensions over large lists?); simplify it, or raise limits.rule_timeout_ms in anzen.yaml"
        )
    )]
    RuleTimeout { what: String, limit_ms: u128 },

    /// A spreadsheet or ledger that cannot be imported or exported at all.
    #[error("{path}: {message}")]
    #[diagnostic(code(anzen::import::input))]
    Input { path: String, message: String },

    /// `anzen import --strict` found problems; nothing was written.
    #[error("{count} problem(s) in the spreadsheet; with --strict nothing was written")]
    #[diagnostic(
        code(anzen::import::strict),
        help("fix the cells listed above, map them with --map, or drop --strict")
    )]
    Strict { count: usize },

    #[error("internal error: {0}")]
    #[diagnostic(code(anzen::internal), help("this is a bug in anzen; please report it"))]
    Internal(String),
}

/// A problem in the configuration file, located in it.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(anzen::config::invalid))]
pub struct ConfigError {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

/// A problem in a rule file, located in it.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(anzen::rules::invalid))]
pub struct RuleError {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

impl Fatal {
    /// A config-file problem at `span` of `file`.
    pub fn config(
        file: &SourceFile,
        span: crate::source::Span,
        message: String,
        label: String,
        help: Option<String>,
    ) -> Self {
        Fatal::Config(Box::new(ConfigError {
            message,
            src: NamedSource::new(file.display(), file.text().to_owned()).with_language("yaml"),
            span: span.into(),
            label,
            help,
        }))
    }

    /// A rule-file problem at `span` of `file`.
    pub fn rule(
        file: &SourceFile,
        span: crate::source::Span,
        message: String,
        label: String,
        help: Option<String>,
    ) -> Self {
        Fatal::Rule(Box::new(RuleError {
            message,
            src: NamedSource::new(file.display(), file.text().to_owned()).with_language("yaml"),
            span: span.into(),
            label,
            help,
        }))
    }
}

//! What a command is asked to do, as plain data: the command line
//! (`crate::cli`, clap) is turned into an [`Invocation`] there, so no
//! command, stage or output sees clap.

use std::path::PathBuf;

use crate::import::Options as ImportOptions;
use crate::import::export::ExportOptions;
use crate::kernel::finding::Lang;
use crate::output::Format;
use crate::output::audit::ReportFormat;
use crate::pipeline::config::FailOn;

/// One run of anzen: the options every command shares, and the command.
#[derive(Debug)]
pub struct Invocation {
    /// `--lang`: the output language, when given.
    pub lang: Option<Lang>,
    /// `--color`.
    pub color: ColorWhen,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    pub request: Request,
}

/// When to colour the terminal output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    Always,
    Never,
}

/// The command and its own options.
#[derive(Debug)]
pub enum Request {
    Check(Box<CheckOptions>),
    Rules { format: RulesFormat, rules: Option<PathBuf> },
    Explain { id: String },
    Schema { kind: Option<String> },
    Import(Box<ImportOptions>),
    Export(ExportOptions),
    Stats(StatsOptions),
    Report(ReportOptions),
    Init(InitOptions),
}

/// `anzen check`.
#[derive(Debug, Default)]
pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    /// Every report asked for (at least one).
    pub formats: Vec<FormatSpec>,
    /// `--output FILE`: where the report without its own file goes.
    pub output: Option<PathBuf>,
    /// `--as-of`, as written (parsed with the configuration's date).
    pub as_of: Option<String>,
    pub fail_on: Option<FailOn>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// `--rules DIR`.
    pub rules: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub write_baseline: Option<PathBuf>,
    /// Write report files through symbolic links.
    pub force: bool,
    pub no_suppressions: bool,
    /// Worker threads (at least 1); `None`: every core.
    pub jobs: Option<usize>,
}

/// One requested report: a format and, optionally, its own file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatSpec {
    pub format: Format,
    pub path: Option<PathBuf>,
}

/// `anzen stats`.
#[derive(Debug)]
pub struct StatsOptions {
    pub paths: Vec<PathBuf>,
    pub format: StatsFormat,
    pub output: Option<PathBuf>,
    pub as_of: Option<String>,
    pub rules: Option<PathBuf>,
    pub jobs: Option<usize>,
}

/// Output format of `anzen stats`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsFormat {
    Table,
    Json,
    Csv,
}

/// `anzen report`.
#[derive(Debug)]
pub struct ReportOptions {
    pub paths: Vec<PathBuf>,
    pub format: ReportFormat,
    pub output: Option<PathBuf>,
    pub as_of: Option<String>,
    pub rules: Option<PathBuf>,
}

/// `anzen init`.
#[derive(Debug)]
pub struct InitOptions {
    /// The directory to write the starter files into.
    pub dir: PathBuf,
    /// Overwrite files that exist.
    pub force: bool,
}

/// Output format of `anzen rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulesFormat {
    Table,
    Json,
    Markdown,
}

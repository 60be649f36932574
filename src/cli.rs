//! Command line (clap derive): raw [`Args`] here, turned into validated
//! options by `app`.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

use crate::audit::ReportFormat;
use crate::config::FailOn;
use crate::finding::Lang;
use crate::report::Format;

/// anzen (安全): a compliance linter for hospital information systems in
/// Japan, checking YAML descriptions against MHLW's Guideline 6.0 and the
/// R7 cybersecurity checklist.
#[derive(Debug, Parser)]
#[command(name = "anzen", version, about, long_about = None, propagate_version = true)]
pub struct Args {
    /// Output language [default: from LANG, else ja]
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,

    /// When to use colours
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Configuration file [default: anzen.yaml in the scan root]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the YAML descriptions under PATH (default: the current directory)
    Check(CheckArgs),
    /// List the rules
    Rules(RulesArgs),
    /// Explain one rule: what it checks, why, how to fix it, with examples
    Explain {
        /// Rule id, e.g. BAK-002
        id: String,
    },
    /// Print the JSON Schema of a document kind (for editors such as yaml-language-server)
    Schema {
        /// Kind (AssetLedger or asset-ledger), `config` or `rule`; all of them when omitted
        kind: Option<String>,
    },
    /// Write the filled R7 checklist of each facility (Markdown, HTML or OSCAL)
    Report(ReportArgs),
    /// Write a commented starter set of YAML files (every kind) into DIR
    Init(InitArgs),
}

#[derive(Debug, ClapArgs)]
pub struct ReportArgs {
    /// Files or directories to report on (one section per facility)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,

    /// Write the report to FILE instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Evaluation date = the checklist's 確認日, YYYY-MM-DD [default: as_of in anzen.yaml, else today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Directory of additional rule files (their checklist references count)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, ClapArgs)]
pub struct InitArgs {
    /// Directory to write the starter files into (created if missing)
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Overwrite files that already exist
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, ClapArgs)]
pub struct CheckArgs {
    /// Files or directories to check
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Evaluation date, YYYY-MM-DD [default: as_of in anzen.yaml, else today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Lowest severity that makes the exit code 1 [default: error]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Only these rules (ids or prefixes, comma-separated, e.g. BAK,DOC-001)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Skip these rules (ids or prefixes, comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Directory of additional rule files (rules/<ID>.yaml format)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// Worker threads [default: all cores]
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, ClapArgs)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,

    /// Also load the rule files in DIR
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    /// The catalogue as Markdown (docs/rules.md is generated with this)
    Markdown,
}

//! The command line (clap derive): raw [`Args`] here, turned into the
//! plain [`crate::commands::options::Invocation`] the commands run
//! (`options.rs`); `--help` in Japanese (`ja.rs`). Only this folder uses
//! clap.

use std::path::PathBuf;

use clap::{Args as ClapArgs, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::kernel::finding::Lang;
pub use options::{FailOnArg, FormatArg, FormatSpecArg, LangArg, ReportFormatArg};

/// anzen (安全): a compliance linter for hospital information systems in
/// Japan, checking YAML descriptions against MHLW's Guideline 6.0 and the
/// R7 cybersecurity checklist.
#[derive(Debug, Parser)]
#[command(name = "anzen", version, about, long_about = None, propagate_version = true, args_override_self = true)]
pub struct Args {
    /// Output language [default: from LANG, else ja]
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,

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
    Check(Box<CheckArgs>),
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
    /// Read a spreadsheet (XLSX or CSV) into an anzen YAML document
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write anzen YAML out as a spreadsheet (CSV or XLSX)
    #[command(subcommand)]
    Export(ExportCommand),
    /// Compare a fleet of facilities with the national survey, item by item and per bed class
    Stats(StatsArgs),
    /// Write the filled R7 checklist of each facility (Markdown, HTML or OSCAL)
    Report(ReportArgs),
    /// Write a commented starter set of YAML files (every kind) into DIR
    Init(InitArgs),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A device ledger (機器台帳) → an AssetLedger document
    Assets {
        #[command(flatten)]
        common: ImportArgs,
        /// Write `reviewed_on: DATE` (the day the ledger was last reviewed)
        #[arg(long, value_name = "DATE")]
        reviewed_on: Option<String>,
    },
    /// An account list (e.g. an Active Directory or EHR export) → an AccountInventory document
    Accounts {
        #[command(flatten)]
        common: ImportArgs,
        /// Id of the system the accounts belong to (SystemCatalog systems[].id)
        #[arg(long, value_name = "ID")]
        system: String,
        /// Write `exported_on: DATE` (the day the list was exported)
        #[arg(long, value_name = "DATE")]
        exported_on: Option<String>,
    },
}

#[derive(Debug, ClapArgs)]
pub struct ImportArgs {
    /// The spreadsheet: .xlsx, or .csv / .tsv
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Sheet to read [default: the first sheet with a recognisable header row]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// Mapping file: extra headers, value words and defaults (see docs/import.md)
    #[arg(long, value_name = "MAP.yaml")]
    pub map: Option<PathBuf>,

    /// Write the YAML to FILE instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write --output even if it is a symbolic link (refused otherwise)
    #[arg(long)]
    pub force: bool,

    /// Text encoding of a CSV file
    #[arg(long, value_enum, default_value_t = CsvEncoding::Auto)]
    pub encoding: CsvEncoding,

    /// Exit 2 (and write nothing) if any cell, column or row has a problem
    #[arg(long)]
    pub strict: bool,

    /// Value for a field the sheet lacks or leaves blank, e.g. --default location=本館 (repeatable)
    #[arg(long = "default", value_name = "FIELD=VALUE")]
    pub defaults: Vec<String>,

    /// The hospital's anzen directory: vendor and system names become ids from its VendorRegistry and SystemCatalog; an unknown name is reported at its cell
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CsvEncoding {
    /// Byte-order mark, else UTF-8 if valid, else Shift_JIS (CP932)
    Auto,
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// Shift_JIS with Microsoft's extensions (CP932, Windows-31J)
    #[value(name = "shift_jis", alias = "sjis", alias = "cp932", alias = "shift-jis")]
    ShiftJis,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every AssetLedger under PATH, merged, as one table
    Assets(ExportArgs),
}

#[derive(Debug, ClapArgs)]
pub struct ExportArgs {
    /// A directory (all AssetLedger documents below it) or one file
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value_t = ExportFormatArg::Csv)]
    pub format: ExportFormatArg,

    /// Write to FILE instead of standard output (required for xlsx)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write --output even if it is a symbolic link (refused otherwise)
    #[arg(long)]
    pub force: bool,

    /// Language of the header row and of words such as サーバ/server
    #[arg(long, value_enum, default_value_t = LangArg::Ja)]
    pub headers: LangArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    /// UTF-8 with a byte-order mark (Excel opens it directly)
    Csv,
    Xlsx,
}

#[derive(Debug, ClapArgs)]
pub struct StatsArgs {
    /// Directories holding the facilities (one folder each)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = StatsFormatArg::Table)]
    pub format: StatsFormatArg,

    /// Write the statistics to FILE instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Evaluation date: 2025-06-30, 2025/6/30, 令和7年6月30日 or R7.6.30 [default: as_of in anzen.yaml, else today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Directory of additional rule files
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// Worker threads, at least 1; more than 4 per core are clamped [default: all cores]
    #[arg(long, short, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub jobs: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatsFormatArg {
    Table,
    Json,
    /// One row per item and bed class, for spreadsheets
    Csv,
}

#[derive(Debug, ClapArgs)]
pub struct ReportArgs {
    /// Files or directories to report on (one section per facility)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormatArg::Markdown)]
    pub format: ReportFormatArg,

    /// Write the report to FILE instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Evaluation date = the checklist's 確認日: 2025-06-30, 令和7年6月30日, R7.6.30 [default: as_of in anzen.yaml, else today]
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

    /// Output format: human, concise, json, sarif, junit, github or xlsx (xlsx needs =FILE). Repeat it for
    /// several reports in one run, naming a file for each extra one:
    /// `--format human --format sarif=anzen.sarif`
    #[arg(long = "format", value_name = "FORMAT[=FILE]", value_parser = parse_format, default_value = "human", action = clap::ArgAction::Append)]
    pub formats: Vec<FormatSpecArg>,

    /// Write the report (of the format without `=FILE`) to FILE instead of
    /// standard output
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Evaluation date: 2025-06-30, 2025/6/30, 令和7年6月30日 or R7.6.30 [default: as_of in anzen.yaml, else today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Lowest severity that makes the exit code 1 [default: error]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,

    /// Only these rules (ids or prefixes, comma-separated, e.g. BAK,DOC-001)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Skip these rules (ids or prefixes, comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Directory of additional rule files (in the format of rules/ID.yaml)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// Report only findings that are not in this baseline file
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record today's findings in FILE (by meaning, not by line) for a later --baseline
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Write report files (--output, --format F=FILE, --write-baseline) even
    /// if they are symbolic links (refused otherwise)
    #[arg(long)]
    pub force: bool,

    /// Ignore inline suppressions and waivers: show every finding
    #[arg(long)]
    pub no_suppressions: bool,

    /// Worker threads, at least 1; more than 4 per core are clamped [default: all cores]
    #[arg(long, short, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub jobs: Option<usize>,
}

fn parse_format(s: &str) -> Result<FormatSpecArg, String> {
    let (name, path) = match s.split_once('=') {
        Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
        Some(_) => return Err(format!("`{s}`: a file name must follow `=`")),
        None => (s, None),
    };
    let format = FormatArg::from_str(name, true).map_err(|_| {
        let names: Vec<String> = FormatArg::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        format!("unknown format `{name}` (one of: {})", names.join(", "))
    })?;
    Ok(FormatSpecArg { format, path })
}

#[derive(Debug, ClapArgs)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormatArg::Table)]
    pub format: RulesFormatArg,

    /// Also load the rule files in DIR
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormatArg {
    Table,
    Json,
    /// The catalogue as Markdown (docs/rules.md is generated with this)
    Markdown,
}

mod import_opts;
mod ja;
mod options;

/// The command line as clap sees it, with its help in `lang` (clap's own
/// English from the doc comments above, or Japanese from `ja::HELP`).
pub fn command(lang: Lang) -> clap::Command {
    let mut cmd = Args::command();
    if lang == Lang::Ja {
        cmd.build();
        let globals: Vec<String> =
            cmd.get_arguments().filter(|a| a.is_global_set()).map(|a| a.get_id().to_string()).collect();
        ja::localize(&mut cmd, "", &globals);
    }
    cmd
}

/// Parses `argv` (program name first); `--help` shows the help in the
/// language of the command line ([`lang_of_argv`]).
pub fn parse(argv: &[std::ffi::OsString]) -> Result<Args, clap::Error> {
    let mut cmd = command(lang_of_argv(argv));
    let matches = cmd.try_get_matches_from_mut(argv)?;
    Args::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// The language of a command line that may not parse: the last `--lang`
/// with a known value, else `LANG` (`en*` → English), else Japanese.
pub fn lang_of_argv(args: &[std::ffi::OsString]) -> Lang {
    let mut lang = None;
    let mut iter = args.iter().map(|a| a.to_string_lossy());
    while let Some(a) = iter.next() {
        let value = match a.strip_prefix("--lang") {
            Some("") => iter.next().map(|v| v.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        };
        match value.as_deref() {
            Some("ja") => lang = Some(Lang::Ja),
            Some("en") => lang = Some(Lang::En),
            _ => {}
        }
    }
    crate::commands::resolve_lang(lang, None)
}

/// A command-line error as shown in `lang`: clap's own text in English (and
/// for `--help` / `--version`), a Japanese one for the errors users make.
pub fn usage_error(e: &clap::Error, lang: Lang) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let shown = e.render().to_string();
    if lang == Lang::En || !e.use_stderr() {
        return shown;
    }
    let get = |kind: ContextKind| -> Option<String> {
        e.get(kind).map(|v| match v {
            ContextValue::String(s) => s.clone(),
            ContextValue::Strings(v) => v.join(", "),
            other => other.to_string(),
        })
    };
    let quoted = |kind: ContextKind| -> Option<String> {
        e.get(kind).map(|v| match v {
            ContextValue::Strings(v) => v.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join("、"),
            other => format!("`{other}`"),
        })
    };
    let arg = get(ContextKind::InvalidArg).unwrap_or_default();
    let value = get(ContextKind::InvalidValue).unwrap_or_default();
    let message = match e.kind() {
        ErrorKind::InvalidValue => {
            let valid =
                get(ContextKind::ValidValue).map(|v| format!("（指定できる値: {v}）")).unwrap_or_default();
            format!("`{value}` は {arg} に指定できません{valid}")
        }
        ErrorKind::UnknownArgument => format!("`{arg}` という引数はありません"),
        ErrorKind::InvalidSubcommand => {
            format!(
                "`{}` というサブコマンドはありません",
                get(ContextKind::InvalidSubcommand).unwrap_or_default()
            )
        }
        ErrorKind::MissingRequiredArgument => format!("必要な引数がありません: {arg}"),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "サブコマンドを指定してください（check、report、stats など）".to_owned()
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e).map(|s| format!(": {s}")).unwrap_or_default();
            format!("{arg} の値 `{value}` が正しくありません{why}")
        }
        ErrorKind::ArgumentConflict => format!("{arg} は一緒に指定できない引数と指定されています"),
        ErrorKind::NoEquals => format!("{arg} には `=` で値を続けてください"),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("{arg} の値の数が正しくありません")
        }
        _ => return shown,
    };
    let suggested =
        [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand, ContextKind::SuggestedValue]
            .into_iter()
            .find_map(quoted)
            .map(|s| format!("\n  ヒント: {s} ではありませんか。"))
            .unwrap_or_default();
    format!(
        "エラー: {message}{suggested}\n\n使い方は `anzen --help`（各コマンドは `anzen check --help` など）で確認できます。\n"
    )
}

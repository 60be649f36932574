//! The parsed command line ([`Args`]) → the plain [`Invocation`] the
//! commands run (ripgrep's low-level → high-level arguments step). The
//! value enums here mirror the domain's (output formats, `--fail-on`,
//! languages) so that clap stays on this side.

use clap::ValueEnum;

use super::{
    Args, CheckArgs, ColorChoice, Command, InitArgs, ReportArgs, RulesArgs, RulesFormatArg, StatsArgs,
    StatsFormatArg,
};
use crate::commands::options::{
    CheckOptions, ColorWhen, FormatSpec, InitOptions, Invocation, ReportOptions, Request, RulesFormat,
    StatsFormat, StatsOptions,
};
use crate::import;
use crate::import::export::ExportOptions;
use crate::kernel::finding::Lang;
use crate::output::Format;
use crate::output::audit::ReportFormat;
use crate::pipeline::config::FailOn;

/// `--lang`, `--headers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Ja,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Ja => Lang::Ja,
            LangArg::En => Lang::En,
        }
    }
}

/// `anzen check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Diagnostics with the source line, for people.
    Human,
    /// The stable machine format (docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one testcase per rule and facility.
    Junit,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// One line per finding (`file:line:col: severity RULE message`), then
    /// the rules to fix first.
    Concise,
    /// An Excel workbook, one row per finding, to track remediation in
    /// (needs `=FILE`).
    Xlsx,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Junit => Format::Junit,
            FormatArg::Github => Format::Github,
            FormatArg::Concise => Format::Concise,
            FormatArg::Xlsx => Format::Xlsx,
        }
    }
}

/// `anzen report --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// The filled checklist as Markdown.
    Markdown,
    /// One self-contained HTML page (inline CSS and SVG), printable on A4.
    Html,
    /// An OSCAL 1.0.4 assessment-results document (JSON).
    Oscal,
}

impl From<ReportFormatArg> for ReportFormat {
    fn from(f: ReportFormatArg) -> ReportFormat {
        match f {
            ReportFormatArg::Markdown => ReportFormat::Markdown,
            ReportFormatArg::Html => ReportFormat::Html,
            ReportFormatArg::Oscal => ReportFormat::Oscal,
        }
    }
}

/// `--fail-on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Info,
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(f: FailOnArg) -> FailOn {
        match f {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Info => FailOn::Info,
            FailOnArg::Never => FailOn::Never,
        }
    }
}

/// `--format FORMAT[=FILE]` as parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatSpecArg {
    pub format: FormatArg,
    pub path: Option<std::path::PathBuf>,
}

impl From<&Args> for Invocation {
    fn from(args: &Args) -> Invocation {
        let color = match args.color {
            ColorChoice::Auto => ColorWhen::Auto,
            ColorChoice::Always => ColorWhen::Always,
            ColorChoice::Never => ColorWhen::Never,
        };
        let request = match &args.command {
            Command::Check(c) => Request::Check(Box::new(check(c))),
            Command::Rules(RulesArgs { format, rules }) => Request::Rules {
                format: match format {
                    RulesFormatArg::Table => RulesFormat::Table,
                    RulesFormatArg::Json => RulesFormat::Json,
                    RulesFormatArg::Markdown => RulesFormat::Markdown,
                },
                rules: rules.clone(),
            },
            Command::Explain { id } => Request::Explain { id: id.clone() },
            Command::Schema { kind } => Request::Schema { kind: kind.clone() },
            Command::Import(cmd) => Request::Import(Box::new(import::Options::from(cmd))),
            Command::Export(cmd) => Request::Export(ExportOptions::from(cmd)),
            Command::Stats(s) => Request::Stats(stats(s)),
            Command::Report(r) => Request::Report(report(r)),
            Command::Init(InitArgs { dir, force }) => {
                Request::Init(InitOptions { dir: dir.clone(), force: *force })
            }
        };
        Invocation { lang: args.lang.map(Lang::from), color, config: args.config.clone(), request }
    }
}

fn check(c: &CheckArgs) -> CheckOptions {
    CheckOptions {
        paths: c.paths.clone(),
        formats: c
            .formats
            .iter()
            .map(|f| FormatSpec { format: f.format.into(), path: f.path.clone() })
            .collect(),
        output: c.output.clone(),
        as_of: c.as_of.clone(),
        fail_on: c.fail_on.map(FailOn::from),
        select: c.select.clone(),
        ignore: c.ignore.clone(),
        rules: c.rules.clone(),
        baseline: c.baseline.clone(),
        write_baseline: c.write_baseline.clone(),
        force: c.force,
        no_suppressions: c.no_suppressions,
        jobs: c.jobs,
    }
}

fn stats(s: &StatsArgs) -> StatsOptions {
    StatsOptions {
        paths: s.paths.clone(),
        format: match s.format {
            StatsFormatArg::Table => StatsFormat::Table,
            StatsFormatArg::Json => StatsFormat::Json,
            StatsFormatArg::Csv => StatsFormat::Csv,
        },
        output: s.output.clone(),
        as_of: s.as_of.clone(),
        rules: s.rules.clone(),
        jobs: s.jobs,
    }
}

fn report(r: &ReportArgs) -> ReportOptions {
    ReportOptions {
        paths: r.paths.clone(),
        format: r.format.into(),
        output: r.output.clone(),
        as_of: r.as_of.clone(),
        rules: r.rules.clone(),
    }
}

//! The commands: each takes what the command line says and runs the
//! pipeline (or the catalogue, or an importer) and an output with it.
//!
//! A command gets an [`options::Invocation`] (plain data; `crate::cli`
//! makes it from the command line). May import every layer below it,
//! never `cli`.

mod check;
pub mod explain;
pub mod init;
pub mod options;
mod setup;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::assess::checklist::Checklist;
use crate::kernel::error::Fatal;
use crate::output::audit;
use crate::rules::catalog::Catalog;
use check::run_check;
use options::{ColorWhen, Invocation, ReportOptions, Request, StatsFormat, StatsOptions};
use setup::Setup;

use crate::assess::survey::Survey;
use crate::document::schemas::Schemas;
use crate::import;
use crate::kernel::finding::Lang;
use crate::kernel::text::closest;
use crate::pipeline::engine::Summary;

/// How a successful run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above `--fail-on`.
    Clean,
    /// Some finding at or above `--fail-on`.
    Findings,
}

/// Runs the command `args` describes, writing its report to `out`.
pub fn run(args: &Invocation, out: &mut dyn Write) -> Result<Outcome, Fatal> {
    let color = match args.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let schemas = Schemas::load()?;
    match &args.request {
        Request::Check(check) => run_check(args, check, &schemas, color, out),
        Request::Rules { format, rules } => {
            let catalog = Catalog::load(&schemas, rules.as_deref())?;
            let lang = resolve_lang(args.lang, None);
            explain::list(&catalog, *format, lang, out).map_err(write_error)?;
            Ok(Outcome::Clean)
        }
        Request::Explain { id } => {
            let catalog = Catalog::builtin(&schemas)?;
            let lang = resolve_lang(args.lang, None);
            // An id in any case (bak-002) or a rule name (orphaned-account).
            let rule = catalog
                .get(&id.to_ascii_uppercase())
                .or_else(|| catalog.iter().find(|r| r.info.name.eq_ignore_ascii_case(id)))
                .ok_or_else(|| {
                    let upper = id.to_ascii_uppercase();
                    let ids = catalog.iter().map(|r| r.id());
                    let hint = closest(&upper, ids)
                        .or_else(|| closest(id, catalog.iter().map(|r| r.info.name.as_str())));
                    let (ja, en) = hint.map_or_else(Default::default, |s| {
                        (format!("（{s} ではありませんか）"), format!(" (did you mean {s}?)"))
                    });
                    Fatal::usage(
                        format!("`{id}` というルールはありません{ja}。`anzen rules` で一覧できます"),
                        format!("no rule `{id}`{en}; `anzen rules` lists them"),
                    )
                })?;
            let checklist = crate::assess::checklist::Checklist::edition("R7").ok();
            explain::explain(rule, checklist.as_ref(), lang, out).map_err(write_error)?;
            Ok(Outcome::Clean)
        }
        Request::Schema { kind } => {
            explain::schema(kind.as_deref(), out)?;
            Ok(Outcome::Clean)
        }
        Request::Import(opts) => {
            import::run(opts, &schemas, resolve_lang(args.lang, None), out, &mut std::io::stderr().lock())?;
            Ok(Outcome::Clean)
        }
        Request::Export(opts) => {
            import::export::run(opts, &schemas, out)?;
            Ok(Outcome::Clean)
        }
        Request::Report(r) => run_report(args, r, &schemas, out),
        Request::Stats(st) => run_stats(args, st, &schemas, out),
        Request::Init(i) => {
            init::run(i, resolve_lang(args.lang, None), out)?;
            Ok(Outcome::Clean)
        }
    }
}

fn write_error(e: std::io::Error) -> Fatal {
    Fatal::Write { path: PathBuf::from("<stdout>"), source: e }
}

/// `--lang`, else the config's `lang`, else `LANG`, else Japanese.
pub fn resolve_lang(cli: Option<Lang>, config: Option<Lang>) -> Lang {
    cli.or(config).unwrap_or_else(|| match std::env::var("LANG") {
        Ok(l) if l.starts_with("en") => Lang::En,
        _ => Lang::Ja,
    })
}

/// `anzen report`: the same check as `anzen check` (all rules the config
/// leaves on), rendered as the filled checklist.
fn run_stats(
    args: &Invocation,
    st: &StatsOptions,
    schemas: &Schemas,
    out: &mut dyn Write,
) -> Result<Outcome, Fatal> {
    let paths = if st.paths.is_empty() { vec![PathBuf::from(".")] } else { st.paths.clone() };
    let setup = Setup::new(args, schemas, &paths, st.as_of.as_deref(), st.rules.as_deref())?;
    // Streamed: each facility is assessed as it is delivered and added to
    // the fleet's counts; no findings are kept.
    let (checklist, survey, off) = (Checklist::edition("R7")?, Survey::builtin()?, setup.rules_off());
    let basis = crate::assess::Basis { checklist: &checklist, survey: &survey, off: &off };
    let mut stats = crate::assess::stats::Stats::new(&survey, setup.as_of.to_string());
    let mut seen = 0;
    let totals = setup.stream(schemas, &paths, st.jobs, true, false, &mut |unit| {
        seen += unit.findings.len();
        if let Some(fac) = unit.facility {
            let findings: Vec<&crate::kernel::finding::Finding> = unit.findings.iter().collect();
            stats.add(&basis, fac, &findings);
        }
        Ok(())
    })?;
    stats.finish(&survey);
    if seen == 0 {
        let summary = Summary {
            files: totals.files,
            documents: totals.documents,
            unreadable_files: totals.unreadable,
            ..Summary::default()
        };
        nothing_checked(&summary, &[], &paths)?;
    }
    let mut buffer = Vec::new();
    match st.format {
        StatsFormat::Table => crate::output::stats::write_table(&stats, setup.lang, &mut buffer),
        StatsFormat::Json => crate::output::stats::write_json(&stats, &mut buffer),
        StatsFormat::Csv => crate::output::stats::write_csv(&stats, &mut buffer),
    }
    .map_err(write_error)?;
    write_output(st.output.as_deref(), &buffer, out)?;
    Ok(Outcome::Clean)
}

fn run_report(
    args: &Invocation,
    r: &ReportOptions,
    schemas: &Schemas,
    out: &mut dyn Write,
) -> Result<Outcome, Fatal> {
    let paths = if r.paths.is_empty() { vec![PathBuf::from(".")] } else { r.paths.clone() };
    let setup = Setup::new(args, schemas, &paths, r.as_of.as_deref(), r.rules.as_deref())?;
    let checked = setup.check(schemas, &paths, None, true, false)?;
    nothing_checked(&checked.summary, &checked.findings, &paths)?;
    let (checklist, survey, off) = (Checklist::edition("R7")?, Survey::builtin()?, setup.rules_off());
    let audit = audit::Audit::build(
        &checklist,
        &survey,
        &checked.findings,
        &checked.sources,
        &checked.facilities,
        setup.as_of,
        &off,
    );
    let mut buffer = Vec::new();
    audit::write(r.format, &audit, setup.lang, &mut buffer).map_err(write_error)?;
    write_output(r.output.as_deref(), &buffer, out)?;
    Ok(Outcome::Clean)
}

/// A run that found no anzen document and reported no finding checked
/// nothing: that is an error, so that a gate over an empty or mistyped
/// directory does not pass. (Broken files are findings, never this.)
fn nothing_checked(
    summary: &Summary,
    findings: &[crate::kernel::finding::Finding],
    paths: &[PathBuf],
) -> Result<(), Fatal> {
    if summary.documents > 0 || summary.unreadable_files > 0 || !findings.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let (shown, files) = (shown.join(", "), summary.files);
    Err(Fatal::Said {
        message: crate::kernel::finding::Text::new(
            format!(
                "{shown} に anzen の文書がありません（{files} ファイルを読みました）。何も検査していません"
            ),
            format!("no anzen document in {shown} ({files} file(s) read): nothing was checked"),
        ),
        help: Some(crate::kernel::finding::Text::new(
            "パスを確認してください。anzen の文書は `apiVersion: anzen/v1` と `kind`（Facility、AssetLedger など）を持つ YAML です。`anzen init` でひな形を作れます。",
            "check the path: anzen documents are YAML with `apiVersion: anzen/v1` and a `kind` (Facility, AssetLedger, ...); `anzen init` writes a starter set",
        )),
    })
}

/// Writes `bytes` to `--output FILE`, else to `out`.
fn write_output(file: Option<&Path>, bytes: &[u8], out: &mut dyn Write) -> Result<(), Fatal> {
    match file {
        Some(path) => crate::kernel::fsutil::write(path, bytes, false),
        None => write_all_or_broken_pipe(out, bytes),
    }
}

/// A closed pipe (`anzen check | head`) is not an error.
fn write_all_or_broken_pipe(out: &mut dyn Write, bytes: &[u8]) -> Result<(), Fatal> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(write_error),
    }
}

//! The orchestrator: the only module that knows the order of the stages
//! discover → load → validate → facilities → evaluate → policy → report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::cli::{Args, CheckArgs, ColorChoice, Command};
use crate::config::{self, Config, FailOn};
use crate::date::Date;
use crate::discover::{self, WalkOptions};
use crate::error::Fatal;
use crate::evaluate::{self, Env};
use crate::explain;
use crate::facility;
use crate::finding::Lang;
use crate::import;
use crate::load::{self, Document};
use crate::policy::{self, RuleFilter};
use crate::report::{self, FacilitySummary, Report, Summary};
use crate::validate::{self, Schemas};

/// How a successful run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above `--fail-on`.
    Clean,
    /// Some finding at or above `--fail-on`.
    Findings,
}

/// Runs the command `args` describes, writing its report to `out`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<Outcome, Fatal> {
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let schemas = Schemas::load()?;
    match &args.command {
        Command::Check(check) => run_check(args, check, &schemas, color, out),
        Command::Rules(r) => {
            let catalog = Catalog::load(&schemas, r.rules.as_deref())?;
            let lang = resolve_lang(args.lang, None);
            explain::list(&catalog, r.format, lang, out).map_err(write_error)?;
            Ok(Outcome::Clean)
        }
        Command::Explain { id } => {
            let catalog = Catalog::builtin(&schemas)?;
            let lang = resolve_lang(args.lang, None);
            let rule = catalog.get(id).ok_or_else(|| {
                let hint = validate::closest(id, catalog.iter().map(|r| r.id()))
                    .map_or_else(String::new, |s| format!(" (did you mean {s}?)"));
                Fatal::Usage(format!("no rule `{id}`{hint}; `anzen rules` lists them"))
            })?;
            explain::explain(rule, lang, out).map_err(write_error)?;
            Ok(Outcome::Clean)
        }
        Command::Schema { kind } => {
            explain::schema(kind.as_deref(), out)?;
            Ok(Outcome::Clean)
        }
        Command::Import(cmd) => {
            let opts = import::Options::from_cli(cmd);
            import::run(&opts, &schemas, resolve_lang(args.lang, None), out, &mut std::io::stderr().lock())?;
            Ok(Outcome::Clean)
        }
        Command::Export(cmd) => {
            import::export::run(&import::export::ExportOptions::from_cli(cmd), &schemas, out)?;
            Ok(Outcome::Clean)
        }
    }
}

fn write_error(e: std::io::Error) -> Fatal {
    Fatal::Write { path: PathBuf::from("<stdout>"), source: e }
}

/// `--lang`, else the config's `lang`, else `LANG`, else Japanese.
fn resolve_lang(cli: Option<Lang>, config: Option<Lang>) -> Lang {
    cli.or(config).unwrap_or_else(|| match std::env::var("LANG") {
        Ok(l) if l.starts_with("en") => Lang::En,
        _ => Lang::Ja,
    })
}

fn run_check(
    args: &Args,
    check: &CheckArgs,
    schemas: &Schemas,
    color: bool,
    out: &mut dyn Write,
) -> Result<Outcome, Fatal> {
    let paths = if check.paths.is_empty() { vec![PathBuf::from(".")] } else { check.paths.clone() };
    let config = load_config(args.config.as_deref(), &paths, schemas)?;
    let catalog = Catalog::load(schemas, check.rules.as_deref())?;
    config.check_rule_ids(&catalog)?;
    let filter = RuleFilter::new(check.select.clone(), check.ignore.clone(), config.rules.clone(), &catalog)?;
    let as_of = match &check.as_of {
        Some(s) => s
            .parse::<Date>()
            .map_err(|()| Fatal::Usage(format!("--as-of `{s}` is not a date (YYYY-MM-DD)")))?,
        None => config.as_of.unwrap_or_else(Date::today),
    };
    let fail_on = check.fail_on.or(config.fail_on).unwrap_or(FailOn::Error);
    let lang = resolve_lang(args.lang, config.lang);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(check.jobs.unwrap_or(0))
        .stack_size(16 * 1024 * 1024)
        .build()
        .map_err(|e| Fatal::Internal(format!("cannot start worker threads: {e}")))?;
    let (findings, sources, facilities, summary) = pool.install(|| {
        let discovered = discover::walk(&paths, &WalkOptions { exclude: config.exclude.clone() })?;
        let loaded = load::load_all(&discovered, &config.limits, &catalog);
        let docs: Vec<&Document> = loaded.documents().collect();
        let (mut findings, views) = validate::check(&docs, schemas, &catalog, as_of);
        findings.extend(loaded.findings.iter().cloned());
        let (grouping, facility_findings) = facility::group(&docs, &loaded.sources, &discovered, &catalog);
        let facilities = &grouping.facilities;
        findings.extend(facility_findings);
        let enabled = |id: &str| filter.enabled(id);
        let env = Env { catalog: &catalog, as_of, policy: config.policy.to_json(), enabled: &enabled };
        findings.extend(evaluate::run(facilities, &docs, &views, &env));
        let mut findings = filter.apply(findings);
        // Findings made before facilities were known learn theirs here.
        for f in &mut findings {
            if f.facility.is_none() {
                f.facility = grouping.facility_of(f.file);
            }
        }
        report::sort(&mut findings, &loaded.sources);
        let summaries: Vec<FacilitySummary> = facilities
            .iter()
            .map(|f| {
                let doc = f.facility_doc.map(|i| &docs[i].value);
                FacilitySummary {
                    root: f.root.to_string(),
                    name: doc.and_then(|d| d.get("name")).and_then(|v| v.as_str()).map(str::to_owned),
                    beds: doc.and_then(|d| d.get("beds")).and_then(serde_json::Value::as_i64),
                }
            })
            .collect();
        let mut summary = Summary {
            files: discovered.files.len(),
            documents: docs.len(),
            unreadable_files: loaded.files.iter().filter(|f| f.failed).count(),
            ..Summary::default()
        };
        summary.count(&findings);
        Ok::<_, Fatal>((findings, loaded.sources, summaries, summary))
    })?;

    let report = Report {
        findings: &findings,
        sources: &sources,
        facilities: &facilities,
        as_of,
        summary,
        lang,
        color: color && check.output.is_none(),
    };
    let mut buffer = Vec::new();
    report::write(check.format, &report, &mut buffer).map_err(write_error)?;
    match &check.output {
        Some(path) => {
            std::fs::write(path, &buffer).map_err(|e| Fatal::Write { path: path.clone(), source: e })?
        }
        None => write_all_or_broken_pipe(out, &buffer)?,
    }
    Ok(if policy::fails(&findings, fail_on) { Outcome::Findings } else { Outcome::Clean })
}

/// A closed pipe (`anzen check | head`) is not an error.
fn write_all_or_broken_pipe(out: &mut dyn Write, bytes: &[u8]) -> Result<(), Fatal> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(write_error),
    }
}

/// `--config`, else `anzen.yaml` in the first scan root, else defaults.
fn load_config(explicit: Option<&Path>, paths: &[PathBuf], schemas: &Schemas) -> Result<Config, Fatal> {
    if let Some(path) = explicit {
        return Config::load(path, schemas);
    }
    let root = paths.first().filter(|p| p.is_dir());
    match root.and_then(|r| config::find(r)) {
        Some(path) => Config::load(&path, schemas),
        None => Ok(Config::default()),
    }
}

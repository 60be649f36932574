//! The commands: each takes what the command line says and runs the
//! pipeline (or the catalogue, or an importer) and an output with it.
//!
//! A command gets an [`options::Invocation`] (plain data; `crate::cli`
//! makes it from the command line). May import every layer below it,
//! never `cli`.

pub mod explain;
pub mod init;
pub mod options;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::assess::checklist::Checklist;
use crate::kernel::date::Date;
use crate::kernel::error::Fatal;
use crate::output::audit;
use crate::pipeline::config::{self, Config, FailOn};
use crate::pipeline::discover::{self, WalkOptions};
use crate::rules::catalog::Catalog;
use options::{
    CheckOptions, ColorWhen, FormatSpec, Invocation, ReportOptions, Request, StatsFormat, StatsOptions,
};

use crate::assess::survey::Survey;
use crate::document::schemas::Schemas;
use crate::import;
use crate::kernel::finding::Lang;
use crate::kernel::text::closest;
use crate::output as report;
use crate::pipeline::engine::Summary;
use crate::pipeline::engine::{Checked, Engine, FacilityUnit, Sink, Totals};
use crate::pipeline::policy::{self, RuleFilter};

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

fn run_check(
    args: &Invocation,
    check: &CheckOptions,
    schemas: &Schemas,
    color: bool,
    out: &mut dyn Write,
) -> Result<Outcome, Fatal> {
    let paths = if check.paths.is_empty() { vec![PathBuf::from(".")] } else { check.paths.clone() };
    let setup = Setup::new(args, schemas, &paths, check.as_of.as_deref(), check.rules.as_deref())?;
    let setup = setup.filtered(&check.select, &check.ignore)?;
    let fail_on = check.fail_on.or(setup.config.fail_on).unwrap_or(FailOn::Error);
    let (as_of, lang) = (setup.as_of, setup.lang);
    let roots = crate::pipeline::baseline::scan_roots(&paths);
    let rules: Vec<report::RuleDoc> = setup
        .catalog
        .iter()
        .filter(|r| setup.filter.enabled(r.id()))
        .map(|r| report::RuleDoc {
            info: std::sync::Arc::clone(&r.info),
            severity: r.severity,
            description: r.description.clone(),
        })
        .collect();
    let to_stdout: Vec<&FormatSpec> = check.formats.iter().filter(|f| f.path.is_none()).collect();
    if to_stdout.len() > 1 {
        return Err(Fatal::usage(
            "標準出力（または --output）に出せる --format は一つだけです。ほかはファイルを指定してください: --format sarif=anzen.sarif",
            "only one --format may go to standard output (or --output); give the others a file: --format sarif=anzen.sarif",
        ));
    }
    if check.output.is_none()
        && check.formats.iter().any(|f| f.format == report::Format::Xlsx && f.path.is_none())
    {
        return Err(Fatal::usage(
            "--format xlsx には書き出すファイルが必要です（例: --format xlsx=指摘事項.xlsx）。XLSX はバイナリです",
            "--format xlsx needs a file (e.g. --format xlsx=findings.xlsx): a workbook is binary",
        ));
    }
    // When every report goes to a file, the terminal still gets the summary.
    let summary_only = to_stdout.is_empty() && check.output.is_none();
    let summary_spec = FormatSpec { format: report::Format::Human, path: None };
    let mut outputs: Vec<Output<'_>> = Vec::new();
    for spec in check.formats.iter().chain(summary_only.then_some(&summary_spec)) {
        let destination = spec.path.clone().or_else(|| check.output.clone());
        let cx = report::Context {
            as_of,
            lang,
            color: color && destination.is_none(),
            rules: &rules,
            fail_on: fail_on.threshold(),
        };
        let writer = if std::ptr::eq(spec, &summary_spec) {
            report::summary_writer(cx)
        } else {
            report::writer(spec.format, cx)
        };
        if let Some(path) = &destination {
            crate::kernel::fsutil::check_output(path, check.force)?;
        }
        outputs.push(Output { writer, destination, file: None, force: check.force });
    }
    let mut stdout = Pipe { out, closed: false };
    let (checklist, survey, off) = (Checklist::edition("R7")?, Survey::builtin()?, setup.rules_off());
    let baseline = check
        .baseline
        .as_deref()
        .map(|p| crate::pipeline::baseline::Baseline::load(p, roots.clone()))
        .transpose()?;
    let mut run = CheckRun {
        outputs,
        stdout: &mut stdout,
        recorder: check
            .write_baseline
            .is_some()
            .then(|| crate::pipeline::baseline::Recorder::new(roots.clone())),
        baseline,
        summary: Summary::default(),
        seen: 0,
        fails: false,
        started: false,
        fail_on,
        lang,
        basis: crate::assess::Basis { checklist: &checklist, survey: &survey, off: &off },
    };
    let totals = setup.stream(
        schemas,
        &paths,
        check.jobs,
        !check.no_suppressions,
        keeps_text(&check.formats),
        &mut |unit| run.unit(unit),
    )?;
    let summary = Summary {
        files: totals.files,
        documents: totals.documents,
        unreadable_files: totals.unreadable,
        baseline: run.baseline.as_ref().map(crate::pipeline::baseline::Baseline::applied),
        ..run.summary
    };
    if !run.started {
        nothing_checked(&summary, &[], &paths)?;
    }
    if let (Some(path), Some(recorder)) = (&check.write_baseline, run.recorder.take()) {
        write_file(path, recorder.render(as_of).as_bytes(), check.force)?;
    }
    run.start()?;
    let end = report::End { summary, facilities: &totals.facilities };
    for o in &mut run.outputs {
        o.write(run.stdout, |w, out| w.end(&end, out))?;
        if let Some(mut file) = o.file.take() {
            let path = o.destination.clone().unwrap_or_default();
            file.flush().map_err(|e| Fatal::Write { path, source: e })?;
        }
    }
    run.stdout.flush_or_broken_pipe()?;
    Ok(if run.fails { Outcome::Findings } else { Outcome::Clean })
}

/// One report of a check: its writer and where it goes.
struct Output<'a> {
    writer: Box<dyn report::Writer + 'a>,
    /// `None`: standard output.
    destination: Option<PathBuf>,
    /// The open destination file.
    file: Option<std::io::BufWriter<std::fs::File>>,
    /// `--force`: write through a symbolic link.
    force: bool,
}

impl Output<'_> {
    /// Runs `step` on this report's destination.
    fn write(
        &mut self,
        stdout: &mut Pipe<'_>,
        step: impl FnOnce(&mut dyn report::Writer, &mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), Fatal> {
        match &self.destination {
            None => step(self.writer.as_mut(), stdout).map_err(write_error),
            Some(path) => {
                let fail = |e| Fatal::Write { path: path.clone(), source: e };
                let file = match &mut self.file {
                    Some(file) => file,
                    None => {
                        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                            std::fs::create_dir_all(dir).map_err(fail)?;
                        }
                        let file = crate::kernel::fsutil::create(path, self.force)?;
                        self.file.insert(std::io::BufWriter::with_capacity(1 << 16, file))
                    }
                };
                step(self.writer.as_mut(), file).map_err(fail)
            }
        }
    }
}

/// Standard output, where a closed pipe (`anzen check | head`) is not an
/// error: what follows is dropped.
struct Pipe<'a> {
    out: &'a mut dyn Write,
    closed: bool,
}

impl Write for Pipe<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.out.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.out.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

impl Pipe<'_> {
    fn flush_or_broken_pipe(&mut self) -> Result<(), Fatal> {
        self.flush().map_err(write_error)
    }
}

/// A streaming check: each facility goes through the baseline and to
/// every report as it is delivered.
struct CheckRun<'a, 'p> {
    outputs: Vec<Output<'a>>,
    stdout: &'a mut Pipe<'p>,
    recorder: Option<crate::pipeline::baseline::Recorder>,
    baseline: Option<crate::pipeline::baseline::Baseline>,
    /// Counts per severity (files and documents are set at the end).
    summary: Summary,
    /// Units that had something checked (documents, unreadable files or
    /// findings): reports start with the first.
    seen: usize,
    fails: bool,
    started: bool,
    fail_on: FailOn,
    lang: Lang,
    /// What each facility is assessed against.
    basis: crate::assess::Basis<'a>,
}

impl CheckRun<'_, '_> {
    fn start(&mut self) -> Result<(), Fatal> {
        if !self.started {
            self.started = true;
            for o in &mut self.outputs {
                o.write(self.stdout, |w, out| w.begin(out))?;
            }
        }
        Ok(())
    }

    fn unit(&mut self, unit: FacilityUnit<'_>) -> Result<(), Fatal> {
        let FacilityUnit { facility, mut findings, sources, documents, unreadable } = unit;
        // The facility's one assessment, before the baseline hides what
        // was accepted (the answers are about the facility, not the diff).
        let tally: Vec<report::ChecklistTally> = facility
            .filter(|fac| !fac.implicit)
            .map(|fac| {
                let refs: Vec<&crate::kernel::finding::Finding> = findings.iter().collect();
                let assessment = crate::assess::assess(&self.basis, fac, &refs);
                report::ChecklistTally::of(fac, &assessment, self.basis.checklist)
            })
            .into_iter()
            .collect();
        if let Some(recorder) = &mut self.recorder {
            recorder.add(&findings, sources, self.lang);
        }
        if let Some(baseline) = &mut self.baseline {
            baseline.apply(&mut findings, sources);
        }
        self.summary.count(&findings);
        self.fails |= policy::fails(&findings, self.fail_on);
        if documents > 0 || unreadable > 0 || !findings.is_empty() {
            self.seen += 1;
            self.start()?;
        }
        if !self.started {
            return Ok(());
        }
        let facilities = facility.map(std::slice::from_ref).unwrap_or_default();
        let unit = report::Unit { facilities, findings: &findings, sources, checklist: &tally };
        for o in &mut self.outputs {
            o.write(self.stdout, |w, out| w.unit(&unit, out))?;
        }
        Ok(())
    }
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

/// The validated configuration, rules and dates a check runs with.
struct Setup {
    config: Config,
    catalog: Catalog,
    filter: RuleFilter,
    as_of: Date,
    lang: Lang,
}

impl Setup {
    fn new(
        args: &Invocation,
        schemas: &Schemas,
        paths: &[PathBuf],
        as_of: Option<&str>,
        rules: Option<&Path>,
    ) -> Result<Setup, Fatal> {
        let config = load_config(args.config.as_deref(), paths, schemas)?;
        let catalog = Catalog::load(schemas, rules)?;
        config.check_rule_ids(&catalog)?;
        let filter = RuleFilter::new(Vec::new(), Vec::new(), config.rules.clone(), &catalog)?;
        let as_of = match as_of {
            // The dates import reads: 2025-06-30, 2025/6/30, 令和7年6月30日, R7.6.30, …
            Some(s) => import::values::date_text(s).map_err(|why| Fatal::Said {
                message: crate::kernel::finding::Text::new(
                    format!("--as-of: {}", why.ja),
                    format!("--as-of: {}", why.en),
                ),
                help: None,
            })?,
            None => config.as_of.unwrap_or_else(Date::today),
        };
        let lang = resolve_lang(args.lang, config.lang);
        Ok(Setup { config, catalog, filter, as_of, lang })
    }

    /// Ids of the rules the configuration turns off.
    fn rules_off(&self) -> std::collections::BTreeSet<String> {
        self.catalog.iter().map(|r| r.id()).filter(|id| !self.filter.enabled(id)).map(str::to_owned).collect()
    }

    /// Only the rules `--select` and `--ignore` leave.
    fn filtered(mut self, select: &[String], ignore: &[String]) -> Result<Setup, Fatal> {
        self.filter =
            RuleFilter::new(select.to_vec(), ignore.to_vec(), self.config.rules.clone(), &self.catalog)?;
        Ok(self)
    }

    /// Discovers, loads and checks `paths` on `jobs` threads, all at once.
    fn check(
        &self,
        schemas: &Schemas,
        paths: &[PathBuf],
        jobs: Option<usize>,
        suppressions: bool,
        keep_text: bool,
    ) -> Result<Checked, Fatal> {
        let mut checked = None;
        self.run(schemas, paths, jobs, suppressions, &mut |engine, discovered, pool| {
            checked = Some(engine.check(discovered, keep_text, pool)?);
            Ok(())
        })?;
        checked.ok_or_else(|| Fatal::Internal("the check did not run".into()))
    }

    /// Discovers, loads and checks `paths` on `jobs` threads, delivering
    /// each facility to `sink` in facility order (see [`Engine::stream`]).
    fn stream(
        &self,
        schemas: &Schemas,
        paths: &[PathBuf],
        jobs: Option<usize>,
        suppressions: bool,
        keep_text: bool,
        sink: &mut Sink<'_>,
    ) -> Result<Totals, Fatal> {
        let mut totals = None;
        self.run(schemas, paths, jobs, suppressions, &mut |engine, discovered, pool| {
            totals = Some(engine.stream(discovered, keep_text, pool, sink)?);
            Ok(())
        })?;
        totals.ok_or_else(|| Fatal::Internal("the check did not run".into()))
    }

    /// Starts the worker threads, discovers the files and hands both to `go`.
    fn run(
        &self,
        schemas: &Schemas,
        paths: &[PathBuf],
        jobs: Option<usize>,
        suppressions: bool,
        go: &mut dyn FnMut(&Engine<'_>, &discover::Discovered, &rayon::ThreadPool) -> Result<(), Fatal>,
    ) -> Result<(), Fatal> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let (threads, clamped) = worker_threads(jobs, cores);
        if let Some(asked) = clamped {
            let notice = match self.lang {
                Lang::Ja => format!(
                    "anzen: --jobs {asked} はコア数 {cores} の 4 倍を超えるため、{threads} スレッドで実行します"
                ),
                Lang::En => {
                    format!(
                        "anzen: --jobs {asked} is more than 4 per core ({cores} cores); using {threads} threads"
                    )
                }
            };
            // A notice, not part of the report: a closed stderr is no reason to fail.
            let _ = writeln!(std::io::stderr(), "{notice}");
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(16 * 1024 * 1024)
            .build()
            .map_err(|e| Fatal::Internal(format!("cannot start worker threads: {e}")))?;
        let limit_ms = self.config.rule_timeout.as_millis();
        let on_timeout = move |what: String| abort(Fatal::RuleTimeout { what, limit_ms });
        let engine = Engine {
            schemas,
            catalog: &self.catalog,
            config: &self.config,
            filter: &self.filter,
            as_of: self.as_of,
            suppressions,
            on_timeout: &on_timeout,
            fast: !interpret_only(),
        };
        let discovered =
            pool.install(|| discover::walk(paths, &WalkOptions { exclude: self.config.exclude.clone() }))?;
        go(&engine, &discovered, &pool)
    }
}

/// Worker threads per core `--jobs` may ask for.
const MAX_JOBS_PER_CORE: usize = 4;

/// The worker threads for `--jobs` on `cores` cores: all cores by default,
/// at most [`MAX_JOBS_PER_CORE`] per core (with the number asked for when
/// it was clamped). `--jobs 0` is refused by the command line.
fn worker_threads(jobs: Option<usize>, cores: usize) -> (usize, Option<usize>) {
    let cores = cores.max(1);
    let max = cores.saturating_mul(MAX_JOBS_PER_CORE);
    match jobs {
        None => (cores, None),
        Some(n) if n > max => (max, Some(n)),
        Some(n) => (n.max(1), None),
    }
}

/// Writes `bytes` to `--output FILE`, else to `out`.
fn write_output(file: Option<&Path>, bytes: &[u8], out: &mut dyn Write) -> Result<(), Fatal> {
    match file {
        Some(path) => crate::kernel::fsutil::write(path, bytes, false),
        None => write_all_or_broken_pipe(out, bytes),
    }
}

/// Whether a report needs the files' texts (to show source lines).
fn keeps_text(formats: &[FormatSpec]) -> bool {
    formats.iter().any(|f| f.format == report::Format::Human)
}

/// Ends the process with exit code 2 after printing `fatal`: for the one
/// case a result cannot be returned (a runaway rule evaluation cannot be
/// interrupted; see `evaluate::watchdog`).
#[allow(clippy::print_stderr)]
fn abort(fatal: Fatal) {
    eprint!("{}", fatal.render(resolve_lang(None, None), false));
    std::process::exit(2);
}

/// Writes a report file, creating its directory if needed; a symbolic link
/// is refused unless `force` (it may be committed to the repository).
fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), Fatal> {
    let fail = |e| Fatal::Write { path: path.to_path_buf(), source: e };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    crate::kernel::fsutil::write(path, bytes, force)
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
    match root.and_then(|r| config::find(r).map(|path| (r, path))) {
        Some((root, path)) => Config::load_found(&path, root, schemas),
        None => Ok(Config::default()),
    }
}

/// `ANZEN_INTERPRET_ONLY` (set, not `0`): every condition runs in the CEL
/// interpreter, none on the fast path — to compare the two.
fn interpret_only() -> bool {
    std::env::var_os("ANZEN_INTERPRET_ONLY").is_some_and(|v| !v.is_empty() && v != "0")
}

#[cfg(test)]
mod tests {
    use super::worker_threads;

    #[test]
    fn jobs_default_to_the_cores_and_are_clamped_at_four_per_core() {
        assert_eq!(worker_threads(None, 2), (2, None));
        assert_eq!(worker_threads(Some(1), 2), (1, None));
        assert_eq!(worker_threads(Some(8), 2), (8, None));
        assert_eq!(worker_threads(Some(9), 2), (8, Some(9)));
        assert_eq!(worker_threads(Some(usize::MAX), 16), (64, Some(usize::MAX)));
        assert_eq!(worker_threads(None, 0), (1, None));
    }
}

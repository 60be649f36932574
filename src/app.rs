//! The orchestrator: the only module that knows the order of the stages
//! discover → load → validate → facilities → evaluate → policy → report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::audit;
use crate::catalog::Catalog;
use crate::checklist::Checklist;
use crate::cli::{Args, CheckArgs, ColorChoice, Command, ReportArgs};
use crate::config::{self, Config, FailOn};
use crate::date::Date;
use crate::discover::{self, WalkOptions};
use crate::error::Fatal;
use rayon::prelude::*;

use crate::evaluate::watchdog::Watchdog;
use crate::evaluate::{self, Env};
use crate::explain;
use crate::facility;
use crate::finding::Lang;
use crate::import;
use crate::init;
use crate::load::{self, Document};
use crate::policy::{self, RuleFilter};
use crate::report::{self, FacilitySummary, Report, Summary};
use crate::suppress;
use crate::survey::Survey;
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
            // An id in any case (bak-002) or a rule name (orphaned-account).
            let rule = catalog
                .get(&id.to_ascii_uppercase())
                .or_else(|| catalog.iter().find(|r| r.info.name.eq_ignore_ascii_case(id)))
                .ok_or_else(|| {
                    let upper = id.to_ascii_uppercase();
                    let ids = catalog.iter().map(|r| r.id());
                    let hint = validate::closest(&upper, ids)
                        .or_else(|| validate::closest(id, catalog.iter().map(|r| r.info.name.as_str())));
                    let (ja, en) = hint.map_or_else(Default::default, |s| {
                        (format!("（{s} ではありませんか）"), format!(" (did you mean {s}?)"))
                    });
                    Fatal::usage(
                        format!("`{id}` というルールはありません{ja}。`anzen rules` で一覧できます"),
                        format!("no rule `{id}`{en}; `anzen rules` lists them"),
                    )
                })?;
            let checklist = crate::checklist::Checklist::edition("R7").ok();
            explain::explain(rule, checklist.as_ref(), lang, out).map_err(write_error)?;
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
        Command::Report(r) => run_report(args, r, &schemas, out),
        Command::Stats(st) => run_stats(args, st, &schemas, out),
        Command::Init(i) => {
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
    args: &Args,
    check: &CheckArgs,
    schemas: &Schemas,
    color: bool,
    out: &mut dyn Write,
) -> Result<Outcome, Fatal> {
    let paths = if check.paths.is_empty() { vec![PathBuf::from(".")] } else { check.paths.clone() };
    let setup = Setup::new(args, schemas, &paths, check.as_of.as_deref(), check.rules.as_deref())?;
    let setup = setup.filtered(&check.select, &check.ignore)?;
    let fail_on = check.fail_on.or(setup.config.fail_on).unwrap_or(FailOn::Error);
    let (as_of, lang) = (setup.as_of, setup.lang);
    let Checked { mut findings, sources, facilities, mut summary } =
        setup.check(schemas, &paths, check.jobs, !check.no_suppressions, keeps_text(&check.formats))?;
    nothing_checked(&summary, &findings, &paths)?;

    let roots = crate::baseline::scan_roots(&paths);
    if let Some(path) = &check.write_baseline {
        let text = crate::baseline::render(&findings, &sources, &roots, as_of, lang);
        write_file(path, text.as_bytes(), check.force)?;
    }
    if let Some(path) = &check.baseline {
        let applied = crate::baseline::apply(&mut findings, &sources, &roots, path)?;
        summary =
            Summary { baseline: Some(applied), error: 0, warning: 0, info: 0, suppressed: 0, ..summary };
        summary.count(&findings);
    }
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
    let to_stdout: Vec<&crate::cli::FormatSpec> = check.formats.iter().filter(|f| f.path.is_none()).collect();
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
    let summary_spec = crate::cli::FormatSpec { format: report::Format::Human, path: None };
    for spec in check.formats.iter().chain(summary_only.then_some(&summary_spec)) {
        let destination = spec.path.as_ref().or(check.output.as_ref());
        let report = Report {
            findings: &findings,
            sources: &sources,
            facilities: &facilities,
            as_of,
            summary,
            lang,
            color: color && destination.is_none(),
            rules: &rules,
            fail_on: fail_on.threshold(),
        };
        let mut buffer = Vec::new();
        if std::ptr::eq(spec, &summary_spec) {
            report::write_summary(&report, &mut buffer)
        } else {
            report::write(spec.format, &report, &mut buffer)
        }
        .map_err(write_error)?;
        match destination {
            Some(path) => write_file(path, &buffer, check.force)?,
            None => write_all_or_broken_pipe(out, &buffer)?,
        }
    }
    Ok(if policy::fails(&findings, fail_on) { Outcome::Findings } else { Outcome::Clean })
}

/// `anzen report`: the same check as `anzen check` (all rules the config
/// leaves on), rendered as the filled checklist.
fn run_stats(
    args: &Args,
    st: &crate::cli::StatsArgs,
    schemas: &Schemas,
    out: &mut dyn Write,
) -> Result<Outcome, Fatal> {
    let paths = if st.paths.is_empty() { vec![PathBuf::from(".")] } else { st.paths.clone() };
    let setup = Setup::new(args, schemas, &paths, st.as_of.as_deref(), st.rules.as_deref())?;
    let checked = setup.check(schemas, &paths, st.jobs, true, false)?;
    nothing_checked(&checked.summary, &checked.findings, &paths)?;
    let (checklist, survey, off) = (Checklist::edition("R7")?, Survey::builtin()?, setup.rules_off());
    let basis = crate::assess::Basis { checklist: &checklist, survey: &survey, off: &off };
    let stats =
        crate::stats::compute(&basis, &checked.facilities, &checked.findings, setup.as_of.to_string());
    let mut buffer = Vec::new();
    match st.format {
        crate::cli::StatsFormat::Table => crate::stats::write_table(&stats, setup.lang, &mut buffer),
        crate::cli::StatsFormat::Json => crate::stats::write_json(&stats, &mut buffer),
        crate::cli::StatsFormat::Csv => crate::stats::write_csv(&stats, &mut buffer),
    }
    .map_err(write_error)?;
    write_output(st.output.as_deref(), &buffer, out)?;
    Ok(Outcome::Clean)
}

fn run_report(args: &Args, r: &ReportArgs, schemas: &Schemas, out: &mut dyn Write) -> Result<Outcome, Fatal> {
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
    findings: &[crate::finding::Finding],
    paths: &[PathBuf],
) -> Result<(), Fatal> {
    if summary.documents > 0 || summary.unreadable_files > 0 || !findings.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let (shown, files) = (shown.join(", "), summary.files);
    Err(Fatal::Said {
        message: crate::finding::Text::new(
            format!(
                "{shown} に anzen の文書がありません（{files} ファイルを読みました）。何も検査していません"
            ),
            format!("no anzen document in {shown} ({files} file(s) read): nothing was checked"),
        ),
        help: Some(crate::finding::Text::new(
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
        args: &Args,
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
                message: crate::finding::Text::new(
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

    /// Discovers, loads and checks `paths` on `jobs` threads.
    fn check(
        &self,
        schemas: &Schemas,
        paths: &[PathBuf],
        jobs: Option<usize>,
        suppressions: bool,
        keep_text: bool,
    ) -> Result<Checked, Fatal> {
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
        pool.install(|| {
            let discovered = discover::walk(paths, &WalkOptions { exclude: self.config.exclude.clone() })?;
            Ok::<_, Fatal>(engine.check(&discovered, keep_text))
        })
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
        Some(path) => crate::fsutil::write(path, bytes, false),
        None => write_all_or_broken_pipe(out, bytes),
    }
}

/// Everything a check needs besides the files, validated and compiled.
pub struct Engine<'a> {
    pub schemas: &'a Schemas,
    pub catalog: &'a Catalog,
    pub config: &'a Config,
    pub filter: &'a RuleFilter,
    pub as_of: Date,
    /// Apply inline suppressions and waivers (`--no-suppressions`: false).
    pub suppressions: bool,
    /// Called when one rule evaluation outlives `limits.rule_timeout_ms`;
    /// it must end the run (the evaluation cannot be stopped).
    pub on_timeout: &'a (dyn Fn(String) + Sync),
    /// Evaluate expressions on the fast path where it applies (see
    /// [`crate::evaluate::fast`]); `false` runs them all in the CEL
    /// interpreter, to compare (`ANZEN_INTERPRET_ONLY`).
    pub fast: bool,
}

/// The result of checking a set of files.
pub struct Checked {
    /// Sorted (file, line, column, rule).
    pub findings: Vec<crate::finding::Finding>,
    pub sources: crate::source::SourceMap,
    pub facilities: Vec<FacilitySummary>,
    pub summary: Summary,
}

/// What a run accumulates across batches.
struct Run {
    sources: crate::source::SourceMap,
    findings: Vec<crate::finding::Finding>,
    facilities: Vec<FacilitySummary>,
    documents: usize,
    unreadable: usize,
}

/// What one batch (a facility subtree) produced.
#[derive(Default)]
struct BatchOut {
    findings: Vec<crate::finding::Finding>,
    facilities: Vec<FacilitySummary>,
    documents: usize,
    unreadable: usize,
    /// The batch's texts, when the report shows source lines.
    texts: Vec<(crate::source::FileId, std::sync::Arc<crate::source::SourceFile>)>,
    /// Files outside every facility, checked last.
    deferred: load::Loaded,
}

impl Run {
    fn new(discovered: &discover::Discovered) -> Self {
        Run {
            sources: crate::source::SourceMap::placeholders(
                discovered.files.iter().map(|f| (f.path.as_path(), f.display.as_str())),
            ),
            findings: Vec::new(),
            facilities: Vec::new(),
            documents: 0,
            unreadable: 0,
        }
    }

    fn absorb(&mut self, out: BatchOut) {
        self.findings.extend(out.findings);
        self.facilities.extend(out.facilities);
        self.documents += out.documents;
        self.unreadable += out.unreadable;
        for (id, text) in out.texts {
            self.sources.set(id, text);
        }
    }
}

impl Engine<'_> {
    /// Loads and checks every discovered file, one facility subtree at a
    /// time: a directory whose own files hold a Facility document is loaded,
    /// checked and dropped as one batch, so memory is bounded by the largest
    /// facility (times the worker threads), not by the fleet; sibling
    /// subtrees run in parallel. Documents outside every facility are
    /// checked last, together. With `keep_text`, file texts stay for the
    /// reporters that show source lines.
    pub fn check(&self, discovered: &discover::Discovered, keep_text: bool) -> Checked {
        let mut run = Run::new(discovered);
        let enabled = |id: &str| self.filter.enabled(id);
        let dog = Watchdog::new(self.config.rule_timeout, evaluate::check_names(self.catalog, &enabled));
        dog.watch(self.on_timeout, || {
            let trees = dir_trees(discovered);
            let outs: Vec<Vec<BatchOut>> =
                trees.par_iter().map(|tree| self.walk_tree(discovered, tree, keep_text, &dog)).collect();
            let mut deferred = load::Loaded::default();
            for mut out in outs.into_iter().flatten() {
                deferred.extend(std::mem::take(&mut out.deferred));
                run.absorb(out);
            }
            if !deferred.files.is_empty() {
                run.absorb(self.batch(discovered, deferred, keep_text, &dog));
            }
        });
        self.finish(discovered, run)
    }

    /// Checks a directory: as one batch when its own files hold a Facility,
    /// else its own files are deferred and its subdirectories are walked (in
    /// parallel). Results come back in path order.
    fn walk_tree(
        &self,
        discovered: &discover::Discovered,
        dir: &DirTree,
        keep_text: bool,
        dog: &Watchdog,
    ) -> Vec<BatchOut> {
        let own = load::load_files(discovered, &dir.files, &self.config.limits, self.catalog);
        if own.documents().any(|d| d.kind == crate::model::Kind::Facility) {
            let mut all = own;
            all.extend(load::load_files(discovered, &dir.all_below(), &self.config.limits, self.catalog));
            return vec![self.batch(discovered, all, keep_text, dog)];
        }
        let mut outs = vec![BatchOut { deferred: own, ..BatchOut::default() }];
        let children: Vec<Vec<BatchOut>> =
            dir.children.par_iter().map(|child| self.walk_tree(discovered, child, keep_text, dog)).collect();
        outs.extend(children.into_iter().flatten());
        outs
    }

    /// Validate, facilities, evaluate, inline suppressions, for one batch.
    fn batch(
        &self,
        discovered: &discover::Discovered,
        mut loaded: load::Loaded,
        keep_text: bool,
        dog: &Watchdog,
    ) -> BatchOut {
        let ids: Vec<crate::source::FileId> = loaded.files.iter().map(|f| f.id).collect();
        let mut texts = Vec::with_capacity(loaded.files.len());
        for f in &mut loaded.files {
            let placeholder =
                crate::source::SourceFile::new(f.source.path().to_path_buf(), String::new(), "".into());
            texts.push((f.id, std::sync::Arc::new(std::mem::replace(&mut f.source, placeholder))));
        }
        let sources = crate::source::SourceMap::sparse(texts.clone());
        let sources = &sources;
        let docs: Vec<&Document> = loaded.files.iter().flat_map(|f| f.documents.iter()).collect();
        let (mut findings, views, reported) = validate::check(&docs, self.schemas, self.catalog, self.as_of);
        findings.extend(loaded.findings.iter().cloned());
        let (grouping, facility_findings) = facility::group(&docs, &ids, sources, discovered, self.catalog);
        findings.extend(facility_findings);
        let enabled = |id: &str| self.filter.enabled(id);
        let env = Env {
            catalog: self.catalog,
            as_of: self.as_of,
            policy: crate::load::node::Node::from_json(&self.config.policy.to_json()),
            enabled: &enabled,
            sources,
            watchdog: dog,
            fast: self.fast,
            max_eval_bytes: self.config.max_eval_bytes,
        };
        let mut evaluated = evaluate::run(&grouping.facilities, &docs, &views, &env);
        reported.drop_repeats(&mut evaluated);
        findings.extend(evaluated);
        let mut findings = self.filter.apply(findings);
        if self.suppressions {
            suppress::apply_inline(&mut findings, &ids, sources, self.catalog);
            findings.retain(|f| self.filter.enabled(&f.rule.id));
        }
        // Findings made before facilities were known (DOC-010 of an inline
        // suppression among them) learn theirs here, and every finding
        // about a node gets its stable key.
        let mut by_file: std::collections::HashMap<crate::source::FileId, Vec<&Document>> =
            Default::default();
        for d in &docs {
            by_file.entry(d.file).or_default().push(d);
        }
        for f in &mut findings {
            if f.facility.is_none() {
                f.facility = grouping.facility_of(f.file);
            }
            if let (None, Some(ptr)) = (&f.key, &f.pointer) {
                let doc = by_file.get(&f.file).and_then(|ds| {
                    ds.iter().find(|d| {
                        d.root.span.start <= f.span.start
                            && f.span.start <= d.root.span.end.max(d.root.span.start)
                    })
                });
                if let Some(d) = doc {
                    f.key = Some(format!("{}:{}", d.kind, crate::model::stable_path(&d.root, ptr)).into());
                    f.item_type = crate::model::item_type(&d.root, ptr).map(std::sync::Arc::from);
                }
            }
        }
        // Lines and columns, while the texts are at hand.
        for f in &mut findings {
            let file = sources.get(f.file);
            f.start = file.line_col(f.span.start);
            f.end = file.line_col(f.span.end.max(f.span.start));
        }
        let out = BatchOut {
            facilities: grouping.facilities.iter().map(|f| f.summary(&docs)).collect(),
            documents: docs.len(),
            unreadable: loaded.files.iter().filter(|f| f.failed).count(),
            findings,
            texts: if keep_text { texts } else { Vec::new() },
            deferred: load::Loaded::default(),
        };
        drop(docs);
        out
    }

    /// Waivers (across all findings), order, summary.
    fn finish(&self, discovered: &discover::Discovered, mut run: Run) -> Checked {
        if self.suppressions {
            let config_source = self.config.source.as_ref().map(|(file, root)| {
                let id = run.sources.add_shared(std::sync::Arc::clone(file));
                let dir = file.display().rsplit_once('/').map_or("", |(d, _)| d).to_owned();
                (id, root, dir)
            });
            let config_source = config_source.as_ref().map(|(file, root, dir)| suppress::ConfigSource {
                file: *file,
                root,
                dir: dir.clone(),
            });
            let before = run.findings.len();
            suppress::apply_waivers(
                &mut run.findings,
                &run.sources,
                &self.config.waivers,
                config_source.as_ref(),
                self.as_of,
                self.catalog,
            );
            for f in &mut run.findings[before..] {
                let file = run.sources.get(f.file);
                f.start = file.line_col(f.span.start);
                f.end = file.line_col(f.span.end.max(f.span.start));
            }
            run.findings.retain(|f| self.filter.enabled(&f.rule.id));
        }
        report::sort(&mut run.findings, &run.sources);
        run.facilities.sort_by(|a, b| a.root.cmp(&b.root));
        let mut summary = Summary {
            files: discovered.files.len(),
            documents: run.documents,
            unreadable_files: run.unreadable,
            ..Summary::default()
        };
        summary.count(&run.findings);
        Checked { findings: run.findings, sources: run.sources, facilities: run.facilities, summary }
    }

    /// Checks in-memory files (`(name, bytes)`, as if they were one scan
    /// root): for fuzzing, benchmarks and embedding.
    pub fn check_memory(&self, files: &[(String, Vec<u8>)]) -> Checked {
        let discovered = discover::Discovered {
            roots: vec![discover::Root { dir: PathBuf::from("."), display: ".".into() }],
            files: files
                .iter()
                .map(|(name, _)| discover::FileEntry {
                    path: PathBuf::from(name),
                    display: name.clone(),
                    root: 0,
                    explicit: false,
                    problem: None,
                })
                .collect(),
        };
        let mut run = Run::new(&discovered);
        let mut loaded = load::Loaded::default();
        for (i, ((_, bytes), entry)) in files.iter().zip(&discovered.files).enumerate() {
            let id = crate::source::FileId(i as u32);
            let r = load::load_bytes(id, entry, bytes.clone(), &self.config.limits, self.catalog);
            loaded.files.push(r.file);
            loaded.findings.extend(r.findings);
        }
        let enabled = |id: &str| self.filter.enabled(id);
        let dog = Watchdog::new(self.config.rule_timeout, evaluate::check_names(self.catalog, &enabled));
        dog.watch(self.on_timeout, || run.absorb(self.batch(&discovered, loaded, true, &dog)));
        self.finish(&discovered, run)
    }
}

/// A directory of a scan root: its own files and its subdirectories, in
/// discovery order (indexes into `discovered.files`).
#[derive(Debug, Default)]
struct DirTree {
    name: std::ffi::OsString,
    files: Vec<usize>,
    children: Vec<DirTree>,
}

impl DirTree {
    /// Every file in the subdirectories, in order.
    fn all_below(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<&DirTree> = self.children.iter().rev().collect();
        while let Some(d) = stack.pop() {
            out.extend(&d.files);
            stack.extend(d.children.iter().rev());
        }
        out.sort_unstable();
        out
    }

    fn insert(&mut self, components: &[std::ffi::OsString], file: usize) {
        let Some((first, rest)) = components.split_first() else {
            self.files.push(file);
            return;
        };
        let child = match self.children.iter().position(|c| &c.name == first) {
            Some(i) => &mut self.children[i],
            None => {
                self.children.push(DirTree { name: first.clone(), ..DirTree::default() });
                let last = self.children.len() - 1;
                &mut self.children[last]
            }
        };
        child.insert(rest, file);
    }
}

/// Per scan root, the directory tree of its discovered files.
fn dir_trees(discovered: &discover::Discovered) -> Vec<DirTree> {
    let mut trees: Vec<DirTree> = discovered.roots.iter().map(|_| DirTree::default()).collect();
    for (i, f) in discovered.files.iter().enumerate() {
        let root = &discovered.roots[f.root].dir;
        let dir = f.path.parent().unwrap_or(Path::new(""));
        let rel = dir.strip_prefix(root).unwrap_or(Path::new(""));
        let components: Vec<std::ffi::OsString> = rel
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .map(|c| c.as_os_str().to_owned())
            .collect();
        if let Some(tree) = trees.get_mut(f.root) {
            tree.insert(&components, i);
        }
    }
    trees
}

/// Whether a report needs the files' texts (to show source lines).
fn keeps_text(formats: &[crate::cli::FormatSpec]) -> bool {
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
    crate::fsutil::write(path, bytes, force)
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

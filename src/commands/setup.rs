//! What `check`, `stats` and `report` run with: the configuration, the
//! catalogue, the rule filter, the date and the language, validated once,
//! and the worker threads the engine runs on.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::options::Invocation;
use super::resolve_lang;
use crate::document::schemas::Schemas;
use crate::import;
use crate::kernel::date::Date;
use crate::kernel::error::Fatal;
use crate::kernel::finding::Lang;
use crate::pipeline::config::{self, Config};
use crate::pipeline::discover::{self, WalkOptions};
use crate::pipeline::engine::{Checked, Engine, Sink, Totals};
use crate::pipeline::policy::RuleFilter;
use crate::rules::catalog::Catalog;

/// The validated configuration, rules and dates a check runs with.
pub(super) struct Setup {
    pub(super) config: Config,
    pub(super) catalog: Catalog,
    pub(super) filter: RuleFilter,
    pub(super) as_of: Date,
    pub(super) lang: Lang,
}

impl Setup {
    pub(super) fn new(
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
    pub(super) fn rules_off(&self) -> std::collections::BTreeSet<String> {
        self.catalog.iter().map(|r| r.id()).filter(|id| !self.filter.enabled(id)).map(str::to_owned).collect()
    }

    /// Only the rules `--select` and `--ignore` leave.
    pub(super) fn filtered(mut self, select: &[String], ignore: &[String]) -> Result<Setup, Fatal> {
        self.filter =
            RuleFilter::new(select.to_vec(), ignore.to_vec(), self.config.rules.clone(), &self.catalog)?;
        Ok(self)
    }

    /// Discovers, loads and checks `paths` on `jobs` threads, all at once.
    pub(super) fn check(
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
    pub(super) fn stream(
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

/// Ends the process with exit code 2 after printing `fatal`: for the one
/// case a result cannot be returned (a runaway rule evaluation cannot be
/// interrupted; see `evaluate::watchdog`).
#[allow(clippy::print_stderr)]
fn abort(fatal: Fatal) {
    eprint!("{}", fatal.render(resolve_lang(None, None), false));
    std::process::exit(2);
}

/// `--config`, else `anzen.yaml` in the first scan root, else defaults.
pub(super) fn load_config(
    explicit: Option<&Path>,
    paths: &[PathBuf],
    schemas: &Schemas,
) -> Result<Config, Fatal> {
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

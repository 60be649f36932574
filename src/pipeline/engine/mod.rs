//! The engine: runs the pipeline over a fleet. Files are grouped into
//! facility subtrees; each subtree is loaded, validated, grouped,
//! evaluated and finished as one batch on a worker thread, and delivered
//! to a sink in facility order, so memory follows the largest facilities
//! in flight, not the fleet.
//!
//! This file holds the engine's API (check everything at once, stream
//! facility by facility, check files in memory), a batch's run of the
//! stages, and the delivery of its findings facility by facility; which
//! directory runs when, on which worker, is `schedule`'s.

mod schedule;

use std::path::PathBuf;

use serde::Serialize;

use crate::document::Document;
use crate::document::schemas::Schemas;
use crate::kernel::date::Date;
use crate::kernel::error::Fatal;
use crate::kernel::finding::{Finding, Severity};
use crate::pipeline::config::Config;
use crate::pipeline::discover;
use crate::pipeline::evaluate::watchdog::Watchdog;
use crate::pipeline::evaluate::{self, Env};
use crate::pipeline::facility::{self, FacilitySummary, Listing};
use crate::pipeline::finish;
use crate::pipeline::load;
use crate::pipeline::policy::{self, RuleFilter};
use crate::pipeline::suppress;
use crate::pipeline::validate;
use crate::rules::catalog::Catalog;
use schedule::{dir_trees, flatten};

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
    /// [`crate::expr::fast`]); `false` runs them all in the CEL
    /// interpreter, to compare (`ANZEN_INTERPRET_ONLY`).
    pub fast: bool,
}

/// The result of checking a set of files, all at once (the fuzz target,
/// embedding); `check`, `stats` and `report` stream [`FacilityUnit`]s.
pub struct Checked {
    /// In facility order, sorted within each facility (file, line, column,
    /// rule).
    pub findings: Vec<crate::kernel::finding::Finding>,
    pub sources: crate::kernel::source::SourceMap,
    pub facilities: Vec<FacilitySummary>,
    pub summary: Summary,
}

/// One facility's finished findings — facility, key, inline suppressions,
/// waivers, severity overrides, lines and columns applied — as the engine
/// delivers them, in facility order.
pub struct FacilityUnit<'a> {
    /// `None` for findings outside every facility, and for the findings
    /// about anzen.yaml (unused waivers) that come last.
    pub facility: Option<&'a FacilitySummary>,
    /// Sorted by file, line, column, rule (then message).
    pub findings: Vec<crate::kernel::finding::Finding>,
    /// The files the findings point into: with their texts when the run
    /// keeps them (`keep_text`), else names only.
    pub sources: &'a crate::kernel::source::SourceMap,
    /// Documents loaded and files that could not be read, counted on the
    /// first unit of each batch (a facility subtree).
    pub documents: usize,
    pub unreadable: usize,
}

/// What a stream of facilities adds up to.
pub struct Totals {
    pub files: usize,
    pub documents: usize,
    pub unreadable: usize,
    /// Every facility delivered, sorted by root: its listing only (the
    /// summary went with its unit).
    pub facilities: Listing,
}

impl Totals {
    /// Nothing delivered yet, of `files` discovered.
    fn new(files: usize) -> Totals {
        Totals { files, documents: 0, unreadable: 0, facilities: Listing::default() }
    }
}

/// Where the engine delivers each facility.
pub type Sink<'s> = dyn FnMut(FacilityUnit<'_>) -> Result<(), Fatal> + 's;

/// What one batch (a facility subtree) produced.
#[derive(Default)]
struct BatchOut {
    findings: Vec<crate::kernel::finding::Finding>,
    facilities: Vec<FacilitySummary>,
    documents: usize,
    unreadable: usize,
    /// The batch's files (texts only when kept).
    sources: crate::kernel::source::SourceMap,
    /// Files outside every facility, checked last.
    deferred: load::Loaded,
}

impl Engine<'_> {
    /// Checks every discovered file and returns them all at once.
    pub fn check(
        &self,
        discovered: &discover::Discovered,
        keep_text: bool,
        pool: &rayon::ThreadPool,
    ) -> Result<Checked, Fatal> {
        let mut sources = crate::kernel::source::SourceMap::placeholders(
            discovered.files.iter().map(|f| (&*f.path, f.display())),
        );
        let (mut findings, mut facilities) = (Vec::new(), Vec::new());
        let mut sink = |unit: FacilityUnit<'_>| {
            for f in &unit.findings {
                if sources.get(f.file).text().is_empty() {
                    sources.set(f.file, std::sync::Arc::clone(unit.sources.get(f.file)));
                }
            }
            facilities.extend(unit.facility.cloned());
            findings.extend(unit.findings);
            Ok(())
        };
        let totals = self.stream(discovered, keep_text, pool, &mut sink)?;
        Ok(checked(findings, sources, facilities, totals))
    }

    /// Loads and checks every discovered file, one facility subtree at a
    /// time, and delivers each facility's finished findings to `sink` in
    /// facility order (directories in path order; files outside every
    /// facility after them; the findings about anzen.yaml last). A
    /// directory whose own files hold a Facility document is loaded,
    /// checked and dropped as one batch; batches run in parallel on `pool`,
    /// at most a few ahead of the one being delivered, so memory is bounded
    /// by the largest facilities (times the worker threads), not by the
    /// fleet. With `keep_text`, a unit's sources keep the file texts (for
    /// reports that show source lines) until the sink is done with it.
    pub fn stream(
        &self,
        discovered: &discover::Discovered,
        keep_text: bool,
        pool: &rayon::ThreadPool,
        sink: &mut Sink<'_>,
    ) -> Result<Totals, Fatal> {
        let enabled = |id: &str| self.filter.enabled(id);
        let dog = Watchdog::new(self.config.rule_timeout, evaluate::check_names(self.catalog, &enabled));
        let mut waivers = suppress::Waivers::new(&self.config.waivers, self.as_of);
        let mut totals = Totals::new(discovered.files.len());
        let config_id =
            crate::kernel::source::FileId(u32::try_from(discovered.files.len()).unwrap_or(u32::MAX));
        let config_dir = self
            .config
            .source
            .as_ref()
            .map(|(file, _)| file.display().rsplit_once('/').map_or("", |(d, _)| d).to_owned());
        let config_source = self
            .config
            .source
            .as_ref()
            .zip(config_dir)
            .map(|((_, root), dir)| suppress::ConfigSource { file: config_id, root, dir });
        let mut deliver = |out: BatchOut, totals: &mut Totals, waivers: &mut suppress::Waivers<'_>| {
            self.deliver(out, totals, waivers, config_source.as_ref(), sink)
        };
        dog.watch(self.on_timeout, || {
            let trees = dir_trees(discovered);
            let mut nodes = Vec::new();
            for tree in &trees {
                flatten(tree, None, &discovered.files, &mut nodes);
            }
            let mut deferred = load::Loaded::default();
            let mut result = Ok(());
            self.run_nodes(discovered, &nodes, keep_text, pool, &dog, &mut |mut out| {
                deferred.extend(std::mem::take(&mut out.deferred));
                result = deliver(out, &mut totals, &mut waivers);
                result.is_ok()
            });
            result?;
            if !deferred.files.is_empty() {
                let out = pool.install(|| self.batch(discovered, deferred, keep_text, &dog));
                deliver(out, &mut totals, &mut waivers)?;
            }
            Ok::<(), Fatal>(())
        })?;
        if self.suppressions
            && let Some(((file, _), c)) = self.config.source.as_ref().zip(config_source.as_ref())
        {
            let sources =
                crate::kernel::source::SourceMap::sparse(vec![(config_id, std::sync::Arc::clone(file))]);
            let mut findings = finish::finish(
                waivers.misfired(Some(c), self.catalog),
                &finish::Finishing {
                    filter: self.filter,
                    sources: &sources,
                    docs: &[],
                    facility_of: &|_| None,
                },
            );
            if !findings.is_empty() {
                crate::kernel::finding::sort(&mut findings, &sources);
                sink(FacilityUnit {
                    facility: None,
                    findings,
                    sources: &sources,
                    documents: 0,
                    unreadable: 0,
                })?;
            }
        }
        totals.facilities.sort();
        Ok(totals)
    }

    /// Waivers, then the batch's facilities one by one (by root; findings
    /// of no facility of the batch after them), each sorted.
    fn deliver(
        &self,
        out: BatchOut,
        totals: &mut Totals,
        waivers: &mut suppress::Waivers<'_>,
        config: Option<&suppress::ConfigSource<'_>>,
        sink: &mut Sink<'_>,
    ) -> Result<(), Fatal> {
        let BatchOut { mut findings, mut facilities, documents, unreadable, sources, deferred: _ } = out;
        totals.documents += documents;
        totals.unreadable += unreadable;
        if self.suppressions {
            waivers.apply(&mut findings, &sources, config);
        }
        crate::kernel::finding::sort(&mut findings, &sources);
        policy::cap_per_rule_and_file(&mut findings, self.config.max_findings_per_rule);
        facilities.sort_by(|a, b| a.root.cmp(&b.root));
        let mut units: Vec<Vec<crate::kernel::finding::Finding>> =
            facilities.iter().map(|_| Vec::new()).collect();
        let mut rest = Vec::new();
        for f in findings {
            match f.facility.as_deref().and_then(|r| facilities.iter().position(|fac| fac.root == r)) {
                Some(i) => units[i].push(f),
                None => rest.push(f),
            }
        }
        let (mut documents, mut unreadable) = (documents, unreadable);
        // Sorted above: each facility's share stays in order.
        for (fac, findings) in facilities
            .iter()
            .zip(units)
            .map(|(fac, f)| (Some(fac), f))
            .chain((!rest.is_empty()).then_some((None, rest)))
        {
            sink(FacilityUnit { facility: fac, findings, sources: &sources, documents, unreadable })?;
            (documents, unreadable) = (0, 0);
        }
        if documents > 0 || unreadable > 0 {
            sink(FacilityUnit {
                facility: None,
                findings: Vec::new(),
                sources: &sources,
                documents,
                unreadable,
            })?;
        }
        for fac in &facilities {
            totals.facilities.push(fac);
        }
        Ok(())
    }

    /// Validate, facilities, evaluate, inline suppressions, for one batch.
    fn batch(
        &self,
        discovered: &discover::Discovered,
        mut loaded: load::Loaded,
        keep_text: bool,
        dog: &Watchdog,
    ) -> BatchOut {
        let ids: Vec<crate::kernel::source::FileId> = loaded.files.iter().map(|f| f.id).collect();
        let mut texts = Vec::with_capacity(loaded.files.len());
        for f in &mut loaded.files {
            let placeholder = crate::kernel::source::SourceFile::new(
                f.source.path().to_path_buf(),
                String::new(),
                "".into(),
            );
            texts.push((f.id, std::sync::Arc::new(std::mem::replace(&mut f.source, placeholder))));
        }
        let batch_sources = crate::kernel::source::SourceMap::sparse(texts.clone());
        let sources = &batch_sources;
        let docs: Vec<&Document> = loaded.files.iter().flat_map(|f| f.documents.iter()).collect();
        let (mut findings, views, reported) = validate::check(&docs, self.schemas, self.catalog, self.as_of);
        findings.extend(loaded.findings.iter().cloned());
        let (grouping, facility_findings) = facility::group(&docs, &ids, sources, discovered, self.catalog);
        findings.extend(facility_findings);
        let enabled = |id: &str| self.filter.enabled(id);
        let env = Env {
            catalog: self.catalog,
            as_of: self.as_of,
            policy: crate::document::node::Node::from_json(&self.config.policy.to_json()),
            enabled: &enabled,
            sources,
            watchdog: dog,
            fast: self.fast,
            max_eval_bytes: self.config.max_eval_bytes,
        };
        let mut evaluated = evaluate::run(&grouping.facilities, &docs, &views, &env);
        reported.drop_repeats(&mut evaluated);
        findings.extend(evaluated);
        // Disabled rules leave before the inline suppressions run (a
        // suppression of a rule that is off silences nothing).
        findings.retain(|f| self.filter.enabled(&f.rule.id));
        if self.suppressions {
            suppress::apply_inline(&mut findings, &ids, sources, self.catalog);
        }
        let facility_of = |file| grouping.facility_of(file);
        let findings = finish::finish(
            findings,
            &finish::Finishing { filter: self.filter, sources, docs: &docs, facility_of: &facility_of },
        );
        if !keep_text {
            for (_, file) in &mut texts {
                let display = file.display().to_owned();
                *file = std::sync::Arc::new(crate::kernel::source::SourceFile::new(
                    file.path().to_path_buf(),
                    display,
                    "".into(),
                ));
            }
        }
        let out = BatchOut {
            facilities: grouping.facilities.iter().map(|f| f.summary(&docs)).collect(),
            documents: docs.len(),
            unreadable: loaded.files.iter().filter(|f| f.failed).count(),
            findings,
            sources: crate::kernel::source::SourceMap::sparse(texts),
            deferred: load::Loaded::default(),
        };
        drop(docs);
        out
    }

    /// Checks in-memory files (`(name, bytes)`, as if they were one scan
    /// root): for fuzzing, benchmarks and embedding.
    pub fn check_memory(&self, files: &[(String, Vec<u8>)]) -> Checked {
        let discovered = discover::Discovered {
            roots: vec![discover::Root { dir: PathBuf::from("."), display: ".".into() }],
            files: files
                .iter()
                .map(|(name, bytes)| {
                    discover::FileEntry::new(PathBuf::from(name), name.clone(), 0, None, bytes.len() as u64)
                })
                .collect(),
        };
        let mut loaded = load::Loaded::default();
        for (i, ((_, bytes), entry)) in files.iter().zip(&discovered.files).enumerate() {
            let id = crate::kernel::source::FileId(i as u32);
            let r = load::load_bytes(id, entry, bytes.clone(), &self.config.limits, self.catalog);
            loaded.files.push(r.file);
            loaded.findings.extend(r.findings);
        }
        let enabled = |id: &str| self.filter.enabled(id);
        let dog = Watchdog::new(self.config.rule_timeout, evaluate::check_names(self.catalog, &enabled));
        let out = dog.watch(self.on_timeout, || self.batch(&discovered, loaded, true, &dog));
        let mut sources = crate::kernel::source::SourceMap::placeholders(
            discovered.files.iter().map(|f| (&*f.path, f.display())),
        );
        for i in 0..discovered.files.len() {
            let id = crate::kernel::source::FileId(i as u32);
            sources.set(id, std::sync::Arc::clone(out.sources.get(id)));
        }
        let mut totals = Totals::new(discovered.files.len());
        let mut waivers = suppress::Waivers::new(&self.config.waivers, self.as_of);
        let (mut findings, mut facilities) = (Vec::new(), Vec::new());
        let mut sink = |unit: FacilityUnit<'_>| {
            facilities.extend(unit.facility.cloned());
            findings.extend(unit.findings);
            Ok(())
        };
        // No config file in memory: no waivers to report.
        let _ = self.deliver(out, &mut totals, &mut waivers, None, &mut sink);
        checked(findings, sources, facilities, totals)
    }
}

/// A [`Checked`] of everything delivered.
fn checked(
    findings: Vec<crate::kernel::finding::Finding>,
    sources: crate::kernel::source::SourceMap,
    mut facilities: Vec<FacilitySummary>,
    totals: Totals,
) -> Checked {
    facilities.sort_by(|a, b| a.root.cmp(&b.root));
    let mut summary = Summary {
        files: totals.files,
        documents: totals.documents,
        unreadable_files: totals.unreadable,
        ..Summary::default()
    };
    summary.count(&findings);
    Checked { findings, sources, facilities, summary }
}

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    /// Files that could not be read or parsed (they have a DOC-001/DOC-009).
    pub unreadable_files: usize,
    /// Findings silenced by an inline suppression or a waiver (not counted
    /// in `error`/`warning`/`info`).
    pub suppressed: usize,
    /// With `--baseline`: findings left out because the baseline lists
    /// them, and baseline entries that no longer occur.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::pipeline::baseline::Applied>,
}

impl Summary {
    pub fn count(&mut self, findings: &[Finding]) {
        for f in findings {
            if f.suppressed.is_some() {
                self.suppressed += 1;
                continue;
            }
            match f.severity {
                Severity::Error => self.error += 1,
                Severity::Warning => self.warning += 1,
                Severity::Info => self.info += 1,
            }
        }
    }
}

//! `anzen check`: the reports asked for (every format, to standard output
//! or files), the baseline, and the exit code, fed one facility at a time
//! by the engine.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::options::{CheckOptions, FormatSpec, Invocation};
use super::setup::Setup;
use super::{Outcome, nothing_checked, write_error};
use crate::assess::checklist::Checklist;
use crate::assess::survey::Survey;
use crate::document::schemas::Schemas;
use crate::kernel::error::Fatal;
use crate::kernel::finding::Lang;
use crate::output as report;
use crate::pipeline::config::FailOn;
use crate::pipeline::engine::{FacilityUnit, Summary};
use crate::pipeline::policy;

pub(super) fn run_check(
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

/// Whether a report needs the files' texts (to show source lines).
fn keeps_text(formats: &[FormatSpec]) -> bool {
    formats.iter().any(|f| f.format == report::Format::Human)
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

//! Baselines: accept today's findings, report only new ones.
//!
//! `--write-baseline FILE` records each unsuppressed finding by its meaning
//! — rule, facility, and stable key (document kind + the path to the node
//! with list items named by their id: `BackupPlan:backups[id=bk-pacs]/generations`)
//! — never by line, so reordering or reformatting the YAML does not bring a
//! baselined finding back. `--baseline FILE` drops the findings it lists
//! (as many as it lists of each) and counts the entries that no longer occur.
//!
//! The facility is recorded relative to its scan root (`.` for the root
//! itself), and a whole-file finding's file relative to its facility, so
//! the same baseline holds whichever directory anzen runs from.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::kernel::date::Date;
use crate::kernel::error::Fatal;
use crate::kernel::finding::identity;
use crate::kernel::finding::{Finding, Lang};
use crate::kernel::source::SourceMap;

/// The baseline file's format version.
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct File {
    anzen_baseline: u32,
    as_of: String,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct Entry {
    rule: String,
    facility: String,
    key: String,
    /// For people reading the file; not matched.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    message: String,
}

/// What applying a baseline did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Findings dropped because the baseline lists them.
    pub matched: usize,
    /// Baseline entries that matched no finding (fixed since).
    pub gone: usize,
}

/// The scan roots of `paths` (a named file's directory) as displayed,
/// which facilities and files are made relative to.
pub fn scan_roots(paths: &[PathBuf]) -> Vec<String> {
    let cwd = std::env::current_dir().ok();
    paths
        .iter()
        .map(|p| {
            let dir = if p.is_file() {
                p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
            } else {
                p.as_path()
            };
            crate::kernel::fsutil::display_path(dir, cwd.as_deref())
        })
        .collect()
}

/// `path` relative to `base` (both as displayed), `.` for `base` itself;
/// `None` when it is not below `base`.
fn below<'a>(path: &'a str, base: &str) -> Option<&'a str> {
    if path == base {
        return Some(".");
    }
    if base == "." {
        return (!path.starts_with("../") && !path.starts_with('/')).then_some(path);
    }
    path.strip_prefix(base).and_then(|rest| rest.strip_prefix('/')).filter(|r| !r.is_empty())
}

/// What identifies a finding in a baseline: rule, facility relative to
/// its scan root, and the stable key (or, for a whole-file finding, the
/// file relative to the facility, else to the scan root).
fn relative_identity(f: &Finding, sources: &SourceMap, roots: &[String]) -> (String, String, String) {
    let [rule, facility, key] = identity(f, sources);
    // The deepest scan root holding the facility (or, without one, the file).
    let file = sources.get(f.file).display();
    let anchor = if facility.is_empty() { file } else { facility };
    let root = roots.iter().filter(|r| below(anchor, r).is_some()).max_by_key(|r| r.len());
    let rel_facility = match (facility.is_empty(), root) {
        (true, _) => String::new(),
        (false, Some(r)) => below(facility, r).unwrap_or(facility).to_owned(),
        (false, None) => facility.to_owned(),
    };
    let key = if f.key.is_some() {
        key.to_owned()
    } else {
        let base = if facility.is_empty() { root.map_or(".", String::as_str) } else { facility };
        below(file, base).unwrap_or(file).to_owned()
    };
    (rule.to_owned(), rel_facility, key)
}

fn entry(f: &Finding, sources: &SourceMap, roots: &[String], lang: Lang) -> Entry {
    let (rule, facility, key) = relative_identity(f, sources, roots);
    Entry { rule, facility, key, message: f.message.get(lang).to_owned() }
}

/// The baseline of `findings` (suppressed ones excluded), as JSON.
pub fn render(
    findings: &[Finding],
    sources: &SourceMap,
    roots: &[String],
    as_of: Date,
    lang: Lang,
) -> String {
    let mut recorder = Recorder::new(roots.to_vec());
    recorder.add(findings, sources, lang);
    recorder.render(as_of)
}

/// A baseline recorded facility by facility (`--write-baseline`).
pub struct Recorder {
    roots: Vec<String>,
    entries: Vec<Entry>,
}

impl Recorder {
    /// A recorder keying facilities and files relative to `roots` (see
    /// [`scan_roots`]).
    pub fn new(roots: Vec<String>) -> Self {
        Recorder { roots, entries: Vec::new() }
    }

    /// Records `findings` (suppressed ones excluded).
    pub fn add(&mut self, findings: &[Finding], sources: &SourceMap, lang: Lang) {
        let roots = &self.roots;
        self.entries.extend(
            findings.iter().filter(|f| f.suppressed.is_none()).map(|f| entry(f, sources, roots, lang)),
        );
    }

    /// The baseline file, as JSON.
    pub fn render(mut self, as_of: Date) -> String {
        self.entries.sort_by(|a, b| (&a.facility, &a.rule, &a.key).cmp(&(&b.facility, &b.rule, &b.key)));
        let file = File { anzen_baseline: VERSION, as_of: as_of.to_string(), entries: self.entries };
        let mut text = crate::kernel::escape::json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Drops the findings `path` lists.
pub fn apply(
    findings: &mut Vec<Finding>,
    sources: &SourceMap,
    roots: &[String],
    path: &Path,
) -> Result<Applied, Fatal> {
    let mut baseline = Baseline::load(path, roots.to_vec())?;
    baseline.apply(findings, sources);
    Ok(baseline.applied())
}

/// A baseline file, applied facility by facility (`--baseline`).
pub struct Baseline {
    roots: Vec<String>,
    remaining: HashMap<(String, String, String), usize>,
    matched: usize,
}

impl Baseline {
    /// Reads the baseline at `path`; facilities are matched relative to
    /// `roots` (see [`scan_roots`]).
    pub fn load(path: &Path, roots: Vec<String>) -> Result<Baseline, Fatal> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Fatal::Path { path: path.to_path_buf(), source: e })?;
        let file: File = serde_json::from_str(&text).map_err(|e| {
            Fatal::usage(
                format!("{}: anzen のベースラインではありません: {e}", path.display()),
                format!("{}: not an anzen baseline: {e}", path.display()),
            )
        })?;
        if file.anzen_baseline != VERSION {
            return Err(Fatal::usage(
                format!(
                    "{}: ベースラインの形式 {} には対応していません（この anzen が書くのは {VERSION}）",
                    path.display(),
                    file.anzen_baseline
                ),
                format!(
                    "{}: baseline format {} is not supported (this anzen writes {VERSION})",
                    path.display(),
                    file.anzen_baseline
                ),
            ));
        }
        let mut remaining: HashMap<(String, String, String), usize> = HashMap::new();
        for e in file.entries {
            *remaining.entry((e.rule, e.facility, e.key)).or_default() += 1;
        }
        Ok(Baseline { roots, remaining, matched: 0 })
    }

    /// Drops the findings the baseline lists (as many as it lists of each).
    /// Entries written before keys were relative (facility and file as
    /// displayed from the working directory) still match when anzen runs
    /// from where they were written.
    pub fn apply(&mut self, findings: &mut Vec<Finding>, sources: &SourceMap) {
        let (roots, remaining, matched) = (&self.roots, &mut self.remaining, &mut self.matched);
        findings.retain(|f| {
            if f.suppressed.is_some() {
                return true;
            }
            let relative = relative_identity(f, sources, roots);
            let [rule, facility, key] = identity(f, sources);
            let legacy = (rule.to_owned(), facility.to_owned(), key.to_owned());
            for id in [relative, legacy] {
                if let Some(n) = remaining.get_mut(&id).filter(|n| **n > 0) {
                    *n -= 1;
                    *matched += 1;
                    return false;
                }
            }
            true
        });
    }

    /// What applying it did so far.
    pub fn applied(&self) -> Applied {
        Applied { matched: self.matched, gone: self.remaining.values().sum() }
    }
}

#[cfg(test)]
mod tests {
    use super::below;

    #[test]
    fn paths_are_made_relative_to_their_base() {
        assert_eq!(below("a/b", "a/b"), Some("."));
        assert_eq!(below("a/b/c.yaml", "a/b"), Some("c.yaml"));
        assert_eq!(below("a/bc/c.yaml", "a/b"), None);
        assert_eq!(below("c.yaml", "."), Some("c.yaml"));
        assert_eq!(below("../x/c.yaml", "."), None);
        assert_eq!(below(".", "."), Some("."));
    }
}

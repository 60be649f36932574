//! Baselines: accept today's findings, report only new ones.
//!
//! `--write-baseline FILE` records each unsuppressed finding by its meaning
//! — rule, facility, and stable key (document kind + the path to the node
//! with list items named by their id: `BackupPlan:backups[id=bk-pacs]/generations`)
//! — never by line, so reordering or reformatting the YAML does not bring a
//! baselined finding back. `--baseline FILE` drops the findings it lists
//! (as many as it lists of each) and counts the entries that no longer occur.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::error::Fatal;
use crate::finding::{Finding, Lang};
use crate::report::identity;
use crate::source::SourceMap;

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

fn entry(f: &Finding, sources: &SourceMap, lang: Lang) -> Entry {
    let [rule, facility, key] = identity(f, sources);
    Entry {
        rule: rule.to_owned(),
        facility: facility.to_owned(),
        key: key.to_owned(),
        message: f.message.get(lang).to_owned(),
    }
}

/// The baseline of `findings` (suppressed ones excluded), as JSON.
pub fn render(findings: &[Finding], sources: &SourceMap, as_of: Date, lang: Lang) -> String {
    let mut entries: Vec<Entry> =
        findings.iter().filter(|f| f.suppressed.is_none()).map(|f| entry(f, sources, lang)).collect();
    entries.sort_by(|a, b| (&a.facility, &a.rule, &a.key).cmp(&(&b.facility, &b.rule, &b.key)));
    let file = File { anzen_baseline: VERSION, as_of: as_of.to_string(), entries };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// Drops the findings `path` lists.
pub fn apply(findings: &mut Vec<Finding>, sources: &SourceMap, path: &Path) -> Result<Applied, Fatal> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Fatal::Path { path: path.to_path_buf(), source: e })?;
    let file: File = serde_json::from_str(&text)
        .map_err(|e| Fatal::Usage(format!("{}: not an anzen baseline: {e}", path.display())))?;
    if file.anzen_baseline != VERSION {
        return Err(Fatal::Usage(format!(
            "{}: baseline format {} is not supported (this anzen writes {VERSION})",
            path.display(),
            file.anzen_baseline
        )));
    }
    let mut remaining: HashMap<(String, String, String), usize> = HashMap::new();
    for e in file.entries {
        *remaining.entry((e.rule, e.facility, e.key)).or_default() += 1;
    }
    let mut applied = Applied::default();
    findings.retain(|f| {
        if f.suppressed.is_some() {
            return true;
        }
        let [rule, facility, key] = identity(f, sources);
        match remaining.get_mut(&(rule.to_owned(), facility.to_owned(), key.to_owned())) {
            Some(n) if *n > 0 => {
                *n -= 1;
                applied.matched += 1;
                false
            }
            _ => true,
        }
    });
    applied.gone = remaining.values().sum();
    Ok(applied)
}

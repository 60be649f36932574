//! Finish: the one place a finding is completed. Every stage before it
//! emits findings with their rule (built-in ones named by
//! [`crate::rules::doc::Doc`]), file, span, pointer and message; after the
//! inline suppressions have run, [`finish`] — once per finding, for every
//! rule alike — drops the rules the run leaves off, applies the
//! configuration's severities, and attaches what the position determines:
//! the facility, the stable key and item type, and the line and column.
//! What comes after only marks (waivers) or trims (the per-rule cap).

use std::collections::HashMap;
use std::sync::Arc;

use crate::document::Document;
use crate::document::model;
use crate::kernel::finding::Finding;
use crate::kernel::source::{FileId, SourceMap};
use crate::pipeline::policy::RuleFilter;

/// What the finishing stage needs to know about the findings' files.
pub struct Finishing<'a> {
    /// Which rules run, and at which severity.
    pub filter: &'a RuleFilter,
    /// The files the findings point into, with their texts.
    pub sources: &'a SourceMap,
    /// The documents the findings may be about.
    pub docs: &'a [&'a Document],
    /// The facility (its root's display path) a file belongs to.
    pub facility_of: &'a dyn Fn(FileId) -> Option<Arc<str>>,
}

/// Completes `findings` (see the module documentation).
pub fn finish(findings: Vec<Finding>, cx: &Finishing<'_>) -> Vec<Finding> {
    let mut findings = cx.filter.apply(findings);
    let mut by_file: HashMap<FileId, Vec<&Document>> = HashMap::new();
    for d in cx.docs {
        by_file.entry(d.file).or_default().push(d);
    }
    for f in &mut findings {
        if f.facility.is_none() {
            f.facility = (cx.facility_of)(f.file);
        }
        if let (None, Some(ptr)) = (&f.key, &f.pointer) {
            let doc = by_file.get(&f.file).and_then(|ds| {
                ds.iter().find(|d| {
                    d.root.span.start <= f.span.start
                        && f.span.start <= d.root.span.end.max(d.root.span.start)
                })
            });
            if let Some(d) = doc {
                f.key = Some(format!("{}:{}", d.kind, model::stable_path(&d.root, ptr)).into());
                f.item_type = model::item_type(&d.root, ptr).map(Arc::from);
            }
        }
        let file = cx.sources.get(f.file);
        f.start = file.line_col(f.span.start);
        f.end = file.line_col(f.span.end.max(f.span.start));
    }
    findings
}

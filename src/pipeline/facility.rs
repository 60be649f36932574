//! Facilities: group documents by the directory holding their `Facility`
//! (SPEC §1.1) and check what spans documents: duplicate ids (DOC-004),
//! unresolved references (DOC-005), no Facility (DOC-007), two Facilities in
//! one directory (DOC-008).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::document::Document;
use crate::document::model::{self, ID_LISTS, Kind, REFERENCES};
use crate::document::node::{Node, NodeValue};
use crate::document::pointer;
use crate::kernel::finding::{Finding, Text};
use crate::kernel::fsutil::display_path;
use crate::kernel::source::{FileId, SourceMap};
use crate::kernel::text::closest;
use crate::pipeline::discover::Discovered;
use crate::rules::catalog::Catalog;
use crate::rules::doc::Doc;

/// What a report lists of a facility at its end (`facilities` of the
/// JSON output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Listed<'a> {
    pub root: &'a str,
    pub name: Option<&'a str>,
    pub beds: Option<i64>,
}

/// Every facility's [`Listed`], as a stream keeps them until the end of a
/// report: all a run holds per facility once its unit is delivered. One
/// buffer of text and one small entry a facility (two allocations, not
/// two strings a facility among the workers' short-lived values), so that
/// a run's memory does not follow its fleet.
#[derive(Debug, Default)]
pub struct Listing {
    text: String,
    entries: Vec<ListingEntry>,
}

/// Where one facility's root and name are in [`Listing::text`].
#[derive(Debug)]
struct ListingEntry {
    start: usize,
    root_end: usize,
    name_end: Option<usize>,
    beds: Option<i64>,
}

impl Listing {
    pub fn push(&mut self, fac: &FacilitySummary) {
        let start = self.text.len();
        self.text.push_str(&fac.root);
        let root_end = self.text.len();
        let name_end = fac.name.as_deref().map(|name| {
            self.text.push_str(name);
            self.text.len()
        });
        self.entries.push(ListingEntry { start, root_end, name_end, beds: fac.beds });
    }

    fn get(&self, e: &ListingEntry) -> Listed<'_> {
        Listed {
            root: &self.text[e.start..e.root_end],
            name: e.name_end.map(|end| &self.text[e.root_end..end]),
            beds: e.beds,
        }
    }

    /// In the order pushed, or by root after [`Listing::sort`].
    pub fn iter(&self) -> impl Iterator<Item = Listed<'_>> {
        self.entries.iter().map(|e| self.get(e))
    }

    /// Sorts by root.
    pub fn sort(&mut self) {
        let Listing { text, entries } = self;
        entries.sort_by(|a, b| text[a.start..a.root_end].cmp(&text[b.start..b.root_end]));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<'a> FromIterator<&'a FacilitySummary> for Listing {
    fn from_iter<I: IntoIterator<Item = &'a FacilitySummary>>(summaries: I) -> Self {
        let mut listing = Listing::default();
        for fac in summaries {
            listing.push(fac);
        }
        listing
    }
}

/// A facility as the engine delivers it: what it is listed as, and what
/// the checklist assessment needs to know about it beyond findings.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FacilitySummary {
    pub root: String,
    pub name: Option<String>,
    pub beds: Option<i64>,
    /// It has no Facility document (the implicit facility of a scan root).
    #[serde(skip)]
    pub implicit: bool,
    /// `uses_medical_information_systems` of its Facility document.
    #[serde(skip)]
    pub uses_medical_information_systems: Option<bool>,
    /// The kinds it has at least one document of that describes something
    /// (see [`describes`]), sorted: the checklist report answers 未記載 for
    /// an item none of whose evidence kinds is described.
    #[serde(skip)]
    pub described: Vec<Kind>,
    /// What the assessment needs from its documents (`crate::assess`).
    #[serde(skip)]
    pub facts: crate::pipeline::facts::Facts,
}

/// Does `doc` describe anything? A Facility always does; a list kind only
/// when one of its lists has an item (`assets: []`, as `anzen init` writes
/// it, describes nothing yet); a NetworkMap also with a `diagram`; an
/// AccountInventory when it lists accounts.
pub fn describes(doc: &Document) -> bool {
    let filled = |key: &str| match doc.root.get(key).map(|n| &n.value) {
        None | Some(NodeValue::Null) => false,
        Some(NodeValue::Seq(a)) => !a.is_empty(),
        Some(NodeValue::Map(o)) => !o.is_empty(),
        Some(NodeValue::String(s)) => !s.is_empty(),
        Some(_) => true,
    };
    match doc.kind {
        Kind::Facility | Kind::Config => true,
        Kind::NetworkMap => filled("diagram") || doc.kind.merged_lists().iter().any(|l| filled(l)),
        Kind::AccountInventory => filled("accounts"),
        kind => kind.merged_lists().iter().any(|l| filled(l)),
    }
}

/// One facility: a directory and the documents below it.
#[derive(Debug)]
pub struct Facility {
    /// The facility directory as shown to the user.
    pub root: Arc<str>,
    /// Index (into the run's document list) of its Facility document.
    pub facility_doc: Option<usize>,
    /// Indexes of all its documents, in path order (Facility included).
    pub docs: Vec<usize>,
}

impl Facility {
    /// What the output lists about it.
    pub fn summary(&self, docs: &[&Document]) -> FacilitySummary {
        let doc = self.facility_doc.map(|i| &docs[i].root);
        let mut described: Vec<Kind> =
            self.docs.iter().map(|&i| docs[i]).filter(|d| describes(d)).map(|d| d.kind).collect();
        described.sort();
        described.dedup();
        FacilitySummary {
            root: self.root.to_string(),
            implicit: self.facility_doc.is_none(),
            name: doc.and_then(|d| d.get("name")).and_then(Node::as_str).map(str::to_owned),
            beds: doc.and_then(|d| d.get("beds")).and_then(Node::as_i64),
            uses_medical_information_systems: doc
                .and_then(|d| d.get("uses_medical_information_systems"))
                .and_then(Node::as_bool),
            described,
            facts: crate::pipeline::facts::Facts::collect(self, docs),
        }
    }

    /// Its documents of `kind`, in path order.
    pub fn docs_of<'a>(&'a self, docs: &'a [&'a Document], kind: Kind) -> impl Iterator<Item = usize> + 'a {
        self.docs.iter().copied().filter(move |&i| docs[i].kind == kind)
    }
}

/// The facilities of a run, and which facility each file belongs to.
#[derive(Debug, Default)]
pub struct Grouping {
    pub facilities: Vec<Facility>,
    /// Per file: the root of its facility, also for files that
    /// contributed no document (unreadable, foreign YAML).
    pub file_facility: HashMap<FileId, Arc<str>>,
}

impl Grouping {
    pub fn facility_of(&self, file: FileId) -> Option<Arc<str>> {
        self.file_facility.get(&file).cloned()
    }
}

/// Groups `docs` (in path order) into facilities; `files` are the files
/// being checked (their facility is recorded, also for files without
/// documents).
pub fn group(
    docs: &[&Document],
    files: &[FileId],
    sources: &SourceMap,
    discovered: &Discovered,
    catalog: &Catalog,
) -> (Grouping, Vec<Finding>) {
    let cwd = std::env::current_dir().ok();
    let dir_of = |d: &Document| -> PathBuf {
        sources.get(d.file).path().parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let mut findings = Vec::new();
    // Facility directories, in path order of their Facility document.
    let mut by_dir: HashMap<PathBuf, usize> = HashMap::new();
    let mut facilities: Vec<Facility> = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        if d.kind != Kind::Facility {
            continue;
        }
        let dir = dir_of(d);
        if by_dir.contains_key(&dir) {
            findings.push(doc_finding(
                catalog,
                Doc::DuplicateFacility,
                d,
                "",
                Text::new(
                    "同じディレクトリに Facility 文書が 2 つあります。施設ごとにディレクトリを分けてください",
                    "a second Facility document in the same directory; give each facility its own directory",
                ),
            ));
            continue;
        }
        by_dir.insert(dir.clone(), facilities.len());
        facilities.push(Facility {
            root: Arc::from(display_path(&dir, cwd.as_deref())),
            facility_doc: Some(i),
            docs: Vec::new(),
        });
    }
    // Orphans per scan root.
    let mut implicit: HashMap<usize, usize> = HashMap::new();
    // A file's id is its index in the discovery (a lookup, not a map of
    // every discovered file: this runs once per facility).
    let root_of_file = |file: FileId| discovered.files.get(file.0 as usize).map_or(0, |f| f.root);
    for (i, d) in docs.iter().enumerate() {
        let dir = dir_of(d);
        let owner = dir.ancestors().find_map(|a| by_dir.get(a).copied());
        let index = match owner {
            Some(f) => f,
            None => {
                let root = root_of_file(d.file);
                *implicit.entry(root).or_insert_with(|| {
                    let display = discovered.roots.get(root).map_or_else(|| ".".to_owned(), |r| r.display.clone());
                    findings.push(doc_finding(catalog, Doc::MissingFacility, d, "", Text::new(
                        "Facility 文書がありません。この文書を含むディレクトリ（またはその親）に kind: Facility の文書を置いてください",
                        "no Facility document: put a `kind: Facility` document in this directory or a parent",
                    )));
                    facilities.push(Facility { root: Arc::from(display), facility_doc: None, docs: Vec::new() });
                    facilities.len() - 1
                })
            }
        };
        facilities[index].docs.push(i);
    }
    for f in &facilities {
        findings.extend(check_ids_and_references(f, docs, sources, catalog));
    }
    let mut file_facility: HashMap<FileId, Arc<str>> = HashMap::new();
    for f in &facilities {
        for &i in &f.docs {
            file_facility.insert(docs[i].file, Arc::clone(&f.root));
        }
    }
    for &id in files {
        if file_facility.contains_key(&id) {
            continue;
        }
        let dir = sources.get(id).path().parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let owner = match dir.ancestors().find_map(|a| by_dir.get(a).copied()) {
            Some(f) => Some(Arc::clone(&facilities[f].root)),
            None => {
                let root = root_of_file(id);
                implicit.get(&root).map(|&f| Arc::clone(&facilities[f].root))
            }
        };
        if let Some(owner) = owner {
            file_facility.insert(id, owner);
        }
    }
    let grouping = Grouping { facilities, file_facility };
    for finding in &mut findings {
        finding.facility = grouping.facility_of(finding.file);
    }
    (grouping, findings)
}

fn doc_finding(catalog: &Catalog, rule: Doc, doc: &Document, ptr: &str, message: Text) -> Finding {
    let span = pointer::locate(&doc.root, ptr).span;
    Finding { pointer: Some(ptr.to_owned()), ..catalog.finding(rule, doc.file, span, message) }
}

/// The merged list `list` of a facility: `(doc index, index in the
/// document's list, item)` in path order, then line order. The item's
/// pointer is `/{list}/{index}`.
pub fn merged<'a>(
    facility: &Facility,
    docs: &[&'a Document],
    views: Option<&'a [crate::pipeline::validate::View<'a>]>,
    list: &str,
) -> Vec<(usize, usize, &'a Node)> {
    let mut out = Vec::new();
    for &i in &facility.docs {
        let doc = docs[i];
        if !doc.kind.merged_lists().contains(&list) {
            continue;
        }
        let value = match views {
            Some(v) => v[i].as_ref(),
            None => &doc.root,
        };
        if let Some(items) = value.get(list).and_then(Node::as_seq) {
            out.extend(items.iter().enumerate().map(|(j, item)| (i, j, item)));
        }
    }
    out
}

/// How many DOC-005 findings of a facility get a "did you mean" suggestion.
const MAX_SUGGESTIONS: usize = 100;

fn check_ids_and_references(
    f: &Facility,
    docs: &[&Document],
    sources: &SourceMap,
    catalog: &Catalog,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut ids: HashMap<&str, HashSet<&str>> = HashMap::new();
    for list in ID_LISTS {
        let mut first: HashMap<&str, (usize, usize)> = HashMap::new();
        for (doc, j, item) in merged(f, docs, None, list) {
            let Some(id) = item.get("id").and_then(Node::as_str).filter(|s| !s.is_empty()) else { continue };
            let shown = crate::kernel::text::clip(id);
            if let Some(&(d0, j0)) = first.get(id) {
                let d0 = docs[d0];
                let at = pointer::locate(&d0.root, &format!("/{list}/{j0}/id")).span;
                let file = sources.get(d0.file);
                let first_at = format!("{}:{}", file.display(), file.line_col(at.start).line);
                findings.push(doc_finding(
                    catalog,
                    Doc::DuplicateId,
                    docs[doc],
                    &format!("/{list}/{j}/id"),
                    Text::new(
                        format!("ID `{shown}` は {list} で既に使われています（最初の定義: {first_at}）"),
                        format!("id `{shown}` is already used in {list} (first defined at {first_at})"),
                    ),
                ));
            } else {
                first.insert(id, (doc, j));
            }
        }
        ids.insert(list, first.into_keys().collect());
    }
    // A suggestion compares the name with every known id: a facility
    // with thousands of dangling references would be quadratic (references
    // × ids), so only the first ones get one.
    let mut suggestions_left = MAX_SUGGESTIONS;
    for r in REFERENCES {
        for i in f.docs_of(docs, r.kind) {
            let doc = docs[i];
            let known = ids.get(r.target);
            model::walk(&doc.root, r.pattern, &mut |ptr, v| {
                let Some(name) = v.as_str().filter(|s| !s.is_empty()) else { return };
                if known.is_some_and(|k| k.contains(name)) {
                    return;
                }
                let suggestion = match suggestions_left.checked_sub(1) {
                    Some(left) => {
                        suggestions_left = left;
                        known.and_then(|k| closest(name, k.iter().copied()))
                    }
                    None => None,
                };
                let name = crate::kernel::text::clip(name);
                let mut finding = doc_finding(
                    catalog,
                    Doc::UnresolvedReference,
                    doc,
                    ptr,
                    Text::new(
                        format!("`{name}` という ID は {} にありません", r.target),
                        format!("`{name}` names no id in {}", r.target),
                    ),
                );
                finding.help = Some(match suggestion {
                    Some(s) => Text::new(format!("`{s}` ではありませんか。"), format!("did you mean `{s}`?")),
                    None => Text::new(
                        format!("{}[].id に定義されている ID を書いてください。", r.target),
                        format!("write an id defined in {}[].id", r.target),
                    ),
                });
                findings.push(finding);
            });
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_gives_back_what_was_pushed_and_sorts_by_root() {
        let fac = |root: &str, name: Option<&str>, beds| FacilitySummary {
            root: root.into(),
            name: name.map(Into::into),
            beds,
            implicit: false,
            uses_medical_information_systems: None,
            described: Vec::new(),
            facts: crate::pipeline::facts::Facts::default(),
        };
        let summaries =
            [fac("b/病院", Some("乙病院"), Some(120)), fac("a", None, None), fac("a-b", Some(""), Some(0))];
        let mut listing: Listing = summaries.iter().collect();
        assert_eq!(listing.len(), 3);
        let listed: Vec<Listed<'_>> = listing.iter().collect();
        assert_eq!(listed[0], Listed { root: "b/病院", name: Some("乙病院"), beds: Some(120) });
        assert_eq!(listed[1], Listed { root: "a", name: None, beds: None });
        assert_eq!(listed[2], Listed { root: "a-b", name: Some(""), beds: Some(0) });
        listing.sort();
        let roots: Vec<&str> = listing.iter().map(|l| l.root).collect();
        assert_eq!(roots, ["a", "a-b", "b/病院"]);
        let first = listing.iter().next().unwrap();
        assert_eq!(serde_json::to_string(&first).unwrap(), r#"{"root":"a","name":null,"beds":null}"#);
    }
}

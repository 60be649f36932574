//! `--repo DIR`: the hospital's anzen directory, whose VendorRegistry and
//! SystemCatalog turn the vendor and system names a sheet uses
//! (「さくらメディカル株式会社」, 「電子カルテ」) into their ids (`v-ehr`,
//! `sys-ehr`) while importing, so a name nobody registered is reported at
//! its cell instead of becoming a DOC-005 in `anzen check` later.
//!
//! A cell is read, in this order, as: an id as written; an id up to width,
//! case and punctuation (`Ｖ－ＥＨＲ`); a name (same folding); a name without
//! the company form (株式会社, (株), ㈱, 有限会社 …) or, for systems, without a
//! trailing システム. A step that matches several entries is ambiguous and
//! reported, never guessed.

use std::collections::HashMap;
use std::path::Path;

use crate::document::InputLimits;
use crate::document::model::Kind;
use crate::document::node::Node;
use crate::document::schemas::Schemas;
use crate::import::values::{fold_width, key, key_without_parentheses};
use crate::kernel::error::Fatal;
use crate::kernel::finding::Text;
use crate::pipeline::discover::{self, WalkOptions};
use crate::pipeline::load;
use crate::rules::catalog::Catalog;

/// One registry (vendors or systems): its entries and lookup keys.
#[derive(Debug)]
pub struct Registry {
    /// `VendorRegistry`, `SystemCatalog`.
    pub kind: Kind,
    /// (id, name), in path order.
    entries: Vec<(String, Option<String>)>,
    /// Lookup steps after the exact id: key → entry indexes.
    steps: [HashMap<String, Vec<usize>>; 3],
}

/// The registries found under `--repo`; a kind the directory lacks is `None`
/// (its names are left as written, for `anzen check` to judge).
#[derive(Debug, Default)]
pub struct Refs {
    pub vendors: Option<Registry>,
    pub systems: Option<Registry>,
}

impl Refs {
    /// Reads every VendorRegistry and SystemCatalog under `dir`, which must
    /// hold at most one facility (names resolve within a facility).
    pub fn load(dir: &Path, schemas: &Schemas) -> Result<Refs, Fatal> {
        if !dir.is_dir() {
            return Err(Fatal::usage(
                format!(
                    "--repo {}: ディレクトリではありません（病院の anzen ディレクトリを指定してください）",
                    dir.display()
                ),
                format!("--repo {}: not a directory (name the hospital's anzen directory)", dir.display()),
            ));
        }
        let catalog = Catalog::builtin(schemas)?;
        let discovered = discover::walk(&[dir.to_path_buf()], &WalkOptions::default())?;
        let all: Vec<usize> = (0..discovered.files.len()).collect();
        let loaded = load::load_files(&discovered, &all, &InputLimits::default(), &catalog);
        if let Some(f) = loaded.files.iter().find(|f| f.failed) {
            let why = loaded.findings.iter().find(|x| x.file == f.id).map(|x| x.message.clone());
            let why = why.unwrap_or_else(|| Text::new("読めません", "unreadable"));
            let file = f.source.display();
            return Err(Fatal::usage(
                format!("--repo: {file} を読めません（{}）。名前を ID にする前に直してください", why.ja),
                format!(
                    "--repo: cannot read {file} ({}); fix it before names are resolved against it",
                    why.en
                ),
            ));
        }
        let facilities: Vec<String> = loaded
            .files
            .iter()
            .filter(|f| f.documents.iter().any(|d| d.kind == Kind::Facility))
            .map(|f| f.source.display().to_owned())
            .collect();
        if facilities.len() > 1 {
            let list = facilities.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
            return Err(Fatal::usage(
                format!(
                    "--repo {}: 施設が {} あります（{list} …）。1つの病院のディレクトリを指定してください",
                    dir.display(),
                    facilities.len()
                ),
                format!(
                    "--repo {}: holds {} facilities ({list} …); name one hospital's directory",
                    dir.display(),
                    facilities.len()
                ),
            ));
        }
        let mut refs = Refs::default();
        for doc in loaded.documents() {
            let (slot, list) = match doc.kind {
                Kind::VendorRegistry => (&mut refs.vendors, "vendors"),
                Kind::SystemCatalog => (&mut refs.systems, "systems"),
                _ => continue,
            };
            let registry = slot.get_or_insert_with(|| Registry::new(doc.kind));
            for item in doc.root.get(list).and_then(Node::as_seq).unwrap_or_default() {
                let Some(id) = item.get("id").and_then(Node::as_str).filter(|s| !s.trim().is_empty()) else {
                    continue;
                };
                let name = item.get("name").and_then(Node::as_str).map(str::to_owned);
                registry.push(id.to_owned(), name);
            }
        }
        Ok(refs)
    }

    /// The registry a field's values name (`vendor`, `remote_maintenance.vendor`, `systems`).
    pub fn for_field(&self, target: &str) -> Option<&Registry> {
        match target {
            "vendor" | "remote_maintenance.vendor" => self.vendors.as_ref(),
            "systems" => self.systems.as_ref(),
            _ => None,
        }
    }
}

impl Registry {
    pub fn new(kind: Kind) -> Self {
        Registry { kind, entries: Vec::new(), steps: Default::default() }
    }

    pub fn push(&mut self, id: String, name: Option<String>) {
        let i = self.entries.len();
        let mut keys = vec![(0, key(&id))];
        if let Some(n) = &name {
            keys.push((1, key(n)));
            keys.push((2, self.loose(n)));
        }
        for (step, k) in keys {
            if k.is_empty() {
                continue;
            }
            let list = self.steps[step].entry(k).or_default();
            if !list.contains(&i) {
                list.push(i);
            }
        }
        self.entries.push((id, name));
    }

    /// The id a cell's text names, or why it names none.
    pub fn resolve(&self, text: &str) -> Result<String, Text> {
        let text = text.trim();
        if self.entries.iter().any(|(id, _)| id == text) {
            return Ok(text.to_owned());
        }
        for (step, k) in [key(text), key(text), self.loose(text)].into_iter().enumerate() {
            let Some(hits) = self.steps[step].get(&k) else { continue };
            let mut ids: Vec<&str> = hits.iter().map(|&i| self.entries[i].0.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            if let [one] = ids.as_slice() {
                return Ok((*one).to_owned());
            }
            let all = ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ");
            return Err(Text::new(
                format!("{} の複数の項目（{all}）に当たります。ID で書いてください", self.kind),
                format!("names several entries of the {} ({all}); write the id", self.kind),
            ));
        }
        let near = crate::kernel::text::closest(
            text,
            self.entries.iter().flat_map(|(id, name)| std::iter::once(id.as_str()).chain(name.as_deref())),
        )
        .and_then(|c| self.entries.iter().find(|(id, name)| id == c || name.as_deref() == Some(c)));
        let (ja_hint, en_hint) = match near {
            Some((id, Some(name))) => {
                (format!("`{id}`（{name}）ではありませんか"), format!("did you mean `{id}` ({name})?"))
            }
            Some((id, None)) => (format!("`{id}` ではありませんか"), format!("did you mean `{id}`?")),
            None => (
                format!("{} に登録するか、--map の values で ID を指定してください", self.kind),
                format!("add it to the {}, or map the name to an id under values in --map", self.kind),
            ),
        };
        Err(Text::new(
            format!("{} の ID にも名前にもありません。{ja_hint}", self.kind),
            format!("neither an id nor a name in the {}; {en_hint}", self.kind),
        ))
    }

    /// A name without its bracketed part and company form (vendors:
    /// 株式会社, (株), ㈱ …) or trailing システム (systems).
    fn loose(&self, name: &str) -> String {
        let mut s = fold_width(name);
        if self.kind == Kind::VendorRegistry {
            for form in ["株式会社", "有限会社", "合同会社", "㈱", "㈲"] {
                s = s.replace(form, "");
            }
        }
        let k = key_without_parentheses(&s);
        if self.kind == Kind::SystemCatalog
            && let Some(stem) = k.strip_suffix("システム").filter(|t| !t.is_empty())
        {
            return stem.to_owned();
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vendors() -> Registry {
        let mut r = Registry::new(Kind::VendorRegistry);
        r.push("v-ehr".into(), Some("さくらメディカル株式会社".into()));
        r.push("v-net".into(), Some("○○ネットワークス".into()));
        r.push("v-pacs".into(), Some("東海イメージング株式会社（PACS・RIS）".into()));
        r.push("v-a".into(), Some("同名商事".into()));
        r.push("v-b".into(), Some("同名商事".into()));
        r
    }

    #[test]
    fn ids_names_and_company_forms_resolve() {
        let r = vendors();
        assert_eq!(r.resolve("v-ehr"), Ok("v-ehr".into()));
        assert_eq!(r.resolve(" Ｖ－ＥＨＲ "), Ok("v-ehr".into()));
        assert_eq!(r.resolve("さくらメディカル株式会社"), Ok("v-ehr".into()));
        assert_eq!(r.resolve("さくら メディカル(株)"), Ok("v-ehr".into()));
        assert_eq!(r.resolve("㈱さくらメディカル"), Ok("v-ehr".into()));
        assert_eq!(r.resolve("○○ネットワークス"), Ok("v-net".into()));
        assert_eq!(r.resolve("東海イメージング"), Ok("v-pacs".into()));
        assert_eq!(r.resolve("東海イメージング（株）"), Ok("v-pacs".into()));
    }

    #[test]
    fn unknown_and_ambiguous_names_say_why() {
        let r = vendors();
        let why = r.resolve("さくらメディカ株式会社").unwrap_err();
        assert!(why.en.contains("neither an id nor a name in the VendorRegistry"), "{}", why.en);
        assert!(why.en.contains("did you mean"), "{}", why.en);
        let why = r.resolve("まったく別の会社").unwrap_err();
        assert!(why.en.contains("add it to the VendorRegistry"), "{}", why.en);
        let why = r.resolve("同名商事").unwrap_err();
        assert_eq!(why.en, "names several entries of the VendorRegistry (`v-a`, `v-b`); write the id");
    }

    #[test]
    fn systems_match_without_a_trailing_system() {
        let mut r = Registry::new(Kind::SystemCatalog);
        r.push("sys-ehr".into(), Some("電子カルテシステム".into()));
        r.push("sys-pacs".into(), Some("PACS（医用画像管理システム）".into()));
        assert_eq!(r.resolve("電子カルテ"), Ok("sys-ehr".into()));
        assert_eq!(r.resolve("pacs"), Ok("sys-pacs".into()));
        assert_eq!(r.resolve("PACSシステム"), Ok("sys-pacs".into()));
    }
}

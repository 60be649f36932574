//! The checklists rules evidence (`rules/checklists/<edition>.yaml`): the
//! items in their official order and wording, and for each item the rules
//! that decide it (or `attest: true` where configuration data cannot).

use serde::Deserialize;

use crate::document::yaml::{self, Limits};
use crate::kernel::assets::CHECKLIST_FILES;
use crate::kernel::error::Fatal;
use crate::kernel::finding::Text;

/// One checklist edition.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub edition: String,
    pub title: Text,
    pub scope: Scope,
    pub sections: Vec<Section>,
    #[serde(default)]
    pub related: Vec<Item>,
}

/// The question that decides whether the rest applies.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub ja: String,
    pub en: String,
    /// The Facility field that answers it. いいえ: every item is 対象外.
    pub field: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub number: String,
    pub title: Text,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The item's key, as rules cite it (`2⑥`).
    pub item: String,
    pub text: Text,
    /// How sure the wording is: C, D, T or I (see domain.md).
    pub confidence: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Document kinds whose absence makes the answer "not described".
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Rules whose findings answer the item.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Only a person can answer it (the report says 要確認).
    #[serde(default)]
    pub attest: bool,
}

impl Checklist {
    /// Every embedded checklist, by file name order.
    pub fn builtin() -> Result<Vec<Checklist>, Fatal> {
        CHECKLIST_FILES
            .iter()
            .map(|(name, text)| {
                let docs = yaml::parse(text, &Limits::default())
                    .map_err(|e| Fatal::Internal(format!("checklist {name}: {}", e.message)))?;
                let json = docs.first().map(|d| d.to_json()).unwrap_or_default();
                serde_json::from_value(json).map_err(|e| Fatal::Internal(format!("checklist {name}: {e}")))
            })
            .collect()
    }

    /// The edition `edition` (e.g. `R7`).
    pub fn edition(edition: &str) -> Result<Checklist, Fatal> {
        Self::builtin()?
            .into_iter()
            .find(|c| c.edition == edition)
            .ok_or_else(|| Fatal::Internal(format!("no checklist {edition}")))
    }

    /// The embedded R7 edition, parsed once (`None` only if the embedded
    /// file were broken, which a test rules out).
    pub fn embedded() -> Option<&'static Checklist> {
        static R7: std::sync::OnceLock<Option<Checklist>> = std::sync::OnceLock::new();
        R7.get_or_init(|| Checklist::edition("R7").ok()).as_ref()
    }

    /// The items a finding of rule `id` decides: those whose `rules` list
    /// it; for a rule no item lists (a user's own rule, `--rules DIR`), the
    /// items of this edition it cites.
    pub fn decided_by<'a>(
        &'a self,
        id: &str,
        cites: &'a [crate::kernel::finding::ChecklistRef],
    ) -> Vec<&'a str> {
        let listed: Vec<&str> =
            self.items().filter(|i| i.rules.iter().any(|r| r == id)).map(|i| i.item.as_str()).collect();
        if !listed.is_empty() {
            return listed;
        }
        cites.iter().filter(|c| c.edition == self.edition).map(|c| c.item.as_str()).collect()
    }

    /// Every item: the form's sections in order, then related items.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter()).chain(self.related.iter())
    }
}

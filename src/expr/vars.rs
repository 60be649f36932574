//! The variables a rule expression sees: one table ([`VARIABLES`]), read by
//! both evaluators (the fast path resolves names with [`lookup`], the
//! evaluation stage binds the facility-wide ones [`facility_wide`] lists) and
//! by `docs/rule-authoring.md` ([`markdown`]).

use crate::document::model::MERGED_LISTS;

/// A variable, by identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable {
    Item,
    Owner,
    Document,
    Facility,
    /// One of the facility's merged lists ([`MERGED_LISTS`]).
    List,
    Documents,
    Policy,
    AsOf,
}

/// How often a variable's value changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Bound per judged item.
    Item,
    /// The same for every item of a facility.
    Facility,
}

/// One row of the variable table.
#[derive(Debug)]
pub struct Spec {
    pub variable: Variable,
    /// Its names (the merged lists are one row of several names).
    pub names: &'static [&'static str],
    pub scope: Scope,
    /// What it holds, one line of Markdown.
    pub en: &'static str,
    pub ja: &'static str,
}

/// Every variable, in the documentation's order.
pub const VARIABLES: &[Spec] = &[
    Spec {
        variable: Variable::Item,
        names: &["item"],
        scope: Scope::Item,
        en: "the judged node",
        ja: "判定対象のノード",
    },
    Spec {
        variable: Variable::Owner,
        names: &["owner"],
        scope: Scope::Item,
        en: "the top-level item or document containing it (see the table above)",
        ja: "それを含む最上位の項目または文書（上の表を参照）",
    },
    Spec {
        variable: Variable::Document,
        names: &["document"],
        scope: Scope::Item,
        en: "the whole document holding `item`",
        ja: "`item` を含む文書全体",
    },
    Spec {
        variable: Variable::Facility,
        names: &["facility"],
        scope: Scope::Facility,
        en: "the Facility document (`{}` when there is none)",
        ja: "Facility 文書（なければ `{}`）",
    },
    Spec {
        variable: Variable::List,
        names: &MERGED_LISTS,
        scope: Scope::Facility,
        en: "the facility's merged lists",
        ja: "施設の統合済みリスト",
    },
    Spec {
        variable: Variable::Documents,
        names: &["documents"],
        scope: Scope::Facility,
        en: "a map from kind name to the list of that kind's documents: `documents.NetworkMap`",
        ja: "種別名から、その種別の文書のリストへの対応：`documents.NetworkMap`",
    },
    Spec {
        variable: Variable::Policy,
        names: &["policy"],
        scope: Scope::Facility,
        en: "the policy thresholds (`policy.patch_max_age_days`, …): SPEC §5, defaults in \
             `docs/configuration.md`",
        ja: "ポリシーの閾値（`policy.patch_max_age_days` など）：SPEC §5、既定値は \
             `docs/configuration.md`",
    },
    Spec {
        variable: Variable::AsOf,
        names: &["as_of"],
        scope: Scope::Facility,
        en: "the evaluation date, a `YYYY-MM-DD` string",
        ja: "評価日（`YYYY-MM-DD` 形式の文字列）",
    },
];

/// The variable called `name`, and which of its row's names it is (for the
/// merged lists, the index in [`MERGED_LISTS`]).
pub fn lookup(name: &str) -> Option<(Variable, usize)> {
    VARIABLES.iter().find_map(|s| s.names.iter().position(|n| *n == name).map(|i| (s.variable, i)))
}

/// The names of the variables that are the same for a whole facility.
pub fn facility_wide() -> impl Iterator<Item = &'static str> {
    VARIABLES.iter().filter(|s| s.scope == Scope::Facility).flat_map(|s| s.names.iter().copied())
}

/// The variable table as the Markdown table of `docs/rule-authoring.md`.
pub fn markdown() -> String {
    let mut out = String::from("| variable | value | 値 |\n|---|---|---|\n");
    for s in VARIABLES {
        let names: Vec<String> = s.names.iter().map(|n| format!("`{n}`")).collect();
        out.push_str(&format!("| {} | {} | {} |\n", names.join(", "), s.en, s.ja));
    }
    out
}

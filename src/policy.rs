//! Policy: which rules are on, at which severity, applied once after
//! evaluation (config `rules:`, `--select`, `--ignore`), and the exit status.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::config::{FailOn, RuleSetting};
use crate::error::Fatal;
use crate::finding::Finding;

/// Rules that say a file was not checked at all: never filtered out, so a
/// broken file can never go unnoticed (their severity may still be changed).
pub const ALWAYS_ON: [&str; 2] = ["DOC-001", "DOC-009"];

/// Which rules run.
#[derive(Clone, Debug, Default)]
pub struct RuleFilter {
    select: Vec<String>,
    ignore: Vec<String>,
    settings: BTreeMap<String, RuleSetting>,
}

impl RuleFilter {
    /// Checks every selector names a rule (or a prefix of one).
    pub fn new(
        select: Vec<String>,
        ignore: Vec<String>,
        settings: BTreeMap<String, RuleSetting>,
        catalog: &Catalog,
    ) -> Result<Self, Fatal> {
        for sel in select.iter().chain(&ignore) {
            if !catalog.iter().any(|r| matches(sel, r.id())) {
                return Err(Fatal::usage(
                    format!(
                        "`{sel}` に当てはまる規則はありません。BAK-002 のような ID か BAK のような接頭辞を書いてください（規則の一覧は `anzen rules`）"
                    ),
                    format!(
                        "`{sel}` matches no rule; `anzen rules` lists them (use an id such as BAK-002 or a prefix such as BAK)"
                    ),
                ));
            }
        }
        Ok(Self { select, ignore, settings })
    }

    pub fn enabled(&self, id: &str) -> bool {
        if ALWAYS_ON.contains(&id) {
            return true;
        }
        let selected = self.select.is_empty() || self.select.iter().any(|s| matches(s, id));
        let ignored = self.ignore.iter().any(|s| matches(s, id));
        selected && !ignored && self.settings.get(id) != Some(&RuleSetting::Off)
    }

    /// Drops findings of disabled rules and applies severity overrides.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| self.enabled(&f.rule.id))
            .map(|mut f| {
                if let Some(RuleSetting::Severity(s)) = self.settings.get(&f.rule.id) {
                    f.severity = *s;
                }
                f
            })
            .collect()
    }
}

fn matches(selector: &str, id: &str) -> bool {
    let s = selector.trim();
    !s.is_empty()
        && (id == s
            || id.starts_with(s.trim_end_matches('-'))
                && id[s.trim_end_matches('-').len()..].starts_with('-'))
}

/// Whether `findings` make the run fail under `fail_on`.
pub fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    fail_on.threshold().is_some_and(|t| findings.iter().any(|f| f.suppressed.is_none() && f.severity >= t))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn selectors_match_ids_and_prefixes() {
        assert!(matches("BAK-002", "BAK-002"));
        assert!(matches("BAK", "BAK-002"));
        assert!(matches("BAK-", "BAK-002"));
        assert!(!matches("BA", "BAK-002"));
        assert!(!matches("BAK-00", "BAK-002"));
        assert!(!matches("", "BAK-002"));
    }
}

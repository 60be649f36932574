//! Policy: which rules are on, at which severity, applied once after
//! evaluation (config `rules:`, `--select`, `--ignore`), and the exit status.

use std::collections::{BTreeMap, HashMap};

use crate::kernel::error::Fatal;
use crate::kernel::finding::{Finding, Text};
use crate::pipeline::config::{FailOn, RuleSetting};
use crate::rules::catalog::Catalog;
use crate::rules::doc::Doc;

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
        // A file that was not checked at all (DOC-001, DOC-009) can never
        // go unnoticed (the severity of those rules may still be changed).
        if Doc::is_unreadable(id) {
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

/// Keeps at most `max` findings of one rule in one file (suppressed and
/// unsuppressed ones counted apart) and replaces the rest with one finding
/// of that rule, at the first one left out, saying how many more there are
/// (`limits.max_findings_per_rule`). `findings` must be in report order
/// ([`crate::kernel::finding::sort`]): the first `max` are the ones kept.
pub fn cap_per_rule_and_file(findings: &mut Vec<Finding>, max: usize) {
    let max = max.max(1);
    let mut seen: HashMap<(&str, crate::kernel::source::FileId, bool), usize> = HashMap::new();
    let mut over = false;
    for f in findings.iter() {
        let n = seen.entry((f.rule.id.as_str(), f.file, f.suppressed.is_some())).or_default();
        *n += 1;
        over |= *n > max;
    }
    if !over {
        return;
    }
    let counts: HashMap<(String, crate::kernel::source::FileId, bool), usize> =
        seen.into_iter().filter(|(_, n)| *n > max).map(|((r, f, s), n)| ((r.to_owned(), f, s), n)).collect();
    let mut shown: HashMap<(String, crate::kernel::source::FileId, bool), usize> = HashMap::new();
    let mut kept = Vec::with_capacity(findings.len());
    for mut f in std::mem::take(findings) {
        let id = (f.rule.id.clone(), f.file, f.suppressed.is_some());
        let Some(&total) = counts.get(&id) else {
            kept.push(f);
            continue;
        };
        let n = shown.entry(id).or_default();
        *n += 1;
        if *n <= max {
            kept.push(f);
        } else if *n == max + 1 {
            let more = total - max;
            f.message = Text::new(
                format!(
                    "このファイルには {} の指摘がほかに{more}件あります（1ファイル・1ルールにつき{max}件まで表示。上限は limits.max_findings_per_rule）",
                    f.rule.id
                ),
                format!(
                    "{more} more {} finding(s) in this file are not listed (at most {max} per rule and file: limits.max_findings_per_rule)",
                    f.rule.id
                ),
            );
            f.help = None;
            f.pointer = None;
            f.key = None;
            f.item_type = None;
            kept.push(f);
        }
    }
    *findings = kept;
}

#[cfg(test)]
mod tests {
    use super::matches;
    use crate::kernel::finding::Finding;

    #[test]
    fn selectors_match_ids_and_prefixes() {
        assert!(matches("BAK-002", "BAK-002"));
        assert!(matches("BAK", "BAK-002"));
        assert!(matches("BAK-", "BAK-002"));
        assert!(!matches("BA", "BAK-002"));
        assert!(!matches("BAK-00", "BAK-002"));
        assert!(!matches("", "BAK-002"));
    }

    fn finding(rule: &std::sync::Arc<crate::kernel::finding::RuleInfo>, file: u32, at: u32) -> Finding {
        let mut f = Finding::new(
            std::sync::Arc::clone(rule),
            crate::kernel::finding::Severity::Error,
            crate::kernel::source::FileId(file),
            crate::kernel::source::Span { start: at, end: at + 1 },
            crate::kernel::finding::Text::new("x", "x"),
        );
        f.pointer = Some(format!("/assets/{at}"));
        f
    }

    fn rule(id: &str) -> std::sync::Arc<crate::kernel::finding::RuleInfo> {
        std::sync::Arc::new(crate::kernel::finding::RuleInfo {
            id: id.into(),
            name: id.to_lowercase(),
            title: crate::kernel::finding::Text::new("t", "t"),
            remediation: crate::kernel::finding::Text::new("r", "r"),
            references: crate::kernel::finding::References::default(),
            survey: None,
            suppressible: true,
        })
    }

    #[test]
    fn findings_beyond_the_cap_become_one_per_rule_and_file() {
        let (a, b) = (rule("USB-001"), rule("PAT-001"));
        let mut findings: Vec<Finding> = (0..5).map(|i| finding(&a, 0, i)).collect();
        findings.extend((0..5).map(|i| finding(&a, 1, i)));
        findings.extend((0..3).map(|i| finding(&b, 0, 10 + i)));
        findings[4].suppressed = Some(crate::kernel::finding::Suppression {
            reason: "ok".into(),
            by: crate::kernel::finding::SuppressedBy::Waiver,
        });
        super::cap_per_rule_and_file(&mut findings, 3);
        let of = |id: &str, file: u32| {
            findings.iter().filter(|f| f.rule.id == id && f.file.0 == file && f.suppressed.is_none()).count()
        };
        // Four unsuppressed in file 0: three kept, one "1 more".
        assert_eq!(of("USB-001", 0), 4);
        // Five in file 1: three and "2 more", at the fourth.
        assert_eq!(of("USB-001", 1), 4);
        let more: Vec<&Finding> = findings.iter().filter(|f| f.message.en.contains("more")).collect();
        assert_eq!(more.len(), 2, "{more:?}");
        assert!(more[1].message.en.starts_with("2 more USB-001"), "{}", more[1].message.en);
        assert!(more[1].message.ja.contains("ほかに2件"), "{}", more[1].message.ja);
        assert_eq!((more[1].span.start, more[1].pointer.as_deref()), (3, None));
        // Under the cap, and the suppressed one: untouched.
        assert_eq!(of("PAT-001", 0), 3);
        assert_eq!(findings.iter().filter(|f| f.suppressed.is_some()).count(), 1);
        assert_eq!(findings.len(), 4 + 4 + 3 + 1);
    }
}

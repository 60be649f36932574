//! `Finding`: the one thing that moves between pipeline stages.
//!
//! Loader problems, schema violations and rule hits all become findings.
//! A finding carries its rule's metadata ([`RuleInfo`], shared), a message in
//! both languages, and a location (file + byte span, plus the JSON Pointer of
//! the node it is about). Reporters turn spans into lines and columns through
//! [`crate::kernel::source::SourceMap`]; they never see a rule, a schema or a CEL value.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::kernel::source::{FileId, LineCol, SourceMap, Span};

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Output language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

/// A text in Japanese and English.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub ja: String,
    pub en: String,
}

impl Text {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self { ja: ja.into(), en: en.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    pub fn is_complete(&self) -> bool {
        !self.ja.trim().is_empty() && !self.en.trim().is_empty()
    }
}

/// A checklist item a rule evidences, e.g. `{edition: R7, item: "3②"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistRef {
    pub edition: String,
    pub item: String,
}

/// A Guideline section, e.g. `{edition: "6.0", part: システム運用編, chapter: "18①"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidelineRef {
    pub edition: String,
    pub part: String,
    pub chapter: String,
}

impl GuidelineRef {
    /// `システム運用編 18①`: the form SPEC's JSON output uses.
    pub fn short(&self) -> String {
        format!("{} {}", self.part, self.chapter)
    }

    /// The part's English name (the Guideline's own translations).
    pub fn part_en(&self) -> &str {
        match self.part.as_str() {
            "概説編" => "Overview",
            "経営管理編" => "Governance",
            "企画管理編" => "Management",
            "システム運用編" => "Control",
            other => other,
        }
    }

    /// The citation in `lang`.
    pub fn cite(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => format!("ガイドライン第{}版 {} {}", self.edition, self.part, self.chapter),
            Lang::En => format!("Guideline {} {} {}", self.edition, self.part_en(), self.chapter),
        }
    }
}

/// Where a rule comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct References {
    #[serde(default)]
    pub checklist: Vec<ChecklistRef>,
    #[serde(default)]
    pub guideline: Vec<GuidelineRef>,
    /// Other sources (MHLW notices, Q&A), free text.
    #[serde(default)]
    pub other: Vec<String>,
}

impl References {
    pub fn is_empty(&self) -> bool {
        self.checklist.is_empty() && self.guideline.is_empty() && self.other.is_empty()
    }
}

/// The national survey item a rule corresponds to (seed: MHLW 2025 survey).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyRef {
    /// The survey question, as printed (Japanese).
    pub item: String,
    /// Share of hospitals that answered yes, in percent (令和7年 survey).
    pub rate: f64,
    /// Survey edition, e.g. `令和7年`.
    pub edition: String,
}

impl SurveyRef {
    /// The survey edition as a Western year when it is a Reiwa year
    /// (`令和7年` → `2025`).
    pub fn year(&self) -> String {
        self.edition
            .strip_prefix("令和")
            .and_then(|r| r.strip_suffix('年'))
            .and_then(|n| n.parse::<u32>().ok())
            .map_or_else(|| self.edition.clone(), |n| (2018 + n).to_string())
    }

    /// The citation in `lang`.
    pub fn cite(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => format!("全国の実施率 {}%（{}調査）", self.rate, self.edition),
            Lang::En => format!("national rate {}% ({} survey)", self.rate, self.year()),
        }
    }
}

/// What a finding cites about its rule: id, name, texts, references.
/// Shared by every finding of the rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub title: Text,
    pub remediation: Text,
    pub references: References,
    pub survey: Option<SurveyRef>,
    pub suppressible: bool,
}

/// A problem found in the input, located in one file.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: Arc<RuleInfo>,
    pub severity: Severity,
    pub message: Text,
    /// Extra help for this occurrence (e.g. "write true or false"), shown
    /// before the rule's remediation.
    pub help: Option<Text>,
    pub file: FileId,
    pub span: Span,
    /// JSON Pointer of the node the finding is about, within its document.
    /// May name a missing node; `span` then points at its nearest ancestor.
    pub pointer: Option<String>,
    /// The facility root (display path) the finding belongs to.
    pub facility: Option<Arc<str>>,
    /// What the finding is about, independent of lines and files:
    /// `BackupPlan:backups[bk-pacs]/generations` (see
    /// [`crate::document::model::stable_path`]); `None` for whole-file findings. Keys
    /// baselines and SARIF fingerprints.
    pub key: Option<Arc<str>>,
    /// Set when an inline suppression or a waiver silences the finding.
    pub suppressed: Option<Suppression>,
    /// Line and column of `span`'s start and end, resolved while the file's
    /// text is at hand (reporters use these; the text may be gone).
    pub start: LineCol,
    pub end: LineCol,
    /// The `type` of the list item the finding is about (`server`,
    /// `client_pc`, …), when it has one: fleet statistics count some survey
    /// items per device type.
    pub item_type: Option<Arc<str>>,
}

impl Finding {
    /// A finding of `rule` at `span` of `file`; what the later stages learn
    /// (facility, key, suppression, positions, item type) starts empty.
    pub fn new(rule: Arc<RuleInfo>, severity: Severity, file: FileId, span: Span, message: Text) -> Finding {
        Finding {
            rule,
            severity,
            message,
            help: None,
            file,
            span,
            pointer: None,
            facility: None,
            key: None,
            suppressed: None,
            start: LineCol::default(),
            end: LineCol::default(),
            item_type: None,
        }
    }
}

/// Why a finding is silenced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub reason: String,
    /// `inline` (`# anzen:ignore`) or `waiver` (anzen.yaml).
    pub by: SuppressedBy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressedBy {
    Inline,
    Waiver,
}

/// Sorts findings by file, line, column, rule (SPEC §4), then message, so
/// output is deterministic whatever the thread count.
pub fn sort(findings: &mut [Finding], sources: &SourceMap) {
    findings.sort_by_cached_key(|f| {
        (sources.get(f.file).display().to_owned(), f.start, f.rule.id.clone(), f.message.en.clone())
    });
}

/// A stable 64-bit FNV-1a hash of `parts` (NUL-separated), in hex.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// What identifies a finding across runs: rule, facility, and its stable
/// key (or, for whole-file findings, the file).
pub fn identity<'a>(f: &'a Finding, sources: &'a SourceMap) -> [&'a str; 3] {
    let what = f.key.as_deref().unwrap_or_else(|| sources.get(f.file).display());
    [f.rule.id.as_str(), f.facility.as_deref().unwrap_or(""), what]
}

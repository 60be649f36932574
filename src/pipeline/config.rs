//! The configuration file `anzen.yaml` (`kind: Config`, SPEC §5), read from
//! the scan root or `--config`, validated against its embedded schema.
//! A bad config is fatal (exit 2) with a diagnostic pointing into the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::document::InputLimits;
use crate::document::model::Kind;
use crate::document::node::Node;
use crate::document::pointer;
use crate::document::schemas::{self, Schemas};
use crate::document::yaml::{self, Limits};
use crate::kernel::date::Date;
use crate::kernel::error::Fatal;
use crate::kernel::finding::{Lang, Severity, Text};
use crate::kernel::source::{SourceFile, Span};
use crate::rules::catalog::Catalog;

/// Names of the config file looked for in the scan root.
pub const FILE_NAMES: [&str; 2] = ["anzen.yaml", "anzen.yml"];

/// `--fail-on`: the lowest severity that makes the exit code 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// `rules:` entry: turn a rule off or change its severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    Severity(Severity),
}

/// Every *policy* threshold of SPEC §2, by its snake_case name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    pub training_max_age_days: i64,
    pub contact_chart_max_age_days: i64,
    pub bcp_drill_max_age_days: i64,
    pub asset_ledger_max_age_days: i64,
    pub network_diagram_max_age_days: i64,
    pub patch_max_age_days: i64,
    pub gateway_patch_max_age_days: i64,
    pub min_backup_generations: i64,
    pub min_backup_copies: i64,
    pub restore_test_max_age_days: i64,
    pub idle_account_max_age_days: i64,
    /// LOG-001: the longest access-log review interval accepted (r2).
    pub log_review_max_interval_days: i64,
    pub ehr_min_backup_generations: i64,
    pub malware_definitions_max_age_days: i64,
    /// 令和9年度末: the end of FY2027, the R7 checklist's 2FA target.
    pub mfa_deadline: String,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            training_max_age_days: 365,
            contact_chart_max_age_days: 365,
            bcp_drill_max_age_days: 365,
            asset_ledger_max_age_days: 365,
            network_diagram_max_age_days: 365,
            patch_max_age_days: 90,
            gateway_patch_max_age_days: 30,
            min_backup_generations: 3,
            min_backup_copies: 3,
            restore_test_max_age_days: 365,
            idle_account_max_age_days: 90,
            log_review_max_interval_days: 90,
            ehr_min_backup_generations: 5,
            malware_definitions_max_age_days: 7,
            mfa_deadline: "2028-03-31".to_owned(),
        }
    }
}

impl Policy {
    /// The policy as the `policy` map rules read.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A waiver (SPEC §5); applied by the CI-gate stage.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Waiver {
    pub rule: String,
    pub path: String,
    pub pointer: Option<String>,
    /// The finding's stable key as the JSON output prints it (or an item's
    /// key, covering its fields): unlike `pointer`, it survives reordering.
    pub key: Option<String>,
    pub reason: String,
    pub approved_by: String,
    pub expires_on: Option<String>,
}

/// A ready configuration.
#[derive(Debug)]
pub struct Config {
    pub as_of: Option<Date>,
    pub lang: Option<Lang>,
    pub fail_on: Option<FailOn>,
    pub exclude: Vec<String>,
    pub rules: BTreeMap<String, RuleSetting>,
    pub policy: Policy,
    pub limits: InputLimits,
    /// Time limit for one rule evaluation on one item.
    pub rule_timeout: std::time::Duration,
    /// Bytes one rule evaluation on one item may build (`limits.max_eval_bytes`).
    pub max_eval_bytes: u64,
    /// Findings of one rule shown per file; the rest become one summary
    /// finding (`limits.max_findings_per_rule`).
    pub max_findings_per_rule: usize,
    pub waivers: Vec<Waiver>,
    /// The file it came from, for diagnostics.
    pub source: Option<(Arc<SourceFile>, Node)>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            as_of: None,
            lang: None,
            fail_on: None,
            exclude: Vec::new(),
            rules: BTreeMap::new(),
            policy: Policy::default(),
            limits: InputLimits::default(),
            rule_timeout: DEFAULT_RULE_TIMEOUT,
            max_eval_bytes: DEFAULT_MAX_EVAL_BYTES,
            max_findings_per_rule: DEFAULT_MAX_FINDINGS_PER_RULE,
            waivers: Vec::new(),
            source: None,
        }
    }
}

/// The default of `limits.max_eval_bytes`: 64 MiB.
pub const DEFAULT_MAX_EVAL_BYTES: u64 = 64 << 20;

/// The default of `limits.rule_timeout_ms`.
pub const DEFAULT_RULE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The default of `limits.max_findings_per_rule`.
pub const DEFAULT_MAX_FINDINGS_PER_RULE: usize = 1000;

#[derive(Deserialize)]
struct ConfigFile {
    as_of: Option<String>,
    lang: Option<Lang>,
    fail_on: Option<FailOn>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    #[serde(default)]
    policy: Policy,
    limits: Option<LimitsFile>,
    #[serde(default)]
    waivers: Vec<Waiver>,
}

#[derive(Deserialize)]
struct LimitsFile {
    max_file_size: Option<u64>,
    max_depth: Option<usize>,
    max_alias_nodes: Option<usize>,
    max_alias_bytes: Option<usize>,
    max_documents: Option<usize>,
    rule_timeout_ms: Option<u64>,
    max_eval_bytes: Option<u64>,
    max_findings_per_rule: Option<usize>,
}

/// The config file in `dir`, if there is one (a symlink or special file
/// too: [`Config::load_found`] refuses those that are not safe to read).
pub fn find(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.symlink_metadata().is_ok())
}

impl Config {
    /// Reads and validates the config file at `path` (named by the user).
    pub fn load(path: &Path, schemas: &Schemas) -> Result<Config, Fatal> {
        Self::load_checked(path, None, schemas)
    }

    /// Reads and validates the config file found in scan root `root`: it
    /// must resolve inside it (see [`crate::document::read_config_file`]).
    pub fn load_found(path: &Path, root: &Path, schemas: &Schemas) -> Result<Config, Fatal> {
        Self::load_checked(path, Some(root), schemas)
    }

    fn load_checked(path: &Path, root: Option<&Path>, schemas: &Schemas) -> Result<Config, Fatal> {
        let text = crate::document::read_config_file(path, root)?;
        let cwd = std::env::current_dir().ok();
        let display = crate::kernel::fsutil::display_path(path, cwd.as_deref());
        let file = Arc::new(SourceFile::new(path.to_path_buf(), display, Arc::from(text)));
        let fail = |span: Span, message: Text, label: Text, help: Option<Text>| {
            Fatal::in_config(&file, span, message, label, help)
        };
        let here = || Text::new("ここ", "here");
        let name = file.display();
        let docs = yaml::parse(file.text(), &Limits::default()).map_err(|e| {
            let (what, help) = crate::document::yaml_error_text(&e, &file);
            let message = Text::new(
                format!("{name}: 設定ファイルの YAML が正しくありません（{}）", what.ja),
                format!("{name}: invalid YAML: {}", what.en),
            );
            fail(e.span, message, here(), help)
        })?;
        let Some(root) = docs.into_iter().next() else {
            return Err(fail(
                Span::point(0),
                Text::new(
                    format!("{name}: 設定ファイルが空です"),
                    format!("{name}: the config file is empty"),
                ),
                here(),
                None,
            ));
        };
        let json = root.to_json();
        if let Some(v) = schemas::violations(schemas, Kind::Config, &root).into_iter().next() {
            let span = match &v.key {
                Some(key) => pointer::locate_key(&root, &v.pointer, key),
                None => pointer::locate(&root, &v.pointer).span,
            };
            let message = Text::new(format!("{name}: {}", v.message.ja), format!("{name}: {}", v.message.en));
            return Err(fail(span, message, v.message, v.help));
        }
        let raw: ConfigFile = serde_json::from_value(json).map_err(|e| {
            let message =
                Text::new(format!("{name}: 設定ファイルとして読めません: {e}"), format!("{name}: {e}"));
            fail(Span::point(0), message, here(), None)
        })?;
        let as_of = match raw.as_of {
            Some(s) => Some(s.parse::<Date>().map_err(|()| {
                fail(
                    pointer::locate(&root, "/as_of").span,
                    Text::new(
                        format!("{name}: as_of `{s}` は日付ではありません"),
                        format!("{name}: invalid as_of `{s}`"),
                    ),
                    Text::new("日付ではありません", "not a date"),
                    Some(Text::new(
                        "日付は YYYY-MM-DD（例: 2025-06-30）で書いてください。",
                        "write the date as YYYY-MM-DD (e.g. 2025-06-30)",
                    )),
                )
            })?),
            None => None,
        };
        for (i, w) in raw.waivers.iter().enumerate() {
            if let Err(e) = globset::Glob::new(&w.path) {
                return Err(fail(
                    pointer::locate(&root, &format!("/waivers/{i}/path")).span,
                    Text::new(
                        format!("{name}: glob `{}` が正しくありません: {e}", w.path),
                        format!("{name}: invalid glob `{}`: {e}", w.path),
                    ),
                    Text::new("正しくない glob", "invalid glob"),
                    Some(Text::new(
                        "`assets/*.yaml` や `**/backups.yaml` のような gitignore 形式の glob を書いてください。",
                        "use gitignore-style globs such as `assets/*.yaml` or `**/backups.yaml`",
                    )),
                ));
            }
        }
        for (i, glob) in raw.exclude.iter().enumerate() {
            if let Err(e) = globset::Glob::new(glob) {
                return Err(fail(
                    pointer::locate(&root, &format!("/exclude/{i}")).span,
                    Text::new(
                        format!("{name}: glob `{glob}` が正しくありません: {e}"),
                        format!("{name}: invalid glob `{glob}`: {e}"),
                    ),
                    Text::new("正しくない glob", "invalid glob"),
                    None,
                ));
            }
        }
        let mut rules = BTreeMap::new();
        for (id, setting) in raw.rules {
            if id.starts_with("x-") {
                continue;
            }
            let setting = match setting.as_str() {
                "off" => RuleSetting::Off,
                "error" => RuleSetting::Severity(Severity::Error),
                "warning" => RuleSetting::Severity(Severity::Warning),
                _ => RuleSetting::Severity(Severity::Info),
            };
            rules.insert(id, setting);
        }
        let mut limits = InputLimits::default();
        let mut rule_timeout = DEFAULT_RULE_TIMEOUT;
        let mut max_eval_bytes = DEFAULT_MAX_EVAL_BYTES;
        let mut max_findings_per_rule = DEFAULT_MAX_FINDINGS_PER_RULE;
        if let Some(l) = raw.limits {
            if let Some(n) = l.max_findings_per_rule {
                max_findings_per_rule = n;
            }
            if let Some(v) = l.max_eval_bytes {
                max_eval_bytes = v;
            }
            if let Some(ms) = l.rule_timeout_ms {
                rule_timeout = std::time::Duration::from_millis(ms);
            }
            if let Some(v) = l.max_file_size {
                limits.max_file_size = v;
            }
            if let Some(v) = l.max_depth {
                limits.yaml.max_depth = v;
            }
            if let Some(v) = l.max_alias_nodes {
                limits.yaml.max_alias_nodes = v;
            }
            if let Some(v) = l.max_alias_bytes {
                limits.yaml.max_alias_bytes = v;
            }
            if let Some(v) = l.max_documents {
                limits.yaml.max_documents = v;
            }
        }
        Ok(Config {
            as_of,
            lang: raw.lang,
            fail_on: raw.fail_on,
            exclude: raw.exclude,
            rules,
            policy: raw.policy,
            limits,
            rule_timeout,
            max_eval_bytes,
            max_findings_per_rule,
            waivers: raw.waivers,
            source: Some((file, root)),
        })
    }

    /// Fails on a `rules:` entry or a waiver naming no rule of `catalog`.
    pub fn check_rule_ids(&self, catalog: &Catalog) -> Result<(), Fatal> {
        let Some((file, root)) = &self.source else { return Ok(()) };
        for (i, w) in self.waivers.iter().enumerate() {
            if catalog.get(&w.rule).is_none() {
                let suggestion = crate::kernel::text::closest(&w.rule, catalog.iter().map(|r| r.id()));
                return Err(Fatal::in_config(
                    file,
                    pointer::locate(root, &format!("/waivers/{i}/rule")).span,
                    Text::new(
                        format!("{}: waiver の規則 `{}` はありません", file.display(), w.rule),
                        format!("{}: the waiver names unknown rule `{}`", file.display(), w.rule),
                    ),
                    Text::new("そのような規則はありません", "no such rule"),
                    suggestion.map(|s| {
                        Text::new(format!("`{s}` ではありませんか。"), format!("did you mean `{s}`?"))
                    }),
                ));
            }
        }
        for id in self.rules.keys() {
            if catalog.get(id).is_none() {
                let span = pointer::locate_key(root, "/rules", id);
                let suggestion = crate::kernel::text::closest(id, catalog.iter().map(|r| r.id()));
                return Err(Fatal::in_config(
                    file,
                    span,
                    Text::new(
                        format!("{}: 規則 ID `{id}` はありません", file.display()),
                        format!("{}: unknown rule id `{id}`", file.display()),
                    ),
                    Text::new("そのような規則はありません", "no such rule"),
                    Some(match suggestion {
                        Some(s) => Text::new(
                            format!("`{s}` ではありませんか。規則の一覧は `anzen rules` で表示できます。"),
                            format!("did you mean `{s}`? `anzen rules` lists every rule"),
                        ),
                        None => Text::new(
                            "規則の一覧は `anzen rules` で表示できます。",
                            "`anzen rules` lists every rule",
                        ),
                    }),
                ));
            }
        }
        Ok(())
    }
}

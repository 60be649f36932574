//! Which column holds which field: the built-in header table, the mapping
//! file (`--map`), and finding the header row (one row, or a group row over
//! a row of sub-headers, as merged header cells make).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::error::Fatal;
use crate::import::table::Row;
use crate::import::values::{self, Cell, key, key_without_parentheses};
use crate::load::node::{Node, NodeValue};
use crate::load::yaml;
use crate::model::Kind;
use crate::source::SourceFile;

/// How a field's cells are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Free text, trimmed.
    Text,
    /// An id (of this row, or of another document): text, trimmed.
    Id,
    Date,
    /// A whole number ≥ 0.
    Count,
    Bool,
    /// One of the listed values; each with the words that mean it.
    Enum(&'static [(&'static str, &'static [&'static str])]),
    /// A list of ids, comma-, `、`- or line-separated.
    List,
    /// Services, `NAME[:PORT][（REASON）]` per line; `needed` for all.
    Services {
        needed: bool,
    },
    /// Active Directory's `userAccountControl`: enabled unless bit 2 is set.
    AccountControl,
    /// A date, or an Active Directory FILETIME (`lastLogonTimestamp`).
    LastLogon,
}

/// One field a column can fill.
#[derive(Debug)]
pub struct Field {
    /// Where the value goes (`os.support_ends_on`). `services.unneeded` is
    /// `services` with `needed: false`.
    pub path: &'static str,
    pub ty: Ty,
    /// Required by the schema: a blank cell is reported.
    pub required: bool,
    /// The Japanese header written by `anzen export` (first) and the other
    /// headers recognised; the path itself is always recognised too.
    pub headers: &'static [&'static str],
}

impl Field {
    /// The schema path the value is written to.
    pub fn target(&self) -> &'static str {
        match self.path {
            "services.unneeded" => "services",
            "enabled.account_control" => "enabled",
            p => p,
        }
    }

    pub fn ja(&self) -> &'static str {
        self.headers.first().copied().unwrap_or(self.path)
    }
}

pub const ASSET_TYPES: &[(&str, &[&str])] = &[
    ("server", &["サーバ", "サーバー", "sv", "srv", "物理サーバ", "仮想サーバ", "仮想マシン", "vm"]),
    (
        "client_pc",
        &[
            "端末",
            "端末pc",
            "pc",
            "パソコン",
            "クライアント",
            "クライアントpc",
            "client",
            "ノートpc",
            "ノートパソコン",
            "デスクトップ",
            "デスクトップpc",
            "電子カルテ端末",
            "シンクライアント",
            "ワークステーション",
        ],
    ),
    (
        "network_device",
        &[
            "ネットワーク機器",
            "nw機器",
            "ネットワーク",
            "ルータ",
            "スイッチ",
            "l2スイッチ",
            "l3スイッチ",
            "スイッチングハブ",
            "ハブ",
            "fw",
            "ファイアウォール",
            "utm",
            "vpn装置",
            "vpnルータ",
            "無線ap",
            "無線lanアクセスポイント",
            "アクセスポイント",
            "router",
            "switch",
            "firewall",
            "network",
            "ロードバランサ",
        ],
    ),
    ("storage", &["ストレージ", "nas", "san", "ファイルサーバ装置"]),
    ("medical_device", &["医療機器", "モダリティ", "検査機器", "医用機器", "medical"]),
    (
        "mobile",
        &["モバイル", "モバイル端末", "スマートフォン", "スマホ", "タブレット", "ipad", "iphone", "携帯端末"],
    ),
    ("other", &["その他", "プリンタ", "プリンター", "複合機", "printer"]),
];

pub const USB_STORAGE: &[(&str, &[&str])] = &[
    ("blocked", &["禁止", "使用禁止", "ブロック", "不可", "使用不可", "遮断", "無効", "block", "deny"]),
    (
        "allowlist",
        &[
            "許可制",
            "許可リスト",
            "許可した媒体のみ",
            "登録制",
            "登録媒体のみ",
            "ホワイトリスト",
            "whitelist",
            "allow list",
        ],
    ),
    ("policy", &["規程による制限", "規程で制限", "運用規程で制限", "規程のみ", "ルールで制限", "運用で制限"]),
    ("unrestricted", &["制限なし", "無制限", "可", "使用可", "許可", "利用可", "allow"]),
];

pub const ANTI_MALWARE_KIND: &[(&str, &[&str])] = &[
    ("antivirus", &["ウイルス対策", "ウイルス対策ソフト", "アンチウイルス", "パターンファイル", "av"]),
    ("edr", &["EDR", "振る舞い検知"]),
    (
        "allowlisting",
        &["アプリケーション許可リスト", "許可リスト方式", "ホワイトリスト方式", "アプリケーション制御"],
    ),
    ("none", &["なし", "未導入", "対策なし"]),
];

pub const STAFF_STATUS: &[(&str, &[&str])] = &[
    ("active", &["在職", "在籍", "在職中", "在籍中", "現職", "勤務中"]),
    ("left", &["退職", "退職済", "退職済み", "退職者", "離職", "retired"]),
    ("unknown", &["不明", "確認中"]),
];

/// The AssetLedger fields, in the order they are written.
pub const ASSET_FIELDS: &[Field] = &[
    Field {
        path: "id",
        ty: Ty::Id,
        required: true,
        headers: &[
            "機器ID",
            "資産番号",
            "管理番号",
            "資産管理番号",
            "機器番号",
            "資産ID",
            "機器コード",
            "ID",
            "asset id",
            "asset no",
        ],
    },
    Field {
        path: "type",
        ty: Ty::Enum(ASSET_TYPES),
        required: true,
        headers: &["種別", "機器種別", "機器区分", "区分", "分類", "種類", "機器の種類", "device type"],
    },
    Field {
        path: "name",
        ty: Ty::Text,
        required: false,
        // Not 端末名: in hospitals' ledgers that is the computer name (hostname).
        headers: &[
            "機器名",
            "機器名称",
            "機器の名称",
            "装置名",
            "装置名称",
            "資産名",
            "資産名称",
            "device name",
            "asset name",
        ],
    },
    Field {
        path: "hostname",
        ty: Ty::Text,
        required: false,
        headers: &["ホスト名", "コンピュータ名", "端末名", "host"],
    },
    Field {
        path: "location",
        ty: Ty::Text,
        required: true,
        headers: &["設置場所", "場所", "設置先", "設置部署"],
    },
    Field {
        path: "manager",
        ty: Ty::Text,
        required: true,
        headers: &["管理部署", "管理者", "管理責任者", "担当部署", "管理担当", "所管部署", "責任者", "owner"],
    },
    Field {
        path: "vendor",
        ty: Ty::Id,
        required: false,
        headers: &["保守業者", "ベンダー", "ベンダ", "保守ベンダー", "保守会社", "納入業者", "業者"],
    },
    Field {
        path: "model",
        ty: Ty::Text,
        required: false,
        headers: &[
            "機種",
            "メーカー",
            "メーカ",
            "型番",
            "機種名",
            "型式",
            "モデル",
            "製造元",
            "製品名",
            "maker",
            "manufacturer",
        ],
    },
    Field {
        path: "os.name",
        ty: Ty::Text,
        required: false,
        headers: &["OS", "OS名", "OS名称", "オペレーティングシステム"],
    },
    Field {
        path: "os.version",
        ty: Ty::Text,
        required: false,
        headers: &["OSバージョン", "OSのバージョン", "OS版"],
    },
    Field {
        path: "os.support_ends_on",
        ty: Ty::Date,
        required: false,
        headers: &[
            "OSサポート終了日",
            "サポート終了日",
            "サポート期限",
            "OSサポート期限",
            "EOS",
            "EOL",
            "end of support",
        ],
    },
    Field {
        path: "firmware",
        ty: Ty::Text,
        required: false,
        headers: &["ファームウェア", "ファームウェアバージョン", "FWバージョン"],
    },
    Field {
        path: "systems",
        ty: Ty::List,
        required: false,
        headers: &[
            "利用システム",
            "システム",
            "関連システム",
            "稼働システム",
            "使用システム",
            "対象システム",
        ],
    },
    Field {
        path: "patch.last_applied_on",
        ty: Ty::Date,
        required: false,
        headers: &[
            "パッチ適用日",
            "最終パッチ適用日",
            "パッチ最終適用日",
            "最終更新日",
            "更新プログラム適用日",
            "WindowsUpdate適用日",
            "last patched",
        ],
    },
    Field {
        path: "patch.pending_critical",
        ty: Ty::Count,
        required: false,
        headers: &[
            "未適用の重要パッチ",
            "未適用重要パッチ数",
            "未適用パッチ",
            "未適用パッチ数",
            "パッチ未適用数",
            "重要パッチ未適用数",
        ],
    },
    Field {
        path: "usb_storage",
        ty: Ty::Enum(USB_STORAGE),
        required: false,
        headers: &["USB制御", "USB", "USB制限", "USBメモリ", "USBストレージ", "外部媒体制御", "外部記録媒体"],
    },
    Field {
        path: "services",
        ty: Ty::Services { needed: true },
        required: false,
        headers: &[
            "稼働サービス",
            "サービス",
            "必要なサービス",
            "使用ポート",
            "サービスポート",
            "通信ポート",
        ],
    },
    Field {
        path: "services.unneeded",
        ty: Ty::Services { needed: false },
        required: false,
        headers: &["不要なサービス", "不要サービス", "停止対象サービス", "unneeded services"],
    },
    Field {
        path: "remote_maintenance.used",
        ty: Ty::Bool,
        required: false,
        headers: &[
            "リモート保守",
            "リモート保守有無",
            "リモート保守の有無",
            "リモート保守利用",
            "リモートメンテナンス",
            "リモートメンテナンス有無",
        ],
    },
    Field {
        path: "remote_maintenance.vendor",
        ty: Ty::Id,
        required: false,
        headers: &["リモート保守業者", "リモート保守事業者", "リモート保守ベンダー"],
    },
    Field {
        path: "remote_maintenance.confirmed_on",
        ty: Ty::Date,
        required: false,
        headers: &["リモート保守確認日", "リモート保守の確認日"],
    },
    Field {
        path: "remote_maintenance.connection",
        ty: Ty::Id,
        required: false,
        headers: &["リモート保守接続", "リモート保守経路", "リモート保守接続点", "保守回線"],
    },
    Field {
        path: "admin_credential.changed_from_default",
        ty: Ty::Bool,
        required: false,
        headers: &["初期パスワード変更", "初期パスワード変更済", "初期PW変更", "デフォルトパスワード変更"],
    },
    Field {
        path: "admin_credential.unique_to_device",
        ty: Ty::Bool,
        required: false,
        headers: &["機器固有パスワード", "固有パスワード", "パスワード使い回しなし", "パスワード個別"],
    },
    Field {
        path: "anti_malware.kind",
        ty: Ty::Enum(ANTI_MALWARE_KIND),
        required: false,
        headers: &["マルウェア対策", "ウイルス対策", "ウイルス対策方式", "マルウェア対策方式"],
    },
    Field {
        path: "anti_malware.product",
        ty: Ty::Text,
        required: false,
        headers: &["マルウェア対策製品", "ウイルス対策製品", "ウイルス対策ソフト名", "セキュリティソフト"],
    },
    Field {
        path: "anti_malware.definitions_updated_on",
        ty: Ty::Date,
        required: false,
        headers: &["定義ファイル更新日", "パターンファイル更新日", "ウイルス定義更新日", "定義更新日"],
    },
    Field {
        path: "management_access.from_internet",
        ty: Ty::Bool,
        required: false,
        headers: &["インターネットから管理可能", "管理画面インターネット公開", "管理画面の外部公開"],
    },
];

/// The AccountInventory account fields, in the order they are written.
pub const ACCOUNT_FIELDS: &[Field] = &[
    Field {
        path: "user_id",
        ty: Ty::Id,
        required: true,
        headers: &[
            "ユーザID",
            "ユーザーID",
            "ログインID",
            "利用者ID",
            "アカウント",
            "アカウント名",
            "ID",
            "sAMAccountName",
            "login",
            "username",
        ],
    },
    Field {
        path: "role",
        ty: Ty::Text,
        required: false,
        headers: &["ロール", "権限", "役割", "権限グループ", "利用者区分", "職種", "職種名", "職種区分"],
    },
    Field {
        path: "admin",
        ty: Ty::Bool,
        required: false,
        headers: &["管理者権限", "管理者", "管理権限", "administrator"],
    },
    Field {
        path: "enabled",
        ty: Ty::Bool,
        required: true,
        headers: &["有効", "状態", "アカウント状態", "有効無効", "利用状態"],
    },
    Field {
        path: "enabled.account_control",
        ty: Ty::AccountControl,
        required: false,
        headers: &["userAccountControl"],
    },
    Field {
        path: "staff_status",
        ty: Ty::Enum(STAFF_STATUS),
        required: true,
        headers: &["在籍状況", "在籍", "在職状況", "在職区分", "職員状態", "employment status"],
    },
    Field {
        path: "last_login_on",
        ty: Ty::LastLogon,
        required: false,
        headers: &[
            "最終ログイン",
            "最終ログイン日",
            "最終ログイン日時",
            "最終利用日",
            "LastLogonDate",
            "lastLogonTimestamp",
            "last login",
        ],
    },
];

/// Words for `enabled` beyond the yes/no words.
pub const ENABLED_WORDS: &[(&str, &[&str])] = &[
    ("true", &["有効", "利用中", "enabled", "active"]),
    (
        "false",
        &["無効", "停止", "停止中", "利用停止", "ロック", "ロック中", "disabled", "locked", "inactive"],
    ),
];

/// What is imported: the document kind and its list.
#[derive(Debug)]
pub struct Target {
    pub kind: Kind,
    /// The list key (`assets`, `accounts`).
    pub list: &'static str,
    pub fields: &'static [Field],
}

pub const ASSETS: Target = Target { kind: Kind::AssetLedger, list: "assets", fields: ASSET_FIELDS };
pub const ACCOUNTS: Target =
    Target { kind: Kind::AccountInventory, list: "accounts", fields: ACCOUNT_FIELDS };

impl Target {
    pub fn field(&self, path: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.path == path)
    }

    /// The id field (first).
    pub fn id(&self) -> &'static Field {
        &self.fields[0]
    }
}

/// What a column is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Use {
    Field(&'static str),
    /// Kept as a free note under this `x-` key.
    Note(String),
    /// Mapped to `ignore` in the mapping file.
    Ignore,
    /// Not recognised: kept as a note under this `x-` key, and reported.
    Unknown(String),
}

/// A mapping file (`--map`): extra headers, value words, defaults.
#[derive(Debug, Default)]
pub struct MapFile {
    /// Header key → use.
    pub columns: HashMap<String, Use>,
    /// Field path → (value key → replacement text).
    pub values: HashMap<&'static str, HashMap<String, String>>,
    /// Field path → default text, in file order.
    pub defaults: Vec<(&'static str, String)>,
}

impl MapFile {
    /// Reads and checks a mapping file; problems point into it.
    pub fn load(path: &Path, target: &Target) -> Result<MapFile, Fatal> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Fatal::Path { path: path.to_path_buf(), source: e })?;
        let file = SourceFile::new(path.to_path_buf(), path.display().to_string(), Arc::from(text.as_str()));
        let fail = |span, message: String, help: Option<String>| {
            Fatal::config(&file, span, message, "here".into(), help)
        };
        let docs = yaml::parse(&text, &yaml::Limits::default())
            .map_err(|e| fail(e.span, format!("the mapping file is not valid YAML: {}", e.message), None))?;
        let mut map = MapFile::default();
        let Some(root) = docs.first() else {
            return Ok(map);
        };
        let NodeValue::Map(entries) = &root.value else {
            return Err(fail(
                root.span,
                "the mapping file must be a mapping (columns, values, defaults)".into(),
                None,
            ));
        };
        let paths = target.fields.iter().map(|f| f.path).collect::<Vec<_>>().join(", ");
        let field_of = |node: &Node, s: &str| -> Result<&'static Field, Fatal> {
            target.field(s).ok_or_else(|| {
                let hint = crate::validate::closest(s, target.fields.iter().map(|f| f.path))
                    .map_or_else(String::new, |c| format!("did you mean `{c}`? "));
                fail(
                    node.span,
                    format!("`{s}` is not a field of {}", target.kind),
                    Some(format!("{hint}fields: {paths}")),
                )
            })
        };
        for entry in entries {
            let pairs = |node: &Node| -> Result<Vec<(String, Node)>, Fatal> {
                match &node.value {
                    NodeValue::Map(es) => {
                        Ok(es.iter().map(|e| (e.key.to_string(), e.value.clone())).collect())
                    }
                    NodeValue::Null => Ok(Vec::new()),
                    _ => Err(fail(node.span, format!("`{}` must be a mapping", entry.key), None)),
                }
            };
            match entry.key.as_str() {
                "columns" => {
                    for (header, node) in pairs(&entry.value)? {
                        let Some(s) = scalar_text(&node) else {
                            return Err(fail(
                                node.span,
                                format!("column `{header}`: write a field path, `x-…` or `ignore`"),
                                None,
                            ));
                        };
                        let used = match s.as_str() {
                            "ignore" => Use::Ignore,
                            x if x.starts_with("x-") => Use::Note(x.to_owned()),
                            p => Use::Field(field_of(&node, p)?.path),
                        };
                        map.columns.insert(key(&header), used);
                    }
                }
                "values" => {
                    for (field, node) in pairs(&entry.value)? {
                        let f = field_of(&entry.value, &field)?;
                        let mut words = HashMap::new();
                        for (word, to) in pairs(&node)? {
                            let Some(to) = scalar_text(&to) else {
                                return Err(fail(
                                    to.span,
                                    format!("values.{field}.{word}: write a single value"),
                                    None,
                                ));
                            };
                            words.insert(key(&word), to);
                        }
                        map.values.insert(f.path, words);
                    }
                }
                "defaults" => {
                    for (field, node) in pairs(&entry.value)? {
                        let f = field_of(&entry.value, &field)?;
                        let Some(v) = scalar_text(&node) else {
                            return Err(fail(
                                node.span,
                                format!("defaults.{field}: write a single value"),
                                None,
                            ));
                        };
                        map.defaults.push((f.path, v));
                    }
                }
                other => {
                    return Err(fail(
                        entry.key_span,
                        format!("unknown key `{other}` in the mapping file"),
                        Some("the mapping file has `columns`, `values` and `defaults`".into()),
                    ));
                }
            }
        }
        Ok(map)
    }
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        NodeValue::String(s) => Some(s.to_string()),
        NodeValue::Int(i) => Some(i.to_string()),
        NodeValue::Float(f) => Some(f.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The header lookup for one import: built-in headers, field paths and the
/// mapping file's columns.
pub struct Headers<'m> {
    target: &'static Target,
    map: &'m MapFile,
    builtin: HashMap<String, &'static str>,
}

impl<'m> Headers<'m> {
    pub fn new(target: &'static Target, map: &'m MapFile) -> Self {
        let mut builtin = HashMap::new();
        for f in target.fields {
            builtin.entry(key(f.path)).or_insert(f.path);
            if f.path == "services.unneeded" {
                continue;
            }
            for h in f.headers {
                builtin.entry(key(h)).or_insert(f.path);
            }
        }
        for f in target.fields.iter().filter(|f| f.path == "services.unneeded") {
            for h in f.headers {
                builtin.insert(key(h), f.path);
            }
        }
        Headers { target, map, builtin }
    }

    pub fn target(&self) -> &'static Target {
        self.target
    }

    /// What a header text is for, if it is recognised.
    pub fn lookup(&self, text: &str) -> Option<Use> {
        let k = key(text);
        if k.is_empty() {
            return None;
        }
        if let Some(u) = self.map.columns.get(&k) {
            return Some(u.clone());
        }
        let trimmed = values::fold_width(text);
        if trimmed.starts_with("x-") && trimmed.len() > 2 {
            return Some(Use::Note(trimmed));
        }
        if let Some(p) = self.builtin.get(&k) {
            return Some(Use::Field(p));
        }
        let bare = key_without_parentheses(text);
        if let Some(u) = self.map.columns.get(&bare) {
            return Some(u.clone());
        }
        self.builtin.get(&bare).map(|p| Use::Field(p))
    }
}

/// One column of the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// 0-based column index.
    pub index: u32,
    /// The header text as shown (group and sub-header joined by ` / `).
    pub header: String,
    pub used: Use,
}

/// The header found: its rows and its columns.
#[derive(Debug)]
pub struct Header {
    /// First and last header row (equal for a one-row header).
    pub rows: (u32, u32),
    pub columns: Vec<Column>,
}

/// Labels of a cell above an AssetLedger's header whose neighbour to the
/// right is the ledger's `reviewed_on`; the first is what `anzen export`
/// writes (`reviewed_on` with `--headers en`).
pub const REVIEWED_ON_LABELS: &[&str] =
    &["台帳の見直し日", "台帳見直し日", "見直し日", "最終見直し日", "台帳の最終見直し日", "reviewed_on"];

/// The `reviewed_on` label among the rows above the header, and the first
/// filled cell to its right: (row, column, cell).
pub fn reviewed_on_cell(rows: &[Row]) -> Option<(u32, u32, &Cell)> {
    let labels: Vec<String> = REVIEWED_ON_LABELS.iter().map(|l| key(l)).collect();
    rows.iter().find_map(|row| {
        let &(label_col, _) =
            row.cells.iter().find(|(_, c)| matches!(c, Cell::Text(t) if labels.contains(&key(t))))?;
        row.cells
            .iter()
            .filter(|(c, cell)| *c > label_col && !cell.is_blank())
            .map(|(c, cell)| (row.number, *c, cell))
            .next()
    })
}

/// Rows searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// Finds the header among the first rows: the row (or pair of rows: a group
/// row over sub-headers) that recognises the most distinct fields, at least
/// two, one of them the id. Returns the header and how many of `rows` it
/// used.
///
/// Fields are counted once however many columns name them: a group cell
/// merged over three columns (`OS` over 名称 / バージョン / サポート期限)
/// fills all three with `OS`, and must not make the group row alone look as
/// good as the pair. When a single row and the pair below it tie, the pair
/// is taken if its second row looks like a header (a header merged down two
/// rows repeats itself in the second).
pub fn detect(rows: &[Row], headers: &Headers<'_>) -> Option<(Header, usize)> {
    // (score, rows in the header, first row index, labels); the most fields
    // wins, then the fewer rows, then the earlier row.
    let mut best: Option<(usize, usize, usize, Labels)> = None;
    for (i, row) in rows.iter().enumerate() {
        let mut candidates = vec![(resolve(None, row, headers), 1usize)];
        let mut second_is_header = false;
        if let Some(next) = rows.get(i + 1).filter(|next| next.number == row.number + 1) {
            let labels = resolve(Some(row), next, headers);
            // Every filled cell of the second row names a column, alone or
            // under its group.
            let (named, filled) = named_cells(next, &columns_of(labels.clone()), headers);
            second_is_header = !named.is_empty() && named.len() == filled;
            candidates.push((labels, 2));
        }
        for (labels, height) in candidates {
            let score = distinct_fields(&labels);
            let has_id = labels
                .iter()
                .any(|l| matches!(l, Some((_, Use::Field(p))) if *p == headers.target.id().path));
            let better = match &best {
                None => true,
                Some((s, _, _, _)) if score != *s => score > *s,
                // The pair below a row only if its second row is a header too.
                Some((_, h, start, _)) if *start == i => second_is_header && height > *h,
                Some((_, h, _, _)) => height < *h,
            };
            if score >= 2 && has_id && better {
                best = Some((score, height, i, labels));
            }
        }
    }
    let (_, height, start, labels) = best?;
    let rows_span = (rows[start].number, rows[start + height - 1].number);
    Some((Header { rows: rows_span, columns: columns_of(labels) }, start + height))
}

/// The row that comes closest to a header when [`detect`] finds none.
#[derive(Debug)]
pub struct Guess {
    /// The row's number (1-based, as the sheet shows it).
    pub row: u32,
    /// The columns it recognised: index, header text, field path.
    pub found: Vec<(u32, String, &'static str)>,
    /// How many different fields they name.
    pub fields: usize,
}

impl Guess {
    /// Whether the row has the id column.
    pub fn has_id(&self, target: &Target) -> bool {
        self.found.iter().any(|(_, _, p)| *p == target.id().path)
    }
}

/// When [`detect`] finds no header: the single row that names the most
/// different fields (at least one; the earlier row on a tie), so the error
/// can say which row was taken for the header and what it lacks.
pub fn best_guess(rows: &[Row], headers: &Headers<'_>) -> Option<Guess> {
    let mut best: Option<Guess> = None;
    for row in rows {
        let labels = resolve(None, row, headers);
        let fields = distinct_fields(&labels);
        if fields == 0 || best.as_ref().is_some_and(|b| b.fields >= fields) {
            continue;
        }
        let found = labels
            .into_iter()
            .enumerate()
            .filter_map(|(i, l)| match l {
                Some((header, Use::Field(path))) => Some((i as u32, header, path)),
                _ => None,
            })
            .collect();
        best = Some(Guess { row: row.number, found, fields });
    }
    best
}

fn columns_of(labels: Labels) -> Vec<Column> {
    labels
        .into_iter()
        .enumerate()
        .filter_map(|(i, l)| l.map(|(header, used)| Column { index: i as u32, header, used }))
        .collect()
}

/// How many different fields the labels name.
fn distinct_fields(labels: &Labels) -> usize {
    let mut seen: Vec<&str> = labels
        .iter()
        .filter_map(|l| match l {
            Some((_, Use::Field(p))) => Some(*p),
            _ => None,
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// The cells of `row` that read as column names rather than values, when
/// they are at least two and at least half of the row's non-blank cells;
/// otherwise none. `columns` is the header found (empty while looking for it).
pub fn header_like_cells(row: &Row, columns: &[Column], headers: &Headers<'_>) -> Vec<u32> {
    let (named, filled) = named_cells(row, columns, headers);
    if named.len() >= 2 && named.len() * 2 >= filled { named } else { Vec::new() }
}

/// The cells of `row` whose text is a known header, alone or joined to its
/// column's group (`名称` under `OS`), and how many cells are not blank.
fn named_cells(row: &Row, columns: &[Column], headers: &Headers<'_>) -> (Vec<u32>, usize) {
    let mut filled = 0usize;
    let mut named = Vec::new();
    for (c, cell) in &row.cells {
        if cell.is_blank() {
            continue;
        }
        filled += 1;
        let Cell::Text(text) = cell else { continue };
        let known = |t: &str| matches!(headers.lookup(t), Some(Use::Field(_)));
        let group = columns
            .binary_search_by_key(c, |col| col.index)
            .ok()
            .and_then(|i| columns[i].header.split_once(" / ").map(|(g, _)| g));
        if known(text) || group.is_some_and(|g| known(&format!("{g}{text}"))) {
            named.push(*c);
        }
    }
    (named, filled)
}

/// Per column: its label and use, if it has a header.
type Labels = Vec<Option<(String, Use)>>;

/// The label and use of each column of `row`, under `group` (the row above,
/// for two-row headers). A sub-header is tried joined to its group
/// (`OS` + `バージョン` → `OSバージョン`), then alone; a column with no
/// sub-header takes the group row's text.
fn resolve(group: Option<&Row>, row: &Row, headers: &Headers<'_>) -> Labels {
    let width = group.map_or(0, Row::width).max(row.width());
    let mut out = Vec::with_capacity(width as usize);
    let mut group_label = String::new();
    for c in 0..width {
        let sub = header_text(row.cell(c));
        let top = group.map(|g| header_text(g.cell(c))).unwrap_or_default();
        if !top.is_empty() {
            group_label = top.clone();
        } else if sub.is_empty() {
            group_label.clear();
        }
        let label = match (group.is_some(), sub.is_empty()) {
            (_, true) if top.is_empty() => {
                out.push(None);
                continue;
            }
            (true, true) => top.clone(),
            (true, false) if !group_label.is_empty() && group_label != sub => {
                let joined = format!("{group_label}{sub}");
                if let Some(u) = headers.lookup(&joined) {
                    out.push(Some((format!("{group_label} / {sub}"), u)));
                    continue;
                }
                match headers.lookup(&sub) {
                    Some(u) => {
                        out.push(Some((sub.clone(), u)));
                        continue;
                    }
                    None => format!("{group_label} / {sub}"),
                }
            }
            _ => sub.clone(),
        };
        let used =
            headers.lookup(&label.replace(" / ", "")).unwrap_or_else(|| Use::Unknown(note_key(&label)));
        out.push(Some((label, used)));
    }
    out
}

fn header_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        Cell::Empty => String::new(),
        other => other.display(),
    }
}

/// The `x-` key an unrecognised column is kept under: `x-` and the header,
/// spaces collapsed.
pub fn note_key(header: &str) -> String {
    let folded = values::fold_width(header);
    let words: Vec<&str> = folded.split_whitespace().collect();
    format!("x-{}", words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(number: u32, cells: &[&str]) -> Row {
        Row::dense(
            number,
            cells.iter().map(|s| if s.is_empty() { Cell::Empty } else { Cell::Text((*s).into()) }).collect(),
        )
    }

    #[test]
    fn recognises_common_headers() {
        let map = MapFile::default();
        let h = Headers::new(&ASSETS, &map);
        let f = |s: &str| match h.lookup(s) {
            Some(Use::Field(p)) => p.to_owned(),
            other => format!("{other:?}"),
        };
        assert_eq!(f("機器ID"), "id");
        assert_eq!(f("資産番号"), "id");
        assert_eq!(f("ＩＤ"), "id");
        assert_eq!(f(" 機器 種別 "), "type");
        assert_eq!(f("ｻﾎﾟｰﾄ終了日"), "os.support_ends_on");
        assert_eq!(f("OS バージョン"), "os.version");
        assert_eq!(f("設置場所（部屋）"), "location");
        assert_eq!(f("未適用の重要パッチ"), "patch.pending_critical");
        assert_eq!(f("USB 制御"), "usb_storage");
        assert_eq!(f("os.support_ends_on"), "os.support_ends_on");
        assert_eq!(f("不要なサービス"), "services.unneeded");
        assert_eq!(f("x-備考"), "Some(Note(\"x-備考\"))");
        assert_eq!(f("備考"), "None");
        let h = Headers::new(&ACCOUNTS, &map);
        assert_eq!(h.lookup("SamAccountName"), Some(Use::Field("user_id")));
        assert_eq!(h.lookup("管理者"), Some(Use::Field("admin")));
        assert_eq!(h.lookup("職種"), Some(Use::Field("role")));
        assert_eq!(h.lookup(" 職 種 "), Some(Use::Field("role")));
        assert_eq!(h.lookup("職種（医師・看護師等）"), Some(Use::Field("role")));
        let h = Headers::new(&ASSETS, &map);
        assert_eq!(h.lookup("機器名"), Some(Use::Field("name")));
        assert_eq!(h.lookup("機器名称"), Some(Use::Field("name")));
        assert_eq!(h.lookup("機器 名"), Some(Use::Field("name")));
        assert_eq!(h.lookup("機器名（通称）"), Some(Use::Field("name")));
        // 端末名 stays the computer name; 名称 alone is the OS sub-header's word.
        assert_eq!(h.lookup("端末名"), Some(Use::Field("hostname")));
        assert_eq!(h.lookup("名称"), None);
    }

    #[test]
    fn every_export_header_is_recognised_as_its_field() {
        let map = MapFile::default();
        for target in [&ASSETS, &ACCOUNTS] {
            let h = Headers::new(target, &map);
            for f in target.fields {
                assert_eq!(h.lookup(f.ja()), Some(Use::Field(f.path)), "{}", f.ja());
                assert_eq!(h.lookup(f.path), Some(Use::Field(f.path)), "{}", f.path);
            }
        }
    }

    #[test]
    fn every_enum_word_is_unambiguous() {
        for table in [ASSET_TYPES, USB_STORAGE, ANTI_MALWARE_KIND, STAFF_STATUS] {
            let mut seen = HashMap::new();
            for (value, words) in table {
                for w in words.iter().chain(std::iter::once(value)) {
                    if let Some(prev) = seen.insert(key(w), *value) {
                        assert_eq!(prev, *value, "{w} means two values");
                    }
                }
            }
        }
    }

    #[test]
    fn two_row_header_with_group() {
        let map = MapFile::default();
        let h = Headers::new(&ASSETS, &map);
        let rows = vec![
            row(1, &["機器台帳（令和7年4月1日現在）"]),
            row(3, &["機器ID", "種別", "OS", "", "", "設置場所", "備考"]),
            row(4, &["", "", "名称", "バージョン", "サポート終了日", "", ""]),
            row(5, &["srv-01", "サーバ", "Windows Server", "2019", "2029/1/9", "サーバ室", ""]),
        ];
        let (header, used) = detect(&rows, &h).unwrap();
        assert_eq!(header.rows, (3, 4));
        assert_eq!(used, 3);
        let cols: Vec<(u32, String, Use)> =
            header.columns.into_iter().map(|c| (c.index, c.header, c.used)).collect();
        assert_eq!(
            cols,
            vec![
                (0, "機器ID".into(), Use::Field("id")),
                (1, "種別".into(), Use::Field("type")),
                (2, "OS / 名称".into(), Use::Field("os.name")),
                (3, "OS / バージョン".into(), Use::Field("os.version")),
                (4, "OS / サポート終了日".into(), Use::Field("os.support_ends_on")),
                (5, "設置場所".into(), Use::Field("location")),
                (6, "備考".into(), Use::Unknown("x-備考".into())),
            ]
        );
    }

    #[test]
    fn a_header_without_its_id_column_is_the_best_guess() {
        let map = MapFile::default();
        let h = Headers::new(&ASSETS, &map);
        let rows = vec![
            row(1, &["機器台帳"]),
            row(2, &["", "種別"]),
            row(3, &["番号", "種別", "設置場所", "管理部署"]),
            row(4, &["1", "サーバ", "サーバ室", "情報システム課"]),
        ];
        assert!(detect(&rows, &h).is_none());
        let guess = best_guess(&rows, &h).unwrap();
        assert_eq!((guess.row, guess.fields, guess.has_id(&ASSETS)), (3, 3, false));
        let found: Vec<(u32, &str)> = guess.found.iter().map(|(c, _, p)| (*c, *p)).collect();
        assert_eq!(found, vec![(1, "type"), (2, "location"), (3, "manager")]);
        assert!(best_guess(&rows[..1], &h).is_none());
    }

    #[test]
    fn one_row_header_below_a_title() {
        let map = MapFile::default();
        let h = Headers::new(&ASSETS, &map);
        let rows = vec![
            row(1, &["機器一覧"]),
            row(2, &["資産番号", "機器種別", "ホスト名"]),
            row(3, &["pc-01", "端末", "PC01"]),
        ];
        let (header, used) = detect(&rows, &h).unwrap();
        assert_eq!((header.rows, used, header.columns.len()), ((2, 2), 2, 3));
        assert!(detect(&rows[..1], &h).is_none());
    }
}

//! What can be imported: the fields of an AssetLedger asset and an
//! AccountInventory account, how each one's cells are read ([`Ty`]), the
//! headers that name it and the words that mean each enum value. Pure data
//! (and the small lookups on it); `anzen export` writes the same table back.
//!
//! [`Use`] is what a column turns out to be for once its header is read: a
//! field, a kept note, or nothing.

use crate::document::model::Kind;

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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::import::values::key;

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
}

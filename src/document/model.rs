//! What SPEC §1 says about the data model: the document kinds, which of their
//! lists are merged per facility, which lists carry ids and which fields
//! reference other ids. Everything here is data that the stages read.

use std::fmt;

use crate::document::node::{Node, NodeValue};

use crate::document::pointer::escape;

/// A document kind (`kind:` of an `apiVersion: anzen/v1` document).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Facility,
    SystemCatalog,
    AssetLedger,
    NetworkMap,
    BackupPlan,
    VendorRegistry,
    AccountInventory,
    Config,
}

impl Kind {
    /// Every kind, in SPEC order; `Config` last.
    pub const ALL: [Kind; 8] = [
        Kind::Facility,
        Kind::SystemCatalog,
        Kind::AssetLedger,
        Kind::NetworkMap,
        Kind::BackupPlan,
        Kind::VendorRegistry,
        Kind::AccountInventory,
        Kind::Config,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Kind::Facility => "Facility",
            Kind::SystemCatalog => "SystemCatalog",
            Kind::AssetLedger => "AssetLedger",
            Kind::NetworkMap => "NetworkMap",
            Kind::BackupPlan => "BackupPlan",
            Kind::VendorRegistry => "VendorRegistry",
            Kind::AccountInventory => "AccountInventory",
            Kind::Config => "Config",
        }
    }

    /// The kebab-case stem of the kind's schema file (`schemas/<stem>.schema.json`).
    pub const fn file_stem(self) -> &'static str {
        match self {
            Kind::Facility => "facility",
            Kind::SystemCatalog => "system-catalog",
            Kind::AssetLedger => "asset-ledger",
            Kind::NetworkMap => "network-map",
            Kind::BackupPlan => "backup-plan",
            Kind::VendorRegistry => "vendor-registry",
            Kind::AccountInventory => "account-inventory",
            Kind::Config => "config",
        }
    }

    /// Accepts `AssetLedger` and `asset-ledger`.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s || k.file_stem() == s)
    }

    /// The lists a kind contributes to its facility's merged lists.
    pub const fn merged_lists(self) -> &'static [&'static str] {
        match self {
            Kind::SystemCatalog => &["systems"],
            Kind::AssetLedger => &["assets"],
            Kind::NetworkMap => &["external_connections", "segments", "wireless"],
            Kind::BackupPlan => &["backups"],
            Kind::VendorRegistry => &["vendors"],
            _ => &[],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every merged list name, in a fixed order.
pub const MERGED_LISTS: [&str; 7] =
    ["systems", "assets", "external_connections", "segments", "wireless", "backups", "vendors"];

/// Lists whose items carry an `id` that must be unique within a facility.
pub const ID_LISTS: [&str; 6] =
    ["assets", "systems", "vendors", "external_connections", "backups", "segments"];

/// A field that names an item of another list (SPEC: `→ kind`).
#[derive(Clone, Copy, Debug)]
pub struct Reference {
    pub kind: Kind,
    /// Path pattern inside a document of `kind` (see [`walk`]).
    pub pattern: &'static str,
    /// The merged list whose ids it must name.
    pub target: &'static str,
}

pub const REFERENCES: [Reference; 11] = [
    Reference { kind: Kind::Facility, pattern: "incident_contacts/vendors/*/vendor", target: "vendors" },
    Reference { kind: Kind::SystemCatalog, pattern: "systems/*/vendor", target: "vendors" },
    Reference { kind: Kind::AssetLedger, pattern: "assets/*/vendor", target: "vendors" },
    Reference { kind: Kind::AssetLedger, pattern: "assets/*/systems/*", target: "systems" },
    Reference { kind: Kind::AssetLedger, pattern: "assets/*/remote_maintenance/vendor", target: "vendors" },
    Reference {
        kind: Kind::AssetLedger,
        pattern: "assets/*/remote_maintenance/connection",
        target: "external_connections",
    },
    Reference { kind: Kind::NetworkMap, pattern: "segments/*/assets/*", target: "assets" },
    Reference { kind: Kind::NetworkMap, pattern: "external_connections/*/vendor", target: "vendors" },
    Reference { kind: Kind::NetworkMap, pattern: "external_connections/*/device", target: "assets" },
    Reference { kind: Kind::BackupPlan, pattern: "backups/*/system", target: "systems" },
    Reference { kind: Kind::AccountInventory, pattern: "system", target: "systems" },
];

/// Calls `f(pointer, value)` for every node matching `pattern` under `value`.
///
/// A pattern is a `/`-separated path of keys and list indexes where `*`
/// stands for every item of a list; `""` matches `value` itself. Pointers
/// are RFC 6901, relative to `value`; they are built in one buffer, so a
/// caller that keeps one copies it.
pub fn walk<'a>(value: &'a Node, pattern: &str, f: &mut dyn FnMut(&str, &'a Node)) {
    let segments: Vec<&str> = if pattern.is_empty() { Vec::new() } else { pattern.split('/').collect() };
    walk_segments(value, &segments, &mut String::new(), f);
}

fn walk_segments<'a>(
    value: &'a Node,
    segments: &[&str],
    pointer: &mut String,
    f: &mut dyn FnMut(&str, &'a Node),
) {
    let Some((first, rest)) = segments.split_first() else {
        f(pointer, value);
        return;
    };
    let len = pointer.len();
    match (*first, &value.value) {
        ("*", NodeValue::Seq(items)) => {
            for (i, item) in items.iter().enumerate() {
                pointer.push('/');
                push_index(pointer, i);
                walk_segments(item, rest, pointer, f);
                pointer.truncate(len);
            }
        }
        (key, NodeValue::Map(_)) => {
            if let Some(v) = value.get(key) {
                pointer.push('/');
                match key.contains(['~', '/']) {
                    true => pointer.push_str(&escape(key)),
                    false => pointer.push_str(key),
                }
                walk_segments(v, rest, pointer, f);
                pointer.truncate(len);
            }
        }
        (index, NodeValue::Seq(items)) => {
            if let Some(v) = index.parse::<usize>().ok().and_then(|i| items.get(i)) {
                pointer.push('/');
                pointer.push_str(index);
                walk_segments(v, rest, pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Appends the decimal digits of `i` (what `write!` does, without the
/// formatting machinery: this runs for every list item a walk visits).
pub fn push_index(out: &mut String, mut i: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (i % 10) as u8;
        i /= 10;
        if i == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// Fields that identify a list item, in order of preference.
const ITEM_KEYS: [&str; 5] = ["id", "user_id", "ssid", "department", "name"];

/// `pointer` with list indexes replaced by the items' identifying field,
/// so it survives reordering and reformatting: `/backups/1/generations` →
/// `backups[bk-pacs]/generations`. Items without one keep their index.
pub fn stable_path(value: &Node, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = Some(value);
    for token in crate::document::pointer::tokens(pointer) {
        let next = match node.map(|n| &n.value) {
            Some(NodeValue::Seq(items)) => {
                let item = token.parse::<usize>().ok().and_then(|i| items.get(i));
                let name = item.and_then(|it| {
                    ITEM_KEYS
                        .iter()
                        .find_map(|k| it.get(k).and_then(Node::as_str).map(|v| format!("{k}={v}")))
                });
                match name {
                    Some(n) => out.push_str(&format!("[{n}]")),
                    None => out.push_str(&format!("[{token}]")),
                }
                item
            }
            Some(NodeValue::Map(_)) => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(&token);
                node.and_then(|n| n.get(&token))
            }
            _ => {
                out.push('/');
                out.push_str(&token);
                None
            }
        };
        node = next;
    }
    out
}

/// The `type` field of the top-level list item `pointer` lies in
/// (`/assets/3/patch` → the type of asset 3).
pub fn item_type<'a>(value: &'a Node, pointer: &str) -> Option<&'a str> {
    let mut toks = crate::document::pointer::tokens(pointer);
    let list = toks.next()?;
    let index: usize = toks.next()?.parse().ok()?;
    value.get(&list)?.item(index)?.get("type")?.as_str()
}

#[cfg(test)]
mod tests {
    #[test]
    fn stable_paths_name_items_by_their_id() {
        let v = tree(
            json!({"backups": [{"id": "a"}, {"id": "bk-pacs", "copies": [{"media": "nas"}]}], "wireless": [{"ssid": "FREE"}]}),
        );
        assert_eq!(stable_path(&v, "/backups/1/generations"), "backups[id=bk-pacs]/generations");
        assert_eq!(stable_path(&v, "/backups/1/copies/0/media"), "backups[id=bk-pacs]/copies[0]/media");
        assert_eq!(stable_path(&v, "/wireless/0/auth"), "wireless[ssid=FREE]/auth");
        assert_eq!(stable_path(&v, ""), "");
        assert_eq!(stable_path(&v, "/nothere/x"), "nothere/x");
    }

    use super::*;
    use serde_json::{Value, json};

    fn tree(v: Value) -> Node {
        Node::from_json(&v)
    }

    #[test]
    fn walk_expands_stars_and_skips_missing() {
        let v = tree(json!({"assets": [{"systems": ["a", "b"]}, {"id": 1}, {"systems": ["c"]}]}));
        let mut seen = Vec::new();
        walk(&v, "assets/*/systems/*", &mut |p, v| seen.push((p.to_owned(), v.to_json())));
        assert_eq!(
            seen,
            [
                ("/assets/0/systems/0".to_owned(), json!("a")),
                ("/assets/0/systems/1".to_owned(), json!("b")),
                ("/assets/2/systems/0".to_owned(), json!("c")),
            ]
        );
    }

    #[test]
    fn push_index_writes_decimal() {
        for i in [0, 7, 10, 99, 100, 4096, usize::MAX] {
            let mut s = String::from("/x/");
            push_index(&mut s, i);
            assert_eq!(s, format!("/x/{i}"));
        }
    }

    #[test]
    fn walk_escapes_keys() {
        let v = tree(json!({"a/b": {"c~d": 1}}));
        let mut seen = Vec::new();
        walk(&v, "a/b", &mut |p, _| seen.push(p.to_owned()));
        assert!(seen.is_empty(), "a pattern segment is one key: {seen:?}");
        let v = tree(json!({"x": [{"c~d": {"e/f": 1}}]}));
        let item = v.pointer("/x/0").unwrap();
        let key = item.as_map().unwrap()[0].key.clone();
        walk(item, &key, &mut |p, _| seen.push(p.to_owned()));
        assert_eq!(seen, ["/c~0d"]);
    }

    #[test]
    fn walk_empty_pattern_is_the_value() {
        let v = tree(json!({"a": 1}));
        let mut n = 0;
        walk(&v, "", &mut |p, _| {
            assert_eq!(p, "");
            n += 1;
        });
        assert_eq!(n, 1);
    }

    #[test]
    fn kinds_parse_both_spellings() {
        assert_eq!(Kind::parse("AssetLedger"), Some(Kind::AssetLedger));
        assert_eq!(Kind::parse("asset-ledger"), Some(Kind::AssetLedger));
        assert_eq!(Kind::parse("Asset"), None);
    }
}

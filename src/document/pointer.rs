//! JSON Pointer → source span: the only place that maps a node's address to
//! a position (SPEC §2 "Location").
//!
//! - a scalar points at its value;
//! - a mapping or list that is the value of a key points at that key;
//! - a list item points at the item's first character (after `- `);
//! - a missing node points at its nearest existing ancestor, by the same rules;
//! - the document root points at its `kind` key.

use crate::document::node::{Node, NodeValue};
use crate::kernel::source::Span;

/// Splits an RFC 6901 pointer into unescaped tokens. `""` is the root.
pub fn tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~"))
}

/// Escapes one pointer token.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// How the walk reached a node.
#[derive(Clone, Copy, Debug)]
enum Via {
    Root,
    Key(Span),
    Index,
}

/// The result of resolving a pointer.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    /// The deepest node on the pointer's path that exists.
    pub node: &'a Node,
    /// The span a finding about that node points at (SPEC's convention).
    pub span: Span,
    /// The span of the key holding `node`, when it is a mapping value.
    pub key_span: Option<Span>,
    /// Whether the whole pointer resolved.
    pub exact: bool,
}

/// Resolves `pointer` in `root`, falling back to the nearest existing
/// ancestor when part of it is missing.
pub fn locate<'a>(root: &'a Node, pointer: &str) -> Located<'a> {
    let mut node = root;
    let mut via = Via::Root;
    let mut exact = true;
    for token in tokens(pointer) {
        let next = match &node.value {
            NodeValue::Map(entries) => {
                entries.iter().find(|e| e.key == token).map(|e| (&e.value, Via::Key(e.key_span)))
            }
            NodeValue::Seq(items) => {
                token.parse::<usize>().ok().and_then(|i| items.get(i)).map(|n| (n, Via::Index))
            }
            _ => None,
        };
        match next {
            Some((n, v)) => {
                node = n;
                via = v;
            }
            None => {
                exact = false;
                break;
            }
        }
    }
    let key_span = match via {
        Via::Key(k) => Some(k),
        _ => None,
    };
    Located { node, span: anchor(node, via, root), key_span, exact }
}

/// The span of the key `key` of the mapping at `pointer` (an unknown key, a
/// duplicate key): the key itself when it exists, else [`locate`]'s answer
/// for the mapping.
pub fn locate_key(root: &Node, pointer: &str, key: &str) -> Span {
    let at = locate(root, pointer);
    if at.exact
        && let Some(entry) = at.node.entry(key)
    {
        return entry.key_span;
    }
    at.span
}

fn anchor(node: &Node, via: Via, root: &Node) -> Span {
    let is_collection = matches!(node.value, NodeValue::Map(_) | NodeValue::Seq(_));
    match via {
        Via::Root => root.entry("kind").map_or(node.span, |e| e.key_span),
        Via::Key(key) if is_collection || node.span.is_empty() => key,
        Via::Key(_) => node.span,
        // The item's first character: the first key of a block mapping, the
        // `{` of a flow mapping (labelled up to the end of its first key).
        Via::Index => match &node.value {
            NodeValue::Map(entries) => entries
                .first()
                .map_or(node.span, |e| Span::new(node.span.start.min(e.key_span.start), e.key_span.end)),
            _ => node.span,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::node::Entry;

    fn scalar(start: u32, end: u32, s: &str) -> Node {
        Node::new(Span::new(start, end), NodeValue::String(s.into()))
    }

    /// kind: BackupPlan          (0..16)
    /// backups:                  (17..)
    ///   - id: b1
    ///     restore: {}
    fn doc() -> Node {
        let item = Node::new(
            Span::new(30, 60),
            NodeValue::Map(vec![
                Entry { key: "id".into(), key_span: Span::new(30, 32), value: scalar(34, 36, "b1") },
                Entry {
                    key: "restore".into(),
                    key_span: Span::new(41, 48),
                    value: Node::new(Span::new(50, 52), NodeValue::Map(vec![])),
                },
                Entry {
                    key: "empty".into(),
                    key_span: Span::new(53, 58),
                    value: Node::new(Span::point(59), NodeValue::Null),
                },
            ]),
        );
        Node::new(
            Span::new(0, 60),
            NodeValue::Map(vec![
                Entry { key: "kind".into(), key_span: Span::new(0, 4), value: scalar(6, 16, "BackupPlan") },
                Entry {
                    key: "backups".into(),
                    key_span: Span::new(17, 24),
                    value: Node::new(Span::new(28, 60), NodeValue::Seq(vec![item])),
                },
            ]),
        )
    }

    #[test]
    fn scalar_points_at_its_value() {
        let d = doc();
        let at = locate(&d, "/backups/0/id");
        assert!(at.exact);
        assert_eq!(at.span, Span::new(34, 36));
        assert_eq!(at.key_span, Some(Span::new(30, 32)));
    }

    #[test]
    fn collection_value_points_at_its_key() {
        let d = doc();
        assert_eq!(locate(&d, "/backups").span, Span::new(17, 24));
        assert_eq!(locate(&d, "/backups/0/restore").span, Span::new(41, 48));
    }

    #[test]
    fn list_item_points_at_its_first_key() {
        assert_eq!(locate(&doc(), "/backups/0").span, Span::new(30, 32));
    }

    #[test]
    fn flow_mapping_item_points_at_its_brace() {
        // - {id: b1}   the mapping starts at `{` (28), its first key at 29
        let item = Node::new(
            Span::new(28, 37),
            NodeValue::Map(vec![Entry {
                key: "id".into(),
                key_span: Span::new(29, 31),
                value: scalar(33, 35, "b1"),
            }]),
        );
        let root = Node::new(
            Span::new(0, 37),
            NodeValue::Map(vec![Entry {
                key: "backups".into(),
                key_span: Span::new(17, 24),
                value: Node::new(Span::new(26, 37), NodeValue::Seq(vec![item])),
            }]),
        );
        assert_eq!(locate(&root, "/backups/0").span, Span::new(28, 31));
    }

    #[test]
    fn missing_node_points_at_nearest_ancestor() {
        let d = doc();
        let at = locate(&d, "/backups/0/restore/procedure");
        assert!(!at.exact);
        assert_eq!(at.span, Span::new(41, 48));
        assert_eq!(locate(&d, "/backups/7/generations").span, Span::new(17, 24));
    }

    #[test]
    fn empty_value_points_at_its_key() {
        assert_eq!(locate(&doc(), "/backups/0/empty").span, Span::new(53, 58));
    }

    #[test]
    fn root_points_at_kind() {
        let d = doc();
        assert_eq!(locate(&d, "").span, Span::new(0, 4));
        assert_eq!(locate(&d, "/nothere").span, Span::new(0, 4));
    }

    #[test]
    fn unknown_key_points_at_the_key() {
        let d = doc();
        assert_eq!(locate_key(&d, "/backups/0", "restore"), Span::new(41, 48));
        assert_eq!(locate_key(&d, "/backups/0", "nope"), Span::new(30, 32));
    }

    #[test]
    fn tokens_unescape() {
        let t: Vec<_> = tokens("/a~1b/c~0d/0").collect();
        assert_eq!(t, ["a/b", "c~d", "0"]);
        assert_eq!(tokens("").count(), 0);
        assert_eq!(escape("10.0.0.0/8"), "10.0.0.0~18");
    }
}

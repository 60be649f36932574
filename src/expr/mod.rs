//! The expression language rules are written in: CEL, with anzen's helper
//! functions, run two ways over the same documents.
//!
//! - [`cel`]: the CEL interpreter's side: documents as CEL values, the
//!   helpers registered on a context, and the byte allowance an evaluation
//!   may build ([`cel::Bounded`]).
//! - [`helpers`]: the helper functions (`days_since`, `path_get`, …), one
//!   table and one implementation both evaluators call; [`vars`]: the
//!   variables (`item`, `facility`, …), one table both read.
//! - [`fast`]: the fast path, the subset of CEL the rules use compiled to a
//!   tree evaluated directly over the documents; it declines whatever it
//!   cannot decide exactly as the interpreter would.
//!
//! This folder sits below the pipeline: it imports only the kernel types
//! (dates, sources, findings, the document model and trees), never the
//! catalog, the stages or the commands.

pub mod cel;
pub mod fast;
pub mod helpers;
pub mod vars;

/// The parts of `docs/rule-authoring.md` generated from the tables: each
/// marker's name and its text.
pub fn generated_docs() -> [(&'static str, String); 2] {
    [("variables", vars::markdown()), ("helpers", helpers::markdown())]
}

/// `doc` with the text between each `<!-- generated: NAME … -->` line and
/// its `<!-- end generated: NAME -->` replaced by the part's; `None` when a
/// marker is missing.
pub fn splice_generated(doc: &str, parts: &[(&str, String)]) -> Option<String> {
    let mut out = doc.to_owned();
    for (name, text) in parts {
        let begin = out.find(&format!("<!-- generated: {name} "))?;
        let body = begin + out[begin..].find('\n')? + 1;
        let end = body + out[body..].find(&format!("<!-- end generated: {name} -->"))?;
        out.replace_range(body..end, text);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc's generated lists are the tables'. `ANZEN_BLESS=1 cargo test
    /// --lib expr::tests` rewrites them.
    #[test]
    fn rule_authoring_lists_the_tables() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rule-authoring.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let fresh = splice_generated(&doc, &generated_docs()).expect("the markers are in the doc");
        if fresh != doc && std::env::var_os("ANZEN_BLESS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        assert!(
            fresh == doc,
            "docs/rule-authoring.md is stale: run `ANZEN_BLESS=1 cargo test --lib expr::tests` and commit it"
        );
        for spec in helpers::HELPERS {
            assert!(doc.contains(&format!("| `{}` |", spec.signature())), "{}", spec.name);
        }
    }

    #[test]
    fn generated_parts_replace_only_their_markers() {
        let doc = "a\n<!-- generated: x (how) -->\nold\n<!-- end generated: x -->\nb\n";
        let parts = [("x", "new\n".to_owned())];
        assert_eq!(
            splice_generated(doc, &parts).as_deref(),
            Some("a\n<!-- generated: x (how) -->\nnew\n<!-- end generated: x -->\nb\n")
        );
        assert_eq!(splice_generated("no markers", &parts), None);
    }
}

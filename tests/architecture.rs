//! The folders of `src/` form a stack (docs/architecture.md): a module may
//! import only its own folder and the folders below it. This reads every
//! source file and fails on a `crate::…` path that goes up the stack
//! (test modules and comments aside), so an import cycle between folders
//! cannot come back unnoticed.

use std::path::Path;

use crate::support::repo;

/// Bottom first.
const LAYERS: [&str; 10] =
    ["kernel", "document", "expr", "rules", "pipeline", "assess", "output", "import", "commands", "cli"];

fn rank(folder: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == folder)
}

/// The code of a file that the library compiles outside tests, without
/// comments.
fn code(text: &str) -> String {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end].lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every `crate::NAME` in `code`.
fn crate_paths(code: &str) -> Vec<&str> {
    code.match_indices("crate::")
        .filter(|(at, _)| !code[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        .map(|(at, m)| {
            let rest = &code[at + m.len()..];
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

#[test]
fn no_folder_imports_a_folder_above_it() {
    let src = repo().join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for path in &all {
        let rel = path.strip_prefix(&src).unwrap();
        let Some(folder) = rel.components().next().and_then(|c| c.as_os_str().to_str()) else { continue };
        let Some(own) = rank(folder.trim_end_matches(".rs")) else {
            assert!(
                matches!(folder, "lib.rs" | "main.rs"),
                "src/{folder} is in no layer: add it to LAYERS and docs/architecture.md"
            );
            continue;
        };
        checked += 1;
        for name in crate_paths(&code(&std::fs::read_to_string(path).unwrap())) {
            match rank(name) {
                Some(r) if r > own => wrong.push(format!("{}: crate::{name}", rel.display())),
                Some(_) => {}
                None => wrong.push(format!("{}: crate::{name} is in no layer", rel.display())),
            }
        }
    }
    assert!(checked > 50, "read {checked} files");
    assert!(wrong.is_empty(), "imports up the stack (see docs/architecture.md):\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_an_upward_import() {
    let text = "use crate::kernel::date::Date;\n// crate::cli in a comment\nfn f() { crate::output::x(); }\n#[cfg(test)]\nmod tests { use crate::cli; }\n";
    assert_eq!(crate_paths(&code(text)), ["kernel", "output"]);
    assert!(rank("output") > rank("pipeline"));
}

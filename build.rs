//! Embeds `rules/*.yaml`, `schemas/*.json` and the `anzen init` templates
//! (`templates/init/*.yaml`) into the binary: generates
//! `$OUT_DIR/embedded.rs` with one `include_str!` per file, sorted by name,
//! so adding a rule file needs no code change.

use std::fs;
use std::io::Write;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let mut code = String::new();
    for (name, dir, ext) in [
        ("RULE_FILES", "rules", ".yaml"),
        ("SCHEMA_FILES", "schemas", ".json"),
        ("CHECKLIST_FILES", "rules/checklists", ".yaml"),
        ("SURVEY_FILES", "rules/surveys", ".yaml"),
        ("INIT_FILES", "templates/init", ".yaml"),
    ] {
        println!("cargo:rerun-if-changed={dir}");
        let mut files: Vec<String> = fs::read_dir(Path::new(&manifest).join(dir))
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(ext))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        code.push_str(&format!("pub static {name}: &[(&str, &str)] = &[\n"));
        for f in files {
            println!("cargo:rerun-if-changed={dir}/{f}");
            code.push_str(&format!(
                "    ({f:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{f}\"))),\n"
            ));
        }
        code.push_str("];\n");
    }
    // Rule fixtures (small UTF-8 YAML files), for `anzen explain` examples.
    println!("cargo:rerun-if-changed=fixtures/rules");
    let mut fixtures = Vec::new();
    let mut stack = vec![Path::new(&manifest).join("fixtures/rules")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                println!("cargo:rerun-if-changed={}", p.display());
                stack.push(p);
            } else if ft.is_file()
                && p.extension().is_some_and(|x| x == "yaml")
                && fs::read_to_string(&p).is_ok_and(|t| t.len() < 16 * 1024)
                && let Ok(rel) = p.strip_prefix(&manifest)
            {
                fixtures.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    fixtures.sort();
    code.push_str("pub static FIXTURE_FILES: &[(&str, &str)] = &[\n");
    for f in fixtures {
        code.push_str(&format!(
            "    ({f:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{f}\"))),\n"
        ));
    }
    code.push_str("];\n");
    let path = Path::new(&out).join("embedded.rs");
    if let Err(e) = fs::File::create(&path).and_then(|mut f| f.write_all(code.as_bytes())) {
        panic!("cannot write {}: {e}", path.display());
    }
}

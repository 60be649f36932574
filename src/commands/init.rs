//! `anzen init [DIR]`: writes the commented starter set — one file per
//! document kind plus `anzen.yaml` — into DIR. The templates are files in
//! `templates/init/`, embedded at build time (`build.rs`). Existing files
//! are never overwritten without `--force` (exit 2, naming them).

use std::io::Write;
use std::path::Path;

use crate::commands::options::InitOptions;
use crate::kernel::assets::INIT_FILES;
use crate::kernel::error::Fatal;
use crate::kernel::finding::Lang;

/// The starter files, `(file name, text)`, sorted by name.
pub fn files() -> &'static [(&'static str, &'static str)] {
    INIT_FILES
}

/// Writes the starter set into `args.dir` and tells the user what next.
pub fn run(args: &InitOptions, lang: Lang, out: &mut dyn Write) -> Result<(), Fatal> {
    let dir = args.dir.as_path();
    let existing: Vec<&str> = files()
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| dir.join(name).symlink_metadata().is_ok())
        .collect();
    if !existing.is_empty() && !args.force {
        return Err(Fatal::WouldOverwrite { dir: dir.to_path_buf(), files: existing.join(", ") });
    }
    std::fs::create_dir_all(dir).map_err(|e| Fatal::Write { path: dir.to_path_buf(), source: e })?;
    for (name, text) in files() {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| Fatal::Write { path, source: e })?;
    }
    report(dir, lang, out).map_err(|e| Fatal::Write { path: "<stdout>".into(), source: e })
}

fn report(dir: &Path, lang: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    let shown = dir.display();
    match lang {
        Lang::Ja => writeln!(out, "{shown} にひな形を書き出しました:")?,
        Lang::En => writeln!(out, "Wrote the starter set into {shown}:")?,
    }
    for (name, _) in files() {
        writeln!(out, "  {}", dir.join(name).display())?;
    }
    match lang {
        Lang::Ja => writeln!(
            out,
            "\n各ファイルのコメントに従って自院の内容を記入し、次を実行してください:\n  anzen check {shown}\n  anzen report {shown} --format html --output checklist.html"
        ),
        Lang::En => writeln!(
            out,
            "\nFill them in following the comments in each file, then run:\n  anzen check {shown}\n  anzen report {shown} --format html --output checklist.html"
        ),
    }
}

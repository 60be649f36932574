//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the built `anzen` binary in the repository root.
pub fn anzen(args: &[&str]) -> Output {
    anzen_in(&repo(), args)
}

/// Runs the built `anzen` binary in `dir`, with a fixed environment.
pub fn anzen_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anzen"))
        .args(args)
        .current_dir(dir)
        .env_remove("LANG")
        .env("NO_COLOR", "1")
        .output()
        .expect("the anzen binary runs")
}

/// `anzen check <path> --format json` (with `extra` arguments), parsed.
pub fn check_json(path: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", path, "--format", "json", "--lang", "en", "--as-of", "2025-06-30"];
    args.extend_from_slice(extra);
    let out = anzen(&args);
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{path}: not JSON ({e}); exit {code}\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

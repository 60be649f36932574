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
    command(dir, args).output().expect("the anzen binary runs")
}

/// Runs the built `anzen` binary in `dir` with extra environment variables.
pub fn anzen_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = command(dir, args);
    c.envs(env.iter().copied());
    c.output().expect("the anzen binary runs")
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_anzen"));
    c.args(args).current_dir(dir).env_remove("LANG").env_remove("ANZEN_INTERPRET_ONLY").env("NO_COLOR", "1");
    c
}

/// Runs `anzen` in `dir` twice, conditions on the fast path and then all in
/// the CEL interpreter (`ANZEN_INTERPRET_ONLY=1`), and asserts both give
/// the same exit code and output; returns the output.
pub fn same_both_ways(dir: &Path, args: &[&str]) -> String {
    let fast = command(dir, args).output().expect("the anzen binary runs");
    let interpreted =
        command(dir, args).env("ANZEN_INTERPRET_ONLY", "1").output().expect("the anzen binary runs");
    assert_eq!(fast.status.code(), interpreted.status.code(), "{args:?}: exit codes differ");
    let (a, b) = (stdout(&fast), stdout(&interpreted));
    if a != b {
        let first = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
        panic!(
            "{args:?}: the fast path and the interpreter differ at line {}:\nfast:        {}\ninterpreter: {}",
            first + 1,
            a.lines().nth(first).unwrap_or(""),
            b.lines().nth(first).unwrap_or("")
        );
    }
    a
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

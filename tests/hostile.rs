//! Hostile input (issue 7): every limit holds in bounded time and memory,
//! nothing panics, nothing outside the scan root is read, and one broken
//! file never hides the others.
//!
//! Each run of the binary here is bounded: a wall-clock limit (the child is
//! killed and the test fails) and an address-space limit (`ulimit -v`).

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const FACILITY: &str = "apiVersion: anzen/v1\nkind: Facility\nname: T病院\nbeds: 50\nuses_medical_information_systems: true\ngovernance: {}\n";
const GOOD_BACKUPS: &str = "apiVersion: anzen/v1\nkind: BackupPlan\nbackups:\n  - id: b1\n    system: s1\n    generations: 2\n    copies: [{id: c1, media: nas, offline: false}]\n---\napiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n  - {id: s1, name: 電子カルテ, category: ehr, patient_data: true}\n";

/// Address-space limit for every run (KiB).
const MEMORY_KIB: u64 = 3 * 1024 * 1024;
/// Wall-clock limit for every run.
const TIMEOUT: Duration = Duration::from_secs(60);

struct Run {
    code: i32,
    json: Value,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// `anzen check . --format <format>` in `dir`, bounded in time and memory.
fn bounded(dir: &Path, extra: &[&str], format: &str) -> Run {
    bounded_with(dir, extra, format, false, TIMEOUT)
}

/// [`bounded`], with every condition in the CEL interpreter when
/// `interpret`, and a wall-clock limit of `timeout`.
fn bounded_with(dir: &Path, extra: &[&str], format: &str, interpret: bool, timeout: Duration) -> Run {
    let mut cmd = String::from("ulimit -v ");
    cmd.push_str(&MEMORY_KIB.to_string());
    cmd.push_str("; exec \"$0\" check . --lang en --as-of 2025-06-30 --fail-on never --format ");
    cmd.push_str(format);
    for e in extra {
        cmd.push_str(" '");
        cmd.push_str(e);
        cmd.push('\'');
    }
    let start = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .arg(env!("CARGO_BIN_EXE_anzen"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("ANZEN_INTERPRET_ONLY", if interpret { "1" } else { "" })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the pipes while waiting: a child blocked on a full pipe would
    // look like a hang.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out_pipe, &mut buf).ok();
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err_pipe, &mut buf).ok();
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > timeout {
            child.kill().ok();
            panic!("anzen did not finish within {timeout:?} in {}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    let out = std::process::Output { status, stdout: Vec::new(), stderr: Vec::new() };
    let code = out.status.code().unwrap_or(-1);
    assert!(!stderr.contains("panicked"), "anzen panicked:\n{stderr}");
    let json =
        if format == "json" { serde_json::from_str(&stdout).unwrap_or(Value::Null) } else { Value::Null };
    Run { code, json, stdout, stderr, elapsed }
}

fn check(dir: &Path) -> Run {
    let run = bounded(dir, &[], "json");
    assert_eq!(run.code, 0, "a finding is never exit 2 (fail-on never: 0)\n{}", run.stderr);
    run
}

fn findings(run: &Run) -> Vec<(String, String, u64, u64, String)> {
    run.json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array:\n{}\n{}", run.stdout, run.stderr))
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn of<'a>(
    all: &'a [(String, String, u64, u64, String)],
    file: &str,
) -> Vec<&'a (String, String, u64, u64, String)> {
    all.iter().filter(|f| f.1 == file).collect()
}

/// A tree with a facility, a file with real findings, and `name` = `content`.
fn tree(name: &str, content: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("facility.yaml"), FACILITY).unwrap();
    fs::write(dir.path().join("good.yaml"), GOOD_BACKUPS).unwrap();
    fs::write(dir.path().join(name), content).unwrap();
    dir
}

/// The good file's findings survive whatever the bad file did.
fn assert_good_file_checked(all: &[(String, String, u64, u64, String)]) {
    assert!(all.iter().any(|f| f.0 == "BAK-002" && f.1 == "good.yaml"), "good.yaml was not checked: {all:?}");
}

/// `levels` anchors, each a list of 9 aliases of the previous: 9^levels leaves.
fn alias_bomb(levels: usize) -> String {
    let mut s = String::from("a0: &a0 [\"笑\"]\n");
    for i in 1..=levels {
        s.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 9].join(", ")));
    }
    s
}

#[test]
fn alias_bombs_of_every_size_are_stopped() {
    for levels in [3, 4, 5, 6, 9, 12] {
        let dir = tree("bomb.yaml", alias_bomb(levels).as_bytes());
        let run = check(dir.path());
        let all = findings(&run);
        let bomb = of(&all, "bomb.yaml");
        // Nodes an alias of a_l copies: n(0) = 2 (list + scalar), n(l) = 1 + 9 n(l-1).
        let mut n = 2u64;
        let mut expanded = 0u64;
        for _ in 1..=levels {
            expanded += 9 * n;
            n = 1 + 9 * n;
        }
        if expanded > 10_000 {
            assert_eq!(bomb.len(), 1, "levels {levels}: {bomb:?}");
            assert_eq!(bomb[0].0, "DOC-001");
            assert!(bomb[0].4.contains("alias"), "{:?}", bomb[0]);
        } else {
            assert!(bomb.is_empty(), "levels {levels}: a small alias use loads: {bomb:?}");
        }
        assert_good_file_checked(&all);
        assert!(run.elapsed < Duration::from_secs(20), "levels {levels}: {:?}", run.elapsed);
    }
}

#[test]
fn deep_flow_nesting_is_stopped() {
    let dir = tree("deep.yaml", "[".repeat(100_000).as_bytes());
    let all = findings(&check(dir.path()));
    let deep = of(&all, "deep.yaml");
    assert_eq!(deep.len(), 1);
    assert_eq!(deep[0].0, "DOC-001");
    assert_good_file_checked(&all);
}

#[test]
fn deep_block_nesting_is_stopped() {
    let mut text = String::new();
    for depth in 0..3_000 {
        text.push_str(&" ".repeat(depth * 2));
        text.push_str("a:\n");
    }
    let dir = tree("deep.yaml", text.as_bytes());
    let all = findings(&check(dir.path()));
    let deep = of(&all, "deep.yaml");
    assert_eq!(deep.len(), 1, "{deep:?}");
    assert_eq!((deep[0].0.as_str(), deep[0].2), ("DOC-001", 129), "points at the first level beyond 128");
}

#[test]
fn a_huge_sparse_file_is_rejected_without_reading_it() {
    let dir = tree("big.yaml", b"");
    let file = fs::OpenOptions::new().write(true).open(dir.path().join("big.yaml")).unwrap();
    file.set_len(1 << 30).unwrap(); // 1 GiB of zeros, sparse
    let run = check(dir.path());
    let all = findings(&run);
    let big = of(&all, "big.yaml");
    assert_eq!(big.len(), 1);
    assert_eq!(big[0].0, "DOC-009");
    assert!(big[0].4.contains("too large"), "{:?}", big[0]);
    assert!(run.elapsed < Duration::from_secs(10), "rejected from metadata, not read: {:?}", run.elapsed);
    assert_good_file_checked(&all);
}

#[test]
fn too_many_documents_are_stopped_at_the_first_extra_one() {
    let text = "---\na: 1\n".repeat(1_001);
    let dir = tree("many.yaml", text.as_bytes());
    let all = findings(&check(dir.path()));
    let many = of(&all, "many.yaml");
    assert_eq!(many.len(), 1);
    assert_eq!((many[0].0.as_str(), many[0].2), ("DOC-001", 2_001));
}

#[test]
fn long_lines_and_long_keys_are_handled() {
    let long_value = "電".repeat(2_000_000);
    let long_key = "k".repeat(1_000_000);
    let text = format!(
        "apiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n  - {{id: s2, name: \"{long_value}\", category: other, patient_data: false, {long_key}: 1}}\n"
    );
    let dir = tree("long.yaml", text.as_bytes());
    let run = check(dir.path());
    let all = findings(&run);
    let long = of(&all, "long.yaml");
    assert_eq!(long.len(), 1, "{:?}", long.iter().map(|f| (&f.0, f.2, f.3)).collect::<Vec<_>>());
    assert_eq!(long[0].0, "DOC-002");
    assert_eq!(long[0].2, 4);
    assert_eq!(long[0].3, 2_000_062, "the column counts characters");
    assert!(long[0].4.len() < 200, "messages clip long keys");
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
}

#[test]
fn nul_bytes_make_a_binary_file() {
    let dir = tree("nul.yaml", b"apiVersion: anzen/v1\nkind: Facility\x00\n");
    let all = findings(&check(dir.path()));
    let nul = of(&all, "nul.yaml");
    assert_eq!(nul.len(), 1);
    assert_eq!((nul[0].0.as_str(), nul[0].2, nul[0].3), ("DOC-009", 1, 1));
    assert!(nul[0].4.contains("binary"));
    // A NUL after the first 8 KiB is not "binary" but still not YAML.
    let mut late = format!("a: \"{}\"\n", "x".repeat(9_000)).into_bytes();
    late.extend_from_slice(b"b: \x00\n");
    let dir = tree("late.yaml", &late);
    let all = findings(&check(dir.path()));
    assert_eq!(of(&all, "late.yaml").iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), ["DOC-001"]);
}

#[test]
fn shift_jis_is_named_with_a_way_to_convert() {
    // 「電子カルテ」 in CP932
    let mut sjis = b"name: ".to_vec();
    sjis.extend_from_slice(&[0x93, 0x64, 0x8E, 0x71, 0x83, 0x4A, 0x83, 0x8B, 0x83, 0x65, b'\n']);
    let dir = tree("sjis.yaml", &sjis);
    let all = findings(&check(dir.path()));
    let f = of(&all, "sjis.yaml");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "DOC-009");
    assert!(f[0].4.contains("Shift_JIS"), "{:?}", f[0]);
    let human = bounded(dir.path(), &[], "human");
    assert!(human.stdout.contains("iconv -f CP932 -t UTF-8"), "{}", human.stdout);
}

#[test]
fn a_bom_is_accepted_and_crlf_columns_are_right() {
    let text = "\u{feff}apiVersion: anzen/v1\r\nkind: BackupPlan\r\nbackups:\r\n  - id: b2\r\n    system: s1\r\n    generations: 1\r\n    copies: [{id: c2, media: nas, offline: false}]\r\n";
    let dir = tree("crlf.yaml", text.as_bytes());
    let all = findings(&check(dir.path()));
    let f = of(&all, "crlf.yaml");
    assert!(f.iter().all(|f| !f.0.starts_with("DOC-")), "{f:?}");
    let bak2 = f.iter().find(|f| f.0 == "BAK-002").unwrap();
    assert_eq!((bak2.2, bak2.3), (6, 18));
}

#[cfg(unix)]
#[test]
fn symlinks_leaving_the_root_are_never_read() {
    let outside = tempfile::tempdir().unwrap();
    let secret = "SECRET-CONTENT-1f3a9c";
    fs::write(
        outside.path().join("secret.yaml"),
        format!("apiVersion: anzen/v1\nkind: Facility\nname: {secret}\n"),
    )
    .unwrap();
    let dir = tree("placeholder.yaml", b"a: 1\n");
    std::os::unix::fs::symlink(outside.path().join("secret.yaml"), dir.path().join("link.yaml")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linkdir")).unwrap();
    let run = check(dir.path());
    let all = findings(&run);
    let link = of(&all, "link.yaml");
    assert_eq!(link.len(), 1);
    assert_eq!(link[0].0, "DOC-009");
    assert!(link[0].4.contains("outside the scan root"));
    for format in ["json", "human"] {
        let run = bounded(dir.path(), &[], format);
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{format} output leaks the target"
        );
    }
    assert!(!run.stdout.contains("linkdir/secret.yaml"), "a directory symlink out of the root is not walked");
    assert_good_file_checked(&all);
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported() {
    let dir = tree("placeholder.yaml", b"a: 1\n");
    std::os::unix::fs::symlink(dir.path().join("b.yaml"), dir.path().join("a.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("a.yaml"), dir.path().join("b.yaml")).unwrap();
    let all = findings(&check(dir.path()));
    for name in ["a.yaml", "b.yaml"] {
        let f = of(&all, name);
        assert_eq!(f.len(), 1, "{name}: {f:?}");
        assert_eq!(f[0].0, "DOC-009");
    }
    assert_good_file_checked(&all);
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree("locked.yaml", FACILITY.as_bytes());
    let path = dir.path().join("locked.yaml");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&path).is_ok() {
        eprintln!("unreadable_files_are_reported: skipped (running as root, permissions do not stop reads)");
        return;
    }
    let all = findings(&check(dir.path()));
    let f = of(&all, "locked.yaml");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "DOC-009");
    assert_good_file_checked(&all);
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_never_opened() {
    let dir = tree("placeholder.yaml", b"a: 1\n");
    let fifo = dir.path().join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    if !made {
        eprintln!("fifos_and_devices_are_never_opened: skipped (mkfifo unavailable)");
        return;
    }
    // Opening a FIFO with no writer would block: finishing proves it is not opened.
    let device = dir.path().join("zero.yaml");
    let have_device = Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "5"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let all = findings(&check(dir.path()));
    let f = of(&all, "pipe.yaml");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "DOC-009");
    assert!(f[0].4.contains("FIFO"), "{:?}", f[0]);
    if have_device {
        let d = of(&all, "zero.yaml");
        assert_eq!(d.len(), 1);
        assert!(d[0].4.contains("device"), "{:?}", d[0]);
    } else {
        eprintln!("fifos_and_devices_are_never_opened: device part skipped (mknod needs root)");
    }
    assert_good_file_checked(&all);
}

#[test]
fn a_mixed_tree_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(p.join("facility.yaml"), FACILITY).unwrap();
    fs::write(p.join("good.yaml"), GOOD_BACKUPS).unwrap();
    fs::write(p.join("a-syntax.yaml"), "a: [\n").unwrap();
    fs::write(p.join("b-binary.yaml"), b"\x00\x01\x02").unwrap();
    fs::write(p.join("c-dup.yaml"), "a: 1\na: 2\n").unwrap();
    fs::write(p.join("d-bomb.yaml"), alias_bomb(9)).unwrap();
    fs::create_dir(p.join("sub")).unwrap();
    fs::write(p.join("sub/more.yaml"), "apiVersion: anzen/v1\nkind: BackupPlan\nbackups:\n  - {id: b9, system: s1, generations: 1, copies: [{id: c9, media: tape, offline: true}]}\n").unwrap();
    let run = check(p);
    let all = findings(&run);
    assert_good_file_checked(&all);
    assert!(all.iter().any(|f| f.0 == "BAK-002" && f.1 == "sub/more.yaml"), "{all:?}");
    for broken in ["a-syntax.yaml", "b-binary.yaml", "c-dup.yaml", "d-bomb.yaml"] {
        assert_eq!(of(&all, broken).len(), 1, "{broken}: {all:?}");
    }
    assert_eq!(run.json["summary"]["unreadable_files"], 4);
    assert_eq!(run.json["summary"]["files"], 7);
    let human = bounded(p, &[], "human");
    assert!(human.stdout.contains("4 unreadable"), "{}", human.stdout);
}

#[test]
fn garbage_never_panics() {
    // A few shapes that have broken YAML loaders before.
    let cases: [&[u8]; 12] = [
        b"",
        b"---\n...\n---\n",
        b"? [a]\n: b\n",
        b"&a [*a]\n",
        b"*unknown\n",
        b"!!int abc\n",
        b"a: !!binary AAAA\n",
        b"%YAML 1.2\n%YAML 1.2\n---\na\n",
        b"- - - - - - -\n",
        b"{a: 1, a: 2}\n",
        b"\xef\xbb\xbf\xef\xbb\xbf",
        b"apiVersion: anzen/v1\nkind: Facility\nname: [1, 2]\nbeds: -5\nuses_medical_information_systems: yes\ngovernance: 7\n",
    ];
    for (i, case) in cases.iter().enumerate() {
        let dir = tree(&format!("case{i}.yaml"), case);
        let run = check(dir.path());
        assert_good_file_checked(&findings(&run));
    }
}

#[test]
fn a_runaway_user_rule_is_stopped_with_exit_2() {
    let dir = tree("placeholder.yaml", b"a: 1\n");
    let mut ledger = String::from("apiVersion: anzen/v1\nkind: AssetLedger\nassets:\n");
    for i in 0..400 {
        ledger.push_str(&format!("  - {{id: pc-{i}, type: client_pc, location: x, manager: y}}\n"));
    }
    fs::write(dir.path().join("ledger.yaml"), ledger).unwrap();
    fs::write(
        dir.path().join("anzen.yaml"),
        "apiVersion: anzen/v1\nkind: Config\nlimits:\n  rule_timeout_ms: 300\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("rules")).unwrap();
    fs::write(
        dir.path().join("rules/XYZ-009.yaml"),
        "id: XYZ-009\nname: runaway\nseverity: error\nkinds: [AssetLedger]\ntitle: {ja: a, en: a}\ndescription: {ja: a, en: a}\nmessage: {ja: a, en: a}\nremediation: {ja: a, en: a}\nreferences: {other: [test]}\nchecks:\n  - for_each: assets/*\n    condition: \"assets.all(a, assets.all(b, assets.all(c, assets.all(d, a.id != ''))))\"\n",
    )
    .unwrap();
    let run = bounded(dir.path(), &["--rules", "rules"], "json");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("XYZ-009") && run.stderr.contains("ledger.yaml"), "{}", run.stderr);
    assert!(run.stderr.contains("rule_timeout_ms"), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(20), "stopped soon after the limit: {:?}", run.elapsed);
}

// ---------------------------------------------------------------------------
// Issue 16: hostile repositories.

/// Runs `anzen <args>` in `dir` (bounded like [`bounded`]); stdout, stderr, code.
fn run_args(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = format!("ulimit -v {MEMORY_KIB}; exec \"$0\"");
    for a in args {
        cmd.push_str(" '");
        cmd.push_str(a);
        cmd.push('\'');
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .arg(env!("CARGO_BIN_EXE_anzen"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("ANZEN_INTERPRET_ONLY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "anzen panicked:\n{stderr}");
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn human_output_clips_long_lines_and_stays_linear() {
    // 1,500 findings on one 42 KB line: printing the whole line for each
    // would be ~63 MB; clipped, each finding is its message and help and a
    // few hundred bytes of source.
    let items: Vec<String> = (0..1_500).map(|i| format!("{{id: s{i:05}, oops{i:05}: 1}}")).collect();
    let text = format!("apiVersion: anzen/v1\nkind: SystemCatalog\nsystems: [{}]\n", items.join(", "));
    let line_len = text.lines().nth(2).unwrap().len();
    let dir = tree("long.yaml", text.as_bytes());
    // Every finding listed (6,000 DOC-002: each item also lacks its required keys).
    let config = "apiVersion: anzen/v1\nkind: Config\nlimits: {max_findings_per_rule: 100000}\n";
    std::fs::write(dir.path().join("anzen.yaml"), config).unwrap();
    let run = bounded(dir.path(), &[], "human");
    let unknown = run.stdout.matches("unknown key `oops").count();
    assert_eq!(unknown, 1_500, "{}", &run.stdout[..run.stdout.len().min(3000)]);
    assert!(
        run.stdout.len() < 1_500 * 4_000,
        "{} bytes of output for a {line_len}-byte line",
        run.stdout.len()
    );
    // The last one is found where it is, past column 65,535, and shown clipped.
    let last = format!("long.yaml:3:{}]", text.lines().nth(2).unwrap().find("oops01499").unwrap() + 1);
    assert!(run.stdout.contains(&last), "no header {last}");
    assert!(run.stdout.contains("{id: s01499, oops01499: 1}]"), "the clipped line shows the span");
    assert!(run.stdout.contains(" 3 │ …"), "and is marked as clipped");
}

#[test]
fn a_finding_past_column_65535_renders() {
    let text = format!(
        "apiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n  - {{id: s2, name: \"{}\", category: other, patient_data: false, bad: 1}}\n",
        "x".repeat(70_000)
    );
    let dir = tree("wide.yaml", text.as_bytes());
    let run = bounded(dir.path(), &[], "human");
    assert!(run.stdout.contains("wide.yaml:4:70062]"), "{}", &run.stdout[..run.stdout.len().min(3000)]);
    assert!(run.stdout.contains("unknown key `bad`"));
}

/// Text that must never reach output raw: ESC (CSI/OSC), BEL, C1 CSI,
/// bidi override, and the XML noncharacters.
const RAW: [char; 6] = ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{fffe}', '\u{ffff}'];

#[test]
fn escape_sequences_from_data_are_shown_visibly() {
    // Keys from data reach messages; the raw U+202E sits in the source line.
    let ledger = "apiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n  - {id: s2, name: x, category: other, patient_data: false, \"k\\e]52;c;aGk=\\a\\e[2J\\u009b1m\\uFFFE\\uFFFF\": 1, \"b\u{202e}gpj\": 2}\n";
    let dir = tree("esc.yaml", ledger.as_bytes());
    for format in ["human", "github", "junit"] {
        let run = bounded(dir.path(), &[], format);
        for c in RAW {
            assert!(!run.stdout.contains(c), "{format}: raw U+{:04X} in output:\n{}", c as u32, run.stdout);
        }
        assert!(run.stdout.contains("\\u{1b}]52;c;aGk=\\u{7}"), "{format}: {}", run.stdout);
        assert!(run.stdout.contains("\\u{202e}"), "{format}: {}", run.stdout);
    }
    // One line per finding: controls become U+FFFD there.
    let run = bounded(dir.path(), &[], "concise");
    for c in RAW {
        assert!(!run.stdout.contains(c), "concise: raw U+{:04X} in output:\n{}", c as u32, run.stdout);
    }
}

#[test]
fn json_and_sarif_spell_hidden_characters_as_json_escapes() {
    // JSON printed to a terminal or a CI log is shown raw: the characters
    // are written as `\uXXXX`, which a JSON reader turns back into them.
    let ledger = "apiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n  - {id: s2, name: x, category: other, patient_data: false, \"k\\e]52;c;aGk=\\a\\u009b1m\\uFFFE\\uFFFF\": 1, \"b\u{202e}gpj\": 2}\n";
    let dir = tree("esc.yaml", ledger.as_bytes());
    for format in ["json", "sarif"] {
        let run = bounded(dir.path(), &[], format);
        for c in RAW {
            assert!(!run.stdout.contains(c), "{format}: raw U+{:04X} in output:\n{}", c as u32, run.stdout);
        }
        assert!(run.stdout.contains("b\\u202egpj"), "{format}: {}", run.stdout);
        assert!(
            run.stdout.contains("\\u001b]52;c;aGk=\\u0007\\u009b1m\\ufffe\\uffff"),
            "{format}: {}",
            run.stdout
        );
        // Read back, the text is the data's own.
        let value: Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(value.to_string().contains("b\u{202e}gpj"), "{format}");
    }
}

#[test]
fn reports_neutralise_markdown_and_bidi_controls_from_data() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("facility.yaml"),
        "apiVersion: anzen/v1\nkind: Facility\nname: \"病院![x](https://evil.example/p.png)[y](https://evil.example) \u{202e}gpj.exe\\e[2J\"\nbeds: 50\nuses_medical_information_systems: true\ngovernance: {}\n",
    )
    .unwrap();
    for format in ["markdown", "html"] {
        let (_, out, err) =
            run_args(dir.path(), &["report", ".", "--as-of", "2025-06-30", "--format", format]);
        assert!(out.contains("病院"), "{format}: {out}{err}");
        for c in RAW {
            assert!(!out.contains(c), "{format}: raw U+{:04X} in output", c as u32);
        }
        if format == "markdown" {
            assert!(
                !out.contains("![x](") && !out.contains("[y]("),
                "markdown: a link or image from data:\n{out}"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_leaving_the_root_does_not_say_where_it_goes() {
    let dir = tree("placeholder.yaml", b"a: 1\n");
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("exists.yaml"), "a: 1\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("exists.yaml"), dir.path().join("a.yaml")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("missing.yaml"), dir.path().join("b.yaml")).unwrap();
    let all = findings(&check(dir.path()));
    let (a, b) = (of(&all, "a.yaml"), of(&all, "b.yaml"));
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_eq!(a[0].4, b[0].4, "an existing and a missing target read the same");
    let outside_name = outside.path().file_name().unwrap().to_string_lossy().into_owned();
    assert!(!a[0].4.contains(&outside_name) && !a[0].4.contains("exists.yaml"), "{:?}", a[0]);
}

#[test]
fn a_big_string_aliased_many_times_is_stopped() {
    // 1 MB of text aliased 9,000 times: few nodes, ~9 GB if copied.
    let mut text = format!("big: &big \"{}\"\ncopies:\n", "x".repeat(1 << 20));
    for _ in 0..9_000 {
        text.push_str("  - *big\n");
    }
    let dir = tree("bomb.yaml", text.as_bytes());
    let run = check(dir.path());
    let all = findings(&run);
    let bomb = of(&all, "bomb.yaml");
    assert_eq!(bomb.len(), 1, "{bomb:?}");
    assert_eq!(bomb[0].0, "DOC-001");
    assert!(bomb[0].4.contains("alias"), "{:?}", bomb[0]);
    assert_good_file_checked(&all);
    // A few copies load.
    let small = format!("big: &big \"{}\"\ncopies: [*big, *big]\n", "x".repeat(1 << 20));
    let dir = tree("small.yaml", small.as_bytes());
    assert!(of(&findings(&check(dir.path())), "small.yaml").is_empty());
}

#[cfg(unix)]
#[test]
fn report_files_are_never_written_through_a_committed_symlink() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    let dir = tree("placeholder.yaml", b"a: 1\n");
    for (flag, file) in
        [("--format", "sarif=anzen.sarif"), ("--output", "out.json"), ("--write-baseline", "base.json")]
    {
        fs::write(&victim, "keep").unwrap();
        let link = dir.path().join(file.rsplit('=').next().unwrap());
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let args = ["check", ".", "--lang", "en", "--as-of", "2025-06-30", "--format", "json", flag, file];
        let (code, _, err) = run_args(dir.path(), &args);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(err.contains("symbolic link"), "{flag}: {err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep", "{flag} wrote through the link");
        // --force writes where the user said.
        let mut forced = args.to_vec();
        forced.push("--force");
        let (code, _, err) = run_args(dir.path(), &forced);
        assert_ne!(code, 2, "{flag} --force: {err}");
        assert_ne!(fs::read_to_string(&victim).unwrap(), "keep", "{flag} --force");
        fs::remove_file(&link).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn config_and_rule_files_are_read_like_documents() {
    let secret = "SECRET-KEY-7c1e9";
    let outside = tempfile::tempdir().unwrap();
    // Not YAML at all: the parse error would quote it.
    fs::write(outside.path().join("credentials"), format!("[default]\naws_secret_access_key = {secret}\n"))
        .unwrap();
    let dir = tree("placeholder.yaml", b"a: 1\n");
    let config = dir.path().join("anzen.yaml");
    std::os::unix::fs::symlink(outside.path().join("credentials"), &config).unwrap();
    let (code, out, err) = run_args(dir.path(), &["check", ".", "--lang", "en", "--as-of", "2025-06-30"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(!out.contains(secret) && !err.contains(secret), "the config link was read:\n{out}{err}");
    assert!(err.contains("symbolic link"), "{err}");
    fs::remove_file(&config).unwrap();

    // A rule file linked out of its directory, or to a device, is refused
    // without being read (a read of /dev/zero would never end).
    fs::create_dir(dir.path().join("rules")).unwrap();
    for target in [outside.path().join("credentials"), Path::new("/dev/zero").to_path_buf()] {
        let link = dir.path().join("rules/XYZ-001.yaml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let (code, out, err) = run_args(
            dir.path(),
            &["check", ".", "--lang", "en", "--as-of", "2025-06-30", "--rules", "rules"],
        );
        assert_eq!(code, 2, "{out}{err}");
        assert!(!out.contains(secret) && !err.contains(secret), "{out}{err}");
        fs::remove_file(&link).unwrap();
    }
}

#[test]
fn a_config_diagnostic_quotes_only_the_offending_line() {
    let dir = tree("placeholder.yaml", b"a: 1\n");
    fs::write(
        dir.path().join("anzen.yaml"),
        "apiVersion: anzen/v1\nkind: Config\nx-token: SECRET-TOKEN-5521\nlimits:\n  max_depth: -5\nx-after: SECRET-AFTER-9\n",
    )
    .unwrap();
    let (code, out, err) = run_args(dir.path(), &["check", ".", "--lang", "en", "--as-of", "2025-06-30"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("max_depth: -5"), "the offending line is shown:\n{err}");
    assert!(!err.contains("SECRET-TOKEN") && !err.contains("SECRET-AFTER"), "other lines are quoted:\n{err}");
}

#[test]
fn data_that_looks_like_a_suppression_silences_nothing() {
    // An id imported from a vendor cell, and a block scalar with a marker
    // line: neither is a comment.
    let text = "apiVersion: anzen/v1\nkind: BackupPlan\nbackups:\n  - {id: \"b2\\\" # anzen:ignore BAK-002,BAK-003 ok\", system: s1, generations: 1, copies: [{id: c2, media: nas, offline: false}]}\n  - id: b3\n    system: s1\n    note: |\n      # anzen:ignore BAK-002 ok\n    generations: 1\n    copies: [{id: c3, media: nas, offline: false}]\n";
    let dir = tree("data.yaml", text.as_bytes());
    let run = check(dir.path());
    let bak2: Vec<&Value> = run.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "BAK-002" && f["file"] == "data.yaml")
        .collect();
    assert_eq!(bak2.len(), 2, "{bak2:?}");
    assert!(bak2.iter().all(|f| f["suppressed"].is_null()), "data suppressed a finding: {bak2:?}");
}

/// Issue 16.7: rules that join two lists (AST-004: systems × assets) are
/// linear in the facility's size. 10,000 systems and 50,000 assets, each
/// asset listing three systems (every odd system is on none) and every
/// tenth one a system that does not exist. The quadratic evaluation did
/// 50,000 × 10,000 = 5·10⁸ asset visits (~200 s in a release build going by
/// the 43 s for 10,000 × 10,000, far more in a debug build), so it
/// cannot finish within the 240 s this run is given; the indexed one takes
/// ~18 s in a debug build (over 60 s when the machine is loaded with four
/// concurrent builds, hence not [`TIMEOUT`]). `rule_timeout_ms` cannot tell
/// them apart: it bounds one evaluation (one rule on one item), and one
/// evaluation of the quadratic code was one pass over the assets (~12 ms).
/// The interpreter (`ANZEN_INTERPRET_ONLY`) stays quadratic: see
/// docs/decisions.md.
#[test]
fn ast_004_is_linear_in_systems_and_assets() {
    const SYSTEMS: usize = 10_000;
    const ASSETS: usize = 50_000;
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("facility.yaml"), FACILITY).unwrap();
    let mut systems = String::from("apiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n");
    for i in 0..SYSTEMS {
        systems.push_str(&format!("  - {{id: sys-{i}, name: n, category: ehr, patient_data: true}}\n"));
    }
    fs::write(dir.path().join("systems.yaml"), systems).unwrap();
    let mut assets = String::from("apiVersion: anzen/v1\nkind: AssetLedger\nassets:\n");
    for i in 0..ASSETS {
        let listed: Vec<String> =
            (0..3).map(|k| format!("sys-{}", 2 * ((3 * i + k) % (SYSTEMS / 2)))).collect();
        let gone = if i % 10 == 0 { format!(", gone-{i}") } else { String::new() };
        assets.push_str(&format!(
            "  - {{id: a-{i}, type: client_pc, location: x, manager: y, systems: [{}{gone}]}}\n",
            listed.join(", ")
        ));
    }
    fs::write(dir.path().join("assets.yaml"), assets).unwrap();
    // All 5,000 AST-004 findings listed (not capped at 1,000 per rule and file).
    let config = "apiVersion: anzen/v1\nkind: Config\nlimits: {max_findings_per_rule: 100000}\n";
    fs::write(dir.path().join("anzen.yaml"), config).unwrap();
    let run =
        bounded_with(dir.path(), &["--select", "AST-004,DOC-005"], "json", false, Duration::from_secs(240));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all = findings(&run);
    let mut unmapped: Vec<u64> = all.iter().filter(|f| f.0 == "AST-004").map(|f| f.2).collect();
    unmapped.sort_unstable();
    // systems.yaml: line 4 is sys-0; the odd systems are on no asset.
    let want: Vec<u64> = (0..SYSTEMS as u64).filter(|i| i % 2 == 1).map(|i| i + 4).collect();
    assert_eq!(unmapped.len(), want.len(), "AST-004 findings");
    assert_eq!(unmapped, want);
    let dangling = all.iter().filter(|f| f.0 == "DOC-005").count();
    assert!(dangling > 0, "DOC-005 for the systems that do not exist");
}

/// Issue 16.15: a user rule cannot allocate without bound within its time
/// budget. Each `.map(s, s + s)` doubles: forty of them would build 2^41
/// bytes (2 TiB) of string, and the list version as much in list slots;
/// the run has a 3 GiB address-space limit. The evaluation is stopped at
/// `limits.max_eval_bytes` (64 MiB by default) with a finding of the rule
/// naming the limit, on the fast path and in the interpreter alike, and the
/// other rules' findings are kept.
#[test]
fn a_user_rule_cannot_build_values_without_bound() {
    let dir = tree("placeholder.yaml", b"a: 1\n");
    fs::create_dir(dir.path().join("rules")).unwrap();
    let doubling = ".map(s, s + s)".repeat(40);
    let lists = ".map(l, l + l)".repeat(40);
    fs::write(
        dir.path().join("rules/XYZ-010.yaml"),
        format!(
            "id: XYZ-010\nname: doubling\nseverity: error\nkinds: [Facility]\ntitle: {{ja: a, en: a}}\ndescription: {{ja: a, en: a}}\nmessage: {{ja: a, en: a}}\nremediation: {{ja: a, en: a}}\nreferences: {{other: [test]}}\nchecks:\n  - for_each: facility\n    condition: \"size(['ab']{doubling}[0]) > 0\"\n"
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("rules/XYZ-011.yaml"),
        format!(
            "id: XYZ-011\nname: list-doubling\nseverity: error\nkinds: [Facility]\ntitle: {{ja: a, en: a}}\ndescription: {{ja: a, en: a}}\nmessage: {{ja: a, en: a}}\nremediation: {{ja: a, en: a}}\nreferences: {{other: [test]}}\nchecks:\n  - for_each: facility\n    condition: \"size([[item.name]]{lists}) > 0\"\n"
        ),
    )
    .unwrap();
    for interpret in [false, true] {
        let run = bounded_with(dir.path(), &["--rules", "rules"], "json", interpret, TIMEOUT);
        assert_eq!(run.code, 0, "interpret {interpret}: {}", run.stderr);
        let all = findings(&run);
        for rule in ["XYZ-010", "XYZ-011"] {
            let stopped: Vec<_> = all.iter().filter(|f| f.0 == rule).collect();
            assert_eq!(stopped.len(), 1, "interpret {interpret}: {all:?}");
            assert!(
                stopped[0].4.contains("limits.max_eval_bytes") && stopped[0].4.contains(rule),
                "interpret {interpret}: {stopped:?}"
            );
        }
        assert_good_file_checked(&all);
        assert!(run.elapsed < Duration::from_secs(30), "interpret {interpret}: {:?}", run.elapsed);
    }
}

//! Both fuzz targets' bodies (`fuzz/bodies/`) on a fixed, deterministic set
//! of inputs, so that `cargo test` (and CI, which has no cargo-fuzz) runs
//! them: `check` on every YAML fixture and on pseudo-random bytes, `expr` on
//! pseudo-random bytes. The fuzz binaries (`cd fuzz && cargo fuzz run …`)
//! run the same bodies on what libFuzzer finds.

#[path = "../fuzz/bodies/check.rs"]
mod check;
#[path = "../fuzz/bodies/expr.rs"]
mod expr;

use std::path::Path;

/// SplitMix64: the same inputs on every run and every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` byte strings of 1 to `max` bytes.
    fn inputs(&mut self, n: usize, max: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|_| {
                let len = 1 + (self.next() as usize) % max;
                (0..len).map(|_| self.next() as u8).collect()
            })
            .collect()
    }
}

fn fixtures(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            fixtures(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") && path.metadata().unwrap().len() < 64 * 1024
        {
            out.push(path);
        }
    }
}

/// The characters YAML-looking inputs are made of.
const YAMLISH: &[u8] = b" -:[]{}\n\"'#&*!|>%@`,?abc0129";

/// Pseudo-random inputs per target (`expr` gets four times as many): a few
/// seconds each in a debug build. `ANZEN_FUZZ_INPUTS=N` runs more, locally.
fn random_inputs() -> usize {
    std::env::var("ANZEN_FUZZ_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(300)
}

#[test]
fn check_target_on_the_fixture_corpus_and_random_bytes() {
    let mut corpus = Vec::new();
    fixtures(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"), &mut corpus);
    corpus.sort();
    assert!(corpus.len() > 100, "{} fixtures", corpus.len());
    for path in &corpus {
        check::run(&std::fs::read(path).unwrap());
    }
    // Bytes, and YAML-looking text: a document header, then the bytes.
    for (i, bytes) in Rng(0x616e_7a65_6e01).inputs(random_inputs(), 200).into_iter().enumerate() {
        let mut yaml = b"apiVersion: anzen/v1\nkind: AssetLedger\nassets:\n  - id: a\n    ".to_vec();
        yaml.extend(bytes.iter().map(|b| YAMLISH[usize::from(*b) % YAMLISH.len()]));
        check::run(if i % 2 == 0 { &bytes } else { &yaml });
    }
}

#[test]
fn expr_target_on_random_bytes() {
    let total = random_inputs() * 4;
    let mut counts = std::collections::HashMap::new();
    for bytes in Rng(0x616e_7a65_6e02).inputs(total, 48) {
        *counts.entry(expr::run(&bytes)).or_insert(0usize) += 1;
    }
    let n = |o| counts.get(&o).copied().unwrap_or(0);
    eprintln!("expr target: {counts:?}");
    // The generator writes CEL, and most of it is on the fast path, where
    // the comparison means something.
    assert!(n(expr::Outcome::Unparsed) * 20 <= total, "{counts:?}");
    assert!(n(expr::Outcome::Agreed) * 3 >= total, "{counts:?}");
}

#[test]
fn expr_inputs_choose_varied_expressions() {
    let sources: std::collections::HashSet<String> =
        Rng(7).inputs(200, 48).iter().map(|b| expr::expression(b)).collect();
    assert!(sources.len() > 150, "{} distinct expressions", sources.len());
    // Every helper of the table is reachable.
    let all: String = Rng(8).inputs(2000, 48).iter().map(|b| expr::expression(b)).collect();
    for spec in anzen::expr::helpers::HELPERS {
        assert!(all.contains(&format!("{}(", spec.name)), "{} never generated", spec.name);
    }
}

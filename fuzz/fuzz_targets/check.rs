//! Fuzz the whole pipeline on arbitrary bytes: see `fuzz/bodies/check.rs`
//! (shared with `tests/fuzz_targets.rs`, which runs it on fixed inputs).

#![no_main]

#[path = "../bodies/check.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

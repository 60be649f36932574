//! Fuzz the two expression evaluators against each other on CEL expressions
//! built from the helper table: see `fuzz/bodies/expr.rs` (shared with
//! `tests/fuzz_targets.rs`, which runs it on fixed inputs).

#![no_main]

#[path = "../bodies/expr.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    body::run(data);
});

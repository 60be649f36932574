//! One integration-test binary (fast to build on two cores): every module
//! runs the real `anzen` binary or the real library pipeline.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod architecture;
mod catalog;
mod ci;
mod cli;
mod fuzz_targets;
mod hostile;
mod import;
mod init;
mod report;
mod rules;
mod scale;
mod stats;
mod support;
mod yaml_suite;

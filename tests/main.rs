//! One integration-test binary (fast to build on two cores): every module
//! runs the real `anzen` binary or the real library pipeline.

mod catalog;
mod cli;
mod rules;
mod support;
mod yaml_suite;

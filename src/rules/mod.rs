//! Rules: the catalogue of rule files (`rules/<ID>.yaml` and `--rules
//! DIR`), parsed, validated and compiled once ([`catalog`]; one rule
//! file at a time in `parse`).
//!
//! May import: `kernel`, `document`, `expr` (the expression language).

pub mod catalog;
pub mod doc;
mod parse;

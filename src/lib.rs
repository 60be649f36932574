//! anzen (安全): a compliance linter for hospital information systems in
//! Japan.
//!
//! A hospital describes its IT as YAML; anzen checks those descriptions
//! against rules derived from MHLW's *Guideline for the Security Management
//! of Medical Information Systems 6.0* and the R7 cybersecurity checklist.
//!
//! ```text
//! discover ──► load ──► validate ──► facility ──► evaluate ──► policy ──► report
//!  paths     spanned     DOC-002      grouping,     rules       overrides   human/json
//!            YAML docs   DOC-006      DOC-004/5/7/8 (CEL)
//! ```
//! Every stage hands on [`finding::Finding`]s; only [`app`] knows the order.

#![forbid(unsafe_code)]

pub mod app;
pub mod assess;
pub mod audit;
pub mod baseline;
pub mod catalog;
pub mod checklist;
pub mod cli;
pub mod config;
pub mod date;
pub mod discover;
pub mod error;
pub mod escape;
pub mod evaluate;
pub mod explain;
pub mod expr;
pub mod facility;
pub mod finding;
pub mod fsutil;
pub mod import;
pub mod init;
pub mod load;
pub mod model;
pub mod policy;
pub mod report;
pub mod source;
pub mod stats;
pub mod suppress;
pub mod survey;
pub mod validate;

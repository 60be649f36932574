//! anzen (安全): a compliance linter for hospital information systems in
//! Japan.
//!
//! A hospital describes its IT as YAML; anzen checks those descriptions
//! against rules derived from MHLW's *Guideline for the Security Management
//! of Medical Information Systems 6.0* and the R7 cybersecurity checklist.
//!
//! The modules, from the bottom up (each may import only those above it in
//! this list; `docs/architecture.md` draws the map):
//!
//! ```text
//! kernel     findings, sources, dates, errors, escaping, embedded files
//! document   spanned YAML, pointers, kinds, the JSON Schemas
//! expr       the rule language: CEL interpreter, fast path, helper table
//! rules      the catalogue of rule files
//! pipeline   discover ─► load ─► validate ─► facility ─► evaluate ─► suppress ─► policy ─► finish
//!            (the engine runs it per facility subtree; config, baseline)
//! assess     one facility's checklist and survey answers; fleet statistics
//! output     check's formats, the checklist report, stats tables
//! import     spreadsheets in and out
//! commands   check, report, stats, rules, explain, schema, init, import, export
//! cli        the command line (clap), in Japanese and English
//! ```

#![forbid(unsafe_code)]

pub mod kernel;

pub mod document;

pub mod expr;

pub mod rules;

pub mod pipeline;

pub mod assess;

pub mod output;

pub mod import;

pub mod commands;

pub mod cli;

//! The pipeline, in the order a check runs it: [`discover`] the files,
//! [`load`] them into documents, [`validate`] them against their schemas,
//! group them into facilities ([`facility`], with the [`facts`] the
//! assessment reads), [`evaluate`] the rules, apply inline suppressions
//! and waivers ([`suppress`]), the configuration's severities and caps
//! ([`policy`]), and [`finish`] each facility's findings. The [`engine`]
//! runs it over a fleet, one facility subtree at a time; [`config`] is
//! what it runs with and [`baseline`] what it may leave out.
//!
//! May import: `kernel`, `document`, `expr` (the expression language),
//! `rules`. Never `assess`, `output`, `commands` or `cli`.

pub mod baseline;
pub mod config;
pub mod discover;
pub mod engine;
pub mod evaluate;
pub mod facility;
pub mod facts;
pub mod finish;
pub mod load;
pub mod policy;
pub mod suppress;
pub mod validate;

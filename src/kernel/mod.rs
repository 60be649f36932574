//! The kernel: types and helpers every layer shares — source files and
//! spans ([`source`]), dates ([`date`]), findings ([`finding`]), fatal
//! errors ([`error`]), terminal escaping ([`escape`]), safe file access
//! ([`fsutil`]), small text helpers ([`text`]) and the embedded files
//! ([`assets`]).
//!
//! May import: nothing of anzen (only the standard library and crates).

pub mod assets;
pub mod date;
pub mod error;
pub mod escape;
pub mod finding;
pub mod fsutil;
pub mod source;
pub mod text;

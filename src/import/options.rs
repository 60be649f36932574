//! What `anzen import` is asked to do: the [`Options`], plain data that the
//! command line (or a test) fills in.

use std::path::PathBuf;

use crate::import::fields::{self, Target};
use crate::import::table::Encoding;

#[derive(Debug)]
pub struct Options {
    pub target: &'static Target,
    pub file: PathBuf,
    pub sheet: Option<String>,
    pub map: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// Write `output` even if it is a symbolic link.
    pub force: bool,
    pub encoding: Encoding,
    pub strict: bool,
    /// `FIELD=VALUE` from `--default`.
    pub defaults: Vec<String>,
    /// `--repo DIR`: the hospital's directory whose VendorRegistry and
    /// SystemCatalog turn names into ids ([`refs`](super::refs)).
    pub repo: Option<PathBuf>,
    /// Top-level entries written before the list, e.g. `("reviewed_on", "R7.4.1")`
    /// (dates are normalised) or `("system", "sys-ehr")`.
    pub top: Vec<(&'static str, String)>,
}

impl Options {
    /// The options of `anzen import assets|accounts`.
    pub fn from_cli(cmd: &crate::cli::ImportCommand) -> Options {
        use crate::cli::{CsvEncoding, ImportCommand};
        let (target, common, top) = match cmd {
            ImportCommand::Assets { common, reviewed_on } => {
                let top = reviewed_on.iter().map(|d| ("reviewed_on", d.clone())).collect();
                (&fields::ASSETS, common, top)
            }
            ImportCommand::Accounts { common, system, exported_on } => {
                let mut top = vec![("system", system.clone())];
                top.extend(exported_on.iter().map(|d| ("exported_on", d.clone())));
                (&fields::ACCOUNTS, common, top)
            }
        };
        Options {
            target,
            file: common.file.clone(),
            sheet: common.sheet.clone(),
            map: common.map.clone(),
            output: common.output.clone(),
            force: common.force,
            encoding: match common.encoding {
                CsvEncoding::Auto => Encoding::Auto,
                CsvEncoding::Utf8 => Encoding::Utf8,
                CsvEncoding::ShiftJis => Encoding::ShiftJis,
            },
            strict: common.strict,
            defaults: common.defaults.clone(),
            repo: common.repo.clone(),
            top,
        }
    }
}

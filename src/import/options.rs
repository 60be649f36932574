//! What `anzen import` is asked to do: the [`Options`], plain data that the
//! command line (`cli::import_opts`) or a test fills in.

use std::path::PathBuf;

use crate::import::fields::Target;
use crate::import::table::Encoding;

/// What to import and how (from the command line).
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

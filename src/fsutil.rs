//! Writing output files without following symbolic links.
//!
//! An output path named on the command line may sit in a repository anzen
//! treats as untrusted: a committed `anzen.sarif -> ../victim` must not make
//! `--format sarif=anzen.sarif` overwrite a file outside the checkout. So
//! an output that is a symbolic link is refused, unless the user passes
//! `--force` (then the link is written through, as they asked). The error
//! does not say where the link points.

use std::fs::File;
use std::path::Path;

use crate::error::Fatal;
use crate::finding::Text;

/// Refuses `path` if it is a symbolic link (and `force` is off).
pub fn check_output(path: &Path, force: bool) -> Result<(), Fatal> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() && !force => Err(Fatal::Said {
            message: Text::new(
                format!("{} はシンボリックリンクです。anzen はリンクを通して書き込みません", path.display()),
                format!("{} is a symbolic link; anzen does not write through links", path.display()),
            ),
            help: Some(Text::new(
                "リンクを消すか、別のファイルを指定するか、--force を付けてください。",
                "remove the link, choose another file, or pass --force",
            )),
        }),
        _ => Ok(()),
    }
}

/// Creates (or truncates) `path` for writing, refusing a symbolic link.
pub fn create(path: &Path, force: bool) -> Result<File, Fatal> {
    check_output(path, force)?;
    File::create(path).map_err(|e| Fatal::Write { path: path.to_path_buf(), source: e })
}

/// Writes `bytes` to `path`, refusing a symbolic link.
pub fn write(path: &Path, bytes: &[u8], force: bool) -> Result<(), Fatal> {
    check_output(path, force)?;
    std::fs::write(path, bytes).map_err(|e| Fatal::Write { path: path.to_path_buf(), source: e })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_link_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("out.csv");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = write(&link, b"x", false).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(!err.contains("victim"), "the target is not named: {err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(create(&link, false).is_err());
        write(&link, b"x", true).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "x");
        // A dangling link is refused too (it would create the target).
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(write(&dangling, b"x", false).is_err());
        assert!(!dir.path().join("nowhere").exists());
        // A regular file or a new one is written.
        write(&dir.path().join("new"), b"y", false).unwrap();
        write(&victim, b"z", false).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "z");
    }
}

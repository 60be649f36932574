//! Writing output files without following symbolic links.
//!
//! An output path named on the command line may sit in a repository anzen
//! treats as untrusted: a committed `anzen.sarif -> ../victim` must not make
//! `--format sarif=anzen.sarif` overwrite a file outside the checkout. So
//! an output that is a symbolic link is refused, unless the user passes
//! `--force` (then the link is written through, as they asked). The error
//! does not say where the link points. The check is made before any work
//! (so a run does not fail at its end), and again by the kernel when the
//! file is opened (`O_NOFOLLOW` on Unix), so a link put in place in between
//! is refused too.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Component, Path};

use crate::kernel::error::Fatal;
use crate::kernel::finding::Text;

/// Refuses `path` if it is a symbolic link (and `force` is off).
pub fn check_output(path: &Path, force: bool) -> Result<(), Fatal> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() && !force => Err(is_a_link(path)),
        _ => Ok(()),
    }
}

fn is_a_link(path: &Path) -> Fatal {
    Fatal::Said {
        message: Text::new(
            format!("{} はシンボリックリンクです。anzen はリンクを通して書き込みません", path.display()),
            format!("{} is a symbolic link; anzen does not write through links", path.display()),
        ),
        help: Some(Text::new(
            "リンクを消すか、別のファイルを指定するか、--force を付けてください。",
            "remove the link, choose another file, or pass --force",
        )),
    }
}

/// Creates (or truncates) `path` for writing, refusing a symbolic link.
pub fn create(path: &Path, force: bool) -> Result<File, Fatal> {
    check_output(path, force)?;
    open(path, force)
}

/// Writes `bytes` to `path`, refusing a symbolic link.
pub fn write(path: &Path, bytes: &[u8], force: bool) -> Result<(), Fatal> {
    check_output(path, force)?;
    open(path, force)?.write_all(bytes).map_err(|e| Fatal::Write { path: path.to_path_buf(), source: e })
}

/// Opens `path` as `File::create` does, but on Unix, unless `force`, with
/// `O_NOFOLLOW`: the kernel refuses a symbolic link in the last component
/// (`ELOOP`), whenever it appeared, and the file is not truncated.
fn open(path: &Path, force: bool) -> Result<File, Fatal> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if !force {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path).map_err(|e| {
        #[cfg(unix)]
        if !force && e.raw_os_error() == Some(libc::ELOOP) {
            return is_a_link(path);
        }
        Fatal::Write { path: path.to_path_buf(), source: e }
    })
}

/// Whether `p` names a YAML file (`.yaml`, `.yml`).
pub fn has_yaml_extension(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// `path` relative to the current directory when it lies below it, with `/`
/// separators and no `./` prefix.
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let rel = match (path.is_absolute(), cwd) {
        (true, Some(cwd)) => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    if parts.is_empty() {
        ".".to_owned()
    } else if parts.len() == 1 && parts[0].is_empty() {
        "/".to_owned()
    } else {
        parts.join("/")
    }
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

    #[test]
    fn a_link_that_appears_after_the_check_is_refused_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let out = dir.path().join("out.sarif");
        // The check passes (nothing there yet) ...
        check_output(&out, false).unwrap();
        // ... then the link is put in place before the file is opened.
        std::os::unix::fs::symlink(&victim, &out).unwrap();
        let err = open(&out, false).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep", "not truncated");
        open(&out, true).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "", "--force writes through");
    }

    #[test]
    fn display_paths_are_relative_and_slashed() {
        let cwd = Path::new("/work/repo");
        assert_eq!(display_path(Path::new("/work/repo/a/b.yaml"), Some(cwd)), "a/b.yaml");
        assert_eq!(display_path(Path::new("./a/b.yaml"), Some(cwd)), "a/b.yaml");
        assert_eq!(display_path(Path::new("/elsewhere/x.yaml"), Some(cwd)), "/elsewhere/x.yaml");
        assert_eq!(display_path(Path::new("."), Some(cwd)), ".");
    }
}

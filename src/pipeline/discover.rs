//! Discover: turn the command line's paths into the list of files to read.
//!
//! Walks directories with the `ignore` crate (honours `.gitignore`, skips
//! `.git` and hidden entries), keeps `.yaml`/`.yml` files, applies the
//! config's `exclude` globs, and decides about symlinks and special files
//! *without opening them*: a symlink leaving the scan root, a symlink loop,
//! a FIFO or a device becomes a [`Problem`] for the loader to report.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use crate::kernel::error::Fatal;
use crate::kernel::fsutil::{display_path, has_yaml_extension};

/// One directory or file named on the command line.
#[derive(Clone, Debug)]
pub struct Root {
    /// The directory documents are grouped under (a named file's parent).
    pub dir: PathBuf,
    /// `dir` as shown to the user.
    pub display: String,
}

/// A file to read, or one that must not be read.
///
/// Kept for every discovered file for the whole run, so it is small: the
/// display name is stored only where it is not the path itself, and the
/// rare problem is boxed.
#[derive(Clone, Debug)]
pub struct FileEntry {
    pub path: Box<Path>,
    /// `path` as shown to the user, when that is not `path` as it stands.
    display: Option<Box<str>>,
    /// Index into [`Discovered::roots`].
    pub root: usize,
    /// Named on the command line (then a file without anzen documents is
    /// reported, SPEC §1).
    pub explicit: bool,
    pub problem: Option<Box<Problem>>,
    /// Its size in bytes when discovered (0 when not known): the scheduler
    /// bounds the YAML in flight by it, never the reader (a file may grow
    /// in between; reading has its own limit).
    pub size: u64,
}

impl FileEntry {
    /// A file under scan root `root`, shown to the user as `display`.
    pub fn new(
        path: PathBuf,
        display: String,
        root: usize,
        problem: Option<Problem>,
        size: u64,
    ) -> FileEntry {
        let display = (path.to_str() != Some(display.as_str())).then(|| display.into_boxed_str());
        FileEntry {
            path: path.into_boxed_path(),
            display,
            root,
            explicit: false,
            problem: problem.map(Box::new),
            size,
        }
    }

    /// The file as shown to the user (relative to the working directory
    /// where it is under it).
    pub fn display(&self) -> &str {
        // `new` keeps the display name unless the path is valid UTF-8 and
        // the same text, so the fallback is that text.
        self.display.as_deref().or_else(|| self.path.to_str()).unwrap_or_default()
    }
}

/// Why a discovered file is not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A symlink that leaves the scan root, or cannot be resolved (broken or
    /// looping). The two are one problem, reported without the target: the
    /// difference would tell whether a path outside the root exists.
    SymlinkUnusable,
    NotRegularFile {
        what: &'static str,
    },
    /// A directory (or entry) the walk could not read.
    Unreadable {
        reason: String,
    },
}

#[derive(Debug, Default)]
pub struct Discovered {
    pub roots: Vec<Root>,
    pub files: Vec<FileEntry>,
}

/// Options that shape the walk.
#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// Gitignore-style globs, relative to each scan root, to skip.
    pub exclude: Vec<String>,
}

/// Walks `paths` in order; files inside each directory in path order.
pub fn walk(paths: &[PathBuf], opts: &WalkOptions) -> Result<Discovered, Fatal> {
    let cwd = std::env::current_dir().ok();
    let mut out = Discovered::default();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|e| Fatal::Path { path: path.clone(), source: e })?;
        let root_index = out.roots.len();
        if meta.is_file() {
            let dir = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
            out.roots.push(Root { display: display_path(&dir, cwd.as_deref()), dir });
            if seen.insert(canonical_or_self(path)) {
                let mut entry = FileEntry::new(
                    path.clone(),
                    display_path(path, cwd.as_deref()),
                    root_index,
                    special_file(&meta),
                    meta.len(),
                );
                entry.explicit = true;
                out.files.push(entry);
            }
            continue;
        }
        out.roots.push(Root { dir: path.clone(), display: display_path(path, cwd.as_deref()) });
        let canonical_root =
            fs::canonicalize(path).map_err(|e| Fatal::Path { path: path.clone(), source: e })?;
        let mut overrides = OverrideBuilder::new(path);
        for glob in &opts.exclude {
            overrides
                .add(&format!("!{glob}"))
                .map_err(|e| Fatal::Glob { glob: glob.clone(), reason: e.to_string() })?;
        }
        let overrides =
            overrides.build().map_err(|e| Fatal::Glob { glob: String::new(), reason: e.to_string() })?;
        let walker = WalkBuilder::new(path)
            .require_git(false)
            .follow_links(false)
            .overrides(overrides)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    // An unreadable directory: report it as a file problem so
                    // the run goes on and the user sees it.
                    if let Some(p) = error_path(&e) {
                        let display = display_path(&p, cwd.as_deref());
                        let problem = Problem::Unreadable { reason: e.to_string() };
                        out.files.push(FileEntry::new(p, display, root_index, Some(problem), 0));
                    }
                    continue;
                }
            };
            let p = entry.path();
            if entry.depth() == 0 || !has_yaml_extension(p) {
                continue;
            }
            let Some(file_type) = entry.file_type() else { continue };
            if file_type.is_dir() {
                continue;
            }
            let (problem, size) = if file_type.is_symlink() {
                match fs::canonicalize(p) {
                    Err(_) => (Some(Problem::SymlinkUnusable), 0),
                    Ok(target) if !target.starts_with(&canonical_root) => (Some(Problem::SymlinkUnusable), 0),
                    Ok(target) => match fs::metadata(&target) {
                        Ok(m) if m.is_dir() => continue,
                        Ok(m) => {
                            if !seen.insert(target) {
                                continue;
                            }
                            (special_file(&m), m.len())
                        }
                        Err(_) => (Some(Problem::SymlinkUnusable), 0),
                    },
                }
            } else {
                if !seen.insert(canonical_or_self(p)) {
                    continue;
                }
                entry.metadata().ok().map_or((None, 0), |m| (special_file(&m), m.len()))
            };
            out.files.push(FileEntry::new(
                p.to_path_buf(),
                display_path(p, cwd.as_deref()),
                root_index,
                problem,
                size,
            ));
        }
    }
    // Kept for the whole run: no spare capacity.
    out.files.shrink_to_fit();
    Ok(out)
}

fn error_path(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}

fn canonical_or_self(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// FIFOs, sockets and devices are never opened (opening a FIFO blocks).
fn special_file(meta: &fs::Metadata) -> Option<Problem> {
    if meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        let what = if t.is_fifo() {
            "FIFO"
        } else if t.is_socket() {
            "socket"
        } else if t.is_block_device() || t.is_char_device() {
            "device"
        } else {
            "special file"
        };
        return Some(Problem::NotRegularFile { what });
    }
    #[allow(unreachable_code)]
    Some(Problem::NotRegularFile { what: "special file" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_name_is_stored_only_where_it_is_not_the_path() {
        let same = FileEntry::new("fleet/h1/assets.yaml".into(), "fleet/h1/assets.yaml".into(), 0, None, 1);
        assert!(same.display.is_none());
        assert_eq!(same.display(), "fleet/h1/assets.yaml");
        let other =
            FileEntry::new("/work/fleet/h1/assets.yaml".into(), "fleet/h1/assets.yaml".into(), 0, None, 1);
        assert_eq!(other.display(), "fleet/h1/assets.yaml");
        assert_eq!(&*other.path, Path::new("/work/fleet/h1/assets.yaml"));
        // One is kept for every file of a fleet for the whole run.
        assert!(std::mem::size_of::<FileEntry>() <= 64, "{}", std::mem::size_of::<FileEntry>());
    }

    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_utf8_keeps_its_display_name() {
        use std::os::unix::ffi::OsStrExt;
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(b"fleet/\xff.yaml"));
        let entry = FileEntry::new(path.clone(), display_path(&path, None), 0, None, 1);
        assert_eq!(entry.display(), "fleet/\u{fffd}.yaml");
    }

    #[test]
    fn a_walk_lists_yaml_files_in_path_order_with_their_sizes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b")).unwrap();
        std::fs::write(dir.path().join("b/facility.yaml"), "kind: Facility\n").unwrap();
        std::fs::write(dir.path().join("a.yml"), "x: 1\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not yaml").unwrap();
        let found = walk(&[dir.path().to_path_buf()], &WalkOptions::default()).unwrap();
        let names: Vec<(String, u64)> = found
            .files
            .iter()
            .map(|f| (f.path.strip_prefix(dir.path()).unwrap().display().to_string(), f.size))
            .collect();
        assert_eq!(names, [("a.yml".to_owned(), 5), ("b/facility.yaml".to_owned(), 15)]);
        assert!(found.files.iter().all(|f| f.problem.is_none() && !f.explicit));
    }
}

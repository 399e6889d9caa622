//! The migration files on disk: listed in the order Alembic loads them, and each read whole,
//! relative to its directory's open handle.
//!
//! With thousands of files the kernel's share is most of the run: opening by a full path walks
//! every component of it, once per file; opening by name in an open directory looks up one.

use super::rules::{self, Source};
use super::script::Script;
use crate::report::Failure;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The migration files of the version locations, in Alembic's order, grouped by directory.
pub struct Listing {
    /// Files are shown relative to this directory where they are below it.
    shown_from: PathBuf,
    dirs: Vec<Dir>,
    pub files: Vec<Migration>,
}

/// A directory that holds migration files.
struct Dir {
    path: PathBuf,
    /// What findings put before a file's name (see `shown_prefix`).
    shown: String,
    /// Opened once for all its files; the error (reported per file, as a file's own would be)
    /// if it cannot be.
    #[cfg(unix)]
    handle: std::io::Result<std::fs::File>,
}

/// One migration file: its directory (an index into the listing's) and its name there.
pub struct Migration {
    dir: usize,
    name: OsString,
}

impl Listing {
    /// The migration files of `dirs`: each location's files sorted by name, then (when
    /// recursive) its subdirectories, sorted, top-down. Files reached twice (the same real
    /// path) count once. Findings name them relative to `shown_from` where they are below it.
    pub fn new(dirs: &[PathBuf], recursive: bool, shown_from: &Path) -> Listing {
        let mut listing = Listing {
            shown_from: shown_from.to_path_buf(),
            dirs: Vec::new(),
            files: Vec::new(),
        };
        let mut seen = std::collections::HashSet::new();
        for dir in dirs {
            let mut todo = vec![dir.clone()];
            while let Some(root) = todo.pop() {
                let Ok(entries) = std::fs::read_dir(&root) else {
                    continue;
                };
                let mut files = Vec::new();
                let mut subdirs = Vec::new();
                for entry in entries.flatten() {
                    let Ok(kind) = entry.file_type() else {
                        continue;
                    };
                    let name = entry.file_name();
                    if kind.is_symlink() {
                        // A link to a directory is not followed; a link to a file counts.
                        if !std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()) {
                            files.push((name, true));
                        }
                    } else if kind.is_dir() {
                        subdirs.push(name);
                    } else {
                        files.push((name, false));
                    }
                }
                let in_cache = root
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with("__pycache__"));
                if !in_cache {
                    // Names within one directory are unique: only several locations, recursion
                    // or a symlink can reach one file twice.
                    let dedupe = dirs.len() > 1 || recursive || files.iter().any(|(_, link)| *link);
                    listing.add_dir(&root, files, dedupe.then_some(&mut seen));
                }
                if !recursive {
                    break;
                }
                subdirs.sort_unstable();
                for name in subdirs.into_iter().rev() {
                    todo.push(root.join(name));
                }
            }
        }
        listing
    }

    /// The migrations among one directory's `files` (name, whether a symlink), in name order;
    /// with `seen`, only those whose real path it does not hold yet.
    fn add_dir(
        &mut self,
        root: &Path,
        mut files: Vec<(OsString, bool)>,
        mut seen: Option<&mut std::collections::HashSet<OsString>>,
    ) {
        files.retain(|(name, _)| rules::counts_as_migration(&name.to_string_lossy()));
        // By name, as Alembic sorts them (byte order is code point order for UTF-8); names
        // are unique, so an unstable sort gives the same order.
        files.sort_unstable();
        if files.is_empty() {
            return;
        }
        // A directory's canonical path, once: a plain file's real path is that plus its name;
        // only symlinks need resolving on their own.
        let real_root = seen
            .is_some()
            .then(|| std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()));
        let dir = self.dirs.len();
        for (name, is_link) in files {
            if let (Some(seen), Some(real_root)) = (seen.as_deref_mut(), &real_root) {
                let real = if is_link {
                    let path = root.join(&name);
                    std::fs::canonicalize(&path).unwrap_or(path)
                } else {
                    real_root.join(&name)
                };
                // As a string: hashing a PathBuf walks its components.
                if !seen.insert(real.into_os_string()) {
                    continue;
                }
            }
            self.files.push(Migration { dir, name });
        }
        self.dirs.push(Dir {
            path: root.to_path_buf(),
            shown: shown_prefix(root, &self.shown_from),
            #[cfg(unix)]
            handle: std::fs::File::open(root),
        });
    }

    /// Where a migration file is (as its version location names it).
    pub fn path(&self, file: &Migration) -> PathBuf {
        self.dirs[file.dir].path.join(&file.name)
    }

    /// Reads one migration file: the source as findings name it and what it declares. The text
    /// is parsed where it was read and not kept.
    pub fn read(&self, file: &Migration) -> Result<(Source, Script), Failure> {
        let cannot = |e: std::io::Error| {
            Failure::invalid(format!("cannot read {}: {e}", self.path(file).display()))
        };
        let mut opened = self.open(file).map_err(cannot)?;
        let script = read_whole(&mut opened, rules::read_bytes).map_err(cannot)?;
        let file_name = file.name.to_string_lossy().into_owned();
        let mut display = self.dirs[file.dir].shown.clone();
        if file_name.contains('\\') {
            display.push_str(&file_name.replace('\\', "/"));
        } else {
            display.push_str(&file_name);
        }
        let source = Source {
            display,
            file_name,
            text: Ok(String::new()),
        };
        Ok((source, script))
    }

    #[cfg(unix)]
    fn open(&self, file: &Migration) -> std::io::Result<std::fs::File> {
        use rustix::fs::{Mode, OFlags};
        let dir = self.dirs[file.dir].handle.as_ref().map_err(clone_error)?;
        rustix::fs::openat(
            dir,
            file.name.as_os_str(),
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY,
            Mode::empty(),
        )
        .map(std::fs::File::from)
        .map_err(|e| std::io::Error::from_raw_os_error(e.raw_os_error()))
    }

    #[cfg(not(unix))]
    fn open(&self, file: &Migration) -> std::io::Result<std::fs::File> {
        std::fs::File::open(self.path(file))
    }
}

/// The part of `display_path(dir/NAME, root)` before NAME, worked out once per directory: a
/// name of one component joins any directory the same way, so only its own text follows.
fn shown_prefix(dir: &Path, root: &Path) -> String {
    let mut shown = super::display_path(&dir.join("n"), root);
    shown.pop();
    shown
}

/// The directory's error again, for each of its files.
#[cfg(unix)]
fn clone_error(e: &std::io::Error) -> std::io::Error {
    match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None => std::io::Error::new(e.kind(), e.to_string()),
    }
}

/// `f` over a whole file, read until a read returns nothing (never taken as complete from one
/// short read). No `stat` or `seek` for a size hint, as `fs::read` does: that doubles the
/// system calls per file. Each thread reads into one buffer it keeps.
fn read_whole<R>(file: &mut std::fs::File, f: impl FnOnce(&[u8]) -> R) -> std::io::Result<R> {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 64 << 10]);
    }
    BUFFER.with_borrow_mut(|buffer| {
        let mut len = 0;
        loop {
            if len == buffer.len() {
                buffer.resize(len * 2, 0);
            }
            match file.read(&mut buffer[len..]) {
                Ok(0) => return Ok(f(&buffer[..len])),
                Ok(n) => len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(listing: &Listing, root: &Path) -> Vec<String> {
        listing
            .files
            .iter()
            .map(|f| super::super::display_path(&listing.path(f), root))
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn each_real_file_once_in_alembic_order() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let v = root.join("versions");
        std::fs::create_dir_all(v.join("sub")).unwrap();
        std::fs::create_dir_all(v.join("__pycache__")).unwrap();
        std::fs::create_dir_all(root.join("elsewhere")).unwrap();
        for f in [
            "b.py",
            "a.py",
            "__init__.py",
            "notes.txt",
            "sub/c.py",
            "__pycache__/x.py",
        ] {
            std::fs::write(v.join(f), "").unwrap();
        }
        std::fs::write(root.join("elsewhere/d.py"), "").unwrap();
        // A link to a sibling is the same file; a link to a directory is not followed.
        symlink(v.join("a.py"), v.join("z_link.py")).unwrap();
        symlink(root.join("elsewhere"), v.join("linked_dir")).unwrap();

        let flat = Listing::new(std::slice::from_ref(&v), false, root);
        assert_eq!(names(&flat, root), ["versions/a.py", "versions/b.py"]);

        let deep = Listing::new(std::slice::from_ref(&v), true, root);
        assert_eq!(
            names(&deep, root),
            ["versions/a.py", "versions/b.py", "versions/sub/c.py"]
        );

        // The same location twice, and one inside the other: every file counts once.
        let twice = Listing::new(&[v.clone(), v.join("sub"), v.clone()], false, root);
        assert_eq!(
            names(&twice, root),
            ["versions/a.py", "versions/b.py", "versions/sub/c.py"]
        );
    }

    /// Each directory's prefix and the file's name: what the whole path, made relative, shows.
    #[test]
    fn files_are_shown_as_their_whole_paths_would_be() {
        let root = Path::new("/w/project");
        for dir in [
            "/w/project/migrations/versions",
            "/w/project/migrations/versions/",
            "/w/project/./migrations//versions",
            "/w/project/a/../versions",
            "/w/project",
            "/w/project/",
            "/elsewhere/versions",
            "relative/versions",
        ] {
            let dir = Path::new(dir);
            for name in ["1_a.py", "back\\slash.py"] {
                assert_eq!(
                    format!("{}{}", shown_prefix(dir, root), name.replace('\\', "/")),
                    super::super::display_path(&dir.join(name), root),
                    "{dir:?} {name}"
                );
            }
        }
    }

    #[test]
    fn reads_each_file_whole_from_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let v = root.join("migrations").join("versions");
        std::fs::create_dir_all(&v).unwrap();
        // Larger than the first buffer: read on until the end, not from one read.
        let big = format!(
            "revision = 'b'\ndown_revision = 'a'\n{}x = 1\n",
            "# padding\n".repeat(10_000)
        );
        std::fs::write(v.join("2_b.py"), &big).unwrap();
        std::fs::write(v.join("1_a.py"), "revision = 'a'\ndown_revision = None\n").unwrap();
        std::fs::write(v.join("3_c.py"), b"revision = 'c'\n\xff\n").unwrap();
        let listing = Listing::new(std::slice::from_ref(&v), false, root);
        let read: Vec<(Source, Script)> = listing
            .files
            .iter()
            .map(|f| listing.read(f).unwrap())
            .collect();
        let shown: Vec<&str> = read.iter().map(|(s, _)| s.display.as_str()).collect();
        assert_eq!(
            shown,
            [
                "migrations/versions/1_a.py",
                "migrations/versions/2_b.py",
                "migrations/versions/3_c.py"
            ]
        );
        assert_eq!(read[1].0.file_name, "2_b.py");
        assert_eq!(read[1].1.down_revision.value().unwrap(), &["a"]);
        assert!(read[1].1.syntax_errors.is_empty());
        assert_eq!(
            read[2].1.syntax_errors[0].message,
            "the file is not valid UTF-8"
        );
        assert_eq!(read[2].1.revision.value().unwrap(), "c");

        // A file gone between the listing and the read is named with the error.
        std::fs::remove_file(v.join("1_a.py")).unwrap();
        let gone = listing.read(&listing.files[0]).unwrap_err();
        assert!(format!("{gone:?}").contains("1_a.py"), "{gone:?}");
    }
}

//! The one way gonogo reads a file, whatever the file is for: a checklist, `gonogo.toml`, an
//! env file, a load report to merge, a CA bundle, a schema, any file of the repository.
//!
//! - Only regular files are read. A FIFO, a device or a socket is refused by name, and never
//!   blocks: its kind is checked before it is opened, the open itself does not wait
//!   (`O_NONBLOCK`, so a FIFO with no writer cannot hang it) and the kind is checked again on
//!   the open descriptor (the path may have changed in between).
//! - At most the limit + 1 bytes are read, whatever size the file claims (`/proc` files say
//!   0): a file over the limit is refused as "too large (over N bytes)", or cut and flagged by
//!   [`read_head`].
//! - A path a repository names (`file=`, `ca=`, `path=`) goes through [`resolve_in_repo`]
//!   first: symlinks are resolved and the target must stay inside the repository. Files the
//!   walk found are read without following a symlink at all ([`RepoFile::read_text`]).

use crate::RepoFile;
use std::fs::{File, FileType, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Instant;

thread_local! {
    static DEADLINE: std::cell::Cell<Option<Instant>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with `deadline` as this thread's deadline: once it has passed, every read on this
/// thread fails at once ([`ReadError::OutOfTime`]), so work that has run past its check's
/// timeout winds down instead of reading on. The runner sets it for each check's thread; code
/// that moves a check's work to another thread carries it over ([`deadline`]); work shared
/// between checks (the walk, cached values) runs with none, so one check's timeout never cuts
/// what another check reads.
pub fn with_deadline<T>(deadline: Option<Instant>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Instant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEADLINE.with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(DEADLINE.with(|d| d.replace(deadline)));
    f()
}

/// This thread's deadline (see [`with_deadline`]).
pub fn deadline() -> Option<Instant> {
    DEADLINE.with(|d| d.get())
}

/// Whether this thread's deadline has passed.
pub fn past_deadline() -> bool {
    deadline().is_some_and(|d| Instant::now() >= d)
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Nothing at that path (or a dangling symlink).
    Missing,
    Io(String),
    /// A FIFO, device, socket or directory: what it is ("a FIFO").
    NotRegular(&'static str),
    /// A symlink whose target leaves the repository.
    OutsideRepo,
    /// More than this many bytes.
    TooLarge(u64),
    /// A NUL byte in the first 8 KiB of a file read as text.
    Binary,
    /// The thread's deadline had passed: not read.
    OutOfTime,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => f.write_str("not found"),
            ReadError::Io(e) => f.write_str(e),
            ReadError::NotRegular(kind) => write!(f, "is {kind}, not a regular file"),
            ReadError::OutsideRepo => f.write_str("resolves outside the repository"),
            ReadError::TooLarge(limit) => write!(f, "too large (over {limit} bytes)"),
            ReadError::Binary => f.write_str("not a text file"),
            ReadError::OutOfTime => f.write_str("not read: the check ran out of time"),
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    fn io(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::Missing,
            _ => ReadError::Io(e.to_string()),
        }
    }
}

/// What a file is when it is not a regular file ("a FIFO"); `None` for a regular file.
pub fn irregular(t: FileType) -> Option<&'static str> {
    if t.is_file() {
        None
    } else if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_symlink() {
        Some("a symbolic link")
    } else {
        Some("an unknown kind of file")
    }
}

fn regular(meta: &Metadata) -> Result<(), ReadError> {
    match irregular(meta.file_type()) {
        None => Ok(()),
        Some(kind) => Err(ReadError::NotRegular(kind)),
    }
}

/// Whether the last component of a path may be a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Links {
    Follow,
    Refuse,
}

/// Open a regular file for reading (see the module documentation); its size as it claims.
fn open_regular(path: &Path, links: Links) -> Result<(File, u64), ReadError> {
    use rustix::fs::OFlags;
    if past_deadline() {
        return Err(ReadError::OutOfTime);
    }
    // Checked before opening, so a device or FIFO is never opened at all.
    let before = match links {
        Links::Follow => std::fs::metadata(path),
        Links::Refuse => std::fs::symlink_metadata(path),
    }
    .map_err(ReadError::io)?;
    regular(&before)?;
    let mut flags = OFlags::NONBLOCK | OFlags::NOCTTY;
    if links == Links::Refuse {
        flags |= OFlags::NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
        .map_err(|e| {
            // O_NOFOLLOW on a symlink: the file was swapped for a link after the check.
            if links == Links::Refuse
                && e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
            {
                ReadError::NotRegular("a symbolic link")
            } else {
                ReadError::io(e)
            }
        })?;
    let meta = file.metadata().map_err(ReadError::io)?;
    regular(&meta)?;
    Ok((file, meta.len()))
}

/// At most `limit` + 1 bytes of `file`.
fn read_upto(file: File, claimed: u64, limit: u64) -> Result<Vec<u8>, ReadError> {
    let cap = limit.saturating_add(1);
    // The claimed size only sizes the buffer; the read itself stops at the cap.
    let mut buf = Vec::with_capacity(claimed.min(cap).min(1 << 20) as usize);
    file.take(cap)
        .read_to_end(&mut buf)
        .map_err(ReadError::io)?;
    Ok(buf)
}

fn read_bytes_with(path: &Path, limit: u64, links: Links) -> Result<Vec<u8>, ReadError> {
    let (file, claimed) = open_regular(path, links)?;
    let bytes = read_upto(file, claimed, limit)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// The whole of a regular file of at most `limit` bytes (symlinks followed).
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_bytes_with(path, limit, Links::Follow)
}

/// The first bytes of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// At most the `n` asked for.
    pub bytes: Vec<u8>,
    /// The file has more than `n` bytes.
    pub cut: bool,
}

/// The first `n` bytes of a regular file (symlinks followed), and whether there is more.
pub fn read_head(path: &Path, n: u64) -> Result<Head, ReadError> {
    read_head_with(path, n, Links::Follow)
}

fn read_head_with(path: &Path, n: u64, links: Links) -> Result<Head, ReadError> {
    let (file, claimed) = open_regular(path, links)?;
    let mut bytes = read_upto(file, claimed, n)?;
    let cut = bytes.len() as u64 > n;
    bytes.truncate(n as usize);
    Ok(Head { bytes, cut })
}

/// Bytes as text: binary files (a NUL byte in the first 8 KiB) are refused, invalid UTF-8
/// sequences replaced.
fn text(bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(ReadError::Binary);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// A regular file of at most `max_bytes` as UTF-8 text (invalid sequences replaced); binary
/// files (a NUL byte in the first 8 KiB) are refused.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, ReadError> {
    text(read_bytes(path, max_bytes)?)
}

/// Files larger than this are not read by static checks (reported, never loaded whole).
pub const MAX_TEXT_BYTES: u64 = 8 * 1024 * 1024;

impl RepoFile {
    /// This file as text, at most `max_bytes`. The walk found a regular file here: a symlink
    /// or a FIFO put in its place since is refused, never followed.
    pub fn read_text(&self, max_bytes: u64) -> Result<String, ReadError> {
        text(read_bytes_with(&self.path, max_bytes, Links::Refuse)?)
    }

    /// The first `n` bytes of this file, and whether there is more (never through a symlink).
    pub fn read_head(&self, n: u64) -> Result<Head, ReadError> {
        read_head_with(&self.path, n, Links::Refuse)
    }
}

/// Reads a repository file as text (at most [`MAX_TEXT_BYTES`]), the reason naming the file.
pub fn read_repo_text(file: &RepoFile) -> Result<String, String> {
    file.read_text(MAX_TEXT_BYTES)
        .map_err(|e| format!("{}: {e}", file.rel))
}

/// `rel` (a path a checklist or config names, relative to `root`) as a path to read, once its
/// symlinks are resolved and the result is known to stay inside `root`. The path returned is
/// `root` joined with `rel` (as shown in evidence); reading it still refuses what is not a
/// regular file.
pub fn resolve_in_repo(root: &Path, rel: impl AsRef<Path>) -> Result<PathBuf, ReadError> {
    let joined = root.join(rel.as_ref());
    let real_root = root.canonicalize().map_err(ReadError::io)?;
    let real = joined.canonicalize().map_err(ReadError::io)?;
    if real.starts_with(&real_root) {
        Ok(joined)
    } else {
        Err(ReadError::OutsideRepo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::time::{Duration, Instant};

    fn fifo(path: &Path) {
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            path,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .expect("mkfifo");
    }

    #[test]
    fn regular_files_are_read_whole_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "0123456789").unwrap();
        assert_eq!(read_bytes(&p, 10).unwrap(), b"0123456789");
        assert_eq!(read_bytes(&p, 9), Err(ReadError::TooLarge(9)));
        assert_eq!(
            read_bytes(&p, 9).unwrap_err().to_string(),
            "too large (over 9 bytes)"
        );
        assert_eq!(read_text(&p, 100).unwrap(), "0123456789");
        let head = read_head(&p, 4).unwrap();
        assert_eq!((head.bytes.as_slice(), head.cut), (&b"0123"[..], true));
        let head = read_head(&p, 10).unwrap();
        assert_eq!((head.bytes.len(), head.cut), (10, false));
        assert_eq!(
            read_bytes(&dir.path().join("none"), 10),
            Err(ReadError::Missing)
        );
    }

    #[test]
    fn endless_and_blocking_files_are_refused_by_name_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("pipe.sql");
        fifo(&pipe);
        let zero = dir.path().join("zero.md");
        symlink("/dev/zero", &zero).unwrap();
        let sock_path = dir.path().join("s.sock");
        let _sock = std::os::unix::net::UnixListener::bind(&sock_path).unwrap();
        let started = Instant::now();
        for (path, kind) in [
            (&pipe, "is a FIFO"),
            (&zero, "is a character device"),
            (&PathBuf::from("/dev/urandom"), "is a character device"),
            (&sock_path, "is a socket"),
            (&dir.path().to_path_buf(), "is a directory"),
        ] {
            let e = read_bytes(path, 1 << 20).unwrap_err().to_string();
            assert!(e.starts_with(kind), "{}: {e}", path.display());
            let e = read_head(path, 16).unwrap_err().to_string();
            assert!(e.starts_with(kind), "{}: {e}", path.display());
        }
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn files_that_claim_no_size_are_still_cut_at_the_limit() {
        // /proc files are regular and claim 0 bytes whatever they hold.
        let e = read_bytes(Path::new("/proc/self/maps"), 16).unwrap_err();
        assert_eq!(e, ReadError::TooLarge(16));
    }

    #[test]
    fn past_its_deadline_a_thread_reads_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "x").unwrap();
        let passed = Instant::now() - Duration::from_millis(1);
        let later = Instant::now() + Duration::from_secs(60);
        with_deadline(Some(passed), || {
            assert_eq!(read_bytes(&p, 10), Err(ReadError::OutOfTime));
            // Shared work runs with no deadline, and the check's comes back after it.
            with_deadline(None, || assert_eq!(read_bytes(&p, 10).unwrap(), b"x"));
            assert!(past_deadline());
        });
        assert_eq!(deadline(), None);
        with_deadline(Some(later), || assert_eq!(read_text(&p, 10).unwrap(), "x"));
        assert_eq!(
            ReadError::OutOfTime.to_string(),
            "not read: the check ran out of time"
        );
    }

    #[test]
    fn walked_files_are_never_read_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.txt"), "x").unwrap();
        symlink(dir.path().join("real.txt"), dir.path().join("link.txt")).unwrap();
        let file = |rel: &str| RepoFile {
            path: dir.path().join(rel),
            rel: rel.into(),
            size: 1,
        };
        assert_eq!(file("real.txt").read_text(10).unwrap(), "x");
        assert_eq!(
            file("link.txt").read_text(10),
            Err(ReadError::NotRegular("a symbolic link"))
        );
        assert_eq!(
            read_repo_text(&file("link.txt")).unwrap_err(),
            "link.txt: is a symbolic link, not a regular file"
        );
    }

    #[test]
    fn repository_paths_must_resolve_inside_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("db")).unwrap();
        std::fs::write(root.join("db/schema.sql"), "CREATE TABLE t (id int);").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
        symlink("db/schema.sql", root.join("inside.sql")).unwrap();
        symlink("../secret.txt", root.join("outside.txt")).unwrap();
        symlink("/dev/zero", root.join("zero.md")).unwrap();
        fifo(&root.join("pipe.sql"));

        let p = resolve_in_repo(&root, "inside.sql").unwrap();
        assert_eq!(p, root.join("inside.sql"));
        assert!(read_text(&p, 100).unwrap().starts_with("CREATE"));
        for rel in ["outside.txt", "zero.md", "../secret.txt", "/etc/passwd"] {
            assert_eq!(
                resolve_in_repo(&root, rel),
                Err(ReadError::OutsideRepo),
                "{rel}"
            );
        }
        assert_eq!(resolve_in_repo(&root, "none.sql"), Err(ReadError::Missing));
        // Inside the repository, but not a file to read.
        let p = resolve_in_repo(&root, "pipe.sql").unwrap();
        assert_eq!(read_text(&p, 100), Err(ReadError::NotRegular("a FIFO")));
    }
}

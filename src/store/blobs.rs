//! [`BlobStore`] on the filesystem: a blob lives at `<dir>/ab/cd/<sha256 hex>` (`ab`, `cd` the
//! first two pairs of hex digits). A put writes a temporary file in the target folder, fsyncs
//! it, renames it into place and fsyncs the folder, so a crash leaves either the whole blob or
//! none; files are the owner's only (0600, folders 0700). Keys are checked before they become
//! file names, so no key reaches outside `dir`.
//!
//! Owns the blob folder layout; must not import sqlx or the repositories.

use crate::licence::blobs::{BlobError, BlobStore, sha256_hex, valid_key, verify};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Blobs under one folder (by default `<data dir>/blobs`).
#[derive(Clone, Debug)]
pub struct FsBlobStore {
    dir: PathBuf,
}

fn io(e: std::io::Error) -> BlobError {
    BlobError::Io(e.to_string())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Make a rename in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The bytes at `path` checked against `key`; `None` when there is no file.
fn read_checked(path: &Path, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
    match std::fs::read(path) {
        Ok(b) => verify(key, &b).map(|()| Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(e)),
    }
}

impl FsBlobStore {
    /// Blobs under `dir` (created on the first put).
    pub fn new(dir: impl Into<PathBuf>) -> FsBlobStore {
        FsBlobStore { dir: dir.into() }
    }

    /// The default place: `<data dir>/blobs`.
    pub fn in_data_dir(data_dir: &Path) -> FsBlobStore {
        FsBlobStore::new(data_dir.join("blobs"))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the blob `key` lives; `BadKey` unless 64 lower-case hex digits.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::BadKey);
        }
        Ok(self.dir.join(&key[0..2]).join(&key[2..4]).join(key))
    }

    fn put_blocking(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let key = sha256_hex(bytes);
        let path = self.path_of(&key)?;
        // Already there and intact: nothing to do. A damaged copy is replaced.
        if let Ok(Some(_)) = read_checked(&path, &key) {
            return Ok(key);
        }
        let folder = path
            .parent()
            .ok_or_else(|| BlobError::Io("blob path has no folder".into()))?;
        create_private_dir(folder).map_err(io)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".put-")
            .tempfile_in(folder)
            .map_err(io)?;
        tmp.write_all(bytes).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&path).map_err(|e| io(e.error))?;
        sync_dir(folder).map_err(io)?;
        Ok(key)
    }

    fn get_blocking(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        read_checked(&self.path_of(key)?, key)
    }
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let this = self.clone();
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || this.put_blocking(&bytes))
            .await
            .map_err(|e| BlobError::Io(e.to_string()))?
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let this = self.clone();
        let key = key.to_string();
        tokio::task::spawn_blocking(move || this.get_blocking(&key))
            .await
            .map_err(|e| BlobError::Io(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, FsBlobStore) {
        let tmp = tempfile::tempdir().unwrap();
        let s = FsBlobStore::in_data_dir(tmp.path());
        (tmp, s)
    }

    #[tokio::test]
    async fn round_trip_in_the_sharded_layout() {
        let (_tmp, s) = store();
        let bytes = b"%OFD sealed licence".to_vec();
        let key = s.put(&bytes).await.unwrap();
        assert_eq!(key, sha256_hex(&bytes));
        let path = s.dir().join(&key[0..2]).join(&key[2..4]).join(&key);
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert_eq!(s.get(&key).await.unwrap().unwrap(), bytes);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "blob readable by others: {mode:o}");
        }
        // Absent is None, not an error; the empty blob is a blob.
        assert!(s.get(&sha256_hex(b"absent")).await.unwrap().is_none());
        let empty = s.put(b"").await.unwrap();
        assert_eq!(s.get(&empty).await.unwrap().unwrap(), b"");
    }

    #[tokio::test]
    async fn put_is_idempotent() {
        let (_tmp, s) = store();
        let a = s.put(b"same").await.unwrap();
        let path = s.path_of(&a).unwrap();
        #[cfg(unix)]
        let inode = || std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
        #[cfg(unix)]
        let before = inode();
        let b = s.put(b"same").await.unwrap();
        assert_eq!(a, b);
        #[cfg(unix)]
        assert_eq!(inode(), before, "an intact blob is not rewritten");
        // No temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from(&a)]);
    }

    #[tokio::test]
    async fn a_tampered_file_is_detected_and_repaired_by_a_put() {
        let (_tmp, s) = store();
        let key = s.put(b"original licence").await.unwrap();
        let path = s.path_of(&key).unwrap();
        std::fs::write(&path, b"altered licence").unwrap();
        match s.get(&key).await {
            Err(BlobError::Corrupt(k)) => assert_eq!(k, key),
            other => panic!("tampered blob read as {other:?}"),
        }
        // Truncation too.
        std::fs::write(&path, b"").unwrap();
        assert!(matches!(s.get(&key).await, Err(BlobError::Corrupt(_))));
        // Putting the real bytes again restores it.
        assert_eq!(s.put(b"original licence").await.unwrap(), key);
        assert_eq!(s.get(&key).await.unwrap().unwrap(), b"original licence");
    }

    #[tokio::test]
    async fn bad_keys_are_refused_before_any_file_access() {
        let (tmp, s) = store();
        // A file outside the store that a traversal would reach.
        std::fs::write(tmp.path().join("secret"), b"x").unwrap();
        let good = sha256_hex(b"x");
        for bad in [
            "",
            "../secret",
            "../../secret",
            "/etc/passwd",
            &good[..63],
            &format!("{good}0"),
            &good.to_uppercase(),
            &format!("ab/cd/{}", &good[6..]),
            &format!("..{}", &good[2..]),
            &format!("{}\0", &good[..63]),
        ] {
            assert!(
                matches!(s.get(bad).await, Err(BlobError::BadKey)),
                "key {bad:?} accepted"
            );
            assert!(s.path_of(bad).is_err());
        }
    }
}

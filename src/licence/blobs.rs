//! Content-addressed storage of the sealed licence files: a file's key is the SHA-256 of its
//! bytes (64 lower-case hex digits), so storing the same file twice is harmless and a file
//! altered at rest is detected on read. The registry row keeps the key
//! ([`super::repo::LicenceRow::document_sha256`]); the bytes live behind [`BlobStore`] (files
//! under the data directory by default, `store::FsBlobStore`), never in database rows.
//!
//! Owns the trait, the key rules and an in-memory store for tests; must not import HTTP or SQL
//! types, the store, `api`, `app` or `cli`.

use std::collections::HashMap;
use std::sync::Mutex;

/// Why a blob could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The key is not 64 lower-case hex digits.
    #[error("a blob key is 64 lower-case hex digits (SHA-256)")]
    BadKey,
    /// The stored bytes no longer hash to their key: altered or damaged at rest.
    #[error("blob {0} is damaged: its content does not match its SHA-256")]
    Corrupt(String),
    /// Reading or writing failed.
    #[error("blob storage: {0}")]
    Io(String),
}

/// SHA-256 of `bytes`, lower-case hex: the key of a blob.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(crate::crypto::sha256(bytes))
}

/// Whether `key` is a well-formed blob key (64 lower-case hex digits). Anything else is
/// refused before it reaches a file name.
pub fn valid_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Check that `bytes` read under `key` still hash to it.
pub fn verify(key: &str, bytes: &[u8]) -> Result<(), BlobError> {
    if sha256_hex(bytes) == key {
        Ok(())
    } else {
        Err(BlobError::Corrupt(key.to_string()))
    }
}

/// Content-addressed blob storage.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Store `bytes` durably and return their key (SHA-256, lower-case hex). Storing the same
    /// bytes again returns the same key and changes nothing.
    async fn put(&self, bytes: &[u8]) -> Result<String, BlobError>;

    /// The bytes stored under `key`, `None` if absent; `BadKey` for a malformed key, `Corrupt`
    /// when the stored bytes do not hash to the key.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;
}

/// Blobs in memory (tests and throw-away regions).
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    blobs: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemoryBlobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.blobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl BlobStore for MemoryBlobStore {
    async fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let key = sha256_hex(bytes);
        self.lock()
            .entry(key.clone())
            .or_insert_with(|| bytes.to_vec());
        Ok(key)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::BadKey);
        }
        let found = self.lock().get(key).cloned();
        if let Some(b) = &found {
            verify(key, b)?;
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let k = sha256_hex(b"abc");
        assert_eq!(
            k,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(valid_key(&k));
        assert!(!valid_key(&k.to_uppercase()));
        assert!(!valid_key(&k[..63]));
        assert!(!valid_key("../../../../etc/passwd"));
        assert!(!valid_key(&format!("{}/", &k[..63])));
        assert!(verify(&k, b"abc").is_ok());
        assert!(matches!(verify(&k, b"abd"), Err(BlobError::Corrupt(_))));
    }

    #[tokio::test]
    async fn memory_round_trip() {
        let s = MemoryBlobStore::new();
        let k = s.put(b"licence").await.unwrap();
        assert_eq!(s.put(b"licence").await.unwrap(), k);
        assert_eq!(s.get(&k).await.unwrap().unwrap(), b"licence");
        assert!(s.get(&sha256_hex(b"other")).await.unwrap().is_none());
        assert!(matches!(s.get("xyz").await, Err(BlobError::BadKey)));
    }
}

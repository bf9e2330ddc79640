//! Licence values at rest: the field values (personal data among them: identity numbers,
//! photos) are stored encrypted with AES-256-GCM under a key derived from the region secret
//! ([`crate::pki::subject::HolderHasher::derive_key`]), the licence identifier as associated
//! data (a row's data cannot be moved to another row). Format: `v1` ‖ 12-byte nonce ‖
//! ciphertext ‖ tag; the plaintext is JSON `{"text": {...}, "images": {key: base64}}`.
//!
//! Owns the encryption of licence data; must not import HTTP, SQL or the store.

use super::fields::Values;
use base64::Engine;
use ring::aead;
use std::collections::BTreeMap;
use zeroize::{Zeroize, Zeroizing};

const VERSION: &[u8; 2] = b"v1";
const LABEL: &[u8] = b"yinxin licence data v1";

/// Encrypts and decrypts licence values.
pub struct Vault {
    key: aead::LessSafeKey,
}

/// Why data cannot be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The stored bytes are not ours or were altered.
    #[error("licence data cannot be decrypted (altered, or another region's key)")]
    Open,
    /// Randomness or encoding failed.
    #[error("licence data cannot be encrypted: {0}")]
    Seal(String),
}

/// The plaintext as read back.
#[derive(serde::Deserialize)]
struct Plain {
    text: BTreeMap<String, String>,
    images: BTreeMap<String, String>,
}

/// The plaintext as written: the values borrowed, not copied; the pictures' base64 copies are
/// wiped when it is dropped.
#[derive(serde::Serialize)]
struct PlainRef<'a> {
    text: &'a BTreeMap<String, String>,
    images: BTreeMap<&'a str, String>,
}

impl Drop for PlainRef<'_> {
    fn drop(&mut self) {
        self.images.values_mut().for_each(Zeroize::zeroize);
    }
}

impl Vault {
    /// The vault of a region (its holder hasher holds the region secret).
    pub fn new(hasher: &crate::pki::subject::HolderHasher) -> Vault {
        let k = hasher.derive_key(LABEL);
        let unbound = aead::UnboundKey::new(&aead::AES_256_GCM, k.as_ref())
            .expect("a 32-byte key is an AES-256 key");
        Vault {
            key: aead::LessSafeKey::new(unbound),
        }
    }

    /// Encrypt `values` for the licence `identifier`.
    pub fn seal(&self, identifier: &str, values: &Values) -> Result<Vec<u8>, VaultError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let plain = PlainRef {
            text: &values.text,
            images: values
                .images
                .iter()
                .map(|(k, v)| (k.as_str(), b64.encode(v)))
                .collect(),
        };
        // Encrypted in place: the plaintext bytes are overwritten by the ciphertext. Sized up
        // front (room for escapes and the tag) so that, for values without control
        // characters, no reallocation leaves a plaintext copy behind.
        let size: usize = plain
            .text
            .iter()
            .map(|(k, v)| k.len() + 2 * v.len() + 8)
            .sum::<usize>()
            + plain
                .images
                .iter()
                .map(|(k, v)| k.len() + v.len() + 8)
                .sum::<usize>()
            + 64;
        let mut body = Vec::with_capacity(size);
        serde_json::to_writer(&mut body, &plain).map_err(|e| VaultError::Seal(e.to_string()))?;
        drop(plain);
        let mut nonce = [0u8; 12];
        crate::crypto::random_bytes(&mut nonce).map_err(|e| VaultError::Seal(e.to_string()))?;
        self.key
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(identifier.as_bytes()),
                &mut body,
            )
            .map_err(|_| VaultError::Seal("AES-GCM".into()))?;
        let mut out = Vec::with_capacity(2 + 12 + body.len());
        out.extend_from_slice(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decrypt what [`Vault::seal`] wrote for `identifier`.
    pub fn open(&self, identifier: &str, stored: &[u8]) -> Result<Values, VaultError> {
        if stored.len() < 2 + 12 + 16 || &stored[..2] != VERSION {
            return Err(VaultError::Open);
        }
        let nonce: [u8; 12] = stored[2..14].try_into().map_err(|_| VaultError::Open)?;
        let mut body = Zeroizing::new(stored[14..].to_vec());
        let plain = self
            .key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(identifier.as_bytes()),
                &mut body,
            )
            .map_err(|_| VaultError::Open)?;
        let p: Plain = serde_json::from_slice(plain).map_err(|_| VaultError::Open)?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut images = BTreeMap::new();
        for (k, mut v) in p.images {
            let decoded = b64.decode(&v);
            v.zeroize();
            images.insert(k, decoded.map_err(|_| VaultError::Open)?);
        }
        Ok(Values {
            text: p.text,
            images,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_bound_to_the_identifier_and_the_key() {
        let v = Vault::new(&crate::pki::subject::HolderHasher::new(vec![1; 32]));
        let mut values = Values::default();
        values
            .text
            .insert("id_number".into(), "11010519491231002X".into());
        values.images.insert("photo".into(), vec![0x89, b'P']);
        let stored = v.seal("id-1", &values).unwrap();
        assert!(
            !stored.windows(18).any(|w| w == b"11010519491231002X"),
            "no identity number in clear"
        );
        assert_eq!(v.open("id-1", &stored).unwrap(), values);
        assert!(v.open("id-2", &stored).is_err(), "moved to another row");
        let other = Vault::new(&crate::pki::subject::HolderHasher::new(vec![2; 32]));
        assert!(other.open("id-1", &stored).is_err(), "another region's key");
        let mut altered = stored.clone();
        let n = altered.len();
        altered[n - 1] ^= 1;
        assert!(v.open("id-1", &altered).is_err());
    }
}

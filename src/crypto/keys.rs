//! Private keys and how they are kept at rest.
//!
//! A key at rest is an encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`) using
//! PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC: the scheme OpenSSL 3 opens with
//! `openssl pkey -passin`. Files are written with mode 0600 inside a 0700 directory and are
//! never overwritten. Decrypted key material lives in types that zeroize on drop
//! (`sm2::SecretKey`, `p256::SecretKey`, `Zeroizing` buffers); passphrases are [`Passphrase`].

use super::{Algorithm, CryptoError, SoftwareSigner, oid, random_bytes};
use der::{Decode, asn1::ObjectIdentifier};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, pkcs5::pbes2};
use spki::EncodePublicKey;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// PBKDF2 iteration count for keys written by yinxin. High enough to slow offline guessing
/// (OWASP 2023 suggests 600,000 for PBKDF2-HMAC-SHA256) while keeping a CA start-up or a
/// generated-key response well under a second.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// A passphrase that protects keys at rest. Zeroized on drop; its `Debug` hides the value.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wrap a passphrase. Trailing newline characters (as left by `echo` into a file) are removed.
    pub fn new(mut s: String) -> Result<Self, CryptoError> {
        while s.ends_with('\n') || s.ends_with('\r') {
            s.pop();
        }
        let p = Passphrase(Zeroizing::new(s));
        if p.0.is_empty() {
            return Err(CryptoError::InvalidPrivateKey(
                "passphrase".into(),
                "the passphrase is empty".into(),
            ));
        }
        Ok(p)
    }

    /// Read a passphrase from a file (first line).
    pub fn from_file(path: &Path) -> Result<Self, CryptoError> {
        let raw = Zeroizing::new(fs::read_to_string(path).map_err(|e| {
            CryptoError::Io(format!(
                "cannot read passphrase file {}: {e}",
                path.display()
            ))
        })?);
        let first = raw.lines().next().unwrap_or("").to_string();
        Self::new(first)
    }

    /// A fresh random passphrase (32 random bytes, base64url), for demo regions.
    pub fn generate() -> Result<Self, CryptoError> {
        use base64::Engine;
        let mut b = Zeroizing::new([0u8; 32]);
        random_bytes(b.as_mut())?;
        Self::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b.as_ref()))
    }

    /// The passphrase bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The passphrase text (for writing a demo passphrase file only).
    pub fn expose_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// A private key of one of yinxin's signing algorithms. Zeroized on drop.
pub enum PrivateKey {
    /// SM2 key.
    Sm2(sm2::SecretKey),
    /// NIST P-256 key.
    P256(p256::SecretKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({}, <redacted>)", self.algorithm())
    }
}

impl PrivateKey {
    /// Generate a fresh key from the operating system's CSPRNG.
    pub fn generate(alg: Algorithm) -> Result<Self, CryptoError> {
        // Rejection sampling: a 32-byte string is a valid scalar unless it is zero or >= n.
        for _ in 0..64 {
            let mut bytes = Zeroizing::new([0u8; 32]);
            random_bytes(bytes.as_mut())?;
            let key = match alg {
                Algorithm::Sm2 => sm2::SecretKey::from_slice(bytes.as_ref())
                    .ok()
                    .map(PrivateKey::Sm2),
                Algorithm::P256 => p256::SecretKey::from_slice(bytes.as_ref())
                    .ok()
                    .map(PrivateKey::P256),
            };
            if let Some(k) = key {
                return Ok(k);
            }
        }
        Err(CryptoError::Rng)
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            PrivateKey::Sm2(_) => Algorithm::Sm2,
            PrivateKey::P256(_) => Algorithm::P256,
        }
    }

    /// DER SubjectPublicKeyInfo of the public half (id-ecPublicKey + named curve).
    pub fn public_key_spki_der(&self) -> Result<Vec<u8>, CryptoError> {
        let doc = match self {
            PrivateKey::Sm2(k) => k.public_key().to_public_key_der(),
            PrivateKey::P256(k) => k.public_key().to_public_key_der(),
        }
        .map_err(|e| CryptoError::Encoding(e.to_string()))?;
        Ok(doc.as_bytes().to_vec())
    }

    /// Unencrypted PKCS#8 DER, zeroized when dropped. Only for encrypting or loading.
    fn to_pkcs8_der(&self) -> Result<pkcs8::SecretDocument, CryptoError> {
        match self {
            PrivateKey::Sm2(k) => k.to_pkcs8_der(),
            PrivateKey::P256(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| CryptoError::Encoding(e.to_string()))
    }

    /// Encrypted PKCS#8 PEM (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) under `passphrase`.
    pub fn to_encrypted_pem(&self, passphrase: &Passphrase) -> Result<String, CryptoError> {
        self.to_encrypted_pem_with_iterations(passphrase, PBKDF2_ITERATIONS)
    }

    /// As [`Self::to_encrypted_pem`] with an explicit PBKDF2 iteration count.
    pub fn to_encrypted_pem_with_iterations(
        &self,
        passphrase: &Passphrase,
        iterations: u32,
    ) -> Result<String, CryptoError> {
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        random_bytes(&mut salt)?;
        random_bytes(&mut iv)?;
        let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &salt, iv)
            .map_err(|e| CryptoError::Encoding(e.to_string()))?;
        let plain = self.to_pkcs8_der()?;
        let info = pkcs8::PrivateKeyInfoRef::try_from(plain.as_bytes())
            .map_err(|e| CryptoError::Encoding(e.to_string()))?;
        let enc = info
            .encrypt_with_params(params, passphrase.expose())
            .map_err(|e| CryptoError::Encoding(e.to_string()))?;
        let pem = der::pem::encode_string(
            "ENCRYPTED PRIVATE KEY",
            der::pem::LineEnding::LF,
            enc.as_bytes(),
        )
        .map_err(|e| CryptoError::Encoding(e.to_string()))?;
        Ok(pem)
    }

    /// Open an encrypted PKCS#8 PEM. `label` names the key in error messages.
    pub fn from_encrypted_pem(
        pem: &str,
        passphrase: &Passphrase,
        label: &str,
    ) -> Result<Self, CryptoError> {
        let (pem_label, der_bytes) = der::pem::decode_vec(pem.as_bytes())
            .map_err(|e| CryptoError::InvalidPrivateKey(label.into(), e.to_string()))?;
        if pem_label != "ENCRYPTED PRIVATE KEY" {
            return Err(CryptoError::InvalidPrivateKey(
                label.into(),
                format!("expected an ENCRYPTED PRIVATE KEY, found {pem_label}"),
            ));
        }
        let enc = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der_bytes)
            .map_err(|e| CryptoError::InvalidPrivateKey(label.into(), e.to_string()))?;
        let plain = enc
            .decrypt(passphrase.expose())
            .map_err(|_| CryptoError::Decrypt(label.into()))?;
        Self::from_pkcs8_der(plain.as_bytes(), label)
    }

    /// Parse an unencrypted PKCS#8 DER (an EC key on the SM2 or P-256 curve).
    pub fn from_pkcs8_der(der_bytes: &[u8], label: &str) -> Result<Self, CryptoError> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der_bytes)
            .map_err(|e| CryptoError::InvalidPrivateKey(label.into(), e.to_string()))?;
        let alg = info.algorithm.oid;
        let curve: Option<ObjectIdentifier> = info
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        let bad = |m: String| CryptoError::InvalidPrivateKey(label.into(), m);
        if alg == oid::SM2_CURVE || (alg == oid::EC_PUBLIC_KEY && curve == Some(oid::SM2_CURVE)) {
            sm2::SecretKey::from_pkcs8_der(der_bytes)
                .map(PrivateKey::Sm2)
                .map_err(|e| bad(e.to_string()))
        } else if alg == oid::EC_PUBLIC_KEY && curve == Some(oid::P256_CURVE) {
            p256::SecretKey::from_pkcs8_der(der_bytes)
                .map(PrivateKey::P256)
                .map_err(|e| bad(e.to_string()))
        } else {
            Err(bad(format!(
                "unsupported key algorithm {alg} (curve {:?}); expected SM2 or P-256",
                curve.map(|c| c.to_string())
            )))
        }
    }

    /// A signer for this key.
    pub fn signer(&self) -> Result<SoftwareSigner, CryptoError> {
        SoftwareSigner::new(self)
    }

    /// Encode the raw private scalar (zeroized buffer), for building signing keys.
    pub(crate) fn scalar_bytes(&self) -> Zeroizing<Vec<u8>> {
        match self {
            PrivateKey::Sm2(k) => Zeroizing::new(k.to_bytes().to_vec()),
            PrivateKey::P256(k) => Zeroizing::new(k.to_bytes().to_vec()),
        }
    }
}

/// A directory of encrypted keys: `DIR/<id>.pem`, mode 0600, directory mode 0700.
#[derive(Clone, Debug)]
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    /// A key store rooted at `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        KeyStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, id: &str) -> Result<PathBuf, CryptoError> {
        let ok = !id.is_empty()
            && id.len() <= 128
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            && !id.starts_with('.');
        if !ok {
            return Err(CryptoError::Io(format!("invalid key id '{id}'")));
        }
        Ok(self.dir.join(format!("{id}.pem")))
    }

    /// Whether a key with this id exists.
    pub fn contains(&self, id: &str) -> bool {
        self.path_of(id).map(|p| p.exists()).unwrap_or(false)
    }

    /// Encrypt and store a key under `id`. Refuses to overwrite an existing key.
    pub fn save(
        &self,
        id: &str,
        key: &PrivateKey,
        passphrase: &Passphrase,
    ) -> Result<PathBuf, CryptoError> {
        let path = self.path_of(id)?;
        create_private_dir(&self.dir)?;
        let pem = key.to_encrypted_pem(passphrase)?;
        write_private_file(&path, pem.as_bytes())?;
        Ok(path)
    }

    /// Load and decrypt the key stored under `id`.
    pub fn load(&self, id: &str, passphrase: &Passphrase) -> Result<PrivateKey, CryptoError> {
        let path = self.path_of(id)?;
        let pem =
            Zeroizing::new(fs::read_to_string(&path).map_err(|e| {
                CryptoError::Io(format!("cannot read key {}: {e}", path.display()))
            })?);
        PrivateKey::from_encrypted_pem(&pem, passphrase, id)
    }
}

/// Most decrypted keys a [`DecryptedKeys`] holds; when full it starts again empty.
const DECRYPTED_KEYS: usize = 1024;

/// Signers over keys of a [`KeyStore`], kept once decrypted: decrypting a stored key costs a
/// password-based key derivation (PBKDF2, tens of milliseconds), which a server signing with
/// the same imported key on every request (server-side sealing, e-licence issuing) would pay
/// each time. The key file is read on every call and the signer is reused only for the same
/// id, the same encrypted bytes and the same passphrase (an entry is found by the SHA-256 of
/// the three), so a replaced, removed or unreadable key file, or another passphrase, gives
/// exactly what [`KeyStore::load`] would. Bounded ([`DECRYPTED_KEYS`] entries).
#[derive(Default)]
pub struct DecryptedKeys {
    entries: std::sync::Mutex<std::collections::HashMap<[u8; 32], std::sync::Arc<SoftwareSigner>>>,
}

impl DecryptedKeys {
    /// The signer over the key `id` of `store`, decrypted with `passphrase` (as
    /// [`KeyStore::load`] then [`PrivateKey::signer`]).
    pub fn signer(
        &self,
        store: &KeyStore,
        id: &str,
        passphrase: &Passphrase,
    ) -> Result<std::sync::Arc<SoftwareSigner>, CryptoError> {
        let path = store.path_of(id)?;
        let pem =
            Zeroizing::new(fs::read_to_string(&path).map_err(|e| {
                CryptoError::Io(format!("cannot read key {}: {e}", path.display()))
            })?);
        let mut material = Zeroizing::new(Vec::with_capacity(id.len() + pem.len() + 80));
        for part in [id.as_bytes(), pem.as_bytes(), passphrase.expose()] {
            material.extend_from_slice(&(part.len() as u64).to_be_bytes());
            material.extend_from_slice(part);
        }
        let entry = super::sha256(&material);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = entries.get(&entry) {
            return Ok(s.clone());
        }
        drop(entries);
        let signer =
            std::sync::Arc::new(PrivateKey::from_encrypted_pem(&pem, passphrase, id)?.signer()?);
        entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= DECRYPTED_KEYS {
            entries.clear();
        }
        entries.insert(entry, signer.clone());
        Ok(signer)
    }
}

/// Create a directory (and parents) readable only by the owner.
pub fn create_private_dir(dir: &Path) -> Result<(), CryptoError> {
    fs::create_dir_all(dir)
        .map_err(|e| CryptoError::Io(format!("cannot create {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| CryptoError::Io(format!("cannot protect {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// Refuse a key directory others can enter or key files others can read: `dir` must have no
/// group or other permission bits (0700), nor any file in it (0600). The error names the path
/// and the command that fixes it.
pub fn check_private_tree(dir: &Path) -> Result<(), CryptoError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| {
            fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .map_err(|e| CryptoError::Io(format!("cannot read {}: {e}", p.display())))
        };
        let open = |p: &Path, m: u32, fix: &str| {
            CryptoError::Io(format!(
                "{} is open to other users (mode {m:o}): run `chmod {fix} {}` and start again",
                p.display(),
                p.display()
            ))
        };
        let m = mode(dir)?;
        if m & 0o077 != 0 {
            return Err(open(dir, m, "700"));
        }
        let entries = fs::read_dir(dir)
            .map_err(|e| CryptoError::Io(format!("cannot read {}: {e}", dir.display())))?;
        for e in entries {
            let p = e
                .map_err(|e| CryptoError::Io(format!("cannot read {}: {e}", dir.display())))?
                .path();
            if p.is_dir() {
                check_private_tree(&p)?;
            } else {
                let m = mode(&p)?;
                if m & 0o077 != 0 {
                    return Err(open(&p, m, "600"));
                }
            }
        }
    }
    Ok(())
}

/// Write a new file with mode 0600; fails if it exists. The data is synced to disk.
pub fn write_private_file(path: &Path, data: &[u8]) -> Result<(), CryptoError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| CryptoError::Io(format!("cannot create {}: {e}", path.display())))?;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(|e| CryptoError::Io(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

/// Parse a DER SubjectPublicKeyInfo's algorithm and curve, for callers that need to tell keys apart.
pub fn spki_algorithm(
    spki_der: &[u8],
) -> Result<(ObjectIdentifier, Option<ObjectIdentifier>), CryptoError> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| CryptoError::MalformedKey(e.to_string()))?;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    Ok((spki.algorithm.oid, curve))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Signer;

    #[test]
    fn decrypted_keys_follow_the_file_and_the_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::new(dir.path().join("keys"));
        let pass = Passphrase::new("decrypted-keys-test-0001".into()).unwrap();
        let other = Passphrase::new("another-passphrase-0002".into()).unwrap();
        let a = PrivateKey::generate(Algorithm::Sm2).unwrap();
        store.save("signer-a", &a, &pass).unwrap();
        let keys = DecryptedKeys::default();
        let first = keys.signer(&store, "signer-a", &pass).unwrap();
        assert_eq!(first.public_key_spki(), a.public_key_spki_der().unwrap());
        // The same file and passphrase: the same signer, no second decryption.
        let again = keys.signer(&store, "signer-a", &pass).unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &again));
        // Another passphrase fails as loading does.
        assert!(keys.signer(&store, "signer-a", &other).is_err());
        // A replaced key file gives the new key; a removed one fails.
        let path = store.dir().join("signer-a.pem");
        std::fs::remove_file(&path).unwrap();
        assert!(keys.signer(&store, "signer-a", &pass).is_err());
        let b = PrivateKey::generate(Algorithm::Sm2).unwrap();
        store.save("signer-a", &b, &pass).unwrap();
        let replaced = keys.signer(&store, "signer-a", &pass).unwrap();
        assert_eq!(replaced.public_key_spki(), b.public_key_spki_der().unwrap());
        assert!(keys.signer(&store, "../x", &pass).is_err());
    }
}

//! The region's secrets that are not certified keys, stored in the key store encrypted under
//! the passphrase (PBES2): the holder-hash salt (made at init, loaded to build the
//! [`HolderHasher`]) and the transparency log's Ed25519 seeds (the checkpoint key and the
//! witness key; made at init, or at the first start of a region made before the log).
//!
//! Must not import: certificates, profiles or the repository.

use super::{RegionError, key_dir};
use crate::crypto::keys::write_private_file;
use crate::crypto::{CryptoError, Passphrase, random_bytes};
use crate::pki::subject::HolderHasher;
use der::{Decode, Encode};
use std::path::Path;

pub(super) const SALT_FILE: &str = "holder-salt.pem";
const SALT_LABEL: &str = "YINXIN ENCRYPTED SECRET";

pub(super) fn save_salt(dir: &Path, salt: &[u8], pass: &Passphrase) -> Result<(), RegionError> {
    save_secret(dir, SALT_FILE, salt, pass)
}

/// The transparency log's checkpoint key seed.
pub const LOG_KEY_FILE: &str = "log-key.pem";
/// This region's witness key seed.
pub const WITNESS_KEY_FILE: &str = "witness-key.pem";

/// The seeds of the log's checkpoint key and of the region's witness key, made (and saved)
/// when missing.
pub fn log_seeds(
    data_dir: &Path,
    pass: &Passphrase,
) -> Result<[zeroize::Zeroizing<Vec<u8>>; 2], RegionError> {
    let dir = key_dir(data_dir);
    let mut out = Vec::with_capacity(2);
    for file in [LOG_KEY_FILE, WITNESS_KEY_FILE] {
        if !dir.join(file).exists() {
            let mut seed = zeroize::Zeroizing::new(vec![0u8; 32]);
            random_bytes(&mut seed)?;
            save_secret(&dir, file, &seed, pass)?;
        }
        out.push(load_secret(data_dir, file, pass)?);
    }
    let [a, b]: [zeroize::Zeroizing<Vec<u8>>; 2] = out
        .try_into()
        .map_err(|_| RegionError::Build("log seeds".into()))?;
    Ok([a, b])
}

/// Save `secret` encrypted under `pass` as `dir/file`.
fn save_secret(
    dir: &Path,
    file: &str,
    secret: &[u8],
    pass: &Passphrase,
) -> Result<(), RegionError> {
    use pkcs8::pkcs5::pbes2;
    let mut s = [0u8; 16];
    let mut iv = [0u8; 16];
    random_bytes(&mut s)?;
    random_bytes(&mut iv)?;
    let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
        crate::crypto::keys::PBKDF2_ITERATIONS,
        &s,
        iv,
    )
    .map_err(|e| RegionError::Build(e.to_string()))?;
    let plain = zeroize::Zeroizing::new(
        der::asn1::OctetString::new(secret)
            .and_then(|o| o.to_der())
            .map_err(|e| RegionError::Build(e.to_string()))?,
    );
    let ct = params
        .encrypt(pass.expose(), &plain)
        .map_err(|e| RegionError::Build(e.to_string()))?;
    let enc = pkcs8::EncryptedPrivateKeyInfoOwned {
        encryption_algorithm: params.into(),
        encrypted_data: der::asn1::OctetString::new(ct)
            .map_err(|e| RegionError::Build(e.to_string()))?,
    }
    .to_der()
    .map_err(|e| RegionError::Build(e.to_string()))?;
    let pem = der::pem::encode_string(SALT_LABEL, der::pem::LineEnding::LF, &enc)
        .map_err(|e| RegionError::Build(e.to_string()))?;
    write_private_file(&dir.join(file), pem.as_bytes())?;
    Ok(())
}

/// Load the region's holder-hash salt.
pub fn load_holder_hasher(data_dir: &Path, pass: &Passphrase) -> Result<HolderHasher, RegionError> {
    Ok(HolderHasher::new(
        load_secret(data_dir, SALT_FILE, pass)?.to_vec(),
    ))
}

/// Load the secret `file` of the key store.
fn load_secret(
    data_dir: &Path,
    file: &str,
    pass: &Passphrase,
) -> Result<zeroize::Zeroizing<Vec<u8>>, RegionError> {
    let path = key_dir(data_dir).join(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| RegionError::Io(format!("cannot read {}: {e}", path.display())))?;
    let (label, der_bytes) = der::pem::decode_vec(text.as_bytes())
        .map_err(|e| RegionError::Io(format!("{}: {e}", path.display())))?;
    if label != SALT_LABEL {
        return Err(RegionError::Io(format!(
            "{}: unexpected PEM label {label}",
            path.display()
        )));
    }
    let enc = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der_bytes)
        .map_err(|e| RegionError::Io(format!("{}: {e}", path.display())))?;
    let plain = zeroize::Zeroizing::new(
        enc.encryption_algorithm
            .decrypt(pass.expose(), enc.encrypted_data.as_bytes())
            .map_err(|_| CryptoError::Decrypt(file.into()))?,
    );
    let os =
        der::asn1::OctetString::from_der(&plain).map_err(|e| RegionError::Io(e.to_string()))?;
    Ok(zeroize::Zeroizing::new(os.as_bytes().to_vec()))
}

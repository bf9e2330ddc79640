//! The region's holder-hash salt: made at init, stored in the key store encrypted under the
//! passphrase (PBES2), and loaded to build the [`HolderHasher`].
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
        der::asn1::OctetString::new(salt)
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
    write_private_file(&dir.join(SALT_FILE), pem.as_bytes())?;
    Ok(())
}

/// Load the region's holder-hash salt.
pub fn load_holder_hasher(data_dir: &Path, pass: &Passphrase) -> Result<HolderHasher, RegionError> {
    let path = key_dir(data_dir).join(SALT_FILE);
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
            .map_err(|_| CryptoError::Decrypt(SALT_FILE.into()))?,
    );
    let os =
        der::asn1::OctetString::from_der(&plain).map_err(|e| RegionError::Io(e.to_string()))?;
    Ok(HolderHasher::new(os.as_bytes().to_vec()))
}

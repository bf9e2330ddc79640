//! What the command handlers share: the data directory arguments, the key store passphrase,
//! opening the store, reading certificates and keys, writing output files, the audit actor.
//!
//! Owns: argument and file plumbing of the command line. Must not import `api` or `app`.

use super::CliError;
use super::locale;
use crate::crypto::Passphrase;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug, Clone)]
pub(super) struct DataArgs {
    /// Data directory of the region.
    #[arg(long, env = "YINXIN_DATA_DIR", default_value = "data")]
    pub(super) data_dir: PathBuf,
    /// Database URL (overrides yinxin.toml): sqlite://FILE or postgres://…
    #[arg(long, env = "YINXIN_DATABASE_URL")]
    pub(super) database_url: Option<String>,
}

/// The configuration and the store of a data directory (`--database-url` overriding).
pub(super) async fn open_store(
    data: &DataArgs,
) -> Result<(crate::config::Config, crate::store::Store), CliError> {
    let mut config = crate::config::Config::load(&data.data_dir)?;
    if let Some(u) = &data.database_url {
        config.database.url = u.clone();
    }
    let url = crate::config::resolve_database_url(&config.database.url, &data.data_dir);
    let store = crate::store::Store::connect(&url).await?;
    Ok((config, store))
}

/// The key store passphrase: from `file`, else `YINXIN_KEY_PASSPHRASE`.
pub(super) fn passphrase(file: Option<&Path>, what: &str) -> Result<Passphrase, CliError> {
    if let Some(f) = file {
        return Ok(Passphrase::from_file(f)?);
    }
    match std::env::var("YINXIN_KEY_PASSPHRASE") {
        Ok(v) if !v.is_empty() => Ok(Passphrase::new(v)?),
        _ => Err(CliError(locale::missing_passphrase(what))),
    }
}

/// Write a new file (never overwriting); `private`: mode 0600.
pub(super) fn write_new(path: &Path, data: &[u8], private: bool) -> Result<(), CliError> {
    if private {
        crate::crypto::keys::write_private_file(path, data)?;
    } else {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| CliError(format!("cannot create {}: {e}", path.display())))?;
        std::io::Write::write_all(&mut f, data)
            .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

/// Load a signer from a certificate file and an encrypted key file.
pub(super) fn load_signer(
    cert: &Path,
    key: &Path,
    pass_file: &Path,
) -> Result<(crate::crypto::SoftwareSigner, Vec<u8>), CliError> {
    let cert_der = read_objects(cert)
        .map_err(CliError)?
        .into_iter()
        .next()
        .ok_or_else(|| CliError("no certificate in --cert".into()))?;
    let pass = Passphrase::from_file(pass_file)?;
    let pem = std::fs::read_to_string(key)
        .map_err(|e| CliError(format!("cannot read {}: {e}", key.display())))?;
    let signer =
        crate::crypto::PrivateKey::from_encrypted_pem(&pem, &pass, "signer key")?.signer()?;
    let spki = crate::verify::cert::Cert::from_der(&cert_der)
        .map_err(CliError)?
        .spki_der;
    if spki != crate::crypto::Signer::public_key_spki(&signer) {
        return Err(CliError(
            "the key does not belong to the certificate".into(),
        ));
    }
    Ok((signer, cert_der))
}

/// Read certificates or CRLs from a PEM (one or more blocks) or DER file: each block's DER as
/// carried (never re-encoded), whatever its label. The blocks are told apart here because
/// `der::pem` (pem-rfc7468) decodes one block at a time, and x509-cert's `load_pem_chain`
/// re-encodes certificates and takes no other label (see the test below).
pub(super) fn read_objects(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if data.trim_ascii_start().starts_with(b"-----BEGIN") {
        let text = String::from_utf8_lossy(&data);
        let mut out = Vec::new();
        let mut rest: &str = &text;
        while let Some(start) = rest.find("-----BEGIN") {
            let block = &rest[start..];
            let end_marker = block
                .find("-----END")
                .ok_or_else(|| format!("{}: unterminated PEM block", path.display()))?;
            let end = block[end_marker..]
                .find("\n")
                .map(|e| end_marker + e + 1)
                .unwrap_or(block.len());
            let (_, der_bytes) = der::pem::decode_vec(&block.as_bytes()[..end])
                .map_err(|e| format!("{}: {e}", path.display()))?;
            out.push(der_bytes);
            rest = &block[end..];
        }
        Ok(out)
    } else {
        Ok(vec![data])
    }
}

/// Who the audit log names for a command run by this user: `cli:$USER`.
pub(super) fn actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

#[cfg(test)]
mod tests {
    use super::read_objects;
    use der::Encode;
    use der::pem::LineEnding;

    fn pkits(dir: &str) -> Vec<(String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/pkits")
            .join(dir);
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    fn pem(label: &str, der_bytes: &[u8]) -> String {
        der::pem::encode_string(label, LineEnding::LF, der_bytes).unwrap()
    }

    /// Every PEM block comes back as the DER it carries, whatever its label (certificates and
    /// CRLs here, in one file). x509-cert's `Certificate::load_pem_chain` is not used for the
    /// certificate-only files: it decodes with its RFC 5280 profile and re-encodes. Over the
    /// PKITS certificates, it refuses the UTCTime notBefore of 1950 (a valid RFC 5280 time the
    /// validator reads), and gives back the two GeneralizedTime times before 2050 as UTCTime:
    /// another encoding, over which the issuer's signature no longer verifies.
    #[test]
    fn pem_blocks_keep_their_der() {
        let certs = pkits("certs");
        let crls = pkits("crls");
        let objects: Vec<&Vec<u8>> = certs
            .iter()
            .map(|(_, d)| d)
            .chain(crls.iter().take(3).map(|(_, d)| d))
            .collect();
        let mut text = String::new();
        for (i, d) in objects.iter().enumerate() {
            let label = if i < certs.len() {
                "CERTIFICATE"
            } else {
                "X509 CRL"
            };
            text.push_str(&pem(label, d));
        }
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &text).unwrap();
        let read = read_objects(file.path()).unwrap();
        assert_eq!(read.len(), objects.len());
        assert!(read.iter().zip(&objects).all(|(a, b)| a == *b));

        let not_kept: Vec<&str> = certs
            .iter()
            .filter(|(_, d)| {
                !x509_cert::Certificate::load_pem_chain(pem("CERTIFICATE", d).as_bytes())
                    .is_ok_and(|v| v.len() == 1 && v[0].to_der().ok().as_ref() == Some(d))
            })
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(
            not_kept,
            [
                "Invalidpre2000UTCEEnotAfterDateTest7EE.crt",
                "ValidGeneralizedTimenotBeforeDateTest4EE.crt",
                "Validpre2000UTCnotBeforeDateTest3EE.crt"
            ]
        );
    }
}

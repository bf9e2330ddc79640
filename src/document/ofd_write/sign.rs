//! Signing an OFD package with a plain digital signature (Type="Sign"): [`sign_ofd`].
//!
//! Owns the signing entry point; must not import the document writer, placement or the XML
//! and zip internals (the signature assembly is `signature`'s).

use super::OfdWriteError;
use super::signature::{Mark, add_signature};
use crate::crypto::Signer;
use crate::document::ofd::Package;
use crate::seal::service::TimestampFn;

/// Sign an OFD package with a plain digital signature (Type="Sign", GB/T 33190 §18): the
/// SignedValue is a GB/T 35275 / RFC 5652 CMS SignedData, detached, with signed attributes
/// (content type, message digest, signingTime, ESS signingCertificateV2), over the exact bytes
/// of the new `Signature.xml`; `chain` (issuing CA certificates) is carried in it. No seal and
/// no stamp picture. Existing files keep their bytes as with [`seal_ofd`](super::seal_ofd).
pub fn sign_ofd(
    pkg: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, OfdWriteError> {
    let package = Package::from_bytes(pkg)?;
    let out = add_signature(
        &package,
        Mark::Sign(chain),
        signer,
        signer_cert,
        now,
        timestamp,
        std::io::Cursor::new(Vec::new()),
    )?;
    Ok(out.into_inner())
}

//! Signed licence status: a statement of one licence version's status in its region's
//! registry at a time, signed (CMS SignedData, content embedded) by the region's trust-list
//! signer, so that other regions can fetch it from the supply point the trust list names and
//! cache it until `next_update`. It holds no personal data.
//!
//! ```json
//! {"current_identifier":"1.2.156.3005.2.….002.K","format":"yinxin-licence-status/1",
//!  "identifier":"1.2.156.3005.2.….001.7","next_update":"…","produced_at":"…","region":"gd",
//!  "status":"superseded","valid_to":"长期","version":1}
//! ```
//!
//! Owns the statement format, signing one and reading one (signature checked; the signer's
//! certificate is the caller's to validate for the trust-list-signer purpose). Must not import
//! HTTP or SQL.

use crate::crypto::Signer;
use serde::{Deserialize, Serialize};

/// The `format` written and accepted.
pub const FORMAT: &str = "yinxin-licence-status/1";
/// Largest signed status read, bytes.
pub const MAX_BYTES: usize = 64 * 1024;

/// The signed statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// [`FORMAT`].
    pub format: String,
    /// The region whose registry speaks.
    pub region: String,
    /// The identifier asked about.
    pub identifier: String,
    /// Its version.
    pub version: u16,
    /// Its status: active, suspended, revoked, superseded or expired.
    pub status: String,
    /// The identifier of the licence's current version (itself unless superseded).
    pub current_identifier: String,
    /// Valid to (`YYYY-MM-DD` or `长期`).
    pub valid_to: String,
    /// When stated (RFC 3339).
    pub produced_at: String,
    /// Not to be used after (RFC 3339).
    pub next_update: String,
}

/// Sign `st` with the region's trust-list signer.
pub fn sign(
    st: &Statement,
    signer: &dyn Signer,
    signer_cert: &[u8],
    now: i64,
) -> Result<Vec<u8>, String> {
    crate::document::cms::sign_embedded(
        &crate::trust::list::canonical_json(st),
        signer,
        signer_cert,
        &[],
        now,
    )
    .map_err(|e| format!("cannot sign the licence status: {e}"))
}

/// A statement read from a signed status: its signature verifies; `signer_cert` is still to be
/// validated by the caller for [`crate::verify::purpose::Purpose::TrustListSigner`].
#[derive(Clone, Debug)]
pub struct Read {
    /// The statement.
    pub statement: Statement,
    /// The signer's certificate (DER).
    pub signer_cert: Vec<u8>,
    /// Other certificates carried.
    pub certificates: Vec<Vec<u8>>,
    /// `produced_at`, Unix seconds.
    pub produced_at: i64,
    /// `next_update`, Unix seconds.
    pub next_update: i64,
}

/// Read a signed status (bounded, signature checked, format and times parsed).
pub fn read(signed: &[u8]) -> Result<Read, String> {
    if signed.len() > MAX_BYTES {
        return Err(format!("larger than {MAX_BYTES} bytes"));
    }
    let info = crate::document::cms::verify_embedded(signed)
        .map_err(|e| format!("not a validly signed licence status: {e}"))?;
    let content = crate::document::cms::embedded_content(signed)
        .map_err(|e| format!("not a validly signed licence status: {e}"))?
        .ok_or("the signed status carries no statement")?;
    let statement: Statement = serde_json::from_slice(&content)
        .map_err(|e| format!("not a licence status statement: {e}"))?;
    if statement.format != FORMAT {
        return Err(format!(
            "statement format {:?}, expected {FORMAT:?}",
            statement.format
        ));
    }
    let time = |s: &str| {
        crate::trust::list::parse_time(s).ok_or_else(|| format!("bad time {s:?} in the statement"))
    };
    let (produced_at, next_update) = (time(&statement.produced_at)?, time(&statement.next_update)?);
    if next_update <= produced_at {
        return Err("its next_update is not after its produced_at".into());
    }
    Ok(Read {
        statement,
        signer_cert: info.signer_cert,
        certificates: info.certificates,
        produced_at,
        next_update,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_read_back_and_tampering_fails() {
        let (signer, cert) = crate::pki::cert::self_signed_for_tests(
            crate::crypto::Algorithm::Sm2,
            "status",
            &[5, 6],
        );
        let st = Statement {
            format: FORMAT.into(),
            region: "demo".into(),
            identifier: "1.2.156.3005.2.A.B.C.001.X".into(),
            version: 1,
            status: "active".into(),
            current_identifier: "1.2.156.3005.2.A.B.C.001.X".into(),
            valid_to: "长期".into(),
            produced_at: crate::clock::rfc3339(1_000_000),
            next_update: crate::clock::rfc3339(1_000_300),
        };
        let signed = sign(&st, &signer, &cert, 1_000_000).unwrap();
        let r = read(&signed).unwrap();
        assert_eq!(r.statement, st);
        assert_eq!(r.signer_cert, cert);
        let text = br#""status":"active""#;
        let at = signed.windows(text.len()).position(|w| w == text).unwrap();
        let mut forged = signed.clone();
        forged[at + 10..at + 16].copy_from_slice(b"revok_");
        assert!(read(&forged).is_err());
    }
}

//! Making seals: the seal maker (制章者) signs an SESeal v4 for a holder, a type and the
//! certificates allowed to stamp with it; the picture is checked first. Must not import HTTP or
//! SQL types.

use super::format::{CertRef, NewSeal, Picture, Seal};
use super::registry::{SealRecord, SealStatus};
use super::types::SealType;
use crate::crypto::Signer;
use crate::pki::repo::RepoError;
use const_oid::ObjectIdentifier;

/// yinxin id-kp-sealMaking (docs/oids.md): the seal-maker profile's EKU.
pub const SEAL_MAKING: ObjectIdentifier = crate::verify::purpose::EKU_SEAL_MAKING;
/// Our vendor id in SES_Header.
pub const VENDOR_ID: &str = "yinxin";

/// Errors making or using seals.
#[derive(Debug, thiserror::Error)]
pub enum SealServiceError {
    /// Bad request (unknown type, bad picture, no signer …).
    #[error("{0}")]
    Invalid(String),
    /// The seal is not active.
    #[error("seal {0} is {1}")]
    NotActive(String, &'static str),
    /// The signer is not in the seal's certList.
    #[error("the signer's certificate is not one the seal allows")]
    SignerNotAllowed,
    /// Format layer.
    #[error(transparent)]
    Format(#[from] super::format::SealError),
    /// Storage.
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Check that bytes are a PNG within limits; returns (width, height) in pixels.
pub fn check_png(data: &[u8]) -> Result<(u32, u32), SealServiceError> {
    const SIG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    if data.len() > 512 * 1024 {
        return Err(SealServiceError::Invalid(
            "the seal picture is larger than 512 KiB".into(),
        ));
    }
    if data.len() < 33 || data[..8] != SIG || &data[12..16] != b"IHDR" {
        return Err(SealServiceError::Invalid(
            "the seal picture is not a PNG image".into(),
        ));
    }
    let w = u32::from_be_bytes([data[16], data[17], data[18], data[19]]);
    let h = u32::from_be_bytes([data[20], data[21], data[22], data[23]]);
    if w == 0 || h == 0 || w > 4096 || h > 4096 {
        return Err(SealServiceError::Invalid(format!(
            "the seal picture is {w}×{h} pixels (1 to 4096 allowed)"
        )));
    }
    if !data.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82]) {
        return Err(SealServiceError::Invalid(
            "the seal picture PNG is truncated".into(),
        ));
    }
    Ok((w, h))
}

/// What a new seal says.
pub struct SealRequest<'a> {
    /// Region code (prefix of the esID).
    pub region: &'a str,
    /// Seal type.
    pub seal_type: &'a SealType,
    /// Holder in its stored form: [`super::holder::SealHolder::as_str`] (a credit code, or the
    /// salted hash of a person's identity number — never the number itself).
    pub holder: &'a str,
    /// Name on the seal.
    pub name: &'a str,
    /// Certificates allowed to stamp (DER) with their serials.
    pub signers: Vec<(String, Vec<u8>)>,
    /// PNG picture.
    pub picture_png: Vec<u8>,
    /// Validity in days (≤ the type's maximum).
    pub validity_days: u32,
    /// Now.
    pub now: i64,
}

/// Make (sign) a v4 seal and its registry record. The caller stores it.
pub fn make_seal(
    req: &SealRequest<'_>,
    maker: &dyn Signer,
    maker_cert: &[u8],
) -> Result<SealRecord, SealServiceError> {
    if req.signers.is_empty() {
        return Err(SealServiceError::Invalid(
            "a seal needs at least one signer certificate".into(),
        ));
    }
    if req.validity_days == 0 || req.validity_days > req.seal_type.max_validity_days {
        return Err(SealServiceError::Invalid(format!(
            "validity of {} days: a {} allows 1 to {}",
            req.validity_days, req.seal_type.name, req.seal_type.max_validity_days
        )));
    }
    let name_len = req.name.chars().count();
    if req.name.trim().is_empty() || name_len > 64 || req.name.chars().any(char::is_control) {
        return Err(SealServiceError::Invalid(
            "the seal name must be 1 to 64 characters".into(),
        ));
    }
    super::holder::check_stored(req.seal_type.holder, req.holder)
        .map_err(|e| SealServiceError::Invalid(e.to_string()))?;
    check_png(&req.picture_png)?;
    let mut rnd = [0u8; 6];
    crate::crypto::random_bytes(&mut rnd).map_err(|e| SealServiceError::Invalid(e.to_string()))?;
    let day = time::OffsetDateTime::from_unix_timestamp(req.now)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN);
    let id = format!(
        "{}{:04}{:02}{:02}{}",
        req.region.to_ascii_uppercase(),
        day.year(),
        day.month() as u8,
        day.day(),
        hex::encode_upper(rnd)
    );
    let valid_end = req.now + i64::from(req.validity_days) * 86_400;
    let info = NewSeal {
        vid: VENDOR_ID.into(),
        es_id: id.clone(),
        seal_type: req.seal_type.code,
        name: req.name.into(),
        cert_list: req
            .signers
            .iter()
            .map(|(_, d)| CertRef::Cert(d.clone()))
            .collect(),
        create_date: req.now,
        valid_start: req.now,
        valid_end,
        picture: Picture {
            kind: "PNG".into(),
            data: req.picture_png.clone(),
            width_mm: req.seal_type.width_mm,
            height_mm: req.seal_type.height_mm,
        },
        ext_datas: vec![],
    };
    let der_bytes = Seal::encode_v4(&info, maker, maker_cert)?;
    Ok(SealRecord {
        id,
        holder: req.holder.into(),
        seal_type: req.seal_type.key.clone(),
        name: req.name.into(),
        status: SealStatus::Active,
        valid_start: req.now,
        valid_end,
        signer_serials: req.signers.iter().map(|(s, _)| s.clone()).collect(),
        der: der_bytes,
        created_at: req.now,
    })
}

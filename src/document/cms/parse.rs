//! Reading a CMS: PEM, bare base64 or DER in; the `SignedData` parts out, the signed
//! attributes exactly as encoded (never re-encoded), every leniency noted.
//!
//! Owns decoding; must not import signing, signature verification or chain validation.

use super::{CmsError, oid};
use cms::signed_data::SignerInfo;
use const_oid::ObjectIdentifier;
use der::asn1::{Any, AnyRef};
use der::{Decode, Encode, Reader, SliceReader, Tag, Tagged};

/// The parts of a SignedData, raw where the bytes matter.
pub(super) struct Parsed {
    pub(super) econtent_type: ObjectIdentifier,
    pub(super) econtent: Option<Vec<u8>>,
    pub(super) certificates: Vec<Vec<u8>>,
    pub(super) signer_info: SignerInfo,
    /// The signed attributes exactly as encoded, re-tagged as SET (0x31).
    pub(super) signed_attrs_der: Option<Vec<u8>>,
}

pub(super) fn malformed(s: impl Into<String>) -> CmsError {
    CmsError::Malformed(s.into())
}

/// The elements of a constructed value.
pub(super) fn elements(value: &[u8]) -> Result<Vec<AnyRef<'_>>, CmsError> {
    let mut r = SliceReader::new(value)?;
    let mut out = Vec::new();
    while !r.is_finished() {
        out.push(AnyRef::decode(&mut r)?);
    }
    Ok(out)
}

fn is_context(any: &AnyRef<'_>, n: u32, constructed: bool) -> bool {
    let t = any.tag();
    t.is_context_specific() && t.is_constructed() == constructed && t.number().value() == n
}

/// PEM, bare base64 or DER → DER.
pub(super) fn to_der(input: &[u8], tolerated: &mut Vec<String>) -> Result<Vec<u8>, CmsError> {
    use base64::Engine;
    if input.first() == Some(&0x30) {
        return Ok(input.to_vec());
    }
    let text = std::str::from_utf8(input).map_err(|_| malformed("neither DER nor PEM"))?;
    let trimmed = text.trim();
    let (body, what) = if trimmed.starts_with("-----BEGIN") {
        let body: String = trimmed
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        (body, "PEM input")
    } else {
        (trimmed.to_string(), "base64 input without PEM armour")
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der_bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| malformed("neither DER nor PEM"))?;
    tolerated.push(what.into());
    Ok(der_bytes)
}

pub(super) fn parse(der_bytes: &[u8], tolerated: &mut Vec<String>) -> Result<Parsed, CmsError> {
    let mut r = SliceReader::new(der_bytes)?;
    let outer = AnyRef::decode(&mut r)?;
    if !r.is_finished() {
        tolerated.push("trailing bytes after the CMS".into());
    }
    if outer.tag() != Tag::Sequence {
        return Err(malformed("not a SEQUENCE"));
    }
    let fields = elements(outer.value())?;
    let sd = match fields.first().map(|f| f.tag()) {
        Some(Tag::ObjectIdentifier) => {
            let ct: ObjectIdentifier = fields[0].decode_as()?;
            if ct == oid::GM_SIGNED_DATA {
                // Our own SM2 output uses it too; not a leniency.
            } else if ct != oid::SIGNED_DATA {
                return Err(CmsError::Unsupported(format!(
                    "content type {ct} (expected signedData)"
                )));
            }
            let content = fields
                .get(1)
                .filter(|c| is_context(c, 0, true))
                .ok_or_else(|| malformed("ContentInfo without [0] content"))?;
            if fields.len() > 2 {
                return Err(malformed("ContentInfo has extra fields"));
            }
            AnyRef::from_der(content.value())?
        }
        Some(Tag::Integer) => {
            tolerated.push("bare SignedData without ContentInfo".into());
            outer
        }
        _ => return Err(malformed("not a ContentInfo")),
    };
    if sd.tag() != Tag::Sequence {
        return Err(malformed("SignedData is not a SEQUENCE"));
    }
    let f = elements(sd.value())?;
    // version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos
    if f.len() < 4 || f[0].tag() != Tag::Integer || f[1].tag() != Tag::Set {
        return Err(malformed("SignedData fields"));
    }
    let encap = &f[2];
    if encap.tag() != Tag::Sequence {
        return Err(malformed("encapContentInfo is not a SEQUENCE"));
    }
    let ef = elements(encap.value())?;
    let econtent_type: ObjectIdentifier = ef
        .first()
        .ok_or_else(|| malformed("encapContentInfo is empty"))?
        .decode_as()?;
    let econtent = match ef.get(1) {
        None => None,
        Some(e) if is_context(e, 0, true) && ef.len() == 2 => {
            let inner = AnyRef::from_der(e.value())?;
            if inner.tag() != Tag::OctetString {
                return Err(malformed("eContent is not an OCTET STRING"));
            }
            Some(inner.value().to_vec())
        }
        Some(_) => return Err(malformed("encapContentInfo fields")),
    };
    let mut certificates = Vec::new();
    let mut rest = &f[3..];
    if let Some(c) = rest.first().filter(|c| is_context(c, 0, true)) {
        for el in elements(c.value())? {
            // Other choices (attribute certificates, other formats) are skipped.
            if el.tag() == Tag::Sequence {
                certificates.push(el.to_der()?);
            }
        }
        rest = &rest[1..];
    }
    if rest.first().is_some_and(|c| is_context(c, 1, true)) {
        rest = &rest[1..];
    }
    let infos = match rest {
        [set] if set.tag() == Tag::Set => elements(set.value())?,
        _ => return Err(malformed("signerInfos")),
    };
    let si_any = match infos.as_slice() {
        [one] => one,
        [] => return Err(malformed("no SignerInfo")),
        _ => {
            return Err(CmsError::Unsupported("more than one SignerInfo".into()));
        }
    };
    let si_raw = si_any.to_der()?;
    let signer_info = SignerInfo::from_der(&si_raw)?;
    let sif = elements(si_any.value())?;
    let signed_attrs_der = match sif.get(3) {
        Some(a) if is_context(a, 0, true) => Some(Any::new(Tag::Set, a.value())?.to_der()?),
        _ => None,
    };
    if signed_attrs_der.is_some() != signer_info.signed_attrs.is_some() {
        return Err(malformed("signed attributes"));
    }
    Ok(Parsed {
        econtent_type,
        econtent,
        certificates,
        signer_info,
        signed_attrs_der,
    })
}

//! Reading a CMS: PEM, bare base64 or DER in; the `SignedData` parts out, the signed
//! attributes exactly as encoded (never re-encoded), every leniency noted.
//!
//! The structures are decoded as the typed `der` derives of [`super::asn1`] (raw where the
//! bytes matter); this file adds the leniencies and the order in which faults are told: an
//! unsupported content type is said before a malformed ContentInfo, and more than one
//! SignerInfo before any SignerInfo is decoded.
//!
//! Owns decoding; must not import signing, signature verification or chain validation.

use super::asn1::{self, elements};
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

/// PEM, bare base64 or DER → DER.
pub(super) fn to_der(input: &[u8], tolerated: &mut Vec<String>) -> Result<Vec<u8>, CmsError> {
    use base64::Engine;
    if input.first() == Some(&0x30) {
        // BER with indefinite lengths (NSS writes them): re-encoded with definite ones.
        if input.get(1) == Some(&0x80) {
            let end = super::ber::extent(input).ok_or_else(|| malformed("broken BER"))?;
            let der = super::ber::definite(&input[..end]).ok_or_else(|| malformed("broken BER"))?;
            tolerated.push("BER indefinite lengths, re-encoded as definite".into());
            return Ok(der);
        }
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
    let first_tag = match outer.value() {
        [] => None,
        v => Some(Tag::peek(&SliceReader::new(v)?)?),
    };
    let sd = match first_tag {
        Some(Tag::ObjectIdentifier) => signed_data_of(outer)?,
        Some(Tag::Integer) => {
            tolerated.push("bare SignedData without ContentInfo".into());
            outer
        }
        _ => return Err(malformed("not a ContentInfo")),
    };
    if sd.tag() != Tag::Sequence {
        return Err(malformed("SignedData is not a SEQUENCE"));
    }
    let sd: asn1::SignedData<'_> = sd
        .decode_as()
        .map_err(|e| malformed(format!("SignedData: {e}")))?;
    let econtent_type = sd.encap_content_info.econtent_type;
    let econtent = sd
        .encap_content_info
        .econtent
        .map(|e| e.as_bytes().to_vec());
    let mut certificates = Vec::new();
    if let Some(set) = &sd.certificates {
        for (tag, encoding) in set.encodings()? {
            // Other choices (attribute certificates, other formats) are skipped.
            if tag == Tag::Sequence {
                certificates.push(encoding.to_vec());
            }
        }
    }
    let si_raw = match sd.signer_infos.encodings()?.as_slice() {
        [(_, one)] => *one,
        [] => return Err(malformed("no SignerInfo")),
        _ => {
            return Err(CmsError::Unsupported("more than one SignerInfo".into()));
        }
    };
    let signer_info = SignerInfo::from_der(si_raw)?;
    let signed_attrs_der = match asn1::SignerInfo::from_der(si_raw)?.signed_attrs {
        Some(attrs) => Some(Any::new(Tag::Set, attrs.0)?.to_der()?),
        None => None,
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

/// The SignedData a ContentInfo holds. The content type is judged first: an unsupported one
/// is said so even when the rest of the ContentInfo is malformed.
fn signed_data_of(outer: AnyRef<'_>) -> Result<AnyRef<'_>, CmsError> {
    let ci = outer.decode_as::<asn1::ContentInfo<'_>>();
    let ct = match &ci {
        Ok(ci) => ci.content_type,
        // Still read as a series of well-formed elements, the first one an OID: only then is
        // the content type worth judging.
        Err(_) => match elements(outer.value())?.first() {
            Some(first) => first.decode_as::<ObjectIdentifier>()?,
            None => return Err(malformed("not a ContentInfo")),
        },
    };
    if ct == oid::GM_SIGNED_DATA {
        // Our own SM2 output uses it too; not a leniency.
    } else if ct != oid::SIGNED_DATA {
        return Err(CmsError::Unsupported(format!(
            "content type {ct} (expected signedData)"
        )));
    }
    ci.map_err(|e| malformed(format!("ContentInfo: {e}")))?
        .content
        .ok_or_else(|| malformed("ContentInfo without [0] content"))
}

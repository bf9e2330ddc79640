//! The tolerant reader: turns the bytes of a v1 or v4 seal or signature into the model
//! ([`Seal::from_der`], [`SesSignature::from_der`]), keeping the exact bytes each signature
//! covers.
//!
//! Owns decoding only; must not import the checks, the builders, the `der` derive structures
//! or the crypto layer.

use super::model::{CertRef, ExtData, Header, Picture, Seal, SealVersion, SesSignature};
use super::time::{seal_date, time_info};
use super::tlv::{
    Tlv, bits, children, der_header, expect_tag, get, integer, is_string_tag, list_children,
    octets, oid_of, read_one, seq_children, tag, text,
};
use super::{MAX_CERTS, MAX_EXT_DATAS, MAX_INPUT, MAX_PICTURE, SealError, malformed};
pub(super) fn check_input_size(der_bytes: &[u8], what: &'static str) -> Result<(), SealError> {
    if der_bytes.len() > MAX_INPUT {
        return Err(SealError::TooLarge {
            what,
            size: der_bytes.len(),
            max: MAX_INPUT,
        });
    }
    Ok(())
}

fn parse_ext_datas(t: &Tlv<'_>, what: &str) -> Result<Vec<ExtData>, SealError> {
    // Untagged in every real file; an EXPLICIT [0] wrapper is unwrapped.
    let inner;
    let t = if t.tag == tag::CTX0 {
        inner = read_one(t.value, what)?;
        &inner
    } else {
        t
    };
    let items = list_children(t, MAX_EXT_DATAS, "ExtensionDatas", what)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let w = format!("{what}[{i}]");
        let parts = seq_children(item, 3, &w)?;
        let oid = oid_of(get(&parts, 0, &w)?, &format!("{w}.extnID"))?;
        let (critical, value_el) = match parts.len() {
            2 => (false, get(&parts, 1, &w)?),
            3 => {
                let b = get(&parts, 1, &w)?;
                expect_tag(b, tag::BOOLEAN, &format!("{w}.critical"))?;
                (b.value.iter().any(|x| *x != 0), get(&parts, 2, &w)?)
            }
            n => return Err(malformed(&w, format!("{n} elements"))),
        };
        let value = if value_el.tag == tag::OCTET_STRING {
            value_el.value.to_vec()
        } else {
            value_el.raw.to_vec()
        };
        out.push(ExtData {
            oid,
            critical,
            value,
        });
    }
    Ok(out)
}

fn cert_ref(t: &Tlv<'_>, what: &str) -> Result<CertRef, SealError> {
    let looks_like_cert = |b: &[u8]| b.first() == Some(&tag::SEQUENCE);
    match t.tag {
        tag::OCTET_STRING => Ok(if looks_like_cert(t.value) {
            CertRef::Cert(t.value.to_vec())
        } else {
            CertRef::Opaque(t.value.to_vec())
        }),
        x if is_string_tag(x) => {
            if looks_like_cert(t.value) {
                return Ok(CertRef::Cert(t.value.to_vec()));
            }
            use base64::Engine as _;
            let compact: Vec<u8> = t
                .value
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            match base64::engine::general_purpose::STANDARD.decode(&compact) {
                Ok(d) if looks_like_cert(&d) => Ok(CertRef::Cert(d)),
                _ => Ok(CertRef::Opaque(t.value.to_vec())),
            }
        }
        tag::SEQUENCE => {
            let parts = children(t, 4, what)?;
            match parts.first().map(|p| p.tag) {
                // A certificate written directly (Certificate ::= SEQUENCE { SEQUENCE … }).
                Some(tag::SEQUENCE) => Ok(CertRef::Cert(t.raw.to_vec())),
                _ => {
                    if parts.len() != 2 {
                        return Err(malformed(what, "digest entry is not { type, value }"));
                    }
                    let alg = text(get(&parts, 0, what)?, &format!("{what}.type"))?;
                    let v = get(&parts, 1, what)?;
                    let value = match v.tag {
                        tag::OCTET_STRING => v.value.to_vec(),
                        tag::BIT_STRING => bits(v, &format!("{what}.value"))?,
                        x if is_string_tag(x) => v.value.to_vec(),
                        other => {
                            return Err(malformed(
                                what,
                                format!("digest value of tag {other:#04x}"),
                            ));
                        }
                    };
                    Ok(CertRef::Digest { alg, value })
                }
            }
        }
        other => Err(malformed(what, format!("unexpected tag {other:#04x}"))),
    }
}

struct SealInfoFields {
    header: Header,
    es_id: String,
    seal_type: i64,
    name: String,
    cert_list_type: Option<i64>,
    cert_list: Vec<CertRef>,
    create_date: i64,
    valid_start: i64,
    valid_end: i64,
    picture: Picture,
    ext_datas: Vec<ExtData>,
}

fn parse_seal_info(t: &Tlv<'_>) -> Result<SealInfoFields, SealError> {
    let items = seq_children(t, 5, "SES_SealInfo")?;
    if items.len() < 4 {
        return Err(malformed(
            "SES_SealInfo",
            format!("{} elements (expected 4 or 5)", items.len()),
        ));
    }
    // header
    let h = seq_children(get(&items, 0, "SES_Header")?, 3, "SES_Header")?;
    if h.len() != 3 {
        return Err(malformed("SES_Header", format!("{} elements", h.len())));
    }
    let header = Header {
        id: text(get(&h, 0, "SES_Header.ID")?, "SES_Header.ID")?,
        version: integer(get(&h, 1, "SES_Header.version")?, "SES_Header.version")?,
        vid: text(get(&h, 2, "SES_Header.Vid")?, "SES_Header.Vid")?,
    };
    let es_id = text(get(&items, 1, "esID")?, "SES_SealInfo.esID")?;

    // property: 7 elements (v4, with certListType) or 6 (v1)
    let w = "SES_ESPropertyInfo";
    let p = seq_children(get(&items, 2, w)?, 7, w)?;
    let seal_type = integer(get(&p, 0, w)?, "SES_ESPropertyInfo.type")?;
    let name = text(get(&p, 1, w)?, "SES_ESPropertyInfo.name")?;
    let (cert_list_type, list_at) = match p.len() {
        7 => (
            Some(integer(get(&p, 2, w)?, "SES_ESPropertyInfo.certListType")?),
            3,
        ),
        6 => (None, 2),
        n => {
            return Err(malformed(w, format!("{n} elements (expected 6 or 7)")));
        }
    };
    let list_el = get(&p, list_at, w)?;
    if list_el.tag != tag::SEQUENCE && list_el.tag != tag::SET {
        return Err(malformed("SES_ESPropertyInfo.certList", "not a SEQUENCE"));
    }
    let entries = list_children(list_el, MAX_CERTS, "certList", "certList")?;
    let mut cert_list = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        cert_list.push(cert_ref(e, &format!("certList[{i}]"))?);
    }
    let create_date = seal_date(get(&p, list_at + 1, w)?, "createDate")?;
    let valid_start = seal_date(get(&p, list_at + 2, w)?, "validStart")?;
    let valid_end = seal_date(get(&p, list_at + 3, w)?, "validEnd")?;

    // picture
    let w = "SES_ESPictrueInfo";
    let pic = seq_children(get(&items, 3, w)?, 4, w)?;
    if pic.len() != 4 {
        return Err(malformed(w, format!("{} elements", pic.len())));
    }
    let data_el = get(&pic, 1, w)?;
    if data_el.value.len() > MAX_PICTURE {
        return Err(SealError::TooLarge {
            what: "seal picture",
            size: data_el.value.len(),
            max: MAX_PICTURE,
        });
    }
    let picture = Picture {
        kind: text(get(&pic, 0, w)?, "SES_ESPictrueInfo.type")?,
        data: octets(data_el, "SES_ESPictrueInfo.data")?,
        width_mm: integer(get(&pic, 2, w)?, "SES_ESPictrueInfo.width")?,
        height_mm: integer(get(&pic, 3, w)?, "SES_ESPictrueInfo.height")?,
    };
    let ext_datas = match items.get(4) {
        Some(e) => parse_ext_datas(e, "SES_SealInfo.extDatas")?,
        None => Vec::new(),
    };
    Ok(SealInfoFields {
        header,
        es_id,
        seal_type,
        name,
        cert_list_type,
        cert_list,
        create_date,
        valid_start,
        valid_end,
        picture,
        ext_datas,
    })
}

fn parse_seal(t: &Tlv<'_>) -> Result<Seal, SealError> {
    let items = seq_children(t, 5, "SESeal")?;
    let (version, info_el, maker_cert, sign_alg, signature, signed_bytes, draft_timestamp) =
        match items.len() {
            2 => {
                let info = get(&items, 0, "SESeal.esealInfo")?;
                let si = seq_children(get(&items, 1, "SES_SignInfo")?, 3, "SES_SignInfo")?;
                if si.len() != 3 {
                    return Err(malformed("SES_SignInfo", format!("{} elements", si.len())));
                }
                let cert_el = get(&si, 0, "SES_SignInfo.cert")?;
                let alg_el = get(&si, 1, "SES_SignInfo.signatureAlgorithm")?;
                let cert = octets(cert_el, "SES_SignInfo.cert")?;
                let alg = oid_of(alg_el, "SES_SignInfo.signatureAlgorithm")?;
                let sig = bits(
                    get(&si, 2, "SES_SignInfo.signData")?,
                    "SES_SignInfo.signData",
                )?;
                // The maker signed SEQUENCE { esealInfo, cert, signatureAlgorithm } built from
                // the exact element bytes.
                let len = info.raw.len() + cert_el.raw.len() + alg_el.raw.len();
                let mut signed = der_header(der::Tag::Sequence, len)
                    .map_err(|e| malformed("SES_SignInfo", e))?;
                signed.extend_from_slice(info.raw);
                signed.extend_from_slice(cert_el.raw);
                signed.extend_from_slice(alg_el.raw);
                (SealVersion::V1, info, cert, alg, sig, signed, None)
            }
            4 | 5 => {
                let info = get(&items, 0, "SESeal.eSealInfo")?;
                let cert = octets(get(&items, 1, "SESeal.cert")?, "SESeal.cert")?;
                let alg = oid_of(get(&items, 2, "SESeal.signAlgID")?, "SESeal.signAlgID")?;
                let sig = bits(get(&items, 3, "SESeal.signedValue")?, "SESeal.signedValue")?;
                let ts = match items.get(4) {
                    Some(x) if x.tag & 0xc0 == 0x80 => Some(x.value.to_vec()),
                    Some(x) => {
                        return Err(malformed(
                            "SESeal",
                            format!("fifth element of tag {:#04x}", x.tag),
                        ));
                    }
                    None => None,
                };
                (SealVersion::V4, info, cert, alg, sig, info.raw.to_vec(), ts)
            }
            n => {
                return Err(malformed(
                    "SESeal",
                    format!("{n} elements (expected 2 for v1, 4 or 5 for v4)"),
                ));
            }
        };
    // A SES_Signature has the same outer shape; its first element starts with an INTEGER.
    let f = parse_seal_info(info_el)?;
    Ok(Seal {
        version,
        header: f.header,
        es_id: f.es_id,
        seal_type: f.seal_type,
        name: f.name,
        cert_list_type: f.cert_list_type,
        cert_list: f.cert_list,
        create_date: f.create_date,
        valid_start: f.valid_start,
        valid_end: f.valid_end,
        picture: f.picture,
        ext_datas: f.ext_datas,
        maker_cert,
        sign_alg,
        signature,
        signed_bytes,
        draft_timestamp,
        der: t.raw.to_vec(),
    })
}

fn parse_signature(t: &Tlv<'_>) -> Result<SesSignature, SealError> {
    let items = seq_children(t, 5, "SES_Signature")?;
    let tbs = get(&items, 0, "SES_Signature.toSign")?;
    let tbs_items = seq_children(tbs, 7, "TBS_Sign")?;
    let w = "TBS_Sign";
    let tbs_version = integer(get(&tbs_items, 0, w)?, "TBS_Sign.version")?;
    let seal = parse_seal(get(&tbs_items, 1, w)?)?;
    let (time_info_text, time_info) = time_info(get(&tbs_items, 2, w)?)?;
    let data_hash = bits(get(&tbs_items, 3, w)?, "TBS_Sign.dataHash")?;
    let property_info = text(get(&tbs_items, 4, w)?, "TBS_Sign.propertyInfo")?;
    match items.len() {
        2 => {
            if tbs_items.len() != 7 {
                return Err(malformed(
                    "TBS_Sign (v1)",
                    format!("{} elements (expected 7)", tbs_items.len()),
                ));
            }
            let signer_cert = octets(get(&tbs_items, 5, w)?, "TBS_Sign.cert")?;
            let sign_alg = oid_of(get(&tbs_items, 6, w)?, "TBS_Sign.signatureAlgorithm")?;
            let signature = bits(get(&items, 1, w)?, "SES_Signature.signature")?;
            Ok(SesSignature {
                version: SealVersion::V1,
                tbs_version,
                seal,
                time_info,
                time_info_text,
                data_hash,
                property_info,
                ext_datas: Vec::new(),
                signer_cert,
                sign_alg,
                signature,
                timestamp: None,
                tbs_bytes: tbs.raw.to_vec(),
            })
        }
        4 | 5 => {
            let ext_datas = match tbs_items.len() {
                5 => Vec::new(),
                6 => parse_ext_datas(get(&tbs_items, 5, w)?, "TBS_Sign.extDatas")?,
                n => {
                    return Err(malformed(
                        "TBS_Sign (v4)",
                        format!("{n} elements (expected 5 or 6)"),
                    ));
                }
            };
            let signer_cert = octets(get(&items, 1, w)?, "SES_Signature.cert")?;
            let sign_alg = oid_of(get(&items, 2, w)?, "SES_Signature.signatureAlgID")?;
            let signature = bits(get(&items, 3, w)?, "SES_Signature.signature")?;
            let timestamp = match items.get(4) {
                None => None,
                Some(x) => Some(timestamp_token(x)?),
            };
            Ok(SesSignature {
                version: SealVersion::V4,
                tbs_version,
                seal,
                time_info,
                time_info_text,
                data_hash,
                property_info,
                ext_datas,
                signer_cert,
                sign_alg,
                signature,
                timestamp,
                tbs_bytes: tbs.raw.to_vec(),
            })
        }
        n => Err(malformed(
            "SES_Signature",
            format!("{n} elements (expected 2 for v1, 4 or 5 for v4)"),
        )),
    }
}

/// The token of a `timeStamp [0] EXPLICIT BIT STRING`; an OCTET STRING or the bare token inside
/// `[0]`, or an IMPLICIT `[0]` BIT STRING, are tolerated.
fn timestamp_token(t: &Tlv<'_>) -> Result<Vec<u8>, SealError> {
    let w = "SES_Signature.timeStamp";
    match t.tag {
        tag::CTX0 => {
            let inner = read_one(t.value, w)?;
            match inner.tag {
                tag::BIT_STRING | tag::OCTET_STRING => bits(&inner, w),
                tag::SEQUENCE => Ok(inner.raw.to_vec()),
                other => Err(malformed(w, format!("tag {other:#04x} inside [0]"))),
            }
        }
        tag::CTX0_PRIMITIVE => bits(
            &Tlv {
                tag: tag::BIT_STRING,
                raw: t.raw,
                value: t.value,
            },
            w,
        ),
        other => Err(malformed(w, format!("fifth element of tag {other:#04x}"))),
    }
}

impl Seal {
    /// Read a seal (v1 or v4, told apart by the number of elements).
    pub fn from_der(der_bytes: &[u8]) -> Result<Seal, SealError> {
        check_input_size(der_bytes, "seal")?;
        let t = read_one(der_bytes, "SESeal")?;
        parse_seal(&t)
    }
}

impl SesSignature {
    /// Read an electronic signature (v1 or v4, told apart by the number of elements).
    pub fn from_der(der_bytes: &[u8]) -> Result<SesSignature, SealError> {
        check_input_size(der_bytes, "signature")?;
        let t = read_one(der_bytes, "SES_Signature")?;
        parse_signature(&t)
    }
}

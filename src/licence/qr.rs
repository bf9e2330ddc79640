//! The licence's QR code: an offline-verifiable, signed payload in an upper-case URL,
//! `<PUBLIC BASE>/V/<payload>`, all in the QR alphanumeric alphabet.
//!
//! The payload is a CBOR array `[1, kid, claims, signature]` where `kid` is the first 8 bytes
//! of SHA-256 of the QR signer's certificate, `claims` the CBOR encoding (as a byte string) of
//! the map {1: format version, 2: region, 3: identifier without its constant root
//! `1.2.156.3005.2.` (it carries the type code and the version, which are read from it),
//! 6: holder name as printed, 7: valid to as the integer `YYYYMMDD` (0 for long-term), 8: SM3
//! of the canonical licence data}, and `signature` the raw 64-byte `r‖s` SM2 signature (SM3, default user id) over
//! `"YXQR1" ‖ claims` by the region's e-licence QR signer. No COSE/JOSE algorithm identifier is
//! registered for SM2, so this is our own label (format 1 = SM2/SM3), documented in
//! `docs/licences.md`.
//!
//! **Encoding: decimal digits, not base45.** Base45's alphabet includes the space and `%`,
//! which cannot stand in a URL a phone's camera opens. The payload bytes are written as decimal
//! digits instead, 17 digits for every 7 bytes (fewer for the last block): the QR encodes them
//! in numeric mode at 3⅓ bits a digit — 8.1 bits a byte, denser than base45 in alphanumeric
//! mode (8.25) and base32 (8.8) — and digits are safe in any URL. A business licence with a
//! holder name of up to 12 characters and a public base of up to 24 fits a version-12 QR at
//! error correction M; the test measures it.
//!
//! Owns the payload format, its signature and decoding (bounded); must not import HTTP, SQL or
//! the store.

use crate::crypto::{Algorithm, Signer};

/// The payload format this module writes (SM2 with SM3).
pub const FORMAT: u8 = 1;
/// The context prefixed to the claims before signing.
const CONTEXT: &[u8] = b"YXQR1";
/// Longest payload text accepted for decoding (characters).
pub const MAX_PAYLOAD_CHARS: usize = 2048;

/// What the QR says about a licence.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Claims {
    /// Region key of the issuer's region.
    pub region: String,
    /// Identifier (this version's).
    pub identifier: String,
    /// Version.
    pub version: u16,
    /// Type code.
    pub type_code: String,
    /// Holder's name as printed.
    pub holder_name: String,
    /// Valid to (`YYYY-MM-DD` or `长期`).
    pub valid_to: String,
    /// SM3 of the canonical licence data (hex in reports).
    #[serde(serialize_with = "hex_bytes")]
    pub data_sm3: [u8; 32],
    /// For the dynamic QR of 亮证 (a holder showing the licence): when it was shown and until
    /// when the code is valid, Unix seconds (claims 4 and 5). None in the printed QR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shown: Option<Shown>,
}

/// When a holder showed the licence (the dynamic QR's two extra claims).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Shown {
    /// Shown at, Unix seconds.
    pub at: i64,
    /// The code is valid until, Unix seconds.
    pub until: i64,
}

fn hex_bytes<S: serde::Serializer>(b: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

/// A decoded payload: the claims, who signed them (key id) and the signed bytes — not yet
/// verified ([`Decoded::verify`]).
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The claims.
    pub claims: Claims,
    /// First 8 bytes of SHA-256 of the signer's certificate.
    pub kid: [u8; 8],
    claims_cbor: Vec<u8>,
    signature: Vec<u8>,
}

/// Why a payload cannot be read or does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// Not our URL form or not the payload's digits.
    #[error("not a licence QR payload: {0}")]
    Encoding(&'static str),
    /// The CBOR is not the format.
    #[error("the QR payload is malformed: {0}")]
    Format(String),
    /// The format version is not one we read.
    #[error("QR payload format {0} is not supported")]
    Version(u64),
    /// The signature does not verify under the key named.
    #[error("the QR payload's signature does not verify")]
    Signature,
    /// Signing failed.
    #[error("signing the QR payload failed: {0}")]
    Sign(String),
}

/// The key id of a signer certificate.
pub fn key_id(cert_der: &[u8]) -> [u8; 8] {
    let h = crate::crypto::sha256(cert_der);
    let mut k = [0u8; 8];
    k.copy_from_slice(&h[..8]);
    k
}

fn encode_claims(c: &Claims) -> Vec<u8> {
    let short = c
        .identifier
        .strip_prefix(super::identifier::ROOT)
        .and_then(|r| r.strip_prefix('.'))
        .unwrap_or(&c.identifier);
    let valid_to: u32 = if c.valid_to == super::metadata::LONG_TERM {
        0
    } else {
        c.valid_to.replace('-', "").parse().unwrap_or(0)
    };
    let mut e = minicbor::Encoder::new(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = (|| -> Result<(), minicbor::encode::Error<std::convert::Infallible>> {
        e.map(if c.shown.is_some() { 8 } else { 6 })?;
        e.u8(1)?.u8(FORMAT)?;
        e.u8(2)?.str(&c.region)?;
        e.u8(3)?.str(short)?;
        if let Some(sh) = c.shown {
            e.u8(4)?.i64(sh.at)?;
            e.u8(5)?.i64(sh.until)?;
        }
        e.u8(6)?.str(&c.holder_name)?;
        e.u8(7)?.u32(valid_to)?;
        e.u8(8)?.bytes(&c.data_sm3)?;
        Ok(())
    })();
    e.into_writer()
}

/// Sign the claims and return the payload text (digits).
pub fn sign(
    claims: &Claims,
    signer: &dyn Signer,
    signer_cert_der: &[u8],
) -> Result<String, QrError> {
    if signer.algorithm() != Algorithm::Sm2 {
        return Err(QrError::Sign("the QR signer must hold an SM2 key".into()));
    }
    let claims_cbor = encode_claims(claims);
    let mut tbs = CONTEXT.to_vec();
    tbs.extend_from_slice(&claims_cbor);
    let der_sig = signer
        .sign(&tbs)
        .map_err(|e| QrError::Sign(e.to_string()))?;
    let raw = sm2::dsa::Signature::from_der(&der_sig)
        .map_err(|_| QrError::Sign("unexpected signature encoding".into()))?
        .to_bytes();
    let mut e = minicbor::Encoder::new(Vec::new());
    let _ = (|| -> Result<(), minicbor::encode::Error<std::convert::Infallible>> {
        e.array(4)?;
        e.u8(FORMAT)?;
        e.bytes(&key_id(signer_cert_der))?;
        e.bytes(&claims_cbor)?;
        e.bytes(&raw)?;
        Ok(())
    })();
    Ok(digits_encode(&e.into_writer()))
}

/// The text the QR carries: `<BASE>/V/<payload>`, upper-cased.
pub fn url(public_base: &str, payload: &str) -> String {
    format!("{}/V/{payload}", public_base.trim_end_matches('/')).to_uppercase()
}

/// Read a payload from a scanned text: the whole URL (any case) or the bare payload.
pub fn decode(text: &str) -> Result<Decoded, QrError> {
    let text = text.trim();
    if text.len() > MAX_PAYLOAD_CHARS {
        return Err(QrError::Encoding("too long"));
    }
    let upper = text.to_ascii_uppercase();
    let payload = match upper.rfind("/V/") {
        Some(i) => &upper[i + 3..],
        None => upper.as_str(),
    };
    let bytes = digits_decode(payload).ok_or(QrError::Encoding("not the payload's digits"))?;
    let bad = |s: &str| QrError::Format(s.to_string());
    let mut d = minicbor::Decoder::new(&bytes);
    if d.array().map_err(|e| bad(&e.to_string()))? != Some(4) {
        return Err(bad("not a 4-element array"));
    }
    let format = d.u64().map_err(|e| bad(&e.to_string()))?;
    if format != u64::from(FORMAT) {
        return Err(QrError::Version(format));
    }
    let kid: [u8; 8] = d
        .bytes()
        .map_err(|e| bad(&e.to_string()))?
        .try_into()
        .map_err(|_| bad("key id is not 8 bytes"))?;
    let claims_cbor = d.bytes().map_err(|e| bad(&e.to_string()))?.to_vec();
    let signature = d.bytes().map_err(|e| bad(&e.to_string()))?.to_vec();
    if d.position() != bytes.len() {
        return Err(bad("trailing bytes"));
    }
    let claims = decode_claims(&claims_cbor)?;
    Ok(Decoded {
        claims,
        kid,
        claims_cbor,
        signature,
    })
}

fn decode_claims(b: &[u8]) -> Result<Claims, QrError> {
    let bad = QrError::Format;
    let mut d = minicbor::Decoder::new(b);
    let n = d
        .map()
        .map_err(|e| bad(e.to_string()))?
        .ok_or_else(|| bad("indefinite map".into()))?;
    if n != 6 && n != 8 {
        return Err(bad(format!("{n} claims, expected 6 (or 8 when shown)")));
    }
    let (mut format, mut region, mut short, mut holder, mut valid_to, mut digest) =
        (None, None, None, None, None, None);
    let (mut shown_at, mut shown_until) = (None, None);
    let mut seen = [false; 9];
    for _ in 0..n {
        let key = d.u8().map_err(|e| bad(e.to_string()))?;
        if usize::from(key) >= seen.len() || std::mem::replace(&mut seen[usize::from(key)], true) {
            return Err(bad(format!("unknown or repeated claim {key}")));
        }
        let text = |d: &mut minicbor::Decoder<'_>| {
            d.str().map(str::to_string).map_err(|e| bad(e.to_string()))
        };
        match key {
            1 => format = Some(d.u64().map_err(|e| bad(e.to_string()))?),
            2 => region = Some(text(&mut d)?),
            3 => short = Some(text(&mut d)?),
            4 => shown_at = Some(d.i64().map_err(|e| bad(e.to_string()))?),
            5 => shown_until = Some(d.i64().map_err(|e| bad(e.to_string()))?),
            6 => holder = Some(text(&mut d)?),
            7 => valid_to = Some(d.u32().map_err(|e| bad(e.to_string()))?),
            8 => {
                let b: [u8; 32] = d
                    .bytes()
                    .map_err(|e| bad(e.to_string()))?
                    .try_into()
                    .map_err(|_| bad("digest is not 32 bytes".into()))?;
                digest = Some(b);
            }
            k => return Err(bad(format!("unknown claim {k}"))),
        }
    }
    if d.position() != b.len() {
        return Err(bad("trailing bytes in the claims".into()));
    }
    if format != Some(u64::from(FORMAT)) {
        return Err(QrError::Version(format.unwrap_or(0)));
    }
    let (Some(region), Some(short), Some(holder_name), Some(valid_to), Some(data_sm3)) =
        (region, short, holder, valid_to, digest)
    else {
        return Err(bad("a claim is missing".into()));
    };
    let shown = match (shown_at, shown_until) {
        (None, None) => None,
        (Some(at), Some(until)) if at <= until => Some(Shown { at, until }),
        _ => return Err(bad("the shown claims are incomplete or inverted".into())),
    };
    let identifier = format!("{}.{short}", super::identifier::ROOT);
    let id = super::identifier::LicenceId::parse(&identifier)
        .map_err(|e| bad(format!("identifier: {e}")))?;
    let valid_to = match valid_to {
        0 => super::metadata::LONG_TERM.to_string(),
        n => {
            let (y, m, d) = (n / 10000, n / 100 % 100, n % 100);
            let date = format!("{y:04}-{m:02}-{d:02}");
            super::fields::parse_date(&date).ok_or_else(|| bad("valid-to is not a date".into()))?;
            date
        }
    };
    Ok(Claims {
        region,
        identifier,
        version: id.version,
        type_code: id.type_code,
        holder_name,
        valid_to,
        data_sm3,
        shown,
    })
}

impl Decoded {
    /// Verify the signature with the signer's public key (SubjectPublicKeyInfo DER). The
    /// caller finds the certificate by [`Decoded::kid`] and validates it for the QR-signer
    /// purpose; this checks only the signature.
    pub fn verify(&self, signer_spki_der: &[u8]) -> Result<(), QrError> {
        if self.signature.len() != 64 {
            return Err(QrError::Signature);
        }
        let mut tbs = CONTEXT.to_vec();
        tbs.extend_from_slice(&self.claims_cbor);
        crate::crypto::verify::verify_signature(
            signer_spki_der,
            crate::crypto::oid::SM2_WITH_SM3,
            None,
            &tbs,
            &self.signature,
        )
        .map_err(|_| QrError::Signature)
    }
}

/// Digits for a final block of 0..=7 bytes: ceil(8k·log10 2).
const BLOCK_DIGITS: [usize; 8] = [0, 3, 5, 8, 10, 13, 15, 17];

/// Bytes as decimal digits: every 7 bytes (big-endian) as 17 digits, a final block of k bytes
/// as [`BLOCK_DIGITS`]`[k]` digits.
pub fn digits_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 17 / 7 + 17);
    for block in data.chunks(7) {
        let v = block.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
        out.push_str(&format!("{v:0width$}", width = BLOCK_DIGITS[block.len()]));
    }
    out
}

/// Decode [`digits_encode`]'s output; `None` for any other text (a non-digit, a length no
/// block count gives, a block value too large for its bytes).
pub fn digits_decode(text: &str) -> Option<Vec<u8>> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (full, rest) = (text.len() / 17, text.len() % 17);
    let last = BLOCK_DIGITS.iter().position(|d| *d == rest)?;
    let mut out = Vec::with_capacity(full * 7 + last);
    let mut push = |digits: &str, bytes: usize| -> Option<()> {
        let v: u64 = digits.parse().ok()?;
        if bytes < 8 && v >> (8 * bytes) != 0 {
            return None;
        }
        out.extend_from_slice(&v.to_be_bytes()[8 - bytes..]);
        Some(())
    };
    for i in 0..full {
        push(&text[i * 17..(i + 1) * 17], 7)?;
    }
    if last > 0 {
        push(&text[full * 17..], last)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            region: "demo".into(),
            identifier: crate::licence::LicenceId::new(
                "11100000000013338W011",
                "11440100MB2C12345P",
                "2026000001",
                1,
            )
            .unwrap()
            .to_string(),
            version: 1,
            type_code: "11100000000013338W011".into(),
            holder_name: "广州市天河区示例信息科技发展有限公司".into(),
            valid_to: "2031-12-04".into(),
            data_sm3: [7; 32],
            shown: None,
        }
    }

    #[test]
    fn digits_round_trip() {
        for n in 0..40 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 251) as u8).collect();
            let text = digits_encode(&data);
            assert_eq!(digits_decode(&text).unwrap(), data, "{n}");
        }
        assert_eq!(digits_encode(&[0xff; 7]), "72057594037927935");
        assert!(digits_decode("12a").is_none());
        assert!(digits_decode("1234").is_none(), "no block gives 4 digits");
        assert!(digits_decode("256").is_none(), "too large for one byte");
    }

    #[test]
    fn sign_decode_verify_and_forge() {
        let key = crate::crypto::PrivateKey::generate(Algorithm::Sm2).unwrap();
        let signer = key.signer().unwrap();
        let cert = b"not really a certificate, only its hash matters here";
        let payload = sign(&claims(), &signer, cert).unwrap();
        let text = url("https://verify.example.gov.cn", &payload);
        assert!(text.starts_with("HTTPS://VERIFY.EXAMPLE.GOV.CN/V/"));
        assert!(
            text["HTTPS://VERIFY.EXAMPLE.GOV.CN/V/".len()..]
                .bytes()
                .all(|b| b.is_ascii_digit())
        );
        assert!(
            text.bytes()
                .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b))
        );
        let d = decode(&text).unwrap();
        assert_eq!(d.claims, claims());
        assert_eq!(d.kid, key_id(cert));
        let spki = key.public_key_spki_der().unwrap();
        d.verify(&spki).unwrap();
        // Another key: refused.
        let other = crate::crypto::PrivateKey::generate(Algorithm::Sm2).unwrap();
        assert_eq!(
            d.verify(&other.public_key_spki_der().unwrap()),
            Err(QrError::Signature)
        );
        // A changed claim with the old signature: refused.
        let mut forged = d.clone();
        forged.claims_cbor = encode_claims(&Claims {
            valid_to: "2099-12-31".into(),
            ..claims()
        });
        assert_eq!(forged.verify(&spki), Err(QrError::Signature));
    }

    #[test]
    fn a_shown_payload_signs_its_times_and_an_edited_time_is_refused() {
        let key = crate::crypto::PrivateKey::generate(Algorithm::Sm2).unwrap();
        let signer = key.signer().unwrap();
        let shown = Claims {
            shown: Some(Shown {
                at: 1_800_000_000,
                until: 1_800_000_300,
            }),
            ..claims()
        };
        let d = decode(&sign(&shown, &signer, b"c").unwrap()).unwrap();
        assert_eq!(d.claims, shown);
        let spki = key.public_key_spki_der().unwrap();
        d.verify(&spki).unwrap();
        // Stretching the showing's end with the old signature: refused.
        let mut forged = d.clone();
        forged.claims_cbor = encode_claims(&Claims {
            shown: Some(Shown {
                at: 1_800_000_000,
                until: 1_900_000_000,
            }),
            ..claims()
        });
        assert_eq!(forged.verify(&spki), Err(QrError::Signature));
        // The printed payload (no shown claims) is not a showing.
        assert_eq!(
            decode(&sign(&claims(), &signer, b"c").unwrap())
                .unwrap()
                .claims
                .shown,
            None
        );
    }

    #[test]
    fn fits_version_12_at_m() {
        let key = crate::crypto::PrivateKey::generate(Algorithm::Sm2).unwrap();
        let signer = key.signer().unwrap();
        let claims = Claims {
            holder_name: "广州示例信息科技有限公司".into(),
            ..claims()
        };
        let payload = sign(&claims, &signer, b"c").unwrap();
        let text = url("https://yz.gd.gov.cn", &payload);
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .unwrap();
        match code.version() {
            qrcode::Version::Normal(v) => assert!(v <= 12, "version {v}, {} chars", text.len()),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn hostile_payloads_are_refused_cleanly() {
        assert!(matches!(decode("not digits!"), Err(QrError::Encoding(_))));
        assert!(matches!(
            decode(&"1".repeat(5000)),
            Err(QrError::Encoding(_))
        ));
        assert!(matches!(
            decode(&digits_encode(&[0x80])),
            Err(QrError::Format(_))
        ));
        assert!(matches!(
            decode(&digits_encode(&[0x84, 0x02])),
            Err(QrError::Version(2))
        ));
        // A huge declared length.
        assert!(matches!(
            decode(&digits_encode(&[
                0x84, 0x01, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
            ])),
            Err(QrError::Format(_))
        ));
    }
}

//! Certificate revocation lists (RFC 5280 §5): full CRLs and delta CRLs for a CA.
//!
//! The entry list is DER-encoded as it is streamed from storage (no per-entry structures are
//! kept), so a CRL with a million entries costs about 70 bytes per entry and one signature.
//! The CRL's Authority Key Identifier is the issuer's Subject Key Identifier (not the issuer's
//! own AKI); full and delta CRLs share one increasing CRL number sequence per CA. Lengths are
//! `der`'s encoding ([`der::Length`]), reason codes `x509_cert`'s
//! [`CrlReason`](x509_cert::ext::pkix::CrlReason).
//!
//! Owns the CRL encoding; must not import the status service, the store, HTTP or the verifier.

use super::asn1_time;
use crate::crypto::{CryptoError, Signer};
use crate::pki::cert::CertBuildError;
use crate::pki::revocation::crl_reason;
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Encode, Length};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::AuthorityKeyIdentifier;

/// id-ce-cRLNumber
pub const CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
/// id-ce-cRLReasons
pub const REASON_CODE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");
/// id-ce-invalidityDate
pub const INVALIDITY_DATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.24");
/// id-ce-deltaCRLIndicator
pub const DELTA_CRL_INDICATOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.27");
/// id-ce-authorityKeyIdentifier
pub const AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
/// removeFromCRL reason code (delta CRLs only).
pub const REMOVE_FROM_CRL: i64 = 8;

/// One revoked (or held, or released) certificate as it goes into a CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial number bytes (big-endian, positive).
    pub serial: Vec<u8>,
    /// Revocation date, Unix seconds.
    pub revoked_at: i64,
    /// RFC 5280 reason code (0 = unspecified: no reasonCode extension), encoded as its
    /// [`CrlReason`](x509_cert::ext::pkix::CrlReason).
    pub reason: i64,
    /// Invalidity date, Unix seconds.
    pub invalidity_date: Option<i64>,
}

/// Errors building a CRL.
#[derive(Debug, thiserror::Error)]
pub enum CrlError {
    /// Encoding.
    #[error("CRL encoding: {0}")]
    Encoding(String),
    /// Signing.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<der::Error> for CrlError {
    fn from(e: der::Error) -> Self {
        CrlError::Encoding(e.to_string())
    }
}

impl From<CertBuildError> for CrlError {
    fn from(e: CertBuildError) -> Self {
        CrlError::Encoding(e.to_string())
    }
}

/// Append a TLV: the tag byte, `der`'s encoding of the content's length, the content. (Writes
/// into `out` directly: the entries of a million-entry CRL go through here.)
fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) -> Result<(), der::Error> {
    out.push(tag);
    Length::try_from(content.len())?.encode(out)?;
    out.extend_from_slice(content);
    Ok(())
}

/// The tag bytes the CRL is written with.
mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const ENUMERATED: u8 = 0x0a;
    pub const SEQUENCE: u8 = 0x30;
    /// `[0]` constructed (the CRL's extensions).
    pub const CTX0: u8 = 0xa0;
}

/// DER INTEGER content of a non-negative big-endian number.
fn int_content(bytes: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = {
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        if skip == bytes.len() {
            &[0]
        } else {
            &bytes[skip..]
        }
    };
    let mut v = Vec::with_capacity(trimmed.len() + 1);
    if trimmed[0] & 0x80 != 0 {
        v.push(0);
    }
    v.extend_from_slice(trimmed);
    v
}

/// The CRL's own times (thisUpdate, nextUpdate) come from the clock: out of range is an error.
fn time_der(secs: i64) -> Result<Vec<u8>, CrlError> {
    asn1_time::x509_time_der(secs)
        .ok_or_else(|| CrlError::Encoding(format!("time {secs} is outside years 0000-9999")))
}

/// What had to be changed in an entry so that it could be published (see
/// [`EntryEncoder::push`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryAdjustment {
    /// The stored revocation time was outside 1970–9999: published as 1970-01-01T00:00:00Z.
    RevocationTime,
    /// The stored invalidity date was outside years 0000–9999: the extension was left out.
    InvalidityDateOmitted,
}

impl EntryAdjustment {
    /// Short name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryAdjustment::RevocationTime => "revocation_time",
            EntryAdjustment::InvalidityDateOmitted => "invalidity_date",
        }
    }
}

/// At most this many adjusted entries per CRL are remembered by serial (all are counted).
pub const ADJUSTED_SERIALS_KEPT: usize = 16;

/// Streams revoked entries into their DER `SEQUENCE OF` content.
#[derive(Default)]
pub struct EntryEncoder {
    buf: Vec<u8>,
    count: usize,
    adjusted: usize,
    adjusted_serials: Vec<(String, Vec<EntryAdjustment>)>,
}

impl EntryEncoder {
    /// Append one entry. A stored time that cannot be published as it is never stops the CRL
    /// and never drops the entry: the revocation date is published as 1970-01-01T00:00:00Z
    /// (see [`asn1_time`]) and an unencodable invalidity date is left out; such entries are
    /// counted ([`Self::adjusted`]) and the first ones kept by serial for the log.
    pub fn push(&mut self, e: &RevokedEntry) -> Result<(), CrlError> {
        let mut body = Vec::with_capacity(64);
        push_tlv(&mut body, tag::INTEGER, &int_content(&e.serial))?;
        let mut adjusted = Vec::new();
        let (at, at_adjusted) = asn1_time::published_revocation_time(e.revoked_at);
        if at_adjusted {
            adjusted.push(EntryAdjustment::RevocationTime);
        }
        body.extend_from_slice(&time_der(at)?);
        let mut exts = Vec::new();
        if e.reason != 0 {
            // Extension { extnID reasonCode, extnValue OCTET STRING { CRLReason } }
            let mut ext = Vec::new();
            REASON_CODE.encode(&mut ext)?;
            match crl_reason(e.reason) {
                Some(r) => push_tlv(&mut ext, tag::OCTET_STRING, r.encode_to_slice(&mut [0; 3])?)?,
                // A code RFC 5280 does not define (yinxin stores none): published as stored.
                None => {
                    let mut enumerated = Vec::new();
                    push_tlv(
                        &mut enumerated,
                        tag::ENUMERATED,
                        &int_content(&(e.reason as u64).to_be_bytes()),
                    )?;
                    push_tlv(&mut ext, tag::OCTET_STRING, &enumerated)?;
                }
            }
            push_tlv(&mut exts, tag::SEQUENCE, &ext)?;
        }
        if let Some(inv) = e.invalidity_date {
            match asn1_time::generalized_time_der(inv) {
                Some(t) => {
                    let mut ext = Vec::new();
                    INVALIDITY_DATE.encode(&mut ext)?;
                    push_tlv(&mut ext, tag::OCTET_STRING, &t)?;
                    push_tlv(&mut exts, tag::SEQUENCE, &ext)?;
                }
                None => adjusted.push(EntryAdjustment::InvalidityDateOmitted),
            }
        }
        if !exts.is_empty() {
            push_tlv(&mut body, tag::SEQUENCE, &exts)?;
        }
        push_tlv(&mut self.buf, tag::SEQUENCE, &body)?;
        self.count += 1;
        if !adjusted.is_empty() {
            self.adjusted += 1;
            if self.adjusted_serials.len() < ADJUSTED_SERIALS_KEPT {
                let skip = e.serial.iter().take_while(|b| **b == 0).count();
                self.adjusted_serials
                    .push((hex::encode_upper(&e.serial[skip..]), adjusted));
            }
        }
        Ok(())
    }

    /// Number of entries so far.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Number of entries published with an adjustment so far.
    pub fn adjusted(&self) -> usize {
        self.adjusted
    }

    /// The first adjusted entries: (serial in upper-case hex, what was adjusted).
    pub fn adjusted_serials(&self) -> &[(String, Vec<EntryAdjustment>)] {
        &self.adjusted_serials
    }

    /// Whether no entry was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Which CRL to build.
#[derive(Clone, Debug)]
pub struct CrlParams {
    /// The issuing CA certificate (DER).
    pub issuer_cert: Vec<u8>,
    /// The issuer's subject key identifier (becomes the CRL's AKI).
    pub issuer_ski: Vec<u8>,
    /// CRL number.
    pub number: u64,
    /// For a delta CRL: the number of its base CRL.
    pub delta_base: Option<u64>,
    /// thisUpdate, Unix seconds.
    pub this_update: i64,
    /// nextUpdate, Unix seconds.
    pub next_update: i64,
}

/// Build and sign a CRL (v2) from streamed entries.
pub fn build_crl(
    p: &CrlParams,
    entries: EntryEncoder,
    signer: &dyn Signer,
) -> Result<Vec<u8>, CrlError> {
    use der::Decode;
    let issuer = x509_cert::Certificate::from_der(&p.issuer_cert)?;
    let issuer_name = issuer.tbs_certificate().subject().to_der()?;
    let alg = spki::AlgorithmIdentifierOwned {
        oid: signer.signature_algorithm_oid(),
        parameters: None,
    }
    .to_der()?;

    let mut crl_exts: Vec<Extension> = vec![Extension {
        extn_id: AUTHORITY_KEY_IDENTIFIER,
        critical: false,
        extn_value: OctetString::new(
            AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(p.issuer_ski.clone())?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            }
            .to_der()?,
        )?,
    }];
    let mut num = Vec::new();
    push_tlv(
        &mut num,
        tag::INTEGER,
        &int_content(&p.number.to_be_bytes()),
    )?;
    crl_exts.push(Extension {
        extn_id: CRL_NUMBER,
        critical: false,
        extn_value: OctetString::new(num)?,
    });
    if let Some(base) = p.delta_base {
        let mut b = Vec::new();
        push_tlv(&mut b, tag::INTEGER, &int_content(&base.to_be_bytes()))?;
        crl_exts.push(Extension {
            extn_id: DELTA_CRL_INDICATOR,
            critical: true,
            extn_value: OctetString::new(b)?,
        });
    }

    let mut tbs_body = Vec::with_capacity(entries.buf.len() + 512);
    push_tlv(&mut tbs_body, tag::INTEGER, &[1])?; // version v2
    tbs_body.extend_from_slice(&alg);
    tbs_body.extend_from_slice(&issuer_name);
    tbs_body.extend_from_slice(&time_der(p.this_update)?);
    tbs_body.extend_from_slice(&time_der(p.next_update)?);
    if !entries.is_empty() {
        push_tlv(&mut tbs_body, tag::SEQUENCE, &entries.buf)?;
    }
    drop(entries);
    let exts_der = crl_exts.to_der()?;
    push_tlv(&mut tbs_body, tag::CTX0, &exts_der)?;
    let mut tbs = Vec::with_capacity(tbs_body.len() + 8);
    push_tlv(&mut tbs, tag::SEQUENCE, &tbs_body)?;
    drop(tbs_body);

    let sig = signer.sign(&tbs)?;
    let mut bits = Vec::with_capacity(sig.len() + 1);
    bits.push(0);
    bits.extend_from_slice(&sig);
    let mut body = tbs;
    body.extend_from_slice(&alg);
    push_tlv(&mut body, tag::BIT_STRING, &bits)?;
    let mut out = Vec::with_capacity(body.len() + 8);
    push_tlv(&mut out, tag::SEQUENCE, &body)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::cert;

    #[test]
    fn der_helpers() {
        assert_eq!(int_content(&[0x00, 0x00, 0x7f]), vec![0x7f]);
        assert_eq!(int_content(&[0x80]), vec![0x00, 0x80]);
        assert_eq!(int_content(&[0, 0]), vec![0]);
        let mut v = Vec::new();
        push_tlv(&mut v, tag::OCTET_STRING, &[0; 300]).unwrap();
        assert_eq!(v[1..4], [0x82, 0x01, 0x2c]);
    }

    #[test]
    fn reason_codes_as_before() {
        let entry = |reason| {
            let mut enc = EntryEncoder::default();
            enc.push(&RevokedEntry {
                serial: vec![1],
                revoked_at: 0,
                reason,
                invalidity_date: None,
            })
            .unwrap();
            enc.buf
        };
        // Extension { reasonCode, OCTET STRING { ENUMERATED code } } at the end of the entry.
        let tail = |code: &[u8]| {
            let mut t = vec![
                0x06,
                0x03,
                0x55,
                0x1d,
                0x15,
                0x04,
                code.len() as u8 + 2,
                0x0a,
            ];
            t.push(code.len() as u8);
            t.extend_from_slice(code);
            t
        };
        for code in [1, 2, 3, 4, 5, 6, 8, 9, 10] {
            assert!(entry(code).ends_with(&tail(&[code as u8])), "{code}");
        }
        // Codes RFC 5280 does not define are published as stored.
        assert!(entry(7).ends_with(&tail(&[7])));
        assert!(entry(200).ends_with(&tail(&[0, 200])));
        assert!(!entry(0).windows(3).any(|w| w == [0x55, 0x1d, 0x15]));
    }

    fn test_ca() -> (impl Signer, Vec<u8>, Vec<u8>) {
        let key = crate::crypto::PrivateKey::generate(crate::crypto::Algorithm::P256).unwrap();
        let signer = key.signer().unwrap();
        let spki = key.public_key_spki_der().unwrap();
        let name = cert::NameBuilder::new()
            .push(cert::attr::CN, cert::StringKind::Utf8, "CRL test CA")
            .build()
            .unwrap();
        let ski = cert::key_identifier(&spki).unwrap();
        let tpl = cert::CertificateTemplate {
            serial: vec![1],
            issuer: name.clone(),
            subject: name,
            not_before: 1_700_000_000,
            not_after: 1_900_000_000,
            spki_der: spki,
            extensions: vec![],
        };
        let ca = cert::sign_certificate(&tpl, &signer).unwrap();
        (signer, ca, ski)
    }

    /// Stored times no encoder can take never stop a CRL and never drop an entry.
    #[test]
    fn out_of_range_times_are_published_not_fatal() {
        use der::Decode;
        let (signer, ca, ski) = test_ca();
        let mut enc = EntryEncoder::default();
        let entry = |serial: u8, revoked_at: i64, inv: Option<i64>| RevokedEntry {
            serial: vec![serial],
            revoked_at,
            reason: 1,
            invalidity_date: inv,
        };
        // Before 1970: an invalidity date is GeneralizedTime, not an error.
        enc.push(&entry(1, 1_800_000_000, Some(-1))).unwrap();
        // An invalidity date past 9999: the extension is left out.
        enc.push(&entry(2, 1_800_000_000, Some(i64::MAX))).unwrap();
        // A revocation time before 1970: published as the epoch.
        enc.push(&entry(3, -86_400, None)).unwrap();
        // 1949 and 2050 invalidity dates (GeneralizedTime either way), a clean entry.
        enc.push(&entry(4, 1_800_000_000, Some(-631_152_001)))
            .unwrap();
        enc.push(&entry(5, 2_524_608_000, Some(2_524_608_000)))
            .unwrap();
        assert_eq!(enc.len(), 5);
        assert_eq!(enc.adjusted(), 2);
        assert_eq!(
            enc.adjusted_serials(),
            &[
                (
                    "02".to_string(),
                    vec![EntryAdjustment::InvalidityDateOmitted]
                ),
                ("03".to_string(), vec![EntryAdjustment::RevocationTime]),
            ]
        );
        let crl = build_crl(
            &CrlParams {
                issuer_cert: ca,
                issuer_ski: ski,
                number: 1,
                delta_base: None,
                this_update: 1_800_000_100,
                next_update: 1_800_086_500,
            },
            enc,
            &signer,
        )
        .unwrap();
        let parsed: x509_cert::crl::CertificateList =
            x509_cert::crl::CertificateList::from_der(&crl).unwrap();
        let revoked = parsed.tbs_cert_list.revoked_certificates.unwrap();
        assert_eq!(revoked.len(), 5);
        let inv = |i: usize| {
            revoked[i]
                .crl_entry_extensions
                .as_ref()
                .unwrap()
                .iter()
                .find(|e| e.extn_id == INVALIDITY_DATE)
                .map(|e| String::from_utf8(e.extn_value.as_bytes()[2..].to_vec()).unwrap())
        };
        assert_eq!(inv(0).as_deref(), Some("19691231235959Z"));
        assert_eq!(inv(1), None);
        assert_eq!(revoked[2].revocation_date.to_unix_duration().as_secs(), 0);
        assert_eq!(inv(3).as_deref(), Some("19491231235959Z"));
        assert_eq!(inv(4).as_deref(), Some("20500101000000Z"));
        assert!(matches!(
            revoked[4].revocation_date,
            x509_cert::time::Time::GeneralTime(_)
        ));
    }

    #[test]
    fn crl_parses_with_x509_cert() {
        use der::Decode;
        let (signer, ca, ski) = test_ca();
        let mut enc = EntryEncoder::default();
        enc.push(&RevokedEntry {
            serial: vec![0x81, 2, 3],
            revoked_at: 1_800_000_000,
            reason: 1,
            invalidity_date: Some(1_799_000_000),
        })
        .unwrap();
        enc.push(&RevokedEntry {
            serial: vec![5],
            revoked_at: 1_800_000_001,
            reason: 0,
            invalidity_date: None,
        })
        .unwrap();
        let crl = build_crl(
            &CrlParams {
                issuer_cert: ca,
                issuer_ski: ski,
                number: 7,
                delta_base: Some(5),
                this_update: 1_800_000_100,
                next_update: 1_800_086_500,
            },
            enc,
            &signer,
        )
        .unwrap();
        let parsed: x509_cert::crl::CertificateList =
            x509_cert::crl::CertificateList::from_der(&crl).unwrap();
        let revoked = parsed.tbs_cert_list.revoked_certificates.unwrap();
        assert_eq!(revoked.len(), 2);
        assert_eq!(revoked[0].serial_number.as_bytes(), &[0x00, 0x81, 2, 3]);
        assert_eq!(parsed.tbs_cert_list.crl_extensions.unwrap().len(), 3);
    }
}

//! The responder: [`respond`] answers a DER `TimeStampReq` with a DER `TimeStampResp`,
//! granting a signed token or rejecting with one failInfo bit; [`TsaUnit`] and [`TsaPolicy`]
//! say who signs and what every token states.
//!
//! Owns making tokens; must not import the client or token parsing (they read what this
//! writes).

use super::{
    Accuracy, EssCertIdV2, FailureInfo, GenTime, IssuerSerial, PkiStatus, PkiStatusInfo,
    SigningCertificateV2, TimeStampReq, TimeStampResp, TsHash, TspError, TspVersion, TstInfo, oid,
};
use crate::crypto::{Algorithm, Signer, oid as alg};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, Int, OctetString, SetOfVec, Uint};
use der::{Decode, Encode, Tag};
use spki::AlgorithmIdentifierOwned;
use std::fmt;
use std::sync::Arc;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

/// A time-stamping unit: a signing key and its certificate (which must carry the critical
/// extended key usage id-kp-timeStamping only, RFC 3161 §2.3).
#[derive(Clone)]
pub struct TsaUnit {
    /// The TSU's signing key.
    pub signer: Arc<dyn Signer>,
    /// The TSU certificate, DER.
    pub cert_der: Vec<u8>,
}

impl fmt::Debug for TsaUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TsaUnit({}, {} byte certificate)",
            self.signer.algorithm(),
            self.cert_der.len()
        )
    }
}

/// What the TSA states in every token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TsaPolicy {
    /// The TSA policy OID: `TSTInfo.policy`; a request naming another one is refused.
    pub policy: ObjectIdentifier,
    /// `Accuracy.seconds`; 0 leaves the accuracy out of the token.
    pub accuracy_seconds: u32,
}

/// A refusal: the failure bit and the status string.
struct Refusal {
    fail: FailureInfo,
    text: String,
}

impl Refusal {
    fn new(fail: FailureInfo, text: impl Into<String>) -> Self {
        Refusal {
            fail,
            text: text.into(),
        }
    }
}

/// `TimeStampResp { status { rejection, failInfo systemFailure } }`: what [`respond`]
/// answers if even a rejection cannot be encoded (it never happens in practice).
pub(super) const FALLBACK_REJECTION: &[u8] = &[
    0x30, 0x0c, 0x30, 0x0a, 0x02, 0x01, 0x02, 0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40,
];

/// Answer a DER `TimeStampReq` with a DER `TimeStampResp`.
///
/// - `gen_time_unix_millis`: the time to stamp (from the service's clock);
/// - `serial`: the token's serial number, positive and unique per TSA;
/// - `choose`: the TSU that signs tokens for a message-imprint hash algorithm (e.g. SM3 →
///   the SM2 TSU, SHA-2 → the P-256 TSU), `None` to refuse the algorithm;
/// - `policy`: the TSA policy and accuracy.
///
/// The answer is always a well-formed response. Rejections (`status = 2`) carry one
/// failInfo bit: badDataFormat for anything that is not a DER v1 request or whose imprint
/// has the wrong length, badAlg for a hash algorithm that is not SHA-256/384/512 or SM3
/// (or that `choose` refuses), unacceptedPolicy for a `reqPolicy` other than ours,
/// unacceptedExtension for a request with extensions, timeNotAvailable for a time outside
/// 1970..9999, systemFailure when the token cannot be produced.
pub fn respond<'u>(
    request_der: &[u8],
    gen_time_unix_millis: i64,
    serial: u64,
    choose: &dyn Fn(TsHash) -> Option<&'u TsaUnit>,
    policy: &TsaPolicy,
) -> Vec<u8> {
    let result =
        grant(request_der, gen_time_unix_millis, serial, choose, policy).and_then(|token| {
            TimeStampResp {
                status: PkiStatusInfo {
                    status: PkiStatus::Granted,
                    status_string: None,
                    fail_info: None,
                },
                time_stamp_token: Some(token),
            }
            .to_der()
            .map_err(|_| Refusal::new(FailureInfo::SystemFailure, "cannot encode the response"))
        });
    match result {
        Ok(der_bytes) => der_bytes,
        Err(refusal) => rejection(&refusal),
    }
}

/// A rejection response.
fn rejection(refusal: &Refusal) -> Vec<u8> {
    let encoded = FailureInfo::bit_string(&[refusal.fail]).and_then(|bits| {
        TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Rejection,
                status_string: Some(vec![refusal.text.clone()]),
                fail_info: Some(bits),
            },
            time_stamp_token: None,
        }
        .to_der()
    });
    encoded.unwrap_or_else(|_| FALLBACK_REJECTION.to_vec())
}

/// Check the request and produce the token, or say why not.
fn grant<'u>(
    request_der: &[u8],
    gen_time_unix_millis: i64,
    serial: u64,
    choose: &dyn Fn(TsHash) -> Option<&'u TsaUnit>,
    policy: &TsaPolicy,
) -> Result<ContentInfo, Refusal> {
    let req = TimeStampReq::from_der(request_der).map_err(|_| {
        Refusal::new(
            FailureInfo::BadDataFormat,
            "the request is not a DER TimeStampReq v1",
        )
    })?;
    let imprint_alg = &req.message_imprint.hash_algorithm;
    let hash = TsHash::from_oid(&imprint_alg.oid).ok_or_else(|| {
        Refusal::new(
            FailureInfo::BadAlg,
            format!(
                "hash algorithm {} is not accepted (use SHA-256, SHA-384, SHA-512 or SM3)",
                imprint_alg.oid
            ),
        )
    })?;
    if imprint_alg
        .parameters
        .as_ref()
        .is_some_and(|p| !p.is_null())
    {
        return Err(Refusal::new(
            FailureInfo::BadAlg,
            format!("{hash} parameters must be absent or NULL"),
        ));
    }
    let len = req.message_imprint.hashed_message.as_bytes().len();
    if len != hash.output_len() {
        return Err(Refusal::new(
            FailureInfo::BadDataFormat,
            format!("a {hash} imprint is {} bytes, not {len}", hash.output_len()),
        ));
    }
    if let Some(p) = req.req_policy
        && p != policy.policy
    {
        return Err(Refusal::new(
            FailureInfo::UnacceptedPolicy,
            format!(
                "policy {p} is not offered (this TSA uses {})",
                policy.policy
            ),
        ));
    }
    if req.extensions.is_some() {
        return Err(Refusal::new(
            FailureInfo::UnacceptedExtension,
            "request extensions are not supported",
        ));
    }
    let unit = choose(hash).ok_or_else(|| {
        Refusal::new(
            FailureInfo::BadAlg,
            format!("no time-stamping unit for {hash} imprints"),
        )
    })?;
    let gen_time = GenTime::from_unix_millis(gen_time_unix_millis).map_err(|_| {
        Refusal::new(
            FailureInfo::TimeNotAvailable,
            "the time source is not available",
        )
    })?;
    make_token(&req, unit, gen_time, serial, policy).map_err(|e| {
        tracing::error!(error = %e, "time-stamp token could not be produced");
        Refusal::new(
            FailureInfo::SystemFailure,
            "the time-stamp token could not be produced",
        )
    })
}

/// Sign the TSTInfo for an accepted request.
fn make_token(
    req: &TimeStampReq,
    unit: &TsaUnit,
    gen_time: GenTime,
    serial: u64,
    policy: &TsaPolicy,
) -> Result<ContentInfo, TspError> {
    let cert = x509_cert::Certificate::from_der(&unit.cert_der)?;
    // The ESS hash covers the DER we were given; the token carries the re-encoded
    // certificate: they must be the same bytes.
    if cert.to_der()? != unit.cert_der {
        return Err(TspError::Malformed(
            "the TSU certificate is not in DER form".into(),
        ));
    }
    let tbs = cert.tbs_certificate();
    if tbs.subject_public_key_info().to_der()? != unit.signer.public_key_spki() {
        return Err(TspError::Malformed(
            "the TSU key does not match its certificate".into(),
        ));
    }

    let tst = TstInfo {
        version: TspVersion::V1,
        policy: policy.policy,
        message_imprint: req.message_imprint.clone(),
        serial_number: Int::from(Uint::new(&serial.to_be_bytes())?),
        gen_time,
        accuracy: (policy.accuracy_seconds > 0).then_some(Accuracy {
            seconds: Some(policy.accuracy_seconds),
            millis: None,
            micros: None,
        }),
        ordering: false,
        nonce: req.nonce.clone(),
        tsa: None,
        extensions: None,
    };
    let tst_der = tst.to_der()?;

    let (digest, signature_oid) = match unit.signer.algorithm() {
        Algorithm::Sm2 => (TsHash::Sm3, alg::SM2_SIGN),
        Algorithm::P256 => (TsHash::Sha256, alg::ECDSA_SHA256),
    };
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(crate::crypto::sha256(&unit.cert_der))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
                issuer_uid: None,
            }),
        }],
        policies: None,
    };
    let signing_time = crate::pki::cert::time_from_unix(gen_time.unix_millis().div_euclid(1000))
        .map_err(|e| TspError::Encoding(e.to_string()))?;
    // SetOfVec sorts by DER encoding, as a DER SET OF must be (RFC 5652 §5.4).
    let signed_attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
        attribute(oid::CONTENT_TYPE, Any::encode_from(&oid::CT_TST_INFO)?)?,
        attribute(
            oid::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.digest(&tst_der))?)?,
        )?,
        attribute(oid::SIGNING_TIME, Any::encode_from(&signing_time)?)?,
        attribute(oid::SIGNING_CERTIFICATE_V2, Any::encode_from(&ess)?)?,
    ])?;
    // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET (tag 0x31).
    let signature = unit.signer.sign(&signed_attrs.to_der()?)?;

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest.algorithm_identifier(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: signature_oid,
            parameters: None,
        },
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let certificates = if req.cert_req {
        Some(CertificateSet::try_from(vec![
            CertificateChoices::Certificate(cert.clone()),
        ])?)
    } else {
        None
    };
    let signed_data = SignedData {
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![digest.algorithm_identifier()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::CT_TST_INFO,
            econtent: Some(Any::new(Tag::OctetString, tst_der)?),
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info])?,
    };
    Ok(ContentInfo {
        content_type: oid::SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    })
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

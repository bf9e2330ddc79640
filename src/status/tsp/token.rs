//! Time-stamp tokens: [`parse_token`] reads a token (a CMS `SignedData` over a `TSTInfo`)
//! into a [`ParsedToken`], whose [`ParsedToken::verify_signature`] validates it against a TSU
//! certificate.
//!
//! Owns token parsing and validation; must not import the responder or the client, and
//! checks no certificate chain.

use super::{MessageImprint, SigningCertificateV2, TsHash, TspError, TstInfo, oid};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, AnyRef, Int, OctetString, SetOfVec};
use der::{Decode, Encode, SliceReader, Tag, Tagged};
use x509_cert::attr::Attribute;

/// A decoded time-stamp token. Parsing checks its structure only; see
/// [`ParsedToken::verify_signature`].
#[derive(Clone, Debug)]
pub struct ParsedToken {
    /// The token (ContentInfo) DER.
    pub der: Vec<u8>,
    /// The TSTInfo.
    pub tst_info: TstInfo,
    /// The TSTInfo DER, exactly as carried in eContent.
    pub tst_info_der: Vec<u8>,
    /// The signer's digestAlgorithm.
    pub digest_algorithm: ObjectIdentifier,
    /// The signer's signatureAlgorithm.
    pub signature_algorithm: ObjectIdentifier,
    /// The signer identifier.
    pub sid: SignerIdentifier,
    /// The signed attributes, exactly as signed: the DER `SET OF Attribute` (tag 0x31).
    pub signed_attributes_der: Vec<u8>,
    /// The signature value.
    pub signature: Vec<u8>,
    /// Certificates carried in the token (DER), if any.
    pub certificates: Vec<Vec<u8>>,
}

impl ParsedToken {
    /// serialNumber: the INTEGER's content octets (big-endian two's complement).
    pub fn serial(&self) -> &[u8] {
        self.tst_info.serial_number.as_bytes()
    }

    /// nonce: the INTEGER's content octets, when present.
    pub fn nonce(&self) -> Option<&[u8]> {
        self.tst_info.nonce.as_ref().map(Int::as_bytes)
    }

    /// The TSA policy.
    pub fn policy(&self) -> ObjectIdentifier {
        self.tst_info.policy
    }

    /// genTime, Unix milliseconds.
    pub fn gen_time_unix_millis(&self) -> i64 {
        self.tst_info.gen_time.unix_millis()
    }

    /// The message imprint.
    pub fn message_imprint(&self) -> &MessageImprint {
        &self.tst_info.message_imprint
    }

    /// The imprint's hash algorithm, when it is one of ours.
    pub fn hash(&self) -> Option<TsHash> {
        TsHash::from_oid(&self.tst_info.message_imprint.hash_algorithm.oid)
    }

    /// The carried certificate the signer identifier points at, if any.
    pub fn signer_certificate(&self) -> Option<&[u8]> {
        self.certificates
            .iter()
            .find(|c| {
                x509_cert::Certificate::from_der(c).is_ok_and(|cert| identifies(&self.sid, &cert))
            })
            .map(Vec::as_slice)
    }

    /// Check that the token was signed by the key of `cert_der`: the signer identifier
    /// names that certificate, the signed attributes hold contentType id-ct-TSTInfo, the
    /// messageDigest of the TSTInfo and a signingCertificateV2 whose first hash is that of
    /// the certificate, and the signature over them verifies (SM2 with the default ID).
    ///
    /// The certificate itself (chain, validity, extended key usage) is not checked here.
    pub fn verify_signature(&self, cert_der: &[u8]) -> Result<(), TspError> {
        let fail = |s: &str| TspError::Verification(s.to_string());
        let cert = x509_cert::Certificate::from_der(cert_der)?;
        if !identifies(&self.sid, &cert) {
            return Err(fail("the signer identifier does not name this certificate"));
        }
        let attrs = SetOfVec::<Attribute>::from_der(&self.signed_attributes_der)?;
        let single = |oid: ObjectIdentifier| -> Result<&Any, TspError> {
            let mut found = attrs.iter().filter(|a| a.oid == oid);
            match (found.next(), found.next()) {
                (Some(a), None) if a.values.len() == 1 => a
                    .values
                    .iter()
                    .next()
                    .ok_or_else(|| fail("empty attribute")),
                _ => Err(TspError::Verification(format!(
                    "signed attribute {oid} must be present once with one value"
                ))),
            }
        };
        if single(oid::CONTENT_TYPE)?.decode_as::<ObjectIdentifier>()? != oid::CT_TST_INFO {
            return Err(fail("contentType is not id-ct-TSTInfo"));
        }
        let digest = TsHash::from_oid(&self.digest_algorithm)
            .ok_or_else(|| fail("unsupported digest algorithm"))?;
        let md = single(oid::MESSAGE_DIGEST)?.decode_as::<OctetString>()?;
        if md.as_bytes() != digest.digest(&self.tst_info_der).as_slice() {
            return Err(fail("messageDigest does not match the TSTInfo"));
        }
        let ess = single(oid::SIGNING_CERTIFICATE_V2)?.decode_as::<SigningCertificateV2>()?;
        let first = ess
            .certs
            .first()
            .ok_or_else(|| fail("signingCertificateV2 lists no certificate"))?;
        let ess_hash = match &first.hash_algorithm {
            None => TsHash::Sha256,
            Some(a) => TsHash::from_oid(&a.oid)
                .ok_or_else(|| fail("unsupported signingCertificateV2 hash"))?,
        };
        if first.cert_hash.as_bytes() != ess_hash.digest(cert_der).as_slice() {
            return Err(fail("signingCertificateV2 names another certificate"));
        }
        let spki = cert.tbs_certificate().subject_public_key_info().to_der()?;
        crate::crypto::verify::verify_signature(
            &spki,
            self.signature_algorithm,
            None,
            &self.signed_attributes_der,
            &self.signature,
        )
        .map_err(|e| TspError::Verification(e.to_string()))
    }
}

/// Whether `sid` names `cert`.
fn identifies(sid: &SignerIdentifier, cert: &x509_cert::Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            isn.issuer == *tbs.issuer() && isn.serial_number == *tbs.serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => tbs
            .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, own)| own == *ski),
    }
}

/// Decode a DER time-stamp token (`ContentInfo` holding a `SignedData` over a TSTInfo).
pub fn parse_token(der_bytes: &[u8]) -> Result<ParsedToken, TspError> {
    parse_content_info(&ContentInfo::from_der(der_bytes)?)
}

pub(super) fn parse_content_info(ci: &ContentInfo) -> Result<ParsedToken, TspError> {
    let malformed = |s: &str| TspError::Malformed(s.to_string());
    if ci.content_type != oid::SIGNED_DATA {
        return Err(malformed("the token is not a SignedData"));
    }
    let sd_der = ci.content.to_der()?;
    let sd = SignedData::from_der(&sd_der)?;
    if sd.encap_content_info.econtent_type != oid::CT_TST_INFO {
        return Err(malformed("the token does not hold a TSTInfo"));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| malformed("the token has no eContent"))?;
    if econtent.tag() != Tag::OctetString {
        return Err(malformed("eContent is not an OCTET STRING"));
    }
    let tst_info_der = econtent.value().to_vec();
    let tst_info = TstInfo::from_der(&tst_info_der)?;
    let mut infos = sd.signer_infos.0.iter();
    let si = match (infos.next(), infos.next()) {
        (Some(si), None) => si,
        _ => return Err(malformed("a token has exactly one SignerInfo")),
    };
    let certificates = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(cert) => cert.to_der().ok(),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    Ok(ParsedToken {
        der: ci.to_der()?,
        tst_info,
        tst_info_der,
        digest_algorithm: si.digest_alg.oid,
        signature_algorithm: si.signature_algorithm.oid,
        sid: si.sid.clone(),
        signed_attributes_der: raw_signed_attributes(&sd_der)?,
        signature: si.signature.as_bytes().to_vec(),
        certificates,
    })
}

/// The signed attributes of the (single) SignerInfo of a DER SignedData, exactly as
/// encoded, re-tagged from `[0] IMPLICIT` to SET (0x31) as RFC 5652 §5.4 signs them.
/// Read from the raw bytes: a decoded and re-encoded SET OF would be re-sorted.
fn raw_signed_attributes(signed_data_der: &[u8]) -> Result<Vec<u8>, TspError> {
    let missing = || TspError::Malformed("the SignerInfo has no signed attributes".into());
    let sd = AnyRef::from_der(signed_data_der)?;
    let mut r = SliceReader::new(sd.value())?;
    // version, digestAlgorithms (a SET too), encapContentInfo, then [0] certificates and
    // [1] crls (optional), then signerInfos (SET).
    for _ in 0..3 {
        AnyRef::decode(&mut r)?;
    }
    let mut element = AnyRef::decode(&mut r)?;
    while element.tag() != Tag::Set {
        element = AnyRef::decode(&mut r)?;
    }
    let mut infos = SliceReader::new(element.value())?;
    let si = AnyRef::decode(&mut infos)?;
    let mut fields = SliceReader::new(si.value())?;
    for _ in 0..3 {
        // version, sid, digestAlgorithm
        AnyRef::decode(&mut fields)?;
    }
    let attrs = AnyRef::decode(&mut fields)?;
    let tag = attrs.tag();
    if !(tag.is_context_specific() && tag.is_constructed() && tag.number().value() == 0) {
        return Err(missing());
    }
    Ok(Any::new(Tag::Set, attrs.value())?.to_der()?)
}

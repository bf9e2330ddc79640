//! caIssuers (RFC 5280 §4.2.2.1): fetching the certificate(s) of a certificate's issuer from
//! the URL its authorityInfoAccess names, with the [`RevocationFetcher`]'s rules (the
//! caller's allow-list checked for the exact URL before any network access, plain `http://`
//! only, no redirects, the timeout) and a body cap of [`MAX_BYTES`]. The answer must be a DER
//! certificate or a DER PKCS#7 "certs-only" SignedData of at most [`MAX_CERTS`] certificates;
//! each is parsed before it is returned. Nothing here makes a fetched certificate trusted: the
//! caller hands them to path building as candidates, and the validator decides.

use super::fetch::{FetchError, RevocationFetcher};
use crate::verify::cert::Cert;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};

/// id-ad-caIssuers.
pub const AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
/// Largest caIssuers answer accepted, bytes.
pub const MAX_BYTES: usize = 256 * 1024;
/// Most certificates taken from one caIssuers answer.
pub const MAX_CERTS: usize = 16;

/// signedData (RFC 5652) and its GM/T 0010 twin.
const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const GM_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.2");

/// The caIssuers URIs of a certificate.
pub fn ca_issuers_urls(cert: &Cert) -> Vec<String> {
    super::fetch::aia_urls(cert, AD_CA_ISSUERS)
}

/// The certificates of a caIssuers answer: one DER certificate, or the certificates of a DER
/// PKCS#7 certs-only SignedData (other certificate choices are skipped). Each parses.
pub fn parse_answer(url: &str, body: &[u8]) -> Result<Vec<Vec<u8>>, FetchError> {
    let bad = |what: String| FetchError::Malformed(format!("{url}: {what}"));
    if Cert::shared(body).is_ok() {
        return Ok(vec![body.to_vec()]);
    }
    let ci = cms::content_info::ContentInfo::from_der(body).map_err(|e| {
        bad(format!(
            "neither a DER certificate nor a PKCS#7 bundle: {e}"
        ))
    })?;
    if ci.content_type != SIGNED_DATA && ci.content_type != GM_SIGNED_DATA {
        return Err(bad(format!(
            "PKCS#7 content type {} is not signedData",
            ci.content_type
        )));
    }
    let sd: cms::signed_data::SignedData = ci
        .content
        .decode_as()
        .map_err(|e| bad(format!("not a SignedData: {e}")))?;
    let mut out = Vec::new();
    for choice in sd.certificates.iter().flat_map(|set| set.0.iter()) {
        if let cms::cert::CertificateChoices::Certificate(c) = choice {
            if out.len() == MAX_CERTS {
                return Err(bad(format!("more than {MAX_CERTS} certificates")));
            }
            let der_bytes = c
                .to_der()
                .map_err(|e| bad(format!("a certificate does not encode: {e}")))?;
            Cert::shared(&der_bytes)
                .map_err(|e| bad(format!("a certificate does not parse: {e}")))?;
            out.push(der_bytes);
        }
    }
    if out.is_empty() {
        return Err(bad("the PKCS#7 bundle carries no certificate".into()));
    }
    Ok(out)
}

impl RevocationFetcher {
    /// The certificates at caIssuers `url`, which must be in `allowed` (checked when this is
    /// called, before the returned future is polled): GET, HTTP 200 only, at most
    /// [`MAX_BYTES`], parsed by [`parse_answer`]. Not cached.
    pub fn ca_issuers<'a>(
        &'a self,
        url: &'a str,
        allowed: &dyn Fn(&str) -> bool,
    ) -> impl Future<Output = Result<Vec<Vec<u8>>, FetchError>> + Send + use<'a> {
        let fetch = self.get_accepting(
            url,
            allowed,
            "application/pkix-cert, application/pkcs7-mime",
            MAX_BYTES,
        );
        async move { parse_answer(url, &fetch.await?) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Algorithm, PrivateKey, Signer};
    use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr};

    fn self_signed_ca() -> Vec<u8> {
        let signer = PrivateKey::generate(Algorithm::Sm2)
            .unwrap()
            .signer()
            .unwrap();
        let name = NameBuilder::new()
            .push(attr::CN, StringKind::Utf8, "caIssuers test")
            .build()
            .unwrap();
        let now = crate::clock::now_secs();
        cert::sign_certificate(
            &CertificateTemplate {
                serial: vec![7],
                issuer: name.clone(),
                subject: name,
                not_before: now - 60,
                not_after: now + 86_400,
                spki_der: signer.public_key_spki().to_vec(),
                extensions: vec![
                    cert::extensions::basic_constraints(true, None).unwrap(),
                    cert::extensions::key_usage(&["keyCertSign", "cRLSign"]).unwrap(),
                ],
            },
            &signer,
        )
        .unwrap()
    }

    #[test]
    fn answers_are_parsed_before_use() {
        // Garbage, an empty SignedData and a non-SignedData ContentInfo are refused.
        for junk in [
            &b"not a certificate"[..],
            &[0x30, 0x03, 0x02, 0x01, 0x00][..],
        ] {
            let e = parse_answer("http://x/ca.cer", junk).unwrap_err();
            assert!(matches!(e, FetchError::Malformed(_)), "{e}");
            assert!(e.to_string().starts_with("http://x/ca.cer: "), "{e}");
        }
        // ContentInfo { id-data, [0] OCTET STRING "" }.
        let data = [
            0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0,
            0x02, 0x04, 0x00,
        ];
        let e = parse_answer("http://x/ca.p7c", &data).unwrap_err();
        assert!(e.to_string().contains("is not signedData"), "{e}");
    }

    #[test]
    fn a_certificate_and_a_certs_only_bundle() {
        let cert = self_signed_ca();
        assert_eq!(
            parse_answer("http://x/a.cer", &cert).unwrap(),
            vec![cert.clone()]
        );
        // A degenerate SignedData carrying the certificate twice.
        let parsed = x509_cert::Certificate::from_der(&cert).unwrap();
        let set = cms::signed_data::CertificateSet(
            der::asn1::SetOfVec::try_from(vec![cms::cert::CertificateChoices::Certificate(
                parsed.clone(),
            )])
            .unwrap(),
        );
        let sd = cms::signed_data::SignedData {
            version: cms::content_info::CmsVersion::V1,
            digest_algorithms: der::asn1::SetOfVec::new(),
            encap_content_info: cms::signed_data::EncapsulatedContentInfo {
                econtent_type: const_oid::db::rfc5911::ID_DATA,
                econtent: None,
            },
            certificates: Some(set),
            crls: None,
            signer_infos: cms::signed_data::SignerInfos(der::asn1::SetOfVec::new()),
        };
        let ci = cms::content_info::ContentInfo {
            content_type: SIGNED_DATA,
            content: der::Any::encode_from(&sd).unwrap(),
        };
        let bundle = ci.to_der().unwrap();
        assert_eq!(parse_answer("http://x/a.p7c", &bundle).unwrap(), vec![cert]);
    }
}

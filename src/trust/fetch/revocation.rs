//! Fetching one OCSP response or one CRL: the nonce-less SHA-1 CertID request (RFC 5019)
//! sent by POST, the checks that the answer parses, is `successful` and answers for the
//! certificate asked about, and the CRL parse; each answer is cached until its nextUpdate.
//!
//! Must not import: `crate::crypto` (signatures are the path validator's to check), the chain
//! walk (`gather`), or anything that sends a request other than
//! [`RevocationFetcher::exchange`](super::RevocationFetcher::exchange).

use super::{FetchError, Fetched, RevocationFetcher, check_url};
use crate::status::ocsp::{
    BasicOcspResponse, CertId, OCSP_BASIC, OcspRequest, OcspResponse, Request, ResponseStatus,
    TbsRequest,
};
use crate::verify::cert::{Cert, names_equal};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use http_body_util::Full;
use hyper::body::Bytes;
use spki::AlgorithmIdentifierOwned;
use x509_cert::serial_number::SerialNumber;

/// Largest OCSP response accepted, whatever
/// [`FetchConfig::max_bytes`](super::FetchConfig::max_bytes) says.
pub const OCSP_MAX_BYTES: usize = 64 * 1024;

/// id-sha1 (the CertID hash of RFC 5019 clients).
pub(super) const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// The DER `CertID` (SHA-1) for `cert` issued by `issuer`.
fn cert_id(cert: &Cert, issuer: &Cert) -> Result<CertId, FetchError> {
    let bad = |what: &str| FetchError::Malformed(format!("cannot build the OCSP request: {what}"));
    let name = issuer
        .subject
        .to_der()
        .map_err(|e| bad(&format!("issuer name: {e}")))?;
    let spki = spki::SubjectPublicKeyInfoRef::from_der(&issuer.spki_der)
        .map_err(|e| bad(&format!("issuer key: {e}")))?;
    let sha1 = |data: &[u8]| {
        ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
            .as_ref()
            .to_vec()
    };
    // The serial exactly as the certificate encodes it.
    let len = u8::try_from(cert.serial.len())
        .ok()
        .filter(|l| *l < 0x80 && *l > 0)
        .ok_or_else(|| bad("serial number length"))?;
    let mut serial_der = vec![0x02, len];
    serial_der.extend_from_slice(&cert.serial);
    let serial_number =
        SerialNumber::from_der(&serial_der).map_err(|e| bad(&format!("serial number: {e}")))?;
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: SHA1,
            parameters: None,
        },
        issuer_name_hash: OctetString::new(sha1(&name)).map_err(|e| bad(&e.to_string()))?,
        issuer_key_hash: OctetString::new(sha1(spki.subject_public_key.raw_bytes()))
            .map_err(|e| bad(&e.to_string()))?,
        serial_number,
    })
}

/// An OCSPRequest for one CertID, without nonce (RFC 5019: cacheable answers).
fn ocsp_request(id: &CertId) -> Result<Vec<u8>, FetchError> {
    OcspRequest {
        tbs_request: TbsRequest {
            version: 0,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: id.clone(),
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(|e| FetchError::Malformed(format!("cannot encode the OCSP request: {e}")))
}

/// Whether an OCSP answer is a refusal that asking again soon would not change:
/// `unauthorized` (the responder does not serve this issuer), `malformedRequest` or
/// `sigRequired`. `tryLater` and `internalError` are not: they are asked again.
fn lasting_refusal(der_bytes: &[u8]) -> bool {
    OcspResponse::from_der(der_bytes).is_ok_and(|r| {
        matches!(
            r.response_status,
            ResponseStatus::Unauthorized
                | ResponseStatus::MalformedRequest
                | ResponseStatus::SigRequired
        )
    })
}

/// Check an OCSP answer: successful, basic, with a SingleResponse for `id`. Returns the
/// response's nextUpdate (Unix seconds) for `id`, if any.
fn check_ocsp_response(
    url: &str,
    der_bytes: &[u8],
    id: &CertId,
) -> Result<Option<i64>, FetchError> {
    let bad = |what: String| FetchError::Malformed(format!("{url}: {what}"));
    let resp =
        OcspResponse::from_der(der_bytes).map_err(|e| bad(format!("not an OCSP response: {e}")))?;
    if resp.response_status != ResponseStatus::Successful {
        return Err(FetchError::Http(format!(
            "{url}: OCSP responder status {:?}",
            resp.response_status
        )));
    }
    let body = resp
        .response_bytes
        .ok_or_else(|| bad("successful OCSP response without responseBytes".into()))?;
    if body.response_type != OCSP_BASIC {
        return Err(bad(format!(
            "OCSP response type {} is not id-pkix-ocsp-basic",
            body.response_type
        )));
    }
    let basic = BasicOcspResponse::from_der(body.response.as_bytes())
        .map_err(|e| bad(format!("not a BasicOCSPResponse: {e}")))?;
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|s| {
            let r = &s.cert_id;
            r.serial_number.as_bytes() == id.serial_number.as_bytes()
                && (r.hash_algorithm.oid != id.hash_algorithm.oid
                    || (r.issuer_name_hash == id.issuer_name_hash
                        && r.issuer_key_hash == id.issuer_key_hash))
        })
        .ok_or_else(|| {
            bad("the OCSP response does not answer for the certificate asked about".into())
        })?;
    Ok(single
        .next_update
        .map(|t| i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)))
}

/// Check a CRL; returns its nextUpdate (Unix seconds), if any.
fn check_crl(url: &str, der_bytes: &[u8]) -> Result<Option<i64>, FetchError> {
    let crl = crate::verify::revocation::Crl::from_der(der_bytes)
        .map_err(|e| FetchError::Malformed(format!("{url}: {e}")))?;
    Ok(crl.next_update)
}

impl RevocationFetcher {
    /// OCSP for `cert` issued by `issuer` from responder `url`, which must be in `allowed`.
    ///
    /// Sends a nonce-less RFC 6960 request with one SHA-1 CertID by POST; accepts only HTTP
    /// 200 with a `successful` basic response answering for that CertID (the signature is for
    /// the path validator to check). Responder statuses other than `successful` are
    /// [`FetchError::Http`].
    ///
    /// `allowed`, the URL form and the certificates are checked when this is called, before
    /// the returned future is polled; the future holds no reference to `allowed`, so it is
    /// `Send` whatever the predicate is.
    pub fn ocsp<'a>(
        &'a self,
        url: &'a str,
        cert: &[u8],
        issuer: &[u8],
        allowed: &dyn Fn(&str) -> bool,
    ) -> impl Future<Output = Result<Fetched, FetchError>> + Send + use<'a> {
        let prepared = check_url(url, allowed, &self.cfg.refusal).and_then(|uri| {
            let c = Cert::shared(cert)
                .map_err(|e| FetchError::Malformed(format!("certificate: {e}")))?;
            let i = Cert::shared(issuer)
                .map_err(|e| FetchError::Malformed(format!("issuer certificate: {e}")))?;
            Ok((uri, c, i))
        });
        async move {
            let (uri, c, i) = prepared?;
            self.fetch_ocsp(url, uri, &c, &i).await
        }
    }

    /// OCSP for a parsed certificate and issuer from an already checked URL.
    pub(super) async fn fetch_ocsp(
        &self,
        url: &str,
        uri: hyper::Uri,
        c: &Cert,
        i: &Cert,
    ) -> Result<Fetched, FetchError> {
        if !names_equal(&c.issuer, &i.subject) {
            return Err(FetchError::Malformed(format!(
                "{} is not the issuer of {}",
                i.subject_text(),
                c.describe()
            )));
        }
        let id = cert_id(c, i)?;
        let id_der = id
            .to_der()
            .map_err(|e| FetchError::Malformed(format!("cannot encode the CertID: {e}")))?;
        let key = format!("ocsp {url} {}", hex::encode(&id_der));
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        if let Some(message) = self.refused(&key) {
            return Err(FetchError::Http(format!(
                "{message} (remembered: asked again after at most {} s)",
                super::cache::REFUSAL_TTL_MS / 1000
            )));
        }
        let body = ocsp_request(&id)?;
        let req = hyper::Request::post(uri)
            .header(hyper::header::CONTENT_TYPE, "application/ocsp-request")
            .header(hyper::header::ACCEPT, "application/ocsp-response")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| FetchError::Scheme(format!("{url}: {e}")))?;
        let fetched_ms = crate::clock::now_millis();
        let der_bytes = self
            .exchange(url, req, self.cfg.max_bytes.min(OCSP_MAX_BYTES))
            .await?;
        let next_update = match check_ocsp_response(url, &der_bytes, &id) {
            Ok(n) => n,
            Err(e) => {
                if lasting_refusal(&der_bytes) {
                    self.remember_refusal(&key, &e.to_string(), fetched_ms);
                }
                return Err(e);
            }
        };
        self.remember(key, &der_bytes, fetched_ms, next_update);
        Ok(Fetched {
            der: der_bytes,
            from_cache: false,
            fetched_at: fetched_ms.div_euclid(1000),
        })
    }

    /// A CRL (full or delta) from `url`, which must be in `allowed`. GET; accepts only HTTP 200
    /// with a DER CertificateList (its signature is for the path validator to check).
    ///
    /// `allowed` and the URL form are checked when this is called, before the returned future
    /// is polled; the future is `Send` whatever the predicate is.
    pub fn crl<'a>(
        &'a self,
        url: &'a str,
        allowed: &dyn Fn(&str) -> bool,
    ) -> impl Future<Output = Result<Fetched, FetchError>> + Send + use<'a> {
        let checked = check_url(url, allowed, &self.cfg.refusal);
        async move { self.fetch_crl(url, checked?).await }
    }

    /// A CRL from an already checked URL.
    pub(super) async fn fetch_crl(
        &self,
        url: &str,
        uri: hyper::Uri,
    ) -> Result<Fetched, FetchError> {
        let key = format!("crl {url}");
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let req = hyper::Request::get(uri)
            .header(hyper::header::ACCEPT, "application/pkix-crl")
            .body(Full::new(Bytes::new()))
            .map_err(|e| FetchError::Scheme(format!("{url}: {e}")))?;
        let fetched_ms = crate::clock::now_millis();
        let der_bytes = self.exchange(url, req, self.cfg.max_bytes).await?;
        let next_update = check_crl(url, &der_bytes)?;
        self.remember(key, &der_bytes, fetched_ms, next_update);
        Ok(Fetched {
            der: der_bytes,
            from_cache: false,
            fetched_at: fetched_ms.div_euclid(1000),
        })
    }
}

//! Entry points of the fuzz targets (fuzz/) and of their regression test
//! (tests/fuzz_regressions.rs): each feeds arbitrary bytes to one parser of outside input and
//! must return without panicking, whatever the bytes. Owns nothing else; imports the parsers
//! only.
//!
//! Each entry calls the public parsing entry point(s) the service, the CLI or the verifiers use
//! on outside input, discards the result, and on success exercises a cheap follow-up
//! (re-encoding, reading fields, the checks that need no trust anchor). The document, seal and
//! licence entries also run the offline verification (no anchors, no registry, no recognized
//! regions, nothing fetched) that a relying party runs on the same bytes, on a current-thread
//! runtime of their own: do not call them from inside an async runtime.
//!
//! The time is fixed ([`NOW`]) so that a crash input reproduces.

use crate::document::{cms, ofd, pdf};
use crate::licence::{identifier::LicenceId, kind::LicenceKind, qr};
use crate::seal::format::{Seal, SesSignature};
use crate::seal::verify::VerifyOptions;
use crate::status::ocsp::{self, BasicOcspResponse, IdHash, OcspResponse, ResponseData};
use crate::status::tsp::{self, ParsedToken, TimeStampReq, TsaPolicy};
use crate::verify::cert::{Cert, dn_string};
use crate::verify::context::Context;
use crate::verify::purpose::Purpose;
use crate::verify::reason::FailureReason;
use crate::verify::revocation::{Crl, RevocationContext, ocsp_status};
use der::{Decode, Encode};
use std::sync::{Arc, OnceLock};

/// The time every target runs at (2026-01-01T00:00:00Z, Unix seconds).
pub const NOW: i64 = 1_767_225_600;

/// A fuzz target: `fn(&[u8])`, which must return whatever the bytes.
pub type Target = fn(&[u8]);

/// Every target by name: the names of the `fuzz/fuzz_targets/*.rs` files and of the folders
/// of `fuzz/corpus/` and `fuzz/regressions/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("certificate", certificate),
    ("crl", crl),
    ("ocsp_request", ocsp_request),
    ("ocsp_response", ocsp_response),
    ("tsp_query", tsp_query),
    ("tsp_response", tsp_response),
    ("tsp_token", tsp_token),
    ("cms", cms),
    ("seal", seal),
    ("ses_signature", ses_signature),
    ("ofd", ofd),
    ("trust_list", trust_list),
    ("csr", csr),
    ("pem", pem),
    ("json_bodies", json_bodies),
    ("licence_kind", licence_kind),
    ("pdf", pdf),
    ("qr_payload", qr_payload),
    ("licence_id", licence_id),
    ("qr_photo", qr_photo),
    ("aia_answer", aia_answer),
    ("licence_status", licence_status),
    ("oidc", oidc),
    ("sm2_differential", sm2_differential),
];

/// Run `f` to completion on this thread's current-thread runtime.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime");
    }
    RUNTIME.with(|rt| rt.block_on(f))
}

/// A relying party with no material of its own at [`NOW`].
fn offline() -> VerifyOptions<'static> {
    static CONTEXT: OnceLock<Arc<Context>> = OnceLock::new();
    VerifyOptions::offline(CONTEXT.get_or_init(Arc::default).clone(), NOW)
}

/// The built-in licence kinds.
fn catalogue() -> &'static crate::licence::kind::Catalogue {
    static CATALOGUE: OnceLock<crate::licence::kind::Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(crate::licence::kind::Catalogue::builtin)
}

/// The date licence field rules are judged at ([`NOW`]).
fn today() -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(NOW)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
}

/// What every parsed certificate gets: the reads validation makes.
fn read_cert(c: &Cert) {
    let _ = (c.names(), c.describe(), c.is_ca(), dn_string(&c.issuer));
    let _ = crate::trust::aia::ca_issuers_urls(c);
    for p in Purpose::ALL {
        let _ = p.check(c);
    }
}

/// A DER certificate (`Cert::from_der`, as `Cert::shared` parses), then its reads and path
/// validation with itself as the only anchor (document-signer purpose).
pub fn certificate(data: &[u8]) {
    let Ok(c) = Cert::from_der(data) else { return };
    read_cert(&c);
    let opts = VerifyOptions::offline(Context::builder().anchors([data]).shared(), NOW);
    let inputs = opts.chain_inputs();
    let _ = block_on(crate::verify::chain::validate_for(
        data,
        &[],
        NOW,
        Purpose::DocumentSigner,
        &inputs,
    ));
}

/// A DER CRL (`verify::revocation::Crl::from_der`), then its entries.
pub fn crl(data: &[u8]) {
    let Ok(c) = Crl::from_der(data) else { return };
    let _ = dn_string(&c.issuer);
    for e in &c.entries {
        let _ = (dn_string(&e.issuer), e.reason, e.revoked_at);
    }
}

/// A DER OCSPRequest (`status::ocsp::parse_request`, what the responder reads), then its
/// CertIDs re-encoded.
pub fn ocsp_request(data: &[u8]) {
    if let Ok(req) = ocsp::OcspRequest::from_der(data) {
        let _ = req.to_der();
    }
    let Ok(parsed) = ocsp::parse_request(data) else {
        return;
    };
    for id in &parsed.ids {
        let _ = (IdHash::from_oid(&id.hash_algorithm.oid), id.to_der());
    }
}

/// Signature checks that pass and signers that are valid: reaches what the OCSP status
/// decision does after the signature.
struct Accepting;

impl RevocationContext for Accepting {
    fn verify(
        &mut self,
        _: &[u8],
        _: der::oid::ObjectIdentifier,
        _: Option<&[u8]>,
        _: &[u8],
        _: &[u8],
    ) -> Result<(), FailureReason> {
        Ok(())
    }
    fn signer_valid(&mut self, _: &Cert) -> bool {
        true
    }
    fn certs_named(&self, _: &x509_cert::name::Name) -> Vec<Arc<Cert>> {
        Vec::new()
    }
}

/// A DER OCSPResponse as revocation checking reads it: `OcspResponse::from_der`, the
/// `BasicOCSPResponse` and its `ResponseData`; then `verify::revocation::ocsp_status` for a
/// certificate with the first CertID's serial, issued by each of the (first four)
/// certificates the response carries in turn, with every signature accepted.
pub fn ocsp_response(data: &[u8]) {
    let Ok(resp) = OcspResponse::from_der(data) else {
        return;
    };
    let _ = resp.to_der();
    let Some(body) = &resp.response_bytes else {
        return;
    };
    let Ok(basic) = BasicOcspResponse::from_der(body.response.as_bytes()) else {
        return;
    };
    let Ok(tbs) = basic.tbs_response_data.to_der() else {
        return;
    };
    let Ok(rd) = ResponseData::from_der(&tbs) else {
        return;
    };
    let Some(single) = rd.responses.first() else {
        return;
    };
    let at = rd.produced_at.to_unix_duration().as_secs() as i64;
    let carried = basic.certs.iter().flatten().take(4);
    for issuer in carried.filter_map(|c| Cert::from_der(&c.to_der().ok()?).ok()) {
        let mut target = issuer.clone();
        target.serial = single.cert_id.serial_number.as_bytes().to_vec();
        let _ = ocsp_status(&target, &issuer, &[data.to_vec()], at, &mut Accepting);
    }
}

/// A DER TimeStampReq: decoded and re-encoded, then answered by `status::tsp::respond` with
/// no time-stamping unit (every request is refused); the answer must parse.
pub fn tsp_query(data: &[u8]) {
    if let Ok(req) = TimeStampReq::from_der(data) {
        let _ = req.to_der();
    }
    let policy = TsaPolicy {
        policy: der::oid::ObjectIdentifier::new_unwrap("1.2.3.4"),
        accuracy_seconds: 1,
    };
    let answer = tsp::respond(data, NOW * 1000, 1, &|_| None, &policy);
    assert!(
        tsp::parse_response(&answer).is_ok(),
        "the responder's answer does not parse"
    );
}

/// The reads and the signature check of a parsed time-stamp token.
fn read_token(t: &ParsedToken) {
    let _ = (t.serial(), t.nonce(), t.policy(), t.hash());
    let _ = (t.gen_time_unix_millis(), t.message_imprint());
    if let Some(cert) = t.signer_certificate() {
        let _ = t.verify_signature(cert);
    }
    for c in &t.certificates {
        let _ = Cert::from_der(c);
    }
}

/// A DER TimeStampResp (`status::tsp::parse_response`), then its token.
pub fn tsp_response(data: &[u8]) {
    let Ok(r) = tsp::parse_response(data) else {
        return;
    };
    let _ = r.failures();
    if let Some(t) = &r.token {
        read_token(t);
    }
}

/// A DER time-stamp token (`status::tsp::parse_token`), then its reads and signature.
pub fn tsp_token(data: &[u8]) {
    if let Ok(t) = tsp::parse_token(data) {
        read_token(&t);
    }
}

/// A CMS SignedData (PEM, base64, DER or BER): `document::cms::verify_detached` (over fixed
/// data), `verify_embedded` and `embedded_content`, then the BER re-encoding alone.
pub fn cms(data: &[u8]) {
    if let Ok(info) = cms::verify_detached(data, b"fuzz") {
        let _ = Cert::from_der(&info.signer_cert);
    }
    if let Ok(info) = cms::verify_embedded(data)
        && let Some(t) = &info.timestamp
    {
        let _ = tsp::parse_token(t);
    }
    let _ = cms::embedded_content(data);
    if let Some(n) = cms::ber::extent(data) {
        let _ = cms::ber::definite(&data[..n]);
    }
}

/// The reads and anchor-free checks of a parsed seal.
fn read_seal(s: &Seal) {
    let _ = (s.verify_maker_signature(), s.unknown_critical_ext_datas());
    let _ = Cert::from_der(&s.maker_cert);
    if let Some(t) = &s.draft_timestamp {
        let _ = tsp::parse_token(t);
    }
}

/// A seal (`seal::format::Seal::from_der`, v1 or v4), its checks, then the offline
/// verification of the bytes (`seal::verify::verify`).
pub fn seal(data: &[u8]) {
    if let Ok(s) = Seal::from_der(data) {
        read_seal(&s);
    }
    let _ = crate::seal::format::detect(data);
    let _ = block_on(crate::seal::verify::verify(data, &offline()));
}

/// An electronic signature (`seal::format::SesSignature::from_der`, v1 or v4), its checks
/// and its embedded seal's, then the offline verification (`seal::verify::verify`).
pub fn ses_signature(data: &[u8]) {
    if let Ok(s) = SesSignature::from_der(data) {
        let _ = (s.verify_signature(), s.signer_in_cert_list());
        let _ = (s.check_data(b""), s.validity_at_signing());
        let _ = s.unknown_critical_ext_datas();
        let _ = Cert::from_der(&s.signer_cert);
        if let Some(t) = &s.timestamp {
            let _ = tsp::parse_token(t);
        }
        read_seal(&s.seal);
    }
    let _ = block_on(crate::seal::verify::verify(data, &offline()));
}

/// An OFD package (`document::ofd::Package::from_bytes`, within the reader's limits), its
/// signature list and each `Signature.xml` (`parse_signature_xml`), its custom data and
/// attachments, then the offline verification of every signature
/// (`document::ofd::verify_package`) and the e-licence check of the result.
pub fn ofd(data: &[u8]) {
    let Ok(pkg) = ofd::Package::from_bytes(data) else {
        return;
    };
    if let Ok((entries, _)) = ofd::signature_entries(&pkg) {
        for e in entries.iter().take(ofd::MAX_SIGNATURES) {
            let Some(path) = pkg.resolve(&e.signatures_xml, &e.base_loc) else {
                continue;
            };
            if let Some(bytes) = pkg.get(&path) {
                let _ = ofd::parse_signature_xml(&path, bytes);
            }
        }
    }
    let _ = ofd::embedded::read_embedded(&pkg);
    let opts = offline();
    let report = block_on(ofd::verify_package(&pkg, &opts));
    let verifier = crate::licence::verify::Verifier::new(catalogue(), &opts);
    let _ = block_on(verifier.ofd(&report, &pkg));
}

/// A trust list: its JSON (`trust::list::TrustList::from_json`) and reads; then the signed
/// form (`trust::list::verify_signed`), with no pin and then with its own signer pinned, so
/// that the embedded list is read when the CMS signature verifies.
pub fn trust_list(data: &[u8]) {
    use crate::trust::list::{TrustList, verify_signed};
    if let Ok(l) = TrustList::from_json(data) {
        let _ = (l.canonical_json(), l.supply_points());
        let _ = (l.issued_at(), l.next_update_at());
        for s in &l.services {
            let _ = (s.certificates_der(), s.status_at(NOW));
        }
    }
    let _ = verify_signed(data, &[], NOW);
    if let Ok(info) = cms::verify_embedded(data) {
        let pin = crate::crypto::sha256(&info.signer_cert);
        let _ = verify_signed(data, &[pin], NOW);
    }
}

/// A CSR, PEM or DER: `pki::csr::decode_csr_bytes`, then `pki::csr::verify_csr` (key
/// checks and proof of possession).
pub fn csr(data: &[u8]) {
    if crate::pki::csr::decode_csr_bytes(data).is_ok() {
        let _ = crate::pki::csr::verify_csr(data);
    }
}

/// PEM text: `der::pem::decode_vec` and the DER read as the label says; the PEM readers of
/// CSRs (`pki::csr::decode_csr_bytes`) and of CMS (`document::cms::embedded_content`).
pub fn pem(data: &[u8]) {
    if let Ok((label, der_bytes)) = der::pem::decode_vec(data) {
        match label {
            "CERTIFICATE" => {
                if let Ok(c) = Cert::from_der(&der_bytes) {
                    read_cert(&c);
                }
            }
            "X509 CRL" => {
                let _ = Crl::from_der(&der_bytes);
            }
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                let _ = crate::pki::csr::verify_csr(&der_bytes);
            }
            _ => {
                let _ = cms::embedded_content(&der_bytes);
            }
        }
    }
    let _ = crate::pki::csr::decode_csr_bytes(data);
    let _ = cms::embedded_content(data);
}

/// JSON request bodies (`serde_json::from_slice`) into the request types the library can
/// name: any value; the holders' grant request; the verify and page query types; the licence
/// and seal status statements; and the licence `values` object, checked against every
/// built-in licence kind (`licence::fields::validate`). The API's own body structs are
/// private to `api` and not reached.
pub fn json_bodies(data: &[u8]) {
    use serde_json::{Map, Value, from_slice};
    let _ = from_slice::<Value>(data);
    let _ = from_slice::<crate::holder::grant::GrantRequest>(data);
    let _ = from_slice::<crate::api::verify::VerifyQuery>(data);
    let _ = from_slice::<crate::api::holders::LangQuery>(data);
    let _ = from_slice::<crate::api::holders::Callback>(data);
    let _ = from_slice::<crate::api::pages::LangQuery>(data);
    let _ = from_slice::<crate::licence::status::Statement>(data);
    let _ = from_slice::<crate::seal::status::Statement>(data);
    if let Ok(values) = from_slice::<Map<String, Value>>(data) {
        for kind in catalogue().kinds() {
            let _ = crate::licence::fields::validate(&kind.fields, &values, today());
        }
    }
}

/// A licence kind file (`licence::kind::LicenceKind::parse`, the text UTF-8 lossy), then its
/// fields' rules run on an empty input.
pub fn licence_kind(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(kind) = LicenceKind::parse("fuzz.toml", &text) else {
        return;
    };
    let _ = (kind.field(&kind.holder_name_field), kind.may_issue("fuzz"));
    let _ = crate::licence::fields::validate(&kind.fields, &serde_json::Map::new(), today());
}

/// A PDF (`document::pdf::limits::load`), its validation data, embedded files and custom
/// information; the signature discovery of PAdES extension (`document::pdf::certificates`);
/// then the offline verification (`document::pdf::verify`) and the e-licence check.
pub fn pdf(data: &[u8]) {
    let Ok(doc) = pdf::limits::load(data) else {
        return;
    };
    let _ = pdf::dss::read(&doc);
    let bound = pdf::limits::stream_bound(data.len());
    for name in pdf::embedded::names(&doc) {
        let _ = pdf::embedded::embedded_files(&doc, &name, bound);
    }
    let _ = pdf::embedded::custom_info(&doc);
    let _ = pdf::certificates(data);
    let opts = offline();
    if let Ok(report) = block_on(pdf::verify(data, &opts)) {
        let verifier = crate::licence::verify::Verifier::new(catalogue(), &opts);
        let _ = block_on(verifier.pdf(&report, data));
    }
}

/// A QR code's text (UTF-8 lossy): `licence::qr::decode`, its signature check against no key,
/// then the offline licence verification of the text (`licence::verify::Verifier::qr`).
pub fn qr_payload(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(d) = qr::decode(&text) {
        let _ = d.verify(&[]);
    }
    let opts = offline();
    let verifier = crate::licence::verify::Verifier::new(catalogue(), &opts);
    let _ = block_on(verifier.qr(&text));
}

/// A licence identifier (UTF-8 lossy): `licence::identifier::LicenceId::parse_checked`, then
/// its body and lineage.
pub fn licence_id(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = LicenceId::parse(&text) {
        let _ = (id.body(), id.lineage(), id.check_rule(), id.with_version(2));
    }
    let _ = LicenceId::parse_checked(&text);
}

/// A photo of a QR code, PNG or JPEG (`web::scan::qr_from_photo`, the citizens' upload),
/// then the text read as a licence QR payload.
pub fn qr_photo(data: &[u8]) {
    if let Ok(text) = crate::web::scan::qr_from_photo(data) {
        let _ = qr::decode(&text);
    }
}

/// A caIssuers answer fetched from a URL a certificate names (`trust::aia::parse_answer`):
/// one certificate or a PKCS#7 bundle; then each certificate.
pub fn aia_answer(data: &[u8]) {
    let Ok(certs) = crate::trust::aia::parse_answer("http://fuzz.invalid/ca.p7c", data) else {
        return;
    };
    for c in certs {
        let _ = Cert::from_der(&c);
    }
}

/// A signed licence status fetched from another region (`licence::status::read`), then its
/// signer certificate.
pub fn licence_status(data: &[u8]) {
    if let Ok(r) = crate::licence::status::read(data) {
        let _ = Cert::from_der(&r.signer_cert);
    }
}

/// What an OpenID provider and a holder's browser send: the bytes up to the first newline as
/// a JWKS (`holder::jwt::Jwks::parse`) and as provider metadata (`holder::oidc::Discovery::
/// parse`); the rest (UTF-8 lossy) as an ID token checked under that JWKS
/// (`holder::jwt::verify_id_token`) and as the login cookie (`LoginState::from_cookie`).
pub fn oidc(data: &[u8]) {
    use crate::holder::{jwt, oidc};
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (head, rest) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let jwks = jwt::Jwks::parse(head).unwrap_or_default();
    let _ = oidc::Discovery::parse(head, "https://idp.fuzz.invalid");
    let text = String::from_utf8_lossy(rest);
    let expect = jwt::Expect {
        issuer: "https://idp.fuzz.invalid",
        client_id: "yinxin",
        nonce: "n",
        now: NOW,
    };
    let _ = jwt::verify_id_token(&text, &jwks, &expect);
    let _ = oidc::LoginState::from_cookie(&text, NOW);
}

/// Our SM2 (`yinxin-sm2`) against RustCrypto `sm2`, which must agree; **panics** when they do
/// not, which is what this target looks for. The first 32 bytes are a private key, the next 32
/// a digest, the rest a signature (DER or raw r‖s) and a point, both read as they come:
/// - with a valid key, our signature on the digest verifies with RustCrypto's verifier and
///   RustCrypto's verifies with ours, and both refuse the other's on another digest;
/// - the arbitrary signature under our key, and under the arbitrary point (uncompressed from
///   the bytes after the signature), is accepted by both or by neither, and both accept or
///   refuse the point alike.
pub fn sm2_differential(data: &[u8]) {
    use signature::hazmat::PrehashVerifier as _;
    if data.len() < 64 {
        return;
    }
    let d: [u8; 32] = data[..32].try_into().expect("32 bytes");
    let e: [u8; 32] = data[32..64].try_into().expect("32 bytes");
    let rest = &data[64..];
    let Some(ours) = yinxin_sm2::SigningKey::from_bytes(&d) else {
        return;
    };
    let point = *ours.public_key();
    let theirs_vk = sm2::dsa::VerifyingKey::from_sec1_bytes(crate::crypto::SM2_DEFAULT_ID, &point)
        .expect("our public key is a valid point for RustCrypto");
    let ours_pk = yinxin_sm2::PublicKey::from_uncompressed(&point).expect("our own point");
    let (r, s) = ours.sign_prehash(&e).expect("randomness");
    let mut raw = [0u8; 64];
    raw[..32].copy_from_slice(&r);
    raw[32..].copy_from_slice(&s);
    let sig = sm2::dsa::Signature::from_slice(&raw).expect("r, s in range");
    assert!(
        theirs_vk.verify_prehash(&e, &sig).is_ok(),
        "RustCrypto refused our signature"
    );
    let mut other = e;
    other[0] ^= 1;
    assert!(theirs_vk.verify_prehash(&other, &sig).is_err());
    assert!(!ours_pk.verify_prehash(&other, &sig.r(), &sig.s()));
    // The arbitrary signature, under our key and under an arbitrary point.
    if let Ok(arbitrary) =
        crate::crypto::sm2::sm2_signature_from_bytes(rest.get(..64).unwrap_or(rest))
    {
        let theirs = theirs_vk.verify_prehash(&e, &arbitrary).is_ok();
        let mine = ours_pk.verify_prehash(&e, &arbitrary.r(), &arbitrary.s());
        assert_eq!(mine, theirs, "verdicts differ on an arbitrary signature");
        if let Some(p) = rest.get(64..129) {
            let mut sec1 = [0u8; 65];
            sec1.copy_from_slice(p);
            sec1[0] = 0x04;
            let theirs_key = sm2::dsa::VerifyingKey::from_sec1_bytes("x", &sec1).ok();
            let mine_key = yinxin_sm2::PublicKey::from_uncompressed(&sec1);
            assert_eq!(
                mine_key.is_some(),
                theirs_key.is_some(),
                "points judged differently"
            );
            if let (Some(m), Some(t)) = (mine_key, theirs_key) {
                assert_eq!(
                    m.verify_prehash(&e, &arbitrary.r(), &arbitrary.s()),
                    t.verify_prehash(&e, &arbitrary).is_ok(),
                    "verdicts differ under an arbitrary point"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_returns_on_fixed_inputs() {
        let mut truncated = vec![0x30, 0x82, 0xff, 0xff];
        truncated.extend_from_slice(&[0x02, 0x01, 0x01]);
        let inputs: [&[u8]; 5] = [
            b"",
            b"\x30",
            &[0x30; 1024],
            &[0x30, 0x82, 0xff, 0xff],
            &truncated,
        ];
        for (name, f) in TARGETS {
            for input in inputs {
                eprintln!("{name}: {} bytes", input.len());
                f(input);
            }
        }
    }

    #[test]
    fn the_targets_have_distinct_file_names() {
        let mut names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
        assert!(names.iter().all(|n| {
            n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        }));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TARGETS.len());
    }
}

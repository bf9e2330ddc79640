//! Detached CMS signatures over files: ours verify with OpenSSL (P-256 with `openssl cms`,
//! SM2 by checking the signed-attribute bytes with `openssl dgst -sm3`), our verifier catches
//! tampering, chains validate against our anchors, the vendor CMS of an OFD Type="Sign"
//! signature verifies, and mutated inputs never panic.

mod common;
use common::{TEST_PASSPHRASE, fixture, openssl, require_openssl};
use der::{Decode, Encode};
use serde_json::json;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use yinxin::crypto::{Algorithm, Passphrase, PrivateKey, Signer};
use yinxin::document::cms::{
    self, CmsError, CmsSubIndication, sign_detached, verify_detached, verify_embedded,
    verify_with_chain,
};
use yinxin::pki::authority::{IssueRequest, KeySource};
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::status::tsp;
use yinxin::store::{SqlConnector, Store};
use yinxin::verify::path::RevocationMode;
use yinxin::verify::report::Indication;

struct Env {
    _tmp: tempfile::TempDir,
    region: Region,
}

struct Party {
    signer: Arc<dyn Signer>,
    cert: Vec<u8>,
    root: Vec<u8>,
    issuing: Vec<u8>,
}

fn pass() -> Passphrase {
    Passphrase::new(TEST_PASSPHRASE.into()).unwrap()
}

async fn setup() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    region::init(
        InitParams {
            data_dir: dir.clone(),
            code: "cm".into(),
            name: "签名测试区".into(),
            database_url: None,
            public_base_url: None,
            hsm: None,
        },
        &pass(),
        &SqlConnector,
    )
    .await
    .unwrap();
    let store = Arc::new(
        Store::connect(&yinxin::config::resolve_database_url(
            "sqlite://yinxin.db",
            &dir,
        ))
        .await
        .unwrap(),
    );
    let region = Region::from_parts(&dir, yinxin::config::Config::load(&dir).unwrap(), store)
        .await
        .unwrap();
    Env { _tmp: tmp, region }
}

impl Env {
    async fn party(&self, alg: Algorithm) -> Party {
        let authority = self.region.authority(&pass(), &[alg]).await.unwrap();
        let kp = Passphrase::new("cms-signer-key-passphrase".into()).unwrap();
        let issued = authority
            .issue(IssueRequest {
                profile: "organization".into(),
                algorithm: alg,
                subject: json!({"name": "签名单位", "credit_code": "91350100M000100Y43"}),
                key: KeySource::Generate(kp.clone()),
                validity_days: Some(365),
                actor: "test".into(),
                scope: None,
            })
            .await
            .unwrap();
        let key =
            PrivateKey::from_encrypted_pem(issued.encrypted_key_pem.as_ref().unwrap(), &kp, "k")
                .unwrap();
        let cas = self.region.repo.cas().await.unwrap();
        let der = |id: &str| cas.iter().find(|c| c.id == id).unwrap().der.clone();
        Party {
            signer: Arc::new(key.signer().unwrap()),
            cert: issued.record.der.clone(),
            root: der(&format!("{alg}-root")),
            issuing: der(&format!("{alg}-issuing")),
        }
    }

    async fn tsa(&self, alg: Algorithm) -> tsp::TsaUnit {
        let (signer, cert_der) = self
            .region
            .service_signer(&format!("{alg}-tsa"), &pass())
            .await
            .unwrap();
        tsp::TsaUnit { signer, cert_der }
    }
}

fn now() -> i64 {
    yinxin::clock::now_secs()
}

fn pem(label: &str, der_bytes: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der_bytes);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// A time-stamp callback backed by our own TSA responder.
fn stamper(unit: &tsp::TsaUnit, hash: tsp::TsHash) -> impl Fn(&[u8]) -> Option<Vec<u8>> + '_ {
    move |sig: &[u8]| {
        let req = tsp::build_request(hash, &hash.digest(sig), Some(&[1, 2, 3]), true).ok()?;
        let policy = tsp::TsaPolicy {
            policy: const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.3.1"),
            accuracy_seconds: 1,
        };
        let resp = tsp::respond(&req, now() * 1000, 77, &|_| Some(unit), &policy);
        Some(tsp::parse_response(&resp).ok()?.token?.der)
    }
}

fn data_file() -> Vec<u8> {
    (0..10_000u32).flat_map(|i| i.to_le_bytes()).collect()
}

fn openssl_cms_verify(dir: &Path, p7s: &[u8], data: &[u8], p: &Party) -> (bool, String) {
    std::fs::write(dir.join("x.p7s"), p7s).unwrap();
    std::fs::write(dir.join("data.bin"), data).unwrap();
    std::fs::write(dir.join("p256-root.pem"), pem("CERTIFICATE", &p.root)).unwrap();
    std::fs::write(dir.join("p256-issuing.pem"), pem("CERTIFICATE", &p.issuing)).unwrap();
    let path = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let out = openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        &path("x.p7s"),
        "-content",
        &path("data.bin"),
        "-CAfile",
        &path("p256-root.pem"),
        "-certfile",
        &path("p256-issuing.pem"),
        // No `-purpose any`: organization certificates carry emailProtection and
        // documentSigning, so OpenSSL's default S/MIME signing purpose accepts them.
        "-out",
        &path("out.bin"),
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.success() && text.contains("Verification successful"),
        text,
    )
}

#[tokio::test]
async fn p256_detached_cms_verifies_with_openssl_and_us() {
    let env = setup().await;
    let p = env.party(Algorithm::P256).await;
    let tsa = env.tsa(Algorithm::P256).await;
    let data = data_file();
    let ts = stamper(&tsa, tsp::TsHash::Sha256);
    let chain = vec![p.issuing.clone()];
    for with_ts in [false, true] {
        let cb: Option<cms::TimestampFn<'_>> = if with_ts { Some(&ts) } else { None };
        let p7s = sign_detached(&data, p.signer.as_ref(), &p.cert, &chain, now(), cb).unwrap();

        let info = verify_detached(&p7s, &data).unwrap();
        assert_eq!(info.signer_cert, p.cert);
        assert_eq!(info.certificates.len(), 2);
        assert_eq!(info.digest_algorithm, tsp::TsHash::Sha256);
        assert_eq!(info.content_type, cms::oid::DATA);
        assert!(info.signed_attributes);
        assert!(info.tolerated.is_empty(), "{:?}", info.tolerated);
        assert_eq!(info.timestamp.is_some(), with_ts);
        assert_eq!(info.timestamp_time.is_some(), with_ts);

        let mut tampered = data.clone();
        tampered[1234] ^= 0x40;
        assert!(matches!(
            verify_detached(&p7s, &tampered),
            Err(CmsError::DigestMismatch)
        ));

        if require_openssl("p256_detached_cms_verifies_with_openssl_and_us") {
            let tmp = tempfile::tempdir().unwrap();
            let (ok, text) = openssl_cms_verify(tmp.path(), &p7s, &data, &p);
            assert!(
                ok,
                "openssl cms -verify failed (timestamp {with_ts}): {text}"
            );
            let (ok, text) = openssl_cms_verify(tmp.path(), &p7s, &tampered, &p);
            assert!(!ok, "openssl accepted tampered data: {text}");
        }
    }
}

#[tokio::test]
async fn sm2_detached_cms_parses_with_openssl_and_the_signature_checks() {
    let env = setup().await;
    let p = env.party(Algorithm::Sm2).await;
    let tsa = env.tsa(Algorithm::Sm2).await;
    let data = data_file();
    let ts = stamper(&tsa, tsp::TsHash::Sm3);
    let p7s = sign_detached(
        &data,
        p.signer.as_ref(),
        &p.cert,
        &[p.issuing.clone(), p.root.clone()],
        now(),
        Some(&ts),
    )
    .unwrap();

    let info = verify_detached(&p7s, &data).unwrap();
    assert_eq!(info.signer_cert, p.cert);
    assert_eq!(info.certificates.len(), 3);
    assert_eq!(info.digest_algorithm, tsp::TsHash::Sm3);
    assert_eq!(info.content_type, cms::oid::GM_DATA);
    assert_eq!(
        info.signature_algorithm.to_string(),
        "1.2.156.10197.1.301.1"
    );
    assert!(info.tolerated.is_empty(), "{:?}", info.tolerated);
    assert!(info.timestamp.is_some());
    let mut tampered = data.clone();
    tampered[0] ^= 1;
    assert!(matches!(
        verify_detached(&p7s, &tampered),
        Err(CmsError::DigestMismatch)
    ));
    assert!(verify_detached(&p7s, b"").is_err());

    // Independent extraction with the cms crate: the signed attributes as a DER SET.
    let ci = ::cms::content_info::ContentInfo::from_der(&p7s).unwrap();
    assert_eq!(ci.content_type.to_string(), "1.2.156.10197.6.1.4.2.2");
    let sd: ::cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    assert!(sd.encap_content_info.econtent.is_none(), "detached");
    let si = sd.signer_infos.0.iter().next().unwrap();
    let signed_attrs = si.signed_attrs.as_ref().unwrap().to_der().unwrap();
    assert_eq!(signed_attrs[0], 0x31);
    let sig = si.signature.as_bytes().to_vec();

    if !require_openssl("sm2_detached_cms_parses_with_openssl_and_the_signature_checks") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = |n: &str| tmp.path().join(n).to_string_lossy().into_owned();
    std::fs::write(path("x.p7s"), &p7s).unwrap();
    let out = openssl(&[
        "cms",
        "-cmsout",
        "-print",
        "-inform",
        "DER",
        "-in",
        &path("x.p7s"),
    ]);
    assert!(
        out.status.success(),
        "openssl cms -cmsout -print: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(path("signed_attrs.der"), &signed_attrs).unwrap();
    std::fs::write(path("sig.der"), &sig).unwrap();
    std::fs::write(
        path("pub.pem"),
        pem("PUBLIC KEY", p.signer.public_key_spki()),
    )
    .unwrap();
    let check = |file: &str| {
        openssl(&[
            "dgst",
            "-sm3",
            "-sigopt",
            "distid:1234567812345678",
            "-verify",
            &path("pub.pem"),
            "-signature",
            &path("sig.der"),
            &path(file),
        ])
    };
    let out = check("signed_attrs.der");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Verified OK"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut bad = signed_attrs.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(path("bad_attrs.der"), &bad).unwrap();
    assert!(!check("bad_attrs.der").status.success());
}

#[tokio::test]
async fn chains_validate_against_our_anchors() {
    let env = setup().await;
    for alg in Algorithm::ALL {
        let p = env.party(alg).await;
        let other = env.party(alg).await;
        let data = b"any file at all".to_vec();
        let p7s = sign_detached(
            &data,
            p.signer.as_ref(),
            &p.cert,
            std::slice::from_ref(&p.issuing),
            now(),
            None,
        )
        .unwrap();
        let anchors = vec![p.root.clone()];
        let r = verify_with_chain(&p7s, &data, &anchors, &[], now(), RevocationMode::Off);
        assert_eq!(r.indication, Indication::TotalPassed, "{alg}: {r:?}");
        assert!(r.passed());
        assert!(r.chain.as_ref().unwrap().passed());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["indication"], "TOTAL_PASSED");

        // Tampered data: HASH_FAILURE, no chain work.
        let r = verify_with_chain(&p7s, b"other", &anchors, &[], now(), RevocationMode::Off);
        assert_eq!(r.indication, Indication::TotalFailed);
        assert_eq!(r.sub_indication, Some(CmsSubIndication::HashFailure));
        assert!(r.chain.is_none());
        // No anchors: no chain.
        let r = verify_with_chain(&p7s, &data, &[], &[], now(), RevocationMode::Off);
        assert_eq!(r.indication, Indication::Indeterminate);
        assert_eq!(
            r.sub_indication,
            Some(CmsSubIndication::NoCertificateChainFound)
        );
        // Revocation required and no CRL: not passed.
        let r = verify_with_chain(&p7s, &data, &anchors, &[], now(), RevocationMode::Require);
        assert!(!r.passed());
        // After expiry: not passed.
        let later = now() + 400 * 86_400;
        let r = verify_with_chain(&p7s, &data, &anchors, &[], later, RevocationMode::Off);
        assert!(!r.passed());
        // Another signer's key with this certificate is refused at signing.
        assert!(sign_detached(&data, other.signer.as_ref(), &p.cert, &[], now(), None).is_err());
    }
}

/// Read `name` from the OFD zip.
fn zip_entry(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Vec<u8> {
    let mut f = zip.by_name(name.trim_start_matches('/')).unwrap();
    let mut v = Vec::new();
    f.read_to_end(&mut v).unwrap();
    v
}

/// The value of `attr="..."` on the element that also has `Type="Sign"`.
fn sign_signature_path(signatures_xml: &str) -> String {
    let el = signatures_xml
        .split('<')
        .find(|e| e.contains("Type=\"Sign\""))
        .expect("a Type=\"Sign\" signature");
    let start = el.find("BaseLoc=\"").unwrap() + "BaseLoc=\"".len();
    let len = el[start..].find('"').unwrap();
    el[start..start + len].to_string()
}

#[test]
fn ofd_vendor_cms_with_attached_hash_verifies() {
    let file = std::fs::File::open(fixture("interop/tongzhiweiye-raw64-cms-tampered.ofd")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let sigs = String::from_utf8(zip_entry(&mut zip, "Doc_0/Signs/Signatures.xml")).unwrap();
    let base = sign_signature_path(&sigs);
    let signature_xml = zip_entry(&mut zip, &base);
    let text = String::from_utf8_lossy(&signature_xml);
    let tag = "SignedValue>";
    let start = text.find(tag).unwrap() + tag.len();
    let len = text[start..].find('<').unwrap();
    let value_path = text[start..start + len].trim().to_string();
    let p7s = zip_entry(&mut zip, &value_path);

    // The 32-byte hash it carries is SM3(Signature.xml), and the signature verifies over it.
    let hash = cms::embedded_content(&p7s).unwrap().unwrap();
    assert_eq!(hash.len(), 32);
    assert_eq!(hash, yinxin::crypto::sm3(&signature_xml));
    let info = verify_embedded(&p7s).unwrap();
    assert_eq!(info.digest_algorithm, tsp::TsHash::Sm3);
    assert!(!info.signed_attributes);
    assert!(
        info.tolerated.iter().any(|t| t.contains("r‖s")),
        "{:?}",
        info.tolerated
    );
    // Against the data itself.
    let info = verify_detached(&p7s, &signature_xml).unwrap();
    assert!(
        info.tolerated
            .iter()
            .any(|t| t.contains("OFD vendor style")),
        "{:?}",
        info.tolerated
    );
    println!("vendor CMS tolerated: {:?}", info.tolerated);
    let mut other = signature_xml.clone();
    other.push(b' ');
    assert!(matches!(
        verify_detached(&p7s, &other),
        Err(CmsError::ContentMismatch)
    ));
    // A flipped bit in the signature value fails.
    let mut bad = p7s.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(verify_embedded(&bad).is_err());
}

#[tokio::test]
async fn mutated_cms_never_panics() {
    let env = setup().await;
    let p = env.party(Algorithm::P256).await;
    let s = env.party(Algorithm::Sm2).await;
    let tsa = env.tsa(Algorithm::P256).await;
    let ts = stamper(&tsa, tsp::TsHash::Sha256);
    let data = b"mutation target".to_vec();
    let inputs = [
        sign_detached(
            &data,
            p.signer.as_ref(),
            &p.cert,
            std::slice::from_ref(&p.issuing),
            now(),
            Some(&ts),
        )
        .unwrap(),
        sign_detached(
            &data,
            s.signer.as_ref(),
            &s.cert,
            std::slice::from_ref(&s.issuing),
            now(),
            None,
        )
        .unwrap(),
    ];
    let anchors = vec![p.root.clone(), s.root.clone()];
    // Byte ranges a successful verification depends on: the signer certificate, the
    // signed attributes ([0] IMPLICIT) and the signature value.
    let protected: Vec<Vec<(usize, usize)>> = inputs
        .iter()
        .zip([&p.cert, &s.cert])
        .map(|(input, cert)| {
            let ci = ::cms::content_info::ContentInfo::from_der(input).unwrap();
            let sd: ::cms::signed_data::SignedData = ci.content.decode_as().unwrap();
            let si = sd.signer_infos.0.iter().next().unwrap();
            let mut attrs = si.signed_attrs.as_ref().unwrap().to_der().unwrap();
            attrs[0] = 0xa0;
            let sig = si.signature.to_der().unwrap();
            [cert.as_slice(), &attrs, &sig]
                .iter()
                .map(|needle| {
                    let lo = input
                        .windows(needle.len())
                        .position(|w| w == *needle)
                        .unwrap();
                    (lo, lo + needle.len())
                })
                .collect()
        })
        .collect();
    let mut passed_chain = 0;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut accepted = 0;
    for i in 0..1000 {
        let mut m = inputs[i % 2].clone();
        match next() % 5 {
            0 => {
                let k = (next() as usize) % m.len();
                m[k] ^= 1 << (next() % 8);
            }
            1 => m.truncate((next() as usize) % m.len()),
            2 => {
                let k = (next() as usize) % m.len();
                m[k] = next() as u8;
            }
            3 => {
                let k = (next() as usize) % m.len();
                m.insert(k, next() as u8);
            }
            _ => {
                let k = (next() as usize) % m.len();
                m.remove(k);
            }
        }
        if verify_detached(&m, &data).is_ok() && m != inputs[i % 2] {
            accepted += 1;
            // What still verifies was outside what the signer signed: a chain certificate
            // (chain validation must then fail) or unsigned parts (the time-stamp token's
            // own unsigned fields, an unsigned attribute reported as ignored).
            let at = m
                .iter()
                .zip(inputs[i % 2].iter())
                .position(|(a, b)| a != b)
                .unwrap_or(m.len().min(inputs[i % 2].len()));
            for (lo, hi) in &protected[i % 2] {
                assert!(
                    !(*lo..*hi).contains(&at),
                    "mutation {i} at {at} in a signed part"
                );
            }
            let r = verify_with_chain(&m, &data, &anchors, &[], now(), RevocationMode::Off);
            if r.passed() {
                passed_chain += 1;
            }
        }
        let _ = verify_embedded(&m);
        let _ = cms::embedded_content(&m);
        if i % 10 == 0 {
            let _ = verify_with_chain(&m, &data, &anchors, &[], now(), RevocationMode::Off);
        }
    }
    println!(
        "mutations still verifying (outside the signed parts): {accepted} of 1000, \
         {passed_chain} also chain-valid (unsigned fields)"
    );
}

//! RFC 3161 time-stamping checked against OpenSSL 3: requests made by `openssl ts -query`
//! are answered by `yinxin::status::tsp::respond` with the region's real TSU keys, and the
//! tokens verify with `openssl ts -verify` (P-256) or with `openssl dgst -sm3 -sigopt
//! distid:…` over the signed attributes (SM2). Rejections parse with `openssl ts -reply`.
//!
//! Skipped (with a message) where `openssl` is not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use yinxin::crypto::{Algorithm, Passphrase};
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::status::tsp::{
    FailureInfo, MessageImprint, ParsedResponse, PkiStatus, TimeStampReq, TsHash, TsaPolicy,
    TsaUnit, TspVersion, build_request, parse_response, respond,
};
use yinxin::store::SqlConnector;

const POLICY: &str = "1.3.6.1.4.1.32473.1.3.1";
const PASS: &str = "test-only-passphrase-0001";

/// The region's two TSUs and its CA certificates (PEM), made once for all tests.
struct Tsa {
    sm2: TsaUnit,
    p256: TsaUnit,
    /// `(file name, PEM)`: `{sm2,p256}-{root,issuing}.pem`.
    ca_pems: Vec<(String, String)>,
}

impl Tsa {
    fn unit(&self, alg: Algorithm) -> &TsaUnit {
        match alg {
            Algorithm::Sm2 => &self.sm2,
            Algorithm::P256 => &self.p256,
        }
    }

    /// What the service does: SM3 imprints are stamped by the SM2 TSU, SHA-2 by P-256.
    fn choose(&self, hash: TsHash) -> Option<&TsaUnit> {
        Some(match hash {
            TsHash::Sm3 => &self.sm2,
            TsHash::Sha256 | TsHash::Sha384 | TsHash::Sha512 => &self.p256,
        })
    }

    fn respond(&self, request: &[u8], serial: u64) -> Vec<u8> {
        respond(
            request,
            now_millis(),
            serial,
            &|h| self.choose(h),
            &policy(),
        )
    }
}

fn policy() -> TsaPolicy {
    TsaPolicy {
        policy: POLICY.parse().unwrap(),
        accuracy_seconds: 1,
    }
}

fn now_millis() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(d.as_millis()).unwrap()
}

fn tsa() -> &'static Tsa {
    static TSA: OnceLock<Tsa> = OnceLock::new();
    TSA.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(make_tsa())
    })
}

async fn make_tsa() -> Tsa {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let pass = Passphrase::new(PASS.into()).unwrap();
    region::init(
        InitParams {
            data_dir: dir.clone(),
            code: "tsa".into(),
            name: "TSA test".into(),
            database_url: None,
            public_base_url: None,
            hsm: None,
        },
        &pass,
        &SqlConnector,
    )
    .await
    .unwrap();
    let region = Region::open(&dir, None, &SqlConnector).await.unwrap();
    let services = region.repo.services().await.unwrap();
    let mut units = Vec::new();
    for alg in Algorithm::ALL {
        let svc = services
            .iter()
            .find(|s| s.name == format!("{alg}-tsa"))
            .unwrap();
        let signer = region
            .key_store()
            .load(&svc.key_id, &pass)
            .unwrap()
            .signer()
            .unwrap();
        let cert_der = region
            .repo
            .certificate(&svc.serial)
            .await
            .unwrap()
            .unwrap()
            .der;
        units.push(TsaUnit {
            signer: std::sync::Arc::new(signer),
            cert_der,
        });
    }
    let ca_pems = ["sm2-root", "sm2-issuing", "p256-root", "p256-issuing"]
        .iter()
        .map(|n| {
            let name = format!("{n}.pem");
            let pem = std::fs::read_to_string(dir.join("ca").join(&name)).unwrap();
            (name, pem)
        })
        .collect();
    let p256 = units.pop().unwrap();
    let sm2 = units.pop().unwrap();
    Tsa { sm2, p256, ca_pems }
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

macro_rules! require_openssl {
    () => {
        if !openssl_available() {
            eprintln!("skipped: openssl not installed");
            return;
        }
    };
}

/// A scratch directory with the CA certificates and both TSU certificates as PEM.
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let t = tsa();
    for (name, pem) in &t.ca_pems {
        std::fs::write(dir.join(name), pem).unwrap();
    }
    for alg in Algorithm::ALL {
        let pem = yinxin::pki::cert::to_pem(&t.unit(alg).cert_der);
        std::fs::write(dir.join(format!("{alg}-tsa.pem")), pem).unwrap();
    }
    std::fs::write(dir.join("data.txt"), "印信 time-stamp test data\n").unwrap();
    (tmp, dir)
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn describe(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `openssl ts -reply -in FILE -text`, which must succeed.
fn reply_text(dir: &Path, file: &str) -> String {
    let o = openssl(dir, &["ts", "-reply", "-in", file, "-text"]);
    assert!(o.status.success(), "openssl ts -reply: {}", describe(&o));
    stdout(&o)
}

fn granted(resp: &[u8]) -> ParsedResponse {
    let parsed = parse_response(resp).unwrap();
    assert_eq!(
        parsed.status,
        PkiStatus::Granted,
        "{:?}",
        parsed.status_text
    );
    parsed
}

#[test]
fn p256_tokens_verify_with_openssl() {
    require_openssl!();
    let t = tsa();
    let (_tmp, dir) = workdir();
    // The TSA certificate is not in the token without -cert: give it to OpenSSL.
    let untrusted_all = format!(
        "{}{}",
        std::fs::read_to_string(dir.join("p256-issuing.pem")).unwrap(),
        std::fs::read_to_string(dir.join("p256-tsa.pem")).unwrap()
    );
    std::fs::write(dir.join("untrusted-all.pem"), untrusted_all).unwrap();

    let cases: &[(&str, &[&str], bool)] = &[
        ("sha256 nonce cert", &["-sha256", "-cert"], true),
        (
            "sha256 no nonce cert",
            &["-sha256", "-cert", "-no_nonce"],
            true,
        ),
        ("sha256 nonce no cert", &["-sha256"], false),
        ("sha384 nonce cert", &["-sha384", "-cert"], true),
        ("sha512 no nonce no cert", &["-sha512", "-no_nonce"], false),
    ];
    for (i, (label, opts, cert)) in cases.iter().enumerate() {
        let mut args = vec!["ts", "-query", "-data", "data.txt", "-out", "q.tsq"];
        args.extend_from_slice(opts);
        let o = openssl(&dir, &args);
        assert!(o.status.success(), "{label}: {}", describe(&o));
        let query = std::fs::read(dir.join("q.tsq")).unwrap();
        let serial = 1000 + i as u64;
        let resp = t.respond(&query, serial);
        std::fs::write(dir.join("r.tsr"), &resp).unwrap();

        let parsed = granted(&resp);
        let token = parsed.token.unwrap();
        assert_eq!(token.certificates.len(), usize::from(*cert), "{label}");
        token.verify_signature(&t.p256.cert_der).unwrap();

        let untrusted = if *cert {
            "p256-issuing.pem"
        } else {
            "untrusted-all.pem"
        };
        let verify = |data_arg: &[&str]| {
            let mut args = vec!["ts", "-verify", "-in", "r.tsr"];
            args.extend_from_slice(data_arg);
            args.extend_from_slice(&["-CAfile", "p256-root.pem", "-untrusted", untrusted]);
            openssl(&dir, &args)
        };
        let o = verify(&["-queryfile", "q.tsq"]);
        assert!(
            o.status.success() && stdout(&o).contains("Verification: OK"),
            "{label}: {}",
            describe(&o)
        );
        let o = verify(&["-data", "data.txt"]);
        assert!(
            stdout(&o).contains("Verification: OK"),
            "{label} -data: {}",
            describe(&o)
        );
        println!("{label}: {}", stdout(&o).trim());
        // Other data does not verify.
        std::fs::write(dir.join("other.txt"), "other data\n").unwrap();
        let o = verify(&["-data", "other.txt"]);
        assert!(!o.status.success(), "{label} other data: {}", describe(&o));

        let text = reply_text(&dir, "r.tsr");
        assert!(text.contains("Status: Granted."), "{text}");
        assert!(text.contains(POLICY), "{text}");
        assert!(text.contains("Accuracy: 0x01 seconds"), "{text}");
        let serial_hex = hex::encode_upper(serial.to_be_bytes());
        let serial_hex = serial_hex.trim_start_matches("00");
        assert!(
            text.contains(&format!("Serial number: 0x{serial_hex}\n")),
            "{text}"
        );
    }
}

#[test]
fn p256_token_without_certificate_needs_it_given() {
    require_openssl!();
    let t = tsa();
    let (_tmp, dir) = workdir();
    let o = openssl(
        &dir,
        &[
            "ts", "-query", "-data", "data.txt", "-sha256", "-out", "q.tsq",
        ],
    );
    assert!(o.status.success(), "{}", describe(&o));
    let resp = t.respond(&std::fs::read(dir.join("q.tsq")).unwrap(), 7);
    std::fs::write(dir.join("r.tsr"), &resp).unwrap();
    let o = openssl(
        &dir,
        &[
            "ts",
            "-verify",
            "-in",
            "r.tsr",
            "-queryfile",
            "q.tsq",
            "-CAfile",
            "p256-root.pem",
            "-untrusted",
            "p256-issuing.pem",
        ],
    );
    assert!(
        !stdout(&o).contains("Verification: OK"),
        "without the TSA certificate OpenSSL cannot verify: {}",
        describe(&o)
    );
}

#[test]
fn sm2_token_parses_and_its_signature_verifies_with_openssl() {
    require_openssl!();
    let t = tsa();
    let (_tmp, dir) = workdir();
    let data = std::fs::read(dir.join("data.txt")).unwrap();
    let digest = TsHash::Sm3.digest(&data);

    // One request from our client, one from `openssl ts -query -sm3`.
    let ours = build_request(TsHash::Sm3, &digest, Some(&[0x5a; 8]), true).unwrap();
    let o = openssl(
        &dir,
        &[
            "ts", "-query", "-data", "data.txt", "-sm3", "-cert", "-out", "q.tsq",
        ],
    );
    assert!(o.status.success(), "{}", describe(&o));
    let theirs = std::fs::read(dir.join("q.tsq")).unwrap();

    for (label, query) in [("build_request", ours), ("openssl -sm3", theirs)] {
        let resp = t.respond(&query, 4242);
        std::fs::write(dir.join("r.tsr"), &resp).unwrap();
        let text = reply_text(&dir, "r.tsr");
        assert!(text.contains("Status: Granted."), "{label}: {text}");
        assert!(text.contains(POLICY), "{label}: {text}");
        assert!(text.contains("Hash Algorithm: sm3"), "{label}: {text}");
        assert!(text.contains("Serial number: 0x1092"), "{label}: {text}");

        let token = granted(&resp).token.unwrap();
        assert_eq!(token.message_imprint().hashed_message.as_bytes(), digest);
        assert_eq!(token.digest_algorithm.to_string(), "1.2.156.10197.1.401");
        assert_eq!(
            token.signature_algorithm.to_string(),
            "1.2.156.10197.1.301.1"
        );
        token.verify_signature(&t.sm2.cert_der).unwrap();
        assert_eq!(token.signed_attributes_der[0], 0x31);
        std::fs::write(dir.join("signed_attrs.der"), &token.signed_attributes_der).unwrap();
        std::fs::write(dir.join("sig.der"), &token.signature).unwrap();
        std::fs::write(dir.join("tst.der"), &token.tst_info_der).unwrap();

        let o = openssl(
            &dir,
            &[
                "x509",
                "-in",
                "sm2-tsa.pem",
                "-pubkey",
                "-noout",
                "-out",
                "tsa_pub.pem",
            ],
        );
        assert!(o.status.success(), "{}", describe(&o));
        let dgst_verify = |distid: &str| {
            openssl(
                &dir,
                &[
                    "dgst",
                    "-sm3",
                    "-sigopt",
                    &format!("distid:{distid}"),
                    "-verify",
                    "tsa_pub.pem",
                    "-signature",
                    "sig.der",
                    "signed_attrs.der",
                ],
            )
        };
        let o = dgst_verify("1234567812345678");
        assert!(
            o.status.success() && stdout(&o).contains("Verified OK"),
            "{label}: {}",
            describe(&o)
        );
        println!(
            "{label}: openssl dgst -sm3 -sigopt distid:1234567812345678: {}",
            stdout(&o).trim()
        );
        let o = dgst_verify("1234567812345679");
        assert!(
            !o.status.success(),
            "{label} wrong distid: {}",
            describe(&o)
        );
        assert!(
            stdout(&o).contains("Verification failure"),
            "{}",
            describe(&o)
        );

        // messageDigest is SM3 over the TSTInfo DER, as OpenSSL computes it.
        let o = openssl(&dir, &["dgst", "-sm3", "-r", "tst.der"]);
        assert!(o.status.success(), "{}", describe(&o));
        let md = hex::encode(TsHash::Sm3.digest(&token.tst_info_der));
        assert!(stdout(&o).starts_with(&md), "{}", describe(&o));
    }
}

/// Write a request, answer it, and check the rejection with our parser and OpenSSL's.
fn expect_rejection(dir: &Path, label: &str, request: &[u8], fail: FailureInfo, text: &str) {
    let resp = tsa().respond(request, 1);
    let parsed = parse_response(&resp).unwrap();
    assert_eq!(parsed.status, PkiStatus::Rejection, "{label}");
    assert_eq!(parsed.failures(), [fail], "{label}");
    assert!(parsed.token.is_none(), "{label}");
    assert!(!parsed.status_text.is_empty(), "{label}");
    std::fs::write(dir.join("r.tsr"), &resp).unwrap();
    let out = reply_text(dir, "r.tsr");
    assert!(out.contains("Status: Rejected."), "{label}: {out}");
    assert!(out.contains(text), "{label}: {out}");
    assert!(out.contains("TST info:\nNot included."), "{label}: {out}");
    println!("{label}: {}", out.replace('\n', " | "));
}

fn query(dir: &Path, opts: &[&str]) -> Vec<u8> {
    let mut args = vec!["ts", "-query", "-data", "data.txt", "-out", "q.tsq"];
    args.extend_from_slice(opts);
    let o = openssl(dir, &args);
    assert!(o.status.success(), "{}", describe(&o));
    std::fs::read(dir.join("q.tsq")).unwrap()
}

#[test]
fn bad_requests_are_rejected_with_the_right_failure() {
    require_openssl!();
    let (_tmp, dir) = workdir();
    let bad_format = "the data submitted has the wrong format";
    let bad_alg = "unrecognized or unsupported algorithm identifier";

    expect_rejection(
        &dir,
        "garbage",
        b"GET / HTTP/1.1\r\n",
        FailureInfo::BadDataFormat,
        bad_format,
    );
    expect_rejection(&dir, "empty", b"", FailureInfo::BadDataFormat, bad_format);
    let mut trailing = query(&dir, &["-sha256"]);
    trailing.push(0);
    expect_rejection(
        &dir,
        "trailing byte",
        &trailing,
        FailureInfo::BadDataFormat,
        bad_format,
    );
    let sha1 = query(&dir, &["-sha1"]);
    expect_rejection(&dir, "sha1", &sha1, FailureInfo::BadAlg, bad_alg);
    let md5 = query(&dir, &["-md5"]);
    expect_rejection(&dir, "md5", &md5, FailureInfo::BadAlg, bad_alg);
    let policy = query(&dir, &["-sha256", "-tspolicy", "1.2.3.4"]);
    expect_rejection(
        &dir,
        "unknown policy",
        &policy,
        FailureInfo::UnacceptedPolicy,
        "the requested TSA policy is not supported by the TSA",
    );
    let ours = query(&dir, &["-sha256", "-tspolicy", POLICY]);
    granted(&tsa().respond(&ours, 2));

    let mut req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint::new(TsHash::Sha256, &[3u8; 32]).unwrap(),
        req_policy: None,
        nonce: None,
        cert_req: false,
        extensions: None,
    };
    let mut short = req.clone();
    short.message_imprint.hashed_message = der::asn1::OctetString::new(vec![3u8; 20]).unwrap();
    let short = der::Encode::to_der(&short).unwrap();
    expect_rejection(
        &dir,
        "short imprint",
        &short,
        FailureInfo::BadDataFormat,
        bad_format,
    );
    req.extensions = Some(vec![x509_cert::ext::Extension {
        extn_id: "1.3.6.1.4.1.32473.99".parse().unwrap(),
        critical: false,
        extn_value: der::asn1::OctetString::new(vec![0x05, 0x00]).unwrap(),
    }]);
    let with_ext = der::Encode::to_der(&req).unwrap();
    expect_rejection(
        &dir,
        "extensions",
        &with_ext,
        FailureInfo::UnacceptedExtension,
        "the requested extension is not supported by the TSA",
    );
}

#[test]
fn mutated_requests_always_get_a_parsable_answer() {
    let t = tsa();
    let valid = build_request(TsHash::Sha256, &[0x42; 32], Some(&[0x80, 1, 2, 3]), true).unwrap();
    let valid_sm3 = build_request(TsHash::Sm3, &[0x24; 32], None, false).unwrap();
    // xorshift64: deterministic.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut granted_count, mut rejected) = (0, 0);
    for i in 0..2000u64 {
        let mut m = if i % 2 == 0 {
            valid.clone()
        } else {
            valid_sm3.clone()
        };
        for _ in 0..=(next() % 3) {
            let len = m.len().max(1);
            let at = (next() as usize) % len;
            match next() % 5 {
                0 if !m.is_empty() => m[at] ^= 1 << (next() % 8),
                1 => m.truncate(at),
                2 if !m.is_empty() => m[at] = next() as u8,
                3 => m.insert(at.min(m.len()), next() as u8),
                _ if !m.is_empty() => {
                    m.remove(at);
                }
                _ => {}
            }
        }
        let resp = t.respond(&m, i);
        let parsed = parse_response(&resp)
            .unwrap_or_else(|e| panic!("iteration {i}: {e}: {}", hex::encode(&resp)));
        match parsed.status {
            PkiStatus::Granted => {
                granted_count += 1;
                let token = parsed.token.unwrap();
                let unit = t.choose(token.hash().unwrap()).unwrap();
                token.verify_signature(&unit.cert_der).unwrap();
            }
            PkiStatus::Rejection => {
                rejected += 1;
                assert_eq!(parsed.failure_bits.len(), 1, "iteration {i}");
            }
            other => panic!("iteration {i}: status {other:?}"),
        }
    }
    println!("mutations: {granted_count} granted, {rejected} rejected");
    assert!(rejected > 1000, "most mutations break the request");
    assert!(granted_count > 0, "some mutations keep the request valid");
}

#[test]
fn nonce_and_serial_round_trip_exactly() {
    require_openssl!();
    let t = tsa();
    let (_tmp, dir) = workdir();
    let data = std::fs::read(dir.join("data.txt")).unwrap();
    let digest = TsHash::Sha256.digest(&data);
    let high: Vec<u8> = (0..20).map(|i| 0xf0 ^ i).collect();
    let low: Vec<u8> = (0..20).map(|i| 0x01 + i).collect();
    for (nonce, serial) in [(&high, u64::MAX), (&low, 1u64), (&vec![0x80], 0x7f)] {
        let req = build_request(TsHash::Sha256, &digest, Some(nonce), true).unwrap();
        std::fs::write(dir.join("q.tsq"), &req).unwrap();
        let resp = t.respond(&req, serial);
        std::fs::write(dir.join("r.tsr"), &resp).unwrap();
        let token = granted(&resp).token.unwrap();

        // The INTEGER content octets: a leading 0x00 where the top bit is set.
        let mut want_nonce = Vec::new();
        if nonce[0] & 0x80 != 0 {
            want_nonce.push(0);
        }
        want_nonce.extend_from_slice(nonce);
        assert_eq!(token.nonce(), Some(want_nonce.as_slice()));
        let serial_bytes = serial.to_be_bytes();
        let first = serial_bytes.iter().position(|b| *b != 0).unwrap_or(7);
        let mut want_serial = Vec::new();
        if serial_bytes[first] & 0x80 != 0 {
            want_serial.push(0);
        }
        want_serial.extend_from_slice(&serial_bytes[first..]);
        assert_eq!(token.serial(), want_serial.as_slice());

        let text = reply_text(&dir, "r.tsr");
        assert!(
            text.contains(&format!("Nonce: 0x{}", hex::encode_upper(nonce))),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "Serial number: 0x{}",
                hex::encode_upper(&serial_bytes[first..])
            )),
            "{text}"
        );
        // OpenSSL compares the nonce of the query with that of the token.
        let o = openssl(
            &dir,
            &[
                "ts",
                "-verify",
                "-in",
                "r.tsr",
                "-queryfile",
                "q.tsq",
                "-CAfile",
                "p256-root.pem",
                "-untrusted",
                "p256-issuing.pem",
            ],
        );
        assert!(stdout(&o).contains("Verification: OK"), "{}", describe(&o));
    }
    // A query whose nonce differs from the token's does not verify.
    let other = build_request(TsHash::Sha256, &digest, Some(&low[1..]), true).unwrap();
    std::fs::write(dir.join("q2.tsq"), &other).unwrap();
    let o = openssl(
        &dir,
        &[
            "ts",
            "-verify",
            "-in",
            "r.tsr",
            "-queryfile",
            "q2.tsq",
            "-CAfile",
            "p256-root.pem",
            "-untrusted",
            "p256-issuing.pem",
        ],
    );
    assert!(!stdout(&o).contains("Verification: OK"), "{}", describe(&o));
}

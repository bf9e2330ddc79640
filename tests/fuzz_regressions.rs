//! The fuzz targets (`yinxin::fuzzing::TARGETS`, run by cargo-fuzz from `fuzz/`) on stable:
//! each on every crash input kept in `fuzz/regressions/<target>/` and on a handful of seeds
//! taken straight from `fixtures/` (and `policies/`), none of which may panic. A crash found
//! by fuzzing is fixed, then its input is added to `fuzz/regressions/<target>/`.

use std::path::{Path, PathBuf};
use yinxin::fuzzing::TARGETS;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The files of a directory (not the README), sorted; none when it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    out.sort();
    out
}

/// The first `n` files of a fixtures directory (which must hold some).
fn first(dir: &str, n: usize) -> Vec<PathBuf> {
    let files = files_in(&repo(dir));
    assert!(!files.is_empty(), "no files in {dir}");
    files.into_iter().take(n).collect()
}

/// Named fixture files (each must exist).
fn named(files: &[&str]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|f| {
            let p = repo(f);
            assert!(p.is_file(), "fixture {f} is missing");
            p
        })
        .collect()
}

const CERTS: &[&str] = &[
    "fixtures/pkits/certs/TrustAnchorRootCertificate.crt",
    "fixtures/pkits/certs/GoodCACert.crt",
    "fixtures/pkits/certs/ValidCertificatePathTest1EE.crt",
    "fixtures/crypto/test-sm2.spki.der",
];
const CRLS: &[&str] = &[
    "fixtures/pkits/crls/TrustAnchorRootCRL.crl",
    "fixtures/pkits/crls/GoodCACRL.crl",
    "fixtures/pkits/crls/BadSignedCACRL.crl",
];
const SEALS: &[&str] = &[
    "fixtures/interop/ofdrw-user-v1.esl",
    "fixtures/interop/ofdrw-user-v4.esl",
    "fixtures/interop/hebei-gede-seal-badsig.der",
    "fixtures/interop/ofdrw-signedvalue-v4.dat",
];
const SIGNATURES: &[&str] = &[
    "fixtures/crypto/test-sm2-sm3.sig",
    "fixtures/crypto/test-p384-sha384.sig",
    "fixtures/crypto/test-rsa2048-pss-sha256.sig",
];
const JSON: &[&str] = &[
    "fixtures/web/licence-qr-report.json",
    "fixtures/web/changed-ofd-report.json",
    "fixtures/pkits/expected-reasons.json",
];
const OFDS: &[&str] = &[
    "fixtures/ofd/unsigned-contract.ofd",
    "fixtures/interop/gomain-bw-v4signed.ofd",
    "fixtures/interop/dms360-v1-reserialised.ofd",
    "fixtures/interop/tongzhiweiye-raw64-cms-tampered.ofd",
];
const PICTURES: &[&str] = &[
    "fixtures/web/qr-photo.jpg",
    "fixtures/ofd/test-seal-picture.png",
];

/// The seed files of a target, from `fixtures/` (DER of another kind where no fixture of the
/// target's own exists: the parser's refusals are exercised).
fn seed_files(target: &str) -> Vec<PathBuf> {
    match target {
        "certificate" | "aia_answer" => named(CERTS),
        "crl" => named(CRLS),
        "ocsp_request" | "ocsp_response" | "tsp_query" | "tsp_response" | "tsp_token" => {
            [named(CERTS), named(CRLS)].concat()
        }
        "cms" | "licence_status" => [named(SIGNATURES), named(SEALS)].concat(),
        "seal" | "ses_signature" => named(SEALS),
        "ofd" => named(OFDS),
        "csr" | "pem" => first("fixtures/csr", 10),
        "trust_list" | "json_bodies" | "oidc" => named(JSON),
        "licence_kind" => first("policies/licences", 5),
        "pdf" => [
            named(&["fixtures/crypto/test-message.txt"]),
            pdfs(&repo("fixtures")),
        ]
        .concat(),
        "qr_payload" | "licence_id" => named(&["fixtures/web/licence-qr-report.json"]),
        "qr_photo" => named(PICTURES),
        "sm2_differential" => named(&[
            "fixtures/crypto/test-sm2-sm3.sig",
            "fixtures/crypto/test-sm2.spki.der",
        ]),
        other => panic!("no seeds chosen for the new target {other}: add them here"),
    }
}

/// Every PDF under `dir` (none in the fixtures today).
fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(pdfs(&p));
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf")) {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Literal seeds where the fixtures hold none of the target's form.
fn seed_texts(target: &str) -> Vec<Vec<u8>> {
    const ID: &str = "1.2.156.3005.2.11100000717802000J001.11440100MB2C12345P.0000000001.001.C";
    let texts: Vec<String> = match target {
        "licence_id" => vec![ID.into(), ID.replace(".C", ".D"), ID.replace(".001.", ".1.")],
        "qr_payload" => vec![
            "HTTPS://YINXIN.EXAMPLE/V/1234567890123456712345".into(),
            format!("https://x/v/{}", "9".repeat(17)),
        ],
        "pdf" => vec![
            "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".into(),
        ],
        "json_bodies" => vec![
            r#"{"licence":"x","agency":"y","service_item":"z","case_number":"1","until":1,"uses":1}"#.into(),
            r#"{"name":"王小明","established":"2020-02-30"}"#.into(),
        ],
        "oidc" => vec![
            "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}\na.b.c".into(),
        ],
        _ => vec![],
    };
    texts.into_iter().map(String::into_bytes).collect()
}

#[test]
fn every_target_survives_its_regressions_and_seeds() {
    for (name, f) in TARGETS {
        let kept = files_in(&repo("fuzz/regressions").join(name));
        for p in kept.iter().chain(&seed_files(name)) {
            eprintln!("{name}: {}", p.display());
            f(&std::fs::read(p).unwrap());
        }
        for (i, t) in seed_texts(name).iter().enumerate() {
            eprintln!("{name}: literal seed {i}");
            f(t);
        }
    }
}

#[test]
fn regressions_are_kept_for_known_targets_only() {
    let dir = repo("fuzz/regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_file() {
            assert_eq!(
                name, "README.md",
                "fuzz/regressions/{name}: a file outside any target's folder"
            );
            continue;
        }
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz/regressions/{name}/ names no fuzz target (yinxin::fuzzing::TARGETS)"
        );
    }
}

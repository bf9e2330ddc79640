//! PDFs signed by others, verified by us: pyHanko (`pyhanko sign addsig pemder`, PAdES and
//! adbe.pkcs7.detached) and poppler (`pdfsig -add-signature` with an NSS database) sign with a
//! P-256 key and a CA made here with OpenSSL; our verifier, trusting that CA, agrees with
//! pyHanko's and pdfsig's own verdicts — valid, and invalid after a byte of the page changed.

mod common;
use std::path::{Path, PathBuf};
use std::process::Command;
use yinxin::document::pdf;
use yinxin::seal::verify::VerifyOptions;
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;
use yinxin::verify::report::Indication;

fn run(cmd: &mut Command) -> (bool, String) {
    let o = cmd.output().expect("run");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// A P-256 CA and a signer (KU digitalSignature, nonRepudiation) made with OpenSSL in `dir`:
/// (CA PEM, signer certificate PEM, signer key PEM).
fn peer_pki(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let p = |n: &str| dir.join(n);
    let s = |n: &str| p(n).to_string_lossy().into_owned();
    let (ok, out) = run(Command::new("openssl").args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &s("ca.key"),
        "-out",
        &s("ca.pem"),
        "-subj",
        "/CN=Peer PDF CA/O=Peer",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]));
    assert!(ok, "{out}");
    let (ok, out) = run(Command::new("openssl").args([
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &s("signer.key"),
        "-out",
        &s("signer.csr"),
        "-subj",
        "/CN=Peer Signer/O=Peer",
    ]));
    assert!(ok, "{out}");
    std::fs::write(
        p("signer.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .unwrap();
    let (ok, out) = run(Command::new("openssl").args([
        "x509",
        "-req",
        "-in",
        &s("signer.csr"),
        "-CA",
        &s("ca.pem"),
        "-CAkey",
        &s("ca.key"),
        "-CAcreateserial",
        "-out",
        &s("signer.pem"),
        "-days",
        "30",
        "-extfile",
        &s("signer.ext"),
    ]));
    assert!(ok, "{out}");
    (p("ca.pem"), p("signer.pem"), p("signer.key"))
}

fn pem_der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let (_, der) = der::pem::decode_vec(text.as_bytes()).unwrap();
    der
}

fn relying_party(ca: &Path) -> VerifyOptions<'static> {
    VerifyOptions::offline(
        Context::builder()
            .anchors([pem_der(ca)])
            .revocation(RevocationMode::Off)
            .shared(),
        yinxin::clock::now_secs(),
    )
}

fn tampered(pdf: &[u8]) -> Vec<u8> {
    let mut t = pdf.to_vec();
    let at = t.windows(8).position(|w| w == b"Approved").unwrap();
    t[at] = b'a';
    t
}

fn pyhanko() -> Option<String> {
    let cmd = std::env::var("YINXIN_PYHANKO").unwrap_or_else(|_| "pyhanko".into());
    let ok = Command::new(&cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipped: pyHanko is not installed (.ci/run installs it in a venv)");
    }
    ok.then_some(cmd)
}

#[tokio::test]
async fn pdfs_signed_by_pyhanko_verify_with_ours() {
    let Some(cmd) = pyhanko() else { return };
    if !common::require_openssl("pdfs_signed_by_pyhanko_verify_with_ours") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = peer_pki(dir.path());
    let input = dir.path().join("in.pdf");
    std::fs::write(
        &input,
        common::pdf::one_page_pdf("BT /F1 24 Tf 72 720 Td (Approved) Tj ET\n"),
    )
    .unwrap();
    let opts = relying_party(&ca);
    for (flags, sub_filter) in [
        (&["--use-pades"][..], "ETSI.CAdES.detached"),
        (&[][..], "adbe.pkcs7.detached"),
    ] {
        let out = dir.path().join(format!("pyhanko-{sub_filter}.pdf"));
        let (ok, text) = run(Command::new(&cmd)
            .args(["sign", "addsig", "--field", "Sig1"])
            .args(flags)
            .args(["pemder", "--no-pass", "--key"])
            .arg(&key)
            .arg("--cert")
            .arg(&cert)
            .arg("--chain")
            .arg(&ca)
            .arg(&input)
            .arg(&out));
        assert!(ok, "{text}");
        let signed = std::fs::read(&out).unwrap();
        let rep = pdf::verify(&signed, &opts).await.unwrap();
        assert_eq!(rep.indication, Indication::TotalPassed, "{rep:#?}");
        assert_eq!(rep.signatures[0].sub_filter, sub_filter);
        assert!(rep.signatures[0].covers_whole_file);
        let bad = pdf::verify(&tampered(&signed), &opts).await.unwrap();
        assert_eq!(bad.indication, Indication::TotalFailed, "{bad:#?}");
        // Trusting another root: not valid.
        let elsewhere = VerifyOptions::offline(
            Context::builder().revocation(RevocationMode::Off).shared(),
            yinxin::clock::now_secs(),
        );
        let rep = pdf::verify(&signed, &elsewhere).await.unwrap();
        assert_ne!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    }
}

fn tool(name: &str, hint: &str) -> bool {
    let ok = Command::new(name).arg("-h").output().is_ok();
    if !ok {
        println!("skipped: {name} is not installed ({hint})");
    }
    ok
}

/// poppler signs with NSS (a BER CMS with indefinite lengths). Debian 12's poppler (22.12)
/// sometimes writes a signature whose digest does not match (its own pdfsig says "Digest
/// Mismatch") and sometimes a valid one; whatever poppler makes, our verdict must be pdfsig's.
#[tokio::test]
async fn pdfs_signed_by_poppler_get_pdfsigs_verdict_from_ours() {
    if !tool("pdfsig", ".ci/run installs poppler-utils")
        || !tool("pk12util", ".ci/run installs libnss3-tools")
        || !common::require_openssl("pdfs_signed_by_poppler_get_pdfsigs_verdict_from_ours")
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = peer_pki(dir.path());
    let nss = dir.path().join("nss");
    std::fs::create_dir_all(&nss).unwrap();
    let db = format!("sql:{}", nss.display());
    let (ok, out) = run(Command::new("certutil").args(["-N", "-d", &db, "--empty-password"]));
    assert!(ok, "{out}");
    let p12 = dir.path().join("signer.p12");
    let (ok, out) = run(Command::new("openssl")
        .args([
            "pkcs12", "-export", "-name", "peer", "-passout", "pass:", "-inkey",
        ])
        .arg(&key)
        .arg("-in")
        .arg(&cert)
        .arg("-certfile")
        .arg(&ca)
        .arg("-out")
        .arg(&p12));
    assert!(ok, "{out}");
    let (ok, out) = run(Command::new("pk12util")
        .arg("-i")
        .arg(&p12)
        .args(["-d", &db, "-W", ""]));
    assert!(ok, "{out}");
    let input = dir.path().join("in.pdf");
    std::fs::write(
        &input,
        common::pdf::one_page_pdf("BT /F1 24 Tf 72 720 Td (Approved) Tj ET\n"),
    )
    .unwrap();
    let output = dir.path().join("poppler.pdf");
    let (_, out) = run(Command::new("pdfsig")
        .args(["-nssdir", &db, "-add-signature", "-nick", "peer"])
        .arg(&input)
        .arg(&output));
    let Ok(signed) = std::fs::read(&output) else {
        println!("skipped: pdfsig -add-signature wrote nothing: {out}");
        return;
    };
    let opts = relying_party(&ca);
    let verdict = |path: &Path| {
        let (_, text) = run(Command::new("pdfsig").args(["-nssdir", &db]).arg(path));
        text
    };
    let theirs = verdict(&output);
    let ours = pdf::verify(&signed, &opts).await.unwrap();
    assert_eq!(ours.signatures.len(), 1, "{ours:#?}");
    println!(
        "poppler's signature, pdfsig says: {}; ours: {:?} ({})",
        if theirs.contains("Signature is Valid") {
            "valid"
        } else {
            "not valid"
        },
        ours.indication,
        ours.detail
    );
    if theirs.contains("Signature is Valid") {
        assert_eq!(
            ours.indication,
            Indication::TotalPassed,
            "{theirs}\n{ours:#?}"
        );
    } else {
        assert!(theirs.contains("Digest Mismatch"), "{theirs}");
        assert_eq!(
            ours.indication,
            Indication::TotalFailed,
            "{theirs}\n{ours:#?}"
        );
        assert!(ours.detail.contains("messageDigest"), "{ours:#?}");
    }
    // A byte changed: both say invalid.
    let bad = dir.path().join("bad.pdf");
    std::fs::write(&bad, tampered(&signed)).unwrap();
    assert!(!verdict(&bad).contains("Signature is Valid"));
    let ours = pdf::verify(&tampered(&signed), &opts).await.unwrap();
    assert_eq!(ours.indication, Indication::TotalFailed, "{ours:#?}");
}

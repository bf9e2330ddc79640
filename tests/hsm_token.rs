//! The library's PKCS#11 signer against SoftHSM2, in a test binary of its own: the token's
//! configuration reaches SoftHSM2 through `SOFTHSM2_CONF`, set here before the library is
//! loaded, with no other test thread running.

use std::path::Path;
use std::process::Command;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "460219";

/// The library's signer over a token key: signatures verify with the public key the token
/// gives, an imported key signs like the file key it came from, and a label in use is refused.
#[test]
fn token_signer_generates_imports_and_refuses_a_label_twice() {
    use yinxin::crypto::hsm::Hsm;
    use yinxin::crypto::{Algorithm, PrivateKey, Signer};
    let tmp = tempfile::tempdir().unwrap();
    if !Path::new(MODULE).exists() {
        println!("skipped: token_signer: SoftHSM2 is not installed (apt install softhsm2)");
        return;
    }
    let tokens = tmp.path().join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = tmp.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let o = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", "yinxin-ca"])
        .args(["--pin", PIN, "--so-pin", "97531864"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // SAFETY: the only test of this binary; no other thread reads the environment.
    unsafe { std::env::set_var("SOFTHSM2_CONF", &conf) };
    let verify = |spki: &[u8], msg: &[u8], sig: &[u8]| {
        yinxin::crypto::verify::verify_signature(
            spki,
            yinxin::crypto::oid::ECDSA_SHA256,
            None,
            msg,
            sig,
        )
    };
    let hsm = Hsm::open(Path::new(MODULE), "yinxin-ca", PIN).unwrap();
    let k = hsm.generate("ocsp-2027", Algorithm::P256).unwrap();
    let msg = b"to be signed";
    let sig = k.sign(msg).unwrap();
    verify(k.public_key_spki(), msg, &sig)
        .expect("a token signature verifies with the token's public key");
    assert!(verify(k.public_key_spki(), b"something else", &sig).is_err());
    let again = hsm.generate("ocsp-2027", Algorithm::P256).unwrap_err();
    assert!(
        again
            .to_string()
            .contains("already holds a key labelled 'ocsp-2027'"),
        "{again}"
    );
    let sm2 = hsm.generate("sm2-key", Algorithm::Sm2).unwrap_err();
    assert!(sm2.to_string().contains("GM/T 0018"), "{sm2}");

    let file_key = PrivateKey::generate(Algorithm::P256).unwrap();
    let imported = hsm.import("imported", &file_key).unwrap();
    assert_eq!(
        imported.public_key_spki(),
        file_key.public_key_spki_der().unwrap().as_slice()
    );
    let sig = imported.sign(msg).unwrap();
    verify(&file_key.public_key_spki_der().unwrap(), msg, &sig).unwrap();
    let missing = hsm.signer("nobody", Algorithm::P256).unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("no key pair labelled 'nobody'"),
        "{missing}"
    );
    // The token forgets the login (a reset, a network HSM reconnecting): the signer logs in
    // again by itself and signs with the same key.
    hsm.logout().unwrap();
    let sig = k.sign(msg).expect("signs again after the login was lost");
    verify(k.public_key_spki(), msg, &sig).unwrap();
    let err = Hsm::open(Path::new(MODULE), "no-such-token", PIN).unwrap_err();
    assert!(
        err.to_string()
            .contains("no initialized token labelled 'no-such-token'"),
        "{err}"
    );
}

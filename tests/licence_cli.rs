//! `yinxin licence check-id` and `yinxin licence kinds` on the real identifiers of
//! `../shared/reference/e-licence.md` and on kind files with errors.

mod common;
use common::yinxin;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = yinxin().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const REAL: [&str; 3] = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
];

#[test]
fn real_identifiers_check_under_the_standard_rule() {
    for id in REAL {
        let (ok, out, err) = run(&["licence", "check-id", id]);
        assert!(ok, "{id}: {err}");
        assert!(out.contains("is right (GB/T 36904 rule"), "{id}: {out}");
    }
    let (_, out, _) = run(&["licence", "check-id", REAL[2]]);
    assert!(
        out.contains("issuer code 340100, serial 000000016, version 001"),
        "{out}"
    );
}

#[test]
fn a_wrong_character_fails_naming_the_right_one() {
    let wrong = REAL[0].replace(".001.U", ".001.V");
    let (ok, out, err) = run(&["licence", "check-id", &wrong]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("matches no rule (the standard's is U)"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn the_vendor_variant_is_named_not_rejected() {
    // The letter-index variant's character for the first real identifier's body.
    let body = "11100000000013338W01111430000006122244L20230000403001";
    let variant = yinxin::licence::identifier::check_character(
        body,
        yinxin::licence::CheckRule::LetterIndexVariant,
    )
    .unwrap();
    let id = format!(
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.{variant}"
    );
    let (ok, out, err) = run(&["licence", "check-id", &id]);
    assert!(ok, "{err}");
    assert!(out.contains("letter-index variant"), "{out}");
}

#[test]
fn malformed_identifiers_say_why() {
    let (ok, _, err) = run(&["licence", "check-id", "1.2.3.4"]);
    assert!(!ok);
    assert!(err.contains("starts with 1.2.156.3005.2"), "{err}");
}

#[test]
fn kinds_list_and_a_bad_kind_file_is_named() {
    let (ok, out, err) = run(&["licence", "kinds"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("business-licence\t11100000000013338W011\t营业执照"),
        "{out}"
    );
    assert!(out.contains("food-business-licence"), "{out}");
    assert!(out.contains("professional-qualification"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/licences/business-licence.toml"),
    )
    .unwrap()
    .replace("key = \"business-licence\"", "key = \"permit-x\"")
    .replace(
        "type_code = \"11100000000013338W011\"",
        "type_code = \"11100000000013338W099\"",
    )
    .replace("max_length = 18\n", "max_length = 0\n");
    std::fs::write(dir.path().join("permit.toml"), text).unwrap();
    let (ok, _, err) = run(&["licence", "kinds", "--dir", dir.path().to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("permit.toml: fields[0].max_length: must be at least 1"),
        "{err}"
    );
}

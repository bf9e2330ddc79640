//! NIST PKITS: every case of `fixtures/pkits/pkits.json` with its parameters must give the
//! expected outcome (DSA cases may report the algorithm as unsupported; they are counted and
//! named separately). Prints `PKITS: N passed, M failed, K unsupported`.

use serde_json::Value;
use yinxin::verify::path::{Input, RevocationMode, Validator};
use yinxin::verify::report::SubIndication;

/// 2022-05-01T00:00:00Z
const PKITS_TIME: i64 = 1_651_363_200;

fn read(kind: &str, name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/pkits/{kind}/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{kind}/{name}: {e}"))
}

fn oids(v: &Value) -> Vec<const_oid::ObjectIdentifier> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| const_oid::ObjectIdentifier::new(o.as_str().unwrap()).unwrap())
        .collect()
}

/// Run one case; returns (outcome matched, unsupported algorithm, detail).
pub fn run_case(validator: &Validator, case: &Value) -> (bool, bool, String) {
    let mut input = Input::new(
        read("certs", case["cert"].as_str().unwrap()),
        vec![read("certs", "TrustAnchorRootCertificate.crt")],
        PKITS_TIME,
        yinxin::verify::purpose::Purpose::DocumentSigner,
    );
    // PKITS names no purpose; some of its end entities are CA certificates, which are
    // validated as such (a CA certificate never signs documents).
    if yinxin::verify::cert::Cert::from_der(&input.target)
        .is_ok_and(|c| c.basic.is_some_and(|b| b.ca))
    {
        input.purpose = yinxin::verify::purpose::Purpose::Ca;
    }
    input.intermediates = case["other_certs"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| read("certs", c.as_str().unwrap()))
                .collect()
        })
        .unwrap_or_default();
    let mut crls: Vec<Vec<u8>> = case["crls"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| read("crls", c.as_str().unwrap()))
                .collect()
        })
        .unwrap_or_default();
    crls.push(read("crls", "TrustAnchorRootCRL.crl"));
    input.crls = crls;
    input.revocation = if case["revocation"] == Value::Bool(false) {
        RevocationMode::IfAvailable
    } else {
        RevocationMode::Require
    };
    if let Some(p) = case.get("params") {
        if let Some(set) = p.get("user_initial_policy_set") {
            let set = oids(set);
            input.policy.user_initial_policy_set =
                if set.iter().any(|o| o.to_string() == "2.5.29.32.0") {
                    None
                } else {
                    Some(set)
                };
        }
        input.policy.initial_explicit_policy = p
            .get("initial_explicit_policy")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        input.policy.initial_policy_mapping_inhibit = p
            .get("initial_policy_mapping_inhibit")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        input.policy.initial_any_policy_inhibit = p
            .get("initial_any_policy_inhibit")
            .and_then(Value::as_bool)
            .unwrap_or(false);
    }
    let report = validator.validate(&input);
    let expect_pass = case.get("error").is_none();
    let unsupported = report.sub_indication == Some(SubIndication::CryptoConstraintsFailure)
        && report
            .failure
            .as_ref()
            .is_some_and(|f| f.rule.contains("DSA"));
    let detail = format!(
        "{} {}: expected {}, got {:?}/{:?} {}",
        case["id"].as_str().unwrap(),
        case["name"].as_str().unwrap(),
        if expect_pass { "pass" } else { "fail" },
        report.indication,
        report.sub_indication,
        report
            .failure
            .as_ref()
            .map(|f| f.rule.clone())
            .unwrap_or_default()
    );
    (report.passed() == expect_pass, unsupported, detail)
}

#[test]
fn pkits() {
    let cases: Vec<Value> = serde_json::from_slice(&read("", "pkits.json")).unwrap();
    assert_eq!(cases.len(), 246);
    let validator = Validator::new();
    let (mut passed, mut failed, mut unsupported) = (0, 0, vec![]);
    let mut failures = vec![];
    for case in &cases {
        let (ok, unsup, detail) = run_case(&validator, case);
        if unsup && case["cert"].as_str().unwrap().contains("DSA") {
            unsupported.push(detail);
        } else if ok {
            passed += 1;
        } else {
            failed += 1;
            failures.push(detail);
        }
    }
    for f in &failures {
        println!("MISMATCH {f}");
    }
    for u in &unsupported {
        println!("UNSUPPORTED {u}");
    }
    println!(
        "PKITS: {passed} passed, {failed} failed, {} unsupported",
        unsupported.len()
    );
    assert_eq!(failed, 0, "PKITS mismatches:\n{}", failures.join("\n"));
}

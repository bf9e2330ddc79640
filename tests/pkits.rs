//! NIST PKITS: every case of `fixtures/pkits/pkits.json` with its parameters must give the
//! expected outcome, and every case that must fail must fail for the expected reason: the
//! sub-indication and failure reason code of `fixtures/pkits/expected-reasons.json` (a default
//! per PKITS section, overridden per case). DSA cases that should pass report the algorithm as
//! unsupported; they are counted and named separately. Prints
//! `PKITS: N passed, M failed, K unsupported`.

use serde_json::Value;
use yinxin::verify::path::{Input, RevocationMode, Validator};
use yinxin::verify::purpose::Purpose;
use yinxin::verify::report::{Report, SubIndication};

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

/// The PKITS input of one case.
pub fn input(case: &Value) -> Input {
    let target = read("certs", case["cert"].as_str().unwrap());
    // RFC 5280 §6 has no purpose; PKITS's targets are signers, or CAs (path length and
    // CRL scope cases), validated as such.
    let purpose = match yinxin::verify::cert::Cert::from_der(&target) {
        Ok(c) if c.is_ca() => Purpose::Ca,
        _ => Purpose::DocumentSigner,
    };
    let mut input = Input::new(
        target,
        vec![read("certs", "TrustAnchorRootCertificate.crt")],
        PKITS_TIME,
        purpose,
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
    // PKITS (2011) CA certificates carry policyConstraints non-critical, which RFC 5280
    // §4.2.1.11 forbids and the default profile refuses.
    input.profile.policy_constraints_critical = false;
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
    input
}

/// The expected (sub-indication, reason code) of a case that must fail.
fn expected_reason(table: &Value, case: &Value) -> (String, String) {
    let name = case["name"].as_str().unwrap();
    let id = case["id"].as_str().unwrap();
    let entry = table["cases"].get(name).unwrap_or_else(|| {
        // "40201" → section "4.2", "41302" → "4.13".
        let section = format!("4.{}", id[1..3].parse::<u32>().unwrap());
        table["sections"]
            .get(&section)
            .unwrap_or_else(|| panic!("no section {section} for {id}"))
    });
    (
        entry["sub"].as_str().unwrap().to_string(),
        entry["reason"].as_str().unwrap().to_string(),
    )
}

fn sub_name(r: &Report) -> String {
    r.sub_indication
        .map(|s| {
            serde_json::to_value(s)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap_or_default()
}

/// Run one case; returns (outcome and reason matched, unsupported algorithm, detail).
pub fn run_case(validator: &Validator, table: &Value, case: &Value) -> (bool, bool, String) {
    let report = validator.validate(&input(case));
    let expect_pass = case.get("error").is_none();
    let code = report
        .failure
        .as_ref()
        .map(|f| f.reason.code())
        .unwrap_or("-");
    let unsupported = expect_pass
        && report.sub_indication == Some(SubIndication::CryptoConstraintsFailure)
        && code == "unsupported-algorithm";
    let mut ok = report.passed() == expect_pass;
    let mut expected = if expect_pass {
        "pass".into()
    } else {
        "fail".into()
    };
    if !expect_pass {
        let (sub, reason) = expected_reason(table, case);
        ok = ok && sub_name(&report) == sub && code == reason;
        expected = format!("{sub} / {reason}");
    }
    let detail = format!(
        "{} {}: expected {expected}, got {:?} / {} / {code}: {}",
        case["id"].as_str().unwrap(),
        case["name"].as_str().unwrap(),
        report.indication,
        sub_name(&report),
        report
            .failure
            .as_ref()
            .map(|f| f.rule.clone())
            .unwrap_or_default()
    );
    (ok, unsupported, detail)
}

#[test]
fn pkits() {
    let cases: Vec<Value> = serde_json::from_slice(&read("", "pkits.json")).unwrap();
    let table: Value = serde_json::from_slice(&read("", "expected-reasons.json")).unwrap();
    assert_eq!(cases.len(), 246);
    // Every override names a case that exists and must fail.
    for name in table["cases"].as_object().unwrap().keys() {
        assert!(
            cases
                .iter()
                .any(|c| c["name"] == name.as_str() && c.get("error").is_some()),
            "expected-reasons.json names {name}, which is not a failing PKITS case"
        );
    }
    let validator = Validator::new();
    let (mut passed, mut failed, mut unsupported) = (0, 0, vec![]);
    let mut failures = vec![];
    for case in &cases {
        let (ok, unsup, detail) = run_case(&validator, &table, case);
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
    assert_eq!(passed, 244);
    assert_eq!(unsupported.len(), 2);
}

/// The default profile refuses PKITS's non-critical policyConstraints (RFC 5280 §4.2.1.11):
/// the tolerance above is what lets those cases pass.
#[test]
fn pkits_policy_constraints_not_critical_is_refused_by_default() {
    let cases: Vec<Value> = serde_json::from_slice(&read("", "pkits.json")).unwrap();
    let case = cases
        .iter()
        .find(|c| c["name"] == "all_certificates_same_policies_test10")
        .unwrap();
    let mut i = input(case);
    assert!(Validator::new().validate(&i).passed());
    i.profile.policy_constraints_critical = true;
    let r = Validator::new().validate(&i);
    assert_eq!(sub_name(&r), "CHAIN_CONSTRAINTS_FAILURE");
    assert_eq!(
        r.failure.as_ref().unwrap().reason.code(),
        "policy-constraints-not-critical"
    );
}

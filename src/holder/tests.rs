//! Unit tests of the holder side's pure parts.

use super::grant::{GrantLimits, GrantRequest, Refusal, make, refusal};
use super::jwt::{Expect, Jwks, verify_id_token};
use super::oidc::LoginState;
use super::session::{csrf_ok, csrf_token};
use super::*;
use base64::Engine;
use serde_json::json;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A P-256 key pair (ring) and its JWKS.
fn es256_key() -> (ring::signature::EcdsaKeyPair, String) {
    let rng = ring::rand::SystemRandom::new();
    let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
    let kp = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
    use ring::signature::KeyPair;
    let p = kp.public_key().as_ref().to_vec();
    let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig",
        "x": b64(&p[1..33]), "y": b64(&p[33..65])}]})
    .to_string();
    (kp, jwks)
}

fn token(
    kp: &ring::signature::EcdsaKeyPair,
    header: serde_json::Value,
    claims: serde_json::Value,
) -> String {
    let signing = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let rng = ring::rand::SystemRandom::new();
    let sig = kp.sign(&rng, signing.as_bytes()).unwrap();
    format!("{signing}.{}", b64(sig.as_ref()))
}

const NOW: i64 = 1_800_000_000;

fn claims() -> serde_json::Value {
    json!({"iss": "http://idp.test", "aud": "yinxin", "sub": "u1", "nonce": "n-1",
        "iat": NOW - 5, "exp": NOW + 300, "id_number": "11010519491231002X"})
}

fn expect() -> Expect<'static> {
    Expect {
        issuer: "http://idp.test",
        client_id: "yinxin",
        nonce: "n-1",
        now: NOW,
    }
}

#[test]
fn an_id_token_verifies_only_with_the_providers_key_and_this_logins_claims() {
    let (kp, jwks) = es256_key();
    let jwks = Jwks::parse(jwks.as_bytes()).unwrap();
    let h = json!({"alg": "ES256", "kid": "k1"});
    let good = token(&kp, h.clone(), claims());
    assert_eq!(
        verify_id_token(&good, &jwks, &expect()).unwrap()["sub"],
        "u1"
    );

    // Forgeries: another key; alg none; a changed payload; another nonce, audience, issuer;
    // expired.
    let (other, _) = es256_key();
    let e = verify_id_token(&token(&other, h.clone(), claims()), &jwks, &expect()).unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none"}"#),
        b64(claims().to_string().as_bytes())
    );
    let e = verify_id_token(&none, &jwks, &expect()).unwrap_err();
    assert!(e.to_string().contains("not accepted"), "{e}");
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let mut c = claims();
    c["id_number"] = json!("110105194912310029");
    parts[1] = b64(c.to_string().as_bytes());
    let e = verify_id_token(&parts.join("."), &jwks, &expect()).unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
    for (k, v, why) in [
        ("nonce", json!("n-2"), "nonce"),
        ("aud", json!("other"), "not issued to this client"),
        ("iss", json!("http://evil.test"), "another issuer"),
        ("exp", json!(NOW - 600), "expired"),
    ] {
        let mut c = claims();
        c[k] = v;
        let e = verify_id_token(&token(&kp, h.clone(), c), &jwks, &expect()).unwrap_err();
        assert!(e.to_string().contains(why), "{k}: {e}");
    }
}

#[test]
fn the_login_cookie_round_trips_and_expires() {
    let l = LoginState::new(NOW).unwrap();
    let v = l.cookie_value();
    let back = LoginState::from_cookie(&v, NOW + 10).unwrap();
    assert_eq!(*back.state, *l.state);
    assert_eq!(back.challenge(), l.challenge());
    assert!(LoginState::from_cookie(&v, NOW + LoginState::MAX_AGE + 1).is_none());
    assert!(LoginState::from_cookie("a.b.c", NOW).is_none());
}

#[test]
fn csrf_tokens_belong_to_their_session() {
    let t = csrf_token("secret-a");
    assert!(csrf_ok("secret-a", &t));
    assert!(!csrf_ok("secret-b", &t));
    assert!(!csrf_ok("secret-a", ""));
}

#[test]
fn grants_follow_the_rules_and_refuse_for_the_right_reason() {
    let limits = GrantLimits {
        max_days: 30,
        max_uses: 10,
    };
    let req = GrantRequest {
        licence: "1.2.156.3005.2.x".into(),
        agency: "11440100MB2C12345P".into(),
        service_item: "开办餐饮店".into(),
        case_number: "2026-0001".into(),
        until: NOW + 86_400,
        uses: 2,
        unmask: false,
    };
    let (mut g, code) = make(&req, "h", limits, NOW).unwrap();
    assert!(code.starts_with("yxg_") && code.len() > 40);
    assert_eq!(g.code_hash, secret_hash(&code));
    assert_eq!(refusal(&g, "11440100MB2C12345P", NOW), None);
    assert_eq!(
        refusal(&g, "91350100M000100Y43", NOW),
        Some(Refusal::OtherAgency)
    );
    assert_eq!(
        refusal(&g, "11440100MB2C12345P", NOW + 86_400),
        Some(Refusal::Expired)
    );
    g.uses = 2;
    assert_eq!(
        refusal(&g, "11440100MB2C12345P", NOW),
        Some(Refusal::UsedUp)
    );
    g.withdrawn_at = Some(NOW);
    assert_eq!(
        refusal(&g, "11440100MB2C12345P", NOW),
        Some(Refusal::Withdrawn)
    );

    let bad = |f: &dyn Fn(&mut GrantRequest), why: &str| {
        let mut r = req.clone();
        f(&mut r);
        let e = make(&r, "h", limits, NOW).unwrap_err().to_string();
        assert!(e.contains(why), "{why}: {e}");
    };
    bad(&|r| r.agency = "11440100MB2C12345A".into(), "agency");
    bad(&|r| r.until = NOW + 31 * 86_400, "until");
    bad(&|r| r.until = NOW - 1, "until");
    bad(&|r| r.uses = 0, "uses");
    bad(&|r| r.uses = 11, "uses");
    bad(&|r| r.service_item = String::new(), "service_item");
    bad(
        &|r| r.case_number = "11010519491231002X".into(),
        "identity number",
    );
}

#[test]
fn names_are_masked_for_greeting() {
    assert_eq!(mask_name("张三丰"), "张**");
    assert_eq!(mask_name(""), "");
    assert_eq!(mask_name("广州市某某餐饮管理有限公司"), "广********");
}

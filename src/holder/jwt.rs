//! The ID token: a compact JWS verified under the identity provider's JWKS (ES256 or RS256 —
//! never `none`, never an HMAC), then its claims checked for this relying party: the issuer
//! exactly, the audience containing the client (and `azp` the client when there are several),
//! not expired, not issued in the future, and the nonce of this login.
//!
//! Owns: reading JWKS and ID tokens; must not import HTTP types.

use super::HolderError;
use base64::Engine;
use serde_json::Value;

/// Longest ID token accepted (bytes).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Clock skew tolerated between the provider and us (seconds).
pub const SKEW_SECONDS: i64 = 120;

fn b64(s: &str) -> Result<Vec<u8>, HolderError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| bad("a part is not base64url"))
}

fn bad(s: &str) -> HolderError {
    HolderError::SignIn(format!("the ID token: {s}"))
}

/// One verification key of the provider.
#[derive(Clone, Debug)]
enum Key {
    /// P-256, uncompressed point.
    Es256(Vec<u8>),
    /// RSA modulus and exponent.
    Rs256 { n: Vec<u8>, e: Vec<u8> },
}

/// The provider's keys (`jwks_uri`), by key id.
#[derive(Clone, Debug, Default)]
pub struct Jwks {
    keys: Vec<(Option<String>, Key)>,
}

impl Jwks {
    /// Read a JWKS document; keys of other types or uses (encryption) are skipped.
    pub fn parse(bytes: &[u8]) -> Result<Jwks, HolderError> {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| HolderError::SignIn(format!("the provider's JWKS: {e}")))?;
        let mut keys = Vec::new();
        for k in v["keys"].as_array().into_iter().flatten().take(64) {
            if k.get("use")
                .and_then(Value::as_str)
                .is_some_and(|u| u != "sig")
            {
                continue;
            }
            let kid = k["kid"].as_str().map(str::to_string);
            let field = |name: &str| k[name].as_str().map(b64).transpose();
            let key = match (k["kty"].as_str(), k["crv"].as_str()) {
                (Some("EC"), Some("P-256")) => match (field("x")?, field("y")?) {
                    (Some(x), Some(y)) if x.len() == 32 && y.len() == 32 => {
                        let mut p = vec![4u8];
                        p.extend_from_slice(&x);
                        p.extend_from_slice(&y);
                        Key::Es256(p)
                    }
                    _ => continue,
                },
                (Some("RSA"), _) => match (field("n")?, field("e")?) {
                    (Some(n), Some(e)) if n.len() >= 256 => Key::Rs256 { n, e },
                    _ => continue,
                },
                _ => continue,
            };
            keys.push((kid, key));
        }
        if keys.is_empty() {
            return Err(HolderError::SignIn(
                "the provider's JWKS has no ES256 or RS256 signing key".into(),
            ));
        }
        Ok(Jwks { keys })
    }
}

/// What this relying party expects of an ID token.
pub struct Expect<'a> {
    /// The issuer, exactly.
    pub issuer: &'a str,
    /// The client id.
    pub client_id: &'a str,
    /// The nonce of this login.
    pub nonce: &'a str,
    /// Now, Unix seconds.
    pub now: i64,
}

/// Verify `token` under `jwks` and check its claims; the claims.
pub fn verify_id_token(
    token: &str,
    jwks: &Jwks,
    expect: &Expect<'_>,
) -> Result<Value, HolderError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(bad("too long"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not a compact JWS (three parts)"));
    };
    let header: Value = serde_json::from_slice(&b64(h)?).map_err(|_| bad("header is not JSON"))?;
    let alg = header["alg"].as_str().unwrap_or_default();
    if header.get("crit").is_some() {
        return Err(bad("critical header parameters are not supported"));
    }
    let kid = header["kid"].as_str();
    let signed = &token.as_bytes()[..h.len() + 1 + p.len()];
    let sig = b64(s)?;
    let candidates = jwks
        .keys
        .iter()
        .filter(|(k, _)| kid.is_none() || k.as_deref() == kid);
    let mut verified = false;
    for (_, key) in candidates {
        let ok = match (alg, key) {
            ("ES256", Key::Es256(point)) => ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                point,
            )
            .verify(signed, &sig)
            .is_ok(),
            ("RS256", Key::Rs256 { n, e }) => ring::signature::RsaPublicKeyComponents { n, e }
                .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, signed, &sig)
                .is_ok(),
            _ => false,
        };
        if ok {
            verified = true;
            break;
        }
    }
    if !matches!(alg, "ES256" | "RS256") {
        return Err(bad(&format!(
            "algorithm {alg:?} is not accepted (ES256, RS256)"
        )));
    }
    if !verified {
        return Err(bad(
            "the signature does not verify under the provider's keys",
        ));
    }
    let claims: Value = serde_json::from_slice(&b64(p)?).map_err(|_| bad("payload is not JSON"))?;
    check_claims(&claims, expect)?;
    Ok(claims)
}

fn check_claims(c: &Value, x: &Expect<'_>) -> Result<(), HolderError> {
    if c["iss"].as_str() != Some(x.issuer) {
        return Err(bad("issued by another issuer"));
    }
    let aud: Vec<&str> = match &c["aud"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !aud.contains(&x.client_id) {
        return Err(bad("not issued to this client"));
    }
    if aud.len() > 1 && c["azp"].as_str() != Some(x.client_id) {
        return Err(bad(
            "several audiences and this client is not the authorized party",
        ));
    }
    let exp = c["exp"].as_i64().ok_or_else(|| bad("no expiry"))?;
    if exp + SKEW_SECONDS < x.now {
        return Err(bad("expired"));
    }
    let iat = c["iat"].as_i64().ok_or_else(|| bad("no issue time"))?;
    if iat > x.now + SKEW_SECONDS {
        return Err(bad("issued in the future"));
    }
    if c["nonce"].as_str() != Some(x.nonce) {
        return Err(bad("not this login's nonce (replayed?)"));
    }
    if c["sub"].as_str().is_none_or(str::is_empty) {
        return Err(bad("no subject"));
    }
    Ok(())
}

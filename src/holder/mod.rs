//! Holders (持证人): citizens and organizations who sign in through the region's identity
//! provider, see the licences and certificates they hold, show a licence (亮证) with a dynamic
//! QR code, and consent to an agency's use of one (用证授权); and the officials' lookup by duty
//! (依职能查验) that the holder is told about.
//!
//! Layout (one concern per file):
//! - `jwt`: compact JWS (ES256, RS256) verified under the provider's JWKS, and the ID token's
//!   claims checked (issuer, audience, expiry, nonce);
//! - `oidc`: the relying party's side of OpenID Connect (authorization code + PKCE S256):
//!   discovery, the login state kept in a cookie, the authorization URL, the token request,
//!   and who signed in (the configured claim, hashed as the certificates' holder identifier);
//! - `session`: holder sessions (random secret in a cookie, only its hash stored) and the CSRF
//!   token bound to the session;
//! - `grant`: consented use: the request's rules, the auth code, why an exchange is refused;
//! - `repo`: the storage interface (sessions, grants, the holder's history).
//!
//! The dynamic QR of 亮证 is the licence QR payload with two more signed claims (shown at,
//! shown until): `crate::licence::qr`.
//!
//! Imports `crypto`, `clock`, `pki` (identifier checks, the holder hasher), `config` (the
//! `[holders]` settings); must not import HTTP or SQL types, the store, `api`, `app` or `cli`:
//! the identity provider is reached through [`oidc::IdpTransport`], which the composition root
//! implements with the crate's one outbound client.

pub mod grant;
pub mod jwt;
pub mod oidc;
pub mod repo;
pub mod session;

/// Why a holder action failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HolderError {
    /// The identity provider's answer or token is not acceptable.
    #[error("sign-in failed: {0}")]
    SignIn(String),
    /// A request does not follow the rules.
    #[error("{0}")]
    Invalid(String),
    /// The identity provider cannot be reached.
    #[error("the identity provider cannot be reached: {0}")]
    Unavailable(String),
    /// Storage failed.
    #[error("storage: {0}")]
    Store(String),
}

/// Who holds: a person (by the hash of the identity number) or an organization (by its
/// unified social credit code), as licences and certificates record their holders.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HolderIdentity {
    /// `person` or `organization`.
    pub kind: HolderKind,
    /// The holder key of licences and certificates (hashed for persons).
    pub holder_hash: String,
    /// The name to greet with, masked (张*, 广州**公司): the page shows it, nothing else.
    pub display_name: String,
}

/// Person or organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HolderKind {
    /// A natural person (居民身份证号码).
    Person,
    /// An organization (统一社会信用代码).
    Organization,
}

impl HolderKind {
    /// Name.
    pub fn as_str(self) -> &'static str {
        match self {
            HolderKind::Person => "person",
            HolderKind::Organization => "organization",
        }
    }
    /// Parse a name.
    pub fn parse(s: &str) -> Option<HolderKind> {
        match s {
            "person" => Some(HolderKind::Person),
            "organization" => Some(HolderKind::Organization),
            _ => None,
        }
    }
}

/// A name masked for display: its first character, then one `*` per further character (at
/// most 8).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let rest = chars.count().min(8);
    format!("{first}{}", "*".repeat(rest))
}

/// Random bytes as base64url without padding (session secrets, states, codes).
pub(crate) fn random_b64(n: usize) -> Result<zeroize::Zeroizing<String>, HolderError> {
    use base64::Engine;
    let mut bytes = zeroize::Zeroizing::new(vec![0u8; n]);
    crate::crypto::random_bytes(&mut bytes).map_err(|e| HolderError::Store(e.to_string()))?;
    Ok(zeroize::Zeroizing::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..]),
    ))
}

/// `hex(SHA-256(secret))`: what is stored of a session secret or an auth code.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(crate::crypto::sha256(secret.as_bytes()))
}

#[cfg(test)]
mod tests;

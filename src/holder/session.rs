//! Holder sessions: a random 256-bit secret in a `__Host-` cookie (Secure, HttpOnly,
//! SameSite=Lax), of which only the SHA-256 is stored with who signed in and when it ends; the
//! CSRF token of the session's forms is derived from the secret (HMAC-SHA256 under a fixed
//! label), so a page can carry it and a cross-site form cannot know it.
//!
//! Owns the session vocabulary; must not import HTTP or SQL types.

use super::{HolderError, HolderIdentity, random_b64, secret_hash};
use zeroize::Zeroizing;

/// A stored session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// `hex(SHA-256(secret))`.
    pub id_hash: String,
    /// Who signed in.
    pub holder: HolderIdentity,
    /// When, Unix seconds.
    pub created_at: i64,
    /// When it ends, Unix seconds.
    pub expires_at: i64,
}

/// A new session: the secret for the cookie and the record to store.
pub struct NewSession {
    /// The cookie value (never stored, never logged).
    pub secret: Zeroizing<String>,
    /// What is stored.
    pub record: SessionRecord,
}

/// A session for `holder` from `now`, lasting `minutes`.
pub fn new_session(
    holder: HolderIdentity,
    now: i64,
    minutes: u32,
) -> Result<NewSession, HolderError> {
    let secret = random_b64(32)?;
    let record = SessionRecord {
        id_hash: secret_hash(&secret),
        holder,
        created_at: now,
        expires_at: now + i64::from(minutes) * 60,
    };
    Ok(NewSession { secret, record })
}

/// The CSRF token of the session whose secret is `secret`.
pub fn csrf_token(secret: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, b"yinxin holder csrf v1");
    hex::encode(tag.as_ref())
}

/// Whether `given` is the CSRF token of the session `secret`.
pub fn csrf_ok(secret: &str, given: &str) -> bool {
    crate::crypto::constant_time_eq(csrf_token(secret).as_bytes(), given.as_bytes())
}

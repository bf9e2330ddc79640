//! The relying party's side of OpenID Connect, as provincial unified identity services
//! (统一身份认证) speak it: the authorization code flow with PKCE (S256), a `state` and a
//! `nonce` per login kept in a short-lived cookie (nothing stored server-side before the
//! holder comes back), the code exchanged at the token endpoint with the client secret
//! (`client_secret_post`), and the ID token verified (`super::jwt`). Who signed in is the
//! configured claim (an identity number, or a credit code for organizations' accounts), hashed
//! as licences and certificates record their holders.
//!
//! Owns the protocol; the bytes travel through [`IdpTransport`], which the composition root
//! implements with the crate's one outbound client. Must not import HTTP types.

use super::jwt::{Expect, Jwks, verify_id_token};
use super::{HolderError, HolderIdentity, HolderKind, mask_name, random_b64};
use crate::config::OidcConfig;
use serde_json::Value;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// How the identity provider is reached: a GET and a form POST returning the body of a 200
/// answer (bounded by the transport).
#[async_trait::async_trait]
pub trait IdpTransport: Send + Sync {
    /// GET `url`.
    async fn get(&self, url: &str) -> Result<Vec<u8>, HolderError>;
    /// POST `form` (`application/x-www-form-urlencoded`) to `url`.
    async fn post_form(&self, url: &str, form: String) -> Result<Vec<u8>, HolderError>;
}

/// The provider's metadata (`/.well-known/openid-configuration`), what we use of it.
#[derive(Clone, Debug)]
pub struct Discovery {
    /// Where the browser is sent.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// The keys.
    pub jwks_uri: String,
}

impl Discovery {
    /// Read the metadata, which must name `issuer` exactly and support S256.
    pub fn parse(bytes: &[u8], issuer: &str) -> Result<Discovery, HolderError> {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| HolderError::SignIn(format!("the provider's metadata: {e}")))?;
        if v["issuer"].as_str() != Some(issuer) {
            return Err(HolderError::SignIn(format!(
                "the provider's metadata names issuer {:?}, configured {issuer:?}",
                v["issuer"].as_str().unwrap_or_default()
            )));
        }
        if let Some(m) = v["code_challenge_methods_supported"].as_array()
            && !m.iter().any(|x| x == "S256")
        {
            return Err(HolderError::SignIn(
                "the provider does not support PKCE with S256".into(),
            ));
        }
        let url = |k: &str| {
            v[k].as_str()
                .map(str::to_string)
                .ok_or_else(|| HolderError::SignIn(format!("the provider's metadata has no {k}")))
        };
        Ok(Discovery {
            authorization_endpoint: url("authorization_endpoint")?,
            token_endpoint: url("token_endpoint")?,
            jwks_uri: url("jwks_uri")?,
        })
    }
}

/// One login in progress: what the callback must find again. Kept in an HttpOnly cookie for
/// ten minutes ([`LoginState::MAX_AGE`]).
pub struct LoginState {
    /// Returned by the provider unchanged (CSRF of the login).
    pub state: Zeroizing<String>,
    /// Must come back in the ID token (replay).
    pub nonce: Zeroizing<String>,
    /// The PKCE code verifier.
    pub verifier: Zeroizing<String>,
    /// When the login started.
    pub started: i64,
}

impl LoginState {
    /// Seconds a login may take.
    pub const MAX_AGE: i64 = 600;

    /// A fresh login at `now`.
    pub fn new(now: i64) -> Result<LoginState, HolderError> {
        Ok(LoginState {
            state: random_b64(24)?,
            nonce: random_b64(24)?,
            verifier: random_b64(32)?,
            started: now,
        })
    }

    /// The cookie value: `state.nonce.verifier.started`.
    pub fn cookie_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "{}.{}.{}.{}",
            *self.state, *self.nonce, *self.verifier, self.started
        ))
    }

    /// Read the cookie value back; None when malformed or older than [`LoginState::MAX_AGE`].
    pub fn from_cookie(value: &str, now: i64) -> Option<LoginState> {
        let mut p = value.split('.');
        let (Some(s), Some(n), Some(v), Some(t), None) =
            (p.next(), p.next(), p.next(), p.next(), p.next())
        else {
            return None;
        };
        let started: i64 = t.parse().ok()?;
        if now < started || now - started > Self::MAX_AGE || s.is_empty() || v.len() < 43 {
            return None;
        }
        Some(LoginState {
            state: Zeroizing::new(s.into()),
            nonce: Zeroizing::new(n.into()),
            verifier: Zeroizing::new(v.into()),
            started,
        })
    }

    /// The S256 code challenge.
    pub fn challenge(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(crate::crypto::sha256(self.verifier.as_bytes()))
    }
}

/// The relying party: configuration, the provider's metadata and keys (fetched on first use,
/// the keys again when a token names an unknown key id).
pub struct Oidc {
    cfg: OidcConfig,
    secret: Zeroizing<String>,
    redirect_uri: String,
    transport: Box<dyn IdpTransport>,
    cache: Mutex<Option<(Discovery, Jwks, i64)>>,
}

/// How long the provider's metadata and keys are reused (seconds).
const METADATA_TTL: i64 = 3600;

impl Oidc {
    /// A relying party for `cfg` with the client secret, coming back to `redirect_uri`.
    pub fn new(
        cfg: OidcConfig,
        secret: Zeroizing<String>,
        redirect_uri: String,
        transport: Box<dyn IdpTransport>,
    ) -> Oidc {
        Oidc {
            cfg,
            secret,
            redirect_uri,
            transport,
            cache: Mutex::new(None),
        }
    }

    fn cached(&self, now: i64) -> Option<(Discovery, Jwks)> {
        let g = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        g.as_ref()
            .filter(|(_, _, at)| now - at < METADATA_TTL)
            .map(|(d, k, _)| (d.clone(), k.clone()))
    }

    async fn metadata(&self, now: i64, refresh: bool) -> Result<(Discovery, Jwks), HolderError> {
        if !refresh && let Some(m) = self.cached(now) {
            return Ok(m);
        }
        let issuer = self.cfg.issuer.trim_end_matches('/');
        let url = format!("{issuer}/.well-known/openid-configuration");
        let d = Discovery::parse(&self.transport.get(&url).await?, &self.cfg.issuer)?;
        let jwks = Jwks::parse(&self.transport.get(&d.jwks_uri).await?)?;
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((d.clone(), jwks.clone(), now));
        Ok((d, jwks))
    }

    /// Where to send the browser for `login`.
    pub async fn authorization_url(
        &self,
        login: &LoginState,
        now: i64,
    ) -> Result<String, HolderError> {
        let (d, _) = self.metadata(now, false).await?;
        let q = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", self.cfg.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("scope", self.cfg.scopes.as_str()),
            ("state", login.state.as_str()),
            ("nonce", login.nonce.as_str()),
            ("code_challenge", login.challenge().as_str()),
            ("code_challenge_method", "S256"),
        ])
        .map_err(|e| HolderError::SignIn(e.to_string()))?;
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{sep}{q}", d.authorization_endpoint))
    }

    /// The callback: `state` must be the login's; the code is exchanged and the ID token
    /// verified; who signed in.
    pub async fn complete(
        &self,
        login: &LoginState,
        state: &str,
        code: &str,
        hasher: &crate::pki::subject::HolderHasher,
        now: i64,
    ) -> Result<HolderIdentity, HolderError> {
        if !crate::crypto::constant_time_eq(state.as_bytes(), login.state.as_bytes()) {
            return Err(HolderError::SignIn(
                "the state does not match this login".into(),
            ));
        }
        if code.is_empty() || code.len() > 2048 {
            return Err(HolderError::SignIn("no authorization code".into()));
        }
        let (d, jwks) = self.metadata(now, false).await?;
        let form = Zeroizing::new(
            serde_urlencoded::to_string([
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", self.redirect_uri.as_str()),
                ("client_id", self.cfg.client_id.as_str()),
                ("client_secret", self.secret.as_str()),
                ("code_verifier", login.verifier.as_str()),
            ])
            .map_err(|e| HolderError::SignIn(e.to_string()))?,
        );
        let answer = self
            .transport
            .post_form(&d.token_endpoint, form.to_string())
            .await?;
        let v: Value = serde_json::from_slice(&answer)
            .map_err(|e| HolderError::SignIn(format!("the token answer: {e}")))?;
        let token = v["id_token"]
            .as_str()
            .ok_or_else(|| HolderError::SignIn("the token answer has no id_token".into()))?;
        let expect = Expect {
            issuer: &self.cfg.issuer,
            client_id: &self.cfg.client_id,
            nonce: &login.nonce,
            now,
        };
        let claims = match verify_id_token(token, &jwks, &expect) {
            Ok(c) => c,
            // The provider may have rolled its keys: read them again once.
            Err(_) => {
                let (_, fresh) = self.metadata(now, true).await?;
                verify_id_token(token, &fresh, &expect)?
            }
        };
        identity(&claims, &self.cfg, hasher)
    }
}

/// Who the claims name: the identity claim is an identity number (GB 11643, a person) or a
/// unified social credit code (GB 32100, an organization); anything else is refused.
pub fn identity(
    claims: &Value,
    cfg: &OidcConfig,
    hasher: &crate::pki::subject::HolderHasher,
) -> Result<HolderIdentity, HolderError> {
    let id = claims[cfg.identity_claim.as_str()]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            HolderError::SignIn(format!(
                "the ID token has no {:?} claim (configure [holders.oidc] identity_claim)",
                cfg.identity_claim
            ))
        })?;
    let name = mask_name(claims[cfg.name_claim.as_str()].as_str().unwrap_or_default());
    if crate::pki::identifiers::check_credit_code(id).is_ok() {
        return Ok(HolderIdentity {
            kind: HolderKind::Organization,
            holder_hash: id.to_string(),
            display_name: name,
        });
    }
    if crate::pki::identifiers::check_id_number(id).is_ok() {
        return Ok(HolderIdentity {
            kind: HolderKind::Person,
            holder_hash: hasher.hash_id_number(id),
            display_name: name,
        });
    }
    Err(HolderError::SignIn(format!(
        "the {:?} claim is neither an identity number nor a credit code",
        cfg.identity_claim
    )))
}

//! `[holders]`, `[holders.oidc]` and `[[holders.duty_lookup]]` of `yinxin.toml` (see
//! docs/holders.md); documented with the rest by `tests/configuration_doc.rs`.

use serde::{Deserialize, Serialize};

/// `[holders]`: the holders' side (docs/holders.md). Without `[holders.oidc]` nobody signs in
/// and the holders' pages say so.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldersConfig {
    /// Minutes a holder's session lasts from sign-in (default 30).
    #[serde(default = "default_session_minutes")]
    pub session_minutes: u32,
    /// Seconds a dynamic QR code of 亮证 (showing a licence) stays valid (default 300).
    #[serde(default = "default_show_seconds")]
    pub show_qr_seconds: u32,
    /// Longest consented use (用证授权) in days (default 30).
    #[serde(default = "default_grant_days")]
    pub max_grant_days: u32,
    /// Most uses of one consent (default 20).
    #[serde(default = "default_grant_uses")]
    pub max_grant_uses: u32,
    /// The region's identity provider (OpenID Connect).
    #[serde(default)]
    pub oidc: Option<OidcConfig>,
    /// Lookups by duty (依职能查验): which roles may read a licence without the holder's
    /// consent, on which legal basis (none by default).
    #[serde(default)]
    pub duty_lookup: Vec<DutyLookupConfig>,
}

impl Default for HoldersConfig {
    fn default() -> Self {
        HoldersConfig {
            session_minutes: default_session_minutes(),
            show_qr_seconds: default_show_seconds(),
            max_grant_days: default_grant_days(),
            max_grant_uses: default_grant_uses(),
            oidc: None,
            duty_lookup: Vec::new(),
        }
    }
}

fn default_session_minutes() -> u32 {
    30
}
fn default_show_seconds() -> u32 {
    300
}
fn default_grant_days() -> u32 {
    30
}
fn default_grant_uses() -> u32 {
    20
}

/// `[holders.oidc]`: the identity provider (authorization code flow with PKCE S256).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The issuer URL, exactly as the provider's metadata and ID tokens name it.
    pub issuer: String,
    /// Our client id at the provider.
    pub client_id: String,
    /// File holding the client secret (relative to the data directory, 0600); or the
    /// environment variable `YINXIN_OIDC_CLIENT_SECRET`.
    #[serde(default)]
    pub client_secret_file: Option<String>,
    /// The ID token claim carrying the identity number or the credit code (default `id_number`).
    #[serde(default = "default_identity_claim")]
    pub identity_claim: String,
    /// The claim with the name to greet (masked) (default `name`).
    #[serde(default = "default_name_claim")]
    pub name_claim: String,
    /// Scopes asked for (default `openid identity`).
    #[serde(default = "default_scopes")]
    pub scopes: String,
    /// PEM file of CA certificates trusted for the provider's TLS besides the system's (a
    /// provincial private CA), relative to the data directory.
    #[serde(default)]
    pub ca_file: Option<String>,
}

fn default_identity_claim() -> String {
    "id_number".into()
}
fn default_name_claim() -> String {
    "name".into()
}
fn default_scopes() -> String {
    "openid identity".into()
}

/// `[[holders.duty_lookup]]`: a role that may look up a licence by duty.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutyLookupConfig {
    /// The token role (e.g. `relying-agency`).
    pub role: String,
    /// The legal basis shown to the holder (e.g. the article of the law).
    pub legal_basis: String,
    /// Only these agencies (credit codes) of that role; empty: every one.
    #[serde(default)]
    pub agencies: Vec<String>,
}

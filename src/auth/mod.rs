//! Operator tokens and roles: who may do what.
//!
//! A token is `yx_` followed by 43 base64url characters (256 random bits). It is shown once
//! when created; only its SHA-256 is stored. Each token has an id (shown in logs and audit
//! lines instead of the secret), a role, an optional organization binding, and an expiry.
//!
//! | role | may |
//! |---|---|
//! | `admin` | everything |
//! | `registrar` | issue, look up and revoke certificates; bound to an organization: only that organization's certificates, its staff (person certificates it requests) and its devices |
//! | `auditor` | read the audit log, look up certificates, read metrics |
//! | `seal-admin` | make, suspend and revoke seals (bound: for its organization only) |
//! | `signer` | stamp with a seal whose certList has the token's certificate (云签章: the key is in the key store) |
//! | `region-peer` | another region's systems calling `POST /v1/verify` with a higher rate limit than anonymous callers |
//! | `licence-issuer` | an agency issuing, changing, suspending and revoking its own e-licences (bound to its credit code and its certificate) |
//! | `relying-agency` | an agency using holders' licences: exchanges a holder's auth code (用证授权) for the licence, and looks licences up by duty (依职能查验) where `[[holders.duty_lookup]]` gives it a legal basis; bound to its credit code |
//! | `registration-authority` | a market regulator registering companies (同步发放: `POST /v1/enterprises`, certificate + 公章 + business licence) and issuing business licences; bound like a licence-issuer |

use crate::crypto::{CryptoError, random_bytes, sha256};
use base64::Engine;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Operator roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Everything.
    Admin,
    /// Issue and revoke.
    Registrar,
    /// Read audit and certificates.
    Auditor,
    /// Make, suspend and revoke seals (for one organization when bound).
    SealAdmin,
    /// Stamp with seals whose certList has the token's certificate.
    Signer,
    /// Another region's systems: verification with a higher rate limit.
    RegionPeer,
    /// An agency issuing e-licences: bound to its credit code and to the certificate whose key
    /// stamps its 电子证照专用章; issues, changes, suspends and revokes its own licences.
    LicenceIssuer,
    /// A company registration authority (市场监管): bound like a licence-issuer (its credit
    /// code, its certificate sealing with its e-licence seal); registers new companies
    /// (certificate, 公章 and business licence in one step) and issues business licences.
    RegistrationAuthority,
    /// An agency relying on holders' licences: exchanges auth codes (用证授权) and, where
    /// configured with a legal basis, looks licences up by duty; bound to its credit code.
    RelyingAgency,
}

impl Role {
    /// Name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Registrar => "registrar",
            Role::Auditor => "auditor",
            Role::SealAdmin => "seal-admin",
            Role::Signer => "signer",
            Role::RegionPeer => "region-peer",
            Role::LicenceIssuer => "licence-issuer",
            Role::RegistrationAuthority => "registration-authority",
            Role::RelyingAgency => "relying-agency",
        }
    }
    /// An agency issuing licences in its own name: bound to its credit code (`--org`) and to its
    /// certificate (`--cert`, key imported), which stamps its e-licence seal.
    pub fn is_agency(self) -> bool {
        matches!(self, Role::LicenceIssuer | Role::RegistrationAuthority)
    }
    /// Parse a role name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "registrar" => Some(Role::Registrar),
            "auditor" => Some(Role::Auditor),
            "seal-admin" => Some(Role::SealAdmin),
            "signer" => Some(Role::Signer),
            "region-peer" => Some(Role::RegionPeer),
            "licence-issuer" => Some(Role::LicenceIssuer),
            "registration-authority" => Some(Role::RegistrationAuthority),
            "relying-agency" => Some(Role::RelyingAgency),
            _ => None,
        }
    }
}

/// What a request may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Issue certificates.
    Issue,
    /// Revoke certificates.
    Revoke,
    /// Look up certificates.
    ReadCertificates,
    /// Read the audit log.
    ReadAudit,
    /// Read metrics.
    ReadMetrics,
    /// Make and revoke seals.
    ManageSeals,
    /// Stamp with a seal.
    Stamp,
    /// Verify as a recognized region (higher rate limit).
    PeerVerify,
    /// Manage the trust list and federation (withdraw services, sync peers).
    ManageTrust,
    /// Issue, change, suspend, resume and revoke e-licences (an agency: its own only).
    IssueLicences,
    /// Read e-licence records (an agency: its own only; sensitive fields masked for auditors).
    ReadLicences,
    /// Register new companies (同步发放: certificate, 公章 and business licence in one step).
    RegisterEnterprises,
    /// Exchange a holder's auth code, and look licences up by duty (where configured).
    UseHolderGrants,
}

impl Role {
    /// Whether the role grants a permission (organization scope is checked separately).
    pub fn allows(self, p: Permission) -> bool {
        match self {
            Role::Admin => true,
            Role::Registrar => matches!(
                p,
                Permission::Issue | Permission::Revoke | Permission::ReadCertificates
            ),
            Role::Auditor => matches!(
                p,
                Permission::ReadAudit
                    | Permission::ReadCertificates
                    | Permission::ReadMetrics
                    | Permission::ReadLicences
            ),
            Role::SealAdmin => matches!(p, Permission::ManageSeals),
            Role::Signer => matches!(p, Permission::Stamp),
            Role::RegionPeer => matches!(p, Permission::PeerVerify),
            Role::LicenceIssuer => {
                matches!(p, Permission::IssueLicences | Permission::ReadLicences)
            }
            Role::RelyingAgency => matches!(p, Permission::UseHolderGrants),
            Role::RegistrationAuthority => matches!(
                p,
                Permission::RegisterEnterprises
                    | Permission::IssueLicences
                    | Permission::ReadLicences
            ),
        }
    }
}

/// A stored token (never the secret).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenRecord {
    /// Public id (16 hex characters).
    pub id: String,
    /// SHA-256 of the secret, hex.
    #[serde(skip)]
    pub hash: String,
    /// Role.
    pub role: Role,
    /// Organization binding (credit code).
    pub organization: Option<String>,
    /// Certificate binding (serial) of a signer token.
    #[serde(default)]
    pub certificate: Option<String>,
    /// Created, Unix seconds.
    pub created_at: i64,
    /// Expires, Unix seconds.
    pub expires_at: i64,
    /// Revoked, Unix seconds.
    pub revoked_at: Option<i64>,
}

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// Token id.
    pub token_id: String,
    /// Role.
    pub role: Role,
    /// Organization binding.
    pub organization: Option<String>,
    /// Certificate binding (signer tokens).
    pub certificate: Option<String>,
}

impl Principal {
    /// The audit actor string.
    pub fn actor(&self) -> String {
        format!("token:{}", self.token_id)
    }
}

/// A freshly generated token: the secret (shown once) and its record.
pub struct NewToken {
    /// The secret, `yx_…`.
    pub secret: Zeroizing<String>,
    /// What is stored.
    pub record: TokenRecord,
}

/// Hash a presented token for lookup.
pub fn token_hash(secret: &str) -> String {
    hex::encode(sha256(secret.as_bytes()))
}

/// Generate a token.
pub fn generate_token(
    role: Role,
    organization: Option<String>,
    now: i64,
    valid_days: u32,
) -> Result<NewToken, CryptoError> {
    let mut raw = Zeroizing::new([0u8; 32]);
    random_bytes(raw.as_mut())?;
    let secret = Zeroizing::new(format!(
        "yx_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.as_ref())
    ));
    let mut id = [0u8; 8];
    random_bytes(&mut id)?;
    let record = TokenRecord {
        id: hex::encode(id),
        hash: token_hash(&secret),
        role,
        organization,
        certificate: None,
        created_at: now,
        expires_at: now + i64::from(valid_days) * 86_400,
        revoked_at: None,
    };
    Ok(NewToken { secret, record })
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejection {
    /// Not presented.
    #[error("authentication required: send Authorization: Bearer <token>")]
    Missing,
    /// Unknown or malformed.
    #[error("the token is not valid")]
    Unknown,
    /// Expired.
    #[error("the token has expired")]
    Expired,
    /// Revoked.
    #[error("the token has been revoked")]
    Revoked,
}

/// Check a stored token at time `now`.
pub fn check_token(rec: &TokenRecord, now: i64) -> Result<Principal, TokenRejection> {
    if rec.revoked_at.is_some() {
        return Err(TokenRejection::Revoked);
    }
    if now >= rec.expires_at {
        return Err(TokenRejection::Expired);
    }
    Ok(Principal {
        token_id: rec.id.clone(),
        role: rec.role,
        organization: rec.organization.clone(),
        certificate: rec.certificate.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let t =
            generate_token(Role::Registrar, Some("91350100M000100Y43".into()), 1000, 1).unwrap();
        assert!(t.secret.starts_with("yx_") && t.secret.len() == 46);
        assert_eq!(t.record.hash, token_hash(&t.secret));
        assert_eq!(t.record.expires_at, 1000 + 86_400);
        assert_eq!(check_token(&t.record, 1001).unwrap().role, Role::Registrar);
        assert_eq!(
            check_token(&t.record, 1000 + 86_400),
            Err(TokenRejection::Expired)
        );
        let mut r = t.record.clone();
        r.revoked_at = Some(1002);
        assert_eq!(check_token(&r, 1003), Err(TokenRejection::Revoked));
        assert!(
            Role::Auditor.allows(Permission::ReadAudit) && !Role::Auditor.allows(Permission::Issue)
        );
        assert!(
            Role::Registrar.allows(Permission::Revoke)
                && !Role::Registrar.allows(Permission::ReadAudit)
        );
    }
}

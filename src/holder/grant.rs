//! 用证授权: a holder's consent that one agency (by its credit code) may use one licence for a
//! named service item (事项) and case number (办件号), until a time and for a number of uses,
//! with the sensitive fields masked unless the holder unmasks them. The grant yields an auth
//! code (shown once to the holder, only its SHA-256 stored) which the agency exchanges; every
//! exchange, refused or not, is an event in the holder's history and in the audit log.
//!
//! Owns the rules of a grant and the reasons an exchange is refused; must not import HTTP or
//! SQL types.

use super::{HolderError, random_b64, secret_hash};
use zeroize::Zeroizing;

/// What the holder asks for.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// The licence (identifier of a version the holder holds).
    pub licence: String,
    /// The relying agency's unified social credit code.
    pub agency: String,
    /// The service item (事项名称).
    pub service_item: String,
    /// The case number (办件编号).
    pub case_number: String,
    /// Until when, Unix seconds.
    pub until: i64,
    /// How many exchanges (1 to the configured most).
    pub uses: u32,
    /// Whether the agency sees sensitive fields unmasked.
    #[serde(default)]
    pub unmask: bool,
}

/// A stored grant.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GrantRecord {
    /// Public id (the holder's lists and withdrawal).
    pub id: String,
    /// `hex(SHA-256(auth code))`.
    #[serde(skip)]
    pub code_hash: String,
    /// The holder.
    #[serde(skip)]
    pub holder_hash: String,
    /// The licence.
    pub licence: String,
    /// The agency.
    pub agency: String,
    /// The service item.
    pub service_item: String,
    /// The case number.
    pub case_number: String,
    /// Created, Unix seconds.
    pub created_at: i64,
    /// Until, Unix seconds.
    pub until: i64,
    /// Most exchanges.
    pub max_uses: u32,
    /// Exchanges so far.
    pub uses: u32,
    /// Sensitive fields unmasked.
    pub unmask: bool,
    /// Withdrawn at, Unix seconds.
    pub withdrawn_at: Option<i64>,
}

/// Why an exchange is refused (in the order the store checks them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No grant has this code.
    Unknown,
    /// Granted to another agency.
    OtherAgency,
    /// The holder withdrew it.
    Withdrawn,
    /// Past its time.
    Expired,
    /// Every use was made.
    UsedUp,
}

impl Refusal {
    /// Name (events, problem details).
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Unknown => "unknown-code",
            Refusal::OtherAgency => "other-agency",
            Refusal::Withdrawn => "withdrawn",
            Refusal::Expired => "expired",
            Refusal::UsedUp => "used-up",
        }
    }
}

/// Limits of grants (`[holders]`).
#[derive(Clone, Copy, Debug)]
pub struct GrantLimits {
    /// Longest grant, days.
    pub max_days: u32,
    /// Most uses.
    pub max_uses: u32,
}

fn text(name: &str, v: &str, max: usize) -> Result<(), HolderError> {
    let n = v.trim().chars().count();
    if n == 0 || n > max || v.chars().any(char::is_control) {
        return Err(HolderError::Invalid(format!(
            "{name}: 1 to {max} characters, no control characters"
        )));
    }
    if crate::pki::identifiers::contains_id_number(v) {
        return Err(HolderError::Invalid(format!(
            "{name}: must not contain an identity number"
        )));
    }
    Ok(())
}

/// Check a request at `now`; the grant to store and its auth code (shown once).
pub fn make(
    req: &GrantRequest,
    holder_hash: &str,
    limits: GrantLimits,
    now: i64,
) -> Result<(GrantRecord, Zeroizing<String>), HolderError> {
    crate::pki::identifiers::check_credit_code(&req.agency)
        .map_err(|e| HolderError::Invalid(format!("agency: {e}")))?;
    text("service_item", &req.service_item, 100)?;
    text("case_number", &req.case_number, 64)?;
    if req.until <= now || req.until > now + i64::from(limits.max_days) * 86_400 {
        return Err(HolderError::Invalid(format!(
            "until: after now and at most {} days ahead",
            limits.max_days
        )));
    }
    if req.uses == 0 || req.uses > limits.max_uses {
        return Err(HolderError::Invalid(format!(
            "uses: 1 to {}",
            limits.max_uses
        )));
    }
    let code = Zeroizing::new(format!("yxg_{}", *random_b64(32)?));
    let id = hex::encode(&crate::crypto::sha256(random_b64(16)?.as_bytes())[..12]);
    Ok((
        GrantRecord {
            id,
            code_hash: secret_hash(&code),
            holder_hash: holder_hash.to_string(),
            licence: req.licence.clone(),
            agency: req.agency.clone(),
            service_item: req.service_item.trim().to_string(),
            case_number: req.case_number.trim().to_string(),
            created_at: now,
            until: req.until,
            max_uses: req.uses,
            uses: 0,
            unmask: req.unmask,
            withdrawn_at: None,
        },
        code,
    ))
}

/// Why the grant `g` cannot be used by `agency` at `now`, if it cannot.
pub fn refusal(g: &GrantRecord, agency: &str, now: i64) -> Option<Refusal> {
    if g.agency != agency {
        Some(Refusal::OtherAgency)
    } else if g.withdrawn_at.is_some() {
        Some(Refusal::Withdrawn)
    } else if now >= g.until {
        Some(Refusal::Expired)
    } else if g.uses >= g.max_uses {
        Some(Refusal::UsedUp)
    } else {
        None
    }
}

//! Signed seal status (印章状态), the seal's counterpart of an OCSP response: a statement of one
//! seal's status in its region's registry at a time, signed by the region's seal maker (the
//! authority for seals), that relying parties check offline. Owns the statement format, issuing
//! a statement, checking one against a seal, and the registry step of seal verification (the
//! registry itself, else signed statuses). Must not import HTTP or SQL.
//!
//! The statement is canonical JSON (keys sorted, compact: the trust list's
//! [`crate::trust::list::canonical_json`]) embedded in a CMS SignedData
//! ([`crate::document::cms::sign_embedded`]) signed with the region's SM2 seal-maker key:
//!
//! ```json
//! {"es_id":"GD20260101A1B2C3D4E5F6","format":"yinxin-seal-status/1",
//!  "next_update":"2026-01-01T01:00:00Z","produced_at":"2026-01-01T00:00:00Z","region":"gd",
//!  "seal_sha256":"<hex SHA-256 of the seal's DER>","status":"active"}
//! ```
//!
//! A statement is accepted for a seal only when all of these hold: the CMS signature verifies;
//! `format` is [`FORMAT`]; `es_id` and `seal_sha256` name exactly this seal; `produced_at` is not
//! more than [`CLOCK_SKEW`] in the future; now ≤ `next_update`; the signer's certificate validates
//! now for the seal-maker purpose to the relying party's anchors; and the signer is the seal's
//! own maker certificate or — so that a region's statuses survive a maker key rollover — a
//! certificate carrying the seal-making EKU that anchors at the same trust anchor as the seal's
//! maker (the same region: any such maker could make seals of that region anyway, so accepting
//! its word on status trusts it with nothing more).

use super::format::Seal;
use super::service::{SealRecord, SealRepository, SealStatus};
use super::verify::VerifyOptions;
use crate::crypto::Signer;
use crate::verify::chain::validate_for;
use crate::verify::purpose::Purpose;
use crate::verify::reason::FailureReason;
use crate::verify::report::Report;
use serde::{Deserialize, Serialize};

/// The `format` of every statement this code writes and accepts.
pub const FORMAT: &str = "yinxin-seal-status/1";
/// Largest signed status looked at, bytes.
pub const MAX_BYTES: usize = 64 * 1024;
/// How far in the future `produced_at` may be (clock skew), seconds.
pub const CLOCK_SKEW: i64 = 300;
/// Most signed statuses looked at for one seal (given and fetched each).
pub const MAX_STATUSES: usize = 8;

/// The signed statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// [`FORMAT`].
    pub format: String,
    /// The seal's esID.
    pub es_id: String,
    /// Its status in the registry at `produced_at`.
    pub status: SealStatus,
    /// SHA-256 (hex) of the seal's DER (the `.esl`).
    pub seal_sha256: String,
    /// When the statement was made (RFC 3339, UTC).
    pub produced_at: String,
    /// Not to be used after (RFC 3339, UTC).
    pub next_update: String,
    /// The region code of the registry.
    pub region: String,
}

/// Sign the status of `rec` as of `now`, valid for `validity` seconds, with the region's seal
/// maker (`maker`, certificate `maker_cert`).
pub fn issue(
    rec: &SealRecord,
    region: &str,
    maker: &dyn Signer,
    maker_cert: &[u8],
    now: i64,
    validity: i64,
) -> Result<Vec<u8>, String> {
    let st = Statement {
        format: FORMAT.into(),
        es_id: rec.id.clone(),
        status: rec.status,
        seal_sha256: hex::encode(crate::crypto::sha256(&rec.der)),
        produced_at: crate::clock::rfc3339(now),
        next_update: crate::clock::rfc3339(now.saturating_add(validity.max(1))),
        region: region.into(),
    };
    crate::document::cms::sign_embedded(
        &crate::trust::list::canonical_json(&st),
        maker,
        maker_cert,
        &[],
        now,
    )
    .map_err(|e| format!("cannot sign the seal status: {e}"))
}

/// A statement accepted for a seal.
#[derive(Clone, Debug)]
pub struct Accepted {
    /// The status it states.
    pub status: SealStatus,
    /// produced_at, Unix seconds.
    pub produced_at: i64,
    /// next_update, Unix seconds.
    pub next_update: i64,
    /// The signer's subject.
    pub signer: String,
}

/// Parse the statement a signed status carries (its signature verified, its signer not yet
/// judged).
fn statement(signed: &[u8]) -> Result<(Statement, crate::document::cms::CmsInfo), String> {
    if signed.len() > MAX_BYTES {
        return Err(format!("larger than {MAX_BYTES} bytes"));
    }
    let info = crate::document::cms::verify_embedded(signed)
        .map_err(|e| format!("not a validly signed status: {e}"))?;
    let content = crate::document::cms::embedded_content(signed)
        .map_err(|e| format!("not a validly signed status: {e}"))?
        .ok_or("the signed status carries no statement")?;
    let st: Statement = serde_json::from_slice(&content)
        .map_err(|e| format!("not a seal status statement: {e}"))?;
    if st.format != FORMAT {
        return Err(format!(
            "statement format {:?}, expected {FORMAT:?}",
            st.format
        ));
    }
    Ok((st, info))
}

/// Check a signed status for `seal`, whose maker chain is `maker_chain`, at `opts.now` (see
/// the module doc). The cheap checks come first; the signer's chain last.
pub async fn check(
    signed: &[u8],
    seal: &Seal,
    maker_chain: &Report,
    opts: &VerifyOptions<'_>,
) -> Result<Accepted, String> {
    let (st, info) = statement(signed)?;
    if st.es_id != seal.es_id {
        return Err(format!(
            "it is the status of seal {:?}, not of {:?}",
            st.es_id, seal.es_id
        ));
    }
    if !st
        .seal_sha256
        .eq_ignore_ascii_case(&hex::encode(crate::crypto::sha256(&seal.der)))
    {
        return Err(
            "it is the status of another seal with the same esID (seal_sha256 differs)".into(),
        );
    }
    let time = |s: &str| {
        crate::trust::list::parse_time(s).ok_or_else(|| format!("bad time {s:?} in the statement"))
    };
    let (produced, next) = (time(&st.produced_at)?, time(&st.next_update)?);
    if next <= produced {
        return Err("its next_update is not after its produced_at".into());
    }
    if produced > opts.now.saturating_add(CLOCK_SKEW) {
        return Err(format!("produced at {}, in the future", st.produced_at));
    }
    if opts.now > next {
        return Err(format!("expired at {} (next_update)", st.next_update));
    }
    let chain = validate_for(
        &info.signer_cert,
        &info.certificates,
        opts.now,
        Purpose::SealMaker,
        &opts.chain_inputs(),
    )
    .await;
    let signer = crate::verify::cert::Cert::shared(&info.signer_cert)
        .map_err(|e| format!("its signer's certificate: {e}"))?;
    let who = crate::verify::cert::dn_string(&signer.subject);
    if !chain.passed() {
        let rule = chain
            .failure
            .as_ref()
            .map(|f| f.rule.clone())
            .unwrap_or_else(|| "not validated".into());
        return Err(format!(
            "its signer {who} is not a valid seal maker here: {rule}"
        ));
    }
    let same_maker = info.signer_cert == seal.maker_cert;
    let same_region = Purpose::SealMaker.explicitly_named(&signer)
        && chain.anchor_sha256.is_some()
        && chain.anchor_sha256 == maker_chain.anchor_sha256;
    if !same_maker && !same_region {
        return Err(format!(
            "its signer {who} is neither the seal's maker nor a seal maker (seal-making extended \
             key usage) under the same trust anchor as the seal's maker"
        ));
    }
    Ok(Accepted {
        status: st.status,
        produced_at: produced,
        next_update: next,
        signer: who,
    })
}

/// What the registry step found.
pub(super) enum Seen {
    /// The status is known and active.
    Passed(String),
    /// Not applicable (not a seal of this region): nothing was established.
    Skipped(String),
    /// The status is not active, unknown, or the seal unknown to its registry.
    Problem(FailureReason),
}

/// The registry step: the registry when there is one, else signed statuses (given, then, for
/// a seal of our own region when none was accepted, fetched through the trust source). `own`:
/// the seal is one of our own region's (see [`super::verify`]); for such a seal an unknown
/// status is INDETERMINATE, never a pass.
pub(super) async fn registry_step(
    seal: &Seal,
    maker_chain: &Report,
    own: bool,
    opts: &VerifyOptions<'_>,
) -> Seen {
    if let Some(reg) = opts.registry {
        return from_registry(reg, seal, own).await;
    }
    let mut refused: Vec<String> = Vec::new();
    let mut accepted: Vec<Accepted> = Vec::new();
    for (i, s) in opts
        .context
        .seal_status()
        .iter()
        .take(MAX_STATUSES)
        .enumerate()
    {
        match check(s, seal, maker_chain, opts).await {
            Ok(a) => accepted.push(a),
            Err(e) => refused.push(format!("signed status #{} refused: {e}", i + 1)),
        }
    }
    if accepted.is_empty()
        && own
        && let Some(t) = opts.trust
    {
        let fetched = t.seal_status(&seal.maker_cert, &seal.es_id).await;
        for s in fetched.iter().take(MAX_STATUSES) {
            match check(s, seal, maker_chain, opts).await {
                Ok(a) => accepted.push(a),
                Err(e) => refused.push(format!("fetched signed status refused: {e}")),
            }
        }
    }
    let refusals = if refused.is_empty() {
        String::new()
    } else {
        format!(" ({})", refused.join("; "))
    };
    // A revocation is final; otherwise the newest statement counts.
    let decisive = accepted
        .iter()
        .find(|a| a.status == SealStatus::Revoked)
        .or_else(|| accepted.iter().max_by_key(|a| a.produced_at));
    let rfc = crate::clock::rfc3339;
    match decisive {
        Some(a) if a.status == SealStatus::Active => Seen::Passed(format!(
            "seal {} is active according to its signed status of {} (valid until {}, signed by \
             {})",
            seal.es_id,
            rfc(a.produced_at),
            rfc(a.next_update),
            a.signer
        )),
        Some(a) => Seen::Problem(FailureReason::SealNotActive {
            detail: format!(
                "seal {} is {} according to its signed status of {} (signed by {})",
                seal.es_id,
                a.status.as_str(),
                rfc(a.produced_at),
                a.signer
            ),
        }),
        None if own => Seen::Problem(FailureReason::SealStatusUnknown {
            detail: format!(
                "the status of seal {} in its region's registry is unknown: the registry was not \
                 consulted and no valid signed status was seen{refusals}. A seal of this region \
                 is not valid without its status: give its signed status (--seal-status FILE, \
                 from GET /v1/seals/{}/status), let the CLI fetch it (--fetch-revocation), or \
                 verify through the service (POST /v1/verify)",
                seal.es_id, seal.es_id
            ),
        }),
        None => Seen::Skipped(format!(
            "the seal registry was not consulted (offline verification): a seal revoked or \
             suspended in its region's registry is not seen here{refusals}"
        )),
    }
}

/// The registry's word on `seal`.
async fn from_registry(reg: &dyn SealRepository, seal: &Seal, own: bool) -> Seen {
    match reg.seal(&seal.es_id).await {
        Ok(Some(rec)) if rec.der == seal.der => match rec.status {
            SealStatus::Active => {
                Seen::Passed(format!("seal {} is active in the registry", rec.id))
            }
            s => Seen::Problem(FailureReason::SealNotActive {
                detail: format!("seal {} is {} in the registry", rec.id, s.as_str()),
            }),
        },
        Ok(Some(_)) if own => Seen::Problem(FailureReason::SealNotInRegistry {
            detail: format!(
                "seal {}: this region's seal maker signed it, but the registry holds a different \
                 seal under that esID",
                seal.es_id
            ),
        }),
        Ok(None) if own => Seen::Problem(FailureReason::SealNotInRegistry {
            detail: format!(
                "seal {} was signed by this region's seal maker but is not in its registry",
                seal.es_id
            ),
        }),
        Ok(_) => Seen::Skipped("not a seal of this region's registry".into()),
        Err(e) => Seen::Problem(FailureReason::SealStatusUnknown {
            detail: format!("the seal registry could not be read: {e}"),
        }),
    }
}

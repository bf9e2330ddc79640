//! A licence's status as a verifier establishes it: for our own region from the registry
//! ([`LicenceStatusSource`], the licence repository in the service), for a recognized region
//! from a signed status (`crate::licence::status`) — given by the relying party or fetched
//! from the supply point that region's trust list names — accepted only when its signer's
//! certificate is one pinned for that region's trust list, is a trust-list signer's, is valid
//! now, and the statement is about this identifier and region and not stale.
//!
//! Owns the registry's answer ([`RegistryEntry`]), the acceptance of a signed status and the
//! status a reader sees; must not import HTTP or SQL.

use super::super::record::Status;
use super::super::repo::LicenceRepository;
use super::LicenceReason;
use crate::trust::licences::LicenceRegion;

/// A signed status produced this far in the future is refused (seconds of clock skew).
const SKEW: i64 = 300;
/// At most this many signed statuses given by the caller are read.
const MAX_GIVEN: usize = 16;

/// What our registry knows of one licence version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryEntry {
    /// The identifier.
    pub identifier: String,
    /// Its version.
    pub version: u16,
    /// Issuer's credit code.
    pub issuer_code: String,
    /// Type code.
    pub type_code: String,
    /// Holder's name as printed.
    pub holder_name: String,
    /// Valid to (`YYYY-MM-DD`); `None` for long-term.
    pub valid_to: Option<String>,
    /// Stored status.
    pub status: Status,
    /// The identifier of the lineage's current version.
    pub current_identifier: String,
    /// The data signature (detached CMS over the canonical data).
    pub data_signature: Vec<u8>,
}

/// Our own region's registry, asked by identifier.
#[async_trait::async_trait]
pub trait LicenceStatusSource: Send + Sync {
    /// The entry of `identifier`, `None` when the registry has no such licence.
    async fn entry(&self, identifier: &str) -> Result<Option<RegistryEntry>, String>;
}

/// The licence repository as the registry a verifier asks.
pub struct RepoStatus<'a>(pub &'a dyn LicenceRepository);

#[async_trait::async_trait]
impl LicenceStatusSource for RepoStatus<'_> {
    async fn entry(&self, identifier: &str) -> Result<Option<RegistryEntry>, String> {
        let Some(row) = self
            .0
            .by_identifier(identifier)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let current = super::super::repo::current_identifier(
            self.0,
            &row.identifier,
            &row.lineage,
            row.superseded_by.as_deref(),
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(Some(RegistryEntry {
            identifier: row.identifier,
            version: row.version,
            issuer_code: row.issuer_code,
            type_code: row.type_code,
            holder_name: row.holder_name,
            valid_to: row.valid_to,
            status: row.status,
            current_identifier: current,
            data_signature: row.data_signature,
        }))
    }
}

/// The status established, and where from.
#[derive(Clone, Debug)]
pub struct Seen {
    /// `active`, `suspended`, `revoked`, `superseded` or `expired`.
    pub status: String,
    /// The current version's identifier.
    pub current_identifier: String,
    /// The region that speaks for it.
    pub region: String,
    /// The version stated.
    pub version: u16,
    /// Valid to (`YYYY-MM-DD` or `长期`).
    pub valid_to: String,
    /// Where it comes from, in words.
    pub source: String,
    /// The registry entry (own region only).
    pub entry: Option<RegistryEntry>,
}

/// Why no status could be used: the reason and the words.
pub type Unseen = (LicenceReason, String);

/// The status a reader of `entry` sees at `now`: `expired` for an active licence past its end.
pub fn effective(entry: &RegistryEntry, now: i64) -> &'static str {
    super::super::record::effective_status(
        entry.status,
        entry.valid_to.as_deref(),
        super::super::service::today(now),
    )
}

/// From our registry.
pub async fn from_registry(
    own: &dyn LicenceStatusSource,
    region: &str,
    identifier: &str,
    now: i64,
) -> Result<Seen, Unseen> {
    let unknown = |d: String| (LicenceReason::StatusUnknown, d);
    match own.entry(identifier).await {
        Err(e) => Err(unknown(format!("the registry could not be read: {e}"))),
        Ok(None) => Err(unknown(format!(
            "the registry of region {region} has no licence {identifier}"
        ))),
        Ok(Some(e)) => Ok(Seen {
            status: effective(&e, now).to_string(),
            current_identifier: e.current_identifier.clone(),
            region: region.to_string(),
            version: e.version,
            valid_to: e
                .valid_to
                .clone()
                .unwrap_or_else(|| super::super::metadata::LONG_TERM.to_string()),
            source: format!("the registry of region {region}"),
            entry: Some(e),
        }),
    }
}

/// Whether `signed` is an acceptable status of `identifier` from `peer` at `now`: the
/// statement, or why not.
pub fn accept_signed(
    signed: &[u8],
    peer: &LicenceRegion,
    identifier: &str,
    now: i64,
) -> Result<(super::super::status::Read, String), String> {
    let read = super::super::status::read(signed)?;
    let fp = crate::crypto::sha256(&read.signer_cert);
    if !peer.status_signers.contains(&fp) {
        return Err(format!(
            "signed by a certificate (SHA-256 {}) that is not pinned for region {}'s trust list",
            hex::encode(fp),
            peer.region
        ));
    }
    let cert = crate::verify::cert::Cert::shared(&read.signer_cert)
        .map_err(|e| format!("its signer certificate: {e}"))?;
    crate::verify::purpose::Purpose::TrustListSigner
        .check(&cert)
        .map_err(|e| format!("its signer is not a trust-list signer: {e}"))?;
    if now < cert.not_before || now > cert.not_after {
        return Err("its signer certificate is not valid now".into());
    }
    let st = &read.statement;
    if st.region != peer.region {
        return Err(format!(
            "it speaks for region {}, not {}",
            st.region, peer.region
        ));
    }
    current(&read, identifier, now)?;
    let signer = crate::verify::cert::dn_string(&cert.subject);
    Ok((read, signer))
}

/// Whether the statement read is about `identifier` and current at `now`.
fn current(read: &super::super::status::Read, identifier: &str, now: i64) -> Result<(), String> {
    let st = &read.statement;
    if st.identifier != identifier {
        return Err(format!("it is about {}, not this licence", st.identifier));
    }
    if read.produced_at > now + SKEW {
        return Err(format!(
            "it was produced in the future ({})",
            st.produced_at
        ));
    }
    if read.next_update < now {
        return Err(format!("it is stale (next update {})", st.next_update));
    }
    Ok(())
}

/// Whether `signed` is an acceptable status of `identifier` for a relying party that has
/// neither the registry nor a trust list of the issuing region, only anchors: its signer must
/// validate now, as a trust-list signer (with revocation as the options require), to the very
/// anchor the licence's seal validated to (`anchor`, SHA-256 hex) — so one region's signer
/// cannot speak for licences anchored elsewhere.
pub async fn accept_anchored(
    signed: &[u8],
    identifier: &str,
    anchor: &str,
    options: &crate::seal::verify::VerifyOptions<'_>,
) -> Result<(super::super::status::Read, String), String> {
    let read = super::super::status::read(signed)?;
    current(&read, identifier, options.now)?;
    let (report, _) = crate::verify::chain::validate_for_noted(
        &read.signer_cert,
        &read.certificates,
        options.now,
        crate::verify::purpose::Purpose::TrustListSigner,
        &options.chain_inputs(),
    )
    .await;
    if !report.passed() {
        let why = report
            .failure
            .as_ref()
            .map_or_else(|| format!("{:?}", report.indication), |f| f.rule.clone());
        return Err(format!(
            "its signer does not validate as a trust-list signer: {why}"
        ));
    }
    if report.anchor_sha256.as_deref() != Some(anchor) {
        return Err("its signer is anchored elsewhere than the licence's seal".into());
    }
    let cert = crate::verify::cert::Cert::shared(&read.signer_cert)
        .map_err(|e| format!("its signer certificate: {e}"))?;
    Ok((read, crate::verify::cert::dn_string(&cert.subject)))
}

/// From signed statuses given by a relying party with only anchors (see [`accept_anchored`]).
pub async fn from_anchored(
    given: &[Vec<u8>],
    identifier: &str,
    anchor: &str,
    options: &crate::seal::verify::VerifyOptions<'_>,
) -> Result<Seen, Unseen> {
    let mut refused = Vec::new();
    let mut accepted = Vec::new();
    for (i, s) in given.iter().take(MAX_GIVEN).enumerate() {
        match accept_anchored(s, identifier, anchor, options).await {
            Ok(a) => accepted.push(a),
            Err(e) if e.contains("not this licence") => {}
            Err(e) => refused.push(format!("signed status #{} refused: {e}", i + 1)),
        }
    }
    decide(&accepted, &refused, "under the anchors given")
}

/// From signed statuses of `peer`: those `given`, else one fetched by `fetch`. A revocation is
/// final; otherwise the newest statement counts.
pub async fn from_signed(
    peer: &LicenceRegion,
    identifier: &str,
    given: &[Vec<u8>],
    fetch: Option<&dyn crate::trust::licences::LicenceTrust>,
    now: i64,
) -> Result<Seen, Unseen> {
    let unknown = |d: String| (LicenceReason::StatusUnknown, d);
    if let Some(why) = &peer.unusable {
        return Err(unknown(why.clone()));
    }
    let mut refused = Vec::new();
    let mut accepted = Vec::new();
    for (i, s) in given.iter().take(MAX_GIVEN).enumerate() {
        match accept_signed(s, peer, identifier, now) {
            Ok(a) => accepted.push(a),
            // Statements about other licences given alongside are not this one's business.
            Err(e) if e.contains("not this licence") => {}
            Err(e) => refused.push(format!("signed status #{} refused: {e}", i + 1)),
        }
    }
    if accepted.is_empty()
        && let Some(t) = fetch
    {
        match t.fetch_licence_status(&peer.region, identifier).await {
            Ok(b) => match accept_signed(&b, peer, identifier, now) {
                Ok(a) => accepted.push(a),
                Err(e) => refused.push(format!("fetched signed status refused: {e}")),
            },
            Err(e) => refused.push(format!("fetching the signed status: {e}")),
        }
    }
    decide(&accepted, &refused, &format!("of region {}", peer.region))
}

/// Of the statuses accepted, the one that counts: a revocation is final; otherwise the newest.
/// `whence` says where they were accepted from (for the words).
fn decide(
    accepted: &[(super::super::status::Read, String)],
    refused: &[String],
    whence: &str,
) -> Result<Seen, Unseen> {
    let decisive = accepted
        .iter()
        .find(|(r, _)| r.statement.status == Status::Revoked.name())
        .or_else(|| accepted.iter().max_by_key(|(r, _)| r.produced_at));
    let Some((r, signer)) = decisive else {
        return Err((
            LicenceReason::StatusUnknown,
            format!(
                "no acceptable signed status {whence}{}",
                if refused.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", refused.join("; "))
                }
            ),
        ));
    };
    let st = &r.statement;
    Ok(Seen {
        status: st.status.clone(),
        current_identifier: st.current_identifier.clone(),
        region: st.region.clone(),
        version: st.version,
        valid_to: st.valid_to.clone(),
        source: format!(
            "the signed status of region {} of {} (valid until {}, signed by {signer})",
            st.region, st.produced_at, st.next_update
        ),
        entry: None,
    })
}

/// The check of a status seen: `Ok(detail)` for an active licence, else the reason and words.
pub fn judge(seen: &Seen, identifier: &str) -> Result<String, Unseen> {
    let from = &seen.source;
    match seen.status.as_str() {
        "active" => Ok(format!("active according to {from}")),
        "suspended" => Err((
            LicenceReason::Suspended,
            format!("suspended according to {from}"),
        )),
        "revoked" => Err((
            LicenceReason::Revoked,
            format!("revoked according to {from}"),
        )),
        "superseded" => Err((
            LicenceReason::Superseded,
            format!(
                "version {} was replaced: the current version is {} (according to {from})",
                seen.version, seen.current_identifier
            ),
        )),
        "expired" => Err((
            LicenceReason::Expired,
            format!("expired on {} according to {from}", seen.valid_to),
        )),
        other => Err((
            LicenceReason::StatusUnknown,
            format!("status {other:?} of {identifier} according to {from} is not one known"),
        )),
    }
}

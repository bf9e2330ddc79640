//! A recognized peer's object in that region's transparency log: after a chain anchored by a
//! peer's list is reviewed, its target certificate is looked up in the log the peer's list
//! announces (`<log>/proof?kind=certificate.issue&sha256=…`, fetched only from that URL), and
//! the tlog-proof is verified: the checkpoint signed by the log key of the list, the entry
//! being that certificate's, the inclusion proof, and the witnesses' cosignatures (this
//! region's and the other recognized regions'), as many as `trust.toml` requires.
//!
//! The report's recognition then says "logged at index N in region X's log, checkpoint size S,
//! cosigned by …"; in `fail` mode a missing or invalid proof makes the chain INDETERMINATE
//! (the certificate is not proven to be public), in `warn` mode it is only reported.
//!
//! Must not import: `crate::store`, HTTP server types.

use super::Federation;
use super::config::TransparencyMode;
use super::review::fail_review;
use crate::transparency::checkpoint::{CheckpointPolicy, verifier_from_vkey};
use crate::transparency::entry::Entry;
use crate::transparency::note::{VerifierKey, Verifiers};
use crate::transparency::proof::TlogProof;
use crate::trust::list::LogInfo;
use crate::verify::report::{Indication, LogInclusion, Report, SubIndication, Via};

/// Largest proof answer read.
const MAX_PROOF_BYTES: usize = 64 * 1024;

/// Most proofs remembered (the cache is emptied when full).
const MAX_CACHED: usize = 10_000;

/// Proven inclusions, by (region, kind, object SHA-256), with when they were proven. An entry
/// never leaves an append-only log, so a proof stays true; it is kept for the federation's
/// revocation cache time so that new cosignatures show. Anything short of `proven` is not kept:
/// a pending entry may be integrated the next second.
#[derive(Default)]
pub(super) struct ProofCache(
    std::sync::Mutex<std::collections::HashMap<ProofKey, (LogInclusion, i64)>>,
);

/// (region, kind, object SHA-256).
type ProofKey = (String, String, [u8; 32]);

impl Federation {
    /// The witnesses whose cosignatures count on `log_region`'s checkpoints: this region's and
    /// every other recognized region's, with the region each key speaks for.
    fn cosigners_for(&self, log_region: &str, logs: &[(String, LogInfo)]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Ok(w) = self.own_witness.read()
            && let Some(v) = w.clone()
        {
            out.push((self.own_code.clone(), v));
        }
        for (region, info) in logs {
            if region != log_region {
                out.push((region.clone(), info.witness_key.clone()));
            }
        }
        out
    }

    /// Look the entry of `kind` about `target` up in the log of `region` (announced as
    /// `info`).
    async fn inclusion(
        &self,
        region: &str,
        info: &LogInfo,
        logs: &[(String, LogInfo)],
        kind: &str,
        target: &[u8],
    ) -> LogInclusion {
        let sha = crate::crypto::sha256(target);
        let key = (region.to_string(), kind.to_string(), sha);
        let now = self.clock.now();
        let ttl = i64::try_from(self.config.sync.revocation_cache_seconds).unwrap_or(i64::MAX);
        if let Ok(c) = self.log_proofs.0.lock()
            && let Some((hit, at)) = c.get(&key)
            && now.saturating_sub(*at) < ttl
        {
            return hit.clone();
        }
        let result = self.look_up(region, info, logs, kind, &sha).await;
        if result.status == "proven"
            && let Ok(mut c) = self.log_proofs.0.lock()
        {
            if c.len() >= MAX_CACHED {
                c.clear();
            }
            c.insert(key, (result.clone(), now));
        }
        result
    }

    /// [`Federation::inclusion`] without the cache.
    async fn look_up(
        &self,
        region: &str,
        info: &LogInfo,
        logs: &[(String, LogInfo)],
        kind: &str,
        sha: &[u8; 32],
    ) -> LogInclusion {
        let sha = *sha;
        let mut result = LogInclusion {
            status: "unavailable",
            log: info.origin.clone(),
            index: None,
            checkpoint_size: None,
            cosigned_by: vec![],
            summary: String::new(),
        };
        let url = format!(
            "{}/proof?kind={kind}&sha256={}",
            info.url.trim_end_matches('/'),
            hex::encode(sha)
        );
        let prefix = format!("{}/", info.url.trim_end_matches('/'));
        let answer = self
            .list_fetcher
            .get_answer(&url, &|u: &str| u.starts_with(&prefix), MAX_PROOF_BYTES)
            .await;
        let body = match answer {
            Ok((200, b)) => b,
            Ok((404, _)) => {
                result.status = "missing";
                result.summary = format!(
                    "not in region {region}'s transparency log ({}): the object is not proven to be public",
                    info.origin
                );
                return result;
            }
            Ok((status, _)) => {
                result.summary = format!(
                    "region {region}'s transparency log could not be asked: {url}: HTTP status {status}"
                );
                return result;
            }
            Err(e) => {
                result.summary =
                    format!("region {region}'s transparency log could not be asked: {e}");
                return result;
            }
        };
        result.status = "invalid";
        let Some(proof) = std::str::from_utf8(&body)
            .ok()
            .and_then(|t| TlogProof::parse(t).ok())
        else {
            result.summary = format!("region {region}'s log answered no tlog-proof");
            return result;
        };
        let Some(entry_bytes) = proof.extra.clone() else {
            result.summary = format!("region {region}'s proof carries no entry");
            return result;
        };
        match Entry::parse(&entry_bytes) {
            Ok(e) if e.object_sha256 == sha && e.kind == kind => {}
            _ => {
                result.summary =
                    format!("region {region}'s log answered the entry of another object");
                return result;
            }
        }
        let mut log_keys = Verifiers::new();
        match verifier_from_vkey(&info.log_key) {
            Ok(v) => log_keys.push(v),
            Err(e) => {
                result.summary = format!("region {region}'s announced log key: {e}");
                return result;
            }
        }
        let named = self.cosigners_for(region, logs);
        let mut cosigners = Verifiers::new();
        for (_, vkey) in &named {
            if let Ok(v) = verifier_from_vkey(vkey) {
                cosigners.push(v);
            }
        }
        let need = self.config.transparency.cosigners_required;
        let policy = CheckpointPolicy::new(&info.origin, log_keys).with_cosigners(cosigners, need);
        match proof.verify(&entry_bytes, &policy) {
            Ok(opened) => {
                result.status = "proven";
                result.index = Some(proof.index);
                result.checkpoint_size = Some(opened.checkpoint.size());
                for c in &opened.cosignatures {
                    if let Some((region, _)) = named.iter().find(|(_, v)| {
                        VerifierKey::parse(v)
                            .is_ok_and(|k| k.name == c.name && k.key_id == c.key_id)
                    }) {
                        result.cosigned_by.push(region.clone());
                    }
                }
                result.cosigned_by.sort();
                result.summary = format!(
                    "logged at index {} in region {region}'s log {}, checkpoint size {}, {}",
                    proof.index,
                    info.origin,
                    opened.checkpoint.size(),
                    if result.cosigned_by.is_empty() {
                        "not cosigned".to_string()
                    } else {
                        format!("cosigned by {}", result.cosigned_by.join(", "))
                    }
                );
            }
            Err(e) => {
                result.summary = format!("region {region}'s tlog-proof does not verify: {e}");
            }
        }
        result
    }

    /// The [`crate::verify::hook::TrustSource::logged`] of federation.
    pub(super) async fn object_logged(
        &self,
        region: &str,
        kind: &str,
        object: &[u8],
    ) -> Option<(LogInclusion, bool)> {
        let mode = self.config.transparency.mode;
        if mode == TransparencyMode::Off {
            return None;
        }
        let logs = self.peer_logs();
        let inclusion = match logs.iter().find(|(r, _)| r == region) {
            Some((_, info)) => self.inclusion(region, info, &logs, kind, object).await,
            None => no_log(region),
        };
        Some((inclusion, mode == TransparencyMode::Fail))
    }

    /// The [`crate::verify::hook::TrustSource::transparency`] of federation.
    pub(super) async fn check_transparency(&self, report: &mut Report, target: &[u8]) {
        let mode = self.config.transparency.mode;
        if mode == TransparencyMode::Off {
            return;
        }
        let Some(region) = report
            .recognition
            .as_ref()
            .filter(|r| r.via == Via::TrustList)
            .map(|r| r.region.clone())
        else {
            return;
        };
        let logs = self.peer_logs();
        let inclusion = match logs.iter().find(|(r, _)| *r == region) {
            Some((_, info)) => {
                self.inclusion(&region, info, &logs, "certificate.issue", target)
                    .await
            }
            None => no_log(&region),
        };
        if mode == TransparencyMode::Fail && inclusion.status != "proven" {
            fail_review(
                report,
                Indication::Indeterminate,
                SubIndication::ChainConstraintsFailure,
                format!("transparency required: {}", inclusion.summary),
            );
        }
        if let Some(r) = report.recognition.as_mut() {
            r.transparency = Some(inclusion);
        }
    }
}

fn no_log(region: &str) -> LogInclusion {
    LogInclusion {
        status: "missing",
        log: String::new(),
        index: None,
        checkpoint_size: None,
        cosigned_by: vec![],
        summary: format!("region {region}'s trust list announces no transparency log"),
    }
}

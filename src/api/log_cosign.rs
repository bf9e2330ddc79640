//! Asking the peers' witnesses to cosign this region's checkpoints (C2SP tlog-witness, client
//! side): after each new checkpoint (at most one round a second), every peer whose trust list
//! announces a witness gets `add-checkpoint` with a consistency proof from the size it
//! cosigned last; a 409 names the size it holds and the request is made once more from
//! there. Cosignatures that verify under the witness key of the peer's list are stored with
//! the checkpoint, and served with it.
//!
//! Owns the client side of witnessing; must not import the store.

use super::state::AppState;
use crate::transparency::checkpoint::CosignatureVerifier;
use crate::transparency::log::Log;
use crate::transparency::note::{Note, VerifierKey};
use crate::transparency::repo::StoredCheckpoint;
use crate::transparency::witness::{self, AddCheckpoint};
use crate::trust::list::LogInfo;
use crate::trust::peers::Federation;
use std::time::Duration;

/// Start the cosigning rounds of a process that sequences the log.
pub fn spawn_cosigning(state: &AppState) {
    let (Some(log), Some(trust)) = (state.log.clone(), state.trust.clone()) else {
        return;
    };
    if log.keys().is_none() {
        return;
    }
    tokio::spawn(async move {
        let mut sizes = log.watch_size();
        loop {
            tokio::select! {
                _ = sizes.changed() => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
            if let Ok(Some(cp)) = log.latest().await {
                for (region, info) in trust.federation.peer_logs() {
                    let r = cosign(&log, &trust.federation, &info, &cp).await;
                    if let Err(e) = &r {
                        tracing::warn!(region = %region, error = %e, "witness did not cosign");
                    }
                    log.record_cosign(&region, r);
                }
            }
            // One round a second at most, however fast checkpoints come.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

/// One witness: its cosignature of `cp` stored; the size it has cosigned.
pub async fn cosign(
    log: &Log,
    federation: &Federation,
    info: &LogInfo,
    cp: &StoredCheckpoint,
) -> Result<u64, String> {
    let vkey = VerifierKey::parse(&info.witness_key).map_err(|e| e.to_string())?;
    let verifier = CosignatureVerifier::from_vkey(&vkey).map_err(|e| e.to_string())?;
    let repo = log.repo();
    let mut old = repo
        .log_cosigned_size(&vkey.name)
        .await
        .map_err(|e| e.to_string())?;
    if old >= cp.size {
        return Ok(old);
    }
    let text = Note::parse(cp.note.as_bytes())
        .map_err(|e| e.to_string())?
        .text()
        .to_string();
    let url = info.witness_url.as_str();
    for _ in 0..2 {
        let proof = if old == 0 {
            vec![]
        } else {
            log.consistency(old, cp.size)
                .await
                .map_err(|e| e.to_string())?
        };
        let body = AddCheckpoint {
            old,
            proof,
            checkpoint: cp.note.clone(),
        }
        .encode();
        let (status, answer) = federation
            .list_client()
            .post_answer(
                url,
                &|u: &str| u == url,
                "text/plain; charset=utf-8",
                body.into_bytes(),
                16 * 1024,
            )
            .await
            .map_err(|e| e.to_string())?;
        let answer = String::from_utf8_lossy(&answer);
        match status {
            200 => {
                let lines = witness::verified_cosignatures(&answer, &text, &verifier);
                let Some(line) = lines.first() else {
                    return Err(format!(
                        "{url}: the answer carries no cosignature by {}",
                        vkey.name
                    ));
                };
                repo.log_add_cosignature(cp.size, &vkey.name, line)
                    .await
                    .map_err(|e| e.to_string())?;
                return Ok(cp.size);
            }
            409 => {
                let theirs = answer
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{url}: 409 without a size"))?;
                if theirs == old || theirs > cp.size {
                    return Err(format!(
                        "{url}: the witness holds size {theirs}, which this log cannot extend to {}",
                        cp.size
                    ));
                }
                old = theirs;
            }
            s => {
                return Err(format!(
                    "{url}: HTTP {s}: {}",
                    answer.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    Err(format!("{url}: the witness's size kept moving"))
}

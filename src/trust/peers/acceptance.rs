//! Accepting a peer's list: it must verify under the peer's pinned signers, be for that
//! region, not roll back or equivocate (same sequence, other content), not come from the
//! future and not be expired. An accepted newer version is stored and used; a rejected one
//! leaves the last good list in place and is recorded as the peer's last error.
//!
//! Must not import: the HTTP client (fetching is `sync`'s) or verification report types.

use super::Federation;
use crate::trust::PeerListRecord;
use crate::trust::list::{self, ListError, VerifiedList};
use serde::Serialize;
use std::sync::Arc;

/// The result of offering a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum SyncOutcome {
    /// A newer version was accepted.
    Accepted {
        /// Its sequence number.
        sequence: u64,
    },
    /// The same version as before.
    Unchanged {
        /// Its sequence number.
        sequence: u64,
    },
}

impl Federation {
    /// Offer a signed list for `region` (what a fetch returned). On success it is stored and
    /// used; on failure the state keeps the last good list and records the error.
    pub async fn offer(
        &self,
        region: &str,
        signed: &[u8],
        now: i64,
    ) -> Result<SyncOutcome, ListError> {
        let checked = self.check(region, signed, now);
        let outcome = match checked {
            Ok((v, true)) => {
                let rec = PeerListRecord {
                    region: region.to_string(),
                    sequence: v.list.sequence,
                    issued_at: v.list.issued_at(),
                    next_update: v.list.next_update_at(),
                    fetched_at: now,
                    signed: v.signed.clone(),
                };
                if let Err(e) = self.repo.insert_peer_list(&rec).await {
                    tracing::warn!(peer = region, error = %e, "cannot store a peer list version");
                }
                let seq = v.list.sequence;
                if let Ok(mut peers) = self.peers.write()
                    && let Some(st) = peers.get_mut(region)
                {
                    // A concurrent sync may have accepted a newer one meanwhile.
                    if st.current.as_ref().is_none_or(|c| c.list.sequence < seq) {
                        st.current = Some(Arc::new(v));
                    }
                    if !st.versions.contains(&seq) {
                        st.versions.push(seq);
                    }
                }
                Ok(SyncOutcome::Accepted { sequence: seq })
            }
            Ok((v, false)) => Ok(SyncOutcome::Unchanged {
                sequence: v.list.sequence,
            }),
            Err(e) => Err(e),
        };
        if let Ok(mut peers) = self.peers.write()
            && let Some(st) = peers.get_mut(region)
        {
            st.last_attempt = Some(now);
            match &outcome {
                Ok(_) => {
                    st.last_success = Some(now);
                    st.last_error = None;
                }
                Err(e) => st.last_error = Some(e.to_string()),
            }
        }
        if let Err(e) = &outcome {
            tracing::warn!(peer = region, error = %e, "peer trust list rejected");
        }
        outcome
    }

    /// Verify a list for `region`; `true` when it is newer than the one in use.
    fn check(
        &self,
        region: &str,
        signed: &[u8],
        now: i64,
    ) -> Result<(VerifiedList, bool), ListError> {
        let (pins, current) = {
            let peers = self
                .peers
                .read()
                .map_err(|_| ListError::Malformed("state poisoned".into()))?;
            let st = peers.get(region).ok_or_else(|| ListError::WrongRegion {
                expected: "a configured peer".into(),
                got: region.to_string(),
            })?;
            (st.pins.clone(), st.current.clone())
        };
        let v = list::verify_signed(signed, &pins, now)?;
        if v.list.region.code != region {
            return Err(ListError::WrongRegion {
                expected: region.to_string(),
                got: v.list.region.code.clone(),
            });
        }
        if let Some(c) = &current {
            if v.list.sequence < c.list.sequence {
                return Err(ListError::Rollback {
                    have: c.list.sequence,
                    got: v.list.sequence,
                });
            }
            if v.list.sequence == c.list.sequence {
                if v.list.canonical_json() == c.list.canonical_json() {
                    return Ok((v, false));
                }
                return Err(ListError::Equivocation(v.list.sequence));
            }
        }
        if v.list.issued_at() > now + 300 {
            return Err(ListError::FromTheFuture(v.list.issued.clone()));
        }
        if v.list.next_update_at() < now {
            return Err(ListError::Expired(v.list.next_update.clone()));
        }
        Ok((v, true))
    }
}

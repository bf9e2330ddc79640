//! The federation as the validator's [`TrustSource`]: the anchors the peers' lists name,
//! their revocation data fetched only from the supply points those lists name, and the
//! recognition of a validated path (own root, own cross-certificate, or a peer's list) with
//! the assurance level the validated policies carry.
//!
//! Must not import: `crate::store` or the fetcher's internals (only its `gather`).

use super::review::fail_review;
use super::{Federation, Judged, PeerConfig, review_against};
use crate::trust::list::{ServiceKind, VerifiedList};
use crate::verify::hook::{ChainRole, Gathered, TrustSource};
use crate::verify::report::{Indication, Recognition, Report, SubIndication, Via};
use std::sync::Arc;

impl Federation {
    /// The list in use for a peer whose list has a root CA service with this certificate.
    fn peer_of_anchor(&self, anchor_sha256: &str) -> Option<(PeerConfig, Arc<VerifiedList>)> {
        let peers = self.peers.read().ok()?;
        peers.values().find_map(|st| {
            let cur = st.current.clone()?;
            let hit = st.config.root_allowed(anchor_sha256)
                && cur
                    .certs_of(ServiceKind::RootCa)
                    .any(|c| c.sha256 == anchor_sha256);
            hit.then(|| (st.config.clone(), cur))
        })
    }

    /// The assurance level the *validated* path carries: the first policy of the report's
    /// valid policy set (RFC 5280 §6.1.5, expressed in the anchor's domain — for a path through
    /// one of our cross-certificates already mapped into ours) that is one of our levels,
    /// translated through the peer's map for a peer's anchor. A policy the end entity asserts
    /// but the path does not validate gives no assurance; nor does an anyPolicy-only path.
    fn assurance(&self, peer: Option<&PeerConfig>, report: &Report) -> Option<String> {
        let ours = &self.config.list.assurance_levels;
        for p in report.valid_policy_set.iter().filter(|p| *p != "anyPolicy") {
            let mapped = match peer {
                Some(peer) => peer.assurance_map.get(p).cloned(),
                None => Some(p.clone()),
            };
            if let Some(m) = mapped
                && let Some(name) = ours.get(&m)
            {
                return Some(match peer {
                    Some(_) => format!("{name} ({m}, mapped from {p})"),
                    None => format!("{name} ({m})"),
                });
            }
        }
        None
    }
}

#[async_trait::async_trait]
impl TrustSource for Federation {
    fn anchors(&self) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let (mut anchors, mut inter) = (vec![], vec![]);
        let Ok(peers) = self.peers.read() else {
            return (anchors, inter);
        };
        for st in peers.values() {
            let Some(cur) = &st.current else { continue };
            cur.anchors_into(&mut anchors, &mut inter, |c| {
                st.config.root_allowed(&c.sha256)
            });
        }
        (anchors, inter)
    }

    async fn revocation_data(&self, target: &[u8], _extra: &[Vec<u8>]) -> Gathered {
        // The peer whose listed CA certificates issued `target` (or the CA above it).
        let found = {
            let Ok(peers) = self.peers.read() else {
                return Gathered::default();
            };
            let Ok(t) = crate::verify::cert::Cert::shared(target) else {
                return Gathered::default();
            };
            peers.values().find_map(|st| {
                let cur = st.current.clone()?;
                let cas = || {
                    cur.certs.iter().filter(|c| {
                        matches!(
                            c.kind,
                            ServiceKind::RootCa | ServiceKind::IssuingCa | ServiceKind::RootLink
                        )
                    })
                };
                let issued_here = cas().any(|c| {
                    c.subject
                        .as_ref()
                        .is_some_and(|n| crate::verify::cert::names_equal(n, &t.issuer))
                });
                issued_here.then(|| {
                    let pool: Vec<Vec<u8>> = cas().map(|c| c.der.clone()).collect();
                    (st.config.region.clone(), cur.clone(), pool)
                })
            })
        };
        let Some((region, cur, pool)) = found else {
            return Gathered::default();
        };
        let allowed = &cur.supply_points;
        let g = self
            .fetcher
            .gather(target, &pool, &|u: &str| allowed.contains(u))
            .await;
        Gathered {
            crls: g.crls,
            ocsp: g.ocsp,
            intermediates: vec![],
            notes: g
                .notes
                .into_iter()
                .map(|n| format!("region {region}: {n}"))
                .collect(),
        }
    }

    async fn transparency(&self, report: &mut Report, target: &[u8]) {
        self.check_transparency(report, target).await;
    }

    async fn logged(
        &self,
        region: &str,
        kind: &str,
        object: &[u8],
    ) -> Option<(crate::verify::report::LogInclusion, bool)> {
        self.object_logged(region, kind, object).await
    }

    fn review(&self, report: &mut Report, target: &[u8], at: i64, role: ChainRole) {
        let Some(anchor) = report.anchor_sha256.clone() else {
            return;
        };
        let own = self
            .own_anchors
            .iter()
            .any(|a| hex::encode(crate::crypto::sha256(a)) == anchor);
        let cross = report.path.iter().find(|c| self.cross.contains(&c.sha256));
        if own && let Some(c) = cross {
            let assurance = self.assurance(None, report);
            report.recognition = Some(Recognition {
                region: self.own_code.clone(),
                region_name: self.own_name.clone(),
                via: Via::CrossCertificate,
                list_sequence: None,
                service: None,
                service_status: None,
                summary: format!(
                    "recognized via this region's cross-certificate to {}{}",
                    c.subject,
                    assurance
                        .as_deref()
                        .map(|a| format!(", policy and assurance as mapped: {a}"))
                        .unwrap_or_default()
                ),
                assurance,
                transparency: None,
            });
            return;
        }
        if own {
            let assurance = self.assurance(None, report);
            report.recognition = Some(Recognition {
                region: self.own_code.clone(),
                region_name: self.own_name.clone(),
                via: Via::OwnRegion,
                list_sequence: None,
                service: None,
                service_status: None,
                summary: format!(
                    "anchored at this region's own root ({}){}",
                    self.own_code,
                    assurance
                        .as_deref()
                        .map(|a| format!(", assurance {a}"))
                        .unwrap_or_default()
                ),
                assurance,
                transparency: None,
            });
            return;
        }
        let Some((peer, cur)) = self.peer_of_anchor(&anchor) else {
            // Anchors come from our roots and the peers' lists; one that is in neither any
            // more (a list changed during this verification) vouches for nothing.
            return fail_review(
                report,
                Indication::Indeterminate,
                SubIndication::NoCertificateChainFound,
                "the anchor is neither this region's root nor listed by a recognized region".into(),
            );
        };
        let now = self.clock.now();
        review_against(
            report,
            &Judged {
                target,
                at,
                role,
                anchor: &anchor,
                peer: &peer,
                list: &cur,
                freshness: self.freshness(Some(&cur), now),
                grace: self.config.sync.grace_seconds,
                assurance: self.assurance(Some(&peer), report),
            },
        );
    }
}

//! Judging a chain anchored by a root that a peer's list names: the recognition filled into
//! the report, and failure when the list is expired, the object is not accepted from that
//! region, or a service of the path (root, listed issuing CA, seal maker, TSU) was not granted
//! at the time. Shared by the federation and offline verification (`crate::trust::offline`).
//!
//! Must not import: the federation's state or the fetcher: everything judged comes in
//! [`Judged`].

use super::{Accept, Freshness, PeerConfig};
use crate::trust::list::{ServiceKind, ServiceStatus, VerifiedList};
use crate::verify::hook::ChainRole;
use crate::verify::report::{Failure, Indication, Recognition, Report, SubIndication, Via};

pub(super) fn fail_review(
    r: &mut Report,
    indication: Indication,
    sub: SubIndication,
    rule: String,
) {
    if r.passed() {
        r.indication = indication;
        r.sub_indication = Some(sub);
        r.failure = Some(Failure::new(
            crate::verify::reason::FailureReason::NotRecognized { detail: rule },
            None,
            None,
        ));
    }
}

/// What a chain anchored by a listed root is judged against.
pub(crate) struct Judged<'a> {
    pub(crate) target: &'a [u8],
    pub(crate) at: i64,
    pub(crate) role: ChainRole,
    pub(crate) anchor: &'a str,
    pub(crate) peer: &'a PeerConfig,
    pub(crate) list: &'a VerifiedList,
    pub(crate) freshness: Freshness,
    pub(crate) grace: i64,
    pub(crate) assurance: Option<String>,
}

/// Fill the recognition of a report whose anchor is a root listed in `j.list`, and fail it when
/// the list is expired, the object is not accepted from that region, or a service (root, listed
/// issuing CA, seal maker or TSU) was not granted at `j.at`.
pub(crate) fn review_against(report: &mut Report, j: &Judged<'_>) {
    let l = &j.list.list;
    let root = j
        .list
        .service_where(ServiceKind::RootCa, |c| c.sha256 == j.anchor);
    let root_status = root.and_then(|s| s.status_at(j.at));
    let assurance = j.assurance.clone();
    let status_name = |s: Option<ServiceStatus>| match s {
        Some(ServiceStatus::Granted) => "granted",
        Some(ServiceStatus::Withdrawn) => "withdrawn",
        None => "not yet listed",
    };
    report.recognition = Some(Recognition {
        region: l.region.code.clone(),
        region_name: l.region.name.clone(),
        via: Via::TrustList,
        list_sequence: Some(l.sequence),
        service: root.map(|s| s.id.clone()),
        service_status: Some(status_name(root_status).into()),
        summary: format!(
            "recognized via region {} trust list #{} (service {}, {} at {}){}",
            l.region.code,
            l.sequence,
            root.map(|s| s.id.as_str()).unwrap_or("?"),
            status_name(root_status),
            crate::clock::rfc3339(j.at),
            assurance
                .as_deref()
                .map(|a| format!(", assurance {a}"))
                .unwrap_or_default()
        ),
        assurance,
        transparency: None,
    });
    let region = &l.region.code;
    match j.freshness {
        Freshness::Expired => {
            return fail_review(
                report,
                Indication::Indeterminate,
                SubIndication::TryLater,
                format!(
                    "the trust list of region {region} (#{}) expired at {} (+{} s grace) and no newer one could be obtained",
                    l.sequence, l.next_update, j.grace
                ),
            );
        }
        Freshness::Fresh | Freshness::Stale | Freshness::NeverSynced => {}
    }
    let needed = match j.role {
        ChainRole::SealMaker => Accept::Seals,
        ChainRole::Signer | ChainRole::Tsu => Accept::Certificates,
    };
    // A timestamp from a recognized region is accepted whatever else is.
    let accepted =
        j.peer.accept.contains(&needed) || (j.role == ChainRole::Tsu && !j.peer.accept.is_empty());
    if !accepted {
        return fail_review(
            report,
            Indication::TotalFailed,
            SubIndication::ChainConstraintsFailure,
            format!("{needed:?} of region {region} are not recognized here (trust.toml)"),
        );
    }
    if root_status != Some(ServiceStatus::Granted) {
        return fail_review(
            report,
            Indication::TotalFailed,
            SubIndication::ChainConstraintsFailure,
            format!(
                "root CA service of region {region} was {} at {} (trust list #{})",
                status_name(root_status),
                crate::clock::rfc3339(j.at),
                l.sequence
            ),
        );
    }
    // Every CA of the path that the list names as a service (issuing CAs) must have been
    // granted at that time too.
    for c in &report.path {
        let listed = j
            .list
            .service_where(ServiceKind::IssuingCa, |d| d.sha256 == c.sha256);
        if let Some(svc) = listed {
            let st = svc.status_at(j.at);
            if st != Some(ServiceStatus::Granted) {
                return fail_review(
                    report,
                    Indication::TotalFailed,
                    SubIndication::ChainConstraintsFailure,
                    format!(
                        "issuing CA service {} of region {region} was {} at {} (trust list #{})",
                        svc.id,
                        status_name(st),
                        crate::clock::rfc3339(j.at),
                        l.sequence
                    ),
                );
            }
        }
    }
    let kind = match j.role {
        ChainRole::SealMaker => Some(ServiceKind::SealMaker),
        ChainRole::Tsu => Some(ServiceKind::Tsu),
        ChainRole::Signer => None,
    };
    if let Some(kind) = kind {
        let svc = j.list.service_where(kind, |c| c.der == j.target);
        let st = svc.and_then(|s| s.status_at(j.at));
        if st != Some(ServiceStatus::Granted) {
            fail_review(
                report,
                Indication::TotalFailed,
                SubIndication::ChainConstraintsFailure,
                match svc {
                    None => format!(
                        "the certificate is not a {} service in region {region}'s trust list #{}",
                        kind.as_str(),
                        l.sequence
                    ),
                    Some(s) => format!(
                        "{} service {} of region {region} was {} at {} (trust list #{})",
                        kind.as_str(),
                        s.id,
                        status_name(st),
                        crate::clock::rfc3339(j.at),
                        l.sequence
                    ),
                },
            );
        }
    }
}

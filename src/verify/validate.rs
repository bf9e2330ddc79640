//! RFC 5280 §6.1 path validation of one candidate path, with the RFC 5280 profile
//! ([`super::profile`]) and the trust-anchor rules of RFC 5937 (when enforced). The first
//! failure is returned as a typed [`FailureReason`] with the position of the certificate to
//! blame; the report's per-certificate checks are filled as it goes.

use super::cert::{Cert, ku, names_equal};
use super::names;
use super::path::{Ctx, RevocationMode};
use super::policy;
use super::profile;
use super::reason::FailureReason;
use super::report::*;
use super::revocation::{self, Status};

/// A failed path: why, and which certificate (position in the chain, anchor's child first;
/// `None` with `subject` set for the trust anchor).
pub(super) struct Failed {
    pub(super) reason: FailureReason,
    pub(super) index: Option<usize>,
    pub(super) subject: Option<String>,
}

fn fail(reason: FailureReason, index: usize) -> Failed {
    Failed {
        reason,
        index: Some(index),
        subject: None,
    }
}

fn check(checks: &mut Vec<Check>, name: &'static str, ok: bool, detail: impl Into<String>) -> bool {
    checks.push(Check {
        check: name,
        outcome: if ok { Outcome::Pass } else { Outcome::Fail },
        detail: detail.into(),
    });
    ok
}

/// RFC 5280 §6.1 over `chain` (anchor's child first, target last). Index `i` in failures is
/// the position in `chain`.
pub(super) fn validate_path(
    ctx: &mut Ctx<'_>,
    anchor: &Cert,
    chain: &[&Cert],
    r: &mut Report,
) -> Result<(), Failed> {
    let n = chain.len();
    let time = ctx.input.time;
    // Report order: end entity first.
    r.path = chain
        .iter()
        .rev()
        .enumerate()
        .map(|(i, c)| CertReport {
            index: i,
            subject: c.subject_text().to_owned(),
            serial: hex::encode_upper(&c.serial),
            sha256: hex::encode(c.fingerprint),
            not_after: Some(c.not_after),
            checks: vec![],
        })
        .collect();
    let enforce = ctx.input.enforce_anchor_constraints;
    // RFC 5937: the anchor's certificate itself.
    if enforce && let Err(reason) = profile::check_anchor(anchor, time) {
        return Err(Failed {
            reason,
            index: None,
            subject: Some(anchor.subject_text().to_owned()),
        });
    }
    let mut working_spki = anchor.spki_der.clone();
    let mut working_name = anchor.subject.clone();
    let mut max_path_length = n;
    if enforce && let Some(pl) = anchor.basic.and_then(|b| b.path_len) {
        max_path_length = max_path_length.min(pl as usize);
    }
    for (i, cert) in chain.iter().enumerate() {
        let ri = n - 1 - i;
        let mut checks = Vec::new();
        let last = i == n - 1;
        // Record the failed check on this certificate and return the failure.
        macro_rules! refuse {
            ($name:expr, $reason:expr) => {{
                let reason: FailureReason = $reason;
                check(&mut checks, $name, false, reason.to_string());
                r.path[ri].checks = checks;
                return Err(fail(reason, i));
            }};
        }
        // (a)(1) signature (weak algorithms and PSS key misuse refused first).
        if let Err(reason) = ctx.verify_sig(
            &working_spki,
            cert.sig_alg,
            cert.sig_params.as_deref(),
            &cert.tbs_der,
            &cert.signature,
        ) {
            refuse!("signature", reason);
        }
        check(&mut checks, "signature", true, "");
        let self_signed = cert.self_issued && cert.spki_der == working_spki;
        if let Some(b) = &cert.bad_extension {
            refuse!("format", b.clone());
        }
        // RFC 5280 §4.1, §4.2 profile.
        if let Err(reason) = profile::check_encoding(cert) {
            refuse!("profile", reason);
        }
        if let Err(reason) = profile::check_extensions(cert, self_signed, &ctx.input.profile) {
            refuse!("profile", reason);
        }
        check(&mut checks, "profile", true, "");
        // (a)(2) validity.
        if time < cert.not_before {
            refuse!("validity", FailureReason::NotYetValid);
        }
        if time > cert.not_after {
            refuse!("validity", FailureReason::Expired);
        }
        check(&mut checks, "validity", true, "");
        // (a)(4) name chaining.
        if !names_equal(&cert.issuer, &working_name) {
            refuse!("name-chaining", FailureReason::IssuerNameMismatch);
        }
        check(&mut checks, "name-chaining", true, "");
        if !cert.unknown_critical.is_empty() {
            refuse!(
                "critical-extensions",
                FailureReason::UnknownCriticalExtension {
                    oids: profile::oid_list(&cert.unknown_critical),
                }
            );
        }
        if !last {
            // (k) CA: basicConstraints cA (v1/v2 certificates are rejected as intermediates).
            if !cert.is_ca() {
                refuse!("basic-constraints", FailureReason::NotCa);
            }
            // (l) path length.
            if !cert.self_issued {
                if max_path_length == 0 {
                    refuse!("path-length", FailureReason::PathLengthExceeded);
                }
                max_path_length -= 1;
            }
            // (m)
            if let Some(pl) = cert.basic.and_then(|b| b.path_len) {
                max_path_length = max_path_length.min(pl as usize);
            }
            check(&mut checks, "basic-constraints", true, "");
            // (n) keyCertSign.
            if !cert.allows_usage(ku::KEY_CERT_SIGN) {
                refuse!("key-usage", FailureReason::KeyCertSignNotAllowed);
            }
        } else {
            if let Err(reason) = profile::check_end_entity(cert) {
                refuse!("profile", reason);
            }
            let purpose = ctx.input.purpose;
            match purpose.check(cert) {
                Ok(()) => {
                    check(&mut checks, "purpose", true, purpose.name());
                }
                Err(e) => refuse!(
                    "purpose",
                    FailureReason::NotValidForPurpose {
                        purpose: purpose.name(),
                        detail: e.to_string(),
                    }
                ),
            }
        }
        r.path[ri].checks = checks;
        working_spki = cert.spki_der.clone();
        working_name = cert.subject.clone();
    }

    // Policies (§6.1.3 (d)–(f), §6.1.4 (a),(b),(h)–(j), §6.1.5).
    let infos: Vec<policy::CertPolicyInfo> = chain.iter().map(|c| c.policy.clone()).collect();
    let mut params = ctx.input.policy.clone();
    if enforce {
        // The anchor's policies narrow the user-initial-policy-set; its policy constraints
        // and inhibitAnyPolicy set the initial flags when they are 0.
        if let Some(ap) = &anchor.policy.policies
            && !ap.contains(&policy::ANY_POLICY)
        {
            params.user_initial_policy_set = Some(match &params.user_initial_policy_set {
                None => ap.clone(),
                Some(u) => u.iter().filter(|p| ap.contains(p)).cloned().collect(),
            });
        }
        if anchor.policy.require_explicit_policy == Some(0) {
            params.initial_explicit_policy = true;
        }
        if anchor.policy.inhibit_policy_mapping == Some(0) {
            params.initial_policy_mapping_inhibit = true;
        }
        if anchor.policy.inhibit_any_policy == Some(0) {
            params.initial_any_policy_inhibit = true;
        }
    }
    match policy::process(&infos, &params) {
        Ok(o) => {
            r.valid_policy_set = match o.valid_policies {
                None => vec!["anyPolicy".into()],
                Some(v) => v.iter().map(|p| p.to_string()).collect(),
            };
        }
        Err(e) => {
            let ri = n - 1 - e.index.min(n - 1);
            r.path[ri].checks.push(Check {
                check: "policy",
                outcome: Outcome::Fail,
                detail: e.rule.clone(),
            });
            return Err(fail(e.reason(), e.index.min(n - 1)));
        }
    }
    // Name constraints.
    let mut name_infos: Vec<names::CertNames> = Vec::with_capacity(n + 1);
    if enforce {
        // The anchor goes first: its constraints bind the whole path.
        let mut a = anchor.names();
        a.self_issued = false;
        name_infos.push(a);
    }
    name_infos.extend(chain.iter().map(|c| c.names()));
    if let Err(mut e) = names::check(&name_infos) {
        if enforce {
            e.index = e.index.saturating_sub(1);
        }
        let ri = n - 1 - e.index.min(n - 1);
        r.path[ri].checks.push(Check {
            check: "name-constraints",
            outcome: Outcome::Fail,
            detail: e.rule.clone(),
        });
        return Err(fail(
            FailureReason::NameConstraintsViolated { detail: e.rule },
            e.index.min(n - 1),
        ));
    }

    if ctx.input.revocation != RevocationMode::Off {
        check_revocation(ctx, anchor, chain, r)?;
    }
    Ok(())
}

/// Revocation (§6.1.3 (a)(3)), target last so that CA problems are reported first.
fn check_revocation(
    ctx: &mut Ctx<'_>,
    anchor: &Cert,
    chain: &[&Cert],
    r: &mut Report,
) -> Result<(), Failed> {
    let n = chain.len();
    let time = ctx.input.time;
    for i in 0..n {
        let cert = chain[i];
        let issuer = if i == 0 { anchor } else { chain[i - 1] };
        let ri = n - 1 - i;
        let crls = ctx.crls;
        let responses = &ctx.input.ocsp;
        // OCSP first when a response answers for this certificate; then CRLs. When neither
        // decides, the more telling reason is kept (an OCSP problem over "no CRL covers").
        let status = match revocation::ocsp_status(cert, issuer, responses, time, ctx) {
            Some(s @ (Status::Good { .. } | Status::Revoked { .. })) => s,
            other => match revocation::crl_status(cert, issuer, crls, time, ctx) {
                Status::Unknown(why) => match other {
                    Some(Status::Unknown(o))
                        if matches!(why, FailureReason::RevocationUnknown { .. }) =>
                    {
                        Status::Unknown(o)
                    }
                    _ => Status::Unknown(why),
                },
                s => s,
            },
        };
        match status {
            Status::Good { source } => {
                r.path[ri].checks.push(Check {
                    check: "revocation",
                    outcome: Outcome::Pass,
                    detail: source.clone(),
                });
                r.revocation.push(RevocationReport {
                    index: ri,
                    status: RevocationStatus::Good,
                    source,
                    revoked: None,
                    revoked_at: None,
                });
            }
            Status::Revoked { source, at, reason } => {
                r.path[ri].checks.push(Check {
                    check: "revocation",
                    outcome: Outcome::Fail,
                    detail: source.clone(),
                });
                r.revocation.push(RevocationReport {
                    index: ri,
                    status: RevocationStatus::Revoked,
                    source: source.clone(),
                    revoked: Some((crate::clock::rfc3339(at), reason)),
                    revoked_at: Some(at),
                });
                return Err(fail(
                    FailureReason::Revoked {
                        source_name: source,
                        code: reason,
                    },
                    i,
                ));
            }
            Status::Unknown(why) => {
                let detail = why.to_string();
                if ctx.input.revocation == RevocationMode::Require {
                    r.path[ri].checks.push(Check {
                        check: "revocation",
                        outcome: Outcome::Fail,
                        detail: detail.clone(),
                    });
                    r.revocation.push(RevocationReport {
                        index: ri,
                        status: RevocationStatus::Unknown,
                        source: detail,
                        revoked: None,
                        revoked_at: None,
                    });
                    return Err(fail(why, i));
                }
                r.path[ri].checks.push(Check {
                    check: "revocation",
                    outcome: Outcome::Skip,
                    detail,
                });
            }
        }
    }
    Ok(())
}

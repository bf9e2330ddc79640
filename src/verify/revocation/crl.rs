//! CRLs (RFC 5280 §6.3): parsing a CRL and its entries, then deciding a certificate's status
//! from the CRLs at hand: issuer and scope matching, issuing distribution points, reason
//! coverage, indirect CRLs, delta CRLs, freshness, and the CRL signer checks.
//!
//! Must not import: OCSP types (`crate::status::ocsp`, `super::ocsp`), or anything that
//! fetches: the CRLs arrive parsed or as DER.

use super::{RevocationContext, Status, int_cmp, signature_mismatch};
use crate::verify::cert::{Cert, ku, names_equal, split_signed};
use crate::verify::reason::FailureReason;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::certificate::Raw;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::name::Name;

const CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
const REASON_CODE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");
const INVALIDITY_DATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.24");
const DELTA_INDICATOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.27");
const IDP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.28");
const CERTIFICATE_ISSUER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.29");
const AKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const FRESHEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.46");
const ISSUER_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.18");

/// All nine reason bits of a reason mask (RFC 5280 ReasonFlags bits 1..=8 and "unspecified").
const ALL_REASONS: u16 = 0x1ff;

/// One CRL entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Serial (as encoded).
    pub serial: Vec<u8>,
    /// Revocation date.
    pub revoked_at: i64,
    /// Reason code.
    pub reason: Option<u8>,
    /// Certificate issuer of the entry (indirect CRLs), inherited from earlier entries.
    pub issuer: Name,
    /// An entry extension we do not understand is marked critical.
    pub unknown_critical: bool,
}

/// A parsed CRL.
#[derive(Clone, Debug)]
pub struct Crl {
    /// DER.
    pub der: Vec<u8>,
    /// Signed bytes.
    pub tbs: Vec<u8>,
    /// Signature algorithm and parameters.
    pub sig_alg: ObjectIdentifier,
    /// Parameters (DER).
    pub sig_params: Option<Vec<u8>>,
    /// Signature value.
    pub signature: Vec<u8>,
    /// Issuer.
    pub issuer: Name,
    /// thisUpdate.
    pub this_update: i64,
    /// nextUpdate.
    pub next_update: Option<i64>,
    /// Entries.
    pub entries: Vec<Entry>,
    /// CRL number.
    pub number: Option<Vec<u8>>,
    /// What makes this CRL unusable although it parsed (RFC 5280 §5.2.3: no cRLNumber or a
    /// critical one; §5.1.1.2: its two signature algorithms differ). Such a CRL is skipped:
    /// the status it would give stays unknown.
    pub problem: Option<FailureReason>,
    /// Delta CRL base number.
    pub delta_base: Option<Vec<u8>>,
    /// Issuing distribution point.
    pub idp: Option<IssuingDistributionPoint>,
    /// AKI key identifier.
    pub aki: Option<Vec<u8>>,
    /// Critical CRL extensions we do not understand.
    pub unknown_critical: bool,
}

impl Crl {
    /// Parse a DER CRL.
    pub fn from_der(der_bytes: &[u8]) -> Result<Crl, String> {
        let c =
            CertificateList::<Raw>::from_der(der_bytes).map_err(|e| format!("not a CRL: {e}"))?;
        let (tbs, sig_alg, sig_params, signature) =
            split_signed(der_bytes).map_err(|e| e.to_string())?;
        let t = &c.tbs_cert_list;
        let inner_params = t
            .signature
            .parameters
            .as_ref()
            .and_then(|p| p.to_der().ok());
        const NULL: &[u8] = &[0x05, 0x00];
        let problem = if t.signature.oid != sig_alg
            || inner_params.as_deref().unwrap_or(NULL) != sig_params.as_deref().unwrap_or(NULL)
        {
            Some(FailureReason::CrlMalformed {
                detail: format!(
                    "the signature algorithm inside the signed part ({}) differs from the outer one ({sig_alg})",
                    t.signature.oid
                ),
            })
        } else {
            None
        };
        let mut crl = Crl {
            der: der_bytes.to_vec(),
            tbs,
            sig_alg,
            sig_params,
            signature,
            issuer: t.issuer.clone(),
            this_update: t.this_update.to_unix_duration().as_secs() as i64,
            next_update: t.next_update.map(|n| n.to_unix_duration().as_secs() as i64),
            entries: vec![],
            number: None,
            problem,
            delta_base: None,
            idp: None,
            aki: None,
            unknown_critical: false,
        };
        let mut number_critical = false;
        for e in t.crl_extensions.as_deref().unwrap_or(&[]) {
            let v = e.extn_value.as_bytes();
            match e.extn_id {
                CRL_NUMBER => {
                    number_critical = e.critical;
                    crl.number = der::asn1::UintRef::from_der(v)
                        .ok()
                        .map(|u| u.as_bytes().to_vec())
                }
                DELTA_INDICATOR => {
                    crl.delta_base = Some(
                        der::asn1::UintRef::from_der(v)
                            .map_err(|e| e.to_string())?
                            .as_bytes()
                            .to_vec(),
                    )
                }
                IDP => {
                    crl.idp = Some(
                        IssuingDistributionPoint::from_der(v)
                            .map_err(|e| format!("issuingDistributionPoint: {e}"))?,
                    )
                }
                AKI => {
                    crl.aki = x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(v)
                        .ok()
                        .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()))
                }
                FRESHEST | ISSUER_ALT_NAME => {}
                _ if e.critical => crl.unknown_critical = true,
                _ => {}
            }
        }
        if crl.problem.is_none() {
            crl.problem = if crl.number.is_none() {
                Some(FailureReason::CrlNumberMissing)
            } else if number_critical {
                Some(FailureReason::CrlNumberCritical)
            } else {
                None
            };
        }
        let mut current_issuer = crl.issuer.clone();
        for r in t.revoked_certificates.as_deref().unwrap_or(&[]) {
            let mut entry = Entry {
                serial: r.serial_number.as_bytes().to_vec(),
                revoked_at: r.revocation_date.to_unix_duration().as_secs() as i64,
                reason: None,
                issuer: current_issuer.clone(),
                unknown_critical: false,
            };
            for e in r.crl_entry_extensions.as_deref().unwrap_or(&[]) {
                let v = e.extn_value.as_bytes();
                match e.extn_id {
                    REASON_CODE => {
                        // ENUMERATED: tag 0x0a, length 1, value.
                        if v.len() == 3 && v[0] == 0x0a && v[1] == 1 {
                            entry.reason = Some(v[2]);
                        } else {
                            return Err("malformed reasonCode".into());
                        }
                    }
                    INVALIDITY_DATE => {}
                    CERTIFICATE_ISSUER => {
                        let names: Vec<GeneralName> = Vec::<GeneralName>::from_der(v)
                            .map_err(|e| format!("certificateIssuer: {e}"))?;
                        if let Some(GeneralName::DirectoryName(n)) = names
                            .into_iter()
                            .find(|g| matches!(g, GeneralName::DirectoryName(_)))
                        {
                            current_issuer = n.clone();
                            entry.issuer = n;
                        }
                    }
                    _ if e.critical => entry.unknown_critical = true,
                    _ => {}
                }
            }
            crl.entries.push(entry);
        }
        Ok(crl)
    }

    fn is_indirect(&self) -> bool {
        self.idp.as_ref().is_some_and(|i| i.indirect_crl)
    }
}

fn gn_eq(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::DirectoryName(x), GeneralName::DirectoryName(y)) => names_equal(x, y),
        _ => a == b,
    }
}

fn dp_names(dp: &DistributionPoint, issuer: &Name) -> Vec<GeneralName> {
    match &dp.distribution_point {
        Some(DistributionPointName::FullName(n)) => n.clone(),
        Some(DistributionPointName::NameRelativeToCRLIssuer(rdn)) => {
            // The full name is the CRL issuer's name (the cert's cRLIssuer, else its issuer) plus this RDN.
            let base = dp
                .crl_issuer
                .as_ref()
                .and_then(|v| {
                    v.iter().find_map(|g| {
                        if let GeneralName::DirectoryName(n) = g {
                            Some(n.clone())
                        } else {
                            None
                        }
                    })
                })
                .unwrap_or_else(|| issuer.clone());
            let mut seq: x509_cert::name::RdnSequence = base.into();
            seq.push(rdn.clone());
            match seq.to_der().ok().and_then(|d| Name::from_der(&d).ok()) {
                Some(n) => vec![GeneralName::DirectoryName(n)],
                None => vec![],
            }
        }
        None => vec![],
    }
}

fn idp_names(idp: &IssuingDistributionPoint, crl_issuer: &Name) -> Option<Vec<GeneralName>> {
    match &idp.distribution_point {
        Some(DistributionPointName::FullName(n)) => Some(n.clone()),
        Some(DistributionPointName::NameRelativeToCRLIssuer(rdn)) => {
            let mut seq: x509_cert::name::RdnSequence = crl_issuer.clone().into();
            seq.push(rdn.clone());
            seq.to_der()
                .ok()
                .and_then(|d| Name::from_der(&d).ok())
                .map(|n| vec![GeneralName::DirectoryName(n)])
        }
        None => None,
    }
}

fn reasons_of(flags: Option<&x509_cert::ext::pkix::crl::dp::ReasonFlags>) -> u16 {
    match flags {
        None => ALL_REASONS,
        Some(f) => {
            let bits = f.bits();
            if bits == 0 { 0 } else { bits & ALL_REASONS }
        }
    }
}

/// Decide the status of `cert` (issued by `issuer`) at `time` from `crls`.
pub fn crl_status(
    cert: &Cert,
    issuer: &Cert,
    crls: &[Crl],
    time: i64,
    ctx: &mut dyn RevocationContext,
) -> Status {
    // The certificate's distribution points; without any, one implicit DP whose CRL issuer is
    // the certificate's issuer.
    let implicit = DistributionPoint {
        distribution_point: None,
        reasons: None,
        crl_issuer: None,
    };
    let dps: Vec<DistributionPoint> = match &cert.crl_dps {
        Some(v) if !v.is_empty() => v.clone(),
        _ => vec![implicit],
    };
    let is_ca = cert.basic.is_some_and(|b| b.ca);
    let mut reasons_mask: u16 = 0;
    let mut stale = false;
    let mut sources: Vec<String> = vec![];
    let mut why = FailureReason::RevocationUnknown {
        detail: "no CRL covers this certificate".into(),
    };

    for dp in &dps {
        if reasons_mask == ALL_REASONS {
            break;
        }
        let dp_issuer: Option<Name> = dp.crl_issuer.as_ref().and_then(|v| {
            v.iter().find_map(|g| {
                if let GeneralName::DirectoryName(n) = g {
                    Some(n.clone())
                } else {
                    None
                }
            })
        });
        for crl in crls.iter().filter(|c| c.delta_base.is_none()) {
            // (b)(1) issuer: the DP's cRLIssuer (indirect CRL), else the certificate's issuer.
            match &dp_issuer {
                Some(n) => {
                    if !names_equal(&crl.issuer, n) || !crl.is_indirect() {
                        continue;
                    }
                }
                None => {
                    if !names_equal(&crl.issuer, &cert.issuer) {
                        continue;
                    }
                }
            }
            // (b)(2) scope.
            if let Some(idp) = &crl.idp {
                if let Some(names) = idp_names(idp, &crl.issuer) {
                    let ok = if dp.distribution_point.is_some() {
                        let d = dp_names(dp, &cert.issuer);
                        names.iter().any(|a| d.iter().any(|b| gn_eq(a, b)))
                    } else if let Some(ci) = &dp.crl_issuer {
                        names.iter().any(|a| ci.iter().any(|b| gn_eq(a, b)))
                    } else {
                        // Implicit DP: the CRL's scope must include the certificate's issuer.
                        names
                            .iter()
                            .any(|a| gn_eq(a, &GeneralName::DirectoryName(cert.issuer.clone())))
                    };
                    if !ok {
                        continue;
                    }
                }
                if idp.only_contains_user_certs && is_ca {
                    continue;
                }
                if idp.only_contains_ca_certs && !is_ca {
                    continue;
                }
                if idp.only_contains_attribute_certs {
                    continue;
                }
            }
            // (d) reasons.
            let idp_reasons =
                reasons_of(crl.idp.as_ref().and_then(|i| i.only_some_reasons.as_ref()));
            let interim = idp_reasons & reasons_of(dp.reasons.as_ref());
            if interim & !reasons_mask == 0 {
                continue;
            }
            if crl.unknown_critical {
                why = FailureReason::CrlUnknownCriticalExtension;
                continue;
            }
            if let Some(p) = &crl.problem {
                why = p.clone();
                continue;
            }
            // Freshness.
            // A CRL issued after the validation time (validation at a past signing time) is
            // usable: it tells the status as of its own thisUpdate, and revocations dated
            // after the validation time are weighed below.
            if crl.next_update.is_some_and(|n| n < time) {
                stale = true;
                why = FailureReason::RevocationOutOfDate {
                    detail: "the CRL is out of date (nextUpdate has passed)".into(),
                };
                continue;
            }
            // (f) signer: the issuer itself, or another certificate of the CRL issuer with
            // cRLSign (key rollover, indirect CRLs) that is itself valid.
            if let Err(e) = crl_signature_ok(crl, cert, issuer, ctx) {
                why = e;
                continue;
            }
            // Delta CRLs for this complete CRL.
            let deltas: Vec<&Crl> = crls
                .iter()
                .filter(|d| {
                    d.delta_base.as_ref().is_some_and(|b| {
                        crl.number.as_ref().is_some_and(|n| {
                            int_cmp(b, n) != std::cmp::Ordering::Greater
                                && d.number
                                    .as_ref()
                                    .is_some_and(|dn| int_cmp(dn, n) == std::cmp::Ordering::Greater)
                        })
                    }) && names_equal(&d.issuer, &crl.issuer)
                        && d.idp == crl.idp
                        && d.this_update <= time
                        && d.next_update.is_none_or(|n| n >= time)
                        && !d.unknown_critical
                        && d.problem.is_none()
                        && crl_signature_ok(d, cert, issuer, ctx).is_ok()
                })
                .collect();
            let entry_issuer = dp_issuer.clone().unwrap_or_else(|| cert.issuer.clone());
            let find = |c: &Crl| -> Option<Entry> {
                c.entries
                    .iter()
                    .find(|e| {
                        int_cmp(&e.serial, &cert.serial) == std::cmp::Ordering::Equal
                            && names_equal(&e.issuer, &cert.issuer)
                    })
                    .cloned()
                    .or_else(|| {
                        if c.is_indirect() {
                            None
                        } else {
                            c.entries
                                .iter()
                                .find(|e| {
                                    int_cmp(&e.serial, &cert.serial) == std::cmp::Ordering::Equal
                                        && names_equal(&entry_issuer, &c.issuer)
                                })
                                .cloned()
                        }
                    })
            };
            // A delta decides first (it is newer), then the complete CRL.
            let newest_delta = deltas.iter().max_by(|a, b| {
                int_cmp(
                    a.number.as_deref().unwrap_or(&[]),
                    b.number.as_deref().unwrap_or(&[]),
                )
            });
            let from_delta = newest_delta
                .and_then(|d| {
                    find(d).map(|e| {
                        (
                            e,
                            format!(
                                "delta CRL #{} of {}",
                                hex::encode_upper(d.number.as_deref().unwrap_or(&[])),
                                super::cert::dn_string(&d.issuer)
                            ),
                        )
                    })
                })
                .or(None);
            let from_base = find(crl).map(|e| {
                (
                    e,
                    format!(
                        "CRL #{} of {}",
                        hex::encode_upper(crl.number.as_deref().unwrap_or(&[])),
                        super::cert::dn_string(&crl.issuer)
                    ),
                )
            });
            let hit = match (from_delta, from_base) {
                (Some((e, s)), _) => Some((e, s)),
                (None, b) => b,
            };
            if let Some((e, source)) = hit {
                if e.unknown_critical {
                    return Status::Unknown(FailureReason::CrlEntryUnknownCriticalExtension);
                }
                // removeFromCRL (8) in a delta undoes a hold. A revocation dated after the
                // validation time did not apply then — unless it is a key compromise (the key
                // may have been compromised earlier, so it counts).
                let compromise = matches!(e.reason, Some(1) | Some(2) | Some(10));
                let later = e.revoked_at > time;
                if e.reason != Some(8) && (!later || compromise) {
                    return Status::Revoked {
                        source,
                        at: e.revoked_at,
                        reason: i64::from(e.reason.unwrap_or(0)),
                    };
                }
            }
            reasons_mask |= interim;
            sources.push(format!(
                "CRL #{} of {}",
                hex::encode_upper(crl.number.as_deref().unwrap_or(&[])),
                super::cert::dn_string(&crl.issuer)
            ));
        }
    }
    if reasons_mask == ALL_REASONS {
        Status::Good {
            source: sources.join(", "),
        }
    } else if stale && !matches!(why, FailureReason::RevocationOutOfDate { .. }) {
        Status::Unknown(FailureReason::RevocationOutOfDate {
            detail: format!("a CRL is out of date; {why}"),
        })
    } else {
        Status::Unknown(why)
    }
}

/// Whether a valid signer signed `crl`: the certificate's issuer itself, or another
/// certificate of the CRL issuer with cRLSign that is itself valid. On failure, the most
/// telling reason (a weak or mismatched algorithm over "no valid signer").
fn crl_signature_ok(
    crl: &Crl,
    cert: &Cert,
    issuer: &Cert,
    ctx: &mut dyn RevocationContext,
) -> Result<(), FailureReason> {
    let mut why = FailureReason::CrlSignerNotValid;
    let note = |e: FailureReason, why: &mut FailureReason| {
        if !signature_mismatch(&e) {
            *why = e;
        }
    };
    let direct = names_equal(&crl.issuer, &cert.issuer);
    // The certificate's own issuer signs its CRLs directly.
    if direct
        && issuer.allows_usage(ku::CRL_SIGN)
        && crl
            .aki
            .as_ref()
            .is_none_or(|a| issuer.ski.as_ref().is_none_or(|s| s == a))
    {
        match ctx.verify(
            &issuer.spki_der,
            crl.sig_alg,
            crl.sig_params.as_deref(),
            &crl.tbs,
            &crl.signature,
        ) {
            Ok(()) => return Ok(()),
            Err(e) => note(e, &mut why),
        }
    }
    for signer in ctx.certs_named(&crl.issuer) {
        if signer.fingerprint == issuer.fingerprint || signer.fingerprint == cert.fingerprint {
            continue;
        }
        if !signer.allows_usage(ku::CRL_SIGN) {
            continue;
        }
        if crl
            .aki
            .as_ref()
            .is_some_and(|a| signer.ski.as_ref().is_some_and(|s| s != a))
        {
            continue;
        }
        match ctx.verify(
            &signer.spki_der,
            crl.sig_alg,
            crl.sig_params.as_deref(),
            &crl.tbs,
            &crl.signature,
        ) {
            Ok(()) if ctx.signer_valid(&signer) => return Ok(()),
            Ok(()) => {}
            Err(e) => note(e, &mut why),
        }
    }
    Err(why)
}

//! Verifying an e-licence (GB/T 36901–36906): a sealed e-licence OFD, already verified by the
//! OFD verifier, or the signed payload of its QR code. The report ([`LicenceReport`]) starts
//! undecided and is TOTAL_PASSED only when every check a valid licence needs ran and passed:
//!
//! - **OFD**: the OFD report is TOTAL_PASSED; the metadata (`metadata.json`, canonical JSON,
//!   equal to `OFD.xml`'s custom data) is protected by a seal signature of the package; that
//!   seal is an e-licence seal (电子证照专用章, its type code) stamped with a certificate of the
//!   issuer the metadata names (ZZBFJGDM); the identifier (ZZBS) has a valid check character
//!   (the rule that matched is reported) and names the same issuer and type code; the end of
//!   validity is not past; for our own region, the registry's data signature verifies over the
//!   canonical data rebuilt from the metadata and is by the certificate that stamped the seal;
//!   and the licence's status is active.
//! - **QR**: the payload decodes; its key id names one of our QR signer certificates or a QR
//!   signer a recognized region lists (granted); the signature verifies; the certificate is
//!   valid for signing licence QR payloads; the payload's region is its signer's; the
//!   identifier checks; the status is active and agrees with the claims.
//!
//! **Which region speaks for the status.** Our own region answers from its registry
//! ([`LicenceStatusSource`]). A licence whose seal is anchored at a recognized region's trust
//! list (or whose QR that region's signer signed) is that region's: its status is a signed
//! status (`crate::licence::status`) the relying party gives or that is fetched from the supply
//! point that region's list names, signed by a certificate pinned for its list — and only when
//! `trust.toml` accepts that region's `e-licences`. A relying party with neither (the CLI with
//! `--anchor`s) accepts a signed status whose signer validates as a trust-list signer to the
//! anchor the seal validated to. Without a status the result is
//! INDETERMINATE (`licence-status-unknown`); suspended and revoked licences are FAILED /
//! REVOKED, a superseded version FAILED naming the current one, an expired licence FAILED /
//! EXPIRED.
//!
//! Layout: `reason` the failure codes; `document` reading the metadata and the seal that
//! protects it; `status` the registry and signed statuses; `scan` the QR payload; `view` the
//! kind and the fields as shown (sensitive values masked). This file holds the report, the
//! verifier's inputs and the OFD verification.
//!
//! Imports `document` (the OFD report, embedded data, CMS), `seal` (verification options, seal
//! types), `verify` (indications, purposes, chain validation), `trust` (recognized regions,
//! canonical JSON); must not import HTTP or SQL types, the store, `api`, `app` or `cli`.

mod document;
mod reason;
mod scan;
mod status;
mod view;

#[cfg(test)]
mod tests;

pub use document::{canonical_data, is_licence, is_pdf_licence};
pub use reason::LicenceReason;
pub use status::{LicenceStatusSource, RegistryEntry, RepoStatus};
pub use view::{FieldView, KindView, Label};

use super::identifier::{CheckRule, LicenceId};
use super::kind::Catalogue;
use super::metadata::LONG_TERM;
use crate::document::ofd::{OfdReport, Package};
use crate::seal::verify::VerifyOptions;
use crate::trust::licences::{LicenceRegion, LicenceTrust};
use crate::verify::report::{Indication, Recognition, SubIndication, Via};
use serde::{Serialize, Serializer};
use status::Seen;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckOutcome {
    /// Passed.
    Passed,
    /// Failed: the licence is not valid.
    Failed,
    /// Could not be decided.
    Indeterminate,
    /// Not applicable or not run.
    Skipped,
}

/// One named check of a licence.
#[derive(Clone, Debug, Serialize)]
pub struct LicenceCheck {
    /// Its name (`ofd`, `metadata`, `metadata-sealed`, `seal`, `identifier`, `validity`,
    /// `region`, `status`, `data-signature`; `qr-payload`, `qr-signature`, `qr-signer`,
    /// `claims`).
    pub check: &'static str,
    /// Outcome.
    pub outcome: CheckOutcome,
    /// What was found.
    pub detail: String,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<LicenceReason>,
    #[serde(skip)]
    verdict: Option<(Indication, SubIndication)>,
}

/// The verification report of an e-licence (see the module doc). Serialized with the texts of
/// its codes in both languages, as the other reports.
#[derive(Clone, Debug)]
pub struct LicenceReport {
    /// `e-licence` (an OFD) or `e-licence-qr`.
    pub object: &'static str,
    /// Indication.
    pub indication: Indication,
    /// Sub-indication (absent when passed).
    pub sub_indication: Option<SubIndication>,
    /// Why, when not passed.
    pub reason: Option<LicenceReason>,
    /// What decided.
    pub detail: String,
    /// The identifier (ZZBS).
    pub identifier: Option<String>,
    /// The check-character rule it matched.
    pub check_rule: Option<CheckRule>,
    /// The kind, when the catalogue has its type code.
    pub kind: Option<KindView>,
    /// Its version.
    pub version: Option<u16>,
    /// The issuing region, when known.
    pub region: Option<String>,
    /// `active`, `suspended`, `revoked`, `superseded`, `expired`, or `unknown`.
    pub status: String,
    /// Where the status comes from.
    pub status_source: Option<String>,
    /// The current version's identifier, when this one is superseded.
    pub current_identifier: Option<String>,
    /// Valid to (`YYYY-MM-DD` or `长期`).
    pub valid_to: Option<String>,
    /// The metadata as shown, sensitive values masked (OFD).
    pub fields: Vec<FieldView>,
    /// What the QR payload says (QR).
    pub claims: Option<super::qr::Claims>,
    /// Every check, in order.
    pub checks: Vec<LicenceCheck>,
}

impl Serialize for LicenceReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            object: &'a str,
            indication: Indication,
            indication_text: crate::i18n::Bilingual,
            #[serde(skip_serializing_if = "Option::is_none")]
            sub_indication: Option<SubIndication>,
            #[serde(skip_serializing_if = "Option::is_none")]
            sub_indication_text: Option<crate::i18n::Bilingual>,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<LicenceReason>,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason_text: Option<crate::i18n::Bilingual>,
            detail: &'a str,
            identifier: &'a Option<String>,
            check_rule: Option<CheckRule>,
            kind: &'a Option<KindView>,
            version: Option<u16>,
            region: &'a Option<String>,
            status: &'a str,
            status_source: &'a Option<String>,
            current_identifier: &'a Option<String>,
            valid_to: &'a Option<String>,
            #[serde(skip_serializing_if = "<[FieldView]>::is_empty")]
            fields: &'a [FieldView],
            #[serde(skip_serializing_if = "Option::is_none")]
            claims: &'a Option<super::qr::Claims>,
            checks: &'a [LicenceCheck],
        }
        View {
            object: self.object,
            indication: self.indication,
            indication_text: self.indication.text(),
            sub_indication: self.sub_indication,
            sub_indication_text: self.sub_indication.map(SubIndication::text),
            reason: self.reason,
            reason_text: self.reason.map(|r| r.text()),
            detail: &self.detail,
            identifier: &self.identifier,
            check_rule: self.check_rule,
            kind: &self.kind,
            version: self.version,
            region: &self.region,
            status: &self.status,
            status_source: &self.status_source,
            current_identifier: &self.current_identifier,
            valid_to: &self.valid_to,
            fields: &self.fields,
            claims: &self.claims,
            checks: &self.checks,
        }
        .serialize(s)
    }
}

impl LicenceReport {
    fn new(object: &'static str) -> Self {
        LicenceReport {
            object,
            indication: Indication::Indeterminate,
            sub_indication: Some(SubIndication::NoCheckRan),
            reason: None,
            detail: "no check ran".into(),
            identifier: None,
            check_rule: None,
            kind: None,
            version: None,
            region: None,
            status: "unknown".into(),
            status_source: None,
            current_identifier: None,
            valid_to: None,
            fields: vec![],
            claims: None,
            checks: vec![],
        }
    }

    /// Whether the indication is TOTAL_PASSED.
    pub fn passed(&self) -> bool {
        self.indication == Indication::TotalPassed
    }

    /// The check named `name`, if it ran.
    pub fn check(&self, name: &str) -> Option<&LicenceCheck> {
        self.checks.iter().find(|c| c.check == name)
    }
}

/// The checks gathered, and the verdict they give.
#[derive(Default)]
struct Acc {
    checks: Vec<LicenceCheck>,
}

impl Acc {
    fn push(&mut self, check: &'static str, outcome: CheckOutcome, detail: String) {
        self.checks.push(LicenceCheck {
            check,
            outcome,
            detail,
            reason: None,
            verdict: None,
        });
    }

    fn pass(&mut self, check: &'static str, detail: impl Into<String>) {
        self.push(check, CheckOutcome::Passed, detail.into());
    }

    fn skip(&mut self, check: &'static str, detail: impl Into<String>) {
        self.push(check, CheckOutcome::Skipped, detail.into());
    }

    fn fail(&mut self, check: &'static str, reason: LicenceReason, detail: impl Into<String>) {
        let (ind, sub) = reason.verdict();
        self.fail_as(check, reason, ind, sub, detail);
    }

    /// A failure with the indication of what decided it (the OFD's, a chain's).
    fn fail_as(
        &mut self,
        check: &'static str,
        reason: LicenceReason,
        ind: Indication,
        sub: SubIndication,
        detail: impl Into<String>,
    ) {
        // A failing check never passes anything.
        let (ind, sub) = match ind {
            Indication::TotalPassed => (Indication::Indeterminate, SubIndication::NoCheckRan),
            i => (i, sub),
        };
        self.checks.push(LicenceCheck {
            check,
            outcome: if ind == Indication::TotalFailed {
                CheckOutcome::Failed
            } else {
                CheckOutcome::Indeterminate
            },
            detail: detail.into(),
            reason: Some(reason),
            verdict: Some((ind, sub)),
        });
    }

    /// Fill the report's verdict: the first failure, else the first undecided check, else
    /// TOTAL_PASSED when every check in `needs` passed.
    fn finish(self, mut r: LicenceReport, needs: &[&str]) -> LicenceReport {
        let decided = |want: Indication| {
            self.checks
                .iter()
                .find(|c| c.verdict.is_some_and(|(i, _)| i == want))
        };
        if let Some(c) =
            decided(Indication::TotalFailed).or_else(|| decided(Indication::Indeterminate))
        {
            let (ind, sub) = c
                .verdict
                .unwrap_or((Indication::Indeterminate, SubIndication::NoCheckRan));
            r.indication = ind;
            r.sub_indication = Some(sub);
            r.reason = c.reason;
            r.detail = format!("{}: {}", c.check, c.detail);
        } else if let Some(missing) = needs.iter().find(|n| {
            !self
                .checks
                .iter()
                .any(|c| c.check == **n && c.outcome == CheckOutcome::Passed)
        }) {
            r.indication = Indication::Indeterminate;
            r.sub_indication = Some(SubIndication::NoCheckRan);
            r.detail = format!("the check {missing} did not pass");
        } else {
            r.indication = Indication::TotalPassed;
            r.sub_indication = None;
            r.detail = format!("{} checks passed", needs.len());
        }
        r.checks = self.checks;
        r
    }
}

/// Which region speaks for a licence's status.
#[derive(Clone, Debug)]
enum Issuer {
    /// This region.
    Own,
    /// A recognized region.
    Peer(Box<LicenceRegion>),
    /// Unknown to us, but the seal validated to an anchor the relying party gave (SHA-256
    /// hex): a signed status it gives may speak, if its signer validates to the same anchor.
    Anchored(String),
    /// Neither can be shown (why).
    Unknown(String),
}

/// What a verification has: the catalogue, our region and its registry, recognized regions,
/// signed statuses given by the relying party, our QR signer certificates, and the options of
/// the OFD verification (chain validation, the time).
pub struct Verifier<'a> {
    /// Licence kinds (names, labels, sensitivity).
    pub catalogue: &'a Catalogue,
    /// Our region's code (`None` for a relying party outside any region: the CLI).
    pub region: Option<&'a str>,
    /// Our registry.
    pub own: Option<&'a dyn LicenceStatusSource>,
    /// Our e-licence QR signer certificates (DER).
    pub own_qr_signers: &'a [Vec<u8>],
    /// Recognized regions.
    pub trust: Option<&'a dyn LicenceTrust>,
    /// Signed statuses given by the relying party (CMS DER).
    pub statuses: &'a [Vec<u8>],
    /// The GB/T 38540 type code of e-licence seals (`e-licence` in `policies/seals.toml`).
    pub seal_type_code: i64,
    /// Chain validation inputs and the current time.
    pub options: &'a VerifyOptions<'a>,
}

/// The e-licence seal type code of `policies/seals.toml` (5).
pub fn e_licence_seal_code() -> i64 {
    crate::seal::types::by_key("e-licence").map_or(5, |t| t.code)
}

const OFD_NEEDS: [&str; 8] = [
    "ofd",
    "metadata",
    "metadata-sealed",
    "seal",
    "identifier",
    "validity",
    "region",
    "status",
];

/// A seal signature covering the metadata, as the OFD and the PDF reports give it.
struct Covering<'r> {
    id: &'r str,
    indication: Indication,
    sub_indication: Option<SubIndication>,
    detail: &'r str,
    seal: Option<&'r crate::seal::verify::SealReport>,
}

const PDF_NEEDS: [&str; 8] = [
    "pdf",
    "metadata",
    "metadata-sealed",
    "seal",
    "identifier",
    "validity",
    "region",
    "status",
];

impl<'a> Verifier<'a> {
    /// A verifier with the catalogue and the options only (no registry, no recognized
    /// region, no QR signer, no signed status).
    pub fn new(catalogue: &'a Catalogue, options: &'a VerifyOptions<'a>) -> Self {
        Verifier {
            catalogue,
            region: None,
            own: None,
            own_qr_signers: &[],
            trust: None,
            statuses: &[],
            seal_type_code: e_licence_seal_code(),
            options,
        }
    }

    fn now(&self) -> i64 {
        self.options.now
    }

    /// The region whose trust anchored a chain (which validated to `anchor`, SHA-256 hex).
    fn issuer_of(&self, recognition: Option<&Recognition>, anchor: Option<&str>) -> Issuer {
        let own = |why: &str| match (self.region, self.own) {
            (Some(_), Some(_)) => Issuer::Own,
            _ => Issuer::Unknown(format!("{why}, and no registry is at hand")),
        };
        match recognition {
            None => match (self.region, self.own, anchor) {
                (None, _, Some(a)) | (_, None, Some(a)) if !self.statuses.is_empty() => {
                    Issuer::Anchored(a.to_string())
                }
                _ => own("the seal is anchored at the relying party's own anchors"),
            },
            Some(r) if matches!(r.via, Via::OwnRegion | Via::CrossCertificate) => {
                own(&format!("the seal is anchored in region {}", r.region))
            }
            Some(r) => self.peer(&r.region),
        }
    }

    fn peer(&self, code: &str) -> Issuer {
        self.trust
            .and_then(|t| {
                t.licence_regions(self.now())
                    .into_iter()
                    .find(|p| p.region == code)
            })
            .map_or_else(
                || Issuer::Unknown(format!("region {code} is not a recognized region")),
                |p| Issuer::Peer(Box::new(p)),
            )
    }

    /// The identifier's check; `expect` = (issuer code, type code) it must name.
    fn identifier(
        &self,
        acc: &mut Acc,
        r: &mut LicenceReport,
        text: &str,
        expect: Option<(&str, &str)>,
    ) -> Option<LicenceId> {
        let (id, rule) = match LicenceId::parse_checked(text) {
            Ok(x) => x,
            Err(e) => {
                acc.fail(
                    "identifier",
                    LicenceReason::IdentifierInvalid,
                    e.to_string(),
                );
                return None;
            }
        };
        r.check_rule = Some(rule);
        r.version = Some(id.version);
        if let Some((issuer, ty)) = expect
            && (id.issuer_code != issuer || id.type_code != ty)
        {
            acc.fail(
                "identifier",
                LicenceReason::IdentifierMismatch,
                format!(
                    "the identifier names issuer {} and type {}, the metadata {issuer} and {ty}",
                    id.issuer_code, id.type_code
                ),
            );
            return Some(id);
        }
        acc.pass(
            "identifier",
            format!(
                "check character {} matches the {} rule",
                id.check,
                rule.name()
            ),
        );
        Some(id)
    }

    /// The end of validity (`YYYY-MM-DD` or `长期`) against today.
    fn validity(&self, acc: &mut Acc, valid_to: &str) {
        if valid_to == LONG_TERM {
            return acc.pass("validity", "long-term");
        }
        match super::fields::parse_date(valid_to) {
            None => acc.fail(
                "validity",
                LicenceReason::MetadataInvalid,
                format!("the end of validity {valid_to:?} is not a date"),
            ),
            Some(d) if super::service::today(self.now()) > d => acc.fail(
                "validity",
                LicenceReason::Expired,
                format!("valid to {valid_to}: expired"),
            ),
            Some(_) => acc.pass("validity", format!("valid to {valid_to}")),
        }
    }

    /// The region check, then the status check; the status seen, if any.
    async fn status(
        &self,
        acc: &mut Acc,
        r: &mut LicenceReport,
        issuer: &Issuer,
        id: &LicenceId,
    ) -> Option<Seen> {
        let identifier = id.to_string();
        let seen = match issuer {
            Issuer::Own => {
                let region = self.region.unwrap_or_default();
                r.region = Some(region.to_string());
                acc.pass("region", format!("issued in this region ({region})"));
                match self.own {
                    Some(own) => status::from_registry(own, region, &identifier, self.now()).await,
                    None => Err((LicenceReason::StatusUnknown, "no registry at hand".into())),
                }
            }
            Issuer::Peer(p) => {
                r.region = Some(p.region.clone());
                if !p.accepted {
                    acc.fail(
                        "region",
                        LicenceReason::RegionNotAccepted,
                        format!(
                            "e-licences of region {} are not accepted here (trust.toml)",
                            p.region
                        ),
                    );
                    return None;
                }
                acc.pass(
                    "region",
                    format!(
                        "issued in region {}, whose e-licences are accepted (trust list #{})",
                        p.region,
                        p.list_sequence.unwrap_or_default()
                    ),
                );
                status::from_signed(p, &identifier, self.statuses, self.trust, self.now()).await
            }
            Issuer::Anchored(anchor) => {
                let seen =
                    status::from_anchored(self.statuses, &identifier, anchor, self.options).await;
                match &seen {
                    Ok(s) => {
                        r.region = Some(s.region.clone());
                        acc.pass(
                            "region",
                            format!(
                                "region {}: its trust-list signer validates to the anchor the seal validated to",
                                s.region
                            ),
                        );
                    }
                    Err(_) => acc.skip(
                        "region",
                        "the seal is anchored at the relying party's own anchors; no status signer validated to that anchor",
                    ),
                }
                seen
            }
            Issuer::Unknown(why) => {
                acc.skip("region", why.clone());
                Err((LicenceReason::StatusUnknown, why.clone()))
            }
        };
        match seen {
            Ok(seen) => {
                r.status = seen.status.clone();
                r.status_source = Some(seen.source.clone());
                if seen.current_identifier != identifier {
                    r.current_identifier = Some(seen.current_identifier.clone());
                }
                match status::judge(&seen, &identifier) {
                    Ok(d) => acc.pass("status", d),
                    Err((reason, d)) => acc.fail("status", reason, d),
                }
                Some(seen)
            }
            Err((reason, d)) => {
                acc.fail("status", reason, d);
                None
            }
        }
    }

    /// Verify the e-licence in an OFD package `pkg` whose OFD verification is `ofd`.
    pub async fn ofd(&self, ofd: &OfdReport, pkg: &Package) -> LicenceReport {
        let mut r = LicenceReport::new("e-licence");
        let mut acc = Acc::default();
        if ofd.indication == Indication::TotalPassed {
            acc.pass("ofd", ofd.detail.clone());
        } else {
            acc.fail_as(
                "ofd",
                LicenceReason::OfdNotValid,
                ofd.indication,
                ofd.sub_indication.unwrap_or(SubIndication::NoCheckRan),
                ofd.detail.clone(),
            );
        }
        let found = match document::metadata(pkg) {
            Ok(f) => f,
            Err((reason, d)) => {
                acc.fail("metadata", reason, d);
                return acc.finish(r, &OFD_NEEDS);
            }
        };
        acc.pass(
            "metadata",
            format!(
                "{} ({} entries) and the custom data of OFD.xml agree",
                found.path,
                found.meta.len()
            ),
        );
        let meta = &found.meta;
        let get = |k: &str| meta.get(k).cloned().unwrap_or_default();
        let kind = self.catalogue.by_type_code(&get("ZZLXDM"));
        r.kind = view::kind_view(self.catalogue, &get("ZZLXDM"));
        r.fields = view::fields(meta, kind);
        r.identifier = Some(get("ZZBS"));
        r.valid_to = Some(get("ZZYXQJZRQ"));
        let covering = document::covering(ofd, &found.path);
        if covering.is_empty() {
            acc.fail(
                "metadata-sealed",
                LicenceReason::MetadataNotSealed,
                format!("no seal signature of the package protects {}", found.path),
            );
            return acc.finish(r, &OFD_NEEDS);
        };
        let ids: Vec<&str> = covering.iter().map(|s| s.id.as_str()).collect();
        acc.pass(
            "metadata-sealed",
            format!(
                "{} is protected by seal signature(s) {}",
                found.path,
                ids.join(", ")
            ),
        );
        let candidates: Vec<Covering<'_>> = covering
            .iter()
            .map(|s| Covering {
                id: &s.id,
                indication: s.indication,
                sub_indication: s.sub_indication,
                detail: &s.detail,
                seal: s.seal.as_ref(),
            })
            .collect();
        let (seal_of, seal_report) = self.judge_covering(&mut acc, &candidates, meta);
        self.conclude(acc, r, meta, seal_of.as_ref(), seal_report, &OFD_NEEDS)
            .await
    }

    /// The `seal` check over the seal signatures covering the metadata, in order: the first
    /// passed one that is an e-licence seal of the issuer; that seal (if any) and the report of
    /// the seal the later checks read (that one's, else the first covering one's).
    fn judge_covering<'r>(
        &self,
        acc: &mut Acc,
        covering: &[Covering<'r>],
        meta: &std::collections::BTreeMap<String, String>,
    ) -> (
        Option<document::SealOf>,
        Option<&'r crate::seal::verify::SealReport>,
    ) {
        let Some(first) = covering.first() else {
            return (None, None);
        };
        let mut seal = None;
        let mut refusal = None;
        for s in covering
            .iter()
            .filter(|s| s.indication == Indication::TotalPassed)
        {
            match document::judge_seal_report(s.id, s.seal, self.seal_type_code, meta) {
                Ok(x) => {
                    seal = Some((s, x));
                    break;
                }
                Err(e) => {
                    refusal.get_or_insert(e);
                }
            }
        }
        match (&seal, refusal) {
            (Some((_, x)), _) => acc.pass(
                "seal",
                format!(
                    "signature {}: e-licence seal {} ({}) of the issuer {}",
                    x.id, x.es_id, x.name, x.holder
                ),
            ),
            (None, Some((reason, d))) => acc.fail("seal", reason, d),
            (None, None) => acc.fail_as(
                "seal",
                LicenceReason::OfdNotValid,
                first.indication,
                first.sub_indication.unwrap_or(SubIndication::NoCheckRan),
                format!(
                    "no seal signature protecting the metadata verified ({})",
                    first.detail
                ),
            ),
        }
        match seal {
            Some((s, x)) => (Some(x), s.seal),
            None => (None, first.seal),
        }
    }

    /// The checks after the seal (identifier, validity, region, status, data signature) and
    /// the verdict: `seal_of` the e-licence seal that protects `meta` (when one was found),
    /// `seal_report` the report of that seal (or of the first covering one).
    async fn conclude(
        &self,
        mut acc: Acc,
        mut r: LicenceReport,
        meta: &std::collections::BTreeMap<String, String>,
        seal_of: Option<&document::SealOf>,
        seal_report: Option<&crate::seal::verify::SealReport>,
        base_needs: &[&'static str],
    ) -> LicenceReport {
        let get = |k: &str| meta.get(k).cloned().unwrap_or_default();
        let id = self.identifier(
            &mut acc,
            &mut r,
            &get("ZZBS"),
            Some((&get("ZZBFJGDM"), &get("ZZLXDM"))),
        );
        self.validity(&mut acc, &get("ZZYXQJZRQ"));
        let recognition = seal_report.and_then(|s| {
            s.signer_chain
                .as_ref()
                .and_then(|c| c.recognition.as_ref())
                .or_else(|| s.maker_chain.as_ref().and_then(|c| c.recognition.as_ref()))
        });
        let anchor = seal_report
            .and_then(|s| s.signer_chain.as_ref())
            .and_then(|c| c.anchor_sha256.as_deref());
        let issuer = self.issuer_of(recognition, anchor);
        let Some(id) = id else {
            return acc.finish(r, base_needs);
        };
        let seen = self.status(&mut acc, &mut r, &issuer, &id).await;
        let mut needs = base_needs.to_vec();
        if matches!(issuer, Issuer::Own) {
            needs.push("data-signature");
            let entry = seen.as_ref().and_then(|s| s.entry.as_ref());
            match (entry, seal_of) {
                (Some(e), Some(x)) => data_signature(&mut acc, meta, e, &x.signer_cert),
                (None, _) => acc.skip("data-signature", "no registry entry to check"),
                (_, None) => acc.skip("data-signature", "no e-licence seal to check it against"),
            }
        } else {
            acc.skip(
                "data-signature",
                "kept by the issuing region's registry; the seal protects the metadata",
            );
        }
        acc.finish(r, &needs)
    }

    /// Verify the e-licence in a PDF `pdf` whose PDF verification is `report`: the same checks
    /// as for an OFD, the metadata being the embedded `metadata.json` (repeated in the
    /// information dictionary) of the revision a passed seal signature signed.
    pub async fn pdf(&self, report: &crate::document::pdf::PdfReport, pdf: &[u8]) -> LicenceReport {
        let mut r = LicenceReport::new("e-licence");
        let mut acc = Acc::default();
        if report.indication == Indication::TotalPassed {
            acc.pass("pdf", report.detail.clone());
        } else {
            acc.fail_as(
                "pdf",
                LicenceReason::OfdNotValid,
                report.indication,
                SubIndication::NoCheckRan,
                report.detail.clone(),
            );
        }
        let bound = crate::document::pdf::limits::stream_bound(pdf.len());
        let found = match crate::document::pdf::limits::load(pdf)
            .map_err(|e| (LicenceReason::MetadataInvalid, e.to_string()))
            .and_then(|doc| document::pdf_metadata(&doc, bound))
        {
            Ok(f) => f,
            Err((reason, d)) => {
                acc.fail("metadata", reason, d);
                return acc.finish(r, &PDF_NEEDS);
            }
        };
        acc.pass(
            "metadata",
            format!(
                "{} ({} entries) and the information dictionary agree",
                found.path,
                found.meta.len()
            ),
        );
        let meta = &found.meta;
        let get = |k: &str| meta.get(k).cloned().unwrap_or_default();
        let kind = self.catalogue.by_type_code(&get("ZZLXDM"));
        r.kind = view::kind_view(self.catalogue, &get("ZZLXDM"));
        r.fields = view::fields(meta, kind);
        r.identifier = Some(get("ZZBS"));
        r.valid_to = Some(get("ZZYXQJZRQ"));
        // The seal signatures whose signed revision carries this very metadata.
        let covering: Vec<&crate::document::pdf::PdfSignatureReport> = report
            .signatures
            .iter()
            .filter(|s| s.seal.is_some())
            .filter(|s| {
                let end = match s.byte_range.as_slice() {
                    [0, _, b, c] => usize::try_from(b + c).ok(),
                    _ => None,
                };
                match end {
                    // It signed the whole file: the metadata just read is its revision's.
                    Some(e) if e == pdf.len() => true,
                    e => e
                        .and_then(|e| pdf.get(..e))
                        .and_then(|rev| crate::document::pdf::limits::load(rev).ok())
                        .and_then(|doc| document::pdf_metadata(&doc, bound).ok())
                        .is_some_and(|f| f.meta == *meta),
                }
            })
            .collect();
        if covering.is_empty() {
            acc.fail(
                "metadata-sealed",
                LicenceReason::MetadataNotSealed,
                format!("no seal signature of the PDF signed {}", found.path),
            );
            return acc.finish(r, &PDF_NEEDS);
        };
        let ids: Vec<&str> = covering.iter().map(|s| s.field.as_str()).collect();
        acc.pass(
            "metadata-sealed",
            format!(
                "{} is signed by seal signature(s) {}",
                found.path,
                ids.join(", ")
            ),
        );
        let candidates: Vec<Covering<'_>> = covering
            .iter()
            .map(|s| Covering {
                id: &s.field,
                indication: s.indication,
                sub_indication: s.sub_indication,
                detail: &s.detail,
                seal: s.seal.as_ref(),
            })
            .collect();
        let (seal_of, seal_report) = self.judge_covering(&mut acc, &candidates, meta);
        self.conclude(acc, r, meta, seal_of.as_ref(), seal_report, &PDF_NEEDS)
            .await
    }

    /// Verify the signed payload of a licence's QR code (the scanned text: the URL or the bare
    /// payload).
    pub async fn qr(&self, text: &str) -> LicenceReport {
        scan::verify(self, text).await
    }
}

/// The answer for an e-licence OFD (`POST /v1/verify`, `yinxin verify --json`): the OFD report
/// with the licence report beside it (`licence`). The top-level `indication`,
/// `sub_indication` and `detail` are the licence's — which needs the OFD's to pass, so that a
/// reader of the top level alone never takes a revoked or forged licence for valid — and the
/// OFD's own are kept as `ofd_indication`, `ofd_sub_indication` and `ofd_detail`.
pub fn ofd_with_licence(ofd: &OfdReport, licence: &LicenceReport) -> serde_json::Value {
    with_licence(serde_json::to_value(ofd), "ofd", licence)
}

/// [`ofd_with_licence`] for a licence written as PDF: the PDF's own verdict kept as
/// `pdf_indication`, `pdf_sub_indication` and `pdf_detail`.
pub fn pdf_with_licence(
    pdf: &crate::document::pdf::PdfReport,
    licence: &LicenceReport,
) -> serde_json::Value {
    with_licence(serde_json::to_value(pdf), "pdf", licence)
}

fn with_licence(
    v: serde_json::Result<serde_json::Value>,
    prefix: &str,
    licence: &LicenceReport,
) -> serde_json::Value {
    let mut v = v.unwrap_or(serde_json::Value::Null);
    if let Some(o) = v.as_object_mut() {
        for k in ["indication", "sub_indication", "detail"] {
            if let Some(x) = o.remove(k) {
                o.insert(format!("{prefix}_{k}"), x);
            }
        }
        o.insert("object".into(), licence.object.into());
        o.insert(
            "indication".into(),
            serde_json::to_value(licence.indication).unwrap_or_default(),
        );
        if let Some(sub) = licence.sub_indication {
            o.insert(
                "sub_indication".into(),
                serde_json::to_value(sub).unwrap_or_default(),
            );
        }
        o.insert("detail".into(), licence.detail.clone().into());
        o.insert(
            "licence".into(),
            serde_json::to_value(licence).unwrap_or_default(),
        );
    }
    v
}

/// The registry's data signature over the canonical data rebuilt from `meta`, by `signer`.
fn data_signature(
    acc: &mut Acc,
    meta: &std::collections::BTreeMap<String, String>,
    entry: &RegistryEntry,
    signer: &[u8],
) {
    let data = document::canonical_data(meta);
    match crate::document::cms::verify_detached(&entry.data_signature, &data) {
        Err(e) => acc.fail(
            "data-signature",
            LicenceReason::DataSignatureInvalid,
            format!("the registry's data signature does not verify over the metadata: {e}"),
        ),
        Ok(info) if info.signer_cert != signer => acc.fail(
            "data-signature",
            LicenceReason::DataSignatureInvalid,
            "the registry's data signature is not by the certificate that stamped the seal",
        ),
        Ok(_) => acc.pass(
            "data-signature",
            "the registry's data signature verifies over the metadata, by the seal's signer",
        ),
    }
}

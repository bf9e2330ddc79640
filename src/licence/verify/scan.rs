//! Verifying a scanned licence QR payload (`crate::licence::qr`): decoded; its signer found by
//! key id among our own QR signer certificates and the `licence-qr-signer` services recognized
//! regions list; the signature checked under that certificate (a payload signed by another key
//! under a copied key id, or with a changed claim, fails here); the certificate validated for
//! signing licence QR payloads (and, for another region's, still granted in its list); the
//! payload's region its signer's; then the identifier, the status by identifier, the claims
//! against the status, and the end of validity.
//!
//! Owns the QR side of the verifier; must not import HTTP or SQL.

use super::super::qr::{Decoded, decode, key_id};
use super::{Acc, Issuer, LicenceReason, LicenceReport, Verifier};
use crate::verify::purpose::Purpose;
use crate::verify::report::SubIndication;

const QR_NEEDS: [&str; 8] = [
    "qr-payload",
    "qr-signature",
    "qr-signer",
    "region",
    "identifier",
    "validity",
    "status",
    "claims",
];

/// How far ahead of our clock a showing's start may be (the holder's device and ours).
const SHOW_SKEW_SECONDS: i64 = 120;

/// A certificate with the payload's key id, and whose it is.
struct Candidate {
    cert: Vec<u8>,
    issuer: Issuer,
    /// For another region's: the service id and whether it was granted now.
    listing: Option<(String, bool)>,
}

fn candidates(v: &Verifier<'_>, d: &Decoded) -> Vec<Candidate> {
    let mut out = Vec::new();
    for c in v.own_qr_signers {
        if key_id(c) == d.kid {
            out.push(Candidate {
                cert: c.clone(),
                issuer: Issuer::Own,
                listing: None,
            });
        }
    }
    if let Some(t) = v.trust {
        for r in t.licence_regions(v.now()) {
            for q in &r.qr_signers {
                if key_id(&q.cert) == d.kid {
                    out.push(Candidate {
                        cert: q.cert.clone(),
                        issuer: Issuer::Peer(Box::new(r.clone())),
                        listing: Some((q.service.clone(), q.granted)),
                    });
                }
            }
        }
    }
    out
}

/// See the module doc.
pub(super) async fn verify(v: &Verifier<'_>, text: &str) -> LicenceReport {
    let mut r = LicenceReport::new("e-licence-qr");
    let mut acc = Acc::default();
    let d = match decode(text) {
        Ok(d) => d,
        Err(e) => {
            acc.fail("qr-payload", LicenceReason::QrMalformed, e.to_string());
            return acc.finish(r, &QR_NEEDS);
        }
    };
    let c = d.claims.clone();
    acc.pass(
        "qr-payload",
        format!("format 1, key id {}", hex::encode(d.kid)),
    );
    r.identifier = Some(c.identifier.clone());
    r.version = Some(c.version);
    r.valid_to = Some(c.valid_to.clone());
    r.kind = super::view::kind_view(v.catalogue, &c.type_code);
    r.claims = Some(c.clone());
    let found = candidates(v, &d);
    if found.is_empty() {
        acc.fail(
            "qr-signature",
            LicenceReason::QrSignerUnknown,
            format!(
                "no QR signer of this region or of a recognized region has key id {}",
                hex::encode(d.kid)
            ),
        );
        return acc.finish(r, &QR_NEEDS);
    }
    let signer = found.into_iter().find(|cand| {
        crate::verify::cert::Cert::shared(&cand.cert)
            .is_ok_and(|cert| d.verify(&cert.spki_der).is_ok())
    });
    let Some(signer) = signer else {
        acc.fail(
            "qr-signature",
            LicenceReason::QrSignatureInvalid,
            format!(
                "the signature does not verify under the QR signer certificate with key id {}",
                hex::encode(d.kid)
            ),
        );
        return acc.finish(r, &QR_NEEDS);
    };
    acc.pass(
        "qr-signature",
        "the payload's signature verifies under the QR signer's certificate",
    );
    let chain = crate::verify::chain::validate_for(
        &signer.cert,
        &[],
        v.now(),
        Purpose::LicenceQrSigner,
        &v.options.chain_inputs(),
    )
    .await;
    match (&signer.listing, chain.passed()) {
        (_, false) => acc.fail_as(
            "qr-signer",
            LicenceReason::QrSignerInvalid,
            chain.indication,
            chain
                .sub_indication
                .unwrap_or(SubIndication::NoCertificateChainFound),
            format!(
                "the QR signer certificate: {}",
                chain
                    .failure
                    .as_ref()
                    .map(|f| f.rule.clone())
                    .unwrap_or_else(|| "not valid".into())
            ),
        ),
        (Some((service, false)), true) => acc.fail(
            "qr-signer",
            LicenceReason::QrSignerInvalid,
            format!(
                "the QR signer service {service} is not granted in its region's trust list now"
            ),
        ),
        (_, true) => acc.pass(
            "qr-signer",
            format!(
                "the QR signer certificate is valid for licence QR signing (anchor {})",
                chain.anchor.clone().unwrap_or_default()
            ),
        ),
    }
    let expected_region = match &signer.issuer {
        Issuer::Own => v.region.unwrap_or_default().to_string(),
        Issuer::Peer(p) => p.region.clone(),
        Issuer::Anchored(_) | Issuer::Unknown(_) => String::new(),
    };
    r.region = Some(c.region.clone());
    if c.region != expected_region {
        acc.fail(
            "region",
            LicenceReason::QrRegionMismatch,
            format!(
                "the payload names region {:?}, its signer is of region {expected_region:?}",
                c.region
            ),
        );
        return acc.finish(r, &QR_NEEDS);
    }
    let Some(id) = v.identifier(&mut acc, &mut r, &c.identifier, None) else {
        return acc.finish(r, &QR_NEEDS);
    };
    v.validity(&mut acc, &c.valid_to);
    let Some(seen) = v.status(&mut acc, &mut r, &signer.issuer, &id).await else {
        return acc.finish(r, &QR_NEEDS);
    };
    let mut differ = Vec::new();
    if seen.version != c.version {
        differ.push(format!("version {} / {}", c.version, seen.version));
    }
    if seen.valid_to != c.valid_to {
        differ.push(format!("valid to {} / {}", c.valid_to, seen.valid_to));
    }
    if let Some(e) = &seen.entry
        && e.holder_name != c.holder_name
    {
        differ.push("the holder's name".into());
    }
    if differ.is_empty() {
        acc.pass("claims", format!("the claims agree with {}", seen.source));
    } else {
        acc.fail(
            "claims",
            LicenceReason::ClaimsMismatch,
            format!(
                "the payload and {} disagree: {}",
                seen.source,
                differ.join(", ")
            ),
        );
    }
    let Some(shown) = c.shown else {
        return acc.finish(r, &QR_NEEDS);
    };
    // A holder's showing (亮证): the signed times bound it; the clock is the verifier's.
    let now = v.now();
    if now > shown.until || shown.at > now + SHOW_SKEW_SECONDS {
        acc.fail(
            "shown",
            LicenceReason::ShowNotCurrent,
            format!(
                "shown by its holder at {}, valid until {}: not now ({})",
                crate::clock::rfc3339(shown.at),
                crate::clock::rfc3339(shown.until),
                crate::clock::rfc3339(now)
            ),
        );
    } else {
        acc.pass(
            "shown",
            format!(
                "shown by its holder at {}, valid until {}",
                crate::clock::rfc3339(shown.at),
                crate::clock::rfc3339(shown.until)
            ),
        );
    }
    let mut needs = QR_NEEDS.to_vec();
    needs.push("shown");
    acc.finish(r, &needs)
}

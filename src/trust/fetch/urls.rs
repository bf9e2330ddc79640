//! Where a certificate says its status can be fetched: the OCSP responders (and other access
//! methods) of its authorityInfoAccess, and the URI alternatives of its CRL distribution
//! points. Parsing only.
//!
//! Must not import: the HTTP client or the cache; nothing here touches the network.

use const_oid::ObjectIdentifier;
use der::Decode;
use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

/// id-ad-ocsp.
const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-pe-authorityInfoAccess.
const AIA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");

/// The id-ad-ocsp URIs of a certificate's authorityInfoAccess.
pub(crate) fn ocsp_urls(der_bytes: &[u8]) -> Vec<String> {
    aia_urls(der_bytes, AD_OCSP)
}

/// The URIs of a certificate's authorityInfoAccess for access `method`.
pub(crate) fn aia_urls(der_bytes: &[u8], method: ObjectIdentifier) -> Vec<String> {
    let Ok(c) = x509_cert::certificate::CertificateInner::<x509_cert::certificate::Raw>::from_der(
        der_bytes,
    ) else {
        return vec![];
    };
    let Some(exts) = c.tbs_certificate().extensions() else {
        return vec![];
    };
    let mut out = Vec::new();
    for e in exts.iter().filter(|e| e.extn_id == AIA) {
        let Ok(aia) = AuthorityInfoAccessSyntax::from_der(e.extn_value.as_bytes()) else {
            continue;
        };
        for ad in aia.0 {
            if ad.access_method == method
                && let GeneralName::UniformResourceIdentifier(u) = ad.access_location
            {
                out.push(u.to_string());
            }
        }
    }
    out
}

/// The URI alternatives of each distribution point.
pub(super) fn dp_urls(dps: Option<&Vec<DistributionPoint>>) -> Vec<Vec<String>> {
    dps.map(|v| {
        v.iter()
            .filter_map(|dp| match &dp.distribution_point {
                Some(DistributionPointName::FullName(names)) => Some(
                    names
                        .iter()
                        .filter_map(|n| match n {
                            GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .filter(|alts| !alts.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

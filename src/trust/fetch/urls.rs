//! Where a certificate says its status can be fetched: the OCSP responders (and other access
//! methods) of its authorityInfoAccess, and the URI alternatives of its CRL distribution
//! points. Parsing only.
//!
//! Must not import: the HTTP client or the cache; nothing here touches the network.

use crate::verify::cert::Cert;
use const_oid::ObjectIdentifier;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

/// id-ad-ocsp.
const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

/// The id-ad-ocsp URIs of a certificate's authorityInfoAccess.
pub(crate) fn ocsp_urls(cert: &Cert) -> Vec<String> {
    aia_urls(cert, AD_OCSP)
}

/// The URIs of a certificate's authorityInfoAccess for access `method`.
pub(crate) fn aia_urls(cert: &Cert, method: ObjectIdentifier) -> Vec<String> {
    cert.aia
        .iter()
        .filter(|ad| ad.access_method == method)
        .filter_map(|ad| match &ad.access_location {
            GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
            _ => None,
        })
        .collect()
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

//! The RFC 5280 certificate profile (§4.1, §4.2) as path validation enforces it, and the
//! trust-anchor rules of RFC 5937. Pure functions over a parsed [`Cert`]; each refusal is a
//! typed [`FailureReason`].
//!
//! Every certificate of the path (not the trust anchor) is checked by [`check_encoding`] and
//! [`check_extensions`]:
//! - serial number positive and at most 20 octets (§4.1.2.2);
//! - TBSCertificate.signature equal to signatureAlgorithm, OID and parameters (§4.1.1.2);
//! - subjectAltName well formed: not empty; rfc822Name with exactly one '@', a non-empty local
//!   part and a valid domain; dNSName in preferred name syntax (a leading `*.` label allowed);
//!   URI absolute (scheme and scheme-specific part), with a host when it has an authority;
//!   iPAddress of 4 or 16 octets (§4.2.1.6); critical when the subject is empty;
//! - authorityKeyIdentifier and subjectKeyIdentifier never critical (§4.2.1.1, §4.2.1.2);
//!   AKI with its keyIdentifier in every v3 certificate that is not self-signed, SKI in every v3 CA
//!   certificate (v1/v2 certificates cannot carry extensions and are not held to it);
//! - extKeyUsage, when present, not empty (§4.2.1.12);
//! - nameConstraints and policyConstraints critical (§4.2.1.10, §4.2.1.11; the latter can be
//!   tolerated through [`Profile::policy_constraints_critical`], which PKITS needs);
//!
//! and the end entity by [`check_end_entity`]: no nameConstraints and no keyCertSign without
//! basicConstraints cA (§4.2.1.10, §4.2.1.3).
//!
//! The trust anchor is not held to the profile (RFC 5937: an anchor is a name, a key and
//! constraints; how its certificate was encoded is not a property of the path). With anchor
//! constraints enforced (the default), [`check_anchor`] requires its certificate to be valid at
//! the validation time, a CA, and free of unknown critical extensions.

use super::cert::{Cert, ext, ku};
use super::reason::FailureReason;
use x509_cert::ext::pkix::name::GeneralName;

/// Profile rules that may be relaxed (everything else always applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// policyConstraints must be critical (RFC 5280 §4.2.1.11). Default true; NIST PKITS
    /// (2011) CA certificates carry it non-critical.
    pub policy_constraints_critical: bool,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            policy_constraints_critical: true,
        }
    }
}

/// Serial number, signature algorithm agreement and subjectAltName syntax.
pub fn check_encoding(cert: &Cert) -> Result<(), FailureReason> {
    check_serial(&cert.serial)?;
    if cert.tbs_sig_alg.0 != cert.sig_alg
        || !same_params(cert.tbs_sig_alg.1.as_deref(), cert.sig_params.as_deref())
    {
        let show = |o: &const_oid::ObjectIdentifier, p: Option<&[u8]>| match p {
            Some(p) => format!("{o} {}", hex::encode(p)),
            None => o.to_string(),
        };
        return Err(FailureReason::SignatureAlgorithmMismatch {
            tbs: show(&cert.tbs_sig_alg.0, cert.tbs_sig_alg.1.as_deref()),
            outer: show(&cert.sig_alg, cert.sig_params.as_deref()),
        });
    }
    if let Some(san) = &cert.san {
        check_san(san)?;
        if cert.subject.is_empty() && cert.critical(ext::SAN) == Some(false) {
            return Err(FailureReason::SubjectAltNameNotCritical);
        }
    }
    Ok(())
}

/// Absent parameters and an explicit NULL are the same parameters (RFC 4055 §2.1 lets RSA
/// algorithm identifiers carry either; encoders differ).
fn same_params(a: Option<&[u8]>, b: Option<&[u8]>) -> bool {
    const NULL: &[u8] = &[0x05, 0x00];
    a.unwrap_or(NULL) == b.unwrap_or(NULL)
}

/// RFC 5280 §4.1.2.2: a positive INTEGER of at most 20 octets.
pub fn check_serial(serial: &[u8]) -> Result<(), FailureReason> {
    if serial.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(FailureReason::SerialNumberNegative);
    }
    if serial.iter().all(|b| *b == 0) {
        return Err(FailureReason::SerialNumberZero);
    }
    if serial.len() > 20 {
        return Err(FailureReason::SerialNumberTooLong {
            octets: serial.len(),
        });
    }
    Ok(())
}

/// Extension criticality and presence rules for a certificate of the path. `self_signed`:
/// its signature verifies with its own key.
pub fn check_extensions(
    cert: &Cert,
    self_signed: bool,
    profile: &Profile,
) -> Result<(), FailureReason> {
    if cert.critical(ext::AKI) == Some(true) {
        return Err(FailureReason::CriticalAuthorityKeyId);
    }
    if cert.critical(ext::SKI) == Some(true) {
        return Err(FailureReason::CriticalSubjectKeyId);
    }
    if cert.version >= 2 {
        // The keyIdentifier field, not only the extension (RFC 5280 §4.2.1.1).
        if !self_signed && cert.aki.is_none() {
            return Err(FailureReason::MissingAuthorityKeyId);
        }
        if cert.is_ca() && cert.critical(ext::SKI).is_none() {
            return Err(FailureReason::MissingSubjectKeyId);
        }
    }
    if cert.eku.as_ref().is_some_and(|e| e.is_empty()) {
        return Err(FailureReason::EmptyExtendedKeyUsage);
    }
    if cert.critical(ext::NAME_CONSTRAINTS) == Some(false) {
        return Err(FailureReason::NameConstraintsNotCritical);
    }
    if profile.policy_constraints_critical && cert.critical(ext::POLICY_CONSTRAINTS) == Some(false)
    {
        return Err(FailureReason::PolicyConstraintsNotCritical);
    }
    Ok(())
}

/// The end entity (the target, when it is not a CA): no nameConstraints, no keyCertSign.
pub fn check_end_entity(cert: &Cert) -> Result<(), FailureReason> {
    if cert.is_ca() {
        return Ok(());
    }
    if cert.name_constraints.is_some() {
        return Err(FailureReason::NameConstraintsInEndEntity);
    }
    if cert.key_usage.is_some_and(|k| k & ku::KEY_CERT_SIGN != 0) {
        return Err(FailureReason::KeyCertSignInEndEntity);
    }
    Ok(())
}

/// RFC 5937 rules for the trust anchor's certificate at `time`.
pub fn check_anchor(anchor: &Cert, time: i64) -> Result<(), FailureReason> {
    if time < anchor.not_before {
        return Err(FailureReason::AnchorNotYetValid);
    }
    if time > anchor.not_after {
        return Err(FailureReason::AnchorExpired);
    }
    if !anchor.is_ca() {
        return Err(FailureReason::AnchorNotCa);
    }
    if !anchor.unknown_critical.is_empty() {
        return Err(FailureReason::AnchorUnknownCriticalExtension {
            oids: oid_list(&anchor.unknown_critical),
        });
    }
    Ok(())
}

/// OIDs joined with ", ".
pub fn oid_list(oids: &[const_oid::ObjectIdentifier]) -> String {
    oids.iter()
        .map(|o| o.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// subjectAltName syntax (RFC 5280 §4.2.1.6).
pub fn check_san(san: &[GeneralName]) -> Result<(), FailureReason> {
    let bad = |detail: String| Err(FailureReason::MalformedSubjectAltName { detail });
    if san.is_empty() {
        return bad("the extension has no entry".into());
    }
    for gn in san {
        let problem = match gn {
            GeneralName::Rfc822Name(m) if !valid_mailbox(m.as_str()) => {
                Some(format!("rfc822Name {:?}", m.as_str()))
            }
            GeneralName::DnsName(d) if !valid_dns_name(d.as_str(), true) => {
                Some(format!("dNSName {:?}", d.as_str()))
            }
            GeneralName::UniformResourceIdentifier(u) if !valid_uri(u.as_str()) => {
                Some(format!("uniformResourceIdentifier {:?}", u.as_str()))
            }
            GeneralName::IpAddress(ip) if ![4, 16].contains(&ip.as_bytes().len()) => Some(format!(
                "iPAddress of {} octets (4 or 16)",
                ip.as_bytes().len()
            )),
            _ => None,
        };
        if let Some(detail) = problem {
            return bad(detail);
        }
    }
    Ok(())
}

/// An rfc822Name mailbox: exactly one '@', a non-empty local part of printable ASCII without
/// spaces, a valid domain.
pub fn valid_mailbox(m: &str) -> bool {
    let mut parts = m.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && local.bytes().all(|b| b.is_ascii_graphic())
        && valid_dns_name(domain, false)
}

/// A domain name in preferred name syntax (RFC 1034 §3.5, RFC 1123 §2.1): labels of 1–63
/// letters, digits and hyphens, not starting or ending with a hyphen, at most 253 octets; with
/// `wildcard`, a first label `*` is allowed.
pub fn valid_dns_name(d: &str, wildcard: bool) -> bool {
    if d.is_empty() || d.len() > 253 {
        return false;
    }
    d.split('.').enumerate().all(|(i, label)| {
        (wildcard && i == 0 && label == "*" && d.len() > 2)
            || (!label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-'))
    })
}

/// An absolute URI (RFC 3986 §3): a scheme, a non-empty scheme-specific part of visible ASCII;
/// with an authority (`//`), a non-empty host.
pub fn valid_uri(u: &str) -> bool {
    let Some((scheme, rest)) = u.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
    if !scheme_ok || rest.is_empty() || !u.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    match rest.strip_prefix("//") {
        Some(after) => {
            let authority = after.split(['/', '?', '#']).next().unwrap_or("");
            let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let host = if hostport.starts_with('[') {
                hostport
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .trim_start_matches('[')
            } else {
                hostport.split(':').next().unwrap_or("")
            };
            !host.is_empty()
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes() {
        assert!(valid_mailbox("a@example.com"));
        assert!(valid_mailbox("first.last+tag@sub.example.cn"));
        assert!(!valid_mailbox("a@b@example.com"));
        assert!(!valid_mailbox("@example.com"));
        assert!(!valid_mailbox("a@"));
        assert!(!valid_mailbox("a@exa mple.com"));
        assert!(!valid_mailbox("a b@example.com"));
        assert!(!valid_mailbox("example.com"));
        assert!(!valid_mailbox("a@-bad.com"));
    }

    #[test]
    fn dns_names() {
        assert!(valid_dns_name("www.gov.cn", true));
        assert!(valid_dns_name("*.gov.cn", true));
        assert!(valid_dns_name("localhost", true));
        assert!(!valid_dns_name("*.gov.cn", false));
        assert!(!valid_dns_name("a.*.cn", true));
        assert!(!valid_dns_name("", true));
        assert!(!valid_dns_name("a..cn", true));
        assert!(!valid_dns_name("a.cn.", true));
        assert!(!valid_dns_name("-a.cn", true));
        assert!(!valid_dns_name("a_b.cn", true));
        assert!(!valid_dns_name("exa mple.cn", true));
        assert!(!valid_dns_name(&format!("{}.cn", "a".repeat(64)), true));
    }

    #[test]
    fn uris() {
        assert!(valid_uri("http://ca.example.cn/crl"));
        assert!(valid_uri("ldap://[2001:db8::1]/o=x"));
        assert!(valid_uri("urn:uuid:1234"));
        assert!(valid_uri("mailto:a@b.cn"));
        assert!(!valid_uri("//ca.example.cn/crl"));
        assert!(!valid_uri("ca.example.cn/crl"));
        assert!(!valid_uri("http:"));
        assert!(!valid_uri("http:///path"));
        assert!(!valid_uri("1http://x"));
        assert!(!valid_uri("http://x/a b"));
    }

    #[test]
    fn serials() {
        assert_eq!(check_serial(&[0]), Err(FailureReason::SerialNumberZero));
        assert_eq!(check_serial(&[]), Err(FailureReason::SerialNumberZero));
        assert_eq!(
            check_serial(&[0xff]),
            Err(FailureReason::SerialNumberNegative)
        );
        assert!(check_serial(&[0x00, 0xff]).is_ok());
        let mut twenty = vec![0x7f; 20];
        assert!(check_serial(&twenty).is_ok());
        twenty.push(1);
        assert_eq!(
            check_serial(&twenty),
            Err(FailureReason::SerialNumberTooLong { octets: 21 })
        );
        // 20 value octets behind a sign octet are 21 octets.
        let mut signed = vec![0x00];
        signed.extend([0x80; 20]);
        assert!(check_serial(&signed).is_err());
    }
}

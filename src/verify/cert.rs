//! A parsed certificate as the validator sees it: the exact signed bytes, the fields and the
//! extensions path validation needs, and RFC 5280 §7.1 name comparison.
//!
//! [`Cert`] is the one view of a certificate for path building, policies, names, purposes,
//! reports and recognition. [`Cert::shared`] parses through a bounded process-wide cache
//! keyed by the SHA-256 of the DER, so a certificate seen on every request (anchors,
//! intermediates, a TSU, a seal maker) is parsed once per process.

use super::reason::FailureReason;
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Encode, Sequence, Tag, Tagged};
use std::sync::Arc;
use x509_cert::ext::pkix::AccessDescription;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::name::Name;

mod cache;
pub use cache::{MAX_CACHED_BYTES, MAX_CACHED_CERTS};

/// Extension OIDs the validator understands (a critical extension outside this set fails).
pub mod ext {
    use const_oid::ObjectIdentifier as Oid;
    /// subjectKeyIdentifier
    pub const SKI: Oid = Oid::new_unwrap("2.5.29.14");
    /// keyUsage
    pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    /// subjectAltName
    pub const SAN: Oid = Oid::new_unwrap("2.5.29.17");
    /// issuerAltName
    pub const IAN: Oid = Oid::new_unwrap("2.5.29.18");
    /// basicConstraints
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    /// nameConstraints
    pub const NAME_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.30");
    /// cRLDistributionPoints
    pub const CRL_DP: Oid = Oid::new_unwrap("2.5.29.31");
    /// certificatePolicies
    pub const CERT_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
    /// policyMappings
    pub const POLICY_MAPPINGS: Oid = Oid::new_unwrap("2.5.29.33");
    /// authorityKeyIdentifier
    pub const AKI: Oid = Oid::new_unwrap("2.5.29.35");
    /// policyConstraints
    pub const POLICY_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.36");
    /// extKeyUsage
    pub const EKU: Oid = Oid::new_unwrap("2.5.29.37");
    /// freshestCRL
    pub const FRESHEST_CRL: Oid = Oid::new_unwrap("2.5.29.46");
    /// inhibitAnyPolicy
    pub const INHIBIT_ANY_POLICY: Oid = Oid::new_unwrap("2.5.29.54");
    /// authorityInfoAccess
    pub const AIA: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
    /// id-pkix-ocsp-nocheck
    pub const OCSP_NOCHECK: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.5");
    /// Processed by path validation.
    pub const UNDERSTOOD: [Oid; 16] = [
        SKI,
        KEY_USAGE,
        SAN,
        IAN,
        BASIC_CONSTRAINTS,
        NAME_CONSTRAINTS,
        CRL_DP,
        CERT_POLICIES,
        POLICY_MAPPINGS,
        AKI,
        POLICY_CONSTRAINTS,
        EKU,
        FRESHEST_CRL,
        INHIBIT_ANY_POLICY,
        AIA,
        OCSP_NOCHECK,
    ];
}

/// `SEQUENCE { tbs, signatureAlgorithm, signature }` keeping the exact signed bytes.
#[derive(Sequence)]
pub(crate) struct RawSigned<'a> {
    pub(crate) tbs: AnyRef<'a>,
    pub(crate) algorithm: spki::AlgorithmIdentifierRef<'a>,
    pub(crate) signature: BitStringRef<'a>,
}

/// A signed structure taken apart: (signed bytes, signature algorithm, its DER parameters,
/// signature value).
pub type SignedParts = (Vec<u8>, ObjectIdentifier, Option<Vec<u8>>, Vec<u8>);

/// Split a signed structure (certificate, CRL, …) into its exact signed bytes, algorithm
/// (OID and DER parameters) and signature value (empty when the BIT STRING has unused bits).
pub fn split_signed(der_bytes: &[u8]) -> Result<SignedParts, der::Error> {
    let raw = RawSigned::from_der(der_bytes)?;
    let params = match raw.algorithm.parameters.as_ref() {
        Some(p) => Some(p.to_der()?),
        None => None,
    };
    // A signature BIT STRING with unused bits is no signature value: it is kept empty, so
    // that the signature check (not the parser) fails and the path says which certificate
    // (or CRL) is to blame.
    let sig = raw
        .signature
        .as_bytes()
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    Ok((raw.tbs.to_der()?, raw.algorithm.oid, params, sig))
}

/// `TBSCertificate` decoded leniently: the serial as any INTEGER (negative allowed) and the
/// validity times as raw values, so that RFC 5280 UTCTime years 1950–1969 (which the
/// x509-cert parser refuses) are read correctly.
#[derive(Sequence)]
struct LenientTbs<'a> {
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    version: u8,
    serial: der::asn1::IntRef<'a>,
    signature: spki::AlgorithmIdentifierRef<'a>,
    issuer: Name,
    validity: LenientValidity<'a>,
    subject: Name,
    spki: spki::SubjectPublicKeyInfoRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    issuer_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    subject_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<x509_cert::ext::Extension>>,
}

#[derive(Sequence)]
struct LenientValidity<'a> {
    not_before: AnyRef<'a>,
    not_after: AnyRef<'a>,
}

/// Unix seconds of an X.509 Time: UTCTime (YYMMDDHHMMSSZ, years 1950–2049) or
/// GeneralizedTime (YYYYMMDDHHMMSSZ). Total: any byte string gives a value or an error (the
/// value is read as bytes, never sliced as text).
pub fn parse_time(t: &AnyRef<'_>) -> Result<i64, String> {
    let v = t.value();
    let shown = || String::from_utf8_lossy(v).into_owned();
    let (year, rest) = match (t.tag(), v.len(), v.last()) {
        (Tag::UtcTime, 13, Some(b'Z')) => {
            let yy = two_digits(&v[0..2]).ok_or_else(|| format!("bad time '{}'", shown()))?;
            let yy = i32::from(yy);
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &v[2..12])
        }
        (Tag::GeneralizedTime, 15, Some(b'Z')) => {
            let hi = two_digits(&v[0..2]).ok_or_else(|| format!("bad time '{}'", shown()))?;
            let lo = two_digits(&v[2..4]).ok_or_else(|| format!("bad time '{}'", shown()))?;
            (i32::from(hi) * 100 + i32::from(lo), &v[4..14])
        }
        _ => return Err(format!("unsupported time encoding '{}'", shown())),
    };
    let mut f = [0u8; 5];
    for (i, slot) in f.iter_mut().enumerate() {
        *slot =
            two_digits(&rest[2 * i..2 * i + 2]).ok_or_else(|| format!("bad time '{}'", shown()))?;
    }
    let [mo, d, h, mi, se] = f;
    let month = time::Month::try_from(mo).map_err(|_| format!("bad month in '{}'", shown()))?;
    let date = time::Date::from_calendar_date(year, month, d)
        .map_err(|_| format!("bad date in '{}'", shown()))?;
    let tm =
        time::Time::from_hms(h, mi, se).map_err(|_| format!("bad time of day in '{}'", shown()))?;
    Ok(time::PrimitiveDateTime::new(date, tm)
        .assume_utc()
        .unix_timestamp())
}

/// Two ASCII digits as a number; `None` for anything else.
fn two_digits(b: &[u8]) -> Option<u8> {
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => Some((a - b'0') * 10 + (c - b'0')),
        _ => None,
    }
}

/// Basic constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Basic {
    /// cA
    pub ca: bool,
    /// pathLenConstraint
    pub path_len: Option<u8>,
}

/// A certificate prepared for validation.
#[derive(Clone, Debug)]
pub struct Cert {
    /// DER.
    pub der: Vec<u8>,
    /// SHA-256 of the DER (identity for caches and loop detection).
    pub fingerprint: [u8; 32],
    /// The signed bytes.
    pub tbs_der: Vec<u8>,
    /// Signature algorithm.
    pub sig_alg: ObjectIdentifier,
    /// Its parameters (DER).
    pub sig_params: Option<Vec<u8>>,
    /// The signature algorithm inside the signed part (TBSCertificate.signature): OID and
    /// parameters (DER), which RFC 5280 §4.1.1.2 requires to equal the outer one.
    pub tbs_sig_alg: (ObjectIdentifier, Option<Vec<u8>>),
    /// Signature value.
    pub signature: Vec<u8>,
    /// SubjectPublicKeyInfo (DER).
    pub spki_der: Vec<u8>,
    /// Version (0 = v1, 2 = v3).
    pub version: u8,
    /// Serial number bytes (as encoded, may be negative).
    pub serial: Vec<u8>,
    /// Subject.
    pub subject: Name,
    /// Issuer.
    pub issuer: Name,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// subjectKeyIdentifier.
    pub ski: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier.
    pub aki: Option<Vec<u8>>,
    /// basicConstraints.
    pub basic: Option<Basic>,
    /// keyUsage bits (bit 0 = digitalSignature … 8 = decipherOnly).
    pub key_usage: Option<u16>,
    /// extKeyUsage.
    pub eku: Option<Vec<ObjectIdentifier>>,
    /// cRLDistributionPoints.
    pub crl_dps: Option<Vec<DistributionPoint>>,
    /// freshestCRL.
    pub freshest_crl: Option<Vec<DistributionPoint>>,
    /// Every extension present: its OID and whether it is marked critical.
    pub extensions: Vec<(ObjectIdentifier, bool)>,
    /// Critical extensions the validator does not understand.
    pub unknown_critical: Vec<ObjectIdentifier>,
    /// A malformed or duplicated extension, which invalidates the certificate.
    pub bad_extension: Option<super::reason::FailureReason>,
    /// subject == issuer.
    pub self_issued: bool,
    /// id-pkix-ocsp-nocheck present.
    pub ocsp_nocheck: bool,
    /// Policy-related content (certificatePolicies, policyMappings, policyConstraints,
    /// inhibitAnyPolicy).
    pub policy: super::policy::CertPolicyInfo,
    /// subjectAltName.
    pub san: Option<Vec<x509_cert::ext::pkix::name::GeneralName>>,
    /// nameConstraints.
    pub name_constraints: Option<x509_cert::ext::pkix::NameConstraints>,
    /// The access descriptions of every authorityInfoAccess extension, in order (one that
    /// does not decode is skipped).
    pub aia: Vec<AccessDescription>,
    /// [`dn_string`] of the subject, made on first use: reports and notes name the same
    /// cached certificates on every request.
    subject_text: std::sync::OnceLock<String>,
    /// [`dn_string`] of the issuer, made on first use.
    issuer_text: std::sync::OnceLock<String>,
}

/// keyUsage bit numbers.
pub mod ku {
    /// digitalSignature
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// nonRepudiation
    pub const NON_REPUDIATION: u16 = 1 << 1;
    /// keyEncipherment
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    /// keyCertSign
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign
    pub const CRL_SIGN: u16 = 1 << 6;
}

impl Cert {
    /// The parsed view of a DER certificate, through the process-wide cache (keyed by the
    /// SHA-256 of the DER, at most [`MAX_CACHED_CERTS`] certificates and
    /// [`MAX_CACHED_BYTES`] of DER, least recently used first out). Parses as
    /// [`Cert::from_der`]; a certificate that does not parse is not cached.
    pub fn shared(der_bytes: &[u8]) -> Result<Arc<Cert>, String> {
        let fingerprint = crate::crypto::sha256(der_bytes);
        if let Some(hit) = cache::get(&fingerprint) {
            return Ok(hit);
        }
        let cert = Arc::new(Cert::parse(der_bytes, fingerprint)?);
        cache::put(&cert);
        Ok(cert)
    }

    /// Parse a DER certificate (lenient profile: negative serials and other legacy encodings
    /// parse; whether they are acceptable is for validation to say). Not cached: prefer
    /// [`Cert::shared`].
    pub fn from_der(der_bytes: &[u8]) -> Result<Cert, String> {
        Cert::parse(der_bytes, crate::crypto::sha256(der_bytes))
    }

    fn parse(der_bytes: &[u8], fingerprint: [u8; 32]) -> Result<Cert, String> {
        let (tbs_der, sig_alg, sig_params, signature) =
            split_signed(der_bytes).map_err(|e| format!("not a certificate: {e}"))?;
        let tbs = LenientTbs::from_der(&tbs_der).map_err(|e| format!("not a certificate: {e}"))?;
        let spki_der = tbs.spki.to_der().map_err(|e| e.to_string())?;
        let tbs_sig_params = match tbs.signature.parameters.as_ref() {
            Some(p) => Some(p.to_der().map_err(|e| e.to_string())?),
            None => None,
        };
        let mut cert = Cert {
            der: der_bytes.to_vec(),
            fingerprint,
            sig_alg,
            sig_params,
            tbs_sig_alg: (tbs.signature.oid, tbs_sig_params),
            signature,
            spki_der,
            version: tbs.version,
            serial: tbs.serial.as_bytes().to_vec(),
            subject: tbs.subject.clone(),
            issuer: tbs.issuer.clone(),
            not_before: parse_time(&tbs.validity.not_before)?,
            not_after: parse_time(&tbs.validity.not_after)?,
            ski: None,
            aki: None,
            basic: None,
            key_usage: None,
            eku: None,
            crl_dps: None,
            freshest_crl: None,
            extensions: vec![],
            unknown_critical: vec![],
            bad_extension: None,
            self_issued: false,
            ocsp_nocheck: false,
            tbs_der: Vec::new(),
            policy: super::policy::CertPolicyInfo::default(),
            san: None,
            name_constraints: None,
            aia: vec![],
            subject_text: Default::default(),
            issuer_text: Default::default(),
        };
        let extensions = tbs.extensions.clone().unwrap_or_default();
        cert.tbs_der = tbs_der.clone();
        cert.self_issued = names_equal(&cert.subject, &cert.issuer);
        cert.policy.self_issued = cert.self_issued;
        for e in &extensions {
            if cert.extensions.iter().any(|(o, _)| *o == e.extn_id) {
                cert.bad_extension = Some(FailureReason::MalformedExtension {
                    detail: format!("duplicate extension {}", e.extn_id),
                });
            }
            cert.extensions.push((e.extn_id, e.critical));
            let v = e.extn_value.as_bytes();
            let bad = |cert: &mut Cert, what: &str| {
                cert.bad_extension = Some(FailureReason::MalformedExtension {
                    detail: format!("malformed {what} extension"),
                })
            };
            match e.extn_id {
                ext::SKI => match x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(v) {
                    Ok(s) => cert.ski = Some(s.0.as_bytes().to_vec()),
                    Err(_) => bad(&mut cert, "subjectKeyIdentifier"),
                },
                ext::AKI => match x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(v) {
                    Ok(a) => cert.aki = a.key_identifier.map(|k| k.as_bytes().to_vec()),
                    Err(_) => bad(&mut cert, "authorityKeyIdentifier"),
                },
                ext::BASIC_CONSTRAINTS => match x509_cert::ext::pkix::BasicConstraints::from_der(v)
                {
                    Ok(b) => {
                        cert.basic = Some(Basic {
                            ca: b.ca,
                            path_len: b.path_len_constraint,
                        })
                    }
                    Err(_) => bad(&mut cert, "basicConstraints"),
                },
                ext::KEY_USAGE => match x509_cert::ext::pkix::KeyUsage::from_der(v) {
                    Ok(k) => cert.key_usage = Some(k.0.bits()),
                    Err(_) => bad(&mut cert, "keyUsage"),
                },
                ext::EKU => match x509_cert::ext::pkix::ExtendedKeyUsage::from_der(v) {
                    Ok(k) => cert.eku = Some(k.0),
                    Err(_) => bad(&mut cert, "extKeyUsage"),
                },
                ext::CRL_DP => match x509_cert::ext::pkix::CrlDistributionPoints::from_der(v) {
                    Ok(d) => cert.crl_dps = Some(d.0),
                    Err(_) => bad(&mut cert, "cRLDistributionPoints"),
                },
                ext::FRESHEST_CRL => match x509_cert::ext::pkix::FreshestCrl::from_der(v) {
                    Ok(d) => cert.freshest_crl = Some(d.0),
                    Err(_) => bad(&mut cert, "freshestCRL"),
                },
                ext::OCSP_NOCHECK => cert.ocsp_nocheck = true,
                ext::CERT_POLICIES => {
                    match x509_cert::ext::pkix::CertificatePolicies::from_der(v) {
                        Ok(p) => {
                            let oids: Vec<ObjectIdentifier> =
                                p.0.iter().map(|i| i.policy_identifier).collect();
                            let mut uniq = oids.clone();
                            uniq.sort();
                            uniq.dedup();
                            if uniq.len() != oids.len() {
                                bad(&mut cert, "certificatePolicies (duplicate policy)");
                            }
                            cert.policy.policies = Some(oids);
                        }
                        Err(_) => bad(&mut cert, "certificatePolicies"),
                    }
                }
                ext::POLICY_MAPPINGS => match x509_cert::ext::pkix::PolicyMappings::from_der(v) {
                    Ok(m) => {
                        cert.policy.mappings = Some(
                            m.0.iter()
                                .map(|x| (x.issuer_domain_policy, x.subject_domain_policy))
                                .collect(),
                        )
                    }
                    Err(_) => bad(&mut cert, "policyMappings"),
                },
                ext::POLICY_CONSTRAINTS => {
                    match x509_cert::ext::pkix::PolicyConstraints::from_der(v) {
                        Ok(pc) => {
                            cert.policy.require_explicit_policy = pc.require_explicit_policy;
                            cert.policy.inhibit_policy_mapping = pc.inhibit_policy_mapping;
                        }
                        Err(_) => bad(&mut cert, "policyConstraints"),
                    }
                }
                ext::INHIBIT_ANY_POLICY => {
                    match x509_cert::ext::pkix::InhibitAnyPolicy::from_der(v) {
                        Ok(i) => cert.policy.inhibit_any_policy = Some(i.0),
                        Err(_) => bad(&mut cert, "inhibitAnyPolicy"),
                    }
                }
                ext::SAN => match x509_cert::ext::pkix::SubjectAltName::from_der(v) {
                    Ok(n) => cert.san = Some(n.0),
                    Err(_) => {
                        cert.bad_extension = Some(FailureReason::MalformedSubjectAltName {
                            detail: "the extension does not decode (e.g. a name that is not IA5)"
                                .into(),
                        })
                    }
                },
                ext::NAME_CONSTRAINTS => match x509_cert::ext::pkix::NameConstraints::from_der(v) {
                    Ok(n) => cert.name_constraints = Some(n),
                    Err(_) => bad(&mut cert, "nameConstraints"),
                },
                ext::AIA => {
                    if let Ok(a) = x509_cert::ext::pkix::AuthorityInfoAccessSyntax::from_der(v) {
                        cert.aia.extend(a.0);
                    }
                }
                o if ext::UNDERSTOOD.contains(&o) => {}
                o => {
                    if e.critical {
                        cert.unknown_critical.push(o);
                    }
                }
            }
        }
        Ok(cert)
    }

    /// Whether keyUsage (if present) has `bits`.
    pub fn allows_usage(&self, bits: u16) -> bool {
        self.key_usage.is_none_or(|k| k & bits == bits)
    }

    /// The name-constraint view of this certificate.
    pub fn names(&self) -> super::names::CertNames {
        super::names::CertNames {
            subject: self.subject.clone(),
            san: self.san.clone(),
            constraints: self.name_constraints.clone(),
            self_issued: self.self_issued,
        }
    }

    /// Whether the extension `oid` is present and marked critical (`None`: absent).
    pub fn critical(&self, oid: ObjectIdentifier) -> Option<bool> {
        self.extensions
            .iter()
            .find(|(o, _)| *o == oid)
            .map(|(_, c)| *c)
    }

    /// basicConstraints cA.
    pub fn is_ca(&self) -> bool {
        self.basic.is_some_and(|b| b.ca)
    }

    /// Short display: subject and serial.
    pub fn describe(&self) -> String {
        format!(
            "{} (serial {})",
            self.subject_text(),
            hex::encode_upper(&self.serial)
        )
    }

    /// The subject as [`dn_string`] renders it (computed once per certificate).
    pub fn subject_text(&self) -> &str {
        self.subject_text.get_or_init(|| dn_string(&self.subject))
    }

    /// The issuer as [`dn_string`] renders it (computed once per certificate).
    pub fn issuer_text(&self) -> &str {
        self.issuer_text.get_or_init(|| dn_string(&self.issuer))
    }
}

/// Two distinguished names are equal under RFC 5280 §7.1 (the one comparison of the crate:
/// [`super::names::dn_equal`]); identical encodings, the usual case, need no normalisation.
pub fn names_equal(a: &Name, b: &Name) -> bool {
    a == b || super::names::dn_equal(a, b)
}

/// A cheap RFC 4514-style rendering of a DN (most significant RDN last, as `openssl -nameopt
/// RFC2253` prints): short names for the common attribute types, dotted OIDs otherwise, string
/// values as text. Unlike x509-cert's `Display` it does not search the OID database, which
/// matters on the validation hot path.
pub fn dn_string(name: &Name) -> String {
    let mut parts: Vec<String> = Vec::new();
    for rdn in name.iter_rdn() {
        let atvs: Vec<String> = rdn
            .iter()
            .map(|atv| {
                let key = match atv.oid.to_string().as_str() {
                    "2.5.4.3" => "CN".to_string(),
                    "2.5.4.6" => "C".to_string(),
                    "2.5.4.7" => "L".to_string(),
                    "2.5.4.8" => "ST".to_string(),
                    "2.5.4.10" => "O".to_string(),
                    "2.5.4.11" => "OU".to_string(),
                    "2.5.4.5" => "serialNumber".to_string(),
                    "2.5.4.97" => "organizationIdentifier".to_string(),
                    "1.2.840.113549.1.9.1" => "emailAddress".to_string(),
                    "0.9.2342.19200300.100.1.25" => "DC".to_string(),
                    other => other.to_string(),
                };
                let value = match atv.value.tag() {
                    Tag::PrintableString
                    | Tag::Utf8String
                    | Tag::Ia5String
                    | Tag::TeletexString
                    | Tag::VisibleString => String::from_utf8_lossy(atv.value.value()).into_owned(),
                    _ => format!("#{}", hex::encode(atv.value.value())),
                };
                let escaped: String = value
                    .chars()
                    .flat_map(|c| {
                        if ",+\"\\<>;=".contains(c) {
                            vec!['\\', c]
                        } else {
                            vec![c]
                        }
                    })
                    .collect();
                format!("{key}={escaped}")
            })
            .collect();
        parts.push(atvs.join("+"));
    }
    parts.reverse();
    parts.join(",")
}

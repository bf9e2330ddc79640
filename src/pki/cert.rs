//! Building and signing X.509 v3 certificates.
//!
//! The `TBSCertificate` is our own `der`-derived structure (x509-cert 0.3 keeps its fields
//! private and its builder profiles are CA/Browser-Forum web profiles), signed through the
//! [`Signer`] trait, and the result is re-parsed with `x509_cert::Certificate` before it is
//! handed out. Extensions use the x509-cert extension types.

use crate::crypto::{CryptoError, Signer, sha256};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, Ia5String, Null, OctetString};
use der::{Decode, Encode, Sequence, Tag};
use std::time::Duration;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, FreshestCrl, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::Time;

/// Attribute type OIDs used in subjects.
pub mod attr {
    use const_oid::ObjectIdentifier as Oid;
    /// commonName
    pub const CN: Oid = Oid::new_unwrap("2.5.4.3");
    /// serialNumber
    pub const SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
    /// countryName
    pub const C: Oid = Oid::new_unwrap("2.5.4.6");
    /// localityName
    pub const L: Oid = Oid::new_unwrap("2.5.4.7");
    /// stateOrProvinceName
    pub const ST: Oid = Oid::new_unwrap("2.5.4.8");
    /// organizationName
    pub const O: Oid = Oid::new_unwrap("2.5.4.10");
    /// organizationalUnitName
    pub const OU: Oid = Oid::new_unwrap("2.5.4.11");
    /// organizationIdentifier (X.520, ETSI EN 319 412-1 §5.1.4)
    pub const ORGANIZATION_IDENTIFIER: Oid = Oid::new_unwrap("2.5.4.97");
}

/// Extension OIDs not covered by x509-cert's `AssociatedOid`.
pub mod ext_oid {
    use const_oid::ObjectIdentifier as Oid;
    /// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1)
    pub const OCSP_NOCHECK: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.5");
    /// id-ad-ocsp
    pub const AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
    /// id-ad-caIssuers
    pub const AD_CA_ISSUERS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.2");
    /// anyPolicy
    pub const ANY_POLICY: Oid = Oid::new_unwrap("2.5.29.32.0");
}

/// Errors building a certificate.
#[derive(Debug, thiserror::Error)]
pub enum CertBuildError {
    /// DER encoding failed (e.g. a string not representable in its ASN.1 type).
    #[error("encoding: {0}")]
    Encoding(String),
    /// Signing failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<der::Error> for CertBuildError {
    fn from(e: der::Error) -> Self {
        CertBuildError::Encoding(e.to_string())
    }
}

/// ASN.1 string types a name attribute may use.
#[derive(Clone, Copy, Debug)]
pub enum StringKind {
    /// UTF8String (names, may be Chinese).
    Utf8,
    /// PrintableString (country, serialNumber).
    Printable,
}

/// Builds a distinguished name, one attribute per RDN, in the order added.
#[derive(Default, Clone, Debug)]
pub struct NameBuilder {
    rdns: Vec<(ObjectIdentifier, StringKind, String)>,
}

impl NameBuilder {
    /// An empty name.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an attribute.
    pub fn push(mut self, oid: ObjectIdentifier, kind: StringKind, value: &str) -> Self {
        self.rdns.push((oid, kind, value.to_string()));
        self
    }

    /// Encode.
    pub fn build(&self) -> Result<Name, CertBuildError> {
        let mut rdns = Vec::new();
        for (oid, kind, value) in &self.rdns {
            let tag = match kind {
                StringKind::Utf8 => Tag::Utf8String,
                StringKind::Printable => {
                    der::asn1::PrintableStringRef::new(value)?;
                    Tag::PrintableString
                }
            };
            let atv = AttributeTypeAndValue {
                oid: *oid,
                value: Any::new(tag, value.as_bytes())?,
            };
            rdns.push(RelativeDistinguishedName::try_from(vec![atv])?);
        }
        let seq = RdnSequence::from(rdns);
        Ok(Name::from_der(&seq.to_der()?)?)
    }
}

/// `Validity ::= SEQUENCE { notBefore Time, notAfter Time }`.
#[derive(Clone, Debug, Sequence)]
struct ValidityOut {
    not_before: Time,
    not_after: Time,
}

/// RFC 5280 §4.1:
/// ```text
/// TBSCertificate  ::=  SEQUENCE  {
///      version         [0]  EXPLICIT Version DEFAULT v1,
///      serialNumber         CertificateSerialNumber,
///      signature            AlgorithmIdentifier,
///      issuer               Name,
///      validity             Validity,
///      subject              Name,
///      subjectPublicKeyInfo SubjectPublicKeyInfo,
///      extensions      [3]  EXPLICIT Extensions OPTIONAL }
/// ```
/// (issuerUniqueID and subjectUniqueID are never produced, RFC 5280 §4.1.2.8.)
#[derive(Clone, Debug, Sequence)]
struct TbsCertificateOut {
    #[asn1(context_specific = "0", default = "Default::default")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: ValidityOut,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }`.
#[derive(Clone, Debug, Sequence)]
struct CertificateOut {
    tbs_certificate: TbsCertificateOut,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// Everything a certificate says, before it is signed.
#[derive(Clone, Debug)]
pub struct CertificateTemplate {
    /// Serial number bytes (big-endian, positive).
    pub serial: Vec<u8>,
    /// Issuer name (the subject of the issuing certificate, or the subject for a root).
    pub issuer: Name,
    /// Subject name.
    pub subject: Name,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// Subject public key (DER SubjectPublicKeyInfo).
    pub spki_der: Vec<u8>,
    /// Extensions, in order.
    pub extensions: Vec<Extension>,
}

/// RFC 5280 Time from Unix seconds: UTCTime through 2049, GeneralizedTime from 2050.
pub fn time_from_unix(secs: i64) -> Result<Time, CertBuildError> {
    let secs =
        u64::try_from(secs).map_err(|_| CertBuildError::Encoding("time before 1970".into()))?;
    let dt = der::DateTime::from_unix_duration(Duration::from_secs(secs))?;
    Ok(if dt.year() < 2050 {
        Time::UtcTime(der::asn1::UtcTime::from_date_time(dt)?)
    } else {
        Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt))
    })
}

/// Unix seconds of an X.509 time.
pub fn unix_from_time(t: &Time) -> i64 {
    t.to_unix_duration().as_secs() as i64
}

/// Sign a template with `signer`; returns the certificate DER.
pub fn sign_certificate(
    tpl: &CertificateTemplate,
    signer: &dyn Signer,
) -> Result<Vec<u8>, CertBuildError> {
    let sig_alg = AlgorithmIdentifierOwned {
        oid: signer.signature_algorithm_oid(),
        parameters: None,
    };
    let tbs = TbsCertificateOut {
        version: Version::V3,
        serial_number: SerialNumber::new(&tpl.serial)?,
        signature: sig_alg.clone(),
        issuer: tpl.issuer.clone(),
        validity: ValidityOut {
            not_before: time_from_unix(tpl.not_before)?,
            not_after: time_from_unix(tpl.not_after)?,
        },
        subject: tpl.subject.clone(),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(&tpl.spki_der)?,
        extensions: if tpl.extensions.is_empty() {
            None
        } else {
            Some(tpl.extensions.clone())
        },
    };
    let tbs_der = tbs.to_der()?;
    let sig = signer.sign(&tbs_der)?;
    let cert = CertificateOut {
        tbs_certificate: tbs,
        signature_algorithm: sig_alg,
        signature: BitString::from_bytes(&sig)?,
    };
    let der_bytes = cert.to_der()?;
    // Round-trip through the standard parser: what we hand out must parse as a certificate.
    x509_cert::Certificate::from_der(&der_bytes)?;
    Ok(der_bytes)
}

/// Key identifier per RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 of the
/// subjectPublicKey BIT STRING value.
pub fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>, CertBuildError> {
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der)?;
    Ok(sha256(spki.subject_public_key.raw_bytes())[..20].to_vec())
}

fn ext<T: Encode>(
    oid: ObjectIdentifier,
    critical: bool,
    value: &T,
) -> Result<Extension, CertBuildError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn uri(s: &str) -> Result<GeneralName, CertBuildError> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(s)?))
}

/// Extension constructors.
pub mod extensions {
    use super::*;
    use const_oid::AssociatedOid;

    /// basicConstraints (critical).
    pub fn basic_constraints(ca: bool, path_len: Option<u8>) -> Result<Extension, CertBuildError> {
        ext(
            BasicConstraints::OID,
            true,
            &BasicConstraints {
                ca,
                path_len_constraint: path_len,
            },
        )
    }

    /// keyUsage (critical) from RFC 5280 names.
    pub fn key_usage(names: &[&str]) -> Result<Extension, CertBuildError> {
        let mut flags = der::flagset::FlagSet::<KeyUsages>::default();
        for n in names {
            flags |= match *n {
                "digitalSignature" => KeyUsages::DigitalSignature,
                "nonRepudiation" => KeyUsages::NonRepudiation,
                "keyEncipherment" => KeyUsages::KeyEncipherment,
                "dataEncipherment" => KeyUsages::DataEncipherment,
                "keyAgreement" => KeyUsages::KeyAgreement,
                "keyCertSign" => KeyUsages::KeyCertSign,
                "cRLSign" => KeyUsages::CRLSign,
                "encipherOnly" => KeyUsages::EncipherOnly,
                "decipherOnly" => KeyUsages::DecipherOnly,
                other => {
                    return Err(CertBuildError::Encoding(format!(
                        "unknown key usage {other}"
                    )));
                }
            };
        }
        ext(KeyUsage::OID, true, &KeyUsage(flags))
    }

    /// extKeyUsage.
    pub fn extended_key_usage(
        oids: Vec<ObjectIdentifier>,
        critical: bool,
    ) -> Result<Extension, CertBuildError> {
        ext(ExtendedKeyUsage::OID, critical, &ExtendedKeyUsage(oids))
    }

    /// subjectKeyIdentifier.
    pub fn subject_key_identifier(id: &[u8]) -> Result<Extension, CertBuildError> {
        ext(
            SubjectKeyIdentifier::OID,
            false,
            &SubjectKeyIdentifier(OctetString::new(id)?),
        )
    }

    /// authorityKeyIdentifier (keyIdentifier only).
    pub fn authority_key_identifier(id: &[u8]) -> Result<Extension, CertBuildError> {
        ext(
            AuthorityKeyIdentifier::OID,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(id)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )
    }

    /// certificatePolicies (no qualifiers).
    pub fn certificate_policies(oids: &[ObjectIdentifier]) -> Result<Extension, CertBuildError> {
        let infos = oids
            .iter()
            .map(|o| PolicyInformation {
                policy_identifier: *o,
                policy_qualifiers: None,
            })
            .collect();
        ext(CertificatePolicies::OID, false, &CertificatePolicies(infos))
    }

    fn dp(url: &str) -> Result<DistributionPoint, CertBuildError> {
        Ok(DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![uri(url)?])),
            reasons: None,
            crl_issuer: None,
        })
    }

    /// cRLDistributionPoints with one URL.
    pub fn crl_distribution_point(url: &str) -> Result<Extension, CertBuildError> {
        ext(
            CrlDistributionPoints::OID,
            false,
            &CrlDistributionPoints(vec![dp(url)?]),
        )
    }

    /// freshestCRL (delta CRL pointer) with one URL.
    pub fn freshest_crl(url: &str) -> Result<Extension, CertBuildError> {
        ext(FreshestCrl::OID, false, &FreshestCrl(vec![dp(url)?]))
    }

    /// authorityInfoAccess with OCSP and caIssuers URLs.
    pub fn authority_info_access(
        ocsp: &str,
        ca_issuers: &str,
    ) -> Result<Extension, CertBuildError> {
        ext(
            AuthorityInfoAccessSyntax::OID,
            false,
            &AuthorityInfoAccessSyntax(vec![
                AccessDescription {
                    access_method: ext_oid::AD_OCSP,
                    access_location: uri(ocsp)?,
                },
                AccessDescription {
                    access_method: ext_oid::AD_CA_ISSUERS,
                    access_location: uri(ca_issuers)?,
                },
            ]),
        )
    }

    /// subjectAltName.
    pub fn subject_alt_name(names: Vec<GeneralName>) -> Result<Extension, CertBuildError> {
        ext(SubjectAltName::OID, false, &SubjectAltName(names))
    }

    /// id-pkix-ocsp-nocheck (value NULL).
    pub fn ocsp_no_check() -> Result<Extension, CertBuildError> {
        ext(ext_oid::OCSP_NOCHECK, false, &Null)
    }

    /// policyMappings (critical, as RFC 5280 §4.2.1.5 recommends): pairs of
    /// (issuerDomainPolicy, subjectDomainPolicy), in the order given.
    pub fn policy_mappings(
        pairs: &[(ObjectIdentifier, ObjectIdentifier)],
    ) -> Result<Extension, CertBuildError> {
        use x509_cert::ext::pkix::{PolicyMapping, PolicyMappings};
        let value = PolicyMappings(
            pairs
                .iter()
                .map(|(issuer, subject)| PolicyMapping {
                    issuer_domain_policy: *issuer,
                    subject_domain_policy: *subject,
                })
                .collect(),
        );
        ext(PolicyMappings::OID, true, &value)
    }

    /// nameConstraints (critical, RFC 5280 §4.2.1.10): permitted and excluded subtrees
    /// (minimum 0, no maximum); an empty list leaves that field out.
    pub fn name_constraints(
        permitted: Vec<GeneralName>,
        excluded: Vec<GeneralName>,
    ) -> Result<Extension, CertBuildError> {
        use x509_cert::ext::pkix::NameConstraints;
        use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
        let subtrees = |names: Vec<GeneralName>| {
            (!names.is_empty()).then(|| {
                names
                    .into_iter()
                    .map(|base| GeneralSubtree {
                        base,
                        minimum: 0,
                        maximum: None,
                    })
                    .collect::<Vec<_>>()
            })
        };
        let value = NameConstraints {
            permitted_subtrees: subtrees(permitted),
            excluded_subtrees: subtrees(excluded),
        };
        ext(NameConstraints::OID, true, &value)
    }

    /// policyConstraints (critical, RFC 5280 §4.2.1.11): requireExplicitPolicy and
    /// inhibitPolicyMapping as SkipCerts.
    pub fn policy_constraints(
        require_explicit_policy: Option<u32>,
        inhibit_policy_mapping: Option<u32>,
    ) -> Result<Extension, CertBuildError> {
        use x509_cert::ext::pkix::PolicyConstraints;
        let value = PolicyConstraints {
            require_explicit_policy,
            inhibit_policy_mapping,
        };
        ext(PolicyConstraints::OID, true, &value)
    }
}

/// PEM-encode a certificate.
pub fn to_pem(der_bytes: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der_bytes).unwrap_or_default()
}

/// A self-signed certificate and its signer, for unit tests of signing code.
#[cfg(test)]
pub(crate) fn self_signed_for_tests(
    alg: crate::crypto::Algorithm,
    cn: &str,
    serial: &[u8],
) -> (crate::crypto::SoftwareSigner, Vec<u8>) {
    let key = crate::crypto::PrivateKey::generate(alg).unwrap();
    let signer = key.signer().unwrap();
    let name = NameBuilder::new()
        .push(attr::CN, StringKind::Utf8, cn)
        .build()
        .unwrap();
    let tpl = CertificateTemplate {
        serial: serial.to_vec(),
        issuer: name.clone(),
        subject: name,
        not_before: 1_700_000_000,
        not_after: 1_900_000_000,
        spki_der: key.public_key_spki_der().unwrap(),
        extensions: vec![],
    };
    let der_bytes = sign_certificate(&tpl, &signer).unwrap();
    (signer, der_bytes)
}

//! The RFC 5035 ESS structures of the signingCertificateV2 signed attribute every token
//! carries: [`SigningCertificateV2`], [`EssCertIdV2`], [`IssuerSerial`].
//!
//! Owns the structure definitions; must not import the responder, the client or token
//! parsing.
use der::Sequence;
use der::asn1::{BitString, OctetString};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

/// RFC 5035 §3 / RFC 5755 §4.1:
/// ```text
/// IssuerSerial ::= SEQUENCE {
///     issuer         GeneralNames,
///     serialNumber   CertificateSerialNumber,
///     issuerUID      UniqueIdentifier OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    /// The certificate issuer (a directoryName).
    pub issuer: Vec<GeneralName>,
    /// The certificate serial number.
    pub serial_number: SerialNumber,
    /// Issuer unique identifier (never produced).
    #[asn1(optional = "true")]
    pub issuer_uid: Option<BitString>,
}

/// RFC 5035 §4:
/// ```text
/// ESSCertIDv2 ::=  SEQUENCE {
///     hashAlgorithm           AlgorithmIdentifier
///            DEFAULT {algorithm id-sha256},
///     certHash                 Hash,
///     issuerSerial             IssuerSerial OPTIONAL }
///
/// Hash ::= OCTET STRING
/// ```
/// `hash_algorithm: None` means SHA-256 (DER omits a DEFAULT value).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    /// Hash algorithm of `cert_hash`; `None` is SHA-256.
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    /// Hash of the whole DER certificate.
    pub cert_hash: OctetString,
    /// Issuer and serial of the certificate.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// RFC 5035 §3:
/// ```text
/// SigningCertificateV2 ::=  SEQUENCE {
///     certs        SEQUENCE OF ESSCertIDv2,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    /// The signing certificate first, then optionally others.
    pub certs: Vec<EssCertIdV2>,
    /// Policies (never produced).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

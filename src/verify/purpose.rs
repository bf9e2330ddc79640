//! What a certificate is validated *for*. Every validation names a [`Purpose`]; there is no
//! "any certificate". A purpose states the extended key usage and the key usage the end
//! entity must carry and which trust source may vouch for it (see `SECURITY.md`).
//!
//! EKU rules (RFC 5280 §4.2.1.12): for our own service purposes (seal maker, trust-list
//! signer) and for the purposes RFC 3161 / RFC 6960 define (TSU, OCSP signer) the extension
//! must be present and contain the purpose's OID — anyExtendedKeyUsage is not enough. For a
//! document signer the extension may be absent (RFC 5280: any purpose), but when present it
//! must name a signing purpose (documentSigning, emailProtection, clientAuth as Chinese
//! CAs issue, or anyExtendedKeyUsage); a certificate made only for time-stamping, OCSP or
//! server authentication does not sign documents.
//!
//! A seal maker's EKU is decided by its *recognition* (our seal-making EKU under our anchors,
//! a granted seal-maker service of a recognized peer's list, or a certificate the relying
//! party names), which the seal verifier requires after the chain validated: without it the
//! seal is never PASSED. The path check here requires its key usage and that it is not a CA.
//! Must not import HTTP, SQL or `trust`.

use super::cert::{Cert, ku};
use const_oid::ObjectIdentifier as Oid;
use serde::Serialize;

/// id-kp-serverAuth.
pub const EKU_SERVER_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.1");
/// id-kp-clientAuth.
pub const EKU_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-kp-emailProtection.
pub const EKU_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
/// id-kp-timeStamping.
pub const EKU_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
/// id-kp-OCSPSigning.
pub const EKU_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");
/// id-kp-documentSigning (RFC 9336).
pub const EKU_DOCUMENT_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.36");
/// anyExtendedKeyUsage.
pub const EKU_ANY: Oid = Oid::new_unwrap("2.5.29.37.0");
/// Our seal-making purpose (id-kp-sealMaking under the project's arc).
pub const EKU_SEAL_MAKING: Oid = Oid::new_unwrap("1.3.6.1.4.1.32473.1.3.1");
/// Our trust-list signing purpose.
pub const EKU_TRUST_LIST_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.4.1.32473.1.3.2");
/// Our e-licence QR signing purpose.
pub const EKU_LICENCE_QR_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.4.1.32473.1.3.3");

/// What a certificate is validated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Signs seals (SESeal): the seal maker (制章者).
    SealMaker,
    /// Signs documents, SES_Signatures, CMS: a person's or organization's signing key.
    DocumentSigner,
    /// A time-stamping unit (RFC 3161).
    Tsu,
    /// A delegated OCSP responder (RFC 6960).
    OcspSigner,
    /// Signs the region's trust list.
    TrustListSigner,
    /// Signs e-licence QR payloads.
    LicenceQrSigner,
    /// A certification authority (keyCertSign).
    Ca,
    /// Signs CRLs for a CA (indirect CRL issuer or the CA itself).
    CrlSigner,
    /// Authenticates a client (TLS client, log-in).
    ClientAuth,
    /// Authenticates a server (TLS server, devices).
    ServerAuth,
}

/// Why the end entity does not fit the purpose.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PurposeError {
    /// The EKU extension is absent and the purpose needs it.
    #[error("the certificate has no extendedKeyUsage; {purpose} requires {needed}")]
    EkuMissing {
        /// The purpose's name.
        purpose: &'static str,
        /// What it requires.
        needed: String,
    },
    /// The EKU extension lacks what the purpose needs.
    #[error("extendedKeyUsage does not allow {purpose} (needs {needed})")]
    EkuMismatch {
        /// The purpose's name.
        purpose: &'static str,
        /// What it requires.
        needed: String,
    },
    /// The EKU extension is present but empty (RFC 5280: at least one purpose).
    #[error("extendedKeyUsage is empty")]
    EkuEmpty,
    /// keyUsage does not allow the purpose.
    #[error("keyUsage does not allow {purpose} (needs {needed})")]
    KeyUsage {
        /// The purpose's name.
        purpose: &'static str,
        /// What it requires.
        needed: &'static str,
    },
    /// keyUsage is absent and the purpose needs it.
    #[error("the certificate has no keyUsage; {purpose} requires {needed}")]
    KeyUsageMissing {
        /// The purpose's name.
        purpose: &'static str,
        /// What it requires.
        needed: &'static str,
    },
    /// basicConstraints does not make it a CA.
    #[error("not a CA certificate (basicConstraints cA)")]
    NotCa,
    /// A CA certificate used as a leaf signer.
    #[error("a CA certificate cannot be used as {purpose}")]
    IsCa {
        /// The purpose's name.
        purpose: &'static str,
    },
    /// RFC 3161 §2.3: the TSU's EKU must be critical and only timeStamping.
    #[error("a TSU certificate's extendedKeyUsage must be only timeStamping")]
    TsuEkuNotSole,
}

enum EkuRule {
    /// Present and containing the OID (anyExtendedKeyUsage not enough).
    Required(Oid),
    /// Absent, or present with one of these (anyExtendedKeyUsage counts).
    IfPresent(&'static [Oid]),
    /// Absent, or present with at least one OID that is not one of these (the purposes of
    /// services that must not double as something else: a certificate made only for
    /// time-stamping, OCSP or trust-list signing is dedicated to that).
    NotOnly(&'static [Oid]),
    /// Not looked at (CAs: RFC 5280 does not apply EKU to CA certificates).
    None,
}

enum KuRule {
    /// Present with at least one of these bits.
    Required(u16, &'static str),
    /// Absent, or present with at least one of these bits.
    IfPresent(u16, &'static str),
}

const SIGNING: u16 = ku::DIGITAL_SIGNATURE | ku::NON_REPUDIATION;

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 10] = [
        Purpose::SealMaker,
        Purpose::DocumentSigner,
        Purpose::Tsu,
        Purpose::OcspSigner,
        Purpose::TrustListSigner,
        Purpose::LicenceQrSigner,
        Purpose::Ca,
        Purpose::CrlSigner,
        Purpose::ClientAuth,
        Purpose::ServerAuth,
    ];

    /// The name used in the CLI, the API and reports (`seal-maker`, `document-signer`, …).
    pub fn name(self) -> &'static str {
        match self {
            Purpose::SealMaker => "seal-maker",
            Purpose::DocumentSigner => "document-signer",
            Purpose::Tsu => "tsu",
            Purpose::OcspSigner => "ocsp-signer",
            Purpose::TrustListSigner => "trust-list-signer",
            Purpose::LicenceQrSigner => "licence-qr-signer",
            Purpose::Ca => "ca",
            Purpose::CrlSigner => "crl-signer",
            Purpose::ClientAuth => "client-auth",
            Purpose::ServerAuth => "server-auth",
        }
    }

    /// Parse a name as [`Purpose::name`] writes it.
    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.name() == s.trim())
    }

    fn eku_rule(self) -> EkuRule {
        const DOC: &[Oid] = &[
            EKU_DOCUMENT_SIGNING,
            EKU_EMAIL_PROTECTION,
            EKU_CLIENT_AUTH,
            EKU_ANY,
        ];
        const CLIENT: &[Oid] = &[EKU_CLIENT_AUTH, EKU_ANY];
        const SERVER: &[Oid] = &[EKU_SERVER_AUTH, EKU_ANY];
        match self {
            // Decided by the seal verifier's recognition step (see the module doc): a maker
            // named by the relying party or listed by a peer may carry another vendor's EKU;
            // but a certificate dedicated to another service is never a seal maker.
            Purpose::SealMaker => {
                EkuRule::NotOnly(&[EKU_TIME_STAMPING, EKU_OCSP_SIGNING, EKU_TRUST_LIST_SIGNING])
            }
            Purpose::DocumentSigner => EkuRule::IfPresent(DOC),
            Purpose::Tsu => EkuRule::Required(EKU_TIME_STAMPING),
            Purpose::OcspSigner => EkuRule::Required(EKU_OCSP_SIGNING),
            Purpose::TrustListSigner => EkuRule::Required(EKU_TRUST_LIST_SIGNING),
            Purpose::LicenceQrSigner => EkuRule::Required(EKU_LICENCE_QR_SIGNING),
            Purpose::Ca | Purpose::CrlSigner => EkuRule::None,
            Purpose::ClientAuth => EkuRule::IfPresent(CLIENT),
            Purpose::ServerAuth => EkuRule::IfPresent(SERVER),
        }
    }

    fn ku_rule(self) -> KuRule {
        match self {
            Purpose::SealMaker
            | Purpose::Tsu
            | Purpose::TrustListSigner
            | Purpose::LicenceQrSigner => {
                KuRule::Required(SIGNING, "digitalSignature or nonRepudiation")
            }
            Purpose::OcspSigner => KuRule::Required(ku::DIGITAL_SIGNATURE, "digitalSignature"),
            Purpose::DocumentSigner => {
                KuRule::IfPresent(SIGNING, "digitalSignature or nonRepudiation")
            }
            Purpose::Ca => KuRule::IfPresent(ku::KEY_CERT_SIGN, "keyCertSign"),
            Purpose::CrlSigner => KuRule::IfPresent(ku::CRL_SIGN, "cRLSign"),
            Purpose::ClientAuth | Purpose::ServerAuth => KuRule::IfPresent(
                ku::DIGITAL_SIGNATURE | ku::KEY_ENCIPHERMENT | (1 << 4),
                "digitalSignature, keyEncipherment or keyAgreement",
            ),
        }
    }

    /// Whether the trust lists' service kinds vouch for this purpose (seal makers and TSUs are
    /// listed as services; signers are vouched for by their listed CA).
    pub fn is_listed_service(self) -> bool {
        matches!(self, Purpose::SealMaker | Purpose::Tsu)
    }

    /// Check the end entity's extensions against the purpose.
    pub fn check(self, cert: &Cert) -> Result<(), PurposeError> {
        let purpose = self.name();
        let is_ca = cert.basic.is_some_and(|b| b.ca);
        match self {
            Purpose::Ca if !is_ca => return Err(PurposeError::NotCa),
            Purpose::Ca | Purpose::CrlSigner => {}
            _ if is_ca => return Err(PurposeError::IsCa { purpose }),
            _ => {}
        }
        if let Some(e) = &cert.eku
            && e.is_empty()
        {
            return Err(PurposeError::EkuEmpty);
        }
        match self.eku_rule() {
            EkuRule::None => {}
            EkuRule::Required(oid) => match &cert.eku {
                None => {
                    return Err(PurposeError::EkuMissing {
                        purpose,
                        needed: oid.to_string(),
                    });
                }
                Some(e) if !e.contains(&oid) => {
                    return Err(PurposeError::EkuMismatch {
                        purpose,
                        needed: oid.to_string(),
                    });
                }
                Some(e) => {
                    if self == Purpose::Tsu && e.len() != 1 {
                        return Err(PurposeError::TsuEkuNotSole);
                    }
                }
            },
            EkuRule::NotOnly(dedicated) => {
                if let Some(e) = &cert.eku
                    && e.iter().all(|o| dedicated.contains(o))
                {
                    return Err(PurposeError::EkuMismatch {
                        purpose,
                        needed: "an extended key usage other than time-stamping, OCSP signing \
                                 or trust-list signing"
                            .into(),
                    });
                }
            }
            EkuRule::IfPresent(allowed) => {
                if let Some(e) = &cert.eku
                    && !e.iter().any(|o| allowed.contains(o))
                {
                    return Err(PurposeError::EkuMismatch {
                        purpose,
                        needed: allowed
                            .iter()
                            .map(|o| o.to_string())
                            .collect::<Vec<_>>()
                            .join(" or "),
                    });
                }
            }
        }
        match self.ku_rule() {
            KuRule::Required(bits, needed) => match cert.key_usage {
                None => return Err(PurposeError::KeyUsageMissing { purpose, needed }),
                Some(k) if k & bits == 0 => return Err(PurposeError::KeyUsage { purpose, needed }),
                Some(_) => {}
            },
            KuRule::IfPresent(bits, needed) => {
                if let Some(k) = cert.key_usage
                    && k & bits == 0
                {
                    return Err(PurposeError::KeyUsage { purpose, needed });
                }
            }
        }
        Ok(())
    }

    /// Whether the certificate carries the purpose's own OID explicitly (not through absence
    /// or anyExtendedKeyUsage): what our own region's seal makers must show.
    pub fn explicitly_named(self, cert: &Cert) -> bool {
        let oid = match self {
            Purpose::SealMaker => EKU_SEAL_MAKING,
            Purpose::Tsu => EKU_TIME_STAMPING,
            Purpose::OcspSigner => EKU_OCSP_SIGNING,
            Purpose::TrustListSigner => EKU_TRUST_LIST_SIGNING,
            Purpose::LicenceQrSigner => EKU_LICENCE_QR_SIGNING,
            Purpose::DocumentSigner => EKU_DOCUMENT_SIGNING,
            Purpose::ClientAuth => EKU_CLIENT_AUTH,
            Purpose::ServerAuth => EKU_SERVER_AUTH,
            Purpose::Ca | Purpose::CrlSigner => return false,
        };
        cert.eku.as_ref().is_some_and(|e| e.contains(&oid))
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Purpose {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Purpose::parse(s).ok_or_else(|| {
            format!(
                "unknown purpose {s:?} (one of: {})",
                Purpose::ALL.map(Purpose::name).join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Algorithm, PrivateKey};
    use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr, extensions};
    use x509_cert::ext::Extension;

    fn leaf(exts: Vec<Extension>) -> Cert {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let signer = key.signer().unwrap();
        let name = NameBuilder::new()
            .push(attr::CN, StringKind::Utf8, "purpose test")
            .build()
            .unwrap();
        let der = cert::sign_certificate(
            &CertificateTemplate {
                serial: vec![1],
                issuer: name.clone(),
                subject: name,
                not_before: 1_700_000_000,
                not_after: 1_900_000_000,
                spki_der: key.public_key_spki_der().unwrap(),
                extensions: exts,
            },
            &signer,
        )
        .unwrap();
        Cert::from_der(&der).unwrap()
    }

    fn eku(oids: &[Oid]) -> Extension {
        extensions::extended_key_usage(oids.to_vec(), false).unwrap()
    }

    fn ku(names: &[&str]) -> Extension {
        extensions::key_usage(names).unwrap()
    }

    /// Issue 11 item 5: a required EKU is not satisfied by its absence nor by
    /// anyExtendedKeyUsage, and the signing purposes require their key usage.
    #[test]
    fn required_eku_and_key_usage() {
        let sig = ku(&["digitalSignature"]);
        // TSU: EKU absent, anyEKU only, with another purpose, and alone but without KU.
        let c = leaf(vec![sig.clone()]);
        assert!(matches!(
            Purpose::Tsu.check(&c),
            Err(PurposeError::EkuMissing { .. })
        ));
        let c = leaf(vec![sig.clone(), eku(&[EKU_ANY])]);
        assert!(matches!(
            Purpose::Tsu.check(&c),
            Err(PurposeError::EkuMismatch { .. })
        ));
        let c = leaf(vec![
            sig.clone(),
            eku(&[EKU_TIME_STAMPING, EKU_CLIENT_AUTH]),
        ]);
        assert_eq!(Purpose::Tsu.check(&c), Err(PurposeError::TsuEkuNotSole));
        let c = leaf(vec![eku(&[EKU_TIME_STAMPING])]);
        assert!(matches!(
            Purpose::Tsu.check(&c),
            Err(PurposeError::KeyUsageMissing { .. })
        ));
        let c = leaf(vec![sig.clone(), eku(&[EKU_TIME_STAMPING])]);
        assert_eq!(Purpose::Tsu.check(&c), Ok(()));
        // OCSP signer and trust-list signer: anyEKU is not enough either.
        let c = leaf(vec![sig.clone(), eku(&[EKU_ANY])]);
        assert!(Purpose::OcspSigner.check(&c).is_err());
        assert!(Purpose::TrustListSigner.check(&c).is_err());
        // Seal maker: key usage must be present and allow signing.
        let c = leaf(vec![eku(&[EKU_SEAL_MAKING])]);
        assert!(matches!(
            Purpose::SealMaker.check(&c),
            Err(PurposeError::KeyUsageMissing { .. })
        ));
        let c = leaf(vec![ku(&["keyEncipherment"]), eku(&[EKU_SEAL_MAKING])]);
        assert!(matches!(
            Purpose::SealMaker.check(&c),
            Err(PurposeError::KeyUsage { .. })
        ));
        // … and a certificate dedicated to another service (our TSU, an OCSP responder) is
        // not a seal maker, whatever its chain.
        for other in [EKU_TIME_STAMPING, EKU_OCSP_SIGNING, EKU_TRUST_LIST_SIGNING] {
            let c = leaf(vec![sig.clone(), eku(&[other])]);
            assert!(
                matches!(
                    Purpose::SealMaker.check(&c),
                    Err(PurposeError::EkuMismatch { .. })
                ),
                "{other}"
            );
        }
        let c = leaf(vec![
            sig.clone(),
            eku(&[EKU_SEAL_MAKING, EKU_TIME_STAMPING]),
        ]);
        assert_eq!(Purpose::SealMaker.check(&c), Ok(()));
        let c = leaf(vec![sig.clone()]);
        assert_eq!(Purpose::SealMaker.check(&c), Ok(()));
        assert!(Purpose::SealMaker.explicitly_named(&leaf(vec![eku(&[EKU_SEAL_MAKING])])));
        assert!(!Purpose::SealMaker.explicitly_named(&leaf(vec![eku(&[EKU_ANY])])));
        // Document signer: a certificate only for time-stamping or server auth does not
        // sign documents; one for key encipherment only neither; an empty EKU is refused.
        let c = leaf(vec![sig.clone(), eku(&[EKU_TIME_STAMPING])]);
        assert!(matches!(
            Purpose::DocumentSigner.check(&c),
            Err(PurposeError::EkuMismatch { .. })
        ));
        let c = leaf(vec![ku(&["keyEncipherment"])]);
        assert!(matches!(
            Purpose::DocumentSigner.check(&c),
            Err(PurposeError::KeyUsage { .. })
        ));
        let c = leaf(vec![
            sig.clone(),
            eku(&[EKU_CLIENT_AUTH, EKU_EMAIL_PROTECTION]),
        ]);
        assert_eq!(Purpose::DocumentSigner.check(&c), Ok(()));
        let c = leaf(vec![sig, eku(&[])]);
        assert_eq!(
            Purpose::DocumentSigner.check(&c),
            Err(PurposeError::EkuEmpty)
        );
        // A CA certificate is never a leaf signer; names parse back.
        let c = leaf(vec![extensions::basic_constraints(true, None).unwrap()]);
        assert!(matches!(
            Purpose::DocumentSigner.check(&c),
            Err(PurposeError::IsCa { .. })
        ));
        assert_eq!(Purpose::Ca.check(&c), Ok(()));
        for p in Purpose::ALL {
            assert_eq!(p.name().parse::<Purpose>(), Ok(p));
        }
        assert!("any".parse::<Purpose>().is_err());
    }
}

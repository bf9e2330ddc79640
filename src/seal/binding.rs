//! Who may stamp with a registered seal: the checks that server-side stamping
//! (`POST /v1/seals/{id}/sign`, `POST /v1/documents/seal`) and client-side stamping
//! (`/prepare`, `/complete`) share, run before anything is signed or timestamped.
//!
//! 1. The signer token is bound to one certificate, known to our registry.
//! 2. Client-side, the certificate the client signs with is that very certificate (a token
//!    cannot lend itself to another certificate).
//! 3. That certificate is valid in our registry (not revoked, not on hold) and within its dates.
//! 4. The seal is active and within its validity period.
//! 5. The seal's certList holds the certificate.
//! 6. The organization matches: a token bound to an organization stamps as that organization
//!    (its certificate is that organization's, and an organization seal is that organization's);
//!    an organization seal is stamped with certificates of its holder or of no organization; a
//!    personal seal with its holder's own certificates (same salted hash).

use super::format::{CertRef, Seal};
use super::holder::{kind_of, person_holder_hash};
use super::service::{SealRecord, SealStatus};
use super::types::Holder;
use crate::pki::repo::{CertStatus, CertificateRecord};
use crate::pki::subject::HolderHasher;

/// Who is stamping.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stamper<'a> {
    /// The token's certificate binding (serial).
    pub token_certificate: Option<&'a str>,
    /// The token's organization binding (credit code).
    pub token_organization: Option<&'a str>,
    /// The registry record of the token's certificate (`None`: unknown).
    pub certificate: Option<&'a CertificateRecord>,
    /// Client-side: the certificate (DER) the client says it signs with.
    pub presented: Option<&'a [u8]>,
}

/// Why a stamp is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The token has no certificate binding.
    #[error("this token is not bound to a signer certificate")]
    NotBound,
    /// The token's certificate is not in the registry.
    #[error("the token's certificate is unknown")]
    UnknownCertificate,
    /// Client-side: another certificate than the token's.
    #[error("the certificate given is not the one this token is bound to")]
    NotTokenCertificate,
    /// The signer certificate is revoked or on hold.
    #[error("the signer certificate is {}", status_words(*.0))]
    CertificateStatus(CertStatus),
    /// The signer certificate is outside its dates.
    #[error("the signer certificate is not within its validity period")]
    CertificateExpired,
    /// The seal is suspended or revoked.
    #[error("seal {0} is {1}")]
    SealNotActive(String, &'static str),
    /// The seal is outside its validity period.
    #[error("seal {0} is not within its validity period")]
    SealOutsideValidity(String),
    /// The seal's certList does not hold the certificate.
    #[error("the signer's certificate is not one the seal allows")]
    NotInCertList,
    /// The token's or certificate's organization is not the seal's.
    #[error("{0}")]
    OrganizationMismatch(&'static str),
    /// A personal seal stamped with someone else's certificate.
    #[error("a personal seal is stamped with its holder's certificates only")]
    NotHolder,
    /// The registered seal cannot be read.
    #[error("the registered seal cannot be read: {0}")]
    BadSeal(String),
}

fn status_words(s: CertStatus) -> &'static str {
    match s {
        CertStatus::Hold => "on hold",
        other => other.as_str(),
    }
}

impl Refusal {
    /// Stable problem kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::NotBound | Refusal::UnknownCertificate => "signer-not-bound",
            Refusal::NotTokenCertificate => "certificate-not-bound",
            Refusal::CertificateStatus(CertStatus::Hold) => "signer-certificate-on-hold",
            Refusal::CertificateStatus(_) => "signer-certificate-revoked",
            Refusal::CertificateExpired => "signer-certificate-expired",
            Refusal::SealNotActive(..) => "seal-not-active",
            Refusal::SealOutsideValidity(_) => "seal-outside-validity",
            Refusal::NotInCertList => "signer-not-allowed",
            Refusal::OrganizationMismatch(_) => "organization-mismatch",
            Refusal::NotHolder => "signer-not-holder",
            Refusal::BadSeal(_) => "invalid-seal",
        }
    }

    /// HTTP status: 409 for the seal's state, 422 for an unreadable seal, else 403.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::SealNotActive(..) | Refusal::SealOutsideValidity(_) => 409,
            Refusal::BadSeal(_) => 422,
            _ => 403,
        }
    }
}

/// Run the checks of the module documentation, in that order.
pub fn check(
    who: &Stamper<'_>,
    seal: &SealRecord,
    hasher: &HolderHasher,
    now: i64,
) -> Result<(), Refusal> {
    let serial = who.token_certificate.ok_or(Refusal::NotBound)?;
    let cert = who
        .certificate
        .filter(|c| c.serial.eq_ignore_ascii_case(serial))
        .ok_or(Refusal::UnknownCertificate)?;
    if who.presented.is_some_and(|d| d != cert.der.as_slice()) {
        return Err(Refusal::NotTokenCertificate);
    }
    if cert.status != CertStatus::Valid {
        return Err(Refusal::CertificateStatus(cert.status));
    }
    if now < cert.not_before || now > cert.not_after {
        return Err(Refusal::CertificateExpired);
    }
    if seal.status != SealStatus::Active {
        return Err(Refusal::SealNotActive(
            seal.id.clone(),
            seal.status.as_str(),
        ));
    }
    if now < seal.valid_start || now > seal.valid_end {
        return Err(Refusal::SealOutsideValidity(seal.id.clone()));
    }
    let parsed = Seal::from_der(&seal.der).map_err(|e| Refusal::BadSeal(e.to_string()))?;
    if !parsed
        .cert_list
        .iter()
        .any(|c| matches!(c, CertRef::Cert(d) if *d == cert.der))
    {
        return Err(Refusal::NotInCertList);
    }
    if let Some(org) = who.token_organization
        && cert.organization.as_deref() != Some(org)
    {
        return Err(Refusal::OrganizationMismatch(
            "the token's organization is not its certificate's",
        ));
    }
    match kind_of(seal) {
        Holder::Organization => {
            if who.token_organization.is_some_and(|o| o != seal.holder) {
                return Err(Refusal::OrganizationMismatch(
                    "this seal does not belong to the token's organization",
                ));
            }
            if cert
                .organization
                .as_deref()
                .is_some_and(|o| o != seal.holder)
            {
                return Err(Refusal::OrganizationMismatch(
                    "the signer certificate belongs to another organization than the seal",
                ));
            }
        }
        Holder::Person => {
            // Rows made before holders were checked may hold free text: their certList is
            // the only binding.
            if let Some(h) = person_holder_hash(&seal.holder, hasher)
                && h != cert.holder_id
            {
                return Err(Refusal::NotHolder);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::format::{NewSeal, Picture};

    const ORG_A: &str = "91350100M000100Y43";
    const ORG_B: &str = "91110000802100433B";
    const NOW: i64 = 1_750_000_000;

    fn cert(serial: &str, der: &[u8], holder: &str, org: Option<&str>) -> CertificateRecord {
        CertificateRecord {
            serial: serial.into(),
            issuer_ca: "sm2-issuing".into(),
            profile: "organization".into(),
            algorithm: crate::crypto::Algorithm::Sm2,
            subject: String::new(),
            holder_id: holder.into(),
            organization: org.map(str::to_string),
            not_before: NOW - 10,
            not_after: NOW + 1000,
            status: CertStatus::Valid,
            revoked_at: None,
            revocation_reason: None,
            invalidity_date: None,
            der: der.to_vec(),
            created_at: 0,
        }
    }

    /// A throw-away self-signed certificate and its signer.
    fn self_signed(cn: &str) -> (crate::crypto::SoftwareSigner, Vec<u8>) {
        use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr};
        let key = crate::crypto::PrivateKey::generate(crate::crypto::Algorithm::Sm2).unwrap();
        let signer = key.signer().unwrap();
        let name = NameBuilder::new()
            .push(attr::CN, StringKind::Utf8, cn)
            .build()
            .unwrap();
        let der = cert::sign_certificate(
            &CertificateTemplate {
                serial: vec![0x01],
                issuer: name.clone(),
                subject: name,
                not_before: NOW - 1000,
                not_after: NOW + 1000,
                spki_der: key.public_key_spki_der().unwrap(),
                extensions: vec![],
            },
            &signer,
        )
        .unwrap();
        (signer, der)
    }

    /// A real v4 seal (signed by a throw-away maker) whose certList holds `certs`.
    fn seal(seal_type: &str, holder: &str, certs: &[&[u8]]) -> SealRecord {
        let (maker, maker_cert) = self_signed("制章者");
        let info = NewSeal {
            vid: "yinxin".into(),
            es_id: "T1".into(),
            seal_type: 1,
            name: "测试".into(),
            cert_list: certs.iter().map(|d| CertRef::Cert(d.to_vec())).collect(),
            create_date: NOW - 100,
            valid_start: NOW - 100,
            valid_end: NOW + 100,
            picture: Picture {
                kind: "PNG".into(),
                data: vec![1, 2, 3],
                width_mm: 40,
                height_mm: 40,
            },
            ext_datas: vec![],
        };
        let der = Seal::encode_v4(&info, &maker, &maker_cert).unwrap();
        SealRecord {
            id: "T1".into(),
            holder: holder.into(),
            seal_type: seal_type.into(),
            name: "测试".into(),
            status: SealStatus::Active,
            valid_start: NOW - 100,
            valid_end: NOW + 100,
            signer_serials: vec![],
            der,
            created_at: NOW - 100,
        }
    }

    fn stamper<'a>(c: &'a CertificateRecord) -> Stamper<'a> {
        Stamper {
            token_certificate: Some(&c.serial),
            token_organization: None,
            certificate: Some(c),
            presented: None,
        }
    }

    fn h() -> HolderHasher {
        HolderHasher::new(b"salt".to_vec())
    }

    #[test]
    fn binding_order_and_reasons() {
        let [da, db, dp, dq] = ["a", "b", "p", "q"].map(|n| self_signed(n).1);
        let a = cert("0A", &da, ORG_A, Some(ORG_A));
        let b = cert("0B", &db, ORG_B, Some(ORG_B));
        let s = seal("official", ORG_A, &[&da]);
        assert_eq!(check(&stamper(&a), &s, &h(), NOW), Ok(()));
        let refuse = |st: Stamper<'_>, s: &SealRecord| check(&st, s, &h(), NOW).unwrap_err();
        assert_eq!(refuse(Stamper::default(), &s).kind(), "signer-not-bound");
        // The token's certificate, not another one the client shows.
        let mut st = stamper(&a);
        st.presented = Some(&db);
        assert_eq!(refuse(st, &s).kind(), "certificate-not-bound");
        // B's token on A's seal: not in certList.
        assert_eq!(refuse(stamper(&b), &s).kind(), "signer-not-allowed");
        // Revoked / on hold / expired signer.
        let mut r = a.clone();
        r.status = CertStatus::Revoked;
        assert_eq!(refuse(stamper(&r), &s).kind(), "signer-certificate-revoked");
        r.status = CertStatus::Hold;
        assert_eq!(refuse(stamper(&r), &s).kind(), "signer-certificate-on-hold");
        let mut e = a.clone();
        e.not_after = NOW - 1;
        assert_eq!(refuse(stamper(&e), &s).kind(), "signer-certificate-expired");
        // Suspended seal: 409.
        let mut sus = s.clone();
        sus.status = SealStatus::Suspended;
        let x = refuse(stamper(&a), &sus);
        assert_eq!((x.kind(), x.status()), ("seal-not-active", 409));
        // A token bound to organization B, or B's certificate in A's certList.
        let mut st = stamper(&a);
        st.token_organization = Some(ORG_B);
        assert_eq!(refuse(st, &s).kind(), "organization-mismatch");
        let both = seal("official", ORG_A, &[&da, &db]);
        let x = refuse(stamper(&b), &both);
        assert_eq!((x.kind(), x.status()), ("organization-mismatch", 403));
        // Personal seal: its holder's certificate only.
        let hash = h().hash_id_number("11010519491231002X");
        let p = cert("0C", &dp, &hash, None);
        let q = cert("0D", &dq, &"f".repeat(64), None);
        let ps = seal("personal", &hash, &[&dp, &dq]);
        assert_eq!(check(&stamper(&p), &ps, &h(), NOW), Ok(()));
        assert_eq!(refuse(stamper(&q), &ps).kind(), "signer-not-holder");
        // Legacy row with the raw number: read as its hash.
        let legacy = seal("personal", "11010519491231002X", &[&dp, &dq]);
        assert_eq!(check(&stamper(&p), &legacy, &h(), NOW), Ok(()));
        assert_eq!(refuse(stamper(&q), &legacy).kind(), "signer-not-holder");
    }
}

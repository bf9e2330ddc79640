//! Who holds a seal, checked by the seal type's `holder` kind (`policies/seals.toml`):
//!
//! - **organization** seals (公章, 合同专用章, …): the unified social credit code (GB 32100 check
//!   character), stored and shown as given;
//! - **person** seals (个人名章): the resident identity number (GB 11643 check character, a real
//!   birth date not after today). It is stored, audited and shown **only** as the region's salted
//!   SM3 hash, made by the same [`HolderHasher`] (same salt) as person certificates: a personal
//!   seal's holder equals its holder's certificate `holder_id`. The number itself lives only in
//!   the request being handled; no error repeats it.
//!
//! Seals registered before these checks may hold a raw number (or free text) as a personal
//! seal's holder. They keep working: [`person_holder_hash`] reads such a stored value as its hash
//! for display and for the signer binding, and [`public_view`] never shows anything else.

use super::service::SealRecord;
use super::types::{Holder, SealType};
use crate::pki::identifiers::{IdentifierError, check_credit_code, check_id_number_on};
use crate::pki::repo::CertificateRecord;
use crate::pki::subject::HolderHasher;
use serde_json::{Value, json};

/// Why a holder (or a signer for it) was refused. Never carries an identity number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolderError {
    /// An organization seal's holder is not a valid credit code.
    #[error("holder: an organization seal's holder is a unified social credit code: {0}")]
    CreditCode(IdentifierError),
    /// A personal seal's holder is not a valid identity number.
    #[error("holder: a personal seal's holder is a resident identity number: {0}")]
    IdNumber(IdentifierError),
    /// The holder given to the seal maker is not in its stored form (a programming error: the
    /// caller skipped [`SealHolder::resolve`]).
    #[error("holder: not in the stored form of a {0} seal")]
    NotStoredForm(&'static str),
    /// A signer certificate does not belong to the holder.
    #[error("certificate {0} does not belong to the seal's holder ({1})")]
    SignerNotHolder(String, &'static str),
}

impl HolderError {
    /// Stable problem kind.
    pub fn kind(&self) -> &'static str {
        match self {
            HolderError::CreditCode(IdentifierError::CheckCharacter)
            | HolderError::IdNumber(IdentifierError::CheckCharacter) => "bad-check-character",
            HolderError::CreditCode(_)
            | HolderError::IdNumber(_)
            | HolderError::NotStoredForm(_) => "invalid-holder",
            HolderError::SignerNotHolder(..) => "signer-not-holder",
        }
    }
}

/// Name of a holder kind.
pub fn kind_name(k: Holder) -> &'static str {
    match k {
        Holder::Organization => "organization",
        Holder::Person => "person",
    }
}

/// A checked holder, in the form it is stored, audited and shown (credit code, or the salted
/// hash of an identity number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealHolder {
    kind: Holder,
    stored: String,
}

impl SealHolder {
    /// Check `given` for a seal of type `t` at `now` (Unix seconds) and turn it into its stored
    /// form.
    pub fn resolve(
        t: &SealType,
        given: &str,
        hasher: &HolderHasher,
        now: i64,
    ) -> Result<Self, HolderError> {
        match t.holder {
            Holder::Organization => {
                check_credit_code(given).map_err(HolderError::CreditCode)?;
                Ok(SealHolder {
                    kind: Holder::Organization,
                    stored: given.to_string(),
                })
            }
            Holder::Person => {
                let today = time::OffsetDateTime::from_unix_timestamp(now)
                    .map(|t| t.date())
                    .unwrap_or(time::Date::MIN);
                check_id_number_on(given, today).map_err(HolderError::IdNumber)?;
                Ok(SealHolder {
                    kind: Holder::Person,
                    stored: hasher.hash_id_number(given),
                })
            }
        }
    }

    /// The holder kind.
    pub fn kind(&self) -> Holder {
        self.kind
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.stored
    }

    /// Whether a signer certificate belongs to this holder. A personal seal is stamped by its
    /// holder only: the certificate's `holder_id` is the same salted hash. An organization seal
    /// by certificates of that organization, or bound to no organization (e.g. a person
    /// certificate issued by an unbound registrar).
    pub fn check_signer(&self, cert: &CertificateRecord) -> Result<(), HolderError> {
        let ok = match self.kind {
            Holder::Person => cert.holder_id == self.stored,
            Holder::Organization => cert
                .organization
                .as_deref()
                .is_none_or(|o| o == self.stored),
        };
        if ok {
            Ok(())
        } else {
            Err(HolderError::SignerNotHolder(
                cert.serial.clone(),
                match self.kind {
                    Holder::Person => "a personal seal is stamped with its holder's certificates",
                    Holder::Organization => "the certificate belongs to another organization",
                },
            ))
        }
    }
}

/// Whether `s` is the stored form of a person's identifier (64 lower-case hex characters).
pub fn is_person_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Check that a holder handed to the seal maker is in its stored form: a valid credit code for
/// organization seals, a hash for personal seals (never a raw number).
pub fn check_stored(kind: Holder, stored: &str) -> Result<(), HolderError> {
    let ok = match kind {
        Holder::Organization => check_credit_code(stored).is_ok(),
        Holder::Person => is_person_hash(stored),
    };
    if ok {
        Ok(())
    } else {
        Err(HolderError::NotStoredForm(kind_name(kind)))
    }
}

/// The hash form of a stored personal seal's holder: the hash as stored, or — for rows made
/// before holders were checked — the hash of a stored raw identity number. Anything else (free
/// text) has no hash form: `None`.
pub fn person_holder_hash(stored: &str, hasher: &HolderHasher) -> Option<String> {
    if is_person_hash(stored) {
        Some(stored.to_string())
    } else if crate::pki::identifiers::check_id_number(stored).is_ok() {
        Some(hasher.hash_id_number(stored))
    } else {
        None
    }
}

/// The holder kind of a registered seal, by its type; a type no longer known counts as a
/// person seal (show less rather than more).
pub fn kind_of(rec: &SealRecord) -> Holder {
    super::types::by_key(&rec.seal_type).map_or(Holder::Person, |t| t.holder)
}

/// What `GET /v1/seals/{id}` shows anyone. An organization seal: the registry record (holder =
/// credit code, signer serials). A personal seal: id, type, the name on the seal (it is on the
/// picture), status and dates, and the holder only as its salted hash (`null` when a legacy row
/// holds free text) — no signer serials, never a raw number.
pub fn public_view(rec: &SealRecord, hasher: &HolderHasher) -> Value {
    let kind = kind_of(rec);
    match kind {
        Holder::Organization => {
            let mut v = serde_json::to_value(rec).unwrap_or(Value::Null);
            v["holder_kind"] = json!(kind_name(kind));
            v
        }
        Holder::Person => json!({
            "id": rec.id,
            "holder": person_holder_hash(&rec.holder, hasher),
            "holder_kind": kind_name(kind),
            "seal_type": rec.seal_type,
            "name": rec.name,
            "status": rec.status,
            "valid_start": rec.valid_start,
            "valid_end": rec.valid_end,
            "created_at": rec.created_at,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::identifiers::id_number_check_char;
    use crate::seal::service::SealStatus;
    use crate::seal::types::by_key;

    const ID: &str = "11010519491231002X";
    const ORG: &str = "91350100M000100Y43";

    fn hasher() -> HolderHasher {
        HolderHasher::new(b"test salt".to_vec())
    }

    fn record(seal_type: &str, holder: &str) -> SealRecord {
        SealRecord {
            id: "TEST-1".into(),
            holder: holder.into(),
            seal_type: seal_type.into(),
            name: "张三".into(),
            status: SealStatus::Active,
            valid_start: 1,
            valid_end: 2,
            signer_serials: vec!["0A".into()],
            der: vec![],
            created_at: 1,
        }
    }

    fn cert(holder_id: &str, organization: Option<&str>) -> CertificateRecord {
        CertificateRecord {
            serial: "0A".into(),
            issuer_ca: "sm2-issuing".into(),
            profile: "person".into(),
            algorithm: crate::crypto::Algorithm::Sm2,
            subject: String::new(),
            holder_id: holder_id.into(),
            organization: organization.map(str::to_string),
            not_before: 0,
            not_after: i64::MAX,
            status: crate::pki::repo::CertStatus::Valid,
            revoked_at: None,
            revocation_reason: None,
            invalidity_date: None,
            der: vec![],
            created_at: 0,
        }
    }

    #[test]
    fn organization_holders_are_credit_codes() {
        let t = by_key("official").unwrap();
        let h = SealHolder::resolve(&t, ORG, &hasher(), 1_750_000_000).unwrap();
        assert_eq!((h.kind(), h.as_str()), (Holder::Organization, ORG));
        let e = SealHolder::resolve(&t, "91350100M000100Y44", &hasher(), 0).unwrap_err();
        assert_eq!(e.kind(), "bad-check-character");
        // An identity number is no credit code (and is not repeated).
        let e = SealHolder::resolve(&t, ID, &hasher(), 0).unwrap_err();
        assert_eq!(e.kind(), "bad-check-character");
        assert!(!e.to_string().contains(ID), "{e}");
        let e = SealHolder::resolve(&t, "某公司", &hasher(), 0).unwrap_err();
        assert_eq!(e.kind(), "invalid-holder");
    }

    #[test]
    fn person_holders_are_stored_as_the_certificate_hash() {
        let t = by_key("personal").unwrap();
        let h = SealHolder::resolve(&t, ID, &hasher(), 1_750_000_000).unwrap();
        assert_eq!(h.kind(), Holder::Person);
        assert_eq!(h.as_str(), hasher().hash_id_number(ID));
        assert!(is_person_hash(h.as_str()));
        // Lower-case check character: the same person.
        let lower = SealHolder::resolve(&t, &ID.to_lowercase(), &hasher(), 1_750_000_000);
        assert_eq!(lower.unwrap(), h);
        // Bad numbers: the reason, never the number.
        for (bad, kind) in [
            ("110105194912310021", "bad-check-character"),
            ("张三", "invalid-holder"),
            (ORG, "invalid-holder"),
        ] {
            let e = SealHolder::resolve(&t, bad, &hasher(), 1_750_000_000).unwrap_err();
            assert_eq!(e.kind(), kind, "{bad}");
            assert!(!e.to_string().contains(bad), "{e}");
        }
        // Born tomorrow (2025-06-16; now is 2025-06-15).
        let mut future = String::from("11010520250616001");
        future.push(id_number_check_char(&future).unwrap());
        let e = SealHolder::resolve(&t, &future, &hasher(), 1_750_000_000).unwrap_err();
        assert_eq!(e, HolderError::IdNumber(IdentifierError::BirthDateInFuture));
        assert!(e.to_string().contains("future"), "{e}");
    }

    #[test]
    fn signers_belong_to_the_holder() {
        let p = SealHolder::resolve(&by_key("personal").unwrap(), ID, &hasher(), 0).unwrap();
        assert!(p.check_signer(&cert(p.as_str(), Some(ORG))).is_ok());
        let e = p.check_signer(&cert(&"0".repeat(64), None)).unwrap_err();
        assert_eq!(e.kind(), "signer-not-holder");
        assert!(p.check_signer(&cert(ORG, Some(ORG))).is_err());
        let o = SealHolder::resolve(&by_key("contract").unwrap(), ORG, &hasher(), 0).unwrap();
        assert!(o.check_signer(&cert(ORG, Some(ORG))).is_ok());
        assert!(o.check_signer(&cert(&"1".repeat(64), None)).is_ok());
        let e = o
            .check_signer(&cert("91110000802100433B", Some("91110000802100433B")))
            .unwrap_err();
        assert_eq!(e.kind(), "signer-not-holder");
    }

    #[test]
    fn stored_forms() {
        assert!(check_stored(Holder::Organization, ORG).is_ok());
        assert!(check_stored(Holder::Person, &hasher().hash_id_number(ID)).is_ok());
        assert_eq!(
            check_stored(Holder::Person, ID).unwrap_err().kind(),
            "invalid-holder"
        );
        assert!(check_stored(Holder::Person, &"A".repeat(64)).is_err());
        assert!(check_stored(Holder::Organization, "x").is_err());
    }

    #[test]
    fn public_views_show_no_personal_data() {
        let h = hasher();
        let hash = h.hash_id_number(ID);
        // New row: the hash.
        let v = public_view(&record("personal", &hash), &h);
        assert_eq!(v["holder"], json!(hash));
        assert_eq!(v["holder_kind"], "person");
        assert!(v.get("signer_serials").is_none(), "{v}");
        assert_eq!(v["name"], "张三");
        // Legacy row holding the raw number: shown as its hash.
        let v = public_view(&record("personal", ID), &h);
        assert_eq!(v["holder"], json!(hash));
        assert!(!v.to_string().contains(ID), "{v}");
        // Legacy free text: no holder at all.
        let v = public_view(&record("personal", "张三 家住某地"), &h);
        assert!(v["holder"].is_null(), "{v}");
        assert!(!v.to_string().contains("家住"), "{v}");
        // Unknown type: treated as personal.
        let v = public_view(&record("retired-type", ID), &h);
        assert!(!v.to_string().contains(ID), "{v}");
        // Organization seal: the record, as before.
        let v = public_view(&record("official", ORG), &h);
        assert_eq!(
            (v["holder"].as_str(), v["holder_kind"].as_str()),
            (Some(ORG), Some("organization"))
        );
        assert_eq!(v["signer_serials"], json!(["0A"]));
        assert_eq!(person_holder_hash("free text", &h), None);
    }
}

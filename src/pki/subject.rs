//! Subject documents (the JSON shapes of the CLI and API) and how each becomes a
//! distinguished name, subject alternative names and a holder identifier.
//!
//! | kind | JSON | subject DN | holder identifier |
//! |---|---|---|---|
//! | person | `{"name","id_number"}` | `C=CN, CN=name, serialNumber=<hash or number>` | salted SM3 hash of the number |
//! | organization | `{"name","credit_code","province"?,"locality"?}` | `C=CN, ST, L, O=name, organizationIdentifier=NTRCN-<code>, CN=name` | the credit code |
//! | device | `{"device_id","owner_credit_code","dns"?,"ip"?,"uri"?}` | `C=CN, organizationIdentifier=NTRCN-<owner>, CN=device_id` + SANs | the owner's credit code |
//!
//! The unified social credit code goes in `organizationIdentifier` (2.5.4.97) with the
//! ETSI EN 319 412-1 semantics prefix `NTRCN-` (national trade register, China), the form
//! EU DSS and other cross-border verifiers parse. The person hash is
//! `hex(SM3(region salt ‖ number))`: 64 hex characters, which fit X.520's serialNumber
//! (PrintableString, at most 64). The identity number is never logged.

use super::cert::{NameBuilder, StringKind, attr};
use super::identifiers::{check_credit_code, check_id_number, normalize_id_number};
use super::profile::{IdNumberInSubject, Profile, ProfileKind};
use der::asn1::Ia5String;
use serde_json::{Map, Value};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;
use zeroize::Zeroizing;

/// Why a subject document was rejected. Never carries the identity number.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SubjectError {
    /// Not a JSON object.
    #[error("subject must be a JSON object")]
    NotAnObject,
    /// A required field is missing.
    #[error("subject field `{0}` is required by the profile")]
    FieldMissing(String),
    /// A field the profile does not allow.
    #[error("subject field `{0}` is not allowed by the profile")]
    FieldNotAllowed(String),
    /// A field of the wrong JSON type.
    #[error("subject field `{0}` must be {1}")]
    FieldType(String, &'static str),
    /// A field too long.
    #[error("subject field `{field}` is too long ({len} characters, maximum {max})")]
    FieldTooLong {
        /// Field.
        field: String,
        /// Its length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A field with an invalid value.
    #[error("subject field `{0}`: {1}")]
    FieldInvalid(String, String),
    /// A bad check character in an identifier.
    #[error("subject field `{0}`: bad check character")]
    BadCheckCharacter(String),
}

/// The region secret used to hash personal identifiers.
#[derive(Clone)]
pub struct HolderHasher {
    salt: Zeroizing<Vec<u8>>,
}

impl HolderHasher {
    /// A hasher over the region's salt.
    pub fn new(salt: Vec<u8>) -> Self {
        HolderHasher {
            salt: Zeroizing::new(salt),
        }
    }

    /// A 32-byte key for `label` derived from the region secret (HMAC-SHA256(salt, label)):
    /// e.g. the key that encrypts personal licence data at rest.
    pub fn derive_key(&self, label: &[u8]) -> Zeroizing<[u8; 32]> {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.salt);
        let tag = ring::hmac::sign(&key, label);
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// `hex(SM3(salt ‖ normalized number))`.
    pub fn hash_id_number(&self, id: &str) -> String {
        let mut buf = Zeroizing::new(Vec::with_capacity(self.salt.len() + 18));
        buf.extend_from_slice(&self.salt);
        buf.extend_from_slice(normalize_id_number(id).as_bytes());
        hex::encode(crate::crypto::sm3(&buf))
    }
}

/// A subject ready to go into a certificate.
#[derive(Clone, Debug)]
pub struct PreparedSubject {
    /// Distinguished name.
    pub name: Name,
    /// Its RFC 4514-style display string (no identity number in clear unless the profile
    /// puts it in the certificate).
    pub display: String,
    /// Subject alternative names.
    pub sans: Vec<GeneralName>,
    /// Holder identifier for lookups (hashed where personal).
    pub holder_id: String,
    /// For organization-bound access control: the organization's credit code, if any.
    pub organization: Option<String>,
}

fn text<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, SubjectError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(SubjectError::FieldType(field.into(), "a string")),
    }
}

fn list<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<Vec<&'a str>, SubjectError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or(SubjectError::FieldType(field.into(), "an array of strings"))
            })
            .collect(),
        Some(_) => Err(SubjectError::FieldType(field.into(), "an array of strings")),
    }
}

fn check_text(profile: &Profile, field: &str, v: &str) -> Result<(), SubjectError> {
    let len = v.chars().count();
    if v.trim().is_empty() {
        return Err(SubjectError::FieldInvalid(
            field.into(),
            "must not be empty".into(),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(SubjectError::FieldInvalid(
            field.into(),
            "must not contain control characters".into(),
        ));
    }
    let max = profile.max_len(field);
    if len > max {
        return Err(SubjectError::FieldTooLong {
            field: field.into(),
            len,
            max,
        });
    }
    Ok(())
}

fn check_dns(name: &str) -> bool {
    let n = name.strip_prefix("*.").unwrap_or(name);
    !n.is_empty()
        && name.len() <= 253
        && n.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

fn check_uri(u: &str) -> bool {
    let Some((scheme, rest)) = u.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        && !rest.is_empty()
        && u.bytes().all(|b| b.is_ascii_graphic())
        && u.len() <= 1024
}

/// Validate a subject document against a profile and prepare the DN and SANs.
pub fn prepare(
    profile: &Profile,
    subject: &Value,
    hasher: &HolderHasher,
) -> Result<PreparedSubject, SubjectError> {
    let obj = subject.as_object().ok_or(SubjectError::NotAnObject)?;
    for key in obj.keys() {
        if !profile.allows(key) {
            return Err(SubjectError::FieldNotAllowed(key.clone()));
        }
    }
    for f in &profile.subject.required {
        let present = match obj.get(f) {
            None | Some(Value::Null) => false,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        };
        if !present {
            return Err(SubjectError::FieldMissing(f.clone()));
        }
    }
    let name_field = |f: &str| -> Result<Option<&str>, SubjectError> {
        let v = text(obj, f)?;
        if let Some(v) = v {
            check_text(profile, f, v)?;
        }
        Ok(v)
    };

    match profile.kind {
        ProfileKind::Person => {
            let name =
                name_field("name")?.ok_or_else(|| SubjectError::FieldMissing("name".into()))?;
            let id = text(obj, "id_number")?
                .ok_or_else(|| SubjectError::FieldMissing("id_number".into()))?;
            check_id_number(id).map_err(|e| match e {
                super::identifiers::IdentifierError::CheckCharacter => {
                    SubjectError::BadCheckCharacter("id_number".into())
                }
                other => SubjectError::FieldInvalid("id_number".into(), other.to_string()),
            })?;
            let hash = hasher.hash_id_number(id);
            let serial = match profile.id_number_in_subject.unwrap_or_default() {
                IdNumberInSubject::Hash => hash.clone(),
                IdNumberInSubject::Clear => normalize_id_number(id),
            };
            let dn = NameBuilder::new()
                .push(attr::C, StringKind::Printable, "CN")
                .push(attr::CN, StringKind::Utf8, name)
                .push(attr::SERIAL_NUMBER, StringKind::Printable, &serial);
            Ok(PreparedSubject {
                name: dn
                    .build()
                    .map_err(|e| SubjectError::FieldInvalid("name".into(), e.to_string()))?,
                display: format!("C=CN, CN={name}, serialNumber={serial}"),
                sans: vec![],
                holder_id: hash,
                organization: None,
            })
        }
        ProfileKind::Organization => {
            let name =
                name_field("name")?.ok_or_else(|| SubjectError::FieldMissing("name".into()))?;
            let code = text(obj, "credit_code")?
                .ok_or_else(|| SubjectError::FieldMissing("credit_code".into()))?;
            check_credit(code, "credit_code")?;
            let province = name_field("province")?;
            let locality = name_field("locality")?;
            let mut dn = NameBuilder::new().push(attr::C, StringKind::Printable, "CN");
            let mut display = String::from("C=CN");
            if let Some(p) = province {
                dn = dn.push(attr::ST, StringKind::Utf8, p);
                display.push_str(&format!(", ST={p}"));
            }
            if let Some(l) = locality {
                dn = dn.push(attr::L, StringKind::Utf8, l);
                display.push_str(&format!(", L={l}"));
            }
            let org_id = format!("NTRCN-{code}");
            dn = dn
                .push(attr::O, StringKind::Utf8, name)
                .push(attr::ORGANIZATION_IDENTIFIER, StringKind::Utf8, &org_id)
                .push(attr::CN, StringKind::Utf8, name);
            display.push_str(&format!(
                ", O={name}, organizationIdentifier={org_id}, CN={name}"
            ));
            Ok(PreparedSubject {
                name: dn
                    .build()
                    .map_err(|e| SubjectError::FieldInvalid("name".into(), e.to_string()))?,
                display,
                sans: vec![],
                holder_id: code.to_string(),
                organization: Some(code.to_string()),
            })
        }
        ProfileKind::Device => {
            let device_id = name_field("device_id")?
                .ok_or_else(|| SubjectError::FieldMissing("device_id".into()))?;
            let owner = text(obj, "owner_credit_code")?
                .ok_or_else(|| SubjectError::FieldMissing("owner_credit_code".into()))?;
            check_credit(owner, "owner_credit_code")?;
            let mut sans = Vec::new();
            for (field, values) in [
                ("dns", list(obj, "dns")?),
                ("ip", list(obj, "ip")?),
                ("uri", list(obj, "uri")?),
            ] {
                if !values.is_empty() && !profile.san_types.iter().any(|s| s == field) {
                    return Err(SubjectError::FieldNotAllowed(field.into()));
                }
                if values.len() > 32 {
                    return Err(SubjectError::FieldInvalid(
                        field.into(),
                        "at most 32 entries".into(),
                    ));
                }
                for v in values {
                    let bad =
                        |m: &str| SubjectError::FieldInvalid(field.into(), format!("'{v}' {m}"));
                    let gn = match field {
                        "dns" => {
                            if !check_dns(v) {
                                return Err(bad("is not a DNS name"));
                            }
                            GeneralName::DnsName(
                                Ia5String::new(&v.to_ascii_lowercase())
                                    .map_err(|_| bad("is not ASCII"))?,
                            )
                        }
                        "ip" => GeneralName::from(
                            v.parse::<std::net::IpAddr>()
                                .map_err(|_| bad("is not an IP address"))?,
                        ),
                        _ => {
                            if !check_uri(v) {
                                return Err(bad("is not an absolute URI"));
                            }
                            GeneralName::UniformResourceIdentifier(
                                Ia5String::new(v).map_err(|_| bad("is not ASCII"))?,
                            )
                        }
                    };
                    sans.push(gn);
                }
            }
            let org_id = format!("NTRCN-{owner}");
            let dn = NameBuilder::new()
                .push(attr::C, StringKind::Printable, "CN")
                .push(attr::ORGANIZATION_IDENTIFIER, StringKind::Utf8, &org_id)
                .push(attr::CN, StringKind::Utf8, device_id);
            Ok(PreparedSubject {
                name: dn
                    .build()
                    .map_err(|e| SubjectError::FieldInvalid("device_id".into(), e.to_string()))?,
                display: format!("C=CN, organizationIdentifier={org_id}, CN={device_id}"),
                sans,
                holder_id: owner.to_string(),
                organization: Some(owner.to_string()),
            })
        }
        ProfileKind::OcspSigner
        | ProfileKind::Tsa
        | ProfileKind::SealMaker
        | ProfileKind::TrustListSigner
        | ProfileKind::LicenceQrSigner => {
            let name =
                name_field("name")?.ok_or_else(|| SubjectError::FieldMissing("name".into()))?;
            let org = name_field("organization")?
                .ok_or_else(|| SubjectError::FieldMissing("organization".into()))?;
            let dn = NameBuilder::new()
                .push(attr::C, StringKind::Printable, "CN")
                .push(attr::O, StringKind::Utf8, org)
                .push(attr::CN, StringKind::Utf8, name);
            Ok(PreparedSubject {
                name: dn
                    .build()
                    .map_err(|e| SubjectError::FieldInvalid("name".into(), e.to_string()))?,
                display: format!("C=CN, O={org}, CN={name}"),
                sans: vec![],
                holder_id: name.to_string(),
                organization: None,
            })
        }
    }
}

fn check_credit(code: &str, field: &str) -> Result<(), SubjectError> {
    check_credit_code(code).map_err(|e| match e {
        super::identifiers::IdentifierError::CheckCharacter => {
            SubjectError::BadCheckCharacter(field.into())
        }
        other => SubjectError::FieldInvalid(field.into(), other.to_string()),
    })
}

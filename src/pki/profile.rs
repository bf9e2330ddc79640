//! Certificate profiles (`policies/*.toml`): what a certificate of each kind may contain.
//!
//! A profile states the kind of holder, the algorithms allowed, the maximum validity, key
//! usage, extended key usage, certificate policy OIDs (see `docs/oids.md` for the arc), which
//! subject fields are required or allowed (with maximum lengths) and which SAN types a
//! subject may carry. Every file is checked at load time; an invalid file stops start-up
//! with a message naming the file and the field.

use crate::crypto::Algorithm;
use const_oid::ObjectIdentifier;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The kind of holder a profile issues to; decides the subject shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileKind {
    /// A natural person (citizen).
    Person,
    /// An organization identified by its unified social credit code.
    Organization,
    /// A device owned by an organization.
    Device,
    /// The delegated OCSP signer of an issuing CA.
    OcspSigner,
    /// A time-stamping unit.
    Tsa,
    /// The seal-making authority (制章者).
    SealMaker,
    /// The signer of the region's trust list (mutual recognition).
    TrustListSigner,
    /// The signer of e-licence QR payloads.
    LicenceQrSigner,
}

impl ProfileKind {
    /// Subject fields a subject of this kind may have.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            ProfileKind::Person => &["name", "id_number"],
            ProfileKind::Organization => &["name", "credit_code", "province", "locality"],
            ProfileKind::Device => &["device_id", "owner_credit_code", "dns", "ip", "uri"],
            ProfileKind::OcspSigner
            | ProfileKind::Tsa
            | ProfileKind::SealMaker
            | ProfileKind::TrustListSigner
            | ProfileKind::LicenceQrSigner => &["name", "organization"],
        }
    }

    /// SAN types this kind may carry at all.
    pub fn san_types(self) -> &'static [&'static str] {
        match self {
            ProfileKind::Device => &["dns", "ip", "uri"],
            _ => &[],
        }
    }

    /// Whether this is one of the region's own service certificates (issued at `init`).
    pub fn is_service(self) -> bool {
        matches!(
            self,
            ProfileKind::OcspSigner
                | ProfileKind::Tsa
                | ProfileKind::SealMaker
                | ProfileKind::TrustListSigner
                | ProfileKind::LicenceQrSigner
        )
    }
}

/// Where a person's identity number goes in the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IdNumberInSubject {
    /// A salted SM3 hash of the number (64 hex characters in `serialNumber`). Default.
    #[default]
    Hash,
    /// The number itself in `serialNumber`.
    Clear,
}

/// Subject rules of a profile.
#[derive(Clone, Debug, Deserialize, serde::Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SubjectRules {
    /// Fields that must be present.
    #[serde(default)]
    pub required: Vec<String>,
    /// Fields that may be present.
    #[serde(default)]
    pub optional: Vec<String>,
    /// Maximum length in characters per field (default 64 for text fields).
    #[serde(default)]
    pub max_length: BTreeMap<String, usize>,
}

/// A certificate profile as written in `policies/NAME.toml`.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile name; must equal the file stem.
    pub name: String,
    /// Kind of holder.
    pub kind: ProfileKind,
    /// Human description.
    #[serde(default)]
    pub description: String,
    /// Algorithms a certificate under this profile may use.
    pub algorithms: Vec<Algorithm>,
    /// Maximum validity in days (also the default).
    pub max_validity_days: u32,
    /// keyUsage bits by RFC 5280 name (`digitalSignature`, `nonRepudiation`, …). Always critical.
    pub key_usage: Vec<String>,
    /// Extended key usages by name (`clientAuth`, `emailProtection`, `documentSigning`
    /// (RFC 9336), `timeStamping`, …) or dotted OID.
    #[serde(default)]
    pub extended_key_usage: Vec<String>,
    /// Whether the EKU extension is critical (RFC 3161 requires it for TSA certificates).
    #[serde(default)]
    pub extended_key_usage_critical: bool,
    /// Certificate policy OIDs (profile policy and assurance level).
    pub policies: Vec<String>,
    /// Person profiles: the number itself or its salted hash in the subject.
    #[serde(default)]
    pub id_number_in_subject: Option<IdNumberInSubject>,
    /// Subject field rules.
    #[serde(default)]
    pub subject: SubjectRules,
    /// SAN types allowed (`dns`, `ip`, `uri`).
    #[serde(default)]
    pub san_types: Vec<String>,
    /// OCSP signers: add id-pkix-ocsp-nocheck.
    #[serde(default)]
    pub ocsp_no_check: bool,
}

/// A profile load error: the file, the field, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}: field `{field}`: {message}")]
pub struct ProfileError {
    /// The file.
    pub file: String,
    /// The field (dotted path).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Key usage names (RFC 5280) and their bit positions.
pub const KEY_USAGE_NAMES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

/// Resolve an EKU name or dotted OID.
pub fn eku_oid(name: &str) -> Option<ObjectIdentifier> {
    let dotted = match name {
        "serverAuth" => "1.3.6.1.5.5.7.3.1",
        "clientAuth" => "1.3.6.1.5.5.7.3.2",
        "codeSigning" => "1.3.6.1.5.5.7.3.3",
        "emailProtection" => "1.3.6.1.5.5.7.3.4",
        "timeStamping" => "1.3.6.1.5.5.7.3.8",
        "OCSPSigning" => "1.3.6.1.5.5.7.3.9",
        "documentSigning" => "1.3.6.1.5.5.7.3.36",
        other => other,
    };
    ObjectIdentifier::new(dotted).ok()
}

impl Profile {
    /// Parse and validate a profile from TOML text; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Profile, ProfileError> {
        let p: Profile = toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            // toml reports the offending key in its message ("unknown field `x`", "missing field `y`").
            let field = extract_backticked(&msg).unwrap_or_else(|| "(syntax)".into());
            ProfileError {
                file: file.into(),
                field,
                message: msg.trim().to_string(),
            }
        })?;
        p.validate(file)?;
        Ok(p)
    }

    fn validate(&self, file: &str) -> Result<(), ProfileError> {
        let err = |field: &str, message: String| ProfileError {
            file: file.into(),
            field: field.into(),
            message,
        };
        let stem = Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        if self.name != stem {
            return Err(err(
                "name",
                format!("'{}' must equal the file name '{stem}'", self.name),
            ));
        }
        if self.algorithms.is_empty() {
            return Err(err(
                "algorithms",
                "at least one algorithm is required".into(),
            ));
        }
        if self.max_validity_days == 0 || self.max_validity_days > 3650 {
            return Err(err(
                "max_validity_days",
                "must be between 1 and 3650".into(),
            ));
        }
        if self.key_usage.is_empty() {
            return Err(err(
                "key_usage",
                "at least one key usage is required".into(),
            ));
        }
        for ku in &self.key_usage {
            if !KEY_USAGE_NAMES.contains(&ku.as_str()) {
                return Err(err("key_usage", format!("unknown key usage '{ku}'")));
            }
            if ku == "keyCertSign" || ku == "cRLSign" {
                return Err(err(
                    "key_usage",
                    format!("'{ku}' is for CA certificates only"),
                ));
            }
        }
        for e in &self.extended_key_usage {
            if eku_oid(e).is_none() {
                return Err(err(
                    "extended_key_usage",
                    format!("unknown extended key usage '{e}'"),
                ));
            }
        }
        if self.policies.is_empty() {
            return Err(err(
                "policies",
                "at least one certificate policy OID is required".into(),
            ));
        }
        for p in &self.policies {
            if ObjectIdentifier::new(p).is_err() {
                return Err(err("policies", format!("'{p}' is not a dotted OID")));
            }
        }
        if self.id_number_in_subject.is_some() && self.kind != ProfileKind::Person {
            return Err(err(
                "id_number_in_subject",
                "only person profiles carry an identity number".into(),
            ));
        }
        let fields = self.kind.fields();
        let mut seen = BTreeSet::new();
        for f in self.subject.required.iter().chain(&self.subject.optional) {
            if !fields.contains(&f.as_str()) {
                return Err(err(
                    "subject",
                    format!(
                        "'{f}' is not a field of a {:?} subject (fields: {})",
                        self.kind,
                        fields.join(", ")
                    ),
                ));
            }
            if !seen.insert(f.as_str()) {
                return Err(err("subject", format!("'{f}' is listed twice")));
            }
        }
        for (f, n) in &self.subject.max_length {
            if !fields.contains(&f.as_str()) {
                return Err(err(
                    "subject.max_length",
                    format!("'{f}' is not a subject field"),
                ));
            }
            if *n == 0 || *n > 256 {
                return Err(err(
                    "subject.max_length",
                    format!("'{f}' must be between 1 and 256"),
                ));
            }
        }
        for s in &self.san_types {
            if !self.kind.san_types().contains(&s.as_str()) {
                return Err(err(
                    "san_types",
                    format!("'{s}' is not allowed for a {:?} subject", self.kind),
                ));
            }
        }
        Ok(())
    }

    /// Parsed policy OIDs.
    pub fn policy_oids(&self) -> Vec<ObjectIdentifier> {
        self.policies
            .iter()
            .filter_map(|p| ObjectIdentifier::new(p).ok())
            .collect()
    }

    /// Parsed EKU OIDs.
    pub fn eku_oids(&self) -> Vec<ObjectIdentifier> {
        self.extended_key_usage
            .iter()
            .filter_map(|e| eku_oid(e))
            .collect()
    }

    /// Whether `field` is required.
    pub fn requires(&self, field: &str) -> bool {
        self.subject.required.iter().any(|f| f == field)
    }

    /// Whether `field` may appear.
    pub fn allows(&self, field: &str) -> bool {
        self.requires(field) || self.subject.optional.iter().any(|f| f == field)
    }

    /// Maximum length of a field (default 64).
    pub fn max_len(&self, field: &str) -> usize {
        self.subject.max_length.get(field).copied().unwrap_or(64)
    }
}

fn extract_backticked(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = start + msg[start..].find('`')?;
    Some(msg[start..end].to_string())
}

/// The profiles shipped in the repository's `policies/` folder (compiled in, written to a
/// data directory by `yinxin init`).
pub const BUILTIN_PROFILES: [(&str, &str); 8] = [
    ("person.toml", include_str!("../../policies/person.toml")),
    (
        "organization.toml",
        include_str!("../../policies/organization.toml"),
    ),
    ("device.toml", include_str!("../../policies/device.toml")),
    (
        "ocsp-signer.toml",
        include_str!("../../policies/ocsp-signer.toml"),
    ),
    ("tsa.toml", include_str!("../../policies/tsa.toml")),
    (
        "seal-maker.toml",
        include_str!("../../policies/seal-maker.toml"),
    ),
    (
        "trust-list-signer.toml",
        include_str!("../../policies/trust-list-signer.toml"),
    ),
    (
        "licence-qr-signer.toml",
        include_str!("../../policies/licence-qr-signer.toml"),
    ),
];

/// The set of profiles a region issues under.
#[derive(Clone, Debug, Default)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Profile>,
}

impl ProfileSet {
    /// The built-in profiles.
    pub fn builtin() -> Result<Self, ProfileError> {
        let mut set = ProfileSet::default();
        for (file, text) in BUILTIN_PROFILES {
            let p = Profile::from_toml(file, text)?;
            set.profiles.insert(p.name.clone(), p);
        }
        Ok(set)
    }

    /// Load every `*.toml` certificate profile in `dir` (files that are not certificate
    /// profiles, such as `seals.toml` or `trust.toml`, are recognised by having no `kind`).
    pub fn load_dir(dir: &Path) -> Result<Self, ProfileError> {
        let mut set = ProfileSet::default();
        let rd = std::fs::read_dir(dir).map_err(|e| ProfileError {
            file: dir.display().to_string(),
            field: "(directory)".into(),
            message: e.to_string(),
        })?;
        let mut paths: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let file = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| ProfileError {
                file: file.clone(),
                field: "(file)".into(),
                message: e.to_string(),
            })?;
            let is_profile = toml::from_str::<toml::Table>(&text)
                .map(|t| t.contains_key("kind"))
                .unwrap_or(true);
            if !is_profile {
                continue;
            }
            let p = Profile::from_toml(&file, &text)?;
            set.profiles.insert(p.name.clone(), p);
        }
        for required in ["ocsp-signer", "tsa", "seal-maker"] {
            if !set.profiles.contains_key(required) {
                return Err(ProfileError {
                    file: dir.join(format!("{required}.toml")).display().to_string(),
                    field: "(file)".into(),
                    message: "this service profile is required".into(),
                });
            }
        }
        Ok(set)
    }

    /// A profile by name.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// All profiles.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_load() {
        let set = ProfileSet::builtin().unwrap();
        for n in [
            "person",
            "organization",
            "device",
            "ocsp-signer",
            "tsa",
            "seal-maker",
        ] {
            assert!(set.get(n).is_some(), "{n}");
        }
        assert_eq!(
            set.get("person").unwrap().id_number_in_subject,
            Some(IdNumberInSubject::Hash)
        );
        assert!(set.get("tsa").unwrap().extended_key_usage_critical);
    }

    #[test]
    fn invalid_profiles_name_file_and_field() {
        let base = BUILTIN_PROFILES[0].1;
        let e =
            Profile::from_toml("policies/person.toml", &format!("bogus = 1\n{base}")).unwrap_err();
        assert_eq!(e.field, "bogus");
        assert!(
            e.to_string()
                .starts_with("policies/person.toml: field `bogus`"),
            "{e}"
        );

        let bad_ku = base.replace("\"nonRepudiation\"", "\"nonsense\"");
        let e = Profile::from_toml("policies/person.toml", &bad_ku).unwrap_err();
        assert_eq!(e.field, "key_usage");

        let bad_oid = base.replace("1.3.6.1.4.1.32473.1.1.1", "not-an-oid");
        let e = Profile::from_toml("policies/person.toml", &bad_oid).unwrap_err();
        assert_eq!(e.field, "policies");

        let e = Profile::from_toml("policies/other.toml", base).unwrap_err();
        assert_eq!(e.field, "name");

        let bad_alg = base.replace("\"sm2\"", "\"rsa\"");
        let e = Profile::from_toml("policies/person.toml", &bad_alg).unwrap_err();
        assert!(e.message.contains("rsa"), "{e}");

        let bad_field = base.replace(
            "required = [\"name\", \"id_number\"]",
            "required = [\"name\", \"dns\"]",
        );
        let e = Profile::from_toml("policies/person.toml", &bad_field).unwrap_err();
        assert_eq!(e.field, "subject");
    }
}

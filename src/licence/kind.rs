//! Licence kinds (`policies/licences/*.toml`): what a kind of e-licence holds, who defines and
//! who may issue it, how long it is valid, how its face is laid out, and how its metadata maps to
//! the GB/T 36903 keys and to other platforms' key sets. A bad file stops start-up naming the
//! file and the field ([`KindError`]).
//!
//! Owns the catalogue model and its checks; must not import HTTP, SQL or the store.

use super::fields::{Field, FieldType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Category of a licence kind (the categories provincial sharing platforms use).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Category {
    /// 证照执照: licences and certificates.
    #[serde(rename = "证照执照")]
    Licence,
    /// 证明文件: attestations.
    #[serde(rename = "证明文件")]
    Attestation,
    /// 批文批复: approvals.
    #[serde(rename = "批文批复")]
    Approval,
    /// 鉴定报告: appraisal reports.
    #[serde(rename = "鉴定报告")]
    Report,
    /// 办事结果: results of a service.
    #[serde(rename = "办事结果")]
    ServiceResult,
}

/// Who holds licences of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HolderType {
    /// A natural person (holder code: resident identity number, type `111`).
    Person,
    /// An organization (holder code: unified social credit code, type `001`).
    Organization,
}

impl HolderType {
    /// The GB/T 36903 holder code type (CZZTDMLX).
    pub fn code_type(self) -> &'static str {
        match self {
            HolderType::Person => "111",
            HolderType::Organization => "001",
        }
    }
}

/// Names in the two languages we ship.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Chinese (as printed).
    #[serde(rename = "zh-CN")]
    pub zh: String,
    /// English.
    pub en: String,
}

/// The authority that defines a kind.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    /// Name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: String,
}

/// How long a licence of the kind is valid.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, tag = "rule", rename_all = "kebab-case")]
pub enum Validity {
    /// Valid until withdrawn (长期).
    LongTerm,
    /// A fixed number of years from the issue date.
    Years {
        /// Years (1 to 50).
        years: u8,
    },
    /// The end date is a field of the licence (e.g. 营业期限); an empty optional field means
    /// long-term.
    Field {
        /// The date field.
        field: String,
    },
}

/// A box on the face (millimetres from the top-left corner of the page).
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// One printed item of the face.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FaceItem {
    /// The field printed (`issue_date`, `identifier` and `issuer_name` are the licence's own).
    pub field: String,
    /// Where.
    pub at: Rect,
    /// Font size (points).
    #[serde(default = "default_font")]
    pub size: f64,
    /// Printed before the value (e.g. `名称`); none when the background carries the labels.
    #[serde(default)]
    pub label: Option<String>,
}

fn default_font() -> f64 {
    11.0
}

/// The face of the licence.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Face {
    /// Page width (mm).
    pub width: f64,
    /// Page height (mm).
    pub height: f64,
    /// The title printed at the top (the kind's Chinese name when omitted).
    #[serde(default)]
    pub title: Option<String>,
    /// Background picture (PNG, path relative to the kind file), optional.
    #[serde(default)]
    pub background: Option<String>,
    /// The QR code's box.
    pub qr: Rect,
    /// The seal's box (its centre is where the seal is stamped).
    pub seal: Rect,
    /// The holder's photo, for kinds with an `image` field.
    #[serde(default)]
    pub photo: Option<FaceItem>,
    /// Printed fields.
    pub items: Vec<FaceItem>,
}

/// One licence kind.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceKind {
    /// Stable key (`business-licence`, …).
    pub key: String,
    /// GB/T 36904 type code (the defining authority's credit code and a 3-digit sequence).
    pub type_code: String,
    /// Names.
    pub name: Names,
    /// Defining authority.
    pub authority: Authority,
    /// Category.
    pub category: Category,
    /// Holder type.
    pub holder: HolderType,
    /// The field holding the holder's name (CZZT).
    pub holder_name_field: String,
    /// The field holding the holder's code (CZZTDM).
    pub holder_code_field: String,
    /// The field holding the licence number (ZZBH); the identifier's serial when omitted.
    #[serde(default)]
    pub number_field: Option<String>,
    /// The seal type key (`policies/seals.toml`) the licence is sealed with.
    pub seal_type: String,
    /// Credit codes of the agencies that may issue it; `["*"]` for any agency with the role.
    pub issuers: Vec<String>,
    /// Validity.
    pub validity: Validity,
    /// Fields, in printing order.
    pub fields: Vec<Field>,
    /// The face.
    pub face: Face,
    /// Other platforms' key sets: platform name → (their key → our field or a GB/T 36903 key).
    #[serde(default)]
    pub mappings: BTreeMap<String, BTreeMap<String, String>>,
}

/// A catalogue file that cannot be used, naming the file and the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {reason}")]
pub struct KindError {
    /// The file.
    pub file: String,
    /// The field (a TOML path).
    pub field: String,
    /// Why.
    pub reason: String,
}

/// The fields that every licence has besides its kind's (usable on the face and in mappings).
pub const LICENCE_FIELDS: [&str; 6] = [
    "identifier",
    "issue_date",
    "issuer_name",
    "valid_from",
    "valid_to",
    "number",
];

impl LicenceKind {
    /// Parse and check one kind file.
    pub fn parse(file: &str, text: &str) -> Result<LicenceKind, KindError> {
        let err = |field: &str, reason: String| KindError {
            file: file.to_string(),
            field: field.to_string(),
            reason,
        };
        let kind: LicenceKind = toml::from_str(text).map_err(|e| {
            let field = e
                .span()
                .map(|s| field_at(text, s.start))
                .unwrap_or_else(|| "(file)".to_string());
            err(&field, e.message().trim().to_string())
        })?;
        kind.check()
            .map_err(|(field, reason)| err(&field, reason))?;
        Ok(kind)
    }

    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Whether an agency (credit code) may issue this kind.
    pub fn may_issue(&self, agency: &str) -> bool {
        self.issuers.iter().any(|i| i == "*" || i == agency)
    }

    fn check(&self) -> Result<(), (String, String)> {
        let bad = |f: &str, r: &str| Err((f.to_string(), r.to_string()));
        if self.key.is_empty()
            || !self
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return bad("key", "lower-case letters, digits and '-' only");
        }
        if self.type_code.len() < 6
            || self.type_code.len() > 32
            || !self
                .type_code
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return bad("type_code", "6 to 32 characters of 0-9 and A-Z");
        }
        if crate::pki::identifiers::check_credit_code(&self.authority.credit_code).is_err() {
            return bad(
                "authority.credit_code",
                "not a unified social credit code (GB 32100)",
            );
        }
        if crate::seal::types::by_key(&self.seal_type).is_none() {
            return bad("seal_type", "no such seal type in policies/seals.toml");
        }
        if self.issuers.is_empty() {
            return bad("issuers", "name at least one agency, or \"*\"");
        }
        for (i, code) in self.issuers.iter().enumerate() {
            if code != "*" && crate::pki::identifiers::check_credit_code(code).is_err() {
                return bad(
                    &format!("issuers[{i}]"),
                    "not a unified social credit code (GB 32100)",
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            let at = format!("fields[{i}]");
            if !seen.insert(f.key.as_str()) || LICENCE_FIELDS.contains(&f.key.as_str()) {
                return bad(&format!("{at}.key"), "used twice or reserved");
            }
            f.check()
                .map_err(|(field, r)| (format!("{at}.{field}"), r))?;
        }
        let known = |k: &str| self.field(k).is_some() || LICENCE_FIELDS.contains(&k);
        for (name, key) in [
            ("holder_name_field", Some(&self.holder_name_field)),
            ("holder_code_field", Some(&self.holder_code_field)),
            ("number_field", self.number_field.as_ref()),
        ] {
            if let Some(key) = key
                && self.field(key).is_none()
            {
                return bad(name, "no such field");
            }
        }
        let code = self.field(&self.holder_code_field).map(|f| f.check_rule());
        let want = match self.holder {
            HolderType::Person => Some(super::fields::CheckRule::Gb11643),
            HolderType::Organization => Some(super::fields::CheckRule::Gb32100),
        };
        if code != Some(want) {
            return bad(
                "holder_code_field",
                "must be a `code` field checked by gb11643 (person) or gb32100 (organization)",
            );
        }
        if let Validity::Field { field } = &self.validity
            && self.field(field).map(|f| f.kind) != Some(FieldType::Date)
        {
            return bad("validity.field", "must name a date field");
        }
        if let Validity::Years { years } = &self.validity
            && !(1..=50).contains(years)
        {
            return bad("validity.years", "must be 1 to 50");
        }
        let face = &self.face;
        if !(50.0..=600.0).contains(&face.width) || !(50.0..=600.0).contains(&face.height) {
            return bad("face.width", "page sides must be 50 to 600 mm");
        }
        let inside = |r: &Rect| {
            r.x >= 0.0
                && r.y >= 0.0
                && r.w > 0.0
                && r.h > 0.0
                && r.x + r.w <= face.width
                && r.y + r.h <= face.height
        };
        if !inside(&face.qr) {
            return bad("face.qr", "must lie inside the page");
        }
        if !inside(&face.seal) {
            return bad("face.seal", "must lie inside the page");
        }
        for (i, item) in face.items.iter().enumerate() {
            if !known(&item.field) {
                return bad(&format!("face.items[{i}].field"), "no such field");
            }
            if !inside(&item.at) {
                return bad(&format!("face.items[{i}].at"), "must lie inside the page");
            }
            if !(4.0..=72.0).contains(&item.size) {
                return bad(&format!("face.items[{i}].size"), "must be 4 to 72 points");
            }
        }
        let has_image = self.fields.iter().any(|f| f.kind == FieldType::Image);
        match &face.photo {
            Some(p) if self.field(&p.field).map(|f| f.kind) != Some(FieldType::Image) => {
                return bad("face.photo.field", "must name an image field");
            }
            Some(p) if !inside(&p.at) => return bad("face.photo.at", "must lie inside the page"),
            None if has_image => {
                return bad("face.photo", "the kind has an image field: place it");
            }
            _ => {}
        }
        for (platform, map) in &self.mappings {
            for (theirs, ours) in map {
                if !known(ours) && !super::metadata::is_standard_key(ours) {
                    return bad(
                        &format!("mappings.{platform}.{theirs}"),
                        "names neither a field nor a GB/T 36903 key",
                    );
                }
            }
        }
        Ok(())
    }
}

/// The dotted path of the TOML key whose value starts at or before `offset` (best effort, for
/// error messages): the last `[table]` header and the key on the offending line.
fn field_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.rsplit('\n').next().unwrap_or("");
    let full_line = text[before.len() - line.len()..]
        .lines()
        .next()
        .unwrap_or("");
    let key = full_line
        .split('=')
        .next()
        .map(str::trim)
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .unwrap_or("");
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').to_string());
    match (table, key) {
        (Some(t), "") => t,
        (Some(t), k) => format!("{t}.{k}"),
        (None, "") => "(top level)".to_string(),
        (None, k) => k.to_string(),
    }
}

/// The catalogue: every kind, by key and by type code.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    kinds: Vec<LicenceKind>,
}

/// The kinds shipped with yinxin.
pub const BUILTIN: [(&str, &str); 3] = [
    (
        "policies/licences/business-licence.toml",
        include_str!("../../policies/licences/business-licence.toml"),
    ),
    (
        "policies/licences/food-business-licence.toml",
        include_str!("../../policies/licences/food-business-licence.toml"),
    ),
    (
        "policies/licences/professional-qualification.toml",
        include_str!("../../policies/licences/professional-qualification.toml"),
    ),
];

impl Catalogue {
    /// Build from (file name, text) pairs; a key or type code used twice is an error.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalogue, KindError> {
        let mut kinds: Vec<LicenceKind> = Vec::new();
        for (file, text) in files {
            let kind = LicenceKind::parse(file, text)?;
            if kinds
                .iter()
                .any(|k| k.key == kind.key || k.type_code == kind.type_code)
            {
                return Err(KindError {
                    file: file.to_string(),
                    field: "key".to_string(),
                    reason: "key or type_code already used by another kind".to_string(),
                });
            }
            kinds.push(kind);
        }
        Ok(Catalogue { kinds })
    }

    /// The built-in kinds.
    pub fn builtin() -> Catalogue {
        Catalogue::from_files(BUILTIN).expect("the built-in licence kinds are valid")
    }

    /// The built-in kinds and every `*.toml` in `dir` (a file with a built-in key replaces it).
    pub fn load_dir(dir: &std::path::Path) -> Result<Catalogue, KindError> {
        let mut files: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (name, text) in BUILTIN {
            let key = LicenceKind::parse(name, text)?.key;
            files.insert(key, (name.to_string(), text.to_string()));
        }
        let io = |e: std::io::Error| KindError {
            file: dir.display().to_string(),
            field: "(directory)".to_string(),
            reason: e.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in paths {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(&p).map_err(io)?;
            let key = LicenceKind::parse(&name, &text)?.key;
            files.insert(key, (name, text));
        }
        Catalogue::from_files(files.values().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    /// Every kind.
    pub fn kinds(&self) -> &[LicenceKind] {
        &self.kinds
    }

    /// The kind with this key.
    pub fn by_key(&self, key: &str) -> Option<&LicenceKind> {
        self.kinds.iter().find(|k| k.key == key)
    }

    /// The kind with this type code.
    pub fn by_type_code(&self, code: &str) -> Option<&LicenceKind> {
        self.kinds.iter().find(|k| k.type_code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn business() -> String {
        BUILTIN[0].1.to_string()
    }

    #[test]
    fn builtin_kinds_load() {
        let c = Catalogue::builtin();
        assert_eq!(c.kinds().len(), 3);
        let b = c.by_key("business-licence").unwrap();
        assert_eq!(b.name.zh, "营业执照");
        assert_eq!(b.holder, HolderType::Organization);
        assert!(c.by_type_code(&b.type_code).is_some());
        let p = c.by_key("professional-qualification").unwrap();
        assert_eq!(p.holder, HolderType::Person);
        assert!(p.face.photo.is_some());
    }

    #[test]
    fn errors_name_file_and_field() {
        let e = LicenceKind::parse(
            "x.toml",
            &business().replace("seal_type = \"e-licence\"", "seal_type = \"nope\""),
        )
        .unwrap_err();
        assert_eq!((e.file.as_str(), e.field.as_str()), ("x.toml", "seal_type"));
        let e = LicenceKind::parse(
            "x.toml",
            &business().replacen("type = \"text\"", "type = \"colour\"", 1),
        )
        .unwrap_err();
        assert!(e.field.starts_with("fields"), "{e}");
        assert!(e.to_string().starts_with("x.toml: fields"), "{e}");
        let e = LicenceKind::parse("x.toml", &format!("{}\nbogus = 1\n", business())).unwrap_err();
        assert_eq!(e.file, "x.toml");
        let e = LicenceKind::parse(
            "x.toml",
            &business().replace(
                "holder_code_field = \"credit_code\"",
                "holder_code_field = \"name\"",
            ),
        )
        .unwrap_err();
        assert_eq!(e.field, "holder_code_field");
    }

    #[test]
    fn a_second_kind_with_the_same_type_code_is_refused() {
        let b = business();
        let again = b.replace("key = \"business-licence\"", "key = \"other\"");
        let e = Catalogue::from_files([("a.toml", b.as_str()), ("b.toml", again.as_str())])
            .unwrap_err();
        assert_eq!(e.file, "b.toml");
    }

    #[test]
    fn a_directory_file_replaces_a_builtin_kind_and_bad_ones_stop() {
        let dir = tempfile::tempdir().unwrap();
        let changed = business().replace("营业执照\"", "营业执照（测试）\"");
        std::fs::write(dir.path().join("b.toml"), &changed).unwrap();
        let c = Catalogue::load_dir(dir.path()).unwrap();
        assert_eq!(c.kinds().len(), 3);
        assert_eq!(
            c.by_key("business-licence").unwrap().name.zh,
            "营业执照（测试）"
        );
        std::fs::write(dir.path().join("c.toml"), "key = 1").unwrap();
        let e = Catalogue::load_dir(dir.path()).unwrap_err();
        assert!(e.file.ends_with("c.toml"), "{e}");
    }
}

//! Seal types (`policies/seals.toml`): code, name, holder kind, picture size, shape, maximum
//! validity. An invalid file names the file and the field.

use serde::Deserialize;

/// Who may hold a seal of a type: decides how the holder is checked and stored (see
/// [`super::holder`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Holder {
    /// An organization (by unified social credit code). The default when a type omits `holder`.
    #[default]
    Organization,
    /// A natural person.
    Person,
}

/// Outline of the generated picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// Round (official, contract, e-licence seals).
    Round,
    /// Oval (finance, invoice seals).
    Oval,
    /// Square (personal name seals).
    Square,
}

/// One seal type.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SealType {
    /// Stable key (`official`, `contract`, …).
    pub key: String,
    /// The GB/T 38540 `type` integer.
    pub code: i64,
    /// Name (公章, …).
    pub name: String,
    /// Holder kind (`organization` when omitted).
    #[serde(default)]
    pub holder: Holder,
    /// Picture width (mm).
    pub width_mm: i64,
    /// Picture height (mm).
    pub height_mm: i64,
    /// Generated picture outline.
    pub shape: Shape,
    /// Longest validity (days).
    pub max_validity_days: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "type")]
    types: Vec<SealType>,
}

/// The seal types shipped in `policies/seals.toml`.
pub const BUILTIN: &str = include_str!("../../policies/seals.toml");

/// Parse and check a seal types file.
pub fn parse(file: &str, text: &str) -> Result<Vec<SealType>, String> {
    let f: File = toml::from_str(text).map_err(|e| format!("{file}: {}", e.message().trim()))?;
    let mut seen = std::collections::HashSet::new();
    for t in &f.types {
        if !seen.insert(t.key.clone()) || !seen.insert(format!("#{}", t.code)) {
            return Err(format!("{file}: type `{}`: key or code used twice", t.key));
        }
        if !(5..=100).contains(&t.width_mm) || !(5..=100).contains(&t.height_mm) {
            return Err(format!(
                "{file}: type `{}`: field `width_mm`/`height_mm` must be 5 to 100",
                t.key
            ));
        }
        if t.max_validity_days == 0 || t.max_validity_days > 3650 {
            return Err(format!(
                "{file}: type `{}`: field `max_validity_days` must be 1 to 3650",
                t.key
            ));
        }
    }
    Ok(f.types)
}

/// The built-in types.
pub fn builtin() -> Vec<SealType> {
    parse("policies/seals.toml", BUILTIN).unwrap_or_default()
}

/// The built-in type with this key.
pub fn by_key(key: &str) -> Option<SealType> {
    builtin().into_iter().find(|t| t.key == key)
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_types_parse() {
        let t = super::parse("policies/seals.toml", super::BUILTIN).unwrap();
        assert_eq!(t.len(), 6);
        assert!(
            t.iter()
                .any(|x| x.key == "e-licence" && x.name == "电子证照专用章")
        );
        let e =
            super::parse("x.toml", &super::BUILTIN.replace("code = 2", "code = 1")).unwrap_err();
        assert!(e.contains("used twice"), "{e}");
        let e = super::parse("x.toml", &format!("{}\nbogus = 1\n", super::BUILTIN)).unwrap_err();
        assert!(e.starts_with("x.toml:"), "{e}");
    }

    #[test]
    fn holder_kind_by_type() {
        use super::Holder;
        let t = super::builtin();
        for x in &t {
            let want = if x.key == "personal" {
                Holder::Person
            } else {
                Holder::Organization
            };
            assert_eq!(x.holder, want, "{}", x.key);
        }
        assert_eq!(super::by_key("personal").unwrap().name, "个人名章");
        assert!(super::by_key("nosuch").is_none());
        // A type that omits `holder` is an organization seal.
        let text = "[[type]]\nkey = \"dept\"\ncode = 9\nname = \"部门章\"\nwidth_mm = 40\nheight_mm = 40\nshape = \"round\"\nmax_validity_days = 365\n";
        let t = super::parse("x.toml", text).unwrap();
        assert_eq!(t[0].holder, Holder::Organization);
        let e = super::parse(
            "x.toml",
            &text.replace("shape", "holder = \"robot\"\nshape"),
        )
        .unwrap_err();
        assert!(e.starts_with("x.toml:"), "{e}");
    }
}

//! The fields of a licence kind and the rules their values obey: type (text, date, money,
//! code, enum, image), required, maximum length, pattern, check rule (GB 32100 credit code,
//! GB 11643 identity number), sensitivity. [`validate`] checks a whole set of values against a
//! kind and names the field of every failure; personal identity numbers never appear in an
//! error.
//!
//! Owns the field model and value checks; must not import HTTP, SQL or the store.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The type of a field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Free text (one line or several).
    Text,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An amount: digits with at most six decimals, in the field's `unit`.
    Money,
    /// A code checked by a rule or pattern (credit code, identity number, licence number).
    Code,
    /// One of the field's `values`.
    Enum,
    /// A picture (PNG, base64 in requests).
    Image,
}

/// A check-character rule a `code` field obeys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckRule {
    /// Unified social credit code, GB 32100.
    Gb32100,
    /// Resident identity number, GB 11643.
    Gb11643,
}

/// Labels in the two languages we ship.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Chinese.
    #[serde(rename = "zh-CN")]
    pub zh: String,
    /// English.
    pub en: String,
}

/// One field of a kind.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Stable key (`credit_code`, …).
    pub key: String,
    /// Labels.
    pub label: Labels,
    /// Type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Must be given.
    #[serde(default)]
    pub required: bool,
    /// Longest value in characters (bytes of the decoded picture for images).
    #[serde(default)]
    pub max_length: Option<usize>,
    /// A regular expression the whole value must match (`code` and `text`).
    #[serde(default)]
    pub pattern: Option<String>,
    /// A check-character rule (`code`).
    #[serde(default)]
    pub check: Option<CheckRule>,
    /// Allowed values (`enum`).
    #[serde(default)]
    pub values: Vec<String>,
    /// Unit printed after a `money` value (e.g. `万元人民币`).
    #[serde(default)]
    pub unit: Option<String>,
    /// Personal or otherwise sensitive: masked unless the reader's role may see it.
    #[serde(default)]
    pub sensitive: bool,
    /// The GB/T 36903 extension key it is exported under (`KZ_…`); `KZ_<KEY>` when omitted.
    #[serde(default)]
    pub export: Option<String>,
}

/// Longest value of any field without its own `max_length` (characters).
pub const DEFAULT_MAX_LENGTH: usize = 2000;
/// Largest picture (bytes, decoded).
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

impl Field {
    /// The check rule of a `code` field, if any.
    pub fn check_rule(&self) -> Option<CheckRule> {
        (self.kind == FieldType::Code)
            .then_some(self.check)
            .flatten()
    }

    /// The GB/T 36903 extension key.
    pub fn export_key(&self) -> String {
        self.export
            .clone()
            .unwrap_or_else(|| format!("KZ_{}", self.key.to_uppercase()))
    }

    /// The longest value allowed.
    pub fn max(&self) -> usize {
        match (self.kind, self.max_length) {
            (_, Some(n)) => n,
            (FieldType::Image, None) => MAX_IMAGE_BYTES,
            _ => DEFAULT_MAX_LENGTH,
        }
    }

    pub(super) fn check(&self) -> Result<(), (String, String)> {
        let bad = |f: &str, r: &str| Err((f.to_string(), r.to_string()));
        if self.key.is_empty()
            || !self
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return bad("key", "lower-case letters, digits and '_' only");
        }
        if let Some(p) = &self.pattern
            && let Err(e) = regex::Regex::new(&format!("^(?:{p})$"))
        {
            return bad("pattern", &format!("not a regular expression: {e}"));
        }
        if self.check.is_some() && self.kind != FieldType::Code {
            return bad("check", "only `code` fields have a check rule");
        }
        if self.kind == FieldType::Enum && self.values.is_empty() {
            return bad("values", "an `enum` field lists its values");
        }
        if self.kind != FieldType::Enum && !self.values.is_empty() {
            return bad("values", "only `enum` fields list values");
        }
        if let Some(e) = &self.export
            && !e.starts_with("KZ_")
        {
            return bad("export", "extension keys start with KZ_");
        }
        if self.max_length == Some(0) {
            return bad("max_length", "must be at least 1");
        }
        Ok(())
    }
}

/// Why a value is refused, naming the field (never repeating a sensitive value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field key.
    pub field: String,
    /// Why.
    pub reason: String,
}

/// The validated values of a licence: text fields as given (trimmed), dates normalised,
/// pictures decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values {
    /// Text-like values by field key.
    pub text: BTreeMap<String, String>,
    /// Pictures by field key.
    pub images: BTreeMap<String, Vec<u8>>,
}

/// Check `input` (field key → JSON value) against `fields`: every field's rules, no unknown
/// keys. Returns every failure, in field order, or the values.
pub fn validate(
    fields: &[Field],
    input: &serde_json::Map<String, serde_json::Value>,
    today: time::Date,
) -> Result<Values, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = Values::default();
    for key in input.keys() {
        if !fields.iter().any(|f| &f.key == key) {
            errors.push(FieldError {
                field: key.chars().take(64).collect(),
                reason: "not a field of this kind".to_string(),
            });
        }
    }
    for f in fields {
        let raw = match input.get(&f.key) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
            Some(serde_json::Value::String(s)) => Some(s.trim()),
            Some(_) => {
                errors.push(FieldError {
                    field: f.key.clone(),
                    reason: "must be a string".to_string(),
                });
                continue;
            }
        };
        let Some(raw) = raw else {
            if f.required {
                errors.push(FieldError {
                    field: f.key.clone(),
                    reason: "is required".to_string(),
                });
            }
            continue;
        };
        match check_value(f, raw, today) {
            Ok(Checked::Text(t)) => {
                out.text.insert(f.key.clone(), t);
            }
            Ok(Checked::Image(b)) => {
                out.images.insert(f.key.clone(), b);
            }
            Err(reason) => errors.push(FieldError {
                field: f.key.clone(),
                reason,
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

enum Checked {
    Text(String),
    Image(Vec<u8>),
}

fn check_value(f: &Field, raw: &str, today: time::Date) -> Result<Checked, String> {
    if f.kind == FieldType::Image {
        return check_image(f, raw).map(Checked::Image);
    }
    let n = raw.chars().count();
    if n > f.max() {
        return Err(format!("is longer than {} characters", f.max()));
    }
    if raw.chars().any(|c| c.is_control() && c != '\n') {
        return Err("contains control characters".to_string());
    }
    let value = match f.kind {
        FieldType::Date => parse_date(raw)
            .ok_or_else(|| "must be a date, YYYY-MM-DD".to_string())?
            .to_string(),
        FieldType::Money => {
            let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
            let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            if int.is_empty()
                || int.len() > 15
                || !digits(int)
                || frac.len() > 6
                || !digits(frac)
                || (raw.contains('.') && frac.is_empty())
            {
                return Err("must be an amount: digits, at most 6 decimals".to_string());
            }
            raw.to_string()
        }
        FieldType::Enum => {
            if !f.values.iter().any(|v| v == raw) {
                return Err(format!("must be one of: {}", f.values.join(", ")));
            }
            raw.to_string()
        }
        FieldType::Code => match f.check {
            Some(CheckRule::Gb32100) => {
                crate::pki::identifiers::check_credit_code(raw)
                    .map_err(|e| format!("not a unified social credit code: {e}"))?;
                raw.to_string()
            }
            Some(CheckRule::Gb11643) => {
                crate::pki::identifiers::check_id_number_on(raw, today)
                    .map_err(|e| format!("not a resident identity number: {e}"))?;
                crate::pki::identifiers::normalize_id_number(raw)
            }
            None => raw.to_string(),
        },
        FieldType::Text | FieldType::Image => raw.to_string(),
    };
    if let Some(p) = &f.pattern {
        let re = regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| e.to_string())?;
        if !re.is_match(&value) {
            return Err(if f.sensitive {
                "does not have the required form".to_string()
            } else {
                format!("does not match the pattern {p}")
            });
        }
    }
    Ok(Checked::Text(value))
}

fn check_image(f: &Field, raw: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() > f.max() / 3 * 4 + 8 {
        return Err(format!("the picture is larger than {} bytes", f.max()));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| "must be a base64 PNG picture".to_string())?;
    if bytes.len() > f.max() {
        return Err(format!("the picture is larger than {} bytes", f.max()));
    }
    // PNG only: the face prints pictures as PNG (no JPEG decoder is linked).
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err("must be a PNG picture".to_string());
    }
    Ok(bytes)
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if s.len() != 10 {
        return None;
    }
    time::Date::parse(s, &format).ok()
}

/// A sensitive value as shown to whoever may not read it: its first and last characters kept,
/// the rest masked (`110************02X`); a value of two characters or fewer wholly masked.
pub fn mask(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let n = chars.len();
    if n <= 2 {
        return "*".repeat(n);
    }
    let keep = (n / 6).clamp(1, 4);
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep || i >= n - keep { *c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masking_keeps_only_the_ends() {
        assert_eq!(mask("11010519491231002X"), "110************02X");
        assert_eq!(mask("张三丰"), "张*丰");
        assert_eq!(mask("ab"), "**");
        assert_eq!(mask(""), "");
    }

    fn field(kind: FieldType) -> Field {
        Field {
            key: "f".into(),
            label: Labels {
                zh: "字段".into(),
                en: "Field".into(),
            },
            kind,
            required: true,
            max_length: None,
            pattern: None,
            check: None,
            values: vec![],
            unit: None,
            sensitive: false,
            export: None,
        }
    }

    fn run(f: &Field, v: serde_json::Value) -> Result<Values, Vec<FieldError>> {
        let mut m = serde_json::Map::new();
        m.insert("f".into(), v);
        validate(
            std::slice::from_ref(f),
            &m,
            time::macros::date!(2026 - 12 - 05),
        )
    }

    fn reason(f: &Field, v: serde_json::Value) -> String {
        let e = run(f, v).unwrap_err();
        assert_eq!(e[0].field, "f");
        e[0].reason.clone()
    }

    #[test]
    fn every_rule_names_its_failure() {
        assert_eq!(reason(&field(FieldType::Text), json!("")), "is required");
        assert_eq!(
            reason(&field(FieldType::Text), json!(3)),
            "must be a string"
        );
        assert!(reason(&field(FieldType::Date), json!("2026-02-30")).contains("YYYY-MM-DD"));
        assert!(reason(&field(FieldType::Money), json!("1.2.3")).contains("amount"));
        assert!(reason(&field(FieldType::Money), json!("12.")).contains("amount"));
        let mut e = field(FieldType::Enum);
        e.values = vec!["男".into(), "女".into()];
        assert!(reason(&e, json!("x")).contains("one of: 男, 女"));
        let mut c = field(FieldType::Code);
        c.check = Some(CheckRule::Gb32100);
        assert!(reason(&c, json!("91440101MA5CJMYA98")).contains("credit code"));
        assert!(run(&c, json!("91440101MA5CJMYA97")).is_ok());
        let mut p = field(FieldType::Code);
        p.pattern = Some("JY[0-9]{14}".into());
        assert!(reason(&p, json!("JY123")).contains("pattern"));
        assert!(run(&p, json!("JY12345678901234")).is_ok());
        let mut l = field(FieldType::Text);
        l.max_length = Some(4);
        assert!(reason(&l, json!("一二三四五")).contains("longer than 4"));
        assert!(reason(&field(FieldType::Image), json!("aGVsbG8=")).contains("PNG picture"));
    }

    #[test]
    fn identity_numbers_are_checked_and_never_echoed() {
        let mut f = field(FieldType::Code);
        f.check = Some(CheckRule::Gb11643);
        f.sensitive = true;
        f.pattern = Some("[0-9]{17}[0-9X]".into());
        let bad = "11010519491231002Y";
        let r = reason(&f, json!(bad));
        assert!(!r.contains(bad), "{r}");
        let good = "11010519491231002x";
        let v = run(&f, json!(good)).unwrap();
        assert_eq!(v.text["f"], "11010519491231002X");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let mut m = serde_json::Map::new();
        m.insert("f".into(), json!("x"));
        m.insert("zz".into(), json!("y"));
        let e = validate(
            &[field(FieldType::Text)],
            &m,
            time::macros::date!(2026 - 12 - 05),
        )
        .unwrap_err();
        assert_eq!(e[0].field, "zz");
    }

    #[test]
    fn pictures_decode() {
        use base64::Engine;
        let png = b"\x89PNG\r\n\x1a\nrest";
        let b64 = base64::engine::general_purpose::STANDARD.encode(png);
        let v = run(&field(FieldType::Image), json!(b64)).unwrap();
        assert_eq!(v.images["f"], png);
    }
}

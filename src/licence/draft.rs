//! Drafting a licence: the request of an agency checked against the kind (who may issue it,
//! every field rule), the holder, number and validity derived from the values, the identifier
//! assigned. A draft is not yet rendered, sealed or stored.
//!
//! Owns the issuing rules of one licence; must not import HTTP, SQL or the store.

use super::fields::{FieldError, Values, parse_date, validate};
use super::identifier::LicenceId;
use super::kind::{LicenceKind, Validity};
use super::record::{Licence, Status};

/// The issuing agency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agency {
    /// Unified social credit code.
    pub credit_code: String,
    /// Name as printed (发证机关).
    pub name: String,
}

/// Why a licence cannot be drafted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    /// The agency may not issue this kind.
    #[error("agency {agency} may not issue licences of kind `{kind}`")]
    NotAllowed {
        /// Agency credit code.
        agency: String,
        /// Kind key.
        kind: String,
    },
    /// One or more fields are wrong.
    #[error("{} field(s) are not acceptable: {}", .0.len(), .0.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; "))]
    Fields(Vec<FieldError>),
    /// The serial cannot make an identifier.
    #[error("identifier: {0}")]
    Identifier(String),
}

/// Draft a licence of `kind` by `agency` with `input` values, serial `serial`, version
/// `version`, issued on `today` (China Standard Time) at `now` (Unix seconds).
pub fn draft(
    kind: &LicenceKind,
    agency: &Agency,
    input: &serde_json::Map<String, serde_json::Value>,
    serial: &str,
    version: u16,
    today: time::Date,
    now: i64,
) -> Result<Licence, DraftError> {
    if !kind.may_issue(&agency.credit_code) {
        return Err(DraftError::NotAllowed {
            agency: agency.credit_code.clone(),
            kind: kind.key.clone(),
        });
    }
    let values = validate(&kind.fields, input, today).map_err(DraftError::Fields)?;
    let text = |key: &str| values.text.get(key).cloned().unwrap_or_default();
    let issue_date = today.to_string();
    let (valid_from, valid_to) = validity(kind, &values, today).map_err(DraftError::Fields)?;
    let id = LicenceId::new(&kind.type_code, &agency.credit_code, serial, version)
        .map_err(|e| DraftError::Identifier(e.to_string()))?;
    let number = match &kind.number_field {
        Some(f) => text(f),
        None => serial.to_string(),
    };
    Ok(Licence {
        id,
        kind: kind.key.clone(),
        issuer_code: agency.credit_code.clone(),
        issuer_name: agency.name.clone(),
        holder_name: text(&kind.holder_name_field),
        holder_code: text(&kind.holder_code_field),
        number,
        issue_date,
        valid_from,
        valid_to,
        values,
        status: Status::Active,
        superseded_by: None,
        status_reason: None,
        external_key: None,
        issued_at: now,
    })
}

/// Valid from and to: from the issue date (or the kind's start field) to the kind's rule.
fn validity(
    kind: &LicenceKind,
    values: &Values,
    today: time::Date,
) -> Result<(String, Option<String>), Vec<FieldError>> {
    let from = today;
    let to = match &kind.validity {
        Validity::LongTerm => None,
        Validity::Years { years } => {
            let y = from.year() + i32::from(*years);
            // 29 February in a year that has none ends on 28 February.
            let end = time::Date::from_calendar_date(y, from.month(), from.day())
                .or_else(|_| time::Date::from_calendar_date(y, from.month(), 28))
                .ok()
                .and_then(|d| d.previous_day());
            end.map(|d| d.to_string())
        }
        Validity::Field { field } => match values.text.get(field).and_then(|v| parse_date(v)) {
            Some(d) if d < today => {
                return Err(vec![FieldError {
                    field: field.clone(),
                    reason: "the end of validity is in the past".to_string(),
                }]);
            }
            Some(d) => Some(d.to_string()),
            None => None,
        },
    };
    Ok((from.to_string(), to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licence::kind::Catalogue;
    use serde_json::json;

    fn agency() -> Agency {
        Agency {
            credit_code: "11440100MB2C12345P".into(),
            name: "广州市市场监督管理局".into(),
        }
    }

    fn input(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    const TODAY: time::Date = time::macros::date!(2026 - 12 - 05);

    #[test]
    fn a_business_licence_is_drafted() {
        let c = Catalogue::builtin();
        let k = c.by_key("business-licence").unwrap();
        let l = draft(
            k,
            &agency(),
            &input(json!({
                "credit_code": "91440101MA5CJMYA97",
                "name": "广州示例科技有限公司",
                "entity_type": "有限责任公司",
                "legal_representative": "张三",
                "business_scope": "软件开发。",
                "established": "2019-03-01",
                "domicile": "广州市天河区示例路1号"
            })),
            "2026000001",
            1,
            TODAY,
            0,
        )
        .unwrap();
        assert_eq!(l.holder_code, "91440101MA5CJMYA97");
        assert_eq!(l.number, "91440101MA5CJMYA97");
        assert_eq!(l.valid_to, None, "no business term: long-term");
        assert_eq!(l.id.check_rule().unwrap().name(), "standard");
        assert_eq!(l.issue_date, "2026-12-05");
    }

    #[test]
    fn five_years_end_the_day_before() {
        let c = Catalogue::builtin();
        let k = c.by_key("food-business-licence").unwrap();
        let l = draft(
            k,
            &agency(),
            &input(json!({
                "operator_name": "示例餐饮店",
                "credit_code": "91440101MA5CJMYA97",
                "licence_number": "JY14401010000001",
                "legal_representative": "李四",
                "domicile": "广州市",
                "premises": "广州市",
                "business_form": "餐饮服务经营者",
                "items": "热食类食品制售"
            })),
            "s1",
            1,
            TODAY,
            0,
        );
        assert!(
            matches!(l, Err(DraftError::Identifier(_))),
            "a lower-case serial cannot make an identifier"
        );
        let l = draft(
            k,
            &agency(),
            &input(json!({
                "operator_name": "示例餐饮店",
                "credit_code": "91440101MA5CJMYA97",
                "licence_number": "JY14401010000001",
                "legal_representative": "李四",
                "domicile": "广州市",
                "premises": "广州市",
                "business_form": "餐饮服务经营者",
                "items": "热食类食品制售"
            })),
            "S1",
            1,
            TODAY,
            0,
        )
        .unwrap();
        assert_eq!(l.valid_to.as_deref(), Some("2031-12-04"));
        assert_eq!(l.number, "JY14401010000001");
    }

    #[test]
    fn agencies_not_listed_and_bad_fields_are_refused() {
        let c = Catalogue::builtin();
        let mut k = c.by_key("business-licence").unwrap().clone();
        k.issuers = vec!["91440101MA5CJMYA97".into()];
        let e = draft(&k, &agency(), &input(json!({})), "1", 1, TODAY, 0).unwrap_err();
        assert!(matches!(e, DraftError::NotAllowed { .. }), "{e}");
        let k = c.by_key("business-licence").unwrap();
        let e = draft(
            k,
            &agency(),
            &input(json!({"credit_code": "91440101MA5CJMYA98", "term_to": "2020-01-01"})),
            "1",
            1,
            TODAY,
            0,
        )
        .unwrap_err();
        let DraftError::Fields(errors) = e else {
            panic!()
        };
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(named.contains(&"credit_code"), "{named:?}");
        assert!(named.contains(&"name"), "{named:?}");
        assert!(named.contains(&"domicile"), "{named:?}");
    }
}

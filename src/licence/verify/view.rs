//! What a licence report shows of the licence: its kind (by type code in the catalogue) and
//! its metadata as labelled fields, sensitive values masked ([`crate::licence::fields::mask`]):
//! the fields the kind marks sensitive, the holder's code of a person-held kind, and — for a
//! kind this region does not know — the holder's code and every extension value.
//!
//! Owns the presentation only; must not import HTTP or SQL.

use super::super::fields::mask;
use super::super::kind::{Catalogue, HolderType, LicenceKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// Names in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// The licence kind, as the catalogue names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KindView {
    /// Kind key.
    pub key: String,
    /// GB/T 36904 type code.
    pub type_code: String,
    /// Its name.
    pub name: Label,
}

/// One metadata field as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldView {
    /// The GB/T 36903 key (or `KZ_…` extension key).
    pub key: String,
    /// Its label, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    /// The value (masked when sensitive).
    pub value: String,
    /// Whether the value is masked.
    pub masked: bool,
}

/// The labels of the standard keys.
const STANDARD: [(&str, &str, &str); 15] = [
    ("ZZBS", "证照标识", "Licence identifier"),
    ("ZZMC", "证照名称", "Licence name"),
    ("ZZLXDM", "证照类型代码", "Licence type code"),
    ("ZZBH", "证照编号", "Licence number"),
    ("ZZBFJG", "证照颁发机构", "Issuing agency"),
    ("ZZBFJGDM", "证照颁发机构代码", "Issuing agency code"),
    ("ZZBFRQ", "证照颁发日期", "Issue date"),
    ("CZZT", "持证主体", "Holder"),
    ("CZZTDM", "持证主体代码", "Holder code"),
    ("CZZTDMLX", "持证主体代码类型", "Holder code type"),
    ("ZZYXQQSRQ", "证照有效期起始日期", "Valid from"),
    ("ZZYXQJZRQ", "证照有效期截止日期", "Valid to"),
    ("ZZQZR", "证照签章人", "Sealed by"),
    ("ZZQZSJ", "证照签章时间", "Sealed at"),
    ("ZZQZMC", "证照签章名称", "Seal name"),
];

/// The kind of type code `code`, if the catalogue has it.
pub fn kind_view(catalogue: &Catalogue, code: &str) -> Option<KindView> {
    catalogue.by_type_code(code).map(|k| KindView {
        key: k.key.clone(),
        type_code: k.type_code.clone(),
        name: Label {
            zh: k.name.zh.clone(),
            en: k.name.en.clone(),
        },
    })
}

/// The metadata as labelled fields, sensitive values masked.
pub fn fields(meta: &BTreeMap<String, String>, kind: Option<&LicenceKind>) -> Vec<FieldView> {
    meta.iter()
        .map(|(key, value)| {
            let (label, sensitive) = describe(key, kind);
            FieldView {
                key: key.clone(),
                label,
                value: if sensitive {
                    mask(value)
                } else {
                    value.clone()
                },
                masked: sensitive,
            }
        })
        .collect()
}

fn describe(key: &str, kind: Option<&LicenceKind>) -> (Option<Label>, bool) {
    if let Some((_, zh, en)) = STANDARD.iter().find(|(k, _, _)| *k == key) {
        let sensitive = key == "CZZTDM"
            && kind.is_none_or(|k| {
                k.holder == HolderType::Person
                    || k.field(&k.holder_code_field).is_some_and(|f| f.sensitive)
            });
        let label = Label {
            zh: (*zh).into(),
            en: (*en).into(),
        };
        return (Some(label), sensitive);
    }
    let Some(kind) = kind else {
        // An extension of a kind we do not know: its sensitivity is unknown.
        return (None, true);
    };
    for f in &kind.fields {
        let export = f.export_key();
        if export == key {
            let label = Label {
                zh: f.label.zh.clone(),
                en: f.label.en.clone(),
            };
            return (Some(label), f.sensitive);
        }
        if key.strip_suffix("_SM3") == Some(export.as_str()) {
            let label = Label {
                zh: format!("{}（SM3）", f.label.zh),
                en: format!("{} (SM3)", f.label.en),
            };
            return (Some(label), false);
        }
    }
    (None, true)
}

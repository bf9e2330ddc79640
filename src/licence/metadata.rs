//! Licence metadata under the GB/T 36903 keys (ZZBS, ZZMC, ZZLXDM, ZZBH, ZZBFJG, ZZBFJGDM,
//! ZZBFRQ, CZZT, CZZTDM, CZZTDMLX, ZZYXQQSRQ, ZZYXQJZRQ, ZZQZR, ZZQZSJ, ZZQZMC and the `KZ_`
//! extensions), the same data under another platform's key set (a kind's `mappings`), and the
//! canonical licence data that the data signature and the QR's digest cover.
//!
//! Owns the key sets and the canonical form; must not import HTTP, SQL or the store.

use super::kind::LicenceKind;
use super::record::Licence;
use std::collections::BTreeMap;

/// The standard keys (the `KZ_` extensions aside).
pub const STANDARD_KEYS: [&str; 15] = [
    "ZZBS",
    "ZZMC",
    "ZZLXDM",
    "ZZBH",
    "ZZBFJG",
    "ZZBFJGDM",
    "ZZBFRQ",
    "CZZT",
    "CZZTDM",
    "CZZTDMLX",
    "ZZYXQQSRQ",
    "ZZYXQJZRQ",
    "ZZQZR",
    "ZZQZSJ",
    "ZZQZMC",
];

/// Whether `key` is a GB/T 36903 key.
pub fn is_standard_key(key: &str) -> bool {
    STANDARD_KEYS.contains(&key)
}

/// Who sealed the file, and when (the three sealing keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealing {
    /// ZZQZR: the sealer (the issuing agency).
    pub sealer: String,
    /// ZZQZSJ: sealing time (RFC 3339).
    pub time: String,
    /// ZZQZMC: the seal's name.
    pub seal_name: String,
}

/// The end of validity of a long-term licence (dates are exchanged as `YYYY-MM-DD`).
pub const LONG_TERM: &str = "长期";

/// The metadata of a licence version. Pictures are represented by their SM3 digest
/// (`KZ_<KEY>_SM3`, hex), never by their bytes.
pub fn metadata(
    licence: &Licence,
    kind: &LicenceKind,
    sealing: Option<&Sealing>,
) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: &str| {
        m.insert(k.to_string(), v.to_string());
    };
    put("ZZBS", &licence.id.to_string());
    put("ZZMC", &kind.name.zh);
    put("ZZLXDM", &kind.type_code);
    put("ZZBH", &licence.number);
    put("ZZBFJG", &licence.issuer_name);
    put("ZZBFJGDM", &licence.issuer_code);
    put("ZZBFRQ", &licence.issue_date);
    put("CZZT", &licence.holder_name);
    put("CZZTDM", &licence.holder_code);
    put("CZZTDMLX", kind.holder.code_type());
    put("ZZYXQQSRQ", &licence.valid_from);
    put(
        "ZZYXQJZRQ",
        licence.valid_to.as_deref().unwrap_or(LONG_TERM),
    );
    if let Some(s) = sealing {
        put("ZZQZR", &s.sealer);
        put("ZZQZSJ", &s.time);
        put("ZZQZMC", &s.seal_name);
    }
    for f in &kind.fields {
        if let Some(v) = licence.values.text.get(&f.key) {
            m.insert(f.export_key(), v.clone());
        }
        if let Some(img) = licence.values.images.get(&f.key) {
            m.insert(
                format!("{}_SM3", f.export_key()),
                hex::encode(crate::crypto::sm3(img)),
            );
        }
    }
    m
}

/// The canonical licence data: the metadata without the sealing keys (the data signature is
/// made before and apart from the seal), as canonical JSON (keys sorted, no spaces).
pub fn canonical_data(licence: &Licence, kind: &LicenceKind) -> Vec<u8> {
    crate::trust::list::canonical_json(&metadata(licence, kind, None))
}

/// The metadata under another platform's keys: each of the platform's keys takes the value of
/// the field or standard key it maps to; unmapped values are left out.
pub fn mapped(
    licence: &Licence,
    kind: &LicenceKind,
    platform: &str,
    sealing: Option<&Sealing>,
) -> Option<BTreeMap<String, String>> {
    let map = kind.mappings.get(platform)?;
    let standard = metadata(licence, kind, sealing);
    let mut out = BTreeMap::new();
    for (theirs, ours) in map {
        let v = if is_standard_key(ours) {
            standard.get(ours).cloned()
        } else {
            own_field(licence, ours)
        };
        if let Some(v) = v {
            out.insert(theirs.clone(), v);
        }
    }
    Some(out)
}

/// A licence's own field (`identifier`, `issue_date`, …) or a kind field's text value.
pub fn own_field(licence: &Licence, key: &str) -> Option<String> {
    match key {
        "identifier" => Some(licence.id.to_string()),
        "issue_date" => Some(licence.issue_date.clone()),
        "issuer_name" => Some(licence.issuer_name.clone()),
        "valid_from" => Some(licence.valid_from.clone()),
        "valid_to" => Some(
            licence
                .valid_to
                .clone()
                .unwrap_or_else(|| LONG_TERM.to_string()),
        ),
        "number" => Some(licence.number.clone()),
        _ => licence.values.text.get(key).cloned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::licence::fields::Values;
    use crate::licence::identifier::LicenceId;
    use crate::licence::kind::Catalogue;
    use crate::licence::record::Status;

    pub(crate) fn sample() -> (Licence, LicenceKind) {
        let kind = Catalogue::builtin()
            .by_key("business-licence")
            .unwrap()
            .clone();
        let mut values = Values::default();
        for (k, v) in [
            ("credit_code", "91440101MA5CJMYA97"),
            ("name", "广州示例科技有限公司"),
            ("entity_type", "有限责任公司（自然人投资或控股）"),
            ("legal_representative", "张三"),
            ("registered_capital", "100"),
            ("established", "2019-03-01"),
            ("domicile", "广州市天河区示例路1号"),
            ("business_scope", "软件开发；信息技术咨询服务。"),
        ] {
            values.text.insert(k.to_string(), v.to_string());
        }
        let licence = Licence {
            id: LicenceId::new(&kind.type_code, "11440100MB2C12345P", "2026000001", 1).unwrap(),
            kind: kind.key.clone(),
            issuer_code: "11440100MB2C12345P".into(),
            issuer_name: "广州市市场监督管理局".into(),
            holder_name: "广州示例科技有限公司".into(),
            holder_code: "91440101MA5CJMYA97".into(),
            number: "91440101MA5CJMYA97".into(),
            issue_date: "2026-12-05".into(),
            valid_from: "2019-03-01".into(),
            valid_to: None,
            values,
            status: Status::Active,
            superseded_by: None,
            status_reason: None,
            external_key: None,
            issued_at: 0,
        };
        (licence, kind)
    }

    #[test]
    fn metadata_uses_the_standard_keys() {
        let (l, k) = sample();
        let m = metadata(&l, &k, None);
        assert_eq!(m["ZZMC"], "营业执照");
        assert_eq!(m["CZZTDMLX"], "001");
        assert_eq!(m["ZZYXQJZRQ"], LONG_TERM);
        assert_eq!(m["ZZBS"], l.id.to_string());
        assert!(m.contains_key("KZ_BUSINESS_SCOPE") || m.keys().any(|k| k.starts_with("KZ_")));
        assert!(!m.contains_key("ZZQZSJ"));
        let sealed = metadata(
            &l,
            &k,
            Some(&Sealing {
                sealer: "x".into(),
                time: "t".into(),
                seal_name: "n".into(),
            }),
        );
        assert_eq!(sealed["ZZQZMC"], "n");
    }

    #[test]
    fn canonical_data_is_stable_and_sensitive_to_every_value() {
        let (mut l, k) = sample();
        let a = canonical_data(&l, &k);
        assert_eq!(a, canonical_data(&l, &k));
        l.values
            .text
            .insert("registered_capital".into(), "1000".into());
        assert_ne!(a, canonical_data(&l, &k));
    }

    #[test]
    fn another_platform_keys() {
        let (l, k) = sample();
        let m = mapped(&l, &k, "guangdong", None).unwrap();
        assert_eq!(m["ZZHM"], l.number);
        assert_eq!(m["CYRMC"], l.holder_name);
        assert!(mapped(&l, &k, "nowhere", None).is_none());
    }
}

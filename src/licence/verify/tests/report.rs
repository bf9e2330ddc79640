//! The report itself: sensitive values masked, every reason with texts in both languages.

use super::*;

#[test]
fn sensitive_values_are_masked_in_the_report() {
    let c = Catalogue::builtin();
    let kind = c.by_type_code("11100000717802000J001").unwrap();
    let meta: std::collections::BTreeMap<String, String> = [
        ("CZZT", "张三"),
        ("CZZTDM", "11010519491231002X"),
        ("KZ_SFZH", "11010519491231002X"),
        ("KZ_PHOTO_SM3", "ab12"),
        ("KZ_UNKNOWN", "x"),
        ("ZZBS", "1.2.156.3005.2.X"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let shown = |f: &[FieldView], k: &str| {
        let f = f.iter().find(|f| f.key == k).unwrap();
        (f.value.clone(), f.masked)
    };
    let f = view::fields(&meta, Some(kind));
    assert_eq!(shown(&f, "CZZT"), ("张三".into(), false));
    assert_eq!(shown(&f, "CZZTDM"), ("110************02X".into(), true));
    assert_eq!(shown(&f, "KZ_SFZH"), ("110************02X".into(), true));
    assert_eq!(shown(&f, "KZ_UNKNOWN"), ("*".into(), true));
    assert!(!shown(&f, "ZZBS").1);
    assert!(!f.iter().any(|x| x.value.contains("19491231")));
    // A kind this region does not know: the holder's code and every extension masked.
    let f = view::fields(&meta, None);
    assert!(shown(&f, "CZZTDM").1 && shown(&f, "KZ_PHOTO_SM3").1);
    assert!(!shown(&f, "CZZT").1);
}

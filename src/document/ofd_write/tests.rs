//! Tests of the OFD writer's XML helpers.

use super::signature::id_number;
use super::xml::{num, parse, root_prefix};

#[test]
fn numbers_are_short() {
    assert_eq!(num(10.0), "10");
    assert_eq!(num(2.5), "2.5");
    assert_eq!(num(-0.0001), "0");
    assert_eq!(num(1.23456), "1.235");
    assert_eq!(id_number("s006"), Some(6));
}

#[test]
fn spans_allow_in_place_edits() {
    let x = br#"<?xml version="1.0"?><a:S xmlns:a="x"><a:MaxSignId>1</a:MaxSignId><a:Signature ID="1"/></a:S>"#;
    let (root, text) = parse("s.xml", x)
        .map_err(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(root_prefix(&text, &root), "a:");
    let m = root.child("MaxSignId").cloned().unwrap_or_default();
    assert_eq!(m.end_start.map(|e| &text[m.start_end..e]), Some("1"));
    assert_eq!(root.end_start.map(|e| &text[e..]), Some("</a:S>"));
    // With a byte-order mark the offsets still point into the text as stored.
    let mut b = b"\xEF\xBB\xBF".to_vec();
    b.extend_from_slice(x);
    let (root, text) = parse("s.xml", &b)
        .map_err(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(root.end_start.map(|e| &text[e..]), Some("</a:S>"));
    assert_eq!(root_prefix(&text, &root), "a:");
}

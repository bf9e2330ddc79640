//! Tests of the XML helpers the OFD writer uses (`crate::document::xml`) and of its ids.

use super::signature::id_number;
use crate::document::xml::{num, read_exact};

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
    let (part, text) = read_exact("s.xml", x)
        .map_err(|e| e.reason)
        .unwrap_or_default();
    let root = &part.root;
    assert_eq!(part.prefix, "a:");
    let m = root.child("MaxSignId").cloned().unwrap_or_default();
    assert_eq!(m.end_start.map(|e| &text[m.start_end..e]), Some("1"));
    assert_eq!(root.end_start.map(|e| &text[e..]), Some("</a:S>"));
    // With a byte-order mark the offsets still point into the text as stored.
    let mut b = b"\xEF\xBB\xBF".to_vec();
    b.extend_from_slice(x);
    let (part, text) = read_exact("s.xml", &b)
        .map_err(|e| e.reason)
        .unwrap_or_default();
    let root = &part.root;
    assert_eq!(root.end_start.map(|e| &text[e..]), Some("</a:S>"));
    assert_eq!(part.prefix, "a:");
}

//! The tolerant TLV walker: reads elements (definite lengths, low tag numbers, non-minimal
//! lengths tolerated) and the primitive values inside them (INTEGER, strings, OCTET and BIT
//! STRING, OID), and writes DER headers (through `der`'s [`Header`]).
//!
//! Owns byte-level reading only; must not import the seal model, the reader, the checks, the
//! `der` derive structures or the crypto layer.

use super::{SealError, malformed};
use der::asn1::ObjectIdentifier;
use der::{Encode, Header, Length, Tag};
pub(super) mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const UTF8: u8 = 0x0c;
    pub const NUMERIC: u8 = 0x12;
    pub const PRINTABLE: u8 = 0x13;
    pub const T61: u8 = 0x14;
    pub const IA5: u8 = 0x16;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const VISIBLE: u8 = 0x1a;
    pub const GENERAL: u8 = 0x1b;
    pub const BMP: u8 = 0x1e;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const CTX0_PRIMITIVE: u8 = 0x80;
    pub const CTX0: u8 = 0xa0;
}

/// One element: its tag byte, its whole encoding (header and value) and its value.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tlv<'a> {
    pub(super) tag: u8,
    pub(super) raw: &'a [u8],
    pub(super) value: &'a [u8],
}

/// Read one element from the front of `input`. Definite lengths only (short or long form, up
/// to 4 length bytes, non-minimal forms tolerated); low tag numbers only.
fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    let tag = *input.first().ok_or("unexpected end of data")?;
    if tag & 0x1f == 0x1f {
        return Err(format!("unsupported high tag number (tag byte {tag:#04x})"));
    }
    let first = *input.get(1).ok_or("truncated length")?;
    let (len, header_len) = if first < 0x80 {
        (first as usize, 2usize)
    } else if first == 0x80 {
        return Err("indefinite length (BER) is not supported".into());
    } else {
        let n = (first & 0x7f) as usize;
        if n > 4 {
            return Err(format!("{n}-byte length"));
        }
        let bytes = input.get(2..2 + n).ok_or("truncated length")?;
        let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, 2 + n)
    };
    let end = header_len.checked_add(len).ok_or("length overflow")?;
    let raw = input
        .get(..end)
        .ok_or_else(|| format!("element of {len} bytes overruns its container"))?;
    let value = raw.get(header_len..).ok_or("length overflow")?;
    let rest = input.get(end..).ok_or("length overflow")?;
    Ok((Tlv { tag, raw, value }, rest))
}

/// Read exactly one element filling `input`.
pub(super) fn read_one<'a>(input: &'a [u8], what: &str) -> Result<Tlv<'a>, SealError> {
    let (t, rest) = read_tlv(input).map_err(|e| malformed(what, e))?;
    if !rest.is_empty() {
        return Err(malformed(
            what,
            format!("{} bytes of trailing data", rest.len()),
        ));
    }
    Ok(t)
}

/// The elements inside a constructed value, at most `max` of them.
pub(super) fn children<'a>(t: &Tlv<'a>, max: usize, what: &str) -> Result<Vec<Tlv<'a>>, SealError> {
    if t.tag & 0x20 == 0 {
        return Err(malformed(what, "expected a constructed element"));
    }
    let mut out = Vec::new();
    let mut rest = t.value;
    while !rest.is_empty() {
        if out.len() >= max {
            return Err(malformed(what, format!("more than {max} elements")));
        }
        let (c, r) = read_tlv(rest).map_err(|e| malformed(what, e))?;
        out.push(c);
        rest = r;
    }
    Ok(out)
}

/// The entries of a bounded list (`certList`, `ExtensionDatas`): more than `max` is
/// [`SealError::TooMany`].
pub(super) fn list_children<'a>(
    t: &Tlv<'a>,
    max: usize,
    list: &'static str,
    what: &str,
) -> Result<Vec<Tlv<'a>>, SealError> {
    if t.tag & 0x20 == 0 {
        return Err(malformed(what, "expected a constructed element"));
    }
    let mut out = Vec::new();
    let mut rest = t.value;
    while !rest.is_empty() {
        if out.len() >= max {
            return Err(SealError::TooMany { what: list, max });
        }
        let (c, r) = read_tlv(rest).map_err(|e| malformed(what, e))?;
        out.push(c);
        rest = r;
    }
    Ok(out)
}

pub(super) fn expect_tag(t: &Tlv<'_>, tag: u8, what: &str) -> Result<(), SealError> {
    if t.tag != tag {
        return Err(malformed(
            what,
            format!("expected tag {tag:#04x}, found {:#04x}", t.tag),
        ));
    }
    Ok(())
}

pub(super) fn get<'a, 'b>(
    items: &'b [Tlv<'a>],
    i: usize,
    what: &str,
) -> Result<&'b Tlv<'a>, SealError> {
    items.get(i).ok_or_else(|| malformed(what, "missing"))
}

pub(super) fn seq_children<'a>(
    t: &Tlv<'a>,
    max: usize,
    what: &str,
) -> Result<Vec<Tlv<'a>>, SealError> {
    expect_tag(t, tag::SEQUENCE, what)?;
    children(t, max, what)
}

pub(super) fn integer(t: &Tlv<'_>, what: &str) -> Result<i64, SealError> {
    expect_tag(t, tag::INTEGER, what)?;
    let v = t.value;
    let Some(&first) = v.first() else {
        return Err(malformed(what, "empty INTEGER"));
    };
    let negative = first & 0x80 != 0;
    // Drop redundant sign-extension bytes (non-minimal encodings tolerated).
    let mut start = 0;
    while start + 1 < v.len() {
        let (b, next) = (v[start], v[start + 1]);
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    let v = &v[start..];
    if v.len() > 8 {
        return Err(malformed(what, "INTEGER out of range"));
    }
    let mut acc: i64 = if negative { -1 } else { 0 };
    for b in v {
        acc = (acc << 8) | i64::from(*b);
    }
    Ok(acc)
}

pub(super) fn is_string_tag(t: u8) -> bool {
    matches!(
        t,
        tag::UTF8
            | tag::NUMERIC
            | tag::PRINTABLE
            | tag::T61
            | tag::IA5
            | tag::VISIBLE
            | tag::GENERAL
            | tag::BMP
    )
}

/// Any character string type, decoded leniently (invalid UTF-8 is replaced, never fatal).
pub(super) fn text(t: &Tlv<'_>, what: &str) -> Result<String, SealError> {
    if !is_string_tag(t.tag) {
        return Err(malformed(
            what,
            format!("expected a character string, found tag {:#04x}", t.tag),
        ));
    }
    Ok(decode_text(t.tag, t.value))
}

pub(super) fn decode_text(tag_byte: u8, v: &[u8]) -> String {
    if tag_byte == tag::BMP {
        let units: Vec<u16> = v
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(v).into_owned()
    }
}

pub(super) fn octets(t: &Tlv<'_>, what: &str) -> Result<Vec<u8>, SealError> {
    expect_tag(t, tag::OCTET_STRING, what)?;
    Ok(t.value.to_vec())
}

/// The bytes of a BIT STRING (the unused-bits count is dropped); an OCTET STRING is tolerated.
pub(super) fn bits(t: &Tlv<'_>, what: &str) -> Result<Vec<u8>, SealError> {
    match t.tag {
        tag::BIT_STRING => match t.value.split_first() {
            Some((unused, rest)) if *unused <= 7 => Ok(rest.to_vec()),
            Some(_) => Err(malformed(
                what,
                "BIT STRING with an invalid unused-bits count",
            )),
            None => Err(malformed(what, "empty BIT STRING")),
        },
        tag::OCTET_STRING => Ok(t.value.to_vec()),
        other => Err(malformed(
            what,
            format!("expected BIT STRING, found tag {other:#04x}"),
        )),
    }
}

pub(super) fn oid_of(t: &Tlv<'_>, what: &str) -> Result<ObjectIdentifier, SealError> {
    expect_tag(t, tag::OID, what)?;
    ObjectIdentifier::from_bytes(t.value).map_err(|e| malformed(what, e))
}

/// DER header for `len` bytes of value (`der`'s encoding of the tag and the length).
pub(super) fn der_header(tag: Tag, len: usize) -> Result<Vec<u8>, der::Error> {
    Header::new(tag, Length::try_from(len)?).to_der()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_reader_edges() {
        assert!(read_tlv(&[]).is_err());
        assert!(read_tlv(&[0x30]).is_err());
        assert!(read_tlv(&[0x30, 0x80, 0, 0]).is_err()); // indefinite
        assert!(read_tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(read_tlv(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(read_tlv(&[0x1f, 0x01, 0x00]).is_err());
        let (t, rest) = read_tlv(&[0x04, 0x81, 0x01, 0xaa, 0xbb]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.tag, t.value, rest), (0x04, &[0xaa][..], &[0xbb][..]));
    }

    #[test]
    fn integers() {
        let t = |v: &'static [u8]| Tlv {
            tag: tag::INTEGER,
            raw: v,
            value: v,
        };
        assert_eq!(integer(&t(&[0x00, 0x80]), "x").ok(), Some(128));
        assert_eq!(integer(&t(&[0xff]), "x").ok(), Some(-1));
        assert_eq!(integer(&t(&[0x00, 0x00, 0x01]), "x").ok(), Some(1));
        assert!(integer(&t(&[1, 2, 3, 4, 5, 6, 7, 8, 9]), "x").is_err());
        assert!(integer(&t(&[]), "x").is_err());
    }

    #[test]
    fn der_header_lengths() {
        assert_eq!(der_header(Tag::Sequence, 5), Ok(vec![0x30, 5]));
        assert_eq!(der_header(Tag::Sequence, 0x80), Ok(vec![0x30, 0x81, 0x80]));
        assert_eq!(
            der_header(Tag::Sequence, 0x1234),
            Ok(vec![0x30, 0x82, 0x12, 0x34])
        );
    }
}

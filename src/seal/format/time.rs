//! Seal and signing times: reading the forms found in real files (UTCTime, GeneralizedTime,
//! ISO 8601, "yyyy-MM-dd HH:mm:ss", zone-less meaning UTC+8) and writing GeneralizedTime for
//! v4 seals and signatures.
//!
//! Owns time conversion only; must not import the seal model, the reader, the checks or the
//! crypto layer.

use super::tlv::{Tlv, bits, decode_text, is_string_tag, tag};
use super::{SealError, malformed};
use der::asn1::GeneralizedTime;
use std::time::Duration;
/// Offset assumed for times written without a zone ("yyyy-MM-dd HH:mm:ss", zone-less
/// GeneralizedTime): China Standard Time, UTC+8, as the vendors' own `SignatureDateTime`
/// values show (dms360: "2020-01-25 15:31:56" for 07:31:56Z).
const ZONELESS_OFFSET_SECS: i32 = 8 * 3600;

/// Unix seconds of a time written as UTCTime ("YYMMDDhhmm[ss]Z"), GeneralizedTime
/// ("YYYYMMDDhhmmss[.f]Z", offsets allowed), ISO 8601 ("2020-01-25T07:31:56.377Z") or
/// "yyyy-MM-dd HH:mm:ss". Fractions are dropped; no zone means UTC+8.
fn parse_time_text(s: &str, utc_time: bool) -> Option<i64> {
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    if s.len() > 64 {
        return None;
    }
    let (body, offset) = if let Some(b) = s.strip_suffix(['Z', 'z']) {
        (b, Some(0))
    } else {
        match s
            .char_indices()
            .rev()
            .find(|(i, c)| (*c == '+' || *c == '-') && *i > 10)
        {
            Some((i, c)) => {
                let digits: String = s.get(i + 1..)?.chars().filter(|c| *c != ':').collect();
                if !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let (h, m) = match digits.len() {
                    2 => (digits.parse::<i32>().ok()?, 0),
                    4 => (
                        digits.get(0..2)?.parse::<i32>().ok()?,
                        digits.get(2..4)?.parse::<i32>().ok()?,
                    ),
                    _ => return None,
                };
                let secs = h * 3600 + m * 60;
                (s.get(..i)?, Some(if c == '-' { -secs } else { secs }))
            }
            None => (s, None),
        }
    };
    let body = body.split(['.', ',']).next()?;
    let mut digits = Vec::with_capacity(14);
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c as u8 - b'0'),
            '-' | ':' | 'T' | 't' | ' ' | '/' => {}
            _ => return None,
        }
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        digits
            .get(r)
            .map(|d| d.iter().fold(0u32, |a, x| a * 10 + u32::from(*x)))
    };
    let (year, rest_at) = match (digits.len(), utc_time) {
        (10 | 12, true) => {
            let yy = num(0..2)? as i32;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (12 | 14, false) => (num(0..4)? as i32, 4),
        _ => return None,
    };
    let month = num(rest_at..rest_at + 2)?;
    let day = num(rest_at + 2..rest_at + 4)?;
    let hour = num(rest_at + 4..rest_at + 6)?;
    let minute = num(rest_at + 6..rest_at + 8)?;
    let second = if digits.len() > rest_at + 8 {
        num(rest_at + 8..rest_at + 10)?
    } else {
        0
    };
    let date = time::Date::from_calendar_date(
        year,
        time::Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let tm = time::Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    let off = time::UtcOffset::from_whole_seconds(offset.unwrap_or(ZONELESS_OFFSET_SECS)).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, tm)
            .assume_offset(off)
            .unix_timestamp(),
    )
}

/// A date of the seal: UTCTime or GeneralizedTime (either in v1 and v4), or a string.
pub(super) fn seal_date(t: &Tlv<'_>, what: &str) -> Result<i64, SealError> {
    let utc = match t.tag {
        tag::UTC_TIME => true,
        tag::GENERALIZED_TIME => false,
        x if is_string_tag(x) => false,
        other => {
            return Err(malformed(
                what,
                format!("expected a time, found tag {other:#04x}"),
            ));
        }
    };
    let s = decode_text(t.tag, t.value);
    parse_time_text(&s, utc).ok_or_else(|| malformed(what, format!("unreadable time '{s}'")))
}

/// The text of a `timeInfo` (GeneralizedTime, UTCTime, BIT STRING or string) and its time.
pub(super) fn time_info(t: &Tlv<'_>) -> Result<(String, Option<i64>), SealError> {
    let (s, utc) = match t.tag {
        tag::UTC_TIME => (decode_text(t.tag, t.value), true),
        tag::GENERALIZED_TIME | tag::OCTET_STRING => (decode_text(t.tag, t.value), false),
        tag::BIT_STRING => (
            String::from_utf8_lossy(&bits(t, "TBS_Sign.timeInfo")?).into_owned(),
            false,
        ),
        x if is_string_tag(x) => (decode_text(x, t.value), false),
        other => {
            return Err(malformed(
                "TBS_Sign.timeInfo",
                format!("unexpected tag {other:#04x}"),
            ));
        }
    };
    let s = s
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_string();
    let parsed = parse_time_text(&s, utc);
    Ok((s, parsed))
}

pub(super) fn generalized_time(secs: i64, what: &str) -> Result<GeneralizedTime, SealError> {
    let secs = u64::try_from(secs).map_err(|_| SealError::Build(format!("{what} before 1970")))?;
    GeneralizedTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|e| SealError::Build(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_forms() {
        // 2021-10-14 03:34:04 UTC
        assert_eq!(
            parse_time_text("20211014033404Z", false),
            Some(1_634_182_444)
        );
        assert_eq!(parse_time_text("211014033404Z", true), Some(1_634_182_444));
        assert_eq!(
            parse_time_text("2021-10-14T03:34:04.377Z", false),
            Some(1_634_182_444)
        );
        // no zone: UTC+8
        assert_eq!(
            parse_time_text("2021-10-14 11:34:04", false),
            Some(1_634_182_444)
        );
        assert_eq!(
            parse_time_text("20211014113404+0800", false),
            Some(1_634_182_444)
        );
        assert_eq!(
            parse_time_text("2021-10-14T05:34:04+02:00", false),
            Some(1_634_182_444)
        );
        assert_eq!(parse_time_text("2111014033404Z", false), None);
        assert_eq!(parse_time_text("20211314033404Z", false), None);
        assert_eq!(parse_time_text("", false), None);
        assert_eq!(parse_time_text("garbage", false), None);
        assert_eq!(
            parse_time_text("2021-10-14 11:34:04\u{0}", false),
            Some(1_634_182_444)
        );
    }
}

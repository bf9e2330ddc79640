//! [`GenTime`]: the `genTime` GeneralizedTime of RFC 3161 with milliseconds (written in DER
//! form, read with any number of fractional digits).
//!
//! Owns the time type; must not import the protocol structures, the responder, the client or
//! token parsing.

use super::TspError;
use der::{DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Tag, Writer};
use std::time::Duration;

/// `GeneralizedTime` in UTC with optional fractional seconds, as RFC 3161 §2.4.2 allows
/// for `genTime`: `YYYYMMDDhhmmss[.s...]Z`.
///
/// Encoding writes milliseconds in DER form (no trailing zeros, no dot when zero).
/// Decoding accepts any number of fractional digits and keeps milliseconds.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Ord, PartialOrd, Hash)]
pub struct GenTime {
    unix_millis: i64,
}

/// Milliseconds from the Unix epoch to 9999-12-31T23:59:59.999Z.
pub(super) const MAX_UNIX_MILLIS: i64 = 253_402_300_799_999;

impl GenTime {
    /// A time from Unix milliseconds (1970 to 9999).
    pub fn from_unix_millis(unix_millis: i64) -> Result<Self, TspError> {
        if !(0..=MAX_UNIX_MILLIS).contains(&unix_millis) {
            return Err(TspError::Encoding(format!(
                "time {unix_millis} ms is outside 1970..9999"
            )));
        }
        Ok(GenTime { unix_millis })
    }

    /// Unix milliseconds.
    pub fn unix_millis(self) -> i64 {
        self.unix_millis
    }

    pub(super) fn to_text(self) -> der::Result<String> {
        let secs = self.unix_millis.div_euclid(1000);
        let millis = self.unix_millis.rem_euclid(1000);
        let dt = der::DateTime::from_unix_duration(Duration::from_secs(
            u64::try_from(secs).map_err(|_| der::ErrorKind::DateTime)?,
        ))?;
        let mut s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minutes(),
            dt.seconds()
        );
        if millis != 0 {
            let frac = format!("{millis:03}");
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        s.push('Z');
        Ok(s)
    }

    pub(super) fn from_text(text: &[u8]) -> Option<Self> {
        let (body, rest) = text.split_at_checked(14)?;
        if !body.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num = |r: std::ops::Range<usize>| {
            body[r]
                .iter()
                .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
        };
        let dt = der::DateTime::new(
            num(0..4),
            u8::try_from(num(4..6)).ok()?,
            u8::try_from(num(6..8)).ok()?,
            u8::try_from(num(8..10)).ok()?,
            u8::try_from(num(10..12)).ok()?,
            u8::try_from(num(12..14)).ok()?,
        )
        .ok()?;
        let rest = rest.strip_suffix(b"Z")?;
        let millis = match rest {
            [] => 0,
            [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => frac
                .iter()
                .chain(std::iter::repeat(&b'0'))
                .take(3)
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')),
            _ => return None,
        };
        let secs = i64::try_from(dt.unix_duration().as_secs()).ok()?;
        GenTime::from_unix_millis(secs.checked_mul(1000)?.checked_add(millis)?).ok()
    }
}

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.to_text()?.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.to_text()?.as_bytes())
    }
}

impl<'a> DecodeValue<'a> for GenTime {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        // "YYYYMMDDhhmmss" + "." + nanoseconds + "Z" is 25 bytes; allow some slack.
        if header.length() > Length::new(32) {
            return Err(reader.error(Tag::GeneralizedTime.length_error()));
        }
        let bytes = reader.read_vec(header.length())?;
        GenTime::from_text(&bytes).ok_or_else(|| reader.error(Tag::GeneralizedTime.value_error()))
    }
}

//! X.509 times over the whole range a stored row may hold, for CRLs and OCSP.
//!
//! RFC 5280 §4.1.2.5 and §5.1.2.4–5.1.2.6: UTCTime for 1950 through 2049, GeneralizedTime
//! otherwise; the invalidityDate entry extension (§5.3.2) is always GeneralizedTime. The
//! `der` crate only represents 1970 onwards, so the encodings are written here by hand
//! (`YYMMDDHHMMSSZ` / `YYYYMMDDHHMMSSZ`, seconds, no fractions, as DER requires).
//!
//! A revocation time is published (in CRLs and in OCSP alike) only within
//! 1970-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z: earlier times cannot be decoded by common
//! relying-party libraries (which would reject the whole CRL), and no real revocation falls
//! outside. A stored time outside that range (a damaged or hand-edited row) is published as
//! 1970-01-01T00:00:00Z — "revoked since before anything it signed" — so the certificate stays
//! listed and revoked, never earlier-valid, and CRL and OCSP agree.

/// 0000-01-01T00:00:00Z, the first second GeneralizedTime can express.
pub const MIN_GENERALIZED: i64 = -62_167_219_200;
/// 9999-12-31T23:59:59Z, the last second GeneralizedTime can express.
pub const MAX_GENERALIZED: i64 = 253_402_300_799;
/// 1950-01-01T00:00:00Z, the first second of UTCTime.
const MIN_UTC: i64 = -631_152_000;
/// 2050-01-01T00:00:00Z, the first second past UTCTime.
const END_UTC: i64 = 2_524_608_000;

/// Calendar fields of a time (proleptic Gregorian, UTC).
#[derive(Debug, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

/// Unix seconds to calendar fields (H. Hinnant's `civil_from_days`).
fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: sod / 3600,
        minute: sod % 3600 / 60,
        second: sod % 60,
    }
}

fn tlv(tag: u8, text: String) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(tag);
    // At most 15 characters: the short length form.
    out.push(u8::try_from(text.len()).unwrap_or(0));
    out.extend_from_slice(text.as_bytes());
    out
}

/// DER GeneralizedTime (`YYYYMMDDHHMMSSZ`); `None` outside years 0000–9999.
pub fn generalized_time_der(secs: i64) -> Option<Vec<u8>> {
    if !(MIN_GENERALIZED..=MAX_GENERALIZED).contains(&secs) {
        return None;
    }
    let c = civil(secs);
    Some(tlv(
        0x18,
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        ),
    ))
}

/// DER X.509 `Time`: UTCTime for 1950 through 2049, GeneralizedTime otherwise; `None`
/// outside years 0000–9999.
pub fn x509_time_der(secs: i64) -> Option<Vec<u8>> {
    if (MIN_UTC..END_UTC).contains(&secs) {
        let c = civil(secs);
        Some(tlv(
            0x17,
            format!(
                "{:02}{:02}{:02}{:02}{:02}{:02}Z",
                c.year % 100,
                c.month,
                c.day,
                c.hour,
                c.minute,
                c.second
            ),
        ))
    } else {
        generalized_time_der(secs)
    }
}

/// The revocation (or release) time to publish for a stored one, and whether it had to be
/// adjusted (see the module documentation).
pub fn published_revocation_time(stored: i64) -> (i64, bool) {
    if (0..=MAX_GENERALIZED).contains(&stored) {
        (stored, false)
    } else {
        (0, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    fn text(der: &[u8]) -> (u8, String) {
        (der[0], String::from_utf8(der[2..].to_vec()).unwrap())
    }

    #[test]
    fn calendar_edges() {
        assert_eq!(
            text(&x509_time_der(-1).unwrap()),
            (0x17, "691231235959Z".into())
        );
        assert_eq!(
            text(&generalized_time_der(-1).unwrap()),
            (0x18, "19691231235959Z".into())
        );
        assert_eq!(
            text(&x509_time_der(MIN_UTC).unwrap()),
            (0x17, "500101000000Z".into())
        );
        assert_eq!(
            text(&x509_time_der(MIN_UTC - 1).unwrap()),
            (0x18, "19491231235959Z".into())
        );
        assert_eq!(
            text(&x509_time_der(END_UTC - 1).unwrap()),
            (0x17, "491231235959Z".into())
        );
        assert_eq!(
            text(&x509_time_der(END_UTC).unwrap()),
            (0x18, "20500101000000Z".into())
        );
        assert_eq!(
            text(&generalized_time_der(MAX_GENERALIZED).unwrap()),
            (0x18, "99991231235959Z".into())
        );
        assert_eq!(
            text(&generalized_time_der(MIN_GENERALIZED).unwrap()),
            (0x18, "00000101000000Z".into())
        );
        // Leap day before the epoch and in a century leap year.
        assert_eq!(
            text(&generalized_time_der(-2_208_988_800 + 59 * 86_400).unwrap()).1,
            "19000301000000Z" // 1900 is not a leap year: day 59 is 1 March
        );
        assert_eq!(
            text(&generalized_time_der(951_782_400).unwrap()).1,
            "20000229000000Z"
        );
        assert!(generalized_time_der(MAX_GENERALIZED + 1).is_none());
        assert!(generalized_time_der(MIN_GENERALIZED - 1).is_none());
        assert!(x509_time_der(i64::MIN).is_none());
        assert!(x509_time_der(i64::MAX).is_none());
    }

    /// Where the `der` crate can encode, both encoders produce the same bytes.
    #[test]
    fn matches_der_crate_from_1970() {
        let mut t: i64 = 0;
        while t < MAX_GENERALIZED {
            let d = std::time::Duration::from_secs(u64::try_from(t).unwrap());
            let gt = der::asn1::GeneralizedTime::from_unix_duration(d)
                .unwrap()
                .to_der()
                .unwrap();
            assert_eq!(generalized_time_der(t).unwrap(), gt, "{t}");
            let x = x509_cert::time::Time::try_from(std::time::SystemTime::UNIX_EPOCH + d)
                .unwrap()
                .to_der()
                .unwrap();
            assert_eq!(x509_time_der(t).unwrap(), x, "{t}");
            assert_eq!(
                x509_cert::time::Time::from_der(&x)
                    .unwrap()
                    .to_unix_duration(),
                d
            );
            t += 86_399 * 37 + 12_345;
        }
    }

    #[test]
    fn revocation_time_policy() {
        assert_eq!(
            published_revocation_time(1_800_000_000),
            (1_800_000_000, false)
        );
        assert_eq!(published_revocation_time(0), (0, false));
        assert_eq!(published_revocation_time(-1), (0, true));
        assert_eq!(published_revocation_time(MAX_GENERALIZED + 1), (0, true));
        assert_eq!(published_revocation_time(i64::MIN), (0, true));
    }
}

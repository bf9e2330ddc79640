//! National identifiers carried in certificates, with their check characters.
//!
//! - Unified social credit code (统一社会信用代码), GB 32100-2015.
//! - Resident identity number (公民身份号码), GB 11643-1999 (ISO 7064 MOD 11-2).
//!
//! Errors never repeat the identity number itself (it is personal data).

/// Why an identifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// Wrong length.
    #[error("must be {expected} characters, found {found}")]
    Length {
        /// Required length.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// A character outside the allowed set at a position (1-based).
    #[error("invalid character at position {0}")]
    Character(usize),
    /// The check character does not match.
    #[error("check character does not match (bad check character)")]
    CheckCharacter,
    /// The embedded birth date is not a real date.
    #[error("embedded birth date is not a valid date")]
    BirthDate,
    /// The embedded birth date is after today (China Standard Time).
    #[error("embedded birth date is in the future")]
    BirthDateInFuture,
    /// The embedded birth date is before 1900-01-01.
    #[error("embedded birth date is before 1900")]
    BirthDateBefore1900,
}

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Validate a unified social credit code (18 characters, GB 32100 check character).
/// Lower-case input is not accepted: the code is defined in upper case.
pub fn check_credit_code(code: &str) -> Result<(), IdentifierError> {
    let b = code.as_bytes();
    let n = code.chars().count();
    if n != 18 || b.len() != 18 {
        return Err(IdentifierError::Length {
            expected: 18,
            found: n,
        });
    }
    let mut sum = 0u32;
    for (i, c) in b.iter().enumerate().take(17) {
        let v = USCC_ALPHABET
            .iter()
            .position(|a| a == c)
            .ok_or(IdentifierError::Character(i + 1))? as u32;
        sum += v * USCC_WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    let last = USCC_ALPHABET
        .iter()
        .position(|a| *a == b[17])
        .ok_or(IdentifierError::Character(18))? as u32;
    if last != check {
        return Err(IdentifierError::CheckCharacter);
    }
    Ok(())
}

/// Compute the GB 32100 check character for the first 17 characters (for tests and tools).
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, c) in b.iter().enumerate() {
        sum += USCC_ALPHABET.iter().position(|a| a == c)? as u32 * USCC_WEIGHTS[i];
    }
    Some(USCC_ALPHABET[((31 - sum % 31) % 31) as usize] as char)
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Compute the GB 11643 check character for 17 digits.
pub fn id_number_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    let v = (12 - sum % 11) % 11;
    Some(if v == 10 {
        'X'
    } else {
        char::from(b'0' + v as u8)
    })
}

/// Today's date in China Standard Time (UTC+8), the calendar identity numbers are written in.
pub fn today_in_china() -> time::Date {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp(crate::clock::now_secs())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .date()
}

/// Validate an 18-character resident identity number: digits, the birth date in positions
/// 7–14 (a real date from 1900-01-01 to today, China Standard Time), and the check character
/// ('X' or 'x' for 10).
pub fn check_id_number(id: &str) -> Result<(), IdentifierError> {
    check_id_number_on(id, today_in_china())
}

/// [`check_id_number`] with today's date given (tests, replays): a birth date after `today`
/// or before 1900-01-01 is refused.
pub fn check_id_number_on(id: &str, today: time::Date) -> Result<(), IdentifierError> {
    let b = id.as_bytes();
    let n = id.chars().count();
    if n != 18 || b.len() != 18 {
        return Err(IdentifierError::Length {
            expected: 18,
            found: n,
        });
    }
    for (i, c) in b.iter().enumerate().take(17) {
        if !c.is_ascii_digit() {
            return Err(IdentifierError::Character(i + 1));
        }
    }
    if !(b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x') {
        return Err(IdentifierError::Character(18));
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0u32, |a, d| a * 10 + (d - b'0') as u32)
    };
    let (y, m, d) = (num(6..10), num(10..12), num(12..14));
    let month = time::Month::try_from(m as u8).map_err(|_| IdentifierError::BirthDate)?;
    // Four digits: the year is at most 9999, always a valid `time` year.
    let birth = time::Date::from_calendar_date(y as i32, month, d as u8)
        .map_err(|_| IdentifierError::BirthDate)?;
    if y < 1900 {
        return Err(IdentifierError::BirthDateBefore1900);
    }
    if birth > today {
        return Err(IdentifierError::BirthDateInFuture);
    }
    let expected = id_number_check_char(&id[..17]).ok_or(IdentifierError::Character(1))?;
    if expected != (b[17] as char).to_ascii_uppercase() {
        return Err(IdentifierError::CheckCharacter);
    }
    Ok(())
}

/// Whether `text` contains something that reads as a resident identity number (17 digits and a
/// check character that matches, not part of a longer run of digits): used to keep such numbers
/// out of audit details built from request input.
pub fn contains_id_number(text: &str) -> bool {
    redact_id_numbers(text) != text
}

/// `text` with every substring that reads as a resident identity number (see
/// [`contains_id_number`]) replaced by `[id-number]`.
pub fn redact_id_numbers(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut last = 0;
    while i + 18 <= b.len() {
        let starts_run = i == 0 || !b[i - 1].is_ascii_digit();
        let window = &b[i..i + 18];
        let ends_run = b.get(i + 18).is_none_or(|c| !c.is_ascii_alphanumeric());
        if starts_run
            && ends_run
            && window[..17].iter().all(u8::is_ascii_digit)
            && std::str::from_utf8(&window[..17])
                .ok()
                .and_then(id_number_check_char)
                .is_some_and(|c| c == (window[17] as char).to_ascii_uppercase())
        {
            out.push_str(&text[last..i]);
            out.push_str("[id-number]");
            i += 18;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// The canonical form of an identity number (check character 'x' upper-cased).
pub fn normalize_id_number(id: &str) -> String {
    id.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes() {
        // Published example codes with valid check characters.
        assert_eq!(check_credit_code("91350100M000100Y43"), Ok(()));
        assert_eq!(check_credit_code("91110000802100433B"), Ok(()));
        assert_eq!(credit_code_check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(
            check_credit_code("91350100M000100Y44"),
            Err(IdentifierError::CheckCharacter)
        );
        assert_eq!(
            check_credit_code("91350100M000100Y4"),
            Err(IdentifierError::Length {
                expected: 18,
                found: 17
            })
        );
        assert_eq!(
            check_credit_code("9135010OM000100Y43"),
            Err(IdentifierError::Character(8))
        );
        assert_eq!(
            check_credit_code("91350100m000100Y43"),
            Err(IdentifierError::Character(9))
        );
    }

    #[test]
    fn id_numbers() {
        // GB 11643 example: 11010519491231002X.
        assert_eq!(check_id_number("11010519491231002X"), Ok(()));
        assert_eq!(check_id_number("11010519491231002x"), Ok(()));
        assert_eq!(id_number_check_char("11010519491231002"), Some('X'));
        assert_eq!(
            check_id_number("110105194912310021"),
            Err(IdentifierError::CheckCharacter)
        );
        let mut bad_date = String::from("11010519491331002");
        bad_date.push(id_number_check_char(&bad_date).unwrap());
        assert_eq!(check_id_number(&bad_date), Err(IdentifierError::BirthDate));
        assert_eq!(
            check_id_number("1101051949123100"),
            Err(IdentifierError::Length {
                expected: 18,
                found: 16
            })
        );
        assert_eq!(
            check_id_number("1101A519491231002X"),
            Err(IdentifierError::Character(5))
        );
    }

    #[test]
    fn birth_date_not_in_the_future() {
        let today = time::Date::from_calendar_date(2025, time::Month::June, 1).unwrap();
        assert_eq!(check_id_number_on("11010519491231002X", today), Ok(()));
        // Born on 2025-06-02: a valid check character, but not yet born.
        let mut future = String::from("11010520250602001");
        future.push(id_number_check_char(&future).unwrap());
        assert_eq!(check_id_number(&future), Ok(()));
        assert_eq!(
            check_id_number_on(&future, today),
            Err(IdentifierError::BirthDateInFuture)
        );
        let mut born_today = String::from("11010520250601001");
        born_today.push(id_number_check_char(&born_today).unwrap());
        assert_eq!(check_id_number_on(&born_today, today), Ok(()));
        // Other errors come first and never repeat the number.
        let e = check_id_number_on("110105194912310021", today).unwrap_err();
        assert_eq!(e, IdentifierError::CheckCharacter);
        assert!(!e.to_string().contains("1101"));
    }

    #[test]
    fn redaction() {
        let t = "holder 11010519491231002X and 11010519491231002x, not 110105194912310021";
        let r = redact_id_numbers(t);
        assert_eq!(
            r,
            "holder [id-number] and [id-number], not 110105194912310021"
        );
        assert!(contains_id_number(t));
        assert!(!contains_id_number(&r));
        // Part of a longer number, or a credit code: untouched.
        assert_eq!(
            redact_id_numbers("911010519491231002X"),
            "911010519491231002X"
        );
        assert_eq!(
            redact_id_numbers("91350100M000100Y43"),
            "91350100M000100Y43"
        );
        assert_eq!(
            redact_id_numbers("中文11010519491231002X中文"),
            "中文[id-number]中文"
        );
        assert_eq!(redact_id_numbers(""), "");
    }

    /// An identity number for birth date `yyyymmdd` with a valid check character.
    fn born(yyyymmdd: &str) -> String {
        let mut id = format!("110105{yyyymmdd}002");
        id.push(id_number_check_char(&id).unwrap_or('?'));
        id
    }

    fn date(y: i32, m: u8, d: u8) -> time::Date {
        time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
    }

    #[test]
    fn birth_date_between_1900_and_today() {
        let today = date(2026, 5, 20);
        // The tester's case: a birth date in 2099 (and the end of the range) is refused.
        for future in ["20991231", "20260521", "22001231", "99991231"] {
            assert_eq!(
                check_id_number_on(&born(future), today),
                Err(IdentifierError::BirthDateInFuture),
                "{future}"
            );
        }
        // Today and the past are accepted, down to 1900-01-01.
        for ok in ["20260520", "20000229", "19491231", "19000101"] {
            assert_eq!(check_id_number_on(&born(ok), today), Ok(()), "{ok}");
        }
        for early in ["18991231", "18000101", "00010101", "00000101"] {
            assert_eq!(
                check_id_number_on(&born(early), today),
                Err(IdentifierError::BirthDateBefore1900),
                "{early}"
            );
        }
        // Not a date at all stays a date error (checked before the range).
        assert_eq!(
            check_id_number_on(&born("20250229"), today),
            Err(IdentifierError::BirthDate)
        );
        assert_eq!(
            check_id_number_on(&born("19491331"), today),
            Err(IdentifierError::BirthDate)
        );
        // The check character is still checked for an in-range date.
        let mut bad = born("19800101");
        let last = if bad.ends_with('0') { "1" } else { "0" };
        bad.replace_range(17.., last);
        assert_eq!(
            check_id_number_on(&bad, today),
            Err(IdentifierError::CheckCharacter)
        );
        // The messages say why without repeating the number.
        let e = check_id_number_on(&born("20991231"), today).unwrap_err();
        assert_eq!(e.to_string(), "embedded birth date is in the future");
        assert!(!e.to_string().contains("2099"));
        // The system clock's today: 2099 is refused by the plain check too (until 2099).
        assert_eq!(
            check_id_number(&born("20991231")),
            Err(IdentifierError::BirthDateInFuture)
        );
        assert!(today_in_china() >= date(2026, 1, 1));
    }
}

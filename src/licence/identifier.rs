//! The e-licence identifier (证照标识, GB/T 36904-2018):
//! `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`.
//!
//! The check character is ISO 7064 MOD 37,36 (hybrid) over the type code, issuer code, serial
//! and version with the dots removed; the root `1.2.156.3005.2` is **not** included (including
//! it gives a wrong character for every real identifier). One large vendor values letters at
//! their index + 1 (`A` = 11 … `Z` = 36): a verifier reports which rule matched
//! ([`CheckRule`]) rather than reject such identifiers; we always issue with the standard's.
//!
//! Owns parsing, formatting and the check character; must not import anything but `std`.

use std::fmt;

/// The root arc of e-licence identifiers.
pub const ROOT: &str = "1.2.156.3005.2";

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Which check-character rule an identifier's last character satisfies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckRule {
    /// GB/T 36904 / ISO 7064 MOD 37,36 over the body without the root.
    Standard,
    /// The variant one vendor uses: letters valued at their index + 1.
    LetterIndexVariant,
}

impl CheckRule {
    /// The rule's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            CheckRule::Standard => "standard",
            CheckRule::LetterIndexVariant => "letter-index-variant",
        }
    }
}

/// Why a text is not an e-licence identifier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not under the root `1.2.156.3005.2`.
    #[error("an e-licence identifier starts with {ROOT}.")]
    Root,
    /// Not the five parts after the root.
    #[error(
        "an e-licence identifier has five parts after the root (type code, issuer code, serial, version, check), found {0}"
    )]
    Parts(usize),
    /// A part is empty, too long or has a character outside `0-9A-Z`.
    #[error("the {0} must be 1 to {1} characters of 0-9 and A-Z")]
    Part(&'static str, usize),
    /// The version is not three digits.
    #[error("the version must be three digits (001 for the first edition)")]
    Version,
    /// The check character is a single `0-9A-Z` but matches no rule.
    #[error("the check character {found} matches no rule (the standard's is {expected})")]
    Check {
        /// The character in the identifier.
        found: char,
        /// The character the standard's rule gives.
        expected: char,
    },
}

/// A parsed identifier. `check` is what the text carried; [`LicenceId::check_rule`] says
/// whether and how it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenceId {
    /// Type code (GB/T 36904: the defining authority's credit code and a 3-digit sequence).
    pub type_code: String,
    /// Issuer code (credit code, or an area code in some regions).
    pub issuer_code: String,
    /// Issuer-chosen serial, unique within type and issuer.
    pub serial: String,
    /// Edition, 1 for the first.
    pub version: u16,
    /// The check character.
    pub check: char,
}

const MAX_PART: usize = 64;

fn part(s: &str, what: &'static str) -> Result<String, IdError> {
    if s.is_empty() || s.len() > MAX_PART || !s.bytes().all(|b| ALPHABET.contains(&b)) {
        return Err(IdError::Part(what, MAX_PART));
    }
    Ok(s.to_string())
}

/// The MOD 37,36 check character of `body` (characters of `0-9A-Z`) under `rule`; `None`
/// when a character is outside the alphabet.
pub fn check_character(body: &str, rule: CheckRule) -> Option<char> {
    const M: u32 = 36;
    let mut p = M;
    for c in body.bytes() {
        let index = ALPHABET.iter().position(|a| *a == c)? as u32;
        let value = match rule {
            CheckRule::LetterIndexVariant if c.is_ascii_uppercase() => index + 1,
            _ => index,
        };
        let mut s = (p + value) % M;
        if s == 0 {
            s = M;
        }
        p = (2 * s) % (M + 1);
    }
    Some(ALPHABET[((M + 1 - p) % M) as usize] as char)
}

impl LicenceId {
    /// A new identifier with the standard's check character.
    pub fn new(
        type_code: &str,
        issuer_code: &str,
        serial: &str,
        version: u16,
    ) -> Result<LicenceId, IdError> {
        if !(1..=999).contains(&version) {
            return Err(IdError::Version);
        }
        let mut id = LicenceId {
            type_code: part(type_code, "type code")?,
            issuer_code: part(issuer_code, "issuer code")?,
            serial: part(serial, "serial")?,
            version,
            check: '0',
        };
        id.check = check_character(&id.body(), CheckRule::Standard).unwrap_or('0');
        Ok(id)
    }

    /// Parse the text form, without judging the check character (see
    /// [`LicenceId::check_rule`] and [`LicenceId::parse_checked`]).
    pub fn parse(text: &str) -> Result<LicenceId, IdError> {
        let rest = text
            .trim()
            .strip_prefix(ROOT)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(IdError::Root)?;
        let parts: Vec<&str> = rest.split('.').collect();
        if parts.len() != 5 {
            return Err(IdError::Parts(parts.len()));
        }
        let version = parts[3];
        if version.len() != 3 || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Version);
        }
        let check = parts[4];
        if check.len() != 1 || !ALPHABET.contains(&check.as_bytes()[0]) {
            return Err(IdError::Part("check character", 1));
        }
        Ok(LicenceId {
            type_code: part(parts[0], "type code")?,
            issuer_code: part(parts[1], "issuer code")?,
            serial: part(parts[2], "serial")?,
            version: version.parse().map_err(|_| IdError::Version)?,
            check: check.as_bytes()[0] as char,
        })
    }

    /// Parse and require a check character that matches a rule.
    pub fn parse_checked(text: &str) -> Result<(LicenceId, CheckRule), IdError> {
        let id = LicenceId::parse(text)?;
        let rule = id.check_rule()?;
        Ok((id, rule))
    }

    /// The rule the check character matches (the standard's first), or why none does.
    pub fn check_rule(&self) -> Result<CheckRule, IdError> {
        let body = self.body();
        for rule in [CheckRule::Standard, CheckRule::LetterIndexVariant] {
            if check_character(&body, rule) == Some(self.check) {
                return Ok(rule);
            }
        }
        Err(IdError::Check {
            found: self.check,
            expected: check_character(&body, CheckRule::Standard).unwrap_or('?'),
        })
    }

    /// The characters the check covers: type code, issuer code, serial and version.
    pub fn body(&self) -> String {
        format!(
            "{}{}{}{:03}",
            self.type_code, self.issuer_code, self.serial, self.version
        )
    }

    /// The same licence's identifier at another version (a change, 变更), with the standard's
    /// check character.
    pub fn with_version(&self, version: u16) -> Result<LicenceId, IdError> {
        LicenceId::new(&self.type_code, &self.issuer_code, &self.serial, version)
    }

    /// The identifier without its version and check: the same for every edition.
    pub fn lineage(&self) -> String {
        format!(
            "{ROOT}.{}.{}.{}",
            self.type_code, self.issuer_code, self.serial
        )
    }
}

impl fmt::Display for LicenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ROOT}.{}.{}.{}.{:03}.{}",
            self.type_code, self.issuer_code, self.serial, self.version, self.check
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real identifiers from `../shared/reference/e-licence.md`.
    const REAL: [&str; 3] = [
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
        "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
    ];

    #[test]
    fn real_identifiers_match_the_standard_rule() {
        for text in REAL {
            let (id, rule) = LicenceId::parse_checked(text).unwrap();
            assert_eq!(rule, CheckRule::Standard, "{text}");
            assert_eq!(id.to_string(), text);
            let again =
                LicenceId::new(&id.type_code, &id.issuer_code, &id.serial, id.version).unwrap();
            assert_eq!(again.check, id.check, "{text}");
        }
    }

    #[test]
    fn including_the_root_gives_a_wrong_character() {
        for text in REAL {
            let id = LicenceId::parse(text).unwrap();
            let with_root = format!("{}{}", ROOT.replace('.', ""), id.body());
            assert_ne!(
                check_character(&with_root, CheckRule::Standard),
                Some(id.check)
            );
        }
    }

    #[test]
    fn the_variant_is_recognised_and_named() {
        let id = LicenceId::parse(REAL[0]).unwrap();
        let variant = check_character(&id.body(), CheckRule::LetterIndexVariant).unwrap();
        assert_ne!(variant, id.check);
        let text = format!("{}.{:03}.{variant}", id.lineage(), id.version);
        let (_, rule) = LicenceId::parse_checked(&text).unwrap();
        assert_eq!(rule, CheckRule::LetterIndexVariant);
        assert_eq!(rule.name(), "letter-index-variant");
    }

    #[test]
    fn a_wrong_character_names_the_expected_one() {
        let text = REAL[1].replace(".002.0", ".002.1");
        match LicenceId::parse_checked(&text) {
            Err(IdError::Check { found, expected }) => {
                assert_eq!((found, expected), ('1', '0'));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_texts_say_what_is_wrong() {
        assert_eq!(LicenceId::parse("1.2.3"), Err(IdError::Root));
        assert_eq!(
            LicenceId::parse("1.2.156.3005.2.A.B.C.001"),
            Err(IdError::Parts(4))
        );
        assert_eq!(
            LicenceId::parse("1.2.156.3005.2.A.B.C.01.X"),
            Err(IdError::Version)
        );
        assert_eq!(
            LicenceId::parse("1.2.156.3005.2.a.B.C.001.X"),
            Err(IdError::Part("type code", MAX_PART))
        );
        assert!(LicenceId::new("A", "B", "C", 0).is_err());
    }

    #[test]
    fn a_new_version_keeps_the_lineage() {
        let id = LicenceId::parse(REAL[0]).unwrap();
        let next = id.with_version(2).unwrap();
        assert_eq!(next.lineage(), id.lineage());
        assert_eq!(next.check_rule(), Ok(CheckRule::Standard));
        assert!(next.to_string().contains(".002."));
    }
}

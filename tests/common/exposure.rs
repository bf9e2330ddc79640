//! What must never appear in a log line or an API answer (issue 18): private keys in clear,
//! the key store passphrase, operator token secrets, holders' auth codes and session ids, and
//! personal identity numbers (GB 11643, check character verified so that other 18-character
//! numbers do not count). Every server a test starts logs into a file that is scanned when the
//! server is dropped ([`super::http::Server`]), and every answer the test client reads is
//! scanned for keys and passphrases ([`super::http::try_call`]) — so a whole `cargo test` run
//! scans every log line and answer of its servers.

use std::sync::OnceLock;

/// Findings in a log: each a short description (never the secret itself).
pub fn in_log(text: &str) -> Vec<String> {
    let mut out = in_answer(text);
    static PATTERNS: OnceLock<Vec<(&'static str, regex::Regex)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            ("an operator token secret", r"yx_[A-Za-z0-9_-]{43}"),
            ("a holder's auth code", r"yxg_[A-Za-z0-9_-]{20,}"),
            ("a PEM private key of any kind", r"PRIVATE KEY-----"),
        ]
        .into_iter()
        .map(|(what, re)| (what, regex::Regex::new(re).unwrap()))
        .collect()
    });
    for (what, re) in patterns {
        if re.is_match(text) {
            out.push((*what).to_string());
        }
    }
    static ID: OnceLock<regex::Regex> = OnceLock::new();
    let id = ID.get_or_init(|| {
        regex::Regex::new(r"(?:^|[^0-9A-Za-z])([1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9X])(?:$|[^0-9A-Za-z])").unwrap()
    });
    for c in id.captures_iter(text) {
        if gb11643_valid(&c[1]) {
            out.push(format!("an identity number ({}…)", &c[1][..6]));
        }
    }
    out
}

/// Findings in an API answer: a private key in clear, or the key store passphrase.
pub fn in_answer(text: &str) -> Vec<String> {
    let mut out = vec![];
    for marker in [
        "-----BEGIN PRIVATE KEY-----",
        "-----BEGIN EC PRIVATE KEY-----",
    ] {
        if text.contains(marker) {
            out.push(format!("an unencrypted private key ({marker})"));
        }
    }
    if text.contains(super::TEST_PASSPHRASE) {
        out.push("the key store passphrase".into());
    }
    out
}

/// GB 11643 check character.
fn gb11643_valid(id: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let b = id.as_bytes();
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] == b[17]
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    assert!(in_log("holder 11010519491231002X signed in")[0].contains("identity number"));
    assert!(
        in_log("x=11010519491231002Y").is_empty(),
        "a wrong check character"
    );
    assert!(
        in_log("serial 3F2A9C01D4E5B6A711010519491231002X").is_empty(),
        "inside a longer word"
    );
    assert!(!in_log(&format!("yx_{}", "a".repeat(43))).is_empty());
    assert!(!in_log("-----BEGIN ENCRYPTED PRIVATE KEY-----").is_empty());
    assert!(in_answer("-----BEGIN ENCRYPTED PRIVATE KEY-----").is_empty());
    assert!(!in_answer(super::TEST_PASSPHRASE).is_empty());
}

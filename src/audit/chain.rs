//! The chain rule. A row's canonical form is a domain label, its id and time as 8-byte
//! big-endian integers, then actor, action, object, outcome and detail, each as a 4-byte
//! big-endian length and its UTF-8 bytes — nothing a row can contain makes two rows encode
//! alike. A row's hash is SHA-256(previous hash ‖ canonical form); the first row's previous
//! hash is [`GENESIS`] (32 zero bytes). Rows written before the chain existed carry no hash;
//! they are chained all the same (the first hashed row's `prev_hash` covers them all), so the
//! chain starts at the first row ever written.

use crate::pki::repo::AuditEvent;
use sha2::{Digest, Sha256};

/// The previous hash of the first row.
pub const GENESIS: [u8; 32] = [0; 32];

const LABEL: &[u8] = b"yinxin-audit-row-v1";

/// One audit row as stored, with its links (hex; `None` for rows written before the chain).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainedRow {
    /// The row.
    pub event: AuditEvent,
    /// The hash of the row before it, as stored.
    pub prev_hash: Option<String>,
    /// Its own hash, as stored.
    pub hash: Option<String>,
}

/// The canonical form of a row (its id included: a row moved to another place no longer
/// hashes the same).
pub fn canonical(e: &AuditEvent) -> Vec<u8> {
    let fields = [&e.actor, &e.action, &e.object, &e.outcome, &e.detail];
    let mut out =
        Vec::with_capacity(LABEL.len() + 16 + fields.iter().map(|f| 4 + f.len()).sum::<usize>());
    out.extend_from_slice(LABEL);
    out.extend_from_slice(&e.id.to_be_bytes());
    out.extend_from_slice(&e.at.to_be_bytes());
    for f in fields {
        // A field longer than 4 GiB cannot be stored; saturate rather than wrap.
        let len = u32::try_from(f.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    out
}

/// The hash of `e` following a row whose hash is `prev`.
pub fn link(prev: &[u8; 32], e: &AuditEvent) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical(e));
    h.finalize().into()
}

/// `prev` from its hex form (`None` when it is not 32 bytes of hex).
pub fn parse_hash(hex_str: &str) -> Option<[u8; 32]> {
    let v = hex::decode(hex_str).ok()?;
    v.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, detail: &str) -> AuditEvent {
        AuditEvent {
            id,
            at: 1_700_000_000_000,
            actor: "cli:root".into(),
            action: "certificate.issue".into(),
            object: "0A1B".into(),
            outcome: "success".into(),
            detail: detail.into(),
            log: None,
        }
    }

    #[test]
    fn fields_cannot_run_into_each_other() {
        let mut a = row(1, "");
        a.actor = "ab".into();
        a.action = "c".into();
        let mut b = row(1, "");
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(canonical(&a), canonical(&b));
        assert_ne!(link(&GENESIS, &a), link(&GENESIS, &b));
    }

    #[test]
    fn id_time_and_predecessor_are_bound() {
        let a = row(1, "x");
        let h = link(&GENESIS, &a);
        assert_ne!(h, link(&GENESIS, &row(2, "x")));
        let mut later = a.clone();
        later.at += 1;
        assert_ne!(h, link(&GENESIS, &later));
        assert_ne!(h, link(&[1; 32], &a));
        assert_eq!(h, link(&GENESIS, &a.clone()));
        // Known answer: SHA-256(32 zero bytes ‖ canonical form), computed independently.
        let mut input = vec![0u8; 32];
        input.extend_from_slice(b"yinxin-audit-row-v1");
        input.extend_from_slice(&1i64.to_be_bytes());
        input.extend_from_slice(&1_700_000_000_000i64.to_be_bytes());
        for f in ["cli:root", "certificate.issue", "0A1B", "success", "x"] {
            input.extend_from_slice(&(f.len() as u32).to_be_bytes());
            input.extend_from_slice(f.as_bytes());
        }
        assert_eq!(h.as_slice(), Sha256::digest(&input).as_slice());
    }

    #[test]
    fn hex_hashes() {
        let h = link(&GENESIS, &row(1, ""));
        assert_eq!(parse_hash(&hex::encode(h)), Some(h));
        assert_eq!(parse_hash("00"), None);
        assert_eq!(parse_hash("zz"), None);
    }
}

//! C2SP tlog-witness: the `add-checkpoint` request a log sends its witnesses, and the witness
//! that answers it (this region cosigning its peers' checkpoints).
//!
//! A request body is `old <size>`, the consistency proof from that size (one base64 hash a
//! line), an empty line, and the signed checkpoint. The witness cosigns only a checkpoint
//! signed by the log's key, whose tree extends (by a verified consistency proof) the last one
//! it cosigned for that log: so a log that shows two histories gets at most one of them
//! cosigned, and the other answer is a 409 (another size) or a 422 (the same size, or a proof
//! that does not lead there).
//!
//! Owns the protocol; must not import `sqlx`, `axum` or `hyper`.

use super::checkpoint::{self, Checkpoint, CheckpointPolicy, CosignatureSigner};
use super::merkle::{self, Hash, MAX_PROOF_HASHES};
use super::note::{Note, Verifiers};
use super::repo::LogRepository;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The content type of a 409 answer's body (the witness's latest size).
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// Longest request body a witness reads.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// An `add-checkpoint` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size the log believes the witness cosigned last.
    pub old: u64,
    /// Consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint.
    pub checkpoint: String,
}

impl AddCheckpoint {
    /// The request body.
    pub fn encode(&self) -> String {
        let mut s = format!("old {}\n", self.old);
        for h in &self.proof {
            s.push_str(&BASE64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Reads a request body.
    pub fn parse(body: &[u8]) -> Result<Self, WitnessAnswer> {
        let bad = |why: &str| WitnessAnswer::BadRequest(why.to_string());
        if body.len() > MAX_REQUEST_BYTES {
            return Err(bad("request too large"));
        }
        let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
        let (first, mut rest) = text.split_once('\n').ok_or_else(|| bad("no old size"))?;
        let old = first
            .strip_prefix("old ")
            .and_then(checkpoint::parse_decimal)
            .ok_or_else(|| bad("malformed old size line"))?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest
                .split_once('\n')
                .ok_or_else(|| bad("no empty line before the checkpoint"))?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(bad("too many proof hashes"));
            }
            proof.push(checkpoint::parse_hash(line).ok_or_else(|| bad("malformed proof hash"))?);
        }
        Note::parse(rest.as_bytes()).map_err(|e| bad(&e.to_string()))?;
        Ok(AddCheckpoint {
            old,
            proof,
            checkpoint: rest.to_string(),
        })
    }
}

/// The witness's answer, one per HTTP status of the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitnessAnswer {
    /// 200: the cosignature line(s).
    Cosigned(String),
    /// 400: malformed, or a checkpoint smaller than the old size.
    BadRequest(String),
    /// 403: not signed by the log's key.
    Forbidden(String),
    /// 404: a log this witness does not witness.
    UnknownLog(String),
    /// 409: the old size is not the witness's latest for this log (body: that size), or
    /// the same size with another root.
    Conflict(u64),
    /// 422: the consistency proof does not verify.
    BadProof(String),
    /// 500/503: the witness's storage failed.
    Unavailable(String),
}

impl WitnessAnswer {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            WitnessAnswer::Cosigned(_) => 200,
            WitnessAnswer::BadRequest(_) => 400,
            WitnessAnswer::Forbidden(_) => 403,
            WitnessAnswer::UnknownLog(_) => 404,
            WitnessAnswer::Conflict(_) => 409,
            WitnessAnswer::BadProof(_) => 422,
            WitnessAnswer::Unavailable(_) => 503,
        }
    }
}

/// A witness: its cosignature key and the logs it witnesses (origin → the log's keys).
pub struct Witness<'a> {
    /// This region's witness key.
    pub signer: &'a CosignatureSigner,
    /// Where the latest cosigned checkpoint of each log is kept.
    pub repo: &'a dyn LogRepository,
}

impl Witness<'_> {
    /// Answers `req` for the log whose keys `log_keys` gives by origin, at `now` (seconds).
    pub async fn add_checkpoint(
        &self,
        req: &AddCheckpoint,
        log_keys: impl Fn(&str) -> Option<Verifiers>,
        now: u64,
    ) -> WitnessAnswer {
        let note = match Note::parse(req.checkpoint.as_bytes()) {
            Ok(n) => n,
            Err(e) => return WitnessAnswer::BadRequest(e.to_string()),
        };
        let cp = match Checkpoint::parse(note.text()) {
            Ok(c) => c,
            Err(e) => return WitnessAnswer::BadRequest(e.to_string()),
        };
        let Some(keys) = log_keys(cp.origin()) else {
            return WitnessAnswer::UnknownLog(format!("no witnessed log {:?}", cp.origin()));
        };
        if let Err(e) = CheckpointPolicy::new(cp.origin(), keys).open(req.checkpoint.as_bytes()) {
            return WitnessAnswer::Forbidden(e.to_string());
        }
        if cp.size() < req.old {
            return WitnessAnswer::BadRequest(format!(
                "checkpoint size {} is smaller than old size {}",
                cp.size(),
                req.old
            ));
        }
        let state = match self.repo.witnessed(cp.origin()).await {
            Ok(s) => s,
            Err(e) => return WitnessAnswer::Unavailable(e.to_string()),
        };
        let latest = state.map_or(0, |(s, _)| s);
        if req.old != latest {
            return WitnessAnswer::Conflict(latest);
        }
        match state {
            // First checkpoint of this log (trust on first use, as the spec allows).
            None => {}
            Some((size, root))
                if size == cp.size() && (root != *cp.root_hash() || !req.proof.is_empty()) =>
            {
                return WitnessAnswer::Conflict(latest);
            }
            Some((size, _)) if size == cp.size() => {}
            Some((size, root)) => {
                if let Err(e) =
                    merkle::verify_consistency(size, cp.size(), &root, cp.root_hash(), &req.proof)
                {
                    return WitnessAnswer::BadProof(e.to_string());
                }
            }
        }
        let at = i64::try_from(now).unwrap_or(i64::MAX);
        match self
            .repo
            .set_witnessed(
                cp.origin(),
                state.map(|(s, _)| s),
                cp.size(),
                cp.root_hash(),
                at,
            )
            .await
        {
            Ok(true) => {}
            // Another request moved the state in between: its size is the latest now.
            Ok(false) => {
                let now_latest = match self.repo.witnessed(cp.origin()).await {
                    Ok(s) => s.map_or(0, |(s, _)| s),
                    Err(e) => return WitnessAnswer::Unavailable(e.to_string()),
                };
                return WitnessAnswer::Conflict(now_latest);
            }
            Err(e) => return WitnessAnswer::Unavailable(e.to_string()),
        }
        match self.signer.cosign(note.text(), now) {
            Ok(sig) => WitnessAnswer::Cosigned(sig.line()),
            Err(e) => WitnessAnswer::Unavailable(e.to_string()),
        }
    }
}

/// The cosignature lines of a witness's 200 answer that verify under `witness` for the
/// checkpoint `note_text` (others are dropped).
pub fn verified_cosignatures(
    answer: &str,
    note_text: &str,
    witness: &dyn super::note::NoteVerifier,
) -> Vec<String> {
    answer
        .lines()
        .filter(|l| !l.is_empty())
        .filter(|line| {
            let signed = format!("{note_text}\n{line}\n");
            Note::parse(signed.as_bytes()).is_ok_and(|n| {
                n.signatures().iter().any(|s| {
                    s.name == witness.name()
                        && s.key_id == witness.key_id()
                        && witness.verify(note_text.as_bytes(), &s.signature)
                })
            })
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp() -> String {
        let key =
            super::super::ed25519::Ed25519Signer::from_seed("w.example/log", &[1; 32]).unwrap();
        Checkpoint::new("w.example/log", 5, [2; 32])
            .unwrap()
            .sign(&[&key])
            .unwrap()
    }

    #[test]
    fn requests_round_trip_and_malformed_ones_are_400() {
        let req = AddCheckpoint {
            old: 3,
            proof: vec![[7; 32], [8; 32]],
            checkpoint: cp(),
        };
        let body = req.encode();
        assert!(body.starts_with("old 3\n"));
        assert_eq!(AddCheckpoint::parse(body.as_bytes()).unwrap(), req);
        let empty = AddCheckpoint {
            old: 0,
            proof: vec![],
            checkpoint: cp(),
        };
        assert_eq!(
            AddCheckpoint::parse(empty.encode().as_bytes()).unwrap(),
            empty
        );
        let many = format!(
            "old 1\n{}\n{}",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(65),
            cp()
        );
        for (bad, why) in [
            (
                body.replacen("old 3", "old 03", 1),
                "old size not canonical",
            ),
            (body.replacen("old 3", "size 3", 1), "no old line"),
            (body.replacen("\n\n", "\n", 1), "no blank line"),
            (format!("old 3\nnot-base64\n\n{}", cp()), "bad hash"),
            (many, "too many hashes"),
            ("old 3\n\nnot a note".to_string(), "not a note"),
        ] {
            let a = AddCheckpoint::parse(bad.as_bytes());
            assert!(
                matches!(a, Err(WitnessAnswer::BadRequest(_))),
                "{why}: {a:?}"
            );
        }
        assert!(matches!(
            AddCheckpoint::parse(&vec![b'a'; MAX_REQUEST_BYTES + 1]),
            Err(WitnessAnswer::BadRequest(_))
        ));
    }

    #[test]
    fn answers_map_to_the_spec_statuses() {
        assert_eq!(WitnessAnswer::Cosigned(String::new()).status(), 200);
        assert_eq!(WitnessAnswer::Conflict(4).status(), 409);
        assert_eq!(WitnessAnswer::BadProof(String::new()).status(), 422);
        assert_eq!(WitnessAnswer::Forbidden(String::new()).status(), 403);
        assert_eq!(WitnessAnswer::UnknownLog(String::new()).status(), 404);
    }
}

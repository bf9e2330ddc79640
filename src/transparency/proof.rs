//! C2SP tlog-proof (<https://c2sp.org/tlog-proof>, `c2sp.org/tlog-proof@v1`): the offline,
//! self-contained proof that an entry is in the log, as issuance answers carry it.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>            (optional)
//! index <decimal>
//! <base64 hash>             (zero or more: the inclusion proof, leaf's sibling first)
//!
//! <the signed checkpoint, verbatim>
//! ```
//!
//! Choices where the spec leaves room:
//! - Parsing is syntactic and strict (canonical decimal and base64, at most 64 hashes, an
//!   `extra` line only as the second line and never empty, the checkpoint a well-formed signed
//!   note kept byte for byte); everything semantic happens in [`TlogProof::verify`]: the
//!   checkpoint's signatures under a [`CheckpointPolicy`], then the index against the tree
//!   size, then the inclusion proof against the root.
//! - The entry is hashed as an RFC 6962 leaf (`SHA-256(0x00 || entry)`); callers holding only
//!   the leaf hash use [`TlogProof::verify_leaf_hash`].
//! - The extra data is returned to the caller, never trusted here.

use super::checkpoint::{self, Checkpoint, CheckpointError, CheckpointPolicy, OpenedCheckpoint};
use super::merkle::{self, Hash, MAX_PROOF_HASHES, MerkleError};
use super::note::{Note, NoteError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The first line of every proof.
pub const PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Why a tlog-proof was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The first line is not `c2sp.org/tlog-proof@v1`.
    #[error("the proof does not start with {PROOF_HEADER}")]
    BadHeader,
    /// An `extra` line that is empty or not canonical base64.
    #[error("the extra line is not 'extra ' and non-empty base64")]
    BadExtra,
    /// The index line is missing or not `index <canonical decimal>`.
    #[error("the index line is missing or malformed")]
    BadIndex,
    /// An inclusion proof line that is not base64 of 32 bytes (numbered from 1).
    #[error("inclusion proof line {0} is not a base64 SHA-256 hash")]
    BadHash(usize),
    /// More than 64 inclusion proof hashes.
    #[error("the inclusion proof has more than {MAX_PROOF_HASHES} hashes")]
    TooManyHashes,
    /// No blank line and checkpoint after the hashes.
    #[error("the proof has no blank line followed by a checkpoint")]
    NoCheckpoint,
    /// The index is not below the checkpoint's tree size.
    #[error("entry {index} is not in the checkpoint's tree of size {size}")]
    IndexBeyondTree {
        /// The proof's index.
        index: u64,
        /// The checkpoint's tree size.
        size: u64,
    },
    /// The checkpoint was refused.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint is not a well-formed signed note.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The inclusion proof was refused.
    #[error(transparent)]
    Merkle(#[from] MerkleError),
}

/// A tlog-proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque, unauthenticated application data.
    pub extra: Option<Vec<u8>>,
    /// The entry's index in the log.
    pub index: u64,
    /// The inclusion proof in the checkpoint's tree, leaf's sibling first.
    pub inclusion: Vec<Hash>,
    /// The signed checkpoint (a signed note), verbatim.
    pub checkpoint: String,
}

impl TlogProof {
    /// A proof for entry `index` from its inclusion proof and the signed checkpoint it was
    /// computed against. The checkpoint is read (not verified) to check the index and the
    /// proof's length, which catches a proof built for another tree size.
    pub fn new(
        index: u64,
        inclusion: Vec<Hash>,
        signed_checkpoint: String,
    ) -> Result<Self, ProofError> {
        let note = Note::parse(signed_checkpoint.as_bytes())?;
        let size = Checkpoint::parse(note.text())?.size();
        if index >= size {
            return Err(ProofError::IndexBeyondTree { index, size });
        }
        let want = merkle::inclusion_proof_len(index, size)?;
        if inclusion.len() != want {
            return Err(MerkleError::ProofLength {
                got: inclusion.len(),
                want,
            }
            .into());
        }
        Ok(TlogProof {
            extra: None,
            index,
            inclusion,
            checkpoint: signed_checkpoint,
        })
    }

    /// The proof with opaque extra data (must be non-empty to be written).
    pub fn with_extra(mut self, extra: Vec<u8>) -> Self {
        self.extra = Some(extra);
        self
    }

    /// The text form.
    pub fn encode(&self) -> String {
        let mut out = format!("{PROOF_HEADER}\n");
        if let Some(extra) = self.extra.as_ref().filter(|e| !e.is_empty()) {
            out.push_str(&format!("extra {}\n", BASE64.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.inclusion {
            out.push_str(&BASE64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Reads the text form (syntax only; see [`TlogProof::verify`]).
    pub fn parse(text: &str) -> Result<Self, ProofError> {
        let rest = text
            .strip_prefix(PROOF_HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or(ProofError::BadHeader)?;
        let (mut line, mut rest) = rest.split_once('\n').ok_or(ProofError::BadIndex)?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            let data = BASE64.decode(b64).map_err(|_| ProofError::BadExtra)?;
            if data.is_empty() {
                return Err(ProofError::BadExtra);
            }
            extra = Some(data);
            (line, rest) = rest.split_once('\n').ok_or(ProofError::BadIndex)?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(checkpoint::parse_decimal)
            .ok_or(ProofError::BadIndex)?;
        let mut inclusion = Vec::new();
        loop {
            let (line, after) = rest.split_once('\n').ok_or(ProofError::NoCheckpoint)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if inclusion.len() == MAX_PROOF_HASHES {
                return Err(ProofError::TooManyHashes);
            }
            inclusion.push(
                checkpoint::parse_hash(line).ok_or(ProofError::BadHash(inclusion.len() + 1))?,
            );
        }
        if rest.is_empty() {
            return Err(ProofError::NoCheckpoint);
        }
        Note::parse(rest.as_bytes())?;
        Ok(TlogProof {
            extra,
            index,
            inclusion,
            checkpoint: rest.to_string(),
        })
    }

    /// Verifies that `entry` is entry number `index` of the log: the checkpoint opens under
    /// `policy` (origin, log signature, cosigner quorum), the index is in its tree, and the
    /// inclusion proof leads from the entry's leaf hash to its root.
    pub fn verify(
        &self,
        entry: &[u8],
        policy: &CheckpointPolicy,
    ) -> Result<OpenedCheckpoint, ProofError> {
        self.verify_leaf_hash(&merkle::leaf_hash(entry), policy)
    }

    /// [`TlogProof::verify`] for a caller that holds the leaf hash instead of the entry.
    pub fn verify_leaf_hash(
        &self,
        leaf: &Hash,
        policy: &CheckpointPolicy,
    ) -> Result<OpenedCheckpoint, ProofError> {
        let opened = policy.open(self.checkpoint.as_bytes())?;
        let size = opened.checkpoint.size();
        if self.index >= size {
            return Err(ProofError::IndexBeyondTree {
                index: self.index,
                size,
            });
        }
        merkle::verify_inclusion(
            leaf,
            self.index,
            size,
            &self.inclusion,
            opened.checkpoint.root_hash(),
        )?;
        Ok(opened)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transparency::checkpoint::CosignatureSigner;
    use crate::transparency::ed25519::Ed25519Signer;
    use crate::transparency::note::Verifiers;
    use std::convert::Infallible;

    const ORIGIN: &str = "example.com/fancylog";

    struct Log {
        levels: Vec<Vec<Hash>>,
    }

    impl Log {
        fn new(n: u64) -> Self {
            let mut levels: Vec<Vec<Hash>> = vec![Vec::new()];
            for i in 0..n {
                let read = |l: u8, x: u64| Ok::<_, Infallible>(levels[l as usize][x as usize]);
                let done =
                    merkle::hashes_completed_by(i, merkle::leaf_hash(&entry(i)), read).unwrap();
                for (node, h) in done {
                    if levels.len() <= node.level as usize {
                        levels.push(Vec::new());
                    }
                    levels[node.level as usize].push(h);
                }
            }
            Log { levels }
        }
        fn hash_at(&self) -> impl FnMut(u8, u64) -> Result<Hash, Infallible> + '_ {
            |l, i| Ok(self.levels[l as usize][i as usize])
        }
    }

    fn entry(i: u64) -> Vec<u8> {
        format!("entry {i}").into_bytes()
    }

    fn setup() -> (Ed25519Signer, CosignatureSigner, CheckpointPolicy) {
        let log = Ed25519Signer::from_seed(ORIGIN, &[1; 32]).unwrap();
        let witness = CosignatureSigner::from_seed("witness1.example", &[2; 32]).unwrap();
        let policy = CheckpointPolicy::new(ORIGIN, Verifiers::new().with(log.verifier()))
            .with_cosigners(Verifiers::new().with(witness.verifier()), 1);
        (log, witness, policy)
    }

    fn signed(size: u64, root: Hash, log: &Ed25519Signer, w: &CosignatureSigner) -> String {
        Checkpoint::new(ORIGIN, size, root)
            .unwrap()
            .sign(&[log, &w.at(1_700_000_000)])
            .unwrap()
    }

    #[test]
    fn a_proof_round_trips_and_verifies() {
        let (log, w, policy) = setup();
        let tree = Log::new(1000);
        let root = merkle::root(1000, tree.hash_at()).unwrap();
        let cp = signed(1000, root, &log, &w);
        for index in [0, 1, 511, 998, 999] {
            let inclusion = merkle::inclusion_proof(index, 1000, tree.hash_at()).unwrap();
            let proof = TlogProof::new(index, inclusion, cp.clone())
                .unwrap()
                .with_extra(b"ctx".to_vec());
            let text = proof.encode();
            assert!(text.starts_with(&format!(
                "c2sp.org/tlog-proof@v1\nextra Y3R4\nindex {index}\n"
            )));
            let back = TlogProof::parse(&text).unwrap();
            assert_eq!(back, proof);
            let opened = back.verify(&entry(index), &policy).unwrap();
            assert_eq!(opened.checkpoint.size(), 1000);
            assert_eq!(opened.cosignatures[0].timestamp, Some(1_700_000_000));
        }
        // A one-entry tree has an empty inclusion proof.
        let one = Log::new(1);
        let cp1 = signed(1, one.levels[0][0], &log, &w);
        let p = TlogProof::new(0, vec![], cp1).unwrap();
        assert!(p.encode().contains("index 0\n\n"));
        TlogProof::parse(&p.encode())
            .unwrap()
            .verify(&entry(0), &policy)
            .unwrap();
    }

    #[test]
    fn forged_proofs_are_refused() {
        let (log, w, policy) = setup();
        let tree = Log::new(300);
        let root = merkle::root(300, tree.hash_at()).unwrap();
        let cp = signed(300, root, &log, &w);
        let inclusion = merkle::inclusion_proof(42, 300, tree.hash_at()).unwrap();
        let proof = TlogProof::new(42, inclusion.clone(), cp.clone()).unwrap();
        // Another entry.
        assert_eq!(
            proof.verify(&entry(43), &policy),
            Err(ProofError::Merkle(MerkleError::InclusionMismatch))
        );
        // An index beyond the checkpoint's tree.
        let small_root = merkle::root(20, tree.hash_at()).unwrap();
        let beyond = format!(
            "{PROOF_HEADER}\nindex 42\n\n{}",
            signed(20, small_root, &log, &w)
        );
        assert_eq!(
            TlogProof::parse(&beyond)
                .unwrap()
                .verify(&entry(42), &policy),
            Err(ProofError::IndexBeyondTree {
                index: 42,
                size: 20
            })
        );
        assert_eq!(
            TlogProof::new(42, vec![], signed(20, small_root, &log, &w)),
            Err(ProofError::IndexBeyondTree {
                index: 42,
                size: 20
            })
        );
        // A checkpoint without the witness's cosignature.
        let uncosigned = Checkpoint::new(ORIGIN, 300, root)
            .unwrap()
            .sign(&[&log])
            .unwrap();
        let p = TlogProof {
            checkpoint: uncosigned,
            ..proof.clone()
        };
        assert_eq!(
            p.verify(&entry(42), &policy),
            Err(ProofError::Checkpoint(CheckpointError::QuorumNotMet {
                need: 1,
                got: 0
            }))
        );
        // A proof of the wrong length.
        let short = TlogProof {
            inclusion: inclusion[1..].to_vec(),
            ..proof.clone()
        };
        assert!(matches!(
            short.verify(&entry(42), &policy),
            Err(ProofError::Merkle(MerkleError::ProofLength { .. }))
        ));
        assert!(matches!(
            TlogProof::new(42, inclusion[1..].to_vec(), cp),
            Err(ProofError::Merkle(MerkleError::ProofLength { .. }))
        ));
    }

    #[test]
    fn malformed_proofs_are_refused() {
        let (log, w, _) = setup();
        let cp = signed(3, [0; 32], &log, &w);
        let h = BASE64.encode([0u8; 32]);
        let cases = [
            (
                format!("c2sp.org/tlog-proof@v2\nindex 1\n\n{cp}"),
                ProofError::BadHeader,
            ),
            (
                format!("{PROOF_HEADER}\nextra \nindex 1\n\n{cp}"),
                ProofError::BadExtra,
            ),
            (
                format!("{PROOF_HEADER}\nextra !!\nindex 1\n\n{cp}"),
                ProofError::BadExtra,
            ),
            (
                format!("{PROOF_HEADER}\nindex 01\n\n{cp}"),
                ProofError::BadIndex,
            ),
            (
                format!("{PROOF_HEADER}\nindex -1\n\n{cp}"),
                ProofError::BadIndex,
            ),
            (
                format!("{PROOF_HEADER}\nindex  1\n\n{cp}"),
                ProofError::BadIndex,
            ),
            (
                format!("{PROOF_HEADER}\nindex 1\nextra AA==\n\n{cp}"),
                ProofError::BadHash(1),
            ),
            (
                format!("{PROOF_HEADER}\nindex 1\n{h}\nAAAA\n\n{cp}"),
                ProofError::BadHash(2),
            ),
            (
                format!(
                    "{PROOF_HEADER}\nindex 1\n{}\n{cp}",
                    format!("{h}\n").repeat(65)
                ),
                ProofError::TooManyHashes,
            ),
            (
                format!("{PROOF_HEADER}\nindex 1\n{h}\n"),
                ProofError::NoCheckpoint,
            ),
            (
                format!("{PROOF_HEADER}\nindex 1\n\n"),
                ProofError::NoCheckpoint,
            ),
            (
                format!("{PROOF_HEADER}\nindex 1\n\n{}", cp.trim_end()),
                ProofError::Note(NoteError::NoSignatureBlock),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(TlogProof::parse(&text), Err(want), "{text}");
        }
    }
}

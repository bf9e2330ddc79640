//! C2SP tlog-checkpoint (<https://c2sp.org/tlog-checkpoint>), the signed tree head, and
//! tlog-cosignature (<https://c2sp.org/tlog-cosignature>), a witness's timestamped Ed25519
//! signature of one.
//!
//! A checkpoint is the text of a signed note: the log's origin, the tree size in decimal, the
//! root hash in base64, then optional extension lines. A cosignature is a note signature of
//! type 0x04 whose bytes are an 8-byte big-endian timestamp and an Ed25519 signature of
//! `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint text.
//!
//! Choices where the specs leave room:
//! - Parsing is strict: at least three lines, each non-empty; the size is ASCII digits without
//!   leading zeros (`0` alone for the empty tree) that fit a u64; the root is canonical
//!   base64 of exactly 32 bytes; extension lines are kept verbatim. The origin may be any
//!   non-empty line (clients must not assume it is a URL); a checkpoint we build ourselves
//!   ([`Checkpoint::new`]) must have an origin that is also a valid key name, as the spec
//!   recommends, so that the log key can carry it as its name.
//! - Opening a checkpoint ([`CheckpointPolicy::open`]) requires the expected origin, at least
//!   one verified signature by one of the log's own keys (a note verified by a witness alone is
//!   not a checkpoint of the log) and, if asked, a quorum of distinct cosigners.
//! - Cosignatures with a timestamp above 2^63 − 1 do not verify; timestamps in the future are
//!   returned to the caller (this module has no clock) rather than refused here.
//! - Only the Ed25519 cosignature (type 0x04) is built; ML-DSA-44 and subtree cosignatures are
//!   not.

use super::ed25519::{self, Ed25519Verifier};
use super::merkle::{HASH_SIZE, Hash};
use super::note::{
    self, NoteError, NoteSignature, NoteSigner, NoteVerifier, OpenedNote, SIG_TYPE_COSIGNATURE_V1,
    SIG_TYPE_ED25519, VerifierKey, Verifiers,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::signature::{ED25519, Ed25519KeyPair, UnparsedPublicKey};
use std::fmt;

/// The largest timestamp a cosignature may carry: 2^63 − 1.
pub const MAX_COSIGNATURE_TIME: u64 = i64::MAX as u64;

/// Why a checkpoint or a cosignature was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The signed note itself was refused.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The text does not end with a newline.
    #[error("the checkpoint text does not end with a newline")]
    NoFinalNewline,
    /// The text has a control character other than newline.
    #[error("the checkpoint text has a control character")]
    ControlCharacter,
    /// Fewer than three lines.
    #[error("a checkpoint has at least three lines (origin, size, root)")]
    TooFewLines,
    /// An empty origin line.
    #[error("the checkpoint origin is empty")]
    EmptyOrigin,
    /// An origin we would not sign: it must also be a valid key name.
    #[error("{0:?} cannot be a log origin (it must be a valid key name)")]
    BadOrigin(String),
    /// The size line is not a canonical u64 decimal.
    #[error("{0:?} is not a tree size (decimal, no leading zeros, at most 2^64 - 1)")]
    BadSize(String),
    /// The root line is not canonical base64 of 32 bytes.
    #[error("{0:?} is not a root hash (base64 of 32 bytes)")]
    BadRootHash(String),
    /// An empty extension line (number 4 or later).
    #[error("checkpoint line {0} is an empty extension line")]
    EmptyExtension(usize),
    /// The checkpoint is from another log.
    #[error("the checkpoint is from {found:?}, not {expected:?}")]
    OriginMismatch {
        /// The origin expected.
        expected: String,
        /// The origin found.
        found: String,
    },
    /// No verified signature is by one of the log's keys.
    #[error("no signature by the log's keys verifies")]
    NotSignedByLog,
    /// Fewer distinct cosigners than the policy needs.
    #[error("{got} of the {need} cosignatures the policy needs verify")]
    QuorumNotMet {
        /// Cosignatures needed.
        need: usize,
        /// Cosignatures that verified.
        got: usize,
    },
    /// A cosignature time above 2^63 − 1.
    #[error("cosignature time {0} is above 2^63 - 1")]
    TimestampTooLarge(u64),
    /// A vkey of a signature type this module cannot verify.
    #[error("signature type {0:#04x} is not one this module verifies (0x01, 0x04)")]
    UnsupportedKeyType(u8),
}

/// A checkpoint: the signed statement of a log's tree size and root hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

/// Reads a canonical decimal u64 (no sign, no leading zeros).
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Reads a hash written as canonical base64.
pub(crate) fn parse_hash(s: &str) -> Option<Hash> {
    let raw = BASE64.decode(s).ok()?;
    if raw.len() != HASH_SIZE {
        return None;
    }
    let mut h = [0u8; HASH_SIZE];
    h.copy_from_slice(&raw);
    Some(h)
}

impl Checkpoint {
    /// A checkpoint of our log: `origin` must be a valid key name (no white space, `+` or
    /// control characters).
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        if !note::is_valid_key_name(origin) {
            return Err(CheckpointError::BadOrigin(origin.to_string()));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// The checkpoint with an extension line added (non-empty, no newline or control
    /// character; not recommended by the spec).
    pub fn with_extension(mut self, line: &str) -> Result<Self, CheckpointError> {
        if line.is_empty() {
            return Err(CheckpointError::EmptyExtension(4 + self.extensions.len()));
        }
        if line.bytes().any(|b| b < 0x20) {
            return Err(CheckpointError::ControlCharacter);
        }
        self.extensions.push(line.to_string());
        Ok(self)
    }

    /// Reads a checkpoint from a note text (strictly, see the module documentation). The
    /// text is not authenticated: use [`CheckpointPolicy::open`] on a signed checkpoint.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::NoFinalNewline)?;
        if body.bytes().any(|b| b < 0x20 && b != b'\n') {
            return Err(CheckpointError::ControlCharacter);
        }
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_decimal(size).ok_or_else(|| CheckpointError::BadSize(size.to_string()))?;
        let root =
            parse_hash(root).ok_or_else(|| CheckpointError::BadRootHash(root.to_string()))?;
        if let Some(i) = extensions.iter().position(|l| l.is_empty()) {
            return Err(CheckpointError::EmptyExtension(4 + i));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions: extensions.iter().map(|l| l.to_string()).collect(),
        })
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash of the tree of that size.
    pub fn root_hash(&self) -> &Hash {
        &self.root
    }

    /// The extension lines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text: origin, size, root, extension lines, each ending with a newline.
    pub fn text(&self) -> String {
        let mut t = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for e in &self.extensions {
            t.push_str(e);
            t.push('\n');
        }
        t
    }

    /// The signed checkpoint, signed by each of `signers` in order (the log's Ed25519 key
    /// first, for the public witness network; then, for instance, the region's SM2 key).
    pub fn sign(&self, signers: &[&dyn NoteSigner]) -> Result<String, CheckpointError> {
        let mut note = note::Note::new(self.text())?;
        for s in signers {
            note.sign(*s)?;
        }
        Ok(note.encode()?)
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// The message an Ed25519 cosignature signs: `cosignature/v1\ntime <timestamp>\n` followed by
/// the checkpoint text (final newline included, signatures excluded).
pub fn cosigned_message(checkpoint_text: &[u8], timestamp: u64) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {timestamp}\n").into_bytes();
    m.extend_from_slice(checkpoint_text);
    m
}

/// A witness's cosigning key (signature type 0x04).
pub struct CosignatureSigner {
    name: String,
    key_id: u32,
    pair: Ed25519KeyPair,
}

impl CosignatureSigner {
    /// The cosigner of the 32-byte Ed25519 seed under `name`.
    pub fn from_seed(name: &str, seed: &[u8]) -> Result<Self, CheckpointError> {
        Self::from_pair(name, ed25519::pair_from_seed(seed)?)
    }

    /// The cosigner of an Ed25519 PKCS#8 document under `name`.
    pub fn from_pkcs8(name: &str, der: &[u8]) -> Result<Self, CheckpointError> {
        Self::from_pair(name, ed25519::pair_from_pkcs8(der)?)
    }

    fn from_pair(name: &str, pair: Ed25519KeyPair) -> Result<Self, CheckpointError> {
        let vkey = VerifierKey::new(
            name,
            SIG_TYPE_COSIGNATURE_V1,
            &ed25519::public_key_of(&pair),
        )?;
        Ok(CosignatureSigner {
            name: vkey.name,
            key_id: vkey.key_id,
            pair,
        })
    }

    /// The matching verifier.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            public_key: ed25519::public_key_of(&self.pair),
        }
    }

    /// The cosignature of a checkpoint text at `timestamp` (seconds since the epoch).
    pub fn cosign(
        &self,
        checkpoint_text: &str,
        timestamp: u64,
    ) -> Result<NoteSignature, CheckpointError> {
        if timestamp > MAX_COSIGNATURE_TIME {
            return Err(CheckpointError::TimestampTooLarge(timestamp));
        }
        let sig = self
            .pair
            .sign(&cosigned_message(checkpoint_text.as_bytes(), timestamp));
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(sig.as_ref());
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            signature,
        })
    }

    /// This cosigner as a [`NoteSigner`] that signs at `timestamp`.
    pub fn at(&self, timestamp: u64) -> TimedCosigner<'_> {
        TimedCosigner {
            signer: self,
            timestamp,
        }
    }
}

impl fmt::Debug for CosignatureSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CosignatureSigner({}+{:08x})", self.name, self.key_id)
    }
}

/// A [`CosignatureSigner`] fixed to one timestamp, usable wherever a [`NoteSigner`] is.
#[derive(Debug)]
pub struct TimedCosigner<'a> {
    signer: &'a CosignatureSigner,
    timestamp: u64,
}

impl NoteSigner for TimedCosigner<'_> {
    fn name(&self) -> &str {
        &self.signer.name
    }
    fn key_id(&self) -> u32 {
        self.signer.key_id
    }
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, NoteError> {
        let text = std::str::from_utf8(text).map_err(|_| NoteError::NotUtf8)?;
        self.signer
            .cosign(text, self.timestamp)
            .map(|s| s.signature)
            .map_err(|e| NoteError::SignerFailed {
                name: self.signer.name.clone(),
                reason: e.to_string(),
            })
    }
}

/// Verifies Ed25519 witness cosignatures (type 0x04).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: u32,
    public_key: [u8; 32],
}

impl CosignatureVerifier {
    /// The verifier of a cosigner's Ed25519 public key under `name`.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, CheckpointError> {
        let vkey = VerifierKey::new(name, SIG_TYPE_COSIGNATURE_V1, &public_key)?;
        Ok(CosignatureVerifier {
            name: vkey.name,
            key_id: vkey.key_id,
            public_key,
        })
    }

    /// The verifier of a type 0x04 vkey.
    pub fn from_vkey(vkey: &VerifierKey) -> Result<Self, CheckpointError> {
        CosignatureVerifier::new(&vkey.name, vkey.ed25519_key(SIG_TYPE_COSIGNATURE_V1)?)
    }

    /// This key as a vkey.
    pub fn vkey(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            sig_type: SIG_TYPE_COSIGNATURE_V1,
            key: self.public_key.to_vec(),
        }
    }
}

/// Splits a cosignature into its timestamp and its Ed25519 signature.
fn split_cosignature(signature: &[u8]) -> Option<(u64, &[u8])> {
    if signature.len() != 8 + 64 {
        return None;
    }
    let (ts, sig) = signature.split_at(8);
    let mut t = [0u8; 8];
    t.copy_from_slice(ts);
    Some((u64::from_be_bytes(t), sig))
}

impl NoteVerifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        match split_cosignature(signature) {
            Some((ts, sig)) if ts <= MAX_COSIGNATURE_TIME => {
                UnparsedPublicKey::new(&ED25519, &self.public_key)
                    .verify(&cosigned_message(text, ts), sig)
                    .is_ok()
            }
            _ => false,
        }
    }
    fn timestamp(&self, signature: &[u8]) -> Option<u64> {
        split_cosignature(signature).map(|(ts, _)| ts)
    }
}

/// The verifier of a vkey of type 0x01 (a log's Ed25519 key) or 0x04 (a witness's
/// cosignature key). Other types (the region's SM2 key, 0xff) are built by their integrator.
pub fn verifier_from_vkey(
    vkey: &str,
) -> Result<Box<dyn NoteVerifier + Send + Sync>, CheckpointError> {
    let k = VerifierKey::parse(vkey)?;
    match k.sig_type {
        SIG_TYPE_ED25519 => Ok(Box::new(Ed25519Verifier::from_vkey(&k)?)),
        SIG_TYPE_COSIGNATURE_V1 => Ok(Box::new(CosignatureVerifier::from_vkey(&k)?)),
        other => Err(CheckpointError::UnsupportedKeyType(other)),
    }
}

/// A verified cosignature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    /// The cosigner's key name.
    pub name: String,
    /// The cosigner's key ID.
    pub key_id: u32,
    /// The time it states, seconds since the epoch, if its type has one.
    pub timestamp: Option<u64>,
}

/// A checkpoint whose signatures satisfied a [`CheckpointPolicy`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The note, with its verified and unverified signatures.
    pub note: OpenedNote,
    /// The verified cosignatures, one per cosigner.
    pub cosignatures: Vec<Cosignature>,
}

/// What a signed checkpoint must satisfy: the log's origin, the log's keys (one signature by
/// one of them must verify) and the witnesses whose cosignatures count, with a quorum.
#[derive(Debug)]
pub struct CheckpointPolicy {
    origin: String,
    log_keys: Verifiers,
    cosigners: Verifiers,
    quorum: usize,
}

impl CheckpointPolicy {
    /// Checkpoints of `origin` signed by one of `log_keys`, no cosignature required.
    pub fn new(origin: &str, log_keys: Verifiers) -> Self {
        CheckpointPolicy {
            origin: origin.to_string(),
            log_keys,
            cosigners: Verifiers::new(),
            quorum: 0,
        }
    }

    /// The policy also requiring `quorum` distinct cosigners among `cosigners`.
    pub fn with_cosigners(mut self, cosigners: Verifiers, quorum: usize) -> Self {
        self.cosigners = cosigners;
        self.quorum = quorum;
        self
    }

    /// The origin checkpoints must carry.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Opens a signed checkpoint: the note's signatures under the signed-note rules (every
    /// known key, log or cosigner, must verify), then the origin, the log's signature and the
    /// quorum.
    pub fn open(&self, msg: &[u8]) -> Result<OpenedCheckpoint, CheckpointError> {
        let note = note::open(msg, &[&self.log_keys, &self.cosigners])?;
        let checkpoint = Checkpoint::parse(&note.text)?;
        if checkpoint.origin != self.origin {
            return Err(CheckpointError::OriginMismatch {
                expected: self.origin.clone(),
                found: checkpoint.origin,
            });
        }
        if !note
            .verified
            .iter()
            .any(|s| self.log_keys.contains(&s.name, s.key_id))
        {
            return Err(CheckpointError::NotSignedByLog);
        }
        let mut cosignatures = Vec::new();
        for s in &note.verified {
            if let Some(v) = self.cosigners.matching(&s.name, s.key_id).next() {
                cosignatures.push(Cosignature {
                    name: s.name.clone(),
                    key_id: s.key_id,
                    timestamp: v.timestamp(&s.signature),
                });
            }
        }
        if cosignatures.len() < self.quorum {
            return Err(CheckpointError::QuorumNotMet {
                need: self.quorum,
                got: cosignatures.len(),
            });
        }
        Ok(OpenedCheckpoint {
            checkpoint,
            note,
            cosignatures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transparency::ed25519::Ed25519Signer;
    use crate::transparency::note::Note;

    const ORIGIN: &str = "example.com/behind-the-sofa";

    fn log_signer() -> Ed25519Signer {
        Ed25519Signer::from_seed(ORIGIN, &[7; 32]).unwrap()
    }

    fn witness(n: u8) -> CosignatureSigner {
        CosignatureSigner::from_seed(&format!("witness{n}.example"), &[n; 32]).unwrap()
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint::parse(
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        )
        .unwrap()
    }

    #[test]
    fn the_spec_example_parses_and_round_trips() {
        let c = checkpoint();
        assert_eq!((c.origin(), c.size()), (ORIGIN, 20852163));
        assert_eq!(
            c.text(),
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
        let ext = c.clone().with_extension("a b").unwrap();
        assert_eq!(Checkpoint::parse(&ext.text()).unwrap(), ext);
        assert_eq!(
            Checkpoint::parse("o\n0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
                .unwrap()
                .size(),
            0
        );
    }

    #[test]
    fn malformed_checkpoints_are_refused() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        use CheckpointError::*;
        let cases = [
            (format!("o\n1\n{root}"), NoFinalNewline),
            ("o\n1\n".to_string(), TooFewLines),
            (format!("\n1\n{root}\n"), EmptyOrigin),
            (format!("o\n01\n{root}\n"), BadSize("01".into())),
            (format!("o\n+1\n{root}\n"), BadSize("+1".into())),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                BadSize("18446744073709551616".into()),
            ),
            (format!("o\n\n{root}\n"), BadSize(String::new())),
            (
                "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n".to_string(),
                BadRootHash("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I".into()),
            ),
            (
                "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n".to_string(),
                BadRootHash("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=".into()),
            ),
            ("o\n1\nAAAA\n".to_string(), BadRootHash("AAAA".into())),
            (format!("o\n1\n{root}\n\n"), EmptyExtension(4)),
            (format!("o\n1\n{root}\next\n\nmore\n"), EmptyExtension(5)),
            (format!("o\n1\n{root}\r\n"), ControlCharacter),
        ];
        for (text, want) in cases {
            assert_eq!(Checkpoint::parse(&text), Err(want), "{text:?}");
        }
        assert_eq!(
            Checkpoint::new("a b", 1, [0; 32]),
            Err(BadOrigin("a b".into()))
        );
        assert_eq!(checkpoint().with_extension(""), Err(EmptyExtension(4)));
    }

    #[test]
    fn a_checkpoint_signed_by_the_log_and_witnesses_opens() {
        let (log, w1, w2) = (log_signer(), witness(1), witness(2));
        let signed = checkpoint()
            .sign(&[&log, &w1.at(1679315147), &w2.at(1679315148)])
            .unwrap();
        let policy = CheckpointPolicy::new(ORIGIN, Verifiers::new().with(log.verifier()))
            .with_cosigners(Verifiers::new().with(w1.verifier()).with(w2.verifier()), 2);
        let opened = policy.open(signed.as_bytes()).unwrap();
        assert_eq!(opened.checkpoint, checkpoint());
        assert_eq!(opened.cosignatures.len(), 2);
        assert_eq!(opened.cosignatures[0].timestamp, Some(1679315147));
        // The cosigned message of the spec's example.
        assert_eq!(
            cosigned_message(checkpoint().text().as_bytes(), 1679315147),
            b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
        // Key IDs use the cosignature type byte.
        let v = w1.verifier();
        assert_eq!(
            v.key_id(),
            note::key_id("witness1.example", 0x04, &v.vkey().key)
        );
        let parsed = verifier_from_vkey(&v.vkey().to_string()).unwrap();
        assert_eq!(
            (parsed.name(), parsed.key_id()),
            ("witness1.example", v.key_id())
        );
        // Sixteen and more signatures: unknown ones are ignored.
        let mut note = Note::parse(signed.as_bytes()).unwrap();
        for n in 3..20 {
            note.add_signature(witness(n).cosign(&checkpoint().text(), 5).unwrap())
                .unwrap();
        }
        assert_eq!(note.signatures().len(), 20);
        let opened = policy.open(note.encode().unwrap().as_bytes()).unwrap();
        assert_eq!(
            (opened.cosignatures.len(), opened.note.unverified.len()),
            (2, 17)
        );
    }

    #[test]
    fn forged_checkpoints_are_refused() {
        let (log, w1) = (log_signer(), witness(1));
        let policy = CheckpointPolicy::new(ORIGIN, Verifiers::new().with(log.verifier()))
            .with_cosigners(Verifiers::new().with(w1.verifier()), 1);
        // Signed by an unknown key only.
        let stranger = Ed25519Signer::from_seed(ORIGIN, &[9; 32]).unwrap();
        let signed = checkpoint().sign(&[&stranger]).unwrap();
        assert_eq!(
            policy.open(signed.as_bytes()),
            Err(CheckpointError::Note(NoteError::NoVerifiedSignature {
                unknown: 1
            }))
        );
        // Cosigned but not signed by the log.
        let signed = checkpoint().sign(&[&w1.at(10)]).unwrap();
        assert_eq!(
            policy.open(signed.as_bytes()),
            Err(CheckpointError::NotSignedByLog)
        );
        // Signed by the log, without the quorum.
        let signed = checkpoint().sign(&[&log]).unwrap();
        assert_eq!(
            policy.open(signed.as_bytes()),
            Err(CheckpointError::QuorumNotMet { need: 1, got: 0 })
        );
        // A tampered size.
        let signed = checkpoint().sign(&[&log, &w1.at(10)]).unwrap();
        let tampered = signed.replace("20852163", "20852164");
        assert!(matches!(
            policy.open(tampered.as_bytes()),
            Err(CheckpointError::Note(NoteError::InvalidSignature { .. }))
        ));
        // A cosignature over a different checkpoint, moved onto this one.
        let other = Checkpoint::new(ORIGIN, 20852164, [1; 32]).unwrap();
        let moved = w1.cosign(&other.text(), 10).unwrap();
        let mut note = Note::new(checkpoint().text()).unwrap();
        note.sign(&log).unwrap();
        note.add_signature(moved).unwrap();
        assert_eq!(
            policy.open(note.encode().unwrap().as_bytes()),
            Err(CheckpointError::Note(NoteError::InvalidSignature {
                name: "witness1.example".into(),
                key_id: w1.verifier().key_id()
            }))
        );
        // A cosignature whose timestamp was changed.
        let mut sig = w1.cosign(&checkpoint().text(), 10).unwrap();
        sig.signature[7] = 11;
        assert!(
            !w1.verifier()
                .verify(checkpoint().text().as_bytes(), &sig.signature)
        );
        // Another log's checkpoint signed by the same key.
        let foreign = Checkpoint::new("example.com/other", 1, [0; 32])
            .unwrap()
            .sign(&[&log, &w1.at(1)])
            .unwrap();
        assert!(matches!(
            policy.open(foreign.as_bytes()),
            Err(CheckpointError::OriginMismatch { .. })
        ));
        // Timestamps above 2^63 - 1.
        assert_eq!(
            w1.cosign("x\n", 1 << 63),
            Err(CheckpointError::TimestampTooLarge(1 << 63))
        );
        assert!(matches!(
            verifier_from_vkey(
                &VerifierKey::new("sm2.example", 0xff, &[4; 65])
                    .unwrap()
                    .to_string()
            ),
            Err(CheckpointError::UnsupportedKeyType(0xff))
        ));
    }
}

//! C2SP signed-note (<https://c2sp.org/signed-note>): a UTF-8 text signed by one or more keys,
//! each signature on its own line `— <key name> <base64(key ID || signature)>`.
//!
//! A key is known by its name and a 32-bit key ID, `SHA-256(name || 0x0A || type ||
//! public key)[:4]` ([`key_id`]); verifier keys are exchanged as `vkey` strings
//! `<name>+<hex key ID>+<base64(type || public key)>` ([`VerifierKey`]). Signing and verifying
//! sit behind two small traits, [`NoteSigner`] and [`NoteVerifier`]; `ed25519` implements them
//! for Ed25519 (type 0x01, with `ring`), `checkpoint` for the Ed25519 witness cosignature
//! (type 0x04).
//!
//! **SM2 plugs in here.** The region's SM2 key signs checkpoints under the private type
//! [`SIG_TYPE_PRIVATE`] (0xff), which the spec asks to follow with a longer identifier: the
//! integrator implements [`NoteSigner`] and [`NoteVerifier`] over `crate::crypto` (SM2 with SM3
//! and the default distinguishing ID), computes the key ID with [`key_id`] over
//! `0xff || identifier || public key`, documents the identifier, and adds the verifier to a
//! [`Verifiers`] set like any other. Nothing in this module needs to change.
//!
//! Verification rules (the spec's, and where it leaves room, ours):
//! - The note must be UTF-8 without control characters other than newline; the text ends at
//!   the last blank line; every line after it is a signature line, and there is at least one.
//! - More than [`MAX_SIGNATURES`] (100) signature lines: the note is refused (the spec asks to
//!   accept at least 16).
//! - Signatures whose (name, key ID) pair is not known are ignored (kept as `unverified`), even
//!   if the name or the ID alone matches a known key.
//! - Every signature by a known key is verified, repeated ones too; one that fails rejects the
//!   whole note ([`NoteError::InvalidSignature`]; the spec allows this).
//! - At least one signature by a known key must verify ([`NoteError::NoVerifiedSignature`]).
//! - Two known verifiers with the same name and key ID make the note unverifiable
//!   ([`NoteError::AmbiguousKey`]) when a signature names them.
//! - Identical signature lines count once; `verified` lists each key once.
//! - Key names may not contain Unicode white space, `+`, or control characters.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use std::fmt;

/// The most signature lines a note may carry.
pub const MAX_SIGNATURES: usize = 100;

/// Signature type of plain Ed25519 note signatures.
pub const SIG_TYPE_ED25519: u8 = 0x01;

/// Signature type of timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature).
pub const SIG_TYPE_COSIGNATURE_V1: u8 = 0x04;

/// Signature type reserved for algorithms without an assigned byte (the region's SM2 key).
pub const SIG_TYPE_PRIVATE: u8 = 0xff;

/// What starts a signature line: an em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a note, a key or a signature was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note is not UTF-8.
    #[error("the note is not valid UTF-8")]
    NotUtf8,
    /// The note has an ASCII control character other than newline.
    #[error("the note has a control character (other than newline) at byte {0}")]
    ControlCharacter(usize),
    /// The text does not end with a newline.
    #[error("the note text does not end with a newline")]
    NoFinalNewline,
    /// No blank line followed by signature lines ending in a newline.
    #[error("the note has no signature block (a blank line, then signature lines)")]
    NoSignatureBlock,
    /// A line of the signature block is not `— <name> <base64>`.
    #[error("signature line {0} is malformed")]
    MalformedSignatureLine(usize),
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("the note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// A key name that is empty or has white space, `+` or control characters.
    #[error("{0:?} is not a valid key name")]
    BadKeyName(String),
    /// A vkey string that is not `<name>+<8 hex digits>+<base64>`.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    /// A vkey whose key ID is not the one its name, type and key give.
    #[error("verifier key {name}: key ID {claimed:08x} does not match its key ({computed:08x})")]
    KeyIdMismatch {
        /// The key name.
        name: String,
        /// The key ID written in the vkey.
        claimed: u32,
        /// The key ID computed from name, type and key.
        computed: u32,
    },
    /// A key of another signature type than the one asked for.
    #[error("key type {got:#04x} where {want:#04x} was expected")]
    WrongKeyType {
        /// The type byte found.
        got: u8,
        /// The type byte expected.
        want: u8,
    },
    /// An Ed25519 key or seed that `ring` refuses, or of the wrong length.
    #[error("invalid Ed25519 key: {0}")]
    BadEd25519Key(String),
    /// An SM2 note key that is not a point on the curve, or a signer that is not SM2.
    #[error("invalid SM2 note key: {0}")]
    BadSm2Key(String),
    /// A signer could not sign (an HSM error, for instance).
    #[error("signer {name} failed: {reason}")]
    SignerFailed {
        /// The signer's key name.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// A note to encode has no signature.
    #[error("a signed note needs at least one signature")]
    NoSignatures,
    /// Two known verifiers share the name and key ID a signature names.
    #[error("more than one known key is {name}+{key_id:08x}")]
    AmbiguousKey {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// A signature by a known key does not verify.
    #[error("the signature by {name}+{key_id:08x} does not verify")]
    InvalidSignature {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// No signature by a known key.
    #[error("no signature by a known key ({unknown} by unknown keys)")]
    NoVerifiedSignature {
        /// Distinct signatures by unknown keys.
        unknown: usize,
    },
}

/// Whether `name` can name a key: non-empty, without Unicode white space, `+` or control
/// characters.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

pub(crate) fn check_key_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::BadKeyName(name.to_string()))
    }
}

/// The recommended key ID: the first four bytes, big-endian, of
/// `SHA-256(name || 0x0A || sig_type || public_key)`.
pub fn key_id(name: &str, sig_type: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', sig_type]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A key that signs notes.
pub trait NoteSigner {
    /// The key name written in the signature line.
    fn name(&self) -> &str;
    /// The key ID written before the signature.
    fn key_id(&self) -> u32;
    /// The signature of `text` (the note text, final newline included), without the key ID.
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, NoteError>;
}

/// A key that verifies note signatures.
pub trait NoteVerifier {
    /// The key name signatures by this key carry.
    fn name(&self) -> &str;
    /// The key ID signatures by this key carry.
    fn key_id(&self) -> u32;
    /// Whether `signature` (without the key ID) is this key's signature of `text`.
    fn verify(&self, text: &[u8], signature: &[u8]) -> bool;
    /// The time (seconds since the epoch) a signature of this type states, if its type has
    /// one (witness cosignatures do).
    fn timestamp(&self, _signature: &[u8]) -> Option<u64> {
        None
    }
}

/// A set of known verifier keys.
#[derive(Default)]
pub struct Verifiers {
    list: Vec<Box<dyn NoteVerifier + Send + Sync>>,
}

impl Verifiers {
    /// An empty set.
    pub fn new() -> Self {
        Verifiers::default()
    }

    /// The set with `verifier` added.
    pub fn with(mut self, verifier: impl NoteVerifier + Send + Sync + 'static) -> Self {
        self.list.push(Box::new(verifier));
        self
    }

    /// Adds a verifier.
    pub fn push(&mut self, verifier: Box<dyn NoteVerifier + Send + Sync>) {
        self.list.push(verifier);
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether a key with this name and key ID is in the set.
    pub fn contains(&self, name: &str, key_id: u32) -> bool {
        self.matching(name, key_id).next().is_some()
    }

    /// The verifiers with this name and key ID.
    pub fn matching<'a>(
        &'a self,
        name: &'a str,
        key_id: u32,
    ) -> impl Iterator<Item = &'a (dyn NoteVerifier + Send + Sync)> + 'a {
        self.list
            .iter()
            .map(|v| v.as_ref())
            .filter(move |v| v.name() == name && v.key_id() == key_id)
    }
}

impl fmt::Debug for Verifiers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.list
                    .iter()
                    .map(|v| format!("{}+{:08x}", v.name(), v.key_id())),
            )
            .finish()
    }
}

/// A verifier key in the `vkey` text form `<name>+<hex key ID>+<base64(type || key)>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    /// The key name.
    pub name: String,
    /// The key ID.
    pub key_id: u32,
    /// The signature type byte.
    pub sig_type: u8,
    /// The public key, without the type byte.
    pub key: Vec<u8>,
}

impl VerifierKey {
    /// The vkey of a public key, with the recommended key ID.
    pub fn new(name: &str, sig_type: u8, key: &[u8]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key_id = key_id(name, sig_type, key);
        Ok(VerifierKey {
            name: name.to_string(),
            key_id,
            sig_type,
            key: key.to_vec(),
        })
    }

    /// Reads a vkey string and checks its key ID against the recommended computation (key
    /// types with another key ID rule, such as 0x02, are not accepted).
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let (name, rest) = vkey
            .split_once('+')
            .ok_or(NoteError::MalformedVerifierKey("no '+'"))?;
        let (id, key) = rest
            .split_once('+')
            .ok_or(NoteError::MalformedVerifierKey("no second '+'"))?;
        check_key_name(name)?;
        if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(NoteError::MalformedVerifierKey(
                "the key ID is not 8 hex digits",
            ));
        }
        let claimed = u32::from_str_radix(id, 16)
            .map_err(|_| NoteError::MalformedVerifierKey("the key ID is not 8 hex digits"))?;
        let key = BASE64
            .decode(key)
            .map_err(|_| NoteError::MalformedVerifierKey("the key is not base64"))?;
        let (&sig_type, key) = match key.split_first() {
            Some((t, k)) if !k.is_empty() => (t, k),
            _ => return Err(NoteError::MalformedVerifierKey("the key is empty")),
        };
        let computed = key_id(name, sig_type, key);
        if computed != claimed {
            return Err(NoteError::KeyIdMismatch {
                name: name.to_string(),
                claimed,
                computed,
            });
        }
        Ok(VerifierKey {
            name: name.to_string(),
            key_id: claimed,
            sig_type,
            key: key.to_vec(),
        })
    }

    /// The 32-byte key of an Ed25519-based type, checking the type byte.
    pub fn ed25519_key(&self, want: u8) -> Result<[u8; 32], NoteError> {
        if self.sig_type != want {
            return Err(NoteError::WrongKeyType {
                got: self.sig_type,
                want,
            });
        }
        self.key
            .as_slice()
            .try_into()
            .map_err(|_| NoteError::BadEd25519Key(format!("{} bytes, not 32", self.key.len())))
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut typed = Vec::with_capacity(1 + self.key.len());
        typed.push(self.sig_type);
        typed.extend_from_slice(&self.key);
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(typed)
        )
    }
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key ID.
    pub key_id: u32,
    /// The signature, without the key ID.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, newline included.
    pub fn line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, BASE64.encode(raw))
    }

    /// Reads one signature line (without its newline); `n` numbers it for errors.
    fn parse_line(line: &str, n: usize) -> Result<Self, NoteError> {
        let bad = || NoteError::MalformedSignatureLine(n);
        let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(bad)?;
        let (name, b64) = rest.split_once(' ').ok_or_else(bad)?;
        if !is_valid_key_name(name) || b64.is_empty() {
            return Err(bad());
        }
        let raw = BASE64.decode(b64).map_err(|_| bad())?;
        if raw.len() < 5 {
            return Err(bad());
        }
        let key_id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        Ok(NoteSignature {
            name: name.to_string(),
            key_id,
            signature: raw[4..].to_vec(),
        })
    }
}

/// Checks the characters of a note or its text: no control character but newline.
fn check_characters(s: &str) -> Result<(), NoteError> {
    match s.bytes().position(|b| b < 0x20 && b != b'\n') {
        Some(at) => Err(NoteError::ControlCharacter(at)),
        None => Ok(()),
    }
}

/// A note: its text and its signatures, verified or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// An unsigned note of `text`, which must end with a newline and have no control
    /// characters other than newlines.
    pub fn new(text: impl Into<String>) -> Result<Self, NoteError> {
        let text = text.into();
        check_characters(&text)?;
        if !text.ends_with('\n') {
            return Err(NoteError::NoFinalNewline);
        }
        Ok(Note {
            text,
            signatures: Vec::new(),
        })
    }

    /// Reads a signed note, checking its syntax only (no signature is verified).
    pub fn parse(msg: &[u8]) -> Result<Self, NoteError> {
        let msg = std::str::from_utf8(msg).map_err(|_| NoteError::NotUtf8)?;
        check_characters(msg)?;
        let split = msg.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
        let (text, block) = (&msg[..split + 1], &msg[split + 2..]);
        let lines = block
            .strip_suffix('\n')
            .ok_or(NoteError::NoSignatureBlock)?;
        if lines.is_empty() {
            return Err(NoteError::NoSignatureBlock);
        }
        let mut signatures = Vec::new();
        for (i, line) in lines.split('\n').enumerate() {
            if i == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
            signatures.push(NoteSignature::parse_line(line, i + 1)?);
        }
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// The note text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signatures, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Signs the note, replacing any signature by the same key name and ID.
    pub fn sign(&mut self, signer: &dyn NoteSigner) -> Result<(), NoteError> {
        check_key_name(signer.name())?;
        let signature = signer.sign(self.text.as_bytes())?;
        self.add_signature(NoteSignature {
            name: signer.name().to_string(),
            key_id: signer.key_id(),
            signature,
        })
    }

    /// Adds a signature made elsewhere (a witness's cosignature), replacing any signature by
    /// the same key name and ID. It is not verified here.
    pub fn add_signature(&mut self, sig: NoteSignature) -> Result<(), NoteError> {
        check_key_name(&sig.name)?;
        if sig.signature.is_empty() {
            return Err(NoteError::SignerFailed {
                name: sig.name,
                reason: "empty signature".into(),
            });
        }
        self.signatures
            .retain(|s| !(s.name == sig.name && s.key_id == sig.key_id));
        if self.signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        self.signatures.push(sig);
        Ok(())
    }

    /// The signed note: text, blank line, signature lines.
    pub fn encode(&self) -> Result<String, NoteError> {
        if self.signatures.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.line());
        }
        Ok(out)
    }

    /// Verifies the signatures against the known keys (all the sets given), with the rules of
    /// the module documentation.
    pub fn verify(&self, known: &[&Verifiers]) -> Result<OpenedNote, NoteError> {
        let mut verified: Vec<NoteSignature> = Vec::new();
        let mut unverified: Vec<NoteSignature> = Vec::new();
        for (i, sig) in self.signatures.iter().enumerate() {
            if self.signatures[..i].contains(sig) {
                continue;
            }
            let mut matches = known
                .iter()
                .flat_map(|set| set.matching(&sig.name, sig.key_id));
            let Some(v) = matches.next() else {
                unverified.push(sig.clone());
                continue;
            };
            if matches.next().is_some() {
                return Err(NoteError::AmbiguousKey {
                    name: sig.name.clone(),
                    key_id: sig.key_id,
                });
            }
            if !v.verify(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::InvalidSignature {
                    name: sig.name.clone(),
                    key_id: sig.key_id,
                });
            }
            if !verified
                .iter()
                .any(|s| s.name == sig.name && s.key_id == sig.key_id)
            {
                verified.push(sig.clone());
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoVerifiedSignature {
                unknown: unverified.len(),
            });
        }
        Ok(OpenedNote {
            text: self.text.clone(),
            verified,
            unverified,
        })
    }
}

/// A note whose signatures were checked: at least one known key verified it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedNote {
    /// The note text.
    pub text: String,
    /// The verified signatures, one per key, in note order.
    pub verified: Vec<NoteSignature>,
    /// The signatures by unknown keys, not verified.
    pub unverified: Vec<NoteSignature>,
}

/// Reads a signed note and verifies it against the known keys (all the sets given).
pub fn open(msg: &[u8], known: &[&Verifiers]) -> Result<OpenedNote, NoteError> {
    Note::parse(msg)?.verify(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transparency::ed25519::{Ed25519Signer, Ed25519Verifier};

    // The example of golang.org/x/mod/sumdb/note (its package documentation and tests).
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    fn peter_signer() -> Ed25519Signer {
        let seed = BASE64
            .decode(PETER_SKEY.splitn(5, '+').nth(4).unwrap())
            .unwrap();
        assert_eq!(seed[0], SIG_TYPE_ED25519);
        Ed25519Signer::from_seed("PeterNeumann", &seed[1..]).unwrap()
    }

    fn verifiers(vkeys: &[&str]) -> Verifiers {
        let mut set = Verifiers::new();
        for k in vkeys {
            set.push(Box::new(
                Ed25519Verifier::from_vkey(&VerifierKey::parse(k).unwrap()).unwrap(),
            ));
        }
        set
    }

    #[test]
    fn signing_reproduces_the_go_example() {
        let signer = peter_signer();
        assert_eq!(signer.key_id(), 0xc74f20a3);
        assert_eq!(signer.verifier().vkey().to_string(), PETER_VKEY);
        let mut note = Note::new(TEXT).unwrap();
        note.sign(&signer).unwrap();
        assert_eq!(note.encode().unwrap(), format!("{TEXT}\n{PETER_SIG}"));
        // Re-signing replaces the signature instead of adding one.
        note.sign(&signer).unwrap();
        assert_eq!(note.signatures().len(), 1);
    }

    #[test]
    fn opening_follows_the_rules() {
        let msg = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        let peter = verifiers(&[PETER_VKEY]);
        let opened = open(msg.as_bytes(), &[&peter]).unwrap();
        assert_eq!(opened.text, TEXT);
        assert_eq!(opened.verified.len(), 1);
        assert_eq!(opened.unverified[0].name, "EnochRoot");
        let both = verifiers(&[PETER_VKEY, ENOCH_VKEY]);
        assert_eq!(open(msg.as_bytes(), &[&both]).unwrap().verified.len(), 2);
        // Unknown keys only.
        assert_eq!(
            open(msg.as_bytes(), &[&Verifiers::new()]),
            Err(NoteError::NoVerifiedSignature { unknown: 2 })
        );
        // A known key twice.
        let twice = verifiers(&[ENOCH_VKEY, PETER_VKEY, ENOCH_VKEY]);
        assert_eq!(
            open(format!("{TEXT}\n{ENOCH_SIG}").as_bytes(), &[&twice]),
            Err(NoteError::AmbiguousKey {
                name: "EnochRoot".into(),
                key_id: 0xaf0cfe78
            })
        );
        // Same name, other ID (and the reverse) is an unknown key.
        let renamed = PETER_SIG.replace("PeterNeumann", "PeterNeuman");
        assert!(matches!(
            open(format!("{TEXT}\n{renamed}").as_bytes(), &[&peter]),
            Err(NoteError::NoVerifiedSignature { .. })
        ));
        // A tampered body or signature.
        let tampered = msg.replace("cryptography", "cryptograpHy");
        assert_eq!(
            open(tampered.as_bytes(), &[&peter]),
            Err(NoteError::InvalidSignature {
                name: "PeterNeumann".into(),
                key_id: 0xc74f20a3
            })
        );
        let bad_sig = format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
        assert!(matches!(
            open(bad_sig.as_bytes(), &[&peter]),
            Err(NoteError::InvalidSignature { .. })
        ));
        // Repeated lines count once.
        let repeated = format!("{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}");
        let opened = open(repeated.as_bytes(), &[&peter]).unwrap();
        assert_eq!((opened.verified.len(), opened.unverified.len()), (1, 1));
    }

    #[test]
    fn signature_counts_are_bounded() {
        let peter = verifiers(&[PETER_VKEY]);
        let sixteen = format!("{TEXT}\n{PETER_SIG}{}", ENOCH_SIG.repeat(15));
        assert!(open(sixteen.as_bytes(), &[&peter]).is_ok());
        let hundred = format!("{TEXT}\n{}", PETER_SIG.repeat(100));
        assert!(open(hundred.as_bytes(), &[&peter]).is_ok());
        let too_many = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
        assert_eq!(
            open(too_many.as_bytes(), &[&peter]),
            Err(NoteError::TooManySignatures)
        );
    }

    #[test]
    fn malformed_notes_are_refused() {
        let peter = verifiers(&[PETER_VKEY]);
        let cases: Vec<(Vec<u8>, NoteError)> = vec![
            (TEXT.into(), NoteError::NoSignatureBlock),
            (format!("{TEXT}\n").into(), NoteError::NoSignatureBlock),
            (format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]).into(), NoteError::NoSignatureBlock),
            (format!("\x01{TEXT}\n{PETER_SIG}").into(), NoteError::ControlCharacter(0)),
            ([b"\xff".as_slice(), format!("{TEXT}\n{PETER_SIG}").as_bytes()].concat(), NoteError::NotUtf8),
            (format!("{TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n").into(), NoteError::MalformedSignatureLine(1)),
            (format!("{TEXT}\n{PETER_SIG}Unexpected line.\n").into(), NoteError::MalformedSignatureLine(2)),
            (format!("{TEXT}\n- PeterNeumann AAAAAAA=\n").into(), NoteError::MalformedSignatureLine(1)),
            (format!("{TEXT}\n\u{2014} PeterNeumann AAAAAA==\n").into(), NoteError::MalformedSignatureLine(1)),
            (format!("{TEXT}\n\u{2014} PeterNeumann AAAAAAB=\n").into(), NoteError::MalformedSignatureLine(1)),
        ];
        for (msg, want) in cases {
            assert_eq!(
                open(&msg, &[&peter]),
                Err(want),
                "{}",
                String::from_utf8_lossy(&msg)
            );
        }
        assert_eq!(Note::new("no newline"), Err(NoteError::NoFinalNewline));
        assert_eq!(
            Note::new("tab\there\n"),
            Err(NoteError::ControlCharacter(3))
        );
        assert_eq!(
            Note::new("x\n").unwrap().encode(),
            Err(NoteError::NoSignatures)
        );
        // A text with blank lines round-trips: the signatures start after the last one.
        let mut n = Note::new("a\n\nb\n\n").unwrap();
        n.sign(&peter_signer()).unwrap();
        assert_eq!(Note::parse(n.encode().unwrap().as_bytes()).unwrap(), n);
    }

    #[test]
    fn vkeys_are_checked() {
        let k = VerifierKey::parse(PETER_VKEY).unwrap();
        assert_eq!((k.key_id, k.sig_type, k.key.len()), (0xc74f20a3, 1, 32));
        assert_eq!(k.to_string(), PETER_VKEY);
        // Every truncation and every one-byte change is refused (as Go's tests do).
        let b = PETER_VKEY.as_bytes();
        for i in 0..b.len() {
            assert!(VerifierKey::parse(&PETER_VKEY[..i]).is_err(), "prefix {i}");
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            if let Ok(s) = std::str::from_utf8(&m) {
                assert!(
                    VerifierKey::parse(s)
                        .and_then(|k| Ed25519Verifier::from_vkey(&k))
                        .is_err(),
                    "{s}"
                );
            }
        }
        assert!(matches!(
            VerifierKey::parse(
                "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            ),
            Err(NoteError::KeyIdMismatch { .. })
        ));
        // Wrong length with adjusted ID; unknown type with adjusted ID.
        // (Go's test key with a 37-byte key has non-canonical base64, which we refuse.)
        let bad_b64 = "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==";
        assert_eq!(
            VerifierKey::parse(bad_b64),
            Err(NoteError::MalformedVerifierKey("the key is not base64"))
        );
        let long = VerifierKey::parse(
            &VerifierKey::new("PeterNeumann", 1, &[1; 33])
                .unwrap()
                .to_string(),
        )
        .unwrap();
        assert!(matches!(
            Ed25519Verifier::from_vkey(&long),
            Err(NoteError::BadEd25519Key(_))
        ));
        let other = VerifierKey::parse(
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        )
        .unwrap();
        assert_eq!(
            Ed25519Verifier::from_vkey(&other),
            Err(NoteError::WrongKeyType { got: 0x65, want: 1 })
        );
        // From transparency-dev/formats: an Ed25519 vkey and a native cosignature (0x04) vkey.
        assert_eq!(
            VerifierKey::parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
                .unwrap()
                .sig_type,
            1
        );
        let w = VerifierKey::parse(
            "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
        )
        .unwrap();
        assert_eq!(
            (w.sig_type, w.key_id),
            (SIG_TYPE_COSIGNATURE_V1, 0xda77ade7)
        );
        for bad in ["", "a b", "a+b", "—\u{a0}x", "x\u{7}"] {
            assert!(!is_valid_key_name(bad), "{bad:?}");
        }
        assert!(is_valid_key_name("example.com/log-42"));
    }
}

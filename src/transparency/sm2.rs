//! The region's SM2 key as a signed-note key, so that a checkpoint is signed by the key Chinese
//! relying parties already trust, beside the Ed25519 key the public witness network requires.
//!
//! signed-note has no signature type for SM2; it reserves 0xff for such keys and asks that
//! the key material after the type byte start with an identifier of the scheme. Ours:
//!
//! - **type** `0xff`, **identifier** [`SM2_NOTE_IDENTIFIER`] — the ASCII dotted OID of
//!   SM2-with-SM3 (GM/T 0006: `1.2.156.10197.1.501`) followed by a NUL byte;
//! - **public key**: the 65-byte uncompressed SEC1 point, after the identifier;
//! - **key ID**: the recommended `SHA-256(name ‖ 0x0A ‖ 0xff ‖ identifier ‖ point)[:4]`
//!   ([`key_id`]), so a vkey `<name>+<id>+<base64(0xff ‖ identifier ‖ point)>` parses with
//!   [`VerifierKey::parse`] like any other;
//! - **signature**: SM2 with SM3 over the note text (final newline included) with Z computed
//!   for the GM/T 0009 default distinguishing ID `1234567812345678`, DER `SEQUENCE { r, s }` as
//!   in X.509 — what `openssl pkeyutl -verify -rawin -digest sm3` checks.
//!
//! The signing key is any [`Signer`] of the region (software or a hardware module); nothing
//! here sees the private key.

use super::note::{
    NoteError, NoteSigner, NoteVerifier, SIG_TYPE_PRIVATE, VerifierKey, check_key_name, key_id,
};
use crate::crypto::verify::{PublicKeyKind, classify_spki};
use crate::crypto::{Algorithm, SM2_DEFAULT_ID, Signer};
use std::sync::Arc;

/// What follows the type byte 0xff in our SM2 note keys, before the point.
pub const SM2_NOTE_IDENTIFIER: &[u8] = b"1.2.156.10197.1.501\0";

/// 0xff's key material: the identifier, then the point.
fn material(point: &[u8; 65]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SM2_NOTE_IDENTIFIER.len() + 65);
    m.extend_from_slice(SM2_NOTE_IDENTIFIER);
    m.extend_from_slice(point);
    m
}

/// Verifies the region's SM2 note signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sm2NoteVerifier {
    name: String,
    key_id: u32,
    point: [u8; 65],
}

impl Sm2NoteVerifier {
    /// The verifier of the uncompressed SEC1 `point` under `name`.
    pub fn new(name: &str, point: [u8; 65]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        if point[0] != 0x04 || yinxin_sm2::PublicKey::from_uncompressed(&point).is_none() {
            return Err(NoteError::BadSm2Key("not a point on the SM2 curve".into()));
        }
        Ok(Sm2NoteVerifier {
            name: name.to_string(),
            key_id: key_id(name, SIG_TYPE_PRIVATE, &material(&point)),
            point,
        })
    }

    /// The verifier of a vkey of ours (type 0xff with [`SM2_NOTE_IDENTIFIER`]).
    pub fn from_vkey(vkey: &VerifierKey) -> Result<Self, NoteError> {
        if vkey.sig_type != SIG_TYPE_PRIVATE {
            return Err(NoteError::WrongKeyType {
                got: vkey.sig_type,
                want: SIG_TYPE_PRIVATE,
            });
        }
        let point =
            vkey.key
                .strip_prefix(SM2_NOTE_IDENTIFIER)
                .ok_or(NoteError::MalformedVerifierKey(
                    "a type 0xff key without the SM2 identifier",
                ))?;
        let point: [u8; 65] = point
            .try_into()
            .map_err(|_| NoteError::BadSm2Key(format!("{} bytes, not 65", point.len())))?;
        Sm2NoteVerifier::new(&vkey.name, point)
    }

    /// This key as a vkey.
    pub fn vkey(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            sig_type: SIG_TYPE_PRIVATE,
            key: material(&self.point),
        }
    }
}

impl NoteVerifier for Sm2NoteVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        crate::crypto::sm2::verify_sm2_with_id(&self.point, SM2_DEFAULT_ID, text, signature).is_ok()
    }
}

/// Signs notes with one of the region's SM2 signers.
pub struct Sm2NoteSigner {
    verifier: Sm2NoteVerifier,
    signer: Arc<dyn Signer>,
}

impl Sm2NoteSigner {
    /// A note signer named `name` over `signer`, which must be SM2.
    pub fn new(name: &str, signer: Arc<dyn Signer>) -> Result<Self, NoteError> {
        if signer.algorithm() != Algorithm::Sm2 {
            return Err(NoteError::BadSm2Key(format!(
                "the signer is {}, not SM2",
                signer.algorithm()
            )));
        }
        let point: [u8; 65] = match classify_spki(signer.public_key_spki()) {
            Ok((PublicKeyKind::Sm2, key)) => key
                .as_slice()
                .try_into()
                .map_err(|_| NoteError::BadSm2Key("not an uncompressed point".into()))?,
            _ => return Err(NoteError::BadSm2Key("not an SM2 public key".into())),
        };
        Ok(Sm2NoteSigner {
            verifier: Sm2NoteVerifier::new(name, point)?,
            signer,
        })
    }

    /// The verifier of this signer's signatures.
    pub fn verifier(&self) -> Sm2NoteVerifier {
        self.verifier.clone()
    }
}

impl NoteSigner for Sm2NoteSigner {
    fn name(&self) -> &str {
        &self.verifier.name
    }
    fn key_id(&self) -> u32 {
        self.verifier.key_id
    }
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, NoteError> {
        self.signer.sign(text).map_err(|e| NoteError::SignerFailed {
            name: self.verifier.name.clone(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{PrivateKey, SoftwareSigner};
    use crate::transparency::checkpoint::{Checkpoint, CheckpointPolicy};
    use crate::transparency::ed25519::Ed25519Signer;
    use crate::transparency::note::{Note, Verifiers};

    fn sm2_signer() -> Arc<dyn Signer> {
        let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
        Arc::new(SoftwareSigner::new(&key).unwrap())
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint::new("test-gd.example/log", 42, [7u8; 32]).unwrap()
    }

    /// A checkpoint signed by the log's Ed25519 key and the region's SM2 key opens under
    /// either, and the vkey round-trips through its text form.
    #[test]
    fn sm2_and_ed25519_sign_one_checkpoint() {
        let sm2 = Sm2NoteSigner::new("test-gd.example/log-sm2", sm2_signer()).unwrap();
        let ed = Ed25519Signer::from_seed("test-gd.example/log", &[1u8; 32]).unwrap();
        let note = checkpoint().sign(&[&ed, &sm2]).unwrap();

        let vkey = sm2.verifier().vkey().to_string();
        let parsed = Sm2NoteVerifier::from_vkey(&VerifierKey::parse(&vkey).unwrap()).unwrap();
        assert_eq!(parsed, sm2.verifier());

        let only_sm2 = Verifiers::new().with(parsed);
        let opened = Note::parse(note.as_bytes())
            .unwrap()
            .verify(&[&only_sm2])
            .unwrap();
        assert_eq!(opened.verified.len(), 1, "{opened:?}");
        assert_eq!(
            opened.unverified.len(),
            1,
            "the Ed25519 line is not known here"
        );

        let policy = CheckpointPolicy::new(
            "test-gd.example/log",
            Verifiers::new().with(ed.verifier()).with(sm2.verifier()),
        );
        let cp = policy.open(note.as_bytes()).unwrap();
        assert_eq!(cp.checkpoint.size(), 42);
    }

    /// Forgeries: a note signed by another SM2 key under the same name and ID claim, and a
    /// note whose text changed after signing, are refused, naming the key.
    #[test]
    fn another_key_or_a_changed_text_is_refused() {
        let real = Sm2NoteSigner::new("test-gd.example/log-sm2", sm2_signer()).unwrap();
        let forger = Sm2NoteSigner::new("test-gd.example/log-sm2", sm2_signer()).unwrap();
        let known = Verifiers::new().with(real.verifier());

        // The forger's key has another ID: its line is ignored, and nothing known verifies.
        let forged = checkpoint().sign(&[&forger]).unwrap();
        let err = Note::parse(forged.as_bytes())
            .unwrap()
            .verify(&[&known])
            .unwrap_err();
        assert!(
            matches!(err, NoteError::NoVerifiedSignature { .. }),
            "{err}"
        );

        // The forger's signature bytes under the real key's name and ID: invalid.
        let signed = checkpoint().sign(&[&real]).unwrap();
        let forged_sig = forger.sign(checkpoint().text().as_bytes()).unwrap();
        let mut note = Note::parse(signed.as_bytes()).unwrap();
        let mut sig = note.signatures()[0].clone();
        sig.signature = forged_sig;
        note = Note::new(checkpoint().text()).unwrap();
        note.add_signature(sig).unwrap();
        let err = note.verify(&[&known]).unwrap_err();
        assert!(matches!(err, NoteError::InvalidSignature { .. }), "{err}");

        // The size changed after signing.
        let changed = signed.replacen("\n42\n", "\n43\n", 1);
        let err = Note::parse(changed.as_bytes())
            .unwrap()
            .verify(&[&known])
            .unwrap_err();
        assert!(matches!(err, NoteError::InvalidSignature { .. }), "{err}");
    }

    #[test]
    fn only_sm2_keys_and_points() {
        let p256 =
            Arc::new(SoftwareSigner::new(&PrivateKey::generate(Algorithm::P256).unwrap()).unwrap());
        assert!(matches!(
            Sm2NoteSigner::new("log", p256),
            Err(NoteError::BadSm2Key(_))
        ));
        let mut off_curve = [0u8; 65];
        off_curve[0] = 4;
        off_curve[64] = 1;
        assert!(matches!(
            Sm2NoteVerifier::new("log", off_curve),
            Err(NoteError::BadSm2Key(_))
        ));
        let ed = VerifierKey::new("log", 0xff, b"another scheme").unwrap();
        assert!(matches!(
            Sm2NoteVerifier::from_vkey(&ed),
            Err(NoteError::MalformedVerifierKey(_))
        ));
    }
}

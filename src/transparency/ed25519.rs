//! Ed25519 note keys (signed-note signature type 0x01), with `ring`: the log's checkpoint key,
//! the one the public witness network requires. The witness cosignature key (type 0x04) is in
//! `checkpoint`; both share the `ring` plumbing here.
//!
//! Keys come from a 32-byte seed (the RFC 8032 private key) or a PKCS#8 document (as
//! `ring::signature::Ed25519KeyPair::generate_pkcs8` makes them); where the seed is kept is the
//! integrator's business.

use super::note::{
    NoteError, NoteSigner, NoteVerifier, SIG_TYPE_ED25519, VerifierKey, check_key_name, key_id,
};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use std::fmt;

/// Verifies Ed25519 (type 0x01) note signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ed25519Verifier {
    name: String,
    key_id: u32,
    public_key: [u8; 32],
}

impl Ed25519Verifier {
    /// The verifier of `public_key` under `name`.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key_id = key_id(name, SIG_TYPE_ED25519, &public_key);
        Ok(Ed25519Verifier {
            name: name.to_string(),
            key_id,
            public_key,
        })
    }

    /// The verifier of a type 0x01 vkey.
    pub fn from_vkey(vkey: &VerifierKey) -> Result<Self, NoteError> {
        Ed25519Verifier::new(&vkey.name, vkey.ed25519_key(SIG_TYPE_ED25519)?)
    }

    /// This key as a vkey.
    pub fn vkey(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            sig_type: SIG_TYPE_ED25519,
            key: self.public_key.to_vec(),
        }
    }
}

impl NoteVerifier for Ed25519Verifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        signature.len() == 64
            && UnparsedPublicKey::new(&ED25519, &self.public_key)
                .verify(text, signature)
                .is_ok()
    }
}

/// An Ed25519 key pair (`ring`), the raw material of the Ed25519 signers.
pub(crate) fn pair_from_seed(seed: &[u8]) -> Result<Ed25519KeyPair, NoteError> {
    Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| NoteError::BadEd25519Key(e.to_string()))
}

/// An Ed25519 key pair from PKCS#8 (v1 or v2, as `ring` generates it).
pub(crate) fn pair_from_pkcs8(der: &[u8]) -> Result<Ed25519KeyPair, NoteError> {
    Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
        .map_err(|e| NoteError::BadEd25519Key(e.to_string()))
}

/// The 32-byte public key of a `ring` Ed25519 pair.
pub(crate) fn public_key_of(pair: &Ed25519KeyPair) -> [u8; 32] {
    let mut pk = [0u8; 32];
    pk.copy_from_slice(pair.public_key().as_ref());
    pk
}

/// Signs notes with Ed25519 (type 0x01).
pub struct Ed25519Signer {
    name: String,
    key_id: u32,
    pair: Ed25519KeyPair,
}

impl Ed25519Signer {
    /// The signer of the 32-byte Ed25519 seed (RFC 8032 private key) under `name`.
    pub fn from_seed(name: &str, seed: &[u8]) -> Result<Self, NoteError> {
        Self::from_pair(name, pair_from_seed(seed)?)
    }

    /// The signer of an Ed25519 PKCS#8 document under `name`.
    pub fn from_pkcs8(name: &str, der: &[u8]) -> Result<Self, NoteError> {
        Self::from_pair(name, pair_from_pkcs8(der)?)
    }

    fn from_pair(name: &str, pair: Ed25519KeyPair) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key_id = key_id(name, SIG_TYPE_ED25519, pair.public_key().as_ref());
        Ok(Ed25519Signer {
            name: name.to_string(),
            key_id,
            pair,
        })
    }

    /// The public key.
    pub fn public_key(&self) -> [u8; 32] {
        public_key_of(&self.pair)
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Ed25519Verifier {
        Ed25519Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            public_key: self.public_key(),
        }
    }
}

impl fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ed25519Signer({}+{:08x})", self.name, self.key_id)
    }
}

impl NoteSigner for Ed25519Signer {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, NoteError> {
        Ok(self.pair.sign(text).as_ref().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    #[test]
    fn signers_and_verifiers_agree() {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let signer = Ed25519Signer::from_pkcs8("log.example/a", pkcs8.as_ref()).unwrap();
        let verifier = signer.verifier();
        assert_eq!(
            verifier,
            Ed25519Verifier::new("log.example/a", signer.public_key()).unwrap()
        );
        assert_eq!(
            verifier.key_id(),
            key_id("log.example/a", 1, &signer.public_key())
        );
        let vkey = VerifierKey::parse(&verifier.vkey().to_string()).unwrap();
        assert_eq!(Ed25519Verifier::from_vkey(&vkey).unwrap(), verifier);
        let mut sig = signer.sign(b"hi\n").unwrap();
        assert!(verifier.verify(b"hi\n", &sig));
        assert!(!verifier.verify(b"hi!\n", &sig));
        assert!(!verifier.verify(b"hi\n", &sig[..63]));
        sig[0] ^= 1;
        assert!(!verifier.verify(b"hi\n", &sig));
    }

    #[test]
    fn bad_keys_and_names_are_refused() {
        assert!(matches!(
            Ed25519Signer::from_seed("a", &[0; 31]),
            Err(NoteError::BadEd25519Key(_))
        ));
        assert!(matches!(
            Ed25519Signer::from_pkcs8("a", b"junk"),
            Err(NoteError::BadEd25519Key(_))
        ));
        assert_eq!(
            Ed25519Signer::from_seed("a b", &[0; 32]).unwrap_err(),
            NoteError::BadKeyName("a b".into())
        );
        assert_eq!(
            Ed25519Verifier::new("", [0; 32]),
            Err(NoteError::BadKeyName(String::new()))
        );
    }
}

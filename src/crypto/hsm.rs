//! Keys in a hardware security module through PKCS#11 (`cryptoki`); tested with SoftHSM2.
//!
//! A region may keep the keys of one algorithm (today P-256: the PKCS#11 modules that can be
//! had here have no SM2) in a token instead of in encrypted files. Each key is a token object
//! pair labelled with the key's id (`p256-issuing`, `p256-tsa`, …): the private half is
//! generated inside the token as `CKA_SENSITIVE`, not `CKA_EXTRACTABLE`, and never leaves it;
//! the public half carries `CKA_EC_POINT`, from which the SubjectPublicKeyInfo is built.
//! [`HsmSigner`] implements [`Signer`]: SHA-256 is computed here and the token signs the
//! digest with `CKM_ECDSA`, so callers (CA, OCSP, TSA, seal maker) cannot tell the difference.
//!
//! Sessions: one logged-in session is held for the life of the [`Hsm`] (PKCS#11 login state
//! is per application and ends when the last session closes); signing takes a session from a
//! small pool, opening one when all are busy, so concurrent requests never share a session.
//! The PIN is a `secrecy` string, never logged or shown in an error.
//!
//! A GM/T 0018 (SDF) 密码机 plugs in the same way: a type holding the device and session
//! handles (`SDF_OpenDevice`, `SDF_OpenSession`, `SDF_GetPrivateKeyAccessRight` with the key
//! index and its password) whose `sign` calls `SDF_InternalSign_ECC` over SM3(Z ‖ M) and
//! encodes the `ECCSignature` r, s as DER. See docs/hsm.md.
//!
//! Must not import: anything outside `crate::crypto` (no configuration, certificates or SQL).

use super::{Algorithm, CryptoError, PrivateKey, Signer, random_bytes};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::Encode;
use sha2::Digest;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// DER of the named-curve OID prime256v1 (1.2.840.10045.3.1.7), as `CKA_EC_PARAMS` holds it.
const P256_EC_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Sessions kept open for reuse beyond the logged-in anchor.
const POOL_MAX: usize = 8;

fn p11(what: &str, e: P11Error) -> CryptoError {
    CryptoError::Io(format!("HSM: {what}: {e}"))
}

/// An opened token, logged in as the user.
pub struct Hsm {
    ctx: Pkcs11,
    slot: Slot,
    token_label: String,
    /// The session that keeps the login alive; also used for key management.
    anchor: Mutex<Session>,
    pool: Mutex<Vec<Session>>,
    /// Kept (as a secret) to log in again after the token lost the login.
    pin: AuthPin,
}

impl std::fmt::Debug for Hsm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hsm(token {:?})", self.token_label)
    }
}

impl Hsm {
    /// Load the PKCS#11 `module`, find the initialized token labelled `token_label` and log in
    /// with `pin`.
    pub fn open(module: &Path, token_label: &str, pin: &str) -> Result<Arc<Hsm>, CryptoError> {
        let ctx = Pkcs11::new(module).map_err(|e| {
            CryptoError::Io(format!(
                "HSM: cannot load PKCS#11 module {}: {e}",
                module.display()
            ))
        })?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(p11("initialize", e)),
        }
        let mut slot = None;
        for s in ctx
            .get_slots_with_initialized_token()
            .map_err(|e| p11("list slots", e))?
        {
            let info = ctx.get_token_info(s).map_err(|e| p11("token info", e))?;
            if info.label().trim_end() == token_label {
                slot = Some(s);
                break;
            }
        }
        let slot = slot.ok_or_else(|| {
            CryptoError::Io(format!(
                "HSM: no initialized token labelled '{token_label}' in {}",
                module.display()
            ))
        })?;
        let anchor = ctx
            .open_rw_session(slot)
            .map_err(|e| p11("open session", e))?;
        let pin = AuthPin::from(pin.to_string());
        login(&anchor, &pin, token_label)?;
        Ok(Arc::new(Hsm {
            ctx,
            slot,
            token_label: token_label.to_string(),
            anchor: Mutex::new(anchor),
            pool: Mutex::new(Vec::new()),
            pin,
        }))
    }

    /// After the token lost the login (reset, a network HSM reconnected): drop the pooled
    /// sessions, open a new anchor session and log in again.
    fn relogin(&self) -> Result<(), CryptoError> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let fresh = self
            .ctx
            .open_rw_session(self.slot)
            .map_err(|e| p11("open session", e))?;
        login(&fresh, &self.pin, &self.token_label)?;
        *self.anchor() = fresh;
        tracing::warn!(token = %self.token_label, "HSM: logged in again after the token lost the session");
        Ok(())
    }

    /// Log out of the token, ending the login of every session of this process (what a
    /// token reset does to a running service; [`HsmSigner`] then logs in again by itself).
    pub fn logout(&self) -> Result<(), CryptoError> {
        self.anchor().logout().map_err(|e| p11("logout", e))
    }

    /// The token's label.
    pub fn token_label(&self) -> &str {
        &self.token_label
    }

    fn anchor(&self) -> std::sync::MutexGuard<'_, Session> {
        self.anchor.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Generate a P-256 key pair inside the token under `label`; refuses a label in use.
    pub fn generate(
        self: &Arc<Self>,
        label: &str,
        alg: Algorithm,
    ) -> Result<HsmSigner, CryptoError> {
        check_alg(alg)?;
        let s = self.anchor();
        self.refuse_label_in_use(&s, label)?;
        let id = key_id()?;
        let id_copy = id.clone();
        let public = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::Encrypt(false),
            Attribute::Wrap(false),
            Attribute::EcParams(P256_EC_PARAMS.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.clone()),
        ];
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Decrypt(false),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id),
        ];
        s.generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .map_err(|e| p11("generate key pair", e))?;
        drop(s);
        self.signer(label, alg).inspect_err(|_| {
            let _ = self.destroy_id(&id_copy);
        })
    }

    /// Put an existing P-256 key into the token under `label` (sensitive, not extractable),
    /// for moving a region's file keys into an HSM.
    pub fn import(
        self: &Arc<Self>,
        label: &str,
        key: &PrivateKey,
    ) -> Result<HsmSigner, CryptoError> {
        check_alg(key.algorithm())?;
        let PrivateKey::P256(sk) = key else {
            return Err(CryptoError::UnsupportedAlgorithm(
                "SM2 in a PKCS#11 token".into(),
            ));
        };
        let s = self.anchor();
        self.refuse_label_in_use(&s, label)?;
        let id = key_id()?;
        let id_copy = id.clone();
        use p256::elliptic_curve::sec1::ToSec1Point;
        let point = sk.public_key().to_sec1_point(false);
        let point_der = der::asn1::OctetString::new(point.as_bytes().to_vec())?.to_der()?;
        let value = zeroize::Zeroizing::new(sk.to_bytes());
        let mut private = [
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::EcParams(P256_EC_PARAMS.to_vec()),
            Attribute::Value(value.as_slice().to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.clone()),
        ];
        let public = [
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(P256_EC_PARAMS.to_vec()),
            Attribute::EcPoint(point_der),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id),
        ];
        let made = s.create_object(&private);
        for a in private.iter_mut() {
            if let Attribute::Value(v) = a {
                zeroize::Zeroize::zeroize(v);
            }
        }
        let private_handle = made.map_err(|e| p11("import private key", e))?;
        if let Err(e) = s.create_object(&public) {
            let _ = s.destroy_object(private_handle);
            return Err(p11("import public key", e));
        }
        drop(s);
        self.signer(label, alg_p256()).inspect_err(|_| {
            let _ = self.destroy_id(&id_copy);
        })
    }

    /// Destroy the key pair with the random `CKA_ID` this process gave it (a failed `init` or
    /// renewal takes back exactly what it made, never a key of the same label made by
    /// someone else).
    pub fn destroy_id(&self, id: &[u8]) -> Result<(), CryptoError> {
        let s = self.anchor();
        for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
            let found = s
                .find_objects(&[Attribute::Class(class), Attribute::Id(id.to_vec())])
                .map_err(|e| p11("find objects", e))?;
            for h in found {
                s.destroy_object(h).map_err(|e| p11("destroy key", e))?;
            }
        }
        Ok(())
    }

    /// Refuse a label a private key of the token already has.
    fn refuse_label_in_use(&self, s: &Session, label: &str) -> Result<(), CryptoError> {
        if find(s, ObjectClass::PRIVATE_KEY, label)?.is_empty() {
            return Ok(());
        }
        Err(CryptoError::Io(format!(
            "HSM: token '{}' already holds a key labelled '{label}'",
            self.token_label
        )))
    }

    /// Whether the token holds a private key labelled `label`.
    pub fn has_key(&self, label: &str) -> Result<bool, CryptoError> {
        Ok(!find(&self.anchor(), ObjectClass::PRIVATE_KEY, label)?.is_empty())
    }

    /// A signer over the key pair labelled `label`.
    pub fn signer(self: &Arc<Self>, label: &str, alg: Algorithm) -> Result<HsmSigner, CryptoError> {
        check_alg(alg)?;
        let s = self.anchor();
        let missing = || {
            CryptoError::Io(format!(
                "HSM: token '{}' holds no key pair labelled '{label}'",
                self.token_label
            ))
        };
        let one = |class| -> Result<ObjectHandle, CryptoError> {
            let found = find(&s, class, label)?;
            match found.as_slice() {
                [h] => Ok(*h),
                [] => Err(missing()),
                _ => Err(CryptoError::Io(format!(
                    "HSM: token '{}' holds {} keys labelled '{label}'",
                    self.token_label,
                    found.len()
                ))),
            }
        };
        let private = one(ObjectClass::PRIVATE_KEY)?;
        let public = one(ObjectClass::PUBLIC_KEY)?;
        let id = s
            .get_attributes(private, &[AttributeType::Id])
            .map_err(|e| p11("read key id", e))?
            .into_iter()
            .find_map(|a| match a {
                Attribute::Id(v) => Some(v),
                _ => None,
            })
            .unwrap_or_default();
        let attrs = s
            .get_attributes(public, &[AttributeType::EcParams, AttributeType::EcPoint])
            .map_err(|e| p11("read public key", e))?;
        let (mut params, mut point) = (None, None);
        for a in attrs {
            match a {
                Attribute::EcParams(p) => params = Some(p),
                Attribute::EcPoint(p) => point = Some(p),
                _ => {}
            }
        }
        if params.as_deref() != Some(&P256_EC_PARAMS[..]) {
            return Err(CryptoError::MalformedKey(format!(
                "HSM key '{label}' is not on the P-256 curve"
            )));
        }
        let spki = spki_from_ec_point(&point.ok_or_else(missing)?)?;
        drop(s);
        Ok(HsmSigner {
            hsm: self.clone(),
            key: Mutex::new(private),
            label: label.to_string(),
            id,
            spki,
        })
    }

    fn session(&self) -> Result<Session, CryptoError> {
        if let Some(s) = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(s);
        }
        self.ctx
            .open_ro_session(self.slot)
            .map_err(|e| p11("open session", e))
    }

    fn give_back(&self, s: Session) {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < POOL_MAX {
            pool.push(s);
        }
    }
}

/// Log `session` in as the user; a wrong PIN is named without the PIN.
fn login(session: &Session, pin: &AuthPin, token_label: &str) -> Result<(), CryptoError> {
    match session.login(UserType::User, Some(pin)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(P11Error::Pkcs11(RvError::PinIncorrect, _)) => Err(CryptoError::Io(format!(
            "HSM: the PIN for token '{token_label}' is wrong"
        ))),
        Err(e) => Err(p11("login", e)),
    }
}

/// Return values after which the session or the login is gone, not the key or the request.
fn lost_login(rv: RvError) -> bool {
    matches!(
        rv,
        RvError::UserNotLoggedIn
            | RvError::SessionHandleInvalid
            | RvError::SessionClosed
            | RvError::DeviceRemoved
            | RvError::TokenNotPresent
            | RvError::KeyHandleInvalid
            | RvError::ObjectHandleInvalid
    )
}

fn alg_p256() -> Algorithm {
    Algorithm::P256
}

fn check_alg(alg: Algorithm) -> Result<(), CryptoError> {
    match alg {
        Algorithm::P256 => Ok(()),
        Algorithm::Sm2 => Err(CryptoError::UnsupportedAlgorithm(
            "SM2 keys in a PKCS#11 token (use a GM/T 0018 device; see docs/hsm.md)".into(),
        )),
    }
}

fn key_id() -> Result<Vec<u8>, CryptoError> {
    let mut id = vec![0u8; 16];
    random_bytes(&mut id)?;
    Ok(id)
}

fn find(s: &Session, class: ObjectClass, label: &str) -> Result<Vec<ObjectHandle>, CryptoError> {
    s.find_objects(&[
        Attribute::Class(class),
        Attribute::KeyType(KeyType::EC),
        Attribute::Label(label.as_bytes().to_vec()),
    ])
    .map_err(|e| p11("find objects", e))
}

/// `CKA_EC_POINT` is a DER OCTET STRING around the SEC1 point (PKCS#11 2.40); some modules
/// give the bare point. Either way the result is a checked P-256 SubjectPublicKeyInfo.
fn spki_from_ec_point(raw: &[u8]) -> Result<Vec<u8>, CryptoError> {
    use der::Decode;
    let point = match der::asn1::OctetString::from_der(raw) {
        Ok(o) if !o.as_bytes().is_empty() => o.as_bytes().to_vec(),
        _ => raw.to_vec(),
    };
    let pk = p256::PublicKey::from_sec1_bytes(&point)
        .map_err(|_| CryptoError::MalformedKey("HSM public key is not a P-256 point".into()))?;
    use spki::EncodePublicKey;
    Ok(pk
        .to_public_key_der()
        .map_err(|e| CryptoError::Encoding(e.to_string()))?
        .as_bytes()
        .to_vec())
}

/// A key pair in the token, signing through PKCS#11.
pub struct HsmSigner {
    hsm: Arc<Hsm>,
    /// The private key's handle; looked up again by label after a re-login.
    key: Mutex<ObjectHandle>,
    label: String,
    id: Vec<u8>,
    spki: Vec<u8>,
}

impl HsmSigner {
    /// The key pair's `CKA_ID`.
    pub fn id(&self) -> &[u8] {
        &self.id
    }

    fn sign_once(&self, digest: &[u8]) -> Result<Vec<u8>, Failure> {
        let session = self.hsm.session().map_err(Failure::Other)?;
        let key = *self.key.lock().unwrap_or_else(|p| p.into_inner());
        let raw = session.sign(&Mechanism::Ecdsa, key, digest);
        // A session whose operation failed is closed, not reused.
        if raw.is_ok() {
            self.hsm.give_back(session);
        }
        raw.map_err(Failure::Token)
    }
}

/// Why one signing attempt failed.
enum Failure {
    Token(P11Error),
    Other(CryptoError),
}

impl std::fmt::Debug for HsmSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HsmSigner(token {:?}, key {:?})",
            self.hsm.token_label, self.label
        )
    }
}

impl Signer for HsmSigner {
    fn algorithm(&self) -> Algorithm {
        Algorithm::P256
    }

    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let digest = sha2::Sha256::digest(message);
        let mut attempt = self.sign_once(&digest);
        if let Err(Failure::Token(P11Error::Pkcs11(rv, _))) = &attempt
            && lost_login(*rv)
        {
            // The token forgot us: log in again, find the key again, try once more.
            self.hsm.relogin()?;
            let fresh = self.hsm.signer(&self.label, Algorithm::P256)?;
            if fresh.spki != self.spki {
                return Err(CryptoError::Sign(format!(
                    "HSM key '{}' changed in the token",
                    self.label
                )));
            }
            *self.key.lock().unwrap_or_else(|p| p.into_inner()) =
                *fresh.key.lock().unwrap_or_else(|p| p.into_inner());
            attempt = self.sign_once(&digest);
        }
        let raw = match attempt {
            Ok(r) => r,
            Err(Failure::Token(e)) => {
                return Err(CryptoError::Sign(format!("HSM key '{}': {e}", self.label)));
            }
            Err(Failure::Other(e)) => return Err(e),
        };
        let sig = p256::ecdsa::Signature::from_slice(&raw)
            .map_err(|_| CryptoError::Sign(format!("HSM key '{}': bad signature", self.label)))?;
        Ok(sig.to_der().as_bytes().to_vec())
    }
}

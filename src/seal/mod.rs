//! Electronic seals (GB/T 38540 v4, GM/T 0031 v1): the seal (电子印章, `SESeal`) a seal-making
//! authority signs once, and the electronic signature (电子签章, `SES_Signature`) made each time
//! a seal is stamped.
//!
//! This module is the *format* layer:
//! - [`mod@format`] reads v1 and v4 seals and signatures tolerantly (the layouts and encodings seen
//!   in real vendors' files), keeping the exact bytes each signature covers;
//! - it runs the checks that need no trust anchor: the seal maker's signature, the signer's
//!   signature over the exact `TBS_Sign` bytes, signer ↔ `certList`, the data hash, and the
//!   seal's validity period at the signing time;
//! - it builds v4 seals and signatures (the only version yinxin produces), always with DER
//!   signature values.
//!
//! Certificate chains, revocation and timestamp tokens are the verification engine's job
//! ([`crate::verify`]); nothing here consults a trust anchor. Must not import HTTP or SQL
//! types, `api`, `store`, `app` or `cli`; the registry is reached through its repository
//! trait.

pub mod format;

pub use format::{
    CertRef, Detected, ExtData, Header, NewSeal, Picture, Seal, SealError, SealVersion,
    SesSignature, SignatureCheck, Tolerance, detect,
};
pub mod binding;
pub mod holder;
pub mod make;
pub mod picture;
pub mod registry;
pub mod service;
pub mod stamp;
pub mod status;
pub mod types;
pub mod verify;

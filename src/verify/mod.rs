//! Certificate path validation (RFC 5280 §6): path building over an untrusted pool, path
//! validation with SM2/ECDSA/RSA signatures, policies and name constraints, revocation by CRL
//! and OCSP, and a structured report (ETSI EN 319 102-1 indications). No HTTP, no SQL.

pub mod cert;
pub mod chain;
pub mod context;
pub mod hook;
pub mod names;
pub mod path;
pub mod policy;
pub mod profile;
pub mod purpose;
pub mod reason;
pub mod report;
pub mod revocation;
pub mod timestamp;
mod validate;

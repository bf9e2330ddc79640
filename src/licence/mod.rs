//! E-licences (电子证照, GB/T 36901–36906): the kinds catalogue, identifiers with their check
//! character, field rules, the licence record and its lifecycle, the GB/T 36903 metadata and
//! the canonical data, and the signed QR payload.
//!
//! Layout (one concern per file):
//! - `identifier`: GB/T 36904 identifiers and the ISO 7064 MOD 37,36 check character;
//! - `fields`: field types and value rules;
//! - `kind`: licence kinds (`policies/licences/*.toml`) and the catalogue;
//! - `record`: the licence record, statuses and lifecycle events;
//! - `draft`: checking an agency's request against a kind and drafting the record;
//! - `metadata`: GB/T 36903 keys, other platforms' keys, the canonical data;
//! - `qr`: the offline-verifiable QR payload;
//! - `face`: the face rendered as an OFD page (text, QR, photo) with the metadata embedded;
//! - `vault`: licence values encrypted at rest;
//! - `repo`, `blobs`: the registry's storage interface and the content-addressed file store;
//! - `status`: the signed licence status; `status_cache`: signed statuses reused while they hold;
//! - `service`: issuing, changing, suspending, resuming, revoking; the status statement;
//! - `verify`: verifying a sealed e-licence OFD or a QR payload (seal of the issuer, identifier,
//!   metadata ↔ data signature ↔ registry or signed status);
//! - `enterprise`: 同步发放, a new company's certificate, 公章 and business licence, all or none.
//!
//! Imports `crypto`, `pki` (identifier checks, the holder hasher), `seal` (seal types,
//! stamping, verification options), `document` (OFD writing and reading, CMS), `verify`
//! (indications, purposes, chain validation), `trust` (canonical JSON, recognized regions);
//! must not import HTTP or SQL types, the store, `api`, `app` or `cli`.

pub mod blobs;
pub mod draft;
pub mod enterprise;
pub mod face;
pub mod fields;
pub mod identifier;
pub mod kind;
pub mod metadata;
pub mod qr;
pub mod record;
pub mod repo;
pub mod service;
pub mod status;
pub mod status_cache;
pub mod vault;
pub mod verify;

pub use draft::{Agency, DraftError, draft};
pub use identifier::{CheckRule, IdError, LicenceId};
pub use kind::{Catalogue, KindError, LicenceKind};
pub use record::{Event, Licence, Status};

#![recursion_limit = "512"]
//! # yinxin (印信)
//!
//! An electronic certification and e-seal service for digital government: a region runs
//! it to issue SM2 and P-256 certificates to persons, organizations and devices, to publish
//! their status, to make and verify electronic seals, and to recognize other regions.
//!
//! Where to start reading:
//! - [`crypto`] — algorithms (SM2/SM3, ECDSA P-256), the [`crypto::Signer`] trait, keys at
//!   rest (encrypted PKCS#8), signature verification (also P-384 and RSA).
//! - [`pki`] — profiles, subjects and identifiers, certificate building, CSRs, the issuing
//!   [`pki::authority::Authority`], region creation ([`pki::region`]) and the
//!   [`pki::repo::Repository`] interface.
//! - [`store`] — the repository over SQLite or PostgreSQL (sqlx).
//! - [`config`] — `yinxin.toml`.
//! - [`api`] — the REST API (axum).
//! - [`app`] — the composition root: the service assembled from the store, the region's keys
//!   and the domain services, and run.
//! - [`cli`] — the `yinxin` command line; it parses arguments and calls the library.
//!
//! The domain modules (`crypto`, `pki`) know nothing about HTTP or SQL; `store`, `api` and
//! `cli` adapt them, and `app` wires them together.

#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod document;
pub mod i18n;
pub mod pki;
pub mod seal;
pub mod status;
pub mod store;
pub mod trust;
pub mod verify;

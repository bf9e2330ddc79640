#![recursion_limit = "512"]
//! # yinxin (印信)
//!
//! An electronic certification and e-seal service for digital government: a region runs
//! it to issue SM2 and P-256 certificates to persons, organizations and devices, to publish
//! their status, to make and verify electronic seals, and to recognize other regions.
//!
//! ## The modules, and what each may import
//! The domain (everything but `api`, `store`, `app`, `cli`) never names an HTTP or SQL type;
//! `api` and `store` adapt it, `app` wires it together, `cli` parses arguments and calls the
//! library. `tests/architecture.rs` checks the import rules and the file size limit.
//!
//! | module | owns | imports (of ours) |
//! |---|---|---|
//! | [`crypto`] | SM2/SM3, ECDSA P-256, the [`crypto::Signer`] trait, keys at rest (encrypted PKCS#8), signature verification (also P-384, RSA) | nothing |
//! | [`clock`] | the injected clock, RFC 3339 times | nothing |
//! | [`i18n`] | message catalogues (zh-CN, en) and language negotiation | nothing |
//! | [`config`] | `yinxin.toml` and its `YINXIN_*` overrides | `status` (its settings type) |
//! | [`auth`] | operator tokens and roles | `crypto` |
//! | [`pki`] | profiles, subjects and identifiers, certificate building, CSRs, the issuing [`pki::authority::Authority`], region creation, the [`pki::repo::Repository`] interface | `crypto`, `clock`, `config`, `auth`; exceptions to remove: `region` builds the status CAs (`status`) and names the peers file (`trust`), `cross` parses with `verify::cert` |
//! | [`status`] | CRLs, the OCSP responder, RFC 3161 time-stamping | `crypto`, `clock`, `pki` |
//! | [`verify`] | RFC 5280 path building and validation, purposes, proven time, revocation, reports (ETSI indications) | `crypto`, `clock`, `status` (OCSP/TSP types), `i18n` (report texts) |
//! | [`seal`] | GB/T 38540 / GM/T 0031 seals and signatures: format, making, stamping, verification, the registry interface, pictures, signed status | `crypto`, `clock`, `pki`, `verify`, `document` (CMS), `trust` (canonical JSON) |
//! | [`document`] | OFD packages (reading, sealing, signing, verification) and detached CMS | `crypto`, `clock`, `pki`, `status`, `verify`, `seal` |
//! | [`licence`] | e-licences (电子证照): kinds catalogue, identifiers (GB/T 36904), field rules, records and lifecycle, GB/T 36903 metadata, the signed QR payload, the face (an OFD page), verification of a licence OFD or QR payload | `crypto`, `pki`, `seal`, `verify`, `trust` (canonical JSON, recognized regions), `document` (OFD writing and reading, CMS) |
//! | [`holder`] | the holders' side: OpenID Connect sign-in (PKCE, ID token checks), sessions and CSRF tokens, consents (用证授权) and their refusals, the holder's history, the storage interface | `crypto`, `clock`, `config`, `pki` (identifier checks, the holder hasher) |
//! | [`audit`] | the tamper-evident audit trail: the rows' canonical form and SHA-256 chain, checkpoints time-stamped by the region's TSA, the walk that checks a trail, the storage interface | `pki` (the audit row), `status` (the TSA), `verify` (proven time) |
//! | [`trust`] | signed trust lists, peers and federation, recognition, and the one outbound HTTP client (revocation data, issuers, seal and licence statuses) | `crypto`, `clock`, `pki`, `status`, `verify`, `document`, `seal` |
//! | [`transparency`] | the transparency log's pure core (issue 20, in progress): RFC 6962 Merkle proofs from stored hashes, C2SP tlog-tiles paths and bundles, signed notes, checkpoints and witness cosignatures, tlog-proof | `crypto` only (for the SM2 note key, to come) |
//! | [`web`] | the citizens' pages: what a verification report tells a citizen, the HTML (escaped), seal pictures of passed seals, QR codes read from photos, the embedded stylesheet and script | `i18n`, `crypto` (asset hashes), `document` and `seal` (pictures from the verified object) |
//! | [`store`] | the repositories over SQLite or PostgreSQL (sqlx) | the records and repository traits of `auth`, `pki`, `audit`, `status`, `seal`, `trust`, `licence` (and its blob store on the filesystem), `holder` |
//! | [`api`] | the REST API (axum): routing, authentication, problems, limits, the listener; the citizens' pages' requests (`api::pages`); the holders' pages and API (`api::holders`, `api::holder_api`) | the domain, `web`, `config`, `i18n`; never `cli` or `app` |
//! | [`app`] | the composition root: opens the store, loads the region's keys, builds the services, serves | everything but `cli` |
//! | [`cli`] | the `yinxin` command line | everything |
//!
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod document;
#[doc(hidden)]
pub mod fuzzing;
pub mod holder;
pub mod i18n;
pub mod licence;
pub mod pki;
pub mod seal;
pub mod status;
pub mod store;
pub mod transparency;
pub mod trust;
pub mod verify;
pub mod web;

/// mimalloc for every binary built on this crate (service, CLI, tests, benches): verification
/// and issuance allocate many small short-lived buffers (DER, XML, JSON), and glibc's malloc
/// was ≈ 12 % of e-licence verification in `perf`; mimalloc made it 15 % faster
/// (BENCHMARKS.md). Secrets are zeroized by their owners before they are freed, whatever the
/// allocator. Not in fuzz builds (`--cfg fuzzing`): there the sanitizers and libFuzzer's
/// malloc limit must see every allocation.
#[cfg(not(fuzzing))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

//! The region's transparency log, its pure core: a log of everything the region signs
//! (certificates, seals, licences, revocations, trust lists), built on the C2SP transparency
//! log specifications so that peer regions and the public witness network can check it.
//!
//! | module | owns |
//! |---|---|
//! | [`merkle`] | RFC 6962 / RFC 9162 Merkle hashing with SHA-256 from stored hashes: roots, inclusion and consistency proofs, their verification |
//! | [`tiles`] | C2SP tlog-tiles: tile and entry-bundle coordinates and paths, full and partial tiles of a tree, the tiles a proof reads, entry bundle encoding |
//! | [`note`] | C2SP signed-note: notes, key names and IDs, vkeys, the [`note::NoteSigner`] / [`note::NoteVerifier`] traits, the verification rules |
//! | [`ed25519`] | Ed25519 note keys (type 0x01) with `ring`: the log's checkpoint key |
//! | [`checkpoint`] | C2SP tlog-checkpoint and tlog-cosignature: checkpoints, Ed25519 witness cosignatures, opening a checkpoint under a policy |
//! | [`sm2`] | the region's SM2 key as a note key (private type 0xff, identifier [`sm2::SM2_NOTE_IDENTIFIER`]) |
//! | [`proof`] | C2SP tlog-proof (`c2sp.org/tlog-proof@v1`): the offline proof an issuance answer carries |
//!
//! This module is pure: it computes and checks, it never stores, fetches or serves. It may
//! import `sha2`, `ring`, `base64` and `thiserror`, and from yinxin at most `crate::crypto`
//! (for the SM2 note signer, which plugs into [`note::NoteSigner`] under signature type
//! 0xff); it must not name an HTTP or SQL type (`axum`, `hyper`, `sqlx`…), a clock or an
//! async runtime. Callers give it stored hashes through a `hash_at(level, index)` function and
//! the current time as a number.
//!
//! Issue 20 builds the rest around it later: the storage of entries and tiles (`store`), the
//! HTTP endpoints under `/log/…` with their cache headers (`api`), the witness endpoint
//! (tlog-witness add-checkpoint, 409 with the latest size, 422 on a bad proof), cosigning
//! peers' checkpoints, and the monitor.

pub mod checkpoint;
pub mod ed25519;
pub mod merkle;
pub mod note;
pub mod proof;
pub mod sm2;
pub mod tiles;

#[cfg(test)]
mod tests;

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
//! | [`entry`] | the log's canonical entry record (kind, time, object hash, holder, public part) |
//! | [`repo`] | the storage contract ([`repo::LogRepository`]) the store implements |
//! | [`log`] | the log service: sequencing, checkpoints, proofs, tiles and bundles, the wait for integration |
//! | [`waiters`] | answers waiting for their entries: handed their proofs by the sequencer |
//! | [`witness`] | C2SP tlog-witness: the `add-checkpoint` request and the witness that answers it |
//! | [`monitor`] | following a peer's log: checkpoint, new entries, the tree recomputed from them, two histories caught |
//!
//! The core (`merkle` … `entry`) is pure: it computes and checks, it never stores, fetches or
//! serves; callers give it stored hashes through a `hash_at(level, index)` function and the
//! current time as a number. `log` and `witness` run over [`repo::LogRepository`] with
//! `tokio::sync` only; `monitor` reads through its [`monitor::LogSource`]. Nothing here may name an HTTP or SQL type (`axum`, `hyper`, `sqlx`…);
//! from yinxin it imports `crate::crypto` (the SM2 note signer) and `crate::pki::repo`'s
//! `RepoError`. The store implements the repository, `api` serves `/log/…` and the witness
//! endpoint and runs the cosigning of this log's checkpoints by the peers, `cli` the monitor.

pub mod checkpoint;
pub mod ed25519;
pub mod entry;
pub mod log;
pub mod merkle;
pub mod monitor;
pub mod note;
pub mod proof;
pub mod repo;
pub mod sm2;
pub mod tiles;
pub mod waiters;
pub mod witness;

#[cfg(test)]
mod tests;

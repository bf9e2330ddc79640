//! RFC 6962 / RFC 9162 Merkle tree hashing with SHA-256, computed from *stored hashes*.
//!
//! A stored hash is the hash of a complete subtree: [`NodeId`] `{ level: L, index: i }` covers
//! the leaves `[i·2^L, (i+1)·2^L)`, and level 0 holds the leaf hashes. This is how tlog-tiles
//! lays a tree out (a tile row is a run of stored hashes at one level) and it is all a log has
//! to keep: every other hash — the root, the right-edge subtree of a tree whose size is not a
//! power of two — is computed from stored ones. Proof generation therefore takes a function
//! `hash_at(level, index) -> Result<Hash, E>` that the caller backs with what it has (tiles in
//! a database, an array in a test); it is only ever asked for nodes that are complete in the
//! tree the proof is about.
//!
//! Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step.
//!
//! Choices where the RFCs leave room:
//! - The root of the empty tree is SHA-256 of the empty string (RFC 9162 §2.1.1).
//! - A consistency proof from size 0 is empty and verifies against any newer tree whatever the
//!   old root (every tree extends the empty one); some logs publish zeros as the empty root.
//! - Between equal sizes the proof is empty and verifies if and only if the roots are equal.
//! - A proof with the wrong number of hashes is refused before any hashing, with its own error
//!   ([`MerkleError::ProofLength`]); the RFC algorithms would refuse it too, less clearly.

use sha2::{Digest, Sha256};
use std::convert::Infallible;

/// Bytes in a SHA-256 hash.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 hash: a leaf hash, an interior node hash or a root.
pub type Hash = [u8; HASH_SIZE];

/// The most hashes a proof about trees of at most `u64::MAX` leaves can hold.
pub const MAX_PROOF_HASHES: usize = 64;

/// RFC 6962 leaf hash: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// A complete subtree: the stored hash at `level` covering leaves `[index·2^level,
/// (index+1)·2^level)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves (0 for a leaf hash), at most 63.
    pub level: u8,
    /// Position among the nodes of that level, from the left, starting at 0.
    pub index: u64,
}

impl NodeId {
    /// The node at `level`, `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        NodeId { level, index }
    }

    /// The leaves `[start, end)` this node covers, or `None` when `end` would not fit in a u64
    /// (no tree of at most `u64::MAX` leaves has such a node).
    pub fn leaves(&self) -> Option<(u64, u64)> {
        if self.level >= 64 {
            return None;
        }
        let start = u128::from(self.index) << self.level;
        let end = (u128::from(self.index) + 1) << self.level;
        Some((u64::try_from(start).ok()?, u64::try_from(end).ok()?))
    }

    /// Whether this node is a complete subtree of the tree of `size` leaves (so a log of that
    /// size has stored its hash).
    pub fn is_complete_in(&self, size: u64) -> bool {
        self.leaves().is_some_and(|(_, end)| end <= size)
    }
}

/// Why a Merkle proof or a request for one was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked about.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The "old" tree is larger than the "new" one.
    #[error("a tree of size {old} cannot be a prefix of a tree of size {new}")]
    OldTreeLarger {
        /// The old tree size.
        old: u64,
        /// The new tree size.
        new: u64,
    },
    /// A leaf range that no RFC 6962 tree has as a subtree.
    #[error("leaves [{start}, {end}) are not a subtree of a Merkle tree")]
    NotASubtree {
        /// First leaf.
        start: u64,
        /// One past the last leaf.
        end: u64,
    },
    /// The proof has the wrong number of hashes for the sizes and index given.
    #[error("the proof has {got} hashes; a proof for these sizes has {want}")]
    ProofLength {
        /// Hashes in the proof.
        got: usize,
        /// Hashes a proof for these sizes has.
        want: usize,
    },
    /// The inclusion proof leads to another root than the expected one.
    #[error("the inclusion proof does not lead to the expected root hash")]
    InclusionMismatch,
    /// The consistency proof does not reproduce the old root.
    #[error("the consistency proof does not reproduce the old root hash")]
    OldRootMismatch,
    /// The consistency proof does not reproduce the new root.
    #[error("the consistency proof does not reproduce the new root hash")]
    NewRootMismatch,
    /// Two trees of the same size with different roots: not consistent.
    #[error("two trees of size {size} have different root hashes")]
    EqualSizeRootsDiffer {
        /// The common size.
        size: u64,
    },
}

/// Why a root or proof could not be computed from stored hashes.
#[derive(Debug, thiserror::Error)]
pub enum ProveError<E> {
    /// The request itself is invalid (index beyond the tree, sizes in the wrong order…).
    #[error(transparent)]
    Merkle(#[from] MerkleError),
    /// The caller's `hash_at` failed for this node.
    #[error("reading the stored hash at level {}, index {}: {source}", node.level, node.index)]
    Storage {
        /// The node that was asked for.
        node: NodeId,
        /// The caller's error.
        source: E,
    },
}

/// Reads one stored hash through the caller's function.
fn stored<E, F>(hash_at: &mut F, node: NodeId) -> Result<Hash, ProveError<E>>
where
    F: FnMut(u8, u64) -> Result<Hash, E>,
{
    hash_at(node.level, node.index).map_err(|source| ProveError::Storage { node, source })
}

/// The largest power of two strictly below `n` (`n >= 2`): RFC 9162's `k`.
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[lo:hi])` for a range that is a subtree of an RFC 6962 tree (`lo` aligned to the
/// smallest power of two at least `hi - lo`); reads complete subtrees, hashes the rest.
fn range_hash<E, F>(lo: u64, hi: u64, hash_at: &mut F) -> Result<Hash, ProveError<E>>
where
    F: FnMut(u8, u64) -> Result<Hash, E>,
{
    let n = hi - lo;
    if n.is_power_of_two() {
        let level = n.trailing_zeros() as u8;
        return stored(hash_at, NodeId::new(level, lo >> level));
    }
    let k = split_point(n);
    let left = range_hash(lo, lo + k, hash_at)?;
    let right = range_hash(lo + k, hi, hash_at)?;
    Ok(node_hash(&left, &right))
}

/// Whether `[start, end)` is a subtree of an RFC 6962 tree: non-empty and `start` aligned to
/// the smallest power of two that is at least its length.
fn is_subtree(start: u64, end: u64) -> bool {
    if start >= end {
        return false;
    }
    match (end - start).checked_next_power_of_two() {
        Some(width) => start.is_multiple_of(width),
        None => start == 0,
    }
}

/// `MTH(D[start:end])` for a subtree of the tree, from stored hashes: the hash of the complete
/// node when the range is one, else computed from the complete nodes that make it up.
pub fn subtree_hash<E, F>(start: u64, end: u64, mut hash_at: F) -> Result<Hash, ProveError<E>>
where
    F: FnMut(u8, u64) -> Result<Hash, E>,
{
    if !is_subtree(start, end) {
        return Err(MerkleError::NotASubtree { start, end }.into());
    }
    range_hash(start, end, &mut hash_at)
}

/// The root hash (MTH) of the tree of `size` leaves, from at most 64 stored hashes.
pub fn root<E, F>(size: u64, mut hash_at: F) -> Result<Hash, ProveError<E>>
where
    F: FnMut(u8, u64) -> Result<Hash, E>,
{
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(0, size, &mut hash_at)
}

/// RFC 9162 §2.1.3.1 `PATH(m, D[lo:hi])`, `m` an absolute leaf index; hashes leaf to root.
fn path<E, F>(
    m: u64,
    lo: u64,
    hi: u64,
    hash_at: &mut F,
    out: &mut Vec<Hash>,
) -> Result<(), ProveError<E>>
where
    F: FnMut(u8, u64) -> Result<Hash, E>,
{
    if hi - lo == 1 {
        return Ok(());
    }
    let k = split_point(hi - lo);
    if m < lo + k {
        path(m, lo, lo + k, hash_at, out)?;
        out.push(range_hash(lo + k, hi, hash_at)?);
    } else {
        path(m, lo + k, hi, hash_at, out)?;
        out.push(range_hash(lo, lo + k, hash_at)?);
    }
    Ok(())
}

/// The inclusion proof (audit path, RFC 9162 §2.1.3.1) of leaf `index` in the tree of `size`
/// leaves, from the leaf's sibling up to the root's child.
pub fn inclusion_proof<E, F>(
    index: u64,
    size: u64,
    mut hash_at: F,
) -> Result<Vec<Hash>, ProveError<E>>
where
    F: FnMut(u8, u64) -> Result<Hash, E>,
{
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size }.into());
    }
    let mut out = Vec::new();
    path(index, 0, size, &mut hash_at, &mut out)?;
    Ok(out)
}

/// RFC 9162 §2.1.4.1 `SUBPROOF(m - lo, D[lo:hi], b)`, `m` the absolute old size.
fn subproof<E, F>(
    m: u64,
    lo: u64,
    hi: u64,
    whole: bool,
    hash_at: &mut F,
    out: &mut Vec<Hash>,
) -> Result<(), ProveError<E>>
where
    F: FnMut(u8, u64) -> Result<Hash, E>,
{
    if m == hi {
        if !whole {
            out.push(range_hash(lo, hi, hash_at)?);
        }
        return Ok(());
    }
    let k = split_point(hi - lo);
    if m <= lo + k {
        subproof(m, lo, lo + k, whole, hash_at, out)?;
        out.push(range_hash(lo + k, hi, hash_at)?);
    } else {
        subproof(m, lo + k, hi, false, hash_at, out)?;
        out.push(range_hash(lo, lo + k, hash_at)?);
    }
    Ok(())
}

/// The consistency proof (RFC 9162 §2.1.4.1) that the tree of `old` leaves is a prefix of the
/// tree of `new` leaves. Empty when `old` is 0 or equal to `new`.
pub fn consistency_proof<E, F>(
    old: u64,
    new: u64,
    mut hash_at: F,
) -> Result<Vec<Hash>, ProveError<E>>
where
    F: FnMut(u8, u64) -> Result<Hash, E>,
{
    if old > new {
        return Err(MerkleError::OldTreeLarger { old, new }.into());
    }
    let mut out = Vec::new();
    if old == 0 || old == new {
        return Ok(out);
    }
    subproof(old, 0, new, true, &mut hash_at, &mut out)?;
    Ok(out)
}

/// The stored hashes that appending leaf number `index` (hash `leaf`) completes, level 0
/// first: the leaf itself, then one node per level for as long as the new node is a right
/// child. `hash_at` is asked for the left siblings, which are complete in the tree of `index`
/// leaves. A log writes these to its storage (tiles) when it appends the leaf.
pub fn hashes_completed_by<E, F>(
    index: u64,
    leaf: Hash,
    mut hash_at: F,
) -> Result<Vec<(NodeId, Hash)>, ProveError<E>>
where
    F: FnMut(u8, u64) -> Result<Hash, E>,
{
    if index == u64::MAX {
        return Err(MerkleError::IndexOutOfRange {
            index,
            size: u64::MAX,
        }
        .into());
    }
    let mut out = vec![(NodeId::new(0, index), leaf)];
    let (mut level, mut i, mut h) = (0u8, index, leaf);
    while i & 1 == 1 {
        let left = stored(&mut hash_at, NodeId::new(level, i - 1))?;
        h = node_hash(&left, &h);
        level += 1;
        i >>= 1;
        out.push((NodeId::new(level, i), h));
    }
    Ok(out)
}

/// Runs a generator with a `hash_at` that records the nodes asked for, in order.
fn record<G>(generate: G) -> Result<Vec<NodeId>, MerkleError>
where
    G: FnOnce(
        &mut dyn FnMut(u8, u64) -> Result<Hash, Infallible>,
    ) -> Result<Vec<Hash>, ProveError<Infallible>>,
{
    let mut nodes = Vec::new();
    let mut rec = |level: u8, index: u64| {
        nodes.push(NodeId::new(level, index));
        Ok([0u8; HASH_SIZE])
    };
    match generate(&mut rec) {
        Ok(_) => Ok(nodes),
        Err(ProveError::Merkle(e)) => Err(e),
        Err(ProveError::Storage { source, .. }) => match source {},
    }
}

/// The stored hashes [`root`] reads for a tree of `size` leaves, in the order it reads them.
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    record(|h| root(size, h).map(|r| vec![r])).unwrap_or_default()
}

/// The stored hashes [`inclusion_proof`] reads, in the order it reads them (a tile-backed
/// caller fetches the tiles holding these; see `tiles::inclusion_tiles`).
pub fn inclusion_proof_nodes(index: u64, size: u64) -> Result<Vec<NodeId>, MerkleError> {
    record(|h| inclusion_proof(index, size, h))
}

/// The stored hashes [`consistency_proof`] reads, in the order it reads them.
pub fn consistency_proof_nodes(old: u64, new: u64) -> Result<Vec<NodeId>, MerkleError> {
    record(|h| consistency_proof(old, new, h))
}

/// Iterations of the RFC 9162 verification loop from `(fn, sn)` until `sn` reaches 0: the
/// number of proof hashes the loop consumes (it depends on the sizes only, not on hashes).
fn loop_steps(mut f: u64, mut s: u64) -> usize {
    let mut n = 0;
    while s != 0 {
        if f & 1 == 1 || f == s {
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        }
        f >>= 1;
        s >>= 1;
        n += 1;
    }
    n
}

/// The number of hashes in the inclusion proof of leaf `index` in a tree of `size` leaves.
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    Ok(loop_steps(index, size - 1))
}

/// The number of hashes in the consistency proof from `old` to `new` leaves.
pub fn consistency_proof_len(old: u64, new: u64) -> Result<usize, MerkleError> {
    if old > new {
        return Err(MerkleError::OldTreeLarger { old, new });
    }
    if old == 0 || old == new {
        return Ok(0);
    }
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    Ok(loop_steps(f, s) + usize::from(!old.is_power_of_two()))
}

/// The root an inclusion proof leads to from `leaf` at `index` in a tree of `size` leaves
/// (RFC 9162 §2.1.3.2 steps 1–4); compare it with a trusted root, or use
/// [`verify_inclusion`].
pub fn root_from_inclusion_proof(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, MerkleError> {
    let want = inclusion_proof_len(index, size)?;
    if proof.len() != want {
        return Err(MerkleError::ProofLength {
            got: proof.len(),
            want,
        });
    }
    let (mut f, mut s, mut r) = (index, size - 1, *leaf);
    for p in proof {
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    // The length check above makes the loop end exactly when sn reaches 0 (step 5).
    debug_assert_eq!(s, 0);
    Ok(r)
}

/// RFC 9162 §2.1.3.2: whether `proof` proves that `leaf` is leaf number `index` of the tree of
/// `size` leaves whose root is `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    if root_from_inclusion_proof(leaf, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(MerkleError::InclusionMismatch)
    }
}

/// RFC 9162 §2.1.4.2: whether `proof` proves that the tree of `old` leaves with root
/// `old_root` is a prefix of the tree of `new` leaves with root `new_root`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    let want = consistency_proof_len(old, new)?;
    if proof.len() != want {
        return Err(MerkleError::ProofLength {
            got: proof.len(),
            want,
        });
    }
    if old == new {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(MerkleError::EqualSizeRootsDiffer { size: old })
        };
    }
    if old == 0 {
        return Ok(());
    }
    // Step 2: an old tree of power-of-two size is a node of the new tree; its root starts the
    // path.
    let mut path = proof.iter();
    let first = if old.is_power_of_two() {
        *old_root
    } else {
        match path.next() {
            Some(h) => *h,
            None => return Err(MerkleError::ProofLength { got: 0, want }),
        }
    };
    // Steps 3 and 4.
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    // Steps 5 and 6.
    let (mut fr, mut sr) = (first, first);
    for c in path {
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    // Step 7 (sn is 0 by the length check).
    debug_assert_eq!(s, 0);
    if fr != *old_root {
        return Err(MerkleError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(MerkleError::NewRootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaves of the Certificate Transparency reference tests (RFC 6962 test data, as
    /// republished in transparency-dev/merkle `testonly`).
    const LEAVES: &str =
        "|00|10|2021|3031|40414243|5051525354555657|606162636465666768696a6b6c6d6e6f";

    /// MTH of the first n leaves, n = 0..=8.
    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// Inclusion proofs ("size index: proof") and consistency proofs ("old new: proof") from
    /// the same reference tests.
    const PROOFS: &str = "\
i 1 0:
i 2 1: 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d
i 3 2: fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125
i 5 1: 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b
i 8 0: 96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4
i 8 5: bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7
c 1 1:
c 1 8: 96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4
c 2 5: 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b
c 6 8: 0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7
";

    /// The vectors of `PROOFS` of one kind: (a, b, proof).
    fn vectors(kind: &str) -> Vec<(u64, u64, Vec<Hash>)> {
        let parse = |line: &str| {
            let mut w = line.split_whitespace().skip(1);
            let a = w.next().unwrap().parse().unwrap();
            let b = w.next().unwrap().trim_end_matches(':').parse().unwrap();
            (a, b, w.map(h).collect())
        };
        PROOFS
            .lines()
            .filter(|l| l.starts_with(kind))
            .map(parse)
            .collect()
    }

    fn h(s: &str) -> Hash {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    /// Stored hashes of the 8 reference leaves, level by level (complete nodes only).
    fn store() -> Vec<Vec<Hash>> {
        let leaves = LEAVES
            .split('|')
            .map(|l| leaf_hash(&hex::decode(l).unwrap()));
        let mut levels = vec![leaves.collect::<Vec<_>>()];
        while levels.last().unwrap().len() > 1 {
            let below = levels.last().unwrap();
            levels.push(
                below
                    .chunks_exact(2)
                    .map(|p| node_hash(&p[0], &p[1]))
                    .collect(),
            );
        }
        levels
    }

    /// `hash_at` over `store()` that refuses nodes not complete in a tree of `size`.
    fn reader(levels: &[Vec<Hash>], size: u64) -> impl FnMut(u8, u64) -> Result<Hash, String> + '_ {
        move |l, i| {
            if !NodeId::new(l, i).is_complete_in(size) {
                return Err(format!("({l}, {i}) is not complete in {size}"));
            }
            Ok(levels[l as usize][i as usize])
        }
    }

    #[test]
    fn roots_match_the_reference_vectors() {
        let levels = store();
        for (n, want) in ROOTS.iter().enumerate() {
            assert_eq!(
                root(n as u64, reader(&levels, n as u64)).unwrap(),
                h(want),
                "size {n}"
            );
        }
        assert_eq!(empty_root(), h(ROOTS[0]));
    }

    #[test]
    fn proofs_match_the_reference_vectors() {
        let levels = store();
        let root = |n: u64| h(ROOTS[n as usize]);
        for (size, index, want) in vectors("i") {
            let got = inclusion_proof(index, size, reader(&levels, size)).unwrap();
            assert_eq!(got, want, "size {size} index {index}");
            let leaf = levels[0][index as usize];
            verify_inclusion(&leaf, index, size, &got, &root(size)).unwrap();
        }
        for (old, new, want) in vectors("c") {
            let got = consistency_proof(old, new, reader(&levels, new)).unwrap();
            assert_eq!(got, want, "{old} -> {new}");
            verify_consistency(old, new, &root(old), &root(new), &got).unwrap();
        }
        assert_eq!(vectors("i").len() + vectors("c").len(), 10);
    }

    #[test]
    fn forged_inclusion_and_consistency_proofs_are_refused() {
        let levels = store();
        let proof = inclusion_proof(5, 8, reader(&levels, 8)).unwrap();
        let root8 = h(ROOTS[8]);
        // Another leaf's hash at the same index.
        assert_eq!(
            verify_inclusion(&levels[0][4], 5, 8, &proof, &root8),
            Err(MerkleError::InclusionMismatch)
        );
        // The right leaf at another index.
        assert_eq!(
            verify_inclusion(&levels[0][5], 4, 8, &proof, &root8),
            Err(MerkleError::InclusionMismatch)
        );
        // A hash too many or too few.
        let mut long = proof.clone();
        long.push(root8);
        assert_eq!(
            verify_inclusion(&levels[0][5], 5, 8, &long, &root8),
            Err(MerkleError::ProofLength { got: 4, want: 3 })
        );
        assert_eq!(
            verify_inclusion(&levels[0][5], 8, 8, &proof, &root8),
            Err(MerkleError::IndexOutOfRange { index: 8, size: 8 })
        );
        // Consistency: a tampered old root, a tampered new root, equal sizes, wrong order.
        let proof = consistency_proof(6, 8, reader(&levels, 8)).unwrap();
        let (root6, root7) = (h(ROOTS[6]), h(ROOTS[7]));
        assert_eq!(
            verify_consistency(6, 8, &root7, &root8, &proof),
            Err(MerkleError::OldRootMismatch)
        );
        assert_eq!(
            verify_consistency(6, 8, &root6, &root7, &proof),
            Err(MerkleError::NewRootMismatch)
        );
        assert_eq!(
            verify_consistency(7, 7, &root6, &root7, &[]),
            Err(MerkleError::EqualSizeRootsDiffer { size: 7 })
        );
        assert_eq!(
            verify_consistency(8, 6, &root8, &root6, &proof),
            Err(MerkleError::OldTreeLarger { old: 8, new: 6 })
        );
        verify_consistency(0, 8, &[0; 32], &root8, &[]).unwrap();
    }

    #[test]
    fn storage_errors_name_the_node_and_only_complete_nodes_are_read() {
        let err = root(5, |l, i| Err::<Hash, _>(format!("no ({l}, {i})"))).unwrap_err();
        match err {
            ProveError::Storage { node, source } => {
                assert_eq!(node, NodeId::new(2, 0));
                assert_eq!(source, "no (2, 0)");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(root_nodes(5), vec![NodeId::new(2, 0), NodeId::new(0, 4)]);
        assert_eq!(root_nodes(0), vec![]);
        for size in 1..200u64 {
            for index in 0..size {
                let nodes = inclusion_proof_nodes(index, size).unwrap();
                assert!(nodes.iter().all(|n| n.is_complete_in(size)));
                let proof =
                    inclusion_proof(index, size, |_, _| Ok::<_, Infallible>([0; 32])).unwrap();
                assert_eq!(inclusion_proof_len(index, size).unwrap(), proof.len());
                let nodes = consistency_proof_nodes(index + 1, size).unwrap();
                assert!(nodes.iter().all(|n| n.is_complete_in(size)));
                let proof = consistency_proof(index + 1, size, |_, _| Ok::<_, Infallible>([0; 32]))
                    .unwrap();
                assert_eq!(consistency_proof_len(index + 1, size).unwrap(), proof.len());
            }
        }
    }

    #[test]
    fn subtree_ranges_are_checked() {
        let levels = store();
        assert_eq!(
            subtree_hash(4, 6, reader(&levels, 8)).unwrap(),
            node_hash(&levels[0][4], &levels[0][5])
        );
        assert_eq!(subtree_hash(0, 7, reader(&levels, 7)).unwrap(), h(ROOTS[7]));
        for (start, end) in [(1, 3), (2, 5), (3, 3), (5, 4)] {
            assert!(matches!(
                subtree_hash(start, end, reader(&levels, 8)),
                Err(ProveError::Merkle(MerkleError::NotASubtree { .. }))
            ));
        }
    }

    #[test]
    fn appending_completes_the_right_nodes() {
        let levels = store();
        let done = hashes_completed_by(7, levels[0][7], reader(&levels, 7)).unwrap();
        assert_eq!(
            done,
            vec![
                (NodeId::new(0, 7), levels[0][7]),
                (NodeId::new(1, 3), levels[1][3]),
                (NodeId::new(2, 1), levels[2][1]),
                (NodeId::new(3, 0), h(ROOTS[8])),
            ]
        );
        assert_eq!(
            hashes_completed_by(4, levels[0][4], reader(&levels, 4))
                .unwrap()
                .len(),
            1
        );
        assert!(matches!(
            hashes_completed_by(u64::MAX, [0; 32], reader(&levels, 0)),
            Err(ProveError::Merkle(MerkleError::IndexOutOfRange { .. }))
        ));
    }

    #[test]
    fn sizes_near_the_top_of_u64_do_not_overflow() {
        let size = u64::MAX;
        let zero = |_, _| Ok::<_, Infallible>([0; 32]);
        let proof = inclusion_proof(size - 1, size, zero).unwrap();
        assert_eq!(proof.len(), 63);
        assert_eq!(proof.len(), inclusion_proof_len(size - 1, size).unwrap());
        assert_eq!(inclusion_proof_nodes(size - 1, size).unwrap().len(), 63);
        assert_eq!(root_nodes(size).len(), 64);
        let proof = consistency_proof(1 << 63, size, zero).unwrap();
        assert_eq!(proof.len(), 1);
        assert_eq!(consistency_proof_len(1 << 63, size).unwrap(), 1);
        assert_eq!(consistency_proof_nodes(1 << 63, size).unwrap().len(), 63);
        assert_eq!(NodeId::new(63, 1).leaves(), None);
        assert_eq!(NodeId::new(63, 0).leaves(), Some((0, 1 << 63)));
    }
}

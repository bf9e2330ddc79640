//! Cross-checks of the transparency module against an independent implementation of RFC 6962:
//! the `ct-merkle` crate (an in-memory tree with its own index arithmetic, sharing no code with
//! ours). Roots, inclusion proofs and consistency proofs must be byte for byte the same, and
//! each side must accept the other's proofs: for every tree size from 1 to 300 (every index,
//! every older size), and for random sizes, indices and older sizes up to 100,000. Proofs are
//! also rebuilt from tiles, as the log will serve them.

use super::merkle::{self, Hash, NodeId};
use super::tiles::{self, Tile};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use sha2::Sha256;
use std::collections::HashMap;

type Oracle = MemoryBackedTree<Sha256, Vec<u8>>;

/// A node that the code under test asked for although it is not stored in the tree at hand.
#[derive(Debug)]
struct NotStored(NodeId, u64);

impl std::fmt::Display for NotStored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "({}, {}) is not stored in a tree of size {}",
            self.0.level, self.0.index, self.1
        )
    }
}

impl std::error::Error for NotStored {}

/// Our side: the stored hashes, level by level, appended with `hashes_completed_by`.
#[derive(Default)]
struct Store {
    levels: Vec<Vec<Hash>>,
    size: u64,
}

impl Store {
    fn append(&mut self, data: &[u8]) {
        let levels = &self.levels;
        let read = |l: u8, i: u64| Ok::<_, NotStored>(levels[l as usize][i as usize]);
        let done = merkle::hashes_completed_by(self.size, merkle::leaf_hash(data), read).unwrap();
        for (node, h) in done {
            if self.levels.len() <= node.level as usize {
                self.levels.push(Vec::new());
            }
            assert_eq!(self.levels[node.level as usize].len() as u64, node.index);
            self.levels[node.level as usize].push(h);
        }
        self.size += 1;
    }

    /// `hash_at` for the tree of `size` leaves: refuses any node not complete in it.
    fn reader(&self, size: u64) -> impl FnMut(u8, u64) -> Result<Hash, NotStored> + '_ {
        move |l, i| {
            let node = NodeId::new(l, i);
            if !node.is_complete_in(size) {
                return Err(NotStored(node, size));
            }
            Ok(self.levels[l as usize][i as usize])
        }
    }
}

fn entry(i: u64) -> Vec<u8> {
    // Entries of varied lengths, the empty one included.
    (0..i % 37)
        .map(|k| (i.wrapping_mul(31).wrapping_add(k)) as u8)
        .collect()
}

fn flat(hashes: &[Hash]) -> Vec<u8> {
    hashes.concat()
}

fn hashes(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks_exact(32)
        .map(|c| c.try_into().unwrap())
        .collect()
}

fn oracle_root(h: &Hash, size: u64) -> RootHash<Sha256> {
    RootHash::new(ct_merkle::digest::Output::<Sha256>::from(*h), size)
}

/// Compares both implementations on the tree of `n` leaves, for the given indices and older
/// sizes.
fn compare(ours: &Store, theirs: &Oracle, indices: &[u64], olds: &[u64]) {
    let n = ours.size;
    assert_eq!(theirs.len(), n);
    let root: Hash = merkle::root(n, ours.reader(n)).unwrap();
    assert_eq!(
        root.as_slice(),
        theirs.root().as_bytes().as_slice(),
        "root of {n}"
    );
    let their_root = oracle_root(&root, n);
    for &i in indices {
        let proof = merkle::inclusion_proof(i, n, ours.reader(n)).unwrap();
        let theirs_proof = theirs.prove_inclusion(i as usize);
        assert_eq!(
            flat(&proof),
            theirs_proof.as_bytes(),
            "inclusion {i} in {n}"
        );
        let leaf = merkle::leaf_hash(&entry(i));
        merkle::verify_inclusion(&leaf, i, n, &hashes(theirs_proof.as_bytes()), &root).unwrap();
        let ours_for_them = InclusionProof::<Sha256>::try_from_bytes(flat(&proof)).unwrap();
        their_root
            .verify_inclusion(&entry(i), i, &ours_for_them)
            .unwrap();
    }
    for &m in olds {
        let old_root = merkle::root(m, ours.reader(m)).unwrap();
        let proof = merkle::consistency_proof(m, n, ours.reader(n)).unwrap();
        let theirs_proof = theirs.prove_consistency((n - m) as usize);
        assert_eq!(
            flat(&proof),
            theirs_proof.as_bytes(),
            "consistency {m} -> {n}"
        );
        merkle::verify_consistency(m, n, &old_root, &root, &hashes(theirs_proof.as_bytes()))
            .unwrap();
        let ours_for_them = ConsistencyProof::<Sha256>::try_from_bytes(flat(&proof)).unwrap();
        their_root
            .verify_consistency(&oracle_root(&old_root, m), &ours_for_them)
            .unwrap();
    }
}

#[test]
fn every_size_up_to_300_matches_ct_merkle() {
    let (mut ours, mut theirs) = (Store::default(), Oracle::new());
    for n in 1..=300u64 {
        ours.append(&entry(n - 1));
        theirs.push(entry(n - 1));
        let all: Vec<u64> = (0..n).collect();
        let olds: Vec<u64> = (1..=n).collect();
        compare(&ours, &theirs, &all, &olds);
    }
}

/// splitmix64: a fixed, dependency-free pseudo-random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_sizes_up_to_100000_match_ct_merkle() {
    let mut rng = Rng(20);
    let mut sizes: Vec<u64> = (0..40).map(|_| 1 + rng.below(100_000)).collect();
    sizes.extend([256, 65_535, 65_536, 65_537, 99_999, 100_000]);
    sizes.sort_unstable();
    sizes.dedup();
    let (mut ours, mut theirs) = (Store::default(), Oracle::new());
    for n in sizes {
        while ours.size < n {
            let e = entry(ours.size);
            ours.append(&e);
            theirs.push(e);
        }
        let mut indices: Vec<u64> = (0..25).map(|_| rng.below(n)).collect();
        indices.extend([0, n - 1, n / 2]);
        let mut olds: Vec<u64> = (0..25).map(|_| 1 + rng.below(n)).collect();
        olds.extend([1, n, (n / 2).max(1), 1 << (63 - n.leading_zeros())]);
        compare(&ours, &theirs, &indices, &olds);
    }
}

/// Serves stored hashes the way the log will: from tile data, through `Tile::node_hash`.
fn tile_reader<'a>(
    data: &'a HashMap<Tile, Vec<u8>>,
    size: u64,
) -> impl FnMut(u8, u64) -> Result<Hash, tiles::TileError> + 'a {
    move |l, i| {
        let node = NodeId::new(l, i);
        let tile = Tile::containing(node, size)?;
        tile.node_hash(&data[&tile], node)
    }
}

#[test]
fn proofs_from_tiles_equal_proofs_from_stored_hashes() {
    let mut ours = Store::default();
    for i in 0..70_000 {
        ours.append(&entry(i));
    }
    let size = ours.size;
    let mut data = HashMap::new();
    for t in tiles::tiles_for_size(size) {
        let row = &ours.levels[usize::from(t.level()) * 8];
        let start = (t.index() * 256) as usize;
        data.insert(t, flat(&row[start..start + usize::from(t.width())]));
    }
    assert_eq!(
        merkle::root(size, tile_reader(&data, size)).unwrap(),
        merkle::root(size, ours.reader(size)).unwrap()
    );
    let mut rng = Rng(7);
    for _ in 0..50 {
        let i = rng.below(size);
        let from_tiles = merkle::inclusion_proof(i, size, tile_reader(&data, size)).unwrap();
        assert_eq!(
            from_tiles,
            merkle::inclusion_proof(i, size, ours.reader(size)).unwrap()
        );
        assert!(tiles::inclusion_tiles(i, size).unwrap().len() <= 5);
        let m = 1 + rng.below(size);
        // Older trees' partial tiles are not kept here, so only sizes whose nodes are all in
        // the current tiles (all of them: complete nodes never move) are asked for.
        let from_tiles = merkle::consistency_proof(m, size, tile_reader(&data, size)).unwrap();
        assert_eq!(
            from_tiles,
            merkle::consistency_proof(m, size, ours.reader(size)).unwrap()
        );
    }
}

#[test]
fn inconsistent_trees_have_no_consistency_proof() {
    // Tree B differs from tree A in leaf 3 only.
    let (mut a, mut b) = (Store::default(), Store::default());
    for i in 0..9 {
        a.append(&entry(i));
        b.append(&if i == 3 { b"forged".to_vec() } else { entry(i) });
    }
    let root = |s: &Store, n| merkle::root(n, s.reader(n)).unwrap();
    let proof_a = merkle::consistency_proof(5, 9, a.reader(9)).unwrap();
    let proof_b = merkle::consistency_proof(5, 9, b.reader(9)).unwrap();
    // A's old tree cannot grow into B's new tree, whichever tree made the proof.
    for proof in [&proof_a, &proof_b] {
        assert!(matches!(
            merkle::verify_consistency(5, 9, &root(&a, 5), &root(&b, 9), proof),
            Err(merkle::MerkleError::OldRootMismatch | merkle::MerkleError::NewRootMismatch)
        ));
    }
    assert_eq!(
        merkle::verify_consistency(5, 9, &root(&b, 5), &root(&a, 9), &proof_a),
        Err(merkle::MerkleError::OldRootMismatch)
    );
    // A forked tree of the same size.
    assert_eq!(
        merkle::verify_consistency(9, 9, &root(&a, 9), &root(&b, 9), &[]),
        Err(merkle::MerkleError::EqualSizeRootsDiffer { size: 9 })
    );
    // A's own proof verifies.
    merkle::verify_consistency(5, 9, &root(&a, 5), &root(&a, 9), &proof_a).unwrap();
}

#[test]
fn inclusion_proofs_read_at_most_five_tiles_below_2_pow_24_leaves() {
    let mut rng = Rng(24);
    for _ in 0..20_000 {
        let size = 1 + rng.below(1 << 24);
        let index = rng.below(size);
        let n = tiles::inclusion_tiles(index, size).unwrap().len();
        assert!(n <= 5, "{index} in {size}: {n} tiles");
    }
    let worst = (0..10_000_000u64)
        .step_by(9_973)
        .map(|i| tiles::inclusion_tiles(i, 10_000_000).unwrap().len())
        .max();
    assert_eq!(worst, Some(5));
}

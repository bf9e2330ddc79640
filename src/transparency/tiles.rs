//! C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): where the stored hashes and the entries of
//! a log live as static, immutable resources.
//!
//! A tile at level `L` and index `N` holds up to 256 consecutive stored hashes of Merkle level
//! `8·L` (the hashes at the seven levels in between are recomputed from them); it is *full*
//! with 256 hashes and *partial* with 1 to 255, at the right edge of the tree. An entry bundle
//! holds the entries whose leaf hashes make up the level-0 tile of the same index. Paths:
//! `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, `N` written as 3-digit groups with an
//! `x` before all but the last (1234067 → `x001/x234/067`).
//!
//! Choices where the spec leaves room:
//! - Parsing is strict: exactly one spelling per tile is accepted, the one [`Tile::path`]
//!   writes (no leading zeros in `L` or `W`, three digits per group, no `x000` leading group,
//!   `W` from 1 to 255, `L` from 0 to 63 as the spec says, although a tree of at most
//!   `u64::MAX` leaves has tiles up to level 7 only).
//! - An entry bundle may hold empty entries (length 0); decoding refuses trailing bytes and
//!   more than 256 entries.
//! - The tiles needed for a proof are the tiles holding the stored hashes the proof reads
//!   ([`super::merkle::inclusion_proof_nodes`]), each at the width it has in the tree of the
//!   proof's size: the client-side tile cache of tlog-tiles is out of scope here.

use super::merkle::{self, HASH_SIZE, Hash, MerkleError, NodeId};

/// Merkle levels per tile.
pub const TILE_HEIGHT: u32 = 8;

/// Hashes in a full tile, entries in a full bundle.
pub const TILE_WIDTH: u16 = 256;

/// The highest tile level a path may name.
pub const MAX_TILE_LEVEL: u8 = 63;

/// Why a tile, a path or a bundle was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// The path does not start with `tile/`.
    #[error("{0:?} is not a tile path (it must start with tile/)")]
    NotATilePath(String),
    /// The level element is not a decimal from 0 to 63 without leading zeros.
    #[error("{0:?}: the tile level must be a decimal from 0 to 63 without leading zeros")]
    BadLevel(String),
    /// The index is not written as `x`-prefixed 3-digit groups, canonically.
    #[error(
        "{0:?}: the tile index must be 3-digit groups, x before all but the last, no x000 first"
    )]
    BadIndex(String),
    /// The partial width is not a decimal from 1 to 255 without leading zeros.
    #[error("{0:?}: the partial width must be a decimal from 1 to 255 without leading zeros")]
    BadWidth(String),
    /// A tile or bundle width outside 1..=256.
    #[error("a tile holds 1 to 256 hashes, not {0}")]
    Width(u16),
    /// A tile level above 63.
    #[error("tile level {0} is above 63")]
    Level(u8),
    /// The node is not a complete subtree of the tree, so no tile of that tree holds it.
    #[error("node (level {}, index {}) is not stored in a tree of size {size}", node.level, node.index)]
    NodeNotInTree {
        /// The node.
        node: NodeId,
        /// The tree size.
        size: u64,
    },
    /// The node is not one this tile can produce.
    #[error("node (level {}, index {}) is not in tile {tile}", node.level, node.index)]
    NodeNotInTile {
        /// The node.
        node: NodeId,
        /// The tile's path.
        tile: String,
    },
    /// Tile data of the wrong length.
    #[error("tile data is {got} bytes, a tile of width {width} has {}", usize::from(*width) * HASH_SIZE)]
    DataLength {
        /// Bytes given.
        got: usize,
        /// The tile's width.
        width: u16,
    },
    /// An entry too long for its uint16 length prefix.
    #[error("an entry of {0} bytes does not fit a bundle's 16-bit length")]
    EntryTooLong(usize),
    /// The bundle ends inside a length prefix or an entry.
    #[error("the entry bundle is truncated at byte {0}")]
    BundleTruncated(usize),
    /// More than 256 entries in a bundle.
    #[error("an entry bundle holds at most 256 entries")]
    BundleTooLong,
    /// A Merkle-level error (index beyond the tree, sizes in the wrong order).
    #[error(transparent)]
    Merkle(#[from] MerkleError),
}

/// Writes a tile index as tlog-tiles path elements: 1234067 → `x001/x234/067`.
pub fn encode_index(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// Reads a tile index written by [`encode_index`], refusing any other spelling.
fn parse_index(s: &str, path: &str) -> Result<u64, TileError> {
    let bad = || TileError::BadIndex(path.to_string());
    let groups: Vec<&str> = s.split('/').collect();
    let mut n: u64 = 0;
    for (i, g) in groups.iter().enumerate() {
        let last = i + 1 == groups.len();
        let digits = if last {
            *g
        } else {
            g.strip_prefix('x').ok_or_else(bad)?
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if i == 0 && !last && digits == "000" {
            return Err(bad());
        }
        let v: u64 = digits.parse().map_err(|_| bad())?;
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(v))
            .ok_or_else(bad)?;
    }
    Ok(n)
}

/// A decimal without leading zeros (except "0") and of at most `max_len` digits.
fn parse_small_decimal(s: &str, max_len: usize) -> Option<u16> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

/// Splits `<N>[.p/<W>]` and reads both parts.
fn parse_index_and_width(rest: &str, path: &str) -> Result<(u64, u16), TileError> {
    let (n, width) = match rest.split_once(".p/") {
        Some((n, w)) => match parse_small_decimal(w, 3) {
            Some(w @ 1..=255) => (n, w),
            _ => return Err(TileError::BadWidth(path.to_string())),
        },
        None => (rest, TILE_WIDTH),
    };
    Ok((parse_index(n, path)?, width))
}

fn check_width(width: u16) -> Result<(), TileError> {
    if width == 0 || width > TILE_WIDTH {
        return Err(TileError::Width(width));
    }
    Ok(())
}

/// The width suffix of a path: empty for a full tile.
fn width_suffix(width: u16) -> String {
    if width == TILE_WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    }
}

/// Stored hashes at Merkle level `8·level` in a tree of `size` leaves.
fn hashes_at_tile_level(size: u64, level: u8) -> u64 {
    size.checked_shr(TILE_HEIGHT * u32::from(level))
        .unwrap_or(0)
}

/// A tile of stored hashes: `width` hashes of Merkle level `8·level`, the first being number
/// `index·256` of that level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    level: u8,
    index: u64,
    width: u16,
}

impl Tile {
    /// A tile; `width` is 256 for a full tile, 1 to 255 for a partial one.
    pub fn new(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        if level > MAX_TILE_LEVEL {
            return Err(TileError::Level(level));
        }
        check_width(width)?;
        Ok(Tile {
            level,
            index,
            width,
        })
    }

    /// The tile level (`L` in the path).
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The tile index within its level (`N` in the path).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Hashes in the tile: 256 when full.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile is partial (fewer than 256 hashes).
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The tile's path below the log's prefix: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}{}",
            self.level,
            encode_index(self.index),
            width_suffix(self.width)
        )
    }

    /// Reads a tile path (strictly: only the spelling [`Tile::path`] writes).
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        let rest = path
            .strip_prefix("tile/")
            .ok_or_else(|| TileError::NotATilePath(path.to_string()))?;
        let (level, rest) = rest
            .split_once('/')
            .ok_or_else(|| TileError::BadLevel(path.to_string()))?;
        let level = match parse_small_decimal(level, 2) {
            Some(l) if l <= u16::from(MAX_TILE_LEVEL) => l as u8,
            _ => return Err(TileError::BadLevel(path.to_string())),
        };
        let (index, width) = parse_index_and_width(rest, path)?;
        Tile::new(level, index, width)
    }

    /// The tile of the tree of `size` leaves that holds the stored hash `node`, at the width it
    /// has in that tree.
    pub fn containing(node: NodeId, size: u64) -> Result<Self, TileError> {
        if !node.is_complete_in(size) {
            return Err(TileError::NodeNotInTree { node, size });
        }
        let level = node.level / TILE_HEIGHT as u8;
        let within = u32::from(node.level) % TILE_HEIGHT;
        // node.index < 2^(64 - node.level), so the shift stays within u64.
        let index = (node.index << within) >> TILE_HEIGHT;
        Tile::in_tree(level, index, size).ok_or(TileError::NodeNotInTree { node, size })
    }

    /// The tile `(level, index)` as it is in the tree of `size` leaves, or `None` if that tree
    /// has no such tile.
    pub fn in_tree(level: u8, index: u64, size: u64) -> Option<Self> {
        if level > MAX_TILE_LEVEL {
            return None;
        }
        let count = u128::from(hashes_at_tile_level(size, level));
        let start = u128::from(index) * u128::from(TILE_WIDTH);
        if start >= count {
            return None;
        }
        let width = (count - start).min(u128::from(TILE_WIDTH)) as u16;
        Some(Tile {
            level,
            index,
            width,
        })
    }

    /// The stored hash `node` computed from this tile's data (the `width` hashes of its bottom
    /// row, concatenated): a hash of the bottom row itself, or one of the seven levels above it.
    pub fn node_hash(&self, data: &[u8], node: NodeId) -> Result<Hash, TileError> {
        if data.len() != usize::from(self.width) * HASH_SIZE {
            return Err(TileError::DataLength {
                got: data.len(),
                width: self.width,
            });
        }
        let not_here = || TileError::NodeNotInTile {
            node,
            tile: self.path(),
        };
        if u32::from(node.level) / TILE_HEIGHT != u32::from(self.level) {
            return Err(not_here());
        }
        let within = u32::from(node.level) % TILE_HEIGHT;
        let first = u128::from(node.index) << within;
        let start = u128::from(self.index) * u128::from(TILE_WIDTH);
        let span = 1u128 << within;
        if first < start || first + span > start + u128::from(self.width) {
            return Err(not_here());
        }
        let offset = (first - start) as usize;
        let mut row: Vec<Hash> = data[offset * HASH_SIZE..(offset + span as usize) * HASH_SIZE]
            .chunks_exact(HASH_SIZE)
            .map(|c| {
                let mut h = [0u8; HASH_SIZE];
                h.copy_from_slice(c);
                h
            })
            .collect();
        while row.len() > 1 {
            row = row
                .chunks_exact(2)
                .map(|p| merkle::node_hash(&p[0], &p[1]))
                .collect();
        }
        row.first().copied().ok_or_else(not_here)
    }
}

impl std::fmt::Display for Tile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path())
    }
}

/// An entry bundle: the `width` entries numbered from `index·256`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryBundle {
    index: u64,
    width: u16,
}

impl EntryBundle {
    /// A bundle; `width` is 256 for a full bundle, 1 to 255 for a partial one.
    pub fn new(index: u64, width: u16) -> Result<Self, TileError> {
        check_width(width)?;
        Ok(EntryBundle { index, width })
    }

    /// The bundle index (`N` in the path).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Entries in the bundle: 256 when full.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the bundle is partial.
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The number of the bundle's first entry.
    pub fn first_entry(&self) -> u128 {
        u128::from(self.index) * u128::from(TILE_WIDTH)
    }

    /// The bundle's path below the log's prefix: `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/entries/{}{}",
            encode_index(self.index),
            width_suffix(self.width)
        )
    }

    /// Reads a bundle path (strictly).
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        let rest = path
            .strip_prefix("tile/entries/")
            .ok_or_else(|| TileError::NotATilePath(path.to_string()))?;
        let (index, width) = parse_index_and_width(rest, path)?;
        EntryBundle::new(index, width)
    }

    /// The bundle holding entry `entry` in the tree of `size` leaves, at its width there.
    pub fn containing(entry: u64, size: u64) -> Result<Self, TileError> {
        if entry >= size {
            return Err(MerkleError::IndexOutOfRange { index: entry, size }.into());
        }
        let tile = Tile::containing(NodeId::new(0, entry), size)?;
        EntryBundle::new(tile.index, tile.width)
    }

    /// The level-0 tile holding the leaf hashes of this bundle's entries.
    pub fn tile(&self) -> Tile {
        Tile {
            level: 0,
            index: self.index,
            width: self.width,
        }
    }
}

impl std::fmt::Display for EntryBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path())
    }
}

/// A resource path of a tiled log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`.
    Hashes(Tile),
    /// `tile/entries/<N>[.p/<W>]`.
    Entries(EntryBundle),
}

/// Reads a tile or entry bundle path.
pub fn parse_path(path: &str) -> Result<TilePath, TileError> {
    if path.starts_with("tile/entries/") {
        EntryBundle::parse_path(path).map(TilePath::Entries)
    } else {
        Tile::parse_path(path).map(TilePath::Hashes)
    }
}

/// Every tile of the tree of `size` leaves, level by level, left to right: the full tiles of
/// each level and its partial right-edge tile, if any.
pub fn tiles_for_size(size: u64) -> impl Iterator<Item = Tile> {
    (0..=7u8).flat_map(move |level| {
        let count = hashes_at_tile_level(size, level);
        let full = count / u64::from(TILE_WIDTH);
        let rest = (count % u64::from(TILE_WIDTH)) as u16;
        (0..full)
            .map(move |index| Tile {
                level,
                index,
                width: TILE_WIDTH,
            })
            .chain((rest > 0).then_some(Tile {
                level,
                index: full,
                width: rest,
            }))
    })
}

/// The entry bundles of the tree of `size` leaves, left to right.
pub fn bundles_for_size(size: u64) -> impl Iterator<Item = EntryBundle> {
    tiles_for_size(size)
        .take_while(|t| t.level == 0)
        .map(|t| EntryBundle {
            index: t.index,
            width: t.width,
        })
}

/// The tiles a log writes when it grows from `old` to `new` leaves: at each level, the tiles
/// that become full and the new partial right-edge tile.
pub fn new_tiles(old: u64, new: u64) -> Result<Vec<Tile>, TileError> {
    if old > new {
        return Err(MerkleError::OldTreeLarger { old, new }.into());
    }
    let mut out = Vec::new();
    for level in 0..=7u8 {
        let (was, now) = (
            hashes_at_tile_level(old, level),
            hashes_at_tile_level(new, level),
        );
        if was == now {
            continue;
        }
        let w = u64::from(TILE_WIDTH);
        for index in was / w..now / w {
            out.push(Tile {
                level,
                index,
                width: TILE_WIDTH,
            });
        }
        if now % w > 0 {
            out.push(Tile {
                level,
                index: now / w,
                width: (now % w) as u16,
            });
        }
    }
    Ok(out)
}

/// The distinct tiles holding `nodes` in the tree of `size` leaves, in first-use order.
fn tiles_of(nodes: &[NodeId], size: u64) -> Result<Vec<Tile>, TileError> {
    let mut out: Vec<Tile> = Vec::new();
    for &node in nodes {
        let tile = Tile::containing(node, size)?;
        if !out.contains(&tile) {
            out.push(tile);
        }
    }
    Ok(out)
}

/// The tiles to read to compute the root of the tree of `size` leaves.
pub fn root_tiles(size: u64) -> Result<Vec<Tile>, TileError> {
    tiles_of(&merkle::root_nodes(size), size)
}

/// The tiles to read to build the inclusion proof of leaf `index` in the tree of `size`
/// leaves (at most 5 for a tree below 2^24 leaves: three on the leaf's path and two partial
/// right-edge tiles).
pub fn inclusion_tiles(index: u64, size: u64) -> Result<Vec<Tile>, TileError> {
    tiles_of(&merkle::inclusion_proof_nodes(index, size)?, size)
}

/// The tiles to read to build the consistency proof from `old` to `new` leaves.
pub fn consistency_tiles(old: u64, new: u64) -> Result<Vec<Tile>, TileError> {
    tiles_of(&merkle::consistency_proof_nodes(old, new)?, new)
}

/// Encodes an entry bundle: each entry as a big-endian uint16 length and its bytes.
pub fn encode_bundle<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        if i >= usize::from(TILE_WIDTH) {
            return Err(TileError::BundleTooLong);
        }
        let len = u16::try_from(e.len()).map_err(|_| TileError::EntryTooLong(e.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Decodes an entry bundle into its entries; refuses a truncated bundle, trailing bytes and
/// more than 256 entries. The caller checks the count against the bundle's width.
pub fn decode_bundle(data: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        if out.len() == usize::from(TILE_WIDTH) {
            return Err(TileError::BundleTooLong);
        }
        let len = match data.get(at..at + 2) {
            Some(b) => usize::from(u16::from_be_bytes([b[0], b[1]])),
            None => return Err(TileError::BundleTruncated(at)),
        };
        let entry = data
            .get(at + 2..at + 2 + len)
            .ok_or(TileError::BundleTruncated(at))?;
        out.push(entry);
        at += 2 + len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_the_spec_example() {
        assert_eq!(encode_index(1234067), "x001/x234/067");
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(1000), "x001/000");
        assert_eq!(encode_index(u64::MAX), "x018/x446/x744/x073/x709/x551/615");
        assert_eq!(
            Tile::new(0, 1234067, 256).unwrap().path(),
            "tile/0/x001/x234/067"
        );
        assert_eq!(Tile::new(2, 5, 17).unwrap().to_string(), "tile/2/005.p/17");
        let bundle = EntryBundle::new(1234067, 3).unwrap();
        assert_eq!(bundle.path(), "tile/entries/x001/x234/067.p/3");
        for p in [
            "tile/0/x001/x234/067",
            "tile/2/005.p/17",
            "tile/63/000",
            "tile/1/x018/x446/x744/x073/x709/x551/615",
        ] {
            assert_eq!(Tile::parse_path(p).unwrap().path(), p);
        }
        assert_eq!(
            parse_path("tile/entries/x001/000.p/255").unwrap(),
            TilePath::Entries(EntryBundle::new(1000, 255).unwrap())
        );
        assert_eq!(
            parse_path("tile/3/001").unwrap(),
            TilePath::Hashes(Tile::new(3, 1, 256).unwrap())
        );
    }

    #[test]
    fn non_canonical_paths_are_refused() {
        use TileError::*;
        type Case = (&'static str, fn(String) -> TileError);
        let cases: &[Case] = &[
            ("tiles/0/000", NotATilePath),
            ("tile/00/000", BadLevel),
            ("tile/01/000", BadLevel),
            ("tile/64/000", BadLevel),
            ("tile/-1/000", BadLevel),
            ("tile//000", BadLevel),
            ("tile/0", BadLevel),
            ("tile/0/1", BadIndex),
            ("tile/0/0001", BadIndex),
            ("tile/0/x000/001", BadIndex),
            ("tile/0/001/234", BadIndex),
            ("tile/0/x001/x234", BadIndex),
            ("tile/0/y001/234", BadIndex),
            ("tile/0/x01a/234", BadIndex),
            ("tile/0/000/", BadIndex),
            ("tile/0/+01", BadIndex),
            ("tile/0/x018/x446/x744/x073/x709/x551/616", BadIndex),
            ("tile/0/x001/x018/x446/x744/x073/x709/x551/615", BadIndex),
            ("tile/0/000.p/0", BadWidth),
            ("tile/0/000.p/256", BadWidth),
            ("tile/0/000.p/017", BadWidth),
            ("tile/0/000.p/", BadWidth),
            ("tile/0/000.p/1/", BadWidth),
            ("tile/0/000.p/1.p/2", BadWidth),
            ("tile/entries/000.p/00", BadWidth),
            ("tile/entries/x000/000", BadIndex),
        ];
        for (p, want) in cases {
            assert_eq!(parse_path(p), Err(want(p.to_string())), "{p}");
        }
        assert_eq!(Tile::new(0, 0, 0), Err(Width(0)));
        assert_eq!(Tile::new(64, 0, 1), Err(Level(64)));
        assert_eq!(EntryBundle::new(0, 257), Err(Width(257)));
    }

    #[test]
    fn a_tree_of_70000_has_the_spec_example_tiles() {
        let tiles: Vec<Tile> = tiles_for_size(70_000).collect();
        let full0 = tiles
            .iter()
            .filter(|t| t.level == 0 && !t.is_partial())
            .count();
        assert_eq!(full0, 273);
        let rest: Vec<String> = tiles
            .iter()
            .filter(|t| t.level > 0 || t.is_partial())
            .map(Tile::path)
            .collect();
        assert_eq!(
            rest,
            [
                "tile/0/273.p/112",
                "tile/1/000",
                "tile/1/001.p/17",
                "tile/2/000.p/1"
            ]
        );
        let t256: Vec<String> = tiles_for_size(256).map(|t| t.path()).collect();
        assert_eq!(t256, ["tile/0/000", "tile/1/000.p/1"]);
        assert_eq!(tiles_for_size(0).count(), 0);
        assert_eq!(bundles_for_size(70_000).count(), 274);
        assert_eq!(
            bundles_for_size(70_000).last().unwrap().path(),
            "tile/entries/273.p/112"
        );
    }

    #[test]
    fn new_tiles_extend_the_old_ones() {
        let paths = |v: Vec<Tile>| v.iter().map(Tile::path).collect::<Vec<_>>();
        assert_eq!(paths(new_tiles(1, 1).unwrap()), Vec::<String>::new());
        assert_eq!(paths(new_tiles(100, 101).unwrap()), ["tile/0/000.p/101"]);
        assert_eq!(
            paths(new_tiles(255, 257).unwrap()),
            ["tile/0/000", "tile/0/001.p/1", "tile/1/000.p/1"]
        );
        assert_eq!(
            new_tiles(2, 1),
            Err(TileError::Merkle(MerkleError::OldTreeLarger {
                old: 2,
                new: 1
            }))
        );
        // Every tile of the new tree is either new or unchanged since the old tree.
        for (old, new) in [
            (0, 70_000),
            (69_999, 70_000),
            (65_535, 65_537),
            (1000, 300_000),
        ] {
            let before: Vec<Tile> = tiles_for_size(old).collect();
            let added = new_tiles(old, new).unwrap();
            for t in tiles_for_size(new) {
                assert!(
                    added.contains(&t) ^ before.contains(&t),
                    "{t} for {old} -> {new}"
                );
            }
        }
    }

    #[test]
    fn tiles_hold_the_nodes_a_proof_reads() {
        // A leaf in a tree of 10^7 entries: at most five tile fetches.
        let size = 10_000_000;
        for index in [0, 1, 255, 256, 65_535, 4_999_999, 9_999_871, 9_999_999] {
            let tiles = inclusion_tiles(index, size).unwrap();
            assert!(tiles.len() <= 5, "{index}: {tiles:?}");
        }
        let root: Vec<String> = root_tiles(size).unwrap().iter().map(Tile::path).collect();
        assert_eq!(
            root,
            [
                "tile/2/000.p/152",
                "tile/1/152.p/150",
                "tile/0/x039/062.p/128"
            ]
        );
        assert_eq!(
            Tile::containing(NodeId::new(9, 3), 2048),
            Ok(Tile::new(1, 0, 8).unwrap())
        );
        assert_eq!(
            Tile::containing(NodeId::new(9, 4), 2048),
            Err(TileError::NodeNotInTree {
                node: NodeId::new(9, 4),
                size: 2048
            })
        );
        assert!(inclusion_tiles(5, 5).is_err());
        assert_eq!(consistency_tiles(3, 3).unwrap(), vec![]);
        assert_eq!(Tile::in_tree(1, 0, 2048), Some(Tile::new(1, 0, 8).unwrap()));
        assert_eq!(Tile::in_tree(1, 1, 2048), None);
    }

    #[test]
    fn node_hashes_are_recomputed_from_tile_rows() {
        let leaves: Vec<Hash> = (0..20u8).map(|i| merkle::leaf_hash(&[i])).collect();
        let tile = Tile::in_tree(0, 0, 20).unwrap();
        let data: Vec<u8> = leaves.concat();
        assert_eq!(tile.node_hash(&data, NodeId::new(0, 7)).unwrap(), leaves[7]);
        let n = merkle::node_hash(
            &merkle::node_hash(&leaves[4], &leaves[5]),
            &merkle::node_hash(&leaves[6], &leaves[7]),
        );
        assert_eq!(tile.node_hash(&data, NodeId::new(2, 1)).unwrap(), n);
        assert!(matches!(
            tile.node_hash(&data, NodeId::new(2, 5)),
            Err(TileError::NodeNotInTile { .. })
        ));
        assert!(matches!(
            tile.node_hash(&data, NodeId::new(8, 0)),
            Err(TileError::NodeNotInTile { .. })
        ));
        assert_eq!(
            tile.node_hash(&data[1..], NodeId::new(0, 0)),
            Err(TileError::DataLength {
                got: 639,
                width: 20
            })
        );
    }

    #[test]
    fn bundles_round_trip_and_refuse_bad_lengths() {
        let entries: Vec<&[u8]> = vec![b"", b"a", &[7u8; 300]];
        let data = encode_bundle(entries.iter().copied()).unwrap();
        assert_eq!(&data[..5], &[0, 0, 0, 1, b'a']);
        assert_eq!(decode_bundle(&data).unwrap(), entries);
        assert_eq!(
            decode_bundle(&data[..data.len() - 1]),
            Err(TileError::BundleTruncated(5))
        );
        assert_eq!(decode_bundle(&[0]), Err(TileError::BundleTruncated(0)));
        let big = vec![0u8; 65_536];
        assert_eq!(
            encode_bundle([big.as_slice()]),
            Err(TileError::EntryTooLong(65_536))
        );
        let many = vec![&b""[..]; 257];
        assert_eq!(
            encode_bundle(many.iter().copied()),
            Err(TileError::BundleTooLong)
        );
        assert_eq!(
            decode_bundle(&[0u8; 2 * 257]),
            Err(TileError::BundleTooLong)
        );
        assert_eq!(decode_bundle(&[0u8; 2 * 256]).unwrap().len(), 256);
        assert_eq!(
            EntryBundle::containing(70_000, 70_000).unwrap_err(),
            TileError::Merkle(MerkleError::IndexOutOfRange {
                index: 70_000,
                size: 70_000
            })
        );
        assert_eq!(
            EntryBundle::containing(69_999, 70_000).unwrap().path(),
            "tile/entries/273.p/112"
        );
    }
}

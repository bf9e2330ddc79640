//! Multiplication by a fixed point without doublings: for P, a table of d·16^i·P (d = 1…15,
//! i = 0…63, 960 affine points, 61 KB), so that [k]P is the sum of at most 64 table entries,
//! one per 4-bit digit of k. Against the 256 doublings of a variable-base multiplication this
//! halves the cost of a verification; making a table costs about six verifications.
//!
//! G always has one. Public keys get one when they come back: the region's TSA, an agency
//! signing its licences and seals, a CA signing certificates sign again and again, so a key
//! seen [`BUILD_AFTER`] times gets a table, kept among at most [`MAX_TABLES`] (all dropped when
//! full, as the other verification caches are). The tables hold public points only.

use crate::point::{Affine, Jacobian, batch_to_affine};
use sm2::Scalar;
use sm2::elliptic_curve::ff::PrimeField;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Sightings of a key before it gets a table.
pub(crate) const BUILD_AFTER: u32 = 3;
/// Most keys with a table at once (≈ 61 KB each).
pub(crate) const MAX_TABLES: usize = 128;
/// Most keys counted at once.
const MAX_COUNTED: usize = 4096;

/// The table of one point.
pub(crate) struct Comb {
    pub(crate) windows: Vec<[Affine; 15]>,
}

impl Comb {
    /// The table of `p` (on the curve, so no entry is at infinity: d·16^i < n).
    pub(crate) fn new(p: &Affine) -> Comb {
        let mut points = Vec::with_capacity(64 * 15);
        let mut base = Jacobian::from_affine(p);
        for _ in 0..64 {
            let mut m = base;
            points.push(m);
            for _ in 2..=15 {
                m = m.add(&base);
                points.push(m);
            }
            base = m.add(&base);
        }
        let affine = batch_to_affine(&points).expect("no multiple below n of a point is infinity");
        let windows = affine
            .chunks_exact(15)
            .map(|w| std::array::from_fn(|d| w[d]))
            .collect();
        Comb { windows }
    }

    /// [k]P.
    pub(crate) fn mul(&self, k: &Scalar) -> Jacobian {
        let be = k.to_repr();
        let mut acc = Jacobian::INFINITY;
        for (i, window) in self.windows.iter().enumerate() {
            let byte = be[31 - i / 2];
            let d = if i % 2 == 0 { byte & 0xf } else { byte >> 4 };
            if d != 0 {
                acc = acc.add_affine(&window[usize::from(d) - 1]);
            }
        }
        acc
    }
}

/// G's table, made on first use.
pub(crate) fn generator() -> &'static Comb {
    static G: OnceLock<Comb> = OnceLock::new();
    G.get_or_init(|| {
        let g = Affine::from_coordinates(&crate::CURVE_PARAMS[2], &crate::CURVE_PARAMS[3])
            .expect("the SM2 generator is on the curve");
        Comb::new(&g)
    })
}

#[derive(Default)]
struct Keys {
    seen: HashMap<[u8; 64], u32>,
    tables: HashMap<[u8; 64], Arc<Comb>>,
}

/// The table of a public key that has come back often enough, made now if this is the sighting
/// that earns it; `None` for a key seen fewer times.
pub(crate) fn for_key(p: &Affine) -> Option<Arc<Comb>> {
    static KEYS: OnceLock<Mutex<Keys>> = OnceLock::new();
    let keys = KEYS.get_or_init(Mutex::default);
    let mut id = [0u8; 64];
    id[..32].copy_from_slice(&p.x.to_bytes());
    id[32..].copy_from_slice(&p.y.to_bytes());
    {
        let mut k = keys.lock().ok()?;
        if let Some(t) = k.tables.get(&id) {
            return Some(t.clone());
        }
        if k.seen.len() >= MAX_COUNTED {
            k.seen.clear();
        }
        let n = k.seen.entry(id).or_insert(0);
        *n += 1;
        if *n < BUILD_AFTER {
            return None;
        }
        k.seen.remove(&id);
    }
    // Made outside the lock; two threads may both make it, the second insert wins.
    let table = Arc::new(Comb::new(p));
    let mut k = keys.lock().ok()?;
    if k.tables.len() >= MAX_TABLES {
        k.tables.clear();
    }
    k.tables.insert(id, table.clone());
    Some(table)
}

#[cfg(test)]
mod tests;

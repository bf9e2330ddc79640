//! Answers waiting for their entries' integration: each registers the (kind, object) it
//! committed; the sequencer, right after a step, hands every waiter of an entry of that step
//! the entry's tlog-proof, computed from the hashes the step had in memory. So a waiting
//! answer costs no query while it waits (it used to poll the entries table).
//!
//! Owns the registrations; pure apart from `tokio::sync::oneshot`.

use super::proof::TlogProof;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// `(kind, object SHA-256 hex)`.
pub type Key = (String, String);

/// The registrations.
#[derive(Default)]
pub struct Waiters {
    map: Mutex<HashMap<Key, Vec<oneshot::Sender<TlogProof>>>>,
}

impl Waiters {
    /// Register a wait for `key`.
    pub fn register(&self, key: Key) -> oneshot::Receiver<TlogProof> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut m) = self.map.lock() {
            m.entry(key).or_default().push(tx);
        }
        rx
    }

    /// Drop the waits for `key` whose receivers are gone (a wait that ended otherwise).
    pub fn forget(&self, key: &Key) {
        if let Ok(mut m) = self.map.lock()
            && let Some(v) = m.get_mut(key)
        {
            v.retain(|s| !s.is_closed());
            if v.is_empty() {
                m.remove(key);
            }
        }
    }

    /// The waits for the keys among `keys` (taken out), in `keys`' order with their position.
    pub fn take<'a>(
        &self,
        keys: impl Iterator<Item = (usize, Key)> + 'a,
    ) -> Vec<(usize, Vec<oneshot::Sender<TlogProof>>)> {
        let Ok(mut m) = self.map.lock() else {
            return vec![];
        };
        if m.is_empty() {
            return vec![];
        }
        keys.filter_map(|(i, k)| m.remove(&k).map(|s| (i, s)))
            .collect()
    }
}

//! Hot documents: the session documents synced lately, kept loaded in memory, so that a sync of
//! a quiet or slightly changed document neither loads it from its chunks nor saves it whole.
//!
//! Each document has a slot: an async lock around its loaded copy (`None` until loaded, and
//! again after anything went wrong with it). An exchange holds the slot's lock from the moment
//! it reads the document until its writes are committed, so a copy in memory is always the
//! committed one whenever nobody holds it; a failed write empties the slot (the next exchange
//! loads the document again from the database). Requests lock the slots they need in id order,
//! so two requests never wait on each other crosswise.
//!
//! Memory is bounded by an estimate of each loaded copy's size, a multiple of its stored bytes.
//! Measured on 40- and 300-proposal sessions, a loaded document takes 3.4-4.9 times its stored
//! size with text that does not compress, 20-22 times with text that repeats; the estimate
//! takes 8 times, plus a floor (about the size of a 15-proposal session). Past the budget the
//! least recently used idle documents are dropped. A document dropped mid-campaign is only loaded again at its next sync.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use automerge::AutoCommit;
use tachkhis_shared::sync::Head;
use tokio::sync::{Mutex as Slot, OwnedMutexGuard};
use uuid::Uuid;

use super::store::DocMeta;

/// A loaded document and what the database says of it (`None`: not stored yet).
pub struct Hot {
    pub doc: AutoCommit,
    pub meta: Option<DocMeta>,
}

/// A document's slot, locked by the exchange that holds it.
pub type Held = OwnedMutexGuard<Option<Hot>>;

/// Bytes in memory per stored byte (see the module's doc), and a floor for tiny documents.
const SIZE_FACTOR: usize = 8;
const MIN_SIZE: usize = 16 * 1024;

pub struct HotDocs {
    budget: usize,
    slots: Mutex<Slots>,
    /// Documents held by exchanges at once. Held documents cannot be evicted, so without a
    /// bound a storm of a thousand tablets uploading six sessions each would hold them all in
    /// memory together while they wait for their commits.
    in_flight: Arc<tokio::sync::Semaphore>,
}

/// Most documents held at once (see `HotDocs::in_flight`): about 25 MB of 40-proposal sessions,
/// and enough for the group commit to gather dozens of requests.
pub const MAX_HELD: usize = 512;

#[derive(Default)]
struct Slots {
    map: HashMap<Uuid, Entry>,
    used: usize,
    tick: u64,
}

struct Entry {
    cell: Arc<Slot<Option<Hot>>>,
    size: usize,
    last_used: u64,
}

/// An entry only the map refers to is idle: nobody holds it or waits for it (clones are made
/// under the map's lock, in `HotDocs::hold`).
fn idle(e: &Entry) -> bool {
    Arc::strong_count(&e.cell) == 1
}

/// What the cache holds now (for the benchmarks and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotStats {
    pub documents: usize,
    pub bytes: usize,
    pub budget: usize,
}

fn size_of(hot: &Option<Hot>) -> usize {
    match hot {
        None => 0,
        Some(Hot { meta: None, .. }) => MIN_SIZE,
        Some(Hot { meta: Some(m), .. }) => {
            let stored = (m.snapshot_bytes + m.incremental_bytes).max(0) as usize;
            stored.saturating_mul(SIZE_FACTOR).max(MIN_SIZE)
        }
    }
}

impl HotDocs {
    /// `budget_bytes` 0 keeps nothing between requests (every sync loads its documents).
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            budget: budget_bytes,
            slots: Mutex::new(Slots::default()),
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_HELD)),
        }
    }

    /// Waits until `count` more documents may be held (at most [`MAX_HELD`] at once); the
    /// permit goes with the returned value.
    pub async fn admit(&self, count: usize) -> tokio::sync::OwnedSemaphorePermit {
        let n = count.clamp(1, MAX_HELD) as u32;
        self.in_flight
            .clone()
            .acquire_many_owned(n)
            .await
            .expect("the semaphore is never closed")
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        // The map stays consistent whatever panicked while it was held (plain inserts/removes).
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the slots of `ids` (sorted and deduplicated here), waiting for any exchange that
    /// holds one of them to finish.
    pub async fn hold(&self, ids: &[Uuid]) -> Vec<(Uuid, Held)> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let cells: Vec<(Uuid, Arc<Slot<Option<Hot>>>)> = {
            let mut s = self.slots();
            ids.into_iter()
                .map(|id| {
                    s.tick += 1;
                    let tick = s.tick;
                    let e = s.map.entry(id).or_insert_with(|| Entry {
                        cell: Arc::new(Slot::new(None)),
                        size: 0,
                        last_used: tick,
                    });
                    e.last_used = tick;
                    (id, e.cell.clone())
                })
                .collect()
        };
        let mut held = Vec::with_capacity(cells.len());
        for (id, cell) in cells {
            held.push((id, cell.lock_owned().await));
        }
        held
    }

    /// Gives a slot back. `keep` false (or a zero budget) empties it: the document is loaded
    /// again next time. Then idle documents are dropped, least recently used first, until the
    /// estimate fits the budget.
    pub fn release(&self, id: Uuid, mut held: Held, keep: bool) {
        if !keep || self.budget == 0 {
            *held = None;
        }
        let size = size_of(&held);
        let mut s = self.slots();
        if let Some(e) = s.map.get_mut(&id) {
            let old = e.size;
            e.size = size;
            s.used = s.used - old.min(s.used) + size;
        }
        drop(held);
        // An emptied slot nobody waits for goes at once: it only kept the map from growing.
        if size == 0 && s.map.get(&id).is_some_and(idle) {
            s.map.remove(&id);
        }
        if s.used > self.budget {
            self.evict(&mut s);
        }
    }

    /// Drops idle documents, least recently used first, until the estimate fits the budget.
    fn evict(&self, s: &mut Slots) {
        while s.used > self.budget {
            let Some(oldest) = s
                .map
                .iter()
                .filter(|(_, e)| idle(e))
                .min_by_key(|(_, e)| e.last_used)
                .map(|(id, _)| *id)
            else {
                break;
            };
            if let Some(e) = s.map.remove(&oldest) {
                s.used -= e.size.min(s.used);
            }
        }
    }

    /// The stored heads (sorted) of a loaded document nobody is working on, if it has no
    /// quarantine: what a "nothing new" sync compares against without touching the database.
    pub fn quiet_heads(&self, id: Uuid) -> Option<Vec<Head>> {
        let mut s = self.slots();
        s.tick += 1;
        let tick = s.tick;
        let e = s.map.get_mut(&id)?;
        let heads = {
            let guard = e.cell.try_lock().ok()?;
            let meta = guard.as_ref()?.meta.as_ref()?;
            if meta.quarantined.is_some() {
                return None;
            }
            meta.heads.clone()
        };
        e.last_used = tick;
        Some(heads)
    }

    pub fn stats(&self) -> HotStats {
        let s = self.slots();
        HotStats {
            documents: s.map.values().filter(|e| e.size > 0).count(),
            bytes: s.used,
            budget: self.budget,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(bytes: i64) -> DocMeta {
        DocMeta {
            heads: vec![],
            snapshot_bytes: bytes,
            incremental_bytes: 0,
            quarantined: None,
        }
    }

    fn loaded(bytes: i64) -> Option<Hot> {
        Some(Hot {
            doc: AutoCommit::new(),
            meta: Some(meta(bytes)),
        })
    }

    #[tokio::test]
    async fn least_recently_used_idle_documents_go_first() {
        let one = 10_000; // 240 KB each once loaded
        let hot = HotDocs::new(3 * one as usize * SIZE_FACTOR);
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
        for id in &ids[..3] {
            let (_, mut h) = hot.hold(&[*id]).await.pop().unwrap();
            *h = loaded(one);
            hot.release(*id, h, true);
        }
        assert_eq!(hot.stats().documents, 3);
        // Touch the first again: the second is now the oldest.
        assert!(hot.quiet_heads(ids[0]).is_some());
        // A fourth does not fit: the least recently used idle one makes room.
        let (_, mut h) = hot.hold(&[ids[3]]).await.pop().unwrap();
        *h = loaded(one);
        hot.release(ids[3], h, true);
        assert_eq!(hot.stats().documents, 3);
        assert!(
            hot.quiet_heads(ids[1]).is_none(),
            "the oldest idle one went"
        );
        assert!(hot.quiet_heads(ids[0]).is_some());
        assert!(hot.quiet_heads(ids[3]).is_some());
    }

    #[tokio::test]
    async fn a_held_document_is_never_evicted_nor_read_as_quiet() {
        let hot = HotDocs::new(1);
        let id = Uuid::new_v4();
        let (_, mut h) = hot.hold(&[id]).await.pop().unwrap();
        *h = loaded(100);
        // Someone else's release forces eviction while `id` is held.
        let other = Uuid::new_v4();
        let (_, o) = hot.hold(&[other]).await.pop().unwrap();
        hot.release(other, o, true);
        assert!(
            hot.quiet_heads(id).is_none(),
            "held: its heads may be uncommitted"
        );
        assert!(h.is_some(), "a held slot keeps its document");
        hot.release(id, h, true);
        // Over budget and idle now: dropped.
        assert_eq!(hot.stats().documents, 0);
    }

    #[tokio::test]
    async fn not_kept_means_loaded_again() {
        let hot = HotDocs::new(usize::MAX);
        let id = Uuid::new_v4();
        let (_, mut h) = hot.hold(&[id]).await.pop().unwrap();
        *h = loaded(100);
        hot.release(id, h, false);
        let (_, h) = hot.hold(&[id]).await.pop().unwrap();
        assert!(h.is_none());
    }
}

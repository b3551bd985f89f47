//! Documents stored as chunks (one compacted snapshot plus incremental chunks), the per-peer
//! sync state, and the sync steps the server runs for each document of a request.

use automerge::{AutoCommit, ChangeHash};
use rusqlite::{OptionalExtension, Transaction, params};
use tachkhis_shared::codes::ErrorCode;
use tachkhis_shared::{
    session::{Session, SessionDoc},
    sync::guard::Summary,
    sync::{self as engine, DocStatus, Head, State},
};
use uuid::Uuid;

use crate::{
    db::now_secs,
    documents::{hot::Hot, projection},
    http::error::{AppError, AppResult},
};

/// Sync states untouched for this long are dropped; a peer that comes back starts afresh.
pub const SYNC_STATE_IDLE_SECS: i64 = 120 * 86_400;

/// Compaction starts once the increments outweigh the snapshot and this many bytes.
const COMPACT_MIN_BYTES: i64 = 16 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct DocMeta {
    pub heads: Vec<Head>,
    pub snapshot_bytes: i64,
    pub incremental_bytes: i64,
    pub quarantined: Option<String>,
}

pub fn doc_meta(tx: &Transaction<'_>, doc_id: Uuid) -> AppResult<Option<DocMeta>> {
    let row = tx
        .query_row(
            "SELECT heads, snapshot_bytes, incremental_bytes, quarantine_reason FROM documents WHERE id = ?1",
            [doc_id.to_string()],
            |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((heads, snapshot_bytes, incremental_bytes, quarantined)) => Ok(Some(DocMeta {
            heads: engine::decode(&heads).map_err(AppError::internal)?,
            snapshot_bytes,
            incremental_bytes,
            quarantined,
        })),
    }
}

/// Loads a stored document; an unknown id gives an empty document. A stored document that no
/// longer loads (written by an earlier version that let a bad change through) is that
/// document's 400 `document_unreadable`, never a 500 for every later sync.
pub fn load_doc(tx: &Transaction<'_>, doc_id: Uuid) -> AppResult<AutoCommit> {
    let mut stmt =
        tx.prepare_cached("SELECT data FROM doc_chunks WHERE doc_id = ?1 ORDER BY id")?;
    let mut rows = stmt.query([doc_id.to_string()])?;
    let mut doc: Option<AutoCommit> = None;
    let unreadable = |what: String| AppError::BadRequest {
        code: ErrorCode::DocumentUnreadable,
        message: format!("document {doc_id}: the server's copy cannot be read ({what})"),
        doc_id: Some(doc_id),
    };
    while let Some(row) = rows.next()? {
        let data: Vec<u8> = row.get(0)?;
        let loaded = match doc.as_mut() {
            None => guarded(|| AutoCommit::load(&data)).map(|r| r.map(|d| doc = Some(d))),
            Some(d) => guarded(|| d.load_incremental(&data)).map(|r| r.map(|_| ())),
        };
        match loaded {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(unreadable(e.to_string())),
            Err(panic) => return Err(unreadable(panic)),
        }
    }
    Ok(doc.unwrap_or_default())
}

/// A peer's persisted sync state for a document, with its bytes as stored (compared after the
/// exchange: an unchanged state is not written again).
pub fn load_state(
    tx: &Transaction<'_>,
    user_id: i64,
    peer: &str,
    doc_id: Uuid,
) -> AppResult<(State, Option<Vec<u8>>)> {
    let bytes: Option<Vec<u8>> = tx
        .prepare_cached(
            "SELECT state FROM sync_states WHERE user_id = ?1 AND peer_id = ?2 AND doc_id = ?3",
        )?
        .query_row(params![user_id, peer, doc_id.to_string()], |r| r.get(0))
        .optional()?;
    Ok((engine::decode_state(bytes.as_deref()), bytes))
}

fn save_state(
    tx: &Transaction<'_>,
    user_id: i64,
    peer: &str,
    doc_id: Uuid,
    state: &[u8],
) -> AppResult<()> {
    tx.prepare_cached(
        "INSERT INTO sync_states (user_id, peer_id, doc_id, state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (user_id, peer_id, doc_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
    )?
    .execute(params![user_id, peer, doc_id.to_string(), state, now_secs()])?;
    Ok(())
}

pub fn evict_idle_sync_states(tx: &Transaction<'_>) -> AppResult<usize> {
    Ok(tx.execute(
        "DELETE FROM sync_states WHERE updated_at < ?1",
        [now_secs() - SYNC_STATE_IDLE_SECS],
    )?)
}

/// What a document's new changes become on disk, encoded before the write (Automerge's saving
/// is the costly part, and it needs no table): the whole document for a new one or when the
/// increments outgrow the snapshot (compaction), else the changes since `before`.
pub enum Encoded {
    New(Vec<u8>),
    Compacted(Vec<u8>),
    Increment(Vec<u8>),
}

/// Encodes what `doc` gained since `before` (see [`Encoded`]).
pub fn encode_changes(
    doc_id: Uuid,
    doc: &mut AutoCommit,
    before: &[ChangeHash],
    meta: Option<&DocMeta>,
) -> AppResult<Encoded> {
    Ok(match meta {
        None => Encoded::New(save(doc_id, || doc.save())?),
        Some(m) => {
            let data = save(doc_id, || doc.save_after(before))?;
            let incremental = m.incremental_bytes + data.len() as i64;
            if incremental > m.snapshot_bytes && incremental > COMPACT_MIN_BYTES {
                Encoded::Compacted(save(doc_id, || doc.save())?)
            } else {
                Encoded::Increment(data)
            }
        }
    })
}

/// Stores what `doc` gained since `before` ([`encode_changes`]'s bytes), then validates and
/// projects (or quarantines) it. One transaction: the caller's. `meta` (what the database said
/// of the document, `None` for a new one) becomes what it says now.
pub fn persist_changes(
    tx: &Transaction<'_>,
    doc_id: Uuid,
    doc: &mut AutoCommit,
    before: &[ChangeHash],
    meta: &mut Option<DocMeta>,
    encoded: Encoded,
) -> AppResult<DocStatus> {
    let now = now_secs();
    let heads = doc.get_heads();
    let id = doc_id.to_string();
    let wire_heads = engine::sorted_heads(engine::heads_to_wire(&heads));
    let heads_blob = engine::encode(&wire_heads).map_err(AppError::internal)?;
    let (snapshot_bytes, incremental_bytes) = match (meta.as_ref(), encoded) {
        (None, Encoded::New(data)) => {
            tx.execute(
                "INSERT INTO documents (id, heads, snapshot_bytes, incremental_bytes, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 0, ?4, ?4)",
                params![id, heads_blob, data.len() as i64, now],
            )?;
            insert_chunk(tx, &id, "snapshot", &data, now)?;
            (data.len() as i64, 0)
        }
        (Some(_), Encoded::Compacted(snapshot)) => {
            tx.execute("DELETE FROM doc_chunks WHERE doc_id = ?1", [&id])?;
            insert_chunk(tx, &id, "snapshot", &snapshot, now)?;
            tx.execute(
                "UPDATE documents SET heads = ?2, snapshot_bytes = ?3, incremental_bytes = 0, updated_at = ?4 WHERE id = ?1",
                params![id, heads_blob, snapshot.len() as i64, now],
            )?;
            (snapshot.len() as i64, 0)
        }
        (Some(m), Encoded::Increment(data)) => {
            let incremental = m.incremental_bytes + data.len() as i64;
            insert_chunk(tx, &id, "incremental", &data, now)?;
            tx.prepare_cached(
                "UPDATE documents SET heads = ?2, incremental_bytes = ?3, updated_at = ?4 WHERE id = ?1",
            )?
            .execute(params![id, heads_blob, incremental, now])?;
            (m.snapshot_bytes, incremental)
        }
        _ => {
            return Err(AppError::internal(
                "encoded changes that do not match the stored document",
            ));
        }
    };
    let status = project_or_quarantine(tx, doc_id, doc, Some(before))?;
    *meta = Some(DocMeta {
        heads: wire_heads,
        snapshot_bytes,
        incremental_bytes,
        quarantined: match &status {
            DocStatus::Quarantined { reason } => Some(reason.clone()),
            _ => None,
        },
    });
    Ok(status)
}

/// Saving re-encodes what was received, and Automerge checks itself while doing so (debug
/// builds assert): a failure there refuses the message like any other bad message.
fn save(doc_id: Uuid, f: impl FnOnce() -> Vec<u8>) -> AppResult<Vec<u8>> {
    guarded(f).map_err(|panic| AppError::BadRequest {
        code: ErrorCode::BadSyncMessage,
        message: format!("document {doc_id}: the changes could not be stored ({panic})"),
        doc_id: Some(doc_id),
    })
}

fn insert_chunk(
    tx: &Transaction<'_>,
    id: &str,
    kind: &str,
    data: &[u8],
    now: i64,
) -> AppResult<()> {
    tx.prepare_cached(
        "INSERT INTO doc_chunks (doc_id, kind, data, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, kind, data, now])?;
    Ok(())
}

/// Validates the document against the session schema: projects it, or keeps it aside.
///
/// `before`: the heads the document had when the projection last saw it, so that only what
/// the changes since touched is read, checked and rewritten (see [`project_changes`]); the
/// projection tables must then hold the projection of the document at `before` (they do
/// when every change goes through here). `None`: the whole document (a rebuild, or any
/// doubt). Either way the same rows and the same verdict.
pub fn project_or_quarantine(
    tx: &Transaction<'_>,
    doc_id: Uuid,
    doc: &mut AutoCommit,
    before: Option<&[ChangeHash]>,
) -> AppResult<DocStatus> {
    // Borrow the document into the typed view without copying it.
    let mut view = SessionDoc::from_automerge(std::mem::take(doc));
    let status = project_view(tx, doc_id, &mut view, before);
    *doc = view.into_automerge();
    status
}

fn project_view(
    tx: &Transaction<'_>,
    doc_id: Uuid,
    view: &mut SessionDoc,
    before: Option<&[ChangeHash]>,
) -> AppResult<DocStatus> {
    if let Some(before) = before.filter(|b| !b.is_empty()) {
        match project_changes(tx, doc_id, view, before)? {
            Ok(()) => return Ok(DocStatus::Ok),
            Err(why) => tracing::debug!(%doc_id, %why, "whole projection"),
        }
    }
    let session = guarded(|| view.read());
    let id = doc_id.to_string();
    let problem = match session {
        Ok(Ok(s)) if s.id == doc_id => match set_aside_reason(tx, &s)? {
            Some(reason) => reason,
            None => match project_in_savepoint(tx, &s)? {
                None => {
                    tx.execute("UPDATE documents SET quarantine_reason = NULL, quarantined_at = NULL WHERE id = ?1", [&id])?;
                    return Ok(DocStatus::Ok);
                }
                Some(reason) => reason,
            },
        },
        Ok(Ok(s)) => format!(
            "the document says it is session {} but was sent as {doc_id}",
            s.id
        ),
        Ok(Err(e)) => e.to_string(),
        Err(panic) => format!("the document could not be read ({panic})"),
    };
    projection::remove(tx, doc_id)?;
    tx.execute(
        "UPDATE documents SET quarantine_reason = ?2, quarantined_at = coalesce(quarantined_at, ?3) WHERE id = ?1",
        params![id, problem, now_secs()],
    )?;
    tracing::warn!(%doc_id, reason = %problem, "document quarantined");
    Ok(DocStatus::Quarantined { reason: problem })
}

/// The incremental way: rewrites only the rows of what the changes since `before` touched
/// (`projection::plan`, `projection::apply`). Taken only for a document projected as it was
/// at `before` (not set aside); `Ok(Err(why))` when the whole projection must decide, having
/// written nothing: a touched part breaks a rule (the whole read says which, with its
/// message), the root or `closed_at` changed, an entry was put over or removed from the
/// proposals map, Automerge panicked, or the database refused a row.
pub fn project_changes(
    tx: &Transaction<'_>,
    doc_id: Uuid,
    view: &mut SessionDoc,
    before: &[ChangeHash],
) -> AppResult<Result<(), String>> {
    let projected = tx
        .prepare_cached(
            "SELECT 1 FROM documents d JOIN sessions s ON s.id = d.id
             WHERE d.id = ?1 AND d.quarantine_reason IS NULL",
        )?
        .query_row([doc_id.to_string()], |_| Ok(()))
        .optional()?
        .is_some();
    if !projected {
        return Ok(Err("not projected before".into()));
    }
    let plan = match guarded(|| {
        let touched = view.touched_since(before);
        projection::plan(view, &touched)
    }) {
        Ok(Ok(plan)) => plan,
        Ok(Err(why)) => return Ok(Err(why)),
        Err(panic) => return Ok(Err(format!("the changes could not be read ({panic})"))),
    };
    tx.execute_batch("SAVEPOINT project_changes")?;
    let applied = projection::apply(tx, doc_id, &plan, now_secs());
    match applied {
        Ok(Ok(())) => {
            tx.execute_batch("RELEASE project_changes")?;
            Ok(Ok(()))
        }
        Ok(Err(why)) => {
            tx.execute_batch("ROLLBACK TO project_changes; RELEASE project_changes")?;
            Ok(Err(why))
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO project_changes; RELEASE project_changes")?;
            Ok(Err(format!("the database refused a row ({e})")))
        }
    }
}

/// Why a session that reads well is still not projected: beyond the app's limits, or a
/// proposal id that another stored session already holds.
fn set_aside_reason(tx: &Transaction<'_>, s: &Session) -> AppResult<Option<String>> {
    if let Err(e) = s.check_limits() {
        return Ok(Some(e.to_string()));
    }
    if let Some((proposal, other)) = projection::proposal_held_elsewhere(tx, s)? {
        return Ok(Some(format!(
            "proposal {proposal} already belongs to session {other}: a proposal id can be in one session only"
        )));
    }
    Ok(None)
}

/// Projects in a savepoint, so that whatever the database refuses about one document (a
/// constraint no check above foresaw) sets that document aside instead of failing the request
/// and the other documents of its batch.
fn project_in_savepoint(tx: &Transaction<'_>, s: &Session) -> AppResult<Option<String>> {
    tx.execute_batch("SAVEPOINT project")?;
    match projection::project(tx, s, now_secs()) {
        Ok(()) => {
            tx.execute_batch("RELEASE project")?;
            Ok(None)
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO project; RELEASE project")?;
            tracing::error!(doc_id = %s.id, error = %e, "projection failed; document set aside");
            Ok(Some(format!("the session could not be listed ({e})")))
        }
    }
}

/// The server's part of one exchange for one document, in two steps. [`step`] applies the
/// peer's message (if any) to the document held in memory and makes the next message for the
/// peer, touching no table; [`record`] then writes what changed (the new changes, the
/// projection, the sync state) in the request's grouped write. The reply leaves only after that
/// write is committed. The message comes with its [`Summary`] from `guard::check`, run before.
pub struct Step {
    pub reply: Option<Vec<u8>>,
    pub status: DocStatus,
    /// The heads before the message, when it brought changes (they must be stored), with
    /// the changes encoded for storage.
    changed_from: Option<(Vec<ChangeHash>, Encoded)>,
    /// The sync state to store, when it differs from the stored one.
    state: Option<Vec<u8>>,
    /// Changes wait in Automerge's queue for dependencies that never came: the document in
    /// memory must not outlive the request (the server forgets that queue between rounds,
    /// see `engine::generate_for_server`).
    queued: bool,
}

impl Step {
    /// Nothing to write: the document and the peer's state are as stored.
    pub fn writes_nothing(&self) -> bool {
        self.changed_from.is_none() && self.state.is_none()
    }

    /// The document in memory may be kept for the next request.
    pub fn keep(&self) -> bool {
        !self.queued
    }
}

/// Loads a document and what the database says of it, for the hot cache.
pub fn load_hot(tx: &Transaction<'_>, doc_id: Uuid) -> AppResult<Hot> {
    let meta = doc_meta(tx, doc_id)?;
    let doc = if meta.is_some() {
        load_doc(tx, doc_id)?
    } else {
        AutoCommit::new()
    };
    Ok(Hot { doc, meta })
}

/// The Automerge part of an exchange. On error the caller must drop `hot` (a message applied
/// halfway may have changed it).
pub fn step(
    hot: &mut Hot,
    (mut state, stored_state): (State, Option<Vec<u8>>),
    doc_id: Uuid,
    message: Option<(&[u8], &Summary)>,
) -> AppResult<Step> {
    let doc = &mut hot.doc;
    let before = doc.get_heads();
    let status = match hot.meta.as_ref().and_then(|m| m.quarantined.clone()) {
        Some(reason) => DocStatus::Quarantined { reason },
        None => DocStatus::Ok,
    };
    let refused = |what: String| AppError::BadRequest {
        code: ErrorCode::BadSyncMessage,
        message: format!("document {doc_id}: {what}"),
        doc_id: Some(doc_id),
    };
    let mut quiet = false;
    if let Some((message, summary)) = message {
        // Applied where a panic inside Automerge becomes this document's 400.
        guarded(|| {
            engine::receive(doc, &mut state, message).map_err(|e| e.to_string())?;
            if summary.change_chunks > 0 {
                canonical(doc, &before)?;
            }
            Ok::<_, String>(())
        })
        .map_err(|panic| refused(format!("the sync message could not be applied ({panic})")))?
        .map_err(refused)?;
        quiet = engine::is_quiet(message, &doc.get_heads());
    }
    let after = doc.get_heads();
    // Generating reads what the peer's message declared (its Bloom filter), so it is guarded too.
    let reply = if quiet {
        None
    } else {
        guarded(|| engine::generate_for_server(doc, &mut state))
            .map_err(|panic| refused(format!("no answer could be made ({panic})")))?
    };
    // Sync state only for documents that exist, or that this message created: a peer naming
    // random ids leaves nothing behind. And only when it changed.
    let queued = !doc.get_missing_deps(&[]).is_empty();
    let changed_from = if after != before {
        let encoded = encode_changes(doc_id, doc, &before, hot.meta.as_ref())?;
        Some((before, encoded))
    } else {
        None
    };
    let encoded = engine::encode_state(&state);
    let state = ((hot.meta.is_some() || !after.is_empty())
        && stored_state.as_deref() != Some(&encoded[..]))
    .then_some(encoded);
    Ok(Step {
        reply,
        status,
        changed_from,
        state,
        queued,
    })
}

/// The SQL part of an exchange, in the caller's transaction: stores the new changes (which
/// validates and projects them, or quarantines the document) and the sync state. On error the
/// caller must drop `hot`.
pub fn record(
    tx: &Transaction<'_>,
    hot: &mut Hot,
    step: &mut Step,
    user_id: i64,
    peer: &str,
    doc_id: Uuid,
) -> AppResult<()> {
    if let Some((before, encoded)) = step.changed_from.take() {
        step.status = persist_changes(tx, doc_id, &mut hot.doc, &before, &mut hot.meta, encoded)?;
    }
    if let Some(state) = &step.state {
        save_state(tx, user_id, peer, doc_id, state)?;
    }
    Ok(())
}

/// Automerge keeps a received change's bytes and hashes them as they came, but writes the
/// change its own way when the document is saved: a change spelled differently (a run of one
/// written as a repeat, padded numbers) would change hash on the way to disk, and the saved
/// document would no longer load ("mismatching heads"). So every new change must be exactly
/// what Automerge itself would write.
fn canonical(doc: &mut AutoCommit, before: &[ChangeHash]) -> Result<(), String> {
    for change in doc.get_changes(before) {
        let rewritten = automerge::Change::from(change.decode());
        if rewritten.hash() != change.hash() {
            return Err(format!(
                "change {} is not written the way Automerge writes it",
                change.hash()
            ));
        }
    }
    Ok(())
}

/// Runs `f`, turning a panic into an error that says what it was (Automerge's decoding and sync
/// code has panicked on crafted input; the server must answer 400, not die or answer 500).
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        tracing::warn!(panic = %what, "sync code panicked on a message");
        what
    })
}

/// Rebuilds every projection from the stored documents (the command `rebuild-projections`).
pub fn rebuild_projections(tx: &Transaction<'_>) -> AppResult<(usize, usize)> {
    projection::clear(tx)?;
    let ids: Vec<String> = tx
        // In arrival order: where two documents claim one proposal id, the first keeps it, as it
        // did when they arrived.
        .prepare("SELECT id FROM documents ORDER BY created_at, rowid")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let (mut projected, mut quarantined) = (0, 0);
    for id in ids {
        let doc_id = Uuid::parse_str(&id).map_err(AppError::internal)?;
        let mut doc = match load_doc(tx, doc_id) {
            Ok(doc) => doc,
            // One unreadable document is set aside with its reason; the others are rebuilt.
            Err(AppError::BadRequest { message, .. }) => {
                projection::remove(tx, doc_id)?;
                tx.execute(
                    "UPDATE documents SET quarantine_reason = ?2, quarantined_at = coalesce(quarantined_at, ?3) WHERE id = ?1",
                    params![id, message, now_secs()],
                )?;
                quarantined += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        match project_or_quarantine(tx, doc_id, &mut doc, None)? {
            DocStatus::Ok => projected += 1,
            DocStatus::Quarantined { .. } => quarantined += 1,
            // Never made by a projection.
            DocStatus::Deferred | DocStatus::Refused { .. } => {}
        }
    }
    Ok((projected, quarantined))
}

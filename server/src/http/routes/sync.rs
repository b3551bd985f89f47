//! `POST /api/sync` (all of a tablet's documents in one request) and `POST /api/docs/{id}/sync`
//! (one raw Automerge sync message, for any standard Automerge implementation).

use std::sync::Arc;

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rusqlite::Transaction;
use tachkhis_shared::codes::ErrorCode;
use tachkhis_shared::{
    sync::guard::{self, Limits, Summary},
    sync::{self as engine, DocReply, DocStatus, Head, WIRE_VERSION, WireError},
};
use uuid::Uuid;

use super::Api;
use crate::{
    AppState,
    db::now_secs,
    documents::{hot, store},
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Path, RawBody, can},
    users::auth::{self, AuthDevice},
};

/// A login allowed to sync, with its device (whose sync use is recorded).
type Syncer = Allowed<can::SyncSessions, AuthDevice>;

/// Most documents one batch may carry (a tablet holds a few hundred sessions).
pub const MAX_DOCS_PER_BATCH: usize = 5_000;
const MAX_PEER_ID_CHARS: usize = 128;

pub fn router(max_body: usize) -> Api {
    Api::new()
        .post("/sync", sync_batch)
        .post("/docs/{id}/sync", sync_one)
        .body_limit(max_body)
}

fn octets(body: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        )],
        body,
    )
        .into_response()
}

/// Batch sync. Body and answer are postcard-encoded `BatchRequest` / `BatchResponse` (see
/// `tachkhis_shared::sync::wire`), answered in the request's wire version. A refused message
/// is its document's `Refused` status (v2) or fails the whole batch with 400 naming the
/// document (v1); either way nothing of that document is stored.
#[utoipa::path(
    post, path = "/api/sync", tag = "sync",
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "postcard-encoded BatchRequest: peer id, and per document its id, heads and an optional Automerge sync message"),
    responses(
        (status = 200, description = "postcard-encoded BatchResponse: the server's next message for each document that needs one", content_type = "application/octet-stream"),
        (status = 400, description = "undecodable batch or sync message", body = tachkhis_shared::api::ErrorBody),
        (status = 401, description = "no valid token: `invalid_token`, `token_expired`, or `token_revoked` (the tablet was revoked; nothing of this request is stored)", body = tachkhis_shared::api::ErrorBody),
        (status = 403, description = "this role does not send documents (`forbidden`)", body = tachkhis_shared::api::ErrorBody),
        (status = 413, description = "body too large", body = tachkhis_shared::api::ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn sync_batch(
    State(app): State<AppState>,
    Allowed { caller, .. }: Syncer,
    RawBody(body): RawBody,
) -> AppResult<Response> {
    let request = engine::decode_request(&body).map_err(|e| match e {
        WireError::Unsupported(v) => AppError::bad_request(
            ErrorCode::SyncVersionUnsupported,
            format!(
                "this server reads sync versions 1 to {WIRE_VERSION}, not {v}: update the server"
            ),
        ),
        e => AppError::bad_request(
            ErrorCode::BadSyncRequest,
            format!("unreadable sync batch: {e}"),
        ),
    })?;
    if request.docs.len() > MAX_DOCS_PER_BATCH {
        return Err(AppError::bad_request(
            ErrorCode::TooManyDocuments,
            format!("at most {MAX_DOCS_PER_BATCH} documents per sync"),
        ));
    }
    let version = request.version;
    // From v2 a refused message is its document's status and the others go on; a v1 tablet
    // knows only the whole request's 400 naming the document.
    let per_doc = version >= 2;
    let peer = request.peer_id.to_string();
    let limits = app.config.sync_limits.clone();
    // Every message is checked before the write lock is taken: a crafted one costs its sender
    // a refusal, never the other tablets' time.
    // Past the request's budget of decoded items the remaining messages are not applied: their
    // documents are deferred, which the tablet reads as "send it again" (it does, in its next
    // round). The first message is always applied, so every request moves on.
    let (entries, mut early) = tokio::task::spawn_blocking(move || {
        let mut spent: u64 = 0;
        let mut entries = Vec::with_capacity(request.docs.len());
        let mut early = Vec::new();
        for entry in request.docs {
            let mut checked = None;
            if let Some(message) = &entry.message {
                let summary = match check_message(entry.doc_id, message, &limits) {
                    Ok(summary) => summary,
                    Err(e) if per_doc => {
                        early.push(refused(entry.doc_id, e)?);
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let items = summary.column_items;
                if spent > 0 && spent.saturating_add(items) > limits.max_request_items {
                    early.push(DocReply {
                        doc_id: entry.doc_id,
                        message: None,
                        status: DocStatus::Deferred,
                    });
                    continue;
                }
                spent = spent.saturating_add(items);
                checked = Some(summary);
            }
            entries.push((entry, checked));
        }
        Ok::<_, AppError>((entries, early))
    })
    .await??;
    let mut writer = Writer::new(caller, peer, per_doc);
    // First the cheap part: documents whose heads the server already has need nothing, read
    // from the documents kept loaded or else from one read of the database.
    let mut work = Vec::with_capacity(entries.len());
    let mut unknown = Vec::new();
    for (entry, checked) in entries {
        let item = Item {
            doc_id: entry.doc_id,
            message: entry.message.zip(checked),
        };
        match app.hot.quiet_heads(entry.doc_id) {
            Some(ours) if item.is_quiet(&ours, &entry.heads) => {}
            Some(_) => work.push(item),
            None => unknown.push((item, entry.heads)),
        }
    }
    if !unknown.is_empty() {
        work.append(&mut not_quiet_in_db(&app, unknown).await?);
    }
    let mut docs = Vec::new();
    let mut rest = work.into_iter().peekable();
    while rest.peek().is_some() {
        let chunk: Vec<Item> = rest.by_ref().take(DOCS_PER_WRITE).collect();
        docs.append(&mut writer.exchange(&app, chunk).await?);
    }
    if writer.touch {
        writer.write_nothing(&app).await?;
    }
    docs.append(&mut early);
    let body = engine::encode_response(version, docs).map_err(AppError::internal)?;
    Ok(octets(body))
}

/// The items that are not quiet against the stored heads (one read for all; a document not
/// in memory is not loaded for this).
async fn not_quiet_in_db(app: &AppState, items: Vec<(Item, Vec<Head>)>) -> AppResult<Vec<Item>> {
    app.db
        .read(move |tx| {
            let mut out = Vec::new();
            for (item, heads) in items {
                // A quarantined document's message is answered with its status, as always.
                if let Some(meta) = store::doc_meta(tx, item.doc_id)?
                    && (item.message.is_none() || meta.quarantined.is_none())
                    && item.is_quiet(&meta.heads, &heads)
                {
                    continue;
                }
                out.push(item);
            }
            Ok(out)
        })
        .await
}

/// Documents held and written together: one grouped write, and the locks of that many
/// documents at once at most.
const DOCS_PER_WRITE: usize = 64;

/// One document of a request: its id and its message with the guard's summary.
struct Item {
    doc_id: Uuid,
    message: Option<(Vec<u8>, Summary)>,
}

impl Item {
    /// Nothing to do for this document: no message and the same heads, or a message that only
    /// says "I have what you have" (see `engine::is_quiet`).
    fn is_quiet(&self, ours: &[Head], theirs: &[Head]) -> bool {
        match &self.message {
            None => ours == engine::sorted_heads(theirs.to_vec()).as_slice(),
            Some((message, summary)) => {
                summary.change_chunks == 0
                    && engine::is_quiet(message, &engine::heads_from_wire(ours))
            }
        }
    }
}

/// The request's writes: who writes (checked again inside each write: a device revoked while
/// the request waited stores nothing), and the device's last use, recorded once.
struct Writer {
    caller: AuthDevice,
    peer: Arc<str>,
    now: i64,
    touch: bool,
    per_doc: bool,
}

/// A document held for the exchange.
struct HeldDoc {
    item: Item,
    held: Option<hot::Held>,
    step: Option<store::Step>,
    refused: Option<DocReply>,
    /// Not to be kept in memory after this request (see `store::Step::keep`).
    discard: bool,
}

/// The documents of one exchange, held. Whatever happens before their writes are committed
/// (a refused message, an error, a failed commit, a dropped request), their loaded copies are
/// dropped on the way out: only a committed exchange keeps them, and only those that went well.
struct Holding {
    hot: Arc<hot::HotDocs>,
    docs: Vec<HeldDoc>,
    committed: bool,
}

impl Drop for Holding {
    fn drop(&mut self) {
        for d in &mut self.docs {
            if let Some(held) = d.held.take() {
                let keep = self.committed && d.refused.is_none() && !d.discard;
                self.hot.release(d.item.doc_id, held, keep);
            }
        }
    }
}

impl Writer {
    fn new(caller: AuthDevice, peer: String, per_doc: bool) -> Self {
        let now = now_secs();
        Self {
            touch: caller.needs_touch(&peer, now),
            caller,
            peer: peer.into(),
            now,
            per_doc,
        }
    }

    async fn exchange(&mut self, app: &AppState, items: Vec<Item>) -> AppResult<Vec<DocReply>> {
        let ids: Vec<Uuid> = items.iter().map(|i| i.doc_id).collect();
        // Released when this exchange ends, after its documents (declared first, dropped last).
        let _admitted = app.hot.admit(ids.len()).await;
        let mut held: std::collections::HashMap<Uuid, hot::Held> =
            app.hot.hold(&ids).await.into_iter().collect();
        let docs = items
            .into_iter()
            .map(|item| HeldDoc {
                held: held.remove(&item.doc_id),
                item,
                step: None,
                refused: None,
                discard: false,
            })
            .collect();
        let mut holding = Holding {
            hot: app.hot.clone(),
            docs,
            committed: false,
        };
        // Reading and Automerge's work, off the runtime and outside the write.
        let db = app.db.clone();
        let (user_id, peer, per_doc) = (self.caller.user.id, self.peer.clone(), self.per_doc);
        holding = tokio::task::spawn_blocking(move || {
            steps(&db, &mut holding, user_id, &peer, per_doc)?;
            Ok::<_, AppError>(holding)
        })
        .await??;
        let writes = holding
            .docs
            .iter()
            .any(|d| d.step.as_ref().is_some_and(|s| !s.writes_nothing()));
        if writes || self.touch {
            let (caller, peer, now, touch) =
                (self.caller.clone(), self.peer.clone(), self.now, self.touch);
            holding = app
                .db
                .write_grouped(move |tx| {
                    auth::check_still_valid(tx, &caller.device.public_id, now)?;
                    if touch {
                        caller.touch(tx, &peer, now)?;
                    }
                    records(tx, &mut holding, caller.user.id, &peer, per_doc)?;
                    Ok(holding)
                })
                .await?;
            self.touch = false;
        }
        holding.committed = true;
        let mut replies = Vec::new();
        for d in &mut holding.docs {
            // A refused document stays marked: it is dropped from memory on release.
            if let Some(refused) = &d.refused {
                replies.push(refused.clone());
                continue;
            }
            if let Some(step) = d.step.take() {
                d.discard = !step.keep();
                let quarantined = matches!(step.status, DocStatus::Quarantined { .. });
                if step.reply.is_some() || quarantined {
                    replies.push(DocReply {
                        doc_id: d.item.doc_id,
                        message: step.reply,
                        status: step.status,
                    });
                }
            }
        }
        Ok(replies)
    }

    /// Only the device's last use to record (every document was quiet).
    async fn write_nothing(&mut self, app: &AppState) -> AppResult<()> {
        let (caller, peer, now) = (self.caller.clone(), self.peer.clone(), self.now);
        app.db
            .write_grouped(move |tx| caller.touch(tx, &peer, now))
            .await?;
        self.touch = false;
        Ok(())
    }
}

/// A document's error: its own refusal (v2), or the whole request's (v1, or not about it).
fn per_doc_error(d: &mut HeldDoc, e: AppError, per_doc: bool) -> AppResult<()> {
    match e {
        e @ AppError::BadRequest {
            doc_id: Some(_), ..
        } if per_doc => {
            d.refused = Some(refused(d.item.doc_id, e)?);
            d.step = None;
            Ok(())
        }
        e => Err(e),
    }
}

/// Loads what is not loaded (documents and this peer's sync states, in one read), then runs
/// each document's Automerge step.
fn steps(
    db: &crate::Db,
    holding: &mut Holding,
    user_id: i64,
    peer: &str,
    per_doc: bool,
) -> AppResult<()> {
    let states = db.read_blocking(|tx| {
        let mut states = Vec::with_capacity(holding.docs.len());
        for d in &mut holding.docs {
            let Some(slot) = d.held.as_mut() else {
                states.push(None);
                continue;
            };
            if slot.is_none() {
                match store::load_hot(tx, d.item.doc_id) {
                    Ok(hot) => **slot = Some(hot),
                    Err(e) => {
                        per_doc_error(d, e, per_doc)?;
                        states.push(None);
                        continue;
                    }
                }
            }
            states.push(Some(store::load_state(tx, user_id, peer, d.item.doc_id)?));
        }
        Ok(states)
    })?;
    for (d, state) in holding.docs.iter_mut().zip(states) {
        let Some(state) = state else { continue };
        let Some(hot) = d.held.as_mut().and_then(|h| h.as_mut()) else {
            continue;
        };
        let message = d.item.message.as_ref().map(|(m, s)| (m.as_slice(), s));
        match store::step(hot, state, d.item.doc_id, message) {
            Ok(step) => d.step = Some(step),
            Err(e) => per_doc_error(d, e, per_doc)?,
        }
    }
    Ok(())
}

/// Each document's writes in a savepoint: a refused one leaves nothing behind.
fn records(
    tx: &Transaction<'_>,
    holding: &mut Holding,
    user_id: i64,
    peer: &str,
    per_doc: bool,
) -> AppResult<()> {
    for d in &mut holding.docs {
        let (Some(step), Some(hot)) = (d.step.as_mut(), d.held.as_mut().and_then(|h| h.as_mut()))
        else {
            continue;
        };
        if step.writes_nothing() {
            continue;
        }
        tx.execute_batch("SAVEPOINT sync_doc")?;
        match store::record(tx, hot, step, user_id, peer, d.item.doc_id) {
            Ok(()) => tx.execute_batch("RELEASE sync_doc")?,
            Err(e) => {
                tx.execute_batch("ROLLBACK TO sync_doc; RELEASE sync_doc")?;
                per_doc_error(d, e, per_doc)?;
            }
        }
    }
    Ok(())
}

/// A document's refusal as its reply (v2): the error's code and sentence. Only a 400 about
/// that document becomes a reply; anything else fails the request.
fn refused(doc_id: Uuid, e: AppError) -> AppResult<DocReply> {
    match e {
        AppError::BadRequest { code, message, .. } => Ok(DocReply {
            doc_id,
            message: None,
            status: DocStatus::Refused {
                error: code,
                message,
            },
        }),
        e => Err(e),
    }
}

/// The guard's check (`tachkhis_shared::sync::guard`), as this document's 400.
fn check_message(doc_id: Uuid, message: &[u8], limits: &Limits) -> AppResult<Summary> {
    guard::check(message, limits).map_err(|e| AppError::BadRequest {
        code: ErrorCode::BadSyncMessage,
        message: format!("document {doc_id}: the sync message was refused: {e}"),
        doc_id: Some(doc_id),
    })
}

/// One document, one Automerge sync message (binary, as Automerge encodes it). Answers the
/// server's next message, or 204 when it has nothing to send. `X-Peer-Id` names the peer.
#[utoipa::path(
    post, path = "/api/docs/{id}/sync", tag = "sync",
    params(("id" = Uuid, Path, description = "session (document) id"),
           ("X-Peer-Id" = String, Header, description = "the peer's own stable id, up to 128 characters")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "an encoded Automerge sync message"),
    responses(
        (status = 200, description = "the server's next sync message", content_type = "application/octet-stream"),
        (status = 204, description = "nothing more to send: in sync"),
        (status = 400, description = "bad id, peer or message; nothing stored", body = tachkhis_shared::api::ErrorBody),
        (status = 401, description = "no valid token", body = tachkhis_shared::api::ErrorBody),
        (status = 403, description = "this role does not send documents (`forbidden`)", body = tachkhis_shared::api::ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn sync_one(
    State(app): State<AppState>,
    Allowed { caller, .. }: Syncer,
    Path(doc_id): Path<Uuid>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> AppResult<Response> {
    let peer = headers
        .get("x-peer-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|p| !p.is_empty() && p.chars().count() <= MAX_PEER_ID_CHARS)
        .ok_or_else(|| {
            AppError::bad_request(
                ErrorCode::BadPeer,
                "the X-Peer-Id header must name the peer (1-128 characters)",
            )
        })?
        .to_string();
    if body.is_empty() {
        return Err(AppError::bad_request(
            ErrorCode::BadSyncMessage,
            "the body must be an Automerge sync message",
        ));
    }
    let limits = app.config.sync_limits.clone();
    let (body, summary) = tokio::task::spawn_blocking(move || {
        let summary = check_message(doc_id, &body, &limits)?;
        Ok::<_, AppError>((body, summary))
    })
    .await??;
    let mut writer = Writer::new(caller, peer, false);
    let item = Item {
        doc_id,
        message: Some((body.to_vec(), summary)),
    };
    // A message that says "nothing new" costs no lock and no write (and no read when the
    // document is held in memory): the same as a quiet document in a batch.
    let work = match app.hot.quiet_heads(doc_id) {
        Some(ours) if item.is_quiet(&ours, &[]) => vec![],
        Some(_) => vec![item],
        None => not_quiet_in_db(&app, vec![(item, vec![])]).await?,
    };
    let reply = if work.is_empty() {
        None
    } else {
        writer
            .exchange(&app, work)
            .await?
            .pop()
            .and_then(|r| r.message)
    };
    if writer.touch {
        writer.write_nothing(&app).await?;
    }
    Ok(match reply {
        Some(reply) => octets(reply),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

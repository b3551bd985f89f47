//! `POST /api/sync` (all of a tablet's documents in one request) and `POST /api/docs/{id}/sync`
//! (one raw Automerge sync message, for any standard Automerge implementation).

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use tachkhis_shared::codes::ErrorCode;
use tachkhis_shared::{
    sync::guard::{self, Limits, Summary},
    sync::{self as engine, DocReply, DocStatus, WIRE_VERSION, WireError},
};
use uuid::Uuid;

use super::Api;
use crate::{
    AppState,
    db::now_secs,
    documents::store,
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
    // First a cheap read: documents whose heads the server already has need nothing.
    let needs_work = app
        .db
        .read(move |tx| {
            let mut out = Vec::new();
            for (entry, checked) in entries {
                if entry.message.is_none()
                    && let Some(meta) = store::doc_meta(tx, entry.doc_id)?
                    && meta.heads == engine::sorted_heads(entry.heads.clone())
                {
                    continue;
                }
                out.push((entry, checked));
            }
            Ok(out)
        })
        .await?;
    let now = now_secs();
    let touch = caller.needs_touch(&peer, now);
    let docs = if needs_work.is_empty() {
        if touch {
            app.db.write(move |tx| caller.touch(tx, &peer, now)).await?;
        }
        Vec::new()
    } else {
        let user_id = caller.user.id;
        app.db
            .write(move |tx| {
                // Revoked while this request waited: store nothing of it.
                auth::check_still_valid(tx, &caller.device.public_id, now)?;
                if touch {
                    caller.touch(tx, &peer, now)?;
                }
                let mut replies = Vec::new();
                for (entry, checked) in needs_work {
                    let message = entry.message.as_deref().zip(checked.as_ref());
                    // A savepoint per document: a refused one leaves nothing behind.
                    tx.execute_batch("SAVEPOINT sync_doc")?;
                    let ex = match store::exchange(tx, user_id, &peer, entry.doc_id, message) {
                        Ok(ex) => ex,
                        Err(
                            e @ AppError::BadRequest {
                                doc_id: Some(_), ..
                            },
                        ) if per_doc => {
                            tx.execute_batch("ROLLBACK TO sync_doc; RELEASE sync_doc")?;
                            replies.push(refused(entry.doc_id, e)?);
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    tx.execute_batch("RELEASE sync_doc")?;
                    let quarantined = matches!(ex.status, DocStatus::Quarantined { .. });
                    if ex.reply.is_some() || quarantined {
                        replies.push(DocReply {
                            doc_id: entry.doc_id,
                            message: ex.reply,
                            status: ex.status,
                        });
                    }
                }
                Ok(replies)
            })
            .await?
    };
    let mut docs = docs;
    docs.append(&mut early);
    let body = engine::encode_response(version, docs).map_err(AppError::internal)?;
    Ok(octets(body))
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
    let user_id = caller.user.id;
    let message: Bytes = body;
    let now = now_secs();
    let ex = app
        .db
        .write(move |tx| {
            auth::check_still_valid(tx, &caller.device.public_id, now)?;
            if caller.needs_touch(&peer, now) {
                caller.touch(tx, &peer, now)?;
            }
            store::exchange(tx, user_id, &peer, doc_id, Some((&message, &summary)))
        })
        .await?;
    Ok(match ex.reply {
        Some(reply) => octets(reply),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

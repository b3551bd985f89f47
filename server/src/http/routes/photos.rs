//! Photos of sessions (`crate::photos`): the tablet's upload (`POST /api/photos/status`,
//! `PUT /api/photos/{hash}`), the office's list and bytes (`GET /api/sessions/{id}/photos`,
//! `GET /api/photos/{hash}`), the admin's retention period and purge.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tachkhis_shared::api::{
    ErrorBody,
    photos::{
        MAX_PHOTO_CHUNK, PhotoPurge, PhotoSettings, PhotoStatus, PhotoStatusRequest, SessionPhoto,
    },
};
use uuid::Uuid;

use super::Api;
use crate::{
    AppState,
    db::now_secs,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, Query, RawBody, can},
    photos,
};

/// The routes with JSON bodies (under the API's JSON limit).
pub fn router() -> Api {
    Api::new()
        .post("/photos/status", photo_status)
        .get("/photos/{hash}", get_photo)
        .get("/sessions/{id}/photos", session_photos)
        .get("/admin/photos/settings", get_settings)
        .put("/admin/photos/settings", put_settings)
        .post("/admin/photos/purge", purge_now)
}

/// The chunk upload, under its own body limit.
pub fn upload_router() -> Api {
    Api::new()
        .put("/photos/{hash}", put_chunk)
        .body_limit(MAX_PHOTO_CHUNK)
}

/// Where each photo stands: stored, purged, partly received (and how much), missing, or
/// named by no session yet.
#[utoipa::path(post, path = "/api/photos/status", tag = "photos",
    request_body = PhotoStatusRequest,
    responses((status = 200, body = Vec<PhotoStatus>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn photo_status(
    State(app): State<AppState>,
    _user: Allowed<can::UploadPhotos>,
    Json(req): Json<PhotoStatusRequest>,
) -> AppResult<Json<Vec<PhotoStatus>>> {
    Ok(Json(
        app.db
            .read(move |tx| photos::status(tx, &req.hashes))
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ChunkAt {
    /// Where this chunk starts: the bytes the server holds (from the status).
    pub offset: u64,
    /// The photo's whole size.
    pub total: u64,
}

/// One chunk of a photo (`application/octet-stream`, at most 256 KiB). The last one makes the
/// server check the whole (SHA-256 = the name, JPEG or WebP, size) and store it.
#[utoipa::path(put, path = "/api/photos/{hash}", tag = "photos",
    params(("hash" = String, Path, description = "the photo's SHA-256, lowercase hex"), ChunkAt),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = PhotoStatus), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_chunk(
    State(app): State<AppState>,
    user: Allowed<can::UploadPhotos>,
    Path(hash): Path<String>,
    Query(at): Query<ChunkAt>,
    RawBody(chunk): RawBody,
) -> AppResult<Json<PhotoStatus>> {
    photos::check_hash(&hash)?;
    let user_id = user.id;
    app.db
        .write(move |tx| photos::receive_chunk(tx, user_id, &hash, at.offset, at.total, &chunk))
        .await?
        .map(Json)
}

/// A photo's bytes, as the tablet sent them. Never cached: they are personal data.
#[utoipa::path(get, path = "/api/photos/{hash}", tag = "photos",
    params(("hash" = String, Path, description = "the photo's SHA-256, lowercase hex")),
    responses((status = 200, description = "the image (JPEG or WebP)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_photo(
    State(app): State<AppState>,
    _user: Allowed<can::ReadPhotos>,
    Path(hash): Path<String>,
) -> AppResult<Response> {
    photos::check_hash(&hash)?;
    let found = app
        .db
        .read({
            let hash = hash.clone();
            move |tx| photos::bytes(tx, &hash)
        })
        .await?;
    let (mime, bytes) =
        found.ok_or_else(|| AppError::NotFound(format!("the server holds no photo {hash}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// The photos a session's document names, with whether the server holds each one's bytes.
#[utoipa::path(get, path = "/api/sessions/{id}/photos", tag = "photos",
    params(("id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = Vec<SessionPhoto>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn session_photos(
    State(app): State<AppState>,
    _user: Allowed<can::ReadPhotos>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Vec<SessionPhoto>>> {
    app.db
        .read(move |tx| photos::of_session(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no session {id}")))
}

/// The retention period of photos.
#[utoipa::path(get, path = "/api/admin/photos/settings", tag = "photos",
    responses((status = 200, body = PhotoSettings), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_settings(
    State(app): State<AppState>,
    _user: Allowed<can::ManagePhotos>,
) -> AppResult<Json<PhotoSettings>> {
    let retention_days = app.db.read(photos::retention_days).await?;
    Ok(Json(PhotoSettings { retention_days }))
}

/// Sets the retention period (1 to 3,650 days; audited). The next purge applies it.
#[utoipa::path(put, path = "/api/admin/photos/settings", tag = "photos",
    request_body = PhotoSettings,
    responses((status = 200, body = PhotoSettings), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_settings(
    State(app): State<AppState>,
    user: Allowed<can::ManagePhotos>,
    Json(settings): Json<PhotoSettings>,
) -> AppResult<Json<PhotoSettings>> {
    let user_id = user.id;
    let days = settings.retention_days;
    app.db
        .write(move |tx| photos::set_retention_days(tx, user_id, days))
        .await?;
    Ok(Json(settings))
}

/// Deletes now the photos past the retention period (the server also does it every hour);
/// each deletion is in the audit log.
#[utoipa::path(post, path = "/api/admin/photos/purge", tag = "photos",
    responses((status = 200, body = PhotoPurge), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn purge_now(
    State(app): State<AppState>,
    user: Allowed<can::ManagePhotos>,
) -> AppResult<Json<PhotoPurge>> {
    let user_id = user.id;
    let purged = app
        .db
        .write(move |tx| photos::purge(tx, now_secs(), Some(user_id)))
        .await?;
    Ok(Json(PhotoPurge { purged }))
}

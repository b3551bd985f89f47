//! `GET /api/sessions`, `GET /api/sessions/{id}` and `GET /api/quarantine`: projections of the
//! session documents (read by `documents::sessions`).

use axum::extract::State;
use tachkhis_shared::api::{ErrorBody, QuarantinedDoc, SessionDetail, SessionSummary};
use uuid::Uuid;

use super::Api;
use crate::{
    AppState,
    documents::sessions,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, can},
};

pub fn router() -> Api {
    Api::new()
        .get("/sessions", list_sessions)
        .get("/sessions/{id}", get_session)
        .get("/quarantine", list_quarantine)
}

/// Every session the server holds, newest first.
#[utoipa::path(get, path = "/api/sessions", tag = "sessions",
    responses((status = 200, body = Vec<SessionSummary>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_sessions(
    State(app): State<AppState>,
    _user: Allowed<can::ReadSessions>,
) -> AppResult<Json<Vec<SessionSummary>>> {
    Ok(Json(app.db.read(sessions::list).await?))
}

/// One session with its attendance and proposals (deleted ones included, marked).
#[utoipa::path(get, path = "/api/sessions/{id}", tag = "sessions",
    params(("id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = SessionDetail), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_session(
    State(app): State<AppState>,
    _user: Allowed<can::ReadSessions>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<SessionDetail>> {
    app.db
        .read(move |tx| sessions::detail(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no session {id}")))
}

/// Documents kept but not projected because they break the session schema.
#[utoipa::path(get, path = "/api/quarantine", tag = "sessions",
    responses((status = 200, body = Vec<QuarantinedDoc>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_quarantine(
    State(app): State<AppState>,
    _user: Allowed<can::ReadQuarantine>,
) -> AppResult<Json<Vec<QuarantinedDoc>>> {
    Ok(Json(app.db.read(sessions::quarantined).await?))
}

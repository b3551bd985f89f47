//! `GET /api/audit`: the audit log, newest first (who did what, when).

use axum::extract::State;
use serde::Deserialize;
use tachkhis_shared::api::{AuditEntry, ErrorBody};

use super::Api;
use crate::{
    AppState,
    http::error::AppResult,
    http::extract::{Allowed, Json, Query, can},
    users::audit,
};

pub fn router() -> Api {
    Api::new().get("/audit", list_audit)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries older than this id (for the next page).
    pub before: Option<i64>,
    /// How many (default 200, at most 1000).
    pub limit: Option<u32>,
}

/// The audit log, newest first (`Action::ReadAudit`).
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_audit(
    State(app): State<AppState>,
    _user: Allowed<can::ReadAudit>,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    let before = q.before.unwrap_or(i64::MAX);
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    let rows = app
        .db
        .read(move |tx| audit::list(tx, before, limit))
        .await?;
    Ok(Json(rows))
}

//! `GET /api/audit`: the audit log, newest first (who did what, when).

use axum::{Router, extract::State, routing::get};
use serde::Deserialize;
use tachkhis_shared::api::{AuditEntry, ErrorBody, Role};

use crate::{
    AppState,
    http::error::AppResult,
    http::extract::{Json, Query},
    users::auth::AuthUser,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list_audit))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries older than this id (for the next page).
    pub before: Option<i64>,
    /// How many (default 200, at most 1000).
    pub limit: Option<u32>,
}

/// The audit log, newest first; office, admin and committee.
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_audit(
    State(app): State<AppState>,
    user: AuthUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    user.require(|r| matches!(r, Role::Admin | Role::Office | Role::Committee))?;
    let before = q.before.unwrap_or(i64::MAX);
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    let rows = app
        .db
        .read(move |tx| {
            Ok(tx
                .prepare(
                    "SELECT a.id, a.at, u.username, a.action, a.target, a.detail
                     FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
                     WHERE a.id < ?1 ORDER BY a.id DESC LIMIT ?2",
                )?
                .query_map(rusqlite::params![before, limit], |r| {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        username: r.get(2)?,
                        action: r.get(3)?,
                        target: r.get(4)?,
                        detail: r.get(5)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    Ok(Json(rows))
}

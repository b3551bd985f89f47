//! `GET /api/sessions`, `GET /api/sessions/{id}` and `GET /api/quarantine`: projections of the
//! session documents.

use axum::{
    Router,
    extract::{Path, State},
    routing::get,
};
use rusqlite::{OptionalExtension, Transaction};
use tachkhis_shared::api::{
    AssociationRow, AttendanceRow, ProposalRow, QuarantinedDoc, Role, SessionDetail, SessionSummary,
};
use tachkhis_shared::codes::ErrorCode;
use uuid::Uuid;

use crate::{
    AppState,
    http::error::{AppError, AppResult},
    http::extract::Json,
    users::auth::AuthUser,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions", get(list_sessions))
        .route("/sessions/{id}", get(get_session))
        .route("/quarantine", get(list_quarantine))
}

const SUMMARY_SQL: &str = "SELECT s.id, s.pole_id, s.group_kind, s.date, s.facilitators, s.present, s.closed_at, s.updated_at,
        (SELECT count(*) FROM proposals p WHERE p.session_id = s.id AND p.deleted = 0),
        (SELECT coalesce(group_concat(douar_id, char(31)), '') FROM session_douars d WHERE d.session_id = s.id),
        s.start_time, s.end_time, s.place, s.note_taker, s.edited_after_close, s.schema_version
     FROM sessions s";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionSummary> {
    let id: String = r.get(0)?;
    let douars: String = r.get(9)?;
    Ok(SessionSummary {
        id: Uuid::parse_str(&id).unwrap_or_default(),
        pole_id: r.get(1)?,
        group_kind: crate::db::code(r, 2)?,
        date: r.get(3)?,
        facilitators: r.get(4)?,
        present: r.get(5)?,
        closed_at: r.get(6)?,
        updated_at: r.get(7)?,
        proposals: r.get(8)?,
        douar_ids: douars
            .split('\u{1f}')
            .filter(|d| !d.is_empty())
            .map(String::from)
            .collect(),
        start_time: r.get(10)?,
        end_time: r.get(11)?,
        place: r.get(12)?,
        note_taker: r.get(13)?,
        edited_after_close: r.get(14)?,
        schema_version: r.get::<_, i64>(15)?.try_into().unwrap_or(1),
    })
}

pub fn list(tx: &Transaction<'_>) -> AppResult<Vec<SessionSummary>> {
    let mut stmt = tx.prepare(&format!(
        "{SUMMARY_SQL} ORDER BY s.date DESC, s.created_at DESC"
    ))?;
    let rows = stmt
        .query_map([], summary_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn detail(tx: &Transaction<'_>, id: Uuid) -> AppResult<Option<SessionDetail>> {
    let key = id.to_string();
    let Some(summary) = tx
        .query_row(
            &format!("{SUMMARY_SQL} WHERE s.id = ?1"),
            [&key],
            summary_row,
        )
        .optional()?
    else {
        return Ok(None);
    };
    let notes: String = tx.query_row("SELECT notes FROM sessions WHERE id = ?1", [&key], |r| {
        r.get(0)
    })?;
    let attendance = tx
        .prepare("SELECT category, count FROM attendance WHERE session_id = ?1 ORDER BY rowid")?
        .query_map([&key], |r| {
            Ok(AttendanceRow {
                category: crate::db::code(r, 0)?,
                count: r.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let proposal_list = tx
        .prepare(
            "SELECT id, problem, solution, sector, douar_id, raised_by, created_at, created_by, deleted, votes,
                    edited_at, edited_after_close
             FROM proposals WHERE session_id = ?1 ORDER BY rank DESC, id",
        )?
        .query_map([&key], |r| {
            let pid: String = r.get(0)?;
            Ok(ProposalRow {
                id: Uuid::parse_str(&pid).unwrap_or_default(),
                problem: r.get(1)?,
                solution: r.get(2)?,
                sector: crate::db::opt_code(r, 3)?,
                douar_id: r.get(4)?,
                raised_by: r.get(5)?,
                created_at: r.get(6)?,
                created_by: r.get(7)?,
                deleted: r.get(8)?,
                votes: r.get(9)?,
                edited_at: r.get(10)?,
                edited_after_close: r.get(11)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let associations = tx
        .prepare(
            "SELECT association_id, name, count, deleted FROM session_associations
             WHERE session_id = ?1 ORDER BY name, association_id",
        )?
        .query_map([&key], |r| {
            let aid: String = r.get(0)?;
            Ok(AssociationRow {
                id: Uuid::parse_str(&aid).unwrap_or_default(),
                name: r.get(1)?,
                count: r.get(2)?,
                deleted: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(SessionDetail {
        summary,
        notes,
        attendance,
        proposal_list,
        associations,
    }))
}

/// Every session the server holds, newest first.
#[utoipa::path(get, path = "/api/sessions", tag = "sessions",
    responses((status = 200, body = Vec<SessionSummary>), (status = 401, body = tachkhis_shared::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_sessions(
    State(app): State<AppState>,
    _user: AuthUser,
) -> AppResult<Json<Vec<SessionSummary>>> {
    Ok(Json(app.db.read(list).await?))
}

/// One session with its attendance and proposals (deleted ones included, marked).
#[utoipa::path(get, path = "/api/sessions/{id}", tag = "sessions",
    params(("id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = SessionDetail), (status = 400, body = tachkhis_shared::api::ErrorBody),
              (status = 404, body = tachkhis_shared::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_session(
    State(app): State<AppState>,
    _user: AuthUser,
    Path(id): Path<String>,
) -> AppResult<Json<SessionDetail>> {
    let id = Uuid::parse_str(&id)
        .map_err(|_| AppError::bad_request(ErrorCode::BadId, "the session id is not a UUID"))?;
    app.db
        .read(move |tx| detail(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no session {id}")))
}

/// Documents kept but not projected because they break the session schema.
#[utoipa::path(get, path = "/api/quarantine", tag = "sessions",
    responses((status = 200, body = Vec<QuarantinedDoc>), (status = 403, body = tachkhis_shared::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_quarantine(
    State(app): State<AppState>,
    user: AuthUser,
) -> AppResult<Json<Vec<QuarantinedDoc>>> {
    user.require(|r| matches!(r, Role::Admin | Role::Office))?;
    let rows = app
        .db
        .read(|tx| {
            Ok(tx
                .prepare(
                    "SELECT id, quarantine_reason, quarantined_at FROM documents
                     WHERE quarantine_reason IS NOT NULL ORDER BY quarantined_at DESC",
                )?
                .query_map([], |r| {
                    let id: String = r.get(0)?;
                    Ok(QuarantinedDoc {
                        doc_id: Uuid::parse_str(&id).unwrap_or_default(),
                        reason: r.get(1)?,
                        since: r.get(2)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    Ok(Json(rows))
}

//! The sessions as the office reads them: from the projection tables (`projection.rs` writes
//! them), and the documents set aside in quarantine.

use rusqlite::{OptionalExtension, Transaction};
use tachkhis_shared::api::{
    AssociationRow, AttendanceRow, ProposalRow, QuarantinedDoc, SessionDetail, SessionSummary,
};
use uuid::Uuid;

use crate::{
    db::row::{id_list_col, uuid_col},
    http::error::AppResult,
};

const SUMMARY_SQL: &str = "SELECT s.id, s.pole_id, s.group_kind, s.date, s.facilitators, s.present, s.closed_at, s.updated_at,
        (SELECT count(*) FROM proposals p WHERE p.session_id = s.id AND p.deleted = 0),
        (SELECT coalesce(group_concat(douar_id, char(31)), '') FROM session_douars d WHERE d.session_id = s.id),
        s.start_time, s.end_time, s.place, s.note_taker, s.edited_after_close, s.schema_version
     FROM sessions s";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionSummary> {
    Ok(SessionSummary {
        id: uuid_col(r, 0)?,
        pole_id: r.get(1)?,
        group_kind: crate::db::row::code(r, 2)?,
        date: r.get(3)?,
        facilitators: r.get(4)?,
        present: r.get(5)?,
        closed_at: r.get(6)?,
        updated_at: r.get(7)?,
        proposals: r.get(8)?,
        douar_ids: id_list_col(r, 9)?,
        start_time: r.get(10)?,
        end_time: r.get(11)?,
        place: r.get(12)?,
        note_taker: r.get(13)?,
        edited_after_close: r.get(14)?,
        schema_version: r.get::<_, i64>(15)?.try_into().unwrap_or(1),
    })
}

/// Every session the server holds, newest first.
pub fn list(tx: &Transaction<'_>) -> AppResult<Vec<SessionSummary>> {
    let mut stmt = tx.prepare(&format!(
        "{SUMMARY_SQL} ORDER BY s.date DESC, s.created_at DESC"
    ))?;
    let rows = stmt
        .query_map([], summary_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One session with its attendance, proposals (deleted ones included, marked) and
/// associations.
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
                category: crate::db::row::code(r, 0)?,
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
            Ok(ProposalRow {
                id: uuid_col(r, 0)?,
                problem: r.get(1)?,
                solution: r.get(2)?,
                sector: crate::db::row::opt_code(r, 3)?,
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
            Ok(AssociationRow {
                id: uuid_col(r, 0)?,
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

/// Documents kept but not projected because they break the session schema or the app's limits,
/// most recently set aside first.
pub fn quarantined(tx: &Transaction<'_>) -> AppResult<Vec<QuarantinedDoc>> {
    Ok(tx
        .prepare(
            "SELECT id, quarantine_reason, quarantined_at FROM documents
             WHERE quarantine_reason IS NOT NULL ORDER BY quarantined_at DESC",
        )?
        .query_map([], |r| {
            Ok(QuarantinedDoc {
                doc_id: uuid_col(r, 0)?,
                reason: r.get(1)?,
                since: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

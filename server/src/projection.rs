//! The projection of session documents into SQL tables (`sessions`, `session_douars`,
//! `attendance`, `proposals`, `session_associations`): what lists and reports read. Always
//! derivable from the documents, of every schema version.

use rusqlite::{Transaction, params};
use tachkhis_shared::{AttendanceCategory, session::Session, text::normalize};
use uuid::Uuid;

use crate::error::AppResult;

/// Replaces the rows of one session by what its document says now.
pub fn project(tx: &Transaction<'_>, s: &Session, now: i64) -> AppResult<()> {
    let id = s.id.to_string();
    remove(tx, s.id)?;
    let after_close = s
        .proposals
        .iter()
        .filter(|p| s.edited_after_close(p))
        .count() as i64;
    let details = &s.meta.details;
    tx.prepare_cached(
        "INSERT INTO sessions (id, pole_id, group_kind, date, facilitators, notes, created_at, created_by,
                               closed_at, present, updated_at, schema_version, start_time, end_time,
                               place, note_taker, edited_after_close)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        id,
        s.meta.pole_id,
        s.meta.group_kind.code(),
        s.meta.date,
        s.meta.facilitators,
        s.notes,
        s.meta.created_at,
        s.meta.created_by,
        s.meta.closed_at,
        s.attendance.total(),
        now,
        s.schema as i64,
        details.start_time,
        details.end_time,
        details.place,
        details.note_taker,
        after_close
    ])?;
    let mut douar =
        tx.prepare_cached("INSERT INTO session_douars (session_id, douar_id) VALUES (?1, ?2)")?;
    for d in &s.douar_ids {
        douar.execute(params![id, d])?;
    }
    let mut att = tx.prepare_cached(
        "INSERT INTO attendance (session_id, category, count) VALUES (?1, ?2, ?3)",
    )?;
    for c in AttendanceCategory::ALL {
        att.execute(params![id, c.code(), s.attendance.get(*c)])?;
    }
    let mut prop = tx.prepare_cached(
        "INSERT INTO proposals (id, session_id, problem, solution, problem_norm, solution_norm, sector, douar_id,
                                raised_by, created_at, created_by, deleted, rank, votes, edited_at,
                                edited_after_close)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    for p in &s.proposals {
        prop.execute(params![
            p.id.to_string(),
            id,
            p.problem,
            p.solution,
            normalize(&p.problem),
            normalize(&p.solution),
            p.sector.map(|x| x.code()),
            p.douar_id,
            p.raised_by,
            p.created_at,
            p.created_by,
            p.deleted,
            p.rank,
            p.votes,
            p.edited_at,
            s.edited_after_close(p)
        ])?;
    }
    let mut assoc = tx.prepare_cached(
        "INSERT INTO session_associations (session_id, association_id, name, name_norm, count, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for a in &s.associations {
        assoc.execute(params![
            id,
            a.id.to_string(),
            a.name,
            normalize(&a.name),
            a.count,
            a.deleted
        ])?;
    }
    Ok(())
}

/// Removes a session's rows (its children go by ON DELETE CASCADE).
pub fn remove(tx: &Transaction<'_>, id: Uuid) -> AppResult<()> {
    tx.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
        .execute([id.to_string()])?;
    Ok(())
}

pub fn clear(tx: &Transaction<'_>) -> AppResult<()> {
    tx.execute_batch(
        "DELETE FROM session_associations; DELETE FROM proposals; DELETE FROM attendance;
         DELETE FROM session_douars; DELETE FROM sessions;",
    )?;
    Ok(())
}

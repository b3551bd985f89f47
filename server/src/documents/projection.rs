//! The projection of session documents into SQL tables (`sessions`, `session_douars`,
//! `attendance`, `proposals`, `session_associations`, `session_photos`): what lists and reports read. Always
//! derivable from the documents, of every schema version.

use std::borrow::Cow;

use rusqlite::{OptionalExtension, Transaction, params};
use tachkhis_shared::{AttendanceCategory, session::Session, text::normalize};
use uuid::Uuid;

use crate::{http::error::AppResult, territory::resolve_douar};

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
        clean(&s.meta.facilitators),
        clean(&s.notes),
        s.meta.created_at,
        clean(&s.meta.created_by),
        s.meta.closed_at,
        s.attendance.total(),
        now,
        s.schema as i64,
        details.start_time,
        details.end_time,
        clean(&details.place),
        clean(&details.note_taker),
        after_close
    ])?;
    let mut douar = tx.prepare_cached(
        "INSERT OR IGNORE INTO session_douars (session_id, douar_id, unknown) VALUES (?1, ?2, ?3)",
    )?;
    // A douar merged into another is projected as that one (the document keeps its id).
    for d in &s.douar_ids {
        match resolve_douar(tx, d)? {
            Some(known) => douar.execute(params![id, known, false])?,
            None => douar.execute(params![id, d, true])?,
        };
    }
    let mut att = tx.prepare_cached(
        "INSERT INTO attendance (session_id, category, count) VALUES (?1, ?2, ?3)",
    )?;
    // Every known category, and any a newer app counted (kept as it came).
    let newer = s.attendance.0.keys().filter(|c| !c.is_known());
    for c in AttendanceCategory::ALL.iter().chain(newer) {
        att.execute(params![id, c.code(), s.attendance.get(c.clone())])?;
    }
    let mut prop = tx.prepare_cached(
        "INSERT INTO proposals (id, session_id, problem, solution, problem_norm, solution_norm, sector, douar_id,
                                raised_by, created_at, created_by, deleted, rank, votes, edited_at,
                                edited_after_close, douar_unknown)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?;
    for p in &s.proposals {
        let (problem, solution) = (clean(&p.problem), clean(&p.solution));
        let (douar_id, douar_unknown) = match &p.douar_id {
            Some(d) => match resolve_douar(tx, d)? {
                Some(known) => (Some(known), false),
                None => (Some(d.clone()), true),
            },
            None => (None, false),
        };
        prop.execute(params![
            p.id.to_string(),
            id,
            problem,
            solution,
            normalize(&problem),
            normalize(&solution),
            p.sector.as_ref().map(|x| x.code()),
            douar_id,
            clean(&p.raised_by),
            p.created_at,
            clean(&p.created_by),
            p.deleted,
            p.rank,
            p.votes,
            p.edited_at,
            s.edited_after_close(p),
            douar_unknown
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
            clean(&a.name),
            normalize(&clean(&a.name)),
            a.count,
            a.deleted
        ])?;
    }
    crate::photos::project(tx, s)?;
    Ok(())
}

/// A proposal of `s` whose id another session's projection already holds: the first
/// document keeps it, and `s` is set aside (one facilitator must not be able to knock another's
/// session out of the lists by reusing its ids).
pub fn proposal_held_elsewhere(
    tx: &Transaction<'_>,
    s: &Session,
) -> AppResult<Option<(Uuid, String)>> {
    let mut stmt =
        tx.prepare_cached("SELECT session_id FROM proposals WHERE id = ?1 AND session_id <> ?2")?;
    let me = s.id.to_string();
    for p in &s.proposals {
        let other: Option<String> = stmt
            .query_row(params![p.id.to_string(), me], |r| r.get(0))
            .optional()?;
        if let Some(other) = other {
            return Ok(Some((p.id, other)));
        }
    }
    Ok(None)
}

/// Text as lists and exports show it: control characters (NUL, escapes, the C1 set) are
/// dropped, line breaks and tabs kept. The document keeps what was typed.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() && !matches!(c, '\n' | '\t');
    if text.contains(bad) {
        Cow::Owned(text.chars().filter(|c| !bad(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Removes a session's rows (its children go by ON DELETE CASCADE).
pub fn remove(tx: &Transaction<'_>, id: Uuid) -> AppResult<()> {
    tx.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
        .execute([id.to_string()])?;
    Ok(())
}

pub fn clear(tx: &Transaction<'_>) -> AppResult<()> {
    tx.execute_batch(
        "DELETE FROM session_photos; DELETE FROM session_associations; DELETE FROM proposals; DELETE FROM attendance;
         DELETE FROM session_douars; DELETE FROM sessions;",
    )?;
    Ok(())
}

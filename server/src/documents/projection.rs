//! The projection of session documents into SQL tables (`sessions`, `session_douars`,
//! `attendance`, `proposals`, `session_associations`, `session_photos`): what lists and reports read. Always
//! derivable from the documents, of every schema version.
//!
//! Two ways, one result: [`project`] writes a session's rows from the whole document read;
//! [`plan`] and [`apply`] rewrite only the rows of the parts a sync's changes touched (a
//! proposal, the attendance, the notes...) over the projection of the document before them.
//! The store takes the second way when it can show it gives the first's rows, the whole one
//! otherwise (`store::project_or_quarantine`); `tests/integration/projection.rs` holds them
//! equal after random edits. So a sync no longer rewrites a session's untouched rows: a
//! change to what the projection writes (a new column, a new rule) needs
//! `tachkhis rebuild-projections`, and rows keep the territory they were projected with
//! (merges move them: `territory::move_links`).

use std::{borrow::Cow, collections::BTreeSet};

use rusqlite::{OptionalExtension, Transaction, params};
use tachkhis_shared::{
    AttendanceCategory,
    session::{
        Association, Attendance, Photo, Proposal, SchemaError, Session, SessionDoc, SessionMeta,
        Touched, limits,
    },
    text::normalize,
};
use uuid::Uuid;

use crate::{
    http::error::{AppError, AppResult},
    territory::resolve_douar,
};

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
    insert_douars(tx, &id, &s.douar_ids)?;
    insert_attendance(tx, &id, &s.attendance)?;
    for p in &s.proposals {
        write_proposal(tx, INSERT_PROPOSAL, &id, p, s.meta.closed_at)?;
    }
    insert_associations(tx, &id, &s.associations)?;
    crate::photos::project(tx, &id, &s.photos)?;
    Ok(())
}

fn insert_douars(tx: &Transaction<'_>, id: &str, douar_ids: &[String]) -> AppResult<()> {
    let mut douar = tx.prepare_cached(
        "INSERT OR IGNORE INTO session_douars (session_id, douar_id, unknown) VALUES (?1, ?2, ?3)",
    )?;
    // A douar merged into another is projected as that one (the document keeps its id).
    for d in douar_ids {
        match resolve_douar(tx, d)? {
            Some(known) => douar.execute(params![id, known, false])?,
            None => douar.execute(params![id, d, true])?,
        };
    }
    Ok(())
}

fn insert_attendance(tx: &Transaction<'_>, id: &str, attendance: &Attendance) -> AppResult<()> {
    let mut att = tx.prepare_cached(
        "INSERT INTO attendance (session_id, category, count) VALUES (?1, ?2, ?3)",
    )?;
    // Every known category, and any a newer app counted (kept as it came).
    let newer = attendance.0.keys().filter(|c| !c.is_known());
    for c in AttendanceCategory::ALL.iter().chain(newer) {
        att.execute(params![id, c.code(), attendance.get(c.clone())])?;
    }
    Ok(())
}

/// The proposal's row, in the parameters' order of the two statements below.
const INSERT_PROPOSAL: &str = "INSERT INTO proposals (id, session_id, problem, solution, problem_norm, solution_norm, sector, douar_id,
                        raised_by, created_at, created_by, deleted, rank, votes, edited_at,
                        edited_after_close, douar_unknown)
 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
const UPDATE_PROPOSAL: &str = "UPDATE proposals SET problem = ?3, solution = ?4, problem_norm = ?5, solution_norm = ?6, sector = ?7,
                     douar_id = ?8, raised_by = ?9, created_at = ?10, created_by = ?11, deleted = ?12,
                     rank = ?13, votes = ?14, edited_at = ?15, edited_after_close = ?16,
                     douar_unknown = ?17
 WHERE id = ?1 AND session_id = ?2";

fn write_proposal(
    tx: &Transaction<'_>,
    sql: &str,
    session_id: &str,
    p: &Proposal,
    closed_at: Option<i64>,
) -> AppResult<usize> {
    let (problem, solution) = (clean(&p.problem), clean(&p.solution));
    let (douar_id, douar_unknown) = match &p.douar_id {
        Some(d) => match resolve_douar(tx, d)? {
            Some(known) => (Some(known), false),
            None => (Some(d.clone()), true),
        },
        None => (None, false),
    };
    Ok(tx.prepare_cached(sql)?.execute(params![
        p.id.to_string(),
        session_id,
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
        p.edited_after(closed_at),
        douar_unknown
    ])?)
}

fn insert_associations(
    tx: &Transaction<'_>,
    id: &str,
    associations: &[Association],
) -> AppResult<()> {
    let mut assoc = tx.prepare_cached(
        "INSERT INTO session_associations (session_id, association_id, name, name_norm, count, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for a in associations {
        assoc.execute(params![
            id,
            a.id.to_string(),
            clean(&a.name),
            normalize(&clean(&a.name)),
            a.count,
            a.deleted
        ])?;
    }
    Ok(())
}

/// What a session's changes require of its projection, read and checked from the document
/// alone: the parts they touched, each as `read` would give it (see [`plan`]).
pub struct Plan {
    meta: SessionMeta,
    douars: Option<Vec<String>>,
    attendance: Option<Attendance>,
    notes: Option<String>,
    associations: Option<Vec<Association>>,
    photos: Option<Vec<Photo>>,
    /// Each touched entry of the proposals map: its key, and the proposal it holds now.
    proposals: Vec<(String, Option<Proposal>)>,
    /// Keys written themselves (entries put or removed), not only their fields.
    proposal_keys: BTreeSet<String>,
}

/// A touched part of the session, read and checked; `None` when the changes did not touch it.
fn part<T>(
    touched: bool,
    read: impl FnOnce() -> Result<T, SchemaError>,
    check: impl FnOnce(&T) -> Result<(), SchemaError>,
) -> Result<Option<T>, String> {
    if !touched {
        return Ok(None);
    }
    let value = read().map_err(|e| e.to_string())?;
    check(&value).map_err(|e| e.to_string())?;
    Ok(Some(value))
}

/// Reads the parts `touched` names, with the checks of `read` and `check_limits` for them.
/// `Err(why)`: a part breaks a rule (or cannot be read part by part), so only the whole read
/// can say what `read` says, with its message.
///
/// Why the parts suffice: the document was projected at the changes' base, so it read well
/// and kept every limit then; `read` and `check_limits` judge each part on its own (no rule
/// relates two proposals but their ids, nor a proposal to the douars or the meta but through
/// `closed_at`, which [`apply`] watches); and a part no change wrote reads as before.
pub fn plan(doc: &SessionDoc, touched: &Touched) -> Result<Plan, String> {
    if touched.whole {
        return Err("the document's root or a container changed".into());
    }
    let e = |e: SchemaError| e.to_string();
    // Cheap, and [`apply`] compares its `closed_at` with the projection's in any case.
    let (meta, douar_ids) = doc.read_meta().map_err(e)?;
    limits::meta(&meta).map_err(e)?;
    let douars = if touched.douars {
        limits::douars(&douar_ids).map_err(e)?;
        Some(douar_ids)
    } else {
        None
    };
    let attendance = part(
        touched.attendance,
        || doc.read_attendance(),
        limits::attendance,
    )?;
    let notes = part(touched.notes, || doc.read_notes(), |n| limits::notes(n))?;
    let associations = part(
        touched.associations,
        || doc.read_associations(),
        |a| limits::associations(a),
    )?;
    let photos = part(touched.photos, || doc.read_photos(), |p| limits::photos(p))?;
    if touched.corrections {
        // Not projected, but part of what makes the session valid.
        limits::corrections(&doc.read_corrections().map_err(e)?).map_err(e)?;
    }
    let mut proposals = Vec::with_capacity(touched.proposals.len());
    for key in &touched.proposals {
        // Keys are written as `Uuid::to_string` does; any other spelling of an id could be a
        // second key for one proposal, which only the whole map can tell.
        if Uuid::parse_str(key).map(|id| id.to_string()).as_deref() != Ok(key.as_str()) {
            return Err(format!(
                "proposal key {key:?} is not a UUID as the app writes it"
            ));
        }
        let p = doc.read_proposal_at(key).map_err(e)?;
        if let Some(p) = &p {
            limits::proposal(p).map_err(e)?;
        }
        proposals.push((key.clone(), p));
    }
    Ok(Plan {
        meta,
        douars,
        attendance,
        notes,
        associations,
        photos,
        proposals,
        proposal_keys: touched.proposal_keys.clone(),
    })
}

/// Writes `plan` over the projection of the document at the changes' base: only the rows of
/// the touched parts, and the session's row. `Ok(Err(why))`: the whole projection is needed
/// (nothing was written then; the caller runs it in a savepoint anyway).
pub fn apply(
    tx: &Transaction<'_>,
    doc_id: Uuid,
    plan: &Plan,
    now: i64,
) -> AppResult<Result<(), String>> {
    let id = doc_id.to_string();
    let row: Option<(Option<i64>, i64)> = tx
        .prepare_cached("SELECT closed_at, edited_after_close FROM sessions WHERE id = ?1")?
        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((closed_at, mut after_close)) = row else {
        return Ok(Err("the session has no projection".into()));
    };
    if plan.meta.closed_at != closed_at {
        // Every proposal's `edited_after_close` depends on it.
        return Ok(Err("closed_at changed".into()));
    }
    // Decide every proposal before writing any.
    let mut held =
        tx.prepare_cached("SELECT session_id, edited_after_close FROM proposals WHERE id = ?1")?;
    let mut writes: Vec<(&'static str, &Proposal)> = Vec::new();
    for (key, now_held) in &plan.proposals {
        let row: Option<(String, bool)> = held
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let entry_written = plan.proposal_keys.contains(key);
        match (now_held, entry_written, row) {
            // Fields of a proposal that was there and still is.
            (Some(p), false, Some((session, was_after))) if session == id => {
                after_close += i64::from(p.edited_after(closed_at)) - i64::from(was_after);
                writes.push((UPDATE_PROPOSAL, p));
            }
            // A new entry whose id no session holds (another session's id sets this one aside,
            // which the whole path says with its message).
            (Some(p), true, None) => {
                after_close += i64::from(p.edited_after(closed_at));
                writes.push((INSERT_PROPOSAL, p));
            }
            // Fields written under an entry that is not there (removed before): nothing read.
            (None, false, _) => {}
            // An entry put and removed by these changes, never projected.
            (None, true, None) => {}
            (None, true, Some((session, _))) if session != id => {}
            // An entry removed or put over one that was projected (the app never removes
            // one; it marks it deleted), or a state the projection should not be in.
            _ => return Ok(Err(format!("proposal entry {key} put or removed"))),
        }
    }
    drop(held);
    for (sql, p) in writes {
        if write_proposal(tx, sql, &id, p, closed_at)? != 1 {
            return Err(AppError::internal(format!("proposal {} not written", p.id)));
        }
    }
    if let Some(douars) = &plan.douars {
        tx.prepare_cached("DELETE FROM session_douars WHERE session_id = ?1")?
            .execute([&id])?;
        insert_douars(tx, &id, douars)?;
    }
    if let Some(attendance) = &plan.attendance {
        tx.prepare_cached("DELETE FROM attendance WHERE session_id = ?1")?
            .execute([&id])?;
        insert_attendance(tx, &id, attendance)?;
        tx.prepare_cached("UPDATE sessions SET present = ?2 WHERE id = ?1")?
            .execute(params![id, attendance.total()])?;
    }
    if let Some(associations) = &plan.associations {
        tx.prepare_cached("DELETE FROM session_associations WHERE session_id = ?1")?
            .execute([&id])?;
        insert_associations(tx, &id, associations)?;
    }
    if let Some(photos) = &plan.photos {
        tx.prepare_cached("DELETE FROM session_photos WHERE session_id = ?1")?
            .execute([&id])?;
        crate::photos::project(tx, &id, photos)?;
    }
    if let Some(notes) = &plan.notes {
        tx.prepare_cached("UPDATE sessions SET notes = ?2 WHERE id = ?1")?
            .execute(params![id, clean(notes)])?;
    }
    let (m, details) = (&plan.meta, &plan.meta.details);
    tx.prepare_cached(
        "UPDATE sessions SET pole_id = ?2, group_kind = ?3, date = ?4, facilitators = ?5,
                created_at = ?6, created_by = ?7, updated_at = ?8, start_time = ?9, end_time = ?10,
                place = ?11, note_taker = ?12, edited_after_close = ?13
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        m.pole_id,
        m.group_kind.code(),
        m.date,
        clean(&m.facilitators),
        m.created_at,
        clean(&m.created_by),
        now,
        details.start_time,
        details.end_time,
        clean(&details.place),
        clean(&details.note_taker),
        after_close
    ])?;
    Ok(Ok(()))
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

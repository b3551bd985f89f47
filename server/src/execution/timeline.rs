//! A project's timeline (issue 15, exec): dated entries with text (Arabic required, French
//! optional) and attachments (issue 14's `attachments`, uploaded through
//! `POST /api/attachments`). Written by `RecordExecution`, each write audited.

use rusqlite::{Transaction, params};
use serde_json::json;
use tachkhis_shared::api::execution::{TimelineEntry, TimelineEntryInput};

use super::records::{MAX_TEXT_CHARS, check_date, invalid, project_number, too_long};
use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    users::auth,
};

pub const MAX_ATTACHMENTS: usize = 20;

/// Entries of a project (by date) or one entry.
pub fn entries(
    tx: &Transaction<'_>,
    project: Option<i64>,
    id: Option<i64>,
) -> AppResult<Vec<TimelineEntry>> {
    let mut stmt = tx.prepare(
        "SELECT id, project_id, happened_on, text_ar, text_fr, illustrative FROM project_timeline
         WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR id = ?2)
         ORDER BY happened_on, id",
    )?;
    let mut list: Vec<TimelineEntry> = stmt
        .query_map(params![project, id], |r| {
            Ok(TimelineEntry {
                id: r.get(0)?,
                project_id: r.get(1)?,
                input: TimelineEntryInput {
                    happened_on: r.get(2)?,
                    text_ar: r.get(3)?,
                    text_fr: r.get(4)?,
                    attachment_ids: Vec::new(),
                },
                illustrative: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut att = tx.prepare(
        "SELECT attachment_id FROM project_timeline_attachments WHERE entry_id = ?1
         ORDER BY attachment_id",
    )?;
    for e in &mut list {
        e.input.attachment_ids = att
            .query_map([e.id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
    }
    Ok(list)
}

fn get(tx: &Transaction<'_>, id: i64) -> AppResult<TimelineEntry> {
    entries(tx, None, Some(id))?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no timeline entry {id}")))
}

fn check(tx: &Transaction<'_>, input: &TimelineEntryInput) -> AppResult<TimelineEntryInput> {
    let mut reasons = Vec::new();
    if input.happened_on.trim().is_empty() {
        reasons.push("happened_on: the date is required (YYYY-MM-DD)".into());
    } else {
        check_date(
            "happened_on",
            &Some(input.happened_on.clone()),
            &mut reasons,
        );
    }
    let text_ar = input.text_ar.trim().to_string();
    if text_ar.is_empty() {
        reasons.push("text_ar: the Arabic text is required".into());
    }
    too_long("text_ar", &text_ar, MAX_TEXT_CHARS, &mut reasons);
    too_long("text_fr", &input.text_fr, MAX_TEXT_CHARS, &mut reasons);
    if input.attachment_ids.len() > MAX_ATTACHMENTS {
        reasons.push(format!("attachment_ids: at most {MAX_ATTACHMENTS}"));
    }
    if !reasons.is_empty() {
        return Err(invalid(reasons));
    }
    let mut ids = input.attachment_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    for a in &ids {
        crate::pac::attachments::check_exists(tx, Some(*a))?;
    }
    Ok(TimelineEntryInput {
        happened_on: input.happened_on.trim().into(),
        text_ar,
        text_fr: input.text_fr.trim().into(),
        attachment_ids: ids,
    })
}

/// Writes a checked entry (new when `id` is None); returns its id.
pub fn write(
    tx: &Transaction<'_>,
    id: Option<i64>,
    user_id: Option<i64>,
    project_id: i64,
    e: &TimelineEntryInput,
    illustrative: bool,
) -> AppResult<i64> {
    let now = now_secs();
    let id = match id {
        None => {
            tx.execute(
                "INSERT INTO project_timeline (project_id, happened_on, text_ar, text_fr,
                    illustrative, created_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![
                    project_id,
                    e.happened_on,
                    e.text_ar,
                    e.text_fr,
                    illustrative,
                    user_id,
                    now
                ],
            )?;
            tx.last_insert_rowid()
        }
        Some(id) => {
            tx.execute(
                "UPDATE project_timeline SET happened_on = ?2, text_ar = ?3, text_fr = ?4,
                    illustrative = ?5, updated_at = ?6 WHERE id = ?1",
                params![id, e.happened_on, e.text_ar, e.text_fr, illustrative, now],
            )?;
            tx.execute(
                "DELETE FROM project_timeline_attachments WHERE entry_id = ?1",
                [id],
            )?;
            id
        }
    };
    for a in &e.attachment_ids {
        tx.execute(
            "INSERT INTO project_timeline_attachments (entry_id, attachment_id) VALUES (?1, ?2)",
            params![id, a],
        )?;
    }
    Ok(id)
}

pub fn create(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    project_id: i64,
    input: &TimelineEntryInput,
) -> AppResult<TimelineEntry> {
    let number = project_number(tx, project_id)?;
    let e = check(tx, input)?;
    let id = write(tx, None, user_id, project_id, &e, false)?;
    auth::audit(
        tx,
        user_id,
        "timeline.create",
        Some(&format!("timeline:{id}")),
        Some(&json!({"project": number, "after": e}).to_string()),
    )?;
    get(tx, id)
}

pub fn update(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    id: i64,
    input: &TimelineEntryInput,
) -> AppResult<TimelineEntry> {
    let before = get(tx, id)?;
    let e = check(tx, input)?;
    write(tx, Some(id), user_id, before.project_id, &e, false)?;
    auth::audit(
        tx,
        user_id,
        "timeline.update",
        Some(&format!("timeline:{id}")),
        Some(&json!({"before": before.input, "after": e}).to_string()),
    )?;
    get(tx, id)
}

pub fn delete(tx: &Transaction<'_>, user_id: Option<i64>, id: i64) -> AppResult<()> {
    let before = get(tx, id)?;
    tx.execute("DELETE FROM project_timeline WHERE id = ?1", [id])?;
    auth::audit(
        tx,
        user_id,
        "timeline.delete",
        Some(&format!("timeline:{id}")),
        Some(&json!({"before": before.input}).to_string()),
    )?;
    Ok(())
}

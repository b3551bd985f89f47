//! Undo: an action is undone while what it changed is still as it left it; the undo is an
//! action too.

use super::*;

pub(super) struct Effects {
    /// proposal → (need before the action, need after it)
    pub(super) moves: BTreeMap<String, (Option<i64>, Option<i64>)>,
    /// (need, field) → (before, after)
    pub(super) edits: BTreeMap<(i64, NeedField), (Option<String>, Option<String>)>,
    pub(super) created: Vec<i64>,
    /// (need, project) → linked after the action
    pub(super) links: BTreeMap<(i64, i64), bool>,
}

pub(super) fn effects(tx: &Transaction<'_>, action: i64) -> AppResult<Effects> {
    let mut e = Effects {
        moves: BTreeMap::new(),
        edits: BTreeMap::new(),
        created: Vec::new(),
        links: BTreeMap::new(),
    };
    {
        let mut stmt = tx.prepare_cached(
            "SELECT proposal_id, from_need, to_need FROM proposal_moves WHERE action_id = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([action])?;
        while let Some(r) = rows.next()? {
            let (p, from, to): (String, Option<i64>, Option<i64>) =
                (r.get(0)?, r.get(1)?, r.get(2)?);
            e.moves
                .entry(p)
                .and_modify(|m| m.1 = to)
                .or_insert((from, to));
        }
    }
    {
        let mut stmt = tx.prepare_cached(
            "SELECT need_id, field, before, after FROM need_edits WHERE action_id = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([action])?;
        while let Some(r) = rows.next()? {
            let (need, field): (i64, NeedField) = (r.get(0)?, crate::db::code(r, 1)?);
            if field == NeedField::Created {
                e.created.push(need);
                continue;
            }
            let (before, after): (Option<String>, Option<String>) = (r.get(2)?, r.get(3)?);
            e.edits
                .entry((need, field))
                .and_modify(|v| v.1 = after.clone())
                .or_insert((before, after));
        }
    }
    {
        let mut stmt = tx.prepare_cached(
            "SELECT need_id, project_id, linked FROM need_link_changes WHERE action_id = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([action])?;
        while let Some(r) = rows.next()? {
            e.links.insert((r.get(0)?, r.get(1)?), r.get(2)?);
        }
    }
    Ok(e)
}

pub(super) fn is_open(tx: &Transaction<'_>, need: i64) -> AppResult<bool> {
    Ok(tx
        .query_row(
            "SELECT closed_at IS NULL FROM needs WHERE id = ?1",
            [need],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false))
}

/// Why `entry` cannot be undone now, or `None` when it can: everything it changed must still
/// be as it left it, the needs it puts proposals back into must be open (or reopened by the
/// same undo), and a need it created must hold nothing it did not put there.
pub(super) fn undo_blocker(tx: &Transaction<'_>, entry: &ActionEntry) -> AppResult<Option<String>> {
    if entry.undone_by.is_some() {
        return Ok(Some("this action was already undone".into()));
    }
    if entry.kind == ActionKind::Undo {
        return Ok(Some("an undo cannot itself be undone".into()));
    }
    let e = effects(tx, entry.id)?;
    for (p, (_, after)) in &e.moves {
        if current_need(tx, p)? != *after {
            return Ok(Some(format!(
                "proposal {p} was moved since; undo that change first"
            )));
        }
    }
    for ((need, field), (_, after)) in &e.edits {
        if field_value(tx, *need, field)? != *after {
            return Ok(Some(format!(
                "the {field} of need {need} was changed since; undo that change first"
            )));
        }
    }
    for ((need, project), linked) in &e.links {
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM projects WHERE id = ?1)",
            [project],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(Some(format!(
                "project {project}, linked or unlinked by this action, was deleted since"
            )));
        }
        if is_linked(tx, *need, *project)? != *linked {
            return Ok(Some(format!(
                "the link of need {need} to project {project} was changed since"
            )));
        }
    }
    let reopened: HashSet<i64> = e
        .edits
        .iter()
        .filter(|((_, f), (before, _))| *f == NeedField::ClosedAt && before.is_none())
        .map(|((n, _), _)| *n)
        .collect();
    for (before, _) in e.moves.values() {
        if let Some(n) = before
            && !reopened.contains(n)
            && !e.created.contains(n)
            && !is_open(tx, *n)?
        {
            return Ok(Some(format!(
                "need {n}, where proposals would go back, no longer exists"
            )));
        }
    }
    for need in &e.created {
        let others: i64 = tx.query_row(
            "SELECT count(*) FROM need_members WHERE need_id = ?1",
            [need],
            |r| r.get(0),
        )?;
        let own = e.moves.values().filter(|m| m.1 == Some(*need)).count() as i64;
        if others > own {
            return Ok(Some(format!(
                "proposals were added to need {need} since; move them out first"
            )));
        }
        let links: i64 = tx.query_row(
            "SELECT count(*) FROM need_projects WHERE need_id = ?1",
            [need],
            |r| r.get(0),
        )?;
        if links > 0 {
            return Ok(Some(format!(
                "need {need} was linked to projects since; unlink them first"
            )));
        }
    }
    Ok(None)
}

/// Undoes action `id`: proposals go back where they were, fields and links back to what they
/// were, needs it created close and needs it closed reopen. Recorded as an action itself.
pub fn undo(tx: &Transaction<'_>, user: &AuthUser, id: i64) -> AppResult<ActionDone> {
    let entry =
        action_entry(tx, id)?.ok_or_else(|| AppError::NotFound(format!("no action {id}")))?;
    if let Some(why) = undo_blocker(tx, &entry)? {
        return Err(AppError::Conflict(why));
    }
    let e = effects(tx, id)?;
    let action = begin(
        tx,
        user,
        ActionKind::Undo,
        json!({ "action": id, "kind": entry.kind }),
    )?;
    tx.execute(
        "UPDATE consolidation_actions SET undoes = ?2 WHERE id = ?1",
        params![action, id],
    )?;
    tx.execute(
        "UPDATE consolidation_actions SET undone_by = ?2 WHERE id = ?1",
        params![id, action],
    )?;
    // Reopen first, so that proposals can go back into needs this action had closed.
    for ((need, field), (before, _)) in &e.edits {
        if *field == NeedField::ClosedAt {
            set_field(tx, action, *need, field.clone(), before.as_deref())?;
        }
    }
    for (p, (before, _)) in &e.moves {
        place(tx, action, p, *before)?;
    }
    for ((need, field), (before, _)) in &e.edits {
        if *field != NeedField::ClosedAt {
            set_field(tx, action, *need, field.clone(), before.as_deref())?;
        }
    }
    for ((need, project), linked) in &e.links {
        set_link(tx, action, *need, *project, !linked)?;
    }
    let now = now_secs().to_string();
    for need in &e.created {
        set_field(tx, action, *need, NeedField::ClosedAt, Some(&now))?;
    }
    let need_id = e
        .created
        .first()
        .copied()
        .or_else(|| e.moves.values().find_map(|m| m.0));
    Ok(ActionDone {
        action_id: action,
        need_id,
    })
}

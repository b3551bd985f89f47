//! Undo: an action is undone while what it changed is still as it left it; the undo is an
//! action too.

use super::*;

/// What an action changed, and how each of those things stands now: all that deciding its undo
/// needs, read for a whole page of actions at once ([`effects`]).
#[derive(Default)]
pub(super) struct Effects {
    /// proposal → (need before the action, need after it)
    pub(super) moves: BTreeMap<String, (Option<i64>, Option<i64>)>,
    /// (need, field) → (before, after)
    pub(super) edits: BTreeMap<(i64, NeedField), (Option<String>, Option<String>)>,
    pub(super) created: Vec<i64>,
    /// (need, project) → linked after the action
    pub(super) links: BTreeMap<(i64, i64), bool>,
    now: Now,
}

/// The present state of what an action touched.
#[derive(Default)]
struct Now {
    /// proposal → the need it is in
    need_of: HashMap<String, Option<i64>>,
    /// (need, field) → its value
    fields: HashMap<(i64, NeedField), Option<String>>,
    /// need a proposal came from → open
    open: HashMap<i64, bool>,
    /// project → still exists
    project_exists: HashMap<i64, bool>,
    /// (need, project) → linked
    linked: HashMap<(i64, i64), bool>,
    /// created need → (its proposals, its project links)
    created_holds: HashMap<i64, (i64, i64)>,
}

/// The effects of `actions` with the present state of what they touched, in three queries
/// whatever their number (the log's page, a need's history, one undo).
pub(super) fn effects(tx: &Transaction<'_>, actions: &[i64]) -> AppResult<HashMap<i64, Effects>> {
    let ids = serde_json::to_string(actions).map_err(AppError::internal)?;
    let mut out: HashMap<i64, Effects> = actions.iter().map(|a| (*a, Effects::default())).collect();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT m.action_id, m.proposal_id, m.from_need, m.to_need,
                    (SELECT need_id FROM need_members WHERE proposal_id = m.proposal_id),
                    (SELECT closed_at IS NULL FROM needs WHERE id = m.from_need)
             FROM proposal_moves m
             WHERE m.action_id IN (SELECT value FROM json_each(?1)) ORDER BY m.id",
        )?;
        let mut rows = stmt.query([&ids])?;
        while let Some(r) = rows.next()? {
            let Some(e) = out.get_mut(&r.get::<_, i64>(0)?) else {
                continue;
            };
            let (p, from, to): (String, Option<i64>, Option<i64>) =
                (r.get(1)?, r.get(2)?, r.get(3)?);
            e.now.need_of.insert(p.clone(), r.get(4)?);
            if let Some(from) = from {
                let open: Option<bool> = r.get(5)?;
                e.now.open.insert(from, open.unwrap_or(false));
            }
            e.moves
                .entry(p)
                .and_modify(|m| m.1 = to)
                .or_insert((from, to));
        }
    }
    {
        let mut stmt = tx.prepare_cached(
            "SELECT e.action_id, e.need_id, e.field, e.before, e.after,
                    n.title, n.sector, n.description, CAST(n.closed_at AS TEXT),
                    CASE WHEN e.field = 'created'
                         THEN (SELECT count(*) FROM need_members WHERE need_id = e.need_id) END,
                    CASE WHEN e.field = 'created'
                         THEN (SELECT count(*) FROM need_projects WHERE need_id = e.need_id) END
             FROM need_edits e LEFT JOIN needs n ON n.id = e.need_id
             WHERE e.action_id IN (SELECT value FROM json_each(?1)) ORDER BY e.id",
        )?;
        let mut rows = stmt.query([&ids])?;
        while let Some(r) = rows.next()? {
            let Some(e) = out.get_mut(&r.get::<_, i64>(0)?) else {
                continue;
            };
            let (need, field): (i64, NeedField) = (r.get(1)?, crate::db::row::code(r, 2)?);
            if field == NeedField::Created {
                e.created.push(need);
                let holds = (
                    r.get::<_, Option<i64>>(9)?.unwrap_or(0),
                    r.get::<_, Option<i64>>(10)?.unwrap_or(0),
                );
                e.now.created_holds.insert(need, holds);
                continue;
            }
            let column = match field {
                NeedField::Title => 5,
                NeedField::Sector => 6,
                NeedField::Description => 7,
                NeedField::ClosedAt => 8,
                NeedField::Created | NeedField::Unknown(_) => {
                    return Err(AppError::internal(format!("need field {field}")));
                }
            };
            e.now.fields.insert((need, field.clone()), r.get(column)?);
            let (before, after): (Option<String>, Option<String>) = (r.get(3)?, r.get(4)?);
            e.edits
                .entry((need, field))
                .and_modify(|v| v.1 = after.clone())
                .or_insert((before, after));
        }
    }
    {
        let mut stmt = tx.prepare_cached(
            "SELECT c.action_id, c.need_id, c.project_id, c.linked,
                    EXISTS (SELECT 1 FROM projects WHERE id = c.project_id),
                    EXISTS (SELECT 1 FROM need_projects
                            WHERE need_id = c.need_id AND project_id = c.project_id)
             FROM need_link_changes c
             WHERE c.action_id IN (SELECT value FROM json_each(?1)) ORDER BY c.id",
        )?;
        let mut rows = stmt.query([&ids])?;
        while let Some(r) = rows.next()? {
            let Some(e) = out.get_mut(&r.get::<_, i64>(0)?) else {
                continue;
            };
            let (need, project): (i64, i64) = (r.get(1)?, r.get(2)?);
            e.links.insert((need, project), r.get(3)?);
            e.now.project_exists.insert(project, r.get(4)?);
            e.now.linked.insert((need, project), r.get(5)?);
        }
    }
    Ok(out)
}

/// Why `entry` cannot be undone now, or `None` when it can: everything it changed must still
/// be as it left it, the needs it puts proposals back into must be open (or reopened by the
/// same undo), and a need it created must hold nothing it did not put there.
pub(super) fn undo_blocker(entry: &ActionEntry, e: &Effects) -> Option<String> {
    if entry.undone_by.is_some() {
        return Some("this action was already undone".into());
    }
    if entry.kind == ActionKind::Undo {
        return Some("an undo cannot itself be undone".into());
    }
    for (p, (_, after)) in &e.moves {
        if e.now.need_of.get(p).copied().flatten() != *after {
            return Some(format!(
                "proposal {p} was moved since; undo that change first"
            ));
        }
    }
    for ((need, field), (_, after)) in &e.edits {
        let now = e.now.fields.get(&(*need, field.clone())).cloned().flatten();
        if now != *after {
            return Some(format!(
                "the {field} of need {need} was changed since; undo that change first"
            ));
        }
    }
    for ((need, project), linked) in &e.links {
        if !e.now.project_exists.get(project).copied().unwrap_or(false) {
            return Some(format!(
                "project {project}, linked or unlinked by this action, was deleted since"
            ));
        }
        if e.now
            .linked
            .get(&(*need, *project))
            .copied()
            .unwrap_or(false)
            != *linked
        {
            return Some(format!(
                "the link of need {need} to project {project} was changed since"
            ));
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
            && !e.now.open.get(n).copied().unwrap_or(false)
        {
            return Some(format!(
                "need {n}, where proposals would go back, no longer exists"
            ));
        }
    }
    for need in &e.created {
        let (members, links) = e.now.created_holds.get(need).copied().unwrap_or((0, 0));
        let own = e.moves.values().filter(|m| m.1 == Some(*need)).count() as i64;
        if members > own {
            return Some(format!(
                "proposals were added to need {need} since; move them out first"
            ));
        }
        if links > 0 {
            return Some(format!(
                "need {need} was linked to projects since; unlink them first"
            ));
        }
    }
    None
}

/// Undoes action `id`: proposals go back where they were, fields and links back to what they
/// were, needs it created close and needs it closed reopen. Recorded as an action itself.
pub fn undo(tx: &Transaction<'_>, user: &AuthUser, id: i64) -> AppResult<ActionDone> {
    let (entry, e) = action_entries(tx, &[id])?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no action {id}")))?;
    // The programme's structure shares the office's log and its undo.
    if crate::programme::structure::is_structure(&entry.kind) {
        return crate::programme::structure::undo(tx, user, &entry);
    }
    if let Some(why) = undo_blocker(&entry, &e) {
        return Err(AppError::Conflict(why));
    }
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
    unlearn(tx, id)?;
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

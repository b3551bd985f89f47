//! Writing: every action of the office (create, merge, split, move, edit, link), each one
//! transaction with its log rows.

use super::*;
use tachkhis_shared::codes::ErrorCode;

pub(super) fn validate_title(title: &str) -> AppResult<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(AppError::bad_request(
            ErrorCode::BadTitle,
            "a need has a title: say in a few words what people asked for",
        ));
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::bad_request(
            ErrorCode::BadTitle,
            format!("a need's title is at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(t.to_string())
}

pub(super) fn validate_description(d: &str) -> AppResult<()> {
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::bad_request(
            ErrorCode::BadDescription,
            format!("a need's description is at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(())
}

pub(super) fn validate_sector(sector: &Option<Sector>) -> AppResult<()> {
    match sector {
        Some(code) if !code.is_known() => Err(AppError::bad_request(
            ErrorCode::BadSector,
            format!("unknown sector code {:?}", code.code()),
        )),
        _ => Ok(()),
    }
}

/// The ids as stored text, without repeats; each must be a known proposal, and (unless
/// `allow_withdrawn`) not withdrawn.
pub(super) fn checked_ids(
    tx: &Transaction<'_>,
    ids: &[Uuid],
    allow_withdrawn: bool,
) -> AppResult<Vec<String>> {
    if ids.len() > MAX_PROPOSALS_PER_ACTION {
        return Err(AppError::bad_request(
            ErrorCode::TooMany,
            format!("at most {MAX_PROPOSALS_PER_ACTION} proposals at once"),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(ids.len());
    let mut stmt = tx.prepare_cached("SELECT deleted FROM proposals WHERE id = ?1")?;
    for id in ids {
        let key = id.to_string();
        if !seen.insert(key.clone()) {
            continue;
        }
        match stmt.query_row([&key], |r| r.get::<_, bool>(0)).optional()? {
            None => {
                return Err(AppError::bad_request(
                    ErrorCode::UnknownProposal,
                    format!("no proposal {key}"),
                ));
            }
            Some(true) if !allow_withdrawn => {
                return Err(AppError::bad_request(
                    ErrorCode::WithdrawnProposal,
                    format!("proposal {key} was withdrawn on the tablet and cannot be placed"),
                ));
            }
            Some(_) => out.push(key),
        }
    }
    Ok(out)
}

pub(super) fn live_need(tx: &Transaction<'_>, id: i64) -> AppResult<()> {
    let closed: Option<Option<i64>> = tx
        .query_row("SELECT closed_at FROM needs WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    match closed {
        None => Err(AppError::NotFound(format!("no need {id}"))),
        Some(Some(_)) => Err(AppError::Conflict(format!(
            "need {id} no longer exists (merged into another need, or its creation undone)"
        ))),
        Some(None) => Ok(()),
    }
}

pub(super) fn current_need(tx: &Transaction<'_>, proposal: &str) -> AppResult<Option<i64>> {
    Ok(tx
        .prepare_cached("SELECT need_id FROM need_members WHERE proposal_id = ?1")?
        .query_row([proposal], |r| r.get(0))
        .optional()?)
}

pub(super) fn begin(
    tx: &Transaction<'_>,
    user: &AuthUser,
    kind: ActionKind,
    detail: serde_json::Value,
) -> AppResult<i64> {
    log_action(tx, user, "needs", kind, detail)
}

/// A row of the office's one log (needs and the programme's structure), with its audit entry
/// (`{area}.{kind}`); undo finds the action's effects by its id.
pub(crate) fn log_action(
    tx: &Transaction<'_>,
    user: &AuthUser,
    area: &str,
    kind: ActionKind,
    detail: serde_json::Value,
) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO consolidation_actions (at, user_id, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        params![now_secs(), user.id, kind.code(), detail.to_string()],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        Some(user.id),
        &format!("{area}.{kind}"),
        Some(&format!("action:{id}")),
        Some(&detail.to_string()),
    )?;
    Ok(id)
}

/// Puts a proposal in `to` (or in no need), recording the move; nothing when it is there.
pub(super) fn place(
    tx: &Transaction<'_>,
    action: i64,
    proposal: &str,
    to: Option<i64>,
) -> AppResult<()> {
    let from = current_need(tx, proposal)?;
    if from == to {
        return Ok(());
    }
    match to {
        Some(need) => {
            tx.prepare_cached(
                "INSERT INTO need_members (proposal_id, need_id, action_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (proposal_id) DO UPDATE SET need_id = excluded.need_id, action_id = excluded.action_id",
            )?
            .execute(params![proposal, need, action])?;
        }
        None => {
            tx.prepare_cached("DELETE FROM need_members WHERE proposal_id = ?1")?
                .execute([proposal])?;
        }
    }
    tx.prepare_cached(
        "INSERT INTO proposal_moves (action_id, proposal_id, from_need, to_need) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![action, proposal, from, to])?;
    let now = now_secs();
    for need in [from, to].into_iter().flatten() {
        tx.prepare_cached("UPDATE needs SET updated_at = ?2 WHERE id = ?1")?
            .execute(params![need, now])?;
    }
    Ok(())
}

pub(super) fn field_value(
    tx: &Transaction<'_>,
    need: i64,
    field: &NeedField,
) -> AppResult<Option<String>> {
    let sql = match field {
        NeedField::Title => "SELECT title FROM needs WHERE id = ?1",
        NeedField::Sector => "SELECT sector FROM needs WHERE id = ?1",
        NeedField::Description => "SELECT description FROM needs WHERE id = ?1",
        NeedField::ClosedAt => "SELECT CAST(closed_at AS TEXT) FROM needs WHERE id = ?1",
        NeedField::Created | NeedField::Unknown(_) => {
            return Err(AppError::internal(format!("need field {field}")));
        }
    };
    Ok(tx.query_row(sql, [need], |r| r.get(0))?)
}

/// Sets a field of a need, recording the value before; nothing when it is unchanged.
pub(super) fn set_field(
    tx: &Transaction<'_>,
    action: i64,
    need: i64,
    field: NeedField,
    value: Option<&str>,
) -> AppResult<()> {
    let before = field_value(tx, need, &field)?;
    if before.as_deref() == value {
        return Ok(());
    }
    let now = now_secs();
    match &field {
        NeedField::Title => {
            let title = value.unwrap_or_default();
            tx.execute(
                "UPDATE needs SET title = ?2, title_norm = ?3, updated_at = ?4 WHERE id = ?1",
                params![need, title, normalize(title), now],
            )?;
        }
        NeedField::Sector => {
            tx.execute(
                "UPDATE needs SET sector = ?2, updated_at = ?3 WHERE id = ?1",
                params![need, value, now],
            )?;
        }
        NeedField::Description => {
            tx.execute(
                "UPDATE needs SET description = ?2, updated_at = ?3 WHERE id = ?1",
                params![need, value.unwrap_or_default(), now],
            )?;
        }
        NeedField::ClosedAt => {
            let at: Option<i64> = value.and_then(|v| v.parse().ok());
            tx.execute(
                "UPDATE needs SET closed_at = ?2, updated_at = ?3 WHERE id = ?1",
                params![need, at, now],
            )?;
        }
        _ => return Err(AppError::internal(format!("need field {field}"))),
    }
    tx.prepare_cached(
        "INSERT INTO need_edits (action_id, need_id, field, before, after) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![action, need, field.code(), before, value])?;
    Ok(())
}

pub(super) fn insert_need(
    tx: &Transaction<'_>,
    user: &AuthUser,
    action: i64,
    title: &str,
    sector: &Option<Sector>,
    description: &str,
) -> AppResult<i64> {
    let now = now_secs();
    tx.execute(
        "INSERT INTO needs (title, title_norm, sector, description, created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
        params![
            title,
            normalize(title),
            sector.as_ref().map(Sector::code),
            description,
            now,
            user.id
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO need_edits (action_id, need_id, field, before, after) VALUES (?1, ?2, 'created', NULL, '1')",
        params![action, id],
    )?;
    Ok(id)
}

/// Creates a need (title, sector, description) under `action` and moves the proposals in.
pub(super) fn new_need_of(
    tx: &Transaction<'_>,
    user: &AuthUser,
    action: i64,
    (title, sector, description): (&str, &Option<Sector>, &str),
    proposals: &[String],
) -> AppResult<ActionDone> {
    let need = insert_need(tx, user, action, title, sector, description)?;
    for p in proposals {
        place(tx, action, p, Some(need))?;
    }
    Ok(ActionDone {
        action_id: action,
        need_id: Some(need),
    })
}

/// A new need made of these proposals (taken from wherever they were).
pub fn create_need(tx: &Transaction<'_>, user: &AuthUser, body: &NewNeed) -> AppResult<ActionDone> {
    let title = validate_title(&body.title)?;
    validate_sector(&body.sector)?;
    validate_description(&body.description)?;
    let ids = checked_ids(tx, &body.proposal_ids, false)?;
    let action = begin(
        tx,
        user,
        ActionKind::Create,
        json!({ "title": title, "sector": body.sector, "proposal_ids": ids }),
    )?;
    learn_pairs(tx, &together_pairs(&ids), Some(action))?;
    new_need_of(
        tx,
        user,
        action,
        (&title, &body.sector, &body.description),
        &ids,
    )
}

/// Proposals, and every proposal of other needs (which close), into need `id`.
pub fn merge_into(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    body: &MergeInto,
) -> AppResult<ActionDone> {
    live_need(tx, id)?;
    if body.proposal_ids.is_empty() && body.need_ids.is_empty() {
        return Err(AppError::bad_request(
            ErrorCode::BadRequest,
            "say which proposals or needs to merge",
        ));
    }
    let ids = checked_ids(tx, &body.proposal_ids, false)?;
    let mut needs: Vec<i64> = body.need_ids.clone();
    needs.sort_unstable();
    needs.dedup();
    if needs.contains(&id) {
        return Err(AppError::bad_request(
            ErrorCode::BadRequest,
            "a need cannot be merged into itself",
        ));
    }
    for n in &needs {
        live_need(tx, *n)?;
    }
    let action = begin(
        tx,
        user,
        ActionKind::Merge,
        json!({ "into": id, "proposal_ids": ids, "need_ids": needs }),
    )?;
    if !ids.is_empty() {
        // Put together with the need's members (a few of them) and with each other.
        let members: Vec<String> = tx
            .prepare(
                "SELECT proposal_id FROM need_members WHERE need_id = ?1 ORDER BY proposal_id LIMIT 10",
            )?
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut pairs = together_pairs(&ids);
        for p in &ids {
            for m in members.iter().filter(|m| *m != p) {
                pairs.push((p.clone(), m.clone(), true));
            }
        }
        learn_pairs(tx, &pairs, Some(action))?;
    }
    for p in &ids {
        place(tx, action, p, Some(id))?;
    }
    let now = now_secs().to_string();
    for n in &needs {
        let members: Vec<String> = tx
            .prepare_cached("SELECT proposal_id FROM need_members WHERE need_id = ?1")?
            .query_map([n], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for p in &members {
            place(tx, action, p, Some(id))?;
        }
        // The closed need's project links go to the need it joined.
        let projects: Vec<i64> = tx
            .prepare_cached("SELECT project_id FROM need_projects WHERE need_id = ?1")?
            .query_map([n], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for project in projects {
            set_link(tx, action, *n, project, false)?;
            set_link(tx, action, id, project, true)?;
        }
        set_field(tx, action, *n, NeedField::ClosedAt, Some(&now))?;
    }
    Ok(ActionDone {
        action_id: action,
        need_id: Some(id),
    })
}

/// Some of need `id`'s proposals form a new need.
pub fn split(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    body: &SplitNeed,
) -> AppResult<ActionDone> {
    live_need(tx, id)?;
    let title = validate_title(&body.title)?;
    validate_sector(&body.sector)?;
    validate_description(&body.description)?;
    let ids = checked_ids(tx, &body.proposal_ids, true)?;
    if ids.is_empty() {
        return Err(AppError::bad_request(
            ErrorCode::BadRequest,
            "say which proposals leave for the new need",
        ));
    }
    for p in &ids {
        if current_need(tx, p)? != Some(id) {
            return Err(AppError::bad_request(
                ErrorCode::NotInNeed,
                format!("proposal {p} is not in need {id}"),
            ));
        }
    }
    let action = begin(
        tx,
        user,
        ActionKind::Split,
        json!({ "from": id, "title": title, "proposal_ids": ids }),
    )?;
    // Alike among themselves, not like those that stay.
    let from: Vec<(String, Option<i64>)> = ids.iter().map(|p| (p.clone(), Some(id))).collect();
    let mut pairs = together_pairs(&ids);
    pairs.extend(moved_pairs(tx, &ids, &from, None)?);
    learn_pairs(tx, &pairs, Some(action))?;
    new_need_of(
        tx,
        user,
        action,
        (&title, &body.sector, &body.description),
        &ids,
    )
}

/// Proposals into need `need_id`, or out of any need.
pub fn move_proposals(
    tx: &Transaction<'_>,
    user: &AuthUser,
    body: &MoveProposals,
) -> AppResult<ActionDone> {
    if let Some(n) = body.need_id {
        live_need(tx, n)?;
    }
    // A withdrawn proposal may be taken out of its need, never put in one.
    let ids = checked_ids(tx, &body.proposal_ids, body.need_id.is_none())?;
    if ids.is_empty() {
        return Err(AppError::bad_request(
            ErrorCode::BadRequest,
            "say which proposals to move",
        ));
    }
    let action = begin(
        tx,
        user,
        ActionKind::Move,
        json!({ "to": body.need_id, "proposal_ids": ids }),
    )?;
    let from: Vec<(String, Option<i64>)> = ids
        .iter()
        .map(|p| Ok((p.clone(), current_need(tx, p)?)))
        .collect::<AppResult<_>>()?;
    learn_pairs(
        tx,
        &moved_pairs(tx, &ids, &from, body.need_id)?,
        Some(action),
    )?;
    for p in &ids {
        place(tx, action, p, body.need_id)?;
    }
    Ok(ActionDone {
        action_id: action,
        need_id: body.need_id,
    })
}

pub fn patch_need(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    body: &NeedPatch,
) -> AppResult<ActionDone> {
    live_need(tx, id)?;
    let title = body.title.as_deref().map(validate_title).transpose()?;
    if let Some(sector) = &body.sector {
        validate_sector(sector)?;
    }
    if let Some(d) = &body.description {
        validate_description(d)?;
    }
    let action = begin(
        tx,
        user,
        ActionKind::Edit,
        json!({ "need": id, "title": title, "sector": body.sector, "description": body.description }),
    )?;
    if let Some(t) = &title {
        set_field(tx, action, id, NeedField::Title, Some(t))?;
    }
    if let Some(s) = &body.sector {
        set_field(
            tx,
            action,
            id,
            NeedField::Sector,
            s.as_ref().map(Sector::code),
        )?;
    }
    if let Some(d) = &body.description {
        set_field(tx, action, id, NeedField::Description, Some(d))?;
    }
    Ok(ActionDone {
        action_id: action,
        need_id: Some(id),
    })
}

pub(super) fn is_linked(tx: &Transaction<'_>, need: i64, project: i64) -> AppResult<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM need_projects WHERE need_id = ?1 AND project_id = ?2)",
        [need, project],
        |r| r.get(0),
    )?)
}

pub(super) fn set_link(
    tx: &Transaction<'_>,
    action: i64,
    need: i64,
    project: i64,
    linked: bool,
) -> AppResult<()> {
    if is_linked(tx, need, project)? == linked {
        return Ok(());
    }
    if linked {
        tx.execute(
            "INSERT INTO need_projects (need_id, project_id, action_id) VALUES (?1, ?2, ?3)",
            params![need, project, action],
        )?;
    } else {
        tx.execute(
            "DELETE FROM need_projects WHERE need_id = ?1 AND project_id = ?2",
            params![need, project],
        )?;
    }
    tx.execute(
        "INSERT INTO need_link_changes (action_id, need_id, project_id, linked) VALUES (?1, ?2, ?3, ?4)",
        params![action, need, project, linked],
    )?;
    Ok(())
}

pub fn link_project(
    tx: &Transaction<'_>,
    user: &AuthUser,
    need: i64,
    project: i64,
    linked: bool,
) -> AppResult<ActionDone> {
    live_need(tx, need)?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM projects WHERE id = ?1)",
        [project],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(AppError::NotFound(format!("no project {project}")));
    }
    if is_linked(tx, need, project)? == linked {
        return Err(AppError::Conflict(if linked {
            format!("need {need} is already linked to project {project}")
        } else {
            format!("need {need} is not linked to project {project}")
        }));
    }
    let kind = if linked {
        ActionKind::Link
    } else {
        ActionKind::Unlink
    };
    let action = begin(tx, user, kind, json!({ "need": need, "project": project }))?;
    set_link(tx, action, need, project, linked)?;
    Ok(ActionDone {
        action_id: action,
        need_id: Some(need),
    })
}

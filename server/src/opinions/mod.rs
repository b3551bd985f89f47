//! The council's bodies (issue 14): the standing committees and the IEECAG (at most one, Law
//! 113.14 art. 120), their members (users of role `committee` for a committee, `ieecag` for
//! the IEECAG) and each one's chair, set up by the administrator (`Action::ManageBodies`).
//! Every change is one audit entry with what it changed from.
//!
//! `opinions.rs`: each body's opinions on the draft (written by its members only, checked
//! here in the write's transaction) and the office's answers; `report.rs`: a body's report.
//! [`for_version`] is what the PAC document reads. Tables from migration 0016.

pub mod demo;
// The layout names it so (`opinions::opinions::write`); the bodies are this module.
#[allow(clippy::module_inception)]
pub mod opinions;
pub mod report;

use std::collections::HashSet;

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;
use tachkhis_shared::{
    api::opinions::{
        BodyChange, BodyKind, Candidate, CouncilBody, MAX_BODIES, MAX_MEMBERS, MAX_NAME_CHARS,
        Member, MembersInput, NewBody,
    },
    codes::ErrorCode,
    permissions::Role,
    text::normalize,
};

use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    users::auth::{self, AuthUser},
};

pub use opinions::for_version;

fn invalid(message: impl Into<String>) -> AppError {
    AppError::bad_request(ErrorCode::InvalidCouncilBody, message)
}

/// A name as kept: trimmed, not blank (when required), not too long.
fn name(field: &str, value: &str, required: bool) -> AppResult<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(invalid(format!("{field} is required")));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "{field} is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(format!("{field} holds a control character")));
    }
    Ok(value.to_string())
}

/// Every body in order (retired ones too), with its members (chair first, then by name).
pub fn bodies(tx: &Transaction<'_>) -> AppResult<Vec<CouncilBody>> {
    let mut out = tx
        .prepare_cached(
            "SELECT id, kind, name_ar, name_fr, position, retired FROM bodies
             ORDER BY retired, position, id",
        )?
        .query_map([], |r| {
            Ok(CouncilBody {
                id: r.get(0)?,
                kind: crate::db::row::code(r, 1)?,
                name_ar: r.get(2)?,
                name_fr: r.get(3)?,
                position: r.get(4)?,
                retired: r.get(5)?,
                members: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = tx.prepare_cached(
        "SELECT m.body_id, m.user_id, u.username, u.display_name, m.is_chair, u.disabled
         FROM body_members m JOIN users u ON u.id = m.user_id
         ORDER BY m.is_chair DESC, COALESCE(u.display_name, u.username), u.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let body_id: i64 = r.get(0)?;
        if let Some(b) = out.iter_mut().find(|b| b.id == body_id) {
            b.members.push(Member {
                user_id: r.get(1)?,
                username: r.get(2)?,
                display_name: r.get(3)?,
                chair: r.get(4)?,
                disabled: r.get(5)?,
            });
        }
    }
    Ok(out)
}

/// One body, or 404.
pub fn body(tx: &Transaction<'_>, id: i64) -> AppResult<CouncilBody> {
    bodies(tx)?
        .into_iter()
        .find(|b| b.id == id)
        .ok_or_else(|| AppError::NotFound(format!("no body {id}")))
}

/// The active users who may sit in a body: role `committee` or `ieecag`.
pub fn candidates(tx: &Transaction<'_>) -> AppResult<Vec<Candidate>> {
    let rows = tx
        .prepare_cached(
            "SELECT id, username, display_name, role FROM users
             WHERE disabled = 0 AND role IN ('committee', 'ieecag')
             ORDER BY role, COALESCE(display_name, username), id",
        )?
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(user_id, username, display_name, role)| {
            Some(Candidate {
                user_id,
                username,
                display_name,
                role: Role::from_code(&role)?,
            })
        })
        .collect())
}

/// Names unique among the bodies in place, once normalised (two committees called alike
/// would be told apart by nobody reading their reports).
fn check_unique(tx: &Transaction<'_>, id: Option<i64>, name_ar: &str) -> AppResult<()> {
    let wanted = normalize(name_ar);
    let taken = tx
        .prepare_cached("SELECT id, name_ar FROM bodies WHERE retired = 0")?
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .any(|(other, n)| Some(other) != id && normalize(&n) == wanted);
    if taken {
        return Err(AppError::ConflictCode(
            ErrorCode::DuplicateName,
            format!("a body in place is already called «{name_ar}»"),
        ));
    }
    Ok(())
}

/// A new body, last in order. A second IEECAG is 409.
pub fn create(tx: &Transaction<'_>, user: &AuthUser, input: &NewBody) -> AppResult<CouncilBody> {
    if !input.kind.is_known() {
        return Err(invalid(format!(
            "kind '{}' is not a body kind (committee, ieecag)",
            input.kind
        )));
    }
    let name_ar = name("name_ar", &input.name_ar, true)?;
    let name_fr = name("name_fr", &input.name_fr, false)?;
    // Bodies in place are bounded; retired ones keep their opinions and do not count (a
    // council renews its committees every mandate), up to a bound on the table itself.
    let (in_place, all): (i64, i64) = tx.query_row(
        "SELECT count(*) FILTER (WHERE retired = 0), count(*) FROM bodies",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if in_place as usize >= MAX_BODIES || all as usize >= 20 * MAX_BODIES {
        return Err(invalid(format!("at most {MAX_BODIES} bodies in place")));
    }
    if input.kind == BodyKind::Ieecag {
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM bodies WHERE kind = 'ieecag')",
            [],
            |r| r.get(0),
        )?;
        if exists {
            return Err(AppError::Conflict(
                "the commune has its IEECAG already (at most one): rename it instead".into(),
            ));
        }
    }
    check_unique(tx, None, &name_ar)?;
    let position: i64 = tx.query_row(
        "SELECT COALESCE(max(position), 0) + 1 FROM bodies",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO bodies (kind, name_ar, name_fr, position, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![input.kind.code(), name_ar, name_fr, position, now_secs()],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        Some(user.id),
        "body.create",
        Some(&format!("body:{id}")),
        Some(
            &json!({"kind": input.kind.code(), "name_ar": name_ar, "name_fr": name_fr}).to_string(),
        ),
    )?;
    body(tx, id)
}

/// Renames, moves, retires or brings back a body. 409 when nothing changes.
pub fn update(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    change: &BodyChange,
) -> AppResult<CouncilBody> {
    let before = body(tx, id)?;
    let name_ar = match &change.name_ar {
        Some(n) => name("name_ar", n, true)?,
        None => before.name_ar.clone(),
    };
    let name_fr = match &change.name_fr {
        Some(n) => name("name_fr", n, false)?,
        None => before.name_fr.clone(),
    };
    let position = change.position.unwrap_or(before.position);
    if !(0..=10_000).contains(&position) {
        return Err(invalid("position must be between 0 and 10000"));
    }
    let retired = change.retired.unwrap_or(before.retired);
    if (&name_ar, &name_fr, position, retired)
        == (
            &before.name_ar,
            &before.name_fr,
            before.position,
            before.retired,
        )
    {
        return Err(AppError::Conflict("nothing to change".into()));
    }
    if !retired {
        check_unique(tx, Some(id), &name_ar)?;
    }
    tx.execute(
        "UPDATE bodies SET name_ar = ?2, name_fr = ?3, position = ?4, retired = ?5 WHERE id = ?1",
        params![id, name_ar, name_fr, position, retired],
    )?;
    auth::audit(
        tx,
        Some(user.id),
        "body.update",
        Some(&format!("body:{id}")),
        Some(
            &json!({
                "before": {"name_ar": before.name_ar, "name_fr": before.name_fr,
                           "position": before.position, "retired": before.retired},
                "after": {"name_ar": name_ar, "name_fr": name_fr,
                          "position": position, "retired": retired},
            })
            .to_string(),
        ),
    )?;
    body(tx, id)
}

/// Replaces a body's members: each an active user of the body's role, once, at most one
/// chair. Every problem is named in one answer.
pub fn set_members(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    input: &MembersInput,
) -> AppResult<CouncilBody> {
    let before = body(tx, id)?;
    let Some(role) = before.kind.member_role() else {
        return Err(invalid(format!(
            "body {id} is of a kind this server does not know ('{}')",
            before.kind
        )));
    };
    if input.members.len() > MAX_MEMBERS {
        return Err(invalid(format!("at most {MAX_MEMBERS} members")));
    }
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for m in &input.members {
        if !seen.insert(m.user_id) {
            problems.push(format!("user {} is listed twice", m.user_id));
            continue;
        }
        let found: Option<(String, String, bool)> = tx
            .query_row(
                "SELECT username, role, disabled FROM users WHERE id = ?1",
                [m.user_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match found {
            None => problems.push(format!("no user {}", m.user_id)),
            Some((username, r, _)) if r != role.code() => problems.push(format!(
                "{username} has the role {r}: a member of {} must have the role {}",
                if role == Role::Ieecag {
                    "the IEECAG"
                } else {
                    "a committee"
                },
                role.code()
            )),
            // An account already a member may stay while deactivated; a new one may not join.
            Some((username, _, true)) if !before.members.iter().any(|b| b.user_id == m.user_id) => {
                problems.push(format!("{username} is deactivated"))
            }
            Some(_) => {}
        }
    }
    if input.members.iter().filter(|m| m.chair).count() > 1 {
        problems.push("a body has at most one chair".into());
    }
    if !problems.is_empty() {
        return Err(invalid(problems.join("; ")));
    }
    tx.execute("DELETE FROM body_members WHERE body_id = ?1", [id])?;
    for m in &input.members {
        tx.execute(
            "INSERT INTO body_members (body_id, user_id, is_chair) VALUES (?1, ?2, ?3)",
            params![id, m.user_id, m.chair],
        )?;
    }
    let list = |ms: &mut dyn Iterator<Item = (i64, bool)>| -> serde_json::Value {
        ms.map(|(u, c)| json!({"user_id": u, "chair": c})).collect()
    };
    auth::audit(
        tx,
        Some(user.id),
        "body.members",
        Some(&format!("body:{id}")),
        Some(
            &json!({
                "before": list(&mut before.members.iter().map(|m| (m.user_id, m.chair))),
                "after": list(&mut input.members.iter().map(|m| (m.user_id, m.chair))),
            })
            .to_string(),
        ),
    )?;
    body(tx, id)
}

//! A body's opinions on the draft version's programme and per project, and the office's answers
//! to reservations. Only a body's members write its opinions: the role is checked by the
//! permission table (`WriteOpinions`), the membership here, in the write's transaction, so a
//! member removed a moment ago writes nothing. Opinions are given on the draft; a frozen
//! version's opinions are read as they were (409 `version_frozen` to write).
//!
//! Writing again replaces the body's opinion on that subject (one row per version, body and
//! subject, its id kept). When its verdict or text changes, the office's answer to it no longer
//! answers it and is removed; the audit entry keeps the opinion and the answer as they were.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;
use tachkhis_shared::{
    api::opinions::{
        Answer, AnswerInput, BodyKind, BodyOpinions, MAX_TEXT_CHARS, Opinion, OpinionInput,
        OpinionProject, VersionOpinions, VersionRef,
    },
    codes::ErrorCode,
    session::validate_date,
};

use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    users::auth::{self, AuthUser},
};

fn invalid(message: impl Into<String>) -> AppError {
    AppError::bad_request(ErrorCode::InvalidOpinion, message)
}

fn version_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<VersionRef> {
    Ok(VersionRef {
        id: r.get(0)?,
        number: r.get(1)?,
        status: r.get(2)?,
    })
}

/// The version by its number; without one, the draft, else the latest version.
pub fn version(tx: &Transaction<'_>, number: Option<i64>) -> AppResult<VersionRef> {
    let found = match number {
        Some(n) => tx
            .query_row(
                "SELECT id, number, status FROM pac_versions WHERE number = ?1",
                [n],
                version_row,
            )
            .optional()?,
        None => tx
            .query_row(
                "SELECT id, number, status FROM pac_versions
                 ORDER BY status = 'draft' DESC, number DESC LIMIT 1",
                [],
                version_row,
            )
            .optional()?,
    };
    found.ok_or_else(|| match number {
        Some(n) => AppError::NotFound(format!("no version {n} of the PAC")),
        None => AppError::NotFound("the PAC has no version".into()),
    })
}

/// The draft, or 409 `version_frozen` naming the latest frozen version.
fn draft(tx: &Transaction<'_>) -> AppResult<VersionRef> {
    let v = version(tx, None)?;
    if v.is_draft() { Ok(v) } else { Err(frozen(&v)) }
}

fn frozen(v: &VersionRef) -> AppError {
    AppError::ConflictCode(
        ErrorCode::VersionFrozen,
        format!(
            "version {} of the PAC is {} (frozen): opinions and answers are given on the draft \
             under review only",
            v.number, v.status
        ),
    )
}

/// Opinions of one version (or one opinion), in reading order: by body, the programme's first,
/// then the projects in programme order (axis, programme, number), a project no longer in the
/// programme last by the number it had. On the draft a project's number and title are the
/// live ones; on a frozen version, those it had when the opinion was written.
fn read_opinions(
    tx: &Transaction<'_>,
    version_id: Option<i64>,
    opinion_id: Option<i64>,
) -> AppResult<Vec<Opinion>> {
    let mut stmt = tx.prepare_cached(
        "SELECT o.id, o.body_id, o.project_id,
                CASE WHEN v.status = 'draft' THEN COALESCE(p.number, o.project_number)
                     ELSE o.project_number END,
                CASE WHEN v.status = 'draft' THEN COALESCE(p.title_ar, o.project_title)
                     ELSE o.project_title END,
                o.verdict, o.text, o.date, o.attachment_id, u.username, o.written_at,
                o.illustrative, a.outcome, a.text, au.username, a.answered_at
         FROM opinions o
         JOIN pac_versions v ON v.id = o.version_id
         LEFT JOIN users u ON u.id = o.written_by
         LEFT JOIN reservation_answers a ON a.opinion_id = o.id
         LEFT JOIN users au ON au.id = a.answered_by
         LEFT JOIN projects p ON p.id = o.project_id
         LEFT JOIN programmes pg ON pg.id = p.programme_id
         LEFT JOIN axes ax ON ax.id = pg.axis_id
         WHERE (?1 IS NULL OR o.version_id = ?1) AND (?2 IS NULL OR o.id = ?2)
         ORDER BY o.body_id, o.project_id IS NOT NULL, p.id IS NULL, ax.id IS NULL,
                  ax.position, ax.id, pg.position, pg.id,
                  COALESCE(p.number, o.project_number), o.id",
    )?;
    let rows = stmt
        .query_map(params![version_id, opinion_id], |r| {
            let outcome: Option<String> = r.get(12)?;
            Ok(Opinion {
                id: r.get(0)?,
                body_id: r.get(1)?,
                project_id: r.get(2)?,
                project_number: r.get(3)?,
                project_title: r.get(4)?,
                verdict: crate::db::row::code(r, 5)?,
                text: r.get(6)?,
                date: r.get(7)?,
                attachment_id: r.get(8)?,
                written_by: r.get(9)?,
                written_at: r.get(10)?,
                illustrative: r.get(11)?,
                answer: match outcome {
                    Some(o) => Some(Answer {
                        outcome: tachkhis_shared::codes::AnswerOutcome::parse(&o),
                        text: r.get(13)?,
                        answered_by: r.get(14)?,
                        answered_at: r.get(15)?,
                    }),
                    None => None,
                },
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn one(tx: &Transaction<'_>, id: i64) -> AppResult<Opinion> {
    read_opinions(tx, None, Some(id))?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no opinion {id}")))
}

/// The live programme's projects in programme order.
fn projects(tx: &Transaction<'_>) -> AppResult<Vec<OpinionProject>> {
    Ok(tx
        .prepare_cached(
            "SELECT p.id, p.number, p.title_ar, p.title_fr, p.placeholder
             FROM projects p
             LEFT JOIN programmes pg ON pg.id = p.programme_id
             LEFT JOIN axes ax ON ax.id = pg.axis_id
             ORDER BY ax.id IS NULL, ax.position, ax.id, pg.position, pg.id, p.number",
        )?
        .query_map([], |r| {
            Ok(OpinionProject {
                id: r.get(0)?,
                number: r.get(1)?,
                title_ar: r.get(2)?,
                title_fr: r.get(3)?,
                placeholder: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Every body's opinions on a version (by its id), with the office's answers: the opinions
/// screen's data, and what the PAC document prints (bodies in their order; a retired body only
/// when it gave an opinion on this version).
pub fn for_version(tx: &Transaction<'_>, version_id: i64) -> AppResult<VersionOpinions> {
    let version = tx
        .query_row(
            "SELECT id, number, status FROM pac_versions WHERE id = ?1",
            [version_id],
            version_row,
        )
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no version with id {version_id}")))?;
    let opinions = read_opinions(tx, Some(version_id), None)?;
    let mut bodies = Vec::new();
    for body in super::bodies(tx)? {
        let mut programme = None;
        let mut on_projects = Vec::new();
        for o in opinions.iter().filter(|o| o.body_id == body.id) {
            match o.project_id {
                None => programme = Some(o.clone()),
                Some(_) => on_projects.push(o.clone()),
            }
        }
        if body.retired && programme.is_none() && on_projects.is_empty() {
            continue;
        }
        bodies.push(BodyOpinions {
            body,
            programme,
            projects: on_projects,
        });
    }
    Ok(VersionOpinions {
        awaiting_answer: opinions.iter().filter(|o| o.awaits_answer()).count(),
        illustrative: opinions.iter().any(|o| o.illustrative),
        version,
        bodies,
        projects: projects(tx)?,
    })
}

/// `GET /api/opinions`: a version by number, else the draft, else the latest.
pub fn read(tx: &Transaction<'_>, number: Option<i64>) -> AppResult<VersionOpinions> {
    let v = version(tx, number)?;
    for_version(tx, v.id)
}

/// Text as kept: trimmed, at most [`MAX_TEXT_CHARS`], no control character but line breaks
/// and tabs.
fn text(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(format!(
            "{field} is longer than {MAX_TEXT_CHARS} characters"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid(format!("{field} holds a control character")));
    }
    Ok(value.to_string())
}

/// Only a member of the body writes its opinions, and only a body of the member's role's
/// kind (an IEECAG member is never a committee's, whatever the membership table says). 404
/// for a body that does not exist; 403 with the body's name otherwise.
fn check_member(tx: &Transaction<'_>, user: &AuthUser, body_id: i64) -> AppResult<(String, bool)> {
    let (kind, name, retired, member): (String, String, bool, bool) = tx
        .query_row(
            "SELECT b.kind, b.name_ar, b.retired,
                    EXISTS (SELECT 1 FROM body_members m WHERE m.body_id = b.id AND m.user_id = ?2)
             FROM bodies b WHERE b.id = ?1",
            params![body_id, user.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no body {body_id}")))?;
    let kind = BodyKind::parse(&kind);
    if !member || kind.member_role() != Some(user.role) {
        return Err(AppError::Forbidden(format!(
            "only the members of «{name}» write its opinions, and {} is not one of them",
            user.username
        )));
    }
    Ok((name, retired))
}

/// Writes (or replaces) `body_id`'s opinion on the draft's programme (`project_id` None) or on
/// one project.
pub fn write(
    tx: &Transaction<'_>,
    user: &AuthUser,
    body_id: i64,
    project_id: Option<i64>,
    input: &OpinionInput,
) -> AppResult<Opinion> {
    let (body_name, retired) = check_member(tx, user, body_id)?;
    let version = draft(tx)?;
    if retired {
        return Err(AppError::Conflict(format!(
            "«{body_name}» is retired: it keeps its opinions and gives no new ones"
        )));
    }
    let project = match project_id {
        Some(id) => Some(
            tx.query_row(
                "SELECT number, title_ar FROM projects WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?
            .ok_or_else(|| AppError::NotFound(format!("no project {id}")))?,
        ),
        None => None,
    };
    let mut problems = Vec::new();
    if !input.verdict.is_known() {
        problems.push(format!(
            "verdict '{}' is not one of favourable, reservations, unfavourable",
            input.verdict
        ));
    }
    if let Err(e) = validate_date(&input.date) {
        problems.push(format!("date: {e}"));
    }
    let body_text = match text("text", &input.text) {
        Ok(t) => t,
        Err(e) => {
            problems.push(e.to_string());
            String::new()
        }
    };
    if input.verdict.needs_answer() && body_text.is_empty() {
        problems.push(
            "text is required with reservations or an unfavourable opinion: it is what the \
             office answers"
                .into(),
        );
    }
    if let Some(a) = input.attachment_id {
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM attachments WHERE id = ?1)",
            [a],
            |r| r.get(0),
        )?;
        if !exists {
            problems.push(format!("attachment {a} does not exist (upload it first)"));
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems.join("; ")));
    }
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM opinions
             WHERE version_id = ?1 AND body_id = ?2 AND COALESCE(project_id, 0) = COALESCE(?3, 0)",
            params![version.id, body_id, project_id],
            |r| r.get(0),
        )
        .optional()?;
    let before = existing.map(|id| one(tx, id)).transpose()?;
    if let Some(b) = &before
        && b.verdict == input.verdict
        && b.text == body_text
        && b.date == input.date
        && b.attachment_id == input.attachment_id
    {
        // The same opinion again (a second click): nothing to record.
        return Ok(b.clone());
    }
    let now = now_secs();
    let (number, title) = project.unzip();
    let id = match &before {
        Some(b) => {
            tx.execute(
                "UPDATE opinions SET verdict = ?2, text = ?3, date = ?4, attachment_id = ?5,
                        written_by = ?6, written_at = ?7, project_number = ?8,
                        project_title = ?9, illustrative = 0
                 WHERE id = ?1",
                params![
                    b.id,
                    input.verdict.code(),
                    body_text,
                    input.date,
                    input.attachment_id,
                    user.id,
                    now,
                    number,
                    title
                ],
            )?;
            if b.verdict != input.verdict || b.text != body_text {
                tx.execute(
                    "DELETE FROM reservation_answers WHERE opinion_id = ?1",
                    [b.id],
                )?;
            }
            b.id
        }
        None => {
            tx.execute(
                "INSERT INTO opinions (version_id, body_id, project_id, project_number,
                                       project_title, verdict, text, date, attachment_id,
                                       written_by, written_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    version.id,
                    body_id,
                    project_id,
                    number,
                    title,
                    input.verdict.code(),
                    body_text,
                    input.date,
                    input.attachment_id,
                    user.id,
                    now
                ],
            )?;
            tx.last_insert_rowid()
        }
    };
    auth::audit(
        tx,
        Some(user.id),
        "opinion.write",
        Some(&format!("opinion:{id}")),
        Some(
            &json!({
                "version": version.number,
                "body_id": body_id,
                "project_id": project_id,
                "before": before,
                "after": {"verdict": input.verdict.code(), "text": body_text,
                          "date": input.date, "attachment_id": input.attachment_id},
            })
            .to_string(),
        ),
    )?;
    one(tx, id)
}

/// The office's answer to a reservation or an unfavourable opinion on the draft: the project
/// changed or kept, and why. Answering again replaces it.
pub fn answer(
    tx: &Transaction<'_>,
    user: &AuthUser,
    opinion_id: i64,
    input: &AnswerInput,
) -> AppResult<Opinion> {
    let before = one(tx, opinion_id)?;
    if !before.verdict.needs_answer() {
        return Err(AppError::Conflict(format!(
            "opinion {opinion_id} is {}: only reservations and unfavourable opinions are answered",
            before.verdict
        )));
    }
    let version: VersionRef = tx.query_row(
        "SELECT v.id, v.number, v.status FROM opinions o
         JOIN pac_versions v ON v.id = o.version_id WHERE o.id = ?1",
        [opinion_id],
        version_row,
    )?;
    if !version.is_draft() {
        return Err(frozen(&version));
    }
    let mut problems = Vec::new();
    if !input.outcome.is_known() {
        problems.push(format!(
            "outcome '{}' is not one of changed, kept",
            input.outcome
        ));
    }
    let why = match text("text", &input.text) {
        Ok(t) if t.is_empty() => {
            problems.push("text is required: say what changed, or why the project is kept".into());
            t
        }
        Ok(t) => t,
        Err(e) => {
            problems.push(e.to_string());
            String::new()
        }
    };
    if !problems.is_empty() {
        return Err(invalid(problems.join("; ")));
    }
    if let Some(a) = &before.answer
        && a.outcome == input.outcome
        && a.text == why
    {
        return Ok(before);
    }
    tx.execute(
        "INSERT INTO reservation_answers (opinion_id, outcome, text, answered_by, answered_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (opinion_id) DO UPDATE SET outcome = excluded.outcome, text = excluded.text,
             answered_by = excluded.answered_by, answered_at = excluded.answered_at",
        params![opinion_id, input.outcome.code(), why, user.id, now_secs()],
    )?;
    auth::audit(
        tx,
        Some(user.id),
        "opinion.answer",
        Some(&format!("opinion:{opinion_id}")),
        Some(
            &json!({
                "before": before.answer,
                "after": {"outcome": input.outcome.code(), "text": why},
            })
            .to_string(),
        ),
    )?;
    one(tx, opinion_id)
}

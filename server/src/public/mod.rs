//! Public pages (issue 16): what the office publishes about each project, for the commune's
//! people, without login. The schema is `migrations/0023_public.sql`.
//!
//! - Publishing (this module): a project's page is published or withdrawn
//!   (`project_publications`), each proposal text shown is approved as it is
//!   (`proposal_approvals` keeps the approved text: a later edit on a tablet is not shown until
//!   approved again), the open data's licence (`public_licence`). Every change is logged in the
//!   audit log.
//! - [`project`] gathers one project's [`PublicProject`] (the page and the open data render the
//!   same value): the project sheet, funding, status and progress (`execution::progress`, the
//!   readers' shared figures), the timeline, and why it is in the programme (the sessions that
//!   asked for it, counted per douar and group, with the approved texts only).
//! - `html` renders the pages (server-side, no script, inline CSS and SVG), `open_data` the
//!   CSV and JSON files. The routes are `http/routes/public.rs`.
//!
//! Never read here: `raised_by`, facilitators, notes, photos, users' names (only the office's
//! screen sees who published).

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, params};
use tachkhis_shared::{
    api::public::{
        ApprovalInput, ApprovalReport, ApprovedText, AskCount, GroupCount, Licence, Named,
        OpenData, PublicFunder, PublicProject, PublicProposal, PublicTimelineEntry, PublishProject,
        PublishProposal, WhyAsked,
    },
    codes::{ErrorCode, ExecutionStatus, GroupKind},
};

use crate::{
    db::{now_secs, row},
    execution,
    http::error::{AppError, AppResult},
    programme::db_mad,
    users::auth::audit,
};

pub mod html;
pub mod open_data;

/// Most proposals one bulk approval names.
pub const MAX_BULK: usize = 5_000;
/// Longest licence text or address accepted.
pub const MAX_LICENCE_CHARS: usize = 2_000;

/// Distinct proposals (not deleted) traced to a project through the needs it answers.
const LINKED: &str = "SELECT DISTINCT p.id AS pid, p.session_id AS sid FROM need_projects np
     JOIN need_members m ON m.need_id = np.need_id
     JOIN proposals p ON p.id = m.proposal_id AND p.deleted = 0
     WHERE np.project_id = ?1";

// ---- Publishing (the office) ----------------------------------------------------------------

/// Every project of the programme with its published state, in number order.
pub fn publish_list(tx: &Transaction<'_>) -> AppResult<Vec<PublishProject>> {
    let mut stmt = tx.prepare(
        "SELECT p.id, p.number, p.title_ar, p.title_fr, COALESCE(pp.published, 0),
                pp.changed_at, u.username,
                (SELECT count(DISTINCT pr.id) FROM need_projects np
                   JOIN need_members m ON m.need_id = np.need_id
                   JOIN proposals pr ON pr.id = m.proposal_id AND pr.deleted = 0
                  WHERE np.project_id = p.id),
                (SELECT count(DISTINCT pr.id) FROM need_projects np
                   JOIN need_members m ON m.need_id = np.need_id
                   JOIN proposals pr ON pr.id = m.proposal_id AND pr.deleted = 0
                   JOIN proposal_approvals a ON a.proposal_id = pr.id
                  WHERE np.project_id = p.id)
         FROM projects p
         LEFT JOIN project_publications pp ON pp.project_id = p.id
         LEFT JOIN users u ON u.id = pp.changed_by
         ORDER BY p.number",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(PublishProject {
            project_id: r.get(0)?,
            number: r.get(1)?,
            title_ar: r.get(2)?,
            title_fr: r.get(3)?,
            published: r.get::<_, i64>(4)? == 1,
            changed_at: r.get(5)?,
            changed_by: r.get(6)?,
            proposals: r.get(7)?,
            approved: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn project_number(tx: &Transaction<'_>, project_id: i64) -> AppResult<i64> {
    tx.query_row(
        "SELECT number FROM projects WHERE id = ?1",
        [project_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| AppError::NotFound(format!("no project {project_id}")))
}

/// Publishes or withdraws a project's page; logged (`project.publish` / `project.withdraw`)
/// only when the state changes.
pub fn set_published(
    tx: &Transaction<'_>,
    user_id: i64,
    project_id: i64,
    published: bool,
) -> AppResult<PublishProject> {
    let number = project_number(tx, project_id)?;
    let before: bool = tx
        .query_row(
            "SELECT published FROM project_publications WHERE project_id = ?1",
            [project_id],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .is_some_and(|p| p == 1);
    if before != published {
        tx.execute(
            "INSERT INTO project_publications (project_id, published, changed_by, changed_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (project_id) DO UPDATE SET published = ?2, changed_by = ?3,
                 changed_at = ?4",
            params![project_id, published as i64, user_id, now_secs()],
        )?;
        let detail = serde_json::json!({ "number": number, "before": before, "after": published });
        audit(
            tx,
            Some(user_id),
            if published {
                "project.publish"
            } else {
                "project.withdraw"
            },
            Some(&format!("project:{project_id}")),
            Some(&detail.to_string()),
        )?;
    }
    publish_list(tx)?
        .into_iter()
        .find(|p| p.project_id == project_id)
        .ok_or_else(|| AppError::internal("the project vanished"))
}

/// The proposals behind a project (through its needs), with their approved texts.
pub fn proposals_of(tx: &Transaction<'_>, project_id: i64) -> AppResult<Vec<PublishProposal>> {
    project_number(tx, project_id)?;
    let mut stmt = tx.prepare(&format!(
        "SELECT p.id, p.problem, p.solution, p.douar_id, s.group_kind, s.date,
                a.problem, a.solution, a.approved_at, u.username
         FROM ({LINKED}) l
         JOIN proposals p ON p.id = l.pid
         JOIN sessions s ON s.id = p.session_id
         LEFT JOIN proposal_approvals a ON a.proposal_id = p.id
         LEFT JOIN users u ON u.id = a.approved_by
         ORDER BY s.date, s.id, p.rank DESC, p.id"
    ))?;
    let rows = stmt.query_map([project_id], |r| {
        let problem: String = r.get(1)?;
        let solution: String = r.get(2)?;
        let approved = match r.get::<_, Option<String>>(6)? {
            Some(a_problem) => Some(ApprovedText {
                problem: a_problem,
                solution: r.get(7)?,
                approved_at: r.get(8)?,
                approved_by: r.get(9)?,
            }),
            None => None,
        };
        let changed = approved
            .as_ref()
            .is_some_and(|a| a.problem != problem || a.solution != solution);
        Ok(PublishProposal {
            proposal_id: r.get(0)?,
            problem,
            solution,
            douar_id: r.get(3)?,
            group_kind: row::code::<GroupKind>(r, 4)?,
            session_date: r.get(5)?,
            approved,
            changed_since_approval: changed,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Approves the current texts of these proposals (or withdraws their approval), all or none:
/// an unknown or deleted proposal id is a 400 naming it. One audit entry for the request.
pub fn set_approvals(
    tx: &Transaction<'_>,
    user_id: i64,
    input: &ApprovalInput,
) -> AppResult<ApprovalReport> {
    if input.proposal_ids.is_empty() || input.proposal_ids.len() > MAX_BULK {
        return Err(AppError::bad_request(
            ErrorCode::BadBody,
            format!("name between 1 and {MAX_BULK} proposals"),
        ));
    }
    let now = now_secs();
    let mut changed = Vec::new();
    for id in &input.proposal_ids {
        let current: Option<(String, String)> = tx
            .query_row(
                "SELECT problem, solution FROM proposals WHERE id = ?1 AND deleted = 0",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((problem, solution)) = current else {
            return Err(AppError::bad_request(
                ErrorCode::UnknownProposal,
                format!("no proposal {:?}", id.chars().take(64).collect::<String>()),
            ));
        };
        let n = if input.approved {
            tx.execute(
                "INSERT INTO proposal_approvals (proposal_id, problem, solution, approved_by,
                     approved_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (proposal_id) DO UPDATE SET problem = ?2, solution = ?3,
                     approved_by = ?4, approved_at = ?5
                 WHERE problem != ?2 OR solution != ?3",
                params![id, problem, solution, user_id, now],
            )?
        } else {
            tx.execute(
                "DELETE FROM proposal_approvals WHERE proposal_id = ?1",
                [id],
            )?
        };
        if n > 0 {
            changed.push(id.clone());
        }
    }
    if !changed.is_empty() {
        let detail = serde_json::json!({ "proposals": changed, "approved": input.approved });
        audit(
            tx,
            Some(user_id),
            if input.approved {
                "proposal.approve_public"
            } else {
                "proposal.withdraw_public"
            },
            None,
            Some(&detail.to_string()),
        )?;
    }
    Ok(ApprovalReport {
        changed: changed.len(),
    })
}

/// The licence statement (blank until the administrator sets one).
pub fn licence(tx: &Transaction<'_>) -> AppResult<Licence> {
    Ok(tx
        .query_row(
            "SELECT text_ar, text_fr, url FROM public_licence WHERE id = 1",
            [],
            |r| {
                Ok(Licence {
                    text_ar: r.get(0)?,
                    text_fr: r.get(1)?,
                    url: r.get(2)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// Sets the licence statement (Arabic required; the address, when given, http(s)); logged
/// with before and after.
pub fn set_licence(tx: &Transaction<'_>, user_id: i64, input: &Licence) -> AppResult<Licence> {
    let bad = |m: &str| AppError::bad_request(ErrorCode::BadBody, m.to_string());
    let text_ar = input.text_ar.trim();
    let text_fr = input.text_fr.trim();
    let url = input.url.trim();
    if text_ar.is_empty() {
        return Err(bad("text_ar: the licence statement in Arabic is required"));
    }
    for (name, text) in [("text_ar", text_ar), ("text_fr", text_fr), ("url", url)] {
        if text.chars().count() > MAX_LICENCE_CHARS {
            return Err(bad(&format!(
                "{name}: longer than {MAX_LICENCE_CHARS} characters"
            )));
        }
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(bad(&format!("{name}: control characters")));
        }
    }
    let web = url.starts_with("https://") || url.starts_with("http://");
    if !(url.is_empty() || web) || url.chars().any(char::is_whitespace) {
        return Err(bad("url: an http(s) address"));
    }
    let before = licence(tx)?;
    let after = Licence {
        text_ar: text_ar.into(),
        text_fr: text_fr.into(),
        url: url.into(),
    };
    tx.execute(
        "INSERT INTO public_licence (id, text_ar, text_fr, url, updated_by, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET text_ar = ?1, text_fr = ?2, url = ?3, updated_by = ?4,
             updated_at = ?5",
        params![after.text_ar, after.text_fr, after.url, user_id, now_secs()],
    )?;
    let detail = serde_json::json!({ "before": before, "after": after });
    audit(
        tx,
        Some(user_id),
        "public.licence",
        None,
        Some(&detail.to_string()),
    )?;
    Ok(after)
}

// ---- Reading what is public ----------------------------------------------------------------

/// The id of the published project with this number; `None` for an unknown or unpublished
/// one (the same 404).
pub fn published_id(tx: &Transaction<'_>, number: i64) -> AppResult<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT p.id FROM projects p
             JOIN project_publications pp ON pp.project_id = p.id AND pp.published = 1
             WHERE p.number = ?1",
            [number],
            |r| r.get(0),
        )
        .optional()?)
}

/// The commune's names (Arabic, French).
pub fn commune(tx: &Transaction<'_>) -> AppResult<(String, String)> {
    Ok(tx
        .query_row(
            "SELECT name_ar, name_fr FROM communes ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_default())
}

fn named(id: String, ar: Option<String>, fr: Option<String>) -> Named {
    Named {
        name_ar: ar.unwrap_or_else(|| id.clone()),
        name_fr: fr.unwrap_or_default(),
        id,
    }
}

fn places(tx: &Transaction<'_>, project_id: i64) -> AppResult<(Vec<Named>, Vec<Named>)> {
    let poles = tx
        .prepare(
            "SELECT pp.pole_id, po.name_ar, po.name_fr FROM project_poles pp
             LEFT JOIN poles po ON po.id = pp.pole_id
             WHERE pp.project_id = ?1 ORDER BY po.position, pp.pole_id",
        )?
        .query_map([project_id], |r| Ok(named(r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let douars = tx
        .prepare(
            "SELECT pd.douar_id, d.name_ar, d.name_fr FROM project_douars pd
             LEFT JOIN douars d ON d.id = pd.douar_id
             WHERE pd.project_id = ?1 ORDER BY d.pole_id, d.position, pd.douar_id",
        )?
        .query_map([project_id], |r| Ok(named(r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((poles, douars))
}

/// One project's public content (published or not: the office's preview reads it too).
pub fn project(tx: &Transaction<'_>, project_id: i64) -> AppResult<PublicProject> {
    let head = tx
        .query_row(
            "SELECT p.number, p.title_ar, p.title_fr, p.description, p.sector, p.location,
                    p.commune_contribution, p.programme_id, g.name_ar, g.name_fr
             FROM projects p LEFT JOIN programmes g ON g.id = p.programme_id
             WHERE p.id = ?1",
            [project_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    db_mad(r.get(6)?)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no project {project_id}")))?;
    let (number, title_ar, title_fr, description, sector, location, commune_c, prog, g_ar, g_fr) =
        head;
    let (poles, douars) = places(tx, project_id)?;
    let partners = tx
        .prepare(
            "SELECT pa.name_ar, pa.name_fr, s.amount FROM project_partner_shares s
             JOIN partners pa ON pa.id = s.partner_id
             WHERE s.project_id = ?1 ORDER BY s.position",
        )?
        .query_map([project_id], |r| {
            Ok(PublicFunder {
                name_ar: r.get(0)?,
                name_fr: r.get(1)?,
                amount: db_mad(r.get(2)?)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let progress = execution::project_progress(tx, project_id)?
        .ok_or_else(|| AppError::NotFound(format!("no project {project_id}")))?;
    Ok(PublicProject {
        number,
        title_ar,
        title_fr,
        description,
        sector,
        programme: prog.map(|id| named(id.to_string(), g_ar, g_fr)),
        poles,
        douars,
        location,
        cost: progress.cost,
        commune_contribution: commune_c,
        partners,
        status: progress.status,
        programmed: progress.programmed,
        committed: progress.committed,
        paid: progress.paid,
        financial_percent: progress.financial_percent,
        indicators: progress.indicators,
        timeline: timeline(tx, project_id)?,
        why: why(tx, project_id)?,
    })
}

/// The office's timeline entries and the execution records' dates, in date order.
fn timeline(tx: &Transaction<'_>, project_id: i64) -> AppResult<Vec<PublicTimelineEntry>> {
    let mut out = tx
        .prepare(
            "SELECT happened_on, text_ar, text_fr FROM project_timeline
             WHERE project_id = ?1 ORDER BY happened_on, id",
        )?
        .query_map([project_id], |r| {
            Ok(PublicTimelineEntry {
                date: r.get(0)?,
                kind: "entry".into(),
                text_ar: r.get(1)?,
                text_fr: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = tx.prepare(
        "SELECT year, start_date, end_date, provisional_reception, final_reception
         FROM execution_records WHERE project_id = ?1 ORDER BY year",
    )?;
    let rows = stmt.query_map([project_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            [
                ("start", r.get::<_, Option<String>>(1)?),
                ("end", r.get(2)?),
                ("provisional_reception", r.get(3)?),
                ("final_reception", r.get(4)?),
            ],
        ))
    })?;
    for row in rows {
        let (_, dates) = row?;
        for (kind, date) in dates {
            if let Some(date) = date {
                let (ar, fr) = fact_label(kind);
                if !out.iter().any(|e| e.kind == kind && e.date == date) {
                    out.push(PublicTimelineEntry {
                        date,
                        kind: kind.into(),
                        text_ar: ar.into(),
                        text_fr: fr.into(),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(out)
}

fn fact_label(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "start" => ("انطلاق الأشغال", "Début des travaux"),
        "end" => ("انتهاء الأشغال", "Fin des travaux"),
        "provisional_reception" => ("التسلم المؤقت", "Réception provisoire"),
        "final_reception" => ("التسلم النهائي", "Réception définitive"),
        _ => ("", ""),
    }
}

/// Why the project is in the programme: the sessions whose proposals are traced to it.
fn why(tx: &Transaction<'_>, project_id: i64) -> AppResult<WhyAsked> {
    let (sessions, proposals): (i64, i64) = tx.query_row(
        &format!("SELECT count(DISTINCT sid), count(*) FROM ({LINKED})"),
        [project_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if proposals == 0 {
        return Ok(WhyAsked::default());
    }
    let by_group = tx
        .prepare(&format!(
            "SELECT s.group_kind, count(*) FROM sessions s
             WHERE s.id IN (SELECT sid FROM ({LINKED}))
             GROUP BY s.group_kind ORDER BY count(*) DESC, s.group_kind"
        ))?
        .query_map([project_id], |r| {
            Ok(GroupCount {
                group_kind: row::code(r, 0)?,
                sessions: r.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let by_douar_group = tx
        .prepare(&format!(
            "SELECT sd.douar_id, d.name_ar, d.name_fr, s.group_kind, count(DISTINCT s.id)
             FROM sessions s JOIN session_douars sd ON sd.session_id = s.id
             LEFT JOIN douars d ON d.id = sd.douar_id
             WHERE s.id IN (SELECT sid FROM ({LINKED}))
             GROUP BY sd.douar_id, s.group_kind
             ORDER BY d.pole_id, d.position, sd.douar_id, s.group_kind"
        ))?
        .query_map([project_id], |r| {
            Ok(AskCount {
                douar: named(r.get(0)?, r.get(1)?, r.get(2)?),
                group_kind: row::code(r, 3)?,
                sessions: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let texts = tx
        .prepare(&format!(
            "SELECT a.problem, a.solution, p.douar_id, d.name_ar, d.name_fr, s.group_kind, s.date
             FROM ({LINKED}) l
             JOIN proposal_approvals a ON a.proposal_id = l.pid
             JOIN proposals p ON p.id = l.pid
             JOIN sessions s ON s.id = p.session_id
             LEFT JOIN douars d ON d.id = p.douar_id
             ORDER BY s.date, s.id, p.rank DESC, p.id"
        ))?
        .query_map([project_id], |r| {
            Ok(PublicProposal {
                problem: r.get(0)?,
                solution: r.get(1)?,
                douar: r
                    .get::<_, Option<String>>(2)?
                    .map(|id| -> rusqlite::Result<Named> { Ok(named(id, r.get(3)?, r.get(4)?)) })
                    .transpose()?,
                group_kind: row::code(r, 5)?,
                session_date: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WhyAsked {
        sessions,
        proposals,
        by_group,
        by_douar_group,
        texts,
    })
}

/// The list's filters (plain GET form fields; blank = any).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListFilter {
    pub pole: Option<String>,
    pub douar: Option<String>,
    pub sector: Option<String>,
    /// An ExecutionStatus code, or `none` (no execution record yet).
    pub status: Option<String>,
}

impl ListFilter {
    fn get(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// A line of the public list.
#[derive(Debug, Clone)]
pub struct ListRow {
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    pub sector: Option<String>,
    pub poles: Vec<Named>,
    pub status: Option<ExecutionStatus>,
    pub financial_percent: Option<tachkhis_shared::api::monitoring::Quantity>,
}

/// The published projects matching the filter, in number order.
pub fn list(tx: &Transaction<'_>, filter: &ListFilter) -> AppResult<Vec<ListRow>> {
    let pole = ListFilter::get(&filter.pole);
    let douar = ListFilter::get(&filter.douar);
    let sector = ListFilter::get(&filter.sector);
    let status = ListFilter::get(&filter.status);
    let mut stmt = tx.prepare(
        "SELECT p.id, p.number, p.title_ar, p.title_fr, p.sector FROM projects p
         JOIN project_publications pp ON pp.project_id = p.id AND pp.published = 1
         WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM project_poles x
                                      WHERE x.project_id = p.id AND x.pole_id = ?1))
           AND (?2 IS NULL OR EXISTS (SELECT 1 FROM project_douars x
                                      WHERE x.project_id = p.id AND x.douar_id = ?2))
           AND (?3 IS NULL OR p.sector = ?3)
         ORDER BY p.number",
    )?;
    let heads = stmt
        .query_map(params![pole, douar, sector], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut progress = execution::progress(tx, None)?;
    let mut poles: HashMap<i64, Vec<Named>> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT pp.project_id, pp.pole_id, po.name_ar, po.name_fr FROM project_poles pp
             LEFT JOIN poles po ON po.id = pp.pole_id ORDER BY po.position, pp.pole_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, named(r.get(1)?, r.get(2)?, r.get(3)?)))
        })?;
        for row in rows {
            let (id, pole) = row?;
            poles.entry(id).or_default().push(pole);
        }
    }
    let mut out = Vec::new();
    for (id, number, title_ar, title_fr, sector) in heads {
        let p = progress.remove(&id);
        let st = p
            .as_ref()
            .and_then(|p| p.status.as_ref())
            .map(|s| s.status.clone());
        let keep = match status {
            None => true,
            Some("none") => st.is_none(),
            Some(code) => st.as_ref().is_some_and(|s| s.code() == code),
        };
        if keep {
            out.push(ListRow {
                number,
                title_ar,
                title_fr,
                sector,
                poles: poles.remove(&id).unwrap_or_default(),
                status: st,
                financial_percent: p.and_then(|p| p.financial_percent),
            });
        }
    }
    Ok(out)
}

/// The filter's choices: poles and douars (not retired), in the commune's order.
pub fn filter_choices(tx: &Transaction<'_>) -> AppResult<(Vec<Named>, Vec<Named>)> {
    let poles = tx
        .prepare(
            "SELECT id, name_ar, name_fr FROM poles WHERE retired_at IS NULL ORDER BY position",
        )?
        .query_map([], |r| Ok(named(r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let douars = tx
        .prepare(
            "SELECT d.id, d.name_ar, d.name_fr FROM douars d JOIN poles p ON p.id = d.pole_id
             WHERE d.retired_at IS NULL ORDER BY p.position, d.position",
        )?
        .query_map([], |r| Ok(named(r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((poles, douars))
}

/// Every published project's content, with the licence: the open data.
pub fn open_data(tx: &Transaction<'_>) -> AppResult<OpenData> {
    let ids = tx
        .prepare(
            "SELECT p.id FROM projects p
             JOIN project_publications pp ON pp.project_id = p.id AND pp.published = 1
             ORDER BY p.number",
        )?
        .query_map([], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let projects = ids
        .into_iter()
        .map(|id| project(tx, id))
        .collect::<AppResult<Vec<_>>>()?;
    let (commune_ar, commune_fr) = commune(tx)?;
    Ok(OpenData {
        commune_ar,
        commune_fr,
        licence: licence(tx)?,
        projects,
    })
}

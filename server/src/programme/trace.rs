//! A project's trace back to the needs, proposals and sessions it answers.

use super::*;
use crate::db::row::{parse_uuid, uuid_col};

/// Why a project is there: its alive needs, their proposals (in session date order) and each
/// proposal's session. A handful of queries whatever the size of the trace.
pub fn project_trace(tx: &Transaction<'_>, id: i64) -> AppResult<Option<ProjectTrace>> {
    let Some(project) = get_project(tx, id)? else {
        return Ok(None);
    };
    let mut needs: Vec<TraceNeed> = tx
        .prepare(
            "SELECT n.id, n.title, n.sector, n.description FROM need_projects np
             JOIN needs n ON n.id = np.need_id
             WHERE np.project_id = ?1 AND n.closed_at IS NULL ORDER BY n.id",
        )?
        .query_map([id], |r| {
            Ok(TraceNeed {
                id: r.get(0)?,
                title: r.get(1)?,
                sector: crate::db::row::opt_code(r, 2)?,
                description: r.get(3)?,
                proposals: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    // The sessions behind the project, each read once.
    const SESSIONS_OF_PROJECT: &str = "SELECT DISTINCT p.session_id FROM need_projects np
        JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL
        JOIN need_members nm ON nm.need_id = np.need_id
        JOIN proposals p ON p.id = nm.proposal_id
        WHERE np.project_id = ?1";
    let mut sessions: HashMap<String, TraceSession> = HashMap::new();
    let mut stmt = tx.prepare(&format!(
        "SELECT id, pole_id, group_kind, date, present FROM sessions WHERE id IN ({SESSIONS_OF_PROJECT})"
    ))?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let sid: String = r.get(0)?;
        sessions.insert(
            sid.clone(),
            TraceSession {
                id: parse_uuid(0, &sid)?,
                pole_id: r.get(1)?,
                douar_ids: Vec::new(),
                group_kind: crate::db::row::code(r, 2)?,
                date: r.get(3)?,
                attendance: Vec::new(),
                present: r.get(4)?,
            },
        );
    }
    drop(rows);
    let mut stmt = tx.prepare(&format!(
        "SELECT session_id, douar_id FROM session_douars WHERE session_id IN ({SESSIONS_OF_PROJECT})
         ORDER BY session_id, douar_id"
    ))?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        if let Some(s) = sessions.get_mut(&r.get::<_, String>(0)?) {
            s.douar_ids.push(r.get(1)?);
        }
    }
    drop(rows);
    let mut stmt = tx.prepare(&format!(
        "SELECT session_id, category, count FROM attendance WHERE session_id IN ({SESSIONS_OF_PROJECT})
         ORDER BY session_id, rowid"
    ))?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        if let Some(s) = sessions.get_mut(&r.get::<_, String>(0)?) {
            s.attendance.push(AttendanceRow {
                category: crate::db::row::code(r, 1)?,
                count: r.get(2)?,
            });
        }
    }
    drop(rows);
    let need_index: HashMap<i64, usize> =
        needs.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut stmt = tx.prepare(
        "SELECT nm.need_id, p.id, p.problem, p.solution, p.sector, p.douar_id, p.deleted, p.votes,
                p.session_id
         FROM need_projects np
         JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL
         JOIN need_members nm ON nm.need_id = np.need_id
         JOIN proposals p ON p.id = nm.proposal_id
         JOIN sessions s ON s.id = p.session_id
         WHERE np.project_id = ?1 ORDER BY s.date, s.id, p.rank DESC, p.id",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let (Some(&ni), Some(session)) = (
            need_index.get(&r.get::<_, i64>(0)?),
            sessions.get(&r.get::<_, String>(8)?),
        ) else {
            continue;
        };
        needs[ni].proposals.push(TraceProposal {
            id: uuid_col(r, 1)?,
            problem: r.get(2)?,
            solution: r.get(3)?,
            sector: crate::db::row::opt_code(r, 4)?,
            douar_id: r.get(5)?,
            deleted: r.get(6)?,
            votes: r.get(7)?,
            session: session.clone(),
        });
    }
    drop(rows);
    let sessions_by_group = GroupKind::ALL
        .iter()
        .filter_map(|g| {
            let n = sessions.values().filter(|s| s.group_kind == *g).count() as i64;
            (n > 0).then(|| GroupCount {
                group_kind: g.clone(),
                sessions: n,
            })
        })
        .collect();
    Ok(Some(ProjectTrace {
        project,
        needs,
        sessions: sessions.len() as i64,
        present: sessions.values().map(|s| s.present).sum(),
        sessions_by_group,
    }))
}

//! Reading: the office's proposal rows, needs with their counts and history, lineages and
//! the action log.

use super::*;
use crate::db::row::{split_ids, uuid_col};

pub(super) const PROPOSAL_SELECT: &str = "SELECT p.id, p.session_id, p.problem, p.solution, p.sector, p.douar_id, p.raised_by,
        p.votes, s.pole_id, s.group_kind, s.date, s.present, p.deleted, m.need_id, n.title,
        (SELECT coalesce(group_concat(sd.douar_id, char(31)), '') FROM session_douars sd WHERE sd.session_id = s.id),
        p.douar_unknown
     FROM proposals p
     JOIN sessions s ON s.id = p.session_id
     LEFT JOIN need_members m ON m.proposal_id = p.id
     LEFT JOIN needs n ON n.id = m.need_id";

pub(super) fn proposal_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OfficeProposal> {
    let deleted: bool = r.get(12)?;
    let need_id: Option<i64> = r.get(13)?;
    let status = if deleted {
        ProposalStatus::Withdrawn
    } else if need_id.is_some() {
        ProposalStatus::Placed
    } else {
        ProposalStatus::Unplaced
    };
    let douars: String = r.get(15)?;
    Ok(OfficeProposal {
        id: uuid_col(r, 0)?,
        session_id: uuid_col(r, 1)?,
        problem: r.get(2)?,
        solution: r.get(3)?,
        sector: crate::db::row::opt_code(r, 4)?,
        douar_id: r.get(5)?,
        raised_by: r.get(6)?,
        votes: r.get(7)?,
        pole_id: r.get(8)?,
        group_kind: crate::db::row::code(r, 9)?,
        date: r.get(10)?,
        present: r.get(11)?,
        status,
        need_id,
        need_title: r.get(14)?,
        session_douar_ids: split_ids(&douars),
        douar_unknown: r.get(16)?,
    })
}

/// The office's proposal table: filtered, newest session first, one page.
pub fn list_proposals(tx: &Transaction<'_>, f: &ProposalFilter) -> AppResult<ProposalPage> {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let arg = |v: Value, args: &mut Vec<Value>| {
        args.push(v);
        args.len()
    };
    if let Some(pole) = &f.pole {
        let n = arg(Value::Text(pole.clone()), &mut args);
        clauses.push(format!("s.pole_id = ?{n}"));
    }
    if let Some(douar) = &f.douar {
        let n = arg(Value::Text(douar.clone()), &mut args);
        clauses.push(format!(
            "(p.douar_id = ?{n} OR (p.douar_id IS NULL AND EXISTS (SELECT 1 FROM session_douars sd WHERE sd.session_id = p.session_id AND sd.douar_id = ?{n})))"
        ));
    }
    if let Some(kind) = &f.group_kind {
        let n = arg(Value::Text(kind.code().to_string()), &mut args);
        clauses.push(format!("s.group_kind = ?{n}"));
    }
    if let Some(sector) = &f.sector {
        let n = arg(Value::Text(sector.code().to_string()), &mut args);
        clauses.push(format!("p.sector = ?{n}"));
    }
    if let Some(session) = &f.session {
        let n = arg(Value::Text(session.to_string()), &mut args);
        clauses.push(format!("p.session_id = ?{n}"));
    }
    if let Some(need) = f.need {
        let n = arg(Value::Integer(need), &mut args);
        clauses.push(format!("m.need_id = ?{n}"));
    }
    if let Some(status) = &f.status {
        match status {
            ProposalStatus::Unplaced => clauses.push("p.deleted = 0 AND m.need_id IS NULL".into()),
            ProposalStatus::Placed => {
                clauses.push("p.deleted = 0 AND m.need_id IS NOT NULL".into())
            }
            ProposalStatus::Withdrawn => clauses.push("p.deleted = 1".into()),
            ProposalStatus::Unknown(_) => {
                return Err(AppError::bad_request(
                    ErrorCode::BadFilter,
                    "status is one of unplaced, placed, withdrawn",
                ));
            }
        }
    }
    if let Some(q) = &f.q {
        for word in normalize(q).split(' ').filter(|w| !w.is_empty()) {
            let n = arg(Value::Text(word.to_string()), &mut args);
            clauses.push(format!(
                "(instr(p.problem_norm, ?{n}) > 0 OR instr(p.solution_norm, ?{n}) > 0)"
            ));
        }
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let total: i64 = tx.query_row(
        &format!(
            "SELECT count(*) FROM proposals p JOIN sessions s ON s.id = p.session_id
             LEFT JOIN need_members m ON m.proposal_id = p.id{filter}"
        ),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let limit = f.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let offset = f.offset.unwrap_or(0);
    let mut stmt = tx.prepare(&format!(
        "{PROPOSAL_SELECT}{filter} ORDER BY s.date DESC, s.id, p.rank DESC, p.created_at LIMIT {limit} OFFSET {offset}"
    ))?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), proposal_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ProposalPage { total, rows })
}

/// Every live need with what its proposals say about it, most raised first.
pub fn list_needs(tx: &Transaction<'_>) -> AppResult<Vec<NeedSummary>> {
    let mut needs = summaries(tx, None)?;
    needs.sort_by(|a, b| {
        b.sessions
            .cmp(&a.sessions)
            .then(b.proposals.cmp(&a.proposals))
            .then(a.id.cmp(&b.id))
    });
    Ok(needs)
}

pub(super) fn summaries(tx: &Transaction<'_>, only: Option<i64>) -> AppResult<Vec<NeedSummary>> {
    let mut out: BTreeMap<i64, NeedSummary> = BTreeMap::new();
    let (need_filter, arg): (&str, Option<i64>) = match only {
        Some(id) => ("WHERE n.id = ?1", Some(id)),
        None => ("WHERE n.closed_at IS NULL", None),
    };
    let args: Vec<i64> = arg.into_iter().collect();
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT n.id, n.title, n.sector, n.description, n.updated_at FROM needs n {need_filter}"
        ))?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
            Ok(NeedSummary {
                id: r.get(0)?,
                title: r.get(1)?,
                sector: crate::db::row::opt_code(r, 2)?,
                description: r.get(3)?,
                updated_at: r.get(4)?,
                proposals: 0,
                withdrawn: 0,
                sessions: 0,
                sessions_by_group: BTreeMap::new(),
                present: 0,
                pole_ids: Vec::new(),
                douar_ids: Vec::new(),
                project_ids: Vec::new(),
            })
        })?;
        for row in rows {
            let row = row?;
            out.insert(row.id, row);
        }
    }
    // Per need: its proposals with their session (one pass over the members).
    struct Acc {
        sessions: HashSet<String>,
        poles: BTreeSet<String>,
        douars: BTreeSet<String>,
    }
    let mut acc: HashMap<i64, Acc> = HashMap::new();
    let mut session_info: HashMap<String, (GroupKind, i64)> = HashMap::new();
    let mut session_douars: HashMap<String, Vec<String>> = HashMap::new();
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT m.need_id, p.deleted, p.session_id, s.group_kind, s.present, s.pole_id, p.douar_id
             FROM need_members m JOIN needs n ON n.id = m.need_id
             JOIN proposals p ON p.id = m.proposal_id JOIN sessions s ON s.id = p.session_id
             {need_filter}"
        ))?;
        let mut rows = stmt.query(params_from_iter(args.iter()))?;
        while let Some(r) = rows.next()? {
            let need: i64 = r.get(0)?;
            let Some(summary) = out.get_mut(&need) else {
                continue;
            };
            if r.get::<_, bool>(1)? {
                summary.withdrawn += 1;
                continue;
            }
            summary.proposals += 1;
            let session: String = r.get(2)?;
            let a = acc.entry(need).or_insert_with(|| Acc {
                sessions: HashSet::new(),
                poles: BTreeSet::new(),
                douars: BTreeSet::new(),
            });
            a.poles.insert(r.get(5)?);
            match r.get::<_, Option<String>>(6)? {
                Some(d) => {
                    a.douars.insert(d);
                }
                None => {
                    // No douar named: the proposal is about its session's douars.
                    session_douars.entry(session.clone()).or_default();
                }
            }
            session_info.insert(session.clone(), (crate::db::row::code(r, 3)?, r.get(4)?));
            a.sessions.insert(session);
        }
    }
    if !session_douars.is_empty() {
        let mut stmt =
            tx.prepare_cached("SELECT douar_id FROM session_douars WHERE session_id = ?1")?;
        for (session, douars) in session_douars.iter_mut() {
            *douars = stmt
                .query_map([session], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
        }
        let mut stmt = tx.prepare(&format!(
            "SELECT m.need_id, p.session_id FROM need_members m JOIN needs n ON n.id = m.need_id
             JOIN proposals p ON p.id = m.proposal_id {need_filter} AND p.deleted = 0 AND p.douar_id IS NULL"
        ))?;
        let mut rows = stmt.query(params_from_iter(args.iter()))?;
        while let Some(r) = rows.next()? {
            let need: i64 = r.get(0)?;
            let session: String = r.get(1)?;
            if let (Some(a), Some(ds)) = (acc.get_mut(&need), session_douars.get(&session)) {
                a.douars.extend(ds.iter().cloned());
            }
        }
    }
    for (need, a) in acc {
        let Some(summary) = out.get_mut(&need) else {
            continue;
        };
        summary.sessions = a.sessions.len() as i64;
        for s in &a.sessions {
            if let Some((kind, present)) = session_info.get(s) {
                *summary.sessions_by_group.entry(kind.clone()).or_insert(0) += 1;
                summary.present += present;
            }
        }
        summary.pole_ids = a.poles.into_iter().collect();
        summary.douar_ids = a.douars.into_iter().collect();
    }
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT l.need_id, l.project_id FROM need_projects l JOIN needs n ON n.id = l.need_id {need_filter} ORDER BY l.project_id"
        ))?;
        let mut rows = stmt.query(params_from_iter(args.iter()))?;
        while let Some(r) = rows.next()? {
            if let Some(s) = out.get_mut(&r.get::<_, i64>(0)?) {
                s.project_ids.push(r.get(1)?);
            }
        }
    }
    Ok(out.into_values().collect())
}

pub fn need_detail(tx: &Transaction<'_>, id: i64) -> AppResult<Option<NeedDetail>> {
    let Some(summary) = summaries(tx, Some(id))?.pop() else {
        return Ok(None);
    };
    let closed_at: Option<i64> =
        tx.query_row("SELECT closed_at FROM needs WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    let proposal_list = list_proposals(
        tx,
        &ProposalFilter {
            need: Some(id),
            limit: Some(MAX_PAGE),
            ..ProposalFilter::default()
        },
    )?
    .rows;
    let action_ids: Vec<i64> = tx
        .prepare(
            "SELECT action_id FROM proposal_moves WHERE from_need = ?1 OR to_need = ?1
             UNION SELECT action_id FROM need_edits WHERE need_id = ?1
             UNION SELECT action_id FROM need_link_changes WHERE need_id = ?1
             ORDER BY 1 DESC LIMIT 500",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let history = action_entries(tx, &action_ids)?
        .into_iter()
        .map(|(entry, _)| entry)
        .collect();
    Ok(Some(NeedDetail {
        summary,
        proposal_list,
        history,
        closed_at,
    }))
}

pub fn lineage(tx: &Transaction<'_>, proposal: Uuid) -> AppResult<Option<Lineage>> {
    let key = proposal.to_string();
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM proposals WHERE id = ?1) OR EXISTS (SELECT 1 FROM proposal_moves WHERE proposal_id = ?1)",
        [&key],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(None);
    }
    let need_id = current_need(tx, &key)?;
    let steps = tx
        .prepare(
            "SELECT m.action_id, a.at, u.username, a.kind, m.from_need, m.to_need
             FROM proposal_moves m JOIN consolidation_actions a ON a.id = m.action_id
             LEFT JOIN users u ON u.id = a.user_id
             WHERE m.proposal_id = ?1 ORDER BY m.id",
        )?
        .query_map([&key], |r| {
            Ok(LineageStep {
                action_id: r.get(0)?,
                at: r.get(1)?,
                username: r.get(2)?,
                kind: crate::db::row::code(r, 3)?,
                from_need: r.get(4)?,
                to_need: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(Lineage {
        proposal_id: proposal,
        need_id,
        steps,
    }))
}

const ENTRY_SELECT: &str = "SELECT a.id, a.at, u.username, a.kind, a.detail, a.undoes, a.undone_by,
        (SELECT count(*) FROM proposal_moves m WHERE m.action_id = a.id)
     FROM consolidation_actions a LEFT JOIN users u ON u.id = a.user_id";

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ActionEntry> {
    Ok(ActionEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        username: r.get(2)?,
        kind: crate::db::row::code(r, 3)?,
        detail: r.get(4)?,
        undoes: r.get(5)?,
        undone_by: r.get(6)?,
        proposals_moved: r.get(7)?,
        can_undo: false,
    })
}

/// Each entry with what it changed and whether it can be undone now: the effects of all of
/// them in one read (`undo::effects`), not a few queries per entry.
fn with_effects(
    tx: &Transaction<'_>,
    entries: Vec<ActionEntry>,
) -> AppResult<Vec<(ActionEntry, Effects)>> {
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let mut effects = effects(tx, &ids)?;
    // Changes of the programme's structure are in the same log, undone by their own rules.
    let structure: Vec<&ActionEntry> = entries
        .iter()
        .filter(|e| crate::programme::structure::is_structure(&e.kind))
        .collect();
    let structure = crate::programme::structure::blockers(tx, &structure)?;
    Ok(entries
        .into_iter()
        .map(|mut entry| {
            let e = effects.remove(&entry.id).unwrap_or_default();
            entry.can_undo = match structure.get(&entry.id) {
                Some(blocker) => blocker.is_none(),
                None => undo_blocker(&entry, &e).is_none(),
            };
            (entry, e)
        })
        .collect())
}

/// The actions `ids` that exist, newest first, with their effects.
pub(super) fn action_entries(
    tx: &Transaction<'_>,
    ids: &[i64],
) -> AppResult<Vec<(ActionEntry, Effects)>> {
    let ids = serde_json::to_string(ids).map_err(AppError::internal)?;
    let entries = tx
        .prepare_cached(&format!(
            "{ENTRY_SELECT} WHERE a.id IN (SELECT value FROM json_each(?1)) ORDER BY a.id DESC"
        ))?
        .query_map([ids], entry_row)?
        .collect::<Result<Vec<_>, _>>()?;
    with_effects(tx, entries)
}

/// The consolidation log, newest first: four queries whatever the page's length.
pub fn list_actions(tx: &Transaction<'_>, limit: u32) -> AppResult<Vec<ActionEntry>> {
    let entries = tx
        .prepare_cached(&format!("{ENTRY_SELECT} ORDER BY a.id DESC LIMIT ?1"))?
        .query_map([limit.clamp(1, 1000)], entry_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(with_effects(tx, entries)?
        .into_iter()
        .map(|(entry, _)| entry)
        .collect())
}

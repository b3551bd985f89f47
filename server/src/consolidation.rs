//! Consolidation: the design office groups proposals into needs.
//!
//! Invariants, kept by every function here in one transaction:
//! - a proposal is in at most one need (`need_members` is keyed by the proposal), or in none;
//! - every placement change is a row of `proposal_moves` (the proposal's lineage), every change
//!   of a need's fields a row of `need_edits` (with the value before), every link change a row
//!   of `need_link_changes`, all under one `consolidation_actions` row with who and when, and an
//!   `audit_log` entry;
//! - an action can be undone while what it changed is still as it left it; the undo is an
//!   action too, so the log stays complete;
//! - proposals are the projection of the tablets' documents: a proposal edited on a tablet keeps
//!   its place (same id); one deleted on a tablet keeps its place and shows as withdrawn, and is
//!   left out of every count.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rusqlite::{OptionalExtension, Transaction, params, params_from_iter, types::Value};
use serde_json::json;
use tachkhis_shared::{
    Sector,
    consolidation::{
        ActionDone, ActionEntry, Lineage, LineageStep, MergeInto, MoveProposals, NeedDetail,
        NeedPatch, NeedSummary, NewNeed, OfficeProposal, ProposalFilter, ProposalPage,
        ProposalStatus, RejectSuggestion, SplitNeed, Suggestion, SuggestionReason,
    },
    text::normalize,
};
use uuid::Uuid;

use crate::{
    auth::{self, AuthUser},
    db::now_secs,
    error::{AppError, AppResult},
    suggest,
};

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// Most proposals one action may move.
pub const MAX_PROPOSALS_PER_ACTION: usize = 10_000;
pub const DEFAULT_PAGE: u32 = 500;
pub const MAX_PAGE: u32 = 5_000;

// ---------------------------------------------------------------------------------------------
// Reading

const PROPOSAL_SELECT: &str = "SELECT p.id, p.session_id, p.problem, p.solution, p.sector, p.douar_id, p.raised_by,
        p.votes, s.pole_id, s.group_kind, s.date, s.present, p.deleted, m.need_id, n.title,
        (SELECT coalesce(group_concat(sd.douar_id, char(31)), '') FROM session_douars sd WHERE sd.session_id = s.id),
        p.douar_unknown
     FROM proposals p
     JOIN sessions s ON s.id = p.session_id
     LEFT JOIN need_members m ON m.proposal_id = p.id
     LEFT JOIN needs n ON n.id = m.need_id";

fn uuid_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let s: String = r.get(i)?;
    Uuid::parse_str(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn split_ids(s: &str) -> Vec<String> {
    s.split('\u{1f}')
        .filter(|d| !d.is_empty())
        .map(String::from)
        .collect()
}

fn proposal_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OfficeProposal> {
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
        sector: r.get(4)?,
        douar_id: r.get(5)?,
        raised_by: r.get(6)?,
        votes: r.get(7)?,
        pole_id: r.get(8)?,
        group_kind: r.get(9)?,
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
        let n = arg(Value::Text(kind.clone()), &mut args);
        clauses.push(format!("s.group_kind = ?{n}"));
    }
    if let Some(sector) = &f.sector {
        let n = arg(Value::Text(sector.clone()), &mut args);
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
        match ProposalStatus::from_code(status) {
            Some(ProposalStatus::Unplaced) => {
                clauses.push("p.deleted = 0 AND m.need_id IS NULL".into())
            }
            Some(ProposalStatus::Placed) => {
                clauses.push("p.deleted = 0 AND m.need_id IS NOT NULL".into())
            }
            Some(ProposalStatus::Withdrawn) => clauses.push("p.deleted = 1".into()),
            None => {
                return Err(AppError::bad_request(
                    "bad_filter",
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

fn summaries(tx: &Transaction<'_>, only: Option<i64>) -> AppResult<Vec<NeedSummary>> {
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
                sector: r.get(2)?,
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
    let mut session_info: HashMap<String, (String, i64)> = HashMap::new();
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
            session_info.insert(session.clone(), (r.get(3)?, r.get(4)?));
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
    let mut history = Vec::with_capacity(action_ids.len());
    for a in action_ids {
        if let Some(entry) = action_entry(tx, a)? {
            history.push(entry);
        }
    }
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
                kind: r.get(3)?,
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

fn action_entry(tx: &Transaction<'_>, id: i64) -> AppResult<Option<ActionEntry>> {
    let Some(mut entry) = tx
        .query_row(
            "SELECT a.id, a.at, u.username, a.kind, a.detail, a.undoes, a.undone_by,
                    (SELECT count(*) FROM proposal_moves m WHERE m.action_id = a.id)
             FROM consolidation_actions a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = ?1",
            [id],
            |r| {
                Ok(ActionEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    username: r.get(2)?,
                    kind: r.get(3)?,
                    detail: r.get(4)?,
                    undoes: r.get(5)?,
                    undone_by: r.get(6)?,
                    proposals_moved: r.get(7)?,
                    can_undo: false,
                })
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    entry.can_undo = undo_blocker(tx, &entry)?.is_none();
    Ok(Some(entry))
}

/// The consolidation log, newest first.
pub fn list_actions(tx: &Transaction<'_>, limit: u32) -> AppResult<Vec<ActionEntry>> {
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM consolidation_actions ORDER BY id DESC LIMIT ?1")?
        .query_map([limit.clamp(1, 1000)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(e) = action_entry(tx, id)? {
            out.push(e);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Suggestions

/// Groups of proposals that say the same thing, best first: either a new need (unplaced
/// proposals alike), or unplaced proposals to add to the live need their look-alikes are in.
pub fn suggestions(tx: &Transaction<'_>, limit: usize) -> AppResult<Vec<Suggestion>> {
    struct Row {
        id: String,
        problem: String,
        need: Option<i64>,
    }
    let mut session_douars: HashMap<String, Vec<String>> = HashMap::new();
    {
        let mut stmt = tx.prepare("SELECT session_id, douar_id FROM session_douars")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            session_douars.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut items: Vec<suggest::Item> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT p.id, p.problem, p.problem_norm, p.solution_norm, p.sector, p.douar_id, p.session_id, s.pole_id, m.need_id
             FROM proposals p JOIN sessions s ON s.id = p.session_id
             LEFT JOIN need_members m ON m.proposal_id = p.id
             LEFT JOIN needs n ON n.id = m.need_id
             WHERE p.deleted = 0 AND (m.need_id IS NULL OR n.closed_at IS NULL)
             ORDER BY p.id",
        )?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let problem_norm: String = r.get(2)?;
            let solution_norm: String = r.get(3)?;
            let douar: Option<String> = r.get(5)?;
            let session: String = r.get(6)?;
            let douars = match douar {
                Some(d) => vec![d],
                None => session_douars.get(&session).cloned().unwrap_or_default(),
            };
            items.push(suggest::Item {
                text_norm: format!("{problem_norm} {solution_norm}"),
                sector: r.get(4)?,
                pole: r.get(7)?,
                douars,
            });
            rows.push(Row {
                id: r.get(0)?,
                problem: r.get(1)?,
                need: r.get(8)?,
            });
        }
    }
    let index: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut rejected: HashSet<(usize, usize)> = HashSet::new();
    {
        let mut stmt = tx.prepare("SELECT proposal_a, proposal_b FROM suggestion_rejections")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let (a, b): (String, String) = (r.get(0)?, r.get(1)?);
            if let (Some(&i), Some(&j)) = (index.get(a.as_str()), index.get(b.as_str())) {
                rejected.insert((i.min(j), i.max(j)));
            }
        }
    }
    let groups = suggest::suggest(&items, &rejected, &suggest::Params::default());
    let mut titles: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::new();
    for g in groups {
        let unplaced: Vec<usize> = g
            .members
            .iter()
            .copied()
            .filter(|m| rows[*m].need.is_none())
            .collect();
        if unplaced.is_empty() {
            continue;
        }
        let mut need_votes: BTreeMap<i64, usize> = BTreeMap::new();
        for m in &g.members {
            if let Some(n) = rows[*m].need {
                *need_votes.entry(n).or_insert(0) += 1;
            }
        }
        let need_id = need_votes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(n, _)| *n);
        if need_id.is_none() && unplaced.len() < 2 {
            continue;
        }
        let need_title = match need_id {
            Some(n) => Some(match titles.get(&n) {
                Some(t) => t.clone(),
                None => {
                    let t: String =
                        tx.query_row("SELECT title FROM needs WHERE id = ?1", [n], |r| r.get(0))?;
                    titles.insert(n, t.clone());
                    t
                }
            }),
            None => None,
        };
        let first_sector = &items[g.members[0]].sector;
        let same_sector = if g.members.iter().all(|m| &items[*m].sector == first_sector) {
            first_sector.clone()
        } else {
            None
        };
        let first_pole = &items[g.members[0]].pole;
        let same_pole = g
            .members
            .iter()
            .all(|m| &items[*m].pole == first_pole)
            .then(|| first_pole.clone());
        let douar_ids: BTreeSet<String> = g
            .members
            .iter()
            .flat_map(|m| items[*m].douars.iter().cloned())
            .collect();
        let proposed_title = unplaced
            .iter()
            .map(|m| rows[*m].problem.trim())
            .filter(|t| !t.is_empty())
            .min_by_key(|t| t.chars().count())
            .unwrap_or_default()
            .to_string();
        let mut proposal_ids: Vec<Uuid> = unplaced
            .iter()
            .filter_map(|m| Uuid::parse_str(&rows[*m].id).ok())
            .collect();
        proposal_ids.sort();
        out.push(Suggestion {
            proposal_ids,
            need_id,
            need_title,
            confidence: g.confidence,
            reason: SuggestionReason {
                shared_words: g.shared_terms,
                same_sector,
                douar_ids: douar_ids.into_iter().collect(),
                same_pole,
            },
            proposed_title,
        });
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// Records that these proposals are not alike: no pair of them is suggested together again.
pub fn reject_suggestion(
    tx: &Transaction<'_>,
    user: &AuthUser,
    body: &RejectSuggestion,
) -> AppResult<()> {
    let ids = checked_ids(tx, &body.proposal_ids, false)?;
    if ids.len() < 2 {
        return Err(AppError::bad_request(
            "bad_request",
            "a suggestion to reject has at least two proposals",
        ));
    }
    if ids.len() > 200 {
        return Err(AppError::bad_request(
            "too_many",
            "reject at most 200 proposals at once",
        ));
    }
    let now = now_secs();
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO suggestion_rejections (proposal_a, proposal_b, at, user_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let (x, y) = if a < b { (a, b) } else { (b, a) };
            stmt.execute(params![x, y, now, user.id])?;
        }
    }
    auth::audit(
        tx,
        Some(user.id),
        "suggestion.reject",
        None,
        Some(&json!({ "proposal_ids": ids }).to_string()),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Writing

fn validate_title(title: &str) -> AppResult<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(AppError::bad_request(
            "bad_title",
            "a need has a title: say in a few words what people asked for",
        ));
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::bad_request(
            "bad_title",
            format!("a need's title is at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(t.to_string())
}

fn validate_description(d: &str) -> AppResult<()> {
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::bad_request(
            "bad_description",
            format!("a need's description is at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(())
}

fn validate_sector(sector: &Option<String>) -> AppResult<()> {
    match sector {
        Some(code) if Sector::from_code(code).is_none() => Err(AppError::bad_request(
            "bad_sector",
            format!("unknown sector code {code:?}"),
        )),
        _ => Ok(()),
    }
}

/// The ids as stored text, without repeats; each must be a known proposal, and (unless
/// `allow_withdrawn`) not withdrawn.
fn checked_ids(
    tx: &Transaction<'_>,
    ids: &[Uuid],
    allow_withdrawn: bool,
) -> AppResult<Vec<String>> {
    if ids.len() > MAX_PROPOSALS_PER_ACTION {
        return Err(AppError::bad_request(
            "too_many",
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
                    "unknown_proposal",
                    format!("no proposal {key}"),
                ));
            }
            Some(true) if !allow_withdrawn => {
                return Err(AppError::bad_request(
                    "withdrawn_proposal",
                    format!("proposal {key} was withdrawn on the tablet and cannot be placed"),
                ));
            }
            Some(_) => out.push(key),
        }
    }
    Ok(out)
}

fn live_need(tx: &Transaction<'_>, id: i64) -> AppResult<()> {
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

fn current_need(tx: &Transaction<'_>, proposal: &str) -> AppResult<Option<i64>> {
    Ok(tx
        .prepare_cached("SELECT need_id FROM need_members WHERE proposal_id = ?1")?
        .query_row([proposal], |r| r.get(0))
        .optional()?)
}

fn begin(
    tx: &Transaction<'_>,
    user: &AuthUser,
    kind: &str,
    detail: serde_json::Value,
) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO consolidation_actions (at, user_id, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        params![now_secs(), user.id, kind, detail.to_string()],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        Some(user.id),
        &format!("needs.{kind}"),
        Some(&format!("action:{id}")),
        Some(&detail.to_string()),
    )?;
    Ok(id)
}

/// Puts a proposal in `to` (or in no need), recording the move; nothing when it is there.
fn place(tx: &Transaction<'_>, action: i64, proposal: &str, to: Option<i64>) -> AppResult<()> {
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

fn field_value(tx: &Transaction<'_>, need: i64, field: &str) -> AppResult<Option<String>> {
    let sql = match field {
        "title" => "SELECT title FROM needs WHERE id = ?1",
        "sector" => "SELECT sector FROM needs WHERE id = ?1",
        "description" => "SELECT description FROM needs WHERE id = ?1",
        "closed_at" => "SELECT CAST(closed_at AS TEXT) FROM needs WHERE id = ?1",
        _ => return Err(AppError::internal(format!("need field {field}"))),
    };
    Ok(tx.query_row(sql, [need], |r| r.get(0))?)
}

/// Sets a field of a need, recording the value before; nothing when it is unchanged.
fn set_field(
    tx: &Transaction<'_>,
    action: i64,
    need: i64,
    field: &str,
    value: Option<&str>,
) -> AppResult<()> {
    let before = field_value(tx, need, field)?;
    if before.as_deref() == value {
        return Ok(());
    }
    let now = now_secs();
    match field {
        "title" => {
            let title = value.unwrap_or_default();
            tx.execute(
                "UPDATE needs SET title = ?2, title_norm = ?3, updated_at = ?4 WHERE id = ?1",
                params![need, title, normalize(title), now],
            )?;
        }
        "sector" => {
            tx.execute(
                "UPDATE needs SET sector = ?2, updated_at = ?3 WHERE id = ?1",
                params![need, value, now],
            )?;
        }
        "description" => {
            tx.execute(
                "UPDATE needs SET description = ?2, updated_at = ?3 WHERE id = ?1",
                params![need, value.unwrap_or_default(), now],
            )?;
        }
        "closed_at" => {
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
    .execute(params![action, need, field, before, value])?;
    Ok(())
}

fn insert_need(
    tx: &Transaction<'_>,
    user: &AuthUser,
    action: i64,
    title: &str,
    sector: &Option<String>,
    description: &str,
) -> AppResult<i64> {
    let now = now_secs();
    tx.execute(
        "INSERT INTO needs (title, title_norm, sector, description, created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
        params![title, normalize(title), sector, description, now, user.id],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO need_edits (action_id, need_id, field, before, after) VALUES (?1, ?2, 'created', NULL, '1')",
        params![action, id],
    )?;
    Ok(id)
}

/// Creates a need (title, sector, description) under `action` and moves the proposals in.
fn new_need_of(
    tx: &Transaction<'_>,
    user: &AuthUser,
    action: i64,
    (title, sector, description): (&str, &Option<String>, &str),
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
        "create",
        json!({ "title": title, "sector": body.sector, "proposal_ids": ids }),
    )?;
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
            "bad_request",
            "say which proposals or needs to merge",
        ));
    }
    let ids = checked_ids(tx, &body.proposal_ids, false)?;
    let mut needs: Vec<i64> = body.need_ids.clone();
    needs.sort_unstable();
    needs.dedup();
    if needs.contains(&id) {
        return Err(AppError::bad_request(
            "bad_request",
            "a need cannot be merged into itself",
        ));
    }
    for n in &needs {
        live_need(tx, *n)?;
    }
    let action = begin(
        tx,
        user,
        "merge",
        json!({ "into": id, "proposal_ids": ids, "need_ids": needs }),
    )?;
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
        set_field(tx, action, *n, "closed_at", Some(&now))?;
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
            "bad_request",
            "say which proposals leave for the new need",
        ));
    }
    for p in &ids {
        if current_need(tx, p)? != Some(id) {
            return Err(AppError::bad_request(
                "not_in_need",
                format!("proposal {p} is not in need {id}"),
            ));
        }
    }
    let action = begin(
        tx,
        user,
        "split",
        json!({ "from": id, "title": title, "proposal_ids": ids }),
    )?;
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
            "bad_request",
            "say which proposals to move",
        ));
    }
    let action = begin(
        tx,
        user,
        "move",
        json!({ "to": body.need_id, "proposal_ids": ids }),
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
        "edit",
        json!({ "need": id, "title": title, "sector": body.sector, "description": body.description }),
    )?;
    if let Some(t) = &title {
        set_field(tx, action, id, "title", Some(t))?;
    }
    if let Some(s) = &body.sector {
        set_field(tx, action, id, "sector", s.as_deref())?;
    }
    if let Some(d) = &body.description {
        set_field(tx, action, id, "description", Some(d))?;
    }
    Ok(ActionDone {
        action_id: action,
        need_id: Some(id),
    })
}

fn is_linked(tx: &Transaction<'_>, need: i64, project: i64) -> AppResult<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM need_projects WHERE need_id = ?1 AND project_id = ?2)",
        [need, project],
        |r| r.get(0),
    )?)
}

fn set_link(
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
    let kind = if linked { "link" } else { "unlink" };
    let action = begin(tx, user, kind, json!({ "need": need, "project": project }))?;
    set_link(tx, action, need, project, linked)?;
    Ok(ActionDone {
        action_id: action,
        need_id: Some(need),
    })
}

// ---------------------------------------------------------------------------------------------
// Undo

struct Effects {
    /// proposal → (need before the action, need after it)
    moves: BTreeMap<String, (Option<i64>, Option<i64>)>,
    /// (need, field) → (before, after)
    edits: BTreeMap<(i64, String), (Option<String>, Option<String>)>,
    created: Vec<i64>,
    /// (need, project) → linked after the action
    links: BTreeMap<(i64, i64), bool>,
}

fn effects(tx: &Transaction<'_>, action: i64) -> AppResult<Effects> {
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
            let (need, field): (i64, String) = (r.get(0)?, r.get(1)?);
            if field == "created" {
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

fn is_open(tx: &Transaction<'_>, need: i64) -> AppResult<bool> {
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
fn undo_blocker(tx: &Transaction<'_>, entry: &ActionEntry) -> AppResult<Option<String>> {
    if entry.undone_by.is_some() {
        return Ok(Some("this action was already undone".into()));
    }
    if entry.kind == "undo" {
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
        .filter(|((_, f), (before, _))| f == "closed_at" && before.is_none())
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
        "undo",
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
        if field == "closed_at" {
            set_field(tx, action, *need, field, before.as_deref())?;
        }
    }
    for (p, (before, _)) in &e.moves {
        place(tx, action, p, *before)?;
    }
    for ((need, field), (before, _)) in &e.edits {
        if field != "closed_at" {
            set_field(tx, action, *need, field, before.as_deref())?;
        }
    }
    for ((need, project), linked) in &e.links {
        set_link(tx, action, *need, *project, !linked)?;
    }
    let now = now_secs().to_string();
    for need in &e.created {
        set_field(tx, action, *need, "closed_at", Some(&now))?;
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

//! The prioritised programme (issue 13): the bureau's criteria and weights, scores per project
//! (computed on read from the diagnosis by each criterion's thresholds, or entered with a
//! reason), the weighted ranking with ties, the what-if, approvals, and the log of changes.
//!
//! Computed scores are never stored: [`compute::figures`] reads them from the needs, proposals
//! and sessions at each read, so a merge, a move or a late sync shows in the next ranking.
//! Every change (criteria, weights, rules, the yearly means, an entered score, a saved what-if)
//! is one row of `priority_actions` holding the whole configuration as it was before, so the
//! latest change not undone is undone exactly (a stack: undoing in turn walks back). Handlers
//! in `http::routes::priorities` only check the permission table and call these.

pub mod compute;

use std::collections::{HashMap, HashSet};

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use tachkhis_shared::{
    api::priorities::{
        Approval, ApproveInput, ApprovedRank, CountedNeed, CountedSession, Criterion,
        CriterionInput, MAX_CRITERIA, MAX_NAME_CHARS, MAX_REASON_CHARS, MAX_SCORE, MAX_WEIGHT,
        MIN_SCORE, Measure, Priorities, PriorityAction, PriorityDone, PrioritySettings,
        ProjectPriority, RankMove, RankedRow, ScoreInput, WhatIf, WhatIfResult,
    },
    codes::ErrorCode,
    money::Mad,
    permissions::Action,
    text::normalize,
};

use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    http::extract::require,
    users::auth::{self, AuthUser},
};
use compute::{Overrides, ProjectFigures};

/// A score someone entered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnteredScore {
    pub score: u8,
    pub reason: String,
    pub user_id: Option<i64>,
    #[serde(skip)]
    pub username: Option<String>,
    pub at: i64,
    pub illustrative: bool,
}

/// What the bureau and the office have set: criteria in order, entered scores, settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub criteria: Vec<Criterion>,
    pub scores: HashMap<(i64, i64), EnteredScore>,
    pub settings: PrioritySettings,
}

/// A project's place in the saved ranking, for other parts of the server (the gender report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedProject {
    pub project_id: i64,
    pub rank: u32,
    pub total: u64,
    pub tied: bool,
}

/// Most changes the log lists on the screen.
const LOG_LIMIT: i64 = 50;
/// Most scores a what-if may override (every project × every criterion of a large commune).
const MAX_OVERRIDES: usize = 20_000;

fn invalid(message: impl Into<String>) -> AppError {
    AppError::bad_request(ErrorCode::InvalidPriority, message)
}

/// The thresholds a new computed criterion starts with (the migration's defaults).
pub fn default_thresholds(measure: &Measure) -> Option<[f64; 4]> {
    Some(match measure {
        Measure::Sessions => [2.0, 4.0, 7.0, 11.0],
        Measure::Douars => [2.0, 3.0, 5.0, 8.0],
        Measure::Poles => [2.0, 3.0, 4.0, 5.0],
        Measure::WomenVulnerableShare | Measure::PartnersShare => [10.0, 25.0, 40.0, 60.0],
        Measure::People => [20.0, 50.0, 100.0, 200.0],
        Measure::CostShare => [5.0, 10.0, 25.0, 50.0],
        Measure::Entered | Measure::Unknown(_) => return None,
    })
}

pub fn load_config(tx: &Transaction<'_>) -> AppResult<Config> {
    let criteria = tx
        .prepare_cached(
            "SELECT id, name_ar, name_fr, measure, weight, thresholds, position
             FROM priority_criteria ORDER BY position, id",
        )?
        .query_map([], |r| {
            let thresholds: Option<String> = r.get(5)?;
            Ok(Criterion {
                id: r.get(0)?,
                name_ar: r.get(1)?,
                name_fr: r.get(2)?,
                measure: crate::db::row::code(r, 3)?,
                weight: r.get(4)?,
                thresholds: thresholds.and_then(|t| serde_json::from_str(&t).ok()),
                position: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut scores = HashMap::new();
    let mut stmt = tx.prepare_cached(
        "SELECT s.project_id, s.criterion_id, s.score, s.reason, s.user_id, u.username, s.at,
                s.illustrative
         FROM priority_scores s LEFT JOIN users u ON u.id = s.user_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        scores.insert(
            (r.get(0)?, r.get(1)?),
            EnteredScore {
                score: r.get(2)?,
                reason: r.get(3)?,
                user_id: r.get(4)?,
                username: r.get(5)?,
                at: r.get(6)?,
                illustrative: r.get(7)?,
            },
        );
    }
    let yearly_means: Option<String> = tx
        .query_row(
            "SELECT value FROM priority_settings WHERE key = 'yearly_means'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(Config {
        criteria,
        scores,
        settings: PrioritySettings {
            yearly_means: crate::programme::db_mad(yearly_means)?,
        },
    })
}

/// The saved ranking (no what-if), ordered by rank: what other reports call.
pub fn ranking(tx: &Transaction<'_>) -> AppResult<Vec<RankedProject>> {
    let config = load_config(tx)?;
    let figures = compute::figures(tx, None)?;
    Ok(compute::rank(&config, &figures, &Overrides::default())
        .into_iter()
        .map(|r| RankedProject {
            project_id: r.project_id,
            rank: r.rank,
            total: r.total,
            tied: r.tied,
        })
        .collect())
}

/// Everything the Priorities screen shows.
pub fn priorities(tx: &Transaction<'_>) -> AppResult<Priorities> {
    let config = load_config(tx)?;
    let figures = compute::figures(tx, None)?;
    let ranking = compute::rank(&config, &figures, &Overrides::default());
    let approval = latest_approval(tx, &ranking)?;
    let log = tx
        .prepare_cached(
            "SELECT a.id, a.at, u.username, a.kind, a.detail, a.undone_by, a.undoes
             FROM priority_actions a LEFT JOIN users u ON u.id = a.user_id
             ORDER BY a.id DESC LIMIT ?1",
        )?
        .query_map([LOG_LIMIT], |r| {
            Ok(PriorityAction {
                id: r.get(0)?,
                at: r.get(1)?,
                username: r.get(2)?,
                kind: r.get(3)?,
                detail: r.get(4)?,
                undone: r.get::<_, Option<i64>>(5)?.is_some(),
                undoes: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Priorities {
        illustrative: ranking.iter().any(|r| r.illustrative),
        criteria: config.criteria,
        settings: config.settings,
        ranking,
        approval,
        log,
    })
}

fn latest_approval(tx: &Transaction<'_>, ranking: &[RankedRow]) -> AppResult<Option<Approval>> {
    let Some((id, at, username, note, json)) = tx
        .query_row(
            "SELECT a.id, a.at, u.username, a.note, a.ranking FROM priority_approvals a
             LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    let approved: Vec<ApprovedRank> = serde_json::from_str(&json).map_err(AppError::internal)?;
    let mut now: Vec<ApprovedRank> = snapshot(ranking);
    let mut then = approved.clone();
    now.sort_by_key(|r| r.project_id);
    then.sort_by_key(|r| r.project_id);
    Ok(Some(Approval {
        id,
        at,
        username,
        note,
        current: now == then,
        ranking: approved,
    }))
}

fn snapshot(ranking: &[RankedRow]) -> Vec<ApprovedRank> {
    ranking
        .iter()
        .map(|r| ApprovedRank {
            project_id: r.project_id,
            rank: r.rank,
            total: r.total,
        })
        .collect()
}

/// Checks a what-if against the configuration and the projects.
fn overrides(
    config: &Config,
    projects: &[ProjectFigures],
    what_if: &WhatIf,
) -> AppResult<Overrides> {
    if what_if.weights.len() > MAX_CRITERIA || what_if.scores.len() > MAX_OVERRIDES {
        return Err(invalid("too many changes in one what-if"));
    }
    let criteria: HashSet<i64> = config.criteria.iter().map(|c| c.id).collect();
    let project_ids: HashSet<i64> = projects.iter().map(|p| p.id).collect();
    let mut out = Overrides::default();
    for w in &what_if.weights {
        if !criteria.contains(&w.criterion_id) {
            return Err(invalid(format!("no criterion {}", w.criterion_id)));
        }
        if w.weight > MAX_WEIGHT {
            return Err(invalid(format!("a weight is 0 to {MAX_WEIGHT}")));
        }
        if out.weights.insert(w.criterion_id, w.weight).is_some() {
            return Err(invalid(format!(
                "criterion {} is weighted twice",
                w.criterion_id
            )));
        }
    }
    for s in &what_if.scores {
        if !criteria.contains(&s.criterion_id) {
            return Err(invalid(format!("no criterion {}", s.criterion_id)));
        }
        if !project_ids.contains(&s.project_id) {
            return Err(invalid(format!("no project {}", s.project_id)));
        }
        if let Some(v) = s.score {
            check_score(v)?;
        }
        if out
            .scores
            .insert((s.project_id, s.criterion_id), s.score)
            .is_some()
        {
            return Err(invalid(format!(
                "project {} is scored twice on criterion {}",
                s.project_id, s.criterion_id
            )));
        }
    }
    Ok(out)
}

fn check_score(v: u8) -> AppResult<()> {
    if (MIN_SCORE..=MAX_SCORE).contains(&v) {
        Ok(())
    } else {
        Err(invalid(format!("a score is {MIN_SCORE} to {MAX_SCORE}")))
    }
}

fn check_reason(reason: &str) -> AppResult<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("say why: a score entered needs a reason"));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(invalid(format!(
            "a reason is at most {MAX_REASON_CHARS} characters"
        )));
    }
    Ok(reason.to_string())
}

/// The saved ranking beside the one the what-if proposes. Reads only: nothing is written.
pub fn what_if(tx: &Transaction<'_>, what_if: &WhatIf) -> AppResult<WhatIfResult> {
    let config = load_config(tx)?;
    let figures = compute::figures(tx, None)?;
    let o = overrides(&config, &figures, what_if)?;
    let saved = compute::rank(&config, &figures, &Overrides::default());
    let proposed = compute::rank(&config, &figures, &o);
    let saved_rank: HashMap<i64, u32> = saved.iter().map(|r| (r.project_id, r.rank)).collect();
    let moves = proposed
        .iter()
        .map(|r| {
            let before = saved_rank.get(&r.project_id).copied().unwrap_or(r.rank);
            RankMove {
                project_id: r.project_id,
                saved_rank: before,
                proposed_rank: r.rank,
                up: i64::from(before) - i64::from(r.rank),
            }
        })
        .collect();
    Ok(WhatIfResult {
        saved,
        proposed,
        moves,
    })
}

/// One project's rank, scores and what its computed scores counted: the sheet's part.
pub fn project_priority(tx: &Transaction<'_>, id: i64) -> AppResult<Option<ProjectPriority>> {
    let Some((land, studies)) = tx
        .query_row(
            "SELECT prerequisite_land, prerequisite_studies FROM projects WHERE id = ?1",
            [id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let config = load_config(tx)?;
    let figures = compute::figures(tx, None)?;
    let ranking = compute::rank(&config, &figures, &Overrides::default());
    let of = ranking.len() as u32;
    let Some(row) = ranking.into_iter().find(|r| r.project_id == id) else {
        return Ok(None);
    };
    let mine = figures.iter().find(|p| p.id == id);
    let needs = tx
        .prepare_cached(
            "SELECT n.id, n.title,
                    (SELECT count(*) FROM need_members nm JOIN proposals p ON p.id = nm.proposal_id
                     WHERE nm.need_id = n.id AND p.deleted = 0)
             FROM need_projects np JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL
             WHERE np.project_id = ?1 ORDER BY n.id",
        )?
        .query_map([id], |r| {
            Ok(CountedNeed {
                id: r.get(0)?,
                title: r.get(1)?,
                proposals: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let sessions = tx
        .prepare_cached(
            "SELECT s.id, s.pole_id, s.group_kind, s.date, s.present, count(*)
             FROM need_projects np
             JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL
             JOIN need_members nm ON nm.need_id = np.need_id
             JOIN proposals p ON p.id = nm.proposal_id AND p.deleted = 0
             JOIN sessions s ON s.id = p.session_id
             WHERE np.project_id = ?1 GROUP BY s.id ORDER BY s.date, s.id",
        )?
        .query_map([id], |r| {
            Ok(CountedSession {
                id: crate::db::row::uuid_col(r, 0)?,
                pole_id: r.get(1)?,
                group_kind: crate::db::row::code(r, 2)?,
                date: r.get(3)?,
                present: r.get(4)?,
                proposals: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(ProjectPriority {
        row,
        criteria: config.criteria,
        of,
        needs,
        sessions,
        douars: mine
            .map(|p| p.douars.iter().cloned().collect())
            .unwrap_or_default(),
        poles: mine
            .map(|p| p.poles.iter().cloned().collect())
            .unwrap_or_default(),
        prerequisite_land: land,
        prerequisite_studies: studies,
    }))
}

// Changes ---------------------------------------------------------------------------------

/// The configuration as `priority_actions.before` keeps it.
#[derive(Serialize, Deserialize)]
struct Stored {
    criteria: Vec<StoredCriterion>,
    scores: Vec<StoredScore>,
    settings: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize)]
struct StoredCriterion {
    id: i64,
    name_ar: String,
    name_fr: String,
    measure: String,
    weight: u32,
    thresholds: Option<String>,
    position: i64,
}

#[derive(Serialize, Deserialize)]
struct StoredScore {
    project_id: i64,
    criterion_id: i64,
    #[serde(flatten)]
    score: EnteredScore,
}

fn stored(tx: &Transaction<'_>) -> AppResult<String> {
    let criteria = tx
        .prepare_cached(
            "SELECT id, name_ar, name_fr, measure, weight, thresholds, position
             FROM priority_criteria ORDER BY id",
        )?
        .query_map([], |r| {
            Ok(StoredCriterion {
                id: r.get(0)?,
                name_ar: r.get(1)?,
                name_fr: r.get(2)?,
                measure: r.get(3)?,
                weight: r.get(4)?,
                thresholds: r.get(5)?,
                position: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let scores = tx
        .prepare_cached(
            "SELECT project_id, criterion_id, score, reason, user_id, at, illustrative
             FROM priority_scores ORDER BY project_id, criterion_id",
        )?
        .query_map([], |r| {
            Ok(StoredScore {
                project_id: r.get(0)?,
                criterion_id: r.get(1)?,
                score: EnteredScore {
                    score: r.get(2)?,
                    reason: r.get(3)?,
                    user_id: r.get(4)?,
                    username: None,
                    at: r.get(5)?,
                    illustrative: r.get(6)?,
                },
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let settings = tx
        .prepare_cached("SELECT key, value FROM priority_settings ORDER BY key")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    serde_json::to_string(&Stored {
        criteria,
        scores,
        settings,
    })
    .map_err(AppError::internal)
}

/// Puts a kept configuration back in place of the present one. A project deleted since loses
/// its scores (there is nothing to score).
fn restore(tx: &Transaction<'_>, json: &str) -> AppResult<()> {
    let s: Stored = serde_json::from_str(json).map_err(AppError::internal)?;
    tx.execute("DELETE FROM priority_scores", [])?;
    tx.execute("DELETE FROM priority_criteria", [])?;
    tx.execute("DELETE FROM priority_settings", [])?;
    for c in &s.criteria {
        tx.execute(
            "INSERT INTO priority_criteria (id, name_ar, name_fr, measure, weight, thresholds, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![c.id, c.name_ar, c.name_fr, c.measure, c.weight, c.thresholds, c.position],
        )?;
    }
    for sc in &s.scores {
        tx.execute(
            "INSERT INTO priority_scores (project_id, criterion_id, score, reason, user_id, at, illustrative)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM projects WHERE id = ?1)",
            params![
                sc.project_id,
                sc.criterion_id,
                sc.score.score,
                sc.score.reason,
                sc.score.user_id,
                sc.score.at,
                sc.score.illustrative
            ],
        )?;
    }
    for (k, v) in &s.settings {
        tx.execute(
            "INSERT INTO priority_settings (key, value) VALUES (?1, ?2)",
            params![k, v],
        )?;
    }
    Ok(())
}

/// Opens a change: the configuration before it is kept. Returns the action's id; the caller
/// writes the change in the same transaction.
fn begin(
    tx: &Transaction<'_>,
    user: Option<&AuthUser>,
    kind: &str,
    detail: &str,
) -> AppResult<i64> {
    let before = stored(tx)?;
    tx.execute(
        "INSERT INTO priority_actions (at, user_id, kind, detail, before) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now_secs(), user.map(|u| u.id), kind, detail, before],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        user.map(|u| u.id),
        &format!("priorities.{kind}"),
        Some(&format!("priority_action:{id}")),
        Some(detail),
    )?;
    Ok(id)
}

fn check_name(name: &str, what: &str, required: bool) -> AppResult<String> {
    let name = name.trim();
    if required && name.is_empty() {
        return Err(invalid(format!("the {what} name may not be blank")));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "a name is at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_string())
}

fn check_thresholds(measure: &Measure, t: Option<[f64; 4]>) -> AppResult<Option<[f64; 4]>> {
    match (measure.is_computed(), t) {
        (false, None) => Ok(None),
        (false, Some(_)) => Err(invalid(
            "an entered criterion has no thresholds: people score it",
        )),
        (true, None) => Ok(default_thresholds(measure)),
        (true, Some(t)) => {
            if t.iter().any(|v| !v.is_finite() || *v < 0.0) || t.windows(2).any(|w| w[0] >= w[1]) {
                return Err(invalid(
                    "thresholds are four figures of 0 or more, each above the one before",
                ));
            }
            Ok(Some(t))
        }
    }
}

fn criterion(config: &Config, id: i64) -> AppResult<&Criterion> {
    config
        .criteria
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| AppError::NotFound(format!("no criterion {id}")))
}

fn same_name_elsewhere(config: &Config, name_ar: &str, except: Option<i64>) -> bool {
    let n = normalize(name_ar);
    config
        .criteria
        .iter()
        .any(|c| Some(c.id) != except && normalize(&c.name_ar) == n)
}

fn thresholds_json(t: Option<[f64; 4]>) -> AppResult<Option<String>> {
    t.map(|t| serde_json::to_string(&t).map_err(AppError::internal))
        .transpose()
}

/// A new criterion, last in order.
pub fn create_criterion(
    tx: &Transaction<'_>,
    user: &AuthUser,
    input: &CriterionInput,
) -> AppResult<PriorityDone> {
    let config = load_config(tx)?;
    if config.criteria.len() >= MAX_CRITERIA {
        return Err(invalid(format!("at most {MAX_CRITERIA} criteria")));
    }
    let name_ar = check_name(input.name_ar.as_deref().unwrap_or(""), "Arabic", true)?;
    let name_fr = check_name(input.name_fr.as_deref().unwrap_or(""), "French", false)?;
    if same_name_elsewhere(&config, &name_ar, None) {
        return Err(invalid(format!("a criterion is already named {name_ar}")));
    }
    let measure = input.measure.clone().unwrap_or(Measure::Entered);
    if !measure.is_known() {
        return Err(invalid(format!("no measure {measure}")));
    }
    let weight = input.weight.unwrap_or(0);
    if weight > MAX_WEIGHT {
        return Err(invalid(format!("a weight is 0 to {MAX_WEIGHT}")));
    }
    let thresholds = check_thresholds(&measure, input.thresholds)?;
    let action = begin(
        tx,
        Some(user),
        "criterion_create",
        &format!("{name_ar} / {name_fr} ({measure}), weight {weight}"),
    )?;
    let position = config
        .criteria
        .iter()
        .map(|c| c.position)
        .max()
        .unwrap_or(0)
        + 1;
    tx.execute(
        "INSERT INTO priority_criteria (name_ar, name_fr, measure, weight, thresholds, position)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            name_ar,
            name_fr,
            measure.code(),
            weight,
            thresholds_json(thresholds)?,
            position
        ],
    )?;
    Ok(PriorityDone { action_id: action })
}

/// Renames, weighs or changes the rule of a criterion (409 when nothing changes).
pub fn update_criterion(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    input: &CriterionInput,
) -> AppResult<PriorityDone> {
    let config = load_config(tx)?;
    let old = criterion(&config, id)?.clone();
    if input.measure.as_ref().is_some_and(|m| *m != old.measure) {
        return Err(invalid(
            "a criterion keeps its measure: add another criterion instead",
        ));
    }
    let name_ar = match &input.name_ar {
        Some(n) => check_name(n, "Arabic", true)?,
        None => old.name_ar.clone(),
    };
    let name_fr = match &input.name_fr {
        Some(n) => check_name(n, "French", false)?,
        None => old.name_fr.clone(),
    };
    if same_name_elsewhere(&config, &name_ar, Some(id)) {
        return Err(invalid(format!("a criterion is already named {name_ar}")));
    }
    let weight = input.weight.unwrap_or(old.weight);
    if weight > MAX_WEIGHT {
        return Err(invalid(format!("a weight is 0 to {MAX_WEIGHT}")));
    }
    let thresholds = match input.thresholds {
        Some(t) => check_thresholds(&old.measure, Some(t))?,
        None => old.thresholds,
    };
    let mut what = Vec::new();
    if name_ar != old.name_ar || name_fr != old.name_fr {
        what.push(format!(
            "renamed {} / {} → {name_ar} / {name_fr}",
            old.name_ar, old.name_fr
        ));
    }
    if weight != old.weight {
        what.push(format!("{name_ar}: weight {} → {weight}", old.weight));
    }
    if thresholds != old.thresholds {
        what.push(format!(
            "{name_ar}: thresholds {:?} → {:?}",
            old.thresholds.unwrap_or_default(),
            thresholds.unwrap_or_default()
        ));
    }
    if what.is_empty() {
        return Err(AppError::Conflict("the criterion is already so".into()));
    }
    let action = begin(tx, Some(user), "criterion_edit", &what.join("; "))?;
    tx.execute(
        "UPDATE priority_criteria SET name_ar = ?2, name_fr = ?3, weight = ?4, thresholds = ?5
         WHERE id = ?1",
        params![id, name_ar, name_fr, weight, thresholds_json(thresholds)?],
    )?;
    Ok(PriorityDone { action_id: action })
}

/// Removes a criterion and the scores entered for it (undo brings both back).
pub fn delete_criterion(tx: &Transaction<'_>, user: &AuthUser, id: i64) -> AppResult<PriorityDone> {
    let config = load_config(tx)?;
    let old = criterion(&config, id)?;
    let entered = config.scores.keys().filter(|(_, c)| *c == id).count();
    let action = begin(
        tx,
        Some(user),
        "criterion_delete",
        &format!(
            "{} / {} (weight {}, {entered} scores entered)",
            old.name_ar, old.name_fr, old.weight
        ),
    )?;
    tx.execute("DELETE FROM priority_criteria WHERE id = ?1", [id])?;
    Ok(PriorityDone { action_id: action })
}

/// The commune's yearly means (what `cost_share` divides by).
pub fn set_settings(
    tx: &Transaction<'_>,
    user: &AuthUser,
    input: &PrioritySettings,
) -> AppResult<PriorityDone> {
    let config = load_config(tx)?;
    if let Some(m) = input.yearly_means
        && m <= Mad::zero()
    {
        return Err(invalid("the yearly means are more than zero"));
    }
    if config.settings == *input {
        return Err(AppError::Conflict("the settings are already so".into()));
    }
    let action = begin(
        tx,
        Some(user),
        "settings",
        &format!(
            "yearly means {} → {}",
            config
                .settings
                .yearly_means
                .map(|m| m.to_string())
                .unwrap_or_default(),
            input
                .yearly_means
                .map(|m| m.to_string())
                .unwrap_or_default()
        ),
    )?;
    match input.yearly_means {
        Some(m) => tx.execute(
            "INSERT INTO priority_settings (key, value) VALUES ('yearly_means', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [m.to_string()],
        )?,
        None => tx.execute(
            "DELETE FROM priority_settings WHERE key = 'yearly_means'",
            [],
        )?,
    };
    Ok(PriorityDone { action_id: action })
}

fn write_score(
    tx: &Transaction<'_>,
    user: Option<&AuthUser>,
    project: i64,
    criterion: i64,
    score: Option<u8>,
    reason: &str,
    illustrative: bool,
) -> AppResult<()> {
    match score {
        Some(v) => tx.execute(
            "INSERT INTO priority_scores (project_id, criterion_id, score, reason, user_id, at, illustrative)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (project_id, criterion_id) DO UPDATE SET score = excluded.score,
                 reason = excluded.reason, user_id = excluded.user_id, at = excluded.at,
                 illustrative = excluded.illustrative",
            params![project, criterion, v, reason, user.map(|u| u.id), now_secs(), illustrative],
        )?,
        None => tx.execute(
            "DELETE FROM priority_scores WHERE project_id = ?1 AND criterion_id = ?2",
            params![project, criterion],
        )?,
    };
    Ok(())
}

fn project_label(tx: &Transaction<'_>, id: i64) -> AppResult<Option<String>> {
    Ok(tx
        .query_row(
            "SELECT number, title_ar FROM projects WHERE id = ?1",
            [id],
            |r| {
                Ok(format!(
                    "#{} {}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?
                ))
            },
        )
        .optional()?)
}

/// A score entered (or cleared) for a project on an entered criterion, with its reason.
pub fn enter_score(
    tx: &Transaction<'_>,
    user: &AuthUser,
    project: i64,
    criterion_id: i64,
    input: &ScoreInput,
) -> AppResult<PriorityDone> {
    let config = load_config(tx)?;
    let Some(label) = project_label(tx, project)? else {
        return Err(AppError::NotFound(format!("no project {project}")));
    };
    let c = criterion(&config, criterion_id)?;
    if c.measure.is_computed() {
        return Err(invalid(format!(
            "{} is computed from the diagnosis: change its thresholds, not its scores",
            c.name_ar
        )));
    }
    if let Some(v) = input.score {
        check_score(v)?;
    }
    let reason = check_reason(&input.reason)?;
    let old = config.scores.get(&(project, criterion_id));
    if old.map(|o| o.score) == input.score && old.is_none_or(|o| o.reason == reason) {
        return Err(AppError::Conflict("the score is already so".into()));
    }
    let action = begin(
        tx,
        Some(user),
        "score",
        &format!(
            "{label}, {}: {} → {} ({reason})",
            c.name_ar,
            old.map(|o| o.score.to_string()).unwrap_or("–".into()),
            input.score.map(|s| s.to_string()).unwrap_or("–".into())
        ),
    )?;
    write_score(
        tx,
        Some(user),
        project,
        criterion_id,
        input.score,
        &reason,
        false,
    )?;
    Ok(PriorityDone { action_id: action })
}

/// Saves a what-if: its weights, and its scores of entered criteria (each with a reason). A
/// computed criterion's score cannot be saved (its figure decides it).
pub fn save(tx: &Transaction<'_>, user: &AuthUser, input: &WhatIf) -> AppResult<PriorityDone> {
    let config = load_config(tx)?;
    let figures = compute::figures(tx, None)?;
    let o = overrides(&config, &figures, input)?;
    if o.weights.is_empty() && o.scores.is_empty() {
        return Err(invalid("nothing to save"));
    }
    let mut reasons = HashMap::new();
    for s in &input.scores {
        let c = criterion(&config, s.criterion_id)?;
        if c.measure.is_computed() {
            return Err(invalid(format!(
                "{} is computed from the diagnosis: its scores are not saved",
                c.name_ar
            )));
        }
        reasons.insert((s.project_id, s.criterion_id), check_reason(&s.reason)?);
    }
    let mut what = Vec::new();
    for w in &input.weights {
        let c = criterion(&config, w.criterion_id)?;
        if c.weight != w.weight {
            what.push(format!("{}: weight {} → {}", c.name_ar, c.weight, w.weight));
        }
    }
    // A score given is the saver's, even at the value the demo or someone else had: their
    // reason replaces the old one.
    let changes = |s: &tachkhis_shared::api::priorities::ScoreOverride| {
        let old = config.scores.get(&(s.project_id, s.criterion_id));
        old.map(|o| o.score) != s.score
            || old.is_some_and(|o| {
                o.illustrative || o.reason != reasons[&(s.project_id, s.criterion_id)]
            })
    };
    for s in &input.scores {
        let old = config.scores.get(&(s.project_id, s.criterion_id));
        if changes(s) {
            let number = figures
                .iter()
                .find(|p| p.id == s.project_id)
                .map_or(0, |p| p.number);
            what.push(format!(
                "#{number}, {}: {} → {}",
                criterion(&config, s.criterion_id)?.name_ar,
                old.map(|o| o.score.to_string()).unwrap_or("–".into()),
                s.score.map(|v| v.to_string()).unwrap_or("–".into())
            ));
        }
    }
    if what.is_empty() {
        return Err(AppError::Conflict("the priorities are already so".into()));
    }
    let action = begin(tx, Some(user), "save", &what.join("; "))?;
    for w in &input.weights {
        tx.execute(
            "UPDATE priority_criteria SET weight = ?2 WHERE id = ?1",
            params![w.criterion_id, w.weight],
        )?;
    }
    for s in input.scores.iter().filter(|s| changes(s)) {
        write_score(
            tx,
            Some(user),
            s.project_id,
            s.criterion_id,
            s.score,
            &reasons[&(s.project_id, s.criterion_id)],
            false,
        )?;
    }
    Ok(PriorityDone { action_id: action })
}

/// Undoes a change: only the latest change not yet undone (so what it replaced is exactly what
/// comes back); 409 for any other. Undoing a score needs the right to enter scores; anything
/// else, the bureau's right to edit criteria.
pub fn undo(tx: &Transaction<'_>, user: &AuthUser, id: i64) -> AppResult<PriorityDone> {
    let Some((kind, before, undone_by)) = tx
        .query_row(
            "SELECT kind, before, undone_by FROM priority_actions WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            },
        )
        .optional()?
    else {
        return Err(AppError::NotFound(format!("no priority change {id}")));
    };
    require(
        user.role,
        if kind == "score" {
            Action::EnterScores
        } else {
            Action::EditCriteria
        },
    )?;
    if kind == "undo" {
        return Err(AppError::Conflict("an undo is not undone".into()));
    }
    if undone_by.is_some() {
        return Err(AppError::Conflict(format!("change {id} is already undone")));
    }
    let latest: Option<i64> = tx.query_row(
        "SELECT max(id) FROM priority_actions WHERE kind != 'undo' AND undone_by IS NULL",
        [],
        |r| r.get(0),
    )?;
    if latest != Some(id) {
        return Err(AppError::Conflict(format!(
            "only the latest change can be undone (change {})",
            latest.unwrap_or_default()
        )));
    }
    let action = begin(
        tx,
        Some(user),
        "undo",
        &format!("undo of change {id} ({kind})"),
    )?;
    tx.execute(
        "UPDATE priority_actions SET undoes = ?2 WHERE id = ?1",
        params![action, id],
    )?;
    tx.execute(
        "UPDATE priority_actions SET undone_by = ?2 WHERE id = ?1",
        params![id, action],
    )?;
    restore(tx, &before)?;
    Ok(PriorityDone { action_id: action })
}

/// The bureau approves the ranking as it stands: a snapshot with who and when.
pub fn approve(tx: &Transaction<'_>, user: &AuthUser, input: &ApproveInput) -> AppResult<Approval> {
    let note = input.note.trim();
    if note.chars().count() > MAX_REASON_CHARS {
        return Err(invalid(format!(
            "a note is at most {MAX_REASON_CHARS} characters"
        )));
    }
    let config = load_config(tx)?;
    let figures = compute::figures(tx, None)?;
    let ranking = compute::rank(&config, &figures, &Overrides::default());
    let json = serde_json::to_string(&snapshot(&ranking)).map_err(AppError::internal)?;
    tx.execute(
        "INSERT INTO priority_approvals (at, user_id, note, ranking) VALUES (?1, ?2, ?3, ?4)",
        params![now_secs(), user.id, note, json],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        Some(user.id),
        "priorities.approve",
        Some(&format!("priority_approval:{id}")),
        Some(note),
    )?;
    latest_approval(tx, &ranking)?.ok_or_else(|| AppError::internal("approval not written"))
}

/// Demo data: a made-up score on each entered criterion of every project, marked illustrative
/// (the screen says so until people enter their own), and yearly means of a sixth of the
/// programme's commune share (the seed gives no budget). Not logged: it is the starting point.
pub fn load_illustrative(tx: &Transaction<'_>) -> AppResult<()> {
    let config = load_config(tx)?;
    let amounts: Vec<Option<String>> = tx
        .prepare("SELECT commune_contribution FROM projects")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut commune = Mad::zero();
    for a in amounts {
        if let Some(m) = crate::programme::db_mad(a)? {
            commune += m;
        }
    }
    let yearly = (commune.0 / rust_decimal::Decimal::from(6)).round_dp(0);
    if yearly > rust_decimal::Decimal::ZERO {
        tx.execute(
            "INSERT OR REPLACE INTO priority_settings (key, value) VALUES ('yearly_means', ?1)",
            [Mad(yearly.round_dp(2)).to_string()],
        )?;
    }
    let projects: Vec<(i64, i64, bool)> = tx
        .prepare("SELECT id, number, placeholder FROM projects ORDER BY number")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for c in config.criteria.iter().filter(|c| !c.measure.is_computed()) {
        for (id, number, placeholder) in &projects {
            // A spread that looks like a council's judgement, not noise: named projects are
            // better known (higher readiness), and a few numbers tie on purpose.
            let seed = (number * 7 + c.id * 13) % 5;
            let score = if *placeholder {
                (seed % 4 + 1) as u8
            } else {
                (seed % 3 + 3) as u8
            };
            write_score(
                tx,
                None,
                *id,
                c.id,
                Some(score),
                "مثال توضيحي / exemple illustratif",
                true,
            )?;
        }
    }
    Ok(())
}

//! The figures behind computed scores, read fresh from the needs, proposals and sessions (so a
//! merge, a move or a late sync changes the ranking at the next read), and the ranking itself
//! (a pure function of the configuration, the figures and a what-if's overrides).

use std::collections::{BTreeSet, HashMap, HashSet};

use rusqlite::{Transaction, params};
use rust_decimal::{Decimal, prelude::ToPrimitive};
use tachkhis_shared::{
    GroupKind,
    api::priorities::{
        CriterionScore, EnteredBy, Measure, RankedRow, ScoreTrace, competition_ranks, score_of,
    },
};

use super::Config;
use crate::{http::error::AppResult, programme::db_mad};

/// A project as the ranking needs it.
#[derive(Debug, Clone)]
pub struct ProjectFigures {
    pub id: i64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    pub commune: Option<Decimal>,
    pub partners: Option<Decimal>,
    pub sessions: HashSet<String>,
    pub douars: BTreeSet<String>,
    pub poles: BTreeSet<String>,
    /// Sessions held with women, youth or people with disability.
    pub vulnerable_sessions: i64,
    pub people: i64,
}

impl ProjectFigures {
    /// The raw figure of `measure`, `None` when the data to compute it is missing.
    pub fn figure(&self, measure: &Measure, yearly_means: Option<Decimal>) -> Option<f64> {
        let pct = |num: Decimal, den: Decimal| -> Option<f64> {
            if den <= Decimal::ZERO {
                return None;
            }
            (num * Decimal::from(100) / den).round_dp(2).to_f64()
        };
        match measure {
            Measure::Sessions => Some(self.sessions.len() as f64),
            Measure::Douars => Some(self.douars.len() as f64),
            Measure::Poles => Some(self.poles.len() as f64),
            Measure::People => Some(self.people as f64),
            Measure::WomenVulnerableShare => pct(
                Decimal::from(self.vulnerable_sessions),
                Decimal::from(self.sessions.len() as i64),
            ),
            Measure::CostShare => pct(self.commune?, yearly_means?),
            Measure::PartnersShare => {
                let commune = self.commune?;
                let partners = self.partners.unwrap_or(Decimal::ZERO);
                pct(partners, commune + partners)
            }
            Measure::Entered | Measure::Unknown(_) => None,
        }
    }
}

fn is_vulnerable(g: &GroupKind) -> bool {
    matches!(
        g,
        GroupKind::Women | GroupKind::Youth | GroupKind::Disability
    )
}

/// Every project (or one) with what the diagnosis says of it: the sessions, douars and poles
/// that raised a proposal (not withdrawn) now in one of its needs (not closed), and the sheet's
/// amounts. Three queries whatever the number of proposals.
pub fn figures(tx: &Transaction<'_>, only: Option<i64>) -> AppResult<Vec<ProjectFigures>> {
    let mut projects: Vec<ProjectFigures> = Vec::new();
    let mut stmt = tx.prepare_cached(
        "SELECT id, number, title_ar, title_fr, commune_contribution, partners_contribution
         FROM projects WHERE ?1 IS NULL OR id = ?1 ORDER BY number",
    )?;
    let mut rows = stmt.query(params![only])?;
    while let Some(r) = rows.next()? {
        projects.push(ProjectFigures {
            id: r.get(0)?,
            number: r.get(1)?,
            title_ar: r.get(2)?,
            title_fr: r.get(3)?,
            commune: db_mad(r.get(4)?)?.map(Into::into),
            partners: db_mad(r.get(5)?)?.map(Into::into),
            sessions: HashSet::new(),
            douars: BTreeSet::new(),
            poles: BTreeSet::new(),
            vulnerable_sessions: 0,
            people: 0,
        });
    }
    drop(rows);
    let index: HashMap<i64, usize> = projects
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    // (project, session, douar or NULL): the proposals grouped, so 100,000 proposals come
    // back as a few thousand rows.
    let mut stmt = tx.prepare_cached(
        "SELECT np.project_id, p.session_id, p.douar_id
         FROM need_projects np
         JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL
         JOIN need_members nm ON nm.need_id = np.need_id
         JOIN proposals p ON p.id = nm.proposal_id AND p.deleted = 0
         WHERE ?1 IS NULL OR np.project_id = ?1
         GROUP BY np.project_id, p.session_id, p.douar_id",
    )?;
    let mut rows = stmt.query(params![only])?;
    // Sessions whose proposal named no douar: the session's douars count instead.
    let mut douarless: Vec<(usize, String)> = Vec::new();
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, i64>(0)?) else {
            continue;
        };
        let session: String = r.get(1)?;
        match r.get::<_, Option<String>>(2)? {
            Some(d) => {
                projects[i].douars.insert(d);
            }
            None => douarless.push((i, session.clone())),
        }
        projects[i].sessions.insert(session);
    }
    drop(rows);
    if projects.iter().all(|p| p.sessions.is_empty()) {
        return Ok(projects);
    }
    let mut sessions: HashMap<String, (String, GroupKind, i64, Vec<String>)> = HashMap::new();
    let mut stmt = tx.prepare_cached("SELECT id, pole_id, group_kind, present FROM sessions")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        sessions.insert(
            r.get(0)?,
            (
                r.get(1)?,
                crate::db::row::code(r, 2)?,
                r.get(3)?,
                Vec::new(),
            ),
        );
    }
    drop(rows);
    if !douarless.is_empty() {
        let mut stmt = tx.prepare_cached("SELECT session_id, douar_id FROM session_douars")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(s) = sessions.get_mut(&r.get::<_, String>(0)?) {
                s.3.push(r.get(1)?);
            }
        }
        drop(rows);
        for (i, sid) in douarless {
            if let Some(s) = sessions.get(&sid) {
                projects[i].douars.extend(s.3.iter().cloned());
            }
        }
    }
    for p in &mut projects {
        for sid in &p.sessions {
            if let Some((pole, group, present, _)) = sessions.get(sid) {
                p.poles.insert(pole.clone());
                p.people += present;
                if is_vulnerable(group) {
                    p.vulnerable_sessions += 1;
                }
            }
        }
    }
    Ok(projects)
}

/// A what-if's changes, checked against the configuration.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub weights: HashMap<i64, u32>,
    pub scores: HashMap<(i64, i64), Option<u8>>,
}

/// The ranking of `projects` under `config` with `overrides` applied: every project with its
/// score per criterion and that score's trace, ordered by rank then number.
pub fn rank(config: &Config, projects: &[ProjectFigures], overrides: &Overrides) -> Vec<RankedRow> {
    let yearly_means = config.settings.yearly_means.map(Decimal::from);
    let mut rows: Vec<RankedRow> = projects
        .iter()
        .map(|p| {
            let mut total: u64 = 0;
            let mut weights: u64 = 0;
            let mut missing = 0;
            let mut illustrative = false;
            let scores = config
                .criteria
                .iter()
                .map(|c| {
                    let weight = overrides.weights.get(&c.id).copied().unwrap_or(c.weight);
                    weights += u64::from(weight);
                    let (mut score, trace) = if c.measure.is_computed() {
                        let figure = p.figure(&c.measure, yearly_means);
                        let thresholds = c.thresholds;
                        let lower = c.measure.lower_is_better();
                        let score = match (figure, thresholds) {
                            (Some(f), Some(t)) => Some(score_of(f, &t, lower)),
                            _ => None,
                        };
                        (
                            score,
                            ScoreTrace {
                                figure,
                                thresholds,
                                lower_is_better: lower,
                                entered: None,
                                overridden: false,
                            },
                        )
                    } else {
                        let entered = config.scores.get(&(p.id, c.id));
                        if entered.is_some_and(|e| e.illustrative) {
                            illustrative = true;
                        }
                        (
                            entered.map(|e| e.score),
                            ScoreTrace {
                                figure: None,
                                thresholds: None,
                                lower_is_better: false,
                                entered: entered.map(|e| EnteredBy {
                                    username: e.username.clone(),
                                    at: e.at,
                                    reason: e.reason.clone(),
                                }),
                                overridden: false,
                            },
                        )
                    };
                    let mut trace = trace;
                    if let Some(o) = overrides.scores.get(&(p.id, c.id)) {
                        score = *o;
                        trace.overridden = true;
                    }
                    match score {
                        Some(s) => total += u64::from(weight) * u64::from(s),
                        None => missing += 1,
                    }
                    CriterionScore {
                        criterion_id: c.id,
                        score,
                        trace,
                    }
                })
                .collect();
            RankedRow {
                project_id: p.id,
                number: p.number,
                title_ar: p.title_ar.clone(),
                title_fr: p.title_fr.clone(),
                rank: 0,
                tied: false,
                total,
                mean: if weights == 0 {
                    0.0
                } else {
                    (total as f64 / weights as f64 * 100.0).round() / 100.0
                },
                missing,
                scores,
                illustrative,
            }
        })
        .collect();
    let totals: Vec<u64> = rows.iter().map(|r| r.total).collect();
    for (row, (rank, tied)) in rows.iter_mut().zip(competition_ranks(&totals)) {
        row.rank = rank;
        row.tied = tied;
    }
    rows.sort_by_key(|r| (r.rank, r.number));
    rows
}

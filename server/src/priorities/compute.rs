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
    /// Sessions that raised a proposal in one of its needs.
    pub sessions: usize,
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
            Measure::Sessions => Some(self.sessions as f64),
            Measure::Douars => Some(self.douars.len() as f64),
            Measure::Poles => Some(self.poles.len() as f64),
            Measure::People => Some(self.people as f64),
            Measure::WomenVulnerableShare => pct(
                Decimal::from(self.vulnerable_sessions),
                Decimal::from(self.sessions as i64),
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

/// Ids seen while reading, as small numbers: a 36-character session id or a douar id is
/// allocated once, however many proposals name it.
#[derive(Default)]
struct Interner {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn get(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }
}

fn text<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'a str>> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        v => v
            .as_str()
            .map(Some)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, v.data_type(), e.into())),
    }
}

/// Every project (or one) with what the diagnosis says of it: the sessions, douars and poles
/// that raised a proposal (not withdrawn) now in one of its needs (not closed), and the sheet's
/// amounts.
///
/// A hash join in memory over sequential scans of `need_members` and `proposals`: at 100,000
/// proposals the same join in SQL (an index lookup per proposal, then a sort to group) took
/// about a second on the benchmark's machine, five times the goal.
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
            sessions: 0,
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
    // Open needs linked to a project: need → the projects (indexes) it counts for.
    let mut linked: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut stmt = tx.prepare_cached(
        "SELECT np.need_id, np.project_id FROM need_projects np
         JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL
         WHERE ?1 IS NULL OR np.project_id = ?1",
    )?;
    let mut rows = stmt.query(params![only])?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = index.get(&r.get::<_, i64>(1)?) {
            linked.entry(r.get(0)?).or_default().push(i);
        }
    }
    drop(rows);
    if linked.is_empty() {
        return Ok(projects);
    }
    // Proposal → need, for the linked needs only.
    let mut member: HashMap<Box<str>, i64> = HashMap::new();
    let mut stmt = tx.prepare_cached("SELECT proposal_id, need_id FROM need_members")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let need: i64 = r.get(1)?;
        if linked.contains_key(&need)
            && let Some(id) = text(r, 0)?
        {
            member.insert(id.into(), need);
        }
    }
    drop(rows);
    let mut sessions = Interner::default();
    let mut douars = Interner::default();
    let n = projects.len();
    let mut project_sessions: Vec<HashSet<u32>> = vec![HashSet::new(); n];
    let mut project_douars: Vec<HashSet<u32>> = vec![HashSet::new(); n];
    // (project, session) pairs whose proposal named no douar: the session's douars count.
    let mut douarless: HashSet<(usize, u32)> = HashSet::new();
    let mut stmt =
        tx.prepare_cached("SELECT id, session_id, douar_id FROM proposals WHERE deleted = 0")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(id) = text(r, 0)? else { continue };
        let Some(need) = member.get(id) else { continue };
        let Some(session) = text(r, 1)? else { continue };
        let session = sessions.get(session);
        let douar = text(r, 2)?.map(|d| douars.get(d));
        for &i in &linked[need] {
            project_sessions[i].insert(session);
            match douar {
                Some(d) => {
                    project_douars[i].insert(d);
                }
                None => {
                    douarless.insert((i, session));
                }
            }
        }
    }
    drop(rows);
    // What each session counted was: its pole, group, people present, douars.
    let mut info: Vec<Option<(String, bool, i64)>> = vec![None; sessions.names.len()];
    let mut stmt = tx.prepare_cached("SELECT id, pole_id, group_kind, present FROM sessions")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(id) = text(r, 0)? else { continue };
        if let Some(&s) = sessions.index.get(id) {
            let group: GroupKind = crate::db::row::code(r, 2)?;
            info[s as usize] = Some((r.get(1)?, is_vulnerable(&group), r.get(3)?));
        }
    }
    drop(rows);
    if !douarless.is_empty() {
        let wanted: HashSet<u32> = douarless.iter().map(|(_, s)| *s).collect();
        let mut session_douars: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut stmt = tx.prepare_cached("SELECT session_id, douar_id FROM session_douars")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (Some(sid), Some(d)) = (text(r, 0)?, text(r, 1)?) else {
                continue;
            };
            if let Some(&s) = sessions.index.get(sid)
                && wanted.contains(&s)
            {
                let d = douars.get(d);
                session_douars.entry(s).or_default().push(d);
            }
        }
        drop(rows);
        for (i, s) in douarless {
            if let Some(ds) = session_douars.get(&s) {
                project_douars[i].extend(ds.iter().copied());
            }
        }
    }
    for (i, p) in projects.iter_mut().enumerate() {
        p.sessions = project_sessions[i].len();
        for s in &project_sessions[i] {
            if let Some((pole, vulnerable, present)) = &info[*s as usize] {
                p.poles.insert(pole.clone());
                p.people += present;
                if *vulnerable {
                    p.vulnerable_sessions += 1;
                }
            }
        }
        p.douars = project_douars[i]
            .iter()
            .map(|d| douars.names[*d as usize].clone())
            .collect();
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

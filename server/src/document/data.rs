//! Everything the PAC document shows, gathered once in one read transaction. A frozen version
//! keeps this as JSON (`pac_versions.document`) and is rendered from it later, so every field
//! is plain data (names in both languages, amounts as `Mad`), never an id to look up again.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use tachkhis_shared::{
    Sector,
    api::{
        gender::{GenderRow, Participation},
        monitoring::Target,
        priorities::Measure,
        programme::ProgrammeTable,
    },
    codes::IndicatorKind,
    money::Mad,
};

use crate::http::error::AppResult;
use crate::{consolidation, db::now_secs, monitoring, priorities, programme};

/// The version the document is of (`pac_versions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub number: i64,
    pub kind: String,
    pub status: String,
    pub frozen_at: Option<i64>,
}

/// The commune's heading, from its set-up (`communes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Commune {
    pub name_ar: String,
    pub name_fr: String,
    pub province: Option<String>,
    pub region: Option<String>,
    pub mandate_start: Option<i32>,
    pub mandate_end: Option<i32>,
}

/// The council's session and vote (`council_votes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vote {
    pub session_kind: String,
    pub members_total: i64,
    pub members_present: i64,
    pub votes_for: i64,
    pub votes_against: i64,
    pub abstentions: i64,
    pub result: String,
}

/// One dated step of the procedure (`procedure_steps`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub kind: String,
    /// The body it was sent to or that answered, when the step names one.
    pub body_ar: Option<String>,
    pub body_fr: Option<String>,
    pub date: String,
    pub end_date: Option<String>,
    pub reference: String,
    pub note: String,
    pub late_reason: Option<String>,
    pub illustrative: bool,
    pub vote: Option<Vote>,
}

/// One alive need and its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedLine {
    pub title: String,
    pub sector: Option<Sector>,
    pub proposals: i64,
    pub sessions: i64,
    pub present: i64,
    pub projects: usize,
}

/// The participatory diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Per pole (then the whole commune): attendance by sex, youth and disability, and the
    /// sessions by group kind (`programme::gender`).
    pub participation: Vec<Participation>,
    pub participation_total: Participation,
    /// Live proposals and alive needs by sector and group kind.
    pub by_sector: Vec<GenderRow>,
    /// Every alive need, most raised first.
    pub needs: Vec<NeedLine>,
    pub proposals: i64,
}

/// One criterion of the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionLine {
    pub name_ar: String,
    pub name_fr: String,
    pub measure: Measure,
    pub weight: u32,
}

/// One project in the ranked list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedLine {
    pub rank: u32,
    pub tied: bool,
    pub total: u64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priorities {
    pub criteria: Vec<CriterionLine>,
    pub ranked: Vec<RankedLine>,
}

/// One project's sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectSheet {
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    pub axis_ar: String,
    pub axis_fr: String,
    pub programme_ar: String,
    pub programme_fr: String,
    pub sector: Option<Sector>,
    pub location: String,
    /// Douar names (Arabic, French).
    pub douars: Vec<(String, String)>,
    pub commune_contribution: Option<Mad>,
    pub partners_contribution: Option<Mad>,
    pub total_cost: Option<Mad>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub owner: String,
    pub funding_source: Option<String>,
    pub status: Option<String>,
    pub needs: usize,
    pub rank: Option<u32>,
    /// A project the source counts but does not name (demo data).
    pub placeholder: bool,
}

/// One indicator of the monitoring system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorLine {
    pub project_number: i64,
    pub kind: Option<IndicatorKind>,
    pub label_ar: String,
    pub label_fr: String,
    pub unit: String,
    pub baseline: Option<String>,
    pub baseline_year: Option<i32>,
    pub targets: Vec<Target>,
    pub source: String,
    pub illustrative: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Monitoring {
    /// The programme's years (the columns of the targets).
    pub years: Vec<i32>,
    pub indicators: Vec<IndicatorLine>,
}

/// The office's answer to a reservation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub outcome: String,
    pub text: String,
}

/// One opinion of a body, on the programme (`project_number` none) or one project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpinionLine {
    pub project_number: Option<i64>,
    pub project_title: Option<String>,
    pub verdict: String,
    pub text: String,
    pub date: String,
    pub illustrative: bool,
    pub answer: Option<Answer>,
}

/// A standing committee or the IEECAG, with its opinions on the version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyOpinions {
    pub kind: String,
    pub name_ar: String,
    pub name_fr: String,
    pub members: i64,
    pub opinions: Vec<OpinionLine>,
}

/// The whole document, in the order the law asks for its sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PacDocument {
    /// Unix seconds when the data was read.
    pub generated_at: i64,
    pub version: Option<VersionInfo>,
    pub commune: Commune,
    pub steps: Vec<Step>,
    pub diagnosis: Diagnosis,
    pub priorities: Priorities,
    pub programme: ProgrammeTable,
    pub projects: Vec<ProjectSheet>,
    pub monitoring: Monitoring,
    pub bodies: Vec<BodyOpinions>,
}

/// The live document: the current draft if there is one, else the latest version.
pub fn data(tx: &Transaction<'_>) -> AppResult<PacDocument> {
    let version: Option<(i64, VersionInfo)> = tx
        .query_row(
            "SELECT id, number, kind, status, frozen_at FROM pac_versions
             ORDER BY status = 'draft' DESC, number DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    VersionInfo {
                        number: r.get(1)?,
                        kind: r.get(2)?,
                        status: r.get(3)?,
                        frozen_at: r.get(4)?,
                    },
                ))
            },
        )
        .optional()?;
    let version_id = version.as_ref().map(|(id, _)| *id);

    let gender = programme::gender_report(tx)?;
    let ranking = priorities::ranking(tx)?;
    let rank_of: HashMap<i64, u32> = ranking.iter().map(|r| (r.project_id, r.rank)).collect();
    let projects = programme::load_projects(tx, None)?;
    let labelled = crate::execution::legacy::labelled_texts(tx)?;
    let names = Names::load(tx)?;

    let needs: Vec<NeedLine> = consolidation::list_needs(tx)?
        .into_iter()
        .map(|n| NeedLine {
            title: n.title,
            sector: n.sector,
            proposals: n.proposals,
            sessions: n.sessions,
            present: n.present,
            projects: n.project_ids.len(),
        })
        .collect();
    let diagnosis = Diagnosis {
        proposals: gender.total.proposals.total(),
        participation: gender.participation,
        participation_total: gender.participation_total,
        by_sector: gender.by_sector,
        needs,
    };

    let by_id: HashMap<i64, &tachkhis_shared::api::programme::Project> =
        projects.iter().map(|p| (p.id, p)).collect();
    let config = priorities::load_config(tx)?;
    let priorities = Priorities {
        criteria: config
            .criteria
            .iter()
            .map(|c| CriterionLine {
                name_ar: c.name_ar.clone(),
                name_fr: c.name_fr.clone(),
                measure: c.measure.clone(),
                weight: c.weight,
            })
            .collect(),
        ranked: ranking
            .iter()
            .filter_map(|r| {
                let p = by_id.get(&r.project_id)?;
                Some(RankedLine {
                    rank: r.rank,
                    tied: r.tied,
                    total: r.total,
                    number: p.input.number,
                    title_ar: p.input.title_ar.clone(),
                    title_fr: p.input.title_fr.clone(),
                })
            })
            .collect(),
    };

    let mut sheets: Vec<ProjectSheet> = projects
        .iter()
        .map(|p| {
            let (programme_ar, programme_fr, axis_ar, axis_fr) = names
                .programmes
                .get(&p.input.programme_id)
                .cloned()
                .unwrap_or_default();
            ProjectSheet {
                number: p.input.number,
                title_ar: p.input.title_ar.clone(),
                title_fr: p.input.title_fr.clone(),
                axis_ar,
                axis_fr,
                programme_ar,
                programme_fr,
                sector: p.input.sector.clone(),
                location: p.input.location.clone(),
                douars: p
                    .input
                    .douar_ids
                    .iter()
                    .map(|d| {
                        names
                            .douars
                            .get(d)
                            .cloned()
                            .unwrap_or((d.clone(), d.clone()))
                    })
                    .collect(),
                commune_contribution: p.input.commune_contribution,
                partners_contribution: p.input.partners_contribution,
                total_cost: p.total_cost,
                start_year: p.input.start_year,
                end_year: p.input.end_year,
                owner: p.input.owner.clone(),
                // Derived from the execution records (issue 15, exec), in Arabic words.
                funding_source: labelled.get(&p.id).and_then(|t| t.0.clone()),
                status: labelled.get(&p.id).and_then(|t| t.1.clone()),
                needs: p.need_ids.len(),
                rank: rank_of.get(&p.id).copied(),
                placeholder: p.input.placeholder,
            }
        })
        .collect();
    sheets.sort_by_key(|s| s.number);

    let number_of: HashMap<i64, i64> = projects.iter().map(|p| (p.id, p.input.number)).collect();
    let mut indicators: Vec<IndicatorLine> = monitoring::load_indicators(tx, None)?
        .into_iter()
        .filter_map(|i| {
            Some(IndicatorLine {
                project_number: *number_of.get(&i.project_id)?,
                kind: i.kind,
                label_ar: i.label_ar,
                label_fr: i.label_fr,
                unit: i.unit,
                baseline: i.baseline_value.map(|q| q.to_string()),
                baseline_year: i.baseline_year,
                targets: i.targets,
                source: i.source,
                illustrative: i.illustrative,
            })
        })
        .collect();
    indicators.sort_by_key(|i| i.project_number);
    let years = monitoring::programme_years(tx)?.map_or_else(Vec::new, |(s, e)| (s..=e).collect());

    Ok(PacDocument {
        generated_at: now_secs(),
        commune: commune(tx)?,
        steps: match version_id {
            Some(id) => steps(tx, id)?,
            None => Vec::new(),
        },
        version: version.map(|(_, v)| v),
        diagnosis,
        priorities,
        programme: programme::programme_table(tx)?,
        projects: sheets,
        monitoring: Monitoring { years, indicators },
        bodies: bodies(tx, version_id)?,
    })
}

/// Names the sheets show instead of ids.
struct Names {
    /// Programme id → (programme ar, fr, axis ar, fr).
    programmes: HashMap<i64, (String, String, String, String)>,
    douars: HashMap<String, (String, String)>,
}

impl Names {
    fn load(tx: &Transaction<'_>) -> AppResult<Names> {
        let programmes = tx
            .prepare(
                "SELECT p.id, p.name_ar, p.name_fr, a.name_ar, a.name_fr
                 FROM programmes p JOIN axes a ON a.id = p.axis_id",
            )?
            .query_map([], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            })?
            .collect::<Result<_, _>>()?;
        let douars = tx
            .prepare("SELECT id, name_ar, name_fr FROM douars")?
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<Result<_, _>>()?;
        Ok(Names { programmes, douars })
    }
}

fn commune(tx: &Transaction<'_>) -> AppResult<Commune> {
    Ok(tx
        .query_row(
            "SELECT name_ar, name_fr, province, region, mandate_start, mandate_end
             FROM communes ORDER BY rowid LIMIT 1",
            [],
            |r| {
                Ok(Commune {
                    name_ar: r.get(0)?,
                    name_fr: r.get(1)?,
                    province: r.get(2)?,
                    region: r.get(3)?,
                    mandate_start: r.get(4)?,
                    mandate_end: r.get(5)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// The steps of the version, and the preparation its parents did for it (the launch meeting,
/// the diagnosis, the ranking: a draft opened after a refusal or for an update builds on
/// them), in date order. The parents' own approval, dispatch, vote and visa are theirs: a
/// version's document never shows two votes.
pub fn steps(tx: &Transaction<'_>, version_id: i64) -> AppResult<Vec<Step>> {
    let mut stmt = tx.prepare(
        "WITH RECURSIVE chain(id) AS (
             SELECT ?1
             UNION SELECT v.parent_id FROM pac_versions v JOIN chain c ON v.id = c.id
             WHERE v.parent_id IS NOT NULL)
         SELECT s.kind, b.name_ar, b.name_fr, s.date, s.end_date, s.reference, s.note,
                s.late_reason, s.illustrative,
                cv.session_kind, cv.members_total, cv.members_present, cv.votes_for,
                cv.votes_against, cv.abstentions, cv.result
         FROM procedure_steps s
         LEFT JOIN bodies b ON b.id = s.body_id
         LEFT JOIN council_votes cv ON cv.step_id = s.id
         WHERE s.version_id = ?1
            OR (s.version_id IN (SELECT id FROM chain)
                AND s.kind IN ('launch_meeting', 'diagnosis', 'ranking'))
         ORDER BY s.date, s.id",
    )?;
    let rows = stmt
        .query_map(params![version_id], |r| {
            let session_kind: Option<String> = r.get(9)?;
            let vote = match session_kind {
                Some(session_kind) => Some(Vote {
                    session_kind,
                    members_total: r.get(10)?,
                    members_present: r.get(11)?,
                    votes_for: r.get(12)?,
                    votes_against: r.get(13)?,
                    abstentions: r.get(14)?,
                    result: r.get(15)?,
                }),
                None => None,
            };
            Ok(Step {
                kind: r.get(0)?,
                body_ar: r.get(1)?,
                body_fr: r.get(2)?,
                date: r.get(3)?,
                end_date: r.get(4)?,
                reference: r.get(5)?,
                note: r.get(6)?,
                late_reason: r.get(7)?,
                illustrative: r.get(8)?,
                vote,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Every body (retired ones too when they gave an opinion on the version), with its opinions
/// on the version: the programme's first, then per project in number order.
fn bodies(tx: &Transaction<'_>, version_id: Option<i64>) -> AppResult<Vec<BodyOpinions>> {
    let version_id = version_id.unwrap_or(0);
    let mut list: Vec<(i64, BodyOpinions)> = tx
        .prepare(
            "SELECT b.id, b.kind, b.name_ar, b.name_fr,
                    (SELECT count(*) FROM body_members m WHERE m.body_id = b.id)
             FROM bodies b
             WHERE b.retired = 0
                OR EXISTS (SELECT 1 FROM opinions o WHERE o.body_id = b.id AND o.version_id = ?1)
             ORDER BY b.kind = 'ieecag', b.position, b.id",
        )?
        .query_map(params![version_id], |r| {
            Ok((
                r.get(0)?,
                BodyOpinions {
                    kind: r.get(1)?,
                    name_ar: r.get(2)?,
                    name_fr: r.get(3)?,
                    members: r.get(4)?,
                    opinions: Vec::new(),
                },
            ))
        })?
        .collect::<Result<_, _>>()?;
    let index: HashMap<i64, usize> = list
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let mut stmt = tx.prepare(
        "SELECT o.body_id, o.project_number, o.project_title, o.verdict, o.text, o.date,
                o.illustrative, a.outcome, a.text
         FROM opinions o LEFT JOIN reservation_answers a ON a.opinion_id = o.id
         WHERE o.version_id = ?1
         ORDER BY o.project_id IS NOT NULL, o.project_number, o.id",
    )?;
    let mut rows = stmt.query(params![version_id])?;
    while let Some(r) = rows.next()? {
        let body: i64 = r.get(0)?;
        let outcome: Option<String> = r.get(7)?;
        let line = OpinionLine {
            project_number: r.get(1)?,
            project_title: r.get(2)?,
            verdict: r.get(3)?,
            text: r.get(4)?,
            date: r.get(5)?,
            illustrative: r.get(6)?,
            answer: match outcome {
                Some(outcome) => Some(Answer {
                    outcome,
                    text: r.get(8)?,
                }),
                None => None,
            },
        };
        if let Some(i) = index.get(&body) {
            list[*i].1.opinions.push(line);
        }
    }
    Ok(list.into_iter().map(|(_, b)| b).collect())
}

//! The prioritised programme (issue 13): criteria and weights the council's bureau sets, a
//! score 1-5 per project and criterion (computed from the diagnosis by a visible rule, or
//! entered with a reason), the weighted ranking with ties, and the what-if.
//!
//! A score's total is `Σ weight × score` over the criteria (integers, so ties are exact); a
//! missing score (an entered criterion nobody scored yet, a cost without an amount) counts 0
//! and is named, so a project never gains rank for lack of data.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::GroupKind;
pub use crate::codes::Measure;
use crate::money::Mad;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Lowest and highest score.
pub const MIN_SCORE: u8 = 1;
pub const MAX_SCORE: u8 = 5;
/// Highest weight of one criterion.
pub const MAX_WEIGHT: u32 = 100;
/// Most criteria the bureau may keep.
pub const MAX_CRITERIA: usize = 30;
/// Longest criterion name and score reason, in characters.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_REASON_CHARS: usize = 2000;

impl Measure {
    /// Whether a lower figure scores higher (the cost).
    pub fn lower_is_better(&self) -> bool {
        matches!(self, Measure::CostShare)
    }

    pub fn is_computed(&self) -> bool {
        !matches!(self, Measure::Entered | Measure::Unknown(_))
    }
}

/// The rule that turns a figure into a score: four thresholds, ascending. Higher is better:
/// score = 1 + the thresholds the figure reaches (`figure >= t`). Lower is better: score = 5 −
/// the thresholds the figure exceeds (`figure > t`).
pub fn score_of(figure: f64, thresholds: &[f64; 4], lower_is_better: bool) -> u8 {
    if lower_is_better {
        MAX_SCORE - thresholds.iter().filter(|t| figure > **t).count() as u8
    } else {
        MIN_SCORE + thresholds.iter().filter(|t| figure >= **t).count() as u8
    }
}

/// Competition ranking of totals (higher first): equal totals share a rank and the next rank
/// skips (5, 3, 3, 1 → 1, 2, 2, 4). Returns each input's rank and whether it is tied.
pub fn competition_ranks(totals: &[u64]) -> Vec<(u32, bool)> {
    let mut out = Vec::with_capacity(totals.len());
    for t in totals {
        let above = totals.iter().filter(|o| *o > t).count() as u32;
        let same = totals.iter().filter(|o| *o == t).count();
        out.push((above + 1, same > 1));
    }
    out
}

/// A criterion as the bureau keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Criterion {
    pub id: i64,
    pub name_ar: String,
    pub name_fr: String,
    pub measure: Measure,
    pub weight: u32,
    /// For a computed measure: the rule's four ascending thresholds (see [`score_of`]).
    pub thresholds: Option<[f64; 4]>,
    pub position: i64,
}

/// A new criterion (`POST /api/priorities/criteria`) or its change
/// (`PUT /api/priorities/criteria/{id}`: every field given replaces the one kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default)]
pub struct CriterionInput {
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    /// Only when creating (`entered` if not given); a change keeps the measure.
    pub measure: Option<Measure>,
    pub weight: Option<u32>,
    pub thresholds: Option<[f64; 4]>,
}

/// What the bureau changes at once (`PUT /api/priorities/settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrioritySettings {
    /// The commune's yearly means for investment (MAD): what `cost_share` divides by.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "12000000.00"))]
    pub yearly_means: Option<Mad>,
}

/// A score entered for a project and an entered criterion
/// (`PUT /api/priorities/projects/{id}/scores/{criterion}`); `score: null` clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default)]
pub struct ScoreInput {
    pub score: Option<u8>,
    /// Why: required, not blank.
    pub reason: String,
}

/// Who entered a score, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EnteredBy {
    pub username: Option<String>,
    pub at: i64,
    pub reason: String,
}

/// Where a score comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ScoreTrace {
    /// The raw figure (sessions, %, people…); `None` when it cannot be computed (no amount,
    /// no yearly means, no session) or the criterion is entered.
    pub figure: Option<f64>,
    /// The rule applied to the figure (computed criteria).
    pub thresholds: Option<[f64; 4]>,
    pub lower_is_better: bool,
    /// Entered scores: by whom, when, why.
    pub entered: Option<EnteredBy>,
    /// The what-if's override of this score, if any (never saved).
    pub overridden: bool,
}

/// One criterion's score of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CriterionScore {
    pub criterion_id: i64,
    /// 1-5, `None` when missing (counts 0).
    pub score: Option<u8>,
    pub trace: ScoreTrace,
}

/// A project's place in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RankedRow {
    pub project_id: i64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    /// Competition rank: tied projects share it (1, 2, 2, 4).
    pub rank: u32,
    pub tied: bool,
    /// Σ weight × score.
    pub total: u64,
    /// The total over the sum of weights: a mean score on 1-5 (0 with no weight).
    pub mean: f64,
    /// Criteria without a score.
    pub missing: u32,
    pub scores: Vec<CriterionScore>,
    /// Demo data: a made-up ranking, to be replaced by the commune's own.
    pub illustrative: bool,
}

/// The latest approval of the ranking by the bureau.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Approval {
    pub id: i64,
    pub username: Option<String>,
    pub at: i64,
    pub note: String,
    /// Project ids with their rank and total at approval.
    pub ranking: Vec<ApprovedRank>,
    /// Whether today's ranking still is the approved one (same ranks and totals).
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApprovedRank {
    pub project_id: i64,
    pub rank: u32,
    pub total: u64,
}

/// A change of the priorities, as the log lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PriorityAction {
    pub id: i64,
    pub at: i64,
    pub username: Option<String>,
    /// `criterion_create`, `criterion_edit`, `criterion_delete`, `settings`, `score`,
    /// `save` (a what-if saved), `undo`.
    pub kind: String,
    /// What was asked, in words (names, weights, scores).
    pub detail: String,
    pub undone: bool,
    /// The undo of an action: its id.
    pub undoes: Option<i64>,
}

/// Everything the Priorities screen shows (`GET /api/priorities`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Priorities {
    pub criteria: Vec<Criterion>,
    pub settings: PrioritySettings,
    pub ranking: Vec<RankedRow>,
    pub approval: Option<Approval>,
    /// The latest changes, newest first.
    pub log: Vec<PriorityAction>,
    /// Whether any of it is demo data.
    pub illustrative: bool,
}

/// A weight changed in a what-if.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WeightOverride {
    pub criterion_id: i64,
    pub weight: u32,
}

/// A score changed in a what-if (`score: null`: as if missing). Saving keeps only those of
/// entered criteria, with `reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ScoreOverride {
    pub project_id: i64,
    pub criterion_id: i64,
    pub score: Option<u8>,
    #[serde(default)]
    pub reason: String,
}

/// A what-if (`POST /api/priorities/what-if`) and, the same, what saving it writes
/// (`POST /api/priorities/save`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default)]
pub struct WhatIf {
    pub weights: Vec<WeightOverride>,
    pub scores: Vec<ScoreOverride>,
}

/// A project's move between the saved ranking and the what-if.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RankMove {
    pub project_id: i64,
    pub saved_rank: u32,
    pub proposed_rank: u32,
    /// saved − proposed: positive moves up.
    pub up: i64,
}

/// The saved ranking beside the proposed one; nothing is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WhatIfResult {
    pub saved: Vec<RankedRow>,
    pub proposed: Vec<RankedRow>,
    pub moves: Vec<RankMove>,
}

/// The answer of a change: its action in the log (to undo it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PriorityDone {
    pub action_id: i64,
}

/// An approval (`POST /api/priorities/approve`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default)]
pub struct ApproveInput {
    pub note: String,
}

/// A session counted in a project's computed scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CountedSession {
    pub id: Uuid,
    pub pole_id: String,
    pub group_kind: GroupKind,
    pub date: String,
    pub present: i64,
    /// Proposals of the project's needs it raised.
    pub proposals: i64,
}

/// A need counted in a project's computed scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CountedNeed {
    pub id: i64,
    pub title: String,
    pub proposals: i64,
}

/// One project's rank, scores and what they counted (`GET /api/priorities/projects/{id}`):
/// the project sheet's "priority" part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectPriority {
    pub row: RankedRow,
    pub criteria: Vec<Criterion>,
    /// Out of how many projects.
    pub of: u32,
    pub needs: Vec<CountedNeed>,
    pub sessions: Vec<CountedSession>,
    pub douars: Vec<String>,
    pub poles: Vec<String>,
    /// The sheet's prerequisite texts, shown beside an entered readiness score.
    pub prerequisite_land: String,
    pub prerequisite_studies: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_turn_figures_into_scores() {
        let t = [2.0, 4.0, 7.0, 11.0];
        assert_eq!(score_of(0.0, &t, false), 1);
        assert_eq!(score_of(2.0, &t, false), 2);
        assert_eq!(score_of(6.9, &t, false), 3);
        assert_eq!(score_of(11.0, &t, false), 5);
        let cost = [5.0, 10.0, 25.0, 50.0];
        assert_eq!(score_of(3.0, &cost, true), 5);
        assert_eq!(score_of(5.0, &cost, true), 5);
        assert_eq!(score_of(30.0, &cost, true), 2);
        assert_eq!(score_of(80.0, &cost, true), 1);
    }

    #[test]
    fn ties_share_a_rank_and_the_next_skips() {
        let r = competition_ranks(&[300, 410, 300, 500, 120]);
        assert_eq!(
            r,
            vec![(3, true), (2, false), (3, true), (1, false), (5, false)]
        );
    }
}

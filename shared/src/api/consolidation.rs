//! JSON bodies of the design office's consolidation API: proposals of all sessions, the
//! suggestions of proposals that say the same thing, needs, and the log of office actions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

pub use crate::codes::{ActionKind, NeedField, ProposalStatus};
use crate::codes::{GroupKind, Sector};

/// Filters of the office's proposal table (query string of `GET /api/proposals`). Every field
/// is optional; text search ignores Arabic spelling variants (tatweel, hamza, keheh, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ProposalFilter {
    pub pole: Option<String>,
    pub douar: Option<String>,
    pub group_kind: Option<GroupKind>,
    pub sector: Option<Sector>,
    pub session: Option<Uuid>,
    pub need: Option<i64>,
    /// `unplaced`, `placed` or `withdrawn`; absent = all.
    pub status: Option<ProposalStatus>,
    /// Words to find in the problem or the solution, in any spelling.
    pub q: Option<String>,
    /// Page size (default 500, at most 5000).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// One proposal as the office sees it: the tablet's text as typed, its session, and its need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OfficeProposal {
    pub id: Uuid,
    pub session_id: Uuid,
    pub problem: String,
    pub solution: String,
    pub sector: Option<Sector>,
    /// The douar the proposal is about (one of its session's douars), if given.
    pub douar_id: Option<String>,
    pub raised_by: String,
    pub votes: i64,
    pub pole_id: String,
    pub group_kind: GroupKind,
    pub date: String,
    pub session_douar_ids: Vec<String>,
    pub present: i64,
    pub status: ProposalStatus,
    pub need_id: Option<i64>,
    pub need_title: Option<String>,
    /// The proposal names a douar the server does not know (projected as sent, flagged).
    #[serde(default)]
    pub douar_unknown: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProposalPage {
    /// How many proposals match the filter (all pages).
    pub total: i64,
    pub rows: Vec<OfficeProposal>,
}

/// Why the system thinks proposals say the same thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SuggestionReason {
    /// Words (normalised) the proposals share, most telling first.
    pub shared_words: Vec<String>,
    /// The sector all of them have, when they agree.
    pub same_sector: Option<Sector>,
    /// The douars they are about, when they are the same or in one pole.
    pub douar_ids: Vec<String>,
    pub same_pole: Option<String>,
}

/// A group of proposals the system thinks alike, with its confidence (0 to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Suggestion {
    pub proposal_ids: Vec<Uuid>,
    /// When the group fits a need that exists, the need to add the proposals to.
    pub need_id: Option<i64>,
    pub need_title: Option<String>,
    pub confidence: f32,
    pub reason: SuggestionReason,
    /// A title to start from (the shortest problem of the group).
    pub proposed_title: String,
}

/// A project of the programme that probably answers a need (issue 18), with why; the office
/// confirms by linking it (`POST /api/needs/{id}/projects`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectSuggestion {
    pub project_id: i64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    /// 0 to 1.
    pub confidence: f32,
    /// The places both are about, by name.
    pub places: Vec<String>,
    /// What both say: concepts by name and words as written, most telling first.
    pub shared_words: Vec<String>,
    /// The sector both have, when they have the same.
    pub same_sector: Option<Sector>,
}

/// "These proposals are not alike": never suggested together again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RejectSuggestion {
    pub proposal_ids: Vec<Uuid>,
}

/// "These words mean the same", added by the office: the suggestion engine reads the group as
/// one concept of its lexicon (joined to the lexicon's concept when a word is already there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewSynonym {
    pub words: Vec<String>,
    /// `service` (one need for the commune), `work` (one per place named; the default) or
    /// `context` (weak evidence).
    #[serde(default)]
    pub scope: Option<String>,
}

/// A word group of the office, live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OfficeSynonym {
    pub id: i64,
    pub words: Vec<String>,
    pub scope: String,
    pub created_at: i64,
    pub created_by: Option<String>,
}

/// A new need, made of proposals (which leave the need they were in, if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewNeed {
    pub title: String,
    #[serde(default)]
    pub sector: Option<Sector>,
    #[serde(default)]
    pub description: String,
    pub proposal_ids: Vec<Uuid>,
}

/// Changes to a need's own fields; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NeedPatch {
    pub title: Option<String>,
    /// `Some(None)` clears the sector.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub sector: Option<Option<Sector>>,
    pub description: Option<String>,
}

/// Merge into a need: proposals, and whole needs (which close, their proposals moving in).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MergeInto {
    #[serde(default)]
    pub proposal_ids: Vec<Uuid>,
    #[serde(default)]
    pub need_ids: Vec<i64>,
}

/// Split a need: these of its proposals form a new need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SplitNeed {
    pub proposal_ids: Vec<Uuid>,
    pub title: String,
    #[serde(default)]
    pub sector: Option<Sector>,
    #[serde(default)]
    pub description: String,
}

/// Move proposals into a need, or out of any need (`need_id` null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MoveProposals {
    pub proposal_ids: Vec<Uuid>,
    pub need_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LinkProject {
    pub project_id: i64,
}

/// A need with what its proposals say about it. Counts leave withdrawn proposals out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NeedSummary {
    pub id: i64,
    pub title: String,
    pub sector: Option<Sector>,
    pub description: String,
    pub proposals: i64,
    pub withdrawn: i64,
    /// Distinct sessions that raised it.
    pub sessions: i64,
    /// Distinct sessions by group kind code (women, men, youth, disability, associations, mixed).
    pub sessions_by_group: BTreeMap<GroupKind, i64>,
    /// People present, summed over the distinct sessions that raised it.
    pub present: i64,
    pub pole_ids: Vec<String>,
    pub douar_ids: Vec<String>,
    pub project_ids: Vec<i64>,
    pub updated_at: i64,
}

/// One entry of the consolidation log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ActionEntry {
    pub id: i64,
    pub at: i64,
    pub username: Option<String>,
    pub kind: ActionKind,
    /// What was asked, as JSON text.
    pub detail: String,
    pub proposals_moved: i64,
    pub undoes: Option<i64>,
    pub undone_by: Option<i64>,
    /// False when already undone, an undo itself, or later actions changed the same things.
    pub can_undo: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NeedDetail {
    #[serde(flatten)]
    pub summary: NeedSummary,
    /// Its proposals, withdrawn ones included (marked).
    pub proposal_list: Vec<OfficeProposal>,
    pub history: Vec<ActionEntry>,
    pub closed_at: Option<i64>,
}

/// One step of a proposal's lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LineageStep {
    pub action_id: i64,
    pub at: i64,
    pub username: Option<String>,
    pub kind: ActionKind,
    pub from_need: Option<i64>,
    pub to_need: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Lineage {
    pub proposal_id: Uuid,
    pub need_id: Option<i64>,
    pub steps: Vec<LineageStep>,
}

/// What an office action did: the action's id (to undo it) and the need it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ActionDone {
    pub action_id: i64,
    pub need_id: Option<i64>,
}

mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(inner) => inner.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

//! Public pages (issue 16): what the office publishes, and the open data. The office's
//! publishing screen reads [`PublishProject`] and [`PublishProposal`]; the public pages and the
//! open data (`/p/data/projects.json`) are rendered from one [`PublicProject`] each, so the
//! pages and the files cannot disagree.
//!
//! Never public: who raised a proposal (`raised_by`), facilitators, the sessions' notes and
//! photos, anything naming a person. A proposal's text is public only as the office approved
//! it.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::execution::{CurrentStatus, IndicatorProgress};
use crate::{codes::GroupKind, money::Mad};

/// A project as the publishing screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublishProject {
    pub project_id: i64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    pub published: bool,
    /// When and by whom it was last published or withdrawn (`None`: never).
    pub changed_at: Option<i64>,
    pub changed_by: Option<String>,
    /// Proposals traced to it (through the needs it answers), and how many have an approved
    /// text.
    pub proposals: i64,
    pub approved: i64,
}

/// Publish (`true`) or withdraw (`false`) a project's public page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublishInput {
    pub published: bool,
}

/// A proposal behind a project, with its text now and the text approved for the public page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublishProposal {
    pub proposal_id: String,
    pub problem: String,
    pub solution: String,
    pub douar_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub group_kind: GroupKind,
    pub session_date: String,
    pub approved: Option<ApprovedText>,
    /// The text changed on a tablet since it was approved: the page shows the approved text
    /// until it is approved again.
    pub changed_since_approval: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApprovedText {
    pub problem: String,
    pub solution: String,
    pub approved_at: i64,
    pub approved_by: Option<String>,
}

/// Approve (`true`: the current text) or withdraw (`false`) the texts of these proposals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApprovalInput {
    pub proposal_ids: Vec<String>,
    pub approved: bool,
}

/// How many approvals a bulk request changed (already in that state: not counted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApprovalReport {
    pub changed: usize,
}

/// The open data's licence statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Licence {
    pub text_ar: String,
    pub text_fr: String,
    /// The licence's own address (e.g. an Open Data licence), may be blank.
    pub url: String,
}

/// A place or a name in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Named {
    pub id: String,
    pub name_ar: String,
    pub name_fr: String,
}

/// A partner's share of a project's cost (organisations only: never a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicFunder {
    pub name_ar: String,
    pub name_fr: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub amount: Option<Mad>,
}

/// A dated fact of a project's timeline: an office entry, or a date of an execution record
/// (`kind`: entry, start, end, provisional_reception, final_reception).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicTimelineEntry {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub kind: String,
    pub text_ar: String,
    pub text_fr: String,
}

/// How many sessions of one group, in one douar, asked for the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AskCount {
    pub douar: Named,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub group_kind: GroupKind,
    pub sessions: i64,
}

/// Sessions of one group that asked for the project (a session counted once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GroupCount {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub group_kind: GroupKind,
    pub sessions: i64,
}

/// An approved proposal text, with where and which group it came from (never who).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicProposal {
    pub problem: String,
    pub solution: String,
    pub douar: Option<Named>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub group_kind: GroupKind,
    pub session_date: String,
}

/// Why a project is in the programme: the sessions that asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WhyAsked {
    /// Distinct sessions with a proposal traced to the project.
    pub sessions: i64,
    /// Proposals traced to it (approved or not: only a count).
    pub proposals: i64,
    pub by_group: Vec<GroupCount>,
    pub by_douar_group: Vec<AskCount>,
    /// The approved texts only.
    pub texts: Vec<PublicProposal>,
}

/// A published project, as its page and the open data show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicProject {
    /// The programme's number: the stable address `/p/{number}`.
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    pub description: String,
    pub sector: Option<String>,
    pub programme: Option<Named>,
    pub poles: Vec<Named>,
    pub douars: Vec<Named>,
    pub location: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cost: Option<Mad>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub commune_contribution: Option<Mad>,
    pub partners: Vec<PublicFunder>,
    pub status: Option<CurrentStatus>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub programmed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub committed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub paid: Mad,
    /// Paid against cost, percent (one decimal).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub financial_percent: Option<super::monitoring::Quantity>,
    pub indicators: Vec<IndicatorProgress>,
    pub timeline: Vec<PublicTimelineEntry>,
    pub why: WhyAsked,
}

/// The open data file: every published project, with the licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OpenData {
    pub commune_ar: String,
    pub commune_fr: String,
    pub licence: Licence,
    pub projects: Vec<PublicProject>,
}

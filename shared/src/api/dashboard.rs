//! The follow-up's dashboards and a project's whole story (issue 15, dash).
//!
//! A dashboard answers one screen in one call: execution by programme, year, funding source
//! (kind and budget year), status, pole and douar, each line with its projects, the amounts
//! programmed, committed and paid, the **financial** completion (paid against programmed, and
//! against the projects' cost) and, apart, the **physical** progress (the mean of the
//! monitoring indicators' percent reached), with the charts drawn by the server as SVG.
//!
//! A project's story is one dated list, oldest first, from the first listening session that
//! raised one of its needs to its last payment, each entry naming its source.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::execution::ProjectProgress;
use super::monitoring::Quantity;
use crate::{
    GroupKind,
    codes::{ExecutionDocumentKind, ExecutionStatus},
    money::Mad,
};

/// One dashboard: the filters it was computed with, the totals and one table per view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Dashboard {
    /// The budget year filter: only that year's records count (`None`: every year).
    pub year: Option<i32>,
    /// The programme filter (`None`: every programme).
    pub programme_id: Option<i64>,
    /// The pole filter: projects located in that pole (`None`: every pole).
    pub pole_id: Option<String>,
    /// Every budget year with a record, for the year filter's choices.
    pub years: Vec<i32>,
    /// Every programme and pole, for the filters' choices (key = id).
    pub programmes: Vec<Choice>,
    pub poles: Vec<Choice>,
    /// All the projects the filters keep.
    pub totals: DashboardRow,
    /// Per programme, in the programme table's order (key = programme id, "" = none).
    pub by_programme: Vec<DashboardRow>,
    /// Per budget year (key = the year).
    pub by_year: Vec<DashboardRow>,
    /// Per funding source kind and budget year (key = `kind` or `kind:year`). A record funded
    /// by several sources counts in each one's projects and records; its amounts are
    /// attributed only when it has one source (`stated` adds the amounts written on the
    /// funding lines themselves).
    pub by_funding: Vec<DashboardRow>,
    /// Per status (key = the status code; "" = no record yet). With a year filter, the status
    /// of that year's record; without, the project's current status.
    pub by_status: Vec<DashboardRow>,
    /// Per pole and per douar the project is located in (a project located in two poles
    /// counts in both: these tables do not add up to the totals).
    pub by_pole: Vec<DashboardRow>,
    pub by_douar: Vec<DashboardRow>,
    /// The charts (SVG, drawn in the requested language), one per view.
    pub charts: Vec<DashboardChart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Choice {
    pub key: String,
    pub label_ar: String,
    pub label_fr: String,
}

/// One line of a dashboard's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DashboardRow {
    pub key: String,
    pub label_ar: String,
    pub label_fr: String,
    /// Projects in the line.
    pub projects: i64,
    /// Of those, projects with at least one execution record in scope.
    pub with_records: i64,
    /// Execution records in scope (project × year).
    pub records: i64,
    /// The known costs of the line's projects (the project sheets).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub cost: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub programmed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub committed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub paid: Mad,
    /// Funding view only: the amounts written on the funding lines.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub stated: Option<Mad>,
    /// Financial completion: paid against programmed, percent, one decimal.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub paid_of_programmed: Option<Quantity>,
    /// Financial completion: paid against the projects' known cost.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub paid_of_cost: Option<Quantity>,
    /// Physical progress, apart: indicators with a value and a target...
    pub indicators: i64,
    /// ...and the mean of their percent reached (one decimal).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub physical_percent: Option<Quantity>,
}

/// A chart of one view, drawn by the server (inline SVG, no script).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DashboardChart {
    /// `programme`, `year`, `funding`, `status`, `pole`, `douar`.
    pub view: String,
    pub svg: String,
}

/// A project's whole story, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectStory {
    pub project_id: i64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    /// Where it stands now (the shared `execution::progress`).
    pub progress: ProjectProgress,
    pub entries: Vec<StoryEntry>,
}

/// What a story entry tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(PartialOrd, Ord, Hash, Copy)]
#[serde(rename_all = "snake_case")]
pub enum StoryKind {
    /// A listening session raised one of the project's needs (`text`: its proposals).
    Session,
    /// A need was linked to the project (`text`: the need's title).
    NeedLinked,
    /// The priority ranking was approved (`rank`: the project's place in it).
    Ranked,
    /// The council voted the PAC version that holds the project.
    Vote,
    /// The governor's visa made it executable.
    Visa,
    /// A budget year's execution record (status, amounts; `text`: its funding sources).
    Record,
    Started,
    Ended,
    ProvisionalReception,
    FinalReception,
    /// A document referred to (`text`: kind, number, label).
    Document,
    /// The office's timeline entry (`text`: its text).
    Timeline,
    /// A monitoring indicator's value reached in a year (`text`: label, value / target).
    IndicatorValue,
    /// The last year with a payment (`paid`: that year's amount paid).
    LastPayment,
}

/// One dated line of the story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StoryEntry {
    /// `YYYY-MM-DD`, or `YYYY` when only the budget year is known.
    pub date: String,
    pub kind: StoryKind,
    /// What happened, in the data's own words (proposals, timeline text, need title, funding
    /// sources, document number...), in Arabic and French (the same when the data has one).
    pub text_ar: String,
    pub text_fr: String,
    /// Where: pole and douars (sessions), in both languages.
    pub place_ar: String,
    pub place_fr: String,
    pub group_kind: Option<GroupKind>,
    /// People present (sessions), the rank (ranking), the version number (vote, visa).
    pub count: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub status: Option<ExecutionStatus>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub document: Option<ExecutionDocumentKind>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub programmed: Option<Mad>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub committed: Option<Mad>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub paid: Option<Mad>,
    /// The record it comes from: `session:<id>`, `execution_records:<id>`, ...
    pub source: String,
    /// Demo data made up for illustration.
    pub illustrative: bool,
}

impl StoryEntry {
    pub fn new(date: impl Into<String>, kind: StoryKind, source: impl Into<String>) -> Self {
        StoryEntry {
            date: date.into(),
            kind,
            text_ar: String::new(),
            text_fr: String::new(),
            place_ar: String::new(),
            place_fr: String::new(),
            group_kind: None,
            count: None,
            status: None,
            document: None,
            programmed: None,
            committed: None,
            paid: None,
            source: source.into(),
            illustrative: false,
        }
    }
}

//! The rolling three-year programming and the annual evaluation (issue 15, plan3).
//!
//! **The three-year table** (Law 113.14 art. 78): per plan (one per first year), the resources
//! the office enters per year (own resources, surplus carried, partners' expected
//! contributions, other) and the expenditure, which is never typed: it is the programmed
//! amounts of the execution records of the plan's three years, per programme and project. The
//! actuals (committed, paid) travel beside it in their own fields, never added into the plan's.
//!
//! **The evaluation** of a year: planned against executed projects, programmed against paid,
//! completion rates per programme, axis, pole and douar, delays with their reasons, the
//! changes to the programme (the versions' comparison) and the office's text.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::monitoring::Quantity;
use super::procedure::Comparison;
use crate::{
    codes::{ExecutionStatus, ResourceKind},
    money::Mad,
};

/// Most resource lines a plan may hold (three years).
pub const MAX_RESOURCE_LINES: usize = 300;
/// Longest label or note, in characters.
pub const MAX_LABEL_CHARS: usize = 500;
/// Longest evaluation text (summary, changes), in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// A plan as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanSummary {
    pub first_year: i32,
    /// The first year of the plan it was rolled from.
    pub rolled_from: Option<i32>,
    pub note: String,
    pub illustrative: bool,
    pub created_at: i64,
}

/// One resource line of a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResourceLine {
    pub year: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: ResourceKind,
    pub partner_id: Option<i64>,
    /// The partner's name (for `partners` lines naming one).
    pub partner_name: Option<String>,
    pub label: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Mad,
}

/// A resource line as the office types it (`amount` in the forms `parse_mad` reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResourceInput {
    pub year: i32,
    pub kind: String,
    #[serde(default)]
    pub partner_id: Option<i64>,
    #[serde(default)]
    pub label: String,
    pub amount: String,
}

/// The whole list of a plan's resources, replacing the one stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResourcesInput {
    pub resources: Vec<ResourceInput>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A new plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewPlanInput {
    pub first_year: i32,
    #[serde(default)]
    pub note: String,
}

/// Money of one year: the plan's (programmed) and the actuals beside it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct YearMoney {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub programmed: Mad,
    /// Actuals, shown beside, never part of the plan's figures.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub committed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub paid: Mad,
}

/// A project's line of the table: its money per year of the plan (three entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanProject {
    pub project_id: i64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    pub years: Vec<YearMoney>,
}

/// A programme's block: its projects and totals per year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanProgramme {
    pub programme_id: Option<i64>,
    pub name_ar: String,
    pub name_fr: String,
    pub projects: Vec<PlanProject>,
    pub years: Vec<YearMoney>,
}

/// One year's balance: resources against the plan's expenditure (programmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanYear {
    pub year: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub resources: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub expenditure: Mad,
    /// resources − expenditure (negative: the year is short).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub balance: Mad,
    /// Actuals of the year, beside.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub committed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub paid: Mad,
}

/// The three-year table of one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanTable {
    pub plan: PlanSummary,
    /// The three years, in order.
    pub years: Vec<PlanYear>,
    pub resources: Vec<ResourceLine>,
    pub programmes: Vec<PlanProgramme>,
}

/// Completion in one group (a programme, an axis, a pole, a douar).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CompletionRow {
    /// The group's id as text (`""` for projects in none).
    pub key: String,
    pub name_ar: String,
    pub name_fr: String,
    /// Projects with a record of the year.
    pub planned: i64,
    /// Of them, executed (status `executed`).
    pub executed: i64,
    /// executed against planned, percent (one decimal); `None` when nothing was planned.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub completion_percent: Option<Quantity>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub programmed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub paid: Mad,
    /// paid against programmed, percent.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub paid_percent: Option<Quantity>,
}

/// A project behind its plan: suspended, awaiting execution, or still not executed in a later
/// year than first planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DelayLine {
    pub project_id: i64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: ExecutionStatus,
    /// The first year a record planned it.
    pub planned_year: i32,
    /// Years behind (the report's year − the first planned year).
    pub years_late: i32,
    pub reason: String,
    /// The project's timeline entries up to the year's end (date, Arabic, French).
    pub timeline: Vec<TimelineNote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TimelineNote {
    pub happened_on: String,
    pub text_ar: String,
    pub text_fr: String,
}

/// What the office writes beside the figures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EvaluationText {
    #[serde(default)]
    pub summary_ar: String,
    #[serde(default)]
    pub summary_fr: String,
    #[serde(default)]
    pub changes_ar: String,
    #[serde(default)]
    pub changes_fr: String,
    /// The council session it goes to (`YYYY-MM-DD`).
    #[serde(default)]
    pub session_date: Option<String>,
    /// The day it was presented (then the reminder stops).
    #[serde(default)]
    pub presented_on: Option<String>,
}

/// The annual evaluation report of a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Evaluation {
    pub year: i32,
    pub planned: i64,
    pub executed: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub completion_percent: Option<Quantity>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub programmed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub committed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub paid: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub paid_percent: Option<Quantity>,
    /// Records of the year per status: (code, count).
    pub by_status: Vec<(String, i64)>,
    pub by_programme: Vec<CompletionRow>,
    pub by_axis: Vec<CompletionRow>,
    pub by_pole: Vec<CompletionRow>,
    pub by_douar: Vec<CompletionRow>,
    pub delays: Vec<DelayLine>,
    /// The newest frozen version against the live programme (`None` without one).
    pub changes: Option<Comparison>,
    pub text: EvaluationText,
    /// Any record of the year is illustrative demo data.
    pub illustrative: bool,
}

/// "The evaluation of year N is due before the session of D", shown from a number of days
/// before the session until it is recorded as presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EvaluationReminder {
    pub year: i32,
    /// The session it is due before (`YYYY-MM-DD`).
    pub session_date: String,
    /// Where the date comes from: `report` (typed on the report), `procedure` (a planned
    /// council session), `practice` (May of the next year).
    pub source: String,
    pub days_left: i64,
}

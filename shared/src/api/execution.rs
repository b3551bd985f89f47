//! Six years of follow-up (issue 15): what a project's execution records add up to. The
//! follow-up's own request and response bodies (records, agreements, timeline, three-year
//! programming, evaluation, dashboards) live beside these in their modules.
//!
//! Two progresses, never mixed: the **financial** one (paid against the project's cost) and the
//! **physical** one (each monitoring indicator's value reached against its target).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::monitoring::Quantity;
use crate::{codes::ExecutionStatus, money::Mad};

/// A project's current status: the status of its latest year's execution record (the record
/// of the greatest year). `None` while no record exists: the project is in the programme, not
/// yet programmed into a budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CurrentStatus {
    pub year: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: ExecutionStatus,
    /// The reason recorded with it (suspended and dropped always have one).
    pub reason: String,
}

/// Where a project stands, all years and funders together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectProgress {
    pub project_id: i64,
    pub status: Option<CurrentStatus>,
    /// The project sheet's cost (commune and partners' contributions); `None` when unknown.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cost: Option<Mad>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub programmed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub committed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub paid: Mad,
    /// Paid against cost, in percent, one decimal (may pass 100 when the cost was
    /// underestimated); `None` when the cost is unknown or zero.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub financial_percent: Option<Quantity>,
    /// One line per monitoring indicator, in the sheet's order.
    pub indicators: Vec<IndicatorProgress>,
}

/// An indicator's latest value reached, against the target of that year (or, with no target
/// that year, its last target).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IndicatorProgress {
    pub indicator_id: i64,
    pub label_ar: String,
    pub label_fr: String,
    pub unit: String,
    /// The year of the latest value reached; `None` when none is recorded.
    pub year: Option<i32>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub reached: Option<Quantity>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub target: Option<Quantity>,
    /// Reached against target, in percent, one decimal; `None` without both.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub percent: Option<Quantity>,
}

// ---- The execution records (issue 15, exec) ----------------------------------------------

use crate::codes::{ExecutionDocumentKind, FundingKind};

/// One funder's amounts in a year: the commune (`partner_id` None) or a partner of the
/// project. Rule: paid ≤ committed ≤ programmed, per funder and in total (an exception needs
/// the record's `amount_exception`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AmountLine {
    #[serde(default)]
    pub partner_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "350000.00"))]
    pub programmed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub committed: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub paid: Mad,
}

/// Where a year's money comes from. `budget_year` is required for the surplus and budget
/// kinds, `agreement_id` for `partner_agreement`, `label` for `other`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FundingLine {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "actual_surplus"))]
    pub kind: FundingKind,
    #[serde(default)]
    pub budget_year: Option<i32>,
    #[serde(default)]
    pub agreement_id: Option<i64>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub amount: Option<Mad>,
}

/// A project's execution in one budget year, as the office writes it. Dates `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExecutionRecordInput {
    pub year: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "under_way"))]
    pub status: ExecutionStatus,
    /// Required for suspended and dropped.
    #[serde(default)]
    pub status_reason: String,
    /// Why the record breaks paid ≤ committed ≤ programmed; without it such a record is
    /// refused.
    #[serde(default)]
    pub amount_exception: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub provisional_reception: Option<String>,
    #[serde(default)]
    pub final_reception: Option<String>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub amounts: Vec<AmountLine>,
    #[serde(default)]
    pub funding: Vec<FundingLine>,
}

/// A stored execution record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExecutionRecord {
    pub id: i64,
    pub project_id: i64,
    pub project_number: i64,
    #[serde(flatten)]
    pub input: ExecutionRecordInput,
    /// Demo data made up for illustration.
    pub illustrative: bool,
    pub updated_at: i64,
}

/// A document the execution refers to (call for tenders, contract, agreement…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExecutionDocumentInput {
    #[serde(default)]
    pub year: Option<i32>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "contract"))]
    pub kind: ExecutionDocumentKind,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub dated: Option<String>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub attachment_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExecutionDocument {
    pub id: i64,
    pub project_id: i64,
    #[serde(flatten)]
    pub input: ExecutionDocumentInput,
    pub illustrative: bool,
}

/// A dated entry of a project's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TimelineEntryInput {
    pub happened_on: String,
    pub text_ar: String,
    #[serde(default)]
    pub text_fr: String,
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TimelineEntry {
    pub id: i64,
    pub project_id: i64,
    #[serde(flatten)]
    pub input: TimelineEntryInput,
    pub illustrative: bool,
}

/// A partnership agreement (convention de partenariat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AgreementInput {
    pub partner_id: i64,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub signed_on: Option<String>,
    pub object_ar: String,
    #[serde(default)]
    pub object_fr: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub amount: Option<Mad>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub commune_amount: Option<Mad>,
    #[serde(default)]
    pub commune_obligations: String,
    #[serde(default)]
    pub partner_obligations: String,
    #[serde(default)]
    pub project_ids: Vec<i64>,
    #[serde(default)]
    pub attachment_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Agreement {
    pub id: i64,
    #[serde(flatten)]
    pub input: AgreementInput,
    pub partner_name_ar: String,
    pub partner_name_fr: String,
    pub illustrative: bool,
}

/// A value an indicator reached in a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IndicatorValueInput {
    /// A quantity as people write it (`parse_quantity`: `12,5`, `1 200`…).
    pub value: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IndicatorValue {
    pub indicator_id: i64,
    pub year: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub value: Quantity,
    pub note: String,
    pub illustrative: bool,
}

/// Everything a project's execution tab shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectExecution {
    pub project_id: i64,
    pub number: i64,
    /// By year.
    pub records: Vec<ExecutionRecord>,
    pub documents: Vec<ExecutionDocument>,
    /// By date.
    pub timeline: Vec<TimelineEntry>,
    pub indicator_values: Vec<IndicatorValue>,
    pub agreements: Vec<Agreement>,
    pub progress: ProjectProgress,
}

// ---- The import of a year's execution (issue 15, exec) ---------------------------------------

/// A bad line of an execution import file: its line (header = 1; 0 = the file itself), the
/// column (its header as the file writes it; empty for the whole line) and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExecutionImportError {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// The 400 answer of a refused execution import: `{error: "bad_import", message, errors}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExecutionImportErrorBody {
    pub error: crate::codes::ErrorCode,
    pub message: String,
    pub errors: Vec<ExecutionImportError>,
}

/// One funder's amounts an import sets, beside what the record had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportedAmount {
    /// The file's line.
    pub line: u64,
    /// `None`: the commune.
    pub partner_id: Option<i64>,
    pub funder_ar: String,
    pub funder_fr: String,
    pub before: Option<AmountLine>,
    pub after: AmountLine,
}

/// A record (project × year) an import creates or changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportedRecord {
    pub project_number: i64,
    pub title_ar: String,
    pub year: i32,
    /// The record exists already (`false`: created).
    pub existed: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub status_before: Option<ExecutionStatus>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: ExecutionStatus,
    pub amounts: Vec<ImportedAmount>,
    /// Funding sources the record has after the import (the file's, when it gives any).
    pub funding: Vec<FundingLine>,
    /// Nothing differs from what the record had.
    pub unchanged: bool,
}

/// What an execution import did (or, `dry_run`, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExecutionImportReport {
    pub dry_run: bool,
    pub records: Vec<ImportedRecord>,
    /// Headers the import did not know (their cells were not read).
    pub ignored_columns: Vec<String>,
}

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

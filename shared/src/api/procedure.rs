//! The PAC's procedure (issue 14): its versions, the dated steps of each, the rules that are
//! checked but never block (the draft sent to the bodies 30 days before the session, the
//! session's month, the bodies' opinions at the vote, the quorum, the visa's deadline), the
//! vote and the visa, signed documents attached, and the comparison of two versions.
//!
//! Calendar dates are `YYYY-MM-DD` (what a decision or a letter carries); the day arithmetic
//! below is the one both the server (the rules) and the client ("send by D") use.

use serde::{Deserialize, Serialize};

pub use crate::codes::{
    ProcedureRule, RuleStatus, SessionKind, StepKind, VersionKind, VersionStatus, VisaOutcome,
    VoteResult,
};
use crate::money::Mad;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Largest signed document accepted (a scanned decision of a few pages): 413 beyond.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Longest reference, note, reason, in characters.
pub const MAX_REFERENCE_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 4000;
/// Longest attachment file name kept, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 200;
/// How many days before a deadline the list starts warning.
pub const WARN_DAYS_AHEAD: i64 = 7;

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, `None` when it is not one (no such day).
pub fn day_number(iso: &str) -> Option<i64> {
    crate::session::validate_date(iso).ok()?;
    let y: i64 = iso[0..4].parse().ok()?;
    let m: i64 = iso[5..7].parse().ok()?;
    let d: i64 = iso[8..10].parse().ok()?;
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The `YYYY-MM-DD` date of a day number (inverse of [`day_number`]).
pub fn date_of_day(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `iso` plus `days` (negative goes back), or `None` when `iso` is not a date.
pub fn add_days(iso: &str, days: i64) -> Option<String> {
    day_number(iso).map(|n| date_of_day(n + days))
}

/// The month (1-12) of a `YYYY-MM-DD` date.
pub fn month_of(iso: &str) -> Option<u32> {
    day_number(iso)?;
    iso[5..7].parse().ok()
}

/// Whether an ordinary session may sit in this month (February, May, October).
pub fn ordinary_month(month: u32) -> bool {
    matches!(month, 2 | 5 | 10)
}

/// A signed document as stored (its bytes at `GET /api/attachments/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Attachment {
    pub id: i64,
    pub sha256: String,
    /// `application/pdf`, `image/jpeg` or `image/png`, read from the first bytes.
    pub content_type: String,
    pub file_name: String,
    pub size: i64,
    pub uploaded_at: i64,
}

/// A version of the PAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Version {
    pub id: i64,
    /// What people call it: version 1, 2…
    pub number: i64,
    /// The number of the version it was opened from.
    pub parent: Option<i64>,
    pub kind: VersionKind,
    pub status: VersionStatus,
    pub reason: String,
    pub opened_at: i64,
    pub opened_by: Option<String>,
    pub frozen_at: Option<i64>,
    pub frozen_by: Option<String>,
    /// Whether the version holds what was voted (a snapshot).
    pub frozen: bool,
    pub illustrative: bool,
}

/// Opens an `update` draft (from the PAC's third year): the reason is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OpenVersionInput {
    pub reason: String,
}

/// The session and vote of a `vote` step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VoteDetails {
    pub session_kind: SessionKind,
    pub members_total: u32,
    pub members_present: u32,
    pub votes_for: u32,
    pub votes_against: u32,
    pub abstentions: u32,
    pub result: VoteResult,
}

/// A dated step of a version's procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Step {
    pub id: i64,
    /// The version's number.
    pub version: i64,
    pub kind: StepKind,
    /// The body it was sent to (`sent_to_bodies`), `None` = to all.
    pub body_id: Option<i64>,
    pub body_name: Option<String>,
    pub date: String,
    /// The period's end (diagnosis, ranking).
    pub end_date: Option<String>,
    pub reference: String,
    pub note: String,
    /// Why a rule was not met (a late dispatch, a late visa).
    pub late_reason: Option<String>,
    /// A council session's kind (planned or held).
    pub session_kind: Option<SessionKind>,
    pub attachment: Option<Attachment>,
    pub vote: Option<VoteDetails>,
    pub recorded_by: Option<String>,
    pub recorded_at: i64,
    pub illustrative: bool,
}

/// A step to record or change. The steps of the vote and the governor's answer have their own
/// inputs ([`VoteInput`], [`VisaInput`]), which change the version's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StepInput {
    /// The version's number; by default the current one (the draft, else the latest).
    #[serde(default)]
    pub version: Option<i64>,
    pub kind: StepKind,
    #[serde(default)]
    pub body_id: Option<i64>,
    pub date: String,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub late_reason: Option<String>,
    #[serde(default)]
    pub session_kind: Option<SessionKind>,
    #[serde(default)]
    pub attachment_id: Option<i64>,
}

/// The council's session and vote on the draft. `adopted` freezes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VoteInput {
    pub date: String,
    pub session_kind: SessionKind,
    pub members_total: u32,
    pub members_present: u32,
    pub votes_for: u32,
    pub votes_against: u32,
    pub abstentions: u32,
    pub result: VoteResult,
    /// The decision's reference (مقرر).
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub attachment_id: Option<i64>,
}

/// The voted version sent to the governor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GovernorInput {
    pub date: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub attachment_id: Option<i64>,
}

/// The governor's answer: the visa (the version becomes executable), a refusal (a new
/// `after_refusal` draft) or a request to deliberate again (a `redeliberation` draft).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisaInput {
    pub outcome: VisaOutcome,
    pub date: String,
    #[serde(default)]
    pub reference: String,
    /// The governor's grounds (a refusal, a request to deliberate again).
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub attachment_id: Option<i64>,
}

/// One item of the "missing or late" list: the rule, its due date and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RuleItem {
    pub rule: ProcedureRule,
    pub status: RuleStatus,
    /// The step it is about (a missing kind, the late dispatch).
    pub step_kind: Option<StepKind>,
    pub step_id: Option<i64>,
    pub body_id: Option<i64>,
    pub body_name: Option<String>,
    /// When it is (or was) due.
    pub due: Option<String>,
    /// The reason recorded for a late step.
    pub late_reason: Option<String>,
    /// Days late (positive) or left (negative), when there is a due date.
    pub days: Option<i64>,
    /// In English, for logs and tests; the screen writes its own from the codes.
    pub detail: String,
}

/// The procedure's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProcedureSettings {
    /// The governor's legal deadline, in days from the date sent (a setting; 20 by default).
    pub visa_deadline_days: u32,
    /// Decree 2.16.301 art. 10: 30.
    pub dispatch_days_before_session: u32,
}

/// `GET /api/procedure`: a version's steps in order and what is missing or late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProcedureView {
    pub version: Version,
    pub versions: Vec<Version>,
    pub steps: Vec<Step>,
    /// What is missing or late, most urgent first.
    pub rules: Vec<RuleItem>,
    pub settings: ProcedureSettings,
    /// The server's date the rules were checked on.
    pub today: String,
    /// When the shown version is frozen and no draft is open: whether the live programme
    /// differs from it (the office kept editing).
    pub live_differs: bool,
}

/// What recording a step did: the step, and the rules as they stand after it (a late dispatch
/// shows as `reason_missing` until its reason is recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StepDone {
    pub step: Step,
    pub version: Version,
    /// A draft the step opened (a refused visa, a request to deliberate again).
    pub new_draft: Option<Version>,
    pub rules: Vec<RuleItem>,
}

/// One project as a frozen version holds it (what versions are compared on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SnapshotProject {
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    pub axis_ar: String,
    pub programme_ar: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub commune: Option<Mad>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub partners: Option<Mad>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub total: Option<Mad>,
    /// The rank and the weighted total of the saved ranking.
    pub rank: Option<u32>,
    pub score: Option<u64>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
}

/// Amounts summed over a version's projects (unknown amounts count zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SnapshotTotals {
    pub projects: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub commune: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partners: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Mad,
}

/// What a frozen version keeps (`pac_versions.snapshot`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Snapshot {
    pub projects: Vec<SnapshotProject>,
    pub totals: SnapshotTotals,
}

/// A field of a project that differs between two versions (`commune`, `partners`, `total`,
/// `rank`, `start_year`, `end_year`, `title_ar`, `programme_ar`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectChange {
    pub number: i64,
    pub title_ar: String,
    pub changes: Vec<FieldChange>,
}

/// Two versions compared, per project number (`to` = `None`: the live programme).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Comparison {
    pub from: i64,
    /// `None`: the live programme (the draft being worked on, or the office's edits since).
    pub to: Option<i64>,
    pub added: Vec<SnapshotProject>,
    pub removed: Vec<SnapshotProject>,
    pub changed: Vec<ProjectChange>,
    pub totals_from: SnapshotTotals,
    pub totals_to: SnapshotTotals,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_across_leap_years_and_centuries() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2023-02-07"), Some(19_395));
        for d in [-600_000, -1, 0, 59, 365, 11_016, 19_395, 30_000, 2_932_896] {
            assert_eq!(day_number(&date_of_day(d)), Some(d), "{d}");
        }
        assert_eq!(add_days("2024-02-28", 1).as_deref(), Some("2024-02-29"));
        assert_eq!(add_days("2023-02-28", 1).as_deref(), Some("2023-03-01"));
        assert_eq!(add_days("2023-02-07", -30).as_deref(), Some("2023-01-08"));
        assert_eq!(day_number("2023-02-29"), None);
        assert_eq!(month_of("2023-10-01"), Some(10));
    }
}

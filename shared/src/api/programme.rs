//! The programme (strategic axis > programme > project), its reports and the project import:
//! JSON bodies shared by the server and the office screens.
//!
//! Amounts are [`Mad`] (exact decimals, serialised as strings like `"20870000.00"`). An amount
//! that the source does not give is `None`, never zero: totals count it as zero and say how
//! many projects had no amount.

use crate::codes::{GroupKind, PartnerKind, Sector};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::AttendanceRow;
use crate::money::Mad;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Earliest and latest year a project may start or end in.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

/// One partner's share of a project's cost. The partner is one of the commune's list
/// (`/api/partners`): by `partner_id`, or by `name` (Arabic or French, compared normalised;
/// a name not in the list is added to it, kind `other`). Answers carry both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PartnerShare {
    #[serde(default)]
    pub partner_id: Option<i64>,
    #[serde(default)]
    pub name: String,
    /// `None`: the share is not known yet (counted in no total).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "1500000.00"))]
    #[serde(default)]
    pub amount: Option<Mad>,
}

/// A funding partner as the office edits it (`POST /api/partners`, `PUT /api/partners/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default)]
pub struct PartnerInput {
    /// Required, not blank; unique among partners (compared normalised, with `name_fr`).
    pub name_ar: String,
    pub name_fr: String,
    /// A `PartnerKind` code; `other` when not given.
    pub kind: Option<PartnerKind>,
}

/// A funding partner of the commune, with how many project shares name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Partner {
    pub id: i64,
    pub name_ar: String,
    pub name_fr: String,
    pub kind: PartnerKind,
    /// Project shares that name this partner (a partner with shares cannot be deleted).
    pub shares: i64,
}

// The programme's structure (axes, programmes) as the office edits it. Every change answers a
// `StructureDone` whose action is in the office's log and undone by `/api/actions/{id}/undo`.

/// The names of an axis or a programme (`POST /api/axes`, `PUT /api/axes/{id}`,
/// `PUT /api/programmes/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StructureNames {
    /// Required, not blank; unique among axes (or among programmes), compared normalised.
    pub name_ar: String,
    #[serde(default)]
    pub name_fr: String,
}

/// `POST /api/programmes`: a new programme, last of its axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewProgramme {
    pub axis_id: i64,
    pub name_ar: String,
    #[serde(default)]
    pub name_fr: String,
}

/// `PUT /api/axes/order` (every axis) or `PUT /api/axes/{id}/programmes/order` (every
/// programme of the axis): each id once, in the new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StructureOrder {
    pub ids: Vec<i64>,
}

/// `POST /api/programmes/{id}/move`: the programme goes last in this axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MoveProgramme {
    pub axis_id: i64,
}

/// What a change of the structure did: its action (to undo it) and the axis or programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StructureDone {
    pub action_id: i64,
    /// The axis or programme created, renamed, moved or deleted (`None` for a new order).
    pub id: Option<i64>,
}

/// Everything the office edits on a project sheet (`POST /api/projects`,
/// `PUT /api/projects/{id}`). Missing fields take their default (empty, `None`, `[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default)]
pub struct ProjectInput {
    /// The project's number in the programme, positive and unique.
    pub number: i64,
    pub programme_id: i64,
    /// Required, not blank.
    pub title_ar: String,
    pub title_fr: String,
    pub title_en: String,
    pub description: String,
    /// A sector code (`reference::Sector`), or none.
    pub sector: Option<Sector>,
    /// Free text location ("commune centre", "16 douars: …").
    pub location: String,
    pub douar_ids: Vec<String>,
    pub pole_ids: Vec<String>,
    pub beneficiaries_women: Option<i64>,
    pub beneficiaries_men: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "350000.00"))]
    pub commune_contribution: Option<Mad>,
    /// The partners' total. When `partners` is not empty it is the exact sum of their known
    /// shares (given here or not; a different value is refused), `None` when none is known.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "0.00"))]
    pub partners_contribution: Option<Mad>,
    pub partners: Vec<PartnerShare>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub duration_months: Option<i32>,
    /// Project owner (maître d'ouvrage).
    pub owner: String,
    // `funding_source` and `status` are gone from the sheet (issue 15, exec): a project's
    // funding and status are its execution records' (`api::execution`); migration 0022
    // carried the text over. A client that still sends them is not refused (serde ignores
    // the fields); `Project::current_status` shows the derived status.
    /// What is ready or missing: land.
    pub prerequisite_land: String,
    /// What is ready or missing: studies.
    pub prerequisite_studies: String,
    // The free-text `indicators` field is gone: indicators are records of their own
    // (`api::monitoring`, `/api/projects/{id}/indicators`); a client that still sends it is
    // not refused (serde ignores the field).
    /// Why the project sits in its programme when the source does not say.
    pub programme_note: Option<String>,
    /// A project the source counts but does not name (demo data). Saving a sheet without it
    /// makes the project a real one.
    pub placeholder: bool,
}

/// A project sheet as the server returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Project {
    pub id: i64,
    #[serde(flatten)]
    pub input: ProjectInput,
    pub axis_id: i64,
    /// Needs (alive ones) this project answers.
    pub need_ids: Vec<i64>,
    /// Commune plus partners; `None` when neither is known.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub total_cost: Option<Mad>,
    /// Unix time (seconds) of the last change; 0 for data loaded before edits were dated.
    pub updated_at: i64,
    /// The current status derived from the execution records (issue 15), read-only here:
    /// the execution tab changes it.
    #[serde(default)]
    pub current_status: Option<crate::api::execution::CurrentStatus>,
}

/// Projects and amounts under one node of the programme (unknown amounts count as zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Totals {
    pub projects: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub commune: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partners: Mad,
    /// Projects whose commune contribution is not known.
    pub without_commune_amount: i64,
    /// Partner shares whose amount is not known yet (not in `partners`).
    #[serde(default)]
    pub unknown_partner_shares: i64,
}

/// One project as a line of the programme tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectSummary {
    pub id: i64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    pub placeholder: bool,
    pub sector: Option<Sector>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub commune_contribution: Option<Mad>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub partners_contribution: Option<Mad>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    /// The current status derived from the execution records (issue 15); `None` while the
    /// project has none.
    pub status: Option<crate::api::execution::CurrentStatus>,
    /// How many alive needs the project answers.
    pub needs: i64,
    /// Partner shares of this project not known yet.
    #[serde(default)]
    pub unknown_partner_shares: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProgrammeNode {
    pub id: i64,
    pub position: i64,
    pub name_ar: String,
    pub name_fr: String,
    pub name_en: String,
    pub totals: Totals,
    /// By project number.
    pub projects: Vec<ProjectSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AxisNode {
    pub id: i64,
    pub position: i64,
    pub name_ar: String,
    pub name_fr: String,
    pub name_en: String,
    pub totals: Totals,
    pub programmes: Vec<ProgrammeNode>,
}

/// `GET /api/programme`: axes > programmes > projects, totals at each level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProgrammeTree {
    pub axes: Vec<AxisNode>,
    pub totals: Totals,
}

/// One line of the programme table (the seed's `programmes.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProgrammeTableRow {
    pub axis_id: i64,
    pub axis_ar: String,
    pub axis_fr: String,
    pub axis_en: String,
    pub programme_id: i64,
    pub programme_ar: String,
    pub programme_fr: String,
    pub programme_en: String,
    pub projects: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub commune_contribution: Mad,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partners_contribution: Mad,
    /// Partner shares not known yet in this programme (its partners' total leaves them out).
    #[serde(default)]
    pub unknown_partner_shares: i64,
}

/// Subtotal of one axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AxisTotal {
    pub axis_id: i64,
    pub axis_ar: String,
    pub axis_fr: String,
    pub axis_en: String,
    pub totals: Totals,
}

/// `GET /api/reports/programme-table`: per axis and programme, the number of projects and the
/// commune and partner totals, with per-axis subtotals and the grand total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProgrammeTable {
    /// In axis then programme order.
    pub rows: Vec<ProgrammeTableRow>,
    pub axes: Vec<AxisTotal>,
    pub total: Totals,
}

/// `POST /api/projects/import` succeeded (or would have, with `dry_run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportReport {
    /// Numbers of the projects created.
    pub created: Vec<i64>,
    /// Numbers of the existing projects updated.
    pub updated: Vec<i64>,
    /// Replace mode: numbers of the projects not in the file, removed (nothing linked to them).
    /// Left out of the JSON when empty, so an ordinary import answers as it always did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<i64>,
    /// Replace mode: projects not in the file that were kept, because needs link to them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<KeptProject>,
    /// Placeholder projects the file names, which become real projects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub made_real: Vec<i64>,
    /// Partner names not in the partner list, added to it (kind `other`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partners_added: Vec<String>,
    /// Nothing was written: the file was only checked.
    pub dry_run: bool,
}

/// A project a "replace the programme" import could not remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct KeptProject {
    pub number: i64,
    pub reason: String,
}

/// One refused row of an import file. `line` is the line in the file (the header is line 1;
/// in XLSX, the sheet's row number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportError {
    pub line: u64,
    pub reason: String,
}

/// The 400 answer of a refused import: the usual `{error, message}` plus every bad row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportErrorBody {
    /// `bad_import`.
    pub error: crate::codes::ErrorCode,
    pub message: String,
    pub errors: Vec<ImportError>,
}

/// The session a proposal was raised in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TraceSession {
    pub id: Uuid,
    pub pole_id: String,
    pub douar_ids: Vec<String>,
    /// A `GroupKind` code.
    pub group_kind: GroupKind,
    /// yyyy-mm-dd.
    pub date: String,
    /// Attendance by category (`AttendanceCategory` codes).
    pub attendance: Vec<AttendanceRow>,
    /// People present (women plus men).
    pub present: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TraceProposal {
    pub id: Uuid,
    pub problem: String,
    pub solution: String,
    pub sector: Option<Sector>,
    pub douar_id: Option<String>,
    /// Deleted on the tablet after it was placed in the need.
    pub deleted: bool,
    pub votes: i64,
    pub session: TraceSession,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TraceNeed {
    pub id: i64,
    pub title: String,
    pub sector: Option<Sector>,
    pub description: String,
    /// Session date order.
    pub proposals: Vec<TraceProposal>,
}

/// `GET /api/projects/{id}/trace`: why a project is in the programme: the needs it answers,
/// their proposals and the sessions (pole, douars, group, date, attendance) they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectTrace {
    pub project: Project,
    pub needs: Vec<TraceNeed>,
    /// Distinct sessions behind the project.
    pub sessions: i64,
    /// People present, summed over those distinct sessions.
    pub present: i64,
    /// Sessions by group kind (code, count), in group kind order.
    pub sessions_by_group: Vec<GroupCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GroupCount {
    pub group_kind: GroupKind,
    pub sessions: i64,
}

/// A need as seen from one place: how many of its proposals came from there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlaceNeed {
    pub need_id: i64,
    pub title: String,
    pub sector: Option<Sector>,
    /// Proposals of this need raised there (deleted proposals not counted).
    pub proposals: i64,
    /// Of those, proposals raised in women's sessions.
    pub from_women: i64,
}

/// The needs of one pole or one douar, most proposals first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlaceNeeds {
    pub id: String,
    pub name_ar: String,
    pub name_fr: String,
    /// For a douar, its pole.
    pub pole_id: Option<String>,
    pub needs: Vec<PlaceNeed>,
}

/// `GET /api/reports/needs-by-place`. A proposal belongs to its session's pole and to its own
/// douar (a proposal with no douar counts for the pole only). Closed needs are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NeedsByPlace {
    /// Every pole, in order, even those with no needs.
    pub poles: Vec<PlaceNeeds>,
    /// Every douar, in pole then douar order.
    pub douars: Vec<PlaceNeeds>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_input_defaults_and_flattened_sheet() {
        let input: ProjectInput =
            serde_json::from_str(r#"{"number": 7, "programme_id": 1, "title_ar": "طريق"}"#)
                .unwrap();
        assert_eq!(input.number, 7);
        assert!(input.partners.is_empty() && input.commune_contribution.is_none());
        let project = Project {
            id: 3,
            input: ProjectInput {
                commune_contribution: Some(Mad::from_centimes(35_000_000)),
                ..input
            },
            axis_id: 1,
            need_ids: vec![],
            total_cost: None,
            updated_at: 0,
            current_status: None,
        };
        let json = serde_json::to_value(&project).unwrap();
        assert_eq!(json["title_ar"], "طريق");
        assert_eq!(json["commune_contribution"], "350000.00");
        let back: Project = serde_json::from_value(json).unwrap();
        assert_eq!(back, project);
    }
}

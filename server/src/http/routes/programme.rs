//! The programme, project sheets, the project import, reports and exports. The programme is
//! read with `Action::ReadProgramme`, changed with `EditProgramme`, imported with
//! `ImportProgramme`; a report or export of proposals or needs follows their read rule.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tachkhis_shared::codes::ErrorCode;
use tachkhis_shared::{
    api::ErrorBody,
    api::programme::{
        ImportErrorBody, ImportReport, NeedsByPlace, Partner, PartnerInput, ProgrammeTable,
        ProgrammeTree, Project, ProjectInput, ProjectTrace,
    },
};

use super::Api;
use crate::{
    AppState,
    export::{self, FileFormat},
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, Query, RawBody, can},
    programme::{self, import},
};

/// Largest import file.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

pub fn router() -> Api {
    Api::new()
        .get("/programme", get_programme)
        .post("/projects", create_project)
        .get("/projects/{id}", get_project)
        .get("/projects/by-number/{number}", get_project_by_number)
        .get("/partners", list_partners)
        .post("/partners", create_partner)
        .put("/partners/{id}", update_partner)
        .delete("/partners/{id}", delete_partner)
        .put("/projects/{id}", update_project)
        .delete("/projects/{id}", delete_project)
        .get("/projects/{id}/trace", get_trace)
        .get("/reports/programme-table", programme_table)
        .get("/reports/needs-by-place", needs_by_place)
        .get("/export/projects", export_projects)
        .get("/export/proposals", export_proposals)
        .get("/export/needs", export_needs)
        // The programme's axes and programmes.
        .merge(super::structure::router())
}

/// The import, with its own body limit (files are bigger than JSON bodies).
pub fn import_router() -> Api {
    Api::new()
        .post("/projects/import", import_projects)
        .body_limit(MAX_IMPORT_BYTES)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FormatParam {
    /// `csv` or `xlsx`; reports answer JSON without it.
    pub format: Option<String>,
}

impl FormatParam {
    pub fn file_format(&self) -> AppResult<Option<FileFormat>> {
        self.format.as_deref().map(FileFormat::parse).transpose()
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportParams {
    /// `csv` or `xlsx`; by default XLSX when the body starts like a zip file, else CSV.
    pub format: Option<String>,
    /// `1` or `true`: check the file and report, write nothing.
    pub dry_run: Option<String>,
    /// `1` or `true`: the file is the whole programme; projects not in it are removed unless
    /// needs link to them (kept and reported).
    pub replace: Option<String>,
}

pub(crate) fn flag(value: Option<&str>) -> bool {
    matches!(
        value.map(str::to_ascii_lowercase).as_deref(),
        Some("1" | "true" | "yes")
    )
}

/// Axes > programmes > projects, with the project count and the commune and partner totals at
/// each level.
#[utoipa::path(get, path = "/api/programme", tag = "programme",
    responses((status = 200, body = ProgrammeTree), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_programme(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProgramme>,
) -> AppResult<Json<ProgrammeTree>> {
    Ok(Json(app.db.read(programme::programme_tree).await?))
}

/// One project sheet, with the needs it answers.
#[utoipa::path(get, path = "/api/projects/{id}", tag = "programme",
    params(("id" = i64, Path, description = "project id")),
    responses((status = 200, body = Project), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_project(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProgramme>,
    Path(id): Path<i64>,
) -> AppResult<Json<Project>> {
    app.db
        .read(move |tx| programme::get_project(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no project {id}")))
}

/// One project sheet by its number in the programme (the number people and files use; the
/// id is the database's). 404 when no project has that number.
#[utoipa::path(get, path = "/api/projects/by-number/{number}", tag = "programme",
    params(("number" = i64, Path, description = "project number")),
    responses((status = 200, body = Project), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_project_by_number(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProgramme>,
    Path(number): Path<i64>,
) -> AppResult<Json<Project>> {
    app.db
        .read(
            move |tx| match programme::project_with_number(tx, number)? {
                Some(id) => programme::get_project(tx, id),
                None => Ok(None),
            },
        )
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no project number {number}")))
}

/// The commune's funding partners, with how many project shares name each.
#[utoipa::path(get, path = "/api/partners", tag = "programme",
    responses((status = 200, body = Vec<Partner>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_partners(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProgramme>,
) -> AppResult<Json<Vec<Partner>>> {
    Ok(Json(app.db.read(programme::partners::list_partners).await?))
}

/// Adds a partner. 400 `invalid_partner` for a blank Arabic name, an unknown kind or a name
/// another partner has.
#[utoipa::path(post, path = "/api/partners", tag = "programme",
    request_body = PartnerInput,
    responses((status = 201, body = Partner), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_partner(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Json(input): Json<PartnerInput>,
) -> AppResult<(StatusCode, Json<Partner>)> {
    let partner = app
        .db
        .write(move |tx| programme::partners::create_partner(tx, Some(user.id), input))
        .await?;
    Ok((StatusCode::CREATED, Json(partner)))
}

/// Renames a partner or changes its kind; the project shares follow.
#[utoipa::path(put, path = "/api/partners/{id}", tag = "programme",
    params(("id" = i64, Path, description = "partner id")),
    request_body = PartnerInput,
    responses((status = 200, body = Partner), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_partner(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
    Json(input): Json<PartnerInput>,
) -> AppResult<Json<Partner>> {
    let partner = app
        .db
        .write(move |tx| programme::partners::update_partner(tx, Some(user.id), id, input))
        .await?;
    Ok(Json(partner))
}

/// Deletes a partner that no project share names (409 otherwise).
#[utoipa::path(delete, path = "/api/partners/{id}", tag = "programme",
    params(("id" = i64, Path, description = "partner id")),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_partner(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| programme::partners::delete_partner(tx, Some(user.id), id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a project. 400 `invalid_project` lists every problem.
#[utoipa::path(post, path = "/api/projects", tag = "programme",
    request_body = ProjectInput,
    responses((status = 201, body = Project), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_project(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Json(input): Json<ProjectInput>,
) -> AppResult<(StatusCode, Json<Project>)> {
    let project = app
        .db
        .write(move |tx| programme::create_project(tx, Some(user.id), input))
        .await?;
    Ok((StatusCode::CREATED, Json(project)))
}

/// Replaces a project's sheet.
#[utoipa::path(put, path = "/api/projects/{id}", tag = "programme",
    params(("id" = i64, Path, description = "project id")),
    request_body = ProjectInput,
    responses((status = 200, body = Project), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_project(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
    Json(input): Json<ProjectInput>,
) -> AppResult<Json<Project>> {
    let project = app
        .db
        .write(move |tx| programme::update_project(tx, Some(user.id), id, input))
        .await?;
    Ok(Json(project))
}

/// Deletes a project and its links to needs.
#[utoipa::path(delete, path = "/api/projects/{id}", tag = "programme",
    params(("id" = i64, Path, description = "project id")),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_project(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| programme::delete_project(tx, Some(user.id), id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A refused import: `{error: "bad_import", message, errors: [{line, reason}]}`.
pub enum ImportFailure {
    App(AppError),
    Rows(Vec<tachkhis_shared::api::programme::ImportError>),
}

impl From<AppError> for ImportFailure {
    fn from(e: AppError) -> Self {
        ImportFailure::App(e)
    }
}

impl IntoResponse for ImportFailure {
    fn into_response(self) -> Response {
        match self {
            ImportFailure::App(e) => e.into_response(),
            ImportFailure::Rows(errors) => {
                // A line with several problems is named once.
                let mut distinct: Vec<u64> = errors.iter().map(|e| e.line).collect();
                distinct.sort_unstable();
                distinct.dedup();
                let lines: Vec<String> = distinct.iter().take(5).map(u64::to_string).collect();
                let more = if distinct.len() > 5 { ", …" } else { "" };
                let body = ImportErrorBody {
                    error: ErrorCode::BadImport,
                    message: format!(
                        "the file was not imported: {} problem(s), line(s) {}{more}",
                        errors.len(),
                        lines.join(", ")
                    ),
                    errors,
                };
                (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
            }
        }
    }
}

/// Projects from a CSV or XLSX file: rows matched by project number, existing
/// ones updated, new ones created, all or nothing. Columns: `number` (required), `programme`
/// (id or name), `title_ar`, `title_fr`, `title_en`, `description`, `sector`, `location`,
/// `douars` and `poles` (`;`-separated ids, names or aliases), `beneficiaries_women`,
/// `beneficiaries_men`, `commune_contribution_mad`, `partners_contribution_mad` (French
/// "20 870 000,00" or dot decimals), `partners` (`name=amount; name; …`: a name alone is a share not known yet; names are
/// matched to the partner list or added to it), `start_year`, `end_year`,
/// `duration_months`, `owner`, `funding_source`, `status`, `prerequisite_land`,
/// `prerequisite_studies`, `programme_note`, `placeholder` (1/0); the export's
/// `axis_ar`, `programme_ar` and `needs` are ignored, and so is `indicators` (the old
/// free-text field: indicators have their own import, `/api/indicators/import`). Line 0 in an error is the file itself.
#[utoipa::path(post, path = "/api/projects/import", tag = "programme",
    params(ImportParams),
    request_body(content = Vec<u8>, content_type = "text/csv",
        description = "a CSV file (comma or semicolon) or an XLSX workbook (first sheet)"),
    responses((status = 200, body = ImportReport),
              (status = 400, body = ImportErrorBody, description = "every bad row, nothing written"),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import_projects(
    State(app): State<AppState>,
    user: Allowed<can::ImportProgramme>,
    Query(params): Query<ImportParams>,
    RawBody(body): RawBody,
) -> Result<Json<ImportReport>, ImportFailure> {
    let format = params
        .format
        .as_deref()
        .map(FileFormat::parse)
        .transpose()?;
    let dry_run = flag(params.dry_run.as_deref());
    let mode = import::ImportMode {
        dry_run,
        replace: flag(params.replace.as_deref()),
    };
    let run = move |tx: &rusqlite::Transaction<'_>| {
        import::import_projects(tx, Some(user.id), &body, format, mode)
    };
    let outcome = if dry_run {
        app.db.read(run).await?
    } else {
        app.db.write(run).await?
    };
    outcome.map(Json).map_err(ImportFailure::Rows)
}

/// A project's trace: its needs, their proposals and the sessions they came from.
#[utoipa::path(get, path = "/api/projects/{id}/trace", tag = "programme",
    params(("id" = i64, Path, description = "project id")),
    responses((status = 200, body = ProjectTrace), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_trace(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProgramme>,
    Path(id): Path<i64>,
) -> AppResult<Json<ProjectTrace>> {
    app.db
        .read(move |tx| programme::project_trace(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no project {id}")))
}

/// The programme table: JSON, or `?format=csv` (the seed's `programmes.csv` layout) or
/// `?format=xlsx` (with per-axis subtotals and the grand total, right to left).
#[utoipa::path(get, path = "/api/reports/programme-table", tag = "reports",
    params(FormatParam),
    responses((status = 200, description = "JSON, CSV or XLSX", content(
        (ProgrammeTable = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn programme_table(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProgramme>,
    Query(params): Query<FormatParam>,
) -> AppResult<Response> {
    let format = params.file_format()?;
    let table = app.db.read(programme::programme_table).await?;
    match format {
        None => Ok(Json(table).into_response()),
        Some(f) => programme::programme_table_file(&table, f == FileFormat::Xlsx).into_response(f),
    }
}

/// Needs per pole and per douar, with how many proposals came from each place.
#[utoipa::path(get, path = "/api/reports/needs-by-place", tag = "reports",
    responses((status = 200, body = NeedsByPlace), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn needs_by_place(
    State(app): State<AppState>,
    _user: Allowed<can::ReadNeeds>,
) -> AppResult<Json<NeedsByPlace>> {
    Ok(Json(app.db.read(programme::needs_by_place).await?))
}

fn export_format(params: &FormatParam) -> AppResult<FileFormat> {
    Ok(params.file_format()?.unwrap_or(FileFormat::Csv))
}

/// One export: the table built in a read transaction, as CSV (default) or XLSX.
async fn send_table(
    app: &AppState,
    params: FormatParam,
    table: fn(&rusqlite::Transaction<'_>) -> AppResult<crate::export::Table>,
) -> AppResult<Response> {
    let format = export_format(&params)?;
    app.db.read(table).await?.into_response(format)
}

/// Every project in the import's columns (CSV by default, or `?format=xlsx`).
#[utoipa::path(get, path = "/api/export/projects", tag = "reports",
    params(FormatParam),
    responses((status = 200, description = "CSV or XLSX file", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_projects(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProgramme>,
    Query(params): Query<FormatParam>,
) -> AppResult<Response> {
    send_table(&app, params, programme::projects_table).await
}

/// Every proposal with its session (pole, douars, group kind, date, people present), sector,
/// douar, withdrawn flag and current need.
#[utoipa::path(get, path = "/api/export/proposals", tag = "reports",
    params(FormatParam),
    responses((status = 200, description = "CSV or XLSX file", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_proposals(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProposals>,
    Query(params): Query<FormatParam>,
) -> AppResult<Response> {
    send_table(&app, params, export::proposals_table).await
}

/// Every alive need: proposals, distinct sessions (in all and per group kind), people present
/// over those sessions, poles, douars and linked project numbers.
#[utoipa::path(get, path = "/api/export/needs", tag = "reports",
    params(FormatParam),
    responses((status = 200, description = "CSV or XLSX file", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_needs(
    State(app): State<AppState>,
    _user: Allowed<can::ReadNeeds>,
    Query(params): Query<FormatParam>,
) -> AppResult<Response> {
    send_table(&app, params, export::needs_table).await
}

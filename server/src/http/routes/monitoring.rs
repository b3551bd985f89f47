//! The monitoring system's indicators (issue 13): a project's list, add, edit, reorder,
//! remove, and the file (import, export, template). Reads follow `ReadProgramme`, changes
//! `EditProgramme`, the import `ImportProgramme`: the programme's own rules.

use axum::{extract::State, http::StatusCode, response::Response};
use tachkhis_shared::api::{
    ErrorBody,
    monitoring::{
        Indicator, IndicatorImportReport, IndicatorInput, IndicatorOrder, ProjectIndicators,
    },
    programme::ImportErrorBody,
};

use super::Api;
use super::programme::{FormatParam, ImportFailure, MAX_IMPORT_BYTES};
use crate::{
    AppState,
    export::FileFormat,
    http::error::AppResult,
    http::extract::{Allowed, Json, Path, Query, RawBody, can},
    monitoring::{self, file},
};

pub fn router() -> Api {
    Api::new()
        .get("/projects/{id}/indicators", list_indicators)
        .post("/projects/{id}/indicators", create_indicator)
        .put("/projects/{id}/indicators/order", order_indicators)
        .put("/indicators/{id}", update_indicator)
        .delete("/indicators/{id}", delete_indicator)
        .get("/indicators/template", indicators_template)
        .get("/export/indicators", export_indicators)
}

/// The import, with the file body limit.
pub fn import_router() -> Api {
    Api::new()
        .post("/indicators/import", import_indicators)
        .body_limit(MAX_IMPORT_BYTES)
}

/// A project's indicators in order, with the programme's years (the target columns).
#[utoipa::path(get, path = "/api/projects/{id}/indicators", tag = "monitoring",
    params(("id" = i64, Path, description = "project id")),
    responses((status = 200, body = ProjectIndicators), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_indicators(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProgramme>,
    Path(id): Path<i64>,
) -> AppResult<Json<ProjectIndicators>> {
    Ok(Json(
        app.db
            .read(move |tx| monitoring::project_indicators(tx, id))
            .await?,
    ))
}

/// Adds an indicator, last of the project's. 400 `invalid_indicator` names every bad field
/// (`kind`, `label_ar`, `baseline_value`, `targets.2025`…).
#[utoipa::path(post, path = "/api/projects/{id}/indicators", tag = "monitoring",
    params(("id" = i64, Path, description = "project id")),
    request_body = IndicatorInput,
    responses((status = 201, body = Indicator), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_indicator(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
    Json(input): Json<IndicatorInput>,
) -> AppResult<(StatusCode, Json<Indicator>)> {
    let made = app
        .db
        .write(move |tx| monitoring::create_indicator(tx, Some(user.id), id, &input))
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Replaces an indicator's fields (its place in the order stays).
#[utoipa::path(put, path = "/api/indicators/{id}", tag = "monitoring",
    params(("id" = i64, Path, description = "indicator id")),
    request_body = IndicatorInput,
    responses((status = 200, body = Indicator), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_indicator(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
    Json(input): Json<IndicatorInput>,
) -> AppResult<Json<Indicator>> {
    Ok(Json(
        app.db
            .write(move |tx| monitoring::update_indicator(tx, Some(user.id), id, &input))
            .await?,
    ))
}

/// Removes an indicator and its targets.
#[utoipa::path(delete, path = "/api/indicators/{id}", tag = "monitoring",
    params(("id" = i64, Path, description = "indicator id")),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_indicator(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| monitoring::delete_indicator(tx, Some(user.id), id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new order of the project's indicators: every one of them, once.
#[utoipa::path(put, path = "/api/projects/{id}/indicators/order", tag = "monitoring",
    params(("id" = i64, Path, description = "project id")),
    request_body = IndicatorOrder,
    responses((status = 200, body = ProjectIndicators), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn order_indicators(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
    Json(order): Json<IndicatorOrder>,
) -> AppResult<Json<ProjectIndicators>> {
    Ok(Json(
        app.db
            .write(move |tx| monitoring::order_indicators(tx, Some(user.id), id, &order))
            .await?,
    ))
}

fn format_of(params: &FormatParam) -> AppResult<FileFormat> {
    Ok(params.file_format()?.unwrap_or(FileFormat::Csv))
}

/// Every project's indicators as the file the import reads (CSV by default, or
/// `?format=xlsx`): one target column per year of the programme, the project's title to read
/// and the indicator's id (an import of the file changes nothing).
#[utoipa::path(get, path = "/api/export/indicators", tag = "reports",
    params(FormatParam),
    responses((status = 200, description = "CSV or XLSX file", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_indicators(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProgramme>,
    Query(params): Query<FormatParam>,
) -> AppResult<Response> {
    let format = format_of(&params)?;
    app.db
        .read(|tx| file::indicators_table(tx, false))
        .await?
        .into_response(format)
}

/// The empty file to fill in: headers in Arabic and French, a target column per programme
/// year.
#[utoipa::path(get, path = "/api/indicators/template", tag = "monitoring",
    params(FormatParam),
    responses((status = 200, description = "CSV or XLSX file", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn indicators_template(
    State(app): State<AppState>,
    _user: Allowed<can::ImportProgramme>,
    Query(params): Query<FormatParam>,
) -> AppResult<Response> {
    let format = format_of(&params)?;
    app.db
        .read(|tx| file::indicators_table(tx, true))
        .await?
        .into_response(format)
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct IndicatorImportParams {
    /// `csv` or `xlsx`; by default XLSX when the body starts like a zip file, else CSV.
    pub format: Option<String>,
    /// `1` or `true`: check the file and report, write nothing.
    pub dry_run: Option<String>,
}

/// Indicators from a CSV or XLSX file (the template's or the export's shape, see
/// `monitoring::file`): projects by their programme number, all or nothing; a 400 names every
/// bad line and why. `?dry_run=1` reports and writes nothing.
#[utoipa::path(post, path = "/api/indicators/import", tag = "monitoring",
    params(IndicatorImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "a CSV file (comma or semicolon) or an XLSX workbook"),
    responses((status = 200, body = IndicatorImportReport),
              (status = 400, body = ImportErrorBody, description = "every bad line, nothing written"),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import_indicators(
    State(app): State<AppState>,
    user: Allowed<can::ImportProgramme>,
    Query(params): Query<IndicatorImportParams>,
    RawBody(body): RawBody,
) -> Result<Json<IndicatorImportReport>, ImportFailure> {
    let format = params
        .format
        .as_deref()
        .map(FileFormat::parse)
        .transpose()?;
    let dry_run = super::programme::flag(params.dry_run.as_deref());
    let run = move |tx: &rusqlite::Transaction<'_>| {
        file::import_indicators(tx, Some(user.id), &body, format, dry_run)
    };
    let outcome = if dry_run {
        app.db.read(run).await?
    } else {
        app.db.write(run).await?
    };
    outcome.map(Json).map_err(ImportFailure::Rows)
}

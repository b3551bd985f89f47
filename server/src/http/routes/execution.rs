//! The follow-up's execution records (issue 15, exec): a project's execution per year, the
//! records of a year, documents, the timeline, partnership agreements and the values the
//! indicators reached. Reads follow `ReadExecution`, writes `RecordExecution`.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use tachkhis_shared::api::{
    ErrorBody, ErrorCode,
    execution::{
        Agreement, AgreementInput, ExecutionDocument, ExecutionDocumentInput, ExecutionImportError,
        ExecutionImportErrorBody, ExecutionImportReport, ExecutionRecord, ExecutionRecordInput,
        IndicatorValue, IndicatorValueInput, ProjectExecution, TimelineEntry, TimelineEntryInput,
    },
};

use super::Api;
use crate::{
    AppState,
    execution::{agreements, import, records, timeline, values},
    export::FileFormat,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, Query, RawBody, can},
};

pub fn router() -> Api {
    Api::new()
        .get("/projects/{id}/execution", project_execution)
        .post("/projects/{id}/execution", create_record)
        .put("/execution/{id}", update_record)
        .delete("/execution/{id}", delete_record)
        .get("/execution/years/{year}", year_records)
        .post("/projects/{id}/execution-documents", create_document)
        .put("/execution-documents/{id}", update_document)
        .delete("/execution-documents/{id}", delete_document)
        .post("/projects/{id}/timeline", create_entry)
        .put("/timeline/{id}", update_entry)
        .delete("/timeline/{id}", delete_entry)
        .get("/agreements", list_agreements)
        .post("/agreements", create_agreement)
        .put("/agreements/{id}", update_agreement)
        .delete("/agreements/{id}", delete_agreement)
        .put("/indicators/{id}/values/{year}", set_value)
        .delete("/indicators/{id}/values/{year}", delete_value)
}

/// A project's execution: records per year (amounts per funder, funding, status, dates),
/// documents, timeline, indicator values, agreements and progress. 404 for an unknown project.
#[utoipa::path(get, path = "/api/projects/{id}/execution", tag = "execution",
    params(("id" = i64, Path, description = "project id")),
    responses((status = 200, body = ProjectExecution), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn project_execution(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Path(id): Path<i64>,
) -> AppResult<Json<ProjectExecution>> {
    Ok(Json(
        app.db
            .read(move |tx| records::project_execution(tx, id))
            .await?,
    ))
}

/// Records a project's execution for a year (one record per project and year). 400
/// `invalid_execution` names every bad field; paid ≤ committed ≤ programmed per funder and in
/// total, unless `amount_exception` gives the reason.
#[utoipa::path(post, path = "/api/projects/{id}/execution", tag = "execution",
    params(("id" = i64, Path, description = "project id")),
    request_body = ExecutionRecordInput,
    responses((status = 201, body = ExecutionRecord), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_record(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
    Json(input): Json<ExecutionRecordInput>,
) -> AppResult<(StatusCode, Json<ExecutionRecord>)> {
    let made = app
        .db
        .write(move |tx| records::create(tx, Some(user.id), id, &input))
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Replaces a record (amounts and funding replaced).
#[utoipa::path(put, path = "/api/execution/{id}", tag = "execution",
    params(("id" = i64, Path, description = "record id")),
    request_body = ExecutionRecordInput,
    responses((status = 200, body = ExecutionRecord), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_record(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
    Json(input): Json<ExecutionRecordInput>,
) -> AppResult<Json<ExecutionRecord>> {
    Ok(Json(
        app.db
            .write(move |tx| records::update(tx, Some(user.id), id, &input))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/execution/{id}", tag = "execution",
    params(("id" = i64, Path, description = "record id")),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_record(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| records::delete(tx, Some(user.id), id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every project's record of a year, by project number.
#[utoipa::path(get, path = "/api/execution/years/{year}", tag = "execution",
    params(("year" = i32, Path, description = "budget year")),
    responses((status = 200, body = Vec<ExecutionRecord>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn year_records(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Path(year): Path<i32>,
) -> AppResult<Json<Vec<ExecutionRecord>>> {
    Ok(Json(
        app.db
            .read(move |tx| records::load(tx, None, Some(year), None))
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/projects/{id}/execution-documents", tag = "execution",
    params(("id" = i64, Path, description = "project id")),
    request_body = ExecutionDocumentInput,
    responses((status = 201, body = ExecutionDocument), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_document(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
    Json(input): Json<ExecutionDocumentInput>,
) -> AppResult<(StatusCode, Json<ExecutionDocument>)> {
    let made = app
        .db
        .write(move |tx| records::create_document(tx, Some(user.id), id, &input))
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(put, path = "/api/execution-documents/{id}", tag = "execution",
    params(("id" = i64, Path, description = "document id")),
    request_body = ExecutionDocumentInput,
    responses((status = 200, body = ExecutionDocument), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_document(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
    Json(input): Json<ExecutionDocumentInput>,
) -> AppResult<Json<ExecutionDocument>> {
    Ok(Json(
        app.db
            .write(move |tx| records::update_document(tx, Some(user.id), id, &input))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/execution-documents/{id}", tag = "execution",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_document(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| records::delete_document(tx, Some(user.id), id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/projects/{id}/timeline", tag = "execution",
    params(("id" = i64, Path, description = "project id")),
    request_body = TimelineEntryInput,
    responses((status = 201, body = TimelineEntry), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_entry(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
    Json(input): Json<TimelineEntryInput>,
) -> AppResult<(StatusCode, Json<TimelineEntry>)> {
    let made = app
        .db
        .write(move |tx| timeline::create(tx, Some(user.id), id, &input))
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(put, path = "/api/timeline/{id}", tag = "execution",
    params(("id" = i64, Path, description = "entry id")),
    request_body = TimelineEntryInput,
    responses((status = 200, body = TimelineEntry), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_entry(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
    Json(input): Json<TimelineEntryInput>,
) -> AppResult<Json<TimelineEntry>> {
    Ok(Json(
        app.db
            .write(move |tx| timeline::update(tx, Some(user.id), id, &input))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/timeline/{id}", tag = "execution",
    params(("id" = i64, Path, description = "entry id")),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_entry(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| timeline::delete(tx, Some(user.id), id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every partnership agreement, by date.
#[utoipa::path(get, path = "/api/agreements", tag = "execution",
    responses((status = 200, body = Vec<Agreement>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_agreements(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
) -> AppResult<Json<Vec<Agreement>>> {
    Ok(Json(
        app.db
            .read(move |tx| agreements::load(tx, None, None))
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/agreements", tag = "execution",
    request_body = AgreementInput,
    responses((status = 201, body = Agreement), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_agreement(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Json(input): Json<AgreementInput>,
) -> AppResult<(StatusCode, Json<Agreement>)> {
    let made = app
        .db
        .write(move |tx| agreements::create(tx, Some(user.id), &input))
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(put, path = "/api/agreements/{id}", tag = "execution",
    params(("id" = i64, Path, description = "agreement id")),
    request_body = AgreementInput,
    responses((status = 200, body = Agreement), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_agreement(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
    Json(input): Json<AgreementInput>,
) -> AppResult<Json<Agreement>> {
    Ok(Json(
        app.db
            .write(move |tx| agreements::update(tx, Some(user.id), id, &input))
            .await?,
    ))
}

/// Removes an agreement no record's funding names (400 naming the records otherwise).
#[utoipa::path(delete, path = "/api/agreements/{id}", tag = "execution",
    params(("id" = i64, Path, description = "agreement id")),
    responses((status = 204, description = "removed"), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_agreement(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| agreements::delete(tx, Some(user.id), id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The value an indicator reached in a year (replaces the year's value).
#[utoipa::path(put, path = "/api/indicators/{id}/values/{year}", tag = "execution",
    params(("id" = i64, Path, description = "indicator id"),
           ("year" = i32, Path, description = "year")),
    request_body = IndicatorValueInput,
    responses((status = 200, body = IndicatorValue), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_value(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path((id, year)): Path<(i64, i32)>,
    Json(input): Json<IndicatorValueInput>,
) -> AppResult<Json<IndicatorValue>> {
    Ok(Json(
        app.db
            .write(move |tx| values::set(tx, Some(user.id), id, year, &input, false))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/indicators/{id}/values/{year}", tag = "execution",
    params(("id" = i64, Path, description = "indicator id"),
           ("year" = i32, Path, description = "year")),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_value(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path((id, year)): Path<(i64, i32)>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| values::delete(tx, Some(user.id), id, year))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- The import of a year's execution (issue 15, exec) ---------------------------------------

/// The import and its template, with the file body limit.
pub fn import_router() -> Api {
    Api::new()
        .post("/execution/import", import_execution)
        .get("/execution/import/template", import_template)
        .body_limit(super::programme::MAX_IMPORT_BYTES)
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ExecutionImportParams {
    /// `csv` or `xlsx`; by default XLSX when the body starts like a zip file, else CSV.
    pub format: Option<String>,
    /// `1` or `true`: check the file and report what would change, write nothing.
    pub dry_run: Option<String>,
    /// The year of every line without a year column (or with a blank year cell).
    pub year: Option<String>,
}

/// A refused execution import: `{error: "bad_import", message, errors: [{line, column,
/// reason}]}`.
pub enum ExecutionImportFailure {
    App(AppError),
    Lines(Vec<ExecutionImportError>),
}

impl From<AppError> for ExecutionImportFailure {
    fn from(e: AppError) -> Self {
        ExecutionImportFailure::App(e)
    }
}

impl IntoResponse for ExecutionImportFailure {
    fn into_response(self) -> Response {
        match self {
            ExecutionImportFailure::App(e) => e.into_response(),
            ExecutionImportFailure::Lines(errors) => {
                let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
                lines.dedup();
                let shown: Vec<String> = lines.iter().take(5).map(u64::to_string).collect();
                let more = if lines.len() > 5 { ", …" } else { "" };
                let body = ExecutionImportErrorBody {
                    error: ErrorCode::BadImport,
                    message: format!(
                        "the file was not imported: {} problem(s), line(s) {}{more}",
                        errors.len(),
                        shown.join(", ")
                    ),
                    errors,
                };
                (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
            }
        }
    }
}

/// A year's execution from the commune's budget spreadsheet (CSV or XLSX, see
/// `execution::import`): one line per project (programme number) and funder (the commune or a
/// partner of the project by name) with programmed, committed, paid, the funding kind and
/// year, the status and its reason. The lines of a project and year make one record, checked
/// with the records' own rules. All or nothing: a 400 names every bad line, its column and
/// why; `?dry_run=1` reports what would change and writes nothing.
#[utoipa::path(post, path = "/api/execution/import", tag = "execution",
    params(ExecutionImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "a CSV file (comma or semicolon) or an XLSX workbook (first sheet)"),
    responses((status = 200, body = ExecutionImportReport),
              (status = 400, body = ExecutionImportErrorBody, description = "every bad line, nothing written"),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import_execution(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Query(params): Query<ExecutionImportParams>,
    RawBody(body): RawBody,
) -> Result<Json<ExecutionImportReport>, ExecutionImportFailure> {
    let format = params
        .format
        .as_deref()
        .map(FileFormat::parse)
        .transpose()?;
    let year = match params.year.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(y) => Some(y.parse::<i32>().map_err(|_| {
            AppError::bad_request(ErrorCode::BadRequest, format!("year: '{y}' is not a year"))
        })?),
    };
    let dry_run = super::programme::flag(params.dry_run.as_deref());
    let run = move |tx: &rusqlite::Transaction<'_>| {
        import::import_execution(tx, Some(user.id), &body, format, year, dry_run)
    };
    let outcome = if dry_run {
        app.db.read(run).await?
    } else {
        app.db.write(run).await?
    };
    outcome.map(Json).map_err(ExecutionImportFailure::Lines)
}

/// The empty file the import reads: its columns' headers in Arabic and French (CSV by
/// default, or `?format=xlsx`).
#[utoipa::path(get, path = "/api/execution/import/template", tag = "execution",
    params(super::programme::FormatParam),
    responses((status = 200, description = "CSV or XLSX file", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import_template(
    _user: Allowed<can::RecordExecution>,
    Query(params): Query<super::programme::FormatParam>,
) -> AppResult<Response> {
    import::template().into_response(params.file_format()?.unwrap_or(FileFormat::Csv))
}

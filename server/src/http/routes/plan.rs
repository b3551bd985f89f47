//! The rolling three-year programming and the annual evaluation (issue 15, plan3): reads with
//! `ReadExecution`, writes with `RecordExecution`. Handlers check the table and call
//! `execution::plan` / `execution::evaluation`.

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use rusqlite::OptionalExtension;
use serde::Deserialize;
use tachkhis_shared::{
    api::{
        ErrorBody,
        plan::{
            Evaluation, EvaluationReminder, EvaluationText, NewPlanInput, PlanSummary, PlanTable,
            ResourcesInput,
        },
    },
    codes::ErrorCode,
};

use super::Api;
use crate::{
    AppState,
    document::{self, Lang},
    execution::{evaluation, plan},
    export,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, Query, can},
    pac,
};

pub fn router() -> Api {
    Api::new()
        .get("/plans", list_plans)
        .post("/plans", create_plan)
        .get("/plans/{year}", get_plan)
        .put("/plans/{year}/resources", put_resources)
        .post("/plans/{year}/roll-forward", roll_forward)
        .get("/plans/{year}/export", export_plan)
        .get("/plans/{year}/print", print_plan)
        .get("/evaluations/reminder", reminder)
        .get("/evaluations/{year}", get_evaluation)
        .put("/evaluations/{year}", put_evaluation)
        .get("/evaluations/{year}/export", export_evaluation)
        .get("/evaluations/{year}/print", print_evaluation)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LangParam {
    /// `ar` (default, right to left) or `fr`.
    pub lang: Option<String>,
}

fn lang(p: &LangParam) -> AppResult<Lang> {
    match p.lang.as_deref() {
        None | Some("ar") => Ok(Lang::Ar),
        Some("fr") => Ok(Lang::Fr),
        Some(other) => Err(AppError::bad_request(
            ErrorCode::BadQuery,
            format!("lang must be ar or fr, not {other:?}"),
        )),
    }
}

fn commune(tx: &rusqlite::Transaction<'_>) -> AppResult<(String, String)> {
    Ok(tx
        .query_row(
            "SELECT name_ar, name_fr FROM communes ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_default())
}

fn html(page: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        page,
    )
        .into_response()
}

/// Every three-year plan, newest first.
#[utoipa::path(get, path = "/api/plans", tag = "execution",
    responses((status = 200, body = Vec<PlanSummary>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_plans(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
) -> AppResult<Json<Vec<PlanSummary>>> {
    Ok(Json(app.db.read(plan::list).await?))
}

/// A new three-year plan (409 when that first year has one).
#[utoipa::path(post, path = "/api/plans", tag = "execution", request_body = NewPlanInput,
    responses((status = 201, body = PlanTable), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_plan(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Json(input): Json<NewPlanInput>,
) -> AppResult<(StatusCode, Json<PlanTable>)> {
    let t = app
        .db
        .write(move |tx| plan::create(tx, &user, &input))
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// The three-year table: resources and expenditure (the records' programmed amounts) per
/// year, per programme and project, with the actuals beside.
#[utoipa::path(get, path = "/api/plans/{year}", tag = "execution",
    params(("year" = i32, Path, description = "the plan's first year")),
    responses((status = 200, body = PlanTable), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_plan(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Path(year): Path<i32>,
) -> AppResult<Json<PlanTable>> {
    Ok(Json(app.db.read(move |tx| plan::table(tx, year)).await?))
}

/// Replaces the plan's resources (every line checked; 400 names the line).
#[utoipa::path(put, path = "/api/plans/{year}/resources", tag = "execution",
    params(("year" = i32, Path, description = "the plan's first year")),
    request_body = ResourcesInput,
    responses((status = 200, body = PlanTable), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_resources(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(year): Path<i32>,
    Json(input): Json<ResourcesInput>,
) -> AppResult<Json<PlanTable>> {
    Ok(Json(
        app.db
            .write(move |tx| plan::set_resources(tx, &user, year, &input))
            .await?,
    ))
}

/// Makes the plan of the next year from this one (the overlapping years' resources copied,
/// the new third year open); this plan is kept. 409 when the next plan exists.
#[utoipa::path(post, path = "/api/plans/{year}/roll-forward", tag = "execution",
    params(("year" = i32, Path, description = "the plan's first year")),
    responses((status = 201, body = PlanTable), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn roll_forward(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(year): Path<i32>,
) -> AppResult<(StatusCode, Json<PlanTable>)> {
    let t = app
        .db
        .write(move |tx| plan::roll_forward(tx, &user, year))
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// The three-year table as XLSX (expenditure, resources, balance).
#[utoipa::path(get, path = "/api/plans/{year}/export", tag = "execution",
    params(("year" = i32, Path, description = "the plan's first year")),
    responses((status = 200, description = "XLSX workbook"), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_plan(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Path(year): Path<i32>,
) -> AppResult<Response> {
    let t = app.db.read(move |tx| plan::table(tx, year)).await?;
    export::xlsx_response(&plan::xlsx_tables(&t), &format!("three-year-plan-{year}"))
}

/// The three-year table as a printable page (Arabic, or `?lang=fr`).
#[utoipa::path(get, path = "/api/plans/{year}/print", tag = "execution",
    params(("year" = i32, Path, description = "the plan's first year"), LangParam),
    responses((status = 200, description = "the page", content_type = "text/html"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn print_plan(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Path(year): Path<i32>,
    Query(p): Query<LangParam>,
) -> AppResult<Response> {
    let l = lang(&p)?;
    let (t, c) = app
        .db
        .read(move |tx| Ok((plan::table(tx, year)?, commune(tx)?)))
        .await?;
    Ok(html(plan::render(
        &t,
        (&c.0, &c.1),
        l,
        document::STYLESHEET_PATH,
    )))
}

/// The evaluation of a year's execution.
#[utoipa::path(get, path = "/api/evaluations/{year}", tag = "execution",
    params(("year" = i32, Path, description = "the year evaluated")),
    responses((status = 200, body = Evaluation), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_evaluation(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Path(year): Path<i32>,
) -> AppResult<Json<Evaluation>> {
    Ok(Json(
        app.db
            .read(move |tx| evaluation::evaluation(tx, year))
            .await?,
    ))
}

/// The office's text of the year's report, the session it goes to, the day it was presented.
#[utoipa::path(put, path = "/api/evaluations/{year}", tag = "execution",
    params(("year" = i32, Path, description = "the year evaluated")),
    request_body = EvaluationText,
    responses((status = 200, body = Evaluation), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_evaluation(
    State(app): State<AppState>,
    user: Allowed<can::RecordExecution>,
    Path(year): Path<i32>,
    Json(input): Json<EvaluationText>,
) -> AppResult<Json<Evaluation>> {
    Ok(Json(
        app.db
            .write(move |tx| evaluation::set_text(tx, &user, year, &input))
            .await?,
    ))
}

/// The evaluation's tables as XLSX.
#[utoipa::path(get, path = "/api/evaluations/{year}/export", tag = "execution",
    params(("year" = i32, Path, description = "the year evaluated")),
    responses((status = 200, description = "XLSX workbook"), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_evaluation(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Path(year): Path<i32>,
) -> AppResult<Response> {
    let e = app
        .db
        .read(move |tx| evaluation::evaluation(tx, year))
        .await?;
    export::xlsx_response(&evaluation::xlsx_tables(&e), &format!("evaluation-{year}"))
}

/// The evaluation report as a printable page with its charts (Arabic, or `?lang=fr`).
#[utoipa::path(get, path = "/api/evaluations/{year}/print", tag = "execution",
    params(("year" = i32, Path, description = "the year evaluated"), LangParam),
    responses((status = 200, description = "the page", content_type = "text/html"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn print_evaluation(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Path(year): Path<i32>,
    Query(p): Query<LangParam>,
) -> AppResult<Response> {
    let l = lang(&p)?;
    let (e, c) = app
        .db
        .read(move |tx| Ok((evaluation::evaluation(tx, year)?, commune(tx)?)))
        .await?;
    Ok(html(evaluation::render(
        &e,
        (&c.0, &c.1),
        l,
        document::STYLESHEET_PATH,
    )))
}

/// The reminder the office's screens show: the evaluation of last year, due before the
/// session (the report's date, a planned council session, else May 1st), from 30 days before
/// until it is recorded as presented; `null` otherwise.
#[utoipa::path(get, path = "/api/evaluations/reminder", tag = "execution",
    responses((status = 200, body = Option<EvaluationReminder>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reminder(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
) -> AppResult<Json<Option<EvaluationReminder>>> {
    Ok(Json(
        app.db
            .read(|tx| evaluation::reminder(tx, pac::procedure::today()))
            .await?,
    ))
}

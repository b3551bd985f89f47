//! The council's bodies and their opinions (issue 14). Reading is `Action::ReadProcedure`;
//! setting up bodies and members `ManageBodies` (the administrator); writing an opinion
//! `WriteOpinions` (committee and ieecag roles) and then the membership of that body, checked
//! by `crate::opinions` in the write's transaction; answering a reservation
//! `AnswerReservations` (office, admin). Logic in `crate::opinions`.

use axum::{extract::State, http::StatusCode};
use serde::Deserialize;
use tachkhis_shared::api::{
    ErrorBody,
    opinions::{
        AnswerInput, BodyChange, BodyReport, Candidate, CouncilBody, MembersInput, NewBody,
        Opinion, OpinionInput, VersionOpinions,
    },
};
use utoipa::IntoParams;

use super::Api;
use crate::{
    AppState,
    http::error::AppResult,
    http::extract::{Allowed, Json, Path, Query, can},
    opinions as o,
};

pub fn router() -> Api {
    Api::new()
        .get("/bodies", list_bodies)
        .post("/bodies", create_body)
        .get("/bodies/candidates", candidates)
        .patch("/bodies/{id}", update_body)
        .put("/bodies/{id}/members", set_members)
        .get("/bodies/{id}/report", body_report)
        .put("/bodies/{id}/opinions/programme", write_programme_opinion)
        .put(
            "/bodies/{id}/opinions/projects/{project}",
            write_project_opinion,
        )
        .get("/opinions", list_opinions)
        .put("/opinions/{id}/answer", answer)
}

/// Which version: its number (`?version=2`); without it the draft, else the latest.
#[derive(Debug, Deserialize, IntoParams)]
pub struct VersionQuery {
    pub version: Option<i64>,
}

/// The standing committees and the IEECAG with their members (retired bodies last).
#[utoipa::path(get, path = "/api/bodies", tag = "opinions",
    responses((status = 200, body = Vec<CouncilBody>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_bodies(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProcedure>,
) -> AppResult<Json<Vec<CouncilBody>>> {
    Ok(Json(app.db.read(o::bodies).await?))
}

/// A new committee or the IEECAG (a second IEECAG is 409), last in order.
#[utoipa::path(post, path = "/api/bodies", tag = "opinions", request_body = NewBody,
    responses((status = 201, body = CouncilBody), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_body(
    State(app): State<AppState>,
    user: Allowed<can::ManageBodies>,
    Json(body): Json<NewBody>,
) -> AppResult<(StatusCode, Json<CouncilBody>)> {
    let done = app.db.write(move |tx| o::create(tx, &user, &body)).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// The users who may sit in a body: active, of role committee (a committee) or ieecag.
#[utoipa::path(get, path = "/api/bodies/candidates", tag = "opinions",
    responses((status = 200, body = Vec<Candidate>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn candidates(
    State(app): State<AppState>,
    _user: Allowed<can::ManageBodies>,
) -> AppResult<Json<Vec<Candidate>>> {
    Ok(Json(app.db.read(o::candidates).await?))
}

/// Renames, reorders, retires or brings back a body (409 when nothing changes).
#[utoipa::path(patch, path = "/api/bodies/{id}", tag = "opinions",
    params(("id" = i64, Path, description = "body id")), request_body = BodyChange,
    responses((status = 200, body = CouncilBody), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_body(
    State(app): State<AppState>,
    user: Allowed<can::ManageBodies>,
    Path(id): Path<i64>,
    Json(body): Json<BodyChange>,
) -> AppResult<Json<CouncilBody>> {
    Ok(Json(
        app.db
            .write(move |tx| o::update(tx, &user, id, &body))
            .await?,
    ))
}

/// Replaces a body's members (users of the body's role, at most one chair).
#[utoipa::path(put, path = "/api/bodies/{id}/members", tag = "opinions",
    params(("id" = i64, Path, description = "body id")), request_body = MembersInput,
    responses((status = 200, body = CouncilBody), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_members(
    State(app): State<AppState>,
    user: Allowed<can::ManageBodies>,
    Path(id): Path<i64>,
    Json(body): Json<MembersInput>,
) -> AppResult<Json<CouncilBody>> {
    Ok(Json(
        app.db
            .write(move |tx| o::set_members(tx, &user, id, &body))
            .await?,
    ))
}

/// A body's report on a version: its programme opinion, then its projects' in programme
/// order, with the office's answers and counts.
#[utoipa::path(get, path = "/api/bodies/{id}/report", tag = "opinions",
    params(("id" = i64, Path, description = "body id"), VersionQuery),
    responses((status = 200, body = BodyReport), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn body_report(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProcedure>,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Json<BodyReport>> {
    Ok(Json(
        app.db
            .read(move |tx| o::report::report(tx, id, q.version))
            .await?,
    ))
}

/// The body's opinion on the draft's programme as a whole; writing again replaces it. Only
/// the body's members (403 otherwise); 409 `version_frozen` when no draft is open.
#[utoipa::path(put, path = "/api/bodies/{id}/opinions/programme", tag = "opinions",
    params(("id" = i64, Path, description = "body id")), request_body = OpinionInput,
    responses((status = 200, body = Opinion), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn write_programme_opinion(
    State(app): State<AppState>,
    user: Allowed<can::WriteOpinions>,
    Path(id): Path<i64>,
    Json(body): Json<OpinionInput>,
) -> AppResult<Json<Opinion>> {
    Ok(Json(
        app.db
            .write(move |tx| o::opinions::write(tx, &user, id, None, &body))
            .await?,
    ))
}

/// The body's opinion on one project of the draft; writing again replaces it. Only the
/// body's members (403 otherwise); 409 `version_frozen` when no draft is open.
#[utoipa::path(put, path = "/api/bodies/{id}/opinions/projects/{project}", tag = "opinions",
    params(("id" = i64, Path, description = "body id"),
           ("project" = i64, Path, description = "project id")),
    request_body = OpinionInput,
    responses((status = 200, body = Opinion), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn write_project_opinion(
    State(app): State<AppState>,
    user: Allowed<can::WriteOpinions>,
    Path((id, project)): Path<(i64, i64)>,
    Json(body): Json<OpinionInput>,
) -> AppResult<Json<Opinion>> {
    Ok(Json(
        app.db
            .write(move |tx| o::opinions::write(tx, &user, id, Some(project), &body))
            .await?,
    ))
}

/// Every body's opinions on a version (the draft unless `?version=`), the programme's
/// projects in order, and how many reservations await the office's answer.
#[utoipa::path(get, path = "/api/opinions", tag = "opinions", params(VersionQuery),
    responses((status = 200, body = VersionOpinions), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_opinions(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProcedure>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Json<VersionOpinions>> {
    Ok(Json(
        app.db
            .read(move |tx| o::opinions::read(tx, q.version))
            .await?,
    ))
}

/// The office's answer to a reservation or unfavourable opinion on the draft: the project
/// changed or kept, and why (409 for a favourable opinion or a frozen version).
#[utoipa::path(put, path = "/api/opinions/{id}/answer", tag = "opinions",
    params(("id" = i64, Path, description = "opinion id")), request_body = AnswerInput,
    responses((status = 200, body = Opinion), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn answer(
    State(app): State<AppState>,
    user: Allowed<can::AnswerReservations>,
    Path(id): Path<i64>,
    Json(body): Json<AnswerInput>,
) -> AppResult<Json<Opinion>> {
    Ok(Json(
        app.db
            .write(move |tx| o::opinions::answer(tx, &user, id, &body))
            .await?,
    ))
}

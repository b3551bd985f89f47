//! The prioritised programme (issue 13): reading is `Action::ReadPriorities`; scores where no
//! figure exists are `EnterScores` (office, bureau, admin); criteria, weights, rules, the
//! yearly means and saving a what-if are `EditCriteria`, approving `ApproveRanking` (the
//! bureau alone). The what-if is a POST that writes nothing. Logic in `crate::priorities`.

use axum::{extract::State, http::StatusCode};
use tachkhis_shared::api::{
    ErrorBody,
    priorities::{
        Approval, ApproveInput, CriterionInput, Priorities, PriorityDone, PrioritySettings,
        ProjectPriority, ScoreInput, WhatIf, WhatIfResult,
    },
};

use super::Api;
use crate::{
    AppState,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, can},
    priorities as p,
};

pub fn router() -> Api {
    Api::new()
        .get("/priorities", get_priorities)
        .post("/priorities/what-if", what_if)
        .post("/priorities/save", save)
        .post("/priorities/approve", approve)
        .put("/priorities/settings", put_settings)
        .post("/priorities/criteria", create_criterion)
        .put("/priorities/criteria/{id}", update_criterion)
        .delete("/priorities/criteria/{id}", delete_criterion)
        .get("/priorities/projects/{id}", project_priority)
        .put("/priorities/projects/{id}/scores/{criterion}", enter_score)
        .post("/priorities/actions/{id}/undo", undo)
}

/// Criteria, settings, the saved ranking with every score and its trace, the latest approval
/// and the latest changes.
#[utoipa::path(get, path = "/api/priorities", tag = "priorities",
    responses((status = 200, body = Priorities), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_priorities(
    State(app): State<AppState>,
    _user: Allowed<can::ReadPriorities>,
) -> AppResult<Json<Priorities>> {
    Ok(Json(app.db.read(p::priorities).await?))
}

/// The saved ranking beside the one the given weights and scores would make. Writes nothing.
#[utoipa::path(post, path = "/api/priorities/what-if", tag = "priorities", request_body = WhatIf,
    responses((status = 200, body = WhatIfResult), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn what_if(
    State(app): State<AppState>,
    _user: Allowed<can::ReadPriorities>,
    Json(body): Json<WhatIf>,
) -> AppResult<Json<WhatIfResult>> {
    Ok(Json(app.db.read(move |tx| p::what_if(tx, &body)).await?))
}

/// Saves a what-if (weights; scores of entered criteria, each with a reason). Undoable.
#[utoipa::path(post, path = "/api/priorities/save", tag = "priorities", request_body = WhatIf,
    responses((status = 200, body = PriorityDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn save(
    State(app): State<AppState>,
    user: Allowed<can::EditCriteria>,
    Json(body): Json<WhatIf>,
) -> AppResult<Json<PriorityDone>> {
    Ok(Json(
        app.db.write(move |tx| p::save(tx, &user, &body)).await?,
    ))
}

/// The bureau approves the ranking as it stands (a snapshot, who, when).
#[utoipa::path(post, path = "/api/priorities/approve", tag = "priorities",
    request_body = ApproveInput,
    responses((status = 201, body = Approval), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn approve(
    State(app): State<AppState>,
    user: Allowed<can::ApproveRanking>,
    Json(body): Json<ApproveInput>,
) -> AppResult<(StatusCode, Json<Approval>)> {
    let done = app.db.write(move |tx| p::approve(tx, &user, &body)).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// The commune's yearly means (what the cost criterion divides by). Undoable.
#[utoipa::path(put, path = "/api/priorities/settings", tag = "priorities",
    request_body = PrioritySettings,
    responses((status = 200, body = PriorityDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_settings(
    State(app): State<AppState>,
    user: Allowed<can::EditCriteria>,
    Json(body): Json<PrioritySettings>,
) -> AppResult<Json<PriorityDone>> {
    Ok(Json(
        app.db
            .write(move |tx| p::set_settings(tx, &user, &body))
            .await?,
    ))
}

/// A new criterion, last in order (Arabic name required; a computed measure gets default
/// thresholds unless given). Undoable.
#[utoipa::path(post, path = "/api/priorities/criteria", tag = "priorities",
    request_body = CriterionInput,
    responses((status = 201, body = PriorityDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_criterion(
    State(app): State<AppState>,
    user: Allowed<can::EditCriteria>,
    Json(body): Json<CriterionInput>,
) -> AppResult<(StatusCode, Json<PriorityDone>)> {
    let done = app
        .db
        .write(move |tx| p::create_criterion(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Renames, weighs or changes the thresholds of a criterion (409 when nothing changes).
#[utoipa::path(put, path = "/api/priorities/criteria/{id}", tag = "priorities",
    params(("id" = i64, Path, description = "criterion id")), request_body = CriterionInput,
    responses((status = 200, body = PriorityDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_criterion(
    State(app): State<AppState>,
    user: Allowed<can::EditCriteria>,
    Path(id): Path<i64>,
    Json(body): Json<CriterionInput>,
) -> AppResult<Json<PriorityDone>> {
    Ok(Json(
        app.db
            .write(move |tx| p::update_criterion(tx, &user, id, &body))
            .await?,
    ))
}

/// Removes a criterion with the scores entered for it (undo brings both back).
#[utoipa::path(delete, path = "/api/priorities/criteria/{id}", tag = "priorities",
    params(("id" = i64, Path, description = "criterion id")),
    responses((status = 200, body = PriorityDone), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_criterion(
    State(app): State<AppState>,
    user: Allowed<can::EditCriteria>,
    Path(id): Path<i64>,
) -> AppResult<Json<PriorityDone>> {
    Ok(Json(
        app.db
            .write(move |tx| p::delete_criterion(tx, &user, id))
            .await?,
    ))
}

/// A project's rank, scores with their traces, and the needs, sessions, douars and poles its
/// computed scores counted: the project sheet's priority part.
#[utoipa::path(get, path = "/api/priorities/projects/{id}", tag = "priorities",
    params(("id" = i64, Path, description = "project id")),
    responses((status = 200, body = ProjectPriority), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn project_priority(
    State(app): State<AppState>,
    _user: Allowed<can::ReadPriorities>,
    Path(id): Path<i64>,
) -> AppResult<Json<ProjectPriority>> {
    app.db
        .read(move |tx| p::project_priority(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no project {id}")))
}

/// Enters (or, with `score: null`, clears) a project's score on an entered criterion, with a
/// reason. Undoable.
#[utoipa::path(put, path = "/api/priorities/projects/{id}/scores/{criterion}", tag = "priorities",
    params(("id" = i64, Path, description = "project id"),
           ("criterion" = i64, Path, description = "criterion id")),
    request_body = ScoreInput,
    responses((status = 200, body = PriorityDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn enter_score(
    State(app): State<AppState>,
    user: Allowed<can::EnterScores>,
    Path((id, criterion)): Path<(i64, i64)>,
    Json(body): Json<ScoreInput>,
) -> AppResult<Json<PriorityDone>> {
    Ok(Json(
        app.db
            .write(move |tx| p::enter_score(tx, &user, id, criterion, &body))
            .await?,
    ))
}

/// Undoes the latest change not yet undone (409 for any other). A score's undo needs the
/// right to enter scores, any other change's the bureau's.
#[utoipa::path(post, path = "/api/priorities/actions/{id}/undo", tag = "priorities",
    params(("id" = i64, Path, description = "change id")),
    responses((status = 200, body = PriorityDone), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn undo(
    State(app): State<AppState>,
    user: Allowed<can::EnterScores>,
    Path(id): Path<i64>,
) -> AppResult<Json<PriorityDone>> {
    Ok(Json(app.db.write(move |tx| p::undo(tx, &user, id)).await?))
}

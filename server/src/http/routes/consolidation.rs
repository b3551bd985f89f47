//! The design office's consolidation API: proposals of all sessions, suggestions, needs, and
//! the log of actions with undo. Reading: office, admin and committee. Writing: office and
//! admin.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get, post},
};
use serde::Deserialize;
use tachkhis_shared::codes::ErrorCode;
use tachkhis_shared::{
    api::consolidation::{
        ActionDone, ActionEntry, Lineage, LinkProject, MergeInto, MoveProposals, NeedDetail,
        NeedPatch, NeedSummary, NewNeed, ProposalFilter, ProposalPage, RejectSuggestion, SplitNeed,
        Suggestion,
    },
    api::{ErrorBody, Role},
};
use uuid::Uuid;

use crate::{
    AppState, consolidation as c,
    http::error::{AppError, AppResult},
    http::extract::{Json, Query, parse_id},
    users::auth::AuthUser,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/proposals", get(list_proposals))
        .route("/proposals/move", post(move_proposals))
        .route("/proposals/{id}/lineage", get(proposal_lineage))
        .route("/suggestions", get(list_suggestions))
        .route("/suggestions/reject", post(reject_suggestion))
        .route("/needs", get(list_needs).post(create_need))
        .route("/needs/{id}", get(get_need).patch(patch_need))
        .route("/needs/{id}/merge", post(merge_into))
        .route("/needs/{id}/split", post(split_need))
        .route("/needs/{id}/projects", post(link_project))
        .route("/needs/{id}/projects/{project_id}", delete(unlink_project))
        .route("/actions", get(list_actions))
        .route("/actions/{id}/undo", post(undo_action))
}

fn can_read(r: Role) -> bool {
    matches!(r, Role::Admin | Role::Office | Role::Committee)
}

fn can_write(r: Role) -> bool {
    matches!(r, Role::Admin | Role::Office)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Limit {
    /// How many to return.
    pub limit: Option<u32>,
}

/// Proposals of every session, filtered; text search ignores Arabic spelling variants.
#[utoipa::path(get, path = "/api/proposals", tag = "consolidation", params(ProposalFilter),
    responses((status = 200, body = ProposalPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_proposals(
    State(app): State<AppState>,
    user: AuthUser,
    Query(filter): Query<ProposalFilter>,
) -> AppResult<Json<ProposalPage>> {
    user.require(can_read)?;
    Ok(Json(
        app.db
            .read(move |tx| c::list_proposals(tx, &filter))
            .await?,
    ))
}

/// Where a proposal is now and every move before.
#[utoipa::path(get, path = "/api/proposals/{id}/lineage", tag = "consolidation",
    params(("id" = Uuid, Path, description = "proposal id")),
    responses((status = 200, body = Lineage), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn proposal_lineage(
    State(app): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> AppResult<Json<Lineage>> {
    user.require(can_read)?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| AppError::bad_request(ErrorCode::BadId, "the proposal id is not a UUID"))?;
    app.db
        .read(move |tx| c::lineage(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no proposal {id}")))
}

/// Moves proposals into a need, or out of any need (`need_id` null).
#[utoipa::path(post, path = "/api/proposals/move", tag = "consolidation", request_body = MoveProposals,
    responses((status = 200, body = ActionDone), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn move_proposals(
    State(app): State<AppState>,
    user: AuthUser,
    Json(body): Json<MoveProposals>,
) -> AppResult<Json<ActionDone>> {
    user.require(can_write)?;
    Ok(Json(
        app.db
            .write(move |tx| c::move_proposals(tx, &user, &body))
            .await?,
    ))
}

/// Groups of proposals that say the same thing, most confident first.
#[utoipa::path(get, path = "/api/suggestions", tag = "consolidation", params(Limit),
    responses((status = 200, body = Vec<Suggestion>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_suggestions(
    State(app): State<AppState>,
    user: AuthUser,
    Query(q): Query<Limit>,
) -> AppResult<Json<Vec<Suggestion>>> {
    user.require(can_read)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000) as usize;
    Ok(Json(
        app.db.read(move |tx| c::suggestions(tx, limit)).await?,
    ))
}

/// These proposals are not alike: never suggested together again.
#[utoipa::path(post, path = "/api/suggestions/reject", tag = "consolidation", request_body = RejectSuggestion,
    responses((status = 204), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reject_suggestion(
    State(app): State<AppState>,
    user: AuthUser,
    Json(body): Json<RejectSuggestion>,
) -> AppResult<StatusCode> {
    user.require(can_write)?;
    app.db
        .write(move |tx| c::reject_suggestion(tx, &user, &body))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every live need, with counts computed from its proposals.
#[utoipa::path(get, path = "/api/needs", tag = "consolidation",
    responses((status = 200, body = Vec<NeedSummary>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_needs(
    State(app): State<AppState>,
    user: AuthUser,
) -> AppResult<Json<Vec<NeedSummary>>> {
    user.require(can_read)?;
    Ok(Json(app.db.read(c::list_needs).await?))
}

/// A new need made of proposals.
#[utoipa::path(post, path = "/api/needs", tag = "consolidation", request_body = NewNeed,
    responses((status = 201, body = ActionDone), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_need(
    State(app): State<AppState>,
    user: AuthUser,
    Json(body): Json<NewNeed>,
) -> AppResult<(StatusCode, Json<ActionDone>)> {
    user.require(can_write)?;
    let done = app
        .db
        .write(move |tx| c::create_need(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// A need with its proposals (withdrawn ones marked) and its history.
#[utoipa::path(get, path = "/api/needs/{id}", tag = "consolidation",
    params(("id" = i64, Path, description = "need id")),
    responses((status = 200, body = NeedDetail), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_need(
    State(app): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> AppResult<Json<NeedDetail>> {
    user.require(can_read)?;
    let id = parse_id(&id, "need")?;
    app.db
        .read(move |tx| c::need_detail(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no need {id}")))
}

/// Changes a need's title, sector or description.
#[utoipa::path(patch, path = "/api/needs/{id}", tag = "consolidation", request_body = NeedPatch,
    params(("id" = i64, Path, description = "need id")),
    responses((status = 200, body = ActionDone), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch_need(
    State(app): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NeedPatch>,
) -> AppResult<Json<ActionDone>> {
    user.require(can_write)?;
    let id = parse_id(&id, "need")?;
    Ok(Json(
        app.db
            .write(move |tx| c::patch_need(tx, &user, id, &body))
            .await?,
    ))
}

/// Merges proposals, and other needs (which close), into this need.
#[utoipa::path(post, path = "/api/needs/{id}/merge", tag = "consolidation", request_body = MergeInto,
    params(("id" = i64, Path, description = "need id")),
    responses((status = 200, body = ActionDone), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn merge_into(
    State(app): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<MergeInto>,
) -> AppResult<Json<ActionDone>> {
    user.require(can_write)?;
    let id = parse_id(&id, "need")?;
    Ok(Json(
        app.db
            .write(move |tx| c::merge_into(tx, &user, id, &body))
            .await?,
    ))
}

/// Some of this need's proposals form a new need.
#[utoipa::path(post, path = "/api/needs/{id}/split", tag = "consolidation", request_body = SplitNeed,
    params(("id" = i64, Path, description = "need id")),
    responses((status = 200, body = ActionDone), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn split_need(
    State(app): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<SplitNeed>,
) -> AppResult<Json<ActionDone>> {
    user.require(can_write)?;
    let id = parse_id(&id, "need")?;
    Ok(Json(
        app.db
            .write(move |tx| c::split(tx, &user, id, &body))
            .await?,
    ))
}

/// Links the need to a project of the programme.
#[utoipa::path(post, path = "/api/needs/{id}/projects", tag = "consolidation", request_body = LinkProject,
    params(("id" = i64, Path, description = "need id")),
    responses((status = 200, body = ActionDone), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn link_project(
    State(app): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<LinkProject>,
) -> AppResult<Json<ActionDone>> {
    user.require(can_write)?;
    let id = parse_id(&id, "need")?;
    Ok(Json(
        app.db
            .write(move |tx| c::link_project(tx, &user, id, body.project_id, true))
            .await?,
    ))
}

/// Removes the need's link to a project.
#[utoipa::path(delete, path = "/api/needs/{id}/projects/{project_id}", tag = "consolidation",
    params(("id" = i64, Path, description = "need id"), ("project_id" = i64, Path, description = "project id")),
    responses((status = 200, body = ActionDone), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn unlink_project(
    State(app): State<AppState>,
    user: AuthUser,
    Path((id, project)): Path<(String, String)>,
) -> AppResult<Json<ActionDone>> {
    user.require(can_write)?;
    let id = parse_id(&id, "need")?;
    let project = parse_id(&project, "project")?;
    Ok(Json(
        app.db
            .write(move |tx| c::link_project(tx, &user, id, project, false))
            .await?,
    ))
}

/// The consolidation log, newest first, with whether each action can still be undone.
#[utoipa::path(get, path = "/api/actions", tag = "consolidation", params(Limit),
    responses((status = 200, body = Vec<ActionEntry>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_actions(
    State(app): State<AppState>,
    user: AuthUser,
    Query(q): Query<Limit>,
) -> AppResult<Json<Vec<ActionEntry>>> {
    user.require(can_read)?;
    let limit = q.limit.unwrap_or(200);
    Ok(Json(
        app.db.read(move |tx| c::list_actions(tx, limit)).await?,
    ))
}

/// Undoes an action (409 when later actions changed the same things).
#[utoipa::path(post, path = "/api/actions/{id}/undo", tag = "consolidation",
    params(("id" = i64, Path, description = "action id")),
    responses((status = 200, body = ActionDone), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn undo_action(
    State(app): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> AppResult<Json<ActionDone>> {
    user.require(can_write)?;
    let id = parse_id(&id, "action")?;
    Ok(Json(app.db.write(move |tx| c::undo(tx, &user, id)).await?))
}

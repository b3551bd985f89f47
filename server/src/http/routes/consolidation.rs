//! The design office's consolidation API: proposals of all sessions, suggestions, needs, and
//! the log of actions with undo. Reading proposals and suggestions is `Action::ReadProposals`,
//! needs and the log `Action::ReadNeeds`, every change `Action::Consolidate`.

use axum::{extract::State, http::StatusCode};
use serde::Deserialize;
use tachkhis_shared::{
    api::ErrorBody,
    api::consolidation::{
        ActionDone, ActionEntry, Lineage, LinkProject, MergeInto, MoveProposals, NeedDetail,
        NeedPatch, NeedSummary, NewNeed, NewSynonym, OfficeSynonym, ProjectSuggestion,
        ProposalFilter, ProposalPage, RejectSuggestion, SplitNeed, Suggestion,
    },
};
use uuid::Uuid;

use super::Api;
use crate::{
    AppState, consolidation as c,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, Query, can},
};

pub fn router() -> Api {
    Api::new()
        .get("/proposals", list_proposals)
        .post("/proposals/move", move_proposals)
        .get("/proposals/{id}/lineage", proposal_lineage)
        .get("/suggestions", list_suggestions)
        .post("/suggestions/reject", reject_suggestion)
        .get("/synonyms", list_synonyms)
        .post("/synonyms", add_synonym)
        .delete("/synonyms/{id}", remove_synonym)
        .get("/needs", list_needs)
        .post("/needs", create_need)
        .get("/needs/{id}", get_need)
        .patch("/needs/{id}", patch_need)
        .post("/needs/{id}/merge", merge_into)
        .post("/needs/{id}/split", split_need)
        .get("/needs/{id}/project-suggestions", project_suggestions)
        .post("/needs/{id}/projects", link_project)
        .delete("/needs/{id}/projects/{project_id}", unlink_project)
        .get("/actions", list_actions)
        .post("/actions/{id}/undo", undo_action)
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
    _user: Allowed<can::ReadProposals>,
    Query(filter): Query<ProposalFilter>,
) -> AppResult<Json<ProposalPage>> {
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
    _user: Allowed<can::ReadProposals>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Lineage>> {
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
    user: Allowed<can::Consolidate>,
    Json(body): Json<MoveProposals>,
) -> AppResult<Json<ActionDone>> {
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
    _user: Allowed<can::ReadProposals>,
    Query(q): Query<Limit>,
) -> AppResult<Json<Vec<Suggestion>>> {
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
    user: Allowed<can::Consolidate>,
    Json(body): Json<RejectSuggestion>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| c::reject_suggestion(tx, &user, &body))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The office's own groups of synonyms, read by the suggestions.
#[utoipa::path(get, path = "/api/synonyms", tag = "consolidation",
    responses((status = 200, body = Vec<OfficeSynonym>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_synonyms(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProposals>,
) -> AppResult<Json<Vec<OfficeSynonym>>> {
    Ok(Json(app.db.read(c::list_synonyms).await?))
}

/// "These words mean the same": the next suggestions read them as one concept.
#[utoipa::path(post, path = "/api/synonyms", tag = "consolidation", request_body = NewSynonym,
    responses((status = 201, body = OfficeSynonym), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_synonym(
    State(app): State<AppState>,
    user: Allowed<can::Consolidate>,
    Json(body): Json<NewSynonym>,
) -> AppResult<(StatusCode, Json<OfficeSynonym>)> {
    let s = app
        .db
        .write(move |tx| c::add_synonym(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Removes a group of synonyms (kept in the log).
#[utoipa::path(delete, path = "/api/synonyms/{id}", tag = "consolidation",
    params(("id" = i64, Path, description = "The group")),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove_synonym(
    State(app): State<AppState>,
    user: Allowed<can::Consolidate>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| c::remove_synonym(tx, &user, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every live need, with counts computed from its proposals.
#[utoipa::path(get, path = "/api/needs", tag = "consolidation",
    responses((status = 200, body = Vec<NeedSummary>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_needs(
    State(app): State<AppState>,
    _user: Allowed<can::ReadNeeds>,
) -> AppResult<Json<Vec<NeedSummary>>> {
    Ok(Json(app.db.read(c::list_needs).await?))
}

/// A new need made of proposals.
#[utoipa::path(post, path = "/api/needs", tag = "consolidation", request_body = NewNeed,
    responses((status = 201, body = ActionDone), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_need(
    State(app): State<AppState>,
    user: Allowed<can::Consolidate>,
    Json(body): Json<NewNeed>,
) -> AppResult<(StatusCode, Json<ActionDone>)> {
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
    _user: Allowed<can::ReadNeeds>,
    Path(id): Path<i64>,
) -> AppResult<Json<NeedDetail>> {
    app.db
        .read(move |tx| c::need_detail(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no need {id}")))
}

/// The programme's projects that probably answer the need, best first, with why (not the
/// ones already linked, nor placeholders).
#[utoipa::path(get, path = "/api/needs/{id}/project-suggestions", tag = "consolidation",
    params(("id" = i64, Path, description = "need id"), Limit),
    responses((status = 200, body = Vec<ProjectSuggestion>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn project_suggestions(
    State(app): State<AppState>,
    _user: Allowed<can::ReadNeeds>,
    Path(id): Path<i64>,
    Query(q): Query<Limit>,
) -> AppResult<Json<Vec<ProjectSuggestion>>> {
    let limit = q.limit.unwrap_or(5).clamp(1, 50) as usize;
    Ok(Json(
        app.db
            .read(move |tx| c::project_suggestions(tx, id, limit))
            .await?,
    ))
}

/// Changes a need's title, sector or description.
#[utoipa::path(patch, path = "/api/needs/{id}", tag = "consolidation", request_body = NeedPatch,
    params(("id" = i64, Path, description = "need id")),
    responses((status = 200, body = ActionDone), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch_need(
    State(app): State<AppState>,
    user: Allowed<can::Consolidate>,
    Path(id): Path<i64>,
    Json(body): Json<NeedPatch>,
) -> AppResult<Json<ActionDone>> {
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
    user: Allowed<can::Consolidate>,
    Path(id): Path<i64>,
    Json(body): Json<MergeInto>,
) -> AppResult<Json<ActionDone>> {
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
    user: Allowed<can::Consolidate>,
    Path(id): Path<i64>,
    Json(body): Json<SplitNeed>,
) -> AppResult<Json<ActionDone>> {
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
    user: Allowed<can::Consolidate>,
    Path(id): Path<i64>,
    Json(body): Json<LinkProject>,
) -> AppResult<Json<ActionDone>> {
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
    user: Allowed<can::Consolidate>,
    Path((id, project)): Path<(i64, i64)>,
) -> AppResult<Json<ActionDone>> {
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
    _user: Allowed<can::ReadNeeds>,
    Query(q): Query<Limit>,
) -> AppResult<Json<Vec<ActionEntry>>> {
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
    user: Allowed<can::Consolidate>,
    Path(id): Path<i64>,
) -> AppResult<Json<ActionDone>> {
    Ok(Json(app.db.write(move |tx| c::undo(tx, &user, id)).await?))
}

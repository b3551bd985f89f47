//! The programme's structure (axes, programmes), changed by the office with
//! `Action::EditProgramme` and read with the programme tree (`GET /api/programme`). Every
//! change answers its action, which the office's log lists and `POST /api/actions/{id}/undo`
//! undoes. Part of the programme's area: `routes::programme::router` merges it.

use axum::{extract::State, http::StatusCode};
use tachkhis_shared::api::{
    ErrorBody,
    programme::{MoveProgramme, NewProgramme, StructureDone, StructureNames, StructureOrder},
};

use super::Api;
use crate::{
    AppState,
    http::error::AppResult,
    http::extract::{Allowed, Json, Path, can},
    programme::structure as s,
};

pub fn router() -> Api {
    Api::new()
        .post("/axes", create_axis)
        .put("/axes/order", reorder_axes)
        .put("/axes/{id}", rename_axis)
        .delete("/axes/{id}", delete_axis)
        .put("/axes/{id}/programmes/order", reorder_programmes)
        .post("/programmes", create_programme)
        .put("/programmes/{id}", rename_programme)
        .post("/programmes/{id}/move", move_programme)
        .delete("/programmes/{id}", delete_programme)
}

/// A new strategic axis, last in order. 400 `invalid_structure` for a blank Arabic name or a
/// name another axis has.
#[utoipa::path(post, path = "/api/axes", tag = "programme", request_body = StructureNames,
    responses((status = 201, body = StructureDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_axis(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Json(body): Json<StructureNames>,
) -> AppResult<(StatusCode, Json<StructureDone>)> {
    let done = app
        .db
        .write(move |tx| s::create_axis(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Renames an axis (409 when the names are already these).
#[utoipa::path(put, path = "/api/axes/{id}", tag = "programme",
    params(("id" = i64, Path, description = "axis id")), request_body = StructureNames,
    responses((status = 200, body = StructureDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rename_axis(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
    Json(body): Json<StructureNames>,
) -> AppResult<Json<StructureDone>> {
    Ok(Json(
        app.db
            .write(move |tx| s::rename_axis(tx, &user, id, &body))
            .await?,
    ))
}

/// Deletes an axis without programmes (409 while it has some).
#[utoipa::path(delete, path = "/api/axes/{id}", tag = "programme",
    params(("id" = i64, Path, description = "axis id")),
    responses((status = 200, body = StructureDone), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_axis(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
) -> AppResult<Json<StructureDone>> {
    Ok(Json(
        app.db
            .write(move |tx| s::delete_axis(tx, &user, id))
            .await?,
    ))
}

/// The axes in a new order: every axis once (400 otherwise; 409 when it is the present order).
#[utoipa::path(put, path = "/api/axes/order", tag = "programme", request_body = StructureOrder,
    responses((status = 200, body = StructureDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reorder_axes(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Json(body): Json<StructureOrder>,
) -> AppResult<Json<StructureDone>> {
    Ok(Json(
        app.db
            .write(move |tx| s::reorder_axes(tx, &user, &body))
            .await?,
    ))
}

/// The programmes of an axis in a new order: each of them once.
#[utoipa::path(put, path = "/api/axes/{id}/programmes/order", tag = "programme",
    params(("id" = i64, Path, description = "axis id")), request_body = StructureOrder,
    responses((status = 200, body = StructureDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reorder_programmes(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
    Json(body): Json<StructureOrder>,
) -> AppResult<Json<StructureDone>> {
    Ok(Json(
        app.db
            .write(move |tx| s::reorder_programmes(tx, &user, id, &body))
            .await?,
    ))
}

/// A new programme, last of its axis. 400 `invalid_structure` for an unknown axis, a blank
/// Arabic name or a name another programme has.
#[utoipa::path(post, path = "/api/programmes", tag = "programme", request_body = NewProgramme,
    responses((status = 201, body = StructureDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_programme(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Json(body): Json<NewProgramme>,
) -> AppResult<(StatusCode, Json<StructureDone>)> {
    let done = app
        .db
        .write(move |tx| s::create_programme(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Renames a programme (409 when the names are already these).
#[utoipa::path(put, path = "/api/programmes/{id}", tag = "programme",
    params(("id" = i64, Path, description = "programme id")), request_body = StructureNames,
    responses((status = 200, body = StructureDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rename_programme(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
    Json(body): Json<StructureNames>,
) -> AppResult<Json<StructureDone>> {
    Ok(Json(
        app.db
            .write(move |tx| s::rename_programme(tx, &user, id, &body))
            .await?,
    ))
}

/// Moves a programme, with its projects, to the end of another axis (409 when it is there).
#[utoipa::path(post, path = "/api/programmes/{id}/move", tag = "programme",
    params(("id" = i64, Path, description = "programme id")), request_body = MoveProgramme,
    responses((status = 200, body = StructureDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn move_programme(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
    Json(body): Json<MoveProgramme>,
) -> AppResult<Json<StructureDone>> {
    Ok(Json(
        app.db
            .write(move |tx| s::move_programme(tx, &user, id, &body))
            .await?,
    ))
}

/// Deletes a programme without projects (409 while it has some).
#[utoipa::path(delete, path = "/api/programmes/{id}", tag = "programme",
    params(("id" = i64, Path, description = "programme id")),
    responses((status = 200, body = StructureDone), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_programme(
    State(app): State<AppState>,
    user: Allowed<can::EditProgramme>,
    Path(id): Path<i64>,
) -> AppResult<Json<StructureDone>> {
    Ok(Json(
        app.db
            .write(move |tx| s::delete_programme(tx, &user, id))
            .await?,
    ))
}

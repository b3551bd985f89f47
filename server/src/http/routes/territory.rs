//! The territory (`/api/territory…`): poles, douars and places, kept by the commune's staff
//! (`Action::ManageTerritory`: admin and office). Every write is one transaction with one
//! audit entry (`territory.*`); tablets get the result with `GET /api/reference`.

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use tachkhis_shared::{
    api::ErrorBody,
    api::territory::{
        DouarInput, DouarPatch, MergeDouar, Order, PlaceInput, PoleInput, PolePatch, Territory,
        TerritoryFileParams, TerritoryImportError, TerritoryImportErrorBody, TerritoryImportReport,
    },
    codes::ErrorCode,
    reference::{Douar, Place, Pole},
};

use super::Api;
use crate::{
    AppState,
    export::FileFormat,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, Query, RawBody, can},
    territory::{self, Model, file},
};

/// Largest territory file.
pub const MAX_TERRITORY_FILE_BYTES: usize = 4 * 1024 * 1024;

pub fn router() -> Api {
    Api::new()
        .get("/territory", get_territory)
        .post("/territory/poles", create_pole)
        .post("/territory/poles/order", order_poles)
        .patch("/territory/poles/{id}", patch_pole)
        .post("/territory/poles/{id}/order", order_douars)
        .post("/territory/douars", create_douar)
        .patch("/territory/douars/{id}", patch_douar)
        .post("/territory/douars/{id}/merge", merge_douar)
        .post("/territory/places", create_place)
        .put("/territory/places/{id}", update_place)
        .delete("/territory/places/{id}", delete_place)
        .get("/territory/export", export_territory)
        .get("/territory/template", territory_template)
}

/// The import, with its own body limit.
pub fn import_router() -> Api {
    Api::new()
        .post("/territory/import", import_territory)
        .body_limit(MAX_TERRITORY_FILE_BYTES)
}

/// Every pole, douar and place, retired and merged ones included, in the commune's order.
#[utoipa::path(get, path = "/api/territory", tag = "territory",
    responses((status = 200, body = Territory), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_territory(
    State(app): State<AppState>,
    _user: Allowed<can::ManageTerritory>,
) -> AppResult<Json<Territory>> {
    Ok(Json(app.db.read(territory::load).await?))
}

/// Adds a pole (the next number when none is given). 400 `invalid_territory` for a blank
/// name, `duplicate_name` for a number or name another pole in use has.
#[utoipa::path(post, path = "/api/territory/poles", tag = "territory",
    request_body = PoleInput,
    responses((status = 201, body = Pole), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_pole(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Json(input): Json<PoleInput>,
) -> AppResult<(StatusCode, Json<Pole>)> {
    let pole = app
        .db
        .write(move |tx| territory::create_pole(tx, Some(user.id), input))
        .await?;
    Ok((StatusCode::CREATED, Json(pole)))
}

/// Renames, renumbers, retires (409 while douars in use are in it) or brings back a pole.
#[utoipa::path(patch, path = "/api/territory/poles/{id}", tag = "territory",
    params(("id" = String, Path, description = "pole id")),
    request_body = PolePatch,
    responses((status = 200, body = Pole), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch_pole(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Path(id): Path<String>,
    Json(patch): Json<PolePatch>,
) -> AppResult<Json<Pole>> {
    Ok(Json(
        app.db
            .write(move |tx| territory::patch_pole(tx, Some(user.id), &id, patch))
            .await?,
    ))
}

/// Orders the poles: `ids` names every pole once.
#[utoipa::path(post, path = "/api/territory/poles/order", tag = "territory",
    request_body = Order,
    responses((status = 200, body = Territory), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn order_poles(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Json(order): Json<Order>,
) -> AppResult<Json<Territory>> {
    Ok(Json(
        app.db
            .write(move |tx| territory::order_poles(tx, Some(user.id), order))
            .await?,
    ))
}

/// Orders the douars of one pole: `ids` names every douar of the pole once.
#[utoipa::path(post, path = "/api/territory/poles/{id}/order", tag = "territory",
    params(("id" = String, Path, description = "pole id")),
    request_body = Order,
    responses((status = 200, body = Territory), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn order_douars(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Path(id): Path<String>,
    Json(order): Json<Order>,
) -> AppResult<Json<Territory>> {
    Ok(Json(
        app.db
            .write(move |tx| territory::order_douars(tx, Some(user.id), &id, order))
            .await?,
    ))
}

/// Adds a douar to a pole; its id (from the Latin name) never changes after. 400
/// `unknown_pole`, `duplicate_name` (a name or alias another douar has), `invalid_territory`.
#[utoipa::path(post, path = "/api/territory/douars", tag = "territory",
    request_body = DouarInput,
    responses((status = 201, body = Douar), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_douar(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Json(input): Json<DouarInput>,
) -> AppResult<(StatusCode, Json<Douar>)> {
    let douar = app
        .db
        .write(move |tx| territory::create_douar(tx, Some(user.id), input))
        .await?;
    Ok((StatusCode::CREATED, Json(douar)))
}

/// Renames, moves to another pole (`pole_id`), sets aliases (the whole list), the centre flag,
/// the population, retires or brings back a douar. 409 for a merged douar.
#[utoipa::path(patch, path = "/api/territory/douars/{id}", tag = "territory",
    params(("id" = String, Path, description = "douar id")),
    request_body = DouarPatch,
    responses((status = 200, body = Douar), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch_douar(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Path(id): Path<String>,
    Json(patch): Json<DouarPatch>,
) -> AppResult<Json<Douar>> {
    Ok(Json(
        app.db
            .write(move |tx| territory::patch_douar(tx, Some(user.id), &id, patch))
            .await?,
    ))
}

/// Merges the douar into `into`: its sessions, proposals, project and place links read as
/// `into`'s from now on (rebuilds included), its names become `into`'s aliases. Answers the
/// target. 400 `bad_merge` (into itself, a retired or merged douar), `merge_cycle`.
#[utoipa::path(post, path = "/api/territory/douars/{id}/merge", tag = "territory",
    params(("id" = String, Path, description = "the douar merged away")),
    request_body = MergeDouar,
    responses((status = 200, body = Douar), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn merge_douar(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Path(id): Path<String>,
    Json(input): Json<MergeDouar>,
) -> AppResult<Json<Douar>> {
    Ok(Json(
        app.db
            .write(move |tx| territory::merge_douar(tx, Some(user.id), &id, input))
            .await?,
    ))
}

/// Adds a named place (a river, a market…) attached to douars.
#[utoipa::path(post, path = "/api/territory/places", tag = "territory",
    request_body = PlaceInput,
    responses((status = 201, body = Place), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_place(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Json(input): Json<PlaceInput>,
) -> AppResult<(StatusCode, Json<Place>)> {
    check_kind(&input)?;
    let place = app
        .db
        .write(move |tx| territory::create_place(tx, Some(user.id), input))
        .await?;
    Ok((StatusCode::CREATED, Json(place)))
}

/// Replaces a place (retire it with `retired: true`).
#[utoipa::path(put, path = "/api/territory/places/{id}", tag = "territory",
    params(("id" = i64, Path, description = "place id")),
    request_body = PlaceInput,
    responses((status = 200, body = Place), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_place(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Path(id): Path<i64>,
    Json(input): Json<PlaceInput>,
) -> AppResult<Json<Place>> {
    check_kind(&input)?;
    Ok(Json(
        app.db
            .write(move |tx| territory::update_place(tx, Some(user.id), id, input))
            .await?,
    ))
}

/// Deletes a place entered by mistake.
#[utoipa::path(delete, path = "/api/territory/places/{id}", tag = "territory",
    params(("id" = i64, Path, description = "place id")),
    responses((status = 204, description = "deleted"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_place(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| territory::delete_place(tx, Some(user.id), id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn check_kind(input: &PlaceInput) -> AppResult<()> {
    if input.kind.is_known() {
        Ok(())
    } else {
        Err(AppError::bad_request(
            ErrorCode::InvalidTerritory,
            format!(
                "unknown place kind '{}' (the kinds are: {})",
                input.kind,
                territory::kind_codes()
            ),
        ))
    }
}

fn file_params(params: &TerritoryFileParams) -> AppResult<(FileFormat, bool)> {
    let format = params
        .format
        .as_deref()
        .map(FileFormat::parse)
        .transpose()?
        .unwrap_or(FileFormat::Xlsx);
    let places = match params.part.as_deref() {
        None | Some("douars") => false,
        Some("places") => true,
        Some(other) => {
            return Err(AppError::bad_request(
                ErrorCode::BadQuery,
                format!("unknown part '{other}': use douars or places"),
            ));
        }
    };
    Ok((format, places))
}

fn download(name: String, format: FileFormat, bytes: Vec<u8>) -> AppResult<Response> {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The whole territory as the file the import reads: XLSX (two sheets, douars and places) or
/// CSV (`part=douars` or `part=places`).
#[utoipa::path(get, path = "/api/territory/export", tag = "territory",
    params(TerritoryFileParams),
    responses((status = 200, description = "XLSX or CSV"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_territory(
    State(app): State<AppState>,
    _user: Allowed<can::ManageTerritory>,
    Query(params): Query<TerritoryFileParams>,
) -> AppResult<Response> {
    let (format, places) = file_params(&params)?;
    let (name, bytes) = app
        .db
        .read(move |tx| file::territory_file(Some(&Model::load(tx)?), format, places))
        .await?;
    download(name, format, bytes)
}

/// The empty file to fill in, headers in Arabic and French.
#[utoipa::path(get, path = "/api/territory/template", tag = "territory",
    params(TerritoryFileParams),
    responses((status = 200, description = "XLSX or CSV"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn territory_template(
    _user: Allowed<can::ManageTerritory>,
    Query(params): Query<TerritoryFileParams>,
) -> AppResult<Response> {
    let (format, places) = file_params(&params)?;
    let (name, bytes) = file::territory_file(None, format, places)?;
    download(name, format, bytes)
}

/// A refused territory file: `{error: "bad_import", message, errors: [{sheet, line, reason}]}`.
pub enum TerritoryImportFailure {
    App(AppError),
    Rows(Vec<TerritoryImportError>),
}

impl From<AppError> for TerritoryImportFailure {
    fn from(e: AppError) -> Self {
        TerritoryImportFailure::App(e)
    }
}

impl IntoResponse for TerritoryImportFailure {
    fn into_response(self) -> Response {
        match self {
            TerritoryImportFailure::App(e) => e.into_response(),
            TerritoryImportFailure::Rows(errors) => {
                let body = TerritoryImportErrorBody {
                    error: ErrorCode::BadImport,
                    message: refusal_message(&errors),
                    errors,
                };
                (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
            }
        }
    }
}

/// "the file was not imported: 3 problem(s), douars line(s) 4, 7; places line(s) 2": each
/// line once.
pub fn refusal_message(errors: &[TerritoryImportError]) -> String {
    let mut parts = Vec::new();
    for sheet in ["file", "douars", "places"] {
        let mut lines: Vec<u64> = errors
            .iter()
            .filter(|e| e.sheet == sheet)
            .map(|e| e.line)
            .collect();
        lines.sort_unstable();
        lines.dedup();
        if lines.is_empty() {
            continue;
        }
        let shown: Vec<String> = lines.iter().take(8).map(u64::to_string).collect();
        let more = if lines.len() > 8 { ", …" } else { "" };
        parts.push(format!("{sheet} line(s) {}{more}", shown.join(", ")));
    }
    let other: Vec<&str> = errors
        .iter()
        .map(|e| e.sheet.as_str())
        .filter(|s| !["file", "douars", "places"].contains(s))
        .collect();
    if !other.is_empty() {
        parts.push(format!("sheet {}", other.join(", ")));
    }
    format!(
        "the file was not imported: {} problem(s), {}",
        errors.len(),
        parts.join("; ")
    )
}

/// The territory from a file (the template's or the export's shape; see `territory::file`):
/// rows matched to the douars, poles and places there are, all or nothing. `?dry_run=1`
/// says what would change and writes nothing.
#[utoipa::path(post, path = "/api/territory/import", tag = "territory",
    params(TerritoryFileParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "an XLSX workbook (douars and places sheets) or a CSV file (one table)"),
    responses((status = 200, body = TerritoryImportReport),
              (status = 400, body = TerritoryImportErrorBody, description = "every bad line, nothing written"),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import_territory(
    State(app): State<AppState>,
    user: Allowed<can::ManageTerritory>,
    Query(params): Query<TerritoryFileParams>,
    RawBody(body): RawBody,
) -> Result<Json<TerritoryImportReport>, TerritoryImportFailure> {
    let format = params
        .format
        .as_deref()
        .map(FileFormat::parse)
        .transpose()?;
    let dry_run = matches!(
        params
            .dry_run
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("1" | "true" | "yes")
    );
    let run = move |tx: &rusqlite::Transaction<'_>| {
        file::import_territory(tx, Some(user.id), &body, format, dry_run)
    };
    let outcome = if dry_run {
        app.db.read(run).await?
    } else {
        app.db.write(run).await?
    };
    outcome.map(Json).map_err(TerritoryImportFailure::Rows)
}

//! The PAC's procedure (issue 14, `crate::pac`): reading is `ReadProcedure`; recording steps,
//! the vote, the governor's answer, opening a version and the settings `RecordProcedure`
//! (the secretariat, the administrator). A signed document is uploaded by whoever records the
//! procedure or writes a body's opinion (`RecordProcedure` or `WriteOpinions`: a body attaches
//! its signed report), and read with the procedure.

use axum::{
    extract::{FromRequestParts, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tachkhis_shared::{
    api::{
        ErrorBody,
        procedure::{
            Attachment, Comparison, GovernorInput, MAX_ATTACHMENT_BYTES, OpenVersionInput,
            ProcedureSettings, ProcedureView, StepDone, StepInput, Version, VisaInput, VoteInput,
        },
    },
    permissions::Action,
};

use super::Api;
use crate::{
    AppState,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, Query, RawBody, can, require},
    pac,
    users::auth::AuthUser,
};

pub fn router() -> Api {
    Api::new()
        .get("/procedure", get_procedure)
        .put("/procedure/settings", put_settings)
        .post("/procedure/steps", create_step)
        .put("/procedure/steps/{id}", update_step)
        .delete("/procedure/steps/{id}", delete_step)
        .post("/procedure/vote", record_vote)
        .post("/procedure/governor", send_to_governor)
        .post("/procedure/visa", record_visa)
        .get("/versions", list_versions)
        .post("/versions", open_version)
        .get("/versions/{number}", get_version)
        .get("/versions/{number}/compare", compare_versions)
        .get("/attachments/{id}", get_attachment)
}

/// The upload, under its own body limit (a scanned decision is bigger than the JSON limit).
pub fn upload_router() -> Api {
    Api::new()
        .post("/attachments", upload_attachment)
        .body_limit(MAX_ATTACHMENT_BYTES)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct VersionQuery {
    /// The version's number; by default the draft, else the newest.
    pub version: Option<i64>,
}

/// A version's dated steps in order and one list of what is missing or late (each with its
/// rule, due date and status): the secretary general's screen.
#[utoipa::path(get, path = "/api/procedure", tag = "procedure", params(VersionQuery),
    responses((status = 200, body = ProcedureView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_procedure(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProcedure>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Json<ProcedureView>> {
    Ok(Json(
        app.db
            .read(move |tx| pac::procedure::view(tx, q.version))
            .await?,
    ))
}

/// The visa's deadline and the days before the session the draft reaches the bodies.
#[utoipa::path(put, path = "/api/procedure/settings", tag = "procedure",
    request_body = ProcedureSettings,
    responses((status = 200, body = ProcedureSettings), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_settings(
    State(app): State<AppState>,
    user: Allowed<can::RecordProcedure>,
    Json(body): Json<ProcedureSettings>,
) -> AppResult<Json<ProcedureSettings>> {
    Ok(Json(
        app.db
            .write(move |tx| pac::procedure::set_settings(tx, &user, &body))
            .await?,
    ))
}

/// Records a dated step (launch, diagnosis, ranking, bureau approval, dispatch to the bodies,
/// a council session planned or held). Never refused for a rule: the answer's `rules` say
/// what is late (a dispatch without its reason shows `reason_missing`).
#[utoipa::path(post, path = "/api/procedure/steps", tag = "procedure", request_body = StepInput,
    responses((status = 201, body = StepDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_step(
    State(app): State<AppState>,
    user: Allowed<can::RecordProcedure>,
    Json(body): Json<StepInput>,
) -> AppResult<(StatusCode, Json<StepDone>)> {
    let done = app
        .db
        .write(move |tx| pac::procedure::create_step(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Changes a step (its date, reference, note, late reason, signed document).
#[utoipa::path(put, path = "/api/procedure/steps/{id}", tag = "procedure",
    params(("id" = i64, Path, description = "step id")), request_body = StepInput,
    responses((status = 200, body = StepDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_step(
    State(app): State<AppState>,
    user: Allowed<can::RecordProcedure>,
    Path(id): Path<i64>,
    Json(body): Json<StepInput>,
) -> AppResult<Json<StepDone>> {
    Ok(Json(
        app.db
            .write(move |tx| pac::procedure::update_step(tx, &user, id, &body))
            .await?,
    ))
}

/// Deletes a step recorded by mistake (409 for a vote that froze, or the governor's answer).
#[utoipa::path(delete, path = "/api/procedure/steps/{id}", tag = "procedure",
    params(("id" = i64, Path, description = "step id")),
    responses((status = 200, body = ProcedureView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_step(
    State(app): State<AppState>,
    user: Allowed<can::RecordProcedure>,
    Path(id): Path<i64>,
) -> AppResult<Json<ProcedureView>> {
    Ok(Json(
        app.db
            .write(move |tx| pac::procedure::delete_step(tx, &user, id))
            .await?,
    ))
}

/// The council's session, quorum and vote on the draft, with the decision's reference;
/// adopted freezes the draft (409 when no draft is open; 400 `invalid_vote` naming the field).
#[utoipa::path(post, path = "/api/procedure/vote", tag = "procedure", request_body = VoteInput,
    responses((status = 201, body = StepDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn record_vote(
    State(app): State<AppState>,
    user: Allowed<can::RecordProcedure>,
    Json(body): Json<VoteInput>,
) -> AppResult<(StatusCode, Json<StepDone>)> {
    let done = app
        .db
        .write(move |tx| pac::procedure::record_vote(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// The voted version sent to the governor (409 when none awaits it, or sent already).
#[utoipa::path(post, path = "/api/procedure/governor", tag = "procedure",
    request_body = GovernorInput,
    responses((status = 201, body = StepDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn send_to_governor(
    State(app): State<AppState>,
    user: Allowed<can::RecordProcedure>,
    Json(body): Json<GovernorInput>,
) -> AppResult<(StatusCode, Json<StepDone>)> {
    let done = app
        .db
        .write(move |tx| pac::procedure::send_to_governor(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// The governor's answer: the visa (executable), a refusal (a new `after_refusal` draft) or
/// a request to deliberate again (a `redeliberation` draft).
#[utoipa::path(post, path = "/api/procedure/visa", tag = "procedure", request_body = VisaInput,
    responses((status = 201, body = StepDone), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn record_visa(
    State(app): State<AppState>,
    user: Allowed<can::RecordProcedure>,
    Json(body): Json<VisaInput>,
) -> AppResult<(StatusCode, Json<StepDone>)> {
    let done = app
        .db
        .write(move |tx| pac::procedure::record_visa(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Every version, newest first.
#[utoipa::path(get, path = "/api/versions", tag = "procedure",
    responses((status = 200, body = Vec<Version>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_versions(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProcedure>,
) -> AppResult<Json<Vec<Version>>> {
    Ok(Json(app.db.read(pac::list_versions).await?))
}

/// Opens an `update` draft from the newest version, with its reason (409 `draft_exists`
/// while a draft is open).
#[utoipa::path(post, path = "/api/versions", tag = "procedure", request_body = OpenVersionInput,
    responses((status = 201, body = Version), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn open_version(
    State(app): State<AppState>,
    user: Allowed<can::RecordProcedure>,
    Json(body): Json<OpenVersionInput>,
) -> AppResult<(StatusCode, Json<Version>)> {
    let v = app
        .db
        .write(move |tx| pac::open_update(tx, &user, &body))
        .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One version.
#[utoipa::path(get, path = "/api/versions/{number}", tag = "procedure",
    params(("number" = i64, Path, description = "version number")),
    responses((status = 200, body = Version), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_version(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProcedure>,
    Path(number): Path<i64>,
) -> AppResult<Json<Version>> {
    Ok(Json(
        app.db
            .read(move |tx| pac::version_or_404(tx, number))
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CompareQuery {
    /// The other version's number; none = the live programme.
    pub with: Option<i64>,
}

/// Version `number` compared with version `with` (or the live programme): per project added,
/// removed, changed amounts, rank, years; totals.
#[utoipa::path(get, path = "/api/versions/{number}/compare", tag = "procedure",
    params(("number" = i64, Path, description = "version number"), CompareQuery),
    responses((status = 200, body = Comparison), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn compare_versions(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProcedure>,
    Path(number): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> AppResult<Json<Comparison>> {
    Ok(Json(
        app.db
            .read(move |tx| pac::comparison(tx, number, q.with))
            .await?,
    ))
}

/// Whoever records the procedure or writes a body's opinion: checked from the login before
/// the body is read, as [`Allowed`] does for one action.
pub struct MayAttach(pub AuthUser);

impl FromRequestParts<AppState> for MayAttach {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if !user.role.can(Action::WriteOpinions) {
            require(user.role, Action::RecordProcedure)?;
        }
        Ok(MayAttach(user))
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name as the user chose it (kept for the download).
    pub name: Option<String>,
}

/// Uploads a signed document (the raw bytes; PDF, JPEG or PNG by its first bytes, at most
/// 10 MB). The same bytes twice are stored once: 200 with the stored one, else 201.
#[utoipa::path(post, path = "/api/attachments", tag = "procedure", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 200, body = Attachment),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload_attachment(
    State(app): State<AppState>,
    MayAttach(user): MayAttach,
    Query(q): Query<UploadQuery>,
    RawBody(bytes): RawBody,
) -> AppResult<(StatusCode, Json<Attachment>)> {
    let (a, new) = app
        .db
        .write(move |tx| pac::attachments::store(tx, &user, q.name.as_deref(), &bytes))
        .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(a)))
}

/// A signed document's bytes, with its name for the download.
#[utoipa::path(get, path = "/api/attachments/{id}", tag = "procedure",
    params(("id" = i64, Path, description = "attachment id")),
    responses((status = 200, description = "the document (PDF, JPEG or PNG)"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_attachment(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProcedure>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (mime, name, bytes) = app
        .db
        .read(move |tx| pac::attachments::bytes(tx, id))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no attachment {id}")))?;
    // The name as RFC 5987 asks (UTF-8, percent-encoded), so an Arabic name survives.
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

//! `GET /api/setup` and `POST /api/setup`: the first run's set-up, open to anyone (the
//! one-time code is the credential), and the gate that answers 503 `setup_required` on every
//! other API route until it is done.

use std::sync::atomic::Ordering;

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use tachkhis_shared::{
    api::{ErrorBody, SetupRequest, SetupStatus},
    codes::ErrorCode,
};

use super::Api;
use crate::{
    AppState,
    http::error::{AppError, AppResult},
    http::extract::Json,
    setup::{self, Attempt},
};

pub fn router() -> Api {
    Api::new()
        .get("/setup", setup_status)
        .post("/setup", do_setup)
}

/// Whether the server waits for its set-up.
#[utoipa::path(get, path = "/api/setup", tag = "setup",
    responses((status = 200, body = SetupStatus)))]
pub async fn setup_status(State(app): State<AppState>) -> AppResult<Json<SetupStatus>> {
    Ok(Json(SetupStatus {
        needed: !is_set_up(&app).await?,
    }))
}

/// Sets up the commune and its first administrator with the code `tachkhis serve` printed:
/// once, in one transaction.
#[utoipa::path(post, path = "/api/setup", tag = "setup", request_body = SetupRequest,
    responses((status = 201, body = SetupStatus), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn do_setup(
    State(app): State<AppState>,
    Json(req): Json<SetupRequest>,
) -> AppResult<(StatusCode, Json<SetupStatus>)> {
    let attempt = app
        .db
        .write(move |tx| {
            setup::complete_with_code(
                tx,
                &req.code,
                &req.commune,
                &req.admin_username,
                &req.admin_password,
            )
        })
        .await?;
    match attempt {
        Attempt::Done => {
            app.set_up.store(true, Ordering::Release);
            tracing::info!("the commune is set up");
            Ok((StatusCode::CREATED, Json(SetupStatus { needed: false })))
        }
        Attempt::WrongCode { failures } => {
            tracing::warn!(failures, "a wrong set-up code was given");
            Err(AppError::bad_request(
                ErrorCode::BadSetupCode,
                "this is not the set-up code the server printed when it started",
            ))
        }
    }
}

async fn is_set_up(app: &AppState) -> AppResult<bool> {
    if app.set_up.load(Ordering::Acquire) {
        return Ok(true);
    }
    let done = !app.db.read(setup::needed).await?;
    if done {
        app.set_up.store(true, Ordering::Release);
    }
    Ok(done)
}

/// Paths under `/api` that work before set-up: liveness, the API's description, the set-up.
const OPEN_BEFORE_SETUP: [&str; 3] = ["/api/health", "/api/openapi.json", "/api/setup"];

/// In front of the API: 503 `setup_required` until the commune is set up. The client's files
/// stay served (the set-up screen is one of them).
pub async fn gate(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") || OPEN_BEFORE_SETUP.contains(&path) {
        return next.run(request).await;
    }
    match is_set_up(&app).await {
        Ok(true) => next.run(request).await,
        Ok(false) => AppError::SetupRequired.into_response(),
        Err(e) => e.into_response(),
    }
}

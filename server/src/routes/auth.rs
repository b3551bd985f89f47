//! `POST /api/auth/login` and `POST /api/auth/logout`.

use axum::{Router, extract::State, http::StatusCode, routing::post};
use tachkhis_shared::api::{LoginRequest, LoginResponse};

use crate::{
    AppState,
    auth::{self, AuthDevice},
    db::now_secs,
    devices,
    error::AppResult,
    extract::Json,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
}

/// Exchanges a username and password for a bearer token that lasts the field campaign
/// (`--token-ttl-days`, 30 by default).
#[utoipa::path(
    post, path = "/api/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "malformed body", body = tachkhis_shared::api::ErrorBody),
        (status = 401, description = "wrong username or password", body = tachkhis_shared::api::ErrorBody)
    )
)]
pub async fn login(
    State(app): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    let ttl = app.config.token_ttl_days;
    let res = app
        .db
        .write(move |tx| auth::login(tx, req.username.trim(), &req.password, ttl))
        .await?;
    Ok(Json(res))
}

/// Ends the caller's own login: the token stops working at once (401 `token_revoked`).
#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth",
    responses(
        (status = 204, description = "logged out"),
        (status = 401, description = "no valid token", body = tachkhis_shared::api::ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn logout(State(app): State<AppState>, caller: AuthDevice) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| devices::logout(tx, &caller.user, &caller.device.public_id, now_secs()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

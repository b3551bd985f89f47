//! `POST /api/auth/login`.

use axum::{Router, extract::State, routing::post};
use tachkhis_shared::api::{LoginRequest, LoginResponse};

use crate::{AppState, auth, error::AppResult, extract::Json};

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/login", post(login))
}

/// Exchanges a username and password for a bearer token that lasts the field campaign.
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

//! `POST /api/auth/login` and `POST /api/auth/logout`.

use axum::{extract::State, http::StatusCode};
use tachkhis_shared::api::{LoginRequest, LoginResponse};
use tachkhis_shared::codes::ErrorCode;

use super::Api;
use crate::{
    AppState,
    db::now_secs,
    http::error::{AppError, AppResult},
    http::extract::Json,
    users::auth::{self, AnyLogin},
    users::devices,
    users::login_limit::{self, ClientAddr, Refusal},
};

pub fn router() -> Api {
    Api::new()
        .post("/auth/login", login)
        .post("/auth/logout", logout)
}

/// Exchanges a username and password for a bearer token that lasts the field campaign
/// (`--token-ttl-days`, 30 by default).
///
/// The user's row is read on a reader connection, the password checked on the password
/// checker threads (a bounded number, at low priority), and only the token written in a short
/// write transaction: a flood of logins never holds the write lock that sync needs. Failures past a few make the
/// account and the client address wait (429 with `Retry-After`, see `login_limit`).
#[utoipa::path(
    post, path = "/api/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "malformed body", body = tachkhis_shared::api::ErrorBody),
        (status = 401, description = "wrong username or password", body = tachkhis_shared::api::ErrorBody),
        (status = 429, description = "too many failed logins for this account or from this address: \
            `too_many_attempts`, wait the seconds in `Retry-After`",
            body = tachkhis_shared::api::ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait")))
    )
)]
pub async fn login(
    State(app): State<AppState>,
    ClientAddr(address): ClientAddr,
    Json(req): Json<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    let username = req.username.trim().to_string();
    // A name no account can have, or a password longer than any account's, is refused
    // without a check; it still counts against the address (and says only what any wrong
    // login says).
    let possible = auth::validate_username(&username).is_ok()
        && req.password.chars().count() <= auth::MAX_PASSWORD_CHARS;
    let attempt = match app
        .logins
        .begin(possible.then_some(username.as_str()), address)
    {
        Ok(attempt) => attempt,
        Err(refusal) => {
            let pause = refusal.wait().min(app.config.login_limits.refusal_pause);
            tokio::time::sleep(pause).await;
            return Err(too_many(refusal.after(pause)));
        }
    };
    // The attempt runs to its end even if the client hangs up, so that a guess whose answer
    // was not waited for still counts.
    let task = tokio::spawn(async move {
        if !possible {
            attempt.failed(None, &username);
            return Err(AppError::Unauthorized(ErrorCode::BadCredentials));
        }
        let lookup = username.clone();
        let row = app.db.read(move |tx| auth::find_login(tx, &lookup)).await?;
        let ok = app
            .logins
            .verify(req.password, auth::hash_to_check(row.as_ref()))
            .await?;
        let row = match row {
            Some(row) if ok && !row.disabled => row,
            other => {
                attempt.failed(other.map(|r| r.user_id), &username);
                return Err(AppError::Unauthorized(ErrorCode::BadCredentials));
            }
        };
        let ttl = app.config.token_ttl_days;
        let name = username.clone();
        let issued = app
            .db
            .write(move |tx| auth::issue_token(tx, &name, &row, ttl))
            .await;
        match &issued {
            Ok(_) => attempt.succeeded(),
            // Disabled or changed between the check and the write: as a wrong password.
            Err(AppError::Unauthorized(_)) => attempt.failed(None, &username),
            // A database failure says nothing about the password: the attempt just ends.
            Err(_) => drop(attempt),
        }
        issued
    });
    Ok(Json(task.await??))
}

pub(crate) fn too_many(refusal: Refusal) -> AppError {
    let wait = refusal.wait();
    let whom = match refusal {
        Refusal::Account(_) => "for this username",
        Refusal::Address(_) => "from this network address",
    };
    AppError::TooManyAttempts {
        message: format!(
            "too many failed logins {whom}: try again in {}",
            login_limit::wait_in_words(wait)
        ),
        retry_after: wait,
    }
}

/// Ends the caller's own login: the token stops working at once (401 `token_revoked`). Any
/// login may end itself, one holding a one-time password too: no permission is needed beyond
/// the login.
#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth",
    responses(
        (status = 204, description = "logged out"),
        (status = 401, description = "no valid token", body = tachkhis_shared::api::ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn logout(
    State(app): State<AppState>,
    AnyLogin(caller): AnyLogin,
) -> AppResult<StatusCode> {
    app.db
        .write(move |tx| devices::logout(tx, &caller.user, &caller.device.public_id, now_secs()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

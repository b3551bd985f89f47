//! The people of the commune (`Action::ManageUsers`, the administrator): `GET|POST
//! /api/admin/users`, `PATCH /api/admin/users/{id}`, `POST /api/admin/users/{id}/password`,
//! `…/deactivate`, `…/reactivate`, `GET /api/admin/users/{id}/devices` (revoked through
//! `/api/admin/devices/{id}/revoke`). Any login: `GET /api/me`, `POST /api/auth/password`.

use axum::{extract::State, http::StatusCode};
use tachkhis_shared::api::{
    Device, ErrorBody, Me, NewUser, PasswordChange, PasswordReset, UserPassword, UserSummary,
    UserUpdate,
};
use tachkhis_shared::codes::ErrorCode;

use super::Api;
use crate::{
    AppState,
    db::now_secs,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, can},
    users::auth::{self, AnyLogin, AuthDevice},
    users::login_limit::ClientAddr,
    users::{devices, people},
};

/// The administrator, with the login they act from (a device list marks it as theirs).
type Admin = Allowed<can::ManageUsers, AuthDevice>;

pub fn router() -> Api {
    Api::new()
        .get("/admin/users", list_users)
        .post("/admin/users", create_user)
        .patch("/admin/users/{id}", update_user)
        .post("/admin/users/{id}/password", reset_password)
        .post("/admin/users/{id}/deactivate", deactivate_user)
        .post("/admin/users/{id}/reactivate", reactivate_user)
        .get("/admin/users/{id}/devices", user_devices)
        .get("/me", me)
        .post("/auth/password", change_password)
}

/// argon2 on the blocking pool: never on the async runtime, never inside the write lock.
async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password)).await?
}

/// The password an administrator gives: the one typed (checked), or one drawn; and whether it
/// was drawn (then it is answered, once).
fn one_time(username: &str, typed: Option<String>) -> AppResult<(String, bool)> {
    match typed.filter(|p| !p.is_empty()) {
        Some(p) => {
            people::check_new_password(username, &p)?;
            Ok((p, false))
        }
        None => Ok((people::draw_password(), true)),
    }
}

/// Every user: role, active or not, last activity, live devices, poles, and whether they still
/// hold a one-time password.
#[utoipa::path(get, path = "/api/admin/users", tag = "people",
    responses((status = 200, body = Vec<UserSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_users(
    State(app): State<AppState>,
    _admin: Admin,
) -> AppResult<Json<Vec<UserSummary>>> {
    Ok(Json(app.db.read(|tx| people::list(tx, now_secs())).await?))
}

/// Creates a user with a role and a one-time password (typed, or drawn by the server and
/// answered this once): they must choose their own at their first login.
#[utoipa::path(post, path = "/api/admin/users", tag = "people", request_body = NewUser,
    responses((status = 201, body = UserPassword),
        (status = 400, description = "bad username, role, password, display name or pole", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "a user of that name (once folded) exists", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_user(
    State(app): State<AppState>,
    Allowed { caller, .. }: Admin,
    Json(body): Json<NewUser>,
) -> AppResult<(StatusCode, Json<UserPassword>)> {
    let username = body.username.trim().to_string();
    auth::validate_username(&username)?;
    let user = people::NewUser {
        role: people::parse_role(&body.role)?,
        display_name: people::check_display_name(body.display_name.as_deref())?,
        poles: body.poles,
        username,
    };
    let (password, drawn) = one_time(&user.username, body.password)?;
    let password_hash = hash(password.clone()).await?;
    let admin = caller.user;
    let summary = app
        .db
        .write(move |tx| people::create(tx, &admin, &user, &password_hash, now_secs()))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UserPassword {
            user: summary,
            one_time_password: drawn.then_some(password),
        }),
    ))
}

/// Changes a user's role, display name or poles (what the body gives). The last active
/// administrator keeps their role (409 `last_admin`).
#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "people", request_body = UserUpdate,
    params(("id" = i64, Path, description = "the user's id")),
    responses((status = 200, body = UserSummary), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_user(
    State(app): State<AppState>,
    Allowed { caller, .. }: Admin,
    Path(id): Path<i64>,
    Json(body): Json<UserUpdate>,
) -> AppResult<Json<UserSummary>> {
    let change = people::Update {
        role: body.role.as_deref().map(people::parse_role).transpose()?,
        display_name: body
            .display_name
            .as_deref()
            .map(|n| people::check_display_name(Some(n)))
            .transpose()?,
        poles: body.poles,
    };
    let admin = caller.user;
    let user = app
        .db
        .write(move |tx| people::update(tx, &admin, id, &change, now_secs()))
        .await?;
    Ok(Json(user))
}

/// A new one-time password for a user (typed, or drawn and answered once); their devices are
/// revoked, and they must choose their own password at their next login.
#[utoipa::path(post, path = "/api/admin/users/{id}/password", tag = "people", request_body = PasswordReset,
    params(("id" = i64, Path, description = "the user's id")),
    responses((status = 200, body = UserPassword), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "one's own account", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reset_password(
    State(app): State<AppState>,
    Allowed { caller, .. }: Admin,
    Path(id): Path<i64>,
    Json(body): Json<PasswordReset>,
) -> AppResult<Json<UserPassword>> {
    let username = app
        .db
        .read(move |tx| people::get(tx, id, now_secs()))
        .await?
        .username;
    let (password, drawn) = one_time(&username, body.password)?;
    let password_hash = hash(password.clone()).await?;
    let admin = caller.user;
    let user = app
        .db
        .write(move |tx| people::reset_password(tx, &admin, id, &password_hash, now_secs()))
        .await?;
    Ok(Json(UserPassword {
        user,
        one_time_password: drawn.then_some(password),
    }))
}

/// Deactivates a user: no more login, every device revoked at once (their tablets' next sync
/// gets 401 `token_revoked`); their sessions, proposals and actions are kept. The last active
/// administrator cannot be (409 `last_admin`), nor oneself (409).
#[utoipa::path(post, path = "/api/admin/users/{id}/deactivate", tag = "people",
    params(("id" = i64, Path, description = "the user's id")),
    responses((status = 200, body = UserSummary), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deactivate_user(
    State(app): State<AppState>,
    Allowed { caller, .. }: Admin,
    Path(id): Path<i64>,
) -> AppResult<Json<UserSummary>> {
    let admin = caller.user;
    let user = app
        .db
        .write(move |tx| people::set_active(tx, &admin, id, false, now_secs()))
        .await?;
    Ok(Json(user))
}

/// Lets a deactivated user log in again (their old devices stay revoked).
#[utoipa::path(post, path = "/api/admin/users/{id}/reactivate", tag = "people",
    params(("id" = i64, Path, description = "the user's id")),
    responses((status = 200, body = UserSummary), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reactivate_user(
    State(app): State<AppState>,
    Allowed { caller, .. }: Admin,
    Path(id): Path<i64>,
) -> AppResult<Json<UserSummary>> {
    let admin = caller.user;
    let user = app
        .db
        .write(move |tx| people::set_active(tx, &admin, id, true, now_secs()))
        .await?;
    Ok(Json(user))
}

/// One user's devices (logins not yet expired, revoked ones included).
#[utoipa::path(get, path = "/api/admin/users/{id}/devices", tag = "people",
    params(("id" = i64, Path, description = "the user's id")),
    responses((status = 200, body = Vec<Device>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn user_devices(
    State(app): State<AppState>,
    Allowed { caller, .. }: Admin,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Device>>> {
    let current = caller.device.public_id;
    let rows = app
        .db
        .read(move |tx| {
            let now = now_secs();
            people::get(tx, id, now)?;
            devices::list_for_user(tx, id, now, &current)
        })
        .await?;
    Ok(Json(rows))
}

/// Who the caller is: role, poles, and whether they must first choose their own password
/// (answered to such a login too).
#[utoipa::path(get, path = "/api/me", tag = "people",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(State(app): State<AppState>, AnyLogin(caller): AnyLogin) -> AppResult<Json<Me>> {
    let user = caller.user;
    Ok(Json(app.db.read(move |tx| people::me(tx, &user)).await?))
}

/// Changes one's own password (the current one, then the new one): how a one-time password is
/// replaced, and open to every login afterwards. The current password is checked as a login
/// is (its failures count towards the same waits: a stolen token cannot guess faster).
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204, description = "changed"),
        (status = 400, description = "`wrong_password` (the current one) or `bad_password` (the new one)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 429, description = "too many wrong passwords", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_password(
    State(app): State<AppState>,
    AnyLogin(caller): AnyLogin,
    ClientAddr(address): ClientAddr,
    Json(body): Json<PasswordChange>,
) -> AppResult<StatusCode> {
    let user = caller.user;
    people::check_new_password(&user.username, &body.new_password)?;
    if body.new_password == body.current_password {
        return Err(AppError::bad_request(
            ErrorCode::BadPassword,
            "the new password must differ from the current one",
        ));
    }
    let attempt = match app.logins.begin(Some(&user.username), address) {
        Ok(attempt) => attempt,
        Err(refusal) => return Err(super::auth::too_many(refusal)),
    };
    let lookup = user.username.clone();
    let row = app
        .db
        .read(move |tx| auth::find_login(tx, &lookup))
        .await?
        .filter(|r| r.user_id == user.id)
        .ok_or(AppError::Unauthorized(ErrorCode::InvalidToken))?;
    let checked = row.password_hash.clone();
    if !app
        .logins
        .verify(body.current_password, checked.clone())
        .await?
    {
        attempt.failed(Some(user.id), &user.username);
        return Err(AppError::bad_request(
            ErrorCode::WrongPassword,
            "the current password is wrong",
        ));
    }
    attempt.succeeded();
    let new_hash = hash(body.new_password).await?;
    app.db
        .write(move |tx| people::change_own_password(tx, &user, &checked, &new_hash))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `GET /api/admin/devices`, `POST /api/admin/devices/{id}/revoke`,
//! `PATCH /api/admin/devices/{id}` (`Action::ManageDevices`).

use axum::extract::State;
use tachkhis_shared::api::{Device, DeviceLabel, ErrorBody};

use super::Api;
use crate::{
    AppState,
    db::now_secs,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, can},
    users::auth::AuthDevice,
    users::devices,
};

/// The administrator, with the login they act from (the list marks it as theirs).
type Admin = Allowed<can::ManageDevices, AuthDevice>;

pub fn router() -> Api {
    Api::new()
        .get("/admin/devices", list_devices)
        .patch("/admin/devices/{id}", label_device)
        .post("/admin/devices/{id}/revoke", revoke_device)
}

fn public_id(raw: &str) -> AppResult<String> {
    let ok = !raw.is_empty() && raw.len() <= 32 && raw.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(AppError::NotFound(format!("no device '{raw}'")))
    }
}

/// Every login not yet expired (revoked ones too), most recently synced first.
#[utoipa::path(get, path = "/api/admin/devices", tag = "devices",
    responses((status = 200, body = Vec<Device>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_devices(
    State(app): State<AppState>,
    Allowed { caller, .. }: Admin,
) -> AppResult<Json<Vec<Device>>> {
    let current = caller.device.public_id;
    let rows = app
        .db
        .read(move |tx| devices::list(tx, now_secs(), &current))
        .await?;
    Ok(Json(rows))
}

/// Revokes a tablet's login: its next sync gets 401 `token_revoked` and stores nothing; the
/// work on the tablet is kept there (and can be exported). Revoking twice changes nothing.
#[utoipa::path(post, path = "/api/admin/devices/{id}/revoke", tag = "devices",
    params(("id" = String, Path, description = "the device's public id")),
    responses((status = 200, body = Device), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke_device(
    State(app): State<AppState>,
    Allowed { caller, .. }: Admin,
    Path(id): Path<String>,
) -> AppResult<Json<Device>> {
    let id = public_id(&id)?;
    let current = caller.device.public_id;
    let admin = caller.user;
    let device = app
        .db
        .write(move |tx| devices::revoke(tx, &admin, &id, now_secs(), &current))
        .await?;
    Ok(Json(device))
}

/// Names a device, e.g. "tablette 3, pôle Idouz".
#[utoipa::path(patch, path = "/api/admin/devices/{id}", tag = "devices",
    params(("id" = String, Path, description = "the device's public id")),
    request_body = DeviceLabel,
    responses((status = 200, body = Device), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn label_device(
    State(app): State<AppState>,
    Allowed { caller, .. }: Admin,
    Path(id): Path<String>,
    Json(body): Json<DeviceLabel>,
) -> AppResult<Json<Device>> {
    let id = public_id(&id)?;
    let current = caller.device.public_id;
    let admin = caller.user;
    let device = app
        .db
        .write(move |tx| devices::set_label(tx, &admin, &id, &body.label, &current))
        .await?;
    Ok(Json(device))
}

//! Devices: every login token is one tablet or browser. The administrator lists them and
//! revokes a lost or retired tablet; a revoked token can no longer sync (its work stays on the
//! tablet, which can still export it).

use rusqlite::{OptionalExtension, Transaction, params};
use tachkhis_shared::api::{Device, Role};
use tachkhis_shared::codes::ErrorCode;

use crate::{
    http::error::{AppError, AppResult},
    users::auth::{self, AuthUser},
};

pub const MAX_LABEL_CHARS: usize = 100;

const SELECT: &str = "SELECT t.public_id, u.username, u.role, t.created_at, t.expires_at,
        t.last_used_at, t.peer_id, t.user_agent, t.label, t.revoked_at, r.username
    FROM tokens t JOIN users u ON u.id = t.user_id LEFT JOIN users r ON r.id = t.revoked_by";

fn device_row(r: &rusqlite::Row<'_>, current: &str) -> rusqlite::Result<Device> {
    let id: String = r.get(0)?;
    let role: String = r.get(2)?;
    // The users table's CHECK allows only known roles; anything else is a broken row.
    let role = Role::from_code(&role).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Text,
            format!("unknown role {role:?}").into(),
        )
    })?;
    Ok(Device {
        current: id == current,
        id,
        username: r.get(1)?,
        role,
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
        last_used_at: r.get(5)?,
        peer_id: r.get(6)?,
        user_agent: r.get(7)?,
        label: r.get(8)?,
        revoked_at: r.get(9)?,
        revoked_by: r.get(10)?,
    })
}

/// Every login not yet expired, revoked ones included; most recently used first.
/// `current` is the public id of the caller's own login.
pub fn list(tx: &Transaction<'_>, now: i64, current: &str) -> AppResult<Vec<Device>> {
    let sql = format!(
        "{SELECT} WHERE t.expires_at > ?1
         ORDER BY t.last_used_at IS NULL, t.last_used_at DESC, t.created_at DESC, t.public_id"
    );
    Ok(tx
        .prepare(&sql)?
        .query_map([now], |r| device_row(r, current))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// One user's logins not yet expired, revoked ones included, as [`list`] orders them.
pub fn list_for_user(
    tx: &Transaction<'_>,
    user_id: i64,
    now: i64,
    current: &str,
) -> AppResult<Vec<Device>> {
    let sql = format!(
        "{SELECT} WHERE t.expires_at > ?1 AND t.user_id = ?2
         ORDER BY t.last_used_at IS NULL, t.last_used_at DESC, t.created_at DESC, t.public_id"
    );
    Ok(tx
        .prepare(&sql)?
        .query_map(params![now, user_id], |r| device_row(r, current))?
        .collect::<Result<Vec<_>, _>>()?)
}

pub fn get(tx: &Transaction<'_>, public_id: &str, current: &str) -> AppResult<Device> {
    tx.query_row(
        &format!("{SELECT} WHERE t.public_id = ?1"),
        [public_id],
        |r| device_row(r, current),
    )
    .optional()?
    .ok_or_else(|| AppError::NotFound(format!("no device '{public_id}'")))
}

/// Revokes a device's login. Revoking a revoked device changes nothing and is not logged
/// again, so an administrator's retried click is harmless.
pub fn revoke(
    tx: &Transaction<'_>,
    admin: &AuthUser,
    public_id: &str,
    now: i64,
    current: &str,
) -> AppResult<Device> {
    let device = get(tx, public_id, current)?;
    if device.revoked_at.is_some() {
        return Ok(device);
    }
    tx.execute(
        "UPDATE tokens SET revoked_at = ?2, revoked_by = ?3 WHERE public_id = ?1",
        params![public_id, now, admin.id],
    )?;
    let detail = serde_json::json!({
        "username": device.username,
        "peer_id": device.peer_id,
        "label": device.label,
        "last_used_at": device.last_used_at,
    });
    auth::audit(
        tx,
        Some(admin.id),
        "device.revoke",
        Some(public_id),
        Some(&detail.to_string()),
    )?;
    get(tx, public_id, current)
}

/// Names a device (empty clears the name).
pub fn set_label(
    tx: &Transaction<'_>,
    admin: &AuthUser,
    public_id: &str,
    label: &str,
    current: &str,
) -> AppResult<Device> {
    let label = label.trim();
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(AppError::bad_request(
            ErrorCode::BadLabel,
            format!("a device name has at most {MAX_LABEL_CHARS} characters"),
        ));
    }
    let before = get(tx, public_id, current)?;
    let label = (!label.is_empty()).then_some(label);
    if before.label.as_deref() == label {
        return Ok(before);
    }
    tx.execute(
        "UPDATE tokens SET label = ?2 WHERE public_id = ?1",
        params![public_id, label],
    )?;
    let detail = serde_json::json!({"before": before.label, "after": label});
    auth::audit(
        tx,
        Some(admin.id),
        "device.label",
        Some(public_id),
        Some(&detail.to_string()),
    )?;
    get(tx, public_id, current)
}

/// Ends the caller's own login (logging out on a tablet handed back).
pub fn logout(tx: &Transaction<'_>, user: &AuthUser, public_id: &str, now: i64) -> AppResult<()> {
    let n = tx.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE public_id = ?1 AND revoked_at IS NULL",
        params![public_id, now],
    )?;
    if n > 0 {
        auth::audit(tx, Some(user.id), "logout", Some(public_id), None)?;
    }
    Ok(())
}

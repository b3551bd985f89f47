//! The people of the commune as the administrator manages them: create a user with a role and a
//! one-time password, reset a password, change a role, a display name or the poles a
//! facilitator works in, deactivate (every device revoked at once, the user's work kept) and
//! reactivate. One's own password change is here too.
//!
//! Rules kept here, each checked inside the write transaction that changes the row (the one
//! writer serialises them, so two administrators cannot both take away the last admin):
//! - there is always an active administrator: the last one can be neither deactivated nor
//!   given another role (409 `last_admin`);
//! - an administrator neither deactivates nor resets their own account (409: another must,
//!   and one's own password is changed with the current one);
//! - a password set by an administrator is a one-time password: `must_change_password` is set
//!   and every route but the change refuses the login (see `auth::AnyLogin`). A reset also
//!   revokes the user's devices: whoever held the old password is out.
//!
//! Passwords are hashed by the caller off the write lock (argon2 is slow on purpose) and never
//! written to the audit log, which records who did what to whom.

use std::collections::BTreeMap;

use rand::Rng;
use rusqlite::{OptionalExtension, Transaction, params};
use tachkhis_shared::api::{Me, Role, UserSummary};
use tachkhis_shared::codes::ErrorCode;

use crate::{
    http::error::{AppError, AppResult},
    users::auth::{self, AuthUser},
};

pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// Poles given to one user at most (a commune has a handful).
pub const MAX_POLES: usize = 100;

/// Letters and digits that cannot be misread for one another on a tablet's screen or a slip of
/// paper (no 0/o, 1/l/i), lower case for the tablet's keyboard. 10 of 31: ~2^49, for a password
/// that works once and whose guesses the login limits slow to a few an hour.
const ONE_TIME_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const ONE_TIME_LEN: usize = 10;

/// A one-time password drawn by the server.
pub fn draw_password() -> String {
    let mut rng = rand::rng();
    (0..ONE_TIME_LEN)
        .map(|_| ONE_TIME_ALPHABET[rng.random_range(0..ONE_TIME_ALPHABET.len())] as char)
        .collect()
}

/// 400 `bad_role` unless `code` names a role.
pub fn parse_role(code: &str) -> AppResult<Role> {
    Role::from_code(code.trim()).ok_or_else(|| {
        let known: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        AppError::bad_request(
            ErrorCode::BadRole,
            format!("'{code}' is not a role: one of {}", known.join(", ")),
        )
    })
}

/// The display name as kept: trimmed, empty as none, at most [`MAX_DISPLAY_NAME_CHARS`].
pub fn check_display_name(name: Option<&str>) -> AppResult<Option<String>> {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    match name {
        Some(n)
            if n.chars().count() > MAX_DISPLAY_NAME_CHARS || n.chars().any(char::is_control) =>
        {
            Err(AppError::bad_request(
                ErrorCode::BadLabel,
                format!(
                    "a display name has at most {MAX_DISPLAY_NAME_CHARS} characters, none of them control characters"
                ),
            ))
        }
        other => Ok(other.map(str::to_string)),
    }
}

/// A password a user will hold: the length rule, and not the username itself.
pub fn check_new_password(username: &str, password: &str) -> AppResult<()> {
    auth::validate_password(password)?;
    if password.trim().to_lowercase() == username.trim().to_lowercase() {
        return Err(AppError::bad_request(
            ErrorCode::BadPassword,
            "a password may not be the username",
        ));
    }
    Ok(())
}

/// Pole ids, each known (400 `unknown_pole` naming the first that is not), without repeats.
fn check_poles(tx: &Transaction<'_>, poles: &[String]) -> AppResult<Vec<String>> {
    if poles.len() > MAX_POLES {
        return Err(AppError::bad_request(
            ErrorCode::TooMany,
            format!("at most {MAX_POLES} poles"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for pole in poles {
        let pole = pole.trim();
        let known: Option<i64> = tx
            .query_row("SELECT 1 FROM poles WHERE id = ?1", [pole], |r| r.get(0))
            .optional()?;
        if known.is_none() {
            return Err(AppError::bad_request(
                ErrorCode::UnknownPole,
                format!("no pole '{pole}'"),
            ));
        }
        if !out.iter().any(|p| p == pole) {
            out.push(pole.to_string());
        }
    }
    Ok(out)
}

fn set_poles(tx: &Transaction<'_>, user_id: i64, poles: &[String]) -> AppResult<()> {
    tx.execute("DELETE FROM user_poles WHERE user_id = ?1", [user_id])?;
    for pole in poles {
        tx.execute(
            "INSERT INTO user_poles (user_id, pole_id) VALUES (?1, ?2)",
            params![user_id, pole],
        )?;
    }
    Ok(())
}

fn detail(value: serde_json::Value) -> String {
    value.to_string()
}

const SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.disabled, u.created_at,
        u.must_change_password,
        (SELECT max(coalesce(t.last_used_at, t.created_at)) FROM tokens t WHERE t.user_id = u.id),
        (SELECT count(*) FROM tokens t
         WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.expires_at > ?1)
    FROM users u";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserSummary> {
    let role: String = r.get(3)?;
    // The users table's CHECK allows only known roles; anything else is a broken row.
    let role = Role::from_code(&role).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            3,
            rusqlite::types::Type::Text,
            format!("unknown role {role:?}").into(),
        )
    })?;
    Ok(UserSummary {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role,
        active: !r.get::<_, bool>(4)?,
        created_at: r.get(5)?,
        must_change_password: r.get(6)?,
        last_activity: r.get(7)?,
        devices: r.get(8)?,
        poles: Vec::new(),
    })
}

/// Every user, active ones first, by username.
pub fn list(tx: &Transaction<'_>, now: i64) -> AppResult<Vec<UserSummary>> {
    let mut users = tx
        .prepare(&format!("{SELECT} ORDER BY u.disabled, u.username"))?
        .query_map([now], summary_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let mut poles: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut stmt = tx.prepare(
        "SELECT up.user_id, up.pole_id FROM user_poles up JOIN poles p ON p.id = up.pole_id
         ORDER BY p.position, p.id",
    )?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (user, pole) = row?;
        poles.entry(user).or_default().push(pole);
    }
    for user in &mut users {
        user.poles = poles.remove(&user.id).unwrap_or_default();
    }
    Ok(users)
}

pub fn get(tx: &Transaction<'_>, id: i64, now: i64) -> AppResult<UserSummary> {
    let mut user = tx
        .query_row(
            &format!("{SELECT} WHERE u.id = ?2"),
            params![now, id],
            summary_row,
        )
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no user {id}")))?;
    user.poles = auth::user_poles(tx, id)?;
    Ok(user)
}

/// A new user, checked before the password is hashed (nothing is hashed for a refused one).
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub poles: Vec<String>,
}

/// Creates a user with a one-time password (`password_hash`, hashed by the caller).
pub fn create(
    tx: &Transaction<'_>,
    admin: &AuthUser,
    user: &NewUser,
    password_hash: &str,
    now: i64,
) -> AppResult<UserSummary> {
    auth::check_username_free(tx, &user.username)?;
    let poles = check_poles(tx, &user.poles)?;
    let id = auth::insert_user(
        tx,
        &user.username,
        password_hash,
        user.role,
        true,
        user.display_name.as_deref(),
    )?;
    set_poles(tx, id, &poles)?;
    auth::audit(
        tx,
        Some(admin.id),
        "user.create",
        Some(&user.username),
        Some(&detail(serde_json::json!({
            "role": user.role.code(),
            "display_name": user.display_name,
            "poles": poles,
        }))),
    )?;
    get(tx, id, now)
}

/// The checks every change of a user starts with: the user exists.
fn existing(tx: &Transaction<'_>, id: i64, now: i64) -> AppResult<UserSummary> {
    get(tx, id, now)
}

/// 409 `last_admin` when `user` is an active administrator and no other is.
fn keep_an_admin(tx: &Transaction<'_>, user: &UserSummary, what: &str) -> AppResult<()> {
    if user.role != Role::Admin || !user.active {
        return Ok(());
    }
    let others: i64 = tx.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?1",
        [user.id],
        |r| r.get(0),
    )?;
    if others == 0 {
        return Err(AppError::ConflictCode(
            ErrorCode::LastAdmin,
            format!(
                "'{}' is the last active administrator: they cannot be {what} until another administrator is active",
                user.username
            ),
        ));
    }
    Ok(())
}

/// Revokes every live login of a user; how many.
fn revoke_all(tx: &Transaction<'_>, admin: &AuthUser, user_id: i64, now: i64) -> AppResult<usize> {
    Ok(tx.execute(
        "UPDATE tokens SET revoked_at = ?2, revoked_by = ?3
         WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
        params![user_id, now, admin.id],
    )?)
}

/// A new one-time password (hashed by the caller); the user's devices are revoked.
pub fn reset_password(
    tx: &Transaction<'_>,
    admin: &AuthUser,
    id: i64,
    password_hash: &str,
    now: i64,
) -> AppResult<UserSummary> {
    let user = existing(tx, id, now)?;
    if user.id == admin.id {
        return Err(AppError::ConflictCode(
            ErrorCode::OwnAccount,
            "change your own password with your current one (POST /api/auth/password)".into(),
        ));
    }
    tx.execute(
        "UPDATE users SET password_hash = ?2, must_change_password = 1 WHERE id = ?1",
        params![id, password_hash],
    )?;
    let revoked = revoke_all(tx, admin, id, now)?;
    auth::audit(
        tx,
        Some(admin.id),
        "user.password_reset",
        Some(&user.username),
        Some(&detail(serde_json::json!({ "devices_revoked": revoked }))),
    )?;
    get(tx, id, now)
}

/// Deactivates (every device revoked at once; sessions, proposals and actions stay theirs) or
/// reactivates a user. Asking for the state the user is in changes nothing and logs nothing.
pub fn set_active(
    tx: &Transaction<'_>,
    admin: &AuthUser,
    id: i64,
    active: bool,
    now: i64,
) -> AppResult<UserSummary> {
    let user = existing(tx, id, now)?;
    if user.active == active {
        return Ok(user);
    }
    if active {
        tx.execute("UPDATE users SET disabled = 0 WHERE id = ?1", [id])?;
        auth::audit(
            tx,
            Some(admin.id),
            "user.reactivate",
            Some(&user.username),
            None,
        )?;
    } else {
        keep_an_admin(tx, &user, "deactivated")?;
        if user.id == admin.id {
            return Err(AppError::ConflictCode(
                ErrorCode::OwnAccount,
                "an administrator cannot deactivate their own account: another administrator must"
                    .into(),
            ));
        }
        tx.execute("UPDATE users SET disabled = 1 WHERE id = ?1", [id])?;
        let revoked = revoke_all(tx, admin, id, now)?;
        auth::audit(
            tx,
            Some(admin.id),
            "user.deactivate",
            Some(&user.username),
            Some(&detail(serde_json::json!({ "devices_revoked": revoked }))),
        )?;
    }
    get(tx, id, now)
}

/// What a `PATCH` changes, checked (the role parsed, the name trimmed).
#[derive(Default)]
pub struct Update {
    pub role: Option<Role>,
    /// `Some(None)` clears the name.
    pub display_name: Option<Option<String>>,
    pub poles: Option<Vec<String>>,
}

/// Changes a user's role, display name and poles, each logged on its own when it changes.
pub fn update(
    tx: &Transaction<'_>,
    admin: &AuthUser,
    id: i64,
    change: &Update,
    now: i64,
) -> AppResult<UserSummary> {
    let user = existing(tx, id, now)?;
    if let Some(role) = change.role.filter(|r| *r != user.role) {
        keep_an_admin(tx, &user, "given another role")?;
        tx.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![id, role.code()],
        )?;
        auth::audit(
            tx,
            Some(admin.id),
            "user.role",
            Some(&user.username),
            Some(&detail(
                serde_json::json!({ "before": user.role.code(), "after": role.code() }),
            )),
        )?;
    }
    if let Some(name) = change
        .display_name
        .as_ref()
        .filter(|n| **n != user.display_name)
    {
        tx.execute(
            "UPDATE users SET display_name = ?2 WHERE id = ?1",
            params![id, name],
        )?;
        auth::audit(
            tx,
            Some(admin.id),
            "user.display_name",
            Some(&user.username),
            Some(&detail(
                serde_json::json!({ "before": user.display_name, "after": name }),
            )),
        )?;
    }
    if let Some(poles) = &change.poles {
        let poles = check_poles(tx, poles)?;
        let (mut before, mut after) = (user.poles.clone(), poles.clone());
        before.sort();
        after.sort();
        if before != after {
            set_poles(tx, id, &poles)?;
            auth::audit(
                tx,
                Some(admin.id),
                "user.poles",
                Some(&user.username),
                Some(&detail(
                    serde_json::json!({ "before": user.poles, "after": poles }),
                )),
            )?;
        }
    }
    get(tx, id, now)
}

/// The caller as `GET /api/me` shows them.
pub fn me(tx: &Transaction<'_>, user: &AuthUser) -> AppResult<Me> {
    let display_name: Option<String> = tx.query_row(
        "SELECT display_name FROM users WHERE id = ?1",
        [user.id],
        |r| r.get(0),
    )?;
    Ok(Me {
        username: user.username.clone(),
        display_name,
        role: user.role,
        must_change_password: user.must_change_password,
        poles: auth::user_poles(tx, user.id)?,
    })
}

/// Sets the caller's own password (its current one was checked against `checked_hash`, the
/// new one hashed by the caller) and ends the one-time password's hold.
pub fn change_own_password(
    tx: &Transaction<'_>,
    user: &AuthUser,
    checked_hash: &str,
    new_hash: &str,
) -> AppResult<()> {
    let now_hash: Option<String> = tx
        .query_row(
            "SELECT password_hash FROM users WHERE id = ?1 AND disabled = 0",
            [user.id],
            |r| r.get(0),
        )
        .optional()?;
    // Reset or deactivated by an administrator between the check and this write.
    if now_hash.as_deref() != Some(checked_hash) {
        return Err(AppError::Conflict(
            "the password was changed meanwhile: log in again".into(),
        ));
    }
    tx.execute(
        "UPDATE users SET password_hash = ?2, must_change_password = 0 WHERE id = ?1",
        params![user.id, new_hash],
    )?;
    auth::audit(
        tx,
        Some(user.id),
        "user.password_change",
        Some(&user.username),
        user.must_change_password
            .then_some(r#"{"one_time_password_replaced":true}"#),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_passwords_pass_the_rules_and_differ() {
        let a = draw_password();
        let b = draw_password();
        assert_eq!(a.chars().count(), ONE_TIME_LEN);
        assert!(check_new_password("fatima", &a).is_ok());
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| ONE_TIME_ALPHABET.contains(&c)));
    }

    #[test]
    fn roles_names_and_passwords_are_checked() {
        assert_eq!(parse_role(" office ").unwrap(), Role::Office);
        assert!(parse_role("root").is_err());
        assert_eq!(check_display_name(Some("  ")).unwrap(), None);
        assert_eq!(
            check_display_name(Some(" فاطمة ")).unwrap().as_deref(),
            Some("فاطمة")
        );
        assert!(check_display_name(Some(&"x".repeat(101))).is_err());
        assert!(check_new_password("fatima.z", "Fatima.Z").is_err());
        assert!(check_new_password("fatima.z", "short").is_err());
    }
}

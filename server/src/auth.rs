//! Users, argon2id password hashes, bearer tokens and the extractor that checks them.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use axum::{extract::FromRequestParts, http::request::Parts};
use base64::Engine;
use rand::RngCore;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use tachkhis_shared::api::{LoginResponse, Role};

use crate::{
    AppState,
    db::now_secs,
    error::{AppError, AppResult},
};

pub const MAX_USERNAME_CHARS: usize = 64;
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// The user a request acts for.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

impl AuthUser {
    pub fn require(&self, allowed: impl Fn(Role) -> bool) -> AppResult<()> {
        if allowed(self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let mut raw = [0u8; 16];
    rand::rng().fill_bytes(&mut raw);
    let salt = SaltString::encode_b64(&raw).map_err(AppError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn validate_username(username: &str) -> AppResult<()> {
    let ok = !username.is_empty()
        && username.chars().count() <= MAX_USERNAME_CHARS
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_request(
            "bad_username",
            format!("a username is 1 to {MAX_USERNAME_CHARS} letters, digits or . - _ @"),
        ))
    }
}

pub fn validate_password(password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        Ok(())
    } else {
        Err(AppError::bad_request(
            "bad_password",
            format!("a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ))
    }
}

/// Creates a user; the password is hashed here (slow on purpose: call off the async runtime).
pub fn create_user(
    tx: &Transaction<'_>,
    username: &str,
    password: &str,
    role: Role,
) -> AppResult<i64> {
    validate_username(username)?;
    validate_password(password)?;
    let exists: Option<i64> = tx
        .query_row(
            "SELECT id FROM users WHERE username = ?1",
            [username],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Err(AppError::Conflict(format!(
            "the user '{username}' already exists"
        )));
    }
    let hash = hash_password(password)?;
    tx.execute(
        "INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![username, hash, role.code(), now_secs()],
    )?;
    let id = tx.last_insert_rowid();
    audit(
        tx,
        Some(id),
        "user.create",
        Some(username),
        Some(role.code()),
    )?;
    Ok(id)
}

/// Checks the password and issues a token. Unknown users cost the same time as wrong passwords.
pub fn login(
    tx: &Transaction<'_>,
    username: &str,
    password: &str,
    ttl_days: i64,
) -> AppResult<LoginResponse> {
    let row: Option<(i64, String, String, bool)> = tx
        .query_row(
            "SELECT id, password_hash, role, disabled FROM users WHERE username = ?1",
            [username],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((user_id, hash, role, disabled)) = row else {
        // Same work as a real check, so response time does not reveal which usernames exist.
        let _ = verify_password(password, DUMMY_HASH);
        return Err(AppError::Unauthorized("bad_credentials"));
    };
    if !verify_password(password, &hash) || disabled {
        return Err(AppError::Unauthorized("bad_credentials"));
    }
    let role =
        Role::from_code(&role).ok_or_else(|| AppError::internal(format!("unknown role {role}")))?;
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let now = now_secs();
    let expires_at = now + ttl_days * 86_400;
    tx.execute(
        "INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash(&token), user_id, now, expires_at],
    )?;
    Ok(LoginResponse {
        token,
        role,
        username: username.to_string(),
        expires_at,
    })
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Vfm0H+1BoM6xbWhIjh2o7yvlUO0tQz9VpUFMpW6VLmc";

pub fn user_for_token(tx: &Transaction<'_>, token: &str) -> AppResult<Option<AuthUser>> {
    let row = tx
        .query_row(
            "SELECT u.id, u.username, u.role FROM tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2 AND u.disabled = 0",
            params![token_hash(token), now_secs()],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
        )
        .optional()?;
    Ok(row.and_then(|(id, username, role)| {
        Role::from_code(&role).map(|role| AuthUser { id, username, role })
    }))
}

pub fn audit(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    action: &str,
    target: Option<&str>,
    detail: Option<&str>,
) -> AppResult<()> {
    tx.execute(
        "INSERT INTO audit_log (at, user_id, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now_secs(), user_id, action, target, detail],
    )?;
    Ok(())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AppError::Unauthorized("missing_token"))?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(AppError::Unauthorized("missing_token"))?
            .to_string();
        state
            .db
            .read(move |tx| user_for_token(tx, &token))
            .await?
            .ok_or(AppError::Unauthorized("invalid_token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        let h = hash_password("tachkhis-demo").unwrap();
        assert!(verify_password("tachkhis-demo", &h));
        assert!(!verify_password("other", &h));
    }

    #[test]
    fn usernames_are_checked() {
        assert!(validate_username("fatima.z").is_ok());
        assert!(validate_username("فاطمة").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username("a b").is_err());
    }
}

//! Users, argon2id password hashes, bearer tokens and the extractor that checks them.

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher, Version,
    password_hash::{Output, Salt, SaltString},
};
use axum::{extract::FromRequestParts, http::request::Parts};
use base64::Engine;
use rand::RngCore;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use tachkhis_shared::api::{LoginResponse, Role};
use tachkhis_shared::codes::ErrorCode;

use crate::{
    AppState,
    db::now_secs,
    http::error::{AppError, AppResult},
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
    /// Holds a one-time password: only changing it (and logging out) is allowed.
    pub must_change_password: bool,
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

/// Slow on purpose (argon2id): never call it on the async runtime or inside the write lock.
/// Checks as argon2's own `verify_password` does (the hash's algorithm, version, parameters and
/// salt; a constant-time comparison), with its working memory from [`working_memory`].
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else {
        return false;
    };
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let memory = working_memory(&params);
    Argon2::new(algorithm, version.unwrap_or_default(), params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
        .is_ok()
        && Output::new(&out).is_ok_and(|out| out == expected)
}

/// Bytes reserved for argon2's working memory (19 MiB by default): more than glibc's largest
/// mmap threshold (32 MiB on 64-bit), so that the allocation is always a mapping of its own,
/// given back to the system when the check ends. Below it, glibc raises its threshold after the
/// first check and keeps each checking thread's 19 MiB resident in that thread's arena: about
/// 100 MB of a server that is otherwise 33 MB idle. Only the blocks argon2 uses are written,
/// so the rest is never resident.
const WORKING_MEMORY_BYTES: usize = 33 * 1024 * 1024;

fn working_memory(params: &Params) -> Vec<Block> {
    let blocks = params.block_count();
    let mut memory = Vec::with_capacity(blocks.max(WORKING_MEMORY_BYTES / Block::SIZE));
    memory.resize(blocks, Block::default());
    memory
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
            ErrorCode::BadUsername,
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
            ErrorCode::BadPassword,
            format!("a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ))
    }
}

/// Creates a user; the password is hashed here (slow on purpose: call off the async runtime).
/// For the command line, the first run and the demo: the user chose the password.
pub fn create_user(
    tx: &Transaction<'_>,
    username: &str,
    password: &str,
    role: Role,
) -> AppResult<i64> {
    validate_username(username)?;
    validate_password(password)?;
    check_username_free(tx, username)?;
    let hash = hash_password(password)?;
    let id = insert_user(tx, username, &hash, role, false, None)?;
    audit(
        tx,
        Some(id),
        "user.create",
        Some(username),
        Some(role.code()),
    )?;
    Ok(id)
}

/// 409 when a user's name is `username` once folded (case, Arabic letter variants, digits:
/// `text::normalize`), so that two accounts never read alike in a list or an audit entry.
pub fn check_username_free(tx: &Transaction<'_>, username: &str) -> AppResult<()> {
    let key = tachkhis_shared::text::normalize(username);
    let mut stmt = tx.prepare("SELECT username FROM users")?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for name in names {
        let name = name?;
        if name == username || tachkhis_shared::text::normalize(&name) == key {
            return Err(AppError::ConflictCode(
                ErrorCode::UsernameTaken,
                format!("the user '{name}' already exists"),
            ));
        }
    }
    Ok(())
}

/// Inserts a user whose name was checked and password hashed; no audit (the caller's).
pub fn insert_user(
    tx: &Transaction<'_>,
    username: &str,
    password_hash: &str,
    role: Role,
    must_change_password: bool,
    display_name: Option<&str>,
) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO users (username, password_hash, role, created_at, must_change_password,
                            display_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            username,
            password_hash,
            role.code(),
            now_secs(),
            must_change_password,
            display_name
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// What a login needs to know about a user, read on a reader connection before the password
/// check (which runs outside any transaction).
#[derive(Debug, Clone)]
pub struct LoginRow {
    pub user_id: i64,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub must_change_password: bool,
}

pub fn find_login(tx: &Transaction<'_>, username: &str) -> AppResult<Option<LoginRow>> {
    Ok(tx
        .query_row(
            "SELECT id, password_hash, role, disabled, must_change_password
             FROM users WHERE username = ?1",
            [username],
            |r| {
                Ok(LoginRow {
                    user_id: r.get(0)?,
                    password_hash: r.get(1)?,
                    role: r.get(2)?,
                    disabled: r.get(3)?,
                    must_change_password: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// The ids of the poles a user works in, in the poles' order.
pub fn user_poles(tx: &Transaction<'_>, user_id: i64) -> AppResult<Vec<String>> {
    let mut stmt = tx.prepare(
        "SELECT up.pole_id FROM user_poles up JOIN poles p ON p.id = up.pole_id
         WHERE up.user_id = ?1 ORDER BY p.position, p.id",
    )?;
    let poles = stmt
        .query_map([user_id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(poles)
}

/// The hash to check a password against: the user's, or for an unknown username a dummy one,
/// so the answer takes as long and does not tell which usernames exist.
pub fn hash_to_check(row: Option<&LoginRow>) -> String {
    row.map_or(DUMMY_HASH, |r| r.password_hash.as_str())
        .to_string()
}

/// Issues a token for a user whose password was checked. Inside a write transaction: it also
/// re-reads the user, so one disabled (or whose password changed) meanwhile gets nothing.
pub fn issue_token(
    tx: &Transaction<'_>,
    username: &str,
    checked: &LoginRow,
    ttl_days: i64,
) -> AppResult<LoginResponse> {
    let now_row = find_login(tx, username)?;
    let Some(row) = now_row.filter(|r| {
        r.user_id == checked.user_id && r.password_hash == checked.password_hash && !r.disabled
    }) else {
        return Err(AppError::Unauthorized(ErrorCode::BadCredentials));
    };
    let role = Role::from_code(&row.role)
        .ok_or_else(|| AppError::internal(format!("unknown role {}", row.role)))?;
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let now = now_secs();
    let expires_at = now.saturating_add(ttl_days.saturating_mul(86_400));
    let mut public = [0u8; 6];
    rand::rng().fill_bytes(&mut public);
    tx.execute(
        "INSERT INTO tokens (token_hash, user_id, created_at, expires_at, public_id)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            token_hash(&token),
            row.user_id,
            now,
            expires_at,
            hex(&public)
        ],
    )?;
    Ok(LoginResponse {
        token,
        role,
        username: username.to_string(),
        expires_at,
        must_change_password: row.must_change_password,
        poles: user_poles(tx, row.user_id)?,
    })
}

/// Checks the password and issues a token in one go, for tools and tests that already hold a
/// transaction. It hashes inside that transaction: the HTTP route does not use it (see
/// `routes::auth::login`, which checks outside the write lock, with limits).
pub fn login(
    tx: &Transaction<'_>,
    username: &str,
    password: &str,
    ttl_days: i64,
) -> AppResult<LoginResponse> {
    let row = find_login(tx, username)?;
    let ok = verify_password(password, &hash_to_check(row.as_ref()));
    match row {
        Some(row) if ok && !row.disabled => issue_token(tx, username, &row, ttl_days),
        _ => Err(AppError::Unauthorized(ErrorCode::BadCredentials)),
    }
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Vfm0H+1BoM6xbWhIjh2o7yvlUO0tQz9VpUFMpW6VLmc";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The device (login token) a request comes from, as the server last saw it.
#[derive(Debug, Clone)]
pub struct Device {
    /// Short public id of the token (never the token or its hash).
    pub public_id: String,
    pub last_used_at: Option<i64>,
    pub peer_id: Option<String>,
    pub user_agent: Option<String>,
}

/// The user and the device (token) a request acts for: what sync and logout need.
#[derive(Debug, Clone)]
pub struct AuthDevice {
    pub user: AuthUser,
    pub device: Device,
    /// The `User-Agent` of this request (cut to [`MAX_USER_AGENT_CHARS`]).
    pub user_agent: Option<String>,
}

pub const MAX_USER_AGENT_CHARS: usize = 256;

/// Seconds between two writes of a device's "last used" when nothing else changed.
pub const TOUCH_INTERVAL_SECS: i64 = 60;

/// Resolves a bearer token, telling revoked and expired tokens apart from unknown ones: a
/// revoked tablet must be told so (and that its work is kept), not merely "unauthorized".
pub fn authenticate(tx: &Transaction<'_>, token: &str, now: i64) -> AppResult<(AuthUser, Device)> {
    type Row = (
        i64,
        String,
        String,
        bool,
        bool,
        Option<i64>,
        i64,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = tx
        .query_row(
            "SELECT u.id, u.username, u.role, u.disabled, u.must_change_password, t.revoked_at,
                    t.expires_at, t.public_id, t.last_used_at, t.peer_id, t.user_agent
             FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1",
            params![token_hash(token)],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            },
        )
        .optional()?;
    let Some((
        id,
        username,
        role,
        disabled,
        must_change_password,
        revoked_at,
        expires_at,
        public_id,
        last_used_at,
        peer_id,
        user_agent,
    )) = row
    else {
        // After a restore, an unknown token may be a login issued after the backup: its
        // tablet must log in again and resync, which `token_expired` tells it.
        if crate::db::backup::was_restored(tx)? {
            return Err(AppError::Unauthorized(ErrorCode::TokenExpired));
        }
        return Err(AppError::Unauthorized(ErrorCode::InvalidToken));
    };
    if revoked_at.is_some() {
        return Err(AppError::Unauthorized(ErrorCode::TokenRevoked));
    }
    if expires_at <= now {
        return Err(AppError::Unauthorized(ErrorCode::TokenExpired));
    }
    let role = Role::from_code(&role).filter(|_| !disabled);
    let Some(role) = role else {
        return Err(AppError::Unauthorized(ErrorCode::InvalidToken));
    };
    Ok((
        AuthUser {
            id,
            username,
            role,
            must_change_password,
        },
        Device {
            public_id,
            last_used_at,
            peer_id,
            user_agent,
        },
    ))
}

/// Inside a write transaction: refuses a token revoked since the request was authenticated,
/// so a sync racing its tablet's revocation stores nothing.
pub fn check_still_valid(tx: &Transaction<'_>, public_id: &str, now: i64) -> AppResult<()> {
    let row: Option<(Option<i64>, i64)> = tx
        .query_row(
            "SELECT revoked_at, expires_at FROM tokens WHERE public_id = ?1",
            [public_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Err(AppError::Unauthorized(ErrorCode::InvalidToken)),
        Some((Some(_), _)) => Err(AppError::Unauthorized(ErrorCode::TokenRevoked)),
        Some((None, expires)) if expires <= now => {
            Err(AppError::Unauthorized(ErrorCode::TokenExpired))
        }
        Some(_) => Ok(()),
    }
}

impl AuthDevice {
    /// True when the device row is worth a write: first use, a new peer id or browser, or the
    /// last write older than [`TOUCH_INTERVAL_SECS`]. Keeps busy tablets from writing each sync.
    pub fn needs_touch(&self, peer_id: &str, now: i64) -> bool {
        let d = &self.device;
        d.last_used_at
            .is_none_or(|t| now.saturating_sub(t) >= TOUCH_INTERVAL_SECS)
            || d.peer_id.as_deref() != Some(peer_id)
            || d.user_agent != self.user_agent
    }

    /// Records that the device synced now as `peer_id` (the caller's transaction).
    pub fn touch(&self, tx: &Transaction<'_>, peer_id: &str, now: i64) -> AppResult<()> {
        tx.execute(
            "UPDATE tokens SET last_used_at = ?2, peer_id = ?3, user_agent = ?4 WHERE public_id = ?1",
            params![self.device.public_id, now, peer_id, self.user_agent],
        )?;
        Ok(())
    }
}

pub fn audit(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    action: &str,
    target: Option<&str>,
    detail: Option<&str>,
) -> AppResult<()> {
    audit_at(tx, now_secs(), user_id, action, target, detail)
}

/// An audit entry for something that happened at `at` (written later, in a batch).
pub fn audit_at(
    tx: &Transaction<'_>,
    at: i64,
    user_id: Option<i64>,
    action: &str,
    target: Option<&str>,
    detail: Option<&str>,
) -> AppResult<()> {
    tx.execute(
        "INSERT INTO audit_log (at, user_id, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, user_id, action, target, detail],
    )?;
    Ok(())
}

fn bearer_token(parts: &Parts) -> AppResult<String> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(AppError::Unauthorized(ErrorCode::MissingToken))?;
    Ok(header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or(AppError::Unauthorized(ErrorCode::MissingToken))?
        .to_string())
}

/// Any valid login, one holding a one-time password included: what changing one's password,
/// logging out and `GET /api/me` take. Every other route takes [`AuthUser`] or [`AuthDevice`],
/// which refuse such a login with 403 `password_change_required`.
pub struct AnyLogin(pub AuthDevice);

impl FromRequestParts<AppState> for AnyLogin {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| {
                ua.trim()
                    .chars()
                    .take(MAX_USER_AGENT_CHARS)
                    .collect::<String>()
            })
            .filter(|ua| !ua.is_empty());
        let (user, device) = state
            .db
            .read(move |tx| authenticate(tx, &token, now_secs()))
            .await?;
        Ok(AnyLogin(AuthDevice {
            user,
            device,
            user_agent,
        }))
    }
}

impl FromRequestParts<AppState> for AuthDevice {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let AnyLogin(caller) = AnyLogin::from_request_parts(parts, state).await?;
        if caller.user.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(AuthDevice::from_request_parts(parts, state).await?.user)
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
        assert!(!verify_password("tachkhis-demo", DUMMY_HASH));
    }

    /// The check agrees with argon2's own verifier on hashes of other parameters, versions
    /// and algorithms, and refuses what it refuses.
    #[test]
    fn the_check_agrees_with_argon2s_verifier() {
        use argon2::PasswordVerifier;
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let mut hashes = vec![hash_password("كلمة السر").unwrap()];
        for (alg, version, params) in [
            (
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(8, 1, 1, None).unwrap(),
            ),
            (
                Algorithm::Argon2i,
                Version::V0x13,
                Params::new(16, 2, 2, Some(24)).unwrap(),
            ),
            (
                Algorithm::Argon2d,
                Version::V0x10,
                Params::new(32, 3, 1, Some(64)).unwrap(),
            ),
        ] {
            let h = Argon2::new(alg, version, params)
                .hash_password("كلمة السر".as_bytes(), &salt)
                .unwrap()
                .to_string();
            hashes.push(h);
        }
        for h in &hashes {
            let parsed = PasswordHash::new(h).unwrap();
            for password in ["كلمة السر", "كلمة السر ", ""] {
                let theirs = Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok();
                assert_eq!(
                    verify_password(password, h),
                    theirs,
                    "{password:?} against {h}"
                );
            }
            assert!(verify_password("كلمة السر", h));
        }
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password(
            "x",
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ"
        ));
    }

    #[test]
    fn usernames_are_checked() {
        assert!(validate_username("fatima.z").is_ok());
        assert!(validate_username("فاطمة").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username("a b").is_err());
    }
}

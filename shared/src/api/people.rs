//! The people of the commune as the administrator manages them (`/api/admin/users`), one's own
//! password (`/api/auth/password`) and who one is (`/api/me`).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::Role;

/// A user as the administrator's list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// False once deactivated: no login, every device revoked, their work kept.
    pub active: bool,
    /// Unix time, seconds.
    pub created_at: i64,
    /// The latest login or sync of any of their devices (Unix seconds); None if never.
    pub last_activity: Option<i64>,
    /// Devices (logins) neither revoked nor expired.
    pub devices: u32,
    /// The poles they work in (ids from the reference data), offered first on their tablet.
    pub poles: Vec<String>,
    /// They were given a one-time password and have not chosen their own yet.
    pub must_change_password: bool,
}

/// `POST /api/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewUser {
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `admin`, `facilitator`, `office` or `committee`.
    pub role: String,
    /// The one-time password; none makes the server draw one (answered once).
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub poles: Vec<String>,
}

/// The answer to a creation or a password reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserPassword {
    pub user: UserSummary,
    /// The password the server drew, shown this once (never stored in clear, never logged);
    /// None when the administrator typed it.
    pub one_time_password: Option<String>,
}

/// `POST /api/admin/users/{id}/password`: a new one-time password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordReset {
    /// None makes the server draw one.
    #[serde(default)]
    pub password: Option<String>,
}

/// `PATCH /api/admin/users/{id}`: what is given changes, what is left out stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Empty clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The whole list of their poles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poles: Option<Vec<String>>,
}

/// `POST /api/auth/password`: one's own password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// `GET /api/me`: the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub must_change_password: bool,
    pub poles: Vec<String>,
}

//! Logins, devices and the audit log.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginResponse {
    pub token: String,
    pub role: Role,
    pub username: String,
    /// Unix time in seconds after which the token no longer works.
    pub expires_at: i64,
    /// The password is a one-time password: every request but `POST /api/auth/password`
    /// (and logout, `GET /api/me`) is refused with 403 `password_change_required` until the
    /// user chooses their own.
    #[serde(default)]
    pub must_change_password: bool,
    /// The poles the user works in (the tablet offers them first); older servers send none.
    #[serde(default)]
    pub poles: Vec<String>,
}

/// One entry of the audit log: who did what, when (office, council and admin changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    /// Unix time, seconds.
    pub at: i64,
    pub username: Option<String>,
    /// e.g. `needs.merge`, `project.update`, `login`.
    pub action: String,
    pub target: Option<String>,
    /// JSON text with the particulars.
    pub detail: Option<String>,
}

/// A device: one login (bearer token) on a tablet or a browser, as the administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Device {
    /// Short public id of the login (never the token).
    pub id: String,
    pub username: String,
    pub role: Role,
    /// Unix times, seconds.
    pub created_at: i64,
    pub expires_at: i64,
    /// Last sync seen from it (recorded at most once a minute).
    pub last_used_at: Option<i64>,
    /// The sync peer id the device last used.
    pub peer_id: Option<String>,
    pub user_agent: Option<String>,
    pub label: Option<String>,
    /// Set once revoked (by an administrator, or by logging out); it can no longer sync.
    pub revoked_at: Option<i64>,
    /// Who revoked it; None with `revoked_at` set means the user logged out.
    pub revoked_by: Option<String>,
    /// True for the login making this request.
    pub current: bool,
}

/// `PATCH /api/admin/devices/{id}`: names a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeviceLabel {
    /// Up to 100 characters; empty clears it.
    pub label: String,
}

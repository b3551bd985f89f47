//! JSON request and response bodies of the HTTP API, shared by the server and the client.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

pub mod auth;
pub mod consolidation;
pub mod programme;
pub mod sessions;

pub use crate::codes::ErrorCode;
pub use auth::*;
pub use sessions::*;

/// Roles decide what a user may do (product.md, "Who uses it").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Facilitator,
    Office,
    Committee,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::Facilitator,
        Role::Office,
        Role::Committee,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Facilitator => "facilitator",
            Role::Office => "office",
            Role::Committee => "committee",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Role::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// Who may send session documents: the people who run or consolidate sessions.
    pub fn can_sync(self) -> bool {
        matches!(self, Role::Admin | Role::Facilitator | Role::Office)
    }
}

/// Every error the API returns: a stable machine code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    /// Stable code, e.g. `bad_request`, `unauthorized`, `not_found`, `bad_sync_message`.
    pub error: ErrorCode,
    pub message: String,
    /// The document a sync error is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    pub schema_version: u64,
}

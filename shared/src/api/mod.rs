//! JSON request and response bodies of the HTTP API, shared by the server and the client.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

pub mod auth;
pub mod consolidation;
// The follow-up's dashboards and a project's story (issue 15, dash).
pub mod dashboard;
// Six years of follow-up (issue 15).
pub mod execution;
pub mod gender;
pub mod monitoring;
// The council's bodies and opinions (issue 14).
pub mod opinions;
pub mod people;
// The three-year programming and the annual evaluation (issue 15, plan3).
pub mod photos;
pub mod plan;
pub mod priorities;
pub mod procedure;
pub mod programme;
// Public pages, publishing and open data (issue 16, public).
pub mod public;
pub mod sessions;
pub mod setup;
pub mod territory;

pub use crate::codes::ErrorCode;
pub use auth::*;
pub use people::*;
pub use sessions::*;
pub use setup::*;

/// Roles and what each may do: `crate::permissions` (here for the JSON types that carry one).
pub use crate::permissions::Role;

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

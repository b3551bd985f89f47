//! Photos of sessions (issue 11): the upload's questions and answers, the office's list, the
//! retention setting. The bytes themselves travel as `application/octet-stream`.

use serde::{Deserialize, Serialize};

use crate::codes::PhotoKind;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Bytes a chunk of an upload may carry: the tablet sends 32 KiB (about 10 s on 2G/EDGE, so a
/// cut costs at most that); the server takes up to this.
pub const MAX_PHOTO_CHUNK: usize = 256 * 1024;

/// "Which of these do you have?": the tablet asks before sending, and after a cut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PhotoStatusRequest {
    /// SHA-256 names, at most 100.
    pub hashes: Vec<String>,
}

/// Where one photo stands on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhotoUploadState {
    /// Whole and checked: the tablet may free its copy.
    Stored,
    /// Deleted by the retention period: not to be sent again; the tablet may free its copy.
    Purged,
    /// Part of it came (`received` bytes): send the rest from there.
    Partial,
    /// Nothing of it yet, and a session the server holds names it: send it.
    Missing,
    /// No session the server holds names it (the document has not synced yet): wait.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PhotoStatus {
    pub hash: String,
    pub state: PhotoUploadState,
    /// Bytes the server holds of it (its size when stored).
    pub received: u64,
}

/// A session's photo as the office reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionPhoto {
    pub hash: String,
    pub kind: PhotoKind,
    pub caption: String,
    /// Unix time in milliseconds, on the tablet that took it.
    pub taken_at: i64,
    pub taken_by: String,
    pub bytes: u64,
    pub mime: String,
    pub deleted: bool,
    /// Whether the server holds its bytes (else it has not been uploaded yet, or was purged).
    pub stored: bool,
    pub purged: bool,
}

/// How long the server keeps photos (personal data: names, signatures, faces; Law 09-08).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PhotoSettings {
    /// Days a photo is kept after the server received it, 1 to 3,650.
    pub retention_days: u32,
}

/// What a purge deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PhotoPurge {
    pub purged: u64,
}

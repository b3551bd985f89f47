//! One error type for the whole API: every failure becomes `{error, message}` JSON with the
//! right status. Internal details are logged, never sent.

use axum::{
    Json,
    extract::{
        path::ErrorKind,
        rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection},
    },
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use tachkhis_shared::{api::ErrorBody, codes::ErrorCode};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest {
        code: ErrorCode,
        message: String,
        doc_id: Option<Uuid>,
    },
    #[error("{}", unauthorized_message(.0))]
    Unauthorized(ErrorCode),
    /// 403 `forbidden`: the permission table (`Role::can`) refuses the caller's role.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// 409 with a code of its own (`last_admin`): a conflict the client explains in words.
    #[error("{1}")]
    ConflictCode(ErrorCode, String),
    /// 403 `password_change_required`: the user holds a one-time password.
    #[error(
        "this account has a one-time password: choose your own (POST /api/auth/password) before anything else"
    )]
    PasswordChangeRequired,
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// 429 with `Retry-After`: failed logins for this account or from this address must wait.
    #[error("{message}")]
    TooManyAttempts {
        message: String,
        retry_after: std::time::Duration,
    },
    /// 503 `setup_required`: the first run's set-up is not done yet.
    #[error(
        "this server is not set up yet: give the set-up code printed by `tachkhis serve` at /setup, or run `tachkhis init`"
    )]
    SetupRequired,
    /// Any other 4xx with its own code (the photos' 404 `unknown_photo`, 409
    /// `upload_offset`, 413 `photo_too_large`, 415 `photo_type`).
    #[error("{message}")]
    Coded {
        status: StatusCode,
        code: ErrorCode,
        message: String,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a 401 says to people, by its code. A revoked tablet's facilitator must learn that their
/// work is safe on the tablet, not only that access ended.
fn unauthorized_message(code: &ErrorCode) -> &'static str {
    match code {
        ErrorCode::TokenRevoked => {
            "this tablet's login was revoked by an administrator (or logged out): it can no longer \
             sync; the work on the tablet is kept and can still be exported"
        }
        ErrorCode::TokenExpired => {
            "this login has expired: log in again to sync; the work on the tablet is kept"
        }
        ErrorCode::BadCredentials => "wrong username or password",
        _ => "authentication required",
    }
}

impl AppError {
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
            doc_id: None,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::Internal(format!("database: {e}"))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::Internal(format!("task: {e}"))
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::PayloadTooLarge;
        }
        AppError::bad_request(ErrorCode::BadJson, r.body_text())
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::bad_request(ErrorCode::BadQuery, r.body_text())
    }
}

/// Every path parameter of the API is an id: a bad one is 400 `bad_id` saying which value.
impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        let PathRejection::FailedToDeserializePathParams(e) = &r else {
            // A route whose handler asks for parameters its path does not have: our bug.
            return AppError::internal(r.body_text());
        };
        let message = match e.kind() {
            ErrorKind::ParseError {
                value,
                expected_type,
            }
            | ErrorKind::ParseErrorAtIndex {
                value,
                expected_type,
                ..
            }
            | ErrorKind::ParseErrorAtKey {
                value,
                expected_type,
                ..
            } => format!(
                "'{value}' in the path is not {}",
                if expected_type.contains("Uuid") {
                    "a UUID"
                } else if expected_type.starts_with('i') || expected_type.starts_with('u') {
                    "a whole number"
                } else {
                    "a valid id"
                }
            ),
            // Uuid's own parse error, through serde.
            ErrorKind::DeserializeError { value, message, .. } if message.contains("UUID") => {
                format!("'{value}' in the path is not a UUID")
            }
            ErrorKind::DeserializeError { value, message, .. } => {
                format!("'{value}' in the path is not a valid id: {message}")
            }
            other => format!("the path is not valid: {other}"),
        };
        AppError::bad_request(ErrorCode::BadId, message)
    }
}

impl From<BytesRejection> for AppError {
    fn from(r: BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::PayloadTooLarge;
        }
        AppError::bad_request(ErrorCode::BadBody, r.body_text())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, doc_id) = match &self {
            AppError::BadRequest { code, doc_id, .. } => {
                (StatusCode::BAD_REQUEST, code.clone(), *doc_id)
            }
            AppError::Unauthorized(code) => (StatusCode::UNAUTHORIZED, code.clone(), None),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden, None),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound, None),
            AppError::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict, None),
            AppError::ConflictCode(code, _) => (StatusCode::CONFLICT, code.clone(), None),
            AppError::PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                ErrorCode::PasswordChangeRequired,
                None,
            ),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                None,
            ),
            AppError::TooManyAttempts { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyAttempts,
                None,
            ),
            AppError::SetupRequired => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::SetupRequired,
                None,
            ),
            AppError::Coded { status, code, .. } => (*status, code.clone(), None),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, None)
            }
        };
        let message = match &self {
            AppError::Internal(_) => "the server could not complete the request".to_string(),
            other => other.to_string(),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: code,
                message,
                doc_id,
            }),
        )
            .into_response();
        if let AppError::TooManyAttempts { retry_after, .. } = &self {
            let secs = crate::users::login_limit::retry_after_secs(*retry_after);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

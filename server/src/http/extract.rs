//! Extractors whose rejections speak the API's error shape.

use crate::http::error::AppError;
use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
};
use tachkhis_shared::codes::ErrorCode;

/// `axum::Json` with `{error, message}` rejections.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` with `{error, message}` rejections.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// A numeric id from the path, or a 400 that says which id was wrong.
pub fn parse_id(raw: &str, what: &'static str) -> Result<i64, AppError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        AppError::bad_request(ErrorCode::BadId, format!("the {what} id is not a number"))
    })
}

/// The raw body, within the route's body limit.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(RawBody(Bytes::from_request(req, state).await?))
    }
}

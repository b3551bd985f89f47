//! The PAC as a printable document (`document`): `GET /api/pac/document` (`?version=N`,
//! `?lang=ar|fr`) and its stylesheet. A read of the procedure (`Action::ReadProcedure`): the
//! document holds the dated steps and the bodies' opinions beside the programme.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tachkhis_shared::{api::ErrorBody, codes::ErrorCode};

use super::Api;
use crate::{
    AppState,
    document::{self, Lang},
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Query, can},
};

pub fn router() -> Api {
    Api::new()
        .get("/pac/document", pac_document)
        .get("/pac/document.css", stylesheet)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DocumentParams {
    /// The version's number; without it, the current draft (live data), else the latest
    /// frozen version.
    pub version: Option<i64>,
    /// `ar` (default, right to left) or `fr`.
    pub lang: Option<String>,
}

/// The PAC as one printable HTML page: the commune and the procedure followed, the
/// participatory diagnosis, the priorities, the programme table, the project sheets, the
/// monitoring indicators, the committees' and the IEECAG's opinions. A frozen version is
/// rendered from the document stored when it was voted (409 if it was frozen without one).
#[utoipa::path(get, path = "/api/pac/document", tag = "procedure",
    params(DocumentParams),
    responses((status = 200, description = "the document", content_type = "text/html"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn pac_document(
    State(app): State<AppState>,
    _user: Allowed<can::ReadProcedure>,
    Query(params): Query<DocumentParams>,
) -> AppResult<Response> {
    let lang = match params.lang.as_deref() {
        None | Some("ar") => Lang::Ar,
        Some("fr") => Lang::Fr,
        Some(other) => {
            return Err(AppError::bad_request(
                ErrorCode::BadQuery,
                format!("lang must be ar or fr, not {other:?}"),
            ));
        }
    };
    let version = params.version;
    let doc = app
        .db
        .read(move |tx| document::document_of(tx, version))
        .await?;
    let html = document::render(&doc, lang, document::STYLESHEET_PATH);
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        html,
    )
        .into_response())
}

/// The document's print stylesheet: open to anyone, like the app's own files (it holds no
/// data).
#[utoipa::path(get, path = "/api/pac/document.css", tag = "procedure",
    responses((status = 200, description = "the stylesheet", content_type = "text/css")))]
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        document::STYLESHEET,
    )
        .into_response()
}

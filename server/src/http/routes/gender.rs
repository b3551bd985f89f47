//! The gender report (`programme::gender`): JSON for the screen and the printable page, or one
//! XLSX workbook. It holds counts of proposals, needs and sessions, so it follows the read rule
//! of needs (`Action::ReadNeeds`), like the needs per place.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use tachkhis_shared::{api::ErrorBody, api::gender::GenderReport, codes::ErrorCode};

use super::Api;
use super::programme::FormatParam;
use crate::{
    AppState,
    export::{self, FileFormat},
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Query, can},
    programme,
};

pub fn router() -> Api {
    Api::new().get("/reports/gender", gender_report)
}

/// What women's groups asked for beside men's (and the other groups) per sector, pole and
/// douar, participation by sex, youth and disability per pole, and the projects answering
/// needs raised mostly by women: JSON, or `?format=xlsx` (one sheet per part, right to left).
/// CSV is refused: the report is several tables.
#[utoipa::path(get, path = "/api/reports/gender", tag = "reports",
    params(FormatParam),
    responses((status = 200, description = "JSON or XLSX", content(
        (GenderReport = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn gender_report(
    State(app): State<AppState>,
    _user: Allowed<can::ReadNeeds>,
    Query(params): Query<FormatParam>,
) -> AppResult<Response> {
    let format = params.file_format()?;
    if format == Some(FileFormat::Csv) {
        return Err(AppError::bad_request(
            ErrorCode::BadFormat,
            "the gender report is several tables: use format=xlsx, or no format for JSON",
        ));
    }
    let report = app.db.read(programme::gender_report).await?;
    match format {
        None => Ok(Json(report).into_response()),
        Some(_) => {
            let tables = programme::gender_tables(&report);
            export::xlsx_response(&tables, "gender-report")
        }
    }
}

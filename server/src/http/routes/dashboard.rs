//! The follow-up's dashboards and a project's whole story (issue 15, dash): read only, under
//! `Action::ReadExecution`. The dashboard is one call per screen (JSON with its SVG charts), or
//! its tables as CSV (one table, a column naming the view) or XLSX (a sheet per view).

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tachkhis_shared::{
    api::ErrorBody,
    api::dashboard::{Dashboard, ProjectStory},
    codes::ErrorCode,
};

use super::Api;
use crate::{
    AppState,
    document::html::Lang,
    execution::{dashboard, story},
    export::{self, FileFormat},
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, Query, can},
};

pub fn router() -> Api {
    Api::new()
        .get("/dashboard", get_dashboard)
        .get("/projects/{id}/story", get_story)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DashboardParams {
    /// A budget year: only that year's records count.
    pub year: Option<String>,
    /// A programme id.
    pub programme: Option<String>,
    /// A pole id: projects located in it.
    pub pole: Option<String>,
    /// `ar` (default) or `fr`: the charts' and the files' language.
    pub lang: Option<String>,
    /// `csv` or `xlsx`; JSON without it.
    pub format: Option<String>,
}

fn bad(message: String) -> AppError {
    AppError::bad_request(ErrorCode::BadRequest, message)
}

impl DashboardParams {
    fn parse(&self) -> AppResult<(dashboard::Filter, Lang, Option<FileFormat>)> {
        fn blank(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let year = blank(&self.year)
            .map(|y| {
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (2000..=2100).contains(y))
                    .ok_or_else(|| bad(format!("year {y:?} is not a year between 2000 and 2100")))
            })
            .transpose()?;
        let programme_id = blank(&self.programme)
            .map(|p| {
                p.parse::<i64>()
                    .map_err(|_| bad(format!("programme {p:?} is not a programme id")))
            })
            .transpose()?;
        let pole_id = blank(&self.pole).map(|p| {
            if p.chars().count() > 64 {
                Err(bad("pole: at most 64 characters".into()))
            } else {
                Ok(p.to_string())
            }
        });
        let lang = match blank(&self.lang) {
            None | Some("ar") => Lang::Ar,
            Some("fr") => Lang::Fr,
            Some(other) => return Err(bad(format!("lang {other:?}: ar or fr"))),
        };
        let format = blank(&self.format).map(FileFormat::parse).transpose()?;
        Ok((
            dashboard::Filter {
                year,
                programme_id,
                pole_id: pole_id.transpose()?,
            },
            lang,
            format,
        ))
    }
}

/// Execution by programme, budget year, funding source, status, pole and douar, with the
/// totals: projects, records, cost, programmed, committed, paid, the financial completion and,
/// apart, the physical progress; SVG charts in `lang`. Filters: `year`, `programme`, `pole`.
/// `?format=csv|xlsx` gives the tables.
#[utoipa::path(get, path = "/api/dashboard", tag = "execution",
    params(DashboardParams),
    responses((status = 200, description = "JSON, CSV or XLSX", content(
        (Dashboard = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_dashboard(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Query(params): Query<DashboardParams>,
) -> AppResult<Response> {
    let (filter, lang, format) = params.parse()?;
    let d = app
        .db
        .read(move |tx| dashboard::dashboard(tx, &filter, lang))
        .await?;
    match format {
        None => Ok(Json(d).into_response()),
        Some(FileFormat::Xlsx) => {
            export::xlsx_response(&dashboard::tables(&d, lang, false), "dashboard")
        }
        Some(f) => dashboard::tables(&d, lang, true).remove(0).into_response(f),
    }
}

/// A project's whole story, oldest first: the sessions that raised its needs, the needs'
/// links, the priority rankings, the PAC's vote and visa, each year's execution (status,
/// amounts, funding), dates, documents, timeline, indicator values, the last payment.
#[utoipa::path(get, path = "/api/projects/{id}/story", tag = "execution",
    params(("id" = i64, Path, description = "project id")),
    responses((status = 200, body = ProjectStory), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_story(
    State(app): State<AppState>,
    _user: Allowed<can::ReadExecution>,
    Path(id): Path<i64>,
) -> AppResult<Json<ProjectStory>> {
    app.db
        .read(move |tx| story::project_story(tx, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no project {id}")))
}

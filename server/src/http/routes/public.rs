//! Public pages (issue 16). Two parts:
//!
//! - the office's publishing API under `/api/publish/…` (`PublishProjects`; the licence's
//!   change `SetLicence`): the projects' published state, publish/withdraw, the proposals behind
//!   a project with approve/withdraw (bulk), the preview of a page, the licence;
//! - the public pages, no login, outside `/api` ([`pages`]): `/p` and `/p/fr` (the list with its
//!   filter), `/p/{number}` and `/p/fr/{number}` (a project, by its programme number: stable
//!   when the programme is imported again, unlike the row id), `/p/data/projects.json` and the
//!   CSV files. An unknown or unpublished number answers the same 404 page. [`csp`] gives these
//!   pages their own Content-Security-Policy (the inline stylesheet's hash, nothing else).

use axum::{
    Router,
    extract::{Path as AxumPath, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use tachkhis_shared::{
    api::{
        ErrorBody,
        public::{
            ApprovalInput, ApprovalReport, Licence, PublishInput, PublishProject, PublishProposal,
        },
    },
    codes::ErrorCode,
};

use super::Api;
use crate::{
    AppState,
    document::Lang,
    export::FileFormat,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, Json, Path, Query, can},
    public::{self, ListFilter, html, open_data},
};

pub fn router() -> Api {
    Api::new()
        .get("/publish/projects", list_projects)
        .put("/publish/projects/{id}", publish_project)
        .get("/publish/projects/{id}/proposals", project_proposals)
        .get("/publish/projects/{id}/preview", preview)
        .put("/publish/proposals", approve_proposals)
        .get("/publish/licence", get_licence)
        .put("/publish/licence", put_licence)
}

/// Every project with its published state and its proposals' counts (traced, approved).
#[utoipa::path(get, path = "/api/publish/projects", tag = "public",
    responses((status = 200, body = [PublishProject]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_projects(
    State(app): State<AppState>,
    _user: Allowed<can::PublishProjects>,
) -> AppResult<Json<Vec<PublishProject>>> {
    Ok(Json(app.db.read(public::publish_list).await?))
}

/// Publishes (`{"published": true}`) or withdraws a project's public page; logged.
#[utoipa::path(put, path = "/api/publish/projects/{id}", tag = "public",
    params(("id" = i64, Path, description = "project id")),
    request_body = PublishInput,
    responses((status = 200, body = PublishProject), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish_project(
    State(app): State<AppState>,
    user: Allowed<can::PublishProjects>,
    Path(id): Path<i64>,
    Json(input): Json<PublishInput>,
) -> AppResult<Json<PublishProject>> {
    let user_id = user.id;
    Ok(Json(
        app.db
            .write(move |tx| public::set_published(tx, user_id, id, input.published))
            .await?,
    ))
}

/// The proposals behind a project, their texts now and as approved.
#[utoipa::path(get, path = "/api/publish/projects/{id}/proposals", tag = "public",
    params(("id" = i64, Path, description = "project id")),
    responses((status = 200, body = [PublishProposal]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn project_proposals(
    State(app): State<AppState>,
    _user: Allowed<can::PublishProjects>,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<PublishProposal>>> {
    Ok(Json(
        app.db.read(move |tx| public::proposals_of(tx, id)).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct LangParam {
    /// `ar` (default) or `fr`.
    pub lang: Option<String>,
}

fn lang(param: Option<&str>) -> AppResult<Lang> {
    match param {
        None | Some("ar") => Ok(Lang::Ar),
        Some("fr") => Ok(Lang::Fr),
        Some(other) => Err(AppError::bad_request(
            ErrorCode::BadQuery,
            format!(
                "lang must be ar or fr, not {:?}",
                other.chars().take(16).collect::<String>()
            ),
        )),
    }
}

/// The project's public page as it would be published (approved texts only), published or
/// not.
#[utoipa::path(get, path = "/api/publish/projects/{id}/preview", tag = "public",
    params(("id" = i64, Path, description = "project id"), LangParam),
    responses((status = 200, description = "the page", content_type = "text/html"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn preview(
    State(app): State<AppState>,
    _user: Allowed<can::PublishProjects>,
    Path(id): Path<i64>,
    Query(params): Query<LangParam>,
) -> AppResult<Response> {
    let l = lang(params.lang.as_deref())?;
    let (commune, project, licence) = app
        .db
        .read(move |tx| {
            Ok((
                public::commune(tx)?,
                public::project(tx, id)?,
                public::licence(tx)?,
            ))
        })
        .await?;
    let page = html::project_page(l, (&commune.0, &commune.1), &project, &licence);
    // Opened by the office screen as a Blob page under the app's policy: the stylesheet as a
    // link to `/p/style.css` (the screen makes it absolute), not inline.
    let page = page.replacen(
        &format!("<style>{}</style>", html::STYLE),
        "<link rel=\"stylesheet\" href=\"/p/style.css\">",
        1,
    );
    Ok(html_response(StatusCode::OK, page, "private, no-store"))
}

/// Approves the current texts of these proposals, or withdraws their approval; all or none.
#[utoipa::path(put, path = "/api/publish/proposals", tag = "public",
    request_body = ApprovalInput,
    responses((status = 200, body = ApprovalReport), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn approve_proposals(
    State(app): State<AppState>,
    user: Allowed<can::PublishProjects>,
    Json(input): Json<ApprovalInput>,
) -> AppResult<Json<ApprovalReport>> {
    let user_id = user.id;
    Ok(Json(
        app.db
            .write(move |tx| public::set_approvals(tx, user_id, &input))
            .await?,
    ))
}

/// The open data's licence statement.
#[utoipa::path(get, path = "/api/publish/licence", tag = "public",
    responses((status = 200, body = Licence), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_licence(
    State(app): State<AppState>,
    _user: Allowed<can::PublishProjects>,
) -> AppResult<Json<Licence>> {
    Ok(Json(app.db.read(public::licence).await?))
}

/// Sets the licence statement (the administrator); logged with before and after.
#[utoipa::path(put, path = "/api/publish/licence", tag = "public",
    request_body = Licence,
    responses((status = 200, body = Licence), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_licence(
    State(app): State<AppState>,
    user: Allowed<can::SetLicence>,
    Json(input): Json<Licence>,
) -> AppResult<Json<Licence>> {
    let user_id = user.id;
    Ok(Json(
        app.db
            .write(move |tx| public::set_licence(tx, user_id, &input))
            .await?,
    ))
}

// ---- The public pages -----------------------------------------------------------------------

/// The public pages' routes (merged at the root, beside `/api`).
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/p", get(list_ar))
        .route("/p/", get(list_ar))
        .route("/p/fr", get(list_fr))
        .route("/p/fr/", get(list_fr))
        .route("/p/{number}", get(project_ar))
        .route("/p/fr/{number}", get(project_fr))
        .route("/p/data/{file}", get(data_file))
        .route("/p/style.css", get(stylesheet))
}

/// The pages' stylesheet as a file, for the office's preview: the preview opens as a Blob page
/// under the app's policy (`style-src 'self'`), which refuses the public pages' inline
/// stylesheet but loads this same text from the site.
async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, PUBLIC_CACHE),
        ],
        html::STYLE,
    )
        .into_response()
}

/// Whether a path is one of the public pages (or the office's preview of one), which carry
/// [`html::csp`] instead of the app's policy.
pub fn is_public_page(path: &str) -> bool {
    path == "/p"
        || path.starts_with("/p/")
        || (path.starts_with("/api/publish/projects/") && path.ends_with("/preview"))
}

/// The public pages' Content-Security-Policy, set after the app's (outermost layer).
pub async fn csp(request: Request, next: Next) -> Response {
    let public = is_public_page(request.uri().path());
    let mut response = next.run(request).await;
    if public {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(html::csp()),
        );
    }
    response
}

fn html_response(status: StatusCode, page: String, cache: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
        ],
        page,
    )
        .into_response()
}

/// What the public pages answer for a short while (a withdrawn page is gone within a minute).
const PUBLIC_CACHE: &str = "public, max-age=60";

fn not_found() -> Response {
    html_response(StatusCode::NOT_FOUND, html::not_found_page(), PUBLIC_CACHE)
}

type FilterQuery =
    Result<axum::extract::Query<ListFilter>, axum::extract::rejection::QueryRejection>;

async fn list_ar(State(app): State<AppState>, uri: axum::http::Uri, q: FilterQuery) -> Response {
    list(app, Lang::Ar, uri, q).await
}

async fn list_fr(State(app): State<AppState>, uri: axum::http::Uri, q: FilterQuery) -> Response {
    list(app, Lang::Fr, uri, q).await
}

async fn list(app: AppState, l: Lang, uri: axum::http::Uri, q: FilterQuery) -> Response {
    // A query that does not read is the list unfiltered, never an error page.
    let filter: ListFilter = q.map(|q| q.0).unwrap_or_default();
    let raw_query = uri.query().unwrap_or("");
    let query = if raw_query.is_empty() || raw_query.len() > 512 {
        String::new()
    } else {
        format!("?{raw_query}")
    };
    let f = filter.clone();
    let read = app
        .db
        .read(move |tx| {
            let (poles, douars) = public::filter_choices(tx)?;
            Ok((
                public::commune(tx)?,
                public::list(tx, &f)?,
                poles,
                douars,
                public::licence(tx)?,
            ))
        })
        .await;
    match read {
        Ok((commune, rows, poles, douars, licence)) => html_response(
            StatusCode::OK,
            html::list_page(
                l,
                (&commune.0, &commune.1),
                &rows,
                &poles,
                &douars,
                &filter,
                &licence,
                &query,
            ),
            PUBLIC_CACHE,
        ),
        Err(e) => e.into_response(),
    }
}

async fn project_ar(State(app): State<AppState>, AxumPath(number): AxumPath<String>) -> Response {
    project(app, Lang::Ar, number).await
}

async fn project_fr(State(app): State<AppState>, AxumPath(number): AxumPath<String>) -> Response {
    project(app, Lang::Fr, number).await
}

async fn project(app: AppState, l: Lang, number: String) -> Response {
    let Ok(number) = number.parse::<i64>() else {
        return not_found();
    };
    let read = app
        .db
        .read(move |tx| {
            let Some(id) = public::published_id(tx, number)? else {
                return Ok(None);
            };
            Ok(Some((
                public::commune(tx)?,
                public::project(tx, id)?,
                public::licence(tx)?,
            )))
        })
        .await;
    match read {
        Ok(Some((commune, project, licence))) => html_response(
            StatusCode::OK,
            html::project_page(l, (&commune.0, &commune.1), &project, &licence),
            PUBLIC_CACHE,
        ),
        Ok(None) => not_found(),
        Err(e) => e.into_response(),
    }
}

/// `projects.json` (everything, with the licence) or one of the CSV tables.
async fn data_file(State(app): State<AppState>, AxumPath(file): AxumPath<String>) -> Response {
    let (stem, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    let known = match ext {
        "json" => stem == "projects",
        "csv" => open_data::FILES.contains(&stem),
        _ => false,
    };
    if !known {
        return not_found();
    }
    let data = match app.db.read(public::open_data).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let licence_link = (!data.licence.url.is_empty())
        .then(|| HeaderValue::from_str(&format!("<{}>; rel=\"license\"", data.licence.url)).ok())
        .flatten();
    let mut response = if ext == "json" {
        (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_vec(&data).unwrap_or_default(),
        )
            .into_response()
    } else {
        match open_data::table(&data, stem).map(|t| t.into_response(FileFormat::Csv)) {
            Some(Ok(r)) => r,
            Some(Err(e)) => return e.into_response(),
            None => return not_found(),
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PUBLIC_CACHE),
    );
    if let Some(link) = licence_link {
        headers.insert(header::LINK, link);
    }
    response
}

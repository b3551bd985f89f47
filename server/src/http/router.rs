//! The HTTP surface: every `/api/…` route, the client's files, and the layers every answer goes
//! through (compression, panics as 500 JSON, tracing, security headers).

use std::convert::Infallible;
use std::path::Path;

use axum::{
    Router,
    extract::{MatchedPath, Request},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use tachkhis_shared::codes::ErrorCode;
use tower::{Layer as _, Service, ServiceExt as _};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use super::{error::AppError, routes};
use crate::AppState;

/// Largest JSON body accepted by the non-sync endpoints.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// The Content-Security-Policy of every answer. The app is one origin: its scripts (boot.js,
/// the wasm-bindgen glue, the wasm, which needs 'wasm-unsafe-eval'), styles, icon, manifest and
/// service worker all come from it, and it talks only to its own API. Images allow `data:` and
/// `blob:` (QR codes and files made on the tablet); no inline script or style anywhere, no
/// plugin, no `<base>`, and no other site may frame it (`/office` included).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; \
     connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers set on every answer (HTML, assets, API, errors), replacing any a handler set.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    // The app never links out; a URL of the app (a session id) is nobody else's business.
    ("referrer-policy", "no-referrer"),
    // For browsers older than CSP's frame-ancestors.
    ("x-frame-options", "DENY"),
];

/// Every `/api/…` route (paths relative to `/api`), with the body limit of each group.
pub fn api(max_sync_bytes: usize) -> routes::Api {
    routes::Api::new()
        .merge(routes::meta::router())
        .merge(routes::setup::router())
        .merge(routes::auth::router())
        .merge(routes::reference::router())
        .merge(routes::sessions::router())
        .merge(routes::consolidation::router())
        .merge(routes::audit::router())
        .merge(routes::devices::router())
        .merge(routes::people::router())
        .merge(routes::programme::router())
        .merge(routes::gender::router())
        .merge(routes::territory::router())
        .merge(routes::photos::router())
        .merge(routes::backup::router())
        .merge(routes::priorities::router())
        // The monitoring system's indicators (issue 13).
        .merge(routes::monitoring::router())
        // The PAC's procedure, versions, signed documents (issue 14, proc).
        .merge(routes::procedure::router())
        // The council's bodies and opinions (issue 14).
        .merge(routes::opinions::router())
        // The PAC as a printed document (issue 14).
        .merge(routes::document::router())
        // The follow-up's execution records (issue 15, exec).
        .merge(routes::execution::router())
        // Publishing and the licence (issue 16, public).
        .merge(routes::public::router())
        // The three-year programming and the annual evaluation (issue 15, plan3).
        .merge(routes::plan::router())
        // The follow-up's dashboards and a project's story (issue 15, dash).
        .merge(routes::dashboard::router())
        .body_limit(MAX_JSON_BYTES)
        .merge(routes::photos::upload_router())
        .merge(routes::programme::import_router())
        .merge(routes::territory::import_router())
        .merge(routes::monitoring::import_router())
        // The import of a year's execution (issue 15, exec).
        .merge(routes::execution::import_router())
        .merge(routes::procedure::upload_router())
        .merge(routes::sync::router(max_sync_bytes))
}

/// Every route of the API as (method, full path), e.g. `("GET", "/api/needs/{id}")`: what the
/// permission test checks its table against.
pub fn api_routes() -> Vec<(String, String)> {
    api(0)
        .routes()
        .iter()
        .map(|(method, path)| (method.to_string(), format!("/api{path}")))
        .collect()
}

/// The client's files in `dir`. The `.br`/`.gz` beside a file (brotli 11, gzip 9, written by the
/// bundle build of `cargo xtask dist` and `test`) are sent as they are: the CompressionLayer's
/// brotli is a fast level, a quarter bigger on the wasm. It still compresses what has none (a
/// `--no-opt` build).
///
/// A path that is not a file: a navigation (no extension: `/`, `/session/…`, `/office/needs`)
/// gets index.html, the app routes it; a file name (`/pkg/old.wasm`, `/old.js`) gets 404, so a
/// service worker or page of an older release asking for a file this one no longer has gets an
/// error, not the app's HTML under a wasm or script URL.
fn client_files(
    dir: &Path,
) -> ServeDir<
    impl Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + Sync
    + 'static,
> {
    let index = ServeFile::new(dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let index_or_not_found = tower::service_fn(move |request: Request| {
        let index = index.clone();
        async move {
            if names_a_file(request.uri().path()) {
                return Ok(AppError::NotFound("no such file".into()).into_response());
            }
            Ok(match index.oneshot(request).await {
                Ok(response) => response.into_response(),
                Err(never) => match never {},
            })
        }
    });
    ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index_or_not_found)
}

/// Whether the last segment of `path` has an extension (`app.js`, not `.well-known` or `needs`).
fn names_a_file(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    Path::new(last).extension().is_some()
}

/// The whole application: `/api/…` and, when configured, the client at `/`.
pub fn router(state: AppState) -> Router {
    let api = api(state.config.max_sync_bytes)
        .into_router()
        .fallback(|| async { AppError::NotFound("no such endpoint".into()) })
        .method_not_allowed_fallback(|| async {
            AppError::bad_request(
                ErrorCode::MethodNotAllowed,
                "this endpoint does not take that method",
            )
        });
    let mut app = Router::new().nest("/api", api);
    // The public pages, no login (issue 16, public): answered by their handlers, never by the
    // app's shell.
    app = app.merge(routes::public::pages());
    if let Some(dir) = &state.config.assets_dir {
        // A precompressed answer depends on Accept-Encoding as much as one the
        // CompressionLayer makes (which adds this header only to what it compresses).
        let files = SetResponseHeaderLayer::if_not_present(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        )
        .layer(client_files(dir));
        // The service worker and every asset are revalidated on each load so a new version
        // reaches tablets at once.
        app = app
            .fallback_service(files)
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache"),
            ));
    }
    let app = app
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::setup::gate,
        ))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(|_| {
            AppError::internal("panic").into_response()
        }))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let path = req
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str)
                .unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), path)
        }));
    // Outermost, so that errors, panics and fallbacks get them too.
    SECURITY_HEADERS
        .iter()
        .fold(app, |app, (name, value)| {
            app.layer(SetResponseHeaderLayer::overriding(
                header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            ))
        })
        // The public pages' own policy (their inline stylesheet's hash), over the app's
        // (issue 16, public).
        .layer(axum::middleware::from_fn(routes::public::csp))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::names_a_file;

    #[test]
    fn file_names_are_told_from_navigations() {
        for file in [
            "/pkg/x.wasm",
            "/old.js",
            "/assets/a/b.css",
            "/sw.js",
            "/x.tar.gz",
        ] {
            assert!(names_a_file(file), "{file}");
        }
        for navigation in [
            "/",
            "",
            "/session/6f1c1c38-8f5e-4a57-9c61-3d0c2b4b2a10",
            "/office/needs",
            "/office/",
            "/.well-known",
        ] {
            assert!(!names_a_file(navigation), "{navigation}");
        }
    }
}

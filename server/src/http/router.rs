//! The HTTP surface: every `/api/…` route, the client's files, and the layers every answer goes
//! through (compression, panics as 500 JSON, tracing, security headers).

use axum::{
    Router,
    extract::{MatchedPath, Request},
    http::{HeaderValue, header},
    response::IntoResponse,
};
use tachkhis_shared::codes::ErrorCode;
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
        .merge(routes::auth::router())
        .merge(routes::reference::router())
        .merge(routes::sessions::router())
        .merge(routes::consolidation::router())
        .merge(routes::audit::router())
        .merge(routes::devices::router())
        .merge(routes::programme::router())
        .body_limit(MAX_JSON_BYTES)
        .merge(routes::programme::import_router())
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
    if let Some(dir) = &state.config.assets_dir {
        // Client-side routes (/session/…) fall back to index.html; the service worker and every
        // asset are revalidated on each load so a new version reaches tablets at once.
        let assets = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
        app = app
            .fallback_service(assets)
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache"),
            ));
    }
    let app = app
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
        .with_state(state)
}

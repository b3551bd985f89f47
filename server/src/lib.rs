//! Tachkhis server: receives session documents by the Automerge sync protocol, stores them in
//! SQLite, projects them into tables, and serves the API and the built client.
#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
pub mod consolidation;
pub mod db;
pub mod demo;
pub mod devices;
pub mod error;
pub mod export;
pub mod extract;
pub mod login_limit;
pub mod programme;
pub mod projection;
pub mod routes;
pub mod store;
pub mod suggest;
pub mod tls;

use std::{future::Future, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{HeaderValue, header},
    response::IntoResponse,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

pub use config::Config;
pub use db::Db;
use error::AppError;

/// Largest JSON body accepted by the non-sync endpoints.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Failed-login waits and the password-check slots, shared by every request.
    pub logins: Arc<login_limit::Logins>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        Self {
            logins: login_limit::Logins::new(config.login_limits.clone()),
            db,
            config: Arc::new(config),
        }
    }
}

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

/// The whole application: `/api/…` and, when configured, the client at `/`.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(routes::meta::router())
        .merge(routes::auth::router())
        .merge(routes::reference::router())
        .merge(routes::sessions::router())
        .merge(routes::needs::router())
        .merge(routes::audit::router())
        .merge(routes::devices::router())
        .merge(routes::programme::router())
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .merge(routes::programme::import_router())
        .merge(routes::sync::router(state.config.max_sync_bytes))
        .fallback(|| async { AppError::NotFound("no such endpoint".into()) })
        .method_not_allowed_fallback(|| async {
            AppError::bad_request(
                "method_not_allowed",
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

/// Opens the database (migrating it), loads the demo data when asked, and serves until
/// `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
    serve_with_db(listener, db, config, shutdown).await
}

/// Serves with a database already opened (tests open it first, so the server is ready the
/// moment this is spawned). `listener` is a `tokio::net::TcpListener` for plain HTTP or a
/// [`tls::TlsListener`] for HTTPS.
pub async fn serve_with_db<L>(
    listener: L,
    db: Db,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
    for<'a> login_limit::PeerAddr:
        axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    serve_state(listener, AppState::new(db, config), shutdown).await
}

/// Serves `state` (tests keep a clone to look at the login limits). Each request knows its TCP
/// peer (`ConnectInfo<PeerAddr>`), which the login limits count against.
pub async fn serve_state<L>(
    listener: L,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
    for<'a> login_limit::PeerAddr:
        axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    let db = state.db.clone();
    let logins = state.logins.clone();
    let janitor = tokio::spawn(janitor(db.clone()));
    let audits = tokio::spawn(logins.clone().audit_writer(db.clone()));
    let result = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<login_limit::PeerAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    janitor.abort();
    audits.abort();
    // Failures of the last moments are still recorded.
    if let Err(e) = logins.flush_audits(&db).await {
        tracing::warn!(error = %e, "failed logins could not be audited");
    }
    Ok(result?)
}

/// Opens and migrates the database; with `demo`, fills an empty one with the seed commune.
pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let path = config.db_path.clone();
    let demo = config.demo;
    let db = tokio::task::spawn_blocking(move || -> anyhow::Result<Db> {
        let db = Db::open(&path)?;
        if demo {
            db.write_blocking(demo::load_if_empty)
                .map_err(|e| anyhow::anyhow!("demo data: {e}"))?;
        }
        Ok(db)
    })
    .await??;
    Ok(db)
}

/// Housekeeping: drops idle sync states so their table stays bounded.
async fn janitor(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match db.write(store::evict_idle_sync_states).await {
            Ok(n) if n > 0 => tracing::info!(evicted = n, "idle sync states dropped"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sync state eviction failed"),
        }
    }
}

//! Tachkhis server: receives session documents by the Automerge sync protocol, stores them in
//! SQLite, projects them into tables, and serves the API and the built client.
#![forbid(unsafe_code)]

pub mod config;
pub mod consolidation;
pub mod db;
pub mod demo;
// The PAC as a printed document (issue 14).
pub mod document;
pub mod documents;
pub mod execution;
pub mod export;
pub mod http;
pub mod monitoring;
pub mod pac;
pub mod photos;
pub mod priorities;
// The council's bodies and opinions (issue 14).
pub mod opinions;
pub mod programme;
// Public pages, publishing and open data (issue 16, public).
pub mod public;
pub mod reference;
pub mod setup;
pub mod suggest;
pub mod territory;
pub mod tls;
pub mod users;

use std::{
    future::Future,
    sync::{Arc, atomic::AtomicBool},
    time::Duration,
};

pub use config::Config;
pub use db::Db;
pub use http::router::{MAX_JSON_BYTES, router};
use users::login_limit;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Failed-login waits and the password-check slots, shared by every request.
    pub logins: Arc<login_limit::Logins>,
    /// Set once the first run's set-up is seen done (it is never undone), so the gate in
    /// front of the API stops asking the database.
    pub set_up: Arc<AtomicBool>,
    /// Session documents kept loaded between syncs (see `documents::hot`).
    pub hot: Arc<documents::hot::HotDocs>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        Self {
            logins: login_limit::Logins::new(config.login_limits.clone()),
            set_up: Arc::new(AtomicBool::new(false)),
            hot: Arc::new(documents::hot::HotDocs::new(config.hot_docs_bytes)),
            db,
            config: Arc::new(config),
        }
    }
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

/// While set-up is pending: a new one-time set-up code, to print where the operator sees it.
/// None once the commune is set up.
pub async fn issue_setup_code(db: &Db) -> anyhow::Result<Option<String>> {
    db.write(setup::issue_code)
        .await
        .map_err(|e| anyhow::anyhow!("set-up code: {e}"))
}

/// Housekeeping: drops idle sync states so their table stays bounded, and deletes the photos
/// past the retention period.
async fn janitor(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match db.write(documents::store::evict_idle_sync_states).await {
            Ok(n) if n > 0 => tracing::info!(evicted = n, "idle sync states dropped"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sync state eviction failed"),
        }
        match db.write(|tx| photos::purge(tx, db::now_secs(), None)).await {
            Ok(n) if n > 0 => tracing::info!(purged = n, "photos past their retention deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "photo purge failed"),
        }
    }
}

//! Server configuration: defaults, then `TACHKHIS_*` environment variables, then flags (clap
//! reads both in `main.rs`).

use std::path::PathBuf;

#[derive(Clone)]
pub struct Config {
    /// The SQLite file; created with its folder when missing.
    pub db_path: PathBuf,
    /// The built client (index.html, pkg/…); None serves the API only.
    pub assets_dir: Option<PathBuf>,
    /// Load the seed commune and demo users into an empty database.
    pub demo: bool,
    /// How long a login lasts; a field campaign runs for weeks offline.
    pub token_ttl_days: i64,
    /// Largest sync request accepted, in bytes.
    pub max_sync_bytes: usize,
    /// Bounds every sync message is checked against before Automerge sees it.
    pub sync_limits: tachkhis_shared::sync::guard::Limits,
    /// PEM certificate chain and private key: serve HTTPS (rustls) when both are set.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Waits after failed logins, password checks at once, and where client addresses come from.
    pub login_limits: crate::users::login_limit::LoginLimits,
    /// Memory for session documents kept loaded between syncs (an estimate; 0 keeps none).
    pub hot_docs_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            db_path: PathBuf::from("data/tachkhis.db"),
            assets_dir: None,
            demo: false,
            token_ttl_days: 30,
            max_sync_bytes: 16 * 1024 * 1024,
            sync_limits: tachkhis_shared::sync::guard::Limits::default(),
            tls_cert: None,
            tls_key: None,
            login_limits: crate::users::login_limit::LoginLimits::default(),
            hot_docs_bytes: 128 * 1024 * 1024,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("db_path", &self.db_path)
            .field("assets_dir", &self.assets_dir)
            .field("demo", &self.demo)
            .field("token_ttl_days", &self.token_ttl_days)
            .field("max_sync_bytes", &self.max_sync_bytes)
            .field("sync_limits", &self.sync_limits)
            .field("tls_cert", &self.tls_cert)
            // The key's path is not secret, its content is never held here.
            .field("tls_key", &self.tls_key)
            .field("login_limits", &self.login_limits)
            .field("hot_docs_bytes", &self.hot_docs_bytes)
            .finish()
    }
}

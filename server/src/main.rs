//! `tachkhis`: the server binary, a thin command-line wrapper over the library.
#![forbid(unsafe_code)]

use std::{io::Read, net::SocketAddr, path::PathBuf};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use tachkhis_server::{Config, Db, db::backup, demo, documents::store, setup, tls, users::auth};
use tachkhis_shared::api::{CommuneSetup, Role};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "tachkhis",
    version,
    about = "Tachkhis: participatory diagnosis of a commune's Action Programme"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct DbArg {
    /// The SQLite database file.
    #[arg(long, env = "TACHKHIS_DB", default_value = "data/tachkhis.db")]
    db: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the client.
    Serve {
        #[arg(long, env = "TACHKHIS_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        #[command(flatten)]
        db: DbArg,
        /// The built client; defaults to `assets/` beside this executable.
        #[arg(long, env = "TACHKHIS_ASSETS")]
        assets: Option<PathBuf>,
        /// Load the seed commune and demo users into an empty database.
        #[arg(long, env = "TACHKHIS_DEMO")]
        demo: bool,
        /// Days a login lasts: a tablet syncs with it for the whole field campaign offline.
        /// An administrator can revoke one sooner (`/api/admin/devices`).
        #[arg(long, env = "TACHKHIS_TOKEN_TTL_DAYS", default_value_t = 30,
              value_parser = clap::value_parser!(i64).range(1..=3650))]
        token_ttl_days: i64,
        /// Most items (operations and their fields) one sync message may decode to; a
        /// session of about 10,000 proposals fits in the default. Bounds the memory and time
        /// one message can take; a request may hold twice as many over its messages (see
        /// ARCHITECTURE.md, "Sync limits").
        #[arg(long, env = "TACHKHIS_MAX_SYNC_ITEMS", default_value_t = 2_000_000,
              value_parser = clap::value_parser!(u64).range(10_000..=100_000_000))]
        max_sync_items: u64,
        /// Memory (MB, an estimate) for session documents kept loaded between syncs: a sync
        /// of a loaded document neither loads nor saves it whole. A 40-proposal session counts
        /// for 20-100 KB; 0 keeps none.
        #[arg(long, env = "TACHKHIS_HOT_DOCS_MB", default_value_t = 128,
              value_parser = clap::value_parser!(u64).range(0..=65_536))]
        hot_docs_mb: u64,
        /// Serve HTTPS with this PEM certificate chain (leaf first, e.g. certbot's
        /// fullchain.pem). Needs --tls-key.
        #[arg(long, env = "TACHKHIS_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert (PKCS#8, RSA or EC).
        #[arg(long, env = "TACHKHIS_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// With TLS: also listen on this address in plain HTTP, redirecting every request to
        /// HTTPS (e.g. 0.0.0.0:80).
        #[arg(long, env = "TACHKHIS_REDIRECT_HTTP", requires = "tls_cert")]
        redirect_http: Option<SocketAddr>,
        /// Behind a reverse proxy only: count failed logins against the client address the
        /// proxy puts last in X-Forwarded-For, not against the proxy's own address. Without a
        /// proxy, this would let anyone choose the address they are counted as.
        #[arg(long, env = "TACHKHIS_TRUST_FORWARDED_FOR")]
        trust_forwarded_for: bool,
    },
    /// Set up an empty database: the commune and its first administrator (the password is
    /// read from standard input). Done once; `tachkhis serve` then needs no set-up code.
    Init {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        commune_name_ar: String,
        #[arg(long)]
        commune_name_fr: String,
        #[arg(long)]
        province: String,
        #[arg(long)]
        region: String,
        /// The PAC's mandate, first and last year: `2023-2028`.
        #[arg(long, value_parser = parse_mandate)]
        mandate: (i32, i32),
        /// The first administrator's username.
        #[arg(long)]
        admin: String,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Create a user; the password is read from standard input.
    CreateUser {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ["admin", "facilitator", "office", "committee", "bureau", "secretariat", "ieecag"])]
        role: String,
    },
    /// Rebuild the session tables from the stored documents.
    RebuildProjections {
        #[command(flatten)]
        db: DbArg,
    },
    /// Copy the database to a file (safe while the server runs, whatever its load; the
    /// database is opened read-only).
    Backup {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        to: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Replace the database with a backup (the server must be stopped). The backup is checked
    /// first; the replaced database is kept beside it as `F.before-restore-<time>`. Every
    /// login then reads as expired: tablets log in again and resync what the backup missed.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Threads for blocking work (SQLite, Automerge): the default 512 lets a storm of a thousand
/// tablets start hundreds of threads, each with its own allocator arena, for no more work done
/// on two cores; past this many, blocking work queues. Nothing on them waits for another
/// blocking task (the group commit has a thread of its own), so the queue always drains.
const BLOCKING_THREADS: usize = 64;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()?
        .block_on(run())
}

#[allow(clippy::print_stdout)]
async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            addr,
            db,
            assets,
            demo: with_demo,
            token_ttl_days,
            max_sync_items,
            hot_docs_mb,
            tls_cert,
            tls_key,
            redirect_http,
            trust_forwarded_for,
        } => {
            let assets = assets.or_else(default_assets);
            if let Some(dir) = &assets
                && !dir.join("index.html").exists()
            {
                bail!(
                    "no client in {} (build it with `cargo xtask build-client`)",
                    dir.display()
                );
            }
            let config = Config {
                db_path: db.db,
                assets_dir: assets,
                demo: with_demo,
                token_ttl_days,
                tls_cert,
                tls_key,
                sync_limits: tachkhis_shared::sync::guard::Limits {
                    max_column_items: max_sync_items,
                    max_request_items: max_sync_items.saturating_mul(2),
                    ..Default::default()
                },
                login_limits: tachkhis_server::users::login_limit::LoginLimits {
                    trust_forwarded_for,
                    ..Default::default()
                },
                hot_docs_bytes: (hot_docs_mb as usize).saturating_mul(1024 * 1024),
                ..Config::default()
            };
            // Certificate problems are reported before anything listens or opens the database.
            let tls = match (&config.tls_cert, &config.tls_key) {
                (Some(cert), Some(key)) => Some(tls::load_server_config(cert, key)?),
                _ => None,
            };
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            let local = listener.local_addr()?;
            let redirect = match redirect_http {
                Some(plain) => Some(
                    tokio::net::TcpListener::bind(plain)
                        .await
                        .with_context(|| format!("cannot listen on {plain}"))?,
                ),
                None => None,
            };
            let db = tachkhis_server::open_db(&config).await?;
            let scheme = if tls.is_some() { "https" } else { "http" };
            println!("Tachkhis is running at {scheme}://{local}/");
            if let Some(code) = tachkhis_server::issue_setup_code(&db).await? {
                println!(
                    "This server is not set up yet. Open {scheme}://{local}/setup and give this \
                     one-time set-up code (or stop it and run `tachkhis init`):\n\n    {code}\n"
                );
            }
            if with_demo {
                println!("Demo logins (password '{}'):", demo::DEMO_PASSWORD);
                for (user, role) in demo::DEMO_USERS {
                    println!("  {user:<12} {}", role.code());
                }
            }
            match tls {
                None => {
                    tachkhis_server::serve_with_db(listener, db, config, shutdown_signal()).await
                }
                Some(tls) => {
                    if let Some(plain) = redirect {
                        println!("Plain HTTP on {} redirects to HTTPS", plain.local_addr()?);
                        let router = tls::redirect_router(local.port());
                        tokio::spawn(async move {
                            if let Err(e) = axum::serve(plain, router)
                                .with_graceful_shutdown(shutdown_signal())
                                .await
                            {
                                tracing::error!(error = %e, "the HTTP redirect listener stopped");
                            }
                        });
                    }
                    let listener = tls::TlsListener::new(listener, tls)?;
                    tachkhis_server::serve_with_db(listener, db, config, shutdown_signal()).await
                }
            }
        }
        Command::Init {
            db,
            commune_name_ar,
            commune_name_fr,
            province,
            region,
            mandate: (mandate_start, mandate_end),
            admin,
        } => {
            let password = read_password()?;
            let db = Db::open(&db.db)?;
            let commune = CommuneSetup {
                name_ar: commune_name_ar,
                name_fr: commune_name_fr,
                province,
                region,
                mandate_start,
                mandate_end,
            };
            db.write_blocking(|tx| setup::complete(tx, &commune, &admin, &password))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "commune '{}' set up, administrator '{admin}' created",
                commune.name_fr.trim()
            );
            Ok(())
        }
        Command::Migrate { db } => {
            Db::open(&db.db)?;
            println!("database {} is up to date", db.db.display());
            Ok(())
        }
        Command::CreateUser { db, username, role } => {
            let role = Role::from_code(&role).context("unknown role")?;
            let password = read_password()?;
            let db = Db::open(&db.db)?;
            db.write_blocking(|tx| auth::create_user(tx, &username, &password, role))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("user '{username}' created ({})", role.code());
            Ok(())
        }
        Command::RebuildProjections { db } => {
            let db = Db::open(&db.db)?;
            let (ok, quarantined) = db
                .write_blocking(store::rebuild_projections)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{ok} sessions projected, {quarantined} documents quarantined");
            Ok(())
        }
        Command::Backup { db, to, force } => {
            let report = backup::backup_file(&db.db, &to, force)?;
            println!(
                "backup written to {} ({:.1} MB in {:.1} s)",
                to.display(),
                report.bytes as f64 / 1e6,
                report.elapsed.as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { from, db } => {
            let report = backup::restore(&from, &db.db)?;
            if let Some(old) = &report.kept_old {
                println!("the replaced database is kept as {}", old.display());
            }
            println!(
                "{} restored from {} (schema {} brought up to date); {} logins expired: \
                 every tablet logs in again and resyncs",
                db.db.display(),
                from.display(),
                report.from_version,
                report.expired_logins
            );
            Ok(())
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from stdin")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

fn parse_mandate(text: &str) -> Result<(i32, i32), String> {
    tachkhis_shared::api::parse_mandate(text).ok_or_else(|| {
        format!("'{text}' is not a mandate: write its first and last year, e.g. 2023-2028")
    })
}

fn default_assets() -> Option<PathBuf> {
    let dir = std::env::current_exe().ok()?.parent()?.join("assets");
    dir.join("index.html").exists().then_some(dir)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

//! The SQLite database: one writer connection behind a lock (SQLite has one writer anyway, and
//! it serialises sync of a document), a small pool of readers, migrations at open.
//!
//! rusqlite is blocking: async callers go through [`Db::write`] and [`Db::read`], which run the
//! closure on tokio's blocking pool so request handlers never block the runtime. [`row`] reads
//! typed values out of rows.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard, OnceLock},
    time::Duration,
};

use rusqlite::{Connection, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

use crate::http::error::{AppError, AppResult};

pub mod backup;
mod group;
pub mod row;

/// Every migration, in order. Files are never edited once landed. They run with foreign keys
/// off (a table rebuilt to change a CHECK, as 0013 rebuilds `users`, must not cascade the
/// drop of the old one), so each checks them before it commits.
fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATIONS
            .iter()
            .map(|sql| M::up(sql).foreign_key_check())
            .collect(),
    )
}

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/0001_init.sql"),
    include_str!("../../../migrations/0002_consolidation_programme.sql"),
    include_str!("../../../migrations/0003_session_v2.sql"),
    include_str!("../../../migrations/0004_devices.sql"),
    include_str!("../../../migrations/0005_sync_hardening.sql"),
    include_str!("../../../migrations/0006_commune.sql"),
    include_str!("../../../migrations/0007_partners.sql"),
    include_str!("../../../migrations/0008_territory.sql"),
    include_str!("../../../migrations/0009_people.sql"),
    // The programme's structure (axes, programmes) edited by the office, undoable.
    include_str!("../../../migrations/0010_structure.sql"),
    include_str!("../../../migrations/0011_photos.sql"),
    // Restores from a backup: tokens the restored database does not know read as expired.
    include_str!("../../../migrations/0012_restores.sql"),
    // Priorities (issue 13): criteria and weights, entered scores, approvals, their log.
    include_str!("../../../migrations/0013_priorities.sql"),
    // The monitoring system: indicators per project as records (issue 13).
    include_str!("../../../migrations/0014_indicators.sql"),
    // The office's own synonyms, read by the suggestion engine (issue 18).
    include_str!("../../../migrations/0015_synonyms.sql"),
    include_str!("../../../migrations/0016_procedure.sql"),
    // The procedure (issue 14, proc): a planned council session's kind.
    include_str!("../../../migrations/0017_procedure_session_kind.sql"),
    // What each office action taught the suggestions, unlearned on undo (issue 18).
    include_str!("../../../migrations/0020_learned_by_action.sql"),
    // Six years of follow-up (issue 15).
    include_str!("../../../migrations/0021_execution.sql"),
    // The follow-up (issue 15, exec): the sheet's free-text status and funding source parked
    // for the carry-over (`execution::legacy`), the columns dropped.
    include_str!("../../../migrations/0022_execution_carry_over.sql"),
    // Public pages (issue 16, public): publications, approved texts, the licence.
    include_str!("../../../migrations/0023_public.sql"),
];
const MIGRATION_COUNT: usize = MIGRATIONS.len();

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the database folder {0}: {1}")]
    Folder(PathBuf, std::io::Error),
    #[error("cannot open the database {0}: {1}")]
    Open(PathBuf, rusqlite::Error),
    #[error("the database schema could not be brought up to date: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error("cannot carry the project sheets' old status and funding source over: {0}")]
    CarryOver(String),
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Started by the first grouped write (commands that never serve start no thread).
    committer: OnceLock<group::Committer>,
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

/// Reader connections kept open between reads. Opening one costs far more than a read (a
/// profile under sync load spent a fifth of the server's time in `connect` with 8 kept while
/// dozens of blocking threads read at once), so as many are kept as blocking threads may read.
const MAX_IDLE_READERS: usize = 64;
/// Each reader's page cache (KiB): small, since the operating system caches the file anyway
/// and 64 readers with SQLite's default 2 MB each would be a server's worth of memory.
const READER_CACHE_KIB: i64 = 512;

fn connect(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path).map_err(|e| DbError::Open(path.to_owned(), e))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: an acknowledged sync survives a power cut of the commune's laptop, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves SQLite consistent (the transaction rolls back on
    // drop), so the connection is still good.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Db {
    /// Opens (creating if needed) the database and applies pending migrations in a transaction.
    /// A database written by a newer version of Tachkhis is refused.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| DbError::Folder(parent.to_owned(), e))?;
        }
        let mut conn = connect(path)?;
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        let migrated = migrations().to_latest(&mut conn);
        conn.pragma_update(None, "foreign_keys", "ON")?;
        if let Err(e) = migrated {
            // Another process (a `create-user` next to a starting server) may have migrated the
            // same file a moment before; that is fine as long as the schema is now current.
            let now_current = connect(path).ok().and_then(|c| {
                c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
                    .ok()
            }) == Some(MIGRATION_COUNT as i64);
            if !now_current {
                return Err(e.into());
            }
        }
        // The follow-up (issue 15, exec): the old free-text status and funding source that
        // migration 0022 parked become execution records, once (see `execution::legacy`).
        crate::execution::legacy::carry_over(&mut conn)
            .map_err(|e| DbError::CarryOver(e.to_string()))?;
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(conn),
                readers: Mutex::new(Vec::new()),
                committer: OnceLock::new(),
            }),
        })
    }

    fn committer(&self) -> AppResult<&group::Committer> {
        if let Some(c) = self.inner.committer.get() {
            return Ok(c);
        }
        let started = group::Committer::start(Arc::downgrade(&self.inner))
            .map_err(|e| AppError::internal(format!("the commit thread could not start: {e}")))?;
        // Two first writes at once: one thread wins, the other's ends with its unused channel.
        Ok(self.inner.committer.get_or_init(|| started))
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in one IMMEDIATE transaction on the writer connection, on the blocking pool.
    /// An error from `f` rolls everything back.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f)).await?
    }

    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> AppResult<T>,
    ) -> AppResult<T> {
        let mut conn = lock(&self.inner.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on a reader connection (a consistent snapshot inside one read transaction).
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f)).await?
    }

    pub fn read_blocking<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> AppResult<T>,
    ) -> AppResult<T> {
        let pooled = lock(&self.inner.readers).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => {
                let c = connect(&self.inner.path).map_err(AppError::internal)?;
                c.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
                c
            }
        };
        let result = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })();
        let mut readers = lock(&self.inner.readers);
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        result
    }

    /// Writes a consistent copy of the database to `dest` on a read-only connection of its
    /// own (`VACUUM INTO`; see [`backup`]): safe while serving, and it finishes under load.
    pub fn backup_to(
        &self,
        dest: &Path,
        force: bool,
    ) -> Result<backup::BackupReport, backup::BackupError> {
        backup::backup_file(&self.inner.path, dest, force)
    }
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_database_from_a_newer_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        Db::open(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(Db::open(&path).is_err());
    }

    /// The shares a project had before the partner list keep their names and amounts, each
    /// name once in the list.
    #[test]
    fn partner_shares_migrate_to_the_partner_list() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        let before_partners = MIGRATIONS
            .iter()
            .position(|m| m.contains("CREATE TABLE partners"))
            .unwrap();
        migrations().to_version(&mut conn, before_partners).unwrap();
        conn.execute_batch(
            "INSERT INTO projects (id, number, title_ar) VALUES (1, 1, 'أ'), (2, 2, 'ب');
             INSERT INTO project_partners (project_id, position, name, amount) VALUES
               (1, 0, 'ONEE', '10.00'), (1, 1, 'INDH', '5.50'), (2, 0, 'ONEE', '7.00');",
        )
        .unwrap();
        drop(conn);
        Db::open(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        let rows: Vec<(i64, String, Option<String>)> = conn
            .prepare(
                "SELECT s.project_id, p.name_ar, s.amount FROM project_partner_shares s
                 JOIN partners p ON p.id = s.partner_id ORDER BY s.project_id, s.position",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (1, "ONEE".into(), Some("10.00".into())),
                (1, "INDH".into(), Some("5.50".into())),
                (2, "ONEE".into(), Some("7.00".into())),
            ]
        );
        let partners: i64 = conn
            .query_row("SELECT count(*) FROM partners", [], |r| r.get(0))
            .unwrap();
        assert_eq!(partners, 2);
    }

    #[test]
    fn failed_write_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        let r: AppResult<()> = db.write_blocking(|tx| {
            tx.execute(
                "INSERT INTO communes (id, name_ar, name_fr) VALUES ('c', 'ج', 'C')",
                [],
            )?;
            Err(AppError::bad_request(
                tachkhis_shared::codes::ErrorCode::BadRequest,
                "stop",
            ))
        });
        assert!(r.is_err());
        let n: i64 = db
            .read_blocking(
                |tx| Ok(tx.query_row("SELECT count(*) FROM communes", [], |r| r.get(0))?),
            )
            .unwrap();
        assert_eq!(n, 0);
    }
}

//! Backups that finish under load, and restore (issue 17).
//!
//! A backup is `VACUUM INTO` on a connection opened read-only: one read transaction, so the
//! copy is a consistent snapshot and writers (WAL) go on meanwhile. SQLite's online backup
//! API, used before, restarted from the first page at every commit of another connection and
//! so finished only when sync paused. Nothing is migrated or written in the live database.
//! The copy is written to a temporary file beside the destination and only then given its
//! name, so a half-written backup never carries it.
//!
//! A restore checks the backup whole (integrity, a Tachkhis schema this binary can migrate)
//! before touching anything, prepares the new database under a temporary name (copy,
//! migrations, logins expired, audit entry), keeps the old file as
//! `F.before-restore-<timestamp>`, then renames the prepared file into place. Every login the
//! restored database knows is expired, and a `restores` row makes a token it does not know
//! (issued after the backup) read as expired too: tablets get `token_expired`, log in again
//! and resync, and their documents bring back what the backup missed.

use std::{
    fs::File,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::{Db, MIGRATION_COUNT, now_secs};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists (give --force to replace it)")]
    Exists(PathBuf),
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0} is not an SQLite database")]
    NotADatabase(PathBuf),
    #[error("{0} is damaged (integrity check: {1})")]
    Corrupt(PathBuf, String),
    #[error("{0} is not a Tachkhis database")]
    NotTachkhis(PathBuf),
    #[error(
        "{0} comes from a newer Tachkhis (schema {1}; this one knows up to {2}): restore it with that version"
    )]
    TooNew(PathBuf, i64, usize),
    #[error(
        "the database {0} is in use: stop the Tachkhis server (and any other tachkhis command on it) first"
    )]
    InUse(PathBuf),
    #[error("{0}")]
    Db(#[from] super::DbError),
}

/// What a backup wrote.
#[derive(Debug, Clone, Copy)]
pub struct BackupReport {
    pub bytes: u64,
    pub elapsed: Duration,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(path.to_owned(), e)
}

/// A name beside `dest` that no other backup or restore uses at the same time.
fn temp_beside(dest: &Path, what: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tachkhis.db".into());
    let nonce: u64 = rand::random();
    dest.with_file_name(format!(".{name}.{what}-{nonce:016x}"))
}

/// Opens the database read-only: no migration, no write, no change of journal mode.
fn open_read_only(path: &Path) -> Result<Connection, BackupError> {
    if !path.is_file() {
        return Err(BackupError::NoDatabase(path.to_owned()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(conn)
}

/// Writes a consistent copy of the database at `db` to `dest` (see the module's doc). Refuses
/// an existing `dest` unless `force`. Safe while the server runs, whatever its load.
pub fn backup_file(db: &Path, dest: &Path, force: bool) -> Result<BackupReport, BackupError> {
    let start = Instant::now();
    if !force && dest.exists() {
        return Err(BackupError::Exists(dest.to_owned()));
    }
    let conn = open_read_only(db)?;
    let tmp = temp_beside(dest, "backup");
    let written: Result<u64, BackupError> = (|| {
        let target = tmp
            .to_str()
            .ok_or_else(|| BackupError::Io(tmp.clone(), std::io::ErrorKind::InvalidInput.into()))?;
        conn.execute("VACUUM INTO ?1", [target])?;
        // VACUUM INTO does not sync its output: the backup must survive a power cut once named.
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io(&tmp))?;
        let bytes = std::fs::metadata(&tmp).map_err(io(&tmp))?.len();
        if force {
            std::fs::rename(&tmp, dest).map_err(io(dest))?;
        } else {
            // A link fails if `dest` appeared meanwhile: never replace what was not asked.
            std::fs::hard_link(&tmp, dest).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => BackupError::Exists(dest.to_owned()),
                _ => BackupError::Io(dest.to_owned(), e),
            })?;
            let _ = std::fs::remove_file(&tmp);
        }
        sync_dir(dest);
        Ok(bytes)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(BackupReport {
        bytes: written?,
        elapsed: start.elapsed(),
    })
}

/// Makes a rename durable (the directory entry), best effort: not every system allows it.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// The tables whose presence makes a file a Tachkhis database (the first migration's).
const TACHKHIS_TABLES: &[&str] = &["communes", "users", "tokens", "documents", "doc_chunks"];

/// Checks that `path` is a whole, undamaged Tachkhis database this binary can migrate.
/// Returns its schema version.
pub fn check_backup(path: &Path) -> Result<i64, BackupError> {
    let conn = open_read_only(path)?;
    let not_db = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => BackupError::NotADatabase(path.to_owned()),
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            BackupError::Corrupt(path.to_owned(), e.to_string())
        }
        _ => BackupError::Sql(e),
    };
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(not_db)?;
    let mut problems = Vec::new();
    conn.pragma_query(None, "integrity_check", |r| {
        problems.push(r.get::<_, String>(0)?);
        Ok(())
    })
    .map_err(not_db)?;
    if problems != ["ok"] {
        problems.truncate(5);
        return Err(BackupError::Corrupt(path.to_owned(), problems.join("; ")));
    }
    for table in TACHKHIS_TABLES {
        let found: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .optional()
            .map_err(not_db)?;
        if found.is_none() {
            return Err(BackupError::NotTachkhis(path.to_owned()));
        }
    }
    if version < 1 {
        return Err(BackupError::NotTachkhis(path.to_owned()));
    }
    if version > MIGRATION_COUNT as i64 {
        return Err(BackupError::TooNew(
            path.to_owned(),
            version,
            MIGRATION_COUNT,
        ));
    }
    Ok(version)
}

/// Refuses while any other connection has the database open (a running server keeps some
/// open even when idle): an exclusive lock is granted only to a lone connection. Leaves no
/// WAL behind (the last connection checkpoints it into the file).
fn check_not_in_use(db: &Path) -> Result<(), BackupError> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.busy_timeout(Duration::ZERO)?;
    let busy = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            BackupError::InUse(db.to_owned())
        }
        _ => BackupError::Sql(e),
    };
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(busy)?;
    conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;")
        .map_err(busy)?;
    conn.close().map_err(|(_, e)| busy(e))?;
    Ok(())
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// Where the database that was replaced is kept (none when there was none).
    pub kept_old: Option<PathBuf>,
    /// The backup's schema version, before the migrations.
    pub from_version: i64,
    /// Logins of the backup now expired.
    pub expired_logins: usize,
}

/// Replaces the database at `db` with the backup at `from` (see the module's doc). The server
/// must be stopped. Nothing changes unless every check passes.
pub fn restore(from: &Path, db: &Path) -> Result<RestoreReport, BackupError> {
    let from_version = check_backup(from)?;
    if db.exists() {
        check_not_in_use(db)?;
    }
    // The check's connection checkpointed the WAL into the file and removed it. A WAL left
    // over would be replayed onto the restored file, which it does not belong to.
    let wal = with_suffix(db, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(BackupError::InUse(db.to_owned()));
    }
    let tmp = temp_beside(db, "restore");
    let prepared = (|| {
        std::fs::copy(from, &tmp).map_err(io(&tmp))?;
        let done = {
            let prepared = Db::open(&tmp)?;
            let backup_name = from.file_name().map(|n| n.to_string_lossy().into_owned());
            prepared
                .write_blocking(|tx| {
                    let now = now_secs();
                    let expired = tx.execute(
                        "UPDATE tokens SET expires_at = ?1 WHERE expires_at > ?1",
                        [now],
                    )?;
                    tx.execute(
                        "INSERT INTO restores (at, backup_name, from_version) VALUES (?1, ?2, ?3)",
                        params![now, backup_name, from_version],
                    )?;
                    crate::users::auth::audit(
                        tx,
                        None,
                        "db.restore",
                        backup_name.as_deref(),
                        Some(&format!("schema {from_version}; {expired} logins expired")),
                    )?;
                    let stamp: String = tx.query_row(
                        "SELECT strftime('%Y%m%dT%H%M%SZ', ?1, 'unixepoch')",
                        [now],
                        |r| r.get(0),
                    )?;
                    Ok((expired, stamp))
                })
                .map_err(|e| BackupError::Io(tmp.clone(), std::io::Error::other(e.to_string())))?
        };
        // The prepared database was closed (its WAL checkpointed into the file): make it
        // durable before it takes the name.
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io(&tmp))?;
        Ok::<_, BackupError>(done)
    })();
    let swapped = prepared.and_then(|(expired, stamp)| {
        let kept_old = if db.exists() {
            let kept = db.with_file_name(format!(
                "{}.before-restore-{stamp}",
                db.file_name().unwrap_or_default().to_string_lossy()
            ));
            // A link, not a rename: the database keeps its name until the new one replaces
            // it. A copy where the file system has no links.
            std::fs::hard_link(db, &kept)
                .or_else(|_| std::fs::copy(db, &kept).map(drop))
                .map_err(io(&kept))?;
            Some(kept)
        } else {
            None
        };
        let _ = std::fs::remove_file(&wal);
        let _ = std::fs::remove_file(with_suffix(db, "-shm"));
        std::fs::rename(&tmp, db).map_err(io(db))?;
        sync_dir(db);
        Ok((expired, kept_old))
    });
    let (expired_logins, kept_old) = match swapped {
        Ok(done) => done,
        Err(e) => {
            remove_with_wal(&tmp);
            return Err(e);
        }
    };
    Ok(RestoreReport {
        kept_old,
        from_version,
        expired_logins,
    })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn remove_with_wal(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
}

/// True once the database was restored from a backup: a token it does not know may have been
/// issued after that backup, so it reads as expired (log in again), not as invalid.
pub fn was_restored(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<bool> {
    Ok(tx
        .query_row("SELECT 1 FROM restores LIMIT 1", [], |r| r.get::<_, i64>(0))
        .optional()?
        .is_some())
}

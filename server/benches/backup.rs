//! The backup benchmark (issue 17): how long a backup of a campaign-sized database takes,
//! idle and while tablets sync without pause, with the backup as `tachkhis backup` and the
//! admin's download make it (`db::backup::backup_file`: `VACUUM INTO` on a read-only
//! connection) beside the online backup used before (SQLite's backup API in steps of 256
//! pages, from a connection of its own, as the old `tachkhis backup` ran beside the server).
//!
//! The database: tablets × 6 sessions × 40 proposals synced for real (documents, chunks,
//! projection), then photos (random bytes, as incompressible as JPEGs, ~300 KB each) up to
//! the size asked: a campaign's database is mostly its photos. The load: `LOAD_TABLETS`
//! simulated tablets in this process, each adding a proposal and syncing (`POST /api/sync`,
//! written to disk before the answer), again and again, on the same 2 cores as the server.
//!
//! `cargo bench -p tachkhis-server --bench backup` (release; `cargo xtask bench` runs it).
//! `TACHKHIS_BACKUP_MB` sets the size (default 300), `TACHKHIS_BACKUP_TABLETS` the tablets
//! whose sessions are synced for real (default 30; each adds ~0.3 MB of many small rows, which
//! `VACUUM INTO` copies more slowly than photo bytes).
#![allow(clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../../tests/integration/helpers.rs"]
mod helpers;

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use helpers::{HttpTransport, Tablet, TestApp, spawn_app};
use rand::RngCore;

/// Tablets whose sessions are synced for real (`TACHKHIS_BACKUP_TABLETS`): 6 sessions of
/// 40 proposals each, ~0.3 MB of documents and projection per tablet.
const BUILD_TABLETS: usize = 30;
const SESSIONS: usize = 6;
const PROPOSALS: usize = 40;
const LOAD_TABLETS: usize = 16;
const PHOTO_BYTES: usize = 300 * 1024;
/// The old online backup is stopped after this long under load.
const OLD_BACKUP_CAP: Duration = Duration::from_secs(60);

fn file_mb(path: &Path) -> f64 {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    (size(path) + size(Path::new(&wal))) as f64 / 1e6
}

async fn build(app: &TestApp, target_mb: usize, tablets: usize) {
    let started = Instant::now();
    let token = app.login("facilitator").await;
    for _ in 0..tablets {
        let mut t = Tablet::new("facilitator");
        for _ in 0..SESSIONS {
            let s = t.new_session();
            for p in 0..PROPOSALS {
                t.add_proposal(s, &format!("انعدام الماء الصالح للشرب في الدوار رقم {p}"));
            }
        }
        t.sync(app, &token).await.expect("sync");
    }
    let docs_mb = file_mb(&app.db_path);
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let mut bytes = vec![0u8; PHOTO_BYTES];
    let mut i = 0u64;
    // The file alone: each batch is checkpointed into it, and the WAL would count it twice.
    let main_mb = |p: &Path| std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1e6);
    while main_mb(&app.db_path) < target_mb as f64 {
        conn.execute_batch("BEGIN").unwrap();
        for _ in 0..100 {
            rand::rng().fill_bytes(&mut bytes);
            conn.execute(
                "INSERT INTO photo_blobs (hash, mime, size, bytes, received_at)
                 VALUES (?1, 'image/jpeg', ?2, ?3, 0)",
                rusqlite::params![format!("{i:064x}"), bytes.len() as i64, bytes],
            )
            .unwrap();
            i += 1;
        }
        conn.execute_batch("COMMIT; PRAGMA wal_checkpoint(PASSIVE);")
            .unwrap();
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    println!(
        "database: {:.0} MB ({} sessions of {PROPOSALS} proposals synced: {docs_mb:.1} MB; {i} photos of {} KB), built in {:.0} s",
        file_mb(&app.db_path),
        tablets * SESSIONS,
        PHOTO_BYTES / 1024,
        started.elapsed().as_secs_f64()
    );
}

struct Load {
    stop: Arc<AtomicBool>,
    syncs: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    async fn start(app: &TestApp) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let syncs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..LOAD_TABLETS {
            let token = app.login("facilitator").await;
            let (stop, syncs) = (stop.clone(), syncs.clone());
            let (http, url) = (app.http.clone(), app.url("/api/sync"));
            tasks.push(tokio::spawn(async move {
                let mut t = Tablet::new("facilitator");
                let mut session = t.new_session();
                // Bounded: a run of this benchmark stops by itself.
                for round in 0..100_000 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    // A new session now and then, as the day's meetings go: documents stay small.
                    if round % 40 == 39 {
                        t.docs.clear();
                        session = t.new_session();
                    }
                    t.add_proposal(session, &format!("مشكل رقم {round}"));
                    let mut transport = HttpTransport {
                        http: http.clone(),
                        url: url.clone(),
                        token: token.clone(),
                    };
                    t.sync_with(&mut transport).await.expect("sync under load");
                    syncs.fetch_add(1, Ordering::SeqCst);
                }
            }));
        }
        Load { stop, syncs, tasks }
    }

    fn syncs(&self) -> usize {
        self.syncs.load(Ordering::SeqCst)
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.unwrap();
        }
    }
}

/// The online backup as the old `tachkhis backup` ran it; `None` when it had not finished
/// within [`OLD_BACKUP_CAP`].
fn old_online_backup(db: &Path, dest: &Path) -> Option<Duration> {
    let started = Instant::now();
    let src = rusqlite::Connection::open(db).unwrap();
    let mut out = rusqlite::Connection::open(dest).unwrap();
    let backup = rusqlite::backup::Backup::new(&src, &mut out).unwrap();
    loop {
        match backup.step(256) {
            Ok(rusqlite::backup::StepResult::Done) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) => panic!("online backup: {e}"),
        }
        if started.elapsed() > OLD_BACKUP_CAP {
            return None;
        }
    }
}

async fn timed_backup(app: &TestApp, dest: &Path) -> (Duration, u64) {
    let (db, dest) = (app.db_path.clone(), dest.to_owned());
    let report = tokio::task::spawn_blocking(move || {
        tachkhis_server::db::backup::backup_file(&db, &dest, true).expect("backup")
    })
    .await
    .unwrap();
    (report.elapsed, report.bytes)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let target_mb: usize = std::env::var("TACHKHIS_BACKUP_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let tablets: usize = std::env::var("TACHKHIS_BACKUP_TABLETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(BUILD_TABLETS);
    let app = spawn_app().await;
    build(&app, target_mb, tablets).await;
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("backup.db");

    let (idle, bytes) = timed_backup(&app, &dest).await;
    println!(
        "backup (VACUUM INTO, read-only), idle: {:.2} s for {:.0} MB",
        idle.as_secs_f64(),
        bytes as f64 / 1e6
    );

    let load = Load::start(&app).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (s0, t0) = (load.syncs(), Instant::now());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before_rate = (load.syncs() - s0) as f64 / t0.elapsed().as_secs_f64();
    let (s1, t1) = (load.syncs(), Instant::now());
    let (loaded, bytes) = timed_backup(&app, &dest).await;
    let during_rate = (load.syncs() - s1) as f64 / t1.elapsed().as_secs_f64();
    println!(
        "backup (VACUUM INTO, read-only), under load ({LOAD_TABLETS} tablets syncing without pause): \
         {:.2} s for {:.0} MB; syncs/s before {before_rate:.0}, during {during_rate:.0} \
         ({} syncs committed while it ran)",
        loaded.as_secs_f64(),
        bytes as f64 / 1e6,
        load.syncs() - s1
    );
    let conn = rusqlite::Connection::open(&dest).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "the backup taken under load");
    drop(conn);

    let old_dest = out.path().join("old.db");
    let (db, old) = (app.db_path.clone(), old_dest.clone());
    let s2 = load.syncs();
    let old_time = tokio::task::spawn_blocking(move || old_online_backup(&db, &old))
        .await
        .unwrap();
    match old_time {
        Some(t) => println!(
            "online backup (before issue 17), under load: {:.2} s ({} syncs meanwhile)",
            t.as_secs_f64(),
            load.syncs() - s2
        ),
        None => println!(
            "online backup (before issue 17), under load: not finished after {} s ({} syncs meanwhile: it restarts at each)",
            OLD_BACKUP_CAP.as_secs(),
            load.syncs() - s2
        ),
    }
    load.stop().await;
    app.stop().await;
}

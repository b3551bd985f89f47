//! Backups and restore (issue 17): `tachkhis backup` while tablets keep syncing finishes and
//! holds what was synced before it; a restore brings back the backup, expires every login so
//! tablets log in again and resync what the backup missed; a restore refuses what is not a
//! sound Tachkhis backup and changes nothing; the administrator's download.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

use tachkhis_server::db::backup::{self, BackupError};
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app, spawn_on};

/// Runs the `tachkhis` binary; its exit status, standard output and standard error.
fn tachkhis(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tachkhis"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run tachkhis");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cli_backup(db: &Path, to: &Path, force: bool) -> (bool, String, String) {
    let mut args = vec![
        "backup".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--to".as_ref(),
        to.as_os_str(),
    ];
    if force {
        args.push("--force".as_ref());
    }
    tachkhis(&args)
}

fn cli_restore(from: &Path, db: &Path) -> (bool, String, String) {
    tachkhis(&[
        "restore".as_ref(),
        "--from".as_ref(),
        from.as_os_str(),
        "--db".as_ref(),
        db.as_os_str(),
    ])
}

/// [`cli_restore`] on the database of a server this process has just stopped: its last
/// connections are closed by other threads of this process a moment after its task ends
/// (a real server is a process of its own, gone when stopped), so "in use" is asked again
/// for up to ten seconds; anything else is the answer.
fn cli_restore_once_released(from: &Path, db: &Path) -> (bool, String, String) {
    let mut tries = 0;
    loop {
        let (ok, out, err) = cli_restore(from, db);
        if ok || !err.contains("in use") || tries == 100 {
            return (ok, out, err);
        }
        tries += 1;
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn ids_in(path: &Path, sql: &str) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Grows the database by `mb` MB of photo bytes, as a campaign's photos do (random, so
/// nothing compresses them away), so that a backup takes long enough for syncs to commit
/// while it runs.
fn pad_with_photos(db: &Path, mb: usize) {
    use rand::RngCore;
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let mut bytes = vec![0u8; 1 << 20];
    for i in 0..mb {
        rand::rng().fill_bytes(&mut bytes);
        conn.execute(
            "INSERT INTO photo_blobs (hash, mime, size, bytes, received_at) VALUES (?1, 'image/jpeg', ?2, ?3, 0)",
            rusqlite::params![format!("{i:064x}"), bytes.len() as i64, bytes],
        )
        .unwrap();
    }
}

/// Tablets that sync without pause (a proposal added before each sync) until told to stop:
/// the load a campaign day puts on the server. Bounded: at most `max_rounds` syncs each.
struct Load {
    stop: Arc<AtomicBool>,
    syncs: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<Tablet>>,
}

impl Load {
    fn start(app: &TestApp, tablets: Vec<(Tablet, String)>, max_rounds: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let syncs = Arc::new(AtomicUsize::new(0));
        let tasks = tablets
            .into_iter()
            .map(|(mut tablet, token)| {
                let (stop, syncs) = (stop.clone(), syncs.clone());
                let (http, url) = (app.http.clone(), app.url("/api/sync"));
                tokio::spawn(async move {
                    let session = tablet.new_session();
                    for round in 0..max_rounds {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        tablet.add_proposal(session, &format!("مشكل رقم {round}"));
                        let mut transport = crate::helpers::HttpTransport {
                            http: http.clone(),
                            url: url.clone(),
                            token: token.clone(),
                        };
                        tablet.sync_with(&mut transport).await.expect("sync");
                        syncs.fetch_add(1, Ordering::SeqCst);
                    }
                    tablet
                })
            })
            .collect();
        Load { stop, syncs, tasks }
    }

    fn syncs(&self) -> usize {
        self.syncs.load(Ordering::SeqCst)
    }

    async fn stop(self) -> Vec<Tablet> {
        self.stop.store(true, Ordering::SeqCst);
        let mut tablets = Vec::new();
        for t in self.tasks {
            tablets.push(t.await.unwrap());
        }
        tablets
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_during_continuous_sync_finishes_and_holds_what_was_synced_before() {
    let app = spawn_app().await;
    pad_with_photos(&app.db_path, 24);
    let token = app.login("facilitator").await;
    let mut first = Tablet::new("facilitator");
    let early = first.new_session();
    first.add_proposal(early, "انعدام الماء الصالح للشرب");
    first.sync(&app, &token).await.unwrap();

    let tablets = (0..3)
        .map(|_| (Tablet::new("facilitator"), token.clone()))
        .collect();
    let load = Load::start(&app, tablets, 5_000);
    while load.syncs() < 6 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let synced_before = ids_in(&app.db_path, "SELECT id FROM proposals");
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("backup.db");
    let at_start = load.syncs();
    let (ok, out, err) = {
        let (db, dest) = (app.db_path.clone(), dest.clone());
        tokio::task::spawn_blocking(move || cli_backup(&db, &dest, false))
            .await
            .unwrap()
    };
    let at_end = load.syncs();
    let tablets = load.stop().await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("backup written to"), "{out}");
    assert!(
        at_end > at_start,
        "syncs committed while the backup ran ({at_start} → {at_end})"
    );
    assert_eq!(integrity(&dest), "ok");
    let in_backup = ids_in(&dest, "SELECT id FROM proposals");
    assert!(
        synced_before.is_subset(&in_backup),
        "the backup holds every proposal synced before it"
    );
    assert!(ids_in(&dest, "SELECT id FROM documents").contains(&early.to_string()));
    // The live database went on: it holds every tablet's last proposal.
    let live = ids_in(&app.db_path, "SELECT id FROM proposals");
    for mut t in tablets {
        let session = *t.docs.keys().next().unwrap();
        for p in t.doc(session).read().unwrap().proposals {
            assert!(live.contains(&p.id.to_string()));
        }
    }
    // Only the backup is left in its folder (no temporary file).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("backup.db")]);

    // An existing file is not replaced without --force.
    let before = std::fs::read(&dest).unwrap();
    let (ok, _, err) = cli_backup(&app.db_path, &dest, false);
    assert!(!ok);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&dest).unwrap(), before);
    let (ok, out, err) = cli_backup(&app.db_path, &dest, true);
    assert!(ok, "{out}{err}");
    assert_eq!(integrity(&dest), "ok");
    app.stop().await;
}

/// The server's view of a session, without the time of its last projection.
async fn detail(app: &TestApp, token: &str, id: Uuid) -> serde_json::Value {
    let (status, mut d) = app.get_json(&format!("/api/sessions/{id}"), token).await;
    assert_eq!(status, 200, "{d}");
    d["updated_at"] = serde_json::Value::Null;
    d
}

async fn error_code(app: &TestApp, token: &str) -> (u16, String) {
    let (status, body) = app.get_json("/api/sessions", token).await;
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_expires_every_login_and_the_tablets_resync_what_the_backup_missed() {
    let app = spawn_app().await;
    let old_token = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let s1 = tablet.new_session();
    tablet.add_proposal(s1, "انعدام الماء الصالح للشرب");
    tablet.add_proposal(s1, "الطريق غير معبدة");
    tablet.sync(&app, &old_token).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let backup_file = dir.path().join("backup.db");
    let (ok, out, err) = cli_backup(&app.db_path, &backup_file, false);
    assert!(ok, "{out}{err}");

    // After the backup: more work, a new login, a second tablet with a session of its own.
    tablet.add_proposal(s1, "غياب النقل المدرسي");
    let s2 = tablet.new_session();
    tablet.add_proposal(s2, "المستوصف بعيد");
    tablet.sync(&app, &old_token).await.unwrap();
    let late_token = app.login("facilitator").await;
    let mut other = Tablet::new("facilitator");
    let s3 = other.new_session();
    other.add_proposal(s3, "لا توجد إنارة عمومية");
    other.sync(&app, &late_token).await.unwrap();
    assert!(ids_in(&backup_file, "SELECT id FROM documents").len() < 3);

    // The server is running: the restore refuses and says why. (The file is not read here:
    // closing a descriptor of it in this process would drop the server's SQLite locks, POSIX
    // locks being per process, which is what the restore looks for.)
    let listing = files_in(app.db_path.parent().unwrap());
    let (ok, out, err) = cli_restore(&backup_file, &app.db_path);
    assert!(!ok, "{out}");
    assert!(err.contains("in use") && err.contains("stop"), "{err}");
    assert_eq!(files_in(app.db_path.parent().unwrap()), listing);
    assert_eq!(app.count("SELECT count(*) FROM documents"), 3);

    let (db_path, _keep) = app.stop().await;
    let (ok, out, err) = cli_restore_once_released(&backup_file, &db_path);
    assert!(ok, "{out}{err}");
    assert!(out.contains("before-restore"), "{out}");
    let kept: Vec<PathBuf> = std::fs::read_dir(db_path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        ids_in(&kept[0], "SELECT id FROM documents").len(),
        3,
        "the replaced database is kept whole"
    );

    let app = spawn_on(db_path.clone(), "127.0.0.1:0".parse().unwrap()).await;
    assert_eq!(app.count("SELECT count(*) FROM documents"), 1);
    // A login from before the backup, and one from after it, both read as expired.
    assert_eq!(
        error_code(&app, &old_token).await,
        (401, "token_expired".into())
    );
    assert_eq!(
        error_code(&app, &late_token).await,
        (401, "token_expired".into())
    );
    // The tablet's sync with its old login is refused, and changes nothing.
    assert!(tablet.sync(&app, &old_token).await.is_err());
    assert_eq!(app.count("SELECT count(*) FROM documents"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'db.restore'"),
        1
    );

    // Both tablets log in again and resync: the server holds every change again.
    let token = app.login("facilitator").await;
    tablet.sync(&app, &token).await.unwrap();
    let token2 = app.login("facilitator").await;
    other.sync(&app, &token2).await.unwrap();
    let office = app.login("office").await;
    for (which, id) in [(0, s1), (0, s2), (1, s3)] {
        let t = if which == 0 { &mut tablet } else { &mut other };
        let on_tablet: BTreeSet<String> = t
            .doc(id)
            .read()
            .unwrap()
            .proposals
            .iter()
            .map(|p| p.id.to_string())
            .collect();
        let d = detail(&app, &office, id).await;
        let on_server: BTreeSet<String> = d["proposal_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(on_server, on_tablet, "session {id}");
    }
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 5);

    // The projection equals one rebuilt from the documents.
    let mut projected = Vec::new();
    for id in [s1, s2, s3] {
        projected.push(detail(&app, &office, id).await);
    }
    let db = tachkhis_server::Db::open(&app.db_path).unwrap();
    let (ok_count, quarantined) = db
        .write_blocking(tachkhis_server::documents::store::rebuild_projections)
        .unwrap();
    assert_eq!((ok_count, quarantined), (3, 0));
    for (id, before) in [s1, s2, s3].into_iter().zip(projected) {
        assert_eq!(detail(&app, &office, id).await, before);
    }
    app.stop().await;
}

/// A database as a stopped server leaves it, with one synced session.
async fn stopped_server() -> (PathBuf, tempfile::TempDir) {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let s = t.new_session();
    t.add_proposal(s, "انعدام الماء الصالح للشرب");
    t.sync(&app, &token).await.unwrap();
    let (path, dir) = app.stop().await;
    (path, dir.unwrap())
}

fn files_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn a_restore_refuses_what_is_not_a_sound_tachkhis_backup_and_changes_nothing() {
    let (db, dir) = stopped_server().await;
    let others = tempfile::tempdir().unwrap();
    let good = others.path().join("good.db");
    backup::backup_file(&db, &good, false).unwrap();

    let junk = others.path().join("junk.db");
    std::fs::write(&junk, "these are not the bytes of a database".repeat(200)).unwrap();
    let corrupt = others.path().join("corrupt.db");
    {
        let mut bytes = std::fs::read(&good).unwrap();
        // Page 1 stays (the header): the damage is in the tables' pages, as a bad disk does.
        let page = 4096;
        for b in &mut bytes[page * 3..page * 40] {
            *b ^= 0x5a;
        }
        std::fs::write(&corrupt, bytes).unwrap();
    }
    let foreign = others.path().join("notes.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('x');")
        .unwrap();
    let newer = others.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let missing = others.path().join("missing.db");

    let before = std::fs::read(&db).unwrap();
    let listing = files_in(dir.path());
    for (file, what) in [
        (&junk, "not an SQLite database"),
        (&corrupt, "damaged"),
        (&foreign, "not a Tachkhis database"),
        (&newer, "newer Tachkhis"),
        (&missing, "no database"),
    ] {
        let result = backup::restore(file, &db);
        let err = result.expect_err(what);
        assert!(err.to_string().contains(what), "{what}: {err}");
        if file == &corrupt {
            assert!(matches!(err, BackupError::Corrupt(..)), "{err:?}");
        }
        assert_eq!(std::fs::read(&db).unwrap(), before, "{what}: unchanged");
        assert_eq!(files_in(dir.path()), listing, "{what}: no file left");
    }
    // The CLI says it in words, with a failing status.
    let (ok, _, err) = cli_restore(&junk, &db);
    assert!(!ok);
    assert!(err.contains("not an SQLite database"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // The good one goes in.
    backup::restore(&good, &db).unwrap();
    assert_eq!(integrity(&db), "ok");
}

#[tokio::test]
async fn the_administrator_downloads_a_backup_and_nobody_else_does() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let s = t.new_session();
    t.add_proposal(s, "انعدام الماء الصالح للشرب");
    t.sync(&app, &token).await.unwrap();
    let listing = files_in(app.db_path.parent().unwrap());

    for role in ["facilitator", "office", "committee"] {
        let token = app.login(role).await;
        let r = app
            .http
            .get(app.url("/api/admin/backup"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{role}");
    }

    let admin = app.login("admin").await;
    let r = app
        .http
        .get(app.url("/api/admin/backup"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"tachkhis-")
            && disposition.ends_with(".db\""),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("download.db");
    std::fs::write(&file, &bytes).unwrap();
    assert_eq!(integrity(&file), "ok");
    assert!(ids_in(&file, "SELECT id FROM documents").contains(&s.to_string()));
    assert_eq!(backup::check_backup(&file).unwrap(), {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
            .unwrap()
    });
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'db.backup'"),
        1
    );
    // Nothing is left beside the database.
    let mut after = files_in(app.db_path.parent().unwrap());
    after.retain(|n| !n.ends_with("-wal") && !n.ends_with("-shm"));
    let mut listing = listing;
    listing.retain(|n| !n.ends_with("-wal") && !n.ends_with("-shm"));
    assert_eq!(after, listing);
    app.stop().await;
}

//! Sync that survives the field: a TCP proxy between the simulated tablets and the real server
//! delays answers past the tablet's timeout, drops answers the server has already committed,
//! and cuts requests halfway. Tablets retry with `shared::sync::run_client_sync`, keeping only
//! the persisted sync state after a failure, exactly as the browser does. Whatever happened,
//! the server ends with the tablets' documents (same heads), nothing doubled, nothing lost, and
//! a replayed request changes nothing.

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use tachkhis_shared::{
    AttendanceCategory,
    sync::{self as engine, SyncReport, Transport},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use uuid::Uuid;

use crate::helpers::{HttpTransport, Tablet, TestApp, spawn_app};

/// How long a tablet waits for an answer before giving up on a request.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(1000);
/// How long a slow answer is held back: well past the tablet's timeout.
const SLOW: Duration = Duration::from_millis(2000);
const MAX_ATTEMPTS: usize = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Pass,
    /// The server answers, but the answer reaches the tablet only after its timeout.
    SlowAnswer,
    /// The server receives the whole request and answers; the connection closes before the
    /// tablet sees a byte of the answer.
    DropAnswer,
    /// The connection is cut after the headers and half the body: the server never sees a
    /// whole request.
    CutRequest,
}

const FAULTS: [Fault; 3] = [Fault::SlowAnswer, Fault::DropAnswer, Fault::CutRequest];

/// A TCP proxy in front of the server; each new connection takes the next fault of the script
/// (then passes everything once the script is empty). The tablets open one connection per
/// request, so a fault hits exactly one HTTP exchange.
struct Proxy {
    addr: SocketAddr,
    script: Arc<Mutex<VecDeque<Fault>>>,
    applied: Arc<Mutex<Vec<Fault>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let script: Arc<Mutex<VecDeque<Fault>>> = Arc::default();
        let applied: Arc<Mutex<Vec<Fault>>> = Arc::default();
        let (s, a) = (script.clone(), applied.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let fault = s.lock().unwrap().pop_front().unwrap_or(Fault::Pass);
                a.lock().unwrap().push(fault);
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        let _ = relay(client, server, fault).await;
                    }
                });
            }
        });
        Proxy {
            addr,
            script,
            applied,
            task,
        }
    }

    fn push(&self, faults: &[Fault]) {
        self.script.lock().unwrap().extend(faults);
    }

    fn faults_applied(&self) -> Vec<Fault> {
        self.applied
            .lock()
            .unwrap()
            .iter()
            .copied()
            .filter(|f| *f != Fault::Pass)
            .collect()
    }

    fn transport(&self, token: &str) -> HttpTransport {
        HttpTransport {
            http: reqwest::Client::builder()
                .timeout(CLIENT_TIMEOUT)
                // One connection per request, as a fault is per connection.
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            url: format!("http://{}/api/sync", self.addr),
            token: token.into(),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads a request's head (up to the blank line) and returns it with the body bytes read so
/// far and the declared Content-Length.
async fn read_head(client: &mut TcpStream) -> std::io::Result<(Vec<u8>, Vec<u8>, usize)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = buf[..end + 4].to_vec();
            let body = buf[end + 4..].to_vec();
            let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let length = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            return Ok((head, body, length));
        }
    }
}

async fn relay(mut client: TcpStream, mut server: TcpStream, fault: Fault) -> std::io::Result<()> {
    match fault {
        Fault::Pass => {
            tokio::io::copy_bidirectional(&mut client, &mut server).await?;
        }
        Fault::CutRequest => {
            let (head, mut body, length) = read_head(&mut client).await?;
            while body.len() < length / 2 {
                let mut chunk = [0u8; 4096];
                let n = client.read(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
            server.write_all(&head).await?;
            server
                .write_all(&body[..(length / 2).min(body.len())])
                .await?;
            server.flush().await?;
            // Both sides see the connection die mid-request.
        }
        Fault::DropAnswer | Fault::SlowAnswer => {
            let (mut cr, mut cw) = client.into_split();
            let (mut sr, mut sw) = server.into_split();
            let upload = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut cr, &mut sw).await;
            });
            let mut first = vec![0u8; 64 * 1024];
            // The server writes its answer only after committing the request's transaction.
            let n = sr.read(&mut first).await?;
            if fault == Fault::DropAnswer {
                upload.abort();
                return Ok(());
            }
            tokio::time::sleep(SLOW).await;
            cw.write_all(&first[..n]).await?;
            tokio::io::copy(&mut sr, &mut cw).await?;
            upload.abort();
        }
    }
    Ok(())
}

/// Syncs until a run succeeds (with a short exponential back-off, as the tablet does) and
/// returns the successful run's report and the number of failed runs.
async fn sync_until_ok(tablet: &mut Tablet, transport: &mut HttpTransport) -> (SyncReport, usize) {
    let mut failures = 0;
    loop {
        match tablet.sync_with(transport).await {
            Ok(report) => return (report, failures),
            Err(e) => {
                failures += 1;
                assert!(failures < MAX_ATTEMPTS, "still failing: {e}");
                let backoff = Duration::from_millis(10 << failures.min(5));
                tokio::time::sleep(backoff).await;
            }
        }
    }
}

fn server_heads(app: &TestApp, id: Uuid) -> Vec<u8> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.query_row(
        "SELECT heads FROM documents WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .unwrap()
}

fn tablet_heads(t: &mut Tablet, id: Uuid) -> Vec<u8> {
    let heads = t.doc(id).heads();
    engine::encode(&engine::sorted_heads(engine::heads_to_wire(&heads))).unwrap()
}

/// Proposal ids per session in the projection.
fn projected(app: &TestApp) -> BTreeMap<String, BTreeSet<String>> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT session_id, id FROM proposals WHERE deleted = 0")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    for row in rows {
        let (s, p) = row.unwrap();
        out.entry(s).or_default().insert(p);
    }
    out
}

fn present(app: &TestApp, id: Uuid) -> i64 {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.query_row(
        "SELECT present FROM sessions WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .unwrap()
}

/// The server holds exactly what the tablet holds for each of `ids`: same heads, the same
/// live proposals (none doubled, none missing), the same attendance.
fn assert_same(app: &TestApp, t: &mut Tablet, ids: &[Uuid]) {
    let projection = projected(app);
    for &id in ids {
        assert_eq!(server_heads(app, id), tablet_heads(t, id), "heads of {id}");
        let session = t.doc(id).read().unwrap();
        let mine: BTreeSet<String> = session.live_proposals().map(|p| p.id.to_string()).collect();
        assert_eq!(
            projection.get(&id.to_string()).cloned().unwrap_or_default(),
            mine,
            "proposals of {id}"
        );
        assert_eq!(
            present(app, id),
            session.attendance.total(),
            "attendance of {id}"
        );
    }
}

/// A tablet's day: sessions with proposals, attendance and notes.
fn fill(t: &mut Tablet, sessions: usize, proposals: usize) -> Vec<Uuid> {
    (0..sessions)
        .map(|s| {
            let id = t.new_session();
            for p in 0..proposals {
                t.add_proposal(id, &format!("مشكل رقم {p} في الجلسة {s}: الطريق والماء"));
            }
            let ctx = t.ctx();
            t.doc(id)
                .add_attendance(AttendanceCategory::Women, 11 + s as i64, &ctx)
                .unwrap();
            let ctx = t.ctx();
            t.doc(id).set_notes("ملاحظات: حضور جيد", &ctx).unwrap();
            id
        })
        .collect()
}

/// Wraps a transport and keeps every request body (to replay them afterwards).
struct Recording<'a> {
    inner: &'a mut HttpTransport,
    bodies: Vec<Vec<u8>>,
}

impl Transport for Recording<'_> {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        self.bodies.push(body.clone());
        self.inner.exchange(body).await
    }
}

#[tokio::test]
async fn each_fault_at_each_round_ends_with_the_tablets_documents_and_nothing_doubled() {
    for fault in FAULTS {
        // A first sync of new sessions takes two round trips: the tablet's changes go with its
        // first message, the server's answer and the tablet's confirmation make the second.
        for round in 0..2 {
            let app = spawn_app().await;
            let token = app.login("facilitator").await;
            let proxy = Proxy::start(app.base.trim_start_matches("http://").parse().unwrap()).await;
            let mut t = Tablet::new("facilitator");
            let ids = fill(&mut t, 2, 6);
            let mut script = vec![Fault::Pass; round];
            script.push(fault);
            proxy.push(&script);
            let mut transport = proxy.transport(&token);
            let (_, failures) = sync_until_ok(&mut t, &mut transport).await;
            assert!(
                proxy.faults_applied() == vec![fault],
                "{fault:?} at round {round}: {:?}",
                proxy.faults_applied()
            );
            assert!(failures >= 1, "{fault:?} at round {round} was noticed");
            assert_same(&app, &mut t, &ids);
            assert_eq!(app.count("SELECT count(*) FROM proposals"), 12);
            assert_eq!(app.count("SELECT count(*) FROM sessions"), 2);
            // Converged: the next sync says so in one round trip and changes nothing.
            let (report, _) = sync_until_ok(&mut t, &mut transport).await;
            assert_eq!(report.round_trips, 1, "{fault:?} at round {round}");
            assert!(report.changed.is_empty());
            app.stop().await;
        }
    }
}

#[tokio::test]
async fn edits_made_between_failed_attempts_arrive_once() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let proxy = Proxy::start(app.base.trim_start_matches("http://").parse().unwrap()).await;
    let mut t = Tablet::new("facilitator");
    let ids = fill(&mut t, 3, 5);
    let mut transport = proxy.transport(&token);
    // Every fault in turn, with the facilitator working between attempts.
    for (i, fault) in FAULTS.iter().cycle().take(6).enumerate() {
        proxy.push(&[Fault::Pass, *fault]);
        let _ = t.sync_with(&mut transport).await;
        t.add_proposal(ids[i % ids.len()], &format!("اقتراح بين محاولتين {i}"));
        let ctx = t.ctx();
        t.doc(ids[i % ids.len()])
            .add_attendance(AttendanceCategory::Men, 1, &ctx)
            .unwrap();
    }
    sync_until_ok(&mut t, &mut transport).await;
    assert_eq!(proxy.faults_applied().len(), 6);
    assert_same(&app, &mut t, &ids);
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 15 + 6);
    app.stop().await;
}

#[tokio::test]
async fn a_replayed_request_changes_nothing() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let ids = fill(&mut t, 2, 4);
    let mut http = HttpTransport {
        http: app.http.clone(),
        url: app.url("/api/sync"),
        token: token.clone(),
    };
    let mut recording = Recording {
        inner: &mut http,
        bodies: Vec::new(),
    };
    t.sync_with(&mut recording).await.unwrap();
    let bodies = recording.bodies;
    assert!(bodies.len() >= 2, "the sync took {} rounds", bodies.len());
    let snapshot = |app: &TestApp| {
        (
            ids.iter()
                .map(|id| server_heads(app, *id))
                .collect::<Vec<_>>(),
            app.count("SELECT count(*) FROM doc_chunks"),
            app.count("SELECT count(*) FROM proposals"),
            app.count("SELECT sum(present) FROM sessions"),
            app.count("SELECT count(*) FROM audit_log"),
        )
    };
    let after_sync = snapshot(&app);
    // Every request of the run, replayed twice, in order: as a tablet whose answers were lost.
    for pass in 0..2 {
        for body in &bodies {
            http.exchange(body.clone()).await.unwrap();
        }
        assert_eq!(snapshot(&app), after_sync, "replay {pass}");
    }
    assert_same(&app, &mut t, &ids);
    app.stop().await;
}

#[tokio::test]
async fn several_tablets_with_interleaved_failures_converge() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let office = app.login("office").await;
    let proxy = Proxy::start(app.base.trim_start_matches("http://").parse().unwrap()).await;
    let mut a = Tablet::new("facilitator");
    let mut b = Tablet::new("facilitator");
    let mut c = Tablet::new("facilitator");
    // A and B run one meeting together; each also has its own sessions; C works alone.
    let shared = a.new_session();
    b.receive_copy(&mut a, shared);
    let own_a = fill(&mut a, 1, 4);
    let own_b = fill(&mut b, 2, 3);
    let own_c = fill(&mut c, 2, 5);
    for i in 0..4 {
        a.add_proposal(shared, &format!("اقتراح أ {i}"));
        b.add_proposal(shared, &format!("اقتراح ب {i}"));
    }
    let ctx = a.ctx();
    a.doc(shared)
        .add_attendance(AttendanceCategory::Women, 12, &ctx)
        .unwrap();
    let ctx = b.ctx();
    b.doc(shared)
        .add_attendance(AttendanceCategory::Women, 7, &ctx)
        .unwrap();
    // Faults fall on whichever tablet's request comes next.
    proxy.push(&[
        Fault::Pass,
        Fault::DropAnswer,
        Fault::CutRequest,
        Fault::Pass,
        Fault::SlowAnswer,
        Fault::DropAnswer,
        Fault::Pass,
        Fault::CutRequest,
        Fault::DropAnswer,
        Fault::SlowAnswer,
    ]);
    let (mut ta, mut tb, mut tc) = (
        proxy.transport(&token),
        proxy.transport(&token),
        proxy.transport(&token),
    );
    tokio::join!(
        sync_until_ok(&mut a, &mut ta),
        sync_until_ok(&mut b, &mut tb),
        sync_until_ok(&mut c, &mut tc),
    );
    // A second pass brings each tablet what the others sent of the shared session.
    for (t, tr) in [(&mut a, &mut ta), (&mut b, &mut tb), (&mut c, &mut tc)] {
        sync_until_ok(t, tr).await;
    }
    // Whatever of the script is left falls on further syncs of A.
    for _ in 0..MAX_ATTEMPTS {
        if proxy.script.lock().unwrap().is_empty() {
            break;
        }
        sync_until_ok(&mut a, &mut ta).await;
    }
    sync_until_ok(&mut a, &mut ta).await;
    sync_until_ok(&mut b, &mut tb).await;
    assert_eq!(proxy.faults_applied().len(), 7);

    let mut all_a = own_a.clone();
    all_a.push(shared);
    let mut all_b = own_b.clone();
    all_b.push(shared);
    assert_same(&app, &mut a, &all_a);
    assert_same(&app, &mut b, &all_b);
    assert_same(&app, &mut c, &own_c);
    // The shared meeting: both tablets' proposals once each, the door counts added once.
    let s = a.doc(shared).read().unwrap();
    assert_eq!(s.live_proposals().count(), 8);
    assert_eq!(s.attendance.total(), 19);
    assert_eq!(present(&app, shared), 19);
    assert_eq!(
        app.count("SELECT count(*) FROM proposals"),
        8 + 4 + 2 * 3 + 2 * 5
    );
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1 + 1 + 2 + 2);
    let (status, list) = app.get_json("/api/sessions", &office).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 6);
    // Nothing quarantined along the way.
    assert_eq!(
        app.count("SELECT count(*) FROM documents WHERE quarantine_reason IS NOT NULL"),
        0
    );
    app.stop().await;
}

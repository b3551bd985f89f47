//! Test harness: the real server on 127.0.0.1:0 with a temp SQLite file, and simulated tablets
//! that run the shared sync engine over real HTTP.

use std::{collections::BTreeMap, path::PathBuf};

use tachkhis_server::{AppState, Config};
use tachkhis_shared::{
    GroupKind, Sector,
    api::LoginResponse,
    session::{EditCtx, NewSession, ProposalInput, SessionDoc},
    sync::{self, ClientDoc, State, SyncError, SyncReport, Transport},
};
use tokio::{sync::oneshot, task::JoinHandle};
use uuid::Uuid;

pub struct TestApp {
    pub base: String,
    pub db_path: PathBuf,
    pub http: reqwest::Client,
    /// The server's state (the same `Arc`s the server uses): what tests look at beside HTTP.
    pub state: AppState,
    _dir: Option<tempfile::TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server on 127.0.0.1:0 (demo data, temp database) with its configuration changed by
/// `configure` (login limits, assets…).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("tachkhis.db");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let mut config = test_config(db_path);
    configure(&mut config);
    let mut app = start(
        listener,
        config,
        format!("http://{addr}"),
        reqwest::Client::new(),
    )
    .await;
    app._dir = Some(dir);
    app
}

/// Starts a server on `addr` with the database at `db_path` (demo data loaded when empty):
/// a restart on the same file.
#[allow(dead_code)] // used by the attacks benchmark, which includes this file
pub async fn spawn_on(db_path: PathBuf, addr: std::net::SocketAddr) -> TestApp {
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let addr = listener.local_addr().unwrap();
    start(
        listener,
        test_config(db_path),
        format!("http://{addr}"),
        reqwest::Client::new(),
    )
    .await
}

fn test_config(db_path: PathBuf) -> Config {
    Config {
        db_path,
        demo: true,
        ..Config::default()
    }
}

/// Starts a server speaking HTTPS with the given PEM certificate and key (loaded the way
/// `tachkhis serve --tls-cert --tls-key` loads them), on 127.0.0.1:0, reached as
/// `https://localhost:PORT` by a client that trusts that certificate.
pub async fn spawn_tls_app(cert_pem: &str, key_pem: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let tls = tachkhis_server::tls::load_server_config(&cert, &key).expect("certificate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let listener = tachkhis_server::tls::TlsListener::new(listener, tls).unwrap();
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("localhost", addr)
        .build()
        .unwrap();
    let base = format!("https://localhost:{}", addr.port());
    let config = test_config(dir.path().join("tachkhis.db"));
    let mut app = start(listener, config, base, http).await;
    app._dir = Some(dir);
    app
}

async fn start<L>(listener: L, config: Config, base: String, http: reqwest::Client) -> TestApp
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
    for<'a> tachkhis_server::users::login_limit::PeerAddr:
        axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    let db_path = config.db_path.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let db = tachkhis_server::open_db(&config)
        .await
        .expect("open the database");
    let state = AppState::new(db, config);
    // The listener is bound and the database open: requests queue until the server accepts.
    let handle = tokio::spawn(tachkhis_server::serve_state(
        listener,
        state.clone(),
        async {
            let _ = rx.await;
        },
    ));
    TestApp {
        base,
        db_path,
        http,
        state,
        _dir: None,
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn login(&self, username: &str) -> String {
        let r = self
            .http
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({"username": username, "password": "tachkhis-demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login of {username}");
        r.json::<LoginResponse>().await.unwrap().token
    }

    /// `POST /api/sync` with raw bytes, as a tablet sends a batch.
    pub async fn post_sync(&self, token: &str, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(self.url("/api/sync"))
            .bearer_auth(token)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Stops the server and waits until it has let go of the port and the database.
    pub async fn stop(mut self) -> (PathBuf, Option<tempfile::TempDir>) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
        (self.db_path.clone(), self._dir.take())
    }

    /// Counts rows of a table straight from the SQLite file.
    pub fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.db_path).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

pub struct HttpTransport {
    pub http: reqwest::Client,
    pub url: String,
    pub token: String,
}

impl Transport for HttpTransport {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        let r = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status();
        let bytes = r.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
        }
        Ok(bytes.to_vec())
    }
}

/// A simulated tablet: its own documents and sync states, the shared sync engine, real HTTP.
pub struct Tablet {
    pub peer: Uuid,
    pub user: String,
    pub docs: BTreeMap<Uuid, (SessionDoc, State)>,
    clock: i64,
}

impl Tablet {
    pub fn new(user: &str) -> Self {
        Self {
            peer: Uuid::new_v4(),
            user: user.into(),
            docs: BTreeMap::new(),
            clock: 1_657_800_000_000,
        }
    }

    pub fn ctx(&mut self) -> EditCtx {
        self.clock += 1000;
        EditCtx::new(self.user.clone(), self.clock)
    }

    pub fn new_session(&mut self) -> Uuid {
        let id = Uuid::new_v4();
        let init = NewSession {
            pole_id: "pole-3".into(),
            douar_ids: vec!["idouz".into()],
            group_kind: GroupKind::Women,
            date: "2022-07-14".into(),
            facilitators: "فاطمة".into(),
        };
        let ctx = self.ctx();
        let doc = SessionDoc::create(id, &init, &ctx, None).unwrap();
        self.docs.insert(id, (doc, State::new()));
        id
    }

    pub fn doc(&mut self, id: Uuid) -> &mut SessionDoc {
        &mut self.docs.get_mut(&id).expect("document on this tablet").0
    }

    pub fn add_proposal(&mut self, id: Uuid, problem: &str) -> Uuid {
        let ctx = self.ctx();
        let input = ProposalInput {
            problem: problem.into(),
            solution: "الحل المقترح".into(),
            sector: Some(Sector::DrinkingWater),
            douar_id: Some("idouz".into()),
            raised_by: String::new(),
        };
        self.doc(id).add_proposal(&input, &ctx).unwrap()
    }

    /// Copies a document from another tablet (the file or QR route), with a fresh sync state.
    pub fn receive_copy(&mut self, other: &mut Tablet, id: Uuid) {
        let bytes = other.doc(id).save();
        self.docs
            .insert(id, (SessionDoc::load(&bytes, None).unwrap(), State::new()));
    }

    pub async fn sync(
        &mut self,
        app: &TestApp,
        token: &str,
    ) -> Result<SyncReport, SyncError<String>> {
        let mut transport = HttpTransport {
            http: app.http.clone(),
            url: app.url("/api/sync"),
            token: token.into(),
        };
        self.sync_with(&mut transport).await
    }

    pub async fn sync_with<T: Transport>(
        &mut self,
        transport: &mut T,
    ) -> Result<SyncReport, SyncError<T::Error>> {
        let mut docs: Vec<ClientDoc> = std::mem::take(&mut self.docs)
            .into_iter()
            .map(|(id, (doc, state))| ClientDoc {
                id,
                doc: doc.into_automerge(),
                state,
            })
            .collect();
        let result = sync::run_client_sync(self.peer, &mut docs, transport, &mut ()).await;
        for d in docs {
            // As the client does: a run that failed keeps only the persisted part of the state.
            let state = if result.is_ok() {
                d.state
            } else {
                sync::decode_state(Some(&sync::encode_state(&d.state)))
            };
            self.docs
                .insert(d.id, (SessionDoc::from_automerge(d.doc), state));
        }
        result
    }
}

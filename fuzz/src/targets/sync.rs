//! The sync path, as the server runs it: requests go through the server's own router
//! (`tachkhis_server::router`, in process, no sockets), with a real SQLite file and the demo
//! data, a facilitator's token, and documents already stored by a real sync. Everything
//! behind the router is the server's: the body limit, authentication, the batch decoding, the
//! write transaction, `store::exchange`, storage, projection and quarantine. A 5xx is a failure
//! (`AppError::Internal`, or a panic the server turned into a 500); a 4xx is the expected
//! refusal.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::{Context as _, Result, bail};
use arbitrary::Unstructured;
use automerge::AutoCommit;
use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Request, header},
};
use tachkhis_server::{AppState, Config, users::login_limit::PeerAddr};
use tachkhis_shared::{
    SessionDoc,
    sync::{self as engine, BatchRequest, ClientDoc, DocEntry, State, Transport},
};
use tower::ServiceExt as _;
use uuid::Uuid;

use crate::{
    Outcome, Target,
    am::{self, Known, Msg},
    corpus, fnv,
    mutate::mutate,
    rng::Rng,
};

/// The largest input the generators make (the server's limit is 16 MiB).
const MAX_INPUT: usize = 4 << 20;
/// Executions between two restores of the database as the seeding sync left it: accepted
/// messages pile other sessions' changes into the stored ones, and every exchange loads its
/// document whole, so without this each iteration would be slower than the one before.
const RESET_EVERY: u64 = 200;
const PEER: &str = "fuzz-peer";

pub struct SyncTarget {
    rt: tokio::runtime::Runtime,
    app: Router,
    /// The database right after the seeding sync, and where live copies of it go.
    snapshot: PathBuf,
    live: PathBuf,
    executions: u64,
    token: String,
    batch: bool,
    /// The stored session, a session the server has not seen, the quarantined document.
    docs: [Uuid; 3],
    messages: Vec<Vec<u8>>,
    parsed: Vec<Msg>,
    batches: Vec<Vec<u8>>,
    known: Known,
}

/// A request as a client sends it: from a loopback address, with the facilitator's token.
fn request(method: &str, uri: &str, token: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let mut req = b
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header("x-peer-id", PEER)
        .body(Body::from(body))
        .unwrap_or_default();
    // What `serve` adds for a real connection (the login limits count per address).
    req.extensions_mut()
        .insert(ConnectInfo(PeerAddr(SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        )))));
    req
}

async fn call(app: &Router, req: Request<Body>) -> (u16, Vec<u8>) {
    match app.clone().oneshot(req).await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default();
            (status, body)
        }
        Err(never) => match never {},
    }
}

/// The shared engine's transport, straight into the router.
struct RouterTransport<'a> {
    app: &'a Router,
    token: &'a str,
    bodies: &'a mut Vec<Vec<u8>>,
}

impl Transport for RouterTransport<'_> {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        self.bodies.push(body.clone());
        let (status, answer) = call(
            self.app,
            request("POST", "/api/sync", Some(self.token), body),
        )
        .await;
        if status != 200 {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&answer)));
        }
        Ok(answer)
    }
}

impl SyncTarget {
    pub fn new(workdir: &Path, batch: bool) -> Result<SyncTarget> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let config = Config {
            db_path: workdir.join("tachkhis.db"),
            demo: true,
            ..Config::default()
        };
        let db = rt.block_on(tachkhis_server::open_db(&config))?;
        let app = tachkhis_server::router(AppState::new(db.clone(), config));

        let login = serde_json::json!({"username": "facilitator", "password": "tachkhis-demo"});
        let mut req = request(
            "POST",
            "/api/auth/login",
            None,
            login.to_string().into_bytes(),
        );
        req.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        let (status, body) = rt.block_on(call(&app, req));
        if status != 200 {
            bail!("login failed: {status} {}", String::from_utf8_lossy(&body));
        }
        let token = serde_json::from_slice::<serde_json::Value>(&body)?["token"]
            .as_str()
            .context("no token in the login answer")?
            .to_owned();

        // Stored by a real sync: a grown session, and a document that is no session.
        let stored_id = corpus::id(10);
        let quarantined_id = corpus::id(12);
        let unknown_id = corpus::id(11);
        let mut stored = corpus::rich_session(stored_id, 10, 8);
        let mut batches = Vec::new();
        let mut client_docs = vec![
            ClientDoc {
                id: stored_id,
                doc: stored.automerge().clone(),
                state: State::new(),
            },
            ClientDoc {
                id: quarantined_id,
                doc: corpus::not_a_session(),
                state: State::new(),
            },
        ];
        let mut transport = RouterTransport {
            app: &app,
            token: &token,
            bodies: &mut batches,
        };
        let report = rt
            .block_on(engine::run_client_sync(
                Uuid::from_u128(7),
                &mut client_docs,
                &mut transport,
                &mut (),
            ))
            .map_err(|e| anyhow::anyhow!("seeding sync failed: {e}"))?;
        if !report.quarantined.contains_key(&quarantined_id) {
            bail!("the document that is no session was not quarantined: {report:?}");
        }

        // Messages as tablets send them: more edits to the stored session from another
        // tablet, new sessions small and large, the frozen v1 document.
        let mut messages = Vec::new();
        for bytes in &batches {
            if let Ok(b) = engine::decode::<BatchRequest>(bytes) {
                messages.extend(b.docs.into_iter().filter_map(|d| d.message));
            }
        }
        let mut server_copy = SessionDoc::load(&stored.save(), None)?.into_automerge();
        let mut edited = corpus::edited_copy(&mut stored, 13).into_automerge();
        messages.extend(corpus::record_sync(&mut edited, &mut server_copy));
        let mut small = corpus::small_session(unknown_id, 11).into_automerge();
        messages.extend(corpus::record_sync(&mut small, &mut AutoCommit::new()));
        let mut big = corpus::rich_session(corpus::id(14), 14, 30).into_automerge();
        messages.extend(corpus::record_sync(&mut big, &mut AutoCommit::new()));
        let mut v1 = AutoCommit::load(corpus::SESSION_V1)?;
        messages.extend(corpus::record_sync(&mut v1, &mut AutoCommit::new()));
        messages.sort();
        messages.dedup();

        let snapshot = workdir.join("seeded.db");
        db.backup_to(&snapshot, true)?;
        drop(db);

        let known = corpus::known(&messages, &mut [&mut edited, &mut small, &mut big, &mut v1]);
        let parsed = messages.iter().filter_map(|m| Msg::parse(m)).collect();
        Ok(SyncTarget {
            rt,
            app,
            snapshot,
            live: workdir.join("tachkhis.db"),
            executions: 0,
            token,
            batch,
            docs: [stored_id, unknown_id, quarantined_id],
            messages,
            parsed,
            batches,
            known,
        })
    }

    fn message(&self, rng: &mut Rng) -> Vec<u8> {
        match rng.below(10) {
            0..=3 => {
                let mut m = rng.pick(&self.messages).clone();
                mutate(rng, &mut m, &self.messages, MAX_INPUT);
                m
            }
            4..=6 => {
                let msg = rng.pick(&self.parsed).clone();
                let mut m = am::mutate_message(rng, &msg, &self.known);
                if rng.chance(1, 4) {
                    mutate(rng, &mut m, &self.messages, MAX_INPUT);
                }
                m
            }
            _ => {
                let seed = rng.bytes(4096);
                let mut u = Unstructured::new(&seed);
                am::message(&mut u, rng, &self.known).unwrap_or_default()
            }
        }
    }

    /// Serves from a fresh copy of the seeded database.
    fn reset(&mut self) -> Result<()> {
        let generation = self.executions / RESET_EVERY;
        let path = self.live.with_extension(format!("{generation}.db"));
        std::fs::copy(&self.snapshot, &path)?;
        let config = Config {
            db_path: path.clone(),
            ..Config::default()
        };
        let db = tachkhis_server::Db::open(&path)?;
        let old = std::mem::replace(
            &mut self.app,
            tachkhis_server::router(AppState::new(db, config)),
        );
        drop(old);
        // The previous copy: its connections are closed with the router that held them.
        if generation > 1 {
            let previous = self.live.with_extension(format!("{}.db", generation - 1));
            for suffix in ["", "-wal", "-shm"] {
                let mut p = previous.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
        Ok(())
    }

    fn batch(&self, rng: &mut Rng) -> Vec<u8> {
        if rng.chance(1, 4) {
            let mut b = rng.pick(&self.batches).clone();
            mutate(rng, &mut b, &self.batches, MAX_INPUT);
            return b;
        }
        let n = 1 + rng.below(4);
        let docs = (0..n)
            .map(|_| {
                let doc_id = match rng.below(5) {
                    0 | 1 => self.docs[0],
                    2 => self.docs[1],
                    3 => self.docs[2],
                    _ => Uuid::from_u128(u128::from(rng.next_u64())),
                };
                let heads = (0..rng.below(3))
                    .map(|_| {
                        if self.known.hashes.is_empty() || rng.chance(1, 4) {
                            rng.bytes(32).try_into().unwrap_or([0; 32])
                        } else {
                            *rng.pick(&self.known.hashes)
                        }
                    })
                    .collect();
                let message = (!rng.chance(1, 5)).then(|| self.message(rng));
                DocEntry {
                    doc_id,
                    heads,
                    message,
                }
            })
            .collect();
        let peer_id = if rng.chance(1, 2) {
            Uuid::from_u128(7)
        } else {
            Uuid::from_u128(u128::from(rng.next_u64()))
        };
        // Both versions a tablet may speak: this app's, and the first app's (v1).
        let mut body = if rng.chance(1, 2) {
            engine::encode_request(&BatchRequest::new(peer_id, docs))
        } else {
            let docs = docs
                .into_iter()
                .map(|d| engine::v1::DocEntry {
                    doc_id: d.doc_id,
                    heads: d.heads,
                    message: d.message,
                })
                .collect();
            engine::encode(&engine::v1::BatchRequest { peer_id, docs })
        }
        .unwrap_or_default();
        if rng.chance(1, 8) {
            mutate(rng, &mut body, &self.batches, MAX_INPUT);
        }
        body
    }
}

impl Target for SyncTarget {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        if self.batch {
            self.batch(rng)
        } else {
            self.message(rng)
        }
    }

    fn execute(&mut self, input: &[u8]) -> Outcome {
        self.executions += 1;
        if self.executions.is_multiple_of(RESET_EVERY)
            && let Err(e) = self.reset()
        {
            panic!("the fuzzer could not restore its database: {e}");
        }
        let uri = if self.batch {
            "/api/sync".to_owned()
        } else {
            // Mostly the stored session; also a new one, the quarantined one, any id.
            let h = fnv(input);
            let doc = match h % 5 {
                0 | 1 => self.docs[0],
                2 => self.docs[1],
                3 => self.docs[2],
                _ => Uuid::from_u128(u128::from(h)),
            };
            format!("/api/docs/{doc}/sync")
        };
        crate::take_panic();
        let req = request("POST", &uri, Some(&self.token), input.to_vec());
        let (status, body) = self.rt.block_on(call(&self.app, req));
        match status {
            200..=299 => Outcome::Accepted,
            400..=499 => Outcome::Refused,
            _ => {
                let mut detail = format!("HTTP {status}: {}", String::from_utf8_lossy(&body));
                if let Some(p) = crate::take_panic() {
                    detail.push_str(&format!("\nserver panic: {p}"));
                }
                Outcome::ServerError(detail)
            }
        }
    }
}

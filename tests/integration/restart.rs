//! The server process killed in the middle of syncing and started again loses nothing it had
//! acknowledged; the tablets then finish their sync.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
};

use uuid::Uuid;

use crate::helpers::{HttpTransport, Tablet};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tachkhis"))
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--db"])
        .arg(db)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the tachkhis binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server exited before printing its address")
            .unwrap();
        if let Some(rest) = line.strip_prefix("Tachkhis is running at ") {
            break rest.trim_end_matches('/').to_string();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

async fn login(http: &reqwest::Client, base: &str) -> String {
    let r: serde_json::Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"username": "facilitator", "password": "tachkhis-demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap().to_string()
}

async fn get_json(http: &reqwest::Client, url: String, token: &str) -> serde_json::Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn killed_during_sync_and_restarted_the_server_loses_nothing_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tachkhis.db");
    let http = reqwest::Client::new();
    let server = start(&db);
    let token = login(&http, &server.base).await;

    // Tablets, each with one session of ten proposals.
    let mut tablets: Vec<(Tablet, Uuid)> = (0..30)
        .map(|_| {
            let mut t = Tablet::new("facilitator");
            let id = t.new_session();
            for i in 0..10 {
                t.add_proposal(id, &format!("اقتراح {i}"));
            }
            (t, id)
        })
        .collect();
    let acknowledged = Arc::new(Mutex::new(Vec::<Uuid>::new()));
    let (url, tok, acks, client) = (
        format!("{}/api/sync", server.base),
        token.clone(),
        acknowledged.clone(),
        http.clone(),
    );
    let syncing = tokio::spawn(async move {
        let mut done = Vec::new();
        for (mut t, id) in tablets.drain(..) {
            let mut transport = HttpTransport {
                http: client.clone(),
                url: url.clone(),
                token: tok.clone(),
            };
            if t.sync_with(&mut transport).await.is_ok() {
                acks.lock().unwrap().push(id);
            }
            done.push((t, id));
        }
        done
    });
    // Kill -9 once a few syncs have been acknowledged, while others are on the wire.
    loop {
        if acknowledged.lock().unwrap().len() >= 8 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    drop(server);
    let mut tablets = syncing.await.unwrap();
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() < tablets.len(),
        "the kill came in the middle of the syncs"
    );

    let server = start(&db);
    let token = login(&http, &server.base).await;
    for id in &acked {
        let r = get_json(&http, format!("{}/api/sessions/{id}", server.base), &token).await;
        assert_eq!(
            r["proposals"], 10,
            "acknowledged session {id} lost proposals: {r}"
        );
    }
    // The tablets that were cut off finish their sync after the restart.
    for (t, _) in &mut tablets {
        let mut transport = HttpTransport {
            http: http.clone(),
            url: format!("{}/api/sync", server.base),
            token: token.clone(),
        };
        t.sync_with(&mut transport).await.unwrap();
    }
    let list = get_json(&http, format!("{}/api/sessions", server.base), &token).await;
    assert_eq!(list.as_array().unwrap().len(), 30);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|s| s["proposals"] == 10)
    );
}

#[tokio::test]
async fn create_user_works_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tachkhis.db");
    let http = reqwest::Client::new();
    let server = start(&db);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tachkhis"))
        .args([
            "create-user",
            "--username",
            "khadija",
            "--role",
            "facilitator",
            "--db",
        ])
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all("سر-طويل-جدا\n".as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r = http
        .post(format!("{}/api/auth/login", server.base))
        .json(&serde_json::json!({"username": "khadija", "password": "سر-طويل-جدا"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["role"], "facilitator");
    // The same username again is refused with a clear message and a failure code.
    let out = Command::new(env!("CARGO_BIN_EXE_tachkhis"))
        .args([
            "create-user",
            "--username",
            "khadija",
            "--role",
            "office",
            "--db",
        ])
        .arg(&db)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already exists")
            || String::from_utf8_lossy(&out.stderr).contains("password")
    );
}

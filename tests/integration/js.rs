//! Interop: the standard JS Automerge from npm (`tests/js`) creates a session document and syncs
//! it through `POST /api/docs/{id}/sync`; the server must project it like one of its own, and a
//! Rust tablet must then be able to pull and edit it.
//!
//! Needs Node.js and npm on the PATH. The test fails (never skips) when they are missing.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::OnceLock,
};

use tachkhis_shared::{
    AttendanceCategory, SessionDoc,
    sync::{self as engine, State},
};
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app};

/// The proposals `tests/js/sync-session.mjs` writes: two at creation, the third in its edit.
const JS_PROBLEMS: [&str; 3] = [
    "الطريق إلى الدوار مقطوعة في الشتاء",
    "لا يوجد ماء صالح للشرب",
    "المدرسة بعيدة عن الأطفال",
];

fn js_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/js")).to_path_buf()
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what} exited with {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command, what: &str) -> Output {
    match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!(
            "could not run {what}: {e}. This test needs Node.js (>= 18) and npm on the PATH; \
             install them (e.g. `apt-get install nodejs npm`) to run the JS Automerge interop test"
        ),
    }
}

/// Checks that node and npm exist and installs `tests/js` from its lockfile when needed. Once
/// per test binary: tests run in parallel and must not race on `npm ci`.
fn ensure_js_deps() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let dir = js_dir();
        let node = run(Command::new("node").arg("--version"), "`node --version`");
        assert!(
            node.status.success(),
            "{}",
            describe("node --version", &node)
        );
        if dir
            .join("node_modules/@automerge/automerge/package.json")
            .is_file()
        {
            return;
        }
        let npm = run(Command::new("npm").arg("--version"), "`npm --version`");
        assert!(npm.status.success(), "{}", describe("npm --version", &npm));
        let out = run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir),
            "`npm ci --prefix tests/js`",
        );
        assert!(
            out.status.success(),
            "{}",
            describe("npm ci --prefix tests/js", &out)
        );
    });
}

/// Runs `node tests/js/sync-session.mjs` against the live server and returns its JSON report.
async fn run_js_session(app: &TestApp, token: &str, id: Uuid) -> serde_json::Value {
    let (base, token) = (app.base.clone(), token.to_string());
    tokio::task::spawn_blocking(move || {
        ensure_js_deps();
        let dir = js_dir();
        let out = run(
            Command::new("node")
                .current_dir(&dir)
                .arg("sync-session.mjs")
                .arg(&base)
                .arg(&token)
                .arg(id.to_string()),
            "`node sync-session.mjs`",
        );
        assert!(
            out.status.success(),
            "{}",
            describe("node sync-session.mjs", &out)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_else(|| panic!("{}", describe("node sync-session.mjs (no output)", &out)));
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("bad report line {line:?}: {e}"))
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

fn problems(detail: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = detail["proposal_list"]
        .as_array()
        .expect("proposal_list")
        .iter()
        .map(|p| p["problem"].as_str().expect("problem").to_string())
        .collect();
    v.sort();
    v
}

fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Runs the script for a new session id, checks its report and the server's projection; returns
/// the id and the report.
async fn js_session_on_server(app: &TestApp, token: &str) -> (Uuid, serde_json::Value) {
    let id = Uuid::new_v4();
    let report = run_js_session(app, token, id).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["doc_id"], id.to_string(), "{report}");
    let rounds = report["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 2, "{report}");
    for r in rounds {
        let r = r.as_u64().expect("rounds are numbers");
        assert!((1..=10).contains(&r), "rounds out of range: {report}");
    }
    // Every answer was 200 (the server's next message) or 204 (nothing to send); the script
    // stops once Automerge has nothing more to send, i.e. the server acknowledged its heads.
    for s in report["last_status"].as_array().expect("last_status") {
        assert!(s == 200 || s == 204, "{report}");
    }
    assert_eq!(report["proposals"], 3, "{report}");
    assert_eq!(report["present"], 8, "{report}");

    assert_eq!(
        app.count("SELECT count(*) FROM documents WHERE quarantine_reason IS NOT NULL"),
        0,
        "the JS document was quarantined"
    );
    let (status, detail) = app.get_json(&format!("/api/sessions/{id}"), token).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(problems(&detail), sorted(&JS_PROBLEMS), "{detail}");
    assert_eq!(detail["present"], 8, "{detail}");
    assert_eq!(detail["group_kind"], "women", "{detail}");
    assert_eq!(detail["date"], "2022-07-14", "{detail}");
    (id, report)
}

#[tokio::test]
async fn js_automerge_syncs_a_session_through_the_single_document_endpoint() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    js_session_on_server(&app, &token).await;
}

#[tokio::test]
async fn a_rust_tablet_pulls_and_edits_a_document_made_by_js_automerge() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let (id, report) = js_session_on_server(&app, &token).await;

    // A tablet that never saw the session pulls it through the same endpoint, as a plain peer.
    let mut t = Tablet::new("facilitator");
    let mut doc = SessionDoc::empty(None).into_automerge();
    let mut state = State::new();
    let mut rounds = 0;
    while let Some(out) = engine::generate(&mut doc, &mut state) {
        rounds += 1;
        assert!(rounds <= 10, "no convergence");
        let r = app
            .http
            .post(app.url(&format!("/api/docs/{id}/sync")))
            .bearer_auth(&token)
            .header("x-peer-id", t.peer.to_string())
            .header("content-type", "application/octet-stream")
            .body(out)
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            200 => engine::receive(&mut doc, &mut state, &r.bytes().await.unwrap()).unwrap(),
            204 => {}
            s => panic!(
                "unexpected status {s}: {}",
                r.text().await.unwrap_or_default()
            ),
        }
    }
    let mut heads: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
    heads.sort();
    assert_eq!(
        serde_json::json!(heads),
        report["heads"],
        "same heads as the JS peer"
    );
    let session = SessionDoc::from_automerge(doc.clone())
        .read()
        .expect("the JS document reads with the Rust schema");
    assert_eq!(session.id, id);
    assert_eq!(session.attendance.get(AttendanceCategory::Women), 5);
    assert_eq!(session.attendance.get(AttendanceCategory::Men), 3);
    assert_eq!(session.attendance.total(), 8);
    let live: Vec<&str> = session
        .live_proposals()
        .map(|p| p.problem.as_str())
        .collect();
    assert_eq!(sorted(&live), sorted(&JS_PROBLEMS));
    assert!(
        session.notes.starts_with("ملاحظات الجلسة"),
        "{}",
        session.notes
    );

    // The tablet edits the JS document with the typed API and sends it back via the batch sync.
    t.docs.insert(id, (SessionDoc::from_automerge(doc), state));
    t.add_proposal(id, "انقطاع الكهرباء");
    let ctx = t.ctx();
    t.doc(id)
        .add_attendance(AttendanceCategory::Men, 2, &ctx)
        .unwrap();
    let report = t.sync(&app, &token).await.unwrap();
    assert!(report.quarantined.is_empty(), "{report:?}");
    let (status, detail) = app.get_json(&format!("/api/sessions/{id}"), &token).await;
    assert_eq!(status, 200, "{detail}");
    let mut expected = JS_PROBLEMS.to_vec();
    expected.push("انقطاع الكهرباء");
    assert_eq!(problems(&detail), sorted(&expected), "{detail}");
    assert_eq!(detail["present"], 10, "{detail}");
}

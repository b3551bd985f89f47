//! The red team's attacks that cost memory or time, measured: the real server in-process
//! (127.0.0.1, temp SQLite file), one child process per attack so each peak RSS is its own.
//!
//! `cargo bench -p tachkhis-server --bench attacks` (release), or with attack names to run only
//! those. Prints, per attack: the answer's status and size, the server's time for the request,
//! and the process's peak RSS (VmHWM) before and after the attack. The client side (building
//! the message, reading the answer) runs in the same process, so the RSS includes the message
//! itself (at most 16 MiB, plus its copy in the request body). Run with `--attack NAME` the
//! binary runs that one attack in-process.
#![allow(clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../../tests/integration/helpers.rs"]
mod helpers;

#[path = "../../tests/integration/craft.rs"]
mod craft;

use std::time::Instant;

use craft::{Have, RawChange};
use helpers::{Tablet, TestApp, spawn_app};
use tachkhis_shared::sync::{self as engine, BatchRequest, DocEntry};
use uuid::Uuid;

const ATTACKS: &[(&str, &str)] = &[
    ("haves", "8 million empty haves (16 MB)"),
    ("need", "one known hash needed 500,000 times (16 MB)"),
    ("puts", "4.9 million conflicting puts in one 60-byte change"),
    (
        "puts-batch",
        "the same change, 1 M puts, to 50 new ids in one batch",
    ),
    ("new-ids", "10,000 new ids in one batch, each with a change"),
    (
        "batch-3k",
        "5,000 new ids in one batch, each with a 3 KB change",
    ),
    ("heads", "500,000 unknown heads (16 MB)"),
    (
        "non-canonical",
        "a change with a run of one, then the owner syncs on",
    ),
    (
        "non-canonical-big",
        "the same with a 40 KB value (the server compacts: saves the document whole)",
    ),
    (
        "non-canonical-new",
        "the same to a new id (stored whole at once)",
    ),
];

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn post(app: &TestApp, token: &str, path: String, body: Vec<u8>) -> (u16, usize) {
    let r = app
        .http
        .post(app.url(&path))
        .bearer_auth(token)
        .header("x-peer-id", "bench")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.map(|b| b.len()).unwrap_or(0))
}

fn batch(docs: Vec<DocEntry>) -> Vec<u8> {
    engine::encode_request(&BatchRequest::new(Uuid::new_v4(), docs)).unwrap()
}

fn entry(doc_id: Uuid, message: Vec<u8>) -> DocEntry {
    DocEntry {
        doc_id,
        heads: vec![],
        message: Some(message),
    }
}

async fn run_one(name: &str) {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut owner = Tablet::new("facilitator");
    let id = owner.new_session();
    owner.add_proposal(id, "الطريق");
    owner.sync(&app, &token).await.unwrap();
    let heads: Vec<[u8; 32]> = owner.doc(id).heads().iter().map(|h| h.0).collect();
    let op = owner
        .doc(id)
        .automerge_mut()
        .get_changes(&[])
        .iter()
        .map(|c| c.max_op())
        .max()
        .unwrap_or(0)
        + 1;
    let single = format!("/api/docs/{id}/sync");
    let (path, body) = match name {
        "haves" => {
            let haves: Vec<Have> = (0..8_000_000)
                .map(|_| Have {
                    last_sync: vec![],
                    bloom: vec![],
                })
                .collect();
            (single, craft::message(&[], &[], &haves, &[], false))
        }
        "need" => (
            single,
            craft::message(&[], &vec![heads[0]; 500_000], &[], &[], false),
        ),
        "puts" => {
            let c = RawChange::new(&[0xc1; 16], 1, op, &heads)
                .with_columns(craft::mass_put_columns(4_900_000, "x"));
            (single, craft::message(&heads, &[], &[], &[c.chunk()], true))
        }
        "puts-batch" => {
            let c = RawChange::new(&[0xc1; 16], 1, 1, &[])
                .with_columns(craft::mass_put_columns(1_000_000, "x"));
            let msg = craft::message(&[], &[], &[], &[c.chunk()], true);
            let docs = (0..50)
                .map(|_| entry(Uuid::new_v4(), msg.clone()))
                .collect();
            ("/api/sync".to_string(), batch(docs))
        }
        "new-ids" => {
            let c = RawChange::new(&[0xc2; 16], 1, 1, &[])
                .with_columns(craft::one_put_columns("x", None));
            let msg = craft::message(&[], &[], &[], &[c.chunk()], true);
            let docs = (0..10_000)
                .map(|_| entry(Uuid::new_v4(), msg.clone()))
                .collect();
            ("/api/sync".to_string(), batch(docs))
        }
        "batch-3k" => {
            let docs = (0..5_000u32)
                .map(|i| {
                    let key = format!("{i:08}{}", "k".repeat(3_000));
                    let c = RawChange::new(&[0xc3; 16], 1, 1, &[])
                        .with_columns(craft::one_put_columns(&key, None));
                    entry(
                        Uuid::new_v4(),
                        craft::message(&[], &[], &[], &[c.chunk()], true),
                    )
                })
                .collect();
            ("/api/sync".to_string(), batch(docs))
        }
        "heads" => {
            let hs: Vec<[u8; 32]> = (0..500_000u32)
                .map(|i| {
                    let mut h = [0u8; 32];
                    h[..4].copy_from_slice(&i.to_be_bytes());
                    h
                })
                .collect();
            (single, craft::message(&hs, &[], &[], &[], false))
        }
        "non-canonical" => {
            let c = RawChange::new(&[0xc4; 16], 1, op, &heads)
                .with_columns(craft::one_put_non_canonical("x"));
            (single, craft::message(&heads, &[], &[], &[c.chunk()], true))
        }
        "non-canonical-big" => {
            let c = RawChange::new(&[0xc4; 16], 1, op, &heads)
                .with_columns(craft::put_str_columns("x", &"v".repeat(40_000), false));
            (single, craft::message(&heads, &[], &[], &[c.chunk()], true))
        }
        "non-canonical-new" => {
            let c = RawChange::new(&[0xc4; 16], 1, 1, &[])
                .with_columns(craft::put_str_columns("x", "v", false));
            (
                format!("/api/docs/{}/sync", Uuid::new_v4()),
                craft::message(&[], &[], &[], &[c.chunk()], true),
            )
        }
        other => panic!("unknown attack {other}"),
    };
    let size = body.len();
    let before = vm_hwm_kb();
    let start = Instant::now();
    let (status, answer) = post(&app, &token, path.clone(), body).await;
    let took = start.elapsed();
    let after = vm_hwm_kb();
    let mut note = String::new();
    if name == "non-canonical-new" {
        // The same id again, as a tablet asking about it would.
        let mut empty = automerge::AutoCommit::new();
        let hello = engine::generate(&mut empty, &mut engine::State::new()).unwrap();
        let id = path.split('/').nth(3).unwrap().to_string();
        let (s, _) = post(&app, &token, format!("/api/docs/{id}/sync"), hello).await;
        let (db, _dir) = app.stop().await;
        let mut conn = rusqlite::Connection::open(db).unwrap();
        let tx = conn.transaction().unwrap();
        let rebuild = tachkhis_server::documents::store::rebuild_projections(&tx);
        note = format!(
            "; the id synced again: {s}; rebuild-projections: {}",
            rebuild.map_or_else(|e| format!("error {e}"), |r| format!("ok {r:?}"))
        );
    } else if name.starts_with("non-canonical") {
        // What a user sees afterwards: the owner edits and syncs on; the server restarts (the
        // document is loaded from its stored chunks again) and the owner syncs once more.
        owner.add_proposal(id, "بعد");
        let first = owner.sync(&app, &token).await;
        let (db, dir) = app.stop().await;
        let app = helpers::spawn_on(db, "127.0.0.1:0".parse().unwrap()).await;
        let token = app.login("facilitator").await;
        owner.add_proposal(id, "بعد الإقلاع");
        let second = owner.sync(&app, &token).await;
        let (s, session) = app.get_json(&format!("/api/sessions/{id}"), &token).await;
        let proposals = session["proposal_list"].as_array().map_or(0, Vec::len);
        note = format!(
            "; owner sync: {}; after a restart: {}; session {s} with {proposals} proposals (3 expected)",
            first.map_or_else(
                |e| format!("error {e}"),
                |r| format!("ok, quarantined {:?}", r.quarantined)
            ),
            second.map_or_else(
                |e| format!("error {e}"),
                |r| format!("ok, quarantined {:?}", r.quarantined)
            ),
        );
        drop(dir);
    }
    println!(
        "{name:<14} {size:>10} B sent  -> {status} {answer:>10} B  {:>8.1} ms  peak RSS {:>5} -> {:>5} MB{note}",
        took.as_secs_f64() * 1000.0,
        before / 1024,
        after / 1024,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, name] = args.as_slice()
        && flag == "--attack"
    {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(run_one(name));
        return;
    }
    let wanted: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    println!("attack: bytes sent -> status, bytes answered, server time, peak RSS before -> after");
    for (name, what) in ATTACKS {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
            continue;
        }
        println!("# {what}");
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--attack", name])
            .output()
            .unwrap();
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = err.lines().rev().take(5).collect();
            println!(
                "{name:<14} the process died ({}): {}",
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            );
        }
    }
}

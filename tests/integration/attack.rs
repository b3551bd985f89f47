//! The server attacked as a tester would: crafted and oversized sync messages, documents that
//! break the app's rules or reuse another session's ids, and ids that do not exist. Each gets a
//! 4xx or a quarantine, never a 5xx, and the server goes on serving the others.

use std::io::Write;

use automerge::{ObjType, ROOT, ReadDoc, transaction::Transactable};
use tachkhis_shared::{
    AttendanceCategory, Sector,
    session::ProposalInput,
    sync::{
        self as engine, State,
        v1::{BatchRequest, BatchResponse, DocEntry},
    },
};
use uuid::Uuid;

use crate::{
    craft::{MAGIC, uleb},
    helpers::{Tablet, TestApp, spawn_app},
};

async fn post_doc_sync(
    app: &TestApp,
    token: &str,
    id: Uuid,
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let r = app
        .http
        .post(app.url(&format!("/api/docs/{id}/sync")))
        .bearer_auth(token)
        .header("x-peer-id", "attacker")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

async fn assert_still_serving(app: &TestApp, token: &str) {
    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    t.add_proposal(id, "الماء");
    t.sync(app, token)
        .await
        .expect("a normal tablet still syncs");
    let (status, _) = app.get_json(&format!("/api/sessions/{id}"), token).await;
    assert_eq!(status, 200);
}

/// A sync message carrying one chunk of the given type.
fn message_with_chunk(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut chunk = MAGIC.to_vec();
    chunk.extend([0, 0, 0, 0, kind]);
    uleb(data.len() as u64, &mut chunk);
    chunk.extend(data);
    let mut msg = vec![0x42, 0, 0, 0, 1];
    uleb(chunk.len() as u64, &mut msg);
    msg.extend(chunk);
    msg
}

async fn stored_session(app: &TestApp, token: &str) -> Uuid {
    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    t.add_proposal(id, "الطريق");
    t.sync(app, token).await.unwrap();
    id
}

#[tokio::test]
async fn the_crafted_messages_of_the_report_answer_400_and_the_server_stays_up() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let id = stored_session(&app, &token).await;

    // 2^32-1 Bloom probes: the process used to abort on a 16 GiB allocation.
    let probes = b"\x42\x00\x00\x01\x00\x09\x01\x0a\xff\xff\xff\xff\x0f\x00\x00\x00".to_vec();
    // A Bloom filter with zero bits: a division by zero, answered 500.
    let zero_bits = b"\x42\x00\x00\x01\x00\x03\x05\x00\x07\x00".to_vec();
    // A compressed change of 256 MiB of zeros (about 256 KB on the wire).
    let mut bomb = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        bomb.write_all(&zeros).unwrap();
    }
    let deflated = message_with_chunk(2, &bomb.finish().unwrap());
    // A change whose action column declares 2^40 operations in a few bytes.
    let mut change = vec![0, 16];
    change.extend([7u8; 16]);
    change.extend([1, 1, 0, 0, 0, 1, 0x42]);
    let run = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01];
    change.push(run.len() as u8);
    change.extend(run);
    let rle = message_with_chunk(1, &change);

    for (what, body) in [
        ("probes", probes),
        ("zero bits", zero_bits),
        ("deflate bomb", deflated),
        ("run-length bomb", rle),
    ] {
        let (status, answer) = post_doc_sync(&app, &token, id, body.clone()).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert_eq!(answer["error"], "bad_sync_message", "{what}");
        assert_eq!(answer["doc_id"], id.to_string(), "{what}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains(&id.to_string())
        );
        // The batch endpoint answers the same for the same message.
        let batch = engine::encode(&BatchRequest {
            peer_id: Uuid::new_v4(),
            docs: vec![DocEntry {
                doc_id: id,
                heads: vec![],
                message: Some(body),
            }],
        })
        .unwrap();
        let r = app
            .http
            .post(app.url("/api/sync"))
            .bearer_auth(&token)
            .body(batch)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{what} in a batch");
    }
    assert_still_serving(&app, &token).await;
    // Nothing was stored of them.
    assert_eq!(
        app.count("SELECT count(*) FROM sync_states WHERE peer_id = 'attacker'"),
        0
    );
}

async fn proposal_session(app: &TestApp, proposal: Uuid) -> Option<String> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.query_row(
        "SELECT session_id FROM proposals WHERE id = ?1",
        [proposal.to_string()],
        |r| r.get(0),
    )
    .ok()
}

fn quarantine_reason(app: &TestApp, id: Uuid) -> Option<String> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.query_row(
        "SELECT quarantine_reason FROM documents WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .unwrap()
}

fn input(problem: &str) -> ProposalInput {
    ProposalInput {
        problem: problem.into(),
        solution: "حل".into(),
        sector: Some(Sector::DrinkingWater),
        douar_id: Some("idouz".into()),
        raised_by: String::new(),
    }
}

#[tokio::test]
async fn a_proposal_id_reused_by_another_document_quarantines_the_newcomer_only() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut first = Tablet::new("facilitator");
    let s1 = first.new_session();
    let p = first.add_proposal(s1, "الماء الصالح للشرب");
    first.sync(&app, &token).await.unwrap();

    // Another tablet, one batch: a valid session, and one that reuses the first one's id.
    let mut other = Tablet::new("facilitator");
    let valid = other.new_session();
    other.add_proposal(valid, "الإنارة العمومية");
    let thief = other.new_session();
    let ctx = other.ctx();
    other
        .doc(thief)
        .add_proposal_with_id(p, &input("نفس المعرف"), &ctx)
        .unwrap();
    let report = other
        .sync(&app, &token)
        .await
        .expect("no 5xx, the batch passes");
    let reason = report
        .quarantined
        .get(&thief)
        .expect("the newcomer is quarantined");
    assert!(
        reason.contains(&p.to_string()) && reason.contains(&s1.to_string()),
        "{reason}"
    );
    assert!(!report.quarantined.contains_key(&valid));
    // The first session keeps its proposal; the valid one of the batch is listed.
    assert_eq!(proposal_session(&app, p).await, Some(s1.to_string()));
    let (status, _) = app
        .get_json(&format!("/api/sessions/{valid}"), &token)
        .await;
    assert_eq!(status, 200);
    assert!(quarantine_reason(&app, thief).is_some());
    assert!(quarantine_reason(&app, s1).is_none());
    // The document itself is kept, not lost: it is listed among the quarantined.
    assert!(
        app.count(&format!(
            "SELECT count(*) FROM doc_chunks WHERE doc_id = '{thief}'"
        )) > 0
    );
    // The first tablet syncs on as before.
    first.add_proposal(s1, "ثانية");
    let report = first.sync(&app, &token).await.unwrap();
    assert!(report.quarantined.is_empty());
}

#[tokio::test]
async fn one_proposal_id_spelled_twice_in_a_document_is_quarantined() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    let p = t.add_proposal(id, "السوق");
    // The same id as a key again, in capitals without hyphens, with the same fields.
    let am = t.doc(id).automerge_mut();
    let (_, props) = am.get(ROOT, "proposals").unwrap().unwrap();
    let (_, original) = am.get(&props, p.to_string()).unwrap().unwrap();
    let fields: Vec<(String, automerge::ScalarValue)> = am
        .map_range(&original, ..)
        .filter_map(|item| match item.value.into_value() {
            automerge::Value::Scalar(s) => Some((item.key.into_owned(), s.into_owned())),
            _ => None,
        })
        .collect();
    let twin = am
        .put_object(&props, p.simple().to_string().to_uppercase(), ObjType::Map)
        .unwrap();
    for (k, v) in fields {
        am.put(&twin, k, v).unwrap();
    }
    am.commit();
    let report = t.sync(&app, &token).await.expect("no 5xx");
    let reason = report.quarantined.get(&id).expect("quarantined");
    assert!(reason.contains("twice"), "{reason}");
    assert_eq!(proposal_session(&app, p).await, None);
}

#[tokio::test]
async fn what_the_app_would_never_write_is_set_aside_or_cleaned_never_a_500() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");

    // A 1 MB problem (the app stops at 4,000 characters).
    let long = t.new_session();
    let p = t.add_proposal(long, "قصير");
    let am = t.doc(long).automerge_mut();
    let (_, props) = am.get(ROOT, "proposals").unwrap().unwrap();
    let (_, obj) = am.get(&props, p.to_string()).unwrap().unwrap();
    am.put(&obj, "problem", "م".repeat(500_000)).unwrap();
    am.commit();

    // Attendance of 2^53.
    let crowd = t.new_session();
    let ctx = t.ctx();
    t.doc(crowd)
        .add_attendance(AttendanceCategory::Women, 1 << 53, &ctx)
        .unwrap();

    // Control characters and an unknown douar: projected, cleaned and flagged.
    let odd = t.new_session();
    let ctx = t.ctx();
    let odd_p = t
        .doc(odd)
        .add_proposal(
            &ProposalInput {
                douar_id: Some("douar-that-does-not-exist".into()),
                ..input("ماء\u{0}\u{1b}[31m الشرب\nسطر")
            },
            &ctx,
        )
        .unwrap();

    let report = t.sync(&app, &token).await.expect("no 5xx");
    let reason = report.quarantined.get(&long).expect("long text set aside");
    assert!(reason.contains("4000"), "{reason}");
    let reason = report
        .quarantined
        .get(&crowd)
        .expect("attendance set aside");
    assert!(reason.contains("attendance"), "{reason}");
    assert!(!report.quarantined.contains_key(&odd));
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let (problem, unknown): (String, bool) = conn
        .query_row(
            "SELECT problem, douar_unknown FROM proposals WHERE id = ?1",
            [odd_p.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(problem, "ماء[31m الشرب\nسطر");
    assert!(unknown);
    // The office sees the flag.
    let office = app.login("office").await;
    let (status, rows) = app
        .get_json(&format!("/api/proposals?session={odd}"), &office)
        .await;
    assert_eq!(status, 200, "{rows}");
    assert_eq!(rows["rows"][0]["douar_unknown"], true, "{rows}");
    // And the exports of such text still work.
    let r = app
        .http
        .get(app.url("/api/export/proposals?format=xlsx"))
        .bearer_auth(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn ids_that_do_not_exist_leave_no_sync_state() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let real = t.new_session();
    t.sync(&app, &token).await.unwrap();
    let before = app.count("SELECT count(*) FROM sync_states");
    // 200 random ids: half with heads only, half with a message that carries no change.
    let mut docs = Vec::new();
    for i in 0..200 {
        let message = (i % 2 == 0).then(|| {
            let mut empty = automerge::AutoCommit::new();
            engine::generate(&mut empty, &mut State::new()).unwrap()
        });
        docs.push(DocEntry {
            doc_id: Uuid::new_v4(),
            heads: vec![[i as u8; 32]],
            message,
        });
    }
    let r = app
        .http
        .post(app.url("/api/sync"))
        .bearer_auth(&token)
        .body(
            engine::encode(&BatchRequest {
                peer_id: Uuid::new_v4(),
                docs,
            })
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let _: BatchResponse = engine::decode(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(app.count("SELECT count(*) FROM sync_states"), before);
    assert_eq!(app.count("SELECT count(*) FROM documents"), 1);
    // The real one still has its state.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM sync_states WHERE doc_id = '{real}'"
        )),
        1
    );
}

/// A tablet with ten sessions of 30 proposals each, synced once to a server with the given
/// budget per request; the number of round trips it took.
async fn rounds_with_budget(budget: Option<u64>) -> u32 {
    let app = crate::helpers::spawn_app_with(|c| {
        if let Some(b) = budget {
            c.sync_limits.max_request_items = b;
        }
    })
    .await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let ids: Vec<Uuid> = (0..10).map(|_| t.new_session()).collect();
    for (i, id) in ids.iter().enumerate() {
        for j in 0..30 {
            t.add_proposal(*id, &format!("اقتراح {i}-{j}"));
        }
    }
    let report = t.sync(&app, &token).await.expect("one run");
    for id in &ids {
        let (status, body) = app.get_json(&format!("/api/sessions/{id}"), &token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["proposal_list"].as_array().unwrap().len(), 30);
    }
    // Nothing is left to send.
    let again = t.sync(&app, &token).await.unwrap();
    assert!(
        again.changed.is_empty() && again.round_trips <= 1,
        "{again:?}"
    );
    report.round_trips
}

#[tokio::test]
async fn a_batch_over_its_budget_is_finished_in_later_rounds_of_the_same_sync() {
    let plain = rounds_with_budget(None).await;
    // A budget that lets about three of the ten sessions through per request.
    let budgeted = rounds_with_budget(Some(15_000)).await;
    assert!(
        budgeted > plain,
        "{budgeted} rounds with a budget, {plain} without"
    );
}

//! Sync between tablets and the server: union, idempotence, refusal of broken messages.

use tachkhis_shared::{
    AttendanceCategory,
    sync::{
        self as engine, State, Transport,
        v1::{BatchRequest, DocEntry},
    },
};
use uuid::Uuid;

use crate::helpers::{HttpTransport, Tablet, spawn_app};

async fn proposals_on_server(app: &crate::helpers::TestApp, token: &str, id: Uuid) -> Vec<String> {
    let (status, body) = app.get_json(&format!("/api/sessions/{id}"), token).await;
    assert_eq!(status, 200, "{body}");
    let mut v: Vec<String> = body["proposal_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["problem"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn two_tablets_sync_in_both_orders_and_the_server_holds_the_union() {
    for a_first in [true, false] {
        let app = spawn_app().await;
        let token = app.login("facilitator").await;
        let mut a = Tablet::new("facilitator");
        let mut b = Tablet::new("facilitator");
        let id = a.new_session();
        b.receive_copy(&mut a, id);

        // Offline: both record proposals and count the same door.
        a.add_proposal(id, "الماء الصالح للشرب غير متوفر");
        a.add_proposal(id, "الطريق مقطوعة في الشتاء");
        b.add_proposal(id, "لا توجد إنارة عمومية");
        let ctx = a.ctx();
        a.doc(id)
            .add_attendance(AttendanceCategory::Women, 12, &ctx)
            .unwrap();
        let ctx = b.ctx();
        b.doc(id)
            .add_attendance(AttendanceCategory::Women, 7, &ctx)
            .unwrap();

        let (first, second) = if a_first {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        first.sync(&app, &token).await.unwrap();
        second.sync(&app, &token).await.unwrap();
        first.sync(&app, &token).await.unwrap();

        let expected = vec![
            "الطريق مقطوعة في الشتاء".to_string(),
            "الماء الصالح للشرب غير متوفر".to_string(),
            "لا توجد إنارة عمومية".to_string(),
        ];
        let mut sorted = expected.clone();
        sorted.sort();
        assert_eq!(proposals_on_server(&app, &token, id).await, sorted);
        let (_, detail) = app.get_json(&format!("/api/sessions/{id}"), &token).await;
        assert_eq!(detail["present"], 19, "counters add up: {detail}");
        // Both tablets now hold the same merged session as the server.
        let ra = a.doc(id).read().unwrap();
        let rb = b.doc(id).read().unwrap();
        assert_eq!(ra, rb);
        assert_eq!(ra.live_proposals().count(), 3);
        assert_eq!(app.count("SELECT count(*) FROM proposals"), 3);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_tablet_with_nothing_new_learns_it_in_one_small_round_trip() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    for _ in 0..20 {
        let id = t.new_session();
        t.add_proposal(id, "مشكل");
    }
    t.sync(&app, &token).await.unwrap();
    let report = t.sync(&app, &token).await.unwrap();
    assert_eq!(report.round_trips, 1);
    assert!(
        report.bytes_up < 20 * 80,
        "{} bytes up for 20 quiet documents",
        report.bytes_up
    );
    assert!(report.bytes_down < 16, "{} bytes down", report.bytes_down);
    assert!(report.changed.is_empty());
}

/// Records every request body, and can drop the answer of one of them (a lost response).
struct LossyTransport {
    inner: HttpTransport,
    sent: Vec<Vec<u8>>,
    lose_answer_of: Option<usize>,
}

impl Transport for LossyTransport {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        self.sent.push(body.clone());
        let answer = self.inner.exchange(body).await?;
        if self.lose_answer_of == Some(self.sent.len() - 1) {
            return Err("answer lost on the way back".into());
        }
        Ok(answer)
    }
}

#[tokio::test]
async fn a_request_replayed_after_a_lost_answer_duplicates_nothing() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    for i in 0..5 {
        t.add_proposal(id, &format!("مقترح رقم {i}"));
    }
    let mut lossy = LossyTransport {
        inner: HttpTransport {
            http: app.http.clone(),
            url: app.url("/api/sync"),
            token: token.clone(),
        },
        sent: Vec::new(),
        lose_answer_of: Some(1),
    };
    assert!(
        t.sync_with(&mut lossy).await.is_err(),
        "the run sees the lost answer"
    );
    // The server stored the changes although the tablet never heard back.
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 5);
    let chunks_before = app.count("SELECT count(*) FROM doc_chunks");

    // Replay every request the tablet sent, as a retrying client would.
    for body in lossy.sent.clone() {
        lossy.inner.exchange(body).await.unwrap();
    }
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 5);
    assert_eq!(
        app.count("SELECT count(*) FROM doc_chunks"),
        chunks_before,
        "nothing stored twice"
    );

    // The next ordinary sync finishes cleanly and changes nothing.
    t.sync(&app, &token).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 5);
    assert_eq!(proposals_on_server(&app, &token, id).await.len(), 5);
}

#[tokio::test]
async fn broken_sync_messages_get_400_and_change_nothing() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    t.add_proposal(id, "مشكل قديم");
    t.sync(&app, &token).await.unwrap();
    let snapshot = || {
        (
            app.count("SELECT count(*) FROM doc_chunks"),
            app.count("SELECT count(*) FROM proposals"),
            app.count("SELECT count(*) FROM sync_states"),
        )
    };
    let before = snapshot();

    // A real message, then broken versions of it.
    t.add_proposal(id, "مشكل جديد");
    let mut state = State::new();
    let good = engine::generate(t.doc(id).automerge_mut(), &mut state).unwrap();
    let mut rng_bytes: Vec<u8> = (0..200u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    rng_bytes[0] = 0x42;
    let broken: Vec<Vec<u8>> = vec![
        good[..good.len() / 2].to_vec(),
        rng_bytes,
        vec![0x42],
        good[..3].to_vec(),
    ];
    for bad in &broken {
        // Batch endpoint.
        let body = engine::encode(&BatchRequest {
            peer_id: t.peer,
            docs: vec![DocEntry {
                doc_id: id,
                heads: vec![],
                message: Some(bad.clone()),
            }],
        })
        .unwrap();
        let r = app.post_sync(&token, body).await;
        assert_eq!(r.status(), 400);
        let err: serde_json::Value = r.json().await.unwrap();
        assert_eq!(err["error"], "bad_sync_message");
        assert_eq!(err["doc_id"], id.to_string());
        // Single-document endpoint.
        let r = app
            .http
            .post(app.url(&format!("/api/docs/{id}/sync")))
            .bearer_auth(&token)
            .header("x-peer-id", "test-peer")
            .body(bad.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(snapshot(), before, "a broken message changed the database");
    }
    // A garbage batch.
    let r = app.post_sync(&token, vec![0xff; 64]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(snapshot(), before);
    // Nothing lost either: the good message still goes through.
    t.sync(&app, &token).await.unwrap();
    assert_eq!(proposals_on_server(&app, &token, id).await.len(), 2);
}

#[tokio::test]
async fn a_document_that_breaks_the_schema_is_kept_and_quarantined() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let office = app.login("office").await;
    let id = Uuid::new_v4();
    let mut doc = automerge::AutoCommit::new();
    {
        use automerge::transaction::Transactable;
        doc.put(automerge::ROOT, "type", "something else").unwrap();
    }
    let mut t = Tablet::new("facilitator");
    t.docs.insert(
        id,
        (
            tachkhis_shared::SessionDoc::from_automerge(doc),
            State::new(),
        ),
    );
    let report = t.sync(&app, &token).await.unwrap();
    assert!(report.quarantined.contains_key(&id), "{report:?}");
    assert_eq!(app.count("SELECT count(*) FROM documents"), 1, "kept");
    assert_eq!(
        app.count("SELECT count(*) FROM sessions"),
        0,
        "not projected"
    );
    let (status, list) = app.get_json("/api/quarantine", &office).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["doc_id"], id.to_string());
    let (status, _) = app.get_json("/api/quarantine", &token).await;
    assert_eq!(status, 403, "facilitators do not see the quarantine");
}

#[tokio::test]
async fn the_single_document_endpoint_speaks_plain_automerge_sync() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    t.add_proposal(id, "سوق أسبوعي");
    let mut doc = t.doc(id).automerge().clone();
    let mut state = State::new();
    let mut rounds = 0;
    // The loop any Automerge implementation runs: send, receive, until both sides are quiet.
    loop {
        rounds += 1;
        assert!(rounds < 10);
        let out = engine::generate(&mut doc, &mut state);
        let r = app
            .http
            .post(app.url(&format!("/api/docs/{id}/sync")))
            .bearer_auth(&token)
            .header("x-peer-id", "plain-automerge")
            .body(out.clone().unwrap_or_default())
            .send()
            .await
            .unwrap();
        if out.is_none() && r.status() == 204 {
            break;
        }
        match r.status().as_u16() {
            200 => engine::receive(&mut doc, &mut state, &r.bytes().await.unwrap()).unwrap(),
            204 if out.is_none() => break,
            204 => {}
            400 if out.is_none() => break,
            s => panic!("unexpected status {s}"),
        }
        if engine::is_synced(&mut doc, &state)
            && engine::generate(&mut doc.clone(), &mut state.clone()).is_none()
        {
            break;
        }
    }
    assert_eq!(
        proposals_on_server(&app, &token, id).await,
        vec!["سوق أسبوعي".to_string()]
    );
    // A peer that already holds everything says so and hears nothing back: 204.
    let hello = engine::generate(&mut doc, &mut State::new()).unwrap();
    let r = app
        .http
        .post(app.url(&format!("/api/docs/{id}/sync")))
        .bearer_auth(&token)
        .header("x-peer-id", "another-peer")
        .body(hello)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn rebuilding_projections_gives_back_the_same_tables() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    for _ in 0..3 {
        let id = t.new_session();
        t.add_proposal(id, "مدرسه بعيدة");
        t.add_proposal(id, "Électricité publique");
    }
    t.sync(&app, &token).await.unwrap();
    let (_, before) = app.get_json("/api/sessions", &token).await;
    let db = tachkhis_server::Db::open(&app.db_path).unwrap();
    let (ok, bad) = db
        .write_blocking(tachkhis_server::documents::store::rebuild_projections)
        .unwrap();
    assert_eq!((ok, bad), (3, 0));
    let (_, after) = app.get_json("/api/sessions", &token).await;
    let strip = |v: &serde_json::Value| {
        let mut v = v.clone();
        for s in v.as_array_mut().unwrap() {
            s["updated_at"] = serde_json::Value::Null;
        }
        v
    };
    assert_eq!(strip(&before), strip(&after));
    assert_eq!(
        app.count("SELECT count(*) FROM proposals WHERE problem_norm = 'مدرسه بعيده'"),
        3
    );
}

#[tokio::test]
async fn committee_members_cannot_send_documents() {
    let app = spawn_app().await;
    let token = app.login("committee").await;
    let mut t = Tablet::new("committee");
    t.new_session();
    let err = t.sync(&app, &token).await.unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");
    assert_eq!(app.count("SELECT count(*) FROM documents"), 0);
}

/// Attendance typed on the number pad is stored as the difference from what the tablet showed:
/// two tablets counting different people still add up, and a count that arrives after a typed
/// total shows as the difference (what the screen reports as "+2 from the other tablet").
#[tokio::test]
async fn typed_attendance_adds_up_across_tablets() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut a = Tablet::new("facilitator");
    let mut b = Tablet::new("facilitator");
    let id = a.new_session();
    b.receive_copy(&mut a, id);
    let women = AttendanceCategory::Women;
    let count = |t: &mut Tablet| t.doc(id).read().unwrap().attendance.get(women.clone());

    // Offline, each counts different people: A steps 10, B types 11 from its paper sheet
    // (the screen showed 0), then A steps 2 more.
    let ctx = a.ctx();
    a.doc(id).add_attendance(women.clone(), 10, &ctx).unwrap();
    let ctx = b.ctx();
    assert_eq!(
        b.doc(id)
            .type_attendance(women.clone(), 0, 11, &ctx)
            .unwrap(),
        11
    );
    let ctx = a.ctx();
    a.doc(id).add_attendance(women.clone(), 2, &ctx).unwrap();
    a.sync(&app, &token).await.unwrap();
    b.sync(&app, &token).await.unwrap();
    a.sync(&app, &token).await.unwrap();
    assert_eq!((count(&mut a), count(&mut b)), (23, 23), "10 + 11 + 2");

    // Both show 23. A types the total 30 from the sheet; meanwhile B counts 2 late-comers.
    let ctx = a.ctx();
    assert_eq!(
        a.doc(id)
            .type_attendance(women.clone(), 23, 30, &ctx)
            .unwrap(),
        7
    );
    let ctx = b.ctx();
    b.doc(id).add_attendance(women.clone(), 2, &ctx).unwrap();
    assert_eq!(count(&mut a), 30, "A shows what was typed");
    a.sync(&app, &token).await.unwrap();
    b.sync(&app, &token).await.unwrap();
    a.sync(&app, &token).await.unwrap();
    // B's two are kept: A's screen shows 32 where 30 was typed, the +2 to confirm or take off.
    assert_eq!((count(&mut a), count(&mut b)), (32, 32));
    let (_, detail) = app.get_json(&format!("/api/sessions/{id}"), &token).await;
    assert_eq!(detail["present"], 32, "{detail}");
    // A facilitator who finds B counted the same people takes them off: back to the typed total.
    let ctx = a.ctx();
    assert_eq!(
        a.doc(id)
            .type_attendance(women.clone(), 32, 30, &ctx)
            .unwrap(),
        -2
    );
    a.sync(&app, &token).await.unwrap();
    b.sync(&app, &token).await.unwrap();
    assert_eq!(count(&mut b), 30);

    // A typed number that is no count changes nothing.
    let ctx = a.ctx();
    assert!(
        a.doc(id)
            .type_attendance(women.clone(), 30, -1, &ctx)
            .is_err()
    );
    assert!(
        a.doc(id)
            .type_attendance(women.clone(), 30, 1_000_000, &ctx)
            .is_err()
    );
    assert_eq!(count(&mut a), 30);
    app.stop().await;
}

//! The sync wire across versions: a tablet still on the first app (wire v1) keeps syncing with
//! this server, and this app's wire (v2) refuses one document without failing the others.

use tachkhis_shared::sync::{
    self as engine, BatchRequest, DocEntry, DocReply, DocStatus, Transport, WIRE_VERSION, v1,
};
use uuid::Uuid;

use crate::helpers::{HttpTransport, Tablet, spawn_app};

const V1_REQUEST: &[u8] = include_bytes!("../../shared/tests/data/sync-v1-request.bin");

/// The first app's transport: what goes on the wire is v1 (no version, the old reply
/// statuses), translated from and to the engine's types the way the old app read them.
struct OldApp {
    inner: HttpTransport,
    requests: usize,
}

impl Transport for OldApp {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        let request = engine::decode_request(&body).map_err(|e| e.to_string())?;
        let old = v1::BatchRequest {
            peer_id: request.peer_id,
            docs: request
                .docs
                .into_iter()
                .map(|d| v1::DocEntry {
                    doc_id: d.doc_id,
                    heads: d.heads,
                    message: d.message,
                })
                .collect(),
        };
        let bytes = engine::encode(&old).map_err(|e| e.to_string())?;
        assert_eq!(
            bytes[0], 0x10,
            "a v1 request starts with the peer id's length"
        );
        self.requests += 1;
        let answer = self.inner.exchange(bytes).await?;
        let old: v1::BatchResponse = engine::decode(&answer)
            .map_err(|e| format!("the answer to a v1 request is not v1: {e}"))?;
        let docs = old
            .docs
            .into_iter()
            .map(|d| DocReply {
                doc_id: d.doc_id,
                status: match (&d.message, d.status) {
                    (None, v1::DocStatus::Ok) => DocStatus::Deferred,
                    (_, v1::DocStatus::Ok) => DocStatus::Ok,
                    (_, v1::DocStatus::Quarantined { reason }) => DocStatus::Quarantined { reason },
                },
                message: d.message,
            })
            .collect();
        engine::encode_response(WIRE_VERSION, docs).map_err(|e| e.to_string())
    }
}

#[tokio::test]
async fn a_tablet_on_the_first_app_keeps_syncing_with_this_server() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut old = Tablet::new("facilitator");
    let id = old.new_session();
    old.add_proposal(id, "الطريق مقطوعة في الشتاء");
    old.add_proposal(id, "لا ماء صالح للشرب");
    let mut transport = OldApp {
        inner: HttpTransport {
            http: app.http.clone(),
            url: app.url("/api/sync"),
            token: token.clone(),
        },
        requests: 0,
    };
    old.sync_with(&mut transport).await.expect("v1 sync");
    assert!(transport.requests > 0);
    assert_eq!(
        app.count("SELECT count(*) FROM proposals WHERE deleted = 0"),
        2
    );

    // A tablet on this app edits the same session; the old tablet gets the edit.
    let mut new = Tablet::new("facilitator");
    new.receive_copy(&mut old, id);
    new.add_proposal(id, "المدرسة بعيدة");
    new.sync(&app, &token).await.expect("v2 sync");
    old.sync_with(&mut transport).await.expect("v1 sync again");
    let session = old.doc(id).read().unwrap();
    assert_eq!(session.live_proposals().count(), 3);
    assert_eq!(
        app.count("SELECT count(*) FROM proposals WHERE deleted = 0"),
        3
    );
}

#[tokio::test]
async fn the_first_apps_frozen_request_is_answered_in_v1() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let r = app.post_sync(&token, V1_REQUEST.to_vec()).await;
    assert_eq!(r.status(), 200);
    let answer = r.bytes().await.unwrap();
    let old: v1::BatchResponse = engine::decode(&answer).expect("a v1 answer");
    // The session's first message (heads and a Bloom filter) gets the server's own.
    let session = Uuid::parse_str("7b7a3f0e-3c1d-4e55-9a51-0d7f5a1e2c01").unwrap();
    let reply = old.docs.iter().find(|d| d.doc_id == session).unwrap();
    assert!(reply.message.is_some());
    assert_eq!(reply.status, v1::DocStatus::Ok);
}

#[tokio::test]
async fn a_refused_message_is_its_documents_status_and_the_others_go_through() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let good = tablet.new_session();
    tablet.add_proposal(good, "لا ماء صالح للشرب");
    let (doc, state) = tablet.docs.get_mut(&good).unwrap();
    let message = engine::generate(doc.automerge_mut(), state).unwrap();
    let bad = Uuid::new_v4();
    let docs = vec![
        DocEntry {
            doc_id: bad,
            heads: vec![],
            message: Some(vec![0x42, 1, 2, 3]),
        },
        DocEntry {
            doc_id: good,
            heads: engine::heads_to_wire(&doc.heads()),
            message: Some(message),
        },
    ];
    let body = engine::encode_request(&BatchRequest::new(tablet.peer, docs)).unwrap();
    let r = app.post_sync(&token, body).await;
    assert_eq!(r.status(), 200);
    let answer = engine::decode_response(&r.bytes().await.unwrap()).unwrap();
    let refused = answer.docs.iter().find(|d| d.doc_id == bad).unwrap();
    match &refused.status {
        DocStatus::Refused { error, message } => {
            assert_eq!(error.code(), "bad_sync_message");
            assert!(message.contains(&bad.to_string()), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(refused.message.is_none());
    // The good one went on: the server answered it, and the tablet finishes its sync.
    assert!(
        answer
            .docs
            .iter()
            .any(|d| d.doc_id == good && d.message.is_some())
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM documents WHERE id = '{bad}'"
        )),
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM sync_states WHERE doc_id = '{bad}'"
        )),
        0
    );
    tablet.sync(&app, &token).await.expect("the good one syncs");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM documents WHERE id = '{good}'"
        )),
        1
    );
}

#[tokio::test]
async fn a_request_from_a_newer_app_is_refused_with_a_clear_error() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    // Version 3, then a v2 body.
    let mut body = vec![3];
    body.extend_from_slice(
        &engine::encode_request(&BatchRequest::new(Uuid::new_v4(), vec![])).unwrap()[1..],
    );
    let r = app.post_sync(&token, body).await;
    assert_eq!(r.status(), 400);
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["error"], "sync_version_unsupported");
}

//! Red team: sync messages crafted from Automerge 0.12's own reading of the format, written
//! without looking at the server's guard. Each attack asserts what a user relies on: the answer
//! is a 4xx (or a 200 where the message is legitimate), never a 5xx; the server goes on serving
//! a normal tablet, and the owner of an attacked document goes on syncing it; nothing is kept
//! of a refused message. Memory and time are measured by `server/benches/attacks.rs`.

use automerge::{
    ActorId, AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, transaction::Transactable,
};
use tachkhis_shared::sync::{
    self as engine,
    v1::{BatchRequest, BatchResponse, DocEntry, DocStatus},
};
use uuid::Uuid;

use crate::craft::{self, Have, RawChange};
use crate::helpers::{Tablet, TestApp, spawn_app};

async fn post_doc(app: &TestApp, token: &str, id: Uuid, body: Vec<u8>) -> (u16, Vec<u8>) {
    let r = app
        .http
        .post(app.url(&format!("/api/docs/{id}/sync")))
        .bearer_auth(token)
        .header("x-peer-id", "redteam")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

async fn post_batch(app: &TestApp, token: &str, docs: Vec<DocEntry>) -> (u16, Vec<u8>) {
    let r = app
        .http
        .post(app.url("/api/sync"))
        .bearer_auth(token)
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
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

fn entry(doc_id: Uuid, message: Vec<u8>) -> DocEntry {
    DocEntry {
        doc_id,
        heads: vec![],
        message: Some(message),
    }
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(400)]).into_owned()
}

fn assert_no_5xx(what: &str, status: u16, body: &[u8]) {
    assert!(status < 500, "{what}: answered {status}: {}", text(body));
}

/// A refused message: a 4xx with the JSON error shape.
fn assert_refused(what: &str, status: u16, body: &[u8]) {
    assert!(
        (400..500).contains(&status),
        "{what}: expected a 4xx, got {status}: {}",
        text(body)
    );
    let v: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("{what}: a 4xx without a JSON body: {}", text(body)));
    assert!(
        v["error"].is_string() && v["message"].is_string(),
        "{what}: {v}"
    );
}

async fn assert_still_serving(app: &TestApp, token: &str) {
    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    t.add_proposal(id, "الماء");
    let report = t
        .sync(app, token)
        .await
        .expect("a normal tablet still syncs");
    assert!(report.quarantined.is_empty());
    let (status, _) = app.get_json(&format!("/api/sessions/{id}"), token).await;
    assert_eq!(status, 200);
    let (status, _) = app.get_json("/api/sessions", token).await;
    assert_eq!(status, 200);
}

/// The owner of an attacked document edits it and syncs: accepted, projected, not set aside.
async fn assert_owner_still_syncs(app: &TestApp, token: &str, owner: &mut Tablet, id: Uuid) {
    let p = owner.add_proposal(id, "بعد الهجوم");
    let report = owner
        .sync(app, token)
        .await
        .expect("the owner of the attacked document still syncs");
    assert!(
        !report.quarantined.contains_key(&id),
        "the attacked document was set aside: {:?}",
        report.quarantined
    );
    let (status, session) = app.get_json(&format!("/api/sessions/{id}"), token).await;
    assert_eq!(status, 200, "{session}");
    assert!(
        session.to_string().contains(&p.to_string()),
        "the owner's new proposal is not projected: {session}"
    );
}

fn stored_heads(app: &TestApp, id: Uuid) -> Option<Vec<u8>> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.query_row(
        "SELECT heads FROM documents WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .ok()
}

fn chunk_count(app: &TestApp, id: Uuid) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM doc_chunks WHERE doc_id = '{id}'"
    ))
}

/// A session stored on the server by its owner's tablet; returns its id and current heads.
async fn owned_session(app: &TestApp, token: &str, owner: &mut Tablet) -> (Uuid, Vec<[u8; 32]>) {
    let id = owner.new_session();
    owner.add_proposal(id, "الطريق");
    owner.sync(app, token).await.unwrap();
    let heads = owner.doc(id).heads().iter().map(|h| h.0).collect();
    (id, heads)
}

/// The counter a change on top of the owner's heads starts at (as Automerge itself numbers it).
fn next_op(owner: &mut Tablet, id: Uuid) -> u64 {
    let am = owner.doc(id).automerge_mut();
    am.get_changes(&[])
        .iter()
        .map(|c| c.max_op())
        .max()
        .unwrap_or(0)
        + 1
}

// --- The crafted inputs are what Automerge itself accepts --------------------------------------

#[test]
fn the_crafted_changes_are_real_automerge() {
    // A million ops in a few dozen bytes: Automerge loads them all.
    let n = 100_000;
    let change =
        RawChange::new(&[0xaa; 16], 1, 1, &[]).with_columns(craft::mass_put_columns(n, "x"));
    let chunk = change.chunk();
    assert!(chunk.len() < 200, "{}", chunk.len());
    let mut doc = AutoCommit::new();
    doc.load_incremental(&chunk).unwrap();
    assert_eq!(doc.get_all(ROOT, "x").unwrap().len(), n as usize);
    assert_eq!(doc.get_heads()[0].0, change.hash());

    // A put that overwrites another actor's op.
    let mut doc = AutoCommit::new();
    let first =
        RawChange::new(&[0xaa; 16], 1, 1, &[]).with_columns(craft::one_put_columns("x", None));
    let mut second = RawChange::new(&[0xbb; 16], 1, 2, &[first.hash()]);
    second.other_actors = vec![vec![0xaa; 16]];
    second.columns = craft::one_put_columns("x", Some((1, 1)));
    doc.load_incremental(&[first.chunk(), second.chunk()].concat())
        .unwrap();
    assert_eq!(doc.get_all(ROOT, "x").unwrap().len(), 1);
    assert_eq!(doc.get_heads()[0].0, second.hash());

    // A message carrying it decodes.
    let msg = craft::message(&[], &[], &[], &[first.chunk()], true);
    let m = automerge::sync::Message::decode(&msg).unwrap();
    assert_eq!(m.changes.len(), 1);
}

// --- Amplification and the have/need lists ----------------------------------------------------

#[tokio::test]
async fn a_need_list_repeating_one_hash_gets_a_bounded_answer() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut owner = Tablet::new("facilitator");
    let (id, heads) = owned_session(&app, &token, &mut owner).await;
    let size = owner.doc(id).save().len();
    // 100,000 times the same known hash (3.2 MB): an answer of that many copies of the change
    // would be 100,000 times the document.
    let need = vec![heads[0]; 100_000];
    for flags in [false, true] {
        let msg = craft::message(&[], &need, &[], &[], flags);
        let (status, body) = post_doc(&app, &token, id, msg.clone()).await;
        assert_no_5xx("repeated need", status, &body);
        assert!(
            body.len() < 64 * size + 64 * 1024,
            "repeated need (flags {flags}): {} bytes answered for a {size}-byte document",
            body.len()
        );
        let (status, body) = post_batch(&app, &token, vec![entry(id, msg)]).await;
        assert_no_5xx("repeated need in a batch", status, &body);
        assert!(
            body.len() < 64 * size + 64 * 1024,
            "repeated need in a batch (flags {flags}): {} bytes for a {size}-byte document",
            body.len()
        );
    }
    assert_still_serving(&app, &token).await;
    assert_owner_still_syncs(&app, &token, &mut owner, id).await;
}

#[tokio::test]
async fn a_million_empty_haves_are_refused_or_cheap() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut owner = Tablet::new("facilitator");
    let (id, _) = owned_session(&app, &token, &mut owner).await;
    // Two bytes each (no last-sync heads, an empty filter): 2 MB decode to ~64 MB of structs.
    let haves: Vec<Have> = (0..1_000_000)
        .map(|_| Have {
            last_sync: vec![],
            bloom: vec![],
        })
        .collect();
    let msg = craft::message(&[], &[], &haves, &[], false);
    let (status, body) = post_doc(&app, &token, id, msg).await;
    assert_no_5xx("a million haves", status, &body);
    assert_still_serving(&app, &token).await;
    assert_owner_still_syncs(&app, &token, &mut owner, id).await;
}

#[tokio::test]
async fn odd_bloom_filters_in_any_have_are_refused_or_harmless() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut owner = Tablet::new("facilitator");
    let (id, heads) = owned_session(&app, &token, &mut owner).await;
    let ok = || Have {
        last_sync: vec![],
        bloom: craft::bloom(1, 10, 7, 0),
    };
    let zero_bits = |entries| Have {
        last_sync: vec![],
        bloom: craft::bloom(entries, 0, 7, 0),
    };
    let cases: Vec<(&str, Vec<Have>, bool)> = vec![
        // A zero-bit filter (a division by zero in Automerge) behind a good first one.
        (
            "zero bits in the second have",
            vec![ok(), zero_bits(1)],
            true,
        ),
        ("zero bits, 2^32-1 entries", vec![zero_bits(u32::MAX)], true),
        // One bit per entry rounds to one byte: harmless.
        (
            "a filter of one byte",
            vec![Have {
                last_sync: vec![],
                bloom: craft::bloom(1, 1, 7, 0),
            }],
            false,
        ),
        // Matches everything, many probes.
        (
            "a full filter",
            vec![Have {
                last_sync: vec![],
                bloom: craft::bloom(64, 10, 50, 0xff),
            }],
            false,
        ),
        // A filter with bytes left over inside its declared length.
        (
            "trailing bytes in a filter",
            vec![Have {
                last_sync: vec![],
                bloom: [craft::bloom(1, 10, 7, 0), vec![9; 100]].concat(),
            }],
            false,
        ),
        // The first have is checked for unknown last-sync heads; the second one is not.
        (
            "unknown last-sync heads in the second have",
            vec![
                Have {
                    last_sync: heads.clone(),
                    bloom: craft::bloom(1, 10, 7, 0),
                },
                Have {
                    last_sync: vec![[0x5a; 32]; 1000],
                    bloom: craft::bloom(1, 10, 7, 0),
                },
            ],
            false,
        ),
    ];
    for (what, haves, must_refuse) in cases {
        let msg = craft::message(&heads, &[], &haves, &[], true);
        let (status, body) = post_doc(&app, &token, id, msg.clone()).await;
        if must_refuse {
            assert_refused(what, status, &body);
        } else {
            assert_no_5xx(what, status, &body);
        }
        let (status, body) = post_batch(&app, &token, vec![entry(id, msg)]).await;
        if must_refuse {
            assert_refused(what, status, &body);
        } else {
            assert_no_5xx(what, status, &body);
        }
    }
    assert_still_serving(&app, &token).await;
    assert_owner_still_syncs(&app, &token, &mut owner, id).await;
}

#[tokio::test]
async fn half_a_million_unknown_heads_get_a_bounded_answer() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut owner = Tablet::new("facilitator");
    let (id, _) = owned_session(&app, &token, &mut owner).await;
    let heads: Vec<[u8; 32]> = (0..400_000u32)
        .map(|i| {
            let mut h = [0u8; 32];
            h[..4].copy_from_slice(&i.to_be_bytes());
            h
        })
        .collect();
    let msg = craft::message(&heads, &[], &[], &[], false);
    let (status, body) = post_doc(&app, &token, id, msg).await;
    assert_no_5xx("400,000 unknown heads", status, &body);
    assert_still_serving(&app, &token).await;
    assert_owner_still_syncs(&app, &token, &mut owner, id).await;
}

// --- Change chunks that panic inside Automerge -------------------------------------------------

/// Sends `changes` to the owner's stored document; the answer must be a 4xx (or a 200 when
/// `may_pass`), the stored document unchanged when refused, and the owner must sync on.
async fn attack_stored_doc(
    what: &str,
    changes: impl Fn(&[[u8; 32]], u64) -> Vec<Vec<u8>>,
    may_pass: bool,
) {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut owner = Tablet::new("facilitator");
    let (id, heads) = owned_session(&app, &token, &mut owner).await;
    let op = next_op(&mut owner, id);
    let before = stored_heads(&app, id);
    let chunks_before = chunk_count(&app, id);
    let msg = craft::message(&heads, &[], &[], &changes(&heads, op), true);
    for batch in [false, true] {
        let (status, body) = if batch {
            post_batch(&app, &token, vec![entry(id, msg.clone())]).await
        } else {
            post_doc(&app, &token, id, msg.clone()).await
        };
        eprintln!("{what} (batch: {batch}): {status} {}", text(&body));
        if may_pass {
            assert_no_5xx(what, status, &body);
        } else {
            assert_refused(what, status, &body);
        }
        if (400..500).contains(&status) {
            assert_eq!(stored_heads(&app, id), before, "{what}: refused yet stored");
            assert_eq!(
                chunk_count(&app, id),
                chunks_before,
                "{what}: refused yet stored"
            );
        }
    }
    assert_still_serving(&app, &token).await;
    assert_owner_still_syncs(&app, &token, &mut owner, id).await;
}

#[tokio::test]
async fn a_change_whose_op_counter_passes_u32_is_refused() {
    // start_op = 2^32-1 passes Automerge's own check; the second op's id is 2^32, which
    // `OpId::new` unwraps into a u32.
    attack_stored_doc(
        "start_op 2^32-1 with two ops",
        |heads, _| {
            vec![
                RawChange::new(&[0xa1; 16], 1, u64::from(u32::MAX), heads)
                    .with_columns(craft::mass_put_columns(2, "x"))
                    .chunk(),
            ]
        },
        false,
    )
    .await;
}

#[tokio::test]
async fn a_pred_counter_beyond_u32_is_refused() {
    attack_stored_doc(
        "pred counter 2^33",
        |heads, op| {
            vec![
                RawChange::new(&[0xa2; 16], 1, op, heads)
                    .with_columns(craft::one_put_columns("x", Some((1 << 33, 0))))
                    .chunk(),
            ]
        },
        false,
    )
    .await;
}

#[tokio::test]
async fn a_first_change_with_seq_three_is_refused_or_harmless() {
    // `ChangeGraph::add_changes` asserts seq = previous + 1.
    attack_stored_doc(
        "seq 3 from a new actor",
        |heads, op| {
            vec![
                RawChange::new(&[0xa3; 16], 3, op, heads)
                    .with_columns(craft::one_put_columns("x", None))
                    .chunk(),
            ]
        },
        false,
    )
    .await;
}

#[tokio::test]
async fn a_change_with_seq_zero_is_refused() {
    attack_stored_doc(
        "seq 0",
        |heads, op| {
            vec![
                RawChange::new(&[0xa4; 16], 0, op, heads)
                    .with_columns(craft::one_put_columns("x", None))
                    .chunk(),
            ]
        },
        false,
    )
    .await;
}

#[tokio::test]
async fn an_author_on_a_second_change_is_refused_or_harmless() {
    // An author footer (extra bytes 0x01, len, bytes) is asserted to be on seq 1 only.
    attack_stored_doc(
        "author footer on seq 2",
        |heads, op| {
            let first = RawChange::new(&[0xa5; 16], 1, op, heads)
                .with_columns(craft::one_put_columns("x", None));
            let mut second = RawChange::new(&[0xa5; 16], 2, op + 1, &[first.hash()])
                .with_columns(craft::one_put_columns("y", None));
            second.extra = vec![1, 3, b'e', b'v', b'e'];
            vec![first.chunk(), second.chunk()]
        },
        true,
    )
    .await;
}

#[tokio::test]
async fn two_changes_with_one_seq_are_refused() {
    attack_stored_doc(
        "duplicate seq",
        |heads, op| {
            let a = RawChange::new(&[0xa6; 16], 1, op, heads)
                .with_columns(craft::one_put_columns("x", None));
            let b = RawChange::new(&[0xa6; 16], 1, op, heads)
                .with_columns(craft::one_put_columns("y", None));
            vec![a.chunk(), b.chunk()]
        },
        true,
    )
    .await;
}

#[test]
fn a_non_canonical_change_breaks_automerge_save_and_load() {
    // Why the next test matters: Automerge applies the change, but a document saved with it
    // no longer loads (the change re-encodes to other bytes, so another hash).
    let mut base = AutoCommit::new();
    base.put(ROOT, "a", 1).unwrap();
    base.commit();
    let heads: Vec<[u8; 32]> = base.get_heads().iter().map(|h| h.0).collect();
    let mut doc = base.fork();
    let op = base
        .get_changes(&[])
        .iter()
        .map(|c| c.max_op())
        .max()
        .unwrap()
        + 1;
    let change =
        RawChange::new(&[0xb6; 16], 1, op, &heads).with_columns(craft::one_put_non_canonical("x"));
    doc.load_incremental(&change.chunk()).unwrap();
    assert_eq!(doc.get_heads()[0].0, change.hash());
    let err = AutoCommit::load(&doc.save()).unwrap_err();
    assert!(err.to_string().contains("mismatching heads"), "{err}");
}

#[tokio::test]
async fn a_change_whose_ops_start_below_its_deps_is_refused_or_stored_cleanly() {
    // start_op 1 on top of a document whose ops already reach past 1: counters that break
    // Lamport order (ids stay unique, their actor differs). Automerge applies it.
    attack_stored_doc(
        "start_op 1 on top of the owner's ops",
        |heads, _| {
            vec![
                RawChange::new(&[0xb3; 16], 1, 1, heads)
                    .with_columns(craft::one_put_columns("x", None))
                    .chunk(),
            ]
        },
        true,
    )
    .await;
}

#[tokio::test]
async fn a_change_whose_ops_skip_counters_is_refused_or_stored_cleanly() {
    attack_stored_doc(
        "start_op 1000 past the owner's ops",
        |heads, op| {
            vec![
                RawChange::new(&[0xb4; 16], 1, op + 1000, heads)
                    .with_columns(craft::one_put_columns("x", None))
                    .chunk(),
            ]
        },
        true,
    )
    .await;
}

#[tokio::test]
async fn a_change_at_time_i64_min_is_refused_or_stored_cleanly() {
    // Automerge's own commit panics on that time (a delta column overflows); a crafted change
    // carries it anyway.
    attack_stored_doc(
        "time i64::MIN",
        |heads, op| {
            let mut c = RawChange::new(&[0xb5; 16], 1, op, heads)
                .with_columns(craft::one_put_columns("x", None));
            c.time = i64::MIN;
            vec![c.chunk()]
        },
        true,
    )
    .await;
}

#[tokio::test]
async fn a_valid_change_then_garbage_is_all_or_nothing() {
    // Automerge's incremental load keeps the chunks before a bad one and drops the error.
    attack_stored_doc(
        "a valid change then garbage",
        |heads, op| {
            let good = RawChange::new(&[0xa7; 16], 1, op, heads)
                .with_columns(craft::one_put_columns("x", None));
            let mut garbage = craft::MAGIC.to_vec();
            garbage.extend([0, 0, 0, 0, 1, 5, 1, 2, 3]);
            vec![good.chunk(), garbage, vec![0xff; 64]]
        },
        true,
    )
    .await;
}

#[tokio::test]
async fn a_change_on_unknown_deps_leaves_nothing() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut owner = Tablet::new("facilitator");
    let (id, heads) = owned_session(&app, &token, &mut owner).await;
    let before = stored_heads(&app, id);
    let orphan = RawChange::new(&[0xa8; 16], 1, 1, &[[0x77; 32]])
        .with_columns(craft::one_put_columns("x", None))
        .chunk();
    let msg = craft::message(&heads, &[], &[], std::slice::from_ref(&orphan), true);
    let (status, body) = post_doc(&app, &token, id, msg).await;
    assert_no_5xx("orphan change", status, &body);
    assert_eq!(
        stored_heads(&app, id),
        before,
        "an orphan change moved the heads"
    );

    // To an id the server does not know: no document, no sync state.
    let docs = app.count("SELECT count(*) FROM documents");
    let states = app.count("SELECT count(*) FROM sync_states");
    let fresh = Uuid::new_v4();
    let msg = craft::message(&[], &[], &[], &[orphan], true);
    let (status, body) = post_doc(&app, &token, fresh, msg.clone()).await;
    assert_no_5xx("orphan change to a new id", status, &body);
    let (status, body) = post_batch(&app, &token, vec![entry(Uuid::new_v4(), msg)]).await;
    assert_no_5xx("orphan change to a new id in a batch", status, &body);
    assert_eq!(app.count("SELECT count(*) FROM documents"), docs);
    assert_eq!(app.count("SELECT count(*) FROM sync_states"), states);
    assert_still_serving(&app, &token).await;
    assert_owner_still_syncs(&app, &token, &mut owner, id).await;
}

#[tokio::test]
async fn actor_ids_of_odd_lengths_are_refused_or_stored_cleanly() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    for len in [0usize, 1, 33, 255, 5000] {
        let mut owner = Tablet::new("facilitator");
        let (id, heads) = owned_session(&app, &token, &mut owner).await;
        let op = next_op(&mut owner, id);
        let change = RawChange::new(&vec![0xab; len], 1, op, &heads)
            .with_columns(craft::one_put_columns("x", None))
            .chunk();
        let msg = craft::message(&heads, &[], &[], &[change], true);
        let (status, body) = post_doc(&app, &token, id, msg).await;
        assert_no_5xx(&format!("actor of {len} bytes"), status, &body);
        assert_owner_still_syncs(&app, &token, &mut owner, id).await;
    }
    assert_still_serving(&app, &token).await;
}

#[tokio::test]
async fn a_huge_map_of_conflicting_values_is_refused_or_stored() {
    // 200,000 concurrent values of one key in 40 bytes (the benchmark goes to millions).
    attack_stored_doc(
        "200,000 conflicting puts",
        |heads, op| {
            vec![
                RawChange::new(&[0xa9; 16], 1, op, heads)
                    .with_columns(craft::mass_put_columns(200_000, "x"))
                    .chunk(),
            ]
        },
        true,
    )
    .await;
}

#[tokio::test]
async fn a_document_chunk_or_a_bundle_in_a_sync_message_is_refused_or_stored() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    t.add_proposal(id, "السقي");
    let save = t.doc(id).save();
    let am = t.doc(id).automerge_mut();
    let hashes = am
        .get_changes(&[])
        .iter()
        .map(|c| c.hash())
        .collect::<Vec<_>>();
    let bundle = am.document().bundle(hashes).unwrap().bytes().to_vec();
    // A whole document, to a new id: the tablet never sends one, but Automerge loads it.
    let msg = craft::message(&[], &[], &[], std::slice::from_ref(&save), true);
    let (status, body) = post_doc(&app, &token, id, msg).await;
    assert_no_5xx("a document chunk", status, &body);
    // A bundle (chunk type 3, experimental in Automerge 0.12).
    let other = Uuid::new_v4();
    let msg = craft::message(&[], &[], &[], &[bundle], true);
    let (status, body) = post_doc(&app, &token, other, msg).await;
    assert_no_5xx("a bundle", status, &body);
    assert_still_serving(&app, &token).await;
}

// --- Documents whose content is strange -------------------------------------------------------

#[tokio::test]
async fn counters_that_overflow_are_set_aside_never_a_500() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let att = t.new_session();
    let votes = t.new_session();
    let p = t.add_proposal(votes, "التصويت");
    {
        let am = t.doc(att).automerge_mut();
        let (_, obj) = am.get(ROOT, "attendance").unwrap().unwrap();
        am.put(&obj, "women", ScalarValue::counter(0)).unwrap();
        am.put(&obj, "men", ScalarValue::counter(i64::MAX)).unwrap();
        am.commit();
        // Two increments, each fine, whose sum leaves i64.
        am.increment(&obj, "women", i64::MAX).unwrap();
        am.increment(&obj, "women", i64::MAX).unwrap();
        am.commit();
    }
    {
        let am = t.doc(votes).automerge_mut();
        let (_, props) = am.get(ROOT, "proposals").unwrap().unwrap();
        let (_, obj) = am.get(&props, p.to_string()).unwrap().unwrap();
        am.increment(&obj, "votes", i64::MAX).unwrap();
        am.increment(&obj, "votes", i64::MAX).unwrap();
        am.commit();
    }
    let report = t.sync(&app, &token).await;
    let report = report.unwrap_or_else(|e| panic!("overflowing counters: {e}"));
    for id in [att, votes] {
        assert!(
            report.quarantined.contains_key(&id),
            "{id} was projected: {report:?}"
        );
    }
    assert_still_serving(&app, &token).await;
}

#[tokio::test]
async fn strange_values_where_the_schema_expects_others_never_give_a_500() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    type Edit = Box<dyn Fn(&mut AutoCommit, Uuid)>;
    let prop = |am: &mut AutoCommit, p: Uuid| {
        let (_, props) = am.get(ROOT, "proposals").unwrap().unwrap();
        am.get(&props, p.to_string()).unwrap().unwrap().1
    };
    let edits: Vec<(&str, Edit)> = vec![
        (
            "rank NaN",
            Box::new(move |am, p| {
                let o = prop(am, p);
                am.put(&o, "rank", f64::NAN).unwrap();
            }),
        ),
        (
            "rank infinite",
            Box::new(move |am, p| {
                let o = prop(am, p);
                am.put(&o, "rank", f64::NEG_INFINITY).unwrap();
            }),
        ),
        (
            "created_at i64::MIN",
            Box::new(move |am, p| {
                let o = prop(am, p);
                am.put(&o, "created_at", i64::MIN).unwrap();
            }),
        ),
        (
            "edited_at a timestamp of i64::MAX",
            Box::new(move |am, p| {
                let o = prop(am, p);
                am.put(&o, "edited_at", ScalarValue::Timestamp(i64::MAX))
                    .unwrap();
            }),
        ),
        (
            "problem a map",
            Box::new(move |am, p| {
                let o = prop(am, p);
                am.put_object(&o, "problem", ObjType::Map).unwrap();
            }),
        ),
        (
            "votes a text",
            Box::new(move |am, p| {
                let o = prop(am, p);
                am.put_object(&o, "votes", ObjType::Text).unwrap();
            }),
        ),
        (
            "deleted a string",
            Box::new(move |am, p| {
                let o = prop(am, p);
                am.put(&o, "deleted", "yes").unwrap();
            }),
        ),
        (
            "proposals a string",
            Box::new(|am, _| {
                am.put(ROOT, "proposals", "none").unwrap();
            }),
        ),
        (
            "proposals a list",
            Box::new(|am, _| {
                am.put_object(ROOT, "proposals", ObjType::List).unwrap();
            }),
        ),
        (
            "schema u64::MAX",
            Box::new(|am, _| {
                am.put(ROOT, "schema", u64::MAX).unwrap();
            }),
        ),
        (
            "schema a float",
            Box::new(|am, _| {
                am.put(ROOT, "schema", 2.5).unwrap();
            }),
        ),
        (
            "id of another document",
            Box::new(|am, _| {
                am.put(ROOT, "id", Uuid::new_v4().to_string()).unwrap();
            }),
        ),
        (
            "closed_at i64::MIN",
            Box::new(|am, _| {
                let (_, m) = am.get(ROOT, "meta").unwrap().unwrap();
                am.put(&m, "closed_at", i64::MIN).unwrap();
            }),
        ),
        (
            "created_at u64::MAX",
            Box::new(|am, _| {
                let (_, m) = am.get(ROOT, "meta").unwrap().unwrap();
                am.put(&m, "created_at", u64::MAX).unwrap();
            }),
        ),
        (
            "meta a list",
            Box::new(|am, _| {
                am.put_object(ROOT, "meta", ObjType::List).unwrap();
            }),
        ),
        (
            "notes a map",
            Box::new(|am, _| {
                am.put_object(ROOT, "notes", ObjType::Map).unwrap();
            }),
        ),
        (
            "notes with a mark",
            Box::new(|am, _| {
                let (_, n) = am.get(ROOT, "notes").unwrap().unwrap();
                am.splice_text(&n, 0, 0, "ملاحظة").unwrap();
                am.mark(
                    &n,
                    automerge::marks::Mark::new("bold".into(), true, 0, 3),
                    automerge::marks::ExpandMark::Both,
                )
                .unwrap();
            }),
        ),
        (
            "douars a counter",
            Box::new(|am, _| {
                am.put(ROOT, "douars", ScalarValue::counter(1)).unwrap();
            }),
        ),
        (
            "douars with 10,000 keys",
            Box::new(|am, _| {
                let (_, d) = am.get(ROOT, "douars").unwrap().unwrap();
                for i in 0..10_000 {
                    am.put(&d, format!("d{i}"), true).unwrap();
                }
            }),
        ),
        (
            "a douar key of bytes",
            Box::new(|am, _| {
                let (_, d) = am.get(ROOT, "douars").unwrap().unwrap();
                am.put(&d, "idouz", vec![0u8, 1, 2]).unwrap();
            }),
        ),
        (
            "attendance women a text",
            Box::new(|am, _| {
                let (_, a) = am.get(ROOT, "attendance").unwrap().unwrap();
                am.put_object(&a, "women", ObjType::Text).unwrap();
            }),
        ),
        (
            "attendance a negative uint-like",
            Box::new(|am, _| {
                let (_, a) = am.get(ROOT, "attendance").unwrap().unwrap();
                am.put(&a, "men", ScalarValue::counter(i64::MIN)).unwrap();
            }),
        ),
        (
            "50,000 nested maps",
            Box::new(|am, _| {
                let mut obj = am.put_object(ROOT, "deep", ObjType::Map).unwrap();
                for _ in 0..50_000 {
                    obj = am.put_object(&obj, "d", ObjType::Map).unwrap();
                }
            }),
        ),
        (
            "an actor of 0 bytes",
            Box::new(|am, _| {
                am.set_actor(ActorId::from(Vec::<u8>::new()));
                am.put(ROOT, "x", 1).unwrap();
            }),
        ),
    ];
    let mut ids = Vec::new();
    for (what, edit) in &edits {
        let id = t.new_session();
        let p = t.add_proposal(id, "مشكل");
        let am = t.doc(id).automerge_mut();
        edit(am, p);
        am.commit();
        ids.push((*what, id));
    }
    let report = t
        .sync(&app, &token)
        .await
        .unwrap_or_else(|e| panic!("strange values: {e}"));
    let office = app.login("office").await;
    for (what, id) in &ids {
        let (status, body) = app.get_json(&format!("/api/sessions/{id}"), &token).await;
        assert!(status < 500, "{what}: the session answers {status}: {body}");
        assert!(
            status == 200 || report.quarantined.contains_key(id),
            "{what}: neither projected nor set aside ({status}: {body})"
        );
    }
    for path in [
        "/api/sessions",
        "/api/proposals",
        "/api/export/proposals?format=xlsx",
        "/api/export/proposals?format=csv",
    ] {
        let r = app
            .http
            .get(app.url(path))
            .bearer_auth(&office)
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
    }
    assert_still_serving(&app, &token).await;
}

// --- Floods -----------------------------------------------------------------------------------

#[tokio::test]
async fn one_message_replayed_two_hundred_times_stores_its_change_once() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut owner = Tablet::new("facilitator");
    let (id, heads) = owned_session(&app, &token, &mut owner).await;
    let op = next_op(&mut owner, id);
    let change = RawChange::new(&[0xb1; 16], 1, op, &heads)
        .with_columns(craft::one_put_columns("x", None))
        .chunk();
    let msg = craft::message(&heads, &[], &[], &[change], true);
    let (status, body) = post_doc(&app, &token, id, msg.clone()).await;
    assert_no_5xx("first", status, &body);
    let chunks = chunk_count(&app, id);
    for _ in 0..200 {
        let (status, body) = post_doc(&app, &token, id, msg.clone()).await;
        assert_no_5xx("replay", status, &body);
    }
    assert_eq!(
        chunk_count(&app, id),
        chunks,
        "a replayed change was stored again"
    );
    assert_owner_still_syncs(&app, &token, &mut owner, id).await;
}

#[tokio::test]
async fn a_batch_of_ten_thousand_new_ids_with_changes_is_refused_or_answered() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let docs_before = app.count("SELECT count(*) FROM documents");
    let change = RawChange::new(&[0xb2; 16], 1, 1, &[])
        .with_columns(craft::one_put_columns("x", None))
        .chunk();
    let msg = craft::message(&[], &[], &[], &[change], true);
    let docs = (0..10_000)
        .map(|_| entry(Uuid::new_v4(), msg.clone()))
        .collect();
    let (status, body) = post_batch(&app, &token, docs).await;
    assert_no_5xx("10,000 new ids", status, &body);
    if (400..500).contains(&status) {
        assert_eq!(app.count("SELECT count(*) FROM documents"), docs_before);
    } else {
        let r: BatchResponse = engine::decode(&body).unwrap();
        // Not sessions: each one is kept aside, none projected.
        assert!(
            r.docs
                .iter()
                .all(|d| matches!(d.status, DocStatus::Quarantined { .. }))
        );
    }
    assert_still_serving(&app, &token).await;
}
#[tokio::test]
async fn a_non_canonical_change_is_refused() {
    // The same ops as a tablet would write, one column spelled as a repeat run of one. Stored,
    // it makes the document unloadable once saved whole (or, stored as re-encoded, gives it a
    // head no tablet knows). Debug builds panic in Automerge's own cross-check: a 500.
    attack_stored_doc(
        "a run of one instead of a literal",
        |heads, op| {
            vec![
                RawChange::new(&[0xb6; 16], 1, op, heads)
                    .with_columns(craft::one_put_non_canonical("x"))
                    .chunk(),
            ]
        },
        false,
    )
    .await;
}

#[tokio::test]
async fn a_non_canonical_change_to_a_new_id_leaves_no_unloadable_document() {
    // A new document is stored whole (`save`): with a non-canonical change in it, that
    // snapshot does not load again ("mismatching heads"), so every later sync of the id fails.
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let id = Uuid::new_v4();
    let change = RawChange::new(&[0xb7; 16], 1, 1, &[])
        .with_columns(craft::put_str_columns("x", "y", false))
        .chunk();
    let msg = craft::message(&[], &[], &[], &[change], true);
    let (status, body) = post_doc(&app, &token, id, msg).await;
    assert_no_5xx("a non-canonical change to a new id", status, &body);
    // Whatever was answered, the id still syncs: a tablet asking about it gets no 5xx.
    let mut empty = AutoCommit::new();
    let hello = engine::generate(&mut empty, &mut engine::State::new()).unwrap();
    let (status, body) = post_doc(&app, &token, id, hello.clone()).await;
    assert_no_5xx("a tablet syncing that id afterwards", status, &body);
    let (status, body) = post_batch(&app, &token, vec![entry(id, hello)]).await;
    assert_no_5xx("a batch naming that id afterwards", status, &body);
    let (status, body) = app.get_json("/api/sessions/quarantine", &token).await;
    assert!(status < 500, "the quarantine list: {status} {body}");
    assert_still_serving(&app, &token).await;
    // `tachkhis rebuild-projections` loads every stored document: one unloadable document
    // must not stop it.
    let (db, _dir) = app.stop().await;
    let mut conn = rusqlite::Connection::open(db).unwrap();
    let tx = conn.transaction().unwrap();
    tachkhis_server::documents::store::rebuild_projections(&tx)
        .expect("rebuild-projections with that document stored");
}

//! Documents kept in memory between syncs (`documents::hot`): a document evicted mid-campaign
//! syncs right, a refused message leaves nothing of itself in memory, and what the server
//! answers from memory is what the database holds.

use tachkhis_shared::sync::{self as engine, v1::DocEntry};
use uuid::Uuid;

use crate::craft::{self, RawChange};
use crate::helpers::{Tablet, TestApp, spawn_app, spawn_app_with};

/// The projected rows a list or export reads, every column but the clocks, in a stable order.
fn projection_dump(app: &TestApp) -> Vec<String> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let mut out = Vec::new();
    for (table, order) in [
        ("sessions", "id"),
        ("session_douars", "session_id, douar_id"),
        ("attendance", "session_id, category"),
        ("proposals", "id"),
        ("session_associations", "session_id, association_id"),
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .unwrap();
        let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let rows = stmt
            .query_map([], |r| {
                let mut line = format!("{table}:");
                for (i, name) in names.iter().enumerate() {
                    if name == "updated_at" {
                        continue;
                    }
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!(" {name}={v:?}"));
                }
                Ok(line)
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        out.extend(rows);
    }
    out
}

fn stored_heads(app: &TestApp, id: Uuid) -> Vec<[u8; 32]> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let blob: Vec<u8> = conn
        .query_row(
            "SELECT heads FROM documents WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    engine::decode(&blob).unwrap()
}

fn heads_of(t: &mut Tablet, id: Uuid) -> Vec<[u8; 32]> {
    engine::sorted_heads(engine::heads_to_wire(&t.doc(id).heads()))
}

/// Two tablets, five sessions (two of them on both tablets), a memory budget of about two
/// documents: nearly every sync finds its document evicted, or loaded by the other tablet's
/// request. After each round the server holds exactly what the tablets hold, and at the end
/// the projection equals a rebuild from the stored documents. Run with no memory at all too.
async fn campaign_under_eviction(budget: usize) {
    let app = spawn_app_with(|c| c.hot_docs_bytes = budget).await;
    let token_a = app.login("facilitator").await;
    let token_b = app.login("facilitator").await;
    let mut a = Tablet::new("facilitator");
    let mut b = Tablet::new("facilitator");
    let ids: Vec<Uuid> = (0..5)
        .map(|i| {
            let id = a.new_session();
            a.add_proposal(id, &format!("المشكل الأول {i}"));
            id
        })
        .collect();
    a.sync(&app, &token_a).await.unwrap();
    for &id in &ids[..2] {
        b.receive_copy(&mut a, id);
    }
    for round in 0..6 {
        let mine = ids[round % ids.len()];
        a.add_proposal(mine, &format!("جولة {round} من الجهاز الأول"));
        let shared = ids[round % 2];
        let p = b.add_proposal(shared, &format!("round {round}, tablet B"));
        let ctx = b.ctx();
        b.doc(shared).add_votes(p, 1, &ctx).unwrap();
        let ra = a.sync(&app, &token_a).await.unwrap();
        let rb = b.sync(&app, &token_b).await.unwrap();
        assert!(ra.quarantined.is_empty() && rb.quarantined.is_empty());
        assert!(ra.refused.is_empty() && rb.refused.is_empty());
        // A picks up B's proposal; then every document is the same on both sides.
        a.sync(&app, &token_a).await.unwrap();
        for &id in &ids {
            assert_eq!(
                stored_heads(&app, id),
                heads_of(&mut a, id),
                "round {round}"
            );
        }
        for &id in &ids[..2] {
            assert_eq!(heads_of(&mut a, id), heads_of(&mut b, id), "round {round}");
        }
    }
    let stats = app.state.hot.stats();
    assert!(
        stats.bytes <= budget,
        "the documents kept ({} bytes) exceed the budget {budget}",
        stats.bytes
    );
    assert!(
        stats.documents < ids.len(),
        "not every document fits the budget: some were evicted"
    );
    let proposals = app.count("SELECT count(*) FROM proposals");
    assert_eq!(proposals, 5 + 6 + 6, "every proposal is listed");
    let before = projection_dump(&app);
    let db = tachkhis_server::Db::open(&app.db_path).unwrap();
    db.write_blocking(tachkhis_server::documents::store::rebuild_projections)
        .unwrap();
    assert_eq!(before, projection_dump(&app));
}

#[tokio::test]
async fn a_document_evicted_mid_campaign_syncs_right() {
    // These small sessions count for 16-24 KB each (`documents::hot`): two fit, not five.
    campaign_under_eviction(40 * 1024).await;
}

#[tokio::test]
async fn with_no_memory_for_documents_every_sync_loads_and_stays_right() {
    campaign_under_eviction(0).await;
}

/// A message whose first change is fine and whose second is refused: the first was applied to
/// the document in memory before the refusal. None of it may stay there: the owner's next sync
/// receives nothing from the server, and the stored document is unchanged.
#[tokio::test]
async fn a_refused_message_leaves_nothing_in_memory() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut owner = Tablet::new("facilitator");
    let id = owner.new_session();
    owner.add_proposal(id, "الماء");
    owner.sync(&app, &token).await.unwrap();
    // The document is now loaded in memory.
    assert!(app.state.hot.stats().documents >= 1);
    let before = stored_heads(&app, id);
    let heads: Vec<[u8; 32]> = owner.doc(id).heads().iter().map(|h| h.0).collect();
    let op = owner
        .doc(id)
        .automerge_mut()
        .get_changes(&[])
        .iter()
        .map(|c| c.max_op())
        .max()
        .unwrap()
        + 1;
    let good =
        RawChange::new(&[0xc1; 16], 1, op, &heads).with_columns(craft::one_put_columns("x", None));
    let bad = RawChange::new(&[0xc1; 16], 2, op + 1, &[good.hash()])
        .with_columns(craft::one_put_non_canonical("y"));
    let msg = craft::message(&heads, &[], &[], &[good.chunk(), bad.chunk()], true);
    let r = app
        .http
        .post(app.url(&format!("/api/docs/{id}/sync")))
        .bearer_auth(&token)
        .header("x-peer-id", "attacker")
        .body(msg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "{}", r.text().await.unwrap());
    // The same through the batch endpoint (v1 fails the request, nothing kept either).
    let body = engine::encode(&tachkhis_shared::sync::v1::BatchRequest {
        peer_id: Uuid::new_v4(),
        docs: vec![DocEntry {
            doc_id: id,
            heads: vec![],
            message: Some(msg),
        }],
    })
    .unwrap();
    assert_eq!(app.post_sync(&token, body).await.status(), 400);
    assert_eq!(stored_heads(&app, id), before);
    // The owner edits and syncs: it gets nothing of the refused changes back.
    owner.add_proposal(id, "الطريق");
    let report = owner.sync(&app, &token).await.unwrap();
    assert!(report.changed.is_empty(), "{report:?}");
    assert_eq!(stored_heads(&app, id), heads_of(&mut owner, id));
}

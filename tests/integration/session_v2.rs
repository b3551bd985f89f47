//! Session schema v2 on the server: documents of both versions are projected, new fields
//! included; a rebuild gives the same; a document breaking a v2 rule is quarantined.

use tachkhis_shared::session::{ProposalInput, SessionDetails, SessionDoc};
use tachkhis_shared::sync::State;
use tachkhis_shared::{AttendanceCategory, Sector};
use uuid::Uuid;

use crate::helpers::{Tablet, spawn_app};

/// The real schema-v1 document frozen in `shared/tests/data` (made by the v1 code).
const V1: &[u8] = include_bytes!("../../shared/tests/data/session-v1.automerge");
const V1_ID: &str = "7b7a3f0e-3c1d-4e55-9a51-0d7f5a1e2c01";
const WATER: &str = "00000000-0000-4000-8000-000000000002";
const ROAD: &str = "00000000-0000-4000-8000-000000000001";

#[tokio::test]
async fn a_v1_document_is_projected_then_shows_v2_fields_after_a_v2_edit() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let office = app.login("office").await;
    let id = Uuid::parse_str(V1_ID).unwrap();
    let mut t = Tablet::new("facilitator");
    t.docs
        .insert(id, (SessionDoc::load(V1, None).unwrap(), State::new()));
    let report = t.sync(&app, &token).await.unwrap();
    assert!(report.quarantined.is_empty(), "{report:?}");

    let (status, d) = app.get_json(&format!("/api/sessions/{id}"), &office).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["schema_version"], 1);
    assert_eq!(d["present"], 29);
    assert_eq!(d["proposals"], 2);
    assert_eq!(d["facilitators"], "فاطمة الزهراء، Khadija");
    assert_eq!(d["closed_at"], 1_657_800_000_000i64 + 90 * 60_000);
    assert_eq!(d["start_time"], serde_json::Value::Null);
    assert_eq!(d["place"], "");
    assert_eq!(d["note_taker"], "");
    assert_eq!(d["edited_after_close"], 0);
    assert_eq!(d["associations"], serde_json::json!([]));
    let list = d["proposal_list"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["id"], ROAD, "highest rank first");
    assert!(list.iter().all(|p| p["edited_after_close"] == false));
    assert!(list.iter().all(|p| p["edited_at"].is_null()));

    // The tablet, now on v2 code, fills in the new fields and edits after closing.
    let ctx = t.ctx();
    let ctx = tachkhis_shared::session::EditCtx::new(ctx.author, 1_657_900_000_000);
    let doc = t.doc(id);
    let s = doc.read().unwrap();
    let details = SessionDetails {
        start_time: Some("09:30".into()),
        end_time: Some("12:05".into()),
        place: "مدرسة ادوز".into(),
        note_taker: "Aïcha ⴰⵢⵛⴰ".into(),
    };
    doc.update_meta(&s.meta.opening(&s.douar_ids), &details, &ctx)
        .unwrap();
    let coop = doc.add_association("تعاونية الأركان", 4, &ctx).unwrap();
    let gone = doc.add_association("Association Amal", 1, &ctx).unwrap();
    doc.set_association_deleted(gone, true, &ctx).unwrap();
    let water = Uuid::parse_str(WATER).unwrap();
    doc.update_proposal(
        water,
        &ProposalInput {
            problem: "Pas d'eau potable l'été".into(),
            solution: "Citerne communale".into(),
            sector: Some(Sector::DrinkingWater),
            douar_id: Some("el-jrif".into()),
            raised_by: "jeunes femmes".into(),
        },
        &ctx,
    )
    .unwrap();
    doc.add_attendance(AttendanceCategory::Men, 1, &ctx)
        .unwrap();
    t.sync(&app, &token).await.unwrap();

    let (_, d) = app.get_json(&format!("/api/sessions/{id}"), &office).await;
    assert_eq!(d["schema_version"], 1, "a v1 document stays v1");
    assert_eq!(d["start_time"], "09:30");
    assert_eq!(d["end_time"], "12:05");
    assert_eq!(d["place"], "مدرسة ادوز");
    assert_eq!(d["note_taker"], "Aïcha ⴰⵢⵛⴰ");
    assert_eq!(d["present"], 30);
    assert_eq!(d["edited_after_close"], 1);
    let assoc = d["associations"].as_array().unwrap();
    assert_eq!(assoc.len(), 2, "{assoc:?}");
    let find = |aid: Uuid| assoc.iter().find(|a| a["id"] == aid.to_string()).unwrap();
    assert_eq!(find(coop)["count"], 4);
    assert_eq!(find(coop)["deleted"], false);
    assert_eq!(find(gone)["deleted"], true);
    let list = d["proposal_list"].as_array().unwrap();
    let w = list.iter().find(|p| p["id"] == WATER).unwrap();
    assert_eq!(w["edited_after_close"], true);
    assert_eq!(w["edited_at"], 1_657_900_000_000i64);
    assert_eq!(w["solution"], "Citerne communale");
    let r = list.iter().find(|p| p["id"] == ROAD).unwrap();
    assert_eq!(r["edited_after_close"], false);

    // The list carries the new fields too.
    let (_, sessions) = app.get_json("/api/sessions", &token).await;
    assert_eq!(sessions[0]["place"], "مدرسة ادوز");

    // A rebuild from the documents gives the same rows.
    let db = tachkhis_server::Db::open(&app.db_path).unwrap();
    db.write_blocking(tachkhis_server::documents::store::rebuild_projections)
        .unwrap();
    let (_, again) = app.get_json(&format!("/api/sessions/{id}"), &office).await;
    let strip = |mut v: serde_json::Value| {
        v["updated_at"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip(again), strip(d));
    assert_eq!(
        app.count("SELECT count(*) FROM session_associations WHERE name_norm = 'تعاونيه الاركان'"),
        1
    );
}

#[tokio::test]
async fn a_new_session_is_v2_and_a_bad_time_is_quarantined() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut t = Tablet::new("facilitator");
    let good = t.new_session();
    let bad = t.new_session();
    {
        use automerge::{ReadDoc, transaction::Transactable};
        let am = t.doc(bad).automerge_mut();
        let (_, meta) = am.get(automerge::ROOT, "meta").unwrap().unwrap();
        am.put(&meta, "start_time", "25:99").unwrap();
        am.commit();
    }
    let report = t.sync(&app, &token).await.unwrap();
    assert!(report.quarantined.contains_key(&bad), "{report:?}");
    assert!(!report.quarantined.contains_key(&good), "{report:?}");
    let (status, d) = app.get_json(&format!("/api/sessions/{good}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(d["schema_version"], 2);
    assert_eq!(app.count("SELECT count(*) FROM documents"), 2, "both kept");
}

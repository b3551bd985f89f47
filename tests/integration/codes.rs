//! Codes written by a newer app (a sector, a group kind, an attendance category this build does
//! not know) are kept and shown as they are: never a quarantine, never a refusal.

use automerge::{ROOT, ReadDoc, ScalarValue, transaction::Transactable};

use crate::helpers::{Tablet, spawn_app};

#[tokio::test]
async fn a_newer_apps_codes_are_projected_as_they_came() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let id = tablet.new_session();
    let pid = tablet.add_proposal(id, "لا يوجد مسلك سياحي");
    {
        let am = tablet.doc(id).automerge_mut();
        let meta = am.get(&ROOT, "meta").unwrap().unwrap().1;
        am.put(&meta, "group_kind", "elders").unwrap();
        let att = am.get(&ROOT, "attendance").unwrap().unwrap().1;
        am.put(&att, "children", ScalarValue::counter(4)).unwrap();
        let props = am.get(&ROOT, "proposals").unwrap().unwrap().1;
        let p = am.get(&props, pid.to_string()).unwrap().unwrap().1;
        am.put(&p, "sector", "tourism").unwrap();
        am.commit();
    }
    let report = tablet.sync(&app, &token).await.expect("sync");
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);

    let office = app.login("office").await;
    let (status, page) = app.get_json("/api/proposals", &office).await;
    assert_eq!(status, 200);
    let row = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == pid.to_string())
        .expect("the proposal is listed");
    assert_eq!(row["sector"], "tourism");
    assert_eq!(row["group_kind"], "elders");
    let (status, detail) = app.get_json(&format!("/api/sessions/{id}"), &office).await;
    assert_eq!(status, 200, "{detail}");
    assert!(
        detail["attendance"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["category"] == "children" && a["count"] == 4),
        "{detail}"
    );
    // Filtering by the unknown code finds it; an office input with it is refused.
    let (_, filtered) = app.get_json("/api/proposals?sector=tourism", &office).await;
    assert_eq!(filtered["total"], 1);
    let r = app
        .http
        .post(app.url("/api/needs"))
        .bearer_auth(&office)
        .json(&serde_json::json!({"title": "t", "sector": "tourism", "proposal_ids": [pid]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["error"], "bad_sector");
}

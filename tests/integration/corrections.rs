//! A session's pole, douars and group corrected on the tablet after it was created: the office
//! sees the corrected session after the next sync, also after a rebuild of the projections.

use tachkhis_shared::GroupKind;
use tachkhis_shared::session::OpeningChoices;

use crate::helpers::{Tablet, spawn_app};

#[tokio::test]
async fn a_corrected_pole_douars_and_group_reach_the_office() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    t.sync(&app, &token).await.unwrap();
    let (_, d) = app.get_json(&format!("/api/sessions/{id}"), &office).await;
    assert_eq!(d["pole_id"], "pole-3");
    assert_eq!(d["group_kind"], "women");

    // Created in the wrong pole: the meeting was in El Boubira and Ait Ben Hammou (pole 5),
    // with the young people.
    let ctx = t.ctx();
    let to = OpeningChoices {
        pole_id: "pole-5".into(),
        douar_ids: vec!["el-boubira".into(), "ait-ben-hammou".into()],
        group_kind: GroupKind::Youth,
    };
    assert!(t.doc(id).correct_opening(&to, &ctx).unwrap());
    let report = t.sync(&app, &token).await.unwrap();
    assert!(report.quarantined.is_empty(), "{report:?}");

    let (status, d) = app.get_json(&format!("/api/sessions/{id}"), &office).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["pole_id"], "pole-5");
    assert_eq!(d["group_kind"], "youth");
    let mut douars: Vec<String> = serde_json::from_value(d["douar_ids"].clone()).unwrap();
    douars.sort();
    assert_eq!(douars, ["ait-ben-hammou", "el-boubira"]);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM session_douars WHERE session_id = '{id}' AND douar_id = 'idouz'"
        )),
        0,
        "the douar corrected away is gone from the projection"
    );

    let db = tachkhis_server::Db::open(&app.db_path).unwrap();
    db.write_blocking(tachkhis_server::documents::store::rebuild_projections)
        .unwrap();
    let (_, again) = app.get_json(&format!("/api/sessions/{id}"), &office).await;
    assert_eq!(again["pole_id"], "pole-5");
    assert_eq!(again["group_kind"], "youth");
}

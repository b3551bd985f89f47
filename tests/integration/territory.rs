//! The territory through the HTTP API: poles, douars and places created, renamed, moved,
//! ordered, merged and retired by the office, each write audited; sessions synced by a
//! tablet read under the douar theirs was merged into (rebuilds included); retired douars
//! are no longer offered yet still named; the territory file in and out (CSV and XLSX,
//! dry run, bad files refused whole with their lines).

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use reqwest::Method;
use serde_json::{Value, json};
use tachkhis_shared::{
    GroupKind,
    session::{NewSession, ProposalInput, SessionDoc},
    sync::State,
};
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app};

impl TestApp {
    async fn patch(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    /// The territory file sent to the import.
    async fn import(&self, token: &str, query: &str, body: Vec<u8>) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(&format!("/api/territory/import{query}")))
            .bearer_auth(token)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn download(&self, path: &str, token: &str) -> (u16, Vec<u8>) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    }

    /// Entries of a user's (the demo's own import, by no one, is not counted).
    fn audit_count(&self, action: &str) -> i64 {
        self.count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = '{action}' AND user_id IS NOT NULL"
        ))
    }
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

fn find<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {list}"))
}

#[tokio::test]
async fn poles_douars_and_places_are_kept_by_the_office_and_audited() {
    let app = spawn_app().await;
    let office = app.login("office").await;

    // A pole: the next number by default; a number or a name already in use is refused.
    let (st, pole) = app
        .post(
            "/api/territory/poles",
            &office,
            json!({"name_ar": "القطب الجديد", "name_fr": "Nouveau pôle"}),
        )
        .await;
    assert_eq!(st, 201, "{pole}");
    assert_eq!(pole["number"], 8);
    let pole_id = pole["id"].as_str().unwrap().to_string();
    assert_eq!(pole_id, "pole-8");
    let (st, e) = app
        .post(
            "/api/territory/poles",
            &office,
            json!({"number": 3, "name_ar": "قطب آخر"}),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("duplicate_name")),
        "{e}"
    );
    let (st, e) = app
        .post("/api/territory/poles", &office, json!({"name_ar": "  "}))
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("invalid_territory")),
        "{e}"
    );

    // A douar: its id from the Latin name; a name (or spelling) another douar has is refused.
    let (st, d) = app
        .post(
            "/api/territory/douars",
            &office,
            json!({"pole_id": pole_id, "name_ar": "تيزي نتاست", "name_fr": "Tizi n'Tast",
                   "aliases": ["تيزي", "تيزي نتاست"], "population": 420}),
        )
        .await;
    assert_eq!(st, 201, "{d}");
    assert_eq!(d["id"], "tizi-n-tast");
    assert_eq!(
        d["aliases"],
        json!(["تيزي"]),
        "an alias equal to the name is dropped"
    );
    assert_eq!(d["population"], 420);
    for (body, code) in [
        (
            json!({"pole_id": pole_id, "name_ar": "إدوز"}),
            "duplicate_name",
        ),
        (
            json!({"pole_id": pole_id, "name_ar": "دوار", "aliases": ["اولاد سكير"]}),
            "duplicate_name",
        ),
        (
            json!({"pole_id": "pole-99", "name_ar": "دوار جديد"}),
            "unknown_pole",
        ),
        (
            json!({"pole_id": pole_id, "name_ar": ""}),
            "invalid_territory",
        ),
    ] {
        let (st, e) = app
            .post("/api/territory/douars", &office, body.clone())
            .await;
        assert_eq!((st, e["error"].as_str()), (400, Some(code)), "{body} → {e}");
        assert!(e["message"].as_str().unwrap().len() > 10, "{e}");
    }
    // The same Latin name twice makes a second id, never the first one again.
    let (st, d2) = app
        .post(
            "/api/territory/douars",
            &office,
            json!({"pole_id": pole_id, "name_ar": "تيزي العليا", "name_fr": "Tizi n'Tast ⵜⵉⵣⵉ"}),
        )
        .await;
    assert_eq!(st, 201, "{d2}");
    assert_eq!(d2["id"], "tizi-n-tast-2");

    // Rename, aliases added and removed, population cleared, moved to another pole.
    let (st, d) = app
        .patch(
            "/api/territory/douars/tizi-n-tast",
            &office,
            json!({"name_fr": "Tizi N'Tast", "aliases": ["تيزي", "ثيزي"], "population": null, "centre": true}),
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["aliases"], json!(["تيزي", "ثيزي"]));
    assert_eq!(d["population"], Value::Null);
    assert_eq!(d["centre"], true);
    let (st, d) = app
        .patch(
            "/api/territory/douars/tizi-n-tast",
            &office,
            json!({"aliases": ["ثيزي"]}),
        )
        .await;
    assert_eq!((st, d["aliases"].clone()), (200, json!(["ثيزي"])));
    let (st, d) = app
        .patch(
            "/api/territory/douars/tizi-n-tast",
            &office,
            json!({"pole_id": "pole-1"}),
        )
        .await;
    assert_eq!((st, d["pole_id"].as_str()), (200, Some("pole-1")), "{d}");
    let (st, e) = app
        .patch(
            "/api/territory/douars/tizi-n-tast",
            &office,
            json!({"pole_id": "nowhere"}),
        )
        .await;
    assert_eq!((st, e["error"].as_str()), (400, Some("unknown_pole")));
    let (st, e) = app
        .patch(
            "/api/territory/douars/tizi-n-tast",
            &office,
            json!({"name_ar": "الاثنين"}),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("duplicate_name")),
        "{e}"
    );
    let (st, _) = app
        .patch(
            "/api/territory/douars/nowhere",
            &office,
            json!({"centre": true}),
        )
        .await;
    assert_eq!(st, 404);

    // Order: the poles reversed, the douars of pole 1 reversed.
    let (_, t) = app.get_json("/api/territory", &office).await;
    let mut poles = ids(&t["poles"]);
    poles.reverse();
    let (st, t2) = app
        .post("/api/territory/poles/order", &office, json!({"ids": poles}))
        .await;
    assert_eq!(st, 200, "{t2}");
    assert_eq!(ids(&t2["poles"]), poles);
    let (st, e) = app
        .post(
            "/api/territory/poles/order",
            &office,
            json!({"ids": ["pole-1"]}),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("invalid_territory")),
        "{e}"
    );
    let of_pole_1: Vec<String> = t2["douars"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["pole_id"] == "pole-1")
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        of_pole_1.last().map(String::as_str),
        Some("tizi-n-tast"),
        "a moved douar goes last"
    );
    let reversed: Vec<String> = of_pole_1.iter().rev().cloned().collect();
    let (st, t3) = app
        .post(
            "/api/territory/poles/pole-1/order",
            &office,
            json!({"ids": reversed}),
        )
        .await;
    assert_eq!(st, 200, "{t3}");
    let now: Vec<String> = t3["douars"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["pole_id"] == "pole-1")
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(now, reversed);
    // The tablets' list follows the order.
    let (_, r) = app.get_json("/api/reference", &office).await;
    assert_eq!(ids(&r["poles"]), poles);

    // A pole with douars in use cannot be retired; once they are moved it can, and comes back.
    let (st, e) = app
        .patch(
            &format!("/api/territory/poles/{pole_id}"),
            &office,
            json!({"retired": true}),
        )
        .await;
    assert_eq!((st, e["error"].as_str()), (409, Some("conflict")), "{e}");
    let (st, _) = app
        .patch(
            "/api/territory/douars/tizi-n-tast-2",
            &office,
            json!({"pole_id": "pole-2"}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, p) = app
        .patch(
            &format!("/api/territory/poles/{pole_id}"),
            &office,
            json!({"retired": true, "name_fr": "Ancien pôle"}),
        )
        .await;
    assert_eq!((st, p["retired"].as_bool()), (200, Some(true)), "{p}");
    let (_, r) = app.get_json("/api/reference", &office).await;
    assert!(!ids(&r["poles"]).contains(&pole_id));
    assert_eq!(find(&r["former_poles"], &pole_id)["name_fr"], "Ancien pôle");
    let (st, e) = app
        .post(
            "/api/territory/douars",
            &office,
            json!({"pole_id": pole_id, "name_ar": "دوار جديد"}),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("invalid_territory")),
        "{e}"
    );

    // Places: created with their douars, replaced, a wrong kind or douar refused, deleted.
    let (st, place) = app
        .post(
            "/api/territory/places",
            &office,
            json!({"kind": "river", "name_ar": "واد ادوز", "name_fr": "Oued Idouz",
                   "aliases": ["الواد"], "douar_ids": ["idouz", "ait-abbou"]}),
        )
        .await;
    assert_eq!(st, 201, "{place}");
    let place_id = place["id"].as_i64().unwrap();
    let (st, e) = app
        .post(
            "/api/territory/places",
            &office,
            json!({"kind": "volcano", "name_ar": "بركان"}),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("invalid_territory")),
        "{e}"
    );
    let (st, e) = app
        .post(
            "/api/territory/places",
            &office,
            json!({"kind": "market", "name_ar": "السوق", "douar_ids": ["nowhere"]}),
        )
        .await;
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("unknown_douar")),
        "{e}"
    );
    let (st, p) = app
        .send(
            Method::PUT,
            &format!("/api/territory/places/{place_id}"),
            &office,
            Some(json!({"kind": "river", "name_ar": "واد ادوز", "douar_ids": ["idouz"]})),
        )
        .await;
    assert_eq!((st, p["douar_ids"].clone()), (200, json!(["idouz"])), "{p}");
    let (_, r) = app.get_json("/api/reference", &office).await;
    assert_eq!(r["places"][0]["name_ar"], "واد ادوز");
    let (st, market) = app
        .post(
            "/api/territory/places",
            &office,
            json!({"kind": "market", "name_ar": "سوق الاثنين", "douar_ids": ["letnine"]}),
        )
        .await;
    assert_eq!(st, 201);
    let (st, _) = app
        .send(
            Method::DELETE,
            &format!("/api/territory/places/{}", market["id"]),
            &office,
            None,
        )
        .await;
    assert_eq!(st, 204);
    let (_, t) = app.get_json("/api/territory", &office).await;
    assert_eq!(t["places"].as_array().unwrap().len(), 1);

    // Every write that passed has its audit entry; the refused ones none.
    assert_eq!(app.audit_count("territory.pole.create"), 1);
    assert_eq!(app.audit_count("territory.douar.create"), 2);
    assert_eq!(app.audit_count("territory.douar.update"), 4);
    assert_eq!(app.audit_count("territory.pole.order"), 1);
    assert_eq!(app.audit_count("territory.douar.order"), 1);
    assert_eq!(app.audit_count("territory.pole.update"), 1);
    assert_eq!(app.audit_count("territory.place.create"), 2);
    assert_eq!(app.audit_count("territory.place.update"), 1);
    assert_eq!(app.audit_count("territory.place.delete"), 1);
    let (_, audit) = app.get_json("/api/audit?limit=100", &office).await;
    assert!(
        audit.to_string().contains("territory.douar.create"),
        "{audit}"
    );

    // Facilitators and committees may not touch it.
    for user in ["facilitator", "committee"] {
        let token = app.login(user).await;
        let (st, e) = app
            .post(
                "/api/territory/douars",
                &token,
                json!({"pole_id": "pole-1", "name_ar": "دوار"}),
            )
            .await;
        assert_eq!(
            (st, e["error"].as_str()),
            (403, Some("forbidden")),
            "{user}"
        );
        let (st, _) = app.get_json("/api/territory", &token).await;
        assert_eq!(st, 403);
    }
    app.stop().await;
}

fn session_in(tablet: &mut Tablet, pole: &str, douar: &str) -> Uuid {
    let id = Uuid::new_v4();
    let init = NewSession {
        pole_id: pole.into(),
        douar_ids: vec![douar.into()],
        group_kind: GroupKind::Men,
        date: "2024-03-02".into(),
        facilitators: "سعيد".into(),
    };
    let ctx = tablet.ctx();
    let doc = SessionDoc::create(id, &init, &ctx, None).unwrap();
    tablet.docs.insert(id, (doc, State::new()));
    id
}

fn proposal_in(tablet: &mut Tablet, session: Uuid, douar: &str) -> Uuid {
    let ctx = tablet.ctx();
    let input = ProposalInput {
        problem: "انقطاع الماء".into(),
        solution: "ربط الدوار بالشبكة".into(),
        sector: None,
        douar_id: Some(douar.into()),
        raised_by: String::new(),
    };
    tablet.doc(session).add_proposal(&input, &ctx).unwrap()
}

#[tokio::test]
async fn a_merged_douar_reads_as_its_target_and_a_retired_one_keeps_its_name() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    let merged_session = tablet.new_session(); // pole-3, idouz
    tablet.add_proposal(merged_session, "لا يوجد مستوصف");
    let retired_session = session_in(&mut tablet, "pole-7", "el-kenna");
    proposal_in(&mut tablet, retired_session, "el-kenna");
    tablet.sync(&app, &fac).await.unwrap();
    let project = app.count("SELECT min(id) FROM projects");
    rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .execute(
            "INSERT INTO project_douars (project_id, douar_id) VALUES (?1, 'idouz')",
            [project],
        )
        .unwrap();

    // Refused merges change nothing.
    for (from, into, code) in [
        ("idouz", "idouz", "bad_merge"),
        ("idouz", "nowhere", "unknown_douar"),
    ] {
        let (st, e) = app
            .post(
                &format!("/api/territory/douars/{from}/merge"),
                &office,
                json!({"into": into}),
            )
            .await;
        assert_eq!(
            (st, e["error"].as_str()),
            (400, Some(code)),
            "{from} → {into}: {e}"
        );
    }

    let (st, target) = app
        .post(
            "/api/territory/douars/idouz/merge",
            &office,
            json!({"into": "ait-abbou"}),
        )
        .await;
    assert_eq!(st, 200, "{target}");
    let aliases: Vec<&str> = target["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for name in ["ادوز", "Idouz", "إدوز"] {
        assert!(aliases.contains(&name), "{name} in {aliases:?}");
    }
    // Back into the merged one is a cycle; into a merged or retired douar, or a second time,
    // is refused.
    let (st, e) = app
        .post(
            "/api/territory/douars/ait-abbou/merge",
            &office,
            json!({"into": "idouz"}),
        )
        .await;
    assert_eq!((st, e["error"].as_str()), (400, Some("merge_cycle")), "{e}");
    let (st, e) = app
        .post(
            "/api/territory/douars/el-jrif/merge",
            &office,
            json!({"into": "idouz"}),
        )
        .await;
    assert_eq!((st, e["error"].as_str()), (400, Some("bad_merge")), "{e}");
    let (st, e) = app
        .post(
            "/api/territory/douars/idouz/merge",
            &office,
            json!({"into": "el-jrif"}),
        )
        .await;
    assert_eq!((st, e["error"].as_str()), (400, Some("bad_merge")), "{e}");
    let (st, e) = app
        .patch(
            "/api/territory/douars/idouz",
            &office,
            json!({"name_ar": "ادوز الجديد"}),
        )
        .await;
    assert_eq!(st, 409, "{e}");
    assert_eq!(app.audit_count("territory.douar.merge"), 1);
    let detail: String = rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'territory.douar.merge'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["moved"]["sessions"], 1, "{detail}");
    assert_eq!(detail["moved"]["proposals"], 1, "{detail}");

    // The session, its proposal and the project link read as ait-abbou.
    let check = |when: &'static str| {
        let app = &app;
        let office = office.clone();
        async move {
            let (st, s) = app
                .get_json(&format!("/api/sessions/{merged_session}"), &office)
                .await;
            assert_eq!(st, 200);
            assert_eq!(s["douar_ids"], json!(["ait-abbou"]), "{when}: {s}");
            for p in s["proposal_list"].as_array().unwrap() {
                assert_eq!(p["douar_id"], "ait-abbou", "{when}: {p}");
            }
            assert_eq!(
                app.count("SELECT count(*) FROM session_douars WHERE douar_id = 'idouz'"),
                0,
                "{when}"
            );
            assert_eq!(
                app.count("SELECT count(*) FROM session_douars WHERE unknown = 1"),
                0,
                "{when}"
            );
            assert_eq!(
                app.count("SELECT count(*) FROM proposals WHERE douar_id = 'idouz'"),
                0,
                "{when}"
            );
        }
    };
    check("after the merge").await;
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM project_douars WHERE project_id = {project} AND douar_id = 'ait-abbou'")),
        1
    );
    // The tablet, which still has the old reference, adds a proposal in idouz and syncs.
    let later = tablet.add_proposal(merged_session, "الطريق مقطوعة");
    tablet.sync(&app, &fac).await.unwrap();
    check("after a new sync").await;
    let (_, s) = app
        .get_json(&format!("/api/sessions/{merged_session}"), &office)
        .await;
    assert!(s.to_string().contains(&later.to_string()));
    // A rebuild of the projections from the documents reads the same.
    tachkhis_server::Db::open(&app.db_path)
        .unwrap()
        .write_blocking(tachkhis_server::documents::store::rebuild_projections)
        .unwrap();
    check("after a rebuild").await;

    // Retired: no longer offered to tablets, still named, its sessions unchanged.
    let (st, d) = app
        .patch(
            "/api/territory/douars/el-kenna",
            &office,
            json!({"retired": true}),
        )
        .await;
    assert_eq!((st, d["retired"].as_bool()), (200, Some(true)));
    let (_, r) = app.get_json("/api/reference", &fac).await;
    let offered = ids(&r["douars"]);
    assert!(!offered.contains(&"el-kenna".to_string()));
    assert!(!offered.contains(&"idouz".to_string()));
    assert!(offered.contains(&"ait-abbou".to_string()));
    assert_eq!(find(&r["former_douars"], "el-kenna")["name_ar"], "الكنة");
    assert_eq!(
        find(&r["former_douars"], "idouz")["merged_into"],
        "ait-abbou"
    );
    assert_eq!(find(&r["former_douars"], "idouz")["name_ar"], "ادوز");
    let (_, s) = app
        .get_json(&format!("/api/sessions/{retired_session}"), &office)
        .await;
    assert_eq!(s["douar_ids"], json!(["el-kenna"]));
    // A tablet that had it offered still syncs a session in it: projected, not unknown.
    let late = session_in(&mut tablet, "pole-7", "el-kenna");
    proposal_in(&mut tablet, late, "el-kenna");
    tablet.sync(&app, &fac).await.unwrap();
    assert_eq!(
        app.count(
            "SELECT count(*) FROM session_douars WHERE douar_id = 'el-kenna' AND unknown = 0"
        ),
        2
    );
    // Merging into a retired douar is refused; bringing it back offers it again.
    let (st, e) = app
        .post(
            "/api/territory/douars/el-fayda/merge",
            &office,
            json!({"into": "el-kenna"}),
        )
        .await;
    assert_eq!((st, e["error"].as_str()), (400, Some("bad_merge")), "{e}");
    app.patch(
        "/api/territory/douars/el-kenna",
        &office,
        json!({"retired": false}),
    )
    .await;
    let (_, r) = app.get_json("/api/reference", &fac).await;
    assert!(ids(&r["douars"]).contains(&"el-kenna".to_string()));

    // The programme's lookups find the merged douar's name as its target.
    let (_, t) = app.get_json("/api/territory", &office).await;
    assert_eq!(find(&t["douars"], "idouz")["merged_into"], "ait-abbou");
    app.stop().await;
}

/// An XLSX workbook with the given sheets (name, rows; the first row is the header).
fn xlsx(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if v.is_empty() {
                    continue;
                }
                sheet.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_territory_file_imports_all_or_nothing_with_a_dry_run() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let douars_before = app.count("SELECT count(*) FROM douars");

    // French headers, Arabic-Indic digits, an extra column, blank rows, `;` between fields.
    let csv = "N° du pôle;Pôle (arabe);Douar (arabe);Douar (latin);Autres graphies;Population;Remarques\n\
               ٨;القطب الثامن;تامسولت;Tamsoult;تمسولت | تامصولت;١٢٠٠;à vérifier\n\
               ;;;;;;\n\
               8;;ايت وادريم;Ait Ouadrim;;350;\n\
               9;القطب التاسع;تيفرت;Tifert;;;\n";
    let (st, dry) = app
        .import(&office, "?dry_run=1", csv.as_bytes().to_vec())
        .await;
    assert_eq!(st, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(
        dry["poles_created"],
        json!(["القطب الثامن", "القطب التاسع"])
    );
    assert_eq!(
        dry["douars_created"],
        json!(["تامسولت", "ايت وادريم", "تيفرت"])
    );
    assert_eq!(dry["ignored_columns"], json!(["douars: Remarques"]));
    assert_eq!(
        app.count("SELECT count(*) FROM douars"),
        douars_before,
        "a dry run writes nothing"
    );
    assert_eq!(app.audit_count("territory.import"), 0);
    let (st, done) = app.import(&office, "", csv.as_bytes().to_vec()).await;
    assert_eq!(st, 200, "{done}");
    assert_eq!(done["douars_created"], dry["douars_created"]);
    assert_eq!(app.count("SELECT count(*) FROM douars"), douars_before + 3);
    assert_eq!(app.audit_count("territory.import"), 1);
    let (_, t) = app.get_json("/api/territory", &office).await;
    let tamsoult = find(&t["douars"], "tamsoult");
    assert_eq!(tamsoult["population"], 1200);
    assert_eq!(tamsoult["aliases"], json!(["تمسولت", "تامصولت"]));
    assert_eq!(find(&t["poles"], "pole-8")["number"], 8);

    // The same douars again under a spelling of theirs: updated, never added twice.
    let again = "رقم القطب,الدوار,عدد السكان\n8,تمسولت,1300\n";
    let (st, r) = app.import(&office, "", again.as_bytes().to_vec()).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["douars_created"], json!([]));
    assert_eq!(r["douars_updated"], json!(["تمسولت"]));
    let (_, t) = app.get_json("/api/territory", &office).await;
    let tamsoult = find(&t["douars"], "tamsoult");
    assert_eq!(tamsoult["name_ar"], "تمسولت");
    assert_eq!(tamsoult["population"], 1300);
    assert!(
        tamsoult["aliases"].to_string().contains("تامسولت"),
        "the old name stays a spelling: {tamsoult}"
    );
    assert_eq!(app.count("SELECT count(*) FROM douars"), douars_before + 3);

    // XLSX: two sheets, the template's bilingual headers, places with their douars.
    let book = xlsx(&[
        (
            "Douars",
            &[
                &[
                    "رقم القطب / N° du pôle",
                    "القطب بالعربية / Pôle (arabe)",
                    "الدوار بالعربية / Douar (arabe)",
                    "Douar (latin)",
                    "مركز الجماعة / Centre de la commune",
                ],
                &["10", "القطب العاشر", "اغبالو", "Ighbalou", "نعم"],
                &["", "", "", "", ""],
                &["10", "", "تزارت", "Tizart", "0"],
            ],
        ),
        (
            "Lieux",
            &[
                &["Type", "Nom (arabe)", "Nom (français)", "Douars"],
                &["واد", "واد اغبالو", "Oued Ighbalou", "اغبالو | Tizart"],
                &["school", "مدرسة تزارت", "", "tizart"],
            ],
        ),
    ]);
    let (st, r) = app.import(&office, "", book).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["places_created"], json!(["واد اغبالو", "مدرسة تزارت"]));
    let (_, t) = app.get_json("/api/territory", &office).await;
    assert_eq!(find(&t["douars"], "ighbalou")["centre"], true);
    let river = t["places"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name_ar"] == "واد اغبالو")
        .unwrap();
    assert_eq!(river["kind"], "river");
    assert_eq!(river["douar_ids"], json!(["ighbalou", "tizart"]));

    // The export imports back as it is: nothing changes.
    for format in ["xlsx", "csv"] {
        let (st, file) = app
            .download(&format!("/api/territory/export?format={format}"), &office)
            .await;
        assert_eq!(st, 200);
        let (st, r) = app.import(&office, "?dry_run=1", file).await;
        assert_eq!(st, 200, "{format}: {r}");
        assert_eq!(r["changes"], json!([]), "{format}: {r}");
        assert_eq!(r["douars_created"], json!([]), "{format}");
        assert!(r["unchanged"].as_u64().unwrap() >= 23, "{format}: {r}");
    }
    let (_, places_csv) = app
        .download("/api/territory/export?format=csv&part=places", &office)
        .await;
    let text = String::from_utf8(places_csv.clone()).unwrap();
    assert!(text.contains("واد اغبالو"), "{text}");
    let (st, r) = app.import(&office, "?dry_run=1", places_csv).await;
    assert_eq!((st, r["changes"].clone()), (200, json!([])), "{r}");

    // The template: headers in Arabic and French, no rows, both sheets.
    let (st, template) = app.download("/api/territory/template", &office).await;
    assert_eq!(st, 200);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(template.clone())).unwrap();
    assert_eq!(book.sheet_names().len(), 2);
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 1);
    let headers: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(headers[0], "رقم القطب / N° du pôle");
    assert!(
        headers
            .iter()
            .any(|h| h.contains("الدوار بالعربية") && h.contains("Douar (arabe)"))
    );
    let (_, csv_template) = app
        .download("/api/territory/template?format=csv&part=places", &office)
        .await;
    assert!(
        String::from_utf8(csv_template)
            .unwrap()
            .starts_with("النوع / Type,")
    );
    // An empty template imports as "the file has nothing to change", not as an error.
    let (st, r) = app.import(&office, "?dry_run=1", template).await;
    assert_eq!(st, 200, "{r}");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_territory_file_is_refused_whole_with_its_lines() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let before = (
        app.count("SELECT count(*) FROM douars"),
        app.count("SELECT count(*) FROM poles"),
        app.count("SELECT count(*) FROM douar_aliases"),
    );
    let cases: &[(&str, &str, &[u64])] = &[
        // Unknown pole: a number with no pole and no name to make it.
        (
            "pole_number,douar_ar\n1,دوار جديد\n42,دوار آخر\n",
            "unknown pole 42",
            &[3],
        ),
        // The same douar twice in the file (once by a spelling of its own).
        (
            "pole_number,douar_ar,aliases\n1,تامسولت,تمسولت\n1,تمسولت,\n",
            "duplicate douar",
            &[3],
        ),
        // A row whose name is another douar's alias, and one that matches two douars.
        (
            "pole_number,douar_ar,douar_fr\n1,اولاد سكير,Centre de la commune\n",
            "several douars",
            &[2],
        ),
        // Digits that are not digits.
        (
            "pole_number,douar_ar,population\n1,دوار,12O0\nx,دوار 2,\n",
            "not a whole number",
            &[2, 3],
        ),
        // A required column missing.
        ("pole_number,douar_fr\n1,Douar\n", "required column", &[1]),
        // A pole named two ways.
        (
            "pole_number,pole_ar,douar_ar\n1,الأول,دوار أ\n1,الثاني,دوار ب\n",
            "one name per pole",
            &[3],
        ),
        // A new douar whose name is an existing douar's under another pole's row order.
        (
            "pole_number,douar_ar,aliases\n2,دوار جديد,الاثنين | ادوز\n",
            "several douars",
            &[2],
        ),
    ];
    for (file, words, lines) in cases {
        let (st, e) = app.import(&office, "", file.as_bytes().to_vec()).await;
        assert_eq!(
            (st, e["error"].as_str()),
            (400, Some("bad_import")),
            "{file}: {e}"
        );
        assert!(
            e.to_string().contains(words),
            "{file}: expected '{words}' in {e}"
        );
        let mut got: Vec<u64> = e["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["line"].as_u64().unwrap())
            .collect();
        got.dedup();
        assert_eq!(got, *lines, "{file}: {e}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("line(s) {}", lines[0])),
            "{message}"
        );
    }
    // A name already another douar's, from the whole-territory check, on its own line.
    let (st, e) = app
        .import(
            &office,
            "",
            "id,pole_number,douar_ar\nidouz,3,ايت عبو\n"
                .as_bytes()
                .to_vec(),
        )
        .await;
    assert_eq!(st, 400, "{e}");
    assert!(e.to_string().contains("duplicate douar name"), "{e}");
    assert_eq!(e["errors"][0]["line"], 2, "{e}");
    // Places: an unknown kind and an unknown douar, on distinct lines.
    let book = xlsx(&[(
        "Places",
        &[
            &["kind", "place_ar", "douars"],
            &["volcan", "بركان", ""],
            &["river", "واد", "نهاية العالم"],
        ],
    )]);
    let (st, e) = app.import(&office, "", book).await;
    assert_eq!(st, 400, "{e}");
    let lines: Vec<(String, u64)> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["sheet"].as_str().unwrap().to_string(),
                x["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![("places".into(), 2), ("places".into(), 3)],
        "{e}"
    );
    // Not a spreadsheet at all, and an empty body.
    let (st, e) = app
        .import(&office, "?format=xlsx", b"not a zip".to_vec())
        .await;
    assert_eq!((st, e["error"].as_str()), (400, Some("bad_import")));
    let (st, _) = app.import(&office, "", Vec::new()).await;
    assert_eq!(st, 400);
    assert_eq!(
        before,
        (
            app.count("SELECT count(*) FROM douars"),
            app.count("SELECT count(*) FROM poles"),
            app.count("SELECT count(*) FROM douar_aliases"),
        ),
        "nothing written"
    );
    assert_eq!(app.audit_count("territory.import"), 0);
    // Roles: the committee may not import, nor download the territory.
    let committee = app.login("committee").await;
    let (st, _) = app
        .import(&committee, "?dry_run=1", b"pole_number,douar_ar\n".to_vec())
        .await;
    assert_eq!(st, 403);
    let (st, _) = app.download("/api/territory/export", &committee).await;
    assert_eq!(st, 403);
    app.stop().await;
}

/// A tablet names a douar the server's territory does not have yet (its list was ahead): the
/// session and its proposal are listed as in an unknown douar. Once the office adds that douar,
/// they read as known at once, without another sync, and a rebuild agrees.
#[tokio::test]
async fn a_douar_named_before_the_office_adds_it_becomes_known() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let fac = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let session = session_in(&mut tablet, "pole-7", "tamazirt-jdida");
    proposal_in(&mut tablet, session, "tamazirt-jdida");
    tablet.sync(&app, &fac).await.unwrap();
    let unknown = |app: &TestApp| {
        (
            app.count("SELECT count(*) FROM session_douars WHERE douar_id = 'tamazirt-jdida' AND unknown = 1"),
            app.count("SELECT count(*) FROM proposals WHERE douar_id = 'tamazirt-jdida' AND douar_unknown = 1"),
        )
    };
    assert_eq!(unknown(&app), (1, 1));
    let (st, d) = app
        .post(
            "/api/territory/douars",
            &office,
            json!({"pole_id": "pole-7", "name_ar": "تمازيرت الجديدة", "name_fr": "Tamazirt Jdida"}),
        )
        .await;
    assert_eq!((st, d["id"].as_str()), (201, Some("tamazirt-jdida")), "{d}");
    assert_eq!(unknown(&app), (0, 0));
    tachkhis_server::Db::open(&app.db_path)
        .unwrap()
        .write_blocking(tachkhis_server::documents::store::rebuild_projections)
        .unwrap();
    assert_eq!(unknown(&app), (0, 0));
}

//! The design office's consolidation through the HTTP API, with sessions that arrived by sync:
//! merge, move, split and undo keep every proposal in exactly one place and the log complete;
//! tablets edit during consolidation; suggestions on a labelled set, with precision and recall.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};
use tachkhis_shared::{
    GroupKind, Sector,
    session::{NewSession, ProposalInput, SessionDoc},
    sync::State,
};
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app};

impl TestApp {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, token, Some(body))
            .await
    }
}

/// A session on `tablet` with the given place and group; returns its id.
fn session(tablet: &mut Tablet, pole: &str, douar: &str, group: GroupKind) -> Uuid {
    let id = Uuid::new_v4();
    let init = NewSession {
        pole_id: pole.into(),
        douar_ids: vec![douar.into()],
        group_kind: group,
        date: "2022-08-02".into(),
        facilitators: "سعاد، محمد".into(),
    };
    let ctx = tablet.ctx();
    let doc = SessionDoc::create(id, &init, &ctx, None).unwrap();
    tablet.docs.insert(id, (doc, State::new()));
    id
}

fn proposal(
    tablet: &mut Tablet,
    session: Uuid,
    problem: &str,
    solution: &str,
    sector: Option<Sector>,
    douar: &str,
) -> Uuid {
    let ctx = tablet.ctx();
    let input = ProposalInput {
        problem: problem.into(),
        solution: solution.into(),
        sector,
        douar_id: Some(douar.into()),
        raised_by: String::new(),
    };
    tablet.doc(session).add_proposal(&input, &ctx).unwrap()
}

/// Every proposal is in at most one need, the API agrees with the tables, and each action
/// has its audit entry.
async fn assert_consistent(app: &TestApp, token: &str, proposals: &[Uuid]) {
    let (status, page) = app.get_json("/api/proposals?limit=5000", token).await;
    assert_eq!(status, 200, "{page}");
    let rows = page["rows"].as_array().unwrap();
    for p in proposals {
        let found: Vec<&Value> = rows
            .iter()
            .filter(|r| r["id"] == json!(p.to_string()))
            .collect();
        assert_eq!(found.len(), 1, "proposal {p} listed once");
    }
    let (_, needs) = app.get_json("/api/needs", token).await;
    let mut seen: BTreeMap<String, i64> = BTreeMap::new();
    for n in needs.as_array().unwrap() {
        let (_, detail) = app
            .get_json(&format!("/api/needs/{}", n["id"]), token)
            .await;
        for p in detail["proposal_list"].as_array().unwrap() {
            let id = p["id"].as_str().unwrap().to_string();
            assert!(
                seen.insert(id.clone(), n["id"].as_i64().unwrap()).is_none(),
                "proposal {id} in two needs"
            );
        }
    }
    for r in rows {
        let id = r["id"].as_str().unwrap();
        assert_eq!(
            r["need_id"].as_i64(),
            seen.get(id).copied(),
            "the table and the needs agree on {id}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) FROM consolidation_actions"),
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'needs.%'"),
        "every action is in the audit log"
    );
}

#[tokio::test]
async fn merge_move_split_and_undo_keep_every_proposal_in_one_place() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    let s1 = session(&mut tablet, "pole-3", "idouz", GroupKind::Women);
    let s2 = session(&mut tablet, "pole-3", "idouz", GroupKind::Men);
    let water = Some(Sector::DrinkingWater);
    let p: Vec<Uuid> = vec![
        proposal(
            &mut tablet,
            s1,
            "انعدام الماء الشروب",
            "ربط",
            water.clone(),
            "idouz",
        ),
        proposal(&mut tablet, s2, "مشكل الماء", "بئر", water.clone(), "idouz"),
        proposal(&mut tablet, s2, "الماء لا يصل", "خزان", water, "idouz"),
        proposal(
            &mut tablet,
            s1,
            "طريق",
            "تعبيد",
            Some(Sector::Roads),
            "idouz",
        ),
        proposal(&mut tablet, s1, "مدرسة", "ترميم", None, "idouz"),
    ];
    tablet.sync(&app, &fac).await.unwrap();
    assert_consistent(&app, &office, &p).await;

    // A: new need with p0, p1; B: new need with p2.
    let (st, a) = app
        .post(
            "/api/needs",
            &office,
            json!({"title": "الماء الصالح للشرب بادوز", "sector": "drinking_water", "proposal_ids": [p[0], p[1]]}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let need_a = a["need_id"].as_i64().unwrap();
    let (st, b) = app
        .post(
            "/api/needs",
            &office,
            json!({"title": "خزان ماء", "proposal_ids": [p[2]]}),
        )
        .await;
    assert_eq!(st, 201);
    let need_b = b["need_id"].as_i64().unwrap();
    assert_consistent(&app, &office, &p).await;

    // Merge B into A, with p3 too: B closes, A holds p0..p3.
    let (st, merge) = app
        .post(
            &format!("/api/needs/{need_a}/merge"),
            &office,
            json!({"proposal_ids": [p[3]], "need_ids": [need_b]}),
        )
        .await;
    assert_eq!(st, 200, "{merge}");
    let (_, detail) = app.get_json(&format!("/api/needs/{need_a}"), &office).await;
    assert_eq!(detail["proposals"], 4);
    assert_eq!(detail["sessions"], 2);
    let (_, needs) = app.get_json("/api/needs", &office).await;
    assert_eq!(needs.as_array().unwrap().len(), 1, "B is closed");
    assert_consistent(&app, &office, &p).await;

    // Split p3 (the road) out of A into C; move p4 into C.
    let (st, split) = app
        .post(
            &format!("/api/needs/{need_a}/split"),
            &office,
            json!({"title": "تعبيد الطريق", "sector": "roads", "proposal_ids": [p[3]]}),
        )
        .await;
    assert_eq!(st, 200, "{split}");
    let need_c = split["need_id"].as_i64().unwrap();
    let (st, mv) = app
        .post(
            "/api/proposals/move",
            &office,
            json!({"proposal_ids": [p[4]], "need_id": need_c}),
        )
        .await;
    assert_eq!(st, 200, "{mv}");
    assert_consistent(&app, &office, &p).await;

    // Undoing the merge now would put p3 back in A, but the split moved it since: refused.
    let merge_action = merge["action_id"].as_i64().unwrap();
    let (st, refused) = app
        .post(
            &format!("/api/actions/{merge_action}/undo"),
            &office,
            json!({}),
        )
        .await;
    assert_eq!(st, 409, "{refused}");
    assert_eq!(refused["error"], "conflict");
    let (_, log) = app.get_json("/api/actions", &office).await;
    let can_undo: BTreeMap<i64, bool> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_i64().unwrap(), e["can_undo"].as_bool().unwrap()))
        .collect();
    assert!(!can_undo[&merge_action]);
    assert!(can_undo[&mv["action_id"].as_i64().unwrap()]);

    // The lineage of p3: placed nowhere → A (merge) → C (split).
    let (_, lineage) = app
        .get_json(&format!("/api/proposals/{}/lineage", p[3]), &office)
        .await;
    let steps: Vec<(String, Value, Value)> = lineage["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().into(),
                s["from_need"].clone(),
                s["to_need"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("merge".into(), Value::Null, json!(need_a)),
            ("split".into(), json!(need_a), json!(need_c)),
        ]
    );
    assert_eq!(steps[0].0, "merge");
    assert_eq!(steps[0].2, json!(need_a));
    assert_eq!(lineage["need_id"], json!(need_c));

    // Undo everything, newest first: every proposal ends unplaced, no need is left.
    for action in [
        mv["action_id"].as_i64().unwrap(),
        split["action_id"].as_i64().unwrap(),
        merge_action,
        b["action_id"].as_i64().unwrap(),
        a["action_id"].as_i64().unwrap(),
    ] {
        let (st, body) = app
            .post(&format!("/api/actions/{action}/undo"), &office, json!({}))
            .await;
        assert_eq!(st, 200, "undo {action}: {body}");
        assert_consistent(&app, &office, &p).await;
        // An action is undone once.
        let (st, _) = app
            .post(&format!("/api/actions/{action}/undo"), &office, json!({}))
            .await;
        assert_eq!(st, 409);
    }
    let (_, needs) = app.get_json("/api/needs", &office).await;
    assert_eq!(needs, json!([]));
    let (_, page) = app
        .get_json("/api/proposals?status=unplaced", &office)
        .await;
    assert_eq!(page["total"], 5);
    // Merge B into A reopened B on its undo, and the lineage kept every step.
    let (_, lineage) = app
        .get_json(&format!("/api/proposals/{}/lineage", p[2]), &office)
        .await;
    let kinds: Vec<&str> = lineage["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["create", "merge", "undo", "undo"]);
    assert_eq!(lineage["need_id"], Value::Null);
    assert_eq!(
        app.count("SELECT count(*) FROM consolidation_actions"),
        10,
        "5 actions and 5 undos, all kept"
    );
    // The audit log says who did what, newest first.
    let (st, audit) = app.get_json("/api/audit?limit=10", &office).await;
    assert_eq!(st, 200, "{audit}");
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 10);
    assert!(entries.iter().all(|e| e["username"] == "office"));
    assert_eq!(entries[0]["action"], "needs.undo");
    assert_eq!(entries[9]["action"], "needs.create");
    app.stop().await;
}

#[tokio::test]
async fn need_counts_follow_tablet_edits_made_during_consolidation() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    let women = session(&mut tablet, "pole-3", "idouz", GroupKind::Women);
    let men = session(&mut tablet, "pole-3", "ait-abbou", GroupKind::Men);
    let ctx = tablet.ctx();
    tablet
        .doc(women)
        .add_attendance(tachkhis_shared::AttendanceCategory::Women, 23, &ctx)
        .unwrap();
    let ctx = tablet.ctx();
    tablet
        .doc(men)
        .add_attendance(tachkhis_shared::AttendanceCategory::Men, 17, &ctx)
        .unwrap();
    let water = Some(Sector::DrinkingWater);
    let w1 = proposal(&mut tablet, women, "الماء", "بئر", water.clone(), "idouz");
    let w2 = proposal(
        &mut tablet,
        women,
        "الماء بعيد",
        "ربط",
        water.clone(),
        "idouz",
    );
    let m1 = proposal(
        &mut tablet,
        men,
        "الماء",
        "خزان",
        water.clone(),
        "ait-abbou",
    );
    tablet.sync(&app, &fac).await.unwrap();

    let (st, created) = app
        .post(
            "/api/needs",
            &office,
            json!({"title": "الماء", "sector": "drinking_water", "proposal_ids": [w1, w2, m1]}),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    let need = created["need_id"].as_i64().unwrap();
    let (_, d) = app.get_json(&format!("/api/needs/{need}"), &office).await;
    assert_eq!(d["proposals"], 3);
    assert_eq!(d["sessions"], 2);
    assert_eq!(d["sessions_by_group"], json!({"men": 1, "women": 1}));
    assert_eq!(
        d["present"], 40,
        "23 women + 17 men, each session counted once"
    );
    assert_eq!(d["douar_ids"], json!(["ait-abbou", "idouz"]));
    assert_eq!(d["pole_ids"], json!(["pole-3"]));

    // Meanwhile on the tablet: w1 is reworded, w2 deleted; more people arrive.
    let ctx = tablet.ctx();
    let reworded = ProposalInput {
        problem: "انعدام الماء الصالح للشرب".into(),
        solution: "حفر بئر".into(),
        sector: water,
        douar_id: Some("idouz".into()),
        raised_by: String::new(),
    };
    tablet
        .doc(women)
        .update_proposal(w1, &reworded, &ctx)
        .unwrap();
    let ctx = tablet.ctx();
    tablet
        .doc(women)
        .set_proposal_deleted(w2, true, &ctx)
        .unwrap();
    let ctx = tablet.ctx();
    tablet
        .doc(women)
        .add_attendance(tachkhis_shared::AttendanceCategory::Women, 2, &ctx)
        .unwrap();
    tablet.sync(&app, &fac).await.unwrap();

    let (_, d) = app.get_json(&format!("/api/needs/{need}"), &office).await;
    assert_eq!(d["proposals"], 2, "the withdrawn proposal is not counted");
    assert_eq!(d["withdrawn"], 1);
    assert_eq!(d["present"], 42);
    let list = d["proposal_list"].as_array().unwrap();
    assert_eq!(list.len(), 3, "the withdrawn proposal is still shown");
    let by_id: HashMap<String, &Value> = list
        .iter()
        .map(|p| (p["id"].as_str().unwrap().to_string(), p))
        .collect();
    assert_eq!(
        by_id[&w1.to_string()]["problem"],
        "انعدام الماء الصالح للشرب",
        "the tablet's edit updates the proposal in place"
    );
    assert_eq!(by_id[&w1.to_string()]["need_id"], json!(need));
    assert_eq!(by_id[&w2.to_string()]["status"], "withdrawn");
    assert_eq!(by_id[&w2.to_string()]["need_id"], json!(need));

    // A withdrawn proposal cannot be put in a need, but can be taken out of one.
    let (st, err) = app
        .post(
            "/api/needs",
            &office,
            json!({"title": "x", "proposal_ids": [w2]}),
        )
        .await;
    assert_eq!(
        (st, err["error"].as_str()),
        (400, Some("withdrawn_proposal"))
    );
    let (st, _) = app
        .post(
            "/api/proposals/move",
            &office,
            json!({"proposal_ids": [w2], "need_id": null}),
        )
        .await;
    assert_eq!(st, 200);

    // Rebuilding the projections from the documents keeps every placement.
    let before: i64 = app.count("SELECT count(*) FROM need_members");
    tachkhis_server::Db::open(&app.db_path)
        .unwrap()
        .write_blocking(tachkhis_server::documents::store::rebuild_projections)
        .unwrap();
    assert_eq!(app.count("SELECT count(*) FROM need_members"), before);
    let (_, d) = app.get_json(&format!("/api/needs/{need}"), &office).await;
    assert_eq!(d["proposals"], 2);
    app.stop().await;
}

#[tokio::test]
async fn bad_requests_change_nothing_and_roles_are_enforced() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let committee = app.login("committee").await;
    let mut tablet = Tablet::new("facilitator");
    let s = session(&mut tablet, "pole-1", "centre", GroupKind::Youth);
    let p = proposal(&mut tablet, s, "ملعب", "بناء ملعب", None, "centre");
    tablet.sync(&app, &fac).await.unwrap();
    let (_, ok) = app
        .post(
            "/api/needs",
            &office,
            json!({"title": "ملعب", "proposal_ids": [p]}),
        )
        .await;
    let need = ok["need_id"].as_i64().unwrap();
    let actions = app.count("SELECT count(*) FROM consolidation_actions");
    let unknown = Uuid::new_v4();
    let cases: Vec<(reqwest::Method, String, Option<Value>, u16)> = vec![
        (
            reqwest::Method::POST,
            "/api/needs".into(),
            Some(json!({"title": "  ", "proposal_ids": []})),
            400,
        ),
        (
            reqwest::Method::POST,
            "/api/needs".into(),
            Some(json!({"title": "t", "sector": "nope", "proposal_ids": []})),
            400,
        ),
        (
            reqwest::Method::POST,
            "/api/needs".into(),
            Some(json!({"title": "t", "proposal_ids": [p, unknown]})),
            400,
        ),
        (
            reqwest::Method::POST,
            "/api/needs".into(),
            Some(json!({"title": 5, "proposal_ids": []})),
            400,
        ),
        (
            reqwest::Method::POST,
            "/api/needs".into(),
            Some(json!({"title": "ت".repeat(301), "proposal_ids": []})),
            400,
        ),
        (
            reqwest::Method::POST,
            "/api/proposals/move".into(),
            Some(json!({"proposal_ids": [p], "need_id": 9999})),
            404,
        ),
        (
            reqwest::Method::POST,
            "/api/proposals/move".into(),
            Some(json!({"proposal_ids": ["not-a-uuid"], "need_id": need})),
            400,
        ),
        (
            reqwest::Method::POST,
            format!("/api/needs/{need}/merge"),
            Some(json!({"need_ids": [need]})),
            400,
        ),
        (
            reqwest::Method::POST,
            format!("/api/needs/{need}/merge"),
            Some(json!({})),
            400,
        ),
        (
            reqwest::Method::POST,
            format!("/api/needs/{need}/split"),
            Some(json!({"title": "t", "proposal_ids": [unknown]})),
            400,
        ),
        (
            reqwest::Method::POST,
            format!("/api/needs/{need}/projects"),
            Some(json!({"project_id": 99999})),
            404,
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/needs/{need}/projects/1"),
            None,
            409,
        ),
        (
            reqwest::Method::PATCH,
            "/api/needs/abc".into(),
            Some(json!({"title": "t"})),
            400,
        ),
        (
            reqwest::Method::POST,
            "/api/actions/99999/undo".into(),
            None,
            404,
        ),
        (
            reqwest::Method::GET,
            "/api/proposals?status=lost".into(),
            None,
            400,
        ),
        (
            reqwest::Method::GET,
            "/api/proposals?limit=-1".into(),
            None,
            400,
        ),
        (reqwest::Method::GET, "/api/needs/99999".into(), None, 404),
        (
            reqwest::Method::GET,
            format!("/api/proposals/{unknown}/lineage"),
            None,
            404,
        ),
    ];
    for (method, path, body, want) in cases {
        let (st, err) = app.send(method.clone(), &path, &office, body.clone()).await;
        assert_eq!(st, want, "{method} {path} {body:?}: {err}");
        assert!(err["message"].is_string(), "{method} {path}: {err}");
    }
    let raw = app
        .http
        .post(app.url("/api/needs"))
        .bearer_auth(&office)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    assert_eq!(
        app.count("SELECT count(*) FROM consolidation_actions"),
        actions,
        "no rejected request wrote anything"
    );
    assert_eq!(app.count("SELECT count(*) FROM needs"), 1);

    // Every consolidation endpoint is in the OpenAPI document.
    let (_, openapi) = app.get_json("/api/openapi.json", &office).await;
    for path in [
        "/api/proposals",
        "/api/proposals/move",
        "/api/proposals/{id}/lineage",
        "/api/suggestions",
        "/api/suggestions/reject",
        "/api/needs",
        "/api/needs/{id}",
        "/api/needs/{id}/merge",
        "/api/needs/{id}/split",
        "/api/needs/{id}/projects",
        "/api/needs/{id}/projects/{project_id}",
        "/api/actions",
        "/api/actions/{id}/undo",
        "/api/audit",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }

    // A link whose project was deleted since cannot be undone (and says why).
    let project: i64 = app.count("SELECT min(id) FROM projects");
    let (st, link) = app
        .post(
            &format!("/api/needs/{need}/projects"),
            &office,
            json!({"project_id": project}),
        )
        .await;
    assert_eq!(st, 200, "{link}");
    let (st, _) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/projects/{project}"),
            &office,
            None,
        )
        .await;
    assert_eq!(st, 204);
    let (st, err) = app
        .post(
            &format!("/api/actions/{}/undo", link["action_id"]),
            &office,
            json!({}),
        )
        .await;
    assert_eq!(st, 409, "{err}");
    assert!(err["message"].as_str().unwrap().contains("deleted"));

    // The committee reads but does not write; facilitators do neither.
    let (st, _) = app.get_json("/api/needs", &committee).await;
    assert_eq!(st, 200);
    let (st, _) = app
        .post(
            "/api/needs",
            &committee,
            json!({"title": "t", "proposal_ids": []}),
        )
        .await;
    assert_eq!(st, 403);
    let (st, _) = app.get_json("/api/proposals", &fac).await;
    assert_eq!(st, 403);
    let (st, _) = app.get_json("/api/suggestions", &fac).await;
    assert_eq!(st, 403);

    // Text in any script is stored as typed; search ignores spelling variants.
    let (st, _) = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/needs/{need}"),
            &office,
            Some(json!({"title": "ⵜⴰⵙⵏⵓⴱⴳⴰ — Terrain de proximité — مَلْعَب", "sector": "youth_sports"})),
        )
        .await;
    assert_eq!(st, 200);
    let (_, d) = app.get_json(&format!("/api/needs/{need}"), &office).await;
    assert_eq!(d["title"], "ⵜⴰⵙⵏⵓⴱⴳⴰ — Terrain de proximité — مَلْعَب");
    let (_, found) = app
        .get_json(
            "/api/proposals?q=%D9%85%D9%84%D9%80%D9%80%D8%B9%D8%A8",
            &office,
        )
        .await;
    assert_eq!(found["total"], 1, "ملــعب (with tatweel) finds ملعب");
    app.stop().await;
}

/// One labelled proposal of tests/data/labelled-proposals.csv.
struct Labelled {
    need: String,
    pole: String,
    douar: String,
    sector: Option<Sector>,
    group: GroupKind,
    problem: String,
    solution: String,
}

fn labelled_set(file: &str) -> Vec<Labelled> {
    let path = format!("{}/../tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(path).expect("labelled set");
    reader
        .records()
        .map(|r| {
            let r = r.expect("labelled row");
            Labelled {
                need: r[0].into(),
                pole: r[1].into(),
                douar: r[2].into(),
                sector: Sector::from_code(&r[3]),
                group: GroupKind::from_code(&r[4]).expect("group kind"),
                problem: r[5].into(),
                solution: r[6].into(),
            }
        })
        .collect()
}

/// Loads a labelled set into `app` through a tablet (one session per pole, douar and group),
/// asks for suggestions, and returns them with the pairwise precision and recall: a predicted
/// pair is two proposals in one suggestion, a true pair two with one label.
async fn measure(app: &TestApp, file: &str) -> (Value, f64, f64) {
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let set = labelled_set(file);
    let mut tablet = Tablet::new("facilitator");
    let mut sessions: HashMap<(String, String, String), Uuid> = HashMap::new();
    let mut label: HashMap<Uuid, String> = HashMap::new();
    for l in &set {
        let key = (l.pole.clone(), l.douar.clone(), l.group.code().to_string());
        let s = match sessions.get(&key) {
            Some(s) => *s,
            None => {
                let s = session(&mut tablet, &l.pole, &l.douar, l.group.clone());
                sessions.insert(key, s);
                s
            }
        };
        let id = proposal(
            &mut tablet,
            s,
            &l.problem,
            &l.solution,
            l.sector.clone(),
            &l.douar,
        );
        label.insert(id, l.need.clone());
    }
    tablet.sync(app, &fac).await.unwrap();

    let (st, suggestions) = app.get_json("/api/suggestions?limit=1000", &office).await;
    assert_eq!(st, 200, "{suggestions}");
    let mut group_of: HashMap<Uuid, usize> = HashMap::new();
    for (g, s) in suggestions.as_array().unwrap().iter().enumerate() {
        for m in s["proposal_ids"].as_array().unwrap() {
            let m = Uuid::parse_str(m.as_str().unwrap()).unwrap();
            assert!(
                group_of.insert(m, g).is_none(),
                "a proposal in two suggestions"
            );
        }
        // The reason is given: every suggestion names shared words.
        assert!(
            !s["reason"]["shared_words"].as_array().unwrap().is_empty(),
            "{s}"
        );
        let c = s["confidence"].as_f64().unwrap();
        assert!(c > 0.0 && c <= 1.0);
    }
    let ids: Vec<Uuid> = label.keys().copied().collect();
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    let mut missed: BTreeSet<String> = BTreeSet::new();
    let mut wrong: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let same_label = label[a] == label[b];
            let predicted =
                matches!((group_of.get(a), group_of.get(b)), (Some(x), Some(y)) if x == y);
            match (same_label, predicted) {
                (true, true) => tp += 1,
                (false, true) => {
                    fp += 1;
                    let mut pair = [label[a].clone(), label[b].clone()];
                    pair.sort();
                    wrong.insert((pair[0].clone(), pair[1].clone()));
                }
                (true, false) => {
                    fneg += 1;
                    missed.insert(label[a].clone());
                }
                (false, false) => {}
            }
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fneg).max(1) as f64;
    eprintln!(
        "suggestions on {file} ({} proposals, {} needs): precision {precision:.3}, recall {recall:.3} \
         (pairs: {tp} found, {fp} wrong, {fneg} missed); needs with missed pairs: {missed:?}; \
         labels put together: {wrong:?}",
        set.len(),
        set.iter().map(|l| &l.need).collect::<BTreeSet<_>>().len()
    );
    (suggestions, precision, recall)
}

/// The held-out set was written after the engine was tuned on the first one, and not tuned
/// on: its figures are the honest ones.
#[tokio::test]
async fn suggestions_on_the_held_out_labelled_set() {
    let app = spawn_app().await;
    let (_, precision, recall) = measure(&app, "labelled-proposals-holdout.csv").await;
    assert!(precision >= 0.9, "precision {precision:.3}");
    assert!(recall >= 0.8, "recall {recall:.3}");
    app.stop().await;
}

#[tokio::test]
async fn suggestions_find_the_labelled_needs() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let (suggestions, precision, recall) = measure(&app, "labelled-proposals.csv").await;
    assert!(precision >= 0.9, "precision {precision:.3}");
    // 58 proposals written with the first engine (61 same-need pairs: one pair is 0.016).
    // The pair model and table fitted on twenty-seven sets of other communes miss 4 of them
    // (0.934); the outside sets, not this one, are the measure (benches/suggest).
    assert!(recall >= 0.9, "recall {recall:.3}");

    // Confirm the first suggestion as a need: the next list offers no group of its proposals,
    // and look-alikes that remain are offered to that need.
    let first = &suggestions[0];
    let (st, created) = app
        .post(
            "/api/needs",
            &office,
            json!({"title": first["proposed_title"], "proposal_ids": first["proposal_ids"]}),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    // Reject the second: its proposals are never suggested together again.
    let second = suggestions[1]["proposal_ids"].clone();
    let (st, _) = app
        .post(
            "/api/suggestions/reject",
            &office,
            json!({"proposal_ids": second}),
        )
        .await;
    assert_eq!(st, 204);
    let (_, after) = app.get_json("/api/suggestions?limit=1000", &office).await;
    let confirmed: BTreeSet<String> = first["proposal_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let rejected: BTreeSet<String> = second
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for s in after.as_array().unwrap() {
        let members: BTreeSet<String> = s["proposal_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(
            members.is_disjoint(&confirmed),
            "placed proposals are not suggested again"
        );
        assert!(
            members.intersection(&rejected).count() <= 1,
            "a rejected pair came back: {s}"
        );
    }
    app.stop().await;
}

/// The action log read as one page says of every action what the action says alone: its
/// fields, and whether it can be undone, for each reason an undo is refused (moved since,
/// changed since, deleted project, link changed, already undone, an undo, a need that grew).
/// `can_undo` is checked against the undo itself, run and rolled back.
#[tokio::test]
async fn the_log_says_of_each_action_what_undoing_it_would_do() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    let s = session(&mut tablet, "pole-3", "idouz", GroupKind::Women);
    let p: Vec<Uuid> = (0..6)
        .map(|i| {
            let text = format!("مشكل رقم {i}");
            proposal(&mut tablet, s, &text, "حل", None, "idouz")
        })
        .collect();
    tablet.sync(&app, &fac).await.unwrap();
    let (x, y) = (
        app.count("SELECT min(id) FROM projects"),
        app.count("SELECT max(id) FROM projects"),
    );

    let mut actions: Vec<i64> = Vec::new();
    let mut act = async |method: reqwest::Method, path: String, body: Option<Value>| {
        let (st, done) = app.send(method, &path, &office, body).await;
        assert!(st == 200 || st == 201, "{path}: {st} {done}");
        actions.push(done["action_id"].as_i64().unwrap());
        done
    };
    use reqwest::Method as M;
    let a = act(
        M::POST,
        "/api/needs".into(),
        Some(json!({"title": "A", "proposal_ids": [p[0], p[1]]})),
    )
    .await["need_id"]
        .as_i64()
        .unwrap();
    let b = act(
        M::POST,
        "/api/needs".into(),
        Some(json!({"title": "B", "proposal_ids": [p[2]]})),
    )
    .await["need_id"]
        .as_i64()
        .unwrap();
    for title in ["A2", "A3"] {
        act(
            M::PATCH,
            format!("/api/needs/{a}"),
            Some(json!({ "title": title })),
        )
        .await;
    }
    act(
        M::POST,
        format!("/api/needs/{a}/merge"),
        Some(json!({"proposal_ids": [p[3]], "need_ids": [b]})),
    )
    .await;
    act(
        M::POST,
        "/api/proposals/move".into(),
        Some(json!({"proposal_ids": [p[3]], "need_id": null})),
    )
    .await;
    for project in [x, y] {
        act(
            M::POST,
            format!("/api/needs/{a}/projects"),
            Some(json!({ "project_id": project })),
        )
        .await;
    }
    let (st, _) = app
        .send(M::DELETE, &format!("/api/projects/{y}"), &office, None)
        .await;
    assert_eq!(st, 204);
    let unlink = act(M::DELETE, format!("/api/needs/{a}/projects/{x}"), None).await;
    act(
        M::POST,
        format!("/api/actions/{}/undo", unlink["action_id"]),
        Some(json!({})),
    )
    .await;
    let c = act(
        M::POST,
        "/api/needs".into(),
        Some(json!({"title": "C", "proposal_ids": [p[4]]})),
    )
    .await["need_id"]
        .as_i64()
        .unwrap();
    act(
        M::POST,
        "/api/proposals/move".into(),
        Some(json!({"proposal_ids": [p[5]], "need_id": c})),
    )
    .await;
    act(
        M::POST,
        format!("/api/needs/{a}/split"),
        Some(json!({"title": "D", "proposal_ids": [p[0]]})),
    )
    .await;

    let (st, log) = app.get_json("/api/actions", &office).await;
    assert_eq!(st, 200, "{log}");
    let log = log.as_array().unwrap().clone();
    let ids: Vec<i64> = log.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let mut newest_first = actions.clone();
    newest_first.reverse();
    assert_eq!(ids, newest_first);
    // (kind, can_undo, proposals moved, undoes, undone by), oldest first.
    type Entry<K> = (K, bool, i64, Option<i64>, Option<i64>);
    let seen: Vec<Entry<String>> = log
        .iter()
        .rev()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["can_undo"].as_bool().unwrap(),
                e["proposals_moved"].as_i64().unwrap(),
                e["undoes"].as_i64(),
                e["undone_by"].as_i64(),
            )
        })
        .collect();
    let n = |i: usize| Some(actions[i]);
    let expected: Vec<Entry<&str>> = vec![
        ("create", false, 2, None, None), // p0 split out since
        ("create", false, 1, None, None), // p2 merged into A since
        ("edit", false, 0, None, None),   // the title changed since
        ("edit", true, 0, None, None),
        ("merge", false, 2, None, None), // p3 moved out since
        ("move", true, 1, None, None),
        ("link", true, 0, None, None),  // unlinked, and that undone
        ("link", false, 0, None, None), // the project was deleted
        ("unlink", false, 0, None, n(9)),
        ("undo", false, 0, n(8), None),
        ("create", false, 1, None, None), // C got p5 since
        ("move", true, 1, None, None),
        ("split", true, 1, None, None),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(k, u, m, a, b)| (k.to_string(), u, m, a, b))
        .collect();
    assert_eq!(seen, expected);

    // Need A's history holds the same entries, field for field.
    let (_, detail) = app.get_json(&format!("/api/needs/{a}"), &office).await;
    let history = detail["history"].as_array().unwrap();
    assert!(history.len() >= 8, "{history:?}");
    for h in history {
        let e = log.iter().find(|e| e["id"] == h["id"]).unwrap();
        assert_eq!(e, h);
    }

    // can_undo is what the undo does now (run in a transaction that is rolled back).
    let user = tachkhis_server::users::auth::AuthUser {
        id: app.count("SELECT id FROM users WHERE username = 'office'"),
        username: "office".into(),
        role: tachkhis_shared::api::Role::Office,
        must_change_password: false,
    };
    for e in &log {
        let id = e["id"].as_i64().unwrap();
        let user = user.clone();
        let undone = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out = undone.clone();
        let rolled_back = app
            .state
            .db
            .write(move |tx| {
                let r = tachkhis_server::consolidation::undo(tx, &user, id);
                *out.lock().unwrap() = Some(r.is_ok());
                Err::<(), _>(tachkhis_server::http::error::AppError::Conflict(
                    "rolled back".into(),
                ))
            })
            .await;
        assert!(rolled_back.is_err());
        assert_eq!(
            *undone.lock().unwrap(),
            Some(e["can_undo"].as_bool().unwrap()),
            "action {id}: {e}"
        );
    }
    let (_, again) = app.get_json("/api/actions", &office).await;
    assert_eq!(
        again.as_array().unwrap(),
        &log,
        "the rollbacks left nothing"
    );
    app.stop().await;
}

/// What issue 18 asks of the suggestions, through a real server with the demo commune's
/// territory: a service asked for in several poles and scripts is one group (the ambulance:
/// Arabic, Darija in both scripts, French); works that name two different douars stay two
/// groups however alike their words (the road to Idouz, the road to Ait Lami, each asked for
/// from two poles); the reason names the place; and the same proposals synced in another
/// order, with other ids, give the same groups.
#[tokio::test]
async fn suggestions_follow_the_place_named_and_not_the_order() {
    // (pole, douar, problem, solution, sector, what it is)
    let set: &[(&str, &str, &str, &str, Sector, &str)] = &[
        (
            "pole-1",
            "centre",
            "غياب سيارة الإسعاف",
            "اقتناء سيارة إسعاف",
            Sector::Health,
            "ambulance",
        ),
        (
            "pole-4",
            "ait-said",
            "ma kaynach lambulance f jma3a",
            "ambulance",
            Sector::Health,
            "ambulance",
        ),
        (
            "pole-6",
            "agoudar",
            "المرا كتولد فالطريق",
            "لانبيلانص للدوار",
            Sector::Health,
            "ambulance",
        ),
        (
            "pole-7",
            "el-kenna",
            "Pas d'ambulance pour les malades",
            "Acquisition d'une ambulance",
            Sector::Health,
            "ambulance",
        ),
        (
            "pole-3",
            "idouz",
            "الطريق المؤدية إلى ادوز غير معبدة",
            "تعبيد الطريق نحو ادوز",
            Sector::Roads,
            "road-idouz",
        ),
        (
            "pole-2",
            "el-jrif",
            "tri9 dyal idouz kolha 7ofar",
            "goudron l idouz",
            Sector::Roads,
            "road-idouz",
        ),
        (
            "pole-4",
            "ait-lami",
            "الطريق المؤدية إلى ايت لامي غير معبدة",
            "تعبيد الطريق نحو ايت لامي",
            Sector::Roads,
            "road-ait-lami",
        ),
        (
            "pole-5",
            "el-boubira",
            "La piste vers Ait Lami est impraticable",
            "Goudronnage de la piste d'Ait Lami",
            Sector::Roads,
            "road-ait-lami",
        ),
        (
            "pole-1",
            "letnine",
            "ملعب لكرة القدم للشباب",
            "",
            Sector::YouthSports,
            "alone",
        ),
    ];
    let mut outcomes: Vec<BTreeSet<BTreeSet<&str>>> = Vec::new();
    for round in 0..2 {
        let app = spawn_app().await;
        let fac = app.login("facilitator").await;
        let office = app.login("office").await;
        let mut tablet = Tablet::new("facilitator");
        let mut what: HashMap<Uuid, usize> = HashMap::new();
        let mut order: Vec<usize> = (0..set.len()).collect();
        if round == 1 {
            order.reverse();
            order.rotate_left(3);
        }
        for i in order {
            let (pole, douar, problem, solution, sector, _) = &set[i];
            let s = session(&mut tablet, pole, douar, GroupKind::Mixed);
            let id = proposal(
                &mut tablet,
                s,
                problem,
                solution,
                Some(sector.clone()),
                douar,
            );
            what.insert(id, i);
        }
        tablet.sync(&app, &fac).await.unwrap();
        let (st, suggestions) = app.get_json("/api/suggestions?limit=100", &office).await;
        assert_eq!(st, 200, "{suggestions}");
        let mut groups: BTreeSet<BTreeSet<&str>> = BTreeSet::new();
        for s in suggestions.as_array().unwrap() {
            let members: Vec<usize> = s["proposal_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| what[&Uuid::parse_str(v.as_str().unwrap()).unwrap()])
                .collect();
            let kinds: BTreeSet<&str> = members.iter().map(|i| set[*i].5).collect();
            assert_eq!(kinds.len(), 1, "one suggestion mixes needs: {s}");
            let words = s["reason"]["shared_words"].to_string();
            if kinds.contains("road-idouz") {
                assert!(words.contains("ادوز"), "the reason names the douar: {s}");
            }
            groups.insert(members.iter().map(|i| set[*i].2).collect());
        }
        let kinds: BTreeSet<BTreeSet<&str>> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|p| set.iter().find(|x| x.2 == *p).unwrap().5)
                    .collect()
            })
            .collect();
        let expected: BTreeSet<BTreeSet<&str>> = ["ambulance", "road-idouz", "road-ait-lami"]
            .into_iter()
            .map(|k| BTreeSet::from([k]))
            .collect();
        assert_eq!(kinds, expected, "{suggestions}");
        for g in &groups {
            let kind = set.iter().find(|x| g.contains(x.2)).unwrap().5;
            let all = set.iter().filter(|x| x.5 == kind).count();
            assert_eq!(
                g.len(),
                all,
                "every proposal of {kind} is in its group: {suggestions}"
            );
        }
        outcomes.push(groups);
        app.stop().await;
    }
    assert_eq!(outcomes[0], outcomes[1], "another order gives other groups");
}

/// The office's own synonyms: two proposals the engine cannot relate ("القصبة" and "tighremt", the kasbah
/// in Arabic and Tamazight) are grouped once the office says the words mean the same,
/// and apart again once it removes the group; both changes are logged, bad groups refused.
#[tokio::test]
async fn the_offices_synonyms_group_what_the_lexicon_did_not() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    let s1 = session(&mut tablet, "pole-1", "centre", GroupKind::Mixed);
    let s2 = session(&mut tablet, "pole-5", "el-boubira", GroupKind::Youth);
    let a = proposal(
        &mut tablet,
        s1,
        "القصبة مهملة",
        "ترميم القصبة",
        Some(Sector::Economy),
        "centre",
    );
    let b = proposal(
        &mut tablet,
        s2,
        "La tighremt est abandonnee",
        "Restaurer la tighremt",
        Some(Sector::Economy),
        "el-boubira",
    );
    for (pole, douar) in [("pole-2", "el-jrif"), ("pole-7", "el-kenna")] {
        let s = session(&mut tablet, pole, douar, GroupKind::Women);
        proposal(
            &mut tablet,
            s,
            "غياب سيارة الإسعاف",
            "اقتناء سيارة إسعاف",
            Some(Sector::Health),
            douar,
        );
    }
    tablet.sync(&app, &fac).await.unwrap();
    let pair = BTreeSet::from([a.to_string(), b.to_string()]);
    let grouped = |suggestions: &Value| {
        suggestions.as_array().unwrap().iter().any(|s| {
            let ids: BTreeSet<String> = s["proposal_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            pair.is_subset(&ids)
        })
    };
    let (st, before) = app.get_json("/api/suggestions", &office).await;
    assert_eq!(st, 200, "{before}");
    assert!(!grouped(&before), "grouped without the synonym: {before}");

    // Bad groups change nothing; the facilitator may not add one.
    for body in [
        json!({ "words": ["القصبة"] }),
        json!({ "words": ["القصبة", "  القصبه "] }),
        json!({ "words": ["القصبة", "tighremt"], "scope": "everywhere" }),
        json!({ "words": ["x".repeat(101), "tighremt"] }),
        json!({ "words": "القصبة" }),
    ] {
        let (st, err) = app.post("/api/synonyms", &office, body.clone()).await;
        assert_eq!(st, 400, "{body} -> {err}");
        assert!(
            err["error"].is_string() && err["message"].is_string(),
            "{err}"
        );
    }
    let (st, _) = app
        .post(
            "/api/synonyms",
            &fac,
            json!({ "words": ["القصبة", "tighremt"] }),
        )
        .await;
    assert_eq!(st, 403);
    assert_eq!(app.count("SELECT count(*) FROM office_synonyms"), 0);

    let (st, added) = app
        .post(
            "/api/synonyms",
            &office,
            json!({ "words": ["القصبة", "tighremt", "تيغرمت"], "scope": "service" }),
        )
        .await;
    assert_eq!(st, 201, "{added}");
    assert_eq!(added["created_by"], "office");
    let id = added["id"].as_i64().unwrap();
    let (st, list) = app.get_json("/api/synonyms", &office).await;
    assert_eq!(st, 200);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["words"], json!(["القصبة", "tighremt", "تيغرمت"]));
    let (_, after) = app.get_json("/api/suggestions", &office).await;
    assert!(grouped(&after), "the synonym did not group them: {after}");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'synonym.add'"),
        1
    );

    let (st, _) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/synonyms/{id}"),
            &office,
            None,
        )
        .await;
    assert_eq!(st, 204);
    let (st, err) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/synonyms/{id}"),
            &office,
            None,
        )
        .await;
    assert_eq!(st, 404, "{err}");
    let (_, list) = app.get_json("/api/synonyms", &office).await;
    assert_eq!(list, json!([]));
    let (_, undone) = app.get_json("/api/suggestions", &office).await;
    assert!(!grouped(&undone), "still grouped after removal: {undone}");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'synonym.remove'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM office_synonyms WHERE removed_by IS NOT NULL"),
        1
    );
    app.stop().await;
}

/// The office's decisions are stored as learned weights: a rejected suggestion counts its
/// shared terms as kept apart, a need made of proposals counts theirs as put together, and
/// both survive a restart of the reading (they are read from the database at each run).
#[tokio::test]
async fn the_offices_decisions_are_learned_and_kept() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    let mut ambulance = Vec::new();
    for (pole, douar) in [("pole-1", "centre"), ("pole-7", "el-kenna")] {
        let s = session(&mut tablet, pole, douar, GroupKind::Mixed);
        ambulance.push(proposal(
            &mut tablet,
            s,
            "غياب سيارة الإسعاف",
            "اقتناء سيارة إسعاف",
            Some(Sector::Health),
            douar,
        ));
    }
    tablet.sync(&app, &fac).await.unwrap();
    let (st, s) = app.get_json("/api/suggestions", &office).await;
    assert_eq!(st, 200);
    assert_eq!(s.as_array().unwrap().len(), 1, "{s}");
    assert_eq!(app.count("SELECT count(*) FROM suggest_learned"), 0);

    let ids: Vec<String> = ambulance.iter().map(|u| u.to_string()).collect();
    let (st, _) = app
        .post(
            "/api/suggestions/reject",
            &office,
            json!({ "proposal_ids": ids }),
        )
        .await;
    assert_eq!(st, 204);
    let apart = app.count("SELECT count(*) FROM suggest_learned WHERE apart = 1 AND together = 0");
    assert!(apart > 0, "nothing learned from the rejection");
    // Rejecting again adds no pair, so nothing is counted twice.
    let (st, _) = app
        .post(
            "/api/suggestions/reject",
            &office,
            json!({ "proposal_ids": ids }),
        )
        .await;
    assert_eq!(st, 204);
    assert_eq!(
        app.count("SELECT coalesce(sum(apart), 0) FROM suggest_learned"),
        apart
    );

    let (st, done) = app
        .post(
            "/api/needs",
            &office,
            json!({ "title": "إسعاف", "sector": "health", "description": "", "proposal_ids": ids }),
        )
        .await;
    assert_eq!(st, 201, "{done}");
    assert_eq!(
        app.count("SELECT count(*) FROM suggest_learned WHERE together = 1 AND apart = 1"),
        apart,
        "the same shared terms, now put together too"
    );
    app.stop().await;
}

/// Late arrivals: the office made needs of the first sessions (the road to Idouz, the road to
/// Ait Lami, the ambulance); a tablet then syncs sessions held later. Each late proposal is
/// suggested into the need it belongs to, whatever pole it comes from and whatever script it
/// is written in, with the reason in words people read (the douar it names, the shared
/// concept); a late proposal about a need nobody made yet is not pushed into one.
#[tokio::test]
async fn late_arrivals_are_suggested_into_their_need_with_the_reason() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    // (pole, douar, problem, solution, sector)
    let first: &[(&str, &str, &str, &str, Sector)] = &[
        (
            "pole-3",
            "idouz",
            "الطريق المؤدية إلى ادوز غير معبدة",
            "تعبيد الطريق نحو ادوز",
            Sector::Roads,
        ),
        (
            "pole-2",
            "el-jrif",
            "La piste vers Idouz est impraticable",
            "Goudronnage de la piste d'Idouz",
            Sector::Roads,
        ),
        (
            "pole-4",
            "ait-lami",
            "الطريق المؤدية إلى ايت لامي غير معبدة",
            "تعبيد الطريق نحو ايت لامي",
            Sector::Roads,
        ),
        (
            "pole-5",
            "el-boubira",
            "La piste vers Ait Lami est impraticable",
            "Goudronnage de la piste d'Ait Lami",
            Sector::Roads,
        ),
        (
            "pole-1",
            "centre",
            "غياب سيارة الإسعاف",
            "اقتناء سيارة إسعاف",
            Sector::Health,
        ),
        (
            "pole-7",
            "el-kenna",
            "Pas d'ambulance pour les malades",
            "Acquisition d'une ambulance",
            Sector::Health,
        ),
    ];
    let mut ids = Vec::new();
    for (pole, douar, problem, solution, sector) in first {
        let s = session(&mut tablet, pole, douar, GroupKind::Mixed);
        ids.push(proposal(
            &mut tablet,
            s,
            problem,
            solution,
            Some(sector.clone()),
            douar,
        ));
    }
    tablet.sync(&app, &fac).await.unwrap();
    let mut needs = Vec::new();
    for (title, sector, members) in [
        ("طريق ادوز", "roads", [ids[0], ids[1]]),
        ("طريق ايت لامي", "roads", [ids[2], ids[3]]),
        ("سيارة الإسعاف", "health", [ids[4], ids[5]]),
    ] {
        let (st, done) = app
            .post(
                "/api/needs",
                &office,
                json!({ "title": title, "sector": sector, "description": "", "proposal_ids": members }),
            )
            .await;
        assert_eq!(st, 201, "{done}");
        needs.push(done["need_id"].as_i64().unwrap());
    }
    let (_, before) = app.get_json("/api/suggestions", &office).await;
    assert_eq!(before, json!([]), "nothing left to suggest");

    // Sessions held after the office's work, from other poles, in other scripts.
    /// (pole, douar, problem, solution, sector, the need it belongs to)
    type Late<'a> = (&'a str, &'a str, &'a str, &'a str, Sector, Option<usize>);
    let late: &[Late] = &[
        (
            "pole-6",
            "agoudar",
            "tri9 dyal idouz kolha 7ofar",
            "goudron l idouz",
            Sector::Roads,
            Some(0),
        ),
        (
            "pole-2",
            "jorf-el-hammam",
            "الطريق ديال ايت لامي خايبة بزاف",
            "يزفتو الطريق",
            Sector::Roads,
            Some(1),
        ),
        (
            "pole-5",
            "ait-ben-hammou",
            "ma kaynach lambulance",
            "ambulance l douar",
            Sector::Health,
            Some(2),
        ),
        (
            "pole-6",
            "el-korrass",
            "ملعب لكرة القدم للشباب",
            "",
            Sector::YouthSports,
            None,
        ),
    ];
    let mut late_ids = Vec::new();
    for (pole, douar, problem, solution, sector, _) in late {
        let s = session(&mut tablet, pole, douar, GroupKind::Youth);
        late_ids.push(proposal(
            &mut tablet,
            s,
            problem,
            solution,
            Some(sector.clone()),
            douar,
        ));
    }
    tablet.sync(&app, &fac).await.unwrap();
    let (st, after) = app.get_json("/api/suggestions", &office).await;
    assert_eq!(st, 200, "{after}");
    let list = after.as_array().unwrap();
    for (k, (.., into)) in late.iter().enumerate() {
        let id = json!(late_ids[k].to_string());
        let found: Vec<&Value> = list
            .iter()
            .filter(|s| s["proposal_ids"].as_array().unwrap().contains(&id))
            .collect();
        match into {
            Some(n) => {
                assert_eq!(found.len(), 1, "late proposal {k} suggested once: {after}");
                let s = found[0];
                assert_eq!(
                    s["need_id"],
                    json!(needs[*n]),
                    "late proposal {k} into its need: {after}"
                );
                assert_eq!(s["proposal_ids"], json!([id]), "{s}");
                assert!(s["need_title"].is_string(), "{s}");
            }
            None => assert!(
                found.iter().all(|s| s["need_id"].is_null()),
                "the sports ground is in no need: {after}"
            ),
        }
    }
    let reason = |n: usize| -> Vec<String> {
        let s = list
            .iter()
            .find(|s| s["need_id"] == json!(needs[n]))
            .unwrap();
        serde_json::from_value(s["reason"]["shared_words"].clone()).unwrap()
    };
    // The douar named (as the territory writes it) comes first, then the concept.
    let idouz = reason(0);
    assert_eq!(idouz.first().map(String::as_str), Some("ادوز"), "{idouz:?}");
    assert!(idouz.iter().any(|w| w == "طريق"), "{idouz:?}");
    let lami = reason(1);
    assert_eq!(
        lami.first().map(String::as_str),
        Some("ايت لامي"),
        "{lami:?}"
    );
    assert!(!lami.iter().any(|w| w.contains("ادوز")), "{lami:?}");
    let ambulance = reason(2);
    assert!(ambulance.iter().any(|w| w == "إسعاف"), "{ambulance:?}");

    // The office takes the suggestion: the late proposal joins the need, nothing is left.
    let (st, moved) = app
        .post(
            "/api/proposals/move",
            &office,
            json!({ "proposal_ids": [late_ids[0]], "need_id": needs[0] }),
        )
        .await;
    assert_eq!(st, 200, "{moved}");
    let (_, again) = app.get_json("/api/suggestions", &office).await;
    assert!(
        !again.to_string().contains(&late_ids[0].to_string()),
        "{again}"
    );
    app.stop().await;
}

/// Need → project suggestions on the demo commune (issue 18): the demo programme names a
/// project of road tracks in 16 douars (no. 3), a bridge over Oued Issen at El Fayda (4),
/// drinking water (14), a sports complex at Idouz (24) and a library at the centre (37). A
/// need about the road to Idouz gets the road tracks first, with Idouz and the road as the
/// reason; the bridge at El Fayda gets the bridge; the library the library; a project already
/// linked is not suggested again; an unknown need is 404.
#[tokio::test]
async fn a_need_is_suggested_the_projects_that_answer_it() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    // (title, sector, [(pole, douar, problem, solution)])
    type Said<'a> = (&'a str, &'a str, &'a str, &'a str);
    let needs: &[(&str, &str, &[Said])] = &[
        (
            "طريق ادوز",
            "roads",
            &[
                (
                    "pole-3",
                    "idouz",
                    "الطريق المؤدية إلى ادوز غير معبدة",
                    "تعبيد الطريق نحو ادوز",
                ),
                (
                    "pole-2",
                    "el-jrif",
                    "tri9 dyal idouz kolha 7ofar",
                    "goudron l idouz",
                ),
            ],
        ),
        (
            "قنطرة الفيضة",
            "roads",
            &[
                (
                    "pole-7",
                    "el-fayda",
                    "الواد كيقطع علينا الطريق فالشتا",
                    "قنطرة على الواد بالفيضة",
                ),
                (
                    "pole-7",
                    "el-kenna",
                    "Pas de pont sur l'oued a El Fayda",
                    "Construction d'un pont",
                ),
            ],
        ),
        (
            "مكتبة",
            "education",
            &[
                (
                    "pole-1",
                    "centre",
                    "الدراري ما عندهمش فين يقراو",
                    "مكتبة فالمركز",
                ),
                (
                    "pole-4",
                    "ait-lami",
                    "Pas de bibliotheque pour les eleves",
                    "Une bibliotheque communale",
                ),
            ],
        ),
    ];
    let mut need_ids = Vec::new();
    for (title, sector, proposals) in needs {
        let mut ids = Vec::new();
        for (pole, douar, problem, solution) in proposals.iter() {
            let s = session(&mut tablet, pole, douar, GroupKind::Mixed);
            ids.push(proposal(&mut tablet, s, problem, solution, None, douar));
        }
        tablet.sync(&app, &fac).await.unwrap();
        let (st, done) = app
            .post(
                "/api/needs",
                &office,
                json!({ "title": title, "sector": sector, "description": "", "proposal_ids": ids }),
            )
            .await;
        assert_eq!(st, 201, "{done}");
        need_ids.push(done["need_id"].as_i64().unwrap());
    }
    let suggested = |list: &Value| -> Vec<i64> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| p["number"].as_i64().unwrap())
            .collect()
    };
    let path = |n: i64| format!("/api/needs/{n}/project-suggestions");

    let (st, road) = app.get_json(&path(need_ids[0]), &office).await;
    assert_eq!(st, 200, "{road}");
    assert_eq!(suggested(&road).first(), Some(&3), "{road}");
    assert!(
        !suggested(&road).contains(&24),
        "the sports complex at Idouz is not a road: {road}"
    );
    assert_eq!(road[0]["places"], json!(["ادوز"]), "{road}");
    assert!(
        road[0]["shared_words"].to_string().contains("طريق"),
        "{road}"
    );
    assert!(road[0]["confidence"].as_f64().unwrap() > 0.0);

    let (_, bridge) = app.get_json(&path(need_ids[1]), &office).await;
    assert_eq!(suggested(&bridge).first(), Some(&4), "{bridge}");
    assert_eq!(bridge[0]["places"], json!(["الفيضة"]), "{bridge}");

    let (_, library) = app.get_json(&path(need_ids[2]), &office).await;
    assert_eq!(suggested(&library).first(), Some(&37), "{library}");
    assert!(!suggested(&library).contains(&3), "{library}");

    // The office confirms with the link it already has; the project is no longer suggested.
    let project = road[0]["project_id"].as_i64().unwrap();
    let (st, done) = app
        .post(
            &format!("/api/needs/{}/projects", need_ids[0]),
            &office,
            json!({ "project_id": project }),
        )
        .await;
    assert_eq!(st, 200, "{done}");
    let (_, after) = app.get_json(&path(need_ids[0]), &office).await;
    assert!(!suggested(&after).contains(&3), "{after}");

    let (st, missing) = app.get_json(&path(9999), &office).await;
    assert_eq!(st, 404, "{missing}");
    assert_eq!(missing["error"], json!("not_found"), "{missing}");
    app.stop().await;
}

/// Moves teach the suggestions too, and an undo takes back what its action taught: a
/// proposal moved from one need into another counts as put together with the new need's
/// members and kept apart from the old one's; undoing the move leaves the learned counts
/// exactly as they were before it.
#[tokio::test]
async fn moves_are_learned_and_undo_unlearns() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    let texts = [
        ("pole-1", "centre", "كراسي متحركة للمعاقين"),
        (
            "pole-2",
            "el-jrif",
            "Des fauteuils roulants pour les handicapes",
        ),
        ("pole-3", "idouz", "ممرات الولوجيات للمعاقين"),
        ("pole-4", "ait-lami", "rampes d'acces pour les handicapes"),
    ];
    let mut ids = Vec::new();
    for (pole, douar, problem) in texts {
        let s = session(&mut tablet, pole, douar, GroupKind::Mixed);
        ids.push(proposal(
            &mut tablet,
            s,
            problem,
            "",
            Some(Sector::Social),
            douar,
        ));
    }
    tablet.sync(&app, &fac).await.unwrap();
    let mut needs = Vec::new();
    for members in [[ids[0], ids[1]], [ids[2], ids[3]]] {
        let (st, done) = app
            .post(
                "/api/needs",
                &office,
                json!({ "title": "إعاقة", "sector": "social", "description": "", "proposal_ids": members }),
            )
            .await;
        assert_eq!(st, 201, "{done}");
        needs.push(done["need_id"].as_i64().unwrap());
    }
    let snapshot = |app: &TestApp| -> String {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        conn.query_row(
            "SELECT coalesce(group_concat(term || ':' || together || ':' || apart, ' '), '')
             FROM (SELECT * FROM suggest_learned ORDER BY term)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let before = snapshot(&app);
    let (st, moved) = app
        .post(
            "/api/proposals/move",
            &office,
            json!({ "proposal_ids": [ids[2]], "need_id": needs[0] }),
        )
        .await;
    assert_eq!(st, 200, "{moved}");
    let after = snapshot(&app);
    assert_ne!(before, after, "the move taught nothing");
    // Put together with the wheelchairs: the pair of concepts is counted.
    assert!(
        app.count("SELECT count(*) FROM suggest_learned WHERE term LIKE '~%' AND together > 0") > 0,
        "{after}"
    );
    // Kept apart from the ramps it left.
    assert!(
        app.count("SELECT count(*) FROM suggest_learned WHERE apart > 0") > 0,
        "{after}"
    );
    let action = moved["action_id"].as_i64().unwrap();
    assert!(
        app.count(&format!(
            "SELECT count(*) FROM suggest_learned_actions WHERE action_id = {action}"
        )) > 0
    );
    let (st, undone) = app
        .post(&format!("/api/actions/{action}/undo"), &office, json!({}))
        .await;
    assert_eq!(st, 200, "{undone}");
    assert_eq!(
        snapshot(&app),
        before,
        "the undo took back what the move taught"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM suggest_learned_actions WHERE action_id = {action}"
        )),
        0
    );
    app.stop().await;
}

//! The prioritised programme through the HTTP API on the demo commune: computed scores follow
//! the needs (merge, move, a proposal withdrawn on a tablet and synced late); ties share a
//! rank; the what-if writes nothing; every change is logged and undoes exactly, in turn;
//! only the bureau changes criteria and approves; bad input changes nothing.

use reqwest::Method;
use serde_json::{Value, json};
use tachkhis_shared::{
    AttendanceCategory, GroupKind,
    session::{NewSession, ProposalInput, SessionDoc},
    sync::State,
};
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app};

fn session(tablet: &mut Tablet, pole: &str, douar: &str, group: GroupKind, present: i64) -> Uuid {
    let id = Uuid::new_v4();
    let init = NewSession {
        pole_id: pole.into(),
        douar_ids: vec![douar.into()],
        group_kind: group,
        date: "2022-08-02".into(),
        facilitators: "سعاد".into(),
    };
    let ctx = tablet.ctx();
    let doc = SessionDoc::create(id, &init, &ctx, None).unwrap();
    tablet.docs.insert(id, (doc, State::new()));
    let ctx = tablet.ctx();
    tablet
        .doc(id)
        .add_attendance(AttendanceCategory::Women, present, &ctx)
        .unwrap();
    id
}

fn proposal(tablet: &mut Tablet, session: Uuid, problem: &str, douar: Option<&str>) -> Uuid {
    let ctx = tablet.ctx();
    let input = ProposalInput {
        problem: problem.into(),
        solution: "الحل".into(),
        sector: None,
        douar_id: douar.map(Into::into),
        raised_by: String::new(),
    };
    tablet.doc(session).add_proposal(&input, &ctx).unwrap()
}

/// Everything the priorities tables hold and the audit entries about them, as text: what a
/// read must leave exactly as it was.
fn stored(app: &TestApp) -> String {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT id, name_ar, name_fr, measure, weight, thresholds, position FROM priority_criteria ORDER BY id",
        "SELECT project_id, criterion_id, score, reason, user_id, at, illustrative FROM priority_scores ORDER BY 1, 2",
        "SELECT key, value FROM priority_settings ORDER BY key",
        "SELECT id, kind, detail, undoes, undone_by FROM priority_actions ORDER BY id",
        "SELECT id, note, ranking FROM priority_approvals ORDER BY id",
        "SELECT count(*), max(id) FROM audit_log",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        for row in rows {
            out.push_str(&row.unwrap());
            out.push('\n');
        }
        out.push_str("--\n");
    }
    out
}

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.send(Method::PUT, path, token, Some(body)).await
}

fn criterion_id(p: &Value, measure: &str) -> i64 {
    p["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["measure"] == measure)
        .unwrap_or_else(|| panic!("a {measure} criterion"))["id"]
        .as_i64()
        .unwrap()
}

/// The figure and score of `criterion` in a project's priority answer.
fn figure(p: &Value, criterion: i64) -> (Option<f64>, Option<i64>) {
    let s = p["row"]["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["criterion_id"] == criterion)
        .unwrap();
    (s["trace"]["figure"].as_f64(), s["score"].as_i64())
}

/// Sessions, douars, poles, women's share and people of project `id`'s computed scores, with
/// the sessions the trace lists.
async fn figures(app: &TestApp, token: &str, id: i64) -> (Value, [Option<f64>; 5]) {
    let (status, all) = app.get_json("/api/priorities", token).await;
    assert_eq!(status, 200, "{all}");
    let (status, p) = app
        .get_json(&format!("/api/priorities/projects/{id}"), token)
        .await;
    assert_eq!(status, 200, "{p}");
    let f = [
        "sessions",
        "douars",
        "poles",
        "women_vulnerable_share",
        "people",
    ]
    .map(|m| figure(&p, criterion_id(&all, m)).0);
    (p, f)
}

#[tokio::test]
async fn computed_scores_follow_the_needs_and_late_syncs() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut tablet = Tablet::new("facilitator");
    let a = session(&mut tablet, "pole-3", "idouz", GroupKind::Women, 30);
    let b = session(&mut tablet, "pole-1", "centre", GroupKind::Men, 12);
    let c = session(&mut tablet, "pole-1", "letnine", GroupKind::Youth, 7);
    let a1 = proposal(&mut tablet, a, "انعدام الماء الصالح للشرب", Some("idouz"));
    let b1 = proposal(&mut tablet, b, "الماء غير متوفر", Some("centre"));
    // No douar named: the session's douar counts.
    let c1 = proposal(&mut tablet, c, "نقص الماء", None);
    tablet.sync(&app, &fac).await.unwrap();
    let project = app.count("SELECT id FROM projects ORDER BY number LIMIT 1");

    let (s, need) = app
        .post(
            "/api/needs",
            &office,
            json!({"title": "الماء", "proposal_ids": [a1]}),
        )
        .await;
    assert_eq!(s, 201, "{need}");
    let need = need["need_id"].as_i64().unwrap();
    let (s, r) = app
        .post(
            &format!("/api/needs/{need}/projects"),
            &office,
            json!({"project_id": project}),
        )
        .await;
    assert!(s < 300, "{r}");
    let (p, f) = figures(&app, &office, project).await;
    assert_eq!(
        f,
        [Some(1.0), Some(1.0), Some(1.0), Some(100.0), Some(30.0)],
        "{p}"
    );
    assert_eq!(p["needs"][0]["id"], need);
    assert_eq!(p["sessions"].as_array().unwrap().len(), 1);

    // Another need, then merged into the linked one: its sessions count.
    let (s, other) = app
        .post(
            "/api/needs",
            &office,
            json!({"title": "ماء", "proposal_ids": [b1, c1]}),
        )
        .await;
    assert_eq!(s, 201, "{other}");
    let other = other["need_id"].as_i64().unwrap();
    let (_, f) = figures(&app, &office, project).await;
    assert_eq!(f[0], Some(1.0), "an unlinked need counts nothing");
    let (s, r) = app
        .post(
            &format!("/api/needs/{need}/merge"),
            &office,
            json!({"need_ids": [other]}),
        )
        .await;
    assert!(s < 300, "{r}");
    let (p, f) = figures(&app, &office, project).await;
    // 3 sessions, douars idouz + centre + letnine, poles 3 and 1, women and youth of 3.
    assert_eq!(
        f,
        [Some(3.0), Some(3.0), Some(2.0), Some(66.67), Some(49.0)],
        "{p}"
    );

    // A proposal moved out of the need.
    let (s, r) = app
        .post(
            "/api/proposals/move",
            &office,
            json!({"proposal_ids": [b1], "need_id": null}),
        )
        .await;
    assert!(s < 300, "{r}");
    let (_, f) = figures(&app, &office, project).await;
    assert_eq!(
        f,
        [Some(2.0), Some(2.0), Some(2.0), Some(100.0), Some(37.0)]
    );

    // Withdrawn on the tablet, synced late: it no longer counts.
    let ctx = tablet.ctx();
    tablet.doc(c).set_proposal_deleted(c1, true, &ctx).unwrap();
    tablet.sync(&app, &fac).await.unwrap();
    let (p, f) = figures(&app, &office, project).await;
    assert_eq!(
        f,
        [Some(1.0), Some(1.0), Some(1.0), Some(100.0), Some(30.0)],
        "{p}"
    );
    // The ranking's row and the sheet's agree.
    let (_, all) = app.get_json("/api/priorities", &office).await;
    let row = all["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["project_id"] == project)
        .unwrap();
    assert_eq!(row, &p["row"]);
}

/// Weights all 0 but one entered criterion's, and scores: the ranks of `projects` (in order).
async fn ranks_of(rows: &Value, projects: &[i64]) -> Vec<(i64, bool)> {
    projects
        .iter()
        .map(|id| {
            let r = rows
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["project_id"] == *id)
                .unwrap();
            (r["rank"].as_i64().unwrap(), r["tied"].as_bool().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn ties_share_a_rank_and_the_what_if_writes_nothing() {
    let app = spawn_app().await;
    let bureau = app.login("bureau").await;
    let (_, all) = app.get_json("/api/priorities", &bureau).await;
    assert!(
        all["illustrative"].as_bool().unwrap(),
        "the demo's ranking is marked"
    );
    let competence = all["criteria"][0]["id"].as_i64().unwrap();
    assert_eq!(all["criteria"][0]["measure"], "entered");
    let projects: Vec<i64> = {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        let mut stmt = conn
            .prepare("SELECT id FROM projects ORDER BY number")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(projects.len(), 43);
    let weights: Vec<Value> = all["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let id = c["id"].as_i64().unwrap();
            json!({"criterion_id": id, "weight": if id == competence { 10 } else { 0 }})
        })
        .collect();
    let scores: Vec<Value> = projects
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let score = match i {
                0 | 1 => 5,
                2 => 4,
                3..=5 => 3,
                _ => 1,
            };
            json!({"project_id": id, "criterion_id": competence, "score": score, "reason": "r"})
        })
        .collect();
    let before = stored(&app);
    let what_if = json!({"weights": weights, "scores": scores});
    let (s, r) = app
        .post("/api/priorities/what-if", &bureau, what_if.clone())
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        ranks_of(&r["proposed"], &projects[..7]).await,
        vec![
            (1, true),
            (1, true),
            (3, false),
            (4, true),
            (4, true),
            (4, true),
            (7, true)
        ]
    );
    assert_eq!(r["proposed"][0]["total"], 50);
    assert_eq!(r["proposed"][2]["total"], 40);
    // The saved ranking beside it is today's, and each move is saved − proposed.
    assert_eq!(r["saved"], all["ranking"]);
    for m in r["moves"].as_array().unwrap() {
        assert_eq!(
            m["up"].as_i64().unwrap(),
            m["saved_rank"].as_i64().unwrap() - m["proposed_rank"].as_i64().unwrap()
        );
    }
    // Refused what-ifs answer 400 and nothing is written either.
    for bad in [
        json!({"weights": [{"criterion_id": 9999, "weight": 1}]}),
        json!({"weights": [{"criterion_id": competence, "weight": 101}]}),
        json!({"scores": [{"project_id": projects[0], "criterion_id": competence, "score": 6}]}),
        json!({"scores": [{"project_id": 0, "criterion_id": competence, "score": 2}]}),
        json!({"weights": [{"criterion_id": competence, "weight": 1}, {"criterion_id": competence, "weight": 2}]}),
    ] {
        let (s, r) = app
            .post("/api/priorities/what-if", &bureau, bad.clone())
            .await;
        assert_eq!(
            (s, r["error"].as_str()),
            (400, Some("invalid_priority")),
            "{bad}: {r}"
        );
    }
    // The committee may ask a what-if too: it is a read.
    let committee = app.login("committee").await;
    let (s, _) = app
        .post("/api/priorities/what-if", &committee, what_if.clone())
        .await;
    assert_eq!(s, 200);
    assert_eq!(stored(&app), before, "a what-if wrote something");
    let (_, again) = app.get_json("/api/priorities", &bureau).await;
    assert_eq!(again["ranking"], all["ranking"]);

    // Saved, the same ranking is the saved one; the ties stay ties.
    let (s, done) = app.post("/api/priorities/save", &bureau, what_if).await;
    assert_eq!(s, 200, "{done}");
    let (_, saved) = app.get_json("/api/priorities", &bureau).await;
    assert_eq!(
        ranks_of(&saved["ranking"], &projects[..3]).await,
        vec![(1, true), (1, true), (3, false)]
    );
    let places = |rows: &Value| -> Vec<(i64, i64, i64, bool)> {
        let mut v: Vec<_> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["project_id"].as_i64().unwrap(),
                    r["rank"].as_i64().unwrap(),
                    r["total"].as_i64().unwrap(),
                    r["tied"].as_bool().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(places(&saved["ranking"]), places(&r["proposed"]));
    // People's scores replace the demo's: no longer illustrative on that criterion.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM priority_scores WHERE criterion_id = {competence} AND illustrative = 1"
        )),
        0
    );
}

#[tokio::test]
async fn every_change_is_logged_and_undoes_in_turn() {
    let app = spawn_app().await;
    let bureau = app.login("bureau").await;
    let office = app.login("office").await;
    let (_, start) = app.get_json("/api/priorities", &bureau).await;
    let start_stored = {
        let s = stored(&app);
        s.split("--\n").take(3).collect::<Vec<_>>().join("--\n")
    };
    let criteria = start["criteria"].as_array().unwrap().clone();
    let competence = criteria[0]["id"].as_i64().unwrap();
    let urgency = criteria[1]["id"].as_i64().unwrap();
    let sessions = criterion_id(&start, "sessions");
    let cost = criterion_id(&start, "cost_share");
    let project = app.count("SELECT id FROM projects ORDER BY number LIMIT 1");
    let audit_before = app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'priorities.%'");

    // 1. The bureau reweighs and renames; 2. changes a rule; 3. sets the yearly means;
    // 4. adds a criterion; 5. removes one with its entered scores; 6. the office enters a score.
    let (s, r) = put(
        &app,
        &format!("/api/priorities/criteria/{urgency}"),
        &bureau,
        json!({"weight": 40, "name_fr": "Urgence"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = put(
        &app,
        &format!("/api/priorities/criteria/{sessions}"),
        &bureau,
        json!({"thresholds": [1, 2, 3, 4]}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = put(
        &app,
        "/api/priorities/settings",
        &bureau,
        json!({"yearly_means": "5000000.00"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (_, p) = app
        .get_json(&format!("/api/priorities/projects/{project}"), &bureau)
        .await;
    let (cost_figure, cost_score) = figure(&p, cost);
    assert!(cost_figure.is_some() && cost_score.is_some(), "{p}");
    let (s, r) = app
        .post(
            "/api/priorities/criteria",
            &bureau,
            json!({"name_ar": "الانسجام مع برنامج التنمية الجهوية", "measure": "entered", "weight": 5}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let (s, r) = app
        .send(
            Method::DELETE,
            &format!("/api/priorities/criteria/{competence}"),
            &bureau,
            None,
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM priority_scores WHERE criterion_id = {competence}"
        )),
        0
    );
    let (s, r) = put(
        &app,
        &format!("/api/priorities/projects/{project}/scores/{urgency}"),
        &office,
        json!({"score": 5, "reason": "انقطاع الطريق كل شتاء"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let last = r["action_id"].as_i64().unwrap();
    let (_, p) = app
        .get_json(&format!("/api/priorities/projects/{project}"), &bureau)
        .await;
    let entered = p["row"]["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["criterion_id"] == urgency)
        .unwrap();
    assert_eq!(entered["score"], 5);
    assert_eq!(entered["trace"]["entered"]["username"], "office");
    assert_eq!(
        entered["trace"]["entered"]["reason"],
        "انقطاع الطريق كل شتاء"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'priorities.%'") - audit_before,
        6
    );

    // Only the latest change undoes; the office may not undo the bureau's.
    let (_, log) = app.get_json("/api/priorities", &bureau).await;
    let ids: Vec<i64> = log["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 6);
    assert_eq!(ids[0], last);
    let (s, r) = app
        .post(
            &format!("/api/priorities/actions/{}/undo", ids[1]),
            &bureau,
            json!(null),
        )
        .await;
    assert_eq!(s, 409, "{r}");
    let (s, _) = app
        .post(
            &format!("/api/priorities/actions/{last}/undo"),
            &office,
            json!(null),
        )
        .await;
    assert_eq!(s, 200, "the office undoes its own score");
    let (s, r) = app
        .post(
            &format!("/api/priorities/actions/{}/undo", ids[1]),
            &office,
            json!(null),
        )
        .await;
    assert_eq!((s, r["error"].as_str()), (403, Some("forbidden")), "{r}");
    for id in &ids[1..] {
        let (s, r) = app
            .post(
                &format!("/api/priorities/actions/{id}/undo"),
                &bureau,
                json!(null),
            )
            .await;
        assert_eq!(s, 200, "undo {id}: {r}");
    }
    let (s, _) = app
        .post(
            &format!("/api/priorities/actions/{}/undo", ids[5]),
            &bureau,
            json!(null),
        )
        .await;
    assert_eq!(s, 409, "undone twice");
    // Everything as it was: criteria (ids too), the demo's scores, settings, the ranking.
    let now = stored(&app);
    assert_eq!(
        now.split("--\n").take(3).collect::<Vec<_>>().join("--\n"),
        start_stored
    );
    let (_, end) = app.get_json("/api/priorities", &bureau).await;
    assert_eq!(end["ranking"], start["ranking"]);
    assert_eq!(end["criteria"], start["criteria"]);
    assert_eq!(end["log"].as_array().unwrap().len(), 12);
}

#[tokio::test]
async fn only_the_bureau_decides_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let bureau = app.login("bureau").await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let (_, all) = app.get_json("/api/priorities", &bureau).await;
    let competence = all["criteria"][0]["id"].as_i64().unwrap();
    let sessions = criterion_id(&all, "sessions");
    let project = app.count("SELECT id FROM projects ORDER BY number LIMIT 1");
    let before = stored(&app);
    let cases: Vec<(Method, String, &String, Value, u16, &str)> = vec![
        (
            Method::PUT,
            format!("/api/priorities/criteria/{competence}"),
            &office,
            json!({"weight": 1}),
            403,
            "forbidden",
        ),
        (
            Method::PUT,
            format!("/api/priorities/criteria/{competence}"),
            &admin,
            json!({"weight": 1}),
            403,
            "forbidden",
        ),
        (
            Method::POST,
            "/api/priorities/approve".into(),
            &admin,
            json!({}),
            403,
            "forbidden",
        ),
        (
            Method::PUT,
            format!("/api/priorities/criteria/{competence}"),
            &bureau,
            json!({"weight": 101}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            format!("/api/priorities/criteria/{competence}"),
            &bureau,
            json!({"name_ar": "  "}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            format!("/api/priorities/criteria/{competence}"),
            &bureau,
            json!({"thresholds": [1, 2, 3, 4]}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            format!("/api/priorities/criteria/{sessions}"),
            &bureau,
            json!({"thresholds": [1, 3, 2, 4]}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            format!("/api/priorities/criteria/{sessions}"),
            &bureau,
            json!({"measure": "people"}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            "/api/priorities/criteria/9999".into(),
            &bureau,
            json!({"weight": 1}),
            404,
            "not_found",
        ),
        (
            Method::POST,
            "/api/priorities/criteria".into(),
            &bureau,
            json!({"name_ar": "x", "measure": "nope"}),
            400,
            "invalid_priority",
        ),
        (
            Method::POST,
            "/api/priorities/criteria".into(),
            &bureau,
            json!({"name_ar": all["criteria"][1]["name_ar"]}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            "/api/priorities/settings".into(),
            &bureau,
            json!({"yearly_means": "0"}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            format!("/api/priorities/projects/{project}/scores/{competence}"),
            &office,
            json!({"score": 6, "reason": "r"}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            format!("/api/priorities/projects/{project}/scores/{competence}"),
            &office,
            json!({"score": 4, "reason": " "}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            format!("/api/priorities/projects/{project}/scores/{sessions}"),
            &office,
            json!({"score": 4, "reason": "r"}),
            400,
            "invalid_priority",
        ),
        (
            Method::PUT,
            format!("/api/priorities/projects/999999/scores/{competence}"),
            &office,
            json!({"score": 4, "reason": "r"}),
            404,
            "not_found",
        ),
        (
            Method::POST,
            "/api/priorities/save".into(),
            &bureau,
            json!({}),
            400,
            "invalid_priority",
        ),
        (
            Method::POST,
            "/api/priorities/save".into(),
            &bureau,
            json!({"scores": [{"project_id": project, "criterion_id": sessions, "score": 5, "reason": "r"}]}),
            400,
            "invalid_priority",
        ),
        (
            Method::POST,
            "/api/priorities/save".into(),
            &bureau,
            json!({"scores": [{"project_id": project, "criterion_id": competence, "score": 1}]}),
            400,
            "invalid_priority",
        ),
        (
            Method::POST,
            "/api/priorities/actions/999999/undo".into(),
            &bureau,
            json!(null),
            404,
            "not_found",
        ),
    ];
    for (method, path, token, body, status, code) in cases {
        let (s, r) = app
            .send(method.clone(), &path, token, Some(body.clone()))
            .await;
        assert_eq!(
            (s, r["error"].as_str()),
            (status, Some(code)),
            "{method} {path} {body}: {r}"
        );
        assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(stored(&app), before, "a refused request changed something");

    // The bureau approves: who and when; a change makes the approval stale.
    let (s, a) = app
        .post(
            "/api/priorities/approve",
            &bureau,
            json!({"note": "دورة فبراير"}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["username"], "bureau");
    assert_eq!(a["current"], true);
    assert_eq!(a["ranking"].as_array().unwrap().len(), 43);
    let (s, r) = put(
        &app,
        &format!("/api/priorities/criteria/{competence}"),
        &bureau,
        json!({"weight": 90}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (_, all) = app.get_json("/api/priorities", &office).await;
    assert_eq!(all["approval"]["current"], false);
    assert_eq!(all["approval"]["note"], "دورة فبراير");

    // The administrator makes a committee member part of the bureau; the server checks roles.
    let (_, users) = app.get_json("/api/admin/users", &admin).await;
    let committee = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "committee")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/admin/users/{committee}");
    let (s, r) = app
        .send(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"role": "council"})),
        )
        .await;
    assert_eq!(s, 400, "{r}");
    let (s, r) = app
        .send(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"role": "bureau"})),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let token = app.login("committee").await;
    let (s, me) = app.get_json("/api/me", &token).await;
    assert_eq!((s, me["role"].as_str()), (200, Some("bureau")));
    let (s, r) = put(
        &app,
        &format!("/api/priorities/criteria/{competence}"),
        &token,
        json!({"weight": 20}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
}

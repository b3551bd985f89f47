//! The council's bodies and their opinions through the HTTP API on the demo commune: only a
//! body's members write its opinions (another committee's member, the IEECAG's member on a
//! committee and the administrator are refused, and nothing changes); the administrator sets
//! up bodies and members; bad input is named and changes nothing; writing again replaces (the
//! before audited); the office answers reservations; a frozen version refuses; a body's report
//! gathers its opinions in programme order with the answers.
//!
//! The demo's version 1 is voted and has the visa (`executable`): its illustrative opinions
//! and answers are read on it, and whatever is written goes on an `update` draft (version 2)
//! the secretariat opens through the API, as it would.

use reqwest::Method;
use serde_json::{Value, json};
use tachkhis_shared::api::Role;

use crate::helpers::{TestApp, spawn_app};

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.send(Method::PUT, path, token, Some(body)).await
}

/// The demo's bodies: the three standing committees then the IEECAG.
const BUDGET: i64 = 1;
const SERVICES: i64 = 2;
const IEECAG: i64 = 4;

/// Everything the bodies' and opinions' tables hold and the audit log's size, as text: what a
/// refused request must leave exactly as it was.
fn stored(app: &TestApp) -> String {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT id, kind, name_ar, name_fr, position, retired FROM bodies ORDER BY id",
        "SELECT body_id, user_id, is_chair FROM body_members ORDER BY 1, 2",
        "SELECT id, version_id, body_id, project_id, verdict, text, date, attachment_id, written_by, written_at FROM opinions ORDER BY id",
        "SELECT opinion_id, outcome, text, answered_by, answered_at FROM reservation_answers ORDER BY 1",
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

/// A user added straight to the database (an administrator would add them on the people
/// screen; their one-time password would then stand in the way of this test's login).
fn add_user(app: &TestApp, username: &str, role: Role) -> i64 {
    let mut conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let tx = conn.transaction().unwrap();
    let id =
        tachkhis_server::users::auth::create_user(&tx, username, "tachkhis-demo", role).unwrap();
    tx.commit().unwrap();
    id
}

fn sql(app: &TestApp, statement: &str) {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    conn.execute(statement, []).unwrap();
}

fn project_id(app: &TestApp, number: i64) -> i64 {
    app.count(&format!("SELECT id FROM projects WHERE number = {number}"))
}

fn user_id(app: &TestApp, username: &str) -> i64 {
    app.count(&format!(
        "SELECT id FROM users WHERE username = '{username}'"
    ))
}

fn opinion(verdict: &str, text: &str) -> Value {
    json!({"verdict": verdict, "text": text, "date": "2023-01-11"})
}

/// Opens an `update` draft as the secretariat does (`POST /api/versions`): version 2, on the
/// demo whose version 1 is executable. Opinions and answers are given on it.
async fn open_draft(app: &TestApp) -> Value {
    let secretariat = app.login("secretariat").await;
    let (status, v) = app
        .post(
            "/api/versions",
            &secretariat,
            json!({"reason": "تحيين البرنامج في سنته الثالثة"}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        (v["number"].as_i64(), v["status"].as_str()),
        (Some(2), Some("draft")),
        "{v}"
    );
    v
}

#[tokio::test]
async fn only_a_bodys_members_write_its_opinions() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let committee = app.login("committee").await;
    let ieecag = app.login("ieecag").await;
    // A member of the second committee.
    let other_id = add_user(&app, "services-member", Role::Committee);
    let (status, body) = put(
        &app,
        &format!("/api/bodies/{SERVICES}/members"),
        &admin,
        json!({"members": [{"user_id": other_id, "chair": true}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let other = app.login("services-member").await;
    let road = project_id(&app, 3);
    // A draft open: the refusals are for who writes, not for the version.
    open_draft(&app).await;

    let before = stored(&app);
    let programme = |body: i64| format!("/api/bodies/{body}/opinions/programme");
    let on_road = |body: i64| format!("/api/bodies/{body}/opinions/projects/{road}");
    let refusals = [
        // Another committee's member, on the budget committee.
        (&other, programme(BUDGET), "services-member"),
        (&other, on_road(BUDGET), "services-member"),
        // The budget committee's member, on another committee and on the IEECAG.
        (&committee, programme(SERVICES), "committee"),
        (&committee, on_road(IEECAG), "committee"),
        // The IEECAG's member on a committee.
        (&ieecag, programme(BUDGET), "ieecag"),
        (&ieecag, on_road(SERVICES), "ieecag"),
    ];
    for (token, path, who) in &refusals {
        let (status, body) = put(&app, path, token, opinion("reservations", "تحفظ")).await;
        assert_eq!(status, 403, "{who} on {path}: {body}");
        assert_eq!(body["error"], "forbidden");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("only the members of") && message.contains(who),
            "{message}"
        );
    }
    // The administrator is no member, and the table refuses the role before any membership.
    let (status, body) = put(&app, &programme(BUDGET), &admin, opinion("favourable", "")).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("admin role may not"),
        "{body}"
    );
    // Nor may the office or the secretariat.
    for role in ["office", "secretariat", "bureau"] {
        let token = app.login(role).await;
        let (status, _) = put(&app, &on_road(IEECAG), &token, opinion("favourable", "")).await;
        assert_eq!(status, 403, "{role}");
    }
    assert_eq!(stored(&app), before, "a refused write changed something");

    // Each member writes its own body's opinions.
    let (status, mine) = put(
        &app,
        &on_road(SERVICES),
        &other,
        opinion("unfavourable", "الكلفة مرتفعة"),
    )
    .await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["body_id"], SERVICES);
    assert_eq!(mine["project_id"], road);
    assert_eq!(mine["project_number"], 3);
    assert_eq!(mine["written_by"], "services-member");
    assert_eq!(mine["illustrative"], false);
    let (status, body) = put(&app, &programme(IEECAG), &ieecag, opinion("favourable", "")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = put(
        &app,
        &on_road(BUDGET),
        &committee,
        opinion("favourable", ""),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // A member removed from the body writes no more (the membership is read in the write).
    let (status, _) = put(
        &app,
        &format!("/api/bodies/{SERVICES}/members"),
        &admin,
        json!({"members": []}),
    )
    .await;
    assert_eq!(status, 200);
    let before = stored(&app);
    let (status, body) = put(&app, &on_road(SERVICES), &other, opinion("favourable", "")).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(stored(&app), before);
    // A body that does not exist.
    let (status, _) = put(&app, &programme(999), &committee, opinion("favourable", "")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_administrator_sets_up_bodies_and_members() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (status, bodies) = app.get_json("/api/bodies", &admin).await;
    assert_eq!(status, 200);
    let bodies = bodies.as_array().unwrap();
    assert_eq!(bodies.len(), 4, "{bodies:?}");
    let kinds: Vec<&str> = bodies.iter().map(|b| b["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["committee", "committee", "committee", "ieecag"]);
    assert_eq!(bodies[0]["members"][0]["username"], "committee");
    assert_eq!(bodies[0]["members"][0]["chair"], true);
    assert_eq!(bodies[3]["members"][0]["username"], "ieecag");

    let (status, candidates) = app.get_json("/api/bodies/candidates", &admin).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = candidates
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["committee", "ieecag"]);

    // Bad set-ups, each named, none changing anything.
    let before = stored(&app);
    let ieecag_id = user_id(&app, "ieecag");
    let committee_id = user_id(&app, "committee");
    let office_id = user_id(&app, "office");
    let cases: Vec<(Method, String, Value, u16, &str)> = vec![
        (
            Method::POST,
            "/api/bodies".into(),
            json!({"kind": "committee", "name_ar": "  "}),
            400,
            "name_ar is required",
        ),
        (
            Method::POST,
            "/api/bodies".into(),
            json!({"kind": "club", "name_ar": "نادي"}),
            400,
            "not a body kind",
        ),
        (
            Method::POST,
            "/api/bodies".into(),
            json!({"kind": "committee", "name_ar": "ل".repeat(201)}),
            400,
            "longer than 200",
        ),
        (
            Method::POST,
            "/api/bodies".into(),
            json!({"kind": "ieecag", "name_ar": "هيئة ثانية"}),
            409,
            "at most one",
        ),
        // The same name as the first committee, spelled with another alef.
        (
            Method::POST,
            "/api/bodies".into(),
            json!({"kind": "committee", "name_ar": "لجنة الميزانية والشؤون المالية والبرمجه"}),
            409,
            "already called",
        ),
        (
            Method::PUT,
            format!("/api/bodies/{BUDGET}/members"),
            json!({"members": [{"user_id": ieecag_id}]}),
            400,
            "must have the role committee",
        ),
        (
            Method::PUT,
            format!("/api/bodies/{IEECAG}/members"),
            json!({"members": [{"user_id": committee_id}]}),
            400,
            "must have the role ieecag",
        ),
        (
            Method::PUT,
            format!("/api/bodies/{BUDGET}/members"),
            json!({"members": [{"user_id": office_id}]}),
            400,
            "has the role office",
        ),
        (
            Method::PUT,
            format!("/api/bodies/{BUDGET}/members"),
            json!({"members": [{"user_id": 999}]}),
            400,
            "no user 999",
        ),
        (
            Method::PUT,
            format!("/api/bodies/{BUDGET}/members"),
            json!({"members": [{"user_id": committee_id}, {"user_id": committee_id}]}),
            400,
            "twice",
        ),
        (
            Method::PATCH,
            format!("/api/bodies/{BUDGET}"),
            json!({"name_ar": ""}),
            400,
            "name_ar is required",
        ),
        (
            Method::PATCH,
            format!("/api/bodies/{BUDGET}"),
            json!({}),
            409,
            "nothing to change",
        ),
        (
            Method::PATCH,
            "/api/bodies/999".into(),
            json!({"name_ar": "x"}),
            404,
            "no body",
        ),
    ];
    for (method, path, body, want, says) in cases {
        let (status, answer) = app
            .send(method.clone(), &path, &admin, Some(body.clone()))
            .await;
        assert_eq!(status, want, "{method} {path} {body}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap_or_default()
                .contains(says),
            "{method} {path} {body}: {answer}"
        );
        if status == 400 {
            assert_eq!(answer["error"], "invalid_council_body");
        }
    }
    assert_eq!(stored(&app), before);

    // Two chairs: named, with every other problem.
    let second = add_user(&app, "second-member", Role::Committee);
    let before = stored(&app);
    let (status, answer) = put(
        &app,
        &format!("/api/bodies/{BUDGET}/members"),
        &admin,
        json!({"members": [{"user_id": committee_id, "chair": true}, {"user_id": second, "chair": true}, {"user_id": 998}]}),
    )
    .await;
    assert_eq!(status, 400);
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.contains("at most one chair") && message.contains("no user 998"),
        "{message}"
    );
    assert_eq!(stored(&app), before);

    // A new committee, its members, a rename; each audited with what it changed from.
    let (status, created) = app
        .post(
            "/api/bodies",
            &admin,
            json!({"kind": "committee", "name_ar": "لجنة الشؤون الثقافية", "name_fr": "Commission culturelle"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["position"], 5);
    let (status, set) = put(
        &app,
        &format!("/api/bodies/{id}/members"),
        &admin,
        json!({"members": [{"user_id": second, "chair": true}, {"user_id": committee_id}]}),
    )
    .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["members"][0]["username"], "second-member");
    assert_eq!(set["members"][0]["chair"], true);
    assert_eq!(set["members"][1]["chair"], false);
    let (status, renamed) = app
        .send(
            Method::PATCH,
            &format!("/api/bodies/{id}"),
            &admin,
            Some(json!({"name_ar": "لجنة الشؤون الثقافية والرياضية"})),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name_fr"], "Commission culturelle");
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let audit: Vec<(String, String)> = conn
        .prepare("SELECT action, detail FROM audit_log WHERE target = ?1 ORDER BY id")
        .unwrap()
        .query_map([format!("body:{id}")], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(actions, ["body.create", "body.members", "body.update"]);
    let members: Value = serde_json::from_str(&audit[1].1).unwrap();
    assert_eq!(members["before"], json!([]));
    assert_eq!(members["after"][0]["user_id"], second);
    let update: Value = serde_json::from_str(&audit[2].1).unwrap();
    assert_eq!(update["before"]["name_ar"], "لجنة الشؤون الثقافية");

    // A retired body keeps its members and opinions, and gets no new opinion.
    let (status, _) = app
        .send(
            Method::PATCH,
            &format!("/api/bodies/{id}"),
            &admin,
            Some(json!({"retired": true})),
        )
        .await;
    assert_eq!(status, 200);
    let member = app.login("second-member").await;
    // On a draft, so that the refusal is the body's retirement (with no draft, the frozen
    // version 1 is what refuses first).
    open_draft(&app).await;
    let before = stored(&app);
    let (status, answer) = put(
        &app,
        &format!("/api/bodies/{id}/opinions/programme"),
        &member,
        opinion("favourable", ""),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("retired"),
        "{answer}"
    );
    assert_eq!(stored(&app), before);
}

#[tokio::test]
async fn bad_opinions_are_named_and_change_nothing() {
    let app = spawn_app().await;
    let committee = app.login("committee").await;
    open_draft(&app).await;
    let path = format!(
        "/api/bodies/{BUDGET}/opinions/projects/{}",
        project_id(&app, 22)
    );
    let before = stored(&app);
    let long = "ت".repeat(8001);
    let cases = [
        (
            json!({"verdict": "maybe", "text": "x", "date": "2023-01-11"}),
            "verdict 'maybe'",
        ),
        (
            json!({"verdict": "favourable", "date": "2023-02-30"}),
            "'2023-02-30' is not a date",
        ),
        (
            json!({"verdict": "favourable", "date": "11/01/2023"}),
            "is not a date",
        ),
        (
            json!({"verdict": "reservations", "text": "   ", "date": "2023-01-11"}),
            "text is required",
        ),
        (
            json!({"verdict": "unfavourable", "date": "2023-01-11"}),
            "text is required",
        ),
        (
            json!({"verdict": "favourable", "text": long, "date": "2023-01-11"}),
            "longer than 8000",
        ),
        (
            json!({"verdict": "favourable", "text": "a\u{0}b", "date": "2023-01-11"}),
            "control character",
        ),
        (
            json!({"verdict": "favourable", "date": "2023-01-11", "attachment_id": 4242}),
            "attachment 4242 does not exist",
        ),
    ];
    for (body, says) in cases {
        let (status, answer) = put(&app, &path, &committee, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"], "invalid_opinion", "{answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(says),
            "{body}: {answer}"
        );
    }
    // Several problems at once: each named.
    let (status, answer) = put(
        &app,
        &path,
        &committee,
        json!({"verdict": "reservations", "date": "2023-13-01"}),
    )
    .await;
    assert_eq!(status, 400);
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.contains("not a date") && message.contains("text is required"),
        "{message}"
    );
    // Not JSON of the right shape.
    let (status, answer) = put(&app, &path, &committee, json!({"verdict": "favourable"})).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"], "bad_json");
    // A project that does not exist.
    let (status, _) = put(
        &app,
        &format!("/api/bodies/{BUDGET}/opinions/projects/999999"),
        &committee,
        opinion("favourable", ""),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(stored(&app), before);

    // With a signed document that exists, it is kept.
    sql(
        &app,
        "INSERT INTO attachments (id, sha256, content_type, file_name, size, bytes, uploaded_at)
         VALUES (77, 'abc', 'application/pdf', 'avis.pdf', 4, x'25504446', 0)",
    );
    let (status, answer) = put(
        &app,
        &path,
        &committee,
        json!({"verdict": "favourable", "date": "2023-01-11", "attachment_id": 77}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["attachment_id"], 77);
}

#[tokio::test]
async fn writing_again_replaces_and_the_office_answers() {
    let app = spawn_app().await;
    let committee = app.login("committee").await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    // The demo's reservations, on version 1, are all answered.
    let (status, demo) = app.get_json("/api/opinions?version=1", &office).await;
    assert_eq!(status, 200, "{demo}");
    assert_eq!(demo["version"]["status"], "executable");
    assert_eq!(demo["awaiting_answer"], 0, "{}", demo["awaiting_answer"]);
    open_draft(&app).await;
    // The budget committee's favourable opinion on the draft's programme.
    let (status, favourable) = put(
        &app,
        &format!("/api/bodies/{BUDGET}/opinions/programme"),
        &committee,
        opinion("favourable", ""),
    )
    .await;
    assert_eq!(status, 200, "{favourable}");
    let favourable = favourable["id"].as_i64().unwrap();
    let it = project_id(&app, 22);
    let path = format!("/api/bodies/{BUDGET}/opinions/projects/{it}");
    let (status, first) = put(
        &app,
        &path,
        &committee,
        opinion("reservations", "الكلفة غير مبررة"),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let id = first["id"].as_i64().unwrap();
    assert!(first["answer"].is_null());

    let (status, all) = app.get_json("/api/opinions", &office).await;
    assert_eq!(status, 200);
    // The draft's, by default: this is the one waiting.
    assert_eq!(all["awaiting_answer"], 1, "{}", all["awaiting_answer"]);
    assert_eq!(all["version"]["number"], 2);
    assert_eq!(all["version"]["status"], "draft");
    assert_eq!(all["projects"].as_array().unwrap().len(), 43);

    // Bad answers: named, nothing changed.
    let before = stored(&app);
    for (body, want, says) in [
        (
            json!({"outcome": "maybe", "text": "x"}),
            400,
            "outcome 'maybe'",
        ),
        (
            json!({"outcome": "kept", "text": "  "}),
            400,
            "text is required",
        ),
        (
            json!({"outcome": "kept", "text": "ن".repeat(8001)}),
            400,
            "longer than 8000",
        ),
    ] {
        let (status, answer) = put(
            &app,
            &format!("/api/opinions/{id}/answer"),
            &office,
            body.clone(),
        )
        .await;
        assert_eq!(status, want, "{body}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(says),
            "{answer}"
        );
    }
    // A favourable opinion has nothing to answer.
    let (status, answer) = put(
        &app,
        &format!("/api/opinions/{favourable}/answer"),
        &office,
        json!({"outcome": "kept", "text": "x"}),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("only reservations and unfavourable opinions are answered"),
        "{answer}"
    );
    let (status, _) = put(
        &app,
        "/api/opinions/999999/answer",
        &office,
        json!({"outcome": "kept", "text": "x"}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(stored(&app), before);

    // The office answers; the administrator may too (and replaces it).
    let (status, answered) = put(
        &app,
        &format!("/api/opinions/{id}/answer"),
        &office,
        json!({"outcome": "changed", "text": "خفضت الكلفة بعد مراجعة العروض"}),
    )
    .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["answer"]["outcome"], "changed");
    assert_eq!(answered["answer"]["answered_by"], "office");
    let (status, answered) = put(
        &app,
        &format!("/api/opinions/{id}/answer"),
        &admin,
        json!({"outcome": "kept", "text": "الكلفة مطابقة لعروض الأثمان"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answered["answer"]["answered_by"], "admin");
    let (_, all) = app.get_json("/api/opinions", &office).await;
    assert_eq!(all["awaiting_answer"], 0);

    // Writing the same again records nothing; a new text replaces the opinion (same id), and
    // the answer, no longer to it, goes: the audit keeps both as they were.
    let audits = app.count("SELECT count(*) FROM audit_log");
    let (status, same) = put(
        &app,
        &path,
        &committee,
        opinion("reservations", "الكلفة غير مبررة"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(same["answer"]["outcome"], "kept");
    assert_eq!(app.count("SELECT count(*) FROM audit_log"), audits);
    let (status, again) = put(
        &app,
        &path,
        &committee,
        opinion("reservations", "الكلفة مرتفعة والمواصفات غير محددة"),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], id);
    assert!(again["answer"].is_null());
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM opinions WHERE body_id = {BUDGET} AND project_id = {it}"
        )),
        1
    );
    let detail: String = rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'opinion.write' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["before"]["text"], "الكلفة غير مبررة");
    assert_eq!(detail["before"]["answer"]["outcome"], "kept");
    assert_eq!(
        detail["after"]["text"],
        "الكلفة مرتفعة والمواصفات غير محددة"
    );
    let answers: Vec<String> = rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .prepare("SELECT action FROM audit_log WHERE target = ?1 ORDER BY id")
        .unwrap()
        .query_map([format!("opinion:{id}")], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        answers,
        [
            "opinion.write",
            "opinion.answer",
            "opinion.answer",
            "opinion.write"
        ]
    );
}

#[tokio::test]
async fn a_frozen_version_refuses_opinions_and_answers() {
    let app = spawn_app().await;
    let committee = app.login("committee").await;
    let office = app.login("office").await;
    let reservation = app.count("SELECT min(id) FROM opinions WHERE verdict = 'reservations'");
    // The demo's version 1 was voted (which froze it) and given the visa; no draft is open.
    let (status, versions) = app.get_json("/api/versions", &office).await;
    assert_eq!(status, 200, "{versions}");
    let statuses: Vec<(i64, &str)> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["number"].as_i64().unwrap(), v["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [(1, "executable")]);
    let before = stored(&app);
    for path in [
        format!("/api/bodies/{BUDGET}/opinions/programme"),
        format!(
            "/api/bodies/{BUDGET}/opinions/projects/{}",
            project_id(&app, 4)
        ),
    ] {
        let (status, answer) = put(&app, &path, &committee, opinion("favourable", "")).await;
        assert_eq!(status, 409, "{path}: {answer}");
        assert_eq!(answer["error"], "version_frozen");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains("version 1 of the PAC is executable"),
            "{answer}"
        );
    }
    let (status, answer) = put(
        &app,
        &format!("/api/opinions/{reservation}/answer"),
        &office,
        json!({"outcome": "kept", "text": "x"}),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"], "version_frozen");
    assert_eq!(stored(&app), before);
    // Still read, as the latest version and by its number.
    let (status, all) = app.get_json("/api/opinions", &committee).await;
    assert_eq!(status, 200);
    assert_eq!(all["version"]["number"], 1);
    assert_eq!(all["version"]["status"], "executable");
    let (status, one) = app.get_json("/api/opinions?version=1", &committee).await;
    assert_eq!(status, 200);
    assert_eq!(one, all);
    let (status, _) = app.get_json("/api/opinions?version=9", &committee).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json("/api/opinions?version=x", &committee).await;
    assert_eq!(status, 400);

    // A new draft (the secretariat opens one) takes opinions again, apart from version 1's,
    // whose opinions stay frozen with it.
    open_draft(&app).await;
    let before = stored(&app);
    let (status, answer) = put(
        &app,
        &format!("/api/opinions/{reservation}/answer"),
        &office,
        json!({"outcome": "kept", "text": "x"}),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"], "version_frozen");
    assert_eq!(stored(&app), before);
    let (status, _) = put(
        &app,
        &format!("/api/bodies/{BUDGET}/opinions/programme"),
        &committee,
        opinion("favourable", ""),
    )
    .await;
    assert_eq!(status, 200);
    let (_, draft) = app.get_json("/api/opinions", &committee).await;
    assert_eq!(draft["version"]["number"], 2);
    assert_eq!(draft["illustrative"], false);
    let budget = &draft["bodies"][0];
    assert_eq!(budget["programme"]["verdict"], "favourable");
    assert_eq!(budget["projects"], json!([]));
    let (_, first) = app.get_json("/api/opinions?version=1", &committee).await;
    assert_eq!(first["illustrative"], true);
}

#[tokio::test]
async fn a_bodys_report_follows_the_programme_order_with_the_answers() {
    let app = spawn_app().await;
    let ieecag = app.login("ieecag").await;
    let bureau = app.login("bureau").await;
    let office = app.login("office").await;
    // The demo's opinions and answers, on its version 1 (voted, given the visa).
    let (status, report) = app
        .get_json(&format!("/api/bodies/{BUDGET}/report?version=1"), &bureau)
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["version"]["number"], 1);
    assert_eq!(report["version"]["status"], "executable");
    assert_eq!(report["illustrative"], true);
    let o = &report["opinions"];
    assert_eq!(
        o["body"]["name_ar"],
        "لجنة الميزانية والشؤون المالية والبرمجة"
    );
    assert_eq!(o["programme"]["verdict"], "favourable");
    let numbers = |r: &Value| -> Vec<i64> {
        r["opinions"]["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["project_number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers(&report), [3, 4]);
    assert_eq!(
        (
            report["favourable"].as_i64(),
            report["reservations"].as_i64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(report["answered"], 2);
    assert_eq!(o["projects"][1]["answer"]["outcome"], "changed");
    assert!(
        !o["projects"][1]["answer"]["text"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    // The IEECAG's on version 1: 24 (women and youth) then 37 (schooling).
    let (_, report) = app
        .get_json(&format!("/api/bodies/{IEECAG}/report?version=1"), &ieecag)
        .await;
    assert_eq!(report["version"]["status"], "executable");
    assert_eq!(numbers(&report), [24, 37]);
    assert_eq!(report["answered"], 1);

    // On a new draft the IEECAG gives them again (written in the other order), and the office
    // answers the reservation; the draft's report is the default.
    open_draft(&app).await;
    let on = |number: i64| {
        format!(
            "/api/bodies/{IEECAG}/opinions/projects/{}",
            project_id(&app, number)
        )
    };
    let (status, body) = put(&app, &on(37), &ieecag, opinion("favourable", "")).await;
    assert_eq!(status, 200, "{body}");
    let (status, reserved) = put(
        &app,
        &on(24),
        &ieecag,
        opinion("reservations", "فضاءات خاصة بالنساء والفتيات"),
    )
    .await;
    assert_eq!(status, 200, "{reserved}");
    let (status, body) = put(
        &app,
        &format!("/api/opinions/{}/answer", reserved["id"]),
        &office,
        json!({"outcome": "changed", "text": "أدرجت قاعة متعددة الاختصاصات"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // 24 then 37 while their programmes are in that order; the programme order, not the
    // numbers, decides.
    let path = format!("/api/bodies/{IEECAG}/report");
    let (_, report) = app.get_json(&path, &ieecag).await;
    assert_eq!(report["version"]["number"], 2);
    assert_eq!(report["illustrative"], false);
    assert_eq!(numbers(&report), [24, 37]);
    sql(
        &app,
        "UPDATE programmes SET position = -1 WHERE id = (SELECT programme_id FROM projects WHERE number = 37)",
    );
    let (_, report) = app.get_json(&path, &ieecag).await;
    assert_eq!(numbers(&report), [37, 24]);

    // An opinion on a project of the first axis comes before the second axis's.
    let (status, mine) = put(
        &app,
        &format!(
            "/api/bodies/{IEECAG}/opinions/projects/{}",
            project_id(&app, 14)
        ),
        &ieecag,
        opinion("reservations", "يجب إشراك جمعيات النساء في تتبع المشروع"),
    )
    .await;
    assert_eq!(status, 200, "{mine}");
    let (_, report) = app.get_json(&path, &ieecag).await;
    assert_eq!(numbers(&report), [14, 37, 24]);
    assert_eq!(report["reservations"], 2);
    assert_eq!(report["answered"], 1);
    // The third committee gave its programme opinion only (on version 1); a body that does not
    // exist: 404.
    let (status, report) = app
        .get_json("/api/bodies/3/report?version=1", &bureau)
        .await;
    assert_eq!(status, 200);
    assert!(report["opinions"]["programme"].is_object());
    assert_eq!(report["opinions"]["projects"], json!([]));
    let (status, _) = app.get_json("/api/bodies/99/report", &bureau).await;
    assert_eq!(status, 404);
}

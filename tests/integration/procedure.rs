//! The PAC's procedure (issue 14, proc): the demo's dated steps on version 1; the 30-day rule
//! at 31, 30 and 29 days (a late dispatch is recorded, with its reason or as "reason
//! missing", never refused); the session's month; the visa's deadline; a refused visa and a
//! request to deliberate again, each opening a draft; the vote's checks; versions frozen,
//! updated and compared per project after the office changes an amount, removes and adds a
//! project; signed documents (type by magic bytes, too big, unknown id, the same file twice).
//! Dates are counted from the server's today, as the rules are.

use reqwest::Method;
use serde_json::{Value, json};
use tachkhis_shared::api::procedure::{MAX_ATTACHMENT_BYTES, add_days, date_of_day};

use crate::helpers::{TestApp, spawn_app};

fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    secs.div_euclid(86_400)
}

/// Today plus `days`, as `YYYY-MM-DD`.
fn day(days: i64) -> String {
    date_of_day(today() + days)
}

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.send(Method::PUT, path, token, Some(body)).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    app.send(Method::DELETE, path, token, None).await
}

async fn upload(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(&format!("/api/attachments?name={name}")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Opens an update draft (version 2 on the demo, whose version 1 is executable).
async fn open_draft(app: &TestApp, token: &str) -> Value {
    let (status, v) = app
        .post(
            "/api/versions",
            token,
            json!({"reason": "تحيين السنة الثالثة"}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    v
}

fn rules_of<'a>(view: &'a Value, rule: &str) -> Vec<&'a Value> {
    view["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == rule)
        .collect()
}

fn vote(date: &str) -> Value {
    json!({
        "date": date, "session_kind": "extraordinary", "members_total": 23,
        "members_present": 19, "votes_for": 15, "votes_against": 2, "abstentions": 2,
        "result": "adopted", "reference": "مقرر 07/2026"
    })
}

#[tokio::test]
async fn the_demo_has_version_one_voted_frozen_and_executable() {
    let app = spawn_app().await;
    let sec = app.login("secretariat").await;
    let (status, view) = app.get_json("/api/procedure", &sec).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["version"]["number"], 1);
    assert_eq!(view["version"]["status"], "executable");
    assert_eq!(view["version"]["frozen"], true);
    assert_eq!(
        view["versions"].as_array().unwrap().len(),
        1,
        "no draft after it"
    );
    let kinds: Vec<&str> = view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "launch_meeting",
            "diagnosis",
            "ranking",
            "bureau_approval",
            "sent_to_bodies",
            "vote",
            "sent_to_governor",
            "visa"
        ]
    );
    let steps = view["steps"].as_array().unwrap();
    assert_eq!(steps[0]["date"], "2022-06-21");
    assert_eq!(steps[5]["date"], "2023-02-07");
    assert_eq!(steps[5]["vote"]["session_kind"], "ordinary");
    assert_eq!(steps[5]["vote"]["result"], "adopted");
    assert_eq!(steps[5]["illustrative"], true, "the counts are made up");
    assert_eq!(steps[7]["date"], "2023-07-11");
    // The dispatch of 05/12/2022 is 64 days before the session: no dispatch item. February is
    // an ordinary month. The made-up date sent to the governor (23/06/2023) puts the seed's
    // visa (11/07/2023) within the 20 days: nothing is late.
    assert!(
        rules_of(&view, "dispatch_before_session").is_empty(),
        "{view}"
    );
    assert!(rules_of(&view, "session_month").is_empty(), "{view}");
    assert!(rules_of(&view, "visa_deadline").is_empty(), "{view}");
    // The snapshot holds the seed's 43 projects, and nothing changed since.
    assert_eq!(view["live_differs"], false);
    let (status, cmp) = app.get_json("/api/versions/1/compare", &sec).await;
    assert_eq!(status, 200, "{cmp}");
    assert_eq!(cmp["totals_from"]["projects"], 43);
    assert_eq!(cmp["totals_from"], cmp["totals_to"]);
    assert!(cmp["changed"].as_array().unwrap().is_empty(), "{cmp}");
    assert_eq!(
        app.count("SELECT count(*) FROM pac_versions WHERE document IS NULL"),
        0,
        "the vote stored the document as voted"
    );
}

#[tokio::test]
async fn the_thirty_day_rule_warns_and_records_a_late_dispatch_with_its_reason() {
    let app = spawn_app().await;
    let sec = app.login("secretariat").await;
    open_draft(&app, &sec).await;
    // A session planned in 60 days (extraordinary, so the month does not matter here).
    let session = day(60);
    let (status, done) = app
        .post(
            "/api/procedure/steps",
            &sec,
            json!({"kind": "council_session", "date": session, "session_kind": "extraordinary"}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["version"]["number"], 2);
    let ahead = rules_of(&done, "dispatch_before_session");
    assert_eq!(ahead.len(), 1, "{done}");
    assert_eq!(ahead[0]["status"], "upcoming", "send by D");
    assert_eq!(ahead[0]["due"], json!(add_days(&session, -30)));

    let steps_before = app.count("SELECT count(*) FROM procedure_steps");
    // 31 and 30 days before: on time.
    for before in [31, 30] {
        let (status, done) = app
            .post(
                "/api/procedure/steps",
                &sec,
                json!({"kind": "sent_to_bodies", "date": day(60 - before), "reference": "إرسالية 12"}),
            )
            .await;
        assert_eq!(status, 201, "{done}");
        assert!(
            rules_of(&done, "dispatch_before_session").is_empty(),
            "{before} days: {done}"
        );
        let id = done["step"]["id"].as_i64().unwrap();
        let (status, _) = delete(&app, &format!("/api/procedure/steps/{id}"), &sec).await;
        assert_eq!(status, 200);
    }
    // 29 days before: recorded, not refused, shown as late with its reason missing.
    let (status, done) = app
        .post(
            "/api/procedure/steps",
            &sec,
            json!({"kind": "sent_to_bodies", "date": day(31), "reference": "إرسالية 13"}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    let late = rules_of(&done, "dispatch_before_session");
    assert_eq!(late.len(), 1, "{done}");
    assert_eq!(late[0]["status"], "reason_missing");
    assert_eq!(late[0]["step_id"], done["step"]["id"]);
    assert_eq!(late[0]["days"], 1, "one day late");
    // The reason is recorded on the step.
    let id = done["step"]["id"].as_i64().unwrap();
    let mut body = json!({"kind": "sent_to_bodies", "date": day(31), "reference": "إرسالية 13"});
    body["late_reason"] = json!("تأخر إعداد الوثيقة بسبب تحيين المعطيات");
    let (status, done) = put(&app, &format!("/api/procedure/steps/{id}"), &sec, body).await;
    assert_eq!(status, 200, "{done}");
    let late = rules_of(&done, "dispatch_before_session");
    assert_eq!(late[0]["status"], "late");
    assert_eq!(
        late[0]["late_reason"],
        "تأخر إعداد الوثيقة بسبب تحيين المعطيات"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM procedure_steps"),
        steps_before + 1
    );
    // The same list on the screen's read.
    let (_, view) = app.get_json("/api/procedure", &sec).await;
    assert_eq!(
        rules_of(&view, "dispatch_before_session")[0]["status"],
        "late"
    );
    // The session votes five days after it opens: still counted from its opening (34 days
    // before the vote, 29 before the session: late).
    let (status, voted) = app.post("/api/procedure/vote", &sec, vote(&day(65))).await;
    assert_eq!(status, 201, "{voted}");
    let (_, view) = app.get_json("/api/procedure?version=2", &sec).await;
    let late = rules_of(&view, "dispatch_before_session");
    assert_eq!(late.len(), 1, "{view}");
    assert_eq!(late[0]["days"], 1, "{view}");
    // Each write audited.
    assert!(app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'procedure_step_%'") >= 6);
}

#[tokio::test]
async fn a_session_near_with_nothing_sent_is_overdue_and_the_month_is_checked() {
    let app = spawn_app().await;
    let sec = app.login("secretariat").await;
    open_draft(&app, &sec).await;
    // An ordinary session in 10 days: the dispatch was due 20 days ago.
    let session = day(10);
    let (status, done) = app
        .post(
            "/api/procedure/steps",
            &sec,
            json!({"kind": "council_session", "date": session}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    let due = rules_of(&done, "dispatch_before_session");
    assert_eq!(due[0]["status"], "overdue", "{done}");
    assert_eq!(due[0]["days"], 20);
    let month: u32 = session[5..7].parse().unwrap();
    let month_items = rules_of(&done, "session_month");
    assert_eq!(
        month_items.len(),
        usize::from(![2, 5, 10].contains(&month)),
        "{done}"
    );
    // An ordinary session in March always warns; extraordinary never.
    let (_, done) = app
        .post(
            "/api/procedure/steps",
            &sec,
            json!({"kind": "council_session", "date": "2031-03-03", "session_kind": "ordinary"}),
        )
        .await;
    assert!(
        rules_of(&done, "session_month")
            .iter()
            .any(|r| r["step_id"] == done["step"]["id"]),
        "{done}"
    );
    let id = done["step"]["id"].as_i64().unwrap();
    let (_, done) = put(
        &app,
        &format!("/api/procedure/steps/{id}"),
        &sec,
        json!({"kind": "council_session", "date": "2031-03-03", "session_kind": "extraordinary"}),
    )
    .await;
    assert!(
        !rules_of(&done, "session_month")
            .iter()
            .any(|r| r["step_id"] == done["step"]["id"]),
        "{done}"
    );
}

#[tokio::test]
async fn the_visa_deadline_warns_before_and_after_and_the_visa_makes_it_executable() {
    let app = spawn_app().await;
    let sec = app.login("secretariat").await;
    open_draft(&app, &sec).await;
    let (status, done) = app.post("/api/procedure/vote", &sec, vote(&day(-6))).await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["version"]["status"], "voted");
    assert_eq!(done["version"]["frozen"], true);
    // The visa before it was sent: 409.
    let visa = json!({"outcome": "visa", "date": day(0), "reference": "تأشيرة 1"});
    let (status, err) = app.post("/api/procedure/visa", &sec, visa.clone()).await;
    assert_eq!(status, 409, "{err}");
    // Sent before the vote: 400 naming the date.
    let (status, err) = app
        .post("/api/procedure/governor", &sec, json!({"date": day(-7)}))
        .await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["message"].as_str().unwrap().starts_with("date"),
        "{err}"
    );
    let (status, done) = app
        .post(
            "/api/procedure/governor",
            &sec,
            json!({"date": day(-5), "reference": "إرسالية 88"}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    let due = rules_of(&done, "visa_deadline");
    assert_eq!(due.len(), 1, "{done}");
    assert_eq!(due[0]["status"], "upcoming");
    assert_eq!(due[0]["due"], json!(day(15)), "20 days from the date sent");
    // Sent twice: 409.
    let (status, _) = app
        .post("/api/procedure/governor", &sec, json!({"date": day(-4)}))
        .await;
    assert_eq!(status, 409);
    // The deadline is a setting: 3 days makes it past.
    let (status, s) = put(
        &app,
        "/api/procedure/settings",
        &sec,
        json!({"visa_deadline_days": 3, "dispatch_days_before_session": 30}),
    )
    .await;
    assert_eq!(status, 200, "{s}");
    let (status, err) = put(
        &app,
        "/api/procedure/settings",
        &sec,
        json!({"visa_deadline_days": 0, "dispatch_days_before_session": 30}),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("visa_deadline_days")
    );
    let (_, view) = app.get_json("/api/procedure", &sec).await;
    let due = rules_of(&view, "visa_deadline");
    assert_eq!(due[0]["status"], "overdue", "{view}");
    assert_eq!(due[0]["due"], json!(day(-2)));
    // The visa: version 2 executable, version 1 superseded; the answer was late.
    let (status, done) = app.post("/api/procedure/visa", &sec, visa).await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["version"]["status"], "executable");
    assert_eq!(done["new_draft"], Value::Null);
    assert_eq!(rules_of(&done, "visa_deadline")[0]["status"], "late");
    let (_, v1) = app.get_json("/api/versions/1", &sec).await;
    assert_eq!(v1["status"], "superseded");
    // The visa step changed the state: it is not deleted.
    let id = done["step"]["id"].as_i64().unwrap();
    let (status, err) = delete(&app, &format!("/api/procedure/steps/{id}"), &sec).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"], "version_state");
}

#[tokio::test]
async fn a_refused_visa_opens_a_new_draft_and_so_does_a_redeliberation() {
    let app = spawn_app().await;
    let sec = app.login("secretariat").await;
    open_draft(&app, &sec).await;
    app.post("/api/procedure/vote", &sec, vote(&day(-10))).await;
    // While the voted version awaits the governor, no update draft: the answer opens the next
    // draft (a refusal could not be recorded if an update were open).
    let (status, err) = app
        .post("/api/versions", &sec, json!({"reason": "تحيين"}))
        .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"], "version_state");
    let (status, sent) = app
        .post("/api/procedure/governor", &sec, json!({"date": day(-9)}))
        .await;
    assert_eq!(status, 201, "{sent}");
    // Its date corrected to before the vote: refused as at recording, nothing changed.
    let path = format!("/api/procedure/steps/{}", sent["step"]["id"]);
    let (status, err) = put(
        &app,
        &path,
        &sec,
        json!({"kind": "sent_to_governor", "date": day(-11)}),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("before the vote"),
        "{err}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM procedure_steps WHERE kind = 'sent_to_governor' AND date = '{}'",
            day(-9)
        )),
        1
    );
    let (status, done) = app
        .post(
            "/api/procedure/visa",
            &sec,
            json!({"outcome": "refused", "date": day(-2), "note": "عدم احترام المسطرة"}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["version"]["status"], "refused");
    assert_eq!(done["step"]["kind"], "visa_refused");
    let draft = &done["new_draft"];
    assert_eq!(draft["number"], 3);
    assert_eq!(draft["kind"], "after_refusal");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["parent"], 2);
    assert!(
        draft["reason"]
            .as_str()
            .unwrap()
            .contains("عدم احترام المسطرة")
    );
    // Version 1 stays executable until a newer one is.
    let (_, v1) = app.get_json("/api/versions/1", &sec).await;
    assert_eq!(v1["status"], "executable");
    // The new draft is voted and the governor asks to deliberate again.
    app.post("/api/procedure/vote", &sec, vote(&day(-1))).await;
    app.post("/api/procedure/governor", &sec, json!({"date": day(0)}))
        .await;
    let (status, done) = app
        .post(
            "/api/procedure/visa",
            &sec,
            json!({"outcome": "redeliberation", "date": day(0)}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["version"]["status"], "superseded");
    assert_eq!(done["new_draft"]["kind"], "redeliberation");
    assert_eq!(done["new_draft"]["parent"], 3);
    let (_, versions) = app.get_json("/api/versions", &sec).await;
    let statuses: Vec<(i64, &str)> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["number"].as_i64().unwrap(), v["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            (4, "draft"),
            (3, "superseded"),
            (2, "refused"),
            (1, "executable")
        ]
    );
    // One draft at a time.
    let (status, err) = app
        .post("/api/versions", &sec, json!({"reason": "x"}))
        .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"], "draft_exists");
}

#[tokio::test]
async fn the_vote_is_checked_field_by_field_and_changes_nothing_when_refused() {
    let app = spawn_app().await;
    let sec = app.login("secretariat").await;
    // No draft after the demo: 409.
    let (status, err) = app.post("/api/procedure/vote", &sec, vote(&day(0))).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"], "version_state");
    open_draft(&app, &sec).await;
    let steps = app.count("SELECT count(*) FROM procedure_steps");
    for (change, field) in [
        (json!({"members_total": 0}), "members_total"),
        (json!({"members_present": 24}), "members_present"),
        (json!({"votes_for": 16}), "votes_for"),
        (json!({"votes_for": 2, "votes_against": 2}), "result"),
        (json!({"result": "rejected"}), "result"),
        (json!({"date": "2023-02-30"}), "date"),
        (json!({"result": "postponed"}), "result"),
    ] {
        let mut body = vote(&day(0));
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, err) = app.post("/api/procedure/vote", &sec, body).await;
        assert_eq!(status, 400, "{change}: {err}");
        assert!(
            err["message"].as_str().unwrap().starts_with(field),
            "{change}: {err}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM procedure_steps"), steps);
    assert_eq!(app.count("SELECT count(*) FROM council_votes"), 1);
    // A rejected vote keeps the draft; a quorum not met is recorded with a warning.
    let mut body = vote(&day(0));
    body["members_present"] = json!(11);
    body["votes_for"] = json!(3);
    body["votes_against"] = json!(6);
    body["abstentions"] = json!(2);
    body["result"] = json!("rejected");
    let (status, done) = app.post("/api/procedure/vote", &sec, body).await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["version"]["status"], "draft");
    assert_eq!(done["step"]["vote"]["members_present"], 11);
    assert_eq!(rules_of(&done, "quorum").len(), 1, "{done}");
    // A rejected vote is a mistake one may delete.
    let id = done["step"]["id"].as_i64().unwrap();
    let (status, _) = delete(&app, &format!("/api/procedure/steps/{id}"), &sec).await;
    assert_eq!(status, 200);
    // The vote's own steps are not recorded as plain steps.
    let (status, err) = app
        .post(
            "/api/procedure/steps",
            &sec,
            json!({"kind": "visa", "date": day(0)}),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert!(err["message"].as_str().unwrap().starts_with("kind"));
}

#[tokio::test]
async fn versions_freeze_and_compare_per_project() {
    let app = spawn_app().await;
    let sec = app.login("secretariat").await;
    let office = app.login("office").await;
    // An update needs its reason.
    let (status, err) = app
        .post("/api/versions", &sec, json!({"reason": "  "}))
        .await;
    assert_eq!(status, 400, "{err}");
    assert!(err["message"].as_str().unwrap().starts_with("reason"));
    let v2 = open_draft(&app, &sec).await;
    assert_eq!(v2["kind"], "update");
    assert_eq!(v2["parent"], 1);

    // The office changes an amount, removes a project and adds one.
    let changed = app.count("SELECT id FROM projects WHERE number = 1");
    let (_, mut sheet) = app
        .get_json(&format!("/api/projects/{changed}"), &office)
        .await;
    let old_commune = sheet["commune_contribution"].clone();
    sheet["commune_contribution"] = json!("123456.78");
    let (status, got) = put(&app, &format!("/api/projects/{changed}"), &office, sheet).await;
    assert_eq!(status, 200, "{got}");
    let removed = app.count("SELECT id FROM projects WHERE number = 43");
    let (status, _) = delete(&app, &format!("/api/projects/{removed}"), &office).await;
    assert_eq!(status, 204);
    let (status, added) = app
        .post(
            "/api/projects",
            &office,
            json!({"number": 44, "programme_id": 2, "title_ar": "مشروع جديد",
                   "commune_contribution": "1000.00", "start_year": 2026, "end_year": 2027}),
        )
        .await;
    assert_eq!(status, 201, "{added}");

    // Version 1 against the live draft.
    let (status, cmp) = app.get_json("/api/versions/1/compare", &sec).await;
    assert_eq!(status, 200, "{cmp}");
    assert_eq!(cmp["to"], Value::Null);
    let numbers = |key: &str| -> Vec<i64> {
        cmp[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers("added"), [44]);
    assert_eq!(numbers("removed"), [43]);
    let one = cmp["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == 1)
        .unwrap_or_else(|| panic!("project 1 changed: {cmp}"));
    let commune = one["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "commune")
        .unwrap();
    assert_eq!(commune["from"], old_commune);
    assert_eq!(commune["to"], "123456.78");
    assert_eq!(cmp["totals_from"]["projects"], 43);
    assert_eq!(cmp["totals_to"]["projects"], 43);

    // Voted: version 2 frozen; v1 against v2 gives the same; the live programme equals v2.
    let (status, done) = app.post("/api/procedure/vote", &sec, vote(&day(0))).await;
    assert_eq!(status, 201, "{done}");
    let (status, frozen) = app.get_json("/api/versions/1/compare?with=2", &sec).await;
    assert_eq!(status, 200);
    assert_eq!(frozen["to"], 2);
    assert_eq!(frozen["added"], cmp["added"]);
    assert_eq!(frozen["removed"], cmp["removed"]);
    assert_eq!(frozen["totals_to"], cmp["totals_to"]);
    let (_, same) = app.get_json("/api/versions/2/compare", &sec).await;
    assert!(same["changed"].as_array().unwrap().is_empty(), "{same}");
    assert!(same["added"].as_array().unwrap().is_empty(), "{same}");
    // The office edits after the freeze: the screen says the live programme differs.
    let (status, _) = delete(&app, &format!("/api/projects/{changed}"), &office).await;
    assert_eq!(status, 204);
    let (_, view) = app.get_json("/api/procedure", &sec).await;
    assert_eq!(view["version"]["number"], 2);
    assert_eq!(view["live_differs"], true);
    let (_, after) = app.get_json("/api/versions/2/compare", &sec).await;
    assert_eq!(after["removed"].as_array().unwrap().len(), 1);
    // Version 2's snapshot did not move.
    let (_, again) = app.get_json("/api/versions/1/compare?with=2", &sec).await;
    assert_eq!(again, frozen);
    // Unknown versions.
    let (status, _) = app.get_json("/api/versions/9", &sec).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json("/api/versions/1/compare?with=9", &sec).await;
    assert_eq!(status, 404);
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

#[tokio::test]
async fn signed_documents_are_typed_by_their_bytes_stored_once_and_attached() {
    let app = spawn_app().await;
    let sec = app.login("secretariat").await;
    let (status, a) = upload(&app, &sec, "%D9%85%D9%82%D8%B1%D8%B1.pdf", pdf()).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["content_type"], "application/pdf");
    assert_eq!(a["file_name"], "مقرر.pdf");
    // The same bytes under another name: the one stored.
    let (status, again) = upload(&app, &sec, "copy.pdf", pdf()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], a["id"]);
    assert_eq!(app.count("SELECT count(*) FROM attachments"), 1);
    // The type comes from the bytes, not the name.
    let png = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        b"rest",
    ]
    .concat();
    let (status, p) = upload(&app, &sec, "scan.pdf", png).await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["content_type"], "image/png");
    let (status, j) = upload(&app, &sec, "scan", vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2]).await;
    assert_eq!(status, 201);
    assert_eq!(j["content_type"], "image/jpeg");
    let (status, err) = upload(&app, &sec, "letter.pdf", b"GIF89a...".to_vec()).await;
    assert_eq!(status, 415, "{err}");
    assert_eq!(err["error"], "attachment_type");
    let (status, err) = upload(&app, &sec, "big.pdf", {
        let mut big = pdf();
        big.resize(MAX_ATTACHMENT_BYTES + 1, b' ');
        big
    })
    .await;
    assert_eq!(status, 413, "{err}");
    assert_eq!(app.count("SELECT count(*) FROM attachments"), 3);

    // Attached to a step, downloaded by whoever reads the procedure.
    let id = a["id"].as_i64().unwrap();
    let (status, done) = app
        .post(
            "/api/procedure/steps",
            &sec,
            json!({"kind": "bureau_approval", "version": 1, "date": "2022-12-02",
                   "attachment_id": id}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["step"]["attachment"]["sha256"], a["sha256"]);
    let committee = app.login("committee").await;
    let r = app
        .http
        .get(app.url(&format!("/api/attachments/{id}")))
        .bearer_auth(&committee)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("%D9%85")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf());
    // Unknown ids.
    let (status, _) = app.get_json("/api/attachments/999", &sec).await;
    assert_eq!(status, 404);
    let (status, err) = app
        .post(
            "/api/procedure/steps",
            &sec,
            json!({"kind": "bureau_approval", "date": "2022-12-02", "attachment_id": 999}),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"], "unknown_attachment");
    // A body's member may attach a signed report; the office may not upload.
    let (status, _) = upload(&app, &committee, "report.pdf", pdf()).await;
    assert_eq!(status, 200);
    let office = app.login("office").await;
    let (status, _) = upload(&app, &office, "x.pdf", pdf()).await;
    assert_eq!(status, 403);
}

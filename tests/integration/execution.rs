//! The execution records over HTTP (issue 15, exec): the amount rule (paid ≤ committed ≤
//! programmed) refused with the funder and the amounts named, and recorded with an exception's
//! reason; the status reason; the dates' order; bad input (wrong types, unknown ids, Arabic
//! text) changing nothing; audit entries before/after; the seed's six projects' funding
//! sources and statuses read back exactly as `projects-known.csv` gives them (and the derived
//! current status on the sheet and the tree); the carry-over of a database at 0021 whose
//! projects had the old free-text columns; agreements, timeline and indicator values.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: Value) -> (u16, Value) {
    let r = app
        .http
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn send_text(app: &TestApp, path: &str, token: &str, body: &str) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn project_id(app: &TestApp, number: i64) -> i64 {
    app.count(&format!("SELECT id FROM projects WHERE number = {number}"))
}

fn record(year: i32, status: &str, amounts: (&str, &str, &str)) -> Value {
    json!({
        "year": year,
        "status": status,
        "amounts": [{"partner_id": null, "programmed": amounts.0, "committed": amounts.1,
                     "paid": amounts.2}],
        "funding": [{"kind": "budget", "budget_year": year}],
    })
}

/// A seed project: number, funding sources (kind, budget year), status, the record's year.
type SeedLine = (i64, &'static [(&'static str, i64)], &'static str, i64);

fn message(body: &Value) -> String {
    body["message"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_amount_rule_is_refused_naming_the_funder_and_recorded_with_a_reason() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let id = project_id(&app, 3);
    let path = format!("/api/projects/{id}/execution");
    let records_before = app.count("SELECT count(*) FROM execution_records");
    let audit_before = app.count("SELECT count(*) FROM audit_log");

    // paid > committed: refused, the commune and both amounts named
    let (status, body) = send(
        &app,
        Method::POST,
        &path,
        &office,
        record(2025, "under_way", ("1000.00", "500.00", "700.50")),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_execution");
    let m = message(&body);
    assert!(
        m.contains("الجماعة") && m.contains("700.50") && m.contains("500.00"),
        "{m}"
    );
    // committed > programmed
    let (status, body) = send(
        &app,
        Method::POST,
        &path,
        &office,
        record(2025, "under_way", ("100.00", "500.00", "0")),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        message(&body).contains("committed 500.00 is more than programmed 100.00"),
        "{body}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM execution_records"),
        records_before
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log"),
        audit_before,
        "nothing logged"
    );

    // with the exception's reason: recorded, the reason kept and shown
    let mut over = record(2025, "executed", ("100.00", "150.00", "150.00"));
    over["amount_exception"] = json!("أشغال إضافية صادق عليها المجلس");
    let (status, made) = send(&app, Method::POST, &path, &office, over).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["amount_exception"], "أشغال إضافية صادق عليها المجلس");
    assert_eq!(made["amounts"][0]["paid"], "150.00");
    let (_, all) = app.get_json(&path, &office).await;
    let shown = all["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2025)
        .unwrap();
    assert_eq!(shown["amount_exception"], "أشغال إضافية صادق عليها المجلس");
    // the latest year is now the current status, and the progress counts the paid amount
    assert_eq!(all["progress"]["status"]["status"], "executed");
    assert_eq!(all["progress"]["status"]["year"], 2025);
    assert_eq!(all["progress"]["paid"], "150.00");

    // audited with the record after
    let detail: String = rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'execution.create' ORDER BY id DESC",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        detail.contains("أشغال إضافية") && detail.contains("\"after\""),
        "{detail}"
    );

    // the same year twice: refused, the record to change named
    let (status, body) = send(
        &app,
        Method::POST,
        &path,
        &office,
        record(2025, "planned", ("1", "0", "0")),
    )
    .await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("year"), "{body}");

    // an update keeps before and after in the log; a delete the before
    let rid = made["id"].as_i64().unwrap();
    let (status, changed) = send(
        &app,
        Method::PUT,
        &format!("/api/execution/{rid}"),
        &office,
        record(2025, "under_way", ("100.00", "90.00", "10.00")),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["amount_exception"], Value::Null);
    let update_detail: String = rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'execution.update' ORDER BY id DESC",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(update_detail.contains("\"before\"") && update_detail.contains("under_way"));
    let r = app
        .http
        .delete(app.url(&format!("/api/execution/{rid}")))
        .bearer_auth(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'execution.delete'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM execution_records"),
        records_before
    );
}

#[tokio::test]
async fn status_reason_dates_and_bad_input_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let id = project_id(&app, 24);
    let path = format!("/api/projects/{id}/execution");
    let before = app.count("SELECT count(*) FROM execution_records");

    let (status, body) = send(
        &app,
        Method::POST,
        &path,
        &office,
        record(2026, "suspended", ("10", "0", "0")),
    )
    .await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("status_reason"), "{body}");
    let mut dated = record(2026, "under_way", ("10", "0", "0"));
    dated["start_date"] = json!("2026-05-01");
    dated["end_date"] = json!("2026-04-01");
    dated["provisional_reception"] = json!("2026-09-01");
    dated["final_reception"] = json!("2026-08-01");
    let (status, body) = send(&app, Method::POST, &path, &office, dated).await;
    assert_eq!(status, 400);
    let m = message(&body);
    assert!(
        m.contains("end_date") && m.contains("final_reception"),
        "{m}"
    );
    let mut bad_date = record(2026, "under_way", ("10", "0", "0"));
    bad_date["start_date"] = json!("31/02/2026");
    let (status, body) = send(&app, Method::POST, &path, &office, bad_date).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("start_date"), "{body}");
    // funding: a budget year for the surplus, an agreement that exists, a kind that is one
    let mut funding = record(2026, "planned", ("10", "0", "0"));
    funding["funding"] = json!([
        {"kind": "actual_surplus"},
        {"kind": "partner_agreement", "agreement_id": 999999},
        {"kind": "ميزانية", "budget_year": 2026}
    ]);
    let (status, body) = send(&app, Method::POST, &path, &office, funding).await;
    assert_eq!(status, 400);
    let m = message(&body);
    assert!(
        m.contains("funding.0.budget_year")
            && m.contains("funding.1.agreement_id")
            && m.contains("funding.2.kind")
            && m.contains("ميزانية"),
        "{m}"
    );
    // a funder that is not a partner of the project; an unknown status
    let mut partner = record(2026, "مكتمل", ("10", "0", "0"));
    partner["amounts"][0]["partner_id"] = json!(999999);
    let (status, body) = send(&app, Method::POST, &path, &office, partner).await;
    assert_eq!(status, 400);
    let m = message(&body);
    assert!(
        m.contains("amounts.0.partner_id") && m.contains("status: 'مكتمل'"),
        "{m}"
    );
    // wrong types, malformed JSON: a 4xx with a message
    for body in [
        r#"{"year": "2026", "status": "planned"}"#,
        r#"{"year": 2026, "status": "planned", "amounts": [{"programmed": 12.5, "committed": "0", "paid": "0"}]}"#,
        r#"{"year": 2026"#,
        r#"{"year": 2026, "status": "planned", "amounts": [{"programmed": "12,5", "committed": "0", "paid": "0"}]}"#,
    ] {
        let (status, answer) = send_text(&app, &path, &office, body).await;
        assert!((400..500).contains(&status), "{body} → {status}");
        assert!(answer["message"].is_string(), "{body} → {answer}");
    }
    // unknown ids: 404
    let (status, _) = send(
        &app,
        Method::POST,
        "/api/projects/999999/execution",
        &office,
        record(2026, "planned", ("1", "0", "0")),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(
        &app,
        Method::PUT,
        "/api/execution/999999",
        &office,
        record(2026, "planned", ("1", "0", "0")),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get_json("/api/projects/999999/execution", &office)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.count("SELECT count(*) FROM execution_records"),
        before,
        "nothing written"
    );

    // a good one with its reason, and a dropped one's reason shown as the current status
    let mut dropped = record(2026, "dropped", ("0", "0", "0"));
    dropped["status_reason"] = json!("تخلى عنه المجلس");
    let (status, made) = send(&app, Method::POST, &path, &office, dropped).await;
    assert_eq!(status, 201, "{made}");
    let (_, sheet) = app.get_json(&format!("/api/projects/{id}"), &office).await;
    assert_eq!(sheet["current_status"]["status"], "dropped");
    assert_eq!(sheet["current_status"]["reason"], "تخلى عنه المجلس");
    // read-only for the committee, no access for facilitators
    let committee = app.login("committee").await;
    let (status, _) = app.get_json(&path, &committee).await;
    assert_eq!(status, 200);
    let (status, _) = send(
        &app,
        Method::POST,
        &path,
        &committee,
        record(2027, "planned", ("1", "0", "0")),
    )
    .await;
    assert_eq!(status, 403);
}

/// The seed's six projects (`projects-known.csv`): funding sources and statuses read back as
/// the seed gives them, the record's year the budget they fund; no amount (the seed has none).
#[tokio::test]
async fn the_seed_six_projects_round_trip() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    // (number, funding sources, status, record year)
    let seed: &[SeedLine] = &[
        (
            3,
            &[("estimated_surplus", 2023), ("actual_surplus", 2022)],
            "preparation_started",
            2023,
        ),
        (4, &[("budget", 2024)], "preparation_started", 2024),
        (
            24,
            &[("estimated_surplus", 2023)],
            "preparation_started",
            2023,
        ),
        (22, &[("actual_surplus", 2022)], "executed", 2023),
        (37, &[("actual_surplus", 2022)], "awaiting_execution", 2023),
        (14, &[("actual_surplus", 2022)], "executed", 2023),
    ];
    let (_, tree) = app.get_json("/api/programme", &office).await;
    for (number, funding, status, year) in seed {
        let id = project_id(&app, *number);
        let (code, exec) = app
            .get_json(&format!("/api/projects/{id}/execution"), &office)
            .await;
        assert_eq!(code, 200);
        let records = exec["records"].as_array().unwrap();
        assert_eq!(records.len(), 1, "project {number}: {exec}");
        let r = &records[0];
        assert_eq!(r["year"], *year, "project {number}");
        assert_eq!(r["status"], *status, "project {number}");
        assert_eq!(r["illustrative"], false);
        assert_eq!(r["amounts"], json!([]), "the seed gives no amount");
        let read: Vec<(String, i64)> = r["funding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().to_string(),
                    f["budget_year"].as_i64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, i64)> = funding.iter().map(|(k, y)| (k.to_string(), *y)).collect();
        assert_eq!(read, want, "project {number}");
        let (_, sheet) = app.get_json(&format!("/api/projects/{id}"), &office).await;
        assert_eq!(
            sheet["current_status"]["status"], *status,
            "project {number}"
        );
        assert!(sheet.get("funding_source").is_none() && sheet.get("status").is_none());
        let summary = tree["axes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["programmes"].as_array().unwrap())
            .flat_map(|p| p["projects"].as_array().unwrap())
            .find(|p| p["number"] == *number)
            .unwrap();
        assert_eq!(
            summary["status"]["status"], *status,
            "tree, project {number}"
        );
    }
    // project 14: the agreement with the Al Farah association
    let p14 = project_id(&app, 14);
    let (_, exec) = app
        .get_json(&format!("/api/projects/{p14}/execution"), &office)
        .await;
    let agreements = exec["agreements"].as_array().unwrap();
    assert_eq!(agreements.len(), 1, "{exec}");
    assert_eq!(agreements[0]["partner_name_ar"], "جمعية الفرح");
    assert_eq!(agreements[0]["partner_name_fr"], "Association Al Farah");
    assert_eq!(
        agreements[0]["amount"],
        Value::Null,
        "the seed gives no amount"
    );
    // the export writes them back in the words the import reads
    let r = app
        .http
        .get(app.url("/api/export/projects"))
        .bearer_auth(&office)
        .send()
        .await
        .unwrap();
    let csv = r.text().await.unwrap();
    let line3 = csv.lines().find(|l| l.starts_with("3,")).unwrap();
    assert!(
        line3.contains("estimated surplus 2023 + actual surplus 2022")
            && line3.contains("preparation_started"),
        "{line3}"
    );
    // the illustrative years are marked so
    assert!(app.count("SELECT count(*) FROM execution_records WHERE illustrative = 1") >= 6);
    assert_eq!(
        app.count("SELECT count(*) FROM execution_records WHERE illustrative = 1 AND status = 'suspended' AND status_reason <> ''"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM execution_records WHERE illustrative = 1 AND amount_exception IS NOT NULL"),
        1
    );
}

/// A database at migration 0021 with the old free-text columns filled: opening it carries them
/// over (parsed into records, the rest quoted in the timeline), drops the columns, and a second
/// opening changes nothing.
#[test]
fn the_legacy_columns_are_carried_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut files: Vec<_> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().to_string();
                    name.ends_with(".sql") && name[..4] <= *"0021"
                })
                .collect();
        files.sort();
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        for f in &files {
            conn.execute_batch(&std::fs::read_to_string(f).unwrap())
                .unwrap();
        }
        conn.pragma_update(None, "user_version", files.len() as i64)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO projects (id, number, title_ar, funding_source, status) VALUES
               (1, 3, 'مسالك', 'estimated surplus 2023 + actual surplus 2022', 'شرع في الاعداد لتنفيذ'),
               (2, 5, 'قنطرة', 'منحة من العمالة', 'تم تنفيذه'),
               (3, 6, 'ملعب', 'budget 2024', 'more or less'),
               (4, 7, 'بلا نص', NULL, '  ');",
        )
        .unwrap();
    }
    for _ in 0..2 {
        let db = tachkhis_server::Db::open(&path).unwrap();
        drop(db);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(q("SELECT count(*) FROM execution_records"), 2);
        assert_eq!(
            q(
                "SELECT count(*) FROM execution_records WHERE project_id = 1 AND year = 2023 AND status = 'preparation_started'"
            ),
            1
        );
        assert_eq!(
            q(
                "SELECT count(*) FROM execution_funding f JOIN execution_records r ON r.id = f.record_id WHERE r.project_id = 1"
            ),
            2
        );
        assert_eq!(
            q(
                "SELECT count(*) FROM execution_records WHERE project_id = 3 AND year = 2024 AND status = 'planned'"
            ),
            1
        );
        // what did not parse is quoted, word for word
        assert_eq!(
            q(
                "SELECT count(*) FROM project_timeline WHERE project_id = 2 AND text_ar LIKE '%منحة من العمالة%' AND text_ar LIKE '%تم تنفيذه%'"
            ),
            1
        );
        assert_eq!(
            q(
                "SELECT count(*) FROM project_timeline WHERE project_id = 3 AND text_ar LIKE '%more or less%'"
            ),
            1
        );
        assert_eq!(q("SELECT count(*) FROM project_timeline"), 2);
        assert_eq!(q("SELECT count(*) FROM legacy_project_text"), 0);
        assert_eq!(
            q("SELECT count(*) FROM audit_log WHERE action = 'execution.carry_over'"),
            3
        );
        assert!(
            conn.prepare("SELECT funding_source FROM projects").is_err(),
            "column dropped"
        );
        assert!(
            conn.prepare("SELECT status FROM projects").is_err(),
            "column dropped"
        );
    }
}

#[tokio::test]
async fn agreements_timeline_and_indicator_values() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let id = project_id(&app, 4);
    let partner = app.count("SELECT id FROM partners WHERE name_ar = 'جمعية الفرح'");
    let (status, made) = send(
        &app,
        Method::POST,
        "/api/agreements",
        &office,
        json!({
            "partner_id": partner, "reference": "اتفاقية 12/2024", "signed_on": "2024-03-05",
            "object_ar": "بناء قنطرة", "amount": "500000.00", "commune_amount": "300000.00",
            "commune_obligations": "التمويل", "partner_obligations": "التتبع", "project_ids": [id]
        }),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let aid = made["id"].as_i64().unwrap();
    let (status, body) = send(
        &app,
        Method::POST,
        "/api/agreements",
        &office,
        json!({
            "partner_id": 999999, "object_ar": " ", "amount": "1.00", "commune_amount": "2.00",
            "project_ids": [999999]
        }),
    )
    .await;
    assert_eq!(status, 400);
    let m = message(&body);
    assert!(
        m.contains("partner_id")
            && m.contains("object_ar")
            && m.contains("commune_amount")
            && m.contains("project_ids"),
        "{m}"
    );
    // a record funded under the agreement; the agreement cannot go while it is named
    let mut funded = record(2025, "under_way", ("300000.00", "300000.00", "100000.00"));
    funded["funding"] = json!([{"kind": "partner_agreement", "agreement_id": aid}]);
    let (status, _) = send(
        &app,
        Method::POST,
        &format!("/api/projects/{id}/execution"),
        &office,
        funded,
    )
    .await;
    assert_eq!(status, 201);
    let r = app
        .http
        .delete(app.url(&format!("/api/agreements/{aid}")))
        .bearer_auth(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // timeline
    let (status, entry) = send(
        &app,
        Method::POST,
        &format!("/api/projects/{id}/timeline"),
        &office,
        json!({"happened_on": "2025-02-10", "text_ar": "زيارة الورش"}),
    )
    .await;
    assert_eq!(status, 201, "{entry}");
    let (status, body) = send(
        &app,
        Method::POST,
        &format!("/api/projects/{id}/timeline"),
        &office,
        json!({"happened_on": "10/02/2025", "text_ar": "", "attachment_ids": [999999]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        message(&body).contains("happened_on") && message(&body).contains("text_ar"),
        "{body}"
    );
    // documents
    let (status, doc) = send(
        &app,
        Method::POST,
        &format!("/api/projects/{id}/execution-documents"),
        &office,
        json!({"kind": "contract", "number": "صفقة 7/2025", "dated": "2025-01-20", "year": 2025}),
    )
    .await;
    assert_eq!(status, 201, "{doc}");
    // an indicator value, read with parse_quantity
    let ind = app.count(&format!(
        "SELECT min(id) FROM project_indicators WHERE project_id = {id}"
    ));
    let (status, value) = send(
        &app,
        Method::PUT,
        &format!("/api/indicators/{ind}/values/2025"),
        &office,
        json!({"value": "٠,٥"}),
    )
    .await;
    assert_eq!(status, 200, "{value}");
    assert_eq!(value["value"], "0.5");
    let (status, _) = send(
        &app,
        Method::PUT,
        &format!("/api/indicators/{ind}/values/2025"),
        &office,
        json!({"value": "كثير"}),
    )
    .await;
    assert_eq!(status, 400);
    let (_, exec) = app
        .get_json(&format!("/api/projects/{id}/execution"), &office)
        .await;
    assert_eq!(exec["timeline"][0]["text_ar"], "زيارة الورش");
    assert_eq!(exec["documents"][0]["number"], "صفقة 7/2025");
    assert_eq!(exec["agreements"][0]["reference"], "اتفاقية 12/2024");
    assert_eq!(exec["indicator_values"][0]["value"], "0.5");
    let physical = exec["progress"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator_id"] == ind)
        .unwrap();
    assert_eq!(physical["reached"], "0.5");
    // every write audited
    for action in [
        "agreement.create",
        "timeline.create",
        "execution_document.create",
        "indicator_value.set",
    ] {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM audit_log WHERE action = '{action}' AND user_id IS NOT NULL"
            )),
            1,
            "{action}"
        );
    }
    // the year's list
    let (status, year) = app.get_json("/api/execution/years/2025", &office).await;
    assert_eq!(status, 200);
    assert!(
        year.as_array()
            .unwrap()
            .iter()
            .any(|r| r["project_number"] == 4)
    );
}

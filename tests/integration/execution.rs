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

// ---- The import of a year's execution (issue 15, exec) ---------------------------------------

async fn upload(app: &TestApp, path: &str, token: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The template's Arabic / French headers.
const IMPORT_HEADER: &str = "رقم المشروع / N° du projet,السنة المالية / Exercice,الممول / Bailleur,\
المبلغ المبرمج / Montant programmé,المبلغ الملتزم به / Montant engagé,المبلغ المؤدى / Montant payé,\
مصدر التمويل / Source de financement,سنة التمويل / Année du financement,الحالة / Statut,\
سبب الحالة / Motif du statut,سبب تجاوز المبالغ / Motif du dépassement";

fn execution_counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("SELECT count(*) FROM execution_records"),
        app.count("SELECT count(*) FROM execution_amounts"),
        app.count("SELECT count(*) FROM audit_log"),
    )
}

#[tokio::test]
async fn an_execution_import_with_bad_lines_names_each_and_writes_nothing() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let before = execution_counts(&app);
    let file = format!(
        "{IMPORT_HEADER}\n\
         4,2027,الجماعة,100000,50000,20000,الميزانية,2027,في طور الإنجاز,,\n\
         9999,2027,الجماعة,1,0,0,,,مبرمج,,\n\
         24,2027,الجماعة,100,50,abc,,,مبرمج,,\n\
         37,2027,الجماعة,100,0,0,,,قيد الدراسة,,\n\
         22,2027,شريك مجهول,100,0,0,,,مبرمج,,\n\
         3,2027,الجماعة,100,150,150,budget,2027,executed,,\n\
         4,2028,commune,100,0,0,,,متوقف,,\n\
         24,٢٠٢٨,,١٠٠,0,0,فائض,,مبرمج,,\n"
    );
    let (status, body) = upload(&app, "/api/execution/import", &office, file.into_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "bad_import");
    let errors = body["errors"].as_array().unwrap();
    let lines: Vec<u64> = errors.iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7, 8, 9], "{body}");
    let find = |line: u64| {
        errors
            .iter()
            .find(|e| e["line"] == line)
            .map(|e| {
                (
                    e["column"].as_str().unwrap().to_string(),
                    e["reason"].as_str().unwrap().to_string(),
                )
            })
            .unwrap()
    };
    let (column, reason) = find(3);
    assert_eq!(column, "رقم المشروع / N° du projet");
    assert!(reason.contains("no project number 9999"), "{reason}");
    let (column, reason) = find(4);
    assert_eq!(column, "المبلغ المؤدى / Montant payé");
    assert!(reason.contains("'abc'"), "{reason}");
    let (column, reason) = find(5);
    assert_eq!(column, "الحالة / Statut");
    assert!(
        reason.contains("قيد الدراسة") && reason.contains("في طور الإنجاز"),
        "{reason}"
    );
    let (column, reason) = find(6);
    assert_eq!(column, "الممول / Bailleur");
    assert!(reason.contains("شريك مجهول"), "{reason}");
    // the records' own rule, with the funder and the amounts named
    let (column, reason) = find(7);
    assert_eq!(column, "المبلغ الملتزم به / Montant engagé");
    assert!(
        reason.contains("الجماعة")
            && reason.contains("committed 150.00 is more than programmed 100.00"),
        "{reason}"
    );
    let (column, reason) = find(8);
    assert_eq!(column, "سبب الحالة / Motif du statut");
    assert!(reason.contains("reason"), "{reason}");
    let (column, reason) = find(9);
    assert_eq!(column, "مصدر التمويل / Source de financement");
    assert!(reason.contains("'فائض'"), "{reason}");
    assert_eq!(
        execution_counts(&app),
        before,
        "nothing written, nothing logged"
    );

    // the file as a whole: no project column, no year
    let (status, body) = upload(
        &app,
        "/api/execution/import",
        &office,
        "الممول,المبرمج\nالجماعة,1\n".into(),
    )
    .await;
    assert_eq!(status, 400);
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{body}");
    assert!(errors.iter().all(|e| e["line"] == 1));
    let (status, body) = upload(&app, "/api/execution/import", &office, b"  \n".to_vec()).await;
    assert_eq!((status, body["errors"][0]["line"].as_u64()), (400, Some(0)));
    let (status, _) = upload(&app, "/api/execution/import?year=abc", &office, file_ok()).await;
    assert_eq!(status, 400);
    assert_eq!(execution_counts(&app), before);
}

/// Two projects and a record that exists: the year from `?year=`, no year column.
fn file_ok() -> Vec<u8> {
    "رقم المشروع,الممول,المبرمج,الملتزم به,المؤدى,مصدر التمويل,سنة التمويل,الحالة,السبب,سبب تجاوز المبالغ\n\
     4,الجماعة,\"1 200 000,00\",800000,250000.50,الميزانية,2027,في طور الإنجاز,,\n\
     37,,100,150,150,budget,2027,executed,,أشغال إضافية صادق عليها المجلس\n\
     24,commune,500,0,0,excédent prévisionnel,2027,suspended,نزاع حول العقار,\n"
        .as_bytes()
        .to_vec()
}

#[tokio::test]
async fn an_execution_import_dry_runs_then_writes_each_record_through_the_rules() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let before = execution_counts(&app);
    let (status, report) = upload(
        &app,
        "/api/execution/import?year=2027&dry_run=1",
        &office,
        file_ok(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], true);
    let records = report["records"].as_array().unwrap();
    let numbers: Vec<i64> = records
        .iter()
        .map(|r| r["project_number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers.len(), 3, "{report}");
    for n in [4, 37, 24] {
        assert!(numbers.contains(&n), "{report}");
    }
    let p4 = records.iter().find(|r| r["project_number"] == 4).unwrap();
    assert_eq!(p4["existed"], false);
    assert_eq!(p4["status"], "under_way");
    assert_eq!(p4["amounts"][0]["after"]["programmed"], "1200000.00");
    assert_eq!(p4["amounts"][0]["after"]["paid"], "250000.50");
    assert_eq!(p4["amounts"][0]["funder_ar"], "الجماعة");
    assert_eq!(p4["funding"][0]["kind"], "budget");
    assert_eq!(p4["funding"][0]["budget_year"], 2027);
    assert_eq!(execution_counts(&app), before, "a dry run writes nothing");

    let (status, report) =
        upload(&app, "/api/execution/import?year=2027", &office, file_ok()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], false);
    let (_, p37) = app
        .get_json(
            &format!("/api/projects/{}/execution", project_id(&app, 37)),
            &office,
        )
        .await;
    let r = p37["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2027)
        .unwrap()
        .clone();
    assert_eq!(r["status"], "executed");
    assert_eq!(r["amount_exception"], "أشغال إضافية صادق عليها المجلس");
    assert_eq!(r["amounts"][0]["paid"], "150.00");
    assert_eq!(p37["progress"]["status"]["year"], 2027);
    let (_, p24) = app
        .get_json(
            &format!("/api/projects/{}/execution", project_id(&app, 24)),
            &office,
        )
        .await;
    assert_eq!(p24["progress"]["status"]["status"], "suspended");
    assert_eq!(p24["progress"]["status"]["reason"], "نزاع حول العقار");
    assert_eq!(
        app.count("SELECT count(*) FROM execution_records"),
        before.0 + 3
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'execution.import'"),
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'execution.create'
               AND detail LIKE '%\"source\":\"import\"%'"
        ),
        3
    );

    // The same file again changes nothing; a line for a record that exists updates only
    // its amounts (status, funding and dates kept).
    let (status, report) =
        upload(&app, "/api/execution/import?year=2027", &office, file_ok()).await;
    assert_eq!(status, 200, "{report}");
    assert!(
        report["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["unchanged"] == true),
        "{report}"
    );
    let p22 = project_id(&app, 22);
    let (_, was) = app
        .get_json(&format!("/api/projects/{p22}/execution"), &office)
        .await;
    let was = was["records"][0].clone();
    let year = was["year"].as_i64().unwrap();
    let file = format!("رقم المشروع,السنة,المؤدى\n22,{year},70\n");
    let (status, report) = upload(&app, "/api/execution/import", &office, file.into_bytes()).await;
    assert_eq!(
        status, 400,
        "paid 70 over committed 0 needs the reason: {report}"
    );
    let file = format!("number,year,programmed,committed,paid\n22,{year},100,80,70\n");
    let (status, report) = upload(&app, "/api/execution/import", &office, file.into_bytes()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["records"][0]["existed"], true);
    assert_eq!(report["records"][0]["status_before"], was["status"]);
    let (_, now) = app
        .get_json(&format!("/api/projects/{p22}/execution"), &office)
        .await;
    let now = &now["records"][0];
    assert_eq!(now["status"], was["status"]);
    assert_eq!(now["funding"], was["funding"]);
    assert_eq!(now["amounts"][0]["paid"], "70.00");
    assert_eq!(now["amounts"][0]["committed"], "80.00");
    let detail: String = rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'execution.update' ORDER BY id DESC",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["source"], "import");
    assert_eq!(detail["before"]["status"], was["status"]);
    assert_eq!(detail["after"]["amounts"][0]["paid"], "70.00");

    // not for the roles that only read
    let committee = app.login("committee").await;
    let (status, _) = upload(
        &app,
        "/api/execution/import?year=2027",
        &committee,
        file_ok(),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_execution_import_reads_xlsx_with_a_partner_under_its_agreement() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let p14 = project_id(&app, 14);
    let al_farah = app.count("SELECT id FROM partners WHERE name_fr = 'Association Al Farah'");
    rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .execute(
            "INSERT INTO project_partner_shares (project_id, position, partner_id, amount)
             VALUES (?1, 99, ?2, NULL)",
            [p14, al_farah],
        )
        .unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows: [[&str; 9]; 3] = [
        [
            "N° du projet",
            "Exercice",
            "Bailleur",
            "Montant programmé",
            "Montant engagé",
            "Montant payé",
            "Source de financement",
            "Année du financement",
            "Statut",
        ],
        [
            "14",
            "2027",
            "Commune",
            "",
            "",
            "",
            "Excédent réel",
            "2026",
            "Réalisé",
        ],
        [
            "14",
            "2027",
            "Association Al Farah",
            "",
            "",
            "",
            "Convention de partenariat",
            "",
            "",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *text).unwrap();
        }
    }
    // amounts as spreadsheet numbers
    for (r, (p, c, d)) in [
        (1u32, (300000.5, 300000.5, 300000.5)),
        (2, (200000.0, 100000.0, 0.0)),
    ] {
        sheet.write_number(r, 3, p).unwrap();
        sheet.write_number(r, 4, c).unwrap();
        sheet.write_number(r, 5, d).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let (status, report) = upload(&app, "/api/execution/import", &office, bytes).await;
    assert_eq!(status, 200, "{report}");
    let (_, exec) = app
        .get_json(&format!("/api/projects/{p14}/execution"), &office)
        .await;
    let r = exec["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2027)
        .unwrap()
        .clone();
    assert_eq!(r["status"], "executed");
    let amounts = r["amounts"].as_array().unwrap();
    assert_eq!(amounts.len(), 2, "{r}");
    assert_eq!(amounts[0]["partner_id"], Value::Null);
    assert_eq!(amounts[0]["paid"], "300000.50");
    assert_eq!(amounts[1]["partner_id"], al_farah);
    assert_eq!(amounts[1]["committed"], "100000.00");
    let funding = r["funding"].as_array().unwrap();
    assert_eq!(funding[0]["kind"], "actual_surplus");
    assert_eq!(funding[0]["budget_year"], 2026);
    assert_eq!(funding[1]["kind"], "partner_agreement");
    let agreement = app.count(&format!(
        "SELECT agreement_id FROM agreement_projects WHERE project_id = {p14}"
    ));
    assert_eq!(funding[1]["agreement_id"], agreement);

    // the template, both formats, reads back as a file with no line
    for format in ["csv", "xlsx"] {
        let r = app
            .http
            .get(app.url(&format!("/api/execution/import/template?format={format}")))
            .bearer_auth(&office)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let bytes = r.bytes().await.unwrap().to_vec();
        let (status, body) = upload(&app, "/api/execution/import?year=2027", &office, bytes).await;
        assert_eq!(status, 400);
        assert!(
            body["errors"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("no line"),
            "{format}: {body}"
        );
    }
}

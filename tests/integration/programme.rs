//! The programme over HTTP: the programme table against the seed, project sheets and their
//! rules, the CSV/XLSX import (round trips and refused files), traces, needs by place, exports.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};
use tachkhis_shared::{
    AttendanceCategory, GroupKind, Sector,
    session::{NewSession, ProposalInput, SessionDoc},
    sync::State,
};
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app};

const SEED_TABLE: &str = include_str!("../../server/demo/programmes.csv");
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn get_bytes(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let r = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ctype, r.bytes().await.unwrap().to_vec())
}

async fn send_json(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: &Value,
) -> (u16, Value) {
    let r = app
        .http
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn import(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(&format!("/api/projects/import{query}")))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

async fn projects_csv(app: &TestApp, token: &str) -> Vec<u8> {
    let (status, ctype, bytes) = get_bytes(app, "/api/export/projects?format=csv", token).await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/csv"), "{ctype}");
    bytes
}

#[tokio::test]
async fn the_programme_table_equals_the_seed() {
    let app = spawn_app().await;
    let token = app.login("committee").await;

    let r = app
        .http
        .get(app.url("/api/reports/programme-table?format=csv"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("programme-table.csv")
    );
    assert_eq!(r.text().await.unwrap(), SEED_TABLE, "byte for byte");

    let (status, table) = app.get_json("/api/reports/programme-table", &token).await;
    assert_eq!(status, 200);
    let (_, seed_rows) = csv_rows(SEED_TABLE.as_bytes());
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), seed_rows.len());
    for (row, seed) in rows.iter().zip(&seed_rows) {
        assert_eq!(row["axis_ar"], seed[0].as_str());
        assert_eq!(row["programme_ar"], seed[2].as_str());
        assert_eq!(row["projects"], seed[4].parse::<i64>().unwrap());
        assert_eq!(row["commune_contribution"], seed[5].as_str());
        assert_eq!(row["partners_contribution"], seed[6].as_str());
    }
    assert_eq!(table["total"]["projects"], 43);
    assert_eq!(table["total"]["commune"], "52150000.00");
    assert_eq!(table["total"]["partners"], "104150000.00");
    assert_eq!(table["axes"][0]["totals"]["projects"], 21);
    assert_eq!(table["axes"][0]["totals"]["commune"], "42070000.00");

    // The tree has the same totals at each level.
    let (status, tree) = app.get_json("/api/programme", &token).await;
    assert_eq!(status, 200);
    assert_eq!(tree["totals"], table["total"]);
    let infrastructure = &tree["axes"][0]["programmes"][0];
    assert_eq!(infrastructure["totals"]["projects"], 13);
    assert_eq!(infrastructure["totals"]["commune"], "20870000.00");
    let projects = infrastructure["projects"].as_array().unwrap();
    let numbers: Vec<i64> = projects
        .iter()
        .map(|p| p["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=13).collect::<Vec<_>>());
    let named: Vec<&Value> = projects
        .iter()
        .filter(|p| p["placeholder"] == false)
        .collect();
    assert_eq!(named.len(), 2, "projects 3 and 4 are named");
    assert!(named.iter().all(|p| p["commune_contribution"].is_null()));

    // XLSX: the same rows, a subtotal after each axis and the grand total.
    let (status, ctype, bytes) =
        get_bytes(&app, "/api/reports/programme-table?format=xlsx", &token).await;
    assert_eq!((status, ctype.as_str()), (200, XLSX_TYPE));
    let rows = xlsx_rows(bytes);
    assert_eq!(rows.len(), 1 + 7 + 2 + 1);
    assert_eq!(rows[0][0], Data::String("axis_ar".into()));
    assert_eq!(rows[1][5], Data::Float(20_870_000.0));
    assert_eq!(rows[3][4], Data::Float(21.0), "first axis subtotal");
    assert_eq!(rows[3][5], Data::Float(42_070_000.0));
    let last = rows.last().unwrap();
    assert_eq!(last[0], Data::String("المجموع".into()));
    assert_eq!(last[4], Data::Float(43.0));
    assert_eq!(last[5], Data::Float(52_150_000.0));
    assert_eq!(last[6], Data::Float(104_150_000.0));

    let (status, body) = app
        .get_json("/api/reports/programme-table?format=pdf", &token)
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_format")));
    let (status, body) = app
        .get_json("/api/export/needs?format=csv&format=xlsx", &token)
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_query")));

    let (_, doc) = app.get_json("/api/openapi.json", &token).await;
    for path in [
        "/api/programme",
        "/api/projects",
        "/api/projects/{id}",
        "/api/projects/import",
        "/api/projects/{id}/trace",
        "/api/reports/programme-table",
        "/api/reports/needs-by-place",
        "/api/export/projects",
        "/api/export/proposals",
        "/api/export/needs",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} in OpenAPI");
    }
    assert!(doc["components"]["schemas"]["ProgrammeTree"].is_object());
}

fn sheet(number: i64) -> Value {
    json!({
        "number": number,
        "programme_id": 2,
        "title_ar": "تزويد دوار ادوز بالماء الصالح للشرب",
        "title_fr": "Adduction d'eau potable à Idouz",
        "sector": "drinking_water",
        "douar_ids": ["idouz", "ait-abbou"],
        "pole_ids": ["pole-3"],
        "beneficiaries_women": 420,
        "beneficiaries_men": 390,
        "commune_contribution": "1250000.10",
        "partners": [{"name": "ONEE", "amount": "2000000.05"}, {"name": "المجلس الإقليمي", "amount": "750000.00"}],
        "start_year": 2024,
        "end_year": 2026,
        "duration_months": 24,
        "owner": "الجماعة",
        "prerequisite_land": "متوفر",
        "prerequisite_studies": "دراسة تقنية جارية",
        "indicators": "عدد الأسر المستفيدة"
    })
}

#[tokio::test]
async fn project_sheets_are_checked_and_only_the_office_edits_them() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let audit_before = app.count("SELECT count(*) FROM audit_log");

    let (status, created) = send_json(
        &app,
        reqwest::Method::POST,
        "/api/projects",
        &office,
        &sheet(44),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["partners_contribution"], "2750000.05");
    assert_eq!(created["total_cost"], "4000000.15");
    assert_eq!(created["axis_id"], 1);
    assert_eq!(created["placeholder"], false);
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM project_partner_shares WHERE project_id = {id}"
        )),
        2
    );

    let (status, tree) = app.get_json("/api/programme", &office).await;
    assert_eq!(status, 200);
    assert_eq!(tree["totals"]["projects"], 44);
    assert_eq!(tree["totals"]["commune"], "53400000.10");

    // Every rule, each with a clear 400 and nothing written.
    let projects_before = app.count("SELECT count(*) FROM projects");
    let bad: Vec<(Value, &str)> = vec![
        (json!({"number": 0}), "positive"),
        (json!({"number": 3}), "already taken"),
        (json!({"title_ar": "   "}), "title_ar"),
        (json!({"commune_contribution": "-5.00"}), "negative"),
        (
            json!({"partners": [{"name": "X", "amount": "-1.00"}]}),
            "negative",
        ),
        (
            json!({"partners_contribution": "1.00"}),
            "not the sum of the partners",
        ),
        (
            json!({"douar_ids": ["atlantis"]}),
            "unknown douar id 'atlantis'",
        ),
        (
            json!({"pole_ids": ["pole-99"]}),
            "unknown pole id 'pole-99'",
        ),
        (json!({"programme_id": 99}), "unknown programme id 99"),
        (json!({"sector": "space"}), "unknown sector"),
        (json!({"start_year": 1800}), "start_year must be between"),
        (json!({"start_year": 2027}), "after end_year"),
        (json!({"duration_months": 0}), "duration_months"),
        (json!({"beneficiaries_men": -3}), "beneficiaries_men"),
    ];
    for (patch, expected) in bad {
        let mut body = sheet(45);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, err) =
            send_json(&app, reqwest::Method::POST, "/api/projects", &office, &body).await;
        assert_eq!(status, 400, "{patch}: {err}");
        assert_eq!(err["error"], "invalid_project");
        assert!(
            err["message"].as_str().unwrap().contains(expected),
            "{patch}: {err}"
        );
    }
    let mut body = sheet(45);
    body["commune_contribution"] = json!("1.005");
    let (status, err) =
        send_json(&app, reqwest::Method::POST, "/api/projects", &office, &body).await;
    assert_eq!((status, err["error"].as_str()), (400, Some("bad_json")));
    assert_eq!(app.count("SELECT count(*) FROM projects"), projects_before);

    // Read, update, 404s.
    let (status, got) = app.get_json(&format!("/api/projects/{id}"), &office).await;
    assert_eq!(status, 200);
    assert_eq!(got, created);
    let mut body = sheet(44);
    body["partners"] = json!([]);
    body["partners_contribution"] = json!("10.50");
    body["title_fr"] = json!("Eau potable (révisé)");
    let (status, updated) = send_json(
        &app,
        reqwest::Method::PUT,
        &format!("/api/projects/{id}"),
        &office,
        &body,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["partners_contribution"], "10.50");
    assert_eq!(updated["partners"], json!([]));
    assert_eq!(updated["title_fr"], "Eau potable (révisé)");
    body["number"] = json!(3);
    let (status, err) = send_json(
        &app,
        reqwest::Method::PUT,
        &format!("/api/projects/{id}"),
        &office,
        &body,
    )
    .await;
    assert_eq!(status, 400, "{err}");
    let (status, _) = send_json(
        &app,
        reqwest::Method::PUT,
        "/api/projects/9999",
        &office,
        &sheet(46),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json("/api/projects/9999", &office).await;
    assert_eq!(status, 404);
    let (status, err) = app.get_json("/api/projects/abc", &office).await;
    assert_eq!((status, err["error"].as_str()), (400, Some("bad_id")));

    // Committee and facilitators read but do not write.
    for role in ["committee", "facilitator"] {
        let token = app.login(role).await;
        let (status, _) = app.get_json(&format!("/api/projects/{id}"), &token).await;
        assert_eq!(status, 200, "{role} reads");
        let (status, _) = send_json(
            &app,
            reqwest::Method::POST,
            "/api/projects",
            &token,
            &sheet(47),
        )
        .await;
        assert_eq!(status, 403, "{role} creates");
        let (status, _) = send_json(
            &app,
            reqwest::Method::PUT,
            &format!("/api/projects/{id}"),
            &token,
            &sheet(44),
        )
        .await;
        assert_eq!(status, 403, "{role} updates");
        let r = app
            .http
            .delete(app.url(&format!("/api/projects/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{role} deletes");
        let (status, _) = import(&app, &token, "", b"number\n1\n".to_vec()).await;
        assert_eq!(status, 403, "{role} imports");
    }
    let r = app
        .http
        .get(app.url("/api/programme"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let r = app
        .http
        .delete(app.url(&format!("/api/projects/{id}")))
        .bearer_auth(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, _) = app.get_json(&format!("/api/projects/{id}"), &office).await;
    assert_eq!(status, 404);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM project_partner_shares WHERE project_id = {id}"
        )),
        0
    );
    // create, update, delete: three entries (beside the demo's own import).
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action LIKE 'project.%' AND user_id IS NOT NULL"
        ),
        3
    );
    assert!(app.count("SELECT count(*) FROM audit_log") >= audit_before + 3);
}

/// A file in French form: semicolons, "1 234 567,89", names instead of ids, an alias.
const FRENCH_CSV: &str = "number;programme;title_ar;title_fr;douars;poles;commune_contribution_mad;partners;start_year;sector\n\
    50;Infrastructure;تهيئة مسلك دوار اولاد سكير;Piste d'Ouled Skir;اولادسكيبر، الجريف;القطب 2 — اولاد سكير;1 234 567,89;\"ONEE=100 000,50; Région=20 000,00\";2025;roads\n\
    3;1;بناء المسالك الطرقية بوسط التجمعات السكنية على طول 8,5 كلم;Pistes dans les douars;;;2 500 000,00;;2024;\n";

#[tokio::test]
async fn csv_and_xlsx_imports_round_trip_exactly() {
    let a = spawn_app().await;
    let office_a = a.login("office").await;

    // A dry run reports and writes nothing.
    let before = projects_csv(&a, &office_a).await;
    let (status, report) = import(&a, &office_a, "?dry_run=1", FRENCH_CSV.into()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report,
        json!({"created": [50], "updated": [3], "partners_added": ["ONEE", "Région"], "dry_run": true})
    );
    assert_eq!(projects_csv(&a, &office_a).await, before);

    let (status, report) = import(&a, &office_a, "", FRENCH_CSV.into()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report,
        json!({"created": [50], "updated": [3], "partners_added": ["ONEE", "Région"], "dry_run": false})
    );
    let (_, tree) = a.get_json("/api/programme", &office_a).await;
    let p50 = tree["axes"][0]["programmes"][0]["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == 50)
        .unwrap()
        .clone();
    let (_, p50) = a
        .get_json(&format!("/api/projects/{}", p50["id"]), &office_a)
        .await;
    assert_eq!(p50["commune_contribution"], "1234567.89");
    assert_eq!(p50["partners_contribution"], "120000.50");
    assert_eq!(p50["partners"][1]["name"], "Région");
    assert_eq!(p50["partners"][1]["amount"], "20000.00");
    let (_, partners) = a.get_json("/api/partners", &office_a).await;
    let region = partners
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name_ar"] == "Région")
        .unwrap();
    assert_eq!(p50["partners"][1]["partner_id"], region["id"]);
    assert_eq!(p50["douar_ids"], json!(["ouled-skir", "el-jrif"]));
    assert_eq!(p50["pole_ids"], json!(["pole-2"]));
    assert_eq!(p50["sector"], "roads");
    assert_eq!(tree["axes"][0]["programmes"][0]["totals"]["projects"], 14);
    // Project 3 was updated in the columns given, the others kept.
    let (_, table) = a.get_json("/api/reports/programme-table", &office_a).await;
    assert_eq!(
        table["rows"][0]["commune_contribution"], "24604567.89",
        "20 870 000 + 1 234 567,89 + 2 500 000"
    );
    let exported = projects_csv(&a, &office_a).await;
    let (headers, rows) = csv_rows(&exported);
    assert_eq!(headers[0], "number");
    let row3 = rows.iter().find(|r| r[0] == "3").unwrap();
    // The status is the execution records' (issue 15): the seed's "in preparation" was read
    // into a record, exported as its code, which the import reads back the same.
    assert_eq!(
        row3[headers.iter().position(|h| h == "status").unwrap()],
        "preparation_started"
    );
    assert_eq!(
        row3[headers
            .iter()
            .position(|h| h == "commune_contribution_mad")
            .unwrap()],
        "2500000.00"
    );

    // CSV: A's export into a fresh server gives the same projects.
    let b = spawn_app().await;
    let office_b = b.login("office").await;
    let (status, report) = import(&b, &office_b, "", exported.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], json!([50]));
    assert_eq!(report["updated"].as_array().unwrap().len(), 43);
    assert_eq!(projects_csv(&b, &office_b).await, exported);
    let (_, table_b) = b.get_json("/api/reports/programme-table", &office_b).await;
    assert_eq!(table_b, table);

    // XLSX: the same through a workbook (detected by its zip magic, or named).
    let (status, ctype, xlsx) = get_bytes(&a, "/api/export/projects?format=xlsx", &office_a).await;
    assert_eq!((status, ctype.as_str()), (200, XLSX_TYPE));
    let sheet = xlsx_rows(xlsx.clone());
    assert_eq!(sheet.len(), 45);
    for query in ["", "?format=xlsx"] {
        let c = spawn_app().await;
        let office_c = c.login("office").await;
        let (status, report) = import(&c, &office_c, query, xlsx.clone()).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["created"], json!([50]));
        assert_eq!(projects_csv(&c, &office_c).await, exported);
    }
}

#[tokio::test]
async fn bad_files_are_refused_whole_with_their_lines() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let before = projects_csv(&app, &office).await;
    let audit_before = app.count("SELECT count(*) FROM audit_log");
    let good = "60,1,مشروع صالح,100\n";
    let header = "number,programme,title_ar,commune_contribution_mad\n";

    let cases: Vec<(&str, Vec<u8>, Vec<u64>, &str)> = vec![
        (
            "malformed CSV",
            format!("{header}{good}61,1,حقول كثيرة,5,6,7\n").into_bytes(),
            vec![3],
            "fields where the header has 4",
        ),
        (
            "wrong types",
            b"number,programme,title_ar,start_year\n60,1,x,2024\nsixty,1,y,2025\n62,1,z,soon\n"
                .to_vec(),
            vec![3, 4],
            "not a whole number",
        ),
        (
            "negative amount",
            format!("{header}{good}61,1,سالب,\"-1 000,00\"\n").into_bytes(),
            vec![3],
            "negative",
        ),
        (
            "ambiguous amount",
            format!("{header}{good}61,1,غامض,\"1,000\"\n").into_bytes(),
            vec![3],
            "ambiguous",
        ),
        (
            "unknown programme",
            format!("{header}{good}61,برنامج الفضاء,مجهول,5\n").into_bytes(),
            vec![3],
            "unknown programme",
        ),
        (
            "duplicate number",
            format!("{header}{good}62,1,آخر,5\n60,1,مكرر,5\n").into_bytes(),
            vec![4],
            "already on line 2",
        ),
        (
            "unknown douar",
            "number,programme,title_ar,douars\n60,1,صالح,ادوز\n61,1,دوار,الرباط\n"
                .as_bytes()
                .to_vec(),
            vec![3],
            "unknown douar",
        ),
        (
            "XLSX magic, not XLSX",
            b"PK\x03\x04 this is not a zip file at all".to_vec(),
            vec![0],
            "not a readable XLSX file",
        ),
        ("empty file", Vec::new(), vec![0], "empty"),
        (
            "header only",
            header.as_bytes().to_vec(),
            vec![1],
            "no project",
        ),
        (
            "unknown column",
            b"number,programme,titel\n60,1,x\n".to_vec(),
            vec![1],
            "unknown column 'titel'",
        ),
        (
            "not UTF-8",
            [header.as_bytes(), b"60,1,\xff\xfe,5\n"].concat(),
            vec![2],
            "UTF-8",
        ),
    ];
    for (name, body, lines, reason) in cases {
        let (status, err) = import(&app, &office, "", body).await;
        assert_eq!(status, 400, "{name}: {err}");
        assert_eq!(err["error"], "bad_import", "{name}");
        assert!(err["message"].as_str().unwrap().contains("not imported"));
        let errors = err["errors"].as_array().unwrap();
        let got: Vec<u64> = errors.iter().map(|e| e["line"].as_u64().unwrap()).collect();
        assert_eq!(got, lines, "{name}: {err}");
        assert!(
            errors
                .iter()
                .any(|e| e["reason"].as_str().unwrap().contains(reason)),
            "{name}: {err}"
        );
    }
    // A workbook whose rows are bad: reported by sheet row.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "number",
        "programme",
        "title_ar",
        "commune_contribution_mad",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 60.0).unwrap();
    ws.write_number(1, 1, 1.0).unwrap();
    ws.write_string(1, 2, "صالح").unwrap();
    ws.write_number(2, 0, 61.0).unwrap();
    ws.write_number(2, 1, 1.0).unwrap();
    ws.write_string(2, 2, "سالب").unwrap();
    ws.write_number(2, 3, -5.0).unwrap();
    let (status, err) = import(&app, &office, "", wb.save_to_buffer().unwrap()).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["errors"][0]["line"], 3, "{err}");

    let (status, err) = import(&app, &office, "?format=ods", b"number\n1\n".to_vec()).await;
    assert_eq!((status, err["error"].as_str()), (400, Some("bad_format")));
    let big = vec![b'a'; 9 * 1024 * 1024];
    let (status, _) = import(&app, &office, "", big).await;
    assert_eq!(status, 413);

    assert_eq!(projects_csv(&app, &office).await, before, "nothing written");
    assert_eq!(app.count("SELECT count(*) FROM audit_log"), audit_before);
}

/// Syncs two sessions (women at Idouz, men at Ouled Skir) and returns their proposal ids.
async fn field_sessions(app: &TestApp) -> (Vec<Uuid>, Vec<Uuid>) {
    let token = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let women = tablet.new_session();
    let ctx = tablet.ctx();
    tablet
        .doc(women)
        .add_attendance(AttendanceCategory::Women, 14, &ctx)
        .unwrap();
    let w1 = tablet.add_proposal(women, "لا يوجد ماء صالح للشرب");
    let w2 = tablet.add_proposal(women, "بئر الدوار جافة");
    let w3 = tablet.add_proposal(women, "اقتراح سحب");
    let ctx = tablet.ctx();
    tablet
        .doc(women)
        .set_proposal_deleted(w3, true, &ctx)
        .unwrap();

    let men = Uuid::new_v4();
    let ctx = tablet.ctx();
    let mut doc = SessionDoc::create(
        men,
        &NewSession {
            pole_id: "pole-2".into(),
            douar_ids: vec!["ouled-skir".into(), "el-jrif".into()],
            group_kind: GroupKind::Men,
            date: "2022-08-02".into(),
            facilitators: "أحمد".into(),
        },
        &ctx,
        None,
    )
    .unwrap();
    let ctx = tablet.ctx();
    doc.add_attendance(AttendanceCategory::Men, 9, &ctx)
        .unwrap();
    let ctx = tablet.ctx();
    let m1 = doc
        .add_proposal(
            &ProposalInput {
                problem: "انقطاع الماء".into(),
                solution: "ربط الدوار بالشبكة".into(),
                sector: Some(Sector::DrinkingWater),
                douar_id: Some("ouled-skir".into()),
                raised_by: String::new(),
            },
            &ctx,
        )
        .unwrap();
    tablet.docs.insert(men, (doc, State::new()));
    tablet.sync(app, &token).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 4);
    (vec![w1, w2, w3], vec![m1])
}

#[tokio::test]
async fn traces_needs_by_place_and_exports() {
    let app = spawn_app().await;
    let token = app.login("committee").await;
    let (women, men) = field_sessions(&app).await;

    // Needs as the consolidation writes them: need 1 (water) from both sessions, linked to
    // project 14; need 2 alive, unlinked; need 3 closed.
    {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        conn.execute_batch(
            "INSERT INTO consolidation_actions (id, at, kind, detail) VALUES (1, 0, 'create', '{}');
             INSERT INTO needs (id, title, title_norm, sector, created_at, updated_at)
                 VALUES (1, 'الماء الصالح للشرب', 'الماء الصالح للشرب', 'drinking_water', 0, 0),
                        (2, 'بئر', 'بئر', 'drinking_water', 0, 0);
             INSERT INTO needs (id, title, title_norm, created_at, updated_at, closed_at)
                 VALUES (3, 'مغلقة', 'مغلقة', 0, 0, 5);
             INSERT INTO need_projects (need_id, project_id, action_id)
                 SELECT 1, id, 1 FROM projects WHERE number = 14;
             INSERT INTO need_projects (need_id, project_id, action_id)
                 SELECT 3, id, 1 FROM projects WHERE number = 14;",
        )
        .unwrap();
        for (proposal, need) in [(women[0], 1), (men[0], 1), (women[1], 2), (women[2], 1)] {
            conn.execute(
                "INSERT INTO need_members (proposal_id, need_id, action_id) VALUES (?1, ?2, 1)",
                rusqlite::params![proposal.to_string(), need],
            )
            .unwrap();
        }
    }
    let project14: i64 = {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        conn.query_row("SELECT id FROM projects WHERE number = 14", [], |r| {
            r.get(0)
        })
        .unwrap()
    };

    let (status, trace) = app
        .get_json(&format!("/api/projects/{project14}/trace"), &token)
        .await;
    assert_eq!(status, 200, "{trace}");
    assert_eq!(trace["project"]["number"], 14);
    assert_eq!(
        trace["project"]["need_ids"],
        json!([1]),
        "closed need left out"
    );
    let needs = trace["needs"].as_array().unwrap();
    assert_eq!(needs.len(), 1);
    let proposals = needs[0]["proposals"].as_array().unwrap();
    assert_eq!(
        proposals.len(),
        3,
        "the withdrawn proposal is shown, marked"
    );
    // Session date order: women (2022-07-14) before men (2022-08-02).
    let women_first = &proposals[0]["session"];
    assert_eq!(women_first["group_kind"], "women");
    assert_eq!(women_first["pole_id"], "pole-3");
    assert_eq!(women_first["douar_ids"], json!(["idouz"]));
    assert_eq!(women_first["present"], 14);
    assert!(
        women_first["attendance"]
            .as_array()
            .unwrap()
            .contains(&json!({"category": "women", "count": 14}))
    );
    let last = &proposals[2];
    assert_eq!(last["id"], men[0].to_string());
    assert_eq!(last["session"]["date"], "2022-08-02");
    assert_eq!(
        last["session"]["douar_ids"],
        json!(["el-jrif", "ouled-skir"])
    );
    assert_eq!(proposals.iter().filter(|p| p["deleted"] == true).count(), 1);
    assert_eq!(trace["sessions"], 2);
    assert_eq!(trace["present"], 23);
    assert_eq!(
        trace["sessions_by_group"],
        json!([{"group_kind": "women", "sessions": 1}, {"group_kind": "men", "sessions": 1}])
    );
    let (status, _) = app.get_json("/api/projects/9999/trace", &token).await;
    assert_eq!(status, 404);
    let (_, tree) = app.get_json("/api/programme", &token).await;
    let p14 = &tree["axes"][0]["programmes"][1]["projects"][0];
    assert_eq!(
        (p14["number"].as_i64(), p14["needs"].as_i64()),
        (Some(14), Some(1))
    );

    let (status, places) = app.get_json("/api/reports/needs-by-place", &token).await;
    assert_eq!(status, 200);
    assert_eq!(places["poles"].as_array().unwrap().len(), 7);
    assert_eq!(places["douars"].as_array().unwrap().len(), 18);
    let place = |kind: &str, id: &str| -> Value {
        places[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()["needs"]
            .clone()
    };
    assert_eq!(
        place("poles", "pole-3"),
        json!([
            {"need_id": 1, "title": "الماء الصالح للشرب", "sector": "drinking_water", "proposals": 1, "from_women": 1},
            {"need_id": 2, "title": "بئر", "sector": "drinking_water", "proposals": 1, "from_women": 1}
        ])
    );
    assert_eq!(place("poles", "pole-2")[0]["proposals"], 1);
    assert_eq!(place("poles", "pole-2")[0]["from_women"], 0);
    assert_eq!(place("douars", "ouled-skir").as_array().unwrap().len(), 1);
    assert_eq!(place("douars", "idouz").as_array().unwrap().len(), 2);
    assert_eq!(place("douars", "el-jrif"), json!([]));
    assert_eq!(place("poles", "pole-1"), json!([]));

    // Proposals export: every proposal, withdrawn flagged, with its session and need.
    let (status, ctype, bytes) = get_bytes(&app, "/api/export/proposals", &token).await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/csv"));
    let (headers, rows) = csv_rows(&bytes);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 4);
    let m = rows
        .iter()
        .find(|r| r[col("proposal_id")] == men[0].to_string())
        .unwrap();
    assert_eq!(m[col("group_kind")], "men");
    assert_eq!(m[col("session_douars")], "el-jrif;ouled-skir");
    assert_eq!(m[col("present")], "9");
    assert_eq!(m[col("need_id")], "1");
    assert_eq!(m[col("douar_id")], "ouled-skir");
    let withdrawn = rows
        .iter()
        .find(|r| r[col("proposal_id")] == women[2].to_string())
        .unwrap();
    assert_eq!(withdrawn[col("withdrawn")], "1");
    let (status, ctype, bytes) = get_bytes(&app, "/api/export/proposals?format=xlsx", &token).await;
    assert_eq!((status, ctype.as_str()), (200, XLSX_TYPE));
    let sheet = xlsx_rows(bytes);
    assert_eq!(sheet.len(), 5);
    assert_eq!(sheet[0][0], Data::String("proposal_id".into()));

    // Needs export: alive needs only, sessions counted once.
    let (status, _, bytes) = get_bytes(&app, "/api/export/needs?format=csv", &token).await;
    assert_eq!(status, 200);
    let (headers, rows) = csv_rows(&bytes);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 2, "the closed need is not exported");
    let water = &rows[0];
    assert_eq!(water[col("need_id")], "1");
    assert_eq!(
        water[col("proposals")],
        "2",
        "the withdrawn proposal is not counted"
    );
    assert_eq!(water[col("sessions")], "2");
    assert_eq!(water[col("sessions_women")], "1");
    assert_eq!(water[col("sessions_men")], "1");
    assert_eq!(water[col("sessions_youth")], "0");
    assert_eq!(water[col("present")], "23");
    assert_eq!(water[col("poles")], "pole-2;pole-3");
    assert_eq!(water[col("douars")], "idouz;ouled-skir");
    assert_eq!(water[col("project_numbers")], "14");
    let well = &rows[1];
    assert_eq!(
        (
            well[col("sessions")].as_str(),
            well[col("present")].as_str()
        ),
        ("1", "14")
    );
    let (status, _, bytes) = get_bytes(&app, "/api/export/needs?format=xlsx", &token).await;
    assert_eq!(status, 200);
    let sheet = xlsx_rows(bytes);
    assert_eq!(sheet.len(), 3);
    assert_eq!(sheet[1][col("present")], Data::Float(23.0));

    // The projects export names the linked needs (ignored on import).
    let bytes = projects_csv(&app, &token).await;
    let (headers, rows) = csv_rows(&bytes);
    let row14 = rows.iter().find(|r| r[0] == "14").unwrap();
    assert_eq!(
        row14[headers.iter().position(|h| h == "needs").unwrap()],
        "1"
    );
}

/// Lists between `|` or `;`, the commune-wide words, the sector error naming the codes, the
/// error summary naming each line once, and a project read by its number.
#[tokio::test]
async fn import_reads_a_communes_own_spreadsheet() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let all_douars = app.count("SELECT count(*) FROM douars");
    assert!(all_douars > 2);
    let body = "number;programme;title_ar;douars;location\n\
                70;1;مشروعان;ادوز | اولادسكيبر;\n\
                71;1;كل الدواوير;كلّ الدّواوير;\n\
                72;1;الجماعة;;Toute la Commune\n\
                73;1;فرنسية;TOUS LES DOUARS;\n";
    let (status, report) = import(&app, &office, "", body.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], json!([70, 71, 72, 73]));
    let douars_of = |number: i64| {
        app.count(&format!(
            "SELECT count(*) FROM project_douars pd JOIN projects p ON p.id = pd.project_id
             WHERE p.number = {number}"
        ))
    };
    assert_eq!(douars_of(70), 2);
    assert_eq!(douars_of(71), all_douars);
    assert_eq!(douars_of(72), all_douars);
    assert_eq!(douars_of(73), all_douars);

    // One line with two problems is named once in the summary; the sector error lists codes.
    let body = "number,programme,title_ar,sector,douars\n\
                74,1,سيئ,الفضاء,الرباط\n\
                75,1,جيد,roads,ادوز\n\
                76,1,سيئ أيضا,space,\n";
    let (status, err) = import(&app, &office, "", body.as_bytes().to_vec()).await;
    assert_eq!(status, 400, "{err}");
    let lines: Vec<u64> = err["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 2, 4], "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("3 problem(s), line(s) 2, 4"), "{message}");
    let sector = err["errors"][0]["reason"].as_str().unwrap();
    for code in ["roads", "water", "education"] {
        assert!(sector.contains(code), "{sector}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM projects WHERE number >= 74"),
        0
    );

    // By number as well as by id.
    let id = app.count("SELECT id FROM projects WHERE number = 70");
    let (status, by_id) = app.get_json(&format!("/api/projects/{id}"), &office).await;
    assert_eq!(status, 200);
    let (status, by_number) = app.get_json("/api/projects/by-number/70", &office).await;
    assert_eq!(status, 200, "{by_number}");
    assert_eq!(by_number, by_id);
    let (status, err) = app.get_json("/api/projects/by-number/9999", &office).await;
    assert_eq!((status, err["error"].as_str()), (404, Some("not_found")));
    let (status, err) = app
        .get_json("/api/projects/by-number/seventy", &office)
        .await;
    assert_eq!(status, 400, "{err}");
}

/// The demo's 37 placeholders: a real list imported over them leaves none, with their made-up
/// titles and notes gone unless the file gives them.
#[tokio::test]
async fn importing_a_real_list_over_the_placeholders_makes_them_real() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    assert_eq!(
        app.count("SELECT count(*) FROM projects WHERE placeholder = 1"),
        37
    );
    let numbers: Vec<i64> = (1..=43).collect();
    let mut body = String::from("number,title_ar\n");
    for n in &numbers {
        body.push_str(&format!("{n},مشروع حقيقي {n}\n"));
    }
    // A placeholder named without its title is refused: the made-up one is not kept.
    let unnamed = app.count("SELECT min(number) FROM projects WHERE placeholder = 1");
    let (status, err) = import(
        &app,
        &office,
        "",
        format!("number,title_fr\n{unnamed},Route\n").into_bytes(),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("title_ar"),
        "{err}"
    );
    let (status, dry) = import(&app, &office, "?dry_run=1", body.clone().into_bytes()).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["made_real"].as_array().unwrap().len(), 37, "{dry}");
    assert_eq!(
        app.count("SELECT count(*) FROM projects WHERE placeholder = 1"),
        37
    );
    let (status, report) = import(&app, &office, "", body.into_bytes()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["updated"].as_array().unwrap().len(), 43);
    assert_eq!(report["made_real"], dry["made_real"]);
    assert_eq!(
        app.count("SELECT count(*) FROM projects WHERE placeholder = 1"),
        0
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM projects WHERE title_fr LIKE '%non nommé%'
             OR title_en LIKE '%not named%' OR programme_note LIKE 'placeholder%'"
        ),
        0
    );
    // Amounts and programmes stay: the programme table is unchanged.
    let (status, tree) = app.get_json("/api/programme", &office).await;
    assert_eq!(status, 200);
    assert_eq!(tree["totals"]["projects"], 43);
    // A file with a `placeholder` column still says so itself.
    let (status, report) = import(
        &app,
        &office,
        "",
        "number,placeholder\n5,1\n".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        app.count("SELECT count(*) FROM projects WHERE placeholder = 1"),
        1
    );
}

/// "Replace the programme": the dry run lists what would change and changes nothing; the
/// import then removes the projects not in the file, except one a need links to (kept and
/// reported), all in one go.
#[tokio::test]
async fn replacing_the_programme_removes_what_the_file_leaves_out_unless_linked() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let session = tablet.new_session();
    let proposal = tablet.add_proposal(session, "انعدام الماء الصالح للشرب");
    tablet.sync(&app, &fac).await.unwrap();
    let office = app.login("office").await;
    let (status, need) = send_json(
        &app,
        reqwest::Method::POST,
        "/api/needs",
        &office,
        &json!({"title": "الماء", "proposal_ids": [proposal]}),
    )
    .await;
    assert_eq!(status, 201, "{need}");
    let need = need["need_id"].as_i64().unwrap();
    let linked = app.count("SELECT id FROM projects WHERE number = 40");
    let (status, answer) = send_json(
        &app,
        reqwest::Method::POST,
        &format!("/api/needs/{need}/projects"),
        &office,
        &json!({"project_id": linked}),
    )
    .await;
    assert!(status < 300, "{status} {answer}");

    // The new programme: projects 1 to 10 renamed, and a new 50.
    let mut body = String::from("number,programme,title_ar\n");
    for n in 1..=10 {
        let programme = app.count(&format!(
            "SELECT programme_id FROM projects WHERE number = {n}"
        ));
        body.push_str(&format!("{n},{programme},مشروع {n}\n"));
    }
    body.push_str("50,1,مشروع جديد\n");
    let before = projects_csv(&app, &office).await;
    let (status, dry) = import(&app, &office, "?replace=1&dry_run=1", body.clone().into()).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["created"], json!([50]));
    assert_eq!(dry["updated"], json!((1..=10).collect::<Vec<i64>>()));
    let removed: Vec<i64> = (11..=43).filter(|n| *n != 40).collect();
    assert_eq!(dry["removed"], json!(removed));
    assert_eq!(dry["kept"][0]["number"], 40, "{dry}");
    assert!(
        dry["kept"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("1 need")
    );
    assert_eq!(
        projects_csv(&app, &office).await,
        before,
        "the dry run wrote"
    );

    let (status, report) = import(&app, &office, "?replace=1", body.into()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["removed"], json!(removed));
    assert_eq!(app.count("SELECT count(*) FROM projects"), 12);
    assert_eq!(
        app.count("SELECT count(*) FROM projects WHERE number IN (40, 50) OR number <= 10"),
        12
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM need_projects WHERE project_id = {linked}"
        )),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM projects WHERE placeholder = 1 AND number <= 10"),
        0
    );

    // Without the flag nothing is removed; a refused file in replace mode removes nothing.
    let (status, report) = import(
        &app,
        &office,
        "",
        "number,title_ar\n1,واحد\n".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert!(report.get("removed").is_none(), "{report}");
    let (status, _) = import(
        &app,
        &office,
        "?replace=1",
        b"number,title_ar\n1,\n".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(app.count("SELECT count(*) FROM projects"), 12);
}

/// The partner list (office), shares known or not yet, totals that count known shares only
/// and say how many are unknown, and partners named by an import.
#[tokio::test]
async fn partners_are_a_list_and_shares_may_be_unknown() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let fac = app.login("facilitator").await;
    let post = |token: &str, body: Value| {
        let token = token.to_string();
        let app = &app;
        async move { send_json(app, reqwest::Method::POST, "/api/partners", &token, &body).await }
    };
    let (status, region) = post(
        &office,
        json!({"name_ar": "جهة سوس ماسة", "name_fr": "Région Souss-Massa", "kind": "region"}),
    )
    .await;
    assert_eq!(status, 201, "{region}");
    assert_eq!(region["kind"], "region");
    assert_eq!(region["shares"], 0);
    let (status, _) = post(&fac, json!({"name_ar": "x"})).await;
    assert_eq!(status, 403);
    // The same name (case and accents aside) twice, a blank name, an unknown kind: refused.
    for (body, says) in [
        (json!({"name_ar": "REGION SOUSS-MASSA"}), "already partner"),
        (json!({"name_ar": " ", "kind": "region"}), "name_ar"),
        (json!({"name_ar": "وزارة", "kind": "galaxy"}), "public_body"),
    ] {
        let (status, err) = post(&office, body.clone()).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert_eq!(err["error"], "invalid_partner");
        assert!(err["message"].as_str().unwrap().contains(says), "{err}");
    }
    let (status, indh) = post(
        &office,
        json!({"name_ar": "المبادرة الوطنية", "kind": "indh"}),
    )
    .await;
    assert_eq!(status, 201, "{indh}");

    // A project's shares: one known, one not yet (by id), one by a name not in the list.
    let id = app.count("SELECT id FROM projects WHERE number = 1");
    let (status, mut project) = app.get_json(&format!("/api/projects/{id}"), &office).await;
    assert_eq!(status, 200);
    project["partners"] = json!([
        {"partner_id": region["id"], "amount": "100000.00"},
        {"partner_id": indh["id"]},
        {"name": "ONEE"},
    ]);
    project["partners_contribution"] = Value::Null;
    let (status, saved) = send_json(
        &app,
        reqwest::Method::PUT,
        &format!("/api/projects/{id}"),
        &office,
        &project,
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["partners_contribution"], "100000.00");
    assert_eq!(saved["partners"][0]["name"], "جهة سوس ماسة");
    assert_eq!(saved["partners"][1]["amount"], Value::Null);
    let onee = saved["partners"][2]["partner_id"].as_i64().unwrap();
    let (_, list) = app.get_json("/api/partners", &office).await;
    let onee_row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == onee)
        .unwrap();
    assert_eq!(
        (onee_row["name_ar"].as_str(), onee_row["kind"].as_str()),
        (Some("ONEE"), Some("other"))
    );

    // A total known before its split is kept over unknown shares, never below the known
    // ones; a partner named twice is refused.
    for (number, partners, total, want, says) in [
        (
            900,
            json!([{"name": "ONEE"}, {"name": "جهة سوس ماسة"}]),
            json!("300.00"),
            201,
            "",
        ),
        (
            901,
            json!([{"name": "ONEE", "amount": "500.00"}, {"name": "INDH"}]),
            json!("300.00"),
            400,
            "less than the partners' known shares",
        ),
        (
            902,
            json!([{"name": "ONEE"}, {"name": "onee"}]),
            Value::Null,
            400,
            "named twice",
        ),
    ] {
        let mut other = project.clone();
        other["number"] = json!(number);
        other["partners"] = partners;
        other["partners_contribution"] = total.clone();
        let (status, answer) = send_json(
            &app,
            reqwest::Method::POST,
            "/api/projects",
            &office,
            &other,
        )
        .await;
        assert_eq!(status, want, "{answer}");
        if status == 201 {
            assert_eq!(answer["partners_contribution"], total);
            assert_eq!(answer["partners"][0]["amount"], Value::Null);
        } else {
            assert!(
                answer["message"].as_str().unwrap().contains(says),
                "{answer}"
            );
        }
    }
    // Totals count the known shares and say how many are not known (one on project 1, two
    // on project 900).
    let (_, tree) = app.get_json("/api/programme", &office).await;
    assert_eq!(
        tree["totals"]["unknown_partner_shares"], 4,
        "{}",
        tree["totals"]
    );
    let (_, table) = app.get_json("/api/reports/programme-table", &office).await;
    assert_eq!(table["total"]["unknown_partner_shares"], 4);
    let unknown_in_rows: i64 = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unknown_partner_shares"].as_i64().unwrap())
        .sum();
    assert_eq!(unknown_in_rows, 4);

    // A partner with shares is not deleted; a renamed one shows its new name on the sheet.
    let path = format!("/api/partners/{}", region["id"]);
    let (status, err) =
        send_json(&app, reqwest::Method::DELETE, &path, &office, &Value::Null).await;
    assert_eq!((status, err["error"].as_str()), (409, Some("conflict")));
    let (status, renamed) = send_json(
        &app,
        reqwest::Method::PUT,
        &path,
        &office,
        &json!({"name_ar": "جهة سوس-ماسة", "kind": "region"}),
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    let (_, sheet) = app.get_json(&format!("/api/projects/{id}"), &office).await;
    assert_eq!(sheet["partners"][0]["name"], "جهة سوس-ماسة");

    // An import names partners without shares: matched to the list or added to it.
    let body = "number,title_ar,partners,partners_contribution_mad\n\
                2,مشروع,\"المبادرة الوطنية | Caisse X=5 000,00 | onee\",\n";
    let (status, dry) = import(&app, &office, "?dry_run=1", body.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["partners_added"], json!(["Caisse X"]));
    assert_eq!(
        app.count("SELECT count(*) FROM partners WHERE name_ar = 'Caisse X'"),
        0
    );
    let (status, report) = import(&app, &office, "", body.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["partners_added"], json!(["Caisse X"]));
    let (_, p2) = app.get_json("/api/projects/by-number/2", &office).await;
    assert_eq!(p2["partners"][0]["partner_id"], indh["id"]);
    assert_eq!(p2["partners"][0]["amount"], Value::Null);
    assert_eq!(p2["partners"][1]["amount"], "5000.00");
    assert_eq!(p2["partners"][2]["partner_id"], onee);
    assert_eq!(p2["partners_contribution"], "5000.00");
    assert_eq!(
        app.count("SELECT count(*) FROM partners WHERE name_ar = 'Caisse X'"),
        1
    );
    // Unused partners are deleted; every change is audited.
    let (status, spare) = post(&office, json!({"name_ar": "شريك زائد"})).await;
    assert_eq!(status, 201);
    let path = format!("/api/partners/{}", spare["id"]);
    let (status, _) = send_json(&app, reqwest::Method::DELETE, &path, &office, &Value::Null).await;
    assert_eq!(status, 204);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'partner.%'"),
        5
    );
}

/// A malformed workbook on which the XLSX reader panics (found by fuzzing the territory
/// import) is refused as unreadable: a 400, nothing written, the server still answering.
#[tokio::test]
async fn a_workbook_that_crashes_the_reader_is_refused() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let before = app.count("SELECT count(*) FROM projects");
    let bytes = include_bytes!("../data/xlsx-dimension-end-before-start.xlsx").to_vec();
    for query in ["?dry_run=1", ""] {
        let (status, body) = import(&app, &office, query, bytes.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"], "bad_import", "{body}");
        assert!(body.to_string().contains("XLSX"), "{body}");
    }
    assert_eq!(app.count("SELECT count(*) FROM projects"), before);
    let (status, _, _) = get_bytes(&app, "/api/programme", &office).await;
    assert_eq!(status, 200);
}

//! The rolling three-year programming and the annual evaluation (issue 15, plan3): the
//! table's expenditure equals the records' programmed amounts (per project, programme and
//! year), the actuals apart; resources checked line by line (bad input changes nothing); a
//! plan rolled forward (resources carried, the new year open, the old plan kept); the
//! evaluation's figures on a small known data set (rates computed by hand below); XLSX read
//! back with calamine; the reminder; the update's third-year rule.
//!
//! Until the execution records' API (exec's branch) lands, the records are inserted here with
//! SQL into the 0021 tables, as the schema's comments describe (`Data::insert_record`). Every
//! demo record is deleted first, so the figures are this file's alone.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::Method;
use rusqlite::{Connection, params};
use serde_json::{Value, json};
use tachkhis_shared::api::procedure::date_of_day;

use crate::helpers::{TestApp, spawn_app};

fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    secs.div_euclid(86_400)
}

fn this_year() -> i32 {
    date_of_day(today())[..4].parse().unwrap()
}

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.send(Method::PUT, path, token, Some(body)).await
}

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

/// The known data set: three projects, two programmes, two poles.
struct Data3 {
    p1: i64,
    p2: i64,
    p3: i64,
    g1: i64,
    g2: i64,
    pole_x: String,
    pole_y: String,
    partner: i64,
}

fn insert_record(
    conn: &Connection,
    project: i64,
    year: i32,
    status: &str,
    reason: &str,
    // (partner, programmed, committed, paid)
    amounts: &[(Option<i64>, &str, &str, &str)],
) {
    conn.execute(
        "INSERT INTO execution_records (project_id, year, status, status_reason, created_at,
                                        updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, 0)",
        params![project, year, status, reason],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    for (partner, programmed, committed, paid) in amounts {
        conn.execute(
            "INSERT INTO execution_amounts (record_id, partner_id, programmed, committed, paid)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, partner, programmed, committed, paid],
        )
        .unwrap();
    }
}

/// P1 and P2 in programme G1, P3 in G2; P1 in pole X, P2 in X and Y, P3 in Y.
/// 2023: P2 planned (700). 2024: P1 executed (commune 1000 + partner 500 programmed, 1200
/// paid), P2 under way (2000, 500 paid: late, first planned 2023), P3 suspended (300, 0).
/// 2025: P1 100. 2026: P3 50.
fn known_data(app: &TestApp) -> Data3 {
    let conn = Connection::open(&app.db_path).unwrap();
    conn.execute("DELETE FROM execution_records", []).unwrap();
    let g1: i64 = conn
        .query_row(
            "SELECT programme_id FROM projects WHERE programme_id IS NOT NULL
             GROUP BY programme_id HAVING count(*) >= 2 ORDER BY programme_id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM projects WHERE programme_id = ?1 ORDER BY number LIMIT 2")
        .unwrap()
        .query_map([g1], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let (g2, p3): (i64, i64) = conn
        .query_row(
            "SELECT programme_id, id FROM projects
             WHERE programme_id IS NOT NULL AND programme_id <> ?1 ORDER BY number LIMIT 1",
            [g1],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let poles: Vec<String> = conn
        .prepare("SELECT id FROM poles ORDER BY position LIMIT 2")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    conn.execute("INSERT INTO partners (name_ar) VALUES ('جمعية الفرح')", [])
        .unwrap();
    let partner = conn.last_insert_rowid();
    let d = Data3 {
        p1: ids[0],
        p2: ids[1],
        p3,
        g1,
        g2,
        pole_x: poles[0].clone(),
        pole_y: poles[1].clone(),
        partner,
    };
    for (p, poles) in [
        (d.p1, vec![&d.pole_x]),
        (d.p2, vec![&d.pole_x, &d.pole_y]),
        (d.p3, vec![&d.pole_y]),
    ] {
        conn.execute("DELETE FROM project_poles WHERE project_id = ?1", [p])
            .unwrap();
        for pole in poles {
            conn.execute(
                "INSERT INTO project_poles (project_id, pole_id) VALUES (?1, ?2)",
                params![p, pole],
            )
            .unwrap();
        }
    }
    insert_record(&conn, d.p2, 2023, "planned", "", &[(None, "700", "0", "0")]);
    insert_record(
        &conn,
        d.p1,
        2024,
        "executed",
        "",
        &[
            (None, "1000.00", "1000.00", "900.00"),
            (Some(partner), "500.00", "400.00", "300.00"),
        ],
    );
    insert_record(
        &conn,
        d.p2,
        2024,
        "under_way",
        "",
        &[(None, "2000", "1500", "500")],
    );
    insert_record(
        &conn,
        d.p3,
        2024,
        "suspended",
        "نزاع عقاري حول الوعاء",
        &[(None, "300", "0", "0")],
    );
    insert_record(&conn, d.p1, 2025, "planned", "", &[(None, "100", "0", "0")]);
    insert_record(&conn, d.p3, 2026, "planned", "", &[(None, "50", "0", "0")]);
    conn.execute(
        "INSERT INTO project_timeline (project_id, happened_on, text_ar, created_at, updated_at)
         VALUES (?1, '2024-06-01', 'توقف الأشغال بسبب نزاع عقاري', 0, 0)",
        [d.p3],
    )
    .unwrap();
    d
}

fn money(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not an amount: {v}"))
        .to_string()
}

/// An amount's value, for comparison whatever its scale ("1500" = "1500.00").
fn dec(v: &Value) -> rust_decimal::Decimal {
    money(v).parse().unwrap()
}

fn d(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

#[tokio::test]
async fn the_three_year_table_is_the_records_programmed_amounts_and_rolls_forward() {
    let app = spawn_app().await;
    let data = known_data(&app);
    let office = app.login("office").await;
    let committee = app.login("committee").await;

    let (st, plan) = app
        .post(
            "/api/plans",
            &office,
            json!({"first_year": 2024, "note": "أول برمجة"}),
        )
        .await;
    assert_eq!(st, 201, "{plan}");
    let (st, again) = app
        .post("/api/plans", &office, json!({"first_year": 2024}))
        .await;
    assert_eq!(st, 409, "{again}");
    let (st, _) = app
        .post("/api/plans", &committee, json!({"first_year": 2030}))
        .await;
    assert_eq!(st, 403);

    // Resources: 2024 own 3000 + surplus 500; 2025 the partner 200; 2026 other 10.
    let resources = json!({"resources": [
        {"year": 2024, "kind": "own_resources", "amount": "3000"},
        {"year": 2024, "kind": "surplus", "label": "فائض 2023", "amount": "500,00"},
        {"year": 2025, "kind": "partners", "partner_id": data.partner, "amount": "200"},
        {"year": 2026, "kind": "other", "label": "هبة", "amount": "10.50"},
    ]});
    let (st, t) = put(&app, "/api/plans/2024/resources", &office, resources).await;
    assert_eq!(st, 200, "{t}");

    // Expenditure per project and year = the records' programmed amounts (all funders).
    let (st, t) = app.get_json("/api/plans/2024", &committee).await;
    assert_eq!(st, 200, "{t}");
    let mut per_project = std::collections::HashMap::new();
    for g in t["programmes"].as_array().unwrap() {
        let mut sums = [d("0"); 3];
        for p in g["projects"].as_array().unwrap() {
            let years: Vec<_> = p["years"]
                .as_array()
                .unwrap()
                .iter()
                .map(|y| dec(&y["programmed"]))
                .collect();
            for (i, y) in years.iter().enumerate() {
                sums[i] += *y;
            }
            per_project.insert(
                p["project_id"].as_i64().unwrap(),
                (years, p["years"].clone()),
            );
        }
        // A programme's totals are its projects' sums.
        let totals: Vec<_> = g["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| dec(&y["programmed"]))
            .collect();
        assert_eq!(totals, sums.to_vec(), "programme {}", g["programme_id"]);
        if g["programme_id"] == json!(data.g1) {
            assert_eq!(totals, vec![d("3500"), d("100"), d("0")]);
        }
        if g["programme_id"] == json!(data.g2) {
            assert_eq!(totals, vec![d("300"), d("0"), d("50")]);
        }
    }
    assert_eq!(
        per_project.len(),
        3,
        "only projects with a record in 2024-2026"
    );
    assert_eq!(per_project[&data.p1].0, vec![d("1500"), d("100"), d("0")]);
    assert_eq!(
        per_project[&data.p2].0,
        vec![d("2000"), d("0"), d("0")],
        "2023's 700 is outside"
    );
    assert_eq!(per_project[&data.p3].0, vec![d("300"), d("0"), d("50")]);
    // The actuals beside, never in the programmed figures.
    assert_eq!(dec(&per_project[&data.p1].1[0]["committed"]), d("1400"));
    assert_eq!(dec(&per_project[&data.p1].1[0]["paid"]), d("1200"));
    let years = t["years"].as_array().unwrap();
    let per_year: Vec<_> = years
        .iter()
        .map(|y| {
            (
                y["year"].as_i64().unwrap(),
                dec(&y["resources"]),
                dec(&y["expenditure"]),
                dec(&y["balance"]),
                dec(&y["paid"]),
            )
        })
        .collect();
    assert_eq!(
        per_year,
        vec![
            (2024, d("3500"), d("3800"), d("-300"), d("1700")),
            (2025, d("200"), d("100"), d("100"), d("0")),
            (2026, d("10.50"), d("50"), d("-39.50"), d("0")),
        ]
    );
    // The same totals straight from the records, by SQL.
    let conn = Connection::open(&app.db_path).unwrap();
    for (year, _, expenditure, _, _) in &per_year {
        let texts: Vec<String> = conn
            .prepare("SELECT a.programmed FROM execution_amounts a JOIN execution_records r ON r.id = a.record_id WHERE r.year = ?1")
            .unwrap()
            .query_map([year], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let sum: rust_decimal::Decimal = texts.iter().map(|s| d(s)).sum();
        assert_eq!(&sum, expenditure, "{year}");
    }

    // XLSX: the expenditure sheet's total line, the resources, the balance.
    let (st, ctype, bytes) = get_bytes(&app, "/api/plans/2024/export", &committee).await;
    assert_eq!(st, 200);
    assert!(ctype.contains("spreadsheetml"), "{ctype}");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["expenditure", "resources", "balance"]
    );
    let spend = book.worksheet_range("expenditure").unwrap();
    let last: Vec<Data> = spend.rows().next_back().unwrap().to_vec();
    let num = |c: &Data| match c {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    };
    assert_eq!(num(&last[3]), 3800.0);
    assert_eq!(num(&last[4]), 100.0);
    assert_eq!(num(&last[5]), 50.0);
    assert_eq!(num(&last[6]), 3950.0, "three years together");
    let balance = book.worksheet_range("balance").unwrap();
    assert_eq!(balance.rows().count(), 4);
    assert_eq!(book.worksheet_range("resources").unwrap().rows().count(), 5);

    // The print: Arabic right to left, French on demand.
    let (st, _, page) = get_bytes(&app, "/api/plans/2024/print", &committee).await;
    assert_eq!(st, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("dir=\"rtl\"") && page.contains("/api/pac/document.css"));
    assert_eq!(page.matches("data-test=\"plan-project\"").count(), 3);
    let (_, _, fr) = get_bytes(&app, "/api/plans/2024/print?lang=fr", &committee).await;
    assert!(
        String::from_utf8(fr)
            .unwrap()
            .contains("Programmation triennale")
    );

    // Roll forward: 2025-2027 made from 2024-2026.
    let (st, next) = app
        .post("/api/plans/2024/roll-forward", &office, json!({}))
        .await;
    assert_eq!(st, 201, "{next}");
    assert_eq!(next["plan"]["first_year"], 2025);
    assert_eq!(next["plan"]["rolled_from"], 2024);
    let carried: Vec<(i64, String, String)> = next["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["year"].as_i64().unwrap(),
                r["kind"].as_str().unwrap().into(),
                money(&r["amount"]),
            )
        })
        .collect();
    assert_eq!(
        carried,
        vec![
            (2025, "partners".into(), "200.00".into()),
            (2026, "other".into(), "10.50".into())
        ]
    );
    assert_eq!(next["resources"][0]["partner_id"], data.partner);
    let new_year = &next["years"][2];
    assert_eq!(new_year["year"], 2027);
    assert_eq!(
        dec(&new_year["resources"]),
        d("0"),
        "the new third year is open"
    );
    assert_eq!(dec(&next["years"][0]["expenditure"]), d("100"));
    // The old plan is kept, unchanged.
    let (_, old) = app.get_json("/api/plans/2024", &committee).await;
    assert_eq!(old["resources"].as_array().unwrap().len(), 4);
    let (_, list) = app.get_json("/api/plans", &committee).await;
    let firsts: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["first_year"].as_i64().unwrap())
        .collect();
    assert_eq!(firsts, vec![2025, 2024]);
    // Once only; an unknown plan is a 404.
    let (st, _) = app
        .post("/api/plans/2024/roll-forward", &office, json!({}))
        .await;
    assert_eq!(st, 409);
    let (st, _) = app
        .post("/api/plans/2031/roll-forward", &office, json!({}))
        .await;
    assert_eq!(st, 404);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action IN ('plan_create', 'plan_resources', 'plan_roll_forward')"),
        3
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_resources_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let data = known_data(&app);
    let office = app.login("office").await;
    let (st, _) = app
        .post("/api/plans", &office, json!({"first_year": 2024}))
        .await;
    assert_eq!(st, 201);
    let good = json!({"resources": [{"year": 2024, "kind": "own_resources", "amount": "3000"}]});
    assert_eq!(
        put(&app, "/api/plans/2024/resources", &office, good)
            .await
            .0,
        200
    );
    let line = |v: Value| json!({"resources": [v]});
    for (body, needle) in [
        (
            line(json!({"year": 2027, "kind": "own_resources", "amount": "1"})),
            "line 1: year 2027",
        ),
        (
            line(json!({"year": 2024, "kind": "loans", "amount": "1"})),
            "kind",
        ),
        (
            line(json!({"year": 2024, "kind": "other", "amount": "-5"})),
            "negative",
        ),
        (
            line(json!({"year": 2024, "kind": "other", "amount": "1,500"})),
            "amount",
        ),
        (
            line(json!({"year": 2024, "kind": "other", "amount": "مليون"})),
            "amount",
        ),
        (
            line(json!({"year": 2024, "kind": "partners", "partner_id": 999999, "amount": "1"})),
            "partner",
        ),
        (
            line(
                json!({"year": 2024, "kind": "own_resources", "partner_id": data.partner, "amount": "1"}),
            ),
            "partners line",
        ),
        (
            line(json!({"year": 2024, "kind": "other", "label": "ا".repeat(501), "amount": "1"})),
            "label",
        ),
        (
            line(json!({"year": "2024", "kind": "other", "amount": "1"})),
            "",
        ),
        (json!({"resources": "none"}), ""),
    ] {
        let (st, err) = put(&app, "/api/plans/2024/resources", &office, body.clone()).await;
        assert_eq!(st, 400, "{body}: {err}");
        assert!(err["error"].is_string(), "{err}");
        assert!(
            err["message"].as_str().unwrap().contains(needle),
            "{needle}: {err}"
        );
    }
    // Malformed JSON.
    let r = app
        .http
        .put(app.url("/api/plans/2024/resources"))
        .bearer_auth(&office)
        .header("content-type", "application/json")
        .body("{\"resources\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // An unknown plan, a year out of range.
    let ok = json!({"resources": []});
    assert_eq!(
        put(&app, "/api/plans/2029/resources", &office, ok).await.0,
        404
    );
    assert_eq!(
        app.post("/api/plans", &office, json!({"first_year": 1999}))
            .await
            .0,
        400
    );
    // Nothing changed: the one good line is still the plan's.
    assert_eq!(app.count("SELECT count(*) FROM three_year_resources"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM three_year_resources WHERE amount = '3000.00' AND kind = 'own_resources'"),
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn the_evaluation_of_a_year_on_a_known_data_set() {
    let app = spawn_app().await;
    let data = known_data(&app);
    let office = app.login("office").await;
    let bureau = app.login("bureau").await;
    let (st, e) = app.get_json("/api/evaluations/2024", &bureau).await;
    assert_eq!(st, 200, "{e}");
    // By hand: 3 records in 2024, 1 executed → 1/3 = 33.3 %; programmed 1500 + 2000 + 300 =
    // 3800, paid 1200 + 500 + 0 = 1700 → 44.7 %.
    assert_eq!(e["planned"], 3);
    assert_eq!(e["executed"], 1);
    assert_eq!(e["completion_percent"], "33.3");
    assert_eq!(dec(&e["programmed"]), d("3800"));
    assert_eq!(dec(&e["paid"]), d("1700"));
    assert_eq!(e["paid_percent"], "44.7");
    let row = |rows: &Value, key: &str| -> Value {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("{key} in {rows}"))
    };
    // Programme G1: P1 executed, P2 not → 1/2 = 50 %; paid 1700 of 3500 → 48.6 %.
    let g1 = row(&e["by_programme"], &data.g1.to_string());
    assert_eq!(
        (g1["planned"].clone(), g1["executed"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(g1["completion_percent"], "50");
    assert_eq!(g1["paid_percent"], "48.6");
    let g2 = row(&e["by_programme"], &data.g2.to_string());
    assert_eq!(
        (g2["planned"].clone(), g2["executed"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(g2["completion_percent"], "0");
    // Poles: X holds P1 and P2 (1 of 2); Y holds P2 and P3 (0 of 2).
    let x = row(&e["by_pole"], &data.pole_x);
    assert_eq!(
        (
            x["planned"].clone(),
            x["executed"].clone(),
            x["completion_percent"].clone()
        ),
        (json!(2), json!(1), json!("50"))
    );
    let y = row(&e["by_pole"], &data.pole_y);
    assert_eq!(
        (
            y["planned"].clone(),
            y["executed"].clone(),
            y["completion_percent"].clone()
        ),
        (json!(2), json!(0), json!("0"))
    );
    // Axes: every record counted once per axis.
    let axis_total: i64 = e["by_axis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["planned"].as_i64().unwrap())
        .sum();
    assert_eq!(axis_total, 3);
    // Delays: P2 (planned 2023, under way in 2024: a year late), then P3 (suspended, with its
    // reason and its timeline entry).
    let delays = e["delays"].as_array().unwrap();
    assert_eq!(delays.len(), 2, "{delays:?}");
    assert_eq!(delays[0]["project_id"], data.p2);
    assert_eq!(delays[0]["planned_year"], 2023);
    assert_eq!(delays[0]["years_late"], 1);
    assert_eq!(delays[1]["project_id"], data.p3);
    assert_eq!(delays[1]["status"], "suspended");
    assert_eq!(delays[1]["reason"], "نزاع عقاري حول الوعاء");
    assert_eq!(delays[1]["timeline"][0]["happened_on"], "2024-06-01");
    // The changes: the demo's voted version against the programme as it stands.
    assert_eq!(e["changes"]["from"], 1);

    // The office's text; the committee may not write it; bad dates refused.
    let text = json!({"summary_ar": "سنة صعبة", "changes_ar": "تأجيل مشروعين", "summary_fr": "Une année difficile", "session_date": "2025-05-06"});
    let (st, e2) = put(&app, "/api/evaluations/2024", &office, text).await;
    assert_eq!(st, 200, "{e2}");
    assert_eq!(e2["text"]["summary_ar"], "سنة صعبة");
    assert_eq!(
        put(&app, "/api/evaluations/2024", &bureau, json!({}))
            .await
            .0,
        403
    );
    let (st, err) = put(
        &app,
        "/api/evaluations/2024",
        &office,
        json!({"session_date": "06/05/2025"}),
    )
    .await;
    assert_eq!(st, 400, "{err}");
    assert_eq!(
        put(
            &app,
            "/api/evaluations/2024",
            &office,
            json!({"summary_ar": 5})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        put(
            &app,
            "/api/evaluations/2024",
            &office,
            json!({"summary_ar": "س".repeat(20_001)})
        )
        .await
        .0,
        400
    );
    assert_eq!(app.get_json("/api/evaluations/1990", &bureau).await.0, 400);
    let (_, kept) = app.get_json("/api/evaluations/2024", &bureau).await;
    assert_eq!(
        kept["text"]["session_date"], "2025-05-06",
        "refused writes changed nothing"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'evaluation_text'"),
        1
    );

    // The print: its sections, its charts, right to left; French on demand.
    let (st, _, page) = get_bytes(&app, "/api/evaluations/2024/print", &bureau).await;
    assert_eq!(st, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"));
    for s in [
        "summary",
        "figures",
        "completion",
        "delays",
        "changes",
        "text",
    ] {
        assert!(page.contains(&format!("data-section=\"{s}\"")), "{s}");
    }
    assert!(page.contains("data-test=\"svg-completion-programme\""));
    assert!(page.contains("data-test=\"svg-money-pole\""));
    assert!(page.contains("سنة صعبة") && page.contains("نزاع عقاري حول الوعاء"));
    let (_, _, fr) = get_bytes(&app, "/api/evaluations/2024/print?lang=fr", &bureau).await;
    let fr = String::from_utf8(fr).unwrap();
    assert!(fr.contains("dir=\"ltr\"") && fr.contains("Une année difficile"));
    assert_eq!(
        get_bytes(&app, "/api/evaluations/2024/print?lang=en", &bureau)
            .await
            .0,
        400
    );

    // XLSX: figures and completion per group, delays.
    let (st, _, bytes) = get_bytes(&app, "/api/evaluations/2024/export", &bureau).await;
    assert_eq!(st, 200);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec![
            "figures",
            "by_programme",
            "by_axis",
            "by_pole",
            "by_douar",
            "delays"
        ]
    );
    let figures = book.worksheet_range("figures").unwrap();
    let cells: Vec<Vec<Data>> = figures.rows().map(|r| r.to_vec()).collect();
    assert_eq!(cells[1][1], Data::Float(3.0));
    assert_eq!(cells[3][1].to_string(), "33.3");
    assert_eq!(book.worksheet_range("delays").unwrap().rows().count(), 3);
    app.stop().await;
}

#[tokio::test]
async fn the_reminder_shows_before_the_session_until_presented() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let last = this_year() - 1;
    let in_days = |n: i64| date_of_day(today() + n);
    // The session 10 days ahead: shown, 10 days left.
    let (st, _) = put(
        &app,
        &format!("/api/evaluations/{last}"),
        &office,
        json!({"session_date": in_days(10)}),
    )
    .await;
    assert_eq!(st, 200);
    let (st, r) = app.get_json("/api/evaluations/reminder", &office).await;
    assert_eq!(st, 200);
    assert_eq!(r["year"], last);
    assert_eq!(r["days_left"], 10);
    assert_eq!(r["source"], "report");
    // 40 days ahead: not yet.
    put(
        &app,
        &format!("/api/evaluations/{last}"),
        &office,
        json!({"session_date": in_days(40)}),
    )
    .await;
    assert_eq!(
        app.get_json("/api/evaluations/reminder", &office).await.1,
        Value::Null
    );
    // Past and not presented: still shown (overdue); presented: gone.
    put(
        &app,
        &format!("/api/evaluations/{last}"),
        &office,
        json!({"session_date": in_days(-3)}),
    )
    .await;
    assert_eq!(
        app.get_json("/api/evaluations/reminder", &office).await.1["days_left"],
        -3
    );
    put(
        &app,
        &format!("/api/evaluations/{last}"),
        &office,
        json!({"session_date": in_days(-3), "presented_on": in_days(-3)}),
    )
    .await;
    assert_eq!(
        app.get_json("/api/evaluations/reminder", &office).await.1,
        Value::Null
    );
    app.stop().await;
}

#[tokio::test]
async fn the_update_opens_only_from_the_pacs_third_year() {
    let app = spawn_app().await;
    let secretariat = app.login("secretariat").await;
    let conn = Connection::open(&app.db_path).unwrap();
    // A programme starting this year: its third year is two years away.
    conn.execute("UPDATE communes SET mandate_start = ?1", [this_year()])
        .unwrap();
    let (st, err) = app
        .post("/api/versions", &secretariat, json!({"reason": "تحيين"}))
        .await;
    assert_eq!(st, 409, "{err}");
    assert_eq!(err["error"], "version_state");
    assert!(
        err["message"].as_str().unwrap().contains("third year"),
        "{err}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM pac_versions WHERE status = 'draft'"),
        0
    );
    // Started two years ago: this is its third year.
    conn.execute("UPDATE communes SET mandate_start = ?1", [this_year() - 2])
        .unwrap();
    let (st, v) = app
        .post(
            "/api/versions",
            &secretariat,
            json!({"reason": "تحيين السنة الثالثة"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["kind"], "update");
    assert_eq!(v["reason"], "تحيين السنة الثالثة");
    app.stop().await;
}

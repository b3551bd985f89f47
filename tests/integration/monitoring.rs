//! The monitoring system's indicators over HTTP (issue 13): add, edit, reorder and remove by
//! the office, each write audited with who and what; refused inputs name their field and
//! change nothing; read-only for the committee and facilitators; the file import (bad lines
//! named and nothing written, dry run, Arabic-Indic digits and French decimals, headers in
//! either language) and the export → import round trip, CSV and XLSX.

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

async fn delete(app: &TestApp, path: &str, token: &str) -> u16 {
    app.http
        .delete(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn import(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(&format!("/api/indicators/import{query}")))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn download(app: &TestApp, path: &str, token: &str) -> (u16, Vec<u8>) {
    let r = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

fn project_id(app: &TestApp, number: i64) -> i64 {
    app.count(&format!("SELECT id FROM projects WHERE number = {number}"))
}

/// Everything stored about indicators, to compare before and after a refused write.
fn snapshot(app: &TestApp) -> Vec<String> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let mut rows: Vec<String> = conn
        .prepare(
            "SELECT i.id || '|' || i.project_id || '|' || i.position || '|' || coalesce(i.kind, '-')
                    || '|' || i.label_ar || '|' || i.label_fr || '|' || i.unit || '|'
                    || coalesce(i.baseline_value, '-') || '|' || coalesce(i.baseline_year, '-')
                    || '|' || i.source || '|' || i.illustrative || '|' || i.updated_at
             FROM project_indicators i ORDER BY i.id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let targets: Vec<String> = conn
        .prepare(
            "SELECT indicator_id || '|' || year || '|' || value FROM indicator_targets
             ORDER BY indicator_id, year",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.extend(targets);
    rows
}

fn audit_entries(app: &TestApp, action: &str) -> Vec<(Option<i64>, String)> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.prepare(
        "SELECT user_id, coalesce(detail, '') FROM audit_log WHERE action = ?1 ORDER BY id",
    )
    .unwrap()
    .query_map([action], |r| Ok((r.get(0)?, r.get(1)?)))
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn user_id(app: &TestApp, name: &str) -> i64 {
    app.count(&format!("SELECT id FROM users WHERE username = '{name}'"))
}

#[tokio::test]
async fn the_office_adds_edits_orders_and_removes_indicators_each_audited() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let office_id = user_id(&app, "office");
    let project = project_id(&app, 22);

    // The demo's project 22 has none; the programme's years are the mandate's.
    let (status, list) = app
        .get_json(&format!("/api/projects/{project}/indicators"), &office)
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["number"], 22);
    assert_eq!(list["years"], json!([2023, 2024, 2025, 2026, 2027, 2028]));
    assert_eq!(list["indicators"], json!([]));

    let (status, made) = send(
        &app,
        Method::POST,
        &format!("/api/projects/{project}/indicators"),
        &office,
        json!({
            "kind": "output",
            "label_ar": "  حواسيب مقتناة ",
            "label_fr": "Ordinateurs acquis",
            "unit": "حاسوب",
            "baseline_value": "٣",
            "baseline_year": 2022,
            "targets": [{"year": 2024, "value": "12,5"}, {"year": 2023, "value": "10"}, {"year": 2025, "value": ""}],
            "source": "مصلحة الموارد البشرية"
        }),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["label_ar"], "حواسيب مقتناة");
    assert_eq!(made["baseline_value"], "3");
    assert_eq!(made["position"], 1);
    assert_eq!(
        made["targets"],
        json!([{"year": 2023, "value": "10"}, {"year": 2024, "value": "12.5"}])
    );
    assert_eq!(made["illustrative"], false);
    let first = made["id"].as_i64().unwrap();
    // Stored as exact text, never a float.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM indicator_targets WHERE indicator_id = {first} AND value = '12.5' AND typeof(value) = 'text'"
        )),
        1
    );
    let created = audit_entries(&app, "indicator.create");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].0, Some(office_id));
    assert!(
        created[0].1.contains("حواسيب مقتناة") && created[0].1.contains("12.5"),
        "{created:?}"
    );

    let (status, second) = send(
        &app,
        Method::POST,
        &format!("/api/projects/{project}/indicators"),
        &office,
        json!({"kind": "result", "label_ar": "مدة معالجة الملفات", "unit": "يوم"}),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["position"], 2);
    let second = second["id"].as_i64().unwrap();

    // Edit: every field replaced, the place in the order kept, before and after audited.
    let (status, edited) = send(
        &app,
        Method::PUT,
        &format!("/api/indicators/{first}"),
        &office,
        json!({"kind": "output", "label_ar": "حواسيب مقتناة للمصالح", "targets": [{"year": 2026, "value": "20"}]}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["position"], 1);
    assert_eq!(edited["unit"], "");
    assert_eq!(edited["targets"], json!([{"year": 2026, "value": "20"}]));
    let updated = audit_entries(&app, "indicator.update");
    assert_eq!(updated.len(), 1);
    let detail: Value = serde_json::from_str(&updated[0].1).unwrap();
    assert_eq!(detail["before"]["label_ar"], "حواسيب مقتناة");
    assert_eq!(detail["after"]["label_ar"], "حواسيب مقتناة للمصالح");
    assert_eq!(detail["project"], 22);

    // Order.
    let (status, ordered) = send(
        &app,
        Method::PUT,
        &format!("/api/projects/{project}/indicators/order"),
        &office,
        json!({"ids": [second, first]}),
    )
    .await;
    assert_eq!(status, 200, "{ordered}");
    let ids: Vec<i64> = ordered["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second, first]);
    assert_eq!(audit_entries(&app, "indicator.order").len(), 1);
    // An order that leaves one out is refused.
    let (status, e) = send(
        &app,
        Method::PUT,
        &format!("/api/projects/{project}/indicators/order"),
        &office,
        json!({"ids": [first]}),
    )
    .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("invalid_indicator")),
        "{e}"
    );

    // Remove: the other closes the gap.
    assert_eq!(
        delete(&app, &format!("/api/indicators/{second}"), &office).await,
        204
    );
    let (_, list) = app
        .get_json(&format!("/api/projects/{project}/indicators"), &office)
        .await;
    assert_eq!(list["indicators"].as_array().unwrap().len(), 1);
    assert_eq!(list["indicators"][0]["position"], 1);
    let deleted = audit_entries(&app, "indicator.delete");
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].1.contains("مدة معالجة الملفات"), "{deleted:?}");
    assert_eq!(
        delete(&app, &format!("/api/indicators/{second}"), &office).await,
        404
    );

    // Deleting the project takes its indicators and their targets with it.
    assert_eq!(
        delete(&app, &format!("/api/projects/{project}"), &office).await,
        204
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM project_indicators WHERE project_id = {project}"
        )),
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM indicator_targets WHERE indicator_id = {first}"
        )),
        0
    );
}

#[tokio::test]
async fn bad_input_names_its_fields_and_changes_nothing() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let project = project_id(&app, 3);
    let before = snapshot(&app);
    let audit_before = app.count("SELECT count(*) FROM audit_log");

    for (body, fields) in [
        (json!({}), vec!["kind", "label_ar"]),
        (json!({"kind": "impact", "label_ar": "x"}), vec!["kind"]),
        (
            json!({"kind": "output", "label_ar": "x", "baseline_value": "-4", "baseline_year": 1800}),
            vec!["baseline_value", "baseline_year"],
        ),
        (
            json!({"kind": "output", "label_ar": "x", "targets": [{"year": 2030, "value": "1"}, {"year": 2024, "value": "1,500"}, {"year": 2025, "value": "abc"}]}),
            vec!["targets.2030", "targets.2024", "targets.2025"],
        ),
        (
            json!({"kind": "output", "label_ar": "x", "unit": "u".repeat(101)}),
            vec!["unit"],
        ),
    ] {
        let (status, e) = send(
            &app,
            Method::POST,
            &format!("/api/projects/{project}/indicators"),
            &office,
            body.clone(),
        )
        .await;
        assert_eq!(status, 400, "{body} → {e}");
        assert_eq!(e["error"], "invalid_indicator", "{e}");
        let message = e["message"].as_str().unwrap();
        for f in fields {
            assert!(
                message.contains(&format!("{f}:")),
                "{body}: {message} names {f}"
            );
        }
    }
    // Malformed JSON and wrong types: 400 JSON errors too.
    let (status, e) = send(
        &app,
        Method::POST,
        &format!("/api/projects/{project}/indicators"),
        &office,
        json!({"kind": "output", "label_ar": 5}),
    )
    .await;
    assert_eq!(status, 400, "{e}");
    assert!(e["error"].is_string() && e["message"].is_string(), "{e}");
    // An indicator of the demo: its kind cannot be taken away.
    let demo = app.count(&format!(
        "SELECT min(id) FROM project_indicators WHERE project_id = {project}"
    ));
    let (status, e) = send(
        &app,
        Method::PUT,
        &format!("/api/indicators/{demo}"),
        &office,
        json!({"label_ar": "بلا نوع"}),
    )
    .await;
    assert_eq!(status, 400, "{e}");
    assert!(e["message"].as_str().unwrap().starts_with("kind:"), "{e}");
    // Unknown project and indicator: 404.
    let (status, _) = send(
        &app,
        Method::POST,
        "/api/projects/999999/indicators",
        &office,
        json!({"kind": "output", "label_ar": "x"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get_json("/api/projects/999999/indicators", &office)
        .await;
    assert_eq!(status, 404);
    let (status, _) = send(
        &app,
        Method::PUT,
        "/api/indicators/999999",
        &office,
        json!({"kind": "output", "label_ar": "x"}),
    )
    .await;
    assert_eq!(status, 404);

    assert_eq!(snapshot(&app), before);
    assert_eq!(app.count("SELECT count(*) FROM audit_log"), audit_before);
}

#[tokio::test]
async fn the_committee_and_facilitators_read_and_change_nothing() {
    let app = spawn_app().await;
    let project = project_id(&app, 3);
    let demo = app.count(&format!(
        "SELECT min(id) FROM project_indicators WHERE project_id = {project}"
    ));
    let before = snapshot(&app);
    for who in ["committee", "facilitator"] {
        let token = app.login(who).await;
        let (status, list) = app
            .get_json(&format!("/api/projects/{project}/indicators"), &token)
            .await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(list["indicators"][0]["illustrative"], true, "{list}");
        let body = json!({"kind": "output", "label_ar": "x"});
        for (method, path) in [
            (Method::POST, format!("/api/projects/{project}/indicators")),
            (Method::PUT, format!("/api/indicators/{demo}")),
            (
                Method::PUT,
                format!("/api/projects/{project}/indicators/order"),
            ),
        ] {
            let (status, e) = send(&app, method.clone(), &path, &token, body.clone()).await;
            assert_eq!(
                (status, e["error"].as_str()),
                (403, Some("forbidden")),
                "{who} {method} {path}"
            );
        }
        assert_eq!(
            delete(&app, &format!("/api/indicators/{demo}"), &token).await,
            403
        );
        let (status, _) = import(&app, &token, "", b"project_number\n3\n".to_vec()).await;
        assert_eq!(status, 403);
        let (status, _) = download(&app, "/api/export/indicators", &token).await;
        assert_eq!(status, 200, "{who} reads the export");
    }
    assert_eq!(snapshot(&app), before);
}

#[tokio::test]
async fn an_import_with_bad_lines_names_each_and_writes_nothing() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let before = snapshot(&app);
    let audit_before = app.count("SELECT count(*) FROM audit_log");
    // Line 2 is good; 3: unknown project; 4: bad kind and a value no one can read; 5: no
    // label; 6: a target outside the programme; 7: the same indicator as line 2; 8: an id of
    // another project's indicator.
    let other = app.count(&format!(
        "SELECT min(id) FROM project_indicators WHERE project_id = {}",
        project_id(&app, 4)
    ));
    let file = format!(
        "رقم المشروع;النوع;المؤشر;الوحدة;الهدف 2024;Cible 2029;Identifiant\n\
         22;output;حواسيب مقتناة;حاسوب;١٢;;\n\
         99;output;مؤشر;وحدة;1;;\n\
         22;impact;مؤشر ثان;وحدة;1,500;;\n\
         22;result;;وحدة;1;;\n\
         22;result;مؤشر رابع;وحدة;;5;\n\
         22;output;حواسيب مقتناة;حاسوب;3;;\n\
         3;output;مؤشر خامس;وحدة;1;;{other}\n"
    );
    let (status, e) = import(&app, &office, "", file.into_bytes()).await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["error"], "bad_import");
    let lines: Vec<u64> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["line"].as_u64().unwrap())
        .collect();
    // The header names a target year outside the programme (2029): the whole file is
    // refused on line 1 before any row is read.
    assert_eq!(lines, [1], "{e}");
    assert!(
        e["errors"][0]["reason"].as_str().unwrap().contains("2029"),
        "{e}"
    );

    // Without that column: every bad row, each with its reason.
    let file = format!(
        "رقم المشروع / N° du projet,Type,Indicateur,Unité,target_2024,Identifiant\n\
         22,output,حواسيب مقتناة,حاسوب,١٢,\n\
         99,output,مؤشر,وحدة,1,\n\
         22,impact,مؤشر ثان,وحدة,\"1,500\",\n\
         22,result,,وحدة,1,\n\
         22,output,حواسيب مقتناة,حاسوب,3,\n\
         3,output,مؤشر خامس,وحدة,1,{other}\n"
    );
    let (status, e) = import(&app, &office, "", file.into_bytes()).await;
    assert_eq!(status, 400, "{e}");
    let errors: Vec<(u64, String)> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["line"].as_u64().unwrap(),
                x["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let lines: Vec<u64> = errors.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7], "{errors:?}");
    assert!(errors[0].1.contains("no project number 99"), "{errors:?}");
    assert!(errors[1].1.starts_with("kind:"), "{errors:?}");
    assert!(errors[2].1.starts_with("label_ar:"), "{errors:?}");
    assert!(errors[3].1.contains("line 2"), "{errors:?}");
    assert!(errors[4].1.contains("not one of project 3"), "{errors:?}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("3, 4, 5, 6, 7"), "{message}");

    assert_eq!(snapshot(&app), before);
    assert_eq!(app.count("SELECT count(*) FROM audit_log"), audit_before);
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing_then_the_import_does() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let before = snapshot(&app);
    let audit_before = app.count("SELECT count(*) FROM audit_log");
    // Arabic-Indic digits, a French decimal comma, semicolons, bilingual and English headers,
    // an extra column, and an update of a demo indicator found by its project and label.
    let file = "project_number;kind;المؤشر بالعربية / Indicateur (arabe);unit;baseline_value;baseline_year;الهدف ٢٠٢٤;Cible 2025;Remarques\n\
                ٢٢;إنجاز;حواسيب مقتناة;حاسوب;٣;٢٠٢٢;١٢;12,5;à revoir\n\
                3;réalisation;طول المسالك الطرقية المنجزة;كلم;0;2022;4;9,25;\n";
    let (status, report) = import(&app, &office, "?dry_run=1", file.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["created"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["created"][0]["project_number"], 22);
    assert_eq!(report["updated"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["updated"][0]["line"], 3);
    assert_eq!(report["ignored_columns"], json!(["Remarques"]));
    assert_eq!(snapshot(&app), before, "a dry run writes nothing");
    assert_eq!(app.count("SELECT count(*) FROM audit_log"), audit_before);

    let (status, report) = import(&app, &office, "", file.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], false);
    let (_, list) = app
        .get_json(
            &format!("/api/projects/{}/indicators", project_id(&app, 22)),
            &office,
        )
        .await;
    let made = &list["indicators"][0];
    assert_eq!(made["label_ar"], "حواسيب مقتناة");
    assert_eq!(made["baseline_value"], "3");
    assert_eq!(made["baseline_year"], 2022);
    assert_eq!(
        made["targets"],
        json!([{"year": 2024, "value": "12"}, {"year": 2025, "value": "12.5"}])
    );
    let (_, list) = app
        .get_json(
            &format!("/api/projects/{}/indicators", project_id(&app, 3)),
            &office,
        )
        .await;
    let road = &list["indicators"][0];
    // The file's target years replace those years; the others are kept; no longer
    // illustrative once the commune's own file gives it.
    assert_eq!(
        road["targets"],
        json!([{"year": 2024, "value": "4"}, {"year": 2025, "value": "9.25"}])
    );
    assert_eq!(road["illustrative"], false);
    let audit = audit_entries(&app, "indicator.import");
    let office_id = user_id(&app, "office");
    assert_eq!(
        audit.iter().filter(|(u, _)| *u == Some(office_id)).count(),
        1
    );
}

#[tokio::test]
async fn export_then_import_changes_nothing_in_csv_and_xlsx() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    // Give the demo a few more to carry: an unclassified one (as migrated), decimals, a
    // French label.
    let project = project_id(&app, 22);
    let (status, _) = send(
        &app,
        Method::POST,
        &format!("/api/projects/{project}/indicators"),
        &office,
        json!({"kind": "result", "label_ar": "نسبة الملفات المعالجة", "label_fr": "Taux de dossiers traités", "unit": "%", "baseline_value": "37.125", "baseline_year": 2022, "targets": [{"year": 2028, "value": "99.5"}], "source": "مكتب الضبط"}),
    )
    .await;
    assert_eq!(status, 201);
    {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        conn.execute(
            "INSERT INTO project_indicators (project_id, position, kind, label_ar, created_at, updated_at)
             VALUES (?1, 9, NULL, 'نص قديم من الحقل الحر', 0, 0)",
            [project],
        )
        .unwrap();
    }
    let before = snapshot(&app);
    let count = app.count("SELECT count(*) FROM project_indicators");
    for format in ["csv", "xlsx"] {
        let (status, bytes) = download(
            &app,
            &format!("/api/export/indicators?format={format}"),
            &office,
        )
        .await;
        assert_eq!(status, 200);
        if format == "csv" {
            let text = String::from_utf8(bytes.clone()).unwrap();
            let header = text.lines().next().unwrap();
            assert!(
                header.starts_with("رقم المشروع / N° du projet,"),
                "{header}"
            );
            assert!(
                header.contains("الهدف 2023 / Cible 2023") && header.contains("Cible 2028"),
                "{header}"
            );
            assert_eq!(text.lines().count() as i64, count + 1, "{text}");
            assert!(text.contains("37.125") && text.contains("99.5"), "{text}");
        } else {
            assert!(bytes.starts_with(b"PK"));
        }
        let (status, report) = import(&app, &office, "", bytes).await;
        assert_eq!(status, 200, "{format}: {report}");
        assert_eq!(report["created"], json!([]), "{format}: {report}");
        assert_eq!(report["updated"], json!([]), "{format}: {report}");
        assert_eq!(report["unchanged"].as_i64().unwrap(), count, "{format}");
        assert_eq!(snapshot(&app), before, "{format}");
    }
    // The template: headers only, a target column per programme year, nothing of the data.
    let (status, bytes) = download(&app, "/api/indicators/template?format=csv", &office).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    for year in 2023..=2028 {
        assert!(text.contains(&format!("Cible {year}")), "{text}");
    }
    let (status, bytes) = download(&app, "/api/indicators/template?format=xlsx", &office).await;
    assert_eq!(status, 200);
    assert!(bytes.starts_with(b"PK"));
}

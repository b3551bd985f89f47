//! The PAC document (`GET /api/pac/document`) on the demo commune, with a synced session, a
//! need, dated steps, a vote, a committee's opinion and the office's answer written by SQL
//! (the proc and opin parts write them through their own routes): the sections present and
//! in the law's order in Arabic (right to left) and French; the programme table equal to the
//! seed's to the centime; a frozen version rendered from its stored JSON and not from the live
//! tables; 409 for a version frozen without its document, 404 for an unknown one; nothing
//! inline that the Content-Security-Policy would block; text from the data escaped.

use rusqlite::params;
use serde_json::Value;
use tachkhis_server::document::{self, PacDocument, SECTIONS};

use crate::helpers::{Tablet, TestApp, spawn_app};

/// The demo's PAC as it was before its procedure: version 1 a draft, no steps, bodies or
/// opinions. The demo loads the seed's history (version 1 voted, frozen and given the visa);
/// these tests write their own steps and opinions, so that each figure they check is theirs.
async fn as_first_draft(app: &TestApp) {
    app.state
        .db
        .write(|tx| {
            tx.execute_batch(
                "DELETE FROM reservation_answers; DELETE FROM opinions;
                 DELETE FROM council_votes; DELETE FROM procedure_steps;
                 DELETE FROM body_members; DELETE FROM bodies;
                 UPDATE pac_versions SET status = 'draft', frozen_at = NULL, frozen_by = NULL,
                        snapshot = NULL, document = NULL WHERE number = 1;",
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Dated steps, a vote, a committee and the IEECAG with an opinion each (one answered), and a
/// need from a synced session whose title carries markup.
async fn seed(app: &TestApp) {
    as_first_draft(app).await;
    let facilitator = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let s = tablet.new_session();
    let mut ids = Vec::new();
    for problem in ["انقطاع الماء", "الماء الصالح للشرب", "بئر"] {
        ids.push(tablet.add_proposal(s, problem));
    }
    tablet.sync(app, &facilitator).await.expect("sync");
    let office = app.login("office").await;
    let r = app
        .http
        .post(app.url("/api/needs"))
        .bearer_auth(&office)
        .json(&serde_json::json!({
            "title": "<script>alert(1)</script> الماء & البئر",
            "proposal_ids": ids,
        }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "need: {}", r.status());

    app.state
        .db
        .write(|tx| {
            let v: i64 = tx.query_row(
                "SELECT id FROM pac_versions WHERE number = 1",
                [],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO bodies (id, kind, name_ar, name_fr, position, created_at)
                 VALUES (1, 'committee', 'لجنة الميزانية والشؤون المالية', 'Commission du budget', 1, 0),
                        (2, 'ieecag', 'هيئة المساواة وتكافؤ الفرص ومقاربة النوع', 'IEECAG', 2, 0)",
                [],
            )?;
            // Inserted out of date order: the document sorts them.
            for (kind, date, end, reference, body) in [
                ("vote", "2023-02-07", None, "مقرر 12/2023", None),
                ("launch_meeting", "2022-06-21", None, "محضر 1", None),
                ("diagnosis", "2022-07-01", Some("2022-09-30"), "", None),
                ("sent_to_bodies", "2022-12-15", None, "إرسال 44", Some(1)),
            ] {
                tx.execute(
                    "INSERT INTO procedure_steps (version_id, kind, body_id, date, end_date,
                         reference, recorded_at, illustrative)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 1)",
                    params![v, kind, body, date, end, reference],
                )?;
                if kind == "vote" {
                    tx.execute(
                        "INSERT INTO council_votes (step_id, session_kind, members_total,
                             members_present, votes_for, votes_against, abstentions, result)
                         VALUES (last_insert_rowid(), 'ordinary', 23, 19, 17, 0, 2, 'adopted')",
                        [],
                    )?;
                }
            }
            tx.execute(
                "INSERT INTO opinions (id, version_id, body_id, project_id, project_number,
                     project_title, verdict, text, date, written_at, illustrative)
                 VALUES (1, ?1, 1, NULL, NULL, NULL, 'favourable', 'رأي اللجنة', '2023-01-10', 0, 1),
                        (2, ?1, 2, 3, 3, 'بناء المسالك', 'reservations', 'إشراك النساء', '2023-01-12', 0, 1)",
                params![v],
            )?;
            tx.execute(
                "INSERT INTO reservation_answers (opinion_id, outcome, text, answered_at)
                 VALUES (2, 'changed', 'أضيفت جلسة مع النساء', 0)",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn get(app: &TestApp, token: &str, query: &str) -> (u16, String, String) {
    let r = app
        .http
        .get(app.url(&format!("/api/pac/document{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, r.text().await.unwrap())
}

/// Where each section starts, in the order they appear.
fn section_order(html: &str) -> Vec<(usize, String)> {
    let mut found: Vec<(usize, String)> = SECTIONS
        .iter()
        .map(|(id, _, _)| {
            let at = html
                .find(&format!(
                    "<section class=\"part\" id=\"s-{id}\" data-section=\"{id}\">"
                ))
                .unwrap_or_else(|| panic!("section {id} missing"));
            (at, id.to_string())
        })
        .collect();
    found.sort();
    found
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of `name="…"` in `tag`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// The programme table's rows: axis, programme, projects, commune and partners amounts.
fn programme_rows(html: &str) -> Vec<[String; 5]> {
    html.split("<tr data-test=\"programme-row\"")
        .skip(1)
        .map(|rest| {
            let row = &rest[..rest.find("</tr>").expect("row end")];
            let amounts: Vec<String> = row
                .split("data-amount=\"")
                .skip(1)
                .map(|a| a[..a.find('"').unwrap()].to_string())
                .collect();
            assert_eq!(amounts.len(), 2, "{row}");
            [
                attr(row, "data-axis").expect("axis"),
                attr(row, "data-programme").expect("programme"),
                attr(row, "data-projects").expect("projects"),
                amounts[0].clone(),
                amounts[1].clone(),
            ]
        })
        .collect()
}

/// A programmes CSV in the seed's layout, as the same five fields.
fn csv_rows(path: &std::path::Path) -> Vec<[String; 5]> {
    let mut reader = csv::Reader::from_path(path).expect("the programmes file");
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            [
                r[0].to_string(),
                r[2].to_string(),
                r[4].to_string(),
                r[5].to_string(),
                r[6].to_string(),
            ]
        })
        .collect()
}

#[tokio::test]
async fn sections_in_order_in_arabic_and_french() {
    let app = spawn_app().await;
    seed(&app).await;
    let committee = app.login("committee").await;

    let (status, ct, ar) = get(&app, &committee, "").await;
    assert_eq!(status, 200, "{ar}");
    assert_eq!(ct, "text/html; charset=utf-8");
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"));
    let order: Vec<String> = section_order(&ar).into_iter().map(|(_, id)| id).collect();
    // The law's order (Decree 2.16.301), written out here: the renderer's list must be it.
    let law: Vec<String> = [
        "commune",
        "diagnosis",
        "priorities",
        "programme",
        "projects",
        "monitoring",
        "opinions",
    ]
    .map(String::from)
    .to_vec();
    let listed: Vec<String> = SECTIONS.iter().map(|(id, _, _)| id.to_string()).collect();
    assert_eq!(listed, law);
    assert_eq!(order, law);
    for (_, title, _) in SECTIONS {
        assert!(ar.contains(title), "Arabic title {title}");
    }
    // The commune's heading from its set-up, and the version.
    let commune: String = app
        .state
        .db
        .read(|tx| Ok(tx.query_row("SELECT name_ar FROM communes", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert!(ar.contains(&format!(
        "<p class=\"commune\" data-test=\"commune\">{commune}</p>"
    )));
    assert!(ar.contains("data-test=\"version\" data-number=\"1\""));
    // The dated steps in date order, the vote's figures with its step.
    let kinds: Vec<String> = ar
        .split("<tr data-test=\"step\" data-kind=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect();
    assert_eq!(
        kinds,
        ["launch_meeting", "diagnosis", "sent_to_bodies", "vote"]
    );
    assert!(ar.contains("<span dir=\"ltr\">21/06/2022</span>"));
    assert!(
        ar.contains("<span dir=\"ltr\">01/07/2022</span> – <span dir=\"ltr\">30/09/2022</span>")
    );
    assert!(
        ar.contains("دورة عادية، الحاضرون 19 من 23؛ 17 مع، 0 ضد، 2 امتناع — صودق عليه"),
        "the vote"
    );
    assert!(
        ar.contains("(لجنة الميزانية والشؤون المالية)"),
        "the body the draft went to"
    );
    // The diagnosis: the synced session's three proposals and its need, escaped.
    assert!(ar.contains("&lt;script&gt;alert(1)&lt;/script&gt; الماء &amp; البئر"));
    assert!(!ar.contains("<script"), "no script at all");
    let need_row = ar
        .split("<tr data-test=\"need\">")
        .nth(1)
        .expect("a need row");
    assert!(
        need_row.contains("<td class=\"num\">3</td><td class=\"num\">1</td>"),
        "{need_row}"
    );
    // The charts: the 7 poles, and the one sector the session's proposals are in.
    assert_eq!(ar.matches("data-test=\"chart-row\"").count(), 7 + 1);
    // Priorities: the ranked list holds every project.
    assert_eq!(ar.matches("data-test=\"ranked-row\"").count(), 43);
    assert_eq!(ar.matches("data-test=\"sheet\"").count(), 43);
    // Opinions, with the answer to the reservation.
    assert_eq!(ar.matches("data-test=\"opinion\"").count(), 2);
    assert!(ar.contains("رأي إيجابي مع تحفظات"));
    assert!(ar.contains("عدل: أضيفت جلسة مع النساء"));
    // Nothing the CSP would block: no inline style or script, one linked stylesheet.
    assert!(
        !ar.contains("<style") && !ar.contains(" style="),
        "no inline style"
    );
    assert!(ar.contains("<link rel=\"stylesheet\" href=\"/api/pac/document.css\">"));

    let (status, _, fr) = get(&app, &committee, "?lang=fr").await;
    assert_eq!(status, 200);
    assert!(fr.contains("<html lang=\"fr\" dir=\"ltr\">"));
    let order: Vec<String> = section_order(&fr).into_iter().map(|(_, id)| id).collect();
    assert_eq!(order, law);
    for (_, _, title) in SECTIONS {
        assert!(fr.contains(title), "French title {title}");
    }
    assert!(fr.contains(
        "Session ordinaire, 19 présents sur 23 ; 17 pour, 0 contre, 2 abstentions — adopté"
    ));
    assert!(fr.contains("Favorable avec réserves"));

    // The stylesheet: print rules, open to anyone.
    let css = app
        .http
        .get(app.url("/api/pac/document.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(
        css.headers()["content-type"].to_str().unwrap(),
        "text/css; charset=utf-8"
    );
    let css = css.text().await.unwrap();
    for rule in [
        "@page",
        "counter(page)",
        "thead { display: table-header-group; }",
        "tr { break-inside: avoid;",
        "break-after: avoid",
    ] {
        assert!(css.contains(rule), "{rule}");
    }
    app.stop().await;
}

#[tokio::test]
async fn programme_table_equals_the_seed_to_the_centime() {
    let app = spawn_app().await;
    let token = app.login("bureau").await;
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/programmes.csv");
    let expected = csv_rows(&demo);
    assert_eq!(expected.len(), 7);
    for query in ["", "?lang=fr"] {
        let (status, _, html) = get(&app, &token, query).await;
        assert_eq!(status, 200);
        assert_eq!(programme_rows(&html), expected, "{query}");
        // The seed README's totals: 43 projects, 52,150,000.00 and 104,150,000.00 MAD.
        let total = html.split("data-test=\"programme-total\"").nth(1).unwrap();
        let total = &total[..total.find("</tr>").unwrap()];
        assert!(total.contains("<td class=\"num\">43</td>"), "{total}");
        assert!(total.contains("data-amount=\"52150000.00\">52\u{a0}150\u{a0}000,00<"));
        assert!(total.contains("data-amount=\"104150000.00\">104\u{a0}150\u{a0}000,00<"));
    }
    // The seed itself, where this checkout has it beside (the demo's file is its copy).
    let seed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seed/programmes.csv");
    if seed.exists() {
        assert_eq!(
            csv_rows(&seed),
            expected,
            "the demo's programmes.csv is the seed's"
        );
    } else {
        eprintln!(
            "{} not here: compared with the demo's copy only",
            seed.display()
        );
    }
    app.stop().await;
}

/// The demo as loaded: version 1 was frozen by its vote (the document's data stored then), and
/// prints with the procedure as recorded since (the dispatch to the governor, the visa), the
/// bodies' illustrative opinions, and the programme as voted.
#[tokio::test]
async fn the_demo_prints_version_one_as_voted_with_its_visa() {
    let app = spawn_app().await;
    let token = app.login("committee").await;
    let stored: Option<String> = app
        .state
        .db
        .read(|tx| {
            Ok(tx.query_row(
                "SELECT document FROM pac_versions WHERE number = 1 AND status = 'executable'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    let stored: PacDocument = serde_json::from_str(&stored.expect("stored by the vote")).unwrap();
    let kinds: Vec<&str> = stored.steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds.last(), Some(&"vote"), "frozen at the vote: {kinds:?}");
    let (status, _, html) = get(&app, &token, "").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("data-test=\"version\" data-number=\"1\""));
    let kinds: Vec<String> = html
        .split("<tr data-test=\"step\" data-kind=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect();
    assert_eq!(
        kinds.iter().rev().take(3).rev().collect::<Vec<_>>(),
        ["vote", "sent_to_governor", "visa"],
        "the steps after the vote are printed: {kinds:?}"
    );
    assert!(
        html.contains("<span dir=\"ltr\">11/07/2023</span>"),
        "the visa's date"
    );
    assert!(
        html.matches("data-test=\"opinion\"").count() >= 2,
        "the demo's opinions"
    );
    let expected =
        csv_rows(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/programmes.csv"));
    assert_eq!(programme_rows(&html), expected);

    // An update draft prints the preparation it builds on, not version 1's vote and visa.
    let secretariat = app.login("secretariat").await;
    let r = app
        .http
        .post(app.url("/api/versions"))
        .bearer_auth(&secretariat)
        .json(&serde_json::json!({"reason": "تحيين السنة الثالثة"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (status, _, draft) = get(&app, &token, "").await;
    assert_eq!(status, 200);
    assert!(draft.contains("data-test=\"version\" data-number=\"2\""));
    let kinds: Vec<String> = draft
        .split("<tr data-test=\"step\" data-kind=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect();
    assert_eq!(
        kinds,
        ["launch_meeting", "diagnosis", "ranking"],
        "{kinds:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_frozen_version_renders_its_stored_document() {
    let app = spawn_app().await;
    as_first_draft(&app).await;
    let token = app.login("secretariat").await;
    // Freeze version 1 with its document, marked so that the stored JSON is recognisable.
    let mut data: PacDocument = app.state.db.read(document::data).await.unwrap();
    assert_eq!(data.version.as_ref().map(|v| v.number), Some(1));
    data.commune.name_ar = "نسخة مصادق عليها".into();
    data.commune.name_fr = "Version votée".into();
    let json = serde_json::to_string(&data).unwrap();
    let back: PacDocument = serde_json::from_str(&json).unwrap();
    assert_eq!(back, data, "the stored form reads back the same");
    app.state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE pac_versions SET status = 'voted', frozen_at = 1675728000,
                     document = ?1 WHERE number = 1",
                params![json],
            )?;
            // The live programme changes after the vote.
            tx.execute(
                "UPDATE projects SET commune_contribution = '1.00' WHERE number = 3",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    // No draft: the latest frozen version is the document.
    let (status, _, html) = get(&app, &token, "").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("نسخة مصادق عليها"));
    assert_eq!(programme_rows(&html)[0][3], "20870000.00");
    // Read while a draft, shown under the version's status of today.
    assert_eq!(data.version.as_ref().unwrap().status, "draft");
    assert!(
        html.contains("النسخة 1 — مصادق عليه من طرف المجلس"),
        "the version's status"
    );
    let (_, _, asked) = get(&app, &token, "?version=1&lang=fr").await;
    assert!(asked.contains("Version votée"));

    // A new draft: the live data, the voted version still readable.
    app.state
        .db
        .write(|tx| {
            tx.execute(
                "INSERT INTO pac_versions (number, parent_id, kind, status, reason, opened_at)
                 VALUES (2, (SELECT id FROM pac_versions WHERE number = 1), 'update', 'draft',
                         'mise à jour', 0)",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let (_, _, live) = get(&app, &token, "").await;
    assert!(!live.contains("نسخة مصادق عليها"));
    assert!(live.contains("data-test=\"version\" data-number=\"2\""));
    // Project 3 (first programme) had no amount in the demo: its 1.00 adds to the programme.
    assert_eq!(programme_rows(&live)[0][3], "20870001.00");
    let (status, _, voted) = get(&app, &token, "?version=1").await;
    assert_eq!(status, 200);
    assert!(voted.contains("نسخة مصادق عليها"));
    let (status, _, draft) = get(&app, &token, "?version=2").await;
    assert_eq!(status, 200);
    assert!(!draft.contains("نسخة مصادق عليها"));
    app.stop().await;
}

#[tokio::test]
async fn missing_document_unknown_version_and_bad_queries() {
    let app = spawn_app().await;
    as_first_draft(&app).await;
    let token = app.login("ieecag").await;
    app.state
        .db
        .write(|tx| {
            tx.execute(
                "UPDATE pac_versions SET status = 'voted', frozen_at = 1 WHERE number = 1",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    for (query, status, code) in [
        ("", 409, "conflict"),
        ("?version=1", 409, "conflict"),
        ("?version=99", 404, "not_found"),
        ("?version=abc", 400, "bad_query"),
        ("?lang=en", 400, "bad_query"),
    ] {
        let (got, ct, body) = get(&app, &token, query).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(ct.starts_with("application/json"), "{query}: {ct}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], code, "{query}");
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
    let (_, _, body) = get(&app, &token, "?version=1").await;
    assert!(body.contains("frozen without its document"), "{body}");
    // Not logged in, and a role that may not read the procedure.
    let r = app
        .http
        .get(app.url("/api/pac/document"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let facilitator = app.login("facilitator").await;
    let (status, _, _) = get(&app, &facilitator, "").await;
    assert_eq!(status, 403);
    app.stop().await;
}

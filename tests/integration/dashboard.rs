//! The follow-up's dashboards and a project's whole story over HTTP (issue 15, dash).
//!
//! Until the execution records' own API lands (exec's branch), the records, amounts, funding
//! lines, documents, timeline entries and indicator values are written with SQL into the 0021
//! tables, as their comments describe. A programme, two poles, two douars and three projects
//! of the test's own keep the figures small enough to compute by hand below; the dashboard is
//! filtered to that programme (the demo commune's projects stay outside it).

use reqwest::Method;
use serde_json::Value;
use tachkhis_shared::{
    AttendanceCategory, GroupKind, Sector,
    session::{NewSession, ProposalInput, SessionDoc},
    sync::State,
};
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app};

/// Ids of the test's projects X, Y, Z and its programme.
struct Known {
    programme: i64,
    x: i64,
    y: i64,
    z: i64,
}

/// Project X (cost 1000 + 500, poles A, douar a1): 2023 preparation started, commune 600 / 400
/// / 100 and a partner 300 / 300 / 0, funded by the actual surplus of 2022 (600) and an
/// agreement (300); 2024 executed, 200 / 200 / 200 from the 2024 budget. An indicator 4 of 4.
/// Project Y (cost 2000, poles A and B, douars a1 and b1): 2024 under way, 1000 / 500 / 250
/// from the estimated surplus of 2023. Project Z (cost unknown, pole B): no record, an
/// indicator 5 of 10.
fn known_data(app: &TestApp) -> Known {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute_batch(
        "DELETE FROM execution_records; DELETE FROM indicator_values;
         DELETE FROM project_timeline; DELETE FROM execution_documents;
         INSERT INTO axes (id, position, name_ar) VALUES (900, 900, 'محور الاختبار');
         INSERT INTO programmes (id, axis_id, position, name_ar, name_fr)
             VALUES (900, 900, 1, 'برنامج الاختبار', 'Programme test');
         INSERT INTO poles (id, commune_id, position, name_ar, name_fr)
             SELECT 'tp-a', commune_id, 900, 'القطب أ', 'Pôle A' FROM poles LIMIT 1;
         INSERT INTO poles (id, commune_id, position, name_ar, name_fr)
             SELECT 'tp-b', commune_id, 901, 'القطب ب', 'Pôle B' FROM poles LIMIT 1;
         INSERT INTO douars (id, pole_id, position, name_ar, name_fr, name_norm)
             VALUES ('td-a1', 'tp-a', 1, 'دوار أ1', 'Douar A1', 'دوار ا1'),
                    ('td-b1', 'tp-b', 1, 'دوار ب1', 'Douar B1', 'دوار ب1');
         INSERT INTO partners (id, name_ar) VALUES (900, 'جمعية الاختبار');
         INSERT INTO projects (id, number, programme_id, title_ar, title_fr,
                               commune_contribution, partners_contribution)
             VALUES (901, 901, 900, 'مشروع س', 'Projet X', '1000', '500'),
                    (902, 902, 900, 'مشروع ع', 'Projet Y', '2000', NULL),
                    (903, 903, 900, 'مشروع ز', 'Projet Z', NULL, NULL);
         INSERT INTO project_poles VALUES (901, 'tp-a'), (902, 'tp-a'), (902, 'tp-b'), (903, 'tp-b');
         INSERT INTO project_douars VALUES (901, 'td-a1'), (902, 'td-a1'), (902, 'td-b1');
         INSERT INTO execution_records (id, project_id, year, status, start_date, final_reception,
                                        created_at, updated_at)
             VALUES (9001, 901, 2023, 'preparation_started', '2023-09-15', NULL, 0, 0),
                    (9002, 901, 2024, 'executed', NULL, '2024-11-20', 0, 0),
                    (9003, 902, 2024, 'under_way', NULL, NULL, 0, 0);
         INSERT INTO execution_amounts (record_id, partner_id, programmed, committed, paid)
             VALUES (9001, NULL, '600', '400', '100'), (9001, 900, '300', '300', '0'),
                    (9002, NULL, '200', '200', '200'), (9003, NULL, '1000', '500', '250');
         INSERT INTO execution_funding (record_id, position, kind, budget_year, amount)
             VALUES (9001, 1, 'actual_surplus', 2022, '600'),
                    (9001, 2, 'partner_agreement', NULL, '300'),
                    (9002, 1, 'budget', 2024, NULL),
                    (9003, 1, 'estimated_surplus', 2023, NULL);
         INSERT INTO execution_documents (project_id, year, kind, number, dated, created_at)
             VALUES (901, 2023, 'call_for_tenders', 'AO 12/2023', '2023-06-01', 0);
         INSERT INTO project_timeline (project_id, happened_on, text_ar, text_fr, created_at, updated_at)
             VALUES (901, '2024-03-10', 'زيارة الورش', 'Visite du chantier', 0, 0);
         INSERT INTO project_indicators (id, project_id, position, label_ar, unit, created_at, updated_at)
             VALUES (9001, 901, 1, 'عدد الآبار', 'بئر', 0, 0), (9003, 903, 1, 'كلم', 'كلم', 0, 0);
         INSERT INTO indicator_targets VALUES (9001, 2024, '4'), (9003, 2025, '10');
         INSERT INTO indicator_values (indicator_id, year, value, recorded_at)
             VALUES (9001, 2024, '4', 0), (9003, 2024, '5', 0);",
    )
    .unwrap();
    Known {
        programme: 900,
        x: 901,
        y: 902,
        z: 903,
    }
}

fn row<'a>(rows: &'a Value, key: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no line {key} in {rows}"))
}

/// projects, with_records, records, cost, programmed, committed, paid, paid/programmed,
/// paid/cost, indicators, physical: as the JSON carries them.
#[allow(clippy::too_many_arguments)]
fn check(
    r: &Value,
    what: &str,
    expected: (
        i64,
        i64,
        i64,
        &str,
        &str,
        &str,
        &str,
        Value,
        Value,
        i64,
        Value,
    ),
) {
    let got = (
        r["projects"].as_i64().unwrap(),
        r["with_records"].as_i64().unwrap(),
        r["records"].as_i64().unwrap(),
        r["cost"].as_str().unwrap().to_string(),
        r["programmed"].as_str().unwrap().to_string(),
        r["committed"].as_str().unwrap().to_string(),
        r["paid"].as_str().unwrap().to_string(),
        r["paid_of_programmed"].clone(),
        r["paid_of_cost"].clone(),
        r["indicators"].as_i64().unwrap(),
        r["physical_percent"].clone(),
    );
    let e = expected;
    let money = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    assert_eq!(
        (
            got.0,
            got.1,
            got.2,
            money(&got.3),
            money(&got.4),
            money(&got.5),
            money(&got.6)
        ),
        (
            e.0,
            e.1,
            e.2,
            money(e.3),
            money(e.4),
            money(e.5),
            money(e.6)
        ),
        "{what}: counts and amounts in {r}"
    );
    let pc = |v: &Value| {
        v.as_str()
            .map(|s| s.parse::<rust_decimal::Decimal>().unwrap())
    };
    assert_eq!(
        (pc(&got.7), pc(&got.8), got.9, pc(&got.10)),
        (pc(&e.7), pc(&e.8), e.9, pc(&e.10)),
        "{what}: financial completion and physical progress in {r}"
    );
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[tokio::test]
async fn every_view_adds_up_as_computed_by_hand() {
    let app = spawn_app().await;
    let k = known_data(&app);
    let token = app.login("committee").await;
    let (status, d) = app
        .get_json(&format!("/api/dashboard?programme={}", k.programme), &token)
        .await;
    assert_eq!(status, 200, "{d}");
    let n = Value::Null;
    // Everything: 3 projects, 3 records; 2100 / 1400 / 550; 550/2100 = 26.19, 550/3500 = 15.71;
    // indicators 100 % and 50 %: mean 75.
    check(
        &d["totals"],
        "totals",
        (
            3,
            2,
            3,
            "3500",
            "2100",
            "1400",
            "550",
            s("26.2"),
            s("15.7"),
            2,
            s("75"),
        ),
    );
    assert_eq!(d["by_programme"].as_array().unwrap().len(), 1);
    check(
        row(&d["by_programme"], "900"),
        "programme",
        (
            3,
            2,
            3,
            "3500",
            "2100",
            "1400",
            "550",
            s("26.2"),
            s("15.7"),
            2,
            s("75"),
        ),
    );
    // Years: 2023 is X alone (900 / 700 / 100: 11.1 %, of 1500: 6.7 %); 2024 is X and Y
    // (1200 / 700 / 450: 37.5 %, of 3500: 12.9 %), one indicator (X's).
    check(
        row(&d["by_year"], "2023"),
        "2023",
        (
            1,
            1,
            1,
            "1500",
            "900",
            "700",
            "100",
            s("11.1"),
            s("6.7"),
            1,
            s("100"),
        ),
    );
    check(
        row(&d["by_year"], "2024"),
        "2024",
        (
            2,
            2,
            2,
            "3500",
            "1200",
            "700",
            "450",
            s("37.5"),
            s("12.9"),
            1,
            s("100"),
        ),
    );
    let years: Vec<&str> = d["by_year"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(years, ["2023", "2024"]);
    // Funding: X 2023 has two sources, so its amounts are not split between them; the amounts
    // written on the lines are.
    let f = &d["by_funding"];
    let keys: Vec<&str> = f
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "actual_surplus:2022",
            "estimated_surplus:2023",
            "budget:2024",
            "partner_agreement"
        ]
    );
    check(
        row(f, "actual_surplus:2022"),
        "actual surplus",
        (
            1,
            1,
            1,
            "1500",
            "0",
            "0",
            "0",
            n.clone(),
            s("0"),
            1,
            s("100"),
        ),
    );
    assert_eq!(row(f, "actual_surplus:2022")["stated"], "600.00");
    assert_eq!(row(f, "partner_agreement")["stated"], "300.00");
    check(
        row(f, "estimated_surplus:2023"),
        "estimated surplus",
        (
            1,
            1,
            1,
            "2000",
            "1000",
            "500",
            "250",
            s("25"),
            s("12.5"),
            0,
            n.clone(),
        ),
    );
    assert_eq!(row(f, "estimated_surplus:2023")["stated"], Value::Null);
    check(
        row(f, "budget:2024"),
        "budget",
        (
            1,
            1,
            1,
            "1500",
            "200",
            "200",
            "200",
            s("100"),
            s("13.3"),
            1,
            s("100"),
        ),
    );
    assert!(
        row(f, "actual_surplus:2022")["label_fr"]
            .as_str()
            .unwrap()
            .contains("2022")
    );
    // Status: the current one (X executed in 2024, Y under way, Z none), in the codes' order.
    let st = &d["by_status"];
    let keys: Vec<&str> = st
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["under_way", "executed", ""]);
    check(
        row(st, "executed"),
        "executed",
        (
            1,
            1,
            2,
            "1500",
            "1100",
            "900",
            "300",
            s("27.3"),
            s("20"),
            1,
            s("100"),
        ),
    );
    check(
        row(st, "under_way"),
        "under way",
        (
            1,
            1,
            1,
            "2000",
            "1000",
            "500",
            "250",
            s("25"),
            s("12.5"),
            0,
            n.clone(),
        ),
    );
    check(
        row(st, ""),
        "no record",
        (
            1,
            0,
            0,
            "0",
            "0",
            "0",
            "0",
            n.clone(),
            n.clone(),
            1,
            s("50"),
        ),
    );
    assert_eq!(row(st, "executed")["label_ar"], "تم تنفيذه");
    // Poles and douars: Y counts in both of its poles.
    check(
        row(&d["by_pole"], "tp-a"),
        "pole A",
        (
            2,
            2,
            3,
            "3500",
            "2100",
            "1400",
            "550",
            s("26.2"),
            s("15.7"),
            1,
            s("100"),
        ),
    );
    check(
        row(&d["by_pole"], "tp-b"),
        "pole B",
        (
            2,
            1,
            1,
            "2000",
            "1000",
            "500",
            "250",
            s("25"),
            s("12.5"),
            1,
            s("50"),
        ),
    );
    check(
        row(&d["by_douar"], "td-a1"),
        "douar a1",
        (
            2,
            2,
            3,
            "3500",
            "2100",
            "1400",
            "550",
            s("26.2"),
            s("15.7"),
            1,
            s("100"),
        ),
    );
    check(
        row(&d["by_douar"], "td-b1"),
        "douar b1",
        (
            1,
            1,
            1,
            "2000",
            "1000",
            "500",
            "250",
            s("25"),
            s("12.5"),
            0,
            n.clone(),
        ),
    );
    assert_eq!(row(&d["by_pole"], "tp-a")["label_fr"], "Pôle A");
    // One chart per view, its bars the amounts.
    let charts = d["charts"].as_array().unwrap();
    let views: Vec<&str> = charts.iter().map(|c| c["view"].as_str().unwrap()).collect();
    assert_eq!(
        views,
        ["programme", "year", "funding", "status", "pole", "douar"]
    );
    let year_chart = charts[1]["svg"].as_str().unwrap();
    assert!(year_chart.starts_with("<svg"), "{year_chart}");
    assert!(
        year_chart.contains("data-value=\"1200\""),
        "2024 programmed drawn: {year_chart}"
    );
    assert!(year_chart.contains("المبرمج"), "Arabic legend by default");
    let (_, fr) = app
        .get_json(
            &format!("/api/dashboard?programme={}&lang=fr", k.programme),
            &token,
        )
        .await;
    assert!(
        fr["charts"][0]["svg"]
            .as_str()
            .unwrap()
            .contains("Programmé")
    );
    // Unfiltered, every project of the commune counts.
    let (_, all) = app.get_json("/api/dashboard", &token).await;
    assert_eq!(
        all["totals"]["projects"].as_i64().unwrap(),
        app.count("SELECT count(*) FROM projects")
    );
    assert!(
        all["years"]
            .as_array()
            .unwrap()
            .contains(&Value::from(2023))
    );
}

#[tokio::test]
async fn filters_keep_their_year_programme_and_pole() {
    let app = spawn_app().await;
    let k = known_data(&app);
    let token = app.login("office").await;
    // The year 2023: only X's record; the statuses are that year's.
    let (status, d) = app
        .get_json(
            &format!("/api/dashboard?programme={}&year=2023", k.programme),
            &token,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(d["year"], 2023);
    check(
        &d["totals"],
        "2023 totals",
        (
            3,
            1,
            1,
            "3500",
            "900",
            "700",
            "100",
            s("11.1"),
            s("2.9"),
            2,
            s("75"),
        ),
    );
    let keys: Vec<&str> = d["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["preparation_started", ""]);
    assert_eq!(row(&d["by_status"], "")["projects"], 2);
    assert_eq!(d["by_year"].as_array().unwrap().len(), 1);
    // Pole B: Y and Z.
    let (_, d) = app
        .get_json(
            &format!("/api/dashboard?programme={}&pole=tp-b", k.programme),
            &token,
        )
        .await;
    check(
        &d["totals"],
        "pole B totals",
        (
            2,
            1,
            1,
            "2000",
            "1000",
            "500",
            "250",
            s("25"),
            s("12.5"),
            1,
            s("50"),
        ),
    );
    // The pole filter alone (the demo's projects are in other poles).
    let (_, d) = app.get_json("/api/dashboard?pole=tp-a", &token).await;
    assert_eq!(d["totals"]["projects"], 2);
    // Another programme: none of the test's records.
    let (_, d) = app
        .get_json("/api/dashboard?programme=1&year=2024", &token)
        .await;
    assert_eq!(
        d["totals"]["records"].as_i64().unwrap(),
        app.count(
            "SELECT count(*) FROM execution_records r JOIN projects p ON p.id = r.project_id
             WHERE p.programme_id = 1 AND r.year = 2024"
        )
    );
    // Bad filters: a clear 400, nothing else.
    for q in [
        "year=1800",
        "year=abc",
        "programme=x",
        "lang=de",
        "format=pdf",
        "year=2023%27",
    ] {
        let (status, body) = app.get_json(&format!("/api/dashboard?{q}"), &token).await;
        assert_eq!(status, 400, "{q}: {body}");
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{q}: {body}"
        );
    }
    // An unknown pole or programme: an empty dashboard, not an error.
    let (status, d) = app.get_json("/api/dashboard?pole=nowhere", &token).await;
    assert_eq!(status, 200);
    assert_eq!(d["totals"]["projects"], 0);
}

#[tokio::test]
async fn the_tables_export_exactly_as_csv_and_xlsx() {
    let app = spawn_app().await;
    let k = known_data(&app);
    let token = app.login("bureau").await;
    let r = app
        .http
        .get(app.url(&format!(
            "/api/dashboard?programme={}&format=csv&lang=fr",
            k.programme
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("view,key,label,projects"),
        "{}",
        lines[0]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("total,,Total,3,2,3,3500.00,2100.00,1400.00,550.00,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("year,2024,2024,2,2,2,3500.00,1200.00,700.00,450.00,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("funding,actual_surplus:2022,") && l.contains(",600.00,")),
        "{csv}"
    );
    let r = app
        .http
        .get(app.url(&format!(
            "/api/dashboard?programme={}&format=xlsx",
            k.programme
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX (zip) file");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheets = book.sheet_names();
    assert_eq!(sheets.len(), 7, "{sheets:?}");
    let years = book.worksheet_range(&sheets[2]).unwrap();
    let programmed: Vec<String> = years.rows().skip(1).map(|r| r[7].to_string()).collect();
    assert_eq!(programmed, ["900", "1200"]);
}

/// Syncs a women's session at the test's douar on 2022-08-02 with two proposals, links them
/// through a need to X on 2022-10-05, approves a ranking, votes: X's story in order.
#[tokio::test]
async fn a_projects_story_runs_from_the_session_to_the_last_payment() {
    let app = spawn_app().await;
    let k = known_data(&app);
    let token = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let id = Uuid::new_v4();
    let ctx = tablet.ctx();
    let mut doc = SessionDoc::create(
        id,
        &NewSession {
            pole_id: "tp-a".into(),
            douar_ids: vec!["td-a1".into()],
            group_kind: GroupKind::Women,
            date: "2022-08-02".into(),
            facilitators: "أمينة".into(),
        },
        &ctx,
        None,
    )
    .unwrap();
    let ctx = tablet.ctx();
    doc.add_attendance(AttendanceCategory::Women, 12, &ctx)
        .unwrap();
    let mut proposals = Vec::new();
    for (problem, solution) in [("البئر جافة", "حفر بئر جديدة"), ("لا ماء في الصيف", "")]
    {
        let ctx = tablet.ctx();
        proposals.push(
            doc.add_proposal(
                &ProposalInput {
                    problem: problem.into(),
                    solution: solution.into(),
                    sector: Some(Sector::DrinkingWater),
                    douar_id: Some("td-a1".into()),
                    raised_by: String::new(),
                },
                &ctx,
            )
            .unwrap(),
        );
    }
    tablet.docs.insert(id, (doc, State::new()));
    tablet.sync(&app, &token).await.unwrap();
    {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO consolidation_actions (id, at, kind, detail) VALUES (9001, 1664964000, 'link', '{{}}');
             INSERT INTO needs (id, title, title_norm, sector, created_at, updated_at)
                 VALUES (9001, 'الماء الصالح للشرب', 'الماء الصالح للشرب', 'drinking_water', 0, 0);
             INSERT INTO need_projects (need_id, project_id, action_id) VALUES (9001, {x}, 9001);
             INSERT INTO priority_approvals (at, note, ranking)
                 VALUES (1667383200, '', '[{{\"project_id\":{x},\"rank\":3,\"total\":70}}]');",
            x = k.x
        ))
        .unwrap();
        for p in &proposals {
            conn.execute(
                "INSERT INTO need_members (proposal_id, need_id, action_id) VALUES (?1, 9001, 9001)",
                [p.to_string()],
            )
            .unwrap();
        }
    }
    let committee = app.login("committee").await;
    let (status, story) = app
        .get_json(&format!("/api/projects/{}/story", k.x), &committee)
        .await;
    assert_eq!(status, 200, "{story}");
    assert_eq!(story["title_fr"], "Projet X");
    let entries = story["entries"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| !matches!(e["kind"].as_str(), Some("vote" | "visa")))
        .map(|e| (e["date"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("2022-08-02", "session"),
            ("2022-10-05", "need_linked"),
            ("2022-11-02", "ranked"),
            ("2023", "record"),
            ("2023-06-01", "document"),
            ("2023-09-15", "started"),
            ("2024", "record"),
            ("2024-03-10", "timeline"),
            ("2024-11-20", "final_reception"),
            ("2024", "indicator_value"),
            ("2024", "last_payment"),
        ]
    );
    // Dates never go back (a year stands at its start, the last payment at its end).
    let session = &entries[0];
    assert_eq!(session["group_kind"], "women");
    assert_eq!(session["count"], 12);
    assert!(session["place_ar"].as_str().unwrap().contains("القطب أ"));
    assert!(session["place_fr"].as_str().unwrap().contains("Douar A1"));
    let text = session["text_ar"].as_str().unwrap();
    assert!(
        text.contains("البئر جافة — حفر بئر جديدة") && text.contains("لا ماء في الصيف"),
        "{text}"
    );
    assert_eq!(session["source"], format!("session:{id}"));
    let find = |kind: &str| entries.iter().find(|e| e["kind"] == kind).unwrap();
    assert_eq!(find("need_linked")["text_ar"], "الماء الصالح للشرب");
    assert_eq!(find("ranked")["count"], 3);
    let first = find("record");
    assert_eq!(first["status"], "preparation_started");
    assert_eq!(first["programmed"], "900.00");
    assert_eq!(first["paid"], "100.00");
    assert!(
        first["text_fr"]
            .as_str()
            .unwrap()
            .contains("Excédent réel 2022"),
        "{first}"
    );
    assert!(
        first["text_ar"].as_str().unwrap().contains("اتفاقية شراكة"),
        "{first}"
    );
    assert_eq!(first["source"], "execution_records:9001");
    assert_eq!(find("document")["text_ar"], "AO 12/2023");
    assert_eq!(find("document")["document"], "call_for_tenders");
    assert_eq!(find("timeline")["text_fr"], "Visite du chantier");
    assert!(
        find("indicator_value")["text_ar"]
            .as_str()
            .unwrap()
            .contains("4 / 4")
    );
    let last = find("last_payment");
    assert_eq!(last["paid"], "200.00");
    assert_eq!(last["source"], "execution_records:9002");
    // Where it stands: financial and physical apart (the shared progress).
    assert_eq!(story["progress"]["paid"], "300.00");
    assert_eq!(
        story["progress"]["financial_percent"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap(),
        20.0
    );
    assert_eq!(
        story["progress"]["indicators"][0]["percent"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap(),
        100.0
    );
    // The demo's vote and visa (07/02/2023, 11/07/2023) sit in their place when present.
    let dates: Vec<String> = entries
        .iter()
        .map(|e| {
            let d = e["date"].as_str().unwrap();
            if d.len() == 4 {
                format!("{d}-00-00")
            } else {
                d.to_string()
            }
        })
        .collect();
    let kinds_all: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    if let Some(i) = kinds_all.iter().position(|k| *k == "vote") {
        assert!(
            dates[i].as_str() > "2022-11-02" && dates[i].as_str() < "2023-06-01",
            "{dates:?}"
        );
    }
    // Y has no session: its story starts with its record; Z has none at all but its value.
    let (_, y) = app
        .get_json(&format!("/api/projects/{}/story", k.y), &committee)
        .await;
    assert_eq!(
        y["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "record")
            .count(),
        1
    );
    let (_, z) = app
        .get_json(&format!("/api/projects/{}/story", k.z), &committee)
        .await;
    assert!(
        z["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"] != "record")
    );
    // Unknown or malformed ids.
    let (status, body) = app.get_json("/api/projects/999999/story", &committee).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = app.get_json("/api/projects/abc/story", &committee).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn who_may_read_the_dashboards_and_stories() {
    let app = spawn_app().await;
    let k = known_data(&app);
    for (user, expected) in [
        ("admin", 200),
        ("office", 200),
        ("committee", 200),
        ("bureau", 200),
        ("secretariat", 200),
        ("ieecag", 200),
        ("facilitator", 403),
    ] {
        let token = app.login(user).await;
        let (status, _) = app.get_json("/api/dashboard", &token).await;
        assert_eq!(status, expected, "{user} dashboard");
        let (status, _) = app
            .get_json(&format!("/api/projects/{}/story", k.x), &token)
            .await;
        assert_eq!(status, expected, "{user} story");
    }
    let r = app
        .http
        .request(Method::GET, app.url("/api/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

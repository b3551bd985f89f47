//! The gender report's screen in the real client: sessions of every group kind arrive by sync
//! from a simulated tablet, the office makes needs and links them to projects, then the
//! committee (read only) opens the report from the reports screen. The figures on screen are
//! the API's; the SVG charts have a bar pair per sector with proposals and per pole; the page
//! is photographed whole in Arabic and French, and in print media (what the printer gets).

use fantoccini::Client;
use serde_json::{Value, json};
use tachkhis_shared::{
    AttendanceCategory, GroupKind, Sector,
    session::{NewSession, ProposalInput, SessionDoc},
    sync::State,
};
use uuid::Uuid;

use crate::helpers::{HttpTransport, Tablet};
use crate::{
    Chromedriver, PASSWORD, Server, TestResult, artefacts_dir, assert_no_csp_violations,
    assets_dir, attr, cdp, click, connect_browser, count, find, run_with_artefacts, wait_count,
    wait_until,
};

async fn api_token(http: &reqwest::Client, base: &str, user: &str) -> String {
    let r: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": user, "password": PASSWORD }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login answer");
    r["token"].as_str().expect("a token").to_string()
}

/// A session to make: pole, douar, group kind, proposals (problem, sector).
type Planned = (
    &'static str,
    &'static str,
    GroupKind,
    &'static [(&'static str, Sector)],
);

/// Sessions of every group kind over four poles, synced from a simulated tablet; needs made
/// and linked to projects 1 and 2 by the office.
async fn seed(base: &str) {
    let http = reqwest::Client::new();
    let token = api_token(&http, base, "facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let plan: &[Planned] = &[
        (
            "pole-1",
            "centre",
            GroupKind::Women,
            &[
                ("حضانة للأطفال", Sector::WomenFamily),
                ("الماء الصالح للشرب", Sector::DrinkingWater),
                ("دار الولادة", Sector::Health),
            ],
        ),
        (
            "pole-1",
            "letnine",
            GroupKind::Men,
            &[
                ("تهيئة الطريق", Sector::Roads),
                ("الماء الصالح للشرب", Sector::DrinkingWater),
            ],
        ),
        (
            "pole-2",
            "ouled-skir",
            GroupKind::Women,
            &[
                ("تعاونية نسائية", Sector::Economy),
                ("دار الولادة", Sector::Health),
                ("النقل المدرسي", Sector::Education),
            ],
        ),
        (
            "pole-2",
            "el-jrif",
            GroupKind::Youth,
            &[("ملعب القرب", Sector::YouthSports)],
        ),
        (
            "pole-3",
            "idouz",
            GroupKind::Men,
            &[
                ("تهيئة الطريق", Sector::Roads),
                ("الكهرباء", Sector::Electricity),
            ],
        ),
        (
            "pole-3",
            "ait-abbou",
            GroupKind::Disability,
            &[("ولوجيات", Sector::Social)],
        ),
        (
            "pole-4",
            "ait-lami",
            GroupKind::Associations,
            &[("دار الشباب", Sector::YouthSports)],
        ),
        (
            "pole-4",
            "ait-said",
            GroupKind::Mixed,
            &[("الماء الصالح للشرب", Sector::DrinkingWater)],
        ),
    ];
    let mut ids: Vec<(String, Uuid)> = Vec::new();
    for (i, (pole, douar, group, proposals)) in plan.iter().enumerate() {
        let s = Uuid::new_v4();
        let init = NewSession {
            pole_id: pole.to_string(),
            douar_ids: vec![douar.to_string()],
            group_kind: group.clone(),
            date: "2022-08-02".into(),
            facilitators: "سعاد".into(),
        };
        let ctx = tablet.ctx();
        let doc = SessionDoc::create(s, &init, &ctx, None).expect("session");
        tablet.docs.insert(s, (doc, State::new()));
        for (c, n) in [
            (AttendanceCategory::Women, 4 + 3 * i as i64 % 11),
            (AttendanceCategory::Men, 9 - i as i64),
            (AttendanceCategory::YouthWomen, (i % 3) as i64),
            (AttendanceCategory::DisabledMen, (i % 2) as i64),
        ] {
            let ctx = tablet.ctx();
            tablet
                .doc(s)
                .add_attendance(c, n, &ctx)
                .expect("attendance");
        }
        for (problem, sector) in *proposals {
            let ctx = tablet.ctx();
            let id = tablet
                .doc(s)
                .add_proposal(
                    &ProposalInput {
                        problem: problem.to_string(),
                        solution: "الحل".into(),
                        sector: Some(sector.clone()),
                        douar_id: Some(douar.to_string()),
                        raised_by: String::new(),
                    },
                    &ctx,
                )
                .expect("proposal");
            ids.push((problem.to_string(), id));
        }
    }
    let mut transport = HttpTransport {
        http: http.clone(),
        url: format!("{base}/api/sync"),
        token,
    };
    tablet
        .sync_with(&mut transport)
        .await
        .expect("the tablet syncs");

    let office = api_token(&http, base, "office").await;
    let by_title = |t: &str| -> Vec<Uuid> {
        ids.iter()
            .filter(|(p, _)| p == t)
            .map(|(_, id)| *id)
            .collect()
    };
    let mut needs = Vec::new();
    for title in [
        "دار الولادة",
        "حضانة للأطفال",
        "الماء الصالح للشرب",
        "تهيئة الطريق",
    ] {
        let r: Value = http
            .post(format!("{base}/api/needs"))
            .bearer_auth(&office)
            .json(&json!({ "title": title, "proposal_ids": by_title(title) }))
            .send()
            .await
            .expect("a need")
            .json()
            .await
            .expect("its answer");
        needs.push(r["need_id"].as_i64().expect("need id"));
    }
    for (number, need) in [(1, needs[0]), (1, needs[1]), (2, needs[2]), (2, needs[3])] {
        let p: Value = http
            .get(format!("{base}/api/projects/by-number/{number}"))
            .bearer_auth(&office)
            .send()
            .await
            .expect("project")
            .json()
            .await
            .expect("project answer");
        let st = http
            .post(format!("{base}/api/needs/{need}/projects"))
            .bearer_auth(&office)
            .json(&json!({ "project_id": p["id"] }))
            .send()
            .await
            .expect("link")
            .status();
        assert!(st.is_success(), "link: {st}");
    }
}

/// A screenshot of the whole page (beyond the window), as PNG.
async fn full_page(client: &Client, name: &str) {
    use base64::Engine;
    let shot = cdp(
        client,
        "Page.captureScreenshot",
        json!({ "format": "png", "captureBeyondViewport": true }),
    )
    .await
    .expect("screenshot");
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("image data"))
        .expect("base64");
    std::fs::write(artefacts_dir().join(name), png).expect("write the screenshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gender_report_screen_and_print() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile)?;
    let server = Server::start(&db_path, &assets, 0).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    seed(&base).await;
    let http = reqwest::Client::new();
    let committee = api_token(&http, &base, "committee").await;
    let report: Value = http
        .get(format!("{base}/api/reports/gender"))
        .bearer_auth(&committee)
        .send()
        .await?
        .json()
        .await?;

    let client = connect_browser(&driver, &profile).await;
    client.set_window_size(1366, 900).await?;
    let run = {
        let client = client.clone();
        let base = base.clone();
        async move { scenario(&client, &base, &report).await }
    };
    let outcome = run_with_artefacts("gender", &[("committee", &client)], run).await;
    server.stop().await;
    outcome
}

async fn scenario(client: &Client, base: &str, report: &Value) -> TestResult {
    client.goto(&format!("{base}/")).await?;
    find(client, "[data-test=login-username]")
        .await
        .send_keys("committee")
        .await?;
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    find(client, "[data-test=office]").await;
    click(client, "[data-test=nav-reports]").await;
    // Once the reports screen has its data (it draws again when each part arrives).
    find(client, "[data-test=programme-table]").await;
    wait_count(client, "[data-test=place]", 7 + 18).await;
    click(client, "[data-test=gender-link]").await;
    find(client, "[data-test=gender-page]").await;
    assert_eq!(client.current_url().await?.path(), "/office/reports/gender");

    // The tables hold the API's figures.
    let poles = report["by_pole"].as_array().unwrap().len();
    wait_count(
        client,
        "[data-test=gender-poles] tbody [data-test=gender-row]",
        poles,
    )
    .await;
    let women_total = report["total"]["proposals"]["women"].as_i64().unwrap();
    let cells = client
        .find_all(fantoccini::Locator::Css(
            "[data-test=gender-poles] tfoot td.num",
        ))
        .await?;
    assert_eq!(cells[0].text().await?, women_total.to_string());
    let with_proposals = report["by_sector"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["proposals"]
                .as_object()
                .unwrap()
                .values()
                .any(|v| v.as_i64() != Some(0))
        })
        .count();
    assert_eq!(
        count(client, "[data-test=chart-sector] [data-test=chart-row]").await,
        with_proposals
    );
    assert_eq!(
        count(client, "[data-test=chart-pole] [data-test=chart-row]").await,
        poles
    );
    let numbers: Vec<String> = report["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["number"].to_string())
        .collect();
    assert_eq!(numbers, vec!["1".to_string()], "{report}");
    assert_eq!(
        attr(client, "[data-test=gender-project]", "data-number")
            .await
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        count(client, "[data-test=women-need]").await,
        report["total"]["women_needs"].as_array().unwrap().len()
    );
    // Wide tables scroll in their own box: the page is no wider than the window.
    let widths = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await?;
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "the page is wider than the window: {widths}"
    );
    full_page(client, "gender-report-ar.png").await;

    // Print media: no navigation, no buttons.
    cdp(
        client,
        "Emulation.setEmulatedMedia",
        json!({ "media": "print" }),
    )
    .await?;
    let bar_shown: bool = client
        .execute(
            "return getComputedStyle(document.querySelector('.office-bar')).display !== 'none';",
            vec![],
        )
        .await?
        .as_bool()
        .unwrap_or(true);
    assert!(!bar_shown, "the navigation is not printed");
    full_page(client, "gender-report-print-ar.png").await;
    // What the printer gets: A4 across (the report's named page), kept beside the screenshots.
    let pdf = cdp(
        client,
        "Page.printToPDF",
        json!({ "preferCSSPageSize": true, "printBackground": false }),
    )
    .await?;
    let pdf = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.decode(pdf["data"].as_str().expect("PDF data"))?
    };
    std::fs::write(artefacts_dir().join("gender-report-ar.pdf"), &pdf)?;
    assert!(pdf.starts_with(b"%PDF"));
    let text = String::from_utf8_lossy(&pdf);
    let media: Vec<f64> = text
        .split("/MediaBox")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .map(|b| {
            b.trim_start_matches([' ', '['])
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        media.len() == 4 && media[2] > media[3],
        "printed across the page: {media:?}"
    );
    cdp(client, "Emulation.setEmulatedMedia", json!({ "media": "" })).await?;

    // French, left to right.
    click(client, "[data-test=lang-switch]").await;
    wait_until("the page is in French", || async {
        (attr(client, "html", "lang").await.as_deref() == Some("fr")).then_some(())
    })
    .await;
    full_page(client, "gender-report-fr.png").await;
    assert_no_csp_violations(client).await;
    Ok(())
}

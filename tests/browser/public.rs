//! A project's public page (issue 16) in Chromium with JavaScript disabled: the page is
//! readable (its title, the "why" section), right to left in Arabic and left to right in
//! French, the progress chart's SVG drawn with a size, and nothing blocked by the pages' own
//! Content-Security-Policy (no script to block, the inline stylesheet allowed by its hash:
//! the body's font and the page's width come from it). Screenshots in Arabic and French go
//! to `target/artefacts/public-ar.png` and `public-fr.png`.
//!
//! The project is the seed's number 14; its execution record (half paid) is written by SQL
//! (the follow-up's routes are another part's); publishing goes through the office's API.

use fantoccini::Client;
use rusqlite::params;
use serde_json::json;

use crate::{
    Chromedriver, PASSWORD, Server, TestResult, api_login, assets_dir, attr, cdp, click,
    connect_browser, count, find, run_with_artefacts, screenshot, set_viewport, wait_attr,
    wait_count,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_page_reads_with_javascript_disabled() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile)?;
    let server = Server::start(&db_path, &assets, 0).await;
    let base = server.base();
    // Logged in first: the server has opened and filled the database by then.
    let office = api_login(&base, "office").await;
    let project: i64 = {
        let db = rusqlite::Connection::open(&db_path)?;
        // The seed states no cost for 14: give it one, so that the progress has a whole.
        db.execute(
            "UPDATE projects SET commune_contribution = '400000.00'
             WHERE number = 14 AND commune_contribution IS NULL",
            [],
        )?;
        let (id, commune, partners): (i64, Option<String>, Option<String>) = db.query_row(
            "SELECT id, commune_contribution, partners_contribution FROM projects
             WHERE number = 14",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let cost: f64 = commune.as_deref().unwrap_or("0").parse::<f64>()?
            + partners.as_deref().unwrap_or("0").parse::<f64>()?;
        db.execute(
            "INSERT INTO execution_records (project_id, year, status, start_date, created_at,
                 updated_at) VALUES (?1, 2024, 'under_way', '2024-03-01', 0, 0)",
            params![id],
        )?;
        db.execute(
            "INSERT INTO execution_amounts (record_id, partner_id, programmed, committed, paid)
             VALUES (last_insert_rowid(), NULL, ?1, ?1, ?2)",
            params![format!("{cost:.2}"), format!("{:.2}", cost / 2.0)],
        )?;
        id
    };
    let r = reqwest::Client::new()
        .put(format!("{base}/api/publish/projects/{project}"))
        .bearer_auth(&office)
        .json(&json!({"published": true}))
        .send()
        .await?;
    assert_eq!(r.status(), 200);

    let client = connect_browser(&driver, &profile).await;
    let run = {
        let client = client.clone();
        let base = base.clone();
        async move { scenario(&client, &base).await }
    };
    let outcome = run_with_artefacts("public", &[("visitor", &client)], run).await;
    server.stop().await;
    outcome
}

async fn scenario(client: &Client, base: &str) -> TestResult {
    cdp(
        client,
        "Emulation.setScriptExecutionDisabled",
        json!({ "value": true }),
    )
    .await?;
    client.set_window_size(412, 1600).await?;
    client.goto(&format!("{base}/p/14")).await?;
    find(client, "html[dir=rtl][lang=ar]").await;
    let title = find(client, "h1[data-test=title]").await.text().await?;
    assert!(!title.trim().is_empty());
    let why = find(client, "[data-test=why]").await.text().await?;
    assert!(!why.is_empty());
    let status = find(client, "[data-test=status]").await.text().await?;
    assert!(status.contains("في طور الإنجاز"), "{status}");
    let bar = find(client, "svg[data-test=financial]").await;
    let (_, _, w, h) = bar.rectangle().await?;
    assert!(w > 100.0 && h > 5.0, "the progress chart is drawn: {w}×{h}");
    // The inline stylesheet applied (its hash is in the policy): the body is centred with a
    // bounded width, not the browser's default margin.
    let body = find(client, "body").await;
    let font = body.css_value("font-family").await?;
    assert!(
        font.contains("Noto Naskh Arabic"),
        "the stylesheet applied: {font}"
    );
    // Headings sit on the right in Arabic.
    let (x, _, hw, _) = find(client, "h1").await.rectangle().await?;
    let text_align = find(client, "h1").await.css_value("direction").await?;
    assert_eq!(text_align, "rtl");
    assert!(x + hw > 300.0);
    screenshot(client, "public-ar.png").await;

    client.goto(&format!("{base}/p/fr/14")).await?;
    find(client, "html[dir=ltr][lang=fr]").await;
    let direction = find(client, "h1").await.css_value("direction").await?;
    assert_eq!(direction, "ltr");
    find(client, "svg[data-test=financial]").await;
    screenshot(client, "public-fr.png").await;

    // An unpublished number: the 404 page, readable too.
    client.goto(&format!("{base}/p/15")).await?;
    let h1 = find(client, "h1").await.text().await?;
    assert!(h1.contains("لا توجد صفحة"), "{h1}");
    Ok(())
}

// ---- The office's publishing screen (issue 16, pub2) ---------------------------------------

const SHOWN_A: &str = "الطريق إلى المدرسة مقطوعة في الشتاء";
const SHOWN_B: &str = "لا ماء صالح للشرب في الصيف";
const HIDDEN_C: &str = "نص لم يوافق عليه المكتب";
const RAISED_BY: &str = "فاطمة الزهراء بنت أحمد";
const LICENCE_AR: &str = "رخصة مفتوحة للجماعة";

/// A session of women in Centre with three proposals, synced from a simulated tablet; the
/// office puts them in one need linked to project 40. Gives the proposals' ids (A, B, C).
async fn three_proposals_behind_40(base: &str) -> [String; 3] {
    use tachkhis_shared::{
        GroupKind, Sector,
        session::{NewSession, ProposalInput, SessionDoc},
        sync::State,
    };

    use crate::helpers::{HttpTransport, Tablet};

    let http = reqwest::Client::new();
    let mut tablet = Tablet::new("facilitator");
    let s = uuid::Uuid::new_v4();
    let init = NewSession {
        pole_id: "pole-1".into(),
        douar_ids: vec!["centre".into()],
        group_kind: GroupKind::Women,
        date: "2022-08-02".into(),
        facilitators: "سعاد".into(),
    };
    let ctx = tablet.ctx();
    let doc = SessionDoc::create(s, &init, &ctx, None).expect("session");
    tablet.docs.insert(s, (doc, State::new()));
    let mut ids = Vec::new();
    for problem in [SHOWN_A, SHOWN_B, HIDDEN_C] {
        let ctx = tablet.ctx();
        let id = tablet
            .doc(s)
            .add_proposal(
                &ProposalInput {
                    problem: problem.into(),
                    solution: "الحل".into(),
                    sector: Some(Sector::Roads),
                    douar_id: Some("centre".into()),
                    raised_by: RAISED_BY.into(),
                },
                &ctx,
            )
            .expect("proposal");
        ids.push(id.to_string());
    }
    let mut transport = HttpTransport {
        http: http.clone(),
        url: format!("{base}/api/sync"),
        token: api_login(base, "facilitator").await,
    };
    tablet
        .sync_with(&mut transport)
        .await
        .expect("the tablet syncs");
    let office = api_login(base, "office").await;
    let need: serde_json::Value = http
        .post(format!("{base}/api/needs"))
        .bearer_auth(&office)
        .json(&json!({ "title": "الطريق", "proposal_ids": ids }))
        .send()
        .await
        .expect("a need")
        .json()
        .await
        .expect("its answer");
    let project: serde_json::Value = http
        .get(format!("{base}/api/projects/by-number/40"))
        .bearer_auth(&office)
        .send()
        .await
        .expect("project")
        .json()
        .await
        .expect("project answer");
    let status = http
        .post(format!("{base}/api/needs/{}/projects", need["need_id"]))
        .bearer_auth(&office)
        .json(&json!({ "project_id": project["id"] }))
        .send()
        .await
        .expect("link")
        .status();
    assert!(status.is_success(), "link: {status}");
    [ids[0].clone(), ids[1].clone(), ids[2].clone()]
}

/// The office publishes project 40 and approves two of its three texts on its screen; then a
/// visitor, not logged in, reads those two on the public page and not the third, nor the name
/// of who raised them; the office's preview shows the same; the administrator's licence
/// appears at the page's foot. The screen is photographed in Arabic (`publish-office-ar.png`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_publishes_and_the_public_page_shows_the_approved_texts() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let office_profile = tmp.path().join("office-profile");
    let visitor_profile = tmp.path().join("visitor-profile");
    std::fs::create_dir_all(&office_profile)?;
    std::fs::create_dir_all(&visitor_profile)?;
    let server = Server::start(&db_path, &assets, 0).await;
    let base = server.base();
    let ids = three_proposals_behind_40(&base).await;

    let office = connect_browser(&driver, &office_profile).await;
    let visitor = connect_browser(&driver, &visitor_profile).await;
    let admin_profile = tmp.path().join("admin-profile");
    std::fs::create_dir_all(&admin_profile)?;
    let admin = connect_browser(&driver, &admin_profile).await;
    set_viewport(&office, (1366, 900)).await;
    set_viewport(&admin, (1366, 900)).await;
    let run = {
        let (office, visitor, admin, base) =
            (office.clone(), visitor.clone(), admin.clone(), base.clone());
        async move {
            office_publishes(&office, &base, &ids).await?;
            admin_sets_licence(&admin, &base).await?;
            visitor_reads(&visitor, &base).await
        }
    };
    let outcome = run_with_artefacts(
        "publish",
        &[
            ("office", &office),
            ("visitor", &visitor),
            ("admin", &admin),
        ],
        run,
    )
    .await;
    server.stop().await;
    outcome
}

async fn office_publishes(client: &Client, base: &str, ids: &[String; 3]) -> TestResult {
    client.goto(&format!("{base}/login")).await?;
    find(client, "[data-test=login-username]")
        .await
        .send_keys("office")
        .await?;
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    find(client, "[data-test=office]").await;
    // The screen is in the navigation of who may publish.
    click(client, "[data-test=nav-publish]").await;
    find(client, "[data-test=publish-page]").await;
    assert_eq!(client.current_url().await?.path(), "/office/publish");
    let row = "[data-test=publish-project][data-number='40']";
    wait_attr(client, row, "data-published", "false").await;
    assert_eq!(
        count(client, &format!("{row} [data-test=public-link]")).await,
        0
    );
    click(client, &format!("{row} [data-test=publish-toggle]")).await;
    wait_attr(client, row, "data-published", "true").await;
    assert_eq!(
        attr(client, &format!("{row} [data-test=public-link]"), "href")
            .await
            .as_deref()
            .map(|h| h.ends_with("/p/40")),
        Some(true)
    );

    // The proposals behind it: text, douar, group; never who raised them.
    click(client, &format!("{row} [data-test=publish-texts]")).await;
    wait_count(client, "[data-test=publish-proposal]", 3).await;
    let panel = find(client, "[data-test=publish-proposals]")
        .await
        .text()
        .await?;
    for text in [SHOWN_A, SHOWN_B, HIDDEN_C] {
        assert!(panel.contains(text), "{text} in {panel}");
    }
    assert!(!panel.contains(RAISED_BY), "raised_by on the screen");
    // A and B ticked, approved at once.
    for id in &ids[..2] {
        click(
            client,
            &format!("[data-test=publish-proposal][data-id='{id}'] [data-test=proposal-tick]"),
        )
        .await;
    }
    wait_contains(client, "[data-test=bulk-approve]", "(2)").await;
    click(client, "[data-test=bulk-approve]").await;
    for id in &ids[..2] {
        wait_attr(
            client,
            &format!("[data-test=publish-proposal][data-id='{id}']"),
            "data-approved",
            "true",
        )
        .await;
    }
    wait_attr(client, "[data-test=flash]", "data-state", "done").await;
    assert_eq!(
        attr(
            client,
            &format!("[data-test=publish-proposal][data-id='{}']", ids[2]),
            "data-approved"
        )
        .await
        .as_deref(),
        Some("false")
    );
    wait_contains(
        client,
        &format!("{row} [data-test=approved-count]"),
        "2 من 3",
    )
    .await;
    // The licence form is the administrator's only.
    assert_eq!(count(client, "[data-test=licence-form]").await, 0);
    screenshot(client, "publish-office-ar.png").await;

    // The preview opens in a new tab: the approved texts only, with the pages' stylesheet
    // (a link the app's policy allows, not the inline one it would refuse).
    let home = client.window().await?;
    let before = client.windows().await?;
    click(client, &format!("{row} [data-test=publish-preview]")).await;
    let tab = crate::wait_until("the preview's tab", || async {
        let now = client.windows().await.ok()?;
        now.into_iter().find(|w| !before.contains(w))
    })
    .await;
    client.switch_to_window(tab).await?;
    find(client, "h1[data-test=title]").await;
    let main = find(client, "main").await.text().await?;
    assert!(main.contains(SHOWN_A) && main.contains(SHOWN_B), "{main}");
    assert!(
        !main.contains(HIDDEN_C),
        "an unapproved text in the preview"
    );
    let font = find(client, "body").await.css_value("font-family").await?;
    assert!(
        font.contains("Noto Naskh Arabic"),
        "the preview is styled: {font}"
    );
    client.close_window().await?;
    client.switch_to_window(home).await?;
    Ok(())
}

/// The administrator sets the open data's licence on the same screen.
async fn admin_sets_licence(client: &Client, base: &str) -> TestResult {
    client.goto(&format!("{base}/login")).await?;
    find(client, "[data-test=login-username]")
        .await
        .send_keys("admin")
        .await?;
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    find(client, "[data-test=office]").await;
    client.goto(&format!("{base}/office/publish")).await?;
    find(client, "[data-test=licence-form]").await;
    find(client, "[data-test=licence-ar]")
        .await
        .send_keys(LICENCE_AR)
        .await?;
    find(client, "[data-test=licence-fr]")
        .await
        .send_keys("Licence ouverte")
        .await?;
    click(client, "[data-test=licence-save]").await;
    wait_attr(client, "[data-test=flash]", "data-state", "done").await;
    Ok(())
}

/// Waits until an element's text, without the isolates the catalogues put around numbers
/// (U+2068, U+2069), contains `text`.
async fn wait_contains(client: &Client, selector: &str, text: &str) {
    crate::wait_until(&format!("{selector} contains {text:?}"), || async {
        let el = client.find(crate::css(selector)).await.ok()?;
        let shown = el.text().await.ok()?.replace(['\u{2068}', '\u{2069}'], "");
        shown.contains(text).then_some(())
    })
    .await;
}

async fn visitor_reads(client: &Client, base: &str) -> TestResult {
    client.goto(&format!("{base}/p/40")).await?;
    find(client, "html[dir=rtl][lang=ar]").await;
    find(client, "[data-test=why]").await;
    let main = find(client, "main").await.text().await?;
    assert!(main.contains(SHOWN_A), "{main}");
    assert!(main.contains(SHOWN_B), "{main}");
    let page = client.source().await?;
    assert!(!page.contains(HIDDEN_C), "an unapproved text is public");
    assert!(!page.contains(RAISED_BY), "raised_by is public");
    let licence = find(client, "[data-test=licence]").await.text().await?;
    assert!(licence.contains(LICENCE_AR), "{licence}");
    screenshot(client, "publish-public-ar.png").await;
    Ok(())
}

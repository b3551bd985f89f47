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
    Chromedriver, Server, TestResult, api_login, assets_dir, cdp, connect_browser, find,
    run_with_artefacts, screenshot,
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

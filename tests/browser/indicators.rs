//! The monitoring system's indicators on a project sheet, in the real client (Arabic, laptop
//! window): the demo's illustrative indicators of project 3 in the table, an indicator added
//! by the office (a value the server would refuse is marked in the form first; French decimal
//! comma and Arabic-Indic digits as typed), then an indicators file with bad lines: each line
//! named on screen and nothing written. The server's state is checked through the API.

use fantoccini::Client;
use serde_json::Value;

use crate::{
    Chromedriver, PASSWORD, Server, TestResult, assert_no_csp_violations, assets_dir, click,
    connect_browser, find, run_with_artefacts, screenshot, set_viewport, wait_count, wait_until,
};

async fn api(base: &str, token: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_keeps_a_projects_indicators() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile)?;
    let server = Server::start(&db_path, &assets, 0).await;
    let base = server.base();
    let client = connect_browser(&driver, &profile).await;
    set_viewport(&client, (1366, 900)).await;
    let scenario = {
        let (client, base, dir) = (client.clone(), base.clone(), tmp.path().to_path_buf());
        async move { scenario(&client, &base, &dir).await }
    };
    let outcome = run_with_artefacts("indicators", &[("office", &client)], scenario).await;
    server.stop().await;
    outcome
}

async fn type_into(client: &Client, test: &str, text: &str) -> TestResult {
    let input = find(
        client,
        &format!("[data-test=indicator-form] [data-test={test}]"),
    )
    .await;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

async fn scenario(client: &Client, base: &str, dir: &std::path::Path) -> TestResult {
    let token = crate::api_login(base, "office").await;
    let project = api(base, &token, "/api/projects/by-number/3").await;
    let id = project["id"].as_i64().expect("project 3");
    let path = format!("/api/projects/{id}/indicators");
    client.goto(&format!("{base}/")).await?;
    find(client, "[data-test=login-username]")
        .await
        .send_keys("office")
        .await?;
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    find(client, "[data-test=nav-programme]").await;
    client.goto(&format!("{base}/office/projects/{id}")).await?;
    // The demo's two illustrative indicators, targets in French form.
    wait_count(client, "[data-test=indicator-row]", 2).await;
    assert_eq!(
        crate::count(client, "[data-test=indicator-illustrative]").await,
        2
    );
    let first = find(client, "[data-test=indicator-row] [data-test=target-2025]")
        .await
        .text()
        .await?;
    assert_eq!(first, "8,5");
    let dir_attr = client
        .execute("return document.documentElement.dir;", vec![])
        .await?;
    assert_eq!(dir_attr, "rtl");

    // A new one: an unreadable value is marked before anything is sent.
    click(client, "[data-test=indicator-add]").await;
    find(
        client,
        "[data-test=indicator-form] [data-test=indicator-kind-select]",
    )
    .await
    .select_by_value("result")
    .await?;
    type_into(
        client,
        "indicator-label-ar",
        "عدد الأسر المستفيدة من المسالك",
    )
    .await?;
    type_into(client, "indicator-unit", "أسرة").await?;
    type_into(client, "indicator-baseline", "12a").await?;
    type_into(client, "indicator-target-2026", "٣٥٠").await?;
    type_into(client, "indicator-target-2027", "420,5").await?;
    click(client, "[data-test=indicator-save]").await;
    find(client, "[data-test=indicator-problems]").await;
    client
        .execute(
            "document.querySelector('[data-test=indicator-form]').scrollIntoView(); window.scrollBy(0, -60);",
            vec![],
        )
        .await?;
    screenshot(client, "office-indicator-form-ar.png").await;
    assert_eq!(
        api(base, &token, &path).await["indicators"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "nothing sent"
    );
    type_into(client, "indicator-baseline", "0").await?;
    click(client, "[data-test=indicator-save]").await;
    wait_count(client, "[data-test=indicator-row]", 3).await;
    let saved = api(base, &token, &path).await;
    let made = &saved["indicators"][2];
    assert_eq!(made["kind"], "result");
    assert_eq!(made["label_ar"], "عدد الأسر المستفيدة من المسالك");
    assert_eq!(
        made["targets"],
        serde_json::json!([{"year": 2026, "value": "350"}, {"year": 2027, "value": "420.5"}])
    );
    client
        .execute(
            "document.querySelector('[data-test=indicators]').scrollIntoView(); window.scrollBy(0, -60);",
            vec![],
        )
        .await?;
    screenshot(client, "office-indicators-ar.png").await;

    // A file with bad lines: each named, nothing written.
    let file = dir.join("indicators.csv");
    std::fs::write(
        &file,
        "رقم المشروع,النوع,المؤشر,الهدف 2025\n3,output,مؤشر جديد,2\n999,output,مشروع مجهول,1\n3,impact,نوع مجهول,1\n",
    )?;
    find(client, "[data-test=indicators-file]")
        .await
        .send_keys(&file.display().to_string())
        .await?;
    click(client, "[data-test=indicators-run]").await;
    wait_count(
        client,
        "[data-test=indicators-files] [data-test=import-errors] li",
        2,
    )
    .await;
    let said = find(
        client,
        "[data-test=indicators-files] [data-test=import-errors]",
    )
    .await
    .text()
    .await?;
    assert!(said.contains('3') && said.contains('4'), "{said}");
    assert!(said.contains("999"), "{said}");
    screenshot(client, "office-indicators-import-refused-ar.png").await;
    wait_until("nothing was written", || async {
        let now = api(base, &token, &path).await;
        (now["indicators"].as_array()?.len() == 3).then_some(())
    })
    .await;
    // The French catalogue: the same section in French, left to right.
    crate::screens::set_lang(client, "fr").await;
    crate::wait_text(client, "[data-test=indicators] h2", "Indicateurs").await;
    client
        .execute(
            "document.querySelector('[data-test=indicators]').scrollIntoView(); window.scrollBy(0, -60);",
            vec![],
        )
        .await?;
    screenshot(client, "office-indicators-fr.png").await;
    assert_no_csp_violations(client).await;
    Ok(())
}

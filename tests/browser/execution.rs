//! A project's execution in the real client (Arabic, laptop window; issue 15, exec): the
//! office records a year for a placeholder project that had none (amounts typed the way the
//! commune writes them) and sees the current status and the financial progress change; the
//! server's state is checked through the API.

use fantoccini::Client;
use serde_json::Value;

use crate::{
    Chromedriver, PASSWORD, Server, TestResult, assets_dir, click, connect_browser, find,
    run_with_artefacts, screenshot, set_viewport, wait_until,
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
async fn office_records_a_year_of_execution() -> TestResult {
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
        let (client, base) = (client.clone(), base.clone());
        async move { scenario(&client, &base).await }
    };
    let outcome = run_with_artefacts("execution", &[("office", &client)], scenario).await;
    server.stop().await;
    outcome
}

async fn type_into(client: &Client, test: &str, text: &str) -> TestResult {
    let input = find(
        client,
        &format!("[data-test=execution-form] [data-test={test}]"),
    )
    .await;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

async fn text_of(client: &Client, css: &str) -> String {
    find(client, css).await.text().await.unwrap_or_default()
}

async fn scenario(client: &Client, base: &str) -> TestResult {
    let token = crate::api_login(base, "office").await;
    let project = api(base, &token, "/api/projects/by-number/6").await;
    let id = project["id"].as_i64().expect("project 6");
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
    find(client, "[data-test=execution-empty]").await;
    let financial_before = text_of(client, "[data-test=execution-financial]").await;
    assert_eq!(
        financial_before.trim(),
        "0 %",
        "nothing paid yet against a known cost"
    );

    type_into(client, "execution-year", "2025").await?;
    find(
        client,
        "[data-test=execution-form] [data-test=execution-status]",
    )
    .await
    .select_by_value("under_way")
    .await?;
    type_into(client, "execution-programmed", "1 000 000,00").await?;
    type_into(client, "execution-committed", "800 000").await?;
    type_into(client, "execution-paid", "751 545,45").await?;
    type_into(client, "execution-budget-year", "2025").await?;
    type_into(client, "execution-start", "03/02/2025").await?;
    click(client, "[data-test=execution-save]").await;
    find(
        client,
        "[data-test=execution-record][data-year='2025'][data-status=under_way]",
    )
    .await;
    wait_until("the current status shows the year recorded", || async {
        text_of(client, "[data-test=execution-current]")
            .await
            .contains("في طور الإنجاز (2025)")
            .then_some(())
    })
    .await;
    let financial = text_of(client, "[data-test=execution-financial]").await;
    assert_ne!(financial, financial_before);
    assert_eq!(
        financial.trim(),
        "10 %",
        "751 545,45 paid of a cost of 7 515 454,53"
    );
    client
        .execute(
            "document.querySelector('[data-test=execution]').scrollIntoView();",
            vec![],
        )
        .await?;
    screenshot(client, "office-execution-ar.png").await;

    let exec = api(base, &token, &format!("/api/projects/{id}/execution")).await;
    let record = &exec["records"][0];
    assert_eq!(record["year"], 2025);
    assert_eq!(record["status"], "under_way");
    assert_eq!(record["start_date"], "2025-02-03");
    assert_eq!(record["amounts"][0]["paid"], "751545.45");
    assert_eq!(record["funding"][0]["kind"], "budget");
    Ok(())
}

/// The import of a year's execution (issue 15, exec): a file with a bad line is refused with
/// its line and column; the corrected file is checked (the report shows what would change,
/// nothing written), then imported on confirmation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_imports_a_year_of_execution() -> TestResult {
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
    let dir = tmp.path().to_path_buf();
    let scenario = {
        let (client, base) = (client.clone(), base.clone());
        async move { import_scenario(&client, &base, &dir).await }
    };
    let outcome = run_with_artefacts("execution-import", &[("office", &client)], scenario).await;
    server.stop().await;
    outcome
}

async fn import_scenario(client: &Client, base: &str, dir: &std::path::Path) -> TestResult {
    let token = crate::api_login(base, "office").await;
    let id = api(base, &token, "/api/projects/by-number/6").await["id"]
        .as_i64()
        .expect("project 6");
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
    // From the project's execution panel to the import screen.
    client.goto(&format!("{base}/office/projects/{id}")).await?;
    click(client, "[data-test=execution-import-link]").await;
    find(client, "[data-test=execution-import]").await;

    let header = "رقم المشروع,الممول,المبلغ المبرمج,المبلغ الملتزم به,المبلغ المؤدى,مصدر التمويل,سنة التمويل,الحالة,سبب الحالة";
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{header}\n6,الجماعة,500000,200000,100000,الميزانية,2027,في طور الإنجاز,\n7,الجماعة,100,0,0,الميزانية,2027,متوقف,\n"
        ),
    )?;
    find(client, "[data-test=execution-import-year]")
        .await
        .send_keys("2027")
        .await?;
    find(client, "[data-test=execution-import-file]")
        .await
        .send_keys(&bad.display().to_string())
        .await?;
    click(client, "[data-test=execution-import-check]").await;
    find(client, "[data-test=import-error]").await;
    let said = text_of(client, "[data-test=import-errors]").await;
    assert!(said.contains('3') && said.contains("سبب الحالة"), "{said}");
    screenshot(client, "office-execution-import-refused-ar.png").await;

    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        format!(
            "{header}\n6,الجماعة,500000,200000,100000,الميزانية,2027,في طور الإنجاز,\n7,الجماعة,100,0,0,الميزانية,2027,متوقف,نزاع حول العقار\n"
        ),
    )?;
    find(client, "[data-test=execution-import-file]")
        .await
        .send_keys(&good.display().to_string())
        .await?;
    click(client, "[data-test=execution-import-check]").await;
    find(
        client,
        "[data-test=execution-import-report][data-dry-run=true] [data-test=import-record][data-project='6']",
    )
    .await;
    screenshot(client, "office-execution-import-check-ar.png").await;
    let exec = api(base, &token, &format!("/api/projects/{id}/execution")).await;
    assert_eq!(
        exec["records"].as_array().map(Vec::len),
        Some(0),
        "checked, not written"
    );
    click(client, "[data-test=execution-import-run]").await;
    find(
        client,
        "[data-test=execution-import-report][data-dry-run=false]",
    )
    .await;
    let exec = api(base, &token, &format!("/api/projects/{id}/execution")).await;
    let record = &exec["records"][0];
    assert_eq!(record["year"], 2027);
    assert_eq!(record["status"], "under_way");
    assert_eq!(record["amounts"][0]["paid"], "100000.00");
    Ok(())
}

/// The agreements screen (issue 15, exec): the office adds an agreement (a date and amounts the
/// way the commune writes them, the projects by number) and sees it in the list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_adds_a_partnership_agreement() -> TestResult {
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
        let (client, base) = (client.clone(), base.clone());
        async move { agreements_scenario(&client, &base).await }
    };
    let outcome = run_with_artefacts("agreements", &[("office", &client)], scenario).await;
    server.stop().await;
    outcome
}

async fn agreements_scenario(client: &Client, base: &str) -> TestResult {
    let token = crate::api_login(base, "office").await;
    let before = api(base, &token, "/api/agreements").await;
    let al_farah = before[0]["partner_id"]
        .as_i64()
        .expect("the demo's agreement");
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
    client.goto(&format!("{base}/office/agreements")).await?;
    find(client, "[data-test=agreement]").await;
    find(client, "[data-test=agreement-partner]")
        .await
        .select_by_value(&al_farah.to_string())
        .await?;
    for (test, text) in [
        ("agreement-reference", "12/2024"),
        ("agreement-signed-on", "15/03/2024"),
        ("agreement-object-ar", "تزويد دوار ادوز بالماء الصالح للشرب"),
        ("agreement-amount", "1 000 000,00"),
        ("agreement-commune-amount", "400 000"),
        ("agreement-projects", "14، 3"),
    ] {
        find(client, &format!("[data-test={test}]"))
            .await
            .send_keys(text)
            .await?;
    }
    click(client, "[data-test=agreement-save]").await;
    crate::wait_count(client, "[data-test=agreement]", 2).await;
    screenshot(client, "office-agreements-ar.png").await;
    let after = api(base, &token, "/api/agreements").await;
    let made = after
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["reference"] == "12/2024")
        .expect("saved")
        .clone();
    assert_eq!(made["signed_on"], "2024-03-15");
    assert_eq!(made["amount"], "1000000.00");
    assert_eq!(made["commune_amount"], "400000.00");
    assert_eq!(made["project_ids"].as_array().map(Vec::len), Some(2));
    Ok(())
}

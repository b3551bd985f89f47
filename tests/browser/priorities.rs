//! The Priorities screen in the real client (Arabic, laptop window): the bureau lands on it,
//! sees the demo's ranking marked illustrative, moves a weight (the what-if beside the saved
//! ranking, nothing saved on the server), opens a score's trace, saves, undoes; the committee
//! reads without weight fields. Screenshots of each step in the artefacts.

use fantoccini::Client;
use serde_json::Value;

use crate::{
    Chromedriver, PASSWORD, Server, TestResult, api_login, assert_no_csp_violations, assets_dir,
    click, connect_browser, count, find, run_with_artefacts, screenshot, set_viewport, wait_count,
    wait_until,
};

async fn priorities(base: &str, token: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}/api/priorities"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON")
}

async fn log_in(client: &Client, base: &str, user: &str) -> TestResult {
    client.goto(&format!("{base}/login")).await?;
    find(client, "[data-test=login-username]")
        .await
        .send_keys(user)
        .await?;
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bureau_weighs_tries_saves_and_undoes() -> TestResult {
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
    let committee_profile = tmp.path().join("chromium-committee");
    std::fs::create_dir_all(&committee_profile)?;
    let run = {
        let client = client.clone();
        let base = base.clone();
        let driver = driver.clone();
        async move {
            scenario(&client, &base).await?;
            // The committee reads: no weight fields, no save.
            let committee = connect_browser(&driver, &committee_profile).await;
            set_viewport(&committee, (1366, 900)).await;
            let read = committee_reads(&committee, &base).await;
            if read.is_err() {
                screenshot(&committee, "priorities-committee-failure.png").await;
            }
            committee.close().await?;
            read
        }
    };
    let outcome = run_with_artefacts("priorities", &[("bureau", &client)], run).await;
    server.stop().await;
    outcome
}

async fn scenario(client: &Client, base: &str) -> TestResult {
    let token = api_login(base, "bureau").await;
    let start = priorities(base, &token).await;
    let weight = start["criteria"][0]["weight"].as_i64().unwrap();

    // The bureau's home is the priorities.
    log_in(client, base, "bureau").await?;
    find(client, "[data-test=priorities-page]").await;
    wait_count(client, "[data-test=ranked]", 43).await;
    find(client, "[data-test=illustrative]").await;
    assert_eq!(count(client, "[data-test=nav-proposals]").await, 0);
    screenshot(client, "priorities-ar.png").await;

    // A weight moved: the proposed ranking beside the saved one, nothing on the server.
    let input = find(
        client,
        "[data-test=criterion]:first-child [data-test=weight]",
    )
    .await;
    input.clear().await?;
    // The weight counts once the field is left (Tab).
    input
        .send_keys(&format!("60{}", char::from(fantoccini::key::Key::Tab)))
        .await?;
    find(client, "[data-test=what-if] [data-test=proposed-ranking]").await;
    wait_until("a project moves", || async {
        (count(client, "[data-test=up], [data-test=down]").await > 0).then_some(())
    })
    .await;
    assert_eq!(
        priorities(base, &token).await["criteria"][0]["weight"],
        weight,
        "the what-if saved something"
    );
    crate::scroll_to_middle(client, "[data-test=what-if]").await;
    screenshot(client, "priorities-what-if-ar.png").await;

    // A score's trace.
    crate::scroll_to_middle(client, "[data-test=ranked]:first-child [data-test=score]").await;
    click(client, "[data-test=ranked]:first-child [data-test=score]").await;
    find(client, "[data-test=trace-card]").await;
    crate::scroll_to_middle(client, "[data-test=trace-card]").await;
    screenshot(client, "priorities-trace-ar.png").await;

    // Saved, then undone.
    find(client, "[data-test=save-reason]")
        .await
        .send_keys("اجتماع المكتب")
        .await?;
    click(client, "[data-test=save-what-if]").await;
    wait_until("the weight is saved", || async {
        let p = priorities(base, &token).await;
        (p["criteria"][0]["weight"] == 60).then_some(())
    })
    .await;
    wait_count(client, "[data-test=what-if]", 0).await;
    click(client, "[data-test=priority-undo]").await;
    wait_until("the save is undone", || async {
        let p = priorities(base, &token).await;
        (p["criteria"][0]["weight"] == weight).then_some(())
    })
    .await;
    assert_eq!(
        priorities(base, &token).await["ranking"],
        start["ranking"],
        "the undo brought back the ranking"
    );
    assert_no_csp_violations(client).await;

    Ok(())
}

async fn committee_reads(client: &Client, base: &str) -> TestResult {
    log_in(client, base, "committee").await?;
    find(client, "[data-test=office]").await;
    client.goto(&format!("{base}/office/priorities")).await?;
    wait_count(client, "[data-test=ranked]", 43).await;
    assert_eq!(count(client, "[data-test=weight]").await, 0);
    assert_eq!(count(client, "[data-test=approve]").await, 0);
    screenshot(client, "priorities-committee-ar.png").await;
    Ok(())
}

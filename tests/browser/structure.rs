//! The programme's structure and the partner list edited in the real client (Arabic, laptop
//! window): the office adds an axis and a programme, renames, moves a programme up, moves it to
//! another axis, undoes from the flash, is told in words why an axis with programmes and a
//! partner named by projects cannot be deleted, adds a partner, and picks it on a project
//! sheet. The server's state is checked after each step through the API.

use fantoccini::Client;
use serde_json::Value;

use crate::{
    Chromedriver, PASSWORD, Server, TestResult, artefacts_dir, assert_no_csp_violations,
    assets_dir, click, connect_browser, count, find, retype, screenshot, select_value,
    set_viewport, wait_count, wait_until,
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

async fn token(base: &str) -> String {
    let r: Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({ "username": "office", "password": PASSWORD }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login answer");
    r["token"].as_str().expect("a token").to_string()
}

/// The axes' Arabic names, and each axis's programmes' Arabic names, as the server has them.
async fn structure(base: &str, token: &str) -> Vec<(String, Vec<String>)> {
    let tree = api(base, token, "/api/programme").await;
    tree["axes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name_ar"].as_str().unwrap().to_string(),
                a["programmes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["name_ar"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

async fn flash_done(client: &Client) {
    wait_until("the action is done", || async {
        let state = crate::attr(client, "[data-test=flash]", "data-state").await;
        (state.as_deref() == Some("done")).then_some(())
    })
    .await;
}

async fn type_names(client: &Client, form: &str, ar: &str, fr: &str) -> TestResult {
    retype(
        client,
        &format!("[data-test={form}] [data-test=name-ar]"),
        ar,
    )
    .await;
    retype(
        client,
        &format!("[data-test={form}] [data-test=name-fr]"),
        fr,
    )
    .await;
    click(
        client,
        &format!("[data-test={form}] [data-test=names-save]"),
    )
    .await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_edits_the_programme_structure_and_partners() -> TestResult {
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
    let run = {
        let client = client.clone();
        let base = base.clone();
        tokio::spawn(async move { scenario(&client, &base).await })
    };
    let outcome = run.await;
    if !matches!(outcome, Ok(Ok(()))) {
        screenshot(&client, "structure-failure.png").await;
        if let Ok(html) = client.source().await {
            let _ = std::fs::write(artefacts_dir().join("structure-failure.html"), html);
        }
    }
    client.close().await?;
    server.stop().await;
    match outcome {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

async fn scenario(client: &Client, base: &str) -> TestResult {
    let token = token(base).await;
    let seed = structure(base, &token).await;
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
    click(client, "[data-test=nav-programme]").await;
    click(client, "[data-test=structure] summary").await;
    wait_count(client, "[data-test=structure-axis]", seed.len()).await;

    // A new axis, then a programme in it.
    click(client, "[data-test=axis-add]").await;
    type_names(client, "axis-new-form", "محور البيئة", "Environnement").await?;
    wait_count(client, "[data-test=structure-axis]", seed.len() + 1).await;
    flash_done(client).await;
    let axis = "[data-test=structure-axis]:last-child";
    click(client, &format!("{axis} [data-test=programme-add]")).await;
    type_names(client, "programme-new-form", "الغابات", "Forêts").await?;
    wait_count(
        client,
        &format!("{axis} [data-test=structure-programme]"),
        1,
    )
    .await;
    // A second one, renamed.
    click(client, &format!("{axis} [data-test=programme-add]")).await;
    type_names(client, "programme-new-form", "الماء", "").await?;
    wait_count(
        client,
        &format!("{axis} [data-test=structure-programme]"),
        2,
    )
    .await;
    click(
        client,
        &format!(
            "{axis} [data-test=structure-programme]:nth-child(2) [data-test=programme-rename]"
        ),
    )
    .await;
    type_names(client, "programme-rename-form", "الماء والتطهير", "Eau").await?;
    wait_until("the programme is renamed", || async {
        let s = structure(base, &token).await;
        (s.last()?.1 == ["الغابات", "الماء والتطهير"]).then_some(())
    })
    .await;
    // Up: the renamed programme first.
    click(
        client,
        &format!("{axis} [data-test=structure-programme]:nth-child(2) [data-test=programme-up]"),
    )
    .await;
    wait_until("the programmes are reordered", || async {
        let s = structure(base, &token).await;
        (s.last()?.1 == ["الماء والتطهير", "الغابات"]).then_some(())
    })
    .await;
    flash_done(client).await;
    screenshot(client, "office-structure-ar.png").await;

    // Undo from the flash: the order is back.
    click(client, "[data-test=flash-undo]").await;
    wait_until("the reorder is undone", || async {
        let s = structure(base, &token).await;
        (s.last()?.1 == ["الغابات", "الماء والتطهير"]).then_some(())
    })
    .await;

    // A programme moved to the first axis.
    let first = "[data-test=structure-axis]:first-child";
    let before_first = count(client, &format!("{first} [data-test=structure-programme]")).await;
    let first_axis = api(base, &token, "/api/programme").await["axes"][0]["id"].to_string();
    select_value(
        client,
        &format!("{axis} [data-test=structure-programme]:first-child [data-test=programme-move]"),
        &first_axis,
    )
    .await;
    wait_count(
        client,
        &format!("{first} [data-test=structure-programme]"),
        before_first + 1,
    )
    .await;
    let s = structure(base, &token).await;
    assert_eq!(s[0].1.last().map(String::as_str), Some("الغابات"));

    // An axis with programmes cannot be deleted: said in words, nothing changes.
    click(client, &format!("{first} [data-test=axis-delete]")).await;
    wait_until("the refusal is shown", || async {
        let state = crate::attr(client, "[data-test=flash]", "data-state").await;
        (state.as_deref() == Some("error")).then_some(())
    })
    .await;
    let said = find(client, "[data-test=flash]").await.text().await?;
    assert!(said.contains("ما زالت فيه برامج"), "{said}");
    screenshot(client, "office-structure-refused-ar.png").await;
    assert_eq!(structure(base, &token).await.len(), seed.len() + 1);

    // The partners: a new one, then picked on a project sheet.
    click(client, "[data-test=partners] summary").await;
    let partners_before = count(client, "[data-test=partner-row]").await;
    click(client, "[data-test=partner-new]").await;
    let form = "partner-form";
    retype(
        client,
        &format!("[data-test={form}] [data-test=name-ar]"),
        "جهة سوس ماسة",
    )
    .await;
    select_value(
        client,
        &format!("[data-test={form}] [data-test=partner-kind]"),
        "region",
    )
    .await;
    click(
        client,
        &format!("[data-test={form}] [data-test=names-save]"),
    )
    .await;
    wait_count(client, "[data-test=partner-row]", partners_before + 1).await;
    let partners = api(base, &token, "/api/partners").await;
    let region = partners
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name_ar"] == "جهة سوس ماسة")
        .expect("the partner is saved")
        .clone();
    assert_eq!(region["kind"], "region");
    screenshot(client, "office-partners-ar.png").await;

    click(client, "[data-test=project-link]").await;
    find(client, "[data-test=project-form]").await;
    click(client, "[data-test=partner-add]").await;
    let rows = count(client, "[data-test=partner-name]").await;
    select_value(
        client,
        &format!("li.partner:nth-child({rows}) [data-test=partner-name]"),
        &region["id"].to_string(),
    )
    .await;
    screenshot(client, "office-project-partner-ar.png").await;
    click(client, "[data-test=project-save]").await;
    flash_done(client).await;
    // The flash may still be the partner list's: the server is asked until the save is in.
    wait_until("the sheet names the partner", || async {
        let partners = api(base, &token, "/api/partners").await;
        let shares = partners
            .as_array()?
            .iter()
            .find(|p| p["id"] == region["id"])
            .map(|p| p["shares"].clone());
        (shares == Some(Value::from(1))).then_some(())
    })
    .await;

    // Named by a project, the partner cannot be deleted: said in words.
    click(client, "[data-test=nav-programme]").await;
    click(client, "[data-test=partners] summary").await;
    let row = format!("[data-test=partner-row][data-id=\"{}\"]", region["id"]);
    click(client, &format!("{row} [data-test=partner-delete]")).await;
    wait_until("the refusal is shown", || async {
        let state = crate::attr(client, "[data-test=flash]", "data-state").await;
        (state.as_deref() == Some("error")).then_some(())
    })
    .await;
    let said = find(client, "[data-test=flash]").await.text().await?;
    assert!(said.contains("مشاريع تذكره"), "{said}");
    assert_eq!(count(client, &row).await, 1);

    // The office's log has the structure's actions with consolidation's, the undone reorder
    // marked so.
    click(client, "[data-test=nav-log]").await;
    find(client, "[data-test=action-row][data-kind=programme_move]").await;
    assert_eq!(
        count(client, "[data-test=action-row][data-kind=axis_create]").await,
        1
    );
    find(
        client,
        "[data-test=action-row][data-kind=programme_reorder] [data-test=undone]",
    )
    .await;
    screenshot(client, "office-log-structure-ar.png").await;
    assert_no_csp_violations(client).await;
    Ok(())
}

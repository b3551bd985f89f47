//! The territory screen in the real client (office, laptop window, Arabic): a douar added by
//! hand to a pole, a territory file checked (what would change, nothing written) then
//! imported, a douar retired, one merged into another; each step read back through the API,
//! the screen photographed.

use std::path::Path;

use fantoccini::Client;
use serde_json::Value;

use crate::{
    Chromedriver, PASSWORD, Server, TestResult, assert_no_csp_violations, assets_dir, attr, click,
    connect_browser, find, run_with_artefacts, screenshot, set_viewport, wait_count, wait_until,
};

async fn api(base: &str, path: &str) -> Value {
    let http = reqwest::Client::new();
    let r: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({ "username": "office", "password": PASSWORD }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login answer");
    let token = r["token"].as_str().expect("a token");
    http.get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

fn douar<'a>(t: &'a Value, name_ar: &str) -> Option<&'a Value> {
    t["douars"]
        .as_array()?
        .iter()
        .find(|d| d["name_ar"] == name_ar)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_keeps_the_territory_on_its_screen() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile)?;
    let file = tmp.path().join("territoire.csv");
    // French headers, Arabic-Indic digits, a new pole and a douar with two spellings.
    std::fs::write(
        &file,
        "N° du pôle;Pôle (arabe);Douar (arabe);Douar (latin);Autres graphies;Population\n\
         ٨;القطب الثامن;تامسولت;Tamsoult;تمسولت | تامصولت;١٢٠٠\n",
    )?;
    // A bad file: an unknown pole, then the same douar twice.
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "pole_number,douar_ar\n42,دوار\n1,تيفرت\n1,تيفرت\n")?;
    let server = Server::start(&db_path, &assets, 0).await;
    let base = server.base();
    let client = connect_browser(&driver, &profile).await;
    let run = {
        let client = client.clone();
        async move {
            let r = scenario(&client, &base, &file, &bad).await;
            server.stop().await;
            r
        }
    };
    run_with_artefacts("territory", &[("office", &client)], run).await
}

async fn scenario(client: &Client, base: &str, file: &Path, bad: &Path) -> TestResult {
    set_viewport(client, (1366, 900)).await;
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
    click(client, "[data-test=nav-territory]").await;
    wait_count(client, "[data-test=pole]", 7).await;
    assert_eq!(client.current_url().await?.path(), "/office/territory");

    // A douar added by hand to the first pole.
    find(client, "[data-test=pole] [data-test=new-douar-ar]")
        .await
        .send_keys("تيزي نتاست")
        .await?;
    find(client, "[data-test=pole] [data-test=new-douar-fr]")
        .await
        .send_keys("Tizi n'Tast")
        .await?;
    click(client, "[data-test=pole] [data-test=new-douar-add]").await;
    find(client, "[data-test=douar-row][data-id=tizi-n-tast]").await;
    let t = api(base, "/api/territory").await;
    assert_eq!(
        douar(&t, "تيزي نتاست").expect("the new douar")["pole_id"],
        "pole-1"
    );

    // A bad file: each bad line named with its sheet, nothing written.
    find(client, "[data-test=territory-file]")
        .await
        .send_keys(&bad.display().to_string())
        .await?;
    click(client, "[data-test=territory-check]").await;
    wait_count(client, "[data-test=import-errors] li", 2).await;
    let first = find(client, "[data-test=import-errors] li")
        .await
        .text()
        .await?;
    assert!(first.contains("الدواوير") && first.contains('2'), "{first}");
    assert!(douar(&api(base, "/api/territory").await, "تيفرت").is_none());

    // The file: checked first (nothing written), then imported.
    find(client, "[data-test=territory-file]")
        .await
        .send_keys(&file.display().to_string())
        .await?;
    click(client, "[data-test=territory-check]").await;
    find(
        client,
        "[data-test=territory-import-report][data-dry-run=true]",
    )
    .await;
    client
        .execute(
            "document.querySelector('[data-test=territory-import-report]').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await?;
    screenshot(client, "territory-check-ar.png").await;
    assert!(douar(&api(base, "/api/territory").await, "تامسولت").is_none());
    click(client, "[data-test=territory-run]").await;
    find(
        client,
        "[data-test=territory-import-report][data-dry-run=false]",
    )
    .await;
    wait_count(client, "[data-test=pole]", 8).await;
    let t = api(base, "/api/territory").await;
    let tamsoult = douar(&t, "تامسولت").expect("the imported douar");
    assert_eq!(tamsoult["population"], 1200);

    // Retired: marked on the screen, no longer offered to tablets, still in the territory.
    // Into the middle of the window: the office's bar is fixed at the top.
    client
        .execute(
            "document.querySelector('[data-test=douar-row][data-id=tizi-n-tast]').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await?;
    click(
        client,
        "[data-test=douar-row][data-id=tizi-n-tast] [data-test=douar-retire]",
    )
    .await;
    wait_until("the douar shows retired", || async {
        attr(
            client,
            "[data-test=douar-row][data-id=tizi-n-tast]",
            "class",
        )
        .await
        .filter(|c| c.contains("former"))
    })
    .await;
    let r = api(base, "/api/reference").await;
    let offered: Vec<&str> = r["douars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(!offered.contains(&"tizi-n-tast") && offered.contains(&"tamsoult"));
    // Merged: from the douar's form, into another douar of the commune, after a confirmation.
    let value_of = |selector: &'static str| async move {
        client
            .execute(
                &format!("return document.querySelector('{selector}').value"),
                vec![],
            )
            .await
            .expect("a value")
    };
    assert_eq!(value_of("[data-test=place-kind]").await, "river");
    click(
        client,
        "[data-test=douar-row][data-id=letnine] [data-test=douar-edit]",
    )
    .await;
    find(client, "[data-test=douar-form]").await;
    assert_eq!(
        value_of("[data-test=merge-target]").await,
        "",
        "no target until one is chosen"
    );
    click(client, "[data-test=merge-target] option[value=el-mjalaa]").await;
    click(client, "[data-test=douar-merge]").await;
    client.accept_alert().await?;
    wait_until("the douar shows merged", || async {
        attr(client, "[data-test=douar-row][data-id=letnine]", "class")
            .await
            .filter(|c| c.contains("former"))
    })
    .await;
    let t = api(base, "/api/territory").await;
    assert_eq!(
        douar(&t, "الاثنين").expect("letnine")["merged_into"],
        "el-mjalaa"
    );
    assert!(
        douar(&t, "المجالعة").expect("el-mjalaa")["aliases"]
            .to_string()
            .contains("الاثنين")
    );

    client.execute("window.scrollTo(0, 0)", vec![]).await?;
    screenshot(client, "territory-ar.png").await;
    assert_no_csp_violations(client).await;
    Ok(())
}

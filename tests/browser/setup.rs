//! The first run in the browser: a server on an empty database (no demo) sends the app to its
//! set-up screen; a wrong code is refused in words; the right one sets up the commune and its
//! administrator, who then logs in.

use serde_json::Value;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_set_up_then_the_admin_logs_in() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile)?;
    // What `tachkhis serve` does before it prints the code.
    let code = {
        let db = tachkhis_server::Db::open(&db_path)?;
        db.write_blocking(tachkhis_server::setup::issue_code)
            .map_err(|e| format!("{e}"))?
            .ok_or("an empty database needs a code")?
    };
    let server = Server::start_with(&db_path, &assets, 0, |c| c.demo = false).await;
    let base = server.base();
    let client = connect_browser(&driver, &profile).await;
    let run = {
        let client = client.clone();
        async move {
            client.goto(&format!("{base}/")).await?;
            // Home → login → set-up, since the server says it is not set up.
            let wrong = if code.starts_with('A') {
                "CCCCCCCCCCCC"
            } else {
                "AAAAAAAAAAAA"
            };
            for (field, text) in [
                ("setup-code", wrong),
                ("setup-name-ar", "جماعة تيزي"),
                ("setup-name-fr", "Commune de Tizi"),
                ("setup-province", "Azilal"),
                ("setup-region", "Béni Mellal-Khénifra"),
                ("setup-mandate", "2023-2028"),
                ("setup-admin", "rachida"),
                ("setup-password", "une-phrase-de-passe"),
                ("setup-password-again", "une-phrase-de-passe"),
            ] {
                find(&client, &format!("[data-test={field}]"))
                    .await
                    .send_keys(text)
                    .await?;
            }
            click(&client, "[data-test=setup-submit]").await;
            let error = find(&client, "[data-test=setup-error]")
                .await
                .text()
                .await?;
            assert!(error.contains("رمز الإعداد"), "{error}");

            let field = find(&client, "[data-test=setup-code]").await;
            field.clear().await?;
            field.send_keys(&code.to_lowercase()).await?;
            click(&client, "[data-test=setup-submit]").await;

            // Set up: the login screen, where the new administrator logs in.
            find(&client, "[data-test=login-username]")
                .await
                .send_keys("rachida")
                .await?;
            find(&client, "[data-test=login-password]")
                .await
                .send_keys("une-phrase-de-passe")
                .await?;
            click(&client, "[data-test=login-submit]").await;
            wait_until("the admin is logged in", || async {
                let url = client.current_url().await.ok()?;
                (!url.path().starts_with("/login") && !url.path().starts_with("/setup"))
                    .then_some(())
            })
            .await;
            let setup: Value = reqwest::get(format!("{base}/api/setup"))
                .await?
                .json()
                .await?;
            assert_eq!(setup["needed"], false);
            server.stop().await;
            Ok(())
        }
    };
    run_with_artefacts("first-run-setup", &[("office", &client)], run).await
}

//! People in the app: the administrator creates a facilitator on the People screen (the
//! one-time password drawn by the server, shown once) and gives them a pole; the facilitator
//! logs in on a tablet with it, is made to choose a password of their own, lands on the
//! tablet's home, and finds their pole offered first for a new session.

use serde_json::Value;

use crate::support::*;

const NEW_USER: &str = "salma.b";
const NEW_PASSWORD: &str = "zitoun-2026";

async fn flash_state(client: &fantoccini::Client) -> Option<String> {
    attr(client, "[data-test=flash]", "data-state").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_creates_a_facilitator_who_chooses_a_password_and_lands_home() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let base = server.base();
    // The last pole of the demo: not the one the new-session screen shows first otherwise.
    let reference: Value = reqwest::get(format!("{base}/api/reference"))
        .await?
        .json()
        .await?;
    let poles = reference["poles"].as_array().ok_or("poles")?;
    let first_pole = poles[0]["id"].as_str().ok_or("pole id")?.to_string();
    let pole = poles
        .last()
        .and_then(|p| p["id"].as_str())
        .ok_or("pole id")?
        .to_string();
    assert_ne!(first_pole, pole);
    let poles_ids: Vec<String> = poles
        .iter()
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect();

    let office_profile = tmp.path().join("admin-profile");
    let tablet_profile = tmp.path().join("tablet-profile");
    std::fs::create_dir_all(&office_profile)?;
    std::fs::create_dir_all(&tablet_profile)?;
    let admin = connect_browser(&driver, &office_profile).await;
    let tablet = connect_browser(&driver, &tablet_profile).await;
    set_viewport(&admin, (1366, 900)).await;
    let run = {
        let (admin, tablet, base, pole) =
            (admin.clone(), tablet.clone(), base.clone(), pole.clone());
        async move {
            // The administrator logs in and opens People from the office's navigation.
            admin.goto(&format!("{base}/")).await?;
            find(&admin, "[data-test=login-username]")
                .await
                .send_keys("admin")
                .await?;
            find(&admin, "[data-test=login-password]")
                .await
                .send_keys(PASSWORD)
                .await?;
            click(&admin, "[data-test=login-submit]").await;
            click(&admin, "[data-test=nav-people]").await;
            wait_count(&admin, "[data-test=user-row]", 4).await;

            // A facilitator, the password left blank: the server draws it, shown once.
            find(&admin, "[data-test=new-username]")
                .await
                .send_keys(NEW_USER)
                .await?;
            find(&admin, "[data-test=new-display-name]")
                .await
                .send_keys("سلمى بناني")
                .await?;
            click(&admin, "[data-test=create-user]").await;
            let one_time = find(&admin, "[data-test=one-time-value]")
                .await
                .text()
                .await?;
            assert_eq!(one_time.trim().chars().count(), 10, "{one_time}");
            let row = format!("[data-test=user-row][data-username=\"{NEW_USER}\"]");
            find(&admin, &format!("{row} [data-test=must-change]")).await;

            // Their pole: opened under the row, ticked.
            click(&admin, &format!("{row} [data-test=user-open]")).await;
            find(&admin, "[data-test=user-detail]").await;
            click(
                &admin,
                &format!("[data-test=user-pole][data-pole=\"{pole}\"]"),
            )
            .await;
            let token = api_login(&base, "admin").await;
            wait_until("the pole is saved", || async {
                let users: Value = reqwest::Client::new()
                    .get(format!("{base}/api/admin/users"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                let salma = users
                    .as_array()?
                    .iter()
                    .find(|u| u["username"] == NEW_USER)?;
                (salma["poles"] == serde_json::json!([pole])).then_some(())
            })
            .await;
            wait_until("the screen shows it saved", || async {
                (flash_state(&admin).await.as_deref() == Some("done")).then_some(())
            })
            .await;
            screenshot(&admin, "people-ar.png").await;

            // The photos' retention, set on the same screen: the server keeps what was typed
            // (in Arabic-Indic digits, as a keyboard may give them).
            let days = find(&admin, "[data-test=retention-days]").await;
            wait_until("the retention is loaded", || async {
                let v = days.prop("value").await.ok()??;
                (!v.is_empty()).then_some(())
            })
            .await;
            days.clear().await?;
            days.send_keys("٣٠").await?;
            click(&admin, "[data-test=retention-save]").await;
            wait_until("the retention is saved", || async {
                let settings: Value = reqwest::Client::new()
                    .get(format!("{base}/api/admin/photos/settings"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                (settings["retention_days"] == 30).then_some(())
            })
            .await;
            click(&admin, "[data-test=photos-purge]").await;
            find(&admin, "[data-test=photos-purged]").await;
            admin
                .execute(
                    "document.querySelector('[data-test=photo-retention]').scrollIntoView({block: 'center'})",
                    vec![],
                )
                .await?;
            screenshot(&admin, "people-photo-retention-ar.png").await;
            assert_no_csp_violations(&admin).await;

            // On the tablet: the one-time password logs in, then a password of their own.
            tablet.goto(&format!("{base}/")).await?;
            find(&tablet, "[data-test=login-username]")
                .await
                .send_keys(NEW_USER)
                .await?;
            find(&tablet, "[data-test=login-password]")
                .await
                .send_keys(one_time.trim())
                .await?;
            click(&tablet, "[data-test=login-submit]").await;
            find(&tablet, "[data-test=password-change]").await;
            screenshot(&tablet, "people-password-change-ar.png").await;
            // Two different passwords are refused on the screen.
            find(&tablet, "[data-test=new-password]")
                .await
                .send_keys(NEW_PASSWORD)
                .await?;
            find(&tablet, "[data-test=new-password-again]")
                .await
                .send_keys("zitoun-2027")
                .await?;
            click(&tablet, "[data-test=password-submit]").await;
            find(&tablet, "[data-test=password-error]").await;
            let again = find(&tablet, "[data-test=new-password-again]").await;
            again.clear().await?;
            again.send_keys(NEW_PASSWORD).await?;
            click(&tablet, "[data-test=password-submit]").await;
            find(&tablet, "[data-test=new-session]").await;
            assert_eq!(tablet.current_url().await?.path(), "/");

            // Their pole comes first on the new-session screen.
            click(&tablet, "[data-test=new-session]").await;
            let first = attr(&tablet, "[data-test=pole-chip]", "data-code").await;
            assert_eq!(first.as_deref(), Some(pole.as_str()));

            // The administrator moves them to another pole: their next sync brings it.
            let second_pole = poles_ids[1].clone();
            let token = api_login(&base, "admin").await;
            let http = reqwest::Client::new();
            let users: Value = http
                .get(format!("{base}/api/admin/users"))
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            let id = users
                .as_array()
                .and_then(|l| l.iter().find(|u| u["username"] == NEW_USER))
                .and_then(|u| u["id"].as_i64())
                .ok_or("the new user is listed")?;
            let moved = http
                .patch(format!("{base}/api/admin/users/{id}"))
                .bearer_auth(&token)
                .json(&serde_json::json!({ "poles": [second_pole] }))
                .send()
                .await?;
            assert_eq!(moved.status(), 200);
            tablet.goto(&format!("{base}/")).await?;
            sync_now(&tablet).await;
            // The screen follows the model: no reload, which would cut the sync short.
            click(&tablet, "[data-test=new-session]").await;
            wait_until("the tablet offers the new pole first", || async {
                let first = attr(&tablet, "[data-test=pole-chip]", "data-code").await?;
                (first == second_pole).then_some(())
            })
            .await;
            assert_no_csp_violations(&tablet).await;

            // The server agrees: the password is theirs, the one-time one no longer works.
            let http = reqwest::Client::new();
            let login = |password: &str| {
                http.post(format!("{base}/api/auth/login"))
                    .json(&serde_json::json!({"username": NEW_USER, "password": password}))
                    .send()
            };
            assert_eq!(login(one_time.trim()).await?.status(), 401);
            let answer: Value = login(NEW_PASSWORD).await?.json().await?;
            assert_eq!(answer["must_change_password"], false);
            assert_eq!(answer["poles"], serde_json::json!([poles_ids[1]]));
            Ok(())
        }
    };
    let outcome =
        run_with_artefacts("people", &[("admin", &admin), ("tablet", &tablet)], run).await;
    server.stop().await;
    outcome
}

//! People in the app: the administrator creates a facilitator on the People screen (the
//! one-time password drawn by the server, shown once) and gives them a pole; the facilitator
//! logs in on a tablet with it, is made to choose a password of their own, lands on the
//! tablet's home, and finds their pole offered first for a new session. On the same screen,
//! the administrator downloads a backup of the database (issue 17), which the office never
//! sees.

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
            // The demo's seven: admin, facilitator, office, committee, bureau, secretariat,
            // ieecag.
            wait_count(&admin, "[data-test=user-row]", 7).await;

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

/// A problem synced by a simulated tablet before the backup: the backup must hold it.
const BACKED_UP: &str = "الساقية تحتاج إلى ترميم قبل الصيف";

/// Today's date as the server's SQLite gives it (UTC), which names the backup.
fn sqlite_today() -> String {
    rusqlite::Connection::open_in_memory()
        .and_then(|c| c.query_row("SELECT date('now')", [], |r| r.get(0)))
        .expect("the date from SQLite")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_downloads_a_backup_that_opens_and_holds_the_server_data() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let base = server.base();

    // What the server holds before: a session with a proposal, synced by a tablet.
    let mut tablet = crate::helpers::Tablet::new(USER);
    let session = tablet.new_session();
    tablet.add_proposal(session, BACKED_UP);
    tablet
        .sync_with(&mut crate::helpers::HttpTransport {
            http: reqwest::Client::new(),
            url: format!("{base}/api/sync"),
            token: api_login(&base, USER).await,
        })
        .await
        .expect("the tablet syncs");
    let admin_token = api_login(&base, "admin").await;
    let users: Value = reqwest::Client::new()
        .get(format!("{base}/api/admin/users"))
        .bearer_auth(&admin_token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mut usernames: Vec<String> = users
        .as_array()
        .ok_or("a list of users")?
        .iter()
        .filter_map(|u| u["username"].as_str().map(str::to_string))
        .collect();
    usernames.sort();
    assert!(usernames.len() >= 4, "{usernames:?}");

    let downloads = tmp.path().join("downloads");
    let profile = tmp.path().join("profile");
    std::fs::create_dir_all(&profile)?;
    let client = connect_browser_with(
        &driver,
        &BrowserOptions {
            profile: &profile,
            downloads: Some(&downloads),
            viewport: (1366, 900),
        },
    )
    .await;
    let run = {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let log_in = |user: &'static str| {
                let (client, base) = (client.clone(), base.clone());
                async move {
                    client.goto(&format!("{base}/login")).await?;
                    let username = find(&client, "[data-test=login-username]").await;
                    username.clear().await?;
                    username.send_keys(user).await?;
                    find(&client, "[data-test=login-password]")
                        .await
                        .send_keys(PASSWORD)
                        .await?;
                    click(&client, "[data-test=login-submit]").await;
                    find(&client, "[data-test=office]").await;
                    Ok::<_, fantoccini::error::CmdError>(())
                }
            };

            // The office: no People in its navigation, and the People address shows another
            // screen (the reports), without the backup. The server refuses it the file too.
            log_in(OFFICE).await?;
            find(&client, "[data-test=nav-programme]").await;
            assert_eq!(count(&client, "[data-test=nav-people]").await, 0);
            client.goto(&format!("{base}/office/people")).await?;
            find(&client, "[data-test=programme-table]").await;
            assert_eq!(count(&client, "[data-test=backup]").await, 0);
            assert_eq!(count(&client, "[data-test=backup-download]").await, 0);
            let refused = reqwest::Client::new()
                .get(format!("{base}/api/admin/backup"))
                .bearer_auth(api_login(&base, OFFICE).await)
                .send()
                .await?;
            assert_eq!(refused.status(), 403);

            // The administrator, on the same tablet: People, then the backup's button.
            log_in("admin").await?;
            click(&client, "[data-test=nav-people]").await;
            find(&client, "[data-test=backup]").await;
            scroll_to_middle(&client, "[data-test=backup]").await;
            screenshot(&client, "people-backup-ar.png").await;
            let before = sqlite_today();
            click(&client, "[data-test=backup-download]").await;
            let file = downloaded_with(&downloads, "db").await;
            let after = sqlite_today();
            assert_ne!(flash_state(&client).await.as_deref(), Some("error"));
            // The button is given back once the file is handed over.
            wait_until("the button is enabled again", || async {
                let b = client.find(css("[data-test=backup-download]")).await.ok()?;
                b.is_enabled().await.ok()?.then_some(())
            })
            .await;
            assert_no_csp_violations(&client).await;

            // Named as the server says: the commune and the day, not a bare "tachkhis.db".
            let received = file
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or("a file name")?;
            let name = received.split_once('-').map(|(_, n)| n).unwrap_or(received);
            assert!(
                name.starts_with("tachkhis-commune-")
                    && [&before, &after]
                        .iter()
                        .any(|d| name.ends_with(&format!("-{d}.db")))
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c)),
                "the backup is named {name:?}"
            );

            // A whole SQLite database, read-only, with what the server held.
            let db = rusqlite::Connection::open_with_flags(
                &file,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )?;
            let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            assert_eq!(check, "ok");
            let mut in_backup: Vec<String> = db
                .prepare("SELECT username FROM users ORDER BY username")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            in_backup.sort();
            assert_eq!(in_backup, usernames);
            let sid = session.to_string();
            let problems: Vec<String> = db
                .prepare("SELECT problem FROM proposals WHERE session_id = ?1")?
                .query_map([&sid], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            assert_eq!(problems, [BACKED_UP]);
            // The document itself, not only its projection: `tachkhis restore` rebuilds from it.
            let chunks: i64 = db.query_row(
                "SELECT count(*) FROM doc_chunks WHERE doc_id = ?1",
                [&sid],
                |r| r.get(0),
            )?;
            assert!(chunks > 0, "the session's document is in the backup");
            Ok(())
        }
    };
    let outcome = run_with_artefacts("people-backup", &[("admin", &client)], run).await;
    server.stop().await;
    outcome
}

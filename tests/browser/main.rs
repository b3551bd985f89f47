//! Browser tests: the real client in headless Chromium, against the real server on a real port.
//!
//! Needs the built client bundle (`cargo xtask build-client`) and chromedriver + chromium:
//! * `TACHKHIS_ASSETS`: absolute path of the bundle folder (index.html, pkg/…); required;
//! * `CHROMEDRIVER` (default `/usr/bin/chromedriver`), `CHROME` (default `/usr/bin/chromium`);
//! * `TACHKHIS_ARTEFACTS`: where screenshots go (default `target/artefacts`).
//!
//! A missing bundle or driver fails the test with a message saying what to do; it never passes
//! silently.

mod capture;
mod files;
mod indicators;
mod join;
// The integration tests' simulated tablet and HTTP transport.
mod commune;
mod corrections;
mod document;
mod gender;
#[allow(dead_code)]
#[path = "../integration/helpers.rs"]
mod helpers;
mod office;
mod opinions;
mod order;
mod people;
mod photos;
mod priorities;
mod procedure;
// Public pages (issue 16, public).
mod public;
mod refused;
mod reload;
mod screens;
mod setup;
mod structure;
mod suggest;
mod support;
mod tablets;
mod territory;
mod update;
// A project's execution (issue 15, exec).
mod execution;
// The follow-up's screens seen in the browser (issue 15, ftest).
mod followup;

use std::path::Path;

use fantoccini::Client;
use serde_json::{Value, json};

use support::*;

const PLACE: &str = "مدرسة الدوار";
const NOTE_TAKER: &str = "Aïcha ⴰⵢⵛⴰ";
const ASSOCIATION: &str = "تعاونية تيفاوين";

const P1: (&str, &str) = (
    "الطريق إلى الدوار مقطوعة في الشتاء",
    "تهيئة المسلك وبناء قنطرة",
);
const P2: (&str, &str) = ("لا يوجد ماء صالح للشرب في الصيف", "حفر بئر وخزان جماعي");
const P3: (&str, &str) = ("غياب النقل المدرسي للفتيات", "توفير حافلة للنقل المدرسي");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_capture_then_sync() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile)?;

    let server = Server::start(&db_path, &assets, 0).await;
    let base = server.base();
    let client = connect_browser(&driver, &profile).await;
    let run = {
        let client = client.clone();
        async move { scenario(&client, server, &db_path, &assets, &base).await }
    };
    run_with_artefacts("offline-capture", &[("tablet", &client)], run).await
}

async fn scenario(
    client: &Client,
    server: Server,
    db_path: &Path,
    assets: &Path,
    base: &str,
) -> TestResult {
    let port = server.port;

    // Log in (online, once).
    client.goto(&format!("{base}/")).await?;
    find(client, "[data-test=login-username]")
        .await
        .send_keys(USER)
        .await?;
    // A wrong password is said in words, and nothing else happens.
    let password = find(client, "[data-test=login-password]").await;
    password.send_keys("not-the-password").await?;
    click(client, "[data-test=login-submit]").await;
    let error = find(client, "[data-test=login-error]").await.text().await?;
    assert!(
        !error.is_empty() && !error.contains("401"),
        "login error: {error:?}"
    );
    screenshot(client, "login-error-ar.png").await;
    password.clear().await?;
    password.send_keys(PASSWORD).await?;
    screenshot(client, "login-ar.png").await;
    click(client, "[data-test=login-submit]").await;

    // New session: first pole, first douar, women.
    click(client, "[data-test=new-session]").await;
    click(client, "[data-test=pole-chip]").await;
    let douar = find(client, "[data-test=douar-chip]").await;
    if douar.attr("aria-pressed").await?.as_deref() != Some("true") {
        douar.click().await?;
    }
    click(client, "[data-test=group-chip][data-code=women]").await;
    // The start time is now, typed nowhere; the place and the note-taker as typed.
    let start = find(client, "[data-test=start-time]").await;
    assert_eq!(start.prop("value").await?.map(|v| v.len()), Some(5));
    find(client, "[data-test=place]")
        .await
        .send_keys(PLACE)
        .await?;
    find(client, "[data-test=note-taker]")
        .await
        .send_keys(NOTE_TAKER)
        .await?;
    screenshot(client, "new-session-ar.png").await;
    click(client, "[data-test=create-session]").await;
    let session_id = wait_until("the session screen opens", || async {
        let url = client.current_url().await.ok()?;
        url.path().strip_prefix("/session/").map(str::to_string)
    })
    .await;
    let session_url = format!("{base}/session/{session_id}");

    // Two proposals, in Arabic.
    click(client, "[data-test=tab-proposals]").await;
    add_proposal(client, P1.0, P1.1, "roads").await;
    add_proposal(client, P2.0, P2.1, "drinking_water").await;

    // The service worker must hold the shell before the network goes away.
    wait_until("the service worker controls the page", || async {
        let v = client
            .execute(
                "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
                vec![],
            )
            .await;
        (v.ok()? == Value::Bool(true)).then_some(())
    })
    .await;

    // The server goes away; the app still opens, from the service worker and IndexedDB.
    server.stop().await;
    client.goto(&session_url).await?;
    click(client, "[data-test=tab-proposals]").await;
    wait_count(client, "[data-test=proposal]", 2).await;
    let texts = proposal_texts(client).await;
    assert!(
        texts.iter().any(|t| t.contains(P1.0)) && texts.iter().any(|t| t.contains(P2.0)),
        "after reload: {texts:?}"
    );

    // A third one, offline.
    add_proposal(client, P3.0, P3.1, "education").await;
    assert_eq!(
        attr(client, "[data-test=sync-state]", "data-state")
            .await
            .as_deref(),
        Some("pending")
    );
    screenshot(client, "session-offline-ar.png").await;

    // The server comes back on the same port with the same database; sync.
    let server = Server::start(db_path, assets, port).await;
    click(client, "[data-test=sync-now]").await;
    wait_until("the session says it is sent", || async {
        (attr(client, "[data-test=sync-state]", "data-state")
            .await
            .as_deref()
            == Some("synced"))
        .then_some(())
    })
    .await;
    screenshot(client, "session-ar.png").await;

    // The server has all three.
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": USER, "password": PASSWORD }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = login["token"].as_str().expect("a token");
    let detail: Value = http
        .get(format!("{base}/api/sessions/{session_id}"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let problems: Vec<&str> = detail["proposal_list"]
        .as_array()
        .expect("proposal_list")
        .iter()
        .filter(|p| p["deleted"] == Value::Bool(false))
        .filter_map(|p| p["problem"].as_str())
        .collect();
    assert_eq!(problems.len(), 3, "on the server: {detail}");
    for (problem, _) in [P1, P2, P3] {
        assert!(
            problems.contains(&problem),
            "{problem} missing on the server: {problems:?}"
        );
    }

    // The home screen lists it as sent.
    click(client, "[data-test=back]").await;
    let card = format!("[data-test=session-card][data-id='{session_id}'] [data-test=sync-state]");
    wait_until("the card says sent", || async {
        (attr(client, &card, "data-state").await.as_deref() == Some("synced")).then_some(())
    })
    .await;
    screenshot(client, "home-ar.png").await;

    // The other screens, for the record: attendance, the proposal form, notes, French.
    click(
        client,
        &format!("[data-test=session-card][data-id='{session_id}']"),
    )
    .await;
    for (category, times) in [("women", 3), ("men", 2), ("youth_women", 1)] {
        for _ in 0..times {
            click(client, &format!("[data-test=att-{category}-plus]")).await;
        }
    }
    wait_until("the total counts women and men", || async {
        (attr(client, "[data-test=att-total]", "data-total")
            .await
            .as_deref()
            == Some("5"))
        .then_some(())
    })
    .await;
    screenshot(client, "attendance-ar.png").await;

    // Two tabs of the app on one tablet: neither drops the other's changes.
    let first = client.window().await?;
    let second = client.new_window(true).await?.handle;
    client.switch_to_window(second.clone()).await?;
    client.goto(&session_url).await?;
    click(client, "[data-test=att-disabled_women-plus]").await;
    wait_text(client, "[data-test=att-disabled_women-value]", "1").await;
    client.switch_to_window(first.clone()).await?;
    click(client, "[data-test=att-disabled_men-plus]").await;
    wait_text(client, "[data-test=att-disabled_women-value]", "1").await;
    client.switch_to_window(second).await?;
    wait_text(client, "[data-test=att-disabled_men-value]", "1").await;
    client.close_window().await?;
    client.switch_to_window(first).await?;
    client.goto(&session_url).await?;
    wait_text(client, "[data-test=att-disabled_women-value]", "1").await;
    wait_text(client, "[data-test=att-disabled_men-value]", "1").await;
    wait_text(client, "[data-test=att-women-value]", "3").await;
    click(client, "[data-test=tab-proposals]").await;
    click(client, "[data-test=add-proposal]").await;
    find(client, "[data-test=proposal-problem]")
        .await
        .send_keys("الإنارة العمومية ضعيفة")
        .await?;
    pick_sector(client, "electricity").await;
    screenshot(client, "proposal-form-ar.png").await;
    click(client, "[data-test=proposal-cancel]").await;
    click(client, "[data-test=tab-notes]").await;
    find(client, "[data-test=notes]")
        .await
        .send_keys("حضرت جمعية النساء القرويات")
        .await?;
    click(client, "[data-test=tab-attendance]").await;
    click(client, "[data-test=lang-switch]").await;
    wait_until("the page is in French", || async {
        let lang = client
            .execute("return document.documentElement.lang;", vec![])
            .await
            .ok()?;
        (lang == "fr").then_some(())
    })
    .await;
    screenshot(client, "session-fr.png").await;
    click(client, "[data-test=lang-switch]").await;
    // Edit, delete and restore a proposal.
    click(client, "[data-test=tab-proposals]").await;
    click(client, "[data-test=proposal-edit]").await;
    let problem = find(client, "[data-test=proposal-problem]").await;
    problem.clear().await?;
    problem.send_keys("لا يوجد نقل مدرسي").await?;
    click(client, "[data-test=proposal-save]").await;
    wait_until("the edit shows", || async {
        proposal_texts(client)
            .await
            .iter()
            .any(|t| t.contains("لا يوجد نقل مدرسي"))
            .then_some(())
    })
    .await;
    click(client, "[data-test=proposal-delete]").await;
    wait_count(client, "[data-test=proposal]", 2).await;
    click(client, "[data-test=deleted-proposals] summary").await;
    click(client, "[data-test=proposal-restore]").await;
    wait_count(client, "[data-test=proposal]", 3).await;
    assert_eq!(count(client, "[data-test=deleted-proposal]").await, 0);

    click(client, "[data-test=tab-notes]").await;
    let notes = find(client, "[data-test=notes]")
        .await
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(
        notes.contains("جمعية النساء"),
        "the notes survived leaving the tab: {notes:?}"
    );

    // The group's ranking: the last proposal moves up one place; votes by show of hands.
    click(client, "[data-test=tab-proposals]").await;
    let ids = proposal_ids(client).await;
    assert_eq!(ids.len(), 3);
    click(
        client,
        &format!(
            "[data-test=proposal][data-id='{}'] [data-test=proposal-up]",
            ids[2]
        ),
    )
    .await;
    wait_until("the proposal moved up", || async {
        (proposal_ids(client).await == [ids[0].clone(), ids[2].clone(), ids[1].clone()])
            .then_some(())
    })
    .await;
    let votes = format!(
        "[data-test=proposal][data-id='{}'] [data-test=votes-plus]",
        ids[2]
    );
    click(client, &votes).await;
    click(client, &votes).await;
    wait_text(
        client,
        &format!(
            "[data-test=proposal][data-id='{}'] [data-test=votes-value]",
            ids[2]
        ),
        "2",
    )
    .await;
    // An association represented, counted with its stepper.
    click(client, "[data-test=tab-attendance]").await;
    find(client, "[data-test=association-name]")
        .await
        .send_keys(ASSOCIATION)
        .await?;
    click(client, "[data-test=association-add]").await;
    click(
        client,
        "[data-test=association] [data-test=association-plus]",
    )
    .await;
    wait_text(client, "[data-test=association-count]", "1").await;
    // Closing asks first; after it, an edit is marked as made after closing.
    click(client, "[data-test=close-session]").await;
    screenshot(client, "close-confirm-ar.png").await;
    click(client, "[data-test=close-confirm-yes]").await;
    find(client, "[data-test=session-closed]").await;
    assert_eq!(count(client, "[data-test=close-session]").await, 0);
    click(client, "[data-test=tab-proposals]").await;
    assert_eq!(count(client, "[data-test=after-close]").await, 0);
    click(client, &votes).await;
    wait_count(client, "[data-test=after-close]", 1).await;
    screenshot(client, "session-closed-ar.png").await;

    server.stop().await;

    // A server that no longer knows the login (a fresh database): the app says so in words,
    // keeps the sessions, and a new login lets them go.
    let other_db = db_path.with_file_name("other.db");
    let server = Server::start(&other_db, assets, port).await;
    client.goto(&format!("{base}/")).await?;
    click(client, "[data-test=sync-now]").await;
    find(client, "[data-test=sync-problem][data-problem=AuthExpired]").await;
    screenshot(client, "auth-expired-ar.png").await;
    assert_eq!(count(client, "[data-test=session-card]").await, 1);
    click(client, "[data-test=relogin]").await;
    let username = find(client, "[data-test=login-username]").await;
    assert_eq!(username.prop("value").await?.as_deref(), Some(USER));
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    let card = format!("[data-test=session-card][data-id='{session_id}'] [data-test=sync-state]");
    wait_until("the session reaches the other server", || async {
        (attr(client, &card, "data-state").await.as_deref() == Some("synced")).then_some(())
    })
    .await;
    assert_eq!(count(client, "[data-test=sync-problem]").await, 0);

    // The other server projects the new fields.
    let login: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": USER, "password": PASSWORD }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let detail: Value = http
        .get(format!("{base}/api/sessions/{session_id}"))
        .bearer_auth(login["token"].as_str().expect("a token"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(detail["place"], PLACE, "{detail}");
    assert_eq!(detail["note_taker"], NOTE_TAKER);
    assert!(detail["closed_at"].is_i64());
    assert!(detail["end_time"].is_string(), "closing set the end time");
    assert_eq!(detail["edited_after_close"], 1);
    assert_eq!(detail["associations"][0]["name"], ASSOCIATION);
    assert_eq!(detail["associations"][0]["count"], 1);
    assert_no_csp_violations(client).await;
    server.stop().await;
    Ok(())
}

/// The ids of the proposals on screen, in the group's order.
async fn proposal_ids(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for e in client
        .find_all(css("[data-test=proposal]"))
        .await
        .unwrap_or_default()
    {
        if let Ok(Some(id)) = e.attr("data-id").await {
            out.push(id);
        }
    }
    out
}

//! The design office's screens in the real client, on a laptop-sized window (1366 × 768):
//! sessions arrive by sync from a simulated tablet (the labelled set of proposals), then the
//! office logs in, selects proposals in the table (checkbox, keyboard range), merges them into
//! a new need, undoes it, and every screen is photographed in Arabic and French.

use std::path::Path;

use fantoccini::Client;
use serde_json::Value;
use tachkhis_shared::session::{EditCtx, NewSession, ProposalInput, SessionDoc};
use tachkhis_shared::sync::{self, ClientDoc, State};
use tachkhis_shared::{AttendanceCategory, GroupKind, Sector};
use uuid::Uuid;

use crate::helpers::HttpTransport;
use crate::{
    Chromedriver, PASSWORD, Server, TestResult, artefacts_dir, assert_no_csp_violations,
    assets_dir, attr, click, connect_browser, count, css, find, screenshot, wait_count, wait_until,
};

async fn login(http: &reqwest::Client, base: &str, user: &str) -> String {
    let r: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({ "username": user, "password": PASSWORD }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login answer");
    r["token"].as_str().expect("a token").to_string()
}

/// Sends the labelled proposals (tests/data/labelled-proposals.csv) from a simulated tablet,
/// one session per pole, douar and group; returns how many proposals were sent.
async fn seed(base: &str) -> usize {
    let http = reqwest::Client::new();
    let token = login(&http, base, "facilitator").await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/labelled-proposals.csv"
    );
    let mut reader = csv::Reader::from_path(path).expect("labelled set");
    let mut docs: Vec<ClientDoc> = Vec::new();
    let mut keys: Vec<(String, String, String)> = Vec::new();
    let mut clock = 1_657_800_000_000_i64;
    let mut sent = 0;
    for row in reader.records() {
        let r = row.expect("labelled row");
        let (pole, douar, group) = (r[1].to_string(), r[2].to_string(), r[4].to_string());
        clock += 1000;
        let ctx = EditCtx::new("facilitator".to_string(), clock);
        let key = (pole.clone(), douar.clone(), group.clone());
        let i = match keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                let id = Uuid::new_v4();
                let init = NewSession {
                    pole_id: pole,
                    douar_ids: vec![douar.clone()],
                    group_kind: GroupKind::from_code(&group).expect("group kind"),
                    date: format!("2022-08-{:02}", 1 + keys.len() % 28),
                    facilitators: "سعاد، محمد".into(),
                };
                let mut doc = SessionDoc::create(id, &init, &ctx, None).expect("session");
                let n = keys.len() as i64;
                doc.add_attendance(AttendanceCategory::Women, 6 + n % 9, &ctx)
                    .expect("attendance");
                doc.add_attendance(AttendanceCategory::Men, 4 + n % 7, &ctx)
                    .expect("attendance");
                keys.push(key);
                docs.push(ClientDoc {
                    id,
                    doc: doc.into_automerge(),
                    state: State::new(),
                });
                docs.len() - 1
            }
        };
        let mut doc = SessionDoc::from_automerge(docs[i].doc.clone());
        doc.add_proposal(
            &ProposalInput {
                problem: r[5].into(),
                solution: r[6].into(),
                sector: Sector::from_code(&r[3]),
                douar_id: Some(douar),
                raised_by: String::new(),
            },
            &ctx,
        )
        .expect("proposal");
        docs[i].doc = doc.into_automerge();
        sent += 1;
    }
    let mut transport = HttpTransport {
        http,
        url: format!("{base}/api/sync"),
        token,
    };
    sync::run_client_sync(Uuid::new_v4(), &mut docs, &mut transport, &mut ())
        .await
        .expect("the tablet syncs");
    sent
}

/// Makes the page itself 1366 × 768, whatever the window adds.
async fn laptop(client: &Client) {
    let chrome = client
        .execute(
            "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
            vec![],
        )
        .await
        .expect("viewport");
    let (ow, oh) = (
        chrome[0].as_u64().unwrap_or(0) as u32,
        chrome[1].as_u64().unwrap_or(0) as u32,
    );
    client
        .set_window_size(1366 + ow, 768 + oh)
        .await
        .expect("window size");
}

async fn press(client: &Client, keys: &str) {
    client
        .active_element()
        .await
        .expect("an active element")
        .send_keys(keys)
        .await
        .expect("keys");
}

async fn flash_state(client: &Client) -> Option<String> {
    attr(client, "[data-test=flash]", "data-state").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_merges_and_undoes() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile)?;
    let server = Server::start(&db_path, &assets, 0).await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let sent = seed(&base).await;

    // A project file with a bad line, for the import's error report.
    let http = reqwest::Client::new();
    let token = login(&http, &base, "office").await;
    let export = http
        .get(format!("{base}/api/export/projects?format=csv"))
        .bearer_auth(&token)
        .send()
        .await?
        .text()
        .await?;
    let header = export.lines().next().expect("a header line").to_string();
    let bad_file = tmp.path().join("projects-bad.csv");
    std::fs::write(&bad_file, format!("{header}\nnot-a-number\n"))?;

    let client = connect_browser(&driver, &profile).await;
    laptop(&client).await;
    let run = {
        let client = client.clone();
        let base = base.clone();
        tokio::spawn(async move { scenario(&client, &base, sent, &bad_file).await })
    };
    let outcome = run.await;
    if !matches!(outcome, Ok(Ok(()))) {
        screenshot(&client, "office-failure.png").await;
        if let Ok(html) = client.source().await {
            let _ = std::fs::write(artefacts_dir().join("office-failure.html"), html);
        }
    }
    client.close().await?;
    server.stop().await;
    match outcome {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

async fn scenario(client: &Client, base: &str, sent: usize, bad_file: &Path) -> TestResult {
    // The office logs in and lands on the proposals table.
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
    wait_count(client, "[data-test=proposal-row]", sent).await;
    assert_eq!(client.current_url().await?.path(), "/office/proposals");
    assert_eq!(
        attr(client, "[data-test=proposal-count]", "data-total")
            .await
            .as_deref(),
        Some(sent.to_string().as_str())
    );
    screenshot(client, "office-proposals-ar.png").await;

    // Select the first row with its checkbox, move down twice with the keyboard and extend the
    // selection to there (shift + x): three rows.
    let first = find(client, "[data-test=proposal-row] [data-test=row-check]").await;
    first.click().await?;
    // The keys go to the focused checkbox and bubble up to the page's shortcuts.
    press(client, "jj").await;
    press(client, "X").await;
    wait_until("three rows are selected", || async {
        (attr(client, "[data-test=selected-count]", "data-count")
            .await
            .as_deref()
            == Some("3"))
        .then_some(())
    })
    .await;
    assert_eq!(count(client, "[data-test=proposal-row].selected").await, 3);

    // m: merge into a new need, with the title the screen proposes.
    press(client, "m").await;
    find(client, "[data-test=merge-dialog]").await;
    screenshot(client, "office-merge-ar.png").await;
    click(client, "[data-test=merge-confirm]").await;
    wait_until("the merge is done", || async {
        (flash_state(client).await.as_deref() == Some("done")).then_some(())
    })
    .await;
    wait_count(client, "[data-test=row-need]", 3).await;
    screenshot(client, "office-merged-ar.png").await;

    // The need's page shows its three proposals.
    click(client, "[data-test=row-need]").await;
    wait_count(client, "[data-test=need-proposal]", 3).await;
    screenshot(client, "office-need-ar.png").await;

    // u: undo; the three proposals are unplaced again.
    click(client, "[data-test=nav-proposals]").await;
    wait_count(client, "[data-test=row-need]", 3).await;
    press(client, "u").await;
    wait_count(client, "[data-test=row-need]", 0).await;
    assert_eq!(count(client, "[data-test=proposal-row]").await, sent);
    // l: the first row's lineage: into the new need, and back out by the undo.
    press(client, "l").await;
    wait_count(client, "[data-test=lineage] li", 2).await;
    screenshot(client, "office-lineage-ar.png").await;
    press(client, "\u{e00c}").await;

    // The log has the merge, undone, and the undo.
    click(client, "[data-test=nav-log]").await;
    wait_count(client, "[data-test=action-row]", 2).await;
    find(client, "[data-test=action-row] [data-test=undone]").await;
    screenshot(client, "office-log-ar.png").await;

    // The other screens, in Arabic.
    click(client, "[data-test=nav-suggestions]").await;
    find(client, "[data-test=suggestion]").await;
    screenshot(client, "office-suggestions-ar.png").await;
    press(client, "?").await;
    find(client, "[data-test=help-overlay]").await;
    screenshot(client, "office-help-ar.png").await;
    // WebDriver's Escape key.
    press(client, "\u{e00c}").await;
    // c: confirm the first group as a new need (with the title it proposes), then undo it.
    // Counted once the list is back after the overlay (on a loaded machine it can be read
    // while the page is still drawing it).
    let groups = wait_until("the suggestions are listed", || async {
        let n = count(client, "[data-test=suggestion]").await;
        (n > 0).then_some(n)
    })
    .await;
    let first = find(client, "[data-test=suggestion]").await.text().await?;
    press(client, "c").await;
    // The confirmed group leaves the list; the count may stay the same, because look-alikes
    // left unplaced can come back as "add to this need".
    wait_until("the group is confirmed", || async {
        let now_first = match client.find(css("[data-test=suggestion]")).await {
            Ok(e) => e.text().await.ok(),
            Err(_) => None,
        };
        (now_first.as_deref() != Some(first.as_str())
            && flash_state(client).await.as_deref() == Some("done"))
        .then_some(())
    })
    .await;
    screenshot(client, "office-suggestion-confirmed-ar.png").await;
    press(client, "u").await;
    wait_count(client, "[data-test=suggestion]", groups).await;
    click(client, "[data-test=nav-needs]").await;
    click(client, "[data-test=nav-programme]").await;
    find(client, "[data-test=programme-total]").await;
    screenshot(client, "office-programme-ar.png").await;
    // An export downloads with the token: no error said.
    click(client, "[data-test=export-table-csv]").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_ne!(flash_state(client).await.as_deref(), Some("error"));
    // A bad import file: every bad line is listed with its number, nothing is written.
    find(client, "[data-test=import-file]")
        .await
        .send_keys(&bad_file.display().to_string())
        .await?;
    click(client, "[data-test=import-check]").await;
    find(client, "[data-test=import-errors] li").await;
    screenshot(client, "office-import-errors-ar.png").await;
    // "Replace the programme", checked first: the projects the file leaves out are listed,
    // nothing is written.
    let whole = bad_file.with_file_name("programme-entier.csv");
    std::fs::write(
        &whole,
        "number,programme,title_ar\n1,البنية التحتية,تهيئة الطريق إلى الدوار\n",
    )?;
    click(client, "[data-test=nav-reports]").await;
    click(client, "[data-test=nav-programme]").await;
    find(client, "[data-test=import-file]")
        .await
        .send_keys(&whole.display().to_string())
        .await?;
    click(client, "[data-test=import-replace]").await;
    click(client, "[data-test=import-check]").await;
    let removed = find(client, "[data-test=import-removed]")
        .await
        .text()
        .await?;
    assert!(removed.contains("43"), "{removed}");
    find(client, "[data-test=import-made-real]").await;
    screenshot(client, "office-import-replace-ar.png").await;
    click(client, "[data-test=nav-reports]").await;
    find(client, "[data-test=table-total]").await;
    screenshot(client, "office-reports-ar.png").await;

    // French.
    click(client, "[data-test=lang-switch]").await;
    wait_until("the page is in French", || async {
        let dir = client
            .execute("return document.documentElement.dir;", vec![])
            .await
            .ok()?;
        (dir == Value::String("ltr".into())).then_some(())
    })
    .await;
    screenshot(client, "office-reports-fr.png").await;
    click(client, "[data-test=nav-programme]").await;
    find(client, "[data-test=programme-total]").await;
    screenshot(client, "office-programme-fr.png").await;
    click(client, "[data-test=project-link]").await;
    find(client, "[data-test=project-form]").await;
    screenshot(client, "office-project-fr.png").await;
    click(client, "[data-test=nav-proposals]").await;
    wait_count(client, "[data-test=proposal-row]", sent).await;
    screenshot(client, "office-proposals-fr.png").await;
    click(client, "[data-test=nav-suggestions]").await;
    find(client, "[data-test=suggestion]").await;
    screenshot(client, "office-suggestions-fr.png").await;

    // A committee member reads the same screens, with no selection and no action buttons.
    client.goto(&format!("{base}/login")).await?;
    let user = find(client, "[data-test=login-username]").await;
    user.clear().await?;
    user.send_keys("committee").await?;
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    find(client, "[data-test=read-only]").await;
    // The committee lands on the opinions (issue 14): the proposals are one click away.
    click(client, "[data-test=nav-proposals]").await;
    wait_count(client, "[data-test=proposal-row]", sent).await;
    assert_eq!(count(client, "[data-test=row-check]").await, 0);
    press(client, "m").await;
    assert_eq!(count(client, "[data-test=merge-dialog]").await, 0);
    screenshot(client, "office-committee-fr.png").await;
    assert_no_csp_violations(client).await;
    Ok(())
}

//! The procedure screen in the real client (Arabic, laptop window): the secretariat lands on
//! it after login and sees the demo's version 1 (voted, frozen, executable) with its dated
//! steps; opens an update draft; plans a council session; records a dispatch to the bodies
//! that comes too late (the form says "send by D" and asks the reason), with its reason; the
//! "missing or late" panel shows it late with that reason; a second late dispatch sent
//! without one shows "reason missing" and gets its reason on the panel; the API agrees. Screenshots of
//! the screen and of its print, in the artefacts.

use fantoccini::Client;
use serde_json::{Value, json};
use tachkhis_shared::api::procedure::date_of_day;

use crate::{
    Chromedriver, PASSWORD, Server, TestResult, api_login, assert_no_csp_violations, assets_dir,
    attr, cdp, click, connect_browser, find, run_with_artefacts, screenshot, set_viewport,
    wait_attr, wait_until,
};

const REASON: &str = "تأخر إعداد الوثيقة بسبب تحيين المعطيات المالية";

fn day_first(days_from_today: i64) -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let iso = date_of_day(secs.div_euclid(86_400) + days_from_today);
    let shown = format!("{}/{}/{}", &iso[8..10], &iso[5..7], &iso[0..4]);
    (iso, shown)
}

async fn type_date(client: &Client, test: &str, shown: &str) -> TestResult {
    let selector = format!("[data-test={test}]");
    let field = find(client, &selector).await;
    field.clear().await?;
    field.send_keys(&format!("{shown}\u{E004}")).await?;
    wait_attr(client, &selector, "aria-invalid", "false").await;
    Ok(())
}

async fn pick(client: &Client, test: &str, value: &str) -> TestResult {
    click(client, &format!("[data-test={test}] option[value={value}]")).await;
    Ok(())
}

async fn procedure(base: &str, token: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}/api/procedure"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretariat_records_a_late_dispatch_with_its_reason() -> TestResult {
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
        let (client, base) = (client.clone(), base.clone());
        async move { scenario(&client, &base).await }
    };
    let outcome = run_with_artefacts("procedure", &[("laptop", &client)], run).await;
    server.stop().await;
    outcome
}

async fn scenario(client: &Client, base: &str) -> TestResult {
    client.goto(&format!("{base}/login")).await?;
    find(client, "[data-test=login-username]")
        .await
        .send_keys("secretariat")
        .await?;
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    // The secretariat lands on the procedure.
    wait_until("the procedure screen opens", || async {
        let url = client.current_url().await.ok()?;
        (url.path() == "/office/procedure").then_some(())
    })
    .await;
    find(client, "[data-test=proc-timeline]").await;
    wait_until("the demo's eight steps", || async {
        let n = client
            .find_all(fantoccini::Locator::Css("[data-test=proc-step]"))
            .await
            .ok()?
            .len();
        (n == 8).then_some(())
    })
    .await;
    let line = find(client, "[data-test=proc-version-line]")
        .await
        .text()
        .await?;
    assert!(
        line.contains("قابل للتنفيذ"),
        "version 1 executable: {line}"
    );
    let vote = find(client, "[data-test=proc-vote]").await.text().await?;
    assert!(vote.contains("19") && vote.contains("23"), "{vote}");
    screenshot(client, "procedure-v1-ar.png").await;

    // An update draft, with its reason.
    find(client, "[data-test=draft-reason]")
        .await
        .send_keys("تحيين السنة الثالثة")
        .await?;
    click(client, "[data-test=draft-open]").await;
    wait_until("version 2 is shown", || async {
        let t = client
            .find(fantoccini::Locator::Css("[data-test=proc-version-line]"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        t.contains("2").then_some(())
    })
    .await;
    find(client, "[data-test=proc-vote-form]").await;

    // A session planned in 40 days.
    let (session_iso, session) = day_first(40);
    pick(client, "proc-kind", "council_session").await?;
    type_date(client, "proc-date", &session).await?;
    pick(client, "proc-session-kind", "extraordinary").await?;
    click(client, "[data-test=proc-step-save]").await;
    wait_until("the session is on the timeline", || async {
        (attr(
            client,
            "[data-test=proc-step][data-kind=council_session]",
            "data-kind",
        )
        .await
        .is_some())
        .then_some(())
    })
    .await;
    // The panel says when to send by.
    wait_attr(
        client,
        "[data-test=proc-rule][data-rule=dispatch_before_session]",
        "data-status",
        "upcoming",
    )
    .await;

    // The dispatch, 20 days before the session: the form says so and asks the reason.
    let (_, sent) = day_first(20);
    pick(client, "proc-kind", "sent_to_bodies").await?;
    type_date(client, "proc-date", &sent).await?;
    let send_by = find(client, "[data-test=proc-send-by]")
        .await
        .text()
        .await?;
    let (_, by) = day_first(10);
    assert!(send_by.contains(&by), "send by {by}: {send_by}");
    find(client, "[data-test=proc-late]").await;
    find(client, "[data-test=proc-reference]")
        .await
        .send_keys("إرسالية رقم 77")
        .await?;
    find(client, "[data-test=proc-late-reason]")
        .await
        .send_keys(REASON)
        .await?;
    screenshot(client, "procedure-late-form-ar.png").await;
    click(client, "[data-test=proc-step-save]").await;

    // Recorded, not refused: late, with its reason, on the panel.
    wait_attr(
        client,
        "[data-test=proc-rule][data-rule=dispatch_before_session]",
        "data-status",
        "late",
    )
    .await;
    let reason = find(
        client,
        "[data-test=proc-rule][data-rule=dispatch_before_session] [data-test=proc-rule-reason]",
    )
    .await
    .text()
    .await?;
    assert!(reason.contains(REASON), "{reason}");

    // A second dispatch, late and without its reason: recorded, shown as "reason missing",
    // and the panel asks for it there.
    let (_, again) = day_first(25);
    type_date(client, "proc-date", &again).await?;
    click(client, "[data-test=proc-step-save]").await;
    let missing = "[data-test=proc-rule][data-status=reason_missing]";
    find(client, missing).await;
    client.execute("window.scrollTo(0, 0)", vec![]).await?;
    screenshot(client, "procedure-reason-missing-ar.png").await;
    find(client, &format!("{missing} [data-test=proc-reason-input]"))
        .await
        .send_keys("تأخر توقيع الإرسالية")
        .await?;
    click(client, &format!("{missing} [data-test=proc-reason-save]")).await;
    wait_until("both late dispatches have their reason", || async {
        let n = client
            .find_all(fantoccini::Locator::Css(
                "[data-test=proc-rule][data-rule=dispatch_before_session][data-status=late]",
            ))
            .await
            .ok()?
            .len();
        (n == 2).then_some(())
    })
    .await;
    assert_no_csp_violations(client).await;
    client.execute("window.scrollTo(0, 0)", vec![]).await?;
    screenshot(client, "procedure-late-ar.png").await;

    let token = api_login(base, "secretariat").await;
    let view = procedure(base, &token).await;
    assert_eq!(view["version"]["number"], 2);
    let late: Vec<&Value> = view["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "dispatch_before_session")
        .collect();
    assert_eq!(late.len(), 2, "{view}");
    assert!(late.iter().all(|r| r["status"] == "late"), "{view}");
    assert!(late.iter().any(|r| r["late_reason"] == REASON), "{view}");
    assert!(
        late.iter()
            .any(|r| r["late_reason"] == "تأخر توقيع الإرسالية"),
        "{view}"
    );
    assert_eq!(
        late[0]["due"],
        json!(tachkhis_shared::api::procedure::add_days(&session_iso, -30))
    );

    // What the printer gets: no forms, the panel and the timeline.
    cdp(
        client,
        "Emulation.setEmulatedMedia",
        json!({ "media": "print" }),
    )
    .await?;
    screenshot(client, "procedure-print-ar.png").await;
    cdp(client, "Emulation.setEmulatedMedia", json!({ "media": "" })).await?;
    Ok(())
}

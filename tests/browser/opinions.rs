//! The opinions screens in the real client (Arabic, laptop window): the committee member lands
//! on the opinions, sees their committee's (the demo's, marked illustrative, on the demo's
//! version 1, voted and given the visa: read only); once the secretariat opens a draft, writes
//! a reservation on a project and cannot write for another committee; the office sees the
//! reservation to answer and answers it; the committee's report is opened and printed (print
//! media, PDF). Screenshots of each step in the artefacts.

use fantoccini::Client;
use serde_json::{Value, json};

use crate::{
    Chromedriver, PASSWORD, Server, TestResult, api_login, artefacts_dir, assert_no_csp_violations,
    assets_dir, attr, cdp, click, connect_browser, count, find, run_with_artefacts, screenshot,
    set_viewport, wait_until,
};

/// The demo's budget committee (the `committee` user chairs it) and its second committee.
const BUDGET: i64 = 1;
const SERVICES: i64 = 2;
/// The project the member writes on: the administration's IT equipment, no opinion in the demo.
const NUMBER: i64 = 22;
const RESERVATION: &str = "تطلب اللجنة تفصيل حاجيات المصالح من العتاد قبل الاقتناء";
const ANSWER: &str = "أُبقي المشروع: الحاجيات مفصلة في جرد المصالح المرفق بالبطاقة";

async fn get(base: &str, token: &str, path: &str) -> Value {
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

async fn send(method: reqwest::Method, base: &str, token: &str, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .request(method.clone(), format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status();
    let answer: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

/// Opens an `update` draft (version 2) as the secretariat does: the demo's version 1 is
/// executable, and opinions are given on a draft only.
async fn open_draft(base: &str) {
    let token = api_login(base, "secretariat").await;
    let draft = send(
        reqwest::Method::POST,
        base,
        &token,
        "/api/versions",
        json!({"reason": "تحيين البرنامج في سنته الثالثة"}),
    )
    .await;
    assert_eq!(draft["number"], 2, "{draft}");
    assert_eq!(draft["status"], "draft", "{draft}");
}

/// The id of the project numbered `number`, from the opinions' list of projects.
async fn project_of(base: &str, token: &str, number: i64) -> i64 {
    get(base, token, "/api/opinions").await["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["number"] == number)
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("no project {number}"))
}

/// The budget committee's opinion on project `NUMBER`, from the API.
async fn opinion_on(base: &str, token: &str) -> Option<Value> {
    let report = get(base, token, &format!("/api/bodies/{BUDGET}/report")).await;
    report["opinions"]["projects"]
        .as_array()?
        .iter()
        .find(|o| o["project_number"] == NUMBER)
        .cloned()
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

/// A screenshot of the whole page (beyond the window), as PNG.
async fn full_page(client: &Client, name: &str) {
    use base64::Engine;
    // From the top: scrolled, the sticky bar would be drawn in the middle of the picture.
    client
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll");
    let shot = cdp(
        client,
        "Page.captureScreenshot",
        json!({ "format": "png", "captureBeyondViewport": true }),
    )
    .await
    .expect("screenshot");
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("image data"))
        .expect("base64");
    std::fs::write(artefacts_dir().join(name), png).expect("write the screenshot");
}

/// Types into a field the way a person does for a date input (whose keyboard entry depends on
/// the browser's locale): the value set, then the `input` event the screen listens to.
async fn set_input(client: &Client, selector: &str, value: &str) -> TestResult {
    client
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1];
             el.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![json!(selector), json!(value)],
        )
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_writes_a_reservation_the_office_answers_the_report_prints() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let server = Server::start(&db_path, &assets, 0).await;
    let base = server.base();
    let member_profile = tmp.path().join("chromium-committee");
    let office_profile = tmp.path().join("chromium-office");
    std::fs::create_dir_all(&member_profile)?;
    std::fs::create_dir_all(&office_profile)?;
    let admin_profile = tmp.path().join("chromium-admin");
    std::fs::create_dir_all(&admin_profile)?;
    let member = connect_browser(&driver, &member_profile).await;
    let office = connect_browser(&driver, &office_profile).await;
    set_viewport(&member, (1366, 900)).await;
    set_viewport(&office, (1366, 900)).await;
    let admin = connect_browser(&driver, &admin_profile).await;
    set_viewport(&admin, (1366, 900)).await;
    let scenario = {
        let (member, office, admin, base) =
            (member.clone(), office.clone(), admin.clone(), base.clone());
        async move {
            member_writes(&member, &base).await?;
            office_answers(&office, &base).await?;
            report_prints(&office, &base).await?;
            admin_sets_up(&admin, &base).await
        }
    };
    let result = run_with_artefacts(
        "opinions",
        &[
            ("committee", &member),
            ("office", &office),
            ("admin", &admin),
        ],
        scenario,
    )
    .await;
    server.stop().await;
    result
}

async fn member_writes(client: &Client, base: &str) -> TestResult {
    let token = api_login(base, "committee").await;
    let demo = get(base, &token, &format!("/api/bodies/{BUDGET}/report")).await;
    assert_eq!(
        demo["version"]["number"], 1,
        "no draft: the demo's version 1"
    );
    assert_eq!(demo["version"]["status"], "executable");
    assert!(
        opinion_on(base, &token).await.is_none(),
        "the demo has no opinion on {NUMBER}"
    );

    // A committee member lands on the opinions, on their own committee: the demo's, on its
    // frozen version 1, read only.
    log_in(client, base, "committee").await?;
    find(client, "[data-test=opinions-page]").await;
    assert_eq!(client.current_url().await?.path(), "/office/opinions");
    find(client, "[data-test=illustrative]").await;
    assert_eq!(
        attr(client, "[data-test=body-part]", "data-body")
            .await
            .as_deref(),
        Some(BUDGET.to_string().as_str())
    );
    // The demo's programme opinion, and a row per project of the programme (43).
    find(
        client,
        "[data-test=programme-opinion] [data-verdict=favourable]",
    )
    .await;
    assert_eq!(count(client, "[data-test=project-opinion]").await, 43);
    assert_eq!(count(client, "[data-test=member-notice]").await, 0);
    assert_eq!(
        count(client, "[data-test=opinion-open]").await,
        0,
        "no opinion is written on a frozen version"
    );
    full_page(client, "opinions-committee-ar.png").await;

    // The secretariat opens a draft; the committee gives its opinion on the programme and on
    // two projects again (through the API, the second one first).
    open_draft(base).await;
    for path in [
        "/programme".to_string(),
        format!("/projects/{}", project_of(base, &token, 4).await),
        format!("/projects/{}", project_of(base, &token, 3).await),
    ] {
        send(
            reqwest::Method::PUT,
            base,
            &token,
            &format!("/api/bodies/{BUDGET}/opinions{path}"),
            json!({"verdict": "favourable", "text": "", "date": "2023-01-10"}),
        )
        .await;
    }
    client.goto(&format!("{base}/office/opinions")).await?;
    find(client, "[data-test=opinions-page]").await;
    find(client, "[data-test=member-notice]").await;
    assert_eq!(
        count(client, "[data-test=illustrative]").await,
        0,
        "the draft's opinions are real"
    );
    find(
        client,
        "[data-test=programme-opinion] [data-verdict=favourable]",
    )
    .await;
    assert_eq!(count(client, "[data-test=project-opinion]").await, 43);
    full_page(client, "opinions-committee-draft-ar.png").await;

    // Another committee's opinions: read, not written.
    click(
        client,
        &format!("[data-test=body-tab][data-body='{SERVICES}']"),
    )
    .await;
    wait_until("the second committee is shown", || async {
        (attr(client, "[data-test=body-part]", "data-body")
            .await
            .as_deref()
            == Some(SERVICES.to_string().as_str()))
        .then_some(())
    })
    .await;
    assert_eq!(count(client, "[data-test=opinion-open]").await, 0);
    assert_eq!(count(client, "[data-test=member-notice]").await, 0);
    click(
        client,
        &format!("[data-test=body-tab][data-body='{BUDGET}']"),
    )
    .await;
    find(client, "[data-test=member-notice]").await;

    // A reservation on project 22.
    let row = format!("[data-test=project-opinion][data-number='{NUMBER}']");
    click(client, &format!("{row} [data-test=opinion-open]")).await;
    find(client, &format!("{row} [data-test=opinion-form]")).await;
    find(client, &format!("{row} [data-test=opinion-verdict]"))
        .await
        .select_by_value("reservations")
        .await?;
    set_input(
        client,
        &format!("{row} [data-test=opinion-date]"),
        "2023-01-11",
    )
    .await?;
    find(client, &format!("{row} [data-test=opinion-text-input]"))
        .await
        .send_keys(RESERVATION)
        .await?;
    full_page(client, "opinions-writing-ar.png").await;
    click(client, &format!("{row} [data-test=opinion-save]")).await;
    find(client, &format!("{row} [data-verdict=reservations]")).await;
    find(client, &format!("{row} [data-test=awaits-answer]")).await;
    let stored = opinion_on(base, &token)
        .await
        .expect("the opinion is stored");
    assert_eq!(stored["verdict"], "reservations");
    assert_eq!(stored["text"], RESERVATION);
    assert_eq!(stored["date"], "2023-01-11");
    assert_eq!(stored["written_by"], "committee");
    full_page(client, "opinions-written-ar.png").await;

    // The project's sheet shows it.
    let project = stored["project_id"].as_i64().expect("a project id");
    click(
        client,
        &format!("{row} a[href='/office/projects/{project}']"),
    )
    .await;
    find(
        client,
        &format!("[data-test=project-opinions-panel] [data-test=project-opinion-of][data-body='{BUDGET}'] [data-verdict=reservations]"),
    )
    .await;
    full_page(client, "opinions-project-sheet-ar.png").await;

    // The opinions in French, left to right.
    click(client, "[data-test=nav-opinions]").await;
    find(client, "[data-test=opinions-page]").await;
    click(client, "[data-test=lang-switch]").await;
    wait_until("the page is in French", || async {
        (attr(client, "html", "lang").await.as_deref() == Some("fr")).then_some(())
    })
    .await;
    find(client, &format!("{row} [data-verdict=reservations]")).await;
    full_page(client, "opinions-committee-fr.png").await;
    assert_no_csp_violations(client).await;
    Ok(())
}

async fn office_answers(client: &Client, base: &str) -> TestResult {
    let token = api_login(base, "office").await;
    log_in(client, base, "office").await?;
    find(client, "[data-test=office]").await;
    click(client, "[data-test=nav-opinions]").await;
    find(client, "[data-test=opinions-page]").await;
    // The member's reservation is the one awaiting the office on the draft (the committee's
    // other opinions there are favourable).
    find(client, "[data-test=to-answer]").await;
    assert_eq!(
        count(client, "[data-test=opinion-open]").await,
        0,
        "the office writes no opinion"
    );
    let row = format!("[data-test=project-opinion][data-number='{NUMBER}']");
    find(client, &format!("{row} [data-test=awaits-answer]")).await;
    click(client, &format!("{row} [data-test=answer-open]")).await;
    find(client, &format!("{row} [data-test=answer-outcome]"))
        .await
        .select_by_value("kept")
        .await?;
    find(client, &format!("{row} [data-test=answer-text]"))
        .await
        .send_keys(ANSWER)
        .await?;
    click(client, &format!("{row} [data-test=answer-save]")).await;
    find(client, &format!("{row} [data-test=answer]")).await;
    wait_until("the reservation is answered", || async {
        (count(client, "[data-test=to-answer]").await == 0).then_some(())
    })
    .await;
    let stored = opinion_on(base, &token).await.expect("the opinion");
    assert_eq!(stored["answer"]["outcome"], "kept");
    assert_eq!(stored["answer"]["text"], ANSWER);
    assert_eq!(stored["answer"]["answered_by"], "office");
    full_page(client, "opinions-answered-ar.png").await;
    Ok(())
}

async fn report_prints(client: &Client, base: &str) -> TestResult {
    let token = api_login(base, "office").await;
    let report = get(base, &token, &format!("/api/bodies/{BUDGET}/report")).await;
    let numbers: Vec<String> = report["opinions"]["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["project_number"].to_string())
        .collect();
    assert_eq!(numbers, ["3", "4", "22"], "programme order");

    // The link is at the top of the page, under the bar once scrolled down to answer.
    client.execute("window.scrollTo(0, 0);", vec![]).await?;
    click(client, "[data-test=open-report]").await;
    find(client, "[data-test=opinion-report]").await;
    assert_eq!(
        client.current_url().await?.path(),
        format!("/office/opinions/report/{BUDGET}")
    );
    find(
        client,
        "[data-test=report-programme] [data-verdict=favourable]",
    )
    .await;
    wait_until("the report's rows", || async {
        (count(client, "[data-test=report-row]").await == numbers.len()).then_some(())
    })
    .await;
    let shown: Vec<String> = client
        .execute(
            "return [...document.querySelectorAll('[data-test=report-row]')].map(r => r.dataset.number);",
            vec![],
        )
        .await?
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(shown, numbers);
    let page_text = find(client, "[data-test=opinion-report]")
        .await
        .text()
        .await?;
    assert!(
        page_text.contains(RESERVATION) && page_text.contains(ANSWER),
        "{page_text}"
    );
    assert_eq!(attr(client, "html", "dir").await.as_deref(), Some("rtl"));
    full_page(client, "opinions-report-ar.png").await;

    // Print media: no navigation, no buttons; what the printer gets, as PDF.
    cdp(
        client,
        "Emulation.setEmulatedMedia",
        json!({ "media": "print" }),
    )
    .await?;
    let hidden: Value = client
        .execute(
            "return ['.office-bar', '[data-test=print]', '[data-test=open-report]']
                 .map(s => document.querySelector(s)?.getClientRects().length ?? 0);",
            vec![],
        )
        .await?;
    assert_eq!(hidden, json!([0, 0, 0]), "bars and buttons are not printed");
    // The window in print media (a whole-page capture shifts a right-to-left page in print
    // media; the PDF below is the whole of it).
    screenshot(client, "opinions-report-print-ar.png").await;
    let pdf = cdp(
        client,
        "Page.printToPDF",
        json!({ "printBackground": false }),
    )
    .await?;
    let pdf = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.decode(pdf["data"].as_str().expect("PDF data"))?
    };
    assert!(pdf.starts_with(b"%PDF"));
    std::fs::write(artefacts_dir().join("opinions-report-ar.pdf"), &pdf)?;
    cdp(client, "Emulation.setEmulatedMedia", json!({ "media": "" })).await?;
    assert_no_csp_violations(client).await;
    Ok(())
}

/// The administrator's set-up: the demo's four bodies, each offering the users of its role.
async fn admin_sets_up(client: &Client, base: &str) -> TestResult {
    log_in(client, base, "admin").await?;
    find(client, "[data-test=office]").await;
    client
        .goto(&format!("{base}/office/opinions/bodies"))
        .await?;
    find(client, "[data-test=bodies-page]").await;
    wait_until("the four bodies", || async {
        (count(client, "[data-test=body-edit]").await == 4).then_some(())
    })
    .await;
    // A committee offers the committee user, the IEECAG the ieecag user; each is ticked.
    let first = format!("[data-test=body-edit][data-body='{BUDGET}']");
    assert_eq!(
        attr(
            client,
            &format!("{first} [data-test=member-row]"),
            "data-user"
        )
        .await
        .as_deref(),
        Some("committee")
    );
    assert_eq!(
        attr(
            client,
            "[data-test=body-edit][data-body='4'] [data-test=member-row]",
            "data-user"
        )
        .await
        .as_deref(),
        Some("ieecag")
    );
    let ticked: Value = client
        .execute(
            "return document.querySelector(arguments[0]).checked;",
            vec![json!(format!("{first} [data-test=member-tick]"))],
        )
        .await?;
    assert_eq!(ticked, json!(true));
    full_page(client, "opinions-bodies-ar.png").await;
    assert_no_csp_violations(client).await;
    Ok(())
}

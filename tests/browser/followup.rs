//! The follow-up's screens (issue 15) in the real client, as the office sees them in Arabic on
//! a laptop, on the demo commune (its illustrative execution records of 2023-2026): the
//! dashboard (its six views, each a server-drawn chart with bars and a table with rows); the
//! annual evaluation of 2024, then its printable report opened the way the app opens it (fetched
//! with the token, a new tab on a blob), in Arabic (right to left, the sections' headings, the
//! charts) and in French; the three-year programming of 2024 (created when the demo has none)
//! with its years and projects; a project's whole story, reached from its sheet, oldest first.
//! Full-page screenshots of each go to `target/artefacts/followup-*.png`.

use fantoccini::Client;
use serde_json::{Value, json};
use tachkhis_server::execution::evaluation::SECTIONS;

use crate::document::full_page;
use crate::{
    Chromedriver, OFFICE, PASSWORD, Server, TestResult, api_login, assert_no_csp_violations,
    assets_dir, click, connect_browser, count, find, retype, run_with_artefacts, set_viewport,
    wait_until,
};

/// The dashboard's views that the demo fills (its illustrative records are of placeholder
/// projects with no pole or douar: the two place views are empty on the demo).
const VIEWS: [&str; 4] = ["programme", "year", "funding", "status"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_reads_the_follow_up_in_arabic() -> TestResult {
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
    let outcome = run_with_artefacts("followup", &[("office", &client)], run).await;
    server.stop().await;
    outcome
}

async fn js(client: &Client, script: &str) -> Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// The page's direction, and the size of every chart (`svg.chart-svg`) and of its widest bar.
const CHARTS: &str = "return {
    dir: document.documentElement.dir || getComputedStyle(document.body).direction,
    lang: document.documentElement.lang,
    charts: [...document.querySelectorAll('svg.chart-svg')].map(s => {
        const r = s.getBoundingClientRect();
        const bars = [...s.querySelectorAll('rect.bar')].filter(b => b.closest('[data-test=chart-row]'));
        return {
            test: s.dataset.test || '',
            w: r.width, h: r.height,
            rows: s.querySelectorAll('[data-test=chart-row]').length,
            widest: Math.max(0, ...bars.map(b => b.getBoundingClientRect().width)),
        };
    }),
};";

fn charts(page: &Value) -> &Vec<Value> {
    page["charts"].as_array().expect("charts")
}

/// Whether one chart is drawn: a box of non-zero size, rows, a visible bar.
fn drawn(chart: &Value) -> bool {
    let f = |k: &str| chart[k].as_f64().unwrap_or(0.0);
    f("w") > 100.0 && f("h") > 20.0 && f("rows") >= 1.0 && f("widest") >= 1.0
}

async fn login(client: &Client, base: &str) -> TestResult {
    client.goto(&format!("{base}/login")).await?;
    find(client, "[data-test=login-username]")
        .await
        .send_keys(OFFICE)
        .await?;
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    find(client, "[data-test=nav-dashboard]").await;
    Ok(())
}

/// Opens one of the app's print buttons and returns the new tab's handle once it shows the
/// report's last section; the app's own tab stays open.
async fn open_print(client: &Client, button: &str) -> fantoccini::wd::WindowHandle {
    let before = client.windows().await.expect("windows").len();
    click(client, button).await;
    let tab = wait_until("the report's tab opens", || async {
        let windows = client.windows().await.ok()?;
        (windows.len() > before)
            .then(|| windows.last().cloned())
            .flatten()
    })
    .await;
    client.switch_to_window(tab.clone()).await.expect("switch");
    find(client, "[data-section=text]").await;
    tab
}

async fn scenario(client: &Client, base: &str) -> TestResult {
    login(client, base).await?;

    // 1. The dashboard: six views, each a chart with bars and a table with rows.
    click(client, "[data-test=nav-dashboard]").await;
    find(client, "[data-test=dash-status] tbody tr").await;
    find(client, "[data-test=dash-douar]").await;
    let page = js(client, CHARTS).await;
    assert_eq!(page["dir"], "rtl", "{page}");
    assert_eq!(page["lang"], "ar", "{page}");
    for view in VIEWS {
        let chart = charts(&page)
            .iter()
            .find(|c| c["test"].as_str().is_some_and(|t| t.contains(view)))
            .unwrap_or_else(|| panic!("no chart for {view}: {page}"));
        assert!(drawn(chart), "the {view} chart is drawn: {chart}");
        let rows = count(client, &format!("[data-test=dash-{view}] tbody tr")).await;
        assert!(rows >= 1, "the {view} table has rows");
    }
    // The totals: 8 illustrative records over 2023-2026, programmed 6 947 272,72 in all.
    let total = find(client, "[data-test=dash-programme] tfoot")
        .await
        .text()
        .await?;
    let digits: String = total.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(digits.contains("6947272,72"), "the totals row: {total}");
    assert_no_csp_violations(client).await;
    full_page(client, "followup-dashboard-ar.png").await;

    // 2. The evaluation of 2024: from the plan screen's link, the year typed.
    click(client, "[data-test=nav-plan]").await;
    click(client, "[data-test=to-evaluation]").await;
    retype(client, "[data-test=evaluation-year]", "2024").await;
    wait_until("the evaluation of 2024 shows", || async {
        let figures = client
            .find(fantoccini::Locator::Css("[data-test=evaluation-figures]"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let v = client
            .execute(
                "return document.querySelector('[data-test=evaluation-year]').value;",
                vec![],
            )
            .await
            .ok()?;
        (v == "2024" && !figures.is_empty()).then_some(figures)
    })
    .await;
    // The figures the screen shows are the API's: 2024's records, projects executed.
    let token = api_login(base, OFFICE).await;
    let api: Value = reqwest::Client::new()
        .get(format!("{base}/api/evaluations/2024"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let (planned, executed) = (api["planned"].to_string(), api["executed"].to_string());
    assert!(api["planned"].as_i64() >= Some(2), "{api}");
    wait_until("the figures are 2024's", || async {
        let mut dd = Vec::new();
        for e in client
            .find_all(fantoccini::Locator::Css(
                "[data-test=evaluation-figures] dd",
            ))
            .await
            .ok()?
        {
            dd.push(e.text().await.ok()?.trim().to_string());
        }
        (dd.first() == Some(&planned) && dd.get(1) == Some(&executed)).then_some(())
    })
    .await;
    assert!(count(client, "[data-test=evaluation-programme] tbody tr").await >= 1);
    let dir = js(client, "return document.documentElement.dir;").await;
    assert_eq!(dir, "rtl");
    full_page(client, "followup-evaluation-ar.png").await;

    // Its printable report, as the app opens it: a new tab on a blob of the fetched page.
    let app = client.window().await?;
    for lang in ["ar", "fr"] {
        open_print(
            client,
            &format!("[data-test=evaluation-files-print-{lang}]"),
        )
        .await;
        let url = client.current_url().await?;
        assert_eq!(url.scheme(), "blob", "{url}");
        let page = js(client, CHARTS).await;
        assert_eq!(page["lang"], lang, "{page}");
        assert_eq!(
            page["dir"],
            if lang == "ar" { "rtl" } else { "ltr" },
            "{page}"
        );
        assert!(
            charts(&page).iter().any(drawn),
            "{lang}: at least one chart drawn: {page}"
        );
        assert!(
            charts(&page)
                .iter()
                .all(|c| c["w"].as_f64().unwrap_or(0.0) > 0.0),
            "{lang}: no chart of zero size: {page}"
        );
        // The sections' headings in the report's language, in order.
        let headings = js(
            client,
            "return [...document.querySelectorAll('section.part > h2')].map(h => h.textContent);",
        )
        .await;
        let headings: Vec<String> = headings
            .as_array()
            .expect("headings")
            .iter()
            .map(|h| h.as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(headings.len(), SECTIONS.len(), "{lang}: {headings:?}");
        for (i, ((_, ar, fr), h)) in SECTIONS.iter().zip(&headings).enumerate() {
            let title = if lang == "ar" { ar } else { fr };
            assert!(
                h.contains(title) && h.starts_with(&format!("{}.", i + 1)),
                "{lang}: section {} reads {h:?}",
                i + 1
            );
        }
        let cover = find(client, "[data-test=evaluation-cover]")
            .await
            .text()
            .await?;
        assert!(
            cover.contains("2024"),
            "{lang}: the cover names the year: {cover}"
        );
        let styled = js(
            client,
            "return getComputedStyle(document.querySelector('thead')).display;",
        )
        .await;
        assert_eq!(
            styled,
            json!("table-header-group"),
            "{lang}: the stylesheet applies"
        );
        full_page(client, &format!("followup-evaluation-print-{lang}.png")).await;
        client.close_window().await?;
        client.switch_to_window(app.clone()).await?;
    }

    // 3. The three-year programming of 2024: created if the demo has none; its table.
    click(client, "[data-test=nav-plan]").await;
    find(client, "[data-test=plan-page]").await;
    // The plans are read once their chooser shows (empty when there is none).
    find(client, "[data-test=plan-choose]").await;
    let has_2024 = count(client, "[data-test=plan-choose] option[value='2024']").await > 0;
    if has_2024 {
        click(client, "[data-test=plan-choose] option[value='2024']").await;
    } else {
        retype(client, "[data-test=plan-new-year]", "2024").await;
        click(client, "[data-test=plan-create]").await;
    }
    wait_until("the plan 2024-2026's table", || async {
        let years: Vec<String> = {
            let mut out = Vec::new();
            for e in client
                .find_all(fantoccini::Locator::Css(
                    "[data-test=plan-balance] tbody tr td:first-child",
                ))
                .await
                .ok()?
            {
                out.push(e.text().await.ok()?.trim().to_string());
            }
            out
        };
        (years == ["2024", "2025", "2026"]).then_some(())
    })
    .await;
    // Projects 2 and 15 (2024), 2, 5 and 26 (2025), 30 (2026) are programmed in these years.
    assert!(
        count(client, "[data-test=plan-project]").await >= 5,
        "the plan's projects"
    );
    let balance = find(client, "[data-test=plan-balance]")
        .await
        .text()
        .await?;
    let compact: String = balance.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        compact.contains("2400000,00"),
        "2024's expenditure is projects 2 and 15's programmed amounts: {balance}"
    );
    full_page(client, "followup-plan-ar.png").await;

    // 4. A project's story, from its sheet: project 2, recorded in 2024 and 2025.
    let project: Value = reqwest::Client::new()
        .get(format!("{base}/api/projects/by-number/2"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let id = project["id"].as_i64().expect("project 2");
    client.goto(&format!("{base}/office/projects/{id}")).await?;
    click(client, &format!("a[href='/office/projects/{id}/story']")).await;
    find(client, "[data-test=story-entry]").await;
    let entries = js(
        client,
        "return [...document.querySelectorAll('[data-test=story-entry]')].map(e => ({
            kind: e.dataset.kind,
            date: e.querySelector('.story-date').textContent.trim(),
        }));",
    )
    .await;
    let entries = entries.as_array().expect("entries");
    let records = entries.iter().filter(|e| e["kind"] == "record").count();
    assert_eq!(records, 2, "the records of 2024 and 2025: {entries:?}");
    // Oldest first: the years never go back, nor do the full dates among themselves.
    let dates: Vec<(i32, Option<(u32, u32)>)> = entries
        .iter()
        .map(|e| {
            let d = e["date"].as_str().unwrap_or_default();
            match d.split('/').collect::<Vec<_>>()[..] {
                [day, month, year] => (
                    year.parse().expect("a year"),
                    Some((month.parse().expect("a month"), day.parse().expect("a day"))),
                ),
                [year] => (
                    year.parse().unwrap_or_else(|_| panic!("a date: {d:?}")),
                    None,
                ),
                _ => panic!("a date as dd/mm/yyyy or yyyy: {d:?}"),
            }
        })
        .collect();
    assert!(
        dates.windows(2).all(|w| w[0].0 <= w[1].0),
        "the years in order: {entries:?}"
    );
    let full: Vec<(i32, u32, u32)> = dates
        .iter()
        .filter_map(|(y, md)| md.map(|(m, d)| (*y, m, d)))
        .collect();
    assert!(
        full.windows(2).all(|w| w[0] <= w[1]),
        "the dates in order: {entries:?}"
    );
    assert_eq!(
        js(client, "return document.documentElement.dir;").await,
        "rtl"
    );
    full_page(client, "followup-story-ar.png").await;
    Ok(())
}

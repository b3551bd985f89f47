//! The client benchmark: the real client bundle in headless Chromium, on a tablet-sized page
//! (800 × 1280), holding a 300-proposal session.
//!
//! `cargo xtask bench` runs it on the optimised bundle; by hand, with a built bundle:
//! `TACHKHIS_ASSETS=$PWD/target/client cargo bench -p tachkhis-server --bench client`
//! (`CHROMEDRIVER` and `CHROME` as for the browser tests).
//!
//! Figures, measured in the page with `performance.now()`, each over [`RUNS`] runs (median,
//! max); "shown" means the DOM holds it and the next animation frame has run:
//! 1. app start to the session screen showing 300 proposals in its tab counter: a reload of
//!    `/session/{id}`, from the navigation's start (wasm start-up, every document read from
//!    IndexedDB and loaded into Automerge, first render);
//! 2. tap on the session's card (My sessions) to its screen shown;
//! 3. tap on the Proposals tab to the 300 proposal cards shown;
//! 4. tap on "save" of a new proposal to it confirmed on screen: the form closes and the save
//!    indicator says "saved" only once the document is written to IndexedDB.
#![allow(clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../../tests/browser/support.rs"]
mod support;

use std::time::Duration;

use fantoccini::Client;
use serde_json::{Value, json};
use support::*;

const PROPOSALS: usize = 300;
const RUNS: usize = 5;

/// Page helpers: `when(cond)` resolves once `cond()` holds (checked on every DOM change), and
/// `shown()` once the next animation frame has run.
const PRELUDE: &str = r#"
const when = (cond) => new Promise((resolve) => {
  if (cond()) { resolve(); return; }
  const obs = new MutationObserver(() => { if (cond()) { obs.disconnect(); resolve(); } });
  obs.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
});
const shown = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
const q = (s) => document.querySelector(s);
const n = (s) => document.querySelectorAll(s).length;
"#;

/// Installed before any page script: records when the session screen first shows the count.
const OPEN_PROBE: &str = r#"
window.__opened = null;
const probe = new MutationObserver(() => {
  const count = document.querySelector('[data-test=tab-proposals] .tab-count');
  if (window.__opened === null && count && count.textContent.trim() === '__N__') {
    window.__opened = 0;
    probe.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__opened = performance.now(); }, 0));
  }
});
probe.observe(document, { childList: true, subtree: true, characterData: true });
"#;

async fn in_page(client: &Client, body: &str, args: Vec<Value>) -> f64 {
    let script = format!(
        "const done = arguments[arguments.length - 1];\n{PRELUDE}\n(async () => {{ {body} }})().then(done, (e) => done('error: ' + e));"
    );
    let v = client
        .execute_async(&script, args)
        .await
        .expect("measure in the page");
    v.as_f64()
        .unwrap_or_else(|| panic!("no figure from the page: {v}"))
}

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let median = ms[ms.len() / 2];
    let max = ms[ms.len() - 1];
    let all: Vec<String> = ms.iter().map(|v| format!("{v:.0}")).collect();
    println!(
        "  {label:<58} median {median:>7.0} ms   max {max:>7.0} ms   ({})",
        all.join(", ")
    );
}

async fn bench(client: &Client, base: &str, file: &std::path::Path, id: &str) {
    login(client, base).await;
    assert_eq!(import_file(client, file).await, (1, 0, 0));
    let session_url = format!("{base}/session/{id}");
    let card = format!("[data-test=session-card][data-id='{id}']");

    // 1. App start to the session screen.
    cdp(
        client,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": OPEN_PROBE.replace("__N__", &PROPOSALS.to_string()) }),
    )
    .await
    .expect("the start probe");
    let mut cold = Vec::new();
    for _ in 0..RUNS {
        client.goto(&session_url).await.expect("open the session");
        let opened = wait_until("the session screen shows its proposals", || async {
            client
                .execute("return window.__opened || null;", vec![])
                .await
                .ok()?
                .as_f64()
        })
        .await;
        cold.push(opened);
    }

    // 2. and 3. From My sessions, tap the card, then the Proposals tab.
    let (mut open, mut first, mut list) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        client.goto(&format!("{base}/")).await.expect("home");
        find(client, &card).await;
        open.push(
            in_page(
                client,
                "const t0 = performance.now();
                 q(arguments[0]).click();
                 await when(() => q('[data-test=tab-proposals]'));
                 await shown();
                 return performance.now() - t0;",
                vec![json!(card)],
            )
            .await,
        );
        list.push(
            in_page(
                client,
                "const t0 = performance.now();
                 window.__first = null;
                 q('[data-test=tab-proposals]').click();
                 await when(() => n('[data-test=proposal]') > 0);
                 await shown();
                 window.__first = performance.now() - t0;
                 await when(() => n('[data-test=proposal]') === arguments[0]);
                 await shown();
                 return performance.now() - t0;",
                vec![json!(PROPOSALS)],
            )
            .await,
        );
        first.push(
            client
                .execute("return window.__first;", vec![])
                .await
                .ok()
                .and_then(|v| v.as_f64())
                .expect("the first cards' time"),
        );
    }

    // 4. Add a proposal: typed, then the save tap is timed up to the confirmation.
    let mut add = Vec::new();
    for i in 0..RUNS {
        let before = count(client, "[data-test=proposal]").await;
        click(client, "[data-test=add-proposal]").await;
        find(client, "[data-test=proposal-problem]")
            .await
            .send_keys(&format!("الساقية تحتاج إلى إصلاح قبل الصيف {i}"))
            .await
            .expect("type");
        find(client, "[data-test=proposal-solution]")
            .await
            .send_keys("تبطين الساقية")
            .await
            .expect("type");
        click(client, "[data-test=sector-chip][data-code=drinking_water]").await;
        add.push(
            in_page(
                client,
                "const t0 = performance.now();
                 q('[data-test=proposal-save]').click();
                 await when(() => n('[data-test=proposal]') === arguments[0]
                     && !q('[data-test=proposal-form]')
                     && q('[data-test=save-state]')?.dataset.state === 'saved');
                 await shown();
                 return performance.now() - t0;",
                vec![json!(before + 1)],
            )
            .await,
        );
    }
    // It is stored: after a reload the list has every one.
    client.refresh().await.expect("reload");
    click(client, "[data-test=tab-proposals]").await;
    wait_count(client, "[data-test=proposal]", PROPOSALS + RUNS).await;

    println!();
    println!(
        "Tachkhis client benchmark: a {PROPOSALS}-proposal session in headless Chromium, \
         800 × 1280, {RUNS} runs"
    );
    println!("{}", "-".repeat(110));
    summary(
        "app start (reload) to the session screen, 300 counted",
        cold,
    );
    summary("tap on the session card to its screen shown", open);
    summary("tap on Proposals to the first cards shown", first);
    summary("tap on Proposals to the 300 cards shown", list);
    summary(
        "tap on save to the new proposal confirmed (in IndexedDB)",
        add,
    );
    println!();
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to read.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let assets = assets_dir();
        let driver = Chromedriver::start().await;
        let tmp = tempfile::tempdir().expect("a temp folder");
        let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
        let (id, bytes) = session_file(PROPOSALS);
        let file = tmp.path().join("big-session.tachkhis");
        std::fs::write(&file, bytes).expect("write the session file");
        let profile = tmp.path().join("profile");
        std::fs::create_dir_all(&profile).expect("profile folder");
        let client = connect_browser(&driver, &profile).await;
        let started = std::time::Instant::now();
        bench(&client, &server.base(), &file, &id.to_string()).await;
        println!("total bench time: {:.1} s", started.elapsed().as_secs_f64());
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        server.stop().await;
    });
}

//! Order and time (issue 12): proposals in the order added (new ones last), one dragged to the
//! top with a finger (WebDriver touch actions, so real pointer events of type "touch"), the
//! order kept through a reload and on the server, the "by votes" view; and a tablet whose
//! clock is 10 minutes ahead told so after a sync, beside a tablet whose clock is right.

use std::time::Duration;

use fantoccini::Client;
use fantoccini::actions::{
    InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction, TouchActions,
};
use serde_json::{Value, json};

use crate::support::*;

const A: (&str, &str) = ("الطريق إلى الدوار مقطوعة في الشتاء", "تهيئة المسلك");
const B: (&str, &str) = ("لا يوجد ماء صالح للشرب في الصيف", "حفر بئر");
const C: (&str, &str) = ("غياب النقل المدرسي للفتيات", "حافلة للنقل المدرسي");

/// Run in the page before its own scripts: `Date` (and so `Date.now()`, which the app reads
/// through js-sys) 10 minutes ahead, as on a tablet whose clock was set by hand.
const CLOCK_AHEAD_10_MIN: &str = "(() => {
  const shift = 10 * 60 * 1000;
  const Real = Date;
  const realNow = Real.now.bind(Real);
  class Shifted extends Real {
    constructor(...args) { if (args.length === 0) { super(realNow() + shift); } else { super(...args); } }
    static now() { return realNow() + shift; }
  }
  globalThis.Date = Shifted;
})();";

/// The problems of the proposals on screen, top to bottom, each shortened to which one it is.
async fn shown_order(client: &Client) -> Vec<&'static str> {
    proposal_texts(client)
        .await
        .iter()
        .map(|t| {
            [("A", A.0), ("B", B.0), ("C", C.0)]
                .iter()
                .find(|(_, p)| t.contains(p))
                .map_or("?", |(name, _)| name)
        })
        .collect()
}

async fn wait_order(client: &Client, what: &str, expected: &[&str]) {
    wait_until(&format!("{what}: {expected:?}"), || async {
        (shown_order(client).await == expected).then_some(())
    })
    .await;
}

/// The rank numbers shown, top to bottom.
async fn shown_ranks(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for el in client
        .find_all(css("[data-test=proposal] [data-test=proposal-rank]"))
        .await
        .expect("rank badges")
    {
        out.push(el.text().await.expect("rank").trim().to_string());
    }
    out
}

/// The live proposals on the server, in its order (`ORDER BY rank DESC, id`), as A/B/C.
fn server_order(detail: &Value) -> Vec<&'static str> {
    detail["proposal_list"]
        .as_array()
        .expect("proposal_list")
        .iter()
        .filter(|p| p["deleted"] == Value::Bool(false))
        .map(|p| {
            let problem = p["problem"].as_str().unwrap_or_default();
            [("A", A.0), ("B", B.0), ("C", C.0)]
                .iter()
                .find(|(_, t)| *t == problem)
                .map_or("?", |(name, _)| name)
        })
        .collect()
}

fn card_of(id: &str) -> String {
    format!("[data-test=proposal][data-id='{id}']")
}

fn card(id: &str, part: &str) -> String {
    format!("{} {part}", card_of(id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_added_last_dragged_by_touch_and_sorted_by_votes() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let base = server.base();
    let profile = tmp.path().join("tablet");
    std::fs::create_dir_all(&profile)?;
    let client = connect_browser(&driver, &profile).await;
    let scenario = {
        let client = client.clone();
        async move {
            let c = &client;
            login(c, &base).await;
            let session = create_session(c, "women").await;
            click(c, "[data-test=tab-proposals]").await;

            // Added in this order, shown in this order: a new one comes last.
            for (problem, solution) in [A, B, C] {
                add_proposal(c, problem, solution, "roads").await;
            }
            wait_order(c, "in the order added", &["A", "B", "C"]).await;
            // Out of sight on a long list: the place it took is said.
            assert_eq!(
                attr(c, "[data-test=proposal-added]", "data-rank")
                    .await
                    .as_deref(),
                Some("3")
            );
            assert_eq!(shown_ranks(c).await, ["1", "2", "3"]);
            let (a, b, cc) = (
                proposal_id(c, A.0).await,
                proposal_id(c, B.0).await,
                proposal_id(c, C.0).await,
            );

            // C dragged to the top by its handle with a finger: down on the handle, a few
            // moves, lifted over the top of A's card; one gesture.
            scroll_to_middle(c, "[data-test=proposal-list]").await;
            let handle = find(c, &card(&cc, "[data-test=proposal-drag]")).await;
            let over_a = find(c, &card(&a, "[data-test=proposal-rank]")).await;
            let finger = TouchActions::new("finger".into())
                .then(PointerAction::MoveToElement {
                    element: handle,
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                })
                .then(PointerAction::Down { button: 0 })
                .then(PointerAction::MoveBy {
                    duration: Some(Duration::from_millis(100)),
                    x: 0.0,
                    y: -20.0,
                })
                .then(PointerAction::MoveBy {
                    duration: Some(Duration::from_millis(100)),
                    x: 0.0,
                    y: -60.0,
                })
                .then(PointerAction::MoveToElement {
                    element: over_a,
                    duration: Some(Duration::from_millis(200)),
                    x: 0.0,
                    y: 0.0,
                })
                .then(PointerAction::Up { button: 0 });
            c.perform_actions(finger).await?;
            c.release_actions().await?;
            wait_order(c, "C dragged to the top", &["C", "A", "B"]).await;
            wait_saved(c).await;
            assert_eq!(shown_ranks(c).await, ["1", "2", "3"]);
            assert_eq!(count(c, "[data-test=proposal].dragging").await, 0);
            assert_eq!(count(c, ".drop-before, .drop-after").await, 0);

            // With a mouse (or a pen) too, and seen mid-drag: A taken below B. The button
            // stays down between the two calls.
            let handle = find(c, &card(&a, "[data-test=proposal-drag]")).await;
            let below_b = find(c, &card(&b, "[data-test=proposal-votes]")).await;
            let mouse = MouseActions::new("mouse".into())
                .then(PointerAction::MoveToElement {
                    element: handle,
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::MoveBy {
                    duration: Some(Duration::from_millis(100)),
                    x: 0.0,
                    y: 40.0,
                })
                .then(PointerAction::MoveToElement {
                    element: below_b,
                    duration: Some(Duration::from_millis(200)),
                    x: 0.0,
                    y: 20.0,
                });
            c.perform_actions(mouse).await?;
            assert_eq!(
                attr(c, &card_of(&a), "class")
                    .await
                    .as_deref()
                    .map(|k| k.contains("dragging")),
                Some(true),
                "the card follows the pointer"
            );
            assert!(
                attr(c, &card_of(&b), "class")
                    .await
                    .unwrap_or_default()
                    .contains("drop-after"),
                "the line shows A will land below B"
            );
            screenshot(c, "order-dragging-ar-portrait.png").await;
            let lift = MouseActions::new("mouse".into()).then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
            c.perform_actions(lift).await?;
            c.release_actions().await?;
            wait_order(c, "A dragged to the end", &["C", "B", "A"]).await;
            wait_saved(c).await;
            assert_eq!(count(c, ".dragging, .drop-before, .drop-after").await, 0);

            // A finger dragged on a card's text (not its handle) moves nothing: it is the
            // list's scroll.
            let text = find(c, &card(&b, ".problem")).await;
            let swipe = TouchActions::new("swipe".into())
                .then(PointerAction::MoveToElement {
                    element: text,
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                })
                .then(PointerAction::Down { button: 0 })
                .then(PointerAction::MoveBy {
                    duration: Some(Duration::from_millis(150)),
                    x: 0.0,
                    y: -150.0,
                })
                .then(PointerAction::Up { button: 0 });
            c.perform_actions(swipe).await?;
            c.release_actions().await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(shown_order(c).await, ["C", "B", "A"], "a swipe is no drag");

            // The order survives a reload (it is in the document, in IndexedDB).
            c.refresh().await?;
            click(c, "[data-test=tab-proposals]").await;
            wait_order(c, "after a reload", &["C", "B", "A"]).await;

            // And reaches the server.
            sync_now(c).await;
            wait_attr(c, "[data-test=sync-state]", "data-state", "synced").await;
            let token = api_login(&base, USER).await;
            let detail = session_detail(&base, &token, &session).await;
            assert_eq!(server_order(&detail), ["C", "B", "A"], "{detail}");

            // Votes by show of hands: B 3, A 1, C none. The votes show beside the rank.
            for (id, times) in [(&b, 3), (&a, 1)] {
                for _ in 0..times {
                    click(c, &card(id, "[data-test=votes-plus]")).await;
                }
                wait_text(c, &card(id, "[data-test=votes-value]"), &times.to_string()).await;
                let badge = card(id, "[data-test=proposal-votes-badge]");
                wait_until(&format!("{badge} shows {times}"), || async {
                    let text = c.find(css(&badge)).await.ok()?.text().await.ok()?;
                    let text: String = text.split_whitespace().collect();
                    (text == format!("✋{times}")).then_some(())
                })
                .await;
            }
            wait_saved(c).await;
            screenshot(c, "order-proposals-ar-portrait.png").await;
            set_viewport(c, LANDSCAPE).await;
            screenshot(c, "order-proposals-ar-landscape.png").await;
            set_viewport(c, PORTRAIT).await;

            // The votes view: most votes first; each card keeps its rank number; nothing to
            // move there.
            click(c, "[data-test=view-votes]").await;
            wait_order(c, "by votes", &["B", "A", "C"]).await;
            assert_eq!(shown_ranks(c).await, ["2", "3", "1"]);
            assert_eq!(count(c, "[data-test=proposal-drag]").await, 0);
            assert_eq!(count(c, "[data-test=proposal-up]").await, 0);
            assert_eq!(
                attr(c, "[data-test=view-votes]", "aria-pressed")
                    .await
                    .as_deref(),
                Some("true")
            );
            screenshot(c, "order-votes-ar-portrait.png").await;
            set_viewport(c, LANDSCAPE).await;
            screenshot(c, "order-votes-ar-landscape.png").await;
            set_viewport(c, PORTRAIT).await;
            // A view only: the group's order is as it was, here and on the server.
            click(c, "[data-test=view-rank]").await;
            wait_order(c, "the group's order again", &["C", "B", "A"]).await;
            sync_now(c).await;
            wait_attr(c, "[data-test=sync-state]", "data-state", "synced").await;
            let detail = session_detail(&base, &token, &session).await;
            assert_eq!(server_order(&detail), ["C", "B", "A"], "{detail}");
            let votes: Vec<i64> = detail["proposal_list"]
                .as_array()
                .expect("proposal_list")
                .iter()
                .filter_map(|p| p["votes"].as_i64())
                .collect();
            assert_eq!(votes, [0, 3, 1], "{detail}");

            assert_no_csp_violations(c).await;
            Ok(())
        }
    };
    run_with_artefacts("order", &[("tablet", &client)], scenario).await
}

/// Waits until the home screen shows a successful sync (its time).
async fn wait_synced_once(client: &Client) {
    wait_until("a sync went through", || async {
        let text = client
            .find(css("[data-test=last-sync]"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.chars().any(|ch| ch.is_ascii_digit()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_clock_ten_minutes_ahead_is_told_at_sync() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let base = server.base();
    let ahead = open_tablet(&driver, tmp.path(), "ahead").await.client;
    let right = open_tablet(&driver, tmp.path(), "right").await.client;
    cdp(
        &ahead,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": CLOCK_AHEAD_10_MIN }),
    )
    .await?;
    let scenario = {
        let (ahead, right) = (ahead.clone(), right.clone());
        async move {
            for c in [&ahead, &right] {
                login(c, &base).await;
            }
            // The script is in the page: its clock is 10 minutes ahead of the test's.
            let skew = ahead
                .execute(
                    "return Date.now() - performance.timeOrigin - performance.now();",
                    vec![],
                )
                .await?
                .as_f64()
                .unwrap_or(0.0);
            assert!(
                (skew - 600_000.0).abs() < 5_000.0,
                "the page's clock is shifted: {skew} ms"
            );

            // A session whose date the facilitator types (a meeting of three days ago,
            // entered late): the date stays as typed whatever the clock.
            click(&ahead, "[data-test=new-session]").await;
            click(&ahead, "[data-test=pole-chip]").await;
            let douar = find(&ahead, "[data-test=douar-chip]").await;
            if douar.attr("aria-pressed").await?.as_deref() != Some("true") {
                douar.click().await?;
            }
            click(&ahead, "[data-test=group-chip][data-code=women]").await;
            let date = find(&ahead, "[data-test=session-date]").await;
            date.clear().await?;
            date.send_keys("28/11/2026\u{E004}").await?;
            wait_attr(&ahead, "[data-test=session-date]", "aria-invalid", "false").await;
            click(&ahead, "[data-test=create-session]").await;
            let session = wait_until("the session screen opens", || async {
                let url = ahead.current_url().await.ok()?;
                url.path().strip_prefix("/session/").map(str::to_string)
            })
            .await;
            click(&ahead, "[data-test=back]").await;

            for c in [&ahead, &right] {
                sync_now(c).await;
                wait_synced_once(c).await;
            }
            // Told on the home screen, with by how much and which way.
            find(&ahead, "[data-test=clock-notice]").await;
            assert_eq!(
                attr(&ahead, "[data-test=clock-notice]", "data-ahead")
                    .await
                    .as_deref(),
                Some("true")
            );
            assert_eq!(
                attr(&ahead, "[data-test=clock-notice]", "data-count")
                    .await
                    .as_deref(),
                Some("10")
            );
            assert_eq!(
                attr(&ahead, "[data-test=clock-notice]", "data-unit")
                    .await
                    .as_deref(),
                Some("Minutes")
            );
            let text = find(&ahead, "[data-test=clock-notice]")
                .await
                .text()
                .await?;
            assert!(
                text.contains("10") && text.contains("الإعدادات"),
                "says by how much and where to set it: {text}"
            );
            screenshot(&ahead, "order-clock-ar-portrait.png").await;
            // The right clock hears nothing.
            assert_eq!(count(&right, "[data-test=clock-notice]").await, 0);

            // The notice is the home screen's: the session screen stays as it was.
            click(
                &ahead,
                &format!("[data-test=session-card][data-id='{session}']"),
            )
            .await;
            find(&ahead, "[data-test=tab-attendance]").await;
            assert_eq!(count(&ahead, "[data-test=clock-notice]").await, 0);

            // In French too.
            click(&ahead, "[data-test=back]").await;
            click(&ahead, "[data-test=lang-switch]").await;
            wait_until("the notice in French", || async {
                let t = ahead
                    .find(css("[data-test=clock-notice]"))
                    .await
                    .ok()?
                    .text()
                    .await
                    .ok()?;
                // (Each number is a bidi isolate: "\u{2068}10\u{2069} minutes".)
                (t.contains("avance de")
                    && t.contains("10\u{2069} minutes")
                    && t.contains("Paramètres"))
                .then_some(())
            })
            .await;
            screenshot(&ahead, "order-clock-fr-portrait.png").await;

            // The date on the server is the one typed.
            let token = api_login(&base, USER).await;
            let detail = session_detail(&base, &token, &session).await;
            assert_eq!(detail["date"], "2026-11-28", "{detail}");
            assert_no_csp_violations(&ahead).await;
            Ok(())
        }
    };
    run_with_artefacts("clock", &[("ahead", &ahead), ("right", &right)], scenario).await
}

//! A session the server refuses (400 naming it: over the server's sync limits) beside one it
//! stores: the tablet says so in words on the card and in the session, offers the session's file
//! in one tap, does not send the refused one again (not on "sync now", not after a reload), and
//! sends it again once it is edited or the facilitator asks.

use std::path::Path;

use fantoccini::Client;
use serde_json::{Value, json};
use tachkhis_shared::sync::guard::Limits;
use uuid::Uuid;

use crate::support::*;

/// Items a sync message's columns may decode to on this server. Measured with
/// `guard::check`: a session with one proposal, ~500; 40 proposals, ~5,000; with 20,000
/// characters of notes as well (one operation per character), ~210,000.
const MAX_COLUMN_ITEMS: u64 = 20_000;

const SMALL: (&str, &str) = ("البئر جافة في الصيف", "تعميق البئر");

const AR: &str = include_str!("../../client/i18n/ar.json");
const FR: &str = include_str!("../../client/i18n/fr.json");

fn text(catalogue: &str, key: &str) -> String {
    let map: Value = serde_json::from_str(catalogue).expect("a catalogue");
    map[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in the catalogue"))
        .to_string()
}

/// Records the body of every sync request the page makes (hex, in `localStorage`, so reloads
/// keep the record); installed in every new document before the app's own script runs.
const RECORDER: &str = r#"
(() => {
  const key = 'tachkhisTestSyncBodies';
  const original = window.fetch.bind(window);
  window.fetch = function (input, init) {
    try {
      if (input instanceof Request && input.method === 'POST'
          && new URL(input.url).pathname === '/api/sync') {
        input.clone().arrayBuffer().then((buffer) => {
          const hex = Array.from(new Uint8Array(buffer),
            (b) => b.toString(16).padStart(2, '0')).join('');
          const list = JSON.parse(localStorage.getItem(key) || '[]');
          list.push(hex);
          localStorage.setItem(key, JSON.stringify(list));
        });
      }
    } catch (_) {}
    return original(input, init);
  };
})();
"#;

/// The bodies of the sync requests made so far.
async fn sync_requests(client: &Client) -> Vec<String> {
    let value = client
        .execute(
            "return localStorage.getItem('tachkhisTestSyncBodies') || '[]';",
            vec![],
        )
        .await
        .expect("read the record");
    serde_json::from_str(value.as_str().unwrap_or("[]")).expect("the record")
}

/// How many of `requests` carry session `id` (the batch names each session by its 16 bytes).
fn naming(requests: &[String], id: Uuid) -> usize {
    let hex: String = id.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    requests.iter().filter(|body| body.contains(&hex)).count()
}

/// Waits until a sync request beyond the first `before` is made and the run is over; returns
/// every request so far.
async fn run_done(client: &Client, before: usize) -> Vec<String> {
    wait_until("a sync run is made and ends", || async {
        let requests = sync_requests(client).await;
        if requests.len() <= before {
            return None;
        }
        let button = client.find(css("[data-test=sync-now]")).await.ok()?;
        button
            .attr("disabled")
            .await
            .ok()?
            .is_none()
            .then_some(())?;
        Some(requests)
    })
    .await
}

/// A session from another tablet, too big for this server: 40 proposals and long notes.
fn big_session_file(dir: &Path) -> (Uuid, std::path::PathBuf) {
    use tachkhis_shared::bundle;
    use tachkhis_shared::session::EditCtx;

    let (id, bytes) = session_file(40);
    let mut sessions = bundle::read_sessions(&bytes).expect("the session file");
    let mut doc = sessions.remove(0).doc;
    let notes = "تحدثت النساء طويلًا عن الماء والطريق والمدرسة. ".repeat(400);
    assert!(notes.chars().count() > 18_000);
    doc.set_notes(&notes, &EditCtx::new("facilitator", 1_657_900_000_000))
        .expect("notes");
    let file = dir.join("big.tachkhis");
    std::fs::write(
        &file,
        bundle::encode(&[bundle::Entry {
            id,
            doc: doc.save(),
        }]),
    )
    .expect("write the file");
    (id, file)
}

/// The session ids the server lists.
async fn server_sessions(base: &str, token: &str) -> Vec<String> {
    let list: Value = reqwest::Client::new()
        .get(format!("{base}/api/sessions"))
        .bearer_auth(token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("the server's sessions")
        .json()
        .await
        .expect("a list");
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect()
}

async fn scroll_to(client: &Client, selector: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
            vec![json!(selector)],
        )
        .await
        .expect("scroll");
}

/// The refusal's words in `catalogue` are on screen in `notice`.
async fn check_words(client: &Client, notice: &str, catalogue: &str) {
    let title = text(catalogue, "refused.title");
    wait_text(
        client,
        &format!("{notice} [data-test=refused-title]"),
        &title,
    )
    .await;
    let shown = find(client, notice).await.text().await.expect("the notice");
    for key in [
        "refused.text",
        "refused.when",
        "refused.export",
        "refused.retry",
    ] {
        let words = text(catalogue, key);
        assert!(shown.contains(&words), "{key}: {words:?} not in {shown:?}");
    }
    for code in ["400", "4xx", "bad_sync", "HTTP"] {
        assert!(
            !shown.contains(code),
            "{code} shown to the facilitator: {shown:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_session_is_set_aside_in_words_with_its_export() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let server = Server::start_with(&db_path, &assets, 0, |config| {
        config.sync_limits = Limits {
            max_column_items: MAX_COLUMN_ITEMS,
            ..Limits::default()
        };
    })
    .await;
    let tablet = open_tablet(&driver, tmp.path(), "tablet").await;
    let (big, big_file) = big_session_file(tmp.path());
    let client = tablet.client.clone();
    let scenario = async move {
        let c = &tablet.client;
        let base = server.base();
        cdp(
            c,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": RECORDER }),
        )
        .await?;
        login(c, &base).await;
        let token = api_login(&base, USER).await;

        // A small session made here, and a big one from another tablet's file; the import
        // starts a sync.
        let small: Uuid = create_session(c, "men").await.parse()?;
        click(c, "[data-test=tab-proposals]").await;
        add_proposal(c, SMALL.0, SMALL.1, "drinking_water").await;
        click(c, "[data-test=back]").await;
        assert_eq!(import_file(c, &big_file).await, (1, 0, 0));

        // The server stores the small one and refuses the big one; the tablet says which.
        let card = |id: Uuid| format!("[data-test=session-card][data-id='{id}']");
        let notice = format!("[data-test=refused-notice][data-id='{big}']");
        wait_attr(
            c,
            &format!("{} [data-test=sync-state]", card(small)),
            "data-state",
            "synced",
        )
        .await;
        find(c, &notice).await;
        wait_attr(
            c,
            &format!("{} [data-test=sync-state]", card(big)),
            "data-sync",
            "refused",
        )
        .await;
        let on_server = server_sessions(&base, &token).await;
        assert!(on_server.contains(&small.to_string()), "{on_server:?}");
        assert!(!on_server.contains(&big.to_string()), "{on_server:?}");
        assert_eq!(
            live_problems(&session_detail(&base, &token, &small.to_string()).await),
            [SMALL.0]
        );
        assert_eq!(count(c, "[data-test=refused-notice]").await, 1);
        wait_attr(c, "[data-test=refused-count]", "data-count", "1").await;
        wait_attr(c, "[data-test=pending-count]", "data-count", "0").await;

        // Its words, in Arabic, then in French; never an HTTP code.
        let badge = find(c, &format!("{} [data-test=sync-state]", card(big)))
            .await
            .text()
            .await?;
        assert!(badge.contains(&text(AR, "sync.refused")), "{badge:?}");
        check_words(c, &notice, AR).await;
        scroll_to(c, &notice).await;
        screenshot(c, "refused-home-ar.png").await;
        click(c, "[data-test=lang-switch]").await;
        check_words(c, &notice, FR).await;
        scroll_to(c, &notice).await;
        screenshot(c, "refused-home-fr.png").await;
        click(c, "[data-test=lang-switch]").await;
        check_words(c, &notice, AR).await;

        // One tap gives the refused session's file, as another tablet or the office reads it.
        click(c, &format!("{notice} [data-test=refused-export]")).await;
        let file = downloaded(&tablet.downloads).await;
        let sessions = tachkhis_shared::bundle::read_sessions(&std::fs::read(&file)?)?;
        assert_eq!(sessions.iter().map(|s| s.id).collect::<Vec<_>>(), [big]);
        find(c, &format!("{notice} [data-test=refused-export-said]")).await;

        // It was sent (and refused); "sync now" sends the other one, not it.
        let requests = sync_requests(c).await;
        let refused_sends = naming(&requests, big);
        assert!(refused_sends >= 1, "the big session was never sent");
        let small_sends = naming(&requests, small);
        sync_now(c).await;
        let requests = run_done(c, requests.len()).await;
        assert!(
            naming(&requests, small) > small_sends,
            "the small one is synced as usual"
        );
        assert_eq!(
            naming(&requests, big),
            refused_sends,
            "sent again on sync now"
        );

        // Nor after a reload: the refusal is kept on the tablet.
        let before = requests.len();
        c.refresh().await?;
        find(c, &notice).await;
        let requests = run_done(c, before).await;
        assert_eq!(
            naming(&requests, big),
            refused_sends,
            "sent again after a reload"
        );
        wait_attr(
            c,
            &format!("{} [data-test=sync-state]", card(big)),
            "data-sync",
            "refused",
        )
        .await;

        // In the session itself: the same words and the export.
        open_session(c, &big.to_string()).await;
        let in_session = "[data-test=refused-notice]";
        check_words(c, in_session, AR).await;
        find(c, &format!("{in_session} [data-test=refused-export]")).await;
        screenshot(c, "refused-session-ar.png").await;

        // An edit may make it acceptable: it is no longer said refused, and is sent again.
        count_people(c, "men", 1).await;
        wait_count(c, in_session, 0).await;
        wait_attr(c, "[data-test=sync-state]", "data-sync", "local").await;
        let before = sync_requests(c).await.len();
        sync_now(c).await;
        let requests = run_done(c, before).await;
        assert!(
            naming(&requests, big) > refused_sends,
            "not sent after an edit"
        );
        // Still too big: refused again, and said so.
        find(c, in_session).await;
        let refused_sends = naming(&requests, big);

        // "Try again" sends it once more.
        let before = requests.len();
        click(c, &format!("{in_session} [data-test=refused-retry]")).await;
        let requests = run_done(c, before).await;
        assert!(
            naming(&requests, big) > refused_sends,
            "not sent on try again"
        );
        find(c, in_session).await;
        let on_server = server_sessions(&base, &token).await;
        assert!(!on_server.contains(&big.to_string()), "{on_server:?}");

        server.stop().await;
        Ok(())
    };
    run_with_artefacts("refused", &[("tablet", &client)], scenario).await
}

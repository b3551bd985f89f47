//! An app update reaches a tablet that holds sessions (one sent, one not yet): the new service
//! worker takes over, and every session is still there, editable, and syncs.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::Value;

use crate::support::*;

const SENT: (&str, &str) = ("المستوصف بدون طبيب", "تعيين طبيب قار");
const UNSENT: (&str, &str) = (
    "Les femmes n'ont pas d'atelier",
    "Ouvrir un atelier de couture",
);
const AFTER: (&str, &str) = ("لا توجد حاويات للنفايات", "توزيع حاويات");

/// Copies the bundle and gives it a new build id, as a release would: the service worker's
/// cache name changes, and so its bytes (what makes the browser install it). Returns the new id.
fn new_release(from: &Path, to: &Path) -> (String, String) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("create a folder of the new release");
        for entry in std::fs::read_dir(from).expect("list the bundle") {
            let entry = entry.expect("bundle entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("file type").is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy the bundle");
            }
        }
    }
    copy(from, to);
    let sw = std::fs::read_to_string(to.join("sw.js")).expect("sw.js");
    let prefix = "const CACHE = 'tachkhis-shell-";
    let start = sw.find(prefix).expect("the cache name in sw.js") + prefix.len();
    let old = sw[start..]
        .split('\'')
        .next()
        .expect("the build id")
        .to_string();
    assert!(
        !old.is_empty() && old != "__BUILD_ID__",
        "the bundle's sw.js has a build id"
    );
    let new = format!("{old}next");
    std::fs::write(to.join("sw.js"), sw.replace(&old, &new)).expect("write sw.js");
    // The build wrote sw.js.br and .gz from the old bytes; without them the server compresses
    // the new sw.js itself (a real release writes them anew).
    for packed in ["sw.js.br", "sw.js.gz"] {
        match std::fs::remove_file(to.join(packed)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("remove {packed}: {e}"),
            _ => {}
        }
    }
    (old, new)
}

/// The names of the page's Cache Storage caches.
async fn cache_names(client: &Client) -> Option<Vec<String>> {
    let names = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             caches.keys().then(done, () => done(null));",
            vec![],
        )
        .await
        .ok()?;
    serde_json::from_value(names).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_update_keeps_stored_sessions() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let (old_id, new_id) = new_release(&assets, &tmp.path().join("release-2"));
    let release_2 = tmp.path().join("release-2");
    let server = Server::start(&db_path, &assets, 0).await;
    let tablet = open_tablet(&driver, tmp.path(), "tablet").await;
    let client = tablet.client.clone();
    let scenario = async move {
        let c = &tablet.client;
        let base = server.base();
        let port = server.port;
        login(c, &base).await;

        // One session sent to the server…
        let sent = create_session(c, "women").await;
        count_people(c, "women", 4).await;
        click(c, "[data-test=tab-proposals]").await;
        add_proposal(c, SENT.0, SENT.1, "health").await;
        sync_now(c).await;
        wait_attr(
            c,
            ".session-status [data-test=sync-state]",
            "data-state",
            "synced",
        )
        .await;
        wait_service_worker(c).await;
        let old_cache = format!("tachkhis-shell-{old_id}");
        wait_until("the shell is cached by the first release", || async {
            (cache_names(c).await? == [old_cache.clone()]).then_some(())
        })
        .await;

        // …and one made with no network, not sent yet.
        server.stop().await;
        click(c, "[data-test=back]").await;
        let unsent = create_session(c, "mixed").await;
        click(c, "[data-test=tab-proposals]").await;
        add_proposal(c, UNSENT.0, UNSENT.1, "economy").await;

        // The new release is served. A reload lets the browser look for a new service worker
        // (it does so about a second after a navigation, and each navigation puts that off:
        // reloads come every few seconds, as a person's would).
        let server = Server::start(&db_path, &release_2, port).await;
        let new_cache = format!("tachkhis-shell-{new_id}");
        let last_reload = std::sync::Mutex::new(None::<Instant>);
        wait_until(
            "the new release's service worker controls the page",
            || async {
                let due = last_reload
                    .lock()
                    .expect("reload time")
                    .is_none_or(|at| at.elapsed() > Duration::from_secs(4));
                if due {
                    c.refresh().await.ok()?;
                    *last_reload.lock().expect("reload time") = Some(Instant::now());
                }
                let controlled = c
                    .execute(
                        "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
                        vec![],
                    )
                    .await
                    .ok()?
                    == Value::Bool(true);
                (controlled && cache_names(c).await? == [new_cache.clone()]).then_some(())
            },
        )
        .await;

        // Both sessions are there as they were; the one not sent yet goes now (the app syncs
        // when it starts and the server answers).
        c.goto(&format!("{base}/")).await?;
        wait_count(c, "[data-test=session-card]", 2).await;
        for id in [&sent, &unsent] {
            wait_attr(
                c,
                &format!("[data-test=session-card][data-id='{id}'] [data-test=sync-state]"),
                "data-state",
                "synced",
            )
            .await;
        }
        open_session(c, &sent).await;
        assert_eq!(attendance_value(c, "women").await, "4");
        click(c, "[data-test=tab-proposals]").await;
        wait_count(c, "[data-test=proposal]", 1).await;
        assert!(proposal_texts(c).await[0].contains(SENT.0));

        // Still editable, and everything goes to the server.
        click(c, "[data-test=back]").await;
        open_session(c, &unsent).await;
        click(c, "[data-test=tab-proposals]").await;
        wait_count(c, "[data-test=proposal]", 1).await;
        add_proposal(c, AFTER.0, AFTER.1, "environment").await;
        sync_now(c).await;
        wait_attr(
            c,
            ".session-status [data-test=sync-state]",
            "data-state",
            "synced",
        )
        .await;
        let token = api_login(&base, OFFICE).await;
        let mut expected = vec![UNSENT.0.to_string(), AFTER.0.to_string()];
        expected.sort();
        assert_eq!(
            live_problems(&session_detail(&base, &token, &unsent).await),
            expected
        );
        assert_eq!(
            live_problems(&session_detail(&base, &token, &sent).await),
            [SENT.0]
        );
        screenshot(c, "after-update-ar.png").await;
        server.stop().await;
        Ok(())
    };
    run_with_artefacts("update", &[("tablet", &client)], scenario).await
}

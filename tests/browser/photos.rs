//! Photos of the meeting (issue 11) on two tablets: taken offline on both through the capture
//! and gallery inputs (a 12-megapixel JPEG made by the browser itself), the caption typed
//! before the camera kept through the browser being killed (a reload), made small on the
//! tablet, uploaded after sync over a slowed link, a cut mid-upload and the resume (counting
//! the bytes sent again), a reload while uploading, the full copy freed once the server has it
//! (the thumbnail kept); the session file carrying photos to the other tablet, and a file of
//! the old format still importing.

use std::path::Path;

use fantoccini::Client;
use serde_json::{Value, json};

use crate::support::*;

/// The tablet's upload chunk (`client/src/model/photos.rs`).
const CHUNK: u64 = 32 * 1024;

/// Logs every photo chunk the page sends (`window.__puts`: `[offset, total]`), by wrapping
/// `fetch` (the app's own requests go through it).
async fn log_puts(client: &Client) {
    client
        .execute(
            r#"
            if (!window.__puts) {
                window.__puts = [];
                const f = window.fetch;
                window.fetch = function (req, init) {
                    const url = typeof req === 'string' ? req : req.url;
                    const method = (init && init.method) || (req && req.method) || 'GET';
                    if (method === 'PUT' && url.includes('/api/photos/')) {
                        const q = new URL(url, location.href).searchParams;
                        window.__puts.push([Number(q.get('offset')), Number(q.get('total'))]);
                    }
                    return f.apply(this, arguments);
                };
            }
            "#,
            vec![],
        )
        .await
        .expect("log the uploads");
}

async fn puts(client: &Client) -> Vec<(u64, u64)> {
    let v = client
        .execute("return window.__puts || [];", vec![])
        .await
        .expect("read the upload log");
    v.as_array()
        .expect("a list")
        .iter()
        .map(|p| (p[0].as_u64().unwrap(), p[1].as_u64().unwrap()))
        .collect()
}

/// Bytes a list of chunk requests carried.
fn bytes_of(puts: &[(u64, u64)]) -> u64 {
    puts.iter().map(|(o, t)| CHUNK.min(t - o)).sum()
}

/// Network conditions of the tablet (Chrome DevTools): offline, or a link of `up` bytes a
/// second (`None`: no limit).
async fn network(client: &Client, offline: bool, up: Option<u64>) {
    cdp(client, "Network.enable", json!({}))
        .await
        .expect("network domain");
    cdp(
        client,
        "Network.emulateNetworkConditions",
        json!({
            "offline": offline,
            // A long round trip besides the rate: each chunk is in flight for seconds, so the
            // cut lands in the middle of one whatever the machine's speed.
            "latency": if up.is_some() { 800 } else { 0 },
            "downloadThroughput": up.map_or(-1.0, |b| (b * 2) as f64),
            "uploadThroughput": up.map_or(-1.0, |b| b as f64),
        }),
    )
    .await
    .expect("network conditions");
}

/// On the session's photos tab: picks `kind`, gives `file` to the input `input` (camera or
/// gallery) and waits until the photo is on the screen and stored.
async fn take_photo(client: &Client, input: &str, kind: &str, file: &Path, expect: usize) {
    click(client, &format!("[data-test=photo-kind][data-code={kind}]")).await;
    find(client, &format!("[data-test={input}]"))
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("pick the photo");
    wait_count(client, "[data-test=photo]", expect).await;
    wait_saved(client).await;
    find(client, "[data-test=photo-thumb]").await;
}

/// The photo's entries in the tablet's IndexedDB: (full copies, thumbnails).
async fn stored_photos(client: &Client) -> (u64, u64) {
    let v = client
        .execute_async(
            r#"
            const done = arguments[0];
            const open = indexedDB.open('tachkhis');
            open.onsuccess = () => {
                const db = open.result;
                const tx = db.transaction(['photos', 'thumbs'], 'readonly');
                const a = tx.objectStore('photos').count();
                const b = tx.objectStore('thumbs').count();
                tx.oncomplete = () => { done([a.result, b.result]); db.close(); };
            };
            open.onerror = () => done(null);
            "#,
            vec![],
        )
        .await
        .expect("read IndexedDB");
    (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
}

async fn server_photos(base: &str, token: &str, session: &str) -> Vec<Value> {
    reqwest::Client::new()
        .get(format!("{base}/api/sessions/{session}/photos"))
        .bearer_auth(token)
        .send()
        .await
        .expect("photos of the session")
        .json::<Vec<Value>>()
        .await
        .unwrap_or_default()
}

/// Taps "sync now" if no run is going; coming back online starts one by itself.
async fn sync_soon(client: &Client) {
    if let Ok(button) = client.find(css("[data-test=sync-now]")).await
        && button.attr("disabled").await.ok().flatten().is_none()
    {
        let _ = button.click().await;
    }
}

async fn wait_waiting(client: &Client, n: &str) {
    wait_attr(client, "[data-test=photo-status]", "data-waiting", n).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_taken_offline_on_two_tablets_upload_resume_and_are_freed() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let a = open_tablet(&driver, tmp.path(), "a").await;
    let b = open_tablet(&driver, tmp.path(), "b").await;
    let (a_client, b_client) = (a.client.clone(), b.client.clone());
    let dir = tmp.path().to_path_buf();
    let scenario = async move {
        let (ca, cb) = (&a.client, &b.client);
        let base = server.base();
        for client in [ca, cb] {
            login(client, &base).await;
            wait_service_worker(client).await;
        }
        // One session on both tablets (by its file), before anyone goes offline.
        let session = create_session(ca, "women").await;
        click(ca, "[data-test=back]").await;
        click(ca, "[data-test=export-all]").await;
        let file = downloaded(&a.downloads).await;
        assert_eq!(import_file(cb, &file).await, (1, 0, 0));

        // Offline, a 12-megapixel photo on each: the flip-chart from A's camera, the
        // attendance sheet (upright) from B's gallery.
        let photo_a = make_jpeg(ca, 4000, 3000, 1, &dir.join("a.jpg")).await;
        let photo_b = make_jpeg(cb, 3000, 4000, 2, &dir.join("b.jpg")).await;
        for client in [ca, cb] {
            network(client, true, None).await;
            open_session(client, &session).await;
            click(client, "[data-test=tab-photos]").await;
        }
        // A types the caption, then Android kills the browser while the camera is open (a
        // reload, offline): the app comes back to the session's Photos tab, caption and kind
        // as they were.
        const CAPTION: &str = "لوحة حاجيات الدوار";
        click(ca, "[data-test=photo-kind][data-code=flip_chart]").await;
        find(ca, "[data-test=photo-caption]")
            .await
            .send_keys(CAPTION)
            .await?;
        ca.refresh().await?;
        let caption = find(ca, "[data-test=photo-caption]").await;
        assert_eq!(caption.prop("value").await?.as_deref(), Some(CAPTION));
        assert!(ca.current_url().await?.path().ends_with(&session));
        take_photo(ca, "photo-camera", "flip_chart", &photo_a, 1).await;
        let kept = find(ca, "[data-test=photo-card-caption]").await;
        assert_eq!(kept.prop("value").await?.as_deref(), Some(CAPTION));
        take_photo(cb, "photo-gallery", "attendance_sheet", &photo_b, 1).await;
        wait_waiting(ca, "1").await;
        wait_waiting(cb, "1").await;
        assert_eq!(stored_photos(ca).await, (1, 1));

        // B comes back on a slow link; the link is cut after its second chunk left.
        network(cb, false, Some(16 * 1024)).await;
        log_puts(cb).await;
        sync_soon(cb).await;
        let before_cut = wait_until("two chunks are on their way", || async {
            let p = puts(cb).await;
            (p.len() >= 2).then_some(p)
        })
        .await;
        network(cb, true, None).await;
        find(cb, "[data-test=photo-problem]").await;
        wait_waiting(cb, "1").await;
        let cut_at = puts(cb).await.len();
        // Back, at full speed: the upload goes on from where the server stands.
        network(cb, false, None).await;
        sync_soon(cb).await;
        wait_waiting(cb, "0").await;
        let all = puts(cb).await;
        let total = all[0].1;
        let sent = bytes_of(&all);
        let again = sent - total;
        eprintln!(
            "photo of {total} B (12 MP JPEG made small on the tablet): {} chunk requests, {cut_at} before the cut ({} B), {sent} B sent in all, {again} B sent again",
            all.len(),
            bytes_of(&before_cut)
        );
        assert!(
            again <= CHUNK,
            "at most one chunk sent again, not {again} B"
        );
        assert!(total <= 300 * 1024 + 64 * 1024, "a photo of {total} B");
        // Acknowledged: the full copy is freed, the thumbnail stays.
        assert_eq!(stored_photos(cb).await, (0, 1));
        find(cb, "[data-test=photo-thumb]").await;

        // A reloads in the middle of its upload; after the reload it finishes.
        network(ca, false, Some(16 * 1024)).await;
        log_puts(ca).await;
        sync_soon(ca).await;
        wait_until("A's upload has started", || async {
            (!puts(ca).await.is_empty()).then_some(())
        })
        .await;
        ca.refresh().await?;
        network(ca, false, None).await;
        find(ca, "[data-test=tab-photos]").await;
        click(ca, "[data-test=tab-photos]").await;
        sync_soon(ca).await;
        wait_waiting(ca, "0").await;
        assert_eq!(stored_photos(ca).await, (0, 1));

        // The server holds both, served to the office; each tablet, after a sync, names both.
        let office = api_login(&base, OFFICE).await;
        let on_server = server_photos(&base, &office, &session).await;
        assert_eq!(on_server.len(), 2, "{on_server:?}");
        assert!(
            on_server.iter().all(|p| p["stored"] == true),
            "{on_server:?}"
        );
        let kinds: Vec<&str> = on_server
            .iter()
            .map(|p| p["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"flip_chart") && kinds.contains(&"attendance_sheet"));
        let facilitator = api_login(&base, USER).await;
        let r = reqwest::Client::new()
            .get(format!(
                "{base}/api/photos/{}",
                on_server[0]["hash"].as_str().unwrap()
            ))
            .bearer_auth(&facilitator)
            .send()
            .await?;
        assert_eq!(
            r.status(),
            403,
            "a facilitator sees photos only on their own tablet"
        );
        sync_now(cb).await;
        wait_count(cb, "[data-test=photo]", 2).await;
        // A's photo is not on B: B says where it is.
        find(cb, "[data-test=photo-elsewhere]").await;
        screenshot(cb, "photos-tab-ar.png").await;
        Ok(())
    };
    run_with_artefacts("photos", &[("a", &a_client), ("b", &b_client)], scenario).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_file_carries_photos_and_an_old_file_still_imports() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let a = open_tablet(&driver, tmp.path(), "a").await;
    let b = open_tablet(&driver, tmp.path(), "b").await;
    let (a_client, b_client) = (a.client.clone(), b.client.clone());
    let dir = tmp.path().to_path_buf();
    let scenario = async move {
        let (ca, cb) = (&a.client, &b.client);
        let base = server.base();
        for client in [ca, cb] {
            login(client, &base).await;
            wait_service_worker(client).await;
            network(client, true, None).await;
        }
        // A file of the first format (no photos), as an older app wrote it, still imports.
        let (old_id, old_bytes) = session_file(3);
        assert_eq!(old_bytes[8], b'1');
        let old = dir.join("old.tachkhis");
        std::fs::write(&old, &old_bytes)?;
        assert_eq!(import_file(cb, &old).await, (1, 0, 0));
        find(cb, &format!("[data-test=session-card][data-id='{old_id}']")).await;

        // A photo taken offline on A travels in the session file to B.
        let session = create_session(ca, "youth").await;
        click(ca, "[data-test=tab-photos]").await;
        let photo = make_jpeg(ca, 4000, 3000, 3, &dir.join("p.jpg")).await;
        take_photo(ca, "photo-camera", "meeting", &photo, 1).await;
        click(ca, "[data-test=back]").await;
        click(ca, "[data-test=export-all]").await;
        let file = downloaded(&a.downloads).await;
        let bytes = std::fs::read(&file)?;
        assert_eq!(bytes[8], b'2', "a file with photos is of format 2");
        let (_, photos) = tachkhis_shared::bundle::read_file(&bytes)?;
        assert_eq!(photos.len(), 1);
        // A fresh home screen (the first import's report goes with the page).
        open_session(cb, &old_id.to_string()).await;
        click(cb, "[data-test=back]").await;
        assert_eq!(import_file(cb, &file).await, (1, 0, 0));
        open_session(cb, &session).await;
        click(cb, "[data-test=tab-photos]").await;
        wait_count(cb, "[data-test=photo]", 1).await;
        find(cb, "[data-test=photo-thumb]").await;
        // The full copy, and a thumbnail made on import.
        assert_eq!(stored_photos(cb).await, (1, 1));
        // B sends it (A never went online): the server has it from B.
        network(cb, false, None).await;
        sync_soon(cb).await;
        wait_waiting(cb, "0").await;
        let office = api_login(&base, OFFICE).await;
        let on_server = server_photos(&base, &office, &session).await;
        assert_eq!(on_server.len(), 1);
        assert_eq!(on_server[0]["stored"], true);
        assert_eq!(on_server[0]["hash"].as_str(), Some(photos[0].hash.as_str()));
        // Freed once the server has it; the thumbnail stays on screen.
        assert_eq!(stored_photos(cb).await, (0, 1));
        find(cb, "[data-test=photo-thumb]").await;
        Ok(())
    };
    run_with_artefacts(
        "photo-files",
        &[("a", &a_client), ("b", &b_client)],
        scenario,
    )
    .await
}

/// Logs `user` in on a fresh browser and waits for the office's proposals table.
async fn office_login(client: &Client, base: &str, user: &str) {
    client.goto(&format!("{base}/")).await.expect("the app");
    find(client, "[data-test=login-username]")
        .await
        .send_keys(user)
        .await
        .expect("type");
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await
        .expect("type");
    click(client, "[data-test=login-submit]").await;
    // The committee lands on the opinions (issue 14): the proposals are one click away.
    find(client, "[data-test=office]").await;
    click(client, "[data-test=nav-proposals]").await;
    wait_count(client, "[data-test=proposal-row]", 1).await;
}

/// The office sees a session's photos beside its proposals, full size on a tap; the committee,
/// which reads the proposals, does not see them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_sees_a_sessions_photos_the_committee_does_not() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let office = connect_browser(&driver, &tmp.path().join("office")).await;
    let committee = connect_browser(&driver, &tmp.path().join("committee")).await;
    let (o, c) = (office.clone(), committee.clone());
    let dir = tmp.path().to_path_buf();
    let scenario = async move {
        let base = server.base();
        // A session with a proposal and an 800 × 600 photo, synced and uploaded by a
        // simulated tablet.
        o.goto(&format!("{base}/login")).await?;
        let jpeg = std::fs::read(make_jpeg(&o, 800, 600, 5, &dir.join("m.jpg")).await)?;
        let hash = tachkhis_shared::bundle::photo_hash(&jpeg);
        let token = api_login(&base, USER).await;
        let mut tablet = crate::helpers::Tablet::new(USER);
        let session = tablet.new_session();
        tablet.add_proposal(session, "الطريق مقطوعة");
        let ctx = tablet.ctx();
        tablet.doc(session).add_photo(
            &tachkhis_shared::session::PhotoInput {
                hash: hash.clone(),
                kind: tachkhis_shared::PhotoKind::AttendanceSheet,
                caption: "ورقة الحضور".into(),
                bytes: jpeg.len() as u64,
                mime: "image/jpeg".into(),
            },
            &ctx,
        )?;
        let http = reqwest::Client::new();
        tablet
            .sync_with(&mut crate::helpers::HttpTransport {
                http: http.clone(),
                url: format!("{base}/api/sync"),
                token: token.clone(),
            })
            .await
            .expect("sync");
        for (i, chunk) in jpeg.chunks(CHUNK as usize).enumerate() {
            let r = http
                .put(format!(
                    "{base}/api/photos/{hash}?offset={}&total={}",
                    i * CHUNK as usize,
                    jpeg.len()
                ))
                .bearer_auth(&token)
                .body(chunk.to_vec())
                .send()
                .await?;
            assert_eq!(r.status(), 200);
        }

        office_login(&o, &base, OFFICE).await;
        click(&o, "[data-test=proposal-row] .cell-link").await;
        find(&o, "[data-test=session-filter]").await;
        let img = find(
            &o,
            "[data-test=session-photos] [data-test=office-photo-img]",
        )
        .await;
        img.click().await?;
        find(&o, "[data-test=photo-full]").await;
        let width = wait_until("the full photo is shown", || async {
            let v = o
                .execute(
                    "const i = document.querySelector('[data-test=photo-full] img'); return i && i.complete ? i.naturalWidth : 0;",
                    vec![],
                )
                .await
                .ok()?;
            v.as_u64().filter(|w| *w > 0)
        })
        .await;
        assert_eq!(width, 800);
        screenshot(&o, "office-photo-full-ar.png").await;
        assert_no_csp_violations(&o).await;

        office_login(&c, &base, "committee").await;
        click(&c, "[data-test=proposal-row] .cell-link").await;
        find(&c, "[data-test=session-filter]").await;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert_eq!(count(&c, "[data-test=session-photos]").await, 0);
        Ok(())
    };
    run_with_artefacts(
        "office-photos",
        &[("office", &office), ("committee", &committee)],
        scenario,
    )
    .await
}

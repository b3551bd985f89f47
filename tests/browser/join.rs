//! Joining by the small code (issue 12): tablet A holds a session of 60 proposals and shows its
//! join code (the session's first change only); the code is read off A's screen (the SVG's
//! modules) and becomes what B's camera sees: Chromium's fake camera plays a video of it
//! (`--use-file-for-fake-video-capture`), and headless Chromium has no `BarcodeDetector`, so
//! B's scan screen reads the frames with the app's own decoder. B then edits the same
//! document: after both sync, the server has one session with 61 proposals. Along the way: A
//! scans a *photo* of its own join code (the photo input, same decoder) and nothing changes,
//! and a session file of format 1 written before join codes still imports.

use std::path::{Path, PathBuf};

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

use crate::support::*;

const B_PROPOSAL: (&str, &str) = ("لا توجد إنارة عمومية في الدوار", "تركيب أعمدة شمسية");

/// The dark modules of the QR code on screen, as runs `(x, y, width)` in modules (quiet zone
/// included), with the side of the SVG's box and the code's version.
async fn qr_on_screen(client: &Client) -> (Vec<(u32, u32, u32)>, u32, u32) {
    let svg = "[data-test=share-qr] svg";
    let view_box = attr(client, svg, "viewBox").await.expect("a viewBox");
    let side: u32 = view_box
        .split_whitespace()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .expect("the box's side");
    let version: u32 = attr(client, svg, "data-version")
        .await
        .and_then(|v| v.parse().ok())
        .expect("the QR version");
    let d = attr(client, &format!("{svg} path"), "d")
        .await
        .expect("the modules' path");
    // Each run is `M{x} {y}h{w}v1h-{w}z` (client/src/qr.rs).
    let runs = d
        .split('M')
        .filter(|r| !r.is_empty())
        .map(|r| {
            let (xy, rest) = r.split_once('h').expect("a run");
            let (x, y) = xy.split_once(' ').expect("x y");
            let w = rest.split_once('v').expect("a width").0;
            (
                x.parse().expect("x"),
                y.parse().expect("y"),
                w.parse().expect("w"),
            )
        })
        .collect();
    (runs, side, version)
}

/// The code drawn by the browser as a camera would see a screen: 6 pixels a module, dark grey
/// on off-white, turned 4°, off-centre on a grey 1000 × 1000 background; a PNG at `path`.
async fn photo_of_code(client: &Client, runs: &[(u32, u32, u32)], side: u32, path: &Path) {
    use base64::Engine as _;
    let script = r#"
        const [runs, side, done] = arguments;
        const c = new OffscreenCanvas(1000, 1000);
        const g = c.getContext('2d');
        g.fillStyle = '#8a8f96';
        g.fillRect(0, 0, 1000, 1000);
        g.translate(140, 110);
        g.rotate(4 * Math.PI / 180);
        const s = 6;
        g.fillStyle = '#ecefe8';
        g.fillRect(0, 0, side * s, side * s);
        g.fillStyle = '#26282b';
        for (const [x, y, w] of runs) g.fillRect(x * s, y * s, w * s, s);
        c.convertToBlob({ type: 'image/png' })
            .then(b => b.arrayBuffer())
            .then(buf => {
                const u = new Uint8Array(buf);
                let t = '';
                for (let i = 0; i < u.length; i += 0x8000) t += String.fromCharCode(...u.subarray(i, i + 0x8000));
                done(btoa(t));
            });
    "#;
    let runs: Vec<Value> = runs
        .iter()
        .map(|&(x, y, w)| serde_json::json!([x, y, w]))
        .collect();
    let png = client
        .execute_async(script, vec![Value::Array(runs), side.into()])
        .await
        .expect("the code drawn");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().expect("base64"))
        .expect("a PNG");
    std::fs::write(path, bytes).expect("write the photo");
}

/// The code as a camera video (y4m, 4:2:0, 640 × 480, a few frames): 5 pixels a module,
/// dark grey on off-white, on a grey background. Chromium loops it.
fn video_of_code(runs: &[(u32, u32, u32)], side: u32, path: &Path) {
    const W: usize = 640;
    const H: usize = 480;
    const S: usize = 5;
    let side = side as usize * S;
    let (ox, oy) = ((W - side) / 2, (H - side) / 2);
    let mut luma = vec![120u8; W * H];
    for y in 0..side {
        luma[(oy + y) * W + ox..(oy + y) * W + ox + side].fill(215);
    }
    for &(x, y, w) in runs {
        let (x, y, w) = (x as usize * S, y as usize * S, w as usize * S);
        for row in oy + y..oy + y + S {
            luma[row * W + ox + x..row * W + ox + x + w].fill(35);
        }
    }
    let mut out = format!("YUV4MPEG2 W{W} H{H} F5:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..5 {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(&luma);
        out.resize(out.len() + 2 * (W / 2) * (H / 2), 128);
    }
    std::fs::write(path, out).expect("write the video");
}

/// A tablet whose camera plays `video` (permission granted), in portrait, in Arabic.
async fn tablet_with_camera(driver: &Chromedriver, dir: &Path, video: &Path) -> Client {
    let profile = dir.join("b-profile");
    std::fs::create_dir_all(&profile).expect("create the profile folder");
    let (w, h) = PORTRAIT;
    let args = [
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        format!("--window-size={w},{h}"),
        "--lang=ar".into(),
        format!("--user-data-dir={}", profile.display()),
        "--use-fake-device-for-media-stream".into(),
        "--use-fake-ui-for-media-stream".into(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": env_path("CHROME", "/usr/bin/chromium"),
            "args": args,
        },
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session with chromium");
    set_viewport(&client, PORTRAIT).await;
    client
}

/// From home: the scan screen, the photo given to "photograph the code", and the import's
/// `(added, merged, unchanged)`.
async fn scan_photo(client: &Client, photo: &Path) -> (usize, usize, usize) {
    click(client, "[data-test=scan]").await;
    find(client, "[data-test=scan-page]").await;
    // Picked at once, while the camera is still being opened (here it then fails): the
    // photo's result must stay on screen whatever the camera does after.
    find(client, "[data-test=scan-photo]")
        .await
        .send_keys(&photo.display().to_string())
        .await
        .expect("pick the photo");
    import_result(client).await
}

/// The number of live proposals of session `id` on the server, once it reaches `n`.
async fn wait_server_proposals(base: &str, token: &str, id: &str, n: usize) -> Value {
    wait_until(&format!("the server has {n} proposals"), || async {
        let detail = session_detail(base, token, id).await;
        (live_problems(&detail).len() == n).then_some(detail)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_joins_a_60_proposal_session_by_its_small_code() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let a = open_tablet(&driver, tmp.path(), "a").await;
    // B's camera will show what A's screen shows (written before B opens its scan screen).
    let video = tmp.path().join("camera.y4m");
    video_of_code(&[], 1, &video);
    let b_client = tablet_with_camera(&driver, tmp.path(), &video).await;
    let a_client = a.client.clone();
    let dir: PathBuf = tmp.path().to_path_buf();
    let cb_owned = b_client.clone();
    let scenario = async move {
        let (ca, cb) = (&a.client, &cb_owned);
        let base = server.base();
        for client in [ca, cb] {
            login(client, &base).await;
        }
        let token = api_login(&base, OFFICE).await;

        // A: a session of 60 proposals (another tablet's file), sent to the server.
        let (id, file) = session_file(60);
        let id = id.to_string();
        let sixty = dir.join("sixty.tachkhis");
        std::fs::write(&sixty, file)?;
        assert_eq!(import_file(ca, &sixty).await, (1, 0, 0));
        open_session(ca, &id).await;
        sync_now(ca).await;
        wait_session_synced(ca).await;
        wait_server_proposals(&base, &token, &id, 60).await;

        // A shows the join code: a small QR code, whatever the session holds.
        click(ca, "[data-test=share-open]").await;
        wait_attr(ca, "[data-test=share-qr]", "data-kind", "join").await;
        let chars: usize = attr(ca, "[data-test=share-qr]", "data-chars")
            .await
            .and_then(|v| v.parse().ok())
            .expect("the code's length");
        let (runs, side, version) = qr_on_screen(ca).await;
        eprintln!(
            "join: the join code of a 60-proposal session is {chars} characters, QR version {version}"
        );
        assert!(version <= 15, "QR version {version}");
        // A few hundred bytes whatever the session holds: 800 base45 characters are 533 bytes
        // (the genesis names the douars twice since they keep the order picked).
        assert!(chars < 800, "{chars} characters");
        screenshot(ca, "join-share-ar.png").await;
        // The whole session as a code, on request: 60 proposals no longer fit one.
        click(ca, "[data-test=share-code-kind]").await;
        find(ca, "[data-test=share-qr-too-big]").await;
        click(ca, "[data-test=share-code-kind]").await;
        wait_attr(ca, "[data-test=share-qr]", "data-kind", "join").await;

        // B's camera is aimed at the code: its scan screen reads the frames (no
        // BarcodeDetector in headless Chromium: the app's own decoder).
        video_of_code(&runs, side, &video);
        click(cb, "[data-test=scan]").await;
        wait_attr(cb, "[data-test=scan-page]", "data-state", "done").await;
        assert_eq!(
            attr(cb, "[data-test=import-result]", "data-added")
                .await
                .as_deref(),
            Some("1"),
            "B added the session from its camera"
        );
        screenshot(cb, "join-scanned-ar.png").await;
        click(cb, "[data-test=scan-open-session]").await;
        find(cb, "[data-test=tab-attendance]").await;
        assert!(cb.current_url().await?.path().ends_with(&id));
        // B adds a proposal to the same document (being online, it may already have
        // fetched A's proposals from the server: the code itself carries none of them).
        click(cb, "[data-test=tab-proposals]").await;
        add_proposal(cb, B_PROPOSAL.0, B_PROPOSAL.1, "electricity").await;
        sync_now(cb).await;
        wait_session_synced(cb).await;
        // B received A's 60 proposals at its sync.
        wait_count(cb, "[data-test=proposal]", 61).await;

        // One session on the server, 61 proposals; A gets B's at its next sync.
        let detail = wait_server_proposals(&base, &token, &id, 61).await;
        assert!(
            live_problems(&detail).iter().any(|p| p == B_PROPOSAL.0),
            "{detail}"
        );
        let list: Value = reqwest::Client::new()
            .get(format!("{base}/api/sessions"))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        click(ca, "[data-test=share-close]").await;
        sync_now(ca).await;
        click(ca, "[data-test=tab-proposals]").await;
        wait_count(ca, "[data-test=proposal]", 61).await;

        // A scanning a photo of its own join code: the session is there, nothing changes.
        let photo = dir.join("join-code.png");
        photo_of_code(ca, &runs, side, &photo).await;
        click(ca, "[data-test=back]").await;
        assert_eq!(scan_photo(ca, &photo).await, (0, 0, 1));

        // A session file of format 1 written before join codes still imports.
        click(cb, "[data-test=back]").await;
        let old = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/tests/data/session-file-v1.tachkhis")
            .canonicalize()?;
        find(cb, "[data-test=new-session]").await;
        assert_eq!(import_file(cb, &old).await, (2, 0, 0));
        server.stop().await;
        Ok(())
    };
    run_with_artefacts("join", &[("a", &a_client), ("b", &b_client)], scenario).await
}

//! What every browser test shares: the built bundle, chromedriver, the real server, tablets
//! (one Chromium profile each) and the small steps a facilitator takes.
//!
//! Also compiled into the client benchmark (`server/benches/client.rs`), which uses a part.

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tachkhis_server::Config;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const WAIT: Duration = Duration::from_secs(20);
pub const USER: &str = "facilitator";
pub const OFFICE: &str = "office";
pub const PASSWORD: &str = "tachkhis-demo";

/// A 10-inch tablet held upright, and turned.
pub const PORTRAIT: (u32, u32) = (800, 1280);
pub const LANDSCAPE: (u32, u32) = (1280, 800);

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

pub fn env_path(name: &str, default: &str) -> PathBuf {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// The built client bundle; panics with the fix when it is missing.
pub fn assets_dir() -> PathBuf {
    let Some(dir) = std::env::var_os("TACHKHIS_ASSETS").filter(|v| !v.is_empty()) else {
        panic!(
            "TACHKHIS_ASSETS is not set: build the client bundle (`cargo xtask build-client`) and set \
             TACHKHIS_ASSETS to its absolute path (e.g. $PWD/target/client), or run `cargo xtask test`"
        );
    };
    let dir = PathBuf::from(dir);
    for file in [
        "index.html",
        "boot.js",
        "sw.js",
        "pkg/tachkhis_client.js",
        "pkg/tachkhis_client_bg.wasm",
    ] {
        assert!(
            dir.join(file).is_file(),
            "TACHKHIS_ASSETS={} has no {file}: build the client bundle first (`cargo xtask build-client`)",
            dir.display()
        );
    }
    dir
}

pub fn artefacts_dir() -> PathBuf {
    let dir = std::env::var_os("TACHKHIS_ARTEFACTS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artefacts"));
    std::fs::create_dir_all(&dir).expect("create the artefacts folder");
    dir
}

pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// chromedriver as a child process, killed on drop.
pub struct Chromedriver {
    child: Child,
    pub url: String,
}

impl Chromedriver {
    pub async fn start() -> Chromedriver {
        let path = env_path("CHROMEDRIVER", "/usr/bin/chromedriver");
        assert!(
            path.is_file(),
            "chromedriver not found at {} (set CHROMEDRIVER, or install Debian's chromium-driver; \
             `cargo xtask test` does it)",
            path.display()
        );
        let port = free_port();
        let child = Command::new(&path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", path.display()));
        let driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        // Ready when it answers /status.
        let http = reqwest::Client::new();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(r) = http.get(format!("{}/status", driver.url)).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    /// One chromedriver for the tests that run at the same time (each has its own browsers);
    /// it stops when the last of them lets go.
    pub async fn shared() -> Arc<Chromedriver> {
        static SHARED: tokio::sync::Mutex<Weak<Chromedriver>> =
            tokio::sync::Mutex::const_new(Weak::new());
        let mut slot = SHARED.lock().await;
        if let Some(driver) = slot.upgrade() {
            return driver;
        }
        let driver = Arc::new(Chromedriver::start().await);
        *slot = Arc::downgrade(&driver);
        driver
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real server, in process, on 127.0.0.1.
pub struct Server {
    pub port: u16,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    pub async fn start(db_path: &Path, assets: &Path, port: u16) -> Server {
        Server::start_with(db_path, assets, port, |_| {}).await
    }

    /// The server with its configuration changed by `adjust` (e.g. smaller sync limits).
    pub async fn start_with(
        db_path: &Path,
        assets: &Path,
        port: u16,
        adjust: impl FnOnce(&mut Config),
    ) -> Server {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("bind 127.0.0.1:{port}: {e}"));
        let port = listener.local_addr().unwrap().port();
        let mut config = Config {
            db_path: db_path.to_path_buf(),
            assets_dir: Some(assets.to_path_buf()),
            demo: true,
            ..Config::default()
        };
        adjust(&mut config);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(tachkhis_server::serve(listener, config, async move {
            let _ = rx.await;
        }));
        Server {
            port,
            shutdown: Some(tx),
            task,
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops accepting, lets open connections finish, and returns once the port is free.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match tokio::time::timeout(WAIT, &mut self.task).await {
            Ok(joined) => joined
                .expect("server task")
                .expect("server ran without error"),
            Err(_) => panic!("the server did not shut down within {WAIT:?}"),
        }
    }
}

/// How a tablet's browser starts.
pub struct BrowserOptions<'a> {
    /// Its own profile folder: its own IndexedDB, service worker and caches.
    pub profile: &'a Path,
    /// Where its downloads land, if it downloads.
    pub downloads: Option<&'a Path>,
    pub viewport: (u32, u32),
}

/// A tablet in portrait, in Arabic, with its own profile.
pub async fn connect_browser(driver: &Chromedriver, profile: &Path) -> Client {
    connect_browser_with(
        driver,
        &BrowserOptions {
            profile,
            downloads: None,
            viewport: PORTRAIT,
        },
    )
    .await
}

pub async fn connect_browser_with(driver: &Chromedriver, options: &BrowserOptions<'_>) -> Client {
    let chrome = env_path("CHROME", "/usr/bin/chromium");
    assert!(
        chrome.is_file(),
        "chromium not found at {} (set CHROME)",
        chrome.display()
    );
    let (w, h) = options.viewport;
    let args = [
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        format!("--window-size={w},{h}"),
        "--lang=ar".into(),
        format!("--user-data-dir={}", options.profile.display()),
    ];
    let mut chrome_options = json!({ "binary": chrome, "args": args });
    if let Some(dir) = options.downloads {
        std::fs::create_dir_all(dir).expect("create the downloads folder");
        chrome_options["prefs"] = json!({
            "download.default_directory": dir,
            "download.prompt_for_download": false,
            "download.directory_upgrade": true,
        });
    }
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": chrome_options,
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session with chromium");
    if let Some(dir) = options.downloads {
        // Headless Chromium may ignore the profile's download preference; say it once more.
        cdp(
            &client,
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": dir }),
        )
        .await
        .expect("downloads allowed");
    }
    // Every page of this tab records what the Content-Security-Policy blocked.
    cdp(
        &client,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": CSP_WATCH }),
    )
    .await
    .expect("the CSP watch installed");
    set_viewport(&client, options.viewport).await;
    client
}

/// Run by Chromium before each page's own scripts (DevTools scripts are not subject to the
/// page's policy): every CSP violation goes into sessionStorage, which outlives navigations and
/// reloads of the tab.
const CSP_WATCH: &str = "document.addEventListener('securitypolicyviolation', (e) => {
  try {
    const list = JSON.parse(sessionStorage.getItem('tachkhis-test-csp') || '[]');
    list.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    sessionStorage.setItem('tachkhis-test-csp', JSON.stringify(list));
  } catch (_) {}
});";

/// Fails if the server's Content-Security-Policy blocked anything in this tab so far (the app
/// must run whole under it: wasm, styles, images, the service worker).
pub async fn assert_no_csp_violations(client: &Client) {
    let found = client
        .execute(
            "return JSON.parse(sessionStorage.getItem('tachkhis-test-csp') || '[]');",
            vec![],
        )
        .await
        .expect("the CSP watch's record");
    assert_eq!(
        found,
        json!([]),
        "the page broke its Content-Security-Policy"
    );
}

/// Makes the page itself `w × h` CSS px, whatever the window adds around it.
pub async fn set_viewport(client: &Client, (w, h): (u32, u32)) {
    client.set_window_size(w, h).await.expect("window size");
    let inner = client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .expect("viewport");
    let (iw, ih) = (
        inner[0].as_u64().unwrap_or(u64::from(w)) as u32,
        inner[1].as_u64().unwrap_or(u64::from(h)) as u32,
    );
    if (iw, ih) != (w, h) {
        client
            .set_window_size(w + w.saturating_sub(iw), h + h.saturating_sub(ih))
            .await
            .expect("window size");
    }
}

/// A Chrome DevTools command, through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

pub async fn cdp(
    client: &Client,
    cmd: &'static str,
    params: Value,
) -> Result<Value, fantoccini::error::CmdError> {
    client.issue_cmd(Cdp { cmd, params }).await
}

/// Runs `scenario` in its own task so that a failed assertion still leaves, for each tablet,
/// a screenshot and the page (`{name}-failure-{tablet}.png/.html`); then closes the browsers.
pub async fn run_with_artefacts<F>(
    name: &str,
    clients: &[(&str, &Client)],
    scenario: F,
) -> TestResult
where
    F: Future<Output = TestResult> + Send + 'static,
{
    let outcome = tokio::spawn(scenario).await;
    if !matches!(outcome, Ok(Ok(()))) {
        for (tablet, client) in clients {
            if let Ok(png) = client.screenshot().await {
                let _ = std::fs::write(
                    artefacts_dir().join(format!("{name}-failure-{tablet}.png")),
                    png,
                );
            }
            if let Ok(html) = client.source().await {
                let _ = std::fs::write(
                    artefacts_dir().join(format!("{name}-failure-{tablet}.html")),
                    html,
                );
            }
        }
    }
    for (_, client) in clients {
        let _ = (*client).clone().close().await;
    }
    match outcome {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

pub fn css(selector: &str) -> Locator<'_> {
    Locator::Css(selector)
}

/// The element, once it is there. Polled (not fantoccini's own wait) so that a command sent
/// while the page navigates ("aborted by navigation") is tried again, as an absent element is.
pub async fn find(client: &Client, selector: &str) -> Element {
    wait_until(&format!("element {selector} is there"), || async {
        client.find(css(selector)).await.ok()
    })
    .await
}

/// Replaces an input's text, tried again while the screen renders the input anew (a stale
/// element) until it takes.
pub async fn retype(client: &Client, selector: &str, text: &str) {
    wait_until(&format!("{selector} takes {text:?}"), || async {
        let input = client.find(css(selector)).await.ok()?;
        input.clear().await.ok()?;
        input.send_keys(text).await.ok()
    })
    .await
}

/// Picks an option of a select, tried again while the screen renders the select anew (a
/// stale element) until it takes.
pub async fn select_value(client: &Client, selector: &str, value: &str) {
    wait_until(&format!("{selector} takes {value:?}"), || async {
        let select = client.find(css(selector)).await.ok()?;
        select.select_by_value(value).await.ok()
    })
    .await
}

/// Clicks the element as a person would: brought to the middle of the window first, so that
/// the sticky messages at the top never lie over it (WebDriver only scrolls an element that is
/// wholly out of view, and then to an edge).
pub async fn click(client: &Client, selector: &str) {
    let element = find(client, selector).await;
    let arg = serde_json::to_value(&element).unwrap_or_else(|e| panic!("{selector}: {e}"));
    // Best effort: the page may render the element anew meanwhile (then found again below).
    let _ = client
        .execute(
            "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
            vec![arg],
        )
        .await;
    find(client, selector)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
}

/// Polls `check` until it returns `Some`, or fails with `what`.
pub async fn wait_until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn count(client: &Client, selector: &str) -> usize {
    client
        .find_all(css(selector))
        .await
        .map(|v| v.len())
        .unwrap_or(0)
}

pub async fn attr(client: &Client, selector: &str, name: &str) -> Option<String> {
    let el = client.find(css(selector)).await.ok()?;
    el.attr(name).await.ok().flatten()
}

pub async fn wait_attr(client: &Client, selector: &str, name: &str, value: &str) {
    wait_until(&format!("{selector} has {name}={value:?}"), || async {
        (attr(client, selector, name).await.as_deref() == Some(value)).then_some(())
    })
    .await;
}

pub async fn wait_count(client: &Client, selector: &str, n: usize) {
    wait_until(&format!("{n} × {selector}"), || async {
        (count(client, selector).await == n).then_some(())
    })
    .await;
}

pub async fn wait_text(client: &Client, selector: &str, text: &str) {
    wait_until(&format!("{selector} reads {text:?}"), || async {
        let el = client.find(css(selector)).await.ok()?;
        (el.text().await.ok()?.trim() == text).then_some(())
    })
    .await;
}

/// Waits until the last change is written to IndexedDB ("saved on this tablet").
pub async fn wait_saved(client: &Client) {
    wait_attr(client, "[data-test=save-state]", "data-state", "saved").await;
}

/// Opens the form, types a proposal, picks its sector, saves, and waits for the confirmation.
pub async fn add_proposal(client: &Client, problem: &str, solution: &str, sector: &str) {
    let before = count(client, "[data-test=proposal]").await;
    click(client, "[data-test=add-proposal]").await;
    find(client, "[data-test=proposal-problem]")
        .await
        .send_keys(problem)
        .await
        .unwrap();
    find(client, "[data-test=proposal-solution]")
        .await
        .send_keys(solution)
        .await
        .unwrap();
    pick_sector(client, sector).await;
    click(client, "[data-test=proposal-save]").await;
    wait_count(client, "[data-test=proposal]", before + 1).await;
    // Confirmed only once written to IndexedDB: the form closes.
    wait_count(client, "[data-test=proposal-form]", 0).await;
    wait_saved(client).await;
}

/// Picks `sector` in the open proposal form: its chip when it is among the recent ones (one
/// tap), else in the list of every sector (two taps). Returns the taps it took.
pub async fn pick_sector(client: &Client, sector: &str) -> usize {
    let chip = format!("[data-test=proposal-form] [data-test=sector-chip][data-code={sector}]");
    if count(client, &chip).await > 0 {
        scroll_to_middle(client, &chip).await;
        click(client, &chip).await;
        1
    } else {
        find(
            client,
            "[data-test=proposal-form] [data-test=proposal-sector]",
        )
        .await
        .select_by_value(sector)
        .await
        .unwrap_or_else(|e| panic!("pick {sector} in the list: {e}"));
        2
    }
}

pub async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(artefacts_dir().join(name), png).expect("write the screenshot");
}

pub async fn proposal_texts(client: &Client) -> Vec<String> {
    let mut texts = Vec::new();
    for el in client
        .find_all(css("[data-test=proposal] .problem"))
        .await
        .unwrap()
    {
        texts.push(el.text().await.unwrap());
    }
    texts
}

/// Logs in on the login screen (the app opens there on a fresh tablet) and waits for home.
pub async fn login(client: &Client, base: &str) {
    client
        .goto(&format!("{base}/"))
        .await
        .expect("open the app");
    find(client, "[data-test=login-username]")
        .await
        .send_keys(USER)
        .await
        .expect("type the username");
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await
        .expect("type the password");
    click(client, "[data-test=login-submit]").await;
    find(client, "[data-test=new-session]").await;
}

/// From home: a new session of the first pole, its first douar, with `group`; returns its id
/// once its screen is open.
pub async fn create_session(client: &Client, group: &str) -> String {
    click(client, "[data-test=new-session]").await;
    click(client, "[data-test=pole-chip]").await;
    let douar = find(client, "[data-test=douar-chip]").await;
    if douar.attr("aria-pressed").await.ok().flatten().as_deref() != Some("true") {
        douar.click().await.expect("pick the douar");
    }
    click(
        client,
        &format!("[data-test=group-chip][data-code={group}]"),
    )
    .await;
    click(client, "[data-test=create-session]").await;
    wait_until("the session screen opens", || async {
        let url = client.current_url().await.ok()?;
        url.path().strip_prefix("/session/").map(str::to_string)
    })
    .await
}

/// Waits until the service worker controls the page (the app then opens with no server).
pub async fn wait_service_worker(client: &Client) {
    wait_until("the service worker controls the page", || async {
        let v = client
            .execute(
                "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
                vec![],
            )
            .await;
        (v.ok()? == Value::Bool(true)).then_some(())
    })
    .await;
}

/// Taps "sync now" once no run is going (a tap on the disabled button would do nothing).
pub async fn sync_now(client: &Client) {
    wait_until("sync now can be tapped", || async {
        let button = client.find(css("[data-test=sync-now]")).await.ok()?;
        if button.attr("disabled").await.ok()?.is_some() {
            return None;
        }
        button.click().await.ok()
    })
    .await;
}

/// Taps the attendance stepper of `category` `times` times and waits for the value shown.
pub async fn count_people(client: &Client, category: &str, times: usize) {
    let before: usize = find(client, &format!("[data-test=att-{category}-value]"))
        .await
        .text()
        .await
        .expect("count")
        .trim()
        .parse()
        .expect("a number");
    for _ in 0..times {
        click(client, &format!("[data-test=att-{category}-plus]")).await;
    }
    wait_text(
        client,
        &format!("[data-test=att-{category}-value]"),
        &(before + times).to_string(),
    )
    .await;
    wait_saved(client).await;
}

/// The next file the browser finishes downloading into `dir`, moved out of it (so that the
/// next download, even of the same name, is told apart) into `dir`'s `received` folder.
pub async fn downloaded(dir: &Path) -> PathBuf {
    downloaded_with(dir, "tachkhis").await
}

/// As [`downloaded`], for a file whose name ends in `.{extension}`; the file it returns is
/// named `<n>-<the name the browser gave it>`. Chromium writes a download under another
/// extension (`.crdownload`) and renames it only once it is whole.
pub async fn downloaded_with(dir: &Path, extension: &str) -> PathBuf {
    let file = wait_until(
        &format!("a .{extension} file is downloaded into {}", dir.display()),
        || async {
            std::fs::read_dir(dir)
                .ok()?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| {
                    p.extension().is_some_and(|x| x == extension)
                        && std::fs::metadata(p).is_ok_and(|m| m.len() > 0)
                })
        },
    )
    .await;
    let received = dir.with_extension("received");
    std::fs::create_dir_all(&received).expect("create the received folder");
    let n = std::fs::read_dir(&received).map(|d| d.count()).unwrap_or(0);
    let name = file.file_name().expect("a file name").to_string_lossy();
    let target = received.join(format!("{n}-{name}"));
    std::fs::rename(&file, &target).expect("move the download");
    target
}

/// Gives the file to the home screen's "import a file" and waits for the report; returns its
/// `(added, merged, unchanged)`.
pub async fn import_file(client: &Client, file: &Path) -> (usize, usize, usize) {
    // The notice of an earlier import goes when the page is left; start from a fresh home.
    let input = find(client, "[data-test=import-file]").await;
    let before = attr(client, "[data-test=import-result]", "data-added").await;
    assert!(before.is_none(), "a stale import report is on screen");
    input
        .send_keys(&file.display().to_string())
        .await
        .expect("pick the file");
    import_result(client).await
}

/// Waits for the import report on screen (of a file, a photo or a scan) and returns its
/// `(added, merged, unchanged)`.
pub async fn import_result(client: &Client) -> (usize, usize, usize) {
    find(client, "[data-test=import-result]").await;
    let n = |name: &'static str| async move {
        attr(client, "[data-test=import-result]", name)
            .await
            .and_then(|v| v.parse().ok())
            .expect("an import count")
    };
    (
        n("data-added").await,
        n("data-merged").await,
        n("data-unchanged").await,
    )
}

/// A bearer token for `user`, through the API.
pub async fn api_login(base: &str, user: &str) -> String {
    let login: Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": user, "password": PASSWORD }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("login")
        .json()
        .await
        .expect("login answer");
    login["token"].as_str().expect("a token").to_string()
}

/// `GET /api/sessions/{id}` as `token`.
pub async fn session_detail(base: &str, token: &str, id: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}/api/sessions/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .unwrap_or_else(|e| panic!("session {id} on the server: {e}"))
        .json()
        .await
        .expect("session detail")
}

/// The count of `category` in a session detail's attendance.
pub fn attendance_of(detail: &Value, category: &str) -> i64 {
    detail["attendance"]
        .as_array()
        .expect("attendance")
        .iter()
        .find(|r| r["category"] == category)
        .and_then(|r| r["count"].as_i64())
        .unwrap_or(0)
}

/// The problems of a session detail's live proposals, sorted.
pub fn live_problems(detail: &Value) -> Vec<String> {
    let mut problems: Vec<String> = detail["proposal_list"]
        .as_array()
        .expect("proposal_list")
        .iter()
        .filter(|p| p["deleted"] == Value::Bool(false))
        .filter_map(|p| p["problem"].as_str().map(str::to_string))
        .collect();
    problems.sort();
    problems
}

/// A tablet: its own browser profile (IndexedDB, service worker) and downloads folder.
pub struct Tablet {
    pub client: Client,
    pub downloads: PathBuf,
}

/// Starts a tablet whose profile and downloads live under `dir`, named `name`.
pub async fn open_tablet(driver: &Chromedriver, dir: &Path, name: &str) -> Tablet {
    let profile = dir.join(format!("{name}-profile"));
    let downloads = dir.join(format!("{name}-downloads"));
    std::fs::create_dir_all(&profile).expect("create the profile folder");
    let client = connect_browser_with(
        driver,
        &BrowserOptions {
            profile: &profile,
            downloads: Some(&downloads),
            viewport: PORTRAIT,
        },
    )
    .await;
    Tablet { client, downloads }
}

/// The id of the proposal on screen whose problem reads `problem`.
pub async fn proposal_id(client: &Client, problem: &str) -> String {
    wait_until(&format!("a proposal reads {problem:?}"), || async {
        for card in client.find_all(css("[data-test=proposal]")).await.ok()? {
            let text = card.find(css(".problem")).await.ok()?.text().await.ok()?;
            if text.contains(problem) {
                return card.attr("data-id").await.ok()?;
            }
        }
        None
    })
    .await
}

/// Edits one field (`proposal-problem` or `proposal-solution`) of a proposal and waits until
/// the edit is confirmed (the form closes once it is stored).
pub async fn edit_proposal(client: &Client, id: &str, field: &str, text: &str) {
    click(
        client,
        &format!("[data-test=proposal][data-id='{id}'] [data-test=proposal-edit]"),
    )
    .await;
    let input = find(
        client,
        &format!("[data-test=proposal-form] [data-test={field}]"),
    )
    .await;
    input.clear().await.expect("clear the field");
    input.send_keys(text).await.expect("type");
    click(client, "[data-test=proposal-save]").await;
    wait_count(client, "[data-test=proposal-form]", 0).await;
    wait_saved(client).await;
}

/// The value of an attendance category on the attendance tab.
pub async fn attendance_value(client: &Client, category: &str) -> String {
    find(client, &format!("[data-test=att-{category}-value]"))
        .await
        .text()
        .await
        .expect("a count")
        .trim()
        .to_string()
}

/// Opens a session from the home screen.
pub async fn open_session(client: &Client, id: &str) {
    click(client, &format!("[data-test=session-card][data-id='{id}']")).await;
    find(client, "[data-test=tab-attendance]").await;
}

/// A session file (`.tachkhis`) as another tablet would write it: a women's session in pole 1's
/// first two douars, with attendance and `proposals` proposals of realistic length. Returns the
/// session's id and the file's bytes.
pub fn session_file(proposals: usize) -> (uuid::Uuid, Vec<u8>) {
    use tachkhis_shared::session::{EditCtx, NewSession, ProposalInput};
    use tachkhis_shared::{AttendanceCategory, GroupKind, Sector, SessionDoc, bundle};

    let id = uuid::Uuid::new_v4();
    let mut clock = 1_657_800_000_000_i64;
    let ctx = |clock: i64| EditCtx::new("facilitator", clock);
    let init = NewSession {
        pole_id: "pole-1".into(),
        douar_ids: vec!["centre".into(), "letnine".into()],
        group_kind: GroupKind::Women,
        date: "2022-07-14".into(),
        facilitators: "سعاد، محمد".into(),
    };
    let mut doc = SessionDoc::create(id, &init, &ctx(clock), None).expect("a session");
    doc.add_attendance(AttendanceCategory::Women, 23, &ctx(clock))
        .expect("attendance");
    doc.add_attendance(AttendanceCategory::YouthWomen, 7, &ctx(clock))
        .expect("attendance");
    const PROBLEMS: [(&str, &str); 4] = [
        (
            "الطريق المؤدية إلى الدوار مقطوعة طيلة فصل الشتاء بسبب الوادي",
            "بناء قنطرة وتهيئة المسلك الطرقي على طول",
        ),
        (
            "النساء يقطعن مسافة طويلة لجلب الماء الصالح للشرب من العين",
            "ربط الدوار بشبكة الماء الصالح للشرب مع سقايات",
        ),
        (
            "Les filles quittent l'école après le primaire faute de transport",
            "Mettre en place un transport scolaire pour le collège",
        ),
        (
            "غياب دار للولادة والنساء يلدن في المنازل دون مساعدة",
            "إحداث دار للولادة وتجهيزها بسيارة إسعاف",
        ),
    ];
    for i in 0..proposals {
        clock += 60_000;
        let (problem, solution) = PROBLEMS[i % PROBLEMS.len()];
        let input = ProposalInput {
            problem: format!("{problem} ({})", i + 1),
            solution: format!("{solution} {}", i + 1),
            sector: Some(Sector::ALL[i % Sector::ALL.len()].clone()),
            douar_id: Some(init.douar_ids[i % 2].clone()),
            raised_by: if i % 3 == 0 {
                "جمعية النهضة".into()
            } else {
                String::new()
            },
        };
        doc.add_proposal(&input, &ctx(clock)).expect("a proposal");
    }
    let bytes = bundle::encode(&[bundle::Entry {
        id,
        doc: doc.save(),
    }]);
    (id, bytes)
}

/// A `w`×`h` JPEG drawn by the browser (gradients and blocks, so it compresses like a photo
/// of a flip-chart rather than like noise or a flat colour), written to `path`.
pub async fn make_jpeg(client: &Client, w: u32, h: u32, seed: u32, path: &Path) -> PathBuf {
    use base64::Engine as _;
    let script = r#"
        const [w, h, seed, done] = arguments;
        const c = new OffscreenCanvas(w, h);
        const g = c.getContext('2d');
        const grad = g.createLinearGradient(0, 0, w, h);
        grad.addColorStop(0, `hsl(${seed * 47 % 360}, 60%, 80%)`);
        grad.addColorStop(1, `hsl(${seed * 91 % 360}, 50%, 40%)`);
        g.fillStyle = grad;
        g.fillRect(0, 0, w, h);
        let x = seed * 7919;
        const rnd = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
        for (let i = 0; i < 4000; i++) {
            g.fillStyle = `hsla(${rnd() * 360}, 70%, ${20 + rnd() * 60}%, 0.7)`;
            g.fillRect(rnd() * w, rnd() * h, 10 + rnd() * 200, 4 + rnd() * 40);
        }
        g.font = `${Math.round(h / 20)}px sans-serif`;
        g.fillStyle = '#111';
        for (let l = 0; l < 12; l++) g.fillText('حاجيات الدوار ' + seed + ' · ' + l, w / 10, (l + 2) * h / 15);
        c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })
            .then(b => b.arrayBuffer())
            .then(buf => {
                const u = new Uint8Array(buf);
                let s = '';
                for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
                done(btoa(s));
            }, e => done('error: ' + e));
    "#;
    let b64 = client
        .execute_async(script, vec![json!(w), json!(h), json!(seed)])
        .await
        .expect("make a JPEG");
    let b64 = b64.as_str().expect("base64 text");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap_or_else(|_| panic!("the browser's JPEG: {b64:.80}"));
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    std::fs::write(path, &bytes).expect("write the photo");
    path.to_path_buf()
}

/// Waits until the open session says "sent" (everything this tablet has is on the server).
pub async fn wait_session_synced(client: &Client) {
    wait_attr(
        client,
        ".session-status [data-test=sync-state]",
        "data-state",
        "synced",
    )
    .await;
}

/// Scrolls `selector` to the middle of the screen, as a finger would before a tap (WebDriver
/// scrolls only to the edge, where a sticky bar may cover it).
pub async fn scroll_to_middle(client: &Client, selector: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
            vec![json!(selector)],
        )
        .await
        .expect("scroll into view");
}

/// Tablet A logs in and opens a women's session, hands it to tablet B as a file; B logs in,
/// imports it and opens it; both then work offline (service workers ready). Returns its id.
pub async fn hand_over_session(a: &Tablet, b: &Tablet, base: &str) -> String {
    let (ca, cb) = (&a.client, &b.client);
    login(ca, base).await;
    let id = create_session(ca, "women").await;
    click(ca, "[data-test=share-open]").await;
    click(ca, "[data-test=share-file]").await;
    let file = downloaded(&a.downloads).await;
    click(ca, "[data-test=share-close]").await;
    login(cb, base).await;
    assert_eq!(import_file(cb, &file).await, (1, 0, 0));
    open_session(cb, &id).await;
    wait_service_worker(ca).await;
    wait_service_worker(cb).await;
    id
}

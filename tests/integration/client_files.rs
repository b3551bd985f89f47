//! The client's files: precompressed `.br`/`.gz` sent as they are, a missing file is 404 (not
//! the app's HTML under a script or wasm URL), and only navigations fall back to index.html.

use std::path::Path;

use crate::helpers::{TestApp, spawn_app_with};

const INDEX: &str = "<!doctype html><html lang=\"ar\" dir=\"rtl\"><body>تشخيص</body></html>";
/// Not real brotli: the server does not look inside, and the test knows which file it sent.
const INDEX_BR: &[u8] = b"index.html as brotli";
const WASM_BR: &[u8] = b"the wasm as brotli";
const WASM_GZ: &[u8] = b"the wasm as gzip";

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

async fn app_with_files() -> (TestApp, tempfile::TempDir) {
    let assets = tempfile::tempdir().unwrap();
    let dir = assets.path();
    write(dir, "index.html", INDEX.as_bytes());
    write(dir, "index.html.br", INDEX_BR);
    write(
        dir,
        "pkg/tachkhis_client_bg.wasm",
        &[0u8, 97, 115, 109].repeat(4096),
    );
    write(dir, "pkg/tachkhis_client_bg.wasm.br", WASM_BR);
    write(dir, "pkg/tachkhis_client_bg.wasm.gz", WASM_GZ);
    write(
        dir,
        "style.css",
        "body { margin: 0 }\n".repeat(100).as_bytes(),
    );
    let path = assets.path().to_owned();
    let app = spawn_app_with(|c| c.assets_dir = Some(path)).await;
    (app, assets)
}

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder().no_gzip().build().unwrap()
}

#[tokio::test]
async fn a_missing_file_is_404_and_a_navigation_opens_the_app() {
    let (app, _assets) = app_with_files().await;
    let http = plain_client();
    // What a service worker or page of an older release may still ask for.
    for missing in [
        "/pkg/x.wasm",
        "/pkg/tachkhis_client_old.js",
        "/assets/logo.png",
        "/old.js",
        "/pkg-office/tachkhis_client_bg.wasm",
        "/style.css.map",
    ] {
        let r = http
            .get(app.url(missing))
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{missing}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{missing}"
        );
        assert_eq!(r.headers()["cache-control"], "no-cache", "{missing}");
        let r = http.get(app.url(missing)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{missing}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"], "not_found", "{missing}");
    }
    // Navigations: the app's page, which routes them itself.
    for navigation in [
        "/",
        "/session/6f1c1c38-8f5e-4a57-9c61-3d0c2b4b2a10",
        "/office/needs",
        "/office/",
        "/sessions/new",
    ] {
        let r = http.get(app.url(navigation)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{navigation}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{navigation}"
        );
        assert_eq!(r.text().await.unwrap(), INDEX, "{navigation}");
    }
    // The API keeps its own 404.
    let r = http.get(app.url("/api/nothing.json")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["message"], "no such endpoint");
    app.stop().await;
}

#[tokio::test]
async fn precompressed_files_are_sent_as_they_are() {
    let (app, _assets) = app_with_files().await;
    let http = plain_client();
    let get = |path: &str, accept: &str| {
        http.get(app.url(path))
            .header("accept-encoding", accept)
            .send()
    };

    for (accept, encoding, body) in [("br", "br", WASM_BR), ("gzip", "gzip", WASM_GZ)] {
        let r = get("/pkg/tachkhis_client_bg.wasm", accept).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/wasm");
        assert_eq!(r.headers()["content-encoding"], encoding, "{accept}");
        assert_eq!(r.headers()["vary"], "accept-encoding");
        assert_eq!(&r.bytes().await.unwrap()[..], body, "{accept}");
    }
    // Brotli preferred when both are accepted, the file itself when neither is.
    let r = get("/pkg/tachkhis_client_bg.wasm", "gzip, deflate, br")
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    let r = get("/pkg/tachkhis_client_bg.wasm", "identity")
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.bytes().await.unwrap().len(), 4 * 4096);

    // The page at `/` and at a deep link, from its .br.
    for path in [
        "/",
        "/index.html",
        "/session/6f1c1c38-8f5e-4a57-9c61-3d0c2b4b2a10",
    ] {
        let r = get(path, "br").await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-encoding"], "br", "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert_eq!(&r.bytes().await.unwrap()[..], INDEX_BR, "{path}");
    }

    // A file without a .br is compressed on the fly, as before.
    let r = get("/style.css", "br").await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    let body = r.bytes().await.unwrap();
    let mut css = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut css).unwrap();
    assert_eq!(css, "body { margin: 0 }\n".repeat(100).as_bytes());
    app.stop().await;
}

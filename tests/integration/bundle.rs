//! The tablets' bundle is at most 650 KiB as the server sends it: every file their service
//! worker keeps for offline use (the `SHELL` list of the built `sw.js`, so a file added there
//! counts at once), plus `sw.js` itself, fetched from the real server serving the built client
//! with `Accept-Encoding: br`, as Chromium asks over HTTPS. Bodies only; the headers add about
//! 4 KB. A facilitator downloads this once over a rural link before going offline.
//!
//! Runs on the bundle `cargo xtask test` builds (`TACHKHIS_ASSETS`), which is the one that ships:
//! wasm-opt'd and precompressed at brotli 11. With `TACHKHIS_FAST_CLIENT=1` (a debugging build
//! without either) it says loudly that it is skipped. Every figure is printed on each run.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::helpers::spawn_app_with;

/// 650 KiB: about 27 s once over EDGE; after that the service worker serves the app.
const LIMIT_BYTES: u64 = 650 * 1024;

/// Written straight to stderr: libtest captures `eprintln!`, and these figures are wanted in
/// every run's log, passing or not.
fn say(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// The URLs in the `const SHELL = [ … ];` array of a service worker's source.
fn shell_urls(sw: &str) -> Vec<String> {
    let start = sw
        .find("const SHELL = [")
        .expect("sw.js declares `const SHELL = [`");
    let list = &sw[start..];
    let list = &list[..list.find("];").expect("SHELL ends with `];`")];
    let urls: Vec<String> = list
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert!(
        urls.iter().all(|u| u.starts_with('/')),
        "SHELL holds absolute paths: {urls:?}"
    );
    urls
}

fn assets_dir() -> PathBuf {
    let dir = std::env::var_os("TACHKHIS_ASSETS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .expect(
            "TACHKHIS_ASSETS is not set: run `cargo xtask test`, or build the bundle as it ships \
             (`cargo xtask build-client --opt`) and set TACHKHIS_ASSETS to its absolute path",
        );
    assert!(
        dir.join("sw.js").is_file(),
        "TACHKHIS_ASSETS={} has no sw.js: build the client bundle first",
        dir.display()
    );
    dir
}

/// The file the server answers `url` with.
fn file_of(assets: &Path, url: &str) -> PathBuf {
    let rel = url.trim_start_matches('/');
    assets.join(if rel.is_empty() { "index.html" } else { rel })
}

fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "br" => brotli::BrotliDecompress(&mut &body[..], &mut out).expect("valid brotli"),
        "gzip" => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("valid gzip");
        }
        "identity" => out.extend_from_slice(body),
        other => panic!("unexpected content-encoding {other}"),
    }
    out
}

#[tokio::test]
async fn the_tablets_bundle_as_sent_is_at_most_650_kib() {
    if std::env::var_os("TACHKHIS_FAST_CLIENT").is_some_and(|v| v == "1") {
        say(&format!(
            "\n{0}\nSKIPPED: the check of the tablets' bundle (at most 650 KiB as sent). \
             TACHKHIS_FAST_CLIENT=1: the client is not wasm-opt'd nor precompressed, its size \
             means nothing. Run `cargo xtask test` without it before pushing.\n{0}\n",
            "!".repeat(78)
        ));
        return;
    }
    let assets = assets_dir();
    let sw = std::fs::read_to_string(assets.join("sw.js")).unwrap();
    let mut urls = shell_urls(&sw);
    assert!(
        urls.iter().any(|u| u.ends_with(".wasm")),
        "the service worker keeps no wasm: {urls:?}"
    );
    // The browser keeps the worker's own script with its registration.
    urls.push("/sw.js".to_owned());

    let app = spawn_app_with(|c| c.assets_dir = Some(assets.clone())).await;
    // No automatic decompression: what is counted is what came over the wire.
    let http = reqwest::Client::builder().no_gzip().build().unwrap();
    let mut rows = Vec::new();
    for url in &urls {
        let r = http
            .get(app.url(url))
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{url}");
        let encoding = r
            .headers()
            .get("content-encoding")
            .map_or("identity", |v| v.to_str().unwrap())
            .to_owned();
        let body = r.bytes().await.unwrap();
        // What was counted is what the tablet gets: the file, whole and current.
        let file = std::fs::read(file_of(&assets, url)).unwrap();
        assert!(
            decode(&encoding, &body) == file,
            "{url}: the {encoding} body is not {}",
            file_of(&assets, url).display()
        );
        rows.push((url.clone(), file.len() as u64, body.len() as u64, encoding));
    }
    app.stop().await;

    let raw: u64 = rows.iter().map(|r| r.1).sum();
    let sent: u64 = rows.iter().map(|r| r.2).sum();
    let mut table = format!(
        "\nthe tablets' bundle as sent (Accept-Encoding: br), from {}\n  {:<32} {:>10} {:>10}  {}\n",
        assets.display(),
        "URL",
        "raw",
        "sent",
        "encoding"
    );
    for (url, raw, sent, encoding) in &rows {
        table += &format!("  {url:<32} {raw:>10} {sent:>10}  {encoding}\n");
    }
    table += &format!(
        "  {:<32} {raw:>10} {sent:>10}  = {:.1} KiB of at most {} KiB: {}\n",
        "total",
        sent as f64 / 1024.0,
        LIMIT_BYTES / 1024,
        if sent <= LIMIT_BYTES {
            format!("OK, {} B to spare", LIMIT_BYTES - sent)
        } else {
            format!("OVER by {} B", sent - LIMIT_BYTES)
        }
    );
    say(&table);
    assert!(
        sent <= LIMIT_BYTES,
        "the tablets' bundle is {sent} B as sent, over the limit of {LIMIT_BYTES} B (650 KiB) \
         by {} B: see the table above, and ARCHITECTURE.md (client bundle) for what is big and how to look",
        sent - LIMIT_BYTES
    );
}

#[test]
fn the_shell_list_is_read_from_the_worker_source() {
    let sw = "const CACHE = 'x';\nconst SHELL = [\n  '/',\n  '/pkg/a_bg.wasm', // the app\n];\n\
              const OTHER = ['/not-this'];";
    assert_eq!(shell_urls(sw), ["/", "/pkg/a_bg.wasm"]);
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../client/static/sw.js"),
    )
    .unwrap();
    let urls = shell_urls(&shipped);
    for url in ["/index.html", "/pkg/tachkhis_client_bg.wasm"] {
        assert!(urls.iter().any(|u| u == url), "{url} not in {urls:?}");
    }
}

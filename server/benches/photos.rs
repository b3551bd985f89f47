//! The photos benchmark (issue 11), with the real client bundle in headless Chromium and the
//! real server:
//! 1. the tablet's memory while a 12-megapixel JPEG (drawn by the browser, 4000 × 3000) goes
//!    through the capture input and is made small (decoded at ~1600 px, compressed), beside the
//!    same photo decoded whole and drawn on a canvas (what the app avoids): the peak resident
//!    memory of Chromium's processes (`VmHWM` of `/proc`, reset before each with `clear_refs`)
//!    and the page's JS heap (Chrome DevTools `Performance.getMetrics`);
//! 2. a meeting's 10 photos, each made small by the app as in 1, sent as the tablet sends them
//!    (status, then 32 KiB chunks) to the real server, timed over the simulated rural links of
//!    the sync benchmark (2G/EDGE, 3G: the server's own time measured, the link's computed from
//!    the bytes each way and the round trips), then once more with the link cut in the middle
//!    of the fifth photo: the bytes sent again.
//!
//! `cargo xtask bench` runs it; by hand, with a built bundle:
//! `TACHKHIS_ASSETS=$PWD/target/client cargo bench -p tachkhis-server --bench photos`.
#![allow(clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../../tests/browser/support.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::*;

const PHOTOS: usize = 10;
const CHUNK: usize = 32 * 1024;
/// HTTP/1.1 headers of one request (bearer token, content type and length, host, user agent)
/// and of its answer, estimated as in the sync benchmark.
const HEADER_BYTES_UP: usize = 350;
const HEADER_BYTES_DOWN: usize = 200;

#[derive(Clone, Copy)]
struct Link {
    name: &'static str,
    down_bits_per_s: f64,
    up_bits_per_s: f64,
    rtt: Duration,
}

const LINKS: [Link; 2] = [
    Link {
        name: "2G/EDGE (200 kbit/s down, 100 kbit/s up, 300 ms RTT)",
        down_bits_per_s: 200_000.0,
        up_bits_per_s: 100_000.0,
        rtt: Duration::from_millis(300),
    },
    Link {
        name: "3G (1 Mbit/s down, 384 kbit/s up, 150 ms RTT)",
        down_bits_per_s: 1_000_000.0,
        up_bits_per_s: 384_000.0,
        rtt: Duration::from_millis(150),
    },
];

impl Link {
    fn exchange_time(&self, up: usize, down: usize) -> Duration {
        self.rtt
            + Duration::from_secs_f64(
                (up + HEADER_BYTES_UP) as f64 * 8.0 / self.up_bits_per_s
                    + (down + HEADER_BYTES_DOWN) as f64 * 8.0 / self.down_bits_per_s,
            )
    }
}

/// Chromium's processes of the browser using `profile` (the browser and every descendant:
/// renderers, GPU, utilities), with their `--type` and pid, read from `/proc`.
fn chrome_pids(profile: &Path) -> Vec<(String, u32)> {
    let mut procs: Vec<(u32, u32, String)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // "pid (name) state ppid …": the name may hold spaces, so read after the last ')'.
        let ppid = stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
            .unwrap_or_default()
            .replace('\0', " ");
        procs.push((pid, ppid, cmdline));
    }
    let profile = profile.display().to_string();
    let mut found: Vec<u32> = procs
        .iter()
        .filter(|(_, _, c)| c.contains(&profile) && !c.contains("--type="))
        .map(|(p, _, _)| *p)
        .collect();
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        for (p, pp, _) in &procs {
            if *pp == parent && !found.contains(p) {
                found.push(*p);
            }
        }
        i += 1;
    }
    found
        .into_iter()
        .map(|pid| {
            let cmd = &procs.iter().find(|(p, _, _)| *p == pid).expect("listed").2;
            let kind = cmd
                .split_whitespace()
                .find_map(|a| a.strip_prefix("--type="))
                .unwrap_or("browser")
                .to_string();
            (kind, pid)
        })
        .collect()
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak resident memory of `pids` and returns their resident memory now (KiB).
fn reset_peaks(pids: &[(String, u32)]) -> Vec<u64> {
    pids.iter()
        .map(|(_, pid)| {
            let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
            status_kib(*pid, "VmRSS:")
        })
        .collect()
}

fn js_heap(metrics: &Value) -> f64 {
    metrics["metrics"]
        .as_array()
        .and_then(|m| m.iter().find(|x| x["name"] == "JSHeapUsedSize"))
        .and_then(|x| x["value"].as_f64())
        .unwrap_or(0.0)
}

/// Runs `step` and prints the rise of each process's peak resident memory over its memory
/// before, and the JS heap after.
async fn measure<F, Fut>(client: &Client, profile: &Path, what: &str, step: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let pids = chrome_pids(profile);
    let before = reset_peaks(&pids);
    let heap_before = js_heap(
        &cdp(client, "Performance.getMetrics", json!({}))
            .await
            .expect("metrics"),
    );
    let started = Instant::now();
    step().await;
    let took = started.elapsed();
    let heap_after = js_heap(
        &cdp(client, "Performance.getMetrics", json!({}))
            .await
            .expect("metrics"),
    );
    println!("{what} ({:.1} s):", took.as_secs_f64());
    let mut total = 0;
    for ((kind, pid), base) in pids.iter().zip(before) {
        let peak = status_kib(*pid, "VmHWM:");
        let rise = peak.saturating_sub(base);
        total += rise;
        if rise > 1024 {
            println!(
                "  {kind:>10} (pid {pid}): peak {:>6.1} MiB, {:>6.1} MiB above before",
                peak as f64 / 1024.0,
                rise as f64 / 1024.0
            );
        }
    }
    println!(
        "  all processes: {:.1} MiB above before at their peaks; JS heap {:.1} -> {:.1} MiB",
        total as f64 / 1024.0,
        heap_before / 1_048_576.0,
        heap_after / 1_048_576.0
    );
}

/// The photos the tablet holds in IndexedDB (its full copies), as bytes.
async fn stored_photos(client: &Client) -> Vec<Vec<u8>> {
    let v = client
        .execute_async(
            r#"
            const done = arguments[0];
            const open = indexedDB.open('tachkhis');
            open.onsuccess = () => {
                const db = open.result;
                const req = db.transaction('photos', 'readonly').objectStore('photos').getAll();
                req.onsuccess = () => done(req.result.map(u => Array.from(u)));
            };
            "#,
            vec![],
        )
        .await
        .expect("read IndexedDB");
    v.as_array()
        .expect("a list")
        .iter()
        .map(|a| {
            a.as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_u64().unwrap() as u8)
                .collect()
        })
        .collect()
}

/// Sends `photos` as the tablet does, returning each request's (up, down) bytes and the
/// server's time; with `cut`, the link breaks half-way through that chunk request (of the
/// whole sequence) and the tablet asks where the server stands and goes on.
async fn upload(
    base: &str,
    token: &str,
    hashes: &[String],
    photos: &[Vec<u8>],
    cut: Option<usize>,
) -> (Vec<(usize, usize)>, Duration, usize) {
    let http = reqwest::Client::new();
    let mut requests = Vec::new();
    let mut server_time = Duration::ZERO;
    let mut again = 0;
    let mut chunk_no = 0;
    let status = |hash: &str| {
        let (http, base, token, hash) = (
            http.clone(),
            base.to_string(),
            token.to_string(),
            hash.to_string(),
        );
        async move {
            let body = json!({ "hashes": [hash] }).to_string();
            let t = Instant::now();
            let r: Value = http
                .post(format!("{base}/api/photos/status"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (
                r[0]["received"].as_u64().unwrap() as usize,
                body.len(),
                r.to_string().len(),
                t.elapsed(),
            )
        }
    };
    for (hash, bytes) in hashes.iter().zip(photos) {
        let (mut offset, up, down, t) = status(hash).await;
        requests.push((up, down));
        server_time += t;
        while offset < bytes.len() {
            let end = (offset + CHUNK).min(bytes.len());
            chunk_no += 1;
            if cut == Some(chunk_no) {
                // Half the chunk went out, then the link broke: nothing of it is kept.
                requests.push(((end - offset) / 2, 0));
                again += (end - offset) / 2;
                let (now, up, down, t) = status(hash).await;
                requests.push((up, down));
                server_time += t;
                offset = now;
                continue;
            }
            let t = Instant::now();
            let r = http
                .put(format!(
                    "{base}/api/photos/{hash}?offset={offset}&total={}",
                    bytes.len()
                ))
                .bearer_auth(token)
                .header("content-type", "application/octet-stream")
                .body(bytes[offset..end].to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let answer = r.text().await.unwrap();
            server_time += t.elapsed();
            requests.push((end - offset, answer.len()));
            let v: Value = serde_json::from_str(&answer).unwrap();
            offset = v["received"].as_u64().unwrap() as usize;
        }
    }
    (requests, server_time, again)
}

async fn bench(client: &Client, base: &str, dir: &Path, db: &Path, profile: &Path) {
    login(client, base).await;
    wait_service_worker(client).await;
    create_session(client, "women").await;
    click(client, "[data-test=tab-photos]").await;
    // Offline while the photos are taken (as in a douar), so that they stay on the tablet.
    cdp(client, "Network.enable", json!({}))
        .await
        .expect("network");
    cdp(client, "Performance.enable", json!({}))
        .await
        .expect("metrics");
    cdp(
        client,
        "Network.emulateNetworkConditions",
        json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .await
    .expect("offline");
    let mut files = Vec::new();
    for i in 0..PHOTOS {
        files.push(
            make_jpeg(
                client,
                4000,
                3000,
                i as u32 + 10,
                &dir.join(format!("p{i}.jpg")),
            )
            .await,
        );
    }
    let original = std::fs::metadata(&files[0]).map(|m| m.len()).unwrap_or(0);
    println!(
        "== tablet memory, one 12-megapixel JPEG of {:.1} MB ==",
        original as f64 / 1e6
    );
    // Settle: the page idle, a first photo taken (code paths warmed).
    find(client, "[data-test=photo-camera]")
        .await
        .send_keys(&files[0].display().to_string())
        .await
        .expect("photo");
    wait_count(client, "[data-test=photo]", 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    measure(
        client,
        profile,
        "the app: decoded at 1600 px, compressed, stored",
        || async {
            find(client, "[data-test=photo-camera]")
                .await
                .send_keys(&files[1].display().to_string())
                .await
                .expect("photo");
            wait_count(client, "[data-test=photo]", 2).await;
        },
    )
    .await;
    let b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(&files[2]).expect("photo"))
    };
    measure(client, profile, "for comparison: the same photo decoded whole and drawn on a canvas", || async {
        client.execute_async(r#"
            const [b64, done] = arguments;
            const bin = atob(b64); const u = new Uint8Array(bin.length);
            for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
            createImageBitmap(new Blob([u], { type: 'image/jpeg' })).then(bm => {
                const c = new OffscreenCanvas(bm.width, bm.height);
                c.getContext('2d').drawImage(bm, 0, 0);
                return c.convertToBlob({ type: 'image/webp', quality: 0.8 }).then(b => { bm.close(); done(b.size); });
            });
        "#, vec![json!(b64)]).await.expect("whole decode");
    })
    .await;

    // The rest of the meeting's photos.
    for (i, f) in files.iter().enumerate().skip(2) {
        find(client, "[data-test=photo-camera]")
            .await
            .send_keys(&f.display().to_string())
            .await
            .expect("photo");
        wait_count(client, "[data-test=photo]", i + 1).await;
    }
    wait_saved(client).await;
    let photos = stored_photos(client).await;
    assert_eq!(photos.len(), PHOTOS);
    let sizes: Vec<usize> = photos.iter().map(Vec::len).collect();
    let total: usize = sizes.iter().sum();
    println!();
    println!("== a meeting's {PHOTOS} photos, as made by the tablet ==");
    println!(
        "  sizes: {} KB (12 MP JPEGs of {:.1} MB each before)",
        sizes
            .iter()
            .map(|s| format!("{:.0}", *s as f64 / 1000.0))
            .collect::<Vec<_>>()
            .join(", "),
        original as f64 / 1e6
    );
    println!("  total {:.0} KB", total as f64 / 1000.0);
    // The session synced by the tablet, so that the server takes its photos; then sent from
    // here (the same requests as the tablet's), so that no upload by the tablet interferes.
    let hashes: Vec<String> = photos
        .iter()
        .map(|p| {
            Sha256::digest(p)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect();
    cdp(
        client,
        "Network.setBlockedURLs",
        json!({ "urls": ["*/api/photos/*"] }),
    )
    .await
    .expect("block the tablet's own upload");
    cdp(
        client,
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .await
    .expect("online");
    // Coming online starts a run; "sync now" after it makes sure one ran with every photo.
    sync_now(client).await;
    let token = api_login(base, USER).await;
    wait_until("the server has the session's photos named", || async {
        let r: Value = reqwest::Client::new()
            .post(format!("{base}/api/photos/status"))
            .bearer_auth(&token)
            .json(&json!({ "hashes": hashes }))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        r.as_array()?
            .iter()
            .all(|s| s["state"] == "missing")
            .then_some(())
    })
    .await;
    let (requests, server, _) = upload(base, &token, &hashes, &photos, None).await;
    let up: usize = requests.iter().map(|(u, _)| u + HEADER_BYTES_UP).sum();
    let down: usize = requests.iter().map(|(_, d)| d + HEADER_BYTES_DOWN).sum();
    println!(
        "  {} requests, {:.0} KB up, {:.1} KB down (headers included), server {:.2} s",
        requests.len(),
        up as f64 / 1000.0,
        down as f64 / 1000.0,
        server.as_secs_f64()
    );
    for link in LINKS {
        let t: Duration = requests
            .iter()
            .map(|(u, d)| link.exchange_time(*u, *d))
            .sum::<Duration>()
            + server;
        println!(
            "  {}: {:.0} s ({:.1} min)",
            link.name,
            t.as_secs_f64(),
            t.as_secs_f64() / 60.0
        );
    }
    // Again, with the link cut in the fifth photo: the server first forgets the photos.
    let chunks_before: usize = sizes[..4].iter().map(|s| s.div_ceil(CHUNK)).sum();
    let (requests, server, resent) =
        upload_cut_fresh(base, &token, &hashes, &photos, chunks_before + 3, db).await;
    println!(
        "  cut half-way through the 3rd chunk of the 5th photo: {resent} B sent again ({} requests, server {:.2} s)",
        requests.len(),
        server.as_secs_f64()
    );
    for link in LINKS {
        let t: Duration = requests
            .iter()
            .map(|(u, d)| link.exchange_time(*u, *d))
            .sum::<Duration>()
            + server;
        println!("  {} with the cut: {:.0} s", link.name, t.as_secs_f64());
    }
}

/// The upload once more, on a server that does not have the photos yet (they are deleted from
/// its database first), with a cut.
async fn upload_cut_fresh(
    base: &str,
    token: &str,
    hashes: &[String],
    photos: &[Vec<u8>],
    cut: usize,
    db: &Path,
) -> (Vec<(usize, usize)>, Duration, usize) {
    let conn = rusqlite::Connection::open(db).expect("the database");
    conn.execute("DELETE FROM photo_blobs", [])
        .expect("forget the photos");
    drop(conn);
    upload(base, token, hashes, photos, Some(cut)).await
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let assets = assets_dir();
        let driver = Chromedriver::start().await;
        let tmp = tempfile::tempdir().expect("a temp folder");
        let db = tmp.path().join("tachkhis.db");
        let server = Server::start(&db, &assets, 0).await;
        let profile = tmp.path().join("profile");
        std::fs::create_dir_all(&profile).expect("profile folder");
        let client = connect_browser(&driver, &profile).await;
        let started = Instant::now();
        bench(&client, &server.base(), tmp.path(), &db, &profile).await;
        println!("total bench time: {:.1} s", started.elapsed().as_secs_f64());
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        server.stop().await;
    });
}

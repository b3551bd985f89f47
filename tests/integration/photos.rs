//! Photos of sessions (issue 11) through the real server: a photo is taken only once its
//! session has synced, arrives in chunks, resumes after a cut (counting the bytes sent again),
//! is stored once whoever sends it, is checked (hash, type, size) with nothing kept when it
//! fails, is served to the office and the admin only, and is purged after the retention period
//! the admin sets, with an audit entry, while backups carry it.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tachkhis_shared::{PhotoKind, session::PhotoInput};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app};

const CHUNK: usize = 32 * 1024;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A JPEG-looking photo of `len` bytes (the server checks the first bytes, the hash and the
/// size; it does not decode), different for each seed.
fn jpeg(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0];
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(x as u8);
    }
    out.truncate(len);
    out
}

fn name(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Names the photo in the session's document, as the tablet does once it has stored it.
fn take(tablet: &mut Tablet, session: Uuid, bytes: &[u8], hash: &str) {
    let ctx = tablet.ctx();
    tablet
        .doc(session)
        .add_photo(
            &PhotoInput {
                hash: hash.into(),
                kind: PhotoKind::FlipChart,
                caption: "اللوحة 1".into(),
                bytes: bytes.len() as u64,
                mime: "image/jpeg".into(),
            },
            &ctx,
        )
        .unwrap();
}

async fn status(app: &TestApp, token: &str, hash: &str) -> Value {
    let r = app
        .http
        .post(app.url("/api/photos/status"))
        .bearer_auth(token)
        .json(&json!({ "hashes": [hash] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()[0].clone()
}

async fn put(
    app: &TestApp,
    token: &str,
    hash: &str,
    offset: usize,
    total: usize,
    chunk: &[u8],
) -> (u16, Value) {
    let r = app
        .http
        .put(app.url(&format!("/api/photos/{hash}?offset={offset}&total={total}")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(chunk.to_vec())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Sends what the server does not have yet, chunk by chunk from where it stands; returns the
/// bytes sent.
async fn upload(app: &TestApp, token: &str, hash: &str, bytes: &[u8]) -> usize {
    let st = status(app, token, hash).await;
    if st["state"] == "stored" || st["state"] == "purged" {
        return 0;
    }
    let mut offset = st["received"].as_u64().unwrap() as usize;
    let mut sent = 0;
    while offset < bytes.len() {
        let end = (offset + CHUNK).min(bytes.len());
        let (code, body) = put(app, token, hash, offset, bytes.len(), &bytes[offset..end]).await;
        assert_eq!(code, 200, "{body}");
        sent += end - offset;
        offset = body["received"].as_u64().unwrap() as usize;
    }
    sent
}

/// A request cut mid-body: the headers and half the chunk, then the connection closes.
async fn cut_put(
    app: &TestApp,
    token: &str,
    hash: &str,
    offset: usize,
    total: usize,
    chunk: &[u8],
) {
    let addr = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PUT /api/photos/{hash}?offset={offset}&total={total} HTTP/1.1\r\nhost: {addr}\r\n\
         authorization: Bearer {token}\r\ncontent-type: application/octet-stream\r\n\
         content-length: {}\r\n\r\n",
        chunk.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&chunk[..chunk.len() / 2]).await.unwrap();
    s.flush().await.unwrap();
    drop(s);
    // The server notices the cut when it reads on: give it the moment.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_photo_uploads_after_its_session_resumes_after_a_cut_and_is_stored_once() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let session = tablet.new_session();
    let photo = jpeg(300_000, 1);
    let hash = name(&photo);
    take(&mut tablet, session, &photo, &hash);

    // Before the document has synced the server takes nothing of it.
    assert_eq!(status(&app, &fac, &hash).await["state"], "unknown");
    let (code, body) = put(&app, &fac, &hash, 0, photo.len(), &photo[..CHUNK]).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("unknown_photo")));
    assert_eq!(app.count("SELECT count(*) FROM photo_uploads"), 0);

    tablet.sync(&app, &fac).await.unwrap();
    assert_eq!(status(&app, &fac, &hash).await["state"], "missing");

    // Four chunks, then a cut in the middle of the fifth.
    for i in 0..4 {
        let (code, _) = put(
            &app,
            &fac,
            &hash,
            i * CHUNK,
            photo.len(),
            &photo[i * CHUNK..(i + 1) * CHUNK],
        )
        .await;
        assert_eq!(code, 200);
    }
    cut_put(
        &app,
        &fac,
        &hash,
        4 * CHUNK,
        photo.len(),
        &photo[4 * CHUNK..5 * CHUNK],
    )
    .await;
    let st = status(&app, &fac, &hash).await;
    assert_eq!(st["state"], "partial");
    assert_eq!(st["received"], 4 * CHUNK, "the cut chunk left nothing");
    // A chunk sent from the wrong place is refused and changes nothing.
    let (code, body) = put(
        &app,
        &fac,
        &hash,
        2 * CHUNK,
        photo.len(),
        &photo[2 * CHUNK..3 * CHUNK],
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (409, Some("upload_offset")));
    // The resume sends from where the server stands: only the cut chunk again.
    let sent = upload(&app, &fac, &hash, &photo).await;
    // On the wire: four chunks, half of the fifth, then the rest: what was sent twice is the
    // part of the one chunk in flight at the cut.
    let on_the_wire = 4 * CHUNK + CHUNK / 2 + sent;
    assert!(
        on_the_wire - photo.len() <= CHUNK,
        "{on_the_wire} B for {} B",
        photo.len()
    );
    assert_eq!(sent, photo.len() - 4 * CHUNK);
    assert_eq!(app.count("SELECT count(*) FROM photo_blobs"), 1);
    assert_eq!(app.count("SELECT count(*) FROM photo_uploads"), 0);
    assert_eq!(status(&app, &fac, &hash).await["state"], "stored");

    // A second tablet with the same session and photo (from the session file) sends nothing,
    // and a tablet that sends it anyway changes nothing.
    let mut other = Tablet::new("facilitator");
    other.receive_copy(&mut tablet, session);
    other.sync(&app, &fac).await.unwrap();
    assert_eq!(upload(&app, &fac, &hash, &photo).await, 0);
    let (code, body) = put(&app, &fac, &hash, 0, photo.len(), &photo[..CHUNK]).await;
    assert_eq!((code, body["state"].as_str()), (200, Some("stored")));
    assert_eq!(app.count("SELECT count(*) FROM photo_blobs"), 1);

    // The office sees it beside the session, and gets the very bytes.
    let office = app.login("office").await;
    let (code, list) = app
        .get_json(&format!("/api/sessions/{session}/photos"), &office)
        .await;
    assert_eq!(code, 200);
    assert_eq!(list[0]["hash"], hash.as_str());
    assert_eq!(list[0]["kind"], "flip_chart");
    assert_eq!(list[0]["stored"], true);
    let r = app
        .http
        .get(app.url(&format!("/api/photos/{hash}")))
        .bearer_auth(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    assert_eq!(r.bytes().await.unwrap().as_ref(), photo.as_slice());
}

#[tokio::test]
async fn a_bad_photo_is_refused_with_nothing_kept() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let session = tablet.new_session();
    // Named after other bytes than those sent.
    let photo = jpeg(100_000, 2);
    let liar = jpeg(100_000, 3);
    let hash = name(&photo);
    take(&mut tablet, session, &photo, &hash);
    // Not an image: a PNG's first bytes.
    let mut png = jpeg(50_000, 4);
    png[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let png_hash = name(&png);
    take(&mut tablet, session, &png, &png_hash);
    tablet.sync(&app, &fac).await.unwrap();

    let mut offset = 0;
    let mut last = (0, Value::Null);
    while offset < liar.len() {
        let end = (offset + CHUNK).min(liar.len());
        last = put(&app, &fac, &hash, offset, liar.len(), &liar[offset..end]).await;
        offset = end;
    }
    assert_eq!(
        (last.0, last.1["error"].as_str()),
        (400, Some("photo_hash_mismatch")),
        "{}",
        last.1
    );

    let (code, body) = put(&app, &fac, &png_hash, 0, png.len(), &png[..CHUNK]).await;
    assert_eq!((code, body["error"].as_str()), (415, Some("photo_type")));

    // Over the size a photo may have, said in the total or sent past it.
    let (code, body) = put(&app, &fac, &hash, 0, 2 * 1024 * 1024, &photo[..CHUNK]).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (413, Some("photo_too_large"))
    );
    let (code, body) = put(&app, &fac, &hash, 0, 100, &photo[..CHUNK]).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (413, Some("photo_too_large"))
    );
    // A chunk over the route's limit.
    let big = jpeg(300 * 1024, 5);
    let (code, body) = put(&app, &fac, &hash, 0, photo.len(), &big).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (413, Some("payload_too_large"))
    );
    // Not a photo's name.
    let (code, body) = put(&app, &fac, "abc", 0, 10, b"\xFF\xD8\xFF").await;
    assert_eq!((code, body["error"].as_str()), (400, Some("bad_id")));

    assert_eq!(app.count("SELECT count(*) FROM photo_blobs"), 0);
    assert_eq!(app.count("SELECT count(*) FROM photo_uploads"), 0);
    // The right bytes still go through afterwards.
    upload(&app, &fac, &hash, &photo).await;
    assert_eq!(app.count("SELECT count(*) FROM photo_blobs"), 1);
}

#[tokio::test]
async fn photos_are_served_to_the_office_and_admin_only() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let session = tablet.new_session();
    let photo = jpeg(40_000, 6);
    let hash = name(&photo);
    take(&mut tablet, session, &photo, &hash);
    tablet.sync(&app, &fac).await.unwrap();
    upload(&app, &fac, &hash, &photo).await;
    for path in [
        format!("/api/photos/{hash}"),
        format!("/api/sessions/{session}/photos"),
    ] {
        let r = app.http.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path} without a login");
        for (user, want) in [
            ("admin", 200),
            ("office", 200),
            ("facilitator", 403),
            ("committee", 403),
        ] {
            let token = app.login(user).await;
            let r = app
                .http
                .get(app.url(&path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), want, "{path} as {user}");
        }
    }
    // The committee may not send photos either.
    let committee = app.login("committee").await;
    let (code, _) = put(&app, &committee, &hash, 0, photo.len(), &photo).await;
    assert_eq!(code, 403);
}

#[tokio::test]
async fn photos_past_the_retention_period_are_purged_audited_and_not_taken_again() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let admin = app.login("admin").await;
    let mut tablet = Tablet::new("facilitator");
    let session = tablet.new_session();
    let (old, new) = (jpeg(20_000, 7), jpeg(20_000, 8));
    let (old_hash, new_hash) = (name(&old), name(&new));
    take(&mut tablet, session, &old, &old_hash);
    take(&mut tablet, session, &new, &new_hash);
    tablet.sync(&app, &fac).await.unwrap();
    upload(&app, &fac, &old_hash, &old).await;
    upload(&app, &fac, &new_hash, &new).await;

    // Backups carry the photos.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.sqlite");
    app.state.db.backup_to(&copy, false).unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let in_backup: Vec<u8> = conn
        .query_row(
            "SELECT bytes FROM photo_blobs WHERE hash = ?1",
            [&old_hash],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(in_backup, old);

    let (code, body) = app
        .send(
            reqwest::Method::PUT,
            "/api/admin/photos/settings",
            &admin,
            Some(json!({"retention_days": 0})),
        )
        .await;
    assert_eq!((code, body["error"].as_str()), (400, Some("bad_body")));
    let (code, _) = app
        .send(
            reqwest::Method::PUT,
            "/api/admin/photos/settings",
            &admin,
            Some(json!({"retention_days": 30})),
        )
        .await;
    assert_eq!(code, 200);
    let (code, body) = app.get_json("/api/admin/photos/settings", &admin).await;
    assert_eq!((code, body["retention_days"].as_u64()), (200, Some(30)));
    // The old one came 31 days ago.
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute(
        "UPDATE photo_blobs SET received_at = received_at - 31 * 86400 WHERE hash = ?1",
        [&old_hash],
    )
    .unwrap();
    let (code, body) = app
        .post("/api/admin/photos/purge", &admin, Value::Null)
        .await;
    assert_eq!((code, body["purged"].as_u64()), (200, Some(1)), "{body}");
    assert_eq!(app.count("SELECT count(*) FROM photo_blobs"), 1);
    let audited: String = conn
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'photo.purged' AND target = ?1",
            [&old_hash],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audited.contains(&session.to_string()), "{audited}");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'photos.retention'"),
        1
    );

    // Purged: the tablet that still has it is told so, and sending it stores nothing.
    assert_eq!(status(&app, &fac, &old_hash).await["state"], "purged");
    let (code, body) = put(&app, &fac, &old_hash, 0, old.len(), &old).await;
    assert_eq!((code, body["state"].as_str()), (200, Some("purged")));
    assert_eq!(app.count("SELECT count(*) FROM photo_blobs"), 1);
    let office = app.login("office").await;
    let (code, _) = app
        .get_json(&format!("/api/photos/{old_hash}"), &office)
        .await;
    assert_eq!(code, 404);
    let (_, list) = app
        .get_json(&format!("/api/sessions/{session}/photos"), &office)
        .await;
    let purged: Vec<bool> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["purged"].as_bool().unwrap())
        .collect();
    assert_eq!(purged.iter().filter(|p| **p).count(), 1);
    // Only the admin manages retention.
    let (code, _) = app
        .post("/api/admin/photos/purge", &office, Value::Null)
        .await;
    assert_eq!(code, 403);
}

//! Tablets as devices: the administrator's list, revocation mid-campaign, logout, expiry.

use serde_json::Value;
use tachkhis_shared::api::LoginResponse;

use crate::helpers::{HttpTransport, Tablet, TestApp, spawn_app};

const TABLET_UA: &str =
    "Mozilla/5.0 (Linux; Android 10; SM-T295) Chrome/131.0 Mobile Safari/537.36";

fn transport(app: &TestApp, token: &str) -> HttpTransport {
    HttpTransport {
        http: reqwest::Client::builder()
            .user_agent(TABLET_UA)
            .build()
            .unwrap(),
        url: app.url("/api/sync"),
        token: token.into(),
    }
}

async fn devices(app: &TestApp, admin: &str) -> Vec<Value> {
    let (status, body) = app.get_json("/api/admin/devices", admin).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

fn device_of<'a>(list: &'a [Value], peer: &uuid::Uuid) -> &'a Value {
    let peer = peer.to_string();
    list.iter()
        .find(|d| d["peer_id"] == peer.as_str())
        .unwrap_or_else(|| panic!("no device with peer {peer} in {list:?}"))
}

async fn post(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn heads(app: &TestApp, id: uuid::Uuid) -> Vec<u8> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.query_row(
        "SELECT heads FROM documents WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .unwrap()
}

#[tokio::test]
async fn a_revoked_tablet_cannot_sync_stores_nothing_and_others_go_on() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    // Two tablets of the same facilitator: one login each.
    let token_a = app.login("facilitator").await;
    let token_b = app.login("facilitator").await;
    let mut a = Tablet::new("facilitator");
    let mut b = Tablet::new("facilitator");
    let sa = a.new_session();
    a.add_proposal(sa, "الطريق مقطوعة في الشتاء");
    let sb = b.new_session();
    b.add_proposal(sb, "لا توجد إنارة عمومية");
    a.sync_with(&mut transport(&app, &token_a)).await.unwrap();
    b.sync_with(&mut transport(&app, &token_b)).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 2);

    let list = devices(&app, &admin).await;
    let dev_a = device_of(&list, &a.peer).clone();
    assert_eq!(dev_a["username"], "facilitator");
    assert!(dev_a["revoked_at"].is_null());
    let (status, revoked) = post(
        &app,
        &format!(
            "/api/admin/devices/{}/revoke",
            dev_a["id"].as_str().unwrap()
        ),
        &admin,
    )
    .await;
    assert_eq!(status, 200, "{revoked}");
    assert!(revoked["revoked_at"].is_i64(), "{revoked}");
    assert_eq!(revoked["revoked_by"], "admin");

    // Tablet A keeps working offline, then tries to sync: refused, and nothing of it stored.
    a.add_proposal(sa, "المدرسة بعيدة");
    let ctx = a.ctx();
    a.doc(sa).set_notes("ملاحظات الاجتماع", &ctx).unwrap();
    let heads_before = heads(&app, sa);
    let chunks_before = app.count("SELECT count(*) FROM doc_chunks");
    let states_before = app.count("SELECT count(*) FROM sync_states");
    let err = a
        .sync_with(&mut transport(&app, &token_a))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("401") && err.contains("token_revoked"),
        "{err}"
    );
    assert!(
        err.contains("exported"),
        "the message says the work is kept: {err}"
    );
    assert_eq!(heads(&app, sa), heads_before);
    assert_eq!(app.count("SELECT count(*) FROM doc_chunks"), chunks_before);
    assert_eq!(app.count("SELECT count(*) FROM sync_states"), states_before);
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 2);
    // Every endpoint says the same.
    let (status, body) = app.get_json("/api/sessions", &token_a).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("token_revoked"))
    );
    // Its work is still on the tablet.
    assert_eq!(a.doc(sa).read().unwrap().live_proposals().count(), 2);

    // Tablet B, same user, is unaffected.
    b.add_proposal(sb, "غياب النقل المدرسي");
    b.sync_with(&mut transport(&app, &token_b)).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 3);

    // The revocation is in the audit log, once; revoking again changes nothing.
    let (status, again) = post(
        &app,
        &format!(
            "/api/admin/devices/{}/revoke",
            dev_a["id"].as_str().unwrap()
        ),
        &admin,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(again["revoked_at"], revoked["revoked_at"]);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'device.revoke'"),
        1
    );
    let (_, audit) = app.get_json("/api/audit", &admin).await;
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "device.revoke")
        .unwrap();
    assert_eq!(entry["target"], dev_a["id"]);
    assert_eq!(entry["username"], "admin");

    // Logging in again on tablet A delivers the work it kept.
    let token_a2 = app.login("facilitator").await;
    a.sync_with(&mut transport(&app, &token_a2)).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 4);
    app.stop().await;
}

#[tokio::test]
async fn only_an_administrator_lists_and_revokes_devices() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let facilitator = app.login("facilitator").await;
    let office = app.login("office").await;
    let list = devices(&app, &admin).await;
    let id = list
        .iter()
        .find(|d| d["username"] == "facilitator")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for token in [&facilitator, &office] {
        let (status, body) = app.get_json("/api/admin/devices", token).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
        let (status, _) = post(&app, &format!("/api/admin/devices/{id}/revoke"), token).await;
        assert_eq!(status, 403);
    }
    let r = app
        .http
        .get(app.url("/api/admin/devices"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    for bad in ["0123456789ab", "not-an-id", "%27%20OR%201%3D1"] {
        let (status, body) = post(&app, &format!("/api/admin/devices/{bad}/revoke"), &admin).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_found")),
            "{bad}"
        );
    }
    // Refused attempts revoked nothing.
    let (status, _) = app.get_json("/api/sessions", &facilitator).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.count("SELECT count(*) FROM tokens WHERE revoked_at IS NOT NULL"),
        0
    );
    // Public ids never reveal the token or its hash.
    for d in devices(&app, &admin).await {
        let id = d["id"].as_str().unwrap();
        assert!(id.len() <= 16 && id != facilitator && id != admin, "{d}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_list_shows_the_peer_id_browser_and_last_sync_and_names_a_device() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let token = app.login("facilitator").await;
    let before = devices(&app, &admin).await;
    assert_eq!(before.len(), 2);
    let fresh = before
        .iter()
        .find(|d| d["username"] == "facilitator")
        .unwrap();
    assert!(fresh["last_used_at"].is_null() && fresh["peer_id"].is_null());
    let me = before.iter().find(|d| d["username"] == "admin").unwrap();
    assert_eq!(me["current"], true);
    assert_eq!(fresh["current"], false);

    let mut t = Tablet::new("facilitator");
    let id = t.new_session();
    t.add_proposal(id, "غياب الماء الصالح للشرب");
    t.sync_with(&mut transport(&app, &token)).await.unwrap();
    let list = devices(&app, &admin).await;
    let dev = device_of(&list, &t.peer);
    assert_eq!(dev["user_agent"], TABLET_UA);
    assert_eq!(dev["role"], "facilitator");
    let last = dev["last_used_at"].as_i64().unwrap();
    assert!(last >= dev["created_at"].as_i64().unwrap());
    let dev_id = dev["id"].as_str().unwrap().to_string();
    // The most recently synced device comes first.
    assert_eq!(list[0]["id"], dev_id.as_str());

    // Writes are spared: a sync within the minute leaves the row alone, a later one updates it.
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let set_last = |t: i64| {
        conn.execute(
            "UPDATE tokens SET last_used_at = ?2 WHERE public_id = ?1",
            rusqlite::params![dev_id, t],
        )
        .unwrap();
    };
    let get_last = || -> i64 {
        conn.query_row(
            "SELECT last_used_at FROM tokens WHERE public_id = ?1",
            [&dev_id],
            |r| r.get(0),
        )
        .unwrap()
    };
    set_last(last - 30);
    t.sync_with(&mut transport(&app, &token)).await.unwrap();
    assert_eq!(get_last(), last - 30, "no write within a minute");
    set_last(last - 120);
    t.sync_with(&mut transport(&app, &token)).await.unwrap();
    assert!(get_last() >= last, "written again after a minute");
    // A new peer id (the browser's storage was reset) is recorded at once.
    set_last(last - 30);
    let mut other = Tablet::new("facilitator");
    other.new_session();
    other.sync_with(&mut transport(&app, &token)).await.unwrap();
    let list = devices(&app, &admin).await;
    assert_eq!(device_of(&list, &other.peer)["id"], dev_id.as_str());

    // The administrator names it; the change is audited; bad names are refused.
    let r = app
        .http
        .patch(app.url(&format!("/api/admin/devices/{dev_id}")))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"label": "tablette 3, pôle Idouz"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let named: Value = r.json().await.unwrap();
    assert_eq!(named["label"], "tablette 3, pôle Idouz");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'device.label'"),
        1
    );
    let r = app
        .http
        .patch(app.url(&format!("/api/admin/devices/{dev_id}")))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"label": "x".repeat(101)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn logout_ends_that_login_only_and_expired_logins_say_so() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let r = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&serde_json::json!({"username": "facilitator", "password": "tachkhis-demo"}))
        .send()
        .await
        .unwrap();
    let login: LoginResponse = r.json().await.unwrap();
    // The login lasts the field campaign: 30 days by default.
    let now = tachkhis_server::db::now_secs();
    assert!(
        (login.expires_at - now - 30 * 86_400).abs() <= 5,
        "{login:?}"
    );
    let other = app.login("facilitator").await;

    let (status, _) = post(&app, "/api/auth/logout", &login.token).await;
    assert_eq!(status, 204);
    let (status, body) = app.get_json("/api/sessions", &login.token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("token_revoked"))
    );
    let (status, _) = app.get_json("/api/sessions", &other).await;
    assert_eq!(status, 200);
    // Logging out twice is a 401, not an error of the server.
    let (status, _) = post(&app, "/api/auth/logout", &login.token).await;
    assert_eq!(status, 401);
    let list = devices(&app, &admin).await;
    let out: Vec<&Value> = list.iter().filter(|d| !d["revoked_at"].is_null()).collect();
    assert_eq!(out.len(), 1);
    assert!(
        out[0]["revoked_by"].is_null(),
        "a logout, not an admin's revocation"
    );

    // An expired login is told apart, and no longer listed.
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let other_id = list
        .iter()
        .find(|d| d["username"] == "facilitator" && d["revoked_at"].is_null())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    conn.execute(
        "UPDATE tokens SET expires_at = ?2 WHERE public_id = ?1",
        rusqlite::params![other_id, now - 1],
    )
    .unwrap();
    let (status, body) = app.get_json("/api/sessions", &other).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("token_expired"))
    );
    assert!(
        devices(&app, &admin)
            .await
            .iter()
            .all(|d| d["id"] != other_id.as_str())
    );
    let (status, body) = app.get_json("/api/sessions", "unknown-token").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_token"))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_token_lifetime_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let config = tachkhis_server::Config {
        db_path: dir.path().join("t.db"),
        demo: true,
        token_ttl_days: 90,
        ..Default::default()
    };
    let db = tachkhis_server::open_db(&config).await.unwrap();
    let login = db
        .write(|tx| tachkhis_server::users::auth::login(tx, "facilitator", "tachkhis-demo", 90))
        .await
        .unwrap();
    let now = tachkhis_server::db::now_secs();
    assert!((login.expires_at - now - 90 * 86_400).abs() <= 5);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tachkhis_server::serve_with_db(
        listener,
        db,
        config,
        async {
            let _ = rx.await;
        },
    ));
    let r: LoginResponse = reqwest::Client::new()
        .post(format!("http://{addr}/api/auth/login"))
        .json(&serde_json::json!({"username": "office", "password": "tachkhis-demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!((r.expires_at - now - 90 * 86_400).abs() <= 5, "{r:?}");
    let _ = tx.send(());
    server.await.unwrap().unwrap();
}

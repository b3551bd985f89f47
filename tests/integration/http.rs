//! The HTTP surface: bad input gets a clear 4xx in the API's error shape and changes nothing.

use crate::helpers::spawn_app;

#[tokio::test]
async fn bad_input_gets_clear_4xx_errors() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let users_before = app.count("SELECT count(*) FROM tokens");

    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            app.http
                .post(app.url("/api/auth/login"))
                .header("content-type", "application/json")
                .body("{not json"),
            400,
            "bad_json",
        ),
        (
            app.http
                .post(app.url("/api/auth/login"))
                .json(&serde_json::json!({"username": 5, "password": []})),
            400,
            "bad_json",
        ),
        (
            app.http.post(app.url("/api/auth/login")).body("username=a"),
            400,
            "bad_json",
        ),
        (
            app.http.post(app.url("/api/auth/login")).json(
                &serde_json::json!({"username": "facilitator", "password": "wrong-password"}),
            ),
            401,
            "bad_credentials",
        ),
        (
            app.http
                .post(app.url("/api/auth/login"))
                .json(&serde_json::json!({"username": "مستخدم_غير_موجود", "password": "ⵜⴰⵎⴰⵣⵉⵖⵜ"})),
            401,
            "bad_credentials",
        ),
        (app.http.get(app.url("/api/sessions")), 401, "missing_token"),
        (
            app.http
                .get(app.url("/api/sessions"))
                .bearer_auth("not-a-token"),
            401,
            "invalid_token",
        ),
        (
            app.http
                .get(app.url("/api/sessions/not-a-uuid"))
                .bearer_auth(&token),
            400,
            "bad_id",
        ),
        (
            app.http
                .get(app.url("/api/sessions/6f1c1c38-8f5e-4a57-9c61-3d0c2b4b2a10"))
                .bearer_auth(&token),
            404,
            "not_found",
        ),
        (
            app.http.get(app.url("/api/no-such-thing")),
            404,
            "not_found",
        ),
        (
            app.http
                .delete(app.url("/api/sessions"))
                .bearer_auth(&token),
            400,
            "method_not_allowed",
        ),
        (
            app.http
                .post(app.url("/api/docs/xyz/sync"))
                .bearer_auth(&token)
                .header("x-peer-id", "p")
                .body(vec![1u8]),
            400,
            "bad_id",
        ),
        (
            app.http
                .post(app.url("/api/docs/6f1c1c38-8f5e-4a57-9c61-3d0c2b4b2a10/sync"))
                .bearer_auth(&token)
                .body(vec![0x42u8]),
            400,
            "bad_peer",
        ),
        (
            app.http
                .post(app.url("/api/auth/login"))
                .header("content-type", "application/json")
                .body(vec![b' '; 200 * 1024]),
            413,
            "payload_too_large",
        ),
        (
            app.http
                .post(app.url("/api/sync"))
                .bearer_auth(&token)
                .body(vec![0u8; 17 * 1024 * 1024]),
            413,
            "payload_too_large",
        ),
    ];
    let last = cases.len() - 1;
    for (i, (req, status, code)) in cases.into_iter().enumerate() {
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "case {i}");
        let body = r.json::<serde_json::Value>().await;
        // The 17 MiB upload is refused from its Content-Length, before it is read: the server
        // then closes the connection while the client is still sending, and the client's
        // socket may drop the answer's body. The status above is what it reliably gets.
        if i == last && body.is_err() {
            continue;
        }
        let body = body.unwrap_or_else(|e| panic!("case {i}: body is not JSON: {e}"));
        assert_eq!(body["error"], code, "case {i}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "case {i}: {body}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) FROM tokens"),
        users_before,
        "no failed login issued a token"
    );
    assert_eq!(app.count("SELECT count(*) FROM documents"), 0);
    let (status, _) = app.get_json("/api/health", "").await;
    assert_eq!(status, 200, "still serving");
}

#[tokio::test]
async fn reference_data_has_the_seed_commune() {
    let app = spawn_app().await;
    let (_, r) = app.get_json("/api/reference", "").await;
    assert_eq!(r["poles"].as_array().unwrap().len(), 7);
    let douars = r["douars"].as_array().unwrap();
    let skir = douars
        .iter()
        .find(|d| d["id"] == "ouled-skir")
        .expect("Ouled Skir");
    assert!(
        skir["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "اولادسكيبر المصلى")
    );
    assert!(
        douars.iter().all(|d| d["illustrative"] == true),
        "the pole assignment is marked illustrative"
    );
    assert_eq!(r["sectors"].as_array().unwrap().len(), 13);
    assert_eq!(r["group_kinds"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn openapi_documents_every_endpoint() {
    let app = spawn_app().await;
    let (_, doc) = app.get_json("/api/openapi.json", "").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/health",
        "/api/openapi.json",
        "/api/auth/login",
        "/api/reference",
        "/api/sync",
        "/api/docs/{id}/sync",
        "/api/sessions",
        "/api/sessions/{id}",
        "/api/quarantine",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
}

#[tokio::test]
async fn logins_work_across_scripts_and_tokens_expire_with_revocation() {
    let app = spawn_app().await;
    let db = tachkhis_server::Db::open(&app.db_path).unwrap();
    db.write_blocking(|tx| {
        tachkhis_server::users::auth::create_user(
            tx,
            "فاطمة",
            "كلمة-سر-طويلة",
            tachkhis_shared::api::Role::Facilitator,
        )
    })
    .unwrap();
    let r = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&serde_json::json!({"username": "فاطمة", "password": "كلمة-سر-طويلة"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let login: tachkhis_shared::api::LoginResponse = r.json().await.unwrap();
    assert_eq!(login.username, "فاطمة");
    let (status, _) = app.get_json("/api/sessions", &login.token).await;
    assert_eq!(status, 200);
    // An administrator revokes the tablet's tokens: it can no longer reach the API.
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute("UPDATE tokens SET revoked_at = 1", [])
        .unwrap();
    let (status, body) = app.get_json("/api/sessions", &login.token).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "token_revoked");
}

#[tokio::test]
async fn the_client_is_served_with_the_right_types_compressed_and_with_route_fallback() {
    let assets = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(assets.path().join("pkg")).unwrap();
    std::fs::write(
        assets.path().join("index.html"),
        "<!doctype html><html lang=\"ar\" dir=\"rtl\"><body>تشخيص</body></html>",
    )
    .unwrap();
    // A body big enough to be worth compressing.
    std::fs::write(
        assets.path().join("pkg/tachkhis_client_bg.wasm"),
        [0u8, 97, 115, 109].repeat(4096),
    )
    .unwrap();
    std::fs::write(
        assets.path().join("pkg/tachkhis_client.js"),
        "export default function init() {}\n".repeat(200),
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = tachkhis_server::Config {
        db_path: dir.path().join("t.db"),
        assets_dir: Some(assets.path().to_owned()),
        // Set up (an empty server answers only its set-up until then: tests/integration/setup.rs).
        demo: true,
        ..Default::default()
    };
    let db = tachkhis_server::open_db(&config).await.unwrap();
    tokio::spawn(tachkhis_server::serve_with_db(
        listener,
        db,
        config,
        std::future::pending(),
    ));
    let http = reqwest::Client::builder().gzip(false).build().unwrap();

    let r = http
        .get(format!("{base}/pkg/tachkhis_client_bg.wasm"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["cache-control"], "no-cache");
    assert!(r.bytes().await.unwrap().len() < 4 * 4096 / 4, "compressed");

    let r = http
        .get(format!("{base}/pkg/tachkhis_client.js"))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert!(
        r.headers().get("content-encoding").is_none(),
        "no compression unless asked"
    );

    // A client-side route opens the app (the service worker does the same offline).
    let r = http
        .get(format!(
            "{base}/session/6f1c1c38-8f5e-4a57-9c61-3d0c2b4b2a10"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("تشخيص"));
    // The API is not shadowed by the fallback.
    let r = http
        .get(format!("{base}/api/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .get(format!("{base}/api/reference"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
}

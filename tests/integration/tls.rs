//! HTTPS: the server with a certificate made at test time (rcgen), a login and a sync over TLS,
//! clear errors for bad certificate files, and the plain-HTTP redirect.

use rcgen::CertifiedKey;
use tachkhis_server::tls::{TlsError, load_server_config};

use crate::helpers::{HttpTransport, Tablet, spawn_tls_app};

fn self_signed() -> (String, String) {
    let CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    (cert.pem(), signing_key.serialize_pem())
}

#[tokio::test]
async fn a_tablet_logs_in_and_syncs_over_https() {
    let (cert, key) = self_signed();
    let app = spawn_tls_app(&cert, &key).await;
    assert!(app.base.starts_with("https://localhost:"));
    let token = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let id = tablet.new_session();
    tablet.add_proposal(id, "الماء الصالح للشرب غير متوفر");
    let mut transport = HttpTransport {
        http: app.http.clone(),
        url: app.url("/api/sync"),
        token: token.clone(),
    };
    let report = tablet.sync_with(&mut transport).await.unwrap();
    assert!(report.round_trips >= 1);
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 1);
    let (status, body) = app.get_json(&format!("/api/sessions/{id}"), &token).await;
    assert_eq!(status, 200, "{body}");
    // Nothing more to send: the next sync is one quiet round trip over the same TLS server.
    let report = tablet.sync_with(&mut transport).await.unwrap();
    assert_eq!(report.round_trips, 1);

    // A client that does not trust the certificate is refused by TLS, before any HTTP.
    let addr = app.base.trim_start_matches("https://localhost:");
    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .resolve("localhost", format!("127.0.0.1:{addr}").parse().unwrap())
        .build()
        .unwrap();
    assert!(untrusting.get(app.url("/api/health")).send().await.is_err());
    // Plain HTTP to the TLS port gets no HTTP answer, and the server goes on serving.
    let plain = reqwest::get(format!("http://127.0.0.1:{addr}/api/health")).await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    let (status, _) = app.get_json("/api/health", &token).await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn a_silent_client_does_not_hold_up_the_handshakes_of_others() {
    let (cert, key) = self_signed();
    let app = spawn_tls_app(&cert, &key).await;
    let addr = app.base.trim_start_matches("https://localhost:");
    // Connections that never say hello.
    let mut silent = Vec::new();
    for _ in 0..5 {
        silent.push(
            tokio::net::TcpStream::connect(format!("127.0.0.1:{addr}"))
                .await
                .unwrap(),
        );
    }
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        app.http.get(app.url("/api/health")).send(),
    )
    .await
    .expect("answered while others stall")
    .unwrap();
    assert_eq!(r.status(), 200);
    drop(silent);
    app.stop().await;
}

#[test]
fn bad_certificate_files_are_reported_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed();
    let (_, other_key) = self_signed();
    let cert_path = dir.path().join("fullchain.pem");
    let key_path = dir.path().join("privkey.pem");
    let other_key_path = dir.path().join("other.pem");
    std::fs::write(&cert_path, &cert).unwrap();
    std::fs::write(&key_path, &key).unwrap();
    std::fs::write(&other_key_path, &other_key).unwrap();

    assert!(load_server_config(&cert_path, &key_path).is_ok());

    let missing = dir.path().join("missing.pem");
    let e = load_server_config(&missing, &key_path).unwrap_err();
    assert!(matches!(e, TlsError::ReadCert(..)), "{e}");
    assert!(e.to_string().contains("missing.pem"), "{e}");

    let e = load_server_config(&cert_path, &missing).unwrap_err();
    assert!(matches!(e, TlsError::ReadKey(..)), "{e}");

    // Key and certificate swapped.
    let e = load_server_config(&key_path, &cert_path).unwrap_err();
    assert!(matches!(e, TlsError::NoCert(..)), "{e}");

    let e = load_server_config(&cert_path, &other_key_path).unwrap_err();
    assert!(matches!(e, TlsError::Mismatch { .. }), "{e}");
    assert!(e.to_string().contains("does not go with"), "{e}");

    let garbled = dir.path().join("garbled.pem");
    std::fs::write(
        &garbled,
        "-----BEGIN CERTIFICATE-----\n%%%not base64%%%\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let e = load_server_config(&garbled, &key_path).unwrap_err();
    assert!(matches!(e, TlsError::ReadCert(..)), "{e}");
}

#[tokio::test]
async fn plain_http_redirects_to_https() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, tachkhis_server::tls::redirect_router(8443))
            .await
            .unwrap();
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(format!("http://{addr}/session/abc?x=1"))
        .header("host", "tachkhis.commune.ma")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(
        r.headers()["location"],
        "https://tachkhis.commune.ma:8443/session/abc?x=1"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, tachkhis_server::tls::redirect_router(443))
            .await
            .unwrap();
    });
    let r = http
        .get(format!("http://{addr}/"))
        .header("host", "tachkhis.commune.ma:80")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "https://tachkhis.commune.ma/");
}

//! The first run: a server on an empty database (no `--demo`) answers nothing but its set-up
//! until the one-time code it printed is given with the commune and the first administrator,
//! once; `tachkhis init` does the same on the command line, once.

use std::{io::Write, process::Command};

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

async fn spawn_empty() -> TestApp {
    spawn_app_with(|c| c.demo = false).await
}

fn setup_body(code: &str) -> Value {
    json!({
        "code": code,
        "commune": {
            "name_ar": "جماعة تيزي",
            "name_fr": "Commune de Tizi",
            "province": "Azilal",
            "region": "Béni Mellal-Khénifra",
            "mandate_start": 2023,
            "mandate_end": 2028,
        },
        "admin_username": "rachida",
        "admin_password": "une-phrase-de-passe",
    })
}

async fn post_setup(app: &TestApp, body: &Value) -> (u16, Value) {
    let r = app
        .http
        .post(app.url("/api/setup"))
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn login(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    let r = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_empty_server_serves_only_its_set_up_until_the_code_is_given_once() {
    let app = spawn_empty().await;
    let code = tachkhis_server::issue_setup_code(&app.state.db)
        .await
        .unwrap()
        .expect("an empty database needs a set-up code");
    assert_eq!(code.len(), 12);

    let (status, body) = app.get_json("/api/setup", "").await;
    assert_eq!((status, body["needed"].clone()), (200, json!(true)));
    assert_eq!(app.get_json("/api/health", "").await.0, 200);
    assert_eq!(app.get_json("/api/openapi.json", "").await.0, 200);
    for path in [
        "/api/reference",
        "/api/sessions",
        "/api/programme",
        "/api/audit",
    ] {
        let (status, body) = app.get_json(path, "").await;
        assert_eq!(status, 503, "{path} before set-up");
        assert_eq!(body["error"], "setup_required", "{path}");
        assert!(body["message"].as_str().unwrap().contains("set-up code"));
    }
    let (status, body) = login(&app, "rachida", "une-phrase-de-passe").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("setup_required"))
    );
    let r = app
        .http
        .post(app.url("/api/sync"))
        .body(vec![0u8; 4])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);

    // A wrong code changes nothing but the count of wrong codes.
    let wrong = if code.starts_with('A') {
        "CCCCCCCCCCCC"
    } else {
        "AAAAAAAAAAAA"
    };
    let (status, body) = post_setup(&app, &setup_body(wrong)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("bad_setup_code"))
    );
    assert_eq!(app.count("SELECT count(*) FROM communes"), 0);
    assert_eq!(app.count("SELECT count(*) FROM users"), 0);
    assert_eq!(app.count("SELECT failures FROM setup_code"), 1);
    assert_eq!(app.get_json("/api/reference", "").await.0, 503);

    // Bad commune data with the right code: refused, nothing written, the code still good.
    let mut bad = setup_body(&code);
    bad["commune"]["mandate_end"] = json!(2020);
    let (status, body) = post_setup(&app, &bad).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_commune")));
    let mut bad = setup_body(&code);
    bad["admin_password"] = json!("short");
    let (status, body) = post_setup(&app, &bad).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("bad_password"))
    );
    assert_eq!(app.count("SELECT count(*) FROM communes"), 0);

    // The right code, typed loosely (lower case, a dash), sets up the commune and the admin.
    let typed = format!("{}-{}", &code[..6], &code[6..]).to_lowercase();
    let (status, body) = post_setup(&app, &setup_body(&typed)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["needed"], false);
    let (status, body) = app.get_json("/api/setup", "").await;
    assert_eq!((status, body["needed"].clone()), (200, json!(false)));
    let (status, reference) = app.get_json("/api/reference", "").await;
    assert_eq!(status, 200);
    assert_eq!(reference["commune"]["name_fr"], "Commune de Tizi");
    assert_eq!(app.count("SELECT count(*) FROM setup_code"), 0);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM communes WHERE province = 'Azilal' \
             AND region = 'Béni Mellal-Khénifra' AND mandate_start = 2023 AND mandate_end = 2028"
        ),
        1
    );
    let (status, body) = login(&app, "rachida", "une-phrase-de-passe").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "admin");
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(app.get_json("/api/audit", &token).await.0, 200);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'setup.done'"),
        1
    );

    // Once only: the same code again, or another admin, is refused.
    let mut again = setup_body(&code);
    again["admin_username"] = json!("intruder");
    let (status, body) = post_setup(&app, &again).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
    assert_eq!(
        tachkhis_server::issue_setup_code(&app.state.db)
            .await
            .unwrap(),
        None,
        "no code once set up"
    );
}

#[tokio::test]
async fn a_new_start_replaces_the_set_up_code() {
    let app = spawn_empty().await;
    let old = tachkhis_server::issue_setup_code(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let new = tachkhis_server::issue_setup_code(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(old, new);
    let (status, _) = post_setup(&app, &setup_body(&old)).await;
    assert_eq!(status, 400, "the previous start's code no longer works");
    let (status, _) = post_setup(&app, &setup_body(&new)).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn a_server_that_printed_no_code_cannot_be_set_up_over_http() {
    let app = spawn_empty().await;
    let (status, body) = post_setup(&app, &setup_body("AAAAAAAAAAAA")).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));
    assert_eq!(app.count("SELECT count(*) FROM communes"), 0);
}

#[tokio::test]
async fn the_demo_is_set_up_without_a_code() {
    let app = crate::helpers::spawn_app().await;
    let (status, body) = app.get_json("/api/setup", "").await;
    assert_eq!((status, body["needed"].clone()), (200, json!(false)));
    assert_eq!(
        tachkhis_server::issue_setup_code(&app.state.db)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM communes WHERE mandate_start = 2023 AND mandate_end = 2028"
        ),
        1
    );
}

fn init(db: &std::path::Path, admin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tachkhis"))
        .args(["init", "--db"])
        .arg(db)
        .args([
            "--commune-name-ar",
            "جماعة أيت بوكماز",
            "--commune-name-fr",
            "Commune d'Aït Bouguemez",
            "--province",
            "Azilal",
            "--region",
            "Béni Mellal-Khénifra",
            "--mandate",
            "2023-2028",
            "--admin",
            admin,
        ])
        .env_remove("TACHKHIS_DB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run tachkhis init");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"mot-de-passe-long\n")
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn init_sets_up_once_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tachkhis.db");
    let first = init(&db, "admin1");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = init(&db, "admin2");
    assert!(!second.status.success(), "a second init is refused");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("already set up"), "{stderr}");

    let conn = rusqlite::Connection::open(&db).unwrap();
    let users: Vec<String> = conn
        .prepare("SELECT username FROM users")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(users, ["admin1"]);
    let commune: (String, i64, i64) = conn
        .query_row(
            "SELECT name_fr, mandate_start, mandate_end FROM communes",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(commune, ("Commune d'Aït Bouguemez".into(), 2023, 2028));
    drop(conn);

    // A bad mandate is refused before anything is written.
    let dir2 = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tachkhis"))
        .args(["init", "--db"])
        .arg(dir2.path().join("x.db"))
        .args([
            "--commune-name-ar",
            "ج",
            "--commune-name-fr",
            "C",
            "--province",
            "P",
            "--region",
            "R",
            "--mandate",
            "2028-2023",
            "--admin",
            "a",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a mandate"));

    // The server on that database needs no code, and the admin logs in.
    let app = spawn_app_with(|c| {
        c.demo = false;
        c.db_path = db.clone();
    })
    .await;
    assert_eq!(
        tachkhis_server::issue_setup_code(&app.state.db)
            .await
            .unwrap(),
        None
    );
    let (status, body) = login(&app, "admin1", "mot-de-passe-long").await;
    assert_eq!(status, 200, "{body}");
}

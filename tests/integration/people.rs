//! People managed by the administrator: creation with a one-time password that must be changed
//! before anything else, resets, roles, poles, deactivation (every device revoked, the work
//! kept) and reactivation, the last administrator, each user's devices, the audit log, and bad
//! input that changes nothing.

use serde_json::{Value, json};

use crate::helpers::{Tablet, TestApp, spawn_app, spawn_app_with};

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = app.http.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn login(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    let r = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn token_of(app: &TestApp, username: &str, password: &str) -> String {
    let (status, body) = login(app, username, password).await;
    assert_eq!(status, 200, "login of {username}: {body}");
    body["token"].as_str().unwrap().to_string()
}

async fn users(app: &TestApp, admin: &str) -> Vec<Value> {
    let (status, body) = app.get_json("/api/admin/users", admin).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

fn user<'a>(list: &'a [Value], username: &str) -> &'a Value {
    list.iter()
        .find(|u| u["username"] == username)
        .unwrap_or_else(|| panic!("no user {username} in {list:?}"))
}

fn id_of(list: &[Value], username: &str) -> i64 {
    user(list, username)["id"].as_i64().unwrap()
}

/// The audit entries of `action`, oldest first, as (actor, target, detail).
fn audit(app: &TestApp, action: &str) -> Vec<(Option<String>, Option<String>, Option<String>)> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT u.username, a.target, a.detail FROM audit_log a
             LEFT JOIN users u ON u.id = a.user_id WHERE a.action = ?1 ORDER BY a.id",
        )
        .unwrap();
    stmt.query_map([action], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// No audit entry holds any of these strings (passwords are never logged).
fn audit_never_says(app: &TestApp, secrets: &[&str]) {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let mut stmt = conn
        .prepare("SELECT coalesce(target, '') || ' ' || coalesce(detail, '') FROM audit_log")
        .unwrap();
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for row in rows {
        for secret in secrets {
            assert!(
                !row.contains(secret),
                "the audit log holds a password: {row}"
            );
        }
    }
}

#[tokio::test]
async fn a_created_user_must_choose_a_password_before_anything_else() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (status, created) = call(
        &app,
        "POST",
        "/api/admin/users",
        &admin,
        Some(
            json!({"username": "fatima.z", "display_name": "فاطمة الزهراء", "role": "facilitator"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let one_time = created["one_time_password"].as_str().unwrap().to_string();
    assert_eq!(one_time.chars().count(), 10);
    assert_eq!(created["user"]["role"], "facilitator");
    assert_eq!(created["user"]["must_change_password"], true);
    assert_eq!(created["user"]["active"], true);
    assert_eq!(created["user"]["devices"], 0);
    assert!(created["user"]["last_activity"].is_null());
    let listed = users(&app, &admin).await;
    assert_eq!(user(&listed, "fatima.z")["display_name"], "فاطمة الزهراء");

    // The first login says the password must be changed; the token does nothing else.
    let (status, first) = login(&app, "fatima.z", &one_time).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["must_change_password"], true);
    let token = first["token"].as_str().unwrap().to_string();
    for path in ["/api/sessions", "/api/reference", "/api/programme"] {
        let (status, body) = app.get_json(path, &token).await;
        if path == "/api/reference" {
            // Place names are public: the reference needs no login at all.
            assert_eq!(status, 200, "{path}");
            continue;
        }
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("password_change_required")),
            "{path}: {body}"
        );
        assert!(body["message"].as_str().unwrap().contains("one-time"));
    }
    let mut tablet = Tablet::new("fatima.z");
    let session = tablet.new_session();
    tablet.add_proposal(session, "الطريق مقطوعة");
    let err = tablet.sync(&app, &token).await.unwrap_err().to_string();
    assert!(
        err.contains("403") && err.contains("password_change_required"),
        "{err}"
    );
    assert_eq!(app.count("SELECT count(*) FROM documents"), 0);
    let (status, me) = app.get_json("/api/me", &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["must_change_password"], true);
    assert_eq!(me["username"], "fatima.z");

    // The change: the current password must be right, the new one good.
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let (status, body) = call(
        &app,
        "POST",
        "/api/auth/password",
        &token,
        Some(change("wrong-one", "a-good-password")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("wrong_password")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/auth/password",
        &token,
        Some(change(&one_time, "short")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("bad_password")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/auth/password",
        &token,
        Some(change(&one_time, "FATIMA.Z")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("bad_password")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/auth/password",
        &token,
        Some(change(&one_time, &one_time)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("bad_password")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/auth/password",
        &token,
        Some(change(&one_time, "زيتون-2026")),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    // The same token now works, the tablet syncs; the one-time password no longer logs in.
    let (status, _) = app.get_json("/api/sessions", &token).await;
    assert_eq!(status, 200);
    tablet.sync(&app, &token).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 1);
    let (status, _) = login(&app, "fatima.z", &one_time).await;
    assert_eq!(status, 401);
    let (status, again) = login(&app, "fatima.z", "زيتون-2026").await;
    assert_eq!(status, 200);
    assert_eq!(again["must_change_password"], false);
    let listed = users(&app, &admin).await;
    let fatima = user(&listed, "fatima.z");
    assert_eq!(fatima["must_change_password"], false);
    assert_eq!(fatima["devices"], 2);
    assert!(fatima["last_activity"].is_i64(), "{fatima}");

    // Who did what to whom, never a password.
    let created = audit(&app, "user.create");
    let last = created.last().unwrap();
    assert_eq!(last.0.as_deref(), Some("admin"));
    assert_eq!(last.1.as_deref(), Some("fatima.z"));
    assert!(last.2.as_deref().unwrap().contains("facilitator"));
    let changed = audit(&app, "user.password_change");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].0.as_deref(), Some("fatima.z"));
    audit_never_says(&app, &[&one_time, "زيتون-2026", "wrong-one"]);
    app.stop().await;
}

#[tokio::test]
async fn anyone_changes_their_own_password_and_wrong_ones_count_as_failed_logins() {
    // Waits long enough that no test run reaches their end.
    let app = spawn_app_with(|c| {
        c.login_limits.account.free_failures = 2;
        c.login_limits.account.first_wait = std::time::Duration::from_secs(600);
        c.login_limits.account.max_wait = std::time::Duration::from_secs(600);
    })
    .await;
    let office = app.login("office").await;
    let body = json!({"current_password": "tachkhis-demo", "new_password": "bureau-d-etudes"});
    let (status, answer) = call(&app, "POST", "/api/auth/password", &office, Some(body)).await;
    assert_eq!(status, 204, "{answer}");
    let (status, _) = login(&app, "office", "tachkhis-demo").await;
    assert_eq!(status, 401);
    token_of(&app, "office", "bureau-d-etudes").await;
    // Wrong current passwords meet the login's waits: after the free failures and one more,
    // the account waits, for a change of password as for a login.
    let committee = app.login("committee").await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let body = json!({"current_password": "guess-guess", "new_password": "another-one-1"});
        statuses.push(
            call(&app, "POST", "/api/auth/password", &committee, Some(body))
                .await
                .0,
        );
    }
    assert_eq!(statuses, [400, 400, 400, 429]);
    let (status, _) = login(&app, "committee", "tachkhis-demo").await;
    assert_eq!(status, 429, "the login waits as well");
    app.stop().await;
}

#[tokio::test]
async fn a_reset_gives_a_new_one_time_password_and_revokes_the_devices() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    // A password typed by the administrator is not answered back.
    let (status, created) = call(
        &app,
        "POST",
        "/api/admin/users",
        &admin,
        Some(json!({"username": "omar", "role": "office", "password": "premier-mot"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["one_time_password"].is_null());
    let id = created["user"]["id"].as_i64().unwrap();
    let token = token_of(&app, "omar", "premier-mot").await;
    let body = json!({"current_password": "premier-mot", "new_password": "le-mien-a-moi"});
    assert_eq!(
        call(&app, "POST", "/api/auth/password", &token, Some(body))
            .await
            .0,
        204
    );
    let (status, _) = app.get_json("/api/proposals", &token).await;
    assert_eq!(status, 200);

    let (status, reset) = call(
        &app,
        "POST",
        &format!("/api/admin/users/{id}/password"),
        &admin,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{reset}");
    let new_one = reset["one_time_password"].as_str().unwrap().to_string();
    assert_eq!(reset["user"]["must_change_password"], true);
    assert_eq!(reset["user"]["devices"], 0);
    let (status, body) = app.get_json("/api/proposals", &token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("token_revoked"))
    );
    let (status, _) = login(&app, "omar", "le-mien-a-moi").await;
    assert_eq!(status, 401);
    let (status, again) = login(&app, "omar", &new_one).await;
    assert_eq!(status, 200);
    assert_eq!(again["must_change_password"], true);
    // A typed reset must pass the rules; one's own account is not reset here.
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/admin/users/{id}/password"),
        &admin,
        Some(json!({"password": "1234"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("bad_password"))
    );
    let admin_id = id_of(&users(&app, &admin).await, "admin");
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/admin/users/{admin_id}/password"),
        &admin,
        Some(json!({})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (409, Some("own_account")));

    let resets = audit(&app, "user.password_reset");
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].0.as_deref(), Some("admin"));
    assert_eq!(resets[0].1.as_deref(), Some("omar"));
    assert!(
        resets[0]
            .2
            .as_deref()
            .unwrap()
            .contains("\"devices_revoked\":1")
    );
    audit_never_says(&app, &[&new_one, "premier-mot", "le-mien-a-moi"]);
    app.stop().await;
}

#[tokio::test]
async fn deactivation_revokes_every_device_at_once_and_keeps_the_work() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (token_a, token_b) = (
        app.login("facilitator").await,
        app.login("facilitator").await,
    );
    let mut a = Tablet::new("facilitator");
    let mut b = Tablet::new("facilitator");
    let sa = a.new_session();
    a.add_proposal(sa, "لا يوجد مستوصف");
    let sb = b.new_session();
    b.add_proposal(sb, "الماء غير كاف");
    a.sync(&app, &token_a).await.unwrap();
    b.sync(&app, &token_b).await.unwrap();
    let id = id_of(&users(&app, &admin).await, "facilitator");
    let (status, devices) = app
        .get_json(&format!("/api/admin/users/{id}/devices"), &admin)
        .await;
    assert_eq!(status, 200);
    assert_eq!(devices.as_array().unwrap().len(), 2, "{devices}");

    let (status, off) = call(
        &app,
        "POST",
        &format!("/api/admin/users/{id}/deactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{off}");
    assert_eq!(off["active"], false);
    assert_eq!(off["devices"], 0);
    for (tablet, token) in [(&mut a, &token_a), (&mut b, &token_b)] {
        let err = tablet.sync(&app, token).await.unwrap_err().to_string();
        assert!(
            err.contains("401") && err.contains("token_revoked"),
            "{err}"
        );
    }
    let (status, _) = login(&app, "facilitator", "tachkhis-demo").await;
    assert_eq!(status, 401);
    // Their sessions and proposals stay, theirs.
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 2);
    let (status, sessions) = app.get_json("/api/sessions", &admin).await;
    assert_eq!(status, 200);
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    // Every device listed as revoked by the administrator.
    let (_, devices) = app
        .get_json(&format!("/api/admin/users/{id}/devices"), &admin)
        .await;
    for d in devices.as_array().unwrap() {
        assert_eq!(d["revoked_by"], "admin", "{d}");
    }
    // Again: nothing changes, nothing more logged.
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/admin/users/{id}/deactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let logged = audit(&app, "user.deactivate");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].1.as_deref(), Some("facilitator"));
    assert!(
        logged[0]
            .2
            .as_deref()
            .unwrap()
            .contains("\"devices_revoked\":2")
    );

    let (status, on) = call(
        &app,
        "POST",
        &format!("/api/admin/users/{id}/reactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{on}");
    assert_eq!(on["active"], true);
    // Old tablets stay revoked; a new login works and syncs the kept work.
    let err = a.sync(&app, &token_a).await.unwrap_err().to_string();
    assert!(err.contains("token_revoked"), "{err}");
    let fresh = app.login("facilitator").await;
    a.add_proposal(sa, "المدرسة بعيدة");
    a.sync(&app, &fresh).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM proposals"), 3);
    assert_eq!(audit(&app, "user.reactivate").len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn the_last_active_administrator_stays_one() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let admin_id = id_of(&users(&app, &admin).await, "admin");
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/admin/users/{admin_id}/deactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("last_admin")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "PATCH",
        &format!("/api/admin/users/{admin_id}"),
        &admin,
        Some(json!({"role": "office"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("last_admin")),
        "{body}"
    );

    // A second administrator: then the first may be demoted, and the second is the last.
    let (status, created) = call(
        &app,
        "POST",
        "/api/admin/users",
        &admin,
        Some(json!({"username": "admin2", "role": "admin", "password": "deuxieme-admin"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let second_id = created["user"]["id"].as_i64().unwrap();
    let second = token_of(&app, "admin2", "deuxieme-admin").await;
    let body = json!({"current_password": "deuxieme-admin", "new_password": "admin-numero-2"});
    assert_eq!(
        call(&app, "POST", "/api/auth/password", &second, Some(body))
            .await
            .0,
        204
    );
    // Deactivating oneself is another's job even with two administrators.
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/admin/users/{second_id}/deactivate"),
        &second,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("own_account")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "PATCH",
        &format!("/api/admin/users/{admin_id}"),
        &second,
        Some(json!({"role": "office"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "office");
    let (status, body) = call(
        &app,
        "PATCH",
        &format!("/api/admin/users/{second_id}"),
        &second,
        Some(json!({"role": "facilitator"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("last_admin")),
        "{body}"
    );
    // The demoted one's login now has the office's rights at once.
    let (status, body) = app.get_json("/api/admin/users", &admin).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    // A deactivated administrator is not an active one.
    let (status, _) = call(
        &app,
        "PATCH",
        &format!("/api/admin/users/{admin_id}"),
        &second,
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/admin/users/{admin_id}/deactivate"),
        &second,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &app,
        "PATCH",
        &format!("/api/admin/users/{second_id}"),
        &second,
        Some(json!({"role": "office"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("last_admin")),
        "{body}"
    );
    let roles = audit(&app, "user.role");
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[0].0.as_deref(), Some("admin2"));
    assert_eq!(roles[0].1.as_deref(), Some("admin"));
    assert!(
        roles[0]
            .2
            .as_deref()
            .unwrap()
            .contains("\"after\":\"office\"")
    );
    app.stop().await;
}

#[tokio::test]
async fn other_roles_may_not_manage_people() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let id = id_of(&users(&app, &admin).await, "committee");
    for role in ["office", "facilitator", "committee", "bureau"] {
        let token = app.login(role).await;
        let attempts = [
            ("GET", "/api/admin/users".to_string(), None),
            (
                "POST",
                "/api/admin/users".to_string(),
                Some(json!({"username": "x1", "role": "admin"})),
            ),
            (
                "PATCH",
                format!("/api/admin/users/{id}"),
                Some(json!({"role": "admin"})),
            ),
            (
                "POST",
                format!("/api/admin/users/{id}/password"),
                Some(json!({})),
            ),
            ("POST", format!("/api/admin/users/{id}/deactivate"), None),
            ("GET", format!("/api/admin/users/{id}/devices"), None),
        ];
        for (method, path, body) in attempts {
            let (status, answer) = call(&app, method, &path, &token, body).await;
            assert_eq!(
                (status, answer["error"].as_str()),
                (403, Some("forbidden")),
                "{role} {method} {path}"
            );
        }
    }
    let listed = users(&app, &admin).await;
    assert_eq!(listed.len(), 7, "the demo's seven users");
    assert_eq!(user(&listed, "committee")["role"], "committee");
    assert_eq!(user(&listed, "committee")["active"], true);
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (status, _) = call(
        &app,
        "POST",
        "/api/admin/users",
        &admin,
        Some(json!({"username": "فاطمة", "role": "facilitator"})),
    )
    .await;
    assert_eq!(status, 201);
    let users_before = app.count("SELECT count(*) FROM users");
    let audit_before = app.count("SELECT count(*) FROM audit_log");
    let create = |body: Value| call(&app, "POST", "/api/admin/users", &admin, Some(body));
    for (body, status, code) in [
        (
            json!({"username": "nadia", "role": "root"}),
            400,
            "bad_role",
        ),
        (json!({"username": "nadia", "role": ""}), 400, "bad_role"),
        (
            json!({"username": "a b", "role": "office"}),
            400,
            "bad_username",
        ),
        (
            json!({"username": "", "role": "office"}),
            400,
            "bad_username",
        ),
        (
            json!({"username": "nadia", "role": "office", "password": "court"}),
            400,
            "bad_password",
        ),
        (
            json!({"username": "nadia", "role": "office", "password": "NADIA"}),
            400,
            "bad_password",
        ),
        (
            json!({"username": "nadia", "role": "office", "poles": ["nowhere"]}),
            400,
            "unknown_pole",
        ),
        (
            json!({"username": "nadia", "role": "office", "display_name": "x".repeat(101)}),
            400,
            "bad_label",
        ),
        (json!({"username": "nadia"}), 400, "bad_json"),
        // Duplicates, once folded: case, and Arabic spellings (ة / ه).
        (
            json!({"username": "facilitator", "role": "office"}),
            409,
            "username_taken",
        ),
        (
            json!({"username": "FACILITATOR", "role": "office"}),
            409,
            "username_taken",
        ),
        (
            json!({"username": "فاطمه", "role": "office"}),
            409,
            "username_taken",
        ),
        (
            json!({"username": " فاطمة ", "role": "office"}),
            409,
            "username_taken",
        ),
    ] {
        let (got, answer) = create(body.clone()).await;
        assert_eq!(
            (got, answer["error"].as_str()),
            (status, Some(code)),
            "{body}: {answer}"
        );
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let id = id_of(&users(&app, &admin).await, "facilitator");
    let unknown = 999_999;
    for (method, path, body) in [
        (
            "PATCH",
            format!("/api/admin/users/{unknown}"),
            Some(json!({"role": "office"})),
        ),
        (
            "POST",
            format!("/api/admin/users/{unknown}/password"),
            Some(json!({})),
        ),
        (
            "POST",
            format!("/api/admin/users/{unknown}/deactivate"),
            None,
        ),
        (
            "POST",
            format!("/api/admin/users/{unknown}/reactivate"),
            None,
        ),
        ("GET", format!("/api/admin/users/{unknown}/devices"), None),
    ] {
        let (status, answer) = call(&app, method, &path, &admin, body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (404, Some("not_found")),
            "{method} {path}"
        );
    }
    let (status, answer) = call(
        &app,
        "POST",
        "/api/admin/users/abc/deactivate",
        &admin,
        None,
    )
    .await;
    assert_eq!((status, answer["error"].as_str()), (400, Some("bad_id")));
    for (body, code) in [
        (json!({"role": "superuser"}), "bad_role"),
        (json!({"poles": ["p1", "nowhere"]}), "unknown_pole"),
        (
            json!({"role": "office", "poles": ["nowhere"]}),
            "unknown_pole",
        ),
    ] {
        let (status, answer) = call(
            &app,
            "PATCH",
            &format!("/api/admin/users/{id}"),
            &admin,
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some(code)),
            "{body}: {answer}"
        );
    }
    // The refused PATCH that named a good role changed nothing either (one transaction).
    let listed = users(&app, &admin).await;
    assert_eq!(user(&listed, "facilitator")["role"], "facilitator");
    assert_eq!(app.count("SELECT count(*) FROM users"), users_before);
    assert_eq!(app.count("SELECT count(*) FROM audit_log"), audit_before);
    assert_eq!(app.count("SELECT count(*) FROM user_poles"), 0);
    app.stop().await;
}

#[tokio::test]
async fn poles_display_names_and_roles_change_and_reach_the_login() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let poles: Vec<String> = conn
        .prepare("SELECT id FROM poles ORDER BY position")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(poles.len() >= 3);
    let id = id_of(&users(&app, &admin).await, "facilitator");
    // Given out of order and twice: kept once each, in the poles' order.
    let given = json!({"poles": [poles[2], poles[0], poles[2]], "display_name": " يوسف "});
    let (status, changed) = call(
        &app,
        "PATCH",
        &format!("/api/admin/users/{id}"),
        &admin,
        Some(given),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["poles"], json!([poles[0], poles[2]]));
    assert_eq!(changed["display_name"], "يوسف");
    let (status, login) = login(&app, "facilitator", "tachkhis-demo").await;
    assert_eq!(status, 200);
    assert_eq!(login["poles"], json!([poles[0], poles[2]]));
    let token = login["token"].as_str().unwrap();
    let (_, me) = app.get_json("/api/me", token).await;
    assert_eq!(me["poles"], json!([poles[0], poles[2]]));
    assert_eq!(me["display_name"], "يوسف");
    // The same again changes nothing and logs nothing; an empty list clears them.
    let (status, _) = call(
        &app,
        "PATCH",
        &format!("/api/admin/users/{id}"),
        &admin,
        Some(json!({"poles": [poles[0], poles[2]]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(audit(&app, "user.poles").len(), 1);
    let (_, cleared) = call(
        &app,
        "PATCH",
        &format!("/api/admin/users/{id}"),
        &admin,
        Some(json!({"poles": [], "display_name": ""})),
    )
    .await;
    assert_eq!(cleared["poles"], json!([]));
    assert!(cleared["display_name"].is_null());
    let logged = audit(&app, "user.poles");
    assert_eq!(logged.len(), 2);
    assert_eq!(logged[0].1.as_deref(), Some("facilitator"));
    assert_eq!(audit(&app, "user.display_name").len(), 2);
    // A role change takes effect on the user's current login at once.
    let (status, _) = call(
        &app,
        "PATCH",
        &format!("/api/admin/users/{id}"),
        &admin,
        Some(json!({"role": "committee"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = app.get_json("/api/needs", token).await;
    assert_eq!(status, 200, "a committee member reads the needs");
    let (_, me) = app.get_json("/api/me", token).await;
    assert_eq!(me["role"], "committee");
    app.stop().await;
}

#[tokio::test]
async fn each_users_devices_are_listed_and_revoked_one_by_one() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let first = app.login("facilitator").await;
    let _second = app.login("facilitator").await;
    app.login("office").await;
    let id = id_of(&users(&app, &admin).await, "facilitator");
    let (status, devices) = app
        .get_json(&format!("/api/admin/users/{id}/devices"), &admin)
        .await;
    assert_eq!(status, 200);
    let devices = devices.as_array().unwrap();
    assert_eq!(devices.len(), 2, "only the facilitator's: {devices:?}");
    assert!(devices.iter().all(|d| d["username"] == "facilitator"));
    let mut tablet = Tablet::new("facilitator");
    let s = tablet.new_session();
    tablet.add_proposal(s, "انقطاع الكهرباء");
    tablet.sync(&app, &first).await.unwrap();
    let (_, devices) = app
        .get_json(&format!("/api/admin/users/{id}/devices"), &admin)
        .await;
    // The device that synced comes first (most recently used).
    let synced = devices[0]["id"].as_str().unwrap().to_string();
    assert_eq!(devices[0]["peer_id"], tablet.peer.to_string());
    let (status, revoked) = call(
        &app,
        "POST",
        &format!("/api/admin/devices/{synced}/revoke"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{revoked}");
    let err = tablet.sync(&app, &first).await.unwrap_err().to_string();
    assert!(
        err.contains("401") && err.contains("token_revoked"),
        "{err}"
    );
    let listed = users(&app, &admin).await;
    assert_eq!(user(&listed, "facilitator")["devices"], 1);
    app.stop().await;
}

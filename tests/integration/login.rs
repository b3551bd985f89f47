//! Logins: growing waits per account and per client address (429 with `Retry-After`, no
//! password check for a refused attempt, the right password let in after the wait), bounded
//! state, sampled audit of failures, and a flood of bad logins beside a syncing tablet.

use std::{net::IpAddr, time::Duration};

use tachkhis_server::{
    Config,
    users::login_limit::{Backoff, LoginLimits, Tracked},
};
use tachkhis_shared::api::LoginResponse;

use crate::helpers::{Tablet, TestApp, spawn_app_with};

const RIGHT: &str = "tachkhis-demo";

/// Limits small enough for a test: 2 free failures then 2 s doubling to 8 s, per account;
/// the address's limit out of the way unless a test sets it.
fn small_limits(c: &mut Config) {
    c.login_limits = LoginLimits {
        account: Backoff {
            free_failures: 2,
            first_wait: Duration::from_secs(2),
            max_wait: Duration::from_secs(8),
            forget_after: Duration::from_secs(3600),
        },
        address: Backoff {
            free_failures: 1_000,
            first_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(4),
            forget_after: Duration::from_secs(3600),
        },
        refusal_pause: Duration::from_millis(100),
        audit_flush: Duration::from_millis(50),
        ..LoginLimits::default()
    };
}

/// A client whose connections come from `ip` (any 127.x.y.z reaches the server on Linux).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: serde_json::Value,
}

async fn try_login(app: &TestApp, http: &reqwest::Client, user: &str, password: &str) -> Answer {
    try_login_with(http.post(app.url("/api/auth/login")), user, password).await
}

async fn try_login_with(request: reqwest::RequestBuilder, user: &str, password: &str) -> Answer {
    let r = request
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry_after = r.headers().get("retry-after").map(|v| {
        v.to_str()
            .unwrap()
            .parse::<u64>()
            .expect("Retry-After in seconds")
    });
    let body = r.json().await.unwrap_or(serde_json::Value::Null);
    Answer {
        status,
        retry_after,
        body,
    }
}

fn assert_refused(a: &Answer, whom: &str) -> Duration {
    assert_eq!(a.status, 429, "{}", a.body);
    assert_eq!(a.body["error"], "too_many_attempts", "{}", a.body);
    let message = a.body["message"].as_str().unwrap();
    assert!(
        message.contains(whom) && message.contains("try again in"),
        "{message}"
    );
    let secs = a.retry_after.expect("a 429 says how long to wait");
    assert!(secs >= 1, "{secs}");
    Duration::from_secs(secs)
}

/// Waits until the audit writer has recorded at least `n` failed logins; returns them as
/// (target, detail, user id).
async fn failed_logins(app: &TestApp, n: usize) -> Vec<(Option<String>, String, Option<i64>)> {
    let read = || {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT target, detail, user_id FROM audit_log WHERE action = 'login.failed'
                 ORDER BY id",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    for _ in 0..200 {
        let rows = read();
        if rows.len() >= n {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = read();
    panic!("expected {n} audited failures, found {rows:?}");
}

#[tokio::test]
async fn an_account_waits_longer_after_each_failure_then_the_right_password_works() {
    let app = spawn_app_with(small_limits).await;
    let http = app.http.clone();
    let checks = || app.state.logins.verifications();

    // Two free failures, then the third starts a wait of 2 s.
    for _ in 0..3 {
        let a = try_login(&app, &http, "facilitator", "wrong-password").await;
        assert_eq!(
            (a.status, a.body["error"].as_str()),
            (401, Some("bad_credentials"))
        );
    }
    let before = checks();
    let a = try_login(&app, &http, "facilitator", RIGHT).await;
    let wait = assert_refused(&a, "for this username");
    assert!(wait <= Duration::from_secs(2), "{wait:?}");
    // Refused from another address too (the account waits), and without a password check.
    let elsewhere = client_from("127.0.0.2");
    assert_refused(
        &try_login(&app, &elsewhere, "facilitator", RIGHT).await,
        "for this username",
    );
    assert_eq!(checks(), before, "a refused attempt runs no password check");
    // Other accounts are not held up.
    assert_eq!(try_login(&app, &http, "office", RIGHT).await.status, 200);

    // After the wait, one more failure doubles it.
    tokio::time::sleep(wait).await;
    let a = try_login(&app, &http, "facilitator", "wrong-again").await;
    assert_eq!(a.status, 401, "{}", a.body);
    let wait = assert_refused(
        &try_login(&app, &http, "facilitator", RIGHT).await,
        "for this username",
    );
    assert!(wait > Duration::from_secs(2), "doubled to 4 s: {wait:?}");

    // After that wait the right password works, and the streak starts again from zero.
    tokio::time::sleep(wait).await;
    let a = try_login(&app, &http, "facilitator", RIGHT).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let login: LoginResponse = serde_json::from_value(a.body).unwrap();
    assert_eq!(login.username, "facilitator");
    for _ in 0..3 {
        let a = try_login(&app, &http, "facilitator", "wrong-password").await;
        assert_eq!(
            a.status, 401,
            "free failures again after a success: {}",
            a.body
        );
    }
    assert_eq!(
        try_login(&app, &http, "facilitator", RIGHT).await.status,
        429
    );

    // Failures are audited, sampled: the 1st, 2nd and 4th of a streak (not the 3rd), with
    // the address and the account.
    let rows = failed_logins(&app, 5).await;
    let facilitator_id: i64 = app.count("SELECT id FROM users WHERE username = 'facilitator'");
    let streaks: Vec<&str> = rows
        .iter()
        .map(|(target, detail, user)| {
            assert_eq!(target.as_deref(), Some("facilitator"));
            assert_eq!(*user, Some(facilitator_id));
            assert!(detail.contains("from 127.0.0.1"), "{detail}");
            detail.as_str()
        })
        .collect();
    assert!(streaks[0].contains("failure 1 in a row"), "{streaks:?}");
    assert!(streaks[1].contains("failure 2 in a row"), "{streaks:?}");
    assert!(streaks[2].contains("failure 4 in a row"), "{streaks:?}");
    assert!(
        !streaks.iter().any(|d| d.contains("failure 3 in a row")),
        "{streaks:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_address_waits_after_many_failures_on_any_accounts_others_do_not() {
    let app = spawn_app_with(|c| {
        small_limits(c);
        c.login_limits.account.free_failures = 1_000;
        c.login_limits.address.free_failures = 3;
    })
    .await;
    let here = app.http.clone();
    for user in ["someone", "facilitator", "nobody", "office"] {
        let a = try_login(&app, &here, user, "wrong-password").await;
        assert_eq!(a.status, 401, "{}", a.body);
    }
    let before = app.state.logins.verifications();
    let wait = assert_refused(
        &try_login(&app, &here, "admin", RIGHT).await,
        "from this network address",
    );
    assert_eq!(app.state.logins.verifications(), before);
    // A forged X-Forwarded-For is not believed unless configured (no proxy in front here).
    let forged = app
        .http
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", "198.51.100.7");
    assert_refused(
        &try_login_with(forged, "admin", RIGHT).await,
        "from this network address",
    );
    // Another address logs in at once: the wait is this address's.
    let there = client_from("127.0.0.3");
    assert_eq!(try_login(&app, &there, "admin", RIGHT).await.status, 200);
    // Names no account can have count too, without a password check.
    let a = try_login(&app, &there, "not a username!", "whatever-password").await;
    assert_eq!(a.status, 401);
    assert_eq!(app.state.logins.verifications(), before + 1);

    tokio::time::sleep(wait).await;
    assert_eq!(try_login(&app, &here, "admin", RIGHT).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn behind_a_proxy_the_forwarded_address_counts_when_configured() {
    let app = spawn_app_with(|c| {
        small_limits(c);
        c.login_limits.account.free_failures = 1_000;
        c.login_limits.address.free_failures = 1;
        c.login_limits.trust_forwarded_for = true;
    })
    .await;
    let from = |ip: &str| {
        app.http
            .post(app.url("/api/auth/login"))
            // What a proxy sends: the client's own claim, then the address the proxy saw.
            .header("x-forwarded-for", format!("10.9.9.9, {ip}"))
    };
    for _ in 0..2 {
        let a = try_login_with(from("203.0.113.5"), "x", "wrong-password").await;
        assert_eq!(a.status, 401);
    }
    assert_refused(
        &try_login_with(from("203.0.113.5"), "admin", RIGHT).await,
        "from this network address",
    );
    // Same TCP peer (the proxy), another client behind it: not held up.
    let a = try_login_with(from("203.0.113.6"), "admin", RIGHT).await;
    assert_eq!(a.status, 200, "{}", a.body);
    // IPv6 clients count by /64.
    for _ in 0..2 {
        let a = try_login_with(from("2001:db8:5:6::1"), "x", "wrong-password").await;
        assert_eq!(a.status, 401);
    }
    assert_refused(
        &try_login_with(from("2001:db8:5:6:ffff::2"), "admin", RIGHT).await,
        "from this network address",
    );
    app.stop().await;
}

#[tokio::test]
async fn the_login_state_stays_within_its_bound() {
    let app = spawn_app_with(|c| {
        small_limits(c);
        c.login_limits.max_tracked = 8;
    })
    .await;
    // Successes leave nothing behind.
    for i in 0..5 {
        let http = client_from(&format!("127.0.2.{}", i + 1));
        assert_eq!(try_login(&app, &http, "office", RIGHT).await.status, 200);
    }
    assert_eq!(
        app.state.logins.tracked(),
        Tracked {
            accounts: 0,
            addresses: 0
        }
    );
    for i in 0..40 {
        // Random usernames from several addresses: each would be a new entry.
        let http = client_from(&format!("127.0.1.{}", i % 12 + 1));
        let a = try_login(&app, &http, &format!("guess{i}"), "wrong-password").await;
        assert_eq!(a.status, 401);
        let tracked = app.state.logins.tracked();
        assert!(
            tracked.accounts <= 8 && tracked.addresses <= 8,
            "{tracked:?}"
        );
    }
    // The latest streaks are the ones kept: a fresh account's waits still work.
    for _ in 0..3 {
        try_login(&app, &app.http, "facilitator", "wrong-password").await;
    }
    assert_refused(
        &try_login(&app, &app.http, "facilitator", RIGHT).await,
        "for this username",
    );
    app.stop().await;
}

#[tokio::test]
async fn a_flood_of_bad_logins_beside_a_syncing_tablet() {
    // Every bad login really checks its password here (limits out of the way, as from many
    // addresses): the hard case for the database lock.
    let app = spawn_app_with(|c| {
        c.login_limits.account.free_failures = u32::MAX;
        c.login_limits.address.free_failures = u32::MAX;
        c.login_limits.audit_flush = Duration::from_millis(50);
    })
    .await;
    let token = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let id = tablet.new_session();
    let checks_before = app.state.logins.verifications();

    const FLOOD: usize = 32;
    const ROUNDS: usize = 4;
    let flood = {
        let (http, url) = (app.http.clone(), app.url("/api/auth/login"));
        tokio::spawn(async move {
            let mut tasks = Vec::new();
            for n in 0..FLOOD {
                let (http, url) = (http.clone(), url.clone());
                tasks.push(tokio::spawn(async move {
                    let mut statuses = Vec::new();
                    for round in 0..ROUNDS {
                        let r = http
                            .post(&url)
                            .json(&serde_json::json!({
                                "username": if n % 2 == 0 { "facilitator" } else { "nobody" },
                                "password": format!("guess-{n}-{round}"),
                            }))
                            .send()
                            .await
                            .unwrap();
                        statuses.push(r.status().as_u16());
                    }
                    statuses
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.unwrap());
            }
            all
        })
    };

    // The tablet keeps working and syncing while the flood runs.
    let mut written = Vec::new();
    for i in 0..6 {
        written.push(tablet.add_proposal(id, &format!("مشكل رقم {i} في الدوار")));
        tablet
            .sync(&app, &token)
            .await
            .expect("sync during the flood");
    }
    let statuses = flood.await.unwrap();
    assert_eq!(statuses.len(), FLOOD * ROUNDS);
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(
        app.state.logins.verifications() - checks_before,
        (FLOOD * ROUNDS) as u64,
        "every bad login was checked"
    );

    // What the tablet synced is on the server, whole.
    tablet.sync(&app, &token).await.unwrap();
    let (status, detail) = app.get_json(&format!("/api/sessions/{id}"), &token).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(
        detail["proposal_list"].as_array().unwrap().len(),
        written.len()
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM proposals WHERE session_id = '{id}'"
        )),
        written.len() as i64
    );
    // The flood's 128 failures are a handful of audit rows, not 128 writes: one each time a
    // streak (of either account, of the address) doubles.
    let rows = failed_logins(&app, 1).await;
    assert!(
        rows.len() <= 3 * 8,
        "{} audit rows for {} failures",
        rows.len(),
        FLOOD * ROUNDS
    );
    // And the right password still works at once.
    app.login("facilitator").await;
    app.stop().await;
}

#[tokio::test]
async fn a_flood_past_the_free_attempts_is_turned_away_without_password_checks() {
    // The default free attempts; a first wait long enough that the test cannot outlast it.
    let app = spawn_app_with(|c| {
        c.login_limits.account.first_wait = Duration::from_secs(3600);
        c.login_limits.audit_flush = Duration::from_millis(50);
    })
    .await;
    let token = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let id = tablet.new_session();
    let checks_before = app.state.logins.verifications();
    let mut tasks = Vec::new();
    for n in 0..32 {
        let (http, url) = (app.http.clone(), app.url("/api/auth/login"));
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for round in 0..4 {
                let r = http
                    .post(&url)
                    .json(&serde_json::json!({
                        "username": "facilitator",
                        "password": format!("guess-{n}-{round}"),
                    }))
                    .send()
                    .await
                    .unwrap();
                statuses.push(r.status().as_u16());
            }
            statuses
        }));
    }
    tablet.add_proposal(id, "الطريق مقطوعة في الشتاء");
    tablet.sync(&app, &token).await.unwrap();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.extend(t.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    let checked = app.state.logins.verifications() - checks_before;
    let refused = statuses.iter().filter(|s| **s == 429).count();
    // 5 free failures at once at most, then one more that starts the wait.
    assert!(
        (5..=6).contains(&checked),
        "{checked} password checks for 128 bad logins"
    );
    assert_eq!(refused as u64, 128 - checked);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM proposals WHERE session_id = '{id}'"
        )),
        1
    );
    app.stop().await;
}

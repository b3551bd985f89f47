//! Security headers on every answer: the page, its assets, the API, errors of every kind; and
//! the shipped page needs nothing the policy forbids (no inline script or style).

use std::path::{Path, PathBuf};

use crate::helpers::spawn_app_with;

fn static_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../client/static")
}

fn assert_secured(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let get = |name: &str| {
        h.get(name)
            .unwrap_or_else(|| panic!("{what}: no {name} header"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let csp = get("content-security-policy");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for wanted in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            directives.contains(&wanted),
            "{what}: {wanted} not in {csp}"
        );
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
        "{what}: {csp}"
    );
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(
        h.get_all("content-security-policy").iter().count(),
        1,
        "{what}: one policy"
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app_with(|c| c.assets_dir = Some(static_dir())).await;
    let token = app.login("facilitator").await;
    let h = &app.http;
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        ("the page", h.get(app.url("/")), 200),
        (
            "a client route",
            h.get(app.url("/session/6f1c1c38-8f5e-4a57-9c61-3d0c2b4b2a10")),
            200,
        ),
        ("the office page", h.get(app.url("/office/needs")), 200),
        ("a script", h.get(app.url("/boot.js")), 200),
        ("the service worker", h.get(app.url("/sw.js")), 200),
        (
            "a compressed stylesheet",
            h.get(app.url("/style.css"))
                .header("accept-encoding", "gzip"),
            200,
        ),
        ("the manifest", h.get(app.url("/manifest.webmanifest")), 200),
        ("an API answer", h.get(app.url("/api/health")), 200),
        (
            "an API answer with a token",
            h.get(app.url("/api/reference")).bearer_auth(&token),
            200,
        ),
        ("an unknown endpoint", h.get(app.url("/api/nothing")), 404),
        ("a missing token", h.get(app.url("/api/sessions")), 401),
        (
            "a bad body",
            h.post(app.url("/api/auth/login"))
                .header("content-type", "application/json")
                .body("{"),
            400,
        ),
        ("a wrong method", h.delete(app.url("/api/health")), 400),
        (
            "a body too large",
            h.post(app.url("/api/auth/login"))
                .header("content-type", "application/json")
                .body(vec![b' '; 200 * 1024]),
            413,
        ),
    ];
    for (what, request, status) in cases {
        let r = request.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{what}");
        assert_secured(&r, what);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_refused_login_carries_them_too() {
    let app = spawn_app_with(|c| {
        c.login_limits.account.free_failures = 0;
        c.login_limits.account.first_wait = std::time::Duration::from_secs(60);
    })
    .await;
    let login = |password: &str| {
        app.http
            .post(app.url("/api/auth/login"))
            .json(&serde_json::json!({"username": "office", "password": password}))
    };
    let r = login("wrong-password").send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_secured(&r, "a wrong password");
    let r = login("tachkhis-demo").send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_secured(&r, "too many attempts");
    app.stop().await;
}

/// The policy allows no inline script, inline style or event attribute: the shipped page must
/// not need one, and what it loads must be in the service worker's app shell.
#[test]
fn the_page_needs_nothing_the_policy_forbids() {
    let html = std::fs::read_to_string(static_dir().join("index.html")).unwrap();
    let lower = html.to_lowercase();
    let mut rest = lower.as_str();
    let mut scripts = Vec::new();
    while let Some(i) = rest.find("<script") {
        let tag_end = rest[i..].find('>').expect("a closed script tag") + i;
        let tag = &rest[i..tag_end];
        let body_end = rest[tag_end..]
            .find("</script>")
            .expect("a closing script tag")
            + tag_end;
        assert!(tag.contains(" src="), "an inline script: {tag}");
        assert_eq!(rest[tag_end + 1..body_end].trim(), "", "script with a body");
        let src = tag
            .split("src=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        scripts.push(src.to_string());
        rest = &rest[body_end..];
    }
    assert_eq!(scripts, ["/boot.js"]);
    assert!(!lower.contains(" style="), "an inline style attribute");
    assert!(!lower.contains("<style"), "an inline stylesheet");
    assert!(
        !lower.contains(" onload=") && !lower.contains(" onclick="),
        "an event attribute"
    );
    let sw = std::fs::read_to_string(static_dir().join("sw.js")).unwrap();
    for file in ["'/boot.js'", "'/index.html'", "'/style.css'"] {
        assert!(sw.contains(file), "the service worker's shell lacks {file}");
    }
    // The client's own code sets no inline style either (Yew would set it as an attribute,
    // which the policy blocks).
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../client/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(
                    !text.contains(" style=") && !text.contains("\"style\""),
                    "{} sets an inline style",
                    path.display()
                );
            }
        }
    }
}

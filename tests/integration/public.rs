//! Public pages (issue 16): nothing unpublished is exposed (an unpublished or withdrawn
//! project answers the unknown number's 404; unapproved texts, `raised_by` and facilitators
//! never appear), a page stays under 50 KB in Arabic and French, the open data matches the
//! pages, publishing and withdrawing are logged, and every API route that is not open answers
//! 401 without a token (walked from the router itself).
//!
//! The proposals come from a real tablet synced over HTTP; the need and its link to the
//! project through the consolidation API.

use serde_json::{Value, json};
use tachkhis_shared::session::ProposalInput;
use tachkhis_shared::{GroupKind, Sector};

use crate::helpers::{Tablet, TestApp, spawn_app};

const PERSON: &str = "عبد الرحيم الوزاني";
const FACILITATOR: &str = "فاطمة";
const TEXT_A: &str = "انقطاع الماء الصالح للشرب صيفا";
const TEXT_B: &str = "غياب خزان للماء قرب المدرسة";
const TEXT_A2: &str = "نص معدل لم تتم الموافقة عليه";

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: &Value,
) -> (u16, Value) {
    let r = app
        .http
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Status, headers and body of an anonymous GET.
async fn get(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = app.http.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

fn proposal(problem: &str) -> ProposalInput {
    ProposalInput {
        problem: problem.into(),
        solution: "بناء خزان".into(),
        sector: Some(Sector::DrinkingWater),
        douar_id: Some("idouz".into()),
        raised_by: PERSON.into(),
    }
}

#[tokio::test]
async fn only_what_the_office_published_and_approved_is_public() {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let office = app.login("office").await;
    let admin = app.login("admin").await;
    let mut tablet = Tablet::new("facilitator");
    let session = tablet.new_session();
    let ctx = tablet.ctx();
    let a = tablet
        .doc(session)
        .add_proposal(&proposal(TEXT_A), &ctx)
        .unwrap();
    let ctx = tablet.ctx();
    let b = tablet
        .doc(session)
        .add_proposal(&proposal(TEXT_B), &ctx)
        .unwrap();
    tablet.sync(&app, &fac).await.unwrap();
    let (status, need) = send(
        &app,
        reqwest::Method::POST,
        "/api/needs",
        &office,
        &json!({"title": "الماء", "proposal_ids": [a, b]}),
    )
    .await;
    assert_eq!(status, 201, "{need}");
    let need = need["need_id"].as_i64().unwrap();
    let project = app.count("SELECT id FROM projects WHERE number = 40");
    let (status, answer) = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/needs/{need}/projects"),
        &office,
        &json!({"project_id": project}),
    )
    .await;
    assert!(status < 300, "{status} {answer}");

    // Unpublished: the same 404 as a number no project has, and as no number at all.
    let (status, _, unpublished) = get(&app, "/p/40").await;
    assert_eq!(status, 404);
    let (status, _, unknown) = get(&app, "/p/999999").await;
    assert_eq!(status, 404);
    assert_eq!(unpublished, unknown);
    assert_eq!(get(&app, "/p/fr/40").await.0, 404);
    assert_eq!(get(&app, "/p/abc").await.0, 404);
    let (_, _, list) = get(&app, "/p").await;
    assert!(
        !list.contains("href=\"/p/40\""),
        "an unpublished project is listed"
    );
    let (_, _, json) = get(&app, "/p/data/projects.json").await;
    let data: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(data["projects"].as_array().unwrap().len(), 0);

    // The committee may not publish; the office may, and it is logged.
    let path = format!("/api/publish/projects/{project}");
    let committee = app.login("committee").await;
    assert_eq!(
        send(
            &app,
            reqwest::Method::PUT,
            &path,
            &committee,
            &json!({"published": true})
        )
        .await
        .0,
        403
    );
    let (status, row) = send(
        &app,
        reqwest::Method::PUT,
        &path,
        &office,
        &json!({"published": true}),
    )
    .await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["published"], true);
    assert_eq!(row["proposals"], 2);
    assert_eq!(row["approved"], 0);
    assert_eq!(row["changed_by"], "office");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'project.publish'"),
        1
    );

    // Published: readable in Arabic, no unapproved text, no name of a person.
    let (status, headers, page) = get(&app, "/p/40").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("style-src 'sha256-") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(page.len() < 50 * 1024, "{} bytes", page.len());
    assert!(page.contains("lang=\"ar\" dir=\"rtl\""));
    assert!(page.contains("<svg") && !page.contains("<script"));
    assert!(page.contains("لماذا هذا المشروع في البرنامج"));
    assert!(
        page.contains("طلبته 1 جلسة تشاورية في 1 دوار (2 مقترح)"),
        "{page}"
    );
    for secret in [TEXT_A, TEXT_B, PERSON, FACILITATOR] {
        assert!(
            !page.contains(secret),
            "{secret} on the page before approval"
        );
    }
    let women = GroupKind::Women.labels().ar;
    assert!(page.contains(&women), "the group that asked");

    // Approve A: its text appears, B's does not.
    let (status, proposals) = send(
        &app,
        reqwest::Method::GET,
        &format!("{path}/proposals"),
        &office,
        &Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(proposals.as_array().unwrap().len(), 2);
    assert!(
        !proposals.to_string().contains(PERSON),
        "raised_by on the publishing screen"
    );
    let (status, report) = send(
        &app,
        reqwest::Method::PUT,
        "/api/publish/proposals",
        &office,
        &json!({"proposal_ids": [a], "approved": true}),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["changed"], 1);
    let (_, _, page) = get(&app, "/p/40").await;
    assert!(page.contains(TEXT_A) && !page.contains(TEXT_B) && !page.contains(PERSON));

    // A bulk request naming an unknown proposal changes nothing.
    let (status, err) = send(
        &app,
        reqwest::Method::PUT,
        "/api/publish/proposals",
        &office,
        &json!({"proposal_ids": [b, "no-such-proposal"], "approved": true}),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"], "unknown_proposal");
    assert_eq!(app.count("SELECT count(*) FROM proposal_approvals"), 1);

    // A's text changed on the tablet: the approved text stays, the new one waits.
    let ctx = tablet.ctx();
    tablet
        .doc(session)
        .update_proposal(a, &proposal(TEXT_A2), &ctx)
        .unwrap();
    tablet.sync(&app, &fac).await.unwrap();
    let (_, _, page) = get(&app, "/p/40").await;
    assert!(page.contains(TEXT_A) && !page.contains(TEXT_A2));
    let (_, proposals) = send(
        &app,
        reqwest::Method::GET,
        &format!("{path}/proposals"),
        &office,
        &Value::Null,
    )
    .await;
    let pa = proposals
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["proposal_id"] == a.to_string())
        .unwrap();
    assert_eq!(pa["changed_since_approval"], true);
    assert_eq!(pa["approved"]["problem"], TEXT_A);

    // French.
    let (status, _, fr) = get(&app, "/p/fr/40").await;
    assert_eq!(status, 200);
    assert!(
        fr.contains("lang=\"fr\" dir=\"ltr\"")
            && fr.contains("Pourquoi ce projet est au programme")
    );
    assert!(fr.contains("1 séance(s) d'écoute dans 1 douar(s)"));
    assert!(fr.len() < 50 * 1024);

    // The licence: the administrator's.
    let licence = json!({"text_ar": "رخصة البيانات المفتوحة", "text_fr": "Licence ouverte", "url": "https://example.org/licence"});
    assert_eq!(
        send(
            &app,
            reqwest::Method::PUT,
            "/api/publish/licence",
            &office,
            &licence
        )
        .await
        .0,
        403
    );
    assert_eq!(
        send(
            &app,
            reqwest::Method::PUT,
            "/api/publish/licence",
            &admin,
            &json!({"text_ar": "", "text_fr": "x", "url": ""})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        send(
            &app,
            reqwest::Method::PUT,
            "/api/publish/licence",
            &admin,
            &json!({"text_ar": "x", "text_fr": "x", "url": "javascript:alert(1)"})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        send(
            &app,
            reqwest::Method::PUT,
            "/api/publish/licence",
            &admin,
            &licence
        )
        .await
        .0,
        200
    );
    let (_, _, page) = get(&app, "/p/40").await;
    assert!(page.contains("رخصة البيانات المفتوحة"));
    let (_, _, fr) = get(&app, "/p/fr/40").await;
    assert!(fr.contains("Licence ouverte"));

    // The open data matches the page.
    let (status, headers, json) = get(&app, "/p/data/projects.json").await;
    assert_eq!(status, 200);
    assert!(
        headers["link"]
            .to_str()
            .unwrap()
            .contains("https://example.org/licence")
    );
    let data: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(data["licence"], licence);
    let projects = data["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1);
    let p = &projects[0];
    assert_eq!(p["number"], 40);
    assert!(page.contains(&format!(
        "<h1 data-test=\"title\">{}</h1>",
        p["title_ar"].as_str().unwrap()
    )));
    assert_eq!(p["why"]["sessions"], 1);
    assert_eq!(p["why"]["proposals"], 2);
    assert_eq!(p["why"]["texts"].as_array().unwrap().len(), 1);
    assert_eq!(p["why"]["texts"][0]["problem"], TEXT_A);
    assert_eq!(p["why"]["by_douar_group"][0]["douar"]["id"], "idouz");
    assert_eq!(p["why"]["by_douar_group"][0]["group_kind"], "women");
    if let Some(cost) = p["cost"].as_str() {
        let shown = page.contains(&format!("data-amount=\"{cost}\""));
        assert!(shown, "the page shows the cost {cost}");
    }
    let (_, _, csv) = get(&app, "/p/data/proposals.csv").await;
    assert!(csv.contains(TEXT_A) && !csv.contains(TEXT_B) && !csv.contains(TEXT_A2));
    let (_, _, projects_csv) = get(&app, "/p/data/projects.csv").await;
    assert_eq!(projects_csv.lines().count(), 2, "{projects_csv}");
    assert!(projects_csv.lines().nth(1).unwrap().starts_with("40,"));
    let (_, _, asks) = get(&app, "/p/data/asks.csv").await;
    assert!(
        asks.contains("40,idouz,") && asks.trim_end().ends_with(",women,1"),
        "{asks}"
    );
    let (_, _, funding) = get(&app, "/p/data/funding.csv").await;
    assert!(funding.lines().nth(1).unwrap().starts_with("40,commune,"));
    for file in [&json, &csv, &projects_csv, &asks, &funding] {
        assert!(!file.contains(PERSON) && !file.contains(FACILITATOR));
    }
    assert_eq!(get(&app, "/p/data/secret.csv").await.0, 404);

    // The list and its filter.
    let (_, _, list) = get(&app, "/p").await;
    assert!(list.contains("href=\"/p/40\"") && list.len() < 50 * 1024);
    let (_, _, list) = get(&app, "/p?sector=education").await;
    assert!(!list.contains("href=\"/p/40\""));
    // The demo's project 40 is dropped (its illustrative record of 2023).
    let (_, _, list) = get(&app, "/p/fr?status=dropped&pole=&douar=").await;
    assert!(list.contains("href=\"/p/fr/40\""));
    let (_, _, list) = get(&app, "/p/fr?status=none&pole=&douar=").await;
    assert!(!list.contains("href=\"/p/fr/40\""));
    let (status, _, _) = get(&app, "/p?status=%ZZ&pole[]=1").await;
    assert_eq!(status, 200, "a query that does not read is the whole list");

    // Withdrawn: 404 again, out of the open data, logged.
    let (status, _) = send(
        &app,
        reqwest::Method::PUT,
        &path,
        &office,
        &json!({"published": false}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, withdrawn) = get(&app, "/p/40").await;
    assert_eq!(status, 404);
    assert_eq!(withdrawn, unknown);
    let (_, _, json) = get(&app, "/p/data/projects.json").await;
    assert!(!json.contains(TEXT_A));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'project.withdraw'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'proposal.approve_public'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'public.licence'"),
        1
    );
    // The same state again writes nothing and logs nothing.
    send(
        &app,
        reqwest::Method::PUT,
        &path,
        &office,
        &json!({"published": false}),
    )
    .await;
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'project.withdraw'"),
        1
    );
}

/// Every API route but the few open ones answers 401 without a token, whatever the method.
#[tokio::test]
async fn every_api_route_not_open_answers_401_without_a_token() {
    const OPEN: [(&str, &str); 7] = [
        ("GET", "/api/health"),
        ("GET", "/api/openapi.json"),
        ("GET", "/api/setup"),
        ("POST", "/api/setup"),
        ("GET", "/api/reference"),
        ("POST", "/api/auth/login"),
        ("GET", "/api/pac/document.css"),
    ];
    let app = spawn_app().await;
    let routes = tachkhis_server::http::router::api_routes();
    assert!(
        routes
            .iter()
            .any(|(_, p)| p == "/api/publish/projects/{id}")
    );
    for (method, path) in routes {
        if OPEN.contains(&(method.as_str(), path.as_str())) {
            continue;
        }
        let filled: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = app
            .http
            .request(m, app.url(&filled))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401, "{method} {path}");
    }
}

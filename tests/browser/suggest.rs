//! The suggestions' office screens in the real client (issue 18): the office says in the
//! synonyms form that two words mean the same ("القصبة" and "tighremt", Arabic and Tamazight for the old
//! fortified village, one for the commune) and the list of suggestions gains the group it could not see, then loses it when
//! the office removes the words; on a need's page, the programme's project that answers the
//! need is suggested with its reason and linked in one tap.

use serde_json::{Value, json};
use tachkhis_shared::session::{NewSession, ProposalInput, SessionDoc};
use tachkhis_shared::sync::State;
use tachkhis_shared::{GroupKind, Sector};
use uuid::Uuid;

use crate::helpers::{HttpTransport, Tablet};
use crate::support::*;

/// (pole, douar, problem, solution, sector)
const SET: &[(&str, &str, &str, &str, Sector)] = &[
    (
        "pole-1",
        "centre",
        "القصبة مهملة",
        "ترميم القصبة",
        Sector::Economy,
    ),
    (
        "pole-5",
        "el-boubira",
        "La tighremt est abandonnee",
        "Restaurer la tighremt",
        Sector::Economy,
    ),
    (
        "pole-2",
        "el-jrif",
        "غياب سيارة الإسعاف",
        "اقتناء سيارة إسعاف",
        Sector::Health,
    ),
    (
        "pole-7",
        "el-kenna",
        "غياب سيارة الإسعاف",
        "اقتناء سيارة إسعاف",
        Sector::Health,
    ),
    (
        "pole-3",
        "idouz",
        "الطريق المؤدية إلى ادوز غير معبدة",
        "تعبيد الطريق نحو ادوز",
        Sector::Roads,
    ),
    (
        "pole-2",
        "el-jrif",
        "tri9 dyal idouz kolha 7ofar",
        "goudron l idouz",
        Sector::Roads,
    ),
];

/// Syncs the set from a simulated tablet and makes a need of the two road proposals; returns
/// the need's id.
async fn seed(base: &str) -> i64 {
    let mut tablet = Tablet::new("facilitator");
    let mut ids = Vec::new();
    for (pole, douar, problem, solution, sector) in SET {
        let id = Uuid::new_v4();
        let init = NewSession {
            pole_id: (*pole).into(),
            douar_ids: vec![(*douar).into()],
            group_kind: GroupKind::Mixed,
            date: "2022-08-02".into(),
            facilitators: "سعاد، محمد".into(),
        };
        let ctx = tablet.ctx();
        let doc = SessionDoc::create(id, &init, &ctx, None).expect("session");
        tablet.docs.insert(id, (doc, State::new()));
        let ctx = tablet.ctx();
        let input = ProposalInput {
            problem: (*problem).into(),
            solution: (*solution).into(),
            sector: Some(sector.clone()),
            douar_id: Some((*douar).into()),
            raised_by: String::new(),
        };
        ids.push(tablet.doc(id).add_proposal(&input, &ctx).expect("proposal"));
    }
    let mut transport = HttpTransport {
        http: reqwest::Client::new(),
        url: format!("{base}/api/sync"),
        token: api_login(base, "facilitator").await,
    };
    tablet
        .sync_with(&mut transport)
        .await
        .expect("the tablet syncs");
    let office = api_login(base, "office").await;
    let done: Value = reqwest::Client::new()
        .post(format!("{base}/api/needs"))
        .bearer_auth(office)
        .json(&json!({ "title": "طريق ادوز", "sector": "roads", "description": "", "proposal_ids": [ids[4], ids[5]] }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("the need is made")
        .json()
        .await
        .expect("its answer");
    done["need_id"].as_i64().expect("a need id")
}

/// The texts of the suggestions listed.
async fn suggestion_texts(client: &fantoccini::Client) -> Vec<String> {
    let mut out = Vec::new();
    for e in client
        .find_all(css("[data-test=suggestion]"))
        .await
        .expect("suggestions")
    {
        out.push(e.text().await.unwrap_or_default());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_synonyms_change_the_suggestions_and_projects_link_in_one_tap() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let base = server.base();
    let need = seed(&base).await;
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile)?;
    let client = connect_browser(&driver, &profile).await;
    let scenario = {
        let (client, base) = (client.clone(), base.clone());
        async move {
            client.goto(&format!("{base}/")).await?;
            find(&client, "[data-test=login-username]")
                .await
                .send_keys("office")
                .await?;
            find(&client, "[data-test=login-password]")
                .await
                .send_keys(PASSWORD)
                .await?;
            click(&client, "[data-test=login-submit]").await;
            find(&client, "[data-test=nav-suggestions]").await;
            click(&client, "[data-test=nav-suggestions]").await;
            // Only the ambulance: the kasbah in two languages is not seen as one.
            wait_count(&client, "[data-test=suggestion]", 1).await;
            let before = suggestion_texts(&client).await;
            assert!(!before.iter().any(|t| t.contains("tighremt")), "{before:?}");

            find(&client, "[data-test=synonym-words]")
                .await
                .send_keys("القصبة، tighremt")
                .await?;
            // The kasbah is one for the commune: its proposals group from any douar.
            click(&client, "[data-test=synonym-service]").await;
            click(&client, "[data-test=synonym-add]").await;
            wait_count(&client, "[data-test=synonym-group]", 1).await;
            wait_count(&client, "[data-test=suggestion]", 2).await;
            let after = suggestion_texts(&client).await;
            assert!(
                after
                    .iter()
                    .any(|t| t.contains("tighremt") && t.contains("القصبة")),
                "the two words' proposals are one suggestion now: {after:?}"
            );
            screenshot(&client, "suggest-synonym-added-ar.png").await;

            click(&client, "[data-test=synonym-remove]").await;
            wait_count(&client, "[data-test=synonym-group]", 0).await;
            wait_count(&client, "[data-test=suggestion]", 1).await;

            // The need's page: the demo's road tracks project (no. 3, Idouz among its douars)
            // is suggested with Idouz as the reason; one tap links it.
            client.goto(&format!("{base}/office/needs/{need}")).await?;
            find(&client, "[data-test=need-page]").await;
            let first = "[data-test=project-suggestion]:first-child";
            wait_attr(&client, first, "data-number", "3").await;
            let text = find(&client, first).await.text().await?;
            assert!(text.contains("ادوز"), "the reason names Idouz: {text}");
            screenshot(&client, "suggest-need-projects-ar.png").await;
            assert_eq!(count(&client, "[data-test=need-project]").await, 0);
            click(
                &client,
                "[data-test=project-suggestion]:first-child [data-test=project-suggestion-link]",
            )
            .await;
            wait_count(&client, "[data-test=need-project]", 1).await;
            wait_until("the linked project is no longer suggested", || async {
                (count(&client, "[data-test=project-suggestion][data-number='3']").await == 0)
                    .then_some(())
            })
            .await;
            Ok(())
        }
    };
    let outcome = run_with_artefacts("suggest", &[("office", &client)], scenario).await;
    server.stop().await;
    outcome
}

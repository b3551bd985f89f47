//! Two tablets (two Chromium profiles) on one session: the second joins with the session file
//! of the first, both edit it with the server gone (the same proposal too: different fields,
//! and its votes), then both sync and everything merges.

use fantoccini::Client;

use crate::support::*;

const A1: (&str, &str) = ("الساقية مهدمة قرب المدرسة", "إصلاح الساقية");
const A2: (&str, &str) = ("Pas de dispensaire au douar", "Construire un dispensaire");
const A3: (&str, &str) = ("النساء بدون تعاونية", "إحداث تعاونية نسائية");
const B1: (&str, &str) = ("الكهرباء تنقطع كل ليلة", "تقوية الشبكة");
const B2: (&str, &str) = ("Le terrain de sport est inondé", "Drainer le terrain");
/// What B makes of A1's problem and A makes of its solution, at the same time.
const A1_PROBLEM_BY_B: &str = "الساقية مهدمة قرب المدرسة منذ سنتين";
const A1_SOLUTION_BY_A: &str = "إصلاح الساقية وتبطينها بالإسمنت";

/// Raises a proposal's votes by `times` (hands counted on this tablet).
async fn vote(client: &Client, id: &str, times: usize) {
    let plus = format!("[data-test=proposal][data-id='{id}'] [data-test=votes-plus]");
    let value = format!("[data-test=proposal][data-id='{id}'] [data-test=votes-value]");
    let before: usize = find(client, &value)
        .await
        .text()
        .await
        .expect("votes")
        .trim()
        .parse()
        .expect("a number");
    for _ in 0..times {
        click(client, &plus).await;
    }
    wait_text(client, &value, &(before + times).to_string()).await;
    wait_saved(client).await;
}

/// What a tablet shows of the merged session: attendance, then the proposals tab (votes
/// counted on both add up; A's edit of A1's solution and B's of its problem are both kept).
async fn check_merged(client: &Client, tablet: &str) {
    click(client, "[data-test=tab-attendance]").await;
    wait_text(client, "[data-test=att-women-value]", "5").await;
    wait_text(client, "[data-test=att-men-value]", "4").await;
    wait_attr(client, "[data-test=att-total]", "data-total", "9").await;
    click(client, "[data-test=tab-proposals]").await;
    wait_count(client, "[data-test=proposal]", 5).await;
    let texts = proposal_texts(client).await;
    for (problem, _) in [A2, A3, B1, B2] {
        assert_eq!(
            texts.iter().filter(|t| t.contains(problem)).count(),
            1,
            "{tablet}: {problem} once in {texts:?}"
        );
    }
    assert_eq!(
        texts.iter().filter(|t| t.contains(A1_PROBLEM_BY_B)).count(),
        1,
        "{tablet}: B's edit of A1 in {texts:?}"
    );
    let a2 = proposal_id(client, A2.0).await;
    wait_text(
        client,
        &format!("[data-test=proposal][data-id='{a2}'] [data-test=votes-value]"),
        "3",
    )
    .await;
    let id = proposal_id(client, A1_PROBLEM_BY_B).await;
    let solution = find(
        client,
        &format!("[data-test=proposal][data-id='{id}'] .solution"),
    )
    .await
    .text()
    .await
    .expect("solution");
    assert!(
        solution.contains(A1_SOLUTION_BY_A),
        "{tablet}: A's edit of A1's solution kept beside B's edit of its problem: {solution:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tablets_join_by_file_edit_offline_then_sync() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let server = Server::start(&db_path, &assets, 0).await;
    let a = open_tablet(&driver, tmp.path(), "a").await;
    let b = open_tablet(&driver, tmp.path(), "b").await;
    let (a_client, b_client) = (a.client.clone(), b.client.clone());
    let scenario = async move {
        let (ca, cb) = (&a.client, &b.client);
        let base = server.base();
        let port = server.port;

        // Tablet A opens the session, counts two women, records two proposals.
        login(ca, &base).await;
        let id = create_session(ca, "women").await;
        count_people(ca, "women", 2).await;
        click(ca, "[data-test=tab-proposals]").await;
        add_proposal(ca, A1.0, A1.1, "drinking_water").await;
        add_proposal(ca, A2.0, A2.1, "health").await;
        wait_service_worker(ca).await;

        // …and hands it over as a file.
        click(ca, "[data-test=share-open]").await;
        find(ca, "[data-test=share-qr]").await;
        click(ca, "[data-test=share-file]").await;
        let file = downloaded(&a.downloads).await;
        find(ca, "[data-test=share-said]").await;
        click(ca, "[data-test=share-close]").await;

        // Tablet B logs in and joins with the file: the same session, not a copy.
        login(cb, &base).await;
        assert_eq!(import_file(cb, &file).await, (1, 0, 0));
        open_session(cb, &id).await;
        assert_eq!(attendance_value(cb, "women").await, "2");
        click(cb, "[data-test=tab-proposals]").await;
        wait_count(cb, "[data-test=proposal]", 2).await;
        wait_service_worker(cb).await;

        // The network goes: both keep working on the same session.
        server.stop().await;
        // A: three more women, a proposal, and A1's solution.
        click(ca, "[data-test=tab-attendance]").await;
        count_people(ca, "women", 3).await;
        click(ca, "[data-test=tab-proposals]").await;
        add_proposal(ca, A3.0, A3.1, "women_family").await;
        let a1 = proposal_id(ca, A1.0).await;
        edit_proposal(ca, &a1, "proposal-solution", A1_SOLUTION_BY_A).await;
        let a2 = proposal_id(ca, A2.0).await;
        vote(ca, &a2, 1).await;
        // B: four men, two proposals, and A1's problem.
        click(cb, "[data-test=tab-attendance]").await;
        count_people(cb, "men", 4).await;
        click(cb, "[data-test=tab-proposals]").await;
        add_proposal(cb, B1.0, B1.1, "electricity").await;
        add_proposal(cb, B2.0, B2.1, "youth_sports").await;
        assert_eq!(
            proposal_id(cb, A1.0).await,
            a1,
            "B has A's proposal under its id"
        );
        edit_proposal(cb, &a1, "proposal-problem", A1_PROBLEM_BY_B).await;
        vote(cb, &a2, 2).await;
        for client in [ca, cb] {
            assert_eq!(
                attr(
                    client,
                    ".session-status [data-test=sync-state]",
                    "data-state"
                )
                .await
                .as_deref(),
                Some("pending"),
                "unsent work says so"
            );
        }
        screenshot(ca, "two-tablets-a-offline-ar.png").await;
        screenshot(cb, "two-tablets-b-offline-ar.png").await;

        // The server comes back (same port, same database); A, then B, then A again sync.
        let server = Server::start(&db_path, &assets, port).await;
        sync_now(ca).await;
        wait_session_synced(ca).await;
        sync_now(cb).await;
        wait_session_synced(cb).await;
        sync_now(ca).await;
        check_merged(ca, "A").await;
        sync_now(cb).await;
        check_merged(cb, "B").await;
        wait_session_synced(ca).await;
        wait_session_synced(cb).await;
        screenshot(ca, "two-tablets-a-merged-ar.png").await;
        screenshot(cb, "two-tablets-b-merged-ar.png").await;

        // The office sees one session with everything once, the counters added up.
        let token = api_login(&base, OFFICE).await;
        let detail = session_detail(&base, &token, &id).await;
        let mut expected: Vec<String> = [A1_PROBLEM_BY_B, A2.0, A3.0, B1.0, B2.0]
            .iter()
            .map(|s| s.to_string())
            .collect();
        expected.sort();
        assert_eq!(live_problems(&detail), expected, "on the server: {detail}");
        assert_eq!(attendance_of(&detail, "women"), 5, "{detail}");
        assert_eq!(attendance_of(&detail, "men"), 4, "{detail}");
        assert_eq!(detail["present"], 9, "{detail}");
        let merged = detail["proposal_list"]
            .as_array()
            .expect("proposals")
            .iter()
            .find(|p| p["id"] == a1.as_str())
            .expect("A1 on the server");
        assert_eq!(merged["problem"], A1_PROBLEM_BY_B);
        assert_eq!(merged["solution"], A1_SOLUTION_BY_A);
        let votes = detail["proposal_list"]
            .as_array()
            .expect("proposals")
            .iter()
            .find(|p| p["id"] == a2.as_str())
            .map(|p| p["votes"].clone());
        assert_eq!(votes, Some(3.into()), "A's one vote and B's two add up");
        // Nothing was made twice: one session on the server.
        let list: serde_json::Value = reqwest::Client::new()
            .get(format!("{base}/api/sessions"))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        server.stop().await;
        Ok(())
    };
    run_with_artefacts(
        "two-tablets",
        &[("a", &a_client), ("b", &b_client)],
        scenario,
    )
    .await
}

/// Types `text` as the count of `category`: a tap on the count opens the number pad.
async fn type_count(client: &Client, category: &str, text: &str) {
    click(client, &format!("[data-test=att-{category}-value]")).await;
    // The pad opens on the count, selected: what is typed replaces it (typed into the focused
    // field, as the keyboard does; WebDriver's element typing would move the caret).
    let test = format!("att-{category}-input");
    wait_until("the count's field has the keyboard", || async {
        let focused = client
            .execute("return document.activeElement.dataset.test || '';", vec![])
            .await
            .ok()?;
        (focused == test.as_str()).then_some(())
    })
    .await;
    let input = client.active_element().await.expect("the focused field");
    input.send_keys(text).await.expect("type the count");
    input.send_keys("\u{E007}").await.expect("Enter");
    find(client, &format!("[data-test=att-{category}-value]")).await;
}

/// Attendance typed on two tablets (issue 12): a typed count is stored as the difference from
/// what the tablet showed, so different people counted on each still add up; a count that
/// arrives after a typed total is said, and can be taken off when it was a double count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_attendance_on_two_tablets_merges() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let server = Server::start(&db_path, &assets, 0).await;
    let a = open_tablet(&driver, tmp.path(), "a").await;
    let b = open_tablet(&driver, tmp.path(), "b").await;
    let (a_client, b_client) = (a.client.clone(), b.client.clone());
    let scenario = async move {
        let (ca, cb) = (&a.client, &b.client);
        let base = server.base();
        let port = server.port;
        let id = hand_over_session(&a, &b, &base).await;

        // Offline (no sync may land between the taps): different people: A steps 10 (+5 twice), B types 11 from its sheet (in
        // Arabic-Indic digits), A steps 2 more.
        for _ in 0..2 {
            click(ca, "[data-test=att-women-plus5]").await;
        }
        wait_text(ca, "[data-test=att-women-value]", "10").await;
        type_count(cb, "women", "١١").await;
        wait_text(cb, "[data-test=att-women-value]", "11").await;
        count_people(ca, "women", 2).await;
        wait_saved(cb).await;
        let sync_all = || async {
            for c in [ca, cb, ca] {
                sync_now(c).await;
                wait_session_synced(c).await;
            }
        };
        server.stop().await;
        let server = Server::start(&db_path, &assets, port).await;
        sync_all().await;
        wait_text(ca, "[data-test=att-women-value]", "23").await;
        wait_text(cb, "[data-test=att-women-value]", "23").await;
        assert_eq!(
            count(ca, "[data-test=att-women-arrived]").await,
            0,
            "A typed nothing"
        );
        // B typed 11, A's 12 came after: B says so; they were other women, B keeps them.
        wait_attr(cb, "[data-test=att-women-arrived]", "data-diff", "12").await;
        click(cb, "[data-test=att-women-keep]").await;
        wait_count(cb, "[data-test=att-women-arrived]", 0).await;
        assert_eq!(attendance_value(cb, "women").await, "23");

        // Offline again: A types the sheet's total, 30; B meanwhile counts two late-comers.
        server.stop().await;
        type_count(ca, "women", "30").await;
        wait_text(ca, "[data-test=att-women-value]", "30").await;
        count_people(cb, "women", 2).await;
        wait_saved(ca).await;
        let server = Server::start(&db_path, &assets, port).await;
        sync_all().await;
        // Both keep B's two; A's screen says they came after its typed total.
        wait_text(ca, "[data-test=att-women-value]", "32").await;
        wait_text(cb, "[data-test=att-women-value]", "32").await;
        wait_attr(ca, "[data-test=att-women-arrived]", "data-diff", "2").await;
        let said = find(ca, "[data-test=att-women-arrived]")
            .await
            .text()
            .await?;
        assert!(said.contains("+2"), "{said:?}");
        assert_eq!(
            count(cb, "[data-test=att-women-arrived]").await,
            0,
            "B typed nothing"
        );
        screenshot(ca, "attendance-arrived-portrait-ar.png").await;
        set_viewport(ca, LANDSCAPE).await;
        screenshot(ca, "attendance-arrived-landscape-ar.png").await;
        // They were the same two women: A takes them off, back to its typed 30, everywhere.
        click(ca, "[data-test=att-women-take-off]").await;
        wait_text(ca, "[data-test=att-women-value]", "30").await;
        wait_count(ca, "[data-test=att-women-arrived]", 0).await;
        wait_saved(ca).await;
        sync_all().await;
        wait_text(cb, "[data-test=att-women-value]", "30").await;
        let token = api_login(&base, OFFICE).await;
        let detail = session_detail(&base, &token, &id).await;
        assert_eq!(attendance_of(&detail, "women"), 30, "{detail}");
        server.stop().await;
        Ok(())
    };
    run_with_artefacts(
        "typed-attendance",
        &[("a", &a_client), ("b", &b_client)],
        scenario,
    )
    .await
}

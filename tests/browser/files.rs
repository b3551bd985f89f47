//! Two tablets and no server: "export everything" on one, import on the other, edits on both,
//! and the files going back and forth merge (counters add, no proposal doubled).

use std::path::PathBuf;

use fantoccini::Client;

use crate::support::*;

const X1: (&str, &str) = ("المسلك إلى السوق وعر", "تعبيد المسلك");
const X2: (&str, &str) = (
    "Pas d'éclairage public",
    "Installer des lampadaires solaires",
);
const X3: (&str, &str) = ("المدرسة بعيدة عن الدوار", "توفير النقل المدرسي");
const Y1: (&str, &str) = ("لا يوجد ملعب للشباب", "تهيئة ملعب القرب");

/// From home: "export everything", and the file it downloaded.
async fn export_all(client: &Client, downloads: &std::path::Path) -> PathBuf {
    click(client, "[data-test=export-all]").await;
    find(client, "[data-test=export-said]").await;
    downloaded(downloads).await
}

/// Opens the session and checks the merged content: women 3 + 1 + 2, each proposal once.
async fn check_merged(client: &Client, id: &str, tablet: &str) {
    open_session(client, id).await;
    wait_text(client, "[data-test=att-women-value]", "6").await;
    click(client, "[data-test=tab-proposals]").await;
    wait_count(client, "[data-test=proposal]", 3).await;
    let texts = proposal_texts(client).await;
    for (problem, _) in [X1, X2, X3] {
        assert_eq!(
            texts.iter().filter(|t| t.contains(problem)).count(),
            1,
            "{tablet}: {problem} once in {texts:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tablets_merge_through_files_without_server() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let a = open_tablet(&driver, tmp.path(), "a").await;
    let b = open_tablet(&driver, tmp.path(), "b").await;
    let (a_client, b_client) = (a.client.clone(), b.client.clone());
    let scenario = async move {
        let (ca, cb) = (&a.client, &b.client);
        let base = server.base();
        // Each tablet was logged in once, in coverage; then there is no server at all.
        for client in [ca, cb] {
            login(client, &base).await;
            wait_service_worker(client).await;
        }
        server.stop().await;

        // A: two sessions; the women's has three women and a proposal.
        let s1 = create_session(ca, "women").await;
        count_people(ca, "women", 3).await;
        click(ca, "[data-test=tab-proposals]").await;
        add_proposal(ca, X1.0, X1.1, "roads").await;
        click(ca, "[data-test=back]").await;
        let s2 = create_session(ca, "youth").await;
        click(ca, "[data-test=tab-proposals]").await;
        add_proposal(ca, Y1.0, Y1.1, "youth_sports").await;
        click(ca, "[data-test=back]").await;
        let a_file = export_all(ca, &a.downloads).await;

        // B takes everything.
        find(cb, "[data-test=new-session]").await;
        assert_eq!(import_file(cb, &a_file).await, (2, 0, 0));
        wait_count(cb, "[data-test=session-card]", 2).await;

        // Both edit the women's session at the same time.
        open_session(ca, &s1).await;
        count_people(ca, "women", 1).await;
        click(ca, "[data-test=tab-proposals]").await;
        add_proposal(ca, X2.0, X2.1, "electricity").await;
        open_session(cb, &s1).await;
        count_people(cb, "women", 2).await;
        click(cb, "[data-test=tab-proposals]").await;
        add_proposal(cb, X3.0, X3.1, "education").await;

        // B's file back to A: one session merged, the other unchanged, nothing added.
        click(cb, "[data-test=back]").await;
        let b_file = export_all(cb, &b.downloads).await;
        click(ca, "[data-test=back]").await;
        assert_eq!(import_file(ca, &b_file).await, (0, 1, 1));
        screenshot(ca, "files-import-result-ar.png").await;
        check_merged(ca, &s1, "A").await;
        // The same file again changes nothing and doubles nothing.
        click(ca, "[data-test=back]").await;
        assert_eq!(import_file(ca, &b_file).await, (0, 0, 2));
        check_merged(ca, &s1, "A").await;
        click(ca, "[data-test=back]").await;
        let s2_card =
            format!("[data-test=session-card][data-id='{s2}'] [data-test=card-proposals]");
        assert!(
            find(ca, &s2_card).await.text().await?.contains('1'),
            "the youth session keeps its one proposal"
        );

        // And A's merged file brings B to the same state.
        let a_merged = export_all(ca, &a.downloads).await;
        assert_eq!(import_file(cb, &a_merged).await, (0, 1, 1));
        check_merged(cb, &s1, "B").await;
        Ok(())
    };
    run_with_artefacts("files", &[("a", &a_client), ("b", &b_client)], scenario).await
}

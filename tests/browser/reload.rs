//! The page reloads (a crash, a flat battery, a tap on reload) in the middle of typing, with no
//! server: everything the screen had confirmed is still there, read back from IndexedDB.

use crate::support::*;

const SAVED: (&str, &str) = ("الوادي يقطع الطريق عند الفيضانات", "بناء قنطرة على الوادي");
const HALF_TYPED: &str = "لا توجد دار الشباب في";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_while_typing_keeps_what_was_confirmed() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let tablet = open_tablet(&driver, tmp.path(), "tablet").await;
    let client = tablet.client.clone();
    let scenario = async move {
        let c = &tablet.client;
        login(c, &server.base()).await;
        let id = create_session(c, "men").await;
        wait_service_worker(c).await;
        let session_url = c.current_url().await?;
        let base = server.base();
        server.stop().await;

        // Counted and confirmed, then a proposal saved and confirmed.
        count_people(c, "men", 3).await;
        click(c, "[data-test=tab-proposals]").await;
        add_proposal(c, SAVED.0, SAVED.1, "roads").await;
        // The next one is half typed when the page goes.
        click(c, "[data-test=add-proposal]").await;
        find(c, "[data-test=proposal-problem]")
            .await
            .send_keys(HALF_TYPED)
            .await?;
        c.refresh().await?;

        // Back from the service worker and IndexedDB, with no server.
        find(c, "[data-test=tab-proposals]").await;
        assert_eq!(c.current_url().await?, session_url);
        assert_eq!(attendance_value(c, "men").await, "3");
        click(c, "[data-test=tab-proposals]").await;
        wait_count(c, "[data-test=proposal]", 1).await;
        let texts = proposal_texts(c).await;
        assert!(texts[0].contains(SAVED.0), "after reload: {texts:?}");
        // And the home screen counts it.
        click(c, "[data-test=back]").await;
        let card = format!("[data-test=session-card][data-id='{id}'] [data-test=card-proposals]");
        assert!(find(c, &card).await.text().await?.contains('1'));
        // Opened at `/` with no server: the worker answers every navigation with its cached
        // /index.html (it does not keep `/` apart).
        c.goto(&format!("{base}/")).await?;
        assert!(find(c, &card).await.text().await?.contains('1'));

        // Again, reloading at once after the confirmation of a second proposal.
        open_session(c, &id).await;
        click(c, "[data-test=tab-proposals]").await;
        add_proposal(c, HALF_TYPED, "", "youth_sports").await;
        c.refresh().await?;
        click(c, "[data-test=tab-proposals]").await;
        wait_count(c, "[data-test=proposal]", 2).await;
        Ok(())
    };
    run_with_artefacts("reload", &[("tablet", &client)], scenario).await
}

//! A session's pole and douars corrected after creation on two tablets at once (issue 12):
//! the douars show in the order picked, both tablets end with one pole, the same one, and say
//! which was kept; the server has it too.

use fantoccini::Client;

use crate::screens::set_lang;
use crate::support::*;

/// Opens the correction form and picks `pole` then `douars` in that order.
async fn correct(client: &Client, pole: &str, douars: &[&str]) {
    if count(client, "[data-test=details-form]").await == 0 {
        click(client, "[data-test=edit-details]").await;
    }
    click(client, "[data-test=correct-open]").await;
    click(client, &format!("[data-test=pole-chip][data-code={pole}]")).await;
    for d in douars {
        click(client, &format!("[data-test=douar-chip][data-code={d}]")).await;
    }
}

async fn place_text(client: &Client) -> String {
    find(client, "[data-test=session-place]")
        .await
        .text()
        .await
        .expect("the place line")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pole_corrected_on_two_tablets() -> TestResult {
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

        // Offline, each tablet corrects the pole its own way. A picks Ouled Skir before El
        // Jrif: the header lists them in that order, not the ids' order.
        server.stop().await;
        correct(ca, "pole-2", &["ouled-skir", "el-jrif"]).await;
        screenshot(ca, "correct-form-portrait-ar.png").await;
        click(ca, "[data-test=correct-save]").await;
        wait_saved(ca).await;
        let mut names = Vec::new();
        for e in ca
            .find_all(css("[data-test=session-place] [data-test=douar-name]"))
            .await?
        {
            names.push(e.text().await?);
        }
        assert!(
            names.len() == 2 && names[0].contains("Moussalla") && names[1].contains("El Jrif"),
            "douars in the order picked: {names:?}"
        );
        correct(cb, "pole-3", &["idouz"]).await;
        click(cb, "[data-test=correct-save]").await;
        wait_saved(cb).await;
        assert!(place_text(cb).await.contains("Idouz"));
        // Each tablet's log already holds its own correction.
        wait_count(ca, "[data-test=correction][data-field=pole]", 1).await;

        let server = Server::start(&db_path, &assets, port).await;
        for c in [ca, cb, ca] {
            sync_now(c).await;
            wait_session_synced(c).await;
        }
        // One pole on both, and both say which was kept and what the other tablet chose.
        wait_count(ca, "[data-test=correction-at-once][data-field=pole]", 1).await;
        wait_count(cb, "[data-test=correction-at-once][data-field=pole]", 1).await;
        let (pa, pb) = (place_text(ca).await, place_text(cb).await);
        assert_eq!(pa, pb, "both tablets show the same session");
        let token = api_login(&base, OFFICE).await;
        let detail = session_detail(&base, &token, &id).await;
        let pole = detail["pole_id"].as_str().unwrap_or_default().to_string();
        assert!(["pole-2", "pole-3"].contains(&pole.as_str()), "{detail}");
        let (kept_name, other_name) = if pole == "pole-2" {
            ("Ouled Skir", "Idouz")
        } else {
            ("Idouz", "Ouled Skir")
        };
        // The words put the value kept first, then what the other tablet chose.
        for c in [ca, cb] {
            let notice = find(c, "[data-test=correction-at-once]")
                .await
                .text()
                .await?;
            let (k, o) = (notice.find(kept_name), notice.find(other_name));
            assert!(
                matches!((k, o), (Some(k), Some(o)) if k < o),
                "{notice:?} names the pole kept ({pole}) first"
            );
        }
        wait_count(ca, "[data-test=correction][data-field=pole]", 2).await;
        screenshot(ca, "correct-at-once-portrait-ar.png").await;
        set_lang(cb, "fr").await;
        set_viewport(cb, LANDSCAPE).await;
        if count(cb, "[data-test=details-form]").await == 0 {
            click(cb, "[data-test=edit-details]").await;
        }
        cb.execute(
            "document.querySelector('[data-test=correction-at-once]').scrollIntoView({block: 'center'});",
            vec![],
        )
        .await?;
        screenshot(cb, "correct-at-once-landscape-fr.png").await;

        // A corrects again, having seen both: no longer "at once", on both tablets.
        let other = if pole == "pole-2" { "pole-3" } else { "pole-2" };
        let douar = if other == "pole-2" {
            "el-jrif"
        } else {
            "idouz"
        };
        correct(ca, other, &[douar]).await;
        click(ca, "[data-test=correct-save]").await;
        wait_saved(ca).await;
        wait_count(ca, "[data-test=correction-at-once]", 0).await;
        for c in [ca, cb] {
            sync_now(c).await;
            wait_session_synced(c).await;
        }
        wait_count(cb, "[data-test=correction-at-once]", 0).await;
        let detail = session_detail(&base, &token, &id).await;
        assert_eq!(detail["pole_id"], other, "{detail}");
        server.stop().await;
        Ok(())
    };
    run_with_artefacts(
        "corrections",
        &[("a", &a_client), ("b", &b_client)],
        scenario,
    )
    .await
}

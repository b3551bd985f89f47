//! The main screens in Arabic (right to left) and French, on a 10-inch tablet held upright
//! (800 × 1280) and turned (1280 × 800): photographed for the record (kept as test artefacts),
//! and checked for what fingers and eyes need: every control at least 48 × 48 CSS px, nothing
//! wider than the screen, the page's direction that of its language.

use fantoccini::Client;
use serde_json::Value;

use crate::support::*;

/// Controls smaller than 48 × 48 CSS px among those visible, as "what (w×h)".
const SMALL_TARGETS: &str = r#"
const out = [];
const seen = new Set();
for (const el of document.querySelectorAll(
    'button, input, select, textarea, summary, a[href], [role=tab], label.file-button')) {
  // A file input hidden under its label is reached through the label.
  const target = el.matches('input[type=file]') ? el.closest('label') : el;
  if (!target || seen.has(target)) continue;
  seen.add(target);
  const r = target.getBoundingClientRect();
  const style = getComputedStyle(target);
  if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
  if (r.width < 48 || r.height < 48) {
    const name = target.dataset.test || target.className || target.tagName.toLowerCase();
    out.push(`${name} (${r.width.toFixed(1)}×${r.height.toFixed(1)})`);
  }
}
return out;
"#;

/// What a screen must satisfy at every size and in both languages.
async fn check_screen(client: &Client, lang: &str, screen: &str, size: &str) {
    let page: Value = client
        .execute(
            "const d = document.documentElement;
             return [d.lang, d.dir, d.scrollWidth, d.clientWidth];",
            vec![],
        )
        .await
        .expect("page facts");
    let dir = if lang == "ar" { "rtl" } else { "ltr" };
    assert_eq!(page[0], lang, "{screen} {size}: language");
    assert_eq!(page[1], dir, "{screen} {size}: direction");
    assert!(
        page[2].as_u64() <= page[3].as_u64(),
        "{screen} {lang} {size}: wider than the screen ({} > {})",
        page[2],
        page[3]
    );
    let small: Vec<String> = serde_json::from_value(
        client
            .execute(SMALL_TARGETS, vec![])
            .await
            .expect("touch targets"),
    )
    .expect("a list");
    assert!(
        small.is_empty(),
        "{screen} {lang} {size}: touch targets under 48 × 48 px: {small:?}"
    );
    screenshot(client, &format!("{screen}-{lang}-{size}.png")).await;
}

/// Switches the interface to `lang` unless it is in it already.
pub(crate) async fn set_lang(client: &Client, lang: &str) {
    let current = client
        .execute("return document.documentElement.lang;", vec![])
        .await
        .expect("lang");
    if current != lang {
        click(client, "[data-test=lang-switch]").await;
    }
    wait_until(&format!("the page is in {lang}"), || async {
        let now = client
            .execute("return document.documentElement.lang;", vec![])
            .await
            .ok()?;
        (now == lang).then_some(())
    })
    .await;
}

const SIZES: [(&str, (u32, u32)); 2] = [("portrait", PORTRAIT), ("landscape", LANDSCAPE)];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_screens_in_both_languages_and_orientations() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let tablet = open_tablet(&driver, tmp.path(), "tablet").await;
    let (_, file) = session_file(3);
    let file_path = tmp.path().join("from-another-tablet.tachkhis");
    std::fs::write(&file_path, file)?;
    let client = tablet.client.clone();
    let scenario = async move {
        let c = &tablet.client;
        let base = server.base();

        // The login screen, before anyone logged in.
        c.goto(&format!("{base}/")).await?;
        find(c, "[data-test=login-username]").await;
        for lang in ["ar", "fr"] {
            set_lang(c, lang).await;
            for (size, viewport) in SIZES {
                set_viewport(c, viewport).await;
                check_screen(c, lang, "login", size).await;
            }
        }
        set_lang(c, "ar").await;
        login(c, &base).await;

        // A session with something in every tab.
        let id = create_session(c, "women").await;
        count_people(c, "women", 12).await;
        count_people(c, "youth_women", 4).await;
        click(c, "[data-test=tab-proposals]").await;
        add_proposal(
            c,
            "الطريق إلى الدوار مقطوعة في الشتاء",
            "تهيئة المسلك وبناء قنطرة",
            "roads",
        )
        .await;
        add_proposal(
            c,
            "Pas d'eau potable en été",
            "Creuser un puits et un réservoir",
            "drinking_water",
        )
        .await;
        click(c, "[data-test=tab-notes]").await;
        find(c, "[data-test=notes]")
            .await
            .send_keys("حضرت جمعية النساء القرويات · L'association des femmes était là")
            .await?;
        click(c, "[data-test=tab-attendance]").await;
        wait_saved(c).await;

        for lang in ["ar", "fr"] {
            c.goto(&format!("{base}/")).await?;
            find(c, "[data-test=new-session]").await;
            set_lang(c, lang).await;
            for (size, viewport) in SIZES {
                set_viewport(c, viewport).await;
                c.goto(&format!("{base}/")).await?;
                find(c, &format!("[data-test=session-card][data-id='{id}']")).await;
                check_screen(c, lang, "home", size).await;

                click(c, "[data-test=new-session]").await;
                click(c, "[data-test=pole-chip]").await;
                find(c, "[data-test=douar-chip]").await;
                check_screen(c, lang, "new-session", size).await;
                click(c, "[data-test=back]").await;

                open_session(c, &id).await;
                wait_attr(c, "[data-test=att-total]", "data-total", "12").await;
                check_screen(c, lang, "session-attendance", size).await;
                click(c, "[data-test=tab-proposals]").await;
                wait_count(c, "[data-test=proposal]", 2).await;
                click(c, "[data-test=add-proposal]").await;
                find(c, "[data-test=proposal-form]").await;
                check_screen(c, lang, "session-proposals-form", size).await;
                click(c, "[data-test=proposal-cancel]").await;
                click(c, "[data-test=tab-notes]").await;
                find(c, "[data-test=notes]").await;
                check_screen(c, lang, "session-notes", size).await;
                click(c, "[data-test=share-open]").await;
                find(c, "[data-test=share-qr] svg").await;
                check_screen(c, lang, "session-share", size).await;
                click(c, "[data-test=share-close]").await;
                click(c, "[data-test=back]").await;

                // No camera here: the scan screen says so and offers the file.
                click(c, "[data-test=scan]").await;
                find(c, "[data-test=scan-unavailable]").await;
                check_screen(c, lang, "scan", size).await;
                click(c, "[data-test=back]").await;

                let report = import_file(c, &file_path).await;
                assert_eq!(report.0 + report.2, 1, "the file's one session: {report:?}");
                check_screen(c, lang, "import-result", size).await;
            }
        }
        assert_no_csp_violations(c).await;
        server.stop().await;
        Ok(())
    };
    run_with_artefacts("screens", &[("tablet", &client)], scenario).await
}

//! Capture speed in the douar: the session's header folds to one line, and a proposal takes at
//! most three taps besides typing (the cursor starts in the problem, Enter goes on to the
//! solution, recent sectors are chips, "save" stays in sight, "save and add another").
//!
//! Every tap goes through [`Taps::tap`], every keystroke to the focused field: a tap the test
//! does not count would have to be a `click` here, and there is none in the counted flows.

use fantoccini::Client;

use crate::support::*;

const ENTER: &str = "\u{E007}";

const PROPOSALS: [(&str, &str, &str); 4] = [
    ("الطريق إلى الدوار مقطوعة", "تهيئة المسلك", "roads"),
    ("المدرسة بعيدة عن الدوار", "نقل مدرسي", "roads"),
    ("لا ماء صالح للشرب في الصيف", "حفر بئر", "drinking_water"),
    ("الطريق تنقطع في الشتاء", "قنطرة", "roads"),
];

/// Taps counted, one per click.
#[derive(Default)]
struct Taps(usize);

impl Taps {
    async fn tap(&mut self, client: &Client, selector: &str) {
        click(client, selector).await;
        self.0 += 1;
    }

    async fn sector(&mut self, client: &Client, sector: &str) {
        self.0 += pick_sector(client, sector).await;
    }
}

/// Types into the focused element (the on-screen keyboard's typing: no tap).
async fn type_here(client: &Client, text: &str) {
    client
        .active_element()
        .await
        .expect("a focused element")
        .send_keys(text)
        .await
        .expect("type");
}

async fn focused_test(client: &Client) -> String {
    client
        .execute(
            "return document.activeElement && document.activeElement.dataset.test || '';",
            vec![],
        )
        .await
        .expect("the focused element")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Types a proposal's two texts as the keyboard would: the problem where the cursor is, Enter,
/// the solution.
async fn type_proposal(client: &Client, problem: &str, solution: &str) {
    assert_eq!(focused_test(client).await, "proposal-problem");
    type_here(client, problem).await;
    type_here(client, ENTER).await;
    assert_eq!(
        focused_test(client).await,
        "proposal-solution",
        "Enter in the problem goes on to the solution"
    );
    type_here(client, solution).await;
}

/// The top of the tabs, in CSS px from the top of the page.
async fn tabs_top(client: &Client) -> f64 {
    client
        .execute(
            "window.scrollTo(0, 0); return document.querySelector('.tabs').getBoundingClientRect().top;",
            vec![],
        )
        .await
        .expect("the tabs' place")
        .as_f64()
        .expect("a number")
}

/// Whether the element is wholly inside the viewport.
async fn in_view(client: &Client, selector: &str) -> bool {
    let script = "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                  return r.top >= 0 && r.bottom <= window.innerHeight;";
    client
        .execute(script, vec![serde_json::json!(selector)])
        .await
        .expect("the element's place")
        .as_bool()
        .unwrap_or(false)
}

/// Fails, naming the widest element, when the page scrolls sideways.
async fn no_sideways_scroll(client: &Client, what: &str) {
    let script = "const w = document.documentElement.clientWidth; \
        if (document.documentElement.scrollWidth <= w) return ''; \
        const out = [...document.querySelectorAll('body *')].filter(e => { \
            const r = e.getBoundingClientRect(); return r.right > w + 1 || r.left < -1; }); \
        return out.slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + \
            Math.round(e.getBoundingClientRect().left) + '..' + \
            Math.round(e.getBoundingClientRect().right)).join('; ');";
    let wide = client
        .execute(script, vec![])
        .await
        .expect("the page's width");
    assert_eq!(wide, "", "{what}: the page scrolls sideways");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_folds_and_a_proposal_takes_three_taps() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("tachkhis.db"), &assets, 0).await;
    let tablet = open_tablet(&driver, tmp.path(), "tablet").await;
    let client = tablet.client.clone();
    let scenario = async move {
        let c = &tablet.client;
        login(c, &server.base()).await;
        // A browser that refuses to keep the data: said once with what to do, then a quiet
        // mark at every start.
        cdp(
            c,
            "Browser.setPermission",
            serde_json::json!({
                "permission": { "name": "persistent-storage" },
                "setting": "denied",
                "origin": server.base(),
            }),
        )
        .await?;
        c.refresh().await?;
        find(c, "[data-test=persist-warning]").await;
        screenshot(c, "storage-warning-portrait-ar.png").await;
        click(c, "[data-test=persist-warning-read]").await;
        find(c, "[data-test=persist-mark]").await;
        c.refresh().await?;
        find(c, "[data-test=persist-mark]").await;
        assert_eq!(
            count(c, "[data-test=persist-warning]").await,
            0,
            "said once"
        );
        screenshot(c, "storage-mark-portrait-ar.png").await;
        create_session(c, "women").await;

        // The header folds to one line that still says whether the work is safe; the choice
        // stays after a reload.
        set_viewport(c, LANDSCAPE).await;
        find(c, "[data-test=session-head][data-folded=false]").await;
        let unfolded = tabs_top(c).await;
        screenshot(c, "session-head-unfolded-landscape-ar.png").await;
        click(c, "[data-test=head-toggle]").await;
        find(c, "[data-test=session-head][data-folded=true]").await;
        count_people(c, "women", 2).await;
        wait_saved(c).await;
        assert_eq!(
            count(c, "[data-test=session-head] [data-test=save-state]").await,
            1,
            "the folded header says the save state"
        );
        assert_eq!(
            count(c, "[data-test=session-head] [data-test=sync-state]").await,
            1,
            "the folded header says the sync state"
        );
        let folded = tabs_top(c).await;
        eprintln!(
            "capture: tabs start at {unfolded:.0} px unfolded, {folded:.0} px folded (1280×800)"
        );
        assert!(
            folded < 130.0 && folded < unfolded,
            "the folded header is one line: tabs at {folded} px (unfolded {unfolded} px)"
        );
        screenshot(c, "session-head-folded-landscape-ar.png").await;
        c.refresh().await?;
        find(c, "[data-test=session-head][data-folded=true]").await;
        set_viewport(c, PORTRAIT).await;
        screenshot(c, "session-head-folded-portrait-ar.png").await;
        no_sideways_scroll(c, "the folded header, portrait").await;
        click(c, "[data-test=tab-proposals]").await;

        // A fresh tablet knows no recent sector: it offers the common ones as chips.
        let mut first = Taps::default();
        first.tap(c, "[data-test=add-proposal]").await;
        type_proposal(c, PROPOSALS[0].0, PROPOSALS[0].1).await;
        first.sector(c, PROPOSALS[0].2).await;
        // An empty field shows its Arabic placeholder from the right.
        let direction = c
            .execute(
                "return getComputedStyle(document.querySelector('[data-test=proposal-raised-by]')).direction;",
                vec![],
            )
            .await?;
        assert_eq!(direction, "rtl", "the empty raised-by field's placeholder");
        screenshot(c, "proposal-form-portrait-ar.png").await;
        no_sideways_scroll(c, "the proposal form, portrait").await;
        first.tap(c, "[data-test=proposal-save]").await;
        wait_count(c, "[data-test=proposal]", 1).await;
        wait_count(c, "[data-test=proposal-form]", 0).await;

        // Then: "add", the texts, a recent sector's chip (or the list), "save".
        let mut second = Taps::default();
        second.tap(c, "[data-test=add-proposal]").await;
        type_proposal(c, PROPOSALS[1].0, PROPOSALS[1].1).await;
        second.sector(c, PROPOSALS[1].2).await;
        second.tap(c, "[data-test=proposal-save-next]").await;
        wait_count(c, "[data-test=proposal]", 2).await;
        // "Save and add another": the form stays, empty, the cursor in the problem.
        let mut third = Taps::default();
        wait_until("the form is empty for the next one", || async {
            let v = find(c, "[data-test=proposal-problem]")
                .await
                .prop("value")
                .await
                .ok()??;
            v.is_empty().then_some(())
        })
        .await;
        type_proposal(c, PROPOSALS[2].0, PROPOSALS[2].1).await;
        third.sector(c, PROPOSALS[2].2).await;
        third.tap(c, "[data-test=proposal-save-next]").await;
        wait_count(c, "[data-test=proposal]", 3).await;
        // With the on-screen keyboard up (about 350 px of 800 in landscape), "save" is still
        // in sight.
        set_viewport(c, (LANDSCAPE.0, LANDSCAPE.1 - 350)).await;
        let mut fourth = Taps::default();
        type_proposal(c, PROPOSALS[3].0, PROPOSALS[3].1).await;
        assert!(
            in_view(c, "[data-test=proposal-save]").await,
            "save is in sight above the keyboard"
        );
        screenshot(c, "proposal-form-keyboard-landscape-ar.png").await;
        // Enter in the solution is the keyboard's "done": it goes away.
        type_here(c, ENTER).await;
        assert_eq!(
            focused_test(c).await,
            "",
            "the solution lets go of the keyboard"
        );
        set_viewport(c, LANDSCAPE).await;
        fourth.sector(c, PROPOSALS[3].2).await;
        assert!(in_view(c, "[data-test=proposal-save]").await);
        screenshot(c, "proposal-form-landscape-ar.png").await;
        fourth.tap(c, "[data-test=proposal-save]").await;
        wait_count(c, "[data-test=proposal]", 4).await;
        wait_count(c, "[data-test=proposal-form]", 0).await;
        wait_saved(c).await;
        eprintln!(
            "capture: taps besides typing per proposal: first on a fresh tablet {}, then {}, {} and {} (\"save and add another\")",
            first.0, second.0, third.0, fourth.0
        );
        for (n, taps) in [(1, &first), (2, &second), (3, &third), (4, &fourth)] {
            assert!(taps.0 <= 3, "proposal {n}: {} taps", taps.0);
        }
        // Saved with what was picked: every card has its sector's and its douar's tags.
        let tags = c
            .execute(
                "return [...document.querySelectorAll('[data-test=proposal]')]
                    .map(p => p.querySelectorAll('.proposal-meta .tag').length);",
                vec![],
            )
            .await?;
        assert_eq!(
            tags,
            serde_json::json!([2, 2, 2, 2]),
            "sector and douar tags"
        );
        let texts = proposal_texts(c).await;
        for (problem, _, _) in PROPOSALS {
            assert!(
                texts.iter().any(|t| t.contains(problem)),
                "{problem} in {texts:?}"
            );
        }
        Ok(())
    };
    run_with_artefacts("capture", &[("tablet", &client)], scenario).await
}

//! The field capture benchmark (issue 12), with the real client bundle in headless Chromium and
//! the real server: taps and seconds for what a facilitator does most in a douar.
//! 1. One proposal, as the app asks for it now: "add", the two texts (typed), a sector chip,
//!    "save"; then four more with "save and add another". Taps counted (typing is not a tap),
//!    and the seconds from the first tap to "saved on this tablet" with WebDriver typing (the
//!    app's own time, not a person's: a person's time is estimated from the taps below).
//! 2. A meeting's attendance from the paper sheet (women 23, men 18, of whom young 9 and 7,
//!    disabled 1 and 2: 60 taps with +1 alone, as before this issue), done three ways side by
//!    side in one run: +1 only (the old way, still there), the steppers (+5 and +1), and the
//!    counts typed on the number pad. Taps, typed digits and seconds for each.
//!
//! A person's seconds are estimated with touch keystroke-level operator times (tap on a 48 px
//! target 0.4 s, a decision before a tap 1.2 s once per field, a digit on the pad 0.3 s): a
//! model, said as one, to compare the ways, not a measure of a facilitator.
//!
//! `cargo xtask bench` runs it; by hand, with a built bundle:
//! `TACHKHIS_ASSETS=$PWD/target/client cargo bench -p tachkhis-server --bench capture`.
#![allow(clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../../tests/browser/support.rs"]
mod support;

use std::time::{Duration, Instant};

use fantoccini::Client;
use support::*;

const ENTER: &str = "\u{E007}";
const TAP_S: f64 = 0.4;
const DECIDE_S: f64 = 1.2;
const DIGIT_S: f64 = 0.3;

/// The sheet: category, count.
const SHEET: [(&str, i64); 6] = [
    ("women", 23),
    ("men", 18),
    ("youth_women", 9),
    ("youth_men", 7),
    ("disabled_women", 1),
    ("disabled_men", 2),
];

const PROPOSALS: [(&str, &str, &str); 5] = [
    (
        "الطريق إلى الدوار مقطوعة في الشتاء",
        "تهيئة المسلك",
        "roads",
    ),
    (
        "لا ماء صالح للشرب في الصيف",
        "ربط الدوار بالشبكة",
        "drinking_water",
    ),
    ("المدرسة بعيدة والأطفال يمشون ساعة", "نقل مدرسي", "education"),
    (
        "La piste est coupée par l'oued",
        "Construire un radier",
        "roads",
    ),
    (
        "الإنارة العمومية منعدمة",
        "تركيب أعمدة الإنارة",
        "electricity",
    ),
];

#[derive(Default)]
struct Tally {
    taps: usize,
    digits: usize,
    fields: usize,
}

impl Tally {
    async fn tap(&mut self, client: &Client, selector: &str) {
        click(client, selector).await;
        self.taps += 1;
    }

    /// A person's estimated seconds for this work (the model of the module's doc).
    fn person_s(&self) -> f64 {
        self.taps as f64 * TAP_S + self.fields as f64 * DECIDE_S + self.digits as f64 * DIGIT_S
    }
}

async fn type_here(client: &Client, text: &str) {
    client
        .active_element()
        .await
        .expect("a focused element")
        .send_keys(text)
        .await
        .expect("type");
}

async fn value(client: &Client, category: &str) -> i64 {
    attendance_value(client, category)
        .await
        .parse()
        .expect("a count")
}

/// Opens a new women's session and its attendance tab; returns its id.
async fn fresh_session(client: &Client) -> String {
    click(client, "[data-test=back]").await;
    create_session(client, "women").await
}

async fn proposals(client: &Client) {
    click(client, "[data-test=tab-proposals]").await;
    let mut all = Vec::new();
    let started = Instant::now();
    for (i, (problem, solution, sector)) in PROPOSALS.iter().enumerate() {
        let mut t = Tally {
            fields: 2,
            ..Tally::default()
        };
        let one = Instant::now();
        if i == 0 {
            t.tap(client, "[data-test=add-proposal]").await;
        }
        type_here(client, problem).await;
        type_here(client, ENTER).await;
        type_here(client, solution).await;
        t.taps += pick_sector(client, sector).await;
        let last = i + 1 == PROPOSALS.len();
        let save = if last {
            "[data-test=proposal-save]"
        } else {
            "[data-test=proposal-save-next]"
        };
        t.tap(client, save).await;
        wait_count(client, "[data-test=proposal]", i + 1).await;
        wait_saved(client).await;
        all.push((t.taps, one.elapsed()));
    }
    let total = started.elapsed();
    println!("one proposal (besides typing its two texts):");
    for (i, (taps, took)) in all.iter().enumerate() {
        println!(
            "  proposal {}: {taps} taps, {:.2} s scripted from first tap to saved",
            i + 1,
            took.as_secs_f64()
        );
    }
    println!(
        "  {} proposals: {} taps in all, {:.1} s scripted; before this issue 6 taps and a scroll each (outside check)",
        PROPOSALS.len(),
        all.iter().map(|a| a.0).sum::<usize>(),
        total.as_secs_f64()
    );
}

/// Stepped: +1 only as the app was before this issue (`with_fives` false), or +5 as many
/// times as fit, then +1.
async fn stepped(client: &Client, with_fives: bool) -> (Tally, Duration) {
    let mut t = Tally::default();
    let started = Instant::now();
    for (category, n) in SHEET {
        t.fields += 1;
        let fives = if with_fives { n / 5 } else { 0 };
        for (step, times) in [("plus5", fives), ("plus", n - 5 * fives)] {
            for _ in 0..times {
                t.tap(client, &format!("[data-test=att-{category}-{step}]"))
                    .await;
            }
        }
        wait_text(
            client,
            &format!("[data-test=att-{category}-value]"),
            &n.to_string(),
        )
        .await;
    }
    wait_saved(client).await;
    (t, started.elapsed())
}

/// A tap on the count, the number on the pad, Enter (the pad's key, counted as a tap).
async fn typed(client: &Client) -> (Tally, Duration) {
    let mut t = Tally::default();
    let started = Instant::now();
    for (category, n) in SHEET {
        t.fields += 1;
        t.tap(client, &format!("[data-test=att-{category}-value]"))
            .await;
        let test = format!("att-{category}-input");
        wait_until("the count's field has the keyboard", || async {
            let focused = client
                .execute("return document.activeElement.dataset.test || '';", vec![])
                .await
                .ok()?;
            (focused == test.as_str()).then_some(())
        })
        .await;
        let digits = n.to_string();
        t.digits += digits.len();
        type_here(client, &digits).await;
        type_here(client, ENTER).await;
        t.taps += 1;
        wait_text(
            client,
            &format!("[data-test=att-{category}-value]"),
            &digits,
        )
        .await;
    }
    wait_saved(client).await;
    (t, started.elapsed())
}

async fn bench(client: &Client, base: &str) {
    login(client, base).await;
    create_session(client, "women").await;
    proposals(client).await;

    println!(
        "a meeting's attendance from the sheet ({} people in 6 categories):",
        SHEET.iter().map(|s| s.1).sum::<i64>()
    );
    let mut rows = Vec::new();
    for (name, way) in [
        ("+1 only (before)", 0),
        ("steppers +5/+1", 1),
        ("typed on the pad", 2),
    ] {
        fresh_session(client).await;
        let (t, took) = match way {
            0 => stepped(client, false).await,
            1 => stepped(client, true).await,
            _ => typed(client).await,
        };
        for (category, n) in SHEET {
            assert_eq!(value(client, category).await, n, "{name}: {category}");
        }
        println!(
            "  {name:<18} {:>3} taps, {:>2} digits typed, {:>5.1} s scripted, ~{:>4.1} s for a person (model)",
            t.taps,
            t.digits,
            took.as_secs_f64(),
            t.person_s()
        );
        rows.push((t, took));
    }
    let (before, after) = (&rows[0], &rows[2]);
    println!(
        "  typed vs before: {:.1}× fewer taps, {:.1}× less scripted time, {:.1}× less estimated person time",
        before.0.taps as f64 / after.0.taps as f64,
        before.1.as_secs_f64() / after.1.as_secs_f64(),
        before.0.person_s() / after.0.person_s()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let assets = assets_dir();
        let driver = Chromedriver::start().await;
        let tmp = tempfile::tempdir().expect("a temp folder");
        let db = tmp.path().join("tachkhis.db");
        let server = Server::start(&db, &assets, 0).await;
        let profile = tmp.path().join("profile");
        std::fs::create_dir_all(&profile).expect("profile folder");
        let client = connect_browser(&driver, &profile).await;
        let started = Instant::now();
        bench(&client, &server.base()).await;
        println!("total bench time: {:.1} s", started.elapsed().as_secs_f64());
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        server.stop().await;
    });
}

//! The PAC document as the council gets it: the committee opens it from the reports screen
//! (the app fetches it with the token and opens it in a new tab), in Arabic then French;
//! Chromium prints it to PDF (DevTools `Page.printToPDF`, the page's own `@page` size), and
//! the PDF's text, read page by page, holds the sections in the law's order, each programme
//! row and each ranked project whole on one page, the page numbers; the Arabic page is right
//! to left (the document's direction, the headings and tables' first column on the right).
//! Screenshots of the page (screen and print media) and the PDFs go to `target/artefacts/`.
//!
//! The dated steps, the vote and the opinions are written by SQL here (the proc and opin parts
//! write them through their routes); sessions come from a simulated tablet's sync.

use std::collections::BTreeMap;

use fantoccini::Client;
use rusqlite::params;
use serde_json::json;
use tachkhis_shared::{
    AttendanceCategory, GroupKind, Sector,
    money::parse_mad,
    session::{NewSession, ProposalInput, SessionDoc},
    sync::State,
};
use uuid::Uuid;

use crate::helpers::{HttpTransport, Tablet};
use crate::{
    Chromedriver, PASSWORD, Server, TestResult, artefacts_dir, assets_dir, cdp, click,
    connect_browser, find, run_with_artefacts, wait_until,
};

/// A session to make: pole, douar, group kind, women and men present, proposals.
type Planned = (
    &'static str,
    &'static str,
    GroupKind,
    i64,
    i64,
    &'static [(&'static str, Sector)],
);

/// Sessions of women and men in three poles, synced from a simulated tablet.
async fn sync_sessions(base: &str) {
    let http = reqwest::Client::new();
    let token = crate::api_login(base, "facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let plan: [Planned; 4] = [
        (
            "pole-1",
            "centre",
            GroupKind::Women,
            23,
            0,
            &[
                ("الماء الصالح للشرب", Sector::DrinkingWater),
                ("دار الولادة", Sector::Health),
            ],
        ),
        (
            "pole-1",
            "letnine",
            GroupKind::Men,
            0,
            31,
            &[("تهيئة الطريق", Sector::Roads)],
        ),
        (
            "pole-2",
            "ouled-skir",
            GroupKind::Women,
            17,
            0,
            &[("النقل المدرسي", Sector::Education)],
        ),
        (
            "pole-3",
            "idouz",
            GroupKind::Youth,
            9,
            12,
            &[("ملعب القرب", Sector::YouthSports)],
        ),
    ];
    for (pole, douar, group, women, men, proposals) in plan {
        let s = Uuid::new_v4();
        let init = NewSession {
            pole_id: pole.into(),
            douar_ids: vec![douar.into()],
            group_kind: group,
            date: "2022-08-02".into(),
            facilitators: "سعاد".into(),
        };
        let ctx = tablet.ctx();
        let doc = SessionDoc::create(s, &init, &ctx, None).expect("session");
        tablet.docs.insert(s, (doc, State::new()));
        for (c, n) in [
            (AttendanceCategory::Women, women),
            (AttendanceCategory::Men, men),
        ] {
            if n > 0 {
                let ctx = tablet.ctx();
                tablet
                    .doc(s)
                    .add_attendance(c, n, &ctx)
                    .expect("attendance");
            }
        }
        for (problem, sector) in proposals {
            let ctx = tablet.ctx();
            tablet
                .doc(s)
                .add_proposal(
                    &ProposalInput {
                        problem: problem.to_string(),
                        solution: "الحل".into(),
                        sector: Some(sector.clone()),
                        douar_id: Some(douar.into()),
                        raised_by: String::new(),
                    },
                    &ctx,
                )
                .expect("proposal");
        }
    }
    let mut transport = HttpTransport {
        http,
        url: format!("{base}/api/sync"),
        token,
    };
    tablet
        .sync_with(&mut transport)
        .await
        .expect("the tablet syncs");
}

/// The seed's dated steps (references and vote counts made up, marked illustrative), a
/// committee and the IEECAG with their opinions, written here on version 1 as a draft: the
/// demo loads version 1 voted and frozen at load time (its document stored then), and this
/// test prints the live data of the sessions it synced, so it puts version 1 back to a draft
/// without steps, bodies or opinions first.
fn seed_procedure(db: &std::path::Path) {
    let conn = rusqlite::Connection::open(db).expect("the database");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    conn.execute_batch(
        "DELETE FROM reservation_answers; DELETE FROM opinions;
         DELETE FROM council_votes; DELETE FROM procedure_steps;
         DELETE FROM body_members; DELETE FROM bodies;
         UPDATE pac_versions SET status = 'draft', frozen_at = NULL, frozen_by = NULL,
                snapshot = NULL, document = NULL WHERE number = 1;",
    )
    .unwrap();
    let v: i64 = conn
        .query_row("SELECT id FROM pac_versions WHERE number = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    conn.execute(
        "INSERT INTO bodies (id, kind, name_ar, name_fr, position, created_at)
         VALUES (1, 'committee', 'لجنة الميزانية والشؤون المالية والبرمجة', 'Commission du budget', 1, 0),
                (2, 'ieecag', 'هيئة المساواة وتكافؤ الفرص ومقاربة النوع', 'IEECAG', 2, 0)",
        [],
    )
    .unwrap();
    for (kind, date, end, reference) in [
        ("launch_meeting", "2022-06-21", None, "محضر اللقاء التشاوري"),
        ("diagnosis", "2022-07-01", Some("2022-09-30"), ""),
        ("ranking", "2022-10-03", Some("2022-11-30"), ""),
        ("bureau_approval", "2022-12-05", None, "محضر المكتب 7/2022"),
        ("sent_to_bodies", "2022-12-20", None, "إرسالية 311"),
        ("vote", "2023-02-07", None, "مقرر 03/2023"),
        ("sent_to_governor", "2023-02-20", None, "إرسالية 58"),
        ("visa", "2023-07-11", None, "تأشيرة 1290"),
    ] {
        conn.execute(
            "INSERT INTO procedure_steps (version_id, kind, date, end_date, reference,
                 recorded_at, illustrative) VALUES (?1, ?2, ?3, ?4, ?5, 0, 1)",
            params![v, kind, date, end, reference],
        )
        .unwrap();
        if kind == "vote" {
            conn.execute(
                "INSERT INTO council_votes (step_id, session_kind, members_total,
                     members_present, votes_for, votes_against, abstentions, result)
                 VALUES (last_insert_rowid(), 'ordinary', 23, 19, 17, 0, 2, 'adopted')",
                [],
            )
            .unwrap();
        }
    }
    conn.execute(
        "INSERT INTO opinions (id, version_id, body_id, project_id, project_number,
             project_title, verdict, text, date, written_at, illustrative)
         VALUES (1, ?1, 1, NULL, NULL, NULL, 'favourable', 'توافق اللجنة على البرنامج', '2023-01-10', 0, 1),
                (2, ?1, 2, 3, 3, 'بناء المسالك الطرقية', 'reservations', 'إشراك جمعيات النساء في التتبع', '2023-01-12', 0, 1)",
        params![v],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO reservation_answers (opinion_id, outcome, text, answered_at)
         VALUES (2, 'changed', 'أضيفت جمعيتان نسائيتان إلى لجنة التتبع', 0)",
        [],
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pac_document_printed_by_chromium() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile)?;
    let server = Server::start(&db_path, &assets, 0).await;
    let base = server.base();
    sync_sessions(&base).await;
    seed_procedure(&db_path);
    let programmes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/programmes.csv");
    let client = connect_browser(&driver, &profile).await;
    client.set_window_size(1280, 900).await?;
    let outcome = run_with_artefacts("document", &[("committee", &client)], {
        let client = client.clone();
        let base = base.clone();
        async move { scenario(&client, &base, &programmes).await }
    })
    .await;
    server.stop().await;
    outcome
}

/// The programme table's rows as the seed has them: programme (Arabic: the demo has no French
/// names, so both documents show these) and the two amounts as printed ("20 870 000,00").
fn seed_rows(path: &std::path::Path) -> Vec<(String, String, String)> {
    let mut reader = csv::Reader::from_path(path).expect("programmes.csv");
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[2].to_string(),
                parse_mad(&r[5]).unwrap().format_fr(),
                parse_mad(&r[6]).unwrap().format_fr(),
            )
        })
        .collect()
}

async fn scenario(client: &Client, base: &str, programmes: &std::path::Path) -> TestResult {
    client.goto(&format!("{base}/")).await?;
    find(client, "[data-test=login-username]")
        .await
        .send_keys("committee")
        .await?;
    find(client, "[data-test=login-password]")
        .await
        .send_keys(PASSWORD)
        .await?;
    click(client, "[data-test=login-submit]").await;
    find(client, "[data-test=office]").await;
    click(client, "[data-test=nav-reports]").await;
    find(client, "[data-test=pac-document]").await;
    std::fs::write(
        artefacts_dir().join("reports-pac-document-ar.png"),
        client.screenshot().await?,
    )?;
    let app_window = client.window().await?;
    let rows = seed_rows(programmes);

    for lang in ["ar", "fr"] {
        let before = client.windows().await?.len();
        click(client, &format!("[data-test=pac-document-{lang}]")).await;
        let tab = wait_until("the document's tab opens", || async {
            let windows = client.windows().await.ok()?;
            (windows.len() > before)
                .then(|| windows.last().cloned())
                .flatten()
        })
        .await;
        client.switch_to_window(tab).await?;
        find(client, "[data-section=opinions]").await;
        let url = client.current_url().await?;
        assert_eq!(url.scheme(), "blob", "{url}");

        // The stylesheet loaded under the app's CSP (no inline style was needed): watch for
        // violations from the start of this tab's page, then look at what it applied.
        cdp(
            client,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": "document.addEventListener('securitypolicyviolation', (e) => { window.__csp = (window.__csp || []).concat([e.effectiveDirective + ' ' + e.blockedURI]); });" }),
        )
        .await?;
        client.refresh().await?;
        find(client, "[data-section=opinions]").await;
        let page = client
            .execute(
                "const h = document.querySelector('.part h2');
                 const th = [...document.querySelectorAll('[data-test=programme-table] thead th')];
                 return {
                   dir: document.documentElement.dir,
                   lang: document.documentElement.lang,
                   thead: getComputedStyle(document.querySelector('thead')).display,
                   row_break: getComputedStyle(document.querySelector('tr')).breakInside,
                   csp: window.__csp || [],
                   body_left: document.body.getBoundingClientRect().left,
                   body_right: document.body.getBoundingClientRect().right,
                   h2_left: h.getBoundingClientRect().left,
                   h2_text_right: (() => { const r = document.createRange(); r.selectNodeContents(h); return r.getBoundingClientRect().right; })(),
                   h2_text_left: (() => { const r = document.createRange(); r.selectNodeContents(h); return r.getBoundingClientRect().left; })(),
                   first_th: th[0].getBoundingClientRect().left,
                   last_th: th[th.length - 1].getBoundingClientRect().left,
                   bars: document.querySelectorAll('[data-test=chart-participation] rect.bar').length,
                 };",
                vec![],
            )
            .await?;
        assert_eq!(page["lang"], lang);
        assert_eq!(
            page["thead"], "table-header-group",
            "the stylesheet applies"
        );
        assert_eq!(page["row_break"], "avoid");
        assert_eq!(page["csp"], json!([]), "nothing blocked by the CSP");
        assert!(page["bars"].as_u64().unwrap() >= 14, "{page}");
        let f = |k: &str| page[k].as_f64().unwrap();
        if lang == "ar" {
            assert_eq!(page["dir"], "rtl");
            // The heading's text ends at the right of the page; the first column is the
            // rightmost.
            assert!(f("body_right") - f("h2_text_right") < 40.0, "{page}");
            assert!(f("h2_text_left") - f("body_left") > 200.0, "{page}");
            assert!(f("first_th") > f("last_th"), "{page}");
        } else {
            assert_eq!(page["dir"], "ltr");
            assert!(f("h2_text_left") - f("body_left") < 40.0, "{page}");
            assert!(f("first_th") < f("last_th"), "{page}");
        }

        // Screenshots: the window, the whole page on screen, then as printed.
        std::fs::write(
            artefacts_dir().join(format!("pac-document-top-{lang}.png")),
            client.screenshot().await?,
        )?;
        full_page(client, &format!("pac-document-{lang}.png")).await;
        cdp(
            client,
            "Emulation.setEmulatedMedia",
            json!({ "media": "print" }),
        )
        .await?;
        full_page(client, &format!("pac-document-print-{lang}.png")).await;
        cdp(client, "Emulation.setEmulatedMedia", json!({ "media": "" })).await?;

        // The ranked list's rows as the page holds them (rank, number, title, total).
        let ranked: Vec<String> = client
            .execute(
                "return [...document.querySelectorAll('[data-test=ranked-row]')]
                   .map(tr => [...tr.cells].map(td => td.textContent).join(' '));",
                vec![],
            )
            .await?
            .as_array()
            .expect("rows")
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(ranked.len(), 43);
        let pdf = cdp(
            client,
            "Page.printToPDF",
            json!({ "preferCSSPageSize": true, "printBackground": true }),
        )
        .await?;
        let pdf = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(pdf["data"].as_str().expect("PDF data"))?
        };
        std::fs::write(
            artefacts_dir().join(format!("pac-document-{lang}.pdf")),
            &pdf,
        )?;
        check_pdf(&pdf, lang, &rows, &ranked);

        client.close_window().await?;
        client.switch_to_window(app_window.clone()).await?;
    }
    Ok(())
}

/// Text as compared: compatibility forms folded (Chromium's PDF holds Arabic presentation
/// forms and ligatures), letters, digits, commas and dots only, and no alef or lam (the
/// lam-alef ligature comes out of the PDF in either order once a line is read back to front).
fn key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc()
        .filter(|c| c.is_alphanumeric() || matches!(c, ',' | '.'))
        .filter(|c| !matches!(c, 'ا' | 'ل' | 'أ' | 'إ' | 'آ'))
        .collect()
}

fn arabic(c: char) -> bool {
    matches!(c, '\u{600}'..='\u{6ff}' | '\u{750}'..='\u{77f}' | '\u{fb50}'..='\u{fdff}' | '\u{fe70}'..='\u{feff}')
}

/// A PDF page's text as one key, each run of Arabic words read back to front: the PDF holds
/// right-to-left text in the order it is drawn. Lines are joined, so a cell wrapped over two
/// lines reads whole.
fn page_key(text: &str) -> String {
    let mut logical = String::with_capacity(text.len());
    for line in text.lines() {
        let mut run: Vec<char> = Vec::new();
        for c in line.chars() {
            if arabic(c) || (c == ' ' && !run.is_empty()) {
                run.push(c);
            } else {
                logical.extend(run.drain(..).rev());
                logical.push(c);
            }
        }
        logical.extend(run.drain(..).rev());
        logical.push('\n');
    }
    key(&logical)
}

fn check_pdf(pdf: &[u8], lang: &str, rows: &[(String, String, String)], ranked: &[String]) {
    let pages = pdf_extract::extract_text_from_mem_by_pages(pdf).expect("the PDF's text");
    let n = pages.len();
    assert!(n >= 8, "{lang}: {n} pages");
    let keys: Vec<String> = pages.iter().map(|p| page_key(p)).collect();
    let on_page = |needle: &str| -> Vec<usize> {
        let k = key(needle);
        keys.iter()
            .enumerate()
            .filter(|(_, p)| p.contains(&k))
            .map(|(i, _)| i)
            .collect()
    };
    // Every page after the cover carries "i / n".
    for (i, p) in pages.iter().enumerate().skip(1) {
        assert!(
            p.contains(&format!("{} / {n}", i + 1)),
            "{lang}: page {} has no number: {p}",
            i + 1
        );
    }
    // The sections in the law's order, each heading on a later page than the one before
    // (the table of contents, page 2, lists them all first).
    let mut last = 1;
    for (i, (_, ar, fr)) in tachkhis_server::document::SECTIONS.iter().enumerate() {
        let title = key(if lang == "ar" { ar } else { fr });
        // The number reads before the title, or after it once an Arabic run is turned.
        let (before, after) = (format!("{}.{title}", i + 1), format!("{title}.{}", i + 1));
        let found: Vec<usize> = keys
            .iter()
            .enumerate()
            .filter(|(_, p)| p.contains(&before) || p.contains(&after))
            .map(|(i, _)| i)
            .collect();
        assert!(
            found.contains(&1),
            "{lang}: section {} not in the contents",
            i + 1
        );
        let page = *found
            .iter()
            .find(|p| **p > 1)
            .unwrap_or_else(|| panic!("{lang}: section {} not found after the contents", i + 1));
        assert!(
            page > last,
            "{lang}: section {} on page {page}, before the previous one",
            i + 1
        );
        last = page;
    }
    // Each programme row whole on one page: its name and both amounts on the same page.
    let mut by_page: BTreeMap<usize, usize> = BTreeMap::new();
    for (name, commune, partners) in rows {
        let page = keys
            .iter()
            .position(|p| {
                p.contains(&key(name)) && p.contains(&key(commune)) && p.contains(&key(partners))
            })
            .unwrap_or_else(|| {
                panic!("{lang}: the row {name} {commune} {partners} is not whole on a page")
            });
        *by_page.entry(page).or_default() += 1;
    }
    assert_eq!(by_page.values().sum::<usize>(), rows.len());
    // The ranked list runs over pages: each of its rows with a Latin title (the French
    // document's unnamed projects) whole on one page, rank to total.
    if lang == "fr" {
        let mut pages_of_rows = std::collections::BTreeSet::new();
        let mut checked = 0;
        for row in ranked.iter().filter(|r| !r.chars().any(arabic)) {
            let k = key(row);
            let page = keys
                .iter()
                .position(|p| p.contains(&k))
                .unwrap_or_else(|| panic!("fr: the ranked row {row:?} is not whole on a page"));
            pages_of_rows.insert(page);
            checked += 1;
        }
        assert!(checked >= 30, "fr: {checked} ranked rows checked");
        assert!(
            pages_of_rows.len() >= 2,
            "fr: the ranked list fits one page ({pages_of_rows:?}): no page break was checked"
        );
    }
    // The grand total as the seed's.
    assert!(!on_page("52 150 000,00").is_empty() && !on_page("104 150 000,00").is_empty());
    // The steps' dates and the answered reservation made it to paper.
    for text in ["21/06/2022", "07/02/2023", "11/07/2023"] {
        assert!(!on_page(text).is_empty(), "{lang}: {text}");
    }
}

/// A screenshot of the whole page (beyond the window), as PNG.
pub(crate) async fn full_page(client: &Client, name: &str) {
    use base64::Engine;
    let shot = cdp(
        client,
        "Page.captureScreenshot",
        json!({ "format": "png", "captureBeyondViewport": true }),
    )
    .await
    .expect("screenshot");
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("image data"))
        .expect("base64");
    std::fs::write(artefacts_dir().join(name), png).expect("write the screenshot");
}

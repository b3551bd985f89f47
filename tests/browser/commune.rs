//! A commune that is not the demo's, from an empty server to its first synced session, all in
//! the app: the first-run set-up, the territory from the commune's own XLSX workbook (other
//! poles and douars, one douar written two ways, headers as a secretary types them, an extra
//! column, a blank row, Arabic-Indic digits), a douar added by hand, a facilitator created on
//! the People screen who logs in on a tablet, records a session offline in the new douar and
//! syncs, and the office sees it. Every field filled and every tap of the administrator is
//! counted and printed: the figures behind the set-up time in issue 10's note.

use std::path::Path;

use fantoccini::Client;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::support::*;

const ADMIN: &str = "rachida";
const ADMIN_PASSWORD: &str = "une-phrase-de-passe";
const FACILITATOR: &str = "youssef.a";
const FACILITATOR_PASSWORD: &str = "argane-2026";
/// The douar added by hand, in the sixth pole.
const NEW_DOUAR: (&str, &str) = ("تيزي ن تاست", "Tizi n'Tast");
const PROBLEM: &str = "الطريق إلى تيزي ن تاست مقطوعة في الشتاء";
const SOLUTION: &str = "تهيئة المسلك وبناء قنطرة على الواد";

/// The commune's own spreadsheet: 7 poles, 19 douars (the 20th is added by hand), Arabic
/// headers as a secretary writes them, a remarks column the import ignores, a blank row,
/// populations in Arabic-Indic digits, one douar with a second spelling; a places sheet.
fn commune_workbook(path: &Path) -> Result<(), rust_xlsxwriter::XlsxError> {
    /// (Arabic name, Latin name, another spelling, population in Arabic-Indic digits).
    type Douar = (&'static str, &'static str, &'static str, &'static str);
    const POLES: [(&str, &str, &[Douar]); 7] = [
        (
            "القطب الأول: أسكاون المركز",
            "Pôle 1 : Askaoun centre",
            &[
                ("أسكاون", "Askaoun", "", "٣٢٠٠"),
                ("تاكويت", "Taguite", "", "٨٥٠"),
                ("أمزري", "Amzri", "", ""),
            ],
        ),
        (
            "القطب الثاني: تلوات",
            "Pôle 2 : Telouat",
            &[
                ("تلوات", "Telouat", "", "١٢٠٠"),
                ("إغرم", "Irherm", "اغرم", "٤٣٠"),
                ("تسليت", "Tisslit", "", ""),
            ],
        ),
        (
            "القطب الثالث: أيت زينب",
            "Pôle 3 : Ait Zineb",
            &[
                ("أيت زينب", "Ait Zineb", "", "٢١٠٠"),
                ("تمداخت", "Tamdakht", "", ""),
            ],
        ),
        (
            "القطب الرابع: إمي ن تانوت",
            "Pôle 4 : Imi n'Tanout",
            &[
                ("إمي ن تانوت", "Imi n'Tanout", "", ""),
                ("تاسوكت", "Tassoukt", "", "٥٠٠"),
                ("أنمر", "Anmer", "", ""),
            ],
        ),
        (
            "القطب الخامس: تيكيرت",
            "Pôle 5 : Tikirt",
            &[
                ("تيكيرت", "Tikirt", "", "٩٠٠"),
                ("أيت حمو", "Ait Hammou", "", ""),
            ],
        ),
        (
            "القطب السادس: أكدز",
            "Pôle 6 : Agdz",
            &[
                ("أكدز العليا", "Agdz El Oulia", "", ""),
                ("أكدز السفلى", "Agdz Soufla", "", ""),
                // Written two ways in the commune's papers.
                ("تزناخت", "Taznakht", "تازناخت", "٦٤٠"),
            ],
        ),
        (
            "القطب السابع: واد إيسيل",
            "Pôle 7 : Oued Issil",
            &[
                ("إيسيل", "Issil", "", ""),
                ("تاوريرت", "Taourirt", "", "٣٢٠"),
                ("أيت وغلاد", "Ait Oughlad", "", ""),
            ],
        ),
    ];
    let mut book = Workbook::new();
    let douars = book.add_worksheet();
    douars.set_name("الدواوير")?;
    for (c, h) in [
        "رقم القطب",
        "اسم القطب",
        "Pôle (français)",
        "اسم الدوار",
        "nom latin",
        "أسماء أخرى",
        "السكان",
        "ملاحظات",
    ]
    .iter()
    .enumerate()
    {
        douars.write_string(0, c as u16, *h)?;
    }
    let mut row = 1;
    for (i, (pole_ar, pole_fr, list)) in POLES.iter().enumerate() {
        for (ar, fr, alias, population) in *list {
            douars.write_number(row, 0, (i + 1) as f64)?;
            douars.write_string(row, 1, *pole_ar)?;
            douars.write_string(row, 2, *pole_fr)?;
            douars.write_string(row, 3, *ar)?;
            douars.write_string(row, 4, *fr)?;
            douars.write_string(row, 5, *alias)?;
            douars.write_string(row, 6, *population)?;
            douars.write_string(row, 7, "إحصاء 2024")?;
            row += 1;
        }
        if i == 2 {
            // A blank row between poles, as people leave them.
            row += 1;
        }
    }
    let places = book.add_worksheet();
    places.set_name("أماكن")?;
    for (c, h) in ["النوع", "الاسم", "الدواوير"].iter().enumerate() {
        places.write_string(0, c as u16, *h)?;
    }
    places.write_string(1, 0, "river")?;
    places.write_string(1, 1, "واد إيسيل")?;
    places.write_string(1, 2, "إيسيل | تاوريرت")?;
    book.save(path)
}

/// What the administrator did, counted as the test does it.
#[derive(Default)]
struct Effort {
    fields: usize,
    taps: usize,
    files: usize,
}

impl Effort {
    async fn type_in(&mut self, client: &Client, selector: &str, text: &str) {
        find(client, selector)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type in {selector}: {e}"));
        self.fields += 1;
    }

    async fn tap(&mut self, client: &Client, selector: &str) {
        click(client, selector).await;
        self.taps += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commune_from_its_spreadsheet_to_its_first_synced_session() -> TestResult {
    let assets = assets_dir();
    let driver = Chromedriver::shared().await;
    let tmp = tempfile::tempdir()?;
    let db_path = tmp.path().join("tachkhis.db");
    let workbook = tmp.path().join("دواوير الجماعة.xlsx");
    commune_workbook(&workbook)?;
    // What `tachkhis serve` prints on an empty database.
    let code = {
        let db = tachkhis_server::Db::open(&db_path)?;
        db.write_blocking(tachkhis_server::setup::issue_code)
            .map_err(|e| format!("{e}"))?
            .ok_or("an empty database needs a code")?
    };
    let server = Server::start_with(&db_path, &assets, 0, |c| c.demo = false).await;
    let port = server.port;
    let base = server.base();
    let office_profile = tmp.path().join("office-profile");
    let tablet_profile = tmp.path().join("tablet-profile");
    std::fs::create_dir_all(&office_profile)?;
    std::fs::create_dir_all(&tablet_profile)?;
    let office = connect_browser(&driver, &office_profile).await;
    let tablet = connect_browser(&driver, &tablet_profile).await;
    set_viewport(&office, (1366, 900)).await;
    let run = {
        let (office, tablet) = (office.clone(), tablet.clone());
        async move {
            let mut effort = Effort::default();
            let started = std::time::Instant::now();

            // First run: the set-up screen, with the code the server printed.
            office.goto(&format!("{base}/")).await?;
            for (field, text) in [
                ("setup-code", code.as_str()),
                ("setup-name-ar", "جماعة إيسيل"),
                ("setup-name-fr", "Commune d'Issil"),
                ("setup-province", "Ouarzazate"),
                ("setup-region", "Drâa-Tafilalet"),
                ("setup-mandate", "2023-2028"),
                ("setup-admin", ADMIN),
                ("setup-password", ADMIN_PASSWORD),
                ("setup-password-again", ADMIN_PASSWORD),
            ] {
                effort
                    .type_in(&office, &format!("[data-test={field}]"), text)
                    .await;
            }
            effort.tap(&office, "[data-test=setup-submit]").await;
            effort
                .type_in(&office, "[data-test=login-username]", ADMIN)
                .await;
            effort
                .type_in(&office, "[data-test=login-password]", ADMIN_PASSWORD)
                .await;
            effort.tap(&office, "[data-test=login-submit]").await;
            // On a laptop's window the administrator lands on the office's screens.
            find(&office, "[data-test=office]").await;
            effort.tap(&office, "[data-test=nav-territory]").await;
            find(&office, "[data-test=territory]").await;
            assert_eq!(
                count(&office, "[data-test=pole]").await,
                0,
                "an empty territory"
            );

            // The commune's workbook: checked, then imported.
            find(&office, "[data-test=territory-file]")
                .await
                .send_keys(&workbook.display().to_string())
                .await?;
            effort.files += 1;
            effort.tap(&office, "[data-test=territory-check]").await;
            let report = find(
                &office,
                "[data-test=territory-import-report][data-dry-run=true]",
            )
            .await
            .text()
            .await?;
            assert!(
                report.contains("ملاحظات"),
                "the ignored column is said: {report}"
            );
            screenshot(&office, "commune-territory-check-ar.png").await;
            effort.tap(&office, "[data-test=territory-run]").await;
            find(
                &office,
                "[data-test=territory-import-report][data-dry-run=false]",
            )
            .await;
            wait_count(&office, "[data-test=pole]", 7).await;
            wait_count(&office, "[data-test=douar-row]", 19).await;

            // One douar by hand, in the sixth pole.
            let token = login(&base, ADMIN, ADMIN_PASSWORD).await;
            let territory = get(&base, &token, "/api/territory").await;
            let pole6 = territory["poles"]
                .as_array()
                .and_then(|p| p.iter().find(|p| p["number"] == 6))
                .and_then(|p| p["id"].as_str())
                .ok_or("pole 6")?
                .to_string();
            let in_pole6 = format!("[data-test=pole][data-id=\"{pole6}\"]");
            office
                .execute(
                    &format!(
                        "document.querySelector('{}').scrollIntoView({{block: 'center'}})",
                        format!("{in_pole6} [data-test=new-douar-ar]").replace('\'', "\\'")
                    ),
                    vec![],
                )
                .await?;
            effort
                .type_in(
                    &office,
                    &format!("{in_pole6} [data-test=new-douar-ar]"),
                    NEW_DOUAR.0,
                )
                .await;
            effort
                .type_in(
                    &office,
                    &format!("{in_pole6} [data-test=new-douar-fr]"),
                    NEW_DOUAR.1,
                )
                .await;
            effort
                .tap(&office, &format!("{in_pole6} [data-test=new-douar-add]"))
                .await;
            wait_count(&office, "[data-test=douar-row]", 20).await;
            let territory = get(&base, &token, "/api/territory").await;
            let douars = territory["douars"].as_array().ok_or("douars")?;
            assert_eq!(douars.len(), 20);
            let new_douar = douars
                .iter()
                .find(|d| d["name_ar"] == NEW_DOUAR.0)
                .ok_or("the douar added by hand")?;
            assert_eq!(new_douar["pole_id"], pole6.as_str());
            let new_douar_id = new_douar["id"].as_str().ok_or("id")?.to_string();
            let taznakht = douars
                .iter()
                .find(|d| d["name_fr"] == "Taznakht")
                .ok_or("Taznakht")?;
            assert_eq!(taznakht["aliases"], serde_json::json!(["تازناخت"]));
            assert_eq!(taznakht["population"], 640);
            assert_eq!(
                territory["places"][0]["douar_ids"].as_array().map(Vec::len),
                Some(2)
            );
            office.execute("window.scrollTo(0, 0)", vec![]).await?;
            screenshot(&office, "commune-territory-ar.png").await;

            // A facilitator, created on the People screen; the server draws the password.
            effort.tap(&office, "[data-test=nav-people]").await;
            wait_count(&office, "[data-test=user-row]", 1).await;
            effort
                .type_in(&office, "[data-test=new-username]", FACILITATOR)
                .await;
            effort
                .type_in(&office, "[data-test=new-display-name]", "يوسف أيت علي")
                .await;
            // Facilitator is the role a new user gets unless another is chosen.
            effort.tap(&office, "[data-test=create-user]").await;
            let one_time = find(&office, "[data-test=one-time-value]")
                .await
                .text()
                .await?;
            let admin_time = started.elapsed();
            eprintln!(
                "commune set-up in the app (7 poles, 19 douars by file, 1 by hand, 1 place, one \
                 facilitator): {} fields typed, {} taps, {} file chosen; {:.1} s of browser time",
                effort.fields,
                effort.taps,
                effort.files,
                admin_time.as_secs_f64()
            );

            // On the tablet: the one-time password, then one of the facilitator's own.
            tablet.goto(&format!("{base}/")).await?;
            find(&tablet, "[data-test=login-username]")
                .await
                .send_keys(FACILITATOR)
                .await?;
            find(&tablet, "[data-test=login-password]")
                .await
                .send_keys(one_time.trim())
                .await?;
            click(&tablet, "[data-test=login-submit]").await;
            find(&tablet, "[data-test=password-change]").await;
            for field in ["new-password", "new-password-again"] {
                find(&tablet, &format!("[data-test={field}]"))
                    .await
                    .send_keys(FACILITATOR_PASSWORD)
                    .await?;
            }
            click(&tablet, "[data-test=password-submit]").await;
            find(&tablet, "[data-test=new-session]").await;
            wait_service_worker(&tablet).await;

            // The network goes: the session is recorded offline, in the new douar.
            server.stop().await;
            click(&tablet, "[data-test=new-session]").await;
            click(
                &tablet,
                &format!("[data-test=pole-chip][data-code=\"{pole6}\"]"),
            )
            .await;
            click(
                &tablet,
                &format!("[data-test=douar-chip][data-code=\"{new_douar_id}\"]"),
            )
            .await;
            click(&tablet, "[data-test=group-chip][data-code=women]").await;
            click(&tablet, "[data-test=create-session]").await;
            let session_id = wait_until("the session screen opens", || async {
                let url = tablet.current_url().await.ok()?;
                url.path().strip_prefix("/session/").map(str::to_string)
            })
            .await;
            click(&tablet, "[data-test=tab-proposals]").await;
            add_proposal(&tablet, PROBLEM, SOLUTION, "roads").await;
            screenshot(&tablet, "commune-session-offline-ar.png").await;

            // The server is back: the tablet syncs.
            let server = Server::start_with(&db_path, &assets, port, |c| c.demo = false).await;
            sync_now(&tablet).await;
            wait_attr(&tablet, "[data-test=sync-state]", "data-state", "synced").await;

            // The office sees the session, in its douar, with its proposal.
            let detail = session_detail(&base, &token, &session_id).await;
            assert_eq!(
                detail["douar_ids"],
                serde_json::json!([new_douar_id]),
                "{detail}"
            );
            assert_eq!(live_problems(&detail), vec![PROBLEM.to_string()]);
            office.goto(&format!("{base}/office/proposals")).await?;
            wait_until("the office's table shows the proposal", || async {
                let text = office
                    .find(css("[data-test=office]"))
                    .await
                    .ok()?
                    .text()
                    .await
                    .ok()?;
                text.contains(PROBLEM).then_some(())
            })
            .await;
            screenshot(&office, "commune-office-ar.png").await;
            assert_no_csp_violations(&office).await;
            assert_no_csp_violations(&tablet).await;
            server.stop().await;
            Ok(())
        }
    };
    run_with_artefacts(
        "commune-from-empty",
        &[("office", &office), ("tablet", &tablet)],
        run,
    )
    .await
}

async fn get(base: &str, token: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

async fn login(base: &str, user: &str, password: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({ "username": user, "password": password }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("login")
        .json()
        .await
        .expect("login answer");
    answer["token"].as_str().expect("a token").to_string()
}

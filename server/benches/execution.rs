//! The follow-up's dashboards and a project's whole story (issue 15, dash) at the size the
//! issue names: the demo commune's 43 projects × 6 budget years of execution records (amounts
//! per funder, funding sources, documents, timeline entries, indicator values) and 100,000
//! proposals traced to needs linked to the projects. Each view's time (median of several runs,
//! and the worst) and this process's peak resident memory while it runs (`VmHWM`, reset before
//! each view with `clear_refs`), printed as a table.
//!
//! `cargo bench -p tachkhis-server --bench execution` (release; `cargo xtask bench` runs it).
//! `TACHKHIS_BENCH_PROPOSALS=20000` for a smaller run, `TACHKHIS_BENCH_RUNS=9` for more runs.
//!
//! The data is written straight into the tables (the proposals by `common::fill_traced`, as the
//! gender and document benches do; the follow-up by [`fill_execution`], a function of a
//! transaction so that the annual evaluation report's benchmark can build on the same data).
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::fill_traced;

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};
use rusqlite::{Transaction, params};
use tachkhis_server::{
    Db, demo,
    document::html::Lang,
    execution::{dashboard, evaluation, story},
    export,
};

/// The budget years of the follow-up.
pub const YEARS: std::ops::RangeInclusive<i32> = 2022..=2027;

const STATUSES: &[&str] = &[
    "planned",
    "preparation_started",
    "under_way",
    "executed",
    "awaiting_execution",
    "suspended",
    "dropped",
];

/// Six years of execution for every project: a record per year (status, dates, a reason when
/// suspended or dropped), the commune's amounts and, for one project in three, a partner's
/// (paid ≤ committed ≤ programmed), one or two funding sources, a document, two timeline
/// entries, and each indicator's value (an indicator with targets is added to projects that
/// have none). Deterministic (a fixed seed); everything marked illustrative.
pub fn fill_execution(tx: &Transaction<'_>) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(0x15_da5b);
    // The demo's own follow-up (the seed's six projects, a few illustrative years) gives way:
    // every project gets its six years from here.
    tx.execute_batch(
        "DELETE FROM execution_records; DELETE FROM project_timeline; DELETE FROM indicator_values;",
    )?;
    let projects: Vec<i64> = tx
        .prepare("SELECT id FROM projects ORDER BY number")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    tx.execute(
        "INSERT INTO partners (name_ar, name_fr, kind) VALUES ('شريك المقارنة', 'Partenaire banc', 'association')",
        [],
    )?;
    let partner = tx.last_insert_rowid();
    let mut record = tx.prepare(
        "INSERT INTO execution_records (project_id, year, status, status_reason, start_date,
             end_date, note, illustrative, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'bench', 1, 0, 0)",
    )?;
    let mut amount = tx.prepare(
        "INSERT INTO execution_amounts (record_id, partner_id, programmed, committed, paid)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut funding = tx.prepare(
        "INSERT INTO execution_funding (record_id, position, kind, budget_year, amount)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut document = tx.prepare(
        "INSERT INTO execution_documents (project_id, year, kind, number, dated, illustrative, created_at)
         VALUES (?1, ?2, 'contract', ?3, ?4, 1, 0)",
    )?;
    let mut timeline = tx.prepare(
        "INSERT INTO project_timeline (project_id, happened_on, text_ar, text_fr, illustrative, created_at, updated_at)
         VALUES (?1, ?2, 'زيارة الورش', 'Visite du chantier', 1, 0, 0)",
    )?;
    let mut new_indicator = tx.prepare(
        "INSERT INTO project_indicators (project_id, position, label_ar, unit, created_at, updated_at)
         VALUES (?1, 99, 'نسبة الإنجاز', '%', 0, 0)",
    )?;
    let mut target = tx.prepare(
        "INSERT OR IGNORE INTO indicator_targets (indicator_id, year, value) VALUES (?1, ?2, '100')",
    )?;
    let mut value = tx.prepare(
        "INSERT INTO indicator_values (indicator_id, year, value, illustrative, recorded_at)
         VALUES (?1, ?2, ?3, 1, 0)",
    )?;
    for &project in &projects {
        let mut indicators: Vec<i64> = tx
            .prepare("SELECT id FROM project_indicators WHERE project_id = ?1")?
            .query_map([project], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if indicators.is_empty() {
            new_indicator.execute([project])?;
            indicators.push(tx.last_insert_rowid());
        }
        for year in YEARS {
            let status = STATUSES[rng.random_range(0..STATUSES.len())];
            let reason = if matches!(status, "suspended" | "dropped") {
                "العقار غير مصفى"
            } else {
                ""
            };
            record.execute(params![
                project,
                year,
                status,
                reason,
                format!("{year}-03-{:02}", rng.random_range(1..29)),
                format!("{year}-11-{:02}", rng.random_range(1..29)),
            ])?;
            let id = tx.last_insert_rowid();
            let funders: &[Option<i64>] = if project % 3 == 0 {
                &[None, Some(partner)]
            } else {
                &[None]
            };
            for funder in funders {
                let programmed: i64 = rng.random_range(50_000..2_000_000);
                let committed = rng.random_range(0..=programmed);
                let paid = rng.random_range(0..=committed);
                amount.execute(params![
                    id,
                    funder,
                    format!("{programmed}.00"),
                    format!("{committed}.50"),
                    format!("{paid}.25"),
                ])?;
            }
            funding.execute(params![id, 1, "budget", year, Option::<String>::None])?;
            if rng.random_range(0..3) == 0 {
                funding.execute(params![
                    id,
                    2,
                    "actual_surplus",
                    year - 1,
                    Some("100000.00")
                ])?;
            }
            document.execute(params![
                project,
                year,
                format!("{project}/{year}"),
                format!("{year}-05-10")
            ])?;
            for month in ["04", "09"] {
                timeline.execute(params![project, format!("{year}-{month}-15")])?;
            }
            for &indicator in &indicators {
                target.execute(params![indicator, year])?;
                value.execute(params![
                    indicator,
                    year,
                    rng.random_range(0..=100).to_string()
                ])?;
            }
        }
    }
    Ok(())
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Line {
    view: String,
    median: Duration,
    worst: Duration,
    peak_mb: f64,
    size_kib: f64,
}

/// Runs `f` `runs` times after resetting the peak RSS; `f` returns the output's size in bytes.
fn measure(
    view: &str,
    runs: usize,
    mut f: impl FnMut() -> anyhow::Result<usize>,
) -> anyhow::Result<Line> {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let mut all = Vec::with_capacity(runs);
    let mut size = 0;
    for _ in 0..runs {
        let start = Instant::now();
        size = f()?;
        all.push(start.elapsed());
    }
    all.sort();
    Ok(Line {
        view: view.to_string(),
        median: all[all.len() / 2],
        worst: all[all.len() - 1],
        peak_mb: peak_rss_mb(),
        size_kib: size as f64 / 1024.0,
    })
}

fn main() -> anyhow::Result<()> {
    let n = common::proposals_wanted();
    let runs: usize = std::env::var("TACHKHIS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7)
        .max(1);
    let dir = tempfile::tempdir()?;
    let path = std::env::var_os("TACHKHIS_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let db = Db::open(&path)?;
    db.write_blocking(demo::load_if_empty)?;
    println!(
        "Tachkhis follow-up benchmark: dashboards, a project's story and the evaluation report, release build"
    );
    let start = Instant::now();
    fill_traced(&db, n)?;
    db.write_blocking(|tx| {
        fill_execution(tx)
            .map_err(|e| tachkhis_server::http::error::AppError::internal(e.to_string()))
    })?;
    let (projects, records, amounts, values, proposals): (i64, i64, i64, i64, i64) =
        db.read_blocking(|tx| {
            Ok(tx.query_row(
                "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM execution_records),
                        (SELECT count(*) FROM execution_amounts), (SELECT count(*) FROM indicator_values),
                        (SELECT count(*) FROM proposals)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?)
        })?;
    println!(
        "data: {projects} projects, {records} records, {amounts} amount lines, {values} indicator values, \
         {proposals} proposals ({:.1} s to write)",
        start.elapsed().as_secs_f64()
    );
    // The project with the most proposals behind it: the longest story.
    let (story_project, traced): (i64, i64) = db.read_blocking(|tx| {
        Ok(tx.query_row(
            "SELECT np.project_id, count(*) FROM need_projects np
             JOIN need_members nm ON nm.need_id = np.need_id
             GROUP BY np.project_id ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })?;
    let (pole, programme): (String, i64) = db.read_blocking(|tx| {
        Ok(tx.query_row(
            "SELECT (SELECT pole_id FROM project_poles GROUP BY pole_id ORDER BY count(*) DESC LIMIT 1),
                    (SELECT programme_id FROM projects GROUP BY programme_id ORDER BY count(*) DESC LIMIT 1)",
            [],
            |r| Ok((r.get::<_, Option<String>>(0)?.unwrap_or_default(), r.get(1)?)),
        )?)
    })?;
    let views: Vec<(String, dashboard::Filter)> = vec![
        ("dashboard, every year".into(), dashboard::Filter::default()),
        (
            "dashboard, year 2024".into(),
            dashboard::Filter {
                year: Some(2024),
                ..Default::default()
            },
        ),
        (
            format!("dashboard, programme {programme}"),
            dashboard::Filter {
                programme_id: Some(programme),
                ..Default::default()
            },
        ),
        (
            format!("dashboard, pole {pole}"),
            dashboard::Filter {
                pole_id: Some(pole.clone()),
                ..Default::default()
            },
        ),
    ];
    let mut lines = Vec::new();
    for (label, filter) in &views {
        lines.push(measure(&format!("{label} (JSON)"), runs, || {
            let f = filter.clone();
            let d = db.read_blocking(move |tx| dashboard::dashboard(tx, &f, Lang::Ar))?;
            Ok(serde_json::to_vec(&d)?.len())
        })?);
    }
    lines.push(measure("dashboard, every year (CSV)", runs, || {
        let d = db.read_blocking(|tx| dashboard::dashboard(tx, &Default::default(), Lang::Ar))?;
        Ok(dashboard::tables(&d, Lang::Ar, true)[0].to_csv()?.len())
    })?);
    lines.push(measure(
        "dashboard, every year (XLSX, 7 sheets)",
        runs,
        || {
            let d =
                db.read_blocking(|tx| dashboard::dashboard(tx, &Default::default(), Lang::Ar))?;
            Ok(export::workbook_xlsx(&dashboard::tables(&d, Lang::Ar, false))?.len())
        },
    )?);
    let mut entries = 0;
    lines.push(measure(
        &format!("story of project {story_project} ({traced} proposals)"),
        runs,
        || {
            let s = db
                .read_blocking(move |tx| story::project_story(tx, story_project))?
                .expect("the project exists");
            entries = s.entries.len();
            Ok(serde_json::to_vec(&s)?.len())
        },
    )?);
    // The annual evaluation report (issue 15, plan3) of a year in the middle of the records:
    // its figures, then the printable Arabic document with its charts, and its XLSX tables.
    lines.push(measure("evaluation of 2024 (figures, JSON)", runs, || {
        let e = db.read_blocking(|tx| evaluation::evaluation(tx, 2024))?;
        Ok(serde_json::to_vec(&e)?.len())
    })?);
    lines.push(measure(
        "evaluation of 2024 (printable HTML, ar)",
        runs,
        || {
            let e = db.read_blocking(|tx| evaluation::evaluation(tx, 2024))?;
            Ok(evaluation::render(&e, ("الجماعة", "Commune"), Lang::Ar, "/document.css").len())
        },
    )?);
    lines.push(measure("evaluation of 2024 (XLSX)", runs, || {
        let e = db.read_blocking(|tx| evaluation::evaluation(tx, 2024))?;
        Ok(export::workbook_xlsx(&evaluation::xlsx_tables(&e))?.len())
    })?);
    println!();
    println!(
        "{:<52} {:>10} {:>10} {:>12} {:>10}",
        format!("view ({runs} runs)"),
        "median ms",
        "worst ms",
        "peak RSS MB",
        "size KiB"
    );
    for l in &lines {
        println!(
            "{:<52} {:>10.1} {:>10.1} {:>12.1} {:>10.1}",
            l.view,
            l.median.as_secs_f64() * 1000.0,
            l.worst.as_secs_f64() * 1000.0,
            l.peak_mb,
            l.size_kib
        );
    }
    println!("(the story has {entries} entries; peak RSS is this whole process's, data included)");
    Ok(())
}

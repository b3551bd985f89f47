//! The public pages (issue 16) at 100,000 proposals traced to the 43 projects: a project's
//! page and the list, their size (bytes, and gzip as sent) and time to first byte over HTTP
//! from the real server, in Arabic and French, and the open data's JSON.
//!
//! `cargo bench -p tachkhis-server --bench public` (release; `cargo xtask bench` runs it).
//! `TACHKHIS_BENCH_PROPOSALS=20000` for a smaller run.
//!
//! The data: `common::fill_traced` (sessions and proposals written into the projection
//! tables, 2,000 needs linked to the projects); the execution tables filled with SQL (six
//! years of records per project, amounts for the commune, a timeline entry a year); every
//! project published and every proposal's text approved (the worst case for a page: its texts
//! stop at the page's byte budget, the rest are in the open data).
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::{NEEDS, fill_traced, time};

use std::time::{Duration, Instant};

use rusqlite::params;
use tachkhis_server::{AppState, Db, config::Config, demo, serve_state};

const RUNS: usize = 20;

fn fill_execution(db: &Db) -> anyhow::Result<()> {
    db.write_blocking(|tx| {
        // The demo's own follow-up gives way: every project gets its years from here.
        tx.execute_batch("DELETE FROM execution_records; DELETE FROM project_timeline;")?;
        let projects: Vec<i64> = tx
            .prepare("SELECT id FROM projects ORDER BY number")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let statuses = ["planned", "preparation_started", "under_way", "executed"];
        for (i, id) in projects.iter().enumerate() {
            for (y, year) in (2023..=2028).enumerate() {
                tx.execute(
                    "INSERT INTO execution_records (project_id, year, status, start_date,
                         end_date, illustrative, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 1, 0, 0)",
                    params![
                        id,
                        year,
                        statuses[(i + y) % statuses.len()],
                        format!("{year}-03-01"),
                        format!("{year}-11-30")
                    ],
                )?;
                let record = tx.last_insert_rowid();
                tx.execute(
                    "INSERT INTO execution_amounts (record_id, partner_id, programmed, committed,
                         paid) VALUES (?1, NULL, '100000.00', '80000.00', '50000.00')",
                    [record],
                )?;
                tx.execute(
                    "INSERT INTO project_timeline (project_id, happened_on, text_ar, text_fr,
                         illustrative, created_at, updated_at)
                     VALUES (?1, ?2, 'زيارة ميدانية للورش', 'Visite du chantier', 1, 0, 0)",
                    params![id, format!("{year}-06-15")],
                )?;
            }
            tx.execute(
                "INSERT INTO project_publications (project_id, published, changed_at)
                 VALUES (?1, 1, 0)",
                [id],
            )?;
        }
        tx.execute(
            "INSERT INTO proposal_approvals (proposal_id, problem, solution, approved_at)
             SELECT id, problem, solution, 0 FROM proposals WHERE deleted = 0",
            [],
        )?;
        tx.execute(
            "INSERT INTO public_licence (id, text_ar, text_fr, url, updated_at)
             VALUES (1, 'رخصة مفتوحة', 'Licence ouverte', 'https://example.org/licence', 0)",
            [],
        )?;
        Ok(())
    })?;
    Ok(())
}

struct Figure {
    label: String,
    bytes: usize,
    gzip: usize,
    ttfb: Duration,
    total: Duration,
}

async fn measure(client: &reqwest::Client, base: &str, path: &str) -> anyhow::Result<Figure> {
    // The open data is every project: fewer runs.
    let runs = if path.contains("/data/") { 3 } else { RUNS };
    let mut ttfbs = Vec::new();
    let mut totals = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let r = client
            .get(format!("{base}{path}"))
            .header("accept-encoding", "identity")
            .send()
            .await?;
        ttfbs.push(start.elapsed());
        anyhow::ensure!(r.status() == 200, "{path}: {}", r.status());
        bytes = r.bytes().await?.len();
        totals.push(start.elapsed());
    }
    let gz = client
        .get(format!("{base}{path}"))
        .header("accept-encoding", "gzip")
        .send()
        .await?;
    let gzip = gz.content_length().map(|l| l as usize);
    let gzip = match gzip {
        Some(l) => l,
        None => gz.bytes().await?.len(),
    };
    ttfbs.sort();
    totals.sort();
    Ok(Figure {
        label: path.to_string(),
        bytes,
        gzip,
        ttfb: ttfbs[runs / 2],
        total: totals[runs / 2],
    })
}

fn main() -> anyhow::Result<()> {
    let n = common::proposals_wanted();
    let dir = tempfile::tempdir()?;
    let db = Db::open(&dir.path().join("bench.db"))?;
    db.write_blocking(demo::load_if_empty)?;
    println!(
        "Tachkhis public pages benchmark: {n} proposals, {} build",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    time(
        &format!("write {n} proposals, {NEEDS} needs (setup, one transaction)"),
        || fill_traced(&db, n),
    )?;
    time(
        "execution records (43 × 6 years), publish all, approve all",
        || fill_execution(&db),
    )?;
    // The page with the most proposals traced: the heaviest.
    let (number, traced): (i64, i64) = db.read_blocking(|tx| {
        Ok(tx.query_row(
            "SELECT p.number, count(*) FROM projects p
             JOIN need_projects np ON np.project_id = p.id
             JOIN need_members m ON m.need_id = np.need_id
             GROUP BY p.id ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })?;
    println!("heaviest project: number {number}, {traced} proposals traced");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let config = Config {
            db_path: dir.path().join("bench.db"),
            ..Config::default()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_state(
            listener,
            AppState::new(db, config),
            async move {
                let _ = stopped.await;
            },
        ));
        let client = reqwest::Client::builder().gzip(false).build()?;
        let mut figures = Vec::new();
        for path in [
            format!("/p/{number}"),
            format!("/p/fr/{number}"),
            "/p".to_string(),
            "/p/fr?status=executed".to_string(),
            "/p/data/projects.json".to_string(),
        ] {
            figures.push(measure(&client, &base, &path).await?);
        }
        println!();
        println!(
            "{:<28} {:>10} {:>10} {:>12} {:>12}",
            "page", "bytes", "gzip", "TTFB (ms)", "whole (ms)"
        );
        for f in &figures {
            println!(
                "{:<28} {:>10} {:>10} {:>12.1} {:>12.1}",
                f.label,
                f.bytes,
                f.gzip,
                f.ttfb.as_secs_f64() * 1000.0,
                f.total.as_secs_f64() * 1000.0
            );
        }
        println!("(median of {RUNS} requests each, 3 for the open data; a page's limit: 50 KB)");
        for f in figures.iter().filter(|f| !f.label.contains("/data/")) {
            anyhow::ensure!(f.bytes < 50 * 1024, "{} is {} bytes", f.label, f.bytes);
        }
        let _ = stop.send(());
        server.await??;
        anyhow::Ok(())
    })?;
    Ok(())
}

//! The gender report at 100,000 proposals: the report (JSON's data, four queries) and its
//! XLSX workbook, timed over a few runs, with the report's size and what it found.
//!
//! `cargo bench -p tachkhis-server --bench gender` (release; `cargo xtask bench` runs it).
//! `TACHKHIS_BENCH_PROPOSALS=20000` for a smaller run.
//!
//! Sessions, attendance and proposals are written straight into the projection tables of a
//! temp SQLite file (as `benches/office.rs` does; the sync path has its own benchmark), over
//! the demo commune's 18 douars and every group kind, 1 in 20 proposals withdrawn; two in
//! three proposals are placed in 2,000 needs (written straight too, with one action), 200 of
//! them mostly women's, and each need is linked to one of the demo's 43 projects (the women's
//! needs to the first five).
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::{NEEDS, fill_traced as fill, time};

use tachkhis_server::{Db, demo, export, programme};

fn main() -> anyhow::Result<()> {
    let n = common::proposals_wanted();
    let dir = tempfile::tempdir()?;
    // TACHKHIS_BENCH_DB=path keeps the database there (to look at the queries' plans).
    let path = std::env::var_os("TACHKHIS_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let db = Db::open(&path)?;
    db.write_blocking(demo::load_if_empty)?;
    println!("Tachkhis gender report benchmark: {n} proposals, release build");
    time(
        &format!("write {n} proposals, {NEEDS} needs (setup, one transaction)"),
        || fill(&db, n),
    )?;
    let mut report = None;
    let mut runs = Vec::new();
    for i in 0..5 {
        let (r, took) = time(&format!("gender report, run {}", i + 1), || {
            Ok(db.read_blocking(programme::gender_report)?)
        })?;
        runs.push(took);
        report = Some(r);
    }
    let report = report.expect("five runs");
    runs.sort();
    println!(
        "{:<58} {:>9.1} ms (best {:.1})",
        "  median of 5",
        runs[2].as_secs_f64() * 1000.0,
        runs[0].as_secs_f64() * 1000.0
    );
    let json = serde_json::to_vec(&report)?;
    println!(
        "  {} proposals counted, {} needs, {} raised mostly by women, {} projects above half; JSON {:.1} KiB",
        report.total.proposals.total(),
        report.total.needs_total,
        report.total.women_needs.len(),
        report.projects.len(),
        json.len() as f64 / 1024.0
    );
    println!(
        "  rows: {} sectors, {} poles, {} douars, {} participation",
        report.by_sector.len(),
        report.by_pole.len(),
        report.by_douar.len(),
        report.participation.len()
    );
    println!(
        "  {} sessions, {} women and {} men present",
        report.participation_total.sessions.total(),
        report.participation_total.women,
        report.participation_total.men
    );
    let mut xlsx = Vec::new();
    for i in 0..3 {
        let (bytes, _) = time(
            &format!("gender report as XLSX (query + 6 sheets), run {}", i + 1),
            || {
                let r = db.read_blocking(programme::gender_report)?;
                Ok(export::workbook_xlsx(&programme::gender_tables(&r))?)
            },
        )?;
        xlsx = bytes;
    }
    println!("  {:.1} KiB workbook", xlsx.len() as f64 / 1024.0);
    Ok(())
}

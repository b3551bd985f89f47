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
use common::{GROUPS, PLACES, time};

use rand::{Rng, SeedableRng, rngs::StdRng};
use rusqlite::params;
use tachkhis_server::{Db, demo, export, programme};
use tachkhis_shared::{Sector, text::normalize};
use uuid::Uuid;

const CATEGORIES: &[&str] = &[
    "women",
    "men",
    "youth_women",
    "youth_men",
    "disabled_women",
    "disabled_men",
];

const NEEDS: i64 = 2_000;
/// Needs 1 to this one are mostly raised by women.
const WOMEN_NEEDS: i64 = 200;

fn fill(db: &Db, n: usize) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(0x6e_6465_7232);
    db.write_blocking(|tx| {
        let projects: Vec<i64> = tx
            .prepare("SELECT id FROM projects ORDER BY number")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tx.execute(
            "INSERT INTO consolidation_actions (id, at, user_id, kind, detail) VALUES (1, 0, NULL, 'create', '{}')",
            [],
        )?;
        let mut need = tx.prepare(
            "INSERT INTO needs (id, title, title_norm, sector, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 0, 0)",
        )?;
        let mut link =
            tx.prepare("INSERT INTO need_projects (need_id, project_id, action_id) VALUES (?1, ?2, 1)")?;
        for id in 1..=NEEDS {
            let sector = Sector::ALL[(id as usize) % Sector::ALL.len()].code();
            let title = format!("حاجة رقم {id}");
            need.execute(params![id, title, normalize(&title), sector])?;
            // The women's needs answer the first five projects, the others the rest.
            let project = if id <= WOMEN_NEEDS {
                projects[(id as usize) % 5]
            } else {
                projects[5 + (id as usize) % (projects.len() - 5)]
            };
            link.execute(params![id, project])?;
        }
        let mut document = tx.prepare(
            "INSERT INTO documents (id, heads, created_at, updated_at) VALUES (?1, x'', 0, 0)",
        )?;
        let mut session = tx.prepare(
            "INSERT INTO sessions (id, pole_id, group_kind, date, facilitators, notes, created_at, created_by, present, updated_at)
             VALUES (?1, ?2, ?3, '2022-08-01', 'bench', '', 0, 'bench', ?4, 0)",
        )?;
        let mut douar =
            tx.prepare("INSERT INTO session_douars (session_id, douar_id) VALUES (?1, ?2)")?;
        let mut attendance =
            tx.prepare("INSERT INTO attendance (session_id, category, count) VALUES (?1, ?2, ?3)")?;
        let mut prop = tx.prepare(
            "INSERT INTO proposals (id, session_id, problem, solution, problem_norm, solution_norm, sector, douar_id,
                                    raised_by, created_at, created_by, deleted, rank, votes)
             VALUES (?1, ?2, 'مشكل', 'حل', 'مشكل', 'حل', ?3, ?4, '', 0, 'bench', ?5, 0, 0)",
        )?;
        let mut member = tx.prepare(
            "INSERT INTO need_members (proposal_id, need_id, action_id) VALUES (?1, ?2, 1)",
        )?;
        let mut made = 0;
        while made < n {
            let (pole, d) = PLACES[rng.random_range(0..PLACES.len())];
            let sid = Uuid::new_v4().to_string();
            document.execute([&sid])?;
            let group = GROUPS[rng.random_range(0..GROUPS.len())];
            let women: i64 = rng.random_range(0..40);
            let men: i64 = rng.random_range(0..40);
            session.execute(params![sid, pole, group, women + men])?;
            douar.execute(params![sid, d])?;
            for (i, c) in CATEGORIES.iter().enumerate() {
                let count = match i {
                    0 => women,
                    1 => men,
                    _ => rng.random_range(0..6),
                };
                attendance.execute(params![sid, c, count])?;
            }
            for _ in 0..rng.random_range(10..40).min(n - made) {
                let id = Uuid::new_v4().to_string();
                let sector = (rng.random_range(0..10) > 0)
                    .then(|| Sector::ALL[rng.random_range(0..Sector::ALL.len())].code());
                let own_douar = (rng.random_range(0..8) > 0).then_some(d);
                let deleted = rng.random_range(0..20) == 0;
                prop.execute(params![id, sid, sector, own_douar, deleted])?;
                if !deleted && rng.random_range(0..3) > 0 {
                    // Half of the women's placed proposals, and a few others, go to the
                    // women's needs: needs raised mostly by women, and projects answering them.
                    let women_need = match group {
                        "women" => rng.random_range(0..2) == 0,
                        _ => rng.random_range(0..40) == 0,
                    };
                    let need = if women_need {
                        rng.random_range(1..=WOMEN_NEEDS)
                    } else {
                        rng.random_range(WOMEN_NEEDS + 1..=NEEDS)
                    };
                    member.execute(params![id, need])?;
                }
                made += 1;
            }
        }
        Ok(())
    })?;
    Ok(())
}

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

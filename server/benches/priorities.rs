//! The priorities benchmark: the what-if ranking of the demo commune's 43 projects when
//! 100,000 proposals are traced to them (every proposal in a need linked to a project), with
//! the saved ranking, the Priorities screen's whole answer and one project's sheet part. Goal:
//! the what-if in 200 ms or less on the server. Figures of one run (median and worst of 10).
//!
//! `cargo bench -p tachkhis-server --bench priorities` (release; `cargo xtask bench` runs it).
//! `TACHKHIS_BENCH_PROPOSALS=20000` for a smaller run.
//!
//! Sessions, proposals, needs and links are written straight into their tables in one
//! transaction (the sync and consolidation paths have their own benchmarks): sessions of 10 to
//! 40 proposals over the demo's 18 douars and six kinds of group, a proposal in twenty without
//! a douar (its session's counts), 400 needs of about 250 proposals each, each need linked to
//! one project (a few to two), so every project has a trace.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::{GROUPS, PLACES, timed};

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};
use rusqlite::params;
use tachkhis_server::{Db, demo, priorities};
use tachkhis_shared::api::priorities::{ScoreOverride, WeightOverride, WhatIf};
use uuid::Uuid;

const NEEDS: usize = 400;

fn fill(db: &Db, n: usize) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(0x9_1213);
    db.write_blocking(|tx| {
        let projects: Vec<i64> = tx
            .prepare("SELECT id FROM projects ORDER BY number")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tx.execute(
            "INSERT INTO consolidation_actions (id, at, kind, detail) VALUES (1, 0, 'create', 'bench')",
            [],
        )?;
        for need in 1..=NEEDS as i64 {
            tx.execute(
                "INSERT INTO needs (id, title, title_norm, created_at, updated_at)
                 VALUES (?1, ?2, ?2, 0, 0)",
                params![need, format!("need {need}")],
            )?;
            let first = projects[need as usize % projects.len()];
            tx.execute(
                "INSERT INTO need_projects (need_id, project_id, action_id) VALUES (?1, ?2, 1)",
                params![need, first],
            )?;
            if need % 10 == 0 {
                let second = projects[(need as usize * 7 + 3) % projects.len()];
                if second != first {
                    tx.execute(
                        "INSERT INTO need_projects (need_id, project_id, action_id) VALUES (?1, ?2, 1)",
                        params![need, second],
                    )?;
                }
            }
        }
        let mut doc = tx.prepare(
            "INSERT INTO documents (id, heads, created_at, updated_at) VALUES (?1, x'', 0, 0)",
        )?;
        let mut session = tx.prepare(
            "INSERT INTO sessions (id, pole_id, group_kind, date, facilitators, notes, created_at, created_by, present, updated_at)
             VALUES (?1, ?2, ?3, '2022-08-01', 'bench', '', 0, 'bench', ?4, 0)",
        )?;
        let mut douar =
            tx.prepare("INSERT INTO session_douars (session_id, douar_id) VALUES (?1, ?2)")?;
        let mut prop = tx.prepare(
            "INSERT INTO proposals (id, session_id, problem, solution, problem_norm, solution_norm, sector, douar_id,
                                    raised_by, created_at, created_by, deleted, rank, votes)
             VALUES (?1, ?2, 'p', 's', 'p', 's', NULL, ?3, '', 0, 'bench', 0, 0, 0)",
        )?;
        let mut member = tx.prepare(
            "INSERT INTO need_members (proposal_id, need_id, action_id) VALUES (?1, ?2, 1)",
        )?;
        let mut made = 0;
        while made < n {
            let (pole, d) = PLACES[rng.random_range(0..PLACES.len())];
            let sid = Uuid::new_v4().to_string();
            doc.execute([&sid])?;
            let group = GROUPS[rng.random_range(0..GROUPS.len())];
            session.execute(params![sid, pole, group, rng.random_range(8..60)])?;
            douar.execute(params![sid, d])?;
            for _ in 0..rng.random_range(10..40).min(n - made) {
                let id = Uuid::new_v4().to_string();
                let douar_id = (rng.random_range(0..20) > 0).then_some(d);
                prop.execute(params![id, sid, douar_id])?;
                member.execute(params![id, rng.random_range(1..=NEEDS as i64)])?;
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
    let db = Db::open(&dir.path().join("bench.db"))?;
    db.write_blocking(demo::load_if_empty)?;
    println!("Tachkhis priorities benchmark: 43 projects, {n} proposals traced, release build");
    let start = Instant::now();
    fill(&db, n)?;
    println!(
        "{:<58} {:>9.1} ms",
        format!("write {n} proposals in {NEEDS} linked needs (setup)"),
        start.elapsed().as_secs_f64() * 1000.0
    );
    let traced: i64 = db.read_blocking(|tx| {
        Ok(tx.query_row(
            "SELECT count(DISTINCT nm.proposal_id) FROM need_members nm
             JOIN need_projects np ON np.need_id = nm.need_id",
            [],
            |r| r.get(0),
        )?)
    })?;
    println!("  proposals traced to a project: {traced}");

    // A what-if as the screen sends it: every weight moved, and a score on every entered
    // criterion of a dozen projects.
    let (criteria, projects) = db.read_blocking(|tx| {
        let p = priorities::priorities(tx)?;
        Ok((p.criteria, p.ranking))
    })?;
    let what_if = WhatIf {
        weights: criteria
            .iter()
            .enumerate()
            .map(|(i, c)| WeightOverride {
                criterion_id: c.id,
                weight: (i as u32 * 7) % 30,
            })
            .collect(),
        scores: criteria
            .iter()
            .filter(|c| !c.measure.is_computed())
            .flat_map(|c| {
                projects.iter().take(12).map(|p| ScoreOverride {
                    project_id: p.project_id,
                    criterion_id: c.id,
                    score: Some(5),
                    reason: String::new(),
                })
            })
            .collect(),
    };
    let mut moved = 0;
    let (median, _) = timed("what-if ranking (saved beside proposed)", 10, || {
        let r = db.read_blocking(|tx| priorities::what_if(tx, &what_if))?;
        moved = r.moves.iter().filter(|m| m.up != 0).count();
        Ok(())
    })?;
    println!(
        "  projects that move in the what-if: {moved} of {}",
        projects.len()
    );
    timed("saved ranking (priorities::ranking)", 10, || {
        db.read_blocking(priorities::ranking)?;
        Ok(())
    })?;
    timed(
        "the Priorities screen's answer (GET /api/priorities)",
        10,
        || {
            db.read_blocking(priorities::priorities)?;
            Ok(())
        },
    )?;
    let busiest: i64 = db.read_blocking(|tx| {
        Ok(tx.query_row(
            "SELECT np.project_id FROM need_projects np JOIN need_members nm ON nm.need_id = np.need_id
             GROUP BY np.project_id ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| r.get(0),
        )?)
    })?;
    timed(
        "a project's priority on its sheet (the busiest)",
        10,
        || {
            db.read_blocking(|tx| priorities::project_priority(tx, busiest))?;
            Ok(())
        },
    )?;
    println!(
        "goal: what-if <= 200 ms: {}",
        if median <= Duration::from_millis(200) {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}

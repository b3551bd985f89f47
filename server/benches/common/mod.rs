//! What the design office's benchmarks share (`office`, `priorities`, `gender`, `document`):
//! the demo commune's places and group kinds their generated sessions use, proposals traced
//! to the 43 projects (`fill_traced`), and how a step is timed.
//! Included by path (`#[path = "common/mod.rs"] mod common;`): each bench is its own crate.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};
use rusqlite::params;
use tachkhis_server::Db;
use tachkhis_shared::{Sector, text::normalize};
use uuid::Uuid;

/// (pole, douar) of the demo commune.
pub const PLACES: &[(&str, &str)] = &[
    ("pole-1", "centre"),
    ("pole-1", "letnine"),
    ("pole-1", "el-mjalaa"),
    ("pole-2", "ouled-skir"),
    ("pole-2", "el-jrif"),
    ("pole-2", "jorf-el-hammam"),
    ("pole-3", "idouz"),
    ("pole-3", "ait-abbou"),
    ("pole-3", "ait-el-haj-moussa"),
    ("pole-4", "ait-lami"),
    ("pole-4", "ait-chioukh"),
    ("pole-4", "ait-said"),
    ("pole-5", "el-boubira"),
    ("pole-5", "ait-ben-hammou"),
    ("pole-6", "agoudar"),
    ("pole-6", "el-korrass"),
    ("pole-7", "el-fayda"),
    ("pole-7", "el-kenna"),
];

/// The group kinds a listening session is held with.
pub const GROUPS: &[&str] = &[
    "women",
    "men",
    "youth",
    "disability",
    "associations",
    "mixed",
];

/// How many proposals to generate: `TACHKHIS_BENCH_PROPOSALS`, 100,000 by default.
pub fn proposals_wanted() -> usize {
    std::env::var("TACHKHIS_BENCH_PROPOSALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Runs `f` once, prints how long it took under `label`.
pub fn time<T>(
    label: &str,
    f: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<(T, Duration)> {
    let start = Instant::now();
    let out = f()?;
    let took = start.elapsed();
    println!("{label:<58} {:>9.1} ms", took.as_secs_f64() * 1000.0);
    Ok((out, took))
}

/// Runs `f` `runs` times; prints and returns the median and the worst.
pub fn timed(
    label: &str,
    runs: usize,
    mut f: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<(Duration, Duration)> {
    let mut all = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        all.push(start.elapsed());
    }
    all.sort();
    let (median, worst) = (all[all.len() / 2], all[all.len() - 1]);
    println!(
        "{label:<58} median {:>7.1} ms, worst {:>7.1} ms",
        median.as_secs_f64() * 1000.0,
        worst.as_secs_f64() * 1000.0
    );
    Ok((median, worst))
}

const CATEGORIES: &[&str] = &[
    "women",
    "men",
    "youth_women",
    "youth_men",
    "disabled_women",
    "disabled_men",
];

pub const NEEDS: i64 = 2_000;
/// Needs 1 to this one are mostly raised by women.
pub const WOMEN_NEEDS: i64 = 200;

/// Writes `n` proposals straight into the projection tables (sessions over the demo's 18
/// douars and every group kind, attendance, 1 in 20 withdrawn), two in three placed in
/// [`NEEDS`] needs, each need linked to one of the demo's 43 projects ([`WOMEN_NEEDS`] of
/// them mostly women's, linked to the first five): the gender and document benches' data.
pub fn fill_traced(db: &Db, n: usize) -> anyhow::Result<()> {
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

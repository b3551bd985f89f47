//! What the design office's benchmarks share (`office`, `priorities`, `gender`): the demo
//! commune's places and group kinds their generated sessions use, and how a step is timed.
//! Included by path (`#[path = "common/mod.rs"] mod common;`): each bench is its own crate.
#![allow(dead_code)]

use std::time::{Duration, Instant};

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

//! The login benchmark: a tablet's sync latency alone, then while 32 clients send bad logins
//! as fast as they can, measured side by side in one run (goal: within 2× of alone).
//!
//! `cargo bench -p tachkhis-server --bench login` (release). Phases, each over 200 syncs (20
//! for the old way) of a tablet that adds a proposal, then syncs (a sync that writes); alone
//! and flooded syncs alternate in rounds, so that the machine's other load weighs on both:
//!
//! 1. alone;
//! 2. flood, every bad login checked (limits out of the way, as from many addresses): the
//!    password checks run outside the write lock, `verify_slots` at once;
//! 3. flood with the default limits, from one address: most attempts refused with 429;
//! 4. for reference, the old way: the same flood checking passwords inside the write lock
//!    (`auth::login` in `Db::write`), what the issue measured.
//!
//! Server, tablet and flood share this machine's cores; figures include the tablet's own
//! Automerge work and the flood's HTTP clients.
#![allow(clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../../tests/integration/helpers.rs"]
mod helpers;

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, anyhow};
use helpers::{Tablet, TestApp, spawn_app_with};
use tachkhis_server::users::login_limit::LoginLimits;
use uuid::Uuid;

const USER: &str = "facilitator";
const FLOOD: usize = 32;
const ROUNDS: usize = 10;
const PER_ROUND: usize = 20;
/// The old way takes about a second a sync: fewer of them.
const OLD_SYNCS: usize = 20;
const WARMUP: usize = 5;
const SESSIONS: usize = 5;

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(run());
    println!();
    println!("total bench time: {:.1} s", started.elapsed().as_secs_f64());
    result
}

struct Phase {
    name: &'static str,
    times: Vec<Duration>,
    flood: Option<FloodReport>,
}

struct FloodReport {
    statuses: BTreeMap<String, usize>,
    elapsed: Duration,
    checks: u64,
}

async fn run() -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let slots = LoginLimits::default().verify_slots;
    println!("Tachkhis login benchmark");
    println!(
        "server on 127.0.0.1 (axum + SQLite WAL, synchronous=FULL, temp file); tablet and {FLOOD} \
         flooding clients in the same process; {cores} cores; password checker threads: {slots}"
    );
    println!(
        "alone and flooded syncs alternate in {ROUNDS} rounds of {PER_ROUND}, so that a change \
         in the machine's load weighs on both"
    );

    let unlimited = spawn_app_with(|c| {
        c.login_limits.account.free_failures = u32::MAX;
        c.login_limits.address.free_failures = u32::MAX;
    })
    .await;
    let (mut tablet, token, ids) = tablet_on(&unlimited).await?;
    let (alone_a, checked) = side_by_side(&unlimited, &mut tablet, &token, &ids).await?;
    let flood = Flood::inside_write_lock(&unlimited);
    let times = measure(&mut tablet, &unlimited, &token, &ids, OLD_SYNCS).await?;
    let old = Phase {
        name: "old way: checked inside the write lock",
        times,
        flood: Some(flood.stop(&unlimited).await?),
    };
    check_server(&unlimited, &mut tablet, &token, &ids).await?;
    unlimited.stop().await;

    let limited = spawn_app_with(|_| {}).await;
    let (mut tablet, token, ids) = tablet_on(&limited).await?;
    let (alone_b, limited_flood) = side_by_side(&limited, &mut tablet, &token, &ids).await?;
    check_server(&limited, &mut tablet, &token, &ids).await?;
    limited.stop().await;

    println!();
    println!(
        "a tablet's sync (1 new proposal, {SESSIONS} sessions on the tablet), {} syncs per phase \
         ({OLD_SYNCS} the old way)",
        ROUNDS * PER_ROUND
    );
    println!("{}", "-".repeat(100));
    println!(
        "  {:<44} {:>10} {:>10} {:>10} {:>10}",
        "phase", "median", "p95", "max", "× alone"
    );
    let rows = [
        (
            Phase {
                name: "alone (server with no limits)",
                times: alone_a.clone(),
                flood: None,
            },
            &alone_a,
        ),
        (
            Phase {
                name: "32 bad logins at once, every one checked",
                times: checked.0,
                flood: Some(checked.1),
            },
            &alone_a,
        ),
        (
            Phase {
                name: "alone (server with the default limits)",
                times: alone_b.clone(),
                flood: None,
            },
            &alone_b,
        ),
        (
            Phase {
                name: "32 bad logins at once, default limits",
                times: limited_flood.0,
                flood: Some(limited_flood.1),
            },
            &alone_b,
        ),
        (old, &alone_a),
    ];
    let ratio = |p: &Phase, alone: &[Duration]| {
        percentile(&p.times, 50.0).as_secs_f64() / percentile(alone, 50.0).as_secs_f64()
    };
    for (p, alone) in &rows {
        println!(
            "  {:<44} {:>10} {:>10} {:>10} {:>9.2}×",
            p.name,
            ms(percentile(&p.times, 50.0)),
            ms(percentile(&p.times, 95.0)),
            ms(percentile(&p.times, 100.0)),
            ratio(p, alone)
        );
    }
    println!();
    println!("the floods");
    println!("{}", "-".repeat(100));
    for (p, _) in &rows {
        if let Some(f) = &p.flood {
            let total: usize = f.statuses.values().sum();
            println!(
                "  {:<44} {} logins in {:.1} s ({:.0}/s), {} password checks; answers: {:?}",
                p.name,
                total,
                f.elapsed.as_secs_f64(),
                total as f64 / f.elapsed.as_secs_f64(),
                f.checks,
                f.statuses
            );
        }
    }
    let worst = [&rows[1], &rows[3]]
        .iter()
        .map(|(p, alone)| ratio(p, alone))
        .fold(0.0, f64::max);
    println!();
    println!(
        "goal: a sync within 2× of alone during a flood of 32 bad logins: {:.2}× ({})",
        worst,
        if worst <= 2.0 { "met" } else { "NOT met" }
    );
    Ok(())
}

/// Syncs alone and during a flood, alternating; returns the sorted times of each and the
/// floods' answers put together.
async fn side_by_side(
    app: &TestApp,
    tablet: &mut Tablet,
    token: &str,
    ids: &[Uuid],
) -> anyhow::Result<(Vec<Duration>, (Vec<Duration>, FloodReport))> {
    let mut alone = Vec::new();
    let mut flooded = Vec::new();
    let mut report = FloodReport {
        statuses: BTreeMap::new(),
        elapsed: Duration::ZERO,
        checks: 0,
    };
    for _ in 0..ROUNDS {
        alone.extend(measure(tablet, app, token, ids, PER_ROUND).await?);
        let flood = Flood::http(app);
        flooded.extend(measure(tablet, app, token, ids, PER_ROUND).await?);
        let r = flood.stop(app).await?;
        for (k, v) in r.statuses {
            *report.statuses.entry(k).or_insert(0) += v;
        }
        report.elapsed += r.elapsed;
        report.checks += r.checks;
    }
    alone.sort_unstable();
    flooded.sort_unstable();
    Ok((alone, (flooded, report)))
}

async fn tablet_on(app: &TestApp) -> anyhow::Result<(Tablet, String, Vec<Uuid>)> {
    let token = app.login(USER).await;
    let mut tablet = Tablet::new(USER);
    let ids: Vec<Uuid> = (0..SESSIONS).map(|_| tablet.new_session()).collect();
    for (n, id) in ids.iter().enumerate() {
        for k in 0..10 {
            tablet.add_proposal(*id, &format!("مشكل {k} في الجلسة {n}"));
        }
    }
    tablet
        .sync(app, &token)
        .await
        .map_err(|e| anyhow!("first sync: {e:?}"))?;
    for i in 0..WARMUP {
        tablet.add_proposal(ids[i % ids.len()], &format!("إحماء {i}"));
        tablet
            .sync(app, &token)
            .await
            .map_err(|e| anyhow!("warm-up sync: {e:?}"))?;
    }
    Ok((tablet, token, ids))
}

async fn measure(
    tablet: &mut Tablet,
    app: &TestApp,
    token: &str,
    ids: &[Uuid],
    syncs: usize,
) -> anyhow::Result<Vec<Duration>> {
    // A flood started just before is at full strength by then.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut times = Vec::with_capacity(syncs);
    for i in 0..syncs {
        tablet.add_proposal(ids[i % ids.len()], &format!("مقترح جديد {i}"));
        let t = Instant::now();
        tablet
            .sync(app, token)
            .await
            .map_err(|e| anyhow!("sync {i}: {e:?}"))?;
        times.push(t.elapsed());
    }
    times.sort_unstable();
    Ok(times)
}

/// Everything the tablet wrote is on the server.
async fn check_server(
    app: &TestApp,
    tablet: &mut Tablet,
    token: &str,
    ids: &[Uuid],
) -> anyhow::Result<()> {
    tablet
        .sync(app, token)
        .await
        .map_err(|e| anyhow!("last sync: {e:?}"))?;
    for id in ids {
        let local = tablet.doc(*id).read()?.live_proposals().count();
        let (status, body) = app.get_json(&format!("/api/sessions/{id}"), token).await;
        let remote = body["proposal_list"].as_array().map_or(0, Vec::len);
        if status != 200 || remote != local {
            return Err(anyhow!(
                "session {id}: {remote} proposals on the server, {local} on the tablet"
            ));
        }
    }
    Ok(())
}

struct Flood {
    stop: Arc<AtomicBool>,
    started: Instant,
    /// Password checks counted by the server before; None when every attempt is one check
    /// (the old way, which bypasses the counter).
    checks_before: Option<u64>,
    tasks: Vec<tokio::task::JoinHandle<Vec<String>>>,
}

impl Flood {
    /// 32 clients sending bad logins over HTTP, each as soon as its last one answered.
    fn http(app: &TestApp) -> Flood {
        let checks_before = app.state.logins.verifications();
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..FLOOD)
            .map(|n| {
                let (stop, http, url) = (stop.clone(), app.http.clone(), app.url("/api/auth/login"));
                tokio::spawn(async move {
                    let mut statuses = Vec::new();
                    let mut k = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        k += 1;
                        let user = if n % 2 == 0 { USER } else { "nobody" };
                        let r = http
                            .post(&url)
                            .json(&serde_json::json!({"username": user, "password": format!("guess-{n}-{k}")}))
                            .send()
                            .await;
                        statuses.push(match r {
                            Ok(r) => r.status().as_u16().to_string(),
                            Err(e) => format!("error: {e}"),
                        });
                    }
                    statuses
                })
            })
            .collect();
        Flood {
            stop,
            started: Instant::now(),
            checks_before: Some(checks_before),
            tasks,
        }
    }

    /// The same flood as the server handled logins before: the password check inside the
    /// write transaction.
    fn inside_write_lock(app: &TestApp) -> Flood {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..FLOOD)
            .map(|n| {
                let (stop, db) = (stop.clone(), app.state.db.clone());
                tokio::spawn(async move {
                    let mut statuses = Vec::new();
                    let mut k = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        k += 1;
                        let password = format!("guess-{n}-{k}");
                        let r = db
                            .write(move |tx| {
                                tachkhis_server::users::auth::login(tx, USER, &password, 30)
                            })
                            .await;
                        statuses.push(match r {
                            Ok(_) => "200".to_string(),
                            Err(e) => format!("{e}"),
                        });
                    }
                    statuses
                })
            })
            .collect();
        Flood {
            stop,
            started: Instant::now(),
            checks_before: None,
            tasks,
        }
    }

    async fn stop(self, app: &TestApp) -> anyhow::Result<FloodReport> {
        self.stop.store(true, Ordering::Relaxed);
        let elapsed = self.started.elapsed();
        let mut statuses = BTreeMap::new();
        for t in self.tasks {
            for s in t.await.context("a flooding client")? {
                *statuses.entry(s).or_insert(0) += 1;
            }
        }
        let checks = match self.checks_before {
            Some(before) => app.state.logins.verifications() - before,
            None => statuses.values().sum::<usize>() as u64,
        };
        Ok(FloodReport {
            statuses,
            elapsed,
            checks,
        })
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

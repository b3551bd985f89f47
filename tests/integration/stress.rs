//! Issue 8's rare `TooManyRounds(16)`: two tablets of one facilitator syncing one session, run
//! many times over with varied sizes, orders and seeds, until a sync fails to settle.
//!
//! What made it fail (fixed by `tachkhis_shared::sync::generate_for_server`):
//! 1. Tablet B syncs a session the server already holds (from tablet A). The server answers
//!    with a Bloom filter of its changes, and one of B's own changes, S, is a false positive in
//!    it (about 1 % per change). B believes the server has S, sends its later change T (which
//!    depends on S) without it, and notes T in its `sent_hashes`.
//! 2. The server cannot apply T without S: Automerge queues T and the heads do not move. The
//!    server keeps nothing of a round but the stored document and the shared heads
//!    (`State::encode`), so T is gone at the end of the request. It asks B for S (`need`).
//! 3. B sends S. The server now lacks only T and asks for it, but B's `sent_hashes` says T was
//!    sent already: B answers with an empty message, the server asks again, and so on until
//!    `TooManyRounds(16)`. The next run starts with fresh bookkeeping and gets through, which
//!    is why it looked like a flake. (With two false positives S1, S2 before T, even a tablet
//!    that resent on request would loop: the server, having forgotten its queue, asks for S2
//!    and T in turn, never for S1.)
//!
//! Seen: 17 of 1,000 runs from seed 1000 failed so before the fix, 0 after.
//!
//! Runs: `TACHKHIS_STRESS_RUNS` (default 6, the CI's share), from seed `TACHKHIS_STRESS_SEED`
//! (default: from the clock; each run is fully determined by its seed, so a failing seed
//! replays exactly). `TACHKHIS_STRESS_TRACE=1` prints every message of every round.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use automerge::{ActorId, sync::BloomFilter};
use tachkhis_shared::{
    AttendanceCategory, GroupKind, Sector,
    session::{NewSession, ProposalInput, SessionDoc},
    sync::{self as engine, State, SyncError, SyncReport, Transport},
};
use uuid::Uuid;

use crate::helpers::{HttpTransport, Tablet, TestApp, spawn_app};

/// splitmix64: a run's documents, actors, sizes and orders all come from its seed, so a failing
/// seed replays exactly (change hashes, and so Bloom false positives, included).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    fn bytes(&mut self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        b
    }

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.bytes()).into_uuid()
    }

    fn actor(&mut self) -> ActorId {
        ActorId::from(self.bytes())
    }
}

fn opening() -> NewSession {
    NewSession {
        pole_id: "pole-3".into(),
        douar_ids: vec!["idouz".into()],
        group_kind: GroupKind::Women,
        date: "2022-07-14".into(),
        facilitators: "فاطمة".into(),
    }
}

fn tablet(rng: &mut Rng) -> Tablet {
    let mut t = Tablet::new("facilitator");
    t.peer = rng.uuid();
    t
}

fn open_session(t: &mut Tablet, id: Uuid, actor: ActorId) {
    let ctx = t.ctx();
    let doc = SessionDoc::create(id, &opening(), &ctx, Some(actor)).unwrap();
    t.docs.insert(id, (doc, State::new()));
}

/// The file or QR route: a copy of the document with its own actor and a fresh sync state.
fn copy_session(from: &mut Tablet, to: &mut Tablet, id: Uuid, actor: ActorId) {
    let bytes = from.doc(id).save();
    let doc = SessionDoc::load(&bytes, Some(actor)).unwrap();
    to.docs.insert(id, (doc, State::new()));
}

fn add_proposal(t: &mut Tablet, id: Uuid, proposal: Uuid, n: u64) {
    let ctx = t.ctx();
    let input = ProposalInput {
        problem: format!("مقترح رقم {n}"),
        solution: "الحل المقترح".into(),
        sector: Some(Sector::DrinkingWater),
        douar_id: Some("idouz".into()),
        raised_by: String::new(),
    };
    t.doc(id)
        .add_proposal_with_id(proposal, &input, &ctx)
        .unwrap();
}

/// `n` edits as a meeting makes them: mostly proposals, some votes and attendance counts.
fn edit(t: &mut Tablet, id: Uuid, rng: &mut Rng, n: usize) {
    for _ in 0..n {
        let roll = rng.next() % 10;
        let live: Vec<Uuid> = if roll < 6 {
            Vec::new()
        } else {
            t.doc(id)
                .read()
                .unwrap()
                .live_proposals()
                .map(|p| p.id)
                .collect()
        };
        if roll < 6 || (roll < 8 && live.is_empty()) {
            let (proposal, n) = (rng.uuid(), rng.next() % 100_000);
            add_proposal(t, id, proposal, n);
        } else if roll < 8 {
            let p = live[rng.range(0, live.len() - 1)];
            let ctx = t.ctx();
            t.doc(id).add_votes(p, 1, &ctx).unwrap();
        } else {
            let all = AttendanceCategory::ALL;
            let category = all[rng.range(0, all.len() - 1)].clone();
            let delta = rng.range(1, 9) as i64;
            let ctx = t.ctx();
            t.doc(id).add_attendance(category, delta, &ctx).unwrap();
        }
    }
}

/// A run as the tablet app runs it. `field`: afterwards keep only the persisted part of each
/// sync state, as the app does (IndexedDB holds `State::encode`); otherwise keep it whole in
/// memory, as the other integration tests' tablets do.
async fn sync_as(
    t: &mut Tablet,
    transport: &mut impl Transport<Error = String>,
    field: bool,
) -> Result<SyncReport, SyncError<String>> {
    let result = t.sync_with(transport).await;
    if field {
        for (_, state) in t.docs.values_mut() {
            *state = engine::decode_state(Some(&engine::encode_state(state)));
        }
    }
    result
}

fn http(app: &TestApp, token: &str) -> Traced {
    Traced(HttpTransport {
        http: app.http.clone(),
        url: app.url("/api/sync"),
        token: token.into(),
    })
}

/// The HTTP transport, printing each message's heads, needs, filters and changes when
/// `TACHKHIS_STRESS_TRACE` is set (how the sequence above was read).
struct Traced(HttpTransport);

fn short(h: &automerge::ChangeHash) -> String {
    h.to_string()[..6].to_string()
}

fn describe(m: &[u8]) -> String {
    let m = engine::Message::decode(m).unwrap();
    format!(
        "heads {:?} need {:?} have {:?} changes {} {:?} flags {:?}",
        m.heads.iter().map(short).collect::<Vec<_>>(),
        m.need.iter().map(short).collect::<Vec<_>>(),
        m.have
            .iter()
            .map(|h| h.last_sync.iter().map(short).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        m.changes.len(),
        m.version,
        m.flags,
    )
}

impl Transport for Traced {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        let trace = std::env::var("TACHKHIS_STRESS_TRACE").is_ok();
        if trace {
            let r = engine::decode_request(&body).unwrap();
            for d in &r.docs {
                eprintln!(
                    "  {} -> {}",
                    &r.peer_id.to_string()[..4],
                    d.message
                        .as_deref()
                        .map(describe)
                        .unwrap_or_else(|| format!("heads only {}", d.heads.len()))
                );
            }
        }
        let answer = self.0.exchange(body).await?;
        if trace {
            let r = engine::decode_response(&answer).unwrap();
            for d in &r.docs {
                eprintln!(
                    "  <- {}",
                    d.message.as_deref().map(describe).unwrap_or_default()
                );
            }
            if r.docs.is_empty() {
                eprintln!("  <- nothing");
            }
        }
        Ok(answer)
    }
}

/// Lets another tablet run a whole sync between two rounds of this one, so the server's
/// document moves under a run in progress.
struct MidRun<'a> {
    inner: Traced,
    rounds: u32,
    after: u32,
    other: Option<(&'a mut Tablet, bool)>,
    app: &'a TestApp,
    token: &'a str,
    other_result: Option<Result<SyncReport, String>>,
}

impl Transport for MidRun<'_> {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        let answer = self.inner.exchange(body).await?;
        self.rounds += 1;
        if self.rounds == self.after
            && let Some((other, field)) = self.other.take()
        {
            let mut transport = http(self.app, self.token);
            let result = sync_as(other, &mut transport, field).await;
            self.other_result = Some(result.map_err(|e| e.to_string()));
        }
        Ok(answer)
    }
}

struct Outcome {
    syncs: u32,
    max_rounds: u32,
}

struct Side {
    tablet: Tablet,
    field: bool,
}

async fn run_scenario(app: &TestApp, token: &str, seed: u64) -> Result<Outcome, String> {
    let mut rng = Rng(seed);
    // Small sessions as in the original test, and long meetings where Bloom false positives
    // (about 1 % per change) become likely.
    let (base_max, edits_max) = match rng.next() % 3 {
        0 => (3, 4),
        1 => (30, 12),
        _ => (150, 40),
    };
    let id = rng.uuid();
    let mut a = Side {
        tablet: tablet(&mut rng),
        field: rng.one_in(2),
    };
    let mut b = Side {
        tablet: tablet(&mut rng),
        field: rng.one_in(2),
    };
    let (actor_a, actor_b) = (rng.actor(), rng.actor());
    open_session(&mut a.tablet, id, actor_a);
    let n = rng.range(0, base_max);
    edit(&mut a.tablet, id, &mut rng, n);
    let mut outcome = Outcome {
        syncs: 0,
        max_rounds: 0,
    };
    let note = |outcome: &mut Outcome, what: &str, r: Result<SyncReport, SyncError<String>>| {
        outcome.syncs += 1;
        match r {
            Ok(report) => {
                outcome.max_rounds = outcome.max_rounds.max(report.round_trips);
                Ok(())
            }
            Err(e) => Err(format!("{what}: {e}")),
        }
    };
    if rng.one_in(2) {
        let r = sync_as(&mut a.tablet, &mut http(app, token), a.field).await;
        note(&mut outcome, "A's first sync", r)?;
    }
    copy_session(&mut a.tablet, &mut b.tablet, id, actor_b);

    for phase in 0..rng.range(1, 3) {
        let (na, nb) = (rng.range(0, edits_max), rng.range(1, edits_max));
        edit(&mut a.tablet, id, &mut rng, na);
        edit(&mut b.tablet, id, &mut rng, nb);
        let (first, second) = if rng.one_in(2) {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        if rng.one_in(4) {
            let mut mid = MidRun {
                inner: http(app, token),
                rounds: 0,
                after: 1,
                other: Some((&mut second.tablet, second.field)),
                app,
                token,
                other_result: None,
            };
            let r = sync_as(&mut first.tablet, &mut mid, first.field).await;
            note(&mut outcome, &format!("phase {phase}, interrupted run"), r)?;
            if let Some(r) = mid.other_result {
                outcome.syncs += 1;
                r.map_err(|e| format!("phase {phase}, run in between: {e}"))?;
            } else {
                let r = sync_as(&mut second.tablet, &mut http(app, token), second.field).await;
                note(&mut outcome, &format!("phase {phase}, second"), r)?;
            }
        } else {
            let r = sync_as(&mut first.tablet, &mut http(app, token), first.field).await;
            note(&mut outcome, &format!("phase {phase}, first"), r)?;
            let r = sync_as(&mut second.tablet, &mut http(app, token), second.field).await;
            note(&mut outcome, &format!("phase {phase}, second"), r)?;
        }
    }
    // Settle: A, B, A again, as `two_tablets_sync_in_both_orders…` does.
    for (what, side) in [("settle A", &mut a), ("settle B", &mut b)] {
        let r = sync_as(&mut side.tablet, &mut http(app, token), side.field).await;
        note(&mut outcome, what, r)?;
    }
    let r = sync_as(&mut a.tablet, &mut http(app, token), a.field).await;
    note(&mut outcome, "settle A again", r)?;

    let ra = a.tablet.doc(id).read().map_err(|e| e.to_string())?;
    let rb = b.tablet.doc(id).read().map_err(|e| e.to_string())?;
    if ra != rb {
        return Err("the two tablets hold different sessions after settling".into());
    }
    let (status, detail) = app.get_json(&format!("/api/sessions/{id}"), token).await;
    if status != 200 {
        return Err(format!(
            "the server answers {status} for the session: {detail}"
        ));
    }
    let on_server = detail["proposal_list"].as_array().map_or(0, Vec::len);
    let live = ra.live_proposals().count();
    if on_server != live || detail["present"] != ra.attendance.total() {
        return Err(format!(
            "the server holds {on_server} proposals and {} present, the tablets {live} and {}",
            detail["present"],
            ra.attendance.total()
        ));
    }
    Ok(outcome)
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    Some(
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}")),
    )
}

#[tokio::test]
async fn two_tablets_settle_whatever_the_sizes_orders_and_seeds() {
    let runs = env_u64("TACHKHIS_STRESS_RUNS").unwrap_or(6);
    let first_seed = env_u64("TACHKHIS_STRESS_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let started = Instant::now();
    let mut failures = Vec::new();
    let (mut syncs, mut rounds_hist) = (0u32, std::collections::BTreeMap::<u32, u32>::new());
    for i in 0..runs {
        let seed = first_seed.wrapping_add(i);
        match run_scenario(&app, &token, seed).await {
            Ok(o) => {
                syncs += o.syncs;
                *rounds_hist.entry(o.max_rounds).or_default() += 1;
            }
            Err(e) => {
                eprintln!("seed {seed}: {e}");
                failures.push(seed);
            }
        }
    }
    eprintln!(
        "sync stress: {runs} runs from seed {first_seed}, {} failed, {syncs} syncs in the runs that \
         passed, most rounds in a sync per run {rounds_hist:?}, {:.1} s",
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {runs} runs did not settle; replay one with \
         TACHKHIS_STRESS_SEED=<seed> TACHKHIS_STRESS_RUNS=1: seeds {failures:?}",
        failures.len()
    );
    app.stop().await;
}

/// Adds one change to B's copy of the session, trying fresh proposals (or attendance counts)
/// until `filter` claims the change (`claimed`) or does not; returns its hash.
fn add_change_tried(
    b: &mut Tablet,
    id: Uuid,
    rng: &mut Rng,
    filter: &BloomFilter,
    claimed: bool,
) -> automerge::ChangeHash {
    for _ in 0..100_000 {
        let mut trial = SessionDoc::from_automerge(b.doc(id).automerge().clone());
        let ctx = b.ctx();
        if claimed {
            let input = ProposalInput {
                problem: format!("مشكل رقم {}", rng.next() % 1000),
                solution: "الحل".into(),
                sector: Some(Sector::Roads),
                douar_id: None,
                raised_by: String::new(),
            };
            trial
                .add_proposal_with_id(rng.uuid(), &input, &ctx)
                .unwrap();
        } else {
            let delta = rng.range(1, 9) as i64;
            trial
                .add_attendance(AttendanceCategory::Women, delta, &ctx)
                .unwrap();
        }
        let hash = trial.heads()[0];
        if filter.contains_hash(&hash) == claimed {
            b.docs.insert(id, (trial, State::new()));
            return hash;
        }
    }
    panic!("no change found that the filter claims: {claimed}");
}

/// The sequence of the module comment, built on purpose rather than waited for: B's changes
/// S1..Sn are chosen so that the server's Bloom filter wrongly claims them, and T (after them)
/// so that it does not. With two (S1, S2), telling the tablet only to resend is not enough:
/// the server, which forgets its queue, then asks for S2 and T in turn and never for S1.
#[tokio::test]
async fn changes_the_servers_bloom_filter_wrongly_claims_still_get_through() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let mut rng = Rng(8);
    for false_positives in [1, 2] {
        let mut a = tablet(&mut rng);
        let mut b = tablet(&mut rng);
        let id = rng.uuid();
        open_session(&mut a, id, rng.actor());
        edit(&mut a, id, &mut rng, 12);
        copy_session(&mut a, &mut b, id, rng.actor());
        a.sync(&app, &token).await.unwrap();

        // B is a new peer for the server, so the server's filter covers every change it holds.
        let server_hashes: Vec<_> = a
            .doc(id)
            .automerge_mut()
            .get_changes(&[])
            .iter()
            .map(|c| c.hash())
            .collect();
        let filter = BloomFilter::from_hashes(server_hashes.iter());
        for _ in 0..false_positives {
            let s = add_change_tried(&mut b, id, &mut rng, &filter, true);
            assert!(!server_hashes.contains(&s));
        }
        add_change_tried(&mut b, id, &mut rng, &filter, false);

        let report = b
            .sync(&app, &token)
            .await
            .unwrap_or_else(|e| panic!("{false_positives} false positive(s): {e}"));
        assert!(
            report.round_trips <= 4,
            "{} round trips",
            report.round_trips
        );
        let (_, detail) = app.get_json(&format!("/api/sessions/{id}"), &token).await;
        let on_b = b.doc(id).read().unwrap();
        assert_eq!(
            detail["proposal_list"].as_array().unwrap().len(),
            on_b.live_proposals().count(),
            "the claimed changes reached the server"
        );
        assert_eq!(
            detail["present"],
            on_b.attendance.total(),
            "T reached the server"
        );
    }
    app.stop().await;
}

//! The load harness (issue 17): simulated tablets running the shared sync engine against the
//! real server binary, through the batch endpoint `POST /api/sync`, in "a campaign's day".
//!
//! `cargo bench -p tachkhis-server --bench load` (release; `cargo xtask bench` runs it).
//!
//! The server is `tachkhis serve --demo` (this package's release binary, `CARGO_BIN_EXE_tachkhis`)
//! started as a child process on 127.0.0.1 with a temp database, so that its CPU (utime + stime
//! of `/proc/<pid>/stat`) and peak RSS (`VmHWM` of `/proc/<pid>/status`, reset before each
//! phase through `clear_refs`) are measured apart from this process's own CPU. Both share the
//! machine's cores.
//!
//! Each tablet has 6 sessions of 40 proposals and 4 attendance counts, built before any clock
//! starts, and its own login (its own device and token, as in the field), all on the demo
//! facilitator's account (an account may have many devices). Each login is one argon2 check
//! at the server's deliberately slow login pace (`users::login_limit`): they are done before
//! the phases and timed apart. Tablets sharing tokens would be cheaper but would make the
//! server record the device's changing peer at every sync, a write even in a no-op sync. The
//! phases, each started by every tablet at the same instant:
//!
//! 1. upload: each tablet syncs its sessions for the first time;
//! 2. edits: `EDIT_ROUNDS` times, each tablet adds a proposal, a vote or an attendance count
//!    (in turn) to one of its sessions, then syncs;
//! 3. no-op syncs: `NOOP_ROUNDS` syncs with nothing new on either side;
//! 4. steady: the tablets together ask for `TACHKHIS_LOAD_STEADY_RATE` requests a second
//!    (default 1,200) for `TACHKHIS_LOAD_STEADY_SECS` (10): each tablet syncs on a fixed
//!    schedule (open loop, starts spread evenly), an edit before 2 syncs out of 5. Each sync is
//!    also timed from when it was due, so a server that falls behind cannot hide it by slowing
//!    the tablets down. The "200 tablets: ≥ 1,000 requests/s with p99 ≤ 100 ms" is
//!    judged here: in the back-to-back phases 200 requests are always in flight, so their
//!    latency is 200 / throughput by construction (Little's law) and they show the ceiling;
//! 5. reconnect storm: after a network cut, during which each tablet made `STORM_EDITS` edits
//!    and its sync attempts failed (so it keeps only the persisted part of its sync states, as
//!    the app does), every tablet syncs at once on a new connection.
//!
//! Tablets sync back to back, without pause between syncs (`TACHKHIS_LOAD_PAUSE_MS` adds one):
//! the server is kept saturated, so latency includes queueing. A request counts as carrying
//! changes when one of its Automerge sync messages holds change chunks: the server applies and
//! commits them (SQLite WAL, `synchronous=FULL`) before it answers. A request fails after 45 s,
//! as the app's fetch does (`client/src/net/api.rs`). Errors: a non-2xx answer or a failed
//! request (so its sync), a document refused or quarantined. The figures are printed against
//! the goals; only a session found not intact fails the run.
//!
//! After the phases, every session is checked against the server: a new peer fetches each
//! tablet's documents through the same endpoint (heads and the whole session read back must
//! equal the tablet's), and `GET /api/sessions/{id}` must list the tablet's proposals (text,
//! votes), attendance and count.
//!
//! The tablets share one pooled HTTP client per phase (connections reused from one request to
//! the next; a new client for the storm, whose connections the cut dropped), on a tokio runtime
//! of one worker per core.
//!
//! Knobs: `TACHKHIS_LOAD_TABLETS` (default `200,1000`: one run per count, each on a new
//! server), `TACHKHIS_LOAD_EDIT_ROUNDS` (5), `TACHKHIS_LOAD_NOOP_ROUNDS` (3),
//! `TACHKHIS_LOAD_STORM_EDITS` (3), `TACHKHIS_LOAD_PAUSE_MS` (0), `TACHKHIS_LOAD_STEADY_RATE`
//! (1200), `TACHKHIS_LOAD_STEADY_SECS` (10).
#![allow(clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../../tests/integration/helpers.rs"]
mod helpers;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, anyhow, bail};
use automerge::AutoCommit;
use helpers::Tablet;
use tachkhis_shared::{
    AttendanceCategory, Sector,
    api::{LoginResponse, SessionDetail},
    session::{ProposalInput, Session, SessionDoc},
    sync::{self, ClientDoc, State, SyncReport, Transport},
};
use tokio::sync::{Barrier, Semaphore, watch};
use uuid::Uuid;

const SESSIONS: usize = 6;
const PROPOSALS: usize = 40;
const USER: &str = "facilitator";
/// The app's fetch gives up after this long (`TIMEOUT_MS` in `client/src/net/api.rs`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(45);
/// Logins and checks in flight at once (the server checks passwords on one thread per two
/// cores; more would only queue).
const SETUP_CONCURRENCY: usize = 4;
/// Error messages kept per phase.
const ERROR_SAMPLES: usize = 5;

const PROBLEMS: &[&str] = &[
    "الطريق المؤدية إلى الدوار مقطوعة في فصل الشتاء",
    "غياب الماء الصالح للشرب في المنازل",
    "النساء يقطعن مسافات طويلة لجلب الماء من العين",
    "انعدام الإنارة العمومية في الأزقة",
    "المدرسة بعيدة والأطفال يمشون أكثر من خمسة كيلومترات",
    "المستوصف لا يتوفر على طبيب دائم",
    "غياب النقل المدرسي للفتيات بعد الابتدائي",
    "الواد يفيض ويعزل الدوار عن مركز الجماعة",
    "النفايات ترمى قرب البيوت وفي مجرى الواد",
    "ضعف شبكة الهاتف والأنترنت",
];

const SOLUTIONS: &[&str] = &[
    "تعبيد الطريق وبناء قنطرة على الواد",
    "ربط المنازل بشبكة الماء الصالح للشرب",
    "حفر بئر وتجهيزه بمضخة تعمل بالطاقة الشمسية",
    "تركيب أعمدة الإنارة العمومية بالطاقة الشمسية",
    "توفير النقل المدرسي وبناء دار الطالبة",
    "تعيين ممرضة دائمة وتجهيز المستوصف بالأدوية",
];

const ATTENDANCE: [AttendanceCategory; 4] = [
    AttendanceCategory::Women,
    AttendanceCategory::Men,
    AttendanceCategory::YouthWomen,
    AttendanceCategory::YouthMen,
];

struct Knobs {
    tablets: Vec<usize>,
    edit_rounds: usize,
    noop_rounds: usize,
    storm_edits: usize,
    pause: Duration,
    /// The steady phase: requests per second offered by all tablets together, and for how long.
    steady_rate: usize,
    steady_secs: usize,
}

fn knob(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .with_context(|| format!("{name}={v} is not a number")),
        Err(_) => Ok(default),
    }
}

impl Knobs {
    fn from_env() -> anyhow::Result<Self> {
        let tablets = match std::env::var("TACHKHIS_LOAD_TABLETS") {
            Ok(v) => v
                .split(',')
                .map(|n| n.trim().parse::<usize>())
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| {
                    format!("TACHKHIS_LOAD_TABLETS={v}: counts separated by commas")
                })?,
            Err(_) => vec![200, 1000],
        };
        if tablets.is_empty() || tablets.contains(&0) {
            bail!("TACHKHIS_LOAD_TABLETS needs at least one count above 0");
        }
        Ok(Self {
            tablets,
            edit_rounds: knob("TACHKHIS_LOAD_EDIT_ROUNDS", 5)?,
            noop_rounds: knob("TACHKHIS_LOAD_NOOP_ROUNDS", 3)?,
            storm_edits: knob("TACHKHIS_LOAD_STORM_EDITS", 3)?,
            pause: Duration::from_millis(knob("TACHKHIS_LOAD_PAUSE_MS", 0)? as u64),
            steady_rate: knob("TACHKHIS_LOAD_STEADY_RATE", 1_200)?.max(1),
            steady_secs: knob("TACHKHIS_LOAD_STEADY_SECS", 10)?.max(1),
        })
    }
}

/// A small deterministic generator (splitmix64): the same run builds the same texts.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn proposal_input(rng: &mut Rng) -> ProposalInput {
    ProposalInput {
        problem: format!("{}، {}", rng.pick(PROBLEMS), rng.pick(PROBLEMS)),
        solution: rng.pick(SOLUTIONS).to_string(),
        sector: Some(rng.pick(Sector::ALL).clone()),
        douar_id: Some("idouz".into()),
        raised_by: String::new(),
    }
}

/// The CPU time (user + system) of a process so far, from `/proc/<pid>/stat`.
fn cpu_secs(pid: &str, ticks: f64) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is the first, utime the
    // 12th and stime the 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (tick(11) + tick(12)) as f64 / ticks
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Peak resident memory of a process (`VmHWM`), in MB.
fn peak_rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb * 1024.0 / 1e6)
}

/// Resets a process's peak RSS to its current RSS (Linux `clear_refs`, value 5).
fn reset_peak_rss(pid: &str) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// `tachkhis serve --demo` as a child process, on a free port of 127.0.0.1, with a temp
/// database; its output goes to a log file beside the database.
struct Server {
    child: Child,
    pid: String,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let log = dir.path().join("server.log");
        let out = std::fs::File::create(&log)?;
        let child = Command::new(env!("CARGO_BIN_EXE_tachkhis"))
            .args(["serve", "--demo", "--addr", &addr, "--db"])
            .arg(dir.path().join("tachkhis.db"))
            // Logged as deployed, whatever the caller's filter.
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("starting the tachkhis binary")?;
        let mut server = Server {
            pid: child.id().to_string(),
            child,
            base: format!("http://{addr}"),
            log,
            _dir: dir,
        };
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "the server stopped ({status}) before answering:\n{}",
                    server.log_text()
                );
            }
            let health = http.get(server.url("/api/health")).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return Ok(server);
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!(
                    "the server did not answer within 120 s:\n{}",
                    server.log_text()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the server as its service manager would (SIGTERM, graceful), then by force.
    fn stop(mut self) -> anyhow::Result<()> {
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                self.child.kill()?;
                self.child.wait()?;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

/// A run that stops on an error leaves no server behind.
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What requests and syncs of a phase gave; each tablet keeps its own, merged at the end.
#[derive(Default)]
struct Tally {
    /// Each HTTP request, answer read.
    latencies: Vec<Duration>,
    /// Each whole sync run (all its round trips).
    sync_latencies: Vec<Duration>,
    /// Paced phase: each sync from the instant it was due to its end (a sync that starts late,
    /// its tablet still busy with the previous one, counts its wait: no coordinated omission).
    due_latencies: Vec<Duration>,
    requests: u64,
    with_changes: u64,
    failed_requests: u64,
    /// Failed requests that were not answered within [`REQUEST_TIMEOUT`].
    timeouts: u64,
    failed_syncs: u64,
    /// Documents refused or quarantined in syncs that otherwise went through.
    bad_docs: u64,
    errors: Vec<String>,
}

impl Tally {
    fn error(&mut self, message: String) {
        if self.errors.len() < ERROR_SAMPLES {
            self.errors.push(message);
        }
    }

    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.sync_latencies.extend(other.sync_latencies);
        self.due_latencies.extend(other.due_latencies);
        self.requests += other.requests;
        self.with_changes += other.with_changes;
        self.failed_requests += other.failed_requests;
        self.timeouts += other.timeouts;
        self.failed_syncs += other.failed_syncs;
        self.bad_docs += other.bad_docs;
        for e in other.errors {
            self.error(e);
        }
    }

    fn errors_total(&self) -> u64 {
        self.failed_syncs + self.bad_docs
    }
}

/// Whether a batch request holds change chunks in one of its sync messages.
fn carries_changes(body: &[u8]) -> bool {
    sync::decode_request(body).is_ok_and(|request| {
        request.docs.iter().any(|d| {
            d.message.as_deref().is_some_and(|m| {
                automerge::sync::Message::decode(m).is_ok_and(|m| !m.changes.is_empty())
            })
        })
    })
}

/// HTTP to the batch endpoint, timing each request and counting what it carried.
struct Probe<'a> {
    http: &'a reqwest::Client,
    url: &'a str,
    token: &'a str,
    tally: &'a mut Tally,
}

impl Transport for Probe<'_> {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        let changes = carries_changes(&body);
        let started = Instant::now();
        let answer = async {
            let r = self
                .http
                .post(self.url)
                .bearer_auth(self.token)
                .header("content-type", "application/octet-stream")
                .body(body)
                .send()
                .await
                .map_err(|e| http_error("request", &e))?;
            let status = r.status();
            let bytes = r.bytes().await.map_err(|e| http_error("answer", &e))?;
            if !status.is_success() {
                return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
            }
            Ok(bytes.to_vec())
        }
        .await;
        self.tally.latencies.push(started.elapsed());
        self.tally.requests += 1;
        if changes {
            self.tally.with_changes += 1;
        }
        if let Err(e) = &answer {
            self.tally.failed_requests += 1;
            if e.contains(TIMED_OUT) {
                self.tally.timeouts += 1;
            }
        }
        answer
    }
}

const TIMED_OUT: &str = "no answer within the app's timeout";

/// A failed request with its causes (reqwest's own message names only the URL).
fn http_error(what: &str, e: &reqwest::Error) -> String {
    let mut message = format!("{what}: {e}");
    if e.is_timeout() {
        message.push_str(&format!(" ({TIMED_OUT}, {} s)", REQUEST_TIMEOUT.as_secs()));
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// A simulated tablet: its documents and sync states (the shared helper), its login, and what
/// it edits.
struct Sim {
    tablet: Tablet,
    token: String,
    sessions: Vec<Uuid>,
    /// One proposal of each session, for votes.
    voted: Vec<Uuid>,
    rng: Rng,
    edits: usize,
}

impl Sim {
    fn build(index: usize) -> Self {
        let mut rng = Rng(0x10ad_0000_0000 + index as u64);
        let mut tablet = Tablet::new(USER);
        let mut sessions = Vec::with_capacity(SESSIONS);
        let mut voted = Vec::with_capacity(SESSIONS);
        for _ in 0..SESSIONS {
            let id = tablet.new_session();
            let mut first = None;
            for _ in 0..PROPOSALS {
                let input = proposal_input(&mut rng);
                let ctx = tablet.ctx();
                let p = tablet
                    .doc(id)
                    .add_proposal(&input, &ctx)
                    .expect("add proposal");
                first.get_or_insert(p);
            }
            for c in ATTENDANCE {
                let ctx = tablet.ctx();
                let n = 1 + rng.below(20) as i64;
                tablet
                    .doc(id)
                    .add_attendance(c, n, &ctx)
                    .expect("attendance");
            }
            sessions.push(id);
            voted.push(first.expect("a proposal"));
        }
        Self {
            tablet,
            token: String::new(),
            sessions,
            voted,
            rng,
            edits: 0,
        }
    }

    /// One edit, in turn a new proposal, a vote, an attendance count, on its sessions in turn.
    fn edit(&mut self) {
        let i = self.edits % SESSIONS;
        let id = self.sessions[i];
        let ctx = self.tablet.ctx();
        match self.edits % 3 {
            0 => {
                let input = proposal_input(&mut self.rng);
                self.tablet
                    .doc(id)
                    .add_proposal(&input, &ctx)
                    .expect("add proposal");
            }
            1 => self
                .tablet
                .doc(id)
                .add_votes(self.voted[i], 1, &ctx)
                .expect("vote"),
            _ => {
                let c = ATTENDANCE[self.edits / 3 % ATTENDANCE.len()].clone();
                self.tablet
                    .doc(id)
                    .add_attendance(c, 1, &ctx)
                    .expect("attendance");
            }
        }
        self.edits += 1;
    }

    /// What a failed sync leaves (`helpers::Tablet::sync_with`): only the persisted part of
    /// each document's sync state.
    fn keep_persisted_states(&mut self) {
        for (_, state) in self.tablet.docs.values_mut() {
            *state = sync::decode_state(Some(&sync::encode_state(state)));
        }
    }

    async fn sync(&mut self, http: &reqwest::Client, url: &str, tally: &mut Tally) {
        let mut probe = Probe {
            http,
            url,
            token: &self.token,
            tally,
        };
        let started = Instant::now();
        let result = self.tablet.sync_with(&mut probe).await;
        tally.sync_latencies.push(started.elapsed());
        match result {
            Ok(report) => check_report(&report, tally),
            Err(e) => {
                tally.failed_syncs += 1;
                tally.error(format!("sync: {e}"));
            }
        }
    }
}

fn check_report(report: &SyncReport, tally: &mut Tally) {
    for (id, reason) in &report.quarantined {
        tally.bad_docs += 1;
        tally.error(format!("document {id} quarantined: {reason}"));
    }
    for (id, (code, message)) in &report.refused {
        tally.bad_docs += 1;
        tally.error(format!("document {id} refused ({code:?}): {message}"));
    }
}

/// Builds the tablets on every core (the documents of 1,000 tablets take minutes of CPU;
/// none of it inside a phase).
fn build_tablets(count: usize) -> Vec<Sim> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = count.div_ceil(cores);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..count)
            .step_by(per_thread.max(1))
            .map(|from| {
                scope.spawn(move || {
                    (from..(from + per_thread).min(count))
                        .map(Sim::build)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().expect("building tablets"))
            .collect()
    })
}

/// What every phase of one run shares.
#[derive(Clone, Copy)]
struct Run<'a> {
    server: &'a Server,
    pause: Duration,
    ticks: f64,
}

struct PhaseStats {
    name: &'static str,
    wall: Duration,
    tally: Tally,
    server_cpu: f64,
    server_peak_mb: f64,
    harness_cpu: f64,
}

/// How a phase's tablets sync.
#[derive(Clone, Copy)]
enum Schedule {
    /// `rounds` syncs back to back (after `Run::pause`), each after an edit when `edit`.
    BackToBack { rounds: usize, edit: bool },
    /// Open loop: each tablet syncs every `every`, the tablets' starts spread evenly over one
    /// period, `rounds` times; an edit before 2 syncs out of 5 (40 % of syncs carry changes).
    Paced { every: Duration, rounds: usize },
}

impl Schedule {
    fn rounds(self) -> usize {
        match self {
            Schedule::BackToBack { rounds, .. } | Schedule::Paced { rounds, .. } => rounds,
        }
    }

    fn edits_before(self, round: usize) -> bool {
        match self {
            Schedule::BackToBack { edit, .. } => edit,
            Schedule::Paced { .. } => round % 5 < 2,
        }
    }
}

/// Runs one phase: every tablet, from the same instant, syncs as `schedule` says. The clock
/// and the CPU counters cover only that.
async fn phase(
    run: &Run<'_>,
    name: &'static str,
    sims: Vec<Sim>,
    http: &reqwest::Client,
    schedule: Schedule,
) -> anyhow::Result<(Vec<Sim>, PhaseStats)> {
    let rounds = schedule.rounds();
    let count = sims.len() as u32;
    let Run {
        server,
        pause,
        ticks,
    } = *run;
    let ready = Arc::new(Barrier::new(sims.len() + 1));
    let (go, start_line) = watch::channel(None::<tokio::time::Instant>);
    let url: Arc<str> = server.url("/api/sync").into();
    let tasks: Vec<_> = sims
        .into_iter()
        .enumerate()
        .map(|(index, mut sim)| {
            let (ready, mut start_line) = (ready.clone(), start_line.clone());
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let mut tally = Tally {
                    latencies: Vec::with_capacity(rounds * 3),
                    sync_latencies: Vec::with_capacity(rounds),
                    ..Tally::default()
                };
                ready.wait().await;
                let start = start_line
                    .wait_for(Option::is_some)
                    .await
                    .ok()
                    .and_then(|go| *go)
                    .unwrap_or_else(tokio::time::Instant::now);
                for round in 0..rounds {
                    let due = match schedule {
                        Schedule::Paced { every, .. } => {
                            let due = start + every * round as u32 + every * index as u32 / count;
                            tokio::time::sleep_until(due).await;
                            Some(due)
                        }
                        Schedule::BackToBack { .. } => {
                            if round > 0 && !pause.is_zero() {
                                tokio::time::sleep(pause).await;
                            }
                            None
                        }
                    };
                    if schedule.edits_before(round) {
                        sim.edit();
                    }
                    sim.sync(&http, &url, &mut tally).await;
                    if let Some(due) = due {
                        tally.due_latencies.push(due.elapsed());
                    }
                }
                (sim, tally)
            })
        })
        .collect();
    ready.wait().await;
    let peak_reset = reset_peak_rss(&server.pid);
    let (cpu0, own0) = (cpu_secs(&server.pid, ticks), cpu_secs("self", ticks));
    let started = Instant::now();
    go.send(Some(tokio::time::Instant::now()))?;
    let mut sims = Vec::with_capacity(tasks.len());
    let mut tally = Tally::default();
    for task in tasks {
        let (sim, t) = task.await?;
        sims.push(sim);
        tally.merge(t);
    }
    let wall = started.elapsed();
    let stats = PhaseStats {
        name,
        wall,
        server_cpu: cpu_secs(&server.pid, ticks) - cpu0,
        server_peak_mb: if peak_reset {
            peak_rss_mb(&server.pid)
        } else {
            f64::NAN
        },
        harness_cpu: cpu_secs("self", ticks) - own0,
        tally,
    };
    Ok((sims, stats))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

fn print_table(rows: &mut [PhaseStats], overall: &mut PhaseStats) {
    println!(
        "  {:<10} {:>8} {:>6} {:>8} {:>7} {:>7} {:>7} {:>7} {:>8} {:>7} {:>8} {:>8} {:>8}",
        "phase",
        "requests",
        "syncs",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "changes",
        "errors",
        "srv CPU",
        "srv peak",
        "own CPU"
    );
    for r in rows.iter_mut().chain(std::iter::once(overall)) {
        let t = &mut r.tally;
        t.latencies.sort_unstable();
        let secs = r.wall.as_secs_f64();
        println!(
            "  {:<10} {:>8} {:>6} {:>8.0} {:>7} {:>7} {:>7} {:>7} {:>7.0}% {:>7} {:>7.1}s {:>6.0}MB {:>7.1}s",
            r.name,
            t.requests,
            t.sync_latencies.len(),
            t.requests as f64 / secs,
            ms(percentile(&t.latencies, 50.0)),
            ms(percentile(&t.latencies, 95.0)),
            ms(percentile(&t.latencies, 99.0)),
            ms(t.latencies.last().copied().unwrap_or_default()),
            100.0 * t.with_changes as f64 / t.requests.max(1) as f64,
            t.errors_total(),
            r.server_cpu,
            r.server_peak_mb,
            r.harness_cpu
        );
    }
}

async fn login(http: reqwest::Client, base: String) -> anyhow::Result<String> {
    let r = http
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({
            "username": USER,
            "password": tachkhis_server::demo::DEMO_PASSWORD,
        }))
        .send()
        .await?;
    let status = r.status();
    if !status.is_success() {
        bail!("login: {status}: {}", r.text().await.unwrap_or_default());
    }
    Ok(r.json::<LoginResponse>().await?.token)
}

/// Runs `f` on every item with at most `SETUP_CONCURRENCY` at once, results in order.
async fn bounded<T, R, F, Fut>(items: Vec<T>, f: F) -> anyhow::Result<Vec<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<R>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(SETUP_CONCURRENCY));
    let tasks: Vec<_> = items
        .into_iter()
        .map(|item| {
            let slots = slots.clone();
            let fut = f(item);
            tokio::spawn(async move {
                let _slot = slots.acquire_owned().await?;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await??);
    }
    Ok(out)
}

/// What one tablet's sessions are on the tablet: heads and the session read back.
struct Expected {
    token: String,
    docs: Vec<(Uuid, Vec<automerge::ChangeHash>, Session)>,
}

#[derive(Default)]
struct Verification {
    sessions: usize,
    intact: usize,
    problems: Vec<String>,
}

/// A new peer fetches the tablet's documents through the batch endpoint; heads and contents
/// must equal the tablet's, and the server's projection must list what the tablet holds.
async fn verify_tablet(
    http: reqwest::Client,
    base: String,
    expected: Expected,
) -> anyhow::Result<(usize, Vec<String>)> {
    let mut docs: Vec<ClientDoc> = expected
        .docs
        .iter()
        .map(|(id, _, _)| ClientDoc {
            id: *id,
            doc: AutoCommit::new(),
            state: State::new(),
        })
        .collect();
    let mut tally = Tally::default();
    let url = format!("{base}/api/sync");
    let mut probe = Probe {
        http: &http,
        url: &url,
        token: &expected.token,
        tally: &mut tally,
    };
    let mut problems = Vec::new();
    if let Err(e) = sync::run_client_sync(Uuid::new_v4(), &mut docs, &mut probe, &mut ()).await {
        problems.push(format!("fetching the tablet's documents: {e}"));
        return Ok((0, problems));
    }
    let mut intact = 0;
    for (fetched, (id, heads, session)) in docs.into_iter().zip(&expected.docs) {
        let mut fetched = SessionDoc::from_automerge(fetched.doc);
        let mut theirs = fetched.heads();
        theirs.sort_unstable();
        if &theirs != heads {
            problems.push(format!(
                "session {id}: the server's heads differ from the tablet's"
            ));
            continue;
        }
        match fetched.read() {
            Ok(s) if &s == session => {}
            Ok(_) => {
                problems.push(format!("session {id}: the server's copy reads differently"));
                continue;
            }
            Err(e) => {
                problems.push(format!(
                    "session {id}: the server's copy does not read: {e}"
                ));
                continue;
            }
        }
        let r = http
            .get(format!("{base}/api/sessions/{id}"))
            .bearer_auth(&expected.token)
            .send()
            .await?;
        if !r.status().is_success() {
            problems.push(format!("GET /api/sessions/{id}: {}", r.status()));
            continue;
        }
        let detail: SessionDetail = r.json().await?;
        if let Some(what) = projection_differs(session, &detail) {
            problems.push(format!("session {id}: projection: {what}"));
            continue;
        }
        intact += 1;
    }
    Ok((intact, problems))
}

fn projection_differs(session: &Session, detail: &SessionDetail) -> Option<String> {
    if detail.proposal_list.len() != session.proposals.len() {
        return Some(format!(
            "{} proposals listed, the tablet has {}",
            detail.proposal_list.len(),
            session.proposals.len()
        ));
    }
    let listed: BTreeMap<Uuid, _> = detail.proposal_list.iter().map(|p| (p.id, p)).collect();
    for p in &session.proposals {
        match listed.get(&p.id) {
            None => return Some(format!("proposal {} missing", p.id)),
            Some(row)
                if row.problem != p.problem
                    || row.solution != p.solution
                    || row.votes != p.votes
                    || row.deleted != p.deleted =>
            {
                return Some(format!("proposal {} differs", p.id));
            }
            Some(_) => {}
        }
    }
    let live = session.live_proposals().count() as i64;
    if detail.summary.proposals != live {
        return Some(format!(
            "count {} against {live} live proposals",
            detail.summary.proposals
        ));
    }
    if detail.summary.present != session.attendance.total() {
        return Some(format!(
            "{} present against {}",
            detail.summary.present,
            session.attendance.total()
        ));
    }
    for c in ATTENDANCE {
        let row = detail
            .attendance
            .iter()
            .find(|r| r.category == c)
            .map_or(0, |r| r.count);
        let held = session.attendance.get(c.clone());
        if row != held {
            return Some(format!("attendance {c:?}: {row} against {held}"));
        }
    }
    None
}

async fn verify(server: &Server, sims: &mut [Sim]) -> anyhow::Result<Verification> {
    let mut expected = Vec::with_capacity(sims.len());
    for sim in sims.iter_mut() {
        let mut docs = Vec::with_capacity(SESSIONS);
        for &id in &sim.sessions {
            let doc = sim.tablet.doc(id);
            let mut heads = doc.heads();
            heads.sort_unstable();
            let session = doc.read().map_err(|e| anyhow!("tablet's session: {e}"))?;
            docs.push((id, heads, session));
        }
        expected.push(Expected {
            token: sim.token.clone(),
            docs,
        });
    }
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let base = server.base.clone();
    let results = bounded(expected, |e| verify_tablet(http.clone(), base.clone(), e)).await?;
    let mut v = Verification {
        sessions: sims.len() * SESSIONS,
        ..Verification::default()
    };
    for (intact, problems) in results {
        v.intact += intact;
        v.problems.extend(problems);
    }
    Ok(v)
}

/// Warnings and errors the server logged (it logs at info by default).
fn server_complaints(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("panicked"))
        .collect()
}

async fn run_one(tablets: usize, knobs: &Knobs, ticks: f64) -> anyhow::Result<bool> {
    println!();
    println!(
        "== {tablets} tablets x {SESSIONS} sessions x {PROPOSALS} proposals \
         (edits: {} rounds; no-op: {} rounds; storm: {} offline edits each) ==",
        knobs.edit_rounds, knobs.noop_rounds, knobs.storm_edits
    );
    println!(
        "  load average before the run (1, 5, 15 min): {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let started = Instant::now();
    let mut sims = build_tablets(tablets);
    println!(
        "  built the tablets' documents in {:.1} s (before any clock)",
        started.elapsed().as_secs_f64()
    );

    let server = Server::start().await?;
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let started = Instant::now();
    let cpu0 = cpu_secs(&server.pid, ticks);
    let tokens = bounded((0..tablets).collect(), |_: usize| {
        login(http.clone(), server.base.clone())
    })
    .await?;
    for (sim, token) in sims.iter_mut().zip(tokens) {
        sim.token = token;
    }
    println!(
        "  {tablets} logins (one device each, one argon2 check each) in {:.1} s, server CPU {:.1} s (outside the phases)",
        started.elapsed().as_secs_f64(),
        cpu_secs(&server.pid, ticks) - cpu0
    );

    let run = Run {
        server: &server,
        pause: knobs.pause,
        ticks,
    };
    let mut rows = Vec::new();
    let back_to_back = |rounds, edit| Schedule::BackToBack { rounds, edit };
    let (sims, stats) = phase(&run, "upload", sims, &http, back_to_back(1, false)).await?;
    rows.push(stats);
    let (sims, stats) = phase(
        &run,
        "edits",
        sims,
        &http,
        back_to_back(knobs.edit_rounds, true),
    )
    .await?;
    rows.push(stats);
    let (sims, stats) = phase(
        &run,
        "no-op",
        sims,
        &http,
        back_to_back(knobs.noop_rounds, false),
    )
    .await?;
    rows.push(stats);
    // Paced: the rate asked of the server, held for a while (one sync is one request when
    // the server answers in one round, as here).
    let every = Duration::from_secs_f64(tablets as f64 / knobs.steady_rate as f64);
    let rounds = (knobs.steady_secs as f64 / every.as_secs_f64())
        .ceil()
        .max(1.0) as usize;
    let (mut sims, stats) = phase(
        &run,
        "steady",
        sims,
        &http,
        Schedule::Paced { every, rounds },
    )
    .await?;
    let steady_index = rows.len();
    rows.push(stats);
    // The cut: edits made offline, sync attempts that failed, connections gone.
    for sim in &mut sims {
        for _ in 0..knobs.storm_edits {
            sim.edit();
        }
        sim.keep_persisted_states();
    }
    drop(http);
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let (mut sims, stats) = phase(&run, "storm", sims, &http, back_to_back(1, false)).await?;
    rows.push(stats);

    let mut overall = PhaseStats {
        name: "overall",
        wall: rows.iter().map(|r| r.wall).sum(),
        tally: Tally::default(),
        server_cpu: rows.iter().map(|r| r.server_cpu).sum(),
        server_peak_mb: rows.iter().map(|r| r.server_peak_mb).fold(0.0, f64::max),
        harness_cpu: rows.iter().map(|r| r.harness_cpu).sum(),
    };
    for r in &rows {
        overall.tally.requests += r.tally.requests;
        overall.tally.with_changes += r.tally.with_changes;
        overall.tally.failed_requests += r.tally.failed_requests;
        overall.tally.timeouts += r.tally.timeouts;
        overall.tally.failed_syncs += r.tally.failed_syncs;
        overall.tally.bad_docs += r.tally.bad_docs;
        overall
            .tally
            .latencies
            .extend(r.tally.latencies.iter().copied());
        overall
            .tally
            .sync_latencies
            .extend(r.tally.sync_latencies.iter().copied());
    }
    println!();
    print_table(&mut rows, &mut overall);
    println!(
        "  (latency per HTTP request, answer read; changes: share of requests carrying Automerge changes, \
         committed before the answer; srv peak: the server's VmHWM, reset before each phase, \
         the highest of them on the last row; own CPU: this harness process)"
    );
    for r in &mut rows {
        r.tally.sync_latencies.sort_unstable();
        println!(
            "  {:<10} wall {:>6.1} s; whole sync p50 / p99 {} / {} ms; {} requests failed ({} not answered within {} s), {} syncs failed, {} documents refused or quarantined",
            r.name,
            r.wall.as_secs_f64(),
            ms(percentile(&r.tally.sync_latencies, 50.0)),
            ms(percentile(&r.tally.sync_latencies, 99.0)),
            r.tally.failed_requests,
            r.tally.timeouts,
            REQUEST_TIMEOUT.as_secs(),
            r.tally.failed_syncs,
            r.tally.bad_docs
        );
        if !r.tally.due_latencies.is_empty() {
            r.tally.due_latencies.sort_unstable();
            println!(
                "  {:<10} offered {} requests/s ({} tablets, each every {:.0} ms, {} rounds); sync from when it was due p50 / p99 / max {} / {} / {} ms",
                "",
                knobs.steady_rate,
                tablets,
                every.as_secs_f64() * 1000.0,
                rounds,
                ms(percentile(&r.tally.due_latencies, 50.0)),
                ms(percentile(&r.tally.due_latencies, 99.0)),
                ms(r.tally.due_latencies.last().copied().unwrap_or_default()),
            );
        }
        for e in &r.tally.errors {
            println!("      error: {e}");
        }
    }

    let started = Instant::now();
    let v = verify(&server, &mut sims).await?;
    println!(
        "  check after the run: {} of {} sessions intact on the server (heads, contents read back, projection) in {:.1} s",
        v.intact,
        v.sessions,
        started.elapsed().as_secs_f64()
    );
    for p in v.problems.iter().take(ERROR_SAMPLES) {
        println!("      problem: {p}");
    }

    let log = server.log_text();
    let complaints = server_complaints(&log);
    if !complaints.is_empty() {
        println!(
            "  the server logged {} warnings or errors, e.g.:",
            complaints.len()
        );
        for line in complaints.iter().take(ERROR_SAMPLES) {
            println!("      {line}");
        }
    }
    server.stop()?;

    let o = &overall.tally;
    let rate = o.requests as f64 / overall.wall.as_secs_f64();
    let p99 = percentile(&o.latencies, 99.0);
    let errors = o.errors_total();
    let changes = 100.0 * o.with_changes as f64 / o.requests.max(1) as f64;
    let all_intact = v.intact == v.sessions;
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("  goals (the issue's; overall row):");
    println!(
        "    requests carrying changes written before the answer >= 30 %: {changes:.0} % ({} of {}): {}",
        o.with_changes,
        o.requests,
        verdict(changes >= 30.0)
    );
    let met = if tablets == 200 {
        // A rate at a latency: measured where the tablets ask for that rate (the steady
        // phase), with every request's latency and each sync's from when it was due. The
        // back-to-back phases keep 200 requests in flight whatever the speed, so their latency
        // is 200 / throughput by construction (Little's law): their rows show the ceiling.
        let s = &rows[steady_index];
        let steady_rate = s.tally.requests as f64 / s.wall.as_secs_f64();
        let steady_p99 = percentile(&s.tally.latencies, 99.0);
        let due_p99 = percentile(&s.tally.due_latencies, 99.0);
        let all_errors = errors;
        let ok = steady_rate >= 1000.0
            && steady_p99 <= Duration::from_millis(100)
            && due_p99 <= Duration::from_millis(100)
            && all_errors == 0;
        println!(
            "    200 tablets: >= 1,000 requests/s with p99 <= 100 ms and 0 errors (steady phase; errors over every phase): \
             {steady_rate:.0} requests/s, p99 {} ms per request and {} ms per sync from when it was due, {all_errors} errors: {}",
            ms(steady_p99),
            ms(due_p99),
            verdict(ok)
        );
        println!(
            "    (every phase together, back to back included: {rate:.0} requests/s, p99 {} ms)",
            ms(p99)
        );
        ok
    } else if tablets == 1000 {
        let ok = errors == 0 && all_intact;
        println!(
            "    1,000 tablets: complete with 0 errors and every session intact: {errors} errors, {} of {} sessions intact: {}",
            v.intact,
            v.sessions,
            verdict(ok)
        );
        ok
    } else {
        println!(
            "    (no goal for {tablets} tablets: {rate:.0} requests/s, p99 {} ms, {errors} errors, {} of {} sessions intact)",
            ms(p99),
            v.intact,
            v.sessions
        );
        errors == 0 && all_intact
    };
    if !all_intact {
        bail!(
            "{} of {} sessions are not intact on the server",
            v.sessions - v.intact,
            v.sessions
        );
    }
    Ok(met && changes >= 30.0)
}

fn main() -> anyhow::Result<()> {
    let knobs = Knobs::from_env()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ticks = clock_ticks();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()?;
    println!("Tachkhis load harness");
    println!(
        "server: {} serve --demo (child process, 127.0.0.1, temp SQLite); tablets: this process, \
         tokio with {cores} workers, one pooled HTTP client per phase; {cores} cores shared",
        Path::new(env!("CARGO_BIN_EXE_tachkhis")).display()
    );
    let started = Instant::now();
    let mut all_met = true;
    for &n in &knobs.tablets {
        all_met &= rt.block_on(run_one(n, &knobs, ticks))?;
    }
    println!();
    println!(
        "total harness time: {:.1} s; goals {}",
        started.elapsed().as_secs_f64(),
        if all_met { "met" } else { "not all met" }
    );
    Ok(())
}

//! The sync benchmark: the real server (127.0.0.1, temp SQLite file) and simulated tablets
//! running the shared sync engine over real HTTP, measured side by side in one run.
//!
//! `cargo bench -p tachkhis-server --bench sync` (release). Prints a table to stdout:
//!
//! 1. a no-op sync of a tablet holding 300 sessions (after its first full sync);
//! 2. the bytes a sync of 50 new proposals costs, against the same proposals as gzipped JSON;
//! 3. throughput and latency with 50 concurrent tablets (writing, then read-only);
//! 4. load and save time and size of a 300-proposal session document;
//! 5. a full day of field work (5 sessions, 150 proposals, attendance, votes, notes, closed)
//!    synced over simulated rural links (2G/EDGE and 3G), against the same day as gzipped JSON.
//!
//! The rural links are simulated in the transport: each request really goes to the server,
//! then the transport waits one round-trip time plus the bytes on the wire (bodies as sent,
//! plus an estimate of the HTTP headers) over the link's bandwidth each way.
//!
//! Byte counts: "payload" is the postcard body the engine sends and reads (what `SyncReport`
//! counts); "wire" is the HTTP body as transmitted, after the server's gzip content-encoding.
//! HTTP headers are not counted. Client and server share the same 2-core machine, so the
//! concurrent figures include the tablets' own Automerge work.
#![allow(clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../../tests/integration/helpers.rs"]
mod helpers;

use std::{
    io::{Read, Write},
    time::{Duration, Instant},
};

use anyhow::{Context, anyhow};
use automerge::AutoCommit;
use helpers::{HttpTransport, Tablet, TestApp, spawn_app};
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use tachkhis_shared::{
    AttendanceCategory, GroupKind, Sector,
    session::{EditCtx, NewSession, Proposal, ProposalInput, SessionDoc},
    sync::{SyncReport, Transport},
};
use uuid::Uuid;

const BIG_TABLET_SESSIONS: usize = 300;
const PROPOSALS_PER_SESSION: usize = 10;
const NOOP_RUNS: usize = 20;
const NEW_PROPOSALS: usize = 50;
const TABLETS: usize = 50;
const SESSIONS_PER_TABLET: usize = 5;
const ITERATIONS: usize = 40;
const DOC_PROPOSALS: usize = 300;
const DOC_RUNS: usize = 20;
const DAY_SESSIONS: usize = 5;
const DAY_PROPOSALS_PER_SESSION: usize = 30;
const DAY_SEED: u64 = 0x00da_70ff_1e1d;
/// HTTP/1.1 headers of one sync request (bearer token, content type and length, host,
/// accept-encoding, user agent) and of its answer, estimated.
const HEADER_BYTES_UP: usize = 350;
const HEADER_BYTES_DOWN: usize = 200;
/// A TLS 1.3 handshake on a fresh connection: the server's certificate chain (a Let's Encrypt
/// chain is about 4 KB) and two round trips (TCP + TLS).
const TLS_HANDSHAKE_BYTES_DOWN: usize = 4_500;
const TLS_HANDSHAKE_RTTS: u32 = 2;

/// A rural mobile link: bandwidth each way and round-trip time.
#[derive(Clone, Copy)]
struct Link {
    name: &'static str,
    down_bits_per_s: f64,
    up_bits_per_s: f64,
    rtt: Duration,
}

const LINKS_SIMULATED: [Link; 2] = [
    Link {
        name: "2G/EDGE (200 kbit/s down, 100 kbit/s up, 300 ms RTT)",
        down_bits_per_s: 200_000.0,
        up_bits_per_s: 100_000.0,
        rtt: Duration::from_millis(300),
    },
    Link {
        name: "3G (1 Mbit/s down, 384 kbit/s up, 150 ms RTT)",
        down_bits_per_s: 1_000_000.0,
        up_bits_per_s: 384_000.0,
        rtt: Duration::from_millis(150),
    },
];

impl Link {
    /// Time one exchange takes on this link (besides the server's own time).
    fn exchange_time(&self, up: usize, down: usize) -> Duration {
        self.rtt
            + Duration::from_secs_f64(
                (up + HEADER_BYTES_UP) as f64 * 8.0 / self.up_bits_per_s
                    + (down + HEADER_BYTES_DOWN) as f64 * 8.0 / self.down_bits_per_s,
            )
    }

    fn handshake_time(&self) -> Duration {
        self.rtt * TLS_HANDSHAKE_RTTS
            + Duration::from_secs_f64(TLS_HANDSHAKE_BYTES_DOWN as f64 * 8.0 / self.down_bits_per_s)
    }
}

/// The wire transport behind a simulated link: every exchange really happens, then waits what
/// the link would have taken.
struct Throttled<'a> {
    wire: &'a mut WireTransport,
    link: Link,
    link_time: Duration,
    /// What the request bodies would weigh gzipped (the tablet sends them uncompressed).
    up_gzipped: usize,
}

impl Transport for Throttled<'_> {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        let (up0, down0) = (self.wire.wire_up, self.wire.wire_down);
        self.up_gzipped += gzip(&body).map_err(|e| e.to_string())?.len();
        let answer = self.wire.exchange(body).await;
        let delay = self
            .link
            .exchange_time(self.wire.wire_up - up0, self.wire.wire_down - down0);
        tokio::time::sleep(delay).await;
        self.link_time += delay;
        answer
    }
}

/// A facilitator's day: `DAY_SESSIONS` meetings of `DAY_PROPOSALS_PER_SESSION` proposals
/// each, attendance counted at the door, votes on the first proposals, notes typed in three
/// goes, each session closed. The same seed gives the same day.
fn day_of_work(t: &mut Tablet, seed: u64) -> Vec<Uuid> {
    let mut rng = Rng(seed);
    (0..DAY_SESSIONS)
        .map(|_| {
            let id = t.new_session();
            let mut clock = t.ctx().now_ms;
            let user = t.user.clone();
            let mut ctx = move || {
                clock += 1000;
                EditCtx::new(user.clone(), clock)
            };
            let proposals = populate(t.doc(id), &mut ctx, &mut rng, DAY_PROPOSALS_PER_SESSION);
            for p in proposals.iter().take(5) {
                t.doc(id)
                    .add_votes(*p, 1 + rng.below(15) as i64, &ctx())
                    .expect("votes");
            }
            let mut notes = String::new();
            for _ in 0..3 {
                notes.push_str(&text(&mut rng, PROBLEMS));
                notes.push('\n');
                t.doc(id).set_notes(&notes, &ctx()).expect("notes");
            }
            t.doc(id).close(&ctx()).expect("close");
            id
        })
        .collect()
}

struct DayRun {
    report: SyncReport,
    up_gzipped: usize,
    wire: (usize, usize),
    link_time: Duration,
    elapsed: Duration,
}

async fn sync_day(t: &mut Tablet, wire: &mut WireTransport, link: Link) -> anyhow::Result<DayRun> {
    wire.reset();
    let mut throttled = Throttled {
        wire,
        link,
        link_time: Duration::ZERO,
        up_gzipped: 0,
    };
    let start = Instant::now();
    let report = t
        .sync_with(&mut throttled)
        .await
        .map_err(|e| anyhow!("sync: {e}"))?;
    let elapsed = start.elapsed();
    let (link_time, up_gzipped) = (throttled.link_time, throttled.up_gzipped);
    check(&report)?;
    Ok(DayRun {
        report,
        up_gzipped,
        wire: (wire.wire_up, wire.wire_down),
        link_time,
        elapsed,
    })
}

fn print_day(run: &DayRun, link: Link, json_gz: usize) {
    let (up, down) = run.wire;
    row("  round trips", run.report.round_trips);
    row(
        "  bytes up payload / wire",
        format!("{} / {}", kib(run.report.bytes_up), kib(up)),
    );
    row(
        "  bytes down payload / wire",
        format!("{} / {}", kib(run.report.bytes_down), kib(down)),
    );
    row(
        "  bytes up if the tablet gzipped its requests",
        kib(run.up_gzipped),
    );
    row(
        "  HTTP headers (estimated, in the time)",
        format!(
            "{} B",
            run.report.round_trips as usize * (HEADER_BYTES_UP + HEADER_BYTES_DOWN)
        ),
    );
    row(
        "  ratio wire total / gzip JSON",
        format!("{:.2}", (up + down) as f64 / json_gz as f64),
    );
    row(
        "  total time (link + server + tablet)",
        format!("{:.2} s", run.elapsed.as_secs_f64()),
    );
    row(
        "  of which the link",
        format!("{:.2} s", run.link_time.as_secs_f64()),
    );
    row(
        "  + TLS handshake on a fresh connection",
        format!("{:.2} s", link.handshake_time().as_secs_f64()),
    );
}

const USER: &str = "facilitator";

/// Douars of the demo commune (the projection checks them against the `douars` table).
const DOUARS: &[&str] = &[
    "centre",
    "letnine",
    "el-mjalaa",
    "ouled-skir",
    "el-jrif",
    "jorf-el-hammam",
    "idouz",
    "ait-abbou",
    "ait-el-haj-moussa",
    "ait-lami",
    "ait-chioukh",
    "ait-said",
    "el-boubira",
    "ait-ben-hammou",
    "agoudar",
    "el-korrass",
    "el-fayda",
    "el-kenna",
];

const PROBLEMS: &[&str] = &[
    "الطريق المؤدية إلى الدوار مقطوعة في فصل الشتاء",
    "غياب الماء الصالح للشرب في المنازل",
    "النساء يقطعن مسافات طويلة لجلب الماء من العين",
    "انعدام الإنارة العمومية في الأزقة",
    "المدرسة بعيدة والأطفال يمشون أكثر من خمسة كيلومترات",
    "المستوصف لا يتوفر على طبيب دائم",
    "غياب النقل المدرسي للفتيات بعد الابتدائي",
    "الواد يفيض ويعزل الدوار عن مركز الجماعة",
    "لا توجد قنوات للصرف الصحي",
    "النفايات ترمى قرب البيوت وفي مجرى الواد",
    "غياب دار الشباب وملعب القرب",
    "البطالة في صفوف الشباب حاملي الشهادات",
    "ضعف شبكة الهاتف والأنترنت",
    "الحافلة لا تمر إلا مرة واحدة في الأسبوع",
    "غياب سيارة الإسعاف والنساء الحوامل ينقلن على الدواب",
    "الفلاحون يعانون من قلة مياه السقي",
    "القنطرة قديمة ومهددة بالانهيار",
    "غياب تعاونية نسائية لتثمين المنتوجات المحلية",
    "الأشخاص في وضعية إعاقة لا يستطيعون الوصول إلى الإدارة",
    "الحجرات الدراسية مكتظة وفي حالة سيئة",
];

const SOLUTIONS: &[&str] = &[
    "تعبيد الطريق وبناء قنطرة على الواد",
    "ربط المنازل بشبكة الماء الصالح للشرب",
    "حفر بئر وتجهيزه بمضخة تعمل بالطاقة الشمسية",
    "تركيب أعمدة الإنارة العمومية بالطاقة الشمسية",
    "توفير النقل المدرسي وبناء دار الطالبة",
    "تعيين ممرضة دائمة وتجهيز المستوصف بالأدوية",
    "بناء ملعب للقرب ودار للشباب",
    "إنشاء مطرح مراقب وتوفير حاويات النفايات",
    "دعم التعاونيات النسائية بالتكوين والتجهيزات",
    "تهيئة الولوجيات في المرافق العمومية",
    "بناء سور واق من الفيضانات",
    "اقتناء سيارة إسعاف مشتركة مع الجماعات المجاورة",
    "برمجة دروس محو الأمية للنساء في المسجد",
    "إصلاح السواقي وبناء صهريج للسقي",
    "تقوية شبكة الهاتف بإضافة هوائي جديد",
];

const LINKS: &[&str] = &["، ", " و", "، كما أن ", "، خاصة ", " مع "];
const TAILS: &[&str] = &[
    "منذ سنوات",
    "في فصل الصيف",
    "حسب السكان",
    "وهذا يضر بالأطفال",
    "في أقرب الآجال",
];
const RAISED_BY: &[&str] = &[
    "",
    "الشابات",
    "النساء المسنات",
    "جمعية الدوار",
    "الفلاحات",
    "الأمهات",
];

/// A small deterministic generator (xorshift64*), so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

/// Arabic text of 60-200 characters built from field-like fragments.
fn text(rng: &mut Rng, fragments: &[&str]) -> String {
    let target = 60 + rng.below(141);
    let mut s = rng.pick(fragments).to_string();
    while s.chars().count() < target {
        let next = if rng.below(3) == 0 {
            rng.pick(TAILS)
        } else {
            rng.pick(fragments)
        };
        s.push_str(rng.pick(LINKS));
        s.push_str(next);
    }
    if s.chars().count() > 200 {
        let cut: String = s.chars().take(200).collect();
        s = match cut.rfind(' ') {
            Some(i) if cut[..i].chars().count() >= 60 => cut[..i].to_string(),
            _ => cut,
        };
    }
    s
}

fn proposal_input(rng: &mut Rng) -> ProposalInput {
    ProposalInput {
        problem: text(rng, PROBLEMS),
        solution: text(rng, SOLUTIONS),
        sector: Some(rng.pick(Sector::ALL)),
        douar_id: Some(rng.pick(DOUARS).to_string()),
        raised_by: rng.pick(RAISED_BY).to_string(),
    }
}

/// Fills a session as a facilitator would: one change per proposal, a few attendance counts.
fn populate(
    doc: &mut SessionDoc,
    ctx: &mut impl FnMut() -> EditCtx,
    rng: &mut Rng,
    proposals: usize,
) -> Vec<Uuid> {
    let ids = (0..proposals)
        .map(|_| {
            doc.add_proposal(&proposal_input(rng), &ctx())
                .expect("add proposal")
        })
        .collect();
    for c in [
        AttendanceCategory::Women,
        AttendanceCategory::Men,
        AttendanceCategory::YouthWomen,
        AttendanceCategory::YouthMen,
    ] {
        doc.add_attendance(c, 1 + rng.below(20) as i64, &ctx())
            .expect("attendance");
    }
    ids
}

fn new_populated_session(t: &mut Tablet, rng: &mut Rng, proposals: usize) -> Uuid {
    let id = t.new_session();
    let mut clock = t.ctx().now_ms;
    let user = t.user.clone();
    let mut ctx = move || {
        clock += 1000;
        EditCtx::new(user.clone(), clock)
    };
    populate(t.doc(id), &mut ctx, rng, proposals);
    id
}

fn add_proposals(t: &mut Tablet, id: Uuid, inputs: &[ProposalInput]) -> Vec<Uuid> {
    inputs
        .iter()
        .map(|input| {
            let ctx = t.ctx();
            t.doc(id).add_proposal(input, &ctx).expect("add proposal")
        })
        .collect()
}

/// HTTP like `HttpTransport`, but reading the answer as transmitted, so that the bytes on the
/// wire (after the server's gzip) are counted; it decompresses itself.
struct WireTransport {
    http: reqwest::Client,
    url: String,
    token: String,
    wire_up: usize,
    wire_down: usize,
}

impl WireTransport {
    fn new(app: &TestApp, token: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder().no_gzip().build()?,
            url: app.url("/api/sync"),
            token: token.into(),
            wire_up: 0,
            wire_down: 0,
        })
    }

    fn reset(&mut self) {
        self.wire_up = 0;
        self.wire_down = 0;
    }
}

impl Transport for WireTransport {
    type Error = String;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        self.wire_up += body.len();
        let r = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(ACCEPT_ENCODING, "gzip")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status();
        let gzipped = r
            .headers()
            .get(CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes() == b"gzip");
        let raw = r.bytes().await.map_err(|e| e.to_string())?;
        self.wire_down += raw.len();
        let body = if gzipped {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .map_err(|e| e.to_string())?;
            out
        } else {
            raw.to_vec()
        };
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
        }
        Ok(body)
    }
}

fn check(report: &SyncReport) -> anyhow::Result<()> {
    if let Some((id, reason)) = report.quarantined.iter().next() {
        return Err(anyhow!("document {id} quarantined: {reason}"));
    }
    Ok(())
}

async fn sync_wire(
    t: &mut Tablet,
    wire: &mut WireTransport,
) -> anyhow::Result<(SyncReport, Duration)> {
    wire.reset();
    let start = Instant::now();
    let report = t.sync_with(wire).await.map_err(|e| anyhow!("sync: {e}"))?;
    let elapsed = start.elapsed();
    check(&report)?;
    Ok((report, elapsed))
}

fn gzip(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    percentile(&v, 50.0)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn kib(n: usize) -> String {
    if n >= 10 * 1024 {
        format!("{n} B ({:.1} KiB)", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

fn section(title: &str) {
    println!();
    println!("{title}");
    println!("{}", "-".repeat(84));
}

/// One sync's figures against the gzip size of the same proposals as JSON.
fn print_delta(delta: &SyncReport, wire: (usize, usize), json_gz: usize, time: Duration) {
    row("  round trips", delta.round_trips);
    row("  bytes up (payload = wire)", kib(delta.bytes_up));
    row(
        "  bytes down payload / wire",
        format!("{} B / {} B", delta.bytes_down, wire.1),
    );
    row("  total on the wire (up + down)", kib(wire.0 + wire.1));
    row(
        "  ratio wire total / gzip JSON",
        format!("{:.2}", (wire.0 + wire.1) as f64 / json_gz as f64),
    );
    row(
        "  ratio payload total / gzip JSON",
        format!(
            "{:.2}",
            (delta.bytes_up + delta.bytes_down) as f64 / json_gz as f64
        ),
    );
    row("  wall time", ms(time));
}

fn row(label: &str, value: impl std::fmt::Display) {
    println!("  {label:<48} {value:>34}");
}

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

async fn run() -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Tachkhis sync benchmark");
    println!(
        "server on 127.0.0.1 (axum + SQLite WAL, synchronous=FULL, temp file); tablets in the same process; \
         tokio multi-thread runtime, {cores} worker threads"
    );
    println!(
        "payload = postcard body the engine counts; wire = HTTP body as sent (gzip if the server compressed it); headers excluded"
    );

    let app = spawn_app().await;
    let token = app.login(USER).await;
    let mut rng = Rng(0x7ac4_4155_2023_0001);

    // 1. A tablet holding 300 sessions: first full sync, then no-op syncs.
    let mut big = Tablet::new(USER);
    let setup = Instant::now();
    let big_ids: Vec<Uuid> = (0..BIG_TABLET_SESSIONS)
        .map(|_| new_populated_session(&mut big, &mut rng, PROPOSALS_PER_SESSION))
        .collect();
    let setup_time = setup.elapsed();
    let mut wire = WireTransport::new(&app, &token)?;
    let (first, first_time) = sync_wire(&mut big, &mut wire)
        .await
        .context("first full sync")?;
    let first_wire_down = wire.wire_down;
    let (noop, _) = sync_wire(&mut big, &mut wire).await.context("no-op sync")?;
    let noop_wire = (wire.wire_up, wire.wire_down);
    if !noop.changed.is_empty() {
        return Err(anyhow!(
            "the no-op sync changed {} documents",
            noop.changed.len()
        ));
    }
    let mut noop_times = Vec::with_capacity(NOOP_RUNS);
    for _ in 0..NOOP_RUNS {
        let (r, t) = sync_wire(&mut big, &mut wire).await?;
        if r.round_trips != noop.round_trips {
            return Err(anyhow!("a no-op sync took {} round trips", r.round_trips));
        }
        noop_times.push(t);
    }
    let mut sorted_noop = noop_times.clone();
    sorted_noop.sort_unstable();

    section(&format!(
        "1. Tablet holding {BIG_TABLET_SESSIONS} sessions ({PROPOSALS_PER_SESSION} proposals + 4 attendance counts each)"
    ));
    row("building the documents on the tablet", ms(setup_time));
    row("first full sync: round trips", first.round_trips);
    row(
        "first full sync: bytes up (payload = wire)",
        kib(first.bytes_up),
    );
    row("first full sync: bytes down payload", kib(first.bytes_down));
    row("first full sync: bytes down wire", kib(first_wire_down));
    row("first full sync: wall time", ms(first_time));
    row("no-op sync: round trips", noop.round_trips);
    row("no-op sync: bytes up (payload = wire)", kib(noop.bytes_up));
    row(
        "no-op sync: bytes up per document",
        format!("{:.1} B", noop.bytes_up as f64 / BIG_TABLET_SESSIONS as f64),
    );
    row(
        "no-op sync: bytes down payload / wire",
        format!("{} B / {} B", noop.bytes_down, noop_wire.1),
    );
    row(
        &format!("no-op sync: wall time, median of {NOOP_RUNS}"),
        ms(median(noop_times)),
    );
    row(
        "no-op sync: wall time, min / max",
        format!(
            "{} / {}",
            ms(sorted_noop[0]),
            ms(sorted_noop[NOOP_RUNS - 1])
        ),
    );

    // 2. 50 new proposals in one already-synced session: sync bytes against gzipped JSON.
    let inputs: Vec<ProposalInput> = (0..NEW_PROPOSALS)
        .map(|_| proposal_input(&mut rng))
        .collect();
    let mut one = Tablet::new(USER);
    let one_id = new_populated_session(&mut one, &mut rng, PROPOSALS_PER_SESSION);
    sync_wire(&mut one, &mut wire)
        .await
        .context("initial sync of the one-session tablet")?;
    let new_ids = add_proposals(&mut one, one_id, &inputs);
    let (delta, delta_time) = sync_wire(&mut one, &mut wire)
        .await
        .context("sync of 50 proposals")?;
    let delta_wire = (wire.wire_up, wire.wire_down);
    let session = one
        .doc(one_id)
        .read()
        .map_err(|e| anyhow!("read back: {e}"))?;
    let mut added: Vec<Proposal> = session
        .proposals
        .into_iter()
        .filter(|p| new_ids.contains(&p.id))
        .collect();
    added.sort_by_key(|p| new_ids.iter().position(|id| *id == p.id));
    if added.len() != NEW_PROPOSALS {
        return Err(anyhow!(
            "read back {} of the {NEW_PROPOSALS} proposals",
            added.len()
        ));
    }
    let json = serde_json::to_vec(&added)?;
    let json_gz = gzip(&json)?;
    let problem_chars: usize = inputs.iter().map(|i| i.problem.chars().count()).sum();
    let solution_chars: usize = inputs.iter().map(|i| i.solution.chars().count()).sum();

    // The same 50 proposals into one session of the 300-session tablet (the whole tablet syncs).
    add_proposals(&mut big, big_ids[BIG_TABLET_SESSIONS / 2], &inputs);
    let (big_delta, big_delta_time) = sync_wire(&mut big, &mut wire)
        .await
        .context("300-session tablet, 50 proposals")?;
    let big_delta_wire = (wire.wire_up, wire.wire_down);

    section(&format!(
        "2. Sync of {NEW_PROPOSALS} new proposals added to one already-synced session"
    ));
    row(
        "texts: mean chars problem / solution",
        format!(
            "{:.0} / {:.0}",
            problem_chars as f64 / NEW_PROPOSALS as f64,
            solution_chars as f64 / NEW_PROPOSALS as f64
        ),
    );
    row(
        "proposals as JSON (serde_json, read from the doc)",
        kib(json.len()),
    );
    row(
        "proposals as JSON, gzip (flate2 default level)",
        kib(json_gz.len()),
    );
    println!("  tablet holding only that session:");
    print_delta(&delta, delta_wire, json_gz.len(), delta_time);
    println!("  same 50 proposals, tablet holding {BIG_TABLET_SESSIONS} sessions:");
    print_delta(&big_delta, big_delta_wire, json_gz.len(), big_delta_time);

    // 3. 50 concurrent tablets, 5 synced sessions each.
    let mut tablets = Vec::with_capacity(TABLETS);
    for i in 0..TABLETS {
        let mut t = Tablet::new(USER);
        let ids: Vec<Uuid> = (0..SESSIONS_PER_TABLET)
            .map(|_| new_populated_session(&mut t, &mut rng, PROPOSALS_PER_SESSION))
            .collect();
        sync_wire(&mut t, &mut wire)
            .await
            .with_context(|| format!("initial sync of tablet {i}"))?;
        tablets.push((t, ids, Rng(0x5eed_0000 + i as u64 + 1)));
    }
    let (tablets, write_run) = concurrent(&app, &token, tablets, true).await?;
    let (_, read_run) = concurrent(&app, &token, tablets, false).await?;

    section(&format!(
        "3. {TABLETS} concurrent tablets ({SESSIONS_PER_TABLET} synced sessions each), {ITERATIONS} syncs per tablet"
    ));
    println!("  writing: add one proposal to one of its sessions, then sync");
    write_run.print();
    println!("  read-only: no-op syncs");
    read_run.print();

    // 4. One session document with 300 proposals.
    let ctx0 = EditCtx::new(USER, 1_657_800_000_000);
    let init = NewSession {
        pole_id: "pole-3".into(),
        douar_ids: vec!["idouz".into(), "ait-abbou".into()],
        group_kind: GroupKind::Women,
        date: "2022-07-14".into(),
        facilitators: "فاطمة، خديجة".into(),
    };
    let mut doc =
        SessionDoc::create(Uuid::new_v4(), &init, &ctx0, None).map_err(|e| anyhow!("{e}"))?;
    let mut clock = ctx0.now_ms;
    let mut ctx = move || {
        clock += 1000;
        EditCtx::new(USER, clock)
    };
    populate(&mut doc, &mut ctx, &mut rng, DOC_PROPOSALS);
    let mut am = doc.into_automerge();
    let bytes = am.save();
    let changes = am.get_changes(&[]).len();
    let mut load_times = Vec::with_capacity(DOC_RUNS);
    let mut save_times = Vec::with_capacity(DOC_RUNS);
    let mut read_times = Vec::with_capacity(DOC_RUNS);
    let mut saved_len = 0;
    for _ in 0..DOC_RUNS {
        let start = Instant::now();
        let mut loaded = AutoCommit::load(&bytes)?;
        load_times.push(start.elapsed());
        let start = Instant::now();
        saved_len = loaded.save().len();
        save_times.push(start.elapsed());
        let session = SessionDoc::from_automerge(loaded);
        let start = Instant::now();
        let s = session.read().map_err(|e| anyhow!("read: {e}"))?;
        read_times.push(start.elapsed());
        if s.proposals.len() != DOC_PROPOSALS {
            return Err(anyhow!("read {} proposals", s.proposals.len()));
        }
    }
    let session_json = serde_json::to_vec(
        &SessionDoc::load(&bytes, None)
            .map_err(|e| anyhow!("{e}"))?
            .read()?,
    )?;

    section(&format!(
        "4. Session document with {DOC_PROPOSALS} proposals ({changes} changes in its history)"
    ));
    row("saved size (AutoCommit::save)", kib(bytes.len()));
    row("saved size after a load/save round", kib(saved_len));
    row(
        "for scale: the session as JSON / gzip",
        format!(
            "{} / {}",
            kib(session_json.len()),
            kib(gzip(&session_json)?.len())
        ),
    );
    row(
        &format!("load (AutoCommit::load), median of {DOC_RUNS}"),
        ms(median(load_times)),
    );
    row(
        &format!("save (AutoCommit::save), median of {DOC_RUNS}"),
        ms(median(save_times)),
    );
    row(
        &format!("read + validate (SessionDoc::read), median of {DOC_RUNS}"),
        ms(median(read_times)),
    );

    // 5. A full day of field work over rural links.
    let mut json_day = None;
    let mut day_runs = Vec::new();
    for link in LINKS_SIMULATED {
        let mut t = Tablet::new(USER);
        let ids = day_of_work(&mut t, DAY_SEED);
        if json_day.is_none() {
            let sessions = ids
                .iter()
                .map(|id| t.doc(*id).read().map_err(|e| anyhow!("read: {e}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let proposals: usize = sessions.iter().map(|s| s.proposals.len()).sum();
            if proposals != DAY_SESSIONS * DAY_PROPOSALS_PER_SESSION {
                return Err(anyhow!("the day has {proposals} proposals"));
            }
            let json = serde_json::to_vec(&sessions)?;
            let gz = gzip(&json)?.len();
            json_day = Some((json.len(), gz));
        }
        let run = sync_day(&mut t, &mut wire, link)
            .await
            .with_context(|| format!("day of work over {}", link.name))?;
        let noop_run = sync_day(&mut t, &mut wire, link).await?;
        day_runs.push((link, run, noop_run));
    }
    // The same day on a tablet that already holds the campaign's 300 sessions.
    day_of_work(&mut big, DAY_SEED);
    let big_day = sync_day(&mut big, &mut wire, LINKS_SIMULATED[0])
        .await
        .context("day of work on the 300-session tablet")?;
    let (json_len, json_gz) = json_day.unwrap_or_default();

    section(&format!(
        "5. A full day of work: {DAY_SESSIONS} sessions x {DAY_PROPOSALS_PER_SESSION} proposals, attendance, votes, notes, closed"
    ));
    row("the day's sessions as JSON", kib(json_len));
    row("the day's sessions as JSON, gzip", kib(json_gz));
    for (link, run, noop_run) in &day_runs {
        println!("  over {}:", link.name);
        print_day(run, *link, json_gz);
        row(
            "  gzip JSON in one request, link time",
            format!("{:.2} s", link.exchange_time(json_gz, 0).as_secs_f64()),
        );
        row(
            "  next sync (nothing new): round trips / time",
            format!(
                "{} / {:.2} s",
                noop_run.report.round_trips,
                noop_run.elapsed.as_secs_f64()
            ),
        );
    }
    println!(
        "  same day, tablet also holding the campaign's {BIG_TABLET_SESSIONS} earlier sessions, over {}:",
        LINKS_SIMULATED[0].name
    );
    print_day(&big_day, LINKS_SIMULATED[0], json_gz);

    app.stop().await;
    Ok(())
}

struct RunStats {
    elapsed: Duration,
    syncs: usize,
    requests: u64,
    failures: usize,
    bytes: usize,
    latencies: Vec<Duration>,
}

impl RunStats {
    fn print(&self) {
        let secs = self.elapsed.as_secs_f64();
        let p = |q| ms(percentile(&self.latencies, q));
        row(
            "  syncs / failed",
            format!("{} / {}", self.syncs, self.failures),
        );
        row("  wall time", format!("{secs:.2} s"));
        row("  syncs/s", format!("{:.1}", self.syncs as f64 / secs));
        row("  HTTP requests (round trips)", self.requests);
        row(
            "  HTTP requests/s",
            format!("{:.1}", self.requests as f64 / secs),
        );
        row(
            "  round trips per sync (mean)",
            format!("{:.2}", self.requests as f64 / self.syncs.max(1) as f64),
        );
        row(
            "  payload per sync, up + down (mean)",
            format!("{:.0} B", self.bytes as f64 / self.syncs.max(1) as f64),
        );
        row(
            "  latency p50 / p95 / p99",
            format!("{} / {} / {}", p(50.0), p(95.0), p(99.0)),
        );
        row(
            "  latency max",
            ms(self.latencies.last().copied().unwrap_or_default()),
        );
    }
}

type TabletSet = Vec<(Tablet, Vec<Uuid>, Rng)>;

/// Runs every tablet in its own task for `ITERATIONS` syncs; with `write`, each sync follows
/// one new proposal. Returns the tablets (for the next run) and the figures.
async fn concurrent(
    app: &TestApp,
    token: &str,
    tablets: TabletSet,
    write: bool,
) -> anyhow::Result<(TabletSet, RunStats)> {
    let start = Instant::now();
    let handles: Vec<_> = tablets
        .into_iter()
        .map(|(mut t, ids, mut rng)| {
            let mut transport = HttpTransport {
                http: app.http.clone(),
                url: app.url("/api/sync"),
                token: token.into(),
            };
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(ITERATIONS);
                let (mut requests, mut failures, mut bytes) = (0u64, 0usize, 0usize);
                for i in 0..ITERATIONS {
                    if write {
                        let input = proposal_input(&mut rng);
                        let ctx = t.ctx();
                        t.doc(ids[i % ids.len()])
                            .add_proposal(&input, &ctx)
                            .expect("add proposal");
                    }
                    let s = Instant::now();
                    let result = t.sync_with(&mut transport).await;
                    latencies.push(s.elapsed());
                    match result {
                        Ok(r) if r.quarantined.is_empty() => {
                            requests += u64::from(r.round_trips);
                            bytes += r.bytes_up + r.bytes_down;
                        }
                        _ => failures += 1,
                    }
                }
                ((t, ids, rng), latencies, requests, failures, bytes)
            })
        })
        .collect();
    let mut back = Vec::with_capacity(handles.len());
    let mut stats = RunStats {
        elapsed: Duration::ZERO,
        syncs: 0,
        requests: 0,
        failures: 0,
        bytes: 0,
        latencies: Vec::new(),
    };
    for h in handles {
        let (tablet, latencies, requests, failures, bytes) = h.await?;
        back.push(tablet);
        stats.syncs += latencies.len();
        stats.latencies.extend(latencies);
        stats.requests += requests;
        stats.failures += failures;
        stats.bytes += bytes;
    }
    stats.elapsed = start.elapsed();
    stats.latencies.sort_unstable();
    Ok((back, stats))
}

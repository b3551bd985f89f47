//! The driver: runs a target's iterations in child processes (this same program, `child`
//! subcommand) and counts what happens.
//!
//! A child builds the target once, then for each iteration writes the input it is about to run
//! to its stdout (a small binary frame) before running it, and the outcome after. So when a
//! child dies (an allocation failure aborts the process; a hang is killed) the parent knows the
//! input that did it, saves it, counts a crash, and starts a new child at the next iteration.
//! Children run under an address-space limit, so an input asking for 16 GiB fails to allocate
//! instead of taking the machine's memory, and a fresh child (and database) every
//! `per_child` iterations keeps a long run's state bounded.

use std::{
    collections::{BTreeMap, VecDeque},
    io::{BufRead as _, BufReader, BufWriter, Read, Write},
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context as _, Result, bail};

use crate::{Outcome, rng::Rng, targets};

const TAG_READY: u8 = b'R';
const TAG_START: u8 = b'S';
const TAG_ACCEPTED: u8 = b'a';
const TAG_REFUSED: u8 = b'r';
const TAG_FAILURE: u8 = b'C';
const TAG_DONE: u8 = b'D';

const KIND_PANIC: u8 = 0;
const KIND_SERVER_ERROR: u8 = 1;
const KIND_BROKEN: u8 = 2;

/// Crash files kept per distinct failure, and per target in all.
const SAVED_PER_SIGNATURE: usize = 3;
const SAVED_PER_TARGET: usize = 60;

#[derive(Debug, Clone)]
pub struct Options {
    pub targets: Vec<String>,
    pub iterations: u64,
    pub seconds: Option<u64>,
    pub seed: u64,
    /// The first iteration (iteration numbers pick the inputs).
    pub start: u64,
    pub jobs: usize,
    /// Iterations per child process; `None`: the target's own ([`targets::per_child`]).
    pub per_child: Option<u64>,
    pub out: PathBuf,
    pub memory_limit_mb: u64,
    pub hang_secs: u64,
}

/// What happened to one target's run.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub target: String,
    pub iterations: u64,
    pub accepted: u64,
    pub refused: u64,
    /// Panics, aborts (the process died) and hangs.
    pub crashes: u64,
    /// 5xx answers (`AppError::Internal`, or a panic the server turned into a 500).
    pub server_errors: u64,
    /// Broken properties (round trips, idempotence).
    pub broken: u64,
    pub seconds: f64,
    pub peak_rss_kb: u64,
    pub children: u64,
    /// Distinct failures ("kind: first line") and how often each happened.
    pub failures: BTreeMap<String, u64>,
    pub saved: Vec<PathBuf>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.crashes + self.server_errors + self.broken > 0
    }

    pub fn execs_per_sec(&self) -> f64 {
        if self.seconds > 0.0 {
            self.iterations as f64 / self.seconds
        } else {
            0.0
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The child

fn vm_hwm_kb(status: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn frame(w: &mut impl Write, tag: u8, parts: &[&[u8]]) -> std::io::Result<()> {
    w.write_all(&[tag])?;
    for p in parts {
        w.write_all(p)?;
    }
    Ok(())
}

/// Runs iterations `start..start + count` of `target` and reports them on stdout. Stops early
/// at `until_ms` (Unix time in milliseconds).
pub fn child_main(
    target: &str,
    seed: u64,
    start: u64,
    count: u64,
    until_ms: Option<u64>,
    workdir: &Path,
) -> Result<()> {
    crate::quiet_panics();
    let mut t = targets::make(target, workdir)
        .with_context(|| format!("setting up the `{target}` target"))?;
    // TACHKHIS_FUZZ_SLOW_MS=N: say on stderr which iterations take N ms or more.
    let slow_ms: Option<u64> = std::env::var("TACHKHIS_FUZZ_SLOW_MS")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut out = BufWriter::new(std::io::stdout().lock());
    frame(&mut out, TAG_READY, &[])?;
    out.flush()?;
    for i in start..start.saturating_add(count) {
        if i % 32 == 0 && until_ms.is_some_and(|u| now_ms() >= u) {
            break;
        }
        let mut rng = Rng::for_iteration(seed, i);
        let input = catch_unwind(AssertUnwindSafe(|| t.generate(&mut rng))).map_err(|_| {
            anyhow::anyhow!(
                "the generator of `{target}` panicked at iteration {i}: {}",
                crate::take_panic().unwrap_or_default()
            )
        })?;
        frame(
            &mut out,
            TAG_START,
            &[
                &i.to_le_bytes(),
                &(input.len() as u32).to_le_bytes(),
                &input,
            ],
        )?;
        // The input must be out before it runs: it may kill this process.
        out.flush()?;
        crate::take_panic();
        let began = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| t.execute(&input)));
        if let Some(slow) = slow_ms {
            let took = began.elapsed().as_millis() as u64;
            if took >= slow {
                eprintln!(
                    "slow: iteration {i} took {took} ms ({} bytes, {:?})",
                    input.len(),
                    result.as_ref().map(|o| match o {
                        Outcome::Accepted => "accepted",
                        Outcome::Refused => "refused",
                        _ => "failed",
                    })
                );
            }
        }
        let failure = match result {
            Ok(Outcome::Accepted) => {
                frame(&mut out, TAG_ACCEPTED, &[])?;
                continue;
            }
            Ok(Outcome::Refused) => {
                frame(&mut out, TAG_REFUSED, &[])?;
                continue;
            }
            Ok(Outcome::ServerError(d)) => (KIND_SERVER_ERROR, d),
            Ok(Outcome::Broken(d)) => (KIND_BROKEN, d),
            Err(payload) => {
                let text = crate::take_panic()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into());
                (KIND_PANIC, text)
            }
        };
        let detail = failure.1.into_bytes();
        frame(
            &mut out,
            TAG_FAILURE,
            &[&[failure.0], &(detail.len() as u32).to_le_bytes(), &detail],
        )?;
    }
    let hwm = std::fs::read_to_string("/proc/self/status").map_or(0, |s| vm_hwm_kb(&s));
    frame(&mut out, TAG_DONE, &[&hwm.to_le_bytes()])?;
    out.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The parent

enum Event {
    Ready,
    Start(u64, Vec<u8>),
    Accepted,
    Refused,
    Failure(u8, String),
    Done(u64),
    Eof,
}

fn read_events(stdout: impl Read, tx: mpsc::Sender<Event>) {
    let mut r = BufReader::new(stdout);
    let mut read = |n: usize| -> Option<Vec<u8>> {
        let mut b = vec![0; n];
        r.read_exact(&mut b).ok().map(|_| b)
    };
    let u32_of = |b: Vec<u8>| u32::from_le_bytes(b.try_into().unwrap_or([0; 4])) as usize;
    let u64_of = |b: Vec<u8>| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    while let Some(tag) = read(1) {
        let event = match tag[0] {
            TAG_READY => Event::Ready,
            TAG_START => {
                let (Some(i), Some(n)) = (read(8), read(4)) else {
                    break;
                };
                let Some(input) = read(u32_of(n)) else { break };
                Event::Start(u64_of(i), input)
            }
            TAG_ACCEPTED => Event::Accepted,
            TAG_REFUSED => Event::Refused,
            TAG_FAILURE => {
                let (Some(k), Some(n)) = (read(1), read(4)) else {
                    break;
                };
                let Some(d) = read(u32_of(n)) else { break };
                Event::Failure(k[0], String::from_utf8_lossy(&d).into_owned())
            }
            TAG_DONE => {
                let Some(h) = read(8) else { break };
                Event::Done(u64_of(h))
            }
            _ => break,
        };
        if tx.send(event).is_err() {
            return;
        }
    }
    let _ = tx.send(Event::Eof);
}

/// Where children keep their databases: memory when there is a tmpfs (the sync target commits
/// every accepted message, and SQLite's `synchronous=FULL` would make a run of fsyncs).
fn scratch_root() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// One failure's short name: its kind and the line that tells it apart (the panic's place),
/// long numbers blanked so that one bug with different sizes counts as one.
fn signature(kind: &str, detail: &str) -> String {
    let line = detail
        .lines()
        .rev()
        .find(|l| l.contains("panicked at") || l.contains("memory allocation"))
        .or_else(|| detail.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("");
    let mut out = String::new();
    let mut digits = String::new();
    for c in line.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() > 4 {
            out.push('#');
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        out.push(c);
    }
    let short: String = out.trim().chars().take(160).collect();
    format!("{kind}: {short}")
}

struct Saver {
    dir: PathBuf,
    seed: u64,
    target: String,
}

impl Saver {
    fn save(
        &self,
        report: &mut Report,
        kind: &str,
        detail: &str,
        iteration: Option<u64>,
        input: Option<&[u8]>,
    ) {
        let sig = signature(kind, detail);
        let seen = report.failures.entry(sig.clone()).or_insert(0);
        *seen += 1;
        if *seen as usize > SAVED_PER_SIGNATURE || report.saved.len() >= SAVED_PER_TARGET {
            return;
        }
        let name = format!(
            "{}-{kind}-seed{}-iter{}",
            self.target,
            self.seed,
            iteration.map_or("-".into(), |i| i.to_string())
        );
        let bin = self.dir.join(format!("{name}.bin"));
        let txt = self.dir.join(format!("{name}.txt"));
        let input = input.unwrap_or_default();
        let hex: String = input
            .iter()
            .take(64 * 1024)
            .map(|b| format!("{b:02x}"))
            .collect();
        let note = format!(
            "target: {}\nkind: {kind}\nseed: {}\niteration: {}\ninput: {} bytes (in {})\n\
             replay: cargo run --release -p tachkhis-fuzz -- replay --target {} {}\n\
             regenerate: cargo run --release -p tachkhis-fuzz -- run --target {} --seed {} --start {} --iterations 1\n\n\
             {detail}\n\ninput (hex{}):\n{hex}\n",
            self.target,
            self.seed,
            iteration.map_or("-".into(), |i| i.to_string()),
            input.len(),
            bin.display(),
            self.target,
            bin.display(),
            self.target,
            self.seed,
            iteration.unwrap_or(0),
            if input.len() > 64 * 1024 {
                ", first 64 KiB"
            } else {
                ""
            },
        );
        if std::fs::create_dir_all(&self.dir).is_ok()
            && std::fs::write(&bin, input).is_ok()
            && std::fs::write(&txt, note).is_ok()
        {
            eprintln!(
                "fuzz {}: {sig} (iteration {}); saved {}",
                self.target,
                iteration.map_or("-".into(), |i| i.to_string()),
                txt.display()
            );
            report.saved.push(txt);
        }
    }
}

fn spawn_child(
    opts: &Options,
    target: &str,
    start: u64,
    count: u64,
    until_ms: Option<u64>,
    workdir: &Path,
) -> Result<Child> {
    let exe = std::env::current_exe().context("finding this program")?;
    let mut cmd = Command::new("sh");
    // The address-space limit turns a huge allocation into a failed one (an abort we count)
    // rather than gigabytes taken from a shared machine.
    cmd.arg("-c")
        .arg(format!(
            "ulimit -v {} 2>/dev/null; exec \"$0\" \"$@\"",
            opts.memory_limit_mb * 1024
        ))
        .arg(exe)
        .args(["child", "--target", target])
        .args(["--seed", &opts.seed.to_string()])
        .args(["--start", &start.to_string()])
        .args(["--count", &count.to_string()])
        .arg("--workdir")
        .arg(workdir);
    if let Some(u) = until_ms {
        cmd.args(["--until-ms", &u.to_string()]);
    }
    // glibc reserves 64 MiB of address space per arena; two are plenty for one thread at work.
    cmd.env("MALLOC_ARENA_MAX", "2")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().context("starting a fuzz child process")
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exited with code {c}"),
        (None, Some(6)) => {
            "killed by signal 6 (SIGABRT: an abort, e.g. a failed allocation)".into()
        }
        (None, Some(9)) => "killed by signal 9 (SIGKILL)".into(),
        (None, Some(11)) => "killed by signal 11 (SIGSEGV: a stack overflow or worse)".into(),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "ended".into(),
    }
}

fn lock(r: &Mutex<Report>) -> std::sync::MutexGuard<'_, Report> {
    r.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `range` of `target`'s iterations, child after child, into `report`.
fn run_range(
    opts: &Options,
    target: &str,
    range: std::ops::Range<u64>,
    deadline: Option<(Instant, u64)>,
    report: &Mutex<Report>,
    saver: &Saver,
) -> Result<()> {
    let hang = Duration::from_secs(opts.hang_secs);
    let mut next = range.start;
    while next < range.end {
        if deadline.is_some_and(|(d, _)| Instant::now() >= d) {
            break;
        }
        let count = opts
            .per_child
            .unwrap_or_else(|| targets::per_child(target))
            .min(range.end - next);
        let workdir = tempfile::Builder::new()
            .prefix("tachkhis-fuzz-")
            .tempdir_in(scratch_root())
            .context("creating a scratch folder")?;
        let mut child = spawn_child(
            opts,
            target,
            next,
            count,
            deadline.map(|(_, ms)| ms),
            workdir.path(),
        )?;
        lock(report).children += 1;
        let pid = child.id();
        let stdout = child.stdout.take().context("child stdout")?;
        let stderr = child.stderr.take().context("child stderr")?;
        let tail: Arc<Mutex<VecDeque<String>>> = Arc::default();
        let tail_w = Arc::clone(&tail);
        let err_thread = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // The first lines say why a process died ("memory allocation of … failed");
                // what follows is a backtrace.
                let mut t = tail_w.lock().unwrap_or_else(|p| p.into_inner());
                if t.len() < 24 {
                    t.push_back(line);
                }
            }
        });
        let (tx, rx) = mpsc::channel();
        let out_thread = std::thread::spawn(move || read_events(stdout, tx));

        let mut ready = false;
        let mut done = false;
        let mut hung = false;
        let mut current: Option<(u64, Vec<u8>)> = None;
        let mut finished_current = true;
        let mut last_event = Instant::now();
        let mut peak = 0;
        let setup_limit = Duration::from_secs(opts.hang_secs.max(120));
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(Event::Ready) => {
                    ready = true;
                    last_event = Instant::now();
                }
                Ok(Event::Start(i, input)) => {
                    current = Some((i, input));
                    finished_current = false;
                    last_event = Instant::now();
                    lock(report).iterations += 1;
                }
                Ok(Event::Accepted) => {
                    finished_current = true;
                    lock(report).accepted += 1;
                }
                Ok(Event::Refused) => {
                    finished_current = true;
                    lock(report).refused += 1;
                }
                Ok(Event::Failure(kind, detail)) => {
                    finished_current = true;
                    let mut r = lock(report);
                    let name = match kind {
                        KIND_PANIC => {
                            r.crashes += 1;
                            "panic"
                        }
                        KIND_SERVER_ERROR => {
                            r.server_errors += 1;
                            "5xx"
                        }
                        _ => {
                            r.broken += 1;
                            "broken"
                        }
                    };
                    let (i, input) = current
                        .as_ref()
                        .map_or((None, None), |(i, b)| (Some(*i), Some(b.as_slice())));
                    saver.save(&mut r, name, &detail, i, input);
                }
                Ok(Event::Done(hwm)) => {
                    done = true;
                    peak = peak.max(hwm);
                }
                Ok(Event::Eof) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                        peak = peak.max(vm_hwm_kb(&s));
                    }
                    let limit = if ready { hang } else { setup_limit };
                    if !hung && last_event.elapsed() > limit {
                        hung = true;
                        let _ = child.kill();
                    }
                }
            }
        }
        let status = child.wait().context("waiting for a fuzz child")?;
        let _ = out_thread.join();
        let _ = err_thread.join();
        drop(workdir);
        let stderr_tail = tail
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        let mut r = lock(report);
        r.peak_rss_kb = r.peak_rss_kb.max(peak);
        if done && status.success() {
            next = current
                .as_ref()
                .map_or(next + count, |(i, _)| i + 1)
                .max(next + 1);
            if deadline.is_some() && current.is_none() {
                break;
            }
            continue;
        }
        if !ready {
            bail!(
                "the `{target}` target could not start ({}):\n{stderr_tail}",
                describe_exit(status)
            );
        }
        let how = if hung {
            format!("no progress for {} s, killed", opts.hang_secs)
        } else {
            describe_exit(status)
        };
        let kind = if hung { "hang" } else { "abort" };
        match current {
            Some((i, input)) if !finished_current => {
                r.crashes += 1;
                let detail = format!("the child process {how}\n{stderr_tail}");
                saver.save(&mut r, kind, &detail, Some(i), Some(&input));
                next = i + 1;
            }
            other => {
                // Died between inputs: counted, and the run goes on after the last one.
                r.crashes += 1;
                let detail = format!("the child process {how} between inputs\n{stderr_tail}");
                saver.save(&mut r, kind, &detail, None, None);
                next = other.map_or(next + 1, |(i, _)| i + 1);
            }
        }
    }
    Ok(())
}

/// Runs every target of `opts` in turn; returns their reports.
pub fn run(opts: &Options) -> Result<Vec<Report>> {
    let mut reports = Vec::new();
    for target in &opts.targets {
        let started = Instant::now();
        let deadline = opts.seconds.map(|s| {
            (
                started + Duration::from_secs(s),
                now_ms() + s.saturating_mul(1000),
            )
        });
        let report = Mutex::new(Report {
            target: target.clone(),
            ..Report::default()
        });
        let saver = Saver {
            dir: opts.out.join(target),
            seed: opts.seed,
            target: target.clone(),
        };
        let planned = if opts.iterations >= u64::MAX / 8 {
            "iterations until the time is up".to_owned()
        } else {
            format!("{} iterations", opts.iterations)
        };
        eprintln!(
            "fuzz {target}: {} (seed {}, {planned}{}, {} job(s))",
            targets::describe(target),
            opts.seed,
            opts.seconds
                .map_or(String::new(), |s| format!(", at most {s} s")),
            opts.jobs
        );
        let jobs = opts.jobs.max(1) as u64;
        let per_job = opts.iterations.div_ceil(jobs);
        let finished = std::sync::atomic::AtomicBool::new(false);
        let results: Vec<Result<()>> = std::thread::scope(|s| {
            // A long run says how it is going every half minute.
            s.spawn(|| {
                let mut last = Instant::now();
                while !finished.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(250));
                    if last.elapsed() >= Duration::from_secs(30) {
                        last = Instant::now();
                        let r = lock(&report);
                        let secs = started.elapsed().as_secs_f64();
                        eprintln!(
                            "fuzz {target}: {} iterations in {secs:.0} s ({:.0}/s), {} crashes, {} 5xx, {} broken, peak RSS {:.1} MiB",
                            r.iterations,
                            r.iterations as f64 / secs,
                            r.crashes,
                            r.server_errors,
                            r.broken,
                            r.peak_rss_kb as f64 / 1024.0
                        );
                    }
                }
            });
            let handles: Vec<_> = (0..jobs)
                .map(|j| {
                    let first = opts.start.saturating_add(j * per_job);
                    let end = first
                        .saturating_add(per_job)
                        .min(opts.start.saturating_add(opts.iterations));
                    let start = first.min(end);
                    let (report, saver) = (&report, &saver);
                    s.spawn(move || run_range(opts, target, start..end, deadline, report, saver))
                })
                .collect();
            let results = handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a fuzz job panicked")))
                })
                .collect();
            finished.store(true, std::sync::atomic::Ordering::Relaxed);
            results
        });
        for r in results {
            r?;
        }
        let mut report = report.into_inner().unwrap_or_else(|p| p.into_inner());
        report.seconds = started.elapsed().as_secs_f64();
        reports.push(report);
    }
    Ok(reports)
}

/// The reports as a table, then each distinct failure with how often it happened.
pub fn format_reports(reports: &[Report]) -> String {
    let mut out = format!(
        "{:<8} {:>10} {:>9} {:>9} {:>7} {:>6} {:>6} {:>9} {:>9} {:>8}\n",
        "target",
        "iterations",
        "accepted",
        "refused",
        "crashes",
        "5xx",
        "broken",
        "execs/s",
        "peak RSS",
        "children"
    );
    for r in reports {
        out.push_str(&format!(
            "{:<8} {:>10} {:>9} {:>9} {:>7} {:>6} {:>6} {:>9.0} {:>6.1} MiB {:>8}\n",
            r.target,
            r.iterations,
            r.accepted,
            r.refused,
            r.crashes,
            r.server_errors,
            r.broken,
            r.execs_per_sec(),
            r.peak_rss_kb as f64 / 1024.0,
            r.children
        ));
    }
    for r in reports.iter().filter(|r| !r.failures.is_empty()) {
        out.push_str(&format!("\n{} failures:\n", r.target));
        for (sig, n) in &r.failures {
            out.push_str(&format!("  {n:>8} × {sig}\n"));
        }
        if let Some(dir) = r.saved.first().and_then(|p| p.parent()) {
            out.push_str(&format!("  inputs saved in {}\n", dir.display()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark() {
        let status = "Name:\tx\nVmPeak:\t  100 kB\nVmHWM:\t   5120 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(vm_hwm_kb(status), 5120);
        assert_eq!(vm_hwm_kb("nothing"), 0);
    }

    #[test]
    fn signatures_group_one_bug_whatever_its_sizes() {
        let a = signature(
            "abort",
            "the child process died\nmemory allocation of 17179869180 bytes failed",
        );
        let b = signature(
            "abort",
            "the child process died\nmemory allocation of 34359738360 bytes failed",
        );
        assert_eq!(a, b);
        assert_eq!(a, "abort: memory allocation of # bytes failed");
        let p = signature(
            "5xx",
            "HTTP 500: {}\nserver panic: panicked at src/sync/bloom.rs:74:17:\nremainder",
        );
        assert!(p.contains("bloom.rs:74:17"), "{p}");
    }
}

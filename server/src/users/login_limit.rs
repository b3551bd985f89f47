//! Password guessing, kept slow without ever locking anyone out, and kept off the sync path.
//!
//! Every login attempt first asks [`Logins::begin`]: an account (the username as typed) or a
//! client address that has failed more than its free attempts must wait, doubling with each
//! further failure up to a cap, and an attempt during the wait is refused at once (429, no
//! argon2 run, and it does not count). A success clears the account's streak. The cap is short
//! enough for a real user (a few minutes), so nobody can lock a facilitator out for good, and
//! the commune's tablets behind one address get many free attempts before their address waits.
//!
//! Password checks run outside the database's write lock (see `routes::auth`), on
//! `verify_slots` threads of their own at a lower scheduling priority (nice 10 on Linux): a
//! flood of logins gets the CPU that sync leaves, not the other way round. Failures go to `audit_log` in batches written by
//! one background task, at most one small transaction per `audit_flush`, and only the failures
//! that start a streak or double it (1st, 2nd, 4th, 8th…): a flood can neither stall sync with
//! writes nor bury the log.
//!
//! A refused attempt is answered after a pause of up to `refusal_pause` (1 s), so a flood
//! that waits for its answers stays slow even once every answer is a cheap 429.
//!
//! All state is in memory, bounded by `max_tracked` entries per table (the least recently
//! active is dropped when full), so random usernames cannot grow it without limit.

use std::{
    collections::HashMap,
    hash::Hash,
    net::{IpAddr, Ipv6Addr, SocketAddr},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    extract::{FromRequestParts, connect_info::Connected},
    http::{HeaderMap, request::Parts},
    serve::IncomingStream,
};
use tokio::sync::oneshot;

use crate::{AppState, db::now_secs, http::error::AppError};

/// Growing waits for one kind of key (accounts or addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures in a row that cost nothing.
    pub free_failures: u32,
    /// The wait after the first failure past the free ones; each further failure doubles it.
    pub first_wait: Duration,
    /// The longest wait, however many failures.
    pub max_wait: Duration,
    /// A streak with no failure for this long is forgotten.
    pub forget_after: Duration,
}

impl Backoff {
    /// The wait that follows the `failures`-th failure in a row, if any.
    pub fn wait_after(&self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.free_failures)?.checked_sub(1)?;
        let factor = 1u32.checked_shl(over.min(31)).unwrap_or(u32::MAX);
        Some(
            self.first_wait
                .checked_mul(factor)
                .unwrap_or(self.max_wait)
                .min(self.max_wait),
        )
    }
}

/// How logins are limited (part of [`crate::Config`]; tests use small values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLimits {
    pub account: Backoff,
    pub address: Backoff,
    /// Entries kept per table (accounts, addresses) at most.
    pub max_tracked: usize,
    /// Password checks (argon2, ~19 MiB and one core each) running at once at most: the
    /// number of checker threads.
    pub verify_slots: usize,
    /// After each check, its thread rests this share of the time the check took, in percent
    /// (100: busy half the time at most). argon2 fills caches and memory bandwidth that the other core shares,
    /// which a lower priority does not prevent; logins stay at tens a second.
    pub verify_rest_percent: u32,
    /// A refused attempt is answered after this pause (or its wait, if shorter): a client that
    /// waits for each answer, as a flood of logins does, then sends a few a second instead of
    /// thousands, and the pause holds no thread and no lock.
    pub refusal_pause: Duration,
    /// How often queued failures are written to `audit_log` (one transaction each time).
    pub audit_flush: Duration,
    /// Failures waiting to be written at most; past it they are only counted.
    pub max_queued_audits: usize,
    /// Take the client's address from the last `X-Forwarded-For` entry (the one the proxy in
    /// front of the server added) instead of the TCP peer. Only behind such a proxy: without
    /// one, anyone could pick their address with that header.
    pub trust_forwarded_for: bool,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            // A real person mistypes a few times; past that, 1 s doubling to 5 min: a guesser
            // gets about 12 tries an hour on an account, its owner waits at most 5 minutes.
            account: Backoff {
                free_failures: 5,
                first_wait: Duration::from_secs(1),
                max_wait: Duration::from_secs(5 * 60),
                forget_after: Duration::from_secs(24 * 3600),
            },
            // A commune's tablets often share one address: many more free failures before it
            // waits, and the same short cap, so a commune's office is never shut out.
            address: Backoff {
                free_failures: 20,
                first_wait: Duration::from_secs(1),
                max_wait: Duration::from_secs(5 * 60),
                forget_after: Duration::from_secs(3600),
            },
            max_tracked: 10_000,
            verify_slots: default_verify_slots(),
            verify_rest_percent: 100,
            refusal_pause: Duration::from_secs(1),
            audit_flush: Duration::from_secs(1),
            max_queued_audits: 1_000,
            trust_forwarded_for: false,
        }
    }
}

/// Half the cores (at least one): a flood of logins must leave the rest to sync.
fn default_verify_slots() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() / 2)
        .unwrap_or(1)
        .max(1)
}

/// The TCP peer of a connection (plain or TLS), given to handlers by `axum::serve` as
/// `ConnectInfo<PeerAddr>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

// One impl per listener the server uses: a generic one would overlap axum's own.
impl Connected<IncomingStream<'_, tokio::net::TcpListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

impl Connected<IncomingStream<'_, crate::tls::TlsListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, crate::tls::TlsListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// The client address a request counts against: an IPv4 address, or an IPv6 /64 (one
/// customer's network: a single machine has billions of addresses in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                ClientKey(IpAddr::V6(Ipv6Addr::new(
                    s[0], s[1], s[2], s[3], 0, 0, 0, 0,
                )))
            }
            v4 => ClientKey(v4),
        }
    }
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
            v4 => write!(f, "{v4}"),
        }
    }
}

/// The client address of a request: the TCP peer, or with `trust_forwarded_for` the proxy's
/// last `X-Forwarded-For` entry. A request served without connection info (a router driven
/// directly) counts as the unspecified address.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub ClientKey);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<PeerAddr>>()
            .map(|c| c.0.0.ip());
        let forwarded = state
            .config
            .login_limits
            .trust_forwarded_for
            .then(|| forwarded_for(&parts.headers))
            .flatten();
        let ip = forwarded
            .or(peer)
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        Ok(ClientAddr(ClientKey::of(ip)))
    }
}

/// The last address of the last `X-Forwarded-For` header: the one our proxy appended (those
/// before it were sent by the client and prove nothing).
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last.to_str().ok()?.rsplit(',').next()?.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[derive(Debug)]
struct Entry {
    failures: u32,
    /// Attempts begun and not yet settled.
    pending: u32,
    last_failure: Option<Instant>,
    blocked_until: Option<Instant>,
    touched: Instant,
}

/// Why an attempt is refused, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Account(Duration),
    Address(Duration),
}

impl Refusal {
    pub fn wait(self) -> Duration {
        match self {
            Refusal::Account(d) | Refusal::Address(d) => d,
        }
    }

    /// The same refusal, `elapsed` later.
    pub fn after(self, elapsed: Duration) -> Refusal {
        match self {
            Refusal::Account(d) => Refusal::Account(d.saturating_sub(elapsed)),
            Refusal::Address(d) => Refusal::Address(d.saturating_sub(elapsed)),
        }
    }
}

struct Table<K> {
    map: HashMap<K, Entry>,
    backoff: Backoff,
    max: usize,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new(backoff: Backoff, max: usize) -> Self {
        Self {
            map: HashMap::new(),
            backoff,
            max: max.max(1),
        }
    }

    fn forgotten(&self, e: &Entry, now: Instant) -> bool {
        e.pending == 0
            && e.blocked_until.is_none_or(|t| t <= now)
            && e.last_failure
                .is_none_or(|t| now.duration_since(t) >= self.backoff.forget_after)
    }

    /// Reserves an attempt for `key`, or says how long it must wait. Past the free failures,
    /// one attempt at a time: concurrent ones would all be checked before the first fails.
    fn begin(&mut self, key: &K, now: Instant) -> Result<(), Duration> {
        if let Some(e) = self.map.get(key)
            && self.forgotten(e, now)
        {
            self.map.remove(key);
        }
        if !self.map.contains_key(key) {
            self.make_room(now);
        }
        let backoff = self.backoff;
        let e = self.map.entry(key.clone()).or_insert(Entry {
            failures: 0,
            pending: 0,
            last_failure: None,
            blocked_until: None,
            touched: now,
        });
        if let Some(until) = e.blocked_until.filter(|t| *t > now) {
            return Err(until - now);
        }
        if e.pending > 0 && e.failures.saturating_add(e.pending) >= backoff.free_failures {
            return Err(backoff.first_wait.max(Duration::from_secs(1)));
        }
        e.pending += 1;
        e.touched = now;
        Ok(())
    }

    fn release(&mut self, key: &K) {
        if let Some(e) = self.map.get_mut(key) {
            e.pending = e.pending.saturating_sub(1);
            if e.pending == 0 && e.failures == 0 {
                self.map.remove(key);
            }
        }
    }

    /// Records a failure; returns the streak's length.
    fn fail(&mut self, key: &K, now: Instant) -> u32 {
        if !self.map.contains_key(key) {
            // Dropped to make room while the check ran: start again from this failure.
            self.make_room(now);
        }
        let backoff = self.backoff;
        let e = self.map.entry(key.clone()).or_insert(Entry {
            failures: 0,
            pending: 1,
            last_failure: None,
            blocked_until: None,
            touched: now,
        });
        e.pending = e.pending.saturating_sub(1);
        e.failures = e.failures.saturating_add(1);
        e.last_failure = Some(now);
        e.touched = now;
        e.blocked_until = backoff.wait_after(e.failures).map(|w| now + w);
        e.failures
    }

    fn clear(&mut self, key: &K) {
        self.map.remove(key);
    }

    /// Keeps the table under its bound: forgotten entries go first, then the least recently
    /// active one.
    fn make_room(&mut self, now: Instant) {
        if self.map.len() < self.max {
            return;
        }
        let backoff = self.backoff;
        self.map.retain(|_, e| {
            !(e.pending == 0
                && e.blocked_until.is_none_or(|t| t <= now)
                && e.last_failure
                    .is_none_or(|t| now.duration_since(t) >= backoff.forget_after))
        });
        while self.map.len() >= self.max {
            let Some(oldest) = self
                .map
                .iter()
                .min_by_key(|(_, e)| e.touched)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.map.remove(&oldest);
        }
    }
}

struct Tables {
    accounts: Table<String>,
    addresses: Table<ClientKey>,
}

/// A failed login waiting to be written to `audit_log`.
struct FailureRecord {
    at: i64,
    user_id: Option<i64>,
    username: String,
    address: ClientKey,
    account_streak: u32,
    address_streak: u32,
}

#[derive(Default)]
struct AuditQueue {
    records: Vec<FailureRecord>,
    /// Failures that should have been recorded but found the queue full.
    overflow: u64,
}

/// A password check waiting for a checker thread.
struct Check {
    password: String,
    hash: String,
    done: oneshot::Sender<bool>,
}

/// How much less the checker threads weigh than the rest with the kernel's scheduler (nice
/// 10: about a tenth of a normal thread's share when both want the CPU; all of it otherwise).
#[cfg(target_os = "linux")]
const CHECKER_NICE: i32 = 10;

fn lower_priority() {
    // On Linux the nice value belongs to the thread: only this checker thread is lowered.
    #[cfg(target_os = "linux")]
    if let Err(e) =
        rustix::process::setpriority_process(Some(rustix::thread::gettid()), CHECKER_NICE)
    {
        tracing::warn!(error = %e, "the password checker runs at normal priority");
    }
}

/// Starts `n` checker threads; they end when the returned sender is dropped (with its
/// server). None if no thread could be started.
fn start_checkers(n: usize, rest_percent: u32) -> Option<std::sync::mpsc::Sender<Check>> {
    let rest = f64::from(rest_percent.min(10_000)) / 100.0;
    let (tx, rx) = std::sync::mpsc::channel::<Check>();
    let rx = Arc::new(Mutex::new(rx));
    let mut started = 0;
    for i in 0..n.max(1) {
        let rx = rx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("password-check-{i}"))
            .spawn(move || {
                lower_priority();
                loop {
                    let next = lock(&rx).recv();
                    let Ok(check) = next else { return };
                    let started = Instant::now();
                    let ok = crate::users::auth::verify_password(&check.password, &check.hash);
                    let _ = check.done.send(ok);
                    std::thread::sleep(started.elapsed().mul_f64(rest));
                }
            });
        match spawned {
            Ok(_) => started += 1,
            Err(e) => tracing::error!(error = %e, "cannot start a password checker thread"),
        }
    }
    (started > 0).then_some(tx)
}

/// Login limiting for one server: the two tables, the checker threads, the audit queue.
pub struct Logins {
    limits: LoginLimits,
    tables: Mutex<Tables>,
    checkers: Option<std::sync::mpsc::Sender<Check>>,
    audits: Mutex<AuditQueue>,
    verifications: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here can be left half-updated by a panic worth refusing logins for.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An attempt that may go on: settle it with [`Attempt::failed`] or [`Attempt::succeeded`].
/// Dropped unsettled (the request was cancelled before an answer), it only frees its place.
pub struct Attempt {
    logins: Arc<Logins>,
    account: Option<String>,
    address: ClientKey,
    settled: bool,
}

/// Sizes of the in-memory state, for tests and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    pub accounts: usize,
    pub addresses: usize,
}

impl Logins {
    pub fn new(limits: LoginLimits) -> Arc<Self> {
        Arc::new(Self {
            tables: Mutex::new(Tables {
                accounts: Table::new(limits.account, limits.max_tracked),
                addresses: Table::new(limits.address, limits.max_tracked),
            }),
            checkers: start_checkers(limits.verify_slots, limits.verify_rest_percent),
            audits: Mutex::new(AuditQueue::default()),
            verifications: AtomicU64::new(0),
            limits,
        })
    }

    /// Asks whether a login may be tried now. `account` is None for a username that cannot
    /// exist (refused without a password check; it still counts against the address).
    pub fn begin(
        self: &Arc<Self>,
        account: Option<&str>,
        address: ClientKey,
    ) -> Result<Attempt, Refusal> {
        let now = Instant::now();
        let mut t = lock(&self.tables);
        t.addresses.begin(&address, now).map_err(Refusal::Address)?;
        if let Some(name) = account
            && let Err(wait) = t.accounts.begin(&name.to_string(), now)
        {
            t.addresses.release(&address);
            return Err(Refusal::Account(wait));
        }
        Ok(Attempt {
            logins: self.clone(),
            account: account.map(str::to_string),
            address,
            settled: false,
        })
    }

    /// Checks `password` against `hash` on a checker thread (queued while they are busy). A
    /// queued check runs even if the request is cancelled: the threads bound the work, not
    /// the callers.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, AppError> {
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let Some(checkers) = &self.checkers else {
            // No checker thread could be started: the blocking pool, unbounded but working.
            return Ok(tokio::task::spawn_blocking(move || {
                crate::users::auth::verify_password(&password, &hash)
            })
            .await?);
        };
        let (done, outcome) = oneshot::channel();
        checkers
            .send(Check {
                password,
                hash,
                done,
            })
            .map_err(|_| AppError::internal("the password checkers stopped"))?;
        outcome
            .await
            .map_err(|_| AppError::internal("a password check did not finish"))
    }

    /// Password checks started since the server started.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    pub fn tracked(&self) -> Tracked {
        let t = lock(&self.tables);
        Tracked {
            accounts: t.accounts.map.len(),
            addresses: t.addresses.map.len(),
        }
    }

    pub fn limits(&self) -> &LoginLimits {
        &self.limits
    }

    fn queue_audit(&self, record: FailureRecord) {
        let mut q = lock(&self.audits);
        if q.records.len() < self.limits.max_queued_audits {
            q.records.push(record);
        } else {
            q.overflow += 1;
        }
    }

    /// Writes the queued failures in one transaction. Returns how many rows were written.
    pub async fn flush_audits(&self, db: &crate::Db) -> Result<usize, AppError> {
        let (records, overflow) = {
            let mut q = lock(&self.audits);
            (
                std::mem::take(&mut q.records),
                std::mem::take(&mut q.overflow),
            )
        };
        if records.is_empty() && overflow == 0 {
            return Ok(0);
        }
        let n = records.len() + usize::from(overflow > 0);
        db.write(move |tx| {
            for r in &records {
                let detail = format!(
                    "from {}; failure {} in a row for this username, {} from this address",
                    r.address, r.account_streak, r.address_streak
                );
                crate::users::auth::audit_at(
                    tx,
                    r.at,
                    r.user_id,
                    "login.failed",
                    Some(&r.username),
                    Some(&detail),
                )?;
            }
            if overflow > 0 {
                crate::users::auth::audit_at(
                    tx,
                    now_secs(),
                    None,
                    "login.failed",
                    None,
                    Some(&format!(
                        "{overflow} more failed logins not recorded one by one (too many at once)"
                    )),
                )?;
            }
            Ok(())
        })
        .await?;
        Ok(n)
    }

    /// Writes queued failures every `audit_flush` until the server stops.
    pub async fn audit_writer(self: Arc<Self>, db: crate::Db) {
        let mut tick =
            tokio::time::interval(self.limits.audit_flush.max(Duration::from_millis(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.flush_audits(&db).await {
                tracing::warn!(error = %e, "failed logins could not be audited");
            }
        }
    }
}

fn is_streak_mark(n: u32) -> bool {
    n.is_power_of_two()
}

impl Attempt {
    /// Records a wrong password (or unknown or disabled user). `user_id` is the account's when
    /// it exists, for the audit log.
    pub fn failed(mut self, user_id: Option<i64>, username: &str) {
        self.settled = true;
        let now = Instant::now();
        let (account_streak, address_streak) = {
            let mut t = lock(&self.logins.tables);
            let account = self
                .account
                .as_ref()
                .map_or(0, |name| t.accounts.fail(name, now));
            (account, t.addresses.fail(&self.address, now))
        };
        if is_streak_mark(account_streak) || is_streak_mark(address_streak) {
            self.logins.queue_audit(FailureRecord {
                at: now_secs(),
                user_id,
                username: username
                    .chars()
                    .take(crate::users::auth::MAX_USERNAME_CHARS)
                    .collect(),
                address: self.address,
                account_streak,
                address_streak,
            });
        }
    }

    /// A right password: the account's streak ends. The address's failures stay (a guesser
    /// with one account of their own must not be able to wipe them by logging in).
    pub fn succeeded(mut self) {
        self.settled = true;
        let mut t = lock(&self.logins.tables);
        if let Some(name) = &self.account {
            t.accounts.clear(name);
        }
        t.addresses.release(&self.address);
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let mut t = lock(&self.logins.tables);
        if let Some(name) = &self.account {
            t.accounts.release(name);
        }
        t.addresses.release(&self.address);
    }
}

/// "5 minutes", "40 seconds": how a wait reads in an error message.
pub fn wait_in_words(wait: Duration) -> String {
    let secs = retry_after_secs(wait);
    if secs < 60 {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        let minutes = secs.div_ceil(60);
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    }
}

/// Whole seconds for `Retry-After`, rounded up (a client that waits this long is let in), at
/// least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff() -> Backoff {
        Backoff {
            free_failures: 2,
            first_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(10),
            forget_after: Duration::from_secs(60),
        }
    }

    #[test]
    fn waits_double_up_to_the_cap() {
        let b = backoff();
        let waits: Vec<_> = (1..=8)
            .map(|n| b.wait_after(n).map(|d| d.as_secs()))
            .collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(10),
                Some(10)
            ]
        );
        assert_eq!(b.wait_after(u32::MAX), Some(Duration::from_secs(10)));
    }

    #[test]
    fn a_table_refuses_during_the_wait_and_forgets_after() {
        let mut t = Table::new(backoff(), 100);
        let k = "a".to_string();
        let t0 = Instant::now();
        for _ in 0..3 {
            t.begin(&k, t0).unwrap();
            t.fail(&k, t0);
        }
        assert_eq!(t.begin(&k, t0), Err(Duration::from_secs(1)));
        t.begin(&k, t0 + Duration::from_secs(1)).unwrap();
        t.fail(&k, t0 + Duration::from_secs(1));
        assert_eq!(
            t.begin(&k, t0 + Duration::from_secs(2)),
            Err(Duration::from_secs(1))
        );
        // A quiet streak is forgotten: free attempts again.
        let later = t0 + Duration::from_secs(200);
        t.begin(&k, later).unwrap();
        assert_eq!(t.fail(&k, later), 1);
    }

    #[test]
    fn past_the_free_failures_one_attempt_at_a_time() {
        let mut t = Table::new(backoff(), 100);
        let k = "a".to_string();
        let now = Instant::now();
        t.begin(&k, now).unwrap();
        t.begin(&k, now).unwrap();
        assert!(
            t.begin(&k, now).is_err(),
            "a third concurrent attempt waits"
        );
        t.release(&k);
        t.release(&k);
        assert!(
            t.map.is_empty(),
            "settled attempts with no failure leave nothing"
        );
    }

    #[test]
    fn tables_stay_within_their_bound() {
        let mut t = Table::new(backoff(), 50);
        let now = Instant::now();
        for i in 0..10_000 {
            let k = format!("user{i}");
            t.begin(&k, now).unwrap();
            t.fail(&k, now);
            assert!(t.map.len() <= 50);
        }
    }

    #[test]
    fn ipv6_counts_by_64_and_mapped_ipv4_as_ipv4() {
        let a = ClientKey::of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientKey::of("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "2001:db8:1:2::/64");
        assert_eq!(
            ClientKey::of("::ffff:192.0.2.7".parse().unwrap()),
            ClientKey::of("192.0.2.7".parse().unwrap())
        );
    }

    #[test]
    fn forwarded_for_takes_the_proxys_entry() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "6.6.6.6, 10.0.0.1".parse().unwrap());
        h.append("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert_eq!(forwarded_for(&h), Some("203.0.113.9".parse().unwrap()));
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "nonsense".parse().unwrap());
        assert_eq!(forwarded_for(&h), None);
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(wait_in_words(Duration::from_millis(200)), "1 second");
        assert_eq!(wait_in_words(Duration::from_secs(59)), "59 seconds");
        assert_eq!(wait_in_words(Duration::from_secs(61)), "2 minutes");
    }
}

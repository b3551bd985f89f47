//! What the screens show about sync and storage: each document's state, the refusals the
//! tablet keeps, the last run's problem, and the storage warning.

use super::*;

/// The server refused a session as the tablet held it then (a 4xx naming it): sending it again
/// unchanged, from the same app, would only meet the same refusal (every minute, forever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The session's heads when it was sent ([`heads_key`]): a change since (an edit here, a
    /// merge from another tablet or tab) may make it acceptable.
    pub heads: String,
    /// The app build that sent it ([`current_build`]): a new release may send it differently.
    pub build: Option<String>,
}

/// Heads as one string, the same whatever their order (plain text: cheaper to store through
/// serde than a list of hashes).
pub(super) fn heads_key(heads: &[ChangeHash]) -> String {
    let mut heads = heads.to_vec();
    tachkhis_shared::sort::sort(&mut heads);
    let mut key = String::with_capacity(heads.len() * 64);
    for byte in heads.iter().flat_map(|h| h.0) {
        for nibble in [byte >> 4, byte & 0xf] {
            key.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    key
}

impl Refusal {
    pub(super) fn new(heads: &[ChangeHash], build: Option<&str>) -> Refusal {
        Refusal {
            heads: heads_key(heads),
            build: build.map(str::to_string),
        }
    }

    /// True while the session is as it was refused, in the build that sent it.
    pub fn holds(&self, heads: &[ChangeHash], build: Option<&str>) -> bool {
        self.build.as_deref() == build && self.heads == heads_key(heads)
    }
}

/// The wasm custom section where `cargo xtask build-client` writes the build id (the same id
/// names the service worker's cache).
pub(super) const BUILD_SECTION: &str = "tachkhis_build";

/// The build id of the running app, read from its own wasm module; `None` in a build that was
/// not made by xtask.
pub fn current_build() -> Option<String> {
    let module = wasm_bindgen::module()
        .dyn_into::<js_sys::WebAssembly::Module>()
        .ok()?;
    let section = js_sys::WebAssembly::Module::custom_sections(&module, BUILD_SECTION).get(0);
    if section.is_undefined() {
        return None;
    }
    String::from_utf8(js_sys::Uint8Array::new(&section).to_vec()).ok()
}

/// Why one session could not be sent or kept as it should.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocProblem {
    /// The server refused this session (a 4xx naming it). The automatic sync leaves it aside
    /// while the refusal [holds](Refusal::holds); the facilitator can export it or ask to try
    /// again.
    Refused(Refusal),
    /// The server stored it but set it aside: it does not follow the session form.
    Quarantined { reason: String },
    /// Writing it to the tablet's storage failed.
    SaveFailed,
    /// The bytes on the tablet could not be read (not persisted: found again at each start).
    #[serde(skip)]
    Unreadable,
}

/// The problems as stored, and as earlier versions stored them.
#[derive(Deserialize)]
pub(super) enum StoredProblem {
    Refused(Refusal),
    Quarantined {
        reason: String,
    },
    SaveFailed,
    /// Earlier versions marked a refusal for one run only: read as nothing, so the session is
    /// tried again (once) by this version.
    Rejected,
}

impl StoredProblem {
    pub(super) fn problem(self) -> Option<DocProblem> {
        match self {
            StoredProblem::Refused(r) => Some(DocProblem::Refused(r)),
            StoredProblem::Quarantined { reason } => Some(DocProblem::Quarantined { reason }),
            StoredProblem::SaveFailed => Some(DocProblem::SaveFailed),
            StoredProblem::Rejected => None,
        }
    }
}

/// Why the last sync run did not finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProblem {
    Offline,
    AuthExpired,
    /// An administrator disconnected this tablet: no sync until a new login is accepted.
    Revoked,
    Forbidden,
    Server,
    Incomplete,
    Storage,
}

impl SyncProblem {
    pub(super) fn from_http(e: &HttpError) -> Self {
        match e {
            HttpError::Offline => SyncProblem::Offline,
            HttpError::Unauthorized => SyncProblem::AuthExpired,
            HttpError::Revoked => SyncProblem::Revoked,
            HttpError::Forbidden => SyncProblem::Forbidden,
            HttpError::BadDoc(_) | HttpError::Server(_) => SyncProblem::Server,
            HttpError::Unreadable(_) => SyncProblem::Incomplete,
        }
    }

    /// The catalogue key of the sentence shown.
    pub fn message_key(self) -> &'static str {
        match self {
            SyncProblem::Offline => "sync.problem.offline",
            SyncProblem::AuthExpired => "sync.problem.auth",
            SyncProblem::Revoked => "sync.problem.revoked",
            SyncProblem::Forbidden => "sync.problem.forbidden",
            SyncProblem::Server => "sync.problem.server",
            SyncProblem::Incomplete => "sync.problem.incomplete",
            SyncProblem::Storage => "sync.problem.storage",
        }
    }

    /// Problems that may go away by themselves (the network, the server), worth trying again
    /// later; the others need a person.
    pub fn retries(self) -> bool {
        matches!(
            self,
            SyncProblem::Offline
                | SyncProblem::Server
                | SyncProblem::Incomplete
                | SyncProblem::Storage
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStatus {
    pub running: bool,
    /// (documents settled, documents in all) while running.
    pub progress: Option<(usize, usize)>,
    /// The outcome of the last run that did not succeed; cleared by a successful one.
    pub problem: Option<SyncProblem>,
    /// When the next automatic try after a failure is due (ms since the epoch).
    pub next_retry: Option<f64>,
    /// The server's clock minus this tablet's (ms), as the last run that reached the server
    /// measured it; kept through failed runs (the clock does not mend itself offline).
    pub clock_offset: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SaveStatus {
    /// Writes started and not yet committed.
    pub pending: u32,
    pub failed: bool,
    pub last_saved: Option<f64>,
}

/// Where one session stands with the server.
#[derive(Debug, Clone, PartialEq)]
pub enum DocSync {
    /// Saved on this tablet only: the server is not known to hold any of it.
    Local,
    /// The server holds part of it; the changes since are on this tablet only.
    Partial,
    /// The server holds everything this tablet holds.
    Synced,
    Problem(DocProblem),
}

impl DocSync {
    /// Refused by the server as it is now: left aside by the automatic sync.
    pub fn refused(&self) -> bool {
        matches!(self, DocSync::Problem(DocProblem::Refused(_)))
    }
}

/// Warn when less than this is left for the tablet's data…
pub(super) const SPACE_MIN_BYTES: f64 = 50.0 * 1024.0 * 1024.0;
/// …or less than this share of what the browser grants.
pub(super) const SPACE_MIN_SHARE: f64 = 0.10;

/// True when the space left (`quota - usage`, as `navigator.storage.estimate()` reports them)
/// is under 50 MB or under 10 % of the quota. A browser that reports no quota says nothing.
pub fn storage_is_short(usage: f64, quota: f64) -> bool {
    if !(quota.is_finite() && usage.is_finite()) || quota <= 0.0 {
        return false;
    }
    let free = (quota - usage).max(0.0);
    free < SPACE_MIN_BYTES || free < quota * SPACE_MIN_SHARE
}

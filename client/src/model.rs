//! The tablet's state: session documents, their sync states, the login and the reference data,
//! all mirrored from IndexedDB, and the sync loop.
//!
//! Every change goes: one `SessionDoc` method → `save()` → IndexedDB → only then confirmed.
//! The screens read from here and re-render when [`Model::notify`] is called.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use automerge::ChangeHash;
use gloo_timers::callback::Timeout;
use serde::{Deserialize, Serialize};
use tachkhis_shared::api::{LoginResponse, Role};
use tachkhis_shared::bundle::{self, BundleError, Incoming};
use tachkhis_shared::reference::Reference;
use tachkhis_shared::session::{DocError, EditCtx, NewSession, Session, SessionDoc};
use tachkhis_shared::sync::{
    ClientDoc, Progress, SyncError, SyncReport, decode_state, encode_state, is_synced,
    run_client_sync,
};
use uuid::Uuid;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent};
use yew::Callback;

use crate::api::{self, HttpError, HttpTransport};
use crate::i18n::Lang;
use crate::retry;
use crate::storage::{self, Store, StoreError, keys};

/// The channel the app's tabs announce their writes on.
const CHANNEL: &str = "tachkhis-docs";

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The login kept on the tablet; the app works offline with it until the server refuses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Auth {
    pub token: String,
    pub username: String,
    pub role: Role,
    pub expires_at: i64,
}

impl From<LoginResponse> for Auth {
    fn from(r: LoginResponse) -> Self {
        Auth {
            token: r.token,
            username: r.username,
            role: r.role,
            expires_at: r.expires_at,
        }
    }
}

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
fn heads_key(heads: &[ChangeHash]) -> String {
    let mut heads = heads.to_vec();
    heads.sort_unstable();
    let mut key = String::with_capacity(heads.len() * 64);
    for byte in heads.iter().flat_map(|h| h.0) {
        for nibble in [byte >> 4, byte & 0xf] {
            key.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    key
}

impl Refusal {
    fn new(heads: &[ChangeHash], build: Option<&str>) -> Refusal {
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
const BUILD_SECTION: &str = "tachkhis_build";

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
enum StoredProblem {
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
    fn problem(self) -> Option<DocProblem> {
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
    fn from_http(e: &HttpError) -> Self {
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

/// One session as the screens show it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub id: Uuid,
    /// `None` when the document breaks the session form.
    pub session: Option<Rc<Session>>,
    pub sync: DocSync,
}

#[derive(Debug)]
pub enum EditError {
    /// The input was refused (empty proposal, bad date…): nothing changed.
    Invalid(DocError),
    UnknownSession,
    /// The change is made but could not be written to the tablet's storage.
    Storage(StoreError),
}

/// Warn when less than this is left for the tablet's data…
const SPACE_MIN_BYTES: f64 = 50.0 * 1024.0 * 1024.0;
/// …or less than this share of what the browser grants.
const SPACE_MIN_SHARE: f64 = 0.10;

/// True when the space left (`quota - usage`, as `navigator.storage.estimate()` reports them)
/// is under 50 MB or under 10 % of the quota. A browser that reports no quota says nothing.
pub fn storage_is_short(usage: f64, quota: f64) -> bool {
    if !(quota.is_finite() && usage.is_finite()) || quota <= 0.0 {
        return false;
    }
    let free = (quota - usage).max(0.0);
    free < SPACE_MIN_BYTES || free < quota * SPACE_MIN_SHARE
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Sessions this tablet did not have.
    pub added: usize,
    /// Sessions it had, which gained changes from the file.
    pub merged: usize,
    /// Sessions it had with everything the file holds already.
    pub unchanged: usize,
    /// The session to open when the file held exactly one.
    pub single: Option<Uuid>,
}

#[derive(Debug)]
pub enum ImportError {
    /// The file or code was refused: nothing stored.
    Bundle(BundleError),
    /// Merged on screen but not written to the tablet's storage.
    Storage(StoreError),
}

impl ImportError {
    /// The catalogue key of the sentence shown.
    pub fn message_key(&self) -> &'static str {
        match self {
            ImportError::Bundle(BundleError::NotABundle) => "import.error.not_a_file",
            ImportError::Bundle(BundleError::NotACode) => "import.error.not_a_code",
            ImportError::Bundle(BundleError::UnknownVersion(_)) => "import.error.newer",
            ImportError::Bundle(BundleError::Empty) => "import.error.empty",
            ImportError::Bundle(BundleError::BadDocument { .. }) => "import.error.bad_session",
            ImportError::Bundle(
                BundleError::Damaged(_) | BundleError::TooMany(_) | BundleError::Duplicate(_),
            ) => "import.error.damaged",
            ImportError::Storage(_) => "import.error.storage",
        }
    }
}

/// One session on this tablet. (A list, not a map: a tablet holds tens of sessions, and each
/// map type would add its own code to the bundle.)
struct Entry {
    id: Uuid,
    /// `None` when the stored bytes could not be loaded.
    doc: Option<SessionDoc>,
    /// The encoded sync state with the server, as persisted.
    state: Option<Vec<u8>>,
    problem: Option<DocProblem>,
    /// The session as last read, and the heads it was read at (reading a document on every
    /// render of the list would cost more than a clone of the result).
    cache: Option<(Vec<ChangeHash>, Option<Rc<Session>>)>,
}

impl Entry {
    /// True when the server refused this session as it is now, in this build: the automatic
    /// sync leaves it aside.
    fn refused(&mut self, build: Option<&str>) -> bool {
        match (&self.problem, self.doc.as_mut()) {
            (Some(DocProblem::Refused(r)), Some(doc)) => r.holds(&doc.heads(), build),
            _ => false,
        }
    }

    fn view(&mut self, build: Option<&str>) -> SessionView {
        let Some(doc) = self.doc.as_mut() else {
            return SessionView {
                id: self.id,
                session: None,
                sync: DocSync::Problem(DocProblem::Unreadable),
            };
        };
        let heads = doc.heads();
        // A refusal that no longer holds (the session changed, or the app did) is not shown:
        // the next run sends the session again.
        let problem = match &self.problem {
            Some(DocProblem::Refused(r)) if !r.holds(&heads, build) => None,
            other => other.clone(),
        };
        let session = match &self.cache {
            Some((at, session)) if *at == heads => session.clone(),
            _ => {
                let session = doc.read().ok().map(Rc::new);
                self.cache = Some((heads, session.clone()));
                session
            }
        };
        let sync = match (&session, problem) {
            (_, Some(p)) => DocSync::Problem(p),
            (None, None) => DocSync::Problem(DocProblem::Unreadable),
            (Some(_), None) => {
                let state = decode_state(self.state.as_deref());
                if is_synced(doc.automerge_mut(), &state) {
                    DocSync::Synced
                } else if state.shared_heads.is_empty() {
                    DocSync::Local
                } else {
                    DocSync::Partial
                }
            }
        };
        SessionView {
            id: self.id,
            session,
            sync,
        }
    }
}

fn find(entries: &mut [Entry], id: Uuid) -> Option<&mut Entry> {
    entries.iter_mut().find(|e| e.id == id)
}

pub struct Model {
    store: Store,
    pub device_id: Uuid,
    /// This app's build ([`current_build`]), read once: the code running does not change.
    build: Option<String>,
    entries: RefCell<Vec<Entry>>,
    auth: RefCell<Option<Auth>>,
    reference: RefCell<Option<Rc<Reference>>>,
    last_sync: Cell<Option<f64>>,
    lang: Cell<Lang>,
    sync: RefCell<SyncStatus>,
    sync_again: Cell<bool>,
    save: RefCell<SaveStatus>,
    persist_refused: Cell<bool>,
    /// Free space (bytes) when the browser reports it short (see [`storage_is_short`]).
    space_short: Cell<Option<f64>>,
    /// Failed runs in a row, for the back-off; 0 after a success.
    failures: Cell<u32>,
    retry_timer: RefCell<Option<Timeout>>,
    notifier: RefCell<Option<Callback<()>>>,
    /// Tells the app's other tabs which document was written (see [`Model::listen_to_other_tabs`]).
    channel: Option<BroadcastChannel>,
}

impl Model {
    /// Opens the database and reads everything; creates the device id on first start.
    pub async fn load() -> Result<Model, StoreError> {
        let store = Store::open().await?;
        let loaded = store.load_all().await?;
        let settings = &loaded.settings;
        let device_id = match storage::setting::<Uuid>(settings, keys::DEVICE_ID) {
            Some(id) => id,
            None => {
                let id = Uuid::new_v4();
                store.put_setting(keys::DEVICE_ID, &id).await?;
                id
            }
        };
        let problems: Vec<(Uuid, StoredProblem)> =
            storage::setting(settings, keys::DOC_PROBLEMS).unwrap_or_default();
        let mut problems: Vec<(Uuid, DocProblem)> = problems
            .into_iter()
            .filter_map(|(id, p)| Some((id, p.problem()?)))
            .collect();
        let entries = loaded
            .docs
            .into_iter()
            .map(|(id, bytes)| {
                // The default random actor per load: each load writes as its own actor, so two
                // tabs or two tablets never share one.
                let doc = SessionDoc::load(&bytes, None).ok();
                let problem = if doc.is_none() {
                    Some(DocProblem::Unreadable)
                } else {
                    problems
                        .iter()
                        .position(|(p, _)| *p == id)
                        .map(|i| problems.swap_remove(i).1)
                };
                let state = loaded
                    .states
                    .iter()
                    .find(|(s, _)| *s == id)
                    .map(|(_, b)| b.clone());
                Entry {
                    id,
                    doc,
                    state,
                    problem,
                    cache: None,
                }
            })
            .collect();
        let lang = storage::setting::<String>(settings, keys::LANG)
            .and_then(|c| Lang::from_code(&c))
            .unwrap_or_default();
        Ok(Model {
            store,
            device_id,
            build: current_build(),
            entries: RefCell::new(entries),
            auth: RefCell::new(storage::setting(settings, keys::AUTH)),
            reference: RefCell::new(
                storage::setting::<Reference>(settings, keys::REFERENCE).map(Rc::new),
            ),
            last_sync: Cell::new(storage::setting(settings, keys::LAST_SYNC)),
            lang: Cell::new(lang),
            sync: RefCell::new(SyncStatus::default()),
            sync_again: Cell::new(false),
            save: RefCell::new(SaveStatus::default()),
            persist_refused: Cell::new(false),
            space_short: Cell::new(None),
            failures: Cell::new(0),
            retry_timer: RefCell::new(None),
            notifier: RefCell::new(None),
            channel: BroadcastChannel::new(CHANNEL).ok(),
        })
    }

    pub fn set_notifier(&self, callback: Callback<()>) {
        *self.notifier.borrow_mut() = Some(callback);
    }

    /// Asks the screens to render again.
    pub fn notify(&self) {
        let callback = self.notifier.borrow().clone();
        if let Some(callback) = callback {
            callback.emit(());
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    pub fn set_lang(self: &Rc<Self>, lang: Lang) {
        self.lang.set(lang);
        self.notify();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // A lost preference is harmless: the next start shows Arabic.
            let _ = this.store.put_setting(keys::LANG, &lang.code()).await;
        });
    }

    pub fn auth(&self) -> Option<Auth> {
        self.auth.borrow().clone()
    }

    pub fn username(&self) -> String {
        self.auth
            .borrow()
            .as_ref()
            .map(|a| a.username.clone())
            .unwrap_or_default()
    }

    pub fn reference(&self) -> Option<Rc<Reference>> {
        self.reference.borrow().clone()
    }

    pub fn last_sync(&self) -> Option<f64> {
        self.last_sync.get()
    }

    pub fn sync_status(&self) -> SyncStatus {
        self.sync.borrow().clone()
    }

    pub fn save_status(&self) -> SaveStatus {
        self.save.borrow().clone()
    }

    pub fn persist_refused(&self) -> bool {
        self.persist_refused.get()
    }

    pub fn set_persist_refused(&self) {
        self.persist_refused.set(true);
        self.notify();
    }

    /// Free space left, when it is short.
    pub fn space_short(&self) -> Option<f64> {
        self.space_short.get()
    }

    /// Records what `navigator.storage.estimate()` said.
    pub fn set_storage_estimate(&self, usage: f64, quota: f64) {
        let short = storage_is_short(usage, quota).then(|| (quota - usage).max(0.0));
        if short != self.space_short.get() {
            self.space_short.set(short);
            self.notify();
        }
    }

    /// Stores a fresh login and the reference data that came with it.
    pub async fn logged_in(&self, auth: Auth, reference: Reference) -> Result<(), StoreError> {
        self.store.put_setting(keys::AUTH, &auth).await?;
        self.store.put_setting(keys::REFERENCE, &reference).await?;
        *self.auth.borrow_mut() = Some(auth);
        *self.reference.borrow_mut() = Some(Rc::new(reference));
        let mut sync = self.sync.borrow_mut();
        if matches!(
            sync.problem,
            Some(SyncProblem::AuthExpired | SyncProblem::Revoked)
        ) {
            sync.problem = None;
        }
        drop(sync);
        self.notify();
        Ok(())
    }

    /// Every session on this tablet, the most recent meeting first.
    pub fn sessions(&self) -> Vec<SessionView> {
        let mut views: Vec<SessionView> = self
            .entries
            .borrow_mut()
            .iter_mut()
            .map(|e| e.view(self.build.as_deref()))
            .collect();
        views.sort_by(|a, b| {
            let key = |v: &SessionView| {
                v.session
                    .as_ref()
                    .map(|s| (s.meta.date.clone(), s.meta.created_at))
            };
            key(b).cmp(&key(a)).then(a.id.cmp(&b.id))
        });
        views
    }

    pub fn session(&self, id: Uuid) -> Option<SessionView> {
        find(&mut self.entries.borrow_mut(), id).map(|e| e.view(self.build.as_deref()))
    }

    /// Sessions with changes the server does not have yet, that the automatic sync will send
    /// (refused ones are counted by [`Self::refused_count`]).
    pub fn pending_count(&self) -> usize {
        self.sessions()
            .iter()
            .filter(|v| v.sync != DocSync::Synced && !v.sync.refused())
            .count()
    }

    /// Sessions the server refused as they are now: not sent automatically.
    pub fn refused_count(&self) -> usize {
        self.sessions().iter().filter(|v| v.sync.refused()).count()
    }

    /// The last run failed on the server's side (it answered, but with an error): the sessions
    /// wait for the server, not for the network.
    pub fn server_failing(&self) -> bool {
        matches!(
            self.sync.borrow().problem,
            Some(SyncProblem::Server | SyncProblem::Incomplete)
        )
    }

    /// The facilitator asks to send a refused session again (the server may have changed);
    /// a new refusal marks it again.
    pub fn retry_refused(self: &Rc<Self>, id: Uuid) {
        if let Some(entry) = find(&mut self.entries.borrow_mut(), id)
            && matches!(entry.problem, Some(DocProblem::Refused(_)))
        {
            entry.problem = None;
        }
        self.persist_problems();
        self.notify();
        self.request_sync();
    }

    fn edit_ctx(&self) -> EditCtx {
        EditCtx::new(self.username(), now_ms() as i64)
    }

    fn persist_problems(self: &Rc<Self>) {
        let problems: Vec<(Uuid, DocProblem)> = self
            .entries
            .borrow()
            .iter()
            .filter_map(|e| match &e.problem {
                Some(DocProblem::Unreadable) | None => None,
                Some(p) => Some((e.id, p.clone())),
            })
            .collect();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // Problems are found again at the next sync run if this write is lost.
            let _ = this.store.put_setting(keys::DOC_PROBLEMS, &problems).await;
        });
    }

    /// Counts a write about to start, so the indicator says "saving" from this moment.
    fn write_started(&self) {
        self.save.borrow_mut().pending += 1;
        self.notify();
    }

    /// Writes a document's bytes (after [`Self::write_started`]) and keeps the save indicator
    /// truthful.
    async fn write_doc(self: &Rc<Self>, id: Uuid, bytes: Vec<u8>) -> Result<(), StoreError> {
        let result = self.store.put_doc(id, &bytes).await;
        {
            let mut save = self.save.borrow_mut();
            save.pending = save.pending.saturating_sub(1);
            match &result {
                Ok(()) => {
                    save.failed = false;
                    save.last_saved = Some(now_ms());
                }
                Err(_) => save.failed = true,
            }
        }
        let changed = match find(&mut self.entries.borrow_mut(), id) {
            Some(entry) => {
                let before = entry.problem.clone();
                match (&result, &entry.problem) {
                    (Ok(()), Some(DocProblem::SaveFailed)) => entry.problem = None,
                    (Err(_), _) => entry.problem = Some(DocProblem::SaveFailed),
                    _ => {}
                }
                entry.problem != before
            }
            None => false,
        };
        if changed {
            self.persist_problems();
        }
        if result.is_ok() {
            self.announce(id);
        }
        self.notify();
        result
    }

    fn announce(&self, id: Uuid) {
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(&JsValue::from_str(&id.to_string()));
        }
    }

    /// Two tabs (or the installed app and a browser tab) each hold the documents in memory and
    /// write them whole: without this, the last writer would drop the other's changes. Each
    /// write is announced; the other tabs merge the stored document into theirs (a merge never
    /// loses anything) and write the result back if it gained something.
    pub fn listen_to_other_tabs(self: &Rc<Self>) {
        let Some(channel) = &self.channel else { return };
        let this = self.clone();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(id) = event
                .data()
                .as_string()
                .and_then(|s| Uuid::parse_str(&s).ok())
            else {
                return;
            };
            let this = this.clone();
            wasm_bindgen_futures::spawn_local(async move { this.merge_from_storage(id).await });
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // Lives as long as the page.
        on_message.forget();
    }

    async fn merge_from_storage(self: &Rc<Self>, id: Uuid) {
        let Ok(Some(bytes)) = self.store.get_doc(id).await else {
            return;
        };
        let Ok(mut stored) = SessionDoc::load(&bytes, None) else {
            return;
        };
        let gained = {
            let mut entries = self.entries.borrow_mut();
            match find(&mut entries, id) {
                Some(Entry { doc: Some(doc), .. }) => {
                    let mine = doc.heads();
                    let theirs = stored.heads();
                    let has = |d: &mut SessionDoc, h: &ChangeHash| {
                        d.automerge_mut().get_change_by_hash(h).is_some()
                    };
                    // Nothing to do when this tab already holds everything stored.
                    if theirs.iter().all(|h| has(doc, h)) {
                        None
                    } else {
                        // Write back only if the stored copy lacks something this tab has.
                        let lacking = !mine.iter().all(|h| has(&mut stored, h));
                        match doc.merge(&mut stored) {
                            Ok(()) => lacking.then(|| doc.save()),
                            Err(_) => None,
                        }
                    }
                }
                Some(entry) => {
                    // Unreadable here, readable there: take it.
                    entry.doc = Some(stored);
                    entry.problem = None;
                    None
                }
                None => {
                    // A session opened in the other tab.
                    entries.push(Entry {
                        id,
                        doc: Some(stored),
                        state: None,
                        problem: None,
                        cache: None,
                    });
                    None
                }
            }
        };
        if let Some(bytes) = gained {
            self.write_started();
            let _ = self.write_doc(id, bytes).await;
        }
        self.notify();
    }

    /// Opens a new session: creates its document and stores it.
    pub async fn create_session(self: &Rc<Self>, init: &NewSession) -> Result<Uuid, EditError> {
        let id = Uuid::new_v4();
        let mut doc =
            SessionDoc::create(id, init, &self.edit_ctx(), None).map_err(EditError::Invalid)?;
        let bytes = doc.save();
        self.entries.borrow_mut().push(Entry {
            id,
            doc: Some(doc),
            state: None,
            problem: None,
            cache: None,
        });
        self.write_started();
        self.write_doc(id, bytes)
            .await
            .map_err(EditError::Storage)?;
        Ok(id)
    }

    /// Applies one change to a session document at once (the screen shows it from the next
    /// render), then writes the document to the tablet; the future resolves once it is written.
    pub fn edit<T>(
        self: &Rc<Self>,
        id: Uuid,
        change: impl FnOnce(&mut SessionDoc, &EditCtx) -> Result<T, DocError>,
    ) -> impl Future<Output = Result<T, EditError>> + 'static
    where
        T: 'static,
    {
        let ctx = self.edit_ctx();
        let applied = {
            let mut entries = self.entries.borrow_mut();
            match find(&mut entries, id).and_then(|e| e.doc.as_mut()) {
                None => Err(EditError::UnknownSession),
                Some(doc) => change(doc, &ctx)
                    .map(|value| (value, doc.save()))
                    .map_err(EditError::Invalid),
            }
        };
        if applied.is_ok() {
            self.write_started();
        }
        let this = self.clone();
        async move {
            let (value, bytes) = applied?;
            this.write_doc(id, bytes)
                .await
                .map_err(EditError::Storage)?;
            Ok(value)
        }
    }

    /// A file of the given sessions (all readable ones when `ids` is `None`), with the number
    /// of sessions in it. Sessions whose document does not read are left out: a file is refused
    /// whole if any of its documents breaks the session form.
    pub fn export(&self, ids: Option<&[Uuid]>) -> (Vec<u8>, usize) {
        let mut entries = Vec::new();
        for entry in self.entries.borrow_mut().iter_mut() {
            if ids.is_some_and(|ids| !ids.contains(&entry.id)) {
                continue;
            }
            let id = entry.id;
            if let Some(doc) = entry.doc.as_mut()
                && doc.read().is_ok()
            {
                entries.push(bundle::Entry {
                    id,
                    doc: doc.save(),
                });
            }
        }
        let count = entries.len();
        (bundle::encode(&entries), count)
    }

    /// Imports a session file (or a scanned code's bytes): each session the tablet has is
    /// **merged** (nothing of either side is lost), each new one is added. The whole file is
    /// checked first, and every merge result too: any problem refuses the file and changes
    /// nothing. Resolves once everything is written to the tablet's storage.
    pub async fn import(self: &Rc<Self>, bytes: &[u8]) -> Result<ImportReport, ImportError> {
        let incoming = bundle::read_sessions(bytes).map_err(ImportError::Bundle)?;
        let mut report = ImportReport {
            single: (incoming.len() == 1).then(|| incoming[0].id),
            ..ImportReport::default()
        };
        let mut writes = Vec::new();
        {
            let mut entries = self.entries.borrow_mut();
            // First pass, on copies: every merge must give a readable session.
            for inc in &incoming {
                if let Some(Entry { doc: Some(doc), .. }) = find(&mut entries, inc.id) {
                    let mut merged = doc.clone();
                    let mut theirs = inc.doc.clone();
                    let readable = merged.merge(&mut theirs).is_ok() && merged.read().is_ok();
                    if !readable {
                        return Err(ImportError::Bundle(BundleError::BadDocument {
                            id: inc.id,
                            reason: "does not merge with this tablet's copy".into(),
                        }));
                    }
                }
            }
            // Then for real, with no await in between: the screens see the result at once.
            for inc in incoming {
                let Incoming { id, mut doc, .. } = inc;
                match find(&mut entries, id) {
                    Some(Entry {
                        doc: Some(mine), ..
                    }) => {
                        let before = mine.heads();
                        // Checked just above on a copy of this very document.
                        let _ = mine.merge(&mut doc);
                        if mine.heads() == before {
                            report.unchanged += 1;
                        } else {
                            report.merged += 1;
                            writes.push((id, mine.save()));
                        }
                    }
                    Some(entry) => {
                        // Unreadable here: the stored bytes stay as they are (never
                        // overwritten); the readable copy is shown until the next start.
                        entry.doc = Some(doc);
                        entry.problem = None;
                        entry.cache = None;
                        report.merged += 1;
                    }
                    None => {
                        writes.push((id, doc.save()));
                        entries.push(Entry {
                            id,
                            doc: Some(doc),
                            state: None,
                            problem: None,
                            cache: None,
                        });
                        report.added += 1;
                    }
                }
            }
        }
        self.notify();
        if !writes.is_empty() {
            self.write_started();
            let result = self.store.put_docs(&writes).await;
            {
                let mut save = self.save.borrow_mut();
                save.pending = save.pending.saturating_sub(1);
                match &result {
                    Ok(()) => {
                        save.failed = false;
                        save.last_saved = Some(now_ms());
                    }
                    Err(_) => save.failed = true,
                }
            }
            self.notify();
            result.map_err(ImportError::Storage)?;
            for (id, _) in &writes {
                self.announce(*id);
            }
            // Imported work goes to the server like any other.
            self.request_sync();
        }
        Ok(report)
    }

    /// Starts a sync run unless one is going; a request during a run makes it run once more.
    pub fn request_sync(self: &Rc<Self>) {
        if self.auth.borrow().is_none() {
            return;
        }
        if self.sync.borrow().running {
            self.sync_again.set(true);
            return;
        }
        {
            let mut sync = self.sync.borrow_mut();
            sync.running = true;
            sync.next_retry = None;
        }
        self.notify();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                this.sync_again.set(false);
                let outcome = this.sync_once().await;
                {
                    let mut sync = this.sync.borrow_mut();
                    sync.problem = outcome.err();
                    sync.progress = None;
                }
                this.notify();
                if !this.sync_again.get() {
                    break;
                }
            }
            this.sync.borrow_mut().running = false;
            this.plan_retry();
            this.notify();
        });
    }

    /// After a run: a success resets the back-off; a failure that may pass by itself, with work
    /// still to send, schedules the next try (5 s, 15 s, 1 min, then every 5 min, ±20 %).
    /// A run replays safely: the sync protocol is idempotent, and a failed run kept only the
    /// persisted part of each sync state.
    fn plan_retry(self: &Rc<Self>) {
        let problem = self.sync.borrow().problem;
        self.retry_timer.borrow_mut().take();
        let wait = match problem {
            None => {
                self.failures.set(0);
                None
            }
            Some(p) if p.retries() && self.pending_count() > 0 => {
                let failures = self.failures.get().saturating_add(1);
                self.failures.set(failures);
                Some(retry::delay_ms(failures, js_sys::Math::random()))
            }
            Some(_) => None,
        };
        self.sync.borrow_mut().next_retry = wait.map(|ms| now_ms() + f64::from(ms));
        if let Some(ms) = wait {
            let this = self.clone();
            *self.retry_timer.borrow_mut() = Some(Timeout::new(ms, move || {
                this.retry_timer.borrow_mut().take();
                this.request_sync();
            }));
        }
    }

    /// True while a retry is scheduled after a failure (the regular sync then waits for it).
    pub fn backing_off(&self) -> bool {
        self.retry_timer.borrow().is_some()
    }

    /// The network is back: forget the back-off and try at once.
    pub fn network_back(self: &Rc<Self>) {
        self.failures.set(0);
        self.retry_timer.borrow_mut().take();
        self.sync.borrow_mut().next_retry = None;
        self.request_sync();
    }

    /// A problem that only a person can solve (a new login): no automatic sync meanwhile.
    pub fn sync_blocked(&self) -> bool {
        matches!(
            self.sync.borrow().problem,
            Some(SyncProblem::Revoked | SyncProblem::Forbidden)
        )
    }

    /// The documents of a run (copies, so the screens keep editing while it goes on), and those
    /// with something to send.
    fn sync_batch(&self, excluded: &[Uuid]) -> (Vec<ClientDoc>, Vec<Uuid>) {
        let mut pending = Vec::new();
        let mut batch = Vec::new();
        for entry in self.entries.borrow_mut().iter_mut() {
            let Some(doc) = entry.doc.as_mut() else {
                continue;
            };
            if excluded.contains(&entry.id) {
                continue;
            }
            let state = decode_state(entry.state.as_deref());
            if !is_synced(doc.automerge_mut(), &state) {
                pending.push(entry.id);
            }
            batch.push(ClientDoc {
                id: entry.id,
                doc: doc.automerge().clone(),
                state,
            });
        }
        (batch, pending)
    }

    async fn sync_once(self: &Rc<Self>) -> Result<(), SyncProblem> {
        let Some(token) = self.auth.borrow().as_ref().map(|a| a.token.clone()) else {
            return Err(SyncProblem::AuthExpired);
        };
        let build = self.build.as_deref();
        // Sessions refused as they are now stay aside: sent again they would meet the same
        // refusal. The others go as usual.
        let mut excluded: Vec<Uuid> = self
            .entries
            .borrow_mut()
            .iter_mut()
            .filter_map(|e| e.refused(build).then_some(e.id))
            .collect();
        let contacted = loop {
            let (mut batch, pending) = self.sync_batch(&excluded);
            // What each session was when it left (the run may merge the server's changes into
            // these copies): a refusal is about this.
            let sent: Vec<(Uuid, Vec<ChangeHash>)> = batch
                .iter_mut()
                .map(|d| (d.id, d.doc.get_heads()))
                .collect();
            let mut transport = HttpTransport {
                token: token.clone(),
            };
            let mut progress = UiProgress(self.clone());
            match run_client_sync(self.device_id, &mut batch, &mut transport, &mut progress).await {
                Ok(report) => {
                    let contacted = report.round_trips > 0;
                    self.apply_sync(batch, report, &pending, &excluded).await?;
                    break contacted;
                }
                Err(SyncError::Transport(HttpError::BadDoc(id)))
                    if !excluded.contains(&id) && batch.iter().any(|d| d.id == id) =>
                {
                    // Set this one aside, for this run and the next ones while the refusal
                    // holds, and send the others.
                    excluded.push(id);
                    let heads = sent
                        .into_iter()
                        .find(|(d, _)| *d == id)
                        .map(|(_, h)| h)
                        .unwrap_or_default();
                    if let Some(entry) = find(&mut self.entries.borrow_mut(), id) {
                        entry.problem = Some(DocProblem::Refused(Refusal::new(&heads, build)));
                    }
                    self.persist_problems();
                    self.notify();
                }
                Err(SyncError::Transport(e)) => return Err(SyncProblem::from_http(&e)),
                Err(SyncError::BadResponse(_) | SyncError::TooManyRounds(_)) => {
                    return Err(SyncProblem::Incomplete);
                }
            }
        };
        // Fresh reference data (new douars); with no document to send, it is also the check
        // that the server is reachable and the login still valid.
        match api::reference(&token).await {
            Ok(reference) => {
                if self.reference.borrow().as_deref() != Some(&reference) {
                    let _ = self.store.put_setting(keys::REFERENCE, &reference).await;
                    *self.reference.borrow_mut() = Some(Rc::new(reference));
                }
            }
            Err(e) if !contacted => return Err(SyncProblem::from_http(&e)),
            Err(_) => {}
        }
        let now = now_ms();
        self.last_sync.set(Some(now));
        let _ = self.store.put_setting(keys::LAST_SYNC, &now).await;
        Ok(())
    }

    /// Merges what the server sent into the documents on screen (which may have changed during
    /// the run) and stores documents and sync states in one transaction.
    async fn apply_sync(
        self: &Rc<Self>,
        batch: Vec<ClientDoc>,
        report: SyncReport,
        pending: &[Uuid],
        excluded: &[Uuid],
    ) -> Result<(), SyncProblem> {
        let mut doc_bytes = Vec::new();
        let mut state_bytes = Vec::new();
        {
            let mut entries = self.entries.borrow_mut();
            for cd in batch {
                if report.changed.contains(&cd.id)
                    && let Some(doc) = find(&mut entries, cd.id).and_then(|e| e.doc.as_mut())
                {
                    let mut received = SessionDoc::from_automerge(cd.doc);
                    if doc.merge(&mut received).is_ok() {
                        doc_bytes.push((cd.id, doc.save()));
                    }
                }
                state_bytes.push((cd.id, encode_state(&cd.state)));
            }
        }
        if self
            .store
            .put_sync_result(&doc_bytes, &state_bytes)
            .await
            .is_err()
        {
            return Err(SyncProblem::Storage);
        }
        for (id, _) in &doc_bytes {
            self.announce(*id);
        }
        {
            let mut entries = self.entries.borrow_mut();
            for (id, bytes) in state_bytes {
                if let Some(entry) = find(&mut entries, id) {
                    entry.state = Some(bytes);
                }
            }
            for entry in entries.iter_mut() {
                let id = entry.id;
                let keep = match &entry.problem {
                    None => false,
                    // Refused in this run, or left aside for a refusal that holds; one that
                    // was sent and went through is no longer refused.
                    Some(DocProblem::Refused(_)) => excluded.contains(&id),
                    // The server reports a quarantine when it talks about the document; one that
                    // had nothing to exchange keeps its last known state.
                    Some(DocProblem::Quarantined { .. }) => {
                        !(pending.contains(&id) || report.changed.contains(&id))
                    }
                    Some(DocProblem::SaveFailed | DocProblem::Unreadable) => true,
                };
                if !keep {
                    entry.problem = None;
                }
                if let Some(reason) = report.quarantined.get(&id) {
                    entry.problem = Some(DocProblem::Quarantined {
                        reason: reason.clone(),
                    });
                }
            }
        }
        self.persist_problems();
        self.notify();
        Ok(())
    }
}

/// Shows a run's progress on screen.
struct UiProgress(Rc<Model>);

impl Progress for UiProgress {
    fn report(&mut self, settled: usize, total: usize) {
        self.0.sync.borrow_mut().progress = Some((settled, total));
        self.0.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1024.0 * 1024.0;

    #[test]
    fn space_is_short_under_50_mb_or_a_tenth() {
        // Plenty: 2 GB quota, 100 MB used.
        assert!(!storage_is_short(100.0 * MB, 2048.0 * MB));
        // 40 MB left of 2 GB.
        assert!(storage_is_short(2008.0 * MB, 2048.0 * MB));
        // 60 MB left, but of 1 GB: over 50 MB, under 10 %.
        assert!(storage_is_short(964.0 * MB, 1024.0 * MB));
        // 120 MB left of 1 GB: fine.
        assert!(!storage_is_short(904.0 * MB, 1024.0 * MB));
        // Over quota counts as nothing left.
        assert!(storage_is_short(2.0 * 1024.0 * MB, 1024.0 * MB));
        // No quota reported (or nonsense): no warning.
        assert!(!storage_is_short(0.0, 0.0));
        assert!(!storage_is_short(f64::NAN, 1024.0 * MB));
    }

    #[test]
    fn a_refusal_holds_until_the_session_or_the_app_changes() {
        let (a, b, c) = (
            ChangeHash([1; 32]),
            ChangeHash([2; 32]),
            ChangeHash([3; 32]),
        );
        let refusal = Refusal::new(&[b, a], Some("build1"));
        assert!(refusal.holds(&[a, b], Some("build1")), "heads in any order");
        assert!(!refusal.holds(&[a, b, c], Some("build1")), "an edit since");
        assert!(!refusal.holds(&[c], Some("build1")), "a merge since");
        assert!(!refusal.holds(&[a, b], Some("build2")), "a new release");
        assert!(!refusal.holds(&[a, b], None));
        let unbuilt = Refusal::new(&[a], None);
        assert!(unbuilt.holds(&[a], None));
        assert!(!unbuilt.holds(&[a], Some("build1")));
    }

    #[test]
    fn stored_problems_read_back_and_earlier_refusals_are_tried_again() {
        let refused = DocProblem::Refused(Refusal::new(&[ChangeHash([7; 32])], Some("b1")));
        let quarantined = DocProblem::Quarantined {
            reason: "bad douar".into(),
        };
        let (x, y, z) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let mut stored = serde_json::to_value(vec![(x, refused.clone()), (y, quarantined.clone())])
            .expect("problems serialise");
        // What an earlier version wrote for a refusal.
        stored
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!([z.to_string(), "Rejected"]));
        let read: Vec<(Uuid, StoredProblem)> = serde_json::from_value(stored).expect("read back");
        let read: Vec<(Uuid, Option<DocProblem>)> =
            read.into_iter().map(|(id, p)| (id, p.problem())).collect();
        assert_eq!(
            read,
            [(x, Some(refused)), (y, Some(quarantined)), (z, None)]
        );
    }

    #[test]
    fn retried_problems_are_those_that_pass_by_themselves() {
        assert!(SyncProblem::Offline.retries());
        assert!(SyncProblem::Server.retries());
        assert!(!SyncProblem::Revoked.retries());
        assert!(!SyncProblem::AuthExpired.retries());
        assert!(!SyncProblem::Forbidden.retries());
    }
}

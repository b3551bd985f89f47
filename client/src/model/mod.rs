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

use crate::i18n::Lang;
use crate::net::api::{self, HttpError, HttpTransport};
use crate::retry;
use crate::storage::{self, Store, StoreError, keys};

mod docs;
mod photos;
mod status;
mod sync;
#[cfg(test)]
mod tests;

pub use photos::PhotoUpload;
pub use status::*;

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
    /// The poles the administrator gave this user (offered first); none in a login stored by
    /// an older app.
    #[serde(default)]
    pub poles: Vec<String>,
}

impl From<LoginResponse> for Auth {
    fn from(r: LoginResponse) -> Self {
        Auth {
            token: r.token,
            username: r.username,
            role: r.role,
            expires_at: r.expires_at,
            poles: r.poles,
        }
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
                BundleError::Damaged(_)
                | BundleError::TooMany(_)
                | BundleError::Duplicate(_)
                | BundleError::BadPhoto { .. },
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

/// The tablet's state, shared by the screens and the background tasks (`Rc<Model>`, one
/// thread: interior mutability through `Cell` and `RefCell`).
///
/// **The rule every method keeps: no `RefCell` borrow is held across [`Model::notify`] or an
/// `.await`.** Every render reads the model (`sessions()` borrows `entries` mutably), and so do
/// the other tasks (a tap, the sync loop, another tab's write). An `.await` lets them all run,
/// the render included (yew queues it as a microtask); `notify` calls the screens' callback,
/// which yew 0.23 defers in the browser but runs at once off it, and whose type promises
/// neither. A borrow still held then panics (`BorrowMutError`) and stops the app mid-meeting.
/// So a method borrows in a block (or one statement), copies out what it needs, and only then
/// notifies or awaits. Clippy's `await_holding_refcell_ref` (on by default) catches the
/// `.await` half; the `notify` half is on the reader.
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
    /// Photos whose full bytes are still on this tablet (not yet acknowledged by the server).
    pending_photos: RefCell<Vec<String>>,
    /// The photo being sent now.
    upload: RefCell<Option<PhotoUpload>>,
    /// The last upload round stopped on a problem.
    photo_problem: Cell<bool>,
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
            pending_photos: RefCell::new(loaded.photos),
            upload: RefCell::new(None),
            photo_problem: Cell::new(false),
        })
    }

    pub fn set_notifier(&self, callback: Callback<()>) {
        *self.notifier.borrow_mut() = Some(callback);
    }

    /// Asks the screens to render again. Call it with no borrow of the model held: the render
    /// may run before this returns, and it reads everything (see [`Model`]). The notifier is
    /// cloned out of its cell first, so a notifier that sets another is no double borrow.
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

    /// Stores a fresh login and the reference data that came with it. (Borrows only after the
    /// last `.await`, and not across `notify`: see [`Model`].)
    pub async fn logged_in(&self, auth: Auth, reference: Reference) -> Result<(), StoreError> {
        self.store.put_setting(keys::AUTH, &auth).await?;
        self.store.put_setting(keys::REFERENCE, &reference).await?;
        *self.auth.borrow_mut() = Some(auth);
        *self.reference.borrow_mut() = Some(Rc::new(reference));
        {
            let mut sync = self.sync.borrow_mut();
            if matches!(
                sync.problem,
                Some(SyncProblem::AuthExpired | SyncProblem::Revoked)
            ) {
                sync.problem = None;
            }
        }
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
        tachkhis_shared::sort::sort_by(&mut views, |a, b| {
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
}

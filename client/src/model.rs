//! The tablet's state: session documents, their sync states, the login and the reference data,
//! all mirrored from IndexedDB, and the sync loop.
//!
//! Every change goes: one `SessionDoc` method → `save()` → IndexedDB → only then confirmed.
//! The screens read from here and re-render when [`Model::notify`] is called.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use tachkhis_shared::api::{LoginResponse, Role};
use tachkhis_shared::reference::Reference;
use tachkhis_shared::session::{DocError, EditCtx, NewSession, Session, SessionDoc};
use tachkhis_shared::sync::{
    ClientDoc, Progress, SyncError, SyncReport, decode_state, encode_state, is_synced, run_client_sync,
};
use uuid::Uuid;
use yew::Callback;

use crate::api::{self, HttpError, HttpTransport};
use crate::i18n::Lang;
use crate::storage::{self, Store, StoreError, keys};

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
        Auth { token: r.token, username: r.username, role: r.role, expires_at: r.expires_at }
    }
}

/// Why one session could not be sent or kept as it should.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocProblem {
    /// The server refused this session's sync message (400 `bad_sync_message`).
    Rejected,
    /// The server stored it but set it aside: it does not follow the session form.
    Quarantined { reason: String },
    /// Writing it to the tablet's storage failed.
    SaveFailed,
    /// The bytes on the tablet could not be read (not persisted: found again at each start).
    #[serde(skip)]
    Unreadable,
}

/// Why the last sync run did not finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProblem {
    Offline,
    AuthExpired,
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
            SyncProblem::Forbidden => "sync.problem.forbidden",
            SyncProblem::Server => "sync.problem.server",
            SyncProblem::Incomplete => "sync.problem.incomplete",
            SyncProblem::Storage => "sync.problem.storage",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub running: bool,
    /// (documents settled, documents in all) while running.
    pub progress: Option<(usize, usize)>,
    /// The outcome of the last run that did not succeed; cleared by a successful one.
    pub problem: Option<SyncProblem>,
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
    /// Saved on this tablet, not yet all sent.
    Pending,
    /// The server holds everything this tablet holds.
    Synced,
    Problem(DocProblem),
}

/// One session as the screens show it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub id: Uuid,
    /// `None` when the document breaks the session form.
    pub session: Option<Session>,
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

pub struct Model {
    store: Store,
    pub device_id: Uuid,
    docs: RefCell<BTreeMap<Uuid, SessionDoc>>,
    /// Encoded sync states, as persisted.
    states: RefCell<BTreeMap<Uuid, Vec<u8>>>,
    problems: RefCell<BTreeMap<Uuid, DocProblem>>,
    auth: RefCell<Option<Auth>>,
    reference: RefCell<Option<Rc<Reference>>>,
    last_sync: Cell<Option<f64>>,
    lang: Cell<Lang>,
    sync: RefCell<SyncStatus>,
    sync_again: Cell<bool>,
    save: RefCell<SaveStatus>,
    persist_refused: Cell<bool>,
    notifier: RefCell<Option<Callback<()>>>,
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
        let mut problems: BTreeMap<Uuid, DocProblem> =
            storage::setting(settings, keys::DOC_PROBLEMS).unwrap_or_default();
        let mut docs = BTreeMap::new();
        for (id, bytes) in loaded.docs {
            // The default random actor per load: each tablet session writes as its own actor.
            match SessionDoc::load(&bytes, None) {
                Ok(doc) => {
                    docs.insert(id, doc);
                }
                Err(_) => {
                    problems.insert(id, DocProblem::Unreadable);
                }
            }
        }
        let lang = storage::setting::<String>(settings, keys::LANG).and_then(|c| Lang::from_code(&c)).unwrap_or_default();
        Ok(Model {
            store,
            device_id,
            docs: RefCell::new(docs),
            states: RefCell::new(loaded.states.into_iter().collect()),
            problems: RefCell::new(problems),
            auth: RefCell::new(storage::setting(settings, keys::AUTH)),
            reference: RefCell::new(storage::setting::<Reference>(settings, keys::REFERENCE).map(Rc::new)),
            last_sync: Cell::new(storage::setting(settings, keys::LAST_SYNC)),
            lang: Cell::new(lang),
            sync: RefCell::new(SyncStatus::default()),
            sync_again: Cell::new(false),
            save: RefCell::new(SaveStatus::default()),
            persist_refused: Cell::new(false),
            notifier: RefCell::new(None),
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
        self.auth.borrow().as_ref().map(|a| a.username.clone()).unwrap_or_default()
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

    /// Stores a fresh login and the reference data that came with it.
    pub async fn logged_in(&self, auth: Auth, reference: Reference) -> Result<(), StoreError> {
        self.store.put_setting(keys::AUTH, &auth).await?;
        self.store.put_setting(keys::REFERENCE, &reference).await?;
        *self.auth.borrow_mut() = Some(auth);
        *self.reference.borrow_mut() = Some(Rc::new(reference));
        let mut sync = self.sync.borrow_mut();
        if sync.problem == Some(SyncProblem::AuthExpired) {
            sync.problem = None;
        }
        drop(sync);
        self.notify();
        Ok(())
    }

    fn view_of(&self, id: Uuid, doc: &mut SessionDoc) -> SessionView {
        let session = doc.read().ok();
        let sync = match self.problems.borrow().get(&id) {
            Some(p) => DocSync::Problem(p.clone()),
            None => {
                let state = decode_state(self.states.borrow().get(&id).map(Vec::as_slice));
                if is_synced(doc.automerge_mut(), &state) { DocSync::Synced } else { DocSync::Pending }
            }
        };
        let sync = match (&session, sync) {
            (None, DocSync::Pending | DocSync::Synced) => DocSync::Problem(DocProblem::Unreadable),
            (_, sync) => sync,
        };
        SessionView { id, session, sync }
    }

    /// Every session on this tablet, the most recent meeting first.
    pub fn sessions(&self) -> Vec<SessionView> {
        let mut views: Vec<SessionView> =
            self.docs.borrow_mut().iter_mut().map(|(id, doc)| self.view_of(*id, doc)).collect();
        for (id, problem) in self.problems.borrow().iter() {
            if *problem == DocProblem::Unreadable {
                views.push(SessionView { id: *id, session: None, sync: DocSync::Problem(DocProblem::Unreadable) });
            }
        }
        views.sort_by(|a, b| {
            let key = |v: &SessionView| v.session.as_ref().map(|s| (s.meta.date.clone(), s.meta.created_at));
            key(b).cmp(&key(a)).then(a.id.cmp(&b.id))
        });
        views
    }

    pub fn session(&self, id: Uuid) -> Option<SessionView> {
        let mut docs = self.docs.borrow_mut();
        let doc = docs.get_mut(&id)?;
        Some(self.view_of(id, doc))
    }

    /// Sessions with changes the server does not have yet.
    pub fn pending_count(&self) -> usize {
        self.sessions().iter().filter(|v| v.sync != DocSync::Synced).count()
    }

    fn edit_ctx(&self) -> EditCtx {
        EditCtx::new(self.username(), now_ms() as i64)
    }

    fn persist_problems(self: &Rc<Self>) {
        let problems: BTreeMap<Uuid, DocProblem> = self
            .problems
            .borrow()
            .iter()
            .filter(|(_, p)| **p != DocProblem::Unreadable)
            .map(|(id, p)| (*id, p.clone()))
            .collect();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // Problems are found again at the next sync run if this write is lost.
            let _ = this.store.put_setting(keys::DOC_PROBLEMS, &problems).await;
        });
    }

    /// Writes a document's bytes and keeps the save indicator truthful.
    async fn write_doc(self: &Rc<Self>, id: Uuid, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.save.borrow_mut().pending += 1;
        self.notify();
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
        let changed = {
            let mut problems = self.problems.borrow_mut();
            match &result {
                Ok(()) if problems.get(&id) == Some(&DocProblem::SaveFailed) => problems.remove(&id).is_some(),
                Err(_) => problems.insert(id, DocProblem::SaveFailed).as_ref() != Some(&DocProblem::SaveFailed),
                Ok(()) => false,
            }
        };
        if changed {
            self.persist_problems();
        }
        self.notify();
        result
    }

    /// Opens a new session: creates its document and stores it.
    pub async fn create_session(self: &Rc<Self>, init: &NewSession) -> Result<Uuid, EditError> {
        let id = Uuid::new_v4();
        let mut doc = SessionDoc::create(id, init, &self.edit_ctx(), None).map_err(EditError::Invalid)?;
        let bytes = doc.save();
        self.docs.borrow_mut().insert(id, doc);
        self.write_doc(id, bytes).await.map_err(EditError::Storage)?;
        Ok(id)
    }

    /// Applies one change to a session document, then writes the document to the tablet.
    pub async fn edit<T>(
        self: &Rc<Self>,
        id: Uuid,
        change: impl FnOnce(&mut SessionDoc, &EditCtx) -> Result<T, DocError>,
    ) -> Result<T, EditError> {
        let ctx = self.edit_ctx();
        let (value, bytes) = {
            let mut docs = self.docs.borrow_mut();
            let doc = docs.get_mut(&id).ok_or(EditError::UnknownSession)?;
            let value = change(doc, &ctx).map_err(EditError::Invalid)?;
            (value, doc.save())
        };
        self.write_doc(id, bytes).await.map_err(EditError::Storage)?;
        Ok(value)
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
        self.sync.borrow_mut().running = true;
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
            this.notify();
        });
    }

    /// The documents of a run: copies, so the screens keep editing while it goes on.
    fn sync_batch(&self, excluded: &BTreeSet<Uuid>) -> (Vec<ClientDoc>, BTreeSet<Uuid>) {
        let mut pending = BTreeSet::new();
        let states = self.states.borrow();
        let batch = self
            .docs
            .borrow_mut()
            .iter_mut()
            .filter(|(id, _)| !excluded.contains(id))
            .map(|(id, doc)| {
                let state = decode_state(states.get(id).map(Vec::as_slice));
                if !is_synced(doc.automerge_mut(), &state) {
                    pending.insert(*id);
                }
                ClientDoc { id: *id, doc: doc.automerge().clone(), state }
            })
            .collect();
        (batch, pending)
    }

    async fn sync_once(self: &Rc<Self>) -> Result<(), SyncProblem> {
        let Some(token) = self.auth.borrow().as_ref().map(|a| a.token.clone()) else {
            return Err(SyncProblem::AuthExpired);
        };
        let mut excluded = BTreeSet::new();
        let contacted = loop {
            let (mut batch, pending) = self.sync_batch(&excluded);
            let mut transport = HttpTransport { token: token.clone() };
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
                    // Set this one aside and send the others.
                    excluded.insert(id);
                    self.problems.borrow_mut().insert(id, DocProblem::Rejected);
                    self.persist_problems();
                    self.notify();
                }
                Err(SyncError::Transport(e)) => return Err(SyncProblem::from_http(&e)),
                Err(SyncError::BadResponse(_) | SyncError::TooManyRounds(_)) => return Err(SyncProblem::Incomplete),
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
        pending: &BTreeSet<Uuid>,
        excluded: &BTreeSet<Uuid>,
    ) -> Result<(), SyncProblem> {
        let mut doc_bytes = Vec::new();
        let mut state_bytes = Vec::new();
        {
            let mut docs = self.docs.borrow_mut();
            for cd in batch {
                if report.changed.contains(&cd.id)
                    && let Some(doc) = docs.get_mut(&cd.id)
                {
                    let mut received = SessionDoc::from_automerge(cd.doc);
                    if doc.merge(&mut received).is_ok() {
                        doc_bytes.push((cd.id, doc.save()));
                    }
                }
                state_bytes.push((cd.id, encode_state(&cd.state)));
            }
        }
        if let Err(_e) = self.store.put_sync_result(&doc_bytes, &state_bytes).await {
            return Err(SyncProblem::Storage);
        }
        {
            let mut states = self.states.borrow_mut();
            for (id, bytes) in state_bytes {
                states.insert(id, bytes);
            }
            let mut problems = self.problems.borrow_mut();
            problems.retain(|id, p| match p {
                DocProblem::Rejected => excluded.contains(id),
                // The server reports a quarantine when it talks about the document; one that
                // had nothing to exchange keeps its last known state.
                DocProblem::Quarantined { .. } => !(pending.contains(id) || report.changed.contains(id)),
                DocProblem::SaveFailed | DocProblem::Unreadable => true,
            });
            for (id, reason) in &report.quarantined {
                problems.insert(*id, DocProblem::Quarantined { reason: reason.clone() });
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

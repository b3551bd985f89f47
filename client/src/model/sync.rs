//! The sync loop: when to run (on a change, on a timer, when the network is back), one run
//! over the documents that may sync, and applying its answers.

use tachkhis_shared::permissions::Action;

use super::*;

impl Model {
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

    /// Starts a sync run unless one is going; a request during a run makes it run once more.
    /// The run's task borrows the status only between its `.await`s (see [`Model`]).
    pub fn request_sync(self: &Rc<Self>) {
        // No login, or a role that sends no sessions (a committee member on the office
        // screens): nothing to sync, and the server would only answer 403.
        let may_sync = self
            .auth
            .borrow()
            .as_ref()
            .is_some_and(|a| a.role.can(Action::SyncSessions));
        if !may_sync {
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
    pub(super) fn plan_retry(self: &Rc<Self>) {
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
    pub(super) fn sync_batch(&self, excluded: &[Uuid]) -> (Vec<ClientDoc>, Vec<Uuid>) {
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

    /// One run. The run works on copies of the documents ([`Self::sync_batch`]); every borrow of
    /// the model here is one statement or block between two `.await`s (see [`Model`]).
    pub(super) async fn sync_once(self: &Rc<Self>) -> Result<(), SyncProblem> {
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
        // The server's clock against this tablet's, from the run's answers or, when there was
        // nothing to send, the reference's.
        let mut clock = None;
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
                clock_offset: None,
            };
            let mut progress = UiProgress(self.clone());
            let outcome =
                run_client_sync(self.device_id, &mut batch, &mut transport, &mut progress).await;
            clock = transport.clock_offset.or(clock);
            match outcome {
                Ok(report) => {
                    let contacted = report.round_trips > 0;
                    // Refused in this run (a v2 answer says it per session, the others went
                    // through): set aside as a 400 naming it would have.
                    for id in report.refused.keys() {
                        excluded.push(*id);
                        let heads = sent
                            .iter()
                            .find(|(d, _)| d == id)
                            .map(|(_, h)| h.clone())
                            .unwrap_or_default();
                        if let Some(entry) = find(&mut self.entries.borrow_mut(), *id) {
                            entry.problem = Some(DocProblem::Refused(Refusal::new(&heads, build)));
                        }
                    }
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
                Err(
                    SyncError::BadResponse(_) | SyncError::TooManyRounds(_) | SyncError::Encode(_),
                ) => {
                    return Err(SyncProblem::Incomplete);
                }
            }
        };
        // Fresh reference data (new douars); with no document to send, it is also the check
        // that the server is reachable and the login still valid.
        match api::reference_and_clock(&token).await {
            Ok((reference, offset)) => {
                clock = clock.or(offset);
                // Compared in a statement of its own: the borrow must end before the write.
                let stale = self.reference.borrow().as_deref() != Some(&reference);
                if stale {
                    let _ = self.store.put_setting(keys::REFERENCE, &reference).await;
                    *self.reference.borrow_mut() = Some(Rc::new(reference));
                }
            }
            Err(e) if !contacted => return Err(SyncProblem::from_http(&e)),
            Err(_) => {}
        }
        // The administrator may have changed this user's poles or role since the login (an
        // older server has no `/api/me`: nothing changes).
        if let Ok(me) = api::me(&token).await {
            let changed =
                self.auth.borrow().as_ref().is_some_and(|a| {
                    a.token == token && (a.poles != me.poles || a.role != me.role)
                });
            if changed {
                let auth = {
                    let mut auth = self.auth.borrow_mut();
                    if let Some(a) = auth.as_mut() {
                        a.poles = me.poles;
                        a.role = me.role;
                    }
                    auth.clone()
                };
                if let Some(auth) = auth {
                    let _ = self.store.put_setting(keys::AUTH, &auth).await;
                }
                self.notify();
            }
        }
        if clock.is_some() {
            self.sync.borrow_mut().clock_offset = clock;
        }
        let now = now_ms();
        self.last_sync.set(Some(now));
        let _ = self.store.put_setting(keys::LAST_SYNC, &now).await;
        // Photos go once their documents are on the server; a failure here is the photos'
        // own (shown beside them), and the next run goes on from where the server stands.
        let uploaded = self.upload_photos(&token).await;
        self.photo_problem.set(uploaded.is_err());
        self.notify();
        Ok(())
    }

    /// Merges what the server sent into the documents on screen (which may have changed during
    /// the run) and stores documents and sync states in one transaction. Two borrows, one
    /// before the write and one after, neither across it nor across `notify` (see [`Model`]).
    pub(super) async fn apply_sync(
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
pub(super) struct UiProgress(Rc<Model>);

impl Progress for UiProgress {
    fn report(&mut self, settled: usize, total: usize) {
        self.0.sync.borrow_mut().progress = Some((settled, total));
        self.0.notify();
    }
}

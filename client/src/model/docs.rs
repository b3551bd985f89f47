//! The session documents on this tablet: every write (saved to IndexedDB before it is
//! confirmed), other tabs' writes, creating, editing, exporting and importing sessions.

use super::*;

impl Model {
    pub(super) fn edit_ctx(&self) -> EditCtx {
        EditCtx::new(self.username(), now_ms() as i64)
    }

    pub(super) fn persist_problems(self: &Rc<Self>) {
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
    pub(super) fn write_started(&self) {
        self.save.borrow_mut().pending += 1;
        self.notify();
    }

    /// Writes a document's bytes (after [`Self::write_started`]) and keeps the save indicator
    /// truthful. Borrows only after the write, in blocks that end before `notify` (see
    /// [`Model`]).
    pub(super) async fn write_doc(
        self: &Rc<Self>,
        id: Uuid,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
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

    pub(super) fn announce(&self, id: Uuid) {
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

    /// Merges the stored copy of `id` into this tab's. The merge happens in one borrow between
    /// the read and the write-back (see [`Model`]).
    pub(super) async fn merge_from_storage(self: &Rc<Self>, id: Uuid) {
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

    /// Opens a new session: creates its document and stores it (the list is borrowed for the
    /// push only, before the write: see [`Model`]).
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
    /// `change` runs while the documents are borrowed: it must not call back into the model.
    /// The borrow ends before the write starts (see [`Model`]).
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
        self.export_with(ids, &[])
    }

    /// [`Self::export`] with the photos of those sessions this tablet still holds (a file of
    /// format 2 when there are some): what "save as a file" and "export everything" write.
    pub async fn export_file(&self, ids: Option<&[Uuid]>) -> (Vec<u8>, usize) {
        let sessions: Vec<Uuid> = match ids {
            Some(ids) => ids.to_vec(),
            None => self.entries.borrow().iter().map(|e| e.id).collect(),
        };
        let photos = self.photo_files(&sessions).await;
        self.export_with(ids, &photos)
    }

    fn export_with(&self, ids: Option<&[Uuid]>, photos: &[bundle::PhotoFile]) -> (Vec<u8>, usize) {
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
        (bundle::encode_with_photos(&entries, photos), count)
    }

    /// Imports a session file (or a scanned code's bytes): each session the tablet has is
    /// **merged** (nothing of either side is lost), each new one is added. The whole file is
    /// checked first, and every merge result too: any problem refuses the file and changes
    /// nothing. Resolves once everything is written to the tablet's storage. All merging
    /// happens in one borrow, ended before `notify` and the write (see [`Model`]).
    pub async fn import(self: &Rc<Self>, bytes: &[u8]) -> Result<ImportReport, ImportError> {
        let (incoming, photos) = bundle::read_file(bytes).map_err(ImportError::Bundle)?;
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
        let gained_photos = !photos.is_empty();
        if gained_photos {
            self.keep_imported_photos(photos)
                .await
                .map_err(ImportError::Storage)?;
        }
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
        }
        if !writes.is_empty() || gained_photos {
            // Imported work goes to the server like any other.
            self.request_sync();
        }
        Ok(report)
    }
}

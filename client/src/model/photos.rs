//! Photos on this tablet: taken (stored in IndexedDB, then named in the session document),
//! shown (thumbnail, or the bytes while they are here), sent after the session has synced
//! (resumable, chunk by chunk, asking the server where it stands first), and freed once the
//! server has them. See `crate::photo` for how a photo is made small.

use tachkhis_shared::PhotoKind;
use tachkhis_shared::api::photos::PhotoUploadState;
use tachkhis_shared::bundle::{PhotoFile, photo_hash};
use tachkhis_shared::session::{PhotoInput, photo_mime_of};

use super::*;
use crate::photo::Prepared;

/// Bytes per upload request: about 10 s on a 2G/EDGE link, so a cut costs at most that.
pub const CHUNK_BYTES: usize = 32 * 1024;

/// The photo being sent now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoUpload {
    pub hash: String,
    pub sent: usize,
    pub total: usize,
}

/// Where a session's photos stand on this tablet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PhotoProgress {
    /// Photos the session names (removed ones left out).
    pub total: usize,
    /// Of those, held here and not yet acknowledged by the server.
    pub waiting: usize,
    /// The one being sent, if it is one of this session's.
    pub sending: Option<PhotoUpload>,
}

impl Model {
    /// Stores a prepared photo, then names it in the session (bytes first: the document never
    /// names a photo this tablet does not hold). Resolves once both are written.
    pub async fn add_photo(
        self: &Rc<Self>,
        session: Uuid,
        prepared: Prepared,
        kind: PhotoKind,
        caption: String,
    ) -> Result<String, EditError> {
        let hash = photo_hash(&prepared.bytes);
        self.write_started();
        let stored = self
            .store
            .put_photo(&hash, &prepared.bytes, Some(&prepared.thumb))
            .await;
        {
            let mut save = self.save.borrow_mut();
            save.pending = save.pending.saturating_sub(1);
        }
        stored.map_err(EditError::Storage)?;
        {
            let mut pending = self.pending_photos.borrow_mut();
            if !pending.contains(&hash) {
                pending.push(hash.clone());
            }
        }
        let input = PhotoInput {
            hash: hash.clone(),
            kind,
            caption,
            bytes: prepared.bytes.len() as u64,
            mime: prepared.mime.into(),
        };
        let named = self
            .edit(session, move |doc, ctx| doc.add_photo(&input, ctx))
            .await;
        if let Err(EditError::Invalid(_) | EditError::UnknownSession) = &named {
            // Refused (the session's limit of photos): no document names these bytes.
            self.freed(&hash).await;
        }
        named?;
        self.request_sync();
        Ok(hash)
    }

    /// A photo's thumbnail, or its full bytes while they are here (an imported photo has no
    /// thumbnail); `None` once only the server has it.
    pub async fn photo_image(&self, hash: &str) -> Option<Vec<u8>> {
        if let Ok(Some(thumb)) = self.store.get_photo(hash, true).await {
            return Some(thumb);
        }
        self.store.get_photo(hash, false).await.ok().flatten()
    }

    pub fn photo_progress(&self, session: &Session) -> PhotoProgress {
        let pending = self.pending_photos.borrow();
        let upload = self.upload.borrow();
        let live: Vec<&str> = session.live_photos().map(|p| p.hash.as_str()).collect();
        PhotoProgress {
            total: live.len(),
            waiting: live
                .iter()
                .filter(|h| pending.iter().any(|p| p == *h))
                .count(),
            sending: upload
                .as_ref()
                .filter(|u| live.contains(&u.hash.as_str()))
                .cloned(),
        }
    }

    /// Whether the last upload stopped on a problem (the next sync run tries again).
    pub fn photo_problem(&self) -> bool {
        self.photo_problem.get()
    }

    /// The full bytes of the photos the given sessions name that this tablet still holds, for
    /// a session file.
    pub async fn photo_files(&self, sessions: &[Uuid]) -> Vec<PhotoFile> {
        let wanted: Vec<String> = {
            let pending = self.pending_photos.borrow();
            let mut entries = self.entries.borrow_mut();
            let mut out = Vec::new();
            for e in entries.iter_mut().filter(|e| sessions.contains(&e.id)) {
                if let Some(s) = e.doc.as_ref().and_then(|d| d.read().ok()) {
                    for p in &s.photos {
                        if pending.contains(&p.hash) && !out.contains(&p.hash) {
                            out.push(p.hash.clone());
                        }
                    }
                }
            }
            out
        };
        let mut files = Vec::new();
        for hash in wanted {
            if let Ok(Some(bytes)) = self.store.get_photo(&hash, false).await
                && let Some(mime) = photo_mime_of(&bytes)
            {
                files.push(PhotoFile {
                    hash,
                    mime: mime.into(),
                    bytes,
                });
            }
        }
        files
    }

    /// Keeps the photos of an imported file (already checked by `bundle::read_file`): they go
    /// to the server from this tablet too (the server takes each once).
    pub(super) async fn keep_imported_photos(
        &self,
        photos: Vec<PhotoFile>,
    ) -> Result<(), StoreError> {
        for p in photos {
            if self.pending_photos.borrow().contains(&p.hash) {
                continue;
            }
            // The thumbnail stays once the server has the photo and this copy is freed.
            let thumb = crate::photo::thumbnail(&p.bytes, &p.mime).await;
            self.store
                .put_photo(&p.hash, &p.bytes, thumb.as_deref())
                .await?;
            self.pending_photos.borrow_mut().push(p.hash);
        }
        Ok(())
    }

    async fn freed(&self, hash: &str) {
        if self.store.free_photo(hash).await.is_ok() {
            self.pending_photos.borrow_mut().retain(|h| h != hash);
        }
    }

    /// Sends the photos held here that the server lacks, after a sync run. Asks first where
    /// each stands (stored or purged: freed here; named by no session yet: later), then sends
    /// each from where the server stands, chunk by chunk, until it is stored. A failure stops
    /// the round; the next run asks again and goes on from there.
    pub(super) async fn upload_photos(self: &Rc<Self>, token: &str) -> Result<(), HttpError> {
        let hashes: Vec<String> = self.pending_photos.borrow().clone();
        for batch in hashes.chunks(100) {
            let states = api::photo_status(token, batch).await?;
            for st in states {
                match st.state {
                    PhotoUploadState::Stored | PhotoUploadState::Purged => {
                        self.freed(&st.hash).await;
                    }
                    PhotoUploadState::Unknown => {}
                    PhotoUploadState::Missing | PhotoUploadState::Partial => {
                        self.send_photo(token, &st.hash, st.received as usize)
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn send_photo(
        self: &Rc<Self>,
        token: &str,
        hash: &str,
        from: usize,
    ) -> Result<(), HttpError> {
        let Ok(Some(bytes)) = self.store.get_photo(hash, false).await else {
            return Ok(());
        };
        let total = bytes.len();
        let mut offset = from.min(total);
        let mut asked_again = false;
        let result = loop {
            *self.upload.borrow_mut() = Some(PhotoUpload {
                hash: hash.into(),
                sent: offset,
                total,
            });
            self.notify();
            let end = (offset + CHUNK_BYTES).min(total);
            match api::put_photo_chunk(token, hash, offset, total, &bytes[offset..end]).await {
                Ok(st) => match st.state {
                    PhotoUploadState::Stored | PhotoUploadState::Purged => {
                        self.freed(hash).await;
                        break Ok(());
                    }
                    _ => offset = (st.received as usize).min(total),
                },
                // The server stands elsewhere (another tablet sent part of it): ask once.
                Err(HttpError::Server(409)) if !asked_again => {
                    asked_again = true;
                    match api::photo_status(token, &[hash.to_string()]).await?.first() {
                        Some(st) if st.state == PhotoUploadState::Partial => {
                            offset = (st.received as usize).min(total)
                        }
                        _ => offset = 0,
                    }
                }
                Err(e) => break Err(e),
            }
        };
        *self.upload.borrow_mut() = None;
        self.notify();
        result
    }
}

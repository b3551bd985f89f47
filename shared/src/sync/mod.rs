//! The sync engine: Automerge's own sync protocol, batched over one HTTP request for all the
//! documents a tablet holds. The browser client, the server and the test tablets all run this
//! code, so tests exercise what ships.
//!
//! Wire format of `POST /api/sync` (both ways `application/octet-stream`, postcard encoding):
//! a [`BatchRequest`] holds, per document, its id, its current heads and optionally one encoded
//! Automerge sync message; the [`BatchResponse`] holds the server's next message for each
//! document that needs one. A document whose heads the server already has costs 16 bytes of
//! id plus 33 bytes per head (one head for a quiet document), and nothing in the answer.
//!
//! Per (peer, document) state is kept with [`State::encode`], which keeps only the heads both
//! sides are known to share; in-flight bookkeeping starts afresh each run, so a lost answer never
//! leaves a document stuck waiting.

use std::collections::BTreeMap;

pub use automerge::sync::{Message, State};
use automerge::{AutoCommit, ChangeHash, sync::SyncDoc};
use uuid::Uuid;

pub mod guard;
mod wire;

pub use wire::*;

/// Rounds after which a run gives up (a healthy exchange needs 2-4).
pub const MAX_ROUNDS: u32 = 16;

#[derive(Debug, thiserror::Error)]
pub enum SyncError<E> {
    #[error("transport: {0}")]
    Transport(E),
    #[error("the server's answer could not be read: {0}")]
    BadResponse(String),
    #[error("the request could not be written: {0}")]
    Encode(WireError),
    #[error("the sync did not finish after {0} rounds")]
    TooManyRounds(u32),
}

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("the sync message could not be decoded: {0}")]
    Decode(String),
    #[error("the sync message could not be applied: {0}")]
    Apply(String),
}

pub fn heads_to_wire(heads: &[ChangeHash]) -> Vec<Head> {
    heads.iter().map(|h| h.0).collect()
}

pub fn heads_from_wire(heads: &[Head]) -> Vec<ChangeHash> {
    heads.iter().map(|h| ChangeHash(*h)).collect()
}

/// Sorted, so that two lists of the same heads compare equal.
pub fn sorted_heads(mut heads: Vec<Head>) -> Vec<Head> {
    crate::sort::sort(&mut heads);
    heads
}

/// Restores a persisted state; unreadable bytes give a fresh state (the protocol recovers).
pub fn decode_state(bytes: Option<&[u8]>) -> State {
    bytes
        .and_then(|b| State::decode(b).ok())
        .unwrap_or_default()
}

pub fn encode_state(state: &State) -> Vec<u8> {
    state.encode()
}

/// Applies one encoded message from a peer. Change chunks are checksummed and parsed while the
/// message is decoded, so a corrupt message is refused before it touches the document. A
/// receiver that does not trust its peer (the server) checks the message with
/// [`crate::sync::guard::check`] first.
pub fn receive(
    doc: &mut AutoCommit,
    state: &mut State,
    message: &[u8],
) -> Result<(), MessageError> {
    let message = Message::decode(message).map_err(|e| MessageError::Decode(e.to_string()))?;
    doc.sync()
        .receive_sync_message(state, message)
        .map_err(|e| MessageError::Apply(e.to_string()))
}

/// True when `message` says only "I have exactly what you have": no changes, nothing needed,
/// the same heads as `our_heads`. Answering such a message would only echo it back, so the
/// server stays quiet (204 on the single-document endpoint) and the exchange ends.
pub fn is_quiet(message: &[u8], our_heads: &[ChangeHash]) -> bool {
    let Ok(m) = Message::decode(message) else {
        return false;
    };
    m.changes.is_empty()
        && m.need.is_empty()
        && sorted_heads(heads_to_wire(&m.heads)) == sorted_heads(heads_to_wire(our_heads))
}

/// The next encoded message for the peer, if any.
pub fn generate(doc: &mut AutoCommit, state: &mut State) -> Option<Vec<u8>> {
    doc.sync().generate_sync_message(state).map(Message::encode)
}

/// [`generate`] for the server, which keeps nothing of a round but the stored document and
/// the shared heads. A change that arrived without one of its dependencies (the tablet left it
/// out because the server's Bloom filter wrongly claimed it, about 1 % per change) waits in
/// Automerge's queue, which the server drops at the end of the request, while the tablet has
/// noted the change as sent and never sends it again: the server would ask for it forever
/// (issue 8's `TooManyRounds`). So when something is queued, the reply says the server has
/// nothing (empty heads, an empty filter): every Automerge peer then forgets what it sent and
/// sends its whole document (V2) or all its changes (V1), which leaves nothing to queue.
/// Automerge itself answers a peer that lost its data this way; a tablet's first sync to the
/// server takes the same path.
pub fn generate_for_server(doc: &mut AutoCommit, state: &mut State) -> Option<Vec<u8>> {
    let orphans = !doc.get_missing_deps(&[]).is_empty();
    let mut message = doc.sync().generate_sync_message(state)?;
    if orphans {
        message.heads.clear();
        message.have = vec![automerge::sync::Have::default()];
    }
    Some(message.encode())
}

/// One document as a tablet holds it during a sync run.
#[derive(Debug)]
pub struct ClientDoc {
    pub id: Uuid,
    pub doc: AutoCommit,
    pub state: State,
}

/// What a run did, for the screen and for the benchmarks.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub round_trips: u32,
    pub bytes_up: usize,
    pub bytes_down: usize,
    /// Documents that received changes from the server (to be saved again).
    pub changed: Vec<Uuid>,
    /// Documents the server quarantined, with its reason.
    pub quarantined: BTreeMap<Uuid, String>,
    /// Documents whose message the server refused (nothing of it stored), with its error code
    /// and sentence: sent again unchanged, they would be refused again.
    pub refused: BTreeMap<Uuid, (crate::codes::ErrorCode, String)>,
}

/// Sends a request body and returns the answer body.
#[allow(async_fn_in_trait)]
pub trait Transport {
    type Error: std::fmt::Display;
    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, Self::Error>;
}

/// Progress of a run: (documents settled, documents in all).
pub trait Progress {
    fn report(&mut self, settled: usize, total: usize);
}

impl Progress for () {
    fn report(&mut self, _: usize, _: usize) {}
}

/// Runs the sync protocol for every document until neither side has anything to send.
///
/// The first round sends only heads for documents whose heads the server is known to share
/// (nothing new here), and a sync message for the others. Later rounds carry on only for the
/// documents still talking.
pub async fn run_client_sync<T: Transport>(
    peer_id: Uuid,
    docs: &mut [ClientDoc],
    transport: &mut T,
    progress: &mut impl Progress,
) -> Result<SyncReport, SyncError<T::Error>> {
    let mut report = SyncReport::default();
    let index: BTreeMap<Uuid, usize> = docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let mut entries: Vec<DocEntry> = docs
        .iter_mut()
        .map(|d| {
            let heads = d.doc.get_heads();
            let message = if sorted_heads(heads_to_wire(&heads))
                == sorted_heads(heads_to_wire(&d.state.shared_heads))
            {
                None
            } else {
                generate(&mut d.doc, &mut d.state)
            };
            DocEntry {
                doc_id: d.id,
                heads: heads_to_wire(&heads),
                message,
            }
        })
        .collect();
    let total = docs.len();
    loop {
        if entries.is_empty() {
            progress.report(total, total);
            return Ok(report);
        }
        if report.round_trips >= MAX_ROUNDS {
            return Err(SyncError::TooManyRounds(report.round_trips));
        }
        let body = encode_request(&BatchRequest::new(peer_id, std::mem::take(&mut entries)))
            .map_err(SyncError::Encode)?;
        report.bytes_up += body.len();
        let answer = transport
            .exchange(body)
            .await
            .map_err(SyncError::Transport)?;
        report.round_trips += 1;
        report.bytes_down += answer.len();
        let response =
            decode_response(&answer).map_err(|e| SyncError::BadResponse(e.to_string()))?;
        for reply in response.docs {
            let Some(&i) = index.get(&reply.doc_id) else {
                return Err(SyncError::BadResponse(format!(
                    "unknown document {}",
                    reply.doc_id
                )));
            };
            let d = &mut docs[i];
            match &reply.status {
                DocStatus::Quarantined { reason } => {
                    report.quarantined.insert(d.id, reason.clone());
                }
                DocStatus::Refused { error, message } => {
                    report
                        .refused
                        .insert(d.id, (error.clone(), message.clone()));
                    continue;
                }
                DocStatus::Ok | DocStatus::Deferred => {}
            }
            if reply.status == DocStatus::Deferred {
                // Deferred by the server: start this document's exchange afresh next round
                // (its in-flight bookkeeping would otherwise hold the message back).
                d.state = decode_state(Some(&encode_state(&d.state)));
                if let Some(next) = generate(&mut d.doc, &mut d.state) {
                    entries.push(DocEntry {
                        doc_id: d.id,
                        heads: heads_to_wire(&d.doc.get_heads()),
                        message: Some(next),
                    });
                }
                continue;
            }
            if let Some(message) = reply.message {
                let before = d.doc.get_heads();
                receive(&mut d.doc, &mut d.state, &message)
                    .map_err(|e| SyncError::BadResponse(e.to_string()))?;
                if d.doc.get_heads() != before && !report.changed.contains(&d.id) {
                    report.changed.push(d.id);
                }
                if let Some(next) = generate(&mut d.doc, &mut d.state) {
                    let heads = heads_to_wire(&d.doc.get_heads());
                    entries.push(DocEntry {
                        doc_id: d.id,
                        heads,
                        message: Some(next),
                    });
                }
            }
        }
        progress.report(total - entries.len(), total);
    }
}

/// True when the peer is known to hold everything this document holds.
pub fn is_synced(doc: &mut AutoCommit, state: &State) -> bool {
    sorted_heads(heads_to_wire(&doc.get_heads()))
        == sorted_heads(heads_to_wire(&state.shared_heads))
}

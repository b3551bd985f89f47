//! The bytes of `POST /api/sync`: postcard-encoded [`BatchRequest`] and [`BatchResponse`].

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub type Head = [u8; 32];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRequest {
    /// The device (tablet, browser profile) sending; sync state is kept per user and peer.
    pub peer_id: Uuid,
    pub docs: Vec<DocEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocEntry {
    pub doc_id: Uuid,
    /// The sender's current heads; with no message, "tell me if you have anything newer".
    pub heads: Vec<Head>,
    /// An encoded Automerge sync message.
    pub message: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResponse {
    /// Only documents with something to say are listed.
    pub docs: Vec<DocReply>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocReply {
    pub doc_id: Uuid,
    /// The server's next message. `None` with `DocStatus::Ok` means "not applied this time,
    /// send it again": the request's budget was spent on the documents before it.
    pub message: Option<Vec<u8>>,
    pub status: DocStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocStatus {
    /// Stored and projected (or nothing new to store).
    Ok,
    /// Stored, but it breaks the session schema: kept aside, not shown in lists.
    Quarantined { reason: String },
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).unwrap_or_default()
}

pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, postcard::Error> {
    postcard::from_bytes(bytes)
}

//! The bytes of `POST /api/sync`: postcard-encoded [`BatchRequest`] and [`BatchResponse`], in
//! versions.
//!
//! Tablets stay offline for days and update late, so a server always reads every version a
//! tablet may still speak, and answers each request in its own version:
//! - **v1** (the first app, frozen in [`v1`]): no version field. A request starts with the peer
//!   id's length prefix, the byte `0x10`. A document the server could not take this time comes
//!   back with no message and status `Ok` ("send it again"); a refused message fails the whole
//!   request with 400 naming the document.
//! - **v2** (this app): request and response start with their version as a varint (the
//!   number 16 is never a version, so `0x10` still means v1). Adds [`DocStatus::Deferred`]
//!   and [`DocStatus::Refused`]: a message the server refuses is that document's status, and
//!   the other documents of the request go through.
//!
//! `shared/tests/wire.rs` holds the bytes of each version, frozen: a change that would strand a
//! tablet fails it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::ErrorCode;

pub type Head = [u8; 32];

/// The version this code writes.
pub const WIRE_VERSION: u32 = 2;

/// The first byte of every v1 request: postcard's length prefix of the 16-byte peer id.
const V1_FIRST_BYTE: u8 = 0x10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRequest {
    /// The wire version the request was written in (see the module's doc).
    pub version: u32,
    /// The device (tablet, browser profile) sending; sync state is kept per user and peer.
    pub peer_id: Uuid,
    pub docs: Vec<DocEntry>,
}

impl BatchRequest {
    /// A request in this code's version.
    pub fn new(peer_id: Uuid, docs: Vec<DocEntry>) -> Self {
        Self {
            version: WIRE_VERSION,
            peer_id,
            docs,
        }
    }
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
    /// The version of the request this answers.
    pub version: u32,
    /// Only documents with something to say are listed.
    pub docs: Vec<DocReply>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocReply {
    pub doc_id: Uuid,
    /// The server's next message.
    pub message: Option<Vec<u8>>,
    pub status: DocStatus,
}

/// New variants go at the end: postcard writes a variant as its index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocStatus {
    /// Stored and projected (or nothing new to store).
    Ok,
    /// Stored, but it breaks the session schema: kept aside, not shown in lists.
    Quarantined { reason: String },
    /// Not applied this time (the request's budget was spent on the documents before it):
    /// send it again. (v2; a v1 answer says it with no message and `Ok`.)
    Deferred,
    /// The message was refused and nothing of it stored: `error` is the API's error code
    /// (e.g. `bad_sync_message`), `message` the sentence. Sent again unchanged, it would be
    /// refused again. (v2; a v1 request fails whole with 400 instead.)
    Refused { error: ErrorCode, message: String },
}

/// Why bytes are not a request or a response this code reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("unreadable: {0}")]
    Unreadable(String),
    #[error("empty")]
    Empty,
    /// Written by a newer app than this code.
    #[error("wire version {0} is newer than this code reads ({WIRE_VERSION})")]
    Unsupported(u32),
    /// A v1 answer cannot say this (the server never makes it for a v1 request).
    #[error("a v1 answer cannot carry a {0} status")]
    NotInV1(&'static str),
}

impl From<postcard::Error> for WireError {
    fn from(e: postcard::Error) -> Self {
        WireError::Unreadable(e.to_string())
    }
}

/// Postcard bytes of any value. Our types always serialise; an error is still returned, never
/// swallowed.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, WireError> {
    Ok(postcard::to_allocvec(value)?)
}

pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, postcard::Error> {
    postcard::from_bytes(bytes)
}

/// The version a request or response says it is written in (v1 has no field: see the module).
fn version_of(bytes: &[u8]) -> Result<u32, WireError> {
    match bytes.first() {
        None => Err(WireError::Empty),
        Some(&V1_FIRST_BYTE) => Ok(1),
        Some(_) => Ok(postcard::take_from_bytes::<u32>(bytes)?.0),
    }
}

/// Reads a request of any version this code knows, as the current types (a v1 request gets
/// `version: 1`).
pub fn decode_request(bytes: &[u8]) -> Result<BatchRequest, WireError> {
    match version_of(bytes)? {
        1 => {
            let old: v1::BatchRequest = postcard::from_bytes(bytes)?;
            Ok(BatchRequest {
                version: 1,
                peer_id: old.peer_id,
                docs: old
                    .docs
                    .into_iter()
                    .map(|d| DocEntry {
                        doc_id: d.doc_id,
                        heads: d.heads,
                        message: d.message,
                    })
                    .collect(),
            })
        }
        WIRE_VERSION => Ok(postcard::from_bytes(bytes)?),
        other => Err(WireError::Unsupported(other)),
    }
}

/// Writes a request in this code's version.
pub fn encode_request(request: &BatchRequest) -> Result<Vec<u8>, WireError> {
    if request.version != WIRE_VERSION {
        return Err(WireError::Unsupported(request.version));
    }
    encode(request)
}

/// Writes an answer in `version` (the request's).
pub fn encode_response(version: u32, docs: Vec<DocReply>) -> Result<Vec<u8>, WireError> {
    match version {
        1 => {
            let mut old = Vec::with_capacity(docs.len());
            for d in docs {
                let status = match d.status {
                    DocStatus::Ok | DocStatus::Deferred => v1::DocStatus::Ok,
                    DocStatus::Quarantined { reason } => v1::DocStatus::Quarantined { reason },
                    DocStatus::Refused { .. } => return Err(WireError::NotInV1("Refused")),
                };
                old.push(v1::DocReply {
                    doc_id: d.doc_id,
                    message: d.message,
                    status,
                });
            }
            encode(&v1::BatchResponse { docs: old })
        }
        WIRE_VERSION => encode(&BatchResponse { version, docs }),
        other => Err(WireError::Unsupported(other)),
    }
}

/// Reads an answer to a request this code wrote.
pub fn decode_response(bytes: &[u8]) -> Result<BatchResponse, WireError> {
    let response: BatchResponse = postcard::from_bytes(bytes)?;
    if response.version != WIRE_VERSION {
        return Err(WireError::Unsupported(response.version));
    }
    Ok(response)
}

/// Wire v1, frozen: the types of the first app, exactly. Never change them; tablets that have
/// not updated still send and read these bytes.
pub mod v1 {
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::Head;

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct BatchRequest {
        pub peer_id: Uuid,
        pub docs: Vec<DocEntry>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DocEntry {
        pub doc_id: Uuid,
        pub heads: Vec<Head>,
        pub message: Option<Vec<u8>>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct BatchResponse {
        pub docs: Vec<DocReply>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DocReply {
        pub doc_id: Uuid,
        /// `None` with `Ok`: not applied this time, send it again.
        pub message: Option<Vec<u8>>,
        pub status: DocStatus,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub enum DocStatus {
        Ok,
        Quarantined { reason: String },
    }
}

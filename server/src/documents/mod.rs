//! Session documents: stored as Automerge chunks with their sync states ([`store`]), kept
//! loaded while they are being synced ([`hot`]), and projected into the SQL tables the office
//! reads ([`projection`]), which [`sessions`] reads.

pub mod hot;
pub mod projection;
pub mod sessions;
pub mod store;

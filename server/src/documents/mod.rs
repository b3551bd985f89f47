//! Session documents: stored as Automerge chunks with their sync states ([`store`]), and
//! projected into the SQL tables the office reads ([`projection`]), which [`sessions`] reads.

pub mod projection;
pub mod sessions;
pub mod store;

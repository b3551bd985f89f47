//! Session documents: stored as Automerge chunks with their sync states ([`store`]), and
//! projected into the SQL tables the office reads ([`projection`]).

pub mod projection;
pub mod store;

//! The HTTP API, one module per area; each exposes `router()`.

pub mod audit;
pub mod auth;
pub mod consolidation;
pub mod devices;
pub mod meta;
pub mod programme;
pub mod reference;
pub mod sessions;
pub mod sync;

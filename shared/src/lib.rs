//! Tachkhis shared core: what the server, the browser client and the test tablets agree on.
//!
//! Nothing here knows about HTTP or SQL. Everything compiles for x86_64 and wasm32.
#![forbid(unsafe_code)]

pub mod api;
pub mod bundle;
pub mod codes;
pub mod money;
pub mod permissions;
pub mod reference;
pub mod session;
pub mod sort;
pub mod sync;
pub mod text;

pub use codes::{AttendanceCategory, GroupKind, PhotoKind, Sector};
pub use session::{Proposal, Session, SessionDoc, SessionMeta};

//! Talking to the server: the tablet's HTTP transport and login ([`api`]), the office's JSON
//! calls ([`office`]), and JSON through the browser's own parser ([`json`]).

pub mod api;
pub mod json;
#[cfg(feature = "office")]
pub mod office;

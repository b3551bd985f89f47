//! HTTP: the router and its layers, the API's error type, extractors, and one route module per
//! area (each exposes `router()`).

pub mod error;
pub mod extract;
pub mod router;
pub mod routes;

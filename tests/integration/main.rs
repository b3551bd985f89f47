//! Integration tests: the real server on 127.0.0.1:0 with a temp SQLite file, simulated tablets
//! running the shared sync engine over HTTP.

mod attack;
mod consolidation;
mod devices;
mod helpers;
mod http;
mod js;
mod programme;
mod restart;
mod retry;
mod session_v2;
mod sync;
mod tls;

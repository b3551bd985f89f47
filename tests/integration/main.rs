//! Integration tests: the real server on 127.0.0.1:0 with a temp SQLite file, simulated tablets
//! running the shared sync engine over HTTP.

mod attack;
mod backup;
mod bundle;
mod client_files;
mod codes;
mod consolidation;
mod corrections;
mod craft;
// The follow-up's dashboards and a project's story (issue 15, dash).
mod dashboard;
mod devices;
mod document;
mod gender;
mod headers;
mod helpers;
mod hot;
mod http;
mod js;
mod login;
mod monitoring;
mod opinions;
mod order;
mod people;
mod permissions;
// The three-year programming and the annual evaluation (issue 15, plan3).
mod photos;
mod plan;
mod priorities;
mod procedure;
mod programme;
// Public pages (issue 16, public).
mod projection;
mod public;
mod redteam;
mod restart;
mod retry;
mod schemathesis;
mod session_v2;
mod setup;
mod stress;
mod structure;
mod sync;
mod territory;
mod tls;
mod wire;
// The follow-up's execution records (issue 15, exec).
mod execution;

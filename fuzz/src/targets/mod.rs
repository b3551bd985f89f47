//! The fuzz targets, one per kind of input the project receives from outside.

use std::path::Path;

use anyhow::{Result, bail};

use crate::{Outcome, Target, rng::Rng};

pub mod bundle;
pub mod import;
pub mod strings;
pub mod sync;
pub mod territory;

/// Every target, in the order a full run takes them.
pub const NAMES: &[&str] = &[
    "sync",
    "batch",
    "bundle",
    "qr",
    "import",
    "territory",
    "money",
    "text",
];

/// What each target feeds, for `--help` and the report.
pub fn describe(name: &str) -> &'static str {
    match name {
        "sync" => {
            "POST /api/docs/{id}/sync: one Automerge sync message, through the server's router"
        }
        "batch" => "POST /api/sync: a postcard BatchRequest, through the server's router",
        "bundle" => "shared::bundle::read_sessions: session files (.tachkhis)",
        "qr" => "shared::bundle::from_code then read_sessions: session codes (QR text)",
        "import" => "programme::import::import_projects: CSV and XLSX project files",
        "territory" => "territory::file::import_territory: CSV and XLSX territory files",
        "money" => "shared::money::parse_mad, and format -> parse round trips",
        "text" => "shared::text::normalize: no panic, idempotent, clean key",
        "selftest" => "the driver's own check: panics, aborts and failures on purpose",
        _ => "unknown",
    }
}

/// Iterations one child process runs: the sync targets keep every accepted message in their
/// database, which a fresh child starts anew (and a fresh child costs them about a second).
pub fn per_child(name: &str) -> u64 {
    match name {
        "sync" | "batch" => 2_000,
        "import" | "territory" | "bundle" | "qr" => 10_000,
        _ => 100_000,
    }
}

/// Builds target `name`; `workdir` is an empty folder of its own (databases go there).
pub fn make(name: &str, workdir: &Path) -> Result<Box<dyn Target>> {
    Ok(match name {
        "sync" => Box::new(sync::SyncTarget::new(workdir, false)?),
        "batch" => Box::new(sync::SyncTarget::new(workdir, true)?),
        "bundle" => Box::new(bundle::BundleTarget::new(false)),
        "qr" => Box::new(bundle::BundleTarget::new(true)),
        "import" => Box::new(import::ImportTarget::new(workdir)?),
        "territory" => Box::new(territory::TerritoryTarget::new(workdir)?),
        "money" => Box::new(strings::MoneyTarget::new()),
        "text" => Box::new(strings::TextTarget::new()),
        "selftest" => Box::new(SelfTest),
        other => bail!(
            "unknown target `{other}`; the targets are: {}",
            NAMES.join(", ")
        ),
    })
}

/// Proves the driver counts what it must: inputs starting with `P` panic, `A` abort the
/// process, `F` fail (like a 5xx), anything else is accepted.
struct SelfTest;

impl Target for SelfTest {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        let first = *rng.pick(b"PAFxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        let mut v = vec![first];
        v.extend(rng.bytes(4));
        v
    }

    fn execute(&mut self, input: &[u8]) -> Outcome {
        match input.first() {
            Some(b'P') => panic!("selftest panic on purpose"),
            Some(b'A') => std::process::abort(),
            Some(b'F') => Outcome::ServerError("selftest failure on purpose".into()),
            _ => Outcome::Accepted,
        }
    }
}

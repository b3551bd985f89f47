//! The side-by-side benchmark against the reference (issue 17): the automerge-repo sync server
//! (npm `@automerge/automerge-repo` 2, websocket adapter, Node filesystem storage) and the
//! release `tachkhis serve`, one after the other in one run, on the same workload built by the
//! reference JS Automerge (tablets × 6 sessions × 40 proposals): server CPU seconds, peak and
//! final RSS, and wall time per phase (upload, no-op resync, one small edit per tablet), at
//! 50 and 200 tablets, with the Tachkhis/reference ratios beside the goals.
//!
//! The work is in `benches/reference/bench.mjs` (read its header for the phases, how each
//! side's completion is detected and what is checked after each phase); this wrapper installs
//! its npm packages from the lockfile when needed and runs it against the `tachkhis` binary
//! cargo built for this benchmark (release). Needs Node.js (>= 18) and npm on the PATH.
//!
//! `cargo bench -p tachkhis-server --bench reference` (`cargo xtask bench` runs it).
//! `TACHKHIS_REF_TABLETS` (default `50,200`), `TACHKHIS_REF_SERVERS` (default
//! `reference,tachkhis`), `TACHKHIS_REF_CONCURRENCY` (tablets syncing at once on either
//! server, default 16), `TACHKHIS_REF_KEEPALIVE_MS` (the reference's websocket keep-alive,
//! default 60 s instead of its 5 s, which dropped tablets of the busy harness mid-phase).
//!
//! Baseline before the store rewrite (main at 7e184c8, 2026-12-02, 2 cores shared with other
//! builds; Tachkhis / reference): 50 tablets: upload CPU 1.04 / 5.53 s (0.19×), peak RSS
//! 154 / 275 MB (0.56×: Tachkhis is at 129 MB before the upload, 33 MB once listening and the
//! rest kept after the tablets' argon2 logins), no-op resync CPU 0.37 / 0.38 s (0.97×; 0.88×
//! and 1.08× in two other runs), one edit per tablet 0.22 / 0.34 s (0.65×). 200 tablets: upload
//! CPU 4.71 / 113.5 s (0.04×), peak RSS 158 / 601 MB (0.26×), no-op 1.54 / 2.83 s (0.54×), edit
//! 1.03 / 1.25 s (0.82×).
#![allow(clippy::print_stdout)]

use std::{
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/reference")
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    match cmd.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{what} exited with {s}")),
        Err(e) => Err(format!(
            "could not run {what}: {e}. This benchmark needs Node.js (>= 18) and npm on the PATH \
             (e.g. `apt-get install nodejs npm`)"
        )),
    }
}

/// Installs the locked packages when they are missing or older than the lockfile (npm writes
/// `node_modules/.package-lock.json` at each install). `npm install --no-save`, not `npm ci`:
/// cbor-x's optional native helpers (`@cbor-extract/*`) could not be fetched when the lockfile
/// was made, so it lacks them, and `npm ci` refuses such a lockfile; install takes the locked
/// versions, skips the optional ones it cannot get, and leaves the lockfile as it is.
fn ensure_packages(dir: &Path) -> Result<(), String> {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    let wanted = modified(dir.join("package-lock.json"));
    if installed.is_some() && installed >= wanted {
        return Ok(());
    }
    println!("reference bench: npm install in {}", dir.display());
    run(
        Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(dir),
        "`npm install`",
    )
}

fn main() -> ExitCode {
    let dir = dir();
    let result = run(Command::new("node").arg("--version"), "`node --version`")
        .and_then(|()| ensure_packages(&dir))
        .and_then(|()| {
            run(
                Command::new("node")
                    .current_dir(&dir)
                    .arg("bench.mjs")
                    .arg("--tachkhis")
                    .arg(env!("CARGO_BIN_EXE_tachkhis")),
                "`node bench.mjs`",
            )
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reference bench: {e}");
            ExitCode::FAILURE
        }
    }
}

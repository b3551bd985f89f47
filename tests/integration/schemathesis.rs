//! Schemathesis (PyPI) against the real server's `/api/openapi.json`: for each demo role, it
//! generates requests for every operation from the schema (examples, boundary values, random
//! data) and checks that no answer is a 5xx (`not_a_server_error`) and that every answer
//! matches the schema (`response_schema_conformance`). Any failure it reports fails the test.
//!
//! Schemathesis and its dependencies are pinned in `tests/schemathesis/requirements.txt` and
//! installed once into a virtualenv in `$TACHKHIS_TOOLS` (default `~/.cache/tachkhis`), named by
//! a hash of that file. Needs `python3` with `venv` and network access to PyPI the first time;
//! the test fails (never skips) without them.
//!
//! `TACHKHIS_SCHEMATHESIS_EXAMPLES` (default 25 per operation and role) and
//! `TACHKHIS_SCHEMATHESIS_SEED` (default fixed, so CI is reproducible) tune a run.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use crate::helpers::{Tablet, spawn_app};

const REQUIREMENTS: &str = include_str!("../schemathesis/requirements.txt");

fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("TACHKHIS_TOOLS").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME or TACHKHIS_TOOLS must be set");
    PathBuf::from(home).join(".cache").join("tachkhis")
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what} exited with {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "could not run {what}: {e}; this test needs python3 with venv (Debian: python3-venv)"
        )
    });
    assert!(out.status.success(), "{}", describe(what, &out));
    out
}

/// The `schemathesis` program of the pinned virtualenv, installed when missing. Installs are
/// serialised by a lock file, so parallel runs do not build the same virtualenv twice; a
/// marker written last tells a finished install from one that was cut short.
fn schemathesis() -> PathBuf {
    let hash = REQUIREMENTS.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let root = cache_root();
    let venv = root.join(format!("schemathesis-{:012x}", hash & 0xffff_ffff_ffff));
    let bin = venv.join("bin").join("schemathesis");
    let done = venv.join("installed");
    if done.is_file() {
        return bin;
    }
    std::fs::create_dir_all(&root).unwrap();
    let lock = File::create(root.join("schemathesis.lock")).unwrap();
    lock.lock().unwrap();
    if done.is_file() {
        return bin;
    }
    // Virtualenvs cannot be moved (their scripts name their folder), so a half-made one is
    // thrown away and made again in place.
    let _ = std::fs::remove_dir_all(&venv);
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "`python3 -m venv`",
    );
    let requirements = venv.join("requirements.txt");
    std::fs::write(&requirements, REQUIREMENTS).unwrap();
    run(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
        "`pip install -r tests/schemathesis/requirements.txt`",
    );
    assert!(bin.is_file(), "{} missing after the install", bin.display());
    std::fs::write(&done, "").unwrap();
    bin
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Runs schemathesis for one role; returns its output on failure.
fn check_role(st: &Path, base: &str, role: &str, token: &str, dir: &Path) -> Result<(), String> {
    let examples = env_or("TACHKHIS_SCHEMATHESIS_EXAMPLES", "25");
    let seed = env_or("TACHKHIS_SCHEMATHESIS_SEED", "20261129");
    let out = Command::new(st)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_HOOKS", "")
        .args(["run", &format!("{base}/api/openapi.json"), "--url", base])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            &examples,
            "--seed",
            &seed,
            // One worker: hypothesis parses lambdas with `ast` on the fly, which CPython 3.11
            // does not survive from two threads ("AST constructor recursion depth mismatch").
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--no-shrink",
            "--header",
            &format!("Authorization: Bearer {token}"),
            // Logging out would end this run's login halfway through.
            "--exclude-path",
            "/api/auth/logout",
        ])
        .output()
        .map_err(|e| format!("could not run schemathesis: {e}"))?;
    let text = describe(&format!("schemathesis as {role}"), &out);
    eprintln!("{text}");
    if out.status.success() {
        Ok(())
    } else {
        Err(text)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_answer_off_the_schema() {
    let st = tokio::task::spawn_blocking(schemathesis).await.unwrap();
    let app = spawn_app().await;
    // Something to read: a synced session with proposals (so the office's lists and the
    // consolidation endpoints have rows, not only empty answers).
    let token = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let session = tablet.new_session();
    for p in ["الطريق مقطوعة", "لا يوجد ماء", "المدرسة بعيدة"] {
        tablet.add_proposal(session, p);
    }
    tablet.sync(&app, &token).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    // Every login first: schemathesis tries wrong passwords from this same address, and the
    // login limits would then make these wait.
    let mut tokens = Vec::new();
    for role in ["facilitator", "office", "committee", "admin"] {
        tokens.push((role, app.login(role).await));
    }
    // The administrator last: revoking devices is among its operations, and a revoked login
    // would turn the following roles' runs into rows of 401.
    for (role, token) in tokens {
        let (st, base, dir) = (st.clone(), app.base.clone(), dir.path().to_owned());
        let role_name = role.to_owned();
        let result =
            tokio::task::spawn_blocking(move || check_role(&st, &base, &role_name, &token, &dir))
                .await
                .unwrap();
        if let Err(e) = result {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "schemathesis reported failures:\n{}",
        failures.join("\n\n")
    );
}

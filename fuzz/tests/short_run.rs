//! The short fuzz run that CI does (`cargo xtask test` runs the workspace's tests): every
//! target for a fixed number of iterations from a fixed seed, through the real driver (child
//! processes, crash capture). Any crash, 5xx or broken property fails it, with the report and
//! where the inputs were saved. `cargo xtask fuzz` is the long run.
//!
//! `TACHKHIS_FUZZ_SEED` picks other inputs; `TACHKHIS_FUZZ_SCALE` multiplies the iterations.

use std::{path::PathBuf, process::Command};

/// Iterations per target: about a minute in all in a debug build on a 2-core machine.
const SHORT: &[(&str, u64)] = &[
    ("sync", 300),
    ("batch", 100),
    ("bundle", 300),
    ("qr", 300),
    ("import", 300),
    ("money", 20_000),
    ("text", 20_000),
];

fn out_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("TACHKHIS_ARTEFACTS")
        .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")), PathBuf::from);
    base.join(name)
}

fn fuzz(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tachkhis-fuzz"))
        .args(args)
        .output()
        .expect("run tachkhis-fuzz");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn every_target_survives_a_short_run() {
    let seed = std::env::var("TACHKHIS_FUZZ_SEED").unwrap_or_else(|_| "20261129".into());
    let scale: u64 = std::env::var("TACHKHIS_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let out = out_dir("fuzz");
    let mut failed = Vec::new();
    for (target, n) in SHORT {
        let n = (n * scale).to_string();
        let (ok, report) = fuzz(&[
            "run",
            "--target",
            target,
            "--iterations",
            &n,
            "--seed",
            &seed,
            "--out",
            out.to_str().unwrap(),
        ]);
        eprintln!("{report}");
        assert!(
            report.contains(&format!("\n{target:<8} {n:>10} ")),
            "no report line for {target} with {n} iterations:\n{report}"
        );
        if !ok {
            failed.push(report);
        }
    }
    assert!(
        failed.is_empty(),
        "the short fuzz run found failures (inputs saved in {}):\n{}",
        out.display(),
        failed.join("\n")
    );
}

/// The driver counts a panic, an abort and a 5xx-like failure each as what it is, goes on
/// after each, saves the inputs, and exits non-zero.
#[test]
fn the_driver_counts_panics_aborts_and_failures_and_saves_them() {
    let out = out_dir("fuzz-selftest");
    let _ = std::fs::remove_dir_all(&out);
    let (ok, report) = fuzz(&[
        "run",
        "--target",
        "selftest",
        "--iterations",
        "400",
        "--per-child",
        "100",
        "--seed",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok, "a run with crashes must fail:\n{report}");
    let line = report
        .lines()
        .find(|l| l.starts_with("selftest "))
        .unwrap_or_else(|| panic!("no report line:\n{report}"));
    let n: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(6)
        .map(|v| v.parse().unwrap())
        .collect();
    let [
        iterations,
        accepted,
        refused,
        crashes,
        server_errors,
        broken,
    ] = n[..]
    else {
        panic!("{line}");
    };
    assert_eq!(iterations, 400, "{report}");
    assert_eq!(accepted + crashes + server_errors, 400, "{report}");
    assert_eq!((refused, broken), (0, 0), "{report}");
    assert!(crashes >= 10 && server_errors >= 5, "{report}");
    assert!(report.contains("abort: the child process"), "{report}");
    assert!(report.contains("panic: panicked at"), "{report}");
    let saved: Vec<_> = std::fs::read_dir(out.join("selftest"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let abort_note = saved
        .iter()
        .find(|p| p.to_string_lossy().contains("-abort-") && p.extension().unwrap() == "txt")
        .expect("an abort saved");
    let note = std::fs::read_to_string(abort_note).unwrap();
    let bin = std::fs::read(abort_note.with_extension("bin")).unwrap();
    assert_eq!(bin[0], b'A', "the saved input is the one that aborted");
    assert!(
        note.contains(&format!("input (hex):\n{:02x}", bin[0])),
        "{note}"
    );
}

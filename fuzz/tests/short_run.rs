//! The short fuzz run that CI does (`cargo xtask test` runs the workspace's tests): every
//! target for a fixed number of iterations from a fixed seed, through the real driver (child
//! processes, crash capture). Any crash, 5xx or broken property fails it, with the report and
//! where the inputs were saved, except failures listed in `fuzz/known-failures.txt` (known, not
//! yet fixed, said on stderr). `cargo xtask fuzz` is the long run.
//!
//! `TACHKHIS_FUZZ_SEED` picks other inputs; `TACHKHIS_FUZZ_SCALE` multiplies the iterations.

use std::{path::PathBuf, process::Command};

/// Iterations per target: about a minute in all in a debug build on a 2-core machine.
const SHORT: &[(&str, u64)] = &[
    ("sync", 2_000),
    ("batch", 600),
    ("bundle", 1_500),
    ("qr", 600),
    ("import", 1_500),
    ("territory", 800),
    ("money", 100_000),
    ("text", 100_000),
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

/// (target, text in the failure line) of `fuzz/known-failures.txt`.
fn known_failures() -> Vec<(String, String)> {
    include_str!("../known-failures.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(3, '|').map(str::trim);
            Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
        })
        .collect()
}

/// The failure lines of a target's report that are not known ones.
fn unknown_failures(target: &str, report: &str, known: &[(String, String)]) -> Vec<String> {
    report
        .lines()
        .skip_while(|l| *l != format!("{target} failures:"))
        .skip(1)
        .take_while(|l| l.starts_with("  ") && !l.trim_start().starts_with("inputs saved"))
        .filter(|l| {
            !known
                .iter()
                .any(|(t, text)| t == target && l.contains(text.as_str()))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_target_survives_a_short_run() {
    let seed = std::env::var("TACHKHIS_FUZZ_SEED").unwrap_or_else(|_| "20261129".into());
    let scale: u64 = std::env::var("TACHKHIS_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let out = out_dir("fuzz");
    let known = known_failures();
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
            let unknown = unknown_failures(target, &report, &known);
            // A non-zero exit with no failure line is a driver error: never "known".
            if unknown.is_empty() && report.contains(&format!("{target} failures:")) {
                eprintln!("{target}: only known failures (fuzz/known-failures.txt)");
            } else {
                failed.push(report);
            }
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
fn known_failures_are_matched_by_target_and_text() {
    let report = "seed 1\n\nbundle failures:\n         2 × panic: panicked at /x/automerge-0.12.0/src/types.rs:464:33:\n         1 × abort: memory allocation of # bytes failed\n  inputs saved in /tmp\n";
    let known = vec![("bundle".to_owned(), "automerge-0.12.0/src/".to_owned())];
    let unknown = unknown_failures("bundle", report, &known);
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(unknown[0].contains("memory allocation"));
    assert_eq!(unknown_failures("qr", report, &known), Vec::<String>::new());
    assert!(!known_failures().is_empty());
}

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

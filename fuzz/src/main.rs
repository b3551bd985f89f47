//! `tachkhis-fuzz`: the fuzzing command (`cargo xtask fuzz` runs it in release mode).

#![forbid(unsafe_code)]
// A command-line tool: its report is its output.
#![allow(clippy::print_stdout)]

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context as _, Result, bail};
use tachkhis_fuzz::{Outcome, driver, targets};

const USAGE: &str = "\
usage: tachkhis-fuzz <command> [flags]

commands:
  run [--target NAME]... [--iterations N] [--seconds S] [--seed X] [--start I] [--jobs J]
      [--per-child N] [--out DIR] [--memory-limit-mb M] [--hang-secs H]
        fuzz each target (all by default) for N iterations (default 1000000) or S seconds,
        whichever ends first; print per target: iterations, accepted, refused, crashes,
        5xx, broken properties, execs/s, peak RSS; save failing inputs in DIR/<target>/
        (default target/fuzz); exit 1 if anything failed
  replay --target NAME FILE...
        run saved inputs once, in this process, and say what each did
  list  the targets

--seed picks the inputs (printed at the start; the same seed gives the same inputs);
--start runs iterations from I (with --iterations 1, exactly the input of iteration I).
Each target runs in child processes (--per-child iterations each; 2000 for the sync
targets, whose database grows, more for the others) with an
address-space limit (--memory-limit-mb, default 2048), so an abort or a hang (no progress
for --hang-secs, default 60) is counted and saved like a panic, and the run goes on.";

struct Flags(Vec<String>);

impl Flags {
    fn value(&mut self, name: &str) -> Result<Option<String>> {
        let Some(i) = self.0.iter().position(|a| a == name) else {
            return Ok(None);
        };
        if i + 1 >= self.0.len() {
            bail!("{name} needs a value");
        }
        let v = self.0.remove(i + 1);
        self.0.remove(i);
        Ok(Some(v))
    }

    fn values(&mut self, name: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        while let Some(v) = self.value(name)? {
            out.push(v);
        }
        Ok(out)
    }

    fn number(&mut self, name: &str) -> Result<Option<u64>> {
        self.value(name)?
            .map(|v| {
                v.replace('_', "")
                    .parse::<u64>()
                    .with_context(|| format!("{name}: `{v}` is not a number"))
            })
            .transpose()
    }

    fn rest(self) -> Vec<String> {
        self.0
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(command) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    match dispatch(&command, Flags(args.collect())) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tachkhis-fuzz {command}: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(command: &str, mut flags: Flags) -> Result<ExitCode> {
    match command {
        "run" => {
            let mut names = flags.values("--target")?;
            if names.is_empty() {
                names = targets::NAMES.iter().map(|s| (*s).to_owned()).collect();
            }
            for n in &names {
                if targets::describe(n) == "unknown" {
                    bail!(
                        "unknown target `{n}`; the targets are: {}",
                        targets::NAMES.join(", ")
                    );
                }
            }
            let seconds = flags.number("--seconds")?;
            let start = flags.number("--start")?.unwrap_or(0);
            let iterations = flags
                .number("--iterations")?
                .unwrap_or(if seconds.is_some() {
                    u64::MAX / 4
                } else {
                    1_000_000
                });
            let seed = match flags.number("--seed")? {
                Some(s) => s,
                None => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_000),
            };
            let opts = driver::Options {
                targets: names,
                iterations,
                seconds,
                seed,
                start,
                jobs: flags.number("--jobs")?.unwrap_or(1).max(1) as usize,
                per_child: flags.number("--per-child")?.map(|n| n.max(1)),
                out: flags
                    .value("--out")?
                    .map_or_else(|| PathBuf::from("target/fuzz"), PathBuf::from),
                memory_limit_mb: flags.number("--memory-limit-mb")?.unwrap_or(2048),
                hang_secs: flags.number("--hang-secs")?.unwrap_or(60).max(1),
            };
            let rest = flags.rest();
            if let Some(x) = rest.first() {
                bail!("unknown argument `{x}`\n\n{USAGE}");
            }
            let reports = driver::run(&opts)?;
            println!("seed {}", opts.seed);
            print!("{}", driver::format_reports(&reports));
            Ok(if reports.iter().any(driver::Report::failed) {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        "child" => {
            let target = flags.value("--target")?.context("--target")?;
            let seed = flags.number("--seed")?.context("--seed")?;
            let start = flags.number("--start")?.context("--start")?;
            let count = flags.number("--count")?.context("--count")?;
            let until = flags.number("--until-ms")?;
            let workdir = PathBuf::from(flags.value("--workdir")?.context("--workdir")?);
            driver::child_main(&target, seed, start, count, until, &workdir)?;
            Ok(ExitCode::SUCCESS)
        }
        "replay" => {
            let target = flags.value("--target")?.context("--target NAME")?;
            let files = flags.rest();
            if files.is_empty() {
                bail!("replay needs the files to run");
            }
            tachkhis_fuzz::quiet_panics();
            let dir = tempfile::tempdir()?;
            let mut t = targets::make(&target, dir.path())?;
            let mut failed = false;
            for f in files {
                let input = std::fs::read(&f).with_context(|| format!("reading {f}"))?;
                tachkhis_fuzz::take_panic();
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.execute(&input)));
                let said = match outcome {
                    Ok(Outcome::Accepted) => "accepted".to_owned(),
                    Ok(Outcome::Refused) => "refused".to_owned(),
                    Ok(Outcome::ServerError(d)) => {
                        failed = true;
                        format!("SERVER ERROR: {d}")
                    }
                    Ok(Outcome::Broken(d)) => {
                        failed = true;
                        format!("BROKEN: {d}")
                    }
                    Err(_) => {
                        failed = true;
                        format!("PANIC: {}", tachkhis_fuzz::take_panic().unwrap_or_default())
                    }
                };
                println!("{f}: {said}");
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        "list" => {
            for n in targets::NAMES {
                println!("{n:<8} {}", targets::describe(n));
            }
            Ok(ExitCode::SUCCESS)
        }
        "help" | "-h" | "--help" => {
            eprintln!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

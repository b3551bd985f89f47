//! `cargo xtask …`: the project's build and dev tasks (client bundle, run, test, dist, bench).
//!
//! Written in Rust with `std::process::Command` so they run wherever cargo does, with no
//! shell scripts and no extra build tool (trunk needs a newer rustc and downloads tools).

#![forbid(unsafe_code)]

mod bundle;
mod cmd;
mod tools;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, Result, bail};

use crate::bundle::Opt;

const USAGE: &str = "\
usage: cargo xtask <command> [flags] [-- extra args]

commands:
  run [--addr ADDR] [--release] [--opt]
        build the client bundle, then start the server with demo data and demo logins
        (default address 127.0.0.1:8080, database data/tachkhis.db)
  test [--no-opt] [-- ARGS]
        install what the tests need (wasm32 target, wasm-bindgen-cli, wasm-opt, chromium,
        chromedriver, Arabic fonts), build the client bundle as it ships (wasm-opt'd,
        precompressed), then `cargo test --workspace --exclude tachkhis-client ARGS` (the
        browser tests and the 650 KiB check of the tablets' bundle run on it), then the
        client's host unit tests (`cargo test -p tachkhis-client --lib ARGS`).
        --no-opt or TACHKHIS_FAST_CLIENT=1: skip wasm-opt and precompression, and with them
        the size check (for debugging; refused when CI is set)
  dist [--no-opt]
        release server and optimised client bundle in target/dist
        (`target/dist/tachkhis serve --demo` then works)
  bench [--no-opt] [-- ARGS]
        print the size of the optimised client bundle, run the check of the tablets' bundle
        (every file the service worker keeps, as sent with brotli, at most 650 KiB), then
        `cargo bench -p tachkhis-server --bench sync ARGS`, `--bench login ARGS` (sync
        during a flood of bad logins), `--bench office ARGS`, `--bench gender ARGS` (the
        gender report and its XLSX at 100,000 proposals), `--bench client ARGS` (the
        bundle in headless Chromium with a 300-proposal session), `--bench photos ARGS` and
        `--bench capture ARGS` (taps and seconds for a proposal and a meeting's attendance),
        `--bench backup ARGS` (a ~300 MB database backed up idle and during continuous sync),
        `--bench load ARGS` (200 and 1,000 simulated tablets against the server binary:
        upload, edits, no-op syncs, reconnect storm; TACHKHIS_LOAD_TABLETS=200 for one size)
  build-client [--opt]
        only the client bundle, in target/client
  fuzz [--target NAME]... [--iterations N] [--seconds S] [--seed X] [--jobs J] [...]
        the long fuzz run: `cargo run --release -p tachkhis-fuzz -- run FLAGS`, every target
        (sync, batch, bundle, qr, import, money, text) for 1000000 iterations unless told;
        prints per target iterations, crashes, 5xx, execs/s and peak RSS, saves failing
        inputs in target/fuzz/<target>/ (`cargo xtask test` runs a short fuzz of each)

--opt runs wasm-opt on the wasm and writes every file's .br and .gz (default for test, dist
and bench); --no-opt skips both.
Tools are cached in $TACHKHIS_TOOLS (default ~/.cache/tachkhis).";

/// The workspace and where cargo puts its output.
pub struct Ctx {
    pub root: PathBuf,
    pub target: PathBuf,
    cargo: OsString,
}

impl Ctx {
    fn new() -> Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("xtask/ has no parent directory")?
            .to_path_buf();
        // The same rule cargo applies: CARGO_TARGET_DIR, relative to where it was invoked.
        let target = match std::env::var_os("CARGO_TARGET_DIR")
            .or_else(|| std::env::var_os("CARGO_BUILD_TARGET_DIR"))
        {
            Some(dir) if !dir.is_empty() => std::env::current_dir()?.join(dir),
            _ => root.join("target"),
        };
        // The cargo that runs us, so a toolchain chosen with `cargo +x xtask` is kept.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Ok(Self {
            root,
            target,
            cargo,
        })
    }

    /// A `cargo` command run from the workspace root.
    pub fn cargo(&self) -> Command {
        let mut cmd = Command::new(&self.cargo);
        cmd.current_dir(&self.root);
        cmd
    }
}

/// The command line after the subcommand: flags before `--`, the rest passed through.
struct Args {
    flags: Vec<String>,
    passthrough: Vec<String>,
}

impl Args {
    fn parse(args: Vec<String>) -> Self {
        let mut flags = args;
        let passthrough = match flags.iter().position(|a| a == "--") {
            Some(i) => {
                let rest = flags.split_off(i);
                rest.into_iter().skip(1).collect()
            }
            None => Vec::new(),
        };
        Self { flags, passthrough }
    }

    fn switch(&mut self, name: &str) -> bool {
        let before = self.flags.len();
        self.flags.retain(|f| f != name);
        self.flags.len() != before
    }

    fn value(&mut self, name: &str) -> Result<Option<String>> {
        let prefix = format!("{name}=");
        let mut found = None;
        let mut i = 0;
        while i < self.flags.len() {
            if self.flags[i] == name {
                if i + 1 >= self.flags.len() {
                    bail!("{name} needs a value");
                }
                found = Some(self.flags.remove(i + 1));
                self.flags.remove(i);
            } else if let Some(v) = self.flags[i].strip_prefix(&prefix) {
                found = Some(v.to_owned());
                self.flags.remove(i);
            } else {
                i += 1;
            }
        }
        Ok(found)
    }

    fn finish(self, command: &str, takes_passthrough: bool) -> Result<Vec<String>> {
        if let Some(unknown) = self.flags.first() {
            bail!("unknown argument `{unknown}` for `cargo xtask {command}`\n\n{USAGE}");
        }
        if !takes_passthrough && !self.passthrough.is_empty() {
            bail!("`cargo xtask {command}` takes no arguments after `--`");
        }
        Ok(self.passthrough)
    }

    fn opt(&mut self, default: Opt) -> Result<Opt> {
        match (self.switch("--opt"), self.switch("--no-opt")) {
            (true, true) => bail!("--opt and --no-opt exclude each other"),
            (true, false) => Ok(Opt::WasmOpt),
            (false, true) => Ok(Opt::None),
            (false, false) => Ok(default),
        }
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(command) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    match dispatch(&command, Args::parse(args.collect())) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask {command}: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: &str, mut args: Args) -> Result<ExitCode> {
    let ctx = Ctx::new()?;
    match command {
        "run" => {
            let addr = args
                .value("--addr")?
                .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
            let release = args.switch("--release");
            let opt = args.opt(Opt::None)?;
            args.finish(command, false)?;
            run(&ctx, &addr, release, opt)
        }
        "test" => {
            let fast = std::env::var_os(FAST_CLIENT).is_some_and(|v| v == "1");
            let opt = args.opt(if fast { Opt::None } else { Opt::WasmOpt })?;
            let extra = args.finish(command, true)?;
            test(&ctx, opt, &extra)
        }
        "dist" => {
            let opt = args.opt(Opt::WasmOpt)?;
            args.finish(command, false)?;
            dist(&ctx, opt)
        }
        "bench" => {
            let opt = args.opt(Opt::WasmOpt)?;
            let extra = args.finish(command, true)?;
            bench(&ctx, opt, &extra)
        }
        "build-client" => {
            let opt = args.opt(Opt::None)?;
            args.finish(command, false)?;
            bundle::build(&ctx, opt)?;
            Ok(ExitCode::SUCCESS)
        }
        "fuzz" => {
            // Every flag goes to `tachkhis-fuzz run`, which checks them.
            let mut forward = std::mem::take(&mut args.flags);
            let extra = args.finish(command, true)?;
            forward.extend(extra);
            fuzz(&ctx, &forward)
        }
        "help" | "-h" | "--help" => {
            eprintln!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

fn run(ctx: &Ctx, addr: &str, release: bool, opt: Opt) -> Result<ExitCode> {
    let bundle = bundle::build(ctx, opt)?;
    let data = ctx.root.join("data");
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;

    let mut cmd = ctx.cargo();
    cmd.args(["run", "-p", "tachkhis-server", "--bin", "tachkhis"]);
    if release {
        cmd.arg("--release");
    }
    cmd.args([
        "--",
        "serve",
        "--demo",
        "--db",
        "data/tachkhis.db",
        "--assets",
    ])
    .arg(&bundle.dir)
    .args(["--addr", addr]);
    Ok(cmd::exit_code(cmd::status(&mut cmd)?))
}

/// Set to 1, `cargo xtask test` builds the client without wasm-opt and precompression (about
/// 40 s less), and the bundle size check says it is skipped. Never in CI.
const FAST_CLIENT: &str = "TACHKHIS_FAST_CLIENT";

fn test(ctx: &Ctx, opt: Opt, extra: &[String]) -> Result<ExitCode> {
    if opt == Opt::None && std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        bail!(
            "CI is set: the tests must run on the client bundle as it ships (unset \
             {FAST_CLIENT}, drop --no-opt), or the size check would be skipped"
        );
    }
    // Browser first: it may need apt, and failing here is cheaper than after the builds.
    let browser = tools::ensure_browser()?;
    let started = std::time::Instant::now();
    let bundle = bundle::build(ctx, opt)?;
    eprintln!(
        "xtask test: client bundle built in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let artefacts = ctx.target.join("artefacts");
    // Fresh each run, so what CI collects are this run's screenshots only.
    if artefacts.exists() {
        std::fs::remove_dir_all(&artefacts)
            .with_context(|| format!("removing {}", artefacts.display()))?;
    }
    std::fs::create_dir_all(&artefacts)
        .with_context(|| format!("creating {}", artefacts.display()))?;

    let mut cmd = ctx.cargo();
    cmd.args(["test", "--workspace", "--exclude", "tachkhis-client"])
        .args(extra)
        .env("TACHKHIS_ASSETS", &bundle.dir)
        .env("CHROMEDRIVER", &browser.chromedriver)
        .env("CHROME", &browser.chrome)
        .env("TACHKHIS_ARTEFACTS", &artefacts)
        // The size check (tests/integration/bundle.rs) reads it to say it is skipped.
        .env(FAST_CLIENT, if opt == Opt::None { "1" } else { "0" });
    if opt == Opt::None {
        eprintln!(
            "xtask test: the client is NOT wasm-opt'd nor precompressed ({FAST_CLIENT}=1 or \
             --no-opt): the 650 KiB check of the tablets' bundle is SKIPPED"
        );
    }
    let mut status = cmd::status(&mut cmd)?;
    // `-- --test browser` and the like pick targets the client package does not have.
    let targets_named = extra.iter().any(|a| {
        matches!(
            a.as_str(),
            "--test" | "--bench" | "-p" | "--package" | "--doc"
        ) || a.starts_with("--test=")
            || a.starts_with("--package=")
    });
    if status.success() && !targets_named {
        // The client's own host tests (message catalogues, routes), in a separate run: its
        // feature set (tracing compiled out) must not leak into the server's build.
        let mut client = ctx.cargo();
        client
            .args(["test", "-p", "tachkhis-client", "--lib"])
            .args(extra);
        status = cmd::status(&mut client)?;
    }
    if !status.success() {
        eprintln!(
            "xtask test: cargo test failed ({status}); screenshots, if any, are in {}",
            artefacts.display()
        );
    }
    Ok(cmd::exit_code(status))
}

fn dist(ctx: &Ctx, opt: Opt) -> Result<ExitCode> {
    let bundle = bundle::build(ctx, opt)?;
    cmd::run(ctx.cargo().args([
        "build",
        "--release",
        "-p",
        "tachkhis-server",
        "--bin",
        "tachkhis",
    ]))?;

    let exe = format!("tachkhis{}", std::env::consts::EXE_SUFFIX);
    let dist = ctx.target.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).with_context(|| format!("removing {}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist).with_context(|| format!("creating {}", dist.display()))?;
    let built = ctx.target.join("release").join(&exe);
    std::fs::copy(&built, dist.join(&exe))
        .with_context(|| format!("copying {} into {}", built.display(), dist.display()))?;
    bundle::copy_dir(&bundle.dir, &dist.join("assets"))?;

    eprintln!(
        "xtask dist: {} and {} are ready; start with `{} serve --demo`",
        dist.join(&exe).display(),
        dist.join("assets").display(),
        dist.join(&exe).display()
    );
    Ok(ExitCode::SUCCESS)
}

fn bench(ctx: &Ctx, opt: Opt, extra: &[String]) -> Result<ExitCode> {
    let browser = tools::ensure_browser()?;
    let bundle = bundle::build(ctx, opt)?;
    bundle::report_sizes(&bundle, opt)?;
    // The check of the tablets' bundle prints its table; over the limit, the benchmarks still
    // run and the command fails at the end.
    let mut check = ctx.cargo();
    check
        .args([
            "test",
            "-p",
            "tachkhis-server",
            "--test",
            "integration",
            "--",
            "bundle::",
            "--nocapture",
        ])
        .env("TACHKHIS_ASSETS", &bundle.dir)
        .env(FAST_CLIENT, if opt == Opt::None { "1" } else { "0" });
    let check = cmd::exit_code(cmd::status(&mut check)?);

    for bench in [
        "sync",
        "login",
        "office",
        "gender",
        "suggest",
        "client",
        "photos",
        "capture",
        "backup",
        "projection",
        "load",
        "reference",
        "priorities",
        "document",
        // Public pages (issue 16, public).
        "public",
        // The follow-up's dashboards and a project's story (issue 15, dash).
        "execution",
    ] {
        let mut cmd = ctx.cargo();
        cmd.args(["bench", "-p", "tachkhis-server", "--bench", bench])
            .args(extra)
            // The client benchmark drives the bundle just built in headless Chromium.
            .env("TACHKHIS_ASSETS", &bundle.dir)
            .env("CHROMEDRIVER", &browser.chromedriver)
            .env("CHROME", &browser.chrome);
        let code = cmd::exit_code(cmd::status(&mut cmd)?);
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    Ok(check)
}

fn fuzz(ctx: &Ctx, flags: &[String]) -> Result<ExitCode> {
    let mut cmd = ctx.cargo();
    cmd.args(["run", "--release", "-p", "tachkhis-fuzz", "--", "run"])
        .args(flags);
    if !flags.iter().any(|f| f == "--out") {
        cmd.arg("--out").arg(ctx.target.join("fuzz"));
    }
    Ok(cmd::exit_code(cmd::status(&mut cmd)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Args {
        Args::parse(s.iter().map(|&a| a.to_owned()).collect())
    }

    #[test]
    fn flags_values_and_passthrough_are_separated() {
        let mut a = args(&["--release", "--addr", "0.0.0.0:9000", "--", "--addr", "x"]);
        assert_eq!(a.value("--addr").unwrap().as_deref(), Some("0.0.0.0:9000"));
        assert!(a.switch("--release"));
        assert!(!a.switch("--opt"));
        assert_eq!(a.finish("run", true).unwrap(), ["--addr", "x"]);
    }

    #[test]
    fn value_with_equals_sign_and_missing_value() {
        let mut a = args(&["--addr=127.0.0.1:1"]);
        assert_eq!(a.value("--addr").unwrap().as_deref(), Some("127.0.0.1:1"));
        assert!(args(&["--addr"]).value("--addr").is_err());
    }

    #[test]
    fn unknown_flags_and_stray_passthrough_are_refused() {
        assert!(args(&["--relase"]).finish("run", false).is_err());
        assert!(args(&["--", "x"]).finish("dist", false).is_err());
    }

    #[test]
    fn opt_defaults_and_overrides() {
        assert_eq!(args(&[]).opt(Opt::WasmOpt).unwrap(), Opt::WasmOpt);
        assert_eq!(args(&["--no-opt"]).opt(Opt::WasmOpt).unwrap(), Opt::None);
        assert_eq!(args(&["--opt"]).opt(Opt::None).unwrap(), Opt::WasmOpt);
        assert!(args(&["--opt", "--no-opt"]).opt(Opt::None).is_err());
    }
}

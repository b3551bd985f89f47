//! The tools the builds and tests need, found or installed once and cached.
//!
//! Installs are serialised with a lock file in the cache, so two `cargo xtask` runs started
//! together do not both spend seven minutes compiling wasm-bindgen-cli into the same place.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use crate::Ctx;
use crate::cmd;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
const BINARYEN_VERSION: &str = "132";
const APT_PACKAGES: [&str; 3] = ["chromium", "chromium-driver", "fonts-noto-core"];

/// Where downloaded and compiled tools live: `$TACHKHIS_TOOLS`, else `~/.cache/tachkhis`.
pub fn cache_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("TACHKHIS_TOOLS").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("neither TACHKHIS_TOOLS nor HOME is set: no place to cache tools")?;
    Ok(PathBuf::from(home).join(".cache").join("tachkhis"))
}

/// Holds an exclusive lock on a file until dropped: serialises work that two `cargo xtask`
/// runs must not do at once (an install, writing the same bundle).
pub struct FileLock(File);

impl FileLock {
    pub fn take(path: &Path, what: &str) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        if file.try_lock().is_err() {
            eprintln!(
                "xtask: another `cargo xtask` is {what}; waiting for it ({})",
                path.display()
            );
            file.lock()
                .with_context(|| format!("locking {}", path.display()))?;
        }
        Ok(Self(file))
    }

    fn install(cache: &Path, name: &str) -> Result<Self> {
        Self::take(
            &cache.join(format!("{name}.lock")),
            &format!("installing {name}"),
        )
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; unlocking first just makes it prompt.
        let _ = self.0.unlock();
    }
}

/// Adds the wasm32 target to the active toolchain when it is missing.
pub fn ensure_wasm_target() -> Result<()> {
    let Some(installed) =
        cmd::probe(Command::new("rustup").args(["target", "list", "--installed"]))
    else {
        // No rustup: trust a toolchain that ships the target's standard library.
        let sysroot = cmd::probe(Command::new("rustc").args(["--print", "sysroot"]))
            .context("neither rustup nor rustc could be run")?;
        let lib = Path::new(sysroot.trim())
            .join("lib/rustlib")
            .join(WASM_TARGET);
        if lib.is_dir() {
            return Ok(());
        }
        bail!("the {WASM_TARGET} target is missing and rustup is not available to add it");
    };
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    eprintln!("xtask: adding the {WASM_TARGET} target to the Rust toolchain");
    cmd::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The version of `name` that Cargo.lock pins; errors unless there is exactly one.
pub fn locked_version(lockfile: &str, name: &str) -> Result<String> {
    let mut versions = Vec::new();
    for block in lockfile.split("[[package]]").skip(1) {
        let mut found_name = None;
        let mut found_version = None;
        for line in block.lines() {
            let line = line.trim();
            if let Some(v) = line.strip_prefix("name = ") {
                found_name = Some(v.trim_matches('"'));
            } else if let Some(v) = line.strip_prefix("version = ") {
                found_version = Some(v.trim_matches('"'));
            }
        }
        if found_name == Some(name)
            && let Some(v) = found_version
        {
            versions.push(v.to_owned());
        }
    }
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("Cargo.lock has no `{name}` package (does tachkhis-client depend on it?)"),
        many => bail!(
            "Cargo.lock holds several versions of `{name}` ({}); the client and its \
             dependencies must agree on one for wasm-bindgen-cli to match",
            many.join(", ")
        ),
    }
}

/// A `wasm-bindgen` of exactly the lockfile's version, compiled into the cache if needed.
pub fn ensure_wasm_bindgen(ctx: &Ctx) -> Result<PathBuf> {
    let lock_path = ctx.root.join("Cargo.lock");
    let lockfile = std::fs::read_to_string(&lock_path)
        .with_context(|| format!("reading {} (run any cargo build once)", lock_path.display()))?;
    let version = locked_version(&lockfile, "wasm-bindgen")?;

    let cache = cache_root()?;
    let install_root = cache.join(format!("wasm-bindgen-cli-{version}"));
    let bin = install_root
        .join("bin")
        .join(format!("wasm-bindgen{}", std::env::consts::EXE_SUFFIX));
    if has_version(&bin, &version) {
        return Ok(bin);
    }
    if has_version(Path::new("wasm-bindgen"), &version) {
        eprintln!("xtask: using wasm-bindgen {version} found on PATH");
        return Ok(PathBuf::from("wasm-bindgen"));
    }

    let _lock = FileLock::install(&cache, &format!("wasm-bindgen-cli-{version}"))?;
    if has_version(&bin, &version) {
        return Ok(bin); // installed by whoever held the lock
    }
    eprintln!(
        "xtask: installing wasm-bindgen-cli {version} (the lockfile's wasm-bindgen) into {}; \
         this compiles it, about 7 minutes the first time",
        install_root.display()
    );
    // Not --locked: with it, a dependency pinned by wasm-bindgen-cli's own lockfile is missing
    // from the registry. Run from the cache so the workspace's config plays no part.
    cmd::run(
        ctx.cargo()
            .current_dir(&cache)
            .args([
                "install",
                "wasm-bindgen-cli",
                "--version",
                &version,
                "--root",
            ])
            .arg(&install_root),
    )?;
    if !has_version(&bin, &version) {
        bail!(
            "{} does not report version {version} after the install",
            bin.display()
        );
    }
    Ok(bin)
}

fn has_version(bin: &Path, version: &str) -> bool {
    // `wasm-bindgen 0.2.130`: whole words, so 0.2.13 does not pass for 0.2.130.
    cmd::probe(Command::new(bin).arg("--version"))
        .is_some_and(|out| out.split_whitespace().any(|word| word == version))
}

/// `wasm-opt` from binaryen 132 on npm, installed into the cache when missing. (Debian's
/// binaryen 108 cannot read what current rustc and wasm-bindgen emit.)
pub fn ensure_wasm_opt() -> Result<PathBuf> {
    let cache = cache_root()?;
    let dir = cache.join(format!("binaryen-{BINARYEN_VERSION}"));
    let bin = dir.join("node_modules").join(".bin").join("wasm-opt");
    let works = |bin: &Path| {
        cmd::probe(Command::new(bin).arg("--version"))
            .is_some_and(|out| out.contains(&format!("version {BINARYEN_VERSION}")))
    };
    if works(&bin) {
        return Ok(bin);
    }

    let _lock = FileLock::install(&cache, &format!("binaryen-{BINARYEN_VERSION}"))?;
    if works(&bin) {
        return Ok(bin);
    }
    if cmd::probe(Command::new("npm").arg("--version")).is_none() {
        bail!(
            "wasm-opt is needed and comes from npm (binaryen@{BINARYEN_VERSION}), but npm is \
             not installed: install Node.js and npm, or build with --no-opt"
        );
    }
    eprintln!(
        "xtask: installing wasm-opt (npm binaryen@{BINARYEN_VERSION}) into {}",
        dir.display()
    );
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // Without a package.json here npm would walk up and install into some parent folder.
    let manifest = dir.join("package.json");
    if !manifest.exists() {
        std::fs::write(&manifest, "{ \"private\": true }\n")
            .with_context(|| format!("writing {}", manifest.display()))?;
    }
    cmd::run(
        Command::new("npm")
            .current_dir(&dir)
            .args(["install", "--no-audit", "--no-fund"])
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
    )?;
    if !works(&bin) {
        bail!(
            "{} does not run or is not binaryen {BINARYEN_VERSION} after npm install",
            bin.display()
        );
    }
    Ok(bin)
}

/// The browser the end-to-end tests drive.
pub struct Browser {
    pub chrome: PathBuf,
    pub chromedriver: PathBuf,
}

/// Chromium, chromedriver and Arabic fonts, installed with apt-get when we are root.
/// `$CHROME` and `$CHROMEDRIVER` point elsewhere when the browser is not Debian's.
pub fn ensure_browser() -> Result<Browser> {
    let from_env = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let chrome_env = from_env("CHROME");
    let driver_env = from_env("CHROMEDRIVER");
    let browser = Browser {
        chrome: chrome_env
            .clone()
            .unwrap_or_else(|| "/usr/bin/chromium".into()),
        chromedriver: driver_env
            .clone()
            .unwrap_or_else(|| "/usr/bin/chromedriver".into()),
    };
    for (var, path) in [("CHROME", &chrome_env), ("CHROMEDRIVER", &driver_env)] {
        if let Some(path) = path
            && !path.is_file()
        {
            bail!("{var} is set to {}, which does not exist", path.display());
        }
    }

    let mut missing = Vec::new();
    if !browser.chrome.is_file() {
        missing.push(APT_PACKAGES[0]);
    }
    if !browser.chromedriver.is_file() {
        missing.push(APT_PACKAGES[1]);
    }
    match deb_installed(APT_PACKAGES[2]) {
        Some(false) => missing.push(APT_PACKAGES[2]),
        Some(true) => {}
        None => eprintln!(
            "xtask: warning: not a Debian system, cannot check for fonts-noto-core; \
             Arabic text in screenshots needs a font that has it"
        ),
    }
    if missing.is_empty() {
        return Ok(browser);
    }

    let list = missing.join(" ");
    if !is_root() {
        bail!(
            "the browser tests need {list}; install them as root with\n    \
             apt-get update && apt-get install -y {list}\nthen run `cargo xtask test` again"
        );
    }
    if cmd::probe(Command::new("apt-get").arg("--version")).is_none() {
        bail!("the browser tests need {list} and apt-get is not available to install them");
    }
    eprintln!("xtask: installing {list} with apt-get (for the browser tests)");
    let cache = cache_root()?;
    let _lock = FileLock::install(&cache, "chromium")?;
    apt_get(&["update"])?;
    let mut install = vec!["install", "-y"];
    install.extend(&missing);
    apt_get(&install)?;

    if !browser.chrome.is_file() || !browser.chromedriver.is_file() {
        bail!(
            "apt-get installed {list} but {} or {} is still missing",
            browser.chrome.display(),
            browser.chromedriver.display()
        );
    }
    Ok(browser)
}

/// Runs apt-get, waiting for its lock and retrying, since another apt may be at work.
fn apt_get(args: &[&str]) -> Result<()> {
    const ATTEMPTS: u32 = 4;
    for attempt in 1..=ATTEMPTS {
        let mut cmd = Command::new("apt-get");
        cmd.args(["-o", "DPkg::Lock::Timeout=300"])
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive");
        let status = cmd::status(&mut cmd)?;
        if status.success() {
            return Ok(());
        }
        if attempt < ATTEMPTS {
            eprintln!(
                "xtask: apt-get failed ({status}); retrying in 20 s (attempt {attempt}/{ATTEMPTS})"
            );
            sleep(Duration::from_secs(20));
        }
    }
    bail!("`apt-get {}` failed {ATTEMPTS} times", args.join(" "))
}

/// Whether a Debian package is installed; `None` where there is no dpkg.
fn deb_installed(package: &str) -> Option<bool> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .ok()?;
    Some(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ok installed"))
}

fn is_root() -> bool {
    cmd::probe(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"# This file is automatically @generated by Cargo.
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "wasm-bindgen-macro",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.131"

[[package]]
name = "yew"
version = "0.21.0"
dependencies = [
 "wasm-bindgen",
]
"#;

    #[test]
    fn finds_the_locked_version_of_exactly_that_package() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen").unwrap(), "0.2.130");
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-macro").unwrap(),
            "0.2.131"
        );
    }

    #[test]
    fn missing_or_duplicated_packages_are_errors() {
        assert!(locked_version(LOCK, "automerge").is_err());
        let twice = format!("{LOCK}\n[[package]]\nname = \"yew\"\nversion = \"0.23.0\"\n");
        let err = locked_version(&twice, "yew").unwrap_err().to_string();
        assert!(err.contains("0.21.0, 0.23.0"), "{err}");
    }
}

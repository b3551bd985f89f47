//! The client bundle: the Yew app compiled to wasm, bound to JS with wasm-bindgen, optionally
//! shrunk with wasm-opt, next to the static shell (index.html, service worker, styles, icons).
//!
//! Layout of `target/client/` (what the server serves as its assets):
//! `pkg/tachkhis_client.js`, `pkg/tachkhis_client_bg.wasm`, the same two in `pkg-office/`, and
//! every file of `client/static/`; in an optimised build each file also has its `.br` (brotli
//! 11) and `.gz` (gzip 9) beside it, which the server sends as they are.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::tools::{self, WASM_TARGET};
use crate::{Ctx, cmd};

/// Replaced in the copied static files by the build id, so that a new app version has a new
/// service worker, which replaces the app shell cached on the tablets.
pub const BUILD_ID_PLACEHOLDER: &str = "__BUILD_ID__";

/// Where the office's bundle goes, beside `pkg/` (client/static/index.html loads it on
/// `/office` paths).
pub const OFFICE_PKG: &str = "pkg-office";

/// What wasm-opt runs. `-Oz` without three of its passes, which make the module smaller raw but
/// bigger once compressed: they inline and merge code that brotli would otherwise have matched
/// as repeats. Measured on the tablets' wasm at brotli 11 (BUNDLE-PLAN of issue 9):
/// `inlining-optimizing` alone +45 KB, `local-cse` +2.5 KB, `merge-similar-functions` +2.2 KB;
/// all of `-Oz` 548.6 KB, this set 499.4 KB (raw 1.95 MB instead of 1.83). It is also faster
/// (~20 s instead of ~60 s). The producers and target-features sections are of no use to a
/// browser.
const WASM_OPT_ARGS: [&str; 6] = [
    "-Oz",
    "--skip-pass=inlining-optimizing",
    "--skip-pass=local-cse",
    "--skip-pass=merge-similar-functions",
    "--strip-producers",
    "--strip-target-features",
];

/// The wasm features current rustc emits by default for wasm32-unknown-unknown (memory.fill,
/// reference types, …). wasm-opt 132 also reads them from the module's `target_features`
/// section, but refuses the module ("requires bulk memory") where that section is missing.
const WASM_OPT_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    /// wasm-bindgen output as is, compressed by the server on the fly: faster to build, for
    /// `run` and for debugging (`TACHKHIS_FAST_CLIENT=1 cargo xtask test`).
    None,
    /// What ships (`dist`, `test`, `bench`): wasm-opt with [`WASM_OPT_ARGS`], then every file
    /// precompressed (`.br`, `.gz`). About a minute more than `None` on two cores.
    WasmOpt,
}

pub struct Bundle {
    pub dir: PathBuf,
    /// The tablets' bundle (no office screens): what the size goal is about.
    pub js: PathBuf,
    pub wasm: PathBuf,
    /// The whole app, office screens included, loaded on `/office` paths.
    pub office_js: PathBuf,
    pub office_wasm: PathBuf,
    pub build_id: String,
}

/// Builds the bundle into `target/client/`, replacing what was there only once it is complete.
pub fn build(ctx: &Ctx, opt: Opt) -> Result<Bundle> {
    let static_dir = ctx.root.join("client").join("static");
    if !static_dir.join("index.html").is_file() {
        bail!(
            "{} is missing: the client's static shell belongs in client/static/",
            static_dir.join("index.html").display()
        );
    }
    // Tools first: a missing one should fail before minutes of compiling, not after.
    tools::ensure_wasm_target()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen(ctx)?;
    let wasm_opt = match opt {
        Opt::WasmOpt => Some(tools::ensure_wasm_opt()?),
        Opt::None => None,
    };

    // Held until the bundle is in place: two runs would otherwise share the staging folder.
    let _lock = tools::FileLock::take(
        &ctx.target.join("client.lock"),
        "building the client bundle",
    )?;
    let staging = ctx.target.join("client.new");
    remove_dir_if_exists(&staging)?;
    // The tablets' bundle, without the design office's screens (what a facilitator downloads
    // on a rural link, held to the size goal), then the whole app for the office's laptops:
    // index.html loads the second one on `/office` paths.
    let pkg = staging.join("pkg");
    let office_pkg = staging.join(OFFICE_PKG);
    let tools = (wasm_bindgen.as_path(), wasm_opt.as_deref());
    compile_and_bind(ctx, &["--no-default-features"], &pkg, tools)?;
    compile_and_bind(ctx, &[], &office_pkg, tools)?;
    let wasm_name = "tachkhis_client_bg.wasm";
    let js_name = "tachkhis_client.js";

    let generated = files_under(&pkg)?;
    let office_generated = files_under(&office_pkg)?;
    let statics = files_under(&static_dir)?;
    // Static files count too: a changed stylesheet or page must also reach the tablets.
    let build_id = build_id(
        generated
            .iter()
            .map(|rel| (Path::new("pkg").join(rel), pkg.join(rel)))
            .chain(
                office_generated
                    .iter()
                    .map(|rel| (Path::new(OFFICE_PKG).join(rel), office_pkg.join(rel))),
            )
            .chain(
                statics
                    .iter()
                    .map(|rel| (rel.clone(), static_dir.join(rel))),
            ),
    )?;
    // The app reads its build id from its own module, after the id is computed (it cannot
    // hash itself): a session the server refused is sent again once the app is updated.
    for wasm in [pkg.join(wasm_name), office_pkg.join(wasm_name)] {
        append_build_section(&wasm, &build_id)?;
    }
    copy_static(&static_dir, &statics, &staging, &build_id)?;
    // After the build id and its section are in: the compressed files must hold the final bytes.
    if opt == Opt::WasmOpt {
        let started = Instant::now();
        let count = precompress(&staging)?;
        eprintln!(
            "xtask: precompressed {count} files (brotli 11, gzip 9) in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    let out = ctx.target.join("client");
    remove_dir_if_exists(&out)?;
    fs::rename(&staging, &out)
        .with_context(|| format!("moving {} to {}", staging.display(), out.display()))?;

    let bundle = Bundle {
        js: out.join("pkg").join(js_name),
        wasm: out.join("pkg").join(wasm_name),
        office_js: out.join(OFFICE_PKG).join(js_name),
        office_wasm: out.join(OFFICE_PKG).join(wasm_name),
        dir: out,
        build_id,
    };
    eprintln!(
        "xtask: client bundle ready in {} (build {}, wasm {}, js {}, office wasm {}{})",
        bundle.dir.display(),
        bundle.build_id,
        kib(file_len(&bundle.wasm)?),
        kib(file_len(&bundle.js)?),
        kib(file_len(&bundle.office_wasm)?),
        if opt == Opt::WasmOpt {
            ", wasm-opt'd and precompressed"
        } else {
            ", not wasm-opt'd, not precompressed"
        }
    );
    Ok(bundle)
}

/// Compiles the client with `features_args` and binds it into `out` (`tachkhis_client.js` and
/// `tachkhis_client_bg.wasm`), shrunk by wasm-opt when given.
fn compile_and_bind(
    ctx: &Ctx,
    features_args: &[&str],
    out: &Path,
    (wasm_bindgen, wasm_opt): (&Path, Option<&Path>),
) -> Result<()> {
    cmd::run(
        ctx.cargo()
            .args([
                "build",
                "-p",
                "tachkhis-client",
                "--lib",
                "--target",
                WASM_TARGET,
                "--profile",
                "wasm-release",
            ])
            .args(features_args),
    )?;
    let compiled = ctx
        .target
        .join(WASM_TARGET)
        .join("wasm-release")
        .join("tachkhis_client.wasm");
    if !compiled.is_file() {
        bail!(
            "{} was not produced: tachkhis-client needs crate-type = [\"cdylib\", \"rlib\"]",
            compiled.display()
        );
    }
    cmd::run(
        Command::new(wasm_bindgen)
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(out)
            .args(["--out-name", "tachkhis_client"])
            .arg(&compiled),
    )?;
    let wasm_name = "tachkhis_client_bg.wasm";
    for name in [wasm_name, "tachkhis_client.js"] {
        if !out.join(name).is_file() {
            bail!("wasm-bindgen did not write {}", out.join(name).display());
        }
    }
    if let Some(wasm_opt) = wasm_opt {
        let bound = out.join(wasm_name);
        let optimised = out.join("tachkhis_client_bg.opt.wasm");
        let started = Instant::now();
        cmd::run(
            Command::new(wasm_opt)
                .args(WASM_OPT_ARGS)
                .args(WASM_OPT_FEATURES)
                .arg(&bound)
                .arg("-o")
                .arg(&optimised),
        )?;
        eprintln!(
            "xtask: wasm-opt took {:.1} s",
            started.elapsed().as_secs_f64()
        );
        fs::rename(&optimised, &bound).with_context(|| format!("replacing {}", bound.display()))?;
    }
    Ok(())
}

/// The wasm custom section holding the build id (read by `current_build` in
/// client/src/model/status.rs).
const BUILD_SECTION: &str = "tachkhis_build";

/// Appends the custom section [`BUILD_SECTION`] holding `build_id` to the module at `path`.
fn append_build_section(path: &Path, build_id: &str) -> Result<()> {
    let mut bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if !bytes.starts_with(b"\0asm") {
        bail!("{} is not a wasm module", path.display());
    }
    bytes.extend(custom_section(BUILD_SECTION, build_id.as_bytes()));
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// A wasm custom section: id 0, its size, then its name and contents (sizes in LEB128).
fn custom_section(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = leb128(name.len());
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(payload);
    let mut section = vec![0];
    section.extend(leb128(body.len()));
    section.extend(body);
    section
}

fn leb128(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// Copies the static shell, putting the build id in place of its placeholder.
fn copy_static(from: &Path, files: &[PathBuf], to: &Path, build_id: &str) -> Result<()> {
    let mut placeholder_seen = false;
    for rel in files {
        let dest = to.join(rel);
        if dest.exists() {
            bail!(
                "client/static/{} would overwrite a file wasm-bindgen generated",
                rel.display()
            );
        }
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let src = from.join(rel);
        let bytes = fs::read(&src).with_context(|| format!("reading {}", src.display()))?;
        let bytes = match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains(BUILD_ID_PLACEHOLDER) => {
                placeholder_seen = true;
                text.replace(BUILD_ID_PLACEHOLDER, build_id).into_bytes()
            }
            _ => bytes,
        };
        fs::write(&dest, bytes).with_context(|| format!("writing {}", dest.display()))?;
    }
    if !placeholder_seen {
        eprintln!(
            "xtask: warning: no file in client/static contains {BUILD_ID_PLACEHOLDER} (sw.js \
             should): tablets could keep running an old cached app shell"
        );
    }
    Ok(())
}

/// Writes `NAME.br` (brotli 11) and `NAME.gz` (gzip 9) beside every file below `dir`, where
/// smaller than the file; returns how many files got one. The largest first, on every core: the
/// two wasm modules take most of the time.
fn precompress(dir: &Path) -> Result<usize> {
    let mut files: Vec<(u64, PathBuf)> = files_under(dir)?
        .into_iter()
        .map(|rel| {
            let path = dir.join(rel);
            Ok((file_len(&path)?, path))
        })
        .collect::<Result<_>>()?;
    files.sort();
    let queue = Mutex::new(files);
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let next = || queue.lock().ok().and_then(|mut q| q.pop()).map(|(_, p)| p);
    let done = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> Result<usize> {
                    let mut done = 0;
                    while let Some(path) = next() {
                        let bytes = fs::read(&path)
                            .with_context(|| format!("reading {}", path.display()))?;
                        let mut any = false;
                        for (ext, packed) in [("br", brotli(&bytes)?), ("gz", gzip(&bytes)?)] {
                            if packed.len() < bytes.len() {
                                let mut name = path.clone().into_os_string();
                                name.push(".");
                                name.push(ext);
                                fs::write(&name, packed).with_context(|| {
                                    format!("writing {}", Path::new(&name).display())
                                })?;
                                any = true;
                            }
                        }
                        done += usize::from(any);
                    }
                    Ok(done)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| bail!("a compression thread panicked"))
            })
            .sum::<Result<usize>>()
    })?;
    Ok(done)
}

/// `bytes` at brotli's strongest level (quality 11, 4 MiB window, like `brotli -q 11`).
fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(bytes)?;
    Ok(gz.finish()?)
}

/// A short hash of the files' names and contents (FNV-1a 64: stable across Rust versions,
/// unlike `DefaultHasher`, and plenty for telling builds apart).
fn build_id(files: impl Iterator<Item = (PathBuf, PathBuf)>) -> Result<String> {
    let mut hash = Fnv::new();
    for (name, path) in files {
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        hash.write(name.to_string_lossy().as_bytes());
        hash.write(&[0]);
        hash.write(&(bytes.len() as u64).to_le_bytes());
        hash.write(&bytes);
    }
    Ok(format!("{:016x}", hash.0)[..12].to_owned())
}

struct Fnv(u64);

impl Fnv {
    const fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Every file below `dir`, as paths relative to it, sorted (so the build id is stable).
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let here = root.join(rel);
        for entry in fs::read_dir(&here).with_context(|| format!("listing {}", here.display()))? {
            let entry = entry?;
            let rel = rel.join(entry.file_name());
            // Follows symlinks, like the copy does.
            if fs::metadata(entry.path())?.is_dir() {
                walk(root, &rel, out)?;
            } else {
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, Path::new(""), &mut out)?;
    out.sort();
    Ok(out)
}

/// Copies a directory tree (used to put the bundle beside the binary in `target/dist`).
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for rel in files_under(from)? {
        let dest = to.join(&rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::copy(from.join(&rel), &dest).with_context(|| {
            format!(
                "copying {} to {}",
                from.join(&rel).display(),
                dest.display()
            )
        })?;
    }
    Ok(())
}

fn remove_dir_if_exists(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", dir.display()))
        }
        _ => Ok(()),
    }
}

fn file_len(path: &Path) -> Result<u64> {
    Ok(fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len())
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// The length of `path.EXT` (its precompressed form), if the build wrote one.
fn packed_len(path: &Path, ext: &str) -> Option<u64> {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    fs::metadata(name).ok().map(|m| m.len())
}

/// Prints the wasm and js of both bundles: raw and as precompressed. What the tablets download
/// in all (every file their service worker keeps, as the server sends it) is measured and held
/// to 650 KiB by tests/integration/bundle.rs, which `cargo xtask bench` runs after this.
#[expect(
    clippy::print_stdout,
    reason = "the size report is the command's output"
)]
pub fn report_sizes(bundle: &Bundle, opt: Opt) -> Result<()> {
    println!();
    println!(
        "client bundle {} ({})",
        bundle.build_id,
        if opt == Opt::WasmOpt {
            "wasm-opt'd, precompressed"
        } else {
            "NOT wasm-opt'd, NOT precompressed"
        }
    );
    println!(
        "  {:<38} {:>12} {:>12} {:>12}",
        "file", "raw", "brotli 11", "gzip 9"
    );
    let dash = || "-".to_owned();
    for path in [
        &bundle.wasm,
        &bundle.js,
        &bundle.office_wasm,
        &bundle.office_js,
    ] {
        let name = path.strip_prefix(&bundle.dir).unwrap_or(path).display();
        println!(
            "  {:<38} {:>12} {:>12} {:>12}",
            name.to_string(),
            kib(file_len(path)?),
            packed_len(path, "br").map_or_else(dash, kib),
            packed_len(path, "gz").map_or_else(dash, kib),
        );
    }
    println!("  (the tablets' whole app shell as sent, brotli, is checked against 650 KiB below)");
    println!();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        remove_dir_if_exists(&dir).unwrap();
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn fnv_matches_reference_values() {
        let mut h = Fnv::new();
        assert_eq!(h.0, 0xcbf2_9ce4_8422_2325);
        h.write(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn static_files_are_copied_with_the_build_id_in_place() {
        let dir = temp_dir("static");
        let (src, dst) = (dir.join("static"), dir.join("out"));
        fs::create_dir_all(src.join("icons")).unwrap();
        fs::write(src.join("index.html"), "<html></html>").unwrap();
        fs::write(
            src.join("sw.js"),
            "const V = '__BUILD_ID__'; // __BUILD_ID__",
        )
        .unwrap();
        fs::write(src.join("icons/icon.png"), [0x89, b'P', b'N', b'G', 0xff]).unwrap();

        let files = files_under(&src).unwrap();
        assert_eq!(
            files,
            [
                PathBuf::from("icons/icon.png"),
                PathBuf::from("index.html"),
                PathBuf::from("sw.js")
            ]
        );
        copy_static(&src, &files, &dst, "abc123").unwrap();
        assert_eq!(
            fs::read_to_string(dst.join("sw.js")).unwrap(),
            "const V = 'abc123'; // abc123"
        );
        assert_eq!(
            fs::read(dst.join("icons/icon.png")).unwrap(),
            [0x89, b'P', b'N', b'G', 0xff]
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn build_id_changes_with_content_and_is_short() {
        let dir = temp_dir("buildid");
        let file = dir.join("a.wasm");
        let id = |dir: &Path| build_id([(PathBuf::from("a.wasm"), dir.join("a.wasm"))].into_iter());
        fs::write(&file, "one").unwrap();
        let first = id(&dir).unwrap();
        assert_eq!(first, id(&dir).unwrap());
        assert_eq!(first.len(), 12);
        fs::write(&file, "two").unwrap();
        assert_ne!(first, id(&dir).unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn build_section_is_a_wasm_custom_section() {
        assert_eq!(leb128(0), [0]);
        assert_eq!(leb128(127), [0x7f]);
        assert_eq!(leb128(128), [0x80, 0x01]);
        assert_eq!(leb128(624_485), [0xe5, 0x8e, 0x26]);
        let section = custom_section("tachkhis_build", b"0123456789ab");
        let mut expected = vec![0, 27, 14];
        expected.extend_from_slice(b"tachkhis_build0123456789ab");
        assert_eq!(section, expected);

        let dir = temp_dir("section");
        let module = dir.join("m.wasm");
        fs::write(&module, b"\0asm\x01\0\0\0").unwrap();
        append_build_section(&module, "0123456789ab").unwrap();
        let bytes = fs::read(&module).unwrap();
        assert_eq!(&bytes[..8], b"\0asm\x01\0\0\0");
        assert_eq!(&bytes[8..], expected.as_slice());
        fs::write(&module, b"not wasm").unwrap();
        assert!(append_build_section(&module, "x").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_size_report_reads_a_bundle_with_and_without_precompressed_files() {
        let dir = temp_dir("report");
        let bundle = Bundle {
            js: dir.join("pkg/tachkhis_client.js"),
            wasm: dir.join("pkg/tachkhis_client_bg.wasm"),
            office_js: dir.join("pkg-office/tachkhis_client.js"),
            office_wasm: dir.join("pkg-office/tachkhis_client_bg.wasm"),
            dir: dir.clone(),
            build_id: "0123456789ab".into(),
        };
        for path in [
            &bundle.js,
            &bundle.wasm,
            &bundle.office_js,
            &bundle.office_wasm,
        ] {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "export default 1;\n".repeat(100)).unwrap();
        }
        report_sizes(&bundle, Opt::None).unwrap();
        precompress(&dir).unwrap();
        assert!(packed_len(&bundle.wasm, "br").is_some_and(|n| n < 1_800));
        report_sizes(&bundle, Opt::WasmOpt).unwrap();
        fs::remove_file(&bundle.office_js).unwrap();
        assert!(report_sizes(&bundle, Opt::WasmOpt).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn precompressed_files_decompress_to_the_file_and_are_written_only_when_smaller() {
        let dir = temp_dir("precompress");
        fs::create_dir_all(dir.join("pkg")).unwrap();
        let text = "تشخيص — diagnostic participatif\n".repeat(500);
        fs::write(dir.join("pkg/app.js"), &text).unwrap();
        fs::write(dir.join("tiny.txt"), "x").unwrap();
        assert_eq!(precompress(&dir).unwrap(), 1);

        let br = fs::read(dir.join("pkg/app.js.br")).unwrap();
        assert!(br.len() < text.len() / 20, "{}", br.len());
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut unpacked).unwrap();
        assert_eq!(unpacked, text.as_bytes());

        let gz = fs::read(dir.join("pkg/app.js.gz")).unwrap();
        let mut unpacked = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unpacked)
            .unwrap();
        assert_eq!(unpacked, text);

        assert!(!dir.join("tiny.txt.br").exists() && !dir.join("tiny.txt.gz").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}

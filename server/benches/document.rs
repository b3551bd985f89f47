//! The PAC document at 100,000 proposals traced to the 43 projects: gathering its data
//! (`document::data`, one read), rendering the HTML in Arabic and French, the page's and the
//! stored JSON's sizes, and, when Chromium is installed, the PDF it prints (time, size, pages).
//!
//! `cargo bench -p tachkhis-server --bench document` (release; `cargo xtask bench` runs it).
//! `TACHKHIS_BENCH_PROPOSALS=20000` for a smaller run; `CHROME` names the browser
//! (default `/usr/bin/chromium`).
//!
//! The data is the gender bench's (`common::fill_traced`): sessions, attendance and proposals
//! written straight into the projection tables, 2,000 needs linked to the 43 projects.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::{NEEDS, fill_traced, time};

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tachkhis_server::{Db, consolidation, demo, document, priorities, programme};

/// How long Chromium may take to print the document.
const PRINT_TIMEOUT: Duration = Duration::from_secs(300);

fn main() -> anyhow::Result<()> {
    let n = common::proposals_wanted();
    let dir = tempfile::tempdir()?;
    let db = Db::open(&dir.path().join("bench.db"))?;
    db.write_blocking(demo::load_if_empty)?;
    println!("Tachkhis PAC document benchmark: {n} proposals, release build");
    time(
        &format!("write {n} proposals, {NEEDS} needs (setup, one transaction)"),
        || fill_traced(&db, n),
    )?;

    let mut runs = Vec::new();
    let mut data = None;
    for i in 0..5 {
        let (d, took) = time(&format!("document data, run {}", i + 1), || {
            Ok(db.read_blocking(document::data)?)
        })?;
        runs.push(took);
        data = Some(d);
    }
    let data = data.expect("five runs");
    runs.sort();
    println!(
        "{:<58} {:>9.1} ms (best {:.1})",
        "  median of 5",
        runs[2].as_secs_f64() * 1000.0,
        runs[0].as_secs_f64() * 1000.0
    );
    // What the data's reads cost, each alone (the parts `document::data` reuses).
    time("  of which: gender report (participation, sectors)", || {
        Ok(db.read_blocking(programme::gender_report)?)
    })?;
    time("  of which: needs with their counts (list_needs)", || {
        Ok(db.read_blocking(consolidation::list_needs)?)
    })?;
    time("  of which: saved ranking", || {
        Ok(db.read_blocking(priorities::ranking)?)
    })?;
    time("  of which: project sheets", || {
        Ok(db.read_blocking(|tx| programme::load_projects(tx, None))?)
    })?;
    let json = serde_json::to_string(&data)?;
    println!(
        "  {} proposals, {} needs listed, {} ranked projects, {} sheets; stored JSON {:.1} KiB",
        data.diagnosis.proposals,
        data.diagnosis.needs.len(),
        data.priorities.ranked.len(),
        data.projects.len(),
        json.len() as f64 / 1024.0
    );
    time("stored JSON read back", || {
        Ok(serde_json::from_str::<document::PacDocument>(&json)?)
    })?;

    let mut pages = Vec::new();
    for lang in [document::Lang::Ar, document::Lang::Fr] {
        let mut html = String::new();
        let mut render_runs = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            html = document::render(&data, lang, "print.css");
            render_runs.push(start.elapsed());
        }
        render_runs.sort();
        println!(
            "{:<58} {:>9.1} ms; {:.1} KiB",
            format!("render HTML ({}), median of 5", lang.code()),
            render_runs[2].as_secs_f64() * 1000.0,
            html.len() as f64 / 1024.0
        );
        pages.push((lang, html));
    }
    time("whole answer (data + Arabic HTML)", || {
        let d = db.read_blocking(document::data)?;
        Ok(document::render(&d, document::Lang::Ar, "print.css"))
    })?;

    let chrome = std::env::var_os("CHROME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    if !chrome.is_file() {
        println!(
            "  PDF: not measured, no Chromium at {} (set CHROME)",
            chrome.display()
        );
        return Ok(());
    }
    std::fs::write(dir.path().join("print.css"), document::STYLESHEET)?;
    for (lang, html) in &pages {
        let page = dir.path().join(format!("pac-{}.html", lang.code()));
        let pdf = dir.path().join(format!("pac-{}.pdf", lang.code()));
        std::fs::write(&page, html)?;
        let start = Instant::now();
        print_pdf(&chrome, &page, &pdf, dir.path())?;
        let took = start.elapsed();
        let bytes = std::fs::read(&pdf)?;
        let count = pdf_extract::extract_text_from_mem_by_pages(&bytes)
            .map(|p| p.len().to_string())
            .unwrap_or_else(|e| format!("unreadable ({e})"));
        println!(
            "{:<58} {:>9.1} ms; {:.1} KiB, {count} pages",
            format!("Chromium prints the {} PDF", lang.code()),
            took.as_secs_f64() * 1000.0,
            bytes.len() as f64 / 1024.0,
        );
    }
    Ok(())
}

/// `chromium --headless --print-to-pdf`, killed past [`PRINT_TIMEOUT`].
fn print_pdf(chrome: &Path, page: &Path, pdf: &Path, profile: &Path) -> anyhow::Result<()> {
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            &format!("--user-data-dir={}", profile.join("chromium").display()),
            &format!("--print-to-pdf={}", pdf.display()),
            &format!("file://{}", page.display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + PRINT_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            anyhow::ensure!(status.success(), "chromium failed: {status}");
            return Ok(());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("chromium did not print within {PRINT_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

//! The projection benchmark (issue 17): what one small edit (a proposal added on a tablet, a
//! vote on another proposal, synced together) costs the server to project, on sessions of
//! 40, 1,000 and 100,000 proposals: the whole projection (read and check the whole document,
//! delete the session's rows and write them again, as every sync did before) against the
//! incremental one (only what the changes touched). `check_limits` sets no bound on the
//! number of proposals; 100,000 is the session of the issue (2.4-2.7 s per sync before).
//!
//! Each figure is `store::project_or_quarantine` in the writer's transaction on a temp
//! SQLite file, the median of several runs, each rolled back to the same projection after.
//!
//! `cargo bench -p tachkhis-server --bench projection` (release; `cargo xtask bench` runs it).
//! `TACHKHIS_BENCH_PROJECTION=40,1000` for other sizes.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use automerge::{AutoCommit, ObjType, ReadDoc, ScalarValue, transaction::Transactable};
use tachkhis_server::{Db, documents::store};
use tachkhis_shared::{
    GroupKind, Sector,
    session::{EditCtx, NewSession, ProposalInput, SessionDoc},
    sync::DocStatus,
};
use uuid::Uuid;

const SIZES: &[usize] = &[40, 1_000, 100_000];

/// A session of `n` proposals as tablets write them (the fields of `add_proposal`), written
/// in changes of 500 proposals: through `SessionDoc::add_proposal` each one would read every
/// earlier one for its rank, far too slow to build 100,000.
fn session(n: usize) -> (Uuid, AutoCommit, Vec<Uuid>) {
    let id = Uuid::new_v4();
    let ctx = EditCtx::new("فاطمة", 1_700_000_000_000);
    let init = NewSession {
        pole_id: "pole-3".into(),
        douar_ids: vec!["idouz".into(), "ait-abbou".into()],
        group_kind: GroupKind::Women,
        date: "2023-11-14".into(),
        facilitators: "فاطمة، خديجة".into(),
    };
    let mut doc = SessionDoc::create(id, &init, &ctx, None)
        .expect("session")
        .into_automerge();
    let (_, props) = doc.get(automerge::ROOT, "proposals").unwrap().unwrap();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let pid = Uuid::new_v4();
        let p = doc
            .put_object(&props, pid.to_string(), ObjType::Map)
            .unwrap();
        let at = 1_700_000_000_000 + i as i64 * 1000;
        doc.put(
            &p,
            "problem",
            format!("انعدام الماء الصالح للشرب في الدوار رقم {i}"),
        )
        .unwrap();
        doc.put(&p, "solution", "ربط الدوار بشبكة الماء الشروب")
            .unwrap();
        doc.put(&p, "sector", Sector::DrinkingWater.code()).unwrap();
        doc.put(
            &p,
            "douar_id",
            if i % 2 == 0 { "idouz" } else { "ait-abbou" },
        )
        .unwrap();
        doc.put(&p, "raised_by", "").unwrap();
        doc.put(&p, "created_at", at).unwrap();
        doc.put(&p, "created_by", "فاطمة").unwrap();
        doc.put(&p, "deleted", false).unwrap();
        doc.put(&p, "rank", -1000.0 * i as f64).unwrap();
        doc.put(&p, "votes", ScalarValue::counter(0)).unwrap();
        doc.put(&p, "edited_at", at).unwrap();
        ids.push(pid);
        if i % 500 == 499 {
            doc.commit();
        }
    }
    doc.commit();
    (id, doc, ids)
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Row {
    proposals: usize,
    full: Duration,
    incremental: Duration,
}

fn measure(n: usize) -> Row {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("bench.db")).unwrap();
    let (id, mut doc, ids) = session(n);
    // The server's copy, projected whole as its first sync left it.
    db.write_blocking(|tx| {
        tx.execute(
            "INSERT INTO documents (id, heads, created_at, updated_at) VALUES (?1, x'', 0, 0)",
            [id.to_string()],
        )?;
        let status = store::project_or_quarantine(tx, id, &mut doc, None)?;
        assert_eq!(status, DocStatus::Ok);
        Ok(())
    })
    .unwrap();
    // The edit: one tablet adds a proposal and votes on another; the server merges both.
    let before = doc.get_heads();
    let mut tablet = SessionDoc::from_automerge(doc.fork());
    let ctx = EditCtx::new("خديجة", 1_800_000_000_000);
    let input = ProposalInput {
        problem: "الطريق مقطوعة في الشتاء".into(),
        solution: "تهيئة المسلك".into(),
        sector: Some(Sector::Roads),
        douar_id: Some("idouz".into()),
        raised_by: "الشباب".into(),
    };
    tablet.add_proposal(&input, &ctx).unwrap();
    tablet.add_votes(ids[n / 2], 1, &ctx).unwrap();
    doc.merge(tablet.automerge_mut()).unwrap();

    let runs = if n >= 10_000 { 5 } else { 21 };
    db.write_blocking(|tx| {
        // The incremental way must be the one taken (not its fall-back to the whole).
        tx.execute_batch("SAVEPOINT bench")?;
        let mut view = SessionDoc::from_automerge(doc.fork());
        let taken = store::project_changes(tx, id, &mut view, &before)?;
        assert_eq!(taken, Ok(()), "the incremental projection fell back");
        tx.execute_batch("ROLLBACK TO bench; RELEASE bench")?;
        let mut time = |before: Option<&[automerge::ChangeHash]>| -> Duration {
            let mut out = Vec::with_capacity(runs);
            for _ in 0..runs {
                tx.execute_batch("SAVEPOINT bench").unwrap();
                let started = Instant::now();
                let status = store::project_or_quarantine(tx, id, &mut doc, before).unwrap();
                out.push(started.elapsed());
                assert_eq!(status, DocStatus::Ok);
                tx.execute_batch("ROLLBACK TO bench; RELEASE bench")
                    .unwrap();
            }
            median(out)
        };
        let incremental = time(Some(&before));
        let full = time(None);
        Ok(Row {
            proposals: n,
            full,
            incremental,
        })
    })
    .unwrap()
}

fn main() {
    let sizes: Vec<usize> = match std::env::var("TACHKHIS_BENCH_PROJECTION") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .expect("sizes: numbers separated by commas")
            })
            .collect(),
        Err(_) => SIZES.to_vec(),
    };
    println!("projection of one small edit (a proposal added, a vote), median of runs");
    println!(
        "{:>10} | {:>12} | {:>16} | {:>8}",
        "proposals", "full (ms)", "incremental (ms)", "ratio"
    );
    for n in sizes {
        let row = measure(n);
        println!(
            "{:>10} | {:>12.2} | {:>16.3} | {:>7.0}×",
            row.proposals,
            ms(row.full),
            ms(row.incremental),
            row.full.as_secs_f64() / row.incremental.as_secs_f64()
        );
    }
}

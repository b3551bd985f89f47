//! Group commit: the writes of many sync requests in one transaction and one fsync.
//!
//! With `synchronous = FULL` every commit waits for the disk (an fsync of the WAL); one commit
//! per request capped writing syncs at a few hundred a second, whatever the CPU. Here requests
//! hand their write to one committer thread. It takes every job waiting, runs each in its own
//! savepoint (a job that fails rolls back alone and gets its own error), commits once, and only
//! then answers each job: a job's result reaches its request after its data is on disk, so an
//! acknowledged change survives a power cut as before. A group that fails to commit answers
//! every one of its jobs with the error (nothing of them is stored, and their callers drop what
//! they kept in memory). No job waits for company: the next group forms from whatever queued
//! while the previous one was being written, so a lone request costs what it did.

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{Weak, mpsc},
};

use rusqlite::{Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use super::{Db, Inner, lock};
use crate::http::error::{AppError, AppResult};

/// Most jobs in one transaction: bounds how long the first of them waits.
const MAX_GROUP: usize = 256;

/// One request's write, as the committer sees it.
trait Job: Send {
    /// Runs inside the group's transaction; returns what to do once the group's fate is known
    /// (`Ok` after the commit, the error otherwise).
    fn run(self: Box<Self>, tx: &Transaction<'_>) -> Completion;
    /// No transaction could be opened: the job did not run.
    fn fail(self: Box<Self>, reason: String);
}

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;

pub(super) struct Committer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Committer {
    /// The thread holds the database weakly: when the last `Db` goes, the channel closes and
    /// the thread ends, so a dropped server leaves no connection open on its file.
    pub(super) fn start(inner: Weak<Inner>) -> std::io::Result<Committer> {
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("tachkhis-commit".into())
            .spawn(move || run(inner, queue))?;
        Ok(Committer { jobs })
    }
}

fn run(inner: Weak<Inner>, queue: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let Some(inner) = inner.upgrade() else {
            for job in group {
                job.fail("the database is closed".into());
            }
            return;
        };
        commit_group(&inner, group);
    }
}

fn commit_group(inner: &Inner, group: Vec<Box<dyn Job>>) {
    let mut conn = lock(&inner.writer);
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let reason = e.to_string();
            for job in group {
                job.fail(reason.clone());
            }
            return;
        }
    };
    let completions: Vec<Completion> = group.into_iter().map(|job| job.run(&tx)).collect();
    let outcome = tx.commit().map_err(|e| e.to_string());
    if let Err(e) = &outcome {
        tracing::error!(error = %e, jobs = completions.len(), "a group commit failed");
    }
    drop(conn);
    for done in completions {
        done(outcome.clone());
    }
}

struct Grouped<F, T> {
    f: F,
    answer: oneshot::Sender<AppResult<T>>,
}

impl<F, T> Job for Grouped<F, T>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>) -> AppResult<T> + Send + 'static,
{
    fn run(self: Box<Self>, tx: &Transaction<'_>) -> Completion {
        let Grouped { f, answer } = *self;
        let result = in_savepoint(tx, f);
        Box::new(move |outcome: Result<(), String>| {
            let result = match outcome {
                Ok(()) => result,
                Err(e) => Err(AppError::internal(format!("the write was not stored: {e}"))),
            };
            // The request may have gone (the client hung up): nothing to tell then.
            let _ = answer.send(result);
        })
    }

    fn fail(self: Box<Self>, reason: String) {
        let _ = self.answer.send(Err(AppError::internal(format!(
            "the write could not start: {reason}"
        ))));
    }
}

impl Db {
    /// Runs `f` in the next group commit (see the module's doc): in a savepoint of a
    /// transaction shared with other requests' writes, answered once that transaction is
    /// committed. An error from `f` rolls back `f`'s writes only. If the group cannot commit,
    /// the answer is a 500 and `f`'s writes are not stored.
    pub async fn write_grouped<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        self.committer()?
            .jobs
            .send(Box::new(Grouped { f, answer }))
            .map_err(|_| AppError::internal("the commit thread has stopped"))?;
        answered
            .await
            .map_err(|_| AppError::internal("the commit thread dropped a write"))?
    }
}

fn in_savepoint<T>(
    tx: &Transaction<'_>,
    f: impl FnOnce(&Transaction<'_>) -> AppResult<T>,
) -> AppResult<T> {
    tx.execute_batch("SAVEPOINT grouped")?;
    // A panic in one job must not take the commit thread (and every later write) with it.
    let result = catch_unwind(AssertUnwindSafe(|| f(tx)))
        .unwrap_or_else(|_| Err(AppError::internal("a write panicked")));
    match &result {
        Ok(_) => tx.execute_batch("RELEASE grouped")?,
        Err(_) => tx.execute_batch("ROLLBACK TO grouped; RELEASE grouped")?,
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        db.write_blocking(|tx| Ok(tx.execute_batch("CREATE TABLE t (x INTEGER PRIMARY KEY)")?))
            .unwrap();
        (dir, db)
    }

    fn rows(db: &Db) -> Vec<i64> {
        db.read_blocking(|tx| {
            Ok(tx
                .prepare("SELECT x FROM t ORDER BY x")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?)
        })
        .unwrap()
    }

    /// Many writes at once share commits; each failing one leaves nothing, the others all land.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failing_write_rolls_back_alone_and_the_others_commit() {
        let (_dir, db) = scratch();
        let tasks: Vec<_> = (0..200i64)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    db.write_grouped(move |tx| {
                        tx.execute("INSERT INTO t (x) VALUES (?1)", [i])?;
                        if i % 7 == 0 {
                            return Err(AppError::internal("refused"));
                        }
                        if i % 11 == 0 {
                            panic!("a job panics");
                        }
                        Ok(i)
                    })
                    .await
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            let result = t.await.unwrap();
            assert_eq!(result.is_ok(), i % 7 != 0 && i % 11 != 0, "write {i}");
        }
        let expected: Vec<i64> = (0..200).filter(|i| i % 7 != 0 && i % 11 != 0).collect();
        assert_eq!(rows(&db), expected);
        // The committer still serves after the panics.
        db.write_grouped(|tx| Ok(tx.execute("INSERT INTO t (x) VALUES (1000)", [])?))
            .await
            .unwrap();
        assert!(rows(&db).contains(&1000));
    }

    /// The answer comes after the commit: what a write was told is stored, another connection
    /// reads it at once.
    #[tokio::test]
    async fn an_answered_write_is_committed() {
        let (dir, db) = scratch();
        for i in 0..20i64 {
            db.write_grouped(move |tx| Ok(tx.execute("INSERT INTO t (x) VALUES (?1)", [i])?))
                .await
                .unwrap();
            let other = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
            let n: i64 = other
                .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, i + 1);
        }
    }
}

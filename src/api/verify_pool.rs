//! Public verification off the async workers, with a deadline that stops the work.
//!
//! `POST /v1/verify` parses, hashes and verifies untrusted objects: CPU work that must not run
//! on tokio's worker threads (it would stall every other request, `/v1/health` included, and
//! the request timeout could not interrupt it). [`VerifyPool::run`] runs it on the blocking
//! pool instead, behind a semaphore of `verify_workers` permits (default: four per core, as
//! a verification also waits on the database and on revocation fetches); the async parts of a verification (revocation fetches) are driven there by
//! `Handle::block_on`. Anonymous callers may hold at most `anonymous_verify_workers` of the
//! permits (default: half, at least one), so token holders (operators, `region-peer`) keep
//! capacity when anonymous traffic saturates its share.
//!
//! Each run gets a [`Deadline`] of `verify_deadline_seconds` (default 20 s, at most 90 % of
//! the request timeout so the caller gets this answer rather than the generic timeout),
//! counted from the call, waiting for a permit included. The verification checks it inside
//! its loops (per package entry, signature and reference hashed) and stops there; the awaits
//! in between are cut by a timeout at the same instant. When the request is abandoned (client
//! gone, request timeout), the deadline is cancelled and the work stops at its next check;
//! the permit is held by the work itself, so it is released only when the work has really
//! stopped.
//!
//! Answers: work cut at the deadline → `503` problem `timeout` (the detail says where it
//! stopped); no permit in time → `503` problem `overloaded` with `Retry-After: 1`; a panic in
//! the work → `500` problem `internal`.

use super::problem::Problem;
use crate::document::ofd::Deadline;
use axum::http::StatusCode;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long an anonymous caller waits for one of its permits before `503 overloaded`.
pub const ANONYMOUS_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// The bounded pool of verification workers.
#[derive(Debug)]
pub struct VerifyPool {
    all: Arc<Semaphore>,
    anonymous: Arc<Semaphore>,
    workers: usize,
    anonymous_workers: usize,
    deadline: Duration,
    anonymous_wait: Duration,
}

/// Cancels the deadline when the request future is dropped before the work ends.
struct CancelOnDrop(Deadline);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl VerifyPool {
    /// `workers` permits in all (0: four per core), of which anonymous callers may hold
    /// `anonymous_workers` (0: half, at least one; never more than `workers`); each run gets
    /// `deadline`.
    pub fn new(workers: usize, anonymous_workers: usize, deadline: Duration) -> VerifyPool {
        let workers = if workers == 0 {
            // Four per core: a verification also waits (database CRL lookups, revocation
            // fetches) while holding its permit; with one per core the cores idle under load
            // (measured: 1,570 vs 2,640 verifications/s at region B, BENCHMARKS.md).
            4 * std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            workers
        };
        let anonymous_workers = if anonymous_workers == 0 {
            (workers / 2).max(1)
        } else {
            anonymous_workers.min(workers)
        };
        VerifyPool {
            all: Arc::new(Semaphore::new(workers)),
            anonymous: Arc::new(Semaphore::new(anonymous_workers)),
            workers,
            anonymous_workers,
            deadline,
            anonymous_wait: ANONYMOUS_QUEUE_WAIT,
        }
    }

    /// Another wait for anonymous permits than [`ANONYMOUS_QUEUE_WAIT`].
    pub fn with_anonymous_wait(mut self, wait: Duration) -> VerifyPool {
        self.anonymous_wait = wait;
        self
    }

    /// Permits in all, permits anonymous callers may hold, and the deadline of each run.
    pub fn sizes(&self) -> (usize, usize, Duration) {
        (self.workers, self.anonymous_workers, self.deadline)
    }

    async fn permit(
        sem: &Arc<Semaphore>,
        wait: Duration,
        who: &str,
    ) -> Result<OwnedSemaphorePermit, Problem> {
        match tokio::time::timeout(wait, sem.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            _ => {
                let mut p = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", "")
                    .msg("msg-workers-busy", &[("who", who)]);
                p.retry_after = Some(1);
                Err(p)
            }
        }
    }

    /// Run `work` (given the run's deadline) on the blocking pool within the limits above.
    /// `Err` for the refusals and the deadline; the work's own result otherwise.
    pub async fn run<F, Fut, T>(&self, anonymous: bool, work: F) -> Result<T, Problem>
    where
        F: FnOnce(Deadline) -> Fut + Send + 'static,
        Fut: Future<Output = T>,
        T: Send + 'static,
    {
        let deadline = Deadline::after(self.deadline);
        let _cancel = CancelOnDrop(deadline.clone());
        let left = || deadline.remaining().unwrap_or(Duration::ZERO);
        let anonymous_permit = if anonymous {
            Some(
                Self::permit(
                    &self.anonymous,
                    self.anonymous_wait.min(left()),
                    "available to anonymous callers",
                )
                .await?,
            )
        } else {
            None
        };
        let permit = Self::permit(&self.all, left(), "of the pool").await?;
        let handle = tokio::runtime::Handle::current();
        let d = deadline.clone();
        let task = tokio::task::spawn_blocking(move || {
            // Held until the work has really ended.
            let _permits = (permit, anonymous_permit);
            let left = d.remaining().unwrap_or(Duration::ZERO);
            handle.block_on(tokio::time::timeout(left, work(d.clone())))
        });
        match task.await {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(_)) => Err(deadline_problem(
                &deadline.stopped(
                    "while waiting for the verification (revocation data, or work between checks)"
                        .into(),
                ),
            )),
            Err(e) => Err(Problem::internal(&format!("verification worker: {e}"))),
        }
    }
}

/// The answer for work stopped by its deadline: `503` `timeout`, saying where it stopped.
pub fn deadline_problem(stopped: &crate::document::ofd::Stopped) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        stopped.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn anonymous_callers_keep_to_their_share() {
        let pool = Arc::new(
            VerifyPool::new(2, 1, Duration::from_secs(600))
                .with_anonymous_wait(Duration::from_millis(50)),
        );
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (started, has_started) = tokio::sync::oneshot::channel::<()>();
        let p = pool.clone();
        let first = tokio::spawn(async move {
            p.run(true, move |_| async move {
                let _ = started.send(());
                let _ = released.recv();
                "first"
            })
            .await
        });
        has_started.await.expect("the first anonymous run started");
        // The anonymous share is in use: a second anonymous caller is refused.
        let e = pool
            .run(true, |_| async { "second" })
            .await
            .expect_err("anonymous share in use");
        assert_eq!((e.status.as_u16(), e.kind), (503, "overloaded"));
        assert_eq!(e.retry_after, Some(1));
        assert!(e.detail.contains("anonymous"), "{}", e.detail);
        // A token holder still gets a worker.
        assert_eq!(
            pool.run(false, |_| async { "token" }).await.ok(),
            Some("token")
        );
        let _ = release.send(());
        assert_eq!(first.await.ok().and_then(Result::ok), Some("first"));
        assert_eq!(pool.sizes().0, 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_deadline_cuts_awaits_and_an_abandoned_request_cancels() {
        let pool = Arc::new(VerifyPool::new(1, 1, Duration::from_millis(100)));
        let e = pool
            .run(false, |_| async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            })
            .await
            .expect_err("cut at the deadline");
        assert_eq!((e.status.as_u16(), e.kind), (503, "timeout"));
        assert!(e.detail.contains("deadline of 0.100 s"), "{}", e.detail);

        // Abandoned while working: the work sees the cancel at its next check, and its permit
        // comes back only when it has stopped.
        let pool = Arc::new(VerifyPool::new(1, 1, Duration::from_secs(3600)));
        let (tx, rx) = std::sync::mpsc::channel();
        let (started, has_started) = tokio::sync::oneshot::channel::<()>();
        let p = pool.clone();
        let abandoned = tokio::spawn(async move {
            p.run(false, move |d| async move {
                let _ = started.send(());
                while !d.expired() {
                    std::thread::sleep(Duration::from_millis(5));
                }
                let _ = tx.send(d.is_cancelled());
            })
            .await
        });
        has_started.await.expect("started");
        abandoned.abort();
        let cancelled =
            tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(60)))
                .await
                .ok()
                .and_then(Result::ok);
        assert_eq!(cancelled, Some(true));
        assert_eq!(pool.run(false, |_| async { 1 }).await.ok(), Some(1));
    }
}

//! Public verification off the async workers, with a deadline that stops the work.
//!
//! `POST /v1/verify` parses, hashes and verifies untrusted objects: CPU work that must not run
//! on tokio's worker threads (it would stall every other request, `/v1/health` included, and
//! the request timeout could not interrupt it). [`VerifyPool::run`] runs it on the blocking
//! pool instead, behind a semaphore of `verify_workers` permits (default: the number of
//! cores); the async parts of a verification (revocation fetches) are driven there by
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
}

/// Cancels the deadline when the request future is dropped before the work ends.
struct CancelOnDrop(Deadline);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl VerifyPool {
    /// `workers` permits in all (0: the number of cores), of which anonymous callers may hold
    /// `anonymous_workers` (0: half, at least one; never more than `workers`); each run gets
    /// `deadline`.
    pub fn new(workers: usize, anonymous_workers: usize, deadline: Duration) -> VerifyPool {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
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
        }
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
                let mut p = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    format!("every verification worker {who} is busy; retry shortly"),
                );
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
                    ANONYMOUS_QUEUE_WAIT.min(left()),
                    "available to anonymous callers",
                )
                .await?,
            )
        } else {
            None
        };
        let permit = Self::permit(&self.all, left(), "").await?;
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

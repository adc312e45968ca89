//! What every background job's step (an export's, an erasure's, an import's) begins
//! and ends with: the job read at the step it was handed, and written at the next one
//! on condition it is still at the step read, so of two invocations of one step only
//! one moves the job on.

use glchat_domain::ids::UserId;
use glchat_store::{Job, JobId};

use crate::{Deps, OpError};

/// Where part `n` of the parts a job writes under `prefix` is kept (an export's
/// conversations, an import's file read).
pub(crate) fn part_key(prefix: &str, n: u64) -> String {
    format!("{prefix}parts/{n:05}.json")
}

/// What one background step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stepped {
    /// It did the step and wrote the next (or the end).
    Done,
    /// The job is not at that step (a record handed over again, or another invocation
    /// wrote it first), is finished, or is gone: nothing to do.
    Stale,
}

/// The job to do step `step` of, or `None` when that step is stale.
pub(crate) async fn at_step<I: JobId>(
    deps: &Deps,
    user: &UserId,
    id: &I,
    step: u64,
) -> Result<Option<I::Job>, OpError> {
    Ok(deps.store.job_at_step(user, id, step).await?)
}

/// Writes `job` at the step after `step`, which hands that step over.
pub(crate) async fn next_step<J: Job>(deps: &Deps, job: &mut J, step: u64) -> Result<Stepped, OpError> {
    Ok(match deps.store.save_next_step(job, step, deps.clock.now()).await? {
        true => Stepped::Done,
        false => Stepped::Stale,
    })
}

/// Counts this attempt at `step` of the job; whether the step has now been tried more
/// than `JOB_STEP_ATTEMPTS` times, and the job is to be given up with its reason.
pub(crate) async fn kept_failing<I: JobId>(
    deps: &Deps,
    user: &UserId,
    id: &I,
    step: u64,
    expires_at: i64,
) -> Result<bool, OpError> {
    let attempts = deps.store.count_job_attempt(user, id, step, expires_at).await?;
    let kept_failing = attempts > u64::from(deps.config.exports()?.step_attempts);
    if kept_failing {
        tracing::error!(step, attempts, "a job's step kept failing; the job is given up");
    }
    Ok(kept_failing)
}

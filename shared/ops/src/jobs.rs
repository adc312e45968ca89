//! What every background job's step (an export's, an erasure's, an import's) begins
//! and ends with: the job read at the step it was handed, and written at the next one
//! on condition it is still at the step read, so of two invocations of one step only
//! one moves the job on.

use glchat_domain::ids::UserId;
use glchat_store::{Job, JobId};

use crate::{Deps, OpError};

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

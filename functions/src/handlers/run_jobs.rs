//! Not a route: the background jobs, started by the table's stream. Lambda hands it
//! the records of jobs to advance (filtered in `template.yaml` to jobs still to run: a
//! pending export or erasure, a running import; a new one, or one whose last step wrote
//! the next), one at a time, and it does that step (`ops::exports::run_step`,
//! `ops::erasures::run_step`, `ops::imports::run_step`), whose write of the job hands
//! the next step over. A step that fails is reported: Lambda hands the record over
//! again, and the job gives up after `JOB_STEP_ATTEMPTS` (3) tries of one step.

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use glchat_app::Deps;
use glchat_app::config::Needs;
use glchat_app::ops::OpError;
use glchat_app::ops::{erasures, exports, imports};
use glchat_app::store::{StreamedJob, streamed_job};

use super::publish_deletions::change_of;

pub const NEEDS: Needs = Needs::TABLE.bucket().exports();

pub async fn handle(deps: Arc<Deps>, event: Event) -> Result<DynamoDbEventResponse, OpError> {
    let mut response = DynamoDbEventResponse::default();
    for record in event.records {
        let sequence_number = record.change.sequence_number.clone();
        let change = change_of(record)?;
        let stepped = match streamed_job(change.new)? {
            Some(StreamedJob::Export(job)) => (
                job.step,
                exports::run_step(&deps, &job.user_id, &job.export_id, job.step).await,
            ),
            Some(StreamedJob::Erasure(job)) => (
                job.step,
                erasures::run_step(&deps, &job.user_id, &job.erasure_id, job.step).await,
            ),
            Some(StreamedJob::Import(job)) => (
                job.step,
                imports::run_step(&deps, &job.user_id, &job.import_id, job.step).await,
            ),
            None => continue,
        };
        match stepped {
            (step, Ok(stepped)) => tracing::info!(step, ?stepped, "job step"),
            (step, Err(err)) => {
                tracing::error!(error = ?err, step, "a job step failed");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier =
                    Some(sequence_number.ok_or_else(|| anyhow::anyhow!("a stream record without a sequence number"))?);
                // This record and every later one of the shard are handed over again.
                response.batch_item_failures.push(failure);
                break;
            }
        }
    }
    Ok(response)
}

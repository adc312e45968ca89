//! Not a route: the background jobs, started by the table's stream. Lambda hands it
//! the records of jobs to advance (filtered in `template.yaml` to export and erasure
//! jobs still pending: a new one, or one whose last step wrote the next), one at a
//! time, and it does that step (`ops::exports::run_step`, `ops::erasures::run_step`),
//! whose write of the job hands the next step over. A step that fails is reported: Lambda hands the record over again, and
//! the job gives up after `JOB_STEP_ATTEMPTS` (3) tries of one step.

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use glchat_app::Deps;
use glchat_app::config::Needs;
use glchat_app::ops::OpError;
use glchat_app::ops::{erasures, exports, imports};
use glchat_app::store::{erasures as erasure_jobs, exports as export_jobs, imports as import_jobs};

use super::publish_deletions::change_of;

pub const NEEDS: Needs = Needs::TABLE.bucket().exports();

pub async fn handle(deps: Arc<Deps>, event: Event) -> Result<DynamoDbEventResponse, OpError> {
    let mut response = DynamoDbEventResponse::default();
    for record in event.records {
        let sequence_number = record.change.sequence_number.clone();
        let change = change_of(record)?;
        let stepped = if let Some(job) = export_jobs::job_of(change.new.clone())? {
            (
                job.step,
                exports::run_step(&deps, &job.user_id, &job.export_id, job.step).await,
            )
        } else if let Some(job) = erasure_jobs::job_of(change.new.clone())? {
            (
                job.step,
                erasures::run_step(&deps, &job.user_id, &job.erasure_id, job.step).await,
            )
        } else if let Some(job) = import_jobs::job_of(change.new)? {
            (
                job.step,
                imports::run_step(&deps, &job.user_id, &job.import_id, job.step).await,
            )
        } else {
            continue;
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

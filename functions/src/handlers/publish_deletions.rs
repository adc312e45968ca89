//! Not a route: Lambda hands it batches of the table's stream (filtered in
//! `template.yaml` to removed conversations and attachments and to shares that died)
//! and it publishes their deletion events to the tenant's bus
//! (`ops::deletions::publish`, `docs/events.md`). A record it could not publish is
//! reported by its sequence number: Lambda hands it and every later record of the shard
//! over again, and after its retries sends the batch's place in the stream to the
//! function's on-failure queue.

use std::sync::Arc;

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use glchat_app::Deps;
use glchat_app::config::Needs;
use glchat_app::ops::OpError;
use glchat_app::ops::deletions;
use glchat_app::store::stream::StreamChange;

pub const NEEDS: Needs = Needs::STREAM;

pub async fn handle(deps: Arc<Deps>, event: Event) -> Result<DynamoDbEventResponse, OpError> {
    let received = event.records.len();
    let sequence_numbers: Vec<Option<String>> =
        event.records.iter().map(|r| r.change.sequence_number.clone()).collect();
    let publication = deletions::publish(&deps, event.records.into_iter().map(change_of)).await?;
    tracing::info!(
        received,
        published = publication.published,
        failed_at = publication.failed_at,
        "deletion events published"
    );
    let mut response = DynamoDbEventResponse::default();
    if let Some(index) = publication.failed_at {
        let mut failure = DynamoDbBatchItemFailure::default();
        // Without a sequence number Lambda would take the whole batch as done.
        failure.item_identifier = Some(
            sequence_numbers[index]
                .clone()
                .ok_or_else(|| anyhow::anyhow!("stream record {index} has no sequence number"))?,
        );
        response.batch_item_failures.push(failure);
    }
    Ok(response)
}

/// The record as the store reads it.
pub fn change_of(record: EventRecord) -> anyhow::Result<StreamChange> {
    let data = record.change;
    let at = data.approximate_creation_date_time.timestamp_millis();
    StreamChange::from_record(&record.event_name, data.old_image, data.new_image, at)
}

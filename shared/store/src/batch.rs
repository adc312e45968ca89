//! BatchWriteItem: many puts or deletes, 25 per call, with what DynamoDB leaves
//! unprocessed retried under backoff.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};

use super::error::dynamodb_error;
use super::keys::Key;
use super::{Store, StoreError};

/// BatchWriteItem takes at most 25 requests.
const BATCH: usize = 25;
/// Attempts at the unprocessed part of a batch before giving up with a 503.
const BATCH_ATTEMPTS: u32 = 8;
/// Batches in flight at once: a clone or delete of a 5,000-message conversation is
/// 200 batches, 50 rounds of these. (DynamoDB Local, on 2 cores, times out beyond a
/// few megabytes in flight; DynamoDB takes far more.)
const BATCH_CONCURRENCY: usize = 1;

impl Store {
    /// Deletes items by key (see `write_batches`).
    pub async fn delete_keys(&self, keys: &[Key]) -> Result<(), StoreError> {
        let requests = keys
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder().set_key(Some(key.to_attributes())).build()?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, aws_sdk_dynamodb::error::BuildError>>()
            .context("building delete requests")?;
        self.write_batches(requests).await
    }

    /// Runs writes 25 per BatchWriteItem, [`BATCH_CONCURRENCY`] batches at once.
    pub(super) async fn write_batches(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        use futures::{StreamExt, TryStreamExt};
        let batches: Vec<Vec<WriteRequest>> = requests.chunks(BATCH).map(<[WriteRequest]>::to_vec).collect();
        futures::stream::iter(batches)
            .map(|batch| self.write_batch(batch))
            .buffer_unordered(BATCH_CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    /// One BatchWriteItem, retrying what DynamoDB leaves unprocessed with exponential
    /// backoff and jitter (503 after 8 attempts).
    async fn write_batch(&self, mut pending: Vec<WriteRequest>) -> Result<(), StoreError> {
        let mut attempt = 0;
        while !pending.is_empty() {
            if attempt == BATCH_ATTEMPTS {
                return Err(StoreError::Unavailable(anyhow::anyhow!(
                    "{} writes still unprocessed after {BATCH_ATTEMPTS} attempts",
                    pending.len()
                )));
            }
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            attempt += 1;
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.table, std::mem::take(&mut pending))
                .send()
                .await
                .map_err(|e| dynamodb_error(e, "writing a batch"))?;
            pending = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(&self.table))
                .unwrap_or_default();
        }
        Ok(())
    }
}

/// 50 ms, 100 ms, 200 ms, ... capped at 2 s, with up to 50% jitter.
fn backoff(attempt: u32) -> Duration {
    let base = 50u64.saturating_mul(1 << attempt.min(6)).min(2_000);
    Duration::from_millis(base / 2 + rand::random_range(0..=base / 2))
}

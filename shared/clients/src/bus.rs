//! The tenant's EventBridge bus: deletion events published in order, as many per
//! request as EventBridge takes, and where publishing stopped when it failed.

use anyhow::Context;
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, PutEventsResultEntry};
use aws_smithy_types::DateTime;

use glchat_domain::events::{DeletionEvent, MAX_ENTRY_BYTES, SOURCE};

/// Entries one PutEvents request takes at most.
const ENTRIES_PER_REQUEST: usize = 10;

#[derive(Debug, Clone)]
pub struct Bus {
    client: aws_sdk_eventbridge::Client,
    /// A name, or an ARN (a bus of the tenant's own, in another account too).
    name: String,
}

/// How far a publication got.
#[derive(Debug, PartialEq, Eq)]
pub enum Published {
    All,
    /// The events from this index on may not have reached the bus (some later ones
    /// may have); the cause is logged.
    Until(usize),
}

impl Bus {
    pub fn new(client: aws_sdk_eventbridge::Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// Publishes `events` in order, request after request, and stops at the first that
    /// fails in whole or in part: what follows is published again on the retry, so the
    /// bus sees every event at least once and in order up to the failure.
    pub async fn publish(&self, events: &[DeletionEvent]) -> Published {
        let mut start = 0;
        for batch in batches(events) {
            let entries: Vec<PutEventsRequestEntry> = batch.iter().map(|event| self.entry(event)).collect();
            let sent = entries.len();
            let result = self
                .client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .context("publishing deletion events");
            let failed = match result {
                Ok(output) => first_failed(output.entries(), sent),
                Err(err) => {
                    tracing::error!(error = ?err, events = sent, "the bus refused a request");
                    Some(0)
                }
            };
            if let Some(index) = failed {
                return Published::Until(start + index);
            }
            start += sent;
        }
        Published::All
    }

    fn entry(&self, event: &DeletionEvent) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .event_bus_name(&self.name)
            .source(SOURCE)
            .detail_type(event.detail_type)
            .detail(&event.detail)
            .time(DateTime::from_millis(
                i64::try_from(event.time.unix_ms()).unwrap_or(i64::MAX),
            ))
            .build()
    }
}

/// `events` cut into requests: at most ten entries, and their sizes together within
/// one entry's limit (EventBridge's limit is on the whole request).
fn batches(events: &[DeletionEvent]) -> Vec<&[DeletionEvent]> {
    let mut batches = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (index, event) in events.iter().enumerate() {
        let entry = event.entry_size();
        if index > start && (index - start == ENTRIES_PER_REQUEST || size + entry > MAX_ENTRY_BYTES) {
            batches.push(&events[start..index]);
            (start, size) = (index, 0);
        }
        size += entry;
    }
    if start < events.len() {
        batches.push(&events[start..]);
    }
    batches
}

/// The first entry EventBridge did not take, from its answer to `sent` entries (one
/// result per entry, in order; an answer of another length takes none).
fn first_failed(results: &[PutEventsResultEntry], sent: usize) -> Option<usize> {
    if results.len() != sent {
        tracing::error!(
            sent,
            answered = results.len(),
            "the bus answered for other entries than sent"
        );
        return Some(0);
    }
    let (index, failed) = results.iter().enumerate().find(|(_, r)| r.error_code().is_some())?;
    tracing::error!(
        code = failed.error_code(),
        message = failed.error_message(),
        "the bus refused an event"
    );
    Some(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use glchat_domain::clock::Timestamp;

    fn event(detail_bytes: usize) -> DeletionEvent {
        DeletionEvent {
            detail_type: "ShareRevoked",
            detail: serde_json::json!({ "pad": "x".repeat(detail_bytes) }).to_string(),
            time: Timestamp::from_unix_ms(1_000).unwrap(),
        }
    }

    #[test]
    fn requests_hold_ten_entries_and_one_entry_limit_at_most() {
        let small: Vec<DeletionEvent> = (0..23).map(|_| event(100)).collect();
        let sizes: Vec<usize> = batches(&small).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [10, 10, 3]);

        let large: Vec<DeletionEvent> = (0..5).map(|_| event(100 * 1024)).collect();
        let sizes: Vec<usize> = batches(&large).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [2, 2, 1], "two of 100 KB fit one request, not three");
        for batch in batches(&large) {
            assert!(batch.iter().map(DeletionEvent::entry_size).sum::<usize>() <= MAX_ENTRY_BYTES);
        }
        assert!(batches(&[]).is_empty());
    }

    #[test]
    fn the_first_refused_entry_is_where_publishing_stopped() {
        let ok = || PutEventsResultEntry::builder().event_id("e").build();
        let refused = || {
            PutEventsResultEntry::builder()
                .error_code("InternalFailure")
                .error_message("try again")
                .build()
        };
        assert_eq!(first_failed(&[ok(), ok()], 2), None);
        assert_eq!(first_failed(&[ok(), refused(), ok(), refused()], 4), Some(1));
        assert_eq!(first_failed(&[ok()], 2), Some(0), "an answer for fewer entries");
    }
}

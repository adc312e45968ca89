//! Deletion events: what the table's stream says was deleted, published to the tenant's
//! bus (`docs/events.md`). The stream hands records over at least once and in order per
//! item; every event's id is derived from what was deleted, so a record handed over
//! again publishes the same event again, which consumers recognise.

use crate::Deps;
use crate::OpError;
use glchat_clients::bus::Published;
use glchat_domain::events::{DeletionEvent, event_of};
use glchat_store::stream::{StreamChange, deleted};

/// What a publication of stream records did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Publication {
    /// Events that reached the bus.
    pub published: usize,
    /// The first record whose event may not have reached the bus (unreadable, or
    /// refused by the bus): it and every later record are to be handed over again.
    pub failed_at: Option<usize>,
}

/// Publishes the events of `records` (each as the stream handed it over, or why it
/// could not be read), in their order. A record that cannot be read stops the
/// publication there (it is handed over again, and after its retries its place goes to
/// the on-failure queue), so no later deletion overtakes it.
pub async fn publish(
    deps: &Deps,
    records: impl IntoIterator<Item = anyhow::Result<StreamChange>>,
) -> Result<Publication, OpError> {
    let bus = deps.bus()?;
    let mut events: Vec<DeletionEvent> = Vec::new();
    // The record each event came from.
    let mut sources = Vec::new();
    let mut unreadable = None;
    for (index, record) in records.into_iter().enumerate() {
        let event = record.and_then(|record| {
            let at = record.at;
            deleted(record.change, record.old, record.new)?
                .map(|d| event_of(&deps.config.tenant, &d, at))
                .transpose()
        });
        match event {
            Ok(Some(event)) => {
                events.push(event);
                sources.push(index);
            }
            Ok(None) => {}
            Err(err) => {
                tracing::error!(error = ?err, record = index, "a stream record could not be read");
                unreadable = Some(index);
                break;
            }
        }
    }
    let (published, failed_at) = match bus.publish(&events).await {
        Published::All => (events.len(), unreadable),
        Published::Until(event) => (event, Some(sources[event])),
    };
    Ok(Publication { published, failed_at })
}

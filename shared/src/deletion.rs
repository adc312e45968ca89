//! The delete cascade of a conversation and of many: S3 objects, share snapshots, the
//! items, the conversation last. Every step is idempotent, so a delete interrupted at
//! any point (S3 or DynamoDB down, the process killed) is finished by the next attempt.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::blobs::Blobs;
use crate::ids::{ChatbotId, ConversationId, UserId};
use crate::store::{DeleteScope, Store, StoreError};

/// Conversations deleted at once by a bulk delete.
const CONCURRENCY: usize = 4;

/// Deletes one conversation in `scope`; `false` when there is none to delete.
pub async fn delete_conversation(
    store: &Store,
    blobs: &Blobs,
    id: &ConversationId,
    scope: &DeleteScope,
) -> Result<bool, StoreError> {
    if store.begin_delete(id, scope).await?.is_none() {
        return Ok(false);
    }
    // The share link first, so the public link dies before anything else goes.
    if let Some(share) = store.share_of(id).await? {
        blobs.delete_prefix(&blobs.share_prefix(&share)).await?;
        store.delete_keys(&[crate::store::keys::share_snapshot(&share)]).await?;
    }
    blobs.delete_prefix(&blobs.conversation_prefix(id)).await?;
    store.delete_collection(id).await?;
    store.finish_delete(id).await?;
    Ok(true)
}

/// How much one bulk request may do before it answers: it stays far from API
/// Gateway's 30 s limit, and the client repeats the call until `complete`.
#[derive(Debug, Clone, Copy)]
pub struct BulkLimits {
    pub max_conversations: usize,
    pub time: Duration,
}

impl Default for BulkLimits {
    fn default() -> Self {
        Self {
            max_conversations: 1_000,
            time: Duration::from_secs(20),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkOutcome {
    pub deleted: usize,
    /// `false` when a limit stopped the request with conversations left to delete.
    pub complete: bool,
}

/// Deletes `owner`'s conversations with `chatbot`: the listed ones, or all of them.
/// Memory is bounded by one page of ids; work by `limits`.
pub async fn delete_conversations(
    store: &Store,
    blobs: &Blobs,
    owner: &UserId,
    chatbot: &ChatbotId,
    listed: Option<Vec<ConversationId>>,
    limits: BulkLimits,
) -> Result<BulkOutcome, StoreError> {
    let scope = DeleteScope {
        owner: owner.clone(),
        chatbot: Some(chatbot.clone()),
    };
    let deadline = Instant::now() + limits.time;
    let mut done: HashSet<ConversationId> = HashSet::new();
    let mut listed = listed.map(|ids| {
        let mut seen = HashSet::new();
        ids.into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect::<Vec<_>>()
            .into_iter()
    });
    loop {
        let room = limits.max_conversations - done.len().min(limits.max_conversations);
        if room == 0 || Instant::now() >= deadline {
            let left = match &mut listed {
                Some(ids) => ids.len() > 0,
                None => !store.conversations_to_delete(owner, chatbot, 1).await?.is_empty(),
            };
            return Ok(BulkOutcome {
                deleted: done.len(),
                complete: !left,
            });
        }
        let batch: Vec<ConversationId> = match &mut listed {
            Some(ids) => ids.by_ref().take(room.min(25)).collect(),
            None => store
                .conversations_to_delete(owner, chatbot, room.min(25))
                .await?
                .into_iter()
                .filter(|id| !done.contains(id))
                .collect(),
        };
        if batch.is_empty() {
            return Ok(BulkOutcome {
                deleted: done.len(),
                complete: true,
            });
        }
        let results: Vec<(ConversationId, Result<bool, StoreError>)> = futures::stream::iter(batch)
            .map(|id| {
                let scope = &scope;
                async move {
                    let result = delete_conversation(store, blobs, &id, scope).await;
                    (id, result)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (id, result) in results {
            if result? {
                done.insert(id);
            }
        }
    }
}

//! Walking a user's conversation list, newest activity first, optionally keeping only
//! those whose title or any message contains a text (case-insensitively,
//! Unicode-aware), with the earliest matching message.
//!
//! The work per request is bounded: a search examines at most [`MAX_EXAMINED`]
//! conversations (one index page per [`WINDOW`], one message query per conversation,
//! [`CONCURRENCY`] at a time), and the cursor resumes after the last one examined. A
//! rare term costs several short requests rather than one long one.

use futures::StreamExt;

use crate::models::Conversation;
use crate::store::keys::ListIndex;
use crate::store::{ListPosition, Store, StoreError};

/// Conversations one search request examines at most.
pub const MAX_EXAMINED: usize = 200;
/// Conversations read per index query of a search.
const WINDOW: usize = 50;
/// Message queries in flight at once.
const CONCURRENCY: usize = 16;

/// Lower-cases for matching; what a client typed and what we store compare equal
/// whatever their case (`İstanbul` finds `istanbul`).
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListResult {
    pub conversations: Vec<Conversation>,
    /// Where the next request resumes, when anything may follow.
    pub next: Option<ListPosition>,
}

/// A page of the list, or of the search for `needle` (already folded) when given.
pub async fn walk(
    store: &Store,
    index: &ListIndex,
    after: Option<ListPosition>,
    limit: usize,
    needle: Option<&str>,
) -> Result<ListResult, StoreError> {
    let Some(needle) = needle else {
        let page = store.conversation_page(index, after.as_ref(), limit).await?;
        let next = page.has_more.then(|| page.items.last().map(ListPosition::of)).flatten();
        return Ok(ListResult {
            conversations: page.items.into_iter().map(Into::into).collect(),
            next,
        });
    };

    let matches = |text: &str| fold(text).contains(needle);
    let mut found = Vec::new();
    let mut examined = 0;
    let mut position = after;
    loop {
        let page = store
            .conversation_page(index, position.as_ref(), WINDOW.min(MAX_EXAMINED - examined))
            .await?;
        let page_len = page.items.len();
        let mut checked = futures::stream::iter(page.items)
            .map(|record| async move {
                let hit = store.first_matching_message(&record.id, matches).await;
                (record, hit)
            })
            .buffered(CONCURRENCY)
            .enumerate();
        while let Some((i, (record, hit))) = checked.next().await {
            examined += 1;
            position = Some(ListPosition::of(&record));
            let hit = hit?;
            let title_matches = record.title.as_deref().is_some_and(matches);
            if title_matches || hit.is_some() {
                let (id, text) = hit.unzip();
                found.push(Conversation {
                    record,
                    first_matching_message_id: id,
                    first_matching_message: text,
                });
            }
            if found.len() == limit {
                let more = i + 1 < page_len || page.has_more;
                return Ok(ListResult {
                    conversations: found,
                    next: position.filter(|_| more),
                });
            }
        }
        if !page.has_more {
            return Ok(ListResult {
                conversations: found,
                next: None,
            });
        }
        if examined >= MAX_EXAMINED {
            return Ok(ListResult {
                conversations: found,
                next: position,
            });
        }
    }
}

//! Walking a user's conversation list, newest activity first, optionally keeping only
//! those whose title or any message contains a text (case-insensitively,
//! Unicode-aware), with the earliest matching message.
//!
//! A search examines conversations in list order, [`CONCURRENCY`] message queries in
//! flight (each projected to id and content, stopping at the first match), until the
//! page is full, [`MAX_PAGE_BYTES`] of matches are found, or [`TIME_BUDGET`] is spent;
//! the cursor resumes after the last conversation examined. A rare term among
//! thousands of conversations is found by one request; a user with more history than
//! one request can examine gets a short page and a cursor.

use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::models::Conversation;
use crate::store::keys::ListIndex;
use crate::store::{ListPosition, Store, StoreError};

/// How long one search request examines conversations by default (the list function's
/// timeout is 15 s; the rest is room for the answer and a slow last query).
pub const TIME_BUDGET: Duration = Duration::from_secs(8);
/// Conversations read per index query of a search.
const WINDOW: usize = 100;
/// Message queries in flight at once.
const CONCURRENCY: usize = 32;
/// Matches one page carries at most, in bytes of JSON: a matching message may be
/// 160 KB, and 100 of them would not fit in a response.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

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
    budget: Duration,
) -> Result<ListResult, StoreError> {
    let Some(needle) = needle else {
        let page = store.conversation_page(index, after.as_ref(), limit).await?;
        let next = page.has_more.then(|| page.items.last().map(ListPosition::of)).flatten();
        return Ok(ListResult {
            conversations: page.items.into_iter().map(Into::into).collect(),
            next,
        });
    };

    let deadline = Instant::now() + budget;
    let matches = |text: &str| fold(text).contains(needle);
    let mut found = Vec::new();
    let mut bytes = 0;
    let mut position = after;
    loop {
        let page = store.conversation_page(index, position.as_ref(), WINDOW).await?;
        let page_len = page.items.len();
        let mut checked = futures::stream::iter(page.items)
            .map(|record| async move {
                let hit = store.first_matching_message(&record.id, matches).await;
                (record, hit)
            })
            .buffered(CONCURRENCY)
            .enumerate();
        while let Some((i, (record, hit))) = checked.next().await {
            let hit = hit?;
            let title_matches = record.title.as_deref().is_some_and(matches);
            let examined = ListPosition::of(&record);
            if title_matches || hit.is_some() {
                let (id, text) = hit.unzip();
                let conversation = Conversation {
                    record,
                    first_matching_message_id: id,
                    first_matching_message: text,
                };
                let size = serde_json::to_vec(&conversation).map_or(0, |json| json.len());
                if !found.is_empty() && bytes + size > MAX_PAGE_BYTES {
                    // This one opens the next page.
                    return Ok(ListResult {
                        conversations: found,
                        next: position,
                    });
                }
                bytes += size;
                found.push(conversation);
            }
            position = Some(examined);
            let more = i + 1 < page_len || page.has_more;
            if found.len() == limit || Instant::now() >= deadline {
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
    }
}

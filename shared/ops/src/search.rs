//! Walking a user's conversation list, newest activity first, optionally keeping only
//! those whose title or any message contains a text (case-insensitively,
//! Unicode-aware), with the earliest matching message.
//!
//! A search examines conversations in list order, up to [`CONCURRENCY`] message
//! queries in flight but never more than the matches still wanted (the first page of
//! conversations probed with a few oldest messages each, later ones read whole; each
//! stops at the first match), until the
//! page is full, [`MAX_PAGE_BYTES`] of matches are found, or its time budget (`config::ListConfig`) is spent;
//! the cursor resumes after the last conversation examined. A rare term among
//! thousands of conversations is found by one request; a user with more history than
//! one request can examine gets a short page and a cursor.

use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesOrdered;

use glchat_domain::models::Conversation;
use glchat_store::keys::ListIndex;
use glchat_store::{ListPosition, Store, StoreError};

/// Conversations read per index query of a search, after the first (one page).
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
    lists: &[ListIndex],
    after: Option<ListPosition>,
    limit: usize,
    needle: Option<&str>,
    budget: Duration,
) -> Result<ListResult, StoreError> {
    let Some(needle) = needle else {
        let page = store.conversation_page(lists, after.as_ref(), limit).await?;
        let next = page.has_more.then(|| page.items.last().map(ListPosition::of)).flatten();
        return Ok(ListResult {
            conversations: page.items.into_iter().map(Into::into).collect(),
            next,
        });
    };

    // A page holds at least one match (the API refuses `limit=0` before this).
    let limit = limit.max(1);
    let deadline = Instant::now() + budget;
    let matches = |text: &str| fold(text).contains(needle);
    let mut found = Vec::new();
    let mut bytes = 0;
    let mut position = after;
    // The first window is one page of conversations, each probed with a few of its
    // oldest messages: when most conversations match early, that is all a search reads.
    // A term that has not filled the page by then is rarer: later windows are larger
    // and read each history in one go, which costs fewer calls and units per
    // conversation that does not match.
    let mut window = limit;
    let mut probe = true;
    loop {
        let page = store.conversation_page(lists, position.as_ref(), window).await?;
        let page_len = page.items.len();
        let mut unchecked = page.items.into_iter().enumerate();
        let mut checking = FuturesOrdered::new();
        loop {
            // No more queries in flight than matches still wanted: each one that
            // finishes after the page is full was read for nothing.
            while checking.len() < CONCURRENCY.min(limit - found.len()) {
                let Some((i, record)) = unchecked.next() else { break };
                checking.push_back(async move {
                    let hit = store.first_matching_message(&record.id, matches, probe).await;
                    (i, record, hit)
                });
            }
            let Some((i, record, hit)) = checking.next().await else {
                break;
            };
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
        (window, probe) = (WINDOW, false);
        if !page.has_more {
            return Ok(ListResult {
                conversations: found,
                next: None,
            });
        }
    }
}

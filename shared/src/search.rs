//! Walking a user's conversation list, newest activity first, optionally keeping only
//! those whose title contains a text (case-insensitively, Unicode-aware).
//!
//! The work per request is bounded: at most [`MAX_EXAMINED`] conversations are read,
//! and the cursor resumes after the last one examined, so a rare match costs several
//! short requests rather than one long one.

use crate::models::{Conversation, ConversationRecord};
use crate::store::keys::ListIndex;
use crate::store::{ListPosition, Store, StoreError};

/// Conversations read per filtered request, at most.
pub const MAX_EXAMINED: usize = 500;
/// Page size of the index queries of a filtered walk.
const WINDOW: usize = 100;

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

pub async fn list_conversations(
    store: &Store,
    index: &ListIndex,
    after: Option<ListPosition>,
    limit: usize,
    title_filter: Option<&str>,
) -> Result<ListResult, StoreError> {
    let Some(needle) = title_filter else {
        let page = store
            .conversation_page(index, after.as_ref(), limit)
            .await?;
        let next = page
            .has_more
            .then(|| page.items.last().map(ListPosition::of))
            .flatten();
        return Ok(ListResult {
            conversations: page.items.into_iter().map(Into::into).collect(),
            next,
        });
    };

    let matches = |record: &ConversationRecord| {
        record
            .title
            .as_deref()
            .is_some_and(|t| fold(t).contains(needle))
    };
    let mut found = Vec::new();
    let mut examined = 0;
    let mut position = after;
    loop {
        let page = store
            .conversation_page(
                index,
                position.as_ref(),
                WINDOW.min(MAX_EXAMINED - examined),
            )
            .await?;
        let page_len = page.items.len();
        for (i, record) in page.items.into_iter().enumerate() {
            examined += 1;
            position = Some(ListPosition::of(&record));
            if matches(&record) {
                found.push(Conversation::from(record));
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

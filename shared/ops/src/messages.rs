//! Appending a message. Without `parent_id` the message follows the conversation's
//! newest one (or the conversation, for the first), guarded so that concurrent
//! appends chain one after another instead of forking.

use std::time::Duration;

use super::OpError;
use crate::Deps;
use glchat_domain::caller::Caller;
use glchat_domain::clock::Timestamp;
use glchat_domain::ids::{ConversationId, MessageId, new_ulid};
use glchat_domain::models::{Message, MessageRole, MessageText, Metadata, ShortText};
use glchat_domain::responses::AppendMessageResponse;
use glchat_store::idempotency::{HeldClaim, Receipt};
use glchat_store::{AppendOutcome, HeadGuard, NewMessage, ParentCheck};

/// Concurrent appends to one conversation retry this often before answering 409.
const ATTEMPTS: u32 = 6;

/// The parent a client named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    /// The conversation itself: a new root branch.
    Conversation,
    Message(MessageId),
}

pub struct Append {
    pub id: ConversationId,
    pub role: MessageRole,
    pub content: MessageText,
    /// `None`: after the newest message.
    pub parent: Option<Parent>,
    pub deanonymized_content: Option<MessageText>,
    pub source: Option<ShortText>,
    pub metadata: Option<Metadata>,
    /// The request's `Idempotency-Key` claim, completed with the write.
    pub idempotency: Option<HeldClaim>,
}

/// Appends a message; the conversation's activity time moves with it in the same
/// transaction.
pub async fn append(deps: &Deps, caller: &Caller, input: Append) -> Result<AppendMessageResponse, OpError> {
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            // Spread the retries of appends racing for the same head.
            let jitter = rand::random_range(0..10 * u64::from(attempt));
            tokio::time::sleep(Duration::from_millis(jitter)).await;
        }
        let new = next_message(deps, caller, &input).await?;
        let response = AppendMessageResponse {
            message: new.message.clone(),
        };
        let receipt = Receipt::of(input.idempotency.as_ref(), &response)?;
        match deps
            .store
            .append_message(&caller.user_id, &new, receipt.as_ref())
            .await?
        {
            AppendOutcome::Appended => return Ok(response),
            AppendOutcome::ConversationNotFound => return Err(OpError::ConversationNotFound),
            AppendOutcome::ParentNotFound => {
                let named = match &input.parent {
                    Some(Parent::Message(id)) => id.to_string(),
                    _ => String::new(),
                };
                return Err(OpError::UnknownParent { parent: named });
            }
            AppendOutcome::Raced => continue,
        }
    }
    Err(OpError::Busy)
}

/// The message to write now: its id, parent and the head guard of this attempt.
async fn next_message(deps: &Deps, caller: &Caller, input: &Append) -> Result<NewMessage, OpError> {
    let id = &input.id;
    let now = deps.clock.now();
    let mut ulid = new_ulid(now);
    let (parent, head) = match &input.parent {
        Some(Parent::Conversation) => (ParentCheck::Conversation, HeadGuard::Any),
        Some(Parent::Message(parent)) => (ParentCheck::Message(parent.clone()), HeadGuard::Any),
        None => {
            let meta = deps
                .store
                .owned_conversation(id, &caller.user_id)
                .await?
                .ok_or(OpError::ConversationNotFound)?;
            match &meta.head_message_id {
                Some(head) => {
                    // Sort after the head even if clocks disagree, so order follows the chain.
                    if let Some(head_ulid) = head.ulid().filter(|h| *h >= ulid) {
                        ulid = head_ulid.increment().unwrap_or(ulid);
                    }
                    (ParentCheck::Message(head.clone()), HeadGuard::Is(head.clone()))
                }
                None => (ParentCheck::Conversation, HeadGuard::Empty),
            }
        }
    };
    let parent_id = match &parent {
        ParentCheck::Conversation => id.to_string(),
        ParentCheck::Message(message) => message.to_string(),
    };
    let message = Message {
        id: MessageId::from_ulid(ulid),
        conversation_id: id.clone(),
        role: input.role,
        content: input.content.0.clone(),
        deanonymized_content: input.deanonymized_content.as_ref().map(|t| t.0.clone()),
        created_time: Timestamp::from_unix_ms(ulid.timestamp_ms()).unwrap_or(now),
        is_active: true,
        parent_id: Some(parent_id),
        source: input.source.as_ref().map(|s| s.0.clone()),
        feedback: None,
        metadata_: input.metadata.as_ref().map(|m| m.0.clone()),
    };
    Ok(NewMessage { message, parent, head })
}

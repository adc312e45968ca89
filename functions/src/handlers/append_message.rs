//! `POST /conversations/{conversation_id}/messages` (JSON or form): appends a message.
//! Without `parent_id` the message follows the newest one (or the conversation, for the
//! first); the conversation's activity time moves with it in the same transaction.

use std::sync::Arc;

use glchat_shared::error::{Loc, ok_json};
use glchat_shared::http::{BodyKind, Fields, path_param};
use glchat_shared::i18n::{Issue, Text};
use glchat_shared::ids::{ConversationId, MessageId, new_ulid};
use glchat_shared::models::{Message, MessageRole, MessageText, Metadata, ShortText};
use glchat_shared::store::{AppendOutcome, NewMessage, ParentCheck};
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

/// Concurrent appends to one conversation retry this often before answering 409.
const ATTEMPTS: u32 = 6;

struct Input {
    role: MessageRole,
    content: MessageText,
    parent_id: Option<String>,
    deanonymized_content: Option<MessageText>,
    source: Option<ShortText>,
    metadata: Option<Metadata>,
}

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let id: ConversationId = path_param(&req, "conversation_id", not_found())?;
    let input = Fields::body(&req, BodyKind::JsonOrForm).await?.parse(|f| {
        let parent_id: Option<String> = f.optional("parent_id");
        let valid_parent = parent_id.as_deref().is_none_or(|p| MessageId::parse(p).is_ok());
        f.check("parent_id", valid_parent, Issue::InvalidId);
        Input {
            role: f.required("role"),
            content: f.required("content"),
            parent_id,
            deanonymized_content: f.optional("deanonymized_content"),
            source: f.optional("source"),
            metadata: f.optional("metadata_"),
        }
    })?;

    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            // Spread the retries of appends racing for the same head.
            let jitter = rand::random_range(0..10 * u64::from(attempt));
            tokio::time::sleep(std::time::Duration::from_millis(jitter)).await;
        }
        let now = app.clock.now();
        let mut ulid = new_ulid(now);
        let (parent_id, parent, expected_head) = match input.parent_id.as_deref() {
            Some(parent) if parent == id.as_str() => (parent.to_owned(), ParentCheck::Conversation, None),
            Some(parent) => {
                let parent = MessageId::parse(parent).map_err(|_| not_found())?;
                (parent.to_string(), ParentCheck::Message(parent), None)
            }
            None => {
                let meta = app.store.conversation_head(&id).await?;
                let meta = meta
                    .filter(|m| m.record.user_id == caller.user_id)
                    .ok_or_else(not_found)?;
                let (conversation, head) = (meta.record, meta.head_message_id);
                // Sort after the head even if clocks disagree, so order follows the chain.
                if let Some(head_ulid) = head.as_ref().and_then(MessageId::ulid).filter(|h| *h >= ulid) {
                    ulid = head_ulid.increment().unwrap_or(ulid);
                }
                let parent = match &head {
                    Some(head) => (head.to_string(), ParentCheck::Message(head.clone())),
                    None => (conversation.id.to_string(), ParentCheck::Conversation),
                };
                (parent.0, parent.1, Some(head))
            }
        };
        let created_time = glchat_shared::clock::Timestamp::from_unix_ms(ulid.timestamp_ms()).unwrap_or(now);
        let message = Message {
            id: MessageId::from_ulid(ulid),
            conversation_id: id.clone(),
            role: input.role,
            content: input.content.0.clone(),
            deanonymized_content: input.deanonymized_content.as_ref().map(|t| t.0.clone()),
            created_time,
            is_active: true,
            parent_id: Some(parent_id),
            source: input.source.as_ref().map(|s| s.0.clone()),
            feedback: None,
            metadata_: input.metadata.as_ref().map(|m| m.0.clone()),
        };
        let new = NewMessage {
            message,
            parent,
            expected_head,
        };
        match app.store.append_message(&caller.user_id, &new).await? {
            AppendOutcome::Appended => return ok_json(&json!({ "message": new.message })),
            AppendOutcome::ConversationNotFound => return Err(not_found()),
            AppendOutcome::ParentNotFound => {
                let raw = input.parent_id.clone().unwrap_or_default();
                return Err(ApiError::invalid(Loc::Body, "parent_id", Issue::UnknownParent, raw));
            }
            AppendOutcome::Raced => continue,
        }
    }
    Err(ApiError::Conflict(Text::Busy))
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ConversationNotFound)
}

//! `POST /conversations/delete` (JSON `user_id`, `chatbot_id`, `conversation_ids?`):
//! deletes the user's conversations with that chatbot, all or the listed ones. One call
//! does at most `BULK_DELETE_MAX` conversations or 20 seconds of work; `complete: false`
//! asks the client to call again for the rest.

use std::sync::Arc;

use glchat_shared::deletion::{BulkLimits, delete_conversations};
use glchat_shared::error::ok_json;
use glchat_shared::http::{BodyKind, Fields};
use glchat_shared::i18n::Issue;
use glchat_shared::ids::{ChatbotId, ConversationId, UserId};
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

/// Ids one request may list.
const MAX_LISTED: usize = 1_000;

struct Input {
    user_id: UserId,
    chatbot_id: ChatbotId,
    conversation_ids: Option<Vec<ConversationId>>,
}

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let input = Fields::body(&req, BodyKind::Json).await?.parse(|f| {
        let conversation_ids: Option<Vec<ConversationId>> = f.optional("conversation_ids");
        let listed = conversation_ids.as_ref().map_or(0, Vec::len);
        f.check("conversation_ids", listed <= MAX_LISTED, Issue::TooLongList(MAX_LISTED));
        Input {
            user_id: f.required("user_id"),
            chatbot_id: f.required("chatbot_id"),
            conversation_ids,
        }
    })?;
    caller.may_act_for(&input.user_id)?;

    let limits = BulkLimits {
        max_conversations: app.config.bulk_delete_max,
        ..BulkLimits::default()
    };
    let outcome = delete_conversations(
        &app.store,
        &app.blobs,
        &input.user_id,
        &input.chatbot_id,
        input.conversation_ids,
        limits,
    )
    .await?;
    ok_json(&json!({ "deleted_count": outcome.deleted, "complete": outcome.complete }))
}

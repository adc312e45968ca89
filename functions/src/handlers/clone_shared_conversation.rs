//! `POST /conversations/shared/{shared_conversation_id}/clone` (form `user_id`,
//! `new_conversation_id?`, `old_parent_id`): copies the link's snapshot into a new
//! conversation of the caller. Repeating it with the same `new_conversation_id`
//! returns the same clone; an id that is someone else's conversation answers 409.

use std::sync::Arc;

use glchat_shared::error::ok_json;
use glchat_shared::http::{BodyKind, Fields, path_param};
use glchat_shared::i18n::Text;
use glchat_shared::ids::{ConversationId, ShareId, UserId};
use glchat_shared::models::Conversation;
use glchat_shared::sharing::{CloneOutcome, clone_snapshot};
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

struct Input {
    user_id: UserId,
    new_conversation_id: Option<ConversationId>,
    old_parent_id: String,
}

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let share: ShareId = path_param(&req, "shared_conversation_id", not_found())?;
    let input = Fields::body(&req, BodyKind::Form).await?.parse(|f| Input {
        user_id: f.required("user_id"),
        new_conversation_id: f.optional("new_conversation_id"),
        old_parent_id: f.required("old_parent_id"),
    })?;
    caller.may_act_for(&input.user_id)?;

    let outcome = clone_snapshot(
        &app,
        &share,
        &input.user_id,
        input.new_conversation_id,
        &input.old_parent_id,
    )
    .await?;
    match outcome {
        CloneOutcome::Cloned { conversation, messages } => {
            ok_json(&json!({ "conversation": Conversation::from(*conversation), "messages": messages }))
        }
        CloneOutcome::ShareNotFound => Err(not_found()),
        CloneOutcome::IdTaken => Err(ApiError::Conflict(Text::ConversationIdTaken)),
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ShareNotFound)
}

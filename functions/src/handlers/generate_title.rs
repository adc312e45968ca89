//! `POST /conversations/{conversation_id}/generate-title` (multipart `message`): titles
//! the conversation from its first message, through the configured LLM or the
//! deterministic fallback, saves the title and returns it.

use std::sync::Arc;

use glchat_shared::error::ok_json;
use glchat_shared::http::{BodyKind, Fields, path_param};
use glchat_shared::i18n::Text;
use glchat_shared::ids::ConversationId;
use glchat_shared::models::MessageText;
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let id: ConversationId = path_param(&req, "conversation_id", not_found())?;
    let message: MessageText = Fields::body(&req, BodyKind::Form)
        .await?
        .parse(|f| f.required("message"))?;

    // Ownership first: nobody spends LLM tokens on someone else's conversation.
    let conversation = app
        .store
        .conversation_head(&id)
        .await?
        .filter(|meta| meta.record.user_id == caller.user_id)
        .ok_or_else(not_found)?;
    let title = app.titles.generate(&conversation.record.model_name, &message.0).await;
    app.store
        .rename_conversation(&id, &caller.user_id, &title)
        .await?
        .ok_or_else(not_found)?;
    ok_json(&json!({ "title": title }))
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ConversationNotFound)
}

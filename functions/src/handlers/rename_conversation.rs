//! `PATCH /conversations/{conversation_id}` (form `title`): renames the caller's conversation.
//! The list order is by activity, so a rename does not move it.

use std::sync::Arc;

use glchat_shared::error::ok_json;
use glchat_shared::http::{BodyKind, Fields, path_param};
use glchat_shared::i18n::Text;
use glchat_shared::ids::ConversationId;
use glchat_shared::models::{Conversation, Title};
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let id: ConversationId = path_param(&req, "conversation_id", not_found())?;
    let title: Title = Fields::body(&req, BodyKind::Form)
        .await?
        .parse(|f| f.required("title"))?;

    let renamed = app
        .store
        .rename_conversation(&id, &caller.user_id, title.as_str())
        .await?;
    let record = renamed.ok_or_else(not_found)?;
    ok_json(&json!({ "conversation": Conversation::from(record) }))
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ConversationNotFound)
}

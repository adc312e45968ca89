//! `DELETE /conversations/{conversation_id}`: deletes the caller's conversation with its
//! messages, attachments (items and objects) and share link. Safe to retry: a delete
//! that failed midway is finished by the next call; once finished, the answer is 404.

use std::sync::Arc;

use glchat_shared::deletion::delete_conversation;
use glchat_shared::error::ok_json;
use glchat_shared::http::path_param;
use glchat_shared::i18n::Text;
use glchat_shared::ids::ConversationId;
use glchat_shared::store::DeleteScope;
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let id: ConversationId = path_param(&req, "conversation_id", not_found())?;
    let scope = DeleteScope {
        owner: caller.user_id,
        chatbot: None,
    };
    if !delete_conversation(&app.store, &app.blobs, &id, &scope).await? {
        return Err(not_found());
    }
    ok_json(&json!({ "conversation_id": id, "deleted": true }))
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ConversationNotFound)
}

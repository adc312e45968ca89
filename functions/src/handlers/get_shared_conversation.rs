//! `GET /conversations/shared/{shared_conversation_id}`, public: the snapshot taken when
//! the link was created or last refreshed, never the live conversation, with `content`
//! only and attachments as presigned downloads. Expired, revoked or unknown: 404.

use std::sync::Arc;

use glchat_shared::error::ok_json;
use glchat_shared::http::path_param;
use glchat_shared::i18n::Text;
use glchat_shared::ids::ShareId;
use glchat_shared::models::{Attachment, Conversation};
use glchat_shared::sharing::active_snapshot;
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    app.auth.check_tenant_header(req.headers())?;
    let share: ShareId = path_param(&req, "shared_conversation_id", not_found())?;
    let (link, chatbot_id, content) = active_snapshot(&app, &share).await?.ok_or_else(not_found)?;
    let mut attachments = Vec::with_capacity(content.attachments.len());
    for record in content.attachments {
        let url = app.blobs.presign_get(&record.object_key, &record.file_name).await?;
        attachments.push(Attachment::new(record, url));
    }
    ok_json(&json!({
        "conversation": Conversation::from(content.conversation),
        "conversation_title": link.conversation_title,
        "messages": content.messages,
        "attachments": attachments,
        "last_updated_time": link.last_updated_time,
        "expired_time": link.expired_time,
        "chatbot": { "id": chatbot_id },
    }))
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ShareNotFound)
}

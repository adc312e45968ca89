//! `GET /conversations/{conversation_id}/share`: the active share link's details;
//! 404 when there is none, it expired, or the conversation is not the caller's.

use std::sync::Arc;

use glchat_shared::error::ok_json;
use glchat_shared::http::path_param;
use glchat_shared::i18n::Text;
use glchat_shared::ids::ConversationId;
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let id: ConversationId = path_param(&req, "conversation_id", not_found())?;
    let now = app.clock.now();
    let link = app.store.share_link(&id).await?;
    let link = link
        .filter(|l| l.user_id == caller.user_id && l.is_active(now))
        .ok_or_else(not_found)?;
    ok_json(&link.details())
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ShareNotFound)
}

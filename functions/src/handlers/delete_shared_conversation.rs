//! `DELETE /conversations/shared/{shared_conversation_id}`: the owner revokes the link;
//! its snapshot and copied files go too. Anyone else: 404.

use std::sync::Arc;

use glchat_shared::error::ok_json;
use glchat_shared::http::path_param;
use glchat_shared::i18n::Text;
use glchat_shared::ids::ShareId;
use glchat_shared::sharing::revoke;
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let share: ShareId = path_param(&req, "shared_conversation_id", not_found())?;
    if !revoke(&app, &caller.user_id, &share).await? {
        return Err(not_found());
    }
    ok_json(&json!({ "shared_conversation_id": share, "status": "deleted" }))
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ShareNotFound)
}

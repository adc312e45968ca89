//! `POST /conversations/{conversation_id}/share` (form `expiry_days?`): creates the
//! conversation's share link, or refreshes it with a new snapshot (same share id, new
//! `last_updated_time`, expiry from now).

use std::sync::Arc;

use glchat_shared::error::ok_json;
use glchat_shared::http::{BodyKind, Fields, path_param};
use glchat_shared::i18n::{Issue, Text};
use glchat_shared::ids::ConversationId;
use glchat_shared::sharing::{MAX_EXPIRY_DAYS, share_conversation};
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let id: ConversationId = path_param(&req, "conversation_id", not_found())?;
    let expiry_days = Fields::body(&req, BodyKind::Form).await?.parse(|f| {
        let days: Option<i64> = f.optional("expiry_days");
        f.check("expiry_days", days.is_none_or(|d| d >= 1), Issue::GreaterThanEqual(1));
        f.check(
            "expiry_days",
            days.is_none_or(|d| d <= MAX_EXPIRY_DAYS),
            Issue::LessThanEqual(MAX_EXPIRY_DAYS),
        );
        days.and_then(|d| u32::try_from(d).ok())
    })?;

    let link = share_conversation(&app, &caller.user_id, &id, expiry_days)
        .await?
        .ok_or_else(not_found)?;
    ok_json(&link.details())
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ConversationNotFound)
}

//! `GET /conversations/{conversation_id}`: the conversation, its newest `limit`
//! messages created before `max_date` (oldest first), and its attachments.

use std::sync::Arc;

use glchat_shared::clock::{ClientInstant, Timestamp};
use glchat_shared::error::ok_json;
use glchat_shared::http::{Fields, FromField, path_param};
use glchat_shared::i18n::{Issue, Text};
use glchat_shared::ids::ConversationId;
use glchat_shared::models::{Attachment, Conversation};
use glchat_shared::store::MessageWindow;
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

/// `max_date` as the client wrote it (any ISO 8601 date-time).
#[derive(Default)]
struct MaxDate(Option<ClientInstant>);

impl FromField for MaxDate {
    fn from_text(raw: &str) -> Result<Self, Issue> {
        Timestamp::parse_client(raw).map(|t| MaxDate(Some(t)))
    }
}

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let id: ConversationId = path_param(&req, "conversation_id", not_found())?;
    let window = Fields::query(&req).parse(|f| {
        let limit: Option<i64> = f.optional("limit");
        f.check("limit", limit.is_none_or(|l| l >= 0), Issue::GreaterThanEqual(0));
        let max_date: Option<MaxDate> = f.optional("max_date");
        MessageWindow::newest_before(limit.and_then(|l| usize::try_from(l).ok()), max_date.and_then(|d| d.0))
    })?;

    let view = app.store.load_conversation(&id, window).await?;
    let view = view
        .filter(|v| v.conversation.user_id == caller.user_id)
        .ok_or_else(not_found)?;
    let mut attachments = Vec::with_capacity(view.attachments.len());
    for record in view.attachments {
        // Presigning is local computation: no S3 call per attachment.
        let url = app.blobs.presign_get(&record.object_key, &record.file_name).await?;
        attachments.push(Attachment::new(record, url));
    }
    ok_json(&json!({
        "conversation": Conversation::from(view.conversation),
        "messages": view.messages,
        "attachments": attachments,
    }))
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ConversationNotFound)
}

//! `POST /conversations/{conversation_id}/attachments` (JSON `file_name`, `content_type`,
//! `size`, `message_id?`): records an attachment and returns a presigned PUT that
//! accepts exactly that many bytes of that type, for 15 minutes.

use std::sync::Arc;

use glchat_shared::error::{Loc, ok_json};
use glchat_shared::http::{BodyKind, Fields, FromField, path_param};
use glchat_shared::i18n::{Issue, Text};
use glchat_shared::ids::{AttachmentId, ConversationId, MessageId};
use glchat_shared::models::{AttachmentRecord, BoundedText};
use glchat_shared::store::AttachOutcome;
use glchat_shared::{ApiError, App};
use lambda_http::{Body, Request, Response};
use serde_json::json;

/// A MIME type such as `image/png` or `application/vnd.ms-excel`.
#[derive(Default)]
struct ContentType(String);

impl FromField for ContentType {
    fn from_text(raw: &str) -> Result<Self, Issue> {
        let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c));
        match raw.split_once('/') {
            Some((kind, sub)) if raw.len() <= 127 && token(kind) && token(sub) => Ok(Self(raw.to_ascii_lowercase())),
            _ => Err(Issue::ContentType),
        }
    }
}

struct Input {
    file_name: BoundedText<255>,
    content_type: ContentType,
    size: i64,
    message_id: Option<MessageId>,
}

pub async fn handle(app: Arc<App>, req: Request) -> Result<Response<Body>, ApiError> {
    let caller = app.auth.authenticate(req.headers())?;
    let id: ConversationId = path_param(&req, "conversation_id", not_found())?;
    let max = app.config.max_attachment_bytes;
    let input = Fields::body(&req, BodyKind::Json).await?.parse(|f| {
        let input = Input {
            file_name: f.required("file_name"),
            content_type: f.required("content_type"),
            size: f.required("size"),
            message_id: f.optional("message_id"),
        };
        f.check("file_name", !input.file_name.0.trim().is_empty(), Issue::TooShort(1));
        f.check("size", input.size >= 1, Issue::GreaterThanEqual(1));
        f.check(
            "size",
            u64::try_from(input.size).is_ok_and(|s| s <= max),
            Issue::LessThanEqual(max as i64),
        );
        input
    })?;

    let now = app.clock.now();
    let attachment = AttachmentId::generate(now);
    let record = AttachmentRecord {
        object_key: app.blobs.attachment_key(&id, &attachment),
        id: attachment,
        conversation_id: id,
        file_name: input.file_name.0.trim().to_owned(),
        content_type: input.content_type.0,
        size: u64::try_from(input.size).unwrap_or_default(),
        message_id: input.message_id,
        created_time: now,
    };
    match app.store.create_attachment(&caller.user_id, &record).await? {
        AttachOutcome::Created => {}
        AttachOutcome::ConversationNotFound => return Err(not_found()),
        AttachOutcome::MessageNotFound => {
            let raw = record.message_id.as_ref().map(|m| m.to_string()).unwrap_or_default();
            return Err(ApiError::invalid(Loc::Body, "message_id", Issue::UnknownMessage, raw));
        }
    }
    let upload = app
        .blobs
        .presign_put(&record.object_key, &record.content_type, record.size)
        .await?;
    let download = app.blobs.presign_get(&record.object_key, &record.file_name).await?;
    let headers: serde_json::Map<String, serde_json::Value> =
        upload.headers.into_iter().map(|(k, v)| (k, v.into())).collect();
    ok_json(&json!({
        "attachment": glchat_shared::models::Attachment::new(record, download),
        "upload_url": upload.url,
        "upload_method": upload.method,
        "upload_headers": headers,
        "expires_in": glchat_shared::blobs::URL_LIFETIME.as_secs(),
    }))
}

fn not_found() -> ApiError {
    ApiError::NotFound(Text::ConversationNotFound)
}

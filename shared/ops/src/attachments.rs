//! Attachments: recording one with a presigned upload, and the download URLs every
//! read of attachments hands out.

use super::OpError;
use crate::Deps;
use glchat_clients::blobs::{Blobs, URL_LIFETIME};
use glchat_domain::caller::Caller;
use glchat_domain::ids::{AttachmentId, ConversationId, MessageId};
use glchat_domain::models::{Attachment, AttachmentRecord, BoundedText, ContentType};
use glchat_domain::responses::CreateAttachmentResponse;
use glchat_store::idempotency::{HeldClaim, Receipt};
use glchat_store::{AttachOutcome, AttachmentLimits};

pub struct Create {
    pub id: ConversationId,
    pub file_name: BoundedText<255>,
    pub content_type: ContentType,
    /// At least 1 and at most `MAX_ATTACHMENT_BYTES` (the handler checks both).
    pub size: u64,
    pub message_id: Option<MessageId>,
    /// The request's `Idempotency-Key` claim, completed with the write.
    pub idempotency: Option<HeldClaim>,
}

/// Records an attachment of the caller's conversation and presigns a PUT that accepts
/// exactly `size` bytes of `content_type`, for 15 minutes.
pub async fn create(deps: &Deps, caller: &Caller, input: Create) -> Result<CreateAttachmentResponse, OpError> {
    let blobs = deps.blobs()?;
    let now = deps.clock.now();
    let attachment = AttachmentId::generate(now);
    let record = AttachmentRecord {
        object_key: blobs.attachment_key(&input.id, &attachment),
        id: attachment,
        conversation_id: input.id,
        file_name: input.file_name.0.trim().to_owned(),
        content_type: input.content_type.as_str().to_owned(),
        size: input.size,
        message_id: input.message_id,
        created_time: now,
    };
    let upload = blobs
        .presign_put(&record.object_key, &record.content_type, record.size)
        .await?;
    let download = blobs.presign_get(&record.object_key, &record.file_name).await?;
    // Presigning is local (no call): the response is known before the write, so a
    // receipt can complete with it.
    let response = CreateAttachmentResponse {
        attachment: Attachment::new(record.clone(), download),
        upload_url: upload.url,
        upload_method: upload.method,
        upload_headers: upload.headers.into_iter().collect(),
        expires_in: URL_LIFETIME.as_secs(),
    };
    let uploads = deps.config.uploads()?;
    let limits = AttachmentLimits {
        count: uploads.max_attachments,
        bytes: uploads.max_bytes_per_conversation,
    };
    let receipt = Receipt::of(input.idempotency.as_ref(), &response)?;
    match deps
        .store
        .create_attachment(&caller.user_id, &record, limits, receipt.as_ref())
        .await?
    {
        AttachOutcome::Created => {}
        AttachOutcome::ConversationNotFound => return Err(OpError::ConversationNotFound),
        AttachOutcome::TooMany => {
            return Err(OpError::TooManyAttachments { limit: limits.count });
        }
        AttachOutcome::OverQuota => {
            return Err(OpError::AttachmentQuota {
                size: record.size,
                limit: limits.bytes,
            });
        }
        AttachOutcome::MessageNotFound => {
            return Err(OpError::UnknownMessage {
                message: record.message_id.as_ref().map(|m| m.to_string()).unwrap_or_default(),
            });
        }
    }
    Ok(response)
}

/// What became of an object uploaded through a presigned URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Upload {
    /// Its conversation is alive: the object is the attachment's content.
    Kept,
    /// Its conversation is deleted or being deleted: the object was removed.
    Removed,
    /// Not an attachment key of this tenant: left alone.
    Foreign,
}

/// Settles an upload to the tenant's bucket that S3 reported (`ObjectCreated:Put`). A presigned PUT
/// works for 15 minutes whatever happens meanwhile, so a client may upload after the
/// conversation's delete swept its objects; nothing would ever reference or remove
/// that object. The report comes after the object exists, and a delete tombstones the
/// conversation before it sweeps, so an upload the sweep missed finds the tombstone (or
/// nothing) here and is removed. Repeating it is harmless.
pub async fn settle_upload(deps: &Deps, key: &str) -> Result<Upload, OpError> {
    let blobs = deps.blobs()?;
    let Some((conversation, _)) = blobs.attachment_of(key) else {
        return Ok(Upload::Foreign);
    };
    if deps.store.takes_objects(&conversation).await? {
        return Ok(Upload::Kept);
    }
    blobs.delete(key).await?;
    Ok(Upload::Removed)
}

/// Attachments as the API shows them, each with a short-lived download URL.
/// Presigning is local computation: no S3 call per attachment.
pub async fn with_download_urls(blobs: &Blobs, records: Vec<AttachmentRecord>) -> Result<Vec<Attachment>, OpError> {
    let mut attachments = Vec::with_capacity(records.len());
    for record in records {
        let url = blobs.presign_get(&record.object_key, &record.file_name).await?;
        attachments.push(Attachment::new(record, url));
    }
    Ok(attachments)
}

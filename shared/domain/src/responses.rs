//! Every response body of the API as a type, named after its schema in `openapi.json`
//! (the integration tests validate each reply against that schema).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::ids::{ChatbotId, ConversationId, MessageId, ShareId, UserId};
use crate::models::{Attachment, Conversation, Message, MessageRole, ShareLinkRecord};

/// `POST /conversations` and `PATCH /conversations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateConversationResponse {
    pub conversation: Conversation,
}

/// `GET /conversations`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GetConversationsResponse {
    pub conversations: Vec<Conversation>,
    pub cursor: Option<String>,
    pub conversations_count: u64,
}

/// `GET /conversations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GetConversationMessagesResponse {
    pub conversation: Conversation,
    pub messages: Vec<Message>,
    pub attachments: Vec<Attachment>,
}

/// `DELETE /conversations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeleteConversationResponse {
    pub conversation_id: ConversationId,
    pub deleted: bool,
}

/// `POST /conversations/delete`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeleteConversationsResponse {
    pub deleted_count: usize,
    /// `false` when a limit stopped the request with conversations left to delete.
    pub complete: bool,
}

/// `POST /conversations/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppendMessageResponse {
    pub message: Message,
}

/// `POST /conversations/{id}/attachments`: the record and a presigned PUT that takes
/// exactly the declared bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateAttachmentResponse {
    pub attachment: Attachment,
    pub upload_url: String,
    pub upload_method: String,
    pub upload_headers: BTreeMap<String, String>,
    pub expires_in: u64,
}

/// `POST /conversations/{id}/generate-title`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerateTitleResponse {
    pub title: String,
}

/// `GET` and `POST /conversations/{id}/share`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedConversationResponse {
    pub shared_conversation_id: ShareId,
    pub last_updated_time: Timestamp,
    pub expired_time: Option<Timestamp>,
}

/// One link of `GET /conversations/shared`.
impl From<&ShareLinkRecord> for SharedConversationResponse {
    /// The link as its owner sees it.
    fn from(link: &ShareLinkRecord) -> Self {
        Self {
            shared_conversation_id: link.share_id.clone(),
            last_updated_time: link.last_updated_time,
            expired_time: link.expired_time,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedConversation {
    pub id: ShareId,
    pub user_id: UserId,
    pub conversation_id: ConversationId,
    pub conversation_title: String,
    pub created_time: Timestamp,
    pub last_updated_time: Timestamp,
    pub expired_time: Option<Timestamp>,
    pub first_matching_word: Option<String>,
    pub is_active: bool,
    /// Not produced by this service; kept for the seed's shape.
    pub mind_map: Option<serde_json::Value>,
}

/// `GET /conversations/shared`: links by the age of their last refresh, in this order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SharedConversationGroups {
    pub today: Vec<SharedConversation>,
    pub yesterday: Vec<SharedConversation>,
    pub previous_7_days: Vec<SharedConversation>,
    pub previous_30_days: Vec<SharedConversation>,
    pub older: Vec<SharedConversation>,
}

/// The conversation of a public read: the seed's `Conversation` fields that say
/// nothing about the owner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicConversation {
    pub id: ConversationId,
    /// Always empty: no owner.
    pub user_id: UserId,
    pub chatbot_id: ChatbotId,
    pub title: Option<String>,
    pub created_time: Timestamp,
    pub updated_time: Timestamp,
    pub is_active: bool,
    pub is_anonymized: bool,
}

/// A message of a public read: no `deanonymized_content`, `source`, `feedback` or
/// `metadata_`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicMessage {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub role: MessageRole,
    pub content: String,
    pub created_time: Timestamp,
    pub is_active: bool,
    pub parent_id: Option<String>,
}

/// `GET /conversations/shared/{share_id}`: the snapshot, publicly, under its own ids
/// (`ops::public_view`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GetSharedConversationResponse {
    pub conversation: PublicConversation,
    pub conversation_title: String,
    pub messages: Vec<PublicMessage>,
    pub attachments: Vec<Attachment>,
    pub last_updated_time: Timestamp,
    pub expired_time: Option<Timestamp>,
    pub chatbot: ChatbotRef,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatbotRef {
    pub id: ChatbotId,
}

/// `POST /conversations/shared/{share_id}/clone`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloneSharedConversationResponse {
    pub conversation: Conversation,
    pub messages: Vec<Message>,
}

/// `POST /conversations/shared/{share_id}/clone`, 202: a clone too large for one
/// request, continued by the same request with `conversation_id` as `new_conversation_id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloneInProgressResponse {
    pub conversation_id: ConversationId,
    pub complete: bool,
    /// Attachments and messages written so far, of `items_total`.
    pub items_written: usize,
    pub items_total: usize,
}

/// `DELETE /conversations/shared/{share_id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeleteSharedConversationResponse {
    pub shared_conversation_id: ShareId,
    pub status: &'static str,
}

/// `POST /conversations/exports` (202): the export is accepted and will be made in the
/// background.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportAcceptedResponse {
    pub export_id: crate::ids::ExportId,
    pub status: crate::exports::ExportStatus,
}

/// `GET /conversations/exports/{export_id}`: where the export stands, what it holds so
/// far (all of it once ready), and the zip's download URL once ready.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportResponse {
    pub export_id: crate::ids::ExportId,
    pub status: crate::exports::ExportStatus,
    /// A presigned GET of the zip, valid an hour (ask again for a fresh one), when ready.
    pub url: Option<String>,
    /// When the export and its zip are removed.
    pub expires_at: Timestamp,
    pub conversations: u64,
    pub messages: u64,
    pub attachments: u64,
    /// Why it failed, when it did.
    pub failure: Option<String>,
}

/// `POST /me/erasure` (202): the erasure is accepted and runs in the background.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErasureAcceptedResponse {
    pub erasure_id: crate::ids::ErasureId,
}

/// `GET /me/erasure/{erasure_id}`: the erasure's receipt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErasureReceipt {
    pub erasure_id: crate::ids::ErasureId,
    pub status: crate::erasures::ErasureStatus,
    pub conversations: u64,
    pub messages: u64,
    pub attachments: u64,
    pub share_links: u64,
    pub exports: u64,
    pub finished_at: Option<Timestamp>,
}

/// `POST /conversations/imports` (202): where to upload the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportAcceptedResponse {
    pub import_id: crate::ids::ImportId,
    pub status: crate::imports::ImportStatus,
    /// A presigned PUT of exactly the declared size, valid 15 minutes.
    pub upload_url: String,
    /// The headers the PUT must carry as they are.
    pub upload_headers: BTreeMap<String, String>,
}

/// `GET /conversations/imports/{import_id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportResponse {
    pub import_id: crate::ids::ImportId,
    pub status: crate::imports::ImportStatus,
    pub conversations_imported: u64,
    pub conversations_skipped: u64,
    pub messages_imported: u64,
    pub failures: Vec<crate::imports::ImportFailure>,
}

//! A user's export: the job that makes it, and the format of the `conversations.json`
//! it writes (`docs/export.md`, `docs/export.schema.json`), which this service's import
//! reads back.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Timestamp;
use crate::ids::{AttachmentId, ChatbotId, ConversationId, MessageId, ShareId, UserId};
use crate::models::{AttachmentRecord, ConversationRecord, Message, MessageRole, ShareLinkRecord};

/// The `format` field of `conversations.json`.
pub const FORMAT: &str = "glchat-export";
/// The `version` field: raised when a reader of the previous version would misread it.
pub const VERSION: u32 = 1;
/// The file in the zip that holds the conversations.
pub const CONVERSATIONS_FILE: &str = "conversations.json";
/// How long a finished export (the job and its zip) is kept.
pub const KEPT_DAYS: u32 = 7;
/// Conversations one export may list by id.
pub const MAX_LISTED: usize = 1_000;

/// Where an export stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    /// Accepted; the background function has not finished it.
    Pending,
    /// The zip is written: a presigned URL downloads it until `expires_at`.
    Ready,
    /// It could not be made; nothing of it is kept.
    Failed,
}

/// The opening of `conversations.json`, before its `conversations` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportHeader {
    pub format: String,
    pub version: u32,
    pub exported_at: Timestamp,
    pub tenant_id: String,
    pub user_id: UserId,
}

/// One conversation as exported: everything a user can see of it, every branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedConversation {
    pub id: ConversationId,
    pub chatbot_id: ChatbotId,
    pub title: Option<String>,
    pub model_name: String,
    pub created_time: Timestamp,
    pub updated_time: Timestamp,
    pub is_active: bool,
    pub is_anonymized: bool,
    pub deanonymized_mapping: Map<String, Value>,
    pub metadata: Option<Map<String, Value>>,
    /// Every message, every branch, oldest first; `parent_id` links each to the one it
    /// answers or edits, and `is_active` marks the branch shown.
    pub messages: Vec<ExportedMessage>,
    pub attachments: Vec<ExportedAttachment>,
    /// The conversation's public link, when it has a live one.
    pub share_link: Option<ExportedShareLink>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedMessage {
    pub id: MessageId,
    pub parent_id: Option<String>,
    pub role: MessageRole,
    pub content: String,
    pub deanonymized_content: Option<String>,
    pub created_time: Timestamp,
    pub is_active: bool,
    pub source: Option<String>,
    pub feedback: Option<String>,
    pub metadata: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedAttachment {
    pub id: AttachmentId,
    pub message_id: Option<MessageId>,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub created_time: Timestamp,
    /// The file's path in the zip.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedShareLink {
    pub share_id: ShareId,
    pub created_time: Timestamp,
    pub last_updated_time: Timestamp,
    pub expired_time: Option<Timestamp>,
}

/// A file name as a zip entry's last part: no separators, no `..`, no control
/// characters; what it was otherwise.
pub fn entry_name(file_name: &str) -> String {
    let cleaned: String = file_name
        .chars()
        .map(|c| match c {
            '/' | '\\' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    match cleaned.trim_matches('.') {
        "" => "file".to_owned(),
        _ => cleaned,
    }
}

/// An attachment's path in the zip: `attachments/<conversation>/<attachment>/<file name>`.
pub fn attachment_path(conversation: &ConversationId, attachment: &AttachmentRecord) -> String {
    format!(
        "attachments/{}/{}/{}",
        conversation.as_str(),
        attachment.id.as_str(),
        entry_name(&attachment.file_name)
    )
}

impl ExportedConversation {
    pub fn of(
        conversation: ConversationRecord,
        messages: Vec<Message>,
        attachments: &[AttachmentRecord],
        link: Option<&ShareLinkRecord>,
    ) -> Self {
        let id = conversation.id.clone();
        Self {
            messages: messages.into_iter().map(ExportedMessage::of).collect(),
            attachments: attachments
                .iter()
                .map(|a| ExportedAttachment {
                    id: a.id.clone(),
                    message_id: a.message_id.clone(),
                    file_name: a.file_name.clone(),
                    content_type: a.content_type.clone(),
                    size: a.size,
                    created_time: a.created_time,
                    path: attachment_path(&id, a),
                })
                .collect(),
            share_link: link.map(|l| ExportedShareLink {
                share_id: l.share_id.clone(),
                created_time: l.created_time,
                last_updated_time: l.last_updated_time,
                expired_time: l.expired_time,
            }),
            id,
            chatbot_id: conversation.chatbot_id,
            title: conversation.title,
            model_name: conversation.model_name,
            created_time: conversation.created_time,
            updated_time: conversation.updated_time,
            is_active: conversation.is_active,
            is_anonymized: conversation.is_anonymized,
            deanonymized_mapping: conversation.deanonymized_mapping,
            metadata: conversation.metadata_,
        }
    }
}

impl ExportedMessage {
    pub fn of(message: Message) -> Self {
        Self {
            id: message.id,
            parent_id: message.parent_id,
            role: message.role,
            content: message.content,
            deanonymized_content: message.deanonymized_content,
            created_time: message.created_time,
            is_active: message.is_active,
            source: message.source,
            feedback: message.feedback,
            metadata: message.metadata_,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_one_entry_of_their_folder() {
        assert_eq!(entry_name("report.pdf"), "report.pdf");
        assert_eq!(entry_name("../../etc/passwd"), ".._.._etc_passwd", "no separator left");
        assert_eq!(entry_name("a\\b\u{0}c"), "a_b_c");
        assert_eq!(entry_name(".."), "file");
        assert_eq!(entry_name("laporan ringkas.txt"), "laporan ringkas.txt");
    }
}

//! The API's schemas (as in `openapi.json`) and the records the store keeps.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Timestamp;
use crate::ids::{AttachmentId, ChatbotId, ConversationId, MessageId, ShareId, UserId};
use crate::issue::Issue;

/// The model a conversation uses when the client names none (the seed's default).
pub const DEFAULT_MODEL_NAME: &str = "openai/gpt-4o-mini";

/// A conversation as stored and as the API shows it (search fields aside).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    pub id: ConversationId,
    pub user_id: UserId,
    pub chatbot_id: ChatbotId,
    pub title: Option<String>,
    pub model_name: String,
    pub created_time: Timestamp,
    /// The time of the last message (or creation): what lists are ordered by.
    pub updated_time: Timestamp,
    pub is_active: bool,
    pub is_anonymized: bool,
    #[serde(default)]
    pub deanonymized_mapping: Map<String, Value>,
    #[serde(default)]
    pub metadata_: Option<Map<String, Value>>,
}

/// `Conversation` of the spec: the record plus what a search found in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    #[serde(flatten)]
    pub record: ConversationRecord,
    pub first_matching_message_id: Option<MessageId>,
    pub first_matching_message: Option<String>,
}

impl From<ConversationRecord> for Conversation {
    fn from(record: ConversationRecord) -> Self {
        Self {
            record,
            first_matching_message_id: None,
            first_matching_message: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageRole {
    User,
    Assistant,
}

impl MessageRole {
    pub fn parse(raw: &str) -> Result<Self, Issue> {
        match raw {
            "user" => Ok(MessageRole::User),
            "assistant" => Ok(MessageRole::Assistant),
            _ => Err(Issue::Enum(&["user", "assistant"])),
        }
    }
}

/// `Message` of the spec, stored as is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub role: MessageRole,
    pub content: String,
    #[serde(default)]
    pub deanonymized_content: Option<String>,
    pub created_time: Timestamp,
    pub is_active: bool,
    /// The conversation id for a first message; else the message this one follows.
    pub parent_id: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub feedback: Option<String>,
    #[serde(default)]
    pub metadata_: Option<Map<String, Value>>,
}

/// An attachment's record: the file's name, type and size as declared at upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    pub id: AttachmentId,
    pub conversation_id: ConversationId,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    #[serde(default)]
    pub message_id: Option<MessageId>,
    pub created_time: Timestamp,
    /// Where the bytes are in the tenant's bucket.
    pub object_key: String,
}

/// An attachment a conversation had when its delete began, as the tombstone records it
/// for the `ConversationDeleted` event (`docs/events.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedAttachment {
    pub attachment_id: AttachmentId,
    pub object_key: String,
}

/// An attachment as the API shows it: the record (less its object key) and a
/// short-lived download URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub message_id: Option<MessageId>,
    pub created_time: Timestamp,
    pub url: String,
}

impl Attachment {
    pub fn new(record: AttachmentRecord, url: String) -> Self {
        Self {
            id: record.id,
            file_name: record.file_name,
            content_type: record.content_type,
            size: record.size,
            message_id: record.message_id,
            created_time: record.created_time,
            url,
        }
    }
}

/// Text a client writes into a stored field, bounded so that an item stays far below
/// DynamoDB's 400 KB: two message texts and metadata fit with room to spare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText<const MAX: usize>(pub String);

impl<const MAX: usize> BoundedText<MAX> {
    /// The most characters it holds.
    pub const MAX_CHARS: usize = MAX;

    pub fn parse(raw: &str) -> Result<Self, Issue> {
        if raw.chars().count() > MAX {
            return Err(Issue::TooLong(MAX));
        }
        Ok(Self(raw.to_owned()))
    }
}

/// Message text: at most 40,000 characters (160 KB even in 4-byte UTF-8).
pub type MessageText = BoundedText<40_000>;

/// A conversation title: trimmed, 1 to 255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 255;

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Title {
    /// Trimmed; refused when blank or longer than [`Self::MAX_CHARS`].
    pub fn parse(raw: &str) -> Result<Self, Issue> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Issue::TooShort(1));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(Issue::TooLong(Self::MAX_CHARS));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

/// A search text: at most 200 characters (a query, not a document).
pub type SearchText = BoundedText<200>;

/// Short free text (model name, source): at most 200 characters.
pub type ShortText = BoundedText<200>;

/// A JSON object of client metadata, at most 16 KB once serialized.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata(pub Map<String, Value>);

impl Metadata {
    pub const MAX_BYTES: usize = 16 * 1024;

    /// A client's object, refused past [`Self::MAX_BYTES`] once serialized.
    pub fn from_object(map: Map<String, Value>) -> Result<Self, Issue> {
        let size = serde_json::to_vec(&map).map(|v| v.len()).unwrap_or(usize::MAX);
        if size > Self::MAX_BYTES {
            return Err(Issue::TooLong(Self::MAX_BYTES));
        }
        Ok(Self(map))
    }
}

/// A share link as its owner sees it (stored on the conversation's collection and on
/// the snapshot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareLinkRecord {
    pub share_id: ShareId,
    pub user_id: UserId,
    pub conversation_id: ConversationId,
    /// The title when the snapshot was taken.
    pub conversation_title: String,
    pub created_time: Timestamp,
    pub last_updated_time: Timestamp,
    /// `None`: never expires.
    #[serde(default)]
    pub expired_time: Option<Timestamp>,
    /// The ULID of the current snapshot; newer snapshots have larger ids.
    pub snapshot_id: String,
}

impl ShareLinkRecord {
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.expired_time.is_none_or(|expiry| now < expiry)
    }
}

/// What a share link shows: the conversation as it was, without anything de-anonymized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotContent {
    pub conversation: ConversationRecord,
    pub messages: Vec<Message>,
    /// Their `object_key`s point at the snapshot's own copies.
    pub attachments: Vec<AttachmentRecord>,
}

impl SnapshotContent {
    /// Takes a conversation as it may be shown to anyone with the link: `content` only
    /// (`deanonymized_content` dropped, `deanonymized_mapping` emptied), and neither the
    /// owner's id nor the conversation's private metadata.
    pub fn public(
        mut conversation: ConversationRecord,
        messages: Vec<Message>,
        attachments: Vec<AttachmentRecord>,
    ) -> Self {
        conversation.deanonymized_mapping = Map::new();
        conversation.metadata_ = None;
        conversation.user_id = UserId::anonymous();
        let messages = messages
            .into_iter()
            .map(|mut m| {
                m.deanonymized_content = None;
                m
            })
            .collect();
        Self {
            conversation,
            messages,
            attachments,
        }
    }
}

/// A slice of a large snapshot's messages, kept as one S3 object (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotChunk {
    pub key: String,
    /// The creation milliseconds of its first and last message.
    pub first_ms: u64,
    pub last_ms: u64,
}

/// What a large snapshot keeps besides its messages, as one S3 object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotHead {
    pub conversation: ConversationRecord,
    pub attachments: Vec<AttachmentRecord>,
}

/// Where a cloned conversation came from: the link and the snapshot it copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloneSource {
    pub share_id: ShareId,
    pub snapshot_id: String,
}

/// A MIME type such as `image/png` or `application/vnd.ms-excel`, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType(String);

impl ContentType {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ContentType {
    /// A `type/subtype` of MIME tokens, lower-cased.
    pub fn parse(raw: &str) -> Result<Self, Issue> {
        let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c));
        match raw.split_once('/') {
            Some((kind, sub)) if raw.len() <= 127 && token(kind) && token(sub) => Ok(Self(raw.to_ascii_lowercase())),
            _ => Err(Issue::ContentType),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_serializes_every_spec_field() {
        let t = Timestamp::from_unix_ms(0).unwrap();
        let record = ConversationRecord {
            id: ConversationId::parse("c1").unwrap(),
            user_id: UserId::parse("u").unwrap(),
            chatbot_id: ChatbotId::parse("b").unwrap(),
            title: None,
            model_name: DEFAULT_MODEL_NAME.into(),
            created_time: t,
            updated_time: t,
            is_active: true,
            is_anonymized: false,
            deanonymized_mapping: Map::new(),
            metadata_: None,
        };
        let json = serde_json::to_value(Conversation::from(record)).unwrap();
        for key in [
            "id",
            "user_id",
            "title",
            "created_time",
            "updated_time",
            "is_active",
            "is_anonymized",
            "chatbot_id",
            "deanonymized_mapping",
            "first_matching_message_id",
            "first_matching_message",
            "metadata_",
        ] {
            assert!(json.get(key).is_some(), "{key} missing from {json}");
        }
    }

    #[test]
    fn bounded_fields_refuse_what_would_not_fit() {
        assert_eq!(Title::parse("  Trip  ").unwrap().as_str(), "Trip");
        assert_eq!(Title::parse("   "), Err(Issue::TooShort(1)));
        assert_eq!(Title::parse(&"é".repeat(256)), Err(Issue::TooLong(255)));
        assert!(MessageText::parse(&"x".repeat(40_000)).is_ok());
        assert_eq!(MessageText::parse(&"x".repeat(40_001)), Err(Issue::TooLong(40_000)));
        let big = Map::from_iter([("k".to_owned(), Value::from("v".repeat(17_000)))]);
        assert_eq!(Metadata::from_object(big), Err(Issue::TooLong(Metadata::MAX_BYTES)));
        assert_eq!(MessageRole::parse("system"), Err(Issue::Enum(&["user", "assistant"])));
        assert_eq!(ContentType::parse("Image/PNG").unwrap().as_str(), "image/png");
        assert_eq!(ContentType::parse("png"), Err(Issue::ContentType));
    }
}

//! The items of the table as Rust types, converted with serde_dynamo. An item's keys
//! are derived from its record by `keys`, never set by hand.

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::keys;
use glchat_domain::ids::{ChatbotId, ConversationId, MessageId};
use glchat_domain::models::{
    AttachmentRecord, CloneSource, ConversationRecord, Message, ShareLinkRecord, SnapshotChunk, SnapshotContent,
};

pub(crate) type Attributes = HashMap<String, AttributeValue>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ConversationItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI2PK")]
    pub gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    pub gsi2sk: String,
    /// The idle index (retention): a live conversation's last activity; none while it
    /// is being cloned or deleted, and on items written before the index existed.
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
    #[serde(flatten)]
    pub record: ConversationRecord,
    /// The newest message: the default parent of the next one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_message_id: Option<MessageId>,
    /// Set when a delete has begun: the conversation is gone for every reader and
    /// writer, and a retried delete finishes the cascade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleting: Option<bool>,
    /// The snapshot this conversation was cloned from (repeated clones find it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloned_from: Option<CloneSource>,
    /// How many attachments the conversation holds (bounded by the uploads' limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_count: Option<u64>,
    /// Their declared sizes in all (bounded by the uploads' quota).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_bytes: Option<u64>,
    /// Set while a clone is being written: how many of its items are written. Such a
    /// conversation is in no list, not counted, and closed to readers and writers
    /// until the clone completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone_progress: Option<u64>,
    /// When the delete began (its first attempt), set with `deleting`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_time: Option<glchat_domain::clock::Timestamp>,
    /// The attachments it had when the delete began, recorded before any is removed,
    /// so the conversation item's last image (in the table's stream) names them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_attachments: Option<Vec<glchat_domain::models::DeletedAttachment>>,
    /// `deleted_attachments` holds only the first ones: all would not fit one event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_attachments_truncated: Option<bool>,
}

/// Where a conversation stands, read from its item in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    /// Open to readers and writers.
    Live,
    /// Being written by a clone, this many of its items so far: in no list, not
    /// counted, closed to readers and writers until the clone completes.
    Cloning { written: u64 },
    /// Its delete has begun: gone for every reader and writer, and a retried delete
    /// finishes the cascade.
    Deleting,
}

impl ConversationItem {
    pub fn lifecycle(&self) -> Lifecycle {
        match (self.deleting, self.clone_progress) {
            (Some(true), _) => Lifecycle::Deleting,
            (_, Some(written)) => Lifecycle::Cloning { written },
            (_, None) => Lifecycle::Live,
        }
    }
}

impl ConversationItem {
    pub fn new(record: ConversationRecord) -> Self {
        let key = keys::conversation(&record.id);
        let activity = keys::activity(record.updated_time, &record.id);
        let (gsi3pk, gsi3sk) = keys::idle(record.updated_time, &record.id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi2pk: keys::user_chatbot_conversations(&record.user_id, &record.chatbot_id),
            gsi2sk: activity,
            gsi3pk: Some(gsi3pk),
            gsi3sk: Some(gsi3sk),
            record,
            head_message_id: None,
            deleting: None,
            cloned_from: None,
            attachment_count: None,
            attachment_bytes: None,
            clone_progress: None,
            deleted_time: None,
            deleted_attachments: None,
            deleted_attachments_truncated: None,
        }
    }

    /// A clone about to be written: parked outside the lists (`CLONING#` partitions)
    /// until [`super::Store::finish_clone`] moves it in.
    pub fn cloning(record: ConversationRecord, source: CloneSource, attachments: &[AttachmentRecord]) -> Self {
        let mut item = Self::new(record);
        item.gsi2pk = keys::cloning_user_chatbot_conversations(&item.record.user_id, &item.record.chatbot_id);
        // Into the idle index when it completes (`finish_clone`).
        (item.gsi3pk, item.gsi3sk) = (None, None);
        item.cloned_from = Some(source);
        item.attachment_count = Some(attachments.len() as u64);
        item.attachment_bytes = Some(attachments.iter().map(|a| a.size).sum());
        item.clone_progress = Some(0);
        item
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MessageItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(flatten)]
    pub message: Message,
}

impl MessageItem {
    pub fn new(message: Message) -> Self {
        let key = keys::message(&message.conversation_id, &message.id);
        Self {
            pk: key.pk,
            sk: key.sk,
            message,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AttachmentItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(flatten)]
    pub attachment: AttachmentRecord,
}

impl AttachmentItem {
    pub fn new(attachment: AttachmentRecord) -> Self {
        let key = keys::attachment(&attachment.conversation_id, &attachment.id);
        Self {
            pk: key.pk,
            sk: key.sk,
            attachment,
        }
    }
}

/// The conversation's share link (`CONV#<id>` / `SHARE`), listed per user on GSI1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ShareLinkItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    #[serde(flatten)]
    pub link: ShareLinkRecord,
    /// Set while a first share is being taken: the share id is reserved (so its copies
    /// are found by a retry or a delete) but nothing is published or listed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<bool>,
}

impl ShareLinkItem {
    pub fn new(link: ShareLinkRecord) -> Self {
        let key = keys::share_link(&link.conversation_id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: keys::user_shares(&link.user_id),
            gsi1sk: keys::share_activity(link.last_updated_time, &link.share_id),
            link,
            pending: None,
        }
    }

    /// A reserved share id: out of the owner's list (`PENDING#` partition).
    pub fn pending(link: ShareLinkRecord) -> Self {
        let mut item = Self::new(link);
        item.gsi1pk = keys::pending_user_shares(&item.link.user_id);
        item.pending = Some(true);
        item
    }
}

/// A share link's snapshot (`SHARE#<sid>` / `SHARE`): what the public read serves.
/// The content is inline; or, when too large for an item, in S3 as a head object and
/// chunks of messages (`head_key`, `chunks`), or as one object (`snapshot_key`, the
/// form of snapshots taken before chunks).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SnapshotItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(flatten)]
    pub link: ShareLinkRecord,
    pub chatbot_id: ChatbotId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<SnapshotContent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<Vec<SnapshotChunk>>,
    /// Epoch seconds of `expired_time`: DynamoDB's TTL purges the item after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// A share id that is dead (`SHARE#<sid>` / `SHARE`, where its snapshot was): revoked,
/// replaced after it expired, or its conversation deleted. It makes the public read
/// answer 404 and refuses any later snapshot under the id (a snapshot put requires
/// `snapshot_id < :new`, which a dead id does not have), so a refresh racing the revoke
/// cannot republish. TTL removes it after [`DEAD_SHARE_DAYS`]: by then no request that
/// read the link alive is still running, and new links get new ids.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DeadShareItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    /// `DEADSHARES#<u>` / `<died>#<share id>`: every item that names a user is found from
    /// that user's keys, so an erasure finds these too (and removes the keys with the
    /// owner). Markers written before the index entry existed have none; TTL removes
    /// them within [`DEAD_SHARE_DAYS`].
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    pub share_id: glchat_domain::ids::ShareId,
    pub user_id: glchat_domain::ids::UserId,
    pub conversation_id: ConversationId,
    pub died_time: glchat_domain::clock::Timestamp,
    pub expires_at: i64,
}

/// How long a dead share id is remembered.
pub(crate) const DEAD_SHARE_DAYS: u32 = 7;

impl DeadShareItem {
    pub fn new(link: &ShareLinkRecord, now: glchat_domain::clock::Timestamp) -> Self {
        let key = keys::share_snapshot(&link.share_id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: Some(keys::user_dead_shares(&link.user_id)),
            gsi1sk: Some(format!("{}#{}", now, link.share_id.as_str())),
            share_id: link.share_id.clone(),
            user_id: link.user_id.clone(),
            conversation_id: link.conversation_id.clone(),
            died_time: now,
            expires_at: now.plus_days(DEAD_SHARE_DAYS).unix_seconds(),
        }
    }
}

/// A user's export (`USER#<u>` / `EXPORT#<id>`): what was asked, where the background
/// function stands, and what it made. Its stream record (insert, or a write of the next
/// step) starts the next step; TTL removes it [`glchat_domain::exports::KEPT_DAYS`]
/// after it was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportJobItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub export_id: glchat_domain::ids::ExportId,
    pub user_id: glchat_domain::ids::UserId,
    pub status: glchat_domain::exports::ExportStatus,
    pub created_time: glchat_domain::clock::Timestamp,
    pub updated_time: glchat_domain::clock::Timestamp,
    /// The conversations asked for; every one of the user's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_ids: Option<Vec<ConversationId>>,
    pub step: u64,
    pub progress: ExportProgress,
    /// The zip, once written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Epoch seconds: TTL removes the job after it (its zip goes by the bucket's rule).
    pub expires_at: i64,
}

/// How far the background function got: the conversations it wrote into parts, then
/// the zip.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportProgress {
    /// Whether the list of conversations to export is written (`manifest.json`).
    pub listed: bool,
    /// The next conversation of the list, and how many it holds.
    pub next: u64,
    pub total: u64,
    /// Parts written (`parts/00000.json`, ...), each a JSON array of conversations.
    pub parts: u64,
    pub conversations: u64,
    pub messages: u64,
    pub attachments: u64,
}

/// A user's erasure (`USER#<u>` / `ERASURE#<id>`): where the background function stands
/// and what it counted before removing anything; the receipt once done, kept
/// [`glchat_domain::erasures::RECEIPT_DAYS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErasureJobItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub erasure_id: glchat_domain::ids::ErasureId,
    pub user_id: glchat_domain::ids::UserId,
    pub status: glchat_domain::erasures::ErasureStatus,
    pub created_time: glchat_domain::clock::Timestamp,
    pub updated_time: glchat_domain::clock::Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_time: Option<glchat_domain::clock::Timestamp>,
    pub step: u64,
    pub progress: ErasureProgress,
    pub expires_at: i64,
}

/// How far an erasure got: the list of the user's conversations, then each counted,
/// then each removed, then the rest of what is theirs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErasureProgress {
    pub listed: bool,
    pub total: u64,
    /// The next conversation of the list to count, and to remove.
    pub counted: u64,
    pub removed: u64,
    pub erased: glchat_domain::erasures::Erased,
}

/// A user's import (`USER#<u>` / `IMPORT#<id>`): the upload it waits for, then where
/// the background function stands and what it imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportJobItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub import_id: glchat_domain::ids::ImportId,
    pub user_id: glchat_domain::ids::UserId,
    pub status: glchat_domain::imports::ImportStatus,
    pub file_name: String,
    pub size: u64,
    /// Where the file is uploaded.
    pub object_key: String,
    pub created_time: glchat_domain::clock::Timestamp,
    pub updated_time: glchat_domain::clock::Timestamp,
    pub step: u64,
    pub progress: ImportProgress,
    pub expires_at: i64,
}

/// How far an import got: the file read into parts, then the parts written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportProgress {
    pub parsed: bool,
    pub parts: u64,
    pub next_part: u64,
    pub imported: u64,
    pub skipped: u64,
    pub messages: u64,
    pub failures: Vec<glchat_domain::imports::ImportFailure>,
}

/// Any item of a conversation's collection, told apart by its `entity` attribute
/// (which stream consumers read too).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
pub(crate) enum CollectionItem {
    Conversation(ConversationItem),
    Message(MessageItem),
    Attachment(AttachmentItem),
    ShareLink(ShareLinkItem),
    ShareSnapshot(SnapshotItem),
    DeadShare(DeadShareItem),
    Idempotency(IdempotencyItem),
    ExportJob(ExportJobItem),
    ErasureJob(ErasureJobItem),
    ImportJob(ImportJobItem),
}

impl CollectionItem {
    pub fn to_attributes(&self) -> anyhow::Result<Attributes> {
        serde_dynamo::to_item(self).context("converting an item to DynamoDB attributes")
    }

    pub fn from_attributes(item: Attributes) -> anyhow::Result<Self> {
        serde_dynamo::from_item(item).context("reading a DynamoDB item")
    }
}

/// A conversation counter: how many conversations a user has (for one chatbot or all).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CounterItem {
    /// Which counter (`COUNT`, `COUNT#BOT#<b>`): read when the chatbots' are listed.
    #[serde(rename = "SK", default, skip_serializing_if = "Option::is_none")]
    pub sk: Option<String>,
    #[serde(default)]
    pub conversation_count: i64,
}

impl CounterItem {
    pub fn from_attributes(item: Attributes) -> anyhow::Result<Self> {
        serde_dynamo::from_item(item).context("reading a counter item")
    }

    /// The conversations counted.
    pub fn count(&self) -> u64 {
        u64::try_from(self.conversation_count).unwrap_or(0)
    }
}

/// An `Idempotency-Key` record (`idempotency.rs` claims, completes and releases it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IdempotencyItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub fingerprint: String,
    /// The claiming request's own token (`HeldClaim`): only it completes or releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_token: Option<String>,
    pub state: IdempotencyState,
    /// Until when (epoch ms) an in-progress claim holds; past it the request is taken
    /// to have died and the key may be claimed again.
    pub locked_until: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Epoch seconds: DynamoDB's TTL removes the record after it.
    pub expires_at: i64,
}

/// Where a keyed request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum IdempotencyState {
    /// Claimed by a request that may still run (until `locked_until`).
    InProgress,
    /// Done: `status` and `body` are its response.
    Completed,
}

impl IdempotencyState {
    /// The attribute value, as serde writes it (conditions compare with it).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IdempotencyState::InProgress => "in_progress",
            IdempotencyState::Completed => "completed",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use glchat_domain::clock::Timestamp;
    use glchat_domain::ids::{AttachmentId, ChatbotId, ConversationId, MessageId, ShareId, UserId};
    use glchat_domain::models::{DeletedAttachment, MessageRole};
    use serde_json::Map;

    use super::*;
    use crate::attrs::{self, Attr};

    fn names(item: &impl Serialize) -> BTreeSet<String> {
        serde_dynamo::to_item::<_, Attributes>(item)
            .unwrap()
            .into_keys()
            .collect()
    }

    fn assert_writes(item: &impl Serialize, expected: &[Attr]) {
        let written = names(item);
        for attr in expected {
            assert!(
                written.contains(attr.as_str()),
                "{attr} is not a name serde writes: {written:?}"
            );
        }
    }

    fn at() -> Timestamp {
        Timestamp::from_unix_ms(1_700_000_000_000).unwrap()
    }

    fn conversation() -> ConversationRecord {
        ConversationRecord {
            id: ConversationId::parse("c1").unwrap(),
            user_id: UserId::parse("u").unwrap(),
            chatbot_id: ChatbotId::parse("b").unwrap(),
            title: Some("t".into()),
            model_name: "m".into(),
            created_time: at(),
            updated_time: at(),
            is_active: true,
            is_anonymized: false,
            deanonymized_mapping: Map::new(),
            metadata_: None,
        }
    }

    fn link() -> ShareLinkRecord {
        ShareLinkRecord {
            share_id: ShareId::parse("s1").unwrap(),
            conversation_id: ConversationId::parse("c1").unwrap(),
            user_id: UserId::parse("u").unwrap(),
            conversation_title: "t".into(),
            created_time: at(),
            last_updated_time: at(),
            expired_time: Some(at()),
            snapshot_id: "01J".into(),
        }
    }

    /// Every attribute constant an expression names is a name some item writes, as its
    /// own kind of item writes it.
    #[test]
    fn each_attribute_constant_is_the_name_serde_writes() {
        let mut deleted = ConversationItem::new(conversation());
        deleted.head_message_id = Some(MessageId::parse("m1").unwrap());
        deleted.deleting = Some(true);
        deleted.deleted_time = Some(at());
        deleted.deleted_attachments = Some(vec![DeletedAttachment {
            attachment_id: AttachmentId::parse("a1").unwrap(),
            object_key: "k".into(),
        }]);
        deleted.deleted_attachments_truncated = Some(false);
        let cloning = ConversationItem::cloning(
            conversation(),
            CloneSource {
                share_id: ShareId::parse("s1").unwrap(),
                snapshot_id: "01J".into(),
            },
            &[],
        );
        let conversation_attrs = [
            attrs::PK,
            attrs::SK,
            attrs::GSI2PK,
            attrs::GSI2SK,
            attrs::ID,
            attrs::USER_ID,
            attrs::TITLE,
            attrs::UPDATED_TIME,
        ];
        assert_writes(&CollectionItem::Conversation(deleted), &conversation_attrs);
        assert_writes(&CollectionItem::Conversation(cloning.clone()), &conversation_attrs);
        let mut full = ConversationItem::new(conversation());
        full.head_message_id = Some(MessageId::parse("m1").unwrap());
        full.deleting = Some(true);
        full.deleted_time = Some(at());
        full.deleted_attachments = Some(Vec::new());
        full.deleted_attachments_truncated = Some(true);
        full.clone_progress = cloning.clone_progress;
        full.attachment_count = cloning.attachment_count;
        full.attachment_bytes = cloning.attachment_bytes;
        assert_writes(
            &full,
            &[
                attrs::HEAD_MESSAGE_ID,
                attrs::DELETING,
                attrs::DELETED_TIME,
                attrs::DELETED_ATTACHMENTS,
                attrs::DELETED_ATTACHMENTS_TRUNCATED,
                attrs::CLONE_PROGRESS,
                attrs::ATTACHMENT_COUNT,
                attrs::ATTACHMENT_BYTES,
            ],
        );
        let message = Message {
            id: MessageId::parse("m1").unwrap(),
            conversation_id: ConversationId::parse("c1").unwrap(),
            role: MessageRole::User,
            content: "hi".into(),
            deanonymized_content: None,
            created_time: at(),
            is_active: true,
            parent_id: None,
            source: None,
            feedback: None,
            metadata_: None,
        };
        assert_writes(
            &CollectionItem::Message(MessageItem::new(message)),
            &[attrs::PK, attrs::SK, attrs::ID, attrs::CONTENT],
        );
        let attachment = AttachmentRecord {
            id: AttachmentId::parse("a1").unwrap(),
            conversation_id: ConversationId::parse("c1").unwrap(),
            file_name: "f".into(),
            content_type: "text/plain".into(),
            size: 3,
            message_id: None,
            created_time: at(),
            object_key: "k".into(),
        };
        assert_writes(
            &CollectionItem::Attachment(AttachmentItem::new(attachment)),
            &[attrs::SIZE, attrs::ID],
        );
        assert_writes(
            &CollectionItem::ShareLink(ShareLinkItem::new(link())),
            &[
                attrs::GSI1PK,
                attrs::GSI1SK,
                attrs::SHARE_ID,
                attrs::SNAPSHOT_ID,
                attrs::USER_ID,
            ],
        );
        assert_writes(
            &CollectionItem::DeadShare(DeadShareItem::new(&link(), at())),
            &[attrs::SHARE_ID, attrs::EXPIRES_AT],
        );
        let record = IdempotencyItem {
            pk: "p".into(),
            sk: "s".into(),
            fingerprint: "f".into(),
            claim_token: Some("t".into()),
            state: IdempotencyState::Completed,
            locked_until: 0,
            status: Some(200),
            body: Some("{}".into()),
            expires_at: 0,
        };
        assert_writes(
            &CollectionItem::Idempotency(record),
            &[
                attrs::STATE,
                attrs::FINGERPRINT,
                attrs::LOCKED_UNTIL,
                attrs::STATUS,
                attrs::BODY,
                attrs::EXPIRES_AT,
            ],
        );
        assert_writes(&CounterItem::default(), &[attrs::CONVERSATION_COUNT]);
    }

    /// The state as serde writes it is the value conditions compare with.
    #[test]
    fn idempotency_states_read_as_their_conditions_name_them() {
        for state in [IdempotencyState::InProgress, IdempotencyState::Completed] {
            let written = serde_json::to_value(state).unwrap();
            assert_eq!(written, state.as_str());
        }
    }

    #[test]
    fn a_conversation_lifecycle_is_read_from_its_flags() {
        let mut item = ConversationItem::new(conversation());
        assert_eq!(item.lifecycle(), Lifecycle::Live);
        item.clone_progress = Some(3);
        assert_eq!(item.lifecycle(), Lifecycle::Cloning { written: 3 });
        item.deleting = Some(true);
        assert_eq!(item.lifecycle(), Lifecycle::Deleting, "a clone's delete is a delete");
    }
}

//! Every DynamoDB key of the single table, built here and nowhere else.
//! The layout is documented in `docs/data-model.md`.
//!
//! | item            | PK                | SK                  | GSI1 (by user)      | GSI2 (by user+chatbot) |
//! |-----------------|-------------------|---------------------|---------------------|------------------------|
//! | conversation    | `CONV#<id>`       | `CONV`              |                     | `USER#<u>#BOT#<b>` / act. |
//! | message         | `CONV#<id>`       | `MSG#<ulid>`        |                     |                        |
//! | attachment      | `CONV#<id>`       | `ATT#<ulid>`        |                     |                        |
//! | share link      | `CONV#<id>`       | `SHARE`             | `SHARES#<u>` / upd. |                        |
//! | share snapshot  | `SHARE#<sid>`     | `SHARE`             |                     |                        |
//! | counter         | `USER#<u>`        | `COUNT` / `COUNT#BOT#<b>` |               |                        |
//! | rate window     | `USER#<u>`        | `LIMIT#<action>#<window start ms>` |    |                        |
//! | (conversation, GSI3) | `IDLE#<day>#<shard>` / `<updated_time>#<id>`: by last activity (retention) |
//! | export job      | `USER#<u>`        | `EXPORT#<id>` (`#STEP#<n>`: attempts) |  |                      |
//! | erasure job     | `USER#<u>`        | `ERASURE#<id>` (`#STEP#<n>`: attempts) | |                      |
//!
//! "act." is `<updated_time>#<conversation id>`: newest activity sorts last, so lists
//! query backwards. A user's list of all conversations merges their chatbots' GSI2
//! partitions (found from the chatbot counters), so an append moves one index entry,
//! not two. Conversations written before that carry GSI1 keys `USER#<u>` too, unread;
//! their next append or delete removes them ([`RETIRED_LIST_KEYS`]). Parts that come from outside (user and chatbot ids) are escaped so
//! that `#` inside them cannot forge another key.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use glchat_domain::clock::Timestamp;
use glchat_domain::ids::{
    AttachmentId, ChatbotId, ConversationId, ErasureId, ExportId, ImportId, MessageId, ShareId, UserId,
};

pub use crate::attrs::{GSI1PK, GSI1SK, GSI2PK, GSI2SK, GSI3PK, GSI3SK, PK, SK};
pub const GSI1: &str = "GSI1";
pub const GSI2: &str = "GSI2";
/// Conversations by the day of their last activity, for retention (keys only).
pub const GSI3: &str = "GSI3";

/// The idle index's partitions of one day: a day's conversations are spread over this
/// many, so that a tenant's busiest day stays far under a partition's write rate.
pub const IDLE_SHARDS: u32 = 4;
/// The attribute DynamoDB's TTL purges expired share links by.
pub const TTL_ATTRIBUTE: crate::attrs::Attr = crate::attrs::EXPIRES_AT;

const CONVERSATION_SK: &str = "CONV";
const MESSAGE_PREFIX: &str = "MSG#";
const ATTACHMENT_PREFIX: &str = "ATT#";
/// Sorts after every ULID character, closing the message range.
const MESSAGE_RANGE_END: &str = "MSG#~";
const COUNTER_TOTAL_SK: &str = "COUNT";
const COUNTER_CHATBOT_PREFIX: &str = "COUNT#BOT#";
const SHARE_SK: &str = "SHARE";

/// Escapes `%` and `#` so an outside id is one key part, whatever it contains.
fn escape(part: &str) -> String {
    part.replace('%', "%25").replace('#', "%23")
}

/// The inverse of [`escape`].
fn unescape(part: &str) -> String {
    part.replace("%23", "#").replace("%25", "%")
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn to_attributes(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (PK.to_string(), AttributeValue::S(self.pk.clone())),
            (SK.to_string(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

pub fn conversation_pk(id: &ConversationId) -> String {
    format!("CONV#{}", id.as_str())
}

pub fn conversation(id: &ConversationId) -> Key {
    Key {
        pk: conversation_pk(id),
        sk: CONVERSATION_SK.to_owned(),
    }
}

pub fn attachment(conversation: &ConversationId, id: &AttachmentId) -> Key {
    Key {
        pk: conversation_pk(conversation),
        sk: format!("{ATTACHMENT_PREFIX}{}", id.as_str()),
    }
}

pub fn message(conversation: &ConversationId, id: &MessageId) -> Key {
    Key {
        pk: conversation_pk(conversation),
        sk: format!("{MESSAGE_PREFIX}{}", id.as_str()),
    }
}

/// The sort key range of a conversation's messages, up to (and including) `last`,
/// or all of them.
pub fn message_range(last: Option<&MessageId>) -> (String, String) {
    let end = last.map_or_else(
        || MESSAGE_RANGE_END.to_owned(),
        |id| format!("{MESSAGE_PREFIX}{}", id.as_str()),
    );
    (MESSAGE_PREFIX.to_owned(), end)
}

/// The sort-key prefix of a conversation's attachments.
pub fn attachment_prefix() -> &'static str {
    ATTACHMENT_PREFIX
}

/// The sort-key prefix of a conversation's messages.
pub fn message_prefix() -> &'static str {
    MESSAGE_PREFIX
}

/// Everything of a conversation that sorts before its messages: the conversation item
/// itself and its attachments (`ATT#` < `CONV` < `MSG#`).
pub fn before_messages() -> &'static str {
    MESSAGE_PREFIX
}

/// A conversation's share link (one per conversation).
pub fn share_link(conversation: &ConversationId) -> Key {
    Key {
        pk: conversation_pk(conversation),
        sk: SHARE_SK.to_owned(),
    }
}

/// The user's share links, newest refresh last (GSI1 partition).
pub fn user_shares(user: &UserId) -> String {
    format!("SHARES#{}", escape(user.as_str()))
}

/// The user's dead share ids (GSI1), by when they died: what an erasure finds to make
/// them forget their owner.
pub fn user_dead_shares(user: &UserId) -> String {
    format!("DEADSHARES#{}", escape(user.as_str()))
}

/// The user's share links being taken for the first time (GSI1): never listed.
pub fn pending_user_shares(user: &UserId) -> String {
    format!("PENDING#{}", user_shares(user))
}

/// The sort key of a share link in the user's list.
pub fn share_activity(updated: Timestamp, share: &ShareId) -> String {
    format!("{}#{}", updated.to_wire(), share.as_str())
}

/// A share link's snapshot, the item the public read gets.
pub fn share_snapshot(share: &ShareId) -> Key {
    Key {
        pk: format!("SHARE#{}", share.as_str()),
        sk: SHARE_SK.to_owned(),
    }
}

/// The user's conversations with one chatbot (GSI2 partition).
pub fn user_chatbot_conversations(user: &UserId, chatbot: &ChatbotId) -> String {
    format!("USER#{}#BOT#{}", escape(user.as_str()), escape(chatbot.as_str()))
}

/// The list keys conversation items carried on GSI1 before lists merged the chatbots'
/// partitions: removed by the updates that move a conversation, so an old item leaves
/// GSI1 (and stops costing its write units) the first time it is appended to or deleted.
pub const RETIRED_LIST_KEYS: [crate::attrs::Attr; 2] = [GSI1PK, GSI1SK];

/// Conversations of the user whose delete has begun but not finished, per chatbot
/// (GSI2): a retried or bulk delete finds them here; lists never do.
pub fn deleting_user_chatbot_conversations(user: &UserId, chatbot: &ChatbotId) -> String {
    format!("DELETING#{}", user_chatbot_conversations(user, chatbot))
}

/// Conversations of the user being written by a clone, per chatbot (GSI2): out of the
/// lists until complete; a bulk delete finds them here.
pub fn cloning_user_chatbot_conversations(user: &UserId, chatbot: &ChatbotId) -> String {
    format!("CLONING#{}", user_chatbot_conversations(user, chatbot))
}

/// The sort key of a conversation in the lists: by activity, ties broken by id.
pub fn activity(updated: Timestamp, id: &ConversationId) -> String {
    format!("{}#{}", updated.to_wire(), id.as_str())
}

pub fn counter_total(user: &UserId) -> Key {
    Key {
        pk: format!("USER#{}", escape(user.as_str())),
        sk: COUNTER_TOTAL_SK.to_owned(),
    }
}

pub fn counter_chatbot(user: &UserId, chatbot: &ChatbotId) -> Key {
    Key {
        pk: format!("USER#{}", escape(user.as_str())),
        sk: format!("{COUNTER_CHATBOT_PREFIX}{}", escape(chatbot.as_str())),
    }
}

/// The partition and sort-key prefix of the user's per-chatbot counters: one Query
/// finds every chatbot the user has conversations with.
pub fn chatbot_counters(user: &UserId) -> (String, &'static str) {
    (format!("USER#{}", escape(user.as_str())), COUNTER_CHATBOT_PREFIX)
}

/// The chatbot a per-chatbot counter's sort key names.
pub fn chatbot_of_counter(sk: &str) -> Option<ChatbotId> {
    let escaped = sk.strip_prefix(COUNTER_CHATBOT_PREFIX)?;
    ChatbotId::parse(&unescape(escaped)).ok()
}

/// A user's count of one action in one fixed window (`store::limits`).
pub fn rate_window(user: &UserId, action: &str, window_start_ms: u64) -> Key {
    Key {
        pk: format!("USER#{}", escape(user.as_str())),
        sk: format!("LIMIT#{action}#{window_start_ms}"),
    }
}

/// A conversation's entry in the idle index (GSI3): the day of its last activity and one
/// of [`IDLE_SHARDS`] partitions (from its id), then its activity, so a day is read in
/// order of last activity and a bound on it is a key bound.
pub fn idle(updated: Timestamp, id: &ConversationId) -> (String, String) {
    let shard = id.as_str().bytes().map(u32::from).sum::<u32>() % IDLE_SHARDS;
    (idle_partition(&day_of(updated), shard), activity(updated, id))
}

/// The idle index's partition `shard` of `day` (`YYYY-MM-DD`).
pub fn idle_partition(day: &str, shard: u32) -> String {
    format!("IDLE#{day}#{shard}")
}

/// The UTC day of a time, as the idle index names it.
pub fn day_of(at: Timestamp) -> String {
    at.to_wire().chars().take(10).collect()
}

/// The conversation an idle index entry's sort key names.
pub fn conversation_of_activity(sk: &str) -> Option<ConversationId> {
    ConversationId::parse(sk.rsplit_once('#')?.1).ok()
}

/// Where retention keeps the last day it swept whole.
pub fn retention_cursor() -> Key {
    Key {
        pk: "RETENTION".to_owned(),
        sk: "SWEPT".to_owned(),
    }
}

/// A user's export job (`store::exports`): under the user's partition, so the job of
/// another user is simply not there.
pub fn export_job(user: &UserId, export: &ExportId) -> Key {
    Key {
        pk: user_pk(user),
        sk: format!("{EXPORT_PREFIX}{}", export.as_str()),
    }
}

/// The sort-key prefix of a user's export jobs.
pub const EXPORT_PREFIX: &str = "EXPORT#";

/// A user's import job (`store::imports`).
pub fn import_job(user: &UserId, import: &ImportId) -> Key {
    Key {
        pk: user_pk(user),
        sk: format!("IMPORT#{}", import.as_str()),
    }
}

/// A user's erasure job (`store::erasures`): its receipt stays under the user's
/// partition after everything else there is gone.
pub fn erasure_job(user: &UserId, erasure: &ErasureId) -> Key {
    Key {
        pk: user_pk(user),
        sk: format!("{ERASURE_PREFIX}{}", erasure.as_str()),
    }
}

/// What an erasure keeps of a user's partition: its own jobs.
pub const ERASURE_PREFIX: &str = "ERASURE#";

/// The user's own partition (counters, rate windows, jobs).
pub fn user_pk(user: &UserId) -> String {
    format!("USER#{}", escape(user.as_str()))
}

/// The partition of a user's idempotency records.
pub fn user_idempotency_pk(user: &UserId) -> String {
    format!("IDEMPOTENCY#{}", escape(user.as_str()))
}

/// How many times one background step of a job was tried (beside the job, with no
/// `entity`: the jobs' stream filter does not pass it, so counting starts no step).
pub fn job_attempts(job: &Key, step: u64) -> Key {
    Key {
        pk: job.pk.clone(),
        sk: format!("{}#STEP#{step}", job.sk),
    }
}

/// Which list index a conversation listing reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListIndex {
    pub name: &'static str,
    pub pk_attr: crate::attrs::Attr,
    pub sk_attr: crate::attrs::Attr,
    pub pk: String,
}

impl ListIndex {
    /// The user's conversations with `chatbot`, by activity (GSI2).
    pub fn for_chatbot(user: &UserId, chatbot: &ChatbotId) -> Self {
        Self {
            name: GSI2,
            pk_attr: GSI2PK,
            sk_attr: GSI2SK,
            pk: user_chatbot_conversations(user, chatbot),
        }
    }

    /// The `ExclusiveStartKey` that resumes this index after a conversation.
    pub fn start_after(&self, activity_key: &str, id: &ConversationId) -> HashMap<String, AttributeValue> {
        let mut key = conversation(id).to_attributes();
        key.insert(self.pk_attr.to_string(), AttributeValue::S(self.pk.clone()));
        key.insert(self.sk_attr.to_string(), AttributeValue::S(activity_key.to_owned()));
        key
    }
}

/// A user's record of one `Idempotency-Key` on one operation (the key hashed: any
/// characters, fixed length).
pub fn idempotency(user: &UserId, operation: &str, key_hash: &str) -> Key {
    Key {
        pk: user_idempotency_pk(user),
        sk: format!("{operation}#{key_hash}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_ids_cannot_collide_through_separators() {
        let a = user_chatbot_conversations(&UserId::parse("x#BOT#y").unwrap(), &ChatbotId::parse("z").unwrap());
        let b = user_chatbot_conversations(&UserId::parse("x").unwrap(), &ChatbotId::parse("y#BOT#z").unwrap());
        assert_ne!(a, b);
        let c = counter_chatbot(&UserId::parse("u").unwrap(), &ChatbotId::parse("a%23b").unwrap());
        let d = counter_chatbot(&UserId::parse("u").unwrap(), &ChatbotId::parse("a#b").unwrap());
        assert_ne!(c, d);
        for bot in ["a%23b", "a#b", "100%", "plain"] {
            let sk = counter_chatbot(&UserId::parse("u").unwrap(), &ChatbotId::parse(bot).unwrap()).sk;
            assert_eq!(
                chatbot_of_counter(&sk).map(|b| b.as_str().to_owned()),
                Some(bot.to_owned())
            );
        }
        assert_eq!(chatbot_of_counter("COUNT"), None);
    }

    #[test]
    fn conversation_items_sort_between_attachments_and_messages() {
        let id = ConversationId::parse("01J").unwrap();
        let meta = conversation(&id).sk;
        let msg = message(&id, &MessageId::parse("00000000000000000000000000").unwrap()).sk;
        assert!("ATT#01J" < meta.as_str() && meta.as_str() < before_messages());
        assert!(before_messages() <= msg.as_str());
        let (start, end) = message_range(None);
        assert!(start <= msg && msg < end);
        assert!(msg.as_str() < "SHARE");
    }
}

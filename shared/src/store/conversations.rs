//! Conversations: create (with counters), list pages, counts, the conversation view
//! and rename.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::attachments::OWNED_AND_LIVE;
use super::items::{Attributes, COUNTER_ATTRIBUTE, CollectionItem, ConversationItem, CounterItem};
use super::keys::{self, Key, ListIndex};
use super::{Store, StoreError, cancellation_reasons, sdk_error};
use crate::clock::ClientInstant;
use crate::ids::{ChatbotId, ConversationId, MessageId, UserId};
use crate::models::{AttachmentRecord, CloneSource, ConversationRecord, Message};

/// Where a conversation list resumes: just after this conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPosition {
    /// The activity sort key (`<updated_time>#<id>`).
    pub a: String,
    pub id: ConversationId,
}

impl ListPosition {
    pub fn of(record: &ConversationRecord) -> Self {
        Self {
            a: keys::activity(record.updated_time, &record.id),
            id: record.id.clone(),
        }
    }
}

/// Conversations in list order, and whether more follow.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationPage {
    pub items: Vec<ConversationRecord>,
    pub has_more: bool,
}

/// Which messages a conversation view carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageWindow {
    /// The newest `limit` (all when `None`).
    pub limit: Option<usize>,
    /// Only messages up to and including this id (the sort key bound of `max_date`).
    pub up_to: Option<ulid::Ulid>,
}

impl MessageWindow {
    /// The newest `limit` messages created strictly before `max_date`.
    pub fn newest_before(limit: Option<usize>, max_date: Option<ClientInstant>) -> Self {
        let Some(max_date) = max_date else {
            return Self { limit, up_to: None };
        };
        // Message ids are ULIDs whose time part is the creation millisecond: every id
        // created before `max_date` is at most the largest ULID of the millisecond before.
        match max_date.ceil_unix_ms().min(MAX_ULID_MS + 1).checked_sub(1) {
            Some(ms) => Self {
                limit,
                up_to: Some(ulid::Ulid::from_parts(ms, u128::MAX)),
            },
            None => Self {
                limit: Some(0),
                up_to: None,
            },
        }
    }
}

const MAX_ULID_MS: u64 = (1 << 48) - 1;

/// A conversation read as one aggregate from its item collection.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationView {
    pub conversation: ConversationRecord,
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Oldest first.
    pub attachments: Vec<AttachmentRecord>,
}

/// Adds `by` to a counter inside a transaction (creates count up, deletes down).
pub(super) fn counter_add(table: &str, key: &Key, by: i64) -> anyhow::Result<TransactWriteItem> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key.to_attributes()))
        .update_expression("ADD #count :by")
        .expression_attribute_names("#count", COUNTER_ATTRIBUTE)
        .expression_attribute_values(":by", AttributeValue::N(by.to_string()))
        .build()
        .context("building a counter update")?;
    Ok(TransactWriteItem::builder().update(update).build())
}

impl Store {
    /// Writes a new conversation and bumps the user's counters in one transaction.
    /// Returns `false` when a conversation with this id already exists (nothing written).
    pub async fn create_conversation(&self, record: &ConversationRecord) -> Result<bool, StoreError> {
        self.create_conversation_item(ConversationItem::new(record.clone()))
            .await
    }

    /// Creates a clone of a share link's snapshot: a conversation that remembers its
    /// source (so a repeated clone finds it) and whose head is its last message.
    pub async fn create_clone(
        &self,
        record: &ConversationRecord,
        source: &CloneSource,
        head: Option<MessageId>,
    ) -> Result<bool, StoreError> {
        let mut item = ConversationItem::new(record.clone());
        item.cloned_from = Some(source.clone());
        item.head_message_id = head;
        self.create_conversation_item(item).await
    }

    async fn create_conversation_item(&self, item: ConversationItem) -> Result<bool, StoreError> {
        let record = item.record.clone();
        let item = CollectionItem::Conversation(item).to_attributes()?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .context("building the conversation put")?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(counter_add(&self.table, &keys::counter_total(&record.user_id), 1)?)
            .transact_items(counter_add(
                &self.table,
                &keys::counter_chatbot(&record.user_id, &record.chatbot_id),
                1,
            )?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) => match cancellation_reasons(&err) {
                Some(reasons)
                    if reasons
                        .first()
                        .is_some_and(|r| r.as_deref() == Some("ConditionalCheckFailed")) =>
                {
                    Ok(false)
                }
                _ => Err(sdk_error(err, "creating a conversation")),
            },
        }
    }

    /// One page of a user's conversations, newest activity first, after `after`.
    pub async fn conversation_page(
        &self,
        index: &ListIndex,
        after: Option<&ListPosition>,
        limit: usize,
    ) -> Result<ConversationPage, StoreError> {
        // One extra item tells whether another page exists, so the last page has no cursor.
        let fetch = i32::try_from(limit + 1).unwrap_or(i32::MAX);
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index.name)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", index.pk_attr)
            .expression_attribute_values(":pk", AttributeValue::S(index.pk.clone()))
            .scan_index_forward(false)
            .limit(fetch)
            .set_exclusive_start_key(after.map(|p| index.start_after(&p.a, &p.id)))
            .send()
            .await
            .map_err(|e| sdk_error(e, "querying a conversation list"))?;
        self.calls.record_items(output.items().len());
        let mut items = output
            .items()
            .iter()
            .map(|item| conversation_record(item.clone()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let has_more = items.len() > limit || (items.len() == limit && output.last_evaluated_key().is_some());
        items.truncate(limit);
        Ok(ConversationPage { items, has_more })
    }

    /// How many conversations the user has, with one chatbot or in all.
    pub async fn count_conversations(&self, user: &UserId, chatbot: Option<&ChatbotId>) -> Result<u64, StoreError> {
        let key = match chatbot {
            Some(bot) => keys::counter_chatbot(user, bot),
            None => keys::counter_total(user),
        };
        let counter: CounterItem = match self.get_item(key, "reading a conversation counter").await? {
            Some(item) => serde_dynamo::from_item(item).context("reading a counter item")?,
            None => CounterItem::default(),
        };
        Ok(u64::try_from(counter.conversation_count).unwrap_or(0))
    }

    /// The conversation and a window of its messages: two queries over its item
    /// collection, in parallel. `None` when it does not exist.
    pub async fn load_conversation(
        &self,
        id: &ConversationId,
        window: MessageWindow,
    ) -> Result<Option<ConversationView>, StoreError> {
        let pk = keys::conversation_pk(id);
        let head = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND SK < :messages")
            .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
            .expression_attribute_values(":messages", AttributeValue::S(keys::before_messages().to_owned()))
            .consistent_read(true)
            .send();
        let (head, messages) = tokio::try_join!(
            async { head.await.map_err(|e| sdk_error(e, "reading a conversation")) },
            self.newest_messages(&pk, window),
        )?;
        let mut conversation = None;
        let mut attachments = Vec::new();
        for item in head.items() {
            match CollectionItem::from_attributes(item.clone())? {
                CollectionItem::Conversation(found) if found.is_live() => conversation = Some(found.record),
                CollectionItem::Attachment(found) => attachments.push(found.attachment),
                _ => {}
            }
        }
        Ok(conversation.map(|conversation| ConversationView {
            conversation,
            messages,
            attachments,
        }))
    }

    /// The newest messages of a window, returned oldest first.
    async fn newest_messages(&self, pk: &str, window: MessageWindow) -> Result<Vec<Message>, StoreError> {
        if window.limit == Some(0) {
            return Ok(Vec::new());
        }
        let last = window.up_to.map(MessageId::from_ulid);
        let (start, end) = keys::message_range(last.as_ref());
        let mut messages = Vec::new();
        let mut resume: Option<Attributes> = None;
        loop {
            let remaining = window.limit.map(|l| l - messages.len());
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :start AND :end")
                .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
                .expression_attribute_values(":start", AttributeValue::S(start.clone()))
                .expression_attribute_values(":end", AttributeValue::S(end.clone()))
                .scan_index_forward(false)
                .consistent_read(true)
                .set_limit(remaining.map(|r| i32::try_from(r).unwrap_or(i32::MAX)))
                .set_exclusive_start_key(resume.take())
                .send()
                .await
                .map_err(|e| sdk_error(e, "reading messages"))?;
            for item in output.items() {
                if let CollectionItem::Message(found) = CollectionItem::from_attributes(item.clone())? {
                    messages.push(found.message);
                }
            }
            let done = window.limit.is_some_and(|l| messages.len() >= l);
            match output.last_evaluated_key {
                Some(key) if !done => resume = Some(key),
                _ => break,
            }
        }
        messages.reverse();
        Ok(messages)
    }

    /// Sets the title of the owner's conversation. `None` when there is no such
    /// conversation of this owner (both answer 404, so neither is revealed).
    pub async fn rename_conversation(
        &self,
        id: &ConversationId,
        owner: &UserId,
        title: &str,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::conversation(id).to_attributes()))
            .update_expression("SET title = :title")
            .condition_expression(OWNED_AND_LIVE)
            .expression_attribute_values(":title", AttributeValue::S(title.to_owned()))
            .expression_attribute_values(":owner", AttributeValue::S(owner.as_str().to_owned()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => {
                let item = output.attributes.context("UpdateItem returned no attributes")?;
                Ok(Some(conversation_record(item)?))
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(sdk_error(err, "renaming a conversation")),
        }
    }
}

pub(crate) fn conversation_record(item: Attributes) -> anyhow::Result<ConversationRecord> {
    match CollectionItem::from_attributes(item)? {
        CollectionItem::Conversation(found) => Ok(found.record),
        other => anyhow::bail!("expected a conversation item, found {other:?}"),
    }
}

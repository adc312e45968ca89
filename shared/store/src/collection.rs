//! A conversation's item collection (`CONV#<id>`) as one aggregate: read as a view
//! (conversation, attachments, a window of messages), written in bulk (a clone), and
//! deleted item by item (the delete cascade).

use crate::attrs;
use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

use super::error::{applied, dynamodb_error};
use super::expr::{Expr, with_placeholders};
use super::items::{AttachmentItem, Attributes, CollectionItem, Lifecycle, MessageItem, ShareLinkItem};
use super::keys::{self, Key, PK, SK};
use super::owned::Owned;
use super::{Store, StoreError};
use glchat_domain::ids::{ConversationId, MessageId, UserId};
use glchat_domain::models::{AttachmentRecord, ConversationRecord, DeletedAttachment, Message, ShareLinkRecord};

/// The attachments a delete records on its tombstone, in JSON bytes: what one
/// `ConversationDeleted` event can name (about 1,600 attachments), which also keeps the
/// tombstone far inside DynamoDB's 400 KB item (its other attributes are bounded at a
/// few tens of KB).
const RECORDED_ATTACHMENTS_BYTES: usize = glchat_domain::events::MAX_ENTRY_BYTES;
use glchat_domain::pages::{MessageWindow, PageBuilder};

/// A conversation read as one aggregate from its item collection.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationView {
    pub conversation: ConversationRecord,
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Oldest first.
    pub attachments: Vec<AttachmentRecord>,
}

impl Store {
    /// The owner's conversation with its attachments and a window of its messages.
    /// The conversation and its attachments come first (a Query backwards over what
    /// sorts before the messages, so the conversation item leads the first page and
    /// decides ownership), the messages only then: someone else's conversation costs
    /// one small read, never its history. Attachments are read across pages (their
    /// items may pass the 1 MB a page holds).
    pub async fn owned_view(
        &self,
        id: &ConversationId,
        owner: &UserId,
        window: MessageWindow,
    ) -> Result<Option<Owned<ConversationView>>, StoreError> {
        let pk = keys::conversation_pk(id);
        let mut e = Expr::default();
        let key = format!(
            "{} AND {}",
            e.eq(PK, pk.as_str()),
            e.less_than(SK, keys::before_messages())
        );
        let mut pages = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .key_condition_expression(key)
            .scan_index_forward(false)
            .consistent_read(true)
            .into_paginator()
            .send();
        let mut owned = None;
        let mut attachments = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| dynamodb_error(e, "reading a conversation"))?;
            for item in page.items() {
                match CollectionItem::from_attributes(item.clone())? {
                    CollectionItem::Conversation(found) if found.lifecycle() == Lifecycle::Live => {
                        owned = Owned::admit(found.record, |c| &c.user_id, owner);
                    }
                    CollectionItem::Attachment(found) => attachments.push(found.attachment),
                    _ => {}
                }
            }
            // The conversation item sorts last before the messages, so first backwards.
            if owned.is_none() {
                return Ok(None);
            }
        }
        let Some(owned) = owned else {
            return Ok(None);
        };
        attachments.reverse();
        let messages = self.newest_messages(&pk, window).await?;
        Ok(Some(owned.map(|conversation| ConversationView {
            conversation,
            messages,
            attachments,
        })))
    }

    /// Writes messages and attachments of a conversation in batches (a clone's, whose
    /// ids are derived from the clone, so writing them again changes nothing).
    pub async fn put_collection_items(
        &self,
        messages: &[Message],
        attachments: &[AttachmentRecord],
    ) -> Result<(), StoreError> {
        let items = messages
            .iter()
            .map(|m| CollectionItem::Message(MessageItem::new(m.clone())))
            .chain(
                attachments
                    .iter()
                    .map(|a| CollectionItem::Attachment(AttachmentItem::new(a.clone()))),
            );
        self.put_items(items).await
    }

    /// Share links written as they are, without their snapshots: a bulk import (data at
    /// real size for tests and benchmarks, migrations). Links normally come from `save_share`.
    pub async fn import_share_links(&self, links: &[ShareLinkRecord]) -> Result<(), StoreError> {
        self.put_items(
            links
                .iter()
                .map(|l| CollectionItem::ShareLink(ShareLinkItem::new(l.clone()))),
        )
        .await
    }

    /// Unconditional puts in batches: for items whose ids make a repeat rewrite them.
    async fn put_items(&self, items: impl Iterator<Item = CollectionItem>) -> Result<(), StoreError> {
        let mut requests = Vec::new();
        for item in items {
            let put = PutRequest::builder()
                .set_item(Some(item.to_attributes()?))
                .build()
                .context("building a put")?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        self.write_batches(requests).await
    }

    /// Deletes every item of the conversation's collection but the conversation item,
    /// one page of keys at a time (memory stays bounded however long the conversation).
    /// Records on the tombstone of `id` the attachments it has (id and object key),
    /// before any item is removed: the conversation item's last image, which the
    /// table's stream carries, then names them for the `ConversationDeleted` event. A
    /// retry after some were removed keeps the first record (`if_not_exists`). One Query
    /// of the attachments and one UpdateItem. Only as many are recorded as one event can
    /// name ([`RECORDED_ATTACHMENTS_BYTES`]), and the record says when there were more.
    pub async fn record_deleted_attachments(&self, id: &ConversationId) -> Result<usize, StoreError> {
        let conversation_key = keys::conversation(id);
        let mut e = Expr::default();
        let key = format!(
            "{} AND {}",
            e.eq(PK, conversation_key.pk.as_str()),
            e.begins_with(SK, keys::attachment_prefix())
        );
        let mut pages = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .key_condition_expression(key)
            .consistent_read(true)
            .into_paginator()
            .send();
        let mut attachments = Vec::new();
        let (mut bytes, mut truncated) = (0, false);
        'pages: while let Some(page) = pages.next().await {
            let page = page.map_err(|e| dynamodb_error(e, "listing a conversation's attachments"))?;
            for item in page.items() {
                if let CollectionItem::Attachment(found) = CollectionItem::from_attributes(item.clone())? {
                    let attachment = DeletedAttachment {
                        attachment_id: found.attachment.id,
                        object_key: found.attachment.object_key,
                    };
                    bytes += serde_json::to_vec(&attachment).map_or(usize::MAX, |json| json.len() + 1);
                    if bytes > RECORDED_ATTACHMENTS_BYTES {
                        truncated = true;
                        break 'pages;
                    }
                    attachments.push(attachment);
                }
            }
        }
        if attachments.is_empty() {
            return Ok(0);
        }
        let list: AttributeValue =
            serde_dynamo::to_attribute_value(&attachments).context("recording deleted attachments")?;
        let mut e = Expr::default();
        let name = e.name(attrs::DELETED_ATTACHMENTS);
        let flag = e.name(attrs::DELETED_ATTACHMENTS_TRUNCATED);
        // Both or neither: the flag describes the list a retry keeps.
        let update = format!(
            "SET {name} = if_not_exists({name}, {}), {flag} = if_not_exists({flag}, {})",
            e.value("deleted_attachments", list),
            e.value("deleted_attachments_truncated", truncated)
        );
        let condition = e.eq(attrs::DELETING, true);
        let result = with_placeholders!(self.client.update_item(), e)
            .table_name(&self.table)
            .set_key(Some(conversation_key.to_attributes()))
            .update_expression(update)
            .condition_expression(condition)
            .send()
            .await;
        applied(result, "recording a delete's attachments")?;
        Ok(attachments.len())
    }

    pub async fn delete_collection(&self, id: &ConversationId) -> Result<usize, StoreError> {
        let conversation_key = keys::conversation(id);
        let mut e = Expr::default();
        let key = e.eq(PK, conversation_key.pk.as_str());
        let projection = e.projection(&[PK, SK]);
        let mut deleted = 0;
        let mut pages = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .key_condition_expression(key)
            .projection_expression(projection)
            .consistent_read(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| dynamodb_error(e, "listing a conversation's items"))?;
            let keys: Vec<Key> = page
                .items()
                .iter()
                .filter_map(key_of)
                .filter(|k| k != &conversation_key)
                .collect();
            deleted += keys.len();
            self.delete_keys(&keys).await?;
        }
        Ok(deleted)
    }

    /// The page of messages a window carries, oldest first: read newest first, a
    /// DynamoDB page at a time, until the page is full (one message more than it takes
    /// is read, to know whether it was cut).
    async fn newest_messages(&self, pk: &str, window: MessageWindow) -> Result<Vec<Message>, StoreError> {
        let mut page = PageBuilder::new(&window);
        if window.limit == 0 {
            return Ok(page.finish());
        }
        let last = window.up_to.map(MessageId::from_ulid);
        let (start, end) = keys::message_range(last.as_ref());
        let mut taken = 0usize;
        let mut resume: Option<Attributes> = None;
        loop {
            let wanted = window.limit.saturating_sub(taken).saturating_add(1);
            let mut e = Expr::default();
            let key = format!("{} AND {}", e.eq(PK, pk), e.between(SK, start.as_str(), end.as_str()));
            let output = with_placeholders!(self.client.query(), e)
                .table_name(&self.table)
                .key_condition_expression(key)
                .scan_index_forward(false)
                .consistent_read(true)
                .limit(i32::try_from(wanted).unwrap_or(i32::MAX))
                .set_exclusive_start_key(resume.take())
                .send()
                .await
                .map_err(|e| dynamodb_error(e, "reading messages"))?;
            for item in output.items() {
                if let CollectionItem::Message(found) = CollectionItem::from_attributes(item.clone())? {
                    if !page.offer(found.message) {
                        return Ok(page.finish());
                    }
                    taken += 1;
                }
            }
            match output.last_evaluated_key {
                Some(key) => resume = Some(key),
                None => return Ok(page.finish()),
            }
        }
    }
}

fn key_of(item: &Attributes) -> Option<Key> {
    match (item.get(PK.as_str()), item.get(SK.as_str())) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => Some(Key {
            pk: pk.clone(),
            sk: sk.clone(),
        }),
        _ => None,
    }
}

//! Share links: the link on the conversation's collection (listed per user) and the
//! snapshot the public read serves, written together under conditions that keep one
//! link per conversation and the newest snapshot.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, PutRequest, TransactWriteItem, WriteRequest};

use super::attachments::check_owned_and_live;
use super::items::{AttachmentItem, Attributes, CollectionItem, MessageItem, ShareLinkItem, SnapshotItem};
use super::{Store, StoreError, cancellation_reasons, keys, sdk_error};
use crate::ids::{ChatbotId, ConversationId, ShareId, UserId};
use crate::models::{AttachmentRecord, Message, ShareLinkRecord, SnapshotContent};

/// A snapshot as stored: the link, the chatbot, and the content inline or in S3.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRecord {
    pub link: ShareLinkRecord,
    pub chatbot_id: ChatbotId,
    pub content: Option<SnapshotContent>,
    pub snapshot_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved,
    /// The conversation is not the owner's, or is being deleted.
    ConversationGone,
    /// Another share id was written for the conversation meanwhile.
    LinkTaken,
    /// A newer snapshot was written meanwhile.
    Superseded,
}

impl Store {
    /// The conversation's share link, expired or not.
    pub async fn share_link(&self, conversation: &ConversationId) -> Result<Option<ShareLinkRecord>, StoreError> {
        let item = self
            .get_item(keys::share_link(conversation), "reading a share link")
            .await?;
        match item.map(CollectionItem::from_attributes).transpose()? {
            Some(CollectionItem::ShareLink(found)) => Ok(Some(found.link)),
            _ => Ok(None),
        }
    }

    /// The snapshot of a share id, expired or not.
    pub async fn snapshot(&self, share: &ShareId) -> Result<Option<SnapshotRecord>, StoreError> {
        let item = self
            .get_item(keys::share_snapshot(share), "reading a share snapshot")
            .await?;
        match item.map(CollectionItem::from_attributes).transpose()? {
            Some(CollectionItem::ShareSnapshot(found)) => Ok(Some(SnapshotRecord {
                link: found.link,
                chatbot_id: found.chatbot_id,
                content: found.content,
                snapshot_key: found.snapshot_key,
            })),
            _ => Ok(None),
        }
    }

    /// Writes the link and its snapshot in one transaction, provided the conversation is
    /// still the owner's, the link is new or has this share id, and no newer snapshot
    /// exists.
    pub async fn save_share(&self, snapshot: &SnapshotRecord) -> Result<SaveOutcome, StoreError> {
        let link = &snapshot.link;
        let link_put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(
                CollectionItem::ShareLink(ShareLinkItem::new(link.clone())).to_attributes()?,
            ))
            .condition_expression("attribute_not_exists(PK) OR share_id = :share")
            .expression_attribute_values(":share", AttributeValue::S(link.share_id.to_string()))
            .build()
            .context("building the link put")?;
        let key = keys::share_snapshot(&link.share_id);
        let item = SnapshotItem {
            pk: key.pk,
            sk: key.sk,
            link: link.clone(),
            chatbot_id: snapshot.chatbot_id.clone(),
            content: snapshot.content.clone(),
            snapshot_key: snapshot.snapshot_key.clone(),
            expires_at: link.expired_time.map(|t| t.unix_seconds()),
        };
        let snapshot_put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(CollectionItem::ShareSnapshot(item).to_attributes()?))
            .condition_expression("attribute_not_exists(PK) OR snapshot_id < :snapshot")
            .expression_attribute_values(":snapshot", AttributeValue::S(link.snapshot_id.clone()))
            .build()
            .context("building the snapshot put")?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(check_owned_and_live(&self.table, &link.conversation_id, &link.user_id)?)
            .transact_items(TransactWriteItem::builder().put(link_put).build())
            .transact_items(TransactWriteItem::builder().put(snapshot_put).build())
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(SaveOutcome::Saved),
            Err(err) => err,
        };
        let Some(reasons) = cancellation_reasons(&err) else {
            return Err(sdk_error(err, "saving a share link"));
        };
        let failed = |i: usize| {
            reasons
                .get(i)
                .is_some_and(|r| r.as_deref() == Some("ConditionalCheckFailed"))
        };
        if failed(0) {
            Ok(SaveOutcome::ConversationGone)
        } else if failed(1) {
            Ok(SaveOutcome::LinkTaken)
        } else if failed(2) {
            Ok(SaveOutcome::Superseded)
        } else {
            Err(sdk_error(err, "saving a share link"))
        }
    }

    /// Removes a link and its snapshot, provided they still belong together.
    pub async fn revoke_share(&self, link: &ShareLinkRecord) -> Result<(), StoreError> {
        let snapshot = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(keys::share_snapshot(&link.share_id).to_attributes()))
            .build()
            .context("building the snapshot delete")?;
        let pointer = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(keys::share_link(&link.conversation_id).to_attributes()))
            .condition_expression("attribute_not_exists(PK) OR share_id = :share")
            .expression_attribute_values(":share", AttributeValue::S(link.share_id.to_string()))
            .build()
            .context("building the link delete")?;
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(snapshot).build())
            .transact_items(TransactWriteItem::builder().delete(pointer).build())
            .send()
            .await
            .map_err(|e| sdk_error(e, "revoking a share link"))?;
        Ok(())
    }

    /// The owner's share links, most recently refreshed first.
    pub async fn shares_of(&self, owner: &UserId) -> Result<Vec<ShareLinkRecord>, StoreError> {
        let items: Vec<Attributes> = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(keys::user_shares(owner)))
            .scan_index_forward(false)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| sdk_error(e, "listing share links"))?;
        let mut links = Vec::with_capacity(items.len());
        for item in items {
            if let CollectionItem::ShareLink(found) = CollectionItem::from_attributes(item)? {
                links.push(found.link);
            }
        }
        Ok(links)
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
}

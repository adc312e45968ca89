//! Share links: the link on the conversation's collection (`CONV#<id>` / `SHARE`,
//! listed per user on GSI1) and the snapshot the public read serves (`SHARE#<sid>`),
//! written together under conditions that keep one link per conversation and the
//! newest snapshot.

use anyhow::Context;
use aws_sdk_dynamodb::types::{Delete, Put};

use super::error::dynamodb_error;
use super::expr::{Expr, any, with_placeholders};
use super::items::{Attributes, CollectionItem, ShareLinkItem, SnapshotItem};
use super::keys::{self, GSI1, GSI1PK, PK};
use super::owned::{Owned, check_owned_and_live};
use super::transaction::Transaction;
use super::{Store, StoreError};
use crate::ids::{ChatbotId, ConversationId, ShareId, UserId};
use crate::models::{ShareLinkRecord, SnapshotChunk, SnapshotContent};

/// A snapshot as stored: the link, the chatbot, and where its content is.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRecord {
    pub link: ShareLinkRecord,
    pub chatbot_id: ChatbotId,
    pub body: SnapshotBody,
}

/// Where a snapshot's content is.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapshotBody {
    /// In the item.
    Inline(Box<SnapshotContent>),
    /// One S3 object (snapshots taken before chunks).
    Object(String),
    /// In S3: the head (conversation and attachments) and the messages in chunks.
    Chunked {
        head_key: String,
        chunks: Vec<SnapshotChunk>,
    },
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
    /// The conversation's share link, expired or not. Callers hold the conversation
    /// as `Owned` already, or are its delete.
    pub async fn share_link(&self, conversation: &ConversationId) -> Result<Option<ShareLinkRecord>, StoreError> {
        let item = self
            .get_item(keys::share_link(conversation), "reading a share link")
            .await?;
        match item.map(CollectionItem::from_attributes).transpose()? {
            Some(CollectionItem::ShareLink(found)) => Ok(Some(found.link)),
            _ => Ok(None),
        }
    }

    /// The conversation's share link when the conversation is `owner`'s (one GetItem).
    pub async fn owned_share_link(
        &self,
        conversation: &ConversationId,
        owner: &UserId,
    ) -> Result<Option<Owned<ShareLinkRecord>>, StoreError> {
        Ok(self
            .share_link(conversation)
            .await?
            .and_then(|link| Owned::admit(link, |l| &l.user_id, owner)))
    }

    /// The snapshot of a share id, expired or not: what the public read serves.
    pub async fn snapshot(&self, share: &ShareId) -> Result<Option<SnapshotRecord>, StoreError> {
        let item = self
            .get_item(keys::share_snapshot(share), "reading a share snapshot")
            .await?;
        match item.map(CollectionItem::from_attributes).transpose()? {
            Some(CollectionItem::ShareSnapshot(found)) => {
                let body = match (found.content, found.snapshot_key, found.head_key, found.chunks) {
                    (Some(content), ..) => SnapshotBody::Inline(Box::new(content)),
                    (None, Some(key), ..) => SnapshotBody::Object(key),
                    (None, None, Some(head_key), Some(chunks)) => SnapshotBody::Chunked { head_key, chunks },
                    _ => return Err(anyhow::anyhow!("the snapshot of {share} has no content").into()),
                };
                Ok(Some(SnapshotRecord {
                    link: found.link,
                    chatbot_id: found.chatbot_id,
                    body,
                }))
            }
            _ => Ok(None),
        }
    }

    /// The snapshot of a share id when the link is `owner`'s.
    pub async fn owned_snapshot(
        &self,
        share: &ShareId,
        owner: &UserId,
    ) -> Result<Option<Owned<SnapshotRecord>>, StoreError> {
        Ok(self
            .snapshot(share)
            .await?
            .and_then(|snapshot| Owned::admit(snapshot, |s| &s.link.user_id, owner)))
    }

    /// Writes the link and its snapshot in one transaction, provided the conversation is
    /// still the owner's, the link is new or has this share id, and no newer snapshot
    /// exists.
    pub async fn save_share(&self, snapshot: &SnapshotRecord) -> Result<SaveOutcome, StoreError> {
        let link = &snapshot.link;
        let mut e = Expr::default();
        let condition = any(&[e.not_exists(PK), e.eq("share_id", link.share_id.as_str())]);
        let link_put = with_placeholders!(Put::builder(), e)
            .table_name(&self.table)
            .set_item(Some(
                CollectionItem::ShareLink(ShareLinkItem::new(link.clone())).to_attributes()?,
            ))
            .condition_expression(condition)
            .build()
            .context("building the link put")?;

        let key = keys::share_snapshot(&link.share_id);
        let (mut content, mut snapshot_key, mut head_key, mut chunks) = (None, None, None, None);
        match &snapshot.body {
            SnapshotBody::Inline(inline) => content = Some(SnapshotContent::clone(inline)),
            SnapshotBody::Object(key) => snapshot_key = Some(key.clone()),
            SnapshotBody::Chunked {
                head_key: head,
                chunks: all,
            } => {
                head_key = Some(head.clone());
                chunks = Some(all.clone());
            }
        }
        let item = SnapshotItem {
            pk: key.pk,
            sk: key.sk,
            link: link.clone(),
            chatbot_id: snapshot.chatbot_id.clone(),
            content,
            snapshot_key,
            head_key,
            chunks,
            expires_at: link.expired_time.map(|t| t.unix_seconds()),
        };
        let mut e = Expr::default();
        let condition = any(&[e.not_exists(PK), e.less_than("snapshot_id", link.snapshot_id.as_str())]);
        let snapshot_put = with_placeholders!(Put::builder(), e)
            .table_name(&self.table)
            .set_item(Some(CollectionItem::ShareSnapshot(item).to_attributes()?))
            .condition_expression(condition)
            .build()
            .context("building the snapshot put")?;

        let conversation = check_owned_and_live(&self.table, &link.conversation_id, &link.user_id)
            .context("building the conversation check")?;
        let committed = Transaction::new(self)
            .check("conversation", conversation)
            .put("link", link_put)
            .put("snapshot", snapshot_put)
            .commit("saving a share link")
            .await?;
        Ok(match committed {
            Ok(()) => SaveOutcome::Saved,
            Err(refused) if refused.failed("conversation") => SaveOutcome::ConversationGone,
            Err(refused) if refused.failed("link") => SaveOutcome::LinkTaken,
            Err(refused) if refused.failed("snapshot") => SaveOutcome::Superseded,
            Err(refused) => return Err(anyhow::anyhow!("share refused on {refused:?}").into()),
        })
    }

    /// Removes a link and its snapshot, provided they still belong together.
    pub async fn revoke_share(&self, link: &ShareLinkRecord) -> Result<(), StoreError> {
        let snapshot = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(keys::share_snapshot(&link.share_id).to_attributes()))
            .build()
            .context("building the snapshot delete")?;
        let mut e = Expr::default();
        let condition = any(&[e.not_exists(PK), e.eq("share_id", link.share_id.as_str())]);
        let pointer = with_placeholders!(Delete::builder(), e)
            .table_name(&self.table)
            .set_key(Some(keys::share_link(&link.conversation_id).to_attributes()))
            .condition_expression(condition)
            .build()
            .context("building the link delete")?;
        let committed = Transaction::new(self)
            .delete("snapshot", snapshot)
            .delete("link", pointer)
            .commit("revoking a share link")
            .await?;
        // Refused only when the conversation was shared anew under another id meanwhile.
        committed.map_err(|refused| anyhow::anyhow!("revoke refused on {refused:?}").into())
    }

    /// Removes a share's snapshot item (the delete cascade; the link goes with the
    /// conversation's collection).
    pub async fn delete_snapshot(&self, share: &ShareId) -> Result<(), StoreError> {
        self.delete_keys(&[keys::share_snapshot(share)]).await
    }

    /// The owner's share links, most recently refreshed first.
    pub async fn shares_of(&self, owner: &UserId) -> Result<Vec<ShareLinkRecord>, StoreError> {
        let mut e = Expr::default();
        let key = e.eq(GSI1PK, keys::user_shares(owner));
        let items: Vec<Attributes> = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression(key)
            .scan_index_forward(false)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| dynamodb_error(e, "listing share links"))?;
        let mut links = Vec::with_capacity(items.len());
        for item in items {
            if let CollectionItem::ShareLink(found) = CollectionItem::from_attributes(item)? {
                links.push(found.link);
            }
        }
        Ok(links)
    }
}

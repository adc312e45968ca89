//! Share links: the link on the conversation's collection (`CONV#<id>` / `SHARE`,
//! listed per user on GSI1) and the snapshot the public read serves (`SHARE#<sid>`),
//! written together under conditions that keep one link per conversation and the
//! newest snapshot.

use crate::attrs;
use anyhow::Context;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, ReturnValuesOnConditionCheckFailure};

use super::error::{applied, dynamodb_error};
use super::expr::{Expr, any, with_placeholders};
use super::items::{Attributes, CollectionItem, DeadShareItem, ShareLinkItem, SnapshotItem};
use super::keys::{self, GSI1, GSI1PK, PK};
use super::owned::{Owned, check_owned_and_live};
use super::transaction::Transaction;
use super::{Store, StoreError};
use glchat_domain::clock::Timestamp;
use glchat_domain::ids::{ChatbotId, ConversationId, ShareId, UserId};
use glchat_domain::models::{ShareLinkRecord, SnapshotChunk, SnapshotContent};

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
pub enum ReserveOutcome {
    Reserved,
    /// The conversation is not the owner's, or is being deleted.
    ConversationGone,
    /// Another link was written for the conversation meanwhile.
    LinkTaken,
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
    /// The share id died meanwhile (revoked): it takes no snapshot ever again.
    LinkDead,
}

/// A conversation's link as stored.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredLink {
    /// Reserved by a first share that has not finished: nothing published yet.
    Pending(ShareLinkRecord),
    /// Published (active or expired).
    Published(ShareLinkRecord),
}

impl StoredLink {
    pub fn record(&self) -> &ShareLinkRecord {
        match self {
            StoredLink::Pending(link) | StoredLink::Published(link) => link,
        }
    }
}

impl Store {
    /// The conversation's link, pending, expired or not. Callers hold the conversation
    /// as `Owned` already, or are its delete.
    pub async fn share_link(&self, conversation: &ConversationId) -> Result<Option<StoredLink>, StoreError> {
        let item = self
            .get_item(keys::share_link(conversation), "reading a share link")
            .await?;
        match item.map(CollectionItem::from_attributes).transpose()? {
            Some(CollectionItem::ShareLink(found)) if found.pending == Some(true) => {
                Ok(Some(StoredLink::Pending(found.link)))
            }
            Some(CollectionItem::ShareLink(found)) => Ok(Some(StoredLink::Published(found.link))),
            _ => Ok(None),
        }
    }

    /// The conversation's published link when the conversation is `owner`'s (one GetItem).
    pub async fn owned_share_link(
        &self,
        conversation: &ConversationId,
        owner: &UserId,
    ) -> Result<Option<Owned<ShareLinkRecord>>, StoreError> {
        Ok(match self.share_link(conversation).await? {
            Some(StoredLink::Published(link)) => Owned::admit(link, |l| &l.user_id, owner),
            _ => None,
        })
    }

    /// Reserves a share id for the conversation's first link (or for the link replacing
    /// `replacing`, an expired or dead one) before anything is copied under it, provided
    /// the conversation is still the owner's: a retry then reuses the id and a delete
    /// finds the copies. `false` when another link took the conversation meanwhile.
    pub async fn reserve_link(
        &self,
        link: &ShareLinkRecord,
        replacing: Option<&ShareId>,
    ) -> Result<ReserveOutcome, StoreError> {
        let mut e = Expr::default();
        let mut allowed = vec![e.not_exists(PK)];
        if let Some(old) = replacing {
            allowed.push(e.eq(attrs::SHARE_ID, old.as_str()));
        }
        let condition = any(&allowed);
        let put = with_placeholders!(Put::builder(), e)
            .table_name(&self.table)
            .set_item(Some(
                CollectionItem::ShareLink(ShareLinkItem::pending(link.clone())).to_attributes()?,
            ))
            .condition_expression(condition)
            .build()
            .context("building the link reservation")?;
        let conversation = check_owned_and_live(&self.table, &link.conversation_id, &link.user_id)
            .context("building the conversation check")?;
        let committed = Transaction::new(self)
            .check("conversation", conversation)
            .put("link", put)
            .commit("reserving a share id")
            .await?;
        Ok(match committed {
            Ok(()) => ReserveOutcome::Reserved,
            Err(refused) if refused.failed("conversation") => ReserveOutcome::ConversationGone,
            Err(refused) if refused.failed("link") => ReserveOutcome::LinkTaken,
            Err(refused) => return Err(anyhow::anyhow!("reservation refused on {refused:?}").into()),
        })
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
    /// still the owner's, the link (published or reserved) has this share id, and the
    /// share id has no newer snapshot and is not dead.
    pub async fn save_share(&self, snapshot: &SnapshotRecord) -> Result<SaveOutcome, StoreError> {
        let link = &snapshot.link;
        let mut e = Expr::default();
        let condition = e.eq(attrs::SHARE_ID, link.share_id.as_str());
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
        let condition = any(&[
            e.not_exists(PK),
            e.less_than(attrs::SNAPSHOT_ID, link.snapshot_id.as_str()),
        ]);
        let snapshot_put = with_placeholders!(Put::builder(), e)
            .table_name(&self.table)
            .set_item(Some(CollectionItem::ShareSnapshot(item).to_attributes()?))
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
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
            Err(refused) if refused.failed("snapshot") => {
                let old = refused
                    .old_item("snapshot")
                    .cloned()
                    .map(CollectionItem::from_attributes);
                match old.transpose()? {
                    Some(CollectionItem::DeadShare(_)) => SaveOutcome::LinkDead,
                    _ => SaveOutcome::Superseded,
                }
            }
            Err(refused) => return Err(anyhow::anyhow!("share refused on {refused:?}").into()),
        })
    }

    /// The dead marker's put for a transaction.
    pub(super) fn dead_share_put(&self, link: &ShareLinkRecord, now: Timestamp) -> anyhow::Result<Put> {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(
                CollectionItem::DeadShare(DeadShareItem::new(link, now)).to_attributes()?,
            ))
            .build()
            .context("building a dead share id")
    }

    /// A transaction item that holds while the conversation's link is still `seen`
    /// (none, or the same share id).
    pub(super) fn link_unchanged(
        &self,
        conversation: &ConversationId,
        seen: Option<&StoredLink>,
    ) -> anyhow::Result<ConditionCheck> {
        let mut e = Expr::default();
        let condition = match seen {
            None => e.not_exists(PK),
            Some(link) => e.eq(attrs::SHARE_ID, link.record().share_id.as_str()),
        };
        with_placeholders!(ConditionCheck::builder(), e)
            .table_name(&self.table)
            .set_key(Some(keys::share_link(conversation).to_attributes()))
            .condition_expression(condition)
            .build()
            .context("building the link check")
    }

    /// Kills the link's share id: its snapshot is replaced by the dead marker, so the
    /// public read answers 404 from now on and no later snapshot can revive it.
    pub async fn kill_share(&self, link: &ShareLinkRecord, now: Timestamp) -> Result<(), StoreError> {
        let put = self.dead_share_put(link, now)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(put.item))
            .send()
            .await
            .map_err(|e| dynamodb_error(e, "killing a share id"))?;
        Ok(())
    }

    /// The owner's link with this share id, found through the owner's list of links:
    /// for a link whose snapshot TTL has purged (one Query per 1 MB of links, filtered).
    pub async fn owned_link_by_share_id(
        &self,
        owner: &UserId,
        share: &ShareId,
    ) -> Result<Option<Owned<ShareLinkRecord>>, StoreError> {
        let mut e = Expr::default();
        let key = e.eq(GSI1PK, keys::user_shares(owner));
        let filter = e.eq(attrs::SHARE_ID, share.as_str());
        let items: Vec<Attributes> = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression(key)
            .filter_expression(filter)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| dynamodb_error(e, "finding a share link"))?;
        for item in items {
            if let CollectionItem::ShareLink(found) = CollectionItem::from_attributes(item)? {
                return Ok(Owned::admit(found.link, |l| &l.user_id, owner));
            }
        }
        Ok(None)
    }

    /// The share ids of the user's that died (GSI1 `DEADSHARES#<u>`, all pages).
    pub async fn dead_shares_of(&self, owner: &UserId) -> Result<Vec<ShareId>, StoreError> {
        let mut e = Expr::default();
        let key = e.eq(GSI1PK, keys::user_dead_shares(owner));
        let mut pages = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression(key)
            .into_paginator()
            .send();
        let mut shares = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| dynamodb_error(e, "listing dead share ids"))?;
            for item in page.items() {
                if let Ok(CollectionItem::DeadShare(dead)) = CollectionItem::from_attributes(item.clone()) {
                    shares.push(dead.share_id);
                }
            }
        }
        Ok(shares)
    }

    /// Forgets whose a dead share id was (an erasure): the marker stays, so the id is
    /// never published again, with no owner and out of the owner's index. Its deletion
    /// event went out when it died.
    pub async fn forget_dead_share_owner(&self, share: &ShareId) -> Result<(), StoreError> {
        let mut e = Expr::default();
        let update = format!(
            "SET {} REMOVE {}, {}",
            e.eq(attrs::USER_ID, ""),
            e.name(GSI1PK),
            e.name(keys::GSI1SK)
        );
        let condition = e.eq(attrs::ENTITY, "dead_share");
        let result = with_placeholders!(self.client.update_item(), e)
            .table_name(&self.table)
            .set_key(Some(keys::share_snapshot(share).to_attributes()))
            .update_expression(update)
            .condition_expression(condition)
            .send()
            .await;
        // No marker (never died, or TTL removed it): nothing of the owner is there.
        applied(result, "forgetting a dead share's owner")?;
        Ok(())
    }

    /// Revokes a link: its share id dies first (the public read stops at once), then the
    /// link leaves the owner's list, unless the conversation was shared anew under
    /// another id meanwhile (that link stays). A revoke cut between the two is finished
    /// by its retry, which finds the link through the list.
    pub async fn revoke_share(&self, link: &ShareLinkRecord, now: Timestamp) -> Result<(), StoreError> {
        self.kill_share(link, now).await?;
        let mut e = Expr::default();
        let condition = e.eq(attrs::SHARE_ID, link.share_id.as_str());
        let result = with_placeholders!(self.client.delete_item(), e)
            .table_name(&self.table)
            .set_key(Some(keys::share_link(&link.conversation_id).to_attributes()))
            .condition_expression(condition)
            .send()
            .await;
        applied(result, "removing a revoked link")?;
        Ok(())
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

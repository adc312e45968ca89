//! A clone's conversation item through its life: parked outside the lists while its
//! items are written (possibly over several requests), then moved into the lists and
//! counted in one transaction. Until then readers and writers see no conversation, a
//! delete removes it like any other, and an interrupted clone resumes where its
//! recorded progress says.

use crate::attrs;
use anyhow::Context;
use aws_sdk_dynamodb::types::Update;

use super::error::applied;
use super::expr::{Expr, all, with_placeholders};
use super::items::{CollectionItem, ConversationItem, Lifecycle};
use super::keys::{self, GSI2PK, GSI2SK, PK};
use super::owned::{Owned, owned_undeleted};
use super::transaction::Transaction;
use super::{Store, StoreError};
use glchat_domain::ids::{ConversationId, MessageId, UserId};
use glchat_domain::models::{AttachmentRecord, CloneSource, ConversationRecord};

/// What the clone's id held when a clone began.
#[derive(Debug, Clone, PartialEq)]
pub enum CloneStart {
    /// Nothing: the parked conversation item is written, no item of the clone yet.
    Started,
    /// A clone of the caller's under this id (finished or not).
    Found(Box<Owned<FoundClone>>),
    /// Another conversation, or someone else's.
    Taken,
    /// Nothing, or the owner's conversation being deleted.
    Gone,
}

/// A clone found under the id a clone asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundClone {
    pub record: ConversationRecord,
    /// The link and snapshot it copies; `None` for a conversation that is no clone.
    pub source: Option<CloneSource>,
    /// Items written so far while unfinished; `None` once complete.
    pub progress: Option<u64>,
}

impl Store {
    /// Parks the clone's conversation item under its id unless the id is taken (one
    /// conditional put; the conflicting item is read back to say what holds the id).
    pub async fn start_clone(
        &self,
        record: &ConversationRecord,
        source: &CloneSource,
        attachments: &[AttachmentRecord],
    ) -> Result<CloneStart, StoreError> {
        let item = ConversationItem::cloning(record.clone(), source.clone(), attachments);
        let mut e = Expr::default();
        let condition = e.not_exists(PK);
        let result = with_placeholders!(self.client.put_item(), e)
            .table_name(&self.table)
            .set_item(Some(CollectionItem::Conversation(item).to_attributes()?))
            .condition_expression(condition)
            .send()
            .await;
        match applied(result, "starting a clone")? {
            Some(_) => Ok(CloneStart::Started),
            None => self.existing_clone(&record.id, &record.user_id).await,
        }
    }

    /// What holds a clone's id now: `Found` for the owner's clone (finished or not),
    /// `Gone` for nothing or the owner's conversation being deleted, `Taken` otherwise.
    pub async fn existing_clone(&self, id: &ConversationId, owner: &UserId) -> Result<CloneStart, StoreError> {
        let item = self.get_item(keys::conversation(id), "reading a clone").await?;
        let Some(item) = item else {
            return Ok(CloneStart::Gone);
        };
        let CollectionItem::Conversation(found) = CollectionItem::from_attributes(item)? else {
            return Ok(CloneStart::Taken);
        };
        let lifecycle = found.lifecycle();
        let clone = FoundClone {
            record: found.record,
            source: found.cloned_from,
            progress: match lifecycle {
                Lifecycle::Cloning { written } => Some(written),
                Lifecycle::Live | Lifecycle::Deleting => None,
            },
        };
        Ok(match Owned::admit(clone, |f| &f.record.user_id, owner) {
            None => CloneStart::Taken,
            Some(_) if lifecycle == Lifecycle::Deleting => CloneStart::Gone,
            Some(clone) => CloneStart::Found(Box::new(clone)),
        })
    }

    /// Replaces an unfinished clone's item with a fresh start from `source` (its items
    /// must have been removed first). `false` when it is no longer an unfinished clone
    /// of `owner`'s (deleted, or completed by another request).
    pub async fn restart_clone(
        &self,
        record: &ConversationRecord,
        source: &CloneSource,
        attachments: &[AttachmentRecord],
    ) -> Result<bool, StoreError> {
        let item = ConversationItem::cloning(record.clone(), source.clone(), attachments);
        let mut e = Expr::default();
        let condition = unfinished_clone_of(&mut e, &record.user_id);
        let result = with_placeholders!(self.client.put_item(), e)
            .table_name(&self.table)
            .set_item(Some(CollectionItem::Conversation(item).to_attributes()?))
            .condition_expression(condition)
            .send()
            .await;
        Ok(applied(result, "restarting a clone")?.is_some())
    }

    /// Records that the clone's first `written` items are written. `false` when it is
    /// no longer an unfinished clone of `owner`'s.
    pub async fn record_clone_progress(
        &self,
        id: &ConversationId,
        owner: &UserId,
        written: u64,
    ) -> Result<bool, StoreError> {
        let mut e = Expr::default();
        let update = format!(
            "SET {}",
            e.eq(attrs::CLONE_PROGRESS, i64::try_from(written).unwrap_or(i64::MAX))
        );
        let condition = unfinished_clone_of(&mut e, owner);
        let result = with_placeholders!(self.client.update_item(), e)
            .table_name(&self.table)
            .set_key(Some(keys::conversation(id).to_attributes()))
            .update_expression(update)
            .condition_expression(condition)
            .send()
            .await;
        Ok(applied(result, "recording a clone's progress")?.is_some())
    }

    /// Completes a clone whose items are all written: into the lists, its head set,
    /// counted, in one transaction. `false` when it is no longer an unfinished clone of
    /// the owner's (completed by another request meanwhile, or deleted).
    pub async fn finish_clone(
        &self,
        record: &ConversationRecord,
        head: Option<&MessageId>,
    ) -> Result<bool, StoreError> {
        let owner = &record.user_id;
        let activity = keys::activity(record.updated_time, &record.id);
        let mut e = Expr::default();
        let (idle_pk, idle_sk) = keys::idle(record.updated_time, &record.id);
        let mut set = vec![
            e.eq(GSI2PK, keys::user_chatbot_conversations(owner, &record.chatbot_id)),
            e.eq(GSI2SK, activity.as_str()),
            e.eq(attrs::GSI3PK, idle_pk),
            e.eq(attrs::GSI3SK, idle_sk),
        ];
        if let Some(head) = head {
            set.push(e.eq(attrs::HEAD_MESSAGE_ID, head.as_str()));
        }
        let update = format!("SET {} REMOVE {}", set.join(", "), e.name(attrs::CLONE_PROGRESS));
        let condition = unfinished_clone_of(&mut e, owner);
        let finish = with_placeholders!(Update::builder(), e)
            .table_name(&self.table)
            .set_key(Some(keys::conversation(&record.id).to_attributes()))
            .update_expression(update)
            .condition_expression(condition)
            .build()
            .context("building a clone's completion")?;
        let committed = Transaction::new(self)
            .update("conversation", finish)
            .count(&self.table, owner, &record.chatbot_id, 1)?
            .commit("completing a clone")
            .await?;
        match committed {
            Ok(()) => Ok(true),
            Err(refused) if refused.failed("conversation") => Ok(false),
            Err(refused) => Err(anyhow::anyhow!("completing a clone refused on {refused:?}").into()),
        }
    }
}

/// The condition of every write to a clone in progress: still an unfinished clone of
/// `owner`'s, not being deleted.
fn unfinished_clone_of(e: &mut Expr, owner: &UserId) -> String {
    let undeleted = owned_undeleted(e, owner);
    all(&[undeleted, e.exists(attrs::CLONE_PROGRESS)])
}

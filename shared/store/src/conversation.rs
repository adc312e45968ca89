//! The conversation item (`CONV#<id>` / `CONV`): create (with the counters), the owned
//! read, list pages, rename, and the steps of a delete (tombstone, removal).

use crate::attrs;
use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, Update};
use serde::{Deserialize, Serialize};

use super::error::{applied, dynamodb_error};
use super::expr::{Expr, all, with_placeholders};
use super::idempotency::{Receipt, receipt_refused};
use super::items::{Attributes, CollectionItem, ConversationItem, CounterItem, Lifecycle};
use super::keys::{self, GSI2, GSI2PK, ListIndex, PK, SK};
use super::owned::{Owned, owned_and_live, owned_undeleted};
use super::share::StoredLink;
use super::transaction::Transaction;
use super::{Store, StoreError};
use glchat_domain::clock::Timestamp;
use glchat_domain::ids::{ChatbotId, ConversationId, MessageId, UserId};
use glchat_domain::models::{CloneSource, ConversationRecord};

/// A live conversation's item: the record and what the store keeps beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationMeta {
    pub record: ConversationRecord,
    /// The newest message, the default parent of the next one.
    pub head_message_id: Option<MessageId>,
    /// The snapshot the conversation was cloned from.
    pub cloned_from: Option<CloneSource>,
}

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

/// What a title write expects of the title it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TitleGuard<'a> {
    /// Anything: a rename by the user.
    Any,
    /// The title read before (none: untitled): a generated title never overwrites a
    /// rename made while it was being generated.
    Unchanged(Option<&'a str>),
}

/// Whose conversations a delete may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteScope {
    pub owner: UserId,
    /// Only conversations of this chatbot (bulk deletes).
    pub chatbot: Option<ChatbotId>,
    /// Only a conversation idle since before this time (retention): one with activity
    /// since is not deleted, and activity between the read and the tombstone refuses
    /// the tombstone.
    pub idle_before: Option<Timestamp>,
}

impl DeleteScope {
    /// Any conversation of `owner`'s.
    pub fn owner(owner: UserId) -> Self {
        Self {
            owner,
            chatbot: None,
            idle_before: None,
        }
    }
}

/// A delete under way: the conversation as it was, its share link (whose id is now
/// dead), and whether it has attachments to record before they are removed.
#[derive(Debug)]
pub struct BeganDelete {
    pub record: ConversationRecord,
    pub link: Option<StoredLink>,
    pub has_attachments: bool,
}

impl Store {
    /// Writes a new conversation and bumps the user's counters in one transaction.
    /// Returns `false` when a conversation with this id already exists (nothing written).
    /// With a receipt, the request's idempotency record is completed in the same
    /// transaction (refused: `StoreError::Conflict`, its key was claimed anew).
    pub async fn create_conversation(
        &self,
        record: &ConversationRecord,
        receipt: Option<&Receipt>,
    ) -> Result<bool, StoreError> {
        let item = ConversationItem::new(record.clone());
        let (user, chatbot) = (item.record.user_id.clone(), item.record.chatbot_id.clone());
        let mut e = Expr::default();
        let condition = e.not_exists(PK);
        let put = with_placeholders!(Put::builder(), e)
            .table_name(&self.table)
            .set_item(Some(CollectionItem::Conversation(item).to_attributes()?))
            .condition_expression(condition)
            .build()
            .context("building the conversation put")?;
        let committed = Transaction::new(self)
            .put("conversation", put)
            .count(&self.table, &user, &chatbot, 1)?
            .receipt(&self.table, receipt)?
            .commit("creating a conversation")
            .await?;
        match committed {
            Ok(()) => Ok(true),
            Err(refused) if refused.failed("conversation") => Ok(false),
            Err(refused) if refused.failed("idempotency") => Err(receipt_refused()),
            Err(refused) => Err(anyhow::anyhow!("creating a conversation refused on {refused:?}").into()),
        }
    }

    /// The conversation when it is `owner`'s and alive (one GetItem); `None` for a
    /// missing, deleted or someone else's conversation alike.
    pub async fn owned_conversation(
        &self,
        id: &ConversationId,
        owner: &UserId,
    ) -> Result<Option<Owned<ConversationMeta>>, StoreError> {
        let item = self.get_item(keys::conversation(id), "reading a conversation").await?;
        let Some(meta) = item.map(live_meta).transpose()?.flatten() else {
            return Ok(None);
        };
        Ok(Owned::admit(meta, |m| &m.record.user_id, owner))
    }

    /// Whether objects may still be added under the conversation: it exists and no
    /// delete has begun (one GetItem). A clone being written counts: its copies land
    /// before it opens.
    pub async fn takes_objects(&self, id: &ConversationId) -> Result<bool, StoreError> {
        let Some(item) = self.get_item(keys::conversation(id), "reading a conversation").await? else {
            return Ok(false);
        };
        match CollectionItem::from_attributes(item)? {
            CollectionItem::Conversation(found) => Ok(found.lifecycle() != Lifecycle::Deleting),
            other => Err(anyhow::anyhow!("expected a conversation item, found {other:?}").into()),
        }
    }

    /// One page of a user's conversations, newest activity first, after `after`, from
    /// the list partitions `lists` merged (one chatbot's, or each of the user's
    /// chatbots': [`Store::chatbot_lists`]). Each partition is read for the page at once
    /// (one Query each, in parallel).
    pub async fn conversation_page(
        &self,
        lists: &[ListIndex],
        after: Option<&ListPosition>,
        limit: usize,
    ) -> Result<ConversationPage, StoreError> {
        let pages =
            futures::future::try_join_all(lists.iter().map(|list| self.list_partition(list, after, limit))).await?;
        let mut items: Vec<ConversationRecord> = pages.into_iter().flatten().collect();
        if lists.len() > 1 {
            // Each partition is in activity order; merged, newest first.
            items.sort_by_cached_key(|record| std::cmp::Reverse(keys::activity(record.updated_time, &record.id)));
        }
        // One extra item (from any partition) tells whether another page exists, so
        // the last page has no cursor.
        let has_more = items.len() > limit;
        items.truncate(limit);
        Ok(ConversationPage { items, has_more })
    }

    /// Up to `limit + 1` conversations of one list partition after `after`.
    async fn list_partition(
        &self,
        list: &ListIndex,
        after: Option<&ListPosition>,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let fetch = i32::try_from(limit + 1).unwrap_or(i32::MAX);
        let mut e = Expr::default();
        let key = e.eq(list.pk_attr, list.pk.as_str());
        let mut items = Vec::new();
        let mut start = after.map(|p| list.start_after(&p.a, &p.id));
        // A page stops at 1 MB before `Limit`: read on until the page or the list ends.
        loop {
            let output = with_placeholders!(self.client.query(), e)
                .table_name(&self.table)
                .index_name(list.name)
                .key_condition_expression(key.clone())
                .scan_index_forward(false)
                .limit(fetch - items.len() as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| dynamodb_error(e, "querying a conversation list"))?;
            self.calls.record_items(output.items().len());
            for item in output.items() {
                items.push(conversation_record(item.clone())?);
            }
            start = output.last_evaluated_key;
            if start.is_none() || items.len() as i32 >= fetch {
                return Ok(items);
            }
        }
    }

    /// The list partitions of every chatbot the user has conversations with, and how
    /// many conversations they hold in all: one Query of the user's per-chatbot
    /// counters (a chatbot whose count fell to 0 has nothing to list).
    pub async fn chatbot_lists(&self, user: &UserId) -> Result<(Vec<ListIndex>, u64), StoreError> {
        let (pk, prefix) = keys::chatbot_counters(user);
        let mut e = Expr::default();
        let key = format!("{} AND {}", e.eq(PK, pk), e.begins_with(SK, prefix));
        let mut pages = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .key_condition_expression(key)
            .into_paginator()
            .send();
        let (mut lists, mut total) = (Vec::new(), 0);
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| dynamodb_error(e, "reading the chatbot counters"))?;
            self.calls.record_items(page.items().len());
            for item in page.items() {
                let counter = CounterItem::from_attributes(item.clone())?;
                let count = counter.count();
                let bot = counter.sk.as_deref().and_then(keys::chatbot_of_counter);
                if let (Some(bot), true) = (bot, count > 0) {
                    lists.push(ListIndex::for_chatbot(user, &bot));
                    total += count;
                }
            }
        }
        Ok((lists, total))
    }

    /// Sets the title of the owner's conversation, provided its title is still as
    /// `guard` says. `None` when there is no such live conversation of the owner's, or
    /// its title changed.
    pub async fn rename_conversation(
        &self,
        id: &ConversationId,
        owner: &UserId,
        title: &str,
        guard: TitleGuard<'_>,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        let mut e = Expr::default();
        let update = format!("SET {}", e.eq(attrs::TITLE, title));
        let owned = owned_and_live(&mut e, owner);
        let condition = match guard {
            TitleGuard::Any => owned,
            TitleGuard::Unchanged(None) => all(&[owned, e.is_none(attrs::TITLE)]),
            TitleGuard::Unchanged(Some(seen)) => all(&[owned, e.eq(attrs::TITLE, seen)]),
        };
        let result = with_placeholders!(self.client.update_item(), e)
            .table_name(&self.table)
            .set_key(Some(keys::conversation(id).to_attributes()))
            .update_expression(update)
            .condition_expression(condition)
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let Some(output) = applied(result, "renaming a conversation")? else {
            return Ok(None);
        };
        let item = output.attributes.context("UpdateItem returned no attributes")?;
        Ok(Some(conversation_record(item)?))
    }

    /// Tombstones the conversation if it is in `scope`: out of every list, closed to
    /// writes, counted out and its share id dead (the public link stops with the
    /// tombstone, not later in the cascade), in one transaction that also checks the
    /// link is the one read (no link can appear after it: every share checks the
    /// conversation is live). Returns it and its link when the delete has begun now or
    /// had begun before (a retry), `None` when there is nothing to delete.
    pub async fn begin_delete(
        &self,
        id: &ConversationId,
        scope: &DeleteScope,
        now: Timestamp,
    ) -> Result<Option<BeganDelete>, StoreError> {
        for _ in 0..2 {
            let (item, link) = tokio::try_join!(
                self.get_item(keys::conversation(id), "reading a conversation to delete"),
                self.share_link(id)
            )?;
            let Some(item) = item else {
                return Ok(None);
            };
            let CollectionItem::Conversation(found) = CollectionItem::from_attributes(item)? else {
                return Ok(None);
            };
            let Some(found) = Owned::admit(found, |f| &f.record.user_id, &scope.owner) else {
                return Ok(None);
            };
            if scope
                .chatbot
                .as_ref()
                .is_some_and(|bot| &found.record.chatbot_id != bot)
            {
                return Ok(None);
            }
            if scope
                .idle_before
                .is_some_and(|before| found.record.updated_time >= before)
            {
                return Ok(None);
            }
            let found = found.into_inner();
            let has_attachments = found.attachment_count.unwrap_or(0) > 0;
            let lifecycle = found.lifecycle();
            if lifecycle == Lifecycle::Deleting {
                return Ok(Some(BeganDelete {
                    record: found.record,
                    link,
                    has_attachments,
                }));
            }
            // An unfinished clone was never counted.
            let counted = lifecycle == Lifecycle::Live;
            let record = found.record;
            let mut transaction = Transaction::new(self)
                .update(
                    "conversation",
                    self.tombstone(&record, counted, scope.idle_before.is_some(), now)?,
                )
                .check("link", self.link_unchanged(id, link.as_ref())?);
            if let Some(link) = &link {
                transaction = transaction.put("dead share", self.dead_share_put(link.record(), now)?);
            }
            if counted {
                transaction = transaction.count(&self.table, &record.user_id, &record.chatbot_id, -1)?;
            }
            let committed = transaction.commit("tombstoning a conversation").await?;
            match committed {
                Ok(()) => {
                    return Ok(Some(BeganDelete {
                        record,
                        link,
                        has_attachments,
                    }));
                }
                // Another delete got there first, or a share changed the link: read
                // again and follow.
                Err(refused) if refused.failed("conversation") || refused.failed("link") => {}
                Err(refused) => return Err(anyhow::anyhow!("tombstone refused on {refused:?}").into()),
            }
        }
        Err(StoreError::Unavailable(anyhow::anyhow!(
            "conversation {id} kept changing during its delete"
        )))
    }

    /// The tombstone: `deleting` and its time set, the list key moved to the `DELETING#`
    /// partition.
    /// `counted` is what the delete read: a clone completing between the read and the
    /// tombstone would be counted and not counted out, so the condition holds the item
    /// to it (refused, the delete reads again).
    /// `idle` holds the item to the activity read (retention deletes only what stayed
    /// idle). The idle index entry goes with the list entry.
    fn tombstone(
        &self,
        record: &ConversationRecord,
        counted: bool,
        idle: bool,
        now: Timestamp,
    ) -> anyhow::Result<Update> {
        let mut e = Expr::default();
        let update = format!(
            "SET {}, {}, {} REMOVE {}, {}, {}",
            e.eq(attrs::DELETING, true),
            e.eq(attrs::DELETED_TIME, now.to_wire()),
            e.eq(
                GSI2PK,
                keys::deleting_user_chatbot_conversations(&record.user_id, &record.chatbot_id)
            ),
            e.name_list(&keys::RETIRED_LIST_KEYS),
            e.name(attrs::GSI3PK),
            e.name(attrs::GSI3SK),
        );
        let owned = owned_undeleted(&mut e, &record.user_id);
        let as_read = match counted {
            true => e.not_exists(attrs::CLONE_PROGRESS),
            false => e.exists(attrs::CLONE_PROGRESS),
        };
        let mut condition = vec![owned, as_read];
        if idle {
            condition.push(e.eq(attrs::UPDATED_TIME, record.updated_time.to_wire()));
        }
        with_placeholders!(Update::builder(), e)
            .table_name(&self.table)
            .set_key(Some(keys::conversation(&record.id).to_attributes()))
            .update_expression(update)
            .condition_expression(all(&condition))
            .build()
            .context("building the tombstone")
    }

    /// Removes the tombstoned conversation item: the last step of a delete.
    pub async fn finish_delete(&self, id: &ConversationId) -> Result<(), StoreError> {
        let mut e = Expr::default();
        let condition = e.eq(attrs::DELETING, true);
        let result = with_placeholders!(self.client.delete_item(), e)
            .table_name(&self.table)
            .set_key(Some(keys::conversation(id).to_attributes()))
            .condition_expression(condition)
            .send()
            .await;
        // Refused: already gone, another attempt finished first.
        applied(result, "removing a deleted conversation")?;
        Ok(())
    }

    /// Conversations of `owner` (with one chatbot) whose delete began but did not
    /// finish, then unfinished clones, then live ones: the next `limit` a bulk delete
    /// should take.
    pub async fn conversations_to_delete(
        &self,
        owner: &UserId,
        chatbot: &ChatbotId,
        limit: usize,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let mut ids = Vec::new();
        for partition in [
            keys::deleting_user_chatbot_conversations(owner, chatbot),
            keys::cloning_user_chatbot_conversations(owner, chatbot),
            keys::user_chatbot_conversations(owner, chatbot),
        ] {
            let mut e = Expr::default();
            let key = e.eq(GSI2PK, partition);
            let projection = e.projection(&[attrs::ID]);
            let output = with_placeholders!(self.client.query(), e)
                .table_name(&self.table)
                .index_name(GSI2)
                .key_condition_expression(key)
                .projection_expression(projection)
                .limit(i32::try_from(limit - ids.len()).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|e| dynamodb_error(e, "finding conversations to delete"))?;
            ids.extend(
                output
                    .items()
                    .iter()
                    .filter_map(|item| match item.get(attrs::ID.as_str()) {
                        Some(AttributeValue::S(raw)) => ConversationId::parse(raw).ok(),
                        _ => None,
                    }),
            );
            if ids.len() >= limit {
                break;
            }
        }
        Ok(ids)
    }
}

/// A live conversation item's meta; `None` for a tombstone.
fn live_meta(item: Attributes) -> anyhow::Result<Option<ConversationMeta>> {
    match CollectionItem::from_attributes(item)? {
        CollectionItem::Conversation(found) if found.lifecycle() == Lifecycle::Live => Ok(Some(ConversationMeta {
            record: found.record,
            head_message_id: found.head_message_id,
            cloned_from: found.cloned_from,
        })),
        CollectionItem::Conversation(_) => Ok(None),
        other => anyhow::bail!("expected a conversation item, found {other:?}"),
    }
}

pub(super) fn conversation_record(item: Attributes) -> anyhow::Result<ConversationRecord> {
    match CollectionItem::from_attributes(item)? {
        CollectionItem::Conversation(found) => Ok(found.record),
        other => anyhow::bail!("expected a conversation item, found {other:?}"),
    }
}

//! Deleting a conversation in steps that can each be repeated: a tombstone first (out
//! of every list, closed to writes, counters fixed, in one transaction), then the
//! items, the conversation item last. A delete that dies midway is finished by the next.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, TransactWriteItem, Update, WriteRequest};

use super::attachments::OWNED_AND_LIVE;
use super::conversations::counter_add;
use super::items::{Attributes, CollectionItem};
use super::keys::{self, Key};
use super::{Store, StoreError, cancellation_reasons, sdk_error};
use crate::ids::{ChatbotId, ConversationId, ShareId, UserId};
use crate::models::ConversationRecord;

/// BatchWriteItem takes at most 25 requests.
const BATCH: usize = 25;
/// Attempts at the unprocessed part of a batch before giving up with a 503.
const BATCH_ATTEMPTS: u32 = 8;

/// Whose conversations a delete may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteScope {
    pub owner: UserId,
    /// Only conversations of this chatbot (bulk deletes).
    pub chatbot: Option<ChatbotId>,
}

impl DeleteScope {
    fn admits(&self, record: &ConversationRecord) -> bool {
        record.user_id == self.owner && self.chatbot.as_ref().is_none_or(|bot| &record.chatbot_id == bot)
    }
}

impl Store {
    /// Tombstones the conversation if it is in `scope`: returns it when the delete has
    /// begun now or had begun before (a retry), `None` when there is nothing to delete.
    pub async fn begin_delete(
        &self,
        id: &ConversationId,
        scope: &DeleteScope,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        for _ in 0..2 {
            let Some(item) = self
                .get_item(keys::conversation(id), "reading a conversation to delete")
                .await?
            else {
                return Ok(None);
            };
            let CollectionItem::Conversation(found) = CollectionItem::from_attributes(item)? else {
                return Ok(None);
            };
            if !scope.admits(&found.record) {
                return Ok(None);
            }
            if !found.is_live() {
                return Ok(Some(found.record));
            }
            let record = found.record;
            let tombstone = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::conversation(id).to_attributes()))
                .update_expression("SET deleting = :yes, GSI1PK = :gone_all, GSI2PK = :gone_bot")
                .condition_expression(OWNED_AND_LIVE)
                .expression_attribute_values(":yes", AttributeValue::Bool(true))
                .expression_attribute_values(":owner", AttributeValue::S(record.user_id.to_string()))
                .expression_attribute_values(
                    ":gone_all",
                    AttributeValue::S(keys::deleting_user_conversations(&record.user_id)),
                )
                .expression_attribute_values(
                    ":gone_bot",
                    AttributeValue::S(keys::deleting_user_chatbot_conversations(
                        &record.user_id,
                        &record.chatbot_id,
                    )),
                )
                .build()
                .context("building the tombstone")?;
            let result = self
                .client
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().update(tombstone).build())
                .transact_items(counter_add(&self.table, &keys::counter_total(&record.user_id), -1)?)
                .transact_items(counter_add(
                    &self.table,
                    &keys::counter_chatbot(&record.user_id, &record.chatbot_id),
                    -1,
                )?)
                .send()
                .await;
            match result {
                Ok(_) => return Ok(Some(record)),
                // Another delete got there first: read again and follow it.
                Err(err) if cancellation_reasons(&err).is_some_and(|r| r.first().is_some_and(Option::is_some)) => {}
                Err(err) => return Err(sdk_error(err, "tombstoning a conversation")),
            }
        }
        Err(StoreError::Unavailable(anyhow::anyhow!(
            "conversation {id} kept changing during its delete"
        )))
    }

    /// The share link of a conversation, if it has one.
    pub async fn share_of(&self, id: &ConversationId) -> Result<Option<ShareId>, StoreError> {
        Ok(self.share_link(id).await?.map(|link| link.share_id))
    }

    /// Deletes every item of the conversation's collection but the conversation item,
    /// one page of keys at a time (memory stays bounded however long the conversation).
    pub async fn delete_collection(&self, id: &ConversationId) -> Result<usize, StoreError> {
        let conversation_key = keys::conversation(id);
        let mut deleted = 0;
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(conversation_key.pk.clone()))
            .projection_expression("PK, SK")
            .consistent_read(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(e, "listing a conversation's items"))?;
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

    /// Deletes items by key (see `write_batches`).
    pub async fn delete_keys(&self, keys: &[Key]) -> Result<(), StoreError> {
        let requests = keys
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder().set_key(Some(key.to_attributes())).build()?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, aws_sdk_dynamodb::error::BuildError>>()
            .context("building delete requests")?;
        self.write_batches(requests).await
    }

    /// Runs writes 25 per BatchWriteItem, retrying what DynamoDB leaves unprocessed
    /// with exponential backoff and jitter (503 after 8 attempts).
    pub(crate) async fn write_batches(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        for chunk in requests.chunks(BATCH) {
            let mut pending: Vec<WriteRequest> = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                if attempt == BATCH_ATTEMPTS {
                    return Err(StoreError::Unavailable(anyhow::anyhow!(
                        "{} writes still unprocessed after {BATCH_ATTEMPTS} attempts",
                        pending.len()
                    )));
                }
                if attempt > 0 {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                attempt += 1;
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, std::mem::take(&mut pending))
                    .send()
                    .await
                    .map_err(|e| sdk_error(e, "writing a batch"))?;
                pending = output
                    .unprocessed_items
                    .and_then(|mut unprocessed| unprocessed.remove(&self.table))
                    .unwrap_or_default();
            }
        }
        Ok(())
    }

    /// Removes the tombstoned conversation item: the last step of a delete.
    pub async fn finish_delete(&self, id: &ConversationId) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(keys::conversation(id).to_attributes()))
            .condition_expression("deleting = :yes")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Already gone: another attempt finished first.
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(err) => Err(sdk_error(err, "removing a deleted conversation")),
        }
    }

    /// Conversations of `owner` (with one chatbot) whose delete began but did not
    /// finish, then live ones: the next `limit` a bulk delete should take.
    pub async fn conversations_to_delete(
        &self,
        owner: &UserId,
        chatbot: &ChatbotId,
        limit: usize,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let mut ids = Vec::new();
        for partition in [
            keys::deleting_user_chatbot_conversations(owner, chatbot),
            keys::user_chatbot_conversations(owner, chatbot),
        ] {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI2)
                .key_condition_expression("GSI2PK = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(partition))
                .projection_expression("id")
                .limit(i32::try_from(limit - ids.len()).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|e| sdk_error(e, "finding conversations to delete"))?;
            ids.extend(output.items().iter().filter_map(|item| match item.get("id") {
                Some(AttributeValue::S(raw)) => ConversationId::parse(raw).ok(),
                _ => None,
            }));
            if ids.len() >= limit {
                break;
            }
        }
        Ok(ids)
    }
}

fn key_of(item: &Attributes) -> Option<Key> {
    match (item.get(keys::PK), item.get(keys::SK)) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => Some(Key {
            pk: pk.clone(),
            sk: sk.clone(),
        }),
        _ => None,
    }
}

/// 50 ms, 100 ms, 200 ms, ... capped at 2 s, with up to 50% jitter.
fn backoff(attempt: u32) -> Duration {
    let base = 50u64.saturating_mul(1 << attempt.min(6)).min(2_000);
    Duration::from_millis(base / 2 + rand::random_range(0..=base / 2))
}

//! Retention's reads: the idle index (GSI3, keys only: `IDLE#<day>#<shard>` /
//! `<updated_time>#<id>`), a conversation's owner and activity, and the last day
//! swept whole (`RETENTION` / `SWEPT`).

use super::error::dynamodb_error;
use super::expr::{Expr, with_placeholders};
use super::items::{Attributes, CollectionItem, Lifecycle};
use super::keys::{self, GSI3, GSI3PK, GSI3SK};
use super::{Store, StoreError};
use crate::attrs;
use glchat_domain::clock::Timestamp;
use glchat_domain::ids::{ConversationId, UserId};

/// A page of one idle partition.
#[derive(Debug, Clone, Default)]
pub struct IdlePage {
    pub ids: Vec<ConversationId>,
    /// Where the next page starts, when there is one.
    pub next: Option<Attributes>,
}

impl Store {
    /// Conversations of the idle partition `shard` of `day` whose last activity is before
    /// `before` (all of them for `None`), a page at a time from `start`.
    pub async fn idle_page(
        &self,
        day: &str,
        shard: u32,
        before: Option<Timestamp>,
        start: Option<Attributes>,
    ) -> Result<IdlePage, StoreError> {
        let mut e = Expr::default();
        let partition = e.eq(GSI3PK, keys::idle_partition(day, shard));
        let key = match before {
            Some(before) => format!("{partition} AND {}", e.less_than(GSI3SK, before.to_wire())),
            None => partition,
        };
        let output = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .index_name(GSI3)
            .key_condition_expression(key)
            .limit(100)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| dynamodb_error(e, "reading the idle index"))?;
        let ids = output
            .items()
            .iter()
            .filter_map(|item| item.get(GSI3SK.as_str()).and_then(|v| v.as_s().ok()))
            .filter_map(|sk| keys::conversation_of_activity(sk))
            .collect();
        Ok(IdlePage {
            ids,
            next: output.last_evaluated_key,
        })
    }

    /// The owner and last activity of a live conversation (one GetItem).
    pub async fn conversation_activity(&self, id: &ConversationId) -> Result<Option<(UserId, Timestamp)>, StoreError> {
        let item = self.get_item(keys::conversation(id), "reading a conversation").await?;
        Ok(match item.map(CollectionItem::from_attributes).transpose()? {
            Some(CollectionItem::Conversation(found)) if found.lifecycle() == Lifecycle::Live => {
                Some((found.record.user_id.clone(), found.record.updated_time))
            }
            _ => None,
        })
    }

    /// The last day retention swept whole (`YYYY-MM-DD`), if any.
    pub async fn retention_swept(&self) -> Result<Option<String>, StoreError> {
        let item = self
            .get_item(keys::retention_cursor(), "reading retention's day")
            .await?;
        Ok(item.and_then(|i| i.get(attrs::DAY.as_str()).and_then(|v| v.as_s().ok()).cloned()))
    }

    /// Records that retention swept `day` whole.
    pub async fn set_retention_swept(&self, day: &str) -> Result<(), StoreError> {
        let mut e = Expr::default();
        let update = format!("SET {}", e.eq(attrs::DAY, day));
        with_placeholders!(self.client.update_item(), e)
            .table_name(&self.table)
            .set_key(Some(keys::retention_cursor().to_attributes()))
            .update_expression(update)
            .send()
            .await
            .map_err(|e| dynamodb_error(e, "recording retention's day"))?;
        Ok(())
    }
}

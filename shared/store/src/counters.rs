//! The per-user conversation counters (`USER#<u>` / `COUNT`, `COUNT#BOT#<b>`): moved in
//! the same transaction as every create and delete, read for `conversations_count` (a
//! chatbot's for a filtered list; the chatbots' sum, which also names the partitions
//! to merge, for the list of all).

use anyhow::Context;
use aws_sdk_dynamodb::types::Update;

use super::expr::{Expr, with_placeholders};
use super::items::CounterItem;
use super::keys;
use super::transaction::Transaction;
use super::{Store, StoreError};
use crate::attrs::CONVERSATION_COUNT;
use glchat_domain::ids::{ChatbotId, UserId};

impl Store {
    /// How many conversations the user has with one chatbot (the total over all comes
    /// with [`Store::chatbot_lists`]).
    pub async fn count_conversations(&self, user: &UserId, chatbot: &ChatbotId) -> Result<u64, StoreError> {
        let key = keys::counter_chatbot(user, chatbot);
        let counter = match self.get_item(key, "reading a conversation counter").await? {
            Some(item) => CounterItem::from_attributes(item)?,
            None => CounterItem::default(),
        };
        Ok(counter.count())
    }
}

impl<'a> Transaction<'a> {
    /// Adds `by` to both of the user's counters (all conversations, and this chatbot's).
    pub fn count(self, table: &str, user: &UserId, chatbot: &ChatbotId, by: i64) -> anyhow::Result<Self> {
        Ok(self
            .update("total counter", counter_add(table, &keys::counter_total(user), by)?)
            .update(
                "chatbot counter",
                counter_add(table, &keys::counter_chatbot(user, chatbot), by)?,
            ))
    }
}

fn counter_add(table: &str, key: &keys::Key, by: i64) -> anyhow::Result<Update> {
    let mut e = Expr::default();
    let update = format!("ADD {} {}", e.name(CONVERSATION_COUNT), e.value("by", by));
    with_placeholders!(Update::builder(), e)
        .table_name(table)
        .set_key(Some(key.to_attributes()))
        .update_expression(update)
        .build()
        .context("building a counter update")
}

//! A user's erasure jobs (`USER#<u>` / `ERASURE#<id>`), advanced step by step like the
//! exports (`store::jobs`), and what an erasure counts before it removes.

use aws_sdk_dynamodb::types::Select;

use super::error::dynamodb_error;
use super::expr::{Expr, with_placeholders};
use super::items::ErasureJobItem;
use super::keys::{self, PK, SK};
use super::{Store, StoreError};
use glchat_domain::clock::Timestamp;
use glchat_domain::erasures::{ErasureStatus, RECEIPT_DAYS};
use glchat_domain::ids::{ConversationId, ErasureId, UserId};

pub use super::items::ErasureProgress;

/// An erasure job as the store keeps it.
pub type ErasureJob = ErasureJobItem;

impl ErasureJobItem {
    pub fn new(user: &UserId, id: ErasureId, now: Timestamp) -> Self {
        let key = keys::erasure_job(user, &id);
        Self {
            pk: key.pk,
            sk: key.sk,
            erasure_id: id,
            user_id: user.clone(),
            status: ErasureStatus::Pending,
            created_time: now,
            updated_time: now,
            finished_time: None,
            step: 0,
            progress: ErasureProgress::default(),
            expires_at: now.plus_days(RECEIPT_DAYS).unix_seconds(),
        }
    }
}

impl Store {
    /// Every chatbot the user ever had a conversation with (their counters, at zero
    /// too: an unfinished clone or delete is under a chatbot whose count fell to zero).
    pub async fn all_chatbots(&self, user: &UserId) -> Result<Vec<glchat_domain::ids::ChatbotId>, StoreError> {
        let (_, prefix) = keys::chatbot_counters(user);
        Ok(self
            .user_items(user, prefix)
            .await?
            .iter()
            .filter_map(|item| item.get(SK.as_str()).and_then(|v| v.as_s().ok()))
            .filter_map(|sk| keys::chatbot_of_counter(sk))
            .collect())
    }

    /// How many messages and attachments a conversation holds: two Queries that count
    /// (DynamoDB reads the items, returns only their number), across pages.
    pub async fn collection_counts(&self, id: &ConversationId) -> Result<(u64, u64), StoreError> {
        let pk = keys::conversation_pk(id);
        let mut counts = [0u64; 2];
        for (count, prefix) in counts
            .iter_mut()
            .zip([keys::message_prefix(), keys::attachment_prefix()])
        {
            let mut e = Expr::default();
            let key = format!("{} AND {}", e.eq(PK, pk.as_str()), e.begins_with(SK, prefix));
            let mut pages = with_placeholders!(self.client.query(), e)
                .table_name(&self.table)
                .key_condition_expression(key)
                .select(Select::Count)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| dynamodb_error(e, "counting a conversation's items"))?;
                *count += u64::try_from(page.count()).unwrap_or(0);
            }
        }
        Ok((counts[0], counts[1]))
    }
}

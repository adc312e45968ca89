//! What every background job does with its item: writes it as the outcome of the step
//! it was read at (the step in the condition, so of two invocations of one step only one
//! moves the job on), counts the attempts at a step beside it, and reads a user's
//! partition for the items a job looks after.

use aws_sdk_dynamodb::types::ReturnValue;

use super::error::{applied, dynamodb_error};
use super::expr::{Expr, with_placeholders};
use super::items::{Attributes, CollectionItem};
use super::keys::{self, Key, PK, SK};
use super::{Store, StoreError};
use crate::attrs;
use glchat_domain::ids::UserId;

impl Store {
    /// Writes a new job's item (refused if its id is taken): its stream record starts
    /// the background function.
    pub(crate) async fn create_job(&self, item: CollectionItem) -> Result<(), StoreError> {
        self.put_job_if(item, |e| e.not_exists(PK), "creating a job").await?;
        Ok(())
    }

    /// A job's item, read consistently.
    pub(crate) async fn job_item(&self, key: Key) -> Result<Option<CollectionItem>, StoreError> {
        Ok(self
            .get_item(key, "reading a job")
            .await?
            .map(CollectionItem::from_attributes)
            .transpose()?)
    }

    /// Writes a job's item as the outcome of `read_step`: `false` when the job is not at
    /// that step any more (another invocation wrote it first, or it is gone).
    pub(crate) async fn save_job_step(&self, item: CollectionItem, read_step: u64) -> Result<bool, StoreError> {
        self.put_job_if(item, |e| e.eq(attrs::STEP, read_step as i64), "saving a job's step")
            .await
    }

    /// Puts a job's item if `condition` holds; whether it did.
    async fn put_job_if(
        &self,
        item: CollectionItem,
        condition: impl FnOnce(&mut Expr) -> String,
        doing: &'static str,
    ) -> Result<bool, StoreError> {
        let mut e = Expr::default();
        let condition = condition(&mut e);
        let result = with_placeholders!(self.client.put_item(), e)
            .table_name(&self.table)
            .set_item(Some(item.to_attributes()?))
            .condition_expression(condition)
            .send()
            .await;
        Ok(applied(result, doing)?.is_some())
    }

    /// Counts one more attempt at `step` of the job at `job`, and says how many there
    /// were (one item per step, removed by TTL with the job).
    pub(crate) async fn count_job_attempt(&self, job: &Key, step: u64, expires_at: i64) -> Result<u64, StoreError> {
        let mut e = Expr::default();
        let update = format!(
            "ADD {} {} SET {}",
            e.name(attrs::COUNT),
            e.value("one", 1),
            e.eq(attrs::EXPIRES_AT, expires_at),
        );
        let output = with_placeholders!(self.client.update_item(), e)
            .table_name(&self.table)
            .set_key(Some(keys::job_attempts(job, step).to_attributes()))
            .update_expression(update)
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|err| dynamodb_error(err, "counting a job's attempt"))?;
        Ok(output
            .attributes
            .as_ref()
            .and_then(|a| a.get(attrs::COUNT.as_str()))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(1))
    }

    /// Every item of the user's partition (`USER#<u>`) whose sort key begins with
    /// `prefix` (all of them for `""`), across pages.
    pub(crate) async fn user_items(&self, user: &UserId, prefix: &str) -> Result<Vec<Attributes>, StoreError> {
        self.partition_items(&keys::user_pk(user), prefix).await
    }

    async fn partition_items(&self, pk: &str, prefix: &str) -> Result<Vec<Attributes>, StoreError> {
        let mut e = Expr::default();
        let key = match prefix {
            "" => e.eq(PK, pk),
            prefix => format!("{} AND {}", e.eq(PK, pk), e.begins_with(SK, prefix)),
        };
        let mut pages = with_placeholders!(self.client.query(), e)
            .table_name(&self.table)
            .key_condition_expression(key)
            .consistent_read(true)
            .into_paginator()
            .send();
        let mut items = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| dynamodb_error(e, "reading a user's items"))?;
            items.extend(page.items().iter().cloned());
        }
        Ok(items)
    }

    /// Deletes every item of the user's own partition but their erasures' (counters,
    /// rate windows, export jobs), and every idempotency record of theirs; returns how
    /// many items went.
    pub async fn delete_user_items(&self, user: &UserId) -> Result<usize, StoreError> {
        let mut keys: Vec<Key> = Vec::new();
        for pk in [keys::user_pk(user), keys::user_idempotency_pk(user)] {
            for item in self.partition_items(&pk, "").await? {
                let (Some(pk), Some(sk)) = (
                    item.get(PK.as_str()).and_then(|v| v.as_s().ok()),
                    item.get(SK.as_str()).and_then(|v| v.as_s().ok()),
                ) else {
                    continue;
                };
                if !sk.starts_with(keys::ERASURE_PREFIX) {
                    keys.push(Key {
                        pk: pk.clone(),
                        sk: sk.clone(),
                    });
                }
            }
        }
        self.delete_keys(&keys).await?;
        Ok(keys.len())
    }
}

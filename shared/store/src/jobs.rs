//! What every background job does with its item: writes it as the outcome of the step
//! it was read at (the step in the condition, so of two invocations of one step only one
//! moves the job on), counts the attempts at a step beside it, and reads a user's
//! partition for the items a job looks after.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::error::{applied, dynamodb_error};
use super::expr::{Expr, with_placeholders};
use super::items::{Attributes, CollectionItem, ErasureJobItem, ExportJobItem, ImportJobItem};
use super::keys::{self, Key, PK, SK};
use super::{Store, StoreError};
use crate::attrs;
use glchat_domain::clock::Timestamp;
use glchat_domain::erasures::ErasureStatus;
use glchat_domain::exports::ExportStatus;
use glchat_domain::ids::{ErasureId, ExportId, ImportId, UserId};
use glchat_domain::imports::ImportStatus;
use sealed::Item;

/// A kind of background job (an export, an erasure, an import): the store creates,
/// reads, saves and counts every kind alike.
pub trait Job: Clone + Sized + Item {}

// Sealed: the module is private, so nothing outside the store can name the trait or
// call its methods (the lint counts them reachable through `Job`; they are not).
#[allow(private_interfaces)]
mod sealed {
    use crate::items::CollectionItem;
    use glchat_domain::clock::Timestamp;

    /// How a kind of job's item is told apart among the table's items, and where it
    /// stands.
    pub trait Item: Sized {
        fn into_item(self) -> CollectionItem;
        fn from_item(item: CollectionItem) -> Option<Self>;
        /// When its TTL removes it (epoch seconds).
        fn expires_at(&self) -> i64;
        /// The step it is at.
        fn step(&self) -> u64;
        /// Whether it has steps still to run.
        fn to_run(&self) -> bool;
        /// Moves it to `step`, as of `now`.
        fn move_to(&mut self, step: u64, now: Timestamp);
    }
}

/// A job's id: where a user's job of that id is kept.
pub trait JobId {
    type Job: Job;
    fn key(&self, user: &UserId) -> Key;
}

macro_rules! job_kind {
    ($job:ty, $variant:ident, $id:ty, $key:path, $to_run:pat) => {
        impl Job for $job {}

        #[allow(private_interfaces)] // sealed, as above
        impl sealed::Item for $job {
            fn into_item(self) -> CollectionItem {
                CollectionItem::$variant(self)
            }

            fn from_item(item: CollectionItem) -> Option<Self> {
                match item {
                    CollectionItem::$variant(job) => Some(job),
                    _ => None,
                }
            }

            fn expires_at(&self) -> i64 {
                self.expires_at
            }

            fn step(&self) -> u64 {
                self.step
            }

            fn to_run(&self) -> bool {
                matches!(self.status, $to_run)
            }

            fn move_to(&mut self, step: u64, now: Timestamp) {
                self.step = step;
                self.updated_time = now;
            }
        }

        impl JobId for $id {
            type Job = $job;

            fn key(&self, user: &UserId) -> Key {
                $key(user, self)
            }
        }
    };
}

// Each kind, and the status in which it has steps to run.
job_kind!(
    ExportJobItem,
    ExportJob,
    ExportId,
    keys::export_job,
    ExportStatus::Pending
);
job_kind!(
    ErasureJobItem,
    ErasureJob,
    ErasureId,
    keys::erasure_job,
    ErasureStatus::Pending
);
job_kind!(
    ImportJobItem,
    ImportJob,
    ImportId,
    keys::import_job,
    ImportStatus::Running
);

/// The job an item image of the table's stream holds, of whichever kind.
#[derive(Debug)]
pub enum StreamedJob {
    Export(ExportJobItem),
    Erasure(ErasureJobItem),
    Import(ImportJobItem),
}

/// The job `image` (a stream record's new image) holds, if it holds one.
pub fn streamed_job(image: Option<HashMap<String, AttributeValue>>) -> anyhow::Result<Option<StreamedJob>> {
    let Some(image) = image else {
        return Ok(None);
    };
    Ok(match CollectionItem::from_attributes(image)? {
        CollectionItem::ExportJob(job) => Some(StreamedJob::Export(job)),
        CollectionItem::ErasureJob(job) => Some(StreamedJob::Erasure(job)),
        CollectionItem::ImportJob(job) => Some(StreamedJob::Import(job)),
        _ => None,
    })
}

impl Store {
    /// Writes a new job (refused if its id is taken): its stream record starts the
    /// background function.
    pub async fn create_job<J: Job>(&self, job: &J) -> Result<(), StoreError> {
        self.put_job_if(job.clone().into_item(), |e| e.not_exists(PK), "creating a job")
            .await?;
        Ok(())
    }

    /// The user's job of that id, read consistently (another user's id finds nothing).
    pub async fn job<I: JobId>(&self, user: &UserId, id: &I) -> Result<Option<I::Job>, StoreError> {
        Ok(self
            .get_item(id.key(user), "reading a job")
            .await?
            .map(CollectionItem::from_attributes)
            .transpose()?
            .and_then(I::Job::from_item))
    }

    /// The user's job of that id as a caller may see it: not once its time is up,
    /// though TTL removes the item only within days.
    pub async fn live_job<I: JobId>(
        &self,
        user: &UserId,
        id: &I,
        now: Timestamp,
    ) -> Result<Option<I::Job>, StoreError> {
        Ok(self
            .job(user, id)
            .await?
            .filter(|job| job.expires_at() > now.unix_seconds()))
    }

    /// The user's job of that id if it is at `step` with steps to run; `None` for a
    /// record handed over again, a step another invocation did first, a finished job,
    /// or one gone.
    pub async fn job_at_step<I: JobId>(&self, user: &UserId, id: &I, step: u64) -> Result<Option<I::Job>, StoreError> {
        Ok(self
            .job(user, id)
            .await?
            .filter(|job| job.step() == step && job.to_run()))
    }

    /// Writes `job` as the outcome of the step it was read at (`read_step`), moved to
    /// the next step as of `now`: `false` when the job is not at that step any more
    /// (another invocation wrote it first, or it is gone).
    pub async fn save_next_step<J: Job>(
        &self,
        job: &mut J,
        read_step: u64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        job.move_to(read_step + 1, now);
        self.put_job_if(
            job.clone().into_item(),
            |e| e.eq(attrs::STEP, read_step as i64),
            "saving a job's step",
        )
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

    /// Counts one more attempt at `step` of the user's job `id`, and says how many there
    /// were (one item per step, removed by TTL with the job).
    pub async fn count_job_attempt<I: JobId>(
        &self,
        user: &UserId,
        id: &I,
        step: u64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        let job = id.key(user);
        let mut e = Expr::default();
        let update = format!(
            "ADD {} {} SET {}",
            e.name(attrs::COUNT),
            e.value("one", 1),
            e.eq(attrs::EXPIRES_AT, expires_at),
        );
        let output = with_placeholders!(self.client.update_item(), e)
            .table_name(&self.table)
            .set_key(Some(keys::job_attempts(&job, step).to_attributes()))
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

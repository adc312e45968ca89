//! A user's export jobs (`USER#<u>` / `EXPORT#<id>`): created by the API, advanced step
//! by step by the background function, each step written only by the invocation that
//! did it (the step it read, in the write's condition), so a record handed over twice
//! cannot make two invocations of one step both count.

use super::items::{CollectionItem, ExportJobItem};
use super::keys;
use super::{Store, StoreError};
use glchat_domain::clock::Timestamp;
use glchat_domain::ids::{ExportId, UserId};

pub use super::items::ExportProgress;

/// An export job as the store keeps it.
pub type ExportJob = ExportJobItem;

impl ExportJobItem {
    /// A new job of `user`'s: pending, at step 0.
    pub fn new(
        user: &UserId,
        id: ExportId,
        conversation_ids: Option<Vec<glchat_domain::ids::ConversationId>>,
        now: Timestamp,
    ) -> Self {
        let key = keys::export_job(user, &id);
        Self {
            pk: key.pk,
            sk: key.sk,
            export_id: id,
            user_id: user.clone(),
            status: glchat_domain::exports::ExportStatus::Pending,
            created_time: now,
            updated_time: now,
            conversation_ids,
            step: 0,
            progress: ExportProgress::default(),
            object_key: None,
            failure: None,
            expires_at: now.plus_days(glchat_domain::exports::KEPT_DAYS).unix_seconds(),
        }
    }
}

impl Store {
    /// Writes a new job: its stream record starts the background function.
    pub async fn create_export(&self, job: &ExportJob) -> Result<(), StoreError> {
        self.create_job(CollectionItem::ExportJob(job.clone())).await
    }

    /// The user's job, if there is one (another user's id finds nothing).
    pub async fn export_job(&self, user: &UserId, id: &ExportId) -> Result<Option<ExportJob>, StoreError> {
        Ok(match self.job_item(keys::export_job(user, id)).await? {
            Some(CollectionItem::ExportJob(job)) => Some(job),
            _ => None,
        })
    }

    /// Writes `job` as the outcome of the step it was read at (`read_step`): refused
    /// (`false`) when another invocation wrote that step first.
    pub async fn save_export_step(&self, job: &ExportJob, read_step: u64) -> Result<bool, StoreError> {
        self.save_job_step(CollectionItem::ExportJob(job.clone()), read_step)
            .await
    }

    /// Counts one more attempt at `step` of the export, and says how many there were.
    pub async fn count_export_attempt(
        &self,
        user: &UserId,
        id: &ExportId,
        step: u64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        self.count_job_attempt(&keys::export_job(user, id), step, expires_at)
            .await
    }

    /// The user's export jobs (their step counters left out).
    pub async fn export_jobs(&self, user: &UserId) -> Result<Vec<ExportJob>, StoreError> {
        Ok(self
            .user_items(user, "EXPORT#")
            .await?
            .into_iter()
            .filter_map(|item| match CollectionItem::from_attributes(item) {
                Ok(CollectionItem::ExportJob(job)) => Some(job),
                _ => None,
            })
            .collect())
    }
}

/// The export job an item image of the table's stream holds, if it holds one.
pub fn job_of(
    image: Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
) -> anyhow::Result<Option<ExportJob>> {
    let Some(image) = image else {
        return Ok(None);
    };
    Ok(match CollectionItem::from_attributes(image)? {
        CollectionItem::ExportJob(job) => Some(job),
        _ => None,
    })
}

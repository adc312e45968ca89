//! A user's import jobs (`USER#<u>` / `IMPORT#<id>`), advanced step by step like the
//! exports (`store::jobs`).

use super::items::{CollectionItem, ImportJobItem};
use super::keys;
use super::{Store, StoreError};
use glchat_domain::clock::Timestamp;
use glchat_domain::ids::{ImportId, UserId};
use glchat_domain::imports::{ImportStatus, KEPT_DAYS};

pub use super::items::ImportProgress;

/// An import job as the store keeps it.
pub type ImportJob = ImportJobItem;

impl ImportJobItem {
    /// A new import of `user`'s, waiting for its upload at `object_key`.
    pub fn new(user: &UserId, id: ImportId, file_name: String, size: u64, object_key: String, now: Timestamp) -> Self {
        let key = keys::import_job(user, &id);
        Self {
            pk: key.pk,
            sk: key.sk,
            import_id: id,
            user_id: user.clone(),
            status: ImportStatus::AwaitingUpload,
            file_name,
            size,
            object_key,
            created_time: now,
            updated_time: now,
            step: 0,
            progress: ImportProgress::default(),
            expires_at: now.plus_days(KEPT_DAYS).unix_seconds(),
        }
    }
}

impl Store {
    pub async fn create_import(&self, job: &ImportJob) -> Result<(), StoreError> {
        self.create_job(CollectionItem::ImportJob(job.clone())).await
    }

    /// The user's import, if there is one (another user's id finds nothing).
    pub async fn import_job(&self, user: &UserId, id: &ImportId) -> Result<Option<ImportJob>, StoreError> {
        Ok(match self.job_item(keys::import_job(user, id)).await? {
            Some(CollectionItem::ImportJob(job)) => Some(job),
            _ => None,
        })
    }

    /// Writes `job` as the outcome of `read_step` (see `store::jobs`).
    pub async fn save_import_step(&self, job: &ImportJob, read_step: u64) -> Result<bool, StoreError> {
        self.save_job_step(CollectionItem::ImportJob(job.clone()), read_step)
            .await
    }

    pub async fn count_import_attempt(
        &self,
        user: &UserId,
        id: &ImportId,
        step: u64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        self.count_job_attempt(&keys::import_job(user, id), step, expires_at)
            .await
    }
}

/// The import job an item image of the table's stream holds, if it holds one.
pub fn job_of(
    image: Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
) -> anyhow::Result<Option<ImportJob>> {
    let Some(image) = image else {
        return Ok(None);
    };
    Ok(match CollectionItem::from_attributes(image)? {
        CollectionItem::ImportJob(job) => Some(job),
        _ => None,
    })
}

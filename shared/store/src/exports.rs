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
    /// The user's export jobs (their step counters left out).
    pub async fn export_jobs(&self, user: &UserId) -> Result<Vec<ExportJob>, StoreError> {
        Ok(self
            .user_items(user, keys::EXPORT_PREFIX)
            .await?
            .into_iter()
            .filter_map(|item| match CollectionItem::from_attributes(item) {
                Ok(CollectionItem::ExportJob(job)) => Some(job),
                _ => None,
            })
            .collect())
    }
}

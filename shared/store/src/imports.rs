//! A user's import jobs (`USER#<u>` / `IMPORT#<id>`), advanced step by step like the
//! exports (`store::jobs`).

use super::items::ImportJobItem;
use super::keys;
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

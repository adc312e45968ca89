//! The tenant's S3 bucket: object keys, presigned upload and download URLs, copies and
//! prefix deletes. Every object key is built here.

use std::time::{Duration, SystemTime};

use anyhow::Context;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use crate::failure::s3_error;
use aws_sdk_s3::error::ProvideErrorMetadata;
use glchat_domain::error::StoreError;
use glchat_domain::ids::{AttachmentId, ConversationId, ExportId, ShareId, TenantId};

/// How long a presigned URL works: long enough to upload or open a file, short enough
/// that a leaked link soon stops working.
pub const URL_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Copies in flight at once: a share or clone of a conversation at its limit of 1,000
/// attachments makes about 32 rounds of server-side copies, well inside its timeout.
pub const COPY_CONCURRENCY: usize = 32;

/// S3's smallest part of a multipart upload (but the last).
pub const MIN_PART_BYTES: usize = 5 * 1024 * 1024;

/// A multipart upload under way ([`Blobs::start_upload`]).
#[derive(Debug)]
pub struct Upload {
    blobs: Blobs,
    key: String,
    upload_id: String,
    parts: Vec<aws_sdk_s3::types::CompletedPart>,
}

impl Upload {
    /// Uploads the next part.
    pub async fn part(&mut self, bytes: Vec<u8>) -> Result<(), StoreError> {
        let number = i32::try_from(self.parts.len() + 1).context("too many parts")?;
        let uploaded = self
            .blobs
            .client
            .upload_part()
            .bucket(&self.blobs.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .part_number(number)
            .body(bytes.into())
            .send()
            .await
            .map_err(|e| s3_error(e, "uploading a part"))?;
        self.parts.push(
            aws_sdk_s3::types::CompletedPart::builder()
                .part_number(number)
                .set_e_tag(uploaded.e_tag().map(str::to_owned))
                .build(),
        );
        Ok(())
    }

    /// Uploads the last part and makes the object.
    pub async fn finish(mut self, last: Vec<u8>) -> Result<(), StoreError> {
        if !last.is_empty() || self.parts.is_empty() {
            self.part(last).await?;
        }
        let completed = aws_sdk_s3::types::CompletedMultipartUpload::builder()
            .set_parts(Some(self.parts))
            .build();
        self.blobs
            .client
            .complete_multipart_upload()
            .bucket(&self.blobs.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(completed)
            .send()
            .await
            .map_err(|e| s3_error(e, "completing an upload"))?;
        Ok(())
    }
}

/// A presigned request: the client sends `method` to `url` with exactly `headers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presigned {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Blobs {
    client: aws_sdk_s3::Client,
    bucket: String,
    tenant: TenantId,
}

impl Blobs {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>, tenant: TenantId) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            tenant,
        }
    }

    pub fn client(&self) -> &aws_sdk_s3::Client {
        &self.client
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Everything a conversation owns in S3 lives under this prefix.
    pub fn conversation_prefix(&self, conversation: &ConversationId) -> String {
        format!("tenants/{}/conversations/{}/", self.tenant, conversation)
    }

    pub fn attachment_key(&self, conversation: &ConversationId, attachment: &AttachmentId) -> String {
        format!("{}attachments/{}", self.conversation_prefix(conversation), attachment)
    }

    /// The conversation and attachment an object key names, when it is an attachment
    /// key of this tenant ([`Blobs::attachment_key`] read backwards).
    pub fn attachment_of(&self, key: &str) -> Option<(ConversationId, AttachmentId)> {
        let rest = key.strip_prefix(&format!("tenants/{}/conversations/", self.tenant))?;
        let (conversation, attachment) = rest.split_once("/attachments/")?;
        Some((
            ConversationId::parse(conversation).ok()?,
            AttachmentId::parse(attachment).ok()?,
        ))
    }

    /// Everything a share link owns (copied attachments, large snapshots).
    pub fn share_prefix(&self, share: &ShareId) -> String {
        format!("tenants/{}/shares/{}/", self.tenant, share)
    }

    /// A PUT of exactly `size` bytes of `content_type`: both headers are signed, so
    /// S3 refuses a body of another length or type.
    pub async fn presign_put(&self, key: &str, content_type: &str, size: u64) -> Result<Presigned, StoreError> {
        let config = PresigningConfig::expires_in(URL_LIFETIME).context("presigning configuration")?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(i64::try_from(size).context("attachment size")?)
            .presigned(config)
            .await
            .map_err(|e| s3_error(e, "presigning an upload"))?;
        Ok(Presigned {
            method: request.method().to_owned(),
            url: request.uri().to_owned(),
            headers: request.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        })
    }

    /// A GET that downloads under `file_name`, valid from `start` for `lifetime`.
    pub async fn presign_get_at(
        &self,
        key: &str,
        file_name: &str,
        start: SystemTime,
        lifetime: Duration,
    ) -> Result<String, StoreError> {
        let config = PresigningConfig::builder()
            .start_time(start)
            .expires_in(lifetime)
            .build()
            .context("presigning configuration")?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(content_disposition(file_name))
            .presigned(config)
            .await
            .map_err(|e| s3_error(e, "presigning a download"))?;
        Ok(request.uri().to_owned())
    }

    pub async fn presign_get(&self, key: &str, file_name: &str) -> Result<String, StoreError> {
        self.presign_get_at(key, file_name, SystemTime::now(), URL_LIFETIME)
            .await
    }

    /// Everything an export of `user`'s writes lives under this prefix (its list of
    /// conversations, its parts, its zip), which the bucket's lifecycle rule empties
    /// after [`glchat_domain::exports::KEPT_DAYS`]. The export's id is a ULID of ours,
    /// unguessable only together with the user's credentials (the job is under the user).
    pub fn export_prefix(&self, export: &ExportId) -> String {
        format!("tenants/{}/exports/{}/", self.tenant, export)
    }

    /// Everything an import of `user`'s keeps while it runs (the upload, the parts it
    /// reads the file into), under the user's id in hexadecimal (an id may hold any
    /// character) so that the upload's event names whose import it is.
    pub fn import_prefix(&self, user: &glchat_domain::ids::UserId, import: &glchat_domain::ids::ImportId) -> String {
        format!("{}{}/", self.user_imports_prefix(user), import)
    }

    /// Every import of `user`'s (an erasure removes them all).
    pub fn user_imports_prefix(&self, user: &glchat_domain::ids::UserId) -> String {
        format!("tenants/{}/imports/{}/", self.tenant, hex::encode(user.as_str()))
    }

    /// The user and import an upload's key names (`<import prefix>upload`).
    pub fn import_of(&self, key: &str) -> Option<(glchat_domain::ids::UserId, glchat_domain::ids::ImportId)> {
        let rest = key.strip_prefix(&format!("tenants/{}/imports/", self.tenant))?;
        let mut parts = rest.split('/');
        let (hex, id, file) = (parts.next()?, parts.next()?, parts.next()?);
        if file != "upload" || parts.next().is_some() {
            return None;
        }
        let user = glchat_domain::ids::UserId::parse(&String::from_utf8(hex::decode(hex).ok()?).ok()?).ok()?;
        Some((user, glchat_domain::ids::ImportId::parse(id).ok()?))
    }

    /// The keys under `prefix`, across pages.
    pub async fn keys_under(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| s3_error(e, "listing objects"))?;
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
        }
        Ok(keys)
    }

    /// Writes an object whole.
    pub async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(bytes.into())
            .send()
            .await
            .map_err(|e| s3_error(e, "writing an object"))?;
        Ok(())
    }

    /// What an erasure writes while it runs (its list of the user's conversations),
    /// removed when it is done.
    pub fn erasure_prefix(&self, erasure: &glchat_domain::ids::ErasureId) -> String {
        format!("tenants/{}/erasures/{}/", self.tenant, erasure)
    }

    /// An object this module fetches whole, or `None` where there is none (an
    /// attachment whose upload never came).
    pub async fn get_if_exists(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let result = self.client.get_object().bucket(&self.bucket).key(key).send().await;
        match result {
            Ok(output) => {
                let bytes = output.body.collect().await.context("reading an object")?;
                Ok(Some(bytes.to_vec()))
            }
            Err(err)
                if err.code() == Some("NoSuchKey")
                    || err.raw_response().is_some_and(|r| r.status().as_u16() == 404) =>
            {
                Ok(None)
            }
            Err(err) => Err(s3_error(err, "reading an object")),
        }
    }

    /// Starts a multipart upload of `key`: parts of at least [`MIN_PART_BYTES`] but the
    /// last, which [`Upload::finish`] writes. An upload never finished is aborted by
    /// the bucket's lifecycle rule after a day.
    pub async fn start_upload(&self, key: &str, content_type: &str) -> Result<Upload, StoreError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| s3_error(e, "starting an upload"))?;
        let upload_id = created.upload_id().context("an upload without an id")?.to_owned();
        Ok(Upload {
            blobs: self.clone(),
            key: key.to_owned(),
            upload_id,
            parts: Vec::new(),
        })
    }

    /// Where a share's snapshot keeps its copies: `<share prefix><snapshot id>/`.
    pub fn snapshot_prefix(&self, share: &ShareId, snapshot_id: &str) -> String {
        format!("{}{snapshot_id}/", self.share_prefix(share))
    }

    /// Copies an object within the bucket (snapshots and clones keep their own copies).
    /// `false` when the source does not exist (an attachment never uploaded).
    pub async fn copy(&self, from: &str, to: &str) -> Result<bool, StoreError> {
        let result = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{}", self.bucket, percent_encode_path(from)))
            .key(to)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err)
                if err.code() == Some("NoSuchKey")
                    || err.raw_response().is_some_and(|r| r.status().as_u16() == 404) =>
            {
                Ok(false)
            }
            Err(err) => Err(s3_error(err, "copying an object")),
        }
    }

    /// Copies many objects, [`COPY_CONCURRENCY`] at a time; for each pair, whether its
    /// source existed (see [`Blobs::copy`]), in the order given.
    pub async fn copy_all(&self, pairs: Vec<(String, String)>) -> Result<Vec<bool>, StoreError> {
        use futures::{StreamExt, TryStreamExt};
        futures::stream::iter(pairs)
            .map(|(from, to)| async move { self.copy(&from, &to).await })
            .buffered(COPY_CONCURRENCY)
            .try_collect()
            .await
    }

    /// Deletes one object; deleting a missing one succeeds, as S3 answers.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| s3_error(e, "deleting an object"))?;
        Ok(())
    }

    pub async fn put_json(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.put(key, bytes, "application/json").await
    }

    /// An object that is there (a snapshot, a job's part), whole.
    pub async fn get_bytes(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        Ok(self
            .get_if_exists(key)
            .await?
            .with_context(|| format!("reading {key}: it is not there"))?)
    }

    /// Deletes the copies of a share's snapshots older than `current` (ULIDs sort by age,
    /// so a newer snapshot written meanwhile is kept).
    pub async fn delete_older_snapshots(&self, share: &ShareId, current: &str) -> Result<(), StoreError> {
        let prefix = self.share_prefix(share);
        let listed = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&prefix)
            .delimiter("/")
            .send()
            .await
            .map_err(|e| s3_error(e, "listing snapshots"))?;
        for older in listed.common_prefixes().iter().filter_map(|p| p.prefix()) {
            let snapshot = older.trim_start_matches(&prefix).trim_end_matches('/');
            if snapshot < current {
                self.delete_prefix(older).await?;
            }
        }
        Ok(())
    }

    /// Deletes every object under `prefix`, 1,000 per request; returns how many.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<usize, StoreError> {
        let mut deleted = 0;
        loop {
            // Listing again after each delete rather than paging: the deleted keys are gone,
            // so the first page is always the next batch.
            let listed = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .max_keys(1000)
                .send()
                .await
                .map_err(|e| s3_error(e, "listing objects to delete"))?;
            let objects = listed
                .contents()
                .iter()
                .filter_map(|o| o.key())
                .map(|k| ObjectIdentifier::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .context("naming objects to delete")?;
            if objects.is_empty() {
                return Ok(deleted);
            }
            let count = objects.len();
            let output = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(
                    Delete::builder()
                        .set_objects(Some(objects))
                        .quiet(true)
                        .build()
                        .context("delete request")?,
                )
                .send()
                .await
                .map_err(|e| s3_error(e, "deleting objects"))?;
            if let Some(error) = output.errors().first() {
                return Err(StoreError::Unavailable(anyhow::anyhow!(
                    "S3 kept {} of {count} objects under {prefix}: {:?} {:?}",
                    output.errors().len(),
                    error.code(),
                    error.message()
                )));
            }
            deleted += count;
        }
    }
}

/// Percent-encodes `text`, leaving ASCII letters, digits and the bytes of `keep`.
fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || keep.contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// An object key as `x-amz-copy-source` wants it: encoded, `/` kept.
fn percent_encode_path(key: &str) -> String {
    percent_encode(key, b"-_.~/")
}

/// `attachment; filename="..."; filename*=UTF-8''...`: an ASCII fallback for old
/// clients and the exact name for the rest (RFC 6266).
fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // RFC 5987 attr-char: letters, digits and these.
    let encoded = percent_encode(file_name, b"!#$&+-.^_`|~");
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_keeps_unicode_names_exact() {
        assert_eq!(
            content_disposition("laporan \"Q1\" é.pdf"),
            "attachment; filename=\"laporan _Q1_ _.pdf\"; filename*=UTF-8''laporan%20%22Q1%22%20%C3%A9.pdf"
        );
    }
}

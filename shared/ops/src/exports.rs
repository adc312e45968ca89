//! Exports of a user's conversations (`docs/export.md`). The API asks for one and reads
//! where it stands; the background function (`run_jobs`, started by the job's stream
//! record) makes it step by step, each step starting the next by writing the job:
//!
//! 1. the list of conversations (`manifest.json`): the ones asked for, or every one of
//!    the user's as the export began;
//! 2. the conversations, a bounded number per step, into parts (`parts/00000.json`,
//!    ...: JSON arrays, each about [`PART_BYTES`]);
//! 3. the zip, in one step: `conversations.json` (the parts joined under the header),
//!    then each attachment's file, streamed to a multipart upload.
//!
//! Every step writes what it made under names the step decides, so a step run again
//! (Lambda hands a record over again, or the invocation died) writes the same objects
//! and the same job; the job's write is conditional on the step it read.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use glchat_clients::blobs::{Blobs, Upload};
use glchat_domain::caller::Caller;
use glchat_domain::exports::{
    CONVERSATIONS_FILE, ExportHeader, ExportStatus, ExportedConversation, FORMAT, MAX_LISTED, VERSION,
};
use glchat_domain::ids::{ConversationId, ExportId, UserId};
use glchat_domain::pages::MessageWindow;
use glchat_domain::responses::{ExportAcceptedResponse, ExportResponse};
use glchat_store::ListPosition;
use glchat_store::StoredLink;
use glchat_store::exports::ExportJob;

use crate::jobs::{self, Stepped};
use crate::{Deps, Limited, OpError, within_rate};

/// A part of the conversations holds about this many bytes (one conversation larger
/// than that is a part alone).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// Bytes of the zip held before they go up as a part of its multipart upload.
const UPLOAD_PART_BYTES: usize = 16 * 1024 * 1024;

/// How long the download URL works; asking again gives a fresh one.
pub const URL_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// What `POST /conversations/exports` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartExport {
    /// The conversations to export; every one of the caller's when `None`.
    pub conversation_ids: Option<Vec<ConversationId>>,
}

/// Accepts an export of the caller's conversations, all or the listed ones. A listed id
/// that is not a live conversation of the caller's refuses the whole request (404), as
/// a missing one would: nothing is created.
pub async fn start(deps: &Deps, caller: &Caller, input: StartExport) -> Result<ExportAcceptedResponse, OpError> {
    within_rate(deps, caller, Limited::Exports).await?;
    let listed = match input.conversation_ids {
        Some(ids) => {
            let mut unique: Vec<ConversationId> = Vec::with_capacity(ids.len().min(MAX_LISTED));
            for id in ids {
                if !unique.contains(&id) {
                    unique.push(id);
                }
            }
            for id in &unique {
                if deps.store.owned_conversation(id, &caller.user_id).await?.is_none() {
                    return Err(OpError::ConversationNotFound);
                }
            }
            Some(unique)
        }
        None => None,
    };
    let now = deps.clock.now();
    let job = ExportJob::new(&caller.user_id, ExportId::generate(now), listed, now);
    deps.store.create_job(&job).await?;
    Ok(ExportAcceptedResponse {
        export_id: job.export_id,
        status: job.status,
    })
}

/// Where the caller's export stands, with a fresh download URL once it is ready.
pub async fn status(deps: &Deps, caller: &Caller, id: &ExportId) -> Result<ExportResponse, OpError> {
    let now = deps.clock.now();
    let job = deps
        .store
        .live_job(&caller.user_id, id, now)
        .await?
        .ok_or(OpError::ExportNotFound)?;
    // The job and its zip are kept until `removed`; a URL works an hour at most, and
    // not past that: `expires_at` is when the URL stops working, or without one, when
    // the export goes.
    let removed_ms = u64::try_from(job.expires_at).unwrap_or(0) * 1000;
    let (url, expires_ms) = match (&job.status, &job.object_key) {
        (ExportStatus::Ready, Some(key)) => {
            let name = format!("glchat-export-{}.zip", job.export_id);
            let lifetime_ms = removed_ms
                .saturating_sub(now.unix_ms())
                .clamp(1_000, URL_LIFETIME.as_millis() as u64);
            let start = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(now.unix_ms());
            let lifetime = std::time::Duration::from_millis(lifetime_ms);
            let url = deps.blobs()?.presign_get_at(key, &name, start, lifetime).await?;
            (Some(url), now.unix_ms() + lifetime_ms)
        }
        _ => (None, removed_ms),
    };
    let expires_at = glchat_domain::clock::Timestamp::from_unix_ms(expires_ms).unwrap_or(job.created_time);
    Ok(ExportResponse {
        export_id: job.export_id,
        status: job.status,
        url,
        expires_at,
        conversations: job.progress.conversations,
        messages: job.progress.messages,
        attachments: job.progress.attachments,
        failure: job.failure,
    })
}

/// Does step `step` of `user`'s export `id`, then writes the job at the next step (or
/// finished), which starts the next invocation.
pub async fn run_step(deps: &Deps, user: &UserId, id: &ExportId, step: u64) -> Result<Stepped, OpError> {
    let Some(mut job) = jobs::at_step(deps, user, id, step).await? else {
        return Ok(Stepped::Stale);
    };
    if jobs::kept_failing(deps, user, id, step, job.expires_at).await? {
        job.status = ExportStatus::Failed;
        job.failure = Some("the export could not be made; ask for a new one".to_owned());
        return finish_step(deps, job, step).await;
    }
    let blobs = deps.blobs()?;
    let files = Files::of(blobs, id);
    if !job.progress.listed {
        let ids = match &job.conversation_ids {
            Some(ids) => ids.clone(),
            None => every_conversation(deps, user).await?,
        };
        let manifest = serde_json::to_vec(&ids).context("writing the export's list")?;
        blobs.put_json(&files.manifest(), manifest).await?;
        job.progress.listed = true;
        job.progress.total = ids.len() as u64;
    } else if job.progress.next < job.progress.total {
        collect(deps, blobs, &files, &mut job).await?;
    } else {
        let header = ExportHeader {
            format: FORMAT.to_owned(),
            version: VERSION,
            exported_at: deps.clock.now(),
            tenant_id: deps.config.tenant.as_str().to_owned(),
            user_id: user.clone(),
        };
        let key = files.zip();
        job.progress.attachments = write_zip(blobs, &files, &key, &header, job.progress.parts).await?;
        job.object_key = Some(key);
        job.status = ExportStatus::Ready;
    }
    finish_step(deps, job, step).await
}

/// Writes the job at its next step; a finished export's parts go (its zip stays).
async fn finish_step(deps: &Deps, mut job: ExportJob, step: u64) -> Result<Stepped, OpError> {
    if job.status != ExportStatus::Pending {
        // Kept this long from when it finished.
        job.expires_at = deps
            .clock
            .now()
            .plus_days(glchat_domain::exports::KEPT_DAYS)
            .unix_seconds();
    }
    if jobs::next_step(deps, &mut job, step).await? == Stepped::Stale {
        return Ok(Stepped::Stale);
    }
    if job.status != ExportStatus::Pending {
        // What remains is the zip; the rest would go by the bucket's rule anyway.
        let files = Files::of(deps.blobs()?, &job.export_id);
        deps.blobs()?.delete_prefix(&files.parts_prefix()).await?;
        deps.blobs()?.delete(&files.manifest()).await?;
    }
    Ok(Stepped::Done)
}

/// The ids of every live conversation of the user's, newest first.
pub(crate) async fn every_conversation(deps: &Deps, user: &UserId) -> Result<Vec<ConversationId>, OpError> {
    let (lists, _) = deps.store.chatbot_lists(user).await?;
    let mut ids = Vec::new();
    let mut after: Option<ListPosition> = None;
    loop {
        let page = deps.store.conversation_page(&lists, after.as_ref(), 1_000).await?;
        after = page.items.last().map(ListPosition::of);
        ids.extend(page.items.into_iter().map(|c| c.id));
        if !page.has_more {
            return Ok(ids);
        }
    }
}

/// Writes the next conversations of the list into parts, up to the step's bounds.
async fn collect(deps: &Deps, blobs: &Blobs, files: &Files, job: &mut ExportJob) -> Result<(), OpError> {
    let limits = deps.config.exports()?;
    let started = Instant::now();
    let manifest = blobs.get_bytes(&files.manifest()).await?;
    let ids: Vec<ConversationId> = serde_json::from_slice(&manifest).context("reading the export's list")?;
    let mut part = Part::default();
    let mut done = 0u32;
    while (job.progress.next as usize) < ids.len()
        && done < limits.step_conversations
        && started.elapsed() < limits.step_time
    {
        let id = &ids[job.progress.next as usize];
        if let Some(view) = deps
            .store
            .owned_view(id, &job.user_id, MessageWindow::ALL)
            .await?
            .map(|owned| owned.into_inner())
        {
            let link = match deps.store.share_link(id).await? {
                Some(StoredLink::Published(link)) if link.expired_time.is_none_or(|t| t > deps.clock.now()) => {
                    Some(link)
                }
                _ => None,
            };
            job.progress.conversations += 1;
            job.progress.messages += view.messages.len() as u64;
            let exported = ExportedConversation::of(view.conversation, view.messages, &view.attachments, link.as_ref());
            let bytes = serde_json::to_vec(&exported).context("writing a conversation")?;
            if part.would_overflow(bytes.len()) {
                blobs.put_json(&files.part(job.progress.parts), part.close()).await?;
                job.progress.parts += 1;
            }
            part.push(&bytes);
        }
        job.progress.next += 1;
        done += 1;
    }
    if !part.is_empty() {
        blobs.put_json(&files.part(job.progress.parts), part.close()).await?;
        job.progress.parts += 1;
    }
    Ok(())
}

/// A part being written: a JSON array of conversations.
#[derive(Default)]
struct Part {
    bytes: Vec<u8>,
}

impl Part {
    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn would_overflow(&self, more: usize) -> bool {
        !self.is_empty() && self.bytes.len() + more > PART_BYTES
    }

    fn push(&mut self, conversation: &[u8]) {
        self.bytes.push(if self.is_empty() { b'[' } else { b',' });
        self.bytes.extend_from_slice(conversation);
    }

    fn close(&mut self) -> Vec<u8> {
        let mut bytes = std::mem::take(&mut self.bytes);
        bytes.push(b']');
        bytes
    }
}

/// Where an export's objects are.
struct Files {
    prefix: String,
}

impl Files {
    fn of(blobs: &Blobs, id: &ExportId) -> Self {
        Self {
            prefix: blobs.export_prefix(id),
        }
    }

    fn manifest(&self) -> String {
        format!("{}manifest.json", self.prefix)
    }

    fn parts_prefix(&self) -> String {
        format!("{}parts/", self.prefix)
    }

    fn part(&self, n: u64) -> String {
        jobs::part_key(&self.prefix, n)
    }

    fn zip(&self) -> String {
        format!("{}glchat-export.zip", self.prefix)
    }
}

/// The bytes the zip writer has written and the upload has not taken yet.
#[derive(Clone, Default)]
struct Pending(Arc<Mutex<Vec<u8>>>);

impl Write for Pending {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("the zip buffer was poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Pending {
    /// Everything written so far, when at least `at_least` bytes are.
    fn take(&self, at_least: usize) -> anyhow::Result<Option<Vec<u8>>> {
        let mut bytes = self
            .0
            .lock()
            .map_err(|_| anyhow::anyhow!("the zip buffer was poisoned"))?;
        Ok((bytes.len() >= at_least).then(|| std::mem::take(&mut *bytes)))
    }
}

/// Sends what the zip writer has written up as a part, once there is enough of it.
async fn drain(pending: &Pending, upload: &mut Upload) -> Result<(), OpError> {
    if let Some(bytes) = pending.take(UPLOAD_PART_BYTES)? {
        upload.part(bytes).await?;
    }
    Ok(())
}

/// Writes the zip from the parts and the attachments' files; returns how many files it
/// holds (an attachment whose upload never came has none).
async fn write_zip(blobs: &Blobs, files: &Files, key: &str, header: &ExportHeader, parts: u64) -> Result<u64, OpError> {
    use zip::CompressionMethod;
    use zip::write::{SimpleFileOptions, ZipWriter};

    let pending = Pending::default();
    let mut zip = ZipWriter::new_stream(pending.clone());
    let mut upload = blobs.start_upload(key, "application/zip").await?;
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(CONVERSATIONS_FILE, deflated)
        .context("starting conversations.json")?;
    let mut opening = serde_json::to_vec(header).context("writing the export's header")?;
    opening.pop(); // its closing brace: the conversations follow
    opening.extend_from_slice(b",\"conversations\":[");
    zip.write_all(&opening).context("writing conversations.json")?;
    let mut files_of_attachments: Vec<(String, String)> = Vec::new();
    let mut first = true;
    for n in 0..parts {
        let bytes = blobs.get_bytes(&files.part(n)).await?;
        let conversations: Vec<ExportedConversation> =
            serde_json::from_slice(&bytes).context("reading a part of the export")?;
        for c in &conversations {
            for a in &c.attachments {
                files_of_attachments.push((blobs.attachment_key(&c.id, &a.id), a.path.clone()));
            }
        }
        let inner = &bytes[1..bytes.len().saturating_sub(1)];
        if !inner.is_empty() {
            if !first {
                zip.write_all(b",").context("writing conversations.json")?;
            }
            zip.write_all(inner).context("writing conversations.json")?;
            first = false;
        }
        drain(&pending, &mut upload).await?;
    }
    zip.write_all(b"]}").context("writing conversations.json")?;
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true);
    let mut written = 0u64;
    for (object, path) in files_of_attachments {
        let Some(bytes) = blobs.get_if_exists(&object).await? else {
            continue;
        };
        zip.start_file(path.as_str(), stored)
            .context("starting an attachment's file")?;
        zip.write_all(&bytes).context("writing an attachment's file")?;
        written += 1;
        drain(&pending, &mut upload).await?;
    }
    zip.finish().context("finishing the zip")?;
    let rest = pending.take(0)?.unwrap_or_default();
    upload.finish(rest).await?;
    Ok(written)
}

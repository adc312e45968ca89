//! Imports (`docs/import.md`). The API accepts one and hands out a presigned PUT; the
//! upload's S3 event marks it running ([`uploaded`]), and the background function
//! (`run_jobs`, from the job's stream record) reads it step by step:
//!
//! 1. the file (a ChatGPT data export: its zip, `conversations.json` or the split
//!    `conversations-NNN.json` files; or this service's own export zip) read into parts
//!    of conversations in this service's export format, their ids derived from the
//!    user and the source's ids (so the same file imported again names the same
//!    conversations), the own export's files written where their attachments keep them;
//! 2. each part's conversations written as a clone is (parked out of the lists, its items
//!    written, then moved in and counted), one part a step: a conversation already there
//!    from another import, or not imported, is skipped;
//! 3. done: the upload and the parts go.
//!
//! A file that is no export at all fails the import with its reason and writes nothing;
//! a conversation that cannot be read is listed in `failures` and the rest imported.

use anyhow::Context;
use glchat_domain::caller::Caller;
use glchat_domain::exports::ExportedConversation;
use glchat_domain::ids::{ImportId, ShareId, UserId};
use glchat_domain::imports::{ImportFailure, ImportStatus};
use glchat_domain::models::{AttachmentRecord, CloneSource, ConversationRecord, Message};
use glchat_domain::responses::{ImportAcceptedResponse, ImportResponse};
use glchat_store::CloneStart;
use glchat_store::imports::ImportJob;

mod read;

use read::Importing;

use crate::jobs::{self, Stepped};
use crate::{Deps, Limited, OpError, within_rate};

/// What `POST /conversations/imports` declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartImport {
    pub file_name: String,
    pub size: u64,
}

/// Accepts an import and hands out where to upload its file.
pub async fn start(deps: &Deps, caller: &Caller, input: StartImport) -> Result<ImportAcceptedResponse, OpError> {
    within_rate(deps, caller, Limited::Exports).await?;
    let now = deps.clock.now();
    let id = ImportId::generate(now);
    let blobs = deps.blobs()?;
    let key = format!("{}upload", blobs.import_prefix(&caller.user_id, &id));
    let upload = blobs.presign_put(&key, "application/octet-stream", input.size).await?;
    let job = ImportJob::new(&caller.user_id, id, input.file_name, input.size, key, now);
    deps.store.create_job(&job).await?;
    Ok(ImportAcceptedResponse {
        import_id: job.import_id,
        status: job.status,
        upload_url: upload.url,
        upload_headers: upload.headers.into_iter().filter(|(k, _)| k != "host").collect(),
    })
}

/// Where the caller's import stands.
pub async fn status(deps: &Deps, caller: &Caller, id: &ImportId) -> Result<ImportResponse, OpError> {
    let now = deps.clock.now();
    let job = deps
        .store
        .live_job(&caller.user_id, id, now)
        .await?
        .ok_or(OpError::ImportNotFound)?;
    Ok(ImportResponse {
        import_id: job.import_id,
        status: job.status,
        conversations_imported: job.progress.imported,
        conversations_skipped: job.progress.skipped,
        messages_imported: job.progress.messages,
        failures: job.progress.failures,
    })
}

/// The upload at `key` landed: its import runs (its job's write starts `run_jobs`).
/// Another key, an import not waiting for it, or a repeat of the event, does nothing.
pub async fn uploaded(deps: &Deps, key: &str) -> Result<bool, OpError> {
    let Some((user, id)) = deps.blobs()?.import_of(key) else {
        return Ok(false);
    };
    let Some(mut job) = deps.store.job(&user, &id).await? else {
        return Ok(false);
    };
    if job.status != ImportStatus::AwaitingUpload || job.object_key != key {
        return Ok(false);
    }
    let step = job.step;
    job.status = ImportStatus::Running;
    Ok(jobs::next_step(deps, &mut job, step).await? == Stepped::Done)
}

/// Does step `step` of `user`'s import `id`.
pub async fn run_step(deps: &Deps, user: &UserId, id: &ImportId, step: u64) -> Result<Stepped, OpError> {
    let Some(mut job) = jobs::at_step(deps, user, id, step).await? else {
        return Ok(Stepped::Stale);
    };
    let limits = deps.config.exports()?;
    let blobs = deps.blobs()?;
    let prefix = blobs.import_prefix(user, id);
    if jobs::kept_failing(deps, user, id, step, job.expires_at).await? {
        fail(
            &mut job,
            "the import could not be read; upload it again in a new import",
        );
    } else if !job.progress.parsed {
        match read::file(blobs, &job, limits.import_max_bytes, limits.step_conversations).await? {
            Err(reason) => fail(&mut job, &reason),
            Ok(read) => {
                for (n, part) in read.parts.into_iter().enumerate() {
                    blobs.put_json(&jobs::part_key(&prefix, n as u64), part).await?;
                    job.progress.parts += 1;
                }
                job.progress.skipped += read.unread;
                job.progress.failures = read.failures;
                job.progress.parsed = true;
            }
        }
    } else if job.progress.next_part < job.progress.parts {
        let bytes = blobs
            .get_bytes(&jobs::part_key(&prefix, job.progress.next_part))
            .await?;
        let part: Vec<Importing> = serde_json::from_slice(&bytes).context("reading a part of the import")?;
        for importing in part {
            match write(deps, user, id, &importing.conversation).await? {
                Some(messages) => {
                    job.progress.imported += 1;
                    job.progress.messages += messages;
                }
                None => job.progress.skipped += 1,
            }
        }
        job.progress.next_part += 1;
    } else {
        job.status = ImportStatus::Done;
    }
    if jobs::next_step(deps, &mut job, step).await? == Stepped::Stale {
        return Ok(Stepped::Stale);
    }
    if job.status != ImportStatus::Running {
        blobs.delete_prefix(&prefix).await?;
    }
    Ok(Stepped::Done)
}

fn fail(job: &mut ImportJob, reason: &str) {
    job.status = ImportStatus::Failed;
    job.progress.failures = vec![ImportFailure {
        source_id: job.file_name.clone(),
        reason: reason.to_owned(),
    }];
}

/// Writes one conversation as a clone is written; `Some(messages)` when this import
/// wrote it, `None` when it was there already (another import, or the user's own).
async fn write(
    deps: &Deps,
    user: &UserId,
    import: &ImportId,
    conversation: &ExportedConversation,
) -> Result<Option<u64>, OpError> {
    let source = CloneSource {
        share_id: ShareId::parse("import").map_err(|e| anyhow::anyhow!("{e:?}"))?,
        snapshot_id: import.to_string(),
    };
    let record = ConversationRecord {
        id: conversation.id.clone(),
        user_id: user.clone(),
        chatbot_id: conversation.chatbot_id.clone(),
        title: conversation.title.clone(),
        model_name: conversation.model_name.clone(),
        created_time: conversation.created_time,
        updated_time: conversation.updated_time,
        is_active: conversation.is_active,
        is_anonymized: conversation.is_anonymized,
        deanonymized_mapping: conversation.deanonymized_mapping.clone(),
        metadata_: conversation.metadata.clone(),
    };
    let messages: Vec<Message> = conversation
        .messages
        .iter()
        .map(|m| Message {
            id: m.id.clone(),
            conversation_id: conversation.id.clone(),
            role: m.role,
            content: m.content.clone(),
            deanonymized_content: m.deanonymized_content.clone(),
            created_time: m.created_time,
            is_active: m.is_active,
            parent_id: m.parent_id.clone(),
            source: m.source.clone(),
            feedback: m.feedback.clone(),
            metadata_: m.metadata.clone(),
        })
        .collect();
    let blobs = deps.blobs()?;
    let attachments: Vec<AttachmentRecord> = conversation
        .attachments
        .iter()
        .map(|a| AttachmentRecord {
            id: a.id.clone(),
            conversation_id: conversation.id.clone(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            message_id: a.message_id.clone(),
            created_time: a.created_time,
            object_key: blobs.attachment_key(&conversation.id, &a.id),
        })
        .collect();
    match deps.store.start_clone(&record, &source, &attachments).await? {
        CloneStart::Started => {}
        // This import's, unfinished or finished: write (again) and finish.
        CloneStart::Found(found) if found.source.as_ref() == Some(&source) => {
            if found.progress.is_none() {
                return Ok(Some(messages.len() as u64));
            }
        }
        CloneStart::Found(_) | CloneStart::Taken | CloneStart::Gone => return Ok(None),
    }
    deps.store.put_collection_items(&messages, &attachments).await?;
    let head = messages
        .iter()
        .filter(|m| m.is_active)
        .map(|m| &m.id)
        .max()
        .or_else(|| messages.iter().map(|m| &m.id).max());
    deps.store.finish_clone(&record, head).await?;
    Ok(Some(messages.len() as u64))
}

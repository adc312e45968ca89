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

use std::io::Read;

use anyhow::Context;
use glchat_clients::blobs::Blobs;
use glchat_domain::caller::Caller;
use glchat_domain::chatgpt::{self, SourceConversation};
use glchat_domain::clock::Timestamp;
use glchat_domain::exports::{CONVERSATIONS_FILE, ExportedConversation, FORMAT};
use glchat_domain::ids::{ChatbotId, ConversationId, ImportId, MessageId, ShareId, UserId};
use glchat_domain::imports::{CHATGPT_CHATBOT, ImportFailure, ImportStatus, MAX_FAILURES_LISTED};
use glchat_domain::models::{AttachmentRecord, CloneSource, ConversationRecord, Message};
use glchat_domain::responses::{ImportAcceptedResponse, ImportResponse};
use glchat_store::CloneStart;
use glchat_store::imports::ImportJob;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::exports::Stepped;
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
        .job(&caller.user_id, id)
        .await?
        .filter(|job| job.expires_at > now.unix_seconds())
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
    job.step += 1;
    job.updated_time = deps.clock.now();
    Ok(deps.store.save_job_step(&job, step).await?)
}

/// One conversation ready to write: in the export format, ids derived, with its source.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Importing {
    source_id: String,
    conversation: ExportedConversation,
}

/// Does step `step` of `user`'s import `id`.
pub async fn run_step(deps: &Deps, user: &UserId, id: &ImportId, step: u64) -> Result<Stepped, OpError> {
    let Some(mut job) = deps.store.job(user, id).await? else {
        return Ok(Stepped::Stale);
    };
    if job.step != step || job.status != ImportStatus::Running {
        return Ok(Stepped::Stale);
    }
    let limits = deps.config.exports()?;
    let attempts = deps.store.count_job_attempt(user, id, step, job.expires_at).await?;
    let blobs = deps.blobs()?;
    let prefix = blobs.import_prefix(user, id);
    if attempts > u64::from(limits.step_attempts) {
        tracing::error!(step, attempts, "an import step kept failing; the import is given up");
        fail(
            &mut job,
            "the import could not be read; upload it again in a new import",
        );
    } else if !job.progress.parsed {
        match read_file(blobs, &job, limits.import_max_bytes).await? {
            Err(reason) => fail(&mut job, &reason),
            Ok((conversations, failures)) => {
                for (n, part) in conversations
                    .chunks(limits.step_conversations.max(1) as usize)
                    .enumerate()
                {
                    let bytes = serde_json::to_vec(part).context("writing a part of the import")?;
                    blobs.put_json(&format!("{prefix}parts/{n:05}.json"), bytes).await?;
                    job.progress.parts += 1;
                }
                job.progress.skipped += failures.len() as u64;
                job.progress.failures = failures.into_iter().take(MAX_FAILURES_LISTED).collect();
                job.progress.parsed = true;
            }
        }
    } else if job.progress.next_part < job.progress.parts {
        let bytes = blobs
            .get_bytes(&format!("{prefix}parts/{:05}.json", job.progress.next_part))
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
    job.step = step + 1;
    job.updated_time = deps.clock.now();
    if !deps.store.save_job_step(&job, step).await? {
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

/// The file's conversations ready to write and the ones that could not be read, or why
/// the file is no export at all.
async fn read_file(
    blobs: &Blobs,
    job: &ImportJob,
    max_bytes: u64,
) -> Result<Result<(Vec<Importing>, Vec<ImportFailure>), String>, OpError> {
    let Some(bytes) = blobs.get_if_exists(&job.object_key).await? else {
        return Ok(Err("the upload is gone".to_owned()));
    };
    if bytes.len() as u64 > max_bytes {
        return Ok(Err(format!("the file is over {max_bytes} bytes")));
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let zipped = bytes.starts_with(b"PK\x03\x04");
    if zipped {
        let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
            return Ok(Err("not a readable zip".to_owned()));
        };
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).context("reading the zip")?;
            let Ok(name) = entry.name().map(|n| n.into_owned()) else {
                continue;
            };
            if entry.is_dir() {
                continue;
            }
            let mut content = Vec::new();
            if entry.read_to_end(&mut content).is_err() {
                return Ok(Err(format!("{name} could not be read from the zip")));
            }
            files.push((name, content));
        }
    } else {
        files.push((job.file_name.clone(), bytes));
    }
    let named = |file: &str| files.iter().find(|(name, _)| name.rsplit('/').next() == Some(file));
    // This service's own export: conversations.json in its format, files beside it.
    if let Some((_, text)) = named(CONVERSATIONS_FILE) {
        let Ok(document) = serde_json::from_slice::<serde_json::Value>(text) else {
            return Ok(Err("conversations.json is not JSON".to_owned()));
        };
        if document["format"] == FORMAT {
            return own_export(blobs, document, &files).await.map(Ok);
        }
        return Ok(chatgpt_files(&job.user_id, &[text.as_slice()]));
    }
    // ChatGPT's split files, or a lone JSON file.
    let split: Vec<&[u8]> = files
        .iter()
        .filter(|(name, _)| {
            let base = name.rsplit('/').next().unwrap_or_default();
            base.starts_with("conversations-") && base.ends_with(".json")
        })
        .map(|(_, bytes)| bytes.as_slice())
        .collect();
    if !split.is_empty() {
        return Ok(chatgpt_files(&job.user_id, &split));
    }
    match files.as_slice() {
        _ if zipped => Ok(Err("the zip holds no conversations.json".to_owned())),
        [(_, text)] if serde_json::from_slice::<serde_json::Value>(text).is_ok() => {
            Ok(chatgpt_files(&job.user_id, &[text.as_slice()]))
        }
        _ => Ok(Err("not a JSON file or a zip".to_owned())),
    }
}

/// A ChatGPT export's files: each a JSON array of conversations.
fn chatgpt_files(user: &UserId, texts: &[&[u8]]) -> Result<(Vec<Importing>, Vec<ImportFailure>), String> {
    let chatbot = ChatbotId::parse(CHATGPT_CHATBOT).map_err(|e| format!("the ChatGPT chatbot: {e:?}"))?;
    let mut conversations = Vec::new();
    let mut failures = Vec::new();
    for text in texts {
        let value: serde_json::Value = serde_json::from_slice(text).map_err(|_| "not JSON".to_owned())?;
        let list = value
            .as_array()
            .ok_or("not a ChatGPT export: no list of conversations")?;
        for item in list {
            match chatgpt::conversation(item) {
                Ok(read) => conversations.push(from_chatgpt(user, &chatbot, read)),
                Err(reason) => failures.push(ImportFailure {
                    source_id: item["conversation_id"]
                        .as_str()
                        .or_else(|| item["id"].as_str())
                        .unwrap_or("")
                        .to_owned(),
                    reason,
                }),
            }
        }
    }
    Ok((conversations, failures))
}

/// 128 bits of the user and a source's id: what an id derived from them ends in, so
/// the same source imported again by the same user names the same thing.
fn derived(user: &UserId, parts: &[&str]) -> u128 {
    let mut hash = Sha256::new();
    hash.update(user.as_str().as_bytes());
    for part in parts {
        hash.update([0]);
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    u128::from_be_bytes(digest[..16].try_into().unwrap_or([0; 16]))
}

fn from_chatgpt(user: &UserId, chatbot: &ChatbotId, read: SourceConversation) -> Importing {
    let id = ConversationId::from_ulid(ulid::Ulid::from_parts(
        read.created_time.unix_ms(),
        derived(user, &["chatgpt", &read.source_id]),
    ));
    let message_id = |source: &str, at: Timestamp| {
        MessageId::from_ulid(ulid::Ulid::from_parts(
            at.unix_ms(),
            derived(user, &["chatgpt", &read.source_id, source]),
        ))
    };
    let times: std::collections::HashMap<&str, Timestamp> = read
        .messages
        .iter()
        .map(|m| (m.source_id.as_str(), m.created_time))
        .collect();
    let messages = read
        .messages
        .iter()
        .map(|m| glchat_domain::exports::ExportedMessage {
            id: message_id(&m.source_id, m.created_time),
            parent_id: Some(match &m.parent {
                Some(parent) => message_id(parent, times[parent.as_str()]).to_string(),
                None => id.to_string(),
            }),
            role: m.role,
            content: m.content.clone(),
            deanonymized_content: None,
            created_time: m.created_time,
            is_active: m.is_active,
            source: None,
            feedback: None,
            metadata: m.metadata.clone(),
        })
        .collect();
    let metadata = serde_json::json!({ "imported_from": "chatgpt", "source_id": read.source_id });
    Importing {
        source_id: read.source_id.clone(),
        conversation: ExportedConversation {
            id,
            chatbot_id: chatbot.clone(),
            title: read.title,
            model_name: format!("chatgpt/{}", read.model),
            created_time: read.created_time,
            updated_time: read.updated_time,
            is_active: true,
            is_anonymized: false,
            deanonymized_mapping: Default::default(),
            metadata: metadata.as_object().cloned(),
            messages,
            attachments: Vec::new(),
            share_link: None,
        },
    }
}

/// This service's export: its conversations as they are (their ids too, so a round trip
/// gives them back exactly), their files written where their attachments keep them.
async fn own_export(
    blobs: &Blobs,
    document: serde_json::Value,
    files: &[(String, Vec<u8>)],
) -> Result<(Vec<Importing>, Vec<ImportFailure>), OpError> {
    let mut conversations = Vec::new();
    let mut failures = Vec::new();
    for value in document["conversations"].as_array().into_iter().flatten() {
        match serde_json::from_value::<ExportedConversation>(value.clone()) {
            Ok(conversation) => {
                for attachment in &conversation.attachments {
                    if let Some((_, bytes)) = files.iter().find(|(name, _)| *name == attachment.path) {
                        let key = blobs.attachment_key(&conversation.id, &attachment.id);
                        blobs.put(&key, bytes.clone(), &attachment.content_type).await?;
                    }
                }
                conversations.push(Importing {
                    source_id: conversation.id.to_string(),
                    conversation,
                });
            }
            Err(err) => failures.push(ImportFailure {
                source_id: value["id"].as_str().unwrap_or("").to_owned(),
                reason: format!("not a conversation of the export format: {err}"),
            }),
        }
    }
    Ok((conversations, failures))
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

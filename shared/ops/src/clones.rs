//! Cloning a share link's snapshot into a conversation of the caller's.
//!
//! A clone is written in chunks under a conversation item parked outside the lists
//! (`store::clone`), its progress recorded after each chunk, and moved into the lists
//! and counted only once every item is written. A clone too large for one request
//! answers "in progress" when its time budget is spent; the same request with the
//! clone's id continues it. Item ids derive from the clone's id and position, so a
//! chunk written twice (after a crash between the chunk and its progress) rewrites the
//! same items.

use std::collections::HashMap;
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::public_view::PublicIds;
use super::shares::active_snapshot;
use super::snapshots;
use super::{Limited, OpError, act_for, within_rate};
use crate::Deps;
use glchat_clients::blobs::Blobs;
use glchat_domain::caller::Caller;
use glchat_domain::clock::Timestamp;
use glchat_domain::ids::{AttachmentId, ConversationId, MessageId, ShareId, UserId};
use glchat_domain::models::{AttachmentRecord, CloneSource, ConversationRecord, Message, SnapshotContent};
use glchat_domain::pages::MessageWindow;
use glchat_domain::responses::{CloneInProgressResponse, CloneSharedConversationResponse};
use glchat_store::{CloneStart, DeleteScope};

/// Items (attachments first, then messages) written between two progress records:
/// 20 batch writes, so recording progress adds about 5% to a clone's writes.
const CHUNK: usize = 500;

pub struct CloneSnapshot {
    pub share: ShareId,
    pub user_id: UserId,
    /// The clone's id; a new ULID when `None`.
    pub new_conversation_id: Option<ConversationId>,
    /// The id the snapshot's first messages name as their parent.
    pub old_parent_id: String,
}

/// How a clone request ended.
#[derive(Debug)]
pub enum Cloned {
    /// The clone is complete: the conversation and its newest page.
    Complete(Box<CloneSharedConversationResponse>),
    /// The time budget ran out first; the same request with `conversation_id` as
    /// `new_conversation_id` continues it.
    InProgress(CloneInProgressResponse),
}

/// Copies an active snapshot into a conversation of the user: new message ids with
/// parents remapped (messages whose parent was `old_parent_id` hang off the new
/// conversation), attachments copied. Calling it again with the same id continues an
/// unfinished clone or returns the finished one; if the link was refreshed before an
/// unfinished clone completed, it starts over from the new snapshot. An id that is
/// another conversation's answers `ConversationIdTaken`.
pub async fn clone_snapshot(deps: &Deps, caller: &Caller, input: CloneSnapshot) -> Result<Cloned, OpError> {
    act_for(caller, &input.user_id)?;
    within_rate(deps, caller, Limited::Clones).await?;
    let (share, owner) = (&input.share, &input.user_id);
    let deadline = Instant::now() + deps.config.clones()?.time_budget;
    let blobs = deps.blobs()?;
    let Some(snapshot) = active_snapshot(deps, share).await? else {
        abandon_unfinished(deps, owner, share, input.new_conversation_id.as_ref()).await?;
        return Err(OpError::ShareNotFound);
    };
    let content = snapshots::read_all(blobs, &snapshot.body).await?;
    let source = CloneSource {
        share_id: share.clone(),
        snapshot_id: snapshot.link.snapshot_id,
    };
    let now = deps.clock.now();
    let record = ConversationRecord {
        id: input
            .new_conversation_id
            .unwrap_or_else(|| ConversationId::generate(now)),
        user_id: owner.clone(),
        chatbot_id: snapshot.chatbot_id,
        title: content.conversation.title.clone(),
        model_name: content.conversation.model_name.clone(),
        created_time: now,
        updated_time: now,
        is_active: true,
        is_anonymized: content.conversation.is_anonymized,
        deanonymized_mapping: Default::default(),
        metadata_: None,
    };
    let (record, written) = match deps.store.start_clone(&record, &source, &content.attachments).await? {
        CloneStart::Started => (record, 0),
        // An item that vanished between the put and the read, or is being deleted.
        CloneStart::Taken | CloneStart::Gone => return Err(OpError::ConversationIdTaken),
        CloneStart::Found(found) => {
            let found = (*found).into_inner();
            let Some(found_source) = found.source.filter(|s| &s.share_id == share) else {
                return Err(OpError::ConversationIdTaken);
            };
            match found.progress {
                None => return complete_view(deps, &found.record.id, owner).await,
                Some(written) if found_source == source => (found.record, written),
                // The link was refreshed since: start over from the snapshot it shows now.
                Some(_) => {
                    blobs
                        .delete_prefix(&blobs.conversation_prefix(&found.record.id))
                        .await?;
                    deps.store.delete_collection(&found.record.id).await?;
                    if !deps.store.restart_clone(&record, &source, &content.attachments).await? {
                        return Err(OpError::ConversationIdTaken);
                    }
                    (record, 0)
                }
            }
        }
    };

    // The parent as the public read shows it (the snapshot's id for the conversation);
    // the owner's live id, which older clients send, names the same.
    let live = &content.conversation.id;
    let public = PublicIds::of(&source.snapshot_id, live).conversation(live);
    let old_parent_id = match input.old_parent_id == public.as_str() {
        true => content.conversation.id.as_str(),
        false => input.old_parent_id.as_str(),
    };
    let (messages, attachments) = clone_items(blobs, &record, &content, old_parent_id);
    let total = attachments.len() + messages.len();
    let mut written = usize::try_from(written).unwrap_or(usize::MAX).min(total);
    while written < total {
        let end = (written + CHUNK).min(total);
        let (chunk_attachments, chunk_messages) = chunk(&attachments, &messages, written..end);
        let copies = content.attachments[written.min(attachments.len())..end.min(attachments.len())]
            .iter()
            .zip(chunk_attachments)
            .map(|(original, copy)| (original.object_key.clone(), copy.object_key.clone()))
            .collect();
        blobs.copy_all(copies).await?;
        deps.store
            .put_collection_items(chunk_messages, chunk_attachments)
            .await?;
        written = end;
        if written == total {
            break;
        }
        if !deps
            .store
            .record_clone_progress(&record.id, owner, written as u64)
            .await?
        {
            return interrupted(deps, blobs, &record.id, owner).await;
        }
        if Instant::now() >= deadline {
            return Ok(Cloned::InProgress(CloneInProgressResponse {
                conversation_id: record.id,
                complete: false,
                items_written: written,
                items_total: total,
            }));
        }
    }
    let head = messages.last().map(|m| &m.id);
    if !deps.store.finish_clone(&record, head).await? {
        return interrupted(deps, blobs, &record.id, owner).await;
    }
    // The response carries the clone's newest page, as `GET /conversations/{id}` does.
    Ok(Cloned::Complete(Box::new(CloneSharedConversationResponse {
        messages: MessageWindow::newest_before(None, None).page_of(&messages),
        conversation: record.into(),
    })))
}

/// The link died (revoked, expired, its conversation deleted) while a clone of it
/// under `id` was unfinished: that clone can never complete, so it is deleted now
/// rather than left parked (it was never listed or counted).
async fn abandon_unfinished(
    deps: &Deps,
    owner: &UserId,
    share: &ShareId,
    id: Option<&ConversationId>,
) -> Result<(), OpError> {
    let Some(id) = id else {
        return Ok(());
    };
    let CloneStart::Found(found) = deps.store.existing_clone(id, owner).await? else {
        return Ok(());
    };
    let of_this_link = found.source.as_ref().is_some_and(|s| &s.share_id == share);
    if found.progress.is_some() && of_this_link {
        let scope = DeleteScope::owner(owner.clone());
        super::conversations::cascade(deps, id, &scope).await?;
    }
    Ok(())
}

/// The clone stopped being this request's unfinished clone while it wrote: finished
/// by a concurrent request with the same id (then that clone is the answer), or deleted
/// (a delete's cascade may have run before this request's last chunk landed: what it
/// wrote is removed here, so nothing is left under a conversation that is gone).
async fn interrupted(deps: &Deps, blobs: &Blobs, id: &ConversationId, owner: &UserId) -> Result<Cloned, OpError> {
    match deps.store.existing_clone(id, owner).await? {
        CloneStart::Found(found) if found.progress.is_none() => complete_view(deps, id, owner).await,
        // Started over by a concurrent request: that one carries on.
        CloneStart::Found(_) | CloneStart::Started => Err(OpError::Busy),
        // Someone else's conversation holds the id now: not ours to sweep.
        CloneStart::Taken => Err(OpError::ConversationNotFound),
        CloneStart::Gone => {
            blobs.delete_prefix(&blobs.conversation_prefix(id)).await?;
            deps.store.delete_collection(id).await?;
            Err(OpError::ConversationNotFound)
        }
    }
}

/// A finished clone as the owner reads it.
async fn complete_view(deps: &Deps, id: &ConversationId, owner: &UserId) -> Result<Cloned, OpError> {
    let view = deps
        .store
        .owned_view(id, owner, MessageWindow::newest_before(None, None))
        .await?
        .ok_or(OpError::ConversationIdTaken)?
        .into_inner();
    Ok(Cloned::Complete(Box::new(CloneSharedConversationResponse {
        conversation: view.conversation.into(),
        messages: view.messages,
    })))
}

/// The attachments and messages at `range` of the clone's items (attachments first,
/// so a message never lands before the copy it names).
fn chunk<'a>(
    attachments: &'a [AttachmentRecord],
    messages: &'a [Message],
    range: std::ops::Range<usize>,
) -> (&'a [AttachmentRecord], &'a [Message]) {
    let a = attachments.len();
    (
        &attachments[range.start.min(a)..range.end.min(a)],
        &messages[range.start.max(a) - a..range.end.max(a) - a],
    )
}

/// The clone's messages and attachments, with ids derived from the clone's id, each
/// item's time and position: the same clone always gets the same ids. Messages keep
/// the times they were written at (never decreasing, so ids keep their order), which
/// also keeps them apart for paging with `max_date`; attachments take the clone's.
fn clone_items(
    blobs: &Blobs,
    clone: &ConversationRecord,
    content: &SnapshotContent,
    old_parent_id: &str,
) -> (Vec<Message>, Vec<AttachmentRecord>) {
    let derived = |kind: u8, index: usize, ms: u64| {
        // Position in the top bits keeps the order; a hash of the clone keeps ids of
        // different clones made in the same millisecond apart.
        // SHA-256, not std's hasher, so ids stay the same across compiler releases.
        let digest = Sha256::new()
            .chain_update(clone.id.as_str())
            .chain_update([kind])
            .chain_update((index as u64).to_be_bytes())
            .finalize();
        let mut low = [0u8; 16];
        low[10..].copy_from_slice(&digest[..6]);
        let low = u128::from_be_bytes(low);
        ulid::Ulid::from_parts(ms, ((index as u128) << 48) | low)
    };
    let mut renamed: HashMap<&str, MessageId> = HashMap::new();
    let mut times = Vec::with_capacity(content.messages.len());
    let mut latest = 0;
    for (i, message) in content.messages.iter().enumerate() {
        latest = message.created_time.unix_ms().max(latest);
        times.push(Timestamp::from_unix_ms(latest).unwrap_or(clone.created_time));
        renamed.insert(message.id.as_str(), MessageId::from_ulid(derived(b'm', i, latest)));
    }
    let messages = content
        .messages
        .iter()
        .zip(times)
        .map(|(m, created_time)| {
            let parent = match m.parent_id.as_deref() {
                Some(p) if p == old_parent_id => clone.id.to_string(),
                Some(p) => renamed.get(p).map_or_else(|| clone.id.to_string(), |id| id.to_string()),
                None => clone.id.to_string(),
            };
            Message {
                id: renamed[m.id.as_str()].clone(),
                conversation_id: clone.id.clone(),
                parent_id: Some(parent),
                created_time,
                // What the public read withholds, the clone does not get either.
                deanonymized_content: None,
                feedback: None,
                source: None,
                metadata_: None,
                ..m.clone()
            }
        })
        .collect();
    let attachments = content
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let id = AttachmentId::from_ulid(derived(b'a', i, clone.created_time.unix_ms()));
            AttachmentRecord {
                object_key: blobs.attachment_key(&clone.id, &id),
                id,
                conversation_id: clone.id.clone(),
                message_id: a.message_id.as_ref().and_then(|m| renamed.get(m.as_str()).cloned()),
                created_time: clone.created_time,
                ..a.clone()
            }
        })
        .collect();
    (messages, attachments)
}

//! Share links: taking a snapshot (with its own copies of the attachments), reading
//! it publicly, grouping a user's links by age, and cloning a snapshot into a new
//! conversation.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use time::Date;

use crate::App;
use crate::clock::Timestamp;
use crate::ids::{AttachmentId, ConversationId, MessageId, ShareId, UserId, new_ulid};
use crate::models::{AttachmentRecord, CloneSource, ConversationRecord, Message, ShareLinkRecord, SnapshotContent};
use crate::store::{MessageWindow, SaveOutcome, SnapshotRecord, StoreError};

/// Snapshots larger than this go to S3; the item keeps a pointer (items cap at 400 KB).
pub const INLINE_SNAPSHOT_BYTES: usize = 300 * 1024;

/// The longest `expiry_days` accepted (ten years).
pub const MAX_EXPIRY_DAYS: i64 = 3650;

/// Creates the conversation's share link or refreshes it with a new snapshot of the
/// messages, attachments and title. `None` when the conversation is not the owner's.
pub async fn share_conversation(
    app: &App,
    owner: &UserId,
    id: &ConversationId,
    expiry_days: Option<u32>,
) -> Result<Option<ShareLinkRecord>, StoreError> {
    // Two tries: a concurrent first share may win the link with another share id,
    // and then this call refreshes that link instead.
    for _ in 0..2 {
        let everything = MessageWindow {
            limit: None,
            up_to: None,
        };
        let (view, existing) = tokio::try_join!(app.store.load_conversation(id, everything), app.store.share_link(id))?;
        let Some(view) = view.filter(|v| &v.conversation.user_id == owner) else {
            return Ok(None);
        };
        let now = app.clock.now();
        let share_id = existing.as_ref().map_or_else(ShareId::generate, |l| l.share_id.clone());
        let snapshot_id = new_ulid(now).to_string();
        let link = ShareLinkRecord {
            share_id: share_id.clone(),
            user_id: owner.clone(),
            conversation_id: id.clone(),
            conversation_title: view.conversation.title.clone().unwrap_or_default(),
            created_time: existing.as_ref().map_or(now, |l| l.created_time),
            last_updated_time: now,
            expired_time: expiry_days.map(|days| now.plus_days(days)),
            snapshot_id: snapshot_id.clone(),
        };

        let copies = app.blobs.snapshot_prefix(&share_id, &snapshot_id);
        let mut attachments = Vec::with_capacity(view.attachments.len());
        for mut attachment in view.attachments {
            let copy = format!("{copies}{}", attachment.id);
            // Attachments never uploaded have nothing to copy and are left out.
            if app.blobs.copy(&attachment.object_key, &copy).await? {
                attachment.object_key = copy;
                attachments.push(attachment);
            }
        }
        let content = SnapshotContent::public(view.conversation.clone(), view.messages, attachments);
        let chatbot_id = view.conversation.chatbot_id.clone();
        let json = serde_json::to_vec(&content).map_err(anyhow::Error::from)?;
        let snapshot = if json.len() > INLINE_SNAPSHOT_BYTES {
            let key = format!("{copies}snapshot.json");
            app.blobs.put_json(&key, json).await?;
            SnapshotRecord {
                link: link.clone(),
                chatbot_id,
                content: None,
                snapshot_key: Some(key),
            }
        } else {
            SnapshotRecord {
                link: link.clone(),
                chatbot_id,
                content: Some(content),
                snapshot_key: None,
            }
        };

        match app.store.save_share(&snapshot).await? {
            SaveOutcome::Saved => {
                app.blobs.delete_older_snapshots(&share_id, &snapshot_id).await?;
                return Ok(Some(link));
            }
            SaveOutcome::Superseded => {
                // A newer snapshot of the same link landed first: it stands, ours goes.
                app.blobs.delete_prefix(&copies).await?;
                return app.store.share_link(id).await;
            }
            SaveOutcome::ConversationGone => {
                app.blobs.delete_prefix(&copies).await?;
                return Ok(None);
            }
            SaveOutcome::LinkTaken => app
                .blobs
                .delete_prefix(&app.blobs.share_prefix(&share_id))
                .await
                .map(drop)?,
        }
    }
    Err(StoreError::Unavailable(anyhow::anyhow!(
        "the share link of {id} kept changing"
    )))
}

/// An active snapshot with its content, as the public read and clones see it.
pub async fn active_snapshot(
    app: &App,
    share: &ShareId,
) -> Result<Option<(ShareLinkRecord, crate::ids::ChatbotId, SnapshotContent)>, StoreError> {
    let Some(snapshot) = app.store.snapshot(share).await? else {
        return Ok(None);
    };
    // Expiry is decided here, at read time: DynamoDB's TTL only purges later.
    if !snapshot.link.is_active(app.clock.now()) {
        return Ok(None);
    }
    let content = match (snapshot.content, snapshot.snapshot_key) {
        (Some(content), _) => content,
        (None, Some(key)) => {
            let bytes = app.blobs.get_bytes(&key).await?;
            serde_json::from_slice(&bytes).map_err(anyhow::Error::from)?
        }
        (None, None) => return Err(anyhow::anyhow!("snapshot of {share} has no content").into()),
    };
    Ok(Some((snapshot.link, snapshot.chatbot_id, content)))
}

/// Revokes the owner's link: the copies first, then the items (a retry after a
/// failure finds the items and finishes). `false` when it is not the owner's.
pub async fn revoke(app: &App, owner: &UserId, share: &ShareId) -> Result<bool, StoreError> {
    let Some(snapshot) = app.store.snapshot(share).await? else {
        return Ok(false);
    };
    if &snapshot.link.user_id != owner {
        return Ok(false);
    }
    app.blobs.delete_prefix(&app.blobs.share_prefix(share)).await?;
    app.store.revoke_share(&snapshot.link).await?;
    Ok(true)
}

/// The groups of `GET /conversations/shared`, in order.
pub const AGE_GROUPS: [&str; 5] = ["today", "yesterday", "previous_7_days", "previous_30_days", "older"];

/// Which group a link refreshed at `at` falls in, by UTC calendar days before `now`.
pub fn age_group(now: Timestamp, at: Timestamp) -> &'static str {
    let days = (date_of(now) - date_of(at)).whole_days();
    match days {
        ..=0 => "today",
        1 => "yesterday",
        2..=7 => "previous_7_days",
        8..=30 => "previous_30_days",
        _ => "older",
    }
}

fn date_of(t: Timestamp) -> Date {
    t.offset().date()
}

/// The word of `title` where `needle` (folded) first occurs; the whole matching
/// stretch when the needle spans words.
pub fn first_matching_word(title: &str, needle: &str) -> Option<String> {
    let folded = crate::search::fold(title);
    if let Some(word) = title
        .split_whitespace()
        .find(|w| crate::search::fold(w).contains(needle))
    {
        return Some(word.to_owned());
    }
    folded.contains(needle).then(|| needle.to_owned())
}

/// How a clone comes out.
#[derive(Debug, Clone, PartialEq)]
pub enum CloneOutcome {
    Cloned {
        conversation: Box<ConversationRecord>,
        messages: Vec<Message>,
    },
    /// No active link with this id.
    ShareNotFound,
    /// `new_conversation_id` is a conversation that is not this user's clone of this link.
    IdTaken,
}

/// Copies an active snapshot into a conversation of `owner`: new message ids with
/// parents remapped (messages whose parent was `old_parent_id` hang off the new
/// conversation), attachments copied. Calling it again with the same id returns the
/// same clone; ids are derived from the clone so a repeat rewrites the same items.
pub async fn clone_snapshot(
    app: &App,
    share: &ShareId,
    owner: &UserId,
    new_id: Option<ConversationId>,
    old_parent_id: &str,
) -> Result<CloneOutcome, StoreError> {
    let Some((link, chatbot_id, content)) = active_snapshot(app, share).await? else {
        return Ok(CloneOutcome::ShareNotFound);
    };
    let source = CloneSource {
        share_id: share.clone(),
        snapshot_id: link.snapshot_id,
    };
    let now = app.clock.now();
    let id = new_id.unwrap_or_else(|| ConversationId::generate(now));
    let record = ConversationRecord {
        id: id.clone(),
        user_id: owner.clone(),
        chatbot_id,
        title: content.conversation.title.clone(),
        model_name: content.conversation.model_name.clone(),
        created_time: now,
        updated_time: now,
        is_active: true,
        is_anonymized: content.conversation.is_anonymized,
        deanonymized_mapping: Default::default(),
        metadata_: None,
    };
    let (messages, attachments) = clone_items(app, &record, &content, old_parent_id);
    let head = messages.last().map(|m| m.id.clone());
    if app.store.create_clone(&record, &source, head).await? {
        write_clone_items(app, &content, &messages, &attachments).await?;
        return Ok(CloneOutcome::Cloned {
            conversation: Box::new(record),
            messages,
        });
    }

    // The id exists: this user's clone of this link is returned as it is (finished
    // first if an earlier attempt stopped midway); anything else is refused untouched.
    let Some(existing) = app.store.conversation_head(&id).await? else {
        return Ok(CloneOutcome::IdTaken);
    };
    let same_clone =
        &existing.record.user_id == owner && existing.cloned_from.as_ref().is_some_and(|s| &s.share_id == share);
    if !same_clone {
        return Ok(CloneOutcome::IdTaken);
    }
    if existing.cloned_from.as_ref() == Some(&source) {
        let (messages, attachments) = clone_items(app, &existing.record, &content, old_parent_id);
        write_clone_items(app, &content, &messages, &attachments).await?;
    }
    let everything = MessageWindow {
        limit: None,
        up_to: None,
    };
    match app.store.load_conversation(&id, everything).await? {
        Some(view) => Ok(CloneOutcome::Cloned {
            conversation: Box::new(view.conversation),
            messages: view.messages,
        }),
        None => Ok(CloneOutcome::IdTaken),
    }
}

async fn write_clone_items(
    app: &App,
    content: &SnapshotContent,
    messages: &[Message],
    attachments: &[AttachmentRecord],
) -> Result<(), StoreError> {
    for (copy, original) in attachments.iter().zip(&content.attachments) {
        app.blobs.copy(&original.object_key, &copy.object_key).await?;
    }
    app.store.put_collection_items(messages, attachments).await
}

/// The clone's messages and attachments, with ids derived from the clone's id, its
/// creation time and each item's position: the same clone always gets the same ids.
fn clone_items(
    app: &App,
    clone: &ConversationRecord,
    content: &SnapshotContent,
    old_parent_id: &str,
) -> (Vec<Message>, Vec<AttachmentRecord>) {
    let ms = clone.created_time.unix_ms();
    let derived = |kind: u8, index: usize| {
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
    for (i, message) in content.messages.iter().enumerate() {
        renamed.insert(message.id.as_str(), MessageId::from_ulid(derived(b'm', i)));
    }
    let messages = content
        .messages
        .iter()
        .map(|m| {
            let parent = match m.parent_id.as_deref() {
                Some(p) if p == old_parent_id => clone.id.to_string(),
                Some(p) => renamed.get(p).map_or_else(|| clone.id.to_string(), |id| id.to_string()),
                None => clone.id.to_string(),
            };
            Message {
                id: renamed[m.id.as_str()].clone(),
                conversation_id: clone.id.clone(),
                parent_id: Some(parent),
                created_time: clone.created_time,
                deanonymized_content: None,
                feedback: None,
                ..m.clone()
            }
        })
        .collect();
    let attachments = content
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let id = AttachmentId::from_ulid(derived(b'a', i));
            AttachmentRecord {
                object_key: app.blobs.attachment_key(&clone.id, &id),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(iso: &str) -> Timestamp {
        Timestamp::from_offset(
            time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339).unwrap(),
        )
    }

    #[test]
    fn links_group_by_calendar_days() {
        let now = at("2026-11-26T08:00:00Z");
        assert_eq!(age_group(now, at("2026-11-26T00:00:01Z")), "today");
        assert_eq!(age_group(now, at("2026-11-25T23:59:59Z")), "yesterday");
        assert_eq!(age_group(now, at("2026-11-24T12:00:00Z")), "previous_7_days");
        assert_eq!(age_group(now, at("2026-11-19T12:00:00Z")), "previous_7_days");
        assert_eq!(age_group(now, at("2026-11-18T12:00:00Z")), "previous_30_days");
        assert_eq!(age_group(now, at("2026-10-27T12:00:00Z")), "previous_30_days");
        assert_eq!(age_group(now, at("2026-10-26T12:00:00Z")), "older");
    }

    #[test]
    fn first_matching_word_is_the_word_holding_the_match() {
        assert_eq!(
            first_matching_word("Trip to BALI island", "bal").as_deref(),
            Some("BALI")
        );
        assert_eq!(
            first_matching_word("Trip to Bali", "to bali").as_deref(),
            Some("to bali")
        );
        assert_eq!(first_matching_word("Trip", "x"), None);
    }
}

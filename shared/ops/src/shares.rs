//! Share links: taking a snapshot (with its own copies of the attachments), the
//! owner's view and list of links, the public read of a snapshot and revoking a link
//! (cloning a snapshot is `clones`).

use time::Date;

use super::attachments::with_download_urls;
use super::public_view::PublicIds;
use super::search::fold;
use super::snapshots;
use super::{Limited, OpError, within_rate};
use crate::Deps;
use glchat_domain::caller::Caller;
use glchat_domain::clock::Timestamp;
use glchat_domain::ids::{ConversationId, ShareId, new_ulid};
use glchat_domain::models::{AttachmentRecord, ShareLinkRecord, SnapshotContent};
use glchat_domain::pages::MessageWindow;
use glchat_domain::pages::in_payload_len;
use glchat_domain::responses::{
    ChatbotRef, DeleteSharedConversationResponse, GetSharedConversationResponse, SharedConversation,
    SharedConversationGroups, SharedConversationResponse,
};
use glchat_store::{ReserveOutcome, SaveOutcome, SnapshotRecord, StoredLink};

/// The longest `expiry_days` accepted (ten years).
pub const MAX_EXPIRY_DAYS: i64 = 3650;

pub struct Share {
    pub id: ConversationId,
    /// Days until the link expires; never when `None`.
    pub expiry_days: Option<u32>,
}

/// Creates the conversation's share link or refreshes it with a new snapshot of the
/// messages, attachments and title (same share id, new `last_updated_time`, expiry
/// counted from now). A link that has expired is not revived: sharing again mints a
/// new share id and the old one dies with its snapshot. A new share id is reserved on
/// the conversation before anything is copied under it, so a share cut off midway
/// leaves copies that its retry reuses and a delete removes.
pub async fn share(deps: &Deps, caller: &Caller, input: Share) -> Result<SharedConversationResponse, OpError> {
    let blobs = deps.blobs()?;
    within_rate(deps, caller, Limited::Shares).await?;
    let (owner, id) = (&caller.user_id, &input.id);
    // Two tries: a concurrent first share may win the link with another share id, and
    // then this call refreshes that link instead; or a revoke may kill the share id
    // meanwhile, and then this call mints a new one.
    let mut died: Option<ShareId> = None;
    for _ in 0..2 {
        let (view, existing) = tokio::try_join!(
            deps.store.owned_view(id, owner, MessageWindow::ALL),
            deps.store.share_link(id)
        )?;
        let view = view.ok_or(OpError::ConversationNotFound)?.into_inner();
        let now = deps.clock.now();
        let (share_id, created_time) = match existing {
            // A live link is refreshed under its id; a reserved one is taken up again.
            Some(StoredLink::Published(link)) if link.is_active(now) && died.as_ref() != Some(&link.share_id) => {
                (link.share_id, link.created_time)
            }
            Some(StoredLink::Pending(link)) => (link.share_id, link.created_time),
            // None, or one that expired or died: a new id, reserved before anything is
            // copied under it; the old id dies first, with its copies.
            stale => {
                let replacing = stale.map(|s| s.record().clone());
                if let Some(old) = &replacing {
                    deps.store.kill_share(old, now).await?;
                    blobs.delete_prefix(&blobs.share_prefix(&old.share_id)).await?;
                }
                let reserved = ShareLinkRecord {
                    share_id: ShareId::generate(),
                    user_id: owner.clone(),
                    conversation_id: id.clone(),
                    conversation_title: String::new(),
                    created_time: now,
                    last_updated_time: now,
                    expired_time: None,
                    snapshot_id: String::new(),
                };
                let replaced = replacing.as_ref().map(|l| &l.share_id);
                match deps.store.reserve_link(&reserved, replaced).await? {
                    ReserveOutcome::Reserved => (reserved.share_id, now),
                    ReserveOutcome::ConversationGone => return Err(OpError::ConversationNotFound),
                    ReserveOutcome::LinkTaken => continue,
                }
            }
        };
        let snapshot_id = new_ulid(now).to_string();
        let link = ShareLinkRecord {
            share_id: share_id.clone(),
            user_id: owner.clone(),
            conversation_id: id.clone(),
            conversation_title: view.conversation.title.clone().unwrap_or_default(),
            created_time,
            last_updated_time: now,
            expired_time: input.expiry_days.map(|days| now.plus_days(days)),
            snapshot_id: snapshot_id.clone(),
        };

        let copies = blobs.snapshot_prefix(&share_id, &snapshot_id);
        // Copies are named by the public ids: their download URLs show the key.
        let ids = PublicIds::of(&snapshot_id, id);
        let pairs: Vec<(String, String)> = view
            .attachments
            .iter()
            .map(|a| (a.object_key.clone(), format!("{copies}{}", ids.attachment(&a.id))))
            .collect();
        let copied = blobs.copy_all(pairs.clone()).await?;
        // Attachments never uploaded have nothing to copy and are left out.
        let attachments: Vec<AttachmentRecord> = view
            .attachments
            .into_iter()
            .zip(pairs.into_iter().zip(copied))
            .filter_map(|(attachment, ((_, copy), exists))| {
                exists.then_some(AttachmentRecord {
                    object_key: copy,
                    ..attachment
                })
            })
            .collect();
        let chatbot_id = view.conversation.chatbot_id.clone();
        let content = SnapshotContent::public(view.conversation, view.messages, attachments);
        let snapshot = SnapshotRecord {
            link: link.clone(),
            chatbot_id,
            body: snapshots::store(blobs, &copies, content).await?,
        };

        match deps.store.save_share(&snapshot).await? {
            SaveOutcome::Saved => {
                blobs.delete_older_snapshots(&share_id, &snapshot_id).await?;
                return Ok(SharedConversationResponse::from(&link));
            }
            SaveOutcome::Superseded => {
                // A newer snapshot of the same link landed first: it stands, ours goes.
                blobs.delete_prefix(&copies).await?;
                let link = deps.store.share_link(id).await?.ok_or(OpError::ConversationNotFound)?;
                return Ok(SharedConversationResponse::from(link.record()));
            }
            SaveOutcome::ConversationGone => {
                blobs.delete_prefix(&copies).await?;
                return Err(OpError::ConversationNotFound);
            }
            SaveOutcome::LinkTaken => {
                blobs.delete_prefix(&blobs.share_prefix(&share_id)).await?;
            }
            SaveOutcome::LinkDead => {
                blobs.delete_prefix(&blobs.share_prefix(&share_id)).await?;
                died = Some(share_id);
            }
        }
    }
    Err(OpError::Busy)
}

pub struct Details {
    pub id: ConversationId,
}

/// The active share link of the caller's conversation.
pub async fn details(deps: &Deps, caller: &Caller, input: Details) -> Result<SharedConversationResponse, OpError> {
    let now = deps.clock.now();
    let link = deps
        .store
        .owned_share_link(&input.id, &caller.user_id)
        .await?
        .filter(|link| link.is_active(now))
        .ok_or(OpError::ShareNotFound)?;
    Ok(SharedConversationResponse::from(&*link))
}

pub struct List {
    /// Keeps only links whose title contains it (case-insensitively).
    pub query: Option<glchat_domain::models::SearchText>,
}

/// The links one list answers at most, in bytes as they travel in a Lambda response:
/// about 10,000 links with short titles, 3,000 with the longest, well under 6 MB.
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

/// The caller's links grouped by the age of their last refresh (UTC days), newest
/// first in each group. The seed's response has no cursor, so a list stops at the
/// newest [`MAX_LIST_BYTES`] of (matching) links; older ones are still reached per
/// conversation with `GET /conversations/{id}/share`.
pub async fn list(deps: &Deps, caller: &Caller, input: List) -> Result<SharedConversationGroups, OpError> {
    let needle = input.query.map(|q| fold(&q.0)).filter(|q| !q.trim().is_empty());
    let now = deps.clock.now();
    let mut groups = SharedConversationGroups::default();
    let mut bytes = 0;
    for link in deps.store.shares_of(&caller.user_id).await? {
        let first_matching_word = match &needle {
            None => None,
            Some(needle) => match first_matching_word(&link.conversation_title, needle) {
                Some(word) => Some(word),
                None => continue,
            },
        };
        let group = match age_group(now, link.last_updated_time) {
            AgeGroup::Today => &mut groups.today,
            AgeGroup::Yesterday => &mut groups.yesterday,
            AgeGroup::Previous7Days => &mut groups.previous_7_days,
            AgeGroup::Previous30Days => &mut groups.previous_30_days,
            AgeGroup::Older => &mut groups.older,
        };
        let entry = SharedConversation {
            is_active: link.is_active(now),
            id: link.share_id,
            user_id: link.user_id,
            conversation_id: link.conversation_id,
            conversation_title: link.conversation_title,
            created_time: link.created_time,
            last_updated_time: link.last_updated_time,
            expired_time: link.expired_time,
            first_matching_word,
            mind_map: None,
        };
        // The entry as it travels: JSON inside the payload's JSON string, and a comma.
        bytes += serde_json::to_string(&entry).map_or(0, |json| in_payload_len(&json)) + 1;
        if bytes > MAX_LIST_BYTES {
            break;
        }
        group.push(entry);
    }
    Ok(groups)
}

pub struct PublicRead {
    pub share: ShareId,
    /// Which page of the snapshot's messages, as for `GET /conversations/{id}`.
    pub window: MessageWindow,
}

/// The public read: the snapshot taken when the link was created or last refreshed,
/// never the live conversation, with `content` only and attachments as presigned
/// downloads, one page of messages at a time. Expired, revoked or unknown: not found.
pub async fn public_read(deps: &Deps, input: PublicRead) -> Result<GetSharedConversationResponse, OpError> {
    let snapshot = active_snapshot(deps, &input.share)
        .await?
        .ok_or(OpError::ShareNotFound)?;
    let blobs = deps.blobs()?;
    let (head, messages) = snapshots::read_page(blobs, &snapshot.body, &input.window).await?;
    let link = snapshot.link;
    let live = &head.conversation.id;
    let ids = PublicIds::of(&link.snapshot_id, live);
    let attachments = head.attachments.into_iter().map(|a| ids.attachment_view(a)).collect();
    Ok(GetSharedConversationResponse {
        conversation: ids.conversation_view(&head.conversation),
        conversation_title: link.conversation_title,
        messages: messages.into_iter().map(|m| ids.message_view(live, m)).collect(),
        attachments: with_download_urls(blobs, attachments).await?,
        last_updated_time: link.last_updated_time,
        expired_time: link.expired_time,
        chatbot: ChatbotRef {
            id: snapshot.chatbot_id,
        },
    })
}

/// The snapshot of an active link, as the public read and clones see it.
pub(super) async fn active_snapshot(deps: &Deps, share: &ShareId) -> Result<Option<SnapshotRecord>, OpError> {
    let Some(snapshot) = deps.store.snapshot(share).await? else {
        return Ok(None);
    };
    // Expiry is decided here, at read time: DynamoDB's TTL only purges later.
    Ok(snapshot.link.is_active(deps.clock.now()).then_some(snapshot))
}

pub struct Revoke {
    pub share: ShareId,
}

/// Revokes the caller's link, active or expired (its snapshot perhaps purged by TTL):
/// the copies first, then the share id dies and the link leaves the list (a retry
/// after a failure finds the link and finishes).
pub async fn revoke(deps: &Deps, caller: &Caller, input: Revoke) -> Result<DeleteSharedConversationResponse, OpError> {
    let link = match deps.store.owned_snapshot(&input.share, &caller.user_id).await? {
        Some(snapshot) => snapshot.into_inner().link,
        None => deps
            .store
            .owned_link_by_share_id(&caller.user_id, &input.share)
            .await?
            .ok_or(OpError::ShareNotFound)?
            .into_inner(),
    };
    let blobs = deps.blobs()?;
    blobs.delete_prefix(&blobs.share_prefix(&input.share)).await?;
    deps.store.revoke_share(&link, deps.clock.now()).await?;
    Ok(DeleteSharedConversationResponse {
        shared_conversation_id: input.share,
        status: "deleted",
    })
}

/// The groups of `GET /conversations/shared`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeGroup {
    Today,
    Yesterday,
    Previous7Days,
    Previous30Days,
    Older,
}

/// Which group a link refreshed at `at` falls in, by UTC calendar days before `now`.
pub fn age_group(now: Timestamp, at: Timestamp) -> AgeGroup {
    let days = (date_of(now) - date_of(at)).whole_days();
    match days {
        ..=0 => AgeGroup::Today,
        1 => AgeGroup::Yesterday,
        2..=7 => AgeGroup::Previous7Days,
        8..=30 => AgeGroup::Previous30Days,
        _ => AgeGroup::Older,
    }
}

fn date_of(t: Timestamp) -> Date {
    t.offset().date()
}

/// The word of `title` where `needle` (folded) first occurs; the whole matching
/// stretch when the needle spans words.
pub fn first_matching_word(title: &str, needle: &str) -> Option<String> {
    if let Some(word) = title.split_whitespace().find(|w| fold(w).contains(needle)) {
        return Some(word.to_owned());
    }
    fold(title).contains(needle).then(|| needle.to_owned())
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
        assert_eq!(age_group(now, at("2026-11-26T00:00:01Z")), AgeGroup::Today);
        assert_eq!(age_group(now, at("2026-11-25T23:59:59Z")), AgeGroup::Yesterday);
        assert_eq!(age_group(now, at("2026-11-24T12:00:00Z")), AgeGroup::Previous7Days);
        assert_eq!(age_group(now, at("2026-11-19T12:00:00Z")), AgeGroup::Previous7Days);
        assert_eq!(age_group(now, at("2026-11-18T12:00:00Z")), AgeGroup::Previous30Days);
        assert_eq!(age_group(now, at("2026-10-27T12:00:00Z")), AgeGroup::Previous30Days);
        assert_eq!(age_group(now, at("2026-10-26T12:00:00Z")), AgeGroup::Older);
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

//! What one change of the table deleted, read from the item images its stream reports
//! (parsed as the store's own items, never picked attribute by attribute): the source
//! of the deletion events (`docs/events.md`, `glchat_domain::events`).

use anyhow::Context;

use super::items::{Attributes, CollectionItem};
use glchat_domain::clock::Timestamp;
pub use glchat_domain::events::Deleted;

/// How the stream says the item changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Insert,
    Modify,
    Remove,
}

impl Change {
    /// The stream's `eventName`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "INSERT" => Some(Self::Insert),
            "MODIFY" => Some(Self::Modify),
            "REMOVE" => Some(Self::Remove),
            _ => None,
        }
    }
}

/// One record of the table's stream: how the item changed, its images before and after
/// (as the stream view `NEW_AND_OLD_IMAGES` gives them) and when.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamChange {
    pub change: Change,
    pub old: Option<Attributes>,
    pub new: Option<Attributes>,
    /// The record's approximate creation time.
    pub at: Timestamp,
}

impl StreamChange {
    /// A record as the stream hands it over: its `eventName`, its images (an absent one
    /// empty) and its creation time in milliseconds since the epoch.
    pub fn from_record(
        event_name: &str,
        old: serde_dynamo::Item,
        new: serde_dynamo::Item,
        at_unix_ms: i64,
    ) -> anyhow::Result<Self> {
        let change = Change::parse(event_name).with_context(|| format!("an unknown change {event_name:?}"))?;
        let image = |item: serde_dynamo::Item| {
            let attributes = Attributes::from(item);
            (!attributes.is_empty()).then_some(attributes)
        };
        let at = u64::try_from(at_unix_ms)
            .ok()
            .and_then(Timestamp::from_unix_ms)
            .with_context(|| format!("a record time out of range: {at_unix_ms} ms"))?;
        Ok(Self {
            change,
            old: image(old),
            new: image(new),
            at,
        })
    }
}

/// What `change` of an item, whose images were `old` and `new`, deleted; `None` for
/// every other change (writes, and removals of items that are not deleted things of
/// their own: messages, links, counters, idempotency records, expired rate windows).
pub fn deleted(change: Change, old: Option<Attributes>, new: Option<Attributes>) -> anyhow::Result<Option<Deleted>> {
    match change {
        Change::Remove => {
            let Some(old) = old.filter(|item| is_one_of(item, &["conversation", "attachment"])) else {
                return Ok(None);
            };
            Ok(match CollectionItem::from_attributes(old)? {
                CollectionItem::Conversation(item) => Some(Deleted::Conversation {
                    record: item.record,
                    attachments: item.deleted_attachments.unwrap_or_default(),
                    attachments_truncated: item.deleted_attachments_truncated == Some(true),
                    deleted_time: item.deleted_time,
                }),
                CollectionItem::Attachment(item) => Some(Deleted::Attachment(item.attachment)),
                _ => None,
            })
        }
        Change::Insert | Change::Modify => {
            let already_dead = old.as_ref().is_some_and(|item| is_one_of(item, &["dead_share"]));
            let Some(new) = new.filter(|item| !already_dead && is_one_of(item, &["dead_share"])) else {
                return Ok(None);
            };
            Ok(match CollectionItem::from_attributes(new)? {
                CollectionItem::DeadShare(dead) => Some(Deleted::Share {
                    share_id: dead.share_id,
                    conversation_id: dead.conversation_id,
                    user_id: dead.user_id,
                    died_time: dead.died_time,
                }),
                _ => None,
            })
        }
    }
}

/// Whether the item's `entity` is one of `entities` (items without one, such as the
/// counters, are none of them).
fn is_one_of(item: &Attributes, entities: &[&str]) -> bool {
    item.get(crate::attrs::ENTITY.as_str())
        .and_then(|entity| entity.as_s().ok())
        .is_some_and(|entity| entities.contains(&entity.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::{AttachmentItem, ConversationItem, DeadShareItem, MessageItem};
    use glchat_domain::ids::AttachmentId;
    use glchat_domain::ids::{ShareId, UserId};
    use glchat_domain::models::{AttachmentRecord, ConversationRecord, DeletedAttachment};
    use glchat_domain::models::{CloneSource, ShareLinkRecord};

    fn at(ms: u64) -> Timestamp {
        Timestamp::from_unix_ms(ms).unwrap()
    }

    fn conversation() -> ConversationRecord {
        serde_json::from_value(serde_json::json!({
            "id": "01JDX6Q4V6N3W7P8R9S0T1U2V3", "user_id": "alice", "chatbot_id": "bot",
            "title": "t", "model_name": "m", "created_time": "2026-11-26T04:05:36.120Z",
            "updated_time": "2026-11-26T04:05:36.120Z", "is_active": true, "is_anonymized": false,
        }))
        .unwrap()
    }

    fn attachment() -> AttachmentRecord {
        AttachmentRecord {
            id: AttachmentId::parse("01JDX6R0A1B2C3D4E5F6G7H8J9").unwrap(),
            conversation_id: conversation().id,
            file_name: "a.txt".into(),
            content_type: "text/plain".into(),
            size: 3,
            message_id: None,
            created_time: at(1_000),
            object_key: "tenants/acme/conversations/c/attachments/a".into(),
        }
    }

    fn image(item: CollectionItem) -> Option<Attributes> {
        Some(item.to_attributes().unwrap())
    }

    #[test]
    fn a_removed_conversation_names_what_its_tombstone_recorded() {
        let mut tombstone = ConversationItem::new(conversation());
        tombstone.deleting = Some(true);
        tombstone.deleted_time = Some(at(5_000));
        let recorded = vec![DeletedAttachment {
            attachment_id: attachment().id,
            object_key: attachment().object_key,
        }];
        tombstone.deleted_attachments = Some(recorded.clone());
        let found = deleted(
            Change::Remove,
            image(CollectionItem::Conversation(tombstone.clone())),
            None,
        )
        .unwrap();
        assert_eq!(
            found,
            Some(Deleted::Conversation {
                record: conversation(),
                attachments: recorded.clone(),
                attachments_truncated: false,
                deleted_time: Some(at(5_000)),
            })
        );
        tombstone.deleted_attachments_truncated = Some(true);
        let found = deleted(Change::Remove, image(CollectionItem::Conversation(tombstone)), None).unwrap();
        assert!(
            matches!(
                found,
                Some(Deleted::Conversation {
                    attachments_truncated: true,
                    ..
                })
            ),
            "{found:?}"
        );
        // A parked clone removed without a tombstone's record still counts.
        let clone = ConversationItem::cloning(
            conversation(),
            CloneSource {
                share_id: ShareId::parse("s").unwrap(),
                snapshot_id: "x".into(),
            },
            &[],
        );
        assert!(matches!(
            deleted(Change::Remove, image(CollectionItem::Conversation(clone)), None).unwrap(),
            Some(Deleted::Conversation { attachments, deleted_time: None, .. }) if attachments.is_empty()
        ));
    }

    #[test]
    fn a_removed_attachment_is_one_and_a_removed_message_is_none() {
        let found = deleted(
            Change::Remove,
            image(CollectionItem::Attachment(AttachmentItem::new(attachment()))),
            None,
        )
        .unwrap();
        assert_eq!(found, Some(Deleted::Attachment(attachment())));
        let message: glchat_domain::models::Message = serde_json::from_value(serde_json::json!({
            "id": "01JDX6R0A1B2C3D4E5F6G7H8J9", "conversation_id": "01JDX6Q4V6N3W7P8R9S0T1U2V3",
            "role": "user", "content": "hi", "created_time": "2026-11-26T04:05:36.120Z",
            "is_active": true, "parent_id": null,
        }))
        .unwrap();
        let message = image(CollectionItem::Message(MessageItem::new(message)));
        assert_eq!(deleted(Change::Remove, message, None).unwrap(), None);
    }

    #[test]
    fn a_share_dies_once_when_its_marker_is_written() {
        let link = ShareLinkRecord {
            share_id: ShareId::parse("s1").unwrap(),
            conversation_id: conversation().id,
            user_id: UserId::parse("alice").unwrap(),
            conversation_title: "t".into(),
            created_time: at(1_000),
            last_updated_time: at(1_000),
            expired_time: None,
            snapshot_id: "x".into(),
        };
        let marker = image(CollectionItem::DeadShare(DeadShareItem::new(&link, at(9_000))));
        let expected = Some(Deleted::Share {
            share_id: link.share_id.clone(),
            conversation_id: link.conversation_id.clone(),
            user_id: link.user_id.clone(),
            died_time: at(9_000),
        });
        assert_eq!(deleted(Change::Insert, None, marker.clone()).unwrap(), expected);
        // Written again over itself (a repeated revoke): not a second death.
        assert_eq!(deleted(Change::Modify, marker.clone(), marker.clone()).unwrap(), None);
        // Its expiry by TTL is no revocation either.
        assert_eq!(deleted(Change::Remove, marker, None).unwrap(), None);
    }
}

//! The deletion events (`docs/events.md`): what the store read from the table's stream
//! (`store::stream::Deleted`), as the EventBridge entries published to the tenant's
//! bus. Every `event_id` is derived from what was deleted, so each delivery of one
//! deletion carries the same id.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::Timestamp;
use crate::ids::{ConversationId, ShareId, TenantId, UserId};
use crate::models::{AttachmentRecord, ConversationRecord, DeletedAttachment};

/// The `source` of every event.
pub const SOURCE: &str = "glchat.conversations";

/// The version of the details below.
const VERSION: u8 = 1;

/// The largest entry one PutEvents request carries (EventBridge counts the source,
/// detail-type, detail and 14 bytes of time, and requires less than 256 KB for the
/// whole request), with room to spare.
pub const MAX_ENTRY_BYTES: usize = 255 * 1024;

/// One event: its `detail-type`, `detail` and time (the deletion's).
/// Something the service deleted.
#[derive(Debug, Clone, PartialEq)]
pub enum Deleted {
    /// The conversation item was removed: the last step of its delete.
    Conversation {
        record: ConversationRecord,
        /// What the delete recorded on the tombstone before removing them.
        attachments: Vec<DeletedAttachment>,
        /// It had more attachments than one event can name: these are the first.
        attachments_truncated: bool,
        /// When the delete began (absent on tombstones written before it was recorded).
        deleted_time: Option<Timestamp>,
    },
    /// An attachment's item was removed, with its conversation.
    Attachment(AttachmentRecord),
    /// A share id died: its snapshot (or nothing) became the dead marker.
    Share {
        share_id: ShareId,
        conversation_id: ConversationId,
        user_id: UserId,
        died_time: Timestamp,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeletionEvent {
    pub detail_type: &'static str,
    /// The detail as sent, JSON: serialized once, when it was sized.
    pub detail: String,
    pub time: Timestamp,
}

impl DeletionEvent {
    /// Its size as EventBridge counts it against a request's limit.
    pub fn entry_size(&self) -> usize {
        entry_size(self.detail_type, &self.detail)
    }
}

fn entry_size(detail_type: &str, detail: &str) -> usize {
    14 + SOURCE.len() + detail_type.len() + detail.len()
}

#[derive(Serialize)]
struct ConversationDeleted<'a> {
    version: u8,
    event_id: String,
    tenant_id: &'a str,
    conversation_id: &'a str,
    user_id: &'a str,
    chatbot_id: &'a str,
    attachments: &'a [DeletedAttachment],
    /// The list was cut to fit one event (each attachment also has its own event).
    attachments_truncated: bool,
    deleted_at: Timestamp,
}

#[derive(Serialize)]
struct AttachmentDeleted<'a> {
    version: u8,
    event_id: String,
    tenant_id: &'a str,
    conversation_id: &'a str,
    attachment_id: &'a str,
    object_key: &'a str,
    message_id: Option<&'a str>,
    deleted_at: Timestamp,
}

#[derive(Serialize)]
struct ShareRevoked<'a> {
    version: u8,
    event_id: String,
    tenant_id: &'a str,
    share_id: &'a str,
    conversation_id: &'a str,
    user_id: &'a str,
    revoked_at: Timestamp,
}

/// The event of `deleted` in `tenant`'s stack; `changed` is the stream record's time,
/// for what records no time of its own.
pub fn event_of(tenant: &TenantId, deleted: &Deleted, changed: Timestamp) -> anyhow::Result<DeletionEvent> {
    let tenant_id = tenant.as_str();
    let (detail_type, detail, time) = match deleted {
        Deleted::Conversation {
            record,
            attachments,
            attachments_truncated,
            deleted_time,
        } => {
            let deleted_at = deleted_time.unwrap_or(changed);
            let detail = |kept: usize| {
                serde_json::to_string(&ConversationDeleted {
                    version: VERSION,
                    // The creation time tells apart two conversations a client gave one id.
                    event_id: event_id(&[
                        "ConversationDeleted",
                        tenant_id,
                        record.id.as_str(),
                        &record.created_time.to_wire(),
                    ]),
                    tenant_id,
                    conversation_id: record.id.as_str(),
                    user_id: record.user_id.as_str(),
                    chatbot_id: record.chatbot_id.as_str(),
                    attachments: &attachments[..kept],
                    attachments_truncated: *attachments_truncated || kept < attachments.len(),
                    deleted_at,
                })
            };
            ("ConversationDeleted", fit(attachments.len(), detail)?, deleted_at)
        }
        Deleted::Attachment(attachment) => (
            "AttachmentDeleted",
            serde_json::to_string(&AttachmentDeleted {
                version: VERSION,
                event_id: event_id(&[
                    "AttachmentDeleted",
                    tenant_id,
                    attachment.conversation_id.as_str(),
                    attachment.id.as_str(),
                    &attachment.created_time.to_wire(),
                ]),
                tenant_id,
                conversation_id: attachment.conversation_id.as_str(),
                attachment_id: attachment.id.as_str(),
                object_key: &attachment.object_key,
                message_id: attachment.message_id.as_ref().map(|m| m.as_str()),
                deleted_at: changed,
            })?,
            changed,
        ),
        Deleted::Share {
            share_id,
            conversation_id,
            user_id,
            died_time,
        } => (
            "ShareRevoked",
            serde_json::to_string(&ShareRevoked {
                version: VERSION,
                // Share ids are random and never reused.
                event_id: event_id(&["ShareRevoked", tenant_id, share_id.as_str()]),
                tenant_id,
                share_id: share_id.as_str(),
                conversation_id: conversation_id.as_str(),
                user_id: user_id.as_str(),
                revoked_at: *died_time,
            })?,
            *died_time,
        ),
    };
    Ok(DeletionEvent {
        detail_type,
        detail,
        time,
    })
}

/// The detail `build` makes with as many of its `listed` items as fit one entry (all,
/// unless a conversation had more attachments than about 1,600).
fn fit(listed: usize, build: impl Fn(usize) -> serde_json::Result<String>) -> serde_json::Result<String> {
    let mut kept = listed;
    loop {
        let detail = build(kept)?;
        let size = entry_size("ConversationDeleted", &detail);
        if size <= MAX_ENTRY_BYTES || kept == 0 {
            return Ok(detail);
        }
        // In proportion to the excess, and always fewer.
        kept = (kept * MAX_ENTRY_BYTES / size).min(kept - 1);
    }
}

/// 32 hex digits of SHA-256 over the parts, each ended by a newline (no part holds
/// one: ids and wire times), so different parts never hash alike.
fn event_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update(b"\n");
    }
    hash.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_tell_kinds_tenants_and_incarnations_apart() {
        let a = event_id(&["ConversationDeleted", "acme", "c1", "2026-11-26T04:05:36.120Z"]);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(
            a,
            event_id(&["ConversationDeleted", "acme", "c1", "2026-11-26T04:05:36.120Z"])
        );
        for other in [
            event_id(&["AttachmentDeleted", "acme", "c1", "2026-11-26T04:05:36.120Z"]),
            event_id(&["ConversationDeleted", "other", "c1", "2026-11-26T04:05:36.120Z"]),
            event_id(&["ConversationDeleted", "acme", "c1", "2026-11-27T04:05:36.120Z"]),
            event_id(&["ConversationDeleted", "acmec1", "", "2026-11-26T04:05:36.120Z"]),
        ] {
            assert_ne!(a, other);
        }
    }

    #[test]
    fn a_conversation_event_fits_one_entry_however_many_attachments() {
        use crate::ids::{AttachmentId, ConversationId};
        use crate::models::ConversationRecord;

        let record: ConversationRecord = serde_json::from_value(serde_json::json!({
            "id": "01JDX6Q4V6N3W7P8R9S0T1U2V3", "user_id": "alice", "chatbot_id": "bot",
            "title": "t", "model_name": "m", "created_time": "2026-11-26T04:05:36.120Z",
            "updated_time": "2026-11-26T04:05:36.120Z", "is_active": true, "is_anonymized": false,
        }))
        .unwrap();
        let conversation = ConversationId::parse("01JDX6Q4V6N3W7P8R9S0T1U2V3").unwrap();
        let tenant = TenantId::parse("a-tenant-with-a-long-name-of-forty-chars").unwrap();
        let attachments = |n: usize| -> Vec<DeletedAttachment> {
            (0..n)
                .map(|_| {
                    let id = AttachmentId::generate(Timestamp::from_unix_ms(1_000).unwrap());
                    DeletedAttachment {
                        object_key: format!(
                            "tenants/{}/conversations/{}/attachments/{}",
                            tenant.as_str(),
                            conversation.as_str(),
                            id.as_str()
                        ),
                        attachment_id: id,
                    }
                })
                .collect()
        };
        let at = Timestamp::from_unix_ms(1_000).unwrap();
        // (attachments recorded, the record said it had more, the event says so)
        for (count, recorded_truncated, truncated) in [
            (0, false, false),
            (1_000, false, false),
            (5_000, false, true),
            (1_000, true, true),
        ] {
            let listed = attachments(count);
            let deleted = Deleted::Conversation {
                record: record.clone(),
                attachments: listed.clone(),
                attachments_truncated: recorded_truncated,
                deleted_time: Some(at),
            };
            let event = event_of(&tenant, &deleted, at).unwrap();
            assert!(event.entry_size() <= MAX_ENTRY_BYTES, "{count}: {}", event.entry_size());
            let detail: serde_json::Value = serde_json::from_str(&event.detail).unwrap();
            assert_eq!(detail["attachments_truncated"], truncated, "{count}");
            let kept: Vec<DeletedAttachment> = serde_json::from_value(detail["attachments"].clone()).unwrap();
            assert_eq!(kept[..], listed[..kept.len()], "{count}: the first ones, in order");
            if count > 1_000 {
                // Cut to what fits, not far below it.
                assert!(kept.len() > count / 4, "{count}: {} kept", kept.len());
                assert!(event.entry_size() > MAX_ENTRY_BYTES * 9 / 10);
            } else {
                assert_eq!(kept.len(), count);
            }
        }
    }
}

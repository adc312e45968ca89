//! The deletion events (`docs/events.md`): what the store read from the table's stream
//! (`store::stream::Deleted`), as the EventBridge entries published to the tenant's
//! bus. Every `event_id` is derived from what was deleted, so each delivery of one
//! deletion carries the same id.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::Timestamp;
use crate::ids::TenantId;
use crate::models::DeletedAttachment;
use crate::store::stream::Deleted;

/// The `source` of every event.
pub const SOURCE: &str = "glchat.conversations";

/// The version of the details below.
const VERSION: u8 = 1;

/// One event: its `detail-type` and `detail`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeletionEvent {
    pub detail_type: &'static str,
    pub detail: serde_json::Value,
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
    let (detail_type, detail) = match deleted {
        Deleted::Conversation {
            record,
            attachments,
            deleted_time,
        } => (
            "ConversationDeleted",
            serde_json::to_value(ConversationDeleted {
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
                attachments,
                deleted_at: deleted_time.unwrap_or(changed),
            })?,
        ),
        Deleted::Attachment(attachment) => (
            "AttachmentDeleted",
            serde_json::to_value(AttachmentDeleted {
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
        ),
        Deleted::Share {
            share_id,
            conversation_id,
            user_id,
            died_time,
        } => (
            "ShareRevoked",
            serde_json::to_value(ShareRevoked {
                version: VERSION,
                // Share ids are random and never reused.
                event_id: event_id(&["ShareRevoked", tenant_id, share_id.as_str()]),
                tenant_id,
                share_id: share_id.as_str(),
                conversation_id: conversation_id.as_str(),
                user_id: user_id.as_str(),
                revoked_at: *died_time,
            })?,
        ),
    };
    Ok(DeletionEvent { detail_type, detail })
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
}

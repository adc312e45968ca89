//! What a share link shows to anyone who has it: an allowlist of fields (role, content,
//! times, parent links, attachments, chatbot id), under the snapshot's own ids. The
//! owner's live conversation, message and attachment ids never leave through the link;
//! each is replaced by an id derived from the snapshot and the live one, so the same
//! snapshot always shows the same ids (pages agree, a clone can name them) and a
//! refresh shows new ones.
//!
//! The conversation's public id is a one-way hash. Message and attachment ids keep
//! their order (ULIDs sort by creation, and clients rely on it): the live ULID's time,
//! and its random part shifted by a per-snapshot offset derived from the snapshot id
//! and the live conversation id, which a viewer of the link never learns. Ids that are
//! not ULIDs (migrated data) are hashed.

use sha2::{Digest, Sha256};

use glchat_domain::ids::{AttachmentId, ConversationId, MessageId, UserId};
use glchat_domain::models::{AttachmentRecord, ConversationRecord, Message};
use glchat_domain::responses::{PublicConversation, PublicMessage};

/// The ids one snapshot shows.
#[derive(Debug, Clone)]
pub struct PublicIds {
    snapshot_id: String,
    live_conversation: ConversationId,
    /// The snapshot's time, for ids with no time of their own.
    ms: u64,
}

/// The random part of a ULID.
const RANDOM_BITS: u32 = 80;

impl PublicIds {
    pub fn of(snapshot_id: &str, live_conversation: &ConversationId) -> Self {
        let ms = ulid::Ulid::from_string(snapshot_id).map_or(0, |u| u.timestamp_ms());
        Self {
            snapshot_id: snapshot_id.to_owned(),
            live_conversation: live_conversation.clone(),
            ms,
        }
    }

    /// 80 bits of SHA-256 over the snapshot id, the kind and `text`.
    fn bits(&self, kind: u8, text: &str) -> u128 {
        let digest = Sha256::new()
            .chain_update(self.snapshot_id.as_bytes())
            .chain_update([0, kind, 0])
            .chain_update(text.as_bytes())
            .finalize();
        let mut random = [0u8; 16];
        random[6..].copy_from_slice(&digest[..10]);
        u128::from_be_bytes(random)
    }

    /// A live ULID's time with its random part shifted by this snapshot's offset for
    /// `kind` (order kept, but where the shift wraps past 2^80: odds of about one in
    /// 2^80 for two ids of the same millisecond); anything else hashed.
    fn shifted(&self, kind: u8, live: &str) -> ulid::Ulid {
        match ulid::Ulid::from_string(live) {
            Ok(ulid) => {
                let offset = self.bits(kind.to_ascii_uppercase(), self.live_conversation.as_str());
                let random = (ulid.random() + offset) & ((1u128 << RANDOM_BITS) - 1);
                ulid::Ulid::from_parts(ulid.timestamp_ms(), random)
            }
            Err(_) => ulid::Ulid::from_parts(self.ms, self.bits(kind, live)),
        }
    }

    pub fn conversation(&self, live: &ConversationId) -> ConversationId {
        ConversationId::from_ulid(ulid::Ulid::from_parts(self.ms, self.bits(b'c', live.as_str())))
    }

    pub fn message(&self, live: &str) -> MessageId {
        MessageId::from_ulid(self.shifted(b'm', live))
    }

    pub fn attachment(&self, live: &AttachmentId) -> AttachmentId {
        AttachmentId::from_ulid(self.shifted(b'a', live.as_str()))
    }
}

impl PublicIds {
    pub fn conversation_view(&self, live: &ConversationRecord) -> PublicConversation {
        PublicConversation {
            id: self.conversation(&live.id),
            user_id: UserId::anonymous(),
            chatbot_id: live.chatbot_id.clone(),
            title: live.title.clone(),
            created_time: live.created_time,
            updated_time: live.updated_time,
            is_active: live.is_active,
            is_anonymized: live.is_anonymized,
        }
    }

    /// A message under the snapshot's ids; its parent, the conversation or a message,
    /// under them too.
    pub fn message_view(&self, conversation: &ConversationId, live: Message) -> PublicMessage {
        let parent_id = live.parent_id.map(|parent| match parent == conversation.as_str() {
            true => self.conversation(conversation).to_string(),
            false => self.message(&parent).to_string(),
        });
        PublicMessage {
            id: self.message(live.id.as_str()),
            conversation_id: self.conversation(conversation),
            role: live.role,
            content: live.content,
            created_time: live.created_time,
            is_active: live.is_active,
            parent_id,
        }
    }

    /// An attachment record under the snapshot's ids (its object is the snapshot's copy).
    pub fn attachment_view(&self, live: AttachmentRecord) -> AttachmentRecord {
        AttachmentRecord {
            id: self.attachment(&live.id),
            conversation_id: self.conversation(&live.conversation_id),
            message_id: live.message_id.map(|m| self.message(m.as_str())),
            ..live
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_are_stable_per_snapshot_and_differ_between_snapshots() {
        let live = ConversationId::from_ulid(ulid::Ulid::new());
        let first = PublicIds::of(&ulid::Ulid::new().to_string(), &live);
        let second = PublicIds::of(&ulid::Ulid::new().to_string(), &live);
        assert_eq!(first.conversation(&live), first.conversation(&live));
        assert_ne!(first.conversation(&live), second.conversation(&live));
        assert_ne!(first.conversation(&live), live);
        let message = ulid::Ulid::new().to_string();
        assert_eq!(first.message(&message), first.message(&message));
        assert_ne!(first.message(&message), second.message(&message));
        assert_ne!(first.message(&message).as_str(), message);
        assert_eq!(first.message("migrated-id-7"), first.message("migrated-id-7"));
    }

    #[test]
    fn message_ids_keep_their_order_and_time() {
        let live = ConversationId::from_ulid(ulid::Ulid::new());
        let ids = PublicIds::of(&ulid::Ulid::new().to_string(), &live);
        let mut generator = ulid::Generator::new();
        let lives: Vec<ulid::Ulid> = (0..1000).map(|_| generator.generate().unwrap()).collect();
        let shown: Vec<String> = lives.iter().map(|l| ids.message(&l.to_string()).to_string()).collect();
        let mut sorted = shown.clone();
        sorted.sort();
        assert_eq!(shown, sorted);
        let first = ulid::Ulid::from_string(&shown[0]).unwrap();
        assert_eq!(first.timestamp_ms(), lives[0].timestamp_ms());
    }
}

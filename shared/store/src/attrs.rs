//! Every attribute name the store's expressions and reads name, one constant each.
//! The items (`items.rs`) name the same attributes through serde; a test serializes
//! each kind of item and checks that it writes every name listed for it here, so a
//! renamed field cannot leave a condition testing an attribute no item has.
//!
//! `Expr` takes an [`Attr`], never a string: an attribute outside this list does not
//! compile into an expression.

use std::fmt;

/// The name of an attribute of the table's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attr(&'static str);

impl Attr {
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

// Keys and indexes (`keys.rs` builds their values).
pub const PK: Attr = Attr("PK");
pub const SK: Attr = Attr("SK");
pub const GSI1PK: Attr = Attr("GSI1PK");
pub const GSI1SK: Attr = Attr("GSI1SK");
pub const GSI2PK: Attr = Attr("GSI2PK");
pub const GSI2SK: Attr = Attr("GSI2SK");
pub const GSI3PK: Attr = Attr("GSI3PK");
pub const GSI3SK: Attr = Attr("GSI3SK");
/// Which kind of item of a conversation's collection (serde's tag of `CollectionItem`,
/// which stream consumers read too).
pub const ENTITY: Attr = Attr("entity");
/// Epoch seconds: DynamoDB's TTL removes the item after it.
pub const EXPIRES_AT: Attr = Attr("expires_at");

// A conversation (its record's fields, and the item's own).
pub const ID: Attr = Attr("id");
pub const USER_ID: Attr = Attr("user_id");
pub const TITLE: Attr = Attr("title");
pub const UPDATED_TIME: Attr = Attr("updated_time");
pub const HEAD_MESSAGE_ID: Attr = Attr("head_message_id");
pub const DELETING: Attr = Attr("deleting");
pub const DELETED_TIME: Attr = Attr("deleted_time");
pub const DELETED_ATTACHMENTS: Attr = Attr("deleted_attachments");
pub const DELETED_ATTACHMENTS_TRUNCATED: Attr = Attr("deleted_attachments_truncated");
pub const CLONE_PROGRESS: Attr = Attr("clone_progress");
pub const ATTACHMENT_COUNT: Attr = Attr("attachment_count");
pub const ATTACHMENT_BYTES: Attr = Attr("attachment_bytes");

// A message.
pub const CONTENT: Attr = Attr("content");

// An attachment.
pub const SIZE: Attr = Attr("size");

// A share link and its snapshot.
pub const SHARE_ID: Attr = Attr("share_id");
pub const SNAPSHOT_ID: Attr = Attr("snapshot_id");

// An `Idempotency-Key` record.
pub const STATE: Attr = Attr("state");
pub const FINGERPRINT: Attr = Attr("fingerprint");
pub const CLAIM_TOKEN: Attr = Attr("claim_token");
pub const LOCKED_UNTIL: Attr = Attr("locked_until");
pub const STATUS: Attr = Attr("status");
pub const BODY: Attr = Attr("body");

// An export job (its `status` too).
/// Each background invocation does one step, and writes the next.
pub const STEP: Attr = Attr("step");

// A conversation counter.
pub const CONVERSATION_COUNT: Attr = Attr("conversation_count");

// Retention's cursor: the last day it swept whole.
pub const DAY: Attr = Attr("day");

// A rate window: no item type; its one update writes and reads it.
pub const COUNT: Attr = Attr("count");

//! Why an operation did not happen, in the domain's words: the edge chooses each
//! one's status, and for a refused value its `loc` and field name.

use std::time::Duration;

use crate::issue::Issue;

/// What a failed storage call (DynamoDB or S3) means to the caller: try again later
/// (503), a race with another writer, or a fault (500). The clients classify each
/// service's errors into it (`glchat_clients::failure`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Throttled, timed out, unreachable or failing on the service's side after the
    /// SDK's retries: the same request may succeed in a moment.
    #[error("storage unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Another request wrote the same items at the same moment (DynamoDB's
    /// `TransactionConflict`): a race between callers, not an outage.
    #[error("concurrent write")]
    Conflict(#[source] anyhow::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// No such conversation of the caller's (missing, deleted or someone else's alike).
    #[error("conversation not found")]
    ConversationNotFound,
    /// No such active share link (of the caller's, where it must be theirs).
    #[error("share link not found")]
    ShareNotFound,
    /// No such export of the caller's (missing, expired or someone else's alike).
    #[error("export not found")]
    ExportNotFound,
    /// No such import of the caller's.
    #[error("import not found")]
    ImportNotFound,
    /// No such erasure of the caller's.
    #[error("erasure not found")]
    ErasureNotFound,
    /// A body named another user than the caller.
    #[error("acting for another user")]
    ForeignUser,
    /// A client-chosen conversation id belongs to another conversation.
    #[error("conversation id taken")]
    ConversationIdTaken,
    /// Concurrent writes kept winning; the client may try again.
    #[error("the conversation kept changing")]
    Busy,
    /// The caller used up this endpoint's requests for the minute.
    #[error("rate limited")]
    RateLimited { retry_after: Duration },
    /// A message's parent is neither the conversation nor one of its messages.
    #[error("unknown parent message")]
    UnknownParent { parent: String },
    /// An attachment names a message that is not the conversation's.
    #[error("unknown message")]
    UnknownMessage { message: String },
    /// A list cursor that was not signed by us, or for another query.
    #[error("bad cursor")]
    BadCursor { cursor: String, issue: Issue },
    /// The conversation holds as many attachments as it may.
    #[error("too many attachments")]
    TooManyAttachments { limit: u64 },
    /// The attachment would take the conversation's attachments past their quota.
    #[error("attachment quota exceeded")]
    AttachmentQuota { size: u64, limit: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An unexpected failure (already given `.context(...)`): a 500.
impl From<anyhow::Error> for OpError {
    fn from(err: anyhow::Error) -> Self {
        OpError::Store(StoreError::Other(err))
    }
}

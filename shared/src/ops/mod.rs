//! The operations: every use-case of the API as one function of one shape,
//! `ops::<aggregate>::<verb>(&Deps, &Caller, Input) -> Result<Output, OpError>`.
//! Handlers extract the input and answer the output; the rules live here, and
//! ownership is never checked here by hand: an operation gets an `Owned` value from
//! the store, or its write carries the ownership condition.

pub mod attachments;
pub mod clones;
pub mod conversations;
pub mod messages;
pub mod public_view;
pub mod search;
pub mod shares;
pub mod snapshots;

use serde_json::Value;

use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Loc};
use crate::i18n::{Issue, Text};
use crate::store::StoreError;

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// No such conversation of the caller's (missing, deleted or someone else's alike).
    #[error("conversation not found")]
    ConversationNotFound,
    /// No such active share link (of the caller's, where it must be theirs).
    #[error("share link not found")]
    ShareNotFound,
    /// A body named another user than the caller.
    #[error("acting for another user")]
    ForeignUser,
    /// A client-chosen conversation id belongs to another conversation.
    #[error("conversation id taken")]
    ConversationIdTaken,
    /// Concurrent writes kept winning; the client may try again.
    #[error("the conversation kept changing")]
    Busy,
    /// A field that is well-formed but names nothing usable.
    #[error("invalid field {field}")]
    InvalidField {
        loc: Loc,
        field: &'static str,
        issue: Issue,
        input: Value,
    },
    /// A well-formed request the conversation cannot take as a whole.
    #[error("invalid request")]
    InvalidBody { issue: Issue },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An unexpected failure (already given `.context(...)`): a 500.
impl From<anyhow::Error> for OpError {
    fn from(err: anyhow::Error) -> Self {
        OpError::Store(StoreError::Other(err))
    }
}

/// A `user_id` named in a body must be the caller's own, unless the caller is an admin.
fn act_for(caller: &Caller, user: &crate::ids::UserId) -> Result<(), OpError> {
    match caller.may_act_for(user) {
        true => Ok(()),
        false => Err(OpError::ForeignUser),
    }
}

impl From<OpError> for ApiError {
    fn from(err: OpError) -> Self {
        match err {
            OpError::ConversationNotFound => ApiError::NotFound(Text::ConversationNotFound),
            OpError::ShareNotFound => ApiError::NotFound(Text::ShareNotFound),
            OpError::ForeignUser => ApiError::Forbidden(Text::ForeignUser),
            OpError::ConversationIdTaken => ApiError::Conflict(Text::ConversationIdTaken),
            OpError::Busy => ApiError::Conflict(Text::Busy),
            OpError::InvalidField {
                loc,
                field,
                issue,
                input,
            } => ApiError::invalid(loc, field, issue, input),
            OpError::InvalidBody { issue } => ApiError::Validation(vec![FieldError {
                loc: Loc::Body,
                field: None,
                issue,
                input: Value::Null,
            }]),
            OpError::Store(err) => err.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(cause) => ApiError::Unavailable(cause),
            // A race with another writer: the same request will likely pass in a moment.
            StoreError::Conflict(cause) => {
                tracing::info!(error = ?cause, "concurrent write");
                ApiError::Conflict(Text::Busy)
            }
            StoreError::Other(cause) => ApiError::Internal(cause),
        }
    }
}

//! The operations: every use-case of the API as one function of one shape,
//! `ops::<aggregate>::<verb>(&Deps, &Caller, Input) -> Result<Output, OpError>`.
//! Handlers extract the input and answer the output; the rules live here, and
//! ownership is never checked here by hand: an operation gets an `Owned` value from
//! the store, or its write carries the ownership condition.

pub mod attachments;
pub mod clones;
pub mod conversations;
pub mod deletions;
pub mod messages;
pub mod public_view;
pub mod search;
pub mod shares;
pub mod snapshots;

use serde_json::Value;

use crate::Deps;
use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Loc};
use crate::i18n::{Issue, Text};
use crate::store::{Rate, StoreError};

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
    /// The caller used up this endpoint's requests for the minute.
    #[error("rate limited")]
    RateLimited { retry_after: std::time::Duration },
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

/// The endpoints limited per user and minute (`config::RateLimits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limited {
    Titles,
    Searches,
    Shares,
    Clones,
}

/// Counts one request of the caller's to a limited endpoint: `RateLimited` past its
/// limit for the minute. Done before any work, so a refused request costs one write.
async fn within_rate(deps: &Deps, caller: &Caller, limited: Limited) -> Result<(), OpError> {
    let limits = deps.config.rate_limits;
    let (action, limit) = match limited {
        Limited::Titles => ("titles", limits.titles),
        Limited::Searches => ("searches", limits.searches),
        Limited::Shares => ("shares", limits.shares),
        Limited::Clones => ("clones", limits.clones),
    };
    let window = std::time::Duration::from_secs(60);
    match deps
        .store
        .take_rate(&caller.user_id, action, limit, window, deps.clock.now())
        .await?
    {
        Rate::Allowed => Ok(()),
        Rate::Limited { retry_after } => Err(OpError::RateLimited { retry_after }),
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
            OpError::RateLimited { retry_after } => ApiError::TooManyRequests { retry_after },
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

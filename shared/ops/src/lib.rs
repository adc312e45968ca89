//! The operations: every use-case of the API as one function of one shape,
//! `ops::<aggregate>::<verb>(&Deps, &Caller, Input) -> Result<Output, OpError>`.
//! Handlers extract the input and answer the output; the rules live here, and
//! ownership is never checked here by hand: an operation gets an `Owned` value from
//! the store, or its write carries the ownership condition.

pub mod attachments;
pub mod clones;
pub mod conversations;
pub mod deletions;
pub mod erasures;
pub mod exports;
pub mod imports;
pub mod jobs;
pub mod messages;
pub mod public_view;
pub mod retention;
pub mod search;
pub mod shares;
pub mod snapshots;

pub mod config;
pub mod deps;
pub mod laps;
pub mod telemetry;

pub use deps::Deps;
pub use glchat_domain::error::OpError;

use glchat_domain::caller::Caller;
use glchat_store::Rate;

/// The endpoints limited per user and minute (each one's limit is in its config section,
/// but the erasures', a constant of the domain's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limited {
    Titles,
    Searches,
    Shares,
    Clones,
    Exports,
    Erasures,
}

/// Counts one request of the caller's to a limited endpoint: `RateLimited` past its
/// limit for the minute. Done before any work, so a refused request costs one write.
async fn within_rate(deps: &Deps, caller: &Caller, limited: Limited) -> Result<(), OpError> {
    let config = &deps.config;
    let (action, limit) = match limited {
        Limited::Titles => ("titles", config.titles()?.per_minute),
        Limited::Searches => ("searches", config.lists()?.searches_per_minute),
        Limited::Shares => ("shares", config.shares()?.per_minute),
        Limited::Clones => ("clones", config.clones()?.per_minute),
        Limited::Exports => ("exports", config.exports()?.per_minute),
        Limited::Erasures => ("erasures", glchat_domain::erasures::PER_MINUTE),
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
fn act_for(caller: &Caller, user: &glchat_domain::ids::UserId) -> Result<(), OpError> {
    match caller.may_act_for(user) {
        true => Ok(()),
        false => Err(OpError::ForeignUser),
    }
}

//! One module per endpoint, each `extract -> operation -> respond`: `NEEDS` (what its
//! Lambda builds at cold start) and `handle(deps, request)`. The rules are in
//! `glchat_app::ops`, the data access in `glchat_app::store`, the HTTP edge (fields,
//! authentication, the `Idempotency-Key` guard) in `glchat_app::http`.

pub mod append_message;
pub mod clone_shared_conversation;
pub mod create_attachment;
pub mod create_conversation;
pub mod create_erasure;
pub mod create_export;
pub mod create_import;
pub mod delete_conversation;
pub mod delete_conversations;
pub mod delete_shared_conversation;
pub mod expire_conversations;
pub mod generate_title;
pub mod get_conversation;
pub mod get_erasure;
pub mod get_export;
pub mod get_import;
pub mod get_share;
pub mod get_shared_conversation;
pub mod list_conversations;
pub mod list_shared_conversations;
pub mod publish_deletions;
pub mod rename_conversation;
pub mod run_jobs;
pub mod settle_upload;
pub mod share_conversation;
pub mod start_import;

/// Extractors more than one handler uses.
mod extract {
    use glchat_app::ApiError;
    use glchat_app::clock::{ClientInstant, Timestamp};
    use glchat_app::http::{Fields, FromField};
    use glchat_app::i18n::Issue;
    use glchat_app::pages::MessageWindow;
    use lambda_http::Request;

    /// `max_date` as the client wrote it (any ISO 8601 date-time).
    struct MaxDate(ClientInstant);

    impl FromField for MaxDate {
        fn from_text(raw: &str) -> Result<Self, Issue> {
            Timestamp::parse_client(raw).map(MaxDate)
        }
    }

    /// The page of messages `limit` and `max_date` ask for.
    pub fn message_window(req: &Request) -> Result<MessageWindow, ApiError> {
        Fields::query(req).parse(|f| {
            let limit: Option<i64> = f.optional("limit");
            f.check("limit", limit.is_none_or(|l| l >= 0), Issue::GreaterThanEqual(0));
            let max_date: Option<MaxDate> = f.optional("max_date");
            Some(MessageWindow::newest_before(
                limit.and_then(|l| usize::try_from(l).ok()),
                max_date.map(|d| d.0),
            ))
        })
    }
}

/// What every handler uses.
mod prelude {
    pub use std::sync::Arc;

    pub use glchat_app::Deps;
    pub use glchat_app::config::Needs;
    pub use glchat_app::error::{accepted, accepted_job, ok};
    pub use glchat_app::http::{BodyKind, Fields, path_id};
    pub use lambda_http::Request;

    pub use glchat_app::HandlerResult;
    pub use glchat_app::http::{Authenticate, idempotent, idempotent_write};

    pub use super::extract::message_window;
}

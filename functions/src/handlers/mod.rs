//! One module per endpoint, each `extract -> operation -> respond`: `NEEDS` (what its
//! Lambda builds at cold start) and `handle(deps, request)`. The rules are in
//! `glchat_shared::ops`, the data access in `glchat_shared::store`.

pub mod append_message;
pub mod clone_shared_conversation;
pub mod create_attachment;
pub mod create_conversation;
pub mod delete_conversation;
pub mod delete_conversations;
pub mod delete_shared_conversation;
pub mod generate_title;
pub mod get_conversation;
pub mod get_share;
pub mod get_shared_conversation;
pub mod list_conversations;
pub mod list_shared_conversations;
pub mod rename_conversation;
pub mod share_conversation;

/// What every handler uses.
mod prelude {
    pub use std::sync::Arc;

    pub use glchat_shared::Deps;
    pub use glchat_shared::config::Needs;
    pub use glchat_shared::error::ok;
    pub use glchat_shared::http::{BodyKind, Fields, path_id};
    pub use lambda_http::Request;

    pub use crate::routes::HandlerResult;
}

//! One module per endpoint, each with `handle(app, request)`.

pub mod append_message;
pub mod create_conversation;
pub mod get_conversation;
pub mod list_conversations;
pub mod rename_conversation;

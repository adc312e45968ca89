//! One module per endpoint, each with `handle(app, request)`.

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

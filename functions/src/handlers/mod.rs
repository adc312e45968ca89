//! One module per endpoint, each with `handle(app, request)`.

pub mod append_message;
pub mod create_attachment;
pub mod create_conversation;
pub mod delete_conversation;
pub mod delete_conversations;
pub mod generate_title;
pub mod get_conversation;
pub mod list_conversations;
pub mod rename_conversation;

//! Lambda `expire_conversations` (an hourly schedule): the handler is `handlers::expire_conversations`.
glchat_functions::event_main!(expire_conversations);

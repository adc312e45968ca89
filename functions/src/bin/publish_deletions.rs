//! Lambda `publish_deletions` (the table's stream): the handler is `handlers::publish_deletions`.
glchat_functions::event_main!(publish_deletions);

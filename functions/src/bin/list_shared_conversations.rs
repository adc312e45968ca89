//! Lambda `list_shared_conversations`: the handler is `handlers::list_shared_conversations`.
glchat_functions::lambda_main!(list_shared_conversations);

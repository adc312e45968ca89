//! Lambda `list_conversations`: the handler is `handlers::list_conversations`.
glchat_functions::lambda_main!(list_conversations);

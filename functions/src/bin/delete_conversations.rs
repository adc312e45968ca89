//! Lambda `delete_conversations`: the handler is `handlers::delete_conversations`.
glchat_functions::lambda_main!(delete_conversations);

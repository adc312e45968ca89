//! Lambda `delete_conversation`: the handler is `handlers::delete_conversation`.
glchat_functions::lambda_main!(delete_conversation);

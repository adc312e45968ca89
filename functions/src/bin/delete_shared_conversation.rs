//! Lambda `delete_shared_conversation`: the handler is `handlers::delete_shared_conversation`.
glchat_functions::lambda_main!(delete_shared_conversation);

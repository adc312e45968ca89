//! Lambda `rename_conversation`: the handler is `handlers::rename_conversation`.
glchat_functions::lambda_main!(rename_conversation);

//! Lambda `create_conversation`: the handler is `handlers::create_conversation`.
glchat_functions::lambda_main!(create_conversation);

//! Lambda `get_conversation`: the handler is `handlers::get_conversation`.
glchat_functions::lambda_main!(get_conversation);

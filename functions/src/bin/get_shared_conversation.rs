//! Lambda `get_shared_conversation`: the handler is `handlers::get_shared_conversation`.
glchat_functions::lambda_main!(get_shared_conversation);

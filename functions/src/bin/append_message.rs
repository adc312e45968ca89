//! Lambda `append_message`: the handler is `handlers::append_message`.
glchat_functions::lambda_main!(append_message);
